/*
 * agw_hash: SHA-256, hex, constant-time compare and key generation, on
 * OpenSSL's libcrypto.
 */

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdlib.h>

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


void
agw_hex(const unsigned char *in, size_t len, char *out)
{
    static const char  digits[] = "0123456789abcdef";
    size_t             i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
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
