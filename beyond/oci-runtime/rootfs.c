/* rootfs.c - beyond step 10: the container's filesystem as config.json
 * lists it.
 *
 * Step 05 chose the mounts itself: a small /dev, /proc and /sys with
 * dangerous paths hidden. Under an engine, config.json lists them - proc,
 * a tmpfs /dev, devpts, mqueue, a read-only sysfs, binds of the engine's
 * /etc/hosts and /etc/hostname - and the runtime mounts them in order on
 * the rootfs, then adds the default device nodes, masks maskedPaths,
 * makes readonlyPaths read-only (step 05's own functions) and pivots in
 * (05). All of it inside the container's own mount namespace (02).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

#include "02-pid-namespace/namespaces.h"
#include "05-pivot-root/mounts.h"
#include "05-pivot-root/pivot_root.h"
#include "oci-runtime/rootfs.h"

#define STEP 11

/* mkdir -p of path's directories (and path itself unless leaf_is_file). */
static int make_path(const char *path, bool leaf_is_file)
{
	char partial[4096];
	size_t i, length = strlen(path);

	if (length >= sizeof(partial))
		return box_syserr("mkdir", path);
	for (i = 1; i <= length; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		memcpy(partial, path, i);
		partial[i] = '\0';
		if (path[i] == '\0' && leaf_is_file) {
			int fd = open(partial, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

			if (fd < 0 && errno != EISDIR)
				return box_syserr("create", partial);
			if (fd >= 0)
				close(fd);
		} else if (mkdir(partial, 0755) < 0 && errno != EEXIST) {
			return box_syserr("mkdir", partial);
		}
	}
	return 0;
}

static int mount_checked(const char *source, const char *target, const char *type,
			 unsigned long flags, const char *data)
{
	trace(STEP, "mount(\"%s\", \"%s\", \"%s\", 0x%lx, \"%s\")", source ? source : "", target,
	      type ? type : "", flags, data ? data : "");
	if (mount(source, target, type, flags, data) < 0) {
		char action[64];

		snprintf(action, sizeof(action), "mount -t %s", type ? type : "bind");
		return box_syserr(action, target);
	}
	return 0;
}

/* /sys/fs/cgroup: on a pure v2 host a fresh cgroup2 mount; on v1 and hybrid
 * hosts the host's tree bound read-only (what boxes can offer there; the
 * container reads its limits, it changes nothing). */
static int mount_cgroup(const struct spec_mount *m, const char *target)
{
	struct mount_attr read_only = {.attr_set = MOUNT_ATTR_RDONLY};
	struct statfs fs;

	if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return mount_checked("cgroup2", target, "cgroup2",
				     m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC),
				     NULL);
	if (mount_checked("/sys/fs/cgroup", target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	trace(STEP, "mount_setattr(\"%s\", AT_RECURSIVE, MOUNT_ATTR_RDONLY)", target);
	if (mount_setattr(AT_FDCWD, target, AT_RECURSIVE, &read_only, sizeof(read_only)) < 0)
		return box_syserr("mount_setattr MOUNT_ATTR_RDONLY", target);
	return 0;
}

/* A bind mount takes its flags only on a remount of itself. */
static int mount_bind(const struct spec_mount *m, const char *target)
{
	unsigned long extra = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);

	if (mount_checked(m->source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
		return -1;
	if (extra && mount_checked(NULL, target, NULL, MS_REMOUNT | MS_BIND | extra, NULL) < 0)
		return -1;
	return 0;
}

/* tmpcopyup: podman asks for it on the tmpfs of --read-only (/run, /tmp).
 * boxes copies nothing: it takes it where there is nothing to copy. */
static int check_nothing_to_copy_up(const char *target, const char *destination)
{
	DIR *dir = opendir(target);
	struct dirent *entry;
	bool empty = true;

	if (!dir)
		return box_syserr("opendir", target);
	while ((entry = readdir(dir)))
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
			empty = false;
	closedir(dir);
	if (!empty) {
		box_error("mounts[] %s: tmpcopyup of a directory that is not empty is not "
			  "supported by boxes-runtime",
			  destination);
		return -1;
	}
	return 0;
}

static int mount_one(const char *root, const struct spec_mount *m)
{
	char target[4096];
	struct stat source;
	bool is_file = m->bind && stat(m->source, &source) == 0 && !S_ISDIR(source.st_mode);

	if (path_join(target, sizeof(target), root, m->destination + 1) < 0 ||
	    make_path(target, is_file) < 0)
		return -1;
	if (m->copy_up && check_nothing_to_copy_up(target, m->destination) < 0)
		return -1;
	if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) {
		if (mount_cgroup(m, target) < 0)
			return -1;
	} else if (m->bind) {
		if (mount_bind(m, target) < 0)
			return -1;
	} else if (mount_checked(m->source ? m->source : m->type, target, m->type, m->flags,
				 m->data[0] ? m->data : NULL) < 0) {
		return -1;
	}
	if (m->propagation && mount_checked(NULL, target, NULL, m->propagation, NULL) < 0)
		return -1;
	return 0;
}

/* linux.devices: made with mknod(2) in our /dev; in a user namespace,
 * where mknod is refused, the host's node of that path bound instead. */
static int make_device(const char *root, const struct spec_device *device)
{
	char node[4096];
	mode_t type = device->type == 'b' ? S_IFBLK : device->type == 'p' ? S_IFIFO : S_IFCHR;

	if (path_join(node, sizeof(node), root, device->path + 1) < 0)
		return -1;
	unlink(node); /* a default node of the same name */
	trace(STEP, "mknod(\"%s\", %c %lld:%lld)", node, device->type, device->major,
	      device->minor);
	if (mknod(node, type | (device->mode & 07777),
		  makedev((unsigned)device->major, (unsigned)device->minor)) < 0) {
		int fd;

		/* in a user namespace (07) mknod is refused: bind the host's node */
		if (errno != EPERM)
			return box_syserr("mknod", node);
		fd = open(node, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return box_syserr("create", node);
		close(fd);
		return mount_checked(device->path, node, NULL, MS_BIND, NULL);
	}
	if (chown(node, device->uid, device->gid) < 0)
		return box_syserr("chown", node);
	return 0;
}

/* linux.sysctl: /proc/sys/KEY with dots as slashes (only the namespaced
 * ones make sense; the kernel refuses the others with EPERM or EROFS). */
static int write_sysctl(const char *root, const char *key, const char *value)
{
	char relative[512], path[4096];
	int fd;
	size_t i;

	snprintf(relative, sizeof(relative), "proc/sys/%s", key);
	for (i = 9; relative[i]; i++)
		if (relative[i] == '.')
			relative[i] = '/';
	if (path_join(path, sizeof(path), root, relative) < 0)
		return -1;
	trace(STEP, "write(\"%s\", \"%s\")", path, value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return box_syserr("open sysctl", key);
	if (write(fd, value, strlen(value)) < 0) {
		close(fd);
		return box_syserr("write sysctl", key);
	}
	close(fd);
	return 0;
}

/* The last thing before pivot_root: root.readonly. */
static int remount_root_read_only(void)
{
	trace(STEP, "mount(NULL, \"/\", NULL, MS_REMOUNT|MS_BIND|MS_RDONLY)");
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return box_syserr("mount -o remount,ro", "/");
	return 0;
}

int rootfs_prepare(const struct spec *spec)
{
	const char *root = spec->rootfs;
	char dev_dir[4096];
	bool own_dev = false;
	int i;

	if (make_mounts_private() < 0) /* 02: nothing leaks to the host */
		return -1;
	/* pivot_root needs a mount point; binding it first keeps every
	 * mount below on the container's own copy */
	if (mount_checked(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	for (i = 0; i < spec->mount_count; i++) {
		if (mount_one(root, &spec->mounts[i]) < 0)
			return -1;
		if (strcmp(spec->mounts[i].destination, "/dev") == 0)
			own_dev = true;
	}
	if (path_join(dev_dir, sizeof(dev_dir), root, "dev") < 0)
		return -1;
	if (!own_dev && mount_checked("tmpfs", dev_dir, "tmpfs", MS_NOSUID | MS_NOEXEC,
				      "mode=755,size=64k") < 0)
		return -1;
	if (bind_device_nodes(dev_dir) < 0) /* 05: null, zero, ..., the spec's defaults */
		return -1;
	for (i = 0; i < spec->device_count; i++)
		if (make_device(root, &spec->devices[i]) < 0)
			return -1;
	for (i = 0; i < spec->sysctl_count; i++)
		if (write_sysctl(root, spec->sysctl_keys[i], spec->sysctl_values[i]) < 0)
			return -1;
	for (i = 0; i < spec->masked_count; i++)
		if (mask_path(root, spec->masked[i]) < 0) /* 05 */
			return -1;
	for (i = 0; i < spec->readonly_count; i++)
		if (make_path_read_only(root, spec->readonly[i]) < 0) /* 05 */
			return -1;
	return 0;
}

int rootfs_enter(const struct spec *spec)
{
	if (pivot_into(spec->rootfs) < 0) /* 05: the host's root is gone */
		return -1;
	return spec->root_readonly ? remount_root_read_only() : 0;
}
