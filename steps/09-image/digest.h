/* digest.h - SHA-256 digests, as images name everything by them.
 *
 * An image is content-addressed: its id is the SHA-256 of its config, each
 * layer is named by the SHA-256 of its uncompressed tar (the "diff_id"),
 * each OCI blob by the SHA-256 of its bytes. The hash comes from OpenSSL's
 * libcrypto (EVP), never from a hand-written one.
 */
#ifndef BOXES_DIGEST_H
#define BOXES_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

/* "sha256:" + 64 hex digits + NUL */
#define DIGEST_LEN (7 + 64 + 1)

struct sha256 {
	void *evp; /* EVP_MD_CTX */
	unsigned long long bytes; /* how many bytes went in */
};

int sha256_start(struct sha256 *hash);
void sha256_add(struct sha256 *hash, const void *data, size_t len);
/* Writes "sha256:<hex>" into out (DIGEST_LEN) and frees the context. */
void sha256_finish(struct sha256 *hash, char out[DIGEST_LEN]);
/* Frees a context that will not be finished (an error path). */
void sha256_discard(struct sha256 *hash);

/* The digest of one buffer, "sha256:<hex>". */
void sha256_of(const void *data, size_t len, char out[DIGEST_LEN]);

/* "sha256:" followed by exactly 64 lowercase hex digits. */
bool digest_is_valid(const char *digest);
/* The 64 hex digits of a valid digest (a pointer into it). */
const char *digest_hex(const char *digest);

#endif
