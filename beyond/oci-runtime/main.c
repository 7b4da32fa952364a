/* boxes-runtime: the OCI runtime command line over the mechanisms of
 * steps 01-08, so that podman (or any engine that speaks OCI) drives boxes.
 *
 *     boxes-runtime [--root DIR] [--log FILE] [--log-format text|json] VERB ...
 *       create [--bundle DIR] [--pid-file F] [--console-socket S] ID
 *       start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID
 *       run [--bundle DIR] [--pid-file F] ID
 *       exec [--process P.json] [--detach] [--pid-file F] [--console-socket S] ID [CMD...]
 *       features | --version
 *
 * The state machine of the runtime spec (runtime.md): create makes the
 * container and leaves its init waiting right before the user's program;
 * start lets it go; the container runs until its program exits; delete
 * removes what create made. create and start are two processes, so the
 * init waits on something a later process can touch: a FIFO in the state
 * dir (runc's exec.fifo). Opening a FIFO for writing blocks until someone
 * opens it for reading (fifo(7)): the init blocks there, start opens it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "box.h"
#include "log.h"
#include "state.h"

#include "02-pid-namespace/namespaces.h"
#include "03-cgroups/cgroup.h"
#include "oci-runtime/container.h"
#include "oci-runtime/hooks.h"
#include "oci-runtime/process.h"
#include "oci-runtime/rootfs.h"
#include "oci-runtime/spec.h"

#define STEP 11
#define VERSION "0.1.0"
#define FAILED 1 /* runc's exit code for any error of its own */

/* --log FILE: our errors go there, but the container's stderr stays the
 * engine's: the fd we had, given back right before exec. */
static int container_stderr = -1;

static int log_to_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return box_syserr("open --log", path);
	container_stderr = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (container_stderr < 0 || dup2(fd, 2) < 0)
		return box_syserr("dup2 --log", path);
	close(fd);
	return 0;
}

static void give_back_stderr(void)
{
	if (container_stderr >= 0)
		dup2(container_stderr, 2);
}

/* The options of create and run. */
struct create_options {
	const char *bundle;
	const char *pid_file;
	const char *console_socket;
};

/* Step 03's cgroup is <hierarchy>/boxes/<12 hex digits>: podman's ids are
 * 64 hex digits (their first 12 are its short id); any other id is hashed. */
static void cgroup_id_of(const char *id, char out[BOX_ID_LEN + 1])
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	int i;

	if (strlen(id) >= BOX_ID_LEN && strspn(id, "0123456789abcdef") >= BOX_ID_LEN) {
		snprintf(out, BOX_ID_LEN + 1, "%s", id);
		return;
	}
	SHA256((const unsigned char *)id, strlen(id), digest);
	for (i = 0; i < BOX_ID_LEN / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* Where step 03 made a container's cgroup: the same path (linux.cgroupsPath,
 * or boxes/<cgroup id>) under each v1 hierarchy, or under v2's root (""). */
static const char *const cgroup_hierarchies[] = {"pids/", "memory/", "cpu/", ""};
#define HIERARCHY_COUNT (sizeof(cgroup_hierarchies) / sizeof(cgroup_hierarchies[0]))

static void cgroup_file(char *out, size_t len, size_t hierarchy, const char *cgroup_path,
			const char *file)
{
	snprintf(out, len, "/sys/fs/cgroup/%s%s%s", cgroup_hierarchies[hierarchy], cgroup_path,
		 file);
}

/* One of its cgroup directories: kill what is left in it, wait until it is
 * empty, rmdir. step 03's cgroup_sweep would refuse an engine's path (it
 * acts on boxes/<id> only); this one comes from our own state.json. */
static void remove_cgroup_dir(const char *dir)
{
	char procs[4200];
	int tries, pid;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	for (tries = 0; tries < 200 && access(dir, F_OK) == 0; tries++) {
		FILE *file = fopen(procs, "re");

		while (file && fscanf(file, "%d", &pid) == 1)
			kill(pid, SIGKILL);
		if (file)
			fclose(file);
		trace(STEP, "rmdir(\"%s\")", dir);
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		usleep(10000);
	}
	if (access(dir, F_OK) == 0)
		box_syserr("rmdir", dir);
}

