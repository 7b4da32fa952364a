/* overlay.c - step 04: every container writes to its own layer.
 *
 * Up to step 03 the container's "/" is the rootfs directory itself: a file
 * one container writes, changes or deletes is changed for every container
 * that comes after it. overlayfs (read Documentation/filesystems/
 * overlayfs.rst in the kernel tree, and mount(8), "Mount options for
 * overlay") stacks directories into one view:
 *
 *     merged/   what the container sees as "/"
 *       upper/  read-write: every change lands here (a deleted file
 *               becomes a "whiteout", a 0/0 character device)
 *       lower/  read-only: the rootfs, never written
 *     work/     overlayfs's scratch space, on the same filesystem as upper/
 *
 * A file changed for the first time is copied up from lower to upper
 * ("copy-up"), then changed there. The runtime makes upper, work and merged
 * in BOXES_RUN/<id>/ (the run's state dir, made at step 01); the container
 * mounts the overlay in its own mount namespace, so the host never sees
 * that mount and it disappears with the container's last process; the
 * runtime then removes upper, work and merged.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "04-overlay/overlay.h"
#include "log.h"
#include "size.h"
#include "state.h"

#define STEP 4 /* the step --trace names for what this file does */

/* statfs(2) f_type values of filesystems overlayfs refuses as upper dir. */
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define NFS_SUPER_MAGIC 0x6969

/* "the filesystem mounted on /run (tmpfs)": the mount that holds path,
 * the longest mount point of /proc/self/mounts that is a prefix of it. */
static void describe_filesystem(const char *path, char *out, size_t out_len)
{
	char real[PATH_MAX];
	size_t best = 0;
	struct mntent *mount;
	FILE *mounts;

	snprintf(out, out_len, "the filesystem of %s", path);
	if (!realpath(path, real) || !(mounts = setmntent("/proc/self/mounts", "r")))
		return;
	while ((mount = getmntent(mounts))) {
		size_t length = strlen(mount->mnt_dir);

		if (strncmp(real, mount->mnt_dir, length) != 0 ||
		    (real[length] != '/' && real[length] != '\0' && length > 1) || length < best)
			continue;
		best = length;
		snprintf(out, out_len, "the filesystem mounted on %s (%s)", mount->mnt_dir,
			 mount->mnt_type);
	}
	endmntent(mounts);
}

/* The one line for a BOXES_RUN without room: what failed, which
 * filesystem, how much it has left, and what to do. */
static void report_full_filesystem(const char *dir, const char *what)
{
	char filesystem[PATH_MAX + 64], free_space[32] = "?";
	unsigned long long free_inodes = 0;
	bool full = true;
	struct statvfs fs;

	describe_filesystem(dir, filesystem, sizeof(filesystem));
	if (statvfs(dir, &fs) == 0) {
		format_size((long long)(fs.f_bavail * fs.f_frsize), free_space, sizeof(free_space));
		free_inodes = fs.f_favail;
		/* f_files 0: a filesystem without an inode count (btrfs) */
		full = fs.f_bavail == 0 || (fs.f_files > 0 && fs.f_favail == 0);
	}
	box_error(
	    "%s: %s (in BOXES_RUN) is on %s, which %s (%s bytes and %llu inodes free); free some "
	    "space there, or set BOXES_RUN to a directory on another filesystem, e.g. "
	    "BOXES_RUN=/var/tmp/boxes",
	    what, dir, filesystem, full ? "is full" : "is nearly full", free_space, free_inodes);
}

/* The xattrs overlayfs will set on the upper dir: trusted.overlay.* as the
 * host's root, user.overlay.* inside a user namespace (userxattr, see
 * mount_overlay). */
