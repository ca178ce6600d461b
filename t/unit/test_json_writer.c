/*
 * The writer (agw_json_writer.h): what it writes, parsed by jansson, is
 * the JSON meant; its escaper writes what jansson's does; every fixture
 * read by the pull reader and written back is the same JSON; integers;
 * the depth bound and sticky failure.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <jansson.h>

#include "tap.h"
#include "json_walk.h"
#include "agw_json_writer.h"


/* Undefined behaviour fails the test, not only a line on stderr. */
const char *
__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}


/* Whether the buffer holds JSON equal to want (a jansson text). */
static int
same_json(const agw_buf_t *b, const char *want)
{
    int      eq;
    json_t  *g, *w;

    g = json_loadb(b->data ? b->data : "", b->len, JSON_DECODE_ANY, NULL);
    w = json_loads(want, JSON_DECODE_ANY, NULL);
    eq = g != NULL && w != NULL && json_equal(g, w);

    if (!eq) {
        tap_diag("got  %.*s", (int) b->len, b->data ? b->data : "");
        tap_diag("want %s", want);
    }

    json_decref(g);
    json_decref(w);
    return eq;
}


static void
test_structure(void)
{
    agw_jw_t   w;
    agw_buf_t  b = AGW_BUF_INIT;
    agw_str_t  model = { "gpt-4o", 6, AGW_STR_JSON, 0 };
    agw_str_t  esc = { "a\\nb\\u00e9", 10, AGW_STR_JSON, 1 };
    agw_str_t  val = { "{\"x\": [1, 2]}", 13, AGW_STR_VALUE, 0 };
    agw_str_t  num = { "1.5e3", 5, AGW_STR_VALUE, 0 };

    agw_jw_init(&w, &b);
    agw_jw_object(&w);
    agw_jw_key(&w, "model");
    agw_jw_str(&w, &model);
    agw_jw_key(&w, "max_tokens");
    agw_jw_int(&w, 4096);
    agw_jw_key(&w, "stream");
    agw_jw_bool(&w, 1);
    agw_jw_key(&w, "stop");
    agw_jw_null(&w);
    agw_jw_key(&w, "list");
    agw_jw_array(&w);
    agw_jw_int(&w, -1);
    agw_jw_bool(&w, 0);
    agw_jw_array(&w);
    agw_jw_array_end(&w);
    agw_jw_object(&w);
    agw_jw_object_end(&w);
    agw_jw_lit(&w, "q\"");
    agw_jw_raw(&w, &num);
    agw_jw_array_end(&w);
    agw_jw_key(&w, "schema");
    agw_jw_raw(&w, &val);
    agw_jw_key(&w, "args");
    agw_jw_str(&w, &val);
    agw_jw_key(&w, "esc");
    agw_jw_str(&w, &esc);
    agw_jw_key_str(&w, &esc);
    agw_jw_str(&w, &esc);
    agw_jw_object_end(&w);

    ok(!w.failed && w.depth == 0 && same_json(&b,
       "{\"model\":\"gpt-4o\",\"max_tokens\":4096,\"stream\":true,"
       "\"stop\":null,\"list\":[-1,false,[],{},\"q\\\"\",1500.0],"
       "\"schema\":{\"x\":[1,2]},\"args\":\"{\\\"x\\\": [1, 2]}\","
       "\"esc\":\"a\\nb\\u00e9\",\"a\\nb\\u00e9\":\"a\\nb\\u00e9\"}")
       && strstr(b.data, "\"schema\":{\"x\": [1, 2]},") != NULL,
       "a document: commas and colons in place, each kind of string");
    ok(b.data[b.len] == '\0', "the buffer stays NUL-terminated");

    /* raw: a JSON-kind string's characters, decoded into the output */
    agw_buf_reset(&b);
    agw_jw_init(&w, &b);
    {
        static const char  a[] = "{\\\"city\\\":\\\"Paris\\\"}";
        agw_str_t          args = { a, sizeof(a) - 1, AGW_STR_JSON, 1 };

        agw_jw_object(&w);
        agw_jw_key(&w, "input");
        agw_jw_raw(&w, &args);
        agw_jw_object_end(&w);
    }
    ok(!w.failed && b.len == 26
       && memcmp(b.data, "{\"input\":{\"city\":\"Paris\"}}", 26) == 0
       && b.data[b.len] == '\0', "raw: a JSON-kind string written unescaped");
    if (b.len != 26) {
        tap_diag("got %.*s", (int) b.len, b.data);
    }

    /* SSE framing around documents */
    agw_buf_reset(&b);
    agw_jw_init(&w, &b);
    agw_jw_append(&w, "data: ", 6);
    agw_jw_object(&w);
    agw_jw_key(&w, "a");
    agw_jw_int(&w, 1);
    agw_jw_object_end(&w);
    agw_jw_append(&w, "\n\n", 2);
    agw_jw_reset_state(&w);
    agw_jw_append(&w, "data: {\"t\":\"", 12);
    agw_jw_escape(&w, "x\"y", 3);
    agw_jw_append(&w, "\"}\n\n", 4);
    agw_jw_append(&w, "data: ", 6);
    agw_jw_array(&w);
    agw_jw_int(&w, 2);
    agw_jw_array_end(&w);
    ok(!w.failed && b.len == 44
       && memcmp(b.data, "data: {\"a\":1}\n\ndata: {\"t\":\"x\\\"y\"}\n\n"
                 "data: [2]", 44) == 0,
       "append, escape and reset_state: events, no stray commas");

    /* an event's opening appended whole: the writer goes on inside it */
    agw_buf_reset(&b);
    agw_jw_init(&w, &b);
    agw_jw_append(&w, "data: {\"type\":\"t\"", 17);
    agw_jw_object_appended(&w);
    agw_jw_key(&w, "n");
    agw_jw_int(&w, 1);
    agw_jw_object_end(&w);
    agw_jw_append(&w, "\n\n", 2);
    ok(!w.failed && w.depth == 0 && b.len == 26
       && memcmp(b.data, "data: {\"type\":\"t\",\"n\":1}\n\n", 26) == 0,
       "object_appended: the next member takes its comma, the object "
       "ends the document");

    agw_buf_free(&b);
}


