/* id.c - a short random container id: 12 hex digits, like docker's.
 *
 * BOXES_ID_PREFIX (up to 6 hex digits) makes every id start with it. A
 * grader running several test suites on one machine gives each its own
 * prefix, so that each suite's checks for left-over cgroups (boxes/<id>)
 * and links (bx<id>) count only its own containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "box.h"
#include "id.h"
#include "log.h"

#define ID_PREFIX_MAX 6

/* BOXES_ID_PREFIX if set: 0 to 6 lowercase hex digits, else -1. */
static int id_prefix(const char **prefix)
{
	const char *given = getenv("BOXES_ID_PREFIX");

	*prefix = given ? given : "";
	if (strlen(*prefix) > ID_PREFIX_MAX ||
	    strspn(*prefix, "0123456789abcdef") != strlen(*prefix)) {
		box_error("BOXES_ID_PREFIX '%s': expected up to %d lowercase hex digits", *prefix,
			  ID_PREFIX_MAX);
		return -1;
	}
	return 0;
}

int make_container_id(char *out)
{
	unsigned char random_bytes[BOX_ID_LEN / 2];
	const char *prefix;
	size_t prefix_len;
	int i;

	if (id_prefix(&prefix) < 0)
		return -1;
	if (getrandom(random_bytes, sizeof(random_bytes), 0) != (ssize_t)sizeof(random_bytes))
		return box_syserr("getrandom", "container id");
	for (i = 0; i < BOX_ID_LEN / 2; i++)
		sprintf(out + 2 * i, "%02x", random_bytes[i]);
	prefix_len = strlen(prefix);
	memcpy(out, prefix, prefix_len);
	return 0;
}
