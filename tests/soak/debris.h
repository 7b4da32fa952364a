/* debris.h - what a boxes run can leave on the host, looked up by its id.
 *
 * A run of id <id> makes, at most: cgroups <hierarchy>/boxes/<id> (03),
 * BOXES_RUN/<id> with mounts below it (04, 07), a /30 lease that names
 * the id (06: BOXES_RUN/net/<address>, or machine-wide in /run/boxes-net)
 * and a link bx<id> (06).
 * All of these are named for the id, so the soak finds them - and removes
 * them - by id only, and only for ids of runs it started itself.
 */
#ifndef BOXES_SOAK_DEBRIS_H
#define BOXES_SOAK_DEBRIS_H

#include <stdio.h>
#include <sys/types.h>

#define ID_LEN 12

/* What is left of one run, by kind. */
struct debris {
	int cgroups;
	int links;
	int mounts;
	int state_dirs;
	int leases;
};

int debris_total(const struct debris *debris);

/* Look for everything of run id; one line per object on report (if not
 * NULL), each starting with label. */
void debris_find(const char *run_dir, const char *id, struct debris *found, FILE *report,
		 const char *label);

/* Remove it: mounts (detached), cgroups, the link, leases, the state dir.
 * Kills the processes left in its cgroups first: they are its container's.
 * Returns how many objects are still there afterwards. */
int debris_remove(const char *run_dir, const char *id);

/* Detach every mount at or below dir, deepest first; returns how many. */
int unmount_below(const char *dir);

/* The 12-hex-digit entries of run_dir: state dirs, one per run. */
int state_dir_ids(const char *run_dir, char (*ids)[ID_LEN + 1], int max);

/* Is text 12 lowercase hex digits (then anything)? */
int looks_like_id(const char *text);

/* Processes whose environment holds "<marker_prefix><N>": container
 * processes of run N. pids[i], runs[i]; returns how many (at most max). */
int find_marked(const char *marker_prefix, pid_t *pids, int *runs, int max);

/* Processes in run id's cgroups; returns how many (at most max). */
int cgroup_members(const char *id, pid_t *pids, int max);

#endif
