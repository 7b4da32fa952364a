/* options.h - the command line every step binary shares.
 *
 * Options appear at the step that teaches them and stay in every later
 * step, with docker run's names: --hostname (02), --memory/--pids-limit/
 * --cpus (03), --net (06), --uidmap/--gidmap (07), --seccomp/--cap-add/
 * --cap-drop (08). An option of a later step is "unknown" to an earlier one.
 */
#ifndef BOXES_OPTIONS_H
#define BOXES_OPTIONS_H

#include <stdio.h>

#include "box.h"

/* Parses "[OPTIONS] ROOTFS COMMAND [ARG...]" into box. Prints --help or
 * --version and exits 0; on bad input prints one clear line and exits 125.
 * Also checks that we are root and ROOTFS is a directory, and picks the
 * container id and default hostname. */
void parse_options(struct box *box, int step, const char *program, int argc, char **argv);

/* The same, without the root and ROOTFS checks, returning 0 / -1 (after
 * printing the error) instead of exiting: for unit tests and for 09/10,
 * which take the options of `run` after a sub-command. *next is set to
 * the index of the first non-option argument. */
int parse_run_options(struct box *box, int step, int argc, char **argv, int *next);

/* After parse_run_options, for 09/10 (parse_options does it for 01-08):
 * check that we are root and the kernel has what STEP needs, pick the
 * container id and default hostname, turn on --trace, hold signals. 0, or
 * -1 after one line saying what is missing. */
int prepare_run(struct box *box, int step, const char *program);

/* The help text of one step ("Usage: ...", its options). */
void print_usage(int step, const char *program, FILE *out);

/* "C:H:N" (--uidmap) into map. 0 or -1. */
int parse_id_map(const char *text, struct id_map *map);

/* Defaults of a fresh box for this step. */
void box_init(struct box *box, int step);

#endif
