/*
 * fuzz_util.h: what the fuzz targets share.  The first bytes of an input
 * steer the target (which dialect, how to split); the rest is the payload,
 * so one corpus file says both what to feed and how.
 */

#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agw_sse.h"

/* Bytes of steering at the start of stream and SSE inputs. */
#define FUZZ_HEADER  4

/* A small deterministic PRNG (xorshift32) for split points. */
static uint32_t
fuzz_next(uint32_t *state)
{
    uint32_t  x = *state ? *state : 0x9e3779b9u;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}


/* The next piece length: mostly short (splits inside CRLF, inside UTF-8,
 * inside "data:"), sometimes long. */
__attribute__((unused)) static size_t
fuzz_piece(uint32_t *state, size_t left)
{
    uint32_t  r = fuzz_next(state);
    size_t    n;

    n = (r & 3) == 0 ? (size_t) (r >> 8) % 4096 + 1 : (size_t) (r >> 8) % 8 + 1;
    return n < left ? n : left;
}


/* Events serialised for comparison: event \x1f data \x1e. */
__attribute__((unused)) static int
fuzz_collect(void *ud, const agw_sse_event_t *ev)
{
    agw_buf_t  *b = ud;

    if (ev->data[ev->data_len] != '\0' || ev->event[ev->event_len] != '\0') {
        abort();                        /* contract: NUL-terminated */
    }

    if (agw_buf_append(b, ev->event, ev->event_len) != 0
        || agw_buf_append(b, "\x1f", 1) != 0
        || agw_buf_append(b, ev->data, ev->data_len) != 0
        || agw_buf_append(b, "\x1e", 1) != 0)
    {
        return -1;
    }

    return 0;
}


/* Dies with both outputs when a property fails, so the crash says why. */
__attribute__((unused)) static void
fuzz_differ(const char *what, const agw_buf_t *a, const agw_buf_t *b)
{
    fprintf(stderr, "%s\n--- whole (%zu bytes):\n%.*s\n--- split (%zu bytes):"
            "\n%.*s\n", what, a->len, (int) a->len, a->data ? a->data : "",
            b->len, (int) b->len, b->data ? b->data : "");
    abort();
}

/*
 * Stream targets: a provider stream into a client dialect, fed whole (seed
 * 0) or in pseudo-random pieces, with the stream contract checked (an
 * error reported iff one is recorded; finishing twice adds nothing).
 * setup, when given, adjusts the new stream (a test switch).  Returns what
 * agw_stream_finish() returned.
 */
#ifdef AGW_TRANSLATE_H

__attribute__((unused)) static int
fuzz_stream_run(agw_dialect_t provider, agw_dialect_t client,
    const agw_stream_opts_t *o, const uint8_t *d, size_t len, uint32_t seed,
    int upstream_ok, void (*setup)(agw_stream_t *), agw_buf_t *out)
{
    int            rc, frc;
    size_t         i, n;
    uint32_t       st = seed;
    agw_stream_t  *s;

    s = agw_stream_new(provider, client, o);
    if (s == NULL) {
        return -2;
    }

    if (setup) {
        setup(s);
    }

    rc = 0;
    for (i = 0; i < len && rc == 0; i += n) {
        n = seed ? fuzz_piece(&st, len - i) : len - i;
        rc = agw_stream_feed(s, (const char *) d + i, n, out);
    }

    frc = agw_stream_finish(s, upstream_ok, out);

    if ((frc == 1) != (agw_stream_error(s)->cls != AGW_ERR_NONE)) {
        abort();
    }
    if (rc != 0 && frc != 1) {
        abort();
    }

    n = out->len;
    (void) agw_stream_finish(s, upstream_ok, out);
    if (out->len != n) {
        abort();
    }

    agw_stream_free(s);
    return frc;
}


/* The steering bytes of a stream input. */
typedef struct {
    int                client;
    int                upstream_ok;
    uint32_t           seed;
    agw_stream_opts_t  o;
} fuzz_stream_input_t;


/*
 * Byte 0: client dialect, include_usage, upstream_ok, small events;
 * bytes 1-3: the split seed.  Advances data past them; 0, or -1 when the
 * input is too short.
 */
