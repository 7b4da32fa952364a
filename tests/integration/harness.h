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

/* A runtime held in the middle of its set-up, to signal it there: its
 * stderr is a pipe we filled, so with --trace among its options its first
 * trace line blocks in write(2) - after it began to hold signals, before
 * the container runs its command. spawn_held_box returns once it sleeps
 * there (-1 if it never got there: the pid is then stopped and reaped).
 * finish_held_box lets it go on, collects its stderr (the trace, then any
 * message) into err and returns its exit code (-1 after timeout_s). */
struct held_box {
	pid_t pid;
	int err_pipe; /* our read end */
	size_t filler; /* bytes of ours at its start */
};
int spawn_held_box(struct held_box *held, const char *step_name, ...);
int finish_held_box(struct held_box *held, int timeout_s, char *err, size_t len);
/* SIGTERM a held `STEP --trace [OPTION] ROOTFS /bin/sleep 30` during its
 * set-up, then let it go on: its exit code (-1 if the signal was lost and
 * sleep ran on), its stderr in err. */
int sigterm_during_set_up(const char *step_name, const char *option, char *err, size_t len);

/* Killing a runtime (SIGKILL) and what is left after it.
 *
 * kill_runtime_rounds("07-user-namespace", 5, &report): start the step's
 * runtime with `sleep MARKER` (MARKER unique to this test process), SIGKILL
 * it at a random moment 0-300 ms after its start, and look for container
 * processes that outlived it (any process whose cmdline holds MARKER: the
 * command, an --init, or a container not yet exec'd, a fork of the
 * runtime); each one found is counted and SIGKILLed. From step 02 on,
 * every other round runs with --init. KILL_ROUNDS in the environment
 * overrides rounds (make soak). Returns the survivors counted. */
struct kill_report {
	int rounds;
	int survivors;
	int last_survivor_delay_ms; /* the kill that one outlived; -1: none */
	bool last_survivor_init; /* ... and whether it ran under --init */
};
int kill_runtime_rounds(const char *step_name, int rounds, struct kill_report *report);
/* The round count: KILL_ROUNDS from the environment, else the default. */
int kill_rounds(int default_rounds);

/* Remove what SIGKILLed runs of this test left on the host: the cgroups
 * boxes/<id> and bx<id> links that are not in before (a list_host_objects
 * snapshot), the state dirs and /30 leases in our own BOXES_RUN. Only
 * ever those: a stand-in for the sweeper, which will do this at start. */
void sweep_killed_runs(const char *before);
/* Snapshot of the host's boxes cgroups and bx* links, one path a line. */
void list_host_objects(char *out, size_t len);
/* A runtime does not wait for its veth pair to go: the kernel removes it
 * with the container's network namespace, in the background, 1-35 ms
 * after the container's last process (steps/06-net-namespace/net.c). So
 * look for up to LINK_GONE_WAIT_MS: true once the link named name is gone,
 * false if it is still there then (nothing was going to remove it). */
#define LINK_GONE_WAIT_MS 2000
bool link_gone_soon(const char *name);

/* After each test (tests/select.c calls it): repeat on our stderr the
 * "not written yet" lines of a student's stubs that the boxes this test
 * spawned printed, so the grader sees where the test stopped. */
void boxes_after_test(void);

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