static void
test_escape(void)
{
    int        c, mism;
    char       in[4];
    json_t    *j;
    agw_jw_t   w;
    agw_buf_t  b = AGW_BUF_INIT;
    char      *want;

    /* every ASCII byte alone, and in a run: what jansson writes (its hex
     * in lower case, as the old escaper wrote it) */
    mism = 0;

    for (c = 1; c < 0x80; c++) {
        in[0] = 'a';
        in[1] = (char) c;
        in[2] = 'b';

        agw_buf_reset(&b);
        agw_jw_init(&w, &b);
        agw_jw_bytes(&w, in, 3);

        j = json_stringn(in, 3);
        want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);

        if (w.failed || b.len != strlen(want)
            || strncasecmp(b.data, want, b.len) != 0)
        {
            mism++;
            tap_diag("byte 0x%02x: got %.*s want %s", c, (int) b.len,
                     b.data, want);
        }

        free(want);
        json_decref(j);
    }

    ok(mism == 0, "each ASCII byte escaped as jansson does");

    agw_buf_reset(&b);
    agw_jw_init(&w, &b);
    agw_jw_lit(&w, "\x01\x1f\n");
    ok(b.len == 16 && memcmp(b.data, "\"\\u0001\\u001f\\n\"", 16) == 0,
       "\\u00xx in lower case");

    /* valid UTF-8 as it is; bytes that are not become U+FFFD */
    agw_buf_reset(&b);
    agw_jw_init(&w, &b);
    agw_jw_lit(&w, "h\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac/");
    ok(b.len == 15 && memcmp(b.data, "\"h\xc3\xa9 \xf0\x9f\x98\x80 "
                             "\xe2\x82\xac/\"", 15) == 0,
       "valid UTF-8 and '/' copied as they are");

    agw_buf_reset(&b);
    agw_jw_init(&w, &b);
    agw_jw_lit(&w, "a\xff" "b\xc3" "c\xed\xa0\x80" "d\xc0\xaf");
    ok(same_json(&b, "\"a\\ufffdb\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd"
                     "\\ufffd\""),
       "bytes that are not UTF-8 become U+FFFD each: the output is JSON");

    /* an unset string (a zeroed node's: kind JSON, data NULL) writes "" */
    agw_buf_free(&b);
    agw_jw_init(&w, &b);
    {
        agw_str_t  unset;

        memset(&unset, 0, sizeof(unset));
        agw_jw_array(&w);
        agw_jw_str(&w, &unset);
        agw_jw_append(&w, NULL, 0);
        agw_jw_int(&w, 1);
        agw_jw_array_end(&w);
    }
    ok(!w.failed && b.len == 6 && memcmp(b.data, "[\"\",1]", 6) == 0,
       "an unset string: no NULL handed to memcpy");

    /* nothing to escape, into a buffer that has nothing yet */
    agw_buf_free(&b);
    agw_jw_init(&w, &b);
    agw_jw_escape(&w, "", 0);
    ok(!w.failed && b.len == 0, "an empty string escaped into an empty "
       "buffer");

    agw_buf_free(&b);
}


