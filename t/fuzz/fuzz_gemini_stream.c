/*
 * libFuzzer target: a Gemini provider stream into every client dialect.
 * The stream is fed whole and in random pieces; the client bytes must be
 * identical both ways; an error reported must be an error recorded; and
 * the client gets whole events only (for a Gemini client, whole
 * "data: " events, the last one an error object chunk when it failed).
 */

#define _GNU_SOURCE  /* memmem */

#include <jansson.h>

#include "agw_translate_int.h"
#include "fuzz_util.h"


static int
run(agw_dialect_t client, const agw_stream_opts_t *o, const uint8_t *d,
    size_t len, uint32_t seed, int upstream_ok, agw_buf_t *out)
{
    int            rc, frc;
    size_t         i, n;
    uint32_t       st = seed;
    agw_stream_t  *s;

    s = agw_stream_new(AGW_DIALECT_GEMINI, client, o);
    if (s == NULL) {
        return -2;
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
        abort();                        /* finishing twice adds nothing */
    }

    agw_stream_free(s);
    return frc;
}


/* A Gemini client's bytes: "data: {json}\r\n\r\n" events only, the last
 * one an error object chunk when the stream failed. */
static void
check_gemini_framing(const agw_buf_t *b, int failed)
{
    int          is_error;
    json_t      *j;
    const char  *p, *end, *e;

    p = b->data;
    end = b->data + b->len;
    is_error = 0;

    while (p < end) {
        if (end - p < 6 || memcmp(p, "data: ", 6) != 0) {
            fuzz_differ("gemini client bytes outside an event", b, b);
        }
        e = memmem(p, (size_t) (end - p), "\r\n\r\n", 4);
        if (e == NULL) {
            fuzz_differ("unterminated gemini event", b, b);
        }
        j = json_loadb(p + 6, (size_t) (e - p - 6), 0, NULL);
        if (!json_is_object(j) || is_error) {
            fuzz_differ("not a JSON object, or an event after the error",
                        b, b);
        }
        is_error = json_is_object(json_object_get(j, "error"));
        json_decref(j);
        p = e + 4;
    }

    if (is_error != failed) {
        fuzz_differ("an error chunk if and only if the stream failed", b, b);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                c, r1, r2, ok_end;
    uint32_t           seed;
    agw_buf_t          whole = AGW_BUF_INIT, split = AGW_BUF_INIT,
                       ev = AGW_BUF_INIT;
    agw_sse_parser_t   p;
    agw_stream_opts_t  o;

    if (size < FUZZ_HEADER) {
        return 0;
    }

    /* byte 0: client dialect, include_usage, upstream_ok, small events */
    c = data[0] % AGW_DIALECT_MAX;
    o.model = "fuzz-alias";
    o.include_usage = (data[0] >> 2) & 1;
    ok_end = (data[0] >> 3) & 1;
    o.max_event = (data[0] & 0x10) ? 512 : 0;
    seed = ((uint32_t) data[1] << 16 | (uint32_t) data[2] << 8 | data[3]) | 1;
    data += FUZZ_HEADER;
    size -= FUZZ_HEADER;

    r1 = run(c, &o, data, size, 0, ok_end, &whole);
    r2 = run(c, &o, data, size, seed, ok_end, &split);

    if (r1 != r2 || whole.len != split.len
        || (whole.len && memcmp(whole.data, split.data, whole.len) != 0))
    {
        fuzz_differ("whole and split streams differ", &whole, &split);
    }

    if (c == AGW_DIALECT_GEMINI) {
        check_gemini_framing(&whole, r1 == 1);

    } else {
        agw_sse_init(&p, 0);
        if (agw_sse_feed(&p, whole.data, whole.len, fuzz_collect, &ev) != 0
            || agw_sse_pending(&p))
        {
            fuzz_differ("client output is not whole SSE events", &whole,
                        &ev);
        }
        agw_sse_free(&p);
    }

    agw_buf_free(&whole);
    agw_buf_free(&split);
    agw_buf_free(&ev);
    return 0;
}
