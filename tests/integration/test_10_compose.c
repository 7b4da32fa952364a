/* Step 10's runtime: compose files run as containers on a bridge of their
 * own, as a user of docker compose would check it - from the host's side
 * (a published port answers, an unpublished one does not), from inside
 * (a service reaches another by name; another project is out of reach),
 * and what is left afterwards (nothing, even after kill -9 of every
 * supervisor). The image is the busybox test image of scripts/mkimage.sh,
 * loaded into a store of this group's own. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_09.h"

#define IMAGE "localhost/boxes-test:latest"
#define WAIT_S 20

static char *project_dir;
static char compose_file[4096];

/* The compose file of one test, written to the group's scratch dir. */
static void write_compose(const char *text)
{
	FILE *out = fopen(compose_file, "w");

	assert_non_null(out);
	fputs(text, out);
	fclose(out);
}

/* 10-compose -f FILE -p PROJECT VERB [ARG...] */
static int compose(struct run_result *r, const char *project, const char *verb, const char *arg1,
		   const char *arg2)
{
	char *argv[] = {(char *)bin_path("10-compose"),
			"-f",
			compose_file,
			"-p",
			(char *)project,
			(char *)verb,
			(char *)arg1,
			(char *)arg2,
			NULL};

	return run_argv(r, 60, argv);
}

static void down(const char *project)
{
	static struct run_result r;

	compose(&r, project, "down", "-t", "1");
}

/* Until `ps -a` shows text (or WAIT_S pass): 1 if it did. */
static int wait_for_ps(const char *project, const char *text)
{
	static struct run_result r;

	for (int i = 0; i < WAIT_S * 10; i++) {
		compose(&r, project, "ps", "-a", NULL);
		if (strstr(r.out, text))
			return 1;
		usleep(100000);
	}
	fprintf(stderr, "ps -a never showed \"%s\":\n%s%s", text, r.out, r.err);
	return 0;
}

/* GET / from 127.0.0.1:port, the reply into out: 0, or -1 when nothing
 * answers (connection refused). */
static int http_get(int port, char *out, size_t len)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	const char request[] = "GET /index.html HTTP/1.0\r\n\r\n";
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t have = 0;
	ssize_t got;

	out[0] = '\0';
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (write(fd, request, sizeof(request) - 1) < 0) {
		close(fd);
		return -1;
	}
	while (have + 1 < len && (got = read(fd, out + have, len - 1 - have)) > 0)
		have += (size_t)got;
	out[have] = '\0';
	close(fd);
	return 0;
}

/* A TCP port of 20000-29999 nothing on the host listens on now. */
static int free_port(void)
{
	static int calls; /* never the same port twice in one run */

	calls += 37;
	for (int tries = calls; tries < calls + 100; tries++) {
		int port = 20000 +
			   (int)((unsigned)(getpid() * 7919 + tries * 104729 + time(NULL)) % 10000);
		struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

		ok = bind(fd, (struct sockaddr *)&at, sizeof(at)) == 0;
		close(fd);
		if (ok)
			return port;
	}
	return 29999;
}

/* A listener on 0.0.0.0:port held by the test: the port is taken. */
static int hold_port(int port)
{
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&at, sizeof(at)) < 0 || listen(fd, 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The "key value" of a container's state file. */
static int state_value(const char *project, const char *name, const char *key, char *out,
		       size_t len)
{
	char path[4096], text[8192], *line;

	snprintf(path, sizeof(path), "%s/compose/%s/%s.state", run_dir(), project, name);
	if (read_file(path, text, sizeof(text)) < 0)
		return -1;
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ' ') {
			snprintf(out, len, "%s", line + strlen(key) + 1);
			return 0;
		}
	return -1;
}

/* A web service: httpd on port 80 serving "body". */
#define WEB(body)                                                                                  \
	"    image: " IMAGE "\n"                                                                   \
	"    command: [\"sh\", \"-c\", \"mkdir -p /www && echo " body                              \
	" > /www/index.html && exec httpd -f -p 80 -h /www\"]\n"

static void test_two_services_talk_by_name(void **state)
{
	struct run_result r;

	(void)state;
	write_compose(
	    "services:\n"
	    "  web:\n" WEB("served-by-web") "  client:\n"
					    "    image: " IMAGE "\n"
					    "    command: [\"sh\", \"-c\", \"for i in 1 2 3 4 5 6 "
					    "7 8 9 10; do "
					    "wget -q -O- http://web/index.html && wget -q -O- "
					    "http://talk-web-1/index.html && exit 0; sleep 0.3; "
					    "done; exit 1\"]\n");
	compose(&r, "talk", "up", "-d", NULL);
	assert_exit(&r, 0);
	assert_error(&r, "Container talk-client-1  Started");
	assert_true(wait_for_ps("talk", "Exited ("));
	compose(&r, "talk", "ps", "-a", NULL);
	assert_output(&r, "talk-client-1");
	assert_output(&r, "Exited (0)"); /* both names answered */
	compose(&r, "talk", "logs", "client", NULL);
	assert_output(&r, "client-1  | served-by-web");
	down("talk");
}

