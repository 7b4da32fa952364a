/* bench.c - the part of `make bench` that no tool does: run every subject
 * in interleaved, shuffled rounds, and split traced runs into phases.
 *
 * Run by scripts/bench.sh, not by hand:
 *
 *     bench --out DIR [--runs N] [--traced N] SUBJECTS.tsv
 *
 * SUBJECTS.tsv has one subject a line, three or more tab-separated fields:
 *
 *     NAME  KIND  WHAT-IT-DOES  COMMAND WORDS...
 *
 * KIND is "step" (a boxes step binary: also traced, and run as
 * `STEP --version`), "crun" (run in a mount namespace without the cgroup2
 * tree, see below) or "plain". In the command, {id} becomes a container id
 * of its own for every run (crun and runc want one). WHAT-IT-DOES is for
 * the report; bench ignores it.
 *
 * 1. Timed rounds. Each round runs every subject once (A B C, C A B, ...),
 *    in a new shuffled order, so that a slow moment of the machine hits
 *    every subject alike, and so does the kernel work a run leaves behind
 *    (a dead network namespace is torn down after its last process exits,
 *    while the next run goes on). One run's wall time is
 *    clock_gettime(CLOCK_MONOTONIC) from before fork(2) to after wait4(2);
 *    wait4 also returns the peak RSS (ru_maxrss, see getrusage(2)) of the
 *    largest process the run made. Round 0 is a check run (it also warms
 *    the page cache); a subject that fails it is left out.
 * 2. Traced runs, apart from the timed ones (narrating costs time): each
 *    step runs with --trace and BOXES_TRACE_TIME=1, and prints
 *        boxes[trace] N [SS] +MICROSECONDSus action
 *    for each isolation action. The gaps between the lines say where the
 *    time goes, phase by phase. After each, `STEP --version`: the cost of
 *    starting the program alone.
 *
 * Writes DIR/runs.csv (every timed run), DIR/phases.csv (every traced run,
 * phase by phase), DIR/traces/NAME.txt (one traced run per step, each line
 * with the time its action took) and DIR/stderr.log. The statistics and the
 * picture are made from the CSV files by scripts/bench/report.awk and
 * gnuplot.
 *
 * crun 1.8 refuses a hybrid cgroup layout (v1 controllers plus a v2 tree at
 * /sys/fs/cgroup/unified). It runs in a mount namespace of its own, made
 * once here, in which /sys/fs/cgroup/unified is unmounted; the host's
 * mounts do not change (see mount_namespaces(7), setns(2)). Doing it once
 * keeps unshare(1) and a umount out of crun's measured time.
 */
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SUBJECTS 24
#define MAX_RUNS 1000
#define MAX_ARGS 32

enum kind { KIND_STEP, KIND_CRUN, KIND_PLAIN };

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
	char name[64];
	enum kind kind;
	char *words[MAX_ARGS]; /* the command; {id} is replaced per run */
	int word_count;
	bool broken; /* failed its check run: left out */
	struct run runs[MAX_RUNS]; /* [0] is the check run */
	int run_count;
};

static struct subject subjects[MAX_SUBJECTS];
static int subject_count;

static const char *out_dir;
static FILE *phases_csv;
static int crun_mount_ns = -1; /* crun's namespace: no cgroup2 tree */
static int stderr_log = -1; /* stderr of the timed runs */

/* Ctrl-C or SIGTERM: finish the run in progress, then write what we have. */
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

/* The command of one run: `STEP --trace ...` when traced, `STEP
 * --version` when bare; {id} is replaced by a fresh container id. */
