/*
 * stream_util.h: running agw_stream_* over a whole byte string, whole or
 * split, and reading back the events it produced.
 */

#ifndef STREAM_UTIL_H
#define STREAM_UTIL_H

#include "agw_translate_int.h"
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


/*
 * OpenAI chunks that add more than bytes of 'a's to the arguments of tool
 * call index (started before by the caller), 64 KiB a chunk: a provider
 * streaming a call without end, for the encoders' limits on what they hold.
 */
__attribute__((unused)) static int
crafted_endless_arguments(agw_buf_t *in, int index, size_t bytes)
{
    char    *big;
    size_t   i;
    int      rc;

    big = malloc(65536 + 1);
    if (big == NULL) {
        return -1;
    }
    memset(big, 'a', 65536);
    big[65536] = '\0';

    rc = 0;
    for (i = 0; rc == 0 && i <= bytes / 65536; i++) {
        rc = agw_buf_printf(in, "data: {\"choices\":[{\"index\":0,"
                            "\"delta\":{\"tool_calls\":[{\"index\":%d,"
                            "\"function\":{\"arguments\":\"%s\"}}]}}]}\n\n",
                            index, big);
    }

    free(big);
    return rc;
}


/* An Anthropic stream up to its first text block's start. */
#define CRAFTED_ANTHROPIC_TEXT_START                                          \
    "event: message_start\n"                                                 \
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","        \
    "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"c\","          \
    "\"content\":[],\"usage\":{\"input_tokens\":5,"                          \
    "\"output_tokens\":1}}}\n\n"                                              \
    "event: content_block_start\n"                                           \
    "data: {\"type\":\"content_block_start\",\"index\":0,"                    \
    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"

/*
 * An Anthropic stream whose text deltas test the text path: an escape
 * jansson would print as UTF-8, a duplicate key, an escaped key, an empty
 * text: only the first goes the text path, the others to the tree.
 */
__attribute__((unused)) static const char  crafted_anthropic_deltas[] =
    CRAFTED_ANTHROPIC_TEXT_START
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
    "{\"type\":\"text_delta\",\"text\":\"start\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
    "{\"type\":\"text_delta\",\"text\":\"caf\\u00e9 \\/\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
    "{\"type\":\"text_delta\",\"text\":\"a\",\"text\":\"b\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
    "{\"type\":\"text_delta\",\"text\":\"c\",\"t\\u0065xt\":\"d\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
    "{\"type\":\"text_delta\",\"text\":\"\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
    "\"end_turn\"},\"usage\":{\"output_tokens\":7}}\n\n"
    "event: message_stop\n"
    "data: {\"type\":\"message_stop\"}\n\n";


/*
 * The text path (text deltas written without a hub chunk) against the
 * hub path for the same stream: the same events as JSON, the same usage.
 * Returns 1 when they agree; *raw_kept tells whether the output holds
 * needle, which only the text path's copy of the provider's bytes keeps.
 */
__attribute__((unused)) static int
text_path_agrees(agw_dialect_t p, agw_dialect_t c, const char *in,
    size_t len, const char *needle, int *raw_kept)
{
    int                 i, hub, same;
    json_t             *a, *b;
    events_t            e[2];
    agw_buf_t           out[2] = { AGW_BUF_INIT, AGW_BUF_INIT };
    agw_usage_t         u[2];
    agw_stream_t       *s;
    agw_stream_opts_t   o = { "alias-model", 1, 0 };

    memset(u, 0, sizeof(u));

    for (hub = 0; hub < 2; hub++) {
        s = agw_stream_new(p, c, &o);
        if (s == NULL) {
            return 0;
        }
        s->hub_only = hub;
        (void) agw_stream_feed(s, in, len, &out[hub]);
        (void) agw_stream_finish(s, 1, &out[hub]);
        u[hub] = *agw_stream_usage(s);
        agw_stream_free(s);
        events_parse(out[hub].data, out[hub].len, &e[hub]);
    }

    same = e[0].n == e[1].n && e[0].n > 0
           && memcmp(&u[0], &u[1], sizeof(u[0])) == 0;
    for (i = 0; same && i < e[0].n; i++) {
        if (strcmp(e[0].data[i], e[1].data[i]) == 0) {
            continue;
        }
        a = json_loads(e[0].data[i], 0, NULL);
        b = json_loads(e[1].data[i], 0, NULL);
        same = a != NULL && json_equal(a, b);
        if (!same) {
            tap_diag("event %d: text path %s\n# hub path %s", i,
                     e[0].data[i], e[1].data[i]);
        }
        json_decref(a);
        json_decref(b);
    }

    *raw_kept = needle && strstr(out[0].data, needle) != NULL
                && strstr(out[1].data, needle) == NULL;

    events_free(&e[0]);
    events_free(&e[1]);
    agw_buf_free(&out[0]);
    agw_buf_free(&out[1]);
    return same;
}


#endif /* STREAM_UTIL_H */
