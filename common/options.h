/* options.h - the command line every step binary shares.
 *
 * Options appear at the step that teaches them and stay in every later
 * step, with docker run's names: --hostname (02), --memory/--pids-limit/
 * --cpus (03), --net (06), --uidmap/--gidmap (07), --seccomp/--cap-add/
 * --cap-drop (08). An option of a later step is "unknown" to an earlier one.
 *
 * Parsing only reads and validates the command line: whether this host can
 * run the step (root, the rootfs, the kernel) is ready.h's business.
 */
#ifndef BOXES_OPTIONS_H
#define BOXES_OPTIONS_H

#include <stdio.h>

#include "box.h"

/* What parse_run_options found, besides an error (-1). */
enum {
	OPTIONS_PARSED = 0, /* box is filled; run it */
	OPTIONS_HELP = 1, /* -h/--help was given: print the usage, exit 0 */
	OPTIONS_VERSION = 2, /* --version was given: print it, exit 0 */
};

/* For main: "[OPTIONS] ROOTFS COMMAND [ARG...]" into box (box->rootfs as
 * given, box->argv). Prints --help or --version and exits 0; on bad input
 * prints one line and exits 125. Checks nothing about the host. */
void parse_options(struct box *box, int step, const char *program, int argc, char **argv);

/* The options alone, from argv[1] up to the first argument that is not an
 * option (*next is set to its index): box_init, then each option checked
 * and stored. Never exits; prints nothing but errors (and the warning for
 * a map onto host root). Returns one of OPTIONS_* above, or -1 after
 * printing one line. For unit tests, and for 09/10, which take the options
 * of `run` after a sub-command and then an image instead of a ROOTFS. */
int parse_run_options(struct box *box, int step, int argc, char **argv, int *next);

/* For a main after parse_run_options: return if it said OPTIONS_PARSED;
 * else print the usage (step 09 on: of `run`) or the version and exit 0,
 * or exit 125 after its error. Then check_host_ready and box_prepare
 * (ready.h), as parse_options's callers do. */
void exit_unless_parsed(int parsed, int step, const char *program);

/* The help text of one step ("Usage: ...", its options). */
void print_usage(int step, const char *program, FILE *out);

/* "C:H:N" (--uidmap) into map: 0, or -1 with *problem set to what is
 * wrong ("COUNT must be 1 to 4294967295"). problem may be NULL. */
int parse_id_map(const char *text, struct id_map *map, const char **problem);

/* NULL if name is a valid hostname (RFC 1123: labels of letters, digits
 * and '-', not starting or ending with '-', dot-separated, at most 63
 * characters each, 64 in all), else what is wrong with it. */
const char *hostname_problem(const char *name);

/* Defaults of a fresh box for this step. */
void box_init(struct box *box, int step);

#endif
