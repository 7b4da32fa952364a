/* net.c - step 06: the container's own network stack, wired to the host.
 *
 * CLONE_NEWNET gives the container a network namespace of its own
 * (network_namespaces(7)): its own interfaces, addresses, routes, ports and
 * its own loopback. A service the host runs on 127.0.0.1 is not reachable
 * from there, and the host's interfaces cannot even be listed. A fresh
 * network namespace holds one interface, lo, and even that is down.
 *
 * To give the container a way to the host, the runtime makes a veth pair
 * (veth(4)): two virtual interfaces joined like the ends of a cable. One
 * end, bx<id>, stays on the host; the other is created straight inside the
 * container's namespace and named eth0. Each end gets an address of a /30
 * from 10.200.0.0/16 (subnet.c), and the container's default route points
 * at the host end. Packets stop at the host: no forwarding, no NAT.
 *
 * The parent does all of it over netlink (rtnetlink(7)) with libnl-route-3
 * while the child waits on the sync pipe, so the child needs no network
 * code. A netlink socket speaks to the namespace it was created in: the
 * parent opens one in its own namespace and one in the container's, by
 * setns(2) into /proc/<pid>/ns/net, socket(), setns(2) back.
 */
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "06-net-namespace/net.h"
#include "06-net-namespace/setns.h"
#include "06-net-namespace/subnet.h"
#include "log.h"
#include "state.h"
#include "sweep.h"

#define CONTAINER_IFNAME "eth0"

struct net_info {
	char host_veth[IFNAMSIZ]; /* bx<id>, the end that stays on the host */
	int veth_made; /* the pair exists: delete it on the way out */
	struct subnet subnet; /* the leased /30 */
};

int net_clone_flags(const struct box *box)
{
	/* LAB: net_clone_flags
	 * The clone flag that gives the container a network namespace of its
	 * own, unless --net host. Read network_namespaces(7). Tests: host-loopback
	 * and host-interfaces BLOCKED; --net host sees the host's interfaces.
	 * stub: return lab_not_written("net_clone_flags", "steps/06-net-namespace/README.md, The code") & 0;
	 */
	return box->net == NET_HOST ? 0 : CLONE_NEWNET;
	/* LAB END */
}

/* libnl reports its own error numbers; nl_geterror says them in words. */
int netlink_error(const char *action, const char *what, int err)
{
	box_error("%s(%s): %s", action, what, nl_geterror(err));
	return -1;
}

/* A NETLINK_ROUTE socket in the network namespace we are in right now. */
struct nl_sock *open_netlink(const char *where)
{
	struct nl_sock *sock = nl_socket_alloc();
	int err = sock ? nl_connect(sock, NETLINK_ROUTE) : -NLE_NOMEM;

	if (err < 0) {
		netlink_error("netlink socket", where, err);
		nl_socket_free(sock);
		return NULL;
	}
	return sock;
}

/* A NETLINK_ROUTE socket inside the container's network namespace: step
 * in with setns(2) (setns.c), open it, step back out. The socket stays
 * bound to the container's namespace; the runtime itself is back on the
 * host. */
struct nl_sock *open_netlink_in(pid_t pid)
{
	char ns_path[64];
	struct nl_sock *sock;
	int host_ns;

	snprintf(ns_path, sizeof(ns_path), "/proc/%d/ns/net", (int)pid);
	trace(6, "setns(\"%s\", CLONE_NEWNET); socket(NETLINK_ROUTE); setns(back)", ns_path);
	host_ns = enter_namespace(pid, "net", CLONE_NEWNET);
	if (host_ns < 0)
		return NULL;
	sock = open_netlink(ns_path);
	leave_namespace(host_ns, "net", CLONE_NEWNET);
	return sock;
}

/* RTM_NEWLINK: the veth pair. The peer is born in the namespace of pid
 * (IFLA_NET_NS_PID): the host most likely has an eth0 of its own, so a
 * peer named eth0 could not be made on the host and moved later. */
