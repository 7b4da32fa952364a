/* Unit tests: the escape cgroup-escape finds its memory cgroup in the
 * lines of /proc/self/cgroup of a v1, a v2 and a hybrid host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../escapes/cgroup_line.h"

static void test_v1_memory_line(void **state)
{
	char path[256] = "";
	int v2 = -1;

	(void)state;
	assert_int_equal(
	    memory_cgroup_line("4:memory:/boxes/3f2a9c01d4e7\n", path, sizeof(path), &v2), 1);
	assert_string_equal(path, "/boxes/3f2a9c01d4e7");
	assert_int_equal(v2, 0);
	/* several controllers on one v1 hierarchy */
	assert_int_equal(memory_cgroup_line("7:cpu,memory:/boxes/ab\n", path, sizeof(path), &v2),
			 1);
	assert_string_equal(path, "/boxes/ab");
}

/* The line the escape could not read on a pure v2 host: cutting at the
 * second colon first left "0:" to compare with "0::". */
static void test_v2_line(void **state)
{
	char path[256] = "";
	int v2 = -1;

	(void)state;
	assert_int_equal(memory_cgroup_line("0::/boxes/3f2a9c01d4e7\n", path, sizeof(path), &v2),
			 1);
	assert_string_equal(path, "/boxes/3f2a9c01d4e7");
	assert_int_equal(v2, 1);
	assert_int_equal(memory_cgroup_line("0::/\n", path, sizeof(path), &v2), 1);
	assert_string_equal(path, "/");
}

static void test_path_with_a_colon_is_kept_whole(void **state)
{
	char path[256] = "";
	int v2 = -1;

	(void)state;
	assert_int_equal(memory_cgroup_line("0::/a:b/c\n", path, sizeof(path), &v2), 1);
	assert_string_equal(path, "/a:b/c");
}

static void test_other_lines_are_not_ours(void **state)
{
	static const char *const others[] = {
	    "5:pids:/boxes/3f2a9c01d4e7\n",
	    "3:memory_pressure:/x\n", /* not the controller "memory" */
	    "1:name=systemd:/user.slice\n",
	    "10::/not-v2-without-id-0\n",
	    "garbage\n",
	    "0:/no-second-colon\n",
	    "",
	};
	char path[256] = "unchanged";
	int v2 = -1;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (memory_cgroup_line(others[i], path, sizeof(path), &v2))
			fail_msg("took \"%s\" for the memory cgroup", others[i]);
	assert_string_equal(path, "unchanged");
	assert_int_equal(v2, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_memory_line),
	    cmocka_unit_test(test_v2_line),
	    cmocka_unit_test(test_path_with_a_colon_is_kept_whole),
	    cmocka_unit_test(test_other_lines_are_not_ours),
	};

	return cmocka_run_group_tests_name("test_escape_cgroup_line", tests, NULL, NULL);
}
