/* spec.c - beyond step 10: config.json, field by field.
 *
 * An engine (podman, CRI-O, containerd) describes the container it wants
 * in a bundle: a directory with the rootfs and config.json (the OCI runtime
 * spec, config.md). Each field here becomes a field that a step's mechanism
 * already takes: mounts for 05, namespaces for 02 and 06, resources for 03,
 * capabilities and seccomp for 08. A field we do not implement is an error
 * that names it: a runtime that ignored "linux.intelRdt" would run the
 * container with less isolation than the engine asked for, silently.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "log.h"

#include "08-seccomp/capabilities.h"
#include "oci-runtime/hooks.h"
#include "oci-runtime/spec.h"

#define COUNT(array) (int)(sizeof(array) / sizeof(array[0]))

int spec_check_keys(json_t *object, const char *where, const char *const *known)
{
	const char *key;
	json_t *value;

	json_object_foreach(object, key, value)
	{
		int i;

		for (i = 0; known[i]; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (!known[i]) {
			box_error("config.json: %s%s%s is not supported by boxes-runtime", where,
				  *where ? "." : "", key);
			return -1;
		}
	}
	return 0;
}

static int wrong_type(const char *field, const char *want)
{
	box_error("config.json: %s must be %s", field, want);
	return -1;
}

/* An optional string field: *out stays as it was when absent. */
static int get_string(json_t *object, const char *key, const char *field, const char **out)
{
	json_t *value = json_object_get(object, key);

	if (!value)
		return 0;
	if (!json_is_string(value))
		return wrong_type(field, "a string");
	*out = json_string_value(value);
	return 0;
}

static int get_integer(json_t *object, const char *key, const char *field, long long min,
		       long long max, long long *out)
{
	json_t *value = json_object_get(object, key);

	if (!value)
		return 0;
	if (!json_is_integer(value) || json_integer_value(value) < min ||
	    json_integer_value(value) > max)
		return wrong_type(field, "an integer in range");
	*out = json_integer_value(value);
	return 0;
}

/* A list of strings into out (NULL-terminated when terminate). */
static int get_strings(json_t *object, const char *key, const char *field, const char **out,
		       int max, int *count)
{
	json_t *list = json_object_get(object, key), *item;
	size_t i;

	*count = 0;
	if (!list)
		return 0;
	if (!json_is_array(list))
		return wrong_type(field, "a list of strings");
	json_array_foreach(list, i, item)
	{
		if (!json_is_string(item))
			return wrong_type(field, "a list of strings");
		if (*count >= max) {
			box_error("config.json: %s has more than %d entries", field, max);
			return -1;
		}
		out[(*count)++] = json_string_value(item);
	}
	out[*count] = NULL;
	return 0;
}

