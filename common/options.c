/* options.c - one command line for every step, getopt_long(3).
 *
 * Each option names the step that teaches it; a step binary only accepts
 * the options of its own step and the ones before, so --help of 01 stays
 * short and a learner meets each option where its mechanism is taught.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	OPT_STOP_TIMEOUT,
	OPT_PIDS,
	OPT_CPUS,
	OPT_CPU_SHARES,
	OPT_NET,
	OPT_UIDMAP,
	OPT_GIDMAP,
	OPT_SECCOMP,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_ENTRYPOINT,
	OPT_RM,
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
    {"stop-timeout", OPT_STOP_TIMEOUT, "SECS", 2,
     "after SIGINT/SIGTERM, wait SECS for the container to stop,\n"
     "                          then SIGKILL it (default 10)"},
    {"memory", 'm', "SIZE", 3, "memory limit: 512k, 64M, 1g (swap included)"},
    {"pids-limit", OPT_PIDS, "N", 3, "at most N processes and threads"},
    {"cpus", OPT_CPUS, "N", 3, "CPU time: 0.5 is half of one CPU"},
    {"cpu-shares", OPT_CPU_SHARES, "N", 3,
     "CPU share against other containers when the CPU is busy,\n"
     "                          2 to 262144 (default 1024: 512 gets half as much)"},
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
    {"user", 'u', "USER[:GROUP]", 9, "run as this user of the image (name or uid), not root"},
    {"entrypoint", OPT_ENTRYPOINT, "CMD", 9, "run CMD instead of the image's entrypoint"},
    {"rm", OPT_RM, NULL, 9,
     "remove the container when it exits (always so: accepted for docker's sake)"},
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
	box->cgroup_fd = -1;
}

/* Only the lines of the options that step knows. */
static void print_option_list(int step, FILE *out)
{
	int i;

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
}

void print_usage(int step, const char *program, FILE *out)
{
	if (step >= 9)
		fprintf(out,
			"Usage: %s run [OPTIONS] IMAGE[:TAG] [COMMAND [ARG...]]\n\n"
			"Run a container of IMAGE from the local store (step %02d of boxes).\n\n"
			"Options:\n",
			program, step);
	else
		fprintf(out,
			"Usage: %s [OPTIONS] ROOTFS COMMAND [ARG...]\n\n"
			"Run COMMAND in a container whose root is ROOTFS (step %02d of boxes).\n\n"
			"Options:\n",
			program, step);
	print_option_list(step, out);
	fprintf(
	    out,
	    "\nExit status: the command's own; 128+N if signal N killed it (137: also\n"
	    "out of memory); 125 if boxes failed; 126 if COMMAND can't run; 127 if not found.\n");
}

/* One whole number of a "C:H:N" map, digits only, ending at stop. */
static int parse_map_number(const char **text, char stop, unsigned long long *number)
{
	char *end;

	if (!isdigit((unsigned char)**text))
		return -1;
	errno = 0;
	*number = strtoull(*text, &end, 10);
	if (errno || *end != stop)
		return -1;
	*text = end + (stop ? 1 : 0);
	return 0;
}

/* "C:H:N", three whole numbers. The kernel's ids are 32-bit and
 * 4294967295 is (uid_t)-1, "no id": a range must end below it, or the
 * kernel refuses the map line (user_namespaces(7)) - or, for a count
 * beyond 32 bits, a sloppier parser would cut it short without a word. */
int parse_id_map(const char *text, struct id_map *map, const char **problem)
{
	unsigned long long inside, outside, count;
	const char *why = NULL;

	if (!text || parse_map_number(&text, ':', &inside) < 0 ||
	    parse_map_number(&text, ':', &outside) < 0 || parse_map_number(&text, '\0', &count) < 0)
		why = "expected CONTAINER:HOST:COUNT, three whole numbers, e.g. 0:100000:65536";
	else if (count == 0 || count > UINT32_MAX)
		why = "COUNT must be 1 to 4294967295";
	else if (inside + count > UINT32_MAX)
		why = "CONTAINER+COUNT must be at most 4294967295 (ids are 32-bit)";
	else if (outside + count > UINT32_MAX)
		why = "HOST+COUNT must be at most 4294967295 (ids are 32-bit)";
	if (problem)
		*problem = why;
	if (why)
		return -1;
	*map = (struct id_map){inside, outside, count};
	return 0;
}

/* RFC 1123 host names, what resolvers and logs expect. sethostname(2)
 * itself takes any bytes: a newline or a space in the name would forge
 * lines in every log or file that prints it. */
const char *hostname_problem(const char *name)
{
	size_t label = 0, i, length = strlen(name);

	if (length == 0)
		return "it is empty";
	if (length > 64) /* the kernel's limit (__NEW_UTS_LEN), below RFC 1123's 253 */
		return "longer than 64 characters";
	for (i = 0; i < length; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return "a label between dots is empty";
			if (name[i - 1] == '-')
				return "a label ends with '-'";
			label = 0;
		} else if (isalnum(c) || c == '-') {
			if (c == '-' && label == 0)
				return "a label starts with '-'";
			if (++label > 63)
				return "a label is longer than 63 characters";
		} else {
			return "only letters, digits, '-' and '.' are allowed";
		}
	}
	if (label == 0)
		return "it ends with '.'";
	if (name[length - 1] == '-')
		return "a label ends with '-'";
	return NULL;
}

/* A value for an error line: a control character (a newline above all)
 * would break the one line in two, so the line shows it as '?' (and at
 * most 79 characters of it). */
