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
    size_t       i, start;
    const char  *line, *nl, *cr;
    size_t       line_len;

    if (p->overflow) {
        return AGW_SSE_ERR_TOO_BIG;
    }

    i = 0;

    if (p->skip_lf && len > 0) {
        p->skip_lf = 0;
        if (data[0] == '\n') {
            i = 1;
        }
    }

    while (i < len) {
        start = i;

        /* the line's end: the first LF or CR, found with memchr (one
         * vectorised pass, and a second one only up to that LF) */
        nl = memchr(data + i, '\n', len - i);
        i = nl ? (size_t) (nl - data) : len;

        cr = memchr(data + start, '\r', i - start);
        if (cr) {
            i = (size_t) (cr - data);
        }

        if (i < len && p->line.len == 0 && !p->has_data && cr == NULL
            && i + 1 < len && data[i + 1] == '\n' && i - start >= 5
            && memcmp(data + start, "data:", 5) == 0)
        {
            /*
             * The usual event, whole in this feed: "data: X" and a blank
             * line, LF ends, nothing pending.  What agw_sse_line() and
             * the blank line's own pass would do, in one copy.
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
            i += 2;

            rc = agw_sse_dispatch(p, cb, ud);
            if (rc != 0) {
                return rc;
            }

            continue;
        }

        if (i < len && p->line.len == 0 && cr == NULL && i - start >= 6
            && memcmp(data + start, "event:", 6) == 0)
        {
            /* an event's name, whole in this feed, LF-ended (Anthropic's
             * and the Responses API's every event): what agw_sse_line()
             * does with it, without its search for the colon */
            if (i - start > p->max_event) {
                p->overflow = 1;            /* the line's limit */
                return AGW_SSE_ERR_TOO_BIG;
            }

            start += 6;
            if (start < i && data[start] == ' ') {
                start++;
            }

            if (agw_sse_set(&p->event, data + start, i - start) != 0) {
                return AGW_SSE_ERR_NOMEM;
            }

            i++;
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
