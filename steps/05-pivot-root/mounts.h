/* mounts.h - step 05: a minimal /dev, and /proc and /sys with the
 * dangerous paths masked or read-only. */
#ifndef BOXES_MOUNTS_H
#define BOXES_MOUNTS_H

#include "box.h"

/* Child, before pivot_root (host nodes are still reachable): a small tmpfs
 * /dev in new_root with null, zero, full, random, urandom, tty, pts, shm
 * and the fd links. */
int make_minimal_dev(const char *new_root);

/* Child, before pivot_root too (in a user namespace the kernel allows a
 * new procfs or sysfs only while the host's is still in our mount
 * namespace): /proc and /sys in box->merged_dir, with the masked and
 * read-only paths. Needs make_minimal_dev first (masks use its /dev/null). */
int mount_proc_and_sys(const struct box *box);

/* The nodes and links of that /dev alone, in dev_dir (a /dev someone else
 * mounted: the OCI runtime's, from config.json). */
int bind_device_nodes(const char *dev_dir);

/* One path of root (path starts with '/') masked (a file: /dev/null bound
 * over it; a directory: an empty read-only tmpfs) or bound read-only; a
 * path this kernel lacks is skipped. For the OCI runtime's maskedPaths and
 * readonlyPaths. */
int mask_path(const char *root, const char *path);
int make_path_read_only(const char *root, const char *path);

/* Child, before pivot_root: the host's source (a directory or a file)
 * bound at root + path (made if missing, refused if a symlink), then made
 * read-only when asked. For step 10's volumes. */
int bind_mount_into(const char *root, const char *source, const char *path, int read_only);

#endif
