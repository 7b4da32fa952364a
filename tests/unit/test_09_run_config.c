/* Unit tests, step 09: docker's rules for an image's Entrypoint, Cmd, Env,
 * WorkingDir and User, and the lookup of -u in the image's own passwd and
 * group files. No root, no image: the config is given as C arrays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "09-image/run_config.h"
#include "09-image/user.h"
#include "box.h"
#include "options.h"

static char *nginx_entrypoint[] = {"/docker-entrypoint.sh", NULL};
static char *nginx_cmd[] = {"nginx", "-g", "daemon off;", NULL};
static char *nginx_env[] = {"PATH=/usr/local/sbin:/usr/bin", "NGINX_VERSION=1.25", NULL};

static const struct image_run_config nginx = {
    .env = nginx_env,
    .entrypoint = nginx_entrypoint,
    .cmd = nginx_cmd,
    .working_dir = "/srv",
    .user = "nginx",
};

static void new_box(struct box *box)
{
	box_init(box, 9);
}

static void test_entrypoint_then_cmd_when_no_command_given(void **state)
{
	char *no_command[] = {NULL}, *argv[16];
	struct box box;

	(void)state;
	new_box(&box);
	assert_int_equal(apply_image_config(&box, &nginx, no_command, argv, 16), 0);
	assert_string_equal(box.argv[0], "/docker-entrypoint.sh");
	assert_string_equal(box.argv[1], "nginx");
	assert_string_equal(box.argv[3], "daemon off;");
	assert_null(box.argv[4]);
}

static void test_a_command_replaces_cmd_but_keeps_the_entrypoint(void **state)
{
	char *command[] = {"nginx", "-t", NULL}, *argv[16];
	struct box box;

	(void)state;
	new_box(&box);
	assert_int_equal(apply_image_config(&box, &nginx, command, argv, 16), 0);
	assert_string_equal(box.argv[0], "/docker-entrypoint.sh");
	assert_string_equal(box.argv[1], "nginx");
	assert_string_equal(box.argv[2], "-t");
	assert_null(box.argv[3]);
}

static void test_entrypoint_option_drops_the_images_cmd(void **state)
{
	char *no_command[] = {NULL}, *argv[16];
	struct box box;

	(void)state;
	new_box(&box);
	box.entrypoint = "/bin/sh";
	assert_int_equal(apply_image_config(&box, &nginx, no_command, argv, 16), 0);
	assert_string_equal(box.argv[0], "/bin/sh");
	assert_null(box.argv[1]);
}

static void test_empty_entrypoint_option_means_none(void **state)
{
	char *command[] = {"ls", "/", NULL}, *argv[16];
	struct box box;

	(void)state;
	new_box(&box);
	box.entrypoint = "";
	assert_int_equal(apply_image_config(&box, &nginx, command, argv, 16), 0);
	assert_string_equal(box.argv[0], "ls");
	assert_null(box.argv[2]);
}

static void test_no_entrypoint_no_cmd_no_command_is_an_error(void **state)
{
	const struct image_run_config bare = {0};
	char *no_command[] = {NULL}, *argv[16];
	struct box box;

	(void)state;
	new_box(&box);
	assert_int_equal(apply_image_config(&box, &bare, no_command, argv, 16), -1);
}

static void test_image_env_comes_before_dash_e_so_dash_e_wins(void **state)
{
	char *no_command[] = {NULL}, *argv[16];
	struct box box;

	(void)state;
	new_box(&box);
	box.env_extra[box.env_count++] = "NGINX_VERSION=mine";
	assert_int_equal(apply_image_config(&box, &nginx, no_command, argv, 16), 0);
	assert_int_equal(box.env_count, 3);
	assert_string_equal(box.env_extra[0], "PATH=/usr/local/sbin:/usr/bin");
	assert_string_equal(box.env_extra[1], "NGINX_VERSION=1.25");
	assert_string_equal(box.env_extra[2], "NGINX_VERSION=mine"); /* later wins */
}

static void test_workdir_and_user_from_the_image_unless_given(void **state)
{
	char *no_command[] = {NULL}, *argv[16];
	struct box box;

	(void)state;
	new_box(&box);
	assert_int_equal(apply_image_config(&box, &nginx, no_command, argv, 16), 0);
	assert_string_equal(box.workdir, "/srv");
	assert_string_equal(box.user, "nginx");
	new_box(&box);
	box.workdir = "/tmp";
	box.workdir_given = true;
	box.user = "0";
	assert_int_equal(apply_image_config(&box, &nginx, no_command, argv, 16), 0);
	assert_string_equal(box.workdir, "/tmp");
	assert_string_equal(box.user, "0");
}

