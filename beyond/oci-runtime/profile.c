/* profile.c - beyond step 10: the seccomp profile of config.json, built
 * with libseccomp as step 08 builds its own.
 *
 * Step 08 starts from "allow" and denies a list. An engine's profile
 * (podman's, docker's) is the other way round: defaultAction
 * SCMP_ACT_ERRNO with errno 38 (ENOSYS, "no such call", so a program falls
 * back to an older call) and about 370 calls allowed by name, some only
 * with given arguments (personality(2) with a few values). The shape is
 * the spec's config-linux.md "Seccomp": architectures, then rules of
 * names + action (+ errnoRet, + args compared with an operator).
 */
#include <errno.h>
#include <seccomp.h>
#include <string.h>

#include "log.h"

#include "oci-runtime/profile.h"
#include "oci-runtime/spec.h"

#define COUNT(array) (int)(sizeof(array) / sizeof(array[0]))

static const struct {
	const char *name;
	uint32_t arch;
} architectures[] = {
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64}, {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},	    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} operators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static int libseccomp_failed(int result, const char *action, const char *what)
{
	errno = -result;
	return box_syserr(action, what);
}

/* An action name (+ errnoRet) as libseccomp's action. 0 or -1. */
static int action_of(json_t *object, const char *field, const char *errno_key, uint32_t *action)
{
	const char *name = json_string_value(json_object_get(object, field));
	json_t *errno_value = json_object_get(object, errno_key);
	int error = errno_value ? (int)json_integer_value(errno_value) : EPERM;

	if (!name)
		name = "";
	if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
		*action = SCMP_ACT_ALLOW;
	else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
		*action = SCMP_ACT_ERRNO((uint16_t)error);
	else if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
		*action = SCMP_ACT_KILL_THREAD;
	else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
		*action = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
		*action = SCMP_ACT_TRAP;
	else if (strcmp(name, "SCMP_ACT_LOG") == 0)
		*action = SCMP_ACT_LOG;
	else {
		box_error("config.json: linux.seccomp: action \"%s\" is not supported by "
			  "boxes-runtime",
			  name);
		return -1;
	}
	return 0;
}

static int add_architectures(scmp_filter_ctx filter, json_t *list)
{
	json_t *item;
	size_t index;

	json_array_foreach(list, index, item)
	{
		const char *name = json_string_value(item);
		int i, result;

		for (i = 0; i < COUNT(architectures) && name; i++)
			if (strcmp(name, architectures[i].name) == 0)
				break;
		if (!name || i == COUNT(architectures)) {
			box_error(
			    "config.json: linux.seccomp.architectures: %s is not supported by "
			    "boxes-runtime",
			    name ? name : "(not a string)");
			return -1;
		}
		result = seccomp_arch_add(filter, architectures[i].arch);
		if (result < 0 && result != -EEXIST)
			return libseccomp_failed(result, "seccomp_arch_add", name);
	}
	return 0;
}

/* args: [{index, value, valueTwo, op}] into comparisons. How many, or -1. */
static int comparisons_of(json_t *args, struct scmp_arg_cmp *out, int max)
{
	json_t *arg;
	size_t index;
	int count = 0;

	json_array_foreach(args, index, arg)
	{
		const char *op = json_string_value(json_object_get(arg, "op"));
		int i;

		for (i = 0; i < COUNT(operators) && op; i++)
			if (strcmp(op, operators[i].name) == 0)
				break;
		if (!op || i == COUNT(operators) || count >= max) {
			box_error("config.json: linux.seccomp: args op %s is not supported",
				  op ? op : "(none)");
			return -1;
		}
		out[count].arg = (unsigned)json_integer_value(json_object_get(arg, "index"));
		out[count].op = operators[i].op;
		out[count].datum_a =
		    (scmp_datum_t)json_integer_value(json_object_get(arg, "value"));
		out[count].datum_b =
		    (scmp_datum_t)json_integer_value(json_object_get(arg, "valueTwo"));
		count++;
	}
	return count;
}

static int add_rule(scmp_filter_ctx filter, json_t *rule, uint32_t default_action)
{
	static const char *const known[] = {"names",   "action",   "errnoRet", "args",
					    "comment", "includes", "excludes", NULL};
	struct scmp_arg_cmp compare[6];
	uint32_t action;
	json_t *name;
	size_t index;
	int count;

	if (spec_check_keys(rule, "linux.seccomp.syscalls[]", known) < 0)
		return -1;
	if (json_object_size(json_object_get(rule, "includes")) > 0 ||
	    json_object_size(json_object_get(rule, "excludes")) > 0) {
		box_error("config.json: linux.seccomp.syscalls[]: includes and excludes are not "
			  "supported by boxes-runtime");
		return -1;
	}
	if (action_of(rule, "action", "errnoRet", &action) < 0)
		return -1;
	count = comparisons_of(json_object_get(rule, "args"), compare, COUNT(compare));
	if (count < 0)
		return -1;
	if (action == default_action)
		return 0; /* libseccomp refuses a rule that changes nothing */
	json_array_foreach(json_object_get(rule, "names"), index, name)
	{
		int number = seccomp_syscall_resolve_name(json_string_value(name) ?: "");
		int result;

		if (number == __NR_SCMP_ERROR)
			continue; /* a call this libseccomp does not know: as runc, skip it */
		result = seccomp_rule_add_array(filter, action, number, (unsigned)count, compare);
		if (result < 0)
			return libseccomp_failed(result, "seccomp_rule_add",
						 json_string_value(name));
	}
	return 0;
}

scmp_filter_ctx profile_build(json_t *profile)
{
	static const char *const known[] = {"defaultAction", "defaultErrnoRet", "architectures",
					    "syscalls", NULL};
	uint32_t default_action;
	scmp_filter_ctx filter;
	json_t *rule;
	size_t index;

	if (spec_check_keys(profile, "linux.seccomp", known) < 0)
		return NULL;
	if (action_of(profile, "defaultAction", "defaultErrnoRet", &default_action) < 0)
		return NULL;
	filter = seccomp_init(default_action);
	if (!filter) {
		box_error("seccomp_init: failed (is seccomp in this kernel?)");
		return NULL;
	}
	/* no_new_privs is the profile's business (process.noNewPrivileges),
	 * not libseccomp's; without it, loading needs CAP_SYS_ADMIN. */
	if (seccomp_attr_set(filter, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
	    add_architectures(filter, json_object_get(profile, "architectures")) < 0)
		goto failed;
	json_array_foreach(json_object_get(profile, "syscalls"), index, rule)
	{
		if (add_rule(filter, rule, default_action) < 0)
			goto failed;
	}
	return filter;
failed:
	seccomp_release(filter);
	return NULL;
}

int profile_load(scmp_filter_ctx filter)
{
	int result;

	if (!filter)
		return 0;
	trace(8, "seccomp(SECCOMP_SET_MODE_FILTER): the profile of config.json");
	result = seccomp_load(filter);
	if (result < 0)
		return libseccomp_failed(result, "seccomp_load", "linux.seccomp");
	return 0;
}
