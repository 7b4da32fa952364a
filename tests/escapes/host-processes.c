/* escape: host-processes
 * blocked-from: 02
 * explain: mounting /proc shows the host's processes, and kill(2) reaches them
 * run: sentinel
 *
 * A chroot shares the host's PID space: mount procfs and every host
 * process is there to read (/proc/PID/environ holds secrets) and, as root,
 * to kill. The runner starts a harmless host process whose command line
 * begins with "boxes-host-sentinel"; we look for it and try signal 0,
 * which only checks that we could signal it. A PID namespace shows the
 * container's own processes only.
 * By hand: bash -c 'exec -a boxes-host-sentinel sleep 600' &
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"

#define SENTINEL "boxes-host-sentinel"

/* The pid of the sentinel in our /proc, or 0; counts what we can see. */
static int find_sentinel(int *visible)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	int found = 0;

	*visible = 0;
	while (proc && (entry = readdir(proc))) {
		char path[300], cmdline[64] = "";
		int pid = atoi(entry->d_name), fd;

		if (pid <= 0)
			continue;
		(*visible)++;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		if (read(fd, cmdline, sizeof(cmdline) - 1) > 0 &&
		    strncmp(cmdline, SENTINEL, strlen(SENTINEL)) == 0)
			found = pid;
		close(fd);
	}
	if (proc)
		closedir(proc);
	return found;
}

int main(void)
{
	int mounted_here = 0, visible, sentinel;

	if (access("/proc/self", F_OK) != 0) {
		mkdir("/proc", 0555);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
			blocked("mount proc: %s", strerror(errno));
		mounted_here = 1;
	}
	sentinel = find_sentinel(&visible);
	if (mounted_here)
		umount2("/proc", MNT_DETACH); /* leave no mount on the host */
	if (sentinel && kill(sentinel, 0) == 0)
		escaped("host process %d (" SENTINEL
			") is in our /proc (%d processes) and kill(%d, 0) "
			"succeeds",
			sentinel, visible, sentinel);
	if (sentinel)
		escaped("host process %d (" SENTINEL ") is in our /proc", sentinel);
	blocked("no host process in our /proc: we see %d process(es), all ours", visible);
}
