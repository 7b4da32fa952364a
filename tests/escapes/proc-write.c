/* escape: proc-write
 * blocked-from: 05
 * explain: open the host-wide /proc/sysrq-trigger and /proc/sys/kernel/core_pattern for write
 *
 * Much of /proc is not namespaced. /proc/sysrq-trigger takes one letter
 * and the host's kernel obeys ("b": reboot now). /proc/sys/kernel/
 * core_pattern set to "|/some/program" makes the host's kernel run that
 * program as host root whenever any process crashes: the way out of many
 * "privileged" containers. A container's root that can open these for
 * write owns the host. Step 05 mounts /proc/sys and /proc/sysrq-trigger
 * read-only. We only open(O_WRONLY), never write.
 * A bare chroot (step 01) has no /proc: like any program there, we mount
 * one on /proc first, and unmount it before we exit.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"

static const char *const host_wide[] = {
    "/proc/sysrq-trigger",
    "/proc/sys/kernel/core_pattern",
};

/* The first host-wide file that opens for write, or NULL; why[] says
 * what each refusal was. */
static const char *first_writable(char *why, size_t why_len, int *present)
{
	int i;

	for (i = 0; i < (int)(sizeof(host_wide) / sizeof(host_wide[0])); i++) {
		int fd;

		if (access(host_wide[i], F_OK) < 0)
			continue; /* not on every kernel: sysrq can be compiled out */
		(*present)++;
		fd = open(host_wide[i], O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd); /* nothing written */
			return host_wide[i];
		}
		snprintf(why + strlen(why), why_len - strlen(why), "%s%s: %s", why[0] ? "; " : "",
			 host_wide[i], strerror(errno));
	}
	return NULL;
}

int main(void)
{
	char why[256] = "";
	const char *writable;
	int present = 0, mounted_here = 0;

	if (access("/proc/self", F_OK) != 0) {
		mkdir("/proc", 0555);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
			cannot_test("no /proc, and mount proc: %s", strerror(errno));
		mounted_here = 1;
	}
	writable = first_writable(why, sizeof(why), &present);
	if (mounted_here)
		umount2("/proc", MNT_DETACH); /* leave no mount on the host */
	if (writable)
		escaped("%s opens for write: the host's kernel would obey", writable);
	if (!present)
		cannot_test("no /proc/sysrq-trigger nor /proc/sys/kernel/core_pattern");
	blocked("%s", why);
}
