/*
 * agw_hash: client key hashing and comparison.
 *
 * Client keys are never stored, only their SHA-256; lookups compare digests
 * in constant time so that timing does not reveal how much of a guess
 * matched.
 */

#ifndef AGW_HASH_H
#define AGW_HASH_H

#include <stddef.h>

#define AGW_SHA256_LEN      32
#define AGW_SHA256_HEX_LEN  64

/* Prefix of generated keys, so a leaked key is recognisable in scanners. */
#define AGW_KEY_PREFIX      "sk-agw-"
/* Prefix + 43 base64url chars (32 random bytes) + NUL. */
#define AGW_KEY_SIZE        (sizeof(AGW_KEY_PREFIX) - 1 + 43 + 1)

/* 0 on success, -1 if the crypto library failed. */
int agw_sha256(const void *data, size_t len, unsigned char out[AGW_SHA256_LEN]);

/*
 * The same, for a caller hashing on every request: the digest is fetched
 * and the context allocated once (OpenSSL 3 does both on each one-shot
 * call).  One hasher per thread.
 */
typedef struct agw_sha256_hasher_s  agw_sha256_hasher_t;

agw_sha256_hasher_t *agw_sha256_hasher_new(void);
int agw_sha256_hash(agw_sha256_hasher_t *h, const void *data, size_t len,
    unsigned char out[AGW_SHA256_LEN]);
void agw_sha256_hasher_free(agw_sha256_hasher_t *h);

/* Writes 2*len lowercase hex digits and a NUL. */
void agw_hex(const unsigned char *in, size_t len, char *out);

/* Parses exactly 2*outlen hex digits; 0 on success, -1 on bad input. */
int agw_unhex(const char *hex, size_t hexlen, unsigned char *out,
    size_t outlen);

/* 1 if equal; the time taken depends only on len. */
int agw_ct_equal(const void *a, const void *b, size_t len);

/* A new random client key into out (AGW_KEY_SIZE bytes); 0 or -1. */
int agw_key_generate(char *out, size_t outlen);

#endif /* AGW_HASH_H */