/*
 * The escaper copies 16 bytes at a time and then looks where the run ends:
 * an escape, a UTF-8 character or a bad byte at every place around two
 * blocks' edges, in strings of every length up to three blocks, written
 * as jansson writes them (a bad byte: U+FFFD).
 */
static void
test_escape_runs(void)
{
    int          mism;
    char         in[64], *want;
    size_t       len, at, k, n;
    json_t      *j;
    agw_jw_t     w;
    agw_buf_t    b = AGW_BUF_INIT;
    const char  *ins[] = { "\"", "\n", "\x01", "\xc3\xa9",
                           "\xf0\x9f\x98\x80", "\xff" };

    mism = 0;

    for (k = 0; k < sizeof(ins) / sizeof(ins[0]); k++) {
        n = strlen(ins[k]);

        for (len = n; len < 48; len++) {
            for (at = 0; at + n <= len; at++) {
                memset(in, 'x', len);
                memcpy(in + at, ins[k], n);

                agw_buf_reset(&b);
                agw_jw_init(&w, &b);
                agw_jw_bytes(&w, in, len);

                if (ins[k][0] == '\xff') {
                    in[at] = '?';
                }

                j = json_stringn(in, len);
                want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);

                if (ins[k][0] == '\xff') {
                    /* U+FFFD where the '?' stands */
                    if (w.failed || b.len != strlen(want) + 5
                        || memcmp(b.data, want, at + 1) != 0
                        || memcmp(b.data + at + 1, "\\ufffd", 6) != 0
                        || strcmp(b.data + at + 7, want + at + 2) != 0)
                    {
                        mism++;
                    }

                } else if (w.failed || b.len != strlen(want)
                           || strncasecmp(b.data, want, b.len) != 0)
                {
                    mism++;
                    tap_diag("%zu bytes, %zu at %zu: got %.*s want %s",
                             len, k, at, (int) b.len, b.data, want);
                }

                free(want);
                json_decref(j);
            }
        }
    }

    ok(mism == 0, "escapes, UTF-8 and bad bytes at every place of runs "
       "across 16-byte blocks");

    /* runs of escapes longer than the room made for them at once */
    mism = 0;

    for (len = 0; len < 64; len++) {
        for (at = 0; at < len; at++) {
            in[at] = "\"\n\\x\t\""[(at * 7 + len) % 6];
        }

        agw_buf_reset(&b);
        agw_jw_init(&w, &b);
        agw_jw_bytes(&w, in, len);

        j = json_stringn(in, len);
        want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);

        if (w.failed || b.len != strlen(want)
            || memcmp(b.data, want, b.len) != 0)
        {
            mism++;
            tap_diag("%zu escapes: got %.*s want %s", len, (int) b.len,
                     b.data, want);
        }

        free(want);
        json_decref(j);
    }

    ok(mism == 0, "strings of escapes, one after another");

    agw_buf_free(&b);
}