static void test_published_port_answers_unpublished_does_not(void **state)
{
	struct run_result r;
	char text[512], reply[4096] = "";
	int published = free_port(), unpublished = free_port();

	(void)state;
	snprintf(text, sizeof(text),
		 "services:\n"
		 "  web:\n"
		 "    image: " IMAGE "\n"
		 "    command: [\"sh\", \"-c\", \"mkdir -p /www && echo published-body > "
		 "/www/index.html && httpd -p %d -h /www && exec httpd -f -p 80 -h /www\"]\n"
		 "    ports:\n"
		 "      - \"%d:80\"\n",
		 unpublished, published);
	write_compose(text);
	compose(&r, "pub", "up", "-d", NULL);
	assert_exit(&r, 0);
	snprintf(text, sizeof(text), "0.0.0.0:%d->80/tcp", published);
	assert_true(wait_for_ps("pub", text));
	for (int i = 0; i < 50 && !strstr(reply, "published-body"); i++, usleep(100000))
		http_get(published, reply, sizeof(reply));
	assert_non_null(strstr(reply, "published-body"));
	/* the same server's other port: listening inside, not on the host */
	assert_int_equal(http_get(unpublished, reply, sizeof(reply)), -1);
	down("pub");
	assert_int_equal(http_get(published, reply, sizeof(reply)), -1); /* the proxy is gone */
}

static void test_host_range_picks_a_free_port(void **state)
{
	struct run_result r;
	char text[512], reply[4096] = "";
	int first = free_port(), held = hold_port(first);

	(void)state;
	assert_true(held >= 0);
	snprintf(text, sizeof(text),
		 "services:\n  web:\n" WEB("range-body") "    ports:\n"
							 "      - \"%d-%d:80\"\n",
		 first, first + 20);
	write_compose(text);
	compose(&r, "range", "up", "-d", NULL);
	assert_exit(&r, 0);
	compose(&r, "range", "ps", NULL, NULL);
	snprintf(text, sizeof(text), "0.0.0.0:%d->80/tcp", first); /* held by us: not it */
	assert_no_output(&r, text);
	assert_output(&r, "->80/tcp");
	{
		int chosen = atoi(strstr(r.out, "0.0.0.0:") + 8);

		assert_true(chosen > first && chosen <= first + 20);
		for (int i = 0; i < 50 && !strstr(reply, "range-body"); i++, usleep(100000))
			http_get(chosen, reply, sizeof(reply));
		assert_non_null(strstr(reply, "range-body"));
	}
	close(held);
	down("range");
}

static void test_taken_port_fails_the_service_with_its_holder(void **state)
{
	struct run_result r;
	char text[512];
	int port = free_port(), held = hold_port(port);

	(void)state;
	assert_true(held >= 0);
	snprintf(text, sizeof(text),
		 "services:\n  web:\n" WEB("x") "    ports:\n      - \"%d:80\"\n", port);
	write_compose(text);
	compose(&r, "taken", "up", "-d", NULL);
	assert_exit(&r, 125);
	snprintf(text, sizeof(text), "%d", port);
	assert_error(&r, text);
	assert_error(&r, "Address already in use");
	close(held);
	down("taken");
}

static int count_of(const char *haystack, const char *needle)
{
	int count = 0;

	for (const char *at = haystack; (at = strstr(at, needle)); at += strlen(needle))
		count++;
	return count;
}

static void test_restart_on_failure_stops_after_n(void **state)
{
	struct run_result r;

	(void)state;
	write_compose("services:\n"
		      "  flaky:\n"
		      "    image: " IMAGE "\n"
		      "    command: [\"sh\", \"-c\", \"echo attempt; exit 3\"]\n"
		      "    restart: on-failure:2\n");
	compose(&r, "flaky", "up", "-d", NULL);
	assert_exit(&r, 0);
	assert_true(wait_for_ps("flaky", "Exited (3)"));
	sleep(1); /* a third restart would have come by now */
	compose(&r, "flaky", "logs", NULL, NULL);
	assert_int_equal(count_of(r.out, "flaky-1  | attempt"), 3); /* the first run + 2 */
	compose(&r, "flaky", "ps", "-a", NULL);
	assert_output(&r, "Exited (3)");
	down("flaky");
}

/* db with a healthcheck, app depending on it being healthy. */
static void write_gated_app(const char *db_command, const char *test, int retries)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "services:\n  db:\n    image: " IMAGE "\n    command: %s\n"
		 "    healthcheck:\n      test: %s\n      interval: 1s\n      timeout: 2s\n"
		 "      retries: %d\n"
		 "  app:\n    image: " IMAGE "\n    command: [\"sleep\", \"60\"]\n"
		 "    depends_on:\n      db:\n        condition: service_healthy\n",
		 db_command, test, retries);
	write_compose(text);
}

