/* load.c - the load pipeline, one function a stage:
 *
 *   open the archive -> list its members -> find the manifest (and the
 *   configs it names) -> for each new layer: stream, hash, extract into a
 *   temporary directory, verify -> under the store's lock: rename the
 *   layers into the store, write the images and the index.
 *
 * A tar has no table of contents, and the members of an image archive come
 * in no useful order: `docker save` writes the layers first and
 * manifest.json last. So the archive is read twice. The first pass reads
 * only the headers and the small JSON documents (seeking over everything
 * else on a plain file); the second streams just the layers the store does
 * not have yet. A pipe can't be read twice: stdin is first saved to a file
 * under BOXES_ROOT/tmp. Memory stays small whatever the image's size: a
 * layer is never held in memory, only 64 KiB of it at a time.
 *
 * Nothing enters the store before every digest has been checked: the
 * config's (it is the image id), each blob's (OCI names blobs by digest),
 * and each layer's uncompressed diff_id (the config lists them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "log.h"
#include "state.h"

#include "09-image/extract.h"
#include "09-image/load.h"
#include "09-image/manifest.h"
#include "09-image/reference.h"

#define MAX_MEMBERS 100000
#define MAX_CACHED (16 << 20) /* all small JSON documents together */
#define MAX_NESTING 4 /* index -> index -> ... -> manifest */

/* What pass 1 saw of one member of the archive. */
struct member {
	char *name; /* without a leading "./" */
	char type; /* 'f' file, 'l' symlink, 'h' hardlink, 'o' other */
	char *link; /* the target of a symlink or hardlink */
	char *data; /* a small JSON document, read in pass 1; else NULL */
	size_t data_len;
};

/* A layer to extract in pass 2. */
struct layer_job {
	char diff_id[DIGEST_LEN]; /* the config says */
	char blob[DIGEST_LEN]; /* the manifest says ("" for a classic docker save) */
	const char *member; /* the archive member holding it */
	char what[600]; /* "layer 2 (blobs/sha256/3f2a...)" for messages */
	char dir[STORE_PATH_MAX]; /* where it is extracted, under tmp/ */
	bool done;
};

struct loaded_image {
	char id[DIGEST_LEN];
	char *config; /* the config's bytes */
	size_t config_len;
	struct image_config parsed;
	struct string_list tags; /* full names: docker.io/library/nginx:1.25 */
};

struct load {
	struct store *store;
	const char *input; /* as given; NULL for stdin */
	char archive[STORE_PATH_MAX]; /* the file both passes read */
	char work[STORE_PATH_MAX]; /* BOXES_ROOT/tmp/load-XXXXXX */
	int work_lock;
	struct member *members;
	int member_count;
	size_t cached;
	struct loaded_image *images;
	int image_count;
	struct layer_job *jobs;
	int job_count;
};

/* --- open the archive ------------------------------------------------- */

static int start_work_dir(struct load *load, const char *what)
{
	store_sweep_temp(load->store); /* what killed loads left */
	return store_make_temp(load->store, what, load->work, &load->work_lock);
}

