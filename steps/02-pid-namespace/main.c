/* 02-pid-namespace: the container gets its own PID, mount, UTS and IPC
 * namespaces.
 *
 *     build/bin/02-pid-namespace [OPTIONS] ROOTFS COMMAND [ARG...]
 *
 * New over 01: clone(2) with CLONE_NEW* flags instead of a plain fork; the
 * mounts are made private before anything is mounted; a fresh /proc shows
 * only the container's processes; the container has its own hostname; the
 * command runs as PID 1 (or under a tiny init with --init).
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

#define STEP 2

static int container_main(struct box *box)
{
	if (wait_for_parent(box) < 0 /* 01 */
	    || make_mounts_private() < 0 /* 02: our mounts stay ours */
	    || enter_chroot(box->rootfs_abs) < 0 /* 01: the rootfs becomes "/" */
	    || mount_proc() < 0 /* 02: a /proc of our PID namespace */
	    || set_hostname(box) < 0) /* 02: our own UTS namespace */
		return EXIT_BOXES_FAILED;
	return exec_or_init(box); /* 01, 02: --init */
}

int main(int argc, char **argv)
{
	struct box box;

	parse_options(&box, STEP, "02-pid-namespace", argc, argv); /* 01: the command line */
	if (check_host_ready(&box, STEP) < 0 /* 01: root, rootfs, kernel features */
	    || box_prepare(&box) < 0) /* 01: id, hostname; signals held from here */
		return EXIT_BOXES_FAILED;
	if (start_container(&box, NAMESPACES_02, container_main) < 0 /* 02 */
	    || release_container(&box) < 0) { /* 01 */
		abort_container(&box);
		return EXIT_BOXES_FAILED;
	}
	return wait_container(&box); /* 01 */
}
