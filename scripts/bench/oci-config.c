/* oci-config.c - the bundles crun and runc run in `make bench`.
 *
 *     runc spec; oci-config ROOTFS bare|like-08 < config.json > edited.json
 *
 * Reads the template of `runc spec` and writes it back edited (jansson,
 * not sed: the template is JSON):
 *
 *   bare     /bin/true, no terminal, root.path = ROOTFS, no ambient
 *            capabilities (see edit_bare). Everything else as
 *            the template has it: pid, mount, uts, ipc and network
 *            namespaces (lo only), a read-only root, 3 capabilities, no
 *            user namespace, no limits, no seccomp profile.
 *   like-08  bare, plus what step 08 does with `--memory 64M --pids-limit
 *            64`: a user namespace mapping 0 to 100000 for 65536 ids (ROOTFS
 *            must be owned by the mapped ids: the bench makes a chowned
 *            copy), memory 64M with no swap on top, pids 64, docker's 14
 *            capabilities and step 08's own seccomp filter, no cgroup
 *            namespace and no /sys/fs/cgroup mount (08 has neither).
 *
 * The seccomp section is made from step 08's own tables, so it cannot
 * drift from what 08 loads: the tables are static in seccomp.c, so this
 * file includes seccomp.c itself (and is linked without seccomp.o). The
 * capabilities come from capabilities.o's default_capabilities().
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "08-seccomp/capabilities.h"
#include "08-seccomp/seccomp.c" /* deny_list[], namespace_flags[] */

#define MAPPED_ROOT 100000
#define MAPPED_COUNT 65536
#define MEMORY_LIMIT (64LL << 20)
#define PIDS_LIMIT 64

static void fail(const char *what)
{
	fprintf(stderr, "oci-config: %s\n", what);
	exit(1);
}

/* obj[key], which must be an object (made when missing). */
static json_t *object_at(json_t *obj, const char *key)
{
	json_t *child = json_object_get(obj, key);

	if (!child) {
		child = json_object();
		json_object_set_new(obj, key, child);
	}
	if (!json_is_object(child))
		fail("the template's field is not an object");
	return child;
}

static void edit_bare(json_t *spec, const char *rootfs)
{
	json_t *process = object_at(spec, "process");

	json_object_set_new(process, "terminal", json_false());
	json_object_set_new(process, "args", json_pack("[s]", "/bin/true"));
	json_object_set_new(object_at(spec, "root"), "path", json_string(rootfs));
	/* runc spec lists 3 ambient capabilities and no inheritable ones; the
	 * kernel raises an ambient one only if it is inheritable too, so runc
	 * drops them unsaid (CapAmb 0 inside) and boxes-runtime refuses the
	 * config: without them, every runtime runs the same thing. */
	json_object_del(object_at(process, "capabilities"), "ambient");
}

static json_t *id_mapping(void)
{
	return json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", MAPPED_ROOT, "size",
			 MAPPED_COUNT);
}

/* Docker's 14, as "CAP_CHOWN" names, for bounding, effective, permitted. */
static void set_capabilities(json_t *process)
{
	uint64_t kept = default_capabilities();
	json_t *names = json_array();

	for (int cap = 0; cap < 64; cap++) {
		char *name, upper[64];

		if (!(kept & (1ULL << cap)))
			continue;
		name = cap_to_name(cap); /* "cap_chown" */
		for (size_t i = 0; i < sizeof(upper); i++) {
			upper[i] = (char)toupper((unsigned char)name[i]);
			if (!name[i])
				break;
		}
		upper[sizeof(upper) - 1] = '\0';
		cap_free(name);
		json_array_append_new(names, json_string(upper));
	}
	json_object_set_new(
	    process, "capabilities",
	    json_pack("{s:O,s:O,s:O}", "bounding", names, "effective", names, "permitted", names));
	json_decref(names);
}

