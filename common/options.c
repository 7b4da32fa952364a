/* options.c - one command line for every step, getopt_long(3).
 *
 * Each option names the step that teaches it; a step binary only accepts
 * the options of its own step and the ones before, so --help of 01 stays
 * short and a learner meets each option where its mechanism is taught.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "kernel_features.h"
#include "id.h"
#include "log.h"
#include "options.h"
#include "size.h"

#ifndef BOXES_VERSION
#define BOXES_VERSION "0.1.0"
#endif

enum {
	OPT_TRACE = 256,
	OPT_VERSION,
	OPT_HOSTNAME,
	OPT_INIT,
	OPT_PIDS,
	OPT_CPUS,
	OPT_NET,
	OPT_UIDMAP,
	OPT_GIDMAP,
	OPT_SECCOMP,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
};

struct option_info {
	const char *name;
	int key; /* short letter, or OPT_* */
	const char *arg; /* NULL: takes no argument */
	int step; /* the step that teaches it */
	const char *help;
};

static const struct option_info option_table[] = {
    {"env", 'e', "KEY=VAL", 1, "set an environment variable (-e KEY copies the host's)"},
    {"workdir", 'w', "DIR", 1, "working directory inside the container (default /)"},
    {"trace", OPT_TRACE, NULL, 1, "print each isolation action as it is done"},
    {"help", 'h', NULL, 1, "print this help and exit"},
    {"version", OPT_VERSION, NULL, 1, "print the version and exit"},
    {"hostname", OPT_HOSTNAME, "NAME", 2, "the container's hostname (default: its id)"},
    {"init", OPT_INIT, NULL, 2, "run a tiny init as PID 1 that reaps zombies and forwards signals"},
    {"memory", 'm', "SIZE", 3, "memory limit: 512k, 64M, 1g (swap included)"},
    {"pids-limit", OPT_PIDS, "N", 3, "at most N processes and threads"},
    {"cpus", OPT_CPUS, "N", 3, "CPU time: 0.5 is half of one CPU"},
    {"net", OPT_NET, "MODE", 6,
     "veth (default): own stack, wired to the host; none: lo only;\n"
     "                          host: share the host's stack - DANGEROUS: the container\n"
     "                          reaches every host service, even on 127.0.0.1"},
    {"uidmap", OPT_UIDMAP, "C:H:N", 7,
     "map container uids C.. to host uids H.. (N of them);\n"
     "                          default 0:100000:65536"},
    {"gidmap", OPT_GIDMAP, "C:H:N", 7, "the same for gids (default: as --uidmap)"},
    {"seccomp", OPT_SECCOMP, "MODE", 8, "default: deny dangerous syscalls; unconfined: no filter"},
    {"cap-add", OPT_CAP_ADD, "CAP", 8, "keep a capability beyond the default set (e.g. NET_ADMIN)"},
    {"cap-drop", OPT_CAP_DROP, "CAP", 8, "drop a capability of the default set (ALL for all)"},
};

#define OPTION_COUNT (int)(sizeof(option_table) / sizeof(option_table[0]))

void box_init(struct box *box, int step)
{
	memset(box, 0, sizeof(*box));
	box->step = step;
	box->workdir = "/";
	box->net = NET_VETH;
	box->seccomp = SECCOMP_DEFAULT;
	box->uid_map = (struct id_map){0, 100000, 65536};
	box->gid_map = box->uid_map;
	box->container_pid = -1;
	box->sync_fd = -1;
}

void print_usage(int step, const char *program, FILE *out)
{
	int i;

	fprintf(
	    out,
	    "Usage: %s [OPTIONS] ROOTFS COMMAND [ARG...]\n\n"
	    "Run COMMAND in a container whose root is ROOTFS (step %02d of boxes).\n\nOptions:\n",
	    program, step);
	for (i = 0; i < OPTION_COUNT; i++) {
		const struct option_info *opt = &option_table[i];
		char left[64];

		if (opt->step > step)
			continue;
		if (opt->key < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opt->key, opt->name,
				 opt->arg ? " " : "", opt->arg ? opt->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opt->name, opt->arg ? " " : "",
				 opt->arg ? opt->arg : "");
		fprintf(out, "  %-24s%s\n", left, opt->help);
	}
	fprintf(
	    out,
	    "\nExit status: the command's own; 128+N if signal N killed it (137: also\n"
	    "out of memory); 125 if boxes failed; 126 if COMMAND can't run; 127 if not found.\n");
}

