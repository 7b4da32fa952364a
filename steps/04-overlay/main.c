/* 04-overlay: the rootfs is a read-only lower layer; every container
 * writes to its own upper dir.
 *
 *     build/bin/04-overlay [OPTIONS] ROOTFS COMMAND [ARG...]
 *
 * New over 03: BOXES_RUN/<id>/{upper,work,merged} are made by the runtime;
 * the container mounts the overlay in its own mount namespace and chroots
 * into merged/; the runtime removes BOXES_RUN/<id> when it ends.
 */
#include <sched.h>

#include "child.h"
#include "exec.h"
#include "log.h"
#include "options.h"
#include "ready.h"

#include "01-chroot/chroot.h"
#include "02-pid-namespace/init.h"
#include "02-pid-namespace/namespaces.h"
#include "03-cgroups/cgroup.h"
#include "04-overlay/overlay.h"

#define STEP 4

static int container_main(struct box *box)
{
	if (wait_for_parent(box) < 0 /* 01, 03 */
	    || make_mounts_private() < 0 /* 02: our mounts stay ours */
	    || mount_overlay(box) < 0 /* 04: writes land in our upper dir */
	    || enter_chroot(box->merged_dir) < 0 /* 01: now into the overlay */
	    || mount_proc() < 0 /* 02: a /proc of our PID namespace */
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

	parse_options(&box, STEP, "04-overlay", argc, argv); /* 01: the command line */
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
