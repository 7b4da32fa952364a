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

/* The machine-wide lease directory (steps/06-net-namespace/subnet.h). */
#define LEASE_DIR "/run/boxes-net"

/* Lease files in LEASE_DIR of runs under this test's BOXES_RUN (made or
 * taken over, held or left by a killed run). */
int leases_held(void);

/* A container that runs until its runtime gets SIGTERM, then exits 0: it
 * prints its eth0 address (steps 06+) and "running", then waits. */
struct running_box {
	pid_t pid; /* the runtime, as spawn_box started it */
	char id[16]; /* from its --trace: its BOXES_RUN/<id> */
	char out_file[128], err_file[128];
	char out[4096]; /* what it printed up to "running" */
};

/* Start one under the current BOXES_RUN (spawn: returns its pid), wait (at
 * most timeout_s) until it runs (0, or -1 if it never did), or both. */
pid_t spawn_running_box(struct running_box *box, const char *step_name);
int wait_running_box(struct running_box *box, int timeout_s);
int start_running_box(struct running_box *box, const char *step_name, int timeout_s);

/* SIGTERM its runtime, wait for it; its exit code (-1 if it hung). */
int stop_running_box(struct running_box *box);

/* stop_running_box each of boxes[0..count-1] still running: for a test's
 * teardown, so that a failed assert leaves no container behind. */
void stop_running_boxes(struct running_box *boxes, int count);

/* The id in a --trace output: its "[01] mkdir(\"BOXES_RUN/<id>\")". */
void id_in_trace(const char *trace_text, char *id, size_t len);

#endif
