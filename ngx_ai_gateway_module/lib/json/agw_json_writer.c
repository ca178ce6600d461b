/*
 * agw_json_writer: compact JSON into an agw_buf_t (see agw_json_writer.h).
 */

#include <string.h>

#include "agw_json_writer.h"
#include "agw_json_scan.h"


/*
 * Appends len bytes.  The room is checked here, inline, and the buffer
 * grown by agw_buf_append() only when it lacks some: a writer appends
 * a few bytes per token (a comma, a quote, "null") thousands of times a
 * body, and a call for each was a third of the writer's time.
 */
static inline void
agw_jw_put(agw_jw_t *w, const char *p, size_t len)
{
    agw_buf_t  *b = w->out;

    if (w->failed || len == 0) {
        return;                     /* p may be NULL then: an unset string */
    }

    if (b->cap - b->len > len) {
        memcpy(b->data + b->len, p, len);
        b->len += len;
        b->data[b->len] = '\0';
        return;
    }

    if (agw_buf_append(b, p, len) != 0) {
        w->failed = 1;
    }
}


/*
 * Before a value: its comma when it is not the first of its container
 * (none after a key: the key had it).  -1 when the writer failed already,
 * so that a failed writer appends nothing more.
 */
static int
agw_jw_sep(agw_jw_t *w)
{
    uint64_t  bit;

    if (w->failed) {
        return -1;
    }

    if (w->key) {
        w->key = 0;
        return 0;
    }

    if (w->depth == 0) {
        return 0;
    }

    bit = (uint64_t) 1 << w->depth;

    if (w->more & bit) {
        agw_jw_put(w, ",", 1);
    }

    w->more |= bit;

    return w->failed ? -1 : 0;
}


void
agw_jw_init(agw_jw_t *w, agw_buf_t *out)
{
    w->out = out;
    w->more = 0;
    w->depth = 0;
    w->key = 0;
    w->failed = 0;
}


static void
agw_jw_open(agw_jw_t *w, char c)
{
    if (agw_jw_sep(w) != 0) {
        return;
    }

    if (w->depth >= AGW_JW_DEPTH_MAX) {
        w->failed = 1;
        return;
    }

    agw_jw_put(w, &c, 1);

    w->depth++;
    w->more &= ~((uint64_t) 1 << w->depth);
}


static void
agw_jw_close(agw_jw_t *w, char c)
{
    if (w->failed) {
        return;
    }

    if (w->depth == 0 || w->key) {
        w->failed = 1;                  /* unbalanced, or a key unset */
        return;
    }

    agw_jw_put(w, &c, 1);
    w->depth--;
}


void
agw_jw_object(agw_jw_t *w)
{
    agw_jw_open(w, '{');
}


void
agw_jw_object_end(agw_jw_t *w)
{
    agw_jw_close(w, '}');
}


void
agw_jw_array(agw_jw_t *w)
{
    agw_jw_open(w, '[');
}


void
agw_jw_array_end(agw_jw_t *w)
{
    agw_jw_close(w, ']');
}


/*
 * The escaper: what jansson writes (\" \\ \b \f \n \r \t, \u00xx for the
 * other control bytes; '/' and non-ASCII as they are).  Valid UTF-8 is
 * copied in runs; a byte that is not valid UTF-8 becomes U+FFFD, so that
 * the output is valid JSON whatever bytes were handed in.
 */
