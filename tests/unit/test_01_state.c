/* Unit tests, step 01: a run's state dir (BOXES_RUN/<id>, its lock, its
 * "key value" state file) and the sweeper's choices: which dirs are runs,
 * which runs are dead, what it may undo, which mounts go first. In a
 * temporary BOXES_RUN; no root needed (the sweepers here are the test's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_boxes_run.h"

#include "box.h"
#include "state.h"
#include "sweep.h"

static void new_box(struct box *box, const char *id)
{
	memset(box, 0, sizeof(*box));
	strcpy(box->id, id);
}

static bool exists(const char *dir, const char *name)
{
	char path[8300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[8300];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	file = fopen(path, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
}

/* A run that was SIGKILLed: its dir, its lock file (nobody holds it), and
 * what its state says. */
static void make_dead_run(const char *id, const char *state_text)
{
	char dir[4200];

	snprintf(dir, sizeof(dir), "%s/%s", boxes_run, id);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_text(dir, "lock", "999999999\n");
	if (state_text)
		write_text(dir, "state", state_text);
}

/* A dir without a lock file, empty or holding a file. */
static void make_lockless_dir(const char *id, const char *file)
{
	char dir[4200];

	snprintf(dir, sizeof(dir), "%s/%s", boxes_run, id);
	assert_int_equal(mkdir(dir, 0700), 0);
	if (file)
		write_text(dir, file, "");
}

static void test_state_lines_parse_into_keys_and_values(void **state)
{
	struct state_entry entries[4];

	(void)state;
	assert_int_equal(state_parse("cgroup /sys/fs/cgroup/pids/boxes/0123456789ab\n\nveth "
				     "bx0123456789ab\nlease /a dir/with space\n",
				     entries, 4),
			 3);
	assert_string_equal(entries[0].key, "cgroup");
	assert_string_equal(entries[0].value, "/sys/fs/cgroup/pids/boxes/0123456789ab");
	assert_string_equal(entries[1].key, "veth");
	assert_string_equal(entries[2].value, "/a dir/with space");
	assert_int_equal(state_parse("", entries, 4), 0);
	assert_int_equal(state_parse("veth bx1", entries, 4), 1); /* no final newline */
}

static void test_state_lines_that_are_not_key_value_refused(void **state)
{
	struct state_entry entries[2];
	char long_key[64];

	(void)state;
	assert_int_equal(state_parse("justakey\n", entries, 2), -1);
	assert_int_equal(state_parse(" /no/key\n", entries, 2), -1);
	assert_int_equal(state_parse("veth \n", entries, 2), -1);
	assert_int_equal(state_parse("a 1\nb 2\nc 3\n", entries, 2), -1); /* too many */
	memset(long_key, 'k', sizeof(long_key));
	strcpy(long_key + STATE_KEY_MAX, " v\n");
	assert_int_equal(state_parse(long_key, entries, 2), -1);
}

static void test_state_add_keeps_every_line_and_set_only_the_last(void **state)
{
	struct state_entry entries[8];
	struct box box;

	(void)state;
	new_box(&box, "00000000a001");
	assert_int_equal(state_create(&box), 0);
	assert_int_equal(state_add(&box, "cgroup", "/sys/fs/cgroup/memory/boxes/00000000a001"), 0);
	assert_int_equal(state_add(&box, "cgroup", "/sys/fs/cgroup/pids/boxes/00000000a001"), 0);
	assert_int_equal(state_set(&box, "lease", "/run/boxes-net/10.200.0.0"), 0);
	assert_int_equal(state_set(&box, "lease", "/run/boxes-net/10.200.0.4"), 0);
	assert_int_equal(state_read(box.state_dir, entries, 8), 3);
	assert_string_equal(entries[0].value, "/sys/fs/cgroup/memory/boxes/00000000a001");
	assert_string_equal(entries[1].value, "/sys/fs/cgroup/pids/boxes/00000000a001");
	assert_string_equal(entries[2].key, "lease");
	assert_string_equal(entries[2].value, "/run/boxes-net/10.200.0.4");
	assert_false(exists(box.state_dir, "state.tmp")); /* renamed into place */
	state_remove(&box);
}

/* The lock is held while the run lives (another open of it can't take
 * it), never passed on across exec, and gone with the dir. */
static void test_state_dir_is_locked_while_the_run_lives(void **state)
{
	char lock[4200], dir[4096], link[4200], target[4200];
	struct dirent *entry;
	struct box box;
	int other, cloexec_checked = 0;
	DIR *fds;

	(void)state;
	new_box(&box, "00000000a002");
	assert_int_equal(state_create(&box), 0);
	strcpy(dir, box.state_dir);
	snprintf(lock, sizeof(lock), "%s/lock", dir);
	other = open(lock, O_RDONLY);
	assert_true(other >= 0);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	fds = opendir("/proc/self/fd");
	assert_non_null(fds);
	while ((entry = readdir(fds))) {
		ssize_t length;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", entry->d_name);
		length = readlink(link, target, sizeof(target) - 1);
		if (length <= 0 || atoi(entry->d_name) == other)
			continue;
		target[length] = '\0';
		if (strcmp(target, lock) == 0) {
			assert_true(fcntl(atoi(entry->d_name), F_GETFD) & FD_CLOEXEC);
			cloexec_checked = 1;
		}
	}
	closedir(fds);
	assert_true(cloexec_checked);
	state_remove(&box);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0); /* free now */
	close(other);
	assert_false(exists(dir, ""));
}

static void test_only_run_ids_are_runs(void **state)
{
	(void)state;
	assert_true(sweep_is_run_id("0123456789ab"));
	assert_false(sweep_is_run_id("0123456789AB"));
	assert_false(sweep_is_run_id("0123456789abc"));
	assert_false(sweep_is_run_id("0123456789a"));
	assert_false(sweep_is_run_id("compose"));
	assert_false(sweep_is_run_id("net"));
	assert_false(sweep_is_run_id(".0123456789a"));
}

