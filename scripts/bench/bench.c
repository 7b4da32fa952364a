/* bench.c - what does each step cost at start-up, next to real runtimes?
 *
 * Run by scripts/bench.sh (`make bench`), not by hand:
 *
 *     bench --rootfs DIR --out DIR [--bundle DIR --crun PATH --runc PATH]
 *           [--runs N] [--traced N] [--about TEXT] STEP-BINARY...
 *
 * Every subject runs the whole lifecycle of one container that runs
 * /bin/true: start, isolate, exec, exit, clean up. The subjects are the
 * step binaries and four baselines (chroot(8), unshare(1), crun, runc).
 *
 * 1. Timed rounds. Each round runs every subject once (A B C, C A B, ...),
 *    in a new shuffled order, so that a slow moment of the machine hits
 *    every subject alike, and so does the kernel work a run leaves behind
 *    (a dead network namespace is torn down after its last process exits,
 *    while the next run goes on). One run's wall time is
 *    clock_gettime(CLOCK_MONOTONIC) from before fork(2) to after wait4(2);
 *    wait4 also returns the peak RSS (ru_maxrss, see getrusage(2)) of the
 *    largest process the run made. A step is compared with a baseline by the
 *    median of the ratios of the runs of one round, which cancels the drift
 *    of the machine between rounds.
 * 2. Traced runs, apart from the timed ones (narrating costs time): each
 *    step runs with --trace and BOXES_TRACE_TIME=1, and prints
 *        boxes[trace] N [SS] +MICROSECONDSus action
 *    for each isolation action. The gaps between the lines say where the
 *    time goes, phase by phase.
 *
 * crun 1.8 refuses a hybrid cgroup layout (v1 controllers plus a v2 tree at
 * /sys/fs/cgroup/unified). It runs in a mount namespace of its own, made
 * once here, in which /sys/fs/cgroup/unified is unmounted; the host's
 * mounts do not change (see mount_namespaces(7), setns(2)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SUBJECTS 16
#define MAX_RUNS 1000
#define MAX_ARGS 16

enum kind { KIND_STEP, KIND_CHROOT, KIND_UNSHARE, KIND_CRUN, KIND_RUNC };

/* How a subject is run: timed, traced, or (steps) just `STEP --version`: the
 * cost of starting the runtime program itself, without a container. */
enum mode { MODE_TIMED, MODE_TRACED, MODE_BARE };

/* Where the time of a traced run goes. A trace line is printed right before
 * its action, so the gap after a line is the cost of that line's action;
 * a line that shows a result ("clone(...) = PID", "container exited") is
 * printed after its action, and the gap before it is its. */
enum phase {
	PHASE_UNTRACED, /* runtime exec, ld.so, options; exit after the last line */
	PHASE_CLONE, /* 01/02: clone(2) with the namespace flags */
	PHASE_WAKE, /* 01: write to the sync pipe; the container wakes up */
	PHASE_NS, /* 01/02: private mounts, chroot, /proc, hostname */
	PHASE_CGROUP, /* 03 */
	PHASE_OVERLAY, /* 04 */
	PHASE_PIVOT, /* 05: pivot_root, /dev, masked /proc and /sys */
	PHASE_VETH, /* 06 */
	PHASE_MAPS, /* 07: uid/gid maps, idmapped rootfs */
	PHASE_SECCOMP, /* 08: capabilities, no_new_privs, seccomp filter */
	PHASE_EXEC, /* execvp -> the container exited (runs /bin/true) */
	PHASE_COUNT
};

static const char *phase_names[PHASE_COUNT] = {
    "untraced",	  "clone", "wake-up", "ns+chroot", "cgroup", "overlay",
    "pivot_root", "veth",  "maps",    "seccomp",   "exec",
};

struct run {
	long wall_us;
	long rss_kb;
	int status; /* the wait status */
};

struct subject {
	const char *name;
	enum kind kind;
	const char *path;
	int step; /* 1..8 for a step binary */
	char stubs[64]; /* steps up to this one whose mechanism is a stub */
	bool broken; /* failed its check run: left out */
	struct run runs[MAX_RUNS];
	int run_count;
	long phases[MAX_RUNS][PHASE_COUNT]; /* traced runs, microseconds */
	long traced_wall[MAX_RUNS];
	int traced_count;
	long bare_wall[MAX_RUNS]; /* `STEP --version`: the program alone */
	int bare_count;
	char slowest[3][128]; /* the slowest actions of the kept trace */
};

static struct subject subjects[MAX_SUBJECTS];
static int subject_count;

static const char *rootfs;
static const char *bundle;
static const char *out_dir;
static int crun_mount_ns = -1; /* crun's namespace: no cgroup2 tree */
static int stderr_log = -1; /* stderr of the timed runs */
static int leftovers; /* crun/runc runs that left state to delete */
/* The load average (loadavg in proc(5)) at start and end: other work on the
 * machine makes every time longer, and the ratios of one round steadier. */
static char load_at_start[64], load_at_end[64];

