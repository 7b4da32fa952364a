/* process.c - beyond step 10: the container's process as config.json
 * describes it (process.*): limits, user, capabilities, seccomp, then
 * exec. The init of `create` and the process of `exec` end the same way.
 *
 * The order is step 08's, with one twist: an engine may leave
 * noNewPrivileges off (podman does), and then the kernel loads a seccomp
 * filter only for a process holding CAP_SYS_ADMIN (seccomp(2)). So
 * without no_new_privs the filter goes in first, while we still hold
 * every capability, and the capabilities are dropped after it; the
 * profile allows capset, setuid and prctl, which that drop needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "exec.h"
#include "log.h"

#include "08-seccomp/privileges.h"
#include "oci-runtime/process.h"

#define STEP 11

static int set_rlimits(const struct spec_process *process)
{
	int i;

	for (i = 0; i < process->rlimit_count; i++) {
		struct rlimit limit = {process->rlimits[i].soft, process->rlimits[i].hard};

		if (setrlimit(process->rlimits[i].resource, &limit) < 0)
			return box_syserr("setrlimit", "process.rlimits");
	}
	return 0;
}

static int set_oom_score_adj(int value)
{
	char text[16];
	int fd, length;

	if (value < -1000)
		return 0;
	length = snprintf(text, sizeof(text), "%d", value);
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, (size_t)length) != length) {
		if (fd >= 0)
			close(fd);
		return box_syserr("write", "/proc/self/oom_score_adj");
	}
	close(fd);
	return 0;
}

/* The five sets of capabilities(7), each as config.json gives it. */
static int set_capability_sets(const struct spec_process *process)
{
	cap_t caps = cap_init();
	int cap, result = 0;

	if (!caps)
		return box_syserr("cap_init", "capability state");
	for (cap = 0; cap < cap_max_bits() && result == 0; cap++) {
		cap_value_t value = cap;
		uint64_t bit = 1ULL << cap;

		if (((process->effective & bit) &&
		     cap_set_flag(caps, CAP_EFFECTIVE, 1, &value, CAP_SET) < 0) ||
		    ((process->permitted & bit) &&
		     cap_set_flag(caps, CAP_PERMITTED, 1, &value, CAP_SET) < 0) ||
		    ((process->inheritable & bit) &&
		     cap_set_flag(caps, CAP_INHERITABLE, 1, &value, CAP_SET) < 0))
			result = box_syserr("cap_set_flag", "process.capabilities");
	}
	trace(STEP, "capset(effective=%#llx, permitted=%#llx, inheritable=%#llx)",
	      (unsigned long long)process->effective, (unsigned long long)process->permitted,
	      (unsigned long long)process->inheritable);
	if (result == 0 && cap_set_proc(caps) < 0)
		result = box_syserr("capset", "process.capabilities");
	cap_free(caps);
	if (result == 0 && cap_reset_ambient() < 0)
		result = box_syserr("prctl(PR_CAP_AMBIENT)", "PR_CAP_AMBIENT_CLEAR_ALL");
	/* Ambient last: the kernel raises one only if it is permitted and
	 * inheritable already. runc raises what it can and goes on (an engine
	 * may list more ambient than inheritable ones): so do we. */
	for (cap = 0; cap < cap_max_bits() && result == 0; cap++) {
		if (!(process->ambient & (1ULL << cap)))
			continue;
		trace(STEP, "prctl(PR_CAP_AMBIENT_RAISE, %d)", cap);
		if (cap_set_ambient(cap, CAP_SET) < 0 && errno != EPERM)
			result = box_syserr("prctl(PR_CAP_AMBIENT_RAISE)", "process.capabilities");
	}
	return result;
}

/* process.user: groups, then gid, then uid; PR_SET_KEEPCAPS keeps the
 * permitted set across a setuid away from 0 (capabilities(7)), so that
 * set_capability_sets can still give a non-root user what it is granted. */
static int become_user(const struct spec_process *process)
{
	trace(STEP, "setgroups(%d), setgid(%u), setuid(%u)", process->additional_gid_count,
	      (unsigned)process->gid, (unsigned)process->uid);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return box_syserr("prctl", "PR_SET_KEEPCAPS");
	if (setgroups((size_t)process->additional_gid_count, process->additional_gids) < 0)
		return box_syserr("setgroups", "process.user.additionalGids");
	if (setgid(process->gid) < 0)
		return box_syserr("setgid", "process.user.gid");
	if (setuid(process->uid) < 0)
		return box_syserr("setuid", "process.user.uid");
	return 0;
}

