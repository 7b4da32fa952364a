/* harness_06.c - network helpers for the step 06 tests. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_06.h"

static long long now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

int loopback_listener(int *port)
{
	struct sockaddr_in address = {.sin_family = AF_INET};
	socklen_t address_len = sizeof(address);
	int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (sock < 0)
		return -1;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* port 0: any free one */
	if (bind(sock, (struct sockaddr *)&address, sizeof(address)) < 0 || listen(sock, 8) < 0 ||
	    getsockname(sock, (struct sockaddr *)&address, &address_len) < 0) {
		close(sock);
		return -1;
	}
	*port = ntohs(address.sin_port);
	return sock;
}

int wait_for_file_text(const char *path, const char *text, int timeout_s, char *out, size_t len)
{
	long long deadline = now_ms() + timeout_s * 1000LL;

	do {
		if (read_file(path, out, len) == 0 && strstr(out, text))
			return 0;
		usleep(20000);
	} while (now_ms() < deadline);
	return -1;
}

int find_container_address(const char *text, char *address, size_t len)
{
	const char *start = strstr(text, "inet 10.200.");
	size_t n = 0;

	if (!start || len == 0)
		return -1;
	start += strlen("inet ");
	while (start[n] && start[n] != '/' && start[n] != ' ' && n < len - 1)
		n++;
	memcpy(address, start, n);
	address[n] = '\0';
	return 0;
}

static int connect_with_retries(const char *address, int port, long long deadline)
{
	struct sockaddr_in server = {.sin_family = AF_INET,
				     .sin_port = htons((unsigned short)port)};
	struct timeval one_second = {.tv_sec = 1};

	if (inet_pton(AF_INET, address, &server.sin_addr) != 1)
		return -1;
	do {
		int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (sock < 0)
			return -1;
		setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &one_second, sizeof(one_second));
		setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &one_second, sizeof(one_second));
		if (connect(sock, (struct sockaddr *)&server, sizeof(server)) == 0)
			return sock;
		close(sock);
		usleep(50000); /* the server is not listening yet */
	} while (now_ms() < deadline);
	return -1;
}

int read_from_server(const char *address, int port, int timeout_s, char *out, size_t len)
{
	long long deadline = now_ms() + timeout_s * 1000LL;
	int sock = connect_with_retries(address, port, deadline);
	size_t total = 0;
	ssize_t got;

	out[0] = '\0';
	if (sock < 0)
		return -1;
	while (total < len - 1 && now_ms() < deadline) {
		got = read(sock, out + total, len - 1 - total);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got <= 0)
			break;
		total += (size_t)got;
	}
	out[total] = '\0';
	close(sock);
	return 0;
}

void veth_in_trace(const char *trace_text, char *name, size_t len)
{
	const char *start = strstr(trace_text, "veth \"bx");
	size_t n = 0;

	name[0] = '\0';
	if (!start)
		return;
	start += strlen("veth \"");
	while (start[n] && start[n] != '"' && n < len - 1)
		n++;
	memcpy(name, start, n);
	name[n] = '\0';
}

int host_link_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

/* A lease names the state dir of its run ("state_dir PATH", subnet.c):
 * ours are those under this test run's BOXES_RUN. Other runs on this
 * machine share /run/boxes-net, and theirs are not counted. */
int leases_held(void)
{
	char path[512], owner[4096 + 128], mine[600];
	DIR *dir;
	struct dirent *entry;
	int count = 0;

	snprintf(mine, sizeof(mine), "state_dir %s/", run_dir());
	dir = opendir(LEASE_DIR);
	if (!dir)
		return errno == ENOENT ? 0 : -1;
	while ((entry = readdir(dir))) {
		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", LEASE_DIR, entry->d_name);
		if (read_file(path, owner, sizeof(owner)) == 0 && strstr(owner, mine))
			count++;
	}
	closedir(dir);
	return count;
}

void id_in_trace(const char *trace_text, char *id, size_t len)
{
	const char *start = strstr(trace_text, "[01] mkdir(\""), *end;

	id[0] = '\0';
	if (!start || !(end = strchr(start + 12, '"')) || end - start < 12 + 12 || len < 13)
		return;
	memcpy(id, end - 12, 12);
	id[12] = '\0';
}

pid_t spawn_running_box(struct running_box *box, const char *step_name)
{
	static int serial;

	memset(box, 0, sizeof(*box));
	snprintf(box->out_file, sizeof(box->out_file), "/tmp/boxes-run-%d-%d.out", (int)getpid(),
		 serial);
	snprintf(box->err_file, sizeof(box->err_file), "/tmp/boxes-run-%d-%d.err", (int)getpid(),
		 serial++);
	/* --init: a PID 1 that passes SIGTERM on to the shell (see step 02) */
	box->pid = spawn_box(box->out_file, box->err_file, step_name, "--trace", "--init", ROOTFS,
			     "/bin/sh", "-c",
			     "trap 'exit 0' TERM; ip -4 -o addr show eth0 2>/dev/null; "
			     "echo running; while :; do sleep 0.1; done",
			     NULL);
	return box->pid;
}

int wait_running_box(struct running_box *box, int timeout_s)
{
	char err[OUTPUT_MAX];

	if (box->pid <= 0 ||
	    wait_for_file_text(box->out_file, "running", timeout_s, box->out, sizeof(box->out)) < 0)
		return -1;
	read_file(box->err_file, err, sizeof(err));
	id_in_trace(err, box->id, sizeof(box->id));
	return box->id[0] ? 0 : -1;
}

int start_running_box(struct running_box *box, const char *step_name, int timeout_s)
{
	spawn_running_box(box, step_name);
	return wait_running_box(box, timeout_s);
}

int stop_running_box(struct running_box *box)
{
	int status;

	if (box->pid <= 0)
		return -1;
	kill(box->pid, SIGTERM);
	status = wait_box(box->pid, 10);
	box->pid = 0;
	unlink(box->out_file);
	unlink(box->err_file);
	return status;
}

void stop_running_boxes(struct running_box *boxes, int count)
{
	int i;

	for (i = 0; i < count; i++)
		if (boxes[i].pid > 0)
			stop_running_box(&boxes[i]);
}
