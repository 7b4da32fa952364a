/* STUB - replaced by the step 06 work. */
#include "06-net-namespace/net.h"

int net_clone_flags(const struct box *box) { (void)box; return 0; }
int net_setup(struct box *box) { (void)box; return 0; }
void net_cleanup(struct box *box) { (void)box; }
