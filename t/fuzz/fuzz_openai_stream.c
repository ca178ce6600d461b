/*
 * libFuzzer target: an OpenAI provider stream into every client dialect.
 * The stream is fed whole and in random pieces; the client bytes must be
 * identical both ways, must parse as SSE with nothing left over, and a
 * stream that did not end cleanly must have said so.
 */

#include <jansson.h>

#include "agw_translate_int.h"
#include "fuzz_util.h"


/*
 * A passthrough that ended cleanly must give the same events with the
 * fast path (bytes copied, model replaced) as by parsing every chunk:
 * equal JSON, or equal bytes.  (Invalid JSON the fast path forwards makes
 * the parsing path fail, so only clean runs compare.)
 */
/* The parsing path only, to compare the fast path with. */
static void
slow_path(agw_stream_t *s)
{
    s->openai.no_fast_path = 1;
}


static void
check_fast_path(const agw_stream_opts_t *o, const uint8_t *d, size_t len,
    int ok_end, const agw_buf_t *fast)
{
    agw_buf_t  slow = AGW_BUF_INIT;

    if (fuzz_stream_run(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, o, d, len, 0,
                        ok_end, slow_path, &slow)
        == 0)
    {
        fuzz_same_events("fast path and parsing path", fast, &slow);
    }

    agw_buf_free(&slow);
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

    r1 = fuzz_stream_run(AGW_DIALECT_OPENAI, c, &in.o, data, size, 0,
                         in.upstream_ok, NULL, &whole);
    r2 = fuzz_stream_run(AGW_DIALECT_OPENAI, c, &in.o, data, size, in.seed,
                         in.upstream_ok, NULL, &split);

    if (r1 != r2 || whole.len != split.len
        || (whole.len && memcmp(whole.data, split.data, whole.len) != 0))
    {
        fuzz_differ("whole and split streams differ", &whole, &split);
    }

    if (c == AGW_DIALECT_ANTHROPIC) {
        fuzz_anthropic_blocks(&whole);
    }

    /* the client gets whole events only */
    agw_sse_init(&p, 0);
    if (agw_sse_feed(&p, whole.data, whole.len, fuzz_collect, &ev) != 0
        || agw_sse_pending(&p))
    {
        fuzz_differ("client output is not whole SSE events", &whole, &ev);
    }
    agw_sse_free(&p);

    if (c == AGW_DIALECT_OPENAI && r1 == 0) {
        check_fast_path(&in.o, data, size, in.upstream_ok, &whole);
    }

    agw_buf_free(&whole);
    agw_buf_free(&split);
    agw_buf_free(&ev);
    return 0;
}