__attribute__((unused)) static int
fuzz_stream_input(const uint8_t **data, size_t *size, fuzz_stream_input_t *in)
{
    const uint8_t  *d = *data;

    if (*size < FUZZ_HEADER) {
        return -1;
    }

    in->client = d[0] % AGW_DIALECT_MAX;
    in->o.model = "fuzz-alias";
    in->o.include_usage = (d[0] >> 2) & 1;
    in->upstream_ok = (d[0] >> 3) & 1;
    in->o.max_event = (d[0] & 0x10) ? 512 : 0;
    in->seed = ((uint32_t) d[1] << 16 | (uint32_t) d[2] << 8 | d[3]) | 1;

    *data += FUZZ_HEADER;
    *size -= FUZZ_HEADER;

    return 0;
}

/*
 * Request targets: what a translated request must be for provider p.  A
 * success is an object, with max_tokens for Anthropic (which requires it)
 * and without "model" for Gemini (its model is in the URL); a failure
 * yields nothing and says why.
 */
__attribute__((unused)) static void
fuzz_request_check(int p, int rc, json_t *out, const agw_error_t *err)
{
    if (rc == 0 && !json_is_object(out)) {
        abort();
    }
    if (rc == 0 && p == AGW_DIALECT_ANTHROPIC
        && !json_is_integer(json_object_get(out, "max_tokens")))
    {
        abort();
    }
    if (rc == 0 && p == AGW_DIALECT_GEMINI
        && json_object_get(out, "model") != NULL)
    {
        abort();
    }
    if (rc != 0 && (out != NULL || err->cls == AGW_ERR_NONE
                    || err->message[0] == '\0'))
    {
        abort();
    }
}


/*
 * A client's request body to every provider dialect, streamed or not, with
 * and without a default max_tokens; the client's JSON is never modified.
 */
__attribute__((unused)) static void
fuzz_request_to_providers(agw_dialect_t client, json_t *in)
{
    int                  p, stream, rc;
    json_t              *copy, *out;
    agw_error_t          err;
    agw_request_opts_t   o;

    copy = json_deep_copy(in);

    for (p = 0; p < AGW_DIALECT_MAX; p++) {
        for (stream = 0; stream < 2; stream++) {
            o.model = stream ? "fuzz-model" : NULL;
            o.stream = stream;
            o.default_max_tokens = stream ? 1024 : 0;

            memset(&err, 0, sizeof(err));
            out = NULL;
            rc = agw_translate_request(client, p, in, &o, &out, &err);
            fuzz_request_check(p, rc, out, &err);
            json_decref(out);
        }
    }

    if (!json_equal(in, copy)) {
        abort();                        /* the input must stay untouched */
    }

    json_decref(copy);
}


/* Response targets: what fuzz_response_to_clients() also checks. */
#define FUZZ_CACHE_WITHIN_INPUT  1   /* cached tokens never exceed input */


/*
 * Response targets: a provider's body translated for every client, as an
 * answer and as an error.  Properties: a success is valid JSON with usage
 * never below -1 (unknown); a failure carries an error class; an error
 * body of any shape maps to a well-formed JSON error with a 4xx/5xx status
 * for every client, whatever status came with it.  Byte 0 picks that
 * status.
 */
__attribute__((unused)) static void
fuzz_response_to_clients(agw_dialect_t provider, const uint8_t *data,
    size_t size, unsigned checks)
{
    int                   c, rc, status, client_status;
    json_t               *j;
    agw_buf_t             out = AGW_BUF_INIT;
    agw_usage_t           u;
    agw_error_t           err;
    agw_response_opts_t   o = { "fuzz-alias" };
    static const int      statuses[] = { 400, 401, 403, 404, 413, 429, 500,
                                         502, 503, 504, 529, 200, 418 };

    status = size ? statuses[data[0] % (sizeof(statuses) / sizeof(int))]
                  : 500;

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        out.len = 0;
        agw_usage_init(&u);
        memset(&err, 0, sizeof(err));
        rc = agw_translate_response(provider, c, (const char *) data, size,
                                    &o, &out, &u, &err);
        if (rc == 0) {
            j = json_loadb(out.data, out.len, 0, NULL);
            if (j == NULL) {
                abort();
            }
            json_decref(j);

            if (u.input < -1 || u.output < -1 || u.cache_read < -1
                || u.cache_write < -1 || u.reasoning < -1)
            {
                abort();
            }

            if ((checks & FUZZ_CACHE_WITHIN_INPUT) && u.input >= 0
                && (u.cache_read > u.input || u.cache_write > u.input))
            {
                abort();                /* input includes the cache */
            }

        } else if (err.cls == AGW_ERR_NONE) {
            abort();
        }

        out.len = 0;
        client_status = 0;
        if (agw_translate_error(provider, c, status, (const char *) data,
                                size, &client_status, &out) != 0)
        {
            abort();
        }

        if (client_status < 400 || client_status > 599) {
            abort();
        }

        /* the same dialect may pass the provider's own JSON through */
        j = json_loadb(out.data, out.len, 0, NULL);
        if (j == NULL) {
            abort();
        }
        json_decref(j);
    }

    agw_buf_free(&out);
}