/* A list of capability names ("CAP_CHOWN") into a mask. */
static int get_capabilities(json_t *caps, const char *key, uint64_t *mask)
{
	const char *names[SPEC_MAX_LIST + 1];
	char field[64];
	int count, i;

	snprintf(field, sizeof(field), "process.capabilities.%s", key);
	*mask = 0;
	if (get_strings(caps, key, field, names, SPEC_MAX_LIST, &count) < 0)
		return -1;
	for (i = 0; i < count; i++) {
		int cap = capability_from_name(names[i]);

		if (cap < 0) {
			box_error("config.json: %s: %s is not a capability of this kernel", field,
				  names[i]);
			return -1;
		}
		*mask |= 1ULL << cap;
	}
	return 0;
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int get_rlimits(json_t *process, struct spec_process *out)
{
	static const char *const known[] = {"type", "soft", "hard", NULL};
	json_t *list = json_object_get(process, "rlimits"), *item;
	size_t index;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return wrong_type("process.rlimits", "a list");
	json_array_foreach(list, index, item)
	{
		const char *type = NULL;
		int i;

		if (!json_is_object(item) ||
		    spec_check_keys(item, "process.rlimits[]", known) < 0 ||
		    get_string(item, "type", "process.rlimits[].type", &type) < 0)
			return -1;
		for (i = 0; i < COUNT(rlimit_names) && type; i++)
			if (strcmp(type, rlimit_names[i].name) == 0)
				break;
		if (!type || i == COUNT(rlimit_names) || out->rlimit_count >= COUNT(out->rlimits)) {
			box_error("config.json: process.rlimits: unknown type %s",
				  type ? type : "(none)");
			return -1;
		}
		out->rlimits[out->rlimit_count].resource = rlimit_names[i].resource;
		out->rlimits[out->rlimit_count].soft =
		    (unsigned long long)json_integer_value(json_object_get(item, "soft"));
		out->rlimits[out->rlimit_count].hard =
		    (unsigned long long)json_integer_value(json_object_get(item, "hard"));
		out->rlimit_count++;
	}
	return 0;
}

/* apparmorProfile and selinuxLabel: boxes has neither; empty is fine. */
static int refuse_unless_empty(json_t *object, const char *key)
{
	json_t *value = json_object_get(object, key);

	if (value && !(json_is_string(value) && json_string_value(value)[0] == '\0')) {
		box_error("config.json: process.%s is not supported by boxes-runtime "
			  "(no AppArmor or SELinux here)",
			  key);
		return -1;
	}
	return 0;
}

static int parse_user(json_t *user, struct spec_process *out)
{
	static const char *const known[] = {"uid", "gid", "umask", "additionalGids", NULL};
	long long uid = 0, gid = 0, umask = -1;
	json_t *gids, *item;
	size_t i;

	if (!json_is_object(user) || spec_check_keys(user, "process.user", known) < 0 ||
	    get_integer(user, "uid", "process.user.uid", 0, UINT_MAX - 1, &uid) < 0 ||
	    get_integer(user, "gid", "process.user.gid", 0, UINT_MAX - 1, &gid) < 0 ||
	    get_integer(user, "umask", "process.user.umask", 0, 0777, &umask) < 0)
		return -1;
	out->uid = (uid_t)uid;
	out->gid = (gid_t)gid;
	out->umask = (int)umask;
	gids = json_object_get(user, "additionalGids");
	json_array_foreach(gids, i, item)
	{
		if (!json_is_integer(item) || out->additional_gid_count >= SPEC_MAX_LIST)
			return wrong_type("process.user.additionalGids", "a list of gids");
		out->additional_gids[out->additional_gid_count++] = (gid_t)json_integer_value(item);
	}
	return 0;
}

static int parse_process(json_t *process, struct spec_process *out)
{
	static const char *const known[] = {"terminal",
					    "consoleSize",
					    "user",
					    "args",
					    "env",
					    "cwd",
					    "capabilities",
					    "rlimits",
					    "noNewPrivileges",
					    "apparmorProfile",
					    "selinuxLabel",
					    "oomScoreAdj",
					    NULL};
	static const char *const cap_sets[] = {"bounding",    "effective", "permitted",
					       "inheritable", "ambient",   NULL};
	json_t *caps;
	long long oom = -1001;
	int count;

	memset(out, 0, sizeof(*out));
	out->umask = -1;
	out->cwd = "/";
	if (!json_is_object(process))
		return wrong_type("process", "an object");
	if (spec_check_keys(process, "process", known) < 0 ||
	    refuse_unless_empty(process, "apparmorProfile") < 0 ||
	    refuse_unless_empty(process, "selinuxLabel") < 0 ||
	    get_strings(process, "args", "process.args", out->args, SPEC_MAX_LIST, &count) < 0)
		return -1;
	if (count == 0) {
		box_error("config.json: process.args is empty: there is nothing to run");
		return -1;
	}
	if (get_strings(process, "env", "process.env", out->env, SPEC_MAX_LIST, &count) < 0 ||
	    get_string(process, "cwd", "process.cwd", &out->cwd) < 0 ||
	    get_integer(process, "oomScoreAdj", "process.oomScoreAdj", -1000, 1000, &oom) < 0 ||
	    get_rlimits(process, out) < 0)
		return -1;
	out->oom_score_adj = (int)oom;
	if (out->cwd[0] != '/') {
		box_error("config.json: process.cwd must be an absolute path, not %s", out->cwd);
		return -1;
	}
	out->terminal = json_is_true(json_object_get(process, "terminal"));
	out->no_new_privileges = json_is_true(json_object_get(process, "noNewPrivileges"));
	if (json_object_get(process, "user") &&
	    parse_user(json_object_get(process, "user"), out) < 0)
		return -1;
	caps = json_object_get(process, "capabilities");
	if (caps &&
	    (!json_is_object(caps) || spec_check_keys(caps, "process.capabilities", cap_sets) < 0 ||
	     get_capabilities(caps, "bounding", &out->bounding) < 0 ||
	     get_capabilities(caps, "effective", &out->effective) < 0 ||
	     get_capabilities(caps, "permitted", &out->permitted) < 0 ||
	     get_capabilities(caps, "inheritable", &out->inheritable) < 0 ||
	     get_capabilities(caps, "ambient", &out->ambient) < 0))
		return -1;
	return 0;
}

/* mount(8)'s options, as mount(2) flags; what is not here goes to data. */
static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flags[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"noatime", MS_NOATIME, 0},
    {"atime", 0, MS_NOATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"relatime", MS_RELATIME, 0},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
    {"nostrictatime", 0, MS_STRICTATIME},
    {"defaults", 0, 0},
};

