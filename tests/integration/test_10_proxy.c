/* Step 10's published-port proxy (steps/10-compose/proxy.c), against real
 * servers on loopback: what a client of a published port sees. Each test
 * starts its target server and a proxy in child processes of its own (the
 * proxy child loops on proxy_fd/proxy_dispatch, as a supervisor does), and
 * stops them again; the taken-port tests call proxy_open here. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "harness.h"

#include "10-compose/proxy.h"

#define LARGE_TRANSFER (128u << 20) /* 128 MiB each way */

static pid_t server_pid = -1, proxy_pid = -1, holder_pid = -1;

/* ---- the target servers ---------------------------------------------- */

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* The bytes "send N" sends: the same on both ends, and not all zeros. */
static void fill_pattern(unsigned char *buf, size_t len, uint64_t *state)
{
	for (size_t i = 0; i < len; i++) {
		*state ^= *state << 13;
		*state ^= *state >> 7;
		*state ^= *state << 17;
		buf[i] = (unsigned char)*state;
	}
}

static void hex_digest(EVP_MD_CTX *ctx, char out[65])
{
	unsigned char digest[32];
	unsigned int len = 0;

	EVP_DigestFinal_ex(ctx, digest, &len);
	for (unsigned int i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", digest[i]);
}

/* One connection to the TCP server. Its first line says what to do:
 *   "echo"    send back every byte, until EOF
 *   "sum"     read to EOF, then answer "BYTES SHA256" and close
 *   "send N"  send N pattern bytes, then close */
static void serve_connection(int fd)
{
	char line[64] = "", buf[65536], hex[65];
	size_t used = 0;
	ssize_t n;

	while (used < sizeof(line) - 1 && read(fd, line + used, 1) == 1 && line[used] != '\n')
		used++;
	line[used] = '\0';
	if (strcmp(line, "echo") == 0) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write_all(fd, buf, n) < 0)
				break;
	} else if (strcmp(line, "sum") == 0) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		unsigned long long total = 0;

		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			EVP_DigestUpdate(ctx, buf, n);
			total += n;
		}
		hex_digest(ctx, hex);
		EVP_MD_CTX_free(ctx);
		snprintf(buf, sizeof(buf), "%llu %s\n", total, hex);
		write_all(fd, buf, strlen(buf));
	} else if (strncmp(line, "send ", 5) == 0) {
		size_t left = strtoull(line + 5, NULL, 10);
		uint64_t state = 88172645463325252ull;

		while (left > 0) {
			size_t chunk = left < sizeof(buf) ? left : sizeof(buf);

			fill_pattern((unsigned char *)buf, chunk, &state);
			if (write_all(fd, buf, chunk) < 0)
				break;
			left -= chunk;
		}
	}
	close(fd);
}

/* A socket bound to 127.0.0.1:port (0: any free one). */
static int loopback_socket(int type, int port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	if (addr.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
	return ntohs(((struct sockaddr_in *)&addr)->sin_port);
}

/* The TCP target, one child per connection, on 127.0.0.1; its port. */
static int start_tcp_server(void)
{
	int fd = loopback_socket(SOCK_STREAM, 0), port;

	assert_int_equal(listen(fd, 128), 0);
	port = port_of(fd);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		signal(SIGCHLD, SIG_IGN); /* no zombies of the connection children */
		for (;;) {
			int conn = accept(fd, NULL, NULL);

			if (conn < 0)
				continue;
			if (fork() == 0) {
				close(fd);
				serve_connection(conn);
				_exit(0);
			}
			close(conn);
		}
	}
	close(fd);
	return port;
}

/* The UDP target: answers each datagram with "PAYLOAD from PORT", PORT the
 * sender's (the proxy's upstream socket for that client). */
static int start_udp_server(void)
{
	int fd = loopback_socket(SOCK_DGRAM, 0), port = port_of(fd);

	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		char buf[2048], answer[2200];

		for (;;) {
			struct sockaddr_in from;
			socklen_t len = sizeof(from);
			ssize_t n =
			    recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);

			if (n < 0)
				continue;
			buf[n] = '\0';
			snprintf(answer, sizeof(answer), "%s from %d", buf, ntohs(from.sin_port));
			sendto(fd, answer, strlen(answer), 0, (struct sockaddr *)&from, len);
		}
	}
	close(fd);
	return port;
}

/* ---- the proxy, run as a supervisor runs it ---------------------------- */

