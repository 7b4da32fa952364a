/* cgroup_tree.h - step 03: what cgroup_tree.c (where the cgroups are, the
 * container's directories) and cgroup.c (the limits in them) share, and
 * the parts of both that take the cgroup root as a path instead of
 * /sys/fs/cgroup.
 *
 * The unit tests use those: they build a FAKE cgroup tree in a temp
 * directory (plain files and directories) and check which files a v1, a
 * hybrid or a v2 machine gets, with which values. The runtime itself always
 * calls cgroup_create(), which looks at the real /sys/fs/cgroup.
 */
#ifndef BOXES_CGROUP_TREE_H
#define BOXES_CGROUP_TREE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "box.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define BOXES_DIR "boxes" /* every container's cgroup is <hierarchy>/boxes/<id> */

enum cgroup_mode {
	CGROUP_NONE, /* no cgroup filesystem found */
	CGROUP_V1, /* a tmpfs with one mount per controller */
	CGROUP_HYBRID, /* v1, plus a controller-less cgroup2 at ROOT/unified */
	CGROUP_V2, /* ROOT is cgroup2: one tree for every controller */
};

enum controller { MEMORY, PIDS, CPU, CONTROLLER_COUNT };

/* box->cgroup: what was made for this container (03: cgroup.c owns it). */
struct cgroup_info {
	enum cgroup_mode mode;
	/* The directories made for this container, in the order they were
	 * made: one on v2, one per v1 hierarchy. Joined and removed together. */
	char dirs[CONTROLLER_COUNT][PATH_MAX];
	int dir_count;
	/* Where each controller's files are; "" when the machine lacks it. On
	 * v2 all three are the same directory. */
	char controller_dir[CONTROLLER_COUNT][PATH_MAX];
	/* The helper that pays the kernel's RCU wait early; 0 when none. */
	pid_t warm_up_pid;
	/* v2: dirs[0], open, for clone3's CLONE_INTO_CGROUP; -1 when none. */
	int clone_into_fd;
};

/* Did an option ask for a limit of this controller? (cgroup.c) */
bool limit_wanted(const struct box *box, enum controller controller);

/* Which layout the machine at root uses: statfs(2) of root and of
 * root/unified (cgroup_tree.c). 0, or -1 after one line (also for
 * CGROUP_NONE). */
int detect_cgroup_mode(const char *root, enum cgroup_mode *mode);

/* The container's directories, box->cgroup's dirs and controller_dir
 * (cgroup_tree.c): <root>/<controller>/boxes/<id> on v1 and hybrid, one
 * <root>/boxes/<id> on v2 with the controllers handed down to it. 0, or
 * -1 after one line; what was made is in dirs, for cgroup_destroy. */
int make_v1_cgroups(struct box *box, const char *root);
int make_v2_cgroup(struct box *box, const char *root);

/* The mode, from statfs(2)'s f_type of ROOT and of ROOT/unified (0 when
 * there is no ROOT/unified). */
enum cgroup_mode cgroup_mode_from(long root_fs_type, long unified_fs_type);

/* "v1", "hybrid", "v2" or "none". */
const char *cgroup_mode_name(enum cgroup_mode mode);

/* cgroup_create() on the tree at root, in the given mode (cgroup.c). 0 or
 * -1; on -1 nothing is left behind and box->cgroup is NULL. */
int cgroup_create_at(struct box *box, const char *root, enum cgroup_mode mode);

#endif
