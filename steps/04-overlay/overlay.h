/* overlay.h - step 04: the rootfs as a read-only lower layer, writes to a
 * per-container upper dir in BOXES_RUN/<id>/. */
#ifndef BOXES_OVERLAY_H
#define BOXES_OVERLAY_H

#include "box.h"

/* Parent: BOXES_RUN/<id>/{upper,work,merged} in the state dir made by
 * state_create; lower_dir defaults to the rootfs. 0 or -1 (says so when
 * BOXES_RUN can't hold an upper dir). */
int overlay_prepare(struct box *box);

/* Child, in its own mount namespace: mount the overlay on merged_dir. */
int mount_overlay(struct box *box);

/* Parent: remove BOXES_RUN/<id>/{upper,work,merged}. No-op without a state
 * dir. */
void overlay_cleanup(struct box *box);

#endif
