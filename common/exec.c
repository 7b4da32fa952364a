/* exec.c - the container's last act: a clean environment, no inherited
 * file descriptors, exec(3) of the command. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec.h"
#include "log.h"

#define ENV_STORAGE 16384

extern char **environ;

static int set_variable(const char **env, int *used, int count, const char *entry)
{
	size_t key_len = strcspn(entry, "=");
	int i;

	for (i = 0; i < *used; i++)
		if (strncmp(env[i], entry, key_len) == 0 && env[i][key_len] == '=') {
			env[i] = entry; /* -e KEY=VAL replaces a default */
			return 0;
		}
	if (*used >= count - 1)
		return -1;
	env[(*used)++] = entry;
	env[*used] = NULL;
	return 0;
}

/* Where build_environment puts its variables: env (count slots, used so
 * far) and the text they point into (storage, offset bytes so far). */
struct env_out {
	const char **env;
	int count, used;
	char *storage;
	int storage_len, offset;
};

/* One "KEY=VALUE" formatted into storage and set in env; -1 when either is
 * full. */
__attribute__((format(printf, 2, 3))) static int add_formatted(struct env_out *out, const char *fmt,
							       ...)
{
	char *entry = out->storage + out->offset;
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(entry, (size_t)(out->storage_len - out->offset), fmt, args);
	va_end(args);
	if (n < 0 || n >= out->storage_len - out->offset)
		return -1;
	out->offset += n + 1;
	return set_variable(out->env, &out->used, out->count, entry);
}

int build_environment(const struct box *box, const char **env, int count, char *storage,
		      int storage_len)
{
	const char *term = getenv("TERM");
	struct env_out out = {env, count, 0, storage, storage_len, 0};
	int i;

	env[0] = NULL;
	if (add_formatted(&out,
			  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0)
		return -1;
	if (add_formatted(&out, "HOME=/root") < 0)
		return -1;
	if (add_formatted(&out, "TERM=%s", term && *term ? term : "xterm") < 0)
		return -1;
	if (box->hostname && add_formatted(&out, "HOSTNAME=%s", box->hostname) < 0)
		return -1;
	for (i = 0; i < box->env_count; i++) {
		const char *given = box->env_extra[i];

		if (strchr(given, '=')) {
			if (set_variable(env, &out.used, count, given) < 0)
				return -1;
		} else if (getenv(given)) { /* -e KEY: the host's value, if any */
			if (add_formatted(&out, "%s=%s", given, getenv(given)) < 0)
				return -1;
		}
	}
	return out.used;
}

int close_inherited_fds(void)
{
	/* Everything the runtime (or whoever started it) had open - the sync
	 * pipe, a netlink socket, a terminal's extra fds - stays outside. */
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
		return box_syserr("close_range", "3..");
	return 0;
}

int exec_command(struct box *box)
{
	static const char *env[BOX_MAX_ENV + 8];
	static char storage[ENV_STORAGE];
	const char *command = box->argv[0];

	if (build_environment(box, env, (int)(sizeof(env) / sizeof(env[0])), storage,
			      (int)sizeof(storage)) < 0) {
		box_error("environment too large");
		return EXIT_BOXES_FAILED;
	}
	if (chdir(box->workdir) < 0) {
		box_syserr("chdir", box->workdir);
		box_error("-w %s: the directory must exist inside the container", box->workdir);
		return EXIT_BOXES_FAILED;
	}
	if (close_inherited_fds() < 0)
		return EXIT_BOXES_FAILED;
	trace(1, "execvp(\"%s\")", command);
	environ = (char **)env; /* execvp searches the container's PATH */
	execvp(command, box->argv);
	if (errno == ENOENT) {
		box_error("exec %s: command not found in the container", command);
		return EXIT_NOT_FOUND;
	}
	box_syserr("exec", command);
	return EXIT_CANNOT_EXEC;
}
