/* capabilities.h - step 08: which capabilities a container keeps.
 *
 * The default set, the names --cap-add/--cap-drop accept, and the set that
 * results. A set is a bit mask: bit N is capability N of capabilities(7).
 */
#ifndef BOXES_CAPABILITIES_H
#define BOXES_CAPABILITIES_H

#include <stddef.h>
#include <stdint.h>

#include "box.h"

/* The name as a user types it - "NET_ADMIN", "cap_net_admin", "Net_Admin" -
 * to its number. -1 if this kernel has no such capability. ("ALL" is not a
 * capability: capability_mask_from_options handles it.) */
int capability_from_name(const char *name);

/* Every capability this kernel knows, as a mask. */
uint64_t all_capabilities(void);

/* The default set (docker's 14), as a mask. */
uint64_t default_capabilities(void);

/* Default set - --cap-drop + --cap-add, the way docker combines them:
 * --cap-add ALL keeps all but the dropped ones, --cap-drop ALL keeps only
 * the added ones. Prints which name is wrong and returns -1 on a bad name. */
int capability_mask_from_options(const struct box *box, uint64_t *kept);

/* "chown,dac_override,..." for --trace ("none" for an empty set). */
void describe_capabilities(uint64_t set, char *out, size_t len);

#endif
