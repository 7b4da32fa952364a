/* soak.c - many containers started, signalled and SIGKILLed at random,
 * and after each round: did anything leak, did any container outlive
 * its runtime?
 *
 *     build/tests/soak/soak [--seconds N] [--parallel N] [--seed N]
 *                           [--bin DIR] [--rootfs DIR] [--logs DIR]
 *
 * --logs DIR (default build/soak): each run's output, DIR/N.log, kept
 * after the soak to read what a leaking or failing run said.
 *
 * A round starts --parallel (8) runtimes of random steps 01-08 at random
 * moments within 100 ms, each with a random command: true, a sleep, a
 * shell with a child in the background (02 on: under 01 there is no PID
 * namespace to end it), a write to the root (04 on: under 01-03 the write
 * would land in build/rootfs itself). Each run is then left to finish,
 * sent SIGINT or SIGTERM, or SIGKILLed, 0-300 ms after its start; a run
 * to be SIGKILLed sleeps 9000 s and more (see pick_duration).
 * After the round:
 *   1. no container process is left (0.5 s of grace for the kernel to
 *      deliver PR_SET_PDEATHSIG and tear PID namespaces down);
 *   2. a run that was not SIGKILLed left nothing: no cgroup boxes/<id>,
 *      no bx<id> link, no mount below BOXES_RUN/<id>, no BOXES_RUN/<id>,
 *      no lease naming it;
 *   3. if a run was SIGKILLed, one more start (08 running true) sweeps
 *      what the dead left, and after it nothing of any finished run is
 *      left. What the sweep removed counts as swept, what it left as leaks.
 * A leak or survivor is reported, then removed by the soak itself - only
 * objects named for ids of its own runs, only processes of their
 * containers - so the soak leaves the host as it found it.
 *
 * Why C and not a shell script: signals at a chosen millisecond to 8
 * runtimes at once, reaping each by its own pid (so no signal ever goes
 * to a recycled pid), NUL-separated /proc/PID/environ and octal-escaped
 * mountinfo are all plain in C and fragile in sh.
 *
 * How a container is found: every run gets -e BOXES_SOAK=<nonce>-<N>.
 * Every process of its container inherits that variable, the runtime
 * itself does not have it (an -e goes into the container's environment
 * only), so a process that has it after its runtime ended is a survivor.
 * A run's id is read from its --trace output (the first mkdir of its
 * cgroup or state dir); BOXES_RUN is the soak's own temporary directory,
 * so every id in it is one of ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "state.h"
#include "debris.h"

#define MAX_PARALLEL 64
#define MAX_STEPS 8
#define HANG_MS 20000 /* a runtime alive this long after its start hangs */
#define GRACE_MS 500
#define MAX_MARKED 4096

enum fate { FATE_FINISH, FATE_SIGINT, FATE_SIGTERM, FATE_SIGKILL };
static const char *const fate_names[] = {"finish", "SIGINT", "SIGTERM", "SIGKILL"};

struct run {
	int number; /* N of its marker BOXES_SOAK=<nonce>-N */
	int step; /* 1..8 */
	enum fate fate;
	long long start_at, signal_at; /* ms after the round began */
	pid_t pid; /* the runtime; 0 before its start */
	bool reaped, signal_sent, hung;
	int status; /* docker's exit code */
	char id[ID_LEN + 1]; /* "" until read from its trace */
	char log[PATH_MAX]; /* its stdout and stderr */
	char *argv[24];
	char words[8][128]; /* storage for the argv strings we make */
};

struct totals {
	int rounds, starts, sweeps, kills, sigints, sigterms;
	int leaks, swept, survivors, hangs, errors, unattributed;
	int leaks_by_step[MAX_STEPS + 1], survivors_by_step[MAX_STEPS + 1];
};

static struct {
	int seconds, parallel;
	unsigned seed;
	const char *bin_dir, *rootfs, *log_dir;
	char base[64]; /* /tmp/boxes-soak-XXXXXX, holding run/ */
	char run_dir[PATH_MAX]; /* BOXES_RUN */
	char marker[64]; /* "BOXES_SOAK=<nonce>-" */
	char step_names[MAX_STEPS + 1][64];
	int next_run;
} soak = {.seconds = 300,
	  .parallel = 8,
	  .bin_dir = "build/bin",
	  .rootfs = "build/rootfs",
	  .log_dir = "build/soak"};

