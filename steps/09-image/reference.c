/* reference.c - docker's rules for image names (see reference.h).
 *
 * The grammar is the one of github.com/distribution/reference: path
 * components of lowercase letters and digits joined by '.', '_', '__' or
 * '-'; a tag of up to 128 word characters, '.' and '-', not starting with
 * '.' or '-'. Checked here character by character, because a name also
 * becomes part of a file (the index) and of every message.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "09-image/reference.h"

static bool is_registry(const char *first, size_t len)
{
	return memchr(first, '.', len) || memchr(first, ':', len) ||
	       (len == 9 && strncmp(first, "localhost", 9) == 0);
}

/* One path component: [a-z0-9]+ with single separators between runs. */
static bool component_ok(const char *part, size_t len)
{
	size_t i;

	if (len == 0 || !isalnum((unsigned char)part[0]) || !isalnum((unsigned char)part[len - 1]))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)part[i];

		if (islower(c) || isdigit(c))
			continue;
		if (c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

/* A registry: host name letters, digits, '.', '-', and an optional :port. */
static bool registry_ok(const char *part, size_t len)
{
	size_t i;

	if (len == 0 || !isalnum((unsigned char)part[0]))
		return false; /* not "..", not "-x" */
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)part[i]) && !strchr(".-:", part[i]))
			return false;
	return true;
}

static bool tag_ok(const char *tag)
{
	size_t i, len = strlen(tag);

	if (len == 0 || len > 128 || tag[0] == '.' || tag[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)tag[i]) && !strchr("_.-", tag[i]))
			return false;
	return true;
}

/* Check every '/'-separated part of the repository; the first may be a
 * registry. */
static bool path_ok(const char *path)
{
	const char *part = path;
	bool first = true;

	for (;;) {
		const char *slash = strchr(part, '/');
		size_t len = slash ? (size_t)(slash - part) : strlen(part);

		if (first && slash && is_registry(part, len)) {
			if (!registry_ok(part, len))
				return false;
		} else if (!component_ok(part, len)) {
			return false;
		}
		if (!slash)
			return true;
		part = slash + 1;
		first = false;
	}
}

int reference_parse(const char *text, struct reference *ref, char *err, size_t err_len)
{
	char path[REFERENCE_MAX - 24]; /* room for "docker.io/library/" */
	const char *last_slash, *colon;
	size_t path_len;

	if (!text || !*text || strlen(text) >= REFERENCE_MAX - 24) {
		snprintf(err, err_len, "image name \"%s\" is empty or too long", text ? text : "");
		return -1;
	}
	if (strchr(text, '@')) {
		snprintf(err, err_len,
			 "image name \"%s\": digest references (@sha256:) are not supported: use "
			 "NAME:TAG or an image id",
			 text);
		return -1;
	}
	last_slash = strrchr(text, '/');
	colon = strchr(last_slash ? last_slash : text, ':');
	path_len = colon ? (size_t)(colon - text) : strlen(text);
	memcpy(path, text, path_len);
	path[path_len] = '\0';
	snprintf(ref->tag, sizeof(ref->tag), "%s", colon ? colon + 1 : "latest");
	if (!path_ok(path) || (colon && !tag_ok(colon + 1))) {
		snprintf(err, err_len,
			 "image name \"%s\" is not valid: lowercase letters, digits and . _ - in "
			 "NAME, up to 128 of letters, digits, . _ - in TAG",
			 text);
		return -1;
	}
	const char *slash = strchr(path, '/');

	if (slash && is_registry(path, (size_t)(slash - path)))
		snprintf(ref->name, sizeof(ref->name), "%s", path);
	else if (slash)
		snprintf(ref->name, sizeof(ref->name), "docker.io/%s", path);
	else
		snprintf(ref->name, sizeof(ref->name), "docker.io/library/%s", path);
	return 0;
}

void reference_format(const struct reference *ref, char *out, size_t out_len)
{
	snprintf(out, out_len, "%s:%s", ref->name, ref->tag);
}

const char *reference_familiar(const char *name)
{
	if (strncmp(name, "docker.io/library/", 18) == 0)
		return name + 18;
	if (strncmp(name, "docker.io/", 10) == 0)
		return name + 10;
	return name;
}

bool reference_is_id_prefix(const char *text)
{
	size_t i;

	if (strncmp(text, "sha256:", 7) == 0)
		text += 7;
	if (!*text || strlen(text) > 64)
		return false;
	for (i = 0; text[i]; i++)
		if (!strchr("0123456789abcdef", text[i]))
			return false;
	return true;
}
