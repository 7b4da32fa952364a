/* Step 02 (PID, mount, UTS, IPC namespaces): the container sees only its
 * own processes, has its own hostname and mounts, is PID 1 - and the
 * chroot breakout still works (step 05 closes it). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define STEP "02-pid-namespace"

static void test_command_is_pid_1_and_alone(void **state)
{
	struct run_result r;
	pid_t sentinel = start_sentinel();

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", "echo pid=$$; ps -o pid,args", NULL);
	stop_sentinel(sentinel);
	assert_exit(&r, 0);
	assert_output(&r, "pid=1\n");
	assert_no_output(&r, "boxes-host-sentinel");
	assert_no_output(&r, "    3 "); /* just sh (1) and ps (2) */
}

static void test_host_process_hidden_by_pid_namespace(void **state)
{
	struct run_result r;
	pid_t sentinel = start_sentinel();

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/escapes/host-processes", NULL);
	stop_sentinel(sentinel);
	assert_exit(&r, 1);
	assert_output(&r, "BLOCKED: no host process in our /proc");
}

static void test_host_sentinel_cannot_be_killed(void **state)
{
	struct run_result r;
	pid_t sentinel = start_sentinel();
	char command[128];

	(void)state;
	/* The host's pid number means nothing in here: no such process. */
	snprintf(command, sizeof(command), "kill -9 %d; echo kill-status=$?", (int)sentinel);
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", command, NULL);
	assert_int_equal(kill(sentinel, 0), 0); /* still alive */
	stop_sentinel(sentinel);
	assert_exit(&r, 0);
	assert_output(&r, "kill-status=1");
}

static void test_hostname_is_the_containers_own(void **state)
{
	struct run_result r;
	char before[256] = "", after[256] = "";

	(void)state;
	gethostname(before, sizeof(before));
	run_box(&r, 10, STEP, "--hostname", "web", ROOTFS, "/bin/sh", "-c",
		"hostname; hostname renamed-inside; hostname; echo HOSTNAME=$HOSTNAME", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "web\nrenamed-inside\nHOSTNAME=web");
	gethostname(after, sizeof(after));
	assert_string_equal(after, before);
}

static void test_default_hostname_is_the_id(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/hostname", NULL);
	assert_exit(&r, 0);
	assert_int_equal(strlen(r.out), 13); /* 12 hex digits and a newline */
}

static void test_sethostname_escape_blocked_by_uts_namespace(void **state)
{
	(void)state;
	assert_int_equal(hostname_escape_renames_outside(STEP), 1);
	assert_int_equal(hostname_escape_renames_outside("01-chroot"), 0); /* as 01 allowed */
}

static void test_mount_inside_is_invisible_to_host(void **state)
{
	char out_file[300], err_file[300], output[4096] = "";
	int i, seen_on_host, status;
	pid_t pid;

	(void)state;
	snprintf(out_file, sizeof(out_file), "%s/mount.out", run_dir());
	snprintf(err_file, sizeof(err_file), "%s/mount.err", run_dir());
	pid = spawn_box(out_file, err_file, STEP, ROOTFS, "/bin/sh", "-c",
			"mount -t tmpfs boxes-probe-mount /tmp && echo mounted && sleep 5", NULL);
	for (i = 0; i < 100 && !strstr(output, "mounted"); i++) {
		usleep(20000);
		read_file(out_file, output, sizeof(output));
	}
	seen_on_host = host_mounts_matching("boxes-probe-mount");
	kill(pid, SIGTERM);
	usleep(100000); /* two signals at once would merge into one */
	kill(pid, SIGTERM); /* PID 1 ignores the first: see test_pid1_... */
	status = wait_box(pid, 10);
	assert_non_null(strstr(output, "mounted"));
	assert_int_equal(seen_on_host, 0);
	assert_int_equal(status, 137);
	unlink(out_file);
	unlink(err_file);
}

/* A container whose command says "ready" and then sleeps: signals sent
 * before it runs would hit a PID 1 still being set up. */
