/* proxy.c - step 10: a published port, as a userland proxy.
 *
 * A service's container lives on the project bridge at, say, 10.200.3.2.
 * "ports: 8080:80" means: whoever reaches this machine on port 8080 talks
 * to 10.200.3.2:80. Two ways to do that:
 *
 *   NAT      a DNAT rule in the kernel (iptables/nftables) rewrites each
 *            packet's destination to 10.200.3.2:80, and conntrack rewrites
 *            the answers back. Fast (no copy through a process), but it
 *            needs net.ipv4.ip_forward=1 for packets from outside, and
 *            route_localnet=1 plus an OUTPUT rule for 127.0.0.1:8080: host
 *            settings that change the whole machine, and that a
 *            teaching tool must not touch.
 *   proxy    a process listens on the host's port 8080, and for every
 *            connection it accepts, opens its own connection to
 *            10.200.3.2:80 and copies bytes both ways. Slower (every byte
 *            crosses a process), but it is an ordinary socket program: it
 *            changes no host setting, works for 127.0.0.1, and goes away
 *            with its process.
 *
 * Docker does both: NAT for traffic from outside, and docker-proxy, one
 * process per published port, for what NAT cannot catch (the host's own
 * loopback) or when "userland-proxy" is all it may use. podman's rootless
 * rootlessport is a proxy too. Here the proxy is all there is, and it is
 * not a process of its own: the container's supervisor runs it in its
 * event loop (proxy_fd, proxy_dispatch).
 *
 * TCP: each accepted client gets a non-blocking connect() to the target;
 * then two directions, client->target and target->client, each a pipe that
 * splice(2) fills from one socket and empties into the other, so the bytes
 * stay in the kernel (no copy into this process). A 64 KiB read()/write()
 * buffer instead would be this process's memory: 14 MiB of RSS with 100
 * connections open, against 1.7 MiB with pipes.
 *
 * What it costs (make bench, 1 GiB over loopback, 2 cores): about one
 * wakeup and 3-4 splices per MiB, so the system calls are not the cost;
 * the kernel's work is. Through the proxy a byte crosses two TCP
 * connections instead of one, and the sender's and the receiver's copies
 * get slower (more bytes in flight, colder in the cache): sender, proxy
 * and target together use about twice the CPU time of a direct transfer,
 * which on two cores caps the proxy near half a direct connection's
 * throughput. Tried, none measurably better than 1 MiB pipes pumped once
 * per event: 256 KiB or 64 KiB pipes (more splices, more proxy CPU),
 * pumping until EAGAIN, SPLICE_F_MORE, fixed socket buffers (which would
 * also cap the window of a distant client).
 *
 * A full pipe stops reading from the sender until the receiver takes some:
 * that is the backpressure, the kernel's socket buffers do the rest. An EOF
 * travels as an EOF (shutdown(SHUT_WR)) while the other direction keeps
 * going, so "send a request, half-close, read the answer" works through
 * the proxy.
 *
 * UDP has no connections, so the proxy makes them up, as docker-proxy
 * does: each client address gets its own upstream socket, connect()ed to
 * the target, so the target's answers come back on it and go to that
 * client; a flow that carried nothing for the idle timeout is closed.
 *
 * Read in this order: proxy_open (bind every listener), proxy_dispatch (one
 * batch of events), then accept_clients, tcp_pump, udp_from_client.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "10-compose/proxy.h"

/* docker-proxy's UDPConnTrackTimeout: a UDP flow idle this long is closed. */
#define UDP_IDLE_DEFAULT_MS 90000
#define UDP_DATAGRAM_MAX 65535
/* Accepts per listener per dispatch: one busy port does not starve the rest. */
#define ACCEPTS_PER_DISPATCH 64
#define EVENTS_PER_DISPATCH 64

/* Every fd in the epoll set is one of these; epoll hands it back. */
enum watch_kind { TCP_LISTENER, UDP_LISTENER, TCP_SOCKET, UDP_UPSTREAM, UDP_TIMER };

struct watch {
	enum watch_kind kind;
	int fd;
	uint32_t events; /* what epoll watches for now (0 = not in the set) */
	void *owner; /* the listener, connection or flow */
};

