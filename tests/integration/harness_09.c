/* harness_09.c - step 09 test helpers (see harness_09.h). */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "harness.h"
#include "harness_09.h"
#include "state.h"

#include "09-image/digest.h"

static char store_path_now[256];
static char podman_dir[256];

char *scratch_dir(const char *name)
{
	char *dir = malloc(256);

	snprintf(dir, 256, "/tmp/boxes-test-%s-XXXXXX", name);
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

void scratch_remove(char *dir)
{
	if (dir && strncmp(dir, "/tmp/boxes-test-", 16) == 0)
		remove_tree(dir);
	free(dir);
}

int store_setup(void **state)
{
	(void)state;
	snprintf(store_path_now, sizeof(store_path_now), "/tmp/boxes-test-store-XXXXXX");
	if (!mkdtemp(store_path_now))
		return -1;
	setenv("BOXES_ROOT", store_path_now, 1);
	return 0;
}

int store_teardown(void **state)
{
	(void)state;
	if (host_mounts_matching(store_path_now) != 0) {
		fprintf(stderr, "harness: a mount of %s is left on the host\n", store_path_now);
		return -1;
	}
	remove_tree(store_path_now);
	unsetenv("BOXES_ROOT");
	return 0;
}

const char *store_dir(void)
{
	return store_path_now;
}

int dir_entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *entry;
	int count = 0;

	if (!dir)
		return -1;
	while ((entry = readdir(dir)))
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
			count++;
	closedir(dir);
	return count;
}

int store_entries(const char *sub)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", store_path_now, sub);
	return dir_entries(path);
}

int line_count(const char *text)
{
	int count = 0;

	for (; *text; text++)
		count += *text == '\n';
	return count;
}

