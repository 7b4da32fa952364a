/* userns.c - step 07: container root is an unprivileged user on the host.
 *
 * Until step 06 the container's root IS the host's root: uid 0, every
 * capability, held back only by what we remembered to take away (a
 * read-only /proc/sys, a masked /proc/kcore, ...). Anything we forgot,
 * such as mknod of the host's disk or mounting the host's cgroups, works.
 *
 * A user namespace (user_namespaces(7)) gives the container its own table
 * of user and group ids. clone(CLONE_NEWUSER) makes one; the runtime then
 * writes two maps into /proc/<pid>/uid_map and gid_map, by default
 *
 *     inside  outside  count
 *          0   100000  65536     container uid 0..65535 = host 100000..165535
 *
 * Inside, the process is uid 0 with every capability, but only over
 * things its namespace owns: its own mount, pid, uts, net namespaces and
 * files whose owner is mapped. To the rest of the kernel (the host's
 * disk, /proc/sys, the host's cgroup tree) it is uid 100000, a nobody.
 *
 * The rootfs belongs to host uid 0, which the map leaves out: inside, all
 * of it would be owned by nobody. An idmapped mount (mount_setattr(2),
 * MOUNT_ATTR_IDMAP) shows it through the container's map instead, so it
 * is root's inside; that mount becomes the overlay's lower layer (step 04)
 * and nothing on disk is copied or chowned.
 *
 * Order matters, and is why the parent does half of the work:
 *  - the maps are written by the parent after clone and before the child
 *    is released: an unmapped process is "nobody" (65534) in its own
 *    namespace and cannot even become root there (become_root);
 *  - everything that needs host privileges (cgroup, veth, the idmapped
 *    mount) is done by the parent too: the child no longer has them;
 *  - what the child needs to know (box->layers_idmapped) is set before clone:
 *    the child is a copy of our memory as it was at that moment.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "03-cgroups/files.h"
#include "06-net-namespace/setns.h"
#include "07-user-namespace/userns.h"
#include "child.h"
#include "kernel_features.h"
#include "log.h"
#include "state.h"

#define STEP 7

int id_map_line(const struct id_map *map, char *out, size_t out_len)
{
	int written = snprintf(out, out_len, "%lu %lu %lu", map->inside, map->outside, map->count);

	return written < 0 || (size_t)written >= out_len ? -1 : 0;
}

/* The host's uid (or gid) of the container's root. */
static int container_root_on_host(const struct id_map *map, const char *option,
				  unsigned long *host_id)
{
	if (map->inside != 0) {
		box_error("--%s %lu:%lu:%lu maps no container root: the first number (the "
			  "container's id) must be 0",
			  option, map->inside, map->outside, map->count);
		return -1;
	}
	*host_id = map->outside;
	return 0;
}

/* Add search permission (--x for group and others) to a directory of ours:
 * the container's root, uid 100000 on the host, must walk through it to
 * its layers. Only adds, never removes: BOXES_RUN=/tmp stays 1777. */
static int let_container_root_through(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return box_syserr("stat", dir);
	if ((st.st_mode & (S_IXGRP | S_IXOTH)) == (S_IXGRP | S_IXOTH))
		return 0;
	trace(STEP, "chmod(\"%s\", 0%o)", dir, (st.st_mode | S_IXGRP | S_IXOTH) & 07777);
	if (chmod(dir, (st.st_mode | S_IXGRP | S_IXOTH) & 07777) < 0)
		return box_syserr("chmod", dir);
	return 0;
}

/* Every directory above BOXES_RUN must let others search it too (we only
 * fix BOXES_RUN and BOXES_RUN/<id>, which are ours): otherwise the overlay
 * mount fails later with a bare "Permission denied". */