static void stop_child(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

/* What the proxy child tells the test once proxy_open returned. */
struct proxy_started {
	int ok;
	int bound[4];
	char err[512];
};

/* Starts a child that opens the proxy for ports (at most 4) and serves it
 * forever; returns 0 with bound[] filled, or -1 with its error in err. */
static int start_proxy(struct compose_port *ports, int n, const char *target, int udp_idle_ms,
		       int *bound, char *err, size_t err_len)
{
	struct proxy_started started = {0};
	int result[2];

	assert_true(n <= 4);
	assert_int_equal(pipe2(result, O_CLOEXEC), 0);
	proxy_pid = fork();
	assert_true(proxy_pid >= 0);
	if (proxy_pid == 0) {
		struct proxy *p =
		    proxy_open(ports, n, target, started.bound, started.err, sizeof(started.err));

		started.ok = p != NULL;
		if (p && udp_idle_ms > 0)
			proxy_set_udp_idle_timeout(p, udp_idle_ms);
		write_all(result[1], &started, sizeof(started));
		if (!p)
			_exit(1);
		close(result[1]);
		for (;;) {
			struct pollfd pfd = {.fd = proxy_fd(p), .events = POLLIN};

			if (poll(&pfd, 1, -1) > 0)
				proxy_dispatch(p);
		}
	}
	close(result[1]);
	assert_int_equal(read(result[0], &started, sizeof(started)), sizeof(started));
	close(result[0]);
	memcpy(bound, started.bound, n * sizeof(*bound));
	snprintf(err, err_len, "%s", started.err);
	if (!started.ok)
		stop_child(&proxy_pid);
	return started.ok ? 0 : -1;
}

static int stop_children(void **state)
{
	(void)state;
	stop_child(&proxy_pid);
	stop_child(&server_pid);
	stop_child(&holder_pid);
	return 0;
}

static struct compose_port published(const char *host_ip, int first, int last, int container,
				     const char *protocol)
{
	struct compose_port port = {
	    .host_port_first = first, .host_port_last = last, .container_port = container};

	snprintf(port.host_ip, sizeof(port.host_ip), "%s", host_ip);
	snprintf(port.protocol, sizeof(port.protocol), "%s", protocol);
	return port;
}

/* A client connected to 127.0.0.1:port, with a 10 s timeout on reads. */
static int tcp_client(int port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval timeout = {.tv_sec = 10};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

/* Reads until EOF (or the timeout): what the client got. */
static size_t read_to_eof(int fd, char *out, size_t len)
{
	size_t used = 0;
	ssize_t n;

	while (used < len - 1 && (n = read(fd, out + used, len - 1 - used)) > 0)
		used += n;
	out[used] = '\0';
	return used;
}

/* A TCP proxy on an ephemeral port of 127.0.0.1 to a fresh server. */
static int tcp_proxy_to_server(void)
{
	struct compose_port port = published("127.0.0.1", 0, 0, start_tcp_server(), "tcp");
	char err[512];
	int bound;

	assert_int_equal(start_proxy(&port, 1, "127.0.0.1", 0, &bound, err, sizeof(err)), 0);
	return bound;
}

/* ---- TCP ------------------------------------------------------------- */

static void test_tcp_echo_through_the_published_port(void **state)
{
	int fd = tcp_client(tcp_proxy_to_server());
	char answer[64] = "";

	(void)state;
	assert_int_equal(write_all(fd, "echo\nhello\n", 11), 0);
	assert_int_equal(read(fd, answer, 6), 6);
	assert_memory_equal(answer, "hello\n", 6);
	assert_int_equal(write_all(fd, "again\n", 6), 0);
	assert_int_equal(read(fd, answer, 6), 6);
	assert_memory_equal(answer, "again\n", 6);
	close(fd);
}

/* The client half-closes; the server sees EOF, and its answer still comes
 * back, followed by the server's own EOF. */
static void test_tcp_half_close_passes_eof_and_keeps_the_answer(void **state)
{
	int fd = tcp_client(tcp_proxy_to_server());
	char answer[256];

	(void)state;
	assert_int_equal(write_all(fd, "sum\nabc", 7), 0);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	read_to_eof(fd, answer, sizeof(answer));
	/* sha256("abc") */
	assert_string_equal(answer,
			    "3 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
	close(fd);
}

static void test_tcp_upload_of_128_MiB_arrives_intact(void **state)
{
	int fd = tcp_client(tcp_proxy_to_server());
	unsigned char *data = malloc(LARGE_TRANSFER);
	uint64_t seed = 42;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char expected[128], hex[65], answer[256];

	(void)state;
	fill_pattern(data, LARGE_TRANSFER, &seed);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, data, LARGE_TRANSFER);
	hex_digest(ctx, hex);
	EVP_MD_CTX_free(ctx);
	snprintf(expected, sizeof(expected), "%u %s\n", LARGE_TRANSFER, hex);
	assert_int_equal(write_all(fd, "sum\n", 4), 0);
	assert_int_equal(write_all(fd, data, LARGE_TRANSFER), 0);
	shutdown(fd, SHUT_WR);
	read_to_eof(fd, answer, sizeof(answer));
	assert_string_equal(answer, expected);
	free(data);
	close(fd);
}

static void test_tcp_download_of_128_MiB_arrives_intact(void **state)
{
	int fd = tcp_client(tcp_proxy_to_server());
	unsigned char buf[65536], *expected = malloc(LARGE_TRANSFER);
	uint64_t seed = 88172645463325252ull;
	size_t got = 0, mismatches = 0;
	char request[32];
	ssize_t n;

	(void)state;
	fill_pattern(expected, LARGE_TRANSFER, &seed);
	snprintf(request, sizeof(request), "send %u\n", LARGE_TRANSFER);
	assert_int_equal(write_all(fd, request, strlen(request)), 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (got + n > LARGE_TRANSFER || memcmp(buf, expected + got, n) != 0)
			mismatches++;
		got += n;
	}
	assert_int_equal(got, LARGE_TRANSFER);
	assert_int_equal(mismatches, 0);
	free(expected);
	close(fd);
}

/* Twenty clients at once, each talking over the others: each gets its own
 * bytes back. */
static void test_tcp_twenty_clients_at_once_each_get_their_own_answer(void **state)
{
	int port = tcp_proxy_to_server(), fds[20];
	char mine[32], answer[32];

	(void)state;
	for (int i = 0; i < 20; i++) {
		fds[i] = tcp_client(port);
		snprintf(mine, sizeof(mine), "echo\nclient %02d\n", i);
		assert_int_equal(write_all(fds[i], mine, strlen(mine)), 0);
	}
	for (int i = 19; i >= 0; i--) {
		snprintf(mine, sizeof(mine), "client %02d\n", i);
		assert_int_equal(read(fds[i], answer, 10), 10);
		assert_memory_equal(answer, mine, 10);
		close(fds[i]);
	}
}

/* Nothing listens on the target port: the client is let go at once (an
 * EOF or a reset), not left hanging. */
static void test_tcp_target_not_listening_closes_the_client(void **state)
{
	int unused = loopback_socket(SOCK_STREAM, 0);
	struct compose_port port = published("127.0.0.1", 0, 0, port_of(unused), "tcp");
	char err[512], buf[16];
	int bound, fd;

	(void)state;
	close(unused); /* a port nothing listens on */
	assert_int_equal(start_proxy(&port, 1, "127.0.0.1", 0, &bound, err, sizeof(err)), 0);
	fd = tcp_client(bound);
	errno = 0;
	assert_true(read(fd, buf, sizeof(buf)) <= 0);
	assert_true(errno != EAGAIN); /* not the 10 s timeout */
	close(fd);
}

/* "" = every host address: the port answers on 127.0.0.1 too. */
static void test_tcp_every_address_with_an_ephemeral_port(void **state)
{
	struct compose_port port = published("", 0, 0, start_tcp_server(), "tcp");
	char err[512], answer[8] = "";
	int bound, fd;

	(void)state;
	assert_int_equal(start_proxy(&port, 1, "127.0.0.1", 0, &bound, err, sizeof(err)), 0);
	assert_true(bound > 0);
	fd = tcp_client(bound);
	assert_int_equal(write_all(fd, "echo\nhi", 7), 0);
	assert_int_equal(read(fd, answer, 2), 2);
	assert_memory_equal(answer, "hi", 2);
	close(fd);
}

/* ---- UDP ------------------------------------------------------------- */

static int udp_client(void)
{
	struct timeval timeout = {.tv_sec = 5};
	int fd = loopback_socket(SOCK_DGRAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	return fd;
}

/* Sends text to 127.0.0.1:port, returns the answer's "from PORT". */
static int udp_ask(int fd, int port, const char *text)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct sockaddr_in from;
	socklen_t from_len = sizeof(from);
	char answer[256], expected[128];
	ssize_t n;
	int upstream = -1;

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(fd, text, strlen(text), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)strlen(text));
	n = recvfrom(fd, answer, sizeof(answer) - 1, 0, (struct sockaddr *)&from, &from_len);
	assert_true(n > 0);
	answer[n] = '\0';
	/* the answer comes from the published port, not from the target */
	assert_int_equal(ntohs(from.sin_port), port);
	snprintf(expected, sizeof(expected), "%s from %%d", text);
	assert_int_equal(sscanf(answer, expected, &upstream), 1);
	return upstream;
}

static int udp_proxy_to_server(int idle_ms)
{
	struct compose_port port = published("127.0.0.1", 0, 0, start_udp_server(), "udp");
	char err[512];
	int bound;

	assert_int_equal(start_proxy(&port, 1, "127.0.0.1", idle_ms, &bound, err, sizeof(err)), 0);
	return bound;
}

static void test_udp_round_trip_and_one_flow_per_client(void **state)
{
	int port = udp_proxy_to_server(0), alice = udp_client(), bob = udp_client();
	int alice_flow = udp_ask(alice, port, "ping from alice");
	int bob_flow = udp_ask(bob, port, "ping from bob");

	(void)state;
	/* each client has an upstream socket of its own, and keeps it */
	assert_int_not_equal(alice_flow, bob_flow);
	assert_int_equal(udp_ask(alice, port, "again"), alice_flow);
	assert_int_equal(udp_ask(bob, port, "again"), bob_flow);
	close(alice);
	close(bob);
}

static void test_udp_idle_flow_is_closed_after_its_timeout(void **state)
{
	int port = udp_proxy_to_server(200), client = udp_client();
	int first = udp_ask(client, port, "one");
	int second;

	(void)state;
	usleep(600 * 1000); /* three idle timeouts: the flow is gone */
	second = udp_ask(client, port, "two");
	assert_int_not_equal(first, second); /* a new upstream socket */
	close(client);
}

/* ---- binding: taken ports and ranges ------------------------------------ */

/* A host process holding a socket on a port, as `sleep 300` (the socket
 * inherited across exec): its pid. */
static pid_t hold_port(int type, int *port)
{
	int fd = loopback_socket(type, 0), exec_done[2];
	char byte;

	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 1), 0);
	*port = port_of(fd);
	assert_int_equal(pipe2(exec_done, O_CLOEXEC), 0);
	holder_pid = fork();
	assert_true(holder_pid >= 0);
	if (holder_pid == 0) {
		int kept = dup(fd); /* dup: without O_CLOEXEC, it survives exec */

		(void)kept;
		execlp("sleep", "sleep", "300", (char *)NULL);
		_exit(127);
	}
	close(fd);
	close(exec_done[1]);
	assert_int_equal(read(exec_done[0], &byte, 1), 0); /* EOF: exec happened */
	close(exec_done[0]);
	return holder_pid;
}

