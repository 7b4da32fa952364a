/* Address leases are machine-wide (issue 9): containers started at once
 * from four BOXES_RUN directories all get different /30s, and the host
 * gets exactly one route to each. Before, each BOXES_RUN kept its own
 * leases and two of them handed out 10.200.0.0/30 twice. Also: a /30 that
 * is on a host interface without a lease is never handed out. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_06.h"

#define STEP "06-net-namespace"
#define DIRS 4
#define PER_DIR 2
#define RUNS (DIRS * PER_DIR)

/* The /30 of a dotted address, host order. */
static unsigned int network_of(const char *address)
{
	struct in_addr parsed;

	assert_int_equal(inet_pton(AF_INET, address, &parsed), 1);
	return ntohl(parsed.s_addr) & ~3u;
}

/* How many routes of the host's main table go to network/30. The kernel
 * lists them in /proc/net/route: destination and mask in hex, in network
 * byte order. */
static int host_routes_to(unsigned int network)
{
	char line[256], interface[32];
	unsigned int destination, gateway, flags, mask;
	int count = 0;
	FILE *routes = fopen("/proc/net/route", "r");

	assert_non_null(routes);
	while (fgets(line, sizeof(line), routes))
		if (sscanf(line, "%31s %x %x %x %*d %*d %*d %x", interface, &destination, &gateway,
			   &flags, &mask) == 5 &&
		    ntohl(destination) == network && ntohl(mask) == 0xfffffffcu)
			count++;
	fclose(routes);
	return count;
}

static void use_boxes_run(const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", run_dir(), name);
	mkdir(path, 0700);
	setenv("BOXES_RUN", path, 1);
}

static struct running_box boxes[RUNS];

static int stop_boxes(void **state)
{
	(void)state;
	stop_running_boxes(boxes, RUNS);
	setenv("BOXES_RUN", run_dir(), 1);
	return 0;
}

static void test_four_boxes_run_dirs_get_different_subnets(void **state)
{
	static const char *const dirs[DIRS] = {"a", "b", "c", "d"};
	unsigned int networks[RUNS];
	char address[32];
	int i, j;

	(void)state;
	for (i = 0; i < RUNS; i++) { /* all started before the first one runs */
		use_boxes_run(dirs[i % DIRS]);
		assert_true(spawn_running_box(&boxes[i], STEP) > 0);
	}
	setenv("BOXES_RUN", run_dir(), 1);
	for (i = 0; i < RUNS; i++) {
		if (wait_running_box(&boxes[i], 10) < 0 ||
		    find_container_address(boxes[i].out, address, sizeof(address)) < 0)
			fail_msg("run %d (BOXES_RUN %s) never got an address:\n%s", i,
				 dirs[i % DIRS], boxes[i].out);
		networks[i] = network_of(address);
	}
	for (i = 0; i < RUNS; i++) {
		for (j = 0; j < i; j++)
			if (networks[i] == networks[j])
				fail_msg("runs %d and %d (BOXES_RUN %s and %s) share a /30", i, j,
					 dirs[i % DIRS], dirs[j % DIRS]);
		assert_int_equal(host_routes_to(networks[i]), 1);
	}
	assert_int_equal(leases_held(), RUNS);
	for (i = 0; i < RUNS; i++)
		assert_int_equal(stop_running_box(&boxes[i]), 0);
	assert_int_equal(leases_held(), 0);
	/* the routes go with the veths, which go with the containers' network
	 * namespaces: the kernel's work after exit, not waited for (06) */
	for (i = 0; i < RUNS; i++) {
		int waited;

		for (waited = 0; host_routes_to(networks[i]) != 0 && waited < LINK_GONE_WAIT_MS;
		     waited += 20)
			usleep(20 * 1000);
		assert_int_equal(host_routes_to(networks[i]), 0);
	}
}

/* An address in 10.200.0.0/16 put on a host interface by hand (a veth
 * pair of the test's own, both ends on the host): its /30 has no lease,
 * and is still skipped. */
static void test_subnet_on_a_host_interface_is_not_handed_out(void **state)
{
	struct running_box *probe = &boxes[0], *box = &boxes[1];
	char address[32], command[256], link[32];
	unsigned int network;
	struct in_addr host_end;

	(void)state;
	assert_int_equal(start_running_box(probe, STEP, 10), 0);
	assert_int_equal(find_container_address(probe->out, address, sizeof(address)), 0);
	assert_int_equal(stop_running_box(probe), 0);
	network = network_of(address); /* the first free /30: the next run's */
	host_end.s_addr = htonl(network + 1);
	snprintf(link, sizeof(link), "bxt%d", (int)getpid() % 100000);
	snprintf(command, sizeof(command),
		 "ip link add %sa type veth peer name %sb && ip addr add %s/30 dev %sa", link, link,
		 inet_ntoa(host_end), link);
	assert_int_equal(system(command), 0);
	address[0] = '\0';
	if (start_running_box(box, STEP, 10) == 0)
		find_container_address(box->out, address, sizeof(address));
	stop_running_box(box);
	snprintf(command, sizeof(command), "ip link delete %sa", link); /* both ends */
	assert_int_equal(system(command), 0);
	assert_true(address[0]); /* it ran, with an address */
	assert_int_not_equal(network_of(address), network);
	assert_int_equal(leases_held(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_four_boxes_run_dirs_get_different_subnets, stop_boxes),
	    cmocka_unit_test_teardown(test_subnet_on_a_host_interface_is_not_handed_out,
				      stop_boxes),
	};

	return cmocka_run_group_tests_name("test_06_leases", tests, harness_setup,
					   harness_teardown);
}