/*
 * Text with an escape every few bytes (JSON inside a string): blocks of
 * quotes and backslashes only take the escaper's fast round, blocks with
 * other escapes or UTF-8 the byte by byte one, in any order and length,
 * and long ones make the buffer grow within a string.  As jansson writes.
 */
static void
test_escape_dense(void)
{
    int          mism;
    char        *in, *want;
    size_t       len, i, n, round;
    json_t      *j;
    uint32_t     x;
    agw_jw_t     w;
    agw_buf_t    b = AGW_BUF_INIT;
    const char  *a, *alpha[] = { "\"", "\\", "a", "b", " ", "/", "\n", "\t",
                             "\x01", "\xc3\xa9", "\xf0\x9f\x98\x80" };

    mism = 0;
    x = 12345;
    in = malloc(4 * 4096);

    for (round = 0; round < 3000; round++) {
        x = x * 1103515245 + 12345;
        len = (round < 2900) ? (x >> 8) % 300 : 4096;

        for (i = 0, n = 0; i < len; i++) {
            x = x * 1103515245 + 12345;
            /* mostly the fast round's bytes, now and then the others */
            a = alpha[(x >> 16) % 32 < 28 ? (x >> 8) % 4
                                                        : (x >> 8) % 11];
            memcpy(in + n, a, strlen(a));
            n += strlen(a);
        }

        agw_buf_reset(&b);
        agw_jw_init(&w, &b);
        agw_jw_bytes(&w, in, n);

        j = json_stringn(in, n);
        want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);

        if (w.failed || b.len != strlen(want)
            || strncasecmp(b.data, want, b.len) != 0)
        {
            mism++;
            if (mism < 3) {
                tap_diag("%zu bytes: got %.*s want %s", n, (int) b.len,
                         b.data, want);
            }
        }

        free(want);
        json_decref(j);
    }

    ok(mism == 0, "dense escapes in strings of every length, as jansson");

    free(in);
    agw_buf_free(&b);
}


/*
 * agw_jw_value_inside(): an object's text with white space (jansson's
 * indented dump) becomes the inside of the string holding its compact
 * dump, escaped: as jansson writes that string.
 */
static void
test_value_inside(void)
{
    int          mism;
    char        *spaced, *compact, *want, key[8];
    size_t       i, k, round;
    json_t      *o, *inner, *s;
    uint32_t     x;
    agw_jw_t     w;
    agw_str_t    v;
    agw_buf_t    b = AGW_BUF_INIT;
    const char  *texts[] = { "plain", "say \"hi\"", "a\\b", "line\nnext",
                             "tab\there", "caf\xc3\xa9 \xe2\x86\x92",
                             "{\"json\": [1, 2]}", " ", "" };

    mism = 0;
    x = 777;

    for (round = 0; round < 300; round++) {
        o = json_object();
        inner = json_array();

        for (i = 0; i < 1 + round % 7; i++) {
            x = x * 1103515245 + 12345;
            k = (x >> 8) % (sizeof(texts) / sizeof(texts[0]));
            snprintf(key, sizeof(key), "k%zu", i);
            json_object_set_new(o, key, json_string(texts[k]));
            json_array_append_new(inner, json_integer((json_int_t) k));
            json_array_append_new(inner, json_string(texts[(k + i) % 9]));
        }

        json_object_set_new(o, "list", inner);
        json_object_set_new(o, "t", json_true());

        spaced = json_dumps(o, JSON_INDENT(round % 4) | JSON_PRESERVE_ORDER);
        compact = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        s = json_string(compact);
        want = json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT);

        v = agw_str_bytes(spaced, strlen(spaced));
        v.kind = AGW_STR_VALUE;

        agw_buf_reset(&b);
        agw_jw_init(&w, &b);
        agw_jw_append(&w, "\"", 1);
        agw_jw_value_inside(&w, &v);
        agw_jw_append(&w, "\"", 1);

        if (w.failed || b.len != strlen(want)
            || strncasecmp(b.data, want, b.len) != 0)
        {
            mism++;
            if (mism < 3) {
                tap_diag("got %.*s want %s", (int) b.len, b.data, want);
            }
        }

        free(spaced);
        free(compact);
        free(want);
        json_decref(s);
        json_decref(o);
    }

    ok(mism == 0, "a value's text, compact, as a string's inside");

    agw_buf_free(&b);
}


