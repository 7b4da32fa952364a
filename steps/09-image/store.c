/* store.c - the content-addressed image store (see store.h).
 *
 * The rules that keep it consistent with several boxes running at once:
 * - a reader takes flock(LOCK_SH) on BOXES_ROOT/lock, a writer LOCK_EX:
 *   flock(2) locks belong to the open file, so they end when the process
 *   does, even on SIGKILL, and never outlive their owner;
 * - a file another process reads is written whole (tmp, fsync, rename(2):
 *   rename replaces the name in one step, see rename(2) "atomically");
 * - a directory appears by rename of a finished directory from tmp/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "state.h"

#include "03-cgroups/files.h"
#include "09-image/manifest.h"
#include "09-image/reference.h"
#include "09-image/store.h"

const char *store_root(void)
{
	const char *root = getenv("BOXES_ROOT");

	return root && *root ? root : "/var/lib/boxes";
}

int store_path(const struct store *store, char *out, const char *fmt, ...)
{
	char rel[STORE_PATH_MAX];
	va_list args;
	int len;

	va_start(args, fmt);
	len = vsnprintf(rel, sizeof(rel), fmt, args);
	va_end(args);
	if (len < 0 || (size_t)len >= sizeof(rel))
		return -1;
	return path_join(out, STORE_PATH_MAX, store->root, rel);
}

int store_open(struct store *store)
{
	const char *root = store_root();
	static const char *const subdirs[] = {"images", "layers", "tmp"};
	char path[STORE_PATH_MAX];

	store->lock_fd = -1;
	/* 0700: layers keep the image's own owners and setuid bits; no host
	 * user should reach them except through a container. */
	if (make_dir(root, 0700, true) < 0)
		return -1;
	if (!realpath(root, store->root))
		return box_syserr("realpath", root);
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++)
		if (store_path(store, path, "%s", subdirs[i]) < 0 || make_dir(path, 0700, true) < 0)
			return -1;
	store_path(store, path, "lock");
	store->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (store->lock_fd < 0)
		return box_syserr("open", path);
	return 0;
}

void store_close(struct store *store)
{
	if (store->lock_fd >= 0)
		close(store->lock_fd);
	store->lock_fd = -1;
}

int store_lock(struct store *store, int how)
{
	while (flock(store->lock_fd, how) < 0)
		if (errno != EINTR)
			return box_syserr("flock", store->root);
	return 0;
}

/* mkdtemp, then flock. Between the two, a sweep in another process may
 * take the free lock and remove the new directory: then our flock waits
 * until it is done, and the directory we hold has no name left (st_nlink
 * 0). We try again with a new one. No clock, no lock of the whole store. */
int store_make_temp(struct store *store, const char *what, char out[STORE_PATH_MAX], int *lock_fd)
{
	for (int attempt = 0; attempt < 10; attempt++) {
		struct stat st;

		if (store_path(store, out, "tmp/%s-XXXXXX", what) < 0 || !mkdtemp(out))
			return box_syserr("mkdtemp", out);
		*lock_fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*lock_fd < 0 && errno == ENOENT)
			continue; /* swept already */
		if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX) < 0 || fstat(*lock_fd, &st) < 0)
			return box_syserr("flock", out);
		if (st.st_nlink > 0)
			return 0;
		close(*lock_fd);
	}
	box_error("mkdtemp %s: swept away ten times: is something removing %s/tmp?", out,
		  store->root);
	return -1;
}

void store_sweep_temp(struct store *store)
{
	char tmp[STORE_PATH_MAX], path[STORE_PATH_MAX];
	struct dirent *entry;
	DIR *dir;

	store_path(store, tmp, "tmp");
	dir = opendir(tmp);
	if (!dir)
		return;
	while ((entry = readdir(dir))) {
		int fd;

		if (entry->d_name[0] == '.' ||
		    path_join(path, sizeof(path), tmp, entry->d_name) < 0)
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		/* Free lock: its load or rmi died (SIGKILL, a crash). */
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
			remove_tree(path);
		if (fd >= 0)
			close(fd);
	}
	closedir(dir);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t done = write(fd, data, len);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return -1;
		data += done;
		len -= (size_t)done;
	}
	return 0;
}

