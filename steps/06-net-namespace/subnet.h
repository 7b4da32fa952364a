/* subnet.h - step 06: which /30 of 10.200.0.0/16 a container gets. */
#ifndef BOXES_SUBNET_H
#define BOXES_SUBNET_H

/* 10.200.0.0/16 cut into /30s: 65536 / 4. */
#define SUBNET_COUNT 16384

struct subnet {
	int index; /* 0 .. SUBNET_COUNT-1; -1 while none is leased */
	char network[16]; /* "10.200.0.4" */
	char host_end[20]; /* "10.200.0.5/30": on bx<id>, the container's gateway */
	char container_end[20]; /* "10.200.0.6/30": on the container's eth0 */
	char gateway[16]; /* "10.200.0.5": host_end without the prefix */
	char lease[4096]; /* BOXES_RUN/net/10.200.0.4 while leased */
};

/* Pure arithmetic: the addresses of /30 number index. 0, or -1 when the
 * index is outside 10.200.0.0/16. Leaves out->lease empty. */
int subnet_describe(int index, struct subnet *out);

/* flock(2) BOXES_RUN/net, waiting for any other runtime that holds it.
 * Returns the fd that holds the lock, or -1 with the reason printed. */
int subnet_lock(void);
void subnet_unlock(int lock_fd);

/* With the lock held: lease the first free /30 for container id.
 * 0, or -1 with the reason printed. */
int subnet_lease(const char *id, struct subnet *out);

/* Give the lease back; no-op when nothing is leased. */
void subnet_release(struct subnet *subnet);

#endif
