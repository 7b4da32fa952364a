/* debris.c - find and remove what a boxes run left on the host, by id.
 *
 * Every lookup goes through a name that carries the id (boxes/<id>,
 * bx<id>, BOXES_RUN/<id>, a lease whose first word is <id>): nothing
 * here can touch an object of a run the soak did not start.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "state.h"
#include "debris.h"

#define MAX_MOUNTS 256
#define MAX_HIERARCHIES 32
#define MACHINE_LEASES "/run/boxes-net"

int debris_total(const struct debris *debris)
{
	return debris->cgroups + debris->links + debris->mounts + debris->state_dirs +
	       debris->leases;
}

int looks_like_id(const char *text)
{
	int i;

	for (i = 0; i < ID_LEN; i++)
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
			return 0;
	return 1;
}

static void sleep_ms(int ms)
{
	struct timespec pause = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&pause, NULL);
}

/* mountinfo writes a blank in a path as \040 (proc(5)): undo it. */
static void unescape_octal(char *path)
{
	char *in = path, *out = path;

	while (*in) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 4;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
}

/* Call fn(mount point, filesystem type, arg) for each line of the host's
 * /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - TYPE". */
static void for_each_mount(void (*fn)(const char *point, const char *type, void *arg), void *arg)
{
	FILE *file = fopen("/proc/self/mountinfo", "re");
	char line[8192], point[4096], type[64];
	const char *dash;

	if (!file)
		return;
	while (fgets(line, sizeof(line), file)) {
		dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 ||
		    sscanf(dash + 3, "%63s", type) != 1)
			continue;
		unescape_octal(point);
		fn(point, type, arg);
	}
	fclose(file);
}

struct path_list {
	char paths[MAX_MOUNTS][PATH_MAX];
	int count;
	const char *prefix; /* for mounts_below */
};

static void add_cgroup_mount(const char *point, const char *type, void *arg)
{
	struct path_list *list = arg;

	if ((strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) &&
	    list->count < MAX_HIERARCHIES)
		snprintf(list->paths[list->count++], PATH_MAX, "%s", point);
}

static void add_mount_below(const char *point, const char *type, void *arg)
{
	struct path_list *list = arg;
	size_t length = strlen(list->prefix);

	(void)type;
	if (strncmp(point, list->prefix, length) == 0 &&
	    (point[length] == '\0' || point[length] == '/') && list->count < MAX_MOUNTS)
		snprintf(list->paths[list->count++], PATH_MAX, "%s", point);
}

/* <hierarchy>/boxes/<id> for every cgroup hierarchy that has one. */
static void cgroup_dirs(const char *id, struct path_list *out)
{
	static struct path_list hierarchies;
	char dir[PATH_MAX];
	struct stat st;
	int i;

	hierarchies.count = 0;
	for_each_mount(add_cgroup_mount, &hierarchies);
	out->count = 0;
	for (i = 0; i < hierarchies.count; i++) {
		snprintf(dir, sizeof(dir), "%s/boxes/%s", hierarchies.paths[i], id);
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && out->count < MAX_MOUNTS)
			snprintf(out->paths[out->count++], PATH_MAX, "%s", dir);
	}
}

static void mounts_below(const char *dir, struct path_list *out)
{
	out->count = 0;
	out->prefix = dir;
	for_each_mount(add_mount_below, out);
}

/* Does this lease file name id? Two formats: "<id> <pid>" (leases in
 * BOXES_RUN/net) and "id <id>" first (machine-wide ones in /run/boxes-net). */
static int lease_names(const char *path, const char *id)
{
	char content[64] = "", expected[32];
	FILE *file = fopen(path, "re");

	if (!file)
		return 0;
	if (!fgets(content, sizeof(content), file))
		content[0] = '\0';
	fclose(file);
	snprintf(expected, sizeof(expected), "id %s\n", id);
	return (strncmp(content, id, ID_LEN) == 0 && content[ID_LEN] == ' ') ||
	       strcmp(content, expected) == 0;
}

static void leases_in(const char *dir, const char *id, struct path_list *out)
{
	char path[PATH_MAX];
	struct dirent *entry;
	DIR *listing = opendir(dir);

	if (!listing)
		return;
	while ((entry = readdir(listing)) != NULL && out->count < MAX_MOUNTS) {
		if (entry->d_name[0] == '.' ||
		    path_join(path, sizeof(path), dir, entry->d_name) < 0)
			continue;
		if (lease_names(path, id))
			snprintf(out->paths[out->count++], PATH_MAX, "%s", path);
	}
	closedir(listing);
}

/* The /30 leases that name id, wherever this version of boxes keeps them. */
static void leases_of(const char *run_dir, const char *id, struct path_list *out)
{
	char dir[PATH_MAX];

	out->count = 0;
	if (path_join(dir, sizeof(dir), run_dir, "net") == 0)
		leases_in(dir, id, out);
	leases_in(MACHINE_LEASES, id, out);
}

static void report_each(FILE *report, const char *label, const char *what,
			const struct path_list *list)
{
	int i;

	for (i = 0; report && i < list->count; i++)
		fprintf(report, "%s%s %s\n", label, what, list->paths[i]);
}

