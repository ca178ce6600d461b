/*
 * agw_sse: incremental Server-Sent Events parser and writer.
 *
 * An event whole in a feed, in the forms providers send ("event: NAME",
 * one "data: X" line, a blank line; or the data line alone; LF or CRLF
 * ends), is read in one pass and handed over in place: no byte of it is
 * copied.  An event cut by the end of a feed is kept as it came (carry)
 * and read in one piece when the feed that ends it comes; every other
 * form is walked line by line into the parser's buffers (agw_sse_line),
 * which are the reference: the events are the same for every split.
 *
 * Memory is bounded by max_event whatever the stream's length: the carry
 * holds at most max_event bytes, more are walked.  A CR is a line end on
 * its own; when it is the last byte of a feed, skip_lf remembers it so
 * that an LF opening the next feed is not a second, empty line (which
 * would dispatch an event too early).
 */

#include <stdlib.h>
#include <string.h>

#include "agw_sse.h"

#define AGW_SSE_DEFAULT_MAX  (16 * 1024 * 1024)

/* agw_sse_fast(): the event goes on past the feed's end */
#define AGW_SSE_CUT  ((size_t) -1)

/* SSE2 on every x86-64; AGW_JSON_NO_SIMD builds the portable code, as
 * for the JSON scans */
#if defined(__SSE2__) && defined(__GNUC__) && !defined(AGW_JSON_NO_SIMD)
#include <emmintrin.h>
#define AGW_SSE_SSE2  1
#endif

/* ASan builds hand an event's fields in blocks of their exact size */
#if defined(__SANITIZE_ADDRESS__)
#define AGW_SSE_EXACT  1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AGW_SSE_EXACT  1
#endif
#endif


static void agw_sse_release(agw_buf_t *b);
static int agw_sse_scan(agw_sse_parser_t *p, const char *data, size_t len,
    unsigned can_carry, size_t ncr, agw_sse_event_cb cb,
    agw_sse_bytes_cb bytes, void *ud);
static int agw_sse_carried(agw_sse_parser_t *p, const char *data,
    size_t len, size_t *used, size_t *ncr, agw_sse_event_cb cb,
    agw_sse_bytes_cb bytes, void *ud);
static int agw_sse_keep(agw_sse_parser_t *p, const char *data, size_t len,
    size_t start, size_t *ncr);
static int agw_sse_line(agw_sse_parser_t *p, const char *line, size_t len,
    agw_sse_event_cb cb, void *ud);
static int agw_sse_dispatch(agw_sse_parser_t *p, agw_sse_event_cb cb,
    void *ud);
static size_t agw_sse_fast(agw_sse_parser_t *p, const char *buf,
    size_t len, size_t start, size_t *ncr, agw_sse_event_t *ev);
static size_t agw_sse_cr(const char *data, size_t len, size_t from,
    size_t *ncr);


#ifdef AGW_SSE_EXACT

static const char *
agw_sse_exact(const char *p, size_t n, char **copy)
{
    /* malloc(0) too: a block of no byte, whose first read ASan reports */
    *copy = malloc(n);
    if (*copy == NULL) {
        return p;
    }

    memcpy(*copy, p, n);
    return *copy;
}

#endif


/*
 * The callback.  With AddressSanitizer each field is in a block of its own
 * size, freed when the callback returns: a reader that reads past a
 * field's length, or keeps it past its event, fails under ASan at once
 * (in place, the bytes after data are the feed's next ones).
 */
static int
agw_sse_emit(const agw_sse_event_t *ev, agw_sse_event_cb cb, void *ud)
{
#ifdef AGW_SSE_EXACT
    int              rc;
    char            *c[3];
    agw_sse_event_t  x;

    x = *ev;
    x.event = agw_sse_exact(ev->event, ev->event_len, &c[0]);
    x.data = agw_sse_exact(ev->data, ev->data_len, &c[1]);
    c[2] = NULL;
    if (ev->raw != NULL) {
        x.raw = agw_sse_exact(ev->raw, ev->raw_len, &c[2]);
    }

    rc = cb(ud, &x);

    free(c[0]);
    free(c[1]);
    free(c[2]);

    return rc;
#else
    return cb(ud, ev);
#endif
}


