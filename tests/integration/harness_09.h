/* harness_09.h - what the step 09 tests share: a fresh image store
 * (BOXES_ROOT) per test, archives crafted member by member (the hostile
 * and lying ones no real tool writes), and podman/skopeo run against a
 * throwaway storage of their own. */
#ifndef BOXES_HARNESS_09_H
#define BOXES_HARNESS_09_H

#include <stdbool.h>
#include <stddef.h>

/* cmocka per-test setup/teardown: BOXES_ROOT = a new
 * /tmp/boxes-test-store-XXXXXX; teardown removes it. */
int store_setup(void **state);
int store_teardown(void **state);
/* The current BOXES_ROOT. */
const char *store_dir(void);
/* Entries in BOXES_ROOT/SUB (layers, images, tmp); -1 when absent. */
int store_entries(const char *sub);

/* A scratch directory /tmp/boxes-test-NAME-XXXXXX (removed by
 * scratch_remove). */
char *scratch_dir(const char *name);
void scratch_remove(char *dir);
/* Entries in a directory; -1 when it does not exist. */
int dir_entries(const char *path);

/* One member of a crafted layer or archive. */
struct fake_member {
	const char *name;
	char type; /* 'f' file, 'd' dir, 'l' symlink, 'h' hardlink, 'b' block device */
	const char *content; /* a file's bytes; a link's target */
	const char *xattr; /* "name=value" on the entry, or NULL */
};

/* How a crafted archive lies about itself. */
enum fake_lie {
	LIE_NONE,
	LIE_NO_MANIFEST, /* no manifest.json (nor index.json) */
	LIE_MANIFEST_NOT_A_LIST, /* manifest.json is {"Config": ...} */
	LIE_MANIFEST_NOT_JSON, /* manifest.json is "[{ broken" */
	LIE_LAYER_ABSENT, /* the manifest names a layer the archive lacks */
	LIE_LAYER_TAMPERED, /* the last layer's bytes differ from its diff_id */
	LIE_CONFIG_NOT_JSON, /* the config is "{ this is not JSON" */
	LIE_LAYER_PATH_CLIMBS, /* Layers[0] is "../../<id>/layer.tar" */
	LIE_TOO_FEW_DIFF_IDS, /* the config lists one diff_id less */
};

/* A docker-save archive (classic layout) at path, named tag, with
 * layer_count layers, each a NULL-name-terminated array of members. */
int write_fake_image(const char *path, const char *tag, const struct fake_member *const *layers,
		     int layer_count, enum fake_lie lie);

/* scripts/mkimage.sh ARGS... (a NULL-terminated list); 0 on success. */
int mkimage(const char *out, const char *name, ...);

/* Run a shell command line, output to stderr of the test; its exit code. */
int shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, its stdout into out. */
int shell_output(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* podman with a storage of its own under a scratch dir: vfs, cgroupfs,
 * file events, a containers.conf without ulimits (this machine lacks
 * CAP_SYS_RESOURCE). podman_begin makes it, podman_end removes it all. */
void podman_begin(void);
void podman_end(void);
/* "podman --root ... ARGS"; its exit code, stdout into out if not NULL. */
int podman(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Run `09-image ARGS` with stdin from a file (NULL: /dev/null). */
struct run_result;
int run_image_cmd(struct run_result *result, const char *stdin_file, const char *args_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Count newlines in text: "one line" errors have exactly one. */
int line_count(const char *text);

#endif
