/* init.h - step 02: --init, a tiny PID 1 that reaps zombies and forwards
 * signals, like docker run --init (tini). */
#ifndef BOXES_INIT_H
#define BOXES_INIT_H

#include "box.h"

/* exec the command directly, or under the tiny init with --init. */
int exec_or_init(struct box *box);

#endif
