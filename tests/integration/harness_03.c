/* harness_03.c - step 03's test helpers (see harness_03.h). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness_03.h"

static const char *const boxes_dirs[] = {
    "/sys/fs/cgroup/memory/boxes", /* v1, hybrid */
    "/sys/fs/cgroup/pids/boxes", "/sys/fs/cgroup/cpu/boxes", "/sys/fs/cgroup/boxes", /* v2 */
};
#define BOXES_DIR_COUNT (int)(sizeof(boxes_dirs) / sizeof(boxes_dirs[0]))

bool cgroup_id_in(const char *output, char id[CGROUP_ID_LEN + 1])
{
	const char *at = strstr(output, ":/boxes/");

	if (!at || strspn(at + 8, "0123456789abcdef") != CGROUP_ID_LEN)
		return false;
	memcpy(id, at + 8, CGROUP_ID_LEN);
	id[CGROUP_ID_LEN] = '\0';
	return true;
}

int cgroup_dirs_of(const char *id)
{
	char path[512];
	int i, count = 0;

	for (i = 0; i < BOXES_DIR_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", boxes_dirs[i], id);
		if (access(path, F_OK) == 0)
			count++;
	}
	return count;
}

const char *cgroup_file_of(const char *id, const char *v1_controller, const char *v1_name,
			   const char *v2_name)
{
	static char path[512];

	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/boxes/%s", v1_controller, id);
	if (access(path, F_OK) == 0)
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/boxes/%s/%s", v1_controller, id,
			 v1_name);
	else
		snprintf(path, sizeof(path), "/sys/fs/cgroup/boxes/%s/%s", id, v2_name);
	return path;
}

static bool in_snapshot(const struct cgroup_snapshot *snapshot, const char *id)
{
	int i;

	for (i = 0; i < snapshot->count; i++)
		if (strcmp(snapshot->ids[i], id) == 0)
			return true;
	return false;
}

void cgroup_snapshot_take(struct cgroup_snapshot *snapshot)
{
	struct dirent *entry;
	int i;

	snapshot->count = 0;
	for (i = 0; i < BOXES_DIR_COUNT; i++) {
		DIR *dir = opendir(boxes_dirs[i]);

		while (dir && (entry = readdir(dir)))
			if (entry->d_type == DT_DIR && strlen(entry->d_name) == CGROUP_ID_LEN &&
			    !in_snapshot(snapshot, entry->d_name) && snapshot->count < 256)
				snprintf(snapshot->ids[snapshot->count++], CGROUP_ID_LEN + 1, "%s",
					 entry->d_name);
		if (dir)
			closedir(dir);
	}
}

/* Is there a process in any of this id's cgroups? */
static bool has_processes(const char *id)
{
	char path[512], pid[16];
	int i;

	for (i = 0; i < BOXES_DIR_COUNT; i++) {
		FILE *procs;
		bool any;

		snprintf(path, sizeof(path), "%s/%s/cgroup.procs", boxes_dirs[i], id);
		procs = fopen(path, "r");
		if (!procs)
			continue;
		any = fgets(pid, sizeof(pid), procs) != NULL;
		fclose(procs);
		if (any)
			return true;
	}
	return false;
}

int cgroups_left_since(const struct cgroup_snapshot *before)
{
	struct cgroup_snapshot now;
	int tries, i, left = 0;

	for (tries = 0; tries < 100; tries++) { /* 2 s */
		cgroup_snapshot_take(&now);
		left = 0;
		for (i = 0; i < now.count; i++)
			if (!in_snapshot(before, now.ids[i]) && !has_processes(now.ids[i]))
				left++;
		if (left == 0)
			return 0;
		usleep(20000);
	}
	for (i = 0; i < now.count; i++)
		if (!in_snapshot(before, now.ids[i]) && !has_processes(now.ids[i]))
			fprintf(stderr, "harness_03: cgroup boxes/%s left behind\n", now.ids[i]);
	return left;
}
