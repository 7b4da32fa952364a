/* supervisor.c - step 10: one small process per container.
 *
 * `up -d` returns at once, yet the containers keep running, their output
 * is kept, their ports answer and they are cleaned up when they end. Some
 * process must hold each container: its parent, which alone can wait(2)
 * for it, reads its output pipes, runs the proxy of its published ports and
 * removes its cgroup, overlay and veth when it ends. Docker has
 * containerd-shim for that, podman has conmon; boxes has this file.
 *
 * The supervisor forks from `up`, calls setsid(2) (its own session: a
 * Ctrl-C or a closed terminal of up's does not reach it) and names itself
 * after its container (prctl PR_SET_NAME: what ps -o comm shows). It then
 * runs step 09's recipe for its service - every isolation of 01-08, the
 * image's layers - with two changes: the network is a veth on the
 * project's bridge (bridge.c), and /etc/hosts names every service.
 *
 * Its life is one epoll(7) loop over file descriptors, nothing blocking:
 * a signalfd (stop, start, remove, from other commands), a pidfd (the
 * container ended), the two output pipes (to the log file), a timerfd (the
 * stop grace period, the restart delay) and the proxy's epoll fd.
 *
 * It holds BOXES_RUN/compose/<project>/<name>.lock while it lives: ps and
 * down tell a live supervisor from a dead one by that lock. Killed with
 * SIGKILL, its container dies with it (PR_SET_PDEATHSIG, child.c) and what
 * both made is listed in state files for the sweeper (sweep.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "child.h"
#include "id.h"
#include "log.h"
#include "options.h"
#include "ready.h"
#include "state.h"

#include "02-pid-namespace/init.h"
#include "02-pid-namespace/namespaces.h"
#include "03-cgroups/cgroup.h"
#include "04-overlay/overlay.h"
#include "05-pivot-root/mounts.h"
#include "05-pivot-root/pivot_root.h"
#include "07-user-namespace/userns.h"
#include "08-seccomp/privileges.h"
#include "08-seccomp/seccomp.h"
#include "09-image/image_open.h"
#include "09-image/run_config.h"
#include "09-image/user.h"
#include "10-compose/bridge.h"
#include "10-compose/healthcheck.h"
#include "10-compose/project_state.h"
#include "10-compose/proxy.h"
#include "10-compose/supervisor.h"
#include "10-compose/volumes.h"

#define STEP 10
#define MAX_ARGV 256
#define DEFAULT_STOP_S 10
#define LINE_MAX_LOG 16384
#define READY_OK "OK\n"

enum {
	EV_SIGNAL = 1,
	EV_CONTAINER,
	EV_STDOUT,
	EV_STDERR,
	EV_GRACE,
	EV_RESTART,
	EV_PROXY,
	EV_HEALTH_TICK,
	EV_HEALTH_DONE
};

struct line_buffer {
	char text[LINE_MAX_LOG];
	size_t length;
};

struct sup {
	struct supervised *one;
	struct container_record record;
	struct box box;
	struct opened_image image;
	char *argv[MAX_ARGV];
	char env[BOX_MAX_ENV][1024];
	int running; /* the container is up */
	int leave; /* remove: end the loop once the container is gone */
	int stopped; /* stopped on request: no restart */
	int epoll, signals, pidfd, grace, restart_timer, log_fd;
	int out_r, err_r;
	struct line_buffer out, err;
	struct proxy *proxy;
	int health_timer, probe_pidfd; /* the healthcheck's interval; its probe running */
	pid_t probe;
	int failures;
	time_t started; /* for start_period */
	int bound[COMPOSE_MAX_PORTS];
	struct volume_sources volumes; /* the host side of each volumes: entry */
};

static struct sup s;

/* 10: the service's volumes, bound into the root before pivot_root. */
static int mount_volumes(struct box *box)
{
	return volumes_mount(s.one->service, &s.volumes, box->merged_dir);
}

