/* Unit tests, beyond step 10: config.json into what steps 01-08 take, and
 * every field boxes-runtime does not implement refused by its name. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_stderr.h"
#include "options.h"
#include "state.h"
#include "03-cgroups/cgroup.h"
#include "03-cgroups/cgroup_tree.h"
#include "08-seccomp/capabilities.h"
#include "08-seccomp/seccomp.h"
#include "oci-runtime/profile.h"
#include "oci-runtime/spec.h"

/* The parts of the config.json podman 4 writes for `podman run --rm IMAGE
 * echo hi` that matter here (see tests/integration/test_11_oci_runtime.c
 * for the whole thing, written by podman itself). */
#define PROCESS                                                                                    \
	"\"process\": {\"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18, "                    \
	"\"additionalGids\": [10, 20]}, \"args\": [\"echo\", \"hi\"], \"env\": [\"PATH=/bin\"], "  \
	"\"cwd\": \"/srv\", \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"], "      \
	"\"effective\": [\"CAP_KILL\"]}, \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": "   \
	"1024, \"hard\": 2048}]}"
#define MOUNTS                                                                                     \
	"\"mounts\": [{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", "    \
	"\"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]}, "             \
	"{\"destination\": \"/etc/hosts\", \"type\": \"bind\", \"source\": \"/tmp/hosts\", "       \
	"\"options\": [\"bind\", \"rprivate\", \"ro\"]}]"
#define LINUX                                                                                      \
	"\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": "     \
	"\"uts\"}, {\"type\": \"network\", \"path\": \"/run/netns/x\"}], \"resources\": "          \
	"{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}], \"pids\": {\"limit\": 2048}, "   \
	"\"memory\": {\"limit\": 67108864}, \"cpu\": {\"quota\": 50000, \"period\": 100000}}, "    \
	"\"cgroupsPath\": \"//libpod_parent/libpod-x/\", \"maskedPaths\": [\"/proc/kcore\"], "     \
	"\"readonlyPaths\": [\"/proc/sys\"], \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}"
#define CONFIG(process, mounts, linux_, extra)                                                     \
	"{\"ociVersion\": \"1.0.2-dev\", " process ", \"root\": {\"path\": \"rootfs\"}, "          \
	"\"hostname\": \"abc\", " mounts ", " linux_ extra "}"

static char errors[4096];

/* spec_parse with stderr caught in errors[]. */
static int parse(struct spec *spec, const char *text)
{
	int caught = stderr_catch(), result;

	result = spec_parse(spec, text, "/bundles/b");
	stderr_release(caught, errors, sizeof(errors));
	return result;
}

static void test_podman_s_config_maps_onto_the_steps(void **state)
{
	struct spec spec;

	(void)state;
	assert_int_equal(parse(&spec, CONFIG(PROCESS, MOUNTS, LINUX, "")), 0);
	assert_string_equal(spec.rootfs, "/bundles/b/rootfs");
	assert_string_equal(spec.hostname, "abc");
	assert_string_equal(spec.process.args[0], "echo");
	assert_null(spec.process.args[2]);
	assert_string_equal(spec.process.cwd, "/srv");
	assert_int_equal(spec.process.uid, 1000);
	assert_int_equal(spec.process.gid, 100);
	assert_int_equal(spec.process.umask, 022);
	assert_int_equal(spec.process.additional_gid_count, 2);
	assert_true(spec.process.bounding == ((1ULL << capability_from_name("CHOWN")) |
					      (1ULL << capability_from_name("KILL"))));
	assert_true(spec.process.effective == 1ULL << capability_from_name("KILL"));
	assert_true(spec.process.permitted == 0);
	assert_int_equal(spec.process.rlimit_count, 1);
	assert_int_equal(spec.process.rlimits[0].hard, 2048);
	/* 02 + 06: made new, or joined by path */
	assert_true(spec.clone_flags == (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS));
	assert_string_equal(spec.namespaces[3].path, "/run/netns/x");
	/* 03 */
	assert_int_equal(spec.pids_limit, 2048);
	assert_int_equal(spec.memory_bytes, 64 << 20);
	assert_int_equal(spec.cpu_quota_us, 50000);
	/* 05 */
	assert_int_equal(spec.mount_count, 2);
	assert_true(spec.mounts[0].flags == (MS_NOSUID | MS_STRICTATIME));
	assert_string_equal(spec.mounts[0].data, "mode=755,size=65536k");
	assert_true(spec.mounts[1].bind);
	assert_true(spec.mounts[1].flags & MS_RDONLY);
	assert_true(spec.mounts[1].propagation == (MS_PRIVATE | MS_REC));
	assert_string_equal(spec.masked[0], "/proc/kcore");
	assert_string_equal(spec.readonly[0], "/proc/sys");
	assert_string_equal(spec.sysctl_keys[0], "net.ipv4.ip_forward");
	spec_free(&spec);
}

