/*
 * agw_json_append (agw_json_write.c) against jansson's own dump with the
 * flags it replaces, byte for byte: every JSON fixture and every line of
 * every .jsonl fixture, loaded by jansson, then values that stress the
 * escapes, the UTF-8 check, integers and reals, and a string jansson
 * refuses to dump.
 */

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "agw_json_write.h"
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


/* Every .json and every .jsonl line of one fixture directory. */
static void
check_dir(const char *sub, int *files, int *values, int *bad)
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
    int                 i, files, values, bad;
    json_t             *j;
    agw_buf_t           b = AGW_BUF_INIT;
    static const char  *dirs[] = {
        "openai-chat", "openai-responses", "anthropic-messages", "gemini",
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

    files = values = bad = 0;
    for (i = 0; i < (int) (sizeof(dirs) / sizeof(dirs[0])); i++) {
        check_dir(dirs[i], &files, &values, &bad);
    }
    ok(files > 40 && values > 200, "%d fixture files, %d values read",
       files, values);
    ok(bad == 0, "every fixture value dumps as jansson dumps it");

    for (i = 0; i < (int) (sizeof(texts) / sizeof(texts[0])); i++) {
        j = json_loads(texts[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        ok(j != NULL && same_as_jansson(j, texts[i]), "as jansson: %s",
           texts[i]);
        json_decref(j);
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
