/* Step 09 (the image half): load what docker save, podman, skopeo and
 * umoci write into a content-addressed store, safely; images, inspect,
 * save, import, rmi. And the escape it blocks: a naive loader (a plain
 * `tar -xf layer.tar -C rootfs` per layer) lets a crafted image write
 * outside its directory; 09-image load of the same archive does not. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "harness_09.h"

#include "09-image/image_open.h"

static struct run_result result;
static char *archives; /* scratch dir with the archives of mkimage.sh */
static char *outside; /* where a hostile archive tries to write */

static const char *archive(const char *name)
{
	static char path[4][512];
	static int next;
	char *out = path[next++ % 4];

	snprintf(out, 512, "%s/%s", archives, name);
	return out;
}

static int group_setup(void **state)
{
	if (harness_setup(state) < 0)
		return -1;
	archives = scratch_dir("archives");
	outside = scratch_dir("outside");
	if (!archives || !outside ||
	    mkimage(archive("docker3.tar"), "localhost/boxes-test:latest", NULL) != 0 ||
	    mkimage(archive("docker4.tar"), "localhost/boxes-test:four", "--layers", "4", NULL) !=
		0 ||
	    mkimage(archive("oci-gzip.tar"), "localhost/boxes-oci:gzip", "--oci", "--compress",
		    "gzip", NULL) != 0 ||
	    mkimage(archive("oci-zstd.tar"), "localhost/boxes-oci:zstd", "--oci", "--compress",
		    "zstd", NULL) != 0 ||
	    mkimage(archive("nested.tar"), "localhost/boxes-oci:nested", "--oci", "--nested",
		    NULL) != 0 ||
	    mkimage(archive("docker25.tar"), "localhost/boxes-test:docker25", "--docker25", NULL) !=
		0) {
		fprintf(stderr, "scripts/mkimage.sh failed\n");
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	scratch_remove(archives);
	scratch_remove(outside);
	return harness_teardown(state);
}

static void load_ok(const char *path)
{
	run_image_cmd(&result, NULL, "load -i %s", path);
	assert_exit(&result, 0);
}

/* The LowerDir that inspect prints (top first, as overlayfs wants). */
static void lower_dir_of(const char *name, char *out, size_t len)
{
	json_t *root, *lower;

	run_image_cmd(&result, NULL, "inspect %s", name);
	assert_exit(&result, 0);
	root = json_loads(result.out, 0, NULL);
	assert_non_null(root);
	lower = json_object_get(
	    json_object_get(json_object_get(json_array_get(root, 0), "GraphDriver"), "Data"),
	    "LowerDir");
	assert_true(json_is_string(lower));
	snprintf(out, len, "%s", json_string_value(lower));
	json_decref(root);
}

/* Mount the layers as an overlay in a mount namespace of a child (so no
 * mount ever reaches the host), run a shell command over the mount point
 * (as $M), return what it printed. in_userns: mount it as step 07 does, in a
 * user namespace with "userxattr", where only user.overlay.* counts. */
static void overlay_sees(const char *lower, bool in_userns, const char *command, char *out,
			 size_t len)
{
	char *mnt = scratch_dir("mnt"), file[300];
	int pipe_fds[2];
	pid_t pid;

	assert_non_null(mnt);
	snprintf(file, sizeof(file), "%s.out", mnt);
	assert_int_equal(pipe(pipe_fds), 0);
	pid = fork();
	if (pid == 0) {
		char options[8192], cmd[9000];
		int flags = CLONE_NEWNS | (in_userns ? CLONE_NEWUSER : 0);

		if (unshare(flags) < 0)
			_exit(3);
		if (in_userns) {
			int fd = open("/proc/self/setgroups", O_WRONLY);

			if (fd >= 0 && (write(fd, "deny", 4) < 0 || close(fd) < 0))
				_exit(4);
			fd = open("/proc/self/uid_map", O_WRONLY);
			if (fd < 0 || write(fd, "0 0 1", 5) != 5 || close(fd) < 0)
				_exit(4);
			fd = open("/proc/self/gid_map", O_WRONLY);
			if (fd < 0 || write(fd, "0 0 1", 5) != 5 || close(fd) < 0)
				_exit(4);
		}
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(5);
		snprintf(options, sizeof(options), "lowerdir=%s%s", lower,
			 in_userns ? ",userxattr" : "");
		if (mount("overlay", mnt, "overlay", MS_RDONLY, options) < 0) {
			perror("mount overlay");
			_exit(6);
		}
		snprintf(cmd, sizeof(cmd), "M=%s; %s", mnt, command);
		dup2(pipe_fds[1], 1);
		_exit(system(cmd) == 0 ? 0 : 7);
	}
	close(pipe_fds[1]);
	ssize_t got, used = 0;

	while ((got = read(pipe_fds[0], out + used, len - 1 - (size_t)used)) > 0)
		used += got;
	out[used] = '\0';
	close(pipe_fds[0]);
	int status;

	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	scratch_remove(mnt);
}

/* --- load: docker save, OCI, compressed, stdin ------------------------ */

static void test_load_docker_save_extracts_each_layer_once(void **state)
{
	struct stat before, after;
	char path[600];

	(void)state;
	load_ok(archive("docker3.tar"));
	assert_output(&result, "Loaded image: localhost/boxes-test:latest");
	assert_int_equal(store_entries("layers"), 3);
	assert_int_equal(store_entries("images"), 1);
	assert_int_equal(store_entries("tmp"), 0);
	run_image_cmd(&result, NULL, "inspect localhost/boxes-test");
	json_t *root = json_loads(result.out, 0, NULL);
	const char *diff_id = json_string_value(json_array_get(
	    json_object_get(json_object_get(json_array_get(root, 0), "RootFS"), "Layers"), 0));
	snprintf(path, sizeof(path), "%s/layers/%s/diff", store_dir(), diff_id + 7);
	json_decref(root);
	assert_int_equal(stat(path, &before), 0);

	load_ok(archive("docker3.tar")); /* again: nothing to extract */
	assert_int_equal(line_count(result.out), 4);
	assert_no_output(&result, ": Loaded");
	assert_output(&result, ": Already exists");
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino); /* the same directory, not a new copy */
	assert_int_equal(store_entries("layers"), 3);
}

