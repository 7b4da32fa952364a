/* ready.c - the checks a step makes before it makes anything. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "id.h"
#include "kernel_features.h"
#include "log.h"
#include "ready.h"

/* ROOTFS must be a directory, and not the host's "/" under any name ("/",
 * "/etc/..", a bind mount of it): that container would read and write
 * every host file, /etc/shadow included. Same device and inode as our own
 * root is the test that sees through every name. */
static int check_rootfs(struct box *box)
{
	struct stat st, host_root;

	if (stat(box->rootfs, &st) < 0) {
		box_error("rootfs %s: %s", box->rootfs, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		box_error("rootfs %s: not a directory", box->rootfs);
		return -1;
	}
	if (stat("/", &host_root) == 0 && st.st_dev == host_root.st_dev &&
	    st.st_ino == host_root.st_ino) {
		box_error("rootfs %s: that is the host's own root directory, the container would "
			  "see every host file; give a directory that holds a container's files, "
			  "e.g. build/rootfs",
			  box->rootfs);
		return -1;
	}
	if (!realpath(box->rootfs, box->rootfs_abs)) {
		box_error("rootfs %s: %s", box->rootfs, strerror(errno));
		return -1;
	}
	return 0;
}

int check_host_ready(struct box *box, int step)
{
	if (geteuid() != 0) {
		box_error("%s must run as root: it creates namespaces, mounts and cgroups (try "
			  "sudo)",
			  program_invocation_short_name);
		return -1;
	}
	if (box->rootfs && check_rootfs(box) < 0)
		return -1;
	return require_features(step);
}

int box_prepare(struct box *box)
{
	if (make_container_id(box->id) < 0)
		return -1;
	if (!box->hostname && box->step >= 2) /* 01 shares the host's hostname */
		box->hostname = box->id;
	if (box->trace)
		trace_enable();
	hold_signals(); /* from here on the runtime makes things it must undo */
	return 0;
}
