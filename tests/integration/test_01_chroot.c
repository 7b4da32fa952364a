/* Step 01 (chroot): what the container sees, exit codes, bad input,
 * inherited fds - and the escapes a chroot still allows. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define STEP "01-chroot"

static void test_container_sees_rootfs_not_host(void **state)
{
	struct run_result r;
	char marker[] = "/tmp/boxes-host-marker-XXXXXX";
	char command[256];
	int fd = mkstemp(marker);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(command, sizeof(command),
		 "cat /etc/os-release; if test -e %s; then echo HOST-MARKER-SEEN; fi", marker);
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", command, NULL);
	unlink(marker);
	assert_exit(&r, 0);
	assert_output(&r, "boxes rootfs");
	assert_no_output(&r, "HOST-MARKER-SEEN");
}

static void test_exit_status_passes_through(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", "exit 42", NULL);
	assert_exit(&r, 42);
}

static void test_missing_command_exits_127(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/no/such/command", NULL);
	assert_exit(&r, 127);
	assert_error(&r, "boxes: exec /no/such/command: command not found in the container");
}

static void test_non_executable_command_exits_126(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/etc/not-executable", NULL);
	assert_exit(&r, 126);
	assert_error(&r, "exec(/etc/not-executable): Permission denied");
}

static void test_missing_rootfs_exits_125(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "/nonexistent-rootfs", "/bin/true", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "boxes: rootfs /nonexistent-rootfs: No such file or directory");
}

static void test_rootfs_that_is_a_file_exits_125(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "/etc/hostname", "/bin/true", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "rootfs /etc/hostname: not a directory");
}

static void test_unknown_option_exits_125(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--frobnicate", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "unknown option --frobnicate");
	run_box(&r, 10, STEP, "--memory", "64M", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "--memory arrives in step 03");
	run_box(&r, 10, STEP, "-it", ROOTFS, "/bin/sh", NULL); /* docker habit */
	assert_exit(&r, 125);
	assert_error(&r, "unknown option -i: boxes has no -i/-t");
}

static void test_missing_command_argument_exits_125(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, NULL);
	assert_exit(&r, 125);
	assert_string_equal(r.err, "boxes: missing COMMAND after ROOTFS: usage: 01-chroot "
				   "[OPTIONS] ROOTFS COMMAND [ARG...] (see 01-chroot --help)\n");
	run_box(&r, 10, STEP, "-e", "A=1", NULL);
	assert_exit(&r, 125);
	assert_string_equal(r.err, "boxes: missing ROOTFS and COMMAND: usage: 01-chroot "
				   "[OPTIONS] ROOTFS COMMAND [ARG...] (see 01-chroot --help)\n");
}

/* ROOTFS "/" would give the container every host file: refused under
 * every name for it. */
static void test_host_root_as_rootfs_exits_125(void **state)
{
	static const char *const names[] = {"/", "/etc/..", "//", "/proc/self/root"};
	struct run_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		run_box(&r, 10, STEP, names[i], "/bin/sh", "-c", "echo ran", NULL);
		assert_exit(&r, 125);
		assert_no_output(&r, "ran");
		assert_error(&r, "that is the host's own root directory");
		assert_error(&r, names[i]);
	}
	assert_int_equal(run_dir_entries(), 0);
}

static void test_not_root_exits_125(void **state)
{
	struct run_result r;
	char *argv[] = {
	    "/usr/bin/setpriv",	    "--reuid=65534",	   "--regid=65534", "--clear-groups",
	    (char *)bin_path(STEP), (char *)rootfs_path(), "/bin/true",	    NULL};

	(void)state;
	run_argv(&r, 10, argv);
	assert_exit(&r, 125);
	assert_error(&r, "must run as root");
}

static void test_help_and_version_exit_0(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--help", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "Usage:");
	assert_no_output(&r, "--hostname"); /* 02's option is not in 01's help */
	run_box(&r, 10, STEP, "--version", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "boxes");
}

static void test_no_fd_beyond_2_reaches_the_container(void **state)
{
	struct run_result r;
	int leaked = open("/etc/hostname", O_RDONLY); /* no O_CLOEXEC: inherited */

	(void)state;
	assert_true(leaked >= 3);
	assert_true(dup2(leaked, 9) == 9);
	run_box(
	    &r, 10, STEP, ROOTFS, "/bin/sh", "-c",
	    "for fd in 3 4 5 6 7 8 9; do if (: <&$fd) 2>&-; then echo open $fd; fi; done;"
	    " echo checked",
	    NULL);
	close(9);
	close(leaked);
	assert_exit(&r, 0);
	assert_output(&r, "checked");
	assert_no_output(&r, "open");
}

static void test_environment_is_clean(void **state)
{
	struct run_result r;

	(void)state;
	setenv("BOXES_TEST_HOST_SECRET", "leak", 1);
	run_box(&r, 10, STEP, "-e", "GREETING=hello", ROOTFS, "/bin/sh", "-c", "env", NULL);
	unsetenv("BOXES_TEST_HOST_SECRET");
	assert_exit(&r, 0);
	assert_output(&r, "GREETING=hello");
	assert_output(&r, "PATH=/usr/local/sbin:");
	assert_no_output(&r, "BOXES_TEST_HOST_SECRET");
}

static void test_workdir_option(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "-w", "/etc", ROOTFS, "/bin/pwd", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "/etc");
	run_box(&r, 10, STEP, "-w", "/no/such/dir", ROOTFS, "/bin/pwd", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "chdir(/no/such/dir)");
}

/* What step 01 still allows: each of these is blocked by a later step. */

static void test_host_process_visible_from_chroot(void **state)
{
	struct run_result r;
	pid_t sentinel = start_sentinel();

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/escapes/host-processes", NULL);
	stop_sentinel(sentinel);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED: host process");
	assert_int_equal(host_mounts_matching(rootfs_path()), 0); /* it unmounted its /proc */
}

static void test_chroot_breakout_reads_host_file(void **state)
{
	(void)state;
	check_escape(STEP, "chroot-breakout", 0, "ESCAPED: out of the chroot");
}

static void test_sethostname_renames_host_under_chroot(void **state)
{
	(void)state;
	assert_int_equal(hostname_escape_renames_outside(STEP), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_container_sees_rootfs_not_host),
	    cmocka_unit_test(test_exit_status_passes_through),
	    cmocka_unit_test(test_missing_command_exits_127),
	    cmocka_unit_test(test_non_executable_command_exits_126),
	    cmocka_unit_test(test_missing_rootfs_exits_125),
	    cmocka_unit_test(test_rootfs_that_is_a_file_exits_125),
	    cmocka_unit_test(test_unknown_option_exits_125),
	    cmocka_unit_test(test_missing_command_argument_exits_125),
	    cmocka_unit_test(test_host_root_as_rootfs_exits_125),
	    cmocka_unit_test(test_not_root_exits_125),
	    cmocka_unit_test(test_help_and_version_exit_0),
	    cmocka_unit_test(test_no_fd_beyond_2_reaches_the_container),
	    cmocka_unit_test(test_environment_is_clean),
	    cmocka_unit_test(test_workdir_option),
	    cmocka_unit_test(test_host_process_visible_from_chroot),
	    cmocka_unit_test(test_chroot_breakout_reads_host_file),
	    cmocka_unit_test(test_sethostname_renames_host_under_chroot),
	};

	return cmocka_run_group_tests_name("test_01_chroot", tests, harness_setup,
					   harness_teardown);
}
