/* seccomp.h - step 08: a seccomp-bpf filter that denies dangerous syscalls. */
#ifndef BOXES_SECCOMP_H
#define BOXES_SECCOMP_H

#include "box.h"

/* Load the filter (unless --seccomp unconfined). Last, right before exec. */
int load_seccomp_filter(const struct box *box);

#endif
