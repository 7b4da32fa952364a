/* Unit tests for step 07 (no root needed): the map lines, and the whole
 * dance - a child in a new user namespace, its maps written from outside,
 * become_root inside - done by the user running the tests. Run as root,
 * one test also replays it as "nobody", the way a rootless runtime works,
 * where the kernel demands setgroups "deny" before the gid_map. */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "07-user-namespace/userns.h"

static void test_map_line_is_inside_outside_count(void **state)
{
	struct id_map map = {0, 100000, 65536};
	char line[64];

	(void)state;
	assert_int_equal(id_map_line(&map, line, sizeof(line)), 0);
	assert_string_equal(line, "0 100000 65536");
}

static void test_map_line_never_cut_silently(void **state)
{
	struct id_map map = {0, 100000, 65536};
	char line[8];

	(void)state;
	assert_int_equal(id_map_line(&map, line, sizeof(line)), -1);
}

/* What the child reports, as its exit code. */
enum { CHILD_ROOT = 0, CHILD_NOT_ROOT = 1, CHILD_FAILED = 2, CHILD_NO_USERNS = 3 };

/* Fork a child that enters a new user namespace; map our own uid and gid
 * to its 0 with write_id_maps; let it become_root. Returns its report.
 * seen gets what the child read in /proc/self/setgroups. */
static int map_myself_into_new_userns(char *seen_setgroups, size_t len)
{
	int ready[2], go[2], report[2], wstatus;
	struct box box;
	char byte;
	pid_t child;
	ssize_t got;

	memset(&box, 0, sizeof(box));
	if (pipe(ready) < 0 || pipe(go) < 0 || pipe(report) < 0)
		return CHILD_FAILED;
	child = fork();
	if (child == 0) {
		char seen[16] = "";
		int fd;

		close(ready[0]);
		close(go[1]);
		close(report[0]);
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(CHILD_NO_USERNS);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &byte, 1) != 1)
			_exit(CHILD_FAILED);
		fd = open("/proc/self/setgroups", O_RDONLY);
		if (fd >= 0 && read(fd, seen, sizeof(seen) - 1) > 0 &&
		    write(report[1], seen, strlen(seen)) < 0)
			_exit(CHILD_FAILED);
		if (become_root() < 0)
			_exit(CHILD_FAILED);
		_exit(getuid() == 0 && getgid() == 0 ? CHILD_ROOT : CHILD_NOT_ROOT);
	}
	close(ready[1]);
	close(go[0]);
	close(report[1]);
	box.container_pid = child;
	box.uid_map = (struct id_map){0, geteuid(), 1};
	box.gid_map = (struct id_map){0, getegid(), 1};
	if (read(ready[0], &byte, 1) == 1 && write_id_maps(&box) == 0)
		(void)!write(go[1], "g", 1);
	close(go[1]);
	got = read(report[0], seen_setgroups, len - 1);
	seen_setgroups[got > 0 ? got : 0] = '\0';
	close(ready[0]);
	close(report[0]);
	waitpid(child, &wstatus, 0);
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : CHILD_FAILED;
}

static void test_child_becomes_root_of_its_namespace(void **state)
{
	char seen[16];
	int result = map_myself_into_new_userns(seen, sizeof(seen));

	(void)state;
	if (result == CHILD_NO_USERNS)
		skip(); /* user namespaces are off for this user */
	assert_int_equal(result, CHILD_ROOT);
}

static void test_rootless_runtime_must_deny_setgroups(void **state)
{
	int wstatus;
	pid_t helper;

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can become nobody to replay it */
	helper = fork();
	if (helper == 0) {
		char seen[16];
		int result;

		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			_exit(CHILD_FAILED);
		/* Changing uid made us undumpable: our children's /proc files
		 * would stay root's, and we could not write their maps. */
		prctl(PR_SET_DUMPABLE, 1);
		result = map_myself_into_new_userns(seen, sizeof(seen));
		if (result == CHILD_ROOT && strncmp(seen, "deny", 4) != 0)
			result = CHILD_NOT_ROOT; /* the kernel took "allow"? say so */
		_exit(result);
	}
	waitpid(helper, &wstatus, 0);
	assert_true(WIFEXITED(wstatus));
	if (WEXITSTATUS(wstatus) == CHILD_NO_USERNS)
		skip(); /* unprivileged user namespaces are off on this machine */
	assert_int_equal(WEXITSTATUS(wstatus), CHILD_ROOT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map_line_is_inside_outside_count),
	    cmocka_unit_test(test_map_line_never_cut_silently),
	    cmocka_unit_test(test_child_becomes_root_of_its_namespace),
	    cmocka_unit_test(test_rootless_runtime_must_deny_setgroups),
	};

	return cmocka_run_group_tests_name("test_07_userns", tests, NULL, NULL);
}
