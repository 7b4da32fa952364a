/* save.h - write an image of the store as a docker-save archive. */
#ifndef BOXES_SAVE_H
#define BOXES_SAVE_H

#include "09-image/store.h"

/* `09-image save -o FILE NAME[:TAG]`. Exit code. */
int save_image(struct store *store, const char *output, const char *reference);

#endif
