/*
 * libFuzzer target: a provider's stream through the engine to a client,
 * every pair of dialects (the same one included: the one-pass rewrite),
 * by the entry points the module calls.  The first FUZZ_HEADER bytes
 * steer: byte 0 bits 0-1 the provider, bits 2-3 the client, bit 4
 * include_usage, bit 5 the connection ending cleanly, bit 6 small events;
 * bytes 1-3 the split's seed.  The rest is the provider's SSE.  The
 * pieces go in as the module feeds them, by agw_engine_stream_feed_more()
 * with agw_engine_stream_idle() between some, or by
 * agw_engine_stream_feed(), as the seed picks.
 * Properties: no crash or leak; the client's bytes are the same fed
 * whole and in pieces, and with every event read by the SSE parser
 * (the readers' and rewrites' read from the feed's bytes off); they are whole SSE events, each on one data:
 * line, its data "[DONE]" or JSON by the one reader's rules (a rewrite passes a provider's events
 * on as they came: when the provider's were); an error recorded
 * is reported (finish 1); finishing again adds nothing; the output is
 * bounded by the input.  (A rewrite rewritten again is not always the
 * same: an OpenAI chunk with its "usage" member twice loses one a
 * pass.)
 */

#include "agw_engine.h"
#include "fuzz_util.h"


/* What a client stream may hold beyond its input: per event its dialect's
 * frame (ids, the model, indexes), the Responses API's answer repeated
 * whole at its end, the closing events. */
#define FUZZ_STREAM_BOUND(len)  ((len) * 64 + 65536)


static int
fuzz_run(const uint8_t *d, size_t len, agw_dialect_t p, agw_dialect_t c,
    const agw_answer_ctx_t *ctx, size_t max_event, int upstream_ok,
    uint32_t seed, int by_bytes, agw_buf_t *out)
{
    int             rc, frc;
    size_t          i, n, done;
    uint32_t        st = seed;
    agw_xstream_t  *s;

    s = agw_engine_stream_new(p, c, ctx, max_event);
    if (s == NULL) {
        abort();                /* every pair has a stream */
    }

    agw_engine_stream_by_bytes(s, by_bytes);

    rc = 0;
    for (i = 0; i < len && rc == 0; i += n) {
        n = seed ? fuzz_piece(&st, len - i) : len - i;

        /* a piece's way in: its own call, or bytes that follow at once,
         * the buffers given back after some */
        switch (seed ? fuzz_next(&st) & 3 : 0) {
        case 0:
            rc = agw_engine_stream_feed(s, (const char *) d + i, n, out);
            break;
        case 3:
            rc = agw_engine_stream_feed_more(s, (const char *) d + i, n,
                                             out);
            agw_engine_stream_idle(s);
            break;
        default:
            rc = agw_engine_stream_feed_more(s, (const char *) d + i, n,
                                             out);
        }
    }

    frc = agw_engine_stream_finish(s, upstream_ok, out);

    if (agw_engine_stream_error(s) != NULL && frc != 1) {
        fuzz_differ("an error recorded, not reported", out, out);
    }

    done = out->len;
    (void) agw_engine_stream_finish(s, upstream_ok, out);
    if (out->len != done) {
        fuzz_differ("finishing again added bytes", out, out);
    }

    agw_engine_stream_free(s);
    return frc;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                upstream_ok, r1, r2, r3, all, pending;
    size_t             max_event;
    uint32_t           seed;
    agw_buf_t          whole = AGW_BUF_INIT, split = AGW_BUF_INIT,
                       parsed = AGW_BUF_INIT;
    agw_dialect_t      p, c;
    agw_answer_ctx_t   ctx;

    if (size < FUZZ_HEADER) {
        return 0;
    }

    p = data[0] & 3;
    c = (data[0] >> 2) & 3;
    upstream_ok = (data[0] >> 5) & 1;
    max_event = (data[0] & 0x40) ? 512 : 0;
    seed = ((uint32_t) data[1] << 16 | (uint32_t) data[2] << 8 | data[3]) | 1;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = (agw_str_t) agw_str_lit("fuzz \"alias\"");
    ctx.created = 1700000000;
    ctx.include_usage = (data[0] >> 4) & 1;
    ctx.provider = p;

    data += FUZZ_HEADER;
    size -= FUZZ_HEADER;

    r1 = fuzz_run(data, size, p, c, &ctx, max_event, upstream_ok, 0, 1,
                  &whole);
    r2 = fuzz_run(data, size, p, c, &ctx, max_event, upstream_ok, seed, 1,
                  &split);
    r3 = fuzz_run(data, size, p, c, &ctx, max_event, upstream_ok, 0, 0,
                  &parsed);

    if (r1 != r3 || whole.len != parsed.len
        || memcmp(whole.data, parsed.data, whole.len) != 0)
    {
        fuzz_differ("read from the bytes, not as parsed", &parsed, &whole);
    }

    if (r1 != r2 || whole.len != split.len
        || memcmp(whole.data, split.data, whole.len) != 0)
    {
        fuzz_differ("the split changed the client stream", &whole, &split);
    }

    if (whole.len > FUZZ_STREAM_BOUND(size)) {
        fuzz_differ("client stream out of bounds", &whole, &whole);
    }

    /* whole events, each data [DONE] or JSON (a rewrite's, when the
     * provider's were) */
    all = fuzz_all_json(whole.data, whole.len, &pending);

    if (all < 0 || pending) {
        fuzz_differ("client stream not whole SSE events", &whole, &whole);
    }

    /* each event whole on its one data: line, whatever the provider's
     * data: lines (joined with LFs) */
    if (events_framed(whole.data, whole.len) != 0) {
        fuzz_differ("a client event not on one data: line", &whole, &whole);
    }

    if (!all && (c != p || fuzz_all_json((const char *) data, size,
                                         &pending) == 1))
    {
        fuzz_differ("a client event's data is not JSON", &whole, &whole);
    }

    agw_buf_free(&whole);
    agw_buf_free(&split);
    agw_buf_free(&parsed);

    return 0;
}
