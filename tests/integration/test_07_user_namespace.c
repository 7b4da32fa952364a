/* Step 07 (user namespace): container root is uid 0 inside and uid 100000
 * on the host. The rootfs still looks owned by root (an idmapped lower
 * layer), files it writes land in the upper dir owned by 100000, and the
 * things host root could do from step 06 - mknod the host's disk, open
 * core_pattern for write from a fresh /proc, mount the host's cgroup tree
 * and leave its memory limit - fail. Everything of 01-06 still works. */
#include <glob.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "harness_06.h"

#include "kernel_features.h"

#include "04-overlay/overlay.h"

#define STEP "07-user-namespace"
#define BEFORE "06-net-namespace"

/* The maps as "inside:outside:count", one a line. */
#define SHOW_MAPS                                                                                  \
	"awk '{ print \"uid_map=\" $1 \":\" $2 \":\" $3 }' /proc/self/uid_map; "                   \
	"awk '{ print \"gid_map=\" $1 \":\" $2 \":\" $3 }' /proc/self/gid_map"

static void test_uid_map_shows_the_default_map(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", SHOW_MAPS, NULL);
	assert_exit(&r, 0);
	assert_output(&r, "uid_map=0:100000:65536\n");
	assert_output(&r, "gid_map=0:100000:65536\n");
}

static void test_uidmap_option_sets_both_maps_unless_gidmap_given(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--uidmap", "0:200000:1000", ROOTFS, "/bin/sh", "-c", SHOW_MAPS,
		NULL);
	assert_exit(&r, 0);
	assert_output(&r, "uid_map=0:200000:1000\n");
	assert_output(&r, "gid_map=0:200000:1000\n");
	run_box(&r, 10, STEP, "--uidmap", "0:200000:1000", "--gidmap", "0:300000:2000", ROOTFS,
		"/bin/sh", "-c", SHOW_MAPS, NULL);
	assert_exit(&r, 0);
	assert_output(&r, "uid_map=0:200000:1000\n");
	assert_output(&r, "gid_map=0:300000:2000\n");
}

static void test_id_says_root_inside_with_no_host_groups(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", "id; grep ^Groups: /proc/self/status", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "uid=0(root) gid=0(root)");
	assert_no_output(&r, "groups="); /* the host root's groups are dropped */
	assert_no_output(&r, "65534");
}

static void test_rootfs_looks_owned_by_root_not_nobody(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c",
		"stat -c 'owner=%u:%g %n' /bin/busybox /etc/passwd /root /", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "owner=0:0 /bin/busybox\n");
	assert_output(&r, "owner=0:0 /etc/passwd\n");
	assert_output(&r, "owner=0:0 /root\n");
	assert_output(&r, "owner=0:0 /\n");
	assert_no_output(&r, "owner=65534");
}

/* The container's upper dir on the host: BOXES_RUN/<id>/upper + rest. */
static int upper_path(const char *rest, char *out, size_t len)
{
	char pattern[512];
	glob_t found;
	int result = -1;

	snprintf(pattern, sizeof(pattern), "%s/*/upper/%s", run_dir(), rest);
	if (glob(pattern, 0, NULL, &found) == 0 && found.gl_pathc == 1) {
		snprintf(out, len, "%s", found.gl_pathv[0]);
		result = 0;
	}
	globfree(&found);
	return result;
}