static const struct {
	const char *name;
	unsigned long propagation;
} propagations[] = {
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static int add_option(struct spec_mount *mount, const char *option)
{
	size_t used = strlen(mount->data);
	int i;

	if (strcmp(option, "bind") == 0 || strcmp(option, "rbind") == 0) {
		mount->bind = true;
		mount->flags |= MS_BIND | (option[0] == 'r' ? MS_REC : 0);
		return 0;
	}
	if (strcmp(option, "tmpcopyup") == 0) {
		mount->copy_up = true;
		return 0;
	}
	for (i = 0; i < COUNT(mount_flags); i++)
		if (strcmp(option, mount_flags[i].name) == 0) {
			mount->flags = (mount->flags | mount_flags[i].set) & ~mount_flags[i].clear;
			return 0;
		}
	for (i = 0; i < COUNT(propagations); i++)
		if (strcmp(option, propagations[i].name) == 0) {
			mount->propagation = propagations[i].propagation;
			return 0;
		}
	if (strchr(option, ',') ||
	    snprintf(mount->data + used, sizeof(mount->data) - used, "%s%s", used ? "," : "",
		     option) >= (int)(sizeof(mount->data) - used)) {
		box_error("config.json: mounts[].options: %s does not fit", option);
		return -1;
	}
	return 0;
}

static const char *const mount_types[] = {"bind",   "proc",   "sysfs",	 "tmpfs", "devpts",
					  "mqueue", "cgroup", "cgroup2", NULL};

static int parse_mount(json_t *item, struct spec_mount *mount)
{
	static const char *const known[] = {"destination", "type", "source", "options", NULL};
	const char *options[64];
	int count, i;

	memset(mount, 0, sizeof(*mount));
	if (!json_is_object(item) || spec_check_keys(item, "mounts[]", known) < 0 ||
	    get_string(item, "destination", "mounts[].destination", &mount->destination) < 0 ||
	    get_string(item, "type", "mounts[].type", &mount->type) < 0 ||
	    get_string(item, "source", "mounts[].source", &mount->source) < 0 ||
	    get_strings(item, "options", "mounts[].options", options, COUNT(options) - 1, &count) <
		0)
		return -1;
	if (!mount->destination || mount->destination[0] != '/' ||
	    strstr(mount->destination, "/..")) {
		box_error("config.json: mounts[].destination must be an absolute path without "
			  "\"..\": %s",
			  mount->destination ? mount->destination : "(none)");
		return -1;
	}
	for (i = 0; i < count; i++)
		if (add_option(mount, options[i]) < 0)
			return -1;
	if (!mount->type)
		mount->type = mount->bind ? "bind" : "";
	for (i = 0; mount_types[i]; i++)
		if (strcmp(mount->type, mount_types[i]) == 0)
			break;
	if (!mount_types[i]) {
		box_error("config.json: mounts[] %s: type \"%s\" is not supported by boxes-runtime",
			  mount->destination, mount->type);
		return -1;
	}
	if (strcmp(mount->type, "bind") == 0)
		mount->bind = true;
	if (mount->bind && (!mount->source || mount->source[0] != '/')) {
		box_error("config.json: mounts[] %s: a bind mount needs an absolute source",
			  mount->destination);
		return -1;
	}
	return 0;
}

static int parse_mounts(json_t *root, struct spec *spec)
{
	json_t *list = json_object_get(root, "mounts"), *item;
	size_t i;

	if (list && !json_is_array(list))
		return wrong_type("mounts", "a list");
	json_array_foreach(list, i, item)
	{
		if (spec->mount_count >= COUNT(spec->mounts)) {
			box_error("config.json: more than %d mounts", COUNT(spec->mounts));
			return -1;
		}
		if (parse_mount(item, &spec->mounts[spec->mount_count++]) < 0)
			return -1;
	}
	return 0;
}

static const struct {
	const char *type;
	int flag;
} namespace_types[] = {
    {"pid", CLONE_NEWPID},   {"network", CLONE_NEWNET},
    {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS},
    {"mount", CLONE_NEWNS},  {"cgroup", CLONE_NEWCGROUP},
    {"user", CLONE_NEWUSER}, {"time", 0},
};

static int parse_namespaces(json_t *linux_, struct spec *spec)
{
	static const char *const known[] = {"type", "path", NULL};
	json_t *list = json_object_get(linux_, "namespaces"), *item;
	size_t index;

	json_array_foreach(list, index, item)
	{
		const char *type = NULL, *path = NULL;
		int i;

		if (!json_is_object(item) ||
		    spec_check_keys(item, "linux.namespaces[]", known) < 0 ||
		    get_string(item, "type", "linux.namespaces[].type", &type) < 0 ||
		    get_string(item, "path", "linux.namespaces[].path", &path) < 0)
			return -1;
		for (i = 0; i < COUNT(namespace_types) && type; i++)
			if (strcmp(type, namespace_types[i].type) == 0)
				break;
		if (!type || i == COUNT(namespace_types) || namespace_types[i].flag == 0 ||
		    (path && (namespace_types[i].flag == CLONE_NEWNS ||
			      namespace_types[i].flag == CLONE_NEWUSER)) ||
		    spec->namespace_count >= COUNT(spec->namespaces)) {
			box_error("config.json: linux.namespaces: %s%s is not supported by "
				  "boxes-runtime",
				  type ? type : "(no type)", path ? " with a path" : "");
			return -1;
		}
		spec->namespaces[spec->namespace_count].flag = namespace_types[i].flag;
		spec->namespaces[spec->namespace_count++].path = path && *path ? path : NULL;
		if (!path || !*path)
			spec->clone_flags |= namespace_types[i].flag;
	}
	if (!(spec->clone_flags & CLONE_NEWNS)) {
		box_error("config.json: linux.namespaces: boxes-runtime needs a mount namespace "
			  "of the container's own");
		return -1;
	}
	return 0;
}

/* linux.uidMappings and gidMappings: the lines the runtime writes into the
 * init's uid_map and gid_map (step 07 writes one line of its own). */
static int parse_id_mappings(json_t *linux_, const char *key, struct spec_id_mapping *out,
			     int *count)
{
	static const char *const known[] = {"containerID", "hostID", "size", NULL};
	json_t *list = json_object_get(linux_, key), *item;
	char field[64];
	size_t index;

	snprintf(field, sizeof(field), "linux.%s[]", key);
	*count = 0;
	if (list && !json_is_array(list))
		return wrong_type(field, "a list");
	json_array_foreach(list, index, item)
	{
		long long container_id = -1, host_id = -1, size = -1;

		if (*count >= SPEC_MAX_ID_MAPPINGS) {
			box_error("config.json: linux.%s: more than %d lines", key,
				  SPEC_MAX_ID_MAPPINGS);
			return -1;
		}
		if (!json_is_object(item) || spec_check_keys(item, field, known) < 0 ||
		    get_integer(item, "containerID", field, 0, UINT_MAX - 1, &container_id) < 0 ||
		    get_integer(item, "hostID", field, 0, UINT_MAX - 1, &host_id) < 0 ||
		    get_integer(item, "size", field, 1, UINT_MAX, &size) < 0)
			return -1;
		if (container_id < 0 || host_id < 0 || size < 0)
			return wrong_type(field, "containerID, hostID and size");
		out[*count].container_id = (unsigned long long)container_id;
		out[*count].host_id = (unsigned long long)host_id;
		out[(*count)++].size = (unsigned long long)size;
	}
	return 0;
}

static int parse_user_namespace(json_t *linux_, struct spec *spec)
{
	bool made = spec->clone_flags & CLONE_NEWUSER;

	if (parse_id_mappings(linux_, "uidMappings", spec->uid_mappings, &spec->uid_mapping_count) <
		0 ||
	    parse_id_mappings(linux_, "gidMappings", spec->gid_mappings, &spec->gid_mapping_count) <
		0)
		return -1;
	if (made != (spec->uid_mapping_count > 0) || made != (spec->gid_mapping_count > 0)) {
		box_error("config.json: a user namespace of the container's own and "
			  "linux.uidMappings, gidMappings go together");
		return -1;
	}
	return 0;
}

/* linux.resources: what step 03 limits. devices: see devices_allowed. */
static int parse_resources(json_t *resources, struct spec *spec)
{
	static const char *const known[] = {"devices", "memory", "pids", "cpu", NULL};
	static const char *const memory_keys[] = {"limit", "swap", NULL};
	static const char *const pids_keys[] = {"limit", NULL};
	static const char *const cpu_keys[] = {"quota", "period", NULL};
	json_t *memory = json_object_get(resources, "memory");
	json_t *pids = json_object_get(resources, "pids");
	json_t *cpu = json_object_get(resources, "cpu");

	if (!json_is_object(resources) || spec_check_keys(resources, "linux.resources", known) < 0)
		return -1;
	if (memory && (spec_check_keys(memory, "linux.resources.memory", memory_keys) < 0 ||
		       get_integer(memory, "limit", "linux.resources.memory.limit", -1, LLONG_MAX,
				   &spec->memory_bytes) < 0))
		return -1;
	if (pids && (spec_check_keys(pids, "linux.resources.pids", pids_keys) < 0 ||
		     get_integer(pids, "limit", "linux.resources.pids.limit", -1, LLONG_MAX,
				 &spec->pids_limit) < 0))
		return -1;
	if (cpu && (spec_check_keys(cpu, "linux.resources.cpu", cpu_keys) < 0 ||
		    get_integer(cpu, "quota", "linux.resources.cpu.quota", -1, LLONG_MAX,
				&spec->cpu_quota_us) < 0 ||
		    get_integer(cpu, "period", "linux.resources.cpu.period", 0, LLONG_MAX,
				&spec->cpu_period_us) < 0))
		return -1;
	if (spec->memory_bytes < 0)
		spec->memory_bytes = 0; /* -1: unlimited */
	if (spec->pids_limit < 0)
		spec->pids_limit = 0;
	if (spec->cpu_quota_us > 0 && spec->cpu_period_us == 0)
		spec->cpu_period_us = 100000;
	if (spec->cpu_quota_us < 0)
		spec->cpu_quota_us = 0;
	return 0;
}

/* The device cgroup rules: boxes has no device controller of its own
 * (on cgroup v2 it is an eBPF program). What it can promise is what its
 * /dev holds: the default nodes and linux.devices, in a tmpfs. So it takes
 * the rules that say exactly that - deny everything, then allow some - and
 * refuses a rule that allows more than the nodes it makes. */
static int check_device_rules(json_t *resources)
{
	static const char *const known[] = {"allow", "type", "major", "minor", "access", NULL};
	json_t *rules = json_object_get(resources, "devices"), *rule;
	size_t i;

	json_array_foreach(rules, i, rule)
	{
		bool allow = json_is_true(json_object_get(rule, "allow"));
		bool all =
		    !json_object_get(rule, "major") && !json_object_get(rule, "minor") &&
		    (!json_object_get(rule, "type") ||
		     strcmp(json_string_value(json_object_get(rule, "type")) ?: "", "a") == 0);

		if (!json_is_object(rule) ||
		    spec_check_keys(rule, "linux.resources.devices[]", known) < 0)
			return -1;
		if (i == 0 && (allow || !all)) {
			box_error("config.json: linux.resources.devices must begin with deny-all "
				  "(boxes-runtime enforces devices by what its /dev holds)");
			return -1;
		}
		if (allow && all) {
			box_error("config.json: linux.resources.devices: allowing every device is "
				  "not supported by boxes-runtime");
			return -1;
		}
	}
	return 0;
}

static int parse_devices(json_t *linux_, struct spec *spec)
{
	static const char *const known[] = {"path",	"type", "major", "minor",
					    "fileMode", "uid",	"gid",	 NULL};
	json_t *list = json_object_get(linux_, "devices"), *item;
	size_t i;

	json_array_foreach(list, i, item)
	{
		struct spec_device *device = &spec->devices[spec->device_count];
		const char *type = NULL;
		long long mode = 0666, uid = 0, gid = 0;

		if (spec->device_count >= COUNT(spec->devices) || !json_is_object(item) ||
		    spec_check_keys(item, "linux.devices[]", known) < 0 ||
		    get_string(item, "path", "linux.devices[].path", &device->path) < 0 ||
		    get_string(item, "type", "linux.devices[].type", &type) < 0 ||
		    get_integer(item, "major", "linux.devices[].major", 0, 4095, &device->major) <
			0 ||
		    get_integer(item, "minor", "linux.devices[].minor", 0, 1048575,
				&device->minor) < 0 ||
		    get_integer(item, "fileMode", "linux.devices[].fileMode", 0, 07777, &mode) <
			0 ||
		    get_integer(item, "uid", "linux.devices[].uid", 0, UINT_MAX - 1, &uid) < 0 ||
		    get_integer(item, "gid", "linux.devices[].gid", 0, UINT_MAX - 1, &gid) < 0)
			return -1;
		if (!device->path || strncmp(device->path, "/dev/", 5) != 0 ||
		    strstr(device->path, "/..") || !type || strlen(type) != 1 ||
		    !strchr("cbpu", type[0])) {
			box_error(
			    "config.json: linux.devices[]: a path under /dev/ and a type c, b "
			    "or p are needed");
			return -1;
		}
		device->type = type[0] == 'u' ? 'c' : type[0];
		device->mode = (mode_t)mode;
		device->uid = (uid_t)uid;
		device->gid = (gid_t)gid;
		spec->device_count++;
	}
	return 0;
}

static int parse_sysctl(json_t *linux_, struct spec *spec)
{
	json_t *map = json_object_get(linux_, "sysctl"), *value;
	const char *key;

	json_object_foreach(map, key, value)
	{
		if (!json_is_string(value) || spec->sysctl_count >= COUNT(spec->sysctl_keys) ||
		    strstr(key, "..") || strchr(key, '/'))
			return wrong_type("linux.sysctl", "a map of names to strings");
		spec->sysctl_keys[spec->sysctl_count] = key;
		spec->sysctl_values[spec->sysctl_count++] = json_string_value(value);
	}
	return 0;
}

/* linux.cgroupsPath with the cgroupfs manager: "/libpod_parent/libpod-<id>",
 * a path from the root of every hierarchy (runc reads a relative one the
 * same way). The systemd manager's "slice:prefix:name" is not ours. */
static int parse_cgroups_path(struct spec *spec)
{
	const char *at = spec->cgroups_path;
	size_t used = 0;

	if (!at)
		return 0;
	if (strchr(at, ':')) {
		box_error("config.json: linux.cgroupsPath %s: systemd's slice:prefix:name form is "
			  "not supported by boxes-runtime (podman --cgroup-manager cgroupfs)",
			  at);
		return -1;
	}
	while (*at) {
		size_t length;

		at += strspn(at, "/");
		length = strcspn(at, "/");
		if (length == 0)
			break;
		if ((length == 1 && at[0] == '.') || (length == 2 && strncmp(at, "..", 2) == 0) ||
		    used + length + 2 > sizeof(spec->cgroup_path)) {
			box_error("config.json: linux.cgroupsPath %s: a path without . or .. is "
				  "needed",
				  spec->cgroups_path);
			return -1;
		}
		used += (size_t)snprintf(spec->cgroup_path + used, sizeof(spec->cgroup_path) - used,
					 "%s%.*s", used ? "/" : "", (int)length, at);
		at += length;
	}
	return 0;
}

static int parse_linux(json_t *linux_, struct spec *spec)
{
	static const char *const known[] = {"namespaces",  "resources",	  "cgroupsPath",
					    "devices",	   "maskedPaths", "readonlyPaths",
					    "sysctl",	   "seccomp",	  "rootfsPropagation",
					    "uidMappings", "gidMappings", NULL};
	json_t *resources = json_object_get(linux_, "resources");
	const char *propagation = NULL;

	if (!json_is_object(linux_))
		return wrong_type("linux", "an object");
	if (spec_check_keys(linux_, "linux", known) < 0 || parse_namespaces(linux_, spec) < 0 ||
	    parse_user_namespace(linux_, spec) < 0 ||
	    (resources &&
	     (parse_resources(resources, spec) < 0 || check_device_rules(resources) < 0)) ||
	    get_string(linux_, "cgroupsPath", "linux.cgroupsPath", &spec->cgroups_path) < 0 ||
	    parse_cgroups_path(spec) < 0 || parse_devices(linux_, spec) < 0 ||
	    get_strings(linux_, "maskedPaths", "linux.maskedPaths", spec->masked,
			COUNT(spec->masked) - 1, &spec->masked_count) < 0 ||
	    get_strings(linux_, "readonlyPaths", "linux.readonlyPaths", spec->readonly,
			COUNT(spec->readonly) - 1, &spec->readonly_count) < 0 ||
	    parse_sysctl(linux_, spec) < 0 ||
	    get_string(linux_, "rootfsPropagation", "linux.rootfsPropagation", &propagation) < 0)
		return -1;
	if (propagation && strcmp(propagation, "private") != 0 &&
	    strcmp(propagation, "rprivate") != 0) {
		box_error("config.json: linux.rootfsPropagation %s is not supported by "
			  "boxes-runtime (private only)",
			  propagation);
		return -1;
	}
	spec->seccomp = json_object_get(linux_, "seccomp");
	return 0;
}

/* The spec's versions are semver; boxes-runtime speaks 1.0.x and 1.1.x. */
static int check_version(json_t *root)
{
	const char *version = json_string_value(json_object_get(root, "ociVersion"));

	if (!version) {
		box_error("config.json: ociVersion is missing");
		return -1;
	}
	if (strncmp(version, "1.0.", 4) != 0 && strncmp(version, "1.1.", 4) != 0) {
		box_error("config.json: ociVersion %s is not supported by boxes-runtime (1.0.x, "
			  "1.1.x)",
			  version);
		return -1;
	}
	return 0;
}

static int parse_root(json_t *root, struct spec *spec, const char *bundle)
{
	static const char *const known[] = {"path", "readonly", NULL};
	json_t *object = json_object_get(root, "root");
	const char *path = NULL;
	int written;

	if (!json_is_object(object) || spec_check_keys(object, "root", known) < 0 ||
	    get_string(object, "path", "root.path", &path) < 0)
		return -1;
	if (!path || !*path) {
		box_error("config.json: root.path is missing");
		return -1;
	}
	spec->root_readonly = json_is_true(json_object_get(object, "readonly"));
	written = path[0] == '/'
		      ? snprintf(spec->rootfs, sizeof(spec->rootfs), "%s", path)
		      : snprintf(spec->rootfs, sizeof(spec->rootfs), "%s/%s", bundle, path);
	if (written < 0 || written >= (int)sizeof(spec->rootfs)) {
		box_error("config.json: root.path is too long");
		return -1;
	}
	return 0;
}

int spec_parse(struct spec *spec, const char *text, const char *bundle)
{
	static const char *const known[] = {"ociVersion",  "process", "root",
					    "hostname",	   "mounts",  "linux",
					    "annotations", "hooks",   NULL};
	json_error_t error;
	json_t *root;

	memset(spec, 0, sizeof(*spec));
	snprintf(spec->bundle, sizeof(spec->bundle), "%s", bundle);
	root = json_loads(text, 0, &error);
	if (!root) {
		box_error("config.json: line %d: %s", error.line, error.text);
		return -1;
	}
	spec->json = root;
	if (!json_is_object(root) || spec_check_keys(root, "", known) < 0 ||
	    check_version(root) < 0 || parse_root(root, spec, bundle) < 0 ||
	    parse_process(json_object_get(root, "process"), &spec->process) < 0 ||
	    get_string(root, "hostname", "hostname", &spec->hostname) < 0 ||
	    parse_mounts(root, spec) < 0 || parse_linux(json_object_get(root, "linux"), spec) < 0 ||
	    hooks_check(json_object_get(root, "hooks")) < 0) {
		spec_free(spec);
		return -1;
	}
	if (spec->hostname && !(spec->clone_flags & CLONE_NEWUTS)) {
		box_error("config.json: hostname needs a uts namespace of the container's own");
		spec_free(spec);
		return -1;
	}
	spec->annotations = json_object_get(root, "annotations");
	spec->hooks = json_object_get(root, "hooks");
	return 0;
}

static char *read_whole(const char *path)
{
	FILE *file = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;

	if (!file) {
		box_syserr("open", path);
		return NULL;
	}
	if (getdelim(&text, &size, '\0', file) < 0) {
		box_syserr("read", path);
		free(text);
		text = NULL;
	}
	fclose(file);
	return text;
}

int spec_load(struct spec *spec, const char *bundle)
{
	char path[4200];
	char *text;
	int result;

	char absolute[PATH_MAX];

	if (!realpath(bundle, absolute)) /* state.json's bundle is absolute */
		return box_syserr("open bundle", bundle);
	snprintf(path, sizeof(path), "%s/config.json", absolute);
	text = read_whole(path);
	if (!text)
		return -1;
	result = spec_parse(spec, text, absolute);
	free(text);
	return result;
}

int spec_load_process(json_t **json, struct spec_process *process, const char *path)
{
	char *text = read_whole(path);
	json_error_t error;

	if (!text)
		return -1;
	*json = json_loads(text, 0, &error);
	free(text);
	if (!*json) {
		box_error("%s: line %d: %s", path, error.line, error.text);
		return -1;
	}
	return parse_process(*json, process);
}

void spec_free(struct spec *spec)
{
	json_decref(spec->json);
	spec->json = NULL;
}
