/* image_open.h - step 09: what `run` takes from the image store. */
#ifndef BOXES_IMAGE_OPEN_H
#define BOXES_IMAGE_OPEN_H

#include "box.h"
#include "09-image/run_config.h"

struct opened_image {
	char id[72]; /* "sha256:<config digest>" */
	const char *layers[BOX_MAX_LAYERS]; /* extracted layer dirs, top first */
	int layer_count;
	struct image_run_config config; /* Env, Entrypoint, Cmd, WorkingDir, User */
	int pin_fd; /* held while the container runs: rmi keeps its layers */
	void *owned; /* what the strings above point into */
};

/* Resolve REF (name[:tag], or an id prefix) in the store (BOXES_ROOT) and
 * pin it. 0, or -1 after one line (e.g. "no such image: x; load it with
 * 09-image load"). */
int open_image(const char *ref, struct opened_image *image);

/* Unpin and free. No-op on a zeroed struct. */
void close_image(struct opened_image *image);

#endif
