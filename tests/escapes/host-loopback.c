/* escape: host-loopback
 * blocked-from: 06
 * explain: connect to a service that listens only on the host's 127.0.0.1
 * run: loopback
 *
 * "It only listens on localhost, so it is safe": databases, admin panels,
 * debug ports and metadata proxies trust 127.0.0.1 as "someone on this
 * machine". A container sharing the host's network stack is on this
 * machine: Kubernetes' CVE-2020-8558 let pods reach the node's
 * localhost-only services the same way. The runner listens on the host's
 * 127.0.0.1:PORT and passes PORT; we try to connect. In a network
 * namespace, 127.0.0.1 is the container's own loopback, where nothing
 * listens.
 * By hand: busybox httpd -f -p 127.0.0.1:47011 -h /var/empty &
 *          build/bin/05-pivot-root build/rootfs /escapes/host-loopback 47011
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "escape.h"

int main(int argc, char **argv)
{
	struct sockaddr_in host = {.sin_family = AF_INET};
	struct timeval two_seconds = {.tv_sec = 2};
	int port = argc > 1 ? atoi(argv[1]) : 0;
	int sock;

	if (port <= 0 || port > 65535)
		cannot_test("usage: host-loopback PORT (a port the host listens on at 127.0.0.1)");
	host.sin_port = htons((unsigned short)port);
	host.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sock = socket(AF_INET, SOCK_STREAM, 0);
	if (sock < 0)
		cannot_test("socket: %s", strerror(errno));
	/* Bounded: a connect never hangs the matrix for long. */
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &two_seconds, sizeof(two_seconds));
	if (connect(sock, (struct sockaddr *)&host, sizeof(host)) == 0) {
		close(sock);
		escaped("connected to the host's 127.0.0.1:%d", port);
	}
	blocked("connect(127.0.0.1:%d): %s (our loopback is not the host's)", port,
		strerror(errno));
}
