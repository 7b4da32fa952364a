/* Unit tests for step 06's address plan: which /30 a container gets, and
 * the leases that keep two running containers from sharing one, in a
 * temporary lease directory (the runtime's is /run/boxes-net). No root
 * needed: reading the host's addresses over netlink is unprivileged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "06-net-namespace/subnet.h"
#include "box.h"

static char lease_dir[64];

static void test_first_subnet_is_10_200_0_0(void **state)
{
	struct subnet subnet;

	(void)state;
	assert_int_equal(subnet_describe(0, &subnet), 0);
	assert_string_equal(subnet.network, "10.200.0.0");
	assert_string_equal(subnet.host_end, "10.200.0.1/30");
	assert_string_equal(subnet.container_end, "10.200.0.2/30");
	assert_string_equal(subnet.gateway, "10.200.0.1");
	assert_string_equal(subnet.lease, "");
}

static void test_subnets_are_four_addresses_apart(void **state)
{
	struct subnet subnet;

	(void)state;
	assert_int_equal(subnet_describe(1, &subnet), 0);
	assert_string_equal(subnet.network, "10.200.0.4");
	assert_string_equal(subnet.container_end, "10.200.0.6/30");
	assert_int_equal(subnet_describe(64, &subnet), 0); /* 64 * 4 = 256: next third octet */
	assert_string_equal(subnet.network, "10.200.1.0");
	assert_int_equal(subnet_describe(SUBNET_COUNT - 1, &subnet), 0);
	assert_string_equal(subnet.host_end, "10.200.127.253/30");
	assert_string_equal(subnet.container_end, "10.200.127.254/30");
}

/* Step 10's /24s are the upper half: never a /30 of 06-09. */
static void test_project_24s_above_the_30s(void **state)
{
	struct subnet subnet;
	char cidr[20], ip[16];

	(void)state;
	assert_int_equal(subnet_describe_project(0, &subnet), 0);
	assert_string_equal(subnet.network, "10.200.128.0");
	assert_string_equal(subnet.host_end, "10.200.128.1/24");
	assert_int_equal(subnet_project_address(&subnet, 1, cidr, sizeof(cidr), ip, sizeof(ip)), 0);
	assert_string_equal(cidr, "10.200.128.2/24");
	assert_string_equal(ip, "10.200.128.2");
	assert_int_equal(subnet_describe_project(SUBNET_PROJECT_COUNT - 1, &subnet), 0);
	assert_string_equal(subnet.network, "10.200.255.0");
	assert_int_equal(subnet_describe_project(SUBNET_PROJECT_COUNT, &subnet), -1);
}

static void test_index_outside_10_200_rejected(void **state)
{
	struct subnet subnet;

	(void)state;
	assert_int_equal(subnet_describe(-1, &subnet), -1);
	assert_int_equal(subnet.index, -1);
	assert_int_equal(subnet_describe(SUBNET_COUNT, &subnet), -1);
	assert_int_equal(subnet.index, -1);
}

static struct box box_a, box_b;

/* A lease file as a runtime would have left it: the owner lines, no lock. */
static void write_lease(const char *path)
{
	FILE *file = fopen(path, "w");

	assert_non_null(file);
	fprintf(file, "id cccccccccccc\npid 999999999\nstate_dir -\n");
	fclose(file);
}

/* The first /30 subnet_lease_at would give: lease it and give it back
 * (out keeps its index and lease path). */
static void first_free(struct subnet *out)
{
	struct subnet leased;

	assert_int_equal(subnet_lease_at(lease_dir, &box_a, &leased), 0);
	*out = leased;
	subnet_release(&leased);
}

static void test_two_leases_get_different_subnets(void **state)
{
	struct subnet first, second;
	struct stat st;

	(void)state;
	assert_int_equal(subnet_lease_at(lease_dir, &box_a, &first), 0);
	assert_int_equal(subnet_lease_at(lease_dir, &box_b, &second), 0);
	assert_int_not_equal(first.index, second.index);
	assert_int_equal(stat(first.lease, &st), 0);
	assert_int_equal(stat(second.lease, &st), 0);
	subnet_release(&first);
	subnet_release(&second);
}

static void test_lease_names_its_owner(void **state)
{
	struct subnet subnet;
	char owner[256] = "";
	FILE *file;

	(void)state;
	assert_int_equal(subnet_lease_at(lease_dir, &box_a, &subnet), 0);
	file = fopen(subnet.lease, "r");
	assert_non_null(file);
	assert_int_equal(fread(owner, 1, sizeof(owner) - 1, file) > 0, 1);
	fclose(file);
	assert_non_null(strstr(owner, "id aaaaaaaaaaaa\n"));
	subnet_release(&subnet);
}