static void test_hooks_are_taken_as_the_spec_writes_them(void **state)
{
	struct spec spec;

	(void)state;
	assert_int_equal(
	    parse(&spec, CONFIG(PROCESS, MOUNTS, LINUX,
				", \"hooks\": {\"prestart\": [{\"path\": \"/bin/net-up\", "
				"\"args\": [\"net-up\", \"-v\"], \"env\": [\"A=1\"], "
				"\"timeout\": 5}], \"poststop\": [{\"path\": \"/x\"}]}")),
	    0);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(spec.hooks, "prestart"), 0), "path")),
	    "/bin/net-up");
	assert_int_equal(json_array_size(json_object_get(spec.hooks, "poststop")), 1);
	spec_free(&spec);
}

/* Each a config that differs in one field; the error names the field. */
static const struct {
	const char *config, *error;
} refused[] = {
    {CONFIG(PROCESS, MOUNTS, LINUX, ", \"hooks\": {\"startContainer\": []}"),
     "config.json: hooks.startContainer is not supported"},
    {CONFIG(PROCESS, MOUNTS, LINUX, ", \"hooks\": {\"prestart\": [{\"path\": \"net-up\"}]}"),
     "config.json: hooks.prestart[0]: path must be an absolute path"},
    {CONFIG(
	 PROCESS, MOUNTS, LINUX,
	 ", \"hooks\": {\"poststop\": [{\"path\": \"/x\"}, {\"path\": \"/y\", \"timeout\": 0}]}"),
     "config.json: hooks.poststop[1]: timeout must be a number of seconds"},
    {CONFIG(PROCESS, MOUNTS, LINUX,
	    ", \"hooks\": {\"poststart\": [{\"path\": \"/x\", \"args\": \"/x -v\"}]}"),
     "config.json: hooks.poststart[0]: args must be a list of at most 256 strings"},
    {CONFIG(PROCESS, MOUNTS, LINUX,
	    ", \"hooks\": {\"prestart\": [{\"path\": \"/x\", \"when\": {}}]}"),
     "config.json: hooks.prestart[0].when is not supported"},
    {CONFIG(PROCESS, MOUNTS, "\"linux\": {\"intelRdt\": {}}", ""),
     "config.json: linux.intelRdt is not supported"},
    {CONFIG("\"process\": {\"args\": [\"x\"], \"ioPriority\": {}}", MOUNTS, LINUX, ""),
     "config.json: process.ioPriority is not supported"},
    {CONFIG("\"process\": {\"args\": []}", MOUNTS, LINUX, ""), "process.args is empty"},
    {CONFIG("\"process\": {\"args\": [\"x\"], \"apparmorProfile\": \"strict\"}", MOUNTS, LINUX, ""),
     "process.apparmorProfile is not supported"},
    {CONFIG("\"process\": {\"args\": [\"x\"], \"capabilities\": {\"effective\": "
	    "[\"CAP_NOPE\"]}}",
	    MOUNTS, LINUX, ""),
     "process.capabilities.effective: CAP_NOPE is not a capability"},
    {CONFIG(PROCESS, "\"mounts\": [{\"destination\": \"/x\", \"type\": \"overlay\"}]", LINUX, ""),
     "type \"overlay\" is not supported"},
    {CONFIG(PROCESS, "\"mounts\": [{\"destination\": \"/../etc\", \"type\": \"tmpfs\"}]", LINUX,
	    ""),
     "without \"..\": /../etc"},
    {CONFIG(PROCESS, MOUNTS,
	    "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\", "
	    "\"path\": \"/proc/1/ns/user\"}]}",
	    ""),
     "linux.namespaces: user with a path is not supported"},
    {CONFIG(PROCESS, MOUNTS, "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}]}", ""),
     "needs a mount namespace"},
    {CONFIG(PROCESS, MOUNTS,
	    "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}], \"resources\": {\"devices\": "
	    "[{\"allow\": true, \"access\": \"rwm\"}]}}",
	    ""),
     "linux.resources.devices must begin with deny-all"},
    {CONFIG(PROCESS, MOUNTS,
	    "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}], \"resources\": {\"blockIO\": "
	    "{}}}",
	    ""),
     "linux.resources.blockIO is not supported"},
    {CONFIG(PROCESS, MOUNTS,
	    "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}], \"rootfsPropagation\": "
	    "\"shared\"}",
	    ""),
     "linux.rootfsPropagation shared is not supported"},
    {"{\"ociVersion\": \"2.0.0\"}", "ociVersion 2.0.0 is not supported"},
    {"{\"ociVersion\": \"1.0.2\", \"root\": {}}", "root.path is missing"},
    {"{ not json", "config.json: line 1:"},
};

