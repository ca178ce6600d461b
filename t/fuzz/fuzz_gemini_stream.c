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
    int                  c, r1, r2;
    agw_buf_t            whole = AGW_BUF_INIT, split = AGW_BUF_INIT,
                         ev = AGW_BUF_INIT;
    agw_sse_parser_t     p;
    fuzz_stream_input_t  in;

    if (fuzz_stream_input(&data, &size, &in) != 0) {
        return 0;
    }

    c = in.client;
    r1 = fuzz_stream_run(AGW_DIALECT_GEMINI, c, &in.o, data, size, 0,
                         in.upstream_ok, NULL, &whole);
    r2 = fuzz_stream_run(AGW_DIALECT_GEMINI, c, &in.o, data, size, in.seed,
                         in.upstream_ok, NULL, &split);

    if (r1 != r2 || whole.len != split.len
        || (whole.len && memcmp(whole.data, split.data, whole.len) != 0))
    {
        fuzz_differ("whole and split streams differ", &whole, &split);
    }

    if (c == AGW_DIALECT_ANTHROPIC) {
        fuzz_anthropic_blocks(&whole);
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
