/*
 * test_x_responses.h: what the Responses dialect's engine tests share: a
 * stream run through the engine's driver for two codecs, and SSE output
 * read back as a list of JSON events.
 */

#ifndef TEST_X_RESPONSES_H
#define TEST_X_RESPONSES_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agw_codec.h"
#include "agw_engine.h"
#include "agw_sse.h"
#include "tap.h"


/*
 * Runs SSE bytes from a provider of codec rd through the engine's stream
 * driver to a client of codec wr, fed whole, then finished: the client's
 * SSE into out, the usage and the error met.  rewrite: rd's same-dialect
 * rewrite (the engine takes it for one codec on both sides); else the
 * stream goes through the form even for one dialect (rd's rewrite hidden
 * from the engine).  Returns the feed's answer or, if it was 0, the
 * finish's (0: a whole answer).
 */
static __attribute__((unused)) int
test_xs_run(const agw_codec_t *rd, const agw_codec_t *wr, int rewrite,
    const char *model, const char *in, size_t len, agw_buf_t *out,
    agw_usage_t *usage, agw_error_t *err)
{
    int                 rc;
    agw_codec_t         form;
    agw_xstream_t      *s;
    agw_answer_ctx_t    ctx;
    const agw_error_t  *e;

    form = *rd;

    if (!rewrite) {
        form.rewrite_event = NULL;
        rd = &form;
    }

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes(model, strlen(model));
    ctx.created = 1700000000;
    ctx.provider = rd->dialect;

    s = agw_engine_stream_new_codecs(rd, wr, &ctx, 0);
    if (s == NULL) {
        return -1;
    }

    rc = agw_engine_stream_feed(s, in, len, out);

    if (agw_engine_stream_finish(s, 1, out) != 0 && rc == 0) {
        rc = 1;
    }

    if (usage != NULL) {
        *usage = *agw_engine_stream_usage(s);
    }

    e = agw_engine_stream_error(s);
    if (e != NULL) {
        *err = *e;
    }

    agw_engine_stream_free(s);
    return rc;
}


/*
 * Client SSE bytes back as a JSON array of the events' data, each with
 * "event" set to its "event:" line when it had one ("[DONE]" left out);
 * NULL when a data is not JSON.
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

    /* a Chat Completions stream's end */
    if (ev->data_len == 6 && memcmp(ev->data, "[DONE]", 6) == 0) {
        return 0;
    }

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
