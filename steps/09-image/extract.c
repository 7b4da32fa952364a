/* extract.c - safe layer extraction (see extract.h).
 *
 * Three readers are chained, each pulling from the one before, so a layer
 * streams through memory 64 KiB at a time and is hashed on the way:
 *
 *   outer archive member --sha256 (blob)--> decompress (libarchive "raw"
 *   format + its gzip/zstd filters) --sha256 (diff_id)--> tar reader
 *   --> archive_write_disk, with the secure flags below
 *
 * What keeps a hostile layer inside dest:
 * - ARCHIVE_EXTRACT_SECURE_NODOTDOT: a member with ".." is refused;
 * - ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS: so is "/etc/passwd";
 * - ARCHIVE_EXTRACT_SECURE_SYMLINKS: nothing is written *through* a
 *   symlink (the member "a/b" after "a -> /etc" would write /etc/b);
 * - we work in dest as the current directory, the base of every path;
 * - a hardlink must name a regular file already in dest, checked with
 *   openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) (openat2(2));
 * - device nodes are not created: an image has no business bringing
 *   /dev/sda. The only ones we make are the 0/0 whiteouts;
 * - overlay xattrs from the tar are dropped: only we say what is opaque.
 * Owners, modes with setuid bits, times, xattrs and ACLs are kept as the
 * tar says: numeric ids (never looked up in the host's /etc/passwd), which
 * step 07's idmapped mounts shift for the container.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive_entry.h>

#include "log.h"

#include "09-image/extract.h"
#include "09-image/manifest.h"

#define CHUNK (64 * 1024)

static const int secure_flags =
    ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
    ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SPARSE;

struct layer_stream {
	struct archive *outer; /* positioned at the layer member */
	struct archive *raw; /* decompresses it */
	struct sha256 blob, diff;
	char blob_buffer[CHUNK], tar_buffer[CHUNK];
	bool raw_empty; /* the member holds no bytes at all */
};

struct extraction {
	struct layer_stream stream;
	struct archive *tar, *disk;
	int root_fd; /* dest */
	const char *what;
	struct string_list opaque_dirs;
	int devices_skipped;
	char first_device[256];
	long long size;
};

/* Reader 1 -> 2: the member's bytes as stored, into the blob hash. */
static la_ssize_t read_blob(struct archive *self, void *data, const void **buffer)
{
	struct layer_stream *stream = data;
	la_ssize_t got = archive_read_data(stream->outer, stream->blob_buffer, CHUNK);

	if (got < 0) {
		archive_set_error(self, EIO, "%s", archive_error_string(stream->outer));
		return -1;
	}
	sha256_add(&stream->blob, stream->blob_buffer, (size_t)got);
	*buffer = stream->blob_buffer;
	return got;
}

/* Reader 2 -> 3: the decompressed tar, into the diff_id hash. */
static la_ssize_t read_tar(struct archive *self, void *data, const void **buffer)
{
	struct layer_stream *stream = data;
	la_ssize_t got =
	    stream->raw_empty ? 0 : archive_read_data(stream->raw, stream->tar_buffer, CHUNK);

	if (got < 0) {
		archive_set_error(self, EIO, "%s", archive_error_string(stream->raw));
		return -1;
	}
	sha256_add(&stream->diff, stream->tar_buffer, (size_t)got);
	*buffer = stream->tar_buffer;
	return got;
}

static int open_stream(struct extraction *x)
{
	struct layer_stream *stream = &x->stream;
	struct archive_entry *entry;
	int r;

	if (sha256_start(&stream->blob) < 0 || sha256_start(&stream->diff) < 0)
		return -1;
	stream->raw = archive_read_new();
	archive_read_support_filter_all(stream->raw); /* gzip, zstd, xz, ... */
	archive_read_support_format_raw(stream->raw);
	archive_read_support_format_empty(stream->raw);
	r = archive_read_open(stream->raw, stream, NULL, read_blob, NULL);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(stream->raw, &entry);
	if (r == ARCHIVE_EOF) {
		stream->raw_empty = true;
		r = ARCHIVE_OK;
	}
	if (r != ARCHIVE_OK) {
		box_error("load: %s: can't decompress it: %s", x->what,
			  archive_error_string(stream->raw));
		return -1;
	}
	x->tar = archive_read_new();
	archive_read_support_format_tar(x->tar); /* ustar, pax, GNU: all "tar" */
	archive_read_support_format_empty(x->tar);
	if (archive_read_open(x->tar, stream, NULL, read_tar, NULL) != ARCHIVE_OK) {
		box_error("load: %s: not a tar: %s", x->what, archive_error_string(x->tar));
		return -1;
	}
	return 0;
}

