/* privileges.c - step 08: no_new_privs, then a minimal capability set.
 *
 * Both happen in the container, after every mount and before the seccomp
 * filter, so that the setup above still has the power it needs and the
 * command that runs next never has it.
 *
 * no_new_privs (prctl(2), PR_SET_NO_NEW_PRIVS): from now on execve(2) can
 * never grant more than the caller had - a setuid-root binary runs with
 * the caller's uid, file capabilities are ignored. It also lets an
 * unprivileged process install a seccomp filter (seccomp(2)). It is
 * inherited by every child and cannot be unset.
 *
 * Capabilities (capabilities(7)) live in five sets per process:
 *   bounding     the most any later exec can ever hold again
 *   permitted    what the process may turn on
 *   effective    what the kernel checks right now
 *   inheritable  what an exec may pass on to a program with file caps
 *   ambient      what an exec passes on to any program
 * A capability dropped from the bounding set is gone for good, even for
 * root: that is the set that makes the drop stick across exec.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "08-seccomp/capabilities.h"
#include "08-seccomp/privileges.h"
#include "log.h"

#define STEP 8 /* the step --trace names for what this file does */

int check_capability_options(const struct box *box)
{
	uint64_t kept;

	return capability_mask_from_options(box, &kept);
}

int set_no_new_privs(void)
{
	/* LAB: set_no_new_privs
	 * Set no_new_privs, so that exec can never add privileges (setuid
	 * binaries, file capabilities). Read prctl(2) PR_SET_NO_NEW_PRIVS.
	 * Tests: setuid-gain BLOCKED; NoNewPrivs: 1 in /proc/self/status.
	 */
	trace(STEP, "prctl(PR_SET_NO_NEW_PRIVS, 1)");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return box_syserr("prctl", "PR_SET_NO_NEW_PRIVS");
	return 0;
	/* LAB END */
}

/* Bounding set first: dropping from it needs CAP_SETPCAP, which the
 * capset below may take away. */
int drop_from_bounding_set(uint64_t kept)
{
	char names[1024];
	int cap;

	describe_capabilities(~kept & all_capabilities(), names, sizeof(names));
	trace(STEP, "prctl(PR_CAPBSET_DROP, ...) for each of: %s", names);
	for (cap = 0; cap < cap_max_bits(); cap++) {
		if (kept & (1ULL << cap))
			continue;
		if (cap_drop_bound(cap) < 0) {
			char *name = cap_to_name(cap);

			box_syserr("prctl(PR_CAPBSET_DROP)", name ? name : "?");
			cap_free(name);
			return -1;
		}
	}
	return 0;
}

/* Effective and permitted become the kept set. Inheritable becomes empty:
 * a kept capability there would pass into any program that carries it as
 * a file capability, even when a non-root user runs it (docker had this
 * bug, CVE-2022-24769). Root needs no inheritable set: at exec, root's
 * permitted set is refilled from the bounding set. */
static int set_process_capabilities(uint64_t kept)
{
	cap_t caps = cap_init();
	char names[1024];
	int cap, result = 0;

	if (!caps)
		return box_syserr("cap_init", "capability state");
	for (cap = 0; cap < cap_max_bits(); cap++) {
		cap_value_t value = cap;

		if ((kept & (1ULL << cap)) &&
		    (cap_set_flag(caps, CAP_EFFECTIVE, 1, &value, CAP_SET) < 0 ||
		     cap_set_flag(caps, CAP_PERMITTED, 1, &value, CAP_SET) < 0)) {
			result = box_syserr("cap_set_flag", "capability state");
			break;
		}
	}
	describe_capabilities(kept, names, sizeof(names));
	trace(STEP, "capset(effective=permitted=%s, inheritable=none)", names);
	if (result == 0 && cap_set_proc(caps) < 0)
		result = box_syserr("capset", names);
	cap_free(caps);
	return result;
}

int drop_capabilities(const struct box *box)
{
	uint64_t kept;

	if (capability_mask_from_options(box, &kept) < 0)
		return -1;
	/* LAB: drop_capabilities
	 * Keep only the capabilities in kept: drop the rest from the bounding
	 * set (drop_from_bounding_set), clear the ambient set, then set
	 * permitted, effective and inheritable (set_process_capabilities).
	 * Read capabilities(7). Tests: CapEff inside is the default set;
	 * mount-tmpfs BLOCKED; --cap-add/--cap-drop change it.
	 */
	if (drop_from_bounding_set(kept) < 0)
		return -1;
	/* Ambient capabilities survive exec even into ordinary programs; a
	 * container starts with none. */
	trace(STEP, "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)");
	if (cap_reset_ambient() < 0)
		return box_syserr("prctl(PR_CAP_AMBIENT)", "PR_CAP_AMBIENT_CLEAR_ALL");
	return set_process_capabilities(kept);
	/* LAB END */
}
