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

#include "agw_json_reader.h"
#include "agw_sse.h"
#include "../unit/stream_util.h"

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

    /* contract: raw is exactly the named event's framing (readers forward
     * it in place of framing the fields) */
    if (ev->raw != NULL
        && (ev->event_len == 0 || ev->multiline
            || ev->raw_len != 16 + ev->event_len + ev->data_len
            || memcmp(ev->raw, "event: ", 7) != 0
            || memcmp(ev->raw + 7, ev->event, ev->event_len) != 0
            || memcmp(ev->raw + 7 + ev->event_len, "\ndata: ", 7) != 0
            || memcmp(ev->raw + 14 + ev->event_len, ev->data, ev->data_len)
               != 0
            || memcmp(ev->raw + 14 + ev->event_len + ev->data_len, "\n\n", 2)
               != 0))
    {
        abort();
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

/* Dies with the input and what was made of it when a property fails. */
__attribute__((unused)) static void
fuzz_die(const char *what, const char *body, size_t len, const agw_buf_t *o)
{
    fprintf(stderr, "%s\n--- input:\n%.*s\n--- output:\n%.*s\n", what,
            (int) len, body, (int) o->len, o->data ? o->data : "");
    abort();
}


/*
 * What a writer wrote is JSON by the one reader's rules (jansson's but
 * for numbers beyond int64, which it refuses and a gateway passes on);
 * dies saying what and where when not.
 */
__attribute__((unused)) static void
fuzz_valid_json(const char *what, const char *p, size_t len)
{
    size_t  at;

    if (agw_json_valid(p, len, &at) != 0) {
        fprintf(stderr, "%s is not JSON (at %zu): %.*s\n", what, at,
                (int) (len > 2000 ? 2000 : len), p);
        abort();
    }
}


/*
 * The raw text of a top-level member of a JSON object (a string with its
 * quotes), read with the one reader: 1 when found, 0 when not, -1 when
 * the text is not an object.
 */
__attribute__((unused)) static int
fuzz_member(const char *p, size_t len, const char *name, agw_str_t *raw)
{
    int        rc, found;
    agw_jr_t   r;
    agw_str_t  key, v;

    agw_jr_init(&r, p, len);

    if (agw_jr_object(&r) != 0) {
        return -1;
    }

    found = 0;

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (agw_jr_value(&r, &v) != 0) {
            return -1;
        }

        if (!found && key.len == strlen(name)
            && memcmp(key.data, name, key.len) == 0)
        {
            *raw = v;
            found = 1;
        }
    }

    return rc < 0 ? -1 : found;
}


/* Whether every event's data is [DONE] or JSON: *(int *) ud cleared
 * when one is not. */
__attribute__((unused)) static int
fuzz_event_json(void *ud, const agw_sse_event_t *ev)
{
    int  *all = ud;

    if (!(ev->data_len == 6 && memcmp(ev->data, "[DONE]", 6) == 0)
        && agw_json_valid(ev->data, ev->data_len, NULL) != 0)
    {
        *all = 0;
    }

    return 0;
}


/* Whether every event of an SSE text is [DONE] or JSON: 1, 0, or -1 when
 * it is not SSE the parser takes; *pending: an event left unfinished. */
__attribute__((unused)) static int
fuzz_all_json(const char *p, size_t len, int *pending)
{
    int               all;
    agw_sse_parser_t  sse;

    all = 1;
    agw_sse_init(&sse, 0);
    if (agw_sse_feed(&sse, p, len, fuzz_event_json, &all) != 0) {
        all = -1;
    }
    *pending = agw_sse_pending(&sse);
    agw_sse_free(&sse);

    return all;
}

#endif /* FUZZ_UTIL_H */