static void build_argv(const struct subject *s, const char *id, enum mode mode, const char **argv)
{
	int n = 0;

	argv[n++] = s->words[0];
	if (mode == MODE_BARE)
		argv[n++] = "--version";
	if (mode == MODE_TRACED)
		argv[n++] = "--trace";
	for (int w = 1; w < s->word_count && mode != MODE_BARE; w++)
		argv[n++] = strcmp(s->words[w], "{id}") == 0 ? id : s->words[w];
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

/* One whole lifecycle: fork, exec the subject, wait4. */
static struct run run_once(int index, int number, enum mode mode, int err_fd)
{
	struct subject *s = &subjects[index];
	const char *argv[MAX_ARGS + 2];
	struct timespec start, end;
	struct rusage usage;
	struct run run = {0};
	char id[64];
	pid_t pid;

	snprintf(id, sizeof(id), "boxes-bench-%d-%d-%s%d", (int)getpid(), index,
		 mode == MODE_TIMED ? "" : "t", number);
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

/* One line of SUBJECTS.tsv: NAME KIND WHAT COMMAND... (tabs between the
 * first four fields, spaces between the command's words). */
static void add_subject(char *line)
{
	char *name = strtok(line, "\t\n"), *kind = strtok(NULL, "\t\n");
	char *what = strtok(NULL, "\t\n"), *command = strtok(NULL, "\t\n");
	struct subject *s;

	if (!name || !kind || !what || !command) {
		fprintf(stderr, "bench: a subject line needs NAME KIND WHAT COMMAND\n");
		exit(2);
	}
	if (subject_count == MAX_SUBJECTS) {
		fprintf(stderr, "bench: more than %d subjects\n", MAX_SUBJECTS);
		exit(2);
	}
	s = &subjects[subject_count++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->kind = strcmp(kind, "step") == 0   ? KIND_STEP
		  : strcmp(kind, "crun") == 0 ? KIND_CRUN
					      : KIND_PLAIN;
	for (char *word = strtok(command, " "); word; word = strtok(NULL, " ")) {
		if (s->word_count == MAX_ARGS - 1) {
			fprintf(stderr, "bench: %s: more than %d words\n", name, MAX_ARGS - 1);
			exit(2);
		}
		s->words[s->word_count++] = strdup(word);
	}
}

static void read_subjects(const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "r");

	if (!f)
		die("fopen", path);
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' && line[0] != '\n')
			add_subject(line);
	fclose(f);
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

/* Traced runs of a step, each followed by a bare `STEP --version`, each a
 * line of phases.csv. The last one is kept, annotated, in traces/NAME.txt. */
static void traced_runs(int index, int count)
{
	struct subject *s = &subjects[index];
	char path[PATH_MAX], keep[PATH_MAX];
	bool kept = false;

	if (snprintf(path, sizeof(path), "%s/traces/current.txt", out_dir) >= (int)sizeof(path) ||
	    snprintf(keep, sizeof(keep), "%s/traces/%s.txt", out_dir, s->name) >= (int)sizeof(keep))
		die("snprintf", "a path under --out: too long");
	for (int n = 1; n <= count && !interrupted; n++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		long phases[PHASE_COUNT];
		struct run run, bare;

		if (fd < 0)
			die("open", path);
		run = run_once(index, n, MODE_TRACED, fd);
		close(fd);
		bare = run_once(index, n, MODE_BARE, stderr_log);
		if (!run_succeeded(&run) || read_trace(path) < 0)
			continue;
		sum_phases(run.wall_us, phases);
		fprintf(phases_csv, "%s,%d,%ld,%ld", s->name, n, run.wall_us,
			run_succeeded(&bare) ? bare.wall_us : -1);
		for (int p = 0; p < PHASE_COUNT; p++)
			fprintf(phases_csv, ",%ld", phases[p]);
		fputs("\n", phases_csv);
		write_annotated(keep, run.wall_us);
		kept = true;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		die("unlink", path);
	if (!kept && unlink(keep) < 0 && errno != ENOENT) /* no stale trace */
		die("unlink", keep);
}

/* Round 0: every subject once. One that fails is left out of the rounds. */
static void check_subjects(void)
{
	for (int i = 0; i < subject_count; i++) {
		struct run run = run_once(i, 0, MODE_TIMED, stderr_log);

		subjects[i].runs[0] = run;
		subjects[i].run_count = 1;
		if (!run_succeeded(&run)) {
			subjects[i].broken = true;
			fprintf(stderr,
				"bench: %s failed its check run (wait status %#x), left out "
				"(see stderr.log)\n",
				subjects[i].name, run.status);
		}
	}
}

/* Rounds 1..rounds, fewer when interrupted. */
static void timed_rounds(int rounds)
{
	int order[MAX_SUBJECTS];

	for (int i = 0; i < subject_count; i++)
		order[i] = i;
	srand(2026); /* the same orders in every bench, for comparable runs */
	for (int r = 1; r <= rounds && !interrupted; r++) {
		for (int k = subject_count - 1; k > 0; k--) { /* Fisher-Yates shuffle */
			int other = rand() % (k + 1), swap = order[k];

			order[k] = order[other];
			order[other] = swap;
		}
		for (int k = 0; k < subject_count && !interrupted; k++) {
			struct subject *s = &subjects[order[k]];

			if (s->broken)
				continue;
			s->runs[r] = run_once(order[k], r, MODE_TIMED, stderr_log);
			s->run_count = r + 1;
		}
		if (r % 10 == 0)
			fprintf(stderr, "bench: %d/%d rounds\n", r, rounds);
	}
}

static FILE *open_csv(const char *name, const char *header)
{
	char path[PATH_MAX];
	FILE *csv;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	csv = fopen(path, "w");
	if (!csv)
		die("fopen", path);
	fputs(header, csv);
	return csv;
}

/* Every timed run, round 0 (the check run) too. */
static void write_runs_csv(void)
{
	FILE *csv = open_csv("runs.csv", "subject,round,wall_us,maxrss_kb,wait_status\n");

	for (int i = 0; i < subject_count; i++)
		for (int r = 0; r < subjects[i].run_count; r++)
			fprintf(csv, "%s,%d,%ld,%ld,%d\n", subjects[i].name, r,
				subjects[i].runs[r].wall_us, subjects[i].runs[r].rss_kb,
				subjects[i].runs[r].status);
	if (fclose(csv) != 0)
		die("fclose", "runs.csv");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"runs", required_argument, NULL, 'n'},
	    {"traced", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	int rounds = 50, traced = 15, option;
	struct sigaction interrupt = {0};
	char path[PATH_MAX];

	while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (option) {
		case 'o':
			out_dir = optarg;
			break;
		case 'n':
			rounds = atoi(optarg);
			break;
		case 't':
			traced = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!out_dir || optind != argc - 1 || rounds < 1 || rounds > MAX_RUNS - 1 || traced < 1) {
		fprintf(stderr, "usage: bench --out DIR [--runs 1..%d] [--traced N] SUBJECTS.tsv\n",
			MAX_RUNS - 1);
		return 2;
	}
	unsetenv("BOXES_TRACE_TIME");
	read_subjects(argv[optind]);
	for (int i = 0; i < subject_count; i++)
		if (subjects[i].kind == KIND_CRUN && crun_mount_ns < 0)
			crun_mount_ns = make_crun_namespace();

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
	check_subjects();
	timed_rounds(rounds);
	write_runs_csv();

	phases_csv = open_csv("phases.csv", "subject,traced_run,traced_wall_us,version_wall_us");
	for (int p = 0; p < PHASE_COUNT; p++)
		fprintf(phases_csv, ",%s_us", phase_names[p]);
	fputs("\n", phases_csv);
	for (int i = 0; i < subject_count && !interrupted; i++)
		if (subjects[i].kind == KIND_STEP && !subjects[i].broken)
			traced_runs(i, traced);
	if (fclose(phases_csv) != 0)
		die("fclose", "phases.csv");
	if (interrupted)
		fprintf(stderr,
			"bench: interrupted: the CSV files hold the runs done until then\n");
	return interrupted ? 130 : 0;
}
