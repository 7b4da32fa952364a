/* image.h - an image of the store, pinned; and the verbs that show and
 * remove images (images, inspect, rmi).
 *
 *     struct stored_image image;
 *     if (stored_image_open(&store, "nginx:1.25", &image) < 0)
 *             return EXIT_BOXES_FAILED;      // the error is printed
 *     ... image.layers[0] is the bottom layer, image.layers[image.layer_count - 1]
 *     ... the top; image.config: the parsed config (diff_ids, Env, Cmd, ...)
 *     stored_image_close(&image);
 *
 * stored_image_open pins the image: it holds a shared flock(2) on the
 * image's directory (an O_CLOEXEC fd, so a container never inherits it)
 * until stored_image_close. rmi refuses to remove a pinned image, so none
 * of its layers goes away while it is in use. `run` takes it through
 * open_image (image_open.h), which keeps the pin for the container's life.
 */
#ifndef BOXES_IMAGE_H
#define BOXES_IMAGE_H

#include "09-image/manifest.h"
#include "09-image/store.h"

struct stored_image {
	char id[DIGEST_LEN]; /* "sha256:<config digest>" */
	char name[600]; /* "docker.io/library/nginx:1.25", or "" when opened by id */
	char **layers; /* absolute directories, bottom layer first, NULL-terminated */
	int layer_count;
	struct image_config config; /* Env, Entrypoint, Cmd, WorkingDir, User, diff_ids */
	int pin_fd; /* the shared flock on images/<id> */
};

/* Resolve reference (NAME[:TAG] or an id prefix) and pin the image.
 * 0, or -1 after printing one line. */
int stored_image_open(struct store *store, const char *reference, struct stored_image *image);
/* Unpin and free. Safe on a zeroed or already closed image. */
void stored_image_close(struct stored_image *image);

/* The verbs: each prints as docker does and returns an exit code. */
int images_list(struct store *store); /* REPOSITORY TAG IMAGE ID CREATED SIZE */
int image_inspect(struct store *store, const char *reference); /* JSON */
int image_remove(struct store *store, const char *reference); /* rmi */

/* "4.26MB", as docker prints sizes (3 digits, units of 1000). */
void human_size(long long bytes, char *out, size_t len);
/* "2 hours ago" for an RFC 3339 time, as docker prints CREATED. */
void format_age(const char *created, long long now, char *out, size_t len);

#endif