static struct totals totals;
static volatile sig_atomic_t stop_requested;

static long long now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec pause = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&pause, NULL);
}

static int random_below(int limit)
{
	return (int)(random() % (unsigned)limit);
}

static void on_stop(int signal_number)
{
	(void)signal_number;
	stop_requested = 1;
}

/* build/bin/NN-name for NN = 1..8. */
static int find_steps(void)
{
	char pattern[PATH_MAX];
	glob_t found;
	int step;

	for (step = 1; step <= MAX_STEPS; step++) {
		snprintf(pattern, sizeof(pattern), "%s/%02d-*", soak.bin_dir, step);
		if (glob(pattern, 0, NULL, &found) != 0 || found.gl_pathc != 1) {
			fprintf(stderr, "soak: no step %02d binary in %s: run make\n", step,
				soak.bin_dir);
			globfree(&found);
			return -1;
		}
		snprintf(soak.step_names[step], sizeof(soak.step_names[step]), "%s",
			 found.gl_pathv[0]);
		globfree(&found);
	}
	return 0;
}

static char *word(struct run *run, int *used, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *word(struct run *run, int *used, const char *fmt, ...)
{
	char *out = run->words[(*used)++];
	va_list args;

	va_start(args, fmt);
	vsnprintf(out, sizeof(run->words[0]), fmt, args);
	va_end(args);
	return out;
}

/* How long the container's command runs, by the run's fate. A run left
 * to finish: at most 0.3 s. A run to be signalled: 0.5 to 1.5 s, longer
 * than the signal takes to come (and bounded, as PID 1 of a container may
 * ignore a forwarded SIGTERM). A run to be SIGKILLed: 9000 s and more -
 * "sleep 9..." - so a container that outlives its runtime is still there,
 * unmistakably, when the soak looks. */
static void pick_duration(const struct run *run, char *out, size_t len)
{
	if (run->fate == FATE_FINISH)
		snprintf(out, len, "0.%03d", random_below(300));
	else if (run->fate == FATE_SIGKILL)
		snprintf(out, len, "9%03d", random_below(1000));
	else
		snprintf(out, len, "%d.%03d", random_below(2) ? 1 : 0, 500 + random_below(500));
}

/* The runtime's command line: --trace (for its id), the marker, a few
 * random options of its step, ROOTFS and a random command. A sweep run
 * is plain: ROOTFS /bin/true. */
static void make_command_line(struct run *run, bool sweep)
{
	int argc = 0, words = 0, command = random_below(4);
	char **argv = run->argv, duration[16], other[16];

	argv[argc++] = soak.step_names[run->step];
	argv[argc++] = "--trace";
	argv[argc++] = "-e";
	argv[argc++] = word(run, &words, "%s%d", soak.marker, run->number);
	if (sweep) {
		argv[argc++] = (char *)soak.rootfs;
		argv[argc++] = "/bin/true";
		argv[argc] = NULL;
		return;
	}
	if (run->step >= 2 && random_below(4) == 0)
		argv[argc++] = "--init";
	if (run->step >= 3 && random_below(4) == 0) {
		argv[argc++] = "--memory=64M";
		argv[argc++] = "--pids-limit=64";
	}
	if (run->step >= 6 && random_below(4) == 0)
		argv[argc++] = "--net=none";
	argv[argc++] = (char *)soak.rootfs;
	pick_duration(run, duration, sizeof(duration));
	pick_duration(run, other, sizeof(other));
	if (command == 0 && run->fate != FATE_FINISH)
		command = 1; /* true would be over before the signal comes */
	if (command == 2 && run->step < 2)
		command = 1;
	if (command == 3 && run->step < 4)
		command = 1;
	switch (command) {
	case 0:
		argv[argc++] = "/bin/true";
		break;
	case 1:
		argv[argc++] = "/bin/sleep";
		argv[argc++] = word(run, &words, "%s", duration);
		break;
	case 2: /* a child of PID 1 too */
		argv[argc++] = "/bin/sh";
		argv[argc++] = "-c";
		argv[argc++] = word(run, &words, "sleep %s & sleep %s; wait", duration, other);
		break;
	default: /* a write to the container's root: its overlay's upper dir */
		argv[argc++] = "/bin/sh";
		argv[argc++] = "-c";
		argv[argc++] = word(run, &words, "echo soak > /soak-write && sleep %s", duration);
		break;
	}
	argv[argc] = NULL;
}

static void plan_run(struct run *run, int step, enum fate fate, long long start_at, bool sweep)
{
	memset(run, 0, sizeof(*run));
	run->number = soak.next_run++;
	run->step = step;
	run->fate = fate;
	run->start_at = start_at;
	run->signal_at = start_at + random_below(301);
	snprintf(run->log, sizeof(run->log), "%.4000s/%d.log", soak.log_dir, run->number);
	make_command_line(run, sweep);
}

static void start_run(struct run *run)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("soak: fork");
		run->reaped = true;
		run->status = -1;
		return;
	}
	if (pid == 0) {
		int out = open(run->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* its own process group: a Ctrl-C at the terminal stops the
		 * soak (which then cleans up), not every runtime at once */
		setpgid(0, 0);
		if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(125);
		execv(run->argv[0], run->argv);
		_exit(127);
	}
	run->pid = pid;
	totals.starts++;
}