static void test_file_created_inside_is_owned_by_100000_on_host(void **state)
{
	char out_file[64], err_file[64], output[4096], made[1024], changed[1024];
	struct stat made_stat, changed_stat;
	int ready, found_made, found_changed, mounts_while_running, status;
	int entries_before = run_dir_entries();
	pid_t pid;

	(void)state;
	snprintf(out_file, sizeof(out_file), "/tmp/boxes-07-%d.out", (int)getpid());
	snprintf(err_file, sizeof(err_file), "/tmp/boxes-07-%d.err", (int)getpid());
	pid = spawn_box(
	    out_file, err_file, STEP, ROOTFS, "/bin/sh", "-c",
	    "trap 'exit 0' TERM; touch /tmp/made-inside; echo changed >> /etc/os-release; "
	    "echo ready; while :; do sleep 0.1; done",
	    NULL);
	ready = wait_for_file_text(out_file, "ready", 5, output, sizeof(output)) == 0;
	found_made =
	    upper_path("tmp/made-inside", made, sizeof(made)) == 0 && stat(made, &made_stat) == 0;
	found_changed = upper_path("etc/os-release", changed, sizeof(changed)) == 0 &&
			stat(changed, &changed_stat) == 0;
	/* the idmapped rootfs and the overlay live in the container's mount
	 * namespace only: the host sees none of them */
	mounts_while_running = host_mounts_matching(run_dir());
	kill(pid, SIGTERM); /* forwarded to the container, whose trap exits 0 */
	status = wait_box(pid, 5); /* which SIGKILLs it after 5 s */
	unlink(out_file);
	unlink(err_file);
	assert_true(ready);
	assert_int_equal(status, 0);
	assert_true(found_made);
	assert_int_equal(made_stat.st_uid, 100000);
	assert_int_equal(made_stat.st_gid, 100000);
	assert_true(found_changed); /* copied up from the lower layer: root's, so 100000's */
	assert_int_equal(changed_stat.st_uid, 100000);
	assert_int_equal(mounts_while_running, 0);
	assert_int_equal(run_dir_entries(), entries_before); /* stopped by SIGTERM: all gone */
}

static void test_escape_mknod_disk_works_under_06(void **state)
{
	struct run_result r;

	(void)state;
	/* Where the machine refuses raw disk reads even to its own root (the
	 * VM this was written on), the escape says so; the mknod worked. */
	run_box(&r, 10, BEFORE, ROOTFS, "/escapes/mknod-disk", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED: made /");
}

static void test_escape_mknod_disk_blocked_by_user_namespace(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/escapes/mknod-disk", NULL);
	assert_exit(&r, 1);
	assert_output(&r, "BLOCKED: mknod(");
	assert_output(&r, "Operation not permitted");
}

static void test_escape_core_pattern_works_under_06(void **state)
{
	(void)state;
	check_escape(BEFORE, "core-pattern", 0, "ESCAPED: opened /tmp/proc-");
}

static void test_core_pattern_unwritable_even_without_read_only_mount(void **state)
{
	struct run_result r;

	(void)state;
	/* /tmp/proc-XXXXXX is a fresh proc the escape mounted itself: no
	 * read-only /proc/sys of step 05 on it. Permission, not EROFS. */
	run_box(&r, 10, STEP, ROOTFS, "/escapes/core-pattern", NULL);
	assert_exit(&r, 1);
	assert_output(&r, "BLOCKED: open(/tmp/proc-");
	assert_output(&r, "Permission denied");
}

static void test_escape_cgroup_works_under_06(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, BEFORE, "--memory", "64M", ROOTFS, "/escapes/cgroup-escape", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "ESCAPED: moved ourselves from memory cgroup ");
	assert_output(&r, "/boxes/");
}

static void test_escape_cgroup_blocked_by_user_namespace(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--memory", "64M", ROOTFS, "/escapes/cgroup-escape", NULL);
	assert_exit(&r, 1);
	assert_output(&r, "BLOCKED: mount -t cgroup");
	assert_output(&r, "Operation not permitted");
}

static void test_maps_are_written_before_the_container_runs(void **state)
{
	struct run_result r;
	const char *map, *release, *become_root;

	(void)state;
	run_box(&r, 10, STEP, "--trace", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 0);
	map = strstr(r.err, "/uid_map\", \"0 100000 65536\")");
	release = strstr(r.err, "release the container");
	become_root = strstr(r.err, "setresuid(0, 0, 0)");
	assert_non_null(map);
	assert_non_null(release);
	assert_non_null(become_root);
	assert_true(map < release && release < become_root);
}