/* The recipe: step 09's container_main, and the volumes. */
static int container_main(struct box *box)
{
	if (wait_for_parent(box) < 0 /* 01, 03, 06, 07: maps are written */
	    || become_root() < 0 /* 07: uid 0 of our namespace */
	    || make_mounts_private() < 0 /* 02: our mounts stay ours */
	    || mount_overlay(box) < 0 /* 04: the image's layers, idmapped (07, 09) */
	    || make_minimal_dev(box->merged_dir) < 0 /* 05: no host disks */
	    || mount_proc_and_sys(box) < 0 /* 05: masked, read-only; before pivot_root */
	    || mount_volumes(box) < 0 /* 10: bind mounts and named volumes */
	    || pivot_into(box->merged_dir) < 0 /* 05: the host's root is gone */
	    || set_hostname(box) < 0 /* 02: our own UTS namespace */
	    || set_no_new_privs() < 0 /* 08: exec can't gain privileges */
	    || drop_capabilities(box) < 0 /* 08: a minimal set */
	    || become_image_user(box) < 0 /* 09: the service's user or the image's */
	    || load_seccomp_filter(box) < 0) /* 08: last, right before exec */
		return EXIT_BOXES_FAILED;
	return exec_or_init(box); /* 01, 02 */
}

/* 10: /etc/hosts in the upper dir, before the overlay is mounted: every
 * service and container name of the project, from the first instant. Owned
 * by the container's root, as the rest of the upper dir (07). */
static int write_hosts(struct sup *s)
{
	char etc[4096], hosts[4200];
	uid_t uid = (uid_t)s->box.uid_map.outside;
	gid_t gid = (gid_t)s->box.gid_map.outside;
	int fd;
	ssize_t length = (ssize_t)strlen(s->one->net->hosts);

	if (path_join(etc, sizeof(etc), s->box.state_dir, "upper/etc") < 0)
		return -1;
	snprintf(hosts, sizeof(hosts), "%s/hosts", etc);
	trace(STEP, "write \"%s\": every service's name and address", hosts);
	if ((mkdir(etc, 0755) < 0 && errno != EEXIST) || chown(etc, uid, gid) < 0)
		return box_syserr("mkdir", etc);
	fd = open(hosts, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return box_syserr("create", hosts);
	if (write(fd, s->one->net->hosts, (size_t)length) != length || fchown(fd, uid, gid) < 0) {
		close(fd);
		return box_syserr("write", hosts);
	}
	close(fd);
	return 0;
}

/* Step 09's set_up, on the project's bridge: stdout and stderr of the
 * container are the write ends of two pipes while it is cloned. */
static int set_up(struct sup *s, int out_w, int err_w)
{
	struct box *box = &s->box;
	int saved_out = dup(1), saved_err = dup(2), started;

	if (state_create(box) < 0 /* 01: BOXES_RUN/<id>, locked while we run */
	    || cgroup_create(box) < 0 /* 03: limits first */
	    || overlay_prepare(box) < 0 /* 04: upper, work, merged */
	    || prepare_userns_rootfs(box) < 0 /* 07: a mount point per layer */
	    || write_hosts(s) < 0 /* 10: every service's name */
	    || volumes_prepare(s->one->project, s->one->service, (uid_t)box->uid_map.outside,
			       (gid_t)box->gid_map.outside, &s->volumes) < 0) /* 10 */
		return -1;
	dup2(out_w, 1);
	dup2(err_w, 2);
	started = start_container(box, NAMESPACES_02 | CLONE_NEWNET | CLONE_NEWUSER,
				  container_main); /* 02, 06, 07 */
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	if (started < 0 || write_id_maps(box) < 0 /* 07: before the child does anything */
	    || map_rootfs_to_userns(box) < 0 /* 07: each layer idmapped */
	    || cgroup_add(box) < 0 /* 03: before it runs a thing */
	    || bridge_attach(box, s->one->net->bridge, s->one->cidr) < 0 /* 10: on the bridge */
	    || release_container(box) < 0) /* 01 */
		return -1;
	return 0;
}

/* The service as a struct box: what `09-image run` takes from its command
 * line, compose takes from the file. */
static int prepare_box(struct sup *s)
{
	const struct compose_service *svc = s->one->service;
	struct box *box = &s->box;
	struct image_run_config config;
	char *command[2 * COMPOSE_MAX_WORDS + 1];
	int words = 0;

	box_init(box, STEP);
	box->upper_volatile = true; /* 04: removed when the container ends: never synced */
	box->hostname = svc->hostname;
	box->memory_bytes = svc->memory_bytes;
	box->pids_limit = svc->pids_limit;
	if (svc->cpus > 0) {
		box->cpu_period_us = 100000;
		box->cpu_quota_us = (long long)(svc->cpus * 100000);
	}
	for (int i = 0; i < svc->environment_count && box->env_count < BOX_MAX_ENV; i++) {
		if (!svc->environment[i].value)
			continue;
		snprintf(s->env[box->env_count], sizeof(s->env[0]), "%s=%s",
			 svc->environment[i].name, svc->environment[i].value);
		box->env_extra[box->env_count] = s->env[box->env_count];
		box->env_count++;
	}
	if (svc->working_dir) {
		box->workdir = svc->working_dir;
		box->workdir_given = true;
	}
	box->user = svc->user;
	if (box_prepare(box) < 0 || open_image(svc->image, &s->image) < 0)
		return -1;
	config = s->image.config;
	if (svc->entrypoint.given) { /* replaces the image's Entrypoint, drops its Cmd */
		config.entrypoint = NULL;
		config.cmd = NULL;
		for (int i = 0; i < svc->entrypoint.count; i++)
			command[words++] = (char *)svc->entrypoint.word[i];
	}
	if (svc->command.given)
		for (int i = 0; i < svc->command.count; i++)
			command[words++] = (char *)svc->command.word[i];
	command[words] = NULL;
	if (apply_image_config(box, &config, command, s->argv, MAX_ARGV) < 0)
		return -1;
	for (int i = 0; i < s->image.layer_count; i++)
		box->layers[i] = s->image.layers[i];
	box->layer_count = s->image.layer_count;
	return 0;
}

static void epoll_watch(struct sup *s, int fd, int tag)
{
	struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)tag};

	if (fd >= 0)
		epoll_ctl(s->epoll, EPOLL_CTL_ADD, fd, &event);
}

