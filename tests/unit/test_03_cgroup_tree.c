/* Unit tests, step 03: which cgroup files get which values, on v1, hybrid
 * and v2 machines, checked against a FAKE cgroup tree in a temp directory.
 *
 * The real machine running the integration tests is one kind (this
 * project's VM is hybrid); these tests cover the others. cgroup_create_at()
 * takes the cgroup root as a path (steps/03-cgroups/cgroup_tree.h). In a
 * fake tree the files are plain files: a test makes what the kernel would
 * have made (cgroup.procs at the top of a v1 hierarchy, cgroup.controllers
 * on v2), and reads back what cgroup.c wrote. Needs no root.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_stderr.h"
#include "box.h"
#include "kernel_features.h"
#include "options.h"
#include "state.h"

#include "03-cgroups/cgroup.h"
#include "03-cgroups/cgroup_tree.h"

#define ID "0123456789ab"

struct fake {
	char root[256];
	struct box box;
};

static char *at(const struct fake *fake, const char *relative)
{
	static char paths[4][512];
	static int next;
	char *path = paths[next++ % 4];

	snprintf(path, 512, "%s/%s", fake->root, relative);
	return path;
}

static void make_fake_dir(const struct fake *fake, const char *relative)
{
	assert_int_equal(mkdir(at(fake, relative), 0755), 0);
}

static void make_fake_file(const struct fake *fake, const char *relative, const char *content)
{
	FILE *file = fopen(at(fake, relative), "w");

	assert_non_null(file);
	fputs(content, file);
	fclose(file);
}

/* What the file holds, or "(missing)". */
static const char *content_of(const struct fake *fake, const char *relative)
{
	static char content[256];
	FILE *file = fopen(at(fake, relative), "r");
	size_t got;

	if (!file)
		return "(missing)";
	got = fread(content, 1, sizeof(content) - 1, file);
	fclose(file);
	content[got] = '\0';
	return content;
}

static bool exists(const struct fake *fake, const char *relative)
{
	return access(at(fake, relative), F_OK) == 0;
}

static int setup(void **state)
{
	struct fake *fake = calloc(1, sizeof(*fake));

	if (!fake)
		return -1;
	snprintf(fake->root, sizeof(fake->root), "/tmp/boxes-fake-cgroup-XXXXXX");
	if (!mkdtemp(fake->root))
		return -1;
	box_init(&fake->box, 3);
	snprintf(fake->box.id, sizeof(fake->box.id), "%s", ID);
	*state = fake;
	return 0;
}

static int teardown(void **state)
{
	struct fake *fake = *state;

	free(fake->box.cgroup); /* only set when a test failed half way */
	remove_tree(fake->root);
	free(fake);
	return 0;
}

/* The limits the matrix uses: --memory 64M --pids-limit 64 --cpus 0.5 */
static void ask_for_limits(struct box *box)
{
	box->memory_bytes = 64LL << 20;
	box->pids_limit = 64;
	box->cpu_quota_us = 50000;
	box->cpu_period_us = 100000;
}

/* A v1 machine: a directory per controller, each a mounted hierarchy. */
static void make_v1_tree(const struct fake *fake, bool swap_accounting)
{
	static const char *const hierarchies[] = {"memory", "pids", "cpu"};
	char path[64];
	size_t i;

	for (i = 0; i < 3; i++) {
		make_fake_dir(fake, hierarchies[i]);
		snprintf(path, sizeof(path), "%s/cgroup.procs", hierarchies[i]);
		make_fake_file(fake, path, "1\n");
	}
	if (swap_accounting) { /* boxes/ exists already, with its memsw file */
		make_fake_dir(fake, "memory/boxes");
		make_fake_file(fake, "memory/boxes/memory.memsw.limit_in_bytes",
			       "9223372036854771712\n");
	}
}

