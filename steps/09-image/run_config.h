/* run_config.h - step 09: an image's config turned into what step 08 runs.
 *
 * An image carries defaults for the container (the "config" object of its
 * config JSON, see the OCI image spec, config.md): Env, Entrypoint, Cmd,
 * WorkingDir, User. `docker run` merges them with its command line by a few
 * rules, which boxes follows; this file is those rules and nothing else, so
 * the unit tests can check them without an image.
 */
#ifndef BOXES_RUN_CONFIG_H
#define BOXES_RUN_CONFIG_H

#include "box.h"

/* The parts of an image's config that `run` applies. Lists are NULL-
 * terminated; NULL for a list or a string means the image does not set it. */
struct image_run_config {
	char **env; /* "KEY=VAL" */
	char **entrypoint;
	char **cmd;
	const char *working_dir;
	const char *user;
};

/* Fill box->argv, env_extra, workdir and user from the image's config and
 * what the command line gave (box->entrypoint, -e, -w, -u; command is the
 * COMMAND [ARG...] after the image name, NULL-terminated, maybe empty):
 *  - argv = entrypoint + (command if given, else Cmd); --entrypoint
 *    replaces the image's Entrypoint and also drops its Cmd, as docker does;
 *  - the image's Env first, then -e (a later KEY wins);
 *  - -w, else WorkingDir, else "/"; -u, else User, else root.
 * argv points into storage (argv_max entries). 0, or -1 after one line
 * saying what is missing ("no command") or too large. */
int apply_image_config(struct box *box, const struct image_run_config *image, char **command,
		       char **argv, int argv_max);

#endif
