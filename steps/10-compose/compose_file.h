/* compose_file.h - step 10: a compose file, read, checked and normalised
 * into a plain C model that the runtime (up, ps, logs, down) works from.
 *
 *     struct compose_project *project = compose_load(&options);
 *     if (project->error_count) {          // every problem of the file,
 *             compose_print_problems(project, stderr);   // FILE:LINE:COL: ...
 *             ...exit 125...
 *     }
 *     for (int i = 0; i < project->service_count; i++)
 *             start(&project->services[i]);  // in compose_start_order()
 *     compose_project_free(project);
 *
 * The model is what the file means, not what it says: variables are
 * interpolated, a command string is split into words, env_file is merged
 * into environment, ports are expanded to one entry per container port,
 * relative bind paths are absolute, sizes are bytes, durations are
 * nanoseconds, mem_limit and deploy.resources.limits are one set of limits.
 *
 * Memory: every string (every const char * below) belongs to the project
 * and lives until compose_project_free(); nothing is freed on its own.
 * Arrays are fixed, with the maxima below; a file that needs more gets an
 * error naming the maximum. A string field the file does not give is NULL.
 */
#ifndef BOXES_COMPOSE_FILE_H
#define BOXES_COMPOSE_FILE_H

#include <stdio.h>

#include "10-compose/ports.h"

#define COMPOSE_MAX_SERVICES 128 /* one /24 per project holds them with room */
#define COMPOSE_MAX_WORDS 64 /* of command, entrypoint, healthcheck test */
#define COMPOSE_MAX_ENV 128 /* environment variables of one service */
#define COMPOSE_MAX_ENV_FILES 8
#define COMPOSE_MAX_PORTS 64 /* published ports of one service, after expansion */
#define COMPOSE_MAX_EXPOSE 32
#define COMPOSE_MAX_DEPENDS 32
#define COMPOSE_MAX_MOUNTS 32 /* volumes: entries of one service */
#define COMPOSE_MAX_VOLUMES 32 /* top-level named volumes */
#define COMPOSE_MAX_PROBLEMS 100 /* errors and warnings kept (the count goes on) */

/* Where something is in the file: 1-based, as an editor shows it; 0, 0
 * when it does not come from the file (a default, a -p option). */
struct compose_at {
	int line;
	int column;
};

/* A command line: given says whether the file had the key at all
 * (command: [] is given and empty: it clears the image's Cmd). word[] is
 * NULL-terminated, ready for execv. */
struct compose_words {
	int given;
	int count;
	const char *word[COMPOSE_MAX_WORDS + 1];
};

struct compose_env {
	const char *name;
	const char *value;
};

enum compose_condition {
	COMPOSE_SERVICE_STARTED, /* started is enough (the list form means this) */
	COMPOSE_SERVICE_HEALTHY, /* its healthcheck has passed */
	COMPOSE_SERVICE_COMPLETED_SUCCESSFULLY, /* it has exited 0 */
};

struct compose_dependency {
	const char *service; /* the name... */
	int index; /* ...and its index in project->services */
	enum compose_condition condition;
	int restart; /* restart this one when that one restarts */
	int required; /* 1 (default): fail when that one can't start */
	struct compose_at at;
};

/* Durations are nanoseconds, as docker's API keeps them; 0 = not given,
 * and then docker's defaults hold: interval 30s, timeout 30s, retries 3,
 * start_period 0, start_interval 5s. */
struct compose_healthcheck {
	int given;
	int disabled; /* disable: true, or test: ["NONE"] */
	/* test.word[0] is "CMD" (run the rest as argv) or "CMD-SHELL" (run
	 * word[1] with /bin/sh -c); a test string becomes CMD-SHELL. */
	struct compose_words test;
	long long interval_ns, timeout_ns, start_period_ns, start_interval_ns;
	int retries;
};

enum compose_restart {
	COMPOSE_RESTART_NO, /* the default */
	COMPOSE_RESTART_ON_FAILURE, /* after an exit status other than 0 */
	COMPOSE_RESTART_ALWAYS,
	COMPOSE_RESTART_UNLESS_STOPPED, /* always, but not after a stop */
};

enum compose_mount_type {
	COMPOSE_MOUNT_BIND, /* a host directory or file */
	COMPOSE_MOUNT_VOLUME, /* a named (or anonymous) volume, kept under BOXES_ROOT */
	COMPOSE_MOUNT_TMPFS,
};

struct compose_mount {
	enum compose_mount_type type;
	/* BIND: an absolute host path (./data is made absolute against the
	 * file's directory, ~ against $HOME). VOLUME: the volume's key in
	 * project->volumes (volume_index), NULL for an anonymous volume. */
	const char *source;
	int volume_index; /* -1 unless a named volume */
	const char *target; /* absolute path in the container */
	int read_only;
	struct compose_at at;
};

/* A top-level volume. */
struct compose_volume {
	const char *key; /* as the file names it: "data" */
	const char *name; /* its real name: "<project>_data", or its name: */
	int external; /* made by someone else: never created or removed */
	struct compose_at at;
};

