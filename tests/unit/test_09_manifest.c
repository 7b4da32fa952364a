/* Unit tests for what step 09 reads from an untrusted archive: image
 * names (docker's rules), manifest.json, OCI indexes and manifests, image
 * configs; and how `images` prints sizes and ages. No root needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "09-image/image.h"
#include "09-image/manifest.h"
#include "09-image/reference.h"

static char err[512];

#define DIGEST_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void check_name(const char *text, const char *full)
{
	struct reference ref;
	char out[600];

	assert_int_equal(reference_parse(text, &ref, err, sizeof(err)), 0);
	reference_format(&ref, out, sizeof(out));
	assert_string_equal(out, full);
}

static void test_names_resolve_as_docker_does(void **state)
{
	(void)state;
	check_name("nginx", "docker.io/library/nginx:latest");
	check_name("nginx:1.25", "docker.io/library/nginx:1.25");
	check_name("docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25");
	check_name("someone/tool", "docker.io/someone/tool:latest");
	check_name("localhost/bb:2", "localhost/bb:2");
	check_name("registry.example:5000/a/b", "registry.example:5000/a/b:latest");
	assert_string_equal(reference_familiar("docker.io/library/nginx"), "nginx");
	assert_string_equal(reference_familiar("docker.io/someone/tool"), "someone/tool");
	assert_string_equal(reference_familiar("localhost/bb"), "localhost/bb");
}

static void test_bad_names_are_refused(void **state)
{
	struct reference ref;
	static const char *const bad[] = {
	    "", "Nginx", "nginx:", "nginx:-x", "a//b", "a/b:c/d", "nginx@sha256:aa", "../x", "a b"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (reference_parse(bad[i], &ref, err, sizeof(err)) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
	assert_true(reference_is_id_prefix("3f2a"));
	assert_true(reference_is_id_prefix("sha256:3f2a"));
	assert_false(reference_is_id_prefix("nginx"));
}

static void test_docker_manifest_parsed(void **state)
{
	static const char json[] = "[{\"Config\":\"abc.json\",\"RepoTags\":[\"bb:1\"],"
				   "\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]}]";
	struct docker_manifest manifest;

	(void)state;
	assert_int_equal(parse_docker_manifest(json, strlen(json), &manifest, err, sizeof(err)), 0);
	assert_int_equal(manifest.count, 1);
	assert_string_equal(manifest.images[0].config, "abc.json");
	assert_string_equal(manifest.images[0].repo_tags.items[0], "bb:1");
	assert_int_equal(manifest.images[0].layers.count, 2);
	assert_string_equal(manifest.images[0].layers.items[1], "l2/layer.tar");
	docker_manifest_free(&manifest);
}

static void check_manifest_error(const char *json, const char *text)
{
	struct docker_manifest manifest;

	assert_int_equal(parse_docker_manifest(json, strlen(json), &manifest, err, sizeof(err)),
			 -1);
	if (!strstr(err, text))
		fail_msg("error \"%s\" lacks \"%s\"", err, text);
}

static void test_lying_docker_manifests_name_the_field(void **state)
{
	(void)state;
	check_manifest_error("{}", "is not a list of images");
	check_manifest_error("[{", "not JSON");
	check_manifest_error("[{\"Config\":42,\"Layers\":[\"a\"]}]", "[0].Config is not a string");
	check_manifest_error("[{\"Config\":\"/etc/x\",\"Layers\":[\"a\"]}]", "climbs out");
	check_manifest_error("[{\"Config\":\"c\",\"Layers\":[\"a\",\"../../x\"]}]",
			     "[0].Layers[1]: \"../../x\" climbs out");
	check_manifest_error("[{\"Config\":\"c\",\"Layers\":[]}]", "[0].Layers is missing");
	check_manifest_error("[{\"Config\":\"c\",\"Layers\":[\"a\"],\"RepoTags\":[1]}]",
			     "[0].RepoTags[0] is not a string");
	assert_false(archive_path_ok("a/../../b"));
	assert_true(archive_path_ok("a/..b/c"));
}

static void test_oci_index_and_manifest_parsed(void **state)
{
	static const char index_json[] =
	    "{\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	    "\"digest\":\"" DIGEST_A "\",\"size\":10,\"platform\":{\"os\":\"linux\","
	    "\"architecture\":\"arm64\"},\"annotations\":{\"org.opencontainers.image.ref.name\":"
	    "\"localhost/bb:1\"}}]}";
	static const char manifest_json[] =
	    "{\"config\":{\"digest\":\"" DIGEST_A "\",\"size\":5},"
	    "\"layers\":[{\"digest\":\"" DIGEST_B "\",\"size\":7}]}";
	static const char bad_index[] = "{\"manifests\":[{\"digest\":\"sha256:12\",\"size\":1}]}";
	struct oci_index index;
	struct oci_manifest manifest;

	(void)state;
	assert_int_equal(parse_oci_index(index_json, strlen(index_json), &index, err, sizeof(err)),
			 0);
	assert_true(media_type_is_index(index.manifests[0].media_type));
	assert_string_equal(index.manifests[0].architecture, "arm64");
	assert_string_equal(index.manifests[0].ref_name, "localhost/bb:1");
	oci_index_free(&index);
	assert_int_equal(
	    parse_oci_manifest(manifest_json, strlen(manifest_json), &manifest, err, sizeof(err)),
	    0);
	assert_string_equal(manifest.layers[0].digest, DIGEST_B);
	assert_int_equal(manifest.layers[0].size, 7);
	oci_manifest_free(&manifest);
	assert_int_equal(
	    parse_oci_manifest(index_json, strlen(index_json), &manifest, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is an index where a manifest was expected"));
	assert_int_equal(parse_oci_index(bad_index, strlen(bad_index), &index, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "manifests[0].digest is not a sha256 digest"));
}

static void test_image_config_parsed(void **state)
{
	static const char json[] =
	    "{\"created\":\"2024-01-01T00:00:00Z\",\"config\":{\"Env\":[\"A=1\"],"
	    "\"Entrypoint\":null,\"Cmd\":[\"/bin/sh\",\"-c\",\"x\"],\"WorkingDir\":\"/w\","
	    "\"User\":\"1000:1000\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DIGEST_A
	    "\"]}}";
	static const char bad_ids[] = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[1]}}";
	struct image_config config;

	(void)state;
	assert_int_equal(parse_image_config(json, strlen(json), &config, err, sizeof(err)), 0);
	assert_int_equal(config.diff_ids.count, 1);
	assert_string_equal(config.env.items[0], "A=1");
	assert_int_equal(config.entrypoint.count, 0);
	assert_int_equal(config.cmd.count, 3);
	assert_null(config.cmd.items[3]); /* an argv: NULL-terminated */
	assert_string_equal(config.working_dir, "/w");
	assert_string_equal(config.user, "1000:1000");
	image_config_free(&config);
	assert_int_equal(parse_image_config(bad_ids, strlen(bad_ids), &config, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "rootfs.diff_ids[0] is not a sha256 digest"));
	assert_int_equal(parse_image_config("{\"config\":{}}", 13, &config, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rootfs is missing"));
}

static void test_sizes_and_ages_as_docker_prints_them(void **state)
{
	char out[64];
	const long long now = 1704067200; /* 2024-01-01T00:00:00Z */

	(void)state;
	human_size(4260000, out, sizeof(out));
	assert_string_equal(out, "4.26MB");
	human_size(187000000, out, sizeof(out));
	assert_string_equal(out, "187MB");
	human_size(999, out, sizeof(out));
	assert_string_equal(out, "999B");
	format_age("2024-01-01T00:00:00Z", now, out, sizeof(out));
	assert_string_equal(out, "Less than a second ago");
	format_age("2023-12-31T22:00:00.5Z", now, out, sizeof(out));
	assert_string_equal(out, "2 hours ago");
	format_age("2024-01-01T01:00:00+02:00", now, out, sizeof(out));
	assert_string_equal(out, "About an hour ago");
	format_age("2023-12-01T00:00:00Z", now, out, sizeof(out));
	assert_string_equal(out, "4 weeks ago");
	format_age(NULL, now, out, sizeof(out));
	assert_string_equal(out, "N/A");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_resolve_as_docker_does),
	    cmocka_unit_test(test_bad_names_are_refused),
	    cmocka_unit_test(test_docker_manifest_parsed),
	    cmocka_unit_test(test_lying_docker_manifests_name_the_field),
	    cmocka_unit_test(test_oci_index_and_manifest_parsed),
	    cmocka_unit_test(test_image_config_parsed),
	    cmocka_unit_test(test_sizes_and_ages_as_docker_prints_them),
	};

	return cmocka_run_group_tests_name("test_09_manifest", tests, NULL, NULL);
}
