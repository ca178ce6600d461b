/*
 * agw_sse: incremental Server-Sent Events parser and writer.
 *
 * The parser keeps only the current line and the event being assembled, so
 * its memory is bounded by max_event whatever the stream's length.  A CR is
 * a line end on its own; when it is the last byte of a feed, skip_lf
 * remembers it so that an LF opening the next feed is not a second, empty
 * line (which would dispatch an event too early).
 */

#include <string.h>

#include "agw_sse.h"

#define AGW_SSE_DEFAULT_MAX  (16 * 1024 * 1024)


static void agw_sse_release(agw_buf_t *b);
static int agw_sse_line(agw_sse_parser_t *p, const char *line, size_t len,
    agw_sse_event_cb cb, void *ud);
static int agw_sse_dispatch(agw_sse_parser_t *p, agw_sse_event_cb cb,
    void *ud);
static int agw_sse_named(agw_sse_parser_t *p, const char *buf,
    size_t buf_len, size_t start, size_t *ncr, size_t *used,
    agw_sse_event_cb cb, void *ud);
static size_t agw_sse_cr(const char *data, size_t len, size_t from,
    size_t *ncr);


/*
 * b's bytes replaced by n at src: in place when they fit, as they do
 * after a stream's first events (the buffers are kept between the events
 * of a read), else by agw_buf_append().  NUL-terminated either way.
 */
static int
agw_sse_set(agw_buf_t *b, const char *src, size_t n)
{
    b->len = 0;

    if (n < b->cap) {
        memcpy(b->data, src, n);
        b->data[n] = '\0';
        b->len = n;
        return 0;
    }

    return agw_buf_append(b, src, n);
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
    int          rc;
    size_t       i, start, eol, n, ncr;
    const char  *line, *nl, *cr;
    size_t       line_len;

    if (p->overflow) {
        return AGW_SSE_ERR_TOO_BIG;
    }

    i = 0;
    ncr = (size_t) -1;

    if (p->skip_lf && len > 0) {
        p->skip_lf = 0;
        if (data[0] == '\n') {
            i = 1;
        }
    }

    while (i < len) {
        start = i;

        if (data[i] == 'e' && p->line.len == 0 && !p->has_data
            && p->event.len == 0)
        {
            rc = agw_sse_named(p, data, len, i, &ncr, &n, cb, ud);
            if (rc != 0) {
                return rc;
            }

            if (n != 0) {
                i += n;
                continue;
            }
        }

        /* the line's end: the first LF or CR, found with memchr (one
         * vectorised pass, and the feed's next CR kept across lines) */
        nl = memchr(data + i, '\n', len - i);
        i = nl ? (size_t) (nl - data) : len;

        if (p->cr_ends) {
            cr = memchr(data + start, '\r', i - start);

        } else {
            cr = agw_sse_cr(data, len, start, &ncr) < i ? data + ncr : NULL;
            p->cr_ends = (cr != NULL);
        }

        /* the line's end, CR excluded, and how long its end is */
        eol = (cr == NULL) ? 1 : (cr + 1 == nl) ? 2 : 0;
        i = cr ? (size_t) (cr - data) : i;

        if (nl != NULL && eol != 0 && p->line.len == 0 && !p->has_data
            && (size_t) (nl - data) + eol < len
            && data[nl - data + eol] == '\n'
            && (eol == 1 || data[nl - data + 1] == '\r')
            && i - start >= 5 && memcmp(data + start, "data:", 5) == 0)
        {
            /*
             * The usual event, whole in this feed: "data: X" and a blank
             * line, LF (or CRLF, Gemini's) ends, nothing pending.  What
             * agw_sse_line() and the blank line's own pass would do, in
             * one copy.
             */
            /* the same limits as the line and the data field have */
            if (i - start > p->max_event) {
                p->overflow = 1;
                return AGW_SSE_ERR_TOO_BIG;
            }

            start += 5;
            if (start < i && data[start] == ' ') {
                start++;
            }

            if (i - start + 1 + p->event.len > p->max_event) {
                p->overflow = 1;
                return AGW_SSE_ERR_TOO_BIG;
            }

            p->data.len = 0;
            if (agw_sse_set(&p->data, data + start, i - start) != 0) {
                return AGW_SSE_ERR_NOMEM;
            }

            p->has_data = 1;
            i = (size_t) (nl - data) + eol + 1;

            rc = agw_sse_dispatch(p, cb, ud);
            if (rc != 0) {
                return rc;
            }

            continue;
        }

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
    }

    return 0;
}


/*
 * A named event at buf + start, whole in this feed, nothing pending:
 * "event: NAME", one "data: DATA" line ("data:DATA" too) and a blank line,
 * all ended by LF or all by CRLF.  Read in one pass (its two LFs found and
 * the feed's next CR, *ncr as agw_sse_cr() keeps it; not the walk's line
 * by line scans and field parse), with the limits the walk applies to the
 * same lines.
 * With LF ends, a space after "data:" and a name, it is delivered with its
 * bytes (ev->raw): "event: " NAME "\n" "data: " DATA "\n\n", which a reader
 * passing the event on as it came copies in one piece.  *used is the
 * bytes taken, 0 when they are not of that form (the walk takes them,
 * with the same events).  Returns 0, the callback's value or an
 * AGW_SSE_ERR_*.
 */
