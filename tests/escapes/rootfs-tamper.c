/* escape: rootfs-tamper
 * blocked-from: 04
 * explain: one container plants a file in the shared rootfs, and the next container runs with it
 * run: twice
 *
 * When containers share one rootfs directory, a write by one is a write
 * for all: a compromised container can swap /bin/sh or add a line to
 * /etc/passwd, and every container started afterwards runs with it. This
 * is why images are read-only layers and each container gets its own
 * writable layer on top.
 *   rootfs-tamper write   (first container) plant a marker in /etc
 *   rootfs-tamper check   (second container) is the marker there?
 * check removes the marker it finds: under steps 01..03 it sits in the
 * real rootfs directory, and the next run must start clean.
 */
#include <fcntl.h>
#include <unistd.h>

#include "escape.h"

#define MARKER "/etc/rootfs-tamper.marker"
#define CONTENT "planted by an earlier container\n"

static void plant_marker(void)
{
	int fd = open(MARKER, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		cannot_test("open %s for write: %s", MARKER, strerror(errno));
	if (write(fd, CONTENT, strlen(CONTENT)) != (ssize_t)strlen(CONTENT)) {
		close(fd);
		unlink(MARKER);
		cannot_test("write %s: %s", MARKER, strerror(errno));
	}
	close(fd);
	printf("planted %s; a second container will look for it\n", MARKER);
	exit(0);
}

static void look_for_marker(void)
{
	if (!file_mentions(MARKER, "planted by an earlier container"))
		blocked("%s is not here: the first container wrote to its own layer", MARKER);
	unlink(MARKER); /* it is in the shared rootfs: clean it up */
	escaped("%s, planted by the first container, is in this one's rootfs", MARKER);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "write") == 0)
		plant_marker();
	if (argc == 2 && strcmp(argv[1], "check") == 0)
		look_for_marker();
	cannot_test("usage: rootfs-tamper write|check");
}
