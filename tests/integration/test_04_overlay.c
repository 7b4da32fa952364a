/* Step 04: the rootfs is a read-only lower layer; each container writes to
 * its own upper dir in BOXES_RUN/<id>/, removed when the container ends.
 * And the escape it blocks: under step 03 a container's write lands in the
 * shared rootfs, for every container after it. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "04-overlay/overlay.h"

static struct run_result result;

/* ROOTFS/relative, as the host sees it. */
static const char *in_rootfs(const char *relative)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", rootfs_path(), relative);
	return path;
}

static bool exists_on_host(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void test_file_written_inside_not_in_rootfs(void **state)
{
	(void)state;
	run_box(&result, 10, "04-overlay", ROOTFS, "/bin/sh", "-c",
		"echo inside > /etc/boxes-04-written && cat /etc/boxes-04-written", NULL);
	assert_exit(&result, 0);
	assert_output(&result, "inside");
	assert_false(exists_on_host(in_rootfs("etc/boxes-04-written")));
}

static void test_deleted_ls_is_back_in_next_run(void **state)
{
	(void)state;
	run_box(&result, 10, "04-overlay", ROOTFS, "/bin/sh", "-c",
		"rm /bin/ls && test ! -e /bin/ls && echo ls-deleted", NULL);
	assert_exit(&result, 0);
	assert_output(&result, "ls-deleted");
	assert_true(exists_on_host(in_rootfs("bin/ls")));

	run_box(&result, 10, "04-overlay", ROOTFS, "/bin/ls", "/bin/ls", NULL);
	assert_exit(&result, 0);
	assert_output(&result, "/bin/ls");
}

/* Poll a spawned container's stdout file for text, up to ~5 s. */
static bool wait_for_text(const char *file, const char *text)
{
	char content[4096];
	int tries;

	for (tries = 0; tries < 250; tries++) {
		if (read_file(file, content, sizeof(content)) == 0 && strstr(content, text))
			return true;
		usleep(20000);
	}
	return false;
}

/* Both containers write /etc/who, then wait; only when both have written
 * does the test ask them (SIGTERM, forwarded by the runtime) to say what
 * /etc/who holds now. On a shared rootfs one would see the other's name. */
#define WRITE_THEN_WAIT                                                                            \
	"echo $NAME > /etc/who; trap 'echo saw=$(cat /etc/who); exit 0' TERM; echo written; "      \
	"i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done"

static void test_two_containers_on_one_rootfs_keep_their_writes(void **state)
{
	char out_a[300], err_a[300], out_b[300], err_b[300];
	char seen_by_a[4096] = "", seen_by_b[4096] = "";
	pid_t box_a, box_b;
	int status_a, status_b;
	bool ready;

	(void)state;
	snprintf(out_a, sizeof(out_a), "%s-a.out", run_dir());
	snprintf(err_a, sizeof(err_a), "%s-a.err", run_dir());
	snprintf(out_b, sizeof(out_b), "%s-b.out", run_dir());
	snprintf(err_b, sizeof(err_b), "%s-b.err", run_dir());
	box_a = spawn_box(out_a, err_a, "04-overlay", "-e", "NAME=box-a", ROOTFS, "/bin/sh", "-c",
			  WRITE_THEN_WAIT, NULL);
	box_b = spawn_box(out_b, err_b, "04-overlay", "-e", "NAME=box-b", ROOTFS, "/bin/sh", "-c",
			  WRITE_THEN_WAIT, NULL);
	ready = wait_for_text(out_a, "written") && wait_for_text(out_b, "written");
	kill(box_a, SIGTERM);
	kill(box_b, SIGTERM);
	status_a = wait_box(box_a, 10);
	status_b = wait_box(box_b, 10);
	unlink(in_rootfs("etc/who")); /* only there if the overlay failed */
	read_file(out_a, seen_by_a, sizeof(seen_by_a));
	read_file(out_b, seen_by_b, sizeof(seen_by_b));
	unlink(out_a), unlink(err_a), unlink(out_b), unlink(err_b);
	assert_true(ready);
	assert_int_equal(status_a, 0);
	assert_int_equal(status_b, 0);
	assert_non_null(strstr(seen_by_a, "saw=box-a"));
	assert_non_null(strstr(seen_by_b, "saw=box-b"));
}

static void test_state_dir_gone_after_exit(void **state)
{
	(void)state;
	run_box(&result, 10, "04-overlay", ROOTFS, "/bin/sh", "-c", "echo x > /tmp/x", NULL);
	assert_exit(&result, 0);
	assert_int_equal(run_dir_entries(), 0);

	run_box(&result, 10, "04-overlay", ROOTFS, "/no/such/command", NULL);
	assert_exit(&result, 127);
	assert_int_equal(run_dir_entries(), 0);
}

/* mount_overlay fails inside the container (a ':' in the lower dir's path
 * would split it into two layers); the runtime still removes the state. */
static void test_state_dir_gone_after_failed_start(void **state)
{
	char odd_rootfs[] = "/tmp/boxes-test-odd:XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(odd_rootfs));
	run_box(&result, 10, "04-overlay", odd_rootfs, "/bin/true", NULL);
	rmdir(odd_rootfs);
	assert_exit(&result, 125);
	assert_error(&result, "separate overlay mount options");
	assert_int_equal(run_dir_entries(), 0);
}

static void test_state_dir_gone_after_sigterm(void **state)
{
	char out[300], err[300];
	pid_t runtime;

	(void)state;
	snprintf(out, sizeof(out), "%s-term.out", run_dir());
	snprintf(err, sizeof(err), "%s-term.err", run_dir());
	runtime = spawn_box(out, err, "04-overlay", ROOTFS, "/bin/sh", "-c",
			    "trap 'exit 3' TERM; echo started; "
			    "i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done",
			    NULL);
	assert_true(wait_for_text(out, "started"));
	kill(runtime, SIGTERM); /* the runtime forwards it to the container */
	assert_int_equal(wait_box(runtime, 10), 3);
	unlink(out), unlink(err);
	assert_int_equal(run_dir_entries(), 0);
	assert_int_equal(host_mounts_matching(run_dir()), 0);
}

/* BOXES_RUN on an overlay (as when boxes runs inside a container): the
 * runtime says why it can't work and what to do, and leaves nothing. */
static void test_boxes_run_on_overlayfs_is_refused_with_advice(void **state)
{
	char scratch[] = "/tmp/boxes-test-ovl-XXXXXX";
	char script[9000], cleanup[600], binary[4096], rootfs[4096];
	char *argv[] = {"/usr/bin/unshare", "--mount", "/bin/sh", "-c", script, NULL};

	(void)state;
	assert_non_null(mkdtemp(scratch));
	assert_non_null(realpath(bin_path("04-overlay"), binary)); /* the script does cd */
	assert_non_null(realpath(rootfs_path(), rootfs));
	/* unshare --mount: the overlay exists in a throwaway mount namespace */
	snprintf(script, sizeof(script),
		 "cd %1$s && mkdir lower upper work merged && "
		 "mount -t overlay overlay -o lowerdir=lower,upperdir=upper,workdir=work merged && "
		 "BOXES_RUN=%1$s/merged/run exec %2$s %3$s /bin/true",
		 scratch, binary, rootfs);
	run_argv(&result, 10, argv);
	snprintf(cleanup, sizeof(cleanup), "rm -rf --one-file-system '%s'", scratch);
	assert_int_equal(system(cleanup), 0);
	assert_exit(&result, 125);
	assert_error(&result, "is on overlayfs, which can't hold an overlay upper dir");
	assert_error(&result, "set BOXES_RUN to");
}

/* The state dirs (12 hex digits) in dir: 0 once every run cleaned up. */
static int state_dirs_in(const char *dir)
{
	char command[700], count[32] = "";
	FILE *output;

	snprintf(command, sizeof(command), "ls -A '%s' | grep -cE '^[0-9a-f]{12}$'", dir);
	output = popen(command, "r");
	if (!output)
		return -1;
	if (!fgets(count, sizeof(count), output))
		count[0] = '\0';
	pclose(output);
	return atoi(count);
}

/* A nearly full BOXES_RUN: where overlayfs can't make its work dir, it
 * mounts the overlay read-only without an error, and the command's writes
 * would fail with "Read-only file system" under an exit status of 0. For
 * every degree of fullness (a tmpfs with 3 to 16 inodes): the write
 * works, or the command itself is told the disk is full, or the runtime
 * refuses in one line that names the full filesystem - never a silently
 * read-only root. */
static void test_full_boxes_run_fails_rather_than_a_read_only_root(void **state)
{
	char scratch[600], boxes_run[700], options[64];
	const char *saved = run_dir();
	struct run_result r;
	int inodes, left, read_only_refused = 0;

	(void)state;
	for (inodes = 3; inodes <= 16; inodes++) {
		snprintf(options, sizeof(options), "size=256k,nr_inodes=%d,mode=755", inodes);
		assert_int_equal(mount_scratch("tmpfs", options, scratch, sizeof(scratch)), 0);
		snprintf(boxes_run, sizeof(boxes_run), "%s/run", scratch);
		mkdir(boxes_run, 0755);
		setenv("BOXES_RUN", boxes_run, 1);
		run_box(&r, 10, "04-overlay", ROOTFS, "/bin/sh", "-c",
			"echo hi > /hello && echo wrote", NULL);
		setenv("BOXES_RUN", saved, 1);
		left = state_dirs_in(boxes_run);
		unmount_scratch(scratch);
		assert_int_equal(left, 0);
		assert_false(harness_check(r.err, "Read-only file system", NULL));
		if (r.status == 0) {
			assert_output(&r, "wrote");
			continue;
		}
		if (r.status == 1) { /* the command's own write: an honest ENOSPC */
			assert_error(&r, "No space left on device");
			continue;
		}
		assert_exit(&r, 125);
		assert_true(harness_check(r.err, "No space left on device", NULL) ||
			    harness_check(r.err, "(tmpfs), which is full", &r));
		if (harness_check(r.err, "came up read-only: ", NULL)) {
			assert_error(&r, "is on the filesystem mounted on");
			assert_error(&r, scratch);
			assert_error(&r, "set BOXES_RUN to a directory on another filesystem");
			read_only_refused++;
		}
	}
	assert_true(read_only_refused > 0); /* the case overlayfs keeps quiet about */
}

/* ramfs has no xattrs: overlayfs could not record a deleted file, and
 * rm of a rootfs directory would fail with EIO inside the container. */
static void test_boxes_run_without_xattrs_is_refused_with_advice(void **state)
{
	char scratch[600];
	const char *saved = run_dir();
	struct run_result r;
	int probe_on_ramfs, probe_here, left;

	(void)state;
	assert_int_equal(mount_scratch("ramfs", "mode=755", scratch, sizeof(scratch)), 0);
	setenv("BOXES_RUN", scratch, 1);
	run_box(&r, 10, "04-overlay", ROOTFS, "/bin/sh", "-c", "rm -r /var && echo removed", NULL);
	setenv("BOXES_RUN", saved, 1);
	probe_on_ramfs = check_upper_xattrs(scratch, false);
	left = state_dirs_in(scratch);
	unmount_scratch(scratch);
	probe_here = check_upper_xattrs(run_dir(), false);
	assert_exit(&r, 125);
	assert_no_output(&r, "removed");
	assert_error(&r, "(ramfs), which has no trusted.* xattrs");
	assert_error(&r, "set BOXES_RUN to a directory on ext4, xfs, btrfs or tmpfs");
	assert_int_equal(left, 0);
	assert_int_equal(probe_on_ramfs, -1);
	assert_int_equal(probe_here, 0);
}

/* The escape 04 blocks, shown under 03 first. */
static void test_write_under_03_changes_rootfs_for_everyone(void **state)
{
	struct run_result second;
	bool in_rootfs_after_first;

	(void)state;
	run_box(&result, 10, "03-cgroups", ROOTFS, "/bin/sh", "-c",
		"echo tampered > /etc/boxes-03-tamper", NULL);
	in_rootfs_after_first = exists_on_host(in_rootfs("etc/boxes-03-tamper"));
	run_box(&second, 10, "03-cgroups", ROOTFS, "/bin/cat", "/etc/boxes-03-tamper", NULL);
	unlink(in_rootfs("etc/boxes-03-tamper")); /* clean up the shared rootfs */
	assert_exit(&result, 0);
	assert_true(in_rootfs_after_first);
	assert_exit(&second, 0);
	assert_output(&second, "tampered");
}

static void test_rootfs_tamper_escape_works_under_03(void **state)
{
	(void)state;
	run_box(&result, 10, "03-cgroups", ROOTFS, "/escapes/rootfs-tamper", "write", NULL);
	assert_exit(&result, 0);
	run_box(&result, 10, "03-cgroups", ROOTFS, "/escapes/rootfs-tamper", "check", NULL);
	unlink(in_rootfs("etc/rootfs-tamper.marker")); /* check removed it; be sure */
	assert_exit(&result, 0);
	assert_output(&result, "ESCAPED");
}

static void test_rootfs_tamper_escape_blocked_by_overlay(void **state)
{
	(void)state;
	run_box(&result, 10, "04-overlay", ROOTFS, "/escapes/rootfs-tamper", "write", NULL);
	assert_exit(&result, 0);
	assert_false(exists_on_host(in_rootfs("etc/rootfs-tamper.marker")));
	run_box(&result, 10, "04-overlay", ROOTFS, "/escapes/rootfs-tamper", "check", NULL);
	assert_exit(&result, 1);
	assert_output(&result, "BLOCKED");
}

/* `--trace 2>&1 | head -1` closes the runtime's stderr after one line:
 * the runtime must still finish and remove BOXES_RUN/<id>. */
static void test_closed_stderr_does_not_stop_clean_up(void **state)
{
	struct run_result r;
	char command[1024];
	char *argv[] = {"/bin/sh", "-c", command, NULL};

	(void)state;
	snprintf(command, sizeof(command),
		 "%s --trace %s /bin/sh -c 'yes | head -1 >/dev/null; echo done' 2>&1 | head -1; "
		 "sleep 0.3",
		 bin_path("04-overlay"), rootfs_path());
	run_argv(&r, 10, argv);
	assert_exit(&r, 0);
	assert_int_equal(run_dir_entries(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_written_inside_not_in_rootfs),
	    cmocka_unit_test(test_deleted_ls_is_back_in_next_run),
	    cmocka_unit_test(test_two_containers_on_one_rootfs_keep_their_writes),
	    cmocka_unit_test(test_state_dir_gone_after_exit),
	    cmocka_unit_test(test_state_dir_gone_after_failed_start),
	    cmocka_unit_test(test_state_dir_gone_after_sigterm),
	    cmocka_unit_test(test_boxes_run_on_overlayfs_is_refused_with_advice),
	    cmocka_unit_test(test_full_boxes_run_fails_rather_than_a_read_only_root),
	    cmocka_unit_test(test_boxes_run_without_xattrs_is_refused_with_advice),
	    cmocka_unit_test(test_write_under_03_changes_rootfs_for_everyone),
	    cmocka_unit_test(test_rootfs_tamper_escape_works_under_03),
	    cmocka_unit_test(test_rootfs_tamper_escape_blocked_by_overlay),
	    cmocka_unit_test(test_closed_stderr_does_not_stop_clean_up),
	};

	return cmocka_run_group_tests_name("test_04_overlay", tests, harness_setup,
					   harness_teardown);
}