static void read_load(char *load, size_t size)
{
	FILE *f = fopen("/proc/loadavg", "r");

	if (!f || !fgets(load, size, f))
		snprintf(load, size, "?");
	load[strcspn(load, "\n")] = '\0';
	if (f)
		fclose(f);
}

/* Ctrl-C or SIGTERM: finish the run in progress, then report what we have. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int signal_number)
{
	(void)signal_number;
	interrupted = 1;
}

static void die(const char *action, const char *what)
{
	fprintf(stderr, "bench: %s(%s): %s\n", action, what, strerror(errno));
	exit(1);
}

static long elapsed_us(const struct timespec *from, const struct timespec *to)
{
	return (to->tv_sec - from->tv_sec) * 1000000L + (to->tv_nsec - from->tv_nsec) / 1000;
}

static void container_id(char *id, size_t size, int subject, int run, enum mode mode)
{
	snprintf(id, size, "boxes-bench-%d-%d-%s%d", (int)getpid(), subject,
		 mode == MODE_TIMED ? "" : "t", run);
}

static void build_argv(const struct subject *s, const char *id, enum mode mode, const char **argv)
{
	int n = 0;

	switch (s->kind) {
	case KIND_STEP:
		argv[n++] = s->path;
		if (mode == MODE_BARE) {
			argv[n++] = "--version";
			break;
		}
		if (mode == MODE_TRACED)
			argv[n++] = "--trace";
		argv[n++] = rootfs;
		argv[n++] = "/bin/true";
		break;
	case KIND_CHROOT:
		argv[n++] = "chroot";
		argv[n++] = rootfs;
		argv[n++] = "/bin/true";
		break;
	case KIND_UNSHARE:
		/* the namespaces of step 02, plus a network namespace */
		argv[n++] = "unshare";
		argv[n++] = "--fork";
		argv[n++] = "--pid";
		argv[n++] = "--mount";
		argv[n++] = "--uts";
		argv[n++] = "--ipc";
		argv[n++] = "--net";
		argv[n++] = "--mount-proc";
		argv[n++] = "chroot";
		argv[n++] = rootfs;
		argv[n++] = "/bin/true";
		break;
	case KIND_CRUN:
	case KIND_RUNC:
		argv[n++] = s->path;
		argv[n++] = "run";
		argv[n++] = "--bundle";
		argv[n++] = bundle;
		argv[n++] = id;
		break;
	}
	argv[n] = NULL;
}

/* The child of one run: quiet stdin/stdout, stderr to err_fd, then exec. */
static void exec_subject(const struct subject *s, const char **argv, int err_fd, bool traced)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC); /* dup2 drops CLOEXEC */

	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(124);
	if (s->kind == KIND_CRUN && setns(crun_mount_ns, CLONE_NEWNS) < 0)
		_exit(124);
	if (traced)
		setenv("BOXES_TRACE_TIME", "1", 1);
	execvp(argv[0], (char **)argv);
	_exit(127);
}

/* Run `RUNTIME delete --force ID` when a run left its state behind (a
 * foreground `run` normally deletes the container itself). Not timed. */
static void delete_leftover(const struct subject *s, const char *id)
{
	char state[PATH_MAX];
	const char *argv[] = {s->path, "delete", "--force", id, NULL};
	int status;
	pid_t pid;

	if (s->kind != KIND_CRUN && s->kind != KIND_RUNC)
		return;
	snprintf(state, sizeof(state), "/run/%s/%s", s->kind == KIND_CRUN ? "crun" : "runc", id);
	if (access(state, F_OK) < 0)
		return;
	leftovers++;
	pid = fork();
	if (pid < 0)
		die("fork", s->path);
	if (pid == 0)
		exec_subject(s, argv, stderr_log, false);
	waitpid(pid, &status, 0);
}

/* One whole lifecycle: fork, exec the subject, wait4. */
static struct run run_once(int index, int number, enum mode mode, int err_fd)
{
	struct subject *s = &subjects[index];
	const char *argv[MAX_ARGS];
	struct timespec start, end;
	struct rusage usage;
	struct run run = {0};
	char id[64];
	pid_t pid;

	container_id(id, sizeof(id), index, number, mode);
	build_argv(s, id, mode, argv);
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid < 0)
		die("fork", s->name);
	if (pid == 0)
		exec_subject(s, argv, err_fd, mode == MODE_TRACED);
	while (wait4(pid, &run.status, 0, &usage) < 0)
		if (errno != EINTR)
			die("wait4", s->name);
	clock_gettime(CLOCK_MONOTONIC, &end);
	run.wall_us = elapsed_us(&start, &end);
	run.rss_kb = usage.ru_maxrss;
	delete_leftover(s, id);
	return run;
}

static bool run_succeeded(const struct run *run)
{
	return WIFEXITED(run->status) && WEXITSTATUS(run->status) == 0;
}

/* crun's mount namespace: a private copy of ours without the cgroup2 tree.
 * We step in, unmount, keep a file descriptor, and step back out. */