/* 01-06 still work in the user namespace. */
static void test_still_alone_in_the_pid_namespace_with_own_hostname(void **state)
{
	struct run_result r;
	pid_t sentinel = start_sentinel();

	(void)state;
	run_box(&r, 10, STEP, "--hostname", "box07", ROOTFS, "/bin/sh", "-c",
		"echo pid=$$; hostname; ps -o pid,args", NULL);
	stop_sentinel(sentinel);
	assert_exit(&r, 0);
	assert_output(&r, "pid=1\n");
	assert_output(&r, "box07\n");
	assert_no_output(&r, "boxes-host-sentinel");
}

static void test_memory_hog_still_killed_by_limit(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 20, STEP, "--memory", "32M", ROOTFS, "/escapes/memory-hog", NULL);
	assert_exit(&r, 137);
}

static void test_fork_bomb_still_stopped_by_pids_limit(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 20, STEP, "--pids-limit", "32", ROOTFS, "/escapes/fork-bomb", NULL);
	assert_exit(&r, 1);
}

static void test_writes_still_stay_in_the_containers_layer(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", "echo planted > /etc/planted-by-07", NULL);
	assert_exit(&r, 0);
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c",
		"test -e /etc/planted-by-07 && echo still-there || echo gone", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "gone\n");
}

/* Removing or renaming a directory of the lower layer needs overlayfs's own
 * xattrs on the upper dir (opaque dirs, redirects). A user namespace may
 * not set trusted.* xattrs, so the overlay must be mounted with userxattr
 * there (overlayfs docs, "User xattr"); without it both fail with EIO. */
static void test_lower_dirs_can_be_removed_and_renamed(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c",
		"rm -rf /var && mkdir /var && echo removed-and-made; "
		"mv /usr /usr2 && echo renamed",
		NULL);
	assert_exit(&r, 0);
	assert_output(&r, "removed-and-made\n");
	assert_output(&r, "renamed\n");
}

static void test_network_still_reaches_the_host_end(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c",
		"gateway=$(ip route | awk '/^default/ { print $3 }'); "
		"ping -c 1 -W 2 $gateway",
		NULL);
	assert_exit(&r, 0);
	assert_output(&r, "1 packets received");
}

/* A host interface that is not lo and not one of our veths ("" if none). */
static void a_host_interface(char *name, size_t len)
{
	struct if_nameindex *links = if_nameindex();
	int i;

	name[0] = '\0';
	for (i = 0; links && links[i].if_index; i++)
		if (strcmp(links[i].if_name, "lo") != 0 &&
		    strncmp(links[i].if_name, "bx", 2) != 0) {
			snprintf(name, len, " %s:", links[i].if_name);
			break;
		}
	if_freenameindex(links);
}

static void test_net_host_and_none_still_work(void **state)
{
	struct run_result r;
	char host_link[64];

	(void)state;
	a_host_interface(host_link, sizeof(host_link));
	/* --net host: the host's network namespace is not owned by ours, so
	 * sysfs can't be mounted fresh there (step 05 falls back to a bind) */
	run_box(&r, 10, STEP, "--net", "host", ROOTFS, "/bin/sh", "-c", "id -u; ip -o link", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "0\n");
	assert_output(&r, host_link[0] ? host_link : ": lo:");
	run_box(&r, 10, STEP, "--net", "none", ROOTFS, "/bin/sh", "-c",
		"echo links=$(ip -o link | wc -l)", NULL);
	assert_exit(&r, 0);
	assert_output(&r, "links=1\n");
}

static void test_chroot_breakout_still_blocked(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/escapes/chroot-breakout", NULL);
	assert_exit(&r, 1);
}

/* Bad input and clean-up. */
static void test_uidmap_without_container_root_rejected(void **state)
{
	struct run_result r;
	int entries_before = run_dir_entries();

	(void)state;
	run_box(&r, 10, STEP, "--uidmap", "1:100000:65536", ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 125);
	assert_error(&r, "maps no container root");
	assert_int_equal(run_dir_entries(), entries_before);
}

