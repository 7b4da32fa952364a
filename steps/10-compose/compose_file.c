/* compose_file.c - step 10: a compose file, read with libyaml into the
 * plain model of compose_file.h.
 *
 * The pipeline: read the text → libyaml builds a document (a tree of
 * mappings, sequences and scalars, every node with its line and column)
 * → walk the keys compose knows, interpolating each string as it is read
 * → check what spans services (compose_check.c). Every problem is
 * recorded with its position and the walk goes on, so one run shows all
 * of them. A YAML syntax error is the one thing that stops the walk: there
 * is no tree to walk then.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "log.h"
#include "size.h"

#include "10-compose/compose_file.h"
#include "10-compose/compose_problems.h"
#include "10-compose/compose_values.h"
#include "10-compose/interpolate.h"

#define MAX_FILE_SIZE (4 << 20) /* a compose file of 4 MiB is a mistake */
#define MAX_PAIRS 256 /* keys of one mapping */
#define NODE_BUDGET 1000000 /* aliases can make a small file walk forever */

extern char **environ;

/* --- the project's memory: one arena, freed at once ---------------------- */

struct compose_arena {
	struct compose_arena *next;
	size_t used, size;
	char data[];
};

static void *arena_alloc(struct compose_project *project, size_t length)
{
	struct compose_arena *arena = project->arena;

	length = (length + 7) & ~(size_t)7;
	if (!arena || arena->used + length > arena->size) {
		size_t size = length > 65536 ? length : 65536;

		arena = malloc(sizeof(*arena) + size);
		if (!arena)
			box_die("compose: out of memory");
		arena->next = project->arena;
		arena->used = 0;
		arena->size = size;
		project->arena = arena;
	}
	arena->used += length;
	return arena->data + arena->used - length;
}

const char *compose_strdup(struct compose_project *project, const char *text)
{
	size_t length = strlen(text) + 1;
	char *copy = arena_alloc(project, length);

	memcpy(copy, text, length);
	return copy;
}

