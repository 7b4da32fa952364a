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
 *
 * Namespaces are only what the probe sees. To run as the container's own
 * processes run, it also takes on what they carry (as `docker exec` and
 * runc exec do): the container's cgroup first, while it is still host
 * root (03: the probe counts against the pids and memory limits, and a
 * probe that eats memory is the container's OOM, not the host's), then,
 * inside, the namespace's uid 0 (07: the host's root is unmapped there,
 * "nobody"), step 08's no_new_privs, capability drop and seccomp filter,
 * and the service's user (09). Without them a probe would hold every
 * capability of the container's user namespace, outside its limits, with
 * no filter: setns, mount and keyctl open to whatever the healthcheck runs.
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

#include "03-cgroups/cgroup.h"
#include "07-user-namespace/userns.h"
#include "08-seccomp/privileges.h"
#include "08-seccomp/seccomp.h"
#include "09-image/user.h"
#include "10-compose/healthcheck.h"

#define ALL_NAMESPACES                                                                             \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC)

/* The test's environment is a PATH of the container's, not the host's:
 * execvp looks the command up in this process's own PATH. */
static void run_test(const struct compose_healthcheck *check)
{
	const struct compose_words *test = &check->test;

	clearenv();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	if (test->count >= 2 && strcmp(test->word[0], "CMD-SHELL") == 0) {
		char *argv[] = {"/bin/sh", "-c", (char *)test->word[1], NULL};

		execv(argv[0], argv);
	} else if (test->count >= 2) {
		execvp(test->word[1], (char *const *)&test->word[1]);
	}
	_exit(127);
}

static volatile sig_atomic_t timed_out;

static void on_alarm(int signal)
{
	(void)signal;
	timed_out = 1;
}

/* The probe becomes one of the container's processes; the order is the
 * container's own (supervisor.c, container_main). */
static int join_container(struct box *container, int container_pidfd)
{
	if (cgroup_join(container) < 0 /* 03: its limits count us too */
	    || setns(container_pidfd, ALL_NAMESPACES) < 0 /* 02, 06, 07: what it sees */
	    || chdir("/") < 0 /* its root, not the host's */
	    || become_root() < 0 /* 07: its uid 0, not an unmapped host root */
	    || set_no_new_privs() < 0 /* 08 */
	    || drop_capabilities(container) < 0 /* 08: its minimal set */
	    || become_image_user(container) < 0 /* 09: its user */
	    || load_seccomp_filter(container) < 0) /* 08: last: it denies setns */
		return -1;
	return 0;
}

pid_t health_probe_start(struct box *container, int container_pidfd,
			 const struct compose_healthcheck *check)
{
	long long timeout_ns = check->timeout_ns ? check->timeout_ns : HEALTH_TIMEOUT_NS;
	pid_t probe = fork(), test;
	int wstatus = 0;

	if (probe != 0)
		return probe;
	/* the probe */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (join_container(container, container_pidfd) < 0)
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
