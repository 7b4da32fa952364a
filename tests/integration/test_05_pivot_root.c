/* Step 05: pivot_root instead of chroot, the host's root detached; a
 * minimal /dev; /proc and /sys with dangerous paths masked or read-only.
 * And the escapes it blocks, shown under 04 first: the double-chroot
 * breakout, and opening host-wide /proc files for write. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#include "05-pivot-root/pivot_root.h"

static struct run_result result;

static void test_chroot_breakout_works_under_04(void **state)
{
	(void)state;
	run_box(&result, 10, "04-overlay", ROOTFS, "/escapes/chroot-breakout", NULL);
	assert_exit(&result, 0);
	assert_output(&result, "ESCAPED");
}

static void test_chroot_breakout_fails_under_pivot_root(void **state)
{
	(void)state;
	run_box(&result, 10, "05-pivot-root", ROOTFS, "/escapes/chroot-breakout", NULL);
	assert_exit(&result, 1);
	assert_output(&result, "BLOCKED");
}

static void test_proc_write_works_under_04(void **state)
{
	(void)state;
	run_box(&result, 10, "04-overlay", ROOTFS, "/escapes/proc-write", NULL);
	assert_exit(&result, 0);
	assert_output(&result, "ESCAPED");
}

static void test_proc_write_fails_under_05(void **state)
{
	(void)state;
	run_box(&result, 10, "05-pivot-root", ROOTFS, "/escapes/proc-write", NULL);
	assert_exit(&result, 1);
	assert_output(&result, "BLOCKED");
	assert_output(&result, "/proc/sys/kernel/core_pattern: Read-only file system");
}

static void test_dev_holds_exactly_the_minimal_set(void **state)
{
	(void)state;
	run_box(&result, 10, "05-pivot-root", ROOTFS, "/bin/sh", "-c",
		"ls /dev | tr '\\n' ' '; echo; ls /dev/pts | tr '\\n' ' '; echo", NULL);
	assert_exit(&result, 0);
	assert_output(&result,
		      "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero \n"
		      "ptmx \n");
}

static void test_dev_nodes_work(void **state)
{
	(void)state;
	run_box(
	    &result, 10, "05-pivot-root", ROOTFS, "/bin/sh", "-c",
	    "echo gone > /dev/null && head -c 5 /dev/zero | wc -c && head -c 5 /dev/urandom | wc -c"
	    " && echo shm > /dev/shm/file && cat /dev/shm/file"
	    " && if echo x > /dev/full; then echo full-accepted; else echo full-refused; fi",
	    NULL);
	assert_exit(&result, 0);
	assert_output(&result, "5\n5\nshm\nfull-refused\n");
}

/* Opening /dev/ptmx makes pty 0 of the container's own devpts instance:
 * numbering starts again, and the host's terminals are not listed. */
static void test_ptys_come_from_our_own_devpts(void **state)
{
	(void)state;
	run_box(&result, 10, "05-pivot-root", ROOTFS, "/bin/sh", "-c",
		"exec 3<>/dev/ptmx && ls /dev/pts | xargs", NULL);
	assert_exit(&result, 0);
	assert_output(&result, "0 ptmx\n");
}

/* Every mount the container sees is its own: the overlay as "/", and its
 * /dev, /proc, /sys with what is mounted on them. Nothing of the host's:
 * without the umount2(MNT_DETACH) after pivot_root, the host's root and
 * all its mounts would be listed here (stacked on "/"). */
static void test_mountinfo_shows_no_host_mount(void **state)
{
	char *line, *saveptr = NULL;
	int mounts = 0;

	(void)state;
	run_box(&result, 10, "05-pivot-root", ROOTFS, "/bin/cat", "/proc/self/mountinfo", NULL);
	assert_exit(&result, 0);
	for (line = strtok_r(result.out, "\n", &saveptr); line;
	     line = strtok_r(NULL, "\n", &saveptr)) {
		char mount_point[4096], type[64];

		/* "ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS ... - TYPE SOURCE ..." */
		assert_int_equal(sscanf(line, "%*s %*s %*s %*s %4095s", mount_point), 1);
		assert_non_null(strstr(line, " - "));
		assert_int_equal(sscanf(strstr(line, " - "), " - %63s", type), 1);
		if (strcmp(mount_point, "/") == 0)
			assert_string_equal(type, "overlay");
		else if (strncmp(mount_point, "/dev", 4) && strncmp(mount_point, "/proc/", 6) &&
			 strcmp(mount_point, "/proc") && strncmp(mount_point, "/sys", 4))
			fail_msg("a mount the container should not have: %s", line);
		mounts++;
	}
	assert_true(mounts > 5);
}

/* The container's / holds what the rootfs holds, nothing the pivot left
 * behind: the put_old form, pivot_root(".", ".old_root"), leaves an empty
 * .old_root there unless it is removed (README, exercise 2). */
static void test_root_holds_only_the_rootfs(void **state)
{
	char busybox[4096];
	struct run_result *host = malloc(sizeof(*host)); /* 128 KiB: not on the stack */

	(void)state;
	assert_non_null(host);
	snprintf(busybox, sizeof(busybox), "%s/bin/busybox", rootfs_path());
	run_argv(host, 10, (char *const[]){busybox, "ls", "-a", (char *)rootfs_path(), NULL});
	assert_exit(host, 0);
	run_box(&result, 10, "05-pivot-root", ROOTFS, "/bin/ls", "-a", "/", NULL);
	assert_exit(&result, 0);
	assert_no_output(&result, ".old_root");
	assert_string_equal(result.out, host->out);
	free(host);
}

