/* Unit tests: container ids, and BOXES_ID_PREFIX, which lets several test
 * suites on one machine tell their containers apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "id.h"

static void test_an_id_is_12_lowercase_hex_digits(void **state)
{
	char id[13] = "";

	(void)state;
	unsetenv("BOXES_ID_PREFIX");
	assert_int_equal(make_container_id(id), 0);
	assert_int_equal(strlen(id), 12);
	assert_int_equal(strspn(id, "0123456789abcdef"), 12);
}

static void test_ids_start_with_the_prefix_given(void **state)
{
	char first[13] = "", second[13] = "";

	(void)state;
	setenv("BOXES_ID_PREFIX", "beef", 1);
	assert_int_equal(make_container_id(first), 0);
	assert_int_equal(make_container_id(second), 0);
	assert_memory_equal(first, "beef", 4);
	assert_memory_equal(second, "beef", 4);
	assert_string_not_equal(first, second); /* the rest is still random */
	unsetenv("BOXES_ID_PREFIX");
}

static void test_a_prefix_that_is_not_short_hex_is_refused(void **state)
{
	char id[13] = "";

	(void)state;
	setenv("BOXES_ID_PREFIX", "Beef", 1);
	assert_int_equal(make_container_id(id), -1);
	setenv("BOXES_ID_PREFIX", "0123456", 1); /* 7 digits */
	assert_int_equal(make_container_id(id), -1);
	setenv("BOXES_ID_PREFIX", "../x", 1);
	assert_int_equal(make_container_id(id), -1);
	unsetenv("BOXES_ID_PREFIX");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_an_id_is_12_lowercase_hex_digits),
	    cmocka_unit_test(test_ids_start_with_the_prefix_given),
	    cmocka_unit_test(test_a_prefix_that_is_not_short_hex_is_refused),
	};

	return cmocka_run_group_tests_name("test_common_id", tests, NULL, NULL);
}
