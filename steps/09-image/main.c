/* 09-image: run a real image - a config and a stack of layers.
 *
 *     build/bin/09-image load [-i FILE] | images | inspect IMAGE | rmi IMAGE
 *     build/bin/09-image run [OPTIONS] IMAGE[:TAG] [COMMAND [ARG...]]
 *
 * New over 08: the root is no longer one hand-made directory but an
 * image's layers from the local store, stacked as the overlay's lower
 * layers (each idmapped on its own, as 07 did for one), and the image's
 * config supplies the command, environment, working directory and user.
 * Everything else is step 08's recipe, unchanged.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>

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
#include "06-net-namespace/net.h"
#include "07-user-namespace/userns.h"
#include "08-seccomp/privileges.h"
#include "08-seccomp/seccomp.h"
#include "09-image/image_open.h"
#include "09-image/run_config.h"
#include "09-image/user.h"

#define STEP 9
#define MAX_ARGV 256

static int container_main(struct box *box)
{
	if (wait_for_parent(box) < 0 /* 01, 03, 06, 07: maps are written */
	    || become_root(box) < 0 /* 07: uid 0 of our namespace */
	    || make_mounts_private() < 0 /* 02: our mounts stay ours */
	    || mount_overlay(box) < 0 /* 04: the image's layers, idmapped (07, 09) */
	    || make_minimal_dev(box->merged_dir) < 0 /* 05: no host disks */
	    || mount_proc_and_sys(box) < 0 /* 05: masked, read-only; before pivot_root */
	    || pivot_into(box->merged_dir) < 0 /* 05: the host's root is gone */
	    || set_hostname(box) < 0 /* 02: our own UTS namespace */
	    || set_no_new_privs() < 0 /* 08: exec can't gain privileges */
	    || drop_capabilities(box) < 0 /* 08: a minimal set */
	    || become_image_user(box) < 0 /* 09: -u or the image's User, from its /etc/passwd */
	    || load_seccomp_filter(box) < 0) /* 08: last, right before exec */
		return EXIT_BOXES_FAILED;
	return exec_or_init(box); /* 01, 02: --init */
}

static int set_up(struct box *box)
{
	int namespaces = NAMESPACES_02 | net_clone_flags(box) | CLONE_NEWUSER; /* 06, 07 */

	if (cgroup_create(box) < 0 /* 03: limits first */
	    || overlay_prepare(box) < 0 /* 04: upper, work, merged */
	    || prepare_userns_rootfs(box) < 0 /* 07: a mount point per layer */
	    || start_container(box, namespaces, container_main) < 0 /* 02 */
	    || write_id_maps(box) < 0 /* 07: before the child does anything */
	    || map_rootfs_to_userns(box) < 0 /* 07: each layer idmapped */
	    || cgroup_add(box) < 0 /* 03: before it runs a thing */
	    || net_setup(box) < 0 /* 06: veth, addresses, route */
	    || release_container(box) < 0) /* 01 */
		return -1;
	return 0;
}

/* The image's layers become the overlay's lower layers, top first. */
static void use_image_layers(struct box *box, const struct opened_image *image)
{
	int i;

	for (i = 0; i < image->layer_count; i++)
		box->layers[i] = image->layers[i];
	box->layer_count = image->layer_count;
}

/* 09-image run [OPTIONS] IMAGE [COMMAND [ARG...]]: step 08's main. */
static int run_image(int argc, char **argv)
{
	static char *command_argv[MAX_ARGV];
	struct opened_image image = {.pin_fd = -1};
	struct box box;
	int status = EXIT_BOXES_FAILED, next;

	exit_unless_parsed(parse_run_options(&box, STEP, argc, argv, &next), STEP,
			   "09-image"); /* 01-09: --help, --version, bad input */
	if (next >= argc) {
		box_error("run needs an IMAGE (see 09-image --help)");
		return EXIT_BOXES_FAILED;
	}
	if (check_capability_options(&box) < 0 /* 08: a bad name, before anything is made */
	    ||
	    check_host_ready(&box, STEP) < 0 /* 01: root, kernel features (an image, no ROOTFS) */
	    || box_prepare(&box) < 0 /* 01: id, hostname; signals held from here */
	    || open_image(argv[next], &image) < 0 /* 09: from the store, pinned */
	    || apply_image_config(&box, &image.config, &argv[next + 1], command_argv, MAX_ARGV) <
		   0) { /* 09: Cmd, Env, WorkingDir, User */
		close_image(&image);
		return EXIT_BOXES_FAILED;
	}
	use_image_layers(&box, &image); /* 09: the overlay's lower layers */
	if (set_up(&box) == 0) {
		status = wait_container(&box); /* 01 */
		status = cgroup_report_oom(&box, status); /* 03: 137 + why */
	} else {
		abort_container(&box);
	}
	overlay_cleanup(&box); /* 04 */
	cgroup_destroy(&box); /* 03 */
	net_cleanup(&box); /* 06: last, the kernel is removing the veth meanwhile */
	close_image(&image); /* 09: rmi may remove its layers now */
	return status;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return run_image(argc - 1, argv + 1);
	fprintf(stderr, "usage: %s run [OPTIONS] IMAGE [COMMAND [ARG...]]\n", argv[0]);
	return EXIT_BOXES_FAILED;
}
