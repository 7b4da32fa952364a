/* 05-pivot-root: pivot_root instead of chroot; a minimal /dev; /proc and
 * /sys with the dangerous paths masked or read-only.
 *
 *     build/bin/05-pivot-root [OPTIONS] ROOTFS COMMAND [ARG...]
 *
 * New over 04: the overlay becomes the root mount of the container's mount
 * namespace and the host's root is detached, so there is nothing left to
 * climb out to; /dev is built from a handful of nodes; /proc and /sys hide
 * what a container must not touch. /dev, /proc and /sys are mounted into
 * the new root before pivot_root: the host's /dev nodes are reachable only
 * then, and in a user namespace (step 07) the kernel allows a new procfs
 * or sysfs only while the host's is still in the mount namespace.
 */
#include <sched.h>

#include "child.h"
#include "exec.h"
#include "log.h"
#include "options.h"
#include "ready.h"

#include "02-pid-namespace/init.h"
#include "02-pid-namespace/namespaces.h"
#include "03-cgroups/cgroup.h"
#include "04-overlay/overlay.h"
#include "05-pivot-root/mounts.h"
#include "05-pivot-root/pivot_root.h"

#define STEP 5

static int container_main(struct box *box)
{
	if (wait_for_parent(box) < 0 /* 01, 03 */
	    || make_mounts_private() < 0 /* 02: our mounts stay ours */
	    || mount_overlay(box) < 0 /* 04: writes land in our upper dir */
	    || make_minimal_dev(box->merged_dir) < 0 /* 05: no host disks */
	    || mount_proc_and_sys(box) < 0 /* 05: masked, read-only; before pivot_root */
	    || pivot_into(box->merged_dir) < 0 /* 05: the host's root is gone */
	    || set_hostname(box) < 0) /* 02: our own UTS namespace */
		return EXIT_BOXES_FAILED;
	return exec_or_init(box); /* 01, 02: --init */
}

static int set_up(struct box *box)
{
	if (cgroup_create(box) < 0 /* 03: limits first */
	    || overlay_prepare(box) < 0 /* 04: upper, work, merged */
	    || start_container(box, NAMESPACES_02, container_main) < 0 /* 02 */
	    || cgroup_add(box) < 0 /* 03: before it runs a thing */
	    || release_container(box) < 0) /* 01 */
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct box box;
	int status = EXIT_BOXES_FAILED;

	parse_options(&box, STEP, "05-pivot-root", argc, argv); /* 01: the command line */
	if (check_host_ready(&box, STEP) < 0 /* 01: root, rootfs, kernel features */
	    || box_prepare(&box) < 0) /* 01: id, hostname; signals held from here */
		return EXIT_BOXES_FAILED;
	if (set_up(&box) == 0) {
		status = wait_container(&box); /* 01 */
		status = cgroup_report_oom(&box, status); /* 03: 137 + why */
	} else {
		abort_container(&box);
	}
	overlay_cleanup(&box); /* 04 */
	cgroup_destroy(&box); /* 03 */
	return status;
}
