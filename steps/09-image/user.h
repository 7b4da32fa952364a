/* user.h - step 09: run as the image's user (-u, or the config's User). */
#ifndef BOXES_IMAGE_USER_H
#define BOXES_IMAGE_USER_H

#include <stdio.h>
#include <sys/types.h>

#include "box.h"

struct resolved_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[64]; /* supplementary groups from /etc/group */
	int group_count;
	char home[256]; /* from /etc/passwd; "/" when unknown */
};

/* "NAME", "UID", "NAME:GROUP", "UID:GID" against the image's own passwd and
 * group files (already open): docker's rules. 0, or -1 after one line
 * naming the user or group that is not there. */
int resolve_user(const char *spec, FILE *passwd, FILE *group, struct resolved_user *out);

/* Child, after pivot_root and the capability drop: look box->user up in the
 * container's /etc/passwd and /etc/group and become that user. No-op when
 * no user is set (root). */
int become_image_user(struct box *box);

#endif
