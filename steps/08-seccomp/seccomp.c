/* seccomp.c - step 08: a seccomp-bpf filter between the container and the
 * kernel's most dangerous doors.
 *
 * Every system call enters the kernel through one door, and seccomp(2)
 * lets a process put a small program (classic BPF) at that door. It sees
 * the call's number, its architecture and its six arguments - never the
 * memory they point to - and decides: allow, fail with an errno, or kill.
 * The filter is inherited by every child and by exec, and it can only be
 * made stricter, never removed.
 *
 * Namespaces (02-07) hide things; they do not make the kernel smaller. A
 * container's root can still call into every subsystem, and a bug in any
 * of them - keyrings, the new mount API, BPF - is a way out (CVE-2016-0728,
 * CVE-2022-0185, CVE-2021-3490...). So: allow by default, and answer EPERM
 * to the calls below, which no ordinary program in a container needs.
 * libseccomp (seccomp_init(3), seccomp_rule_add(3)) writes the BPF for us.
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "08-seccomp/seccomp.h"
#include "log.h"

#define STEP 8 /* the step --trace names for what this file does */

struct denied_syscall {
	const char *name;
	const char *reason;
};

/* Answered with EPERM, as if the container lacked the privilege. */
static const struct denied_syscall deny_list[] = {
    {"keyctl", "the kernel keyring is not namespaced: other users' keys, many CVEs"},
    {"add_key", "the kernel keyring is not namespaced"},
    {"request_key", "the kernel keyring is not namespaced; can call out to the host"},
    {"unshare", "new namespaces give a fresh full set of capabilities to attack with"},
    {"setns", "joining another namespace: the way back to the host's"},
    {"mount", "mounts: a new filesystem driver parses data we control"},
    {"umount", "the 32-bit umount, same as umount2"},
    {"umount2", "unmounting could reveal what a mount hides (masked /proc paths)"},
    {"pivot_root", "changing the root again"},
    {"open_tree", "new mount API: clones mounts outside the mount syscall"},
    {"move_mount", "new mount API: attaches a mount"},
    {"fsopen", "new mount API: CVE-2022-0185 was an fsconfig overflow reached this way"},
    {"fsconfig", "new mount API: feeds options to a filesystem driver"},
    {"fsmount", "new mount API: makes a mount from an fsopen context"},
    {"fspick", "new mount API: reconfigures an existing mount"},
    {"mount_setattr", "new mount API: could drop read-only or nosuid from a mount"},
    {"open_by_handle_at", "opens files by inode number, past the root: the \"shocker\" escape"},
    {"bpf", "loads programs into the kernel: verifier bugs are root bugs"},
    {"perf_event_open", "kernel profiling: leaks kernel addresses, many CVEs"},
    {"userfaultfd", "pauses the kernel mid-copy: turns race bugs into exploits"},
    {"kexec_load", "replaces the running kernel"},
    {"kexec_file_load", "replaces the running kernel"},
    {"init_module", "loads code into the kernel"},
    {"finit_module", "loads code into the kernel"},
    {"delete_module", "unloads kernel modules the host needs"},
    {"reboot", "reboots the host (or ends the PID namespace)"},
    {"swapon", "host memory management"},
    {"swapoff", "host memory management"},
    {"acct", "process accounting is host-wide"},
    {"iopl", "direct hardware I/O ports"},
    {"ioperm", "direct hardware I/O ports"},
    {"settimeofday", "the clock is not namespaced: it is the host's"},
    {"stime", "the 32-bit settimeofday"},
    {"clock_settime", "the clock is not namespaced: it is the host's"},
    {"clock_settime64", "the 32-bit clock_settime with a 64-bit time"},
    {"adjtimex", "adjusts the host's clock"},
    {"clock_adjtime", "adjusts the host's clock"},
    {"clock_adjtime64", "the 32-bit clock_adjtime with a 64-bit time"},
};

#define DENY_COUNT (int)(sizeof(deny_list) / sizeof(deny_list[0]))

/* clone(2) itself must stay: fork and threads use it. It is denied only
 * with a flag that makes a namespace, which seccomp can see because clone
 * takes its flags in a register. (CLONE_NEWTIME only exists for unshare
 * and clone3: in clone's flags that bit is the exit signal.) */
