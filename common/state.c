/* state.c - BOXES_RUN/<id>: where a running container keeps its files, and
 * the lock that says its runtime is alive.
 *
 * A runtime killed with SIGKILL runs no clean-up: its cgroups, its veth and
 * its address lease stay behind. So it writes down each of them in
 * BOXES_RUN/<id>/state BEFORE it makes it, and it holds flock(2) on
 * BOXES_RUN/<id>/lock while it runs. The kernel drops a flock when the last
 * fd of it is closed - also when its process is killed - so "the lock is
 * free" means "the runtime is dead", with no pid to guess about (pids are
 * reused). sweep.c reads the two and undoes what a dead run left.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

#define STATE_FILE_MAX 16384

/* The fd that holds BOXES_RUN/<id>/lock. Never passed to the container:
 * opened O_CLOEXEC, and the container's exec closes every fd beyond 0-2. */
static int state_lock_fd = -1;

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

int state_root_lock(int operation)
{
	const char *root = state_root();
	int fd;

	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		box_syserr("mkdir", root);
		box_error("the runtime keeps its state in BOXES_RUN (default /run/boxes): "
			  "point it at a writable directory");
		return -1;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* a directory locks like a file */
	if (fd < 0)
		return box_syserr("open", root);
	if (flock(fd, operation) < 0) {
		box_syserr("flock", root);
		close(fd);
		return -1;
	}
	return fd;
}

