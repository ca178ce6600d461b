/*
 * agw_buf: the growable output buffer of the translation library.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_buf.h"


int
agw_buf_reserve(agw_buf_t *b, size_t extra)
{
    size_t   need, cap;
    char    *p;

    if (extra > SIZE_MAX - b->len - 1) {
        return -1;
    }

    /* one spare byte so that callers may NUL-terminate for free */
    need = b->len + extra + 1;
    if (need <= b->cap) {
        return 0;
    }

    cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }

    p = realloc(b->data, cap);
    if (p == NULL) {
        return -1;
    }

    b->data = p;
    b->cap = cap;
    return 0;
}


int
agw_buf_append(agw_buf_t *b, const void *data, size_t len)
{
    if (len == 0) {
        return 0;
    }

    if (agw_buf_reserve(b, len) != 0) {
        return -1;
    }

    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}


int
agw_buf_append_str(agw_buf_t *b, const char *s)
{
    return agw_buf_append(b, s, strlen(s));
}


int
agw_buf_printf(agw_buf_t *b, const char *fmt, ...)
{
    int      n;
    va_list  ap;

    /* measure, then fill: one vsnprintf pass each */
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);

    if (n < 0 || agw_buf_reserve(b, (size_t) n) != 0) {
        return -1;
    }

    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
    va_end(ap);

    if (n < 0) {
        b->data[b->len] = '\0';
        return -1;
    }

    b->len += (size_t) n;
    return 0;
}


/*
 * JSON string escaping as RFC 8259 asks: quote, backslash and control
 * characters; everything else, UTF-8 included, is copied as it is.
 */
int
agw_buf_append_json_string(agw_buf_t *b, const char *s, size_t len)
{
    size_t          i, start;
    unsigned char   c;
    char            esc[8];
    const char     *rep;
    static const char  hex[] = "0123456789abcdef";

    if (agw_buf_reserve(b, len + 2) != 0) {
        return -1;
    }

    b->data[b->len++] = '"';

    start = 0;
    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }

        switch (c) {
        case '"':  rep = "\\\""; break;
        case '\\': rep = "\\\\"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        case '\t': rep = "\\t"; break;
        case '\b': rep = "\\b"; break;
        case '\f': rep = "\\f"; break;
        default:
            esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
            esc[4] = hex[c >> 4]; esc[5] = hex[c & 0xf]; esc[6] = '\0';
            rep = esc;
        }

        if (agw_buf_append(b, s + start, i - start) != 0
            || agw_buf_append_str(b, rep) != 0)
        {
            return -1;
        }

        start = i + 1;
    }

    if (agw_buf_append(b, s + start, len - start) != 0
        || agw_buf_append(b, "\"", 1) != 0)
    {
        return -1;
    }

    return 0;
}


void
agw_buf_reset(agw_buf_t *b)
{
    b->len = 0;
    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}


void
agw_buf_fit(agw_buf_t *b)
{
    char  *p;

    if (b->data == NULL || b->cap <= b->len + 1) {
        return;
    }

    /* still the spare byte; a failed shrink keeps the larger buffer */
    p = realloc(b->data, b->len + 1);
    if (p != NULL) {
        b->data = p;
        b->cap = b->len + 1;
    }
}


void
agw_buf_free(agw_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
