/* manifest.c - parse manifest.json, index.json, OCI manifests and image
 * configs with jansson (see manifest.h). Each parser fills its struct
 * fully or returns -1 with the field that is wrong. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <jansson.h>

#include "09-image/manifest.h"

static int fail(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(err, err_len, fmt, args);
	va_end(args);
	return -1;
}

void string_list_free(struct string_list *list)
{
	for (int i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int string_list_add(struct string_list *list, const char *text)
{
	char **grown = realloc(list->items, sizeof(char *) * (size_t)(list->count + 2));

	if (!grown)
		return -1;
	list->items = grown;
	list->items[list->count] = strdup(text);
	if (!list->items[list->count])
		return -1;
	list->items[++list->count] = NULL; /* an argv-style list: NULL-terminated */
	return 0;
}

/* Parse the text as JSON; jansson's own message says where it broke. */
static json_t *load_json(const char *json, size_t len, char *err, size_t err_len)
{
	json_error_t error;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &error);

	if (!root)
		fail(err, err_len, "not JSON: %s (line %d)", error.text, error.line);
	return root;
}

/* The same, when the document must be an object (index, manifest, config). */
static json_t *load_object(const char *json, size_t len, char *err, size_t err_len)
{
	json_t *root = load_json(json, len, err, err_len);

	if (root && !json_is_object(root)) {
		fail(err, err_len, "is not an object");
		json_decref(root);
		return NULL;
	}
	return root;
}

/* A list of strings at FIELD; a missing or null field is an empty list. */
static int string_array(json_t *parent, const char *field, const char *where,
			struct string_list *out, char *err, size_t err_len)
{
	json_t *array = json_object_get(parent, field), *item;
	size_t i;

	if (!array || json_is_null(array))
		return 0;
	if (!json_is_array(array))
		return fail(err, err_len, "%s%s is not a list of strings", where, field);
	json_array_foreach(array, i, item)
	{
		if (!json_is_string(item))
			return fail(err, err_len, "%s%s[%zu] is not a string", where, field, i);
		if (string_list_add(out, json_string_value(item)) < 0)
			return fail(err, err_len, "out of memory");
	}
	return 0;
}

/* A string at FIELD, or NULL when missing or null. -1 if another type. */
static int optional_string(json_t *parent, const char *field, const char *where, char **out,
			   char *err, size_t err_len)
{
	json_t *value = json_object_get(parent, field);

	*out = NULL;
	if (!value || json_is_null(value))
		return 0;
	if (!json_is_string(value))
		return fail(err, err_len, "%s%s is not a string", where, field);
	*out = strdup(json_string_value(value));
	return 0;
}

bool archive_path_ok(const char *path)
{
	const char *part = path;

	if (!path || !*path || path[0] == '/')
		return false;
	while (*part) {
		size_t len = strcspn(part, "/");

		if (len == 2 && strncmp(part, "..", 2) == 0)
			return false;
		part += len;
		if (*part == '/')
			part++;
	}
	return true;
}

static int archive_path(json_t *value, const char *where, char **out, char *err, size_t err_len)
{
	const char *path = json_string_value(value);

	if (!path)
		return fail(err, err_len, "%s is not a string", where);
	if (!archive_path_ok(path))
		return fail(err, err_len, "%s: \"%s\" climbs out of the archive (absolute or ..)",
			    where, path);
	*out = strdup(path);
	return 0;
}

static int parse_docker_image(json_t *item, int index, struct docker_image *image, char *err,
			      size_t err_len)
{
	char where[64];
	json_t *layers = json_object_get(item, "Layers"), *layer;
	size_t i;

	snprintf(where, sizeof(where), "[%d].Config", index);
	if (!json_is_object(item))
		return fail(err, err_len, "[%d] is not an object", index);
	if (archive_path(json_object_get(item, "Config"), where, &image->config, err, err_len) < 0)
		return -1;
	snprintf(where, sizeof(where), "[%d].", index);
	if (string_array(item, "RepoTags", where, &image->repo_tags, err, err_len) < 0)
		return -1;
	if (!json_is_array(layers) || json_array_size(layers) == 0)
		return fail(err, err_len, "[%d].Layers is missing or not a list of paths", index);
	json_array_foreach(layers, i, layer)
	{
		char *path = NULL;

		snprintf(where, sizeof(where), "[%d].Layers[%zu]", index, i);
		if (archive_path(layer, where, &path, err, err_len) < 0)
			return -1;
		string_list_add(&image->layers, path);
		free(path);
	}
	return 0;
}

