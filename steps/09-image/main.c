/* 09-image: run a real image - a config and a stack of layers.
 *
 *     build/bin/09-image load [-i FILE]               a docker-save or OCI archive (.gz, .zst too)
 *     build/bin/09-image import FILE.tar NAME[:TAG]   a rootfs tar as a one-layer image
 *     build/bin/09-image save -o FILE NAME[:TAG]      a docker-save archive
 *     build/bin/09-image images                       what the store holds
 *     build/bin/09-image inspect NAME[:TAG]           config and layers, JSON
 *     build/bin/09-image rmi NAME[:TAG]               untag; drop layers nothing uses
 *     build/bin/09-image run [OPTIONS] IMAGE[:TAG] [COMMAND [ARG...]]
 *
 * New over 08: the root is no longer one hand-made directory but an
 * image's layers from the local store (store.c), which load fills from an
 * archive (load.c), each layer extracted once and safely (extract.c). run
 * stacks them as the overlay's lower layers (each idmapped on its own, as
 * 07 did for one), and the image's config supplies the command,
 * environment, working directory and user. Everything else is step 08's
 * recipe, unchanged.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
#include "08-seccomp/privileges.h"
#include "08-seccomp/seccomp.h"
#include "09-image/image.h"
#include "09-image/image_open.h"
#include "09-image/load.h"
#include "09-image/run_config.h"
#include "09-image/save.h"
#include "09-image/store.h"
#include "09-image/user.h"

#define STEP 9
#define MAX_ARGV 256

/* What a killed run of this step may leave, and the step that undoes it. */
static const struct sweeper sweepers[] = {SWEEPERS_03, SWEEPERS_06, {NULL, NULL}}; /* 03, 06 */

static int container_main(struct box *box)
{
	if (wait_for_parent(box) < 0 /* 01, 03, 06, 07: maps are written */
	    || become_root() < 0 /* 07: uid 0 of our namespace */
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

	if (state_create(box) < 0 /* 01: BOXES_RUN/<id>, locked while we run */
	    || cgroup_create(box) < 0 /* 03: limits first */
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

	/* 01-09: --help, --version and bad input end here */
	exit_unless_parsed(parse_run_options(&box, STEP, argc, argv, &next), STEP, "09-image");
	if (next >= argc) {
		box_error("run needs an IMAGE (see 09-image --help)");
		return EXIT_BOXES_FAILED;
	}
	if (check_capability_options(&box) < 0 /* 08: bad names, before anything is made */
	    || check_host_ready(&box, STEP) < 0 /* 01: root, kernel (an image, no ROOTFS) */
	    || box_prepare(&box) < 0 /* 01: id, hostname; signals held from here */
	    || open_image(argv[next], &image) < 0 /* 09: from the store, pinned */
	    || apply_image_config(&box, &image.config, &argv[next + 1], command_argv,
				  MAX_ARGV) /* 09: Cmd, Env, WorkingDir, User */
		   < 0) {
		close_image(&image);
		return EXIT_BOXES_FAILED;
	}
	use_image_layers(&box, &image); /* 09: the overlay's lower layers */
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
	close_image(&image); /* 09: rmi may remove its layers now */
	return status;
}

#ifndef BOXES_VERSION
#define BOXES_VERSION "0.1.0"
#endif

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: 09-image COMMAND\n\n"
	    "Images as docker has them, run as boxes does (step 09 of boxes).\n\n"
	    "Commands:\n"
	    "  load [-i FILE]              load a docker-save or OCI archive (stdin without -i)\n"
	    "  import FILE.tar NAME[:TAG]  a plain rootfs tar as a one-layer image\n"
	    "  save -o FILE NAME[:TAG]     write a docker-save archive\n"
	    "  images                      list the images of the store\n"
	    "  inspect NAME[:TAG]          the image's config and layers, as JSON\n"
	    "  rmi NAME[:TAG]              untag; remove the layers no image uses\n"
	    "  run [OPTIONS] NAME[:TAG] [COMMAND [ARG...]]\n"
	    "                              run it in a container (run --help: the options)\n\n"
	    "NAME is docker's: nginx means docker.io/library/nginx:latest; an image id\n"
	    "prefix works too. The store is BOXES_ROOT (default /var/lib/boxes).\n\n"
	    "Exit status: 0; 125 if boxes failed; run: the command's own, as docker run.\n");
}

/* "VERB ARG..." must have exactly count arguments. */
static int want_args(int argc, int count, const char *synopsis)
{
	if (argc - 1 == count)
		return 0;
	box_error("%s: usage: 09-image %s", synopsis, synopsis);
	return -1;
}

static int verb_load(struct store *store, int argc, char **argv)
{
	if (argc == 1)
		return load_archive(store, NULL); /* stdin */
	if (argc == 3 && (strcmp(argv[1], "-i") == 0 || strcmp(argv[1], "--input") == 0))
		return load_archive(store, argv[2]);
	box_error("load: usage: 09-image load [-i FILE] (stdin when no -i)");
	return EXIT_BOXES_FAILED;
}

static int verb_save(struct store *store, int argc, char **argv)
{
	if (argc == 4 && (strcmp(argv[1], "-o") == 0 || strcmp(argv[1], "--output") == 0))
		return save_image(store, argv[2], argv[3]);
	box_error("save: usage: 09-image save -o FILE NAME[:TAG]");
	return EXIT_BOXES_FAILED;
}

static int run_verb(struct store *store, int argc, char **argv)
{
	const char *verb = argv[0];

	if (strcmp(verb, "load") == 0)
		return verb_load(store, argc, argv); /* 09: load.c */
	if (strcmp(verb, "import") == 0)
		return want_args(argc, 2, "import FILE.tar NAME[:TAG]") < 0
			   ? EXIT_BOXES_FAILED
			   : import_rootfs(store, argv[1], argv[2]); /* 09: load.c */
	if (strcmp(verb, "save") == 0)
		return verb_save(store, argc, argv); /* 09: save.c */
	if (strcmp(verb, "images") == 0)
		return want_args(argc, 0, "images") < 0 ? EXIT_BOXES_FAILED
							: images_list(store); /* 09: image.c */
	if (strcmp(verb, "inspect") == 0)
		return want_args(argc, 1, "inspect NAME[:TAG]") < 0
			   ? EXIT_BOXES_FAILED
			   : image_inspect(store, argv[1]); /* 09: image.c */
	if (strcmp(verb, "rmi") == 0)
		return want_args(argc, 1, "rmi NAME[:TAG]") < 0
			   ? EXIT_BOXES_FAILED
			   : image_remove(store, argv[1]); /* 09: image.c */
	box_error("unknown command \"%s\": see 09-image --help", verb);
	return EXIT_BOXES_FAILED;
}

int main(int argc, char **argv)
{
	struct store store;
	int status;

	if (argc < 2) {
		usage(stderr);
		return EXIT_BOXES_FAILED;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return run_image(argc - 1, argv + 1); /* 01-08, 09: a container of the image */
	if (strcmp(argv[1], "--version") == 0) {
		printf("boxes %s (step 09)\n", BOXES_VERSION);
		return 0;
	}
	if (geteuid() != 0) { /* the store keeps the images' owners: root's work */
		box_error("09-image must run as root (sudo), the store %s is root's", store_root());
		return EXIT_BOXES_FAILED;
	}
	if (store_open(&store) < 0) /* 09: BOXES_ROOT */
		return EXIT_BOXES_FAILED;
	status = run_verb(&store, argc - 1, argv + 1);
	store_close(&store);
	return status;
}