/* The kernel's ids are 32-bit: a count beyond that, or a range that runs
 * past the last id, is refused before anything is made. */
static void test_id_maps_beyond_32_bits_rejected(void **state)
{
	static const char *const cases[][3] = {
	    {"--uidmap", "0:100000:4294967296",
	     "boxes: --uidmap '0:100000:4294967296': COUNT must be 1 to 4294967295\n"},
	    {"--uidmap", "0:100000:4294967295",
	     "boxes: --uidmap '0:100000:4294967295': HOST+COUNT must be at most 4294967295"},
	    {"--gidmap", "0:4294967290:65536", "boxes: --gidmap '0:4294967290:65536': HOST+COUNT"},
	    {"--uidmap", "0:99999999999999999999:1",
	     "boxes: --uidmap '0:99999999999999999999:1': expected CONTAINER:HOST:COUNT"},
	};
	struct run_result r;
	int entries_before = run_dir_entries();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_box(&r, 10, STEP, cases[i][0], cases[i][1], ROOTFS, "/bin/true", NULL);
		assert_exit(&r, 125);
		assert_error(&r, cases[i][2]);
		assert_int_equal(run_dir_entries(), entries_before);
	}
}

/* Allowed, for a learner who wants to see step 07 undone, but said. */
static void test_uidmap_to_host_root_runs_with_a_warning(void **state)
{
	struct run_result r;

	(void)state;
	run_box(&r, 10, STEP, "--uidmap", "0:0:65536", ROOTFS, "/bin/sh", "-c", SHOW_MAPS, NULL);
	assert_exit(&r, 0);
	assert_output(&r, "uid_map=0:0:65536");
	assert_output(&r, "gid_map=0:0:65536");
	assert_string_equal(r.err, "boxes: warning: --uidmap 0:0:65536 maps container uid 0 to "
				   "host uid 0: that container user is host root again, undoing "
				   "step 07\n");
	run_box(&r, 10, STEP, ROOTFS, "/bin/true", NULL);
	assert_exit(&r, 0);
	assert_no_output(&r, "warning"); /* the default map: no word */
	assert_string_equal(r.err, "");
}

/* In a user namespace overlayfs keeps whiteouts in user.overlay.* xattrs
 * of the upper dir. Where they are missing (ramfs; tmpfs before Linux 6.6)
 * rm of a rootfs directory would fail with EIO inside: refused up front. */
static void test_boxes_run_without_user_xattrs_is_refused_with_advice(void **state)
{
	char scratch[600];
	const char *saved = run_dir();
	struct run_result r;
	int probe_on_ramfs, entries_before = run_dir_entries();

	(void)state;
	assert_int_equal(mount_scratch("ramfs", "mode=755", scratch, sizeof(scratch)), 0);
	setenv("BOXES_RUN", scratch, 1);
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", "rm -r /var && echo removed", NULL);
	setenv("BOXES_RUN", saved, 1);
	probe_on_ramfs = check_upper_xattrs(scratch, true);
	unmount_scratch(scratch);
	assert_exit(&r, 125);
	assert_no_output(&r, "removed");
	assert_error(&r, "(ramfs), which has no user.* xattrs: in a user namespace overlayfs");
	assert_error(&r, "set BOXES_RUN to a directory on ext4, xfs or btrfs, e.g. "
			 "BOXES_RUN=/var/tmp/boxes");
	assert_int_equal(probe_on_ramfs, -1);
	assert_int_equal(run_dir_entries(), entries_before);
}

/* The same probe on a tmpfs: user.* xattrs there from Linux 6.6 on. */
static void test_user_xattr_probe_on_tmpfs_follows_the_kernel(void **state)
{
	char scratch[600];
	int probe;

	(void)state;
	assert_int_equal(mount_scratch("tmpfs", "size=64k,mode=755", scratch, sizeof(scratch)), 0);
	probe = check_upper_xattrs(scratch, true);
	unmount_scratch(scratch);
	assert_int_equal(probe, kernel_at_least(6, 6) ? 0 : -1);
}

