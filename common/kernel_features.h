/* kernel_features.h - what the kernel must offer each step, checked the same way
 * by `make doctor` and by every step binary before it starts. */
#ifndef BOXES_KERNEL_FEATURES_H
#define BOXES_KERNEL_FEATURES_H

struct feature {
	const char *name; /* "user namespaces" */
	int step; /* the first step that needs it */
	const char *fix; /* one line a learner can act on */
};

/* The list, in step order; count set to its length. */
const struct feature *feature_list(int *count);

/* 1 if this machine has the feature; detail gets what was seen. */
int feature_present(const struct feature *feature, char *detail, int detail_len);

/* Every feature steps 01..step need; on the first missing one print
 * "boxes: step NN needs X (seen: ...); fix: ..." and return -1. */
int require_features(int step);

/* 1 if the running kernel is major.minor or later. */
int kernel_at_least(int major, int minor);

/* The filesystems whose mounts this kernel can idmap (mount_setattr(2),
 * MOUNT_ATTR_IDMAP), for a hint: "ext4, xfs, btrfs or tmpfs" from 6.3 on. */
const char *idmap_filesystems(void);

/* /proc/sys/kernel/pid_max: no pid, and so no pids.max, goes above it.
 * -1 when it can't be read. */
long long kernel_pid_max(void);

#endif
