/* box.h - the description of one container, shared by every step.
 *
 * Every step binary fills a struct box from its command line (options.c)
 * and hands it to the mechanisms it teaches. A field belongs to the step
 * named in its comment; earlier steps simply leave it at its default.
 */
#ifndef BOXES_BOX_H
#define BOXES_BOX_H

#include <stdbool.h>
#include <sys/types.h>

#define BOX_ID_LEN 12
#define BOX_MAX_ENV 64
#define BOX_MAX_CAPS 64
#define BOX_MAX_LAYERS 128

enum net_mode { NET_VETH = 0, NET_NONE, NET_HOST };
enum seccomp_mode { SECCOMP_DEFAULT = 0, SECCOMP_UNCONFINED };

struct cgroup_info;
struct net_info;

struct id_map {
	unsigned long inside; /* first id inside the container */
	unsigned long outside; /* first id on the host */
	unsigned long count;
};

struct box {
	int step; /* which step binary is running (1..10) */
	bool trace; /* --trace: narrate every isolation action */

	/* 01: what to run and where */
	const char *rootfs; /* ROOTFS as given; rootfs_abs once resolved */
	char rootfs_abs[4096];
	char **argv; /* COMMAND [ARG...] */
	const char *env_extra[BOX_MAX_ENV]; /* -e KEY=VAL (or KEY: from host) */
	int env_count;
	const char *workdir; /* -w DIR, default "/" */
	bool workdir_given; /* -w was given: it wins over an image's WorkingDir */
	char id[BOX_ID_LEN + 1]; /* short random id, hex */

	/* 02: namespaces */
	const char *hostname; /* --hostname, default: the id */
	bool init; /* --init: a tiny init as PID 1 */
	long long stop_timeout_s; /* --stop-timeout: SIGKILL this long after a stop; 0: 10 */

	/* 03: cgroup limits; 0 means "no limit" */
	long long memory_bytes; /* --memory 64M */
	long long pids_limit; /* --pids-limit N */
	long long cpu_quota_us; /* --cpus 0.5 -> 50000 per 100000 us */
	long long cpu_period_us;
	long long cpu_shares; /* --cpu-shares 512: a relative weight, 1024 the default */
	/* where the cgroup goes under each hierarchy; NULL: boxes/<id>. boxes-runtime
	 * sets it from an engine's linux.cgroupsPath ("libpod_parent/libpod-<id>") */
	const char *cgroup_path;

	/* 04: runtime state, BOXES_RUN/<id>, and the overlay made there */
	char state_dir[4096];
	/* The overlay's read-only lower layers, top first: the rootfs alone up
	 * to step 08 (overlay_prepare sets it), an image's layers in 09. */
	const char *layers[BOX_MAX_LAYERS];
	int layer_count;
	bool layers_idmapped; /* 07: each seen through BOXES_RUN/<id>/lower/<n> */
	char merged_dir[4096]; /* where the overlay is mounted: the new root */
	bool upper_volatile; /* 10: overlay "volatile": no sync of the upper dir's fs */

	/* 06: network */
	enum net_mode net;

	/* 07: user namespace maps */
	struct id_map uid_map;
	struct id_map gid_map;

	/* 08: privileges */
	enum seccomp_mode seccomp;
	const char *cap_add[BOX_MAX_CAPS];
	int cap_add_count;
	const char *cap_drop[BOX_MAX_CAPS];
	int cap_drop_count;

	/* 09: what the image's config says, or -u/--entrypoint instead */
	const char *user; /* -u/--user NAME|UID[:GROUP|GID]; NULL: root */
	const char *entrypoint; /* --entrypoint CMD: replaces the image's */

	/* set by the runtime while the container runs */
	pid_t container_pid; /* as the host sees it */
	int sync_fd; /* parent: write end of the sync pipe; child: read end */
	struct cgroup_info *cgroup; /* 03: owned by cgroup.c */
	/* 03, cgroup v2: the container's cgroup directory, open (cgroup.c owns
	 * it), for clone3's CLONE_INTO_CGROUP; -1: none. born_in_cgroup: the
	 * kernel started the container in there (child.c), no move needed. */
	int cgroup_fd;
	bool born_in_cgroup;
	struct net_info *netinfo; /* 06: owned by net.c */
};

#endif
