/*
 * libFuzzer target: an Anthropic provider stream into every client
 * dialect (byte 0 picks it; see fuzz_util.h for the steering bytes).  The
 * stream is fed whole and in random pieces; the client bytes must be
 * identical both ways; an error reported must be an error recorded; the
 * client gets whole events only; an OpenAI client's clean stream ends in
 * [DONE], and an Anthropic client's in message_stop.
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


static int
run(agw_dialect_t client, const agw_stream_opts_t *o, const uint8_t *d,
    size_t len, uint32_t seed, int upstream_ok, agw_buf_t *out)
{
    int            rc, frc;
    size_t         i, n;
    uint32_t       st = seed;
    agw_stream_t  *s;

    s = agw_stream_new(AGW_DIALECT_ANTHROPIC, client, o);
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


/* Does the last event of b have this data (OpenAI) or event name? */
static int
ends_with(const agw_buf_t *b, const char *tail)
{
    size_t  n = strlen(tail);

    return b->len >= n && memcmp(b->data + b->len - n, tail, n) == 0;
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
