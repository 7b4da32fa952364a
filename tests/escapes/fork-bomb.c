/* escape: fork-bomb
 * blocked-from: 03
 * explain: forks 200 processes: without a pids cgroup a container can fill the host's process table
 * run: plain
 *
 * The classic fork bomb, :(){ :|:& };:, forks until the kernel's process
 * table or pid space (kernel.pid_max, kernel.threads-max) is full; then no
 * one on the host can start a process, not even a root shell to stop it.
 * A PID namespace does not help: every pid inside is also a pid outside.
 * This one is bounded: it forks up to 200 children that just sleep,
 * counts them, then kills and reaps every one. Under a pids cgroup, fork(2)
 * fails with EAGAIN at the limit (--pids-limit 64 in the matrix).
 * By hand: build/bin/03-cgroups --pids-limit 64 build/rootfs /escapes/fork-bomb
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "escape.h"

#define WANTED 200

static pid_t children[WANTED];

static void kill_and_reap(int count)
{
	int i;

	for (i = 0; i < count; i++)
		kill(children[i], SIGKILL);
	for (i = 0; i < count; i++)
		waitpid(children[i], NULL, 0);
}

int main(int argc, char **argv)
{
	int wanted = argc > 1 ? atoi(argv[1]) : WANTED, count = 0, fork_errno = 0;
	pid_t parent = getpid();

	if (wanted <= 0 || wanted > WANTED)
		cannot_test("count %s: give 1 to %d", argv[1], WANTED);
	while (count < wanted) {
		pid_t pid = fork();

		if (pid == 0) {
			/* Never outlive us, even if we are killed half way: under
			 * step 01 these children would be the host's. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			pause(); /* a sleeping child: it only takes a pid */
			_exit(0);
		}
		if (pid < 0) {
			fork_errno = errno;
			break;
		}
		children[count++] = pid;
	}
	kill_and_reap(count);
	if (count < wanted)
		blocked("fork failed after %d children: %s", count, strerror(fork_errno));
	escaped("forked %d processes: no pids limit stopped us", count);
}
