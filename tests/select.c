/* select.c - linked into every cmocka test binary (unit and integration):
 * BOXES_TESTS="name name..." runs only the named tests of the file, in the
 * file's order. The grader (scripts/grade.sh) uses it to give each test a
 * time limit of its own: when one test hangs or crashes the whole binary,
 * it reruns the tests that had not reported yet, without the one that
 * stopped them. Unset, every test runs, as before.
 *
 * The binaries are linked with -Wl,--wrap=_cmocka_run_group_tests, so the
 * call that cmocka_run_group_tests_name() expands to lands here first.
 * Once the group's setup is done, a TAP comment "# group setup done" says
 * so (TAP output only): the grader's clock for the first test starts there, not before a
 * long setup (step 09's makes six image archives).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

int __real__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
				   const size_t num_tests, CMFixtureFunction group_setup,
				   CMFixtureFunction group_teardown);
int __wrap__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
				   const size_t num_tests, CMFixtureFunction group_setup,
				   CMFixtureFunction group_teardown);

static CMFixtureFunction file_group_setup;

/* Every test runs between these two, in the array's order: setup_of_test
 * counts which one it is and calls its own setup; teardown_of_test calls
 * its own teardown, then the harness's boxes_after_test (integration
 * tests: it repeats any "not written yet" line a step printed to a file,
 * so the grader finds it beside the test). cmocka runs the teardown also
 * after a failed test, before it prints "not ok". */
void boxes_after_test(void) __attribute__((weak));
static const struct CMUnitTest *file_tests;
static size_t next_test, current_test;

static int setup_of_test(void **state)
{
	CMFixtureFunction setup = file_tests[current_test = next_test++].setup_func;

	return setup ? setup(state) : 0;
}

static int teardown_of_test(void **state)
{
	CMFixtureFunction teardown = file_tests[current_test].teardown_func;
	int result = teardown ? teardown(state) : 0;

	if (boxes_after_test)
		boxes_after_test();
	return result;
}

static int setup_then_say_so(void **state)
{
	int result = file_group_setup ? file_group_setup(state) : 0;
	const char *output = getenv("CMOCKA_MESSAGE_OUTPUT");

	if (result == 0 && output && strcasecmp(output, "tap") == 0) {
		printf("# group setup done\n");
		fflush(stdout);
	}
	return result;
}

/* Is name one of the space-separated words of list? */
static int listed(const char *list, const char *name)
{
	size_t length = strlen(name);
	const char *at;

	for (at = strstr(list, name); at; at = strstr(at + 1, name))
		if ((at == list || at[-1] == ' ') && (at[length] == ' ' || at[length] == '\0'))
			return 1;
	return 0;
}

/* Does every word of list name a test of the file? Says which does not. */
static int all_known(const char *list, const struct CMUnitTest *tests, size_t num_tests)
{
	char *words = strdup(list), *word, *rest = NULL;
	int known = 1;
	size_t i;

	for (word = strtok_r(words, " ", &rest); word; word = strtok_r(NULL, " ", &rest)) {
		for (i = 0; i < num_tests && strcmp(tests[i].name, word) != 0; i++)
			;
		if (i == num_tests) {
			fprintf(stderr,
				"select: BOXES_TESTS names %s, which is no test of this file\n",
				word);
			known = 0;
		}
	}
	free(words);
	return known;
}

int __wrap__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
				   const size_t num_tests, CMFixtureFunction group_setup,
				   CMFixtureFunction group_teardown)
{
	const char *wanted = getenv("BOXES_TESTS");
	struct CMUnitTest *chosen, *picked;
	size_t i, count = 0;
	int result;

	file_group_setup = group_setup;
	if (wanted && !all_known(wanted, tests, num_tests))
		return 2;
	chosen = calloc(num_tests ? num_tests : 1, sizeof(*chosen));
	picked = calloc(num_tests ? num_tests : 1, sizeof(*picked));
	if (!chosen || !picked)
		return 2;
	for (i = 0; i < num_tests; i++) {
		if (wanted && !listed(wanted, tests[i].name))
			continue;
		picked[count] = tests[i];
		chosen[count] = tests[i];
		chosen[count].setup_func = setup_of_test;
		chosen[count].teardown_func = teardown_of_test;
		count++;
	}
	file_tests = picked;
	result = __real__cmocka_run_group_tests(group_name, chosen, count, setup_then_say_so,
						group_teardown);
	free(chosen);
	free(picked);
	return result;
}