static pid_t spawn_sleeper(const char *option, char *out_file, char *err_file)
{
	char output[256] = "";
	pid_t pid;
	int i;

	snprintf(out_file, 300, "%s/sleep.out", run_dir());
	snprintf(err_file, 300, "%s/sleep.err", run_dir());
	if (option)
		pid = spawn_box(out_file, err_file, STEP, option, ROOTFS, "/bin/sh", "-c",
				"echo ready; exec sleep 30", NULL);
	else
		pid = spawn_box(out_file, err_file, STEP, ROOTFS, "/bin/sh", "-c",
				"echo ready; exec sleep 30", NULL);
	for (i = 0; i < 250 && !strstr(output, "ready"); i++) {
		usleep(20000);
		read_file(out_file, output, sizeof(output));
	}
	usleep(50000); /* from echo to the exec of sleep */
	return pid;
}

static void test_sigterm_reaches_container_under_init(void **state)
{
	char out_file[300], err_file[300];
	pid_t pid = spawn_sleeper("--init", out_file, err_file);

	(void)state;
	kill(pid, SIGTERM);
	assert_int_equal(wait_box(pid, 10), 143); /* 128 + SIGTERM */
}

static void test_pid1_ignores_sigterm_without_init(void **state)
{
	char out_file[300], err_file[300];
	pid_t pid = spawn_sleeper(NULL, out_file, err_file);
	int still_running;

	(void)state;
	kill(pid, SIGTERM);
	usleep(300000);
	still_running = waitpid(pid, NULL, WNOHANG) == 0;
	kill(pid, SIGTERM); /* the runtime turns a second one into SIGKILL */
	assert_true(still_running);
	assert_int_equal(wait_box(pid, 10), 137);
}

/* A SIGTERM that comes while the runtime is still setting up (it holds
 * signals from option parsing on) must not be lost: passed on, it ends
 * the container before the command starts, 128 + SIGTERM. */
static void test_sigterm_during_set_up_ends_container(void **state)
{
	char err[OUTPUT_MAX];

	(void)state;
	assert_int_equal(sigterm_during_set_up(STEP, NULL, err, sizeof(err)), 143);
	assert_non_null(strstr(err, "SIGTERM came before the command ran"));
	assert_null(strstr(err, "execvp")); /* sleep never ran */
}

static void test_sigterm_during_set_up_ends_container_under_init(void **state)
{
	char err[OUTPUT_MAX];

	(void)state;
	assert_int_equal(sigterm_during_set_up(STEP, "--init", err, sizeof(err)), 143);
}

/* docker stop: PID 1 ignores SIGTERM (no handler), so after the grace
 * period the runtime sends SIGKILL, and says so. */
static void test_stop_timeout_then_sigkill_without_init(void **state)
{
	char out_file[300], err_file[300], err[4096] = "";
	pid_t pid = spawn_sleeper("--stop-timeout=1", out_file, err_file);
	int status;

	(void)state;
	kill(pid, SIGTERM);
	status = wait_box(pid, 10); /* the default grace period, 10 s, would time out */
	read_file(err_file, err, sizeof(err));
	assert_int_equal(status, 137);
	assert_non_null(
	    strstr(err, "boxes: container did not stop 1 s after SIGTERM: sent SIGKILL\n"));
}

/* Ctrl-C twice: the second one does not wait for the grace period. */
static void test_second_sigint_kills_at_once(void **state)
{
	char out_file[300], err_file[300], err[4096] = "";
	pid_t pid = spawn_sleeper("--stop-timeout=60", out_file, err_file);
	int status;

	(void)state;
	kill(pid, SIGINT);
	usleep(100000); /* two signals at once would merge into one */
	kill(pid, SIGINT);
	status = wait_box(pid, 10);
	read_file(err_file, err, sizeof(err));
	assert_int_equal(status, 137);
	assert_null(strstr(err, "did not stop"));
}

/* Under --init, PID 1 keeps no file descriptor of the runtime's (its
 * pidfd, the sync pipe): only 0, 1 and 2, like the command. */
static void test_init_holds_only_fds_0_1_2(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--init", ROOTFS, "/bin/ls", "/proc/1/fd", NULL);
	assert_exit(&r, 0);
	assert_string_equal(r.out, "0\n1\n2\n");
}