static void test_images_sharing_a_base_share_its_layers(void **state)
{
	(void)state;
	load_ok(archive("docker3.tar"));
	load_ok(archive("docker4.tar")); /* the same three layers and one more */
	assert_int_equal(line_count(result.out), 5);
	assert_output(&result, ": Already exists");
	assert_int_equal(store_entries("layers"), 4);
	assert_int_equal(store_entries("images"), 2);
}

static void test_whiteouts_and_opaque_dirs_hold_in_the_overlay(void **state)
{
	char lower[8192], seen[4096];

	(void)state;
	load_ok(archive("docker3.tar"));
	lower_dir_of("localhost/boxes-test:latest", lower, sizeof(lower));
	overlay_sees(lower, false,
		     "ls -A $M/data; test -e $M/etc/motd || echo motd-gone; cat $M/etc/layer-2",
		     seen, sizeof(seen));
	assert_string_equal(seen, "top\nmotd-gone\nfrom layer 2\n");
	/* as steps 07 and 08 mount it: in a user namespace, userxattr */
	overlay_sees(lower, true, "ls -A $M/data; test -e $M/etc/motd || echo motd-gone", seen,
		     sizeof(seen));
	assert_string_equal(seen, "top\nmotd-gone\n");
}

static void test_load_oci_layout_gzip_and_zstd_layers(void **state)
{
	(void)state;
	load_ok(archive("oci-gzip.tar"));
	assert_output(&result, "Loaded image: localhost/boxes-oci:gzip");
	load_ok(archive("oci-zstd.tar"));
	assert_output(&result, "Loaded image: localhost/boxes-oci:zstd");
	/* the same uncompressed layers as docker save's: the same diff_ids */
	load_ok(archive("docker3.tar"));
	assert_no_output(&result, ": Loaded");
	assert_int_equal(store_entries("layers"), 3);
}

static void test_nested_index_picks_this_hosts_platform(void **state)
{
	(void)state;
	/* the other platform's manifest is not in the archive: reading it fails */
	load_ok(archive("nested.tar"));
	assert_output(&result, "Loaded image: localhost/boxes-oci:nested");
	assert_int_equal(store_entries("images"), 1);
}

static void test_load_docker_25_layout(void **state)
{
	(void)state;
	/* manifest.json beside index.json: docker's own manifest wins */
	load_ok(archive("docker25.tar"));
	assert_output(&result, "Loaded image: localhost/boxes-test:docker25");
	assert_int_equal(store_entries("layers"), 3);
}

/* An OCI blob changed after the manifest named it by digest. */
static void test_tampered_oci_blob_is_refused(void **state)
{
	char work[600], tampered[600];

	(void)state;
	snprintf(work, sizeof(work), "%s/tamper", archives);
	snprintf(tampered, sizeof(tampered), "%s/tampered-oci.tar", archives);
	assert_int_equal(
	    shell("set -e; rm -rf %s; mkdir %s; cd %s; tar -xf %s; "
		  "for f in blobs/sha256/*; do "
		  "if gunzip -c $f 2>/dev/null | tar -t 2>/dev/null | grep -q data/top; then "
		  "gunzip -c $f | perl -0777 -pe 's/\\0top\\n/\\0TOP\\n/' | gzip -n > $f.new; "
		  "mv $f.new $f; fi; done; tar -cf %s .; cd /; rm -rf %s",
		  work, work, work, archive("oci-gzip.tar"), tampered, work),
	    0);
	run_image_cmd(&result, NULL, "load -i %s", tampered);
	assert_exit(&result, 125);
	assert_error(&result, "load: layer 3 (blobs/sha256/");
	assert_error(&result, "the manifest says sha256:");
	assert_int_equal(line_count(result.err), 1);
	assert_int_equal(store_entries("layers"), 0);
	assert_int_equal(store_entries("images"), 0);
}

