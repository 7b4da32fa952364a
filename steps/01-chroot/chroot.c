/* chroot.c - step 01: the oldest isolation trick in Unix.
 *
 * chroot(2) changes one attribute of the calling process: the directory
 * that path resolution starts from when a path begins with "/". Nothing
 * else changes - same processes, same mounts, same network, same users -
 * and the working directory is not moved, which is why chdir("/") must
 * follow. Read chroot(2), and its NOTES: "This call does not change the
 * current working directory ... it is not intended to be used for any
 * kind of security purpose". The step 01 lesson shows why.
 */
#include <unistd.h>

#include "01-chroot/chroot.h"
#include "log.h"

#define STEP 1 /* the step --trace names for what this file does */

int enter_chroot(const char *dir)
{
	/* LAB: enter_chroot
	 * Make dir the process's root: chroot(2) into it, then chdir(2) to "/"
	 * so that "." is inside it too. Read chroot(2). Return 0, or
	 * box_syserr("chroot", dir) on error. Tests: the container sees the
	 * rootfs's /etc/os-release, not the host's; bad rootfs: exit 125.
	 */
	trace(STEP, "chroot(\"%s\")", dir);
	if (chroot(dir) < 0)
		return box_syserr("chroot", dir);
	/* Without this the process could still reach the host through "." */
	trace(STEP, "chdir(\"/\")");
	if (chdir("/") < 0)
		return box_syserr("chdir", "/");
	return 0;
	/* LAB END */
}
