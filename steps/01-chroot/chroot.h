/* chroot.h - step 01: change the root directory of this process. */
#ifndef BOXES_CHROOT_H
#define BOXES_CHROOT_H

/* chroot(dir) then chdir("/"). 0 or -1 (message printed). */
int enter_chroot(const char *dir);

#endif
