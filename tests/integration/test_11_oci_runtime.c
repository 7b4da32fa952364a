/* Beyond step 10: boxes-runtime, driven as an engine drives runc - by hand
 * over a bundle (create, state, start, kill, delete, run; bad bundles),
 * and by the real client: podman --runtime boxes-runtime. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "harness_09.h"

static struct run_result result;
static char bundle[1024], runtime_root[1024], image_tar[1024];
static char runtime_bin[PATH_MAX]; /* absolute: podman --runtime needs it so */

/* A file from a format, or the test fails. */
static void write_text(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void write_text(const char *path, const char *fmt, ...)
{
	FILE *file = fopen(path, "w");
	va_list list;

	assert_non_null(file);
	va_start(list, fmt);
	vfprintf(file, fmt, list);
	va_end(list);
	assert_int_equal(fclose(file), 0);
}

/* A config.json as `runc spec` writes it, trimmed: args as given (a JSON
 * list), then any extra top-level text (",\"x\": 1"). */
static void write_config(const char *args_json, const char *version, const char *extra)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	write_text(
	    path,
	    "{\"ociVersion\": \"%s\",\n"
	    " \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": %s,\n"
	    "   \"env\": [\"PATH=/bin:/sbin\"], \"cwd\": \"/\",\n"
	    "   \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"],\n"
	    "     \"effective\": [\"CAP_KILL\", \"CAP_CHOWN\"], \"permitted\": [\"CAP_KILL\", "
	    "\"CAP_CHOWN\"]},\n"
	    "   \"noNewPrivileges\": true},\n"
	    " \"root\": {\"path\": \"rootfs\"},\n"
	    " \"hostname\": \"oci-box\",\n"
	    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": "
	    "\"proc\"},\n"
	    "   {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
	    "    \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
	    "   {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
	    "    \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\"]}],\n"
	    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"},\n"
	    "   {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}],\n"
	    "   \"resources\": {\"pids\": {\"limit\": 64}},\n"
	    "   \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"]}%s}\n",
	    version, args_json, extra);
}

/* boxes-runtime --root ROOT ARGS, its stdio (and the init's) to files in
 * the bundle: a created init keeps them open long after create exits. */
