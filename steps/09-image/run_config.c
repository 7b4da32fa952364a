/* run_config.c - step 09: docker's rules for an image's Entrypoint, Cmd,
 * Env, WorkingDir and User (see run_config.h). */
#include <string.h>

#include "09-image/run_config.h"
#include "log.h"

static int count_of(char **list)
{
	int count = 0;

	while (list && list[count])
		count++;
	return count;
}

/* Append list to argv at *used; -1 when argv is full. */
static int append(char **argv, int *used, int argv_max, char **list)
{
	int i;

	for (i = 0; list && list[i]; i++) {
		if (*used >= argv_max - 1)
			return -1;
		argv[(*used)++] = list[i];
	}
	argv[*used] = NULL;
	return 0;
}

static int build_argv(struct box *box, const struct image_run_config *image, char **command,
		      char **argv, int argv_max)
{
	char *given_entrypoint[2] = {(char *)box->entrypoint, NULL};
	char **entrypoint = image->entrypoint, **arguments = image->cmd;
	int used = 0;

	argv[0] = NULL;
	/* LAB: build_argv
	 * The command the container runs, as docker does: the image's Entrypoint
	 * then its Cmd; a COMMAND given after the image replaces Cmd; --entrypoint
	 * X replaces Entrypoint and drops Cmd ("" means none). Error when empty.
	 * Read the OCI image spec, config.md (Entrypoint, Cmd). Tests: run
	 * IMAGE runs its Cmd; run IMAGE cmd replaces it; --entrypoint wins.
	 */
	if (box->entrypoint) {
		/* docker run --entrypoint X: X alone, without the image's Cmd
		 * (its Cmd was written for its own entrypoint); "" means none. */
		entrypoint = box->entrypoint[0] ? given_entrypoint : NULL;
		arguments = NULL;
	}
	if (count_of(command) > 0)
		arguments = command; /* docker run IMAGE cmd...: replaces Cmd */
	if (append(argv, &used, argv_max, entrypoint) < 0 ||
	    append(argv, &used, argv_max, arguments) < 0) {
		box_error("the command has more than %d words", argv_max - 1);
		return -1;
	}
	if (used == 0) {
		box_error("no command: the image sets no Entrypoint or Cmd; give one after "
			  "the image name");
		return -1;
	}
	box->argv = argv;
	return 0;
	/* LAB END */
}

/* The image's Env goes before -e, so that -e KEY=VAL wins. */
static int merge_environment(struct box *box, const struct image_run_config *image)
{
	int from_image = count_of(image->env), i;

	if (from_image + box->env_count > BOX_MAX_ENV) {
		box_error("too many environment variables: the image sets %d, -e %d, at most %d",
			  from_image, box->env_count, BOX_MAX_ENV);
		return -1;
	}
	memmove(&box->env_extra[from_image], &box->env_extra[0],
		(size_t)box->env_count * sizeof(box->env_extra[0]));
	for (i = 0; i < from_image; i++)
		box->env_extra[i] = image->env[i];
	box->env_count += from_image;
	return 0;
}

int apply_image_config(struct box *box, const struct image_run_config *image, char **command,
		       char **argv, int argv_max)
{
	if (build_argv(box, image, command, argv, argv_max) < 0 ||
	    merge_environment(box, image) < 0)
		return -1;
	/* -w wins, also -w / (docker run -w / in an image whose WorkingDir is /srv runs in /). */
	if (!box->workdir_given && image->working_dir && image->working_dir[0])
		box->workdir = image->working_dir;
	if (!box->user && image->user && image->user[0])
		box->user = image->user;
	return 0;
}