static void epoll_forget(struct sup *s, int *fd)
{
	if (*fd < 0)
		return;
	epoll_ctl(s->epoll, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

static void save_record(struct sup *s)
{
	record_write(s->one->net->dir, &s->record);
}

/* One log line: "2026-12-02T13:22:17.123456789Z stdout TEXT". */
static void log_line(struct sup *s, const char *stream, const char *text, size_t length)
{
	char stamp[64];
	struct timespec now;
	struct tm utc;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &utc);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
	dprintf(s->log_fd, "%s.%09ldZ %s %.*s\n", stamp, now.tv_nsec, stream, (int)length, text);
}

/* Read what the pipe holds; write every complete line (a partial one at
 * the end, or when it overflows the buffer). 0 at the end of the pipe. */
static int drain(struct sup *s, int fd, struct line_buffer *buffer, const char *stream)
{
	ssize_t got;
	char *newline;

	for (;;) {
		got =
		    read(fd, buffer->text + buffer->length, sizeof(buffer->text) - buffer->length);
		if (got < 0)
			return errno == EAGAIN || errno == EINTR ? 1 : 0;
		buffer->length += (size_t)got;
		while ((newline = memchr(buffer->text, '\n', buffer->length))) {
			size_t line = (size_t)(newline - buffer->text);

			log_line(s, stream, buffer->text, line);
			buffer->length -= line + 1;
			memmove(buffer->text, newline + 1, buffer->length);
		}
		if (got == 0 || buffer->length == sizeof(buffer->text)) {
			if (buffer->length)
				log_line(s, stream, buffer->text, buffer->length);
			buffer->length = 0;
		}
		if (got == 0)
			return 0;
	}
}

static void arm(int timer, long long milliseconds)
{
	struct itimerspec when = {
	    .it_value = {milliseconds / 1000, (milliseconds % 1000) * 1000000}};

	timerfd_settime(timer, 0, &when, NULL);
}

static int has_healthcheck(const struct sup *s)
{
	const struct compose_healthcheck *check = &s->one->service->healthcheck;

	return check->given && !check->disabled && check->test.count >= 2;
}

/* The first probe comes one interval after the start, as docker's. */
static void health_begin(struct sup *s)
{
	const struct compose_healthcheck *check = &s->one->service->healthcheck;
	long long interval = check->interval_ns ? check->interval_ns : HEALTH_INTERVAL_NS;
	struct itimerspec every = {{interval / 1000000000, interval % 1000000000},
				   {interval / 1000000000, interval % 1000000000}};

	if (!has_healthcheck(s))
		return;
	s->failures = 0;
	s->started = time(NULL);
	snprintf(s->record.health, sizeof(s->record.health), "starting");
	timerfd_settime(s->health_timer, 0, &every, NULL);
}

static void health_tick(struct sup *s)
{
	uint64_t expirations;

	if (read(s->health_timer, &expirations, sizeof(expirations)) <= 0 || !s->running ||
	    s->probe > 0)
		return;
	s->probe = health_probe_start(&s->box, s->pidfd, &s->one->service->healthcheck);
	if (s->probe < 0)
		return;
	s->probe_pidfd = (int)syscall(SYS_pidfd_open, s->probe, 0);
	epoll_watch(s, s->probe_pidfd, EV_HEALTH_DONE);
}

/* The probe ended: healthy at once, unhealthy after retries failures in a
 * row (those in the start period do not count). */
static void health_done(struct sup *s)
{
	const struct compose_healthcheck *check = &s->one->service->healthcheck;
	int wstatus = 0, retries = check->retries ? check->retries : HEALTH_RETRIES;
	const char *before = s->record.health;
	const char *now = before;

	waitpid(s->probe, &wstatus, 0);
	s->probe = 0;
	epoll_forget(s, &s->probe_pidfd);
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
		s->failures = 0;
		now = "healthy";
	} else if ((time(NULL) - s->started) * 1000000000LL >= check->start_period_ns &&
		   ++s->failures >= retries) {
		now = "unhealthy";
	}
	if (strcmp(now, before) != 0) {
		snprintf(s->record.health, sizeof(s->record.health), "%s", now);
		save_record(s);
	}
}

