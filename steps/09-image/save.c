/* save.c - `09-image save`: the store's image as a docker-save archive
 * (the classic layout every docker and podman loads):
 *
 *     <diff_id>/layer.tar      one per layer, bottom first
 *     <config digest>.json     the config, with these layers' diff_ids
 *     manifest.json            [{"Config", "RepoTags", "Layers"}]
 *     repositories             {"name": {"tag": "<top layer>"}}
 *
 * The store keeps each layer as a directory, not as the tar it came in.
 * So each layer tar is written anew from its directory, in a fixed order
 * (names sorted, no access or change times), and its whiteouts turned back
 * into .wh. files. Its bytes, and so its diff_id, are not those of the
 * archive it was loaded from, and the config must list the new ones: a
 * saved image gets a new id. (docker keeps a "tar-split" record of every
 * header to rebuild the original bytes; we keep less and say so.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "log.h"
#include "state.h"

#include "09-image/extract.h"
#include "09-image/image.h"
#include "09-image/reference.h"
#include "09-image/save.h"

/* A layer tar being written to a file and hashed on the way. */
struct layer_file {
	int fd;
	struct sha256 hash;
};

static la_ssize_t write_hashed(struct archive *archive, void *data, const void *buffer, size_t len)
{
	struct layer_file *file = data;
	ssize_t done = write(file->fd, buffer, len);

	if (done < 0) {
		archive_set_error(archive, errno, "write: %s", strerror(errno));
		return -1;
	}
	sha256_add(&file->hash, buffer, (size_t)done);
	return done;
}

static int copy_file_data(struct archive *tar, const char *path)
{
	char buffer[64 * 1024];
	ssize_t got;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return box_syserr("open", path);
	while ((got = read(fd, buffer, sizeof(buffer))) > 0)
		if (archive_write_data(tar, buffer, (size_t)got) != got) {
			box_error("save: write %s: %s", path, archive_error_string(tar));
			close(fd);
			return -1;
		}
	close(fd);
	return got < 0 ? box_syserr("read", path) : 0;
}

/* An empty regular file NAME: how a tar says "whiteout" or "opaque". */
static int write_marker(struct archive *tar, const char *name, const struct stat *st)
{
	struct archive_entry *entry = archive_entry_new();
	int result;

	archive_entry_set_pathname(entry, name);
	archive_entry_set_filetype(entry, AE_IFREG);
	archive_entry_set_perm(entry, 0644);
	archive_entry_set_size(entry, 0);
	archive_entry_set_mtime(entry, st->st_mtim.tv_sec, 0);
	result = archive_write_header(tar, entry) == ARCHIVE_OK ? 0 : -1;
	if (result < 0)
		box_error("save: %s: %s", name, archive_error_string(tar));
	archive_entry_free(entry);
	return result;
}

struct tree_writer {
	struct archive *tar, *disk;
	struct archive_entry_linkresolver *links;
	const char *root;
};

static int write_tree(struct tree_writer *w, const char *rel);

static bool is_opaque(const char *path)
{
	char value[4] = "";

	return lgetxattr(path, "trusted.overlay.opaque", value, sizeof(value)) == 1 &&
	       value[0] == 'y';
}

static int write_one(struct tree_writer *w, const char *rel, const char *name)
{
	char path[4096], full[8192];
	struct archive_entry *entry, *spare = NULL;
	struct stat st;
	int result = 0;

	if (*rel ? path_join(path, sizeof(path), rel, name) < 0
		 : snprintf(path, sizeof(path), "%s", name) >= (int)sizeof(path))
		return -1;
	if (path_join(full, sizeof(full), w->root, path) < 0)
		return -1;
	if (lstat(full, &st) < 0)
		return box_syserr("lstat", full);
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) { /* an overlay whiteout */
		snprintf(full, sizeof(full), "%s%s.wh.%s", rel, *rel ? "/" : "", name);
		return write_marker(w->tar, full, &st);
	}
	entry = archive_entry_new();
	archive_entry_copy_sourcepath(entry, full);
	archive_read_disk_entry_from_file(w->disk, entry, -1, &st);
	archive_entry_set_pathname(entry, path);
	archive_entry_unset_atime(entry); /* the same directory, the same bytes */
	archive_entry_unset_ctime(entry);
	archive_entry_unset_birthtime(entry);
	drop_overlay_xattrs(entry);
	archive_entry_linkify(w->links, &entry, &spare);
	if (entry && archive_write_header(w->tar, entry) != ARCHIVE_OK) {
		box_error("save: %s: %s", full, archive_error_string(w->tar));
		result = -1;
	} else if (entry && S_ISREG(st.st_mode) && archive_entry_size(entry) > 0) {
		result = copy_file_data(w->tar, full);
	}
	archive_entry_free(entry);
	archive_entry_free(spare);
	if (result == 0 && S_ISDIR(st.st_mode)) {
		if (is_opaque(full)) {
			result = path_join(full, sizeof(full), path, ".wh..wh..opq");
			if (result == 0)
				result = write_marker(w->tar, full, &st);
		}
		if (result == 0)
			result = write_tree(w, path);
	}
	return result;
}

