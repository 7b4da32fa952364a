/* setns.h - step 06: step into a container's namespace, and back. */
#ifndef BOXES_SETNS_H
#define BOXES_SETNS_H

#include <sys/types.h>

/* setns(2) into /proc/<pid>/ns/<kind> ("net", "mnt"; nstype CLONE_NEWNET,
 * CLONE_NEWNS), after opening our own /proc/self/ns/<kind> to come back
 * by. Returns that fd, for leave_namespace; -1 after one line (we are
 * where we were, nothing left open). */
int enter_namespace(pid_t pid, const char *kind, int nstype);

/* setns(2) back into home (enter_namespace's fd), and close it. Dies when
 * it cannot: every later action, the clean-up too, would act inside the
 * container. */
void leave_namespace(int home, const char *kind, int nstype);

#endif
