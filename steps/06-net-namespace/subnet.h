/* subnet.h - step 06: which /30 of 10.200.0.0/16 a container gets. */
#ifndef BOXES_SUBNET_H
#define BOXES_SUBNET_H

#include "box.h"

/* 10.200.0.0/17 cut into /30s: 32768 / 4. The upper half, 10.200.128.0/17,
 * is step 10's: a /24 per compose project (subnet_lease_project), so a
 * container's /30 and a project's /24 never overlap. */
#define SUBNET_COUNT 8192
#define SUBNET_PROJECT_COUNT 128

/* The leases, one file per /30, for the whole machine: not under
 * BOXES_RUN, since every BOXES_RUN shares the host's one routing table. */
#define SUBNET_LEASE_DIR "/run/boxes-net"

struct subnet {
	int index; /* 0 .. SUBNET_COUNT-1; -1 while none is leased */
	char network[16]; /* "10.200.0.4" */
	char host_end[20]; /* "10.200.0.5/30": on bx<id>, the container's gateway */
	char container_end[20]; /* "10.200.0.6/30": on the container's eth0 */
	char gateway[16]; /* "10.200.0.5": host_end without the prefix */
	char lease[4096]; /* /run/boxes-net/10.200.0.4 while leased */
	int lease_fd; /* holds flock(2) on it while leased; -1 otherwise */
};

/* Pure arithmetic: the addresses of /30 number index. 0, or -1 when the
 * index is outside 10.200.0.0/16. Leaves out->lease empty. */
int subnet_describe(int index, struct subnet *out);

/* Lease the first /30 that is neither leased nor on a host interface, for
 * the run box (its id and state dir are written in the lease; "lease PATH"
 * goes into its state file first). The lease stays locked until
 * subnet_release or the end of this process. 0, or -1 with the reason
 * printed. subnet_lease_at: in another directory (the unit tests). */
int subnet_lease(const struct box *box, struct subnet *out);
int subnet_lease_at(const char *dir, const struct box *box, struct subnet *out);

/* Step 10: lease the first /24 of 10.200.128.0/17 for a project bridge,
 * the same way (a file per /24 named by its network, flock(2)ed). host_end
 * is "10.200.N.1/24" (the bridge), gateway its address; container_end is
 * left empty: subnet_project_address gives the containers theirs. */
int subnet_lease_project(const struct box *box, struct subnet *out);
int subnet_describe_project(int index, struct subnet *out);

/* "10.200.N.(host+1)/24" (cidr, may be NULL) and the address alone, for
 * the host-th container of a project /24 (host 1..253). 0 or -1. */
int subnet_project_address(const struct subnet *project, int host, char *cidr, size_t cidr_len,
			   char *ip, size_t ip_len);

/* Give the lease back; no-op when nothing is leased. */
void subnet_release(struct subnet *subnet);

/* The sweeper of a dead run's "lease PATH" (sweep.h): unlink it unless a
 * live runtime holds it by now. 0, or -1 for a path outside the lease dir. */
int subnet_sweep_lease(const char *path);

#endif