static int check_walkable_above(const char *dir)
{
	char path[PATH_MAX];
	char *slash;
	struct stat st;

	snprintf(path, sizeof(path), "%s", dir);
	while ((slash = strrchr(path, '/')) && slash != path) {
		*slash = '\0';
		if (stat(path, &st) < 0)
			return box_syserr("stat", path);
		if (!(st.st_mode & S_IXOTH)) {
			box_error("%s (mode 0%o) can't be searched by others: the container's "
				  "root, another uid on the host, must pass through it to its "
				  "layers; chmod o+x %s, or set BOXES_RUN elsewhere",
				  path, st.st_mode & 07777, path);
			return -1;
		}
	}
	return 0;
}

/* chown to the container's root: path is BOXES_RUN/<id>/name, or
 * BOXES_RUN/<id> itself when name is NULL. */
static int give_to_container_root(const struct box *box, const char *name, uid_t uid, gid_t gid)
{
	char path[PATH_MAX];

	if (!name)
		snprintf(path, sizeof(path), "%s", box->state_dir);
	else if (path_join(path, sizeof(path), box->state_dir, name) < 0)
		return -1;
	trace(STEP, "chown(\"%s\", %u, %u)", path, (unsigned)uid, (unsigned)gid);
	if (chown(path, uid, gid) < 0)
		return box_syserr("chown", path);
	return 0;
}

/* BOXES_RUN/<id>/lower/<n>, where layer n's idmapped view is mounted. */
static int layer_mount_point(char *out, size_t out_len, const char *state_dir, int layer)
{
	int written = snprintf(out, out_len, "%s/lower/%d", state_dir, layer);

	if (written < 0 || (size_t)written >= out_len) {
		box_error("path too long: %s/lower/%d", state_dir, layer);
		return -1;
	}
	return 0;
}

/* BOXES_RUN/<id>/lower/ and one empty mount point in it per layer:
 * lower/0 for the top layer, lower/1 below it, ... (see mount_overlay). */
static int make_layer_mount_points(const struct box *box)
{
	char path[PATH_MAX];
	int i;

	if (path_join(path, sizeof(path), box->state_dir, "lower") < 0)
		return -1;
	trace(STEP, "mkdir(\"%s\") and %d mount point%s in it", path, box->layer_count,
	      box->layer_count == 1 ? "" : "s");
	if (mkdir(path, 0755) < 0)
		return box_syserr("mkdir", path);
	for (i = 0; i < box->layer_count; i++) {
		if (layer_mount_point(path, sizeof(path), box->state_dir, i) < 0)
			return -1;
		if (mkdir(path, 0755) < 0)
			return box_syserr("mkdir", path);
	}
	return 0;
}

int prepare_userns_rootfs(struct box *box)
{
	unsigned long root_uid, root_gid;
	char state_abs[PATH_MAX];

	if (container_root_on_host(&box->uid_map, "uidmap", &root_uid) < 0 ||
	    container_root_on_host(&box->gid_map, "gidmap", &root_gid) < 0)
		return -1;
	if (!realpath(box->state_dir, state_abs))
		return box_syserr("realpath", box->state_dir);
	if (make_layer_mount_points(box) < 0)
		return -1;
	box->layers_idmapped = true; /* the child's overlay uses lower/<n> */
	/* The overlay is mounted by the container's root (step 04 code, run
	 * after become_root): it writes the upper and work dirs as uid 100000,
	 * and its capabilities count only for files its namespace maps. It
	 * must also walk to them: BOXES_RUN/<id> becomes its own (still closed
	 * to other host users), BOXES_RUN gets --x for others. */
	if (give_to_container_root(box, "upper", (uid_t)root_uid, (gid_t)root_gid) < 0 ||
	    give_to_container_root(box, "work", (uid_t)root_uid, (gid_t)root_gid) < 0 ||
	    give_to_container_root(box, NULL, (uid_t)root_uid, (gid_t)root_gid) < 0 ||
	    let_container_root_through(state_root()) < 0 || check_walkable_above(state_abs) < 0)
		return -1;
	return 0;
}

