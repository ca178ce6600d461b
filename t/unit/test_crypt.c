/*
 * Sealed credentials: a round trip, a fresh nonce each time, and every
 * way a blob must be refused (tampered anywhere, another master key,
 * another key or provider, bad form); the master key file's creation,
 * mode and format.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "agw_crypt.h"


static void
key_of(agw_crypt_key_t *k, unsigned char fill)
{
    unsigned char  raw[AGW_CRYPT_KEY_LEN];

    memset(raw, fill, sizeof(raw));

    if (agw_crypt_key_set(k, raw) != 0) {
        abort();
    }
}


static void
test_seal_open(void)
{
    char             *s1, *s2, *pt, err[256];
    size_t            len, i, n;
    agw_crypt_key_t   k, other;

    static const char  secret[] = "sk-own-account-0123456789";

    key_of(&k, 1);
    key_of(&other, 2);

    s1 = agw_crypt_seal(&k, "k_1/openai", 10, secret, sizeof(secret) - 1);
    s2 = agw_crypt_seal(&k, "k_1/openai", 10, secret, sizeof(secret) - 1);
    ok(s1 != NULL && s2 != NULL, "sealed");
    if (s1 == NULL || s2 == NULL) {
        abort();
    }

    ok(strstr(s1, "sk-own") == NULL && strstr(s1, "0123456789") == NULL,
       "no part of the secret in the blob");
    ok(strcmp(s1, s2) != 0, "a fresh nonce: the same secret seals "
       "differently");
    ok(strncmp(s1, "v1.", 3) == 0 && agw_crypt_is_sealed(s1, strlen(s1)),
       "versioned, with the key id: %s", s1);

    pt = agw_crypt_open(&k, "k_1/openai", 10, s1, strlen(s1), &len, err,
                        sizeof(err));
    ok(pt != NULL && len == sizeof(secret) - 1
       && memcmp(pt, secret, len) == 0, "opens to the secret");
    free(pt);

    pt = agw_crypt_open(&other, "k_1/openai", 10, s1, strlen(s1), &len, err,
                        sizeof(err));
    ok(pt == NULL && strstr(err, "another credentials key") != NULL,
       "another master key: refused (%s)", err);

    pt = agw_crypt_open(&k, "k_2/openai", 10, s1, strlen(s1), &len, err,
                        sizeof(err));
    ok(pt == NULL && strstr(err, "not authentic") != NULL,
       "moved to another key: refused (%s)", err);

    pt = agw_crypt_open(&k, "k_1/gemini", 10, s1, strlen(s1), &len, err,
                        sizeof(err));
    ok(pt == NULL, "moved to another provider: refused");

    /* one changed digit anywhere after the header: nonce, text or tag */
    n = 0;
    for (i = 20; i < strlen(s1); i++) {
        s2[0] = '\0';
        strcpy(s2, s1);
        s2[i] = s2[i] == '0' ? '1' : '0';
        pt = agw_crypt_open(&k, "k_1/openai", 10, s2, strlen(s2), &len, err,
                            sizeof(err));
        if (pt != NULL) {
            n++;
            free(pt);
        }
    }
    is_int(n, 0, "every tampered digit is refused");

    /* a key id changed to the other key's: still refused by the tag */
    strcpy(s2, s1);
    pt = agw_crypt_open(&k, "k_1/openai", 10, s2, strlen(s2) - 2, &len, err,
                        sizeof(err));
    ok(pt == NULL, "truncated blob refused");

    pt = agw_crypt_open(&k, "k_1/openai", 10, "v1.zz", 5, &len, err,
                        sizeof(err));
    ok(pt == NULL && strstr(err, "not a sealed") != NULL, "bad form refused");

    pt = agw_crypt_open(&k, "k_1/openai", 10, secret, sizeof(secret) - 1,
                        &len, err, sizeof(err));
    ok(pt == NULL && strstr(err, "sk-own") == NULL,
       "a secret in clear is not taken, nor echoed");

    ok(agw_crypt_seal(&k, "x", 1, "", 0) == NULL, "an empty secret is refused");

    free(s1);
    free(s2);
}


static void
test_key_file(void)
{
    int               fd;
    char              dir[] = "/tmp/test_crypt.XXXXXX", path[300], err[256];
    char             *s, *pt;
    size_t            len;
    struct stat       st;
    agw_crypt_key_t   k1, k2;

    if (mkdtemp(dir) == NULL) {
        abort();
    }

    snprintf(path, sizeof(path), "%s/master.key", dir);

    umask(0);
    ok(agw_crypt_key_load_or_create(&k1, path, err, sizeof(err)) == 0,
       "created: %s", err);
    umask(022);
    ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600,
       "mode 0600 whatever the umask");
    ok(st.st_size == 65, "64 hex digits and a newline");

    ok(agw_crypt_key_load_or_create(&k2, path, err, sizeof(err)) == 0
       && memcmp(&k1, &k2, sizeof(k1)) == 0, "loaded again, not replaced");

    s = agw_crypt_seal(&k1, "c", 1, "abc", 3);
    pt = s ? agw_crypt_open(&k2, "c", 1, s, strlen(s), &len, err,
                            sizeof(err)) : NULL;
    ok(pt != NULL && len == 3, "what one seals the reloaded key opens");
    free(pt);
    free(s);

    chmod(path, 0644);
    ok(agw_crypt_key_load(&k2, path, err, sizeof(err)) != 0
       && strstr(err, "0600") != NULL, "a readable key file is refused: %s",
       err);

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    ok(fd >= 0 && write(fd, "abc\n", 4) == 4, "short key written");
    close(fd);
    ok(agw_crypt_key_load(&k2, path, err, sizeof(err)) != 0
       && strstr(err, "hex") != NULL, "a short key is refused: %s", err);

    unlink(path);
    ok(agw_crypt_key_load(&k2, path, err, sizeof(err)) != 0,
       "a missing key is an error: %s", err);

    rmdir(dir);
    agw_crypt_key_wipe(&k1);
    agw_crypt_key_wipe(&k2);
}


int
main(void)
{
    test_seal_open();
    test_key_file();

    return done_testing();
}