#endif /* AGW_TRANSLATE_H */

/* Where an Anthropic client stream's content blocks stand. */
typedef struct {
    json_int_t  open;           /* index of the open block, or -1 */
    json_int_t  next;           /* index the next block must have */
    int         bad;
} fuzz_blocks_t;


__attribute__((unused)) static int
fuzz_block_event(void *ud, const agw_sse_event_t *ev)
{
    json_t         *j;
    json_int_t      idx;
    const char     *type;
    fuzz_blocks_t  *b = ud;

    j = json_loadb(ev->data, ev->data_len, 0, NULL);
    type = json_string_value(json_object_get(j, "type"));
    idx = json_integer_value(json_object_get(j, "index"));

    if (type == NULL) {
        /* not an Anthropic event: other checks say so */

    } else if (strcmp(type, "content_block_start") == 0) {
        b->bad |= b->open >= 0 || idx != b->next;
        b->open = idx;
        b->next = idx + 1;

    } else if (strcmp(type, "content_block_delta") == 0) {
        b->bad |= idx != b->open;

    } else if (strcmp(type, "content_block_stop") == 0) {
        b->bad |= idx != b->open;
        b->open = -1;

    } else if (strcmp(type, "message_delta") == 0
               || strcmp(type, "message_stop") == 0)
    {
        b->bad |= b->open >= 0;
    }

    json_decref(j);
    return 0;
}


/*
 * An Anthropic client stream the gateway wrote (not passed through): its
 * content blocks come one at a time in index order, each started, given
 * its deltas and stopped before the next starts, whatever the provider
 * interleaved.
 */
__attribute__((unused)) static void
fuzz_anthropic_blocks(const agw_buf_t *out)
{
    agw_sse_parser_t  p;
    fuzz_blocks_t     b = { -1, 0, 0 };

    agw_sse_init(&p, 0);
    (void) agw_sse_feed(&p, out->data, out->len, fuzz_block_event, &b);
    agw_sse_free(&p);

    if (b.bad) {
        fuzz_differ("Anthropic content blocks out of order", out, out);
    }
}


/*
 * Two streams' SSE events must be the same, event by event: equal bytes,
 * or data that parses to equal JSON (one side may copy escapes as they
 * came where the other re-encodes them), and as many events.
 */
__attribute__((unused)) static void
fuzz_same_events(const char *what, const agw_buf_t *a, const agw_buf_t *b)
{
    size_t            i, na, nb;
    json_t           *ja, *jb;
    agw_buf_t         ea = AGW_BUF_INIT, eb = AGW_BUF_INIT;
    agw_sse_parser_t  p;
    const char       *pa, *pb, *enda, *endb;

    agw_sse_init(&p, 0);
    agw_sse_feed(&p, a->data, a->len, fuzz_collect, &ea);
    agw_sse_free(&p);
    agw_sse_init(&p, 0);
    agw_sse_feed(&p, b->data, b->len, fuzz_collect, &eb);
    agw_sse_free(&p);

    /* walk both event lists (event \x1f data \x1e) side by side */
    pa = ea.data;
    pb = eb.data;
    enda = ea.data + ea.len;
    endb = eb.data + eb.len;
    while (pa != NULL && pb != NULL && pa < enda && pb < endb) {
        na = (size_t) ((char *) memchr(pa, '\x1e', (size_t) (enda - pa)) - pa);
        nb = (size_t) ((char *) memchr(pb, '\x1e', (size_t) (endb - pb)) - pb);
        if (na != nb || memcmp(pa, pb, na) != 0) {
            i = (size_t) ((char *) memchr(pa, '\x1f', na) - pa) + 1;
            ja = json_loadb(pa + i, na - i, 0, NULL);
            jb = json_loadb(pb + i, nb - i, 0, NULL);
            if (ja == NULL || !json_equal(ja, jb)) {
                fuzz_differ(what, a, b);
            }
            json_decref(ja);
            json_decref(jb);
        }
        pa += na + 1;
        pb += nb + 1;
    }

    if ((pa < enda) != (pb < endb)) {
        fuzz_differ(what, a, b);
    }

    agw_buf_free(&ea);
    agw_buf_free(&eb);
}


#endif /* FUZZ_UTIL_H */