/* The kernel accepts any gid_map from a writer with CAP_SETGID over the
 * new namespace's parent; anyone else may only map their own gid, and only
 * after writing "deny" to /proc/<pid>/setgroups. Otherwise an unprivileged
 * user could drop a supplementary group with setgroups(2) inside and read
 * files whose mode shuts that group out (rw----r--). We run as root, so
 * the kernel does not require it and we leave setgroups allowed: the
 * container needs it to drop the host root's groups (become_root). */
static int kernel_requires_setgroups_deny(void)
{
	cap_flag_value_t has_setgid = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (caps) {
		cap_get_flag(caps, CAP_SETGID, CAP_EFFECTIVE, &has_setgid);
		cap_free(caps);
	}
	return has_setgid != CAP_SET;
}

int write_id_maps(struct box *box)
{
	char uid_line[96], gid_line[96], proc_dir[32];

	snprintf(proc_dir, sizeof(proc_dir), "/proc/%d", (int)box->container_pid);
	if (id_map_line(&box->uid_map, uid_line, sizeof(uid_line)) < 0 ||
	    id_map_line(&box->gid_map, gid_line, sizeof(gid_line)) < 0)
		return -1;
	/* LAB: write_id_maps
	 * Write /proc/PID/setgroups "deny" (when the kernel requires it), then
	 * uid_line to uid_map and gid_line to gid_map in proc_dir, one write(2)
	 * each (step 03's write_file). Read user_namespaces(7). Tests: id
	 * inside is 0, the host sees uid 100000; mknod-disk, proc-write BLOCKED.
	 */
	if (kernel_requires_setgroups_deny() && write_file(STEP, proc_dir, "setgroups", "deny") < 0)
		return -1;
	if (write_file(STEP, proc_dir, "uid_map", uid_line) < 0 ||
	    write_file(STEP, proc_dir, "gid_map", gid_line) < 0) {
		if (errno == EINVAL)
			box_error("the kernel refused the map \"inside outside count\": neither "
				  "range may pass 4294967295 (see user_namespaces(7))");
		return -1;
	}
	return 0;
	/* LAB END */
}

/* An idmapped copy of one layer, not attached anywhere yet: only a
 * detached mount may be given an idmapping (mount_setattr(2)). Through
 * it, a file the disk says uid 0 owns is seen as owned by the uid the
 * container's map gives to its root: 100000, which is root inside. The
 * disk is not changed; the layer is read-only. Returns the tree's fd. */
static int idmapped_tree(const char *layer, int userns)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY};
	int tree;

	trace(STEP, "open_tree(\"%s\", OPEN_TREE_CLONE)", layer);
	tree = open_tree(AT_FDCWD, layer, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return box_syserr("open_tree", layer);
	attr.userns_fd = (unsigned long long)userns;
	trace(STEP, "mount_setattr(tree, MOUNT_ATTR_IDMAP|MOUNT_ATTR_RDONLY, container's userns)");
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		box_syserr("mount_setattr MOUNT_ATTR_IDMAP", layer);
		if (errno == EINVAL)
			box_error("the filesystem of %s may not support idmapped mounts "
				  "(with this kernel: %s; see mount_setattr(2))",
				  layer, idmap_filesystems());
		close(tree);
		return -1;
	}
	return tree;
}

/* Mount each detached tree on BOXES_RUN/<id>/lower/<n> inside the
 * container's mount namespace. A mount made in the host's namespace after
 * clone would not reach the child's copy (its mounts are slaves at best,
 * and step 02 makes them private), so we step into its namespace with
 * setns(2) (step 06's setns.c), attach the trees with move_mount(2), and
 * step back. Nothing is mounted on the host; the mounts die with the
 * container's namespace. */
