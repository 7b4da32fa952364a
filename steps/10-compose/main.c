/* 10-compose: several containers from one compose file.
 *
 *     build/bin/10-compose [-f FILE] [-p NAME] VERB [ARGS...]
 *
 * New over 09: a file names the containers (services) and how they fit
 * together - ports, volumes, depends_on - and one command starts them all.
 * The file half is written: compose_load() reads, interpolates and checks
 * the file into a plain model (compose_file.h), and `config` prints that
 * model. up starts every service as a step-09 container on the project's
 * bridge under a small supervisor (supervisor.c); ps, logs, stop, start
 * and down work from the state it leaves (runtime.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#include "10-compose/compose_file.h"
#include "10-compose/compose_values.h"
#include "10-compose/runtime.h"

#define STEP 10
#ifndef BOXES_VERSION
#define BOXES_VERSION "0.1.0"
#endif

/* What comes before the verb. */
struct compose_cli {
	struct compose_options options;
};

static void print_usage(const char *program, FILE *out)
{
	fprintf(
	    out,
	    "Usage: %s [-f FILE] [-p NAME] COMMAND [ARGS...]\n\n"
	    "Run the services of a compose file as containers (step %02d of boxes).\n\n"
	    "Options:\n"
	    "  -f, --file FILE           the compose file (default: compose.yaml, compose.yml,\n"
	    "                            docker-compose.yaml or docker-compose.yml, here)\n"
	    "  -p, --project-name NAME   the project name (default: the file's name:, or\n"
	    "                            this directory's name)\n"
	    "  -h, --help                print this help and exit\n"
	    "      --version             print the version and exit\n\n"
	    "Commands:\n"
	    "  up [-d] [SERVICE...]              create and start the services\n"
	    "  ps [-a]                           list the project's containers\n"
	    "  logs [-f] [-t] [SERVICE...]       show the services' output\n"
	    "  stop [-t SECONDS] [SERVICE...]    stop services\n"
	    "  start [SERVICE...]                start stopped services\n"
	    "  restart [-t SECONDS] [SERVICE...] stop, then start, services\n"
	    "  down [-v] [-t SECONDS]            stop and remove everything of the project\n"
	    "                                    (-v: its named volumes too)\n"
	    "  config [-q] [--services]          print the file as boxes understood it\n\n"
	    "Exit status: 0; 125 when the file is bad or boxes failed.\n",
	    program, STEP);
}

/* Reads and checks the file, printing every problem (warnings too). The
 * project, or NULL (and everything printed) when the file has errors. */
static struct compose_project *load_project(const struct compose_cli *cli)
{
	struct compose_project *project = compose_load(&cli->options); /* 10 */

	compose_print_problems(project, stderr); /* 10: FILE:LINE:COL: ... */
	if (project->error_count) {
		compose_project_free(project);
		return NULL;
	}
	return project;
}

/* config [-q] [--services]: the model, as YAML (docker compose config). */
static int verb_config(const struct compose_cli *cli, int argc, char **argv)
{
	struct compose_project *project;
	int quiet = 0, services = 0, status = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
			quiet = 1;
		} else if (strcmp(argv[i], "--services") == 0) {
			services = 1;
		} else {
			box_error("config: unknown option %s — config takes -q and --services",
				  argv[i]);
			return EXIT_BOXES_FAILED;
		}
	}
	project = load_project(cli);
	if (!project)
		return EXIT_BOXES_FAILED;
	if (services)
		for (int i = 0; i < project->service_count; i++)
			printf("%s\n", project->services[i].name);
	else if (!quiet && compose_write_config(project, stdout) < 0) /* 10 */
		status = EXIT_BOXES_FAILED;
	compose_project_free(project);
	return status;
}

/* -t SECONDS / --timeout SECONDS at argv[*i]: 1 if it was one (and *i
 * moved past it), 0 if not, -1 after an error. */
