/* cgroup.c - step 03: limit what a container may use, with cgroups.
 *
 * Namespaces (step 02) change what a process can SEE. Nothing yet limits
 * what it can USE: a container can take all of the host's memory, or fork
 * until the host's process table is full. A control group (cgroup) is a
 * set of processes the kernel accounts for together and holds to limits;
 * every child a process forks starts in its parent's cgroup, so nothing
 * in the container can get out of it by forking. Read cgroups(7), then the
 * kernel's Documentation/admin-guide/cgroup-v2.rst (v2) and
 * cgroup-v1/memory.rst, pids.rst (v1).
 *
 * Where the cgroups are - v1, v2 or the hybrid of both - and how the
 * container's directories are made in them is cgroup_tree.c's part; this
 * file writes the limits into them, moves the container in, reports an
 * OOM kill and removes them again.
 *
 * The order matters: the cgroup and its limits exist before the container
 * runs a single instruction of its command. The parent makes them, clones
 * the child, and moves it in (cgroup_add) while the child is still blocked
 * on the sync pipe (common/child.c).
 *
 * The kernel's price for moving a process: a write to cgroup.procs takes
 * the machine-wide cgroup_threadgroup_rwsem for writing, a per-cpu rwsem,
 * and a writer must first wait for an RCU grace period (rcu_sync_enter in
 * kernel/rcu/sync.c) - 10 to 15 ms on a small VM, longer than everything
 * else step 03 does. The wait is skipped while the lock is still "warm":
 * for about one grace period after the last writer left. So cgroup_create
 * forks a helper that moves ITSELF into the new cgroup right away, and the
 * wait runs while the parent makes the overlay, clones the child, writes
 * its maps; cgroup_add reaps the helper, then moves the container in at
 * the warm price (~50 us).
 *
 * On cgroup v2 (Linux 5.7+) there is no move at all: cgroup_create opens
 * the new cgroup's directory, and common/child.c hands that fd to clone3(2)
 * with CLONE_INTO_CGROUP. The kernel then makes the child a member while
 * it makes the child, under the read side of the same lock that every
 * fork takes anyway: no writer, no grace period. The child is in its
 * cgroup from its first instruction, and cgroup_add has nothing to do. A
 * kernel without clone3 or the flag gets clone(2) and the move, cold.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel_features.h"
#include "log.h"
#include "size.h"
#include "state.h"
#include "sweep.h"

#include "03-cgroups/cgroup.h"
#include "03-cgroups/cgroup_tree.h"
#include "03-cgroups/files.h"

#define STEP 3

/* The smallest --memory, as docker's: below it the command would be
 * OOM-killed before it starts, and "--memory 64" (64 bytes, the unit
 * forgotten) would look like a crash. */
#define MEMORY_MINIMUM (6LL << 20)

/* How long clean-up waits for the last processes of a cgroup to die. */
#define CLEANUP_TRIES 200
#define CLEANUP_PAUSE_NS (10 * 1000 * 1000) /* 10 ms: 2 s in all */

bool limit_wanted(const struct box *box, enum controller controller)
{
	switch (controller) {
	case MEMORY:
		return box->memory_bytes > 0;
	case PIDS:
		return box->pids_limit > 0;
	case CPU:
		return box->cpu_quota_us > 0 || box->cpu_shares > 0;
	default:
		return false;
	}
}

static void pause_briefly(void)
{
	struct timespec pause = {0, CLEANUP_PAUSE_NS};

	nanosleep(&pause, NULL);
}

/* Does <dir>/../<file> exist? Some files exist only with a kernel option
 * (memory.memsw.* needs swap accounting). The parent, boxes/, has such a
 * file exactly when the kernel gives it to its children too; asking the
 * parent also works in the unit tests' fake tree. */
static bool parent_has(const char *dir, const char *file)
{
	char path[PATH_MAX];
	int written = snprintf(path, sizeof(path), "%s/../%s", dir, file);

	return written > 0 && written < (int)sizeof(path) && access(path, F_OK) == 0;
}

/* --memory. Above the limit the kernel first reclaims the cgroup's page
 * cache, then its OOM killer kills a process IN THIS CGROUP, not on the
 * host. Swap must be limited too: with swap allowed, the excess would
 * move to swap and the container would go on growing. */