/* Copy a stream we can't read twice (stdin, a pipe) into work/input. */
static int save_stream(struct load *load, int fd)
{
	char buffer[64 * 1024];
	ssize_t got;
	int out;

	path_join(load->archive, sizeof(load->archive), load->work, "input");
	out = open(load->archive, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return box_syserr("open", load->archive);
	while ((got = read(fd, buffer, sizeof(buffer))) > 0)
		if (write(out, buffer, (size_t)got) != got) {
			close(out);
			return box_syserr("write", load->archive);
		}
	close(out);
	if (got < 0)
		return box_syserr("read", load->input ? load->input : "stdin");
	return 0;
}

static int open_input(struct load *load)
{
	struct stat st;
	int fd, result;

	if (!load->input)
		return save_stream(load, 0);
	fd = open(load->input, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		box_syserr("open", load->input);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		snprintf(load->archive, sizeof(load->archive), "%s", load->input);
		close(fd);
		return 0;
	}
	result = save_stream(load, fd);
	close(fd);
	return result;
}

/* One pass over the archive: tar, maybe gzip- or zstd-compressed. */
static struct archive *open_archive(const char *path)
{
	struct archive *archive = archive_read_new();

	archive_read_support_filter_all(archive);
	archive_read_support_format_tar(archive);
	if (archive_read_open_filename(archive, path, 64 * 1024) != ARCHIVE_OK) {
		box_error("load: open %s: %s", path, archive_error_string(archive));
		archive_read_free(archive);
		return NULL;
	}
	return archive;
}

/* --- list the members (pass 1) ----------------------------------------- */

static char *clean_name(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/')
		name++;
	return strdup(name);
}

/* Keep a member that looks like JSON (and is small) in memory: the
 * manifest, the index, configs. Layers start with tar or gzip bytes. */
static int cache_json(struct load *load, struct archive *archive, struct archive_entry *entry,
		      struct member *member)
{
	la_int64_t size = archive_entry_size(entry);
	char first;

	if (size <= 0 || size > JSON_MAX || load->cached + (size_t)size > MAX_CACHED)
		return 0;
	if (archive_read_data(archive, &first, 1) != 1 || (first != '{' && first != '['))
		return 0;
	member->data = malloc((size_t)size + 1);
	member->data[0] = first;
	if (archive_read_data(archive, member->data + 1, (size_t)size - 1) != size - 1) {
		box_error("load: read %s: %s", member->name, archive_error_string(archive));
		return -1;
	}
	member->data[size] = '\0';
	member->data_len = (size_t)size;
	load->cached += (size_t)size;
	return 0;
}

static int list_members(struct load *load)
{
	struct archive *archive = open_archive(load->archive);
	struct archive_entry *entry;
	int r = ARCHIVE_FATAL;

	if (!archive)
		return -1;
	while (load->member_count < MAX_MEMBERS &&
	       (r = archive_read_next_header(archive, &entry)) == ARCHIVE_OK) {
		struct member *member;
		mode_t type = archive_entry_filetype(entry);

		load->members =
		    realloc(load->members, sizeof(*member) * (size_t)(load->member_count + 1));
		member = &load->members[load->member_count++];
		memset(member, 0, sizeof(*member));
		member->name = clean_name(archive_entry_pathname(entry));
		if (archive_entry_hardlink(entry)) {
			member->type = 'h';
			member->link = clean_name(archive_entry_hardlink(entry));
		} else if (type == AE_IFLNK) {
			member->type = 'l';
			member->link = strdup(archive_entry_symlink(entry));
		} else {
			member->type = type == AE_IFREG ? 'f' : 'o';
		}
		if (member->type == 'f' && cache_json(load, archive, entry, member) < 0)
			break;
	}
	if (r != ARCHIVE_EOF)
		box_error("load: %s: %s", load->input ? load->input : "stdin",
			  load->member_count >= MAX_MEMBERS
			      ? "more than 100000 members: not an image archive"
			      : archive_error_string(archive));
	archive_read_free(archive);
	return r == ARCHIVE_EOF ? 0 : -1;
}

/* --- find the manifest ------------------------------------------------- */

static struct member *find_member(struct load *load, const char *name)
{
	for (int i = 0; i < load->member_count; i++)
		if (strcmp(load->members[i].name, name) == 0)
			return &load->members[i];
	return NULL;
}

/* DIR/TARGET with "." and ".." resolved, never above the archive's top. */
static int join_link(const char *member, const char *target, char *out, size_t len)
{
	char joined[8192], *part, *saveptr = NULL;
	const char *slash = strrchr(member, '/');
	size_t used = 0;

	if (target[0] == '/')
		return -1;
	snprintf(joined, sizeof(joined), "%.*s%s", slash ? (int)(slash - member + 1) : 0, member,
		 target);
	out[0] = '\0';
	for (part = strtok_r(joined, "/", &saveptr); part; part = strtok_r(NULL, "/", &saveptr)) {
		if (strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0) {
			char *up = strrchr(out, '/');

			if (used == 0)
				return -1;
			used = up ? (size_t)(up - out) : 0;
			out[used] = '\0';
			continue;
		}
		used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "/" : "", part);
		if (used >= len)
			return -1;
	}
	return 0;
}

/* The regular-file member NAME stands for, following links between
 * members (podman's <id>/layer.tar -> ../<digest>.tar). Says why when none. */