static int make_crun_namespace(void)
{
	int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int made;

	if (own < 0)
		die("open", "/proc/self/ns/mnt");
	if (cwd < 0)
		die("open", ".");
	if (unshare(CLONE_NEWNS) < 0)
		die("unshare", "CLONE_NEWNS");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("mount --make-rprivate", "/");
	if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		die("umount2", "/sys/fs/cgroup/unified");
	made = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (made < 0)
		die("open", "/proc/self/ns/mnt");
	/* setns to a mount namespace moves us to its root: come back to cwd */
	if (setns(own, CLONE_NEWNS) < 0)
		die("setns", "our mount namespace");
	if (fchdir(cwd) < 0)
		die("fchdir", "the working directory");
	close(own);
	close(cwd);
	return made;
}

/* Does the step folder hold a mechanism that is still a stub (a .c file
 * whose first line starts with the STUB marker)? */
static bool folder_has_stub(const char *folder)
{
	DIR *dir = opendir(folder);
	struct dirent *file;
	bool stub = false;

	while (dir && (file = readdir(dir)) != NULL) {
		char source[PATH_MAX + 256], first[8] = "";
		size_t length = strlen(file->d_name);
		FILE *f;

		if (length < 3 || strcmp(file->d_name + length - 2, ".c") != 0)
			continue;
		snprintf(source, sizeof(source), "%s/%s", folder, file->d_name);
		f = fopen(source, "r");
		if (f && fgets(first, sizeof(first), f) && strncmp(first, "/* STUB", 7) == 0)
			stub = true;
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	return stub;
}

/* Which steps up to this one are still stubs: "03 04" */
static void find_stubs(struct subject *s)
{
	DIR *steps = opendir("steps");
	struct dirent *entry;
	bool stubbed[100] = {false};

	while (steps && (entry = readdir(steps)) != NULL) {
		int step = atoi(entry->d_name);
		char folder[PATH_MAX];

		if (step < 1 || step > s->step || step >= 100)
			continue;
		snprintf(folder, sizeof(folder), "steps/%.200s", entry->d_name);
		stubbed[step] = folder_has_stub(folder);
	}
	if (steps)
		closedir(steps);
	for (int step = 1; step <= s->step && step < 100; step++)
		if (stubbed[step])
			snprintf(s->stubs + strlen(s->stubs), sizeof(s->stubs) - strlen(s->stubs),
				 "%s%02d", s->stubs[0] ? " " : "", step);
}

static void add_subject(const char *name, enum kind kind, const char *path)
{
	struct subject *s;

	if (subject_count == MAX_SUBJECTS) {
		fprintf(stderr, "bench: more than %d subjects\n", MAX_SUBJECTS);
		exit(1);
	}
	s = &subjects[subject_count++];
	s->name = name;
	s->kind = kind;
	s->path = path;
	if (kind == KIND_STEP) {
		const char *base = strrchr(path, '/');

		s->name = base ? base + 1 : path;
		s->step = atoi(s->name);
		find_stubs(s);
	}
}

/* --- traced runs: from trace lines to phases ---------------------------- */

struct trace_line {
	int number;
	int step;
	long us;
	enum phase phase;
	bool after_action; /* printed once its action was done */
	long cost_us; /* the gap this line's action owns */
	int action; /* where the action starts in text */
	char text[1024];
};

static enum phase phase_of(int step, const char *action)
{
	if (strncmp(action, "clone(", 6) == 0 || strncmp(action, "fork(", 5) == 0)
		return PHASE_CLONE;
	if (strncmp(action, "release", 7) == 0)
		return PHASE_WAKE;
	if (strncmp(action, "exec", 4) == 0 || strncmp(action, "container exited", 16) == 0)
		return PHASE_EXEC;
	switch (step) {
	case 3:
		return PHASE_CGROUP;
	case 4:
		return PHASE_OVERLAY;
	case 5:
		return PHASE_PIVOT;
	case 6:
		return PHASE_VETH;
	case 7:
		return PHASE_MAPS;
	case 8:
		return PHASE_SECCOMP;
	default:
		return PHASE_NS;
	}
}

/* "fork() = 4242" shows a result: it was printed once the call returned. */
static bool printed_after(const char *action)
{
	return strstr(action, ") = ") != NULL || strncmp(action, "container exited", 16) == 0;
}

static int by_number(const void *a, const void *b)
{
	return ((const struct trace_line *)a)->number - ((const struct trace_line *)b)->number;
}

static struct trace_line lines[512];
static int line_count;

/* Read one traced run's stderr into lines[], in order, each with its cost. */
static int read_trace(const char *path)
{
	char text[1024];
	FILE *f = fopen(path, "r");

	if (!f)
		die("fopen", path);
	line_count = 0;
	while (line_count < 512 && fgets(text, sizeof(text), f)) {
		struct trace_line *line = &lines[line_count];
		int action = 0;

		if (sscanf(text, "boxes[trace] %d [%d] +%ldus %n", &line->number, &line->step,
			   &line->us, &action) < 3 ||
		    action == 0)
			continue;
		line->phase = phase_of(line->step, text + action);
		line->after_action = printed_after(text + action);
		line->cost_us = 0;
		line->action = action;
		text[strcspn(text, "\n")] = '\0';
		snprintf(line->text, sizeof(line->text), "%s", text);
		line_count++;
	}
	fclose(f);
	/* parent and child print concurrently: the numbers give the order */
	qsort(lines, line_count, sizeof(lines[0]), by_number);
	for (int i = 1; i < line_count; i++) {
		long gap = lines[i].us > lines[i - 1].us ? lines[i].us - lines[i - 1].us : 0;

		lines[lines[i].after_action ? i : i - 1].cost_us += gap;
	}
	if (line_count > 0 && lines[0].after_action)
		lines[0].cost_us += lines[0].us;
	return line_count > 0 ? 0 : -1;
}

/* Add up lines[] phase by phase. Before trace_enable() and after the last
 * line, the clock of the trace sees nothing, the wall clock does. */
static void sum_phases(long wall_us, long *phases)
{
	long traced = lines[line_count - 1].us;

	memset(phases, 0, sizeof(long) * PHASE_COUNT);
	for (int i = 0; i < line_count; i++)
		phases[lines[i].phase] += lines[i].cost_us;
	if (!lines[0].after_action)
		phases[PHASE_UNTRACED] += lines[0].us;
	if (wall_us > traced)
		phases[PHASE_UNTRACED] += wall_us - traced;
}

/* The trace of one run, each line with the time its action took, for a
 * learner to read: "  10.71 ms veth       | boxes[trace] 57 [06] ..." */
static void write_annotated(const char *path, long wall_us)
{
	long last = lines[line_count - 1].us;
	FILE *f = fopen(path, "w");

	if (!f)
		die("fopen", path);
	fputs("# time the action took, its phase | the --trace line (see startup.md)\n", f);
	if (!lines[0].after_action)
		fprintf(f, "%8.2f ms %-10s | (from trace_enable() to the first line)\n",
			lines[0].us / 1000.0, phase_names[PHASE_UNTRACED]);
	for (int i = 0; i < line_count; i++)
		fprintf(f, "%8.2f ms %-10s | %s\n", lines[i].cost_us / 1000.0,
			phase_names[lines[i].phase], lines[i].text);
	fprintf(f, "%8.2f ms %-10s | (off the trace clock: exec, ld.so before it; exit after)\n",
		(wall_us > last ? wall_us - last : 0) / 1000.0, phase_names[PHASE_UNTRACED]);
	fprintf(f, "%8.2f ms in all (wall, traced)\n", wall_us / 1000.0);
	if (fclose(f) != 0)
		die("fclose", path);
}

/* The start of a trace action, fit for a Markdown table cell: at most 50
 * characters, "|" escaped (clone(SIGCHLD|CLONE_NEWPID) would split the cell). */
static void markdown_cell(char *cell, size_t size, const char *action)
{
	size_t n = 0;

	for (int i = 0; action[i] && i < 50 && n + 3 < size; i++) {
		if (action[i] == '|')
			cell[n++] = '\\';
		cell[n++] = action[i] == '`' ? '\'' : action[i];
	}
	cell[n] = '\0';
}

/* The three slowest actions of the kept trace, for "why a target was missed". */
static void remember_slowest(struct subject *s)
{
	bool used[512] = {false};
	char action[80];

	for (int k = 0; k < 3; k++) {
		int slowest = -1;

		for (int i = 0; i < line_count; i++)
			if (!used[i] && (slowest < 0 || lines[i].cost_us > lines[slowest].cost_us))
				slowest = i;
		s->slowest[k][0] = '\0';
		if (slowest < 0)
			continue;
		used[slowest] = true;
		markdown_cell(action, sizeof(action), lines[slowest].text + lines[slowest].action);
		snprintf(s->slowest[k], sizeof(s->slowest[k]), "`%s` %.2f ms", action,
			 lines[slowest].cost_us / 1000.0);
	}
}

/* Traced runs of a step, each followed by a bare `STEP --version`. The last
 * one is kept, annotated, in traces/NN-name.txt. */
static void traced_runs(int index, int count)
{
	struct subject *s = &subjects[index];
	char path[PATH_MAX], keep[PATH_MAX];
	bool kept = false;

	snprintf(path, sizeof(path), "%s/traces/current.txt", out_dir);
	snprintf(keep, sizeof(keep), "%s/traces/%s.txt", out_dir, s->name);
	for (int n = 0; n < count && n < MAX_RUNS && !interrupted; n++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		struct run run, bare;

		if (fd < 0)
			die("open", path);
		run = run_once(index, n, MODE_TRACED, fd);
		close(fd);
		bare = run_once(index, n, MODE_BARE, stderr_log);
		if (run_succeeded(&bare))
			s->bare_wall[s->bare_count++] = bare.wall_us;
		if (!run_succeeded(&run) || read_trace(path) < 0)
			continue;
		sum_phases(run.wall_us, s->phases[s->traced_count]);
		s->traced_wall[s->traced_count++] = run.wall_us;
		write_annotated(keep, run.wall_us);
		remember_slowest(s);
		kept = true;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		die("unlink", path);
	if (!kept && unlink(keep) < 0 && errno != ENOENT) /* no stale trace */
		die("unlink", keep);
}

/* --- statistics ---------------------------------------------------------- */

static int compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of values[0..count), which stay in their order; -1 if none. */
static long median_long(const long *values, int count)
{
	static long sorted[MAX_RUNS];

	if (count == 0)
		return -1;
	memcpy(sorted, values, count * sizeof(long));
	qsort(sorted, count, sizeof(long), compare_long);
	return count % 2 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
}

/* The value below which `percent` % of values[0..count) lie; -1 if none. */
static long percentile_long(const long *values, int count, int percent)
{
	static long sorted[MAX_RUNS];

	if (count == 0)
		return -1;
	memcpy(sorted, values, count * sizeof(long));
	qsort(sorted, count, sizeof(long), compare_long);
	return sorted[(count - 1) * percent / 100];
}

static int successful_walls(const struct subject *s, long *values)
{
	int count = 0;

	for (int r = 0; r < s->run_count; r++)
		if (run_succeeded(&s->runs[r]))
			values[count++] = s->runs[r].wall_us;
	return count;
}

static long median_wall(const struct subject *s)
{
	static long values[MAX_RUNS];

	return median_long(values, successful_walls(s, values));
}

static long wall_percentile(const struct subject *s, int percent)
{
	static long values[MAX_RUNS];

	return percentile_long(values, successful_walls(s, values), percent);
}

static long median_rss(const struct subject *s)
{
	static long values[MAX_RUNS];
	int count = 0;

	for (int r = 0; r < s->run_count; r++)
		if (run_succeeded(&s->runs[r]))
			values[count++] = s->runs[r].rss_kb;
	return median_long(values, count);
}

/* The median over the rounds of (this subject's time / the baseline's). */
static double median_ratio(const struct subject *s, const struct subject *base)
{
	static double ratios[MAX_RUNS];
	int count = 0;

	if (!base || base->broken)
		return -1;
	for (int r = 0; r < s->run_count && r < base->run_count; r++)
		if (run_succeeded(&s->runs[r]) && run_succeeded(&base->runs[r]) &&
		    base->runs[r].wall_us > 0)
			ratios[count++] = (double)s->runs[r].wall_us / base->runs[r].wall_us;
	if (count == 0)
		return -1;
	qsort(ratios, count, sizeof(double), compare_double);
	return count % 2 ? ratios[count / 2] : (ratios[count / 2 - 1] + ratios[count / 2]) / 2;
}

static long median_phase(const struct subject *s, enum phase phase)
{
	static long values[MAX_RUNS];

	for (int n = 0; n < s->traced_count; n++)
		values[n] = s->phases[n][phase];
	return median_long(values, s->traced_count);
}

static int failed_runs(const struct subject *s)
{
	int failed = 0;

	for (int r = 0; r < s->run_count; r++)
		failed += !run_succeeded(&s->runs[r]);
	return failed;
}

static struct subject *find_kind(enum kind kind)
{
	for (int i = 0; i < subject_count; i++)
		if (subjects[i].kind == kind && !subjects[i].broken)
			return &subjects[i];
	return NULL;
}

static struct subject *find_step(int step)
{
	for (int i = 0; i < subject_count; i++)
		if (subjects[i].kind == KIND_STEP && subjects[i].step == step &&
		    !subjects[i].broken)
			return &subjects[i];
	return NULL;
}

/* --- the report ----------------------------------------------------------- */

static void print_ms(FILE *out, long us)
{
	if (us < 0)
		fputs(" n/a |", out);
	else
		fprintf(out, " %ld.%02ld |", us / 1000, us % 1000 / 10);
}

static void print_ratio(FILE *out, double ratio)
{
	if (ratio < 0)
		fputs(" n/a |", out);
	else
		fprintf(out, " %.2f× |", ratio);
}

static void print_times(FILE *out, int rounds)
{
	struct subject *chroot_base = find_kind(KIND_CHROOT),
		       *unshare_base = find_kind(KIND_UNSHARE);
	struct subject *crun = find_kind(KIND_CRUN), *runc = find_kind(KIND_RUNC);

	fprintf(out, "## Wall time and peak RSS (%d shuffled rounds)\n\n", rounds);
	fputs("| runtime | median wall ms | p25–p75 ms | × chroot | × unshare | × crun | × runc | "
	      "peak RSS KiB |"
	      " failed runs | stub mechanisms |\n",
	      out);
	fputs("|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n", out);
	for (int i = 0; i < subject_count; i++) {
		struct subject *s = &subjects[i];

		if (s->broken) {
			fprintf(out,
				"| %s | failed its check run, left out (see stderr.log) ||||||||"
				"|\n",
				s->name);
			continue;
		}
		fprintf(out, "| %s |", s->name);
		print_ms(out, median_wall(s));
		fprintf(out, " %.2f–%.2f |", wall_percentile(s, 25) / 1000.0,
			wall_percentile(s, 75) / 1000.0);
		print_ratio(out, median_ratio(s, chroot_base));
		print_ratio(out, median_ratio(s, unshare_base));
		print_ratio(out, median_ratio(s, crun));
		print_ratio(out, median_ratio(s, runc));
		fprintf(out, " %ld | %d | %s |\n", median_rss(s), failed_runs(s),
			s->stubs[0] ? s->stubs : "-");
	}
	fputs("\n", out);
}

static void print_phases(FILE *out, int traced)
{
	fprintf(out, "## Where the time goes (%d traced runs per step, median ms per phase)\n\n",
		traced);
	fputs("| step |", out);
	for (int p = 0; p < PHASE_COUNT; p++)
		fprintf(out, " %s |", phase_names[p]);
	fputs(" traced wall | `--version` |\n|---|", out);
	for (int p = 0; p <= PHASE_COUNT + 1; p++)
		fputs("--:|", out);
	fputs("\n", out);
	for (int i = 0; i < subject_count; i++) {
		struct subject *s = &subjects[i];

		if (s->kind != KIND_STEP || s->broken)
			continue;
		fprintf(out, "| %s |", s->name);
		for (int p = 0; p < PHASE_COUNT; p++)
			print_ms(out, s->traced_count ? median_phase(s, p) : -1);
		print_ms(out, s->traced_count ? median_long(s->traced_wall, s->traced_count) : -1);
		print_ms(out, s->bare_count ? median_long(s->bare_wall, s->bare_count) : -1);
		fputs("\n", out);
	}
	fputs("\n", out);
}

/* The three largest phases of a step, for "why a target was missed". */
static void print_biggest_phases(FILE *out, const struct subject *s, const struct subject *base)
{
	bool used[PHASE_COUNT] = {false};
	int biggest = -1;
	long without;

	if (s->traced_count == 0) {
		fputs("no traced run succeeded", out);
		return;
	}
	for (int k = 0; k < 3; k++) {
		int best = -1;

		for (int p = 0; p < PHASE_COUNT; p++)
			if (!used[p] && (best < 0 || median_phase(s, p) > median_phase(s, best)))
				best = p;
		used[best] = true;
		if (k == 0)
			biggest = best;
		fprintf(out, "%s%s %.2f ms", k ? ", " : "", phase_names[best],
			median_phase(s, best) / 1000.0);
	}
	/* a rough what-if: the timed median less the traced median of one phase */
	without = median_wall(s) - median_phase(s, biggest);
	if (without > 0)
		fprintf(out, "; less its %s phase, about %.2f ms (%.2f×)", phase_names[biggest],
			without / 1000.0, (double)without / median_wall(base));
}

static void print_target(FILE *out, int step, const struct subject *base, double limit)
{
	struct subject *s = find_step(step);
	double ratio = s ? median_ratio(s, base) : -1;

	fprintf(out, "| %02d ≤ %.1f× %s |", step, limit, base ? base->name : "(baseline missing)");
	if (ratio < 0) {
		fputs(" n/a | not measured |\n", out);
		return;
	}
	fprintf(out, " %.2f× (%.2f ms vs %.2f ms) | %s |\n", ratio, median_wall(s) / 1000.0,
		median_wall(base) / 1000.0, ratio <= limit ? "met" : "**missed**");
	if (ratio > limit) {
		fprintf(out, "|  ↳ why | %02d's biggest phases: ", step);
		print_biggest_phases(out, s, base);
		fprintf(out,
			"; slowest actions in traces/%s.txt: %s, %s, %s | see the phase table |\n",
			s->name, s->slowest[0], s->slowest[1], s->slowest[2]);
	}
	if (s->stubs[0])
		fprintf(out, "|  ↳ note | stubs in %s: not yet the real lifecycle | |\n", s->stubs);
}

static void print_targets(FILE *out)
{
	struct subject *crun = find_kind(KIND_CRUN);
	long crun_rss = crun ? median_rss(crun) : -1;

	fputs("## Targets\n\n| target | measured | result |\n|---|---|---|\n", out);
	print_target(out, 2, find_kind(KIND_UNSHARE), 1.2);
	print_target(out, 8, crun, 1.0);
	print_target(out, 8, find_kind(KIND_RUNC), 0.5);
	for (int i = 0; i < subject_count; i++) {
		struct subject *s = &subjects[i];

		if (s->kind != KIND_STEP || s->broken)
			continue;
		if (crun_rss < 0) {
			fputs("| peak RSS ≤ crun | n/a | crun not measured |\n", out);
			break;
		}
		if (median_rss(s) > crun_rss)
			fprintf(out, "| %s peak RSS ≤ crun | %ld KiB vs %ld KiB | **missed** |\n",
				s->name, median_rss(s), crun_rss);
	}
	if (crun_rss >= 0) {
		long largest = 0;

		for (int i = 0; i < subject_count; i++)
			if (subjects[i].kind == KIND_STEP && !subjects[i].broken &&
			    median_rss(&subjects[i]) > largest)
				largest = median_rss(&subjects[i]);
		fprintf(out, "| every step's peak RSS ≤ crun | largest %ld KiB vs %ld KiB | %s |\n",
			largest, crun_rss, largest <= crun_rss ? "met" : "**missed**");
	}
	fputs("\n", out);
}

static void print_notes(FILE *out, const char *about)
{
	struct utsname host;

	uname(&host);
	fputs("# boxes start-up benchmark\n\n", out);
	fprintf(out, "Machine: Linux %s, %ld CPUs. %s\n", host.release,
		sysconf(_SC_NPROCESSORS_ONLN), about ? about : "");
	fprintf(out,
		"Load average (1, 5, 15 min; running/all; last pid) at start: %s; at end: %s.\n\n",
		load_at_start, load_at_end);
	fputs(
	    "Each run is the whole lifecycle of `RUNTIME ROOTFS /bin/true` (start, isolate, exec,\n"
	    "exit, clean up), from fork to wait4, with each step's default options (steps 06-08:\n"
	    "`--net veth`; 07-08: user namespace; 08: default seccomp and capabilities; no\n"
	    "cgroup limits). Baselines: `chroot ROOTFS /bin/true`; `unshare --fork --pid --mount\n"
	    "--uts --ipc --net --mount-proc chroot ROOTFS /bin/true`; `crun run` and `runc run`\n"
	    "on a bundle from `runc spec` over the same rootfs (read-only, terminal false, its\n"
	    "own network namespace with only lo, no veth, no seccomp profile, a cgroup without\n"
	    "limits). crun runs in a mount namespace without /sys/fs/cgroup/unified (crun 1.8\n"
	    "refuses the hybrid layout). Each round runs every subject once, in a shuffled\n"
	    "order; a ratio is the median of the ratios within each round. Peak RSS is the\n"
	    "median of wait4's ru_maxrss: the largest single process of the run (runtime or\n"
	    "container), not a sum.\n"
	    "\n",
	    out);
}

static void print_phase_notes(FILE *out)
{
	fputs(
	    "Phases come from `--trace` with `BOXES_TRACE_TIME=1` (separate runs: narrating costs\n"
	    "time, see *traced wall*). A line is printed before its action, so the time until the\n"
	    "next line is that action's; a line that shows a result (`fork() = PID`,\n"
	    "`clone(...) = PID`, `container exited`) is printed after its action and owns the\n"
	    "time before it too. A line counts in the column of the step in its `[NN]`, clean-up\n"
	    "lines too; 01/02 lines (sync pipe aside) are *ns+chroot*.\n"
	    "*untraced* = what the trace clock cannot see (the runtime's own exec and dynamic\n"
	    "linking before trace_enable(), its exit after the last line) plus option parsing\n"
	    "before the first line; *`--version`* (the program started with no container,\n"
	    "untraced) shows how much of that is just starting a program.\n"
	    "*wake-up* = from the parent's sync-pipe write until the container's next line.\n"
	    "*exec* = from execvp to the container's exit seen by wait4 (/bin/true runs, PID 1\n"
	    "exits, its namespaces go). Medians per column do not add up exactly to the wall.\n"
	    "traces/NN-name.txt holds one traced run per step, each line with the time its\n"
	    "action took.\n",
	    out);
	if (leftovers)
		fprintf(out,
			"\n%d crun/runc runs left state that bench deleted (`delete --force`).\n",
			leftovers);
}

/* Every timed run and every traced run, for whoever wants more than medians. */
static void write_runs_csv(void)
{
	char path[PATH_MAX];
	FILE *csv;

	snprintf(path, sizeof(path), "%s/runs.csv", out_dir);
	csv = fopen(path, "w");
	if (!csv)
		die("fopen", path);
	fputs("subject,round,wall_us,maxrss_kb,wait_status\n", csv);
	for (int i = 0; i < subject_count; i++)
		for (int r = 0; r < subjects[i].run_count; r++)
			fprintf(csv, "%s,%d,%ld,%ld,%d\n", subjects[i].name, r + 1,
				subjects[i].runs[r].wall_us, subjects[i].runs[r].rss_kb,
				subjects[i].runs[r].status);
	if (fclose(csv) != 0)
		die("fclose", path);
	snprintf(path, sizeof(path), "%s/phases.csv", out_dir);
	csv = fopen(path, "w");
	if (!csv)
		die("fopen", path);
	fputs("step,traced_run,traced_wall_us", csv);
	for (int p = 0; p < PHASE_COUNT; p++)
		fprintf(csv, ",%s_us", phase_names[p]);
	fputs("\n", csv);
	for (int i = 0; i < subject_count; i++)
		for (int n = 0; n < subjects[i].traced_count; n++) {
			fprintf(csv, "%s,%d,%ld", subjects[i].name, n + 1,
				subjects[i].traced_wall[n]);
			for (int p = 0; p < PHASE_COUNT; p++)
				fprintf(csv, ",%ld", subjects[i].phases[n][p]);
			fputs("\n", csv);
		}
	if (fclose(csv) != 0)
		die("fclose", path);
}

/* --- main ------------------------------------------------------------------ */

static void check_subjects(void)
{
	for (int i = 0; i < subject_count; i++) {
		struct run run = run_once(i, 0, MODE_TIMED, stderr_log);

		if (!run_succeeded(&run)) {
			subjects[i].broken = true;
			fprintf(stderr,
				"bench: %s failed its check run (wait status %#x), left out\n",
				subjects[i].name, run.status);
		}
	}
}

/* Returns the number of rounds done (fewer when interrupted). */
static int timed_rounds(int rounds)
{
	int order[MAX_SUBJECTS];
	int r;

	for (int i = 0; i < subject_count; i++)
		order[i] = i;
	srand(2026); /* the same orders in every bench, for comparable runs */
	for (r = 0; r < rounds && !interrupted; r++) {
		for (int k = subject_count - 1; k > 0; k--) { /* Fisher-Yates shuffle */
			int other = rand() % (k + 1), swap = order[k];

			order[k] = order[other];
			order[other] = swap;
		}
		for (int k = 0; k < subject_count && !interrupted; k++) {
			int i = order[k];

			if (subjects[i].broken)
				continue;
			subjects[i].runs[r] = run_once(i, r + 1, MODE_TIMED, stderr_log);
			subjects[i].run_count = r + 1;
		}
		if ((r + 1) % 10 == 0)
			fprintf(stderr, "bench: %d/%d rounds\n", r + 1, rounds);
	}
	return r;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"rootfs", required_argument, NULL, 'r'},
	    {"bundle", required_argument, NULL, 'b'},
	    {"out", required_argument, NULL, 'o'},
	    {"crun", required_argument, NULL, 'c'},
	    {"runc", required_argument, NULL, 'u'},
	    {"runs", required_argument, NULL, 'n'},
	    {"traced", required_argument, NULL, 't'},
	    {"about", required_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
	};
	const char *crun = NULL, *runc = NULL, *about = NULL;
	int rounds = 50, traced = 15, option;
	struct sigaction interrupt = {0};
	char path[PATH_MAX];
	FILE *out;

	while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (option) {
		case 'r':
			rootfs = optarg;
			break;
		case 'b':
			bundle = optarg;
			break;
		case 'o':
			out_dir = optarg;
			break;
		case 'c':
			crun = optarg;
			break;
		case 'u':
			runc = optarg;
			break;
		case 'n':
			rounds = atoi(optarg);
			break;
		case 't':
			traced = atoi(optarg);
			break;
		case 'a':
			about = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!rootfs || !out_dir || optind == argc || rounds < 1 || rounds > MAX_RUNS - 1 ||
	    traced < 1 || traced > MAX_RUNS) {
		fprintf(stderr,
			"usage: bench --rootfs DIR --out DIR [--bundle DIR --crun PATH "
			"--runc PATH] [--runs 1..%d] [--traced N] STEP-BINARY...\n",
			MAX_RUNS - 1);
		return 2;
	}
	unsetenv("BOXES_TRACE_TIME");
	for (int i = optind; i < argc; i++)
		add_subject(NULL, KIND_STEP, argv[i]);
	add_subject("chroot", KIND_CHROOT, "chroot");
	add_subject("unshare", KIND_UNSHARE, "unshare");
	if (crun && bundle) {
		crun_mount_ns = make_crun_namespace();
		add_subject("crun", KIND_CRUN, crun);
	}
	if (runc && bundle)
		add_subject("runc", KIND_RUNC, runc);

	snprintf(path, sizeof(path), "%s/traces", out_dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("mkdir", path);
	snprintf(path, sizeof(path), "%s/stderr.log", out_dir);
	stderr_log = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (stderr_log < 0)
		die("open", path);

	interrupt.sa_handler = on_interrupt; /* no SA_RESTART: wait4 sees EINTR */
	sigaction(SIGINT, &interrupt, NULL);
	sigaction(SIGTERM, &interrupt, NULL);
	read_load(load_at_start, sizeof(load_at_start));
	check_subjects(); /* also warms the page cache */
	rounds = timed_rounds(rounds);
	for (int i = 0; i < subject_count && !interrupted; i++)
		if (subjects[i].kind == KIND_STEP && !subjects[i].broken)
			traced_runs(i, traced);

	read_load(load_at_end, sizeof(load_at_end));
	write_runs_csv();
	snprintf(path, sizeof(path), "%s/startup.md", out_dir);
	out = fopen(path, "w");
	if (!out)
		die("fopen", path);
	print_notes(out, about);
	if (interrupted)
		fputs("**Interrupted**: the tables hold the runs done until then.\n\n", out);
	print_times(out, rounds);
	print_targets(out);
	print_phases(out, traced);
	print_phase_notes(out);
	if (fclose(out) != 0)
		die("fclose", path);
	return 0;
}
