/* cgroup_line.h - one line of /proc/self/cgroup, for cgroup-escape.c and
 * its unit test (tests/unit/test_escape_cgroup_line.c).
 *
 * Each line is "HIERARCHY-ID:CONTROLLERS:PATH" (cgroups(7)):
 *     4:memory:/boxes/3f2a9c01d4e7      a v1 hierarchy with the memory controller
 *     0::/boxes/3f2a9c01d4e7            the v2 hierarchy: id 0, no controller list
 * A hybrid host has both kinds. PATH may itself hold ':', so the line is cut
 * at its first two colons only, and nothing is cut before it is compared.
 */
#ifndef BOXES_CGROUP_LINE_H
#define BOXES_CGROUP_LINE_H

#include <stdio.h>
#include <string.h>

/* Is "memory" one of the comma-separated names in list[0..length)? */
static inline int lists_memory(const char *list, size_t length)
{
	const char *name = list, *end = list + length;

	while (name < end) {
		const char *comma = memchr(name, ',', (size_t)(end - name));
		size_t name_length = (size_t)((comma ? comma : end) - name);

		if (name_length == 6 && strncmp(name, "memory", 6) == 0)
			return 1;
		name += name_length + 1;
	}
	return 0;
}

/* 1 if line is the memory controller's (v1) or the v2 hierarchy's: its
 * PATH (without the newline) into path, *v2 set to which. 0 otherwise. */
static inline int memory_cgroup_line(const char *line, char *path, size_t len, int *v2)
{
	const char *first = strchr(line, ':'), *second;
	int is_v2, is_memory;

	if (!first || !(second = strchr(first + 1, ':')))
		return 0;
	is_v2 = first == line + 1 && line[0] == '0' && second == first + 1;
	is_memory = lists_memory(first + 1, (size_t)(second - first - 1));
	if (!is_v2 && !is_memory)
		return 0;
	snprintf(path, len, "%.*s", (int)strcspn(second + 1, "\n"), second + 1);
	*v2 = is_v2;
	return 1;
}

#endif
