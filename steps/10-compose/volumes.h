/* volumes.h - step 10: a service's volumes: bind mounts of host paths and
 * named volumes kept under BOXES_ROOT/volumes/<project>_<name>. */
#ifndef BOXES_VOLUMES_H
#define BOXES_VOLUMES_H

#include <sys/types.h>

#include "10-compose/compose_file.h"

struct volume_sources {
	char path[COMPOSE_MAX_MOUNTS][4096]; /* the host side of service->mounts[i] */
};

/* Parent, as host root, before the container starts: each mount's host
 * path into sources; a named volume's directory made (owned by uid:gid,
 * the container's root on the host) when it is new. 0 or -1 after why. */
int volumes_prepare(const struct compose_project *project, const struct compose_service *service,
		    uid_t uid, gid_t gid, struct volume_sources *sources);

/* Child, before pivot_root: every mount bound into root. */
int volumes_mount(const struct compose_service *service, const struct volume_sources *sources,
		  const char *root);

/* BOXES_ROOT/volumes/NAME into out. */
int volume_path(const char *name, char *out, size_t out_len);

#endif