static struct run *run_of_pid(struct run *runs, int count, pid_t pid)
{
	int i;

	for (i = 0; i < count; i++)
		if (runs[i].pid == pid)
			return &runs[i];
	return NULL;
}

static void reap_finished(struct run *runs, int count)
{
	struct run *run;
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
		run = run_of_pid(runs, count, pid);
		if (!run)
			continue;
		run->reaped = true;
		run->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	}
}

static void send_planned_signal(struct run *run)
{
	static const int signals[] = {0, SIGINT, SIGTERM, SIGKILL};

	run->signal_sent = true;
	kill(run->pid, signals[run->fate]);
	if (run->fate == FATE_SIGKILL)
		totals.kills++;
	else if (run->fate == FATE_SIGINT)
		totals.sigints++;
	else
		totals.sigterms++;
}

/* Start each run at its moment, signal it at its moment, reap them all. */
static void play(struct run *runs, int count)
{
	long long begin = now_ms(), now;
	int i, left = count;

	while (left > 0) {
		now = now_ms() - begin;
		for (i = 0; i < count; i++) {
			struct run *run = &runs[i];

			if (!run->pid && !run->reaped && now >= run->start_at)
				start_run(run);
			if (!run->pid || run->reaped)
				continue;
			if (run->fate != FATE_FINISH && !run->signal_sent && now >= run->signal_at)
				send_planned_signal(run);
			if (!run->hung && now - run->start_at > HANG_MS) {
				run->hung = true;
				kill(run->pid, SIGKILL);
			}
		}
		reap_finished(runs, count);
		for (left = 0, i = 0; i < count; i++)
			left += !runs[i].reaped;
		if (left > 0)
			sleep_ms(1);
	}
}

/* Its id: the first mkdir("...boxes/<id>") or mkdir("BOXES_RUN/<id>") of
 * its trace. The sweep at start may trace other, dead ids first, but it
 * never makes anything. 01 and 02 make nothing on the host: no id. */
static void read_id(struct run *run)
{
	FILE *file = fopen(run->log, "re");
	char line[4096];

	if (!file)
		return;
	while (!run->id[0] && fgets(line, sizeof(line), file)) {
		const char *at = strstr(line, "mkdir(\"");
		const char *slash;

		if (!at)
			continue;
		for (slash = strchr(at, '/'); slash; slash = strchr(slash + 1, '/'))
			if (looks_like_id(slash + 1) &&
			    (slash[1 + ID_LEN] == '"' || slash[1 + ID_LEN] == '/')) {
				snprintf(run->id, sizeof(run->id), "%.*s", ID_LEN, slash + 1);
				break;
			}
	}
	fclose(file);
}