/* Every entry below root/rel, sorted by name, depth first. */
static int write_tree(struct tree_writer *w, const char *rel)
{
	char dir[8192];
	struct dirent **names;
	int count, result = 0;

	snprintf(dir, sizeof(dir), "%s%s%s", w->root, *rel ? "/" : "", rel);
	count = scandir(dir, &names, NULL, alphasort);
	if (count < 0)
		return box_syserr("scandir", dir);
	for (int i = 0; i < count; i++) {
		const char *name = names[i]->d_name;

		if (result == 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
			result = write_one(w, rel, name);
		free(names[i]);
	}
	free(names);
	return result;
}

/* Layer dir -> tar file in work, hashed: its diff_id and size. */
static int tar_layer(const char *layer, const char *file_path, char diff_id[DIGEST_LEN])
{
	struct layer_file file;
	struct tree_writer w = {.root = layer};
	int result = -1;

	file.fd = open(file_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (file.fd < 0)
		return box_syserr("open", file_path);
	if (sha256_start(&file.hash) < 0) {
		close(file.fd);
		return -1;
	}
	w.tar = archive_write_new();
	archive_write_set_format_pax_restricted(w.tar);
	archive_write_set_bytes_in_last_block(w.tar, 1);
	w.disk = archive_read_disk_new();
	w.links = archive_entry_linkresolver_new();
	archive_entry_linkresolver_set_strategy(w.links, archive_format(w.tar));
	if (archive_write_open(w.tar, &file, NULL, write_hashed, NULL) == ARCHIVE_OK &&
	    write_tree(&w, "") == 0 && archive_write_close(w.tar) == ARCHIVE_OK)
		result = 0;
	archive_entry_linkresolver_free(w.links);
	archive_read_free(w.disk);
	archive_write_free(w.tar);
	close(file.fd);
	sha256_finish(&file.hash, diff_id);
	return result;
}

/* One member of the saved archive, from memory or from a file. */
static int add_member(struct archive *out, const char *name, const char *data, size_t len,
		      const char *from_file)
{
	struct archive_entry *entry = archive_entry_new();
	struct stat st = {.st_size = (off_t)len};
	int result = 0;

	if (from_file && stat(from_file, &st) < 0)
		result = box_syserr("stat", from_file);
	archive_entry_set_pathname(entry, name);
	archive_entry_set_filetype(entry, AE_IFREG);
	archive_entry_set_perm(entry, 0644);
	archive_entry_set_size(entry, st.st_size);
	if (result == 0 && archive_write_header(out, entry) != ARCHIVE_OK)
		result = -1;
	if (result == 0 && from_file)
		result = copy_file_data(out, from_file);
	else if (result == 0 && archive_write_data(out, data, len) != (la_ssize_t)len)
		result = -1;
	if (result < 0)
		box_error("save: write %s: %s", name, archive_error_string(out));
	archive_entry_free(entry);
	return result;
}

/* The config with the new diff_ids. */
static char *new_config(const struct store *store, const struct stored_image *image,
			json_t *diff_ids, size_t *len)
{
	char *json, *text;
	size_t json_len;
	json_t *config, *rootfs;

	if (image_config_read(store, image->id, &json, &json_len) < 0)
		return NULL;
	config = json_loadb(json, json_len, 0, NULL);
	free(json);
	rootfs = json_object_get(config, "rootfs");
	json_object_set(rootfs, "diff_ids", diff_ids);
	text = json_dumps(config, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(config);
	*len = text ? strlen(text) : 0;
	return text;
}

static char *manifest_json(const struct stored_image *image, const char *config_name,
			   json_t *layers, char **repositories)
{
	json_t *tags = json_array(), *manifest, *repos = json_object();
	char *text;

	if (image->name[0]) {
		const char *familiar = reference_familiar(image->name);
		const char *colon = strrchr(familiar, ':');
		char repo[600];
		const char *top =
		    json_string_value(json_array_get(layers, json_array_size(layers) - 1));

		json_array_append_new(tags, json_string(familiar));
		snprintf(repo, sizeof(repo), "%.*s", (int)(colon - familiar), familiar);
		json_object_set_new(repos, repo, json_pack("{s:s%}", colon + 1, top, (size_t)64));
	}
	manifest = json_pack("[{s:s, s:o, s:O}]", "Config", config_name, "RepoTags", tags, "Layers",
			     layers);
	text = json_dumps(manifest, JSON_COMPACT);
	*repositories = json_dumps(repos, JSON_COMPACT);
	json_decref(manifest);
	json_decref(repos);
	return text;
}

static int write_archive(struct store *store, struct stored_image *image, struct archive *out,
			 const char *work)
{
	json_t *diff_ids = json_array(), *layers = json_array();
	char *config = NULL, *manifest = NULL, *repositories = NULL, name[256];
	size_t config_len = 0;
	int result = 0;

	for (int i = 0; result == 0 && i < image->layer_count; i++) {
		char file[STORE_PATH_MAX], diff_id[DIGEST_LEN], base[32];

		snprintf(base, sizeof(base), "layer-%d.tar", i);
		path_join(file, sizeof(file), work, base);
		result = tar_layer(image->layers[i], file, diff_id);
		snprintf(name, sizeof(name), "%s/layer.tar", digest_hex(diff_id));
		if (result == 0)
			result = add_member(out, name, NULL, 0, file);
		unlink(file);
		json_array_append_new(diff_ids, json_string(diff_id));
		json_array_append_new(layers, json_string(name));
	}
	if (result == 0)
		config = new_config(store, image, diff_ids, &config_len);
	if (config) {
		char id[DIGEST_LEN];

		sha256_of(config, config_len, id);
		snprintf(name, sizeof(name), "%s.json", digest_hex(id));
		manifest = manifest_json(image, name, layers, &repositories);
		result = add_member(out, name, config, config_len, NULL) < 0 ||
				 add_member(out, "manifest.json", manifest, strlen(manifest),
					    NULL) < 0 ||
				 add_member(out, "repositories", repositories, strlen(repositories),
					    NULL) < 0
			     ? -1
			     : 0;
	} else {
		result = -1;
	}
	free(config);
	free(manifest);
	free(repositories);
	json_decref(diff_ids);
	json_decref(layers);
	return result;
}

int save_image(struct store *store, const char *output, const char *reference)
{
	struct stored_image image;
	struct archive *out;
	char work[STORE_PATH_MAX];
	int work_lock, result = -1;

	if (stored_image_open(store, reference, &image) < 0) /* pinned: rmi waits for us */
		return EXIT_BOXES_FAILED;
	if (store_make_temp(store, "save", work, &work_lock) < 0) {
		stored_image_close(&image);
		return EXIT_BOXES_FAILED;
	}
	out = archive_write_new();
	archive_write_set_format_pax_restricted(out);
	archive_write_set_bytes_in_last_block(out, 1);
	if (archive_write_open_filename(out, output) != ARCHIVE_OK)
		box_error("save: open %s: %s", output, archive_error_string(out));
	else if (write_archive(store, &image, out, work) == 0 &&
		 archive_write_close(out) == ARCHIVE_OK)
		result = 0;
	archive_write_free(out);
	if (result < 0)
		unlink(output);
	remove_tree(work);
	close(work_lock);
	stored_image_close(&image);
	return result < 0 ? EXIT_BOXES_FAILED : 0;
}
