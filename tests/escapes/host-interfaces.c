/* escape: host-interfaces
 * blocked-from: 06
 * explain: list the host's network interfaces and addresses
 * run: plain
 *
 * Sharing the host's network stack shows its interfaces, addresses and
 * MAC addresses: a map of the networks the host is on, and with root,
 * the power to sniff them (a raw socket on the host's eth0 sees its
 * traffic) or reconfigure them. getifaddrs(3) asks the kernel over
 * netlink, so no /proc or /sys is needed. A container with its own
 * network namespace sees lo and its own eth0, with an address in
 * 10.200.0.0/16, and nothing else.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "escape.h"

/* An address a container of ours may have: loopback or 10.200.0.0/16. */
static int container_address(const struct sockaddr *address)
{
	uint32_t ipv4;

	if (!address || address->sa_family != AF_INET)
		return 1; /* only IPv4 addresses are judged */
	ipv4 = ntohl(((const struct sockaddr_in *)address)->sin_addr.s_addr);
	return (ipv4 >> 24) == 127 || (ipv4 >> 16) == ((10u << 8) | 200u);
}

int main(void)
{
	struct ifaddrs *list, *entry;
	char seen[512] = "";

	if (getifaddrs(&list) < 0)
		cannot_test("getifaddrs: %s", strerror(errno));
	for (entry = list; entry; entry = entry->ifa_next) {
		int expected =
		    strcmp(entry->ifa_name, "lo") == 0 || strcmp(entry->ifa_name, "eth0") == 0;

		if (!expected || !container_address(entry->ifa_addr)) {
			char text[INET_ADDRSTRLEN] = "";

			if (entry->ifa_addr && entry->ifa_addr->sa_family == AF_INET)
				inet_ntop(AF_INET,
					  &((struct sockaddr_in *)entry->ifa_addr)->sin_addr, text,
					  sizeof(text));
			snprintf(seen, sizeof(seen), "%s%s", entry->ifa_name, text[0] ? " " : "");
			strncat(seen, text, sizeof(seen) - strlen(seen) - 1);
			freeifaddrs(list);
			escaped("the host's interface %s is visible", seen);
		}
	}
	freeifaddrs(list);
	blocked("only lo and eth0 with container addresses: a network namespace of our own");
}
