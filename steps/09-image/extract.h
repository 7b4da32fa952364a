/* extract.h - unpack one layer tar into a directory, safely, hashing it.
 *
 * A layer is untrusted input: whatever its members are called, nothing is
 * written outside dest. Whiteouts become what overlayfs reads:
 *     .wh.NAME       -> NAME, a character device 0/0 ("this file is gone")
 *     .wh..wh..opq   -> the directory gets trusted.overlay.opaque=y and
 *                       user.overlay.opaque=y ("hide what lies below")
 */
#ifndef BOXES_EXTRACT_H
#define BOXES_EXTRACT_H

#include <archive.h>

#include "09-image/digest.h"

struct layer_digests {
	char blob[DIGEST_LEN]; /* SHA-256 of the bytes as the archive holds them */
	char diff_id[DIGEST_LEN]; /* SHA-256 of the uncompressed tar */
	long long size; /* bytes of the regular files written */
};

/* Extract the member of outer that archive_read_next_header just read
 * (a layer tar: plain, gzip or zstd) into dest, an empty directory.
 * what names the layer in errors: "layer 2 (3f2a.../layer.tar)".
 * 0, or -1 after one line saying which member and why. */
int extract_layer(struct archive *outer, const char *dest, const char *what,
		  struct layer_digests *digests);

/* The opaque marker's two xattrs: trusted.* for an overlay mounted by host
 * root, user.* for one mounted in a user namespace with "userxattr". */
int mark_opaque(int dir_fd, const char *path);

/* Remove trusted.overlay.* and user.overlay.* from a tar entry: only boxes
 * decides what overlayfs sees as opaque or redirected. */
struct archive_entry;
void drop_overlay_xattrs(struct archive_entry *entry);

#endif