/* Every directory step 03 may have made for it, on any cgroup layout. */
static void sweep_cgroups(const char *cgroup_path)
{
	char dir[4096];
	size_t i;

	if (!cgroup_path[0] || strstr(cgroup_path, "..")) /* never a hierarchy's root */
		return;
	for (i = 0; i < HIERARCHY_COUNT; i++) {
		cgroup_file(dir, sizeof(dir), i, cgroup_path, "");
		remove_cgroup_dir(dir); /* absent is fine */
	}
}

/* --pid-file, written whole: a temporary file renamed over it. */
static int write_pid_file(const char *path, pid_t pid)
{
	char temporary[4200];
	FILE *file;

	if (!path)
		return 0;
	snprintf(temporary, sizeof(temporary), "%s.tmp", path);
	file = fopen(temporary, "we");
	if (!file)
		return box_syserr("open", temporary);
	fprintf(file, "%d", (int)pid);
	if (fclose(file) != 0 || rename(temporary, path) < 0)
		return box_syserr("write", path);
	return 0;
}

/* linux.namespaces with a path: join it (setns(2)) before the clone, so
 * the init is born in it; only the others are made new by the clone. */
static int join_namespaces(const struct spec *spec)
{
	int i;

	for (i = 0; i < spec->namespace_count; i++) {
		const struct spec_namespace *ns = &spec->namespaces[i];
		int fd;

		if (!ns->path)
			continue;
		trace(STEP, "setns(\"%s\")", ns->path);
		fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return box_syserr("open", ns->path);
		if (setns(fd, ns->flag) < 0) {
			close(fd);
			return box_syserr("setns", ns->path);
		}
		close(fd);
	}
	return 0;
}

/* linux.uidMappings, gidMappings into the init's uid_map and gid_map, as
 * step 07's write_id_maps does with its one line: from outside, while the
 * init waits on the sync pipe (until then it is nobody in its namespace). */