void
agw_sse_init(agw_sse_parser_t *p, size_t max_event)
{
    memset(p, 0, sizeof(*p));
    p->max_event = max_event ? max_event : AGW_SSE_DEFAULT_MAX;
}


int
agw_sse_feed(agw_sse_parser_t *p, const char *data, size_t len,
    agw_sse_event_cb cb, void *ud)
{
    return agw_sse_feed_bytes(p, data, len, cb, NULL, ud);
}


int
agw_sse_feed_bytes(agw_sse_parser_t *p, const char *data, size_t len,
    agw_sse_event_cb cb, agw_sse_bytes_cb bytes, void *ud)
{
    int     rc;
    size_t  used, ncr;

    if (p->overflow) {
        return AGW_SSE_ERR_TOO_BIG;
    }

    ncr = (size_t) -1;

    if (p->carry.len) {
        rc = agw_sse_carried(p, data, len, &used, &ncr, cb, bytes, ud);
        if (rc != 0 || p->carry.len) {
            return rc;                  /* or the event goes on still */
        }

        data += used;
        len -= used;
        ncr = ncr != (size_t) -1 && ncr >= used ? ncr - used : (size_t) -1;
    }

    return agw_sse_scan(p, data, len, 1, ncr, cb, bytes, ud);
}


/*
 * The bytes of a feed, from a line start; with can_carry an event cut by
 * their end is kept in p->carry (not when they are the carry).  ncr: their
 * first CR as agw_sse_cr() keeps it, when known.
 */
static int
agw_sse_scan(agw_sse_parser_t *p, const char *data, size_t len,
    unsigned can_carry, size_t ncr, agw_sse_event_cb cb,
    agw_sse_bytes_cb bytes, void *ud)
{
    int              rc;
    size_t           i, start, n;
    unsigned         quiet;
    const char      *line, *nl, *cr;
    size_t           line_len;
    agw_sse_event_t  ev;

    i = 0;

    if (p->skip_lf && len > 0) {
        p->skip_lf = 0;
        if (data[0] == '\n') {
            i = 1;
        }
    }

    /* nothing pending: an event may start here (only a walked line
     * changes that) */
    quiet = p->line.len == 0 && !p->has_data && p->event.len == 0;

    while (i < len) {
        start = i;

        if (quiet) {
            if (bytes != NULL) {
                /* the caller's reading of its usual events: whole ones,
                 * within max_event, none the walk would read otherwise */
                rc = 0;
                n = bytes(ud, data + i, len - i < p->max_event
                                        ? len - i : p->max_event, &rc);
                if (n != 0) {
                    i += n;

                    if (rc != 0) {
                        return rc;
                    }

                    continue;
                }
            }

            n = agw_sse_fast(p, data, len, i, &ncr, &ev);

            if (n - 1 < AGW_SSE_CUT - 1) {
                i += n;

                ev.multiline = 0;

                rc = agw_sse_emit(&ev, cb, ud);
                if (rc != 0) {
                    return rc;
                }

                continue;
            }

            if (n == AGW_SSE_CUT && can_carry) {
                rc = agw_sse_keep(p, data, len, i, &ncr);
                if (rc != 0) {
                    return rc < 0 ? AGW_SSE_ERR_NOMEM : 0;
                }
            }
        }

        /*
         * The walk, a line at a time.  The line's end: the first LF or CR,
         * found with memchr (one vectorised pass, and the feed's next CR
         * kept across lines).
         */
        nl = memchr(data + i, '\n', len - i);
        i = nl ? (size_t) (nl - data) : len;

        if (p->cr_ends) {
            cr = memchr(data + start, '\r', i - start);

        } else {
            cr = agw_sse_cr(data, len, start, &ncr) < i ? data + ncr : NULL;
            p->cr_ends = (cr != NULL);
        }

        /* the line's end, CR excluded */
        i = cr ? (size_t) (cr - data) : i;

        if (i == len) {
            /* an incomplete line: keep it for the next feed */
            if (p->line.len + (i - start) > p->max_event) {
                p->overflow = 1;
                return AGW_SSE_ERR_TOO_BIG;
            }
            if (agw_buf_append(&p->line, data + start, i - start) != 0) {
                return AGW_SSE_ERR_NOMEM;
            }
            break;
        }

        /* a complete line: use it in place unless a part came earlier */
        if (p->line.len) {
            if (p->line.len + (i - start) > p->max_event) {
                p->overflow = 1;
                return AGW_SSE_ERR_TOO_BIG;
            }
            if (agw_buf_append(&p->line, data + start, i - start) != 0) {
                return AGW_SSE_ERR_NOMEM;
            }
            line = p->line.data;
            line_len = p->line.len;

        } else {
            /* the same limit whether or not the line was split */
            if (i - start > p->max_event) {
                p->overflow = 1;
                return AGW_SSE_ERR_TOO_BIG;
            }
            line = data + start;
            line_len = i - start;
        }

        if (data[i] == '\r') {
            if (i + 1 == len) {
                p->skip_lf = 1;
            } else if (data[i + 1] == '\n') {
                i++;
            }
        }
        i++;

        rc = agw_sse_line(p, line, line_len, cb, ud);
        p->line.len = 0;
        if (rc != 0) {
            return rc;
        }

        quiet = !p->has_data && p->event.len == 0;
    }

    return 0;
}


