/* privileges.h - step 08: no_new_privs and a minimal capability set. */
#ifndef BOXES_PRIVILEGES_H
#define BOXES_PRIVILEGES_H

#include "box.h"

/* prctl(PR_SET_NO_NEW_PRIVS): exec can never gain privileges. */
int set_no_new_privs(void);

/* Keep the default set (+ --cap-add, - --cap-drop) in every set. */
int drop_capabilities(const struct box *box);

#endif