int store_write_file(const char *path, const char *data, size_t len)
{
	char tmp[STORE_PATH_MAX + 32];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return box_syserr("open", tmp);
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		box_syserr("write", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		box_syserr("rename", tmp);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int store_read_file(const char *path, size_t max, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t got;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	*data = malloc((size_t)st.st_size + 1);
	got = read(fd, *data, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		free(*data);
		errno = EIO;
		return -1;
	}
	(*data)[got] = '\0';
	*len = (size_t)got;
	return 0;
}

int index_read(struct store *store, struct tag_index *index)
{
	char path[STORE_PATH_MAX];
	json_error_t error;
	json_t *root, *tags, *value;
	const char *name;

	memset(index, 0, sizeof(*index));
	store_path(store, path, "index.json");
	if (access(path, F_OK) < 0)
		return 0;
	root = json_load_file(path, 0, &error);
	tags = json_object_get(root, "tags");
	if (!json_is_object(tags)) {
		box_error("read %s: %s: restore it or remove it and load the images again", path,
			  root ? "no \"tags\" object" : error.text);
		json_decref(root);
		return -1;
	}
	json_object_foreach(tags, name, value)
	{
		if (digest_is_valid(json_string_value(value)))
			index_set(index, name, json_string_value(value));
	}
	json_decref(root);
	return 0;
}

int index_write(struct store *store, const struct tag_index *index)
{
	char path[STORE_PATH_MAX], *text;
	json_t *root = json_object(), *tags = json_object();
	int result;

	for (int i = 0; i < index->count; i++)
		json_object_set_new(tags, index->tags[i].name, json_string(index->tags[i].id));
	json_object_set_new(root, "tags", tags);
	/* Sorted and indented: a learner can cat it. */
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	store_path(store, path, "index.json");
	result = store_write_file(path, text, strlen(text));
	free(text);
	return result;
}

void index_set(struct tag_index *index, const char *name, const char *id)
{
	for (int i = 0; i < index->count; i++)
		if (strcmp(index->tags[i].name, name) == 0) {
			snprintf(index->tags[i].id, DIGEST_LEN, "%s", id);
			return;
		}
	index->tags = realloc(index->tags, sizeof(struct tag) * (size_t)(index->count + 1));
	index->tags[index->count].name = strdup(name);
	snprintf(index->tags[index->count].id, DIGEST_LEN, "%s", id);
	index->count++;
}

void index_remove(struct tag_index *index, const char *name)
{
	for (int i = 0; i < index->count; i++)
		if (strcmp(index->tags[i].name, name) == 0) {
			free(index->tags[i].name);
			index->tags[i] = index->tags[--index->count];
			return;
		}
}

void index_free(struct tag_index *index)
{
	for (int i = 0; i < index->count; i++)
		free(index->tags[i].name);
	free(index->tags);
	memset(index, 0, sizeof(*index));
}

int layer_dir(const struct store *store, const char *diff_id, char out[STORE_PATH_MAX])
{
	return store_path(store, out, "layers/%s/diff", digest_hex(diff_id));
}

bool store_has_layer(const struct store *store, const char *diff_id)
{
	char path[STORE_PATH_MAX];
	struct stat st;

	return layer_dir(store, diff_id, path) == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

long long layer_size(const struct store *store, const char *diff_id)
{
	char path[STORE_PATH_MAX], *text = NULL;
	size_t len;
	long long size = 0;

	store_path(store, path, "layers/%s/size", digest_hex(diff_id));
	if (store_read_file(path, 64, &text, &len) == 0)
		size = atoll(text);
	free(text);
	return size;
}

bool store_has_image(const struct store *store, const char *id)
{
	char path[STORE_PATH_MAX];

	return store_path(store, path, "images/%s/config.json", digest_hex(id)) == 0 &&
	       access(path, F_OK) == 0;
}

int image_config_read(const struct store *store, const char *id, char **json, size_t *len)
{
	char path[STORE_PATH_MAX];

	store_path(store, path, "images/%s/config.json", digest_hex(id));
	if (store_read_file(path, JSON_MAX, json, len) < 0)
		return box_syserr("read", path);
	return 0;
}

int store_add_layer(struct store *store, const char *extracted, const char *diff_id)
{
	char path[STORE_PATH_MAX];

	store_path(store, path, "layers/%s", digest_hex(diff_id));
	if (rename(extracted, path) == 0)
		return 0;
	if (errno == EEXIST || errno == ENOTEMPTY) /* the same content, by its name */
		return remove_tree(extracted);
	return box_syserr("rename", path);
}

int store_add_image(struct store *store, const char *id, const char *config, size_t len)
{
	char tmp[STORE_PATH_MAX], file[STORE_PATH_MAX], path[STORE_PATH_MAX];
	int lock_fd, result = -1;

	if (store_has_image(store, id))
		return 0;
	if (store_make_temp(store, "image", tmp, &lock_fd) < 0)
		return -1;
	path_join(file, sizeof(file), tmp, "config.json");
	store_path(store, path, "images/%s", digest_hex(id));
	if (store_write_file(file, config, len) == 0) {
		chmod(tmp, 0755);
		if (rename(tmp, path) == 0)
			result = 0;
		else
			box_syserr("rename", path);
	}
	close(lock_fd);
	if (result < 0)
		remove_tree(tmp);
	return result;
}

int store_list_images(const struct store *store, char ***ids, int *count)
{
	char path[STORE_PATH_MAX];
	struct dirent *entry;
	DIR *dir;

	*ids = NULL;
	*count = 0;
	store_path(store, path, "images");
	dir = opendir(path);
	if (!dir)
		return box_syserr("opendir", path);
	while ((entry = readdir(dir))) {
		char id[DIGEST_LEN];

		if (strlen(entry->d_name) != 64)
			continue;
		snprintf(id, sizeof(id), "sha256:%.64s", entry->d_name);
		if (!digest_is_valid(id) || !store_has_image(store, id))
			continue;
		*ids = realloc(*ids, sizeof(char *) * (size_t)(*count + 1));
		(*ids)[(*count)++] = strdup(id);
	}
	closedir(dir);
	return 0;
}

static void free_ids(char **ids, int count)
{
	for (int i = 0; i < count; i++)
		free(ids[i]);
	free(ids);
}

/* An id or a unique prefix of one ("3f2a", "sha256:3f2a..."). */
static int resolve_id_prefix(struct store *store, const char *text, char id[DIGEST_LEN])
{
	const char *prefix = strncmp(text, "sha256:", 7) == 0 ? text + 7 : text;
	char **ids;
	int count, matches = 0;

	if (store_list_images(store, &ids, &count) < 0)
		return -1;
	for (int i = 0; i < count; i++)
		if (strncmp(digest_hex(ids[i]), prefix, strlen(prefix)) == 0) {
			snprintf(id, DIGEST_LEN, "%s", ids[i]);
			matches++;
		}
	free_ids(ids, count);
	if (matches > 1) {
		box_error("image id prefix %s matches %d images: give more digits", text, matches);
		return -1;
	}
	return matches == 1 ? 0 : 1;
}

int store_resolve(struct store *store, const char *text, char id[DIGEST_LEN], char full_name[600])
{
	struct reference ref;
	struct tag_index index;
	char err[256];
	int found;

	full_name[0] = '\0';
	if (reference_parse(text, &ref, err, sizeof(err)) == 0) {
		if (index_read(store, &index) < 0)
			return -1;
		reference_format(&ref, full_name, 600);
		for (int i = 0; i < index.count; i++)
			if (strcmp(index.tags[i].name, full_name) == 0) {
				snprintf(id, DIGEST_LEN, "%s", index.tags[i].id);
				index_free(&index);
				return 0;
			}
		index_free(&index);
		full_name[0] = '\0';
	}
	if (reference_is_id_prefix(text)) {
		found = resolve_id_prefix(store, text, id);
		if (found <= 0)
			return found;
	}
	box_error(
	    "no such image: %s (09-image images lists them; load one with 09-image load -i FILE)",
	    text);
	return -1;
}

/* Is diff_id a layer of another image than except? */
static bool layer_in_use(struct store *store, const char *diff_id, const char *except)
{
	char **ids;
	int count;
	bool used = false;

	if (store_list_images(store, &ids, &count) < 0)
		return true; /* when in doubt, keep it */
	for (int i = 0; i < count && !used; i++) {
		struct image_config config;
		char *json, err[256];
		size_t len;

		if (strcmp(ids[i], except) == 0 ||
		    image_config_read(store, ids[i], &json, &len) < 0)
			continue;
		if (parse_image_config(json, len, &config, err, sizeof(err)) == 0) {
			for (int j = 0; j < config.diff_ids.count; j++)
				used = used || strcmp(config.diff_ids.items[j], diff_id) == 0;
			image_config_free(&config);
		} else {
			used = true; /* an unreadable config: keep what it may use */
		}
		free(json);
	}
	free_ids(ids, count);
	return used;
}

/* Take DIR out of the store in one rename, into a flocked tmp/ dir, then
 * delete it: a crash in between leaves a tmp/ entry for the sweep, never
 * half a layer under layers/. */
static int remove_dir_from_store(struct store *store, const char *dir, const char *what)
{
	char doomed[STORE_PATH_MAX], inside[STORE_PATH_MAX];
	int lock_fd, result;

	if (store_make_temp(store, what, doomed, &lock_fd) < 0)
		return -1;
	path_join(inside, sizeof(inside), doomed, "gone");
	result = rename(dir, inside) < 0 ? box_syserr("rename", dir) : 0;
	remove_tree(doomed);
	close(lock_fd);
	return result;
}

int store_remove_image(struct store *store, const char *id)
{
	struct image_config config;
	char path[STORE_PATH_MAX], *json, err[256];
	size_t len;
	int result;

	if (image_config_read(store, id, &json, &len) < 0)
		return -1;
	result = parse_image_config(json, len, &config, err, sizeof(err));
	free(json);
	store_path(store, path, "images/%s", digest_hex(id));
	if (remove_dir_from_store(store, path, "rmi") < 0) {
		if (result == 0)
			image_config_free(&config);
		return -1;
	}
	if (result < 0)
		return 0; /* its layers stay: we can't tell which they are */
	for (int i = 0; i < config.diff_ids.count; i++) {
		const char *diff_id = config.diff_ids.items[i];

		if (layer_in_use(store, diff_id, id) ||
		    store_path(store, path, "layers/%s", digest_hex(diff_id)) < 0 ||
		    access(path, F_OK) < 0)
			continue;
		if (remove_dir_from_store(store, path, "rmi") == 0)
			printf("Deleted: %s\n", diff_id);
	}
	image_config_free(&config);
	return 0;
}
