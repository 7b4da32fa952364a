/* healthcheck.h - step 10: a service's healthcheck, run inside its
 * container. */
#ifndef BOXES_HEALTHCHECK_H
#define BOXES_HEALTHCHECK_H

#include <sys/types.h>

#include "box.h"

#include "10-compose/compose_file.h"

/* docker's defaults when the file does not say. */
#define HEALTH_INTERVAL_NS 30000000000LL
#define HEALTH_TIMEOUT_NS 30000000000LL
#define HEALTH_RETRIES 3

/* Fork a probe: it joins the container (its cgroup; every namespace,
 * setns(2) on its pidfd; its no_new_privs, capabilities, user and seccomp
 * filter) and runs the test there, killed after the timeout. The probe's
 * pid, whose exit status is the test's (0: healthy), or -1. */
pid_t health_probe_start(struct box *container, int container_pidfd,
			 const struct compose_healthcheck *check);

#endif