static int attach_in_container(struct box *box, const int *trees, const char *state_abs)
{
	char path[PATH_MAX];
	int host_mnt, cwd, result = 0, i;

	/* setns into a mount namespace also resets our root and working
	 * directory: keep the working directory, to come back to. */
	if ((cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return box_syserr("open", "the working directory");
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)box->container_pid);
	trace(STEP, "setns(\"%s\", CLONE_NEWNS)", path);
	host_mnt = enter_namespace(box->container_pid, "mnt", CLONE_NEWNS);
	if (host_mnt < 0) {
		close(cwd);
		return -1;
	}
	for (i = 0; i < box->layer_count && result == 0; i++) {
		if (layer_mount_point(path, sizeof(path), state_abs, i) < 0) {
			result = -1;
			break;
		}
		trace(STEP, "move_mount(idmapped tree of layer %d, \"%s\")", i, path);
		if (move_mount(trees[i], "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			result = box_syserr("move_mount", path);
	}
	/* Back home, whatever happened: every later path is a host path. */
	trace(STEP, "setns(\"/proc/self/ns/mnt\" of the runtime, CLONE_NEWNS)");
	leave_namespace(host_mnt, "mnt", CLONE_NEWNS);
	if (fchdir(cwd) < 0)
		result = box_syserr("fchdir", "working directory");
	close(cwd);
	return result;
}

int map_rootfs_to_userns(struct box *box)
{
	char userns_path[64], state_abs[PATH_MAX];
	int trees[BOX_MAX_LAYERS];
	int userns, made = 0, result = -1;

	/* Absolute: attach_in_container looks the paths up from inside the
	 * container's mount namespace, where our working directory is not. */
	if (!realpath(box->state_dir, state_abs))
		return box_syserr("realpath", box->state_dir);
	snprintf(userns_path, sizeof(userns_path), "/proc/%d/ns/user", (int)box->container_pid);
	userns = open(userns_path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return box_syserr("open", userns_path);
	while (made < box->layer_count &&
	       (trees[made] = idmapped_tree(box->layers[made], userns)) >= 0)
		made++;
	close(userns);
	if (made == box->layer_count)
		result = attach_in_container(box, trees, state_abs);
	while (made > 0)
		close(trees[--made]); /* a tree never attached is unmounted here */
	return result;
}

/* Is setgroups(2) refused in our namespace ("deny" in /proc/self/setgroups)? */
static int setgroups_denied(void)
{
	char value[16] = "";
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, value, sizeof(value) - 1) < 0)
		value[0] = '\0';
	close(fd);
	return strncmp(value, "deny", 4) == 0;
}

int become_root(void)
{
	/* We still carry the runtime's supplementary groups, host gid 0 among
	 * them (shown as 65534 inside): drop them, or files that the host's
	 * root group may read stay readable to the container. Where setgroups
	 * is "deny" (a rootless runtime), the kernel keeps them fixed. */
	trace(STEP, "setgroups(0, NULL)");
	if (setgroups(0, NULL) < 0 && !(errno == EPERM && setgroups_denied()))
		return box_syserr("setgroups", "no supplementary groups");
	/* Right after clone we are the host's uid 0, which our namespace does
	 * not map: "nobody" (65534) inside, though with every capability of
	 * the namespace. Now that the maps exist, become its uid and gid 0:
	 * uid 100000 and gid 100000 as the host counts. */
	trace(STEP, "setresgid(0, 0, 0)");
	if (setresgid(0, 0, 0) < 0)
		return box_syserr("setresgid", "0 (the container's root group)");
	trace(STEP, "setresuid(0, 0, 0)");
	if (setresuid(0, 0, 0) < 0)
		return box_syserr("setresuid", "0 (the container's root)");
	/* A new uid and gid: the kernel has just cleared PR_SET_PDEATHSIG
	 * (prctl(2)), and a SIGKILLed runtime would leave us running on as
	 * uid 100000, alone. Arm it again, and check the runtime is alive. */
	trace(STEP, "prctl(PR_SET_PDEATHSIG, SIGKILL) again: a uid change cleared it");
	return die_with_runtime();
}
