/* Step 03 (cgroups): a container is held to --memory, --pids-limit and
 * --cpus; an OOM kill is reported as such (137); its cgroup is gone after
 * every kind of ending. Under step 02 the same memory hog and fork loop
 * ran unbounded. Sizes are small and bounded: 256 MiB, 200 processes. */
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_03.h"

#define STEP "03-cgroups"

/* Print the container's cgroups first, so a test learns its id. */
#define SHOW_CGROUP "cat /proc/self/cgroup; "

static void test_container_runs_in_its_own_cgroup(void **state)
{
	struct run_result r;
	char id[CGROUP_ID_LEN + 1];

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", "cat /proc/1/cgroup; hostname", NULL);
	assert_exit(&r, 0);
	/* PID 1 itself was moved in before it exec'd /bin/sh */
	assert_true(cgroup_id_in(r.out, id));
	assert_non_null(strstr(r.out, id)); /* the hostname, which is the id */
	assert_output(&r, ":/boxes/");
	assert_int_equal(cgroup_dirs_of(id), 0); /* gone after a normal exit */
	assert_int_equal(run_dir_entries(), 0);
}

/* How the container gets into its cgroup, as --trace tells it. On cgroup
 * v2 the kernel starts it in there (clone3 with CLONE_INTO_CGROUP) and
 * nothing writes its pid to a cgroup.procs - unless the kernel lacks the
 * flag, which the trace then says; on v1 the runtime moves it, after a
 * helper paid the kernel's wait. Either way PID 1 is in from the start. */
static void test_container_starts_in_its_cgroup(void **state)
{
	struct run_result r;
	struct statfs root;
	char id[CGROUP_ID_LEN + 1];

	(void)state;
	run_box(&r, 10, STEP, "--trace", ROOTFS, "/bin/cat", "/proc/1/cgroup", NULL);
	assert_exit(&r, 0);
	assert_true(cgroup_id_in(r.out, id));
	assert_int_equal(statfs("/sys/fs/cgroup", &root), 0);
	if (root.f_type == CGROUP2_SUPER_MAGIC && !strstr(r.err, "clone(2) instead")) {
		assert_error(&r, "|CLONE_INTO_CGROUP, cgroup fd) = ");
		assert_error(&r, "no write to cgroup.procs: clone3 started the container in");
		assert_null(strstr(r.err, "/cgroup.procs\", \""));
	} else {
		if (root.f_type != CGROUP2_SUPER_MAGIC)
			assert_error(&r, "helper: a child of ours does write(");
		assert_error(&r, "/cgroup.procs\", \"");
		assert_null(strstr(r.err, "CLONE_INTO_CGROUP, cgroup fd"));
	}
}

static void test_memory_hog_runs_unbounded_under_02(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 20, "02-pid-namespace", ROOTFS, "/escapes/memory-hog", "256", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED: allocated and touched 256 MiB");
}

static void test_memory_hog_killed_by_limit(void **state)
{
	struct run_result r;
	char id[CGROUP_ID_LEN + 1];

	(void)state;
	run_box(&r, 20, STEP, "--memory", "64M", ROOTFS, "/bin/sh", "-c",
		SHOW_CGROUP "exec /escapes/memory-hog 256", NULL);
	assert_exit(&r, 137);
	assert_error(&r, "boxes: container killed: out of memory (limit 64M)");
	assert_no_output(&r, "ESCAPED");
	assert_true(cgroup_id_in(r.out, id));
	assert_int_equal(cgroup_dirs_of(id), 0); /* gone after an OOM kill */
}

static void test_memory_below_limit_is_not_killed(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 20, STEP, "--memory", "64M", ROOTFS, "/escapes/memory-hog", "32", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "touched 32 MiB");
	assert_false(harness_check(r.err, "out of memory", NULL));
}

/* The command survives a child's OOM kill: its own exit code, and a line. */
static void test_oom_of_a_child_is_reported_not_fatal(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 20, STEP, "--memory", "64M", ROOTFS, "/bin/sh", "-c",
		"/escapes/memory-hog 256; echo hog-status=$?", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "hog-status=137");
	assert_error(&r, "a process in the container was killed: out of memory (limit 64M)");
}

