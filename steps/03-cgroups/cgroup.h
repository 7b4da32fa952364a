/* cgroup.h - step 03: memory, pids and cpu limits with cgroups (v1 or v2). */
#ifndef BOXES_CGROUP_H
#define BOXES_CGROUP_H

#include "box.h"
#include "sweep.h"

/* Parent, before the child starts: <hierarchy>/boxes/<id> with the limits
 * of --memory, --pids-limit, --cpus, --cpu-shares written. 0 or -1. */
int cgroup_create(struct box *box);

/* --cpu-shares on cgroup v2: the v1 share (2..262144) as a cpu.weight
 * (1..10000), converted as runc converts it. */
long long cpu_shares_to_weight(long long shares);

/* Parent, while the child waits on the sync pipe: move it in. 0 or -1. */
int cgroup_add(struct box *box);

/* The caller moves itself into the container's cgroups, as a process
 * that joins the container later must (it then counts against the limits).
 * 0 or -1. */
int cgroup_join(const struct box *box);

/* Parent, after the container ended: if the kernel OOM-killed it, say so
 * and return 137; otherwise return exit_code unchanged. */
int cgroup_report_oom(struct box *box, int exit_code);

/* Parent: kill what is left in the cgroup and remove it. No-op when
 * cgroup_create never ran. */
void cgroup_destroy(struct box *box);

/* The sweeper of a dead run's "cgroup DIR" (sweep.h): kill what is left in
 * it and remove it. 0, or -1 if it stays. */
int cgroup_sweep(const char *dir);
#define SWEEPERS_03                                                                                \
	{                                                                                          \
		"cgroup", cgroup_sweep                                                             \
	}

#endif
