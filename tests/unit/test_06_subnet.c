/* Unit tests for step 06's address plan: which /30 a container gets, and
 * the leases that keep two running containers from sharing one. No root
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "06-net-namespace/subnet.h"

static char run_dir[64];

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
	assert_string_equal(subnet.host_end, "10.200.255.253/30");
	assert_string_equal(subnet.container_end, "10.200.255.254/30");
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

static void test_two_leases_get_different_subnets(void **state)
{
	struct subnet first, second;
	struct stat st;

	(void)state;
	assert_int_equal(subnet_lease("aaaaaaaaaaaa", &first), 0);
	assert_int_equal(subnet_lease("bbbbbbbbbbbb", &second), 0);
	assert_int_not_equal(first.index, second.index);
	assert_int_equal(stat(first.lease, &st), 0);
	assert_int_equal(stat(second.lease, &st), 0);
	subnet_release(&first);
	subnet_release(&second);
}

static void test_release_removes_the_lease(void **state)
{
	struct subnet subnet;
	char lease[4096];
	struct stat st;

	(void)state;
	assert_int_equal(subnet_lease("aaaaaaaaaaaa", &subnet), 0);
	strcpy(lease, subnet.lease);
	subnet_release(&subnet);
	assert_int_equal(stat(lease, &st), -1);
	assert_int_equal(subnet.index, -1);
	subnet_release(&subnet); /* twice is harmless */
}

/* Write a lease file by hand, as a runtime with that pid would have. */
static void write_lease(const char *path, int pid)
{
	FILE *file = fopen(path, "w");

	assert_non_null(file);
	fprintf(file, "cccccccccccc %d\n", pid);
	fclose(file);
}

static void test_lease_of_a_running_runtime_is_respected(void **state)
{
	struct subnet probe, subnet;
	char lease[4096];
	int first_free;

	(void)state;
	assert_int_equal(subnet_lease("aaaaaaaaaaaa", &probe), 0);
	first_free = probe.index;
	strcpy(lease, probe.lease);
	subnet_release(&probe);
	write_lease(lease, (int)getpid()); /* a runtime that is alive: us */
	assert_int_equal(subnet_lease("bbbbbbbbbbbb", &subnet), 0);
	assert_int_not_equal(subnet.index, first_free);
	subnet_release(&subnet);
	unlink(lease);
}

static void test_stale_lease_is_taken_over(void **state)
{
	struct subnet probe, subnet;
	char lease[4096];

	(void)state;
	assert_int_equal(subnet_lease("aaaaaaaaaaaa", &probe), 0);
	strcpy(lease, probe.lease);
	subnet_release(&probe);
	write_lease(lease, 999999999); /* above any pid_max: that runtime is gone */
	assert_int_equal(subnet_lease("bbbbbbbbbbbb", &subnet), 0);
	assert_string_equal(subnet.lease, lease);
	subnet_release(&subnet);
}

static void test_lease_of_a_killed_runtime_is_taken_over(void **state)
{
	struct subnet probe, subnet;
	char lease[4096];
	siginfo_t exited;
	pid_t killed = fork();

	(void)state;
	if (killed == 0)
		_exit(0);
	/* wait until it has exited, but do not reap it: a zombie */
	assert_int_equal(waitid(P_PID, (id_t)killed, &exited, WEXITED | WNOWAIT), 0);
	assert_int_equal(subnet_lease("aaaaaaaaaaaa", &probe), 0);
	strcpy(lease, probe.lease);
	subnet_release(&probe);
	write_lease(lease, (int)killed);
	assert_int_equal(subnet_lease("bbbbbbbbbbbb", &subnet), 0);
	waitpid(killed, NULL, 0);
	assert_string_equal(subnet.lease, lease);
	subnet_release(&subnet);
}

static void test_lock_keeps_a_second_runtime_waiting(void **state)
{
	char dir[128];
	int lock_fd, other;

	(void)state;
	lock_fd = subnet_lock();
	assert_true(lock_fd >= 0);
	snprintf(dir, sizeof(dir), "%s/net", run_dir);
	other = open(dir, O_RDONLY | O_DIRECTORY); /* as another runtime would */
	assert_true(other >= 0);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	subnet_unlock(lock_fd);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
	close(other);
}

/* Leases are taken with the lock held, as net.c does. */
static int held_lock = -1;

static int take_lock(void **state)
{
	(void)state;
	held_lock = subnet_lock();
	return held_lock < 0 ? -1 : 0;
}

static int drop_lock(void **state)
{
	(void)state;
	subnet_unlock(held_lock);
	held_lock = -1;
	return 0;
}

static int make_run_dir(void **state)
{
	(void)state;
	strcpy(run_dir, "/tmp/boxes-unit-06-XXXXXX");
	if (!mkdtemp(run_dir))
		return -1;
	setenv("BOXES_RUN", run_dir, 1);
	return 0;
}

static int remove_run_dir(void **state)
{
	char command[128];

	(void)state;
	snprintf(command, sizeof(command), "rm -rf '%s'", run_dir);
	return system(command) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_subnet_is_10_200_0_0),
	    cmocka_unit_test(test_subnets_are_four_addresses_apart),
	    cmocka_unit_test(test_index_outside_10_200_rejected),
	    cmocka_unit_test(test_lock_keeps_a_second_runtime_waiting),
	    cmocka_unit_test_setup_teardown(test_two_leases_get_different_subnets, take_lock,
					    drop_lock),
	    cmocka_unit_test_setup_teardown(test_release_removes_the_lease, take_lock, drop_lock),
	    cmocka_unit_test_setup_teardown(test_lease_of_a_running_runtime_is_respected, take_lock,
					    drop_lock),
	    cmocka_unit_test_setup_teardown(test_stale_lease_is_taken_over, take_lock, drop_lock),
	    cmocka_unit_test_setup_teardown(test_lease_of_a_killed_runtime_is_taken_over, take_lock,
					    drop_lock),
	};

	return cmocka_run_group_tests(tests, make_run_dir, remove_run_dir);
}
