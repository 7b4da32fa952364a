/* exec.c - the container's last act: a clean environment, no inherited
 * file descriptors, exec(3) of the command. */
#include <errno.h>
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

int build_environment(const struct box *box, const char **env, int count, char *storage,
		      int storage_len)
{
	const char *term = getenv("TERM");
	int used = 0, offset = 0, i;
	char *entry;

	env[0] = NULL;
#define ADD_FORMATTED(...)                                                                         \
	do {                                                                                       \
		int n = snprintf(storage + offset, (size_t)(storage_len - offset), __VA_ARGS__);   \
		if (n < 0 || n >= storage_len - offset)                                            \
			return -1;                                                                 \
		entry = storage + offset;                                                          \
		offset += n + 1;                                                                   \
		if (set_variable(env, &used, count, entry) < 0)                                    \
			return -1;                                                                 \
	} while (0)

	ADD_FORMATTED("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	ADD_FORMATTED("HOME=/root");
	ADD_FORMATTED("TERM=%s", term && *term ? term : "xterm");
	if (box->hostname)
		ADD_FORMATTED("HOSTNAME=%s", box->hostname);
	for (i = 0; i < box->env_count; i++) {
		const char *given = box->env_extra[i];

		if (strchr(given, '=')) {
			if (set_variable(env, &used, count, given) < 0)
				return -1;
		} else if (getenv(given)) { /* -e KEY: the host's value, if any */
			ADD_FORMATTED("%s=%s", given, getenv(given));
		}
	}
#undef ADD_FORMATTED
	return used;
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
