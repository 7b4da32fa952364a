/* image_open.c - what `run` takes from the store (see image_open.h): the
 * image resolved as docker resolves names, pinned (stored_image_open), its
 * layers turned top first, as overlayfs's lowerdir lists them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#include "09-image/image.h"
#include "09-image/image_open.h"
#include "09-image/store.h"

/* NULL when the image does not set the list, as run_config.h wants. */
static char **list_or_null(const struct string_list *list)
{
	return list->count > 0 ? list->items : NULL;
}

int open_image(const char *ref, struct opened_image *image)
{
	struct stored_image *stored = calloc(1, sizeof(*stored));
	struct store store;
	int result;

	memset(image, 0, sizeof(*image));
	image->pin_fd = -1;
	if (!stored)
		return box_syserr("calloc", ref);
	result = store_open(&store) < 0 ? -1 : stored_image_open(&store, ref, stored);
	store_close(&store); /* the pin is a lock of its own */
	if (result == 0 && stored->layer_count > BOX_MAX_LAYERS) {
		box_error("image %s: %d layers, more than boxes stacks (%d)", ref,
			  stored->layer_count, BOX_MAX_LAYERS);
		stored_image_close(stored);
		result = -1;
	}
	if (result < 0) {
		free(stored);
		return -1;
	}
	snprintf(image->id, sizeof(image->id), "%s", stored->id);
	for (int i = 0; i < stored->layer_count; i++)
		image->layers[i] = stored->layers[stored->layer_count - 1 - i]; /* top first */
	image->layer_count = stored->layer_count;
	image->config.env = list_or_null(&stored->config.env);
	image->config.entrypoint = list_or_null(&stored->config.entrypoint);
	image->config.cmd = list_or_null(&stored->config.cmd);
	image->config.working_dir = stored->config.working_dir;
	image->config.user = stored->config.user;
	image->pin_fd = stored->pin_fd;
	image->owned = stored;
	return 0;
}

void close_image(struct opened_image *image)
{
	struct stored_image *stored = image->owned;

	if (stored)
		stored_image_close(stored); /* closes pin_fd: the flock goes with it */
	else if (image->pin_fd >= 0)
		close(image->pin_fd);
	free(stored);
	memset(image, 0, sizeof(*image));
	image->pin_fd = -1;
}