static void print_log_tail(const struct run *run)
{
	char command[PATH_MAX + 64];

	snprintf(command, sizeof(command),
		 "grep -v '\\[trace\\]' '%s' | tail -n 3 | sed 's/^/    /'", run->log);
	if (system(command) < 0)
		perror("soak: system");
}

static const char *step_label(const struct run *run)
{
	static char label[160];

	if (run->step == 0) {
		snprintf(label, sizeof(label), "a run whose trace never named its id %s", run->id);
		return label;
	}
	snprintf(label, sizeof(label), "run %d (%s, %s, id %s)", run->number,
		 strrchr(soak.step_names[run->step], '/') + 1, fate_names[run->fate],
		 run->id[0] ? run->id : "-");
	return label;
}

/* A run that should have ended 0 did not: say how, with its last words. */
static void check_status(const struct run *run)
{
	if (run->hung) {
		totals.hangs++;
		printf("soak: hang: %s still ran %d s after its start: SIGKILLed\n",
		       step_label(run), HANG_MS / 1000);
		print_log_tail(run);
		return;
	}
	if (run->fate == FATE_FINISH && run->status != 0) {
		totals.errors++;
		printf("soak: error: %s exited %d\n", step_label(run), run->status);
		print_log_tail(run);
	}
}

static struct run *run_of_number(struct run *runs, int count, int number)
{
	int i;

	for (i = 0; i < count; i++)
		if (runs[i].number == number)
			return &runs[i];
	return NULL;
}

static void print_process(pid_t pid)
{
	char path[64], cmdline[256] = "";
	ssize_t got, i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, cmdline, sizeof(cmdline) - 1);
		for (i = 0; i < got - 1; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
		if (got > 0)
			cmdline[got] = '\0';
		close(fd);
	}
	printf("pid %d, %s", (int)pid, cmdline[0] ? cmdline : "(exiting)");
}

/* Container processes of our finished runs that are still there after
 * the grace period: count, report and SIGKILL them. Every run is over
 * when this is called, so every marked process is one too many. */
static void check_survivors(struct run *runs, int count)
{
	static pid_t pids[MAX_MARKED];
	static int numbers[MAX_MARKED];
	long long deadline = now_ms() + GRACE_MS;
	int found, i;

	do {
		found = find_marked(soak.marker, pids, numbers, MAX_MARKED);
		if (found > 0)
			sleep_ms(20);
	} while (found > 0 && now_ms() < deadline);
	for (i = 0; i < found; i++) {
		struct run *run = run_of_number(runs, count, numbers[i]);
		bool counted = false;
		int j;

		/* one container, however many of its processes are left */
		for (j = 0; j < i; j++)
			counted |= numbers[j] == numbers[i];
		if (!counted) {
			totals.survivors++;
			if (run)
				totals.survivors_by_step[run->step]++;
		}
		printf("soak: survivor: ");
		print_process(pids[i]);
		printf(" of %s, %d ms after its runtime ended: SIGKILLed\n",
		       run ? step_label(run) : "an earlier round", GRACE_MS);
		kill(pids[i], SIGKILL);
	}
}

static void count_leaks(const struct run *run, int count)
{
	totals.leaks += count;
	if (run)
		totals.leaks_by_step[run->step] += count;
}

/* Before the sweep: a run that was not SIGKILLed must have removed all
 * it made. Returns the debris of each run in before[]. */
static void check_own_clean_up(struct run *runs, int count, int *before)
{
	struct debris found;
	char label[256];
	int i;

	for (i = 0; i < count; i++) {
		struct run *run = &runs[i];
		bool killed = run->fate == FATE_SIGKILL && run->signal_sent;

		before[i] = 0;
		if (!run->id[0])
			continue;
		snprintf(label, sizeof(label), "soak: leak: %s left ", step_label(run));
		debris_find(soak.run_dir, run->id, &found, killed ? NULL : stdout, label);
		before[i] = debris_total(&found);
		if (!killed)
			count_leaks(run, before[i]);
	}
}

