/* rootfs.h - beyond step 10: config.json's mounts, devices, masked and
 * read-only paths on the bundle's rootfs, then pivot_root into it. */
#ifndef BOXES_OCI_ROOTFS_H
#define BOXES_OCI_ROOTFS_H

#include "oci-runtime/spec.h"

/* In the container's mount namespace, still seeing the host: every mount
 * of the spec on its rootfs, /dev's nodes, maskedPaths, readonlyPaths,
 * sysctl. 0 or -1. */
int rootfs_prepare(const struct spec *spec);

/* pivot_root into it (05), then root.readonly. 0 or -1. */
int rootfs_enter(const struct spec *spec);

#endif