/* A v2 machine: one tree; cgroup.controllers lists what it offers. */
static void make_v2_tree(const struct fake *fake, const char *controllers, bool swap_accounting)
{
	make_fake_file(fake, "cgroup.controllers", controllers);
	if (swap_accounting) {
		make_fake_dir(fake, "boxes");
		make_fake_file(fake, "boxes/memory.swap.max", "max\n");
	}
}

/* Remove the files cgroup.c wrote into the container's directory: the
 * kernel's rmdir ignores them, a plain filesystem's does not. */
static void empty_dir(const struct fake *fake, const char *relative)
{
	DIR *dir = opendir(at(fake, relative));
	struct dirent *entry;
	char path[600];

	if (!dir)
		return;
	while ((entry = readdir(dir)))
		if (entry->d_type == DT_REG) {
			snprintf(path, sizeof(path), "%s/%s", at(fake, relative), entry->d_name);
			unlink(path);
		}
	closedir(dir);
}

/* The kernel empties a real cgroup of its files when it is removed; in a
 * fake tree they are plain files, and rmdir needs the directories empty. */
static void destroy_fake_v1_cgroups(struct fake *fake)
{
	empty_dir(fake, "memory/boxes/" ID);
	empty_dir(fake, "pids/boxes/" ID);
	empty_dir(fake, "cpu/boxes/" ID);
	cgroup_destroy(&fake->box);
}

/* cgroup_report_oom with stderr caught; returns what it printed. */
static const char *stderr_of_report(struct box *box, int exit_code, int *result)
{
	static char printed[512];
	int caught = stderr_catch();

	assert_true(caught >= 0);
	*result = cgroup_report_oom(box, exit_code);
	stderr_release(caught, printed, sizeof(printed));
	return printed;
}

static void test_mode_detected_from_filesystem_types(void **state)
{
	(void)state;
	assert_int_equal(cgroup_mode_from(CGROUP2_SUPER_MAGIC, 0), CGROUP_V2);
	assert_int_equal(cgroup_mode_from(TMPFS_MAGIC, 0), CGROUP_V1);
	assert_int_equal(cgroup_mode_from(TMPFS_MAGIC, CGROUP2_SUPER_MAGIC), CGROUP_HYBRID);
	assert_int_equal(cgroup_mode_from(EXT4_SUPER_MAGIC, 0), CGROUP_NONE);
	assert_string_equal(cgroup_mode_name(CGROUP_HYBRID), "hybrid");
}

static void test_v1_limits_go_to_one_dir_per_hierarchy(void **state)
{
	struct fake *fake = *state;

	make_v1_tree(fake, true);
	ask_for_limits(&fake->box);
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V1), 0);
	assert_string_equal(content_of(fake, "memory/boxes/" ID "/memory.limit_in_bytes"),
			    "67108864");
	/* swap accounted: memory+swap equal to the limit, so no swap at all */
	assert_string_equal(content_of(fake, "memory/boxes/" ID "/memory.memsw.limit_in_bytes"),
			    "67108864");
	assert_string_equal(content_of(fake, "pids/boxes/" ID "/pids.max"), "64");
	assert_string_equal(content_of(fake, "cpu/boxes/" ID "/cpu.cfs_period_us"), "100000");
	assert_string_equal(content_of(fake, "cpu/boxes/" ID "/cpu.cfs_quota_us"), "50000");
	assert_false(exists(fake, "memory/boxes/" ID "/memory.max")); /* no v2 names */
	assert_false(exists(fake, "boxes"));
	destroy_fake_v1_cgroups(fake);
	assert_null(fake->box.cgroup);
	assert_false(exists(fake, "memory/boxes/" ID));
	assert_false(exists(fake, "pids/boxes/" ID));
	assert_false(exists(fake, "cpu/boxes/" ID));
}

