/*
 * agw_crypt: AES-256-GCM sealing of the keys' provider credentials
 * (OpenSSL EVP) and the master key file.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "agw_crypt.h"
#include "agw_errmsg.h"
#include "agw_hash.h"


#define AGW_CRYPT_VERSION     "v1."
#define AGW_CRYPT_HEAD_LEN    (sizeof(AGW_CRYPT_VERSION) - 1                \
                               + 2 * AGW_CRYPT_ID_LEN + 1)
#define AGW_CRYPT_FILE_MAX    256


static int agw_crypt_gcm(int enc, const agw_crypt_key_t *k,
    const unsigned char *nonce, const unsigned char *aad, size_t aadlen,
    const unsigned char *in, size_t len, unsigned char *out,
    unsigned char *tag);
static unsigned char *agw_crypt_aad(const char *head, const char *ctx,
    size_t ctxlen, size_t *len);


int
agw_crypt_key_set(agw_crypt_key_t *k, const unsigned char *raw)
{
    unsigned char  buf[16 + AGW_CRYPT_KEY_LEN], digest[AGW_SHA256_LEN];

    /* the id is a fingerprint of a derived value: it names the key and
     * says nothing of it */
    memcpy(buf, "agw-crypt-key-id", 16);
    memcpy(buf + 16, raw, AGW_CRYPT_KEY_LEN);

    if (agw_sha256(buf, sizeof(buf), digest) != 0) {
        OPENSSL_cleanse(buf, sizeof(buf));
        return -1;
    }

    OPENSSL_cleanse(buf, sizeof(buf));

    memcpy(k->key, raw, AGW_CRYPT_KEY_LEN);
    memcpy(k->id, digest, AGW_CRYPT_ID_LEN);

    return 0;
}


void
agw_crypt_key_wipe(agw_crypt_key_t *k)
{
    OPENSSL_cleanse(k, sizeof(agw_crypt_key_t));
}


int
agw_crypt_key_load(agw_crypt_key_t *k, const char *path, char *err,
    size_t errlen)
{
    int            fd, rc;
    char           buf[AGW_CRYPT_FILE_MAX];
    size_t         len;
    ssize_t        n;
    struct stat    st;
    unsigned char  raw[AGW_CRYPT_KEY_LEN];

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1) {
        agw_errmsg(err, errlen, "credentials key \"%s\": %s", path,
                      strerror(errno));
        return -1;
    }

    rc = -1;
    len = 0;

    if (fstat(fd, &st) != 0) {
        agw_errmsg(err, errlen, "credentials key \"%s\": %s", path,
                      strerror(errno));
        goto done;
    }

    if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
        agw_errmsg(err, errlen, "credentials key \"%s\": must be a "
                      "regular file of mode 0600 (it is %04o)", path,
                      (unsigned) (st.st_mode & 07777));
        goto done;
    }

    for ( ;; ) {
        n = read(fd, buf + len, sizeof(buf) - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            agw_errmsg(err, errlen, "credentials key \"%s\": %s", path,
                          strerror(errno));
            goto done;
        }
        if (n == 0 || (len += (size_t) n) == sizeof(buf)) {
            break;
        }
    }

    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
        len--;
    }

    if (len != 2 * AGW_CRYPT_KEY_LEN
        || agw_unhex(buf, len, raw, AGW_CRYPT_KEY_LEN) != 0)
    {
        agw_errmsg(err, errlen, "credentials key \"%s\": not %d hex "
                      "digits", path, 2 * AGW_CRYPT_KEY_LEN);
        goto done;
    }

    if (agw_crypt_key_set(k, raw) != 0) {
        agw_errmsg(err, errlen, "credentials key \"%s\": the crypto "
                      "library failed", path);
        goto done;
    }

    rc = 0;

done:

    OPENSSL_cleanse(buf, sizeof(buf));
    OPENSSL_cleanse(raw, sizeof(raw));
    close(fd);

    return rc;
}


