/* sweep.c - what a SIGKILLed run left behind, removed at the next start.
 *
 * Every run holds flock(2) on BOXES_RUN/<id>/lock for its lifetime
 * (state.c). Trying the same lock with LOCK_NB tells the dead from the
 * living: the kernel dropped a dead runtime's lock when it closed its
 * files on the way out; a live one still holds it, and we leave it alone.
 * A run's lock may be held shared by many processes (LOCK_SH, step 10's
 * supervisors of one project: state_share_lock): our LOCK_EX try fails
 * while any one of them lives.
 * For a dead run, in this order:
 *
 *   1. what its state file lists, through the step's sweepers: its cgroups
 *      (killing any process still in them: a container that outlived its
 *      runtime), its veth, its address lease;
 *   2. anything still mounted at or below its dir, deepest first,
 *      umount2(MNT_DETACH) (read from /proc/self/mounts with getmntent(3));
 *   3. the dir itself.
 *
 * A dir without a lock file is removed if it is empty (a run killed right
 * after its mkdir), or if it still has a state file: a sweep that was
 * itself SIGKILLed (every start sweeps) after it unlinked the lock. One
 * that holds other files may be a run of an older boxes, which locked
 * nothing, and is left alone.
 *
 * The sweeper holds BOXES_RUN's own lock exclusively while it works, so a
 * runtime that is between mkdir(BOXES_RUN/<id>) and taking its lock (when
 * its lock is free although it lives) waits for it; and two sweepers never
 * undo the same run at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sweep.h"

#define MOUNTS_MAX 256

bool sweep_is_run_id(const char *name)
{
	int i;

	for (i = 0; i < BOX_ID_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return name[BOX_ID_LEN] == '\0';
}

static const struct sweeper *sweeper_for(const struct sweeper *sweepers, const char *key)
{
	for (; sweepers && sweepers->key; sweepers++)
		if (strcmp(sweepers->key, key) == 0)
			return sweepers;
	return NULL;
}

bool sweep_knows_all(const struct sweeper *sweepers, const struct state_entry *entries, int count,
		     const char **unknown)
{
	int i;

	for (i = 0; i < count; i++) {
		if (!sweeper_for(sweepers, entries[i].key)) {
			*unknown = entries[i].key;
			return false;
		}
	}
	return true;
}

static int depth(const char *path)
{
	int slashes = 0;

	for (; *path; path++)
		slashes += *path == '/';
	return slashes;
}

int sweep_mounts_below(const char *dir, const char *const *mounts, int count, const char **out)
{
	size_t length = strlen(dir);
	int found = 0, i, at;

	for (i = 0; i < count; i++) {
		const char *mount = mounts[i];

		if (strncmp(mount, dir, length) != 0 || (mount[length] && mount[length] != '/'))
			continue; /* "/run/boxes/ab" is not below "/run/boxes/a" */
		/* Deeper first; of two as deep, the later one (it may sit on the
		 * earlier) first. */
		for (at = found; at > 0 && depth(out[at - 1]) <= depth(mount); at--)
			out[at] = out[at - 1];
		out[at] = mount;
		found++;
	}
	return found;
}

