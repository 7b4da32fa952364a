/* mounts.c - step 05: the kernel filesystems a container sees, trimmed.
 *
 * /dev: the host's devtmpfs holds every disk (/dev/sda, /dev/vda), and
 * root who can open a disk can read or rewrite the host's filesystem under
 * it. The container gets a small tmpfs instead, with the handful of nodes
 * programs expect (the list docker and the OCI runtime spec give). The
 * nodes are bind mounts of the host's, not mknod(2): step 07 runs this in a
 * user namespace, where mknod is forbidden but a bind mount of an existing
 * node works. A private devpts instance gives the container its own ptys.
 *
 * /proc and /sys: a fresh procfs shows only our PID namespace, but much of
 * it is not namespaced at all. /proc/sys/kernel/core_pattern names a
 * program the *host's* kernel runs as root when anything crashes;
 * /proc/sysrq-trigger can reboot the host; /proc/kcore is the host's
 * memory. So, as docker does: a few paths are masked (a file gets
 * /dev/null bound over it, a directory an empty read-only tmpfs) and a few
 * are bind-mounted read-only. Read proc(5), sysfs(5), mount(2) ("MS_BIND",
 * "MS_REMOUNT") and the OCI runtime spec's "maskedPaths"/"readonlyPaths".
 *
 * All of this is mounted into the new root before pivot_root: in a user
 * namespace (step 07) the kernel lets us mount a new procfs or sysfs only
 * while a full one is still visible in our mount namespace (the host's,
 * until pivot_into detaches it); after that, mount(2) says EPERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "03-cgroups/files.h"
#include "05-pivot-root/mounts.h"
#include "log.h"
#include "state.h"

#define STEP 5 /* the step --trace names for what this file does */

/* The nodes of the container's /dev, bound from the host's. */
static const char *const device_nodes[] = {
    "null", /* the bit bucket */
    "zero", /* endless zero bytes */
    "full", /* writes fail with ENOSPC: for testing programs */
    "random", /* the kernel's random numbers */
    "urandom", /* the same, never blocks */
    "tty", /* the process's controlling terminal */
};

/* Links every Linux program expects in /dev. */
static const struct {
	const char *name, *target;
} device_links[] = {
    {"fd", "/proc/self/fd"},	   {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}, /* the pty master of our own devpts
							    instance */
};

/* Made read-only: writable, they change the whole host. */
static const char *const read_only_paths[] = {
    "/proc/sys", /* kernel settings: core_pattern, hostname of the host, ... */
    "/proc/sysrq-trigger", /* "b" reboots the host at once */
    "/proc/irq", /* interrupt affinity of the host's CPUs */
    "/proc/bus", /* PCI devices' config space */
    "/proc/fs", /* filesystem (nfsd, ...) settings */
};

/* Hidden: reading them leaks the host, or costs it. */
static const char *const masked_paths[] = {
    "/proc/kcore", /* the host's physical memory, as an ELF core */
    "/proc/keys", /* the kernel keyrings: not namespaced */
    "/proc/timer_list", /* every timer on the host, with its owner */
    "/proc/sched_debug", /* every task on the host (old kernels) */
    "/proc/latency_stats", /* latency records of the host's tasks */
    "/proc/acpi", /* ACPI tables and controls of the machine */
    "/proc/scsi", /* SCSI devices; writing adds or removes them */
    "/sys/firmware", /* ACPI tables, EFI variables */
};

#define COUNT(array) (int)(sizeof(array) / sizeof(array[0]))

/* root + path (path starts with '/') into out. */
static int in_root(char *out, int out_len, const char *root, const char *path)
{
	return path_join(out, out_len, root, path + 1);
}

/* "x" quoted, or NULL bare, as a C programmer would write the call. */
static const char *quoted(const char *text, char *out, size_t out_len)
{
	if (!text)
		return "NULL";
	snprintf(out, out_len, "\"%s\"", text);
	return out;
}

static int mount_traced(const char *source, const char *target, const char *type,
			unsigned long flags, const char *flag_names, const char *data)
{
	char source_text[4200], type_text[64], data_text[200], action[80] = "mount --bind";

	trace(STEP, "mount(%s, \"%s\", %s, %s, %s)",
	      quoted(source, source_text, sizeof(source_text)), target,
	      quoted(type, type_text, sizeof(type_text)), flag_names,
	      quoted(data, data_text, sizeof(data_text)));
	if (flags & MS_REMOUNT)
		snprintf(action, sizeof(action), "mount -o remount,ro");
	else if (type)
		snprintf(action, sizeof(action), "mount -t %s", type);
	if (mount(source, target, type, flags, data) < 0)
		return box_syserr(action, target);
	return 0;
}

/* A bind mount onto a file needs a file to cover. */
static int make_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return box_syserr("create", path);
	close(fd);
	return 0;
}

