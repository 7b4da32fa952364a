/* 09-image: run what `docker save` and `podman save` write.
 *
 *     build/bin/09-image load [-i FILE]               a docker-save or OCI archive (.gz, .zst too)
 *     build/bin/09-image import FILE.tar NAME[:TAG]   a rootfs tar as a one-layer image
 *     build/bin/09-image save -o FILE NAME[:TAG]      a docker-save archive
 *     build/bin/09-image images                       what the store holds
 *     build/bin/09-image inspect NAME[:TAG]           config and layers, JSON
 *     build/bin/09-image rmi NAME[:TAG]               untag; drop layers nothing uses
 *     build/bin/09-image run [OPTIONS] NAME[:TAG] [COMMAND [ARG...]]
 *
 * New over 08: a local image store (store.c) that load fills from an
 * archive (load.c), layer by layer, each extracted once and safely
 * (extract.c); run stacks an image's layers as the overlay's lower layers
 * and applies its config.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#include "09-image/image.h"
#include "09-image/load.h"
#include "09-image/run.h"
#include "09-image/save.h"
#include "09-image/store.h"

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
	if (strcmp(verb, "run") == 0)
		return run_image(store, argc, argv); /* 01-08 + 09: run.c */
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
