/* interpolate.c - step 10: compose's ${VAR} syntax and the .env file.
 *
 * This is text substitution done once, when the file is read: the
 * container never sees ${VAR}, only its value. (The shell in a container
 * does its own expansion later; that is why a compose file writes $$VAR
 * for a variable meant for the container's shell.)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "10-compose/interpolate.h"

/* A growing output string. */
struct text_buffer {
	char *data;
	size_t length, capacity;
	int failed;
};

static void append(struct text_buffer *buffer, const char *text, size_t length)
{
	if (buffer->failed)
		return;
	if (buffer->length + length + 1 > buffer->capacity) {
		size_t capacity = (buffer->length + length + 1) * 2;
		char *data = realloc(buffer->data, capacity);

		if (!data) {
			buffer->failed = 1;
			return;
		}
		buffer->data = data;
		buffer->capacity = capacity;
	}
	memcpy(buffer->data + buffer->length, text, length);
	buffer->length += length;
	buffer->data[buffer->length] = '\0';
}

static int is_name_start(char c)
{
	return c == '_' || isalpha((unsigned char)c);
}

static int is_name_char(char c)
{
	return c == '_' || isalnum((unsigned char)c);
}

/* The end of a ${...} that starts at text[0] == '$': the index of its
 * closing brace, counting nested ${...}; 0 when it is not closed. */
static size_t closing_brace(const char *text)
{
	int depth = 1; /* the "${" at text[0] */

	for (size_t i = 2; text[i]; i++) {
		if (text[i] == '$' && text[i + 1] == '$') {
			i++;
		} else if (text[i] == '$' && text[i + 1] == '{') {
			depth++;
			i++;
		} else if (text[i] == '}' && --depth == 0) {
			return i;
		}
	}
	return 0;
}

static int interpolate_into(const char *text, size_t base, const struct variables *variables,
			    struct text_buffer *out, struct interpolation_error *error, int depth);

/* The part after the operator (a default, a message, a replacement) is
 * interpolated itself, but only when it is used. */
static int expand_word(const char *word, size_t length, size_t base,
		       const struct variables *variables, struct text_buffer *out,
		       struct interpolation_error *error, int depth)
{
	char *copy = strndup(word, length);
	int result;

	if (!copy) {
		out->failed = 1;
		return -1;
	}
	result = interpolate_into(copy, base, variables, out, error, depth + 1);
	free(copy);
	return result;
}

/* ${NAME}, ${NAME:-word} and friends: body is what lies between the braces. */
static int expand_braced(const char *body, size_t length, size_t offset,
			 const struct variables *variables, struct text_buffer *out,
			 struct interpolation_error *error, int depth)
{
	char name[256];
	size_t name_length = 0;
	const char *value, *word;
	int colon = 0, empty;
	char operator;

	while (name_length < length && is_name_char(body[name_length]))
		name_length++;
	if (name_length == 0 || !is_name_start(body[0]) || name_length >= sizeof(name)) {
		snprintf(error->text, sizeof(error->text),
			 "\"${%.*s}\" is not a variable — a name is letters, digits and _, not "
			 "starting with a digit; write $$ for a literal $",
			 (int)(length > 60 ? 60 : length), body);
		error->offset = offset;
		return -1;
	}
	memcpy(name, body, name_length);
	name[name_length] = '\0';
	value = variables->lookup(name, variables->context);
	if (name_length == length) { /* ${NAME} */
		if (!value && variables->unset)
			variables->unset(name, offset, variables->context);
		append(out, value ? value : "", value ? strlen(value) : 0);
		return 0;
	}
	if (body[name_length] == ':') {
		colon = 1;
		name_length++;
	}
	operator= name_length<length ? body[name_length] : '\0';
	if (operator!= '-' && operator!= '+' && operator!= '?') {
		snprintf(error->text, sizeof(error->text),
			 "\"${%.*s}\" is not a substitution compose knows — use ${%.64s}, "
			 "${%.64s:-default}, ${%.64s:?message} or ${%.64s:+other}",
			 (int)(length > 60 ? 60 : length), body, name, name, name, name);
		error->offset = offset;
		return -1;
	}
	word = body + name_length + 1;
	length -= name_length + 1;
	/* with ':', an empty value counts as unset */
	empty = !value || (colon && !*value);
	switch (operator) {
	default: /* '-' */
		if (empty)
			return expand_word(word, length, offset, variables, out, error, depth);
		append(out, value, strlen(value));
		return 0;
	case '+':
		if (!empty)
			return expand_word(word, length, offset, variables, out, error, depth);
		return 0;
	case '?':
		if (empty) {
			struct text_buffer message = {0};

			if (expand_word(word, length, offset, variables, &message, error, depth) <
			    0) {
				free(message.data);
				return -1;
			}
			snprintf(error->text, sizeof(error->text),
				 "%.64s is %s: %.200s — set %.64s in the environment or in .env "
				 "beside the "
				 "compose file",
				 name, value ? "empty" : "not set",
				 message.data && *message.data ? message.data
							       : "a value is required",
				 name);
			free(message.data);
			error->offset = offset;
			return -1;
		}
		append(out, value, strlen(value));
		return 0;
	}
}

static int interpolate_into(const char *text, size_t base, const struct variables *variables,
			    struct text_buffer *out, struct interpolation_error *error, int depth)
{
	size_t i = 0;

