/* pivot_root.c - step 05: swap the root mount, then let go of the host's.
 *
 * chroot(2) only changes where one process starts resolving "/". The
 * host's whole mount tree is still in the container's mount namespace, and
 * root can step back into it: chroot into a subdirectory, and the working
 * directory is left outside the new root, from where ".." climbs to the
 * real "/" (tests/escapes/chroot-breakout.c).
 *
 * pivot_root(2) changes the root *mount* of the whole mount namespace: the
 * new root becomes "/", and the old root is moved to put_old. Once we
 * detach the old root with umount2(MNT_DETACH), the host's mounts are no
 * longer in our namespace at all: there is nothing left to climb to.
 *
 * We use pivot_root(".", "."), a trick documented in pivot_root(2): with
 * the new root as the working directory, the old root is stacked on top of
 * the new one at "/", and umount2(".", MNT_DETACH) takes it off again. The
 * classic variant, pivot_root(new_root, new_root/.old_root), does the same
 * but needs a put_old directory inside the container's rootfs, which then
 * stays there, empty, for the container to see; "." "." needs none.
 *
 * pivot_root refuses (EINVAL) unless:
 *  - new_root is a mount point (we bind it onto itself to be sure);
 *  - new_root and its parent mount are not shared (make_mounts_private of
 *    step 02 made every mount private; on systemd hosts "/" is shared);
 *  - the current root is a mount point: not so in a chroot, nor in the
 *    initramfs (there, switch_root is used instead).
 * It answers EBUSY when new_root or put_old already is the current root.
 */
#include <errno.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "05-pivot-root/pivot_root.h"
#include "log.h"

#define STEP 5 /* the step --trace names for what this file does */

/* glibc has no wrapper for pivot_root(2). */
static int pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/* Say which precondition was missing, in words a learner can act on. */
static void explain_pivot_root_error(int error, const char *new_root)
{
	if (error == EINVAL)
		box_error("pivot_root needs: %s a mount point, no shared mount above it "
			  "(mount --make-rprivate / first, see mount_namespaces(7)), and "
			  "the current root a mount point (not a chroot or the initramfs)",
			  new_root);
	else if (error == EBUSY)
		box_error("pivot_root: %s is already the root (pivot_root twice?)", new_root);
}

int pivot_into(const char *new_root)
{
	/* The overlay of step 04 already is a mount point; binding new_root
	 * onto itself makes any directory one. MS_REC keeps what is mounted
	 * below it (/dev, /proc, /sys of mounts.c). */
	/* LAB: pivot_into
	 * Make new_root the root mount and let go of the host's: bind new_root
	 * onto itself (MS_BIND|MS_REC), chdir into it, pivot_root(".", "."),
	 * umount2(".", MNT_DETACH), chdir("/"). Read pivot_root(2) (NOTES),
	 * umount(2). Tests: chroot-breakout BLOCKED; no host mount inside;
	 * no .old_root left in the rootfs.
	 */
	trace(STEP, "mount(\"%s\", \"%s\", NULL, MS_BIND|MS_REC)", new_root, new_root);
	if (mount(new_root, new_root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return box_syserr("mount --rbind", new_root);
	trace(STEP, "chdir(\"%s\")", new_root);
	if (chdir(new_root) < 0)
		return box_syserr("chdir", new_root);
	trace(STEP, "pivot_root(\".\", \".\")");
	if (pivot_root(".", ".") < 0) {
		int saved = errno;

		box_syserr("pivot_root", new_root);
		explain_pivot_root_error(saved, new_root);
		return -1;
	}
	/* The old root now sits on top of "."; take it off and let go. Lazy
	 * (MNT_DETACH): it is busy (we came from there), and the kernel frees
	 * it once no one uses it. Without this step the host's "/" would stay
	 * reachable through the mount table. */
	trace(STEP, "umount2(\".\" (the old root), MNT_DETACH)");
	if (umount2(".", MNT_DETACH) < 0)
		return box_syserr("umount2 old root", ".");
	trace(STEP, "chdir(\"/\")");
	if (chdir("/") < 0)
		return box_syserr("chdir", "/");
	/* LAB END */
	return 0;
}