static int timeout_option(int argc, char **argv, int *i, int *timeout)
{
	char *end;

	if (strcmp(argv[*i], "-t") != 0 && strcmp(argv[*i], "--timeout") != 0)
		return 0;
	if (*i + 1 >= argc) {
		box_error("%s: %s needs a number of seconds", argv[0], argv[*i]);
		return -1;
	}
	*timeout = (int)strtol(argv[*i + 1], &end, 10);
	if (*end || *timeout < 0) {
		box_error("%s: %s %s: not a number of seconds", argv[0], argv[*i], argv[*i + 1]);
		return -1;
	}
	*i += 1;
	return 1;
}

/* The verb's flags (those of flags, each a letter: "-d"), -t SECONDS when
 * timeout is not NULL, then SERVICE names. -1 after an error. */
static int parse_verb(int argc, char **argv, const char *flags, int *set, int *timeout,
		      struct service_filter *only)
{
	int i;

	only->names = NULL;
	only->count = 0;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *flag = strchr(flags, argv[i][1]);
		int is_timeout = timeout ? timeout_option(argc, argv, &i, timeout) : 0;

		if (is_timeout < 0)
			return -1;
		if (is_timeout)
			continue;
		if (!flag || argv[i][2] || argv[i][1] == '\0') {
			box_error("%s: unknown option %s (see --help)", argv[0], argv[i]);
			return -1;
		}
		set[flag - flags] = 1;
	}
	only->names = argv + i;
	only->count = argc - i;
	return 0;
}

/* The project name: -p, else the file's (ps, logs, down need no more). */
static int project_name(const struct compose_cli *cli, char *out, size_t len)
{
	struct compose_project *project;

	if (cli->options.project_name) {
		if (!compose_project_name_valid(cli->options.project_name)) {
			box_error("-p %s: a project name is lowercase letters, digits, - and _, "
				  "starting with a letter or digit",
				  cli->options.project_name);
			return -1;
		}
		snprintf(out, len, "%s", cli->options.project_name);
		return 0;
	}
	project = load_project(cli);
	if (!project)
		return -1;
	snprintf(out, len, "%s", project->name);
	compose_project_free(project);
	return 0;
}

static int unknown_services(struct compose_project *project, const struct service_filter *only)
{
	for (int i = 0; i < only->count; i++)
		if (!compose_find_service(project, only->names[i])) {
			box_error("no such service: %s", only->names[i]);
			return 1;
		}
	return 0;
}

/* up [-d] [SERVICE...] */
static int verb_up(const struct compose_cli *cli, int argc, char **argv)
{
	struct compose_project *project;
	struct service_filter only;
	int set[1] = {0}, status;

	if (parse_verb(argc, argv, "d", set, NULL, &only) < 0 || !(project = load_project(cli)))
		return EXIT_BOXES_FAILED;
	status = unknown_services(project, &only) ? EXIT_BOXES_FAILED
						  : compose_up(project, set[0], &only);
	compose_project_free(project);
	return status;
}

/* ps [-a] */
static int verb_ps(const struct compose_cli *cli, int argc, char **argv)
{
	struct service_filter only;
	char name[256];
	int set[1] = {0};

	if (parse_verb(argc, argv, "a", set, NULL, &only) < 0 ||
	    project_name(cli, name, sizeof(name)) < 0)
		return EXIT_BOXES_FAILED;
	return compose_ps(name, set[0]);
}

/* logs [-f] [-t] [SERVICE...] */
static int verb_logs(const struct compose_cli *cli, int argc, char **argv)
{
	struct service_filter only;
	char name[256];
	int set[2] = {0, 0};

	if (parse_verb(argc, argv, "ft", set, NULL, &only) < 0 ||
	    project_name(cli, name, sizeof(name)) < 0)
		return EXIT_BOXES_FAILED;
	return compose_logs(name, set[0], set[1], &only);
}

