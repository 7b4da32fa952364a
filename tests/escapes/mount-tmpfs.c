/* escape: mount-tmpfs
 * blocked-from: 08
 * explain: mount(2) works in the container: every filesystem driver is attack surface
 *
 * Mounting makes the kernel parse a superblock or an option string that
 * the container controls. Inside its own user namespace (07) a container
 * may mount tmpfs, proc, overlay and more - each a driver with its own
 * bugs (CVE-2022-0185 in the fs_context code, CVE-2023-0386 in overlayfs).
 * docker drops CAP_SYS_ADMIN and denies mount in seccomp: two locks. We
 * mount a small tmpfs on a fresh directory and unmount it at once.
 */
#include <sys/mount.h>
#include <unistd.h>

#include "escape.h"

/* "CapEff: ..." and "Seccomp: N" say which lock stopped us. */
static void describe_locks(char *out, size_t len)
{
	char line[256];
	unsigned long long effective = 0;
	int mode = -1;
	FILE *status = fopen("/proc/self/status", "r");

	snprintf(out, len, "no /proc to tell why");
	if (!status)
		return;
	while (fgets(line, sizeof(line), status)) {
		sscanf(line, "CapEff: %llx", &effective);
		sscanf(line, "Seccomp: %d", &mode);
	}
	fclose(status);
	snprintf(out, len, "CAP_SYS_ADMIN %s, seccomp filter %s",
		 effective & (1ULL << 21) ? "held" : "dropped", mode == 2 ? "on" : "off");
}

int main(void)
{
	char dir[] = "/tmp/boxes-tmpfs-XXXXXX", locks[128];

	if (!mkdtemp(dir))
		cannot_test("mkdtemp(/tmp): %s", strerror(errno));
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k") < 0) {
		int error = errno;

		rmdir(dir);
		describe_locks(locks, sizeof(locks));
		blocked("mount(tmpfs, %s): %s (%s)", dir, strerror(error), locks);
	}
	if (umount2(dir, 0) < 0)
		umount2(dir, MNT_DETACH);
	rmdir(dir);
	escaped("mounted a tmpfs on %s (and unmounted it)", dir);
}