static void test_bad_stop_timeout_exits_125(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--stop-timeout", "ten", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "--stop-timeout 'ten': expected a whole number of seconds above 0");
}

static void test_init_makes_command_pid_2_and_reaps_orphans(void **state)
{
	struct run_result r;

	(void)state;
	/* The inner sh exits at once; its sleep is orphaned to PID 1. */
	run_box(
	    &r, 10, STEP, "--init", ROOTFS, "/bin/sh", "-c",
	    "echo pid=$$; sh -c 'sleep 0.1 &'; sleep 0.4; ps -o stat,args | grep -c '^Z' || true",
	    NULL);
	assert_exit(&r, 0);
	assert_output(&r, "pid=2\n");
	assert_output(&r, "\n0\n"); /* no zombie: init reaped the orphan */
}

static void test_chroot_breakout_still_works_under_02(void **state)
{
	struct run_result r;

	(void)state;
	/* Honest: namespaces don't change the root. Step 05 closes this. */
	run_box(&r, 10, STEP, ROOTFS, "/escapes/chroot-breakout", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED");
}

static void test_bad_hostname_exits_125(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--hostname", "", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "--hostname");
}

/* A newline in the name would forge a line in logs and /etc/hosts: RFC
 * 1123 names only, and the refusal stays one line. */
static void test_hostname_outside_rfc_1123_exits_125(void **state)
{
	static const struct {
		const char *name, *message;
	} cases[] = {
	    {"web\nevil", "boxes: --hostname 'web?evil': only letters, digits, '-' and '.' are "
			  "allowed; a hostname is letters, digits and '-' in labels of 1 to 63 "
			  "separated by '.', at most 64 characters\n"},
	    {"-web", "boxes: --hostname '-web': a label starts with '-';"},
	    {"a..b", "boxes: --hostname 'a..b': a label between dots is empty;"},
	};
	struct run_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_box(&r, 10, STEP, "--hostname", cases[i].name, ROOTFS, "/bin/sh", "-c",
			"echo ran", NULL);
		assert_exit(&r, 125);
		assert_no_output(&r, "ran");
		assert_error(&r, cases[i].message);
		assert_int_equal(strchr(r.err, '\n') - r.err, strlen(r.err) - 1); /* one line */
	}
	run_box(&r, 10, STEP, "--hostname", "db-1.internal", ROOTFS, "/bin/hostname", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "db-1.internal");
}

static void test_proc_is_mounted_nosuid_noexec_nodev(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/grep", "^proc /proc", "/proc/mounts", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "nosuid,nodev,noexec");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_command_is_pid_1_and_alone),
	    cmocka_unit_test(test_host_process_hidden_by_pid_namespace),
	    cmocka_unit_test(test_host_sentinel_cannot_be_killed),
	    cmocka_unit_test(test_hostname_is_the_containers_own),
	    cmocka_unit_test(test_default_hostname_is_the_id),
	    cmocka_unit_test(test_sethostname_escape_blocked_by_uts_namespace),
	    cmocka_unit_test(test_mount_inside_is_invisible_to_host),
	    cmocka_unit_test(test_sigterm_reaches_container_under_init),
	    cmocka_unit_test(test_pid1_ignores_sigterm_without_init),
	    cmocka_unit_test(test_sigterm_during_set_up_ends_container),
	    cmocka_unit_test(test_sigterm_during_set_up_ends_container_under_init),
	    cmocka_unit_test(test_stop_timeout_then_sigkill_without_init),
	    cmocka_unit_test(test_second_sigint_kills_at_once),
	    cmocka_unit_test(test_init_holds_only_fds_0_1_2),
	    cmocka_unit_test(test_bad_stop_timeout_exits_125),
	    cmocka_unit_test(test_init_makes_command_pid_2_and_reaps_orphans),
	    cmocka_unit_test(test_chroot_breakout_still_works_under_02),
	    cmocka_unit_test(test_bad_hostname_exits_125),
	    cmocka_unit_test(test_hostname_outside_rfc_1123_exits_125),
	    cmocka_unit_test(test_proc_is_mounted_nosuid_noexec_nodev),
	};

	return cmocka_run_group_tests_name("test_02_pid_namespace", tests, harness_setup,
					   harness_teardown);
}