static struct member *resolve_member(struct load *load, const char *name, const char *field)
{
	char path[4096];
	struct member *member;

	snprintf(path, sizeof(path), "%s", name);
	for (int hops = 0; hops < 16; hops++) {
		member = find_member(load, path);
		if (!member) {
			box_error("load: %s names \"%s\", which is not in the archive", field,
				  path);
			return NULL;
		}
		if (member->type == 'f')
			return member;
		if (member->type == 'o')
			break;
		if (member->type == 'h')
			snprintf(path, sizeof(path), "%s", member->link);
		else if (join_link(member->name, member->link, path, sizeof(path)) < 0) {
			box_error("load: %s: \"%s\" links to \"%s\", outside the archive", field,
				  member->name, member->link);
			return NULL;
		}
	}
	box_error("load: %s: \"%s\" is not a file of the archive", field, name);
	return NULL;
}

/* A JSON document the archive holds, by path; its digest checked when
 * the name or the manifest says what it must be. */
static struct member *read_document(struct load *load, const char *name, const char *field,
				    const char *digest)
{
	struct member *member = resolve_member(load, name, field);
	char actual[DIGEST_LEN];

	if (!member)
		return NULL;
	if (!member->data) {
		box_error("load: %s: \"%s\" is not a JSON document (or is over 1 MiB)", field,
			  name);
		return NULL;
	}
	sha256_of(member->data, member->data_len, actual);
	if (digest && strcmp(actual, digest) != 0) {
		box_error("load: %s: \"%s\" hashes to %s, not %s: the archive was changed", field,
			  name, actual, digest);
		return NULL;
	}
	return member;
}

static void blob_path(const char *digest, char *out, size_t len)
{
	snprintf(out, len, "blobs/sha256/%s", digest_hex(digest));
}

/* "blobs/sha256/<hex>" or "<hex>.json" name their content's digest. */
static bool digest_from_name(const char *name, char out[DIGEST_LEN])
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;

	snprintf(out, DIGEST_LEN, "sha256:%.64s", base);
	if (strlen(base) != 64 && !(strlen(base) == 69 && strcmp(base + 64, ".json") == 0))
		return false;
	return digest_is_valid(out);
}

static int add_tag(struct loaded_image *image, const char *text, const char *field)
{
	struct reference ref;
	char err[300], full[600];

	if (reference_parse(text, &ref, err, sizeof(err)) < 0) {
		box_error("load: %s: %s", field, err);
		return -1;
	}
	reference_format(&ref, full, sizeof(full));
	return string_list_add(&image->tags, full);
}

/* A config: its bytes are the image; its digest is the image id. */
static struct loaded_image *add_image(struct load *load, struct member *config, const char *field)
{
	struct loaded_image *image;
	char err[300];

	load->images = realloc(load->images, sizeof(*image) * (size_t)(load->image_count + 1));
	image = &load->images[load->image_count++];
	memset(image, 0, sizeof(*image));
	sha256_of(config->data, config->data_len, image->id);
	image->config = malloc(config->data_len);
	memcpy(image->config, config->data, config->data_len);
	image->config_len = config->data_len;
	if (parse_image_config(config->data, config->data_len, &image->parsed, err, sizeof(err)) <
	    0) {
		box_error("load: %s \"%s\": %s", field, config->name, err);
		return NULL;
	}
	return image;
}

/* Layer i of image: a job for pass 2, unless the store (or an earlier
 * image of this archive) has it already. */
static int add_layer(struct load *load, struct loaded_image *image, int i, int layer_total,
		     const char *path, const char *blob, const char *field)
{
	const char *diff_id;
	struct member *member;
	struct layer_job *job;

	if (i >= image->parsed.diff_ids.count || layer_total != image->parsed.diff_ids.count) {
		box_error("load: %s: the manifest lists %d layers, the config's rootfs.diff_ids %d",
			  field, layer_total, image->parsed.diff_ids.count);
		return -1;
	}
	diff_id = image->parsed.diff_ids.items[i];
	member = resolve_member(load, path, field);
	if (!member)
		return -1;
	if (store_has_layer(load->store, diff_id))
		return 0;
	for (int j = 0; j < load->job_count; j++)
		if (strcmp(load->jobs[j].diff_id, diff_id) == 0)
			return 0;
	load->jobs = realloc(load->jobs, sizeof(*job) * (size_t)(load->job_count + 1));
	job = &load->jobs[load->job_count++];
	memset(job, 0, sizeof(*job));
	snprintf(job->diff_id, sizeof(job->diff_id), "%s", diff_id);
	snprintf(job->blob, sizeof(job->blob), "%s", blob ? blob : "");
	job->member = member->name;
	snprintf(job->what, sizeof(job->what), "layer %d (%s)", i + 1, path);
	return 0;
}