/*
 * The first LF of a name line ("event: NAME"), short: two SSE2 rounds of
 * 16 bytes inline cost less than the call of memchr, which takes longer
 * lines (and the rest of the feed when the name is long).
 */
static inline const char *
agw_sse_lf_short(const char *p, const char *end)
{
#ifdef AGW_SSE_SSE2
    unsigned  m;
    __m128i   lf;

    if (end - p >= 32) {
        lf = _mm_set1_epi8('\n');

        m = (unsigned) _mm_movemask_epi8(
                _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *) p), lf));
        if (m != 0) {
            return p + __builtin_ctz(m);
        }

        m = (unsigned) _mm_movemask_epi8(
                _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *) (p + 16)),
                               lf));
        if (m != 0) {
            return p + 16 + __builtin_ctz(m);
        }

        p += 32;
    }
#endif

    return memchr(p, '\n', (size_t) (end - p));
}


/*
 * agw_sse_fast() once its first line's end is known: eol, 1 ("\n") or 2
 * ("\r\n"), a constant in each of the two inlined copies.
 */
static inline __attribute__((always_inline)) size_t
agw_sse_fast_eol(agw_sse_parser_t *p, const char *buf, size_t len,
    size_t start, size_t *ncr, agw_sse_event_t *ev, const char *nl,
    size_t eol)
{
    const char  *s, *end, *d, *q, *e, *v;

    s = buf + start;
    end = buf + len;

    if (*s == 'e') {
        if ((size_t) (nl - s) < 6 + eol || memcmp(s, "event: ", 7) != 0) {
            return 0;
        }

        ev->event = s + 7;
        ev->event_len = (size_t) (nl - s) - 6 - eol;

        d = nl + 1;
        nl = memchr(d, '\n', (size_t) (end - d));
        if (nl == NULL) {
            return AGW_SSE_CUT;
        }

        if (eol == 2 && nl[-1] != '\r') {
            return 0;
        }

    } else {
        ev->event = "";
        ev->event_len = 0;
        d = s;
    }

    if ((size_t) (nl - d) < 4 + eol || memcmp(d, "data:", 5) != 0) {
        return 0;
    }

    /* the blank line's LF */
    q = nl + eol;

    if (q >= end) {
        return eol == 1 || nl + 1 == end || nl[1] == '\r' ? AGW_SSE_CUT : 0;
    }

    if (*q != '\n' || (eol == 2 && q[-1] != '\r')) {
        return 0;
    }

    e = nl + 1 - eol;

    /* no CR but the line ends' */
    if (eol == 1) {
        if (!p->cr_ends) {
            if (agw_sse_cr(buf, len, start, ncr) < (size_t) (e - buf)) {
                return 0;
            }

        } else if (memchr(s, '\r', (size_t) (e - s)) != NULL) {
            return 0;
        }

    } else {
        p->cr_ends = 1;

        if ((ev->event_len
             && memchr(s, '\r', (size_t) (ev->event + ev->event_len - s))
                != NULL)
            || memchr(d, '\r', (size_t) (e - d)) != NULL)
        {
            return 0;
        }
    }

    /* within max_event, the walk's limits of its lines are met; past it
     * the walk applies them */
    if ((size_t) (q - s) >= p->max_event) {
        return 0;
    }

    v = d + 5;
    if (v < e && *v == ' ') {
        v++;
    }

    ev->data = v;
    ev->data_len = (size_t) (e - v);
    ev->raw = eol == 1 && v[-1] == ' ' && ev->event_len > 0 ? s : NULL;
    ev->raw_len = (size_t) (q + 1 - s);

    return (size_t) (q + 1 - s);
}