static void test_fork_loop_runs_unbounded_under_02(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 20, "02-pid-namespace", ROOTFS, "/escapes/fork-bomb", "200", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED: forked 200 processes");
}

static void test_fork_loop_stops_at_pids_limit(void **state)
{
	struct run_result r, host;

	(void)state;
	run_box(&r, 20, STEP, "--pids-limit", "64", ROOTFS, "/escapes/fork-bomb", "200", NULL);
	assert_exit(&r, 1);
	/* 64 = the fork-bomb itself and 63 children */
	assert_output(&r,
		      "BLOCKED: fork failed after 63 children: Resource temporarily unavailable");
	/* and the host still starts processes */
	run_argv(&host, 5, (char *const[]){"/bin/sh", "-c", "echo host-ok", NULL});
	assert_exit(&host, 0);
	assert_output(&host, "host-ok");
}

static double seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* "nr_throttled N" of the container's cpu.stat: how many periods the
 * scheduler held it because its quota was used up. */
static long long times_throttled(const char *id)
{
	char stat[1024] = "";
	const char *at;

	if (read_file(cgroup_file_of(id, "cpu", "cpu.stat", "cpu.stat"), stat, sizeof(stat)) < 0)
		return -1;
	at = strstr(stat, "nr_throttled ");
	return at ? atoll(at + 13) : -1;
}

/* Stop a spawned runtime so that it still cleans up: SIGTERM twice (the
 * second one is a SIGKILL for the container), never SIGKILL the runtime. */
static int stop_sleeper(pid_t pid)
{
	kill(pid, SIGTERM);
	usleep(100000);
	kill(pid, SIGTERM);
	return wait_box(pid, 5);
}

/* Two busy loops for 1 s under --cpus 0.5. The share is the CPU time the
 * container used over the wall time the loops ran (the container is
 * reaped by the runtime, the runtime by us: its time lands in
 * RUSAGE_CHILDREN). A behaviour check with a wide margin, not a benchmark.
 * Without --cpus the same loops get 1.9 s over 1.0 s on this idle 2-CPU
 * VM; other tests may keep the CPUs busy, so the kernel's own throttle
 * count is checked too, read once the loops are done and the container
 * waits to be stopped. */
static void test_busy_loop_gets_about_half_a_cpu(void **state)
{
	char out[512], err[512], printed[4096] = "", id[CGROUP_ID_LEN + 1] = "";
	struct rusage before, after;
	struct timespec start, end;
	long long throttled = -1;
	double cpu, wall;
	pid_t pid;
	int status, tries;

	(void)state;
	snprintf(out, sizeof(out), "%s/busy.out", run_dir());
	snprintf(err, sizeof(err), "%s/busy.err", run_dir());
	getrusage(RUSAGE_CHILDREN, &before);
	clock_gettime(CLOCK_MONOTONIC, &start);
	end = start;
	pid = spawn_box(out, err, STEP, "--cpus", "0.5", ROOTFS, "/bin/sh", "-c",
			SHOW_CGROUP "timeout 1 sh -c 'while :; do :; done' | "
				    "timeout 1 sh -c 'while :; do :; done'; "
				    "echo loops-done; exec sleep 10",
			NULL);
	for (tries = 0; tries < 250; tries++) { /* at most 5 s */
		usleep(20000);
		if (read_file(out, printed, sizeof(printed)) < 0 || !cgroup_id_in(printed, id) ||
		    !strstr(printed, "loops-done"))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &end);
		throttled = times_throttled(id);
		break;
	}
	status = stop_sleeper(pid);
	getrusage(RUSAGE_CHILDREN, &after);
	unlink(out);
	unlink(err);
	cpu = seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) -
	      seconds(before.ru_stime);
	wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
	fprintf(stderr, "    --cpus 0.5: %.2f s CPU over %.2f s; throttled %lld times\n", cpu, wall,
		throttled);
	assert_int_equal(status, 137); /* stopped while it slept */
	assert_true(throttled > 0);
	assert_true(cpu / wall > 0.2 && cpu / wall < 0.8);
}

