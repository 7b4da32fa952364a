/* 01-chroot: run a command with the rootfs as its "/".
 *
 *     build/bin/01-chroot [OPTIONS] ROOTFS COMMAND [ARG...]
 *
 * The runtime forks a child, the child chroots into ROOTFS and execs the
 * command, the runtime waits and passes on its exit status. That is all a
 * chroot is: the process sees another directory as "/". It still shares
 * everything else with the host - processes, hostname, network, users -
 * and, as its lesson shows, it can even climb out of the chroot.
 */
#include "child.h"
#include "exec.h"
#include "log.h"
#include "options.h"
#include "ready.h"

#include "01-chroot/chroot.h"

#define STEP 1

static int container_main(struct box *box)
{
	if (wait_for_parent(box) < 0 /* 01: the runtime is ready */
	    || enter_chroot(box->rootfs_abs) < 0) /* 01: the rootfs becomes "/" */
		return EXIT_BOXES_FAILED;
	return exec_command(box); /* 01: returns only if exec failed */
}

int main(int argc, char **argv)
{
	struct box box;

	parse_options(&box, STEP, "01-chroot", argc, argv); /* 01: the command line */
	if (check_host_ready(&box, STEP) < 0 /* 01: root, rootfs, kernel features */
	    || box_prepare(&box) < 0) /* 01: id, hostname; signals held from here */
		return EXIT_BOXES_FAILED;
	if (start_container(&box, 0, container_main) < 0 /* 01: a plain fork */
	    || release_container(&box) < 0) {
		abort_container(&box);
		return EXIT_BOXES_FAILED;
	}
	return wait_container(&box); /* 01 */
}