static void test_load_from_stdin_and_compressed_archives(void **state)
{
	char gz[600], zst[600];

	(void)state;
	snprintf(gz, sizeof(gz), "%s/docker3.tar.gz", archives);
	snprintf(zst, sizeof(zst), "%s/docker3.tar.zst", archives);
	assert_int_equal(shell("gzip -c %s > %s && zstd -q -c %s > %s", archive("docker3.tar"), gz,
			       archive("docker3.tar"), zst),
			 0);
	run_image_cmd(&result, gz, "load");
	assert_exit(&result, 0);
	assert_output(&result, "Loaded image: localhost/boxes-test:latest");
	assert_int_equal(store_entries("tmp"), 0); /* the saved copy of stdin is gone */
	run_image_cmd(&result, NULL, "load -i %s", zst);
	assert_exit(&result, 0);
	assert_output(&result, "Already exists");
}

/* --- images, inspect, names, import ------------------------------------ */

static void test_images_lists_like_docker(void **state)
{
	(void)state;
	load_ok(archive("docker3.tar"));
	run_image_cmd(&result, NULL, "images");
	assert_exit(&result, 0);
	assert_true(strncmp(result.out, "REPOSITORY", 10) == 0);
	assert_output(&result, "TAG");
	assert_output(&result, "IMAGE ID");
	assert_output(&result, "CREATED");
	assert_output(&result, "SIZE");
	char repo[64], tag[64], id[64], rest[256];

	assert_int_equal(
	    sscanf(strchr(result.out, '\n') + 1, "%63s %63s %63s %255[^\n]", repo, tag, id, rest),
	    4);
	assert_string_equal(repo, "localhost/boxes-test");
	assert_string_equal(tag, "latest");
	assert_int_equal(strlen(id), 12);
	assert_true(strstr(rest, "ago") != NULL);
	assert_true(strstr(rest, "MB") != NULL);
}

static void test_inspect_shows_config_and_layers(void **state)
{
	json_t *root, *image, *layers;

	(void)state;
	load_ok(archive("docker3.tar"));
	run_image_cmd(&result, NULL, "inspect localhost/boxes-test:latest");
	assert_exit(&result, 0);
	root = json_loads(result.out, 0, NULL);
	image = json_array_get(root, 0);
	assert_non_null(image);
	assert_true(strncmp(json_string_value(json_object_get(image, "Id")), "sha256:", 7) == 0);
	layers = json_object_get(json_object_get(image, "RootFS"), "Layers");
	assert_int_equal(json_array_size(layers), 3);
	assert_string_equal(json_string_value(json_array_get(
				json_object_get(json_object_get(image, "Config"), "Cmd"), 0)),
			    "/bin/sh");
	json_decref(root);
}

static void test_names_resolve_as_docker(void **state)
{
	char id[80];

	(void)state;
	assert_int_equal(
	    shell("tar -C %s --exclude=./.stamp -cf %s .", rootfs_path(), archive("rootfs.tar")),
	    0);
	run_image_cmd(&result, NULL, "import %s bb:2", archive("rootfs.tar"));
	assert_exit(&result, 0);
	snprintf(id, sizeof(id), "%.19s", result.out); /* sha256: + 12 hex */
	run_image_cmd(&result, NULL, "inspect docker.io/library/bb:2");
	assert_exit(&result, 0);
	run_image_cmd(&result, NULL, "inspect bb:2");
	assert_exit(&result, 0);
	run_image_cmd(&result, NULL, "inspect %s", id + 7); /* an id prefix */
	assert_exit(&result, 0);
	run_image_cmd(&result, NULL, "inspect bb"); /* bb:latest: there is none */
	assert_exit(&result, 125);
	assert_error(&result, "no such image: bb");
	run_image_cmd(&result, NULL, "inspect localhost/bb:2"); /* another registry */
	assert_exit(&result, 125);
	run_image_cmd(&result, NULL, "images");
	assert_output(&result, "bb  ");
}

/* --- rmi ------------------------------------------------------------ */

static void test_rmi_removes_only_layers_no_image_uses(void **state)
{
	(void)state;
	load_ok(archive("docker3.tar"));
	load_ok(archive("docker4.tar"));
	run_image_cmd(&result, NULL, "rmi localhost/boxes-test:latest");
	assert_exit(&result, 0);
	assert_output(&result, "Untagged: localhost/boxes-test:latest");
	assert_int_equal(store_entries("layers"), 4); /* all four in use by :four */
	assert_int_equal(store_entries("images"), 1);
	run_image_cmd(&result, NULL, "rmi localhost/boxes-test:four");
	assert_exit(&result, 0);
	assert_int_equal(store_entries("layers"), 0);
	assert_int_equal(store_entries("images"), 0);
	assert_int_equal(store_entries("tmp"), 0);
	run_image_cmd(&result, NULL, "rmi localhost/boxes-test:four");
	assert_exit(&result, 125);
	assert_error(&result, "no such image");
}

static void test_rmi_refuses_an_image_a_container_uses(void **state)
{
	struct opened_image image;

	(void)state;
	load_ok(archive("docker3.tar"));
	/* what run does for the container's lifetime: open_image pins it */
	assert_int_equal(open_image("localhost/boxes-test", &image), 0);
	assert_int_equal(image.layer_count, 3);
	assert_string_equal(image.config.cmd[0], "/bin/sh");
	assert_null(image.config.entrypoint);
	run_image_cmd(&result, NULL, "rmi localhost/boxes-test");
	assert_exit(&result, 125);
	assert_error(&result, "a running container uses image");
	assert_int_equal(store_entries("layers"), 3);
	close_image(&image);
	run_image_cmd(&result, NULL, "rmi localhost/boxes-test");
	assert_exit(&result, 0);
	assert_int_equal(store_entries("layers"), 0);
}

