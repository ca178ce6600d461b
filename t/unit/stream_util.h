/*
 * stream_util.h: the events of an SSE byte string (a client stream a
 * test produced), read back with the library's SSE parser, and whether
 * it is framed as the writers frame it.
 */

#ifndef STREAM_UTIL_H
#define STREAM_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "agw_sse.h"

typedef struct {
    int     n;
    char  **event;
    char  **data;
} events_t;

__attribute__((unused)) static int
events_collect(void *ud, const agw_sse_event_t *ev)
{
    events_t  *e = ud;
    char     **ne, **nd;

    ne = realloc(e->event, (e->n + 1) * sizeof(char *));
    if (ne == NULL) {
        return -1;
    }
    e->event = ne;
    nd = realloc(e->data, (e->n + 1) * sizeof(char *));
    if (nd == NULL) {
        return -1;
    }
    e->data = nd;

    /* the fields are slices, not NUL-terminated */
    e->event[e->n] = strndup(ev->event, ev->event_len);
    e->data[e->n] = strndup(ev->data, ev->data_len);
    if (e->event[e->n] == NULL || e->data[e->n] == NULL) {
        return -1;
    }
    e->n++;
    return 0;
}

/* The events of an SSE byte string; -1 if it does not parse cleanly. */
__attribute__((unused)) static int
events_parse(const char *s, size_t len, events_t *e)
{
    int               rc;
    agw_sse_parser_t  p;

    memset(e, 0, sizeof(*e));
    agw_sse_init(&p, 0);
    rc = agw_sse_feed(&p, s, len, events_collect, e);
    if (rc == 0 && agw_sse_pending(&p)) {
        rc = -1;
    }
    agw_sse_free(&p);
    return rc;
}

__attribute__((unused)) static void
events_free(events_t *e)
{
    int  i;

    for (i = 0; i < e->n; i++) {
        free(e->event[i]);
        free(e->data[i]);
    }
    free(e->event);
    free(e->data);
    memset(e, 0, sizeof(*e));
}


/*
 * Whether a client stream is framed as the writers frame it: 0 when each
 * event is an "event:" line at most and one "data:" line, ended by a
 * blank line, and no other line is there.  A line break written inside a
 * data: line cuts the event: a parser takes the line's rest as a field
 * it does not know and drops it, so the data left may even be JSON.
 */
__attribute__((unused)) static int
events_framed(const char *p, size_t len)
{
    int          data;
    size_t       l;
    const char  *end, *eol;

    end = p + len;
    data = 0;

    while (p < end) {
        eol = memchr(p, '\n', (size_t) (end - p));
        if (eol == NULL) {
            return -1;
        }

        l = (size_t) (eol - p);
        l -= l > 0 && p[l - 1] == '\r';

        if (l == 0) {
            data = 0;

        } else if (l >= 5 && memcmp(p, "data:", 5) == 0) {
            if (data++) {
                return -1;
            }

        } else if (l < 6 || memcmp(p, "event:", 6) != 0
                   || memchr(p, '\r', l) != NULL)
        {
            return -1;
        }

        p = eol + 1;
    }

    return 0;
}


/*
 * An event whose data are a copy of len bytes in a buffer of their own
 * size, no NUL after them: under ASan a reader that reads past its
 * event's data_len fails.  The copy is returned, for free().
 */
__attribute__((unused)) static char *
event_exact(agw_sse_event_t *ev, const char *data, size_t len)
{
    char  *copy;

    copy = malloc(len ? len : 1);
    if (copy == NULL) {
        abort();
    }
    memcpy(copy, data, len);

    memset(ev, 0, sizeof(*ev));
    ev->event = "";
    ev->data = copy;
    ev->data_len = len;

    return copy;
}

#endif /* STREAM_UTIL_H */