static void test_v1_without_swap_accounting_writes_no_memsw(void **state)
{
	struct fake *fake = *state;

	make_v1_tree(fake, false);
	fake->box.memory_bytes = 64LL << 20;
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V1), 0);
	assert_string_equal(content_of(fake, "memory/boxes/" ID "/memory.limit_in_bytes"),
			    "67108864");
	assert_false(exists(fake, "memory/boxes/" ID "/memory.memsw.limit_in_bytes"));
	/* no --pids-limit, no --cpus: the directories, but no limit files */
	assert_true(exists(fake, "pids/boxes/" ID));
	assert_false(exists(fake, "pids/boxes/" ID "/pids.max"));
	assert_false(exists(fake, "cpu/boxes/" ID "/cpu.cfs_quota_us"));
	empty_dir(fake, "memory/boxes/" ID);
	cgroup_destroy(&fake->box);
	assert_false(exists(fake, "memory/boxes/" ID));
}

static void test_hybrid_uses_the_v1_hierarchies(void **state)
{
	struct fake *fake = *state;

	make_v1_tree(fake, true);
	make_fake_dir(fake, "unified"); /* systemd's, with no controllers */
	make_fake_file(fake, "unified/cgroup.controllers", "");
	ask_for_limits(&fake->box);
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_HYBRID), 0);
	assert_string_equal(content_of(fake, "pids/boxes/" ID "/pids.max"), "64");
	assert_false(exists(fake, "unified/boxes"));
	destroy_fake_v1_cgroups(fake);
}

static void test_v2_limits_go_to_one_dir(void **state)
{
	struct fake *fake = *state;

	make_v2_tree(fake, "cpuset cpu io memory hugetlb pids rdma misc\n", true);
	ask_for_limits(&fake->box);
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V2), 0);
	/* the controllers are handed down: root -> boxes -> boxes/<id> */
	assert_string_equal(content_of(fake, "cgroup.subtree_control"), "+memory +pids +cpu");
	assert_string_equal(content_of(fake, "boxes/cgroup.subtree_control"), "+memory +pids +cpu");
	assert_string_equal(content_of(fake, "boxes/" ID "/memory.max"), "67108864");
	assert_string_equal(content_of(fake, "boxes/" ID "/memory.swap.max"), "0");
	assert_string_equal(content_of(fake, "boxes/" ID "/pids.max"), "64");
	assert_string_equal(content_of(fake, "boxes/" ID "/cpu.max"), "50000 100000");
	assert_false(exists(fake, "boxes/" ID "/memory.limit_in_bytes")); /* no v1 names */
	assert_false(exists(fake, "memory"));
	empty_dir(fake, "boxes/" ID);
	cgroup_destroy(&fake->box);
	assert_false(exists(fake, "boxes/" ID));
}

static void test_v2_without_swap_accounting_writes_no_swap_max(void **state)
{
	struct fake *fake = *state;

	make_v2_tree(fake, "cpu memory pids\n", false);
	fake->box.memory_bytes = 512LL << 20;
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V2), 0);
	assert_string_equal(content_of(fake, "boxes/" ID "/memory.max"), "536870912");
	assert_false(exists(fake, "boxes/" ID "/memory.swap.max"));
	empty_dir(fake, "boxes/" ID);
	cgroup_destroy(&fake->box);
}

/* --cpu-shares on v2: runc's line from shares (2..262144) to weight
 * (1..10000); the ends meet, the default 1024 lands near v2's default 100. */
static void test_cpu_shares_convert_to_weight_as_runc_does(void **state)
{
	(void)state;
	assert_int_equal(cpu_shares_to_weight(2), 1);
	assert_int_equal(cpu_shares_to_weight(262144), 10000);
	assert_int_equal(cpu_shares_to_weight(1024), 39);
	assert_int_equal(cpu_shares_to_weight(512), 20);
	assert_int_equal(cpu_shares_to_weight(2048), 79);
}

static void test_v1_cpu_shares_go_to_cpu_shares(void **state)
{
	struct fake *fake = *state;

	make_v1_tree(fake, false);
	fake->box.cpu_shares = 512;
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V1), 0);
	assert_string_equal(content_of(fake, "cpu/boxes/" ID "/cpu.shares"), "512");
	assert_false(exists(fake, "cpu/boxes/" ID "/cpu.weight")); /* no v2 name */
	assert_false(exists(fake, "cpu/boxes/" ID "/cpu.cfs_quota_us")); /* no --cpus */
	destroy_fake_v1_cgroups(fake);
	assert_false(exists(fake, "cpu/boxes/" ID));
}