/* umount2(MNT_DETACH) everything at or below dir, deepest first. */
static void unmount_below(const char *dir)
{
	char *mounts[MOUNTS_MAX];
	const char *below[MOUNTS_MAX];
	struct mntent *entry;
	int count = 0, found, i;
	FILE *table = setmntent("/proc/self/mounts", "re");

	if (!table) {
		box_syserr("open", "/proc/self/mounts");
		return;
	}
	while ((entry = getmntent(table)) && count < MOUNTS_MAX)
		if (strncmp(entry->mnt_dir, dir, strlen(dir)) == 0) /* a first cut */
			mounts[count++] = strdup(entry->mnt_dir);
	endmntent(table);
	found = sweep_mounts_below(dir, (const char *const *)mounts, count, below);
	for (i = 0; i < found; i++) {
		trace(1, "umount2(\"%s\", MNT_DETACH): a dead run's mount", below[i]);
		if (umount2(below[i], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
			box_syserr("umount2", below[i]);
	}
	for (i = 0; i < count; i++)
		free(mounts[i]);
}

/* Undo what a dead run's state lists; 0 when all of it is gone. */
static int undo_recorded(const char *dir, const struct sweeper *sweepers)
{
	struct state_entry entries[STATE_ENTRIES_MAX];
	const char *unknown = NULL;
	int count = state_read(dir, entries, STATE_ENTRIES_MAX), failed = 0, i;

	if (count < 0)
		return -1;
	if (!sweep_knows_all(sweepers, entries, count, &unknown)) {
		trace(1, "%s: left for a later step or scripts/cleanup.sh: it holds a '%s'", dir,
		      unknown);
		return -1;
	}
	for (; sweepers && sweepers->key; sweepers++)
		for (i = 0; i < count; i++)
			if (strcmp(entries[i].key, sweepers->key) == 0 &&
			    sweepers->remove(entries[i].value) < 0)
				failed = 1;
	return failed ? -1 : 0;
}

static int has_state_file(const char *dir)
{
	char path[4096];
	struct stat st;

	return path_join(path, sizeof(path), dir, "state") == 0 && lstat(path, &st) == 0;
}

/* rm -r a dead run's dir. Its container was just killed (by the cgroup
 * sweeper, or by PR_SET_PDEATHSIG), and the kernel tears a dead process's
 * mount namespace down after the process is gone: until then the overlay
 * on merged/ still pins its directories (rmdir: EBUSY). So try again for a
 * moment rather than leave the dir for the next sweep. 1 once it is gone. */
static int remove_dead_dir(const char *dir)
{
	struct stat st;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		if (tries)
			usleep(20 * 1000); /* at most a second in all */
		unmount_below(dir);
		if (!tries)
			trace(1, "rm -r \"%s\"", dir);
		if (tries < 49)
			remove_tree_quietly(dir);
		else
			remove_tree(dir); /* the last try says what stays */
		if (lstat(dir, &st) < 0 && errno == ENOENT)
			return 1;
	}
	return 0;
}

/* Sweep BOXES_RUN/<name> if its runtime is dead. 1 if it was removed. */
static int sweep_one(const char *root, const char *name, const struct sweeper *sweepers)
{
	char dir[4096], lock[4096];
	int lock_fd, removed = 0;

	if (path_join(dir, sizeof(dir), root, name) < 0 ||
	    path_join(lock, sizeof(lock), dir, "lock") < 0)
		return 0;
	lock_fd = open(lock, O_RDONLY | O_CLOEXEC);
	if (lock_fd < 0) {
		/* No lock file: killed between mkdir and making it, so the dir
		 * is empty; or a sweep was cut short after it removed the lock
		 * (its container's mounts still pinned the rest), and a state
		 * file is left; or a dir of an older boxes, without locks,
		 * which we can't judge. We hold BOXES_RUN's lock exclusively:
		 * no live runtime is between its mkdir and its flock. */
		if (errno != ENOENT)
			return 0;
		if (rmdir(dir) == 0) {
			trace(1, "rmdir(\"%s\"): killed before it took its lock", dir);
			return 1;
		}
		if (!has_state_file(dir))
			return 0;
		trace(1, "%s: no lock but a state file: a sweep cut short, sweep it again", dir);
	} else if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
		close(lock_fd); /* EWOULDBLOCK: its runtime lives */
		return 0;
	} else {
		trace(1, "%s: its lock is free, its runtime is dead: sweep it", dir);
	}
	if (undo_recorded(dir, sweepers) == 0)
		removed = remove_dead_dir(dir);
	if (lock_fd >= 0)
		close(lock_fd);
	return removed;
}

int sweep_dead_runs(const struct sweeper *sweepers)
{
	const char *root = state_root();
	struct dirent *entry;
	int root_lock, removed = 0;
	DIR *runs = opendir(root);

	if (!runs)
		return 0; /* no BOXES_RUN yet: nothing ever ran */
	root_lock = state_root_lock(LOCK_EX);
	if (root_lock >= 0) {
		while ((entry = readdir(runs)))
			if (sweep_is_run_id(entry->d_name))
				removed += sweep_one(root, entry->d_name, sweepers);
		close(root_lock);
	}
	closedir(runs);
	return removed;
}
