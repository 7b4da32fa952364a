/* overlay.h - step 04: the rootfs as a read-only lower layer, writes to a
 * per-container upper dir in BOXES_RUN/<id>/. */
#ifndef BOXES_OVERLAY_H
#define BOXES_OVERLAY_H

#include <stdbool.h>

#include "box.h"

/* Parent: BOXES_RUN/<id>/{upper,work,merged}; with no layers given (steps
 * 04-08) the rootfs becomes the one lower layer. 0 or -1 (says so when
 * BOXES_RUN can't hold an upper dir). */
int overlay_prepare(struct box *box);

/* Can the filesystem of dir hold the xattrs overlayfs keeps on its upper
 * dir: trusted.* (user_namespace false) or user.* (true, step 07 on)? 0,
 * or -1 after one line that names the filesystem and where to go instead. */
int check_upper_xattrs(const char *dir, bool user_namespace);

/* Child, in its own mount namespace: mount the overlay of box->layers
 * (top first) on merged_dir; fails (rather than run on read-only) if it
 * comes up read-only. */
int mount_overlay(struct box *box);

/* Parent: remove BOXES_RUN/<id>. No-op when never prepared. */
void overlay_cleanup(struct box *box);

#endif
