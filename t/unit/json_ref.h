/*
 * json_ref.h: the string scan's rules one byte at a time, as the reader
 * applied them before it went by blocks: what the tests and the reader's
 * fuzzer hold agw_json_string_scan() to (the same end, the same
 * offending byte, the same escaped flag).  Only for tests: the module has
 * one string scan.
 */

#ifndef JSON_REF_H
#define JSON_REF_H

#include <stdint.h>
#include <string.h>

#include "agw_json_scan.h"


static __attribute__((unused)) const char *
ref_string_scan(const char *p, const char *end, int *escaped,
    const char **at)
{
    size_t         n;
    unsigned       u;
    unsigned char  c;

    for (p++; p < end; /* void */ ) {
        c = (unsigned char) *p;

        if (c == '"') {
            return p + 1;
        }

        if (c == '\\') {
            *escaped = 1;

            if (end - p < 2) {
                break;
            }

            if (p[1] != '\0' && strchr("\"\\/bfnrt", p[1]) != NULL) {
                p += 2;
                continue;
            }

            if (p[1] != 'u') {
                break;
            }

            n = agw_json_unicode_escape(p, end, &u);
            if (n == 0) {
                break;
            }

            p += n;
            continue;
        }

        if (c < 0x20) {
            break;
        }

        if (c < 0x80) {
            p++;
            continue;
        }

        n = agw_json_utf8_len(p, (size_t) (end - p));
        if (n == 0) {
            break;
        }

        p += n;
    }

    *at = p;
    return NULL;
}


/* The bytes a block's backslashes escape (agw_json_escaped_bits), by a
 * loop: bit w (below 64) when the last one escapes the next block's
 * first byte. */
static __attribute__((unused)) uint64_t
ref_escaped_bits(uint64_t bs, unsigned w)
{
    unsigned  i;
    uint64_t  ec;

    ec = 0;

    for (i = 0; i < w; i++) {
        if (bs >> i & 1) {
            if (i + 1 < 64) {
                ec |= (uint64_t) 1 << (i + 1);
            }

            i++;
        }
    }

    return ec;
}


/*
 * The scan and the reference on the n bytes at s (a string's opening
 * quote first), in a buffer of exactly n bytes (so ASan sees any read
 * past them): 0 when they agree on everything, else -1.
 */
static __attribute__((unused)) int
ref_string_compare(const char *s, size_t n)
{
    int          e1, e2, rc;
    char        *b, *c;
    const char  *q1, *q2, *a1, *a2;

    b = malloc(n ? n : 1);
    if (b == NULL) {
        return -1;
    }

    memcpy(b, s, n);

    e1 = e2 = 0;
    a1 = a2 = NULL;
    q1 = agw_json_string_scan(b, b + n, &e1, &a1);
    q2 = ref_string_scan(b, b + n, &e2, &a2);

    rc = (q1 != q2 || (q1 == NULL && a1 != a2) || (q1 != NULL && e1 != e2))
         ? -1 : 0;

    /* the trusting skip: on any bytes within them (ASan: b is exactly n
     * bytes), and on a valid string the same end and the same flag */
    e2 = 0;
    q2 = agw_json_string_skip(b, b + n, &e2);
    if (q1 != NULL && (q2 != q1 || e2 != e1)) {
        rc = -1;
    }

    /* the scan of a stream event's last string (agw_json_string_scan_last,
     * which scans a copy of the last 32 bytes): the same string at the
     * end of a buffer of exactly 32 + n bytes, the same verdict, end,
     * offending byte and flag */
    c = malloc(32 + n);
    if (c == NULL) {
        free(b);
        return -1;
    }

    memset(c, '"', 32);
    memcpy(c + 32, s, n);

    e2 = 0;
    a2 = NULL;
    q2 = agw_json_string_scan_last(c + 32, c, c + 32 + n, &e2, &a2);

    if ((q2 == NULL) != (q1 == NULL)
        || (q1 != NULL && (q2 - (c + 32) != q1 - b || e2 != e1))
        || (q1 == NULL && a2 - (c + 32) != a1 - b))
    {
        rc = -1;
    }

    free(c);
    free(b);
    return rc;
}

#endif /* JSON_REF_H */
