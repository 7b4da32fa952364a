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
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "04-overlay/overlay.h"
#include "log.h"
#include "state.h"

/* statfs(2) f_type values of filesystems overlayfs refuses as upper dir. */
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define NFS_SUPER_MAGIC 0x6969

/* overlayfs needs an upper filesystem that can hold its whiteouts and
 * trusted.overlay.* xattrs: ext4, xfs, btrfs and tmpfs can; an overlay
 * can't (that is where BOXES_RUN lands when boxes itself runs inside a
 * container), nor can NFS. Say it now, in words, rather than let the mount
 * fail later with a bare "Invalid argument". */
static int check_upper_filesystem(const char *dir)
{
	struct statfs fs;
	const char *name = NULL;

	if (statfs(dir, &fs) < 0)
		return box_syserr("statfs", dir);
	if (fs.f_type == OVERLAYFS_SUPER_MAGIC)
		name = "overlayfs";
	else if (fs.f_type == NFS_SUPER_MAGIC)
		name = "NFS";
	if (!name)
		return 0;
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
	trace(4, "mkdir(\"%s\")", out);
	if (mkdir(out, 0755) < 0)
		return box_syserr("mkdir", out);
	return 0;
}

int overlay_prepare(struct box *box)
{
	char upper_dir[sizeof(box->state_dir)], work_dir[sizeof(box->state_dir)];

	/* Step 07 points lower_dir at an idmapped view of the rootfs. */
	if (!box->lower_dir[0])
		snprintf(box->lower_dir, sizeof(box->lower_dir), "%s", box->rootfs_abs);
	if (check_upper_filesystem(box->state_dir) < 0) /* made by state_create (01) */
		return -1;
	/* upper/'s mode and owner become those of the container's "/" */
	if (make_state_subdir(box, "upper", upper_dir, sizeof(upper_dir)) < 0 ||
	    make_state_subdir(box, "work", work_dir, sizeof(work_dir)) < 0 ||
	    make_state_subdir(box, "merged", box->merged_dir, sizeof(box->merged_dir)) < 0)
		return -1;
	return 0;
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

int mount_overlay(struct box *box)
{
	char options[3 * 4096 + 64];
	int length;

	if (check_option_path(box->lower_dir) < 0 || check_option_path(box->state_dir) < 0)
		return -1;
	/* overlayfs records deletions (whiteouts) and opaque dirs in trusted.*
	 * xattrs, which only real root may set. Inside a user namespace,
	 * "userxattr" makes it use user.overlay.* instead (kernel >= 5.11);
	 * without it, deleting a file of the lower layer fails with EIO. */
	length = snprintf(options, sizeof(options),
			  "lowerdir=%s,upperdir=%s/upper,workdir=%s/work%s", box->lower_dir,
			  box->state_dir, box->state_dir, in_user_namespace() ? ",userxattr" : "");
	if (length < 0 || length >= (int)sizeof(options)) {
		box_error("overlay: mount options too long for %s", box->state_dir);
		return -1;
	}
	trace(4, "mount(\"overlay\", \"%s\", \"overlay\", 0, \"%s\")", box->merged_dir, options);
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
	return 0;
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
	trace(4, "rm -r \"%s\"/{upper,work,merged}", box->state_dir);
	for (i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		if (path_join(path, sizeof(path), box->state_dir, made[i]) == 0)
			remove_tree(path);
}
