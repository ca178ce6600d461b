/*
 * agw_str: comparing and decoding the strings the reader hands out (see
 * agw_str.h).  Strings come validated, so the decoders here trust their
 * escapes and only keep within the bytes they are given.
 */

#include <string.h>

#include "agw_str.h"
#include "agw_json_scan.h"


/*
 * The escape at p (its backslash) as the UTF-8 bytes it stands for, into
 * out (4 bytes): their count, and *used the escape's length.  A \u escape
 * takes 6 or 12 bytes for at most 4 out, so decoding never grows a string.
 * 0 for a broken escape, which a validated string does not hold.
 */
static size_t
agw_str_escape(const char *p, const char *end, char *out, size_t *used)
{
    unsigned  cp;
    size_t    n;

    if (end - p < 2) {
        return 0;
    }

    *used = 2;

    switch (p[1]) {
    case '"':  out[0] = '"';  return 1;
    case '\\': out[0] = '\\'; return 1;
    case '/':  out[0] = '/';  return 1;
    case 'b':  out[0] = '\b'; return 1;
    case 'f':  out[0] = '\f'; return 1;
    case 'n':  out[0] = '\n'; return 1;
    case 'r':  out[0] = '\r'; return 1;
    case 't':  out[0] = '\t'; return 1;
    case 'u':
        break;
    default:
        return 0;
    }

    n = agw_json_unicode_escape(p, end, &cp);
    if (n == 0) {
        return 0;
    }

    *used = n;

    if (cp < 0x80) {
        out[0] = (char) cp;
        return 1;
    }

    if (cp < 0x800) {
        out[0] = (char) (0xC0 | (cp >> 6));
        out[1] = (char) (0x80 | (cp & 0x3F));
        return 2;
    }

    if (cp < 0x10000) {
        out[0] = (char) (0xE0 | (cp >> 12));
        out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char) (0x80 | (cp & 0x3F));
        return 3;
    }

    out[0] = (char) (0xF0 | (cp >> 18));
    out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char) (0x80 | (cp & 0x3F));
    return 4;
}


int
agw_str_eq(const agw_str_t *s, const char *lit, size_t n)
{
    char         c[4];
    size_t       k, used;
    const char  *p, *end, *q;

    if (s->kind != AGW_STR_JSON || !s->escaped) {
        return s->len == n && (n == 0 || memcmp(s->data, lit, n) == 0);
    }

    /* escapes only ever shorten: more characters than bytes cannot be */
    if (n > s->len) {
        return 0;
    }

    /* character by character, no copy: keys are compared in a loop over
     * the names a reader knows, and nothing here may allocate */
    p = s->data;
    end = p + s->len;

    while (p < end) {
        q = memchr(p, '\\', (size_t) (end - p));
        if (q == NULL) {
            q = end;
        }

        k = (size_t) (q - p);
        if (k > n || memcmp(p, lit, k) != 0) {
            return 0;
        }

        lit += k;
        n -= k;
        p = q;

        if (p == end) {
            break;
        }

        k = agw_str_escape(p, end, c, &used);
        if (k == 0 || k > n || memcmp(c, lit, k) != 0) {
            return 0;
        }

        lit += k;
        n -= k;
        p += used;
    }

    return n == 0;
}


/*
 * Copies the bytes at p up to the next backslash or len, at most room of
 * them, into dst: their count, or (size_t) -1 when they do not fit (then
 * nothing past room was written).
 *
 * A tool's arguments and results are JSON text inside a string, with an
 * escaped quote every few bytes: a memchr and a memcpy for each run cost
 * more than the run.  SSE2 stores 16 bytes and then looks where the run
 * ends; the bytes stored past it are overwritten by what follows.
 */
