/*
 * agw_json_tree against jansson.  Writing (agw_json_append) against
 * jansson's dump with the flags it replaces, byte for byte; reading
 * (agw_json_load) against json_loadb: the same verdict and the same tree,
 * member order and number types included.  On every JSON fixture and
 * every line of every .jsonl fixture, on byte mutations and cuts of each,
 * and on values that stress escapes, UTF-8, integers and reals.
 */

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "agw_json_tree.h"
#include "tap.h"
#include "fixtures.h"


#define FLAGS  (JSON_COMPACT | JSON_REAL_PRECISION(15))


/* 1 when both dumps agree (both fail, or the same bytes). */
static int
same_as_jansson(const json_t *j, const char *what)
{
    int         rc, same;
    char       *want;
    agw_buf_t   got = AGW_BUF_INIT;

    want = json_dumps(j, FLAGS | JSON_ENCODE_ANY);
    rc = agw_json_append(&got, j);

    same = want == NULL ? rc != 0
                        : rc == 0 && got.len == strlen(want)
                          && memcmp(got.data, want, got.len) == 0;
    if (!same) {
        tap_diag("%s:\n# jansson %s\n# ours    %s", what,
                 want ? want : "(refused)", rc == 0 ? got.data : "(refused)");
    }

    free(want);
    agw_buf_free(&got);
    return same;
}


/*
 * 1 when agw_json_load and json_loadb agree on text: both refuse it, or
 * both build trees that are equal (json_equal: an integer never equals a
 * real) and print the same bytes (member order).
 */
static int
loads_as_jansson(const char *text, size_t len, const char *what)
{
    int         same;
    json_t     *a, *b;
    agw_buf_t   da = AGW_BUF_INIT, db = AGW_BUF_INIT;

    a = agw_json_load(text, len);
    b = json_loadb(text, len, 0, NULL);

    if (a == NULL || b == NULL) {
        /* jansson's lexer skips a NUL byte that ends a token (it takes
         * the byte for the end of its one-character buffer); we refuse
         * any NUL outside a string, as the grammar says */
        same = (a == NULL && b == NULL)
               || (a == NULL && memchr(text, '\0', len) != NULL);
    } else {
        same = json_equal(a, b)
               && agw_json_append(&da, a) == 0
               && agw_json_append(&db, b) == 0
               && da.len == db.len && memcmp(da.data, db.data, da.len) == 0;
    }

    if (!same) {
        tap_diag("%s: ours %s, jansson %s", what, a ? "a tree" : "refused",
                 b ? "a tree" : "refused");
    }

    json_decref(a);
    json_decref(b);
    agw_buf_free(&da);
    agw_buf_free(&db);
    return same;
}


/* The text, then mutations of it: bytes replaced, cuts. */
static void
load_mutations(char *text, size_t len, const char *name, int *cases,
    int *bad)
{
    size_t             i, k;
    char               saved, what[600];
    static const char  subst[] = { '"', '{', '}', '[', ']', ',', ':', '\\',
                                   'u', '0', '-', 'e', '.', ' ', '\0',
                                   (char) 0x1f, (char) 0x80, (char) 0xff };

    (*cases)++;
    *bad += !loads_as_jansson(text, len, name);

    for (i = 0; i < len; i += 1 + len / 60) {
        saved = text[i];

        for (k = 0; k < sizeof(subst); k++) {
            text[i] = subst[k];
            snprintf(what, sizeof(what), "%s byte %zu -> 0x%02x", name, i,
                     (unsigned char) subst[k]);
            (*cases)++;
            *bad += !loads_as_jansson(text, len, what);
        }

        text[i] = saved;

        snprintf(what, sizeof(what), "%s cut at %zu", name, i);
        (*cases)++;
        *bad += !loads_as_jansson(text, i, what);
    }
}


/* Every .json and every .jsonl line of one fixture directory. */
static void
check_dir(const char *sub, int *files, int *values, int *bad, int *cases,
    int *lbad)
{
    DIR            *d;
    char           *text, *line, *nl, name[512], path[512];
    size_t          len, n;
    json_t         *j;
    struct dirent  *e;

    snprintf(path, sizeof(path), "%s/%s",
             getenv("AGW_FIXTURES") ? getenv("AGW_FIXTURES") : "t/fixtures",
             sub);
    d = opendir(path);
    if (d == NULL) {
        (*bad)++;
        return;
    }

    while ((e = readdir(d)) != NULL) {
        n = strlen(e->d_name);
        if (!(n > 5 && strcmp(e->d_name + n - 5, ".json") == 0)
            && !(n > 6 && strcmp(e->d_name + n - 6, ".jsonl") == 0))
        {
            continue;
        }

        snprintf(name, sizeof(name), "%s/%s", sub, e->d_name);
        text = fixture_read(name, &len);
        if (text == NULL) {
            (*bad)++;
            continue;
        }
        (*files)++;

        if (e->d_name[n - 1] == 'n') {
            load_mutations(text, len, name, cases, lbad);
            j = json_loadb(text, len, JSON_DECODE_ANY, NULL);
            if (j != NULL) {
                (*values)++;
                *bad += !same_as_jansson(j, name);
                json_decref(j);
            }

        } else {
            for (line = text; *line; line = nl + 1) {
                nl = strchr(line, '\n');
                if (nl == NULL) {
                    nl = line + strlen(line) - 1;
                }
                if (*values % 7 == 0) {
                    load_mutations(line, (size_t) (nl - line + 1), name,
                                   cases, lbad);
                }
                j = json_loadb(line, (size_t) (nl - line + 1),
                               JSON_DECODE_ANY, NULL);
                if (j != NULL) {
                    (*values)++;
                    *bad += !same_as_jansson(j, name);
                    json_decref(j);
                }
                if (nl[1] == '\0') {
                    break;
                }
            }
        }

        free(text);
    }

    closedir(d);
}


