/* Unit tests: sizes, counts, CPUs, id maps, options, environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "child.h"
#include "kernel_features.h"
#include "exec.h"
#include "options.h"
#include "size.h"

static void test_sizes_like_docker(void **state)
{
	long long bytes;

	(void)state;
	assert_int_equal(parse_size("512k", &bytes), 0);
	assert_int_equal(bytes, 512 * 1024);
	assert_int_equal(parse_size("64m", &bytes), 0);
	assert_int_equal(bytes, 64LL << 20);
	assert_int_equal(parse_size("64M", &bytes), 0);
	assert_int_equal(bytes, 64LL << 20);
	assert_int_equal(parse_size("1g", &bytes), 0);
	assert_int_equal(bytes, 1LL << 30);
	assert_int_equal(parse_size("1048576", &bytes), 0);
	assert_int_equal(bytes, 1048576);
	assert_int_equal(parse_size("10b", &bytes), 0);
	assert_int_equal(bytes, 10);
}

static void test_nonsense_sizes_rejected(void **state)
{
	static const char *const bad[] = {"64X",
					  "-1",
					  "",
					  "M",
					  "1.5g",
					  "64MB",
					  " 64M",
					  "0",
					  "99999999999999999999",
					  "9999999999999G",
					  "+5"};
	long long bytes;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_size(bad[i], &bytes) == 0)
			fail_msg("parse_size accepted \"%s\"", bad[i]);
	}
}

static void test_counts_and_cpus(void **state)
{
	long long count, quota, period;

	(void)state;
	assert_int_equal(parse_count("64", &count), 0);
	assert_int_equal(count, 64);
	assert_int_equal(parse_count("0", &count), -1);
	assert_int_equal(parse_count("-3", &count), -1);
	assert_int_equal(parse_count("12abc", &count), -1);
	assert_int_equal(parse_cpus("0.5", &quota, &period), 0);
	assert_int_equal(quota, 50000);
	assert_int_equal(period, 100000);
	assert_int_equal(parse_cpus("2", &quota, &period), 0);
	assert_int_equal(quota, 200000);
	assert_int_equal(parse_cpus("0", &quota, &period), -1);
	assert_int_equal(parse_cpus("abc", &quota, &period), -1);
	assert_int_equal(parse_cpus("-1", &quota, &period), -1);
	assert_int_equal(parse_cpus("nan", &quota, &period), -1);
}

static void test_format_size(void **state)
{
	char text[32];

	(void)state;
	format_size(64LL << 20, text, sizeof(text));
	assert_string_equal(text, "64M");
	format_size(1LL << 30, text, sizeof(text));
	assert_string_equal(text, "1G");
	format_size(1000, text, sizeof(text));
	assert_string_equal(text, "1000");
}

static void test_id_maps(void **state)
{
	struct id_map map;

	(void)state;
	assert_int_equal(parse_id_map("0:100000:65536", &map, NULL), 0);
	assert_int_equal(map.inside, 0);
	assert_int_equal(map.outside, 100000);
	assert_int_equal(map.count, 65536);
	assert_int_equal(parse_id_map("0:100000", &map, NULL), -1);
	assert_int_equal(parse_id_map("0:100000:0", &map, NULL), -1);
	assert_int_equal(parse_id_map("0:-1:10", &map, NULL), -1);
	assert_int_equal(parse_id_map("0:100000:10x", &map, NULL), -1);
	assert_int_equal(parse_id_map("0:4294967295:10", &map, NULL), -1);
}

/* What parse_run_options returned, and *next. */
static int parse_result(struct box *box, int step, const char *const *args, int *next)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = "boxes";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return parse_run_options(box, step, argc, argv, next);
}

/* -1, or the index of ROOTFS when the options parsed. */
static int parse(struct box *box, int step, const char *const *args)
{
	int next, result = parse_result(box, step, args, &next);

	return result == OPTIONS_PARSED ? next : -1;
}

/* A refused input and the words its refusal must use. */
struct refusal {
	const char *input;
	const char *problem;
};

/* said: what the parser said of the input, NULL if it accepted it. */
static void assert_refused(const struct refusal *expected, const char *said)
{
	if (!said)
		fail_msg("accepted \"%s\"", expected->input);
	if (!strstr(said, expected->problem))
		fail_msg("\"%s\": said \"%s\", not \"%s\"", expected->input, said,
			 expected->problem);
}

