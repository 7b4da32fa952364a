/* 10-compose: several containers from one compose file.
 *
 *     build/bin/10-compose [-f FILE] [-p NAME] VERB [ARGS...]
 *
 * New over 09: a file names the containers (services) and how they fit
 * together - ports, volumes, depends_on - and one command starts them all.
 * The file half is written: compose_load() reads, interpolates and checks
 * the file into a plain model (compose_file.h), and `config` prints that
 * model. Each runtime verb starts every service as a step-09 container
 * under a small supervisor; those verbs are still to be written.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

#include "10-compose/compose_file.h"
#include "10-compose/compose_values.h"

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
	    "  restart                           stop, then start, every service\n"
	    "  down [-t SECONDS]                 stop and remove everything of the project\n"
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

/* The runtime verbs (up, ps, logs, stop, start, restart, down): each gets
 * its own verb_NAME here when the runtime half of step 10 is written. */
static int not_written_yet(const struct compose_cli *cli, int argc, char **argv)
{
	(void)cli, (void)argc;
	box_error("%s: not written yet", argv[0]);
	return EXIT_BOXES_FAILED;
}

static const struct {
	const char *name;
	int (*run)(const struct compose_cli *cli, int argc, char **argv);
} verbs[] = {
    {"up", not_written_yet},   {"ps", not_written_yet},	   {"logs", not_written_yet},
    {"stop", not_written_yet}, {"start", not_written_yet}, {"restart", not_written_yet},
    {"down", not_written_yet}, {"config", verb_config},
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