static void test_boxes_run_behind_a_closed_dir_refused_with_advice(void **state)
{
	struct run_result r;
	char closed[512], inner[600];
	int removed;
	const char *saved = run_dir();

	(void)state;
	snprintf(closed, sizeof(closed), "%s/closed", run_dir());
	snprintf(inner, sizeof(inner), "%s/run", closed);
	assert_int_equal(mkdir(closed, 0700), 0);
	setenv("BOXES_RUN", inner, 1);
	run_box(&r, 10, STEP, ROOTFS, "/bin/true", NULL);
	setenv("BOXES_RUN", saved, 1);
	removed = rmdir(inner) == 0 && rmdir(closed) == 0; /* only if left empty */
	assert_true(removed);
	assert_exit(&r, 125);
	assert_error(&r, "closed (mode 0700) can't be searched by others");
	assert_error(&r, "chmod o+x");
}

static void test_state_dir_gone_after_exit(void **state)
{
	struct run_result r;
	int entries_before = run_dir_entries();

	(void)state;
	run_box(&r, 10, STEP, ROOTFS, "/bin/sh", "-c", "touch /tmp/x /root/y", NULL);
	assert_exit(&r, 0);
	assert_int_equal(run_dir_entries(), entries_before);
	assert_int_equal(host_mounts_matching(run_dir()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uid_map_shows_the_default_map),
	    cmocka_unit_test(test_uidmap_option_sets_both_maps_unless_gidmap_given),
	    cmocka_unit_test(test_id_says_root_inside_with_no_host_groups),
	    cmocka_unit_test(test_rootfs_looks_owned_by_root_not_nobody),
	    cmocka_unit_test(test_file_created_inside_is_owned_by_100000_on_host),
	    cmocka_unit_test(test_escape_mknod_disk_works_under_06),
	    cmocka_unit_test(test_escape_mknod_disk_blocked_by_user_namespace),
	    cmocka_unit_test(test_escape_core_pattern_works_under_06),
	    cmocka_unit_test(test_core_pattern_unwritable_even_without_read_only_mount),
	    cmocka_unit_test(test_escape_cgroup_works_under_06),
	    cmocka_unit_test(test_escape_cgroup_blocked_by_user_namespace),
	    cmocka_unit_test(test_maps_are_written_before_the_container_runs),
	    cmocka_unit_test(test_still_alone_in_the_pid_namespace_with_own_hostname),
	    cmocka_unit_test(test_memory_hog_still_killed_by_limit),
	    cmocka_unit_test(test_fork_bomb_still_stopped_by_pids_limit),
	    cmocka_unit_test(test_writes_still_stay_in_the_containers_layer),
	    cmocka_unit_test(test_lower_dirs_can_be_removed_and_renamed),
	    cmocka_unit_test(test_network_still_reaches_the_host_end),
	    cmocka_unit_test(test_net_host_and_none_still_work),
	    cmocka_unit_test(test_chroot_breakout_still_blocked),
	    cmocka_unit_test(test_uidmap_without_container_root_rejected),
	    cmocka_unit_test(test_id_maps_beyond_32_bits_rejected),
	    cmocka_unit_test(test_uidmap_to_host_root_runs_with_a_warning),
	    cmocka_unit_test(test_boxes_run_behind_a_closed_dir_refused_with_advice),
	    cmocka_unit_test(test_boxes_run_without_user_xattrs_is_refused_with_advice),
	    cmocka_unit_test(test_user_xattr_probe_on_tmpfs_follows_the_kernel),
	    cmocka_unit_test(test_state_dir_gone_after_exit),
	};

	return cmocka_run_group_tests_name("test_07_user_namespace", tests, harness_setup,
					   harness_teardown);
}