/*
 * An event at buf + start, a line start with nothing pending, in the
 * forms providers send: ["event: " NAME EOL] "data:" [" "] DATA EOL EOL,
 * every EOL "\n" or every one "\r\n", no other CR, under max_event
 * bytes.  Its fields in *ev (in place: no copy), and the bytes
 * it takes; 0 when the bytes are of another form (the walk takes them,
 * with the same events and limits), AGW_SSE_CUT when the feed ends before
 * the event does.  Two scans for its LFs; the CR test of a stream with LF
 * ends shared by the feed's lines (agw_sse_cr, *ncr), Gemini's CRLF lines
 * scanned for a CR each.
 * With LF ends, a space after "data:" and a name, the event comes with
 * its bytes (ev->raw, raw_len): "event: " NAME "\n" "data: " DATA "\n\n",
 * which a reader passing it on as it came copies in one piece.
 */
static size_t
agw_sse_fast(agw_sse_parser_t *p, const char *buf, size_t len, size_t start,
    size_t *ncr, agw_sse_event_t *ev)
{
    const char  *s, *nl;

    s = buf + start;

    nl = *s == 'e' ? agw_sse_lf_short(s, buf + len)
                   : memchr(s, '\n', len - start);

    if (nl == NULL) {
        return AGW_SSE_CUT;
    }

    if (nl > s && nl[-1] == '\r') {
        return agw_sse_fast_eol(p, buf, len, start, ncr, ev, nl, 2);
    }

    return agw_sse_fast_eol(p, buf, len, start, ncr, ev, nl, 1);
}


/*
 * Whether data[from, len), after the byte before (a line end: '\n'),
 * may wait in the carry for an LF: no CR but in a CRLF pair or last (then
 * maybe the first half of one), and no last CR ending an empty line (an
 * event ended, to dispatch now).  A stream of lone CRs is walked instead.
 */
static int
agw_sse_lf_ends(const char *data, size_t len, size_t from, char before,
    size_t *ncr)
{
    const char  *q, *end;

    if (len > from && before == '\r' && data[from] != '\n') {
        return 0;
    }

    if (agw_sse_cr(data, len, from, ncr) >= len) {
        return 1;
    }

    end = data + len;

    for (q = data + *ncr; q != NULL; q = memchr(q + 1, '\r', end - q - 1)) {
        if (q + 1 < end && q[1] != '\n') {
            return 0;
        }
    }

    return data[len - 1] != '\r'
           || (len - 1 > from ? data[len - 2] : before) != '\n';
}


