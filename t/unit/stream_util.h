/*
 * stream_util.h: running agw_stream_* over a whole byte string, whole or
 * split, and reading back the events it produced.
 */

#ifndef STREAM_UTIL_H
#define STREAM_UTIL_H

#include "agw_translate.h"
#include "agw_sse.h"

typedef struct {
    int          feed_rc;       /* first non-zero agw_stream_feed() */
    int          finish_rc;
    agw_usage_t  usage;
    agw_error_t  error;
} stream_run_t;

/*
 * Feeds in to a new stream in pieces of step bytes (0: whole), then
 * finishes it with upstream_ok; the client bytes go to out.
 */
__attribute__((unused)) static int
stream_run(agw_dialect_t provider, agw_dialect_t client,
    const agw_stream_opts_t *opts, const char *in, size_t len, size_t step,
    int upstream_ok, agw_buf_t *out, stream_run_t *r)
{
    int            rc;
    size_t         i, n;
    agw_stream_t  *s;

    memset(r, 0, sizeof(*r));
    s = agw_stream_new(provider, client, opts);
    if (s == NULL) {
        return -1;
    }

    if (step == 0) {
        step = len ? len : 1;
    }

    for (i = 0; i < len; i += n) {
        n = len - i < step ? len - i : step;
        rc = agw_stream_feed(s, in + i, n, out);
        if (rc != 0) {
            r->feed_rc = rc;
            break;
        }
    }

    r->finish_rc = agw_stream_finish(s, upstream_ok, out);
    r->usage = *agw_stream_usage(s);
    r->error = *agw_stream_error(s);
    agw_stream_free(s);
    return 0;
}


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

    e->event[e->n] = strdup(ev->event);
    e->data[e->n] = strdup(ev->data);
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

#endif /* STREAM_UTIL_H */
