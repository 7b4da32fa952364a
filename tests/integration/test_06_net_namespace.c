/* Step 06 (network namespace): the container has its own network stack -
 * lo and an eth0 joined to the host by a veth pair, a /30 of
 * 10.200.0.0/16 - so the host's localhost-only services and its
 * interfaces are out of sight, which step 05 still showed. And every veth
 * and address lease is gone when the container ends. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_06.h"

#define STEP "06-net-namespace"
#define BEFORE "05-pivot-root"

/* Every interface in the container's /proc/net/dev, one "if=NAME" each. */
#define LIST_INTERFACES "awk -F: 'NR > 2 { gsub(/ /, \"\", $1); print \"if=\" $1 }' /proc/net/dev"

static int count_of(const char *text, const char *needle)
{
	int count = 0;

	for (text = strstr(text, needle); text; text = strstr(text + 1, needle))
		count++;
	return count;
}

static void test_only_lo_and_eth0_inside(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", LIST_INTERFACES, NULL);
	assert_exit(&r, 0);
	assert_output(&r, "if=lo\n");
	assert_output(&r, "if=eth0\n");
	assert_int_equal(count_of(r.out, "if="), 2);
}

static void test_eth0_has_a_30_and_a_default_route(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", "ip -4 addr show eth0; ip route", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "inet 10.200.");
	assert_output(&r, "/30 ");
	assert_output(&r, "default via 10.200.");
	assert_output(&r, ",UP,LOWER_UP"); /* eth0 up, and its peer too */
}

/* Run the host-loopback escape under a step, against a listener on the
 * host's 127.0.0.1 that lives just as long. */
static void run_loopback_escape(struct run_result *r, const char *step_name)
{
	char port_text[16];
	int port, listener = loopback_listener(&port);

	assert_true(listener >= 0);
	snprintf(port_text, sizeof(port_text), "%d", port);
	run_box(r, 10, step_name, ROOTFS, "/escapes/host-loopback", port_text, NULL);
	close(listener);
}

static void test_escape_host_loopback_works_under_05(void **state)
{
	struct run_result r;

	(void)state;
	run_loopback_escape(&r, BEFORE);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED: connected to the host's 127.0.0.1");
}

static void test_escape_host_loopback_blocked_by_net_namespace(void **state)
{
	struct run_result r;

	(void)state;
	run_loopback_escape(&r, STEP);
	assert_exit(&r, 1);
	assert_output(&r, "BLOCKED: connect(127.0.0.1:");
	assert_output(&r, "Connection refused");
}

static void test_escape_host_interfaces_works_under_05(void **state)
{
	(void)state;
	check_escape(BEFORE, "host-interfaces", 0, "ESCAPED: the host's interface");
}

static void test_escape_host_interfaces_blocked_by_net_namespace(void **state)
{
	(void)state;
	check_escape(STEP, "host-interfaces", 1, "BLOCKED: only lo and eth0");
}

/* A container that prints its address, then serves one line on port 8080
 * and exits once the client hangs up. */
struct served_box {
	pid_t pid;
	char out_file[64], err_file[64];
	char address[32];
};

static void start_server_box(struct served_box *served)
{
	char output[4096];

	snprintf(served->out_file, sizeof(served->out_file), "/tmp/boxes-06-%d.out", (int)getpid());
	snprintf(served->err_file, sizeof(served->err_file), "/tmp/boxes-06-%d.err", (int)getpid());
	served->pid = spawn_box(
	    served->out_file, served->err_file, STEP, ROOTFS, "/bin/sh", "-c",
	    "ip -4 -o addr show eth0; echo hello-from-the-container | nc -l -p 8080", NULL);
	assert_true(served->pid > 0);
	if (wait_for_file_text(served->out_file, "inet 10.200.", 5, output, sizeof(output)) < 0)
		fail_msg("the server container never printed its address:\n%s", output);
	assert_int_equal(find_container_address(output, served->address, sizeof(served->address)),
			 0);
}

/* Talk to it (which lets it exit), and reap it. */
static void finish_server_box(struct served_box *served, char *reply, size_t len)
{
	int status;

	read_from_server(served->address, 8080, 5, reply, len);
	status = wait_box(served->pid, 5);
	unlink(served->out_file);
	unlink(served->err_file);
	assert_int_equal(status, 0);
}

