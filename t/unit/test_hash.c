/* Hashing, hex and key generation. */

#include "tap.h"
#include "agw_hash.h"


int
main(void)
{
    unsigned char  d[AGW_SHA256_LEN], back[AGW_SHA256_LEN];
    char           hex[AGW_SHA256_HEX_LEN + 1], k1[AGW_KEY_SIZE],
                   k2[AGW_KEY_SIZE];
    size_t         i;
    int            alphabet_ok;

    ok(agw_sha256("abc", 3, d) == 0, "sha256 succeeds");
    agw_hex(d, sizeof(d), hex);
    /* FIPS 180-2 test vector for "abc". */
    is_str(hex,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "sha256(\"abc\") matches the FIPS vector");

    {
        agw_sha256_hasher_t  *h = agw_sha256_hasher_new();
        unsigned char         d2[AGW_SHA256_LEN];

        ok(h != NULL && agw_sha256_hash(h, "abc", 3, d2) == 0
           && memcmp(d, d2, sizeof(d)) == 0
           && agw_sha256_hash(h, "abc", 3, d2) == 0
           && memcmp(d, d2, sizeof(d)) == 0,
           "a reused hasher gives the same digest, twice");

        /* each hash starts afresh: nothing of the one before is left */
        ok(h != NULL && agw_sha256_hash(h, "", 0, d2) == 0, "empty hashed");
        agw_hex(d2, sizeof(d2), hex);
        is_str(hex,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256(\"\") after another matches the FIPS vector");
        ok(h != NULL && agw_sha256_hash(h, "abc", 3, d2) == 0
           && memcmp(d, d2, sizeof(d)) == 0,
           "and \"abc\" after it still matches");
        agw_hex(d, sizeof(d), hex);
        agw_sha256_hasher_free(h);
    }

    {
        unsigned char  all[256];
        char           got[513], want[513];
        static const char  digit[] = "0123456789abcdef";

        for (i = 0; i < 256; i++) {
            all[i] = (unsigned char) i;
            want[2 * i] = digit[i >> 4];
            want[2 * i + 1] = digit[i & 0xf];
        }

        want[512] = '\0';
        agw_hex(all, sizeof(all), got);
        is_str(got, want, "every byte value in hex, two lower-case digits");
    }

    ok(agw_unhex(hex, 64, back, sizeof(back)) == 0, "hex parses back");
    ok(agw_ct_equal(d, back, sizeof(d)), "round trip is equal");
    back[31] ^= 1;
    ok(!agw_ct_equal(d, back, sizeof(d)), "one bit differs: not equal");
    ok(agw_unhex("zz", 2, back, 1) == -1, "non-hex digits are refused");
    ok(agw_unhex("abc", 3, back, 1) == -1, "wrong length is refused");
    ok(agw_unhex("AB", 2, back, 1) == 0 && back[0] == 0xab,
       "upper-case hex is accepted");

    ok(agw_key_generate(k1, sizeof(k1)) == 0, "key generated");
    ok(agw_key_generate(k2, sizeof(k2)) == 0, "second key generated");
    is_int(strlen(k1), AGW_KEY_SIZE - 1, "key has prefix + 43 chars");
    ok(strncmp(k1, AGW_KEY_PREFIX, strlen(AGW_KEY_PREFIX)) == 0,
       "key starts with the prefix");
    ok(strcmp(k1, k2) != 0, "two keys differ");
    alphabet_ok = 1;
    for (i = strlen(AGW_KEY_PREFIX); k1[i]; i++) {
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789-_", k1[i]))
        {
            alphabet_ok = 0;
        }
    }
    ok(alphabet_ok, "key body is base64url");
    ok(agw_key_generate(k1, 10) == -1, "short buffer is refused");

    return done_testing();
}