/* "C:H:N", three whole numbers, N > 0. */
int parse_id_map(const char *text, struct id_map *map)
{
	unsigned long inside, outside, count;
	char tail;

	if (!text || sscanf(text, "%lu:%lu:%lu%c", &inside, &outside, &count, &tail) != 3 ||
	    strchr(text, '-') || count == 0 || count > UINT32_MAX || inside > UINT32_MAX - count ||
	    outside > UINT32_MAX - count)
		return -1;
	*map = (struct id_map){inside, outside, count};
	return 0;
}

/* The option this argument names, when it exists in a later step. */
static const struct option_info *later_option(const char *arg)
{
	int i;

	while (*arg == '-')
		arg++;
	for (i = 0; i < OPTION_COUNT; i++) {
		size_t len = strlen(option_table[i].name);

		if (strncmp(arg, option_table[i].name, len) == 0 &&
		    (arg[len] == '\0' || arg[len] == '='))
			return &option_table[i];
		if (arg[0] == option_table[i].key && arg[1] == '\0')
			return &option_table[i];
	}
	return NULL;
}

static int unknown_option(int step, const char *arg)
{
	const struct option_info *later = later_option(arg);

	if (later && later->step > step)
		box_error("unknown option %s: --%s arrives in step %02d (see --help)", arg,
			  later->name, later->step);
	else if (strcmp(arg, "-i") == 0 || strcmp(arg, "-t") == 0)
		box_error("unknown option %s: boxes has no -i/-t, the command already runs on "
			  "your terminal (see --help)",
			  arg);
	else
		box_error("unknown option %s (see --help)", arg);
	return -1;
}

static int set_option(struct box *box, int key, const char *value)
{
	switch (key) {
	case 'e':
		if (box->env_count >= BOX_MAX_ENV) {
			box_error("-e: at most %d variables", BOX_MAX_ENV);
			return -1;
		}
		if (!*value || *value == '=') {
			box_error("-e %s: expected KEY=VALUE or KEY", value);
			return -1;
		}
		box->env_extra[box->env_count++] = value;
		return 0;
	case 'w':
		if (value[0] != '/') {
			box_error("-w %s: the working directory must be an absolute path", value);
			return -1;
		}
		box->workdir = value;
		return 0;
	case OPT_TRACE:
		box->trace = true;
		return 0;
	case OPT_HOSTNAME:
		if (!*value || strlen(value) > 64) {
			box_error("--hostname '%s': must be 1 to 64 characters", value);
			return -1;
		}
		box->hostname = value;
		return 0;
	case OPT_INIT:
		box->init = true;
		return 0;
	case 'm':
		if (parse_size(value, &box->memory_bytes) == 0)
			return 0;
		box_error("--memory '%s': not a size (use bytes or a unit: 512k, 64M, 1g)", value);
		return -1;
	case OPT_PIDS:
		if (parse_count(value, &box->pids_limit) == 0)
			return 0;
		box_error("--pids-limit '%s': expected a whole number above 0", value);
		return -1;
	case OPT_CPUS:
		if (parse_cpus(value, &box->cpu_quota_us, &box->cpu_period_us) == 0)
			return 0;
		box_error("--cpus '%s': expected a number of CPUs from 0.01 to 1000, e.g. 0.5",
			  value);
		return -1;
	case OPT_NET:
		if (strcmp(value, "veth") == 0)
			box->net = NET_VETH;
		else if (strcmp(value, "none") == 0)
			box->net = NET_NONE;
		else if (strcmp(value, "host") == 0)
			box->net = NET_HOST;
		else {
			box_error("--net '%s': expected veth, none or host", value);
			return -1;
		}
		return 0;
	case OPT_UIDMAP:
	case OPT_GIDMAP: {
		struct id_map map;

		if (parse_id_map(value, &map) < 0) {
			box_error("--%s '%s': expected CONTAINER:HOST:COUNT, e.g. 0:100000:65536",
				  key == OPT_UIDMAP ? "uidmap" : "gidmap", value);
			return -1;
		}
		if (key == OPT_GIDMAP)
			box->gid_map = map;
		else
			box->uid_map = map;
		return 0;
	}
	case OPT_SECCOMP:
		if (strcmp(value, "default") == 0)
			box->seccomp = SECCOMP_DEFAULT;
		else if (strcmp(value, "unconfined") == 0)
			box->seccomp = SECCOMP_UNCONFINED;
		else {
			box_error("--seccomp '%s': expected default or unconfined", value);
			return -1;
		}
		return 0;
	case OPT_CAP_ADD:
	case OPT_CAP_DROP: {
		const char **list = key == OPT_CAP_ADD ? box->cap_add : box->cap_drop;
		int *count = key == OPT_CAP_ADD ? &box->cap_add_count : &box->cap_drop_count;

		if (*count >= BOX_MAX_CAPS) {
			box_error("too many --cap-add/--cap-drop");
			return -1;
		}
		list[(*count)++] = value;
		return 0;
	}
	}
	return -1;
}