static void
test_int(void)
{
    size_t     k;
    char       want[32];
    agw_jw_t   w;
    agw_buf_t  b = AGW_BUF_INIT;
    int64_t    v[] = { 0, 1, -1, 9, 10, 99, 100, 101, -100, 4096, 65535,
                       1000000007, -2147483648LL, 9999999999LL,
                       INT64_MAX, INT64_MIN, INT64_MIN + 1 };
    int        mism = 0;

    for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
        agw_buf_reset(&b);
        agw_jw_init(&w, &b);
        agw_jw_int(&w, v[k]);
        snprintf(want, sizeof(want), "%" PRId64, v[k]);

        if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0) {
            mism++;
            tap_diag("%s: got %.*s", want, (int) b.len, b.data);
        }
    }

    /* and every power of ten's neighbours */
    for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10) {
        for (int64_t d = -1; d <= 1; d++) {
            agw_buf_reset(&b);
            agw_jw_init(&w, &b);
            agw_jw_int(&w, p + d);
            snprintf(want, sizeof(want), "%" PRId64, p + d);
            mism += b.len != strlen(want) || memcmp(b.data, want, b.len);
        }
    }

    ok(mism == 0, "integers as printf prints them");
    agw_buf_free(&b);
}


static void
test_failure(void)
{
    int        i;
    size_t     len;
    agw_jw_t   w;
    agw_buf_t  b = AGW_BUF_INIT;

    agw_jw_init(&w, &b);
    for (i = 0; i < AGW_JW_DEPTH_MAX; i++) {
        agw_jw_array(&w);
    }
    for (i = 0; i < AGW_JW_DEPTH_MAX; i++) {
        agw_jw_array_end(&w);
    }
    ok(!w.failed && b.len == 2 * AGW_JW_DEPTH_MAX, "nesting to the bound");

    agw_buf_reset(&b);
    agw_jw_init(&w, &b);
    for (i = 0; i <= AGW_JW_DEPTH_MAX; i++) {
        agw_jw_array(&w);
    }
    len = b.len;
    agw_jw_int(&w, 1);
    agw_jw_array_end(&w);
    agw_jw_append(&w, "x", 1);
    ok(w.failed && len == AGW_JW_DEPTH_MAX && b.len == len,
       "one past the bound fails, and nothing more is written");

    agw_buf_reset(&b);
    agw_jw_init(&w, &b);
    agw_jw_array_end(&w);
    ok(w.failed && b.len == 0, "a close without an open fails");

    agw_jw_init(&w, &b);
    agw_jw_key(&w, "a");
    ok(w.failed && b.len == 0, "a key outside an object fails");

    agw_jw_init(&w, &b);
    agw_jw_object(&w);
    agw_jw_key(&w, "a");
    agw_jw_key(&w, "b");
    ok(w.failed, "two keys in a row fail");

    agw_jw_init(&w, &b);
    agw_jw_object(&w);
    agw_jw_key(&w, "a");
    agw_jw_object_end(&w);
    ok(w.failed, "a key without its value fails");

    agw_buf_free(&b);
}


typedef struct {
    size_t  docs;
    size_t  mismatches;
} copy_stats_t;


/*
 * A fixture read with the pull reader and written back (strings as the
 * reader gave them, every third value carried whole): jansson-equal to
 * the fixture.  Then the escaper's round trip: each string decoded and
 * escaped again (walk_tree decodes, json_dumps re-escapes nothing of
 * ours, so the writer's escaper is run on the decoded characters).
 */
