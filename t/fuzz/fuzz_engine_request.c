/*
 * libFuzzer target: a client's request through the engine to a provider,
 * every pair of dialects (the same one included: the one-pass rewrite),
 * by the entry point the module calls.  Byte 0 steers: bits 0-1 the
 * client, bits 2-3 the provider, bit 4 a stream asked for, bit 5 a
 * default max_tokens; the rest is the body.  Properties: no crash or
 * leak; a refusal says why (a class, a message); what is written is a
 * JSON object by the one reader's rules, bounded by the input; rewritten
 * in the provider's dialect, it is a fixpoint of the rewrite (rewriting
 * the rewrite changes nothing).  (The provider's own reader may refuse
 * what a writer wrote: a reader refuses, for its clients, media types
 * the writers pass on to the provider to judge.)
 */

#include "agw_engine.h"
#include "fuzz_util.h"


/* What a written request may hold beyond its input: members the writer
 * adds (a model, max_tokens, stream options, a thought signature per
 * call) and escapes. */
#define FUZZ_REQUEST_BOUND(len)  ((len) * 16 + 16384)


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 rc;
    agw_str_t           raw;
    agw_buf_t           out = AGW_BUF_INIT, again = AGW_BUF_INIT,
                        twice = AGW_BUF_INIT;
    agw_error_t         err;
    const char         *body;
    agw_dialect_t       c, p;
    agw_request_ctx_t   ctx;

    if (size < 1) {
        return 0;
    }

    c = data[0] & 3;
    p = (data[0] >> 2) & 3;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = (agw_str_t) agw_str_lit("fuzz \"model\"");
    ctx.stream = (data[0] >> 4) & 1;
    ctx.default_max_tokens = (data[0] & 0x20) ? 1024 : 0;
    ctx.client = c;

    body = (const char *) data + 1;
    size--;

    memset(&err, 0, sizeof(err));
    rc = agw_engine_request(c, p, body, size, &ctx, &out, &err);

    if (rc != 0) {
        if (err.cls != AGW_ERR_NONE && err.message[0] == '\0') {
            fuzz_die("a refusal that says nothing", body, size, &out);
        }
        goto done;
    }

    fuzz_valid_json("written request", out.data, out.len);

    if (fuzz_member(out.data, out.len, "", &raw) < 0) {
        fuzz_die("written request is no object", body, size, &out);
    }

    if (out.len > FUZZ_REQUEST_BOUND(size)) {
        fuzz_die("written request out of bounds", body, size, &out);
    }

    /* a rewrite of what was written for the provider, then a rewrite of
     * that: the second changes nothing */
    ctx.client = p;
    memset(&err, 0, sizeof(err));

    if (agw_engine_request(p, p, out.data, out.len, &ctx, &again, &err) != 0)
    {
        fuzz_die("the provider's rewrite refuses what was written", body,
                 size, &out);
    }

    if (agw_engine_request(p, p, again.data, again.len, &ctx, &twice, &err)
        != 0
        || twice.len != again.len
        || memcmp(twice.data, again.data, again.len) != 0)
    {
        fuzz_die("rewriting a rewrite changed it", again.data, again.len,
                 &twice);
    }

done:

    agw_buf_free(&out);
    agw_buf_free(&again);
    agw_buf_free(&twice);

    return 0;
}