static int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

static void check_taken_port_error(int type, const char *protocol)
{
	int port, bound[2], fds_before = open_fds();
	pid_t holder = hold_port(type, &port);
	struct compose_port ports[2] = {published("127.0.0.1", 0, 0, 1000, protocol),
					published("", port, port, 80, protocol)};
	char err[512], expected[256];
	struct proxy *p = proxy_open(ports, 2, "10.200.0.2", bound, err, sizeof(err));

	assert_null(p);
	snprintf(expected, sizeof(expected),
		 "bind(*:%d/%s): Address already in use, held by pid %d (sleep 300)", port,
		 protocol, (int)holder);
	assert_string_equal(err, expected); /* one line, naming port and holder */
	/* the first listener, bound before the failure, is closed again */
	assert_int_equal(open_fds(), fds_before);
}

static void test_taken_tcp_port_names_the_process_holding_it(void **state)
{
	(void)state;
	check_taken_port_error(SOCK_STREAM, "tcp");
}

static void test_taken_udp_port_names_the_process_holding_it(void **state)
{
	(void)state;
	check_taken_port_error(SOCK_DGRAM, "udp");
}

/* "P-(P+20):80" with P taken: a later port of the range, which answers. */
static void test_host_range_skips_a_taken_port(void **state)
{
	int taken = loopback_socket(SOCK_STREAM, 0), first, bound, fd;
	struct compose_port port;
	char err[512], answer[8] = "";

	(void)state;
	assert_int_equal(listen(taken, 1), 0);
	first = port_of(taken);
	port = published("127.0.0.1", first, first + 20, start_tcp_server(), "tcp");
	assert_int_equal(start_proxy(&port, 1, "127.0.0.1", 0, &bound, err, sizeof(err)), 0);
	assert_true(bound > first && bound <= first + 20);
	fd = tcp_client(bound);
	assert_int_equal(write_all(fd, "echo\nok", 7), 0);
	assert_int_equal(read(fd, answer, 2), 2);
	assert_memory_equal(answer, "ok", 2);
	close(fd);
	close(taken);
}

