/*
 * libFuzzer target: an Anthropic provider stream into every client
 * dialect (byte 0 picks it; see fuzz_util.h for the steering bytes).  The
 * stream is fed whole and in random pieces; the client bytes must be
 * identical both ways; an error reported must be an error recorded; the
 * client gets whole events only; an OpenAI client's clean stream ends in
 * [DONE], and an Anthropic client's in message_stop; a clean stream's
 * events are the same by the text path as by the hub path.
 *
 * Seed corpus: t/fuzz/corpus/fuzz_anthropic_stream/, each stream fixture
 * of t/fixtures/anthropic-messages/ as wire bytes (.chunks.jsonl framed as
 * "event: <type>\ndata: <line>\n\n") behind 4 steering bytes, once per
 * client dialect and once cut.
 */

#define _GNU_SOURCE  /* memmem */

#include <jansson.h>

#include "agw_translate_int.h"
#include "fuzz_util.h"


/* Does the last event of b have this data (OpenAI) or event name? */
static int
ends_with(const agw_buf_t *b, const char *tail)
{
    size_t  n = strlen(tail);

    return b->len >= n && memcmp(b->data + b->len - n, tail, n) == 0;
}


/* The hub path only, to compare the text path with. */
static void
hub_only(agw_stream_t *s)
{
    s->hub_only = 1;
}


/*
 * A clean stream gives the same events by the text path (text deltas
 * copied as the provider escaped them) as by the hub path (every event a
 * tree): equal bytes or equal JSON, event by event.
 */
static void
check_text_path(int c, const agw_stream_opts_t *o, const uint8_t *d,
    size_t len, int ok_end, const agw_buf_t *text)
{
    agw_buf_t  hub = AGW_BUF_INIT;

    if (fuzz_stream_run(AGW_DIALECT_ANTHROPIC, c, o, d, len, 0, ok_end,
                        hub_only, &hub)
        == 0)
    {
        fuzz_same_events("text path and hub path", text, &hub);
    }

    agw_buf_free(&hub);
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

    r1 = fuzz_stream_run(AGW_DIALECT_ANTHROPIC, c, &in.o, data, size, 0,
                         in.upstream_ok, NULL, &whole);
    r2 = fuzz_stream_run(AGW_DIALECT_ANTHROPIC, c, &in.o, data, size, in.seed,
                         in.upstream_ok, NULL, &split);

    if (r1 != r2 || whole.len != split.len
        || (whole.len && memcmp(whole.data, split.data, whole.len) != 0))
    {
        fuzz_differ("whole and split streams differ", &whole, &split);
    }

    if (c != AGW_DIALECT_GEMINI) {
        agw_sse_init(&p, 0);
        if (agw_sse_feed(&p, whole.data, whole.len, fuzz_collect, &ev) != 0
            || agw_sse_pending(&p))
        {
            fuzz_differ("client output is not whole SSE events", &whole,
                        &ev);
        }
        agw_sse_free(&p);
    }

    if (r1 == 0 && c != AGW_DIALECT_GEMINI) {
        check_text_path(c, &in.o, data, size, in.upstream_ok, &whole);
    }

    if (r1 == 0 && c == AGW_DIALECT_OPENAI
        && !ends_with(&whole, "data: [DONE]\n\n"))
    {
        fuzz_differ("clean OpenAI stream without [DONE]", &whole, &whole);
    }

    if (r1 == 0 && c == AGW_DIALECT_ANTHROPIC
        && (whole.len == 0
            || memmem(whole.data, whole.len, "message_stop", 12) == NULL))
    {
        fuzz_differ("clean Anthropic stream without message_stop", &whole,
                    &whole);
    }

    agw_buf_free(&whole);
    agw_buf_free(&split);
    agw_buf_free(&ev);
    return 0;
}