/* After the sweep: nothing of any run is left. What a SIGKILLed run had
 * left before and is gone now was swept; what is left is a leak, removed
 * here. (What another run left was counted before the sweep; the sweep
 * run's own is counted here.) */
static void check_after_sweep(struct run *runs, int count, const int *before)
{
	struct debris found;
	char label[256];
	int i, after;

	for (i = 0; i < count; i++) {
		struct run *run = &runs[i];
		bool killed = run->fate == FATE_SIGKILL && run->signal_sent;

		if (!run->id[0])
			continue;
		snprintf(label, sizeof(label), "soak: leak: %s left, after the sweep, ",
			 step_label(run));
		debris_find(soak.run_dir, run->id, &found, NULL, label);
		after = debris_total(&found);
		if (killed || after > before[i])
			debris_find(soak.run_dir, run->id, &found, stdout, label);
		if (killed) {
			count_leaks(run, after);
			totals.swept += before[i] > after ? before[i] - after : 0;
		} else if (after > before[i]) {
			count_leaks(run, after - before[i]);
		}
		if (after > 0 && debris_remove(soak.run_dir, run->id) > 0)
			printf("soak: could not remove all that %s left\n", step_label(run));
	}
}

/* State dirs whose id no trace told us (a runtime SIGKILLed between a
 * mkdir and its trace line): ours, since BOXES_RUN is. Each becomes one
 * more run to check, as a SIGKILLed one: the sweep must remove it. */
static void adopt_unknown_state_dirs(struct run *runs, int *count, int max)
{
	char ids[64][ID_LEN + 1];
	int found = state_dir_ids(soak.run_dir, ids, 64), i, j;
	bool known;

	for (i = 0; i < found && *count < max; i++) {
		for (known = false, j = 0; j < *count && !known; j++)
			known = strcmp(runs[j].id, ids[i]) == 0;
		if (known)
			continue;
		memset(&runs[*count], 0, sizeof(runs[0]));
		runs[*count].number = -1;
		runs[*count].fate = FATE_SIGKILL;
		runs[*count].signal_sent = true;
		runs[*count].reaped = true;
		snprintf(runs[*count].id, sizeof(runs[0].id), "%.12s", ids[i]);
		(*count)++;
	}
}

/* Every boxes cgroup and bx* link on the host, one a line: what the soak
 * compares at its end with what was there at its start. */
static char *host_objects(void)
{
	static const char *const patterns[] = {"/sys/fs/cgroup/*/boxes/*/",
					       "/sys/fs/cgroup/boxes/*/", "/sys/class/net/bx*"};
	size_t size = 2, length = 1, i, p;
	char *list = malloc(size);
	glob_t found;

	if (!list)
		abort();
	strcpy(list, "\n");
	for (p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
		if (glob(patterns[p], 0, NULL, &found) != 0)
			continue;
		for (i = 0; i < found.gl_pathc; i++) {
			size += strlen(found.gl_pathv[i]) + 1;
			list = realloc(list, size);
			if (!list)
				abort();
			length += (size_t)sprintf(list + length, "%s\n", found.gl_pathv[i]);
		}
		globfree(&found);
	}
	return list;
}

/* The runs that may have made something the soak cannot name: SIGKILLed
 * after step 03's statfs and before a mkdir was traced (a kill that comes
 * while mkdir of a memory cgroup waits for the kernel's cgroup lock lands
 * right after it returns). " 12 40", or "" if none. */
static void untraced_runs(const struct run *runs, int count, char *out, size_t len)
{
	size_t used = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < count && used < len; i++)
		if (runs[i].step >= 3 && !runs[i].id[0] && runs[i].fate == FATE_SIGKILL &&
		    runs[i].signal_sent)
			used += (size_t)snprintf(out + used, len - used, " %d", runs[i].number);
}

/* A cgroup or link that appeared during the round, is still there after
 * it, and is not named for any id the soak knows - its own were removed
 * by now: a run of ours killed before its trace named its id, or a run of
 * someone else on this machine. Not provably ours: reported, counted
 * apart from the leaks, left alone. */