/* depends_on: condition: service_healthy waits for the healthcheck, run
 * inside the container, to pass; ps then shows (healthy). */
static void test_healthcheck_gates_depends_on(void **state)
{
	struct run_result r;
	const char *healthy, *app_started;

	(void)state;
	write_gated_app("[\"sh\", \"-c\", \"sleep 2; touch /tmp/ready; exec sleep 60\"]",
			"[\"CMD\", \"test\", \"-f\", \"/tmp/ready\"]", 10);
	compose(&r, "hc", "up", "-d", NULL);
	assert_exit(&r, 0);
	healthy = strstr(r.err, "Container hc-db-1  Healthy");
	app_started = strstr(r.err, "Container hc-app-1  Started");
	assert_non_null(healthy);
	assert_non_null(app_started);
	assert_true(healthy < app_started); /* the app waited for it */
	compose(&r, "hc", "ps", NULL, NULL);
	assert_output(&r, "(healthy)");
	down("hc");
}

/* A healthcheck that never passes: the dependent service is not started. */
static void test_unhealthy_dependency_fails_up(void **state)
{
	struct run_result r;

	(void)state;
	write_gated_app("[\"sleep\", \"60\"]", "[\"CMD-SHELL\", \"exit 1\"]", 2);
	compose(&r, "hc", "up", "-d", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "hc-db-1 is unhealthy");
	assert_no_output(&r, "hc-app-1  Started");
	assert_false(strstr(r.err, "Container hc-app-1  Started"));
	down("hc");
}

/* A host file, o+r, in the group's scratch dir (made o+x): a script for
 * a container to run from a bind mount. */
static void write_host_script(const char *name, const char *text, char *path, size_t len)
{
	FILE *file;

	assert_int_equal(chmod(project_dir, 0711), 0); /* the container's root walks through */
	snprintf(path, len, "%s/%s", project_dir, name);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
	assert_int_equal(chmod(path, 0644), 0);
}

/* The probe runs as the container's processes run: the same cgroup (it
 * counts against the limits), uid, capabilities, no_new_privs and seccomp
 * filter as the container's PID 1 - healthy only then. */
static void test_healthcheck_probe_runs_as_the_container_does(void **state)
{
	struct run_result r;
	char script[4096], text[8192];

	(void)state;
	write_host_script("same-as-pid-1.sh",
			  "for key in Uid Gid Groups CapEff CapPrm CapBnd NoNewPrivs Seccomp \\\n"
			  "    Seccomp_filters; do\n"
			  "  [ \"$(grep \"^$key:\" /proc/self/status)\" = \\\n"
			  "    \"$(grep \"^$key:\" /proc/1/status)\" ] || exit 1\n"
			  "done\n"
			  "[ \"$(cat /proc/self/cgroup)\" = \"$(cat /proc/1/cgroup)\" ]\n",
			  script, sizeof(script));
	snprintf(text, sizeof(text),
		 "services:\n  db:\n    image: " IMAGE "\n    command: [\"sleep\", \"60\"]\n"
		 "    mem_limit: 64m\n    pids_limit: 20\n"
		 "    volumes:\n      - %s:/same-as-pid-1.sh:ro\n"
		 "    healthcheck:\n      test: [\"CMD\", \"sh\", \"/same-as-pid-1.sh\"]\n"
		 "      interval: 1s\n      timeout: 2s\n      retries: 2\n"
		 "  app:\n    image: " IMAGE "\n    command: [\"sleep\", \"60\"]\n"
		 "    depends_on:\n      db:\n        condition: service_healthy\n",
		 script);
	write_compose(text);
	compose(&r, "hcsame", "up", "-d", NULL);
	assert_exit(&r, 0);
	assert_error(&r, "Container hcsame-db-1  Healthy");
	assert_error(&r, "Container hcsame-app-1  Started");
	down("hcsame");
}

/* up -d SERVICE, then up -d: the other service comes up; the running one
 * is left alone (docker compose: "Container x  Running"), the same pid. */
static void test_up_again_starts_the_missing_services_only(void **state)
{
	struct run_result r;
	char before[32], after[32], text[1024];

	(void)state;
	write_compose(
	    "services:\n"
	    "  web:\n" WEB("web-body") "  api:\n"
				       "    image: " IMAGE "\n"
				       "    command: [\"sh\", \"-c\", \"for i in 1 2 3 4 5 6 "
				       "7 8 9 10; do wget -q -O- http://web/index.html && "
				       "exec sleep 60; sleep 0.3; done; exit 1\"]\n");
	compose(&r, "again", "up", "-d", "web");
	assert_exit(&r, 0);
	assert_error(&r, "Container again-web-1  Started");
	assert_no_output(&r, "again-api-1");
	assert_false(strstr(r.err, "again-api-1"));
	assert_int_equal(state_value("again", "again-web-1", "supervisor", before, sizeof(before)),
			 0);
	compose(&r, "again", "up", "-d", NULL);
	assert_exit(&r, 0);
	assert_error(&r, "Container again-web-1  Running");
	assert_error(&r, "Container again-api-1  Started");
	assert_false(strstr(r.err, "Container again-web-1  Started"));
	assert_int_equal(state_value("again", "again-web-1", "supervisor", after, sizeof(after)),
			 0);
	assert_string_equal(before, after); /* left alone */
	assert_true(wait_for_ps("again", "again-api-1"));
	compose(&r, "again", "ps", NULL, NULL);
	assert_output(&r, "again-web-1");
	assert_output(&r, "again-api-1");
	/* the newcomer is on the same bridge: it reached web by name */
	sleep(1);
	compose(&r, "again", "logs", "api", NULL);
	assert_output(&r, "api-1  | web-body");
	down("again");
	snprintf(text, sizeof(text), "%s/compose/again", run_dir());
	assert_int_equal(access(text, F_OK), -1); /* down left nothing */
}

