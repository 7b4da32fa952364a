/* userns.h - step 07: a user namespace, so container root is not host root. */
#ifndef BOXES_USERNS_H
#define BOXES_USERNS_H

#include <stddef.h>

#include "box.h"

/* Parent, after overlay_prepare and BEFORE clone (the child is a copy of
 * our memory at clone time, so what it reads must be right by then): make
 * BOXES_RUN/<id>/lower/<n>, the mount points of the idmapped layers, set
 * box->layers_idmapped, give the upper and work dirs to the container's
 * root and let it walk the path to them. */
int prepare_userns_rootfs(struct box *box);

/* Parent, after clone: write /proc/<pid>/{setgroups,uid_map,gid_map}.
 * Before the child does anything: until then it is nobody in its own
 * namespace. */
int write_id_maps(struct box *box);

/* Parent, after the maps: an idmapped copy of each lower layer (the rootfs,
 * or an image's layers), mounted on BOXES_RUN/<id>/lower/<n> inside the
 * container's mount namespace (not the host's). */
int map_rootfs_to_userns(struct box *box);

/* Child, once released: become uid 0 / gid 0 of the namespace, with no
 * supplementary groups left over from the host. */
int become_root(void);

/* "0 100000 65536": one line of a uid_map or gid_map (user_namespaces(7)).
 * 0 or -1 when out is too small. */
int id_map_line(const struct id_map *map, char *out, size_t out_len);

#endif
