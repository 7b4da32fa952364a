/* harness_03.h - step 03's test helpers: find a container's cgroup on the
 * host, on v1/hybrid (<controller>/boxes/<id>) or v2 (boxes/<id>). */
#ifndef BOXES_HARNESS_03_H
#define BOXES_HARNESS_03_H

#include <stdbool.h>

#define CGROUP_ID_LEN 12

/* The container id from output that holds a /proc/self/cgroup line such
 * as "4:memory:/boxes/0123456789ab" or "0::/boxes/0123456789ab". */
bool cgroup_id_in(const char *output, char id[CGROUP_ID_LEN + 1]);

/* How many of the container's cgroup directories exist on the host. */
int cgroup_dirs_of(const char *id);

/* The host path of a limit file: v1 name under <v1_controller>/boxes/<id>
 * when that exists, else the v2 name under boxes/<id>. */
const char *cgroup_file_of(const char *id, const char *v1_controller, const char *v1_name,
			   const char *v2_name);

/* Every boxes/<id> on the host now (any container, any test). */
struct cgroup_snapshot {
	char ids[256][CGROUP_ID_LEN + 1];
	int count;
};
void cgroup_snapshot_take(struct cgroup_snapshot *snapshot);

/* Cgroups made since the snapshot that stay empty and do not go away
 * within 2 s: what a failed run left behind. Other tests may run
 * containers meanwhile; theirs hold processes or are removed shortly. */
int cgroups_left_since(const struct cgroup_snapshot *before);

#endif
