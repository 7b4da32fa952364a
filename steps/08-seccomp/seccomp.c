/* STUB - replaced by the step 08 work. */
#include "08-seccomp/seccomp.h"

int load_seccomp_filter(const struct box *box) { (void)box; return 0; }
