/* Unit tests for the parts of step 10's port proxy that need no socket:
 * which port of a host range it takes, and how it reads the kernel's
 * socket tables to name the process holding a port. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "10-compose/proxy.h"

/* A fake bind: the ports in taken[] fail with EADDRINUSE, the port in
 * broken (if not 0) fails with EACCES; every try is recorded. */
struct fake_host {
	int taken[8];
	int n_taken;
	int broken;
	int tried[16];
	int n_tried;
};

static int fake_bind(int port, void *arg)
{
	struct fake_host *host = arg;

	host->tried[host->n_tried++] = port;
	for (int i = 0; i < host->n_taken; i++)
		if (host->taken[i] == port) {
			errno = EADDRINUSE;
			return -1;
		}
	if (host->broken != 0 && port == host->broken) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

static void test_range_takes_its_first_port_when_free(void **state)
{
	struct fake_host host = {0};

	(void)state;
	assert_int_equal(proxy_first_free_port(1000, 2000, fake_bind, &host), 1000);
	assert_int_equal(host.n_tried, 1);
}

static void test_range_skips_taken_ports_in_order(void **state)
{
	struct fake_host host = {.taken = {1000, 1001, 1003}, .n_taken = 3};

	(void)state;
	assert_int_equal(proxy_first_free_port(1000, 2000, fake_bind, &host), 1002);
	assert_int_equal(host.n_tried, 3);
	assert_int_equal(host.tried[2], 1002);
}

static void test_range_all_taken_is_eaddrinuse(void **state)
{
	struct fake_host host = {.taken = {80, 81, 82}, .n_taken = 3};

	(void)state;
	assert_int_equal(proxy_first_free_port(80, 82, fake_bind, &host), -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(host.n_tried, 3);
}

/* A port that fails for another reason (no right to bind below 1024)
 * stops the search: the next port would fail the same way. */
static void test_range_stops_at_another_error(void **state)
{
	struct fake_host host = {.taken = {80}, .n_taken = 1, .broken = 81};

	(void)state;
	assert_int_equal(proxy_first_free_port(80, 90, fake_bind, &host), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(host.n_tried, 2);
}

static void test_single_port_taken_is_eaddrinuse(void **state)
{
	struct fake_host host = {.taken = {8080}, .n_taken = 1};

	(void)state;
	assert_int_equal(proxy_first_free_port(8080, 8080, fake_bind, &host), -1);
	assert_int_equal(errno, EADDRINUSE);
}

static void test_no_host_port_lets_the_kernel_pick(void **state)
{
	struct fake_host host = {0};

	(void)state;
	assert_int_equal(proxy_first_free_port(0, 0, fake_bind, &host), 0);
	assert_int_equal(host.n_tried, 1);
	assert_int_equal(host.tried[0], 0);
}

/* Lines as /proc/net/tcp and /proc/net/udp6 print them (proc(5)). */
static void test_net_line_of_a_tcp_listener(void **state)
{
	const char *line = "   3: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
			   "00000000     0        0 4163571 1 0000000000000000 100 0 0 10 0\n";
	int port, socket_state;
	unsigned long inode;

	(void)state;
	assert_int_equal(proxy_parse_net_line(line, &port, &socket_state, &inode), 0);
	assert_int_equal(port, 8080);
	assert_int_equal(socket_state, 0x0A);
	assert_int_equal(inode, 4163571);
}

static void test_net_line_of_an_ipv6_udp_socket(void **state)
{
	const char *line = "  812: 00000000000000000000000001000000:0035 "
			   "00000000000000000000000000000000:0000 07 00000000:00000000 "
			   "00:00000000 00000000   101        0 20931 2 0000000000000000 0\n";
	int port, socket_state;
	unsigned long inode;

	(void)state;
	assert_int_equal(proxy_parse_net_line(line, &port, &socket_state, &inode), 0);
	assert_int_equal(port, 53);
	assert_int_equal(socket_state, 0x07);
	assert_int_equal(inode, 20931);
}

static void test_net_header_line_is_not_a_socket(void **state)
{
	const char *line = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			   "retrnsmt   uid  timeout inode\n";
	int port, socket_state;
	unsigned long inode;

	(void)state;
	assert_int_equal(proxy_parse_net_line(line, &port, &socket_state, &inode), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_takes_its_first_port_when_free),
	    cmocka_unit_test(test_range_skips_taken_ports_in_order),
	    cmocka_unit_test(test_range_all_taken_is_eaddrinuse),
	    cmocka_unit_test(test_range_stops_at_another_error),
	    cmocka_unit_test(test_single_port_taken_is_eaddrinuse),
	    cmocka_unit_test(test_no_host_port_lets_the_kernel_pick),
	    cmocka_unit_test(test_net_line_of_a_tcp_listener),
	    cmocka_unit_test(test_net_line_of_an_ipv6_udp_socket),
	    cmocka_unit_test(test_net_header_line_is_not_a_socket),
	};

	return cmocka_run_group_tests_name("test_10_proxy", tests, NULL, NULL);
}
