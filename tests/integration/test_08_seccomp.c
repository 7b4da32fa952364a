/* Step 08 (no_new_privs, capabilities, seccomp): each door into the kernel
 * that 07 left open - keyrings, nested namespaces, mount, file handles,
 * setuid - is shown open under 07 and shut under 08; ordinary work still
 * runs; --seccomp unconfined brings 07's behaviour back. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_06.h"

#define STEP "08-seccomp"
#define STEP_07 "07-user-namespace"

/* Docker's default set: what `docker run alpine grep Cap /proc/self/status`
 * shows. */
#define DOCKER_CAPS "00000000a80425fb"

static void test_default_capabilities_are_dockers_14(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", "grep ^Cap /proc/self/status", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "CapEff:\t" DOCKER_CAPS);
	assert_output(&r, "CapPrm:\t" DOCKER_CAPS);
	assert_output(&r, "CapBnd:\t" DOCKER_CAPS);
	assert_output(&r, "CapInh:\t0000000000000000");
	assert_output(&r, "CapAmb:\t0000000000000000");
}

static void test_no_new_privs_and_filter_are_on(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c",
		"grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "NoNewPrivs:\t1");
	assert_output(&r, "Seccomp:\t2"); /* 2: filter mode */
}

static void test_cap_drop_all_then_cap_add_keeps_only_that(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--cap-drop", "ALL", "--cap-add", "net_bind_service", ROOTFS,
		"/bin/sh", "-c", "grep ^CapEff /proc/self/status", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "CapEff:\t0000000000000400"); /* bit 10 only */
}

static void test_bad_capability_name_exits_125_before_anything_is_made(void **state)
{
	struct run_result r;
	int entries_before = run_dir_entries();

	(void)state;
	run_box(&r, 10, STEP, "--cap-add", "NET_ADMINN", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "--cap-add NET_ADMINN: no such capability");
	assert_int_equal(run_dir_entries(), entries_before);
}

static void test_trace_shows_no_new_privs_then_caps_then_filter(void **state)
{
	struct run_result r;
	const char *no_new_privs, *capset, *filter, *exec;

	(void)state;
	run_box(&r, 10, STEP, "--trace", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 0);
	no_new_privs = strstr(r.err, "[08] prctl(PR_SET_NO_NEW_PRIVS, 1)");
	capset = strstr(r.err, "[08] capset(");
	filter = strstr(r.err, "[08] seccomp(SECCOMP_SET_MODE_FILTER)");
	exec = strstr(r.err, "execvp(\"/bin/true\")");
	assert_non_null(no_new_privs);
	assert_non_null(capset);
	assert_non_null(filter);
	assert_non_null(exec);
	assert_true(no_new_privs < capset && capset < filter && filter < exec);
}

/* Each escape: open under 07, shut under 08. */
static void test_keyctl_escape_works_under_07(void **state)
{
	(void)state;
	check_escape(STEP_07, "keyctl", 0, "ESCAPED: add_key put key");
}

static void test_keyctl_blocked_by_seccomp(void **state)
{
	(void)state;
	check_escape(STEP, "keyctl", 1,
		     "BLOCKED: add_key(\"user\", ..., KEY_SPEC_USER_KEYRING): "
		     "Operation not permitted");
}

static void test_nested_userns_escape_works_under_07(void **state)
{
	(void)state;
	check_escape(STEP_07, "nested-userns", 0, "ESCAPED: unshare(");
}

static void test_nested_userns_blocked_by_seccomp(void **state)
{
	(void)state;
	check_escape(STEP, "nested-userns", 1,
		     "BLOCKED: unshare(CLONE_NEWUSER): Operation not permitted");
}

static void test_mount_tmpfs_escape_works_under_07(void **state)
{
	(void)state;
	check_escape(STEP_07, "mount-tmpfs", 0, "ESCAPED: mounted a tmpfs");
}

static void test_mount_tmpfs_blocked_under_08(void **state)
{
	(void)state;
	check_escape(STEP, "mount-tmpfs", 1,
		     "Operation not permitted (CAP_SYS_ADMIN dropped, seccomp filter on)");
}

/* Two locks on mount: give back CAP_SYS_ADMIN and the filter still says
 * no; open both and it works again. */
