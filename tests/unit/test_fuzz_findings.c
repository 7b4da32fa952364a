/* Unit tests: what `make fuzz` found in the parsers, one test per finding,
 * each named after the input that broke the rule (tests/fuzz/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"
#include "size.h"

/* fuzz_options: after "-xe" failed at the unknown -x, getopt(3) still
 * pointed at the "e" of that old argv, and the next parse_run_options
 * read it as -e, taking the next call's first argument as its value
 * (or -h out of freed memory, and exited). */
static void test_each_parse_starts_afresh_after_a_bad_cluster(void **state)
{
	char *bad[] = {"boxes", "-xe", "rootfs", "sh", NULL};
	char *good[] = {"boxes", "--trace", "rootfs", "sh", NULL};
	struct box box;
	int next = -1;

	(void)state;
	assert_int_equal(parse_run_options(&box, 8, 4, bad, &next), -1);
	assert_int_equal(parse_run_options(&box, 8, 4, good, &next), 0);
	assert_true(box.trace);
	assert_int_equal(box.env_count, 0);
	assert_int_equal(next, 2);
}

/* fuzz_size, fuzz_count: " 64M" was refused, but strtoull skips every
 * blank, so "\t64M" and "\n20" were taken. */
static void test_sizes_and_counts_after_a_tab_rejected(void **state)
{
	long long value;

	(void)state;
	assert_int_equal(parse_size("\t64M", &value), -1);
	assert_int_equal(parse_size("\n1g", &value), -1);
	assert_int_equal(parse_count("\t20", &value), -1);
	assert_int_equal(parse_count("\v5", &value), -1);
	assert_int_equal(parse_size("64M", &value), 0);
	assert_int_equal(parse_count("20", &value), 0);
}

/* fuzz_idmap: a count past 2^32 - 1 (or one so long sscanf gave
 * ULONG_MAX) made UINT32_MAX - count wrap, so any start passed (fixed
 * since by parse_id_map's rewrite with a digits-only parser). */
static void test_id_map_count_beyond_32_bits_rejected(void **state)
{
	struct id_map map;

	(void)state;
	assert_int_equal(parse_id_map("0:0:4294967296", &map, NULL), -1);
	assert_int_equal(parse_id_map("0:0:99999999999999999999999", &map, NULL), -1);
	assert_int_equal(parse_id_map("0:100000:18446744073709551615", &map, NULL), -1);
	assert_int_equal(parse_id_map("0:100000:65536", &map, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_parse_starts_afresh_after_a_bad_cluster),
	    cmocka_unit_test(test_sizes_and_counts_after_a_tab_rejected),
	    cmocka_unit_test(test_id_map_count_beyond_32_bits_rejected),
	};

	return cmocka_run_group_tests_name("test_fuzz_findings", tests, NULL, NULL);
}