static void health_end(struct sup *s)
{
	struct itimerspec never = {{0, 0}, {0, 0}};

	timerfd_settime(s->health_timer, 0, &never, NULL);
	if (s->probe > 0) {
		kill(s->probe, SIGKILL);
		waitpid(s->probe, NULL, 0);
		s->probe = 0;
		epoll_forget(s, &s->probe_pidfd);
	}
}

static const char *box_argv(const struct sup *s, size_t i)
{
	return s->box.argv[i];
}

/* Start the container: the recipe, then watch its pidfd and pipes. */
static int start_one(struct sup *s)
{
	int out[2], err[2];

	memset(&s->box, 0, sizeof(s->box));
	memset(&s->image, 0, sizeof(s->image));
	s->image.pin_fd = -1;
	if (prepare_box(s) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return box_syserr("pipe2", "the container's output");
	if (set_up(s, out[1], err[1]) < 0) {
		abort_container(&s->box);
		close(out[0]), close(out[1]), close(err[0]), close(err[1]);
		return -1;
	}
	close(out[1]);
	close(err[1]);
	s->out_r = out[0];
	s->err_r = err[0];
	fcntl(s->out_r, F_SETFL, O_NONBLOCK);
	fcntl(s->err_r, F_SETFL, O_NONBLOCK);
	s->pidfd = (int)syscall(SYS_pidfd_open, s->box.container_pid, 0);
	if (s->pidfd < 0)
		return box_syserr("pidfd_open", "the container");
	epoll_watch(s, s->out_r, EV_STDOUT);
	epoll_watch(s, s->err_r, EV_STDERR);
	epoll_watch(s, s->pidfd, EV_CONTAINER);
	s->running = 1;
	s->stopped = 0;
	s->record.command[0] = '\0';
	for (size_t i = 0, used = 0; box_argv(s, i) && used < sizeof(s->record.command); i++)
		used += (size_t)snprintf(s->record.command + used, sizeof(s->record.command) - used,
					 "%s%s", i ? " " : "", box_argv(s, i));
	snprintf(s->record.status, sizeof(s->record.status), "running");
	s->record.started = time(NULL);
	health_begin(s);
	save_record(s);
	return 0;
}

/* RTM_DELLINK of the link whose index *arg is: *arg becomes 0. */
static int on_link_event(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *header = nlmsg_hdr(msg);
	const struct ifinfomsg *link = nlmsg_data(header);

	if (header->nlmsg_type == RTM_DELLINK && link->ifi_index == *(int *)arg)
		*(int *)arg = 0;
	return NL_OK;
}

/* A netlink socket that hears of every link change (RTNLGRP_LINK), made
 * before the change it waits for, so that it can't miss it. On the kernel's
 * RTM_DELLINK of link *index, *index becomes 0. NULL when it can't be had. */
static struct nl_sock *listen_for_removal(int *index)
{
	struct timeval patience = {.tv_sec = 2};
	struct nl_sock *events = nl_socket_alloc();

	if (!events || nl_connect(events, NETLINK_ROUTE) < 0 ||
	    nl_socket_add_membership(events, RTNLGRP_LINK) < 0 ||
	    setsockopt(nl_socket_get_fd(events), SOL_SOCKET, SO_RCVTIMEO, &patience,
		       sizeof(patience)) < 0) {
		if (events)
			nl_socket_free(events);
		return NULL;
	}
	nl_socket_disable_seq_check(events);
	nl_socket_modify_cb(events, NL_CB_VALID, NL_CB_CUSTOM, on_link_event, index);
	return events;
}

/* Until the kernel announces that the link is gone (at most 2 s without a
 * word). 1 if name is gone now; 0 after a missed message (ENOBUFS) or the
 * timeout. Frees events. */
static int wait_for_removal(struct nl_sock *events, const int *index, const char *name)
{
	while (*index != 0 && nl_recvmsgs_default(events) >= 0)
		;
	nl_socket_free(events);
	return if_nametoindex(name) == 0;
}

/* The container's veth goes with its network namespace: when the
 * namespace's last process has gone, the kernel removes both ends of the
 * pair (cleanup_net, one batch for every namespace that died meanwhile).
 * Deleting it ourselves, a request per container, each taking the rtnl lock
 * and waiting for RCU, only queues up behind that. So we wait for the
 * kernel's RTM_DELLINK, and delete only a veth that outlives it. */
static void remove_veth(struct box *box)
{
	char veth[IFNAMSIZ];
	int index;
	struct nl_sock *events;

	snprintf(veth, sizeof(veth), "bx%.12s", box->id);
	events = listen_for_removal(&index);
	index = (int)if_nametoindex(veth);
	if (!events) {
		bridge_detach(box);
	} else if (index == 0) {
		nl_socket_free(events); /* gone already */
	} else if (!wait_for_removal(events, &index, veth)) {
		bridge_detach(box); /* the namespace is held somewhere: by hand */
	}
}

/* The bridge goes with one netlink request, which returns only once the
 * kernel has also waited for two RCU grace periods to free it (rcu_barrier
 * in br_dev_uninit and in netdev_run_todo: ~20 ms each here), after the
 * bridge is gone for everyone: its name, address and routes, announced to
 * RTNLGRP_LINK listeners as RTM_DELLINK, and its /sys/class/net entry
 * right after. So a child that holds nothing of ours (no lock: down waits
 * for those) makes the request and waits out the freeing, and we wait for
 * the announcement only. Anything unexpected: the plain request, waited. */
static void remove_bridge(const char *bridge)
{
	int index = 0;
	struct nl_sock *events = listen_for_removal(&index);
	pid_t helper = -1;

	index = (int)if_nametoindex(bridge);
	if (index == 0) {
		if (events)
			nl_socket_free(events);
		return;
	}
	if (events)
		helper = fork();
	if (helper == 0) {
		close_range(3, ~0U, 0);
		bridge_delete(bridge);
		_exit(0);
	}
	trace(STEP, "a child deletes bridge %s; we wait for RTM_DELLINK only", bridge);
	if (helper < 0) {
		if (events)
			nl_socket_free(events);
		bridge_delete(bridge);
	} else if (!wait_for_removal(events, &index, bridge)) {
		waitpid(helper, NULL, 0); /* a missed message, a timeout: its end */
	}
}

/* The container's runtime pieces, in 09's order of clean-up. */
static void clean_container(struct sup *s)
{
	abort_container(&s->box); /* no-op once it was reaped */
	overlay_cleanup(&s->box); /* 04 */
	cgroup_destroy(&s->box); /* 03 */
	remove_veth(&s->box); /* 10: it goes with the container's netns */
	state_remove(&s->box); /* 01 */
	close_image(&s->image); /* 09 */
}

/* Should the policy start it again after exit code? */
static int should_restart(struct sup *s, int code)
{
	const struct compose_service *svc = s->one->service;

	if (s->stopped || s->leave)
		return 0;
	switch (svc->restart) {
	case COMPOSE_RESTART_ALWAYS:
	case COMPOSE_RESTART_UNLESS_STOPPED:
		return 1;
	case COMPOSE_RESTART_ON_FAILURE:
		return code != 0 && (svc->restart_max_retries == 0 ||
				     s->record.restarts < svc->restart_max_retries);
	default:
		return 0;
	}
}

/* The pidfd is readable: the container has ended. */
static void container_ended(struct sup *s)
{
	int wstatus = 0, code;

	drain(s, s->out_r, &s->out, "stdout");
	drain(s, s->err_r, &s->err, "stderr");
	while (waitpid(s->box.container_pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	s->box.container_pid = -1;
	code = cgroup_report_oom(&s->box, exit_code_from_status(wstatus));
	health_end(s);
	epoll_forget(s, &s->pidfd);
	epoll_forget(s, &s->out_r);
	epoll_forget(s, &s->err_r);
	arm(s->grace, 0);
	clean_container(s);
	s->running = 0;
	s->record.exit_code = code;
	s->record.finished = time(NULL);
	if (should_restart(s, code)) {
		/* docker waits 100 ms before the first restart, doubling after */
		snprintf(s->record.status, sizeof(s->record.status), "restarting");
		arm(s->restart_timer, 100LL << (s->record.restarts < 4 ? s->record.restarts : 4));
	} else {
		snprintf(s->record.status, sizeof(s->record.status), "exited");
	}
	save_record(s);
}

/* SIGTERM to the container, SIGKILL after the timeout (docker stop). */
static void stop(struct sup *s, int timeout_s)
{
	s->stopped = 1;
	arm(s->restart_timer, 0);
	if (strcmp(s->record.status, "restarting") == 0) {
		snprintf(s->record.status, sizeof(s->record.status), "exited");
		save_record(s);
	}
	if (!s->running)
		return;
	trace(STEP, "kill(%d, SIGTERM); SIGKILL in %d s", (int)s->box.container_pid, timeout_s);
	kill(s->box.container_pid, SIGTERM);
	arm(s->grace, (timeout_s > 0 ? timeout_s : DEFAULT_STOP_S) * 1000LL);
}

/* The first line of what fd (a memfd) holds, without "boxes: ", into out:
 * the first error is the cause, what follows is clean-up. */
static void first_line_of(int fd, char *out, size_t len)
{
	char text[4096], *line = text;
	ssize_t got = pread(fd, text, sizeof(text) - 1, 0);

	text[got > 0 ? got : 0] = '\0';
	text[strcspn(text, "\n")] = '\0';
	if (strncmp(line, "boxes: ", 7) == 0)
		line += 7;
	snprintf(out, len, "%.*s", (int)len - 1, line);
}

/* Start the container again (a restart, compose start). Our stderr has
 * been /dev/null since up had its answer, so what start_one says goes to a
 * memfd instead, and its last line into the record: a failure leaves the
 * container exited, and says why to whoever asked (start, up). */
static void start_again(struct sup *s)
{
	int said = memfd_create("start-error", MFD_CLOEXEC), saved = dup(2);

	s->record.error[0] = '\0';
	fflush(stderr);
	if (said >= 0)
		dup2(said, 2);
	if (start_one(s) < 0) {
		if (said >= 0)
			first_line_of(said, s->record.error, sizeof(s->record.error));
		clean_container(s);
		snprintf(s->record.status, sizeof(s->record.status), "exited");
		if (!s->record.error[0])
			snprintf(s->record.error, sizeof(s->record.error),
				 "the container's set-up "
				 "failed");
		save_record(s);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if (said >= 0)
		close(said);
}

/* SUPERVISOR_START: start it if it is not running, then answer: starts
 * counts the requests answered, and the requester waits for it to grow. */
static void start_on_request(struct sup *s)
{
	arm(s->restart_timer, 0);
	if (!s->running)
		start_again(s);
	else
		s->record.error[0] = '\0';
	s->record.starts++;
	save_record(s);
}

static void on_signal(struct sup *s)
{
	struct signalfd_siginfo info;

	while (read(s->signals, &info, sizeof(info)) == sizeof(info)) {
		int timeout = info.ssi_code == SI_QUEUE ? info.ssi_int : 0;

		if (info.ssi_signo == SUPERVISOR_STOP) {
			stop(s, timeout);
		} else if (info.ssi_signo == SUPERVISOR_START) {
			start_on_request(s);
		} else { /* SIGTERM, SIGINT, SIGHUP, SIGQUIT: remove */
			s->leave = 1;
			stop(s, timeout);
		}
	}
}

static void loop(struct sup *s)
{
	struct epoll_event events[8];
	uint64_t expirations;

	while (!(s->leave && !s->running)) {
		int count = epoll_wait(s->epoll, events, 8, -1);

		for (int i = 0; i < count; i++) {
			switch (events[i].data.u32) {
			case EV_SIGNAL:
				on_signal(s);
				break;
			case EV_CONTAINER:
				container_ended(s);
				break;
			case EV_STDOUT:
				if (!drain(s, s->out_r, &s->out, "stdout"))
					epoll_forget(s, &s->out_r);
				break;
			case EV_STDERR:
				if (!drain(s, s->err_r, &s->err, "stderr"))
					epoll_forget(s, &s->err_r);
				break;
			case EV_GRACE:
				if (read(s->grace, &expirations, sizeof(expirations)) > 0 &&
				    s->running)
					kill(s->box.container_pid, SIGKILL);
				break;
			case EV_RESTART:
				if (read(s->restart_timer, &expirations, sizeof(expirations)) > 0 &&
				    !s->running) {
					s->record.restarts++;
					start_again(s);
				}
				break;
			case EV_PROXY:
				proxy_dispatch(s->proxy);
				break;
			case EV_HEALTH_TICK:
				health_tick(s);
				break;
			case EV_HEALTH_DONE:
				health_done(s);
				break;
			}
		}
		if (count < 0 && errno != EINTR)
			break;
	}
}

/* The last supervisor of a project removes the project: its bridge, its
 * lease, its run and its state dir. Under the project's lock. */
static void remove_files(struct sup *s)
{
	struct project_net *net = s->one->net;
	struct container_record others[COMPOSE_MAX_SERVICES];
	char path[4096];
	int lock = project_lock(net->dir);
	static const char *const exts[] = {"state", "log", "lock"};

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (project_file(net->dir, s->record.name, exts[i], path, sizeof(path)) == 0)
			unlink(path);
	if (records_list(net->dir, others, COMPOSE_MAX_SERVICES) == 0) {
		trace(STEP, "the project's last container: remove its bridge and state");
		remove_bridge(net->bridge);
		subnet_release(&net->subnet);
		remove_tree(net->run.state_dir);
		remove_tree(net->dir);
	}
	if (lock >= 0)
		close(lock);
}

static int open_loop_fds(struct sup *s)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT), sigaddset(&mask, SIGTERM), sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT), sigaddset(&mask, SUPERVISOR_STOP);
	sigaddset(&mask, SUPERVISOR_START);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s->epoll = epoll_create1(EPOLL_CLOEXEC);
	s->signals = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	s->grace = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	s->restart_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	s->health_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	s->probe_pidfd = -1;
	if (s->epoll < 0 || s->signals < 0 || s->grace < 0 || s->restart_timer < 0 ||
	    s->health_timer < 0)
		return box_syserr("epoll/signalfd/timerfd", "the supervisor");
	epoll_watch(s, s->signals, EV_SIGNAL);
	epoll_watch(s, s->grace, EV_GRACE);
	epoll_watch(s, s->restart_timer, EV_RESTART);
	epoll_watch(s, s->health_timer, EV_HEALTH_TICK);
	return 0;
}

/* "0.0.0.0:8080->80/tcp, ..." as docker ps shows the chosen ports. */
static void format_ports(struct sup *s)
{
	const struct compose_service *svc = s->one->service;
	size_t used = 0;

	s->record.ports[0] = '\0';
	for (int i = 0; i < svc->port_count && used < sizeof(s->record.ports); i++)
		used += (size_t)snprintf(
		    s->record.ports + used, sizeof(s->record.ports) - used, "%s%s:%d->%d/%s",
		    i ? ", " : "", svc->ports[i].host_ip[0] ? svc->ports[i].host_ip : "0.0.0.0",
		    s->bound[i], svc->ports[i].container_port, svc->ports[i].protocol);
}

/* The named volumes down -v may remove (never an external one). */
static void list_volumes(struct sup *s)
{
	const struct compose_service *svc = s->one->service;
	size_t used = 0;

	for (int i = 0; i < svc->mount_count && used < sizeof(s->record.volumes); i++) {
		const struct compose_mount *mount = &svc->mounts[i];
		const struct compose_volume *volume;

		if (mount->volume_index < 0)
			continue;
		volume = &s->one->project->volumes[mount->volume_index];
		if (!volume->external)
			used += (size_t)snprintf(s->record.volumes + used,
						 sizeof(s->record.volumes) - used, "%s%s",
						 used ? "," : "", volume->name);
	}
}

/* The supervisor's whole life; its exit status. */
static int supervise(struct supervised *one)
{
	const struct compose_service *svc = one->service;
	char path[4096], err[512];
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	memset(&s, 0, sizeof(s));
	s.one = one;
	s.pidfd = s.out_r = s.err_r = -1;
	snprintf(s.record.name, sizeof(s.record.name), "%s", svc->container_name);
	snprintf(s.record.service, sizeof(s.record.service), "%s", svc->name);
	snprintf(s.record.image, sizeof(s.record.image), "%s", svc->image);
	snprintf(s.record.ip, sizeof(s.record.ip), "%s", one->ip);
	snprintf(s.record.status, sizeof(s.record.status), "created");
	s.record.start_order = one->start_order;
	list_volumes(&s);
	s.record.supervisor = (int)getpid();
	s.record.created = time(NULL);
	if (project_file(one->net->dir, svc->container_name, "log", path, sizeof(path)) < 0)
		return EXIT_BOXES_FAILED;
	s.log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (s.log_fd < 0) {
		box_syserr("open", path);
		return EXIT_BOXES_FAILED;
	}
	if (open_loop_fds(&s) < 0)
		return EXIT_BOXES_FAILED;
	if (svc->port_count) {
		s.proxy =
		    proxy_open(svc->ports, svc->port_count, one->ip, s.bound, err, sizeof(err));
		if (!s.proxy) {
			box_error("%s: %s", svc->container_name, err);
			return EXIT_BOXES_FAILED;
		}
		epoll_watch(&s, proxy_fd(s.proxy), EV_PROXY);
		format_ports(&s);
	}
	if (start_one(&s) < 0) {
		clean_container(&s);
		return EXIT_BOXES_FAILED;
	}
	dprintf(2, READY_OK);
	dup2(devnull, 2); /* up has its answer; from here on, the log is ours */
	loop(&s);
	proxy_close(s.proxy);
	return 0;
}

/* What ps(1) shows as its command line (/proc/<pid>/cmdline): the
 * kernel is told where a new one is (PR_SET_MM, CAP_SYS_RESOURCE). */
static void name_process(const char *container)
{
	static char title[256];
	int length = snprintf(title, sizeof(title), "10-compose supervise %s", container);

	prctl(PR_SET_NAME, container); /* comm: the first 15 characters */
	if (prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long)title, 0, 0) == 0)
		prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)(title + length + 1), 0, 0);
}

