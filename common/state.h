/* state.h - the runtime's own state: BOXES_RUN/<id> (default /run/boxes).
 *
 * Every run, from step 01 on, owns one directory:
 *
 *     BOXES_RUN/<id>/lock    flock(2)ed by the runtime for as long as it runs
 *                            (the file holds its pid, for a learner to cat)
 *     BOXES_RUN/<id>/state   what the run made that would outlive it if it
 *                            were SIGKILLed, one "key value" line each:
 *                                cgroup /sys/fs/cgroup/pids/boxes/<id>
 *                                veth bx<id>
 *                                lease /run/boxes-net/10.200.0.4
 *
 * A lock that is free means its runtime is dead: sweep.c then undoes what
 * the state file lists.
 */
#ifndef BOXES_STATE_H
#define BOXES_STATE_H

#include <stddef.h>

#include "box.h"

#define STATE_KEY_MAX 32
#define STATE_VALUE_MAX 4096
#define STATE_ENTRIES_MAX 16

/* One "key value" line of a state file. */
struct state_entry {
	char key[STATE_KEY_MAX];
	char value[STATE_VALUE_MAX];
};

/* BOXES_RUN, or /run/boxes. */
const char *state_root(void);

/* flock(2) BOXES_RUN itself (made if missing): LOCK_SH while a runtime makes
 * and locks its state dir, LOCK_EX while the sweeper looks for dead ones.
 * The fd that holds it (close it to let go), or -1 with the reason printed. */
int state_root_lock(int operation);

/* mkdir BOXES_RUN/<id> (and BOXES_RUN), take its lock for the rest of this
 * process's life; fills box->state_dir. 0 or -1. */
int state_create(struct box *box);

/* Make this run's lock (state_create's) a shared one, LOCK_SH: other
 * processes may then hold it too - step 10's supervisors, each its own
 * flock(LOCK_SH) on BOXES_RUN/<id>/lock - and the run is dead for the
 * sweeper, which tries LOCK_EX, only once every one of them is gone. The
 * lock's fd (never close it: state_remove does), or -1 after why. */
int state_share_lock(void);

/* Add the line "key value" to BOXES_RUN/<id>/state (state_add), or make it
 * the only line with that key (state_set). The file is rewritten whole:
 * a temporary file renamed over it. No-op without a state dir (unit tests
 * of a step's code). 0 or -1. */
int state_add(const struct box *box, const char *key, const char *value);
int state_set(const struct box *box, const char *key, const char *value);

/* Pure: the "key value" lines of text into entries (at most max). Blank
 * lines are skipped. The number of entries, or -1 at a line that is not
 * "key value" or does not fit. */
int state_parse(const char *text, struct state_entry *entries, int max);

/* state_parse of DIR/state; 0 entries when there is no such file. */
int state_read(const char *dir, struct state_entry *entries, int max);

/* rm -rf box->state_dir, then let go of its lock; no-op when it was never
 * made. The runtime's last act. */
void state_remove(struct box *box);

/* rm -rf PATH without crossing into other filesystems. 0 or -1. */
int remove_tree(const char *path);
/* The same without a line for each entry that would not go (for a caller
 * that tries again). */
int remove_tree_quietly(const char *path);

/* snprintf into out or fail loudly: paths never get silently cut. */
int path_join(char *out, int out_len, const char *dir, const char *name);

#endif
