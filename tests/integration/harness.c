/* harness.c - run step binaries for the integration tests. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <glob.h>
#include <net/if.h>
#include <sched.h>
#include <sys/prctl.h>

#include "harness.h"

static char run_dir_path[256];
static char host_name_before[256];
static char host_objects_before[16384];

/* This suite's containers: their ids start with a prefix of its own
 * (BOXES_ID_PREFIX, set by harness_setup), so that another suite running
 * on the same machine at the same time is not blamed on this one. */
static char id_prefix[8];

/* What a boxes run makes on the host that outlives its processes: cgroup
 * directories, veth host ends and (step 10) project bridges, bxp<id>. One
 * path a line, to compare. */
void list_host_objects(char *out, size_t len)
{
	char patterns[4][96];
	glob_t found;
	size_t i, used = 0;
	int flags = 0;

	snprintf(patterns[0], sizeof(patterns[0]), "/sys/fs/cgroup/*/boxes/%s*/", id_prefix);
	snprintf(patterns[1], sizeof(patterns[1]), "/sys/fs/cgroup/boxes/%s*/", id_prefix);
	snprintf(patterns[2], sizeof(patterns[2]), "/sys/class/net/bx%s*", id_prefix);
	snprintf(patterns[3], sizeof(patterns[3]), "/sys/class/net/bxp%s*", id_prefix);
	out[0] = '\0';
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		glob(patterns[i], flags, NULL, &found);
		flags = GLOB_APPEND;
	}
	for (i = 0; i < found.gl_pathc && used + strlen(found.gl_pathv[i]) + 2 < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s\n", found.gl_pathv[i]);
	globfree(&found);
}

/* Four random hex digits for this suite's ids. */
static void choose_id_prefix(void)
{
	unsigned int value = 0;
	FILE *urandom = fopen("/dev/urandom", "re");

	if (urandom) {
		if (fread(&value, sizeof(value), 1, urandom) != 1)
			value = (unsigned int)getpid();
		fclose(urandom);
	}
	snprintf(id_prefix, sizeof(id_prefix), "%04x", value & 0xffff);
	setenv("BOXES_ID_PREFIX", id_prefix, 1);
}

bool link_gone_soon(const char *name)
{
	int waited_ms;

	for (waited_ms = 0; waited_ms < LINK_GONE_WAIT_MS; waited_ms += 5) {
		if (if_nametoindex(name) == 0)
			return true;
		usleep(5000);
	}
	return if_nametoindex(name) == 0;
}

/* Report (and for empty cgroups, remove) what appeared since setup. A bx
 * link of a run that has ended may still be on its way out: see
 * link_gone_soon. */