static void test_mount_blocked_by_filter_even_with_cap_sys_admin(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--cap-add", "SYS_ADMIN", ROOTFS, "/escapes/mount-tmpfs", NULL);
	assert_exit(&r, 1);
	assert_output(&r, "(CAP_SYS_ADMIN held, seccomp filter on)");
	run_box(&r, 10, STEP, "--cap-add", "SYS_ADMIN", "--seccomp", "unconfined", ROOTFS,
		"/escapes/mount-tmpfs", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED: mounted a tmpfs");
}

static void test_shocker_already_fails_under_07(void **state)
{
	(void)state;
	check_escape(STEP_07, "shocker", 1, "BLOCKED: open_by_handle_at(inode 2)");
}

static void test_shocker_blocked_by_seccomp(void **state)
{
	(void)state;
	check_escape(STEP, "shocker", 1,
		     "BLOCKED: open_by_handle_at(inode 2): Operation not permitted");
}

static void test_setuid_program_gains_root_under_07(void **state)
{
	(void)state;
	check_escape(STEP_07, "setuid-gain", 0,
		     "ESCAPED: uid 65534 ran a setuid-root program and got euid 0 back");
}

static void test_setuid_program_gains_nothing_under_no_new_privs(void **state)
{
	(void)state;
	check_escape(STEP, "setuid-gain", 1,
		     "BLOCKED: the setuid-root program ran with euid 65534");
}

/* The 32-bit door: where the kernel has one, the filter covers it too. */
static void test_int80_keyctl_cannot_bypass_the_filter(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/escapes/keyctl-int80", NULL);
	if (r.status == 2) {
		/* This kernel runs no 32-bit calls at all (ia32_emulation off):
		 * then there is no door to bypass the filter by, under any step;
		 * the filter's x86 rules are checked by test_08_seccomp (unit). */
		assert_output(&r, "CANNOT TEST: int 0x80 faults");
		run_box(&r, 10, "07-user-namespace", ROOTFS, "/escapes/keyctl-int80", NULL);
		assert_exit(&r, 2);
		return;
	}
	assert_exit(&r, 1);
	assert_output(&r,
		      "BLOCKED: int 0x80 keyctl(KEYCTL_GET_KEYRING_ID): Operation not permitted");
}

static void test_unconfined_restores_07_behaviour(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--seccomp", "unconfined", ROOTFS, "/escapes/keyctl", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED: add_key put key");
	run_box(&r, 10, STEP, "--seccomp", "unconfined", ROOTFS, "/escapes/nested-userns", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED: unshare(");
	run_box(&r, 10, STEP, "--seccomp", "unconfined", ROOTFS, "/bin/sh", "-c",
		"grep ^Seccomp: /proc/self/status", NULL);
	assert_output(&r, "Seccomp:\t0");
}

static void test_ordinary_work_still_works(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c",
		"mkdir -p /tmp/work/sub && echo data > /tmp/work/sub/file && "
		"mv /tmp/work/sub/file /tmp/work/moved && chmod 600 /tmp/work/moved && "
		"chown 1000:1000 /tmp/work/moved && cat /tmp/work/moved && rm -r /tmp/work && "
		"ps -o pid,comm | grep -q ' ps$' && echo all-done",
		NULL);
	assert_exit(&r, 0);
	assert_output(&r, "data\nall-done\n");
}

/* The runtime held netlink sockets, namespace fds, the sync pipe, and an
 * fd its caller leaked: with everything on, the command still gets only
 * 0, 1 and 2 (ls adds its own fd for the directory it reads). */
static void test_no_fd_beyond_2_reaches_the_container(void **state)
{
	struct run_result r;
	int leaked = dup(2); /* no O_CLOEXEC: the runtime inherits it */

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/ls", "/proc/self/fd", NULL);
	close(leaked);
	assert_exit(&r, 0);
	assert_string_equal(r.out, "0\n1\n2\n3\n");
}

static void test_init_forks_after_the_filter(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--init", ROOTFS, "/bin/sh", "-c",
		"(sleep 0; echo from-a-child) & wait; echo pid=$$", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "from-a-child\npid=2\n");
}

