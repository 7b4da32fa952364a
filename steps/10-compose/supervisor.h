/* supervisor.h - step 10: the small process that holds one container
 * (the role conmon plays for podman). */
#ifndef BOXES_SUPERVISOR_H
#define BOXES_SUPERVISOR_H

#include <sys/types.h>

#include "box.h"

#include "06-net-namespace/subnet.h"
#include "10-compose/compose_file.h"

/* What up knows of the project when it starts a supervisor. */
struct project_net {
	struct box run; /* the project's own run: BOXES_RUN/<id> */
	int run_lock; /* flock(LOCK_SH) on BOXES_RUN/<id>/lock: every supervisor of the
		       * project holds it (inherited from up), so the sweeper leaves the
		       * network alone until the last of them is gone; -1 when not held */
	struct subnet subnet; /* the leased /24 */
	char bridge[16]; /* bxp<id> */
	char dir[4096]; /* BOXES_RUN/compose/<project> */
	char hosts[16384]; /* /etc/hosts of every container: every service, every name */
};

/* One container: what its supervisor needs. */
struct supervised {
	const struct compose_project *project;
	const struct compose_service *service;
	struct project_net *net;
	char cidr[20], ip[16]; /* its address on the bridge */
	int start_order; /* its place in the depends_on order */
};

/* Fork the supervisor of one container (setsid, detached) and wait until
 * it has started the container or failed. 0, or -1 after one line saying
 * why (the supervisor's own message). *pid: the supervisor. It keeps none of our files but
 * 0-2 and the project's locks (one->net). */
int supervisor_spawn(struct supervised *one, pid_t *pid);

/* Signals another process sends a supervisor (sigqueue(3), the value is a
 * stop timeout in seconds; 0: 10 s): */
#define SUPERVISOR_STOP SIGUSR1 /* stop the container, keep it (compose stop) */
#define SUPERVISOR_START SIGUSR2 /* start it again (compose start) */
#define SUPERVISOR_REMOVE SIGTERM /* stop it and remove everything (compose down) */

#endif