/* Bind the host's /dev/NAME onto an empty file in our /dev. */
static int bind_device(const char *dev_dir, const char *name)
{
	char host_node[64], node[4096];

	snprintf(host_node, sizeof(host_node), "/dev/%s", name);
	if (path_join(node, sizeof(node), dev_dir, name) < 0 || make_file(node) < 0)
		return -1;
	return mount_traced(host_node, node, NULL, MS_BIND, "MS_BIND", NULL);
}

static int make_device_links(const char *dev_dir)
{
	char link_path[4096];
	int i;

	for (i = 0; i < COUNT(device_links); i++) {
		if (path_join(link_path, sizeof(link_path), dev_dir, device_links[i].name) < 0)
			return -1;
		trace(STEP, "symlink(\"%s\", \"%s\")", device_links[i].target, link_path);
		if (symlink(device_links[i].target, link_path) < 0)
			return box_syserr("symlink", link_path);
	}
	return 0;
}

int bind_device_nodes(const char *dev_dir)
{
	int i;

	for (i = 0; i < COUNT(device_nodes); i++)
		if (bind_device(dev_dir, device_nodes[i]) < 0)
			return -1;
	return make_device_links(dev_dir);
}

int make_minimal_dev(const char *new_root)
{
	char dev_dir[4096], pts_dir[4096], shm_dir[4096];

	if (in_root(dev_dir, sizeof(dev_dir), new_root, "/dev") < 0 ||
	    path_join(pts_dir, sizeof(pts_dir), dev_dir, "pts") < 0 ||
	    path_join(shm_dir, sizeof(shm_dir), dev_dir, "shm") < 0 ||
	    make_dir(dev_dir, 0755, true) < 0)
		return -1;
	/* nodev: a node someone mknods here is dead; the bound nodes below
	 * are mounts of their own and keep working. */
	if (mount_traced("tmpfs", dev_dir, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV,
			 "MS_NOSUID|MS_NOEXEC|MS_NODEV", "mode=755,size=64k") < 0)
		return -1;
	/* newinstance: our own ptys, not the host's /dev/pts/N terminals */
	if (make_dir(pts_dir, 0755, true) < 0 ||
	    mount_traced("devpts", pts_dir, "devpts", MS_NOSUID | MS_NOEXEC, "MS_NOSUID|MS_NOEXEC",
			 "newinstance,ptmxmode=0666,mode=0620") < 0)
		return -1;
	if (make_dir(shm_dir, 01777, true) < 0 ||
	    mount_traced("shm", shm_dir, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV,
			 "MS_NOSUID|MS_NOEXEC|MS_NODEV", "mode=1777,size=64m") < 0)
		return -1;
	return bind_device_nodes(dev_dir);
}

/* The flags a mount has now, as mount(2) flags. A remount must repeat
 * them: in a user namespace (step 07) the kernel refuses to drop a
 * nosuid/nodev/noexec that came from the host ("locked" flags). */
