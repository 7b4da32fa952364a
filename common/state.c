/* state.c - BOXES_RUN/<id>: where a running container keeps its files. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

const char *state_root(void)
{
	const char *root = getenv("BOXES_RUN");

	return root && *root ? root : "/run/boxes";
}

int path_join(char *out, int out_len, const char *dir, const char *name)
{
	int written = snprintf(out, (size_t)out_len, "%s/%s", dir, name);

	if (written < 0 || written >= out_len) {
		box_error("path too long: %s/%s", dir, name);
		return -1;
	}
	return 0;
}

int state_create(struct box *box)
{
	const char *root = state_root();

	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		box_syserr("mkdir", root);
		box_error("the runtime keeps its state in BOXES_RUN (default /run/boxes): "
			  "point it at a writable directory");
		return -1;
	}
	if (path_join(box->state_dir, sizeof(box->state_dir), root, box->id) < 0)
		return -1;
	if (mkdir(box->state_dir, 0700) < 0) {
		int saved = errno;

		box_syserr("mkdir", box->state_dir);
		box->state_dir[0] = '\0'; /* not ours: never remove it */
		errno = saved;
		return -1;
	}
	trace(4, "mkdir(\"%s\")", box->state_dir);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP ? rmdir(path) : unlink(path))
		box_syserr(type == FTW_DP ? "rmdir" : "unlink", path);
	return 0; /* go on: remove as much as we can */
}

int remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : box_syserr("stat", path);
	/* FTW_MOUNT: never walk into a filesystem mounted below path. */
	return nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void state_remove(struct box *box)
{
	if (!box->state_dir[0])
		return;
	trace(4, "rm -r \"%s\"", box->state_dir);
	remove_tree(box->state_dir);
	box->state_dir[0] = '\0';
}