static const char *arena_printf(struct compose_project *project, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *arena_printf(struct compose_project *project, const char *fmt, ...)
{
	char text[4096];
	va_list args;

	va_start(args, fmt);
	vsnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	return compose_strdup(project, text);
}

void compose_project_free(struct compose_project *project)
{
	if (!project)
		return;
	while (project->arena) {
		struct compose_arena *next = project->arena->next;

		free(project->arena);
		project->arena = next;
	}
	free(project);
}

/* --- problems ------------------------------------------------------------ */

static void add_problem(struct compose_project *project, struct compose_at at, int warning,
			const char *fmt, va_list args)
{
	char text[1024];

	if (warning)
		project->warning_count++;
	else
		project->error_count++;
	if (project->problem_count == COMPOSE_MAX_PROBLEMS)
		return;
	vsnprintf(text, sizeof(text), fmt, args);
	project->problems[project->problem_count].at = at;
	project->problems[project->problem_count].warning = warning;
	project->problems[project->problem_count].text = compose_strdup(project, text);
	project->problem_count++;
}

void compose_error(struct compose_project *project, struct compose_at at, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	add_problem(project, at, 0, fmt, args);
	va_end(args);
}

void compose_warning(struct compose_project *project, struct compose_at at, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	add_problem(project, at, 1, fmt, args);
	va_end(args);
}

static int problem_order(const void *a, const void *b)
{
	const struct compose_problem *x = a, *y = b;

	if (x->at.line != y->at.line)
		return x->at.line - y->at.line;
	if (x->at.column != y->at.column)
		return x->at.column - y->at.column;
	return x < y ? -1 : x > y; /* as found: problems[] is in that order */
}

void compose_print_problems(const struct compose_project *project, FILE *out)
{
	struct compose_problem sorted[COMPOSE_MAX_PROBLEMS];
	int count = project->problem_count;

	memcpy(sorted, project->problems, sizeof(sorted[0]) * (size_t)count);
	qsort(sorted, (size_t)count, sizeof(sorted[0]), problem_order);
	for (int i = 0; i < count; i++) {
		const struct compose_problem *problem = &sorted[i];

		if (problem->at.line)
			fprintf(out, "%s:%d:%d: ", project->file, problem->at.line,
				problem->at.column);
		else
			fprintf(out, "%s: ", project->file);
		fprintf(out, "%s%s\n", problem->warning ? "warning: " : "", problem->text);
	}
	if (project->error_count)
		fprintf(out, "boxes: %s has %d error%s%s\n", project->file, project->error_count,
			project->error_count == 1 ? "" : "s",
			project->error_count > count ? " (the first ones are shown)" : "");
}

/* --- the loader: a libyaml document and what the walk needs -------------- */

struct loader {
	struct compose_project *project;
	yaml_document_t document;
	const struct compose_options *options;
	char *const *environment;
	struct dotenv dotenv;
	int budget; /* nodes the walk may still visit */
	const char *warned[32]; /* unset variables warned about once */
	int warned_count;
};

struct pair {
	const char *key;
	yaml_node_t *key_node;
	yaml_node_t *value;
};

struct pairs {
	struct pair item[MAX_PAIRS];
	int count;
};

/* Pairs are large (MAX_PAIRS of them): on the heap, not the stack. */
static struct pairs *new_pairs(void)
{
	struct pairs *pairs = malloc(sizeof(struct pairs));

	if (!pairs)
		box_die("compose: out of memory");
	pairs->count = 0;
	return pairs;
}

static yaml_node_t *node_at(struct loader *loader, int index)
{
	return yaml_document_get_node(&loader->document, index);
}

static struct compose_at at_of(const yaml_node_t *node)
{
	struct compose_at at = {(int)node->start_mark.line + 1, (int)node->start_mark.column + 1};

	return at;
}

static const char *raw_text(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/* null, ~ and nothing at all are YAML's null (unquoted). */
static int is_null(const yaml_node_t *node)
{
	const char *text;

	if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	text = raw_text(node);
	return !*text || strcmp(text, "~") == 0 || strcmp(text, "null") == 0 ||
	       strcmp(text, "Null") == 0 || strcmp(text, "NULL") == 0;
}

/* "a list", "a mapping", "the string "nginx"", for messages. */
static const char *kind_of(struct loader *loader, const yaml_node_t *node)
{
	if (node->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (node->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (is_null(node))
		return "empty";
	return arena_printf(loader->project, "the value \"%.40s\"", raw_text(node));
}

static int spend(struct loader *loader, int nodes)
{
	if (loader->budget < 0)
		return -1;
	loader->budget -= nodes;
	if (loader->budget < 0) {
		compose_error(loader->project, (struct compose_at){0, 0},
			      "the file expands to more than %d values (aliases of aliases?) — "
			      "write it out without so many *aliases",
			      NODE_BUDGET);
		return -1;
	}
	return 0;
}

/* --- interpolation of every string value ---------------------------------- */

static const char *lookup_variable(const char *name, void *context)
{
	struct loader *loader = context;
	size_t length = strlen(name);

	for (char *const *entry = loader->environment; entry && *entry; entry++)
		if (strncmp(*entry, name, length) == 0 && (*entry)[length] == '=')
			return *entry + length + 1;
	return dotenv_get(&loader->dotenv, name); /* the environment wins over .env */
}

struct unset_context {
	struct loader *loader;
	const yaml_node_t *node;
};

static struct compose_at at_offset(const yaml_node_t *node, size_t offset)
{
	struct compose_at at = at_of(node);

	/* on one line, the column of the $ itself (a quote comes first) */
	if (node->start_mark.line == node->end_mark.line) {
		at.column += (int)offset;
		if (node->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    node->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
			at.column++;
	}
	return at;
}

static void warn_unset(const char *name, size_t offset, void *context)
{
	struct unset_context *unset = context;
	struct loader *loader = unset->loader;

	for (int i = 0; i < loader->warned_count; i++)
		if (strcmp(loader->warned[i], name) == 0)
			return;
	if (loader->warned_count < 32)
		loader->warned[loader->warned_count++] = compose_strdup(loader->project, name);
	compose_warning(loader->project, at_offset(unset->node, offset),
			"%s is not set, so it is replaced by an empty string — set it in the "
			"environment or in .env, or give a default: ${%s:-default}",
			name, name);
}

static const char *lookup_for_unset(const char *name, void *context)
{
	return lookup_variable(name, ((struct unset_context *)context)->loader);
}

/* A scalar's text with its variables replaced, owned by the project; NULL
 * after an error. what names the field in messages. */
static const char *string_of(struct loader *loader, yaml_node_t *node, const char *what)
{
	struct unset_context unset = {loader, node};
	struct variables variables = {lookup_for_unset, warn_unset, &unset};
	struct interpolation_error error;
	const char *copy;
	char *text;

	if (node->type != YAML_SCALAR_NODE) {
		compose_error(loader->project, at_of(node),
			      "%s is %s, but it must be a single value — write it on the same line "
			      "after the colon",
			      what, kind_of(loader, node));
		return NULL;
	}
	text = interpolate(raw_text(node), &variables, &error);
	if (!text) {
		compose_error(loader->project, at_offset(node, error.offset), "%s: %s", what,
			      error.text);
		return NULL;
	}
	copy = compose_strdup(loader->project, text);
	free(text);
	return copy;
}

/* --- mappings, with duplicate keys and <<: merges ------------------------ */

static int pairs_find(const struct pairs *pairs, const char *key)
{
	for (int i = 0; i < pairs->count; i++)
		if (strcmp(pairs->item[i].key, key) == 0)
			return i;
	return -1;
}

static void merge_into(struct loader *loader, yaml_node_t *source, struct pairs *out,
		       const char *where, int depth);

/* The key/value pairs of MAPPING into out: its own keys (a key given twice
 * is an error), then those of <<: *anchor merges that it does not give. */
static int mapping_pairs(struct loader *loader, yaml_node_t *mapping, struct pairs *out,
			 const char *where, int depth)
{
	yaml_node_pair_t *pair;
	yaml_node_t *merges[8];
	int merge_count = 0;

	out->count = 0;
	if (mapping->type != YAML_MAPPING_NODE || depth > 8)
		return -1;
	if (spend(loader,
		  (int)(mapping->data.mapping.pairs.top - mapping->data.mapping.pairs.start)) < 0)
		return -1;
	for (pair = mapping->data.mapping.pairs.start; pair < mapping->data.mapping.pairs.top;
	     pair++) {
		yaml_node_t *key = node_at(loader, pair->key);
		yaml_node_t *value = node_at(loader, pair->value);
		int seen;

		if (!key || !value)
			continue;
		if (key->type != YAML_SCALAR_NODE) {
			compose_error(loader->project, at_of(key),
				      "a key of %s is %s — a key is a plain name", where,
				      kind_of(loader, key));
			continue;
		}
		if (strcmp(raw_text(key), "<<") == 0 &&
		    key->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			if (merge_count < 8)
				merges[merge_count++] = value;
			continue;
		}
		seen = pairs_find(out, raw_text(key));
		if (seen >= 0) {
			compose_error(loader->project, at_of(key),
				      "\"%s\" is given twice in %s (first on line %d) — keep one",
				      raw_text(key), where, at_of(out->item[seen].key_node).line);
			continue;
		}
		if (out->count == MAX_PAIRS) {
			compose_error(loader->project, at_of(key),
				      "%s has more than %d keys — boxes reads at most %d", where,
				      MAX_PAIRS, MAX_PAIRS);
			break;
		}
		out->item[out->count++] = (struct pair){raw_text(key), key, value};
	}
	for (int i = 0; i < merge_count; i++)
		merge_into(loader, merges[i], out, where, depth);
	return 0;
}

/* <<: *base or <<: [*a, *b]: keys the mapping doesn't give itself. */
static void merge_into(struct loader *loader, yaml_node_t *source, struct pairs *out,
		       const char *where, int depth)
{
	struct pairs *merged;

	if (source->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *item = source->data.sequence.items.start;
		     item < source->data.sequence.items.top; item++) {
			yaml_node_t *element = node_at(loader, *item);

			if (element && element->type == YAML_MAPPING_NODE)
				merge_into(loader, element, out, where, depth);
		}
		return;
	}
	if (source->type != YAML_MAPPING_NODE) {
		compose_error(loader->project, at_of(source),
			      "<<: in %s merges %s — it takes a mapping, e.g. <<: *defaults", where,
			      kind_of(loader, source));
		return;
	}
	merged = new_pairs();
	if (mapping_pairs(loader, source, merged, where, depth + 1) == 0)
		for (int i = 0; i < merged->count; i++)
			if (pairs_find(out, merged->item[i].key) < 0 && out->count < MAX_PAIRS)
				out->item[out->count++] = merged->item[i];
	free(merged);
}

/* The items of a sequence, counted against the budget. */
static int sequence_length(struct loader *loader, yaml_node_t *sequence)
{
	int length = (int)(sequence->data.sequence.items.top - sequence->data.sequence.items.start);

	return spend(loader, length) < 0 ? 0 : length;
}

static yaml_node_t *sequence_item(struct loader *loader, yaml_node_t *sequence, int index)
{
	return node_at(loader, sequence->data.sequence.items.start[index]);
}

/* --- keys a mapping may have ---------------------------------------------- */

/* Unknown key in a mapping: a typo of a known one ("did you mean"), or a
 * key boxes does not know. x-* keys are compose's extension fields: any
 * mapping may have them, and they are for the author, not for boxes. */
static void unknown_key(struct loader *loader, const struct pair *pair, const char *where,
			const char *const *known)
{
	const char *nearest = nearest_word(pair->key, known);

	if (nearest)
		compose_error(loader->project, at_of(pair->key_node),
			      "unknown key \"%s\" in %s — did you mean \"%s\"?", pair->key, where,
			      nearest);
	else
		compose_error(loader->project, at_of(pair->key_node),
			      "unknown key \"%s\" in %s — remove it (known keys: see "
			      "steps/10-compose/README.md), or name it x-%s to keep it as a note",
			      pair->key, where, pair->key);
}

static int is_extension(const char *key)
{
	return strncmp(key, "x-", 2) == 0;
}

/* An error for every key of pairs that is not in known (nor x-*). */
static void check_keys(struct loader *loader, const struct pairs *pairs, const char *where,
		       const char *const *known)
{
	for (int i = 0; i < pairs->count; i++) {
		int found = is_extension(pairs->item[i].key);

		for (int k = 0; known[k] && !found; k++)
			found = strcmp(known[k], pairs->item[i].key) == 0;
		if (!found)
			unknown_key(loader, &pairs->item[i], where, known);
	}
}

/* --- values ---------------------------------------------------------------- */

static int bool_of(struct loader *loader, yaml_node_t *node, const char *what, int *value)
{
	const char *text = string_of(loader, node, what);

	if (!text)
		return -1;
	if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0 || strcmp(text, "TRUE") == 0) {
		*value = 1;
		return 0;
	}
	if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0 ||
	    strcmp(text, "FALSE") == 0) {
		*value = 0;
		return 0;
	}
	compose_error(loader->project, at_of(node), "%s is \"%s\" — write true or false", what,
		      text);
	return -1;
}

static int count_of(struct loader *loader, yaml_node_t *node, const char *what, long long *value,
		    int zero_allowed)
{
	const char *text = string_of(loader, node, what);

	if (!text)
		return -1;
	if (zero_allowed && strcmp(text, "0") == 0) {
		*value = 0;
		return 0;
	}
	if (parse_count(text, value) < 0) {
		compose_error(loader->project, at_of(node), "%s is \"%s\" — write a whole number%s",
			      what, text, zero_allowed ? "" : " from 1");
		return -1;
	}
	return 0;
}

static int duration_of(struct loader *loader, yaml_node_t *node, const char *what,
		       long long *nanoseconds)
{
	const char *text = string_of(loader, node, what);
	char why[256];

	if (!text)
		return -1;
	if (parse_duration(text, nanoseconds, why, sizeof(why)) < 0) {
		compose_error(loader->project, at_of(node), "%s: %s", what, why);
		return -1;
	}
	return 0;
}

/* command, entrypoint, healthcheck test: a string (split into words) or a
 * list of strings. */
static void words_of(struct loader *loader, yaml_node_t *node, const char *what,
		     struct compose_words *words)
{
	memset(words, 0, sizeof(*words));
	if (is_null(node))
		return;
	words->given = 1;
	if (node->type == YAML_SEQUENCE_NODE) {
		int length = sequence_length(loader, node);

		if (length > COMPOSE_MAX_WORDS) {
			compose_error(loader->project, at_of(node),
				      "%s has %d words — boxes keeps at most %d", what, length,
				      COMPOSE_MAX_WORDS);
			return;
		}
		for (int i = 0; i < length; i++) {
			const char *word = string_of(loader, sequence_item(loader, node, i), what);

			if (word)
				words->word[words->count++] = word;
		}
		words->word[words->count] = NULL;
		return;
	}
	if (node->type == YAML_SCALAR_NODE) {
		const char *text = string_of(loader, node, what);
		char why[256], **list = (char **)words->word;
		char *storage;
		int count;

		if (!text)
			return;
		storage = arena_alloc(loader->project, strlen(text) + 1);
		count = split_words(text, storage, list, COMPOSE_MAX_WORDS, why, sizeof(why));
		if (count < 0) {
			compose_error(loader->project, at_of(node), "%s: %s", what, why);
			words->count = 0;
			words->word[0] = NULL;
			return;
		}
		words->count = count;
		return;
	}
	compose_error(loader->project, at_of(node),
		      "%s is a mapping — write a command as a string or a list of words", what);
}

/* --- the service keys ------------------------------------------------------ */

struct service_loader {
	struct loader *loader;
	struct compose_service *service;
	const char *where; /* "service "web"" */
	yaml_node_t *env_file_nodes[COMPOSE_MAX_ENV_FILES];
	int env_file_required[COMPOSE_MAX_ENV_FILES];
	long long deploy_memory, deploy_pids;
	double deploy_cpus;
	struct compose_at deploy_at;
};

static const char *field(struct service_loader *s, const char *key)
{
	return arena_printf(s->loader->project, "%s of service \"%s\"", key, s->service->name);
}

static void key_image(struct service_loader *s, yaml_node_t *value)
{
	const char *image = string_of(s->loader, value, field(s, "image"));

	if (!image)
		return;
	if (!*image) {
		compose_error(s->loader->project, at_of(value),
			      "image of service \"%s\" is empty — name an image, e.g. image: nginx",
			      s->service->name);
		return;
	}
	s->service->image = image;
	s->service->image_at = at_of(value);
}

static void key_command(struct service_loader *s, yaml_node_t *value)
{
	words_of(s->loader, value, field(s, "command"), &s->service->command);
}

static void key_entrypoint(struct service_loader *s, yaml_node_t *value)
{
	words_of(s->loader, value, field(s, "entrypoint"), &s->service->entrypoint);
}

/* One variable: a later one replaces an earlier one of the same name,
 * unless keep_existing (env_file's, which the environment key wins over). */
static void env_set(struct service_loader *s, const char *name, const char *value,
		    struct compose_at at, int keep_existing)
{
	struct compose_service *service = s->service;

	for (int i = 0; i < service->environment_count; i++)
		if (strcmp(service->environment[i].name, name) == 0) {
			if (!keep_existing)
				service->environment[i].value = value;
			return;
		}
	if (service->environment_count == COMPOSE_MAX_ENV) {
		compose_error(s->loader->project, at,
			      "service \"%s\" has more than %d environment variables — boxes "
			      "keeps at most %d",
			      service->name, COMPOSE_MAX_ENV, COMPOSE_MAX_ENV);
		return;
	}
	service->environment[service->environment_count].name = name;
	service->environment[service->environment_count].value = value;
	service->environment_count++;
}

static int valid_variable_name(const char *name)
{
	return *name && !strchr(name, '=') && !strchr(name, ' ');
}

static void key_environment(struct service_loader *s, yaml_node_t *value)
{
	struct loader *loader = s->loader;
	const char *what = field(s, "environment");

	if (value->type == YAML_MAPPING_NODE) { /* KEY: value */
		struct pairs *pairs = new_pairs();

		mapping_pairs(loader, value, pairs, what, 0);
		for (int i = 0; i < pairs->count; i++) {
			const struct pair *pair = &pairs->item[i];
			const char *text;

			if (!valid_variable_name(pair->key)) {
				compose_error(loader->project, at_of(pair->key_node),
					      "\"%s\" in %s is not a variable name — no spaces or "
					      "'=' in a name",
					      pair->key, what);
				continue;
			}
			if (is_null(pair->value)) { /* KEY: (empty): from our environment */
				text = lookup_variable(pair->key, loader);
				if (text)
					env_set(s, compose_strdup(loader->project, pair->key),
						compose_strdup(loader->project, text),
						at_of(pair->key_node), 0);
				continue;
			}
			text = string_of(loader, pair->value, what);
			if (text)
				env_set(s, compose_strdup(loader->project, pair->key), text,
					at_of(pair->key_node), 0);
		}
		free(pairs);
		return;
	}
	if (value->type == YAML_SEQUENCE_NODE) { /* - KEY=value */
		int length = sequence_length(loader, value);

		for (int i = 0; i < length; i++) {
			yaml_node_t *item = sequence_item(loader, value, i);
			const char *text = string_of(loader, item, what);
			const char *equals;
			char *name;

			if (!text)
				continue;
			equals = strchr(text, '=');
			name = strndup(text, equals ? (size_t)(equals - text) : strlen(text));
			if (!name)
				box_die("compose: out of memory");
			if (!valid_variable_name(name)) {
				compose_error(loader->project, at_of(item),
					      "\"%s\" in %s is not NAME=value — write e.g. - "
					      "DEBUG=1",
					      text, what);
			} else if (equals) {
				env_set(s, compose_strdup(loader->project, name), equals + 1,
					at_of(item), 0);
			} else { /* - KEY: from our environment, or left out */
				const char *from = lookup_variable(name, loader);

				if (from)
					env_set(s, compose_strdup(loader->project, name),
						compose_strdup(loader->project, from), at_of(item),
						0);
			}
			free(name);
		}
		return;
	}
	compose_error(loader->project, at_of(value),
		      "%s is %s — write a mapping (KEY: value lines) or a list (- KEY=value)", what,
		      kind_of(loader, value));
}

static void add_env_file(struct service_loader *s, yaml_node_t *node, int required)
{
	int index = s->service->env_file_count;
	const char *path;

	if (index == COMPOSE_MAX_ENV_FILES) {
		compose_error(s->loader->project, at_of(node),
			      "more than %d env_file entries — boxes reads at most %d",
			      COMPOSE_MAX_ENV_FILES, COMPOSE_MAX_ENV_FILES);
		return;
	}
	path = string_of(s->loader, node, field(s, "env_file"));
	if (!path)
		return;
	if (path[0] != '/')
		path = arena_printf(s->loader->project, "%s/%s", s->loader->project->dir, path);
	s->service->env_files[index] = path;
	s->env_file_nodes[index] = node;
	s->env_file_required[index] = required;
	s->service->env_file_count++;
}

static void key_env_file(struct service_loader *s, yaml_node_t *value)
{
	struct loader *loader = s->loader;

	if (value->type == YAML_SCALAR_NODE) {
		add_env_file(s, value, 1);
		return;
	}
	if (value->type != YAML_SEQUENCE_NODE) {
		compose_error(loader->project, at_of(value),
			      "%s is a mapping — write a file name or a list of them",
			      field(s, "env_file"));
		return;
	}
	for (int i = 0, length = sequence_length(loader, value); i < length; i++) {
		yaml_node_t *item = sequence_item(loader, value, i);
		static const char *const known[] = {"path", "required", "format", NULL};
		struct pairs pairs;
		int required = 1, at;

		if (item->type != YAML_MAPPING_NODE) {
			add_env_file(s, item, 1);
			continue;
		}
		/* the long form: {path: ./a.env, required: false} */
		mapping_pairs(loader, item, &pairs, field(s, "env_file"), 0);
		check_keys(loader, &pairs, field(s, "an env_file entry"), known);
		at = pairs_find(&pairs, "required");
		if (at >= 0)
			bool_of(loader, pairs.item[at].value, "required", &required);
		at = pairs_find(&pairs, "path");
		if (at < 0)
			compose_error(loader->project, at_of(item),
				      "an env_file entry without path: — add path: FILE");
		else
			add_env_file(s, pairs.item[at].value, required);
	}
}

/* Reads each env_file and merges it under environment (which wins). */
static void merge_env_files(struct service_loader *s)
{
	struct loader *loader = s->loader;

	if (loader->options->ignore_env_files)
		return;
	/* the last file first, so that its values win over earlier files' */
	for (int i = s->service->env_file_count - 1; i >= 0; i--) {
		struct dotenv env = {0};
		char *text = NULL;
		struct stat st;
		int fd = open(s->service->env_files[i], O_RDONLY | O_CLOEXEC), bad_line;

		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_size > MAX_FILE_SIZE) {
			const char *why =
			    fd < 0 ? strerror(errno) : "not a regular file of < 4 MiB";

			if (fd >= 0)
				close(fd);
			if (s->env_file_required[i])
				compose_error(
				    loader->project, at_of(s->env_file_nodes[i]),
				    "env_file %s can't be read: %s — create it, or remove "
				    "it from env_file",
				    s->service->env_files[i], why);
			continue;
		}
		text = calloc(1, (size_t)st.st_size + 1);
		if (!text || read(fd, text, (size_t)st.st_size) != st.st_size) {
			compose_error(loader->project, at_of(s->env_file_nodes[i]),
				      "env_file %s can't be read: %s — check the file",
				      s->service->env_files[i], strerror(errno));
			close(fd);
			free(text);
			continue;
		}
		close(fd);
		bad_line = dotenv_parse(text, &env);
		if (bad_line)
			compose_error(loader->project, at_of(s->env_file_nodes[i]),
				      "env_file %s, line %d, is not NAME=value — fix that line",
				      s->service->env_files[i], bad_line);
		for (int v = 0; v < env.count; v++)
			env_set(s, compose_strdup(loader->project, env.names[v]),
				compose_strdup(loader->project, env.values[v]),
				at_of(s->env_file_nodes[i]), 1);
		dotenv_free(&env);
		free(text);
	}
}

/* ports:, expose: and volumes: are lists; 1 when value is one, else 0
 * after an error that says how to write one. */
static int is_list(struct service_loader *s, yaml_node_t *value, const char *key, const char *how)
{
	if (value->type == YAML_SEQUENCE_NODE)
		return 1;
	compose_error(s->loader->project, at_of(value),
		      "%s of service \"%s\" is %s — write a list: %s", key, s->service->name,
		      kind_of(s->loader, value), how);
	return 0;
}

static void port_error(struct service_loader *s, yaml_node_t *node, const char *text,
		       const char *why)
{
	compose_error(s->loader->project, at_of(node), "port \"%s\" of service \"%s\": %s", text,
		      s->service->name, why);
}

static void set_port_positions(struct compose_port *ports, int from, int to, yaml_node_t *node)
{
	for (int i = from; i < to; i++) {
		ports[i].line = at_of(node).line;
		ports[i].column = at_of(node).column;
	}
}

/* ports: - target: 80 / published: "8080" / host_ip: ... / protocol: tcp */
static void port_long(struct service_loader *s, yaml_node_t *item)
{
	static const char *const known[] = {"target", "published", "host_ip",	   "protocol",
					    "mode",   "name",	   "app_protocol", NULL};
	struct loader *loader = s->loader;
	const char *fields[4] = {NULL, NULL, NULL, NULL}; /* target published host_ip protocol */
	struct pairs pairs;
	char why[512];
	int before = s->service->port_count;

	mapping_pairs(loader, item, &pairs, field(s, "a port"), 0);
	check_keys(loader, &pairs, field(s, "a port"), known);
	for (int f = 0; f < 4; f++) {
		int at = pairs_find(&pairs, known[f]);

		if (at >= 0 && !is_null(pairs.item[at].value))
			fields[f] = string_of(loader, pairs.item[at].value, known[f]);
	}
	if (port_parse_long(fields[0], fields[1], fields[2], fields[3], s->service->ports,
			    COMPOSE_MAX_PORTS, &s->service->port_count, why, sizeof(why)) < 0)
		port_error(s, item, fields[0] ? fields[0] : "(long syntax)", why);
	set_port_positions(s->service->ports, before, s->service->port_count, item);
}

static void key_ports(struct service_loader *s, yaml_node_t *value)
{
	struct loader *loader = s->loader;

	if (!is_list(s, value, "ports", "one \"- HOST:CONTAINER\" line per port"))
		return;
	for (int i = 0, length = sequence_length(loader, value); i < length; i++) {
		yaml_node_t *item = sequence_item(loader, value, i);
		int before = s->service->port_count;
		const char *text;
		char why[512];

		if (item->type == YAML_MAPPING_NODE) {
			port_long(s, item);
			continue;
		}
		text = string_of(loader, item, field(s, "a port"));
		if (!text)
			continue;
		if (port_parse_short(text, s->service->ports, COMPOSE_MAX_PORTS,
				     &s->service->port_count, why, sizeof(why)) < 0)
			port_error(s, item, text, why);
		set_port_positions(s->service->ports, before, s->service->port_count, item);
	}
}

static void key_expose(struct service_loader *s, yaml_node_t *value)
{
	struct loader *loader = s->loader;

	if (!is_list(s, value, "expose", "one \"- PORT\" line per container port"))
		return;
	for (int i = 0, length = sequence_length(loader, value); i < length; i++) {
		yaml_node_t *item = sequence_item(loader, value, i);
		const char *text = string_of(loader, item, field(s, "expose"));
		int before = s->service->expose_count;
		char why[512];

		if (!text)
			continue;
		if (port_parse_expose(text, s->service->expose, COMPOSE_MAX_EXPOSE,
				      &s->service->expose_count, why, sizeof(why)) < 0)
			compose_error(loader->project, at_of(item),
				      "expose \"%s\" of service \"%s\": %s", text, s->service->name,
				      why);
		set_port_positions(s->service->expose, before, s->service->expose_count, item);
	}
}

static struct compose_dependency *add_dependency(struct service_loader *s, yaml_node_t *node,
						 const char *name)
{
	struct compose_dependency *dependency;

	if (s->service->depends_count == COMPOSE_MAX_DEPENDS) {
		compose_error(s->loader->project, at_of(node),
			      "service \"%s\" depends on more than %d services — boxes keeps at "
			      "most %d",
			      s->service->name, COMPOSE_MAX_DEPENDS, COMPOSE_MAX_DEPENDS);
		return NULL;
	}
	dependency = &s->service->depends_on[s->service->depends_count++];
	dependency->service = name;
	dependency->index = -1; /* compose_check.c finds it */
	dependency->condition = COMPOSE_SERVICE_STARTED;
	dependency->required = 1;
	dependency->at = at_of(node);
	return dependency;
}

static void dependency_details(struct service_loader *s, struct compose_dependency *dependency,
			       yaml_node_t *details)
{
	static const char *const known[] = {"condition", "restart", "required", NULL};
	static const char *const conditions[] = {"service_started", "service_healthy",
						 "service_completed_successfully", NULL};
	struct loader *loader = s->loader;
	const char *where = arena_printf(loader->project, "depends_on \"%s\" of service \"%s\"",
					 dependency->service, s->service->name);
	struct pairs pairs;
	int at;

	if (is_null(details))
		return;
	if (details->type != YAML_MAPPING_NODE) {
		compose_error(loader->project, at_of(details),
			      "%s is %s — write condition: service_started (or service_healthy, "
			      "service_completed_successfully) under it",
			      where, kind_of(loader, details));
		return;
	}
	mapping_pairs(loader, details, &pairs, where, 0);
	check_keys(loader, &pairs, where, known);
	at = pairs_find(&pairs, "condition");
	if (at >= 0) {
		const char *condition = string_of(loader, pairs.item[at].value, "condition");
		int found = -1;

		for (int c = 0; condition && conditions[c]; c++)
			if (strcmp(condition, conditions[c]) == 0)
				found = c;
		if (condition && found < 0) {
			const char *nearest = nearest_word(condition, conditions);

			compose_error(loader->project, at_of(pairs.item[at].value),
				      "condition \"%s\" of %s is not a condition — %s%s%s",
				      condition, where,
				      nearest ? "did you mean \""
					      : "use service_started, "
						"service_healthy or "
						"service_completed_successfully",
				      nearest ? nearest : "", nearest ? "\"?" : "");
		}
		if (found >= 0)
			dependency->condition = (enum compose_condition)found;
	}
	at = pairs_find(&pairs, "restart");
	if (at >= 0)
		bool_of(loader, pairs.item[at].value, "restart", &dependency->restart);
	at = pairs_find(&pairs, "required");
	if (at >= 0)
		bool_of(loader, pairs.item[at].value, "required", &dependency->required);
}

static void key_depends_on(struct service_loader *s, yaml_node_t *value)
{
	struct loader *loader = s->loader;

	if (value->type == YAML_SEQUENCE_NODE) { /* - db */
		for (int i = 0, length = sequence_length(loader, value); i < length; i++) {
			yaml_node_t *item = sequence_item(loader, value, i);
			const char *name = string_of(loader, item, field(s, "depends_on"));

			if (name)
				add_dependency(s, item, name);
		}
		return;
	}
	if (value->type == YAML_MAPPING_NODE) { /* db: {condition: service_healthy} */
		struct pairs pairs;

		mapping_pairs(loader, value, &pairs, field(s, "depends_on"), 0);
		for (int i = 0; i < pairs.count; i++) {
			struct compose_dependency *dependency =
			    add_dependency(s, pairs.item[i].key_node,
					   compose_strdup(loader->project, pairs.item[i].key));

			if (dependency)
				dependency_details(s, dependency, pairs.item[i].value);
		}
		return;
	}
	compose_error(loader->project, at_of(value),
		      "depends_on of service \"%s\" is %s — write a list of service names",
		      s->service->name, kind_of(loader, value));
}

static void healthcheck_test(struct service_loader *s, yaml_node_t *value)
{
	struct compose_healthcheck *health = &s->service->healthcheck;
	struct loader *loader = s->loader;
	const char *first;

	if (value->type == YAML_SCALAR_NODE) { /* a string: run by the shell */
		const char *text = string_of(loader, value, field(s, "healthcheck test"));

		if (!text)
			return;
		health->test.given = 1;
		health->test.count = 2;
		health->test.word[0] = "CMD-SHELL";
		health->test.word[1] = text;
		health->test.word[2] = NULL;
		return;
	}
	words_of(loader, value, field(s, "healthcheck test"), &health->test);
	first = health->test.count ? health->test.word[0] : "";
	if (strcmp(first, "NONE") == 0) {
		health->disabled = 1;
	} else if (strcmp(first, "CMD") != 0 && strcmp(first, "CMD-SHELL") != 0) {
		compose_error(loader->project, at_of(value),
			      "healthcheck test of service \"%s\" starts with \"%s\" — a list "
			      "starts with \"CMD\" (then the argv), \"CMD-SHELL\" (then one shell "
			      "command) or \"NONE\"",
			      s->service->name, first);
	} else if (health->test.count < 2) {
		compose_error(loader->project, at_of(value),
			      "healthcheck test of service \"%s\" has no command after %s — add "
			      "one, e.g. [\"CMD\", \"wget\", \"-q\", \"http://localhost/\"]",
			      s->service->name, first);
	}
}

static void key_healthcheck(struct service_loader *s, yaml_node_t *value)
{
	static const char *const known[] = {"test",	    "interval",	      "timeout", "retries",
					    "start_period", "start_interval", "disable", NULL};
	struct compose_healthcheck *health = &s->service->healthcheck;
	struct loader *loader = s->loader;
	const char *where = field(s, "healthcheck");
	struct pairs pairs;

	if (value->type != YAML_MAPPING_NODE) {
		compose_error(loader->project, at_of(value),
			      "%s is %s — write test:, interval:, timeout:, retries: under it",
			      where, kind_of(loader, value));
		return;
	}
	health->given = 1;
	mapping_pairs(loader, value, &pairs, where, 0);
	check_keys(loader, &pairs, where, known);
	for (int i = 0; i < pairs.count; i++) {
		const char *key = pairs.item[i].key;
		yaml_node_t *item = pairs.item[i].value;
		const char *what = arena_printf(loader->project, "healthcheck %s of service \"%s\"",
						key, s->service->name);
		long long retries;

		if (strcmp(key, "test") == 0)
			healthcheck_test(s, item);
		else if (strcmp(key, "interval") == 0)
			duration_of(loader, item, what, &health->interval_ns);
		else if (strcmp(key, "timeout") == 0)
			duration_of(loader, item, what, &health->timeout_ns);
		else if (strcmp(key, "start_period") == 0)
			duration_of(loader, item, what, &health->start_period_ns);
		else if (strcmp(key, "start_interval") == 0)
			duration_of(loader, item, what, &health->start_interval_ns);
		else if (strcmp(key, "retries") == 0 &&
			 count_of(loader, item, what, &retries, 1) == 0)
			health->retries = retries > 1000000 ? 1000000 : (int)retries;
		else if (strcmp(key, "disable") == 0)
			bool_of(loader, item, what, &health->disabled);
	}
	if (!health->disabled && !health->test.given)
		compose_error(loader->project, at_of(value),
			      "%s has no test: — boxes has no image healthcheck to fall back on; "
			      "add test: [\"CMD\", ...]",
			      where);
}

static void key_restart(struct service_loader *s, yaml_node_t *value)
{
	const char *text = string_of(s->loader, value, field(s, "restart"));
	char why[256];
	int policy;

	if (!text)
		return;
	if (parse_restart(text, &policy, &s->service->restart_max_retries, why, sizeof(why)) < 0) {
		compose_error(s->loader->project, at_of(value),
			      "restart \"%s\" of service \"%s\" %s", text, s->service->name, why);
		return;
	}
	s->service->restart = (enum compose_restart)policy;
}

static void key_working_dir(struct service_loader *s, yaml_node_t *value)
{
	const char *text = string_of(s->loader, value, field(s, "working_dir"));

	if (text && text[0] != '/') {
		compose_error(s->loader->project, at_of(value),
			      "working_dir \"%s\" of service \"%s\" is relative — a working "
			      "directory in the container is an absolute path, e.g. /app",
			      text, s->service->name);
		return;
	}
	s->service->working_dir = text;
}

static void key_user(struct service_loader *s, yaml_node_t *value)
{
	s->service->user = string_of(s->loader, value, field(s, "user"));
}

static void key_hostname(struct service_loader *s, yaml_node_t *value)
{
	s->service->hostname = string_of(s->loader, value, field(s, "hostname"));
}

static int memory_of(struct service_loader *s, yaml_node_t *value, const char *what,
		     long long *bytes)
{
	const char *text = string_of(s->loader, value, what);

	if (!text)
		return -1;
	if (parse_size(text, bytes) < 0) {
		compose_error(s->loader->project, at_of(value),
			      "%s is \"%s\" — write a size: bytes, or a number with b, k, m or g "
			      "(64m)",
			      what, text);
		return -1;
	}
	return 0;
}

static int cpus_of(struct service_loader *s, yaml_node_t *value, const char *what, double *cpus)
{
	const char *text = string_of(s->loader, value, what);
	long long quota, period;

	if (!text)
		return -1;
	if (parse_cpus(text, &quota, &period) < 0) {
		compose_error(s->loader->project, at_of(value),
			      "%s is \"%s\" — write a number of CPUs, e.g. 0.5 or 2", what, text);
		return -1;
	}
	*cpus = strtod(text, NULL);
	return 0;
}

static int pids_of(struct service_loader *s, yaml_node_t *value, const char *what, long long *pids)
{
	const char *text = string_of(s->loader, value, what);

	if (text && (strcmp(text, "-1") == 0 || strcmp(text, "0") == 0)) {
		*pids = 0; /* docker's "no limit" */
		return 0;
	}
	return text ? count_of(s->loader, value, what, pids, 0) : -1;
}

static void key_mem_limit(struct service_loader *s, yaml_node_t *value)
{
	memory_of(s, value, field(s, "mem_limit"), &s->service->memory_bytes);
}

static void key_pids_limit(struct service_loader *s, yaml_node_t *value)
{
	pids_of(s, value, field(s, "pids_limit"), &s->service->pids_limit);
}

static void key_cpus(struct service_loader *s, yaml_node_t *value)
{
	cpus_of(s, value, field(s, "cpus"), &s->service->cpus);
}

/* deploy: resources: limits: {memory, cpus, pids}. The rest of deploy is
 * for swarm: noted and ignored. */
static void key_deploy(struct service_loader *s, yaml_node_t *value)
{
	static const char *const deploy_keys[] = {
	    "resources",     "replicas",	"mode",	  "restart_policy", "placement",
	    "update_config", "rollback_config", "labels", "endpoint_mode",  NULL};
	static const char *const resource_keys[] = {"limits", "reservations", NULL};
	static const char *const limit_keys[] = {"cpus", "memory", "pids", NULL};
	struct loader *loader = s->loader;
	struct pairs deploy, resources, limits;
	int at;

	if (value->type != YAML_MAPPING_NODE) {
		compose_error(loader->project, at_of(value),
			      "deploy of service \"%s\" is %s — write resources: limits: under it",
			      s->service->name, kind_of(loader, value));
		return;
	}
	mapping_pairs(loader, value, &deploy, field(s, "deploy"), 0);
	check_keys(loader, &deploy, field(s, "deploy"), deploy_keys);
	for (int i = 0; i < deploy.count; i++)
		if (strcmp(deploy.item[i].key, "resources") != 0 &&
		    !is_extension(deploy.item[i].key) &&
		    pairs_find(&deploy, deploy.item[i].key) == i)
			for (int k = 1; deploy_keys[k]; k++)
				if (strcmp(deploy_keys[k], deploy.item[i].key) == 0)
					compose_warning(
					    loader->project, at_of(deploy.item[i].key_node),
					    "boxes ignores deploy.%s (it is for swarm): "
					    "one container per service",
					    deploy.item[i].key);
	at = pairs_find(&deploy, "resources");
	if (at < 0 || mapping_pairs(loader, deploy.item[at].value, &resources,
				    field(s, "deploy.resources"), 0) < 0)
		return;
	check_keys(loader, &resources, field(s, "deploy.resources"), resource_keys);
	at = pairs_find(&resources, "reservations");
	if (at >= 0)
		compose_warning(loader->project, at_of(resources.item[at].key_node),
				"boxes ignores deploy.resources.reservations: a cgroup limit is a "
				"ceiling, not a reservation");
	at = pairs_find(&resources, "limits");
	if (at < 0 || mapping_pairs(loader, resources.item[at].value, &limits,
				    field(s, "deploy.resources.limits"), 0) < 0)
		return;
	check_keys(loader, &limits, field(s, "deploy.resources.limits"), limit_keys);
	s->deploy_at = at_of(resources.item[at].key_node);
	at = pairs_find(&limits, "memory");
	if (at >= 0)
		memory_of(s, limits.item[at].value, field(s, "deploy.resources.limits.memory"),
			  &s->deploy_memory);
	at = pairs_find(&limits, "cpus");
	if (at >= 0)
		cpus_of(s, limits.item[at].value, field(s, "deploy.resources.limits.cpus"),
			&s->deploy_cpus);
	at = pairs_find(&limits, "pids");
	if (at >= 0)
		pids_of(s, limits.item[at].value, field(s, "deploy.resources.limits.pids"),
			&s->deploy_pids);
}

/* mem_limit and deploy.resources.limits.memory say the same thing; when
 * both are there they must agree (docker compose refuses them otherwise). */
static void merge_limit(struct service_loader *s, long long *value, long long deploy_value,
			const char *key, const char *deploy_key)
{
	if (!deploy_value)
		return;
	if (*value && *value != deploy_value)
		compose_error(s->loader->project, s->deploy_at,
			      "service \"%s\" has %s and deploy.resources.limits.%s with different "
			      "values — keep one of them",
			      s->service->name, key, deploy_key);
	*value = deploy_value;
}

static void merge_limits(struct service_loader *s)
{
	long long cpus = llround(s->service->cpus * 1000),
		  deploy_cpus = llround(s->deploy_cpus * 1000);

	merge_limit(s, &s->service->memory_bytes, s->deploy_memory, "mem_limit", "memory");
	merge_limit(s, &s->service->pids_limit, s->deploy_pids, "pids_limit", "pids");
	merge_limit(s, &cpus, deploy_cpus, "cpus", "cpus");
	if (s->deploy_cpus)
		s->service->cpus = s->deploy_cpus;
}

/* --- volumes of a service --------------------------------------------------- */

/* ./data, ../x, ~/x, /x into an absolute path without . and .. parts. */
static const char *host_path(struct loader *loader, const char *source)
{
	char joined[PATH_MAX * 2], clean[PATH_MAX * 2];
	size_t length = 0;
	const char *part;

	if (source[0] == '~' && (source[1] == '/' || !source[1])) {
		const char *home = lookup_variable("HOME", loader);

		snprintf(joined, sizeof(joined), "%s%s", home ? home : "/root", source + 1);
	} else if (source[0] == '/') {
		snprintf(joined, sizeof(joined), "%s", source);
	} else {
		snprintf(joined, sizeof(joined), "%s/%s", loader->project->dir, source);
	}
	/* lexically, as compose does: the path may not exist yet */
	part = joined;
	while (*part) {
		const char *slash = strchr(part, '/');
		size_t part_length = slash ? (size_t)(slash - part) : strlen(part);

		if (part_length == 0 || (part_length == 1 && part[0] == '.')) {
			/* nothing */
		} else if (part_length == 2 && part[0] == '.' && part[1] == '.') {
			while (length > 0 && clean[length - 1] != '/')
				length--;
			if (length > 0)
				length--;
		} else if (length + part_length + 2 < sizeof(clean)) {
			clean[length++] = '/';
			memcpy(clean + length, part, part_length);
			length += part_length;
		}
		part += part_length + (slash ? 1 : 0);
	}
	if (length == 0)
		clean[length++] = '/';
	clean[length] = '\0';
	return compose_strdup(loader->project, clean);
}

static int volume_index(const struct compose_project *project, const char *key)
{
	for (int i = 0; i < project->volume_count; i++)
		if (strcmp(project->volumes[i].key, key) == 0)
			return i;
	return -1;
}

/* A source that is not a path names a volume, which the top-level
 * volumes: must declare. */
static int named_volume(struct service_loader *s, struct compose_mount *mount, const char *source,
			yaml_node_t *node)
{
	struct compose_project *project = s->loader->project;

	mount->type = COMPOSE_MOUNT_VOLUME;
	mount->volume_index = volume_index(project, source);
	mount->source = compose_strdup(project, source);
	if (mount->volume_index < 0) {
		compose_error(
		    project, at_of(node),
		    "service \"%s\" uses the volume \"%s\", which the top-level volumes: "
		    "does not declare — add \"volumes:\" with \"  %s:\" at the end of the "
		    "file, or write ./%s for a directory beside the file",
		    s->service->name, source, source, source);
		return -1;
	}
	return 0;
}

static int is_path(const char *source)
{
	return source[0] == '/' || source[0] == '.' || source[0] == '~';
}

static struct compose_mount *add_mount(struct service_loader *s, yaml_node_t *node)
{
	struct compose_mount *mount;

	if (s->service->mount_count == COMPOSE_MAX_MOUNTS) {
		compose_error(s->loader->project, at_of(node),
			      "service \"%s\" has more than %d volumes — boxes keeps at most %d",
			      s->service->name, COMPOSE_MAX_MOUNTS, COMPOSE_MAX_MOUNTS);
		return NULL;
	}
	mount = &s->service->mounts[s->service->mount_count++];
	memset(mount, 0, sizeof(*mount));
	mount->volume_index = -1;
	mount->at = at_of(node);
	return mount;
}

static int check_target(struct service_loader *s, const char *target, yaml_node_t *node)
{
	if (target && target[0] == '/')
		return 0;
	compose_error(s->loader->project, at_of(node),
		      "the volume target \"%s\" of service \"%s\" is not an absolute path — the "
		      "place in the container starts with /, e.g. ./data:/data",
		      target ? target : "", s->service->name);
	return -1;
}

/* "./data:/data:ro", "data:/var/lib/x", "/cache" (anonymous) */
static void volume_short(struct service_loader *s, yaml_node_t *node)
{
	const char *text = string_of(s->loader, node, field(s, "a volume"));
	char copy[PATH_MAX], *parts[3] = {NULL, NULL, NULL};
	struct compose_mount *mount;
	int count = 0;

	if (!text || !(mount = add_mount(s, node)))
		return;
	snprintf(copy, sizeof(copy), "%s", text);
	for (char *p = copy, *colon; count < 3; p = colon + 1) {
		parts[count++] = p;
		colon = strchr(p, ':');
		if (!colon)
			break;
		*colon = '\0';
	}
	if (count == 1) { /* /cache: an anonymous volume */
		mount->type = COMPOSE_MOUNT_VOLUME;
		mount->target = compose_strdup(s->loader->project, parts[0]);
		check_target(s, mount->target, node);
		return;
	}
	mount->target = compose_strdup(s->loader->project, parts[1]);
	if (check_target(s, mount->target, node) < 0)
		return;
	if (count == 3) {
		for (char *option = strtok(parts[2], ","); option; option = strtok(NULL, ",")) {
			if (strcmp(option, "ro") == 0)
				mount->read_only = 1;
			else if (strcmp(option, "rw") != 0 && strcmp(option, "z") != 0 &&
				 strcmp(option, "Z") != 0 && strcmp(option, "nocopy") != 0 &&
				 strcmp(option, "cached") != 0 &&
				 strcmp(option, "delegated") != 0 &&
				 strcmp(option, "consistent") != 0)
				compose_error(
				    s->loader->project, at_of(node),
				    "volume \"%s\" of service \"%s\": \"%s\" is not a mode "
				    "— write :ro (read-only) or :rw",
				    text, s->service->name, option);
		}
	}
	if (is_path(parts[0])) {
		mount->type = COMPOSE_MOUNT_BIND;
		mount->source = host_path(s->loader, parts[0]);
	} else {
		named_volume(s, mount, parts[0], node);
	}
}

static void volume_long(struct service_loader *s, yaml_node_t *node)
{
	static const char *const known[] = {"type",   "source", "target",      "read_only", "bind",
					    "volume", "tmpfs",	"consistency", NULL};
	static const char *const types[] = {"bind", "volume", "tmpfs", NULL};
	struct loader *loader = s->loader;
	const char *where = field(s, "a volume");
	const char *type = NULL, *source = NULL;
	struct compose_mount *mount;
	struct pairs pairs;
	int at;

	if (!(mount = add_mount(s, node)))
		return;
	mapping_pairs(loader, node, &pairs, where, 0);
	check_keys(loader, &pairs, where, known);
	if ((at = pairs_find(&pairs, "type")) >= 0)
		type = string_of(loader, pairs.item[at].value, "type");
	if ((at = pairs_find(&pairs, "source")) >= 0)
		source = string_of(loader, pairs.item[at].value, "source");
	if ((at = pairs_find(&pairs, "target")) >= 0)
		mount->target = string_of(loader, pairs.item[at].value, "target");
	if ((at = pairs_find(&pairs, "read_only")) >= 0)
		bool_of(loader, pairs.item[at].value, "read_only", &mount->read_only);
	check_target(s, mount->target, node);
	if (!type) {
		compose_error(loader->project, at_of(node),
			      "a volume of service \"%s\" in the long syntax needs type: — bind, "
			      "volume or tmpfs",
			      s->service->name);
	} else if (strcmp(type, "bind") == 0) {
		mount->type = COMPOSE_MOUNT_BIND;
		if (!source)
			compose_error(loader->project, at_of(node),
				      "a bind volume of service \"%s\" needs source: — the host "
				      "path, e.g. ./data",
				      s->service->name);
		else
			mount->source = host_path(loader, source);
	} else if (strcmp(type, "volume") == 0) {
		mount->type = COMPOSE_MOUNT_VOLUME;
		if (source)
			named_volume(s, mount, source, node);
	} else if (strcmp(type, "tmpfs") == 0) {
		mount->type = COMPOSE_MOUNT_TMPFS;
	} else {
		const char *nearest = nearest_word(type, types);

		compose_error(loader->project, at_of(pairs.item[pairs_find(&pairs, "type")].value),
			      "type \"%s\" of a volume of service \"%s\" is not bind, volume or "
			      "tmpfs%s%s%s",
			      type, s->service->name, nearest ? " — did you mean \"" : "",
			      nearest ? nearest : "", nearest ? "\"?" : "");
	}
}

static void key_volumes(struct service_loader *s, yaml_node_t *value)
{
	struct loader *loader = s->loader;

	if (!is_list(s, value, "volumes", "one \"- ./data:/data\" line per volume"))
		return;
	for (int i = 0, length = sequence_length(loader, value); i < length; i++) {
		yaml_node_t *item = sequence_item(loader, value, i);

		if (item->type == YAML_MAPPING_NODE)
			volume_long(s, item);
		else
			volume_short(s, item);
	}
}

/* --- the table of service keys ----------------------------------------------- */

static const struct {
	const char *key;
	void (*load)(struct service_loader *s, yaml_node_t *value);
} service_keys[] = {
    {"image", key_image},
    {"command", key_command},
    {"entrypoint", key_entrypoint},
    {"environment", key_environment},
    {"env_file", key_env_file},
    {"ports", key_ports},
    {"expose", key_expose},
    {"depends_on", key_depends_on},
    {"healthcheck", key_healthcheck},
    {"restart", key_restart},
    {"working_dir", key_working_dir},
    {"user", key_user},
    {"hostname", key_hostname},
    {"mem_limit", key_mem_limit},
    {"pids_limit", key_pids_limit},
    {"cpus", key_cpus},
    {"deploy", key_deploy},
    {"volumes", key_volumes},
};

/* Keys of the compose spec that boxes reads but does not act on: a
 * warning each, with the reason. */
static const struct {
	const char *key;
	const char *reason;
} ignored_service_keys[] = {
    {"build", "boxes runs images from its store and builds none; load one with 09-image load"},
    {"container_name", "boxes names every container <project>-<service>-1"},
    {"networks", "every service of a project is on the project's one bridge"},
    {"network_mode", "every service of a project is on the project's one bridge"},
    {"links", "every service reaches every other by its name already"},
    {"external_links", "a project's bridge reaches only its own services"},
    {"extra_hosts", "/etc/hosts names the project's services only"},
    {"dns", "/etc/hosts names the project's services; there is no DNS server"},
    {"tty", "a service's output goes to its log (10-compose logs)"},
    {"stdin_open", "a service's output goes to its log (10-compose logs)"},
    {"privileged", "every service gets step 08's full isolation"},
    {"cap_add", "every service gets step 08's default capabilities"},
    {"cap_drop", "every service gets step 08's default capabilities"},
    {"security_opt", "every service gets step 08's seccomp filter"},
    {"labels", "boxes keeps no labels"},
    {"logging", "a service's output goes to its log file"},
    {"ulimits", "boxes sets no rlimits"},
    {"sysctls", "boxes sets no sysctls"},
    {"init", "boxes does not implement it for compose yet"},
    {"stop_signal", "boxes stops with SIGTERM, then SIGKILL"},
    {"stop_grace_period", "the grace period is down -t SECONDS"},
    {"platform", "boxes runs the machine's own architecture"},
    {"pull_policy", "boxes never pulls; load images with 09-image load"},
    {"profiles", "boxes starts every service"},
    {"scale", "one container per service"},
    {"shm_size", "boxes does not implement it"},
    {"tmpfs", "boxes does not implement it; use a volume of type: tmpfs"},
    {"devices", "boxes gives a container only its minimal /dev"},
    {"domainname", "boxes does not implement it"},
    {"read_only", "boxes does not implement it"},
    {"secrets", "boxes does not implement it"},
    {"configs", "boxes does not implement it"},
    {"ipc", "every service has its own IPC namespace"},
    {"pid", "every service has its own PID namespace"},
    {"userns_mode", "every service has its own user namespace"},
    {"cgroup_parent", "boxes makes the cgroups"},
    {"mem_reservation", "a cgroup limit is a ceiling, not a reservation"},
    {"memswap_limit", "boxes does not implement it"},
    {"cpu_shares", "boxes does not implement it; use cpus"},
    {"cpuset", "boxes does not implement it; use cpus"},
    {"oom_score_adj", "boxes does not implement it"},
    {"group_add", "boxes does not implement it"},
    {"mac_address", "boxes does not implement it"},
    {"volumes_from", "boxes does not implement it; name the volume in each service"},
};

#define SERVICE_KEY_COUNT (sizeof(service_keys) / sizeof(service_keys[0]))
#define IGNORED_KEY_COUNT (sizeof(ignored_service_keys) / sizeof(ignored_service_keys[0]))

/* Every key a service may have, for "did you mean". */
static const char *const *all_service_keys(void)
{
	static const char *keys[SERVICE_KEY_COUNT + IGNORED_KEY_COUNT + 1];

	if (!keys[0]) {
		size_t n = 0;

		for (size_t i = 0; i < SERVICE_KEY_COUNT; i++)
			keys[n++] = service_keys[i].key;
		for (size_t i = 0; i < IGNORED_KEY_COUNT; i++)
			keys[n++] = ignored_service_keys[i].key;
		keys[n] = NULL;
	}
	return keys;
}

static int is_service_key(const char *key)
{
	for (const char *const *k = all_service_keys(); *k; k++)
		if (strcmp(*k, key) == 0)
			return 1;
	return 0;
}

static void service_key(struct service_loader *s, const struct pair *pair)
{
	for (size_t i = 0; i < SERVICE_KEY_COUNT; i++)
		if (strcmp(service_keys[i].key, pair->key) == 0) {
			if (!is_null(pair->value) || strcmp(pair->key, "image") == 0)
				service_keys[i].load(s, pair->value);
			return;
		}
	for (size_t i = 0; i < IGNORED_KEY_COUNT; i++)
		if (strcmp(ignored_service_keys[i].key, pair->key) == 0) {
			compose_warning(s->loader->project, at_of(pair->key_node),
					"boxes ignores \"%s\" of service \"%s\": %s", pair->key,
					s->service->name, ignored_service_keys[i].reason);
			return;
		}
	if (!is_extension(pair->key))
		unknown_key(s->loader, pair, s->where, all_service_keys());
}

/* --- services ---------------------------------------------------------------- */

static int valid_service_name(const char *name)
{
	if (!*name || strlen(name) > 63)
		return 0;
	for (const char *p = name; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_' && *p != '.')
			return 0;
	return 1;
}

/* A service whose value is not a mapping: the three ways newcomers get
 * there, each with its own fix. */
static void not_a_mapping(struct loader *loader, const struct pair *pair, const char *previous,
			  int previous_line)
{
	const char *name = pair->key;
	yaml_node_t *value = pair->value;

	if (is_service_key(name) && previous) {
		/* "  ports:" at the level of the services: a key of the service
		 * above it, indented too little */
		compose_error(loader->project, at_of(pair->key_node),
			      "\"%s\" is a key of a service, but it is indented as a service of "
			      "its own — indent it under \"%s\" (line %d), as far as that "
			      "service's other keys",
			      name, previous, previous_line);
	} else if (value->type == YAML_SCALAR_NODE && !is_null(value)) {
		compose_error(loader->project, at_of(value),
			      "service \"%s\" is the string \"%.60s\", not a mapping of keys — "
			      "write \"%s:\" alone on its line and its keys below it, indented, "
			      "e.g. \"image: %.60s\"",
			      name, raw_text(value), name, raw_text(value));
	} else if (value->type == YAML_SEQUENCE_NODE) {
		compose_error(loader->project, at_of(value),
			      "service \"%s\" is a list, not a mapping of keys — write its keys "
			      "as \"key: value\" lines, without \"- \" in front",
			      name);
	} else {
		compose_error(loader->project, at_of(pair->key_node),
			      "service \"%s\" is empty — give it keys, indented below it, at "
			      "least image:",
			      name);
	}
}

static void load_service(struct loader *loader, const struct pair *pair)
{
	struct compose_project *project = loader->project;
	struct service_loader s = {.loader = loader};
	struct compose_service *service;
	struct pairs *pairs;

	if (project->service_count == COMPOSE_MAX_SERVICES) {
		compose_error(project, at_of(pair->key_node),
			      "more than %d services — boxes runs at most %d in one project",
			      COMPOSE_MAX_SERVICES, COMPOSE_MAX_SERVICES);
		return;
	}
	if (!valid_service_name(pair->key)) {
		compose_error(project, at_of(pair->key_node),
			      "\"%s\" can't be a service name — use letters, digits, '-', '_' and "
			      "'.', at most 63 (it becomes a host name)",
			      pair->key);
		return;
	}
	service = &project->services[project->service_count++];
	memset(service, 0, sizeof(*service));
	service->name = compose_strdup(project, pair->key);
	service->at = at_of(pair->key_node);
	s.service = service;
	s.where = arena_printf(project, "service \"%s\"", service->name);
	pairs = new_pairs();
	mapping_pairs(loader, pair->value, pairs, s.where, 0);
	for (int i = 0; i < pairs->count; i++)
		service_key(&s, &pairs->item[i]);
	merge_env_files(&s);
	merge_limits(&s);
	if (!service->image && pairs_find(pairs, "image") < 0)
		compose_error(project, at_of(pair->key_node),
			      "service \"%s\" has no image: — add image: NAME (an image in boxes' "
			      "store: 09-image images lists them)",
			      service->name);
	free(pairs);
}

static void load_services(struct loader *loader, yaml_node_t *node)
{
	struct pairs *pairs;
	const char *previous = NULL;
	int previous_line = 0;

	if (node->type != YAML_MAPPING_NODE) {
		compose_error(loader->project, at_of(node),
			      is_null(node) ? "services: is empty — put each service below it, "
					      "indented by two spaces"
					    : "services: is %s — put each service below it as "
					      "\"name:\", indented by two spaces",
			      kind_of(loader, node));
		return;
	}
	pairs = new_pairs();
	mapping_pairs(loader, node, pairs, "services", 0);
	for (int i = 0; i < pairs->count; i++) {
		const struct pair *pair = &pairs->item[i];

		if (pair->value->type != YAML_MAPPING_NODE) {
			not_a_mapping(loader, pair, previous, previous_line);
			continue;
		}
		load_service(loader, pair);
		previous = pair->key;
		previous_line = at_of(pair->key_node).line;
	}
	free(pairs);
}

/* --- top level ----------------------------------------------------------------- */

static void load_volumes(struct loader *loader, yaml_node_t *node)
{
	static const char *const known[] = {"name",	   "external", "driver",
					    "driver_opts", "labels",   NULL};
	struct compose_project *project = loader->project;
	struct pairs *pairs;

	if (is_null(node))
		return;
	if (node->type != YAML_MAPPING_NODE) {
		compose_error(project, at_of(node),
			      "the top-level volumes: is %s — name each volume as \"name:\" below "
			      "it",
			      kind_of(loader, node));
		return;
	}
	pairs = new_pairs();
	mapping_pairs(loader, node, pairs, "volumes", 0);
	for (int i = 0; i < pairs->count; i++) {
		const struct pair *pair = &pairs->item[i];
		struct compose_volume *volume;
		struct pairs details;
		int at;

		if (is_extension(pair->key))
			continue;
		if (project->volume_count == COMPOSE_MAX_VOLUMES) {
			compose_error(project, at_of(pair->key_node),
				      "more than %d volumes — boxes keeps at most %d",
				      COMPOSE_MAX_VOLUMES, COMPOSE_MAX_VOLUMES);
			break;
		}
		volume = &project->volumes[project->volume_count++];
		volume->key = compose_strdup(project, pair->key);
		volume->at = at_of(pair->key_node);
		if (is_null(pair->value))
			continue;
		if (mapping_pairs(loader, pair->value, &details, "a volume", 0) < 0) {
			compose_error(project, at_of(pair->value),
				      "volume \"%s\" is %s — leave it empty (\"%s:\") or give "
				      "name:, external:",
				      pair->key, kind_of(loader, pair->value), pair->key);
			continue;
		}
		check_keys(loader, &details, arena_printf(project, "volume \"%s\"", pair->key),
			   known);
		if ((at = pairs_find(&details, "name")) >= 0)
			volume->name = string_of(loader, details.item[at].value, "name");
		if ((at = pairs_find(&details, "external")) >= 0)
			bool_of(loader, details.item[at].value, "external", &volume->external);
		if ((at = pairs_find(&details, "driver")) >= 0)
			compose_warning(project, at_of(details.item[at].key_node),
					"boxes ignores the driver of volume \"%s\": a volume is a "
					"directory under BOXES_ROOT",
					pair->key);
	}
	free(pairs);
}

static const char *const top_level_keys[] = {
    "version", "name", "services", "volumes", "networks", "configs", "secrets", "include", NULL};

/* A top-level key that compose doesn't know. Most often a service written
 * without services: above it, or services: misspelt. */
static void unknown_top_level(struct loader *loader, const struct pair *pair)
{
	struct pairs *inside;
	const char *nearest = nearest_word(pair->key, top_level_keys);
	int looks_like_service = 0;

	if (nearest) {
		unknown_key(loader, pair, "the file's top level", top_level_keys);
		return;
	}
	if (is_service_key(pair->key)) {
		compose_error(loader->project, at_of(pair->key_node),
			      "\"%s\" is a key of a service, not of the file — indent it under a "
			      "service, below services:",
			      pair->key);
		return;
	}
	inside = new_pairs();
	if (pair->value->type == YAML_MAPPING_NODE &&
	    mapping_pairs(loader, pair->value, inside, "a top-level key", 0) == 0)
		for (int i = 0; i < inside->count; i++)
			if (is_service_key(inside->item[i].key))
				looks_like_service = 1;
	free(inside);
	if (looks_like_service)
		compose_error(loader->project, at_of(pair->key_node),
			      "\"%s\" looks like a service, but it is at the top level of the "
			      "file — move it under services: and indent it (and its keys) by two "
			      "more spaces",
			      pair->key);
	else
		unknown_key(loader, pair, "the file's top level", top_level_keys);
}

static void load_name(struct loader *loader, yaml_node_t *node)
{
	const char *name = string_of(loader, node, "name");
	char normal[256];

	if (!name)
		return;
	if (!compose_project_name_valid(name)) {
		compose_normalize_name(name, normal, sizeof(normal));
		compose_error(loader->project, at_of(node),
			      "the project name \"%s\" has characters compose does not allow — "
			      "use lowercase letters, digits, '-' and '_', starting with a letter "
			      "or digit%s%s%s",
			      name, *normal ? ", e.g. \"" : "", normal, *normal ? "\"" : "");
		return;
	}
	if (!loader->options->project_name)
		loader->project->name = name;
}

static void load_top_level(struct loader *loader, yaml_node_t *root)
{
	struct compose_project *project = loader->project;
	struct pairs *pairs;
	int at, errors_before;

	if (root->type != YAML_MAPPING_NODE) {
		compose_error(project, at_of(root),
			      "the file is %s, not a mapping — a compose file starts with "
			      "\"services:\" at the start of a line",
			      kind_of(loader, root));
		return;
	}
	pairs = new_pairs();
	mapping_pairs(loader, root, pairs, "the file's top level", 0);
	errors_before = project->error_count;
	for (int i = 0; i < pairs->count; i++) {
		const struct pair *pair = &pairs->item[i];
		const char *key = pair->key;

		if (strcmp(key, "version") == 0)
			compose_warning(project, at_of(pair->key_node),
					"\"version\" is obsolete: compose ignores it — remove the "
					"line");
		else if (strcmp(key, "networks") == 0 || strcmp(key, "configs") == 0 ||
			 strcmp(key, "secrets") == 0 || strcmp(key, "include") == 0)
			compose_warning(project, at_of(pair->key_node),
					"boxes ignores the top-level \"%s\"%s", key,
					strcmp(key, "networks") == 0
					    ? ": a project has one bridge for all its services"
					    : "");
		else if (strcmp(key, "name") && strcmp(key, "services") && strcmp(key, "volumes") &&
			 !is_extension(key))
			unknown_top_level(loader, pair);
	}
	if ((at = pairs_find(pairs, "name")) >= 0)
		load_name(loader, pairs->item[at].value);
	if ((at = pairs_find(pairs, "volumes")) >= 0)
		load_volumes(loader, pairs->item[at].value);
	if ((at = pairs_find(pairs, "services")) >= 0)
		load_services(loader, pairs->item[at].value);
	else if (project->error_count == errors_before)
		compose_error(project, at_of(root),
			      "the file has no services: — a compose file names its containers "
			      "under \"services:\"");
	free(pairs);
}

/* --- YAML syntax errors -------------------------------------------------------- */

/* YAML forbids tabs in indentation (spec 6.1), and libyaml then says only
 * "found character that cannot start any token". Find each one. */
static int report_tabs(struct compose_project *project, const char *text, size_t length)
{
	int line = 1, found = 0;

	for (size_t i = 0; i < length;) {
		size_t column = 0;

		while (i + column < length &&
		       (text[i + column] == ' ' || text[i + column] == '\t')) {
			if (text[i + column] == '\t') {
				compose_error(project, (struct compose_at){line, (int)column + 1},
					      "a tab in the indentation — YAML allows only spaces "
					      "there; replace the tab with spaces");
				found++;
				break;
			}
			column++;
		}
		while (i < length && text[i] != '\n')
			i++;
		i++;
		line++;
	}
	return found;
}

static const struct {
	const char *problem;
	const char *fix;
} yaml_fixes[] = {
    {"mapping values are not allowed",
     "a \"key:\" where a plain value was expected — indent this key like the keys beside "
     "it, or quote a value that holds \": \""},
    {"did not find expected key", "this line is indented unlike the keys around it — line up "
				  "the keys that belong together"},
    {"did not find expected '-' indicator",
     "a list item is indented unlike the others — line up the \"- \" of one list"},
    {"could not find expected ':'", "a key without its colon — write \"key: value\""},
    {"found undefined alias", "this *alias names no &anchor above it"},
    {"quoted scalar", "a quote is not closed — close it on the same line"},
    {"found unexpected end of stream", "a quote or a bracket is not closed"},
    {"did not find expected node content", "a value is missing — write one after the colon "
					   "or the \"- \""},
};

static void report_yaml_error(struct compose_project *project, const yaml_parser_t *parser,
			      const char *text, size_t length)
{
	struct compose_at at = {(int)parser->problem_mark.line + 1,
				(int)parser->problem_mark.column + 1};
	const char *problem = parser->problem ? parser->problem : "unreadable";
	const char *fix = "check the indentation and the quotes of this line and the one above";
	int tabs = report_tabs(project, text, length);

	if (parser->error == YAML_READER_ERROR) {
		compose_error(project, (struct compose_at){0, 0},
			      "the file is not text YAML can read (%s, at byte %zu) — save it as "
			      "UTF-8",
			      problem, parser->problem_offset);
		return;
	}
	if (tabs && (strstr(problem, "cannot start any token") || strstr(problem, "tab")))
		return; /* the tabs are the whole story */
	for (size_t i = 0; i < sizeof(yaml_fixes) / sizeof(yaml_fixes[0]); i++)
		if (strstr(problem, yaml_fixes[i].problem) ||
		    (parser->context && strstr(parser->context, yaml_fixes[i].problem)))
			fix = yaml_fixes[i].fix;
	compose_error(project, at, "YAML can't read this: %s%s%s — %s", problem,
		      parser->context ? ", " : "", parser->context ? parser->context : "", fix);
}

/* --- loading ------------------------------------------------------------------- */

static void read_dotenv(struct loader *loader)
{
	char path[PATH_MAX];
	char *text;
	struct stat st;
	int fd, bad_line;

	if (loader->options->ignore_env_files)
		return;
	snprintf(path, sizeof(path), "%s/.env", loader->project->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* no .env: nothing to add */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE_SIZE ||
	    !(text = calloc(1, (size_t)st.st_size + 1))) {
		close(fd);
		return;
	}
	if (read(fd, text, (size_t)st.st_size) == st.st_size) {
		bad_line = dotenv_parse(text, &loader->dotenv);
		if (bad_line)
			compose_error(loader->project, (struct compose_at){0, 0},
				      "%s, line %d, is not NAME=value — fix or remove that line",
				      path, bad_line);
	}
	free(text);
	close(fd);
}

static void name_the_project(struct compose_project *project, const struct compose_options *options)
{
	char normal[256];

	if (options->project_name)
		project->name = compose_strdup(project, options->project_name);
	if (project->name)
		return;
	compose_normalize_name(strrchr(project->dir, '/') ? strrchr(project->dir, '/') + 1
							  : project->dir,
			       normal, sizeof(normal));
	if (!*normal) {
		compose_error(project, (struct compose_at){0, 0},
			      "the directory %s gives no project name (none of its characters is "
			      "a-z, 0-9, - or _) — give one with -p NAME or name: in the file",
			      project->dir);
		normal[0] = '\0';
	}
	project->name = compose_strdup(project, normal);
}

static void parse_and_walk(struct loader *loader, const char *text, size_t length)
{
	struct compose_project *project = loader->project;
	yaml_parser_t parser;
	yaml_document_t second;
	yaml_node_t *root;

	if (!yaml_parser_initialize(&parser))
		box_die("compose: out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
	if (!yaml_parser_load(&parser, &loader->document)) {
		report_yaml_error(project, &parser, text, length);
		yaml_parser_delete(&parser);
		return;
	}
	root = yaml_document_get_root_node(&loader->document);
	if (!root) {
		compose_error(project, (struct compose_at){0, 0},
			      "the file is empty — a compose file names its containers under "
			      "\"services:\"");
	} else {
		load_top_level(loader, root);
		if (yaml_parser_load(&parser, &second)) {
			yaml_node_t *second_root = yaml_document_get_root_node(&second);

			if (second_root)
				compose_error(project, at_of(second_root),
					      "a second YAML document (after ---) — compose reads "
					      "one document a file; remove the ---");
			yaml_document_delete(&second);
		}
	}
	yaml_document_delete(&loader->document);
	yaml_parser_delete(&parser);
}

struct compose_project *compose_load_text(const char *text, size_t length, const char *file,
					  const char *dir, const struct compose_options *options)
{
	struct compose_project *project = calloc(1, sizeof(*project));
	struct loader loader = {.project = project, .options = options, .budget = NODE_BUDGET};

	if (!project)
		box_die("compose: out of memory");
	loader.environment = options->environment ? options->environment : environ;
	project->file = compose_strdup(project, file);
	project->dir = compose_strdup(project, dir);
	if (options->project_name && !compose_project_name_valid(options->project_name))
		compose_error(
		    project, (struct compose_at){0, 0},
		    "-p \"%s\": a project name is lowercase letters, digits, '-' and '_', "
		    "starting with a letter or digit",
		    options->project_name);
	read_dotenv(&loader);
	parse_and_walk(&loader, text, length);
	dotenv_free(&loader.dotenv);
	name_the_project(project, options);
	for (int i = 0; i < project->service_count; i++)
		project->services[i].container_name =
		    arena_printf(project, "%s-%s-1", project->name, project->services[i].name);
	for (int i = 0; i < project->volume_count; i++)
		if (!project->volumes[i].name)
			project->volumes[i].name =
			    arena_printf(project, "%s_%s", project->name, project->volumes[i].key);
	compose_check_project(project);
	return project;
}

/* The file's directory, absolute: relative bind paths and .env start there. */
static int file_dir(const char *file, char *dir, size_t dir_len)
{
	char copy[PATH_MAX], resolved[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", file);
	if (!realpath(dirname(copy), resolved))
		return -1;
	snprintf(dir, dir_len, "%s", resolved);
	return 0;
}

struct compose_project *compose_load(const struct compose_options *options)
{
	char found[PATH_MAX], dir[PATH_MAX];
	const char *file = options->file;
	struct compose_project *project;
	struct stat st;
	char *text;
	int fd;

	if (!file) {
		if (compose_find_file(found, sizeof(found)) < 0) {
			project = compose_load_text("", 0, "compose.yaml", ".", options);
			project->service_count = 0;
			project->error_count++; /* compose_find_file said why */
			return project;
		}
		file = found;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE_SIZE ||
	    file_dir(file, dir, sizeof(dir)) < 0) {
		int saved = errno;

		project = calloc(1, sizeof(*project));
		if (!project)
			box_die("compose: out of memory");
		project->file = compose_strdup(project, file);
		project->dir = compose_strdup(project, ".");
		project->name = compose_strdup(project, "");
		compose_error(project, (struct compose_at){0, 0},
			      "can't read the compose file: %s — check the path given with -f",
			      fd < 0			   ? strerror(saved)
			      : !S_ISREG(st.st_mode)	   ? "not a regular file"
			      : st.st_size > MAX_FILE_SIZE ? "larger than 4 MiB"
							   : strerror(saved));
		if (fd >= 0)
			close(fd);
		return project;
	}
	text = calloc(1, (size_t)st.st_size + 1);
	if (!text || read(fd, text, (size_t)st.st_size) != st.st_size)
		box_die("compose: read(%s): %s", file, strerror(errno));
	close(fd);
	project = compose_load_text(text, (size_t)st.st_size, file, dir, options);
	free(text);
	return project;
}

int compose_find_file(char *path, size_t path_len)
{
	static const char *const names[] = {"compose.yaml", "compose.yml", "docker-compose.yaml",
					    "docker-compose.yml", NULL};
	const char *first = NULL;

	for (int i = 0; names[i]; i++) {
		if (access(names[i], F_OK) != 0)
			continue;
		if (!first) {
			first = names[i];
			snprintf(path, path_len, "%s", first);
		} else {
			fprintf(stderr,
				"boxes: warning: both %s and %s are here; using %s — remove one, "
				"or choose with -f\n",
				first, names[i], first);
		}
	}
	if (first)
		return 0;
	box_error("no compose file here (compose.yaml, compose.yml, docker-compose.yaml, "
		  "docker-compose.yml) — cd to the project's directory, or give one with -f FILE");
	return -1;
}

struct compose_service *compose_find_service(struct compose_project *project, const char *name)
{
	for (int i = 0; i < project->service_count; i++)
		if (strcmp(project->services[i].name, name) == 0)
			return &project->services[i];
	return NULL;
}