struct listener {
	struct watch watch;
	struct proxy *proxy;
	bool udp;
	struct sockaddr_storage target; /* target_ip:container_port */
	socklen_t target_len;
};

/* One direction of a TCP connection: bytes from -> pipe -> to. */
struct direction {
	int from, to;
	int pipe[2];
	size_t pipe_size; /* its capacity: 1 MiB if the kernel allows */
	size_t in_pipe; /* bytes spliced in, not yet out */
	bool pipe_full; /* the last splice in found no room: wait for the reader */
	bool eof; /* from sent its FIN */
	bool shut; /* ... and we passed it on: shutdown(to, SHUT_WR) */
};

struct tcp_conn {
	struct watch client, upstream;
	bool connecting; /* the non-blocking connect() to the target is pending */
	bool closed; /* freed at the end of the dispatch (its events may follow) */
	struct direction to_target, to_client;
	struct tcp_conn *next;
};

struct udp_flow {
	struct watch upstream; /* connect()ed to the target */
	struct listener *listener;
	struct sockaddr_storage client;
	socklen_t client_len;
	struct timespec last_used;
	bool closed;
	struct udp_flow *next;
};

struct proxy {
	int epoll_fd;
	int n_listeners;
	struct listener *listeners;
	struct tcp_conn *conns;
	struct udp_flow *flows;
	struct watch timer; /* ticks while UDP flows exist, to expire idle ones */
	int udp_idle_ms;
	char datagram[UDP_DATAGRAM_MAX]; /* one datagram in flight at a time */
};

/* ---- epoll bookkeeping ---------------------------------------------- */

/* Make epoll watch w for exactly `wanted`. An fd that wants nothing leaves
 * the set: epoll reports EPOLLHUP even for an empty mask, and a half-closed
 * socket would wake the loop forever. */
static int watch_set(struct proxy *p, struct watch *w, uint32_t wanted)
{
	struct epoll_event ev = {.events = wanted, .data.ptr = w};
	int op;

	if (wanted == w->events)
		return 0;
	op = w->events == 0 ? EPOLL_CTL_ADD : wanted == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
	if (epoll_ctl(p->epoll_fd, op, w->fd, &ev) < 0)
		return -1;
	w->events = wanted;
	return 0;
}

static void watch_close(struct proxy *p, struct watch *w)
{
	if (w->fd < 0)
		return;
	watch_set(p, w, 0);
	close(w->fd);
	w->fd = -1;
}

/* ---- naming the process that holds a port --------------------------- */

int proxy_parse_net_line(const char *line, int *local_port, int *state, unsigned long *inode)
{
	unsigned int port, st;

	/* "  12: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000
	 *  00000000     0        0 123456 ..." - see proc_net_tcp in proc(5). */
	if (sscanf(line,
		   " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x %*x %*u %*u %lu",
		   &port, &st, inode) != 3)
		return -1;
	*local_port = (int)port;
	*state = (int)st;
	return 0;
}

/* The inode of the socket bound to port, from /proc/net/{tcp,tcp6,udp,udp6}
 * (this network namespace's sockets only): 0 if none is found. */
static unsigned long socket_inode_of_port(bool udp, int port)
{
	static const char *const tables[2][2] = {{"/proc/net/tcp", "/proc/net/tcp6"},
						 {"/proc/net/udp", "/proc/net/udp6"}};
	/* TCP: a listener (state 0A, TCP_LISTEN); UDP: any bound socket. */
	const int tcp_listen = 0x0A;
	unsigned long found = 0;

	for (int t = 0; t < 2 && found == 0; t++) {
		FILE *f = fopen(tables[udp][t], "re");
		char line[512];

		if (!f)
			continue;
		while (found == 0 && fgets(line, sizeof(line), f)) {
			int local_port, state;
			unsigned long inode;

			if (proxy_parse_net_line(line, &local_port, &state, &inode) == 0 &&
			    local_port == port && inode != 0 && (udp || state == tcp_listen))
				found = inode;
		}
		fclose(f);
	}
	return found;
}