	if (depth > 16) {
		snprintf(error->text, sizeof(error->text),
			 "variables nested more than 16 deep — simplify the default");
		error->offset = base;
		return -1;
	}
	while (text[i]) {
		const char *dollar = strchr(text + i, '$');
		size_t at, close;

		if (!dollar) {
			append(out, text + i, strlen(text + i));
			break;
		}
		at = (size_t)(dollar - text);
		append(out, text + i, at - i);
		if (text[at + 1] == '$') { /* $$: a literal $ */
			append(out, "$", 1);
			i = at + 2;
		} else if (text[at + 1] == '{') {
			close = closing_brace(text + at);
			if (!close) {
				snprintf(error->text, sizeof(error->text),
					 "\"${\" without its closing \"}\" — close it, or write $$ "
					 "for a literal $");
				error->offset = base + at;
				return -1;
			}
			if (expand_braced(text + at + 2, close - 2, base + at, variables, out,
					  error, depth) < 0)
				return -1;
			i = at + close + 1;
		} else if (is_name_start(text[at + 1])) { /* $NAME */
			char name[256];
			size_t length = 1;
			const char *value;

			while (is_name_char(text[at + 1 + length]))
				length++;
			snprintf(name, sizeof(name), "%.*s", (int)length, text + at + 1);
			value = variables->lookup(name, variables->context);
			if (!value && variables->unset)
				variables->unset(name, base + at, variables->context);
			append(out, value ? value : "", value ? strlen(value) : 0);
			i = at + 1 + length;
		} else { /* "$ 5", "50$": not a variable, kept */
			append(out, "$", 1);
			i = at + 1;
		}
	}
	return out->failed ? -1 : 0;
}

char *interpolate(const char *text, const struct variables *variables,
		  struct interpolation_error *error)
{
	struct text_buffer out = {0};

	error->text[0] = '\0';
	error->offset = 0;
	append(&out, "", 0);
	if (interpolate_into(text, 0, variables, &out, error, 0) < 0 || out.failed) {
		if (out.failed && !error->text[0])
			snprintf(error->text, sizeof(error->text), "out of memory");
		free(out.data);
		return NULL;
	}
	return out.data;
}

/* --- .env --------------------------------------------------------------- */

static int dotenv_add(struct dotenv *env, const char *name, size_t name_length, const char *value)
{
	char **names = realloc(env->names, sizeof(char *) * (size_t)(env->count + 1));
	char **values;

	if (!names)
		return -1;
	env->names = names;
	values = realloc(env->values, sizeof(char *) * (size_t)(env->count + 1));
	if (!values)
		return -1;
	env->values = values;
	env->names[env->count] = strndup(name, name_length);
	env->values[env->count] = strdup(value);
	if (!env->names[env->count] || !env->values[env->count]) {
		free(env->names[env->count]);
		free(env->values[env->count]);
		return -1;
	}
	env->count++;
	return 0;
}

/* The value part of one line (after '='), unquoted, into out. */
static int dotenv_value(const char *text, char *out, size_t out_len)
{
	size_t length = 0;

	if (*text == '\'' || *text == '"') {
		char quote = *text++;

		while (*text && *text != quote && length + 1 < out_len) {
			char c = *text++;

			if (quote == '"' && c == '\\' && *text) {
				c = *text++;
				c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
			}
			out[length++] = c;
		}
		out[length] = '\0';
		return *text == quote ? 0 : -1;
	}
	while (*text && length + 1 < out_len) {
		if (*text == '#' && length > 0 &&
		    (out[length - 1] == ' ' || out[length - 1] == '\t'))
			break; /* an inline comment */
		out[length++] = *text++;
	}
	while (length > 0 && (out[length - 1] == ' ' || out[length - 1] == '\t'))
		length--;
	out[length] = '\0';
	return 0;
}

int dotenv_parse(const char *text, struct dotenv *env)
{
	int line_number = 0, first_bad = 0;

	while (*text) {
		const char *end = strchr(text, '\n');
		size_t line_length = end ? (size_t)(end - text) : strlen(text);
		char line[4096], value[4096];
		const char *name, *equals;
		size_t name_length = 0;

		line_number++;
		snprintf(line, sizeof(line), "%.*s", (int)line_length, text);
		if (strlen(line) && line[strlen(line) - 1] == '\r') /* a file from Windows */
			line[strlen(line) - 1] = '\0';
		text += line_length + (end ? 1 : 0);
		name = line;
		while (*name == ' ' || *name == '\t')
			name++;
		if (!*name || *name == '#')
			continue;
		if (strncmp(name, "export ", 7) == 0)
			name += 7;
		while (is_name_char(name[name_length]) || name[name_length] == '.')
			name_length++;
		equals = name + name_length;
		while (*equals == ' ')
			equals++;
		if (name_length == 0 || !is_name_start(*name) || *equals != '=' ||
		    dotenv_value(equals + 1 + strspn(equals + 1, " "), value, sizeof(value)) < 0 ||
		    dotenv_add(env, name, name_length, value) < 0) {
			if (!first_bad)
				first_bad = line_number;
		}
	}
	return first_bad;
}

const char *dotenv_get(const struct dotenv *env, const char *name)
{
	/* the last assignment wins, as in a shell */
	for (int i = env->count - 1; i >= 0; i--)
		if (strcmp(env->names[i], name) == 0)
			return env->values[i];
	return NULL;
}

void dotenv_free(struct dotenv *env)
{
	for (int i = 0; i < env->count; i++) {
		free(env->names[i]);
		free(env->values[i]);
	}
	free(env->names);
	free(env->values);
	env->names = env->values = NULL;
	env->count = 0;
}