/* Every supervisor killed with SIGKILL: down still leaves nothing. */
static void test_down_after_kill_9_leaves_nothing(void **state)
{
	struct run_result r;
	char text[512], pid[32], reply[256], objects[8192];
	int port = free_port();

	(void)state;
	snprintf(
	    text, sizeof(text),
	    "services:\n  web:\n" WEB("k") "    ports:\n      - \"%d:80\"\n  other:\n" WEB("o"),
	    port);
	write_compose(text);
	compose(&r, "killed", "up", "-d", NULL);
	assert_exit(&r, 0);
	assert_int_equal(state_value("killed", "killed-web-1", "supervisor", pid, sizeof(pid)), 0);
	assert_int_equal(kill(atoi(pid), SIGKILL), 0);
	assert_int_equal(state_value("killed", "killed-other-1", "supervisor", pid, sizeof(pid)),
			 0);
	assert_int_equal(kill(atoi(pid), SIGKILL), 0);
	usleep(300000);
	list_host_objects(objects, sizeof(objects));
	assert_non_null(strstr(objects, "/sys/class/net/bxp")); /* the bridge outlived them */
	compose(&r, "killed", "down", NULL, NULL);
	assert_exit(&r, 0);
	list_host_objects(objects, sizeof(objects));
	assert_string_equal(objects, ""); /* no cgroup, no veth, no bridge */
	snprintf(text, sizeof(text), "%s/compose/killed", run_dir());
	assert_int_equal(access(text, F_OK), -1); /* no state */
	assert_int_equal(run_dir_entries(), 1); /* compose/, empty: no run dir */
	assert_int_equal(host_mounts_matching(run_dir()), 0);
	assert_int_equal(http_get(port, reply, sizeof(reply)), -1); /* no proxy */
}

/* A container of one project can't reach one of another; its own
 * project's web, probed the same way in the same container, answers. */
static void test_two_projects_cant_reach_each_other(void **state)
{
	struct run_result r;
	char ip[32];

	(void)state;
	write_compose("services:\n  web:\n" WEB("project-a"));
	compose(&r, "proja", "up", "-d", NULL);
	assert_exit(&r, 0);
	assert_int_equal(state_value("proja", "proja-web-1", "ip", ip, sizeof(ip)), 0);
	setenv("TARGET", ip, 1);
	write_compose("services:\n"
		      "  web:\n" WEB("project-b") "  probe:\n"
						  "    image: " IMAGE "\n"
						  "    command: [\"sh\", \"-c\", \"sleep 0.5; wget "
						  "-q -O- http://web/index.html; "
						  "wget -q -O- http://${TARGET}/index.html || "
						  "echo UNREACHABLE\"]\n");
	compose(&r, "projb", "up", "-d", NULL);
	assert_exit(&r, 0);
	assert_true(wait_for_ps("projb", "Exited"));
	compose(&r, "projb", "logs", "probe", NULL);
	assert_output(&r, "probe-1  | project-b"); /* its own project's web */
	assert_output(&r, "probe-1  | UNREACHABLE");
	assert_no_output(&r, "project-a");
	down("projb");
	down("proja");
	unsetenv("TARGET");
}

/* The escape of 09: --net host puts every port a container opens on every
 * host address. Under 10 the same listener is unreachable unless published. */
static void test_escape_09_net_host_exposes_ports_10_does_not(void **state)
{
	struct run_result r;
	char reply[4096] = "", text[512], port_text[16];
	int port = free_port();
	pid_t box;

	(void)state;
	snprintf(port_text, sizeof(port_text), "%d", port);
	box = spawn_box("/dev/null", "/dev/null", "09-image", "run", "--net", "host", IMAGE, "sh",
			"-c",
			"mkdir -p /www && echo leaked > /www/index.html && timeout 5 httpd -f -p "
			"$0 -h /www",
			port_text, NULL);
	for (int i = 0; i < 50 && !strstr(reply, "leaked"); i++, usleep(100000))
		http_get(port, reply, sizeof(reply));
	kill(-box, SIGTERM);
	wait_box(box, 20);
	assert_non_null(strstr(reply, "leaked")); /* 09: escaped */

	snprintf(
	    text, sizeof(text),
	    "services:\n  web:\n    image: " IMAGE "\n"
	    "    command: [\"sh\", \"-c\", \"mkdir -p /www && echo leaked > /www/index.html && "
	    "exec httpd -f -p %d -h /www\"]\n",
	    port);
	write_compose(text);
	compose(&r, "esc", "up", "-d", NULL);
	assert_exit(&r, 0);
	assert_true(wait_for_ps("esc", "Up "));
	usleep(500000);
	assert_int_equal(http_get(port, reply, sizeof(reply)), -1); /* 10: blocked */
	down("esc");
}

