/* namespaces.h - step 02: PID, mount, UTS and IPC namespaces. */
#ifndef BOXES_NAMESPACES_H
#define BOXES_NAMESPACES_H

#include <sched.h> /* CLONE_NEW* */

#include "box.h"

/* The namespaces step 02 asks clone(2) for. */
#define NAMESPACES_02 (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC)

/* mount --make-rprivate /: nothing mounted in here propagates to the host. */
int make_mounts_private(void);

/* A fresh procfs at /proc (inside the new root): it shows our PID
 * namespace only. nosuid, noexec, nodev. */
int mount_proc(void);

/* sethostname(2) in our own UTS namespace. */
int set_hostname(const struct box *box);

#endif
