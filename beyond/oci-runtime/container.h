/* container.h - beyond step 10: one container's state under --root, which
 * outlives every runtime process (create exits; start, kill, delete are
 * other processes that find it again).
 *
 *     ROOT/<id>/state.json   what `state` prints, plus what boxes needs
 *     ROOT/<id>/exec.fifo    while it exists the container is "created":
 *                            its init waits to open it (see main.c)
 */
#ifndef BOXES_OCI_CONTAINER_H
#define BOXES_OCI_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#define OCI_VERSION "1.0.2"

struct container {
	char id[256];
	char dir[4096]; /* ROOT/<id> */
	pid_t pid; /* the init, as the host sees it */
	unsigned long long start_time; /* its start, /proc/<pid>/stat field 22 */
	char bundle[4096];
	char created[40]; /* RFC 3339 */
	char cgroup_id[13]; /* the box id step 03 takes */
	char cgroup_path[4096]; /* under each hierarchy: linux.cgroupsPath, or boxes/<cgroup_id> */
	json_t *annotations; /* owned; may be NULL */
	json_t *hooks; /* config.json's, owned; may be NULL: start and delete run them */
};

/* --root DIR (default /run/boxes-runtime). */
void container_set_root(const char *root);

/* Is id a name runc would take ([A-Za-z0-9_.+-], not "." or "..")? */
bool container_id_valid(const char *id);

/* mkdir ROOT/<id>: fails ("container with id exists") if it is there. */
int container_make_dir(struct container *container, const char *id);

/* Read ROOT/<id>/state.json. 0, or -1 ("container does not exist",
 * unless quiet). */
int container_load(struct container *container, const char *id, bool quiet);

/* Write it whole (temporary file, rename). 0 or -1. */
int container_save(const struct container *container);

/* "created", "running" or "stopped": from whether the init still lives
 * (same pid AND same start time: pids are reused) and the fifo is there. */
const char *container_status(const struct container *container);

/* The start time of pid, or 0 when it is gone or a zombie. */
unsigned long long process_start_time(pid_t pid);

/* ROOT/<id>/exec.fifo into out. */
void container_fifo(const struct container *container, char *out, size_t len);

/* The spec's state JSON (ociVersion, id, status, pid, bundle, annotations),
 * one object, printed on stdout. */
void container_print_state(const struct container *container);

/* The same as an object, for a hook's stdin, with the status given
 * ("creating" while create runs its hooks). json_decref it. */
json_t *container_state(const struct container *container, const char *status);

/* rm -rf ROOT/<id>. */
int container_remove(struct container *container);

void container_free(struct container *container);

#endif
