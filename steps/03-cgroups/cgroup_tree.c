/* cgroup_tree.c - step 03: where the cgroups are, and the container's
 * directories in them (cgroup.c writes the limits into those).
 *
 * A cgroup is a directory; its files are the knobs. Two layouts exist:
 *
 *   v2 (unified)  /sys/fs/cgroup is ONE cgroup2 filesystem. A container gets
 *                 one directory, boxes/<id>, holding memory.max, pids.max
 *                 and cpu.max. A parent hands controllers down to its
 *                 children by writing "+memory" to cgroup.subtree_control.
 *   v1            /sys/fs/cgroup is a tmpfs with one cgroup filesystem per
 *                 controller: memory/, pids/, cpu/. A container gets a
 *                 directory boxes/<id> in EACH of them, and joins all three.
 *   hybrid        v1, plus a cgroup2 at /sys/fs/cgroup/unified that systemd
 *                 uses to track services. It has no controllers, so limits
 *                 go to the v1 hierarchies.
 *
 * Which one a machine uses, statfs(2) of /sys/fs/cgroup says (and of
 * /sys/fs/cgroup/unified, for the hybrid): detect_cgroup_mode. A controller
 * the machine lacks is an error only when an option needs it (--memory
 * needs memory); otherwise the container goes without it.
 */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

#include "03-cgroups/cgroup_tree.h"
#include "03-cgroups/files.h"

#define STEP 3

/* The controllers boxes uses, and the option that needs each one. */
static const struct {
	const char *name; /* the v1 hierarchy's directory, the v2 controller */
	const char *option;
} controllers[CONTROLLER_COUNT] = {
    [MEMORY] = {"memory", "--memory"},
    [PIDS] = {"pids", "--pids-limit"},
    [CPU] = {"cpu", "--cpus or --cpu-shares"},
};

