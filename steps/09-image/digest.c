/* digest.c - SHA-256 over OpenSSL's EVP interface (see digest.h).
 *
 * EVP is libcrypto's one interface to every hash: EVP_DigestInit_ex picks
 * the algorithm, Update takes the bytes as they stream by, Final gives the
 * 32 bytes. Streaming matters: a layer is hashed while it is extracted,
 * never held in memory whole. Read: EVP_DigestInit(3ssl).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"

#include "09-image/digest.h"

int sha256_start(struct sha256 *hash)
{
	hash->bytes = 0;
	hash->evp = EVP_MD_CTX_new();
	if (!hash->evp || EVP_DigestInit_ex(hash->evp, EVP_sha256(), NULL) != 1) {
		box_error("EVP_DigestInit_ex(sha256): libcrypto could not start a hash");
		EVP_MD_CTX_free(hash->evp);
		hash->evp = NULL;
		return -1;
	}
	return 0;
}

void sha256_add(struct sha256 *hash, const void *data, size_t len)
{
	EVP_DigestUpdate(hash->evp, data, len);
	hash->bytes += len;
}

void sha256_finish(struct sha256 *hash, char out[DIGEST_LEN])
{
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int sum_len = 0, i;

	EVP_DigestFinal_ex(hash->evp, sum, &sum_len);
	EVP_MD_CTX_free(hash->evp);
	hash->evp = NULL;
	strcpy(out, "sha256:");
	for (i = 0; i < sum_len && i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", sum[i]);
}

void sha256_discard(struct sha256 *hash)
{
	EVP_MD_CTX_free(hash->evp);
	hash->evp = NULL;
}

void sha256_of(const void *data, size_t len, char out[DIGEST_LEN])
{
	struct sha256 hash;

	if (sha256_start(&hash) < 0) {
		strcpy(out, "sha256:?");
		return;
	}
	sha256_add(&hash, data, len);
	sha256_finish(&hash, out);
}

bool digest_is_valid(const char *digest)
{
	size_t i;

	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + 64)
		return false;
	for (i = 7; i < 7 + 64; i++)
		if (!strchr("0123456789abcdef", digest[i]))
			return false;
	return true;
}

const char *digest_hex(const char *digest)
{
	return digest + 7;
}