static void check_unknown_objects(const char *before, const struct run *runs, int count)
{
	char *after = host_objects(), *line, *end, needle[PATH_MAX + 2], candidates[256];

	untraced_runs(runs, count, candidates, sizeof(candidates));
	for (line = after + 1; (end = strchr(line, '\n')) != NULL; line = end + 1) {
		snprintf(needle, sizeof(needle), "\n%.*s\n", (int)(end - line), line);
		if (strstr(before, needle))
			continue;
		printf("soak: unattributed: %.*s appeared in round %d and is named for no run "
		       "the soak knows (%s%s): left alone\n",
		       (int)(end - line), line, totals.rounds + 1,
		       candidates[0] ? "probably one of runs" : "another user's run?", candidates);
		totals.unattributed++;
	}
	free(after);
}

static int pick_fate(void)
{
	int dice = random_below(100);

	return dice < 40   ? FATE_FINISH
	       : dice < 55 ? FATE_SIGINT
	       : dice < 70 ? FATE_SIGTERM
			   : FATE_SIGKILL;
}

static void soak_round(void)
{
	static struct run runs[MAX_PARALLEL + 1 + 64];
	static int before[MAX_PARALLEL + 1 + 64];
	int count = soak.parallel, i, max = (int)(sizeof(runs) / sizeof(runs[0]));
	char *objects_before = host_objects();
	bool any_killed = false;

	for (i = 0; i < count; i++)
		plan_run(&runs[i], 1 + random_below(MAX_STEPS), pick_fate(), random_below(101),
			 false);
	play(runs, count);
	for (i = 0; i < count; i++) {
		read_id(&runs[i]);
		check_status(&runs[i]);
		any_killed |= runs[i].fate == FATE_SIGKILL && runs[i].signal_sent;
	}
	check_survivors(runs, count);
	adopt_unknown_state_dirs(runs, &count, max - 1);
	check_own_clean_up(runs, count, before);
	if (any_killed) {
		/* the sweep runs at every start: start one more, and let it end */
		plan_run(&runs[count], MAX_STEPS, FATE_FINISH, 0, true);
		play(&runs[count], 1);
		read_id(&runs[count]);
		check_status(&runs[count]);
		totals.sweeps++;
		before[count] = 0;
		count++;
		check_survivors(runs, count);
	}
	adopt_unknown_state_dirs(runs, &count, max);
	check_after_sweep(runs, count, before);
	check_unknown_objects(objects_before, runs, count);
	free(objects_before);
	totals.rounds++;
}

static void make_dirs(void)
{
	unsigned char nonce[4];
	snprintf(soak.base, sizeof(soak.base), "/tmp/boxes-soak-XXXXXX");
	if (!mkdtemp(soak.base)) {
		perror("soak: mkdtemp /tmp/boxes-soak-XXXXXX");
		exit(1);
	}
	snprintf(soak.run_dir, sizeof(soak.run_dir), "%s/run", soak.base);
	if (mkdir(soak.run_dir, 0700) < 0) {
		perror("soak: mkdir");
		exit(1);
	}
	/* the logs of the last soak go: N.log names a run of this one */
	remove_tree(soak.log_dir);
	if (mkdir(soak.log_dir, 0755) < 0) {
		fprintf(stderr, "soak: mkdir %s: %s\n", soak.log_dir, strerror(errno));
		exit(1);
	}
	/* 07 and 08: the container's root is another uid on the host, and
	 * must pass through every directory above its layers */
	if (chmod(soak.base, 0711) < 0) {
		perror("soak: chmod");
		exit(1);
	}
	setenv("BOXES_RUN", soak.run_dir, 1);
	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		memset(nonce, 0, sizeof(nonce));
	snprintf(soak.marker, sizeof(soak.marker), "BOXES_SOAK=%02x%02x%02x%02x-", nonce[0],
		 nonce[1], nonce[2], nonce[3]);
}