/* Start a 2 s busy loop under --cpu-shares SHARES, on the CPUs the
 * caller allows (the affinity mask is inherited across fork and exec). */
static pid_t spawn_busy(const char *name, const char *shares)
{
	char out[512], err[512];

	snprintf(out, sizeof(out), "%s/%s.out", run_dir(), name);
	snprintf(err, sizeof(err), "%s/%s.err", run_dir(), name);
	return spawn_box(out, err, STEP, "--cpu-shares", shares, ROOTFS, "/bin/sh", "-c",
			 "timeout 2 sh -c 'while :; do :; done'; echo loop-done", NULL);
}

static void remove_busy_files(void)
{
	static const char *const names[] = {"big.out", "big.err", "small.out", "small.err"};
	char path[512];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", run_dir(), names[i]);
		unlink(path);
	}
}

/* Wait for a spawned runtime and add up the CPU time of it and of all it
 * reaped (its container): wait4(2)'s rusage. Seconds, -1 on a timeout. */
static double cpu_seconds_of(pid_t pid, int *code)
{
	struct rusage usage;
	int wstatus, tries;

	for (tries = 0; tries < 500; tries++) { /* 10 s */
		if (wait4(pid, &wstatus, WNOHANG, &usage) == pid) {
			*code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
			return seconds(usage.ru_utime) + seconds(usage.ru_stime);
		}
		usleep(20000);
	}
	*code = stop_sleeper(pid);
	return -1;
}

/* Is pid a descendant of ancestor? Follows PPid: in /proc/PID/status. */
static bool descends_from(pid_t pid, pid_t ancestor)
{
	char path[64], line[256];
	int hops;

	for (hops = 0; hops < 16 && pid > 1; hops++) {
		FILE *status;
		pid_t parent = 0;

		if (pid == ancestor)
			return true;
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
		status = fopen(path, "re");
		if (!status)
			return false;
		while (fgets(line, sizeof(line), status))
			if (sscanf(line, "PPid: %d", &parent) == 1)
				break;
		fclose(status);
		pid = parent;
	}
	return false;
}

/* Pin every process below the two runtimes to one CPU, for half a second
 * (the containers fork their loops meanwhile). The pin the runtimes
 * inherit is not enough: on a cgroup v2 host with the cpuset controller,
 * a kernel before 6.2 resets a task's CPUs to its cpuset's when the task
 * moves into a cgroup - the container's move undoes it. */
static void pin_below(pid_t first, pid_t second, const cpu_set_t *cpus)
{
	int round;

	for (round = 0; round < 25; round++) {
		DIR *proc = opendir("/proc");
		struct dirent *entry;

		assert_non_null(proc);
		while ((entry = readdir(proc))) {
			pid_t pid = (pid_t)atoi(entry->d_name);

			if (pid > 0 && (descends_from(pid, first) || descends_from(pid, second)))
				sched_setaffinity(pid, sizeof(*cpus), cpus);
		}
		closedir(proc);
		usleep(20000);
	}
}

/* --cpu-shares is a proportion, not a cap: two busy containers pinned to
 * one CPU for the same 2 s split it as 1536:512, so the first gets about
 * three times the CPU time of the second (with equal shares: about 1:1).
 * A wide margin, 1.8 to 6: other tests may run on that CPU too. */
static void test_busy_loops_split_a_cpu_by_their_shares(void **state)
{
	cpu_set_t saved, cpu0;
	double big, small;
	int big_code, small_code;
	pid_t big_pid, small_pid;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(saved), &saved), 0);
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	assert_int_equal(sched_setaffinity(0, sizeof(cpu0), &cpu0), 0);
	big_pid = spawn_busy("big", "1536");
	small_pid = spawn_busy("small", "512");
	sched_setaffinity(0, sizeof(saved), &saved);
	pin_below(big_pid, small_pid, &cpu0);
	big = cpu_seconds_of(big_pid, &big_code);
	small = cpu_seconds_of(small_pid, &small_code);
	remove_busy_files();
	fprintf(stderr, "    one CPU, --cpu-shares 1536 vs 512: %.2f s vs %.2f s CPU\n", big,
		small);
	assert_int_equal(big_code, 0);
	assert_int_equal(small_code, 0);
	assert_true(small > 0.05);
	assert_true(big / small > 1.8 && big / small < 6);
	assert_int_equal(run_dir_entries(), 0); /* no state dir left */
}

