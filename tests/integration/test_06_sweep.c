/* The sweeper touches only the dead (issue 9): runtimes SIGKILLed at any
 * moment of their start leave a cgroup, a veth, a lease, a state dir; the
 * next start and scripts/cleanup.sh remove all of it, while containers of
 * runs that are alive keep running, with their cgroup, veth, lease and
 * state untouched, and end normally. The killed runs use steps 03-06;
 * the sweeper is step 01's, its cgroup part 03's, its veth and lease 06's. */
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "harness_06.h"

#define STEP "06-net-namespace"
#define HEALTHY 5
#define KILLED 30
#define BATCH 3 /* killed runs started at once */
#define DEAD_MAX 64

static const char *const killed_steps[] = {"03-cgroups", "04-overlay", "05-pivot-root",
					   "06-net-namespace"};

/* When to SIGKILL a runtime: this long after it started, in ms; -1: once
 * its command runs (after exec). From before its cgroup exists to after. */
static const int kill_moments_ms[] = {0, 2, 10, 30, 60, -1};

static struct running_box healthy[HEALTHY];
static char dead[DEAD_MAX][16];
static int dead_count;

static long long now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

static bool is_healthy(const char *id)
{
	int i;

	for (i = 0; i < HEALTHY; i++)
		if (strcmp(healthy[i].id, id) == 0)
			return true;
	return false;
}

static bool state_dir_exists(const char *id)
{
	char path[1100];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", run_dir(), id);
	return stat(path, &st) == 0;
}

/* Every state dir in BOXES_RUN that is not a healthy run's belongs to a
 * killed one: remember it, to check later that nothing of it is left. */
static int collect_dead(void)
{
	DIR *dir = opendir(run_dir());
	struct dirent *entry;
	int present = 0, i;

	assert_non_null(dir);
	while ((entry = readdir(dir))) {
		if (strlen(entry->d_name) != 12 || is_healthy(entry->d_name))
			continue;
		present++;
		for (i = 0; i < dead_count && strcmp(dead[i], entry->d_name) != 0; i++)
			;
		if (i == dead_count && dead_count < DEAD_MAX)
			snprintf(dead[dead_count++], sizeof(dead[0]), "%s", entry->d_name);
	}
	closedir(dir);
	return present;
}

static bool cgroup_exists(const char *id)
{
	char pattern[128];
	glob_t found;
	bool any;

	snprintf(pattern, sizeof(pattern), "/sys/fs/cgroup/{*/boxes,boxes}/%s", id);
	any = glob(pattern, GLOB_BRACE, NULL, &found) == 0 && found.gl_pathc > 0;
	globfree(&found);
	return any;
}

static bool veth_exists(const char *id)
{
	char name[32];

	snprintf(name, sizeof(name), "bx%.12s", id);
	return host_link_exists(name);
}

/* A lease in /run/boxes-net that names the run ("id <id>"). */
static bool lease_exists(const char *id)
{
	char path[600], owner[4200], line[32];
	DIR *dir = opendir(LEASE_DIR);
	struct dirent *entry;
	bool found = false;

	if (!dir)
		return false;
	snprintf(line, sizeof(line), "id %s\n", id);
	while ((entry = readdir(dir)) && !found) {
		snprintf(path, sizeof(path), "%s/%s", LEASE_DIR, entry->d_name);
		found = entry->d_name[0] != '.' && read_file(path, owner, sizeof(owner)) == 0 &&
			strncmp(owner, line, strlen(line)) == 0;
	}
	closedir(dir);
	return found;
}

