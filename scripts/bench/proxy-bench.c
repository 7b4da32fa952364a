/* proxy-bench - step 10's published-port proxy (steps/10-compose/proxy.c)
 * against a direct connection, for `make bench` (scripts/bench/compose.sh).
 *
 *     proxy-bench [--bytes N] [--seconds S] [--rounds R]
 *
 * All on loopback: a target server on 127.0.0.1, and the proxy in a process
 * of its own (this program exec'd again as `proxy-bench --serve PORT`, a
 * process that holds nothing but the proxy, as a supervisor would), to the
 * same target. Like with like: both transfers are the same code (this
 * process writes N bytes from the same buffer into a TCP socket on
 * 127.0.0.1, half-closes it and reads the target's one-byte answer), to
 * the same target process; only the port differs. Each round does one of
 * each, back to back, in alternating order, and the ratio is taken per
 * round: on a shared machine the load changes from one second to the next,
 * and a best-of-R of each side would pair a quiet direct round with a busy
 * proxied one. Prints "key value" lines:
 *
 *   direct_MBps, proxy_MBps   N bytes sent, half-closed, the answer read:
 *                             the median of R rounds each
 *   ratio                     the median of the R per-round proxy/direct
 *   direct_cpu_ms_per_GiB     CPU time (/proc/PID/schedstat) of the sender
 *                             and the target for a GiB sent directly,
 *   proxy_cpu_ms_per_GiB      ... and of sender, proxy and target through
 *                             the proxy (medians): what the proxy costs the
 *                             machine, whatever else runs on it
 *   proxy_own_cpu_ms_per_GiB  ... of which the proxy's process
 *   direct_conns_per_s,       for S seconds, one after the other: connect,
 *   proxy_conns_per_s         send a byte, half-close, read the answer to EOF
 *   proxy_rss_start_kib       the proxy process's VmRSS before proxy_open
 *   proxy_rss_peak_kib        its VmHWM after all of the above, and 100
 *                             connections held open through it at once
 *
 * Why C: the proxy is C, and a shell pipeline of nc and pv would measure
 * nc and pv.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "10-compose/proxy.h"

#define HELD_CONNECTIONS 100
#define MAX_ROUNDS 99

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static long status_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0)
			kib = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return kib;
}

/* The CPU time pid has run, in ns: the first field of /proc/PID/schedstat
 * (sched(7)), finer than the clock ticks of /proc/PID/stat. */
static uint64_t cpu_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((f = fopen(path, "re"))) {
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
	}
	return ns;
}

static void die(const char *what)
{
	fprintf(stderr, "proxy-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int connect_to(int port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("connect");
	return fd;
}

/* The target: for each connection, read to EOF, answer one byte, close.
 * One connection at a time, as simple as a server gets. */
static int start_target(pid_t *pid)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	static char buf[1 << 20];

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 512) < 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		die("target socket");
	*pid = fork();
	if (*pid < 0)
		die("fork");
	if (*pid == 0) {
		for (;;) {
			int conn = accept(fd, NULL, NULL);

			if (conn < 0)
				continue;
			while (read(conn, buf, sizeof(buf)) > 0)
				;
			if (write(conn, "k", 1) < 0)
				perror("proxy-bench: target write");
			close(conn);
		}
	}
	close(fd);
	return ntohs(addr.sin_port);
}

/* --serve PORT: the proxy process. Tells its start RSS and bound port on
 * fd 3, then serves until killed. */
static int serve(int target_port)
{
	struct compose_port port = {
	    .host_ip = "127.0.0.1", .container_port = target_port, .protocol = "tcp"};
	long start_kib = status_kib(getpid(), "VmRSS:");
	char err[512];
	int bound;
	struct proxy *p = proxy_open(&port, 1, "127.0.0.1", &bound, err, sizeof(err));

	if (!p) {
		fprintf(stderr, "proxy-bench: %s\n", err);
		return 1;
	}
	dprintf(3, "%ld %d\n", start_kib, bound);
	close(3);
	for (;;) {
		struct pollfd pfd = {.fd = proxy_fd(p), .events = POLLIN};

		if (poll(&pfd, 1, -1) > 0)
			proxy_dispatch(p);
	}
}

static pid_t start_proxy(const char *self, int target_port, int *bound, long *start_kib)
{
	int report[2];
	char port_text[16], line[64] = "";
	pid_t pid;
	FILE *f;

	if (pipe(report) < 0)
		die("pipe");
	snprintf(port_text, sizeof(port_text), "%d", target_port);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(report[1], 3);
		execl(self, self, "--serve", port_text, (char *)NULL);
		die("exec");
	}
	close(report[1]);
	f = fdopen(report[0], "r");
	if (!fgets(line, sizeof(line), f) || sscanf(line, "%ld %d", start_kib, bound) != 2) {
		fprintf(stderr, "proxy-bench: the proxy did not start\n");
		exit(1);
	}
	fclose(f);
	return pid;
}

struct transfer {
	double mb_per_s;
	double cpu_ms_per_gib; /* of every process in `involved` */
	double own_cpu_ms_per_gib; /* of involved[0] */
};

/* Sends bytes to port, half-closes, waits for the answer. The CPU time of
 * this process and of the n processes in involved (the target, and the
 * proxy when it is in the path) is counted from connect to answer. */