static int vshell(char *out, size_t len, const char *fmt, va_list args)
{
	char command[8192];
	FILE *pipe;
	size_t used = 0;
	int status;

	vsnprintf(command, sizeof(command), fmt, args);
	pipe = popen(command, "r");
	if (!pipe)
		return -1;
	if (out) {
		size_t got;

		while (used < len - 1 && (got = fread(out + used, 1, len - 1 - used, pipe)) > 0)
			used += got;
		out[used] = '\0';
	} else {
		char sink[4096];

		while (fread(sink, 1, sizeof(sink), pipe) > 0)
			; /* stdout is not wanted; stderr goes to the test's log */
	}
	status = pclose(pipe);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int shell(const char *fmt, ...)
{
	va_list args;
	int result;

	va_start(args, fmt);
	result = vshell(NULL, 0, fmt, args);
	va_end(args);
	return result;
}

int shell_output(char *out, size_t len, const char *fmt, ...)
{
	va_list args;
	int result;

	va_start(args, fmt);
	result = vshell(out, len, fmt, args);
	va_end(args);
	return result;
}

int mkimage(const char *out, const char *name, ...)
{
	char command[4096];
	const char *arg;
	size_t used;
	va_list args;

	used = (size_t)snprintf(command, sizeof(command), "scripts/mkimage.sh");
	va_start(args, name);
	while ((arg = va_arg(args, const char *)) && used < sizeof(command))
		used += (size_t)snprintf(command + used, sizeof(command) - used, " '%s'", arg);
	va_end(args);
	snprintf(command + used, sizeof(command) - used, " '%s' '%s' >&2", out, name);
	return shell("%s", command);
}

void podman_begin(void)
{
	char conf[300];
	FILE *file;

	snprintf(podman_dir, sizeof(podman_dir), "/tmp/boxes-test-podman-XXXXXX");
	if (!mkdtemp(podman_dir))
		return;
	snprintf(conf, sizeof(conf), "%s/containers.conf", podman_dir);
	file = fopen(conf, "w");
	fputs("[containers]\ndefault_ulimits = []\n", file);
	fclose(file);
}

void podman_end(void)
{
	if (podman_dir[0] && strncmp(podman_dir, "/tmp/boxes-test-podman-", 23) == 0)
		remove_tree(podman_dir);
	podman_dir[0] = '\0';
}

int podman(char *out, size_t len, const char *fmt, ...)
{
	char args_text[4096];
	va_list args;

	va_start(args, fmt);
	vsnprintf(args_text, sizeof(args_text), fmt, args);
	va_end(args);
	char sink[4];
	int code = shell_output(
	    out ? out : sink, out ? len : sizeof(sink),
	    "CONTAINERS_CONF=%s/containers.conf TMPDIR=%s podman --root %s/root "
	    "--runroot %s/runroot --tmpdir %s/libpod --storage-driver vfs "
	    "--cgroup-manager cgroupfs --events-backend file %s 2>%s/stderr",
	    podman_dir, podman_dir, podman_dir, podman_dir, podman_dir, args_text, podman_dir);

	if (code != 0) /* what it said, for the failing test's log */
		shell("cat %s/stderr >&2", podman_dir);
	return code;
}

int run_image_cmd(struct run_result *result, const char *stdin_file, const char *args_fmt, ...)
{
	char args_text[4096], command[8192];
	va_list args;
	char *argv[] = {"/bin/sh", "-c", command, NULL};

	va_start(args, args_fmt);
	vsnprintf(args_text, sizeof(args_text), args_fmt, args);
	va_end(args);
	snprintf(command, sizeof(command), "exec %s %s < %s", bin_path("09-image"), args_text,
		 stdin_file ? stdin_file : "/dev/null");
	return run_argv(result, 60, argv);
}

/* --- crafted archives ------------------------------------------------ */

struct buffer {
	char *data;
	size_t len;
};

static la_ssize_t buffer_write(struct archive *archive, void *data, const void *bytes, size_t len)
{
	struct buffer *buffer = data;

	(void)archive;
	buffer->data = realloc(buffer->data, buffer->len + len);
	memcpy(buffer->data + buffer->len, bytes, len);
	buffer->len += len;
	return (la_ssize_t)len;
}

static void add_member(struct archive *tar, const struct fake_member *member, bool tamper)
{
	struct archive_entry *entry = archive_entry_new();
	size_t size = member->type == 'f' && member->content ? strlen(member->content) : 0;

	archive_entry_set_pathname(entry, member->name);
	archive_entry_set_mtime(entry, 1700000000, 0);
	switch (member->type) {
	case 'd':
		archive_entry_set_filetype(entry, AE_IFDIR);
		archive_entry_set_perm(entry, 0755);
		break;
	case 'l':
		archive_entry_set_filetype(entry, AE_IFLNK);
		archive_entry_set_perm(entry, 0777);
		archive_entry_set_symlink(entry, member->content);
		break;
	case 'h':
		archive_entry_set_filetype(entry, AE_IFREG);
		archive_entry_set_perm(entry, 0644);
		archive_entry_set_hardlink(entry, member->content);
		break;
	case 'b':
		archive_entry_set_filetype(entry, AE_IFBLK);
		archive_entry_set_perm(entry, 0600);
		archive_entry_set_rdev(entry, makedev(8, 0));
		break;
	default:
		archive_entry_set_filetype(entry, AE_IFREG);
		archive_entry_set_perm(entry, 0644);
		archive_entry_set_size(entry, (la_int64_t)size);
	}
	if (member->xattr) {
		const char *equals = strchr(member->xattr, '=');
		char name[128];

		snprintf(name, sizeof(name), "%.*s", (int)(equals - member->xattr), member->xattr);
		archive_entry_xattr_add_entry(entry, name, equals + 1, strlen(equals + 1));
	}
	archive_write_header(tar, entry);
	if (size > 0) {
		char *bytes = strdup(member->content);

		if (tamper)
			bytes[0] ^= 1; /* same size, other bytes */
		archive_write_data(tar, bytes, size);
		free(bytes);
	}
	archive_entry_free(entry);
}

/* A tar of the members, in memory (a crafted layer is small). */
static struct buffer make_tar(const struct fake_member *members, bool tamper)
{
	struct buffer buffer = {0};
	struct archive *tar = archive_write_new();

	archive_write_set_format_pax_restricted(tar);
	archive_write_open(tar, &buffer, NULL, buffer_write, NULL);
	for (int i = 0; members && members[i].name; i++)
		add_member(tar, &members[i], tamper);
	archive_write_close(tar);
	archive_write_free(tar);
	return buffer;
}

static void add_blob(struct archive *out, const char *name, const char *data, size_t len)
{
	struct archive_entry *entry = archive_entry_new();

	archive_entry_set_pathname(entry, name);
	archive_entry_set_filetype(entry, AE_IFREG);
	archive_entry_set_perm(entry, 0644);
	archive_entry_set_size(entry, (la_int64_t)len);
	archive_write_header(out, entry);
	archive_write_data(out, data, len);
	archive_entry_free(entry);
}

int write_fake_image(const char *path, const char *tag, const struct fake_member *const *layers,
		     int layer_count, enum fake_lie lie)
{
	struct archive *out = archive_write_new();
	json_t *diff_ids = json_array(), *paths = json_array(), *config, *manifest;
	char digest[DIGEST_LEN], name[200], *text;

	archive_write_set_format_pax_restricted(out);
	if (archive_write_open_filename(out, path) != ARCHIVE_OK)
		return -1;
	for (int i = 0; i < layer_count; i++) {
		struct buffer tar = make_tar(layers[i], false);
		bool last = i == layer_count - 1;

		sha256_of(tar.data, tar.len, digest);
		if (!(lie == LIE_TOO_FEW_DIFF_IDS && last))
			json_array_append_new(diff_ids, json_string(digest));
		snprintf(name, sizeof(name), "%s%s/layer.tar",
			 lie == LIE_LAYER_PATH_CLIMBS && i == 0 ? "../../" : "",
			 digest_hex(digest));
		json_array_append_new(paths, json_string(name));
		if (lie == LIE_LAYER_TAMPERED && last) {
			free(tar.data);
			tar = make_tar(layers[i], true);
		}
		snprintf(name, sizeof(name), "%s/layer.tar", digest_hex(digest));
		if (!(lie == LIE_LAYER_ABSENT && last))
			add_blob(out, name, tar.data, tar.len);
		free(tar.data);
	}
	config = json_pack("{s:s, s:s, s:s, s:{s:[s]}, s:{s:s, s:o}}", "architecture", "amd64",
			   "os", "linux", "created", "2024-01-01T00:00:00Z", "config", "Cmd",
			   "/bin/sh", "rootfs", "type", "layers", "diff_ids", diff_ids);
	text = lie == LIE_CONFIG_NOT_JSON ? strdup("{ this is not JSON")
					  : json_dumps(config, JSON_COMPACT);
	sha256_of(text, strlen(text), digest);
	snprintf(name, sizeof(name), "%s.json", digest_hex(digest));
	add_blob(out, name, text, strlen(text));
	free(text);
	manifest =
	    json_pack("[{s:s, s:[s], s:o}]", "Config", name, "RepoTags", tag, "Layers", paths);
	if (lie == LIE_MANIFEST_NOT_A_LIST)
		text = json_dumps(json_array_get(manifest, 0), JSON_COMPACT);
	else if (lie == LIE_MANIFEST_NOT_JSON)
		text = strdup("[{ broken");
	else
		text = json_dumps(manifest, JSON_COMPACT);
	if (lie != LIE_NO_MANIFEST)
		add_blob(out, "manifest.json", text, strlen(text));
	free(text);
	json_decref(manifest);
	json_decref(config);
	archive_write_close(out);
	archive_write_free(out);
	return 0;
}
