/* escape: core-pattern
 * blocked-from: 07
 * explain: mount a fresh /proc and open /proc/sys/kernel/core_pattern for write
 *
 * core_pattern is global: "|/path/to/program" makes the host's kernel run
 * that program as host root whenever any process dumps core. Step 05
 * mounts the container's /proc/sys read-only, but container root up to
 * step 06 still holds CAP_SYS_ADMIN: it mounts a second, fresh proc
 * somewhere else, without the read-only layer, and the file opens for
 * write: the classic breakout of a "privileged" container.
 * In a user namespace the fresh proc can still be mounted (the PID
 * namespace is ours), but the sysctl belongs to the host's root, whom our
 * namespace does not map: open(O_WRONLY) fails with EACCES, read-only
 * mount or not.
 * We only open, never write, then unmount.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"

int main(void)
{
	char dir[] = "/tmp/proc-XXXXXX", file[64];
	const char *where = dir;
	int fd, error, exists, mounted = 0;

	if (!mkdtemp(dir))
		cannot_test("mkdtemp(%s): %s", dir, strerror(errno));
	if (mount("proc", dir, "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) == 0)
		mounted = 1;
	else
		where = "/proc"; /* no fresh proc: try the one we were given */
	snprintf(file, sizeof(file), "%s/sys/kernel/core_pattern", where);
	exists = access(file, F_OK) == 0;
	fd = open(file, O_WRONLY);
	error = errno;
	if (fd >= 0)
		close(fd);
	if (mounted)
		umount2(dir, MNT_DETACH);
	rmdir(dir);
	if (!exists)
		cannot_test("no %s", file);
	if (fd >= 0)
		escaped("opened %s for write: one write and the host runs our program as root "
			"on the next crash",
			file);
	blocked("open(%s, O_WRONLY): %s%s", file, strerror(error),
		error == EROFS ? " (only the read-only mount stopped us)" : "");
}