int parse_docker_manifest(const char *json, size_t len, struct docker_manifest *out, char *err,
			  size_t err_len)
{
	json_t *root = load_json(json, len, err, err_len), *item;
	size_t i;
	int result = 0;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -1;
	if (!json_is_array(root) || json_array_size(root) == 0) {
		json_decref(root);
		return fail(err, err_len, "is not a list of images");
	}
	out->images = calloc(json_array_size(root), sizeof(*out->images));
	json_array_foreach(root, i, item)
	{
		out->count++;
		if (parse_docker_image(item, (int)i, &out->images[i], err, err_len) < 0) {
			result = -1;
			break;
		}
	}
	json_decref(root);
	if (result < 0)
		docker_manifest_free(out);
	return result;
}

void docker_manifest_free(struct docker_manifest *manifest)
{
	for (int i = 0; i < manifest->count; i++) {
		free(manifest->images[i].config);
		string_list_free(&manifest->images[i].repo_tags);
		string_list_free(&manifest->images[i].layers);
	}
	free(manifest->images);
	memset(manifest, 0, sizeof(*manifest));
}

bool media_type_is_index(const char *media_type)
{
	return media_type &&
	       (strcmp(media_type, "application/vnd.oci.image.index.v1+json") == 0 ||
		strcmp(media_type, "application/vnd.docker.distribution.manifest.list.v2+json") ==
		    0);
}

static int parse_descriptor(json_t *item, const char *where, struct descriptor *out, char *err,
			    size_t err_len)
{
	json_t *digest = json_object_get(item, "digest"), *size = json_object_get(item, "size");
	json_t *annotations = json_object_get(item, "annotations");
	json_t *platform = json_object_get(item, "platform");
	char field[96];

	if (!json_is_object(item))
		return fail(err, err_len, "%s is not an object", where);
	if (!digest_is_valid(json_string_value(digest)))
		return fail(err, err_len, "%s.digest is not a sha256 digest (sha256:<64 hex>)",
			    where);
	strcpy(out->digest, json_string_value(digest));
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return fail(err, err_len, "%s.size is not a size in bytes", where);
	out->size = json_integer_value(size);
	snprintf(field, sizeof(field), "%s.", where);
	if (optional_string(item, "mediaType", field, &out->media_type, err, err_len) < 0)
		return -1;
	if (json_is_object(annotations)) {
		snprintf(field, sizeof(field), "%s.annotations.", where);
		if (optional_string(annotations, "org.opencontainers.image.ref.name", field,
				    &out->ref_name, err, err_len) < 0 ||
		    optional_string(annotations, "io.containerd.image.name", field,
				    &out->image_name, err, err_len) < 0)
			return -1;
	}
	if (json_is_object(platform)) {
		snprintf(field, sizeof(field), "%s.platform.", where);
		if (optional_string(platform, "os", field, &out->os, err, err_len) < 0 ||
		    optional_string(platform, "architecture", field, &out->architecture, err,
				    err_len) < 0)
			return -1;
	}
	return 0;
}

static void descriptor_free(struct descriptor *descriptor)
{
	free(descriptor->media_type);
	free(descriptor->ref_name);
	free(descriptor->image_name);
	free(descriptor->os);
	free(descriptor->architecture);
}

/* A list of descriptors at FIELD: index.json's manifests, a manifest's
 * layers. */
static int descriptor_array(json_t *root, const char *field, struct descriptor **out, int *count,
			    char *err, size_t err_len)
{
	json_t *array = json_object_get(root, field), *item;
	size_t i;

	if (!json_is_array(array) || json_array_size(array) == 0)
		return fail(err, err_len, "%s is missing or empty", field);
	*out = calloc(json_array_size(array), sizeof(**out));
	json_array_foreach(array, i, item)
	{
		char where[64];

		snprintf(where, sizeof(where), "%s[%zu]", field, i);
		(*count)++;
		if (parse_descriptor(item, where, &(*out)[i], err, err_len) < 0)
			return -1;
	}
	return 0;
}

int parse_oci_index(const char *json, size_t len, struct oci_index *out, char *err, size_t err_len)
{
	json_t *root = load_object(json, len, err, err_len);
	int result;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -1;
	result = descriptor_array(root, "manifests", &out->manifests, &out->count, err, err_len);
	json_decref(root);
	if (result < 0)
		oci_index_free(out);
	return result;
}

void oci_index_free(struct oci_index *index)
{
	for (int i = 0; i < index->count; i++)
		descriptor_free(&index->manifests[i]);
	free(index->manifests);
	memset(index, 0, sizeof(*index));
}