/* Of up's files, the supervisor keeps 0-2 and the project's two locks
 * (first, second; -1: none). up may hold others - the lock of a flock(1)
 * it runs under, a file of its caller's - and a supervisor, which lives
 * on, would hold them for as long as it does (conmon closes them too). */
static void close_all_but(int first, int second)
{
	int keep[2] = {first < second ? first : second, first < second ? second : first};
	unsigned int from = 3;

	for (int i = 0; i < 2; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned int)keep[i] > from)
			close_range(from, (unsigned int)keep[i] - 1, 0);
		from = (unsigned int)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

int supervisor_spawn(struct supervised *one, pid_t *pid)
{
	char answer[4096];
	size_t have = 0;
	ssize_t got;
	int ready[2], status, lock_fd;
	char lock[4096];

	if (pipe2(ready, O_CLOEXEC) < 0)
		return box_syserr("pipe2", "ready");
	fflush(NULL);
	*pid = fork();
	if (*pid < 0)
		return box_syserr("fork", "supervisor");
	if (*pid == 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		setsid();
		name_process(one->service->container_name);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(ready[1], 2);
		close_all_but(one->net->run_lock, one->net->subnet.lease_fd);
		if (project_file(one->net->dir, one->service->container_name, "lock", lock,
				 sizeof(lock)) < 0)
			_exit(EXIT_BOXES_FAILED);
		lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
			box_syserr("flock", lock);
			_exit(EXIT_BOXES_FAILED);
		}
		status = supervise(one);
		dup2(0, 2); /* /dev/null: up sees the end of the ready pipe */
		remove_files(&s);
		/* The project's locks go before ours (the kernel lets go of an
		 * exiting process's files in no order down can rely on): once
		 * down has our lock, its sweep finds the project's free. */
		if (one->net->subnet.lease_fd >= 0)
			close(one->net->subnet.lease_fd);
		close(one->net->run_lock);
		_exit(status);
	}
	close(ready[1]);
	while ((got = read(ready[0], answer + have, sizeof(answer) - 1 - have)) > 0)
		have += (size_t)got;
	close(ready[0]);
	answer[have] = '\0';
	if (have >= strlen(READY_OK) && strcmp(answer + have - strlen(READY_OK), READY_OK) == 0) {
		answer[have - strlen(READY_OK)] = '\0';
		fputs(answer, stderr);
		return 0;
	}
	fputs(answer[0] ? answer : "boxes: the supervisor ended without a word\n", stderr);
	return -1;
}