/* stop [-t SECONDS] [SERVICE...], start [SERVICE...], restart [-t SECONDS] [SERVICE...] */
static int verb_stop_start(const struct compose_cli *cli, int argc, char **argv)
{
	struct compose_project *project;
	struct service_filter only;
	int timeout = 0, status = 0, start = strcmp(argv[0], "start") == 0;
	int set[1] = {0};

	if (parse_verb(argc, argv, "", set, start ? NULL : &timeout, &only) < 0 ||
	    !(project = load_project(cli)))
		return EXIT_BOXES_FAILED;
	if (unknown_services(project, &only))
		status = EXIT_BOXES_FAILED;
	if (status == 0 && !start)
		status = compose_stop(project, timeout, &only);
	if (status == 0 && strcmp(argv[0], "stop") != 0)
		status = compose_start(project, &only);
	compose_project_free(project);
	return status;
}

/* down [-v] [-t SECONDS] */
static int verb_down(const struct compose_cli *cli, int argc, char **argv)
{
	struct compose_project *file = NULL;
	struct service_filter only;
	char name[256];
	int timeout = 0, set[1] = {0}, status;

	if (parse_verb(argc, argv, "v", set, &timeout, &only) < 0 ||
	    project_name(cli, name, sizeof(name)) < 0)
		return EXIT_BOXES_FAILED;
	if (only.count) {
		box_error("down: takes no SERVICE (it removes the whole project)");
		return EXIT_BOXES_FAILED;
	}
	/* -v: also the file's named volumes (with -p alone: those the
	 * containers used, as their state files say) */
	if (set[0] && (cli->options.file || !cli->options.project_name) &&
	    !(file = load_project(cli)))
		return EXIT_BOXES_FAILED;
	status = compose_down(name, timeout, set[0], file);
	compose_project_free(file);
	return status;
}

static const struct {
	const char *name;
	int (*run)(const struct compose_cli *cli, int argc, char **argv);
} verbs[] = {
    {"up", verb_up},
    {"ps", verb_ps},
    {"logs", verb_logs},
    {"stop", verb_stop_start},
    {"start", verb_stop_start},
    {"restart", verb_stop_start},
    {"down", verb_down},
    {"config", verb_config},
};

#define VERB_COUNT (sizeof(verbs) / sizeof(verbs[0]))

static int unknown_verb(const char *verb)
{
	const char *names[VERB_COUNT + 1];
	const char *nearest;

	for (size_t i = 0; i < VERB_COUNT; i++)
		names[i] = verbs[i].name;
	names[VERB_COUNT] = NULL;
	nearest = nearest_word(verb, names);
	if (nearest)
		box_error("\"%s\" is not a command of 10-compose — did you mean %s?", verb,
			  nearest);
	else
		box_error("\"%s\" is not a command of 10-compose — use up, ps, logs, stop, start, "
			  "restart, down or config (see --help)",
			  verb);
	return EXIT_BOXES_FAILED;
}

/* -f and -p come before the verb, as in docker compose. */
static int parse_global_options(struct compose_cli *cli, int argc, char **argv)
{
	static const struct option long_options[] = {
	    {"file", required_argument, NULL, 'f'},
	    {"project-name", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int key;

	opterr = 0; /* our own messages */
	while ((key = getopt_long(argc, argv, "+:f:p:h", long_options, NULL)) != -1) {
		switch (key) {
		case 'f':
			cli->options.file = optarg;
			break;
		case 'p':
			cli->options.project_name = optarg;
			break;
		case 'h':
			print_usage(argv[0], stdout);
			return 0;
		case 'V':
			printf("boxes %s (step %02d)\n", BOXES_VERSION, STEP);
			return 0;
		case ':':
			box_error("%s needs a value (see --help)", argv[optind - 1]);
			return -1;
		default:
			box_error("unknown option %s (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		box_error("no command given — e.g. %s up -d, or %s config (see --help)", argv[0],
			  argv[0]);
		return -1;
	}
	return optind;
}

int main(int argc, char **argv)
{
	struct compose_cli cli = {.options = {0}};
	int verb = parse_global_options(&cli, argc, argv);

	if (verb <= 0)
		return verb == 0 ? 0 : EXIT_BOXES_FAILED;
	for (size_t i = 0; i < VERB_COUNT; i++)
		if (strcmp(argv[verb], verbs[i].name) == 0)
			return verbs[i].run(&cli, argc - verb, argv + verb);
	return unknown_verb(argv[verb]);
}