static const unsigned long namespace_flags[] = {
    CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,	 CLONE_NEWUSER,
    CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

#define NAMESPACE_FLAG_COUNT (int)(sizeof(namespace_flags) / sizeof(namespace_flags[0]))

/* A 64-bit x86 kernel also runs 32-bit (int 0x80) and x32 programs, each
 * with its own syscall numbers: keyctl is 250 on x86_64 but 288 on i386.
 * A filter that knows only x86_64 numbers would let `int 0x80` walk past
 * it. So the same rules are written for every ABI, and any other ABI is
 * killed (SCMP_FLTATR_ACT_BADARCH). */
#if defined(__x86_64__)
static const struct {
	uint32_t arch;
	const char *name;
} other_abis[] = {
    {SCMP_ARCH_X86, "x86 (int 0x80)"},
    {SCMP_ARCH_X32, "x32"},
};
#define OTHER_ABI_COUNT (int)(sizeof(other_abis) / sizeof(other_abis[0]))
#define HAVE_OTHER_ABIS 1
#endif

/* libseccomp returns -errno: turn it into the usual one-line error. */
static int libseccomp_failed(int result, const char *action, const char *what)
{
	errno = -result;
	return box_syserr(action, what);
}

static int set_attributes(scmp_filter_ctx filter)
{
	int result;

	/* A call from an ABI the filter does not know: kill the process. */
	result = seccomp_attr_set(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (result < 0)
		return libseccomp_failed(result, "seccomp_attr_set", "SCMP_FLTATR_ACT_BADARCH");
	/* libseccomp would set no_new_privs itself; privileges.c already did,
	 * in plain sight. (Without it, loading needs CAP_SYS_ADMIN.) */
	result = seccomp_attr_set(filter, SCMP_FLTATR_CTL_NNP, 0);
	if (result < 0)
		return libseccomp_failed(result, "seccomp_attr_set", "SCMP_FLTATR_CTL_NNP");
	/* If the kernel refuses the filter, tell us its errno, not ECANCELED. */
	result = seccomp_attr_set(filter, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (result < 0)
		return libseccomp_failed(result, "seccomp_attr_set", "SCMP_FLTATR_API_SYSRAWRC");
	return 0;
}

static int add_abis(scmp_filter_ctx filter)
{
#ifdef HAVE_OTHER_ABIS
	for (int i = 0; i < OTHER_ABI_COUNT; i++) {
		int result = seccomp_arch_add(filter, other_abis[i].arch);

		if (result < 0 && result != -EEXIST)
			return libseccomp_failed(result, "seccomp_arch_add", other_abis[i].name);
		trace(STEP, "seccomp_arch_add(%s): the same rules for this ABI",
		      other_abis[i].name);
	}
#else
	(void)filter;
#endif
	return 0;
}

static int add_deny_list(scmp_filter_ctx filter)
{
	char names[1024] = "";
	size_t used = 0;
	int i;

	for (i = 0; i < DENY_COUNT; i++) {
		int number = seccomp_syscall_resolve_name(deny_list[i].name);
		int result;

		if (number == __NR_SCMP_ERROR) { /* a libseccomp older than the call */
			trace(STEP, "seccomp: %s unknown to this libseccomp, not filtered",
			      deny_list[i].name);
			continue;
		}
		result = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), number, 0);
		if (result < 0)
			return libseccomp_failed(result, "seccomp_rule_add", deny_list[i].name);
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 used ? " " : "", deny_list[i].name);
	}
	trace(STEP, "seccomp_rule_add(EPERM): %s", names);
	return 0;
}

static int add_clone_rules(scmp_filter_ctx filter)
{
	int result, i;

	/* clone3(2) passes its flags in a struct in memory, which a seccomp
	 * filter cannot read. ENOSYS ("no such call") makes glibc and musl
	 * fall back to clone(2), whose flags we can check. */
	result = seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (result < 0)
		return libseccomp_failed(result, "seccomp_rule_add", "clone3");
	trace(STEP, "seccomp_rule_add(ENOSYS): clone3 (libc falls back to clone)");
	/* One rule per flag: "(flags & CLONE_NEWxx) == CLONE_NEWxx". */
	for (i = 0; i < NAMESPACE_FLAG_COUNT; i++) {
		result = seccomp_rule_add(
		    filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]));
		if (result < 0)
			return libseccomp_failed(result, "seccomp_rule_add", "clone");
	}
	trace(STEP, "seccomp_rule_add(EPERM): clone with any CLONE_NEW* flag");
	return 0;
}

/* The whole filter, built but not loaded; NULL (and said why) on error. */
static scmp_filter_ctx build_filter(void)
{
	scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW); /* allow what is not listed */

	if (!filter) {
		box_error("seccomp_init(SCMP_ACT_ALLOW): failed (is seccomp in this kernel?)");
		return NULL;
	}
	if (set_attributes(filter) < 0 || add_abis(filter) < 0 || add_deny_list(filter) < 0 ||
	    add_clone_rules(filter) < 0) {
		seccomp_release(filter);
		return NULL;
	}
	return filter;
}

int load_seccomp_filter(const struct box *box)
{
	scmp_filter_ctx filter;
	int result;

	if (box->seccomp == SECCOMP_UNCONFINED) {
		trace(STEP, "--seccomp unconfined: no filter, every syscall reaches the kernel");
		return 0;
	}
	/* LAB: load_seccomp_filter
	 * Build the filter (build_filter) and load it into the kernel
	 * (seccomp_load), release it; explain -EACCES (no_new_privs missing).
	 * Read seccomp(2), seccomp_load(3). Tests: keyctl, shocker,
	 * nested-userns BLOCKED; --seccomp unconfined lets them through.
	 */
	filter = build_filter();
	if (!filter)
		return -1;
	/* Last act before exec: from here on the filter applies to us too. */
	trace(STEP, "seccomp(SECCOMP_SET_MODE_FILTER): load the filter");
	result = seccomp_load(filter);
	seccomp_release(filter);
	if (result == -EACCES)
		box_error("seccomp: the kernel loads a filter only after no_new_privs or with "
			  "CAP_SYS_ADMIN (is set_no_new_privs() still in the recipe?)");
	if (result < 0)
		return libseccomp_failed(result, "seccomp_load", "the container's filter");
	return 0;
	/* LAB END */
}

int print_seccomp_filter(int fd)
{
	scmp_filter_ctx filter = build_filter();
	int result;

	if (!filter)
		return -1;
	result = seccomp_export_pfc(filter, fd);
	seccomp_release(filter);
	if (result < 0)
		return libseccomp_failed(result, "seccomp_export_pfc", "the container's filter");
	return 0;
}
