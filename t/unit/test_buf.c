/*
 * agw_buf: growth, printf, JSON string escaping, reset keeps memory.
 */

#include <stdlib.h>

#include <jansson.h>

#include "agw_buf.h"
#include "agw_dialect.h"
#include "tap.h"


int
main(void)
{
    int        i, rc;
    char      *big;
    size_t     cap;
    json_t    *j;
    agw_buf_t  b = AGW_BUF_INIT;

    ok(agw_buf_append(&b, "", 0) == 0 && b.len == 0,
       "appending nothing to an empty buffer works");

    rc = 0;
    for (i = 0; i < 1000; i++) {
        rc |= agw_buf_append_str(&b, "0123456789");
    }
    ok(rc == 0 && b.len == 10000 && b.cap > b.len,
       "grows past many doublings");
    ok(b.data[b.len] == '\0', "always NUL-terminated after an append");
    ok(memcmp(b.data + 9990, "0123456789", 10) == 0, "content kept");

    cap = b.cap;
    agw_buf_reset(&b);
    ok(b.len == 0 && b.cap == cap && b.data != NULL,
       "reset keeps the memory");

    ok(agw_buf_printf(&b, "%s-%d-%zu", "x", -5, (size_t) 7) == 0, "printf");
    is_str(b.data, "x--5-7", "printf output");

    big = malloc(5000);
    memset(big, 'a', 4999);
    big[4999] = '\0';
    agw_buf_reset(&b);
    ok(agw_buf_printf(&b, "<%s>", big) == 0 && b.len == 5001,
       "printf of a long string grows the buffer");
    free(big);

    ok(agw_buf_reserve(&b, (size_t) -1) == -1, "an impossible reserve fails");
    ok(b.len == 5001, "and leaves the buffer unchanged");

    agw_buf_reset(&b);
    rc = agw_buf_append_json_string(&b, "a\"b\\c\n\t\x01\x1f/\xc3\xa9", 12);
    is_str(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/\xc3\xa9\"",
           "JSON string escaping");
    j = json_loads(b.data, JSON_DECODE_ANY, NULL);
    ok(rc == 0 && json_is_string(j)
       && strcmp(json_string_value(j), "a\"b\\c\n\t\x01\x1f/\xc3\xa9") == 0,
       "escaped string parses back to the original");
    json_decref(j);

    agw_buf_reset(&b);
    ok(agw_buf_append_json_string(&b, "x\0y", 3) == 0
       && strcmp(b.data, "\"x\\u0000y\"") == 0,
       "embedded NUL escaped");

    agw_buf_free(&b);
    ok(b.data == NULL && b.len == 0 && b.cap == 0, "free clears");
    agw_buf_free(&b);
    ok(1, "double free is harmless");

    is_str(agw_dialect_name(AGW_DIALECT_OPENAI), "openai", "dialect name");
    is_str(agw_dialect_name(AGW_DIALECT_ANTHROPIC), "anthropic",
           "dialect name");
    is_str(agw_dialect_name(AGW_DIALECT_GEMINI), "gemini", "dialect name");
    is_str(agw_dialect_name(AGW_DIALECT_MAX), "unknown",
           "out of range dialect");

    return done_testing();
}
