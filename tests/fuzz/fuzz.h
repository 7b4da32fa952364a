/* fuzz.h - what every libFuzzer target of boxes shares.
 *
 * A target is one file, tests/fuzz/fuzz_NAME.c, that defines
 * LLVMFuzzerTestOneInput(data, size). libFuzzer calls it a few hundred
 * thousand times a second with inputs it mutates from the seed corpus in
 * tests/fuzz/corpus/NAME/, and keeps every input that reaches new code.
 * Everything is built with AddressSanitizer and UBSan, so a crash is any
 * out-of-bounds access, use after free, leak, undefined behaviour - or a
 * FUZZ_CHECK that fails: the parser accepted something it promised to
 * refuse, or returned a value it promised never to return.
 *
 * A target must never exit(): libFuzzer would stop there. Parsers return
 * -1 on bad input; inputs that make one exit on purpose (--help) are left
 * out by the target, with a comment saying why.
 */
#ifndef BOXES_FUZZ_H
#define BOXES_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Say what broke on fd 2 (which libFuzzer and the sanitizers also write
 * to), then abort: libFuzzer saves the input as crash-<sha1>. */
#define FUZZ_CHECK(condition, ...)                                                                 \
	do {                                                                                       \
		if (!(condition)) {                                                                \
			dprintf(2, "FUZZ_CHECK failed: %s: ", #condition);                         \
			dprintf(2, __VA_ARGS__);                                                   \
			dprintf(2, "\n");                                                          \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The parsers print one line per bad input with box_error(), on stderr:
 * millions of lines in a run. Point the stdio stream `stderr` at
 * /dev/null, but leave fd 2 alone: libFuzzer kept its own copy of the
 * stream at start-up, and the sanitizers and FUZZ_CHECK write to fd 2
 * directly, so crash reports still show. FUZZ_VERBOSE=1 keeps the lines
 * (when replaying one crash file by hand). */
static inline void fuzz_quiet_stderr(void)
{
	FILE *null;

	if (getenv("FUZZ_VERBOSE"))
		return;
	null = fopen("/dev/null", "w");
	if (null)
		stderr = null;
}

/* libFuzzer calls this once, before the first input. A target that needs
 * more set-up (host variables, say) names its function in FUZZ_SETUP
 * before it includes fuzz.h. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_stderr();
#ifdef FUZZ_SETUP
	FUZZ_SETUP();
#endif
	return 0;
}

/* The input as a C string (a NUL in it just ends the string early).
 * malloc'd to the exact size, so AddressSanitizer sees any read past the
 * end. The caller frees it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

/* Cut text into lines, in place: words[i] points at line i. At most max
 * lines; returns how many. One line is one argument or one value. */
static inline int fuzz_lines(char *text, char **words, int max)
{
	int count = 0;

	while (count < max) {
		words[count++] = text;
		text = strchr(text, '\n');
		if (!text)
			break;
		*text++ = '\0';
	}
	return count;
}

#endif