void
agw_jw_escape(agw_jw_t *w, const char *p, size_t len)
{
    char              *d;
    size_t             n, o, spare;
    agw_buf_t         *b;
    unsigned char      c;
    const char        *end, *q;
#ifdef AGW_JSON_SSE2
    unsigned           m;
    __m128i            v;
#endif
    static const char  hex[] = "0123456789abcdef";

    /* nothing to write: an empty string may come as a NULL pointer, and
     * NULL + 0 is undefined in C */
    if (w->failed || len == 0) {
        return;
    }

    b = w->out;
    end = p + len;

    /*
     * Room for what is left of the input, eight escaped quotes, backslashes
     * or newlines and one other escape is made before each run, so runs
     * and escapes are written straight into the buffer: text has an
     * escape every few bytes (JSON inside a string, a quote every few),
     * and a call per piece would cost more than the copying.  The buffer
     * grows only when escapes add up.  SSE2 stores 16 bytes, then looks where the run
     * ends in them (the room holds them: they are input still to come).
     */
    while (p < end) {
        if (b->cap - b->len <= (size_t) (end - p) + 14
            && agw_buf_reserve(b, (size_t) (end - p) + 14) != 0)
        {
            w->failed = 1;
            return;
        }

        d = b->data + b->len;
        o = 0;
        spare = 8;
        q = p;

        for ( ;; ) {
#ifdef AGW_JSON_SSE2
            while (end - q >= 16) {
                v = _mm_loadu_si128((const __m128i *) q);
                _mm_storeu_si128((__m128i *) (d + o), v);

                m = agw_json_sse2_special_v(v);
                if (m != 0) {
                    q += __builtin_ctz(m);
                    o += __builtin_ctz(m);
                    goto run;
                }

                q += 16;
                o += 16;
            }
#endif
            n = agw_json_plain_run(q, (size_t) (end - q));
            memcpy(d + o, q, n);
            q += n;
            o += n;

#ifdef AGW_JSON_SSE2
        run:
#endif
            if (q == end) {
                break;
            }

            c = (unsigned char) *q;

            if ((c == '"' || c == '\\' || c == '\n') && spare > 0) {
                d[o] = '\\';
                d[o + 1] = (c == '\n') ? 'n' : (char) c;
                o += 2;
                q++;
                spare--;
                continue;
            }

            if (c < 0x80) {
                break;
            }

            n = agw_json_utf8_len(q, (size_t) (end - q));
            if (n == 0) {
                break;
            }

            memcpy(d + o, q, n);
            q += n;
            o += n;
        }

        b->len += o;

        if (q == end) {
            break;
        }

        c = (unsigned char) *q;
        d = b->data + b->len;
        d[0] = '\\';
        n = 2;

        switch (c) {
        case '"':  d[1] = '"';  break;
        case '\\': d[1] = '\\'; break;
        case '\n': d[1] = 'n';  break;
        case '\r': d[1] = 'r';  break;
        case '\t': d[1] = 't';  break;
        case '\b': d[1] = 'b';  break;
        case '\f': d[1] = 'f';  break;
        default:
            if (c >= 0x80) {
                memcpy(d, "\\ufffd", 6);
            } else {
                memcpy(d, "\\u00", 4);
                d[4] = hex[c >> 4];
                d[5] = hex[c & 0xf];
            }

            n = 6;
        }

        b->len += n;
        p = q + 1;
    }

    if (b->data != NULL) {          /* nothing was reserved for "" */
        b->data[b->len] = '\0';
    }
}


/*
 * A string's characters between quotes, in the form its kind asks, and
 * then the byte that follows (':' after a key, or none).  A JSON-kind
 * string, the usual case, is one reserve and one copy.
 */
static void
agw_jw_quoted(agw_jw_t *w, const agw_str_t *s, char after)
{
    char       *d;
    agw_buf_t  *b;

    if (w->failed) {
        return;
    }

    b = w->out;

    if (s->kind != AGW_STR_JSON) {
        agw_jw_put(w, "\"", 1);
        agw_jw_escape(w, s->data, s->len);
        agw_jw_put(w, after ? "\":" : "\"", after ? 2 : 1);
        return;
    }

    if (b->cap - b->len <= (size_t) s->len + 3
        && agw_buf_reserve(b, (size_t) s->len + 3) != 0)
    {
        w->failed = 1;
        return;
    }

    d = b->data + b->len;
    *d++ = '"';
    if (s->len) {                   /* an unset string's data is NULL */
        memcpy(d, s->data, s->len);     /* validated: as it came */
        d += s->len;
    }
    *d++ = '"';

    if (after) {
        *d++ = after;
    }

    *d = '\0';
    b->len = (size_t) (d - b->data);
}