static inline size_t
agw_str_run(const char *p, size_t len, char *dst, size_t room)
{
    size_t        i = 0;
    const char   *q;
#ifdef AGW_JSON_SSE2
    unsigned      m;
    __m128i       v;

    for ( /* void */ ; i + 16 <= len && i + 16 <= room; i += 16) {
        v = _mm_loadu_si128((const __m128i *) (p + i));
        _mm_storeu_si128((__m128i *) (dst + i), v);

        m = (unsigned) _mm_movemask_epi8(
                           _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
        if (m != 0) {
            return i + (size_t) __builtin_ctz(m);
        }
    }
#endif

    q = memchr(p + i, '\\', len - i);
    len = (q != NULL) ? (size_t) (q - p) : len;

    if (len > room) {
        return (size_t) -1;
    }

    memcpy(dst + i, p + i, len - i);

    return len;
}


int
agw_str_decode(const agw_str_t *s, char *buf, size_t size)
{
    char         c[4];
    size_t       k, n, used;
    const char  *p, *end;
#ifdef AGW_JSON_SSE2
    size_t       i;
    unsigned     m;
    __m128i      v;
#endif

    if (s->kind == AGW_STR_VALUE || s->len > INT32_MAX) {
        return -1;
    }

    if (s->kind == AGW_STR_BYTES || !s->escaped) {
        if (s->len > size) {
            return -1;
        }

        if (s->len) {
            memcpy(buf, s->data, s->len);
        }

        return (int) s->len;
    }

    /*
     * Runs between escapes, each counted before it is written: a string
     * that does not fit fails without writing past size.
     */
    p = s->data;
    end = p + s->len;
    n = 0;

    while (p < end) {
#ifdef AGW_JSON_SSE2
        /*
         * JSON inside a string (a tool's arguments) has an escaped quote
         * every few bytes: a block's \" \\ \/ and \n are taken from one
         * load, the bytes after each stored again where they go (32 bytes
         * of input and of room: a store after an escape reaches 31 past
         * the block's start).  Any other escape, or one that spans the
         * block's end, goes to the loop below.
         */
        while (end - p >= 32 && size - n >= 32) {
            v = _mm_loadu_si128((const __m128i *) p);
            _mm_storeu_si128((__m128i *) (buf + n), v);
            m = (unsigned) _mm_movemask_epi8(
                               _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
            i = 0;

            while (m != 0) {
                k = (size_t) __builtin_ctz(m);

                if (k == 15 || !(p[k + 1] == '"' || p[k + 1] == '\\'
                                 || p[k + 1] == '/' || p[k + 1] == 'n'))
                {
                    break;
                }

                n += k - i;
                buf[n++] = (p[k + 1] == 'n') ? '\n' : p[k + 1];
                i = k + 2;
                _mm_storeu_si128((__m128i *) (buf + n),
                                 _mm_loadu_si128((const __m128i *) (p + i)));
                m &= ~0u << i;
            }

            if (m != 0) {
                n += k - i;             /* the bytes up to the backslash */
                p += k;
                break;
            }

            n += 16 - i;
            p += 16;
        }
#endif

        k = agw_str_run(p, (size_t) (end - p), buf + n, size - n);
        if (k == (size_t) -1) {
            return -1;
        }

        n += k;
        p += k;

        if (p == end) {
            break;
        }

        /* the escapes of most text (\" \\ \/ \n) without a call */
        if (end - p >= 2 && n < size
            && (p[1] == '"' || p[1] == '\\' || p[1] == '/' || p[1] == 'n'))
        {
            buf[n++] = (p[1] == 'n') ? '\n' : p[1];
            p += 2;
            continue;
        }

        k = agw_str_escape(p, end, c, &used);
        if (k == 0 || k > size - n) {
            return -1;
        }

        memcpy(buf + n, c, k);
        n += k;
        p += used;
    }

    return (int) n;
}


size_t
agw_str_unescape(const agw_str_t *s, char *dst)
{
    int  n;

    if (s->kind != AGW_STR_JSON || !s->escaped) {
        if (s->len) {
            memcpy(dst, s->data, s->len);
        }

        return s->len;
    }

    /*
     * Decoding never grows a string, so s->len bytes always hold it; dst
     * may be where the writer appends (the caller reserved s->len bytes).
     * A string that was not validated and holds a broken escape goes as
     * it is: never a stall, never past dst's s->len bytes.
     */
    n = agw_str_decode(s, dst, s->len);
    if (n < 0) {
        memcpy(dst, s->data, s->len);
        return s->len;
    }

    return (size_t) n;
}
