/* reference.h - image names as docker spells them.
 *
 *     nginx                       -> docker.io/library/nginx:latest
 *     nginx:1.25                  -> docker.io/library/nginx:1.25
 *     someone/tool                -> docker.io/someone/tool:latest
 *     localhost/bb:2              -> localhost/bb:2
 *     registry.example:5000/a/b   -> registry.example:5000/a/b:latest
 *
 * The first part of a name is a registry when it has a '.' or a ':' or is
 * "localhost"; otherwise the registry is docker.io, and a one-part name
 * lives under library/. A missing tag is "latest". The store keeps the
 * full form; `images` shows the short one, as docker does.
 */
#ifndef BOXES_REFERENCE_H
#define BOXES_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>

#define REFERENCE_MAX 512

struct reference {
	char name[REFERENCE_MAX]; /* docker.io/library/nginx */
	char tag[129]; /* 1.25 */
};

/* Parse TEXT into ref. 0, or -1 with a one-line reason in err. */
int reference_parse(const char *text, struct reference *ref, char *err, size_t err_len);

/* "docker.io/library/nginx:1.25" into out. */
void reference_format(const struct reference *ref, char *out, size_t out_len);

/* The short name docker shows: "nginx", "someone/tool", "localhost/bb". */
const char *reference_familiar(const char *name);

/* Could TEXT be an image id or a prefix of one ([sha256:]hex...)? */
bool reference_is_id_prefix(const char *text);

#endif