static void test_host_reaches_server_in_container(void **state)
{
	struct served_box served;
	char reply[256];

	(void)state;
	start_server_box(&served);
	finish_server_box(&served, reply, sizeof(reply));
	assert_string_equal(reply, "hello-from-the-container\n");
}

static void test_container_reaches_host_end(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c",
		"gateway=$(ip route | awk '/^default/ { print $3 }'); "
		"ping -c 1 -W 2 $gateway",
		NULL);
	assert_exit(&r, 0);
	assert_output(&r, "1 packets received");
}

static void test_two_containers_get_different_addresses(void **state)
{
	struct served_box first;
	struct run_result second;
	char second_address[32] = "", reply[256];

	(void)state;
	start_server_box(&first); /* holds its /30 until we talk to it */
	run_box(&second, 10, STEP, ROOTFS, "/bin/sh", "-c", "ip -4 -o addr show eth0", NULL);
	finish_server_box(&first, reply, sizeof(reply));
	assert_exit(&second, 0);
	assert_int_equal(find_container_address(second.out, second_address, sizeof(second_address)),
			 0);
	assert_string_not_equal(first.address, second_address);
	assert_string_equal(reply, "hello-from-the-container\n");
}

static void test_net_none_has_lo_only(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--net", "none", ROOTFS, "/bin/sh", "-c",
		LIST_INTERFACES "; ip route; ping -c 1 -W 2 127.0.0.1", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "if=lo\n");
	assert_int_equal(count_of(r.out, "if="), 1);
	assert_no_output(&r, "default");
	assert_output(&r, "1 packets received"); /* lo is up */
	assert_int_equal(leases_held(), 0);
}

static void test_net_host_shares_the_hosts_interfaces(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--net", "host", ROOTFS, "/escapes/host-interfaces", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED");
}

static void test_no_veth_or_lease_left_after_exit(void **state)
{
	struct run_result r;
	char veth[32];

	(void)state;
	run_box(&r, 10, STEP, "--trace", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 0);
	veth_in_trace(r.err, veth, sizeof(veth));
	assert_true(strncmp(veth, "bx", 2) == 0);
	assert_true(link_gone_soon(veth)); /* the kernel removes it with the namespace */
	assert_int_equal(leases_held(), 0);
	assert_int_equal(run_dir_entries(), 0);
}

static void test_no_veth_left_when_command_not_found(void **state)
{
	struct run_result r;
	char veth[32];

	(void)state;
	run_box(&r, 10, STEP, "--trace", ROOTFS, "/no/such/command", NULL);
	assert_exit(&r, 127);
	veth_in_trace(r.err, veth, sizeof(veth));
	assert_true(strncmp(veth, "bx", 2) == 0);
	assert_true(link_gone_soon(veth));
	assert_int_equal(leases_held(), 0);
}

/* A running `sh -c 'echo running; exec sleep 30'` under --init (a PID 1
 * that passes SIGTERM on, see step 02) and --trace: its runtime's pid,
 * its host veth and its container's pid (from "clone(...) = PID"). */
struct sleeper {
	char out_file[64], err_file[64];
	pid_t runtime, container;
	char veth[32];
};

static void start_sleeper(struct sleeper *box)
{
	static char out_text[256], err_text[OUTPUT_MAX];
	const char *clone, *equals;

	snprintf(box->out_file, sizeof(box->out_file), "/tmp/boxes-06-%d.out", (int)getpid());
	snprintf(box->err_file, sizeof(box->err_file), "/tmp/boxes-06-%d.err", (int)getpid());
	box->runtime = spawn_box(box->out_file, box->err_file, STEP, "--trace", "--init", ROOTFS,
				 "/bin/sh", "-c", "echo running; exec sleep 30", NULL);
	assert_true(box->runtime > 0);
	if (wait_for_file_text(box->out_file, "running", 5, out_text, sizeof(out_text)) < 0)
		fail_msg("the container never started:\n%s", out_text);
	read_file(box->err_file, err_text, sizeof(err_text));
	veth_in_trace(err_text, box->veth, sizeof(box->veth));
	clone = strstr(err_text, "CLONE_NEWNET");
	equals = clone ? strstr(clone, ") = ") : NULL;
	box->container = equals ? (pid_t)atoi(equals + 4) : -1;
}

