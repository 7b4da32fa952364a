/* sweep.h - remove what dead runs left in BOXES_RUN, never a live one's.
 *
 * A run that is SIGKILLed cleans nothing up. What it made is listed in its
 * BOXES_RUN/<id>/state (state.h), and its lock is free. Each step knows how
 * to undo what it makes: step 03 a cgroup, step 06 a veth and a lease. A
 * step hands the sweeper the undo functions of its own steps and the steps
 * below (the ladder: common/ cannot call into a step), as a table:
 *
 *     static const struct sweeper sweepers[] = {SWEEPERS_03, SWEEPERS_06, {NULL, NULL}};
 *     sweep_dead_runs(sweepers);
 *
 * A dead run whose state lists a key the table lacks (a step 06 run, swept
 * by step 02) is left whole for a step that knows it, or for
 * build/bin/boxes-sweep (scripts/cleanup.sh), which knows every key.
 */
#ifndef BOXES_SWEEP_H
#define BOXES_SWEEP_H

#include <stdbool.h>

#include "state.h"

struct sweeper {
	const char *key; /* a key of the state file: "cgroup", "veth", "lease" */
	/* Undo what "key value" names; gone already is fine. 0, or -1 to keep
	 * the state dir, so that the next sweep tries again. */
	int (*remove)(const char *value);
};

/* For each BOXES_RUN/<id> whose lock is free: run the sweepers on what its
 * state file lists (in the table's order: cgroups first, which kills any
 * process left), unmount whatever is still mounted below it, remove it.
 * sweepers may be NULL (steps 01, 02: nothing but the dir). Returns how
 * many dead runs were removed; --trace narrates each action. */
int sweep_dead_runs(const struct sweeper *sweepers);

/* Pure: is name a run's dir, 12 lowercase hex digits (id.c)? BOXES_RUN
 * holds other things too (compose/ from step 10 on). */
bool sweep_is_run_id(const char *name);

/* Pure: can this table undo every entry? If not, *unknown is the first key
 * it lacks. */
bool sweep_knows_all(const struct sweeper *sweepers, const struct state_entry *entries, int count,
		     const char **unknown);

/* Pure: which of the mount points mounts[0..count-1] are dir itself or below
 * it, into out, deepest first (a mount is undone before the one it sits
 * on). Returns how many. */
int sweep_mounts_below(const char *dir, const char *const *mounts, int count, const char **out);

#endif
