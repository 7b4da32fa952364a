/* 07-user-namespace: container root is an unprivileged user on the host.
 *
 *     build/bin/07-user-namespace [--uidmap C:H:N] [--gidmap C:H:N]
 *                                 [OPTIONS] ROOTFS COMMAND [ARG...]
 *
 * New over 06: CLONE_NEWUSER; the runtime writes the uid and gid maps
 * (default container 0-65535 -> host 100000-165535) and gives the overlay
 * an idmapped lower layer, so the rootfs still looks owned by root inside;
 * the container becomes uid 0 of its namespace before anything else.
 */
#include <sched.h>

#include "child.h"
#include "exec.h"
#include "log.h"
#include "options.h"
#include "ready.h"
#include "state.h"
#include "sweep.h"

#include "02-pid-namespace/init.h"
#include "02-pid-namespace/namespaces.h"
#include "03-cgroups/cgroup.h"
#include "04-overlay/overlay.h"
#include "05-pivot-root/mounts.h"
#include "05-pivot-root/pivot_root.h"
#include "06-net-namespace/net.h"
#include "07-user-namespace/userns.h"

#define STEP 7

/* What a killed run of this step may leave, and the step that undoes it. */
static const struct sweeper sweepers[] = {SWEEPERS_03, SWEEPERS_06, {NULL, NULL}}; /* 03, 06 */

static int container_main(struct box *box)
{
	if (wait_for_parent(box) < 0 /* 01, 03, 06, 07: maps are written */
	    || become_root() < 0 /* 07: uid 0 of our namespace */
	    || make_mounts_private() < 0 /* 02: our mounts stay ours */
	    || mount_overlay(box) < 0 /* 04: over the idmapped rootfs (07) */
	    || make_minimal_dev(box->merged_dir) < 0 /* 05: no host disks */
	    || mount_proc_and_sys(box) < 0 /* 05: masked, read-only; before pivot_root */
	    || pivot_into(box->merged_dir) < 0 /* 05: the host's root is gone */
	    || set_hostname(box) < 0) /* 02: our own UTS namespace */
		return EXIT_BOXES_FAILED;
	return exec_or_init(box); /* 01, 02: --init */
}

static int set_up(struct box *box)
{
	int namespaces = NAMESPACES_02 | net_clone_flags(box) | CLONE_NEWUSER; /* 06, 07 */

	if (state_create(box) < 0 /* 01: BOXES_RUN/<id>, locked while we run */
	    || cgroup_create(box) < 0 /* 03: limits first */
	    || overlay_prepare(box) < 0 /* 04: upper, work, merged */
	    || prepare_userns_rootfs(box) < 0 /* 07: before clone, see userns.h */
	    || start_container(box, namespaces, container_main) < 0 /* 02 */
	    || write_id_maps(box) < 0 /* 07: before the child does anything */
	    || map_rootfs_to_userns(box) < 0 /* 07: idmapped lower layer */
	    || cgroup_add(box) < 0 /* 03: before it runs a thing */
	    || net_setup(box) < 0 /* 06: veth, addresses, route */
	    || release_container(box) < 0) /* 01 */
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct box box;
	int status = EXIT_BOXES_FAILED;

	parse_options(&box, STEP, "07-user-namespace", argc, argv); /* 01: the command line */
	if (check_host_ready(&box, STEP) < 0 /* 01: root, rootfs, kernel features */
	    || box_prepare(&box) < 0) /* 01: id, hostname; signals held from here */
		return EXIT_BOXES_FAILED;
	sweep_dead_runs(sweepers); /* 01: what killed runs left */
	if (set_up(&box) == 0) {
		status = wait_container(&box); /* 01 */
		status = cgroup_report_oom(&box, status); /* 03: 137 + why */
	} else {
		abort_container(&box);
	}
	overlay_cleanup(&box); /* 04 */
	cgroup_destroy(&box); /* 03 */
	net_cleanup(&box); /* 06: last, the kernel is removing the veth meanwhile */
	state_remove(&box); /* 01: last: after all that its state lists */
	return status;
}