/* A range whose every port is taken says so. */
static void test_host_range_all_taken_says_so(void **state)
{
	int taken = loopback_socket(SOCK_STREAM, 0), first, next, bound;
	struct compose_port port;
	char err[512], expected[128];

	(void)state;
	assert_int_equal(listen(taken, 1), 0);
	first = port_of(taken);
	/* first+1 is ours now, or someone else's: taken either way */
	next = loopback_socket(SOCK_STREAM, first + 1);
	if (next >= 0)
		assert_int_equal(listen(next, 1), 0);
	port = published("127.0.0.1", first, first + 1, 80, "tcp");
	assert_null(proxy_open(&port, 1, "10.200.0.2", &bound, err, sizeof(err)));
	snprintf(expected, sizeof(expected),
		 "bind(127.0.0.1:%d-%d/tcp): every port of the range is taken — publish another "
		 "range",
		 first, first + 1);
	assert_string_equal(err, expected);
	if (next >= 0)
		close(next);
	close(taken);
}

/* After proxy_close the port is free again: nothing kept it. */
static void test_close_releases_every_port(void **state)
{
	struct compose_port ports[2] = {published("127.0.0.1", 0, 0, 80, "tcp"),
					published("127.0.0.1", 0, 0, 53, "udp")};
	int bound[2], fds_before = open_fds(), again;
	char err[512];
	struct proxy *p = proxy_open(ports, 2, "10.200.0.2", bound, err, sizeof(err));

	(void)state;
	assert_non_null(p);
	assert_true(bound[0] > 0 && bound[1] > 0);
	proxy_close(p);
	assert_int_equal(open_fds(), fds_before);
	again = loopback_socket(SOCK_STREAM, bound[0]);
	assert_true(again >= 0);
	close(again);
	again = loopback_socket(SOCK_DGRAM, bound[1]);
	assert_true(again >= 0);
	close(again);
}