static void report_missing_xattrs(const char *dir, bool user_namespace)
{
	char filesystem[PATH_MAX + 64];

	describe_filesystem(dir, filesystem, sizeof(filesystem));
	if (user_namespace)
		box_error(
		    "%s (in BOXES_RUN) is on %s, which has no user.* xattrs: in a user namespace "
		    "overlayfs records deleted files in user.overlay.* xattrs of its upper "
		    "dir, and without them rm of a rootfs directory fails with EIO (tmpfs has "
		    "them from Linux 6.6 on); set BOXES_RUN to a directory on ext4, xfs or "
		    "btrfs, e.g. BOXES_RUN=/var/tmp/boxes",
		    dir, filesystem);
	else
		box_error(
		    "%s (in BOXES_RUN) is on %s, which has no trusted.* xattrs: overlayfs "
		    "records deleted files in trusted.overlay.* xattrs of its upper dir, and "
		    "without them rm of a rootfs directory fails with EIO; set BOXES_RUN to a "
		    "directory on ext4, xfs, btrfs or tmpfs, e.g. BOXES_RUN=/var/tmp/boxes",
		    dir, filesystem);
}

/* overlayfs records a deleted file (a whiteout) and a directory that
 * hides the lower one (opaque) in xattrs on the upper dir. Where the upper
 * filesystem can't hold them, the mount still succeeds, and deleting or
 * renaming a directory of the rootfs fails later, inside the container,
 * with a bare EIO. ramfs has no xattrs at all; tmpfs has trusted.* but
 * user.* only from Linux 6.6. So set one on a file in dir, as the mount
 * will. */
int check_upper_xattrs(const char *dir, bool user_namespace)
{
	const char *name = user_namespace ? "user.boxes.probe" : "trusted.boxes.probe";
	char probe[PATH_MAX];
	int fd, result = 0;

	if (path_join(probe, sizeof(probe), dir, "xattr-probe") < 0)
		return -1;
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == ENOSPC || errno == EDQUOT)
			report_full_filesystem(dir, "can't create a file in its state dir");
		else
			box_syserr("open", probe);
		return -1;
	}
	if (fsetxattr(fd, name, "1", 1, 0) < 0) {
		if (errno == ENOTSUP)
			report_missing_xattrs(dir, user_namespace);
		else if (errno == ENOSPC || errno == EDQUOT)
			report_full_filesystem(dir, "can't set an xattr in its state dir");
		else
			box_syserr("fsetxattr", probe);
		result = -1;
	}
	close(fd);
	unlink(probe);
	return result;
}

static bool in_user_namespace(void); /* below, beside mount_overlay */

/* overlayfs needs an upper filesystem that can hold its whiteouts and
 * overlay xattrs: ext4, xfs, btrfs and tmpfs can; an overlay can't (that is
 * where BOXES_RUN lands when boxes itself runs inside a container), nor can
 * NFS. Say it now, in words, rather than let the mount fail later with a
 * bare "Invalid argument". From step 07 on (or when boxes itself runs in
 * one) the overlay is mounted inside a user namespace. */
static int check_upper_filesystem(const struct box *box)
{
	const char *dir = box->state_dir;
	struct statfs fs;
	const char *name = NULL;

	if (statfs(dir, &fs) < 0)
		return box_syserr("statfs", dir);
	if (fs.f_type == OVERLAYFS_SUPER_MAGIC)
		name = "overlayfs";
	else if (fs.f_type == NFS_SUPER_MAGIC)
		name = "NFS";
	if (!name)
		return check_upper_xattrs(dir, box->step >= 7 || in_user_namespace());
	box_error("%s is on %s, which can't hold an overlay upper dir; "
		  "set BOXES_RUN to a directory on ext4, xfs, btrfs or tmpfs "
		  "(e.g. BOXES_RUN=/run/boxes, or a tmpfs: mount -t tmpfs tmpfs DIR)",
		  dir, name);
	return -1;
}

/* BOXES_RUN/<id>/name into out, and mkdir it. */
static int make_state_subdir(const struct box *box, const char *name, char *out, int out_len)
{
	if (path_join(out, out_len, box->state_dir, name) < 0)
		return -1;
	trace(STEP, "mkdir(\"%s\")", out);
	if (mkdir(out, 0755) < 0)
		return box_syserr("mkdir", out);
	return 0;
}

