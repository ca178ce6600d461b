/*
 * libFuzzer target: the writer against jansson.  Whatever the pull reader
 * accepts is written back with the writer twice: strings as the reader
 * gave them with every third value carried whole (agw_jw_raw of a VALUE),
 * and every key and string decoded to bytes and escaped again.  Both must
 * be valid JSON, jansson-equal to the input, and the writer must not
 * fail (nesting past AGW_JW_DEPTH_MAX aside, which it must refuse).
 * Then the input's bytes go through the escaper as one string: jansson
 * must read that string back.  Any difference aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../unit/json_walk.h"


static void
check_copy(const char *text, size_t size, json_t *want, int decode)
{
    int        rc;
    json_t    *got;
    agw_jr_t   r;
    agw_jw_t   w;
    unsigned   turn;
    agw_buf_t  b = AGW_BUF_INIT;

    agw_jr_init(&r, text, size);
    agw_jw_init(&w, &b);
    turn = 0;

    rc = walk_copy(&r, &w, &turn, decode);

    if (w.failed) {
        /* only nesting the writer does not take may fail it */
        if (walk_depth(want) <= AGW_JW_DEPTH_MAX) {
            abort();
        }

        agw_buf_free(&b);
        return;
    }

    if (rc != 0 || agw_jr_end(&r) != 0 || w.depth != 0) {
        abort();
    }

    got = json_loadb(b.data ? b.data : "", b.len, JSON_DECODE_ANY, NULL);
    if (got == NULL || !json_equal(got, want)) {
        abort();                        /* not the same JSON */
    }

    json_decref(got);
    agw_buf_free(&b);
}


/*
 * agw_jw_value_inside(): any bytes as a value's text, between quotes, are
 * a JSON string; for a JSON value (want), a string whose characters are
 * that value's JSON.
 */
static void
check_inside(const char *text, size_t size, json_t *want)
{
    json_t       *got, *inner;
    agw_jw_t      w;
    agw_str_t     v;
    agw_buf_t     b = AGW_BUF_INIT;
    const char   *s;

    v = agw_str_bytes(text, size);
    v.kind = AGW_STR_VALUE;

    agw_jw_init(&w, &b);
    agw_jw_append(&w, "\"", 1);
    agw_jw_value_inside(&w, &v);
    agw_jw_append(&w, "\"", 1);

    got = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (w.failed || !json_is_string(got)) {
        abort();                        /* not a JSON string */
    }

    if (want != NULL) {
        s = json_string_value(got);
        inner = json_loadb(s, json_string_length(got), JSON_DECODE_ANY,
                           NULL);
        if (inner == NULL || !json_equal(inner, want)) {
            abort();                    /* not the same JSON inside */
        }
        json_decref(inner);
    }

    json_decref(got);
    agw_buf_free(&b);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t      *want, *got;
    agw_jw_t     w;
    agw_buf_t    b = AGW_BUF_INIT;
    const char  *text = (const char *) data;

    if (walk_jansson_verdict(text, size, &want) == 1) {
        check_copy(text, size, want, 0);
        check_copy(text, size, want, 1);
        check_inside(text, size, want);
        json_decref(want);

    } else {
        check_inside(text, size, NULL);
    }

    /* any bytes escaped: a JSON string jansson reads (bytes that are not
     * UTF-8 as U+FFFD), the same bytes when they were valid UTF-8 */
    agw_jw_init(&w, &b);
    agw_jw_bytes(&w, text, size);

    got = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (w.failed || !json_is_string(got)) {
        abort();
    }

    want = json_stringn(text, size);    /* NULL: not UTF-8 */

    if (want != NULL && !json_equal(got, want)) {
        abort();                        /* valid text came back changed */
    }

    json_decref(want);
    json_decref(got);
    agw_buf_free(&b);
    return 0;
}