static const char *printable(const char *value)
{
	static char shown[80];
	size_t i;

	for (i = 0; value[i] && i < sizeof(shown) - 1; i++)
		shown[i] = iscntrl((unsigned char)value[i]) ? '?' : value[i];
	shown[i] = '\0';
	return shown;
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

static int unknown_option(int step, const char *name)
{
	const struct option_info *later = later_option(name);
	const char *arg = printable(name);

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

/* --uidmap/--gidmap. A map that gives host id 0 to the container is
 * allowed - a learner may want to see step 07 undone - but said out loud. */
static int set_id_map(struct id_map *map, const char *option, const char *value)
{
	const char *problem;

	if (parse_id_map(value, map, &problem) < 0) {
		box_error("--%s '%s': %s", option, printable(value), problem);
		return -1;
	}
	if (map->outside == 0)
		box_error("warning: --%s %s maps container %cid %lu to host %cid 0: that "
			  "container user is host root again, undoing step 07",
			  option, value, option[0], map->inside, option[0]);
	return 0;
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
			box_error("-e %s: expected KEY=VALUE or KEY", printable(value));
			return -1;
		}
		box->env_extra[box->env_count++] = value;
		return 0;
	case 'w':
		if (value[0] != '/') {
			box_error("-w %s: the working directory must be an absolute path",
				  printable(value));
			return -1;
		}
		box->workdir = value;
		box->workdir_given = true;
		return 0;
	case OPT_TRACE:
		box->trace = true;
		return 0;
	case OPT_HOSTNAME: {
		const char *problem = hostname_problem(value);

		if (problem) {
			box_error("--hostname '%s': %s; a hostname is letters, digits and '-' in "
				  "labels of 1 to 63 separated by '.', at most 64 characters",
				  printable(value), problem);
			return -1;
		}
		box->hostname = value;
		return 0;
	}
	case OPT_INIT:
		box->init = true;
		return 0;
	case OPT_STOP_TIMEOUT:
		if (parse_count(value, &box->stop_timeout_s) == 0)
			return 0;
		box_error("--stop-timeout '%s': expected a whole number of seconds above 0", value);
		return -1;
	case 'm':
		if (parse_size(value, &box->memory_bytes) == 0)
			return 0;
		box_error("--memory '%s': not a size (use bytes or a unit: 512k, 64M, 1g)",
			  printable(value));
		return -1;
	case OPT_PIDS: /* above the kernel's pid_max: cgroup_create (03) says so */
		if (parse_count(value, &box->pids_limit) == 0)
			return 0;
		box_error("--pids-limit '%s': expected a whole number above 0", printable(value));
		return -1;
	case OPT_CPUS:
		if (parse_cpus(value, &box->cpu_quota_us, &box->cpu_period_us) == 0)
			return 0;
		box_error("--cpus '%s': expected a number of CPUs from 0.01 to 1000, in decimal, "
			  "e.g. 0.5",
			  printable(value));
		return -1;
	case OPT_CPU_SHARES:
		if (parse_count(value, &box->cpu_shares) == 0 && box->cpu_shares >= 2 &&
		    box->cpu_shares <= 262144)
			return 0;
		box_error("--cpu-shares '%s': expected a whole number from 2 to 262144 "
			  "(1024 is the default share)",
			  printable(value));
		return -1;
	case OPT_NET:
		if (strcmp(value, "veth") == 0)
			box->net = NET_VETH;
		else if (strcmp(value, "none") == 0)
			box->net = NET_NONE;
		else if (strcmp(value, "host") == 0)
			box->net = NET_HOST;
		else {
			box_error("--net '%s': expected veth, none or host", printable(value));
			return -1;
		}
		return 0;
	case OPT_UIDMAP:
		return set_id_map(&box->uid_map, "uidmap", value);
	case OPT_GIDMAP:
		return set_id_map(&box->gid_map, "gidmap", value);
	case OPT_SECCOMP:
		if (strcmp(value, "default") == 0)
			box->seccomp = SECCOMP_DEFAULT;
		else if (strcmp(value, "unconfined") == 0)
			box->seccomp = SECCOMP_UNCONFINED;
		else {
			box_error("--seccomp '%s': expected default or unconfined",
				  printable(value));
			return -1;
		}
		return 0;
	case 'u':
		if (!*value || strchr(value, '\n')) {
			box_error("--user '%s': expected NAME, UID, NAME:GROUP or UID:GID", value);
			return -1;
		}
		box->user = value;
		return 0;
	case OPT_ENTRYPOINT:
		box->entrypoint = value;
		return 0;
	case OPT_RM:
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
		if (key == 'h')
			return OPTIONS_HELP;
		if (key == OPT_VERSION)
			return OPTIONS_VERSION;
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

void exit_unless_parsed(int parsed, int step, const char *program)
{
	switch (parsed) {
	case OPTIONS_PARSED:
		return;
	case OPTIONS_HELP:
		print_usage(step, program, stdout);
		exit(0);
	case OPTIONS_VERSION:
		printf("boxes %s (step %02d)\n", BOXES_VERSION, step);
		exit(0);
	default:
		exit(EXIT_BOXES_FAILED);
	}
}

void parse_options(struct box *box, int step, const char *program, int argc, char **argv)
{
	int next;

	exit_unless_parsed(parse_run_options(box, step, argc, argv, &next), step, program);
	/* One line, as docker run does, rather than the whole usage text. */
	if (argc - next < 2)
		box_die("%s: usage: %s [OPTIONS] ROOTFS COMMAND [ARG...] (see %s --help)",
			argc - next < 1 ? "missing ROOTFS and COMMAND"
					: "missing COMMAND after ROOTFS",
			program, program);
	box->rootfs = argv[next];
	box->argv = &argv[next + 1];
}