/* manifest.json, as docker save writes it (classic, and docker 25+'s
 * blobs/sha256/ paths beside an index.json). */
static int find_docker_images(struct load *load, struct member *manifest_member)
{
	struct docker_manifest manifest;
	char err[300], digest[DIGEST_LEN], field[64];
	int result = 0;

	if (parse_docker_manifest(manifest_member->data, manifest_member->data_len, &manifest, err,
				  sizeof(err)) < 0) {
		box_error("load: manifest.json: %s", err);
		return -1;
	}
	for (int i = 0; i < manifest.count && result == 0; i++) {
		struct docker_image *entry = &manifest.images[i];
		struct member *config;
		struct loaded_image *image;

		snprintf(field, sizeof(field), "manifest.json [%d].Config", i);
		config = read_document(load, entry->config, field,
				       digest_from_name(entry->config, digest) ? digest : NULL);
		image = config ? add_image(load, config, field) : NULL;
		if (!image)
			result = -1;
		for (int t = 0; result == 0 && t < entry->repo_tags.count; t++) {
			snprintf(field, sizeof(field), "manifest.json [%d].RepoTags[%d]", i, t);
			result = add_tag(image, entry->repo_tags.items[t], field);
		}
		for (int l = 0; result == 0 && l < entry->layers.count; l++) {
			const char *path = entry->layers.items[l];

			snprintf(field, sizeof(field), "manifest.json [%d].Layers[%d]", i, l);
			result = add_layer(load, image, l, entry->layers.count, path,
					   digest_from_name(path, digest) ? digest : NULL, field);
		}
	}
	docker_manifest_free(&manifest);
	return result;
}

/* The name an OCI entry gives: a full reference in ref.name (podman,
 * skopeo) or in io.containerd.image.name (docker). A bare tag in ref.name
 * says no repository: the image is loaded untagged, as docker does. */
static int oci_tag(struct loaded_image *image, const struct descriptor *entry, const char *field)
{
	const char *name = entry->image_name ? entry->image_name : entry->ref_name;

	if (!name || (!strchr(name, '/') && !strchr(name, ':') && !entry->image_name))
		return 0;
	return add_tag(image, name, field);
}

static bool platform_fits(const struct descriptor *entry)
{
	return (!entry->os || strcmp(entry->os, "linux") == 0) &&
	       (!entry->architecture || strcmp(entry->architecture, host_architecture()) == 0);
}

static int find_oci_entry(struct load *load, const struct descriptor *entry,
			  const struct descriptor *named_by, const char *field, int depth);

/* A nested index: the entries for this host's os and architecture. */
static int find_oci_index(struct load *load, struct member *blob, const struct descriptor *named_by,
			  const char *field, int depth)
{
	struct oci_index index;
	char err[300], where[128];
	int result = 0, fitting = 0;

	if (parse_oci_index(blob->data, blob->data_len, &index, err, sizeof(err)) < 0) {
		box_error("load: %s: %s", field, err);
		return -1;
	}
	for (int i = 0; i < index.count && result == 0; i++) {
		if (!platform_fits(&index.manifests[i]))
			continue;
		fitting++;
		snprintf(where, sizeof(where), "%s manifests[%d]", field, i);
		result =
		    find_oci_entry(load, &index.manifests[i],
				   named_by ? named_by : &index.manifests[i], where, depth + 1);
	}
	if (result == 0 && fitting == 0) {
		box_error("load: %s: no image for linux/%s in this archive", field,
			  host_architecture());
		result = -1;
	}
	oci_index_free(&index);
	return result;
}