/* Start a container that shows its cgroup and sleeps; wait for the id. */
static pid_t spawn_sleeper(const char *out, const char *err, char id[CGROUP_ID_LEN + 1],
			   const char *init_option)
{
	char printed[4096] = "";
	pid_t pid;
	int tries;

	if (init_option)
		pid = spawn_box(out, err, STEP, init_option, "--memory", "64M", "--pids-limit",
				"64", "--cpus", "0.5", ROOTFS, "/bin/sh", "-c",
				SHOW_CGROUP "exec sleep 30", NULL);
	else
		pid = spawn_box(out, err, STEP, "--memory", "64M", "--pids-limit", "64", "--cpus",
				"0.5", ROOTFS, "/bin/sh", "-c", SHOW_CGROUP "exec sleep 30", NULL);
	for (tries = 0; tries < 250; tries++) { /* 5 s */
		if (read_file(out, printed, sizeof(printed)) == 0 && cgroup_id_in(printed, id))
			return pid;
		usleep(20000);
	}
	stop_sleeper(pid);
	if (read_file(err, printed, sizeof(printed)) < 0)
		printed[0] = '\0';
	unlink(out); /* not left in BOXES_RUN for the next test to count */
	unlink(err);
	fail_msg("the container never printed its cgroup; its stderr: %s", printed);
	return -1;
}

static void out_files(char *out, char *err, size_t len)
{
	snprintf(out, len, "%s/sleeper.out", run_dir());
	snprintf(err, len, "%s/sleeper.err", run_dir());
}

/* The limits are in the files the kernel reads, while the container runs. */
static void test_limits_written_where_the_kernel_reads_them(void **state)
{
	char out[512], err[512], id[CGROUP_ID_LEN + 1];
	char memory[64] = "", pids[64] = "", cpu[64] = "";
	pid_t pid;
	int status;

	(void)state;
	out_files(out, err, sizeof(out));
	pid = spawn_sleeper(out, err, id, "--init");
	read_file(cgroup_file_of(id, "memory", "memory.limit_in_bytes", "memory.max"), memory,
		  sizeof(memory));
	read_file(cgroup_file_of(id, "pids", "pids.max", "pids.max"), pids, sizeof(pids));
	read_file(cgroup_file_of(id, "cpu", "cpu.cfs_quota_us", "cpu.max"), cpu, sizeof(cpu));
	kill(pid, SIGTERM); /* --init passes it on to sleep */
	status = wait_box(pid, 5);
	unlink(out);
	unlink(err);
	assert_string_equal(memory, "67108864\n");
	assert_string_equal(pids, "64\n");
	assert_true(strcmp(cpu, "50000\n") == 0 || strcmp(cpu, "50000 100000\n") == 0);
	assert_int_equal(status, 143);
	assert_int_equal(cgroup_dirs_of(id), 0);
}

/* Without --init, PID 1 ignores SIGTERM; the second one is a SIGKILL. */
static void test_cgroup_gone_after_sigterm_to_the_runtime(void **state)
{
	char out[512], err[512], id[CGROUP_ID_LEN + 1];
	pid_t pid;

	(void)state;
	out_files(out, err, sizeof(out));
	pid = spawn_sleeper(out, err, id, NULL);
	assert_true(cgroup_dirs_of(id) > 0);
	assert_int_equal(stop_sleeper(pid), 137);
	unlink(out);
	unlink(err);
	assert_int_equal(cgroup_dirs_of(id), 0);
	assert_int_equal(run_dir_entries(), 0);
}

