/* cgroup_tree.h - step 03, the parts of cgroup.c that take the cgroup root
 * as a path instead of /sys/fs/cgroup.
 *
 * Only the unit tests use these: they build a FAKE cgroup tree in a temp
 * directory (plain files and directories) and check which files a v1, a
 * hybrid or a v2 machine gets, with which values. The runtime itself always
 * calls cgroup_create(), which looks at the real /sys/fs/cgroup.
 */
#ifndef BOXES_CGROUP_TREE_H
#define BOXES_CGROUP_TREE_H

#include "box.h"

enum cgroup_mode {
	CGROUP_NONE, /* no cgroup filesystem found */
	CGROUP_V1, /* a tmpfs with one mount per controller */
	CGROUP_HYBRID, /* v1, plus a controller-less cgroup2 at ROOT/unified */
	CGROUP_V2, /* ROOT is cgroup2: one tree for every controller */
};

/* The mode, from statfs(2)'s f_type of ROOT and of ROOT/unified (0 when
 * there is no ROOT/unified). */
enum cgroup_mode cgroup_mode_from(long root_fs_type, long unified_fs_type);

/* "v1", "hybrid", "v2" or "none". */
const char *cgroup_mode_name(enum cgroup_mode mode);

/* cgroup_create() on the tree at root, in the given mode. 0 or -1; on -1
 * nothing is left behind and box->cgroup is NULL. */
int cgroup_create_at(struct box *box, const char *root, enum cgroup_mode mode);

#endif