/* Step 08's filter as an OCI seccomp section: allow by default; the deny
 * list answers EPERM; clone3 ENOSYS; clone EPERM with any CLONE_NEW* flag;
 * the same rules for x86_64, x86 and x32 (08 kills other ABIs; OCI has no
 * bad-arch action, runtimes kill them too). */
static json_t *seccomp_section(void)
{
	json_t *names = json_array(), *syscalls = json_array();

	for (int i = 0; i < DENY_COUNT; i++)
		json_array_append_new(names, json_string(deny_list[i].name));
	json_array_append_new(syscalls, json_pack("{s:o,s:s,s:i}", "names", names, "action",
						  "SCMP_ACT_ERRNO", "errnoRet", EPERM));
	json_array_append_new(syscalls, json_pack("{s:[s],s:s,s:i}", "names", "clone3", "action",
						  "SCMP_ACT_ERRNO", "errnoRet", ENOSYS));
	for (int i = 0; i < NAMESPACE_FLAG_COUNT; i++)
		json_array_append_new(
		    syscalls,
		    json_pack("{s:[s],s:s,s:i,s:[{s:i,s:I,s:I,s:s}]}", "names", "clone", "action",
			      "SCMP_ACT_ERRNO", "errnoRet", EPERM, "args", "index", 0, "value",
			      (json_int_t)namespace_flags[i], "valueTwo",
			      (json_int_t)namespace_flags[i], "op", "SCMP_CMP_MASKED_EQ"));
	return json_pack("{s:s,s:[s,s,s],s:o}", "defaultAction", "SCMP_ACT_ALLOW", "architectures",
			 "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "syscalls",
			 syscalls);
}

/* Drop entries of array whose field key equals value. */
static void remove_where(json_t *array, const char *key, const char *value)
{
	for (size_t i = json_array_size(array); i-- > 0;) {
		json_t *field = json_object_get(json_array_get(array, i), key);

		if (json_is_string(field) && strcmp(json_string_value(field), value) == 0)
			json_array_remove(array, i);
	}
}

static void edit_like_08(json_t *spec)
{
	json_t *linux_ = object_at(spec, "linux");
	json_t *namespaces = json_object_get(linux_, "namespaces");
	json_t *resources = object_at(linux_, "resources");

	if (!json_is_array(namespaces))
		fail("the template has no linux.namespaces array");
	remove_where(namespaces, "type", "cgroup");
	json_array_append_new(namespaces, json_pack("{s:s}", "type", "user"));
	json_object_set_new(linux_, "uidMappings", id_mapping());
	json_object_set_new(linux_, "gidMappings", id_mapping());
	json_object_set_new(resources, "memory",
			    json_pack("{s:I,s:I}", "limit", MEMORY_LIMIT, "swap", MEMORY_LIMIT));
	json_object_set_new(resources, "pids", json_pack("{s:i}", "limit", PIDS_LIMIT));
	json_object_set_new(linux_, "seccomp", seccomp_section());
	remove_where(json_object_get(spec, "mounts"), "destination", "/sys/fs/cgroup");
	set_capabilities(object_at(spec, "process"));
	json_object_set_new(object_at(spec, "process"), "noNewPrivileges", json_true());
}

int main(int argc, char **argv)
{
	json_error_t error;
	json_t *spec;

	if (argc != 3 || (strcmp(argv[2], "bare") != 0 && strcmp(argv[2], "like-08") != 0))
		fail("usage: oci-config ROOTFS bare|like-08 < config.json > edited.json");
	spec = json_loadf(stdin, 0, &error);
	if (!spec) {
		fprintf(stderr, "oci-config: the template, line %d: %s\n", error.line, error.text);
		return 1;
	}
	edit_bare(spec, argv[1]);
	if (strcmp(argv[2], "like-08") == 0)
		edit_like_08(spec);
	if (json_dumpf(spec, stdout, JSON_INDENT(2)) < 0 || fputc('\n', stdout) == EOF)
		fail("cannot write the edited config");
	json_decref(spec);
	return 0;
}
