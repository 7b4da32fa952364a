/* image_open.c - PLACEHOLDER until the image store lands: REF is a list of
 * layer directories, top first, separated by ':'; the config sets only
 * Cmd ["/bin/sh"]. Replaced by the store's lookup. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "09-image/image_open.h"
#include "log.h"

int open_image(const char *ref, struct opened_image *image)
{
	static char *cmd[] = {"/bin/sh", NULL};
	char *copy = strdup(ref), *saveptr = NULL, *dir;

	memset(image, 0, sizeof(*image));
	image->pin_fd = -1;
	if (!copy)
		return box_syserr("strdup", ref);
	image->owned = copy;
	for (dir = strtok_r(copy, ":", &saveptr); dir; dir = strtok_r(NULL, ":", &saveptr)) {
		if (image->layer_count >= BOX_MAX_LAYERS) {
			box_error("image %s: more than %d layers", ref, BOX_MAX_LAYERS);
			return -1;
		}
		image->layers[image->layer_count++] = dir;
	}
	image->config.cmd = cmd;
	return 0;
}

void close_image(struct opened_image *image)
{
	if (image->pin_fd >= 0)
		close(image->pin_fd);
	image->pin_fd = -1;
	free(image->owned);
	image->owned = NULL;
}
