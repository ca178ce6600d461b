/*
 * agw_json_reader: the one JSON reader.  A pull reader: the caller asks
 * for what it expects next (an object's members, a string, an integer)
 * and the reader validates exactly those bytes as it goes, so a document
 * is validated and read in the same single pass, and nothing is built:
 * strings come back as slices of the input (agw_str.h).
 *
 * Every value the caller does not want it skips with agw_jr_value(), which
 * validates it too: when a walk reaches agw_jr_end() without an error, the
 * whole input was valid JSON, by the same rules as jansson (strings,
 * escapes, UTF-8, no \u0000, numbers, nesting up to AGW_JR_DEPTH_MAX).
 *
 * Errors are of two kinds, kept apart so a dialect reader can say which:
 *   - the bytes are not JSON: r->failed is set, sticky; every later call
 *     returns -1; r->errpos is the offset of the offending byte;
 *   - the JSON is not what the caller asked for (a number where a string
 *     was asked): the call returns AGW_JR_TYPE and consumes nothing;
 *     the caller may ask again for something else, or skip.
 *
 * Usage:
 *
 *     if (agw_jr_object(r) != 0) ...
 *     while ((rc = agw_jr_member(r, &key)) == 1) {
 *         if (agw_str_is(&key, "model")) {
 *             if (agw_jr_string(r, &model) != 0) ...
 *         } else if (agw_jr_value(r, NULL) != 0) ...
 *     }
 *     if (rc < 0) ...
 *
 * After agw_jr_member() returns 1 the caller must consume exactly one
 * value (read it or skip it) before the next agw_jr_member() call.
 */

#ifndef AGW_JSON_READER_H
#define AGW_JSON_READER_H

#include <stddef.h>
#include <stdint.h>

#include "agw_str.h"

#define AGW_JR_DEPTH_MAX  512

/* What the next value is, by its first byte. */
#define AGW_JR_NONE      0      /* at the end, or not a value */
#define AGW_JR_OBJECT    '{'
#define AGW_JR_ARRAY     '['
#define AGW_JR_STRING    '"'
#define AGW_JR_NUMBER    '0'
#define AGW_JR_TRUE      't'
#define AGW_JR_FALSE     'f'
#define AGW_JR_NULL      'n'

/* The next value is valid JSON of another type than the one asked for. */
#define AGW_JR_TYPE      (-2)

typedef struct {
    const char  *start;
    const char  *p;
    const char  *end;
    uint32_t     depth;
    int          failed;        /* not JSON: sticky */
    size_t       errpos;        /* where, when failed */
    int          valid;         /* the bytes were validated before (the
                                   caller sets it after agw_jr_init): a
                                   string is only skipped to its end,
                                   not checked again, and still decoded */
    char         key[64];       /* an escaped key, decoded */
} agw_jr_t;

void agw_jr_init(agw_jr_t *r, const char *p, size_t len);

/* The type of the next value (AGW_JR_*), without consuming it. */
int agw_jr_peek(agw_jr_t *r);

/*
 * Enters an object: 0, AGW_JR_TYPE, or -1.  Then agw_jr_member() returns
 * 1 with *key set (the member's value is next), 0 when the object ended
 * (its '}' consumed), or -1.  A key with escapes comes decoded (kind
 * BYTES) when it fits r->key, else as it came; either way agw_str_is()
 * compares its characters.  A key repeated is returned each time: the
 * caller that assigns as it reads keeps the last, as jansson does.
 */
int agw_jr_object(agw_jr_t *r);
int agw_jr_member(agw_jr_t *r, agw_str_t *key);

/* The same for arrays: agw_jr_element() returns 1 when an element is
 * next, 0 when the array ended, or -1. */
int agw_jr_array(agw_jr_t *r);
int agw_jr_element(agw_jr_t *r);

/* Scalars: 0, AGW_JR_TYPE (nothing consumed), or -1. */
int agw_jr_string(agw_jr_t *r, agw_str_t *s);    /* kind JSON */
int agw_jr_bool(agw_jr_t *r, int *v);
int agw_jr_null(agw_jr_t *r);
/* A number's text (kind VALUE), as it came. */
int agw_jr_number(agw_jr_t *r, agw_str_t *text);
/*
 * An integer: a number without fraction or exponent that fits int64
 * (AGW_JR_TYPE for any other number; a client's 1.0 for max_tokens is
 * the dialect reader's call: it may ask agw_jr_number() then).
 */
int agw_jr_int(agw_jr_t *r, int64_t *v);

/*
 * The digits of a plain count at p (bytes up to end): a lone 0, or 1 to
 * 18 digits not starting with 0, their value into *v, past them; NULL
 * for any other start (a sign, white space, 19 digits or more), which is
 * agw_jr_int()'s to read.  Inline: a stream's repeated event reads its
 * counts so, where agw_jr_int()'s call and its number scan cost several
 * times the digits.  The byte after them is the caller's to check: as
 * agw_jr_int() reads, it must not be a digit, '.', 'e' nor 'E' (after a
 * 0 or 18 digits it may be a digit, which agw_jr_int() refuses or reads
 * on).
 */
static inline const char *
agw_jr_int_digits(const char *p, const char *end, int64_t *v)
{
    size_t    i, n;
    uint64_t  x;

    n = (size_t) (end - p) < 19 ? (size_t) (end - p) : 19;

    if (n == 0 || (unsigned) (p[0] - '0') > 9) {
        return NULL;
    }

    x = (uint64_t) (p[0] - '0');

    if (x == 0) {
        *v = 0;
        return p + 1;
    }

    for (i = 1; i < n && (unsigned) (p[i] - '0') <= 9; i++) {
        x = x * 10 + (uint64_t) (p[i] - '0');
    }

    if (i == 19) {
        return NULL;
    }

    *v = (int64_t) x;

    return p + i;
}

/*
 * Any value, validated and consumed; *raw (may be NULL) its whole text
 * (kind VALUE; for a string, quotes included).  The way to skip a member,
 * and to carry a subtree (a JSON schema, tool arguments) through
 * untouched.
 */
int agw_jr_value(agw_jr_t *r, agw_str_t *raw);

/* The same, and *spaced: whether the text holds white space outside its
 * strings (always 1 unless r->valid, when the skip notes it). */
int agw_jr_value_spaced(agw_jr_t *r, agw_str_t *raw, int *spaced);

/* Only white space is left: 0, else -1 (sets failed). */
int agw_jr_end(agw_jr_t *r);

/* The offset of the next byte to read: with r->start, a value's extent. */
#define agw_jr_offset(r)   ((size_t) ((r)->p - (r)->start))

/*
 * Validates len bytes as one JSON value and nothing else: 0 or -1 (with
 * *errpos, when not NULL, the offending byte's offset).
 */
int agw_json_valid(const char *p, size_t len, size_t *errpos);

#endif /* AGW_JSON_READER_H */
