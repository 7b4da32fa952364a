/* bridge.c - step 10: the project's own network, a bridge.
 *
 * Step 06 joined one container to the host with a veth pair and a /30.
 * Several containers that must talk to each other need a switch: a bridge
 * (a virtual Ethernet switch in the kernel, `ip link add type bridge`).
 * Each container's veth has its host end enslaved to the bridge
 * (IFLA_MASTER), so every container of the project is on one Ethernet
 * segment, one /24 of 10.200.128.0/17 (subnet.c leases it machine-wide).
 * The bridge itself holds the .1: the host's own address there, from
 * which the published-port proxy connects into the containers.
 *
 * Another project has another bridge and another /24. Its containers are
 * on another segment, and with no default route in any container (see
 * bridge.h) there is no way from one /24 to the other.
 *
 * All over netlink with libnl-route-3, as step 06 does (its helpers).
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "log.h"
#include "state.h"
#include "sweep.h"

#include "06-net-namespace/net.h"
#include "10-compose/bridge.h"

#define CONTAINER_IFNAME "eth0"

void bridge_name(const char *project_run_id, char *out, size_t out_len)
{
	snprintf(out, out_len, "bxp%.12s", project_run_id);
}

/* The switch itself: a link of type "bridge" (`ip link add NAME type bridge`). */
static int add_bridge_link(struct nl_sock *host, const char *name)
{
	struct rtnl_link *bridge;
	int err;

	/* LAB: add_bridge_link
	 * Create the project's switch: a new link of type "bridge" named name
	 * (rtnl_link_alloc, rtnl_link_set_type, rtnl_link_set_name, then
	 * rtnl_link_add with NLM_F_CREATE|NLM_F_EXCL; rtnl_link_put after).
	 * Return 0, or netlink_error("create bridge", name, err). Read
	 * rtnetlink(7), ip-link(8) ("type bridge"), libnl-route's link.h.
	 * Tests: two services talk by name; two projects can't reach each
	 * other.
	 * section: The bridge, and why two projects can't meet
	 */
	bridge = rtnl_link_alloc();
	err = bridge ? rtnl_link_set_type(bridge, "bridge") : -NLE_NOMEM;
	if (err == 0) {
		rtnl_link_set_name(bridge, name);
		trace(10, "rtnl_link_add(bridge \"%s\")", name);
		err = rtnl_link_add(host, bridge, NLM_F_CREATE | NLM_F_EXCL);
	}
	rtnl_link_put(bridge);
	return err < 0 ? netlink_error("create bridge", name, err) : 0;
	/* LAB END */
}

int bridge_create(const char *name, const char *cidr)
{
	struct nl_sock *host = open_netlink("host");
	int err;

	if (!host)
		return -1;
	err = add_bridge_link(host, name);
	if (err == 0 &&
	    (add_address(host, name, cidr, "host") < 0 || link_up(host, name, "host") < 0))
		err = -1;
	nl_socket_free(host);
	return err;
}

void bridge_delete(const char *name)
{
	if (if_nametoindex(name) != 0)
		delete_link(name);
}

/* The pair, its host end enslaved to the bridge (IFLA_MASTER) and up. */
static int make_bridged_pair(struct nl_sock *host, const char *veth, const char *bridge, pid_t pid)
{
	struct rtnl_link *link = rtnl_link_veth_alloc();
	struct rtnl_link *peer;
	int bridge_index, err;

	/* LAB: make_bridged_pair
	 * A veth pair whose host end, named veth, is enslaved to bridge and up,
	 * and whose other end, eth0, is in the network namespace of pid: as
	 * step 06's veth pair, plus rtnl_link_set_master(link, the bridge's
	 * index; link_index gives it) - IFLA_MASTER, `ip link set VETH master
	 * BRIDGE`. Return 0, or netlink_error("create veth pair", veth, err).
	 * Read veth(4), ip-link(8) ("master"). Tests: two services talk by
	 * name; a published port answers; two projects can't reach each other.
	 * section: The bridge, and why two projects can't meet
	 */
	if (link_index(host, bridge, &bridge_index) < 0)
		return -1;
	if (!link)
		return netlink_error("allocate veth", veth, -NLE_NOMEM);
	rtnl_link_set_name(link, veth);
	rtnl_link_set_master(link, bridge_index);
	rtnl_link_set_flags(link, IFF_UP);
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(peer, CONTAINER_IFNAME);
	rtnl_link_set_ns_pid(peer, pid);
	trace(10, "rtnl_link_add(veth \"%s\" master \"%s\", peer \"%s\" in the netns of pid %d)",
	      veth, bridge, CONTAINER_IFNAME, (int)pid);
	err = rtnl_link_add(host, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	return err < 0 ? netlink_error("create veth pair", veth, err) : 0;
	/* LAB END */
}

int bridge_attach(struct box *box, const char *bridge, const char *cidr)
{
	struct nl_sock *host, *inside;
	char veth[IFNAMSIZ];
	int result;

	snprintf(veth, sizeof(veth), "bx%.12s", box->id);
	host = open_netlink("host");
	if (!host)
		return -1;
	result = state_add(box, "veth", veth); /* 06's sweeper removes it */
	if (result == 0)
		result = make_bridged_pair(host, veth, bridge, box->container_pid);
	nl_socket_free(host);
	if (result < 0)
		return -1;
	inside = open_netlink_in(box->container_pid);
	if (!inside)
		return -1;
	if (link_up(inside, "lo", "container") < 0 ||
	    add_address(inside, CONTAINER_IFNAME, cidr, "container") < 0 ||
	    link_up(inside, CONTAINER_IFNAME, "container") < 0)
		result = -1;
	nl_socket_free(inside);
	return result;
}

void bridge_detach(struct box *box)
{
	char veth[IFNAMSIZ];

	snprintf(veth, sizeof(veth), "bx%.12s", box->id);
	if (if_nametoindex(veth) != 0)
		delete_link(veth);
}

int bridge_sweep(const char *name)
{
	if (strncmp(name, "bxp", 3) != 0 || !sweep_is_run_id(name + 3)) {
		box_error("sweep: \"bridge %s\" is not a boxes bridge (bxp<id>); not touched",
			  name);
		return -1;
	}
	trace(10, "\"%s\": a dead project's bridge", name);
	bridge_delete(name);
	return 0;
}
