/*
 * agw_json_scan against jansson: the same verdict on hand-picked edge
 * cases, on every JSON fixture, and on byte mutations of each fixture.
 * The string scan, which goes by blocks of 16 and 32 bytes, against the
 * same rules byte by byte (json_ref.h): every special byte and escape at
 * every offset around the blocks' edges, cut at every length.
 */

#include <dirent.h>
#include <stdlib.h>
#include <jansson.h>

#include "tap.h"
#include "agw_json_scan.h"
#include "json_ref.h"


/* jansson's verdict for "one JSON object"; -2 when jansson refused only a
 * number out of its range, which the scanner leaves to the receiver. */
static int
jansson_verdict(const char *p, size_t len)
{
    json_t        *j;
    json_error_t   e;
    int            ok_;

    j = json_loadb(p, len, 0, &e);
    if (j == NULL) {
        if (strstr(e.text, "too big") || strstr(e.text, "overflow")) {
            return -2;
        }
        return 0;
    }

    ok_ = json_is_object(j);
    json_decref(j);
    return ok_;
}


static int
scan_verdict(const char *p, size_t len)
{
    return agw_json_scan(p, len, NULL, NULL, NULL) == 0;
}


static char *
slurp(const char *path, size_t *len)
{
    FILE  *f;
    char  *b;
    long   n;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc(n + 1);
    if (b && fread(b, 1, n, f) != (size_t) n) {
        free(b);
        b = NULL;
    }

    fclose(f);
    *len = (size_t) n;
    return b;
}


static int
count_cb(void *ud, const agw_json_member_t *m)
{
    (*(int *) ud)++;
    return 0;
}


/* What may stand in a string, valid or not: escapes, backslash runs,
 * controls, UTF-8 of each length and broken UTF-8, a quote. */
static const char  *specials[] = {
    "\\n", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\t",
    "\\u00e9", "\\ud83d\\ude00", "\\\\\\\\", "\\\\\\\"", "\\\\\\n",
    "\\x", "\\u0000", "\\ud800", "\\ud800x", "\\udc00", "\\u12", "\\U00e9",
    "\\\x01", "\\\xc3\xa9", "\\ ", "\\'", "\x01", "\x1f", "\x7f", " ",
    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc0\xaf",
    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "\xff", "\xe2\x82",
    "\"", NULL
};


/*
 * The string '"' filler(i) a filler(j) b, then a closing quote unless
 * cut: compared with the reference as it is and cut at every length
 * (when cut is set).  Returns the number of disagreements.
 */
