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
 * A short run copied by two overlapping moves of a fixed size instead of
 * a call: keys, roles, types and ids are mostly 4 to 16 bytes, where the
 * call and memcpy's choice of a way by size cost more than the bytes.
 */
static inline void
agw_jw_copy(char *d, const char *s, size_t len)
{
    if (len >= 8 && len <= 16) {
        memcpy(d, s, 8);
        memcpy(d + len - 8, s + len - 8, 8);

    } else if (len >= 4 && len < 8) {
        memcpy(d, s, 4);
        memcpy(d + len - 4, s + len - 4, 4);

    } else {
        memcpy(d, s, len);
    }
}


/*
 * Before a value: its comma when it is not the first of its container
 * (none after a key: the key had it).  -1 when the writer failed already,
 * so that a failed writer appends nothing more.
 */
static inline int
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
    w->runs = NULL;
    w->runs_data = NULL;
    w->runs_min = 0;
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
 * One byte at q that does not stand for itself in a JSON string (a quote,
 * a backslash, a control byte, a byte from 0x80 up) written into d as the
 * escaper writes it: the bytes written (at most 6), and *used the bytes
 * of q taken (a backslash takes a quote or a backslash after it with it,
 * so that an escaped quote is never taken for the end of a string: JSON
 * inside a string has \" and \\ every few bytes).
 */
static inline size_t
agw_jw_escape_one(const char *q, const char *end, char *d, size_t *used)
{
    size_t             n, i;
    unsigned char      c;
    static const char  hex[] = "0123456789abcdef";

    c = (unsigned char) *q;
    *used = 1;
    d[0] = '\\';

    switch (c) {
    case '"':  d[1] = '"';  return 2;
    case '\n': d[1] = 'n';  return 2;
    case '\r': d[1] = 'r';  return 2;
    case '\t': d[1] = 't';  return 2;
    case '\b': d[1] = 'b';  return 2;
    case '\f': d[1] = 'f';  return 2;
    case '\\':
        d[1] = '\\';
        if (end - q >= 2 && (q[1] == '"' || q[1] == '\\')) {
            d[2] = '\\';
            d[3] = q[1];
            *used = 2;
            return 4;
        }
        return 2;
    default:
        break;
    }

    if (c < 0x80) {
        memcpy(d, "\\u00", 4);
        d[4] = hex[c >> 4];
        d[5] = hex[c & 0xf];
        return 6;
    }

    n = agw_json_utf8_len(q, (size_t) (end - q));
    if (n == 0) {
        memcpy(d, "\\ufffd", 6);
        return 6;
    }

    for (i = 0; i < n; i++) {
        d[i] = q[i];
    }

    *used = n;
    return n;
}


/*
 * The escaper: what jansson writes (\" \\ \b \f \n \r \t, \u00xx for the
 * other control bytes; '/' and non-ASCII as they are).  Valid UTF-8 is
 * copied in runs; a byte that is not valid UTF-8 becomes U+FFFD, so that
 * the output is valid JSON whatever bytes were handed in.
 *
 * compact: p holds a JSON value's text (validated: another dialect's tool
 * input), written as the inside of a string holding it compact, the
 * white space outside its strings dropped, as jansson's JSON_COMPACT
 * dump writes it (OpenAI's arguments from an object).  One pass: the
 * bytes outside strings (punctuation, numbers) one by one, the strings'
 * insides as any text is escaped.
 *
 * Bytes are written straight into the buffer: text has an escape every
 * few bytes (JSON inside a string, a quote every few), and a call per
 * piece cost more than the copying.  Before each round there is room for
 * what is left of the input and AGW_JW_ESC_ROOM bytes more, which one
 * round's escapes and 16-byte store fit in; the buffer grows only when
 * escapes add up.  SSE2 stores 16 bytes, then takes the block's special
 * bytes one after another from one load (loading again after every
 * escape took twice as long), storing the 16 bytes after each escape
 * again: they are input still to come, and the room holds them.
 */
#define AGW_JW_ESC_ROOM  128

/*
 * The escaper's room: what it wrote (*o bytes past b->len) counted in the
 * buffer, then room for left bytes of input and AGW_JW_ESC_ROOM more;
 * *room the buffer's room from its end again.  0, or -1 (w failed).
 */
static int
agw_jw_esc_room(agw_jw_t *w, size_t *o, size_t *room, size_t left)
{
    agw_buf_t  *b = w->out;

    b->len += *o;
    *o = 0;

    if (agw_buf_reserve(b, left + AGW_JW_ESC_ROOM) != 0) {
        w->failed = 1;
        return -1;
    }

    *room = b->cap - b->len;

    return 0;
}


static void
agw_jw_escape_text(agw_jw_t *w, const char *p, size_t len, int compact)
{
    char           *d;
    size_t          o, used, room;
    agw_buf_t      *b;
    unsigned char   c;
    const char     *end, *q;
#ifdef AGW_JSON_SSE2
    unsigned        m, k;
    __m128i         v;
    const char     *base;
#endif

    /* nothing to write: an empty string may come as a NULL pointer, and
     * NULL + 0 is undefined in C */
    if (w->failed || len == 0) {
        return;
    }

    b = w->out;
    q = p;
    end = p + len;
    d = NULL;                   /* set by each round, after its room */
    o = 0;
    room = b->cap - b->len;     /* from d: a local, as the stores through
                                   d could change b->cap for the compiler */

    if (compact) {
        goto outside;
    }

inside:

    while (q < end) {
        if (room - o <= (size_t) (end - q) + AGW_JW_ESC_ROOM
            && agw_jw_esc_room(w, &o, &room, (size_t) (end - q)) != 0)
        {
            return;
        }

        d = b->data + b->len;

#ifdef AGW_JSON_SSE2
        /*
         * A block whose special bytes are all quotes and backslashes (JSON
         * text inside a string: most of a tool result's blocks) takes a
         * backslash before each and the 16 bytes from there stored again,
         * a few instructions an escape.  Outside compact mode only: there
         * a quote may end a string.  32 bytes of input: the stores after
         * an escape load up to 31 bytes past q.
         */
        if (!compact) {
            while (end - q >= 32) {
                v = _mm_loadu_si128((const __m128i *) q);
                if (_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(' ')))
                    != 0)
                {
                    break;
                }

                _mm_storeu_si128((__m128i *) (d + o), v);
                m = (unsigned) _mm_movemask_epi8(
                        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                     _mm_cmpeq_epi8(v,
                                                    _mm_set1_epi8('\\'))));

                while (m != 0) {
                    k = (unsigned) __builtin_ctz(m);
                    d[o + k] = '\\';
                    o++;
                    _mm_storeu_si128((__m128i *) (d + o + k),
                                     _mm_loadu_si128((const __m128i *)
                                                     (q + k)));
                    m &= m - 1;
                }

                q += 16;
                o += 16;

                /* the room of the round: each block may add 16 bytes */
                if (room - o
                    <= (size_t) (end - q) + AGW_JW_ESC_ROOM)
                {
                    break;
                }
            }

            if (room - o
                <= (size_t) (end - q) + AGW_JW_ESC_ROOM)
            {
                continue;               /* more room first */
            }
        }

        if (end - q >= 16) {
            base = q;
            _mm_storeu_si128((__m128i *) (d + o),
                             _mm_loadu_si128((const __m128i *) q));
            m = agw_json_sse2_special(q);

            while (m != 0) {
                k = (unsigned) __builtin_ctz(m);
                o += (size_t) (base + k - q);
                q = base + k;

                if (compact && *q == '"') {
                    goto special;       /* the end of a value's string */
                }

                o += agw_jw_escape_one(q, end, d + o, &used);
                q += used;

                if (end - q < 16) {
                    goto tail;
                }

                /* the rest of the block, and past it, in place again */
                _mm_storeu_si128((__m128i *) (d + o),
                                 _mm_loadu_si128((const __m128i *) q));

                k = (unsigned) (q - base);
                m = (k < 16) ? m & (~0u << k) : 0;
            }

            if (q < base + 16) {
                o += (size_t) (base + 16 - q);
                q = base + 16;
            }

            continue;
        }

    tail:
#endif

        /* the last bytes (all of them without SSE2): the run and the
         * special byte that ends it */
        used = agw_json_plain_run(q, (size_t) (end - q));
        memcpy(d + o, q, used);
        o += used;
        q += used;

        if (q == end) {
            break;
        }

#ifdef AGW_JSON_SSE2
    special:
#endif

        if (compact && *q == '"') {
            d[o] = '\\';
            d[o + 1] = '"';
            o += 2;
            q++;
            goto outside;
        }

        o += agw_jw_escape_one(q, end, d + o, &used);
        q += used;
    }

    goto done;

outside:

    /* between a value's strings: punctuation, numbers, white space */
    while (q < end) {
        if (room - o <= (size_t) (end - q) + AGW_JW_ESC_ROOM
            && agw_jw_esc_room(w, &o, &room, (size_t) (end - q)) != 0)
        {
            return;
        }

        d = b->data + b->len;
        c = (unsigned char) *q;

        if (c == '"') {
            d[o] = '\\';
            d[o + 1] = '"';
            o += 2;
            q++;
            goto inside;
        }

        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            q++;
            continue;
        }

        if (c < 0x20 || c >= 0x80 || c == '\\') {
            /* not JSON: escaped all the same, never written raw */
            o += agw_jw_escape_one(q, end, d + o, &used);
            q += used;
            continue;
        }

        d[o++] = (char) c;
        q++;
    }