/* Is BOXES_RUN/<id>/lock held (by a live runtime)? */
static bool lock_held(const char *id)
{
	char path[600];
	int fd, held;

	snprintf(path, sizeof(path), "%s/%s/lock", run_dir(), id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	held = flock(fd, LOCK_EX | LOCK_NB) < 0;
	close(fd);
	return held;
}

static void start_healthy(int count)
{
	int i;

	for (i = 0; i < count; i++)
		if (start_running_box(&healthy[i], STEP, 10) < 0)
			fail_msg("healthy container %d never ran", i);
}

/* Everything of a running container is there, and it still runs. */
static void assert_healthy_intact(int count)
{
	int i, wstatus;

	for (i = 0; i < count; i++) {
		const char *id = healthy[i].id;

		assert_int_equal(waitpid(healthy[i].pid, &wstatus, WNOHANG), 0);
		assert_true(lock_held(id));
		assert_true(cgroup_exists(id));
		assert_true(veth_exists(id));
		assert_true(lease_exists(id));
	}
}

static void assert_nothing_left_of_the_dead(void)
{
	int i;

	for (i = 0; i < dead_count; i++) {
		const char *id = dead[i];

		if (state_dir_exists(id) || cgroup_exists(id) || veth_exists(id) ||
		    lease_exists(id) || host_mounts_matching(id) != 0) {
			char command[4200];

			/* what is in it, and who holds its lock: the clue */
			snprintf(command, sizeof(command),
				 "ls -la %s/%s >&2; cat %s/%s/state >&2; "
				 "fuser -v %s/%s/lock >&2",
				 run_dir(), id, run_dir(), id, run_dir(), id);
			if (system(command) < 0)
				perror("system");
			fail_msg(
			    "left of killed run %s: state dir %d, cgroup %d, veth %d, lease %d, "
			    "mounts %d",
			    id, state_dir_exists(id), cgroup_exists(id), veth_exists(id),
			    lease_exists(id), host_mounts_matching(id));
		}
	}
}

static void run_cleanup_sh(struct run_result *r);

static void stop_healthy(int count)
{
	int i;

	for (i = 0; i < count; i++)
		assert_int_equal(stop_running_box(&healthy[i]), 0);
	memset(healthy, 0, sizeof(healthy));
}

/* After a failed test too: no container left running, nothing left of a
 * killed run (the sweep under test, once more). */
static int stop_and_sweep(void **state)
{
	struct run_result r;

	(void)state;
	stop_running_boxes(healthy, HEALTHY);
	memset(healthy, 0, sizeof(healthy));
	run_cleanup_sh(&r);
	return 0;
}

/* Start count runs of steps 03-06, BATCH at once, and SIGKILL each runtime
 * (not its container: that dies with it, PR_SET_PDEATHSIG) at its moment. */
static void kill_runs(int count)
{
	int first, i;

	for (first = 0; first < count; first += BATCH) {
		char out[BATCH][96], err[BATCH][96], printed[256];
		long long started[BATCH];
		pid_t pid[BATCH];

		for (i = 0; i < BATCH; i++) {
			int n = first + i;

			snprintf(out[i], sizeof(out[i]), "/tmp/boxes-kill-%d-%d.out", (int)getpid(),
				 n);
			snprintf(err[i], sizeof(err[i]), "/tmp/boxes-kill-%d-%d.err", (int)getpid(),
				 n);
			started[i] = now_ms();
			pid[i] = spawn_box(out[i], err[i], killed_steps[n % 4], ROOTFS, "/bin/sh",
					   "-c", "echo running; exec sleep 317", NULL);
			assert_true(pid[i] > 0);
		}
		for (i = 0; i < BATCH; i++) {
			int moment = kill_moments_ms[(first + i) % 6];

			if (moment < 0)
				wait_for_file_text(out[i], "running", 10, printed, sizeof(printed));
			else
				while (now_ms() < started[i] + moment)
					usleep(500);
			kill(pid[i], SIGKILL);
		}
		for (i = 0; i < BATCH; i++) {
			waitpid(pid[i], NULL, 0);
			unlink(out[i]);
			unlink(err[i]);
		}
		collect_dead();
	}
}

/* scripts/cleanup.sh, as a user runs it: BOXES_RUN from the environment. */
static void run_cleanup_sh(struct run_result *r)
{
	char *argv[] = {"scripts/cleanup.sh", "--trace", NULL};

	run_argv(r, 30, argv);
}

static void test_cleanup_sh_removes_30_killed_runs_and_spares_5_running(void **state)
{
	struct run_result r;

	(void)state;
	dead_count = 0;
	start_healthy(HEALTHY);
	kill_runs(KILLED);
	/* what the last batch left: nobody started after it to sweep it */
	assert_true(collect_dead() > 0);
	assert_true(dead_count >= KILLED / 6); /* at least the ones killed after exec */
	run_cleanup_sh(&r);
	assert_exit(&r, 0);
	assert_error(&r, "its lock is free, its runtime is dead: sweep it");
	assert_output(&r, "dead run");
	assert_nothing_left_of_the_dead();
	assert_healthy_intact(HEALTHY);
	assert_int_equal(run_dir_entries(), HEALTHY);
	stop_healthy(HEALTHY);
	assert_int_equal(run_dir_entries(), 0);
	assert_int_equal(leases_held(), 0);
}

/* Each start sweeps: after kills, one more run leaves nothing of them. */
static void test_next_start_sweeps_what_killed_runs_left(void **state)
{
	struct run_result r;

	(void)state;
	dead_count = 0;
	start_healthy(2);
	kill_runs(2 * BATCH);
	assert_true(collect_dead() > 0);
	run_box(&r, 10, STEP, "--trace", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 0);
	assert_error(&r, "a dead run's cgroup: kill what is in it, rmdir");
	assert_nothing_left_of_the_dead();
	assert_healthy_intact(2);
	assert_int_equal(run_dir_entries(), 2);
	stop_healthy(2);
	assert_int_equal(run_dir_entries(), 0);
	assert_int_equal(leases_held(), 0);
}

/* A process still in a dead run's cgroup - what a container that outlived
 * its runtime is - is killed by the sweep before the cgroup goes. A
 * container dies with its runtime (PR_SET_PDEATHSIG), so a host process
 * of the test's own, moved into the cgroup, plays the survivor. */
static void test_sweep_kills_what_is_left_in_a_dead_runs_cgroup(void **state)
{
	char out[96], err[96], printed[256], procs[600], pid_text[32], pattern[128], cgroup[512];
	struct run_result r;
	pid_t runtime, stray;
	glob_t found;
	int wstatus, fd;

	(void)state;
	dead_count = 0;
	snprintf(out, sizeof(out), "/tmp/boxes-stray-%d.out", (int)getpid());
	snprintf(err, sizeof(err), "/tmp/boxes-stray-%d.err", (int)getpid());
	runtime = spawn_box(out, err, "03-cgroups", ROOTFS, "/bin/sh", "-c",
			    "echo running; exec sleep 317", NULL);
	assert_int_equal(wait_for_file_text(out, "running", 10, printed, sizeof(printed)), 0);
	kill(runtime, SIGKILL);
	waitpid(runtime, NULL, 0);
	unlink(out);
	unlink(err);
	assert_int_equal(collect_dead(), 1);
	snprintf(pattern, sizeof(pattern), "/sys/fs/cgroup/{*/boxes,boxes}/%s", dead[0]);
	assert_int_equal(glob(pattern, GLOB_BRACE, NULL, &found), 0);
	snprintf(cgroup, sizeof(cgroup), "%s", found.gl_pathv[0]);
	globfree(&found);
	stray = fork();
	if (stray == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* should the test fail before the sweep */
		execl("/bin/sleep", "boxes-stray", "300", (char *)NULL);
		_exit(127);
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)stray);
	fd = open(procs, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pid_text, strlen(pid_text)), (int)strlen(pid_text));
	close(fd);
	run_cleanup_sh(&r);
	assert_exit(&r, 0);
	assert_int_equal(waitpid(stray, &wstatus, 0), stray);
	assert_true(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);
	assert_nothing_left_of_the_dead();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_cleanup_sh_removes_30_killed_runs_and_spares_5_running,
				      stop_and_sweep),
	    cmocka_unit_test_teardown(test_next_start_sweeps_what_killed_runs_left, stop_and_sweep),
	    cmocka_unit_test_teardown(test_sweep_kills_what_is_left_in_a_dead_runs_cgroup,
				      stop_and_sweep),
	};

	return cmocka_run_group_tests_name("test_06_sweep", tests, harness_setup, harness_teardown);
}
