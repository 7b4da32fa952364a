/* fuzz_json.h - a mutator that keeps JSON whole, for the targets whose
 * parser reads JSON through jansson: 09's manifests, index and image
 * config, the OCI runtime's config.json. Include it once, in the target.
 *
 * libFuzzer keeps an input when it reaches code it has not seen, and it
 * sees only code built with -fsanitize=fuzzer-no-link. jansson is
 * Debian's shared library, built without: inside json_loads libFuzzer is
 * blind. A byte flipped anywhere in a config.json mostly makes text that
 * json_loads refuses, so the parser behind it is almost never reached and
 * coverage stalls (fuzz_11_spec without seeds: 12 edges after 1.7 million
 * inputs; with seeds, a few more than the seeds reach). So this mutates
 * the document, not its bytes: it parses the input, picks one member of
 * one object or array, and drops it, copies it, renames it or gives it
 * another value - a number at a boundary, another type, its text changed
 * by libFuzzer's own byte mutator (which knows the strings the parser
 * compared) - and prints the tree back. One input in eight still gets the
 * plain byte mutator, for the parser's refusals of broken text.
 */
#ifndef BOXES_FUZZ_JSON_H
#define BOXES_FUZZ_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define FUZZ_JSON_TEXT_MAX 512 /* a string mutated: at most this long */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

/* xorshift32: libFuzzer's seed decides every choice, so a run replays. */
static uint32_t fuzz_json_next(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* The objects and arrays of the tree, depth first, into out (at most max). */
static size_t fuzz_json_containers(json_t *value, json_t **out, size_t found, size_t max)
{
	const char *key;
	json_t *member;
	size_t index;

	if (!json_is_object(value) && !json_is_array(value))
		return found;
	if (found < max)
		out[found++] = value;
	if (json_is_object(value))
		json_object_foreach(value, key, member) found =
		    fuzz_json_containers(member, out, found, max);
	else
		json_array_foreach(value, index, member) found =
		    fuzz_json_containers(member, out, found, max);
	return found;
}

/* text through libFuzzer's byte mutator: a new string, or NULL (not
 * UTF-8: jansson takes only that). */
static json_t *fuzz_json_mutated_text(const char *text)
{
	char buffer[FUZZ_JSON_TEXT_MAX + 1];
	size_t length = strlen(text) < FUZZ_JSON_TEXT_MAX ? strlen(text) : FUZZ_JSON_TEXT_MAX;

	memcpy(buffer, text, length);
	length = LLVMFuzzerMutate((uint8_t *)buffer, length, FUZZ_JSON_TEXT_MAX);
	return json_stringn(buffer, length);
}

/* A new value in place of old: its text mutated, a number at a boundary,
 * another type. Never NULL. */
static json_t *fuzz_json_new_value(json_t *old, uint32_t *state)
{
	static const json_int_t edges[] = {0,
					   1,
					   -1,
					   255,
					   65535,
					   65536,
					   2147483647,
					   -2147483648LL,
					   4294967295,
					   4294967296LL,
					   9223372036854775807LL};
	json_t *value = NULL;

	switch (fuzz_json_next(state) % 8) {
	case 0:
	case 1:
	case 2:
		if (json_is_string(old))
			value = fuzz_json_mutated_text(json_string_value(old));
		else if (json_is_integer(old))
			value =
			    json_integer((json_int_t)((unsigned long long)json_integer_value(old) +
						      fuzz_json_next(state) % 3 - 1)); /* wraps */
		break;
	case 3:
		value =
		    json_integer(edges[fuzz_json_next(state) % (sizeof(edges) / sizeof(*edges))]);
		break;
	case 4:
		value = json_string(json_is_string(old) ? "" : "/");
		break;
	case 5:
		value = fuzz_json_next(state) % 2 ? json_object() : json_array();
		break;
	case 6:
		value = fuzz_json_next(state) % 2 ? json_true() : json_false();
		break;
	default:
		value = json_null();
	}
	return value ? value : json_string("x");
}

/* One change to one member of container: another value, dropped,
 * renamed, or in its place a copy of donor (any object or array). */
static void fuzz_json_change(json_t *container, json_t *donor, uint32_t *state)
{
	size_t count =
	    json_is_object(container) ? json_object_size(container) : json_array_size(container);
	size_t at = count ? fuzz_json_next(state) % count : 0, index = 0;
	uint32_t action = fuzz_json_next(state) % 5;
	char key[FUZZ_JSON_TEXT_MAX + 1] = "x";
	const char *name;
	json_t *member = NULL, *renamed;

	if (json_is_object(container)) {
		json_object_foreach(container, name, member)
		{
			if (index++ == at) {
				snprintf(key, sizeof(key), "%s", name);
				break;
			}
		}
	} else {
		member = json_array_get(container, at);
	}
	if (!member || action == 0) {
		if (json_is_array(container))
			json_array_append_new(container, json_deep_copy(donor));
		else
			json_object_set_new(container, key, json_deep_copy(donor));
	} else if (action == 1) {
		if (json_is_object(container))
			json_object_del(container, key);
		else
			json_array_remove(container, at);
	} else if (action == 2 && json_is_object(container)) {
		renamed = fuzz_json_mutated_text(key);
		if (renamed && json_string_value(renamed)[0] &&
		    strcmp(json_string_value(renamed), key) != 0) {
			json_object_set(container, json_string_value(renamed), member);
			json_object_del(container, key);
		}
		json_decref(renamed);
	} else if (json_is_object(container)) {
		json_object_set_new(container, key, fuzz_json_new_value(member, state));
	} else {
		json_array_set_new(container, at, fuzz_json_new_value(member, state));
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	json_t *containers[4096], *root;
	char *text;
	uint32_t state = seed ? seed : 1;
	size_t found, changes, printed;

	if (fuzz_json_next(&state) % 8 == 0 ||
	    !(root = json_loadb((const char *)data, size, 0, NULL)))
		return LLVMFuzzerMutate(data, size, max_size);
	changes = 1 + fuzz_json_next(&state) % 3;
	for (size_t i = 0; i < changes; i++) { /* found again: a change may free some */
		found = fuzz_json_containers(root, containers, 0,
					     sizeof(containers) / sizeof(*containers));
		if (found == 0)
			break;
		fuzz_json_change(containers[fuzz_json_next(&state) % found],
				 containers[fuzz_json_next(&state) % found], &state);
	}
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	printed = text ? strlen(text) : 0;
	if (printed == 0 || printed > max_size) { /* too big for libFuzzer's buffer */
		free(text);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	memcpy(data, text, printed);
	free(text);
	return printed;
}

#endif
