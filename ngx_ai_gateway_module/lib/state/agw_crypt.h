/*
 * agw_crypt: the keys' own provider credentials, sealed at rest.
 *
 * The admin daemon seals every credential with AES-256-GCM under a master
 * key before it stores it (SQLite) or publishes it (the keys snapshot);
 * the module opens them when it loads the snapshot and holds them in
 * memory only.  A sealed credential is text:
 *
 *   "v1.<key id: 16 hex>.<hex of nonce (12) | ciphertext | tag (16)>"
 *
 * with a fresh random nonce each time.  The key id names the master key
 * (a fingerprint, not the key), so that the key can rotate later: a blob
 * says which key it needs.  The header and the caller's context (the
 * client key's id and the provider) are authenticated with it, so a blob
 * moved to another key or provider is refused, as is one changed by a
 * single bit or opened with another master key.
 *
 * Master key file: 64 hex digits (and a newline), mode 0600; a file that
 * its group or others may read or write is refused.
 */

#ifndef AGW_CRYPT_H
#define AGW_CRYPT_H

#include <stddef.h>

#define AGW_CRYPT_KEY_LEN    32
#define AGW_CRYPT_ID_LEN     8
#define AGW_CRYPT_NONCE_LEN  12
#define AGW_CRYPT_TAG_LEN    16
#define AGW_CRYPT_SECRET_MAX 4096   /* longest credential sealed */

typedef struct {
    unsigned char  key[AGW_CRYPT_KEY_LEN];
    unsigned char  id[AGW_CRYPT_ID_LEN];
} agw_crypt_key_t;

/* A key from its 32 bytes (computes its id).  0, or -1. */
int agw_crypt_key_set(agw_crypt_key_t *k, const unsigned char *raw);

/* Reads the key file.  0, or -1 with a message in err. */
int agw_crypt_key_load(agw_crypt_key_t *k, const char *path, char *err,
    size_t errlen);

/*
 * Reads the key file, or creates it with a new random key (mode 0600,
 * never over an existing file).  0, or -1 with a message in err.
 */
int agw_crypt_key_load_or_create(agw_crypt_key_t *k, const char *path,
    char *err, size_t errlen);

/* Wipes the key. */
void agw_crypt_key_wipe(agw_crypt_key_t *k);

/*
 * Seals len bytes of secret, bound to ctx (ctxlen bytes, e.g. "k_1/openai").
 * A malloc'd NUL-terminated string, or NULL (out of memory, too long, or
 * the crypto library failed).
 */
char *agw_crypt_seal(const agw_crypt_key_t *k, const char *ctx,
    size_t ctxlen, const void *secret, size_t len);

/*
 * Opens a sealed string of len bytes bound to ctx: a malloc'd copy of the
 * secret (NUL-terminated; the caller wipes and frees it) and its length
 * in *outlen; or NULL with a message in err (bad form, another master
 * key, or a blob that is not authentic).  The message never holds any
 * part of the secret.
 */
char *agw_crypt_open(const agw_crypt_key_t *k, const char *ctx,
    size_t ctxlen, const char *sealed, size_t len, size_t *outlen,
    char *err, size_t errlen);

/* 1 if s (len bytes) has the form of a sealed credential. */
int agw_crypt_is_sealed(const char *s, size_t len);

#endif /* AGW_CRYPT_H */