int parse_oci_manifest(const char *json, size_t len, struct oci_manifest *out, char *err,
		       size_t err_len)
{
	json_t *root = load_object(json, len, err, err_len);
	int result;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -1;
	if (json_object_get(root, "manifests"))
		result = fail(err, err_len, "is an index where a manifest was expected");
	else if (parse_descriptor(json_object_get(root, "config"), "config", &out->config, err,
				  err_len) < 0)
		result = -1;
	else
		result =
		    descriptor_array(root, "layers", &out->layers, &out->layer_count, err, err_len);
	json_decref(root);
	if (result < 0)
		oci_manifest_free(out);
	return result;
}

void oci_manifest_free(struct oci_manifest *manifest)
{
	descriptor_free(&manifest->config);
	for (int i = 0; i < manifest->layer_count; i++)
		descriptor_free(&manifest->layers[i]);
	free(manifest->layers);
	memset(manifest, 0, sizeof(*manifest));
}

/* rootfs: {"type": "layers", "diff_ids": ["sha256:...", ...]} */
static int parse_rootfs(json_t *root, struct image_config *out, char *err, size_t err_len)
{
	json_t *rootfs = json_object_get(root, "rootfs");
	json_t *diff_ids = json_object_get(rootfs, "diff_ids"), *item;
	size_t i;

	if (!json_is_object(rootfs))
		return fail(err, err_len, "rootfs is missing");
	if (!json_is_string(json_object_get(rootfs, "type")) ||
	    strcmp(json_string_value(json_object_get(rootfs, "type")), "layers") != 0)
		return fail(err, err_len, "rootfs.type is not \"layers\"");
	if (!json_is_array(diff_ids))
		return fail(err, err_len, "rootfs.diff_ids is missing");
	json_array_foreach(diff_ids, i, item)
	{
		if (!digest_is_valid(json_string_value(item)))
			return fail(err, err_len,
				    "rootfs.diff_ids[%zu] is not a sha256 digest (sha256:<64 hex>)",
				    i);
		string_list_add(&out->diff_ids, json_string_value(item));
	}
	return 0;
}

/* config: {"Env": [...], "Entrypoint": [...], "Cmd": [...], ...}; every
 * field may be missing, as in an imported image. */
static int parse_run_config(json_t *root, struct image_config *out, char *err, size_t err_len)
{
	json_t *config = json_object_get(root, "config");

	if (!config || json_is_null(config))
		return 0;
	if (!json_is_object(config))
		return fail(err, err_len, "config is not an object");
	if (string_array(config, "Env", "config.", &out->env, err, err_len) < 0 ||
	    string_array(config, "Entrypoint", "config.", &out->entrypoint, err, err_len) < 0 ||
	    string_array(config, "Cmd", "config.", &out->cmd, err, err_len) < 0 ||
	    optional_string(config, "WorkingDir", "config.", &out->working_dir, err, err_len) < 0 ||
	    optional_string(config, "User", "config.", &out->user, err, err_len) < 0)
		return -1;
	return 0;
}

int parse_image_config(const char *json, size_t len, struct image_config *out, char *err,
		       size_t err_len)
{
	json_t *root = load_object(json, len, err, err_len);
	int result = -1;

	memset(out, 0, sizeof(*out));
	if (!root)
		return -1;
	if (parse_rootfs(root, out, err, err_len) == 0 &&
	    parse_run_config(root, out, err, err_len) == 0 &&
	    optional_string(root, "created", "", &out->created, err, err_len) == 0 &&
	    optional_string(root, "os", "", &out->os, err, err_len) == 0 &&
	    optional_string(root, "architecture", "", &out->architecture, err, err_len) == 0)
		result = 0;
	json_decref(root);
	if (result < 0)
		image_config_free(out);
	return result;
}

void image_config_free(struct image_config *config)
{
	string_list_free(&config->diff_ids);
	string_list_free(&config->env);
	string_list_free(&config->entrypoint);
	string_list_free(&config->cmd);
	free(config->working_dir);
	free(config->user);
	free(config->created);
	free(config->os);
	free(config->architecture);
	memset(config, 0, sizeof(*config));
}

const char *host_architecture(void)
{
	static const struct {
		const char *machine, *oci;
	} names[] = {
	    {"x86_64", "amd64"}, {"aarch64", "arm64"},	 {"armv7l", "arm"},  {"i686", "386"},
	    {"i386", "386"},	 {"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
	};
	static struct utsname host;

	uname(&host);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(host.machine, names[i].machine) == 0)
			return names[i].oci;
	return host.machine;
}
