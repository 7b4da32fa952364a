/* ready.h - can this host run the step, and the run's own identity.
 *
 * A step's main.c calls these right after parse_options, each on its own
 * line of the recipe; 09 and 10 call them after their own parsing.
 */
#ifndef BOXES_READY_H
#define BOXES_READY_H

#include "box.h"

/* Is this host ready for the step? We are root; box->rootfs is a directory
 * and not the host's own root (resolved into box->rootfs_abs; skipped when
 * box->rootfs is NULL, as for an image of 09); the kernel has what steps
 * 01..step need (kernel_features.h). Makes nothing. 0, or -1 after one
 * line that says what is missing and how to fix it. */
int check_host_ready(struct box *box, int step);

/* The run begins: pick the container id (and with it the default
 * hostname, from step 02 on), start --trace, and hold the signals that
 * wait_container will forward (child.h): from here on the runtime makes
 * things it must undo. 0, or -1 after one line. */
int box_prepare(struct box *box);

#endif