static int find_oci_manifest(struct load *load, struct member *blob,
			     const struct descriptor *named_by, const char *field)
{
	struct oci_manifest manifest;
	struct member *config;
	struct loaded_image *image;
	char err[300], path[256], where[160];
	int result = -1;

	if (parse_oci_manifest(blob->data, blob->data_len, &manifest, err, sizeof(err)) < 0) {
		box_error("load: %s: %s", field, err);
		return -1;
	}
	blob_path(manifest.config.digest, path, sizeof(path));
	snprintf(where, sizeof(where), "%s config", field);
	config = read_document(load, path, where, manifest.config.digest);
	image = config ? add_image(load, config, where) : NULL;
	if (image && oci_tag(image, named_by, field) == 0) {
		result = 0;
		for (int i = 0; result == 0 && i < manifest.layer_count; i++) {
			blob_path(manifest.layers[i].digest, path, sizeof(path));
			snprintf(where, sizeof(where), "%s layers[%d]", field, i);
			result = add_layer(load, image, i, manifest.layer_count, path,
					   manifest.layers[i].digest, where);
		}
	}
	oci_manifest_free(&manifest);
	return result;
}

static int find_oci_entry(struct load *load, const struct descriptor *entry,
			  const struct descriptor *named_by, const char *field, int depth)
{
	char path[256];
	struct member *blob;

	if (depth > MAX_NESTING) {
		box_error("load: %s: indexes nested more than %d deep", field, MAX_NESTING);
		return -1;
	}
	blob_path(entry->digest, path, sizeof(path));
	blob = read_document(load, path, field, entry->digest);
	if (!blob)
		return -1;
	if (media_type_is_index(entry->media_type) || strstr(blob->data, "\"manifests\""))
		return find_oci_index(load, blob, named_by, field, depth);
	return find_oci_manifest(load, blob, named_by, field);
}

/* index.json of an OCI image layout (podman's oci-archive, skopeo, umoci). */
static int find_oci_images(struct load *load, struct member *index_member)
{
	struct oci_index index;
	char err[300], field[64];
	int result = 0;

	if (parse_oci_index(index_member->data, index_member->data_len, &index, err, sizeof(err)) <
	    0) {
		box_error("load: index.json: %s", err);
		return -1;
	}
	for (int i = 0; i < index.count && result == 0; i++) {
		snprintf(field, sizeof(field), "index.json manifests[%d]", i);
		result = find_oci_entry(load, &index.manifests[i], &index.manifests[i], field, 1);
	}
	oci_index_free(&index);
	return result;
}

/* docker's own manifest.json first (docker 25+ writes both), else OCI's. */
static int find_images(struct load *load)
{
	struct member *manifest = find_member(load, "manifest.json");
	struct member *index = find_member(load, "index.json");

	if (manifest && manifest->data)
		return find_docker_images(load, manifest);
	if (index && index->data)
		return find_oci_images(load, index);
	box_error("load: %s has no manifest.json or index.json: not a docker save or OCI archive",
		  load->input ? load->input : "stdin");
	return -1;
}

/* --- for each layer: stream, hash, extract, verify (pass 2) ------------ */

static int verify_layer(const struct layer_job *job, const struct layer_digests *digests)
{
	if (job->blob[0] && strcmp(digests->blob, job->blob) != 0) {
		box_error("load: %s: its bytes hash to %s, the manifest says %s: the archive was "
			  "changed",
			  job->what, digests->blob, job->blob);
		return -1;
	}
	if (strcmp(digests->diff_id, job->diff_id) != 0) {
		box_error("load: %s: uncompressed it hashes to %s, the config's diff_id is %s: the "
			  "archive was changed",
			  job->what, digests->diff_id, job->diff_id);
		return -1;
	}
	return 0;
}