/* SIGTERM it: its exit code. */
static int stop_sleeper(struct sleeper *box)
{
	int status;

	kill(box->runtime, SIGTERM);
	status = wait_box(box->runtime, 5);
	unlink(box->out_file);
	unlink(box->err_file);
	return status;
}

static void test_no_veth_left_after_sigterm(void **state)
{
	struct sleeper box;

	(void)state;
	start_sleeper(&box);
	assert_true(host_link_exists(box.veth)); /* while it runs, the host end is there */
	assert_int_equal(stop_sleeper(&box), 128 + SIGTERM);
	assert_true(link_gone_soon(box.veth));
	assert_int_equal(leases_held(), 0);
}

/* The runtime does not delete the veth pair: the kernel removes it with
 * the container's network namespace. So while something outside holds
 * that namespace (here the test, with an fd of /proc/PID/ns/net, as
 * `ip netns` or nsenter would), the pair outlives the runtime; once the
 * last holder lets go, the kernel removes it. */
static void test_veth_lives_as_long_as_its_namespace(void **state)
{
	struct sleeper box;
	char ns_path[64];
	int netns;

	(void)state;
	start_sleeper(&box);
	assert_true(box.container > 0);
	snprintf(ns_path, sizeof(ns_path), "/proc/%d/ns/net", (int)box.container);
	netns = open(ns_path, O_RDONLY | O_CLOEXEC);
	assert_true(netns >= 0);
	assert_int_equal(stop_sleeper(&box), 128 + SIGTERM);
	assert_int_equal(leases_held(), 0); /* its /30 is free (subnet.c skips it meanwhile) */
	assert_true(host_link_exists(box.veth)); /* we hold the namespace: the pair stays */
	close(netns);
	assert_true(link_gone_soon(box.veth)); /* the last holder let go */
}

static void test_bad_net_value_rejected(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--net", "bridge", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "--net 'bridge': expected veth, none or host");
	assert_int_equal(leases_held(), 0);
	assert_int_equal(run_dir_entries(), 0);
}

/* A set-up error half-way (here: the lease directory is read-only, in a
 * mount namespace of the test's own, so no other run on this machine is
 * bothered) ends the run with 125 and a message naming the path, and
 * leaves nothing behind. */
static void test_net_setup_error_fails_cleanly(void **state)
{
	struct run_result *r =
	    mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int wstatus;

	(void)state;
	assert_true(r != MAP_FAILED);
	mkdir(LEASE_DIR, 0700); /* as the first run would */
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", LEASE_DIR, "tmpfs", MS_RDONLY, "size=4k") < 0)
			_exit(2);
		run_box(r, 10, STEP, ROOTFS, "/bin/true", NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &wstatus, 0), pid);
	assert_int_equal(WEXITSTATUS(wstatus), 0);
	assert_exit(r, 125);
	assert_error(r, "create lease(" LEASE_DIR "/10.200.");
	assert_error(r, "Read-only file system");
	assert_int_equal(run_dir_entries(), 0);
	munmap(r, sizeof(*r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_only_lo_and_eth0_inside),
	    cmocka_unit_test(test_eth0_has_a_30_and_a_default_route),
	    cmocka_unit_test(test_escape_host_loopback_works_under_05),
	    cmocka_unit_test(test_escape_host_loopback_blocked_by_net_namespace),
	    cmocka_unit_test(test_escape_host_interfaces_works_under_05),
	    cmocka_unit_test(test_escape_host_interfaces_blocked_by_net_namespace),
	    cmocka_unit_test(test_host_reaches_server_in_container),
	    cmocka_unit_test(test_container_reaches_host_end),
	    cmocka_unit_test(test_two_containers_get_different_addresses),
	    cmocka_unit_test(test_net_none_has_lo_only),
	    cmocka_unit_test(test_net_host_shares_the_hosts_interfaces),
	    cmocka_unit_test(test_no_veth_or_lease_left_after_exit),
	    cmocka_unit_test(test_no_veth_left_when_command_not_found),
	    cmocka_unit_test(test_no_veth_left_after_sigterm),
	    cmocka_unit_test(test_veth_lives_as_long_as_its_namespace),
	    cmocka_unit_test(test_bad_net_value_rejected),
	    cmocka_unit_test(test_net_setup_error_fails_cleanly),
	};

	return cmocka_run_group_tests_name("test_06_net_namespace", tests, harness_setup,
					   harness_teardown);
}