void debris_find(const char *run_dir, const char *id, struct debris *found, FILE *report,
		 const char *label)
{
	static struct path_list list;
	int tries;
	char state_dir[PATH_MAX], link[64];
	struct stat st;

	memset(found, 0, sizeof(*found));
	cgroup_dirs(id, &list);
	found->cgroups = list.count;
	report_each(report, label, "cgroup", &list);

	snprintf(state_dir, sizeof(state_dir), "%s/%s", run_dir, id);
	mounts_below(state_dir, &list);
	found->mounts = list.count;
	report_each(report, label, "mount", &list);

	leases_of(run_dir, id, &list);
	found->leases = list.count;
	report_each(report, label, "lease", &list);

	/* The kernel removes a veth with its network namespace, some ms after
	 * the run ended (steps/06-net-namespace/net.c): give it 2 s. */
	snprintf(link, sizeof(link), "/sys/class/net/bx%s", id);
	for (tries = 0; tries < 100 && lstat(link, &st) == 0; tries++)
		sleep_ms(20);
	if (lstat(link, &st) == 0) {
		found->links = 1;
		if (report)
			fprintf(report, "%slink bx%s\n", label, id);
	}
	if (lstat(state_dir, &st) == 0) {
		found->state_dirs = 1;
		if (report)
			fprintf(report, "%sstate dir %s\n", label, state_dir);
	}
}

/* Read the pids in dir/cgroup.procs into pids; returns how many. */
static int procs_of(const char *dir, pid_t *pids, int max)
{
	char path[PATH_MAX];
	FILE *file;
	int count = 0, pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	file = fopen(path, "re");
	if (!file)
		return 0;
	while (count < max && fscanf(file, "%d", &pid) == 1)
		pids[count++] = pid;
	fclose(file);
	return count;
}

int cgroup_members(const char *id, pid_t *pids, int max)
{
	static struct path_list dirs;
	int count = 0, i;

	cgroup_dirs(id, &dirs);
	for (i = 0; i < dirs.count && count < max; i++)
		count += procs_of(dirs.paths[i], pids + count, max - count);
	return count;
}

/* RTM_DELLINK by name; deleting one end of a veth deletes both. */
static void delete_link(const char *name)
{
	struct nl_sock *sock = nl_socket_alloc();
	struct rtnl_link *link = rtnl_link_alloc();

	if (sock && link && nl_connect(sock, NETLINK_ROUTE) == 0) {
		rtnl_link_set_name(link, name);
		rtnl_link_delete(sock, link);
	}
	rtnl_link_put(link);
	nl_socket_free(sock);
}

/* Longest path first: a mount below another goes before it. */
static int longer_first(const void *a, const void *b)
{
	return (int)strlen((const char *)b) - (int)strlen((const char *)a);
}

/* The container's processes in its cgroups: kill them, and wait (up to 2
 * s) until the cgroups are empty, or rmdir would fail with EBUSY. */
static void empty_cgroups(const char *id)
{
	pid_t pids[1024];
	int count, i, tries;

	for (tries = 0; tries < 100; tries++) {
		count = cgroup_members(id, pids, 1024);
		if (count == 0)
			return;
		for (i = 0; i < count; i++)
			kill(pids[i], SIGKILL);
		sleep_ms(20);
	}
}

int debris_remove(const char *run_dir, const char *id)
{
	static struct path_list list;
	char state_dir[PATH_MAX], link[64];
	struct debris left;
	int i, tries;

	empty_cgroups(id);
	snprintf(state_dir, sizeof(state_dir), "%s/%s", run_dir, id);
	unmount_below(state_dir);
	cgroup_dirs(id, &list);
	for (i = 0; i < list.count; i++)
		for (tries = 0; rmdir(list.paths[i]) < 0 && errno == EBUSY && tries < 50; tries++)
			sleep_ms(20);
	snprintf(link, sizeof(link), "bx%s", id);
	delete_link(link);
	leases_of(run_dir, id, &list);
	for (i = 0; i < list.count; i++)
		unlink(list.paths[i]);
	remove_tree(state_dir);
	debris_find(run_dir, id, &left, NULL, "");
	return debris_total(&left);
}

int unmount_below(const char *dir)
{
	static struct path_list list;
	int i;

	mounts_below(dir, &list);
	qsort(list.paths, (size_t)list.count, sizeof(list.paths[0]), longer_first);
	for (i = 0; i < list.count; i++)
		umount2(list.paths[i], MNT_DETACH);
	return list.count;
}

int state_dir_ids(const char *run_dir, char (*ids)[ID_LEN + 1], int max)
{
	DIR *listing = opendir(run_dir);
	struct dirent *entry;
	int count = 0;

	if (!listing)
		return 0;
	while ((entry = readdir(listing)) != NULL && count < max)
		if (strlen(entry->d_name) == ID_LEN && looks_like_id(entry->d_name))
			snprintf(ids[count++], ID_LEN + 1, "%s", entry->d_name);
	closedir(listing);
	return count;
}

/* The run number N of "<marker_prefix>N" in pid's environment, or -1. */
static int marked_run(pid_t pid, const char *marker_prefix)
{
	static char environment[65536];
	char path[64];
	size_t length = strlen(marker_prefix), at;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = read(fd, environment, sizeof(environment) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	environment[got] = '\0';
	/* NUL-separated KEY=VALUE strings */
	for (at = 0; at < (size_t)got; at += strlen(environment + at) + 1)
		if (strncmp(environment + at, marker_prefix, length) == 0)
			return atoi(environment + at + length);
	return -1;
}

int find_marked(const char *marker_prefix, pid_t *pids, int *runs, int max)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	int count = 0, run;

	if (!proc)
		return 0;
	while ((entry = readdir(proc)) != NULL && count < max) {
		pid_t pid = (pid_t)atoi(entry->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		run = marked_run(pid, marker_prefix);
		if (run >= 0) {
			pids[count] = pid;
			runs[count++] = run;
		}
	}
	closedir(proc);
	return count;
}
