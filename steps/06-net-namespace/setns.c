/* setns.c - step 06: the runtime steps into a container's namespace, and back.
 *
 * Some things can only be done from inside a namespace: a netlink socket
 * speaks to the network namespace it was created in (net.c), a mount
 * lands in the mount namespace of the process that makes it (step 07's
 * userns.c). setns(2) moves the calling thread into the namespace that an
 * fd of /proc/<pid>/ns/<kind> names. There is no "back": the way home is
 * an fd of our own namespace, /proc/self/ns/<kind>, opened before we leave.
 * Read setns(2) and namespaces(7) ("The /proc/[pid]/ns/ directory").
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "06-net-namespace/setns.h"
#include "log.h"

int enter_namespace(pid_t pid, const char *kind, int nstype)
{
	char home_path[64], there_path[64];
	int home, there;

	snprintf(home_path, sizeof(home_path), "/proc/self/ns/%s", kind);
	snprintf(there_path, sizeof(there_path), "/proc/%d/ns/%s", (int)pid, kind);
	home = open(home_path, O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return box_syserr("open", home_path);
	there = open(there_path, O_RDONLY | O_CLOEXEC);
	if (there < 0) {
		box_syserr("open", there_path);
		close(home);
		return -1;
	}
	if (setns(there, nstype) < 0) {
		box_syserr("setns", there_path);
		close(there);
		close(home);
		return -1;
	}
	close(there);
	return home;
}

void leave_namespace(int home, const char *kind, int nstype)
{
	if (setns(home, nstype) < 0)
		box_die("setns(/proc/self/ns/%s): %s: cannot return to the runtime's own namespace",
			kind, strerror(errno));
	close(home);
}
