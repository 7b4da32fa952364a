/* ports.h - step 10: the ports a compose file publishes, in every form the
 * compose spec gives, expanded to one entry per container port.
 *
 *     "80"                     container port 80 on any free host port
 *     "8080:80"                host port 8080 -> container port 80
 *     "127.0.0.1:8080:80"      the same, on one host address only
 *     "[::1]:8080:80"          an IPv6 host address, in brackets
 *     "8080:80/udp"            UDP instead of TCP
 *     "9000-9002:9000-9002"    three entries: 9000->9000, 9001->9001, 9002->9002
 *     "1000-2000:81"           one entry: a free host port of 1000-2000 -> 81
 *     80                       an unquoted YAML integer: the same as "80"
 *     {target: 80, published: "8080", host_ip: 127.0.0.1, protocol: tcp}
 *                              the long syntax (published may be a range too)
 */
#ifndef BOXES_PORTS_H
#define BOXES_PORTS_H

#include <stddef.h>

struct compose_port {
	char host_ip[48]; /* "" = every host address; else an IPv4 or IPv6 address */
	/* Which host port the runtime listens on:
	 *   0, 0             any free port (docker's "ephemeral" port)
	 *   N, N             exactly N
	 *   N, M (N < M)     one free port of N..M, picked when the service starts */
	int host_port_first;
	int host_port_last;
	int container_port; /* 1-65535 */
	char protocol[4]; /* "tcp" or "udp" */
	int line, column; /* where the entry is in the compose file (1-based) */
};

/* "[[HOST_IP:]HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTOCOL]" -> entries
 * appended at out[*count] (at most max in all). 0, or -1 with why set to
 * "what is wrong — how to fix it" (without the port text itself). */
int port_parse_short(const char *text, struct compose_port *out, int max, int *count, char *why,
		     size_t why_len);

/* The long syntax's fields, as text (published, host_ip and protocol may be
 * NULL). Same result as port_parse_short. */
int port_parse_long(const char *target, const char *published, const char *host_ip,
		    const char *protocol, struct compose_port *out, int max, int *count, char *why,
		    size_t why_len);

/* expose: "3000", "8000-8010", "8080/udp": container ports only (no host
 * side); host_port_first/last stay 0. */
int port_parse_expose(const char *text, struct compose_port *out, int max, int *count, char *why,
		      size_t why_len);

/* "8080", "1000-2000" or "" (any port): the host side, as config prints it. */
void port_format_published(const struct compose_port *port, char *out, size_t out_len);

#endif
