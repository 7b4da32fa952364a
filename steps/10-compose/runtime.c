/* runtime.c - step 10: up, ps, logs, stop, start, down.
 *
 * up makes the project's network first - a /24 leased machine-wide, a
 * bridge on it - and hands every service its address before any of them
 * starts, so that each container's /etc/hosts names all the others from
 * its first instant (a real engine runs a DNS server for that instead).
 * It then starts one supervisor per container, in depends_on order, each
 * answering on a pipe once its container runs (or why it could not).
 *
 * Every other verb works from the state files alone (project_state.h), in
 * any process, at any time: ps and logs read them; stop, start and down
 * signal the supervisors (sigqueue(3), with the stop timeout as value),
 * and down then sweeps whatever killed supervisors left.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "id.h"
#include "log.h"
#include "options.h"
#include "state.h"
#include "sweep.h"

#include "03-cgroups/cgroup.h"
#include "06-net-namespace/net.h"
#include "09-image/image_open.h"
#include "10-compose/bridge.h"
#include "10-compose/project_state.h"
#include "10-compose/runtime.h"
#include "10-compose/supervisor.h"
#include "10-compose/volumes.h"

#define STEP 10
#define POLL_MS 100
#define START_ANSWER_S 30 /* a supervisor tries a start in well under a second */

/* What any killed run of steps 03-10 may leave (03 first: it kills). */
static const struct sweeper sweepers[] = {SWEEPERS_03, SWEEPERS_06, SWEEPERS_10, {NULL, NULL}};

static void sleep_ms(int milliseconds)
{
	struct timespec wait = {milliseconds / 1000, (milliseconds % 1000) * 1000000L};

	nanosleep(&wait, NULL);
}

static int wanted(const struct service_filter *only, const char *service)
{
	if (!only || only->count == 0)
		return 1;
	for (int i = 0; i < only->count; i++)
		if (strcmp(only->names[i], service) == 0)
			return 1;
	return 0;
}

/* compose_check_images' lookup: is the image in the store? open_image's
 * own message is not wanted here: compose_check_images says it better. */
static int image_present(const char *image, void *context)
{
	struct opened_image opened = {.pin_fd = -1};
	int saved = dup(2), devnull = open("/dev/null", O_WRONLY | O_CLOEXEC), found;

	(void)context;
	fflush(stderr);
	dup2(devnull, 2);
	found = open_image(image, &opened) == 0;
	close_image(&opened);
	dup2(saved, 2);
	close(saved);
	close(devnull);
	return found;
}

/* /etc/hosts of every container: every service and container name. */
static void write_hosts_text(const struct compose_project *project, struct supervised *ones,
			     struct project_net *net)
{
	size_t used = (size_t)snprintf(net->hosts, sizeof(net->hosts),
				       "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n");

	for (int i = 0; i < project->service_count && used < sizeof(net->hosts); i++)
		used += (size_t)snprintf(net->hosts + used, sizeof(net->hosts) - used,
					 "%s\t%s %s\n", ones[i].ip, project->services[i].name,
					 project->services[i].container_name);
}

/* The project's network: its run (a state dir the sweeper knows), a /24,
 * the bridge. Everything is written down before it is made. */
static int make_network(const struct compose_project *project, struct project_net *net)
{
	struct project_info info;

	box_init(&net->run, STEP);
	if (make_container_id(net->run.id) < 0 || state_create(&net->run) < 0 ||
	    (net->run_lock = state_share_lock()) < 0 ||
	    state_add(&net->run, "compose", net->dir) < 0 ||
	    subnet_lease_project(&net->run, &net->subnet) < 0)
		return -1;
	bridge_name(net->run.id, net->bridge, sizeof(net->bridge));
	if (state_add(&net->run, "bridge", net->bridge) < 0 ||
	    bridge_create(net->bridge, net->subnet.host_end) < 0)
		return -1;
	/* The lease too is shared, by every supervisor, a later up's as well:
	 * taken over only once all are gone. Shared after the bridge has its
	 * address: even a lessee that came in between would skip this /24. */
	if (flock(net->subnet.lease_fd, LOCK_SH) < 0)
		return box_syserr("flock(LOCK_SH)", net->subnet.lease);
	snprintf(info.run, sizeof(info.run), "%s", net->run.state_dir);
	snprintf(info.bridge, sizeof(info.bridge), "%s", net->bridge);
	snprintf(info.network, sizeof(info.network), "%s", net->subnet.network);
	snprintf(info.lease, sizeof(info.lease), "%s", net->subnet.lease);
	if (project_info_write(net->dir, &info) < 0) /* for a later up */
		return -1;
	fprintf(stderr, " Network %s_default  Created (bridge %s, %s/24)\n", project->name,
		net->bridge, net->subnet.network);
	return 0;
}

