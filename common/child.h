/* child.h - starting the container process and waiting for it.
 *
 * The runtime (parent) clones the container (child) and holds it on a
 * sync pipe until the parent-side set-up is done (cgroup, uid maps, veth);
 * the child then sets itself up and execs the command. The parent forwards
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT to it and turns its end into docker's exit
 * codes.
 */
#ifndef BOXES_CHILD_H
#define BOXES_CHILD_H

#include "box.h"

typedef int (*container_fn)(struct box *box);

/* Hold SIGINT/SIGTERM/SIGHUP/SIGQUIT until wait_container forwards them
 * to the running container: a Ctrl-C during set-up then can't interrupt
 * the runtime half-way, with a cgroup or state dir made and not removed.
 * Also ignores SIGPIPE, for the same reason. box_prepare (ready.h) calls it. */
void hold_signals(void);

/* Parent: clone(2) a child with these CLONE_NEW* flags (0 = a plain fork)
 * that runs fn(box) once released. Sets box->container_pid. 0 or -1. */
int start_container(struct box *box, int clone_flags, container_fn fn);

/* Child: block until the parent releases us. -1 if the parent gave up. */
int wait_for_parent(struct box *box);

/* Parent: let the child go on. 0 or -1. */
int release_container(struct box *box);

/* Parent: wait for the container, forwarding signals to it; returns the
 * exit code docker would give (the command's own, 128+N for signal N). */
int wait_container(struct box *box);

/* Parent: set-up failed after start_container; make the held child exit
 * and reap it. Safe to call when nothing was started. */
void abort_container(struct box *box);

/* A wait(2) status as a docker exit code. */
int exit_code_from_status(int wstatus);

#endif