int parse_run_options(struct box *box, int step, int argc, char **argv, int *next)
{
	struct option long_options[OPTION_COUNT + 1];
	char short_options[32] = "+:"; /* stop at ROOTFS; report missing args */
	int count = 0, i, key;
	bool gidmap_given = false;

	box_init(box, step);
	for (i = 0; i < OPTION_COUNT; i++) {
		const struct option_info *opt = &option_table[i];

		if (opt->step > step)
			continue;
		long_options[count++] = (struct option){
		    opt->name, opt->arg ? required_argument : no_argument, NULL, opt->key};
		if (opt->key < 256) {
			size_t len = strlen(short_options);

			short_options[len] = (char)opt->key;
			short_options[len + 1] = opt->arg ? ':' : '\0';
			short_options[len + 2] = '\0';
		}
	}
	long_options[count] = (struct option){0};
	opterr = 0;
	/* 0, not 1: getopt(3) then forgets where it was in the last argv it
	 * read (in the middle of "-xe", after an error), and reads "+" again */
	optind = 0;
	while ((key = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		if (key == '?' || key == ':') {
			/* optopt is the letter of a bad short option ("-it" -> 'i');
			 * 0 for a long one, which is the whole previous argument. */
			char short_name[3] = {'-', (char)optopt, '\0'};
			const char *name = optopt ? short_name : argv[optind - 1];

			if (key == '?')
				return unknown_option(step, name);
			box_error("option %s needs a value (see --help)", name);
			return -1;
		}
		if (key == 'h') {
			print_usage(step, argv[0], stdout);
			exit(0);
		}
		if (key == OPT_VERSION) {
			printf("boxes %s (step %02d)\n", BOXES_VERSION, step);
			exit(0);
		}
		if (key == OPT_GIDMAP)
			gidmap_given = true;
		if (set_option(box, key, optarg) < 0)
			return -1;
	}
	if (!gidmap_given)
		box->gid_map = box->uid_map;
	*next = optind;
	return 0;
}

static void check_rootfs(struct box *box)
{
	struct stat st;

	if (stat(box->rootfs, &st) < 0)
		box_die("rootfs %s: %s", box->rootfs, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		box_die("rootfs %s: not a directory", box->rootfs);
	if (!realpath(box->rootfs, box->rootfs_abs))
		box_die("rootfs %s: %s", box->rootfs, strerror(errno));
}

void parse_options(struct box *box, int step, const char *program, int argc, char **argv)
{
	int next;

	if (parse_run_options(box, step, argc, argv, &next) < 0)
		exit(EXIT_BOXES_FAILED);
	if (argc - next < 2) {
		fprintf(stderr, "boxes: %s ROOTFS and COMMAND\n",
			argc - next < 1 ? "missing" : "missing COMMAND after");
		print_usage(step, program, stderr);
		exit(EXIT_BOXES_FAILED);
	}
	box->rootfs = argv[next];
	box->argv = &argv[next + 1];
	if (geteuid() != 0)
		box_die("%s must run as root: it creates namespaces, mounts and cgroups (try sudo)",
			program);
	check_rootfs(box);
	if (require_features(step) < 0)
		exit(EXIT_BOXES_FAILED);
	if (make_container_id(box->id) < 0)
		exit(EXIT_BOXES_FAILED);
	if (!box->hostname && step >= 2) /* 01 shares the host's hostname */
		box->hostname = box->id;
	if (box->trace)
		trace_enable();
	hold_signals(); /* from here on the runtime makes things it must undo */
}
