/* child.c - clone the container, hold it on a sync pipe, wait for it.
 *
 * Why a sync pipe: some set-up can only be done by the parent once the
 * child exists (move its pid into a cgroup, write its uid_map, move a veth
 * into its network namespace) and must be finished before the child runs
 * anything. The child blocks in read(2) until the parent writes a byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "log.h"

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define FORWARDED_COUNT (int)(sizeof(forwarded_signals) / sizeof(forwarded_signals[0]))

static volatile pid_t forward_to = -1;
static volatile sig_atomic_t stop_requests;

static void set_forwarded_blocked(int how)
{
	sigset_t set;
	int i;

	sigemptyset(&set);
	for (i = 0; i < FORWARDED_COUNT; i++)
		sigaddset(&set, forwarded_signals[i]);
	sigprocmask(how, &set, NULL);
}

void hold_signals(void)
{
	set_forwarded_blocked(SIG_BLOCK);
	/* `--trace 2>&1 | head` closes our stderr early: a write then raises
	 * SIGPIPE, whose default would kill the runtime before it cleans up.
	 * Ignored, the write just fails (EPIPE) and clean-up still runs. */
	signal(SIGPIPE, SIG_IGN);
}

static void describe_flags(int flags, char *out, size_t len)
{
	static const struct {
		int flag;
		const char *name;
	} names[] = {
	    {CLONE_NEWPID, "CLONE_NEWPID"},	  {CLONE_NEWNS, "CLONE_NEWNS"},
	    {CLONE_NEWUTS, "CLONE_NEWUTS"},	  {CLONE_NEWIPC, "CLONE_NEWIPC"},
	    {CLONE_NEWNET, "CLONE_NEWNET"},	  {CLONE_NEWUSER, "CLONE_NEWUSER"},
	    {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
	};
	size_t i;

	snprintf(out, len, "SIGCHLD");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].flag)
			snprintf(out + strlen(out), len - strlen(out), "|%s", names[i].name);
}

static void explain_clone_error(int flags)
{
	if ((errno == EPERM || errno == ENOSPC || errno == EINVAL) && (flags & CLONE_NEWUSER))
		box_error("user namespaces look disabled here: check "
			  "/proc/sys/user/max_user_namespaces (run: make doctor)");
	else if (errno == EPERM)
		box_error("creating namespaces needs root (CAP_SYS_ADMIN); run: make doctor");
}

/* Child side, right after clone: never outlive the runtime, start with
 * default signal handling, then wait to be released and run fn. */
static void run_child(struct box *box, int read_end, container_fn fn)
{
	int i;

	log_in_container();
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* the runtime died: so do we */
	for (i = 0; i < FORWARDED_COUNT; i++)
		signal(forwarded_signals[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL); /* an ignored signal stays ignored across exec */
	set_forwarded_blocked(SIG_UNBLOCK); /* exec keeps the mask: clear it */
	box->sync_fd = read_end;
	fflush(NULL);
	_exit(fn(box));
}

int start_container(struct box *box, int clone_flags, container_fn fn)
{
	int sync_pipe[2];
	char flag_names[160];
	pid_t pid;

	if (pipe2(sync_pipe, O_CLOEXEC) < 0)
		return box_syserr("pipe2", "sync pipe");
	hold_signals(); /* normally done already by box_prepare */
	fflush(NULL);
	describe_flags(clone_flags, flag_names, sizeof(flag_names));
	/* A raw clone(2) without a new stack behaves like fork(2), plus the
	 * namespaces in clone_flags; SIGCHLD makes it waitable like a fork. */
	pid = (pid_t)syscall(SYS_clone, clone_flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		box_syserr("clone", flag_names);
		explain_clone_error(clone_flags);
		close(sync_pipe[0]);
		close(sync_pipe[1]);
		return -1;
	}
	if (pid == 0) {
		close(sync_pipe[1]);
		run_child(box, sync_pipe[0], fn);
	}
	close(sync_pipe[0]);
	box->sync_fd = sync_pipe[1];
	box->container_pid = pid;
	if (clone_flags)
		trace(2, "clone(%s) = %d", flag_names, (int)pid);
	else
		trace(1, "fork() = %d", (int)pid);
	return 0;
}

int wait_for_parent(struct box *box)
{
	char go;
	ssize_t got;

	do
		got = read(box->sync_fd, &go, 1);
	while (got < 0 && errno == EINTR);
	close(box->sync_fd);
	box->sync_fd = -1;
	return got == 1 ? 0 : -1; /* EOF: the parent gave up, it said why */
}

int release_container(struct box *box)
{
	trace(1, "release the container (write to the sync pipe)");
	if (write(box->sync_fd, "g", 1) != 1)
		return box_syserr("write", "sync pipe");
	close(box->sync_fd);
	box->sync_fd = -1;
	return 0;
}

/* A PID 1 ignores every signal it has no handler for, even SIGTERM sent
 * from the host; a second SIGINT/SIGTERM therefore means SIGKILL. */
static void forward_signal(int sig)
{
	if (forward_to <= 0)
		return;
	if ((sig == SIGINT || sig == SIGTERM) && ++stop_requests > 1)
		sig = SIGKILL;
	kill(forward_to, sig);
}

int exit_code_from_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return EXIT_BOXES_FAILED;
}

int wait_container(struct box *box)
{
	struct sigaction forward = {.sa_handler = forward_signal};
	int wstatus = 0, i;
	pid_t got;

	sigemptyset(&forward.sa_mask);
	forward_to = box->container_pid;
	for (i = 0; i < FORWARDED_COUNT; i++)
		sigaction(forwarded_signals[i], &forward, NULL);
	set_forwarded_blocked(SIG_UNBLOCK); /* a signal held during set-up goes now */
	do
		got = waitpid(box->container_pid, &wstatus, 0);
	while (got < 0 && errno == EINTR);
	set_forwarded_blocked(SIG_BLOCK); /* clean-up is not interrupted */
	forward_to = -1;
	if (got < 0) {
		box_syserr("waitpid", "container");
		return EXIT_BOXES_FAILED;
	}
	box->container_pid = -1;
	trace(1, "container exited: %s %d", WIFSIGNALED(wstatus) ? "signal" : "status",
	      WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
	return exit_code_from_status(wstatus);
}

void abort_container(struct box *box)
{
	if (box->sync_fd >= 0) {
		close(box->sync_fd); /* the child reads EOF and exits */
		box->sync_fd = -1;
	}
	if (box->container_pid > 0) {
		kill(box->container_pid, SIGKILL);
		while (waitpid(box->container_pid, NULL, 0) < 0 && errno == EINTR)
			;
		box->container_pid = -1;
	}
}
