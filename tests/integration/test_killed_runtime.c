/* test_killed_runtime.c - no container outlives its runtime.
 *
 * kill -9 of a runtime gives it no chance to clean up, so the container
 * must go by itself: PR_SET_PDEATHSIG (prctl(2)) makes the kernel SIGKILL
 * the container as the runtime exits, and from step 02 on, the death of
 * PID 1 takes the whole PID namespace with it. The kernel clears that
 * setting whenever the container's uid or gid changes, as it does in step
 * 07's user namespace: these tests kill each step's runtime at random
 * moments of its start and look for any container process left running.
 *
 * KILL_ROUNDS=N sets the kills per step (make soak runs many more).
 */
#include <stdio.h>

#include "harness.h"

#define DEFAULT_ROUNDS 8

static void assert_no_container_outlives(const char *step_name)
{
	struct kill_report report;

	kill_runtime_rounds(step_name, kill_rounds(DEFAULT_ROUNDS), &report);
	if (report.survivors > 0)
		fprintf(stderr,
			"%s: %d container process(es) outlived %d SIGKILLed runtimes (last: "
			"killed %d ms after start%s)\n",
			step_name, report.survivors, report.rounds, report.last_survivor_delay_ms,
			report.last_survivor_init ? ", --init" : "");
	assert_int_equal(report.survivors, 0);
	assert_int_equal(run_dir_entries(), 0); /* the stand-in sweep left nothing */
}

static void test_no_container_outlives_sigkilled_01(void **state)
{
	(void)state;
	assert_no_container_outlives("01-chroot");
}

static void test_no_container_outlives_sigkilled_02(void **state)
{
	(void)state;
	assert_no_container_outlives("02-pid-namespace");
}

static void test_no_container_outlives_sigkilled_03(void **state)
{
	(void)state;
	assert_no_container_outlives("03-cgroups");
}

static void test_no_container_outlives_sigkilled_04(void **state)
{
	(void)state;
	assert_no_container_outlives("04-overlay");
}

static void test_no_container_outlives_sigkilled_05(void **state)
{
	(void)state;
	assert_no_container_outlives("05-pivot-root");
}

static void test_no_container_outlives_sigkilled_06(void **state)
{
	(void)state;
	assert_no_container_outlives("06-net-namespace");
}

/* setresuid/setresgid into the user namespace clear PR_SET_PDEATHSIG */
static void test_no_container_outlives_sigkilled_07(void **state)
{
	(void)state;
	assert_no_container_outlives("07-user-namespace");
}

static void test_no_container_outlives_sigkilled_08(void **state)
{
	(void)state;
	assert_no_container_outlives("08-seccomp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_container_outlives_sigkilled_01),
	    cmocka_unit_test(test_no_container_outlives_sigkilled_02),
	    cmocka_unit_test(test_no_container_outlives_sigkilled_03),
	    cmocka_unit_test(test_no_container_outlives_sigkilled_04),
	    cmocka_unit_test(test_no_container_outlives_sigkilled_05),
	    cmocka_unit_test(test_no_container_outlives_sigkilled_06),
	    cmocka_unit_test(test_no_container_outlives_sigkilled_07),
	    cmocka_unit_test(test_no_container_outlives_sigkilled_08),
	};

	return cmocka_run_group_tests_name("test_killed_runtime", tests, harness_setup,
					   harness_teardown);
}
