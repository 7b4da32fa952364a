/* image.c - open (pin) an image for run; images, inspect, rmi. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

#include "09-image/image.h"
#include "09-image/reference.h"

static int pin_image(struct store *store, struct stored_image *image)
{
	char path[STORE_PATH_MAX];

	store_path(store, path, "images/%s", digest_hex(image->id));
	image->pin_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (image->pin_fd < 0 || flock(image->pin_fd, LOCK_SH) < 0)
		return box_syserr("flock", path);
	return 0;
}

/* The config says which layers, bottom first; each must be in the store. */
static int find_layers(struct store *store, struct stored_image *image)
{
	image->layers = calloc((size_t)image->config.diff_ids.count + 1, sizeof(char *));
	for (int i = 0; i < image->config.diff_ids.count; i++) {
		char path[STORE_PATH_MAX];
		const char *diff_id = image->config.diff_ids.items[i];

		if (layer_dir(store, diff_id, path) < 0 || !store_has_layer(store, diff_id)) {
			box_error(
			    "image %.19s: layer %s is missing from %s/layers: load the image again",
			    image->id, diff_id, store->root);
			return -1;
		}
		image->layers[image->layer_count++] = strdup(path);
	}
	return 0;
}

static int read_config(struct store *store, struct stored_image *image)
{
	char *json, err[256];
	size_t len;
	int result;

	if (image_config_read(store, image->id, &json, &len) < 0)
		return -1;
	result = parse_image_config(json, len, &image->config, err, sizeof(err));
	free(json);
	if (result < 0)
		box_error("image %.19s: its config in %s/images: %s", image->id, store->root, err);
	return result;
}

int stored_image_open(struct store *store, const char *reference, struct stored_image *image)
{
	int result;

	memset(image, 0, sizeof(*image));
	image->pin_fd = -1;
	/* Shared: an rmi (exclusive) can't slip between resolving and pinning. */
	if (store_lock(store, LOCK_SH) < 0)
		return -1;
	result = store_resolve(store, reference, image->id, image->name) < 0 ||
			 pin_image(store, image) < 0 || read_config(store, image) < 0 ||
			 find_layers(store, image) < 0
		     ? -1
		     : 0;
	store_lock(store, LOCK_UN);
	if (result < 0)
		stored_image_close(image);
	return result;
}

void stored_image_close(struct stored_image *image)
{
	if (image->pin_fd >= 0)
		close(image->pin_fd); /* the flock goes with it */
	image->pin_fd = -1;
	for (int i = 0; i < image->layer_count; i++)
		free(image->layers[i]);
	free(image->layers);
	image->layers = NULL;
	image->layer_count = 0;
	image_config_free(&image->config);
}

void human_size(long long bytes, char *out, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double size = (double)bytes;
	int unit = 0;

	while (size >= 1000 && unit < 5) {
		size /= 1000;
		unit++;
	}
	/* three significant digits, trailing zeros dropped: 4.26MB, 187MB, 1.2GB */
	snprintf(out, len, "%.3g%s", size, units[unit]);
}

/* RFC 3339 ("2024-05-01T12:34:56.123Z", "...+02:00") to seconds. */
static long long parse_time(const char *text)
{
	struct tm tm = {0};
	const char *rest = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	long long seconds;

	if (!rest)
		return -1;
	seconds = (long long)timegm(&tm);
	if (*rest == '.')
		rest += 1 + strspn(rest + 1, "0123456789");
	if ((*rest == '+' || *rest == '-') && strlen(rest) >= 6) {
		long long offset = atoi(rest + 1) * 3600LL + atoi(rest + 4) * 60LL;

		seconds += *rest == '+' ? -offset : offset;
	}
	return seconds;
}

