/* namespaces.c - step 02: what the new namespaces need from the inside.
 *
 * clone(2) with CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWUTS and CLONE_NEWIPC
 * gave the container its own process ids, mount table, hostname and
 * System V IPC. Three things make them useful (namespaces(7)):
 *  - mount propagation: a new mount namespace starts as a copy whose
 *    mounts may still be "shared" with the host's; make them private first
 *    or every mount we make shows up on the host too (mount_namespaces(7));
 *  - /proc: procfs shows the PID namespace of whoever mounted it, so the
 *    container needs a fresh one (pid_namespaces(7));
 *  - the hostname, now ours to set (uts_namespaces(7)).
 */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "02-pid-namespace/namespaces.h"
#include "log.h"

#define STEP 2 /* the step --trace names for what this file does */

int make_mounts_private(void)
{
	/* LAB: make_mounts_private
	 * Make every mount of our new mount namespace private (MS_REC|MS_PRIVATE
	 * on "/"), so nothing we mount propagates to the host. Read
	 * mount_namespaces(7), mount(2). Tests: no container mount shows on the host.
	 */
	trace(STEP, "mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return box_syserr("mount --make-rprivate", "/");
	return 0;
	/* LAB END */
}

int mount_proc(void)
{
	/* The rootfs may lack /proc; create it (in the rootfs at step 02 and
	 * 03, in our own upper dir from step 04 on). */
	/* LAB: mount_proc
	 * Mount a fresh procfs on /proc (create it if missing), nosuid, noexec,
	 * nodev: it shows the PID namespace of whoever mounts it. Read proc(5),
	 * pid_namespaces(7). Tests: ps inside shows PID 1 and no host process;
	 * host-processes escape BLOCKED.
	 */
	if (mkdir("/proc", 0555) < 0 && errno != EEXIST)
		return box_syserr("mkdir", "/proc");
	trace(STEP, "mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID|MS_NOEXEC|MS_NODEV)");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
		return box_syserr("mount proc", "/proc");
	return 0;
	/* LAB END */
}

int set_hostname(const struct box *box)
{
	/* LAB: set_hostname
	 * Set the UTS namespace's hostname to box->hostname. Read sethostname(2),
	 * uts_namespaces(7). Tests: hostname inside is --hostname's; the host's
	 * hostname is unchanged (hostname escape BLOCKED).
	 */
	trace(STEP, "sethostname(\"%s\")", box->hostname);
	if (sethostname(box->hostname, strlen(box->hostname)) < 0)
		return box_syserr("sethostname", box->hostname);
	return 0;
	/* LAB END */
}