/* BOXES_RUN/<id>/lock: made, locked, and our pid written in it. */
static int take_state_lock(const char *state_dir)
{
	char path[4096], pid[32];
	int fd, length;

	if (path_join(path, sizeof(path), state_dir, "lock") < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return box_syserr("create", path);
	if (flock(fd, LOCK_EX) < 0) {
		box_syserr("flock", path);
		close(fd);
		return -1;
	}
	length = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (write(fd, pid, (size_t)length) != length) {
		box_syserr("write", path);
		close(fd);
		return -1;
	}
	return fd;
}

int state_create(struct box *box)
{
	int root_lock, result = -1;

	if (path_join(box->state_dir, sizeof(box->state_dir), state_root(), box->id) < 0)
		return -1;
	/* Shared with other runtimes, exclusive for a sweeper: no sweeper can
	 * look at our dir between its mkdir and its flock, when its lock is
	 * free although we are alive. */
	root_lock = state_root_lock(LOCK_SH);
	if (root_lock < 0) {
		box->state_dir[0] = '\0';
		return -1;
	}
	if (mkdir(box->state_dir, 0700) < 0) {
		box_syserr("mkdir", box->state_dir);
		box->state_dir[0] = '\0'; /* not ours: never remove it */
	} else {
		trace(1, "mkdir(\"%s\"); flock(\"%s/lock\", LOCK_EX): ours while we run",
		      box->state_dir, box->state_dir);
		state_lock_fd = take_state_lock(box->state_dir);
		result = state_lock_fd < 0 ? -1 : 0;
	}
	close(root_lock);
	return result;
}

int state_share_lock(void)
{
	int root_lock;

	if (state_lock_fd < 0)
		return -1;
	/* Under BOXES_RUN's shared lock: no sweeper looks meanwhile (Linux
	 * turns a flock from LOCK_EX into LOCK_SH in place, flock(2) does
	 * not promise it). */
	root_lock = state_root_lock(LOCK_SH);
	if (root_lock < 0)
		return -1;
	if (flock(state_lock_fd, LOCK_SH) < 0) {
		box_syserr("flock(LOCK_SH)", "the run's lock");
		close(root_lock);
		return -1;
	}
	trace(1, "flock(lock, LOCK_SH): the run's lock, shared with the processes it hands it to");
	close(root_lock);
	return state_lock_fd;
}

int state_parse(const char *text, struct state_entry *entries, int max)
{
	int count = 0;

	while (*text) {
		const char *end = strchrnul(text, '\n'), *space = memchr(text, ' ', end - text);
		size_t key_len = space ? (size_t)(space - text) : 0;
		size_t value_len = space ? (size_t)(end - space - 1) : 0;

		if (end == text) { /* a blank line */
			text++;
			continue;
		}
		if (!space || key_len == 0 || key_len >= STATE_KEY_MAX || value_len == 0 ||
		    value_len >= STATE_VALUE_MAX || count == max)
			return -1;
		memcpy(entries[count].key, text, key_len);
		entries[count].key[key_len] = '\0';
		memcpy(entries[count].value, space + 1, value_len);
		entries[count].value[value_len] = '\0';
		count++;
		text = *end ? end + 1 : end;
	}
	return count;
}

int state_read(const char *dir, struct state_entry *entries, int max)
{
	char path[4096], text[STATE_FILE_MAX];
	ssize_t length;
	int fd, count;

	if (path_join(path, sizeof(path), dir, "state") < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : box_syserr("open", path);
	length = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (length < 0)
		return box_syserr("read", path);
	text[length] = '\0';
	count = state_parse(text, entries, max);
	if (count < 0)
		box_error("%s: not \"key value\" lines (or too many); remove what it lists by hand",
			  path);
	return count;
}

/* Write entries to DIR/state.tmp and rename it over DIR/state: a reader
 * (the sweeper) sees the old file or the new one, never half of one.
 * No fsync: nothing listed here survives a reboot anyway. */
static int write_state(const char *dir, const struct state_entry *entries, int count)
{
	char path[4096], temporary[4096];
	FILE *file;
	int i, failed;

	if (path_join(path, sizeof(path), dir, "state") < 0 ||
	    path_join(temporary, sizeof(temporary), dir, "state.tmp") < 0)
		return -1;
	file = fopen(temporary, "we");
	if (!file)
		return box_syserr("create", temporary);
	for (i = 0; i < count; i++)
		fprintf(file, "%s %s\n", entries[i].key, entries[i].value);
	failed = ferror(file);
	if (fclose(file) != 0 || failed)
		return box_syserr("write", temporary);
	if (rename(temporary, path) < 0)
		return box_syserr("rename", temporary);
	return 0;
}

static int record(const struct box *box, const char *key, const char *value, int replace)
{
	struct state_entry entries[STATE_ENTRIES_MAX];
	int count, kept = 0, i;

	if (!box->state_dir[0])
		return 0;
	count = state_read(box->state_dir, entries, STATE_ENTRIES_MAX);
	if (count < 0)
		return -1;
	for (i = 0; i < count; i++)
		if (!replace || strcmp(entries[i].key, key) != 0)
			entries[kept++] = entries[i];
	if (kept == STATE_ENTRIES_MAX || strlen(key) >= STATE_KEY_MAX ||
	    strlen(value) >= STATE_VALUE_MAX) {
		box_error("%s/state: no room for \"%s %s\"", box->state_dir, key, value);
		return -1;
	}
	snprintf(entries[kept].key, STATE_KEY_MAX, "%s", key);
	snprintf(entries[kept].value, STATE_VALUE_MAX, "%s", value);
	return write_state(box->state_dir, entries, kept + 1);
}

int state_add(const struct box *box, const char *key, const char *value)
{
	return record(box, key, value, 0);
}

int state_set(const struct box *box, const char *key, const char *value)
{
	return record(box, key, value, 1);
}

static int removal_quiet; /* nftw's callback has no argument of ours */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) && !removal_quiet)
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

int remove_tree_quietly(const char *path)
{
	int result;

	removal_quiet = 1;
	result = remove_tree(path);
	removal_quiet = 0;
	return result;
}

void state_remove(struct box *box)
{
	if (box->state_dir[0]) {
		trace(1, "rm -r \"%s\"", box->state_dir);
		remove_tree(box->state_dir);
		box->state_dir[0] = '\0';
	}
	if (state_lock_fd >= 0) {
		close(state_lock_fd); /* the dir is gone: nothing left to sweep */
		state_lock_fd = -1;
	}
}
