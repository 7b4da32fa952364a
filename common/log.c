/* log.c - errors that name the action and the path; --trace narration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

static int in_container;
static int errors_as_json;
static int trace_on;
static int trace_times;
static struct timespec trace_start;
/* Shared with the container process (MAP_SHARED survives clone), so the
 * numbers of parent and child lines follow one sequence. */
static int *trace_counter;

void log_errors_as_json(void)
{
	errors_as_json = 1;
}

/* {"level":"error","msg":"boxes: ...","time":"2026-01-01T00:00:00Z"}, as
 * runc writes its --log-format json lines (jansson escapes the text). */
static void print_json_error(const char *message)
{
	char when[32];
	time_t now = time(NULL);
	struct tm utc;
	json_t *line;
	char *text;

	gmtime_r(&now, &utc);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &utc);
	line = json_pack("{s:s, s:s, s:s}", "level", "error", "msg", message, "time", when);
	text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	fprintf(stderr, "%s\n", text ? text : "{\"level\":\"error\"}");
	free(text);
	json_decref(line);
}

static void print_error(const char *fmt, va_list args)
{
	char message[4096];

	if (!errors_as_json) {
		fputs("boxes: ", stderr);
		vfprintf(stderr, fmt, args);
		fputc('\n', stderr);
		return;
	}
	snprintf(message, sizeof(message), "boxes: ");
	vsnprintf(message + 7, sizeof(message) - 7, fmt, args);
	print_json_error(message);
}

void box_error(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	print_error(fmt, args);
	va_end(args);
}

int box_syserr(const char *action, const char *what)
{
	int saved = errno;

	box_error("%s(%s): %s", action, what, strerror(saved));
	errno = saved;
	return -1;
}

void box_die(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	print_error(fmt, args);
	va_end(args);
	fflush(NULL);
	if (in_container)
		_exit(EXIT_BOXES_FAILED);
	exit(EXIT_BOXES_FAILED);
}

void log_in_container(void)
{
	in_container = 1;
}

void trace_enable(void)
{
	void *shared =
	    mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const char *times = getenv("BOXES_TRACE_TIME");

	trace_counter = shared == MAP_FAILED ? NULL : shared;
	trace_on = 1;
	trace_times = times && strcmp(times, "1") == 0;
	clock_gettime(CLOCK_MONOTONIC, &trace_start);
}

void trace(int step, const char *fmt, ...)
{
	static int local_counter;
	int number;
	va_list args;

	if (!trace_on)
		return;
	number = trace_counter ? __atomic_add_fetch(trace_counter, 1, __ATOMIC_SEQ_CST)
			       : ++local_counter;
	if (trace_times) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		fprintf(stderr, "boxes[trace] %2d [%02d] +%ldus ", number, step,
			(long)((now.tv_sec - trace_start.tv_sec) * 1000000L +
			       (now.tv_nsec - trace_start.tv_nsec) / 1000));
	} else {
		fprintf(stderr, "boxes[trace] %2d [%02d] ", number, step);
	}
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
}