static void test_id_maps_beyond_32_bits_refused(void **state)
{
	static const struct refusal bad[] = {
	    {"0:100000:4294967296", "COUNT must be 1 to 4294967295"},
	    {"0:100000:18446744073709551617", "expected CONTAINER:HOST:COUNT"},
	    {"1:100000:4294967295", "CONTAINER+COUNT must be at most 4294967295"},
	    {"4294967295:100000:1", "CONTAINER+COUNT must be at most 4294967295"},
	    {"0:100000:4294967295", "HOST+COUNT must be at most 4294967295"},
	    {"0:4294967296:1", "HOST+COUNT must be at most 4294967295"},
	    {" 0:100000:10", "expected CONTAINER:HOST:COUNT"},
	    {"+0:100000:10", "expected CONTAINER:HOST:COUNT"},
	    {"0:100000:", "expected CONTAINER:HOST:COUNT"},
	};
	struct id_map map;
	const char *problem;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		problem = NULL;
		assert_int_equal(parse_id_map(bad[i].input, &map, &problem), -1);
		assert_refused(&bad[i], problem);
	}
	/* the widest map the kernel takes: every id but (uid_t)-1 */
	assert_int_equal(parse_id_map("0:0:4294967295", &map, &problem), 0);
	assert_null(problem);
	assert_int_equal(map.count, 4294967295UL);
}

