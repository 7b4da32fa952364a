/* hooks.c - beyond step 10: run the hooks of config.json. See hooks.h.
 *
 * A hook is a fork and an execve, like step 01's command, with two things
 * around it: its standard input is the state JSON (a memfd holding it, so
 * a hook that reads nothing cannot block or SIGPIPE the runtime), and a
 * time limit, kept with a pidfd that poll(2) sees readable when the hook
 * exits (pidfd_open(2)).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#include "oci-runtime/hooks.h"
#include "oci-runtime/spec.h"

#define STEP 11

extern char **environ;

static const char *const run_stages[] = {"prestart", "createRuntime", "poststart", "poststop",
					 NULL};

static int bad_hook(const char *stage, size_t index, const char *what)
{
	box_error("config.json: hooks.%s[%zu]: %s", stage, index, what);
	return -1;
}

/* args or env: absent, or a list of strings. */
static int check_strings(json_t *hook, const char *key, const char *stage, size_t index)
{
	json_t *list = json_object_get(hook, key), *item;
	char what[64];
	size_t i;

	if (!list)
		return 0;
	snprintf(what, sizeof(what), "%s must be a list of at most %d strings", key, SPEC_MAX_LIST);
	if (!json_is_array(list) || json_array_size(list) > SPEC_MAX_LIST)
		return bad_hook(stage, index, what);
	json_array_foreach(list, i, item)
	{
		if (!json_is_string(item))
			return bad_hook(stage, index, what);
	}
	return 0;
}

static int check_hook(json_t *hook, const char *stage, size_t index)
{
	static const char *const known[] = {"path", "args", "env", "timeout", NULL};
	const char *path = json_string_value(json_object_get(hook, "path"));
	json_t *timeout = json_object_get(hook, "timeout");
	char where[64];

	snprintf(where, sizeof(where), "hooks.%s[%zu]", stage, index);
	if (!json_is_object(hook))
		return bad_hook(stage, index, "must be an object {path, args, env, timeout}");
	if (spec_check_keys(hook, where, known) < 0)
		return -1;
	if (!path || path[0] != '/')
		return bad_hook(stage, index, "path must be an absolute path");
	if (timeout && (!json_is_integer(timeout) || json_integer_value(timeout) < 1 ||
			json_integer_value(timeout) > 3600))
		return bad_hook(stage, index, "timeout must be a number of seconds, 1 to 3600");
	return check_strings(hook, "args", stage, index) < 0 ||
		       check_strings(hook, "env", stage, index) < 0
		   ? -1
		   : 0;
}

int hooks_check(json_t *hooks)
{
	const char *stage;
	json_t *list, *hook;
	size_t index;

	if (!hooks)
		return 0;
	if (!json_is_object(hooks)) {
		box_error("config.json: hooks must be an object of lists");
		return -1;
	}
	if (spec_check_keys(hooks, "hooks", run_stages) < 0)
		return -1;
	json_object_foreach(hooks, stage, list)
	{
		if (!json_is_array(list)) {
			box_error("config.json: hooks.%s must be a list", stage);
			return -1;
		}
		json_array_foreach(list, index, hook)
		{
			if (check_hook(hook, stage, index) < 0)
				return -1;
		}
	}
	return 0;
}

/* A list of strings (checked by hooks_check) into out, NULL-terminated. */
static void strings_of(json_t *list, const char **out)
{
	json_t *item;
	size_t i;

	json_array_foreach(list, i, item)
	{
		out[i] = json_string_value(item);
	}
	out[json_array_size(list)] = NULL;
}

/* The state on a memfd, at offset 0: the hook's standard input. */
static int state_input(json_t *state)
{
	char *text = json_dumps(state, JSON_COMPACT);
	int fd = memfd_create("state.json", MFD_CLOEXEC);
	size_t length = text ? strlen(text) : 0;

	if (!text || fd < 0 || write(fd, text, length) != (ssize_t)length ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		free(text);
		if (fd >= 0)
			close(fd);
		return box_syserr("memfd_create", "the hook's state");
	}
	free(text);
	return fd;
}

/* Wait for pid, at most seconds (0: for ever). Its wait status, or -1
 * when the time ran out: then it is killed, with whatever it started (its
 * process group). */
static int wait_hook(pid_t pid, long long seconds)
{
	int status, pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (seconds > 0 && pidfd >= 0) {
		struct pollfd exited = {.fd = pidfd, .events = POLLIN};
		int ready;

		while ((ready = poll(&exited, 1, (int)(seconds * 1000))) < 0 && errno == EINTR)
			;
		if (ready == 0)
			kill(-pid, SIGKILL);
		close(pidfd);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return ready == 0 ? -1 : status;
	}
	if (pidfd >= 0)
		close(pidfd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static int run_hook(json_t *hook, const char *stage, size_t index, json_t *state)
{
	const char *path = json_string_value(json_object_get(hook, "path"));
	const char *argv[SPEC_MAX_LIST + 2] = {path, NULL}, *env[SPEC_MAX_LIST + 1];
	json_t *args = json_object_get(hook, "args"), *env_list = json_object_get(hook, "env");
	long long timeout = json_integer_value(json_object_get(hook, "timeout"));
	int input, status;
	pid_t pid;

	if (args && json_array_size(args) > 0)
		strings_of(args, argv);
	if (env_list)
		strings_of(env_list, env);
	input = state_input(state);
	if (input < 0)
		return -1;
	trace(STEP, "hooks.%s[%zu]: fork, execve(\"%s\"), the state on its stdin", stage, index,
	      path);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(input);
		return box_syserr("fork", "a hook");
	}
	if (pid == 0) {
		/* stdin: the state; stdout: our stderr (stdout may be an answer);
		 * a process group of its own, for the timeout to kill */
		if (dup2(input, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 ||
		    setpgid(0, 0) < 0)
			_exit(127);
		execve(path, (char **)argv, env_list ? (char **)env : environ);
		box_syserr("execve", path);
		_exit(127);
	}
	close(input);
	status = wait_hook(pid, timeout);
	if (status == -1) {
		box_error("hooks.%s[%zu] %s: timed out after %lld s (killed)", stage, index, path,
			  timeout);
		return -1;
	}
	if (WIFSIGNALED(status)) {
		box_error("hooks.%s[%zu] %s: killed by SIG%s", stage, index, path,
			  sigabbrev_np(WTERMSIG(status)) ?: "?");
		return -1;
	}
	if (WEXITSTATUS(status) != 0) {
		box_error("hooks.%s[%zu] %s: exit status %d", stage, index, path,
			  WEXITSTATUS(status));
		return -1;
	}
	return 0;
}

int hooks_run(json_t *hooks, const char *stage, json_t *state)
{
	json_t *list = json_object_get(hooks, stage), *hook;
	size_t index;

	json_array_foreach(list, index, hook)
	{
		if (run_hook(hook, stage, index, state) < 0)
			return -1;
	}
	return 0;
}