static size_t
string_case(size_t i, const char *a, size_t j, const char *b, int cut)
{
    size_t  n, k, bad;
    char    text[256];

    static const char  fill[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
                                "KLMNOPQRSTUVWXYZ0123456789";

    n = (size_t) snprintf(text, sizeof(text), "\"%.*s%s%.*s%s\"",
                          (int) i, fill, a, (int) j, fill + 10, b);
    bad = 0;

    if (ref_string_compare(text, n) != 0) {
        bad++;
        tap_diag("differs: %zu + \"%s\" + %zu + \"%s\"", i, a, j, b);
    }

    for (k = 1; cut && k < n; k++) {
        if (ref_string_compare(text, k) != 0) {
            bad++;
            tap_diag("differs cut at %zu: %zu + \"%s\" + %zu + \"%s\"",
                     k, i, a, j, b);
        }
    }

    return bad;
}


static void
string_scan_tests(void)
{
    size_t         i, j, n, k, bad;
    uint64_t       bs, seed;
    const char   **a, **b;
    char           text[160];
    static const char  alphabet[] = "a\\\"nu0d8e\x01\xc3\xa9 t/";

    /* the escaped bytes' arithmetic: every 16-bit mask, and 32- and
     * 64-bit ones (made of runs: random masks ORed) */
    bad = 0;
    for (bs = 0; bs < 0x10000; bs++) {
        bad += (agw_json_escaped_bits(bs) & 0x1FFFF)
               != ref_escaped_bits(bs, 16);
    }

    seed = 88172645463325252ULL;
    for (i = 0; i < 200000; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        bs = seed | seed >> 7 | seed << 19;

        if (i & 1) {
            bs &= 0xFFFFFFFF;
            bad += (agw_json_escaped_bits(bs) & 0x1FFFFFFFFULL)
                   != ref_escaped_bits(bs, 32);
        } else {
            bad += agw_json_escaped_bits(bs) != ref_escaped_bits(bs, 64);
        }
    }
    ok(bad == 0, "escaped bytes from a backslash mask: as a loop finds "
       "them, on every 16-bit mask and 200000 32- and 64-bit ones");

    /* one special at every offset around the 16- and 32-byte blocks,
     * ending before, at and after a block's end, cut at every length */
    bad = 0;
    for (a = specials; *a; a++) {
        for (i = 0; i <= 50; i++) {
            for (j = 0; j <= 20; j += (j < 2 || j > 14) ? 1 : 6) {
                bad += string_case(i, *a, j, "", 1);
            }
        }
    }
    ok(bad == 0, "each escape, control, UTF-8 sequence and quote at every "
       "offset of a block, cut at every length: as the byte loop");

    /* two of them, at every distance within a block */
    bad = 0;
    for (a = specials; *a; a++) {
        for (b = specials; *b; b++) {
            for (i = 0; i <= 33; i += (i < 12 || i > 28) ? 1 : 5) {
                for (j = 0; j <= 17; j++) {
                    bad += string_case(i, *a, j, *b, 0);
                }
            }
        }
    }
    ok(bad == 0, "two specials at every distance within a block: as the "
       "byte loop");

    /* random strings over the bytes that matter, at every length */
    bad = 0;
    seed = 0x9E3779B97F4A7C15ULL;
    for (i = 0; i < 100000; i++) {
        n = 1 + i % 150;
        text[0] = '"';
        for (k = 1; k < n; k++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text[k] = alphabet[seed % (sizeof(alphabet) - 1)];
        }

        if (ref_string_compare(text, n) != 0) {
            bad++;
            tap_diag("random string %zu differs", i);
        }
    }
    ok(bad == 0, "100000 random strings of backslashes, quotes, escape "
       "letters, controls and UTF-8: as the byte loop");
}


int
main(void)
{
    static const char  *valid[] = {
        "{}", " {\"a\":1} ", "{\"a\":[1,2,{\"b\":null}],\"c\":true}",
        "{\"s\":\"\\u00e9\\ud83d\\ude00 \\\"q\\\" \\/ \\b\\f\\n\\r\\t\"}",
        "{\"n\":-0.5e+10,\"m\":0,\"k\":1E3}", "{\"u\":\"h\xc3\xa9 \xf0\x9f\x98\x80\"}",
        NULL
    };
    static const char  *invalid[] = {
        "", "[]", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}",
        "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":tru}",
        "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\x01\"}",
        "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xff\"}",
        "{\"a\":\"\xe2\x82\"}", "{} {}", "{\"a\":1} x", "{\"a\":\"unterminated}",
        NULL
    };
    const char   **v, *dirs[] = { "t/fixtures/openai-chat",
                                  "t/fixtures/anthropic-messages",
                                  "t/fixtures/gemini",
                                  "t/fixtures/openai-responses", NULL };
    const char   **d;
    char          *b, path[512], *m;
    size_t         len, i, errpos, files, mismatches, mutations;
    int            jv, n;
    DIR           *dir;
    struct dirent *de;
    int64_t        iv;
    agw_json_member_t  mem;
    char           deep[2 * AGW_JSON_DEPTH_MAX + 40];

    string_scan_tests();

    for (v = valid; *v; v++) {
        ok(scan_verdict(*v, strlen(*v)) && jansson_verdict(*v, strlen(*v)) == 1,
           "valid: %s", *v);
    }

    for (v = invalid; *v; v++) {
        ok(!scan_verdict(*v, strlen(*v))
           && jansson_verdict(*v, strlen(*v)) == 0, "invalid: %s", *v);
    }

    ok(agw_json_scan("{\"a\":1, x}", 10, NULL, NULL, &errpos) == -1
       && errpos == 8, "the error position points at the offending byte");

    /* nesting: bounded, and refused past the bound without recursing on */
    strcpy(deep, "{\"a\":");
    for (i = 0; i < AGW_JSON_DEPTH_MAX + 5; i++) {
        strcat(deep, "[");
    }
    ok(!scan_verdict(deep, strlen(deep)), "nesting past the bound is refused");

    n = 0;
    ok(agw_json_scan("{\"a\":1,\"b\":{\"c\":2},\"d\":[3]}", 27, count_cb, &n,
                     NULL) == 0 && n == 3, "only top-level members reported");

    m = "{\"model\" : \"gpt-4o\", \"usage\":{\"prompt_tokens\":11}}";
    ok(agw_json_find(m, strlen(m), "model", &mem) == 0
       && mem.type == AGW_JSON_STRING && mem.value_len == 8
       && memcmp(mem.value, "\"gpt-4o\"", 8) == 0, "member found with quotes");
    ok(agw_json_find(m, strlen(m), "usage", &mem) == 0
       && mem.type == AGW_JSON_OBJECT
       && agw_json_find(mem.value, mem.value_len, "prompt_tokens", &mem) == 0
       && agw_json_member_int(&mem, &iv) == 0 && iv == 11, "nested integer read");
    ok(agw_json_find(m, strlen(m), "nope", &mem) == -1, "absent member");

    /*
     * A string's plain bytes are read eight at a time: each kind of byte
     * that stops that run (a quote, an escape, a control byte, DEL's
     * neighbours, non-ASCII valid or not) at every offset of a word, with
     * the same verdict as jansson.
     */
    mismatches = 0;
    for (i = 0; i < 24; i++) {
        static const char  *stops[] = {
            "\\\"", "\\\\", "\x01", "\x1f", " ", "\x7f", "\x80",
            "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff", "\xc3",
            "\"", NULL
        };
        char  text[96];

        for (v = stops; *v; v++) {
            n = snprintf(text, sizeof(text), "{\"k\":\"%.*s%s%.*s\"}",
                         (int) i, "abcdefghijklmnopqrstuvwxyz", *v,
                         (int) (23 - i), "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
            jv = jansson_verdict(text, (size_t) n);
            if (jv < 0 || jv != scan_verdict(text, (size_t) n)) {
                mismatches++;
                tap_diag("byte(s) %s at offset %zu: jansson %d", *v, i, jv);
            }
        }
    }
    ok(mismatches == 0, "every byte that ends a plain run, at every offset "
       "of a word: the same verdict as jansson");

    /* every fixture, and mutations of it: the same verdict as jansson */
    files = mismatches = mutations = 0;

    for (d = dirs; *d; d++) {
        dir = opendir(*d);
        if (dir == NULL) {
            continue;
        }

        while ((de = readdir(dir)) != NULL) {
            len = strlen(de->d_name);
            if (len < 5 || strcmp(de->d_name + len - 5, ".json") != 0) {
                continue;
            }

            snprintf(path, sizeof(path), "%s/%s", *d, de->d_name);
            b = slurp(path, &len);
            if (b == NULL) {
                continue;
            }

            files++;
            jv = jansson_verdict(b, len);
            if (jv >= 0 && jv != scan_verdict(b, len)) {
                mismatches++;
                tap_diag("fixture %s: jansson %d", path, jv);
            }

            for (i = 0; i < len; i += 1 + len / 200) {
                static const char  subst[] = { '"', '{', '}', ',', '\\',
                                               (char) 0xff, '1', ' ' };
                char   saved = b[i];
                size_t k;

                for (k = 0; k < sizeof(subst); k++) {
                    b[i] = subst[k];
                    jv = jansson_verdict(b, len);
                    if (jv >= 0 && jv != scan_verdict(b, len)) {
                        mismatches++;
                        tap_diag("%s byte %zu -> 0x%02x: jansson %d", path,
                                 i, (unsigned char) subst[k], jv);
                    }
                    mutations++;
                }

                b[i] = saved;

                /* truncated at this byte */
                jv = jansson_verdict(b, i);
                if (jv >= 0 && jv != scan_verdict(b, i)) {
                    mismatches++;
                    tap_diag("%s cut at %zu: jansson %d", path, i, jv);
                }
            }

            free(b);
        }

        closedir(dir);
    }

    ok(files > 20, "fixtures read (%zu)", files);
    tap_diag("%zu mutations compared", mutations);
    is_int(mismatches, 0, "scanner and jansson agree on fixtures and mutations");

    return done_testing();
}
