/* Unit tests, step 08: capability names, the kept set, no_new_privs, and
 * the drop itself - done in a child that owns a fresh user namespace, so
 * no root is needed. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "08-seccomp/capabilities.h"
#include "08-seccomp/privileges.h"
#include "options.h"

#define BIT(cap) (1ULL << (cap))
#define CAP_NET_ADMIN_BIT BIT(12)
#define CAP_MKNOD_BIT BIT(27)
#define CAP_SYS_ADMIN_BIT BIT(21)
/* What `docker run` shows in /proc/self/status: CapEff 00000000a80425fb. */
#define DOCKER_DEFAULT 0xa80425fbULL
#define CHILD_SKIPPED 77

static void test_capability_names_as_docker_takes_them(void **state)
{
	static const char *const same[] = {"NET_ADMIN", "CAP_NET_ADMIN", "net_admin",
					   "cap_net_admin", "Cap_Net_Admin"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		assert_int_equal(capability_from_name(same[i]), 12);
	assert_int_equal(capability_from_name("SYS_ADMIN"), 21);
}

static void test_nonsense_capability_names_rejected(void **state)
{
	static const char *const bad[] = {
	    "NET_ADMINN", "", "CAP_", "12", "ALL", "NET ADMIN", "cap_net_admin\n", "CAP_CAP_CHOWN"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("name '%s'\n", bad[i]);
		assert_int_equal(capability_from_name(bad[i]), -1);
	}
}

static void test_default_set_is_dockers_14(void **state)
{
	(void)state;
	assert_true(default_capabilities() == DOCKER_DEFAULT);
	assert_int_equal(__builtin_popcountll(default_capabilities()), 14);
}

/* The kept set for --cap-add/--cap-drop lists. */
static uint64_t kept_for(const char *add1, const char *add2, const char *drop1, const char *drop2)
{
	struct box box;
	uint64_t kept = 0;

	box_init(&box, 8);
	if (add1)
		box.cap_add[box.cap_add_count++] = add1;
	if (add2)
		box.cap_add[box.cap_add_count++] = add2;
	if (drop1)
		box.cap_drop[box.cap_drop_count++] = drop1;
	if (drop2)
		box.cap_drop[box.cap_drop_count++] = drop2;
	assert_int_equal(capability_mask_from_options(&box, &kept), 0);
	return kept;
}

static void test_cap_add_and_cap_drop_change_the_default(void **state)
{
	(void)state;
	assert_true(kept_for(NULL, NULL, NULL, NULL) == DOCKER_DEFAULT);
	assert_true(kept_for("NET_ADMIN", NULL, NULL, NULL) ==
		    (DOCKER_DEFAULT | CAP_NET_ADMIN_BIT));
	assert_true(kept_for(NULL, NULL, "mknod", NULL) == (DOCKER_DEFAULT & ~CAP_MKNOD_BIT));
	/* as in docker, an added capability wins over the same one dropped */
	assert_true(kept_for("SYS_ADMIN", NULL, "SYS_ADMIN", NULL) ==
		    (DOCKER_DEFAULT | CAP_SYS_ADMIN_BIT));
}

static void test_cap_drop_all_keeps_only_the_added(void **state)
{
	(void)state;
	assert_true(kept_for(NULL, NULL, "ALL", NULL) == 0);
	assert_true(kept_for("net_admin", NULL, "all", NULL) == CAP_NET_ADMIN_BIT);
}

static void test_cap_add_all_keeps_all_but_the_dropped(void **state)
{
	(void)state;
	assert_true(kept_for("ALL", NULL, NULL, NULL) == all_capabilities());
	assert_true(kept_for("ALL", NULL, "SYS_ADMIN", "MKNOD") ==
		    (all_capabilities() & ~CAP_SYS_ADMIN_BIT & ~CAP_MKNOD_BIT));
}

static void test_bad_capability_option_rejected(void **state)
{
	struct box box;
	uint64_t kept;

	(void)state;
	box_init(&box, 8);
	box.cap_add[box.cap_add_count++] = "NET_ADMIN";
	box.cap_drop[box.cap_drop_count++] = "MKNODE";
	assert_int_equal(capability_mask_from_options(&box, &kept), -1);
	assert_int_equal(check_capability_options(&box), -1);
}

static void test_trace_names_of_a_set(void **state)
{
	char names[256];

	(void)state;
	describe_capabilities(BIT(0) | BIT(12), names, sizeof(names));
	assert_string_equal(names, "chown,net_admin");
	describe_capabilities(0, names, sizeof(names));
	assert_string_equal(names, "none");
}

/* Run fn in a child; its exit code, or CHILD_SKIPPED. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int no_new_privs_child(void)
{
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
		return 2; /* already set by whoever ran us: the test proves nothing */
	if (set_no_new_privs() < 0)
		return 3;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1;
}

static void test_no_new_privs_is_set(void **state)
{
	int result;

	(void)state;
	result = in_child(no_new_privs_child);
	if (result == 2)
		skip();
	assert_int_equal(result, 0);
}

/* The value of "Field:\t%llx" in /proc/self/status. */
static unsigned long long status_mask(const char *field)
{
	char line[256];
	unsigned long long value = ~0ULL;
	size_t len = strlen(field);
	FILE *status = fopen("/proc/self/status", "r");

	while (status && fgets(line, sizeof(line), status))
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			sscanf(line + len + 1, "%llx", &value);
	if (status)
		fclose(status);
	return value;
}

static int drop_child(void)
{
	struct box box;
	uint64_t expected = DOCKER_DEFAULT & ~CAP_MKNOD_BIT;

	/* A new user namespace gives this child every capability in it,
	 * without root: enough to drop from every set, as the container does. */
	if (unshare(CLONE_NEWUSER) < 0)
		return CHILD_SKIPPED;
	box_init(&box, 8);
	box.cap_drop[box.cap_drop_count++] = "MKNOD";
	if (drop_capabilities(&box) < 0)
		return 3;
	if (status_mask("CapEff") != expected || status_mask("CapPrm") != expected ||
	    status_mask("CapBnd") != expected || status_mask("CapInh") != 0 ||
	    status_mask("CapAmb") != 0) {
		fprintf(stderr, "CapEff %llx CapPrm %llx CapBnd %llx CapInh %llx CapAmb %llx\n",
			status_mask("CapEff"), status_mask("CapPrm"), status_mask("CapBnd"),
			status_mask("CapInh"), status_mask("CapAmb"));
		return 1;
	}
	return 0;
}

static void test_drop_leaves_the_kept_set_in_every_set(void **state)
{
	int result;

	(void)state;
	result = in_child(drop_child);
	if (result == CHILD_SKIPPED)
		skip(); /* user namespaces are disabled here */
	assert_int_equal(result, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capability_names_as_docker_takes_them),
	    cmocka_unit_test(test_nonsense_capability_names_rejected),
	    cmocka_unit_test(test_default_set_is_dockers_14),
	    cmocka_unit_test(test_cap_add_and_cap_drop_change_the_default),
	    cmocka_unit_test(test_cap_drop_all_keeps_only_the_added),
	    cmocka_unit_test(test_cap_add_all_keeps_all_but_the_dropped),
	    cmocka_unit_test(test_bad_capability_option_rejected),
	    cmocka_unit_test(test_trace_names_of_a_set),
	    cmocka_unit_test(test_no_new_privs_is_set),
	    cmocka_unit_test(test_drop_leaves_the_kept_set_in_every_set),
	};

	return cmocka_run_group_tests_name("test_08_privileges", tests, NULL, NULL);
}