enum cgroup_mode cgroup_mode_from(long root_fs_type, long unified_fs_type)
{
	if (root_fs_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_V2;
	if (root_fs_type == TMPFS_MAGIC)
		return unified_fs_type == CGROUP2_SUPER_MAGIC ? CGROUP_HYBRID : CGROUP_V1;
	return CGROUP_NONE;
}

const char *cgroup_mode_name(enum cgroup_mode mode)
{
	switch (mode) {
	case CGROUP_V1:
		return "v1";
	case CGROUP_HYBRID:
		return "hybrid";
	case CGROUP_V2:
		return "v2";
	default:
		return "none";
	}
}

#define HYBRID_NOTE " (limits on the v1 hierarchies; unified/ has no controllers)"

static const char *fs_name(long fs_type)
{
	if (fs_type == CGROUP2_SUPER_MAGIC)
		return "cgroup2";
	return fs_type == TMPFS_MAGIC ? "tmpfs" : "neither cgroup2 nor tmpfs";
}

/* Which layout does this machine use? statfs(2) names the filesystem at
 * /sys/fs/cgroup: cgroup2 (v2), or a tmpfs holding v1 mounts. */
int detect_cgroup_mode(const char *root, enum cgroup_mode *mode)
{
	struct statfs root_fs, unified_fs;
	char unified[PATH_MAX];

	if (statfs(root, &root_fs) < 0)
		return box_syserr("statfs", root);
	if (path_join(unified, sizeof(unified), root, "unified") < 0)
		return -1;
	if (statfs(unified, &unified_fs) < 0)
		unified_fs.f_type = 0; /* no unified/: plain v1 (or v2) */
	*mode = cgroup_mode_from((long)root_fs.f_type, (long)unified_fs.f_type);
	trace(STEP, "statfs(\"%s\"): %s -> cgroup mode %s%s", root, fs_name(root_fs.f_type),
	      cgroup_mode_name(*mode), *mode == CGROUP_HYBRID ? HYBRID_NOTE : "");
	if (*mode == CGROUP_NONE) {
		box_error(
		    "%s is neither cgroup2 nor a tmpfs of v1 cgroup mounts (run: make doctor)",
		    root);
		return -1;
	}
	return 0;
}

/* mkdir a cgroup: the kernel fills the new directory with its files.
 * may_exist: boxes/ is shared by every container, made by the first. */
static int make_cgroup(const char *path, bool may_exist)
{
	int made = make_dir(path, 0755, may_exist);

	if (made > 0)
		trace(STEP, "mkdir(\"%s\")", path);
	return made < 0 ? -1 : 0;
}

static void remember_dir(struct cgroup_info *info, const char *dir)
{
	snprintf(info->dirs[info->dir_count++], PATH_MAX, "%s", dir);
}

/* "cgroup DIR" in BOXES_RUN/<id>/state, before the mkdir: if we are
 * SIGKILLed from here on, the sweeper (cgroup_sweep) removes it. */
static int record_dir(const struct box *box, const char *dir)
{
	return state_add(box, "cgroup", dir);
}

static int missing_controller(const struct box *box, enum controller controller, const char *where)
{
	if (!limit_wanted(box, controller)) {
		trace(STEP, "no %s controller (not in %s): fine, no %s asked",
		      controllers[controller].name, where, controllers[controller].option);
		return 0;
	}
	box_error("%s needs the cgroup controller '%s' (not in %s; run: make doctor)",
		  controllers[controller].option, controllers[controller].name, where);
	return -1;
}

/* The container's cgroup under one hierarchy: HIERARCHY/boxes/<id>, or
 * HIERARCHY/<box->cgroup_path> where an engine names the place
 * (boxes-runtime: linux.cgroupsPath, "libpod_parent/libpod-<id>"). The
 * parents may exist already (boxes/ is shared by every container); the last
 * must not. On v2, `enable` ("+memory +pids +cpu") goes into each level's
 * cgroup.subtree_control before its child is made: a v2 cgroup only gets a
 * controller's files when its parent hands the controller down. */
static int make_container_cgroup(const struct box *box, const char *hierarchy, const char *enable,
				 char *dir, size_t len)
{
	char relative[PATH_MAX];
	char *name, *next;

	if (box->cgroup_path)
		snprintf(relative, sizeof(relative), "%s", box->cgroup_path);
	else
		snprintf(relative, sizeof(relative), "%s/%s", BOXES_DIR, box->id);
	snprintf(dir, len, "%s", hierarchy);
	for (name = relative; name; name = next) {
		size_t used = strlen(dir);

		next = strchr(name, '/');
		if (next)
			*next++ = '\0';
		if (enable[0] && write_file(STEP, dir, "cgroup.subtree_control", enable) < 0) {
			if (errno == EBUSY) /* cgroup-v2.rst: "no internal process constraint" */
				box_error("a v2 cgroup that holds processes itself cannot hand "
					  "controllers down: move the processes out of "
					  "%s/cgroup.procs",
					  dir);
			return -1;
		}
		if ((size_t)snprintf(dir + used, len - used, "/%s", name) >= len - used) {
			box_error("path too long: %s/%s", dir, name);
			return -1;
		}
		if (!next) /* the container's own */
			return record_dir(box, dir) < 0 || make_cgroup(dir, false) < 0 ? -1 : 0;
		if (make_cgroup(dir, true) < 0)
			return -1;
	}
	return 0;
}

/* v1: <root>/<controller>/boxes/<id>, one per hierarchy. A hierarchy that
 * is really mounted has a cgroup.procs file at its top. */
int make_v1_cgroups(struct box *box, const char *root)
{
	struct cgroup_info *info = box->cgroup;
	int controller;

	for (controller = 0; controller < CONTROLLER_COUNT; controller++) {
		char hierarchy[PATH_MAX], procs[PATH_MAX], dir[PATH_MAX];
		const char *name = controllers[controller].name;

		if (path_join(hierarchy, sizeof(hierarchy), root, name) < 0 ||
		    path_join(procs, sizeof(procs), hierarchy, "cgroup.procs") < 0)
			return -1;
		/* (where cpu and cpuacct share one mount, "cpu" is a symlink to
		 * "cpu,cpuacct": the path works either way) */
		if (access(procs, F_OK) < 0) {
			if (missing_controller(box, controller, hierarchy) < 0)
				return -1;
			continue;
		}
		if (make_container_cgroup(box, hierarchy, "", dir, sizeof(dir)) < 0)
			return -1;
		remember_dir(info, dir);
		snprintf(info->controller_dir[controller], PATH_MAX, "%s", dir);
	}
	if (info->dir_count == 0) {
		box_error("no memory, pids or cpu cgroup hierarchy under %s (run: make doctor)",
			  root);
		return -1;
	}
	return 0;
}

/* Is word one of the space-separated words of list? ("cpu" is not "cpuset") */
static bool has_word(const char *list, const char *word)
{
	size_t length = strlen(word);
	const char *at = list;

	while ((at = strstr(at, word)) != NULL) {
		bool starts = at == list || at[-1] == ' ';
		bool ends = at[length] == '\0' || at[length] == ' ' || at[length] == '\n';

		if (starts && ends)
			return true;
		at += length;
	}
	return false;
}

/* v2: one directory <root>/boxes/<id>. A v2 cgroup only gets a
 * controller's files when its parent lists it in cgroup.subtree_control,
 * so "+memory +pids +cpu" goes into the root's and into boxes/'s. */
int make_v2_cgroup(struct box *box, const char *root)
{
	struct cgroup_info *info = box->cgroup;
	char available_path[PATH_MAX], available[512] = "", enable[64] = "";
	char dir[PATH_MAX];
	FILE *file;
	int controller;

	if (path_join(available_path, sizeof(available_path), root, "cgroup.controllers") < 0)
		return -1;
	file = fopen(available_path, "re");
	if (!file)
		return box_syserr("open", available_path);
	if (!fgets(available, sizeof(available), file))
		available[0] = '\0'; /* empty: no controller at all */
	fclose(file);
	for (controller = 0; controller < CONTROLLER_COUNT; controller++) {
		if (!has_word(available, controllers[controller].name)) {
			if (missing_controller(box, controller, available_path) < 0)
				return -1;
			continue;
		}
		snprintf(enable + strlen(enable), sizeof(enable) - strlen(enable), "%s+%s",
			 enable[0] ? " " : "", controllers[controller].name);
	}
	if (make_container_cgroup(box, root, enable, dir, sizeof(dir)) < 0)
		return -1;
	remember_dir(info, dir);
	for (controller = 0; controller < CONTROLLER_COUNT; controller++)
		if (has_word(available, controllers[controller].name))
			snprintf(info->controller_dir[controller], PATH_MAX, "%s", dir);
	return 0;
}
