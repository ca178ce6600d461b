/*
 * agw_str: a slice of bytes, the one string type of the JSON reader, the
 * JSON writer and the translation engine's intermediate form.
 *
 * Translation moves strings from one JSON document to another; decoding
 * every escape on the way in and encoding it again on the way out would
 * cost more than the rest of the work.  So a string remembers in which
 * form it holds its bytes, and the writer copies a JSON-form string as it
 * came: a 60 KB tool result crosses the gateway with one memcpy.
 */

#ifndef AGW_STR_H
#define AGW_STR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum {
    /* the inside of a JSON string literal as it came (escapes kept),
     * validated by the reader: valid to write back between quotes */
    AGW_STR_JSON = 0,
    /* plain UTF-8 bytes: the writer escapes them */
    AGW_STR_BYTES,
    /* the whole text of a JSON value (an object, an array, a number...),
     * validated: written as it is */
    AGW_STR_VALUE
} agw_str_kind_t;

typedef struct {
    const char  *data;
    uint32_t     len;
    uint8_t      kind;      /* agw_str_kind_t */
    uint8_t      escaped;   /* AGW_STR_JSON holding a backslash: its bytes
                               are not the characters they stand for */
} agw_str_t;

#define AGW_STR_NULL         { NULL, 0, AGW_STR_BYTES, 0 }
/* A literal, as plain bytes. */
#define agw_str_lit(s)       { (s), sizeof(s) - 1, AGW_STR_BYTES, 0 }

/* Unset: no such member was read (an empty string is set, len 0). */
#define agw_str_set(s)       ((s)->data != NULL)

static inline agw_str_t
agw_str_bytes(const char *p, size_t len)
{
    agw_str_t  s = { p, (uint32_t) len, AGW_STR_BYTES, 0 };

    return s;
}

/*
 * Whether s holds exactly the characters of the literal lit (n bytes, no
 * escapes in it).  A string that came with escapes is compared by its
 * characters ("\u0075ser" is "user").
 */
int agw_str_eq(const agw_str_t *s, const char *lit, size_t n);

/*
 * The same for a literal, the common case inline: a string without
 * escapes is its bytes, compared by a memcmp of a constant length (the
 * readers compare every key they meet with a few literals).
 */
#define agw_str_is(s, lit)                                                    \
    (((s)->kind == AGW_STR_JSON && (s)->escaped)                              \
     ? agw_str_eq((s), (lit), sizeof(lit) - 1)                                \
     : ((s)->len == sizeof(lit) - 1                                           \
        && memcmp((s)->data, (lit), sizeof(lit) - 1) == 0))

/*
 * The characters s stands for, into buf (at most size bytes): their
 * length, or -1 when they do not fit (or s is a VALUE).  For keys, enum
 * values and numbers held as strings: short things.
 */
int agw_str_decode(const agw_str_t *s, char *buf, size_t size);

/*
 * The characters of s (any kind; a VALUE as it is) into dst, which holds
 * at least s->len bytes (decoding never grows a string): their length.
 * All s->len of them may be written (runs are copied 16 bytes at a time):
 * a dst that only holds the decoded characters takes agw_str_decode().
 * s must have been validated (the reader's strings are).
 */
size_t agw_str_unescape(const agw_str_t *s, char *dst);

/*
 * v in decimal at p (at most 20 bytes): past its last digit.  For ids and
 * error paths made for every message or tool, where snprintf cost more
 * than reading the message.
 */
static inline char *
agw_str_decimal(char *p, uint64_t v)
{
    char    tmp[20];
    size_t  i;

    i = 0;
    do {
        tmp[i++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v != 0);

    while (i > 0) {
        *p++ = tmp[--i];
    }

    return p;
}

#endif /* AGW_STR_H */