/* Bad values: a clear error, exit 125, and nothing made. */
static void assert_rejected(const char *option, const char *value, const char *message)
{
	struct cgroup_snapshot before;
	struct run_result r;

	cgroup_snapshot_take(&before);
	run_box(&r, 10, STEP, option, value, ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 125);
	assert_error(&r, message);
	assert_int_equal(run_dir_entries(), 0);
	assert_int_equal(cgroups_left_since(&before), 0);
}

static void test_bad_limits_rejected_and_nothing_left(void **state)
{
	(void)state;
	assert_rejected("--memory", "64X", "boxes: --memory '64X': not a size");
	assert_rejected("--memory", "-1", "boxes: --memory '-1': not a size");
	assert_rejected("--pids-limit", "0", "boxes: --pids-limit '0': expected a whole number");
	assert_rejected("--pids-limit", "lots", "boxes: --pids-limit 'lots'");
	assert_rejected("--cpus", "abc", "boxes: --cpus 'abc': expected a number of CPUs");
	assert_rejected("--cpus", "0", "boxes: --cpus '0'");
	assert_rejected("--cpus", "0x1",
			"boxes: --cpus '0x1': expected a number of CPUs from 0.01 to 1000, in "
			"decimal, e.g. 0.5");
	assert_rejected("--cpus", "1e0", "boxes: --cpus '1e0'");
	assert_rejected("--cpu-shares", "1",
			"boxes: --cpu-shares '1': expected a whole number from 2 to 262144");
	assert_rejected("--cpu-shares", "half", "boxes: --cpu-shares 'half'");
	/* a newline in a value can't split the one line of the refusal */
	assert_rejected("--memory", "6\n4M", "boxes: --memory '6?4M': not a size");
	/* parsed fine, refused by cgroup_create: 64 bytes, the unit forgotten */
	assert_rejected("--memory", "64", "boxes: --memory 64 bytes is below the minimum of 6M");
}

/* Above the kernel's pid_max the pids.max write would fail with a bare
 * "Invalid argument": the refusal names the limit instead. */
static void test_pids_limit_above_pid_max_names_the_limit(void **state)
{
	char pid_max[32], above[32], message[256];

	(void)state;
	assert_int_equal(read_file("/proc/sys/kernel/pid_max", pid_max, sizeof(pid_max)), 0);
	pid_max[strcspn(pid_max, "\n")] = '\0';
	snprintf(above, sizeof(above), "%lld", atoll(pid_max) + 1);
	snprintf(message, sizeof(message),
		 "boxes: --pids-limit %s: above this kernel's limit of %s processes "
		 "(/proc/sys/kernel/pid_max); use 1 to %s\n",
		 above, pid_max, pid_max);
	assert_rejected("--pids-limit", above, message);
	assert_rejected("--pids-limit", "99999999999", "(/proc/sys/kernel/pid_max)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_container_runs_in_its_own_cgroup),
	    cmocka_unit_test(test_container_starts_in_its_cgroup),
	    cmocka_unit_test(test_memory_hog_runs_unbounded_under_02),
	    cmocka_unit_test(test_memory_hog_killed_by_limit),
	    cmocka_unit_test(test_memory_below_limit_is_not_killed),
	    cmocka_unit_test(test_oom_of_a_child_is_reported_not_fatal),
	    cmocka_unit_test(test_fork_loop_runs_unbounded_under_02),
	    cmocka_unit_test(test_fork_loop_stops_at_pids_limit),
	    cmocka_unit_test(test_busy_loop_gets_about_half_a_cpu),
	    cmocka_unit_test(test_busy_loops_split_a_cpu_by_their_shares),
	    cmocka_unit_test(test_limits_written_where_the_kernel_reads_them),
	    cmocka_unit_test(test_cgroup_gone_after_sigterm_to_the_runtime),
	    cmocka_unit_test(test_bad_limits_rejected_and_nothing_left),
	    cmocka_unit_test(test_pids_limit_above_pid_max_names_the_limit),
	};

	return cmocka_run_group_tests_name("test_03_cgroups", tests, harness_setup,
					   harness_teardown);
}
