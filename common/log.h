/* log.h - errors and --trace narration.
 *
 * Every error names the action and the thing it was done to, in one line:
 *     boxes: pivot_root(/run/boxes/3f2a/merged): Invalid argument
 * --trace prints each isolation action as it is done, numbered, with the
 * step that taught it:
 *     boxes[trace]  4 [05] pivot_root(".", ".")
 */
#ifndef BOXES_LOG_H
#define BOXES_LOG_H

#include <stdarg.h>

/* Exit codes, as docker run uses them. */
enum {
	EXIT_BOXES_FAILED = 125, /* boxes itself failed: bad option, setup */
	EXIT_CANNOT_EXEC = 126, /* the command exists but cannot run */
	EXIT_NOT_FOUND = 127, /* the command does not exist */
};

/* Print "boxes: MESSAGE" on stderr. */
void box_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* From now on box_error and box_die print each message as one JSON line,
 * {"level":"error","msg":"boxes: ...","time":...}: the OCI runtime's
 * --log-format json, which the engines (podman) parse. */
void log_errors_as_json(void);

/* Print "boxes: ACTION(WHAT): strerror(errno)" and return -1, so a caller
 * can write: if (mount(...) < 0) return box_syserr("mount", target); */
int box_syserr(const char *action, const char *what);

/* Print "boxes: MESSAGE" and exit 125 (from the container's side too). */
void box_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* --trace. trace_enable() once from main; trace(step, ...) then prints a
 * numbered line. The counter is shared with the container process, so the
 * numbers stay in order across the clone. With BOXES_TRACE_TIME=1 in the
 * environment every line also carries microseconds since trace_enable(),
 * which `make bench` uses to time each phase. */
void trace_enable(void);
void trace(int step, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Marks the current process as the container (before exec): box_die then
 * uses _exit, so the container never runs the runtime's exit handlers. */
void log_in_container(void);

#endif
