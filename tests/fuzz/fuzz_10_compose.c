/* fuzz_10_compose.c - a compose file (steps/10-compose/compose_file.c), any
 * bytes, read as `10-compose -f FILE config` reads it: libyaml, then
 * interpolation, then the checks. Whatever the file says, compose_load_text
 * returns a project and every problem has a place and a text; and a project
 * it accepts without errors is one the runtime can start:
 * - every service has a name, a container name and an image;
 * - every published port has a container port in 1-65535, and a host side
 *   that is 0,0 (any port) or a range first <= last within 1-65535;
 * - the start order holds every service once, each after what it depends on;
 * - `config` prints it.
 * No .env or env_file is read (the fuzzer must not read host files); the
 * environment for ${VAR} is a fixed one.
 */
#include <stdbool.h>

#include "10-compose/compose_file.h"
#include "fuzz.h"

static char *const environment[] = {"HOME=/root", "TAG=1.0", "PORT=8080", "EMPTY=", NULL};

static void check_port(const struct compose_service *s, const struct compose_port *port)
{
	FUZZ_CHECK(port->container_port >= 1 && port->container_port <= 65535, "%s: port %d",
		   s->name, port->container_port);
	FUZZ_CHECK((port->host_port_first == 0 && port->host_port_last == 0) ||
		       (port->host_port_first >= 1 &&
			port->host_port_first <= port->host_port_last &&
			port->host_port_last <= 65535),
		   "%s: host ports %d-%d", s->name, port->host_port_first, port->host_port_last);
	FUZZ_CHECK(strcmp(port->protocol, "tcp") == 0 || strcmp(port->protocol, "udp") == 0,
		   "%s: protocol %s", s->name, port->protocol);
}

static void check_start_order(const struct compose_project *project)
{
	int order[COMPOSE_MAX_SERVICES];
	bool started[COMPOSE_MAX_SERVICES] = {false};
	int n = compose_start_order(project, order);

	FUZZ_CHECK(n == project->service_count, "start order of %d, %d services", n,
		   project->service_count);
	for (int i = 0; i < n; i++) {
		const struct compose_service *s = &project->services[order[i]];

		FUZZ_CHECK(!started[order[i]], "%s started twice", s->name);
		for (int d = 0; d < s->depends_count; d++)
			FUZZ_CHECK(started[s->depends_on[d].index], "%s before %s", s->name,
				   s->depends_on[d].service);
		started[order[i]] = true;
	}
}

static void check_accepted(const struct compose_project *project)
{
	FILE *null = fopen("/dev/null", "w");

	FUZZ_CHECK(project->name && project->name[0], "no project name");
	for (int i = 0; i < project->service_count; i++) {
		const struct compose_service *s = &project->services[i];

		FUZZ_CHECK(s->name && s->container_name && s->image, "service %d incomplete", i);
		for (int p = 0; p < s->port_count; p++)
			check_port(s, &s->ports[p]);
	}
	check_start_order(project);
	FUZZ_CHECK(null && compose_write_config(project, null) == 0, "config failed");
	fclose(null);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct compose_options options = {
	    .project_name = NULL, .environment = environment, .ignore_env_files = 1};
	char *text = malloc(size ? size : 1);
	struct compose_project *project;

	if (!text)
		abort();
	memcpy(text, data, size);
	project = compose_load_text(text, size, "compose.yaml", "/fuzz/project", &options);
	for (int i = 0; i < project->problem_count; i++)
		FUZZ_CHECK(project->problems[i].text, "problem %d has no text", i);
	if (project->error_count == 0)
		check_accepted(project);
	compose_print_problems(project, stderr);
	compose_project_free(project);
	free(text);
	return 0;
}
