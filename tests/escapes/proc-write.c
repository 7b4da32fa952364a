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
 */
#include <fcntl.h>
#include <unistd.h>

#include "escape.h"

static const char *const host_wide[] = {
    "/proc/sysrq-trigger",
    "/proc/sys/kernel/core_pattern",
};

int main(void)
{
	char why[256] = "";
	int i, present = 0;

	for (i = 0; i < (int)(sizeof(host_wide) / sizeof(host_wide[0])); i++) {
		int fd;

		if (access(host_wide[i], F_OK) < 0)
			continue; /* not on every kernel: sysrq can be compiled out */
		present++;
		fd = open(host_wide[i], O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd); /* nothing written */
			escaped("%s opens for write: the host's kernel would obey", host_wide[i]);
		}
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s: %s",
			 why[0] ? "; " : "", host_wide[i], strerror(errno));
	}
	if (!present)
		cannot_test(
		    "no /proc/sysrq-trigger nor /proc/sys/kernel/core_pattern (is /proc mounted?)");
	blocked("%s", why);
}
