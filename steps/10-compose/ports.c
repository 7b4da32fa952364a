/* ports.c - step 10: every way a compose file writes a published port.
 *
 * The short syntax packs up to four things into one string, separated by
 * colons - host address, host port(s), container port(s) - and a protocol
 * after a slash. An IPv6 address has colons of its own, so it is written in
 * brackets ("[::1]:8080:80"); without brackets, the last two colons are the
 * separators. Docker's own parser (nat.ParsePortSpec) reads them the same way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "10-compose/ports.h"

#define PORT_MAX 65535

struct port_range {
	int first, last; /* first == last for one port; 0, 0 when not given */
};

/* "8080" or "9000-9002" into range. why names the bad part. */
static int parse_range(const char *text, const char *side, struct port_range *range, char *why,
		       size_t why_len)
{
	const char *dash = strchr(text, '-');
	char first[16], last[16];
	char *end;
	long number;

	if (dash) {
		snprintf(first, sizeof(first), "%.*s", (int)(dash - text), text);
		snprintf(last, sizeof(last), "%s", dash + 1);
	} else {
		snprintf(first, sizeof(first), "%s", text);
		snprintf(last, sizeof(last), "%s", text);
	}
	for (int i = 0; i < 2; i++) {
		const char *part = i == 0 ? first : last;

		errno = 0;
		number = strtol(part, &end, 10);
		if (!*part || *end || errno || number < 1 || number > PORT_MAX || *part == '+' ||
		    *part == ' ') {
			snprintf(
			    why, why_len,
			    "the %s port \"%s\" is not a port number — a port is a number from 1 "
			    "to 65535, a range is written FIRST-LAST",
			    side, *part ? part : text);
			return -1;
		}
		if (i == 0)
			range->first = (int)number;
		else
			range->last = (int)number;
	}
	if (range->last < range->first) {
		snprintf(why, why_len,
			 "the %s range %s runs backwards — write the lower port first (%d-%d)",
			 side, text, range->last, range->first);
		return -1;
	}
	return 0;
}

static int parse_protocol(const char *text, char *protocol, char *why, size_t why_len)
{
	if (strcmp(text, "tcp") == 0 || strcmp(text, "udp") == 0) {
		snprintf(protocol, 4, "%s", text);
		return 0;
	}
	if (strcmp(text, "sctp") == 0)
		snprintf(why, why_len,
			 "boxes' port proxy carries tcp and udp, not sctp — use /tcp or /udp");
	else
		snprintf(why, why_len,
			 "\"%s\" is not a protocol — write /tcp or /udp after the port", text);
	return -1;
}

static int parse_host_ip(const char *text, char *host_ip, char *why, size_t why_len)
{
	unsigned char address[sizeof(struct in6_addr)];

	if (!*text) {
		host_ip[0] = '\0';
		return 0;
	}
	if (strlen(text) >= 48 ||
	    (inet_pton(AF_INET, text, address) != 1 && inet_pton(AF_INET6, text, address) != 1)) {
		snprintf(why, why_len,
			 "the host address \"%s\" is not an IPv4 or IPv6 address — write e.g. "
			 "127.0.0.1:8080:80 or [::1]:8080:80",
			 text);
		return -1;
	}
	snprintf(host_ip, 48, "%s", text);
	return 0;
}

/* Pairs the host side with the container side: equal ranges map port by
 * port; a host range for one container port stays one entry, whose host
 * port the runtime picks from the range. */
static int expand(const char *host_ip, struct port_range host, struct port_range container,
		  const char *protocol, struct compose_port *out, int max, int *count, char *why,
		  size_t why_len)
{
	int container_ports = container.last - container.first + 1;
	int host_ports = host.first ? host.last - host.first + 1 : 0;
	int one_host_range = host_ports > 1 && container_ports == 1;

	if (host_ports && host_ports != container_ports && !one_host_range) {
		snprintf(why, why_len,
			 "the host side has %d port%s and the container side %d — give ranges of "
			 "the same length, or one container port for a host range",
			 host_ports, host_ports == 1 ? "" : "s", container_ports);
		return -1;
	}
	if (*count + container_ports > max) {
		snprintf(why, why_len,
			 "%d ports are more than boxes publishes for one service (%d) — publish "
			 "fewer, or a host range for one container port",
			 *count + container_ports, max);
		return -1;
	}
	for (int i = 0; i < container_ports; i++) {
		struct compose_port *port = &out[(*count)++];

		memset(port, 0, sizeof(*port));
		snprintf(port->host_ip, sizeof(port->host_ip), "%s", host_ip);
		snprintf(port->protocol, sizeof(port->protocol), "%s", protocol);
		port->container_port = container.first + i;
		if (one_host_range) {
			port->host_port_first = host.first;
			port->host_port_last = host.last;
		} else if (host_ports) {
			port->host_port_first = port->host_port_last = host.first + i;
		}
	}
	return 0;
}