static int check_host_objects(void)
{
	char after[16384], *line, *saveptr = NULL;
	int leftovers = 0;

	list_host_objects(after, sizeof(after));
	for (line = strtok_r(after, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
		char needle[4200];

		snprintf(needle, sizeof(needle), "%s\n", line);
		if (strstr(host_objects_before, needle))
			continue;
		if (strncmp(line, "/sys/class/net/", 15) == 0 && link_gone_soon(line + 15))
			continue;
		fprintf(stderr, "harness: left on the host: %s\n", line);
		if (strncmp(line, "/sys/fs/cgroup/", 15) == 0)
			rmdir(line);
		leftovers++;
	}
	return leftovers;
}

const char *bin_path(const char *step_name)
{
	static char path[4][512];
	static int next;
	const char *build = getenv("BUILD");
	char *out = path[next++ % 4];

	snprintf(out, 512, "%s/bin/%s", build && *build ? build : "build", step_name);
	return out;
}

const char *rootfs_path(void)
{
	static char path[512];
	const char *build = getenv("BUILD");

	snprintf(path, sizeof(path), "%s/rootfs", build && *build ? build : "build");
	return path;
}

const char *run_dir(void)
{
	return run_dir_path;
}

int read_file(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got, total = 0;

	if (fd < 0)
		return -1;
	while (total < (ssize_t)len - 1 &&
	       (got = read(fd, out + total, len - 1 - (size_t)total)) > 0)
		total += got;
	close(fd);
	out[total] = '\0';
	return 0;
}

static long long now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

/* A runtime that ran out of time is stopped as a user would: SIGTERM,
 * which it forwards, then a second one, which it turns into SIGKILL for the
 * container; either way it then removes its cgroup, veth and state dir.
 * Only a runtime that still hangs gets SIGKILL (and may leave things behind,
 * which harness_teardown then reports). Returns the wait status. */
static int stop_runtime(pid_t pid)
{
	int wstatus = 0, round;

	for (round = 0; round < 2; round++) {
		int waited;

		kill(pid, SIGTERM);
		for (waited = 0; waited < 100; waited++) { /* 2 s */
			if (waitpid(pid, &wstatus, WNOHANG) == pid)
				return wstatus;
			usleep(20000);
		}
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &wstatus, 0);
	return wstatus;
}

static int status_to_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

/* A student's skeleton (make lab): a stub that ran said "boxes: not
 * written yet: PIECE ..." on the step's stderr. Say it again on ours, so
 * the grader finds it next to the test that failed, whatever the test
 * printed of the step's own output. */
static void pass_on_lab_stubs(const char *err)
{
	const char *line = err;

	while (err && (line = strstr(line, "not written yet: ")) != NULL) {
		const char *end = strchr(line, '\n');
		int length = end ? (int)(end - line) : (int)strlen(line);

		fprintf(stderr, "harness: the step said: %.*s\n", length, line);
		line += length;
	}
}

/* The children we start: SIGTERM when the test process dies (the grader
 * stops a test that ran over its time), so a runtime still cleans up. */
static void start_in_own_group(void)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

int run_argv(struct run_result *result, int timeout_s, char *const argv[])
{
	int out_pipe[2], err_pipe[2], wstatus = 0;
	size_t out_len = 0, err_len = 0;
	long long deadline = now_ms() + timeout_s * 1000LL;
	pid_t pid;

	memset(result, 0, sizeof(*result));
	result->status = -1;
	if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDONLY);

		start_in_own_group();
		dup2(null_fd, 0);
		dup2(out_pipe[1], 1);
		dup2(err_pipe[1], 2);
		execv(argv[0], argv);
		fprintf(stderr, "harness: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
	int open_fds = 2;
	bool stopped = false;

	while (open_fds > 0) {
		long long left = deadline - now_ms();
		int i;

		if (left <= 0) {
			result->timed_out = true;
			wstatus = stop_runtime(pid);
			stopped = true;
			break;
		}
		if (poll(fds, 2, (int)left) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			char *buffer = i == 0 ? result->out : result->err;
			size_t *len = i == 0 ? &out_len : &err_len;
			ssize_t got;

			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
				continue;
			got = read(fds[i].fd, buffer + *len, OUTPUT_MAX - 1 - *len);
			if (got <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			} else {
				*len += (size_t)got;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	if (!stopped)
		waitpid(pid, &wstatus, 0);
	result->status = status_to_code(wstatus);
	pass_on_lab_stubs(result->err);
	return result->status;
}

/* Collect "step, args..., NULL" into argv, replacing ROOTFS. */
static void collect_argv(char **argv, int max, const char *step_name, va_list args)
{
	const char *arg;
	int count = 0;

	argv[count++] = (char *)bin_path(step_name);
	while ((arg = va_arg(args, const char *)) && count < max - 1)
		argv[count++] = (char *)(strcmp(arg, ROOTFS) == 0 ? rootfs_path() : arg);
	argv[count] = NULL;
}

int run_box(struct run_result *result, int timeout_s, const char *step_name, ...)
{
	char *argv[64];
	va_list args;

	va_start(args, step_name);
	collect_argv(argv, 64, step_name, args);
	va_end(args);
	return run_argv(result, timeout_s, argv);
}

/* What spawn_box's runs write their stderr to, for wait_box to look at. */
static struct {
	pid_t pid;
	char err_file[512];
} spawned[16];

static void remember_err_file(pid_t pid, const char *err_file)
{
	static unsigned int next;

	spawned[next % 16].pid = pid;
	snprintf(spawned[next % 16].err_file, sizeof(spawned[0].err_file), "%s", err_file);
	next++;
}

static void pass_on_lab_stubs_of(pid_t pid)
{
	static char err[OUTPUT_MAX];
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (spawned[i].pid == pid && read_file(spawned[i].err_file, err, sizeof(err)) == 0)
			pass_on_lab_stubs(err);
}

/* After each test (tests/select.c calls it): the stubs that the boxes it
 * spawned ran, whatever the test read of their stderr. */
void boxes_after_test(void)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (spawned[i].pid > 0) {
			pass_on_lab_stubs_of(spawned[i].pid);
			spawned[i].pid = 0;
		}
}

pid_t spawn_box(const char *out_file, const char *err_file, const char *step_name, ...)
{
	char *argv[64];
	va_list args;
	pid_t pid;

	va_start(args, step_name);
	collect_argv(argv, 64, step_name, args);
	va_end(args);
	pid = fork();
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDONLY);
		int out_fd = open(out_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err_fd = open(err_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		start_in_own_group();
		dup2(null_fd, 0);
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	remember_err_file(pid, err_file);
	return pid;
}

int wait_box(pid_t pid, int timeout_s)
{
	long long deadline = now_ms() + timeout_s * 1000LL;
	int wstatus;

	while (now_ms() < deadline) {
		pid_t got = waitpid(pid, &wstatus, WNOHANG);

		if (got == pid) {
			pass_on_lab_stubs_of(pid);
			return status_to_code(wstatus);
		}
		usleep(20000);
	}
	stop_runtime(pid);
	return -1;
}

pid_t start_sentinel(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl("/bin/sleep", "boxes-host-sentinel", "300", (char *)NULL);
		_exit(127);
	}
	usleep(50000); /* let it exec, so its cmdline is the sentinel's */
	return pid;
}

void stop_sentinel(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

int host_mounts_matching(const char *text)
{
	char line[4096];
	int count = 0;
	FILE *mountinfo = fopen("/proc/self/mountinfo", "r");

	if (!mountinfo)
		return -1;
	while (fgets(line, sizeof(line), mountinfo))
		if (strstr(line, text))
			count++;
	fclose(mountinfo);
	return count;
}

int run_dir_entries(void)
{
	DIR *dir = opendir(run_dir_path);
	struct dirent *entry;
	int count = 0;

	if (!dir)
		return -1;
	while ((entry = readdir(dir)))
		if (entry->d_name[0] != '.' && strcmp(entry->d_name, "net") != 0)
			count++;
	closedir(dir);
	return count;
}

int mount_scratch(const char *type, const char *options, char *dir, size_t len)
{
	static int made;

	snprintf(dir, len, "%s/scratch-%s-%d", run_dir_path, type, made++);
	if (mkdir(dir, 0755) < 0)
		return -1;
	if (mount(type, dir, type, MS_NOSUID | MS_NODEV, options) < 0) {
		rmdir(dir);
		return -1;
	}
	return 0;
}

void unmount_scratch(const char *dir)
{
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

static int remove_dir_tree(const char *path)
{
	char command[512];

	/* only ever our own mkdtemp directory */
	if (strncmp(path, "/tmp/boxes-test-", 16) != 0)
		return -1;
	snprintf(command, sizeof(command), "rm -rf --one-file-system '%s'", path);
	return system(command);
}

int harness_setup(void **state)
{
	struct stat st;
	char marker[600];

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "integration tests must run as root (sudo make test)\n");
		return -1;
	}
	snprintf(marker, sizeof(marker), "%s/bin/busybox", rootfs_path());
	if (stat(marker, &st) < 0) {
		fprintf(stderr, "no rootfs at %s: run make rootfs\n", rootfs_path());
		return -1;
	}
	gethostname(host_name_before, sizeof(host_name_before));
	choose_id_prefix();
	list_host_objects(host_objects_before, sizeof(host_objects_before));
	strcpy(run_dir_path, "/tmp/boxes-test-XXXXXX");
	if (!mkdtemp(run_dir_path))
		return -1;
	setenv("BOXES_RUN", run_dir_path, 1);
	return 0;
}

/* The host is sacred: after a group of tests, its name is the same, no
 * mount of the rootfs or of our BOXES_RUN is left, and no cgroup or veth
 * that was not there before. */
int harness_teardown(void **state)
{
	char name[256] = "";
	int ok = 1;

	(void)state;
	gethostname(name, sizeof(name));
	if (strcmp(name, host_name_before) != 0) {
		fprintf(stderr, "harness: the host's name changed: '%s', was '%s'\n", name,
			host_name_before);
		sethostname(host_name_before, strlen(host_name_before));
		ok = 0;
	}
	if (host_mounts_matching(rootfs_path()) != 0 || host_mounts_matching(run_dir_path) != 0) {
		fprintf(stderr, "harness: a mount of %s or %s is left on the host\n", rootfs_path(),
			run_dir_path);
		ok = 0;
	}
	if (check_host_objects() > 0)
		ok = 0;
	return remove_dir_tree(run_dir_path) == 0 && ok ? 0 : -1;
}

bool harness_check(const char *haystack, const char *text, const struct run_result *show)
{
	bool found = strstr(haystack, text) != NULL;

	if (!found && show)
		fprintf(
		    stderr,
		    "harness: expected \"%s\"\n--- exit %d%s\n--- stdout:\n%s\n--- stderr:\n%s\n",
		    text, show->status, show->timed_out ? " (timed out)" : "", show->out,
		    show->err);
	return found;
}

bool harness_check_status(const struct run_result *r, int code)
{
	if (r->status == code)
		return true;
	fprintf(stderr, "harness: expected exit %d, got %d%s\n--- stdout:\n%s\n--- stderr:\n%s\n",
		code, r->status, r->timed_out ? " (timed out)" : "", r->out, r->err);
	return false;
}

/* Run the hostname escape in a UTS namespace of our own that plays "the
 * host": did its name change? The real host's name is never touched. */
int hostname_escape_renames_outside(const char *step_name)
{
	pid_t pid = fork();
	int wstatus;

	if (pid == 0) {
		struct run_result r;
		char name[64] = "";

		if (unshare(CLONE_NEWUTS) < 0 || sethostname("boxes-test-host", 15) < 0)
			_exit(2);
		run_box(&r, 10, step_name, ROOTFS, "/escapes/hostname", "escaped-box", NULL);
		gethostname(name, sizeof(name));
		_exit(strcmp(name, "escaped-box") == 0 ? 0 : 1);
	}
	waitpid(pid, &wstatus, 0);
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

void check_escape(const char *step_name, const char *escape, int code, const char *text)
{
	struct run_result r;
	char path[128];

	snprintf(path, sizeof(path), "/escapes/%s", escape);
	run_box(&r, 10, step_name, ROOTFS, path, NULL);
	assert_exit(&r, code);
	assert_output(&r, text);
}

/* ---- a runtime held in its set-up ---- */

/* Fill a pipe until a write of one more byte would block; 0 or -1. */
static int fill_pipe(int write_end, size_t *filled)
{
	char chunk[4096];
	ssize_t wrote;

	memset(chunk, '.', sizeof(chunk));
	*filled = 0;
	fcntl(write_end, F_SETFL, O_NONBLOCK);
	while ((wrote = write(write_end, chunk, sizeof(chunk))) > 0)
		*filled += (size_t)wrote;
	while ((wrote = write(write_end, chunk, 1)) > 0)
		*filled += (size_t)wrote;
	fcntl(write_end, F_SETFL, 0); /* the runtime's writes block */
	return errno == EAGAIN ? 0 : -1;
}

/* Is pid asleep in write(2) on its fd 2? ("1 0x2 ..." in /proc/PID/syscall) */
static bool writing_stderr(pid_t pid)
{
	char path[64], text[256] = "";

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	return read_file(path, text, sizeof(text)) == 0 && strncmp(text, "1 0x2 ", 6) == 0;
}

int spawn_held_box(struct held_box *held, const char *step_name, ...)
{
	char *argv[64];
	int err_pipe[2], waited;
	va_list args;

	va_start(args, step_name);
	collect_argv(argv, 64, step_name, args);
	va_end(args);
	held->pid = -1;
	if (pipe2(err_pipe, O_CLOEXEC) < 0 || fill_pipe(err_pipe[1], &held->filler) < 0)
		return -1;
	held->err_pipe = err_pipe[0];
	held->pid = fork();
	if (held->pid == 0) {
		int null_fd = open("/dev/null", O_RDWR);

		start_in_own_group();
		dup2(null_fd, 0);
		dup2(null_fd, 1);
		dup2(err_pipe[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(err_pipe[1]);
	for (waited = 0; waited < 250 && !writing_stderr(held->pid); waited++) /* 5 s */
		usleep(20000);
	if (waited < 250)
		return 0;
	fprintf(stderr, "harness: %s never wrote to its stderr (no --trace?)\n", argv[0]);
	finish_held_box(held, 10, NULL, 0);
	return -1;
}

int finish_held_box(struct held_box *held, int timeout_s, char *err, size_t len)
{
	long long deadline = now_ms() + timeout_s * 1000LL;
	char buffer[4096];
	size_t skip = held->filler, used = 0;
	int wstatus = 0, code = -1;
	ssize_t got;

	bool exited = false;

	fcntl(held->err_pipe, F_SETFL, O_NONBLOCK);
	while (code < 0 && now_ms() < deadline) {
		exited = waitpid(held->pid, &wstatus, WNOHANG) == held->pid;
		while ((got = read(held->err_pipe, buffer, sizeof(buffer))) > 0) {
			size_t from = skip < (size_t)got ? skip : (size_t)got;

			skip -= from;
			for (; from < (size_t)got && err && used + 1 < len; from++)
				err[used++] = buffer[from];
		}
		if (exited) /* and all it wrote is read */
			code = status_to_code(wstatus);
		else
			usleep(10000);
	}
	if (code < 0) /* never ended: stop it as a timed-out run is */
		stop_runtime(held->pid);
	if (err)
		err[used] = '\0';
	pass_on_lab_stubs(err);
	close(held->err_pipe);
	return code;
}

int sigterm_during_set_up(const char *step_name, const char *option, char *err, size_t len)
{
	struct held_box held;

	if (option ? spawn_held_box(&held, step_name, "--trace", option, ROOTFS, "/bin/sleep", "30",
				    NULL)
		   : spawn_held_box(&held, step_name, "--trace", ROOTFS, "/bin/sleep", "30", NULL))
		return -1;
	kill(held.pid, SIGTERM);
	return finish_held_box(&held, 20, err, len);
}

/* ---- a SIGKILLed runtime, and what it leaves ---- */

#define KILL_MAX_DELAY_MS 300
#define SWEEP_MAX_IDS 64
#define ID_LEN 12

/* `sleep MARKER`: an argument no other process on the machine carries. */
static const char *kill_marker(void)
{
	static char marker[32];

	if (!marker[0])
		snprintf(marker, sizeof(marker), "3131%d", (int)getpid());
	return marker;
}

/* Is text one of the NUL-separated arguments in /proc/PID/cmdline? */
static bool cmdline_has_argument(const char *pid, const char *text)
{
	char path[300], cmdline[4096];
	ssize_t len, at;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (len <= 0) /* a zombie, or a kernel thread */
		return false;
	cmdline[len] = '\0';
	for (at = 0; at < len; at += (ssize_t)strlen(cmdline + at) + 1)
		if (strcmp(cmdline + at, text) == 0)
			return true;
	return false;
}

/* The processes that carry the marker; SIGKILL them when kill_them. */
static int marked_processes(bool kill_them)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	int count = 0;

	if (!proc)
		return -1;
	while ((entry = readdir(proc))) {
		if (entry->d_name[0] < '0' || entry->d_name[0] > '9' ||
		    !cmdline_has_argument(entry->d_name, kill_marker()))
			continue;
		count++;
		if (kill_them)
			kill((pid_t)atoi(entry->d_name), SIGKILL);
	}
	closedir(proc);
	return count;
}

/* We are a child subreaper (kill_runtime_rounds): the orphans of a killed
 * runtime are ours to reap. */
static void reap_exited_children(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static bool is_box_id(const char *name)
{
	return strlen(name) == ID_LEN && strspn(name, "0123456789abcdef") == ID_LEN;
}

static int add_id(char ids[][ID_LEN + 1], int count, const char *name)
{
	int i;

	if (!is_box_id(name) || count >= SWEEP_MAX_IDS)
		return count;
	for (i = 0; i < count; i++)
		if (strcmp(ids[i], name) == 0)
			return count;
	snprintf(ids[count], ID_LEN + 1, "%s", name);
	return count + 1;
}

/* The ids of what appeared since before: "/sys/fs/cgroup/.../boxes/<id>/"
 * and "/sys/class/net/bx<id>", and the state dirs of our BOXES_RUN. */
static int ids_of_killed_runs(const char *before, char ids[][ID_LEN + 1])
{
	char after[16384], name[ID_LEN + 1], *line, *saveptr = NULL;
	DIR *dir = opendir(run_dir_path);
	struct dirent *entry;
	int count = 0;

	while (dir && (entry = readdir(dir)))
		count = add_id(ids, count, entry->d_name);
	if (dir)
		closedir(dir);
	list_host_objects(after, sizeof(after));
	for (line = strtok_r(after, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
		char needle[4200], *at;

		snprintf(needle, sizeof(needle), "%s\n", line);
		if (strstr(before, needle))
			continue;
		if ((at = strstr(line, "/boxes/")))
			snprintf(name, sizeof(name), "%.12s", at + 7);
		else if ((at = strstr(line, "/net/bx")))
			snprintf(name, sizeof(name), "%.12s", at + 7);
		else
			continue;
		count = add_id(ids, count, name);
	}
	return count;
}

/* BOXES_RUN/net/10.200.X.Y says "<id> <pid>": drop the leases of id. */
static void remove_leases_of(const char *id)
{
	char net_dir[300], path[600], text[128];
	DIR *dir;
	struct dirent *entry;

	snprintf(net_dir, sizeof(net_dir), "%s/net", run_dir_path);
	if (!(dir = opendir(net_dir)))
		return;
	while ((entry = readdir(dir))) {
		snprintf(path, sizeof(path), "%s/%s", net_dir, entry->d_name);
		if (entry->d_name[0] != '.' && read_file(path, text, sizeof(text)) == 0 &&
		    strncmp(text, id, ID_LEN) == 0 && text[ID_LEN] == ' ')
			unlink(path);
	}
	closedir(dir);
}

/* rmdir each boxes/<id> cgroup; its last processes may still be exiting
 * (EBUSY), so try for a second. */
static void remove_cgroups_of(const char *id)
{
	char pattern[2][128];
	glob_t found;
	size_t i;
	int tries;

	snprintf(pattern[0], sizeof(pattern[0]), "/sys/fs/cgroup/*/boxes/%.12s/", id);
	snprintf(pattern[1], sizeof(pattern[1]), "/sys/fs/cgroup/boxes/%.12s/", id);
	glob(pattern[0], 0, NULL, &found);
	glob(pattern[1], GLOB_APPEND, NULL, &found);
	for (i = 0; i < found.gl_pathc; i++)
		for (tries = 0; tries < 50 && rmdir(found.gl_pathv[i]) < 0 && errno == EBUSY;
		     tries++)
			usleep(20000);
	globfree(&found);
}

/* A veth whose peer was never moved into the container stays on the host;
 * the ones in a dead namespace the kernel is removing by itself. */
static void remove_link_of(const char *id)
{
	char path[128], command[128];
	struct stat st;
	int tries;

	snprintf(path, sizeof(path), "/sys/class/net/bx%.12s", id);
	if (stat(path, &st) < 0)
		return;
	snprintf(command, sizeof(command), "ip link del dev bx%.12s 2>/dev/null", id);
	if (system(command) != 0) /* already going: wait for the kernel */
		for (tries = 0; tries < 50 && stat(path, &st) == 0; tries++)
			usleep(20000);
}

void sweep_killed_runs(const char *before)
{
	char ids[SWEEP_MAX_IDS][ID_LEN + 1], state[300], command[400];
	int count = ids_of_killed_runs(before, ids), i;

	for (i = 0; i < count; i++) {
		snprintf(state, sizeof(state), "%s/%.12s", run_dir_path, ids[i]);
		snprintf(command, sizeof(command), "rm -rf --one-file-system '%s'", state);
		if (strncmp(state, "/tmp/boxes-test-", 16) == 0 && system(command) != 0)
			fprintf(stderr, "harness: could not remove %s\n", state);
		remove_leases_of(ids[i]);
		remove_cgroups_of(ids[i]);
		remove_link_of(ids[i]);
	}
}

int kill_rounds(int default_rounds)
{
	const char *rounds = getenv("KILL_ROUNDS");

	return rounds && atoi(rounds) > 0 ? atoi(rounds) : default_rounds;
}

/* One run: start, SIGKILL after delay_ms, count what outlived it. */
static int kill_one_run(const char *step_name, bool with_init, int delay_ms)
{
	char before[16384];
	pid_t runtime;
	int waited, survivors;

	list_host_objects(before, sizeof(before));
	if (with_init)
		runtime = spawn_box("/dev/null", "/dev/null", step_name, "--init", ROOTFS,
				    "/bin/sleep", kill_marker(), NULL);
	else
		runtime = spawn_box("/dev/null", "/dev/null", step_name, ROOTFS, "/bin/sleep",
				    kill_marker(), NULL);
	usleep((useconds_t)delay_ms * 1000);
	kill(runtime, SIGKILL);
	waitpid(runtime, NULL, 0);
	/* PR_SET_PDEATHSIG is sent as the runtime exits; dying takes a moment
	 * (at most 2 s here, on a busy machine) */
	for (waited = 0; waited < 100 && marked_processes(false) > 0; waited++)
		usleep(20000);
	survivors = marked_processes(true);
	for (waited = 0; waited < 100 && marked_processes(false) > 0; waited++)
		usleep(20000);
	reap_exited_children();
	sweep_killed_runs(before);
	return survivors;
}

int kill_runtime_rounds(const char *step_name, int rounds, struct kill_report *report)
{
	bool has_init = strcmp(step_name, "01-chroot") != 0;
	int round;

	memset(report, 0, sizeof(*report));
	report->last_survivor_delay_ms = -1;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (round = 0; round < rounds; round++) {
		bool with_init = has_init && round % 2 == 1;
		int delay_ms = rand() % (KILL_MAX_DELAY_MS + 1);
		int survivors = kill_one_run(step_name, with_init, delay_ms);

		report->rounds++;
		if (survivors > 0) {
			report->survivors += survivors;
			report->last_survivor_delay_ms = delay_ms;
			report->last_survivor_init = with_init;
		}
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0); /* orphans go where they went before */
	reap_exited_children();
	return report->survivors;
}