/* Does /proc/PID/fd hold the socket with this inode? */
static bool pid_holds_socket(int pid, unsigned long inode)
{
	char dir_path[64], link_path[384], target[64], wanted[40];
	DIR *dir;
	struct dirent *entry;
	bool holds = false;

	snprintf(dir_path, sizeof(dir_path), "/proc/%d/fd", pid);
	snprintf(wanted, sizeof(wanted), "socket:[%lu]", inode);
	dir = opendir(dir_path);
	if (!dir)
		return false;
	while (!holds && (entry = readdir(dir))) {
		ssize_t n;

		snprintf(link_path, sizeof(link_path), "%s/%s", dir_path, entry->d_name);
		n = readlink(link_path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			holds = strcmp(target, wanted) == 0;
		}
	}
	closedir(dir);
	return holds;
}

/* "pid 1234 (nc -l -p 8080)": /proc/PID/cmdline with spaces for its NULs
 * (a supervisor names its container there), else /proc/PID/comm. */
static void describe_pid(int pid, char *out, size_t out_len)
{
	char path[64], text[128] = "";
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((f = fopen(path, "re"))) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	if (n == 0) {
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if ((f = fopen(path, "re"))) {
			n = fread(text, 1, sizeof(text) - 1, f);
			fclose(f);
		}
	}
	while (n > 0 && (text[n - 1] == '\0' || text[n - 1] == '\n'))
		n--;
	text[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (text[i] == '\0' || text[i] == '\n')
			text[i] = ' ';
	snprintf(out, out_len, "pid %d (%s)", pid, text);
}

/* Who holds port? Writes "held by pid N (CMDLINE)" or why we can't tell. */
static void describe_holder(bool udp, int port, char *out, size_t out_len)
{
	unsigned long inode = socket_inode_of_port(udp, port);
	DIR *proc;
	struct dirent *entry;

	snprintf(out, out_len, "no process of this network namespace shows the socket");
	if (inode == 0 || !(proc = opendir("/proc")))
		return;
	while ((entry = readdir(proc))) {
		int pid = atoi(entry->d_name);

		if (pid > 0 && pid_holds_socket(pid, inode)) {
			char who[192];

			describe_pid(pid, who, sizeof(who));
			snprintf(out, out_len, "held by %s", who);
			break;
		}
	}
	closedir(proc);
}

/* ---- binding the listeners ------------------------------------------ */

int proxy_first_free_port(int first, int last, int (*try_bind)(int port, void *arg), void *arg)
{
	if (first == 0 && last == 0)
		return try_bind(0, arg) == 0 ? 0 : -1;
	for (int port = first; port <= last; port++) {
		if (try_bind(port, arg) == 0)
			return port;
		if (errno != EADDRINUSE)
			return -1;
	}
	errno = EADDRINUSE;
	return -1;
}

/* host_ip "" binds [::] with IPV6_V6ONLY off: one socket for every IPv4
 * and IPv6 address (ss shows it as *:PORT); 0.0.0.0 if the host has no
 * IPv6. */
static int host_address(const char *host_ip, int port, struct sockaddr_storage *addr,
			socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
	int probe;

	memset(addr, 0, sizeof(*addr));
	if (host_ip[0] == '\0') {
		probe = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (probe >= 0) {
			close(probe);
			v6->sin6_family = AF_INET6;
			v6->sin6_addr = in6addr_any;
			v6->sin6_port = htons(port);
			*len = sizeof(*v6);
			return 0;
		}
		host_ip = "0.0.0.0";
	}
	if (inet_pton(AF_INET, host_ip, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host_ip, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*len = sizeof(*v6);
		return 0;
	}
	errno = EINVAL;
	return -1;
}

struct bind_attempt {
	const struct compose_port *port;
	int fd; /* the socket bound by the last successful try */
};

/* One try of one host port: a non-blocking socket, bound, and for TCP
 * listening. SO_REUSEADDR lets a TCP port be bound again while old
 * connections sit in TIME_WAIT; UDP must not have it (on UDP it lets two
 * sockets share the port). */
static int try_bind_port(int port_number, void *arg)
{
	struct bind_attempt *attempt = arg;
	bool udp = strcmp(attempt->port->protocol, "udp") == 0;
	struct sockaddr_storage addr;
	socklen_t len;
	int fd, one = 1, off = 0, saved;

	if (host_address(attempt->port->host_ip, port_number, &addr, &len) < 0)
		return -1;
	fd = socket(addr.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -1;
	if (addr.ss_family == AF_INET6 && attempt->port->host_ip[0] == '\0')
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (!udp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, len) < 0 || (!udp && listen(fd, SOMAXCONN) < 0)) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	attempt->fd = fd;
	return 0;
}

static int bound_port_of(int fd)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);

	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		return -1;
	if (addr.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
	return ntohs(((struct sockaddr_in *)&addr)->sin_port);
}

/* "*:8080/tcp", "127.0.0.1:1000-2000/tcp", "[::1]:8080/udp" for errors. */
static void describe_host_side(const struct compose_port *port, char *out, size_t out_len)
{
	char ports[16];

	if (port->host_port_first == port->host_port_last)
		snprintf(ports, sizeof(ports), "%d", port->host_port_first);
	else
		snprintf(ports, sizeof(ports), "%d-%d", port->host_port_first,
			 port->host_port_last);
	if (port->host_ip[0] == '\0')
		snprintf(out, out_len, "*:%s/%s", ports, port->protocol);
	else if (strchr(port->host_ip, ':'))
		snprintf(out, out_len, "[%s]:%s/%s", port->host_ip, ports, port->protocol);
	else
		snprintf(out, out_len, "%s:%s/%s", port->host_ip, ports, port->protocol);
}

static int target_address(const char *target_ip, int port, struct sockaddr_storage *addr,
			  socklen_t *len)
{
	if (target_ip[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	return host_address(target_ip, port, addr, len);
}

/* Binds ports[i] into l, or says in err why not. */
static int open_listener(struct proxy *p, struct listener *l, const struct compose_port *port,
			 const char *target_ip, int *bound_port, char *err, size_t err_len)
{
	struct bind_attempt attempt = {.port = port, .fd = -1};
	char where[80], holder[256];

	describe_host_side(port, where, sizeof(where));
	l->proxy = p;
	l->udp = strcmp(port->protocol, "udp") == 0;
	l->watch =
	    (struct watch){.kind = l->udp ? UDP_LISTENER : TCP_LISTENER, .fd = -1, .owner = l};
	if (target_address(target_ip, port->container_port, &l->target, &l->target_len) < 0) {
		snprintf(err, err_len, "proxy(%s -> %s:%d): not an IP address", where, target_ip,
			 port->container_port);
		return -1;
	}
	if (proxy_first_free_port(port->host_port_first, port->host_port_last, try_bind_port,
				  &attempt) < 0) {
		int saved = errno;

		if (saved == EADDRINUSE && port->host_port_first == port->host_port_last) {
			describe_holder(l->udp, port->host_port_first, holder, sizeof(holder));
			snprintf(err, err_len, "bind(%s): %s, %s", where, strerror(saved), holder);
		} else if (saved == EADDRINUSE) {
			snprintf(
			    err, err_len,
			    "bind(%s): every port of the range is taken — publish another range",
			    where);
		} else {
			snprintf(err, err_len, "bind(%s): %s", where, strerror(saved));
		}
		return -1;
	}
	l->watch.fd = attempt.fd;
	*bound_port = bound_port_of(attempt.fd);
	if (watch_set(p, &l->watch, EPOLLIN) < 0) {
		snprintf(err, err_len, "epoll_ctl(%s): %s", where, strerror(errno));
		return -1;
	}
	return 0;
}

struct proxy *proxy_open(const struct compose_port *ports, int n, const char *target_ip,
			 int *bound_ports, char *err, size_t err_len)
{
	struct proxy *p = calloc(1, sizeof(*p));

	if (!p || !(p->listeners = calloc(n > 0 ? n : 1, sizeof(*p->listeners)))) {
		snprintf(err, err_len, "proxy: out of memory");
		free(p);
		return NULL;
	}
	/* A relay that writes to a socket whose reader has gone gets EPIPE,
	 * and SIGPIPE, whose default would kill the supervisor. (The runtime
	 * ignores it already - common/child.c - and resets it for the
	 * container.) */
	signal(SIGPIPE, SIG_IGN);
	p->udp_idle_ms = UDP_IDLE_DEFAULT_MS;
	p->timer = (struct watch){.kind = UDP_TIMER, .fd = -1, .owner = p};
	p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	p->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->epoll_fd < 0 || p->timer.fd < 0 || watch_set(p, &p->timer, EPOLLIN) < 0) {
		snprintf(err, err_len, "proxy: epoll_create1: %s", strerror(errno));
		proxy_close(p);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		p->n_listeners = i + 1;
		if (open_listener(p, &p->listeners[i], &ports[i], target_ip, &bound_ports[i], err,
				  err_len) < 0) {
			proxy_close(p);
			return NULL;
		}
	}
	return p;
}

int proxy_fd(const struct proxy *p)
{
	return p->epoll_fd;
}

void proxy_set_udp_idle_timeout(struct proxy *p, int milliseconds)
{
	p->udp_idle_ms = milliseconds;
}

/* ---- TCP ------------------------------------------------------------- */

static void direction_init(struct direction *d, int from, int to)
{
	*d = (struct direction){.from = from, .to = to, .pipe = {-1, -1}};
}

static void tcp_conn_close(struct proxy *p, struct tcp_conn *c)
{
	watch_close(p, &c->client);
	watch_close(p, &c->upstream);
	for (int i = 0; i < 2; i++) {
		if (c->to_target.pipe[i] >= 0)
			close(c->to_target.pipe[i]);
		if (c->to_client.pipe[i] >= 0)
			close(c->to_client.pipe[i]);
	}
	c->to_target.pipe[0] = c->to_target.pipe[1] = -1;
	c->to_client.pipe[0] = c->to_client.pipe[1] = -1;
	c->closed = true;
}

/* Moves what it can: from -> pipe, then pipe -> to. -1 when a socket
 * failed (reset, or the reader is gone): the connection is over. */
static int direction_pump(struct direction *d)
{
	ssize_t n;

	if (!d->eof && !d->pipe_full) {
		n = splice(d->from, NULL, d->pipe[1], NULL, d->pipe_size - d->in_pipe,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0)
			d->in_pipe += n;
		else if (n == 0)
			d->eof = true;
		else if (errno != EAGAIN)
			return -1;
		/* EAGAIN with bytes waiting: the pipe may be full (its slots,
		 * one a page, fill before its bytes do): read again once some
		 * went out. */
		else if (d->in_pipe > 0)
			d->pipe_full = true;
		if (d->in_pipe == d->pipe_size)
			d->pipe_full = true;
	}
	if (d->in_pipe > 0) {
		n = splice(d->pipe[0], NULL, d->to, NULL, d->in_pipe,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			d->in_pipe -= n;
			d->pipe_full = false;
		} else if (n < 0 && errno != EAGAIN) {
			return -1;
		}
	}
	if (d->eof && d->in_pipe == 0 && !d->shut) {
		shutdown(d->to, SHUT_WR); /* pass the FIN on */
		d->shut = true;
	}
	return 0;
}

static uint32_t direction_reads(const struct direction *d)
{
	return !d->eof && !d->pipe_full ? EPOLLIN : 0;
}

static uint32_t direction_writes(const struct direction *d)
{
	return d->in_pipe > 0 ? EPOLLOUT : 0;
}

/* A pipe for one direction, as large as the kernel lets us make it
 * (fcntl(2) F_SETPIPE_SZ, up to /proc/sys/fs/pipe-max-size): fewer
 * splices per megabyte. Its pages are the kernel's, not in our RSS, and
 * only while bytes are in flight. */
static int direction_open_pipe(struct direction *d)
{
	int size;

	if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	size = fcntl(d->pipe[1], F_SETPIPE_SZ, 1 << 20);
	if (size < 0)
		size = fcntl(d->pipe[1], F_GETPIPE_SZ);
	d->pipe_size = size > 0 ? size : 65536;
	return 0;
}

/* The connect() finished: did it work? */
static int tcp_connected(struct tcp_conn *c)
{
	int error = 0;
	socklen_t len = sizeof(error);

	if (getsockopt(c->upstream.fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0 || error != 0)
		return -1;
	c->connecting = false;
	if (direction_open_pipe(&c->to_target) < 0 || direction_open_pipe(&c->to_client) < 0)
		return -1;
	return 0;
}

/* Something happened on one of c's sockets: move bytes both ways, then
 * watch for what each socket can do next. Both directions shut: done. */
static void tcp_pump(struct proxy *p, struct tcp_conn *c)
{
	if (c->connecting && tcp_connected(c) < 0)
		goto close;
	if (direction_pump(&c->to_target) < 0 || direction_pump(&c->to_client) < 0)
		goto close;
	if (c->to_target.shut && c->to_client.shut)
		goto close;
	if (watch_set(p, &c->client,
		      direction_reads(&c->to_target) | direction_writes(&c->to_client)) < 0 ||
	    watch_set(p, &c->upstream,
		      direction_reads(&c->to_client) | direction_writes(&c->to_target)) < 0)
		goto close;
	return;
close:
	tcp_conn_close(p, c);
}

/* A new client: start a non-blocking connect() to the target; the
 * upstream socket turns writable when it is done. */
static void tcp_start(struct listener *l, int client_fd)
{
	struct proxy *p = l->proxy;
	struct tcp_conn *c = calloc(1, sizeof(*c));
	int upstream_fd;

	if (!c) {
		close(client_fd);
		return;
	}
	upstream_fd = socket(l->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->client = (struct watch){.kind = TCP_SOCKET, .fd = client_fd, .owner = c};
	c->upstream = (struct watch){.kind = TCP_SOCKET, .fd = upstream_fd, .owner = c};
	direction_init(&c->to_target, client_fd, upstream_fd);
	direction_init(&c->to_client, upstream_fd, client_fd);
	c->connecting = true;
	c->next = p->conns;
	p->conns = c;
	if (upstream_fd < 0 ||
	    (connect(upstream_fd, (struct sockaddr *)&l->target, l->target_len) < 0 &&
	     errno != EINPROGRESS) ||
	    watch_set(p, &c->upstream, EPOLLOUT) < 0)
		tcp_conn_close(p, c);
}

static void accept_clients(struct listener *l)
{
	for (int i = 0; i < ACCEPTS_PER_DISPATCH; i++) {
		int fd = accept4(l->watch.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN: no one else waiting; else: try next time */
		tcp_start(l, fd);
	}
}

/* ---- UDP ------------------------------------------------------------- */

static void udp_flow_close(struct proxy *p, struct udp_flow *f)
{
	watch_close(p, &f->upstream);
	f->closed = true;
}

static long elapsed_ms(const struct timespec *since, const struct timespec *now)
{
	return (now->tv_sec - since->tv_sec) * 1000 + (now->tv_nsec - since->tv_nsec) / 1000000;
}

/* The timer ticks every tenth of the idle timeout while flows exist. */
static void udp_timer_arm(struct proxy *p, bool on)
{
	long tick_ms = p->udp_idle_ms / 10 > 0 ? p->udp_idle_ms / 10 : 1;
	struct timespec tick = {.tv_sec = tick_ms / 1000, .tv_nsec = (tick_ms % 1000) * 1000000};
	struct itimerspec spec = {.it_interval = tick, .it_value = tick};

	if (!on)
		spec = (struct itimerspec){0};
	timerfd_settime(p->timer.fd, 0, &spec, NULL);
}

static void udp_expire_idle(struct proxy *p)
{
	struct timespec now;
	uint64_t ticks;
	bool any_left = false;

	if (read(p->timer.fd, &ticks, sizeof(ticks)) < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (struct udp_flow *f = p->flows; f; f = f->next) {
		if (!f->closed && elapsed_ms(&f->last_used, &now) >= p->udp_idle_ms)
			udp_flow_close(p, f);
		any_left |= !f->closed;
	}
	if (!any_left)
		udp_timer_arm(p, false);
}

/* The flow of this client address on this listener (a list: a published
 * UDP port rarely has many clients at once; docker-proxy uses a map). */
static struct udp_flow *udp_flow_find(struct listener *l, const struct sockaddr_storage *client,
				      socklen_t client_len)
{
	for (struct udp_flow *f = l->proxy->flows; f; f = f->next)
		if (!f->closed && f->listener == l && f->client_len == client_len &&
		    memcmp(&f->client, client, client_len) == 0)
			return f;
	return NULL;
}

static struct udp_flow *udp_flow_open(struct listener *l, const struct sockaddr_storage *client,
				      socklen_t client_len)
{
	struct proxy *p = l->proxy;
	struct udp_flow *f = calloc(1, sizeof(*f));
	int fd;

	if (!f)
		return NULL;
	fd = socket(l->target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	f->upstream = (struct watch){.kind = UDP_UPSTREAM, .fd = fd, .owner = f};
	f->listener = l;
	memcpy(&f->client, client, client_len);
	f->client_len = client_len;
	f->next = p->flows;
	p->flows = f;
	if (fd < 0 || connect(fd, (struct sockaddr *)&l->target, l->target_len) < 0 ||
	    watch_set(p, &f->upstream, EPOLLIN) < 0) {
		udp_flow_close(p, f);
		return NULL;
	}
	udp_timer_arm(p, true);
	return f;
}

/* A datagram from a client: send it on that client's own upstream socket.
 * A datagram that cannot be sent is dropped - UDP promises no more. */
static void udp_from_client(struct listener *l)
{
	struct proxy *p = l->proxy;
	struct sockaddr_storage client;
	socklen_t client_len = sizeof(client);
	ssize_t n = recvfrom(l->watch.fd, p->datagram, sizeof(p->datagram), 0,
			     (struct sockaddr *)&client, &client_len);
	struct udp_flow *f;

	if (n < 0)
		return;
	f = udp_flow_find(l, &client, client_len);
	if (!f)
		f = udp_flow_open(l, &client, client_len);
	if (!f)
		return;
	clock_gettime(CLOCK_MONOTONIC, &f->last_used);
	send(f->upstream.fd, p->datagram, n, 0);
}

/* An answer from the target: back to the client, from the published port. */
static void udp_from_target(struct proxy *p, struct udp_flow *f)
{
	ssize_t n = recv(f->upstream.fd, p->datagram, sizeof(p->datagram), 0);

	if (n < 0) {
		if (errno == ECONNREFUSED) /* an ICMP "port unreachable" came back */
			return;
		if (errno != EAGAIN)
			udp_flow_close(p, f);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &f->last_used);
	sendto(f->listener->watch.fd, p->datagram, n, 0, (struct sockaddr *)&f->client,
	       f->client_len);
}

/* ---- the event loop's side ------------------------------------------ */

/* Frees what this batch closed: its events may have been in the batch. */
static void free_closed(struct proxy *p)
{
	for (struct tcp_conn **c = &p->conns; *c;) {
		struct tcp_conn *gone = *c;

		if (!gone->closed) {
			c = &gone->next;
			continue;
		}
		*c = gone->next;
		free(gone);
	}
	for (struct udp_flow **f = &p->flows; *f;) {
		struct udp_flow *gone = *f;

		if (!gone->closed) {
			f = &gone->next;
			continue;
		}
		*f = gone->next;
		free(gone);
	}
}

void proxy_dispatch(struct proxy *p)
{
	struct epoll_event events[EVENTS_PER_DISPATCH];
	int n = epoll_wait(p->epoll_fd, events, EVENTS_PER_DISPATCH, 0);

	for (int i = 0; i < n; i++) {
		struct watch *w = events[i].data.ptr;

		switch (w->kind) {
		case TCP_LISTENER:
			accept_clients(w->owner);
			break;
		case UDP_LISTENER:
			udp_from_client(w->owner);
			break;
		case TCP_SOCKET:
			if (!((struct tcp_conn *)w->owner)->closed)
				tcp_pump(p, w->owner);
			break;
		case UDP_UPSTREAM:
			if (!((struct udp_flow *)w->owner)->closed)
				udp_from_target(p, w->owner);
			break;
		case UDP_TIMER:
			udp_expire_idle(p);
			break;
		}
	}
	free_closed(p);
}

void proxy_close(struct proxy *p)
{
	if (!p)
		return;
	for (struct tcp_conn *c = p->conns; c; c = c->next)
		if (!c->closed)
			tcp_conn_close(p, c);
	for (struct udp_flow *f = p->flows; f; f = f->next)
		if (!f->closed)
			udp_flow_close(p, f);
	free_closed(p);
	for (int i = 0; i < p->n_listeners; i++)
		watch_close(p, &p->listeners[i].watch);
	watch_close(p, &p->timer);
	if (p->epoll_fd >= 0)
		close(p->epoll_fd);
	free(p->listeners);
	free(p);
}
