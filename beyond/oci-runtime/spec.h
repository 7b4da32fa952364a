/* spec.h - beyond step 10: a bundle's config.json, read into what the
 * mechanisms of steps 01-08 take (the OCI runtime specification, config.md
 * and config-linux.md). Every field is checked; a field boxes-runtime does
 * not implement is refused by name, never silently ignored. */
#ifndef BOXES_OCI_SPEC_H
#define BOXES_OCI_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SPEC_MAX_LIST 256

struct spec_mount {
	const char *destination, *type, *source;
	unsigned long flags; /* MS_* from the options */
	unsigned long propagation; /* MS_PRIVATE, MS_SHARED, ... | MS_REC, or 0 */
	bool bind; /* "bind" or "rbind" (or type "bind") */
	bool copy_up; /* "tmpcopyup" (runc, crun): the tmpfs starts with what it covers */
	char data[512]; /* the options mount(2) does not know: "mode=755,size=65536k" */
};

struct spec_device {
	const char *path;
	char type; /* 'c', 'b', 'p' */
	long long major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

struct spec_rlimit {
	int resource; /* RLIMIT_* */
	unsigned long long soft, hard;
};

/* linux.uidMappings / gidMappings: one line of uid_map (user_namespaces(7)) */
struct spec_id_mapping {
	unsigned long long container_id, host_id, size;
};

#define SPEC_MAX_ID_MAPPINGS 5 /* before Linux 4.15 a map held 5 lines */

struct spec_namespace {
	int flag; /* CLONE_NEW* */
	const char *path; /* join this one (setns) instead of making one; or NULL */
};

/* process: in config.json, and alone in the process.json of `exec`. */
struct spec_process {
	const char *args[SPEC_MAX_LIST + 1];
	const char *env[SPEC_MAX_LIST + 1];
	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t additional_gids[SPEC_MAX_LIST];
	int additional_gid_count;
	int umask; /* -1: leave it */
	bool terminal;
	bool no_new_privileges;
	/* capability sets as masks, bit N = capability N (08's capabilities.h) */
	uint64_t bounding, effective, permitted, inheritable, ambient;
	struct spec_rlimit rlimits[32];
	int rlimit_count;
	int oom_score_adj; /* -1001: leave it */
};

struct spec {
	json_t *json; /* owns every string below */
	char bundle[4096];
	char rootfs[4096]; /* root.path, made absolute against the bundle */
	bool root_readonly;
	const char *hostname;
	struct spec_process process;
	struct spec_mount mounts[64];
	int mount_count;
	struct spec_namespace namespaces[8];
	int namespace_count;
	int clone_flags; /* the namespaces to make */
	struct spec_id_mapping uid_mappings[SPEC_MAX_ID_MAPPINGS],
	    gid_mappings[SPEC_MAX_ID_MAPPINGS];
	int uid_mapping_count, gid_mapping_count;
	/* linux.resources, for step 03's cgroup; 0: no limit */
	long long memory_bytes, pids_limit, cpu_quota_us, cpu_period_us;
	const char *cgroups_path; /* as given */
	char cgroup_path[4096]; /* it, relative to each hierarchy's root; "": step 03's place */
	struct spec_device devices[64];
	int device_count;
	const char *masked[64];
	int masked_count;
	const char *readonly[64];
	int readonly_count;
	const char *sysctl_keys[64], *sysctl_values[64];
	int sysctl_count;
	json_t *seccomp; /* linux.seccomp, or NULL */
	json_t *annotations; /* or NULL */
	json_t *hooks; /* checked by hooks_check (hooks.h), or NULL */
};

/* BUNDLE/config.json into spec. 0, or -1 after one line naming the field. */
int spec_load(struct spec *spec, const char *bundle);

/* The text of a config.json (unit tests, fuzzing), bundle for root.path. */
int spec_parse(struct spec *spec, const char *text, const char *bundle);

/* A process object alone (exec --process FILE). 0 or -1. */
int spec_load_process(json_t **json, struct spec_process *process, const char *path);

void spec_free(struct spec *spec);

/* Every key of object is in known (NULL-terminated); else -1 after naming
 * the first that is not: "config.json: WHERE.KEY is not supported by
 * boxes-runtime". */
int spec_check_keys(json_t *object, const char *where, const char *const *known);

#endif