int
agw_crypt_key_load_or_create(agw_crypt_key_t *k, const char *path,
    char *err, size_t errlen)
{
    int            fd, rc;
    char           hex[2 * AGW_CRYPT_KEY_LEN + 2];
    size_t         len, off;
    ssize_t        n;
    unsigned char  raw[AGW_CRYPT_KEY_LEN];

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd == -1) {
        if (errno == EEXIST) {
            return agw_crypt_key_load(k, path, err, errlen);
        }

        agw_errmsg(err, errlen, "cannot create the credentials key "
                      "\"%s\": %s", path, strerror(errno));
        return -1;
    }

    rc = -1;

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        agw_errmsg(err, errlen, "no random bytes for a credentials key");
        goto done;
    }

    agw_hex(raw, sizeof(raw), hex);
    len = 2 * AGW_CRYPT_KEY_LEN;
    hex[len++] = '\n';

    /* the umask may have taken bits off, never put any on: say it */
    if (fchmod(fd, 0600) != 0) {
        agw_errmsg(err, errlen, "chmod \"%s\": %s", path, strerror(errno));
        goto done;
    }

    for (off = 0; off < len; off += (size_t) n) {
        n = write(fd, hex + off, len - off);
        if (n < 0 && errno == EINTR) {
            n = 0;
            continue;
        }
        if (n < 0) {
            agw_errmsg(err, errlen, "writing \"%s\": %s", path,
                          strerror(errno));
            goto done;
        }
    }

    if (fsync(fd) != 0) {
        agw_errmsg(err, errlen, "fsync \"%s\": %s", path, strerror(errno));
        goto done;
    }

    if (agw_crypt_key_set(k, raw) != 0) {
        agw_errmsg(err, errlen, "the crypto library failed");
        goto done;
    }

    rc = 0;

done:

    OPENSSL_cleanse(hex, sizeof(hex));
    OPENSSL_cleanse(raw, sizeof(raw));
    close(fd);

    if (rc != 0) {
        /* never leave a half-written key for the next start to trust */
        unlink(path);
    }

    return rc;
}


/* One AES-256-GCM pass; the tag is written (enc) or checked.  0 or -1. */
static int
agw_crypt_gcm(int enc, const agw_crypt_key_t *k, const unsigned char *nonce,
    const unsigned char *aad, size_t aadlen, const unsigned char *in,
    size_t len, unsigned char *out, unsigned char *tag)
{
    int              n, rc;
    EVP_CIPHER_CTX  *c;

    c = EVP_CIPHER_CTX_new();
    if (c == NULL) {
        return -1;
    }

    rc = -1;

    if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1
        || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, AGW_CRYPT_NONCE_LEN,
                               NULL) != 1
        || EVP_CipherInit_ex(c, NULL, NULL, k->key, nonce, enc) != 1
        || EVP_CipherUpdate(c, NULL, &n, aad, (int) aadlen) != 1
        || (len && EVP_CipherUpdate(c, out, &n, in, (int) len) != 1))
    {
        goto done;
    }

    if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG,
                                    AGW_CRYPT_TAG_LEN, tag) != 1)
    {
        goto done;
    }

    /* decrypting, this is where a forged or altered blob fails */
    if (EVP_CipherFinal_ex(c, out + len, &n) != 1) {
        goto done;
    }

    if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG,
                                   AGW_CRYPT_TAG_LEN, tag) != 1)
    {
        goto done;
    }

    rc = 0;

done:

    EVP_CIPHER_CTX_free(c);

    return rc;
}


/* The authenticated data: the blob's header, a NUL, the caller's ctx. */
static unsigned char *
agw_crypt_aad(const char *head, const char *ctx, size_t ctxlen, size_t *len)
{
    unsigned char  *aad;

    aad = malloc(AGW_CRYPT_HEAD_LEN + 1 + ctxlen);
    if (aad == NULL) {
        return NULL;
    }

    memcpy(aad, head, AGW_CRYPT_HEAD_LEN);
    aad[AGW_CRYPT_HEAD_LEN] = '\0';
    memcpy(aad + AGW_CRYPT_HEAD_LEN + 1, ctx, ctxlen);
    *len = AGW_CRYPT_HEAD_LEN + 1 + ctxlen;

    return aad;
}


