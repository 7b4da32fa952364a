/* escape: mknod-disk
 * blocked-from: 07
 * explain: mknod the host's disk as a block device and read it raw
 *
 * A device node is just a name for (type, major, minor): whoever may
 * mknod(2) one gets the device behind it, whatever the mount namespace
 * hides. Container root up to step 06 is host root with CAP_MKNOD, so it
 * can make a node for the host's disk and read every file on it,
 * bypassing permissions and mounts alike: the reason docker also keeps
 * a devices cgroup allow-list. In a user namespace CAP_MKNOD is
 * only good for the namespace, and the kernel asks for it in the host's:
 * mknod fails with EPERM.
 * We only read 512 bytes, and remove the node again.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "escape.h"

/* The first device in /proc/partitions: "major minor #blocks name". */
static int first_disk(unsigned *major, unsigned *minor, char *name)
{
	char line[256];
	int found = 0;
	FILE *partitions = fopen("/proc/partitions", "r");

	while (partitions && !found && fgets(line, sizeof(line), partitions))
		found = sscanf(line, " %u %u %*u %63s", major, minor, name) == 3;
	if (partitions)
		fclose(partitions);
	return found;
}

/* The host's disk, via /proc (mounted for the look when missing, as at
 * step 01, and unmounted again). */
static int find_host_disk(unsigned *major, unsigned *minor, char *name)
{
	int found, mounted_here = 0;

	if (access("/proc/partitions", R_OK) != 0 &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) == 0)
		mounted_here = 1;
	found = first_disk(major, minor, name);
	if (mounted_here)
		umount2("/proc", MNT_DETACH);
	return found;
}

int main(void)
{
	static const char *const dirs[] = {"/tmp", "/dev", "/"};
	unsigned major, minor;
	char name[64], node[64], made[64] = "", sector[512];
	int open_error = 0;
	size_t i;

	if (!find_host_disk(&major, &minor, name))
		cannot_test("no disk in /proc/partitions");
	/* /tmp first; a directory on a nodev mount only refuses the open. */
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		ssize_t got;
		int fd;

		snprintf(node, sizeof(node), "%s/boxes-disk-%d",
			 strcmp(dirs[i], "/") ? dirs[i] : "", (int)getpid());
		if (mknod(node, S_IFBLK | 0400, makedev(major, minor)) < 0) {
			if (errno == EPERM)
				blocked("mknod(%s, block %u:%u = the host's %s): %s", node, major,
					minor, name, strerror(errno));
			continue; /* read-only or missing: try the next place */
		}
		if (!made[0])
			snprintf(made, sizeof(made), "%s", node);
		fd = open(node, O_RDONLY);
		open_error = errno;
		unlink(node); /* an open node keeps working; leave no name behind */
		if (fd < 0)
			continue;
		got = read(fd, sector, sizeof(sector));
		open_error = errno;
		close(fd);
		if (got == (ssize_t)sizeof(sector))
			escaped("made %s (block %u:%u) and read the first 512 bytes of the host's "
				"disk %s",
				node, major, minor, name);
		blocked("read(%s): %s", node, got < 0 ? strerror(open_error) : "short read");
	}
	/* Some machines refuse raw disk reads even to their own root (a
	 * sandboxed VM, an LSM policy): EPERM from open(2), which nothing in a
	 * container up to step 06 causes. The hole is the mknod, and it is
	 * open; say exactly how far we got. EACCES is a nodev mount: ours. */
	if (made[0] && open_error == EPERM)
		escaped("made %s, a node for the host's disk %s (block %u:%u); this machine "
			"refuses raw disk reads even to its own root (open: %s), elsewhere we "
			"would read it now",
			made, name, major, minor, strerror(open_error));
	if (made[0])
		blocked("made %s, but every open(O_RDONLY) was refused: %s", made,
			strerror(open_error));
	cannot_test("no writable place for a device node (last: %s)", node);
}