static void test_container_reaches_host_end(void **state)
{
	struct run_result r;

	(void)state;
	/* ping needs CAP_NET_RAW: one of the 14 we keep */
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c",
		"gateway=$(ip route | awk '/^default/ { print $3 }'); ping -c 1 -W 2 $gateway",
		NULL);
	assert_exit(&r, 0);
	assert_output(&r, "1 packets received");
}

/* A TCP connection between the host end and a server in the container:
 * socket, bind, listen, accept are all ordinary calls the filter allows. */
static void test_host_connects_to_server_in_container(void **state)
{
	char out_file[64], err_file[64], output[4096], address[32] = "", reply[256] = "";
	pid_t pid;

	(void)state;
	snprintf(out_file, sizeof(out_file), "/tmp/boxes-08-%d.out", (int)getpid());
	snprintf(err_file, sizeof(err_file), "/tmp/boxes-08-%d.err", (int)getpid());
	pid = spawn_box(out_file, err_file, STEP, ROOTFS, "/bin/sh", "-c",
			"ip -4 -o addr show eth0; echo hello-through-the-filter | nc -l -p 8080",
			NULL);
	assert_true(pid > 0);
	if (wait_for_file_text(out_file, "inet 10.200.", 5, output, sizeof(output)) == 0 &&
	    find_container_address(output, address, sizeof(address)) == 0)
		read_from_server(address, 8080, 5, reply, sizeof(reply));
	else
		kill(pid, SIGTERM);
	assert_int_equal(wait_box(pid, 5), 0);
	unlink(out_file);
	unlink(err_file);
	assert_string_equal(reply, "hello-through-the-filter\n");
}

/* A SIGTERM during the long set-up of 08 (cgroup, overlay, user namespace,
 * veth, filter) ends the container before its command starts; under
 * --init, init passes it on to the command. */
static void test_sigterm_during_set_up_ends_container(void **state)
{
	char err[OUTPUT_MAX];

	(void)state;
	assert_int_equal(sigterm_during_set_up(STEP, NULL, err, sizeof(err)), 143);
	assert_non_null(strstr(err, "SIGTERM came before the command ran"));
	assert_int_equal(sigterm_during_set_up(STEP, "--init", err, sizeof(err)), 143);
	assert_int_equal(run_dir_entries(), 0); /* cleaned up as after any stop */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_capabilities_are_dockers_14),
	    cmocka_unit_test(test_no_new_privs_and_filter_are_on),
	    cmocka_unit_test(test_cap_drop_all_then_cap_add_keeps_only_that),
	    cmocka_unit_test(test_bad_capability_name_exits_125_before_anything_is_made),
	    cmocka_unit_test(test_trace_shows_no_new_privs_then_caps_then_filter),
	    cmocka_unit_test(test_keyctl_escape_works_under_07),
	    cmocka_unit_test(test_keyctl_blocked_by_seccomp),
	    cmocka_unit_test(test_nested_userns_escape_works_under_07),
	    cmocka_unit_test(test_nested_userns_blocked_by_seccomp),
	    cmocka_unit_test(test_mount_tmpfs_escape_works_under_07),
	    cmocka_unit_test(test_mount_tmpfs_blocked_under_08),
	    cmocka_unit_test(test_mount_blocked_by_filter_even_with_cap_sys_admin),
	    cmocka_unit_test(test_shocker_already_fails_under_07),
	    cmocka_unit_test(test_shocker_blocked_by_seccomp),
	    cmocka_unit_test(test_setuid_program_gains_root_under_07),
	    cmocka_unit_test(test_setuid_program_gains_nothing_under_no_new_privs),
	    cmocka_unit_test(test_int80_keyctl_cannot_bypass_the_filter),
	    cmocka_unit_test(test_unconfined_restores_07_behaviour),
	    cmocka_unit_test(test_ordinary_work_still_works),
	    cmocka_unit_test(test_no_fd_beyond_2_reaches_the_container),
	    cmocka_unit_test(test_init_forks_after_the_filter),
	    cmocka_unit_test(test_sigterm_during_set_up_ends_container),
	    cmocka_unit_test(test_container_reaches_host_end),
	    cmocka_unit_test(test_host_connects_to_server_in_container),
	};

	return cmocka_run_group_tests_name("test_08_seccomp", tests, harness_setup,
					   harness_teardown);
}
