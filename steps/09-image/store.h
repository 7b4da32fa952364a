/* store.h - the local image store, BOXES_ROOT (default /var/lib/boxes).
 *
 *     BOXES_ROOT/
 *       lock                   flock: shared to read, exclusive to change
 *       index.json             {"tags": {"docker.io/library/nginx:1.25": "sha256:<id>"}}
 *       images/<id>/config.json   the image config, byte for byte; <id> is its SHA-256
 *       layers/<diff_id>/diff/    one layer, extracted once, shared by every image
 *       layers/<diff_id>/size     the bytes its files take, for `images`
 *       tmp/                   work of loads in progress (each flocked by its owner)
 *
 * Everything is named by content: a second load of a known image finds its
 * layers already there and extracts nothing; two images with the same base
 * share its directory. New things appear by rename(2) only, under the
 * exclusive lock, so a reader never sees half a layer or half an index, and
 * a load killed at any moment leaves only a tmp/ entry that the next load
 * sweeps.
 */
#ifndef BOXES_STORE_H
#define BOXES_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "09-image/digest.h"

#define STORE_PATH_MAX 4096

struct store {
	char root[STORE_PATH_MAX]; /* absolute */
	int lock_fd; /* BOXES_ROOT/lock */
};

/* BOXES_ROOT, or /var/lib/boxes. */
const char *store_root(void);

/* Make (if needed) and open the store. 0 or -1 (after saying why). */
int store_open(struct store *store);
void store_close(struct store *store);

/* flock(2) the whole store: LOCK_SH to read the index, LOCK_EX to change
 * it, LOCK_UN. Blocks until granted. */
int store_lock(struct store *store, int how);

/* STORE_ROOT/rel/name... into out. 0 or -1 when it would not fit. */
int store_path(const struct store *store, char *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A private work directory BOXES_ROOT/tmp/WHAT-XXXXXX, flocked for as
 * long as *lock_fd stays open: the sweep leaves it alone meanwhile. */
int store_make_temp(struct store *store, const char *what, char out[STORE_PATH_MAX], int *lock_fd);
/* Remove the tmp/ entries whose owner is gone (their flock is free). */
void store_sweep_temp(struct store *store);

/* Write PATH whole or not at all: PATH.tmp, fsync, rename. 0 or -1. */
int store_write_file(const char *path, const char *data, size_t len);
/* Read a whole small file (at most max bytes) into *data (NUL-terminated,
 * free it). 0, or -1 with errno set. */
int store_read_file(const char *path, size_t max, char **data, size_t *len);

/* The tags of the store. */
struct tag {
	char *name; /* "docker.io/library/nginx:1.25" */
	char id[DIGEST_LEN]; /* "sha256:<config digest>" */
};
struct tag_index {
	struct tag *tags;
	int count;
};
/* Read index.json (an empty index when there is none yet). Hold the lock. */
int index_read(struct store *store, struct tag_index *index);
/* Write it whole (tmp + fsync + rename). Hold the lock exclusively. */
int index_write(struct store *store, const struct tag_index *index);
void index_set(struct tag_index *index, const char *name, const char *id);
void index_remove(struct tag_index *index, const char *name);
void index_free(struct tag_index *index);

/* Layers and images by digest. */
int layer_dir(const struct store *store, const char *diff_id, char out[STORE_PATH_MAX]);
bool store_has_layer(const struct store *store, const char *diff_id);
long long layer_size(const struct store *store, const char *diff_id);
bool store_has_image(const struct store *store, const char *id);
/* The config of image id (its bytes, NUL-terminated; free it). */
int image_config_read(const struct store *store, const char *id, char **json, size_t *len);

/* Move an extracted layer (a directory holding diff/ and size) into
 * layers/<diff_id>. Already there (another load won the race) is fine:
 * ours is removed. Hold the lock exclusively. */
int store_add_layer(struct store *store, const char *extracted, const char *diff_id);
/* Write images/<id>/config.json through a temporary dir. Exclusive lock. */
int store_add_image(struct store *store, const char *id, const char *config, size_t len);

/* Every image id in the store, into ids (free each and the array). */
int store_list_images(const struct store *store, char ***ids, int *count);

/* TEXT -> image id, as docker resolves: a name (bare means :latest), else
 * an id or a unique prefix of one. full_name gets "name:tag" when it was a
 * name, "" for an id. Hold the lock. 0, or -1 after saying why. */
int store_resolve(struct store *store, const char *text, char id[DIGEST_LEN], char full_name[600]);

/* Delete image id and every layer that no other image uses. Exclusive
 * lock; the caller has checked the image is not pinned (image.h). */
int store_remove_image(struct store *store, const char *id);

#endif