static unsigned long current_mount_flags(const char *path)
{
	static const struct {
		unsigned long statvfs_flag, mount_flag;
	} flags[] = {
	    {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},	      {ST_NOEXEC, MS_NOEXEC},
	    {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
	};
	struct statvfs fs;
	unsigned long mount_flags = 0;
	int i;

	if (statvfs(path, &fs) < 0)
		return 0;
	for (i = 0; i < COUNT(flags); i++)
		if (fs.f_flag & flags[i].statvfs_flag)
			mount_flags |= flags[i].mount_flag;
	return mount_flags;
}

/* A bind mount's read-only flag can only be set by a remount of it. */
static int remount_read_only(const char *path)
{
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | current_mount_flags(path);

	return mount_traced(NULL, path, NULL, flags, "MS_REMOUNT|MS_BIND|MS_RDONLY", NULL);
}

/* A path this kernel does not have is simply not there to protect. */
static bool missing(const char *path, struct stat *st)
{
	if (lstat(path, st) == 0)
		return false;
	trace(STEP, "%s: not on this kernel, nothing to do", path);
	return true;
}

int make_path_read_only(const char *root, const char *path)
{
	char target[4096];
	struct stat st;

	if (in_root(target, sizeof(target), root, path) < 0)
		return -1;
	if (missing(target, &st))
		return 0;
	if (mount_traced(target, target, NULL, MS_BIND | MS_REC, "MS_BIND|MS_REC", NULL) < 0)
		return -1;
	return remount_read_only(target);
}

int mask_path(const char *root, const char *path)
{
	char target[4096], null_node[4096];
	struct stat st;

	if (in_root(target, sizeof(target), root, path) < 0 ||
	    in_root(null_node, sizeof(null_node), root, "/dev/null") < 0)
		return -1;
	if (missing(target, &st))
		return 0;
	if (S_ISDIR(st.st_mode))
		return mount_traced("tmpfs", target, "tmpfs",
				    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				    "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC", "mode=555");
	return mount_traced(null_node, target, NULL, MS_BIND, "MS_BIND", NULL);
}

/* sysfs shows the network devices of the network namespace that mounts
 * it, so in a user namespace the kernel allows it only to a process whose
 * network namespace that user namespace owns. With --net host (step 06)
 * under step 07 it doesn't: then bind the host's /sys instead, with what
 * is mounted below it (the kernel refuses to split it from its submounts
 * there), and make the whole tree read-only with one mount_setattr(2). */
static int mount_sys(const struct box *box, const char *sys_dir)
{
	struct mount_attr read_only = {.attr_set = MOUNT_ATTR_RDONLY};

	if (make_dir(sys_dir, 0555, true) < 0)
		return -1;
	trace(STEP,
	      "mount(\"sysfs\", \"%s\", \"sysfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, NULL)",
	      sys_dir);
	if (mount("sysfs", sys_dir, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ==
	    0)
		return 0;
	if (errno != EPERM)
		return box_syserr("mount -t sysfs", sys_dir);
	trace(STEP,
	      "sysfs: EPERM: our network namespace is not our user namespace's%s; "
	      "bind the host's /sys read-only instead",
	      box->net == NET_HOST ? " (--net host)" : "");
	if (mount_traced("/sys", sys_dir, NULL, MS_BIND | MS_REC, "MS_BIND|MS_REC", NULL) < 0)
		return -1;
	trace(STEP, "mount_setattr(\"%s\", AT_RECURSIVE, MOUNT_ATTR_RDONLY)", sys_dir);
	if (mount_setattr(AT_FDCWD, sys_dir, AT_RECURSIVE, &read_only, sizeof(read_only)) < 0)
		return box_syserr("mount_setattr MOUNT_ATTR_RDONLY", sys_dir);
	return 0;
}

int mount_proc_and_sys(const struct box *box)
{
	char proc_dir[4096], sys_dir[4096];
	const char *root = box->merged_dir;
	int i;

	if (in_root(proc_dir, sizeof(proc_dir), root, "/proc") < 0 ||
	    in_root(sys_dir, sizeof(sys_dir), root, "/sys") < 0 ||
	    make_dir(proc_dir, 0555, true) < 0)
		return -1;
	/* procfs shows the PID namespace of whoever mounts it: ours */
	if (mount_traced("proc", proc_dir, "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV,
			 "MS_NOSUID|MS_NOEXEC|MS_NODEV", NULL) < 0 ||
	    mount_sys(box, sys_dir) < 0)
		return -1;
	/* LAB: mask_proc_paths
	 * Make each of read_only_paths[] read-only (make_read_only) and hide
	 * each of masked_paths[] (mask). Read proc(5), mount_setattr(2).
	 * Tests: proc-write and core-pattern BLOCKED; /proc/timer_list empty.
	 */
	for (i = 0; i < COUNT(read_only_paths); i++)
		if (make_path_read_only(root, read_only_paths[i]) < 0)
			return -1;
	for (i = 0; i < COUNT(masked_paths); i++)
		if (mask_path(root, masked_paths[i]) < 0)
			return -1;
	/* LAB END */
	return 0;
}

/* Make root + path's missing directories, one component at a time; the
 * last one a directory or (for a file's bind mount) an empty file. A
 * component that is a symlink is refused: before pivot_root a link the
 * image holds ("/data -> /etc") would resolve against the host's root and
 * put the mount on the host's /etc (CVE-2018-15664 is docker's variant). */
static int make_mount_point(const char *root, const char *path, int is_dir)
{
	char target[4096];
	struct stat st;
	size_t start = strlen(root);
	int exists;

	if (in_root(target, sizeof(target), root, path) < 0)
		return -1;
	for (size_t i = start + 1;; i++) {
		char saved = target[i];
		int last = saved == '\0';

		if (saved != '/' && !last)
			continue;
		target[i] = '\0';
		exists = lstat(target, &st) == 0;
		if (exists && S_ISLNK(st.st_mode)) {
			box_error("mount point %s: a symlink in the container's root — refused "
				  "(it would resolve on the host)",
				  path);
			return -1;
		}
		if (!exists &&
		    (last && !is_dir ? make_file(target) : make_dir(target, 0755, true)) < 0)
			return -1;
		if (last)
			return 0;
		target[i] = saved;
	}
}

int bind_mount_into(const char *root, const char *source, const char *path, int read_only)
{
	char target[4096];
	struct stat st;

	if (stat(source, &st) < 0)
		return box_syserr("stat", source);
	if (make_mount_point(root, path, S_ISDIR(st.st_mode)) < 0 ||
	    in_root(target, sizeof(target), root, path) < 0 ||
	    mount_traced(source, target, NULL, MS_BIND | MS_REC, "MS_BIND|MS_REC", NULL) < 0)
		return -1;
	return read_only ? remount_read_only(target) : 0;
}
