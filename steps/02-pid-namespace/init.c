/* init.c - step 02: --init, a tiny PID 1.
 *
 * In a new PID namespace the first process is PID 1, and the kernel treats
 * it like the host's init (pid_namespaces(7)):
 *  - signals: PID 1 gets only the signals it installed a handler for. A
 *    program that never expected to be PID 1 (sleep, most servers) ignores
 *    SIGTERM and SIGINT, so the runtime's polite stop does nothing;
 *  - zombies: orphaned processes are re-parented to PID 1, which must
 *    wait(2) for them or they stay as zombies, holding pids (and a slot in
 *    --pids-limit) until the container ends;
 *  - when PID 1 exits, the kernel SIGKILLs every other process in the
 *    namespace.
 * docker run --init solves this with tini; this is the same idea in a page.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "02-pid-namespace/init.h"
#include "child.h"
#include "exec.h"
#include "log.h"

#define STEP 2 /* the step --trace names for what this file does */

static volatile pid_t command_pid = -1;

static void forward_to_command(int sig)
{
	if (command_pid > 0)
		kill(command_pid, sig);
}

/* Install a forwarding handler for every signal a process may catch. */
static void forward_all_signals(void)
{
	struct sigaction forward = {.sa_handler = forward_to_command};
	int sig;

	sigemptyset(&forward.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD)
			continue;
		sigaction(sig, &forward, NULL); /* fails harmlessly for 32, 33 */
	}
}

/* The command's side of the fork: our handlers would forward to nobody
 * (command_pid is -1 here), so back to the defaults, with every signal
 * still blocked; then unblock, as exec keeps the mask. A signal init
 * passed on meanwhile waits, and its default action ends us. */
static void reset_signals_for_command(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL); /* fails harmlessly for 32, 33 */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Fork the command under a tiny init; returns the command's exit code. */
static int run_init(struct box *box)
{
	sigset_t all, none;
	int wstatus;
	pid_t pid;

	/* PID 1 never execs: close what the runtime had open (the sync pipe,
	 * its state lock) ourselves, or a container that outlived its runtime
	 * would hold the runtime's lock and pass for it. */
	if (close_inherited_fds() < 0)
		return EXIT_BOXES_FAILED;
	/* Hold every signal until we know whom to forward it to: a SIGTERM
	 * that came between fork and the handlers would be lost for good.
	 * (SIGINT, SIGTERM, SIGHUP and SIGQUIT are held since clone: a
	 * forwarded one may be waiting already, see child.c.) */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	forward_all_signals();
	if (close_inherited_fds() < 0) /* PID 1 keeps nothing of the runtime's */
		return EXIT_BOXES_FAILED;
	trace(STEP, "fork() under --init: PID 1 reaps and forwards");
	pid = fork();
	if (pid < 0) {
		box_syserr("fork", "init");
		return EXIT_BOXES_FAILED;
	}
	if (pid == 0) {
		reset_signals_for_command();
		_exit(exec_command(box));
	}
	command_pid = pid;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* held signals go now, to the command */
	for (;;) {
		pid_t reaped = wait(&wstatus); /* any child: orphans come to us */

		if (reaped < 0 && errno == EINTR)
			continue;
		if (reaped < 0)
			return EXIT_BOXES_FAILED;
		if (reaped == pid)
			return exit_code_from_status(wstatus);
	}
}

int exec_or_init(struct box *box)
{
	int held;

	/* Our uid may have changed since clone (07: become_root) and the
	 * kernel then forgot PR_SET_PDEATHSIG: arm it once more, last. */
	if (die_with_runtime() < 0)
		return EXIT_BOXES_FAILED;
	if (box->init)
		return run_init(box);
	/* A stop that came during set-up ends the container before the
	 * command starts, as it would have ended the command: once exec'd,
	 * as PID 1 without a handler, the command would never see it. */
	held = take_held_signal();
	if (held) {
		trace(STEP, "SIG%s came before the command ran: the container ends",
		      sigabbrev_np(held));
		return 128 + held;
	}
	return exec_command(box);
}