int
main(void)
{
    int                 i, files, values, bad, cases, lbad;
    json_t             *j;
    agw_buf_t           b = AGW_BUF_INIT;
    static const char  *dirs[] = {
        "openai-chat", "openai-responses", "anthropic-messages", "gemini",
    };
    static const char  *loads[] = {
        "{}", " [ ] ", "{\"a\":1,\"a\":2,\"b\":3}", "[1,]", "{,}", "[01]",
        "[-0]", "[-]", "[1.]", "[.5]", "[1e]", "[1e+]", "[1E5]", "[-1.5e-3]",
        "[9223372036854775807]", "[9223372036854775808]",
        "[-9223372036854775808]", "[-9223372036854775809]", "[1e308]",
        "[1e309]", "[-1e309]", "[1e-400]", "[123456789012345678901234567890]",
        "[0.00000000000000000000000000000000000000000000000000000000000000001]",
        "[\"\\u0000\"]", "{\"\\u0000\":1}", "[\"\\ud800\"]", "[\"\\udc00\"]",
        "[\"\\ud83d\\ude00\"]", "[\"\\ud83d\\u0041\"]", "[\"\\x\"]",
        "[\"\\u12\"]", "[\"a\tb\"]", "[\"\\/\"]", "[tru]", "[true ]",
        "[nul]", "[falsey]", "{\"a\" 1}", "{\"a\":}", "{1:2}", "\"s\"", "1",
        "true", "{} x", "{}{}", "", " ", "[[[[[[[[[[]]]]]]]]]]",
    };
    static const char  *texts[] = {
        "{}", "[]", "[[],{},[{}]]", "\"\"", "0", "-0", "null", "true",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
        "{\"z\":1,\"a\":2,\"m\":3}",
        "[9223372036854775807,-9223372036854775808]",
        "[0.1,0.7,1.5,-0.0,1e300,1e-7,123456789012.5,1e16,1.0,2e0,5e-324]",
        "[3.141592653589793,1.7976931348623157e308,100.0,1e21,1e-5]",
        "\"quote \\\" back \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"",
        "\"ctl \\u0001 \\u001f \\u007f del\"",
        "\"caf\\u00e9 \\u20ac \\ud83d\\ude00 \\u2028\"",
        "{\"key\":\"v\\u0000al\"}",
        "{\"\\u00e9\":[\"\\u0000\"]}",
    };

    files = values = bad = cases = lbad = 0;
    for (i = 0; i < (int) (sizeof(dirs) / sizeof(dirs[0])); i++) {
        check_dir(dirs[i], &files, &values, &bad, &cases, &lbad);
    }
    ok(files > 40 && values > 200, "%d fixture files, %d values read",
       files, values);
    ok(bad == 0, "every fixture value dumps as jansson dumps it");
    ok(cases > 20000 && lbad == 0,
       "%d fixture texts, mutations and cuts load as jansson loads them",
       cases);

    for (i = 0; i < (int) (sizeof(texts) / sizeof(texts[0])); i++) {
        j = json_loads(texts[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        ok(j != NULL && same_as_jansson(j, texts[i]), "as jansson: %s",
           texts[i]);
        json_decref(j);
    }

    for (i = 0; i < (int) (sizeof(loads) / sizeof(loads[0])); i++) {
        ok(loads_as_jansson(loads[i], strlen(loads[i]), loads[i]),
           "loads as jansson: %s", loads[i]);
    }

    /* strings that were never checked: jansson refuses, and so do we,
     * leaving the buffer as it was */
    j = json_pack("{s:o}", "k", json_stringn_nocheck("a\xff" "b", 3));
    agw_buf_append_str(&b, "kept");
    ok(same_as_jansson(j, "invalid UTF-8") && agw_json_append(&b, j) != 0
       && strcmp(b.data, "kept") == 0,
       "invalid UTF-8: refused like jansson, the buffer unchanged");
    json_decref(j);

    j = json_stringn_nocheck("\xed\xa0\x80", 3);        /* a surrogate */
    ok(same_as_jansson(j, "surrogate"), "an encoded surrogate: refused");
    json_decref(j);

    j = json_stringn_nocheck("\xc0\xaf", 2);            /* overlong '/' */
    ok(same_as_jansson(j, "overlong"), "an overlong form: refused");
    json_decref(j);

    j = json_stringn_nocheck("\xf4\x90\x80\x80", 4);    /* past U+10FFFF */
    ok(same_as_jansson(j, "too high"), "past U+10FFFF: refused");
    json_decref(j);

    j = json_stringn_nocheck("\xe2\x82", 2);            /* cut short */
    ok(same_as_jansson(j, "cut"), "a sequence cut short: refused");
    json_decref(j);

    agw_buf_free(&b);
    return done_testing();
}
