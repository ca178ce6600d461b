/*
 * agw_hash: SHA-256, hex, constant-time compare and key generation, on
 * OpenSSL's libcrypto.
 */

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdlib.h>
#include <string.h>

#include "agw_hash.h"


struct agw_sha256_hasher_s {
    EVP_MD      *md;
    EVP_MD_CTX  *ctx;
};


int
agw_sha256(const void *data, size_t len, unsigned char out[AGW_SHA256_LEN])
{
    unsigned int  n;

    n = AGW_SHA256_LEN;

    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1
        || n != AGW_SHA256_LEN)
    {
        return -1;
    }

    return 0;
}


agw_sha256_hasher_t *
agw_sha256_hasher_new(void)
{
    agw_sha256_hasher_t  *h;

    h = calloc(1, sizeof(agw_sha256_hasher_t));
    if (h == NULL) {
        return NULL;
    }

    h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    h->ctx = EVP_MD_CTX_new();

    if (h->md == NULL || h->ctx == NULL) {
        agw_sha256_hasher_free(h);
        return NULL;
    }

    return h;
}


int
agw_sha256_hash(agw_sha256_hasher_t *h, const void *data, size_t len,
    unsigned char out[AGW_SHA256_LEN])
{
    unsigned int  n;

    n = AGW_SHA256_LEN;

    if (EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1
        || EVP_DigestUpdate(h->ctx, data, len) != 1
        || EVP_DigestFinal_ex(h->ctx, out, &n) != 1
        || n != AGW_SHA256_LEN)
    {
        return -1;
    }

    return 0;
}


void
agw_sha256_hasher_free(agw_sha256_hasher_t *h)
{
    if (h == NULL) {
        return;
    }

    EVP_MD_CTX_free(h->ctx);
    EVP_MD_free(h->md);
    free(h);
}


/* a byte's two digits at once: the trace context is hex on every request */
static const char  agw_hex_pairs[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";


void
agw_hex(const unsigned char *in, size_t len, char *out)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        memcpy(out + 2 * i, &agw_hex_pairs[2 * in[i]], 2);
    }

    out[2 * len] = '\0';
}


static int
agw_hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


int
agw_unhex(const char *hex, size_t hexlen, unsigned char *out, size_t outlen)
{
    size_t  i;
    int     hi, lo;

    if (hexlen != 2 * outlen) {
        return -1;
    }

    for (i = 0; i < outlen; i++) {
        hi = agw_hex_digit(hex[2 * i]);
        lo = agw_hex_digit(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return -1;
        }

        out[i] = (unsigned char) (hi << 4 | lo);
    }

    return 0;
}


int
agw_ct_equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}


int
agw_key_generate(char *out, size_t outlen)
{
    static const char  b64url[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char      raw[33];
    size_t             i, n, p;
    unsigned int       v;

    if (outlen < AGW_KEY_SIZE) {
        return -1;
    }

    /* 33 random bytes give 44 base64 digits; the key keeps 43 (256 bits). */
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        return -1;
    }

    p = sizeof(AGW_KEY_PREFIX) - 1;
    for (i = 0; i < p; i++) {
        out[i] = AGW_KEY_PREFIX[i];
    }

    n = 0;
    for (i = 0; i < sizeof(raw) && n < 43; i += 3) {
        v = (unsigned int) raw[i] << 16 | (unsigned int) raw[i + 1] << 8
            | raw[i + 2];
        out[p + n++] = b64url[(v >> 18) & 63];
        out[p + n++] = b64url[(v >> 12) & 63];
        out[p + n++] = b64url[(v >> 6) & 63];
        if (n < 43) {
            out[p + n++] = b64url[v & 63];
        }
    }

    OPENSSL_cleanse(raw, sizeof(raw));
    out[p + n] = '\0';

    return 0;
}