static void test_dash_w_slash_wins_over_the_image_s_working_dir(void **state)
{
	char *no_command[] = {NULL}, *argv[16], *options[] = {"run", "-w", "/", "nginx", NULL};
	struct box box;
	int next;

	(void)state;
	assert_int_equal(parse_run_options(&box, 9, 4, options, &next), OPTIONS_PARSED);
	assert_int_equal(next, 3);
	assert_int_equal(apply_image_config(&box, &nginx, no_command, argv, 16), 0);
	assert_string_equal(box.workdir, "/");
}

static void test_too_long_a_command_is_refused(void **state)
{
	char *command[] = {"a", "b", "c", "d", NULL}, *argv[4];
	struct box box;

	(void)state;
	new_box(&box);
	assert_int_equal(apply_image_config(&box, &nginx, command, argv, 4), -1);
}

/* The image's own /etc/passwd and /etc/group, as files. */
static FILE *text_file(const char *text)
{
	return fmemopen((void *)text, strlen(text), "r");
}

static const char passwd_text[] = "root:x:0:0:root:/root:/bin/sh\n"
				  "nginx:x:101:102:nginx:/var/cache/nginx:/sbin/nologin\n";
static const char group_text[] = "root:x:0:\n"
				 "nginx:x:102:\n"
				 "www:x:33:nginx,other\n";

static void test_user_name_found_in_the_images_passwd(void **state)
{
	FILE *passwd = text_file(passwd_text), *group = text_file(group_text);
	struct resolved_user user;

	(void)state;
	assert_int_equal(resolve_user("nginx", passwd, group, &user), 0);
	assert_int_equal(user.uid, 101);
	assert_int_equal(user.gid, 102);
	assert_string_equal(user.home, "/var/cache/nginx");
	assert_int_equal(user.group_count, 1); /* www lists nginx */
	assert_int_equal(user.groups[0], 33);
	fclose(passwd);
	fclose(group);
}

static void test_numeric_uid_not_in_passwd_runs_with_gid_0(void **state)
{
	FILE *passwd = text_file(passwd_text), *group = text_file(group_text);
	struct resolved_user user;

	(void)state;
	assert_int_equal(resolve_user("4242", passwd, group, &user), 0);
	assert_int_equal(user.uid, 4242);
	assert_int_equal(user.gid, 0);
	assert_int_equal(resolve_user("4242:www", passwd, group, &user), 0);
	assert_int_equal(user.gid, 33);
	assert_int_equal(resolve_user("nginx:7", passwd, group, &user), 0);
	assert_int_equal(user.uid, 101);
	assert_int_equal(user.gid, 7);
	fclose(passwd);
	fclose(group);
}

static void test_unknown_user_or_group_is_refused(void **state)
{
	FILE *passwd = text_file(passwd_text), *group = text_file(group_text);
	struct resolved_user user;

	(void)state;
	assert_int_equal(resolve_user("postgres", passwd, group, &user), -1);
	assert_int_equal(resolve_user("nginx:wheel", passwd, group, &user), -1);
	assert_int_equal(resolve_user("1e3", passwd, group, &user), -1); /* not a number */
	assert_int_equal(resolve_user("nobody", NULL, NULL, &user), -1); /* no passwd at all */
	fclose(passwd);
	fclose(group);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entrypoint_then_cmd_when_no_command_given),
	    cmocka_unit_test(test_a_command_replaces_cmd_but_keeps_the_entrypoint),
	    cmocka_unit_test(test_entrypoint_option_drops_the_images_cmd),
	    cmocka_unit_test(test_empty_entrypoint_option_means_none),
	    cmocka_unit_test(test_no_entrypoint_no_cmd_no_command_is_an_error),
	    cmocka_unit_test(test_image_env_comes_before_dash_e_so_dash_e_wins),
	    cmocka_unit_test(test_workdir_and_user_from_the_image_unless_given),
	    cmocka_unit_test(test_dash_w_slash_wins_over_the_image_s_working_dir),
	    cmocka_unit_test(test_too_long_a_command_is_refused),
	    cmocka_unit_test(test_user_name_found_in_the_images_passwd),
	    cmocka_unit_test(test_numeric_uid_not_in_passwd_runs_with_gid_0),
	    cmocka_unit_test(test_unknown_user_or_group_is_refused),
	};

	return cmocka_run_group_tests_name("test_09_run_config", tests, NULL, NULL);
}
