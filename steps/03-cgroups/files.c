/* files.c - step 03: make a directory; write one value into one file.
 *
 * A cgroup is a directory: mkdir(2) makes it, and the kernel fills it with
 * its files. Its knobs are those files (cgroup.c): memory.max, pids.max,
 * cgroup.procs. The kernel reads each write(2) as one value and answers a
 * bad value with an error from that write, so a value is written whole in
 * one call, as `echo VALUE > FILE` does. Step 07's uid_map and gid_map
 * are kernel files of the same kind: the kernel takes a map once, in one
 * write.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "03-cgroups/files.h"
#include "log.h"
#include "state.h"

/* (O_CREAT only matters in the unit tests' fake cgroup tree: on a cgroup
 * filesystem or in /proc the kernel made every file already.) */
int write_file(int step, const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX];
	ssize_t length = (ssize_t)strlen(value), written;
	int fd;

	if (path_join(path, sizeof(path), dir, file) < 0)
		return -1;
	trace(step, "write(\"%s\", \"%s\")", path, value);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return box_syserr("open", path);
	written = write(fd, value, (size_t)length);
	if (written != length) {
		int saved;

		if (written >= 0)
			errno = EIO;
		box_syserr("write", path);
		saved = errno; /* callers explain some errors (EBUSY) */
		close(fd);
		errno = saved;
		return -1;
	}
	if (close(fd) < 0)
		return box_syserr("close", path);
	return 0;
}

int make_dir(const char *path, mode_t mode, bool may_exist)
{
	if (mkdir(path, mode) == 0)
		return 1;
	if (may_exist && errno == EEXIST)
		return 0;
	return box_syserr("mkdir", path);
}