/* agw_buf_append(), the copy inline when the buffer has the room (a
 * carry's, after the stream's first cut) */
static int
agw_sse_put(agw_buf_t *b, const char *src, size_t n)
{
    if (b->cap - b->len > n) {
        memcpy(b->data + b->len, src, n);
        b->len += n;
        return 0;
    }

    return agw_buf_append(b, src, n);
}


/*
 * An event cut by the feed's end at data + start, a line start: its bytes
 * kept as they came, to be read in one piece when its end comes.  Returns
 * 1 (kept), 0 (walked instead: over max_event, or lone CRs) or -1.
 */
static int
agw_sse_keep(agw_sse_parser_t *p, const char *data, size_t len,
    size_t start, size_t *ncr)
{
    if (len - start > p->max_event
        || !agw_sse_lf_ends(data, len, start, '\n', ncr))
    {
        return 0;
    }

    p->carry_cr = *ncr < len;

    return agw_sse_put(&p->carry, data + start, len - start) != 0 ? -1 : 1;
}


/*
 * The carried event's end in this feed: its first LF that ends a blank
 * line ("\n\n" or "\n\r\n", the carry's last bytes included), which a
 * walk reaches with nothing pending.  The bytes up to it join the carry,
 * read as one piece; *used is how many.  Without it the feed joins the
 * carry whole (*used = len, the carry still pending), unless the carry
 * would pass max_event or wait for an LF that lone CRs never bring: then
 * the carry is walked (*used = 0, the feed's bytes walked next).
 */
static int
agw_sse_carried(agw_sse_parser_t *p, const char *data, size_t len,
    size_t *used, size_t *fcr, agw_sse_event_cb cb, agw_sse_bytes_cb bytes,
    void *ud)
{
    int          rc;
    char         c1;
    size_t       j, m, n, ncr;
    const char  *q, *end;

    n = p->carry.len;
    end = data + len;
    m = 0;

    if (len == 0) {
        *used = 0;
        return 0;
    }

    for (q = memchr(data, '\n', len); q != NULL;
         q = memchr(q + 1, '\n', (size_t) (end - q - 1)))
    {
        j = (size_t) (q - data);
        c1 = j >= 1 ? data[j - 1] : p->carry.data[n - 1];

        if (c1 == '\r') {
            c1 = j >= 2 ? data[j - 2]
                        : j == 1 ? p->carry.data[n - 1]
                        : n >= 2 ? p->carry.data[n - 2] : '\0';
        }

        if (c1 == '\n') {
            m = j + 1;
            break;
        }
    }

    /*
     * A stream with LF ends: the feed's first CR, found once for the
     * carried event's end and the rest of the feed (the scans after)
     */
    if (!p->cr_ends) {
        (void) agw_sse_cr(data, len, 0, fcr);
    }

    *used = m ? m : len;

    if (n + *used <= p->max_event) {
        ncr = *fcr;

        if (m != 0
            || agw_sse_lf_ends(data, len, 0, p->carry.data[n - 1], &ncr))
        {
            if (agw_sse_put(&p->carry, data, *used) != 0) {
                return AGW_SSE_ERR_NOMEM;
            }

            if (p->cr_ends || *fcr < *used) {
                p->carry_cr = 1;
            }

            if (m == 0) {
                return 0;
            }
        }
    }

    if (p->carry.len == n) {
        *used = 0;                      /* walked, then the feed */
    }

    /* the carry's first CR: none, when neither part had one */
    ncr = p->carry_cr ? (size_t) -1 : p->carry.len;

    rc = agw_sse_scan(p, p->carry.data, p->carry.len, 0, ncr, cb, bytes,
                      ud);
    p->carry.len = 0;

    return rc;
}