static struct transfer transfer(int port, size_t bytes, const pid_t *involved, int n)
{
	static char buf[1 << 20];
	uint64_t cpu_before = cpu_ns(getpid()), own_before = cpu_ns(involved[0]), cpu_after;
	int fd = connect_to(port);
	double start = now_s(), gib = bytes / (double)(1u << 30);
	struct transfer t;
	char answer;

	for (int i = 0; i < n; i++)
		cpu_before += cpu_ns(involved[i]);
	for (size_t left = bytes; left > 0;) {
		ssize_t written = write(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (written <= 0)
			die("write");
		left -= written;
	}
	shutdown(fd, SHUT_WR);
	if (read(fd, &answer, 1) != 1)
		die("read the answer");
	t.mb_per_s = bytes / (now_s() - start) / 1e6;
	close(fd);
	cpu_after = cpu_ns(getpid());
	for (int i = 0; i < n; i++)
		cpu_after += cpu_ns(involved[i]);
	t.cpu_ms_per_gib = (cpu_after - cpu_before) / 1e6 / gib;
	t.own_cpu_ms_per_gib = (cpu_ns(involved[0]) - own_before) / 1e6 / gib;
	return t;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *values, int n)
{
	qsort(values, n, sizeof(*values), by_value);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* One connection after the other for `seconds`: connections per second. */
static double connections(int port, double seconds)
{
	double start = now_s(), elapsed;
	long count = 0;
	char buf[16];

	do {
		int fd = connect_to(port);

		if (write(fd, "x", 1) != 1)
			die("write");
		shutdown(fd, SHUT_WR);
		/* to EOF: the server closes first, so no TIME_WAIT piles up here */
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		count++;
	} while ((elapsed = now_s() - start) < seconds);
	return count / elapsed;
}

/* HELD_CONNECTIONS clients connected through the proxy at once, each
 * having sent a little, then all closed. */
static void hold_connections(int port)
{
	int fds[HELD_CONNECTIONS];

	for (int i = 0; i < HELD_CONNECTIONS; i++) {
		fds[i] = connect_to(port);
		if (write(fds[i], "hello", 5) != 5)
			die("write");
	}
	usleep(200 * 1000); /* the proxy has connected them all upstream */
	for (int i = 0; i < HELD_CONNECTIONS; i++)
		close(fds[i]);
}

int main(int argc, char **argv)
{
	size_t bytes = 1ul << 30;
	double seconds = 2;
	double direct_mb[MAX_ROUNDS], proxy_mb[MAX_ROUNDS], ratio[MAX_ROUNDS];
	double direct_cpu[MAX_ROUNDS], proxy_cpu[MAX_ROUNDS], proxy_own_cpu[MAX_ROUNDS];
	int rounds = 5, target_port, proxy_port;
	long start_kib;
	pid_t target, proxy;

	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--serve") == 0)
			return serve(atoi(argv[i + 1]));
		else if (strcmp(argv[i], "--bytes") == 0)
			bytes = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = atoi(argv[i + 1]);
	}
	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "proxy-bench: --rounds 1..%d\n", MAX_ROUNDS);
		return 2;
	}
	target_port = start_target(&target);
	proxy = start_proxy("/proc/self/exe", target_port, &proxy_port, &start_kib);
	for (int r = 0; r < rounds; r++) {
		pid_t through_proxy[2] = {proxy, target};
		struct transfer direct, proxied;

		if (r % 2 == 0) {
			direct = transfer(target_port, bytes, &target, 1);
			proxied = transfer(proxy_port, bytes, through_proxy, 2);
		} else {
			proxied = transfer(proxy_port, bytes, through_proxy, 2);
			direct = transfer(target_port, bytes, &target, 1);
		}
		direct_mb[r] = direct.mb_per_s;
		proxy_mb[r] = proxied.mb_per_s;
		ratio[r] = proxied.mb_per_s / direct.mb_per_s;
		direct_cpu[r] = direct.cpu_ms_per_gib;
		proxy_cpu[r] = proxied.cpu_ms_per_gib;
		proxy_own_cpu[r] = proxied.own_cpu_ms_per_gib;
	}
	printf("direct_MBps %.0f\nproxy_MBps %.0f\nratio %.3f\n", median(direct_mb, rounds),
	       median(proxy_mb, rounds), median(ratio, rounds));
	printf("direct_cpu_ms_per_GiB %.0f\nproxy_cpu_ms_per_GiB %.0f\nproxy_own_cpu_ms_per_GiB "
	       "%.0f\n",
	       median(direct_cpu, rounds), median(proxy_cpu, rounds),
	       median(proxy_own_cpu, rounds));
	printf("direct_conns_per_s %.0f\n", connections(target_port, seconds));
	printf("proxy_conns_per_s %.0f\n", connections(proxy_port, seconds));
	hold_connections(proxy_port);
	printf("proxy_rss_start_kib %ld\nproxy_rss_peak_kib %ld\n", start_kib,
	       status_kib(proxy, "VmHWM:"));
	kill(proxy, SIGKILL);
	kill(target, SIGKILL);
	waitpid(proxy, NULL, 0);
	waitpid(target, NULL, 0);
	return 0;
}
