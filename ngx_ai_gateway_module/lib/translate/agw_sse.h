/*
 * agw_sse: an incremental Server-Sent Events parser.
 *
 * Bytes may be split anywhere across agw_sse_feed() calls, including inside
 * a CRLF pair; the events delivered are the same for every split.  Follows
 * the WHATWG event-stream rules: LF, CR or CRLF line ends, ":" comments
 * ignored, multi-line "data:" joined with "\n", one leading space after the
 * colon stripped, an event dispatched on a blank line.  Unlike a browser it
 * also dispatches an event whose data is empty when it has an event name
 * (Anthropic "ping" carries data; some servers send bare "event:" lines).
 *
 * An event's fields are slices, NOT NUL-terminated: a reader reads
 * data_len bytes of data and no more.  An event whole in one feed is
 * handed over in place (its name and data point into the caller's bytes:
 * no copy), one cut by the end of a feed from the parser's copy of it.
 * Either way the bytes live until the callback returns.  Builds with
 * AddressSanitizer hand each field in a block of its exact size, so that
 * a read past its length fails every test that reaches it.
 */

#ifndef AGW_SSE_H
#define AGW_SSE_H

#include <stddef.h>
#include "agw_buf.h"

#if defined(__SSE2__) && defined(__GNUC__) && !defined(AGW_JSON_NO_SIMD)
#include <emmintrin.h>
#endif

typedef struct {
    const char  *event;      /* event_len 0 when the stream gave none */
    size_t       event_len;
    const char  *data;       /* lines joined with "\n"; data_len bytes */
    size_t       data_len;
    unsigned     multiline:1; /* data joined from several lines: has "\n" */
    /*
     * A named event's own bytes when they are "event: " event "\n"
     * "data: " data "\n\n", as a writer frames it; NULL for an event
     * without a name or in another form.
     */
    const char  *raw;
    size_t       raw_len;
} agw_sse_event_t;

/* Return 0 to continue, non-zero to stop; agw_sse_feed() returns it. */
typedef int (*agw_sse_event_cb)(void *ud, const agw_sse_event_t *ev);

/*
 * A caller's own reading of the events it knows by their bytes, tried
 * first wherever an event starts with nothing pending: p holds len bytes,
 * the rest of the feed (at most max_event).  It returns how many bytes
 * the whole events it took hold (one, or several that follow one
 * another: a call each costs more than a delta's reading), their blank
 * lines included, with *rc the event callback's answer for the last of
 * them (it stops after one whose answer is not 0); or 0, having changed
 * nothing: the parser reads the event.  It may take only bytes that the
 * parser would read as exactly those events with the same fields (an
 * event in another form, or cut by the feed's end, is the parser's): the
 * events delivered stay the same for every split of the stream.
 */
typedef size_t (*agw_sse_bytes_cb)(void *ud, const char *p, size_t len,
    int *rc);

typedef struct {
    agw_buf_t  line;          /* the current, incomplete line */
    agw_buf_t  data;
    agw_buf_t  event;
    agw_buf_t  carry;         /* an event cut by a feed's end, as it came */
    size_t     max_event;     /* bytes one event may hold; 0: 16 MiB */
    unsigned   skip_lf:1;     /* last byte was CR: a following LF is part */
    unsigned   has_data:1;
    unsigned   multiline:1;   /* a second data line was joined */
    unsigned   overflow:1;
    unsigned   cr_ends:1;     /* a line ended by a CR came: see agw_sse_cr() */
    unsigned   carry_cr:1;    /* the carry may hold a CR */
} agw_sse_parser_t;

#define AGW_SSE_ERR_TOO_BIG  -2
#define AGW_SSE_ERR_NOMEM    -1

void agw_sse_init(agw_sse_parser_t *p, size_t max_event);
/*
 * Feeds len bytes.  Returns 0, the callback's non-zero value, or a negative
 * AGW_SSE_ERR_* (an event larger than max_event, or out of memory).
 */
int  agw_sse_feed(agw_sse_parser_t *p, const char *data, size_t len,
    agw_sse_event_cb cb, void *ud);
/* The same, with bytes (may be NULL) offered each event first. */
int  agw_sse_feed_bytes(agw_sse_parser_t *p, const char *data, size_t len,
    agw_sse_event_cb cb, agw_sse_bytes_cb bytes, void *ud);
/*
 * Between the caller's reads (not between its feeds of one read): gives
 * back the buffers no pending event uses.  The next event allocates them
 * again.
 */
void agw_sse_idle(agw_sse_parser_t *p);
/* True when bytes of an undispatched event are pending (a cut stream). */
int  agw_sse_pending(const agw_sse_parser_t *p);
void agw_sse_free(agw_sse_parser_t *p);

/*
 * The event in *flat with its data on one line: buf (data_len bytes)
 * gets the data with a blank for each LF that joined its data: lines.
 * For JSON, whose strings hold no raw line break, the LFs lie between
 * tokens: the same JSON, the same length, whole on the one data: line a
 * writer frames.  raw is cleared.
 */
void agw_sse_one_line(const agw_sse_event_t *ev, char *buf,
    agw_sse_event_t *flat);

/*
 * The first CR or LF in [p, end), or end: where a line of an event in
 * the feed ends, for the readers that take events from the feed's bytes
 * (agw_sse_bytes_cb): 32 bytes a round, then 16 (SSE2; the portable
 * loop in AGW_JSON_NO_SIMD builds), the last round over the last 16
 * bytes again, so that nothing past end is read.
 */
static inline const char *
agw_sse_eol(const char *p, const char *end)
{
#if defined(__SSE2__) && defined(__GNUC__) && !defined(AGW_JSON_NO_SIMD)
    unsigned     m;
    __m128i      v, u, lf, cr;
    const char  *q;

    if (end - p >= 16) {
        lf = _mm_set1_epi8('\n');
        cr = _mm_set1_epi8('\r');

        /* 32 bytes a round while they last: one test of both halves */
        while (end - p >= 32) {
            v = _mm_loadu_si128((const __m128i *) p);
            u = _mm_loadu_si128((const __m128i *) (p + 16));
            m = (unsigned) _mm_movemask_epi8(
                    _mm_or_si128(_mm_cmpeq_epi8(v, lf),
                                 _mm_cmpeq_epi8(v, cr)))
                | (unsigned) _mm_movemask_epi8(
                    _mm_or_si128(_mm_cmpeq_epi8(u, lf),
                                 _mm_cmpeq_epi8(u, cr))) << 16;
            if (m != 0) {
                return p + __builtin_ctz(m);
            }

            p += 32;
        }

        if (end - p >= 16) {
            v = _mm_loadu_si128((const __m128i *) p);
            m = (unsigned) _mm_movemask_epi8(
                    _mm_or_si128(_mm_cmpeq_epi8(v, lf),
                                 _mm_cmpeq_epi8(v, cr)));
            if (m != 0) {
                return p + __builtin_ctz(m);
            }

            p += 16;
        }

        if (p == end) {
            return end;
        }

        /* the bytes before p in this round were looked at already */
        q = end - 16;
        v = _mm_loadu_si128((const __m128i *) q);
        m = (unsigned) _mm_movemask_epi8(
                _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)))
            >> (p - q);

        return m != 0 ? p + __builtin_ctz(m) : end;
    }
#endif

    while (p < end && *p != '\n' && *p != '\r') {
        p++;
    }

    return p;
}

/* Writers: append one framed event ("event: X\n" optional, "data: ...\n\n"). */
int  agw_sse_write(agw_buf_t *out, const char *event, const char *data,
    size_t data_len);

#endif /* AGW_SSE_H */
