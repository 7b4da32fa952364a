/* run.c - placeholder: the lead writes `run` (see run.h). */
#include <stdio.h>

#include "log.h"

#include "09-image/run.h"

int run_image(struct store *store, int argc, char **argv)
{
	(void)store;
	(void)argc;
	(void)argv;
	box_error("run: not written yet");
	return EXIT_BOXES_FAILED;
}