static void test_v2_cpu_shares_go_to_cpu_weight(void **state)
{
	struct fake *fake = *state;

	make_v2_tree(fake, "cpu memory pids\n", false);
	fake->box.cpu_shares = 512;
	fake->box.cpu_quota_us = 50000; /* and --cpus 0.5: both files */
	fake->box.cpu_period_us = 100000;
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V2), 0);
	assert_string_equal(content_of(fake, "boxes/" ID "/cpu.weight"), "20");
	assert_string_equal(content_of(fake, "boxes/" ID "/cpu.max"), "50000 100000");
	assert_false(exists(fake, "boxes/" ID "/cpu.shares")); /* no v1 name */
	empty_dir(fake, "boxes/" ID);
	cgroup_destroy(&fake->box);
	assert_false(exists(fake, "boxes/" ID));
}

/* "cpuset" is not "cpu": --cpus needs the cpu controller itself. */
static void test_v2_missing_controller_fails_and_leaves_nothing(void **state)
{
	struct fake *fake = *state;

	make_v2_tree(fake, "cpuset io memory pids\n", false);
	fake->box.cpu_quota_us = 50000;
	fake->box.cpu_period_us = 100000;
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V2), -1);
	assert_null(fake->box.cgroup);
	assert_false(exists(fake, "boxes/" ID));
}

/* A missing controller is fine when no limit needs it. */
static void test_v2_missing_controller_without_limit_is_fine(void **state)
{
	struct fake *fake = *state;

	make_v2_tree(fake, "memory pids\n", false);
	fake->box.memory_bytes = 64LL << 20;
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V2), 0);
	assert_string_equal(content_of(fake, "cgroup.subtree_control"), "+memory +pids");
	empty_dir(fake, "boxes/" ID);
	cgroup_destroy(&fake->box);
}

/* The pids hierarchy is broken (boxes is a file): the memory cgroup made
 * a moment before must not be left behind. */
static void test_v1_failure_half_way_removes_what_was_made(void **state)
{
	struct fake *fake = *state;

	make_v1_tree(fake, false);
	make_fake_file(fake, "pids/boxes", "not a directory\n");
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V1), -1);
	assert_null(fake->box.cgroup);
	assert_true(exists(fake, "memory/boxes"));
	assert_false(exists(fake, "memory/boxes/" ID));
}

static void test_v2_oom_kill_read_from_memory_events(void **state)
{
	struct fake *fake = *state;
	const char *printed;
	int result;

	make_v2_tree(fake, "memory pids cpu\n", true);
	fake->box.memory_bytes = 64LL << 20;
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V2), 0);
	make_fake_file(fake, "boxes/" ID "/memory.events",
		       "low 0\nhigh 0\nmax 12\noom 0\noom_kill 0\n");
	printed = stderr_of_report(&fake->box, 0, &result);
	assert_int_equal(result, 0);
	assert_string_equal(printed, "");
	make_fake_file(fake, "boxes/" ID "/memory.events",
		       "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
	printed = stderr_of_report(&fake->box, 137, &result);
	assert_int_equal(result, 137);
	assert_string_equal(printed, "boxes: container killed: out of memory (limit 64M)\n");
	empty_dir(fake, "boxes/" ID);
	cgroup_destroy(&fake->box);
}

static void test_v1_oom_kill_read_from_oom_control(void **state)
{
	struct fake *fake = *state;
	const char *printed;
	int result;

	make_v1_tree(fake, false);
	fake->box.memory_bytes = 64LL << 20;
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V1), 0);
	make_fake_file(fake, "memory/boxes/" ID "/memory.oom_control",
		       "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	printed = stderr_of_report(&fake->box, 137, &result);
	assert_int_equal(result, 137);
	assert_string_equal(printed, "boxes: container killed: out of memory (limit 64M)\n");
	/* The command survived a killed child: its own exit code stays. */
	printed = stderr_of_report(&fake->box, 3, &result);
	assert_int_equal(result, 3);
	assert_non_null(strstr(printed, "a process in the container was killed: out of memory"));
	destroy_fake_v1_cgroups(fake);
}