static int make_veth_pair(struct nl_sock *host, struct net_info *info, pid_t pid)
{
	struct rtnl_link *veth = rtnl_link_veth_alloc();
	struct rtnl_link *peer;
	int err;

	if (!veth)
		return netlink_error("allocate veth", info->host_veth, -NLE_NOMEM);
	rtnl_link_set_name(veth, info->host_veth);
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(peer, CONTAINER_IFNAME);
	rtnl_link_set_ns_pid(peer, pid);
	trace(6, "rtnl_link_add(veth \"%s\", peer \"%s\" in the netns of pid %d)", info->host_veth,
	      CONTAINER_IFNAME, (int)pid);
	err = rtnl_link_add(host, veth, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(veth);
	if (err < 0)
		return netlink_error("create veth pair", info->host_veth, err);
	info->veth_made = 1;
	return 0;
}

/* RTM_GETLINK by name: its interface index, which addresses and routes
 * refer to. 0 or -1. */
int link_index(struct nl_sock *sock, const char *name, int *index)
{
	struct rtnl_link *link = NULL;
	int err = rtnl_link_get_kernel(sock, 0, name, &link);

	if (err < 0)
		return netlink_error("find link", name, err);
	*index = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return 0;
}

/* RTM_NEWLINK with IFF_UP: `ip link set NAME up`. */
int link_up(struct nl_sock *sock, const char *name, const char *side)
{
	struct rtnl_link *link = NULL, *change = NULL;
	int err = rtnl_link_get_kernel(sock, 0, name, &link);

	if (err == 0) {
		change = rtnl_link_alloc();
		err = change ? 0 : -NLE_NOMEM;
	}
	if (err == 0) {
		rtnl_link_set_flags(change, IFF_UP);
		trace(6, "rtnl_link_change(%s \"%s\", IFF_UP)", side, name);
		err = rtnl_link_change(sock, link, change, 0);
	}
	rtnl_link_put(change);
	rtnl_link_put(link);
	return err < 0 ? netlink_error("set link up", name, err) : 0;
}

/* RTM_NEWADDR: `ip addr add CIDR dev NAME`. The kernel adds the route to
 * the /30 itself once the link is up. */
int add_address(struct nl_sock *sock, const char *name, const char *cidr, const char *side)
{
	struct rtnl_addr *address;
	struct nl_addr *local = NULL;
	int index, err;

	if (link_index(sock, name, &index) < 0)
		return -1;
	address = rtnl_addr_alloc();
	err = address ? nl_addr_parse(cidr, AF_INET, &local) : -NLE_NOMEM;
	if (err == 0) {
		rtnl_addr_set_ifindex(address, index);
		err = rtnl_addr_set_local(address, local);
	}
	if (err == 0) {
		trace(6, "rtnl_addr_add(%s \"%s\", %s)", side, name, cidr);
		err = rtnl_addr_add(sock, address, 0);
	}
	nl_addr_put(local);
	rtnl_addr_put(address);
	return err < 0 ? netlink_error("add address", cidr, err) : 0;
}

/* RTM_NEWROUTE: `ip route add default via GATEWAY dev NAME`. */
static int add_default_route(struct nl_sock *sock, const char *name, const char *gateway)
{
	struct rtnl_route *route;
	struct rtnl_nexthop *hop;
	struct nl_addr *everywhere = NULL, *via = NULL;
	int index, err;

	if (link_index(sock, name, &index) < 0)
		return -1;
	route = rtnl_route_alloc();
	hop = rtnl_route_nh_alloc();
	err = route && hop ? nl_addr_parse("0.0.0.0/0", AF_INET, &everywhere) : -NLE_NOMEM;
	if (err == 0)
		err = nl_addr_parse(gateway, AF_INET, &via);
	if (err == 0) {
		rtnl_route_set_family(route, AF_INET);
		rtnl_route_set_table(route, RT_TABLE_MAIN);
		err = rtnl_route_set_dst(route, everywhere);
	}
	if (err == 0) {
		rtnl_route_nh_set_ifindex(hop, index);
		rtnl_route_nh_set_gateway(hop, via);
		rtnl_route_add_nexthop(route, hop); /* the route owns it now */
		hop = NULL;
		trace(6, "rtnl_route_add(default via %s dev \"%s\")", gateway, name);
		err = rtnl_route_add(sock, route, NLM_F_EXCL);
	}
	if (hop)
		rtnl_route_nh_free(hop);
	nl_addr_put(everywhere);
	nl_addr_put(via);
	rtnl_route_put(route);
	return err < 0 ? netlink_error("add default route via", gateway, err) : 0;
}

/* Inside: lo up (127.0.0.1 works, and is the container's own), and with a
 * veth, eth0 addressed and up with the host end as default gateway. */
static int configure_container_side(struct box *box, const struct net_info *info)
{
	struct nl_sock *inside = open_netlink_in(box->container_pid);
	int result;

	if (!inside)
		return -1;
	result = link_up(inside, "lo", "container");
	if (result == 0 && info) {
		if (add_address(inside, CONTAINER_IFNAME, info->subnet.container_end, "container") <
			0 ||
		    link_up(inside, CONTAINER_IFNAME, "container") < 0 ||
		    add_default_route(inside, CONTAINER_IFNAME, info->subnet.gateway) < 0)
			result = -1;
	}
	nl_socket_free(inside);
	return result;
}

/* Host side: lease a /30, make the pair, address and raise bx<id>. The
 * lease is held until the runtime ends (see subnet.c); bx<id> goes into
 * the state file before it is made, for the sweeper. */
static int configure_host_side(struct box *box, struct net_info *info)
{
	struct nl_sock *host = open_netlink("host");
	int result;

	if (!host)
		return -1;
	result = subnet_lease(box, &info->subnet);
	if (result == 0)
		result = state_add(box, "veth", info->host_veth);
	if (result == 0)
		result = make_veth_pair(host, info, box->container_pid);
	if (result == 0)
		result = add_address(host, info->host_veth, info->subnet.host_end, "host");
	if (result == 0)
		result = link_up(host, info->host_veth, "host");
	nl_socket_free(host);
	return result;
}

int net_setup(struct box *box)
{
	struct net_info *info;

	if (box->net == NET_HOST) {
		trace(6, "--net host: no CLONE_NEWNET, the container shares the host's network");
		return 0;
	}
	if (box->net == NET_NONE)
		return configure_container_side(box, NULL);

	info = calloc(1, sizeof(*info));
	if (!info)
		return box_syserr("calloc", "net_info");
	info->subnet.index = -1;
	snprintf(info->host_veth, sizeof(info->host_veth), "bx%.12s", box->id);
	box->netinfo = info; /* from here on net_cleanup undoes what was done */
	if (configure_host_side(box, info) < 0 || configure_container_side(box, info) < 0)
		return -1;
	return 0;
}

/* RTM_DELLINK name: deleting one end of a veth deletes both. When the
 * container's namespace died with its last process the kernel may have
 * removed the pair already; that is fine. 0 or -1. */
int delete_link(const char *name)
{
	struct nl_sock *host = open_netlink("host");
	struct rtnl_link *link = rtnl_link_alloc();
	int err = link ? 0 : -NLE_NOMEM;

	if (host && err == 0) {
		rtnl_link_set_name(link, name);
		trace(6, "rtnl_link_delete(\"%s\")", name);
		err = rtnl_link_delete(host, link);
		if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
			err = 0; /* gone with the container's namespace */
		if (err < 0)
			netlink_error("delete veth", name, err);
	}
	rtnl_link_put(link);
	nl_socket_free(host);
	return host && err == 0 ? 0 : -1;
}

static void delete_veth(struct net_info *info)
{
	delete_link(info->host_veth);
	info->veth_made = 0;
}

/* A veth pair never outlives one of its ends, and eth0 lives in the
 * container's network namespace, which dies with the last process in it.
 * Once wait_container has reaped the container's PID 1, every process of
 * its PID namespace is gone too (the kernel kills them all and waits for
 * them before PID 1 can be reaped, pid_namespaces(7)); the namespace's last
 * reference went with them, and the kernel tears it down in the background
 * (cleanup_net, on a workqueue): it waits for an RCU grace period or two,
 * then unregisters its interfaces, eth0 and with it bx<id>. That takes 1 to
 * 35 ms on a small VM. Waiting for it would put all of it on our way out,
 * and deleting the pair ourselves costs even more (the kernel's
 * rtnl_dellink then waits in rcu_barrier for us). So the runtime only
 * looks, with one ioctl (if_nametoindex), and goes: the pair is gone, or
 * it is going. Its /30 is free again at once: subnet.c skips a /30 that is
 * still on a host interface, so the next container gets another one until
 * bx<id> has gone. (A process outside that entered the namespace, or a bind
 * mount of /proc/PID/ns/net, keeps it and its pair alive until it lets go,
 * as for any namespace.) 1 when the kernel removes it, 0 when it is ours
 * to delete: the container was never reaped. */
static int removed_with_namespace(const struct box *box, const struct net_info *info)
{
	if (box->container_pid > 0)
		return 0;
	if (if_nametoindex(info->host_veth) == 0)
		trace(6, "\"%s\": gone with the container's network namespace", info->host_veth);
	else
		trace(6,
		      "\"%s\": the kernel is removing it with the container's network namespace: "
		      "not waited for",
		      info->host_veth);
	return 1;
}

void net_cleanup(struct box *box)
{
	struct net_info *info = box->netinfo;

	if (!info)
		return;
	if (info->veth_made && removed_with_namespace(box, info))
		info->veth_made = 0;
	if (info->veth_made)
		delete_veth(info);
	subnet_release(&info->subnet);
	free(info);
	box->netinfo = NULL;
}

/* A dead run's "veth bx<id>". Its container is dead (its cgroup was swept
 * first), so the kernel may be removing the pair right now: gone is fine. */
int net_sweep_veth(const char *name)
{
	if (strncmp(name, "bx", 2) != 0 || !sweep_is_run_id(name + 2)) {
		box_error("sweep: \"veth %s\" is not a boxes veth (bx<id>); not touched", name);
		return -1;
	}
	if (if_nametoindex(name) == 0)
		return 0;
	trace(6, "\"%s\": a dead run's veth", name);
	return delete_link(name);
}