static void test_unsupported_fields_are_refused_by_name(void **state)
{
	struct spec spec;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(parse(&spec, refused[i].config), -1);
		if (!strstr(errors, refused[i].error))
			fail_msg("config %zu: expected \"%s\", got \"%s\"", i, refused[i].error,
				 errors);
		/* one line */
		assert_non_null(strchr(errors, '\n'));
		assert_string_equal(strchr(errors, '\n'), "\n");
	}
}

static void test_seccomp_profile_builds_and_refuses_unknown_actions(void **state)
{
	json_t *good = json_loads(
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"architectures\": "
	    "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": [\"read\", "
	    "\"no_such_call\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"personality\"], "
	    "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 8, \"op\": "
	    "\"SCMP_CMP_EQ\"}]}]}",
	    0, NULL);
	json_t *bad = json_loads("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", 0, NULL);
	json_t *flags =
	    json_loads("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": []}", 0, NULL);
	scmp_filter_ctx filter;

	(void)state;
	filter = profile_build(good);
	assert_non_null(filter);
	seccomp_release(filter);
	assert_null(profile_build(bad));
	assert_null(profile_build(flags));
	json_decref(good);
	json_decref(bad);
	json_decref(flags);
}

/* linux.cgroupsPath (from a root, "." and ".." refused, systemd's form
 * refused), the user namespace with its maps, ambient capabilities. */
static void test_cgroups_path_user_namespace_and_ambient_are_read(void **state)
{
	static const char *const bad_paths[] = {"/a/../b", "system.slice:libpod:x", "./x"};
	char text[4096];
	struct spec spec;
	size_t i;

	(void)state;
	assert_int_equal(parse(&spec, CONFIG(PROCESS, MOUNTS, LINUX, "")), 0);
	assert_string_equal(spec.cgroup_path, "libpod_parent/libpod-x");
	spec_free(&spec);
	for (i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		snprintf(text, sizeof(text),
			 CONFIG(PROCESS, MOUNTS,
				"\"linux\": {\"namespaces\": [{\"type\": \"mount\"}], "
				"\"cgroupsPath\": \"%s\"}",
				""),
			 bad_paths[i]);
		if (parse(&spec, text) != -1 || !strstr(errors, "linux.cgroupsPath"))
			fail_msg("cgroupsPath %s: \"%s\"", bad_paths[i], errors);
	}
	assert_int_equal(
	    parse(
		&spec,
		CONFIG("\"process\": {\"args\": [\"x\"], \"capabilities\": {\"ambient\": "
		       "[\"CAP_NET_BIND_SERVICE\"]}}",
		       MOUNTS,
		       "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": "
		       "\"user\"}, {\"type\": \"cgroup\"}, {\"type\": \"uts\"}], \"uidMappings\": "
		       "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}], "
		       "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": "
		       "1}, {\"containerID\": 5, \"hostID\": 300000, \"size\": 2}]}",
		       "")),
	    0);
	assert_true(spec.clone_flags ==
		    (CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWUTS));
	assert_int_equal(spec.uid_mapping_count, 1);
	assert_int_equal(spec.uid_mappings[0].host_id, 100000);
	assert_int_equal(spec.gid_mapping_count, 2);
	assert_int_equal(spec.gid_mappings[1].container_id, 5);
	assert_true(spec.process.ambient == 1ULL << capability_from_name("NET_BIND_SERVICE"));
	spec_free(&spec);
	/* a user namespace without its maps, and maps without it */
	assert_int_equal(parse(&spec, CONFIG(PROCESS, MOUNTS,
					     "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, "
					     "{\"type\": \"user\"}]}",
					     "")),
			 -1);
	assert_non_null(strstr(errors, "go together"));
	assert_int_equal(
	    parse(&spec, CONFIG(PROCESS, MOUNTS,
				"\"linux\": {\"namespaces\": [{\"type\": \"mount\"}], "
				"\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, "
				"\"size\": 1}], \"gidMappings\": []}",
				"")),
	    -1);
	assert_non_null(strstr(errors, "go together"));
}

/* A small file's content, whole: 0, or -1 when it cannot be read. */
static int read_whole_file(const char *path, char *out, size_t len)
{
	FILE *file = fopen(path, "r");
	size_t got;

	if (!file)
		return -1;
	got = fread(out, 1, len - 1, file);
	out[got] = '\0';
	fclose(file);
	return 0;
}

/* Step 03 puts the cgroup where cgroupsPath says, on a fake v2 tree (as
 * tests/unit/test_03_cgroup_tree.c makes them): every level hands the
 * controllers down to the next, the limits land in the last one. */
static void test_cgroups_path_on_a_fake_v2_tree(void **state)
{
	char root[] = "/tmp/boxes-fake-cgroup-XXXXXX", path[512], content[64] = "";
	static const char *const levels[] = {"", "/libpod_parent"};
	struct box box;
	FILE *file;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs("cpuset cpu io memory pids\n", file);
	fclose(file);
	box_init(&box, 11);
	snprintf(box.id, sizeof(box.id), "0123456789ab");
	box.cgroup_path = "libpod_parent/libpod-x";
	box.pids_limit = 33;
	assert_int_equal(cgroup_create_at(&box, root, CGROUP_V2), 0);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s%s/cgroup.subtree_control", root, levels[i]);
		assert_int_equal(read_whole_file(path, content, sizeof(content)), 0);
		assert_string_equal(content, "+memory +pids +cpu");
	}
	snprintf(path, sizeof(path), "%s/libpod_parent/libpod-x/pids.max", root);
	assert_int_equal(read_whole_file(path, content, sizeof(content)), 0);
	assert_string_equal(content, "33");
	snprintf(path, sizeof(path), "%s/boxes", root);
	assert_int_not_equal(access(path, F_OK), 0); /* not step 03's own place */
	free(box.cgroup);
	assert_int_equal(remove_tree(root), 0);
}

