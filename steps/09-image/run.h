/* run.h - `09-image run [OPTIONS] NAME[:TAG] [COMMAND [ARG...]]`: step 08's
 * container with the image's layers as its overlay lower layers and its
 * config applied. argv[0] is "run". Returns the exit code (the command's,
 * or 125 when boxes failed). The image comes from image_open (image.h),
 * which pins it for the container's lifetime. */
#ifndef BOXES_RUN_H
#define BOXES_RUN_H

#include "09-image/store.h"

int run_image(struct store *store, int argc, char **argv);

#endif