/* up without -d: "svc-1  | ..." lines as they come; Ctrl-C stops all. */
static void test_foreground_up_prints_logs_and_ctrl_c_stops_all(void **state)
{
	struct run_result r;
	char out_file[4200], err_file[4200], text[8192] = "";
	pid_t up;

	(void)state;
	write_compose(
	    "services:\n"
	    "  ticker:\n"
	    "    image: " IMAGE "\n"
	    "    command: [\"sh\", \"-c\", \"while true; do echo tick; sleep 0.2; done\"]\n");
	snprintf(out_file, sizeof(out_file), "%s/up.out", project_dir);
	snprintf(err_file, sizeof(err_file), "%s/up.err", project_dir);
	up =
	    spawn_box(out_file, err_file, "10-compose", "-f", compose_file, "-p", "fg", "up", NULL);
	for (int i = 0; i < WAIT_S * 10 && !strstr(text, "ticker-1  | tick"); i++, usleep(100000))
		read_file(out_file, text, sizeof(text));
	assert_non_null(strstr(text, "ticker-1  | tick"));
	kill(up, SIGINT);
	assert_int_equal(wait_box(up, 30), 0);
	read_file(err_file, text, sizeof(text));
	assert_non_null(strstr(text, "Gracefully stopping"));
	compose(&r, "fg", "ps", "-a", NULL);
	assert_output(&r, "Exited (");
	down("fg");
}

static void test_image_not_in_store_says_load_it(void **state)
{
	struct run_result r;

	(void)state;
	write_compose("services:\n  web:\n    image: localhost/not-loaded:1\n");
	compose(&r, "noimg", "up", "-d", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "09-image load");
	assert_error(&r, ":3:");
}

/* up -d a project of one short-lived service; its logs once it exited. */
static void run_to_the_end(struct run_result *r, const char *project)
{
	compose(r, project, "up", "-d", NULL);
	assert_exit(r, 0);
	assert_true(wait_for_ps(project, "Exited ("));
	compose(r, project, "logs", NULL, NULL);
}

/* A host dir of host root shows as nobody inside (07): the rw one is
 * given to the container's root on the host, as docker rootless asks. */
static void make_host_dir(const char *name, uid_t owner, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", project_dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(chown(path, owner, owner), 0);
}

