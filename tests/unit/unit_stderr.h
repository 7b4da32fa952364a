/* unit_stderr.h - catch what a function prints on stderr (boxes' errors
 * and traces go there), for a unit test to check its words:
 *
 *     int caught = stderr_catch();
 *     result = function_under_test(...);
 *     stderr_release(caught, text, sizeof(text));   // text holds it all
 */
#ifndef BOXES_UNIT_STDERR_H
#define BOXES_UNIT_STDERR_H

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static int stderr_saved = -1;

/* From now on stderr goes to a memfd; returns it (or -1). */
static inline int stderr_catch(void)
{
	int caught = memfd_create("stderr", 0);

	fflush(stderr);
	stderr_saved = dup(2);
	if (caught >= 0)
		dup2(caught, 2);
	return caught;
}

/* stderr back where it was; what was printed meanwhile into text. */
static inline void stderr_release(int caught, char *text, size_t size)
{
	ssize_t got = -1;

	fflush(stderr);
	dup2(stderr_saved, 2);
	close(stderr_saved);
	stderr_saved = -1;
	if (caught >= 0) {
		got = pread(caught, text, size - 1, 0);
		close(caught);
	}
	text[got > 0 ? got : 0] = '\0';
}

#endif
