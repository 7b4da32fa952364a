/* privileges.h - step 08: no_new_privs and a minimal capability set. */
#ifndef BOXES_PRIVILEGES_H
#define BOXES_PRIVILEGES_H

#include <stdint.h>

#include "box.h"

/* Runtime side, right after parse_options: every --cap-add/--cap-drop
 * names a capability (or ALL); otherwise say which one and return -1, so
 * main exits 125 before anything is created. */
int check_capability_options(const struct box *box);

/* prctl(PR_SET_NO_NEW_PRIVS): exec can never gain privileges. */
int set_no_new_privs(void);

/* Keep the default set (+ --cap-add, - --cap-drop) in every set. */
int drop_capabilities(const struct box *box);

/* Drop every capability not in kept from the bounding set (needs
 * CAP_SETPCAP). drop_capabilities does this first; the OCI runtime, whose
 * config.json gives each set on its own, calls it directly. */
int drop_from_bounding_set(uint64_t kept);

#endif