static void test_release_removes_the_lease(void **state)
{
	struct subnet subnet;
	char lease[4096];
	struct stat st;

	(void)state;
	assert_int_equal(subnet_lease_at(lease_dir, &box_a, &subnet), 0);
	strcpy(lease, subnet.lease);
	subnet_release(&subnet);
	assert_int_equal(stat(lease, &st), -1);
	assert_int_equal(subnet.index, -1);
	subnet_release(&subnet); /* twice is harmless */
}

/* The lease's lock is held (by another open file, as another runtime
 * would): that /30 is not handed out again. */
static void test_lease_whose_lock_is_held_is_respected(void **state)
{
	struct subnet probe, subnet;
	int holder;

	(void)state;
	first_free(&probe);
	write_lease(probe.lease);
	holder = open(probe.lease, O_RDONLY);
	assert_int_equal(flock(holder, LOCK_EX), 0);
	assert_int_equal(subnet_lease_at(lease_dir, &box_b, &subnet), 0);
	assert_int_not_equal(subnet.index, probe.index);
	subnet_release(&subnet);
	close(holder);
	unlink(probe.lease);
}

/* A lease file nobody holds a lock on: its runtime is dead. */
static void test_lease_whose_lock_is_free_is_taken_over(void **state)
{
	struct subnet probe, subnet;

	(void)state;
	first_free(&probe);
	write_lease(probe.lease);
	assert_int_equal(subnet_lease_at(lease_dir, &box_b, &subnet), 0);
	assert_int_equal(subnet.index, probe.index);
	assert_string_equal(subnet.lease, probe.lease);
	subnet_release(&subnet);
}

/* A runtime that took a lease and was SIGKILLed: the kernel dropped its
 * lock, so the /30 is free again, with no pid compared. */
static void test_lease_of_a_killed_runtime_is_taken_over(void **state)
{
	struct subnet probe, subnet;
	int ready[2], wstatus;
	char byte;
	pid_t killed;

	(void)state;
	first_free(&probe);
	assert_int_equal(pipe(ready), 0);
	killed = fork();
	if (killed == 0) {
		struct subnet held;

		prctl(PR_SET_PDEATHSIG, SIGKILL); /* should the test fail before it kills us */
		if (subnet_lease_at(lease_dir, &box_a, &held) < 0)
			_exit(1);
		write(ready[1], "x", 1);
		pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	assert_int_equal(subnet_lease_at(lease_dir, &box_b, &subnet), 0);
	assert_int_not_equal(subnet.index, probe.index); /* it lives: not ours */
	subnet_release(&subnet);
	kill(killed, SIGKILL);
	waitpid(killed, &wstatus, 0);
	close(ready[0]);
	assert_int_equal(subnet_lease_at(lease_dir, &box_b, &subnet), 0);
	assert_int_equal(subnet.index, probe.index); /* it is dead: ours */
	subnet_release(&subnet);
}

/* The sweeper acts on what a state file says: never on a path outside
 * the machine's lease directory. */
static void test_sweep_refuses_a_path_that_is_no_lease(void **state)
{
	(void)state;
	assert_int_equal(subnet_sweep_lease("/etc/passwd"), -1);
	assert_int_equal(subnet_sweep_lease(SUBNET_LEASE_DIR "/../passwd"), -1);
	assert_int_equal(subnet_sweep_lease(SUBNET_LEASE_DIR "/10.200.0.0/x"), -1);
	assert_int_equal(subnet_sweep_lease(SUBNET_LEASE_DIR "/192.168.0.0"), -1);
	assert_int_equal(subnet_sweep_lease("/tmp/10.200.0.0"), -1);
}

static int make_lease_dir(void **state)
{
	(void)state;
	strcpy(lease_dir, "/tmp/boxes-unit-06-XXXXXX");
	if (!mkdtemp(lease_dir))
		return -1;
	memset(&box_a, 0, sizeof(box_a));
	memset(&box_b, 0, sizeof(box_b));
	strcpy(box_a.id, "aaaaaaaaaaaa");
	strcpy(box_b.id, "bbbbbbbbbbbb");
	return 0;
}

/* rmdir fails if a test left a lease behind. */
static int remove_lease_dir(void **state)
{
	(void)state;
	return rmdir(lease_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_subnet_is_10_200_0_0),
	    cmocka_unit_test(test_subnets_are_four_addresses_apart),
	    cmocka_unit_test(test_index_outside_10_200_rejected),
	    cmocka_unit_test(test_project_24s_above_the_30s),
	    cmocka_unit_test(test_two_leases_get_different_subnets),
	    cmocka_unit_test(test_lease_names_its_owner),
	    cmocka_unit_test(test_release_removes_the_lease),
	    cmocka_unit_test(test_lease_whose_lock_is_held_is_respected),
	    cmocka_unit_test(test_lease_whose_lock_is_free_is_taken_over),
	    cmocka_unit_test(test_lease_of_a_killed_runtime_is_taken_over),
	    cmocka_unit_test(test_sweep_refuses_a_path_that_is_no_lease),
	};

	return cmocka_run_group_tests_name("test_06_subnet", tests, make_lease_dir,
					   remove_lease_dir);
}
