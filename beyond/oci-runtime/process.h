/* process.h - beyond step 10: process.* of config.json, applied, then
 * exec; and the terminal of --console-socket. */
#ifndef BOXES_OCI_PROCESS_H
#define BOXES_OCI_PROCESS_H

#include <stddef.h>

#include "oci-runtime/profile.h"
#include "oci-runtime/spec.h"

/* rlimits, umask, oomScoreAdj, seccomp (filter may be NULL), bounding
 * set, user, capability sets - in the order that keeps each possible. */
int process_apply(const struct spec_process *process, scmp_filter_ctx filter);

/* args[0] looked up in the process's PATH, inside the container, into
 * out. 0, or -1 after runc's words ("executable file not found in $PATH"). */
int process_find_command(const struct spec_process *process, char *out, size_t len);

/* chdir cwd, only 0-2 open, execve. Returns only on failure (126/127). */
int process_exec(const struct spec_process *process, const char *command);

/* Connect to the engine's console socket (before pivot_root: it is a host
 * path). The fd, or -1. */
int console_connect(const char *socket_path);

/* Make a pty in the container, send its master over socket_fd, make its
 * slave our terminal and 0, 1, 2. 0 or -1. */
int console_attach(int socket_fd);

#endif
