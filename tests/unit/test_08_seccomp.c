/* Unit tests, step 08: the seccomp filter, loaded in a child (after
 * no_new_privs, so no root is needed). Every denied call is made with
 * arguments the kernel would reject anyway (-1 everywhere), so even a
 * filter that let one through could do no harm. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "08-seccomp/privileges.h"
#include "08-seccomp/seccomp.h"
#include "options.h"

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_SESSION_KEYRING -3
#define X32_SYSCALL_BIT 0x40000000L

/* What the issue asks to deny, written down independently of seccomp.c:
 * removing a line there makes this test fail. */
static const char *const must_be_denied[] = {
    "keyctl",
    "add_key",
    "request_key",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "open_by_handle_at",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "iopl",
    "ioperm",
    "settimeofday",
    "clock_settime",
    "adjtimex",
};

/* Run fn in a child under the filter (mode as --seccomp); its exit code. */
static int under_filter(enum seccomp_mode mode, int (*fn)(void))
{
	struct box box;
	int status;
	pid_t pid;

	box_init(&box, 8);
	box.seccomp = mode;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (set_no_new_privs() < 0 || load_seccomp_filter(&box) < 0)
			_exit(100);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int call_each_denied(void)
{
	size_t i;

	for (i = 0; i < sizeof(must_be_denied) / sizeof(must_be_denied[0]); i++) {
		int number = seccomp_syscall_resolve_name(must_be_denied[i]);
		long result;

		if (number < 0)
			continue; /* not a call on this architecture (iopl on arm64) */
		errno = 0;
		result = syscall(number, -1L, -1L, -1L, -1L, -1L, -1L);
		if (result != -1 || errno != EPERM) {
			fprintf(stderr, "%s returned %ld (%s), not EPERM\n", must_be_denied[i],
				result, strerror(errno));
			return 1;
		}
	}
	return 0;
}

static void test_every_listed_syscall_gets_eperm(void **state)
{
	(void)state;
	assert_int_equal(under_filter(SECCOMP_DEFAULT, call_each_denied), 0);
}

static int clone3_child(void)
{
	errno = 0;
	return syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS ? 0 : 1;
}

static void test_clone3_is_enosys_so_libc_falls_back(void **state)
{
	(void)state;
	assert_int_equal(under_filter(SECCOMP_DEFAULT, clone3_child), 0);
}

static int clone_namespace_child(void)
{
	static const unsigned long flags[] = {CLONE_NEWUSER,  CLONE_NEWNS,  CLONE_NEWPID,
					      CLONE_NEWNET,   CLONE_NEWUTS, CLONE_NEWIPC,
					      CLONE_NEWCGROUP};
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		/* a raw clone without a stack acts like fork if it is let through */
		long pid = syscall(SYS_clone, flags[i] | SIGCHLD, NULL, NULL, NULL, NULL);

		if (pid == 0)
			_exit(0);
		if (pid > 0) {
			waitpid((pid_t)pid, NULL, 0);
			fprintf(stderr, "clone with flag %#lx was allowed\n", flags[i]);
			return 1;
		}
		if (errno != EPERM)
			return 2;
	}
	return 0;
}

static void test_clone_with_a_namespace_flag_gets_eperm(void **state)
{
	(void)state;
	assert_int_equal(under_filter(SECCOMP_DEFAULT, clone_namespace_child), 0);
}

static void *thread_body(void *arg)
{
	return arg;
}

static int ordinary_work_child(void)
{
	char path[] = "/tmp/boxes-unit-08-XXXXXX", back[6] = "";
	pthread_t thread;
	void *thread_result = NULL;
	int fd, status, sockets[2];
	pid_t pid;

	pid = fork(); /* --init forks after the filter is loaded */
	if (pid < 0)
		return 1;
	if (pid == 0)
		_exit(7);
	if (waitpid(pid, &status, 0) != pid || WEXITSTATUS(status) != 7)
		return 2;
	/* glibc tries clone3 first, gets ENOSYS, falls back to clone */
	if (pthread_create(&thread, NULL, thread_body, path) != 0 ||
	    pthread_join(thread, &thread_result) != 0 || thread_result != path)
		return 3;
	fd = mkstemp(path);
	if (fd < 0 || write(fd, "hello", 5) != 5 || lseek(fd, 0, SEEK_SET) != 0 ||
	    read(fd, back, 5) != 5 || strcmp(back, "hello") != 0)
		return 4;
	close(fd);
	unlink(path);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sockets) < 0)
		return 5;
	close(sockets[0]);
	close(sockets[1]);
	return 0;
}