/*
 * The offset of the feed's first CR at or after from (len when none),
 * kept in *ncr ((size_t) -1: not looked for yet): one pass finds it for
 * all the lines before it, where a memchr of each line for its own CR went
 * over every byte of a stream with LF ends a second time.  Once a stream
 * has shown a CR (Gemini ends its lines with CRLF) a line's own memchr
 * is cheaper again: the feed's next CR is then at the line's end.
 */
static size_t
agw_sse_cr(const char *data, size_t len, size_t from, size_t *ncr)
{
    const char  *q;

    if (*ncr == (size_t) -1 || *ncr < from) {
        q = memchr(data + from, '\r', len - from);
        *ncr = q ? (size_t) (q - data) : len;
    }

    return *ncr;
}


/*
 * An open stream spends its life waiting for the next bytes: what it holds
 * meanwhile is what an event cut by the end of a read left, not buffers
 * kept for the next one (as large as the largest event so far).
 */
void
agw_sse_idle(agw_sse_parser_t *p)
{
    agw_sse_release(&p->line);
    agw_sse_release(&p->data);
    agw_sse_release(&p->event);
    agw_sse_release(&p->carry);
}


static void
agw_sse_release(agw_buf_t *b)
{
    if (b->len == 0 && b->data != NULL) {
        agw_buf_free(b);
    }
}


static int
agw_sse_line(agw_sse_parser_t *p, const char *line, size_t len,
    agw_sse_event_cb cb, void *ud)
{
    size_t       name_len, vlen;
    const char  *colon, *value;

    if (len == 0) {
        return agw_sse_dispatch(p, cb, ud);
    }

    if (line[0] == ':') {
        return 0;                               /* a comment: keep-alive */
    }

    colon = memchr(line, ':', len);
    if (colon != NULL) {
        name_len = (size_t) (colon - line);
        value = colon + 1;
        vlen = len - name_len - 1;
        if (vlen > 0 && value[0] == ' ') {
            value++;
            vlen--;
        }

    } else {
        name_len = len;
        value = "";
        vlen = 0;
    }

    if (name_len == 4 && memcmp(line, "data", 4) == 0) {
        if (p->data.len + vlen + 1 + p->event.len > p->max_event) {
            p->overflow = 1;
            return AGW_SSE_ERR_TOO_BIG;
        }
        if (p->has_data) {
            if (agw_buf_append(&p->data, "\n", 1) != 0) {
                return AGW_SSE_ERR_NOMEM;
            }

            p->multiline = 1;
        }
        if (agw_buf_append(&p->data, value, vlen) != 0) {
            return AGW_SSE_ERR_NOMEM;
        }
        p->has_data = 1;
        return 0;
    }

    if (name_len == 5 && memcmp(line, "event", 5) == 0) {
        if (vlen > p->max_event) {
            p->overflow = 1;
            return AGW_SSE_ERR_TOO_BIG;
        }
        p->event.len = 0;
        if (agw_buf_append(&p->event, value, vlen) != 0) {
            return AGW_SSE_ERR_NOMEM;
        }
        return 0;
    }

    /*
     * "retry" and unknown fields are ignored, as WHATWG says, and so is
     * "id": an event id only serves a browser reconnecting, which the
     * gateway never does, and no reader has a use for it (not keeping it
     * keeps an open stream's parser a buffer smaller)
     */
    return 0;
}


/*
 * A blank line ends an event.  It is delivered when it has data, or an
 * event name (a bare "event: ping" still means something to Anthropic
 * clients); a blank line after nothing is just spacing.
 */