/* --- concurrency and killed loads -------------------------------------- */

static void test_a_killed_loads_leftovers_are_swept(void **state)
{
	char dead[600], live[600];
	int fd;

	(void)state;
	load_ok(archive("docker3.tar")); /* makes the store */
	snprintf(dead, sizeof(dead), "%s/tmp/load-dead01/layer-0/diff", store_dir());
	snprintf(live, sizeof(live), "%s/tmp/load-live01", store_dir());
	assert_int_equal(shell("mkdir -p %s %s && echo half > %s/half-written", dead, live, dead),
			 0);
	fd = open(live, O_RDONLY | O_DIRECTORY);
	assert_int_equal(flock(fd, LOCK_EX), 0); /* a load still running */
	load_ok(archive("oci-zstd.tar"));
	assert_int_equal(store_entries("tmp"), 1);
	assert_int_equal(dir_entries(live), 0);
	close(fd);
}

static void test_concurrent_loads_keep_every_tag(void **state)
{
	static const char *const names[] = {"docker3.tar", "docker4.tar", "oci-gzip.tar",
					    "oci-zstd.tar", "nested.tar"};
	pid_t pids[5];
	char out[600], err[600], index[8192];

	(void)state;
	for (int i = 0; i < 5; i++) {
		snprintf(out, sizeof(out), "%s/out-%d", archives, i);
		snprintf(err, sizeof(err), "%s/err-%d", archives, i);
		pids[i] = spawn_box(out, err, "09-image", "load", "-i", archive(names[i]), NULL);
	}
	for (int i = 0; i < 5; i++) {
		int code = wait_box(pids[i], 60);

		if (code != 0) {
			snprintf(err, sizeof(err), "%s/err-%d", archives, i);
			read_file(err, index, sizeof(index));
			fprintf(stderr, "load of %s: exit %d: %s\n", names[i], code, index);
		}
		assert_int_equal(code, 0);
	}
	snprintf(out, sizeof(out), "%s/index.json", store_dir());
	assert_int_equal(read_file(out, index, sizeof(index)), 0);
	assert_non_null(strstr(index, "localhost/boxes-test:latest"));
	assert_non_null(strstr(index, "localhost/boxes-test:four"));
	assert_non_null(strstr(index, "localhost/boxes-oci:gzip"));
	assert_non_null(strstr(index, "localhost/boxes-oci:zstd"));
	assert_non_null(strstr(index, "localhost/boxes-oci:nested"));
	assert_int_equal(store_entries("layers"), 4);
	assert_int_equal(store_entries("tmp"), 0);
}

/* --- lying archives: one line, 125, store unchanged ---------------------- */

static const struct fake_member honest_layer[] = {
    {"etc/", 'd', NULL, NULL},
    {"etc/hello", 'f', "hello from a crafted layer\n", NULL},
    {NULL, 0, NULL, NULL}};
static const struct fake_member second_layer[] = {{"etc/second", 'f', "second layer\n", NULL},
						  {NULL, 0, NULL, NULL}};

static void check_refused(enum fake_lie lie, const char *text)
{
	const struct fake_member *layers[] = {honest_layer, second_layer};
	char path[600];

	snprintf(path, sizeof(path), "%s/lie-%d.tar", archives, (int)lie);
	assert_int_equal(write_fake_image(path, "localhost/liar:1", layers, 2, lie), 0);
	run_image_cmd(&result, NULL, "load -i %s", path);
	assert_exit(&result, 125);
	assert_error(&result, text);
	assert_int_equal(line_count(result.err), 1);
	assert_int_equal(store_entries("layers"), 0);
	assert_int_equal(store_entries("images"), 0);
	assert_int_equal(store_entries("tmp"), 0);
	assert_int_equal(store_entries("index.json"), -1);
}

static void test_honest_crafted_archive_loads(void **state)
{
	const struct fake_member *layers[] = {honest_layer, second_layer};
	char path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/honest.tar", archives);
	assert_int_equal(write_fake_image(path, "localhost/liar:1", layers, 2, LIE_NONE), 0);
	load_ok(path); /* so each lie below is refused for its lie alone */
	assert_int_equal(store_entries("layers"), 2);
}

static void test_lying_archives_are_refused_in_one_line(void **state)
{
	(void)state;
	check_refused(LIE_NO_MANIFEST, "has no manifest.json or index.json");
	check_refused(LIE_MANIFEST_NOT_A_LIST, "manifest.json: is not a list of images");
	check_refused(LIE_MANIFEST_NOT_JSON, "manifest.json: not JSON");
	check_refused(LIE_LAYER_ABSENT, "which is not in the archive");
	check_refused(LIE_LAYER_TAMPERED, "layer 2 (");
	check_refused(LIE_LAYER_TAMPERED, "the archive was changed");
	check_refused(LIE_CONFIG_NOT_JSON, "Config \"");
	check_refused(LIE_CONFIG_NOT_JSON, ": not JSON");
	check_refused(LIE_LAYER_PATH_CLIMBS, "climbs out of the archive");
	check_refused(LIE_TOO_FEW_DIFF_IDS, "rootfs.diff_ids 1");
}

