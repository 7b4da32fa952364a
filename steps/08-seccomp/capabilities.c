/* capabilities.c - step 08: the capabilities a container keeps.
 *
 * Root's power is split into about 40 capabilities (capabilities(7)):
 * CAP_SYS_ADMIN mounts filesystems, CAP_SYS_MODULE loads kernel code,
 * CAP_NET_ADMIN reconfigures the network... Since step 07 the container's
 * root holds all of them - inside its user namespace, but every one of
 * them is a door into kernel code that was written for the host's root.
 * A container keeps only what ordinary programs (package managers, web
 * servers, su) need: the same 14 that docker keeps. Podman keeps 11 (no
 * NET_RAW, MKNOD, AUDIT_WRITE); we follow docker so that a learner can
 * compare /proc/self/status with `docker run` line by line.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "08-seccomp/capabilities.h"
#include "log.h"

struct kept_capability {
	cap_value_t cap;
	const char *reason;
};

/* One line each: what breaks without it. */
static const struct kept_capability default_set[] = {
    {CAP_CHOWN, "chown files: package managers, tar -p, install"},
    {CAP_DAC_OVERRIDE, "root reads and writes files whatever their mode"},
    {CAP_FSETID, "keep setuid/setgid bits when root edits a file"},
    {CAP_FOWNER, "chmod, utime and the like on files root does not own"},
    {CAP_MKNOD, "mknod of device nodes (untar a /dev); a user namespace refuses it anyway"},
    {CAP_NET_RAW, "raw sockets: ping"},
    {CAP_SETGID, "switch group: su, servers dropping privileges"},
    {CAP_SETUID, "switch user: su, servers dropping privileges"},
    {CAP_SETFCAP, "set file capabilities when installing packages"},
    {CAP_SETPCAP, "drop capabilities from the bounding set: setpriv, capsh"},
    {CAP_NET_BIND_SERVICE, "listen on ports below 1024: web servers on :80"},
    {CAP_SYS_CHROOT, "chroot(2): build tools and some servers use it"},
    {CAP_KILL, "signal processes of other users in the container"},
    {CAP_AUDIT_WRITE, "write to the audit log: login, sshd, su"},
};

#define DEFAULT_COUNT (int)(sizeof(default_set) / sizeof(default_set[0]))

/* Every capability this kernel knows: CAP_LAST_CAP may be newer than the
 * headers we were built with, so ask at run time. */
uint64_t all_capabilities(void)
{
	int count = cap_max_bits();

	return count >= 64 ? ~0ULL : (1ULL << count) - 1;
}

uint64_t default_capabilities(void)
{
	uint64_t set = 0;
	int i;

	for (i = 0; i < DEFAULT_COUNT; i++)
		set |= 1ULL << default_set[i].cap;
	return set & all_capabilities();
}

int capability_from_name(const char *name)
{
	char lower[64] = "cap_";
	const char *bare = name;
	cap_value_t cap;
	size_t i, len;

	if (strncasecmp(bare, "CAP_", 4) == 0)
		bare += 4;
	len = strlen(bare);
	if (len == 0 || len + 5 > sizeof(lower))
		return -1;
	for (i = 0; i < len; i++) {
		/* only letters and '_': cap_from_name would also take "12" */
		if (!isalpha((unsigned char)bare[i]) && bare[i] != '_')
			return -1;
		lower[4 + i] = (char)tolower((unsigned char)bare[i]);
	}
	lower[4 + len] = '\0';
	if (cap_from_name(lower, &cap) < 0 || cap >= cap_max_bits())
		return -1;
	return cap;
}

static bool is_all(const char *name)
{
	return strcasecmp(name, "ALL") == 0 || strcasecmp(name, "CAP_ALL") == 0;
}

/* The mask of a --cap-add or --cap-drop list; *all set if ALL is in it. */
static int mask_of(const char *const *names, int count, const char *option, uint64_t *mask,
		   bool *all)
{
	int i;

	*mask = 0;
	*all = false;
	for (i = 0; i < count; i++) {
		int cap;

		if (is_all(names[i])) {
			*all = true;
			continue;
		}
		cap = capability_from_name(names[i]);
		if (cap < 0) {
			box_error("%s %s: no such capability (see capabilities(7); e.g. NET_ADMIN "
				  "or CAP_NET_ADMIN, or ALL)",
				  option, names[i]);
			return -1;
		}
		*mask |= 1ULL << cap;
	}
	return 0;
}

int capability_mask_from_options(const struct box *box, uint64_t *kept)
{
	uint64_t added, dropped;
	bool add_all, drop_all;

	if (mask_of(box->cap_add, box->cap_add_count, "--cap-add", &added, &add_all) < 0 ||
	    mask_of(box->cap_drop, box->cap_drop_count, "--cap-drop", &dropped, &drop_all) < 0)
		return -1;
	if (add_all)
		*kept = all_capabilities() & ~dropped; /* everything but the dropped */
	else if (drop_all)
		*kept = added; /* nothing but the added */
	else
		*kept = (default_capabilities() & ~dropped) | added; /* an add wins */
	return 0;
}

void describe_capabilities(uint64_t set, char *out, size_t len)
{
	size_t used = 0;
	int cap;

	snprintf(out, len, "none");
	for (cap = 0; cap < 64 && used < len; cap++) {
		char *name;

		if (!(set & (1ULL << cap)))
			continue;
		name = cap_to_name(cap);
		used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "",
					 name ? name + 4 : "?"); /* without "cap_" */
		cap_free(name);
	}
}