char *
agw_crypt_seal(const agw_crypt_key_t *k, const char *ctx, size_t ctxlen,
    const void *secret, size_t len)
{
    char           *out;
    size_t          blen, aadlen;
    unsigned char  *bin, *aad;

    if (len == 0 || len > AGW_CRYPT_SECRET_MAX) {
        return NULL;
    }

    blen = AGW_CRYPT_NONCE_LEN + len + AGW_CRYPT_TAG_LEN;

    out = malloc(AGW_CRYPT_HEAD_LEN + 2 * blen + 1);
    bin = malloc(blen);
    aad = NULL;

    if (out == NULL || bin == NULL) {
        goto failed;
    }

    memcpy(out, AGW_CRYPT_VERSION, sizeof(AGW_CRYPT_VERSION) - 1);
    agw_hex(k->id, AGW_CRYPT_ID_LEN, out + sizeof(AGW_CRYPT_VERSION) - 1);
    out[AGW_CRYPT_HEAD_LEN - 1] = '.';

    aad = agw_crypt_aad(out, ctx, ctxlen, &aadlen);

    if (aad == NULL
        || RAND_bytes(bin, AGW_CRYPT_NONCE_LEN) != 1
        || agw_crypt_gcm(1, k, bin, aad, aadlen, secret, len,
                         bin + AGW_CRYPT_NONCE_LEN,
                         bin + AGW_CRYPT_NONCE_LEN + len) != 0)
    {
        goto failed;
    }

    agw_hex(bin, blen, out + AGW_CRYPT_HEAD_LEN);

    free(aad);
    free(bin);

    return out;

failed:

    free(aad);
    free(bin);
    free(out);

    return NULL;
}


int
agw_crypt_is_sealed(const char *s, size_t len)
{
    size_t  i;

    if (len < AGW_CRYPT_HEAD_LEN
              + 2 * (AGW_CRYPT_NONCE_LEN + 1 + AGW_CRYPT_TAG_LEN)
        || (len - AGW_CRYPT_HEAD_LEN) % 2 != 0
        || memcmp(s, AGW_CRYPT_VERSION, sizeof(AGW_CRYPT_VERSION) - 1) != 0
        || s[AGW_CRYPT_HEAD_LEN - 1] != '.')
    {
        return 0;
    }

    for (i = sizeof(AGW_CRYPT_VERSION) - 1; i < len; i++) {
        if (i == AGW_CRYPT_HEAD_LEN - 1) {
            continue;
        }

        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
        {
            return 0;
        }
    }

    return 1;
}


char *
agw_crypt_open(const agw_crypt_key_t *k, const char *ctx, size_t ctxlen,
    const char *sealed, size_t len, size_t *outlen, char *err,
    size_t errlen)
{
    char           *out;
    size_t          blen, plen, aadlen;
    unsigned char   id[AGW_CRYPT_ID_LEN], *bin, *aad;

    if (!agw_crypt_is_sealed(sealed, len)) {
        agw_errmsg(err, errlen, "not a sealed credential");
        return NULL;
    }

    if (agw_unhex(sealed + sizeof(AGW_CRYPT_VERSION) - 1,
                  2 * AGW_CRYPT_ID_LEN, id, AGW_CRYPT_ID_LEN) != 0
        || memcmp(id, k->id, AGW_CRYPT_ID_LEN) != 0)
    {
        agw_errmsg(err, errlen, "sealed under another credentials key "
                      "(id %.16s)", sealed + sizeof(AGW_CRYPT_VERSION) - 1);
        return NULL;
    }

    blen = (len - AGW_CRYPT_HEAD_LEN) / 2;
    plen = blen - AGW_CRYPT_NONCE_LEN - AGW_CRYPT_TAG_LEN;

    bin = malloc(blen);
    out = malloc(plen + 1);
    aad = agw_crypt_aad(sealed, ctx, ctxlen, &aadlen);

    if (bin == NULL || out == NULL || aad == NULL) {
        agw_errmsg(err, errlen, "out of memory");
        goto failed;
    }

    if (agw_unhex(sealed + AGW_CRYPT_HEAD_LEN, len - AGW_CRYPT_HEAD_LEN, bin,
                  blen) != 0
        || agw_crypt_gcm(0, k, bin, aad, aadlen, bin + AGW_CRYPT_NONCE_LEN,
                         plen, (unsigned char *) out,
                         bin + AGW_CRYPT_NONCE_LEN + plen) != 0)
    {
        agw_errmsg(err, errlen, "the sealed credential is not authentic "
                      "(altered, or not for this key and provider)");
        OPENSSL_cleanse(out, plen + 1);
        goto failed;
    }

    out[plen] = '\0';
    *outlen = plen;

    free(aad);
    free(bin);

    return out;

failed:

    free(aad);
    free(bin);
    free(out);

    return NULL;
}
