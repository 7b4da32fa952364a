/* net.h - step 06: a network namespace wired to the host by a veth pair. */
#ifndef BOXES_NET_H
#define BOXES_NET_H

#include "box.h"
#include "sweep.h"

#include "06-net-namespace/subnet.h"

/* CLONE_NEWNET unless --net host. */
int net_clone_flags(const struct box *box);

/* Parent, after clone, before release: veth pair bx<id> / eth0, a /30 from
 * 10.200.0.0/16, lo and eth0 up, default route. --net none: lo only. */
int net_setup(struct box *box);

/* Parent: delete the veth, release the address. No-op if never set up. */
void net_cleanup(struct box *box);

/* The sweeper of a dead run's "veth bx<id>" (sweep.h): delete it if it is
 * still there. With subnet.c's, what a killed step 06 run leaves. */
int net_sweep_veth(const char *name);
#define SWEEPERS_06                                                                                \
	{"veth", net_sweep_veth},                                                                  \
	{                                                                                          \
		"lease", subnet_sweep_lease                                                        \
	}

#endif
