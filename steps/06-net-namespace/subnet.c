/* subnet.c - step 06: which /30 of 10.200.0.0/16 a container gets.
 *
 * A /30 is four addresses: .0 names the network, .3 is its broadcast, and
 * the two in the middle are all a veth pair needs: .1 for the host end,
 * .2 for the container's eth0. 10.200.0.0/16 holds 16384 of them.
 *
 * Two running containers must never get the same /30: the host would then
 * have two routes to one network and send one container's packets to the
 * other. So a /30 is leased: a file BOXES_RUN/net/10.200.X.Y that says
 * "<id> <pid>". A lease whose runtime is gone (kill -9 leaves it behind)
 * is taken over. A /30 already on one of the host's interfaces (a
 * container of another BOXES_RUN, a left-over link) is skipped: the host
 * is the final word.
 *
 * Two runtimes starting at the same moment must not both pick the same
 * free /30: the runtime holds flock(2) on the directory BOXES_RUN/net (a
 * directory can be locked like any file) from before it looks until its
 * host end carries the address, so the next one sees the lease and the
 * address both.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include "06-net-namespace/subnet.h"
#include "log.h"
#include "state.h"

#define POOL_FIRST 0x0ac80000u /* 10.200.0.0 */
#define POOL_MASK 0xffff0000u /* /16 */

static void format_ipv4(uint32_t host_order, char *out, size_t len)
{
	struct in_addr address = {.s_addr = htonl(host_order)};

	inet_ntop(AF_INET, &address, out, (socklen_t)len);
}

int subnet_describe(int index, struct subnet *out)
{
	uint32_t network = POOL_FIRST + 4u * (uint32_t)index;
	char host[16], container[16];

	memset(out, 0, sizeof(*out));
	out->index = -1;
	if (index < 0 || index >= SUBNET_COUNT)
		return -1;
	out->index = index;
	format_ipv4(network, out->network, sizeof(out->network));
	format_ipv4(network + 1, host, sizeof(host));
	format_ipv4(network + 2, container, sizeof(container));
	snprintf(out->host_end, sizeof(out->host_end), "%s/30", host);
	snprintf(out->container_end, sizeof(out->container_end), "%s/30", container);
	snprintf(out->gateway, sizeof(out->gateway), "%s", host);
	return 0;
}

/* nl_cache_foreach callback: mark the /30 of every host IPv4 address that
 * falls inside 10.200.0.0/16. */
static void mark_if_in_pool(struct nl_object *object, void *taken)
{
	struct nl_addr *local = rtnl_addr_get_local((struct rtnl_addr *)object);
	uint32_t address;

	if (!local || nl_addr_get_family(local) != AF_INET || nl_addr_get_len(local) != 4)
		return;
	memcpy(&address, nl_addr_get_binary_addr(local), 4);
	address = ntohl(address);
	if ((address & POOL_MASK) == POOL_FIRST)
		((unsigned char *)taken)[(address - POOL_FIRST) / 4] = 1;
}

/* taken[i] = 1 for every /30 the host already has an address in. Reading
 * addresses (RTM_GETADDR) needs no privilege. */
static int mark_host_subnets(unsigned char *taken)
{
	struct nl_sock *sock = nl_socket_alloc();
	struct nl_cache *addresses = NULL;
	int err = sock ? nl_connect(sock, NETLINK_ROUTE) : -NLE_NOMEM;

	if (err == 0)
		err = rtnl_addr_alloc_cache(sock, &addresses);
	if (err == 0) {
		nl_cache_foreach(addresses, mark_if_in_pool, taken);
		nl_cache_free(addresses);
	}
	nl_socket_free(sock);
	if (err < 0) {
		box_error("read the host's addresses (RTM_GETADDR): %s", nl_geterror(err));
		return -1;
	}
	return 0;
}

/* Has the process gone? A process killed a moment ago may still be a
 * zombie until its parent reaps it: gone too (state Z in /proc/PID/stat,
 * see proc(5)). */
static int process_is_gone(int pid)
{
	char path[64], stat_line[512];
	const char *after_name;
	FILE *file;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	file = fopen(path, "re");
	if (!file)
		return 0; /* no /proc to ask: assume it lives */
	if (!fgets(stat_line, sizeof(stat_line), file))
		stat_line[0] = '\0';
	fclose(file);
	after_name = strrchr(stat_line, ')'); /* "PID (COMM) STATE ..." */
	return after_name && (after_name[2] == 'Z' || after_name[2] == 'X');
}