static int write_id_map(pid_t pid, const char *file, const struct spec_id_mapping *lines, int count)
{
	char path[64], text[512];
	size_t used = 0;
	int fd, i;

	for (i = 0; i < count; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%llu %llu %llu\n",
					 lines[i].container_id, lines[i].host_id, lines[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	trace(STEP, "write(\"%s\", \"%.*s\")", path, (int)strcspn(text, "\n"), text);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return box_syserr("open", path);
	if (write(fd, text, used) != (ssize_t)used) {
		close(fd);
		return box_syserr("write", path);
	}
	close(fd);
	return 0;
}

static int write_id_maps_of(const struct spec *spec, pid_t pid)
{
	if (!(spec->clone_flags & CLONE_NEWUSER))
		return 0;
	return write_id_map(pid, "uid_map", spec->uid_mappings, spec->uid_mapping_count) < 0 ||
		       write_id_map(pid, "gid_map", spec->gid_mappings, spec->gid_mapping_count) < 0
		   ? -1
		   : 0;
}

/* Step 07's become_root, without its PR_SET_PDEATHSIG: here the init must
 * outlive the runtime (create exits; conmon watches the container). */
static int become_namespace_root(void)
{
	trace(STEP, "setgroups(0), setresgid(0, 0, 0), setresuid(0, 0, 0)");
	if (setgroups(0, NULL) < 0)
		return box_syserr("setgroups", "no supplementary groups");
	if (setresgid(0, 0, 0) < 0)
		return box_syserr("setresgid", "0 (the container's root group)");
	if (setresuid(0, 0, 0) < 0)
		return box_syserr("setresuid", "0 (the container's root)");
	return 0;
}

/* What the init needs besides the spec. */
struct init_args {
	struct spec *spec;
	char fifo[4200];
	const char *console_socket;
	int sync_fd; /* read: the runtime says go (it has put us in our cgroup) */
	int report_fd; /* write: one byte once we are ready to start */
};

/* The container's init, from clone to exec. Everything but the user's
 * program is done before it tells create it is ready; then it blocks on
 * the FIFO until `start`. */
static int init_main(struct init_args *args)
{
	const struct spec *spec = args->spec;
	struct box box = {.hostname = spec->hostname, .cgroup_fd = -1};
	scmp_filter_ctx filter = NULL;
	char command[4096], fifo_path[64], go;
	int fifo, console = -1, start;

	log_in_container();
	if (read(args->sync_fd, &go, 1) != 1) /* 01: the runtime gave up */
		return FAILED;
	close(args->sync_fd);
	/* in our cgroup now (03): a cgroup namespace made here has it as its
	 * root, so the container's /proc/self/cgroup says "/" */
	if ((spec->clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		return box_syserr("unshare", "CLONE_NEWCGROUP");
	/* the FIFO is a host path: hold it before pivot_root hides it */
	fifo = open(args->fifo, O_PATH | O_CLOEXEC);
	if (fifo < 0)
		return box_syserr("open", args->fifo);
	if (spec->process.terminal &&
	    (!args->console_socket || (console = console_connect(args->console_socket)) < 0)) {
		if (!args->console_socket)
			box_error("process.terminal needs --console-socket");
		return FAILED;
	}
	/* 07: the host paths are reached (FIFO, console socket): become the
	 * root the maps give us, as runc does, before any mount. The rootfs is
	 * the engine's, owned by that root already (podman chowns it). */
	if ((spec->clone_flags & CLONE_NEWUSER) && become_namespace_root() < 0)
		return FAILED;
	if (spec->seccomp && !(filter = profile_build(spec->seccomp)))
		return FAILED;
	if (rootfs_prepare(spec) < 0 /* mounts of config.json; 05's masks */
	    || rootfs_enter(spec) < 0 /* 05: pivot_root */
	    || (spec->hostname && set_hostname(&box) < 0) /* 02 */
	    || (console >= 0 && console_attach(console) < 0) /* the engine's pty */
	    || process_find_command(&spec->process, command, sizeof(command)) < 0 ||
	    process_apply(&spec->process, filter) < 0) /* 08: seccomp, capabilities */
		return FAILED;
	if (write(args->report_fd, "r", 1) != 1) /* ready: create may exit */
		return FAILED;
	close(args->report_fd);
	snprintf(fifo_path, sizeof(fifo_path), "/proc/self/fd/%d", fifo);
	trace(STEP, "open(exec.fifo, O_WRONLY): wait for start");
	start = open(fifo_path, O_WRONLY | O_CLOEXEC);
	if (start < 0 || write(start, "0", 1) != 1)
		return box_syserr("open", "exec.fifo");
	close(start);
	close(fifo);
	give_back_stderr();
	return process_exec(&spec->process, command); /* 01 */
}

/* Undo what a create that failed half way made. */
static void abort_create(struct container *container, struct box *box, pid_t init)
{
	if (init > 0) {
		kill(init, SIGKILL);
		while (waitpid(init, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (box->cgroup)
		cgroup_destroy(box); /* 03 */
	container_remove(container);
}

/* The engine's hooks of one stage (hooks.h), each given the state with
 * this status. */
static int run_hooks(const struct container *container, const char *stage, const char *status)
{
	json_t *state;
	int result;

	if (!json_object_get(container->hooks, stage))
		return 0;
	state = container_state(container, status);
	result = state ? hooks_run(container->hooks, stage, state) : -1;
	json_decref(state);
	return result;
}

/* Clone the init, hand it its cgroup, run the engine's create hooks, wait
 * for the init to be ready. */
static pid_t start_init(struct spec *spec, struct box *box, struct container *container,
			const char *fifo, const char *console_socket)
{
	struct init_args args = {.spec = spec, .console_socket = console_socket};
	int sync_pipe[2], report_pipe[2];
	char ready;
	pid_t pid;

	snprintf(args.fifo, sizeof(args.fifo), "%s", fifo);
	if (pipe2(sync_pipe, O_CLOEXEC) < 0 || pipe2(report_pipe, O_CLOEXEC) < 0)
		return box_syserr("pipe2", "sync pipes");
	fflush(NULL);
	/* A raw clone(2) works like fork(2), plus the namespaces (02, 06); the
	 * cgroup namespace waits until the init is in its cgroup (init_main) */
	pid = (pid_t)syscall(SYS_clone, (spec->clone_flags & ~CLONE_NEWCGROUP) | SIGCHLD, NULL,
			     NULL, NULL, NULL);
	if (pid < 0)
		return box_syserr("clone", "the container's namespaces");
	if (pid == 0) {
		close(sync_pipe[1]);
		close(report_pipe[0]);
		args.sync_fd = sync_pipe[0];
		args.report_fd = report_pipe[1];
		fflush(NULL);
		_exit(init_main(&args));
	}
	close(sync_pipe[0]);
	close(report_pipe[1]);
	box->container_pid = pid;
	container->pid = pid;
	trace(STEP, "clone() = %d: the container's init", (int)pid);
	if (write_id_maps_of(spec, pid) < 0 /* 07 */ ||
	    cgroup_add(box) < 0 /* 03: before it runs a thing */
	    /* its namespaces are made, its mounts and pivot_root not yet */
	    || run_hooks(container, "prestart", "creating") < 0 ||
	    run_hooks(container, "createRuntime", "creating") < 0 ||
	    write(sync_pipe[1], "g", 1) != 1 || read(report_pipe[0], &ready, 1) != 1) {
		close(sync_pipe[1]);
		close(report_pipe[0]);
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		box_error("create failed before the container was ready (see above)");
		return -1;
	}
	close(sync_pipe[1]);
	close(report_pipe[0]);
	return pid;
}

static void now_rfc3339(char *out, size_t len)
{
	struct timespec now;
	struct tm utc;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &utc);
	strftime(out, len, "%Y-%m-%dT%H:%M:%S", &utc);
	snprintf(out + strlen(out), len - strlen(out), ".%09ldZ", now.tv_nsec);
}

/* create: everything up to the user's program. The init outlives us:
 * the engine's monitor (conmon, a subreaper) becomes its parent. */
static int create_container(const char *id, const struct create_options *options,
			    struct container *container)
{
	struct spec spec;
	struct box box = {.sync_fd = -1, .cgroup_fd = -1};
	char fifo[4200];
	pid_t init;

	if (spec_load(&spec, options->bundle) < 0)
		return -1;
	if (container_make_dir(container, id) < 0) {
		spec_free(&spec);
		return -1;
	}
	container_fifo(container, fifo, sizeof(fifo));
	snprintf(container->bundle, sizeof(container->bundle), "%s", spec.bundle);
	now_rfc3339(container->created, sizeof(container->created));
	container->annotations = json_incref(spec.annotations);
	container->hooks = json_incref(spec.hooks);
	cgroup_id_of(id, container->cgroup_id);
	snprintf(box.id, sizeof(box.id), "%s", container->cgroup_id);
	if (spec.cgroup_path[0]) /* the engine's place for it, not step 03's */
		box.cgroup_path = spec.cgroup_path;
	if (box.cgroup_path)
		snprintf(container->cgroup_path, sizeof(container->cgroup_path), "%s",
			 box.cgroup_path);
	else
		snprintf(container->cgroup_path, sizeof(container->cgroup_path), "boxes/%s",
			 box.id);
	box.memory_bytes = spec.memory_bytes;
	box.pids_limit = spec.pids_limit;
	box.cpu_quota_us = spec.cpu_quota_us;
	box.cpu_period_us = spec.cpu_period_us;
	/* writable by the user the init becomes (chmod: the umask cuts mkfifo's mode) */
	if (mkfifo(fifo, 0600) < 0 || chmod(fifo, 0622) < 0) {
		box_syserr("mkfifo", fifo);
		abort_create(container, &box, 0);
		spec_free(&spec);
		return -1;
	}
	if (cgroup_create(&box) < 0 /* 03: limits first */
	    || join_namespaces(&spec) < 0 ||
	    (init = start_init(&spec, &box, container, fifo, options->console_socket)) < 0) {
		abort_create(container, &box, 0);
		spec_free(&spec);
		return -1;
	}
	spec_free(&spec);
	container->pid = init;
	container->start_time = process_start_time(init);
	free(box.cgroup); /* its directories stay, for delete (sweep_cgroups) */
	if (container_save(container) < 0 || write_pid_file(options->pid_file, init) < 0) {
		abort_create(container, &box, init);
		return -1;
	}
	return 0;
}

/* start: open the FIFO for reading, which lets the init's open for writing
 * return; read its byte; remove the FIFO: the container is "running". */
static int start_container_process(struct container *container)
{
	const char *status = container_status(container);
	struct pollfd fifo = {.events = POLLIN};
	char path[4200], byte;

	if (strcmp(status, "created") != 0) {
		box_error("cannot start a container that is %s (only a created one)", status);
		return -1;
	}
	container_fifo(container, path, sizeof(path));
	fifo.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo.fd < 0)
		return box_syserr("open", path);
	/* the init may die instead of writing: look at it every 100 ms */
	while (poll(&fifo, 1, 100) == 0 || !(fifo.revents & POLLIN)) {
		if (strcmp(container_status(container), "stopped") == 0) {
			close(fifo.fd);
			box_error("the container's init exited before start");
			return -1;
		}
	}
	if (read(fifo.fd, &byte, 1) != 1) {
		close(fifo.fd);
		return box_syserr("read", path);
	}
	close(fifo.fd);
	if (unlink(path) < 0)
		return box_syserr("unlink", path);
	if (run_hooks(container, "poststart", "running") < 0) /* the spec: a warning */
		box_error("warning: a poststart hook failed; the container runs on");
	return 0;
}

/* "TERM", "SIGTERM", "15" - runc takes all three. 0 if unknown. */
static int signal_from_text(const char *text)
{
	char *end;
	long number = strtol(text, &end, 10);
	int sig;

	if (*text && !*end)
		return number > 0 && number < NSIG ? (int)number : 0;
	if (strncasecmp(text, "SIG", 3) == 0)
		text += 3;
	for (sig = 1; sig < NSIG; sig++) {
		const char *name = sigabbrev_np(sig);

		if (name && strcasecmp(name, text) == 0)
			return sig;
	}
	return 0;
}

/* kill --all: every process of the container's cgroup (03). */
static void kill_all(const struct container *container, int sig)
{
	char path[4200];
	size_t i;
	int pid;

	for (i = 0; i < HIERARCHY_COUNT; i++) {
		FILE *procs;

		cgroup_file(path, sizeof(path), i, container->cgroup_path, "/cgroup.procs");
		procs = fopen(path, "re");
		if (!procs)
			continue;
		while (fscanf(procs, "%d", &pid) == 1)
			kill(pid, sig);
		fclose(procs);
		return;
	}
}

static int kill_container(struct container *container, const char *signal_text, bool all)
{
	int sig = signal_from_text(signal_text);

	if (!sig) {
		box_error("invalid signal \"%s\" (a name like TERM or SIGKILL, or a number)",
			  signal_text);
		return -1;
	}
	if (strcmp(container_status(container), "stopped") == 0) {
		box_error("container not running");
		return -1;
	}
	trace(STEP, "kill(%d, SIG%s)%s", (int)container->pid, sigabbrev_np(sig),
	      all ? " and every process of its cgroup" : "");
	if (all)
		kill_all(container, sig);
	if (kill(container->pid, sig) < 0 && errno != ESRCH)
		return box_syserr("kill", container->id);
	return 0;
}

/* delete: the init is gone (or, with --force, made gone), then its
 * cgroup and its state. Its mounts went with its mount namespace. */
static int delete_container(struct container *container, bool force)
{
	const char *status = container_status(container);
	int tries;

	if (strcmp(status, "stopped") != 0) {
		if (!force) {
			box_error("cannot delete container %s that is not stopped: %s",
				  container->id, status);
			return -1;
		}
		kill(container->pid, SIGKILL);
		for (tries = 0; tries < 500 && strcmp(container_status(container), "stopped");
		     tries++)
			usleep(10000);
	}
	sweep_cgroups(container->cgroup_path);
	if (container_remove(container) < 0)
		return -1;
	if (run_hooks(container, "poststop", "stopped") < 0) /* the spec: a warning */
		box_error("warning: a poststop hook failed; the container is deleted");
	return 0;
}

/* exec: a new process in a running container: its cgroup, then its
 * namespaces (/proc/<pid>/ns/NAME, the mount namespace last: it changes our
 * root), then a fork, which is born in its PID namespace. */
static const struct {
	const char *name;
	int flag;
} exec_namespaces[] = {
    {"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
    {"net", CLONE_NEWNET},   {"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP},
    {"mnt", CLONE_NEWNS},
};

static int enter_container(const struct container *container)
{
	int fds[7], i;
	size_t h;
	char path[4200], pid[32];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	for (h = 0; h < HIERARCHY_COUNT; h++) {
		int fd;

		cgroup_file(path, sizeof(path), h, container->cgroup_path, "/cgroup.procs");
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, pid, strlen(pid)) < 0)
			box_syserr("write", path);
		close(fd);
	}
	/* Opened all first: the mount namespace, joined last, hides /proc.
	 * One the container shares with us (no cgroup namespace made, say) is
	 * skipped: once in its user namespace we could not join it again. */
	for (i = 0; i < 7; i++) {
		struct stat theirs, ours;
		char own[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)container->pid,
			 exec_namespaces[i].name);
		snprintf(own, sizeof(own), "/proc/self/ns/%s", exec_namespaces[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0 || fstat(fds[i], &theirs) < 0)
			return box_syserr("open", path);
		if (stat(own, &ours) == 0 && ours.st_ino == theirs.st_ino &&
		    ours.st_dev == theirs.st_dev) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (i = 0; i < 7; i++) {
		if (fds[i] < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)container->pid,
			 exec_namespaces[i].name);
		if (setns(fds[i], exec_namespaces[i].flag) < 0)
			return box_syserr("setns", path);
		close(fds[i]);
	}
	return 0;
}

struct exec_options {
	const char *process_file;
	const char *pid_file;
	const char *console_socket;
	bool detach;
	bool tty;
	char **args; /* CMD... when there is no --process */
};

static int exec_child(struct spec_process *process, scmp_filter_ctx filter, int console, int report)
{
	char command[4096];

	log_in_container();
	if ((console >= 0 && console_attach(console) < 0) ||
	    process_find_command(process, command, sizeof(command)) < 0 ||
	    process_apply(process, filter) < 0) {
		if (write(report, "e", 1) < 0)
			return FAILED;
		return FAILED;
	}
	give_back_stderr();
	return process_exec(process, command);
}

/* A helper does the joining, so the runtime itself stays in the host's
 * namespaces (and sees the host's files, for --pid-file). setns of a PID
 * namespace moves only the children made after it: so join, then fork the
 * process. Its pid (as the host sees it) goes back over pid_fd; with
 * --detach the helper exits at once and the process is left to the
 * engine's monitor (a subreaper), otherwise it waits for it. */
static int enter_and_fork(const struct container *container, const struct exec_options *options,
			  struct spec_process *process, scmp_filter_ctx filter, int console,
			  int report_fd, int pid_fd)
{
	int status;
	pid_t pid;

	if (enter_container(container) < 0)
		return FAILED;
	pid = fork();
	if (pid < 0)
		return box_syserr("fork", "exec"), FAILED;
	if (pid == 0) {
		close(pid_fd);
		_exit(exec_child(process, filter, console, report_fd));
	}
	close(report_fd);
	if (write(pid_fd, &pid, sizeof(pid)) != sizeof(pid))
		return FAILED;
	close(pid_fd);
	if (options->detach)
		return 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_exec(struct container *container, const struct exec_options *options,
		    struct spec *spec, json_t **process_json);

/* exec, with what it read freed whatever happened. */
static int exec_in_container(struct container *container, const struct exec_options *options)
{
	struct spec spec = {0};
	json_t *process_json = NULL;
	int result = run_exec(container, options, &spec, &process_json);

	json_decref(process_json);
	spec_free(&spec);
	return result;
}

static int run_exec(struct container *container, const struct exec_options *options,
		    struct spec *spec_out, json_t **process_json_out)
{
	struct spec spec;
	struct spec_process *process = &spec.process;
	scmp_filter_ctx filter = NULL;
	int report[2], pid_pipe[2], console = -1, status, i;
	pid_t helper, pid = -1;
	ssize_t got;
	char failed;

	if (strcmp(container_status(container), "running") != 0) {
		box_error("cannot exec in a container that is %s", container_status(container));
		return FAILED;
	}
	if (spec_load(&spec, container->bundle) < 0)
		return FAILED;
	*spec_out = spec; /* freed by the caller */
	if (options->process_file &&
	    spec_load_process(process_json_out, process, options->process_file) < 0)
		return FAILED;
	for (i = 0; !options->process_file && options->args[i] && i < SPEC_MAX_LIST; i++)
		process->args[i] = options->args[i];
	if (!options->process_file)
		process->args[i] = NULL;
	if (options->tty)
		process->terminal = true;
	if (spec.seccomp && !(filter = profile_build(spec.seccomp)))
		return FAILED;
	if (process->terminal && (!options->console_socket ||
				  (console = console_connect(options->console_socket)) < 0)) {
		if (!options->console_socket)
			box_error("a terminal needs --console-socket");
		return FAILED;
	}
	if (pipe2(report, O_CLOEXEC) < 0 || pipe2(pid_pipe, O_CLOEXEC) < 0)
		return box_syserr("pipe2", "exec"), FAILED;
	fflush(NULL);
	helper = fork();
	if (helper < 0)
		return box_syserr("fork", "exec"), FAILED;
	if (helper == 0) {
		close(report[0]);
		close(pid_pipe[0]);
		_exit(enter_and_fork(container, options, process, filter, console, report[1],
				     pid_pipe[1]));
	}
	close(report[1]);
	close(pid_pipe[1]);
	if (filter)
		seccomp_release(filter); /* the children's copies are their own */
	got = read(pid_pipe[0], &pid, sizeof(pid));
	close(pid_pipe[0]);
	/* the process closes its end at exec; a byte means it failed before */
	if (got != sizeof(pid) || read(report[0], &failed, 1) == 1) {
		close(report[0]);
		waitpid(helper, NULL, 0);
		return FAILED;
	}
	close(report[0]);
	if (write_pid_file(options->pid_file, pid) < 0)
		return FAILED;
	while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void print_features(void)
{
	printf("{\n  \"ociVersionMin\": \"1.0.0\",\n  \"ociVersionMax\": \"1.1.0\",\n"
	       "  \"hooks\": [\"prestart\", \"createRuntime\", \"poststart\", \"poststop\"],\n"
	       "  \"mountOptions\": [\"ro\", \"rw\", \"nosuid\", \"suid\", \"nodev\", \"dev\", "
	       "\"noexec\", \"exec\", \"bind\", \"rbind\", \"private\", \"rprivate\", \"shared\", "
	       "\"rshared\", \"slave\", \"rslave\"],\n"
	       "  \"linux\": {\n    \"namespaces\": [\"pid\", \"network\", \"ipc\", \"uts\", "
	       "\"mount\", \"cgroup\", \"user\"],\n"
	       "    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": false},\n"
	       "    \"seccomp\": {\"enabled\": true}\n  }\n}\n");
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: boxes-runtime [--root DIR] [--log FILE] [--log-format text|json] VERB ...\n"
		"  create [--bundle DIR] [--pid-file F] [--console-socket S] ID\n"
		"  start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID\n"
		"  run [--bundle DIR] [--pid-file F] [--console-socket S] ID\n"
		"  exec [--process P.json] [--detach] [--pid-file F] [--console-socket S] [--tty] "
		"ID [CMD...]\n"
		"  features | --version\n");
}

/* The verb's own options; getopt stops at the first operand. */
static int parse_verb_options(int argc, char **argv, struct create_options *create,
			      struct exec_options *exec, bool *force, bool *all)
{
	static const struct option options[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"console-socket", required_argument, NULL, 'c'},
	    {"process", required_argument, NULL, 'P'},
	    {"detach", no_argument, NULL, 'd'},
	    {"tty", no_argument, NULL, 't'},
	    {"force", no_argument, NULL, 'f'},
	    {"all", no_argument, NULL, 'a'},
	    {"no-pivot", no_argument, NULL, 'N'},
	    {"no-new-keyring", no_argument, NULL, 'K'},
	    {"preserve-fds", required_argument, NULL, 'F'},
	    {NULL, 0, NULL, 0},
	};
	int option;

	optind = 1;
	while ((option = getopt_long(argc, argv, "+b:p:c:dtfa", options, NULL)) != -1) {
		switch (option) {
		case 'b':
			create->bundle = optarg;
			break;
		case 'p':
			create->pid_file = exec->pid_file = optarg;
			break;
		case 'c':
			create->console_socket = exec->console_socket = optarg;
			break;
		case 'P':
			exec->process_file = optarg;
			break;
		case 'd':
			exec->detach = true;
			break;
		case 't':
			exec->tty = true;
			break;
		case 'f':
			*force = true;
			break;
		case 'a':
			*all = true;
			break;
		case 'N':
			box_error("--no-pivot is not supported by boxes-runtime (pivot_root is "
				  "step 05)");
			return -1;
		case 'K':
			break; /* boxes makes no session keyring: nothing to skip */
		case 'F':
			if (strcmp(optarg, "0") != 0) {
				box_error("--preserve-fds is not supported by boxes-runtime");
				return -1;
			}
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	return optind;
}

static int run_verb(const char *verb, int argc, char **argv)
{
	struct create_options create = {.bundle = "."};
	struct exec_options exec = {0};
	struct container container;
	bool force = false, all = false;
	int first, result = 0;
	const char *id;

	first = parse_verb_options(argc, argv, &create, &exec, &force, &all);
	if (first < 0)
		return FAILED;
	if (strcmp(verb, "features") == 0) {
		print_features();
		return 0;
	}
	if (first >= argc) {
		box_error("%s: a container id is needed", verb);
		return FAILED;
	}
	id = argv[first];
	exec.args = argv + first + 1;
	if (strcmp(verb, "create") == 0) {
		result = create_container(id, &create, &container);
		container_free(&container);
		return result < 0 ? FAILED : 0;
	}
	if (strcmp(verb, "run") == 0) {
		int status;

		if (create_container(id, &create, &container) < 0)
			return FAILED;
		if (start_container_process(&container) < 0) {
			delete_container(&container, true);
			return FAILED;
		}
		while (waitpid(container.pid, &status, 0) < 0 && errno == EINTR)
			;
		delete_container(&container, true);
		container_free(&container);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	/* delete --force of a container that never was: done (as runc) */
	if (container_load(&container, id, strcmp(verb, "delete") == 0 && force) < 0)
		return strcmp(verb, "delete") == 0 && force ? 0 : FAILED;
	if (strcmp(verb, "start") == 0)
		result = start_container_process(&container);
	else if (strcmp(verb, "state") == 0)
		container_print_state(&container);
	else if (strcmp(verb, "kill") == 0)
		result =
		    kill_container(&container, first + 1 < argc ? argv[first + 1] : "TERM", all);
	else if (strcmp(verb, "delete") == 0)
		result = delete_container(&container, force);
	else if (strcmp(verb, "exec") == 0)
		result = exec_in_container(&container, &exec);
	else {
		box_error("unknown command \"%s\"", verb);
		usage(stderr);
		result = FAILED;
	}
	container_free(&container);
	return result < 0 ? FAILED : result;
}

/* The global options, before the verb: runc's. */
static int parse_global_options(int argc, char **argv)
{
	static const struct option options[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"log", required_argument, NULL, 'l'},
	    {"log-format", required_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {"systemd-cgroup", no_argument, NULL, 's'},
	    {"trace", no_argument, NULL, 'T'},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int option;

	while ((option = getopt_long(argc, argv, "+hv", options, NULL)) != -1) {
		switch (option) {
		case 'r':
			container_set_root(optarg);
			break;
		case 'l':
			if (log_to_file(optarg) < 0)
				return -FAILED;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				log_errors_as_json();
			else if (strcmp(optarg, "text") != 0) {
				box_error("--log-format %s: text or json", optarg);
				return -FAILED;
			}
			break;
		case 'd':
			break; /* --debug: errors are all boxes prints; --trace narrates */
		case 's':
			box_error("--systemd-cgroup is not supported by boxes-runtime: use the "
				  "cgroupfs manager (podman --cgroup-manager cgroupfs)");
			return -FAILED;
		case 'T':
			trace_enable();
			break;
		case 'v':
			printf("boxes-runtime version %s\nspec: %s\n", VERSION, OCI_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return -FAILED;
		}
	}
	return optind;
}

int main(int argc, char **argv)
{
	int first = parse_global_options(argc, argv);

	if (first <= 0)
		return -first;
	if (first >= argc) {
		usage(stderr);
		return FAILED;
	}
	return run_verb(argv[first], argc - first, argv + first);
}
