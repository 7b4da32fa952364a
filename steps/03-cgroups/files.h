/* files.h - step 03: the file actions a cgroup is made of, which later
 * steps reuse for their kernel files (07: /proc/<pid>/uid_map). */
#ifndef BOXES_FILES_H
#define BOXES_FILES_H

/* The shell's `echo VALUE > DIR/FILE`: one write(2) of the whole value,
 * traced as an action of step. 0, or -1 after one line, with errno kept
 * for a caller that explains some errors (EBUSY, EINVAL). */
int write_file(int step, const char *dir, const char *file, const char *value);

#endif