static void test_target_that_is_not_an_address_is_an_error(void **state)
{
	struct compose_port port = published("127.0.0.1", 0, 0, 80, "tcp");
	char err[512];
	int bound;

	(void)state;
	assert_null(proxy_open(&port, 1, "web", &bound, err, sizeof(err)));
	assert_string_equal(err, "proxy(127.0.0.1:0/tcp -> web:80): not an IP address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_tcp_echo_through_the_published_port, stop_children),
	    cmocka_unit_test_teardown(test_tcp_half_close_passes_eof_and_keeps_the_answer,
				      stop_children),
	    cmocka_unit_test_teardown(test_tcp_upload_of_128_MiB_arrives_intact, stop_children),
	    cmocka_unit_test_teardown(test_tcp_download_of_128_MiB_arrives_intact, stop_children),
	    cmocka_unit_test_teardown(test_tcp_twenty_clients_at_once_each_get_their_own_answer,
				      stop_children),
	    cmocka_unit_test_teardown(test_tcp_target_not_listening_closes_the_client,
				      stop_children),
	    cmocka_unit_test_teardown(test_tcp_every_address_with_an_ephemeral_port, stop_children),
	    cmocka_unit_test_teardown(test_udp_round_trip_and_one_flow_per_client, stop_children),
	    cmocka_unit_test_teardown(test_udp_idle_flow_is_closed_after_its_timeout,
				      stop_children),
	    cmocka_unit_test_teardown(test_taken_tcp_port_names_the_process_holding_it,
				      stop_children),
	    cmocka_unit_test_teardown(test_taken_udp_port_names_the_process_holding_it,
				      stop_children),
	    cmocka_unit_test_teardown(test_host_range_skips_a_taken_port, stop_children),
	    cmocka_unit_test_teardown(test_host_range_all_taken_says_so, stop_children),
	    cmocka_unit_test_teardown(test_close_releases_every_port, stop_children),
	    cmocka_unit_test(test_target_that_is_not_an_address_is_an_error),
	};

	return cmocka_run_group_tests_name("test_10_proxy", tests, harness_setup, harness_teardown);
}
