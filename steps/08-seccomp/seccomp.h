/* seccomp.h - step 08: a seccomp-bpf filter that denies dangerous syscalls. */
#ifndef BOXES_SECCOMP_H
#define BOXES_SECCOMP_H

#include "box.h"

/* Load the filter (unless --seccomp unconfined). Last, right before exec. */
int load_seccomp_filter(const struct box *box);

/* Write the filter to fd as libseccomp's readable pseudo code (PFC): one
 * section per ABI, one line per rule. For a learner's eyes, and for the
 * tests that check the ABIs this machine cannot run. */
int print_seccomp_filter(int fd);

#endif