/* The rest of each stream, so both hashes cover every byte. */
static int drain_stream(struct extraction *x)
{
	const void *buffer;
	la_ssize_t got;

	while ((got = read_tar(x->tar, &x->stream, &buffer)) > 0)
		;
	while ((got = archive_read_data(x->stream.outer, x->stream.blob_buffer, CHUNK)) > 0)
		sha256_add(&x->stream.blob, x->stream.blob_buffer, (size_t)got);
	if (got < 0) {
		box_error("load: %s: %s", x->what, archive_error_string(x->stream.outer));
		return -1;
	}
	return 0;
}

static int open_beneath(int root_fd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC | O_NOFOLLOW),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return (int)syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof(how));
}

int mark_opaque(int dir_fd, const char *path)
{
	int fd = open_beneath(dir_fd, path, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return -1;
	if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0 ||
	    fsetxattr(fd, "user.overlay.opaque", "y", 1, 0) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Write one entry through the secure writer, data and all. */
static int write_entry(struct extraction *x, struct archive_entry *entry, bool with_data)
{
	const char *path = archive_entry_pathname(entry);
	const void *block;
	size_t len;
	la_int64_t offset;
	int r;

	if (archive_write_header(x->disk, entry) != ARCHIVE_OK) {
		box_error("load: %s: member %s: %s: the layer is refused", x->what, path,
			  archive_error_string(x->disk));
		return -1;
	}
	while (with_data &&
	       (r = archive_read_data_block(x->tar, &block, &len, &offset)) == ARCHIVE_OK)
		if (archive_write_data_block(x->disk, block, len, offset) != ARCHIVE_OK) {
			box_error("load: %s: write %s: %s", x->what, path,
				  archive_error_string(x->disk));
			return -1;
		}
	if (with_data && r != ARCHIVE_EOF) {
		box_error("load: %s: read %s: %s", x->what, path, archive_error_string(x->tar));
		return -1;
	}
	if (archive_write_finish_entry(x->disk) != ARCHIVE_OK) {
		box_error("load: %s: member %s: %s", x->what, path, archive_error_string(x->disk));
		return -1;
	}
	return 0;
}

/* ".wh.NAME" in DIR: NAME in DIR becomes a 0/0 character device, which
 * overlayfs reads as "deleted in this layer". Written through the same
 * secure writer as every other member. */
static int write_whiteout(struct extraction *x, const char *member, const char *dir_end,
			  const char *name)
{
	struct archive_entry *whiteout = archive_entry_new();
	char path[4096];
	int result;

	snprintf(path, sizeof(path), "%.*s%s", (int)(dir_end - member), member, name);
	archive_entry_set_pathname(whiteout, path);
	archive_entry_set_filetype(whiteout, AE_IFCHR);
	archive_entry_set_perm(whiteout, 0);
	archive_entry_set_rdev(whiteout, 0);
	archive_entry_set_uid(whiteout, 0);
	archive_entry_set_gid(whiteout, 0);
	result = write_entry(x, whiteout, false);
	archive_entry_free(whiteout);
	return result;
}

/* A hardlink may only point at a regular file of this same layer. */
static int check_hardlink(struct extraction *x, struct archive_entry *entry)
{
	const char *target = archive_entry_hardlink(entry);
	struct stat st;
	int fd = open_beneath(x->root_fd, target, O_PATH);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		box_error("load: %s: member %s: hardlink to \"%s\", which is not a file of this "
			  "layer: the layer is refused",
			  x->what, archive_entry_pathname(entry), target);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void drop_overlay_xattrs(struct archive_entry *entry)
{
	struct string_list names = {0};
	const char *name;
	const void *value;
	size_t size;
	char **values = NULL;
	size_t *sizes = NULL;

	if (archive_entry_xattr_reset(entry) == 0)
		return;
	while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
		const char *dot = strchr(name, '.');

		if (dot && strncmp(dot + 1, "overlay.", 8) == 0)
			continue; /* trusted.overlay.*, user.overlay.* */
		values = realloc(values, sizeof(char *) * (size_t)(names.count + 1));
		sizes = realloc(sizes, sizeof(size_t) * (size_t)(names.count + 1));
		values[names.count] = malloc(size ? size : 1);
		memcpy(values[names.count], value, size);
		sizes[names.count] = size;
		string_list_add(&names, name);
	}
	archive_entry_xattr_clear(entry);
	for (int i = 0; i < names.count; i++) {
		archive_entry_xattr_add_entry(entry, names.items[i], values[i], sizes[i]);
		free(values[i]);
	}
	free(values);
	free(sizes);
	string_list_free(&names);
}

static int extract_member(struct extraction *x, struct archive_entry *entry)
{
	const char *path = archive_entry_pathname(entry);
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	mode_t type = archive_entry_filetype(entry);

	if (strcmp(base, ".wh..wh..opq") == 0) {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
		return string_list_add(&x->opaque_dirs, dir);
	}
	if (strncmp(base, ".wh..wh.", 8) == 0)
		return 0; /* aufs bookkeeping (.wh..wh.plnk), nothing to overlayfs */
	if (strncmp(base, ".wh.", 4) == 0)
		return write_whiteout(x, path, base, base + 4);
	if (type == AE_IFCHR || type == AE_IFBLK) {
		if (x->devices_skipped++ == 0)
			snprintf(x->first_device, sizeof(x->first_device), "%s", path);
		return 0;
	}
	if (archive_entry_hardlink(entry) && check_hardlink(x, entry) < 0)
		return -1;
	drop_overlay_xattrs(entry);
	if (type == AE_IFREG && !archive_entry_hardlink(entry))
		x->size += archive_entry_size(entry);
	return write_entry(x, entry, true);
}

static int apply_opaque_dirs(struct extraction *x)
{
	for (int i = 0; i < x->opaque_dirs.count; i++)
		if (mark_opaque(x->root_fd, x->opaque_dirs.items[i]) < 0) {
			box_error("load: %s: mark %s/ opaque: %s (a directory of this layer, not "
				  "through a symlink)",
				  x->what, x->opaque_dirs.items[i], strerror(errno));
			return -1;
		}
	return 0;
}

static int extract_members(struct extraction *x)
{
	struct archive_entry *entry;
	int r;

	while ((r = archive_read_next_header(x->tar, &entry)) == ARCHIVE_OK)
		if (extract_member(x, entry) < 0)
			return -1;
	if (r != ARCHIVE_EOF) {
		box_error("load: %s: %s", x->what, archive_error_string(x->tar));
		return -1;
	}
	if (apply_opaque_dirs(x) < 0)
		return -1;
	if (archive_write_close(x->disk) != ARCHIVE_OK) { /* directory modes, times */
		box_error("load: %s: %s", x->what, archive_error_string(x->disk));
		return -1;
	}
	if (x->devices_skipped > 0)
		box_error("load: %s: %d device node%s not created (%s...): an image brings no "
			  "devices",
			  x->what, x->devices_skipped, x->devices_skipped > 1 ? "s" : "",
			  x->first_device);
	return 0;
}

static void close_extraction(struct extraction *x)
{
	archive_read_free(x->tar);
	archive_read_free(x->stream.raw);
	archive_write_free(x->disk);
	if (x->stream.blob.evp)
		sha256_discard(&x->stream.blob);
	if (x->stream.diff.evp)
		sha256_discard(&x->stream.diff);
	string_list_free(&x->opaque_dirs);
	if (x->root_fd >= 0)
		close(x->root_fd);
}

int extract_layer(struct archive *outer, const char *dest, const char *what,
		  struct layer_digests *digests)
{
	struct extraction *x = calloc(1, sizeof(*x));
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), result = -1;

	x->stream.outer = outer;
	x->what = what;
	x->root_fd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	x->disk = archive_write_disk_new();
	archive_write_disk_set_options(x->disk, secure_flags);
	/* The writer's paths are relative to the current directory: dest. */
	if (x->root_fd < 0 || fchdir(x->root_fd) < 0)
		box_syserr("chdir", dest);
	else if (open_stream(x) == 0 && extract_members(x) == 0 && drain_stream(x) == 0)
		result = 0;
	if (cwd >= 0 && fchdir(cwd) < 0)
		box_syserr("fchdir", "the previous directory");
	if (cwd >= 0)
		close(cwd);
	if (result == 0) {
		sha256_finish(&x->stream.blob, digests->blob);
		sha256_finish(&x->stream.diff, digests->diff_id);
		digests->size = x->size;
	}
	close_extraction(x);
	free(x);
	return result;
}
