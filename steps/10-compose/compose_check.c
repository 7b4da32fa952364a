/* compose_check.c - step 10: what a compose file can get wrong across
 * services, checked once every service is read: depends_on names a
 * service that is not there or makes a cycle, two services publish the
 * same host port. And the order to start services in. */
#include <stdio.h>
#include <string.h>

#include "10-compose/compose_file.h"
#include "10-compose/compose_problems.h"
#include "10-compose/compose_values.h"

static int service_index(const struct compose_project *project, const char *name)
{
	for (int i = 0; i < project->service_count; i++)
		if (strcmp(project->services[i].name, name) == 0)
			return i;
	return -1;
}

/* Each depends_on entry gets the index of the service it names. */
static void resolve_dependencies(struct compose_project *project)
{
	const char *names[COMPOSE_MAX_SERVICES + 1];

	for (int i = 0; i < project->service_count; i++)
		names[i] = project->services[i].name;
	names[project->service_count] = NULL;
	for (int i = 0; i < project->service_count; i++) {
		struct compose_service *service = &project->services[i];

		for (int d = 0; d < service->depends_count; d++) {
			struct compose_dependency *dependency = &service->depends_on[d];
			const char *nearest;

			dependency->index = service_index(project, dependency->service);
			if (dependency->index >= 0)
				continue;
			nearest = nearest_word(dependency->service, names);
			if (nearest)
				compose_error(project, dependency->at,
					      "service \"%s\" depends on \"%s\", which is not a "
					      "service of this file — did you mean \"%s\"?",
					      service->name, dependency->service, nearest);
			else
				compose_error(
				    project, dependency->at,
				    "service \"%s\" depends on \"%s\", which is not a "
				    "service of this file — add a service \"%s\", or remove "
				    "it from depends_on",
				    service->name, dependency->service, dependency->service);
		}
	}
}

/* A depth-first walk along depends_on. A service reached again while it
 * is still on the path closes a cycle: up could start none of them. */
enum { UNSEEN, ON_PATH, DONE };

struct cycle_walk {
	struct compose_project *project;
	int state[COMPOSE_MAX_SERVICES];
	int path[COMPOSE_MAX_SERVICES];
	int path_length;
};

static void report_cycle(struct cycle_walk *walk, int start, const struct compose_dependency *back)
{
	char text[1024];
	size_t length = 0;
	int from = 0;

	while (walk->path[from] != start)
		from++;
	for (int i = from; i < walk->path_length && length < sizeof(text); i++)
		length += (size_t)snprintf(text + length, sizeof(text) - length, "%s → ",
					   walk->project->services[walk->path[i]].name);
	if (length < sizeof(text))
		snprintf(text + length, sizeof(text) - length, "%s",
			 walk->project->services[start].name);
	compose_error(walk->project, back->at,
		      "depends_on makes a cycle: %s — no service of it can start first; remove "
		      "one of these depends_on entries",
		      text);
}

static void walk_from(struct cycle_walk *walk, int index)
{
	const struct compose_service *service = &walk->project->services[index];

	walk->state[index] = ON_PATH;
	walk->path[walk->path_length++] = index;
	for (int d = 0; d < service->depends_count; d++) {
		int next = service->depends_on[d].index;

		if (next < 0)
			continue;
		if (walk->state[next] == ON_PATH)
			report_cycle(walk, next, &service->depends_on[d]);
		else if (walk->state[next] == UNSEEN)
			walk_from(walk, next);
	}
	walk->path_length--;
	walk->state[index] = DONE;
}

static void find_cycles(struct compose_project *project)
{
	static struct cycle_walk walk; /* not on the stack: 1.5 kB a level is enough */

	memset(&walk, 0, sizeof(walk));
	walk.project = project;
	for (int i = 0; i < project->service_count; i++)
		if (walk.state[i] == UNSEEN)
			walk_from(&walk, i);
}

/* Can two entries listen on the same host port at once? Only one process
 * can bind a port on an address (and "every address" includes them all). */
static int same_host_port(const struct compose_port *a, const struct compose_port *b)
{
	return a->host_port_first && a->host_port_first == a->host_port_last &&
	       b->host_port_first == a->host_port_first && b->host_port_last == a->host_port_last &&
	       strcmp(a->protocol, b->protocol) == 0 &&
	       (!a->host_ip[0] || !b->host_ip[0] || strcmp(a->host_ip, b->host_ip) == 0);
}

/* The first port before ports[p] of service i (in the file) that wants the
 * same host port, or NULL; *owner gets its service's index. */
static const struct compose_port *earlier_clash(const struct compose_project *project, int i, int p,
						int *owner)
{
	const struct compose_port *port = &project->services[i].ports[p];

	for (int j = 0; j <= i; j++) {
		int before = j == i ? p : project->services[j].port_count;

		for (int q = 0; q < before; q++)
			if (same_host_port(port, &project->services[j].ports[q])) {
				*owner = j;
				return &project->services[j].ports[q];
			}
	}
	return NULL;
}

static void find_port_clashes(struct compose_project *project)
{
	for (int i = 0; i < project->service_count; i++)
		for (int p = 0; p < project->services[i].port_count; p++) {
			const struct compose_port *port = &project->services[i].ports[p], *other;
			int owner;

			other = earlier_clash(project, i, p, &owner);
			if (!other)
				continue;
			if (owner == i)
				compose_error(
				    project, (struct compose_at){port->line, port->column},
				    "host port %d/%s is published twice by %s (first on line "
				    "%d) — only one can listen on it; remove one, or give it "
				    "another host port",
				    port->host_port_first, port->protocol,
				    project->services[i].name, other->line);
			else
				compose_error(
				    project, (struct compose_at){port->line, port->column},
				    "host port %d/%s is published by %s and by %s (line %d) "
				    "— only one can listen on it; give one of them another "
				    "host port",
				    port->host_port_first, port->protocol,
				    project->services[i].name, project->services[owner].name,
				    other->line);
		}
}

void compose_check_project(struct compose_project *project)
{
	resolve_dependencies(project);
	find_cycles(project);
	find_port_clashes(project);
}

int compose_start_order(const struct compose_project *project, int order[COMPOSE_MAX_SERVICES])
{
	int placed[COMPOSE_MAX_SERVICES] = {0};
	int count = 0;

	/* each round places the first service, in the file's order, whose
	 * dependencies are all placed; with no cycle there always is one */
	while (count < project->service_count) {
		int chosen = -1;

		for (int i = 0; i < project->service_count && chosen < 0; i++) {
			int ready = !placed[i];

			for (int d = 0; ready && d < project->services[i].depends_count; d++) {
				int needed = project->services[i].depends_on[d].index;

				ready = needed < 0 || placed[needed];
			}
			if (ready)
				chosen = i;
		}
		if (chosen < 0)
			return -1; /* a cycle: compose_load has reported it */
		placed[chosen] = 1;
		order[count++] = chosen;
	}
	return count;
}

int compose_check_images(struct compose_project *project, compose_image_lookup lookup,
			 void *context)
{
	int missing = 0;

	for (int i = 0; i < project->service_count; i++) {
		const struct compose_service *service = &project->services[i];

		if (!service->image || lookup(service->image, context))
			continue;
		compose_error(project, service->image_at,
			      "image \"%s\" of service \"%s\" is not in the store — load it with "
			      "09-image load -i FILE.tar",
			      service->image, service->name);
		missing++;
	}
	return missing;
}