/* flock(LOCK_SH) path without waiting: the fd, or -1 after why. Exclusive
 * only while a sweeper undoes a dead run (we hold BOXES_RUN's shared lock,
 * so none does now), or held by the supervisors of an older 10-compose. */
static int hold_shared(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return box_syserr("open", path);
	if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
		box_syserr("flock(LOCK_SH)", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* A later up of a running project: the network is there, its /24 leased
 * and its bridge made by the first up. Its new containers go on the same
 * bridge, at the same addresses as the first up gave them, and their
 * supervisors hold the run's lock and the lease shared, as the first up's
 * do: whichever of them all lives keeps the network from the sweeper, and
 * the project's last gives it back. */
static int join_network(struct project_net *net)
{
	struct project_info info;
	char lock[4200];
	int root_lock;

	if (project_info_read(net->dir, &info) < 0) {
		box_error("up: %s/project is missing: the project is being made or removed by "
			  "another command (try again), or was left by a killed one (down cleans "
			  "up)",
			  net->dir);
		return -1;
	}
	box_init(&net->run, STEP);
	snprintf(net->run.state_dir, sizeof(net->run.state_dir), "%s", info.run);
	snprintf(net->bridge, sizeof(net->bridge), "%s", info.bridge);
	snprintf(net->subnet.network, sizeof(net->subnet.network), "%s", info.network);
	snprintf(net->subnet.lease, sizeof(net->subnet.lease), "%s", info.lease);
	net->subnet.index = 0;
	snprintf(lock, sizeof(lock), "%s/lock", info.run);
	root_lock = state_root_lock(LOCK_SH); /* no sweeper is half-way through the run */
	if (root_lock < 0)
		return -1;
	net->run_lock = hold_shared(lock);
	close(root_lock);
	if (net->run_lock < 0)
		return -1;
	net->subnet.lease_fd = hold_shared(info.lease);
	return net->subnet.lease_fd < 0 ? -1 : 0;
}

static int find_record(const char *dir, const char *name, struct container_record *record)
{
	char path[4096];

	return project_file(dir, name, "state", path, sizeof(path)) < 0 ? -1
									: record_read(path, record);
}

/* Wait until the supervisor of name has status (or is gone). */
static void wait_status(const char *dir, const char *name, const char *status)
{
	struct container_record record;

	while (find_record(dir, name, &record) == 0 && supervisor_alive(dir, name) &&
	       strcmp(record.status, status) != 0)
		sleep_ms(POLL_MS / 4);
}

/* depends_on: wait for each dependency's condition. 0, or -1 after why. */
static int wait_dependencies(const struct compose_project *project,
			     const struct compose_service *service, const char *dir)
{
	for (int d = 0; d < service->depends_count; d++) {
		const struct compose_dependency *dep = &service->depends_on[d];
		const struct compose_service *on = &project->services[dep->index];
		struct container_record record;

		if (dep->condition == COMPOSE_SERVICE_STARTED)
			continue;
		if (dep->condition == COMPOSE_SERVICE_HEALTHY &&
		    (!on->healthcheck.given || on->healthcheck.disabled)) {
			box_error("dependency failed to start: container %s has no healthcheck "
				  "configured",
				  on->container_name);
			return -1;
		}
		fprintf(stderr, " Container %s  Waiting\n", on->container_name);
		for (;;) {
			if (find_record(dir, on->container_name, &record) < 0 ||
			    !supervisor_alive(dir, on->container_name)) {
				box_error("dependency failed to start: container %s is gone",
					  on->container_name);
				return -1;
			}
			if (dep->condition == COMPOSE_SERVICE_HEALTHY) {
				if (strcmp(record.health, "healthy") == 0)
					break;
				if (strcmp(record.health, "unhealthy") == 0 ||
				    strcmp(record.status, "exited") == 0) {
					box_error("dependency failed to start: container %s is "
						  "unhealthy",
						  on->container_name);
					return -1;
				}
			} else if (strcmp(record.status, "exited") == 0) {
				if (record.exit_code == 0)
					break;
				box_error("service \"%s\" didn't complete successfully: exit %d",
					  on->name, record.exit_code);
				return -1;
			}
			sleep_ms(POLL_MS);
		}
		fprintf(stderr, " Container %s  %s\n", on->container_name,
			dep->condition == COMPOSE_SERVICE_HEALTHY ? "Healthy" : "Exited");
	}
	return 0;
}

static int follow(const char *project, const struct service_filter *only, int timestamps,
		  int stop_on_interrupt);
static int is_up(const char *dir, const struct container_record *r);

/* The text of the last line of NAME's log ("TIME STREAM TEXT"), or "". */
static void last_log_line(const char *dir, const char *name, char *out, size_t len)
{
	char path[4096], tail[4096], *line, *text;
	off_t size;
	ssize_t got = 0;
	int fd;

	out[0] = '\0';
	if (project_file(dir, name, "log", path, sizeof(path)) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > 0)
		got = pread(fd, tail, sizeof(tail) - 1,
			    size > (off_t)sizeof(tail) - 1 ? size - (off_t)sizeof(tail) + 1 : 0);
	close(fd);
	tail[got > 0 ? got : 0] = '\0';
	while (got > 0 && tail[got - 1] == '\n')
		tail[--got] = '\0';
	line = strrchr(tail, '\n') ? strrchr(tail, '\n') + 1 : tail;
	text = strchr(line, ' ') ? strchr(strchr(line, ' ') + 1, ' ') : NULL;
	if (text)
		snprintf(out, len, "%s", text + 1);
}

/* Ask the supervisor of before (just read) to start its container again,
 * and wait for its answer: the record's starts grows once it has tried. A
 * start that failed, or a container that has already exited with an error,
 * fails the command (docker compose: "Error response from daemon: ...").
 * It never waits for ever: a supervisor that is gone, or that does not
 * answer in START_ANSWER_S, is said. 0, or -1 after one line saying why. */
static int start_and_wait(const char *dir, const struct container_record *before)
{
	struct container_record now;
	time_t deadline = time(NULL) + START_ANSWER_S;
	char line[1024];

	sigqueue(before->supervisor, SUPERVISOR_START, (union sigval){.sival_int = 0});
	for (;;) {
		if (find_record(dir, before->name, &now) < 0 ||
		    !supervisor_alive(dir, before->name)) {
			box_error(
			    "service \"%s\": container %s can't start: its supervisor is gone "
			    "(killed? down cleans up)",
			    before->service, before->name);
			return -1;
		}
		if (now.starts > before->starts)
			break;
		if (time(NULL) > deadline) {
			box_error(
			    "service \"%s\": container %s: no answer from its supervisor (pid "
			    "%d) in %d s",
			    before->service, before->name, now.supervisor, START_ANSWER_S);
			return -1;
		}
		sleep_ms(POLL_MS / 4);
	}
	if (now.error[0]) {
		box_error("service \"%s\": container %s failed to start: %s", now.service, now.name,
			  now.error);
		return -1;
	}
	if (strcmp(now.status, "exited") == 0 && now.exit_code != 0) {
		last_log_line(dir, now.name, line, sizeof(line));
		box_error("service \"%s\": container %s exited at once with code %d%s%s",
			  now.service, now.name, now.exit_code,
			  line[0] ? "; its log's last line: " : "", line);
		return -1;
	}
	return 0;
}

/* A container of an earlier up, its supervisor alive: left alone when it
 * runs, started again when it was stopped (as docker compose up does).
 * 1 if it was there; 0 when it needs a supervisor of its own; -1 when it
 * could not start again (after why). */
static int already_there(const char *dir, const struct compose_service *service)
{
	struct container_record record;

	if (find_record(dir, service->container_name, &record) < 0 ||
	    !supervisor_alive(dir, service->container_name))
		return 0;
	if (is_up(dir, &record)) {
		fprintf(stderr, " Container %s  Running\n", record.name);
		return 1;
	}
	if (start_and_wait(dir, &record) < 0)
		return -1;
	fprintf(stderr, " Container %s  Started\n", record.name);
	return 1;
}

int compose_up(struct compose_project *project, int detach, const struct service_filter *only)
{
	static struct supervised ones[COMPOSE_MAX_SERVICES];
	struct container_record existing[COMPOSE_MAX_SERVICES];
	int order[COMPOSE_MAX_SERVICES], count, lock, there, joined, status = 0;
	struct project_net *net;
	pid_t pid;

	if (geteuid() != 0) {
		box_error("10-compose up must run as root (sudo): it makes cgroups, mounts and a "
			  "bridge");
		return EXIT_BOXES_FAILED;
	}
	if (compose_check_images(project, image_present, NULL) > 0) { /* 09: load it */
		compose_print_problems(project, stderr);
		return EXIT_BOXES_FAILED;
	}
	net = calloc(1, sizeof(*net));
	if (!net)
		return EXIT_BOXES_FAILED;
	sweep_dead_runs(sweepers); /* 01: what killed runs (and projects) left */
	if (project_dir(project->name, net->dir, sizeof(net->dir), 1) < 0 ||
	    (lock = project_lock(net->dir)) < 0) {
		free(net);
		return EXIT_BOXES_FAILED;
	}
	net->run_lock = net->subnet.lease_fd = -1;
	joined = records_list(net->dir, existing, COMPOSE_MAX_SERVICES) > 0; /* it runs */
	if (joined) {
		if (join_network(net) < 0) {
			close(lock);
			if (net->run_lock >= 0)
				close(net->run_lock);
			free(net);
			return EXIT_BOXES_FAILED;
		}
	} else if (make_network(project, net) < 0) {
		close(lock);
		bridge_delete(net->bridge);
		subnet_release(&net->subnet);
		state_remove(&net->run);
		remove_tree(net->dir);
		free(net);
		return EXIT_BOXES_FAILED;
	}
	for (int i = 0; i < project->service_count; i++) { /* every address first */
		ones[i].project = project;
		ones[i].service = &project->services[i];
		ones[i].net = net;
		subnet_project_address(&net->subnet, i + 1, ones[i].cidr, sizeof(ones[i].cidr),
				       ones[i].ip, sizeof(ones[i].ip));
	}
	write_hosts_text(project, ones, net);
	count = compose_start_order(project, order);
	for (int k = 0; k < count && status == 0; k++) {
		const struct compose_service *service = &project->services[order[k]];

		if (!wanted(only, service->name))
			continue;
		ones[order[k]].start_order = k;
		there = already_there(net->dir, service);
		if (there < 0)
			status = EXIT_BOXES_FAILED;
		if (there != 0)
			continue;
		if (wait_dependencies(project, service, net->dir) < 0 ||
		    supervisor_spawn(&ones[order[k]], &pid) < 0) {
			status = EXIT_BOXES_FAILED;
			break;
		}
		fprintf(stderr, " Container %s  Started\n", service->container_name);
	}
	close(lock);
	if (net->subnet.lease_fd >= 0)
		close(net->subnet.lease_fd); /* the supervisors have their own */
	if (net->run_lock >= 0 && joined)
		close(net->run_lock); /* theirs too (a first up's is state.c's: it stays) */
	if (status == 0 && !detach)
		status = follow(project->name, only, 0, 1);
	free(net); /* the supervisors hold its locks now; ours close at exit */
	return status;
}

/* docker's units.HumanDuration: "Less than a second", "5 seconds", ... */
static void human_duration(long long seconds, char *out, size_t len)
{
	if (seconds < 1)
		snprintf(out, len, "Less than a second");
	else if (seconds == 1)
		snprintf(out, len, "1 second");
	else if (seconds < 60)
		snprintf(out, len, "%lld seconds", seconds);
	else if (seconds / 60 == 1)
		snprintf(out, len, "About a minute");
	else if (seconds < 3600)
		snprintf(out, len, "%lld minutes", seconds / 60);
	else if (seconds / 3600 == 1)
		snprintf(out, len, "About an hour");
	else if (seconds < 48 * 3600)
		snprintf(out, len, "%lld hours", seconds / 3600);
	else
		snprintf(out, len, "%lld days", seconds / 86400);
}

static void status_text(const char *dir, const struct container_record *r, char *out, size_t len)
{
	char ago[64];
	long long now = time(NULL);

	if (!supervisor_alive(dir, r->name)) {
		snprintf(out, len, "Dead (its supervisor was killed: down cleans up)");
	} else if (strcmp(r->status, "running") == 0) {
		human_duration(now - r->started, ago, sizeof(ago));
		snprintf(out, len, "Up %s%s%s%s", ago, r->health[0] ? " (" : "", r->health,
			 r->health[0] ? ")" : "");
	} else if (strcmp(r->status, "created") == 0) {
		snprintf(out, len, "Created");
	} else {
		human_duration(now - r->finished, ago, sizeof(ago));
		snprintf(out, len, "%s (%d) %s ago",
			 strcmp(r->status, "restarting") == 0 ? "Restarting" : "Exited",
			 r->exit_code, ago);
	}
}

static int is_up(const char *dir, const struct container_record *r)
{
	return supervisor_alive(dir, r->name) &&
	       (strcmp(r->status, "running") == 0 || strcmp(r->status, "restarting") == 0);
}

#define PS_COLUMNS 6

int compose_ps(const char *project, int all)
{
	static struct container_record records[COMPOSE_MAX_SERVICES];
	static char cells[COMPOSE_MAX_SERVICES + 1][PS_COLUMNS][1100];
	static const char *const heads[PS_COLUMNS] = {"NAME",	 "IMAGE",  "COMMAND",
						      "SERVICE", "STATUS", "PORTS"};
	char dir[4096];
	int width[PS_COLUMNS] = {0}, rows = 1, count;

	if (project_dir(project, dir, sizeof(dir), 0) < 0)
		return EXIT_BOXES_FAILED;
	count = records_list(dir, records, COMPOSE_MAX_SERVICES);
	for (int c = 0; c < PS_COLUMNS; c++)
		snprintf(cells[0][c], sizeof(cells[0][c]), "%s", heads[c]);
	for (int i = 0; i < count; i++) {
		const struct container_record *r = &records[i];

		if (!all && !is_up(dir, r))
			continue;
		snprintf(cells[rows][0], sizeof(cells[0][0]), "%s", r->name);
		snprintf(cells[rows][1], sizeof(cells[0][0]), "%s", r->image);
		if (strlen(r->command) > 20) /* docker cuts it at 20, with an ellipsis */
			snprintf(cells[rows][2], sizeof(cells[0][0]), "\"%.19s…\"", r->command);
		else
			snprintf(cells[rows][2], sizeof(cells[0][0]), "\"%s\"", r->command);
		snprintf(cells[rows][3], sizeof(cells[0][0]), "%s", r->service);
		status_text(dir, r, cells[rows][4], sizeof(cells[0][0]));
		snprintf(cells[rows][5], sizeof(cells[0][0]), "%s", is_up(dir, r) ? r->ports : "");
		rows++;
	}
	for (int row = 0; row < rows; row++)
		for (int c = 0; c < PS_COLUMNS; c++) {
			int length = (int)strlen(cells[row][c]);

			if (strstr(cells[row][c], "…"))
				length -= 2; /* three bytes, one column */
			if (length > width[c])
				width[c] = length;
		}
	for (int row = 0; row < rows; row++) {
		for (int c = 0; c < PS_COLUMNS; c++) {
			int pad = width[c] - (int)strlen(cells[row][c]) +
				  (strstr(cells[row][c], "…") ? 2 : 0);

			if (c == PS_COLUMNS - 1)
				printf("%s", cells[row][c]);
			else
				printf("%s%*s   ", cells[row][c], pad, "");
		}
		printf("\n");
	}
	return 0;
}

/* One container's log being read. */
struct log_reader {
	struct container_record record;
	char prefix[192]; /* "web-1  | ", coloured on a terminal */
	int fd;
	char partial[16384];
	size_t length;
};

/* "TIME STREAM TEXT" -> "PREFIX[TIME ]TEXT" on stdout. */
static void print_log_line(const struct log_reader *reader, const char *line, int timestamps)
{
	const char *stream = strchr(line, ' ');
	const char *text = stream ? strchr(stream + 1, ' ') : NULL;

	if (!text)
		return;
	if (timestamps)
		printf("%s%.*s %s\n", reader->prefix, (int)(stream - line), line, text + 1);
	else
		printf("%s%s\n", reader->prefix, text + 1);
}

/* The complete lines the log has gained; 1 if there were any. */
static int read_new_lines(struct log_reader *reader, int timestamps)
{
	ssize_t got;
	char *newline;
	int any = 0;

	while (reader->fd >= 0 && (got = read(reader->fd, reader->partial + reader->length,
					      sizeof(reader->partial) - 1 - reader->length)) > 0) {
		reader->length += (size_t)got;
		while ((newline = memchr(reader->partial, '\n', reader->length))) {
			*newline = '\0';
			print_log_line(reader, reader->partial, timestamps);
			reader->length -= (size_t)(newline + 1 - reader->partial);
			memmove(reader->partial, newline + 1, reader->length);
			any = 1;
		}
		if (reader->length == sizeof(reader->partial) - 1)
			reader->length = 0; /* a line longer than that: drop it */
	}
	if (any)
		fflush(stdout);
	return any;
}

static const char *const colours[] = {"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"};

static int open_readers(const char *dir, const char *project, const struct service_filter *only,
			struct log_reader *readers)
{
	static struct container_record records[COMPOSE_MAX_SERVICES];
	int count = records_list(dir, records, COMPOSE_MAX_SERVICES), n = 0, width = 0;
	size_t skip = strlen(project) + 1;
	char path[4096];

	for (int i = 0; i < count; i++)
		if (wanted(only, records[i].service) &&
		    (int)(strlen(records[i].name) - skip) > width)
			width = (int)(strlen(records[i].name) - skip);
	for (int i = 0; i < count; i++) {
		struct log_reader *reader = &readers[n];

		if (!wanted(only, records[i].service))
			continue;
		memset(reader, 0, sizeof(*reader));
		reader->record = records[i];
		if (isatty(1))
			snprintf(reader->prefix, sizeof(reader->prefix), "\033[%sm%-*s |\033[0m ",
				 colours[n % 10], width + 1, records[i].name + skip);
		else
			snprintf(reader->prefix, sizeof(reader->prefix), "%-*s | ", width + 1,
				 records[i].name + skip);
		reader->fd = project_file(dir, records[i].name, "log", path, sizeof(path)) < 0
				 ? -1
				 : open(path, O_RDONLY | O_CLOEXEC);
		n++;
	}
	return n;
}

static int any_up(const char *dir, const struct log_reader *readers, int count)
{
	struct container_record record;

	for (int i = 0; i < count; i++)
		if (find_record(dir, readers[i].record.name, &record) == 0 && is_up(dir, &record))
			return 1;
	return 0;
}

static void signal_all(const char *dir, const struct log_reader *readers, int count, int signal,
		       int value)
{
	struct container_record record;

	for (int i = 0; i < count; i++)
		if (find_record(dir, readers[i].record.name, &record) == 0 &&
		    supervisor_alive(dir, record.name))
			sigqueue(record.supervisor, signal, (union sigval){.sival_int = value});
}

/* Print the logs as they grow, until no container is up (logs -f, and
 * a foreground up, where a Ctrl-C stops them all). */
static int follow(const char *project, const struct service_filter *only, int timestamps,
		  int stop_on_interrupt)
{
	static struct log_reader readers[COMPOSE_MAX_SERVICES];
	char dir[4096];
	sigset_t interrupt, old;
	int count, stopping = 0, quiet_rounds = 0;

	if (project_dir(project, dir, sizeof(dir), 0) < 0)
		return EXIT_BOXES_FAILED;
	count = open_readers(dir, project, only, readers);
	sigemptyset(&interrupt);
	sigaddset(&interrupt, SIGINT);
	sigaddset(&interrupt, SIGTERM);
	if (stop_on_interrupt)
		sigprocmask(SIG_BLOCK, &interrupt, &old);
	for (;;) {
		int any = 0;
		sigset_t pending;

		for (int i = 0; i < count; i++)
			any |= read_new_lines(&readers[i], timestamps);
		if (stop_on_interrupt && sigpending(&pending) == 0 &&
		    (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM))) {
			int got;

			sigwait(&interrupt, &got);
			fprintf(stderr, stopping ? "Killing...\n"
						 : "Gracefully stopping... (press Ctrl+C again to "
						   "force)\n");
			signal_all(dir, readers, count, SUPERVISOR_STOP, stopping ? 1 : 0);
			stopping = 1;
		}
		quiet_rounds = any ? 0 : quiet_rounds + 1;
		if (!any_up(dir, readers, count) && quiet_rounds > 2)
			break;
		sleep_ms(POLL_MS);
	}
	for (int i = 0; i < count; i++) {
		if (!stop_on_interrupt || !stopping)
			;
		else
			fprintf(stderr, " Container %s  Stopped\n", readers[i].record.name);
		if (readers[i].fd >= 0)
			close(readers[i].fd);
	}
	return 0;
}

int compose_logs(const char *project, int follow_logs, int timestamps,
		 const struct service_filter *only)
{
	static struct log_reader readers[COMPOSE_MAX_SERVICES];
	char dir[4096];
	int count;

	if (follow_logs)
		return follow(project, only, timestamps, 0);
	if (project_dir(project, dir, sizeof(dir), 0) < 0)
		return EXIT_BOXES_FAILED;
	count = open_readers(dir, project, only, readers);
	for (int i = 0; i < count; i++) {
		read_new_lines(&readers[i], timestamps);
		if (readers[i].fd >= 0)
			close(readers[i].fd);
	}
	return 0;
}

/* What stop and start do to one container of the project. 0, or -1 after
 * one line saying why. */
typedef int (*container_action)(const char *dir, const struct container_record *record, int value);

static int stop_service(const char *dir, const struct container_record *record, int timeout_s)
{
	sigqueue(record->supervisor, SUPERVISOR_STOP, (union sigval){.sival_int = timeout_s});
	wait_status(dir, record->name, "exited"); /* SIGKILL after the timeout */
	fprintf(stderr, " Container %s  Stopped\n", record->name);
	return 0;
}

static int start_service(const char *dir, const struct container_record *record, int unused)
{
	(void)unused;
	if (start_and_wait(dir, record) < 0)
		return -1;
	fprintf(stderr, " Container %s  Started\n", record->name);
	return 0;
}

/* act on each wanted container whose supervisor lives, in depends_on order
 * (reverse: dependents first), until one fails. */
static int each_in_order(const struct compose_project *project, const struct service_filter *only,
			 int reverse, container_action act, int value)
{
	int order[COMPOSE_MAX_SERVICES], count = compose_start_order(project, order);
	struct container_record record;
	char dir[4096];

	if (project_dir(project->name, dir, sizeof(dir), 0) < 0)
		return EXIT_BOXES_FAILED;
	for (int k = 0; k < count; k++) {
		const struct compose_service *service =
		    &project->services[order[reverse ? count - 1 - k : k]];

		if (!wanted(only, service->name) ||
		    find_record(dir, service->container_name, &record) < 0 ||
		    !supervisor_alive(dir, record.name))
			continue;
		if (act(dir, &record, value) < 0)
			return EXIT_BOXES_FAILED;
	}
	return 0;
}

int compose_stop(const struct compose_project *project, int timeout_s,
		 const struct service_filter *only)
{
	return each_in_order(project, only, 1, stop_service, timeout_s);
}

int compose_start(const struct compose_project *project, const struct service_filter *only)
{
	return each_in_order(project, only, 0, start_service, 0);
}

/* Dependents first: the reverse of up's order (docker compose's too). */
static int by_start_order_reversed(const void *a, const void *b)
{
	const struct container_record *left = a, *right = b;

	if (left->start_order != right->start_order)
		return right->start_order - left->start_order;
	return strcmp(left->name, right->name);
}

/* One named volume, if it is there (two services may share it). */
static void remove_volume(const char *name)
{
	char path[4096];
	struct stat st;

	if (volume_path(name, path, sizeof(path)) < 0 || stat(path, &st) < 0)
		return;
	remove_tree(path);
	fprintf(stderr, " Volume %s  Removed\n", name);
}

/* down -v: every named volume the containers used, after they are gone,
 * and those the file names (never an external one): a plain down before
 * left no container to tell. */
static void remove_volumes(const struct container_record *records, int count,
			   const struct compose_project *file)
{
	char names[sizeof(records[0].volumes)];

	for (int i = 0; i < count; i++) {
		snprintf(names, sizeof(names), "%s", records[i].volumes);
		for (char *save = NULL, *name = strtok_r(names, ",", &save); name;
		     name = strtok_r(NULL, ",", &save))
			remove_volume(name);
	}
	for (int i = 0; file && i < file->volume_count; i++)
		if (!file->volumes[i].external)
			remove_volume(file->volumes[i].name);
}

int compose_down(const char *project, int timeout_s, int volumes,
		 const struct compose_project *file)
{
	static struct container_record records[COMPOSE_MAX_SERVICES];
	char dir[4096], path[4096];
	struct stat st;
	int count, existed, locks[COMPOSE_MAX_SERVICES];

	if (geteuid() != 0) {
		box_error("10-compose down must run as root (sudo)");
		return EXIT_BOXES_FAILED;
	}
	if (project_dir(project, dir, sizeof(dir), 0) < 0)
		return EXIT_BOXES_FAILED;
	existed = stat(dir, &st) == 0;
	count = records_list(dir, records, COMPOSE_MAX_SERVICES);
	qsort(records, (size_t)count, sizeof(records[0]), by_start_order_reversed);
	/* Each supervisor's lock, opened before it is told to go: it unlinks
	 * the file on its way out, but holds the lock until it has exited. */
	for (int i = 0; i < count; i++)
		locks[i] = project_file(dir, records[i].name, "lock", path, sizeof(path)) < 0
			       ? -1
			       : open(path, O_RDONLY | O_CLOEXEC);
	for (int i = 0; i < count; i++)
		if (supervisor_alive(dir, records[i].name)) {
			fprintf(stderr, " Container %s  Stopping\n", records[i].name);
			sigqueue(records[i].supervisor, SUPERVISOR_REMOVE,
				 (union sigval){.sival_int = timeout_s});
		}
	for (int i = 0; i < count; i++) {
		if (locks[i] >= 0) { /* taken when it has gone: the wait for its end */
			flock(locks[i], LOCK_EX);
			close(locks[i]);
		}
		fprintf(stderr, " Container %s  Removed\n", records[i].name);
	}
	sweep_dead_runs(sweepers); /* killed supervisors: their containers, the bridge */
	if (stat(dir, &st) == 0) {
		box_error("down: %s is still there (a process of the project is alive?)", dir);
		return EXIT_BOXES_FAILED;
	}
	if (existed)
		fprintf(stderr, " Network %s_default  Removed\n", project);
	if (volumes)
		remove_volumes(records, count, file);
	return 0;
}
