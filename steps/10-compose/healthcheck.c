/* healthcheck.c - step 10: is the service inside the container healthy?
 *
 * A healthcheck is a command the engine runs inside the running container
 * every interval: exit 0 means healthy. "Inside" means in every namespace
 * of the container: its user namespace first (the one that owns the
 * others), then its mount (its root, its files), PID, network (its
 * 127.0.0.1), UTS and IPC namespaces. Since Linux 5.8 setns(2) takes a
 * pidfd and a set of CLONE_NEW* flags and joins them all at once, as
 * `nsenter --all` does. A PID namespace is entered only by the children of
 * the process that joined it, so the probe forks once more; that child
 * runs the test, and the probe kills it when the timeout passes.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#include "10-compose/healthcheck.h"

#define ALL_NAMESPACES                                                                             \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC)

static void run_test(const struct compose_healthcheck *check)
{
	static char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	const struct compose_words *test = &check->test;

	if (test->count >= 2 && strcmp(test->word[0], "CMD-SHELL") == 0) {
		char *argv[] = {"/bin/sh", "-c", (char *)test->word[1], NULL};

		execve(argv[0], argv, env);
	} else if (test->count >= 2) {
		execvpe(test->word[1], (char *const *)&test->word[1], env);
	}
	_exit(127);
}

static volatile sig_atomic_t timed_out;

static void on_alarm(int signal)
{
	(void)signal;
	timed_out = 1;
}

pid_t health_probe_start(int container_pidfd, const struct compose_healthcheck *check)
{
	long long timeout_ns = check->timeout_ns ? check->timeout_ns : HEALTH_TIMEOUT_NS;
	pid_t probe = fork(), test;
	int wstatus = 0;

	if (probe != 0)
		return probe;
	/* the probe */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (setns(container_pidfd, ALL_NAMESPACES) < 0 || chdir("/") < 0)
		_exit(125);
	test = fork();
	if (test == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		run_test(check);
	}
	if (test < 0)
		_exit(125);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)((timeout_ns + 999999999) / 1000000000));
	while (waitpid(test, &wstatus, 0) < 0 && errno == EINTR && !timed_out)
		;
	if (timed_out) {
		kill(test, SIGKILL);
		_exit(124);
	}
	_exit(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 1);
}