struct compose_service {
	const char *name; /* the key under services: (also its host name on the bridge) */
	const char *container_name; /* "<project>-<service>-1" */
	struct compose_at at;
	const char *image; /* NULL only in a project with errors */
	struct compose_at image_at; /* for compose_check_images' message */
	struct compose_words entrypoint; /* replaces the image's Entrypoint when given */
	struct compose_words command; /* replaces the image's Cmd when given */
	/* environment, with every env_file's variables merged in (environment
	 * wins, later files win over earlier ones), in file order. */
	struct compose_env environment[COMPOSE_MAX_ENV];
	int environment_count;
	const char *env_files[COMPOSE_MAX_ENV_FILES]; /* absolute; already merged */
	int env_file_count;
	struct compose_port ports[COMPOSE_MAX_PORTS]; /* see ports.h */
	int port_count;
	struct compose_port expose[COMPOSE_MAX_EXPOSE]; /* container side only */
	int expose_count;
	struct compose_dependency depends_on[COMPOSE_MAX_DEPENDS];
	int depends_count;
	struct compose_healthcheck healthcheck;
	enum compose_restart restart;
	int restart_max_retries; /* on-failure:N; 0 = no limit */
	const char *working_dir, *user, *hostname; /* NULL: the image's */
	/* mem_limit / deploy.resources.limits.memory, pids_limit / .pids,
	 * cpus / .cpus. 0 = no limit. */
	long long memory_bytes;
	long long pids_limit;
	double cpus;
	struct compose_mount mounts[COMPOSE_MAX_MOUNTS]; /* the volumes: key */
	int mount_count;
};

/* An error or a warning about the file, as it is printed:
 *     FILE:LINE:COL: what is wrong — how to fix it
 *     FILE:LINE:COL: warning: ...                                     */
struct compose_problem {
	struct compose_at at;
	int warning;
	const char *text;
};

struct compose_project {
	const char *file; /* as given or found ("compose.yaml"): names it in messages */
	const char *dir; /* the file's directory, absolute: relative paths start here */
	const char *name; /* -p, the file's name:, or the directory's name, normalised */
	struct compose_service services[COMPOSE_MAX_SERVICES]; /* in the file's order */
	int service_count;
	struct compose_volume volumes[COMPOSE_MAX_VOLUMES];
	int volume_count;
	struct compose_problem problems[COMPOSE_MAX_PROBLEMS];
	int problem_count; /* kept in problems[] */
	int error_count; /* all errors, also those beyond COMPOSE_MAX_PROBLEMS */
	int warning_count;
	struct compose_arena *arena; /* owns every string */
};

struct compose_options {
	const char *file; /* -f; NULL: compose_find_file() in the current directory */
	const char *project_name; /* -p; NULL: name: or the directory's */
	char *const *environment; /* NULL: this process's environ */
	int ignore_env_files; /* don't read .env and env_file (the fuzzer) */
};

/* Reads, interpolates and checks the file. Never NULL (but on running out
 * of memory, which it reports and exits 125 for). A file that can't be
 * read or parsed gives a project with error_count > 0 and no services. */
struct compose_project *compose_load(const struct compose_options *options);

/* The same from text in memory; file names it in messages, dir is where
 * relative paths (and .env) start. */
struct compose_project *compose_load_text(const char *text, size_t length, const char *file,
					  const char *dir, const struct compose_options *options);

/* compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml in the
 * current directory, the first that exists, into path. 0, or -1 after one
 * line on stderr saying none is there and what to do. */
int compose_find_file(char *path, size_t path_len);

/* "FILE:LINE:COL: text" lines for every problem (warnings too), then, when
 * there are errors, "boxes: FILE: N errors". */
void compose_print_problems(const struct compose_project *project, FILE *out);

/* The service called NAME, or NULL. */
struct compose_service *compose_find_service(struct compose_project *project, const char *name);

/* The order to start services in: every service after the ones it
 * depends on, otherwise the file's order. order[] gets service indexes;
 * returns service_count (stop in the reverse order). Needs a project
 * without errors (a cycle is one). */
int compose_start_order(const struct compose_project *project, int order[COMPOSE_MAX_SERVICES]);

/* For the runtime: 1 when IMAGE is in the store, else 0. */
typedef int (*compose_image_lookup)(const char *image, void *context);

/* Adds an error "FILE:LINE:COL: image "x" is not in the store — load it
 * with 09-image load" for each service whose image LOOKUP can't find.
 * Returns how many were missing. */
int compose_check_images(struct compose_project *project, compose_image_lookup lookup,
			 void *context);

/* The project name rules: [a-z0-9_-], starting with a letter or digit. */
int compose_project_name_valid(const char *name);

/* A directory name made into a project name as docker compose does it:
 * lowercase, other characters than [a-z0-9_-] dropped, leading - and _
 * dropped. out may end up empty. */
void compose_normalize_name(const char *name, char *out, size_t out_len);

/* Writes the project as `docker compose config` does: YAML, services
 * sorted, everything normalised (compose_config.c). 0, or -1 after one
 * line on stderr. */
int compose_write_config(const struct compose_project *project, FILE *out);

void compose_project_free(struct compose_project *project);

#endif