/* --- hostile layers: nothing outside the store ---------------------------- */

/* Load a one- or two-layer crafted image; expect exit code, and that
 * nothing appeared in outside/ nor changed in /etc/passwd. */
static void load_hostile(const struct fake_member *first, const struct fake_member *second,
			 int code, const char *text)
{
	const struct fake_member *layers[] = {first, second};
	char path[600], passwd_before[65536], passwd_after[65536];

	snprintf(path, sizeof(path), "%s/hostile.tar", archives);
	assert_int_equal(
	    write_fake_image(path, "localhost/hostile:1", layers, second ? 2 : 1, LIE_NONE), 0);
	read_file("/etc/passwd", passwd_before, sizeof(passwd_before));
	run_image_cmd(&result, NULL, "load -i %s", path);
	assert_exit(&result, code);
	if (text)
		assert_error(&result, text);
	if (code != 0) {
		assert_int_equal(line_count(result.err), 1);
		assert_int_equal(store_entries("layers"), 0);
	}
	assert_int_equal(store_entries("tmp"), 0);
	assert_int_equal(dir_entries(outside), 0);
	read_file("/etc/passwd", passwd_after, sizeof(passwd_after));
	assert_string_equal(passwd_before, passwd_after);
}

static void test_hostile_traversal_is_refused(void **state)
{
	char name[600];
	struct fake_member layer[] = {{name, 'f', "pwned\n", NULL}, {NULL, 0, NULL, NULL}};

	(void)state;
	snprintf(name, sizeof(name), "../../../../../../../../..%s/pwned", outside);
	load_hostile(layer, NULL, 125, "the layer is refused");
}

static void test_hostile_absolute_name_is_refused(void **state)
{
	char name[600];
	struct fake_member layer[] = {{name, 'f', "pwned\n", NULL}, {NULL, 0, NULL, NULL}};

	(void)state;
	snprintf(name, sizeof(name), "%s/pwned", outside);
	load_hostile(layer, NULL, 125, "Path is absolute");
}

static void test_hostile_symlinked_parent_in_one_layer_is_refused(void **state)
{
	struct fake_member layer[] = {{"escape", 'l', outside, NULL},
				      {"escape/pwned", 'f', "pwned\n", NULL},
				      {NULL, 0, NULL, NULL}};

	(void)state;
	load_hostile(layer, NULL, 125, "escape/pwned");
}

static void test_hostile_symlinked_parent_across_layers_is_contained(void **state)
{
	struct fake_member first[] = {{"escape", 'l', outside, NULL}, {NULL, 0, NULL, NULL}};
	struct fake_member second[] = {{"escape/pwned", 'f', "pwned\n", NULL},
				       {NULL, 0, NULL, NULL}};

	(void)state;
	/* each layer has a directory of its own: in layer 2, escape/ is a
	 * plain new directory, whatever layer 1 made of that name */
	load_hostile(first, second, 0, NULL);
	assert_int_equal(store_entries("layers"), 2);
}

static void test_hostile_hardlinks_out_are_refused(void **state)
{
	struct fake_member absolute[] = {{"passwd", 'h', "/etc/passwd", NULL},
					 {NULL, 0, NULL, NULL}};
	struct fake_member climbing[] = {
	    {"passwd", 'h', "../../../../../../../../etc/passwd", NULL}, {NULL, 0, NULL, NULL}};
	struct fake_member through_link[] = {
	    {"etc", 'l', "/etc", NULL}, {"passwd", 'h', "etc/passwd", NULL}, {NULL, 0, NULL, NULL}};

	(void)state;
	load_hostile(absolute, NULL, 125, "hardlink to \"/etc/passwd\"");
	load_hostile(climbing, NULL, 125, "not a file of this layer");
	load_hostile(through_link, NULL, 125, "not a file of this layer");
}

static void test_hostile_store_path_member_stays_in_its_layer(void **state)
{
	char name[600];
	struct fake_member climbing[] = {{name, 'f', "pwned\n", NULL}, {NULL, 0, NULL, NULL}};

	(void)state;
	/* from BOXES_ROOT/tmp/load-X/layer-0/diff, ../../../../ is BOXES_ROOT */
	snprintf(name, sizeof(name), "../../../../index.json");
	load_hostile(climbing, NULL, 125, "the layer is refused");
	assert_int_equal(store_entries("index.json"), -1);
}