int overlay_prepare(struct box *box)
{
	char upper_dir[sizeof(box->state_dir)], work_dir[sizeof(box->state_dir)];

	/* Up to step 08 the rootfs is the one lower layer; 09 gives a list. */
	if (box->layer_count == 0) {
		box->layers[0] = box->rootfs_abs;
		box->layer_count = 1;
	}
	if (check_upper_filesystem(box) < 0) /* in the state dir state_create made (01) */
		return -1;
	/* upper/'s mode and owner become those of the container's "/" */
	if (make_state_subdir(box, "upper", upper_dir, sizeof(upper_dir)) < 0 ||
	    make_state_subdir(box, "work", work_dir, sizeof(work_dir)) < 0 ||
	    make_state_subdir(box, "merged", box->merged_dir, sizeof(box->merged_dir)) < 0)
		return -1;
	return 0;
}

/* Where overlayfs can't make its work dir (work/work, at mount time) - a
 * full BOXES_RUN - it does not fail: it mounts the overlay read-only and
 * says so only in dmesg. The container would then run, and every write of
 * its command fail with "Read-only file system". statvfs(3) shows it. */
static int check_overlay_writable(const struct box *box)
{
	char what[sizeof(box->merged_dir) + 64];
	struct statvfs merged;

	if (statvfs(box->merged_dir, &merged) < 0)
		return box_syserr("statvfs", box->merged_dir);
	if (!(merged.f_flag & ST_RDONLY))
		return 0;
	snprintf(what, sizeof(what), "the overlay on %s came up read-only", box->merged_dir);
	report_full_filesystem(box->state_dir, what);
	return -1;
}

/* The mount options are one comma-separated string, and ':' separates
 * lower layers: a path holding either would be cut in the wrong place. */
static int check_option_path(const char *path)
{
	if (strpbrk(path, ",:")) {
		box_error("overlay: path %s holds ',' or ':', which separate overlay "
			  "mount options; use a path without them",
			  path);
		return -1;
	}
	return 0;
}

/* "lowerdir=TOP:...:BOTTOM". mount(2) takes at most one page of options,
 * which a few dozen long store paths would fill; docker's overlay2 driver
 * has the same problem and the same answer: short names relative to a
 * directory the mounting process is in. From step 07 on each layer is
 * seen through BOXES_RUN/<id>/lower/<n> (an idmapped mount), so the
 * option names them "lower/0", "lower/1", ... and mount_overlay first
 * changes into BOXES_RUN/<id>. 100 layers fit in 800 bytes that way. */
static int append_lower_dirs(const struct box *box, char *out, size_t out_len)
{
	size_t used = strlen(out);
	int i;

	for (i = 0; i < box->layer_count; i++) {
		char relative[32];
		const char *dir = box->layers[i];
		int written;

		if (box->layers_idmapped) {
			snprintf(relative, sizeof(relative), "lower/%d", i);
			dir = relative;
		} else if (check_option_path(dir) < 0) {
			return -1;
		}
		written = snprintf(out + used, out_len - used, "%s%s", i ? ":" : "", dir);
		if (written < 0 || (size_t)written >= out_len - used) {
			box_error("overlay: %d lower layers do not fit in one page of mount "
				  "options",
				  box->layer_count);
			return -1;
		}
		used += (size_t)written;
	}
	return 0;
}

/* Are we in a user namespace (step 07 on)? The initial one maps all 2^32
 * ids onto themselves: "0 0 4294967295" (user_namespaces(7)). */
static bool in_user_namespace(void)
{
	unsigned long inside = 1, outside = 1, count = 0;
	FILE *map = fopen("/proc/self/uid_map", "r");

	if (map) {
		if (fscanf(map, "%lu %lu %lu", &inside, &outside, &count) != 3)
			count = 0;
		fclose(map);
	}
	return !(inside == 0 && outside == 0 && count == 4294967295UL);
}

