/* STUB - replaced by the step 07 work. */
#include "07-user-namespace/userns.h"

int write_id_maps(struct box *box) { (void)box; return 0; }
int map_rootfs_to_userns(struct box *box) { (void)box; return 0; }
int become_root(const struct box *box) { (void)box; return 0; }