static void test_bind_mounts_share_files_and_ro_refuses_writes(void **state)
{
	struct run_result r;
	char in[4096], out[4096], path[4200], text[256] = "";
	struct stat st;
	FILE *file;

	(void)state;
	assert_int_equal(chmod(project_dir, 0711), 0); /* the container's root walks through */
	make_host_dir("in", 0, in, sizeof(in));
	make_host_dir("out", 100000, out, sizeof(out));
	snprintf(path, sizeof(path), "%s/hello.txt", in);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs("hello-from-host\n", file);
	fclose(file);
	write_compose("services:\n"
		      "  vol:\n"
		      "    image: " IMAGE "\n"
		      "    command: [\"sh\", \"-c\", \"cat /in/hello.txt; echo written-inside > "
		      "/out/new.txt; touch /in/x 2>&1 || echo ro-refused\"]\n"
		      "    volumes:\n"
		      "      - ./in:/in:ro\n"
		      "      - ./out:/out\n");
	run_to_the_end(&r, "binds");
	assert_output(&r, "vol-1  | hello-from-host"); /* the host's file, inside */
	assert_output(&r, "Read-only file system"); /* :ro: EROFS, also for root */
	assert_output(&r, "vol-1  | ro-refused");
	snprintf(path, sizeof(path), "%s/new.txt", out);
	assert_int_equal(read_file(path, text, sizeof(text)), 0); /* the write, on the host */
	assert_string_equal(text, "written-inside\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 100000); /* made by the container's root */
	snprintf(path, sizeof(path), "%s/x", in);
	assert_int_not_equal(access(path, F_OK), 0);
	down("binds");
	assert_int_equal(host_mounts_matching(in), 0);
}

static void test_named_volume_survives_down_and_down_v_removes_it(void **state)
{
	struct run_result r;
	char volume[4096];
	struct stat st;

	(void)state;
	snprintf(volume, sizeof(volume), "%s/volumes/vols_data", getenv("BOXES_ROOT"));
	write_compose("services:\n"
		      "  keep:\n"
		      "    image: " IMAGE "\n"
		      "    command: [\"sh\", \"-c\", \"echo found-$(cat /data/count 2>/dev/null "
		      "|| echo nothing); echo kept > /data/count\"]\n"
		      "    volumes:\n"
		      "      - data:/data\n"
		      "volumes:\n"
		      "  data:\n");
	run_to_the_end(&r, "vols");
	assert_output(&r, "keep-1  | found-nothing");
	compose(&r, "vols", "down", NULL, NULL);
	assert_exit(&r, 0);
	assert_int_equal(stat(volume, &st), 0); /* down keeps it, owned by the container's root */
	assert_int_equal(st.st_uid, 100000);
	run_to_the_end(&r, "vols");
	assert_output(&r, "keep-1  | found-kept"); /* the first run's write */
	compose(&r, "vols", "down", "-v", NULL);
	assert_exit(&r, 0);
	assert_error(&r, "Volume vols_data  Removed");
	assert_int_not_equal(stat(volume, &st), 0);
}

/* docker compose down -v removes the file's named volumes even when no
 * container is left: after a plain down, too. */
static void test_down_v_after_down_removes_the_named_volumes(void **state)
{
	struct run_result r;
	char volume[4096];
	struct stat st;

	(void)state;
	snprintf(volume, sizeof(volume), "%s/volumes/volsafter_data", getenv("BOXES_ROOT"));
	write_compose("services:\n"
		      "  keep:\n"
		      "    image: " IMAGE "\n"
		      "    command: [\"sh\", \"-c\", \"echo kept > /data/count\"]\n"
		      "    volumes:\n"
		      "      - data:/data\n"
		      "volumes:\n"
		      "  data:\n");
	run_to_the_end(&r, "volsafter");
	compose(&r, "volsafter", "down", NULL, NULL);
	assert_exit(&r, 0);
	assert_int_equal(stat(volume, &st), 0); /* down keeps it */
	compose(&r, "volsafter", "down", "-v", NULL);
	assert_exit(&r, 0);
	assert_error(&r, "Volume volsafter_data  Removed");
	assert_int_not_equal(stat(volume, &st), 0);
	compose(&r, "volsafter", "down", "-v", NULL); /* nothing left: nothing to say */
	assert_exit(&r, 0);
	assert_false(strstr(r.err, "Volume volsafter_data"));
}

static void test_down_stops_dependents_first(void **state)
{
	struct run_result r;
	const char *web, *api;

	(void)state;
	write_compose("services:\n"
		      "  web:\n"
		      "    image: " IMAGE "\n"
		      "    command: [\"sleep\", \"60\"]\n"
		      "    depends_on: [api]\n"
		      "  api:\n"
		      "    image: " IMAGE "\n"
		      "    command: [\"sleep\", \"60\"]\n");
	compose(&r, "ord", "up", "-d", NULL);
	assert_exit(&r, 0);
	compose(&r, "ord", "down", "-t", "1");
	assert_exit(&r, 0);
	web = strstr(r.err, "Container ord-web-1  Stopping");
	api = strstr(r.err, "Container ord-api-1  Stopping");
	assert_non_null(web);
	assert_non_null(api);
	assert_true(web < api); /* as docker compose: the dependent first */
}

/* scripts/cleanup.sh, as a user runs it: a sweep of every dead run. */
static void run_cleanup_sh(struct run_result *r)
{
	char *argv[] = {"scripts/cleanup.sh", "--trace", NULL};

	run_argv(r, 30, argv);
}

/* Until `logs SERVICE` shows text (or WAIT_S pass): 1 if it did. */
static int wait_for_log(const char *project, const char *service, const char *text)
{
	static struct run_result r;

	for (int i = 0; i < WAIT_S * 5; i++) {
		compose(&r, project, "logs", service, NULL);
		if (strstr(r.out, text))
			return 1;
		usleep(200000);
	}
	fprintf(stderr, "logs %s never showed \"%s\":\n%s%s", service, text, r.out, r.err);
	return 0;
}

/* A service a later up added holds the project's network as the first
 * up's do: with the first one's supervisor killed (kill -9), a sweep
 * (scripts/cleanup.sh, and the next up's) leaves the bridge and the
 * project's state, and a third service still reaches the later one by
 * name. down then leaves nothing. */
static void test_later_service_keeps_the_network_when_the_first_is_killed(void **state)
{
	struct run_result r;
	char path[4096], pid[32], objects[8192];

	(void)state;
	write_compose("services:\n"
		      "  first:\n" WEB("first-body") "  later:\n" WEB(
			  "later-body") "  third:\n"
					"    image: " IMAGE "\n"
					"    command: [\"sh\", \"-c\", \"wget -q -O- "
					"http://later/index.html; "
					"exec sleep 60\"]\n");
	compose(&r, "keep", "up", "-d", "first");
	assert_exit(&r, 0);
	compose(&r, "keep", "up", "-d", "later");
	assert_exit(&r, 0);
	assert_int_equal(state_value("keep", "keep-first-1", "supervisor", pid, sizeof(pid)), 0);
	assert_int_equal(kill(atoi(pid), SIGKILL), 0);
	usleep(300000);
	run_cleanup_sh(&r);
	assert_exit(&r, 0);
	list_host_objects(objects, sizeof(objects));
	assert_non_null(strstr(objects, "/sys/class/net/bxp")); /* the bridge is still there */
	snprintf(path, sizeof(path), "%s/compose/keep/project", run_dir());
	assert_int_equal(access(path, F_OK), 0);
	compose(&r, "keep", "up", "-d", "third");
	assert_exit(&r, 0);
	assert_true(wait_for_log("keep", "third", "third-1  | later-body"));
	compose(&r, "keep", "down", "-t", "1");
	assert_exit(&r, 0);
	list_host_objects(objects, sizeof(objects));
	assert_string_equal(objects, ""); /* no cgroup, no veth, no bridge */
	snprintf(path, sizeof(path), "%s/compose/keep", run_dir());
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(run_dir_entries(), 1); /* compose/, empty: no run dir */
	assert_int_equal(host_mounts_matching(run_dir()), 0);
}

/* Does process pid hold path open? */
static int holds_open(const char *pid, const char *path)
{
	char fds[64], link[4200], target[4096];
	struct dirent *entry;
	DIR *dir;
	int found = 0;
	ssize_t length;

	snprintf(fds, sizeof(fds), "/proc/%s/fd", pid);
	dir = opendir(fds);
	assert_non_null(dir);
	while ((entry = readdir(dir))) {
		snprintf(link, sizeof(link), "%s/%s", fds, entry->d_name);
		length = readlink(link, target, sizeof(target) - 1);
		if (length > 0) {
			target[length] = '\0';
			found |= strcmp(target, path) == 0;
		}
	}
	closedir(dir);
	return found;
}

/* A file up's caller holds open (say, the lock of a flock(1) that `up -d`
 * runs under) is not held on by the supervisor, which outlives up. */
static void test_supervisor_keeps_none_of_the_callers_files(void **state)
{
	struct run_result r;
	char held[4096], pid[32];
	int fd;

	(void)state;
	snprintf(held, sizeof(held), "%s/held-by-the-caller", project_dir);
	fd = open(held, O_RDWR | O_CREAT, 0600); /* no O_CLOEXEC: up inherits it */
	assert_true(fd >= 0);
	write_compose("services:\n"
		      "  web:\n" WEB("fd"));
	compose(&r, "fds", "up", "-d", NULL);
	close(fd);
	assert_exit(&r, 0);
	assert_int_equal(state_value("fds", "fds-web-1", "supervisor", pid, sizeof(pid)), 0);
	assert_false(holds_open(pid, held));
	down("fds");
	unlink(held);
}

/* One line on stderr that names the service: how a start that failed
 * must end, within seconds (docker compose: "Error response from daemon"). */
static void assert_failed_start(struct run_result *r, time_t began, const char *service,
				const char *why)
{
	char named[160];

	snprintf(named, sizeof(named), "service \"%s\"", service);
	assert_false(r->timed_out);
	assert_true(time(NULL) - began < WAIT_S);
	assert_int_not_equal(r->status, 0);
	assert_error(r, named);
	assert_error(r, why);
	assert_int_equal(count_of(r->err, "boxes: "), 1);
}

/* The container can't start again: its bind mount's source was removed
 * while it was stopped. start, and up -d, say why and return; ps -a shows
 * it exited; down still removes it all. */
static void test_start_that_fails_says_why_and_returns(void **state)
{
	struct run_result r;
	char gone[4096];
	time_t began;

	(void)state;
	assert_int_equal(chmod(project_dir, 0711), 0); /* the container's root walks through */
	snprintf(gone, sizeof(gone), "%s/gone", project_dir);
	assert_int_equal(mkdir(gone, 0755), 0);
	write_compose("services:\n"
		      "  job:\n"
		      "    image: " IMAGE "\n"
		      "    command: [\"sleep\", \"600\"]\n"
		      "    volumes:\n"
		      "      - ./gone:/gone\n");
	compose(&r, "nostart", "up", "-d", NULL);
	assert_exit(&r, 0);
	compose(&r, "nostart", "stop", "-t", "1");
	assert_exit(&r, 0);
	assert_int_equal(rmdir(gone), 0);
	began = time(NULL);
	compose(&r, "nostart", "start", NULL, NULL);
	assert_failed_start(&r, began, "job", "gone"); /* stat(.../gone): No such file */
	compose(&r, "nostart", "ps", "-a", NULL);
	assert_output(&r, "Exited");
	began = time(NULL);
	compose(&r, "nostart", "up", "-d", NULL);
	assert_failed_start(&r, began, "job", "gone");
	compose(&r, "nostart", "ps", "-a", NULL);
	assert_output(&r, "Exited");
	compose(&r, "nostart", "down", NULL, NULL);
	assert_exit(&r, 0);
	snprintf(gone, sizeof(gone), "%s/compose/nostart", run_dir());
	assert_int_equal(access(gone, F_OK), -1);
}

/* A command that exits 1 at once, started again by start and by up -d:
 * each returns (a start that lost the race to see it "running" waited for
 * ever); said as an error when it had already exited, with its exit code. */
static void test_start_of_a_command_that_exits_at_once_returns(void **state)
{
	struct run_result r;
	time_t began;

	(void)state;
	write_compose("services:\n"
		      "  boom:\n"
		      "    image: " IMAGE "\n"
		      "    command: [\"sh\", \"-c\", \"echo boom-went-the-job; exit 3\"]\n");
	compose(&r, "atonce", "up", "-d", NULL);
	assert_exit(&r, 0); /* it started (docker compose says so too) */
	assert_true(wait_for_ps("atonce", "Exited (3)"));
	for (int round = 0; round < 6; round++) {
		began = time(NULL);
		compose(&r, "atonce", round % 2 ? "up" : "start", round % 2 ? "-d" : NULL, NULL);
		assert_false(r.timed_out);
		assert_true(time(NULL) - began < WAIT_S);
		if (r.status != 0) /* it had exited already when its answer came */
			assert_failed_start(&r, began, "boom", "exited at once with code 3");
		assert_true(wait_for_ps("atonce", "Exited (3)"));
	}
	compose(&r, "atonce", "logs", NULL, NULL);
	assert_output(&r, "boom-went-the-job");
}

/* Whatever a failed test left up. */
static int down_all(void **state)
{
	static const char *const projects[] = {"talk",	    "pub",     "range",	 "taken",  "flaky",
					       "killed",    "proja",   "projb",	 "esc",	   "hc",
					       "binds",	    "vols",    "ord",	 "hcsame", "again",
					       "volsafter", "nostart", "atonce", "keep",   "fds"};

	(void)state;
	for (size_t i = 0; i < sizeof(projects) / sizeof(projects[0]); i++)
		down(projects[i]);
	return 0;
}

static int group_setup(void **state)
{
	char tar[4096];
	struct run_result r;

	if (harness_setup(state) != 0 || store_setup(state) != 0)
		return -1;
	project_dir = scratch_dir("compose");
	snprintf(compose_file, sizeof(compose_file), "%s/compose.yaml", project_dir);
	snprintf(tar, sizeof(tar), "%s/image.tar", project_dir);
	if (mkimage(tar, IMAGE, NULL) != 0)
		return -1;
	run_box(&r, 60, "09-image", "load", "-i", tar, NULL);
	return r.status == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	scratch_remove(project_dir);
	store_teardown(state);
	return harness_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_two_services_talk_by_name, down_all),
	    cmocka_unit_test_teardown(test_published_port_answers_unpublished_does_not, down_all),
	    cmocka_unit_test_teardown(test_host_range_picks_a_free_port, down_all),
	    cmocka_unit_test_teardown(test_taken_port_fails_the_service_with_its_holder, down_all),
	    cmocka_unit_test_teardown(test_restart_on_failure_stops_after_n, down_all),
	    cmocka_unit_test_teardown(test_healthcheck_gates_depends_on, down_all),
	    cmocka_unit_test_teardown(test_unhealthy_dependency_fails_up, down_all),
	    cmocka_unit_test_teardown(test_down_after_kill_9_leaves_nothing, down_all),
	    cmocka_unit_test_teardown(test_two_projects_cant_reach_each_other, down_all),
	    cmocka_unit_test_teardown(test_escape_09_net_host_exposes_ports_10_does_not, down_all),
	    cmocka_unit_test_teardown(test_foreground_up_prints_logs_and_ctrl_c_stops_all,
				      down_all),
	    cmocka_unit_test_teardown(test_image_not_in_store_says_load_it, down_all),
	    cmocka_unit_test_teardown(test_bind_mounts_share_files_and_ro_refuses_writes, down_all),
	    cmocka_unit_test_teardown(test_named_volume_survives_down_and_down_v_removes_it,
				      down_all),
	    cmocka_unit_test_teardown(test_down_stops_dependents_first, down_all),
	    cmocka_unit_test_teardown(test_healthcheck_probe_runs_as_the_container_does, down_all),
	    cmocka_unit_test_teardown(test_up_again_starts_the_missing_services_only, down_all),
	    cmocka_unit_test_teardown(test_down_v_after_down_removes_the_named_volumes, down_all),
	    cmocka_unit_test_teardown(test_later_service_keeps_the_network_when_the_first_is_killed,
				      down_all),
	    cmocka_unit_test_teardown(test_start_that_fails_says_why_and_returns, down_all),
	    cmocka_unit_test_teardown(test_supervisor_keeps_none_of_the_callers_files, down_all),
	    cmocka_unit_test_teardown(test_start_of_a_command_that_exits_at_once_returns, down_all),
	};

	return cmocka_run_group_tests_name("test_10_compose", tests, group_setup, group_teardown);
}
