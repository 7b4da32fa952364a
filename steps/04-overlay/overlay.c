/* STUB - replaced by the step 04 work. */
#include <string.h>

#include "04-overlay/overlay.h"

int overlay_prepare(struct box *box)
{
	strcpy(box->merged_dir, box->rootfs_abs);
	return 0;
}
int mount_overlay(struct box *box) { (void)box; return 0; }
void overlay_cleanup(struct box *box) { (void)box; }
