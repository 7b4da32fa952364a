/* proxy.h - step 10: the userland proxy behind a published port.
 *
 * A container on the project bridge has an address (10.200.N.M) that only
 * this machine can reach. "ports: 8080:80" makes host port 8080 answer: a
 * listener on the host's address that copies every connection (TCP) or
 * datagram (UDP) to target_ip:80 and back - what docker-proxy does for
 * Docker. proxy.c explains why a proxy and not NAT.
 *
 * The proxy has no thread and no loop of its own: the supervisor adds
 * proxy_fd() to its epoll set and calls proxy_dispatch() when it is readable.
 */
#ifndef BOXES_PROXY_H
#define BOXES_PROXY_H

#include <stddef.h>

#include "10-compose/ports.h"

struct proxy;

/* Binds every host listener of ports[0..n-1], forwarding to
 * target_ip:container_port. host_ip "" = every host address; a host range
 * -> the first free port of it; 0,0 -> an ephemeral port. The port chosen
 * for ports[i] is written to bound_ports[i]. On failure (a taken port, a bad
 * address): NULL, nothing left open, and one line in err naming the port
 * and, when it is taken, the process holding it, e.g.
 *     bind(*:8080/tcp): Address already in use, held by pid 4242 (nc -l -p 8080)
 * (no "boxes: " in front: the caller prints it). */
struct proxy *proxy_open(const struct compose_port *ports, int n, const char *target_ip,
			 int *bound_ports, char *err, size_t err_len);

/* One epoll fd, readable when proxy_dispatch has work. */
int proxy_fd(const struct proxy *p);

/* Serves what is ready (accepts, relays, expires idle UDP clients); never
 * blocks. */
void proxy_dispatch(struct proxy *p);

/* Closes every listener and connection and frees p (NULL is fine). */
void proxy_close(struct proxy *p);

/* A UDP client's flow is closed after this long without a datagram either
 * way (default 90 s, as docker-proxy's). */
void proxy_set_udp_idle_timeout(struct proxy *p, int milliseconds);

/* The pieces of proxy_open that need no socket (tests/unit/test_10_proxy.c). */

/* The first port of first..last for which try_bind(port, arg) succeeds,
 * skipping the ones that fail with EADDRINUSE; first = last = 0: one
 * try_bind(0), returns 0 (the kernel picks; ask the socket which). -1 with
 * errno: any other failure, or EADDRINUSE when every port is taken. */
int proxy_first_free_port(int first, int last, int (*try_bind)(int port, void *arg), void *arg);

/* One line of /proc/net/{tcp,tcp6,udp,udp6} (proc(5)): the local port, the
 * socket's state (0x0A = TCP listening) and its inode. -1: not such a line
 * (the header). */
int proxy_parse_net_line(const char *line, int *local_port, int *state, unsigned long *inode);

#endif