static int runtime(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int runtime(const char *fmt, ...)
{
	char args[4096], command[16384], out_path[1100], err_path[1100];
	char *argv[] = {"/bin/sh", "-c", command, NULL};
	va_list list;
	int status;

	va_start(list, fmt);
	vsnprintf(args, sizeof(args), fmt, list);
	va_end(list);
	snprintf(out_path, sizeof(out_path), "%s/out", bundle);
	snprintf(err_path, sizeof(err_path), "%s/err", bundle);
	snprintf(command, sizeof(command), "cd %s && %s --root %s %s >%s 2>%s </dev/null", bundle,
		 runtime_bin, runtime_root, args, out_path, err_path);
	status = run_argv(&result, 30, argv);
	read_file(out_path, result.out, sizeof(result.out));
	read_file(err_path, result.err, sizeof(result.err));
	result.status = status;
	return status;
}

/* `state ID`'s status field ("" when it printed no state). */
static const char *status_of(const char *id)
{
	static char status[32];
	json_t *state;

	status[0] = '\0';
	if (runtime("state %s", id) != 0)
		return status;
	state = json_loads(result.out, 0, NULL);
	if (state)
		snprintf(status, sizeof(status), "%s",
			 json_string_value(json_object_get(state, "status")) ?: "");
	json_decref(state);
	return status;
}

static pid_t pid_of(const char *id)
{
	json_t *state;
	pid_t pid = -1;

	if (runtime("state %s", id) != 0)
		return -1;
	state = json_loads(result.out, 0, NULL);
	if (state)
		pid = (pid_t)json_integer_value(json_object_get(state, "pid"));
	json_decref(state);
	return pid;
}

/* We are the subreaper (group_setup): the inits of create end up ours. */
static int reap(pid_t pid)
{
	int status = -1, tries;

	for (tries = 0; tries < 1000; tries++) {
		pid_t got = waitpid(pid, &status, WNOHANG);

		if (got == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		usleep(10000);
	}
	return -1;
}

static bool exists(const char *fmt, const char *value)
{
	char path[4300];

	snprintf(path, sizeof(path), fmt, value);
	return access(path, F_OK) == 0;
}

/* What delete must leave: no state dir, no cgroup (step 03's boxes/<id>,
 * the id's first 12 hex digits), no mount of the bundle. */
static void assert_nothing_left(const char *id)
{
	char cgroup_id[13], dir[4300];

	snprintf(cgroup_id, sizeof(cgroup_id), "%.12s", id);
	snprintf(dir, sizeof(dir), "%s/%s", runtime_root, id);
	assert_false(exists("%s", dir));
	assert_false(exists("/sys/fs/cgroup/pids/boxes/%s", cgroup_id));
	assert_false(exists("/sys/fs/cgroup/boxes/%s", cgroup_id));
	assert_int_equal(host_mounts_matching(bundle), 0);
}

#define ID "0c1a551c0ffee0000000000000000001"
#define LIVE_ID "cleanup-live" /* not hex: a cgroup id of its own (hashed) */

static void test_create_waits_until_start_runs_the_program(void **state)
{
	char marker[4300];

	(void)state;
	snprintf(marker, sizeof(marker), "%s/rootfs/ran", bundle);
	unlink(marker);
	write_config("[\"sh\", \"-c\", \"echo yes > /ran; exec sleep 30\"]", "1.0.2", "");
	assert_int_equal(runtime("create --pid-file %s/pid " ID, bundle), 0);
	/* create has exited; the container is there, its program not yet */
	assert_string_equal(status_of(ID), "created");
	assert_true(pid_of(ID) > 0);
	assert_int_equal(kill(pid_of(ID), 0), 0); /* its init lives on */
	assert_false(exists("%s", marker));
	assert_int_equal(runtime("start " ID), 0);
	assert_string_equal(status_of(ID), "running");
	for (int tries = 0; tries < 300 && !exists("%s", marker); tries++)
		usleep(10000);
	assert_true(exists("%s", marker));
	/* a second start is refused */
	assert_int_equal(runtime("start " ID), 1);
	assert_error(&result, "cannot start a container that is running");
	pid_t pid = pid_of(ID);
	assert_int_equal(runtime("kill " ID " KILL"), 0);
	assert_int_equal(reap(pid), 128 + SIGKILL);
	assert_string_equal(status_of(ID), "stopped");
	assert_int_equal(runtime("delete " ID), 0);
	assert_nothing_left(ID);
	assert_int_equal(runtime("state " ID), 1);
	assert_error(&result, "container does not exist");
}

static void test_kill_takes_names_and_numbers(void **state)
{
	static const char *const signals[] = {"USR1", "SIGUSR1", "10"};
	pid_t pid;

	(void)state;
	write_config("[\"sh\", \"-c\", \"trap 'exit 42' USR1; while :; do sleep 0.1; done\"]",
		     "1.0.2", "");
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(runtime("create " ID), 0);
		assert_int_equal(runtime("start " ID), 0);
		pid = pid_of(ID);
		usleep(300000); /* until the trap is set */
		assert_int_equal(runtime("kill " ID " %s", signals[i]), 0);
		assert_int_equal(reap(pid), 42);
		assert_int_equal(runtime("kill " ID " TERM"), 1);
		assert_error(&result, "container not running");
		assert_int_equal(runtime("delete " ID), 0);
	}
	assert_int_equal(runtime("create " ID), 0);
	assert_int_equal(runtime("kill " ID " NOSUCHSIGNAL"), 1);
	assert_error(&result, "invalid signal \"NOSUCHSIGNAL\"");
	assert_int_equal(runtime("delete --force " ID), 0);
	assert_nothing_left(ID);
}

static void test_delete_refuses_a_running_container_unless_forced(void **state)
{
	pid_t pid;

	(void)state;
	write_config("[\"sleep\", \"30\"]", "1.0.2", "");
	assert_int_equal(runtime("create " ID), 0);
	assert_int_equal(runtime("start " ID), 0);
	pid = pid_of(ID);
	assert_int_equal(runtime("delete " ID), 1);
	assert_error(&result, "cannot delete container " ID " that is not stopped: running");
	assert_string_equal(status_of(ID), "running");
	assert_int_equal(runtime("delete --force " ID), 0);
	assert_int_equal(reap(pid), 128 + SIGKILL);
	assert_nothing_left(ID);
	/* the same with a created one, and one that never was */
	assert_int_equal(runtime("create " ID), 0);
	pid = pid_of(ID);
	assert_int_equal(runtime("delete --force " ID), 0);
	assert_int_equal(reap(pid), 128 + SIGKILL);
	assert_nothing_left(ID);
	assert_int_equal(runtime("delete --force " ID), 0);
}

static void test_run_gives_the_program_s_exit_code_and_what_the_config_asked(void **state)
{
	(void)state;
	write_config("[\"sh\", \"-c\", \"hostname; grep -E '^(CapEff|NoNewPrivs)' "
		     "/proc/self/status; "
		     "echo x > /proc/sys/kernel/domainname || echo read-only; exit 7\"]",
		     "1.0.2", "");
	assert_int_equal(runtime("run " ID), 7);
	assert_output(&result, "oci-box");
	assert_output(&result, "CapEff:\t0000000000000021"); /* CAP_CHOWN, CAP_KILL */
	assert_output(&result, "NoNewPrivs:\t1");
	assert_output(&result, "read-only");
	assert_nothing_left(ID);
}

/* process.capabilities.ambient: raised after the other sets, for a user
 * that is not root (the only way it keeps capabilities across exec). */
static void test_ambient_capabilities_reach_a_user_that_is_not_root(void **state)
{
	char extra[2048];

	(void)state;
	write_config("[\"grep\", \"-E\", \"^(Uid|CapAmb|CapEff)\", \"/proc/self/status\"]", "1.0.2",
		     "");
	snprintf(extra, sizeof(extra),
		 "sed -i 's/\"uid\": 0, \"gid\": 0/\"uid\": 1000, \"gid\": 1000/; "
		 "s/\"permitted\": \\[/\"inheritable\": [\"CAP_CHOWN\"], \"ambient\": "
		 "[\"CAP_CHOWN\", \"CAP_KILL\"], \"permitted\": [/' %s/config.json",
		 bundle);
	assert_int_equal(shell("%s", extra), 0);
	assert_int_equal(runtime("run " ID), 0);
	assert_output(&result, "Uid:\t1000\t1000\t1000\t1000");
	/* CAP_CHOWN (bit 0) raised; CAP_KILL is not inheritable: left out, as runc does */
	assert_output(&result, "CapEff:\t0000000000000001");
	assert_output(&result, "CapAmb:\t0000000000000001");
	assert_nothing_left(ID);
}

/* scripts/cleanup.sh: the state of a container whose init died (SIGKILL,
 * nobody called delete) goes, with its cgroup; a live one stays. */
static void test_cleanup_removes_dead_containers_only(void **state)
{
	char live[4300];
	pid_t pid;

	(void)state;
	write_config("[\"sleep\", \"30\"]", "1.0.2", "");
	assert_int_equal(runtime("create " ID), 0);
	pid = pid_of(ID);
	assert_int_equal(runtime("create " LIVE_ID), 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(reap(pid), 128 + SIGKILL);
	assert_string_equal(status_of(ID), "stopped");
	assert_int_equal(shell("BOXES_RUNTIME_ROOT=%s scripts/cleanup.sh", runtime_root), 0);
	assert_nothing_left(ID);
	snprintf(live, sizeof(live), "%s/" LIVE_ID "/state.json", runtime_root);
	assert_true(exists("%s", live));
	assert_string_equal(status_of(LIVE_ID), "created");
	pid = pid_of(LIVE_ID);
	assert_int_equal(runtime("delete --force " LIVE_ID), 0);
	assert_int_equal(reap(pid), 128 + SIGKILL);
	assert_nothing_left(LIVE_ID);
}

static void test_bad_bundles_say_what_is_wrong(void **state)
{
	char path[4300];

	(void)state;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	unlink(path);
	assert_int_equal(runtime("create " ID), 1);
	assert_error(&result, "config.json): No such file or directory");
	assert_int_equal(line_count(result.err), 1);
	write_config("[\"true\"]", "0.9.0", "");
	assert_int_equal(runtime("create " ID), 1);
	assert_error(&result, "ociVersion 0.9.0 is not supported");
	write_config("[\"true\"]", "1.0.2", ", \"linux2\": {}");
	assert_int_equal(runtime("create " ID), 1);
	assert_error(&result, "config.json: linux2 is not supported by boxes-runtime");
	write_config("[\"nosuchcommand\"]", "1.0.2", "");
	assert_int_equal(runtime("create " ID), 1);
	assert_error(&result, "exec: \"nosuchcommand\": executable file not found in $PATH");
	assert_int_equal(runtime("--log-format json create " ID), 1);
	assert_error(&result, "{\"level\":\"error\",\"msg\":\"boxes: exec: \\\"nosuchcommand\\\"");
	assert_nothing_left(ID);
}

static void test_a_bundle_without_its_rootfs_is_refused(void **state)
{
	char rootfs[4300], moved[4300];

	(void)state;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	snprintf(moved, sizeof(moved), "%s/rootfs.away", bundle);
	assert_int_equal(rename(rootfs, moved), 0);
	write_config("[\"true\"]", "1.0.2", "");
	assert_int_equal(runtime("create " ID), 1);
	assert_error(&result, "/rootfs");
	assert_int_equal(rename(moved, rootfs), 0);
	assert_nothing_left(ID);
}

/* The engine's hooks (hooks.h): a script that keeps, for its stage, the
 * state it was given and what /proc says of the container's init then. */
static char hook_dir[1100];

static void write_hook_script(void)
{
	char path[1200];

	snprintf(hook_dir, sizeof(hook_dir), "%s/hooks", run_dir());
	shell("rm -rf %s && mkdir -p %s", hook_dir, hook_dir);
	snprintf(path, sizeof(path), "%s/record", hook_dir);
	write_text(
	    path,
	    "#!/bin/sh\n"
	    "cd %s && state=$(cat) && echo \"$state\" > $1.json\n"
	    "pid=$(echo \"$state\" | sed -n 's/.*\"pid\":\\([0-9]*\\).*/\\1/p')\n"
	    "readlink /proc/$pid/ns/net > $1.net\n"
	    "# the rootfs has /escapes, the host's / not\n"
	    "test -d /proc/$pid/root/escapes && echo rootfs > $1.root || echo host > $1.root\n",
	    hook_dir);
	chmod(path, 0755);
}

/* A field of what the stage's hook was given ("" if it did not run). */
static const char *hook_saw(const char *stage, const char *field)
{
	static char value[4200];
	char path[1300], text[8192];
	json_t *state, *got;

	value[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s.json", hook_dir, stage);
	if (read_file(path, text, sizeof(text)) < 0 || !(state = json_loads(text, 0, NULL)))
		return value;
	got = json_object_get(state, field);
	if (json_is_string(got))
		snprintf(value, sizeof(value), "%s", json_string_value(got));
	else if (json_is_integer(got))
		snprintf(value, sizeof(value), "%lld", (long long)json_integer_value(got));
	json_decref(state);
	return value;
}

static const char *hook_file(const char *stage, const char *ext)
{
	static char text[4200];
	char path[1300];

	snprintf(path, sizeof(path), "%s/%s.%s", hook_dir, stage, ext);
	if (read_file(path, text, sizeof(text)) < 0)
		text[0] = '\0';
	text[strcspn(text, "\n")] = '\0';
	return text;
}

static void test_hooks_run_at_create_start_and_delete(void **state)
{
	const char *stages[] = {"prestart", "createRuntime", "poststart", "poststop"};
	char extra[8192], own_net[256] = "", pid[32];
	size_t used;

	(void)state;
	write_hook_script();
	used = (size_t)snprintf(extra, sizeof(extra), ", \"hooks\": {");
	for (int i = 0; i < 4; i++)
		used += (size_t)snprintf(
		    extra + used, sizeof(extra) - used,
		    "%s\"%s\": [{\"path\": \"%s/record\", \"args\": [\"record\", \"%s\"]}]",
		    i ? ", " : "", stages[i], hook_dir, stages[i]);
	snprintf(extra + used, sizeof(extra) - used, "}");
	write_config("[\"sleep\", \"30\"]", "1.0.2", extra);
	assert_int_equal(runtime("create " ID), 0);
	/* create ran its two, with the init's pid, once its namespaces were
	 * made (its own network namespace) and before pivot_root (its root
	 * still ours) */
	snprintf(pid, sizeof(pid), "%d", (int)pid_of(ID));
	assert_string_equal(hook_saw("prestart", "status"), "creating");
	assert_string_equal(hook_saw("prestart", "id"), ID);
	assert_string_equal(hook_saw("prestart", "pid"), pid);
	assert_string_equal(hook_saw("createRuntime", "pid"), pid);
	assert_true(readlink("/proc/self/ns/net", own_net, sizeof(own_net) - 1) > 0);
	assert_string_not_equal(hook_file("prestart", "net"), "");
	assert_string_not_equal(hook_file("prestart", "net"), own_net);
	assert_string_equal(hook_file("prestart", "root"), "host");
	assert_string_equal(hook_saw("poststart", "status"), ""); /* not yet */
	assert_int_equal(runtime("start " ID), 0);
	assert_string_equal(hook_saw("poststart", "status"), "running");
	assert_string_equal(hook_file("poststart", "root"), "rootfs"); /* pivot_root was done */
	assert_string_equal(hook_saw("poststop", "status"), "");
	assert_int_equal(runtime("kill " ID " KILL"), 0);
	assert_int_equal(reap(atoi(pid)), 128 + SIGKILL);
	assert_int_equal(runtime("delete " ID), 0);
	assert_string_equal(hook_saw("poststop", "status"), "stopped");
	assert_string_equal(hook_saw("poststop", "id"), ID);
	assert_nothing_left(ID);
}

static void test_a_failing_hook_fails_create_and_leaves_nothing(void **state)
{
	(void)state;
	write_config(
	    "[\"true\"]", "1.0.2",
	    ", \"hooks\": {\"prestart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", "
	    "\"echo no network for you >&2; exit 3\"]}]}");
	assert_int_equal(runtime("create " ID), 1);
	assert_error(&result, "no network for you");
	assert_error(&result, "boxes: hooks.prestart[0] /bin/sh: exit status 3");
	assert_nothing_left(ID);
	/* a hook that outlives its timeout is killed with what it started (its
	 * process group), and fails create */
	write_config("[\"true\"]", "1.0.2",
		     ", \"hooks\": {\"createRuntime\": [{\"path\": \"/bin/sh\", \"args\": "
		     "[\"sh\", \"-c\", \"sleep 47; true\"], \"timeout\": 1}]}");
	assert_int_equal(runtime("create " ID), 1);
	assert_error(&result, "hooks.createRuntime[0] /bin/sh: timed out after 1 s (killed)");
	assert_nothing_left(ID);
	assert_int_equal(shell("! pgrep -f '^sleep 47$' >/dev/null"), 0);
	/* poststart: a warning, the container runs on (the spec's rule) */
	write_config("[\"sleep\", \"30\"]", "1.0.2",
		     ", \"hooks\": {\"poststart\": [{\"path\": \"/bin/false\"}]}");
	assert_int_equal(runtime("create " ID), 0);
	assert_int_equal(runtime("start " ID), 0);
	assert_error(&result, "hooks.poststart[0] /bin/false: exit status 1");
	assert_error(&result, "warning: a poststart hook failed; the container runs on");
	assert_string_equal(status_of(ID), "running");
	assert_int_equal(runtime("delete --force " ID), 0);
	assert_nothing_left(ID);
}

/* The real client, each command also under podman's default runtime,
 * crun (through scripts/crun-hybrid.sh, which hides this machine's empty
 * cgroup2 from it): the same output and exit code. */
static char crun_bin[PATH_MAX];

/* podman --runtime R ARGS under boxes-runtime, then crun: the exit codes
 * and outputs must be the same. boxes-runtime's output into out. */
static int same_as_crun(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int same_as_crun(char *out, size_t len, const char *fmt, ...)
{
	char args[4096], crun_out[8192];
	va_list list;
	int code, crun_code;

	va_start(list, fmt);
	vsnprintf(args, sizeof(args), fmt, list);
	va_end(list);
	code = podman(out, len, "--runtime %s %s", runtime_bin, args);
	crun_code = podman(crun_out, sizeof(crun_out), "--runtime %s %s", crun_bin, args);
	if (code != crun_code || strcmp(out, crun_out) != 0)
		fail_msg("podman %s:\n  boxes-runtime: %d \"%s\"\n  crun:          %d \"%s\"", args,
			 code, out, crun_code, crun_out);
	return code;
}

static void test_podman_runs_containers_on_boxes_runtime(void **state)
{
	char out[8192];

	(void)state;
	assert_int_equal(
	    same_as_crun(out, sizeof(out), "run --rm --network none localhost/oci-test echo hi"),
	    0);
	assert_string_equal(out, "hi\n");
	assert_int_equal(same_as_crun(out, sizeof(out),
				      "run --rm --network none localhost/oci-test sh -c 'exit 3'"),
			 3);
	assert_int_equal(
	    same_as_crun(out, sizeof(out), "run --rm --network none localhost/oci-test nosuch"),
	    127);
	/* -t: the pty came through the console socket */
	assert_int_equal(
	    same_as_crun(out, sizeof(out), "run --rm -t --network none localhost/oci-test tty"), 0);
	assert_string_equal(out, "/dev/pts/0\r\n");
}

/* run -d, ps, exec, logs, stop, inspect, rm with one runtime: what each
 * printed and answered, one line each, into out. */
static void detached_life(const char *runtime_path, char *out, size_t len)
{
	char got[8192];
	size_t used = 0;
	int code;

#define STEP_OF_LIFE(fmt, ...)                                                                     \
	do {                                                                                       \
		code = podman(got, sizeof(got), "--runtime %s " fmt, runtime_path, ##__VA_ARGS__); \
		used += (size_t)snprintf(out + used, len - used, "%d: %s|", code, got);            \
	} while (0)
	STEP_OF_LIFE("run -d --name oci-web --network none localhost/oci-test sh -c 'trap \"exit "
		     "0\" TERM; echo started; while :; do sleep 0.1; done' >/dev/null");
	STEP_OF_LIFE("ps --format '{{.Names}} {{.Status}}' | cut -c1-10");
	code = podman(got, sizeof(got), "--runtime %s exec oci-web sh -c 'echo $$'", runtime_path);
	/* in the container's PID namespace: small */
	used += (size_t)snprintf(out + used, len - used, "%d: %s|", code,
				 atoi(got) > 1 && atoi(got) < 100 ? "small pid" : got);
	STEP_OF_LIFE("exec oci-web sh -c 'exit 5'");
	STEP_OF_LIFE("logs oci-web");
	STEP_OF_LIFE("stop oci-web >/dev/null");
	STEP_OF_LIFE("inspect --format '{{.State.ExitCode}}' oci-web");
	STEP_OF_LIFE("rm oci-web >/dev/null");
#undef STEP_OF_LIFE
}

static void test_podman_run_detached_exec_stop_rm(void **state)
{
	char boxes[8192], crun[8192];

	(void)state;
	detached_life(runtime_bin, boxes, sizeof(boxes));
	assert_string_equal(boxes,
			    "0: |0: oci-web Up\n|0: small pid|5: |0: started\n|0: |0: 0\n|0: |");
	detached_life(crun_bin, crun, sizeof(crun));
	assert_string_equal(boxes, crun);
}

static void test_podman_options_reach_the_mechanisms(void **state)
{
	char out[8192];

	(void)state;
	/* 08 + process.user: a user with no capabilities */
	assert_int_equal(same_as_crun(out, sizeof(out),
				      "run --rm --network none --user 1000:1000 localhost/oci-test "
				      "sh -c 'id -u; grep CapEff /proc/self/status'"),
			 0);
	assert_string_equal(out, "1000\nCapEff:\t0000000000000000\n");
	assert_int_equal(same_as_crun(out, sizeof(out),
				      "run --rm --network none --cap-drop ALL localhost/oci-test "
				      "grep CapBnd /proc/self/status"),
			 0);
	assert_string_equal(out, "CapBnd:\t0000000000000000\n");
	/* a user that is not root, given a capability: podman's ambient set */
	assert_int_equal(
	    same_as_crun(out, sizeof(out),
			 "run --rm --network none --user 1000 --cap-add CHOWN "
			 "localhost/oci-test grep -E '^Cap(Amb|Eff)' /proc/self/status"),
	    0);
	/* root.readonly, and the tmpfs podman puts on /tmp */
	assert_int_equal(
	    same_as_crun(out, sizeof(out),
			 "run --rm --network none --read-only localhost/oci-test sh -c "
			 "'touch /x 2>/dev/null || echo read-only; touch /tmp/y && echo "
			 "tmp-writable'"),
	    0);
	assert_string_equal(out, "read-only\ntmp-writable\n");
	/* --cgroupns private: the container's cgroup is its "/", in every
	 * hierarchy (each line of /proc/self/cgroup ends in ":/") */
	assert_int_equal(
	    same_as_crun(out, sizeof(out),
			 "run --rm --network none --cgroupns private localhost/oci-test "
			 "sh -c 'grep -c :/\\$ /proc/self/cgroup; wc -l < "
			 "/proc/self/cgroup'"),
	    0);
	assert_true(atoi(out) > 0);
	assert_int_equal(atoi(out), atoi(strchr(out, '\n') + 1));
}

/* podman --hooks-dir: podman puts the hooks of a hooks.d file into the
 * config.json it hands its runtime; the runtime runs them. */
static void test_podman_s_hooks_run_on_boxes_runtime(void **state)
{
	const char *runtimes[] = {runtime_bin, crun_bin};
	char hooks_d[1200], out[8192], cid[256];

	(void)state;
	write_hook_script();
	snprintf(hooks_d, sizeof(hooks_d), "%s/hooks.d", hook_dir);
	assert_int_equal(mkdir(hooks_d, 0700), 0);
	snprintf(out, sizeof(out), "%s/record.json", hooks_d);
	write_text(out,
		   "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"%s/record\", \"args\": "
		   "[\"record\", \"prestart\"]}, \"when\": {\"always\": true}, \"stages\": "
		   "[\"prestart\"]}\n",
		   hook_dir);
	for (int i = 0; i < 2; i++) {
		shell("rm -f %s/prestart.*", hook_dir);
		assert_int_equal(podman(out, sizeof(out),
					"--runtime %s --hooks-dir %s run -d --network none "
					"localhost/oci-test sleep 30",
					runtimes[i], hooks_d),
				 0);
		snprintf(cid, sizeof(cid), "%.64s", out);
		/* the hook had the container's id, its init's pid, and ran
		 * before pivot_root, whichever runtime ran it */
		assert_string_equal(hook_saw("prestart", "id"), cid);
		assert_int_equal(
		    podman(out, sizeof(out), "inspect --format '{{.State.Pid}}' %s", cid), 0);
		assert_int_equal(atoi(hook_saw("prestart", "pid")), atoi(out));
		assert_string_equal(hook_file("prestart", "root"), "host");
		assert_int_equal(podman(NULL, 0, "--runtime %s rm -f -t 0 %s", runtimes[i], cid),
				 0);
	}
}

#define USERNS "--uidmap 0:100000:65536 --gidmap 0:100000:65536"

/* 07 under podman: a user namespace (podman chowns its copy of the image
 * to 100000), for the container and for an exec in it. */
static void userns_life(const char *runtime_path, char *out, size_t len)
{
	char got[256];
	int code;

	code = podman(got, sizeof(got),
		      "--runtime %s run --rm --network none " USERNS
		      " localhost/oci-test sh -c 'id -u; cat /proc/self/uid_map'",
		      runtime_path);
	snprintf(out, len, "%d: %s|", code, got);
	code = podman(got, sizeof(got),
		      "--runtime %s run -d --name oci-userns --network none " USERNS
		      " localhost/oci-test sleep 30 >/dev/null",
		      runtime_path);
	snprintf(out + strlen(out), len - strlen(out), "%d|", code);
	code = podman(got, sizeof(got), "--runtime %s exec oci-userns cat /proc/self/uid_map",
		      runtime_path);
	snprintf(out + strlen(out), len - strlen(out), "%d: %s|", code, got);
	code = podman(NULL, 0, "--runtime %s rm -f -t 0 oci-userns", runtime_path);
	snprintf(out + strlen(out), len - strlen(out), "%d", code);
}

static void test_podman_s_user_namespace(void **state)
{
	char boxes[1024], crun[1024];

	(void)state;
	userns_life(runtime_bin, boxes, sizeof(boxes));
	assert_string_equal(boxes, "0: 0\n         0     100000      65536\n|0|0:          0     "
				   "100000      65536\n|0");
	userns_life(crun_bin, crun, sizeof(crun));
	assert_string_equal(boxes, crun);
}

/* The container's cgroup for controller (v1), or the v2 one, as the host's
 * /proc/PID/cgroup names it: the host's directory into dir. */
static void cgroup_dir_of(const char *proc_self_cgroup, const char *controller, char *dir,
			  size_t len)
{
	char key[64];
	const char *line;

	snprintf(key, sizeof(key), ":%s:", controller);
	line = strstr(proc_self_cgroup, key);
	if (line) {
		snprintf(dir, len, "/sys/fs/cgroup/%s%.*s", controller,
			 (int)strcspn(line + strlen(key), "\n"), line + strlen(key));
		return;
	}
	line = strstr(proc_self_cgroup, "0::");
	assert_non_null(line);
	snprintf(dir, len, "/sys/fs/cgroup%.*s", (int)strcspn(line + 3, "\n"), line + 3);
}

/* linux.cgroupsPath: podman's /libpod_parent/libpod-<id>, with the limits
 * in it while the container runs, gone after rm; under crun the same. */
static void limits_in_cgroups_path(const char *runtime_path, char *out, size_t len)
{
	char id[128], pid[32], cgroup[4096], dir[4300], file[4400], limit[64] = "";
	const char *memory_file;

	assert_int_equal(podman(id, sizeof(id),
				"--runtime %s run -d --network none --pids-limit 33 --memory 64m "
				"localhost/oci-test sleep 30",
				runtime_path),
			 0);
	id[strcspn(id, "\n")] = '\0';
	/* Read from the host: inside, a cgroup namespace (podman's default on
	 * v2) shows its own cgroup as "/". */
	assert_int_equal(podman(pid, sizeof(pid), "inspect --format '{{.State.Pid}}' %s", id), 0);
	snprintf(file, sizeof(file), "/proc/%d/cgroup", atoi(pid));
	assert_int_equal(read_file(file, cgroup, sizeof(cgroup)), 0);
	cgroup_dir_of(cgroup, "pids", dir, sizeof(dir));
	snprintf(file, sizeof(file), "libpod_parent/libpod-%s", id);
	if (!strstr(dir, file))
		fail_msg("%s: the pids cgroup is %s, not .../%s", runtime_path, dir, file);
	snprintf(file, sizeof(file), "%s/pids.max", dir);
	assert_int_equal(read_file(file, limit, sizeof(limit)), 0);
	snprintf(out, len, "pids.max %s", limit);
	cgroup_dir_of(cgroup, "memory", dir, sizeof(dir));
	memory_file =
	    strncmp(dir, "/sys/fs/cgroup/memory", 21) == 0 ? "memory.limit_in_bytes" : "memory.max";
	snprintf(file, sizeof(file), "%s/%s", dir, memory_file);
	assert_int_equal(read_file(file, limit, sizeof(limit)), 0);
	snprintf(out + strlen(out), len - strlen(out), "memory %s", limit);
	assert_int_equal(podman(NULL, 0, "--runtime %s rm -f -t 0 %s", runtime_path, id), 0);
	assert_int_not_equal(access(dir, F_OK), 0);
}

static void test_podman_s_cgroups_path_holds_the_limits(void **state)
{
	char boxes[256], crun[256];

	(void)state;
	limits_in_cgroups_path(runtime_bin, boxes, sizeof(boxes));
	assert_string_equal(boxes, "pids.max 33\nmemory 67108864\n");
	limits_in_cgroups_path(crun_bin, crun, sizeof(crun));
	assert_string_equal(boxes, crun);
}

/* A test that failed half way leaves no container for the next one. */
static int remove_test_container(void **state)
{
	(void)state;
	runtime("delete --force " ID);
	runtime("delete --force " LIVE_ID);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return 0;
}

static int group_setup(void **state)
{
	char rootfs[4300];

	if (harness_setup(state) < 0 || !realpath(bin_path("boxes-runtime"), runtime_bin) ||
	    !realpath("scripts/crun-hybrid.sh", crun_bin))
		return -1;
	/* the inits that create leaves behind become our children */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	snprintf(bundle, sizeof(bundle), "%s/bundle", run_dir());
	snprintf(runtime_root, sizeof(runtime_root), "%s/runtime", run_dir());
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	snprintf(image_tar, sizeof(image_tar), "%s/image.tar", run_dir());
	if (mkdir(bundle, 0700) < 0 || shell("cp -a %s %s", rootfs_path(), rootfs) != 0)
		return -1;
	podman_begin();
	if (mkimage(image_tar, "localhost/oci-test:latest", NULL) != 0 ||
	    podman(NULL, 0, "load -i %s", image_tar) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	podman(NULL, 0, "rm -af");
	podman_end();
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	shell("rm -rf %s", bundle);
	return harness_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_create_waits_until_start_runs_the_program,
				      remove_test_container),
	    cmocka_unit_test_teardown(test_kill_takes_names_and_numbers, remove_test_container),
	    cmocka_unit_test_teardown(test_delete_refuses_a_running_container_unless_forced,
				      remove_test_container),
	    cmocka_unit_test_teardown(
		test_run_gives_the_program_s_exit_code_and_what_the_config_asked,
		remove_test_container),
	    cmocka_unit_test_teardown(test_ambient_capabilities_reach_a_user_that_is_not_root,
				      remove_test_container),
	    cmocka_unit_test_teardown(test_cleanup_removes_dead_containers_only,
				      remove_test_container),
	    cmocka_unit_test_teardown(test_bad_bundles_say_what_is_wrong, remove_test_container),
	    cmocka_unit_test_teardown(test_a_bundle_without_its_rootfs_is_refused,
				      remove_test_container),
	    cmocka_unit_test_teardown(test_hooks_run_at_create_start_and_delete,
				      remove_test_container),
	    cmocka_unit_test_teardown(test_a_failing_hook_fails_create_and_leaves_nothing,
				      remove_test_container),
	    cmocka_unit_test_teardown(test_podman_runs_containers_on_boxes_runtime,
				      remove_test_container),
	    cmocka_unit_test_teardown(test_podman_run_detached_exec_stop_rm, remove_test_container),
	    cmocka_unit_test_teardown(test_podman_options_reach_the_mechanisms,
				      remove_test_container),
	    cmocka_unit_test_teardown(test_podman_s_cgroups_path_holds_the_limits,
				      remove_test_container),
	    cmocka_unit_test_teardown(test_podman_s_user_namespace, remove_test_container),
	    cmocka_unit_test_teardown(test_podman_s_hooks_run_on_boxes_runtime,
				      remove_test_container),
	};

	return cmocka_run_group_tests_name("test_11_oci_runtime", tests, group_setup,
					   group_teardown);
}
