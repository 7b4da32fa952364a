/* exec.h - the last thing the container does: exec the command. */
#ifndef BOXES_EXEC_H
#define BOXES_EXEC_H

#include "box.h"

/* Closes inherited fds, sets the clean environment and -w DIR, and
 * execs box->argv. Returns only on failure: 127 when the command is not
 * found, 126 when it cannot be executed, 125 when -w DIR is missing. */
int exec_command(struct box *box);

/* The container's environment: PATH, HOME, TERM, HOSTNAME, then -e
 * KEY=VAL in order (a later one replaces an earlier one; "-e KEY" copies
 * KEY from the host). NULL-terminated; count entries at most. */
int build_environment(const struct box *box, const char **env, int count, char *storage,
		      int storage_len);

/* Close every fd above 2, so the container inherits only 0, 1, 2. */
int close_inherited_fds(void);

#endif