static int write_memory_limit(struct box *box, enum cgroup_mode mode, const char *dir)
{
	char bytes[32];

	/* LAB: write_memory_limit
	 * --memory: write box->memory_bytes to memory.max (v2) or
	 * memory.limit_in_bytes (v1), and forbid swap (memory.swap.max 0, or
	 * memory.memsw.limit_in_bytes = the limit, when the file exists).
	 * Read Documentation/admin-guide/cgroup-v2.rst (memory), cgroups(7).
	 * Tests: memory-hog is OOM-killed (exit 137, a line saying so).
	 */
	snprintf(bytes, sizeof(bytes), "%lld", box->memory_bytes);
	if (mode == CGROUP_V2) {
		if (write_file(STEP, dir, "memory.max", bytes) < 0)
			return -1;
		if (!parent_has(dir, "memory.swap.max"))
			return 0; /* a kernel without swap accounting: no swap to dodge into */
		return write_file(STEP, dir, "memory.swap.max", "0");
	}
	if (write_file(STEP, dir, "memory.limit_in_bytes", bytes) < 0)
		return -1;
	/* memsw = memory + swap; equal to the limit means no swap at all. It
	 * must never be below memory.limit_in_bytes, so it is written second.
	 * The file exists only with swap accounting (swapaccount=1). */
	if (!parent_has(dir, "memory.memsw.limit_in_bytes"))
		return 0;
	return write_file(STEP, dir, "memory.memsw.limit_in_bytes", bytes);
	/* LAB END */
}

/* --pids-limit: fork(2) and clone(2) fail with EAGAIN once the cgroup
 * holds this many processes and threads. Same file on v1 and v2. */
static int write_pids_limit(struct box *box, const char *dir)
{
	char count[32];

	/* LAB: write_pids_limit
	 * --pids-limit: write box->pids_limit to pids.max (v1 and v2 alike).
	 * Read cgroup-v2.rst (pids). Tests: fork-bomb is stopped (BLOCKED).
	 */
	snprintf(count, sizeof(count), "%lld", box->pids_limit);
	return write_file(STEP, dir, "pids.max", count);
	/* LAB END */
}

/* --cpus 0.5: the CFS scheduler lets the cgroup run QUOTA microseconds of
 * CPU time per PERIOD (0.5 CPU = 50000 of every 100000), then holds all of
 * its threads until the next period. */
static int write_cpu_quota(struct box *box, enum cgroup_mode mode, const char *dir)
{
	char quota[32], period[32], both[64];

	snprintf(quota, sizeof(quota), "%lld", box->cpu_quota_us);
	snprintf(period, sizeof(period), "%lld", box->cpu_period_us);
	if (mode == CGROUP_V2) {
		snprintf(both, sizeof(both), "%s %s", quota, period);
		return write_file(STEP, dir, "cpu.max", both);
	}
	if (write_file(STEP, dir, "cpu.cfs_period_us", period) < 0)
		return -1;
	return write_file(STEP, dir, "cpu.cfs_quota_us", quota);
}

/* v1's shares run 2..262144 (1024 the default); v2's weight 1..10000 (100
 * the default). The same line as runc's, so 1024 lands near 100 and the
 * ends meet: 2 -> 1, 262144 -> 10000. */
