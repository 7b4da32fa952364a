/* runtime.h - step 10: the runtime verbs of 10-compose. Each returns the
 * exit status (0, or 125 after one line saying why). */
#ifndef BOXES_RUNTIME_H
#define BOXES_RUNTIME_H

#include "10-compose/compose_file.h"

/* Which services a verb is about: names[0..count-1], or all with 0. */
struct service_filter {
	char **names;
	int count;
};

int compose_up(struct compose_project *project, int detach, const struct service_filter *only);
int compose_ps(const char *project, int all);
int compose_logs(const char *project, int follow, int timestamps,
		 const struct service_filter *only);
int compose_stop(const struct compose_project *project, int timeout_s,
		 const struct service_filter *only);
int compose_start(const struct compose_project *project, const struct service_filter *only);
/* volumes: down -v, also remove the named volumes the containers used and
 * those file names (file may be NULL: -p without a file). */
int compose_down(const char *project, int timeout_s, int volumes,
		 const struct compose_project *file);

#endif
