/* child.c - clone the container, hold it on a sync pipe, wait for it.
 *
 * Why a sync pipe: some set-up can only be done by the parent once the
 * child exists (move its pid into a cgroup, write its uid_map, move a veth
 * into its network namespace) and must be finished before the child runs
 * anything. The child blocks in read(2) until the parent writes a byte.
 * It also never outlives the parent: see die_with_runtime.
 *
 * While it runs, the runtime is the container's supervisor: one loop over
 * three file descriptors - a signalfd for the signals it forwards, a pidfd
 * that turns readable when the container exits, a timerfd for the grace
 * period of a stop - as docker stop does it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP */
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "log.h"

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define FORWARDED_COUNT (int)(sizeof(forwarded_signals) / sizeof(forwarded_signals[0]))

#define DEFAULT_STOP_TIMEOUT_S 10 /* docker stop's grace period */

/* A pipe nobody writes to: the runtime holds its write end for as long as
 * it lives, the container its read end (die_with_runtime). */
static int lifeline = -1;

/* Is the container PID 1 of a new PID namespace (the runtime's view)? */
static bool container_is_pid1;

static void forwarded_set(sigset_t *set)
{
	int i;

	sigemptyset(set);
	for (i = 0; i < FORWARDED_COUNT; i++)
		sigaddset(set, forwarded_signals[i]);
}

