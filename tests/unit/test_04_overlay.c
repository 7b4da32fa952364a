/* Unit tests, step 04: what overlay_prepare makes in the state dir (made
 * by state_create, step 01), what overlay_cleanup removes, and the paths
 * mount_overlay refuses before it mounts anything. No root needed:
 * nothing is mounted. */
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

#include "unit_boxes_run.h"

#include "04-overlay/overlay.h"
#include "box.h"
#include "state.h"

static void new_box(struct box *box, const char *id)
{
	memset(box, 0, sizeof(*box));
	strcpy(box->rootfs_abs, "/srv/rootfs");
	strcpy(box->id, id);
	assert_int_equal(state_create(box), 0); /* as every step's main does first */
}

static void end_box(struct box *box)
{
	overlay_cleanup(box);
	state_remove(box);
}

static bool is_dir(const char *dir, const char *name)
{
	char path[8300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_the_rootfs_is_the_one_lower_layer_by_default(void **state)
{
	struct box box;

	(void)state;
	new_box(&box, "0000000000a1");
	assert_int_equal(overlay_prepare(&box), 0);
	assert_int_equal(box.layer_count, 1);
	assert_string_equal(box.layers[0], "/srv/rootfs");
	end_box(&box);
}

static void test_layers_given_by_a_later_step_are_kept(void **state)
{
	struct box box;

	(void)state;
	new_box(&box, "0000000000a2");
	box.layers[0] = "/var/lib/boxes/layers/top"; /* as step 09 sets them */
	box.layers[1] = "/var/lib/boxes/layers/base";
	box.layer_count = 2;
	assert_int_equal(overlay_prepare(&box), 0);
	assert_int_equal(box.layer_count, 2);
	assert_string_equal(box.layers[0], "/var/lib/boxes/layers/top");
	end_box(&box);
}

static void test_prepare_makes_upper_work_merged_and_cleanup_removes_them(void **state)
{
	char state_dir[4096];
	struct box box;
	struct stat st;

	(void)state;
	new_box(&box, "0000000000a3");
	assert_int_equal(overlay_prepare(&box), 0);
	strcpy(state_dir, box.state_dir);
	assert_true(is_dir(state_dir, "upper"));
	assert_true(is_dir(state_dir, "work"));
	assert_true(is_dir(state_dir, "merged"));
	assert_non_null(strstr(box.merged_dir, "/0000000000a3/merged"));
	overlay_cleanup(&box);
	assert_false(is_dir(state_dir, "upper"));
	assert_false(is_dir(state_dir, "work"));
	assert_false(is_dir(state_dir, "merged"));
	assert_int_equal(stat(state_dir, &st), 0); /* the state dir goes last */
	state_remove(&box);
	assert_int_equal(stat(state_dir, &st), -1);
	assert_string_equal(box.state_dir, "");
}

static void test_cleanup_without_prepare_does_nothing(void **state)
{
	struct box box;

	(void)state;
	new_box(&box, "0000000000a4");
	overlay_cleanup(&box);
	overlay_cleanup(&box); /* twice is fine too */
	state_remove(&box);
	overlay_cleanup(&box); /* and without a state dir */
}

/* "lowerdir=A:B" means two layers, and a ',' ends the option: such paths
 * are refused in words before mount(2) could misread them. */
static void test_paths_that_would_split_mount_options_refused(void **state)
{
	struct box box;

	(void)state;
	memset(&box, 0, sizeof(box));
	box.layers[0] = "/srv/odd:rootfs";
	box.layer_count = 1;
	strcpy(box.state_dir, "/run/boxes/0000000000a5");
	assert_int_equal(mount_overlay(&box), -1);
	box.layers[0] = "/srv/rootfs";
	strcpy(box.state_dir, "/run/box,es/0000000000a5");
	assert_int_equal(mount_overlay(&box), -1);
}

/* One page of mount options holds about 40 absolute store paths: more
 * layers than that are refused in words, not cut off by the kernel. */
static void test_too_many_absolute_layers_refused_before_mounting(void **state)
{
	static char paths[100][96];
	struct box box;
	int i;

	(void)state;
	memset(&box, 0, sizeof(box));
	strcpy(box.state_dir, "/run/boxes/0000000000a6");
	for (i = 0; i < 100; i++) {
		snprintf(paths[i], sizeof(paths[i]), "/var/lib/boxes/layers/%064d", i);
		box.layers[i] = paths[i];
	}
	box.layer_count = 100;
	assert_int_equal(mount_overlay(&box), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_rootfs_is_the_one_lower_layer_by_default),
	    cmocka_unit_test(test_layers_given_by_a_later_step_are_kept),
	    cmocka_unit_test(test_prepare_makes_upper_work_merged_and_cleanup_removes_them),
	    cmocka_unit_test(test_cleanup_without_prepare_does_nothing),
	    cmocka_unit_test(test_paths_that_would_split_mount_options_refused),
	    cmocka_unit_test(test_too_many_absolute_layers_refused_before_mounting),
	};

	return cmocka_run_group_tests_name("test_04_overlay", tests, make_boxes_run,
					   remove_boxes_run);
}
