/* unit_boxes_run.h - a temporary BOXES_RUN for a group of unit tests:
 *
 *     cmocka_run_group_tests(tests, make_boxes_run, remove_boxes_run);
 *
 * remove_boxes_run fails the group if a test left anything in it. */
#ifndef BOXES_UNIT_BOXES_RUN_H
#define BOXES_UNIT_BOXES_RUN_H

#include <stdlib.h>
#include <unistd.h>

static char boxes_run[] = "/tmp/boxes-unit-XXXXXX";

static int make_boxes_run(void **state)
{
	(void)state;
	if (!mkdtemp(boxes_run))
		return -1;
	return setenv("BOXES_RUN", boxes_run, 1);
}

static int remove_boxes_run(void **state)
{
	(void)state;
	return rmdir(boxes_run); /* fails if a test left something behind */
}

#endif