/* beyond/oci-runtime/seccomp-08.json, the profile the matrix's NAME-08
 * columns give podman, is step 08's filter: the same rules, rule for rule
 * (libseccomp's own listing of both, PFC), whatever 08's list becomes. */
static void test_seccomp_08_json_is_step_08_s_filter(void **state)
{
	char step_08[65536] = "", profile[65536] = "";
	json_t *json = json_load_file("beyond/oci-runtime/seccomp-08.json", 0, NULL);
	scmp_filter_ctx filter;
	FILE *a = tmpfile(), *b = tmpfile();
	size_t got;

	(void)state;
	assert_non_null(json);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(print_seccomp_filter(fileno(a)), 0);
	filter = profile_build(json);
	assert_non_null(filter);
	/* step 08 kills a call from an ABI it does not know, the whole process */
	assert_int_equal(seccomp_attr_set(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS),
			 0);
	assert_int_equal(seccomp_export_pfc(filter, fileno(b)), 0);
	seccomp_release(filter);
	json_decref(json);
	rewind(a);
	rewind(b);
	got = fread(step_08, 1, sizeof(step_08) - 1, a);
	step_08[got] = '\0';
	got = fread(profile, 1, sizeof(profile) - 1, b);
	profile[got] = '\0';
	fclose(a);
	fclose(b);
	assert_true(strlen(step_08) > 1000);
	assert_string_equal(profile, step_08);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_podman_s_config_maps_onto_the_steps),
	    cmocka_unit_test(test_hooks_are_taken_as_the_spec_writes_them),
	    cmocka_unit_test(test_unsupported_fields_are_refused_by_name),
	    cmocka_unit_test(test_seccomp_profile_builds_and_refuses_unknown_actions),
	    cmocka_unit_test(test_cgroups_path_user_namespace_and_ambient_are_read),
	    cmocka_unit_test(test_cgroups_path_on_a_fake_v2_tree),
	    cmocka_unit_test(test_seccomp_08_json_is_step_08_s_filter),
	};

	return cmocka_run_group_tests_name("test_11_spec", tests, NULL, NULL);
}
