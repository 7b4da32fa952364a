/* state.h - the runtime's own state: BOXES_RUN/<id> (default /run/boxes). */
#ifndef BOXES_STATE_H
#define BOXES_STATE_H

#include "box.h"

/* BOXES_RUN, or /run/boxes. */
const char *state_root(void);

/* mkdir BOXES_RUN/<id> (and BOXES_RUN); fills box->state_dir. 0 or -1. */
int state_create(struct box *box);

/* rm -rf box->state_dir; no-op when it was never made. */
void state_remove(struct box *box);

/* rm -rf PATH without crossing into other filesystems. 0 or -1. */
int remove_tree(const char *path);

/* snprintf into out or fail loudly: paths never get silently cut. */
int path_join(char *out, int out_len, const char *dir, const char *name);

#endif