static void test_masked_file_reads_empty(void **state)
{
	struct run_result under_04;

	(void)state;
	run_box(&under_04, 10, "04-overlay", ROOTFS, "/bin/sh", "-c", "wc -c < /proc/timer_list",
		NULL);
	run_box(&result, 10, "05-pivot-root", ROOTFS, "/bin/sh", "-c",
		"echo timer_list=$(wc -c < /proc/timer_list) acpi=$(ls -A /proc/acpi | wc -l)"
		" firmware=$(ls -A /sys/firmware | wc -l)",
		NULL);
	assert_exit(&under_04, 0);
	assert_true(atoi(under_04.out) > 0); /* the host's timers, under 04 */
	assert_exit(&result, 0);
	assert_output(&result, "timer_list=0 acpi=0 firmware=0");
}

static void test_proc_and_sys_read_only_where_it_matters(void **state)
{
	(void)state;
	run_box(&result, 10, "05-pivot-root", ROOTFS, "/bin/sh", "-c",
		"grep -E ' /(proc|sys|proc/sys) ' /proc/self/mountinfo | cut -d' ' -f5,6;"
		"touch /sys/kernel/x 2>/dev/null || echo sys-refused",
		NULL);
	assert_exit(&result, 0);
	assert_output(&result, "/proc rw,nosuid,nodev,noexec");
	assert_output(&result, "/proc/sys ro,nosuid,nodev,noexec");
	assert_output(&result, "/sys ro,nosuid,nodev,noexec");
	assert_output(&result, "sys-refused");
}

/* Step 07 runs this in a user namespace; with --net host there is no
 * network namespace of its own, sysfs can't be mounted, and the host's
 * /sys is bound read-only instead. */
static void test_sys_falls_back_to_read_only_bind_in_userns_with_net_host(void **state)
{
	(void)state;
	run_box(&result, 10, "07-user-namespace", "--net", "host", ROOTFS, "/bin/sh", "-c",
		"grep ' /sys ' /proc/self/mountinfo | cut -d' ' -f5,6; ls /sys/class | grep -c net",
		NULL);
	assert_exit(&result, 0);
	assert_output(&result, "/sys ro");
	assert_output(&result, "1\n");
}

/* pivot_root's EINVAL, explained: run pivot_into in a child that is in a
 * chroot (the current root is not a mount point), in a mount namespace
 * of its own so nothing it mounts reaches the host. */
static void test_pivot_root_in_a_chroot_fails_with_an_explanation(void **state)
{
	char scratch[] = "/tmp/boxes-test-pivot-XXXXXX", new_root[64], errors[64];
	char message[4096] = "";
	int wstatus, err_fd;
	pid_t child;

	(void)state;
	assert_non_null(mkdtemp(scratch));
	snprintf(new_root, sizeof(new_root), "%s/new-root", scratch);
	snprintf(errors, sizeof(errors), "%s/errors", scratch);
	assert_int_equal(mkdir(new_root, 0755), 0);
	err_fd = open(errors, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(err_fd >= 0);
	child = fork();
	if (child == 0) {
		dup2(err_fd, 2);
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || chroot(scratch) < 0 ||
		    chdir("/") < 0)
			_exit(3);
		_exit(pivot_into("/new-root") < 0 ? 1 : 0);
	}
	close(err_fd);
	waitpid(child, &wstatus, 0);
	read_file(errors, message, sizeof(message));
	unlink(errors);
	rmdir(new_root);
	rmdir(scratch);
	assert_true(WIFEXITED(wstatus));
	assert_int_equal(WEXITSTATUS(wstatus), 1);
	assert_non_null(strstr(message, "boxes: pivot_root(/new-root): Invalid argument"));
	assert_non_null(strstr(message, "not a chroot"));
}

static void test_nothing_left_after_run(void **state)
{
	(void)state;
	run_box(&result, 10, "05-pivot-root", ROOTFS, "/bin/true", NULL);
	assert_exit(&result, 0);
	assert_int_equal(run_dir_entries(), 0);
	assert_int_equal(host_mounts_matching(run_dir()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chroot_breakout_works_under_04),
	    cmocka_unit_test(test_chroot_breakout_fails_under_pivot_root),
	    cmocka_unit_test(test_proc_write_works_under_04),
	    cmocka_unit_test(test_proc_write_fails_under_05),
	    cmocka_unit_test(test_dev_holds_exactly_the_minimal_set),
	    cmocka_unit_test(test_dev_nodes_work),
	    cmocka_unit_test(test_ptys_come_from_our_own_devpts),
	    cmocka_unit_test(test_mountinfo_shows_no_host_mount),
	    cmocka_unit_test(test_root_holds_only_the_rootfs),
	    cmocka_unit_test(test_masked_file_reads_empty),
	    cmocka_unit_test(test_proc_and_sys_read_only_where_it_matters),
	    cmocka_unit_test(test_sys_falls_back_to_read_only_bind_in_userns_with_net_host),
	    cmocka_unit_test(test_pivot_root_in_a_chroot_fails_with_an_explanation),
	    cmocka_unit_test(test_nothing_left_after_run),
	};

	return cmocka_run_group_tests_name("test_05_pivot_root", tests, harness_setup,
					   harness_teardown);
}