static int
agw_sse_dispatch(agw_sse_parser_t *p, agw_sse_event_cb cb, void *ud)
{
    int              rc;
    agw_sse_event_t  ev;

    if (!p->has_data && p->event.len == 0) {
        return 0;
    }

    ev.event = p->event.len ? p->event.data : "";
    ev.event_len = p->event.len;
    ev.data = p->data.len ? p->data.data : "";
    ev.data_len = p->data.len;
    ev.multiline = p->multiline;
    ev.raw = NULL;
    ev.raw_len = 0;

    rc = agw_sse_emit(&ev, cb, ud);

    p->data.len = 0;
    p->event.len = 0;
    p->has_data = 0;
    p->multiline = 0;

    return rc;
}


/*
 * Whether the carry's bytes, walked, would leave an event pending: a line
 * not ended yet, a data: line, or an event: line with a name.  (A carry
 * starts where nothing was pending and holds no blank line; its only CRs
 * are CRLF halves and maybe its last byte, a line end too.)
 */
static int
agw_sse_carry_pending(const char *c, size_t n)
{
    size_t       len, name;
    const char  *end, *nl, *colon, *v;

    end = c + n;

    while (c < end) {
        nl = memchr(c, '\n', (size_t) (end - c));

        if (nl == NULL) {
            if (end[-1] != '\r') {
                return 1;                       /* a line cut */
            }
            nl = end;
        }

        len = (size_t) (nl - c);
        if (len > 0 && c[len - 1] == '\r') {
            len--;
        }

        colon = memchr(c, ':', len);
        name = colon ? (size_t) (colon - c) : len;

        if (name == 4 && memcmp(c, "data", 4) == 0) {
            return 1;
        }

        if (name == 5 && memcmp(c, "event", 5) == 0 && colon != NULL) {
            v = colon + 1;
            if (v < c + len && *v == ' ') {
                v++;
            }
            if (v < c + len) {
                return 1;
            }
        }

        c = nl + 1;
    }

    return 0;
}


int
agw_sse_pending(const agw_sse_parser_t *p)
{
    return p->line.len > 0 || p->has_data || p->event.len > 0
           || (p->carry.len > 0
               && agw_sse_carry_pending(p->carry.data, p->carry.len));
}


void
agw_sse_free(agw_sse_parser_t *p)
{
    agw_buf_free(&p->line);
    agw_buf_free(&p->data);
    agw_buf_free(&p->event);
    agw_buf_free(&p->carry);
}


void
agw_sse_one_line(const agw_sse_event_t *ev, char *buf, agw_sse_event_t *flat)
{
    char  *lf;

    memcpy(buf, ev->data, ev->data_len);

    for (lf = memchr(buf, '\n', ev->data_len);
         lf != NULL;
         lf = memchr(lf, '\n', ev->data_len - (size_t) (lf - buf)))
    {
        *lf = ' ';
    }

    *flat = *ev;
    flat->data = buf;
    flat->multiline = 0;
    flat->raw = NULL;
    flat->raw_len = 0;
}


/*
 * Frames one event.  Data holding line breaks becomes several "data:"
 * lines, which a parser joins back with "\n" (a CR or CRLF inside data
 * cannot survive SSE framing and comes back as "\n").
 */
int
agw_sse_write(agw_buf_t *out, const char *event, const char *data,
    size_t data_len)
{
    size_t  i, start;

    if (event != NULL && event[0] != '\0') {
        if (agw_buf_append(out, "event: ", 7) != 0
            || agw_buf_append_str(out, event) != 0
            || agw_buf_append(out, "\n", 1) != 0)
        {
            return -1;
        }
    }

    start = 0;
    for (i = 0; i <= data_len; i++) {
        if (i < data_len && data[i] != '\n' && data[i] != '\r') {
            continue;
        }

        if (agw_buf_append(out, "data: ", 6) != 0
            || agw_buf_append(out, data + start, i - start) != 0
            || agw_buf_append(out, "\n", 1) != 0)
        {
            return -1;
        }

        if (i + 1 < data_len && data[i] == '\r' && data[i + 1] == '\n') {
            i++;
        }
        start = i + 1;
    }

    return agw_buf_append(out, "\n", 1);
}
