/* user.c - step 09: run as the user the image asks for.
 *
 * An image's config may say "User": "nginx" or "1000:1000", and
 * `docker run -u` may say another. A name means something only inside the
 * image: it is looked up in the image's own /etc/passwd and /etc/group,
 * never the host's. We read them after pivot_root, so a symlinked
 * /etc/passwd resolves inside the container and cannot point the runtime
 * at a host file. fgetpwent(3) and fgetgrent(3) parse a given file and
 * nothing else: getpwnam(3) would ask the host's NSS modules instead.
 *
 * Changing uid from 0 to another uid also empties the permitted and
 * effective capability sets (capabilities(7), "Effect of user ID changes
 * on capabilities"): a non-root user in the container has none, as in
 * docker, whatever step 08 kept for root.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "09-image/user.h"
#include "log.h"

#define STEP 9

/* A whole decimal number, nothing else: "1000" yes, "1e3", "-1" no. */
static int parse_id(const char *text, unsigned long *id)
{
	char *end;

	if (!*text || strspn(text, "0123456789") != strlen(text))
		return -1;
	errno = 0;
	*id = strtoul(text, &end, 10);
	return errno || *id > 0xfffffffeUL ? -1 : 0;
}

static const struct passwd *find_passwd(FILE *passwd, const char *name, unsigned long uid,
					bool by_name)
{
	const struct passwd *entry;

	if (!passwd)
		return NULL;
	rewind(passwd);
	while ((entry = fgetpwent(passwd)))
		if (by_name ? strcmp(entry->pw_name, name) == 0 : entry->pw_uid == uid)
			return entry;
	return NULL;
}

static int find_group(FILE *group, const char *name, gid_t *gid)
{
	const struct group *entry;
	unsigned long number;

	if (parse_id(name, &number) == 0) {
		*gid = (gid_t)number;
		return 0;
	}
	if (!group)
		return -1;
	rewind(group);
	while ((entry = fgetgrent(group)))
		if (strcmp(entry->gr_name, name) == 0) {
			*gid = entry->gr_gid;
			return 0;
		}
	return -1;
}

/* Every group of /etc/group that lists the user by name. */
static void add_supplementary_groups(FILE *group, const char *name, struct resolved_user *out)
{
	const struct group *entry;
	int i;

	if (!group || !name)
		return;
	rewind(group);
	while ((entry = fgetgrent(group)) && out->group_count < 64)
		for (i = 0; entry->gr_mem && entry->gr_mem[i]; i++)
			if (strcmp(entry->gr_mem[i], name) == 0 && entry->gr_gid != out->gid) {
				out->groups[out->group_count++] = entry->gr_gid;
				break;
			}
}

int resolve_user(const char *spec, FILE *passwd, FILE *group, struct resolved_user *out)
{
	char user_part[256];
	const char *colon = strchr(spec, ':');
	const struct passwd *entry;
	unsigned long number = 0;
	bool numeric;

	memset(out, 0, sizeof(*out));
	snprintf(user_part, sizeof(user_part), "%.*s",
		 colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	numeric = parse_id(user_part, &number) == 0;
	entry = find_passwd(passwd, user_part, number, !numeric);
	if (!entry && !numeric) {
		box_error("user '%s': no such user in the image's /etc/passwd (a number works "
			  "without one)",
			  user_part);
		return -1;
	}
	/* docker: a uid the image does not list runs with gid 0 */
	out->uid = entry ? entry->pw_uid : (uid_t)number;
	out->gid = entry ? entry->pw_gid : 0;
	snprintf(out->home, sizeof(out->home), "%s", entry && entry->pw_dir ? entry->pw_dir : "/");
	if (colon && find_group(group, colon + 1, &out->gid) < 0) {
		box_error("group '%s': no such group in the image's /etc/group", colon + 1);
		return -1;
	}
	if (!colon && entry)
		add_supplementary_groups(group, entry->pw_name, out);
	return 0;
}

/* HOME is the user's home from /etc/passwd, as docker sets it, unless the
 * image's Env or -e already say. */
static void set_home(struct box *box, const char *home)
{
	static char entry[sizeof(((struct resolved_user *)0)->home) + 8];
	int i;

	for (i = 0; i < box->env_count; i++)
		if (strncmp(box->env_extra[i], "HOME=", 5) == 0)
			return;
	if (box->env_count >= BOX_MAX_ENV)
		return;
	snprintf(entry, sizeof(entry), "HOME=%s", home);
	box->env_extra[box->env_count++] = entry;
}

int become_image_user(struct box *box)
{
	struct resolved_user user;
	FILE *passwd, *group;
	int result;

	if (!box->user)
		return 0;
	passwd = fopen("/etc/passwd", "re");
	group = fopen("/etc/group", "re");
	result = resolve_user(box->user, passwd, group, &user);
	if (passwd)
		fclose(passwd);
	if (group)
		fclose(group);
	if (result < 0)
		return -1;
	trace(STEP, "setgroups(%d groups), setresgid(%u), setresuid(%u)  (user %s)",
	      user.group_count, (unsigned)user.gid, (unsigned)user.uid, box->user);
	if (setgroups((size_t)user.group_count, user.groups) < 0)
		return box_syserr("setgroups", box->user);
	if (setresgid(user.gid, user.gid, user.gid) < 0)
		return box_syserr("setresgid", box->user);
	if (setresuid(user.uid, user.uid, user.uid) < 0)
		return box_syserr("setresuid", box->user);
	set_home(box, user.home);
	return 0;
}