static int
agw_sse_named(agw_sse_parser_t *p, const char *buf, size_t buf_len,
    size_t start, size_t *ncr, size_t *used, agw_sse_event_cb cb, void *ud)
{
    int          rc;
    size_t       eol, name_len, len;
    const char  *name, *q, *d, *v, *e, *nl, *end, *cr, *data;

    *used = 0;
    data = buf + start;
    len = buf_len - start;
    end = data + len;

    if (len < 7 || memcmp(data, "event: ", 7) != 0) {
        return 0;
    }

    name = data + 7;
    q = memchr(name, '\n', (size_t) (end - name));
    if (q == NULL) {
        return 0;
    }

    eol = (q > name && q[-1] == '\r') ? 2 : 1;
    name_len = (size_t) (q - name) - (eol - 1);

    d = q + 1;
    nl = memchr(d, '\n', (size_t) (end - d));
    if (nl == NULL || (size_t) (nl - d) < 5 + (eol - 1)
        || memcmp(d, "data:", 5) != 0
        || (eol == 2 && nl[-1] != '\r')
        || (size_t) (end - nl) < 1 + eol
        || nl[eol] != '\n' || (eol == 2 && nl[1] != '\r'))
    {
        return 0;
    }

    e = nl - (eol - 1);

    /* no CR but the line ends' */
    if (eol == 1 && !p->cr_ends) {
        cr = agw_sse_cr(buf, buf_len, start, ncr) < (size_t) (e - buf)
             ? buf + *ncr : NULL;

    } else if (eol == 1) {
        cr = memchr(data, '\r', (size_t) (e - data));

    } else {
        cr = memchr(data, '\r', (size_t) (name + name_len - data));
        if (cr == NULL) {
            cr = memchr(d, '\r', (size_t) (e - d));
        }
    }

    if (cr != NULL) {
        return 0;
    }

    /* what the walk checks of the same lines */
    if (7 + name_len > p->max_event || (size_t) (e - d) > p->max_event) {
        p->overflow = 1;
        return AGW_SSE_ERR_TOO_BIG;
    }

    v = d + 5;
    if (v < e && *v == ' ') {
        v++;
    }

    if ((size_t) (e - v) + 1 + name_len > p->max_event) {
        p->overflow = 1;
        return AGW_SSE_ERR_TOO_BIG;
    }

    /* most events repeat the last one's name, whose bytes the buffer
     * still holds: not copied again */
    if (p->event.cap > name_len
        && memcmp(p->event.data, name, name_len) == 0)
    {
        p->event.len = name_len;
        p->event.data[name_len] = '\0';

    } else if (agw_buf_append(&p->event, name, name_len) != 0) {
        return AGW_SSE_ERR_NOMEM;
    }

    if (agw_sse_set(&p->data, v, (size_t) (e - v)) != 0) {
        return AGW_SSE_ERR_NOMEM;
    }

    p->has_data = 1;
    *used = (size_t) (nl + eol + 1 - data);

    if (eol == 1 && v[-1] == ' ' && name_len > 0) {
        p->raw = data;
        p->raw_len = *used;
    }

    rc = agw_sse_dispatch(p, cb, ud);

    p->raw = NULL;
    p->raw_len = 0;

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
    agw_sse_release(&p->id);
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

    if (name_len == 2 && memcmp(line, "id", 2) == 0) {
        /* WHATWG: an id holding NUL is ignored */
        if (memchr(value, '\0', vlen) != NULL || vlen > p->max_event) {
            return 0;
        }
        p->id.len = 0;
        if (agw_buf_append(&p->id, value, vlen) != 0) {
            return AGW_SSE_ERR_NOMEM;
        }
        return 0;
    }

    /* "retry" and unknown fields are ignored, as WHATWG says */
    return 0;
}


/*
 * A field's value, NUL-terminated: a buffer that was ever appended to
 * keeps a spare byte past its length (agw_buf_reserve), one never used is
 * the empty string.
 */
static const char *
agw_sse_cstr(agw_buf_t *b)
{
    if (b->cap == 0) {
        return "";
    }

    b->data[b->len] = '\0';
    return b->data;
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
        p->id.len = 0;
        return 0;
    }

    ev.event = agw_sse_cstr(&p->event);
    ev.event_len = p->event.len;
    ev.data = agw_sse_cstr(&p->data);
    ev.data_len = p->data.len;
    ev.id = agw_sse_cstr(&p->id);
    ev.id_len = p->id.len;
    ev.multiline = p->multiline;
    ev.raw = p->raw;
    ev.raw_len = p->raw_len;

    rc = cb(ud, &ev);

    p->data.len = 0;
    p->event.len = 0;
    p->id.len = 0;
    p->has_data = 0;
    p->multiline = 0;

    return rc;
}


int
agw_sse_pending(const agw_sse_parser_t *p)
{
    return p->line.len > 0 || p->has_data || p->event.len > 0;
}


void
agw_sse_free(agw_sse_parser_t *p)
{
    agw_buf_free(&p->line);
    agw_buf_free(&p->data);
    agw_buf_free(&p->event);
    agw_buf_free(&p->id);
}


void
agw_sse_one_line(const agw_sse_event_t *ev, char *buf, agw_sse_event_t *flat)
{
    char  *lf;

    memcpy(buf, ev->data, ev->data_len + 1);

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