static void test_hostnames_follow_rfc_1123(void **state)
{
	static const char *const good[] = {
	    "web",
	    "a",
	    "web-1",
	    "db.internal",
	    "A1.b2.C3",
	    "0abc",
	    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk", /* 63 */
	};
	static const struct refusal bad[] = {
	    {"web\nevil", "only letters, digits"},
	    {"web evil", "only letters, digits"},
	    {"web_1", "only letters, digits"},
	    {"", "empty"},
	    {"-web", "starts with '-'"},
	    {"web-", "ends with '-'"},
	    {"web-.x", "ends with '-'"},
	    {"a..b", "between dots is empty"},
	    {".a", "between dots is empty"},
	    {"a.", "ends with '.'"},
	    {"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl", "longer than 63"},
	    {"abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij",
	     "longer than 64 characters"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (hostname_problem(good[i]))
			fail_msg("refused \"%s\": %s", good[i], hostname_problem(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(&bad[i], hostname_problem(bad[i].input));
}

static void test_cpus_decimal_only(void **state)
{
	static const char *const bad[] = {"0x1", "0X1", "1e0",	 "1E-1", "inf",	  "infinity",
					  " 1",	 "1 ",	"1.5.2", ".",	 "0x1p0", "1,5"};
	long long quota, period;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_cpus(bad[i], &quota, &period) == 0)
			fail_msg("parse_cpus accepted \"%s\"", bad[i]);
	assert_int_equal(parse_cpus(".5", &quota, &period), 0);
	assert_int_equal(quota, 50000);
	assert_int_equal(parse_cpus("1.", &quota, &period), 0);
	assert_int_equal(quota, 100000);
	assert_int_equal(parse_cpus("0.25", &quota, &period), 0);
	assert_int_equal(quota, 25000);
}

/* Any whole number above 0: a limit above the kernel's pid_max is step
 * 03's to refuse (test_03_cgroup_tree: cgroup_create_at). */
static void test_pids_limit_any_count(void **state)
{
	struct box box;
	const char *many[] = {"--pids-limit", "99999999999", "/r", "x", NULL};

	(void)state;
	assert_int_equal(parse(&box, 3, many), 3);
	assert_int_equal(box.pids_limit, 99999999999LL);
}

static void test_uidmap_to_host_root_is_allowed(void **state)
{
	struct box box;
	const char *args[] = {"--uidmap", "0:0:65536", "/r", "x", NULL};

	(void)state;
	assert_int_equal(parse(&box, 7, args), 3); /* with a warning, see test_07 */
	assert_int_equal(box.uid_map.outside, 0);
	assert_int_equal(box.gid_map.outside, 0);
}

static void test_help_and_version_are_returned_not_exited(void **state)
{
	struct box box;
	const char *help[] = {"-e", "A=1", "--help", "/r", "x", NULL};
	const char *version[] = {"--version", NULL};
	int next;

	(void)state;
	assert_int_equal(parse_result(&box, 1, help, &next), OPTIONS_HELP);
	assert_int_equal(parse_result(&box, 8, version, &next), OPTIONS_VERSION);
}

static void test_options_of_later_steps_are_unknown(void **state)
{
	struct box box;
	const char *memory[] = {"--memory", "64M", "/r", "true", NULL};
	const char *net[] = {"--net", "none", "/r", "true", NULL};

	(void)state;
	assert_int_equal(parse(&box, 2, memory), -1);
	assert_int_equal(parse(&box, 3, memory), 3);
	assert_int_equal(box.memory_bytes, 64LL << 20);
	assert_int_equal(parse(&box, 5, net), -1);
	assert_int_equal(parse(&box, 6, net), 3);
	assert_int_equal(box.net, NET_NONE);
}

static void test_options_stop_at_rootfs(void **state)
{
	struct box box;
	const char *args[] = {"-e", "A=1", "/r", "sh", "-c", "--memory", NULL};

	(void)state;
	assert_int_equal(parse(&box, 3, args), 3);
	assert_int_equal(box.env_count, 1);
	assert_int_equal(box.memory_bytes, 0);
}

static void test_gidmap_follows_uidmap(void **state)
{
	struct box box;
	const char *uid_only[] = {"--uidmap", "0:200000:1000", "/r", "true", NULL};
	const char *both[] = {"--uidmap", "0:200000:1000", "--gidmap", "0:300000:10", "/r", "x",
			      NULL};

	(void)state;
	assert_int_equal(parse(&box, 7, uid_only), 3);
	assert_int_equal(box.gid_map.outside, 200000);
	assert_int_equal(parse(&box, 7, both), 5);
	assert_int_equal(box.uid_map.outside, 200000);
	assert_int_equal(box.gid_map.outside, 300000);
	assert_int_equal(box.gid_map.count, 10);
}

static void test_bad_values_rejected(void **state)
{
	struct box box;
	const char *cases[][4] = {
	    {"--memory", "64X", "/r", "x"},  {"--pids-limit", "-1", "/r", "x"},
	    {"--cpus", "lots", "/r", "x"},   {"--net", "bridge", "/r", "x"},
	    {"--seccomp", "off", "/r", "x"}, {"-w", "relative", "/r", "x"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[] = {cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL};

		if (parse(&box, 8, args) != -1)
			fail_msg("accepted %s %s", cases[i][0], cases[i][1]);
	}
}

static void test_environment_is_clean_and_overridable(void **state)
{
	struct box box;
	const char *env[16];
	char storage[1024];
	int count;

	(void)state;
	box_init(&box, 2);
	box.hostname = "web";
	box.env_extra[box.env_count++] = "FOO=bar";
	box.env_extra[box.env_count++] = "HOME=/srv";
	setenv("BOXES_UNIT_SECRET", "s3cret", 1);
	box.env_extra[box.env_count++] = "BOXES_UNIT_SECRET";
	count = build_environment(&box, env, 16, storage, sizeof(storage));
	assert_int_equal(count, 6);
	assert_string_equal(env[0],
			    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	assert_string_equal(env[1], "HOME=/srv");
	assert_string_equal(env[3], "HOSTNAME=web");
	assert_string_equal(env[4], "FOO=bar");
	assert_string_equal(env[5], "BOXES_UNIT_SECRET=s3cret");
	assert_null(env[6]);
}

/* doctor's and step 07's hint: tmpfs mounts can be idmapped from 6.3 on. */
static void test_idmap_hint_follows_the_kernel(void **state)
{
	(void)state;
	assert_true(kernel_at_least(2, 6));
	assert_false(kernel_at_least(999, 0));
	if (kernel_at_least(6, 3))
		assert_string_equal(idmap_filesystems(), "ext4, xfs, btrfs or tmpfs");
	else
		assert_non_null(strstr(idmap_filesystems(), "tmpfs only from Linux 6.3 on"));
}

static void test_exit_codes_like_docker(void **state)
{
	(void)state;
	assert_int_equal(exit_code_from_status(0), 0);
	assert_int_equal(exit_code_from_status(3 << 8), 3);
	assert_int_equal(exit_code_from_status(9), 137); /* SIGKILL */
	assert_int_equal(exit_code_from_status(15), 143); /* SIGTERM */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes_like_docker),
	    cmocka_unit_test(test_nonsense_sizes_rejected),
	    cmocka_unit_test(test_counts_and_cpus),
	    cmocka_unit_test(test_format_size),
	    cmocka_unit_test(test_id_maps),
	    cmocka_unit_test(test_id_maps_beyond_32_bits_refused),
	    cmocka_unit_test(test_hostnames_follow_rfc_1123),
	    cmocka_unit_test(test_cpus_decimal_only),
	    cmocka_unit_test(test_pids_limit_any_count),
	    cmocka_unit_test(test_uidmap_to_host_root_is_allowed),
	    cmocka_unit_test(test_help_and_version_are_returned_not_exited),
	    cmocka_unit_test(test_options_of_later_steps_are_unknown),
	    cmocka_unit_test(test_options_stop_at_rootfs),
	    cmocka_unit_test(test_gidmap_follows_uidmap),
	    cmocka_unit_test(test_bad_values_rejected),
	    cmocka_unit_test(test_environment_is_clean_and_overridable),
	    cmocka_unit_test(test_idmap_hint_follows_the_kernel),
	    cmocka_unit_test(test_exit_codes_like_docker),
	};

	return cmocka_run_group_tests_name("test_common_parsing", tests, NULL, NULL);
}