/* Splits "HOST_IP:HOST:CONTAINER" (any of the first two may be missing)
 * into its three parts, in place. */
static int split_short(char *text, char **host_ip, char **host, char **container, char *why,
		       size_t why_len)
{
	char *last_colon = strrchr(text, ':');
	char *middle_colon;

	*host_ip = "";
	*host = "";
	*container = text;
	if (!last_colon)
		return 0;
	*last_colon = '\0';
	*container = last_colon + 1;
	*host = text;
	if (text[0] == '[') { /* [v6]:HOST */
		char *close = strchr(text, ']');

		if (!close || close[1] != ':') {
			snprintf(why, why_len,
				 "a bracketed IPv6 address must be followed by :HOST_PORT — write "
				 "[::1]:8080:80");
			return -1;
		}
		*close = '\0';
		*host_ip = text + 1;
		*host = close + 2;
		return 0;
	}
	middle_colon = strrchr(text, ':');
	if (middle_colon) {
		*middle_colon = '\0';
		*host_ip = text;
		*host = middle_colon + 1;
	}
	return 0;
}

int port_parse_short(const char *text, struct compose_port *out, int max, int *count, char *why,
		     size_t why_len)
{
	char copy[128], address[48], *slash, *host_ip, *host, *container;
	char protocol[4] = "tcp";
	struct port_range host_range = {0, 0}, container_range;

	if (!*text) {
		snprintf(why, why_len,
			 "an empty port — write e.g. \"8080:80\", or remove the entry");
		return -1;
	}
	if (strlen(text) >= sizeof(copy)) {
		snprintf(why, why_len, "too long for a port — write e.g. \"8080:80\"");
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s", text);
	slash = strrchr(copy, '/');
	if (slash) {
		*slash = '\0';
		if (parse_protocol(slash + 1, protocol, why, why_len) < 0)
			return -1;
	}
	if (split_short(copy, &host_ip, &host, &container, why, why_len) < 0 ||
	    parse_host_ip(host_ip, address, why, why_len) < 0)
		return -1;
	if (*host && parse_range(host, "host", &host_range, why, why_len) < 0)
		return -1;
	if (parse_range(container, "container", &container_range, why, why_len) < 0)
		return -1;
	return expand(address, host_range, container_range, protocol, out, max, count, why,
		      why_len);
}

int port_parse_long(const char *target, const char *published, const char *host_ip,
		    const char *protocol, struct compose_port *out, int max, int *count, char *why,
		    size_t why_len)
{
	struct port_range host_range = {0, 0}, container_range;
	char address[48], proto[4] = "tcp";

	if (!target) {
		snprintf(why, why_len,
			 "a port without target: — give the container's port as "
			 "target: 80");
		return -1;
	}
	if (strchr(target, '-')) {
		snprintf(why, why_len,
			 "target: is one container port, not a range — write one long entry per "
			 "port, or the short syntax \"9000-9002:9000-9002\"");
		return -1;
	}
	if (parse_range(target, "target", &container_range, why, why_len) < 0 ||
	    parse_host_ip(host_ip ? host_ip : "", address, why, why_len) < 0 ||
	    (protocol && parse_protocol(protocol, proto, why, why_len) < 0) ||
	    (published && *published &&
	     parse_range(published, "published", &host_range, why, why_len) < 0))
		return -1;
	return expand(address, host_range, container_range, proto, out, max, count, why, why_len);
}

int port_parse_expose(const char *text, struct compose_port *out, int max, int *count, char *why,
		      size_t why_len)
{
	if (strchr(text, ':')) {
		snprintf(why, why_len,
			 "expose: takes container ports only — a HOST:CONTAINER pair belongs "
			 "under ports:");
		return -1;
	}
	return port_parse_short(text, out, max, count, why, why_len);
}

void port_format_published(const struct compose_port *port, char *out, size_t out_len)
{
	if (!port->host_port_first)
		snprintf(out, out_len, "%s", "");
	else if (port->host_port_first == port->host_port_last)
		snprintf(out, out_len, "%d", port->host_port_first);
	else
		snprintf(out, out_len, "%d-%d", port->host_port_first, port->host_port_last);
}
