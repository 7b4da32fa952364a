/* load.h - load a docker-save or OCI archive into the store; import a
 * plain rootfs tar as a one-layer image. */
#ifndef BOXES_LOAD_H
#define BOXES_LOAD_H

#include "09-image/store.h"

/* `09-image load [-i FILE]`: FILE, or stdin when NULL. Exit code. */
int load_archive(struct store *store, const char *input);

/* `09-image import FILE NAME[:TAG]`, as docker import. Exit code. */
int import_rootfs(struct store *store, const char *input, const char *name);

#endif