static void test_fork_threads_files_and_sockets_still_work(void **state)
{
	(void)state;
	assert_int_equal(under_filter(SECCOMP_DEFAULT, ordinary_work_child), 0);
}

/* x32 calls come in through the x86_64 door with bit 30 set. This kernel
 * may not run x32 at all (ENOSYS), but the filter sees the call first:
 * EPERM shows the x32 numbers are in the filter. */
static int x32_keyctl_child(void)
{
#if defined(__x86_64__)
	errno = 0;
	if (syscall(X32_SYSCALL_BIT | SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING,
		    0) == -1 &&
	    errno == EPERM)
		return 0;
	return 1;
#else
	return 0;
#endif
}

static void test_x32_keyctl_cannot_bypass_the_filter(void **state)
{
	(void)state;
	assert_int_equal(under_filter(SECCOMP_DEFAULT, x32_keyctl_child), 0);
	/* and without the filter it is not EPERM, so the test can fail */
	assert_int_not_equal(under_filter(SECCOMP_UNCONFINED, x32_keyctl_child), 0);
}

/* The filter as libseccomp prints it (PFC), read back from a temp file. */
static void filter_text(char *text, size_t len)
{
	FILE *file = tmpfile();
	size_t got;

	assert_non_null(file);
	assert_int_equal(print_seccomp_filter(fileno(file)), 0);
	rewind(file);
	got = fread(text, 1, len - 1, file);
	text[got] = '\0';
	fclose(file);
}

/* This machine may have no 32-bit door (int 0x80 faults on some VMs), so
 * read the filter instead: its x86 section must deny the calls under
 * their i386 numbers (keyctl is 288 there), and any other ABI is killed. */
static void test_int80_calls_denied_in_the_x86_section(void **state)
{
	static const char *const names[] = {"\"keyctl\" (288)",	     "\"add_key\"",
					    "\"unshare\"",	     "\"mount\"",
					    "\"open_by_handle_at\"", "\"bpf\""};
	static char text[65536];
	char *x86, *end;
	size_t i;

	(void)state;
	filter_text(text, sizeof(text));
#if defined(__x86_64__)
	x86 = strstr(text, "# filter for arch x86 (");
	assert_non_null(x86);
	end = strstr(x86 + 1, "# filter for arch");
	if (!end)
		end = strstr(x86, "# invalid architecture action");
	assert_non_null(end);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *rule = strstr(x86, names[i]);

		print_message("x86 rule for %s\n", names[i]);
		assert_non_null(rule);
		assert_true(rule < end);
		assert_non_null(strstr(rule, "action ERRNO(1);"));
		assert_true(strstr(rule, "action ERRNO(1);") < end);
	}
	assert_non_null(strstr(text, "# filter for arch x32 ("));
#else
	(void)names;
	(void)x86;
	(void)end;
	(void)i;
#endif
	assert_non_null(strstr(text, "# invalid architecture action\naction KILL_PROCESS;"));
}

static int keyring_child(void)
{
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);

	if (id >= 0)
		return 0; /* the keyring answered */
	return errno == EPERM ? 1 : 2;
}

static void test_unconfined_loads_no_filter(void **state)
{
	(void)state;
	assert_int_equal(under_filter(SECCOMP_UNCONFINED, keyring_child), 0);
	assert_int_equal(under_filter(SECCOMP_DEFAULT, keyring_child), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_listed_syscall_gets_eperm),
	    cmocka_unit_test(test_clone3_is_enosys_so_libc_falls_back),
	    cmocka_unit_test(test_clone_with_a_namespace_flag_gets_eperm),
	    cmocka_unit_test(test_fork_threads_files_and_sockets_still_work),
	    cmocka_unit_test(test_x32_keyctl_cannot_bypass_the_filter),
	    cmocka_unit_test(test_int80_calls_denied_in_the_x86_section),
	    cmocka_unit_test(test_unconfined_loads_no_filter),
	};

	return cmocka_run_group_tests_name("test_08_seccomp", tests, NULL, NULL);
}
