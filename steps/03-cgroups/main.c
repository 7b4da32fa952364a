/* 03-cgroups: memory, pids and cpu limits.
 *
 *     build/bin/03-cgroups [--memory 64M] [--pids-limit N] [--cpus 0.5]
 *                          [OPTIONS] ROOTFS COMMAND [ARG...]
 *
 * New over 02: the runtime makes a cgroup with the limits before the
 * container starts, moves the container in while it waits on the sync
 * pipe, reports an OOM kill, and removes the cgroup afterwards.
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

#define STEP 3

static int container_main(struct box *box)
{
	if (wait_for_parent(box) < 0 /* 01: we are in our cgroup now (03) */
	    || make_mounts_private() < 0 /* 02: our mounts stay ours */
	    || enter_chroot(box->rootfs_abs) < 0 /* 01: the rootfs becomes "/" */
	    || mount_proc() < 0 /* 02: a /proc of our PID namespace */
	    || set_hostname(box) < 0) /* 02: our own UTS namespace */
		return EXIT_BOXES_FAILED;
	return exec_or_init(box); /* 01, 02: --init */
}

static int set_up(struct box *box)
{
	if (cgroup_create(box) < 0 /* 03: limits first */
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

	parse_options(&box, STEP, "03-cgroups", argc, argv); /* 01: the command line */
	if (check_host_ready(&box, STEP) < 0 /* 01: root, rootfs, kernel features */
	    || box_prepare(&box) < 0) /* 01: id, hostname; signals held from here */
		return EXIT_BOXES_FAILED;
	if (set_up(&box) == 0) {
		status = wait_container(&box); /* 01 */
		status = cgroup_report_oom(&box, status); /* 03: 137 + why */
	} else {
		abort_container(&box);
	}
	cgroup_destroy(&box); /* 03 */
	return status;
}
