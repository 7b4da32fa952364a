/* subnet.c - step 06: which /30 of 10.200.0.0/16 a container gets.
 *
 * A /30 is four addresses: .0 names the network, .3 is its broadcast, and
 * the two in the middle are all a veth pair needs: .1 for the host end,
 * .2 for the container's eth0. 10.200.0.0/17 holds 8192 of them (the upper
 * half is step 10's: a /24 per compose project, leased the same way).
 *
 * Two running containers must never get the same /30: the host would then
 * have two routes to one network and send one container's packets to the
 * other. The host has one routing table whatever BOXES_RUN says, so the
 * leases are machine-wide too: a file /run/boxes-net/10.200.X.Y per /30,
 * made with O_EXCL (only one runtime can make it) and held with flock(2)
 * by its runtime for as long as it runs. The kernel drops the lock when
 * that runtime dies, even by SIGKILL: a lease file whose lock is free is
 * free, and the next runtime takes it over. No pids are compared (a pid
 * is reused, a lock is not). `cat` one to see whose it is.
 *
 * A /30 already on one of the host's interfaces (read over netlink: a
 * left-over link, an address someone set by hand) is skipped even without
 * a lease: the host is the final word.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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

#define STEP 6 /* the step --trace names for what this file does */

#define POOL_FIRST 0x0ac80000u /* 10.200.0.0 */
#define POOL_MASK 0xffff0000u /* /16 */
#define PROJECT_FIRST 0x0ac88000u /* 10.200.128.0: step 10's /24s */
#define PER_PROJECT 64 /* /30s in a /24 */

static void format_ipv4(uint32_t host_order, char *out, size_t len)
{
	struct in_addr address = {.s_addr = htonl(host_order)};

	inet_ntop(AF_INET, &address, out, (socklen_t)len);
}

/* Block index of count, each of size addresses from first: its network,
 * the host end (.1) and, for a /30, the container end (.2). */
static int describe_block(int index, int count, uint32_t first, uint32_t size, int prefix,
			  struct subnet *out)
{
	uint32_t network = first + size * (uint32_t)index;
	char host[16], container[16];

	memset(out, 0, sizeof(*out));
	out->index = -1;
	out->lease_fd = -1;
	if (index < 0 || index >= count)
		return -1;
	out->index = index;
	format_ipv4(network, out->network, sizeof(out->network));
	format_ipv4(network + 1, host, sizeof(host));
	snprintf(out->host_end, sizeof(out->host_end), "%s/%d", host, prefix);
	snprintf(out->gateway, sizeof(out->gateway), "%s", host);
	if (prefix == 30) {
		format_ipv4(network + 2, container, sizeof(container));
		snprintf(out->container_end, sizeof(out->container_end), "%s/30", container);
	}
	return 0;
}

int subnet_describe(int index, struct subnet *out)
{
	return describe_block(index, SUBNET_COUNT, POOL_FIRST, 4, 30, out);
}

int subnet_describe_project(int index, struct subnet *out)
{
	return describe_block(index, SUBNET_PROJECT_COUNT, PROJECT_FIRST, 256, 24, out);
}

