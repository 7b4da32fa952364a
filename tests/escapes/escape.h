/* escape.h - what every escape program shares.
 *
 * An escape program runs inside a container and tries one thing a
 * container should not be able to do. It says what happened in one line
 * and exits:
 *   0  ESCAPED: it worked
 *   1  BLOCKED: the container stopped it (the line says by what)
 *   2  the test itself could not be made (say why)
 * Each file's first comment carries the lines scripts/matrix.sh reads:
 *   escape:       the row's name
 *   blocked-from: the first step that blocks it
 *   explain:      one line for `make demo`
 *   run:          plain (default), uts, twice or loopback: how matrix.sh runs it
 * They are static (the rootfs has no libc) and must never harm the host
 * beyond what they undo themselves: they open for write, they never write.
 */
#ifndef BOXES_ESCAPE_H
#define BOXES_ESCAPE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define escaped(...)                                                                               \
	do {                                                                                       \
		printf("ESCAPED: " __VA_ARGS__);                                                   \
		putchar('\n');                                                                     \
		exit(0);                                                                           \
	} while (0)

#define blocked(...)                                                                               \
	do {                                                                                       \
		printf("BLOCKED: " __VA_ARGS__);                                                   \
		putchar('\n');                                                                     \
		exit(1);                                                                           \
	} while (0)

#define cannot_test(...)                                                                           \
	do {                                                                                       \
		printf("CANNOT TEST: " __VA_ARGS__);                                               \
		putchar('\n');                                                                     \
		exit(2);                                                                           \
	} while (0)

/* Does the file at path mention text? (reads its first 4 KiB) */
static inline int file_mentions(const char *path, const char *text)
{
	char buffer[4096];
	size_t got;
	FILE *file = fopen(path, "r");

	if (!file)
		return 0;
	got = fread(buffer, 1, sizeof(buffer) - 1, file);
	fclose(file);
	buffer[got] = '\0';
	return strstr(buffer, text) != NULL;
}

#endif