static void parse_arguments(int argc, char **argv)
{
	static const struct option options[] = {
	    {"seconds", required_argument, NULL, 's'},
	    {"parallel", required_argument, NULL, 'p'},
	    {"seed", required_argument, NULL, 'r'},
	    {"bin", required_argument, NULL, 'b'},
	    {"rootfs", required_argument, NULL, 'f'},
	    {"logs", required_argument, NULL, 'l'},
	    {0},
	};
	int key;

	soak.seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	while ((key = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (key == 's')
			soak.seconds = atoi(optarg);
		else if (key == 'p')
			soak.parallel = atoi(optarg);
		else if (key == 'r')
			soak.seed = (unsigned)strtoul(optarg, NULL, 10);
		else if (key == 'b')
			soak.bin_dir = optarg;
		else if (key == 'f')
			soak.rootfs = optarg;
		else if (key == 'l')
			soak.log_dir = optarg;
		else
			exit(2);
	}
	if (soak.seconds < 1 || soak.parallel < 1 || soak.parallel > MAX_PARALLEL) {
		fprintf(stderr, "soak: --seconds must be 1 or more, --parallel 1 to %d\n",
			MAX_PARALLEL);
		exit(2);
	}
}

/* " (07: 3, 08: 5)" for the steps with a count, "" if none. */
static void print_by_step(const int *by_step)
{
	const char *separator = " (";
	int step;

	for (step = 1; step <= MAX_STEPS; step++) {
		if (!by_step[step])
			continue;
		printf("%s%02d: %d", separator, step, by_step[step]);
		separator = ", ";
	}
	if (separator[0] == ',')
		printf(")");
}

static void print_totals(long long elapsed_ms)
{
	printf("\nsoak: %d rounds in %lld s (seed %u, %d at once)\n", totals.rounds,
	       elapsed_ms / 1000, soak.seed, soak.parallel);
	printf("  starts     %d (%d of them sweep runs)\n", totals.starts, totals.sweeps);
	printf("  kills      %d (SIGKILL of a runtime)\n", totals.kills);
	printf("  signals    %d (SIGINT %d, SIGTERM %d)\n", totals.sigints + totals.sigterms,
	       totals.sigints, totals.sigterms);
	printf("  leaks      %d", totals.leaks);
	print_by_step(totals.leaks_by_step);
	printf("\n  swept      %d (left by a SIGKILLed run, removed by the next start)\n",
	       totals.swept);
	printf("  survivors  %d containers", totals.survivors);
	print_by_step(totals.survivors_by_step);
	printf("\n  hangs      %d, failed runs %d\n", totals.hangs, totals.errors);
	if (totals.unattributed)
		printf("  unattributed %d (a cgroup or link named for no run it knows: see "
		       "above)\n",
		       totals.unattributed);
}

int main(int argc, char **argv)
{
	long long begin, deadline;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_arguments(argc, argv);
	if (geteuid() != 0) {
		fprintf(stderr, "soak: must run as root: it starts containers (sudo make soak)\n");
		return 1;
	}
	if (find_steps() < 0)
		return 1;
	srandom(soak.seed);
	make_dirs();
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	printf("soak: %d s, %d runs at once, BOXES_RUN=%s, marker %s<N>, seed %u\n", soak.seconds,
	       soak.parallel, soak.run_dir, soak.marker, soak.seed);
	begin = now_ms();
	deadline = begin + (long long)soak.seconds * 1000;
	while (now_ms() < deadline && !stop_requested) {
		soak_round();
		if (totals.rounds % 10 == 0)
			printf("soak: %d rounds, %d starts, %d leaks, %d survivors\n",
			       totals.rounds, totals.starts, totals.leaks, totals.survivors);
	}
	if (unmount_below(soak.base) > 0) {
		printf("soak: leak: mounts were left below %s (not below any run's state "
		       "dir): detached\n",
		       soak.base);
		count_leaks(NULL, 1);
	}
	print_totals(now_ms() - begin);
	printf("  logs       %s/N.log, one per run\n", soak.log_dir);
	if (remove_tree(soak.base) < 0 || access(soak.base, F_OK) == 0)
		printf("soak: could not remove %s\n", soak.base);
	return totals.leaks || totals.survivors || totals.hangs || totals.errors ||
		       totals.unattributed
		   ? 1
		   : 0;
}