static void set_forwarded_blocked(int how)
{
	sigset_t set;

	forwarded_set(&set);
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

/* PR_SET_PDEATHSIG (prctl(2)): when the runtime exits, even by SIGKILL,
 * the kernel sends us SIGKILL, so no container runs on unsupervised. The
 * kernel clears that setting whenever our effective uid or gid changes
 * (and at the exec of a set-user-ID program): call this again after every
 * such change. If the runtime died before the setting was in place, no
 * signal will come: so look whether it is still there. getppid() can't
 * tell, it is 0 in a new PID namespace (our parent lives outside it). The
 * lifeline can: an exiting process's files are closed before the kernel
 * looks for its children to signal, so once the pipe reads as hung up
 * (POLLHUP) the runtime is gone, and if it does not yet, the runtime has
 * not reached that point and will see our setting. */
int die_with_runtime(void)
{
	struct pollfd runtime = {.fd = lifeline, .events = POLLIN};

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return box_syserr("prctl", "PR_SET_PDEATHSIG");
	if (lifeline >= 0 && poll(&runtime, 1, 0) > 0 && (runtime.revents & POLLHUP))
		_exit(EXIT_BOXES_FAILED); /* it is gone: so are we */
	return 0;
}

/* Child side, right after clone: never outlive the runtime, start with
 * default signal handling, then wait to be released and run fn. */
static void run_child(struct box *box, int read_end, int clone_flags, container_fn fn)
{
	int i;

	log_in_container();
	die_with_runtime();
	for (i = 0; i < FORWARDED_COUNT; i++)
		signal(forwarded_signals[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL); /* an ignored signal stays ignored across exec */
	/* As PID 1 of a new PID namespace we would lose a signal forwarded
	 * now: the kernel drops every signal PID 1 has no handler for
	 * (pid_namespaces(7)). Blocked, it waits in our pending set until
	 * take_held_signal, just before the command runs. Without a PID
	 * namespace (step 01) its default action simply ends us: unblock now,
	 * as exec keeps the mask. */
	if (!(clone_flags & CLONE_NEWPID))
		set_forwarded_blocked(SIG_UNBLOCK);
	box->sync_fd = read_end;
	fflush(NULL);
	_exit(fn(box));
}

int take_held_signal(void)
{
	sigset_t pending;
	int i;

	sigpending(&pending);
	for (i = 0; i < FORWARDED_COUNT; i++)
		if (sigismember(&pending, forwarded_signals[i]))
			return forwarded_signals[i];
	set_forwarded_blocked(SIG_UNBLOCK); /* exec keeps the mask: clear it */
	return 0;
}

/* Is this clone3 error the kernel's "I don't know that"? ENOSYS: no
 * clone3 (before Linux 5.3, or a seccomp filter that hides it); E2BIG or
 * EINVAL: clone3, but no CLONE_INTO_CGROUP (before 5.7). */
static bool clone3_unknown(int error)
{
	return error == ENOSYS || error == E2BIG || error == EINVAL;
}

/* The container's process. A raw clone(2) without a new stack behaves like
 * fork(2), plus the namespaces in clone_flags; SIGCHLD makes it waitable
 * like a fork. On cgroup v2 step 03 gives us its cgroup's directory
 * (box->cgroup_fd): clone3(2) with CLONE_INTO_CGROUP makes the kernel
 * start the child in there. No move afterwards, so none of the
 * machine-wide write lock a write to cgroup.procs takes (03's cgroup.c
 * says what that costs). Where the kernel does not know clone3 or the
 * flag, clone(2) as always, and step 03 moves the child. *by_clone3 says
 * which of the two made it (or failed). */
static pid_t clone_container(const struct box *box, int clone_flags, bool *by_clone3)
{
	struct clone_args args = {
	    .flags = (uint64_t)clone_flags | CLONE_INTO_CGROUP,
	    .exit_signal = SIGCHLD,
	    .cgroup = (uint64_t)box->cgroup_fd,
	};
	pid_t pid;

	*by_clone3 = false;
	if (box->cgroup_fd >= 0) {
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0 || !clone3_unknown(errno)) {
			*by_clone3 = true;
			return pid;
		}
		trace(2, "clone3(CLONE_INTO_CGROUP): %s: clone(2) instead, then a move",
		      strerror(errno));
	}
	return (pid_t)syscall(SYS_clone, clone_flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

int start_container(struct box *box, int clone_flags, container_fn fn)
{
	int sync_pipe[2], lifeline_pipe[2];
	char flag_names[180];
	bool by_clone3;
	pid_t pid;

	/* close-on-exec; exec_command closes every fd above 2 anyway */
	if (pipe2(sync_pipe, O_CLOEXEC) < 0)
		return box_syserr("pipe2", "sync pipe");
	if (pipe2(lifeline_pipe, O_CLOEXEC) < 0) {
		box_syserr("pipe2", "lifeline");
		close(sync_pipe[0]);
		close(sync_pipe[1]);
		return -1;
	}
	hold_signals(); /* normally done already by box_prepare */
	fflush(NULL);
	describe_flags(clone_flags, flag_names, sizeof(flag_names));
	pid = clone_container(box, clone_flags, &by_clone3);
	if (by_clone3)
		snprintf(flag_names + strlen(flag_names), sizeof(flag_names) - strlen(flag_names),
			 "|CLONE_INTO_CGROUP");
	box->born_in_cgroup = by_clone3 && pid >= 0;
	if (pid < 0) {
		box_syserr(by_clone3 ? "clone3" : "clone", flag_names);
		explain_clone_error(clone_flags);
		close(sync_pipe[0]);
		close(sync_pipe[1]);
		close(lifeline_pipe[0]);
		close(lifeline_pipe[1]);
		return -1;
	}
	if (pid == 0) {
		close(sync_pipe[1]);
		close(lifeline_pipe[1]); /* the runtime's end must be its own alone */
		lifeline = lifeline_pipe[0];
		run_child(box, sync_pipe[0], clone_flags, fn);
	}
	close(lifeline_pipe[0]); /* we keep the write end open until we exit */
	container_is_pid1 = clone_flags & CLONE_NEWPID;
	close(sync_pipe[0]);
	box->sync_fd = sync_pipe[1];
	box->container_pid = pid;
	if (box->born_in_cgroup)
		trace(2, "clone3(%s, cgroup fd) = %d", flag_names, (int)pid);
	else if (clone_flags)
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

/* A signal that came during set-up waits, blocked, in our pending set. The
 * supervisor (wait_container) will read it, but by then the container may
 * have raced on to exec its command, which as PID 1 would ignore it. So
 * pass it on before the container runs a thing: it holds these signals
 * blocked too and finds this one right before exec (take_held_signal). */
static void pass_on_held_signals(const struct box *box)
{
	sigset_t pending;
	int i;

	if (!container_is_pid1) /* not PID 1: it will get it like any process */
		return;
	sigpending(&pending);
	for (i = 0; i < FORWARDED_COUNT; i++)
		if (sigismember(&pending, forwarded_signals[i])) {
			trace(1, "kill(%d, SIG%s): it came during set-up", (int)box->container_pid,
			      sigabbrev_np(forwarded_signals[i]));
			kill(box->container_pid, forwarded_signals[i]);
		}
}

int release_container(struct box *box)
{
	pass_on_held_signals(box);
	trace(1, "release the container (write to the sync pipe)");
	if (write(box->sync_fd, "g", 1) != 1)
		return box_syserr("write", "sync pipe");
	close(box->sync_fd);
	box->sync_fd = -1;
	return 0;
}

int exit_code_from_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return EXIT_BOXES_FAILED;
}

/* The runtime's side of a running container. */
struct supervisor {
	struct box *box;
	long long stop_timeout_s;
	int stop_signal; /* the first SIGINT/SIGTERM, once one came */
	int grace_timer; /* a timerfd, armed by that first one */
};

/* A forwarded signal: pass it on. SIGINT and SIGTERM ask the container to
 * stop, and a PID 1 ignores every signal it has no handler for, even one
 * from the host (pid_namespaces(7)): so, as docker stop does, the first
 * starts a grace period (--stop-timeout) after which SIGKILL, which it
 * can't ignore, ends it. A second SIGINT/SIGTERM is that SIGKILL at once. */
static void on_forwarded_signal(struct supervisor *sup, int sig)
{
	struct itimerspec grace = {.it_value = {.tv_sec = sup->stop_timeout_s}};

	if (sig == SIGINT || sig == SIGTERM) {
		if (sup->stop_signal) {
			trace(1, "second SIG%s: kill(%d, SIGKILL)", sigabbrev_np(sig),
			      (int)sup->box->container_pid);
			sig = SIGKILL;
		} else {
			sup->stop_signal = sig;
			timerfd_settime(sup->grace_timer, 0, &grace, NULL);
		}
	}
	kill(sup->box->container_pid, sig);
}

static void on_grace_period_over(struct supervisor *sup)
{
	box_error("container did not stop %lld s after SIG%s: sent SIGKILL", sup->stop_timeout_s,
		  sigabbrev_np(sup->stop_signal));
	kill(sup->box->container_pid, SIGKILL);
}

/* Wait for the container's pidfd to turn readable (it exited), handling
 * signals and the grace timer meanwhile. 0, or -1 if poll(2) failed. */
static int supervise(struct supervisor *sup, int signals, int container)
{
	struct pollfd events[] = {
	    {.fd = container, .events = POLLIN},
	    {.fd = signals, .events = POLLIN},
	    {.fd = sup->grace_timer, .events = POLLIN},
	};
	struct signalfd_siginfo info;
	uint64_t expirations;

	for (;;) {
		if (poll(events, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return box_syserr("poll", "signals, container, grace timer");
		}
		if (events[0].revents & POLLIN)
			return 0;
		if ((events[1].revents & POLLIN) &&
		    read(signals, &info, sizeof(info)) == sizeof(info))
			on_forwarded_signal(sup, (int)info.ssi_signo);
		if ((events[2].revents & POLLIN) &&
		    read(sup->grace_timer, &expirations, sizeof(expirations)) > 0)
			on_grace_period_over(sup);
	}
}

int wait_container(struct box *box)
{
	struct supervisor sup = {
	    box, box->stop_timeout_s ? box->stop_timeout_s : DEFAULT_STOP_TIMEOUT_S, 0, -1};
	int signals = -1, container = -1, wstatus = 0, result = 0;
	sigset_t forwarded;
	pid_t got;

	/* The forwarded signals stay blocked (hold_signals): the kernel then
	 * queues them for the signalfd, and one that came during set-up is
	 * read at once. Clean-up, after the loop, is not interrupted either. */
	forwarded_set(&forwarded);
	if ((signals = signalfd(-1, &forwarded, SFD_CLOEXEC)) < 0)
		result = box_syserr("signalfd", "SIGINT, SIGTERM, SIGHUP, SIGQUIT");
	else if ((container = pidfd_open(box->container_pid, 0)) < 0)
		result = box_syserr("pidfd_open", "the container");
	else if ((sup.grace_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0)
		result = box_syserr("timerfd_create", "the grace period");
	if (result == 0)
		result = supervise(&sup, signals, container);
	if (result < 0)
		kill(box->container_pid, SIGKILL); /* never leave it unsupervised */
	do
		got = waitpid(box->container_pid, &wstatus, 0);
	while (got < 0 && errno == EINTR);
	if (signals >= 0)
		close(signals);
	if (container >= 0)
		close(container);
	if (sup.grace_timer >= 0)
		close(sup.grace_timer);
	if (got < 0) {
		box_syserr("waitpid", "container");
		return EXIT_BOXES_FAILED;
	}
	box->container_pid = -1;
	trace(1, "container exited: %s %d", WIFSIGNALED(wstatus) ? "signal" : "status",
	      WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
	return result < 0 ? EXIT_BOXES_FAILED : exit_code_from_status(wstatus);
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
