/* bridge.h - step 10: one bridge per project, a veth per container on it. */
#ifndef BOXES_BRIDGE_H
#define BOXES_BRIDGE_H

#include <stddef.h>

#include "box.h"

/* "bxp<id>": the project's bridge, named after its run's id. */
void bridge_name(const char *project_run_id, char *out, size_t out_len);

/* RTM_NEWLINK type bridge, its address (the project's .1/24), up. 0 or -1. */
int bridge_create(const char *name, const char *cidr);

/* RTM_DELLINK; gone already is fine. */
void bridge_delete(const char *name);

/* Parent, after clone, before release: the veth pair bx<id> / eth0, bx<id>
 * enslaved to the bridge and up; inside, lo and eth0 up with cidr. No
 * default route: the container reaches its project's /24 and nothing else
 * (the host forwards between its interfaces when ip_forward is 1, and then
 * a default route via the bridge would lead into every other network). */
int bridge_attach(struct box *box, const char *bridge, const char *cidr);

/* Parent: delete bx<id> if the kernel has not removed it with the
 * container's namespace. */
void bridge_detach(struct box *box);

/* The sweeper of a dead project's "bridge bxp<id>" (sweep.h). */
int bridge_sweep(const char *name);

#endif
