/*
 * agw_direct_util: what both tree-free directions (agw_direct_request.c,
 * agw_direct_response.c) need to walk JSON that agw_json_scan has already
 * validated, and to match what the jansson path would print.
 *
 * The walkers trust their input: call them only on bytes that passed
 * agw_json_scan (or on a value found in such bytes).  They allocate
 * nothing and skip strings with memchr, so walking a body costs a
 * fraction of validating it.
 *
 * Numbers are where raw bytes and the jansson path part ways: jansson
 * refuses integers beyond int64 and reals beyond double (the whole body
 * then fails to load), and the library prints reals back with 15
 * significant digits (agw_json_append).  agw_dj_check_value() says
 * whether copying a value's bytes is equal as JSON to what the jansson
 * path would send.
 */

#ifndef AGW_DIRECT_UTIL_H
#define AGW_DIRECT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "agw_buf.h"
#include "agw_json_scan.h"

/* Walks the members of an object or the elements of an array. */
typedef struct {
    const char  *p;
    const char  *end;
    int          object;
} agw_dj_iter_t;

/* A key or a string value is exactly the literal k (no escapes). */
#define agw_dj_key_is(m, k)                                                  \
    ((m)->key_len == sizeof(k) - 1 && memcmp((m)->key, k, sizeof(k) - 1) == 0)

#define agw_dj_str_is(m, k)                                                  \
    ((m)->type == AGW_JSON_STRING && (m)->value_len == sizeof(k) + 1         \
     && memcmp((m)->value + 1, k, sizeof(k) - 1) == 0)

/* A string value of no characters: "". */
#define agw_dj_str_empty(m)                                                  \
    ((m)->type == AGW_JSON_STRING && (m)->value_len == 2)

/* it over the container v (an object's or an array's raw bytes). */
void agw_dj_iter_init(agw_dj_iter_t *it, const char *v, size_t len);

/*
 * The next object member (key, value, type; escaped says whether the KEY
 * holds a backslash) or array element (key NULL, escaped 0).  Returns 1,
 * or 0 at the end of the container.
 */
int agw_dj_next(agw_dj_iter_t *it, agw_json_member_t *m);

/* Whether a string value holds a backslash. */
int agw_dj_has_escape(const agw_json_member_t *m);

/* A number as jansson reads it. */
typedef struct {
    int      integer;       /* no fraction, no exponent: a json integer */
    int64_t  i;             /* its value when integer */
    double   d;             /* the value as a double, always */
} agw_dj_number_t;

/*
 * Reads a number value; -1 when jansson would refuse it (an integer
 * beyond int64, a real beyond double): the body would not load.
 */
int agw_dj_number(const char *v, size_t len, agw_dj_number_t *n);

/*
 * 0 when the value's bytes, copied, equal as JSON what the jansson path
 * prints for it: every number loads and a real survives the 15-digit
 * print; every object's keys are unescaped and distinct (jansson would
 * keep only the last of a repeated key).  -1 otherwise.
 */
int agw_dj_check_value(const char *v, size_t len);


/*
 * Appends the characters of the JSON string value v (quotes included in
 * v) decoded: the bytes the string stands for.  0 or -1 (out unchanged).
 */
int agw_dj_append_unescaped(agw_buf_t *out, const char *v, size_t len);

#endif /* AGW_DIRECT_UTIL_H */
