/* compose_config.c - step 10: `config` - the project as boxes understood
 * it, written back as YAML with libyaml's emitter, normalised the way
 * `docker compose config` normalises: services sorted by name, variables
 * replaced, command strings as lists of words, ports in the long syntax,
 * sizes in bytes, durations in Go's form (1m30s). Reading this output
 * shows what a typo or a missing variable did to the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "log.h"

#include "10-compose/compose_file.h"
#include "10-compose/compose_values.h"

struct writer {
	yaml_emitter_t emitter;
	int failed;
};

static void emit(struct writer *writer, yaml_event_t *event)
{
	if (writer->failed || !yaml_emitter_emit(&writer->emitter, event))
		writer->failed = 1;
}

/* Would a YAML reader take TEXT, unquoted, for something else than a
 * string - a number, a boolean, null? Then it is written in quotes, as
 * docker compose writes published: "8080" and restart: "no". */
static int needs_quotes(const char *text)
{
	static const char *const words[] = {"",	  "~",	"null", "true", "false", "yes",
					    "no", "on", "off",	"y",	"n",	 NULL};
	char *end;

	for (int i = 0; words[i]; i++)
		if (strcasecmp(text, words[i]) == 0)
			return 1;
	if (!strchr("0123456789+-.", text[0]))
		return 0; /* "infinity" is a word, ".5" and "-1" are numbers */
	strtod(text, &end);
	return *end == '\0' || strspn(text, "0123456789:") == strlen(text);
}

static void scalar_styled(struct writer *writer, const char *text, yaml_scalar_style_t style)
{
	yaml_event_t event;

	yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1,
				     1, style);
	emit(writer, &event);
}