/* work/layer-N/diff gets the files, work/layer-N/size their bytes. */
static int extract_job(struct load *load, struct archive *archive, struct layer_job *job, int n)
{
	struct layer_digests digests;
	char diff[STORE_PATH_MAX], size_file[STORE_PATH_MAX], size[32];

	char name[32];

	snprintf(name, sizeof(name), "layer-%d", n);
	path_join(job->dir, sizeof(job->dir), load->work, name);
	path_join(diff, sizeof(diff), job->dir, "diff");
	path_join(size_file, sizeof(size_file), job->dir, "size");
	if (mkdir(job->dir, 0700) < 0 || mkdir(diff, 0755) < 0)
		return box_syserr("mkdir", diff);
	if (extract_layer(archive, diff, job->what, &digests) < 0)
		return -1;
	if (!job->diff_id[0]) /* import: the layer is what the file holds */
		snprintf(job->diff_id, sizeof(job->diff_id), "%s", digests.diff_id);
	if (verify_layer(job, &digests) < 0)
		return -1;
	snprintf(size, sizeof(size), "%lld\n", digests.size);
	if (store_write_file(size_file, size, strlen(size)) < 0)
		return -1;
	chmod(job->dir, 0755);
	job->done = true;
	return 0;
}

static int extract_new_layers(struct load *load)
{
	struct archive *archive;
	struct archive_entry *entry;
	int r = ARCHIVE_OK, pending = load->job_count;

	if (pending == 0)
		return 0; /* every layer is in the store already */
	archive = open_archive(load->archive);
	if (!archive)
		return -1;
	while (pending > 0 && (r = archive_read_next_header(archive, &entry)) == ARCHIVE_OK) {
		char *name = clean_name(archive_entry_pathname(entry));

		for (int j = 0; j < load->job_count; j++) {
			struct layer_job *job = &load->jobs[j];

			if (job->done || strcmp(job->member, name) != 0)
				continue;
			if (extract_job(load, archive, job, j) < 0) {
				free(name);
				archive_read_free(archive);
				return -1;
			}
			pending--;
			break; /* a member's bytes can be read once */
		}
		free(name);
	}
	archive_read_free(archive);
	for (int j = 0; j < load->job_count; j++)
		if (!load->jobs[j].done) {
			box_error("load: %s: %s", load->jobs[j].what,
				  r == ARCHIVE_OK || r == ARCHIVE_EOF
				      ? "the archive names this member for two layers"
				      : "the archive ends before it");
			return -1;
		}
	return 0;
}

/* --- rename into the store, write the index ---------------------------- */

static void print_loaded(const struct loaded_image *image, const char *verb)
{
	for (int t = 0; t < image->tags.count; t++)
		printf("%s image: %s\n", verb, reference_familiar(image->tags.items[t]));
	if (image->tags.count == 0)
		printf("%s image ID: %s\n", verb, image->id);
}

static int commit_locked(struct load *load)
{
	struct tag_index index;

	for (int j = 0; j < load->job_count; j++)
		if (store_add_layer(load->store, load->jobs[j].dir, load->jobs[j].diff_id) < 0)
			return -1;
	for (int i = 0; i < load->image_count; i++) {
		struct loaded_image *image = &load->images[i];

		for (int l = 0; l < image->parsed.diff_ids.count; l++)
			if (!store_has_layer(load->store, image->parsed.diff_ids.items[l])) {
				box_error(
				    "load: layer %s went away meanwhile (an rmi?): load again",
				    image->parsed.diff_ids.items[l]);
				return -1;
			}
		if (store_add_image(load->store, image->id, image->config, image->config_len) < 0)
			return -1;
	}
	if (index_read(load->store, &index) < 0)
		return -1;
	for (int i = 0; i < load->image_count; i++)
		for (int t = 0; t < load->images[i].tags.count; t++)
			index_set(&index, load->images[i].tags.items[t], load->images[i].id);
	if (index_write(load->store, &index) < 0) {
		index_free(&index);
		return -1;
	}
	index_free(&index);
	return 0;
}

static void print_layers(const struct load *load)
{
	for (int i = 0; i < load->image_count; i++)
		for (int l = 0; l < load->images[i].parsed.diff_ids.count; l++) {
			const char *diff_id = load->images[i].parsed.diff_ids.items[l];
			bool new_here = false;

			for (int j = 0; j < load->job_count; j++)
				new_here = new_here || strcmp(load->jobs[j].diff_id, diff_id) == 0;
			printf("%.12s: %s\n", digest_hex(diff_id),
			       new_here ? "Loaded" : "Already exists");
		}
}