/* "--memory 64" is 64 bytes: refused before anything is made. */
static void test_memory_below_minimum_refused(void **state)
{
	struct fake *fake = *state;

	make_v2_tree(fake, "memory pids cpu\n", false);
	fake->box.memory_bytes = 64;
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V2), -1);
	assert_null(fake->box.cgroup);
	assert_false(exists(fake, "boxes"));
	fake->box.memory_bytes = 6LL << 20; /* the minimum itself is fine */
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V2), 0);
	empty_dir(fake, "boxes/" ID);
	cgroup_destroy(&fake->box);
}

/* Above the kernel's pid_max the pids.max write would fail with a bare
 * EINVAL: refused before anything is made, in words that name the limit.
 * pid_max itself is fine. */
static void test_pids_limit_up_to_the_kernels_pid_max(void **state)
{
	struct fake *fake = *state;
	long long pid_max = kernel_pid_max();
	char printed[512], expected[256];
	int caught, result;

	assert_true(pid_max > 0);
	make_v2_tree(fake, "memory pids cpu\n", false);
	fake->box.pids_limit = pid_max + 1;
	caught = stderr_catch();
	assert_true(caught >= 0);
	result = cgroup_create_at(&fake->box, fake->root, CGROUP_V2);
	stderr_release(caught, printed, sizeof(printed));
	assert_int_equal(result, -1);
	snprintf(expected, sizeof(expected),
		 "boxes: --pids-limit %lld: above this kernel's limit of %lld processes "
		 "(/proc/sys/kernel/pid_max); use 1 to %lld\n",
		 pid_max + 1, pid_max, pid_max);
	assert_string_equal(printed, expected);
	assert_null(fake->box.cgroup);
	assert_false(exists(fake, "boxes"));
	fake->box.pids_limit = pid_max;
	assert_int_equal(cgroup_create_at(&fake->box, fake->root, CGROUP_V2), 0);
	assert_int_equal(atoll(content_of(fake, "boxes/" ID "/pids.max")), pid_max);
	empty_dir(fake, "boxes/" ID);
	cgroup_destroy(&fake->box);
}

static void test_destroy_without_create_is_a_no_op(void **state)
{
	struct fake *fake = *state;
	int result;

	cgroup_destroy(&fake->box);
	assert_int_equal(cgroup_add(&fake->box), 0);
	assert_string_equal(stderr_of_report(&fake->box, 137, &result), "");
	assert_int_equal(result, 137);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mode_detected_from_filesystem_types),
	    cmocka_unit_test_setup_teardown(test_v1_limits_go_to_one_dir_per_hierarchy, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_v1_without_swap_accounting_writes_no_memsw, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_hybrid_uses_the_v1_hierarchies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_limits_go_to_one_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_without_swap_accounting_writes_no_swap_max,
					    setup, teardown),
	    cmocka_unit_test(test_cpu_shares_convert_to_weight_as_runc_does),
	    cmocka_unit_test_setup_teardown(test_v1_cpu_shares_go_to_cpu_shares, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_cpu_shares_go_to_cpu_weight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_missing_controller_fails_and_leaves_nothing,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_missing_controller_without_limit_is_fine, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_v1_failure_half_way_removes_what_was_made, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_v2_oom_kill_read_from_memory_events, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_v1_oom_kill_read_from_oom_control, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_memory_below_minimum_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pids_limit_up_to_the_kernels_pid_max, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_destroy_without_create_is_a_no_op, setup,
					    teardown),
	};

	return cmocka_run_group_tests_name("test_03_cgroup_tree", tests, NULL, NULL);
}
