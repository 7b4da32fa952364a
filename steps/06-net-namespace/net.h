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

/* The netlink pieces of net_setup, for step 10's bridge (bridge.c). Each
 * prints one line on failure and returns -1 (NULL). */
struct nl_sock;
int netlink_error(const char *action, const char *what, int err); /* always -1 */
struct nl_sock *open_netlink(const char *where); /* in our own namespace */
struct nl_sock *open_netlink_in(pid_t pid); /* in the netns of pid */
int link_index(struct nl_sock *sock, const char *name, int *index);
int link_up(struct nl_sock *sock, const char *name, const char *side);
int add_address(struct nl_sock *sock, const char *name, const char *cidr, const char *side);
int delete_link(const char *name); /* gone already is fine */

/* The sweeper of a dead run's "veth bx<id>" (sweep.h): delete it if it is
 * still there. With subnet.c's, what a killed step 06 run leaves. */
int net_sweep_veth(const char *name);
#define SWEEPERS_06                                                                                \
	{"veth", net_sweep_veth},                                                                  \
	{                                                                                          \
		"lease", subnet_sweep_lease                                                        \
	}

#endif