/* docker's (go-units) HumanDuration, then " ago". */
void format_age(const char *created, long long now, char *out, size_t len)
{
	long long then = parse_time(created), seconds = now - then;
	long long minutes = seconds / 60, hours = (seconds + 1800) / 3600;

	if (then < 0 || seconds < 0)
		snprintf(out, len, "N/A");
	else if (seconds < 1)
		snprintf(out, len, "Less than a second ago");
	else if (seconds == 1)
		snprintf(out, len, "1 second ago");
	else if (seconds < 60)
		snprintf(out, len, "%lld seconds ago", seconds);
	else if (minutes == 1)
		snprintf(out, len, "About a minute ago");
	else if (minutes < 60)
		snprintf(out, len, "%lld minutes ago", minutes);
	else if (hours == 1)
		snprintf(out, len, "About an hour ago");
	else if (hours < 48)
		snprintf(out, len, "%lld hours ago", hours);
	else if (hours < 24 * 7 * 2)
		snprintf(out, len, "%lld days ago", hours / 24);
	else if (hours < 24 * 30 * 2)
		snprintf(out, len, "%lld weeks ago", hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(out, len, "%lld months ago", hours / 24 / 30);
	else
		snprintf(out, len, "%lld years ago", hours / 24 / 365);
}

static long long image_size(struct store *store, const struct image_config *config)
{
	long long size = 0;

	for (int i = 0; i < config->diff_ids.count; i++)
		size += layer_size(store, config->diff_ids.items[i]);
	return size;
}

struct image_row {
	char id[DIGEST_LEN];
	char repository[600];
	char tag[130];
	long long created;
	char age[64];
	char size[32];
};

static int by_newest(const void *a, const void *b)
{
	const struct image_row *left = a, *right = b;

	if (left->created != right->created)
		return left->created < right->created ? 1 : -1;
	return strcmp(left->repository, right->repository);
}

/* One row per tag, or one <none> row for an untagged image. */
static void add_rows(struct store *store, const char *id, const struct tag_index *index,
		     struct image_row **rows, int *count)
{
	struct image_config config;
	char *json, err[256];
	size_t len;
	bool tagged = false;

	if (image_config_read(store, id, &json, &len) < 0)
		return;
	if (parse_image_config(json, len, &config, err, sizeof(err)) < 0) {
		free(json);
		return;
	}
	for (int i = 0; i <= index->count; i++) {
		struct image_row *row;
		const char *colon;

		if (i < index->count && strcmp(index->tags[i].id, id) != 0)
			continue;
		if (i == index->count && tagged)
			break;
		*rows = realloc(*rows, sizeof(**rows) * (size_t)(*count + 1));
		row = &(*rows)[(*count)++];
		snprintf(row->id, sizeof(row->id), "%s", id);
		if (i < index->count) {
			char repository[600];

			colon = strrchr(index->tags[i].name, ':');
			snprintf(repository, sizeof(repository), "%.*s",
				 (int)(colon - index->tags[i].name), index->tags[i].name);
			snprintf(row->repository, sizeof(row->repository), "%s",
				 reference_familiar(repository));
			snprintf(row->tag, sizeof(row->tag), "%s", colon + 1);
			tagged = true;
		} else {
			strcpy(row->repository, "<none>");
			strcpy(row->tag, "<none>");
		}
		row->created = parse_time(config.created);
		format_age(config.created, (long long)time(NULL), row->age, sizeof(row->age));
		human_size(image_size(store, &config), row->size, sizeof(row->size));
	}
	image_config_free(&config);
	free(json);
}

int images_list(struct store *store)
{
	struct tag_index index;
	struct image_row *rows = NULL;
	char **ids;
	int count, row_count = 0;

	if (store_lock(store, LOCK_SH) < 0 || index_read(store, &index) < 0 ||
	    store_list_images(store, &ids, &count) < 0)
		return EXIT_BOXES_FAILED;
	for (int i = 0; i < count; i++) {
		add_rows(store, ids[i], &index, &rows, &row_count);
		free(ids[i]);
	}
	free(ids);
	index_free(&index);
	store_lock(store, LOCK_UN);
	qsort(rows, (size_t)row_count, sizeof(*rows), by_newest);
	printf("%-30s %-12s %-14s %-18s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	for (int i = 0; i < row_count; i++)
		printf("%-30s %-12s %-14.12s %-18s %s\n", rows[i].repository, rows[i].tag,
		       digest_hex(rows[i].id), rows[i].age, rows[i].size);
	free(rows);
	return 0;
}

/* docker inspect's shape: Id, RepoTags, Created, Config, RootFS, Size and
 * the overlay lowerdir the layers make (top first, as overlayfs wants). */
static json_t *inspect_json(struct store *store, const struct stored_image *image,
			    const struct tag_index *index, json_t *config_root)
{
	json_t *out = json_object(), *tags = json_array(), *layers = json_array();
	size_t lower_len = 1;
	char *lower;

	for (int i = 0; i < index->count; i++)
		if (strcmp(index->tags[i].id, image->id) == 0)
			json_array_append_new(tags,
					      json_string(reference_familiar(index->tags[i].name)));
	for (int i = 0; i < image->config.diff_ids.count; i++)
		json_array_append_new(layers, json_string(image->config.diff_ids.items[i]));
	for (int i = 0; i < image->layer_count; i++)
		lower_len += strlen(image->layers[i]) + 1;
	lower = calloc(1, lower_len);
	for (int i = image->layer_count - 1; i >= 0; i--) {
		strcat(lower, image->layers[i]);
		if (i > 0)
			strcat(lower, ":");
	}
	json_object_set_new(out, "Id", json_string(image->id));
	json_object_set_new(out, "RepoTags", tags);
	json_object_set(out, "Created", json_object_get(config_root, "created"));
	json_object_set(out, "Architecture", json_object_get(config_root, "architecture"));
	json_object_set(out, "Os", json_object_get(config_root, "os"));
	json_object_set(out, "Config", json_object_get(config_root, "config"));
	json_object_set_new(out, "RootFS",
			    json_pack("{s:s, s:o}", "Type", "layers", "Layers", layers));
	json_object_set_new(out, "Size", json_integer(image_size(store, &image->config)));
	json_object_set_new(
	    out, "GraphDriver",
	    json_pack("{s:s, s:{s:s}}", "Name", "overlay", "Data", "LowerDir", lower));
	free(lower);
	return out;
}

int image_inspect(struct store *store, const char *reference)
{
	struct stored_image image;
	struct tag_index index;
	json_t *config_root, *all;
	char *json, *text;
	size_t len;

	if (stored_image_open(store, reference, &image) < 0)
		return EXIT_BOXES_FAILED;
	if (store_lock(store, LOCK_SH) < 0 || index_read(store, &index) < 0 ||
	    image_config_read(store, image.id, &json, &len) < 0) {
		stored_image_close(&image);
		return EXIT_BOXES_FAILED;
	}
	store_lock(store, LOCK_UN);
	config_root = json_loadb(json, len, 0, NULL);
	all = json_array();
	json_array_append_new(all, inspect_json(store, &image, &index, config_root));
	text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	printf("%s\n", text);
	free(text);
	json_decref(all);
	json_decref(config_root);
	free(json);
	index_free(&index);
	stored_image_close(&image);
	return 0;
}

/* A running container holds a shared flock on the image (image_open). */
static bool image_is_pinned(struct store *store, const char *id)
{
	char path[STORE_PATH_MAX];
	int fd, pinned;

	store_path(store, path, "images/%s", digest_hex(id));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	pinned = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return pinned;
}

/* The tags that name id; by name, just that one. */
static int tags_to_remove(const struct tag_index *index, const char *id, const char *name,
			  const char *reference, struct string_list *doomed)
{
	int others = 0;

	if (*name) {
		string_list_add(doomed, name);
		return 0;
	}
	for (int i = 0; i < index->count; i++)
		if (strcmp(index->tags[i].id, id) == 0) {
			string_list_add(doomed, index->tags[i].name);
			others++;
		}
	if (others > 1) {
		box_error("rmi %s: image %.19s has %d tags: remove them by NAME:TAG", reference, id,
			  others);
		return -1;
	}
	return 0;
}

static int tags_left(const struct tag_index *index, const char *id)
{
	int count = 0;

	for (int i = 0; i < index->count; i++)
		count += strcmp(index->tags[i].id, id) == 0;
	return count;
}

static int remove_locked(struct store *store, const char *reference, struct tag_index *index)
{
	struct string_list doomed = {0};
	char id[DIGEST_LEN], name[600];
	int result = -1;

	if (store_resolve(store, reference, id, name) < 0 ||
	    tags_to_remove(index, id, name, reference, &doomed) < 0)
		goto out;
	if (tags_left(index, id) <= doomed.count && image_is_pinned(store, id)) {
		box_error("rmi %s: a running container uses image %.19s: stop it first", reference,
			  id);
		goto out;
	}
	for (int i = 0; i < doomed.count; i++) {
		index_remove(index, doomed.items[i]);
		printf("Untagged: %s\n", reference_familiar(doomed.items[i]));
	}
	if (index_write(store, index) < 0)
		goto out;
	result = 0;
	if (tags_left(index, id) == 0) {
		printf("Deleted: %s\n", id);
		result = store_remove_image(store, id);
	}
out:
	string_list_free(&doomed);
	return result;
}

int image_remove(struct store *store, const char *reference)
{
	struct tag_index index;
	int result;

	if (store_lock(store, LOCK_EX) < 0 || index_read(store, &index) < 0)
		return EXIT_BOXES_FAILED;
	result = remove_locked(store, reference, &index);
	index_free(&index);
	store_lock(store, LOCK_UN);
	return result < 0 ? EXIT_BOXES_FAILED : 0;
}
