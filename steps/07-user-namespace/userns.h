/* userns.h - step 07: a user namespace, so container root is not host root. */
#ifndef BOXES_USERNS_H
#define BOXES_USERNS_H

#include "box.h"

/* Parent, after clone: write /proc/<pid>/{setgroups,uid_map,gid_map}. */
int write_id_maps(struct box *box);

/* Parent, after the maps: an idmapped mount of the rootfs becomes the
 * overlay's lower layer; upper and work dirs are chowned to the
 * container's root. */
int map_rootfs_to_userns(struct box *box);

/* Child, once released: become uid 0 / gid 0 of the namespace. */
int become_root(const struct box *box);

#endif