static int commit_to_store(struct load *load, const char *verb)
{
	int result;

	if (store_lock(load->store, LOCK_EX) < 0)
		return -1;
	result = commit_locked(load);
	store_lock(load->store, LOCK_UN);
	if (result == 0 && verb)
		print_layers(load);
	for (int i = 0; result == 0 && verb && i < load->image_count; i++)
		print_loaded(&load->images[i], verb);
	return result;
}

static void finish(struct load *load)
{
	for (int i = 0; i < load->member_count; i++) {
		free(load->members[i].name);
		free(load->members[i].link);
		free(load->members[i].data);
	}
	free(load->members);
	for (int i = 0; i < load->image_count; i++) {
		free(load->images[i].config);
		image_config_free(&load->images[i].parsed);
		string_list_free(&load->images[i].tags);
	}
	free(load->images);
	free(load->jobs);
	if (load->work[0]) {
		remove_tree(load->work); /* what was not renamed into the store */
		close(load->work_lock);
	}
}

int load_archive(struct store *store, const char *input)
{
	struct load load = {.store = store, .input = input, .work_lock = -1};
	int result = -1;

	if (start_work_dir(&load, "load") == 0 /* tmp/load-XXXXXX, flocked */
	    && open_input(&load) == 0 /* stdin: saved to a file, to read it twice */
	    && list_members(&load) == 0 /* pass 1: names, links, small JSON */
	    && find_images(&load) == 0 /* manifest.json or index.json, configs */
	    && extract_new_layers(&load) == 0 /* pass 2: stream, hash, extract, verify */
	    && commit_to_store(&load, "Loaded") == 0) /* lock, rename, index */
		result = 0;
	finish(&load);
	return result < 0 ? EXIT_BOXES_FAILED : 0;
}

/* --- import: a rootfs tar as a one-layer image ------------------------- */

/* The config docker import writes: no command, one layer. */
static char *import_config(const char *diff_id, const char *input, size_t *len)
{
	char now[32];
	time_t seconds = time(NULL);
	json_t *config;
	char *text, comment[600];

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&seconds));
	snprintf(comment, sizeof(comment), "imported from %s", input);
	config = json_pack("{s:s, s:s, s:s, s:{}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "architecture",
			   host_architecture(), "os", "linux", "created", now, "config", "rootfs",
			   "type", "layers", "diff_ids", diff_id, "history", "created", now,
			   "comment", comment);
	text = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(config);
	*len = strlen(text);
	return text;
}

static int import_layer(struct load *load, struct layer_job *job)
{
	struct archive *raw = archive_read_new();
	struct archive_entry *entry;
	int result = -1;

	/* The file as it is: extract_layer decompresses and hashes it. */
	archive_read_support_format_raw(raw);
	if (archive_read_open_filename(raw, load->archive, 64 * 1024) != ARCHIVE_OK ||
	    archive_read_next_header(raw, &entry) != ARCHIVE_OK)
		box_error("import: open %s: %s", load->input, archive_error_string(raw));
	else
		result = extract_job(load, raw, job, 0);
	archive_read_free(raw);
	return result;
}

int import_rootfs(struct store *store, const char *input, const char *name)
{
	struct load load = {.store = store, .input = input, .work_lock = -1};
	struct layer_job job = {0};
	struct loaded_image image = {0};
	char err[300];
	int result = -1;

	if (add_tag(&image, name, "import NAME") < 0)
		return EXIT_BOXES_FAILED;
	snprintf(job.what, sizeof(job.what), "layer 1 (%s)", input);
	load.jobs = &job;
	load.job_count = 1;
	if (start_work_dir(&load, "import") == 0 && open_input(&load) == 0 &&
	    import_layer(&load, &job) == 0) {
		image.config = import_config(job.diff_id, input, &image.config_len);
		sha256_of(image.config, image.config_len, image.id);
		parse_image_config(image.config, image.config_len, &image.parsed, err, sizeof(err));
		load.images = &image;
		load.image_count = 1;
		if (commit_to_store(&load, NULL) == 0) {
			printf("%s\n", image.id); /* as docker import */
			result = 0;
		}
	}
	load.jobs = NULL;
	load.images = NULL;
	load.image_count = 0;
	finish(&load);
	free(image.config);
	image_config_free(&image.parsed);
	string_list_free(&image.tags);
	return result < 0 ? EXIT_BOXES_FAILED : 0;
}