/* What the test's sweepers were asked to undo. */
static char undone[1024];

static int undo_fake(const char *value)
{
	snprintf(undone + strlen(undone), sizeof(undone) - strlen(undone), "fake %s\n", value);
	return 0;
}

static int undo_stuck(const char *value)
{
	snprintf(undone + strlen(undone), sizeof(undone) - strlen(undone), "stuck %s\n", value);
	return -1;
}

static const struct sweeper test_sweepers[] = {
    {"fake", undo_fake}, {"stuck", undo_stuck}, {NULL, NULL}};

static void test_a_table_that_lacks_a_key_says_which(void **state)
{
	struct state_entry entries[2];
	const char *unknown = NULL;

	(void)state;
	assert_int_equal(state_parse("fake 1\nveth bx0123456789ab\n", entries, 2), 2);
	assert_false(sweep_knows_all(test_sweepers, entries, 2, &unknown));
	assert_string_equal(unknown, "veth");
	assert_true(sweep_knows_all(test_sweepers, entries, 1, &unknown));
	assert_false(sweep_knows_all(NULL, entries, 1, &unknown)); /* steps 01, 02 */
	assert_true(sweep_knows_all(NULL, entries, 0, &unknown));
}

static void test_mounts_below_a_dir_deepest_first(void **state)
{
	const char *const mounts[] = {
	    "/run/boxes/ab",	   "/run/boxes/a",
	    "/run/boxes/a/lower",  "/run/boxes/a/merged/proc",
	    "/run/boxes/a/merged", "/",
	};
	const char *below[6];

	(void)state;
	assert_int_equal(sweep_mounts_below("/run/boxes/a", mounts, 6, below), 4);
	assert_string_equal(below[0], "/run/boxes/a/merged/proc");
	assert_string_equal(below[1], "/run/boxes/a/merged"); /* mounted after lower */
	assert_string_equal(below[2], "/run/boxes/a/lower");
	assert_string_equal(below[3], "/run/boxes/a");
}

/* The whole choice: a dead run is undone and removed; a live run, a dead
 * run with something this table can't undo, one whose undo failed, and
 * what is no run at all are all left as they are. */
static void test_sweep_removes_only_dead_runs_it_can_undo(void **state)
{
	struct box live;
	char other[4200];

	(void)state;
	undone[0] = '\0';
	new_box(&live, "00000000b001");
	assert_int_equal(state_create(&live), 0);
	assert_int_equal(state_add(&live, "fake", "of-the-live-one"), 0);
	make_dead_run("00000000b002", "fake of-the-dead-one\n");
	make_dead_run("00000000b003", "veth bx00000000b003\n");
	make_dead_run("00000000b004", "stuck it-stays\n");
	make_dead_run("00000000b005", NULL); /* killed before it recorded a thing */
	make_lockless_dir("00000000b006", NULL); /* killed right after its mkdir */
	make_lockless_dir("00000000b007", "upper"); /* an older boxes' run, maybe alive */
	/* a sweep SIGKILLed after it unlinked the lock, before the rest */
	make_lockless_dir("00000000b008", NULL);
	snprintf(other, sizeof(other), "%s/00000000b008", boxes_run);
	write_text(other, "state", "fake of-a-sweep-cut-short\n");
	snprintf(other, sizeof(other), "%s/00000000b008/work", boxes_run);
	assert_int_equal(mkdir(other, 0700), 0);
	snprintf(other, sizeof(other), "%s/compose", boxes_run);
	assert_int_equal(mkdir(other, 0700), 0);

	assert_int_equal(sweep_dead_runs(test_sweepers), 4);
	assert_non_null(strstr(undone, "fake of-the-dead-one\n")); /* in readdir's order */
	assert_non_null(strstr(undone, "fake of-a-sweep-cut-short\n"));
	assert_non_null(strstr(undone, "stuck it-stays\n"));
	assert_null(strstr(undone, "of-the-live-one"));
	assert_true(exists(live.state_dir, "lock"));
	assert_false(exists(boxes_run, "00000000b002"));
	assert_true(exists(boxes_run, "00000000b003"));
	assert_true(exists(boxes_run, "00000000b004"));
	assert_false(exists(boxes_run, "00000000b005"));
	assert_false(exists(boxes_run, "00000000b006"));
	assert_true(exists(boxes_run, "00000000b007/upper"));
	assert_false(exists(boxes_run, "00000000b008"));
	assert_true(exists(boxes_run, "compose"));

	state_remove(&live);
	assert_int_equal(sweep_dead_runs(NULL), 0); /* b003, b004 hold keys NULL can't undo */
	rmdir(other);
	snprintf(other, sizeof(other), "cd %s && rm -r 00000000b003 00000000b004 00000000b007",
		 boxes_run);
	assert_int_equal(system(other), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_state_lines_parse_into_keys_and_values),
	    cmocka_unit_test(test_state_lines_that_are_not_key_value_refused),
	    cmocka_unit_test(test_state_add_keeps_every_line_and_set_only_the_last),
	    cmocka_unit_test(test_state_dir_is_locked_while_the_run_lives),
	    cmocka_unit_test(test_only_run_ids_are_runs),
	    cmocka_unit_test(test_a_table_that_lacks_a_key_says_which),
	    cmocka_unit_test(test_mounts_below_a_dir_deepest_first),
	    cmocka_unit_test(test_sweep_removes_only_dead_runs_it_can_undo),
	};

	return cmocka_run_group_tests_name("test_01_state", tests, make_boxes_run,
					   remove_boxes_run);
}