/* ",upperdir=...,workdir=..." and, in a user namespace, ",userxattr".
 * Relative to BOXES_RUN/<id> when the lower layers are (see above).
 * ",volatile" (step 10, whose upper dirs never outlive their container):
 * overlayfs then skips every sync of the upper dir's filesystem - also the
 * one at unmount, when the container's last process exits, which would
 * write out whatever the whole host filesystem has dirty. */
static int append_upper_and_work(const struct box *box, char *out, size_t out_len)
{
	size_t used = strlen(out);
	const char *dir = box->layers_idmapped ? "." : box->state_dir;
	int written;

	if (!box->layers_idmapped && check_option_path(box->state_dir) < 0)
		return -1;

	/* overlayfs records deletions (whiteouts) and opaque dirs in trusted.*
	 * xattrs, which only real root may set. Inside a user namespace,
	 * "userxattr" makes it use user.overlay.* instead (kernel >= 5.11);
	 * without it, deleting a file of the lower layer fails with EIO. */
	written = snprintf(out + used, out_len - used, ",upperdir=%s/upper,workdir=%s/work%s%s",
			   dir, dir, in_user_namespace() ? ",userxattr" : "",
			   box->upper_volatile ? ",volatile" : "");
	if (written < 0 || (size_t)written >= out_len - used) {
		box_error("overlay: mount options too long for %s", box->state_dir);
		return -1;
	}
	return 0;
}

static int mount_overlay_here(struct box *box, const char *options)
{
	/* LAB: mount_overlay_here
	 * Mount overlayfs on box->merged_dir with the options built above
	 * (lowerdir=...,upperdir=...,workdir=...). Read mount(2) and the kernel's
	 * Documentation/filesystems/overlayfs.rst. Tests: the container's writes
	 * land in its upper dir; rootfs-tamper BLOCKED; the rootfs is unchanged.
	 */
	trace(STEP, "mount(\"overlay\", \"%s\", \"overlay\", 0, \"%s\")", box->merged_dir, options);
	if (mount("overlay", box->merged_dir, "overlay", 0, options) < 0) {
		int saved = errno;

		box_syserr("mount overlay", box->merged_dir);
		if (saved == EINVAL)
			box_error("overlayfs refused %s as upper dir: is BOXES_RUN on a "
				  "filesystem that supports it (ext4, xfs, btrfs, tmpfs)? "
				  "dmesg tells which option it rejected",
				  box->state_dir);
		return -1;
	}
	/* LAB END */
	return 0;
}

int mount_overlay(struct box *box)
{
	char options[4096] = "lowerdir=";
	int back = -1, result;

	if (append_lower_dirs(box, options, sizeof(options)) < 0 ||
	    append_upper_and_work(box, options, sizeof(options)) < 0)
		return -1;
	if (box->layers_idmapped) { /* the paths above are relative to BOXES_RUN/<id> */
		back = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		trace(STEP, "chdir(\"%s\")", box->state_dir);
		if (back < 0 || chdir(box->state_dir) < 0) {
			if (back >= 0)
				close(back);
			return box_syserr("chdir", box->state_dir);
		}
	}
	result = mount_overlay_here(box, options);
	if (back >= 0) {
		if (fchdir(back) < 0)
			result = box_syserr("fchdir", "back from the state dir");
		close(back);
	}
	return result < 0 ? -1 : check_overlay_writable(box); /* a full BOXES_RUN: read-only */
}

void overlay_cleanup(struct box *box)
{
	static const char *const made[] = {"upper", "work", "merged"};
	char path[sizeof(box->state_dir)];
	size_t i;

	/* The overlay was mounted in the container's mount namespace only, so
	 * it went away with the container: what is left are plain directories,
	 * the upper dir holding everything the container wrote. The state dir
	 * itself goes last (state_remove), after the cgroup and the veth. */
	if (!box->state_dir[0])
		return;
	trace(STEP, "rm -r \"%s\"/{upper,work,merged}", box->state_dir);
	for (i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		if (path_join(path, sizeof(path), box->state_dir, made[i]) == 0)
			remove_tree(path);
}
