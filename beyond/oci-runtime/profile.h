/* profile.h - beyond step 10: linux.seccomp of config.json as a filter. */
#ifndef BOXES_OCI_PROFILE_H
#define BOXES_OCI_PROFILE_H

#include <jansson.h>
#include <seccomp.h>

/* The filter of the spec's seccomp object (built, not loaded); NULL after
 * one line naming what is wrong or unsupported. */
scmp_filter_ctx profile_build(json_t *profile);

/* Load it into this process (no-op for NULL). 0 or -1. */
int profile_load(scmp_filter_ctx filter);

#endif
