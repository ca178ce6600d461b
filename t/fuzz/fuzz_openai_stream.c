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
    size_t            i, na, nb;
    json_t           *a, *b;
    agw_buf_t         slow = AGW_BUF_INIT, fe = AGW_BUF_INIT,
                      se = AGW_BUF_INIT;
    agw_sse_parser_t  p;
    const char       *pa, *pb, *ea, *eb;

    if (fuzz_stream_run(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, o, d, len, 0,
                        ok_end, slow_path, &slow)
        != 0)
    {
        agw_buf_free(&slow);
        return;
    }

    agw_sse_init(&p, 0);
    agw_sse_feed(&p, fast->data, fast->len, fuzz_collect, &fe);
    agw_sse_free(&p);
    agw_sse_init(&p, 0);
    agw_sse_feed(&p, slow.data, slow.len, fuzz_collect, &se);
    agw_sse_free(&p);

    /* walk both event lists (event \x1f data \x1e) side by side */
    pa = fe.data;
    pb = se.data;
    ea = fe.data + fe.len;
    eb = se.data + se.len;
    while (pa != NULL && pb != NULL && pa < ea && pb < eb) {
        na = (size_t) ((char *) memchr(pa, '\x1e', (size_t) (ea - pa)) - pa);
        nb = (size_t) ((char *) memchr(pb, '\x1e', (size_t) (eb - pb)) - pb);
        if (na != nb || memcmp(pa, pb, na) != 0) {
            i = (size_t) ((char *) memchr(pa, '\x1f', na) - pa) + 1;
            a = json_loadb(pa + i, na - i, 0, NULL);
            b = json_loadb(pb + i, nb - i, 0, NULL);
            if (a == NULL || !json_equal(a, b)) {
                fuzz_differ("fast path and parsing path differ", fast,
                            &slow);
            }
            json_decref(a);
            json_decref(b);
        }
        pa += na + 1;
        pb += nb + 1;
    }

    if ((pa < ea) != (pb < eb)) {
        fuzz_differ("fast path and parsing path: event counts", fast, &slow);
    }

    agw_buf_free(&slow);
    agw_buf_free(&fe);
    agw_buf_free(&se);
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
