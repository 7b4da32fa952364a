/* escape: setuid-gain
 * blocked-from: 08
 * explain: a process that gave up root gets it back by running a setuid-root program
 *
 * A server drops root (setuid to an unprivileged user) before it touches
 * the network. If the attacker who takes it over can then exec a
 * setuid-root program with a bug - an old sudo (CVE-2021-3156), pkexec
 * (CVE-2021-4034) - root is back. no_new_privs (08) makes every exec keep
 * the caller's uid: the setuid bit is ignored. This program is installed
 * setuid root (scripts/mkrootfs.sh); it becomes nobody, runs itself again
 * and looks at its effective uid.
 */
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"

#define SELF "/escapes/setuid-gain"
#define NOBODY 65534

int main(int argc, char **argv)
{
	struct stat self;

	if (argc > 1 && strcmp(argv[1], "--after-exec") == 0) {
		if (geteuid() == 0)
			escaped("uid %d ran a setuid-root program and got euid 0 back",
				(int)getuid());
		blocked("the setuid-root program ran with euid %d, not 0: no new privileges",
			(int)geteuid());
	}
	if (stat(SELF, &self) < 0 || !(self.st_mode & S_ISUID) || self.st_uid != 0)
		cannot_test(SELF " is not setuid root (rebuild the rootfs: make rootfs)");
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		cannot_test("becoming nobody: %s", strerror(errno));
	execl(SELF, "setuid-gain", "--after-exec", (char *)NULL);
	cannot_test("exec " SELF ": %s", strerror(errno));
}