done:

    b->len += o;

    if (b->data != NULL) {          /* nothing was reserved for "" */
        b->data[b->len] = '\0';
    }
}


void
agw_jw_escape(agw_jw_t *w, const char *p, size_t len)
{
    agw_jw_escape_text(w, p, len, 0);
}


void
agw_jw_value_inside(agw_jw_t *w, const agw_str_t *v)
{
    agw_jw_escape_text(w, v->data, v->len, 1);
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

    /*
     * Plain bytes with nothing to escape (every key, roles, types, ids)
     * are copied as a JSON-kind string is: a writer writes thousands of
     * keys a body, and the escaper's call and rounds cost several times
     * what a key's few bytes do.
     */
    if (s->kind != AGW_STR_JSON
        && (s->kind != AGW_STR_BYTES
            || agw_json_plain_run(s->data, s->len) != s->len))
    {
        agw_jw_put(w, "\"", 1);
        agw_jw_escape(w, s->data, s->len);
        agw_jw_put(w, after ? "\":" : "\"", after ? 2 : 1);
        return;
    }

    if (w->runs != NULL && s->kind == AGW_STR_JSON && !after
        && s->len >= w->runs_min)
    {
        agw_jw_put(w, "\"", 1);
        if (!w->failed) {
            w->runs(w->runs_data, w, s->data, s->len);
        }
        agw_jw_put(w, "\"", 1);
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
        agw_jw_copy(d, s->data, s->len);    /* validated: as it came */
        d += s->len;
    }
    *d++ = '"';

    if (after) {
        *d++ = after;
    }

    *d = '\0';
    b->len = (size_t) (d - b->data);
}


/* Before a key: its comma; -1 when the writer failed or a key is not
 * where one belongs (then it fails). */
static inline int
agw_jw_key_sep_check(agw_jw_t *w)
{
    if (w->failed) {
        return -1;
    }

    if (w->key || w->depth == 0) {
        w->failed = 1;                  /* a key where a value belongs */
        return -1;
    }

    return 0;
}


static inline int
agw_jw_key_sep(agw_jw_t *w)
{
    if (agw_jw_key_sep_check(w) != 0) {
        return -1;
    }

    return agw_jw_sep(w);
}


/*
 * A literal key (agw_jw_key(), the only caller): the code's own ASCII
 * names, nothing to escape in them, so copied as they are: a body has
 * thousands of keys.  Its comma, quotes and colon go in with it, after
 * one check of the room.
 */
void
agw_jw_key_n(agw_jw_t *w, const char *key, size_t len)
{
    char       *d;
    uint64_t    bit;
    agw_buf_t  *b;

    if (agw_jw_key_sep_check(w) != 0) {
        return;
    }

    b = w->out;

    /* its comma, the key quoted, its colon and the NUL */
    if (b->cap - b->len <= len + 4 && agw_buf_reserve(b, len + 4) != 0) {
        w->failed = 1;
        return;
    }

    bit = (uint64_t) 1 << w->depth;
    d = b->data + b->len;

    if (w->more & bit) {
        *d++ = ',';
    }

    w->more |= bit;

    *d++ = '"';
    agw_jw_copy(d, key, len);
    d += len;
    *d++ = '"';
    *d++ = ':';
    *d = '\0';
    b->len = (size_t) (d - b->data);

    w->key = 1;
}


void
agw_jw_key_str(agw_jw_t *w, const agw_str_t *key)
{
    if (agw_jw_key_sep(w) != 0) {
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
        if (w->runs != NULL && v->len >= w->runs_min) {
            w->runs(w->runs_data, w, v->data, v->len);
            return;
        }

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


void
agw_jw_object_appended(agw_jw_t *w)
{
    w->depth = 1;
    w->more = (uint64_t) 1 << 1;
    w->key = 0;
}
