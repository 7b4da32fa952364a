/* kernel_features.c - does this kernel have what a step needs? Cheap checks only:
 * they run at every start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/magic.h>

#include "kernel_features.h"
#include "log.h"

static int read_line(const char *path, char *out, int len)
{
	FILE *file = fopen(path, "r");
	int ok;

	if (!file)
		return -1;
	ok = fgets(out, len, file) != NULL;
	fclose(file);
	if (!ok)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static int has_namespaces(char *detail, int len)
{
	static const char *const kinds[] = {"pid", "mnt", "uts", "ipc"};
	char path[64];
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", kinds[i]);
		if (access(path, F_OK) != 0) {
			snprintf(detail, (size_t)len, "no %s", path);
			return 0;
		}
	}
	snprintf(detail, (size_t)len, "pid, mnt, uts, ipc");
	return 1;
}

static int in_file(const char *path, const char *word)
{
	char line[256];
	FILE *file = fopen(path, "r");
	int found = 0;

	if (!file)
		return 0;
	while (!found && fgets(line, sizeof(line), file))
		found = strstr(line, word) != NULL;
	fclose(file);
	return found;
}

static int has_cgroups(char *detail, int len)
{
	struct statfs fs;

	if (statfs("/sys/fs/cgroup", &fs) < 0) {
		snprintf(detail, (size_t)len, "no /sys/fs/cgroup");
		return 0;
	}
	if (fs.f_type == CGROUP2_SUPER_MAGIC) {
		char controllers[256] = "";

		read_line("/sys/fs/cgroup/cgroup.controllers", controllers, sizeof(controllers));
		snprintf(detail, (size_t)len, "v2 (controllers: %s)", controllers);
		return strstr(controllers, "memory") && strstr(controllers, "pids") &&
		       strstr(controllers, "cpu");
	}
	snprintf(detail, (size_t)len, "v1%s: memory %s, pids %s, cpu %s",
		 access("/sys/fs/cgroup/unified", F_OK) == 0 ? " (hybrid)" : "",
		 access("/sys/fs/cgroup/memory/tasks", F_OK) == 0 ? "yes" : "NO",
		 access("/sys/fs/cgroup/pids/tasks", F_OK) == 0 ? "yes" : "NO",
		 access("/sys/fs/cgroup/cpu/tasks", F_OK) == 0 ? "yes" : "NO");
	return access("/sys/fs/cgroup/memory/tasks", F_OK) == 0 &&
	       access("/sys/fs/cgroup/pids/tasks", F_OK) == 0 &&
	       access("/sys/fs/cgroup/cpu/tasks", F_OK) == 0;
}

static int has_overlay(char *detail, int len)
{
	int found = in_file("/proc/filesystems", "overlay");

	snprintf(detail, (size_t)len, found ? "overlay in /proc/filesystems" : "not loaded");
	return found;
}

static int has_netns(char *detail, int len)
{
	int found = access("/proc/self/ns/net", F_OK) == 0;

	snprintf(detail, (size_t)len, found ? "/proc/self/ns/net" : "no /proc/self/ns/net");
	return found;
}

/* The running kernel's "major.minor", from uname(2). */
static void kernel_version(int *major, int *minor)
{
	struct utsname uts;

	*major = *minor = 0;
	if (uname(&uts) == 0)
		sscanf(uts.release, "%d.%d", major, minor);
}

int kernel_at_least(int major, int minor)
{
	int running_major, running_minor;

	kernel_version(&running_major, &running_minor);
	return running_major > major || (running_major == major && running_minor >= minor);
}

const char *idmap_filesystems(void)
{
	/* tmpfs learnt idmapped mounts in Linux 6.3; before, mount_setattr
	 * says EINVAL for a rootfs there */
	return kernel_at_least(6, 3) ? "ext4, xfs, btrfs or tmpfs"
				     : "ext4, xfs or btrfs (tmpfs only from Linux 6.3 on)";
}

static int has_userns(char *detail, int len)
{
	char value[32] = "0";
	int major, minor;

	if (access("/proc/self/ns/user", F_OK) != 0) {
		snprintf(detail, (size_t)len, "no /proc/self/ns/user");
		return 0;
	}
	read_line("/proc/sys/user/max_user_namespaces", value, sizeof(value));
	kernel_version(&major, &minor);
	snprintf(detail, (size_t)len, "max_user_namespaces=%s, kernel %d.%d", value, major, minor);
	/* idmapped overlay layers need 5.19 */
	return strcmp(value, "0") != 0 && kernel_at_least(5, 19);
}

static int has_seccomp(char *detail, int len)
{
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);

	snprintf(detail, (size_t)len, mode < 0 ? "prctl(PR_GET_SECCOMP) failed" : "available");
	return mode >= 0 && in_file("/proc/self/status", "Seccomp_filters");
}

static const struct feature features[] = {
    {"namespaces (pid, mnt, uts, ipc)", 2,
     "a kernel built with CONFIG_NAMESPACES (WSL2 and VMs have it)"},
    {"cgroups: memory, pids, cpu", 3,
     "v2: enable them in /sys/fs/cgroup/cgroup.subtree_control; v1: mount the hierarchies"},
    {"overlayfs", 4, "modprobe overlay"},
    {"network namespaces", 6, "a kernel with CONFIG_NET_NS"},
    {"user namespaces + idmapped mounts", 7,
     "sysctl user.max_user_namespaces=15000; a kernel >= 5.19"},
    {"seccomp filters", 8, "a kernel with CONFIG_SECCOMP_FILTER"},
};

static int (*const checks[])(char *, int) = {has_namespaces, has_cgroups, has_overlay,
					     has_netns,	     has_userns,  has_seccomp};

const struct feature *feature_list(int *count)
{
	*count = (int)(sizeof(features) / sizeof(features[0]));
	return features;
}

int feature_present(const struct feature *feature, char *detail, int detail_len)
{
	return checks[feature - features](detail, detail_len);
}

long long kernel_pid_max(void)
{
	char value[32];

	if (read_line("/proc/sys/kernel/pid_max", value, sizeof(value)) < 0)
		return -1;
	return atoll(value);
}

int require_features(int step)
{
	int count, i;
	const struct feature *list = feature_list(&count);

	for (i = 0; i < count; i++) {
		char detail[256];

		if (list[i].step > step || feature_present(&list[i], detail, sizeof(detail)))
			continue;
		box_error("step %02d needs %s (seen: %s); fix: %s", step, list[i].name, detail,
			  list[i].fix);
		return -1;
	}
	return 0;
}
