/* escape: nested-userns
 * blocked-from: 08
 * explain: unshare(CLONE_NEWUSER) hands a container a fresh full set of capabilities
 *
 * In a new user namespace a process holds every capability - over that
 * namespace and the namespaces it creates next. That reaches kernel code
 * that used to be root-only: CVE-2022-0185 (an fsconfig heap overflow)
 * was exploited from exactly unshare(CLONE_NEWUSER|CLONE_NEWNS), from
 * inside containers. A child tries it and exits; nothing stays behind.
 * (The kernel refuses CLONE_NEWUSER to a chrooted process, so under the
 * chroot-based steps we show the plain version: unshare(CLONE_NEWNS), a
 * new mount namespace, works too.)
 */
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"

/* 0 if a child could unshare(flags), else its errno. */
static int try_unshare(int flags)
{
	int status;
	pid_t child = fork();

	if (child < 0)
		cannot_test("fork: %s", strerror(errno));
	if (child == 0)
		_exit(unshare(flags) == 0 ? 0 : errno);
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status))
		cannot_test("the child did not exit normally");
	return WEXITSTATUS(status);
}

int main(void)
{
	int error = try_unshare(CLONE_NEWUSER);

	if (error == 0)
		escaped(
		    "unshare(CLONE_NEWUSER): a nested user namespace, with all capabilities in it");
	if (error == EPERM && try_unshare(CLONE_NEWNS) == 0)
		escaped("unshare(CLONE_NEWNS) works (CLONE_NEWUSER: %s, as we are chrooted)",
			strerror(error));
	blocked("unshare(CLONE_NEWUSER): %s", strerror(error));
}
