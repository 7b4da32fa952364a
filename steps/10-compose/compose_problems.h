/* compose_problems.h - step 10, inside the compose loader: how its parts
 * (compose_file.c, compose_check.c) record problems and own strings. Not
 * for the runtime: it reads project->problems. */
#ifndef BOXES_COMPOSE_PROBLEMS_H
#define BOXES_COMPOSE_PROBLEMS_H

#include "10-compose/compose_file.h"

/* An error at AT: "what is wrong — how to fix it", one line. */
void compose_error(struct compose_project *project, struct compose_at at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A warning: the file works, but not as its author may think. */
void compose_warning(struct compose_project *project, struct compose_at at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A copy of text that lives as long as the project. */
const char *compose_strdup(struct compose_project *project, const char *text);

/* Cross-service checks, after every service is read (compose_check.c):
 * depends_on names services that exist and makes no cycle; no host port
 * is published twice. */
void compose_check_project(struct compose_project *project);

#endif