void
agw_jw_key_n(agw_jw_t *w, const char *key, size_t len)
{
    agw_str_t  s;

    s = agw_str_bytes(key, len);
    agw_jw_key_str(w, &s);
}


void
agw_jw_key_str(agw_jw_t *w, const agw_str_t *key)
{
    if (w->failed) {
        return;
    }

    if (w->key || w->depth == 0) {
        w->failed = 1;                  /* a key where a value belongs */
        return;
    }

    if (agw_jw_sep(w) != 0) {
        return;
    }

    agw_jw_quoted(w, key, ':');

    w->key = 1;
}


void
agw_jw_str(agw_jw_t *w, const agw_str_t *s)
{
    if (agw_jw_sep(w) != 0) {
        return;
    }

    agw_jw_quoted(w, s, 0);
}


void
agw_jw_bytes(agw_jw_t *w, const char *p, size_t len)
{
    agw_str_t  s;

    s = agw_str_bytes(p, len);
    agw_jw_str(w, &s);
}


void
agw_jw_raw(agw_jw_t *w, const agw_str_t *v)
{
    agw_buf_t  *b;

    if (agw_jw_sep(w) != 0) {
        return;
    }

    if (v->kind != AGW_STR_JSON || !v->escaped) {
        agw_jw_put(w, v->data, v->len);
        return;
    }

    /* decoded straight into the output: decoding never grows a string,
     * so s->len bytes reserved are enough and nothing is copied twice */
    b = w->out;

    if (agw_buf_reserve(b, v->len) != 0) {
        w->failed = 1;
        return;
    }

    b->len += agw_str_unescape(v, b->data + b->len);
    b->data[b->len] = '\0';
}


/*
 * Two digits at a time from a table, right to left: max_tokens and usage
 * counts go through here on every request and answer, and snprintf would
 * cost more than the rest of writing them.
 */
void
agw_jw_int(agw_jw_t *w, int64_t v)
{
    char               buf[24], *p;
    uint64_t           n;
    unsigned           d;
    static const char  digits[] =
        "0001020304050607080910111213141516171819"
        "2021222324252627282930313233343536373839"
        "4041424344454647484950515253545556575859"
        "6061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";

    if (agw_jw_sep(w) != 0) {
        return;
    }

    n = v < 0 ? 0 - (uint64_t) v : (uint64_t) v;
    p = buf + sizeof(buf);

    while (n >= 100) {
        d = (unsigned) (n % 100) * 2;
        n /= 100;
        *--p = digits[d + 1];
        *--p = digits[d];
    }

    if (n >= 10) {
        d = (unsigned) n * 2;
        *--p = digits[d + 1];
        *--p = digits[d];

    } else {
        *--p = (char) ('0' + n);
    }

    if (v < 0) {
        *--p = '-';
    }

    agw_jw_put(w, p, (size_t) (buf + sizeof(buf) - p));
}


void
agw_jw_bool(agw_jw_t *w, int v)
{
    if (agw_jw_sep(w) != 0) {
        return;
    }

    if (v) {
        agw_jw_put(w, "true", 4);

    } else {
        agw_jw_put(w, "false", 5);
    }
}


void
agw_jw_null(agw_jw_t *w)
{
    if (agw_jw_sep(w) != 0) {
        return;
    }

    agw_jw_put(w, "null", 4);
}


void
agw_jw_append(agw_jw_t *w, const char *p, size_t len)
{
    agw_jw_put(w, p, len);
}


void
agw_jw_reset_state(agw_jw_t *w)
{
    w->more = 0;
    w->depth = 0;
    w->key = 0;
}