int process_apply(const struct spec_process *process, scmp_filter_ctx filter)
{
	if (set_rlimits(process) < 0 || set_oom_score_adj(process->oom_score_adj) < 0)
		return -1;
	if (process->umask >= 0)
		umask((mode_t)process->umask);
	if (!process->no_new_privileges && profile_load(filter) < 0) /* still CAP_SYS_ADMIN */
		return -1;
	if (drop_from_bounding_set(process->bounding) < 0 /* 08 */ || become_user(process) < 0 ||
	    set_capability_sets(process) < 0)
		return -1;
	if (process->no_new_privileges &&
	    (set_no_new_privs() < 0 /* 08 */ || profile_load(filter) < 0))
		return -1;
	return 0;
}

/* The value of PATH in the process's environment, or the default. */
static const char *path_of(const struct spec_process *process)
{
	int i;

	for (i = 0; process->env[i]; i++)
		if (strncmp(process->env[i], "PATH=", 5) == 0)
			return process->env[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* runc looks the command up before start, inside the container, and says
 * "executable file not found in $PATH": podman turns those words into
 * exit code 127 (and "permission denied" into 126). */
int process_find_command(const struct spec_process *process, char *out, size_t len)
{
	const char *command = process->args[0], *path = path_of(process);
	struct stat st;

	if (strchr(command, '/')) {
		snprintf(out, len, "%s", command);
		if (stat(out, &st) < 0) {
			box_error("exec: \"%s\": stat %s: no such file or directory", command,
				  command);
			return -1;
		}
		return 0;
	}
	while (*path) {
		size_t dir_len = strcspn(path, ":");

		snprintf(out, len, "%.*s/%s", (int)dir_len, dir_len ? path : ".", command);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			return 0;
		path += dir_len + (path[dir_len] == ':');
	}
	box_error("exec: \"%s\": executable file not found in $PATH", command);
	return -1;
}

int process_exec(const struct spec_process *process, const char *command)
{
	if (chdir(process->cwd) < 0)
		return box_syserr("chdir", process->cwd);
	if (close_inherited_fds() < 0) /* 01: only 0, 1, 2 go in */
		return -1;
	trace(1, "execve(\"%s\")", command);
	execve(command, (char *const *)process->args, (char *const *)process->env);
	box_syserr("exec", command);
	return errno == EACCES ? EXIT_CANNOT_EXEC : EXIT_NOT_FOUND;
}

int console_connect(const char *socket_path)
{
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(socket_path) >= sizeof(address.sun_path)) {
		box_error("--console-socket %s: path too long", socket_path);
		return -1;
	}
	strcpy(address.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return box_syserr("socket", socket_path);
	if (connect(fd, (struct sockaddr *)&address, sizeof(address)) < 0) {
		box_syserr("connect", socket_path);
		close(fd);
		return -1;
	}
	return fd;
}

/* The pty master goes to the engine in an SCM_RIGHTS message (unix(7)):
 * the kernel puts a copy of the open file into the receiver's fd table. */
static int send_fd(int socket_fd, int fd)
{
	char name[] = "/dev/ptmx", control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec data = {.iov_base = name, .iov_len = sizeof(name) - 1};
	struct msghdr message = {.msg_iov = &data,
				 .msg_iovlen = 1,
				 .msg_control = control,
				 .msg_controllen = sizeof(control)};
	struct cmsghdr *header = CMSG_FIRSTHDR(&message);

	header->cmsg_level = SOL_SOCKET;
	header->cmsg_type = SCM_RIGHTS;
	header->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(header), &fd, sizeof(int));
	if (sendmsg(socket_fd, &message, 0) < 0)
		return box_syserr("sendmsg", "--console-socket");
	return 0;
}

/* A terminal from the container's own devpts: the master to the engine,
 * the slave as our stdin, stdout, stderr and controlling terminal. */
int console_attach(int socket_fd)
{
	int master, slave;
	char *slave_name;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return box_syserr("open", "/dev/ptmx");
	if (unlockpt(master) < 0 || !(slave_name = ptsname(master))) {
		close(master);
		return box_syserr("unlockpt", "/dev/ptmx");
	}
	slave = open(slave_name, O_RDWR | O_NOCTTY);
	if (slave < 0) {
		close(master);
		return box_syserr("open", slave_name);
	}
	trace(STEP, "%s: master sent over the console socket", slave_name);
	if (send_fd(socket_fd, master) < 0)
		return -1;
	close(master);
	close(socket_fd);
	if (setsid() < 0 && errno != EPERM)
		return box_syserr("setsid", slave_name);
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return box_syserr("ioctl TIOCSCTTY", slave_name);
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		return box_syserr("dup2", slave_name);
	if (slave > 2)
		close(slave);
	return 0;
}