/* A lease is stale when the runtime that wrote it is gone. */
static int lease_is_stale(const char *path)
{
	char content[64] = "";
	int pid = 0;
	FILE *file = fopen(path, "re");

	if (!file)
		return 0;
	if (!fgets(content, sizeof(content), file))
		content[0] = '\0';
	fclose(file);
	if (sscanf(content, "%*s %d", &pid) != 1 || pid <= 0)
		return 0; /* not ours to judge: leave it */
	return process_is_gone(pid);
}

/* Try to make the lease file for subnet; 1 if it is ours now, 0 if
 * someone holds it, -1 on error. */
static int try_lease(const char *dir, const char *id, struct subnet *subnet)
{
	char line[64];
	int fd, len;

	if (path_join(subnet->lease, sizeof(subnet->lease), dir, subnet->network) < 0)
		return -1;
	fd = open(subnet->lease, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		if (!lease_is_stale(subnet->lease))
			return 0; /* a running container holds it */
		trace(6, "unlink(\"%s\"): stale lease, its runtime is gone", subnet->lease);
		if (unlink(subnet->lease) < 0 && errno != ENOENT)
			return box_syserr("unlink", subnet->lease);
		fd = open(subnet->lease, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return box_syserr("create lease", subnet->lease);
	len = snprintf(line, sizeof(line), "%s %d\n", id, (int)getpid());
	if (write(fd, line, (size_t)len) != len) {
		box_syserr("write", subnet->lease);
		close(fd);
		unlink(subnet->lease);
		return -1;
	}
	close(fd);
	return 1;
}

static int pick_subnet(const char *dir, const char *id, struct subnet *out)
{
	static unsigned char taken[SUBNET_COUNT];
	int index, got;

	memset(taken, 0, sizeof(taken));
	if (mark_host_subnets(taken) < 0)
		return -1;
	for (index = 0; index < SUBNET_COUNT; index++) {
		if (taken[index])
			continue;
		subnet_describe(index, out);
		got = try_lease(dir, id, out);
		if (got > 0)
			return 0;
		if (got < 0) {
			subnet_describe(-1, out);
			return -1;
		}
	}
	subnet_describe(-1, out);
	box_error("no free /30 left in 10.200.0.0/16 (see %s)", dir);
	return -1;
}

/* BOXES_RUN/net, made if missing. */
static int lease_dir(char *dir, int len)
{
	const char *root = state_root();

	if (path_join(dir, len, root, "net") < 0)
		return -1;
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return box_syserr("mkdir", root);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return box_syserr("mkdir", dir);
	return 0;
}

int subnet_lock(void)
{
	char dir[4096];
	int lock_fd;

	if (lease_dir(dir, sizeof(dir)) < 0)
		return -1;
	lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock_fd < 0)
		return box_syserr("open", dir);
	trace(6, "flock(\"%s\", LOCK_EX)", dir);
	if (flock(lock_fd, LOCK_EX) < 0) {
		box_syserr("flock", dir);
		close(lock_fd);
		return -1;
	}
	return lock_fd;
}

void subnet_unlock(int lock_fd)
{
	if (lock_fd < 0)
		return;
	trace(6, "flock(LOCK_UN)");
	close(lock_fd); /* closing the only fd drops the lock */
}

int subnet_lease(const char *id, struct subnet *out)
{
	char dir[4096];

	subnet_describe(-1, out);
	if (lease_dir(dir, sizeof(dir)) < 0 || pick_subnet(dir, id, out) < 0)
		return -1;
	trace(6, "lease %s/30: \"%s\"", out->network, out->lease);
	return 0;
}

void subnet_release(struct subnet *subnet)
{
	if (subnet->index < 0 || !subnet->lease[0])
		return;
	trace(6, "unlink(\"%s\"): %s/30 is free again", subnet->lease, subnet->network);
	if (unlink(subnet->lease) < 0 && errno != ENOENT)
		box_syserr("unlink", subnet->lease);
	subnet->index = -1;
	subnet->lease[0] = '\0';
}