/* A string value: plain when that reads back as the same string. */
static void string(struct writer *writer, const char *text)
{
	scalar_styled(writer, text,
		      needs_quotes(text) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
}

/* A number or a boolean: always plain. */
static void plain(struct writer *writer, const char *text)
{
	scalar_styled(writer, text, YAML_PLAIN_SCALAR_STYLE);
}

static void begin_mapping(struct writer *writer)
{
	yaml_event_t event;

	yaml_mapping_start_event_initialize(&event, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	emit(writer, &event);
}

static void end_mapping(struct writer *writer)
{
	yaml_event_t event;

	yaml_mapping_end_event_initialize(&event);
	emit(writer, &event);
}

static void begin_sequence(struct writer *writer)
{
	yaml_event_t event;

	yaml_sequence_start_event_initialize(&event, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
	emit(writer, &event);
}

static void end_sequence(struct writer *writer)
{
	yaml_event_t event;

	yaml_sequence_end_event_initialize(&event);
	emit(writer, &event);
}

static void key_string(struct writer *writer, const char *key, const char *value)
{
	plain(writer, key);
	string(writer, value);
}

static void key_number(struct writer *writer, const char *key, long long value)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", value);
	plain(writer, key);
	plain(writer, text);
}

static void key_duration(struct writer *writer, const char *key, long long nanoseconds)
{
	char text[64];

	if (!nanoseconds)
		return;
	format_duration(nanoseconds, text, sizeof(text));
	plain(writer, key);
	plain(writer, text);
}

static void key_words(struct writer *writer, const char *key, const struct compose_words *words)
{
	if (!words->given)
		return;
	plain(writer, key);
	begin_sequence(writer);
	for (int i = 0; i < words->count; i++)
		string(writer, words->word[i]);
	end_sequence(writer);
}

static int env_order(const void *a, const void *b)
{
	return strcmp((*(const struct compose_env *const *)a)->name,
		      (*(const struct compose_env *const *)b)->name);
}

static void write_environment(struct writer *writer, const struct compose_service *service)
{
	const struct compose_env *sorted[COMPOSE_MAX_ENV];

	if (!service->environment_count)
		return;
	for (int i = 0; i < service->environment_count; i++)
		sorted[i] = &service->environment[i];
	qsort(sorted, (size_t)service->environment_count, sizeof(sorted[0]), env_order);
	plain(writer, "environment");
	begin_mapping(writer);
	for (int i = 0; i < service->environment_count; i++)
		key_string(writer, sorted[i]->name, sorted[i]->value);
	end_mapping(writer);
}

static void write_depends_on(struct writer *writer, const struct compose_service *service)
{
	static const char *const conditions[] = {"service_started", "service_healthy",
						 "service_completed_successfully"};

	if (!service->depends_count)
		return;
	plain(writer, "depends_on");
	begin_mapping(writer);
	for (int i = 0; i < service->depends_count; i++) {
		const struct compose_dependency *dependency = &service->depends_on[i];

		plain(writer, dependency->service);
		begin_mapping(writer);
		key_string(writer, "condition", conditions[dependency->condition]);
		if (dependency->restart) {
			plain(writer, "restart");
			plain(writer, "true");
		}
		plain(writer, "required");
		plain(writer, dependency->required ? "true" : "false");
		end_mapping(writer);
	}
	end_mapping(writer);
}

static void write_ports(struct writer *writer, const char *key, const struct compose_port *ports,
			int count)
{
	if (!count)
		return;
	plain(writer, key);
	begin_sequence(writer);
	for (int i = 0; i < count; i++) {
		const struct compose_port *port = &ports[i];
		char published[32];

		begin_mapping(writer);
		key_string(writer, "mode", "ingress");
		if (port->host_ip[0])
			key_string(writer, "host_ip", port->host_ip);
		key_number(writer, "target", port->container_port);
		port_format_published(port, published, sizeof(published));
		if (published[0]) {
			plain(writer, "published");
			scalar_styled(writer, published, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
		}
		key_string(writer, "protocol", port->protocol);
		end_mapping(writer);
	}
	end_sequence(writer);
}

static void write_expose(struct writer *writer, const struct compose_service *service)
{
	if (!service->expose_count)
		return;
	plain(writer, "expose");
	begin_sequence(writer);
	for (int i = 0; i < service->expose_count; i++) {
		char text[32];

		snprintf(text, sizeof(text), "%d%s%s", service->expose[i].container_port,
			 strcmp(service->expose[i].protocol, "tcp") ? "/" : "",
			 strcmp(service->expose[i].protocol, "tcp") ? service->expose[i].protocol
								    : "");
		string(writer, text);
	}
	end_sequence(writer);
}

static void write_healthcheck(struct writer *writer, const struct compose_healthcheck *health)
{
	if (!health->given)
		return;
	plain(writer, "healthcheck");
	begin_mapping(writer);
	if (health->disabled) {
		plain(writer, "disable");
		plain(writer, "true");
	}
	key_words(writer, "test", &health->test);
	key_duration(writer, "timeout", health->timeout_ns);
	key_duration(writer, "interval", health->interval_ns);
	if (health->retries)
		key_number(writer, "retries", health->retries);
	key_duration(writer, "start_period", health->start_period_ns);
	key_duration(writer, "start_interval", health->start_interval_ns);
	end_mapping(writer);
}

static void write_restart(struct writer *writer, const struct compose_service *service)
{
	static const char *const policies[] = {"no", "on-failure", "always", "unless-stopped"};
	char text[32];

	if (service->restart == COMPOSE_RESTART_NO)
		return;
	if (service->restart == COMPOSE_RESTART_ON_FAILURE && service->restart_max_retries)
		snprintf(text, sizeof(text), "on-failure:%d", service->restart_max_retries);
	else
		snprintf(text, sizeof(text), "%s", policies[service->restart]);
	key_string(writer, "restart", text);
}

static void write_mounts(struct writer *writer, const struct compose_service *service)
{
	static const char *const types[] = {"bind", "volume", "tmpfs"};

	if (!service->mount_count)
		return;
	plain(writer, "volumes");
	begin_sequence(writer);
	for (int i = 0; i < service->mount_count; i++) {
		const struct compose_mount *mount = &service->mounts[i];

		begin_mapping(writer);
		key_string(writer, "type", types[mount->type]);
		if (mount->source)
			key_string(writer, "source", mount->source);
		if (mount->target)
			key_string(writer, "target", mount->target);
		if (mount->read_only) {
			plain(writer, "read_only");
			plain(writer, "true");
		}
		end_mapping(writer);
	}
	end_sequence(writer);
}

/* A service's keys in alphabetical order, as docker compose config has them. */
static void write_service(struct writer *writer, const struct compose_service *service)
{
	char number[32];

	plain(writer, service->name);
	begin_mapping(writer);
	key_words(writer, "command", &service->command);
	key_string(writer, "container_name", service->container_name);
	if (service->cpus) {
		snprintf(number, sizeof(number), "%g", service->cpus);
		plain(writer, "cpus");
		plain(writer, number);
	}
	write_depends_on(writer, service);
	key_words(writer, "entrypoint", &service->entrypoint);
	write_environment(writer, service);
	write_expose(writer, service);
	write_healthcheck(writer, &service->healthcheck);
	if (service->hostname)
		key_string(writer, "hostname", service->hostname);
	if (service->image)
		key_string(writer, "image", service->image);
	if (service->memory_bytes) {
		snprintf(number, sizeof(number), "%lld", service->memory_bytes);
		key_string(writer, "mem_limit", number);
	}
	if (service->pids_limit)
		key_number(writer, "pids_limit", service->pids_limit);
	write_ports(writer, "ports", service->ports, service->port_count);
	write_restart(writer, service);
	if (service->user)
		key_string(writer, "user", service->user);
	write_mounts(writer, service);
	if (service->working_dir)
		key_string(writer, "working_dir", service->working_dir);
	end_mapping(writer);
}

static int service_order(const void *a, const void *b)
{
	return strcmp((*(const struct compose_service *const *)a)->name,
		      (*(const struct compose_service *const *)b)->name);
}

static void write_volumes(struct writer *writer, const struct compose_project *project)
{
	if (!project->volume_count)
		return;
	plain(writer, "volumes");
	begin_mapping(writer);
	for (int i = 0; i < project->volume_count; i++) {
		plain(writer, project->volumes[i].key);
		begin_mapping(writer);
		key_string(writer, "name", project->volumes[i].name);
		if (project->volumes[i].external) {
			plain(writer, "external");
			plain(writer, "true");
		}
		end_mapping(writer);
	}
	end_mapping(writer);
}

static void write_document(struct writer *writer, const struct compose_project *project)
{
	const struct compose_service *sorted[COMPOSE_MAX_SERVICES];
	yaml_event_t event;

	yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING);
	emit(writer, &event);
	yaml_document_start_event_initialize(&event, NULL, NULL, NULL, 1);
	emit(writer, &event);
	begin_mapping(writer);
	key_string(writer, "name", project->name);
	for (int i = 0; i < project->service_count; i++)
		sorted[i] = &project->services[i];
	qsort(sorted, (size_t)project->service_count, sizeof(sorted[0]), service_order);
	plain(writer, "services");
	begin_mapping(writer);
	for (int i = 0; i < project->service_count; i++)
		write_service(writer, sorted[i]);
	end_mapping(writer);
	write_volumes(writer, project);
	end_mapping(writer);
	yaml_document_end_event_initialize(&event, 1);
	emit(writer, &event);
	yaml_stream_end_event_initialize(&event);
	emit(writer, &event);
}

int compose_write_config(const struct compose_project *project, FILE *out)
{
	struct writer writer = {.failed = 0};

	if (!yaml_emitter_initialize(&writer.emitter)) {
		box_error("config: yaml_emitter_initialize: out of memory");
		return -1;
	}
	yaml_emitter_set_output_file(&writer.emitter, out);
	yaml_emitter_set_unicode(&writer.emitter, 1); /* µs, not \u00B5s */
	yaml_emitter_set_indent(&writer.emitter, 2);
	yaml_emitter_set_width(&writer.emitter, -1); /* never fold a long command */
	write_document(&writer, project);
	if (writer.failed)
		box_error("config: writing YAML: %s",
			  writer.emitter.problem ? writer.emitter.problem : "failed");
	yaml_emitter_delete(&writer.emitter);
	return writer.failed ? -1 : 0;
}