static void test_hostile_devices_and_overlay_xattrs_are_dropped(void **state)
{
	struct fake_member layer[] = {{"dev/", 'd', NULL, NULL},
				      {"dev/sda", 'b', NULL, NULL},
				      {"secret/", 'd', NULL, "trusted.overlay.opaque=y"},
				      {"secret/file", 'f', "x\n", NULL},
				      {NULL, 0, NULL, NULL}};
	char lower[8192], path[9000], value[8];
	struct stat st;

	(void)state;
	load_hostile(layer, NULL, 0, "device node not created (dev/sda");
	lower_dir_of("localhost/hostile:1", lower, sizeof(lower));
	snprintf(path, sizeof(path), "%s/dev/sda", lower);
	assert_int_equal(lstat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/secret", lower);
	assert_int_equal(lgetxattr(path, "trusted.overlay.opaque", value, sizeof(value)), -1);
}

/* --- the escape pair ------------------------------------------------- */

/* Layer 1 makes "escape", a symlink out; layer 2 has a file under
 * "escape/" and no entry for the directory itself. */
static void write_escape_image(char *path, size_t len)
{
	static struct fake_member first[] = {{"escape", 'l', NULL, NULL}, {NULL, 0, NULL, NULL}};
	static struct fake_member second[] = {{"escape/pwned", 'f', "pwned by layer 2\n", NULL},
					      {NULL, 0, NULL, NULL}};
	const struct fake_member *layers[] = {first, second};

	first[0].content = outside;
	snprintf(path, len, "%s/escape.tar", archives);
	assert_int_equal(write_fake_image(path, "localhost/escape:1", layers, 2, LIE_NONE), 0);
}

static void test_naive_tar_loader_writes_outside(void **state)
{
	char path[600], *work = scratch_dir("naive");
	char listing[4096];

	(void)state;
	write_escape_image(path, sizeof(path));
	/* what a learner writes after `tar -xvf image.tar`: every layer, in
	 * order, extracted with tar into one rootfs directory */
	assert_int_equal(
	    shell("cd %s && mkdir image rootfs && tar -xf %s -C image && "
		  "for layer in $(grep -o '[0-9a-f]*/layer.tar' image/manifest.json); do "
		  "tar -xf image/$layer -C rootfs; done",
		  work, path),
	    0);
	snprintf(listing, sizeof(listing), "%s/pwned", outside);
	assert_int_equal(access(listing, F_OK), 0); /* ESCAPED: written outside rootfs/ */
	unlink(listing);
	scratch_remove(work);
}

static void test_load_of_the_escape_image_writes_nothing_outside(void **state)
{
	char path[600];

	(void)state;
	write_escape_image(path, sizeof(path));
	load_ok(path);
	assert_int_equal(dir_entries(outside), 0); /* blocked */
}

/* --- run: the image as a container's root ----------------------------- */

static void test_run_sees_whiteouts_and_opaque_dirs(void **state)
{
	(void)state;
	load_ok(archive("docker3.tar"));
	run_image_cmd(&result, NULL, "%s",
		      "run localhost/boxes-test /bin/sh -c "
		      "'ls -A /data; test -e /etc/motd || echo motd-gone; cat /etc/layer-2'");
	assert_exit(&result, 0);
	assert_string_equal(result.out, "top\nmotd-gone\nfrom layer 2\n");
}

static void test_run_applies_the_image_config(void **state)
{
	char path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/configured.tar", archives);
	assert_int_equal(
	    mkimage(path, "localhost/configured:1", "--config",
		    "{\"Env\":[\"GREETING=hello\"],\"Entrypoint\":[\"/bin/sh\",\"-c\"],"
		    "\"Cmd\":[\"echo $GREETING from $(pwd)\"],\"WorkingDir\":\"/data\"}",
		    NULL),
	    0);
	load_ok(path);
	run_image_cmd(&result, NULL, "run localhost/configured:1");
	assert_exit(&result, 0);
	assert_string_equal(result.out, "hello from /data\n");
	run_image_cmd(&result, NULL,
		      "run localhost/configured:1 'echo replaced'"); /* COMMAND replaces Cmd */
	assert_exit(&result, 0);
	assert_string_equal(result.out, "replaced\n");
}

static void test_image_of_100_layers_runs(void **state)
{
	char path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/hundred.tar", archives);
	assert_int_equal(mkimage(path, "localhost/hundred:1", "--layers", "100", NULL), 0);
	load_ok(path);
	assert_int_equal(store_entries("layers"), 100);
	run_image_cmd(&result, NULL,
		      "run localhost/hundred:1 /bin/sh -c 'ls /layers | wc -l; cat /layers/100'");
	assert_exit(&result, 0);
	assert_string_equal(result.out, "97\n100\n");
}

/* --- save, and the real tools ------------------------------------------ */

static int podman_setup(void **state)
{
	podman_begin();
	return store_setup(state);
}

static int podman_teardown(void **state)
{
	podman_end();
	return store_teardown(state);
}

static void test_boxes_saved_image_loads_in_podman(void **state)
{
	char saved[600], again[600], out[4096];

	(void)state;
	snprintf(saved, sizeof(saved), "%s/boxes-saved.tar", archives);
	snprintf(again, sizeof(again), "%s/podman-again.tar", archives);
	load_ok(archive("docker3.tar"));
	run_image_cmd(&result, NULL, "save -o %s localhost/boxes-test", saved);
	assert_exit(&result, 0);
	assert_int_equal(podman(out, sizeof(out), "load -i %s", saved), 0);
	assert_non_null(strstr(out, "localhost/boxes-test:latest"));
	assert_int_equal(podman(out, sizeof(out),
				"image inspect --format '{{len .RootFS.Layers}} {{.Config.Cmd}}' "
				"localhost/boxes-test:latest"),
			 0);
	assert_string_equal(out, "3 [/bin/sh]\n");
	/* and back: what podman saves of it loads in boxes, whiteouts intact */
	assert_int_equal(podman(NULL, 0,
				"save --format docker-archive -o %s localhost/boxes-test:latest",
				again),
			 0);
	run_image_cmd(&result, NULL, "rmi localhost/boxes-test");
	load_ok(again);
	char lower[8192], seen[1024];

	lower_dir_of("localhost/boxes-test", lower, sizeof(lower));
	overlay_sees(lower, false, "ls -A $M/data; test -e $M/etc/motd || echo motd-gone", seen,
		     sizeof(seen));
	assert_string_equal(seen, "top\nmotd-gone\n");
}

static void test_podman_archives_load_with_whiteouts(void **state)
{
	static const char *const formats[] = {"docker-archive", "oci-archive"};
	char path[600], lower[8192], seen[1024];

	(void)state;
	assert_int_equal(podman(NULL, 0, "load -i %s", archive("docker3.tar")), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/podman-%s.tar", archives, formats[i]);
		assert_int_equal(podman(NULL, 0,
					"save --format %s -o %s localhost/boxes-test:latest",
					formats[i], path),
				 0);
		load_ok(path);
		assert_output(&result, "Loaded image: localhost/boxes-test:latest");
		lower_dir_of("localhost/boxes-test", lower, sizeof(lower));
		overlay_sees(lower, false, "ls -A $M/data; test -e $M/etc/motd || echo motd-gone",
			     seen, sizeof(seen));
		assert_string_equal(seen, "top\nmotd-gone\n");
		run_image_cmd(&result, NULL, "run localhost/boxes-test cat /data/top");
		assert_exit(&result, 0);
		assert_string_equal(result.out, "top\n");
	}
}

static void test_podman_import_and_several_images_in_one_archive(void **state)
{
	char path[600], out[4096];

	(void)state;
	assert_int_equal(
	    shell("tar -C %s --exclude=./.stamp -cf %s .", rootfs_path(), archive("rootfs.tar")),
	    0);
	assert_int_equal(podman(NULL, 0, "import %s localhost/bb:1", archive("rootfs.tar")), 0);
	assert_int_equal(podman(NULL, 0, "load -i %s", archive("docker4.tar")), 0);
	snprintf(path, sizeof(path), "%s/podman-multi.tar", archives);
	assert_int_equal(podman(out, sizeof(out),
				"save --multi-image-archive -o %s localhost/bb:1 "
				"localhost/boxes-test:four",
				path),
			 0);
	load_ok(path);
	assert_output(&result, "Loaded image: localhost/bb:1");
	assert_output(&result, "Loaded image: localhost/boxes-test:four");
	assert_int_equal(store_entries("images"), 2);
}

static void test_skopeo_copies_load(void **state)
{
	char layout[600], out_docker[600], out_oci[600], tarred[600];

	(void)state;
	snprintf(layout, sizeof(layout), "%s/skopeo-layout", archives);
	snprintf(out_docker, sizeof(out_docker), "%s/skopeo-docker.tar", archives);
	snprintf(out_oci, sizeof(out_oci), "%s/skopeo-oci.tar", archives);
	snprintf(tarred, sizeof(tarred), "%s/skopeo-layout.tar", archives);
	assert_int_equal(
	    shell("rm -rf %s %s %s && skopeo --insecure-policy copy -q docker-archive:%s "
		  "oci:%s:localhost/sk:1 && skopeo --insecure-policy copy -q oci:%s:localhost/sk:1 "
		  "docker-archive:%s:localhost/sk:2 && skopeo --insecure-policy copy -q "
		  "oci:%s:localhost/sk:1 oci-archive:%s:localhost/sk:3 && tar -C %s -cf %s .",
		  layout, out_docker, out_oci, archive("docker3.tar"), layout, layout, out_docker,
		  layout, out_oci, layout, tarred),
	    0);
	load_ok(tarred); /* an OCI layout directory, tarred */
	assert_output(&result, "Loaded image: localhost/sk:1");
	load_ok(out_docker);
	assert_output(&result, "Loaded image: localhost/sk:2");
	load_ok(out_oci);
	assert_output(&result, "Loaded image: localhost/sk:3");
	assert_int_equal(store_entries("layers"), 3); /* the same layers throughout */
	shell("rm -rf %s", layout);
}

static void test_umoci_layout_loads_with_whiteouts(void **state)
{
	char dir[600], layer[600], tarred[600], lower[8192], seen[1024], rootfs[4096];

	(void)state;
	assert_non_null(realpath(rootfs_path(), rootfs));
	snprintf(dir, sizeof(dir), "%s/umoci", archives);
	snprintf(layer, sizeof(layer), "%s/opaque-layer.tar", archives);
	snprintf(tarred, sizeof(tarred), "%s/umoci.tar", archives);
	/* umoci new + unpack + repack: the busybox rootfs, then a layer that
	 * deletes /etc/hostname (umoci writes the whiteout), then an opaque
	 * /etc made with umoci raw add-layer */
	assert_int_equal(
	    shell("set -e; cd %s; rm -rf umoci; umoci init --layout umoci; "
		  "umoci new --image umoci:bb; umoci unpack --image umoci:bb bundle >/dev/null; "
		  "tar -C %s --exclude=./.stamp -cf - . | tar -C bundle/rootfs -xf -; "
		  "mkdir -p bundle/rootfs/data && echo lower > bundle/rootfs/data/lower; "
		  "umoci repack --image umoci:bb bundle; rm -rf bundle; "
		  "umoci unpack --image umoci:bb bundle >/dev/null; rm bundle/rootfs/etc/hostname; "
		  "umoci repack --image umoci:bb bundle; rm -rf bundle; "
		  "mkdir -p opq/data && : > opq/data/.wh..wh..opq && echo top > opq/data/top; "
		  "tar -C opq -cf %s data; rm -rf opq; "
		  "umoci raw add-layer --image umoci:bb %s; tar -C umoci -cf %s .",
		  archives, rootfs, layer, layer, tarred),
	    0);
	load_ok(tarred);
	/* umoci's ref.name is a bare tag, "bb": no repository, loaded by id */
	assert_output(&result, "Loaded image ID: sha256:");
	assert_int_equal(store_entries("layers"), 3);
	lower_dir_of(strstr(result.out, "sha256:") + 7, lower, sizeof(lower));
	overlay_sees(lower, false, "ls -A $M/data; test -e $M/etc/hostname || echo hostname-gone",
		     seen, sizeof(seen));
	assert_string_equal(seen, "top\nhostname-gone\n");
	shell("rm -rf %s", dir);
}

/* --- the command line ------------------------------------------------ */

static void test_bad_usage_says_what_to_do(void **state)
{
	(void)state;
	run_image_cmd(&result, NULL, "%s", "");
	assert_exit(&result, 125);
	assert_error(&result, "Usage: 09-image COMMAND");
	run_image_cmd(&result, NULL, "frobnicate");
	assert_exit(&result, 125);
	assert_error(&result, "unknown command \"frobnicate\"");
	run_image_cmd(&result, NULL, "load -x file");
	assert_exit(&result, 125);
	assert_error(&result, "usage: 09-image load [-i FILE]");
	run_image_cmd(&result, NULL, "load -i /nonexistent.tar");
	assert_exit(&result, 125);
	assert_error(&result, "/nonexistent.tar");
	assert_int_equal(line_count(result.err), 1);
	run_image_cmd(&result, NULL, "inspect 'Not A Name!'");
	assert_exit(&result, 125);
	run_image_cmd(&result, NULL, "--help");
	assert_exit(&result, 0);
	assert_output(&result, "load [-i FILE]");
	run_image_cmd(&result, NULL, "--version");
	assert_exit(&result, 0);
	assert_output(&result, "(step 09)");
}

#define STORE_TEST(name) cmocka_unit_test_setup_teardown(name, store_setup, store_teardown)
#define PODMAN_TEST(name) cmocka_unit_test_setup_teardown(name, podman_setup, podman_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    STORE_TEST(test_load_docker_save_extracts_each_layer_once),
	    STORE_TEST(test_images_sharing_a_base_share_its_layers),
	    STORE_TEST(test_whiteouts_and_opaque_dirs_hold_in_the_overlay),
	    STORE_TEST(test_load_oci_layout_gzip_and_zstd_layers),
	    STORE_TEST(test_nested_index_picks_this_hosts_platform),
	    STORE_TEST(test_load_docker_25_layout),
	    STORE_TEST(test_tampered_oci_blob_is_refused),
	    STORE_TEST(test_load_from_stdin_and_compressed_archives),
	    STORE_TEST(test_images_lists_like_docker),
	    STORE_TEST(test_inspect_shows_config_and_layers),
	    STORE_TEST(test_names_resolve_as_docker),
	    STORE_TEST(test_rmi_removes_only_layers_no_image_uses),
	    STORE_TEST(test_rmi_refuses_an_image_a_container_uses),
	    STORE_TEST(test_a_killed_loads_leftovers_are_swept),
	    STORE_TEST(test_concurrent_loads_keep_every_tag),
	    STORE_TEST(test_honest_crafted_archive_loads),
	    STORE_TEST(test_lying_archives_are_refused_in_one_line),
	    STORE_TEST(test_hostile_traversal_is_refused),
	    STORE_TEST(test_hostile_absolute_name_is_refused),
	    STORE_TEST(test_hostile_symlinked_parent_in_one_layer_is_refused),
	    STORE_TEST(test_hostile_symlinked_parent_across_layers_is_contained),
	    STORE_TEST(test_hostile_hardlinks_out_are_refused),
	    STORE_TEST(test_hostile_store_path_member_stays_in_its_layer),
	    STORE_TEST(test_hostile_devices_and_overlay_xattrs_are_dropped),
	    STORE_TEST(test_naive_tar_loader_writes_outside),
	    STORE_TEST(test_load_of_the_escape_image_writes_nothing_outside),
	    STORE_TEST(test_run_sees_whiteouts_and_opaque_dirs),
	    STORE_TEST(test_run_applies_the_image_config),
	    STORE_TEST(test_image_of_100_layers_runs),
	    PODMAN_TEST(test_boxes_saved_image_loads_in_podman),
	    PODMAN_TEST(test_podman_archives_load_with_whiteouts),
	    PODMAN_TEST(test_podman_import_and_several_images_in_one_archive),
	    STORE_TEST(test_skopeo_copies_load),
	    STORE_TEST(test_umoci_layout_loads_with_whiteouts),
	    STORE_TEST(test_bad_usage_says_what_to_do),
	};

	return cmocka_run_group_tests_name("test_09_image", tests, group_setup, group_teardown);
}
