/* harness.h - what the integration tests share: run a step binary with a
 * timeout and capture what it printed, as a user at a terminal would see. */
#ifndef BOXES_HARNESS_H
#define BOXES_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cmocka.h>

#define OUTPUT_MAX 65536

struct run_result {
	int status; /* exit code; 128+N if killed by signal N; -1 if it never ran */
	bool timed_out; /* the harness killed it after the timeout */
	char out[OUTPUT_MAX]; /* stdout */
	char err[OUTPUT_MAX]; /* stderr */
};

/* build/bin/NAME (BUILD from the environment, default "build"). */
const char *bin_path(const char *step_name);
/* build/rootfs */
const char *rootfs_path(void);
/* The BOXES_RUN temp dir of this test run (made by harness_setup). */
const char *run_dir(void);

/* Run argv (argv[0] a path) with stdin from /dev/null; kill the whole
 * process group after timeout_s. Returns result->status. */
int run_argv(struct run_result *result, int timeout_s, char *const argv[]);

/* run_box(&r, 10, "02-pid-namespace", ROOTFS, "/bin/true", NULL):
 * the step binary with the rest as arguments. The literal ROOTFS is
 * replaced by rootfs_path(). */
#define ROOTFS "@ROOTFS@"
int run_box(struct run_result *result, int timeout_s, const char *step_name, ...);

/* Start it without waiting: for tests that signal the runtime. stdout and
 * stderr go to the files named; returns the pid (its own process group). */
pid_t spawn_box(const char *out_file, const char *err_file, const char *step_name, ...);
/* Wait for a spawned pid; returns its docker-style exit code. */
int wait_box(pid_t pid, int timeout_s);

/* Run /escapes/ESCAPE under the step: assert its exit code (0 escaped,
 * 1 blocked) and a piece of what it said. */
void check_escape(const char *step_name, const char *escape, int code, const char *text);

/* A harmless host process whose cmdline starts with boxes-host-sentinel. */
pid_t start_sentinel(void);
void stop_sentinel(pid_t pid);

/* Run /escapes/hostname under the step inside a throwaway UTS namespace
 * that plays "the host": 0 if the name out there changed (escaped), 1 if
 * not. The real host's name is never touched. */
int hostname_escape_renames_outside(const char *step_name);

/* Lines of /proc/self/mountinfo that contain text. */
int host_mounts_matching(const char *text);
/* Entries in the BOXES_RUN dir (0 once every container cleaned up). */
int run_dir_entries(void);
/* Read a whole small file into out (NUL-terminated); -1 on error. */
int read_file(const char *path, char *out, size_t len);

/* A small filesystem of its own (type "tmpfs", "ramfs"; mount options)
 * on a fresh directory under run_dir(), for a BOXES_RUN that is full or
 * lacks a feature; its path into dir. 0 or -1. unmount_scratch removes
 * it (teardown fails the group if one is left). */
int mount_scratch(const char *type, const char *options, char *dir, size_t len);
void unmount_scratch(const char *dir);

/* cmocka group setup/teardown: make BOXES_RUN a fresh temp dir, require
 * root and a built rootfs; teardown removes it. */
int harness_setup(void **state);
int harness_teardown(void **state);

/* assert_output(&r, "text"): the text is in stdout, with both streams shown
 * on failure. assert_error likewise for stderr. */
#define assert_output(r, text) assert_true(harness_check((r)->out, text, r))
#define assert_no_output(r, text) assert_false(harness_check((r)->out, text, NULL))
#define assert_error(r, text) assert_true(harness_check((r)->err, text, r))
#define assert_exit(r, code) assert_true(harness_check_status(r, code))
bool harness_check(const char *haystack, const char *text, const struct run_result *show);
bool harness_check_status(const struct run_result *r, int code);

#endif
