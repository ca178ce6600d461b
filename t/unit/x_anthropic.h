/*
 * x_anthropic.h: what the unit tests of the engine's Anthropic codec
 * share: running its reader and writer on a body, and comparing JSON.
 */

#ifndef X_ANTHROPIC_H
#define X_ANTHROPIC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "agw_codec.h"
#include "agw_sse.h"


/*
 * JSON written with single quotes, readable in C: each ' becomes ".  The
 * result lives until the eighth call after.
 */
__attribute__((unused)) static const char *
x_q(const char *s)
{
    char         *p;
    static char  *ring[8];
    static int    next;

    free(ring[next]);
    ring[next] = strdup(s);
    p = ring[next];
    next = (next + 1) % 8;

    for (char *c = p; c && *c; c++) {
        if (*c == '\'') {
            *c = '"';
        }
    }

    return p;
}


/* Whether the JSON text got equals the JSON text want (as jansson reads
 * them: key order and spacing aside). */
__attribute__((unused)) static int
x_json_is(const char *got, size_t len, const char *want, const char *name)
{
    int       eq;
    json_t   *g, *w;
    char     *gs, *ws;

    g = json_loadb(got, len, 0, NULL);
    w = json_loads(want, 0, NULL);
    eq = g != NULL && w != NULL && json_equal(g, w);

    ok(eq, "%s", name);

    if (!eq) {
        gs = g ? json_dumps(g, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        ws = w ? json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        tap_diag("got  %s", gs ? gs : "(not JSON)");
        if (gs == NULL) {
            tap_diag("     %.*s", (int) (len > 2000 ? 2000 : len), got);
        }
        tap_diag("want %s", ws ? ws : "(want is not JSON)");
        free(gs);
        free(ws);
    }

    json_decref(g);
    json_decref(w);

    return eq;
}


/*
 * An Anthropic body through the codec's reader and the writer of codec
 * (the client's dialect given in ctx): the output, or NULL with err set.
 * The caller frees the returned buffer's data.
 */
__attribute__((unused)) static int
x_ant_translate(const char *body, const agw_codec_t *to,
    const agw_request_ctx_t *ctx, agw_buf_t *out, agw_error_t *err)
{
    int             rc;
    agw_arena_t     a;
    agw_request_t   req;
    char            first[8192];

    memset(err, 0, sizeof(agw_error_t));
    agw_arena_init(&a, first, sizeof(first), 0);

    rc = agw_anthropic_codec.read_request(body, strlen(body), 0, &a, &req, err);
    if (rc == 0) {
        rc = to->write_request(&req, ctx, out, err);
    }

    agw_arena_free(&a);

    return rc;
}

/*
 * A client stream's events, one line each: "name \x1f data \x1e".  The
 * data of the events the caller names in json (a '|'-separated list, or
 * "*" for every event) is sorted compact JSON, the rest the bytes that
 * came; drop_start_usage leaves message_start's usage out.
 */
typedef struct {
    agw_buf_t    *out;
    const char   *json;
    int           drop_start_usage;
} x_events_t;


static int
x_event(void *ud, const agw_sse_event_t *ev)
{
    char        *s, name[64];
    json_t      *j;
    x_events_t  *x = ud;

    snprintf(name, sizeof(name), "|%.*s|", (int) ev->event_len, ev->event);

    agw_buf_append(x->out, ev->event, ev->event_len);
    agw_buf_append(x->out, "\x1f", 1);

    j = NULL;
    if (strcmp(x->json, "*") == 0 || strstr(x->json, name) != NULL) {
        j = json_loadb(ev->data, ev->data_len, 0, NULL);
    }

    if (j != NULL && x->drop_start_usage
        && strcmp(name, "|message_start|") == 0)
    {
        json_object_del(json_object_get(j, "message"), "usage");
    }

    s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (s != NULL) {
        agw_buf_append_str(x->out, s);
    } else {
        agw_buf_append(x->out, ev->data, ev->data_len);
    }
    free(s);
    json_decref(j);

    agw_buf_append(x->out, "\x1e\n", 2);

    return 0;
}


__attribute__((unused)) static void
x_events(const char *p, size_t len, const char *json, int drop_start_usage,
    agw_buf_t *out)
{
    x_events_t        x = { out, json, drop_start_usage };
    agw_sse_parser_t  sse;

    agw_sse_init(&sse, 0);
    agw_sse_feed(&sse, p, len, x_event, &x);
    agw_sse_feed(&sse, "\n\n", 2, x_event, &x);
    agw_sse_free(&sse);
    agw_buf_append(out, "", 1);
}

#endif /* X_ANTHROPIC_H */
