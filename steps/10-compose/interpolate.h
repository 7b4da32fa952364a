/* interpolate.h - step 10: ${VAR} in a compose file, and the .env file.
 *
 * Compose replaces variables in every string value of the file before it
 * reads a single key, with a shell-like syntax:
 *
 *     $VAR  ${VAR}        the value (an unset VAR: "" and a warning)
 *     ${VAR:-default}     default when VAR is unset or empty
 *     ${VAR-default}      default when VAR is unset
 *     ${VAR:?message}     an error when VAR is unset or empty
 *     ${VAR?message}      an error when VAR is unset
 *     ${VAR:+other}       other when VAR is set and not empty, else ""
 *     ${VAR+other}        other when VAR is set, else ""
 *     $$                  a literal $
 *
 * Defaults and messages may hold variables themselves (${A:-${B:-x}}).
 * A $ that starts none of these stays a $, as compose leaves it.
 * The values come from the environment first, then from a .env file beside
 * the compose file: the environment wins.
 */
#ifndef BOXES_INTERPOLATE_H
#define BOXES_INTERPOLATE_H

#include <stddef.h>

struct variables {
	/* The value of NAME, or NULL when it is unset. */
	const char *(*lookup)(const char *name, void *context);
	/* Called for each unset variable used without a default (may be NULL):
	 * compose warns and substitutes "". offset: of its $ in the text. */
	void (*unset)(const char *name, size_t offset, void *context);
	void *context;
};

struct interpolation_error {
	size_t offset; /* of the $ that failed, in the text */
	char text[512]; /* "what is wrong — how to fix it" */
};

/* TEXT with its variables replaced: a malloc'd string, or NULL with *error
 * filled (a ${VAR:?message} whose VAR is unset, or a malformed ${...}). */
char *interpolate(const char *text, const struct variables *variables,
		  struct interpolation_error *error);

/* A .env file: KEY=VALUE lines. '#' starts a comment line; "export " before
 * KEY is allowed; a value in '...' is taken as it is, one in "..." knows
 * \n, \t, \" and \\; an unquoted value ends at " #". */
struct dotenv {
	char **names;
	char **values;
	int count;
};

/* Parses TEXT into env (appending). 0, or the 1-based number of the first
 * bad line (which is skipped; the rest is still read). */
int dotenv_parse(const char *text, struct dotenv *env);

/* The value of NAME in env, or NULL. */
const char *dotenv_get(const struct dotenv *env, const char *name);

void dotenv_free(struct dotenv *env);

#endif
