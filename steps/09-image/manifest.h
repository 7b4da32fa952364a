/* manifest.h - the JSON documents that say what an image archive holds.
 *
 * Two formats describe the same thing, a config plus a stack of layers:
 *
 *   docker save      manifest.json  [{"Config": "<id>.json",
 *                                     "RepoTags": ["nginx:1.25"],
 *                                     "Layers": ["<id>/layer.tar", ...]}]
 *   OCI image layout index.json     {"manifests": [{"digest": "sha256:..",
 *                                     "annotations": {"org.opencontainers.image.ref.name": ..}}]}
 *                    -> a manifest  {"config": {digest}, "layers": [{digest}, ...]}
 *                       (or another index, one manifest per platform)
 *
 * and the image config, whose rootfs.diff_ids name each layer by the
 * SHA-256 of its uncompressed tar, and whose "config" says how to run it.
 *
 * Every document here comes from an archive we do not trust: each parser
 * checks every field it uses and names the field in its error, e.g.
 *     [0].Layers[2]: "../../etc/x" climbs out of the archive
 * and has a fuzz target (tests/fuzz/fuzz_09_*.c).
 */
#ifndef BOXES_MANIFEST_H
#define BOXES_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "09-image/digest.h"

/* The largest JSON document we read (a config with a long history is
 * tens of KiB; nothing honest comes near this). */
#define JSON_MAX (1 << 20)

struct string_list {
	char **items;
	int count;
};
void string_list_free(struct string_list *list);
/* Append a copy of text. 0 or -1. */
int string_list_add(struct string_list *list, const char *text);

/* One image of a docker-save manifest.json. */
struct docker_image {
	char *config; /* archive path of the config JSON */
	struct string_list repo_tags; /* "nginx:1.25", may be empty */
	struct string_list layers; /* archive paths of the layer tars, bottom first */
};

struct docker_manifest {
	struct docker_image *images;
	int count;
};

int parse_docker_manifest(const char *json, size_t len, struct docker_manifest *out, char *err,
			  size_t err_len);
void docker_manifest_free(struct docker_manifest *manifest);

/* An OCI descriptor: a typed pointer to a blob. */
struct descriptor {
	char *media_type; /* may be NULL */
	char digest[DIGEST_LEN];
	long long size;
	char *ref_name; /* annotation org.opencontainers.image.ref.name */
	char *image_name; /* annotation io.containerd.image.name (docker 25+) */
	char *os; /* platform, NULL when absent */
	char *architecture;
};

struct oci_index {
	struct descriptor *manifests;
	int count;
};

struct oci_manifest {
	struct descriptor config;
	struct descriptor *layers;
	int layer_count;
};

/* The mediaType of a nested index (OCI's, or docker's manifest list). */
bool media_type_is_index(const char *media_type);

int parse_oci_index(const char *json, size_t len, struct oci_index *out, char *err, size_t err_len);
void oci_index_free(struct oci_index *index);
int parse_oci_manifest(const char *json, size_t len, struct oci_manifest *out, char *err,
		       size_t err_len);
void oci_manifest_free(struct oci_manifest *manifest);

/* What a container of this image runs (the config's "config" object),
 * and its layers' diff_ids. */
struct image_config {
	struct string_list diff_ids; /* rootfs.diff_ids, bottom first */
	struct string_list env; /* Env: "KEY=VALUE" */
	struct string_list entrypoint; /* Entrypoint; empty when none */
	struct string_list cmd; /* Cmd; empty when none */
	char *working_dir; /* WorkingDir, NULL when none */
	char *user; /* User, NULL when none: "uid[:gid]" or names */
	char *created; /* RFC 3339, NULL when none */
	char *os;
	char *architecture;
};

int parse_image_config(const char *json, size_t len, struct image_config *out, char *err,
		       size_t err_len);
void image_config_free(struct image_config *config);

/* A path inside an archive that stays inside it: relative, no "..". */
bool archive_path_ok(const char *path);

/* The host's platform in OCI's words: "amd64", "arm64", ... */
const char *host_architecture(void);

#endif
