/* files.h - step 03: the two file actions a cgroup is made of, which
 * later steps reuse: 05 makes the container's /dev and /proc mount points,
 * 07 writes /proc/<pid>/uid_map, 09 makes its image store. */
#ifndef BOXES_FILES_H
#define BOXES_FILES_H

#include <stdbool.h>
#include <sys/types.h>

/* The shell's `echo VALUE > DIR/FILE`: one write(2) of the whole value,
 * traced as an action of step. 0, or -1 after one line, with errno kept
 * for a caller that explains some errors (EBUSY, EINVAL). */
int write_file(int step, const char *dir, const char *file, const char *value);

/* mkdir(2) path with mode. may_exist: a directory there already is fine.
 * 1 when made, 0 when it was there, -1 after one line. Traces nothing: the
 * caller says what the directory is for. */
int make_dir(const char *path, mode_t mode, bool may_exist);

#endif
