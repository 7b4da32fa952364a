/* harness_06.h - network helpers for the step 06 tests: a listener on the
 * host's loopback, talking to a server inside a container, and finding
 * the veth a run made. Traffic goes only to 127.0.0.1 and to the
 * 10.200.x.y addresses the runtime put on its own veths. */
#ifndef BOXES_HARNESS_06_H
#define BOXES_HARNESS_06_H

#include <stddef.h>
#include <sys/types.h>

/* Listen on the host's 127.0.0.1 at a free port: a "localhost-only
 * service". connect() succeeds as soon as we listen, no accept needed.
 * Returns the socket (close it when done) and sets *port; -1 on error. */
int loopback_listener(int *port);

/* Wait (at most timeout_s) until the file contains text; then copy the
 * whole file into out. 0, or -1 on timeout. */
int wait_for_file_text(const char *path, const char *text, int timeout_s, char *out, size_t len);

/* The first "inet 10.200.X.Y" address in text, without the prefix. */
int find_container_address(const char *text, char *address, size_t len);

/* Connect to address:port (retrying while the server is not listening
 * yet, at most timeout_s), read what it sends until it closes or len-1
 * bytes, close. 0 or -1. */
int read_from_server(const char *address, int port, int timeout_s, char *out, size_t len);

/* The bx<id> name in a --trace output ("" if none). */
void veth_in_trace(const char *trace_text, char *name, size_t len);

/* Does the host have a network interface of that name? */
int host_link_exists(const char *name);

/* Entries in BOXES_RUN/net: the /30 leases still held. */
int leases_held(void);

#endif