int subnet_project_address(const struct subnet *project, int host, char *cidr, size_t cidr_len,
			   char *ip, size_t ip_len)
{
	struct in_addr network;

	if (host < 1 || host > 253 || inet_pton(AF_INET, project->network, &network) != 1)
		return -1;
	format_ipv4(ntohl(network.s_addr) + 1u + (uint32_t)host, ip, ip_len);
	if (cidr)
		snprintf(cidr, cidr_len, "%s/24", ip);
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
		((unsigned char *)taken)[(address - POOL_FIRST) / 4] = 1; /* the /30 it is in */
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

/* Open the lease file at path (flags: O_CREAT | O_EXCL to make it) and
 * lock it without waiting. The fd, or -1 with errno EEXIST (it exists),
 * EWOULDBLOCK (its runtime is alive), ENOENT (its last owner removed it
 * between our open and our lock: it is no lease any more). */
static int lock_lease_file(const char *path, int flags)
{
	struct stat held, named;
	int fd = open(path, O_RDWR | O_CLOEXEC | flags, 0600), saved;

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (fstat(fd, &held) < 0 || stat(path, &named) < 0 || held.st_ino != named.st_ino ||
	    held.st_dev != named.st_dev) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	return fd;
}

/* "id, pid, state_dir" lines in the lease: whose it is, for a learner. */
static int write_owner(int fd, const char *path, const struct box *box)
{
	char owner[4096 + 128];
	int length = snprintf(owner, sizeof(owner), "id %s\npid %d\nstate_dir %s\n", box->id,
			      (int)getpid(), box->state_dir[0] ? box->state_dir : "-");

	if (ftruncate(fd, 0) < 0 || pwrite(fd, owner, (size_t)length, 0) != length)
		return box_syserr("write", path);
	return 0;
}

/* Try to make subnet's lease ours: 1 if it is, 0 if a live runtime holds
 * it, -1 on error. */
static int try_lease(const struct box *box, struct subnet *subnet)
{
	int fd = -1, attempt;

	for (attempt = 0; attempt < 3 && fd < 0; attempt++) {
		fd = lock_lease_file(subnet->lease, O_CREAT | O_EXCL);
		if (fd < 0 && errno == EEXIST) {
			fd = lock_lease_file(subnet->lease, 0);
			if (fd >= 0)
				trace(STEP, "\"%s\": its runtime is dead (lock free): taken over",
				      subnet->lease);
		}
		if (fd < 0 && errno == EWOULDBLOCK)
			return 0;
		if (fd < 0 && errno != ENOENT && errno != EEXIST)
			return box_syserr("create lease", subnet->lease);
	}
	if (fd < 0)
		return 0; /* it kept changing hands: take another */
	if (write_owner(fd, subnet->lease, box) < 0) {
		unlink(subnet->lease);
		close(fd);
		return -1;
	}
	subnet->lease_fd = fd;
	return 1;
}

/* Is any /30 of block index (blocks of size /30s each) taken? */
static int block_taken(const unsigned char *taken, int index, int size)
{
	for (int i = 0; i < size; i++)
		if (taken[index * size + i])
			return 1;
	return 0;
}

/* The first free block of count, each size /30s, starting at /30 number
 * first: a /30 (size 1) of the lower half, or a /24 (64) of the upper. */
static int pick_block(const char *dir, const struct box *box, struct subnet *out, int first,
		      int count, int size, int (*describe)(int, struct subnet *))
{
	static unsigned char taken[SUBNET_COUNT * 2];
	int index, got;

	memset(taken, 0, sizeof(taken));
	if (mark_host_subnets(taken) < 0)
		return -1;
	for (index = 0; index < count; index++) {
		if (block_taken(taken + first, index, size))
			continue;
		describe(index, out);
		/* Written down before it is made: a SIGKILL right after must
		 * leave nothing the sweeper does not know of. */
		if (path_join(out->lease, sizeof(out->lease), dir, out->network) < 0 ||
		    state_set(box, "lease", out->lease) < 0)
			got = -1;
		else
			got = try_lease(box, out);
		if (got > 0)
			return 0;
		if (got < 0) {
			subnet_describe(-1, out);
			return -1;
		}
	}
	subnet_describe(-1, out);
	box_error("no free /%d left in 10.200.%s/17 (see %s)", size == 1 ? 30 : 24,
		  first ? "128.0" : "0.0", dir);
	return -1;
}

int subnet_lease_at(const char *dir, const struct box *box, struct subnet *out)
{
	subnet_describe(-1, out);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return box_syserr("mkdir", dir);
	if (pick_block(dir, box, out, 0, SUBNET_COUNT, 1, subnet_describe) < 0)
		return -1;
	trace(STEP, "lease %s/30: \"%s\", flock(LOCK_EX) while we run", out->network, out->lease);
	return 0;
}

int subnet_lease(const struct box *box, struct subnet *out)
{
	return subnet_lease_at(SUBNET_LEASE_DIR, box, out);
}

int subnet_lease_project(const struct box *box, struct subnet *out)
{
	subnet_describe(-1, out);
	if (mkdir(SUBNET_LEASE_DIR, 0700) < 0 && errno != EEXIST)
		return box_syserr("mkdir", SUBNET_LEASE_DIR);
	if (pick_block(SUBNET_LEASE_DIR, box, out, SUBNET_COUNT, SUBNET_PROJECT_COUNT, PER_PROJECT,
		       subnet_describe_project) < 0)
		return -1;
	trace(10, "lease %s/24: \"%s\", flock(LOCK_EX) while the project runs", out->network,
	      out->lease);
	return 0;
}

/* Unlinked while we still hold the lock: nobody else unlinks a lease
 * whose lock is held, so the name is still our file. */
void subnet_release(struct subnet *subnet)
{
	if (subnet->index < 0 || subnet->lease_fd < 0)
		return;
	trace(STEP, "unlink(\"%s\"): %s/30 is free again", subnet->lease, subnet->network);
	if (unlink(subnet->lease) < 0 && errno != ENOENT)
		box_syserr("unlink", subnet->lease);
	close(subnet->lease_fd);
	subnet_describe(-1, subnet);
}

/* A dead run's "lease PATH": remove it if its lock is free. A live runtime
 * may have taken it over since: then its lock is held, and it is that
 * runtime's now. */
int subnet_sweep_lease(const char *path)
{
	char expected[sizeof(((struct subnet *)0)->lease)];
	const char *name = strrchr(path, '/');
	struct in_addr network;
	int fd;

	if (!name || snprintf(expected, sizeof(expected), SUBNET_LEASE_DIR "%s", name) < 0 ||
	    strcmp(expected, path) != 0 || inet_pton(AF_INET, name + 1, &network) != 1 ||
	    (ntohl(network.s_addr) & POOL_MASK) != POOL_FIRST) {
		box_error("sweep: \"lease %s\" is not a lease in " SUBNET_LEASE_DIR "; not touched",
			  path);
		return -1;
	}
	fd = lock_lease_file(path, 0);
	if (fd < 0)
		return errno == ENOENT || errno == EWOULDBLOCK ? 0 : box_syserr("open", path);
	trace(STEP, "unlink(\"%s\"): a dead run's lease", path);
	if (unlink(path) < 0)
		box_syserr("unlink", path);
	close(fd);
	return 0;
}
