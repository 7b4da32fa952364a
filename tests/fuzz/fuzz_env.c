/* fuzz_env.c - the container's environment: -e KEY=VAL and -e KEY.
 *
 * Each line of the input is one -e value, given on a command line that
 * parse_run_options() reads; build_environment() then makes the
 * environment the command is exec'd with. The first two bytes pick the
 * size of the entry table and of the string storage (0: the sizes
 * exec_command uses), both malloc'd to the byte, so a write past either
 * is an AddressSanitizer report. What must hold for any environment
 * build_environment returns:
 * - a NULL-terminated table of KEY=VALUE strings, KEY never empty;
 * - each KEY once (a later -e replaces an earlier one and the defaults);
 * - each KEY given with -e has the value of the last -e that set it
 *   (-e KEY takes the host's value, and changes nothing without one).
 */
#include <stdbool.h>

#include "exec.h"
#include "options.h"

static void set_host_variables(void);
#define FUZZ_SETUP set_host_variables
#include "fuzz.h"

#define REAL_TABLE (BOX_MAX_ENV + 8) /* as exec_command */
#define REAL_STORAGE 16384

/* Host variables for -e KEY to copy: a short one, one longer than the
 * whole storage, and a TERM like a real terminal's. */
static void set_host_variables(void)
{
	static char long_value[20000];

	memset(long_value, 'x', sizeof(long_value) - 1);
	setenv("FUZZ_SHORT", "1", 1);
	setenv("FUZZ_LONG", long_value, 1);
	setenv("TERM", "xterm-256color", 1);
	unsetenv("FUZZ_UNSET");
}

/* The value the environment must give KEY (the text of `given` up to
 * '=', or all of it), after every -e in order; NULL: only a default
 * (or nothing) may hold it. out holds the KEY=VALUE made from the host. */
static const char *expected_entry(const struct box *box, const char *key, size_t key_len, char *out,
				  size_t out_len)
{
	const char *expected = NULL;
	int i;

	for (i = 0; i < box->env_count; i++) {
		const char *given = box->env_extra[i];
		const char *host;

		if (strncmp(given, key, key_len) != 0)
			continue;
		if (given[key_len] == '=') {
			expected = given;
		} else if (given[key_len] == '\0' && (host = getenv(given)) != NULL) {
			snprintf(out, out_len, "%s=%s", given, host);
			expected = out;
		}
	}
	return expected;
}

static void check_environment(const struct box *box, const char **env, int used, int table)
{
	static char from_host[REAL_STORAGE * 2];
	int i, j;

	FUZZ_CHECK(used >= 0 && used < table, "%d entries in a table of %d", used, table);
	FUZZ_CHECK(env[used] == NULL, "entry %d after the last is not NULL", used);
	for (i = 0; i < used; i++) {
		const char *equals = strchr(env[i], '=');
		size_t key_len = equals ? (size_t)(equals - env[i]) : 0;
		const char *expected;

		FUZZ_CHECK(key_len > 0, "entry \"%s\" is not KEY=VALUE", env[i]);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strncmp(env[j], env[i], key_len + 1) != 0,
				   "\"%.*s\" twice: \"%s\" and \"%s\"", (int)key_len, env[i],
				   env[j], env[i]);
		expected = expected_entry(box, env[i], key_len, from_host, sizeof(from_host));
		FUZZ_CHECK(!expected || strcmp(expected, env[i]) == 0,
			   "\"%.*s\" is \"%s\", the last -e said \"%s\"", (int)key_len, env[i],
			   env[i], expected);
	}
	/* and no -e KEY=VAL got lost */
	for (i = 0; i < box->env_count; i++) {
		bool found = false;

		if (!strchr(box->env_extra[i], '='))
			continue;
		for (j = 0; j < used && !found; j++)
			found = strncmp(env[j], box->env_extra[i],
					strcspn(box->env_extra[i], "=") + 1) == 0;
		FUZZ_CHECK(found, "-e \"%s\" is missing", box->env_extra[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *values[BOX_MAX_ENV + 4], *argv[2 * (BOX_MAX_ENV + 4) + 2], *text, *storage;
	const char **env;
	struct box box;
	int count, argc = 1, table, storage_len, used, next, i;

	if (size < 2)
		return 0;
	table = data[0] ? data[0] % (REAL_TABLE + 1) + 1 : REAL_TABLE;
	storage_len = data[1] ? data[1] * 64 : REAL_STORAGE;
	text = fuzz_string(data + 2, size - 2);
	count = fuzz_lines(text, values, BOX_MAX_ENV + 4);
	argv[0] = "boxes";
	for (i = 0; i < count; i++) {
		argv[argc++] = "-e";
		argv[argc++] = values[i];
	}
	argv[argc] = NULL;
	/* step 02, so HOSTNAME is among the defaults an -e can replace */
	if (parse_run_options(&box, 2, argc, argv, &next) == 0) {
		box.hostname = "fuzzhost";
		env = malloc(sizeof(*env) * (size_t)table);
		storage = malloc((size_t)storage_len);
		if (!env || !storage)
			abort();
		used = build_environment(&box, env, table, storage, storage_len);
		if (used >= 0)
			check_environment(&box, env, used, table);
		free(env);
		free(storage);
	}
	free(text);
	return 0;
}
