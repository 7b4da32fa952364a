/* volumes.c - step 10: what a service's volumes: key mounts.
 *
 * A bind mount puts a host directory (or file) at a path of the
 * container: mount(2) with MS_BIND, before pivot_root, while the host's
 * paths are still reachable; ":ro" is a second mount(2), MS_REMOUNT |
 * MS_BIND | MS_RDONLY, as a bind mount takes no flags of its own. The
 * kernel then refuses every write under it (EROFS), also to the
 * container's root.
 *
 * Under the user namespace (step 07) the files keep their host owners.
 * A host file of host root (uid 0, not in the container's map) shows as
 * nobody (65534) inside, and the container's root (host uid 100000) may
 * write only what "others" may. Docker rootless and podman behave the
 * same: chown the directory to the container's root on the host
 * (100000 by default), or make it world-writable. The child looks the
 * source up as that uid too: every directory above it must let others
 * search it (o+x).
 *
 * A named volume is a directory the engine keeps: BOXES_ROOT/volumes/
 * <project>_<name>, made on the first up, owned by the container's root
 * so that root inside can write it, and kept by down (down -v removes
 * it), as docker keeps /var/lib/docker/volumes/<name>/_data.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

#include "05-pivot-root/mounts.h"
#include "09-image/store.h"
#include "10-compose/volumes.h"

#define STEP 10

int volume_path(const char *name, char *out, size_t out_len)
{
	int written = snprintf(out, out_len, "%s/volumes/%s", store_root(), name);

	return written < 0 || (size_t)written >= out_len ? -1 : 0;
}

static int make_owned_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	if (mkdir(path, mode) == 0) {
		trace(STEP, "mkdir(\"%s\"), chown(%u, %u)", path, (unsigned)uid, (unsigned)gid);
		if (chown(path, uid, gid) < 0)
			return box_syserr("chown", path);
	} else if (errno != EEXIST) {
		return box_syserr("mkdir", path);
	}
	return 0;
}

/* The container's root looks the source up: each directory above it
 * (and it, when a directory) must let others search it. */
static int check_reachable(const char *source)
{
	char path[4096];
	struct stat st;
	char *slash;

	snprintf(path, sizeof(path), "%s", source);
	if (stat(path, &st) < 0)
		return box_syserr("stat", path);
	if (!S_ISDIR(st.st_mode) && (slash = strrchr(path, '/')))
		*slash = '\0';
	for (;;) {
		if (path[0] && stat(path, &st) == 0 && !(st.st_mode & S_IXOTH)) {
			box_error("volume %s: %s (mode 0%o) can't be searched by the container's "
				  "root (another uid on the host) — chmod o+x %s",
				  source, path, st.st_mode & 07777, path);
			return -1;
		}
		if (!(slash = strrchr(path, '/')) || slash == path)
			return 0;
		*slash = '\0';
	}
}

/* Adds search permission (o+x) to a directory of ours, never removes. */
static int let_others_through(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return box_syserr("stat", dir);
	if (st.st_mode & S_IXOTH)
		return 0;
	trace(STEP, "chmod(\"%s\", 0%o)", dir, (st.st_mode | S_IXOTH) & 07777);
	if (chmod(dir, (st.st_mode | S_IXOTH) & 07777) < 0)
		return box_syserr("chmod", dir);
	return 0;
}

/* BOXES_ROOT/volumes/NAME, made when new; volumes/ lets others through. */
static int named_volume(const struct compose_volume *volume, uid_t uid, gid_t gid, char *out,
			size_t out_len)
{
	char dir[4096];

	if (volume_path("", dir, sizeof(dir)) < 0 || volume_path(volume->name, out, out_len) < 0)
		return -1;
	if (volume->external) {
		if (access(out, F_OK) < 0) {
			box_error("external volume \"%s\" not found (%s) — make it first",
				  volume->name, out);
			return -1;
		}
		return 0;
	}
	if (let_others_through(store_root()) < 0 || make_owned_dir(dir, 0711, 0, 0) < 0)
		return -1;
	return make_owned_dir(out, 0755, uid, gid);
}

int volumes_prepare(const struct compose_project *project, const struct compose_service *service,
		    uid_t uid, gid_t gid, struct volume_sources *sources)
{
	for (int i = 0; i < service->mount_count; i++) {
		const struct compose_mount *mount = &service->mounts[i];
		char *source = sources->path[i];

		if (mount->type == COMPOSE_MOUNT_BIND) {
			snprintf(source, sizeof(sources->path[0]), "%s", mount->source);
		} else if (mount->type == COMPOSE_MOUNT_VOLUME && mount->volume_index >= 0) {
			if (named_volume(&project->volumes[mount->volume_index], uid, gid, source,
					 sizeof(sources->path[0])) < 0)
				return -1;
		} else {
			box_error("%s: volume %s: anonymous volumes and tmpfs are not supported by "
				  "boxes — name the volume",
				  service->name, mount->target);
			return -1;
		}
		if (check_reachable(source) < 0)
			return -1;
	}
	return 0;
}

int volumes_mount(const struct compose_service *service, const struct volume_sources *sources,
		  const char *root)
{
	for (int i = 0; i < service->mount_count; i++)
		if (bind_mount_into(root, sources->path[i], service->mounts[i].target,
				    service->mounts[i].read_only) < 0)
			return -1;
	return 0;
}
