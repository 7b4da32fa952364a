/* project_state.h - step 10: what a running project leaves for the next
 * command to read, in BOXES_RUN/compose/<project>/:
 *
 *     lock              flock(2)ed by whoever changes the project (up, the
 *                       last supervisor removing it)
 *     project           run DIR, bridge bxp<id>, network 10.200.N.0, lease PATH:
 *                       what a later `up` needs to add a container to it
 *     <name>.state      one container: service, image, status, address...
 *     <name>.lock       flock(2)ed by its supervisor for as long as it lives
 *     <name>.log        its output, one "TIME STREAM TEXT" line each
 *
 * Each file is "key value" lines (state.h's format), written whole to a
 * temporary file and renamed over the old one: a reader never sees half.
 */
#ifndef BOXES_PROJECT_STATE_H
#define BOXES_PROJECT_STATE_H

#include <stddef.h>

#include "10-compose/bridge.h"

struct container_record {
	char name[160]; /* <project>-<service>-1 */
	char service[128];
	char image[256];
	char command[1024];
	char ip[16];
	char ports[1024]; /* as ps prints them: 0.0.0.0:8080->80/tcp, ... */
	char status[16]; /* created, running, restarting, exited */
	char health[16]; /* "", starting, healthy, unhealthy */
	int supervisor; /* its pid */
	int exit_code;
	int restarts;
	int starts; /* start requests (compose start, a later up) answered: the requester waits
		     * for it to grow, then reads status and error */
	char error[512]; /* why the last start failed, in one line ("" when it did not) */
	int start_order; /* its place in up's depends_on order: down goes backwards */
	char volumes[1024]; /* its named volumes, "a_data,a_cache": what down -v removes */
	long long created, started, finished; /* seconds since the epoch */
};

/* The project's network, as up made it (the "project" file). */
struct project_info {
	char run[4096]; /* BOXES_RUN/<id>: the project's own run */
	char bridge[16]; /* bxp<id> */
	char network[16]; /* 10.200.N.0 of its /24 */
	char lease[4096]; /* /run/boxes-net/10.200.N.0 */
};

int project_info_write(const char *dir, const struct project_info *info);
/* 0, or -1 when there is no such file (or it lacks a key). */
int project_info_read(const char *dir, struct project_info *info);

/* BOXES_RUN/compose/<project> into out (made, with BOXES_RUN/compose,
 * when make is set). 0 or -1. */
int project_dir(const char *project, char *out, size_t out_len, int make);

/* flock(LOCK_EX) DIR/lock: the fd (close it to let go), or -1. */
int project_lock(const char *dir);

/* DIR/<name>.EXT into out. */
int project_file(const char *dir, const char *name, const char *ext, char *out, size_t out_len);

int record_write(const char *dir, const struct container_record *record);
int record_read(const char *path, struct container_record *record);

/* The records of DIR, sorted by name, into records (at most max). The
 * count, 0 when there is no such dir. */
int records_list(const char *dir, struct container_record *records, int max);

/* Is the supervisor of NAME alive (it holds DIR/NAME.lock)? */
int supervisor_alive(const char *dir, const char *name);

/* The sweeper of a dead project's "compose DIR": rm -r it. */
int project_sweep_dir(const char *dir);

/* What a dead project's run lists, after 06's (a container's veth, the
 * project's lease): its bridge, then its state dir. */
#define SWEEPERS_10                                                                                \
	{"bridge", bridge_sweep},                                                                  \
	{                                                                                          \
		"compose", project_sweep_dir                                                       \
	}

#endif