static void
fixture_copy(const char *name, char *p, size_t len, void *ud)
{
    int            jv, rc;
    char          *text;
    json_t        *want, *got;
    agw_jr_t       r;
    agw_jw_t       w;
    agw_buf_t      b = AGW_BUF_INIT;
    unsigned       turn;
    copy_stats_t  *st = ud;

    jv = walk_jansson_verdict(p, len, &want);
    if (jv != 1) {
        return;
    }

    st->docs++;

    for (turn = 0; turn < 3; turn++) {
        unsigned  t = turn;

        agw_buf_reset(&b);
        agw_jr_init(&r, p, len);
        agw_jw_init(&w, &b);

        rc = walk_copy(&r, &w, &t, 0);
        got = json_loadb(b.data ? b.data : "", b.len, JSON_DECODE_ANY, NULL);

        if (rc != 0 || agw_jr_end(&r) != 0 || w.failed || w.depth != 0
            || !json_equal(got, want))
        {
            st->mismatches++;
            tap_diag("copy of %s (turn %u) differs", name, turn);
        }

        json_decref(got);
    }

    /* every string through the escaper: jansson's text of the tree,
     * read, each string decoded to bytes and written as BYTES */
    text = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
    agw_buf_reset(&b);
    agw_jr_init(&r, text, strlen(text));
    agw_jw_init(&w, &b);

    turn = 0;

    if (walk_copy(&r, &w, &turn, 1) != 0 || w.failed) {
        st->mismatches++;
        tap_diag("escape copy of %s failed", name);

    } else {
        got = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
        if (!json_equal(got, want)) {
            st->mismatches++;
            tap_diag("escape copy of %s differs", name);
        }
        json_decref(got);
    }

    free(text);
    json_decref(want);
    agw_buf_free(&b);
}


/*
 * Keys and plain strings of every length from 0 to 40, after a prefix of
 * every length up to 40 (so that each meets the buffer's growth at every
 * offset), byte for byte: short runs are copied by overlapping moves.
 */
static void
test_short_copies(void)
{
    int        bad;
    char       name[41], want[256], *p;
    size_t     len, pre, n;
    agw_jw_t   w;
    agw_buf_t  b;
    agw_str_t  s;

    bad = 0;

    for (pre = 0; pre <= 40; pre++) {
        for (len = 0; len <= 40; len++) {
            for (n = 0; n < len; n++) {
                name[n] = (char) ('a' + (n * 7 + len) % 26);
            }
            name[len] = '\0';

            b = (agw_buf_t) AGW_BUF_INIT;
            agw_jw_init(&w, &b);
            agw_jw_object(&w);
            agw_jw_key(&w, "k");
            agw_jw_bytes(&w, "0123456789012345678901234567890123456789", pre);
            agw_jw_key_n(&w, name, len);
            s = agw_str_bytes(name, len);
            s.kind = AGW_STR_JSON;
            agw_jw_str(&w, &s);
            agw_jw_key_n(&w, name, len);
            agw_jw_bytes(&w, name, len);
            agw_jw_object_end(&w);

            p = want;
            p += sprintf(p, "{\"k\":\"%.*s\",", (int) pre,
                         "0123456789012345678901234567890123456789");
            p += sprintf(p, "\"%s\":\"%s\",\"%s\":\"%s\"}", name, name,
                         name, name);

            if (w.failed || b.len != (size_t) (p - want)
                || memcmp(b.data, want, b.len) != 0 || b.data[b.len] != '\0')
            {
                if (bad++ == 0) {
                    tap_diag("prefix %zu, length %zu: got %.*s", pre, len,
                             (int) b.len, b.data ? b.data : "");
                }
            }

            agw_buf_free(&b);
        }
    }

    is_int(bad, 0, "keys and strings of 0 to 40 bytes after prefixes of 0 "
           "to 40, byte for byte");
}


int
main(void)
{
    copy_stats_t  st;

    test_structure();
    test_escape();
    test_escape_runs();
    test_escape_dense();
    test_value_inside();
    test_int();
    test_failure();
    test_short_copies();

    memset(&st, 0, sizeof(st));
    walk_fixtures("t/fixtures", fixture_copy, &st);
    ok(st.docs > 100, "fixture documents copied (%zu)", st.docs);
    is_int(st.mismatches, 0, "every fixture read and written back is the "
           "same JSON, strings copied and strings escaped");

    return done_testing();
}
