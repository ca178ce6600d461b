/*
 * libFuzzer target: Anthropic request bodies through the engine's
 * Anthropic codec: its reader, its writer (as for a client of another
 * dialect), and its same-dialect rewrite; and, with the other dialects'
 * codecs linked in, an Anthropic body to their writers and their bodies
 * (OpenAI, Gemini, Responses) to the Anthropic writer.  Properties: no
 * crash or leak; a body read is either written or refused with a 400
 * that says why; what is written is valid JSON; the Anthropic writer's
 * output is a request its reader takes again, and writes the same way;
 * the rewrite gives valid JSON or a 400.
 *
 * Seed corpus: t/fuzz/corpus/fuzz_x_anthropic_request/, the request
 * fixtures of t/fixtures/anthropic-messages/.
 */

#include <stdlib.h>
#include <string.h>

#include "agw_codec.h"
#include "agw_json_reader.h"
#include "fuzz_index.h"

/* the other dialects' codecs, when their branches are merged */
#pragma weak agw_openai_codec
#pragma weak agw_gemini_codec
#pragma weak agw_responses_codec


static void
fuzz_check_refusal(int rc, const agw_error_t *err)
{
    /* a refusal is a 400 with a message, or out of memory (class none) */
    if (rc != 0 && err->cls != AGW_ERR_NONE
        && (err->cls != AGW_ERR_INVALID_REQUEST || err->message[0] == '\0'))
    {
        abort();
    }
}


/* A body of another dialect read by its codec, written by the Anthropic
 * writer; or an Anthropic body written by another dialect's writer. */
static void
fuzz_x_cross(const agw_codec_t *other, const uint8_t *data, size_t size,
    const agw_request_ctx_t *o)
{
    int                rc;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_arena_t        a;
    agw_error_t        err;
    agw_request_t      req;
    agw_request_ctx_t  ctx = *o;

    if (other == NULL) {
        return;
    }

    agw_arena_init(&a, NULL, 0, 64 * 1024 * 1024);

    memset(&err, 0, sizeof(err));
    ctx.client = other->dialect;
    rc = other->read_request((const char *) data, size, 0, &a, &req, &err);
    if (rc == 0) {
        rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
        fuzz_check_refusal(rc, &err);
        if (rc == 0 && agw_json_valid(out.data, out.len, NULL) != 0) {
            abort();
        }
    }

    agw_arena_free(&a);

    out.len = 0;
    memset(&err, 0, sizeof(err));
    ctx.client = AGW_DIALECT_ANTHROPIC;
    rc = agw_anthropic_codec.read_request((const char *) data, size, 0, &a,
                                          &req, &err);
    if (rc == 0) {
        rc = other->write_request(&req, &ctx, &out, &err);
        fuzz_check_refusal(rc, &err);
        if (rc == 0 && agw_json_valid(out.data, out.len, NULL) != 0) {
            abort();
        }
    }

    agw_arena_free(&a);
    agw_buf_free(&out);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                rc;
    char               first[4096];
    agw_buf_t          one = AGW_BUF_INIT, two = AGW_BUF_INIT;
    agw_arena_t        a;
    agw_error_t        err;
    agw_request_t      req;
    agw_request_ctx_t  o = {
        .model = { "claude-up", 9, AGW_STR_BYTES, 0 }, .stream = 1,
        .default_max_tokens = 1024, .client = AGW_DIALECT_OPENAI
    };

    if (size > 0 && (data[0] & 1)) {
        o.client = AGW_DIALECT_GEMINI;
    }

    memset(&err, 0, sizeof(err));
    agw_arena_init(&a, first, sizeof(first), 64 * 1024 * 1024);

    rc = agw_anthropic_codec.read_request((const char *) data, size, 0, &a, &req,
                                          &err);
    fuzz_check_refusal(rc, &err);

    if (rc == 0) {
        rc = agw_anthropic_codec.write_request(&req, &o, &one, &err);
        fuzz_check_refusal(rc, &err);
    }

    if (rc == 0) {
        if (agw_json_valid(one.data, one.len, NULL) != 0) {
            abort();
        }

        /* the writer's output is a request the reader takes, and writes
         * the same way */
        agw_arena_free(&a);
        memset(&err, 0, sizeof(err));
        rc = agw_anthropic_codec.read_request(one.data, one.len, 0, &a, &req,
                                              &err);
        if (rc == 0) {
            rc = agw_anthropic_codec.write_request(&req, &o, &two, &err);
        }
        if (rc != 0 && err.cls != AGW_ERR_NONE) {
            abort();
        }
        if (rc == 0 && (one.len != two.len
                        || memcmp(one.data, two.data, one.len) != 0))
        {
            abort();
        }
    }

    agw_arena_free(&a);

    one.len = 0;
    memset(&err, 0, sizeof(err));
    rc = agw_anthropic_codec.rewrite_request((const char *) data, size, &o,
                                             &one, &err);
    fuzz_check_refusal(rc, &err);
    if (rc == 0 && agw_json_valid(one.data, one.len, NULL) != 0) {
        abort();
    }

    fuzz_index_agrees(&agw_anthropic_codec, (const char *) data, size, &o, 0);

    agw_buf_free(&one);
    agw_buf_free(&two);

    fuzz_x_cross(&agw_openai_codec, data, size, &o);
    fuzz_x_cross(&agw_gemini_codec, data, size, &o);
    fuzz_x_cross(&agw_responses_codec, data, size, &o);

    return 0;
}