long long cpu_shares_to_weight(long long shares)
{
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* --cpu-shares 512: no cap, a proportion. Only when the CPU is contended
 * does the scheduler give each busy cgroup time in proportion to its share
 * (cpu.shares on v1, cpu.weight on v2; sched(7), "CFS group scheduling"). */
static int write_cpu_share(struct box *box, enum cgroup_mode mode, const char *dir)
{
	char value[32];

	if (mode == CGROUP_V2) {
		snprintf(value, sizeof(value), "%lld", cpu_shares_to_weight(box->cpu_shares));
		return write_file(STEP, dir, "cpu.weight", value);
	}
	snprintf(value, sizeof(value), "%lld", box->cpu_shares);
	return write_file(STEP, dir, "cpu.shares", value);
}

static int write_cpu_limit(struct box *box, enum cgroup_mode mode, const char *dir)
{
	if (box->cpu_quota_us > 0 && write_cpu_quota(box, mode, dir) < 0)
		return -1;
	if (box->cpu_shares > 0 && write_cpu_share(box, mode, dir) < 0)
		return -1;
	return 0;
}

static int write_limits(struct box *box)
{
	struct cgroup_info *info = box->cgroup;

	if (limit_wanted(box, MEMORY) &&
	    write_memory_limit(box, info->mode, info->controller_dir[MEMORY]) < 0)
		return -1;
	if (limit_wanted(box, PIDS) && write_pids_limit(box, info->controller_dir[PIDS]) < 0)
		return -1;
	if (limit_wanted(box, CPU) &&
	    write_cpu_limit(box, info->mode, info->controller_dir[CPU]) < 0)
		return -1;
	return 0;
}

/* pids.max takes any number up to the kernel's own limit on pids; above
 * it the write fails with a bare EINVAL, so say it before anything is made. */
static int check_pids_limit(const struct box *box)
{
	long long pid_max;

	if (box->pids_limit <= 0)
		return 0;
	pid_max = kernel_pid_max();
	if (pid_max > 0 && box->pids_limit > pid_max) {
		box_error("--pids-limit %lld: above this kernel's limit of %lld processes "
			  "(/proc/sys/kernel/pid_max); use 1 to %lld",
			  box->pids_limit, pid_max, pid_max);
		return -1;
	}
	return 0;
}

/* cgroup_create on any root: /sys/fs/cgroup, or a unit test's fake tree.
 * The directories first (cgroup_tree.c), then the limits: a failure half
 * way removes what was made. */
int cgroup_create_at(struct box *box, const char *root, enum cgroup_mode mode)
{
	struct cgroup_info *info;

	if (box->memory_bytes > 0 && box->memory_bytes < MEMORY_MINIMUM) {
		box_error("--memory %lld bytes is below the minimum of 6M (a unit missing? 64M)",
			  box->memory_bytes);
		return -1;
	}
	if (check_pids_limit(box) < 0)
		return -1;
	info = calloc(1, sizeof(*info));
	if (!info) {
		box_error("out of memory for the cgroup of %s", box->id);
		return -1;
	}
	info->mode = mode;
	info->clone_into_fd = -1;
	box->cgroup = info;
	if ((mode == CGROUP_V2 ? make_v2_cgroup(box, root) : make_v1_cgroups(box, root)) < 0 ||
	    write_limits(box) < 0) {
		cgroup_destroy(box); /* leave nothing half-made behind */
		return -1;
	}
	return 0;
}

/* A child of ours moves itself into the new cgroup ("0" is the writer
 * itself, see cgroups(7)) and exits: it pays the RCU grace period of the
 * first write to cgroup.procs while we go on (see the top of this file).
 * It is one short-lived process in the container's cgroup, before the
 * container is; nothing depends on it: if fork fails, cgroup_add pays. */
static void start_warm_up(struct cgroup_info *info)
{
	char procs[PATH_MAX];
	pid_t pid;

	if (path_join(procs, sizeof(procs), info->dirs[0], "cgroup.procs") < 0)
		return;
	trace(STEP,
	      "helper: a child of ours does write(\"%s\", \"0\"); the kernel's RCU wait runs "
	      "meanwhile",
	      procs);
	pid = fork();
	if (pid == 0) {
		int fd = open(procs, O_WRONLY | O_CLOEXEC);

		_exit(fd >= 0 && write(fd, "0", 1) == 1 ? 0 : 1);
	}
	if (pid > 0)
		info->warm_up_pid = pid;
}

/* Reap the helper: after it, the next write to cgroup.procs is cheap. */
static void finish_warm_up(struct cgroup_info *info)
{
	pid_t pid = info->warm_up_pid;

	if (pid <= 0)
		return;
	trace(STEP, "waitpid(helper %d): until its move is done, the write lock warm", (int)pid);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	info->warm_up_pid = 0;
}

/* v2: the directory fd that clone3 starts the child in (see the top of
 * this file). Without it, clone(2) and a move: slower, not wrong. */
static void open_for_clone(struct box *box)
{
	struct cgroup_info *info = box->cgroup;

	trace(STEP, "open(\"%s\", O_DIRECTORY): clone3(CLONE_INTO_CGROUP) starts the child in it",
	      info->dirs[0]);
	info->clone_into_fd = open(info->dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	box->cgroup_fd = info->clone_into_fd;
}

int cgroup_create(struct box *box)
{
	enum cgroup_mode mode;

	if (detect_cgroup_mode(CGROUP_ROOT, &mode) < 0)
		return -1;
	if (cgroup_create_at(box, CGROUP_ROOT, mode) < 0)
		return -1;
	/* not in the unit tests' fake tree: */
	if (mode == CGROUP_V2)
		open_for_clone(box); /* no move, no lock to warm */
	else
		start_warm_up(box->cgroup); /* v1: pay the move's wait meanwhile */
	return 0;
}

static void close_clone_fd(struct box *box)
{
	struct cgroup_info *info = box->cgroup;

	if (info->clone_into_fd >= 0)
		close(info->clone_into_fd);
	info->clone_into_fd = -1;
	box->cgroup_fd = -1;
}

/* Writing a pid to cgroup.procs moves that process (all its threads) into
 * the cgroup. From now on, everything it forks is born in there too. */
int cgroup_add(struct box *box)
{
	struct cgroup_info *info = box->cgroup;
	char pid[32];
	int i;

	if (!info)
		return 0;
	close_clone_fd(box);
	if (box->born_in_cgroup) {
		trace(STEP, "no write to cgroup.procs: clone3 started the container in %s",
		      info->dirs[0]);
		return 0;
	}
	finish_warm_up(info);
	snprintf(pid, sizeof(pid), "%d", (int)box->container_pid);
	/* LAB: cgroup_add
	 * Move the container (box->container_pid) into each of its cgroup
	 * directories (info->dirs[]): write its pid to cgroup.procs.
	 * Read cgroups(7), "Creating cgroups and moving processes". Tests:
	 * /proc/self/cgroup inside names boxes/<id>; the limits hold.
	 */
	for (i = 0; i < info->dir_count; i++)
		if (write_file(STEP, info->dirs[i], "cgroup.procs", pid) < 0)
			return -1;
	/* LAB END */
	return 0;
}

/* A process that joins a running container later (a healthcheck probe,
 * step 10) moves itself in: "0" is the writer itself (cgroups(7)). */
int cgroup_join(const struct box *box)
{
	const struct cgroup_info *info = box->cgroup;

	for (int i = 0; info && i < info->dir_count; i++)
		if (write_file(STEP, info->dirs[i], "cgroup.procs", "0") < 0)
			return -1;
	return 0;
}

/* The value of KEY in a flat "key value" file such as memory.events (v2)
 * or memory.oom_control (v1); -1 when the file or the key is missing. */
static long long read_key(const char *dir, const char *file, const char *key)
{
	char path[PATH_MAX], name[64];
	long long value, found = -1;
	FILE *stream;

	if (path_join(path, sizeof(path), dir, file) < 0)
		return -1;
	stream = fopen(path, "re");
	if (!stream)
		return -1;
	while (fscanf(stream, "%63s %lld", name, &value) == 2)
		if (strcmp(name, key) == 0)
			found = value;
	fclose(stream);
	trace(STEP, "read(\"%s\"): %s %lld", path, key, found);
	return found;
}

/* The kernel counts its OOM kills per cgroup: "oom_kill N" in
 * memory.events (v2) and in memory.oom_control (v1, Linux 4.13+). The
 * container only sees SIGKILL; this count says who sent it and why. */
int cgroup_report_oom(struct box *box, int exit_code)
{
	struct cgroup_info *info = box->cgroup;
	const char *dir;
	char limit[48] = "none: the host's memory ran out";
	long long kills;

	if (!info || !info->controller_dir[MEMORY][0])
		return exit_code;
	dir = info->controller_dir[MEMORY];
	kills = read_key(dir, info->mode == CGROUP_V2 ? "memory.events" : "memory.oom_control",
			 "oom_kill");
	if (kills <= 0)
		return exit_code;
	if (box->memory_bytes > 0)
		format_size(box->memory_bytes, limit, sizeof(limit));
	if (exit_code == 128 + SIGKILL) {
		box_error("container killed: out of memory (limit %s)", limit);
		return 128 + SIGKILL;
	}
	/* The command survived the loss of one of its processes: keep its own
	 * exit code, but say what happened. */
	box_error("a process in the container was killed: out of memory (limit %s)", limit);
	return exit_code;
}

/* The pids in a cgroup, from its cgroup.procs. Returns how many. */
static int read_pids(const char *dir, pid_t *pids, int max)
{
	char path[PATH_MAX];
	FILE *stream;
	int count = 0, pid;

	if (path_join(path, sizeof(path), dir, "cgroup.procs") < 0)
		return 0;
	stream = fopen(path, "re");
	if (!stream)
		return 0; /* gone, or a fake tree that never had processes */
	while (count < max && fscanf(stream, "%d", &pid) == 1)
		pids[count++] = pid;
	fclose(stream);
	return count;
}

/* v2 (Linux 5.14+): writing "1" to cgroup.kill SIGKILLs every process in
 * the cgroup at once. Opened without O_CREAT: no file, no such feature. */
static bool kill_with_cgroup_kill(const char *dir)
{
	char path[PATH_MAX];
	int fd;
	bool done;

	if (path_join(path, sizeof(path), dir, "cgroup.kill") < 0)
		return false;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	trace(STEP, "write(\"%s\", \"1\")", path);
	done = write(fd, "1", 1) == 1;
	close(fd);
	return done;
}

/* Kill what is left: processes the container started in the background,
 * or everything when the runtime gives up early. v1 has no cgroup.kill, so
 * SIGKILL each pid, and look again: one may have forked meanwhile. */
static void kill_remaining(const char *dir)
{
	pid_t pids[512];
	int tries, count, i;

	if (kill_with_cgroup_kill(dir)) /* v2 only: v1 has no such file */
		return;
	for (tries = 0; tries < CLEANUP_TRIES; tries++) {
		count = read_pids(dir, pids, (int)(sizeof(pids) / sizeof(pids[0])));
		if (count == 0)
			return;
		for (i = 0; i < count; i++) {
			trace(STEP, "kill(%d, SIGKILL)", (int)pids[i]);
			if (kill(pids[i], SIGKILL) < 0 && errno != ESRCH)
				box_syserr("kill", dir);
		}
		pause_briefly();
	}
}

/* rmdir(2) removes a cgroup once no process is in it. A process killed
 * a moment ago may still be on its way out: EBUSY, wait and try again. */
static int remove_dir(const char *dir)
{
	int tries;

	for (tries = 0; tries < CLEANUP_TRIES; tries++) {
		if (rmdir(dir) == 0) {
			trace(STEP, "rmdir(\"%s\")", dir);
			return 0;
		}
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		pause_briefly();
	}
	box_syserr("rmdir", dir);
	box_error("cgroup %s is left behind; remove it with: rmdir %s", dir, dir);
	return -1;
}

void cgroup_destroy(struct box *box)
{
	struct cgroup_info *info = box->cgroup;
	int i;

	if (!info)
		return;
	finish_warm_up(info); /* a set-up that failed before cgroup_add */
	close_clone_fd(box);
	for (i = info->dir_count - 1; i >= 0; i--) {
		kill_remaining(info->dirs[i]);
		remove_dir(info->dirs[i]);
	}
	free(info);
	box->cgroup = NULL;
}

/* A state file is only as trustworthy as BOXES_RUN: act on nothing but
 * CGROUP_ROOT/.../boxes/<id>. */
static bool is_a_box_cgroup(const char *dir)
{
	const char *id = strrchr(dir, '/');

	return strncmp(dir, CGROUP_ROOT "/", strlen(CGROUP_ROOT) + 1) == 0 && !strstr(dir, "/..") &&
	       id && id - dir >= 6 && strncmp(id - 6, "/" BOXES_DIR "/", 7) == 0 &&
	       sweep_is_run_id(id + 1);
}

int cgroup_sweep(const char *dir)
{
	if (!is_a_box_cgroup(dir)) {
		box_error("sweep: \"cgroup %s\" is not a boxes cgroup; not touched", dir);
		return -1;
	}
	if (access(dir, F_OK) < 0)
		return 0; /* never made, or removed already */
	trace(STEP, "%s: a dead run's cgroup: kill what is in it, rmdir", dir);
	kill_remaining(dir); /* a container that outlived its runtime */
	return remove_dir(dir);
}
