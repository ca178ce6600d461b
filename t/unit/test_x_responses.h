/*
 * test_x_responses.h: what the Responses dialect's engine tests share: a
 * stream driver for two codecs (the engine's own agw_stream_step() takes
 * over when the library has one: these are weak), and SSE output read
 * back as a list of JSON events.
 */

#ifndef TEST_X_RESPONSES_H
#define TEST_X_RESPONSES_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agw_codec.h"
#include "agw_sse.h"
#include "tap.h"


static agw_error_t  test_slot;


__attribute__((weak)) agw_error_t *
agw_stream_error_slot(agw_xstream_t *s)
{
    if (s->error == NULL) {
        memset(&test_slot, 0, sizeof(test_slot));
        s->error = &test_slot;
    }

    return s->error;
}


__attribute__((weak)) int
agw_stream_step(agw_xstream_t *s, const agw_step_t *step)
{
    agw_error_t  *e;

    if (step->usage != NULL) {
        agw_usage_merge(&s->usage, step->usage);
    }

    switch (step->type) {
    case AGW_STEP_END:
        s->provider_done = 1;
        return 0;

    case AGW_STEP_ERROR:
        e = agw_stream_error_slot(s);
        *e = *step->error;
        return 0;

    default:
        return s->writer->write_step(s, step);
    }
}


typedef struct {
    agw_xstream_t   s;
    agw_arena_t     arena;
    char            first[4096];
    int             rewrite;
    int             rc;
} test_xs_t;


static int
test_xs_event(void *ud, const agw_sse_event_t *ev)
{
    int         rc;
    test_xs_t  *x = ud;

    /* a rewrite passes what follows the provider's end or error (its
     * response.failed) as the passthrough always did */
    if (!x->rewrite && (x->s.provider_done || x->s.error != NULL)) {
        return 0;
    }

    rc = x->rewrite ? x->s.reader->rewrite_event(&x->s, ev)
                    : x->s.reader->read_event(&x->s, ev);
    agw_arena_free(&x->arena);

    if (rc != 0) {
        x->rc = rc;
        return 1;
    }

    return 0;
}


/*
 * Runs SSE bytes from a provider of codec rd through to a client of codec
 * wr (rewrite: rd's same-dialect rewrite), then the end: the client's SSE
 * into out.  Returns the first non-zero return of a codec, else 0.
 */
static __attribute__((unused)) int
test_xs_run(const agw_codec_t *rd, const agw_codec_t *wr, int rewrite,
    const char *model, const char *in, size_t len, agw_buf_t *out,
    agw_usage_t *usage, agw_error_t *err)
{
    int               rc;
    agw_sse_parser_t  p;
    test_xs_t        *x;

    x = calloc(1, sizeof(test_xs_t));
    if (x == NULL) {
        return -1;
    }

    x->rewrite = rewrite;
    x->s.reader = rd;
    x->s.writer = wr;
    x->s.rstate = calloc(1, rd->read_state_size);
    x->s.wstate = calloc(1, wr->write_state_size);
    agw_arena_init(&x->arena, x->first, sizeof(x->first), 0);
    x->s.arena = &x->arena;
    agw_jw_init(&x->s.w, out);
    x->s.opts.model = agw_str_bytes(model, strlen(model));
    x->s.opts.created = 1700000000;
    x->s.opts.provider = rd->dialect;
    agw_usage_init(&x->s.usage);

    agw_sse_init(&p, 0);
    rc = agw_sse_feed(&p, in, len, test_xs_event, x);
    agw_sse_free(&p);

    if (rc < 0) {
        x->rc = -1;
    }

    if (x->s.error != NULL) {
        *err = *x->s.error;
        wr->write_stream_error(&x->s, x->s.error);

    } else if (x->s.provider_done) {
        wr->write_end(&x->s);

    } else if (x->rc == 0) {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "stream_truncated",
                      "the stream ended before its end");
        wr->write_stream_error(&x->s, err);
    }

    if (usage != NULL) {
        *usage = x->s.usage;
    }

    if (rd->free_read_state) {
        rd->free_read_state(x->s.rstate);
    }

    if (wr->free_write_state) {
        wr->free_write_state(x->s.wstate);
    }

    free(x->s.rstate);
    free(x->s.wstate);
    agw_arena_free(&x->arena);
    rc = x->rc;
    free(x);

    return rc;
}


/*
 * Client SSE bytes back as a JSON array of the events' data, each with
 * "event" set to its "event:" line when it had one; NULL when a data is
 * not JSON.
 */
typedef struct {
    json_t  *list;
    int      bad;
} test_events_t;


static int
test_events_cb(void *ud, const agw_sse_event_t *ev)
{
    json_t         *j;
    test_events_t  *t = ud;

    j = json_loadb(ev->data, ev->data_len, 0, NULL);
    if (j == NULL) {
        t->bad = 1;
        return 0;
    }

    if (ev->event_len) {
        json_object_set_new(j, "event", json_stringn(ev->event,
                                                     ev->event_len));
    }

    json_array_append_new(t->list, j);
    return 0;
}


static __attribute__((unused)) json_t *
test_events(const char *p, size_t len)
{
    agw_sse_parser_t  sse;
    test_events_t     t;

    t.list = json_array();
    t.bad = 0;
    agw_sse_init(&sse, 0);
    agw_sse_feed(&sse, p, len, test_events_cb, &t);
    agw_sse_free(&sse);

    if (t.bad) {
        json_decref(t.list);
        return NULL;
    }

    return t.list;
}


/* Prints two JSON values when they differ: a test's diagnostic. */
static __attribute__((unused)) int
test_json_same(json_t *got, json_t *want, const char *name)
{
    char  *g, *w;
    int    same;

    same = json_equal(got, want);

    if (!same) {
        g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
        w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
        tap_diag("%s differs\n#  got: %.3000s\n# want: %.3000s", name,
                 g ? g : "(null)", w ? w : "(null)");
        free(g);
        free(w);
    }

    return same;
}

#endif /* TEST_X_RESPONSES_H */
