/* pivot_root.h - step 05: swap the root mount, detach the host's. */
#ifndef BOXES_PIVOT_ROOT_H
#define BOXES_PIVOT_ROOT_H

#include "box.h"

/* Child: new_root becomes /, the old root is detached. 0 or -1, with an
 * explanation when the kernel's preconditions are not met. */
int pivot_into(const char *new_root);

#endif
