/*
 * libFuzzer target: a Responses API answer and error body through the
 * engine's codec (translate/responses/rsp_response.c, rsp_error.c,
 * rsp_rewrite.c).  What the reader takes the writer writes as valid JSON;
 * an error body of any bytes gives an error the writer renders as JSON;
 * the rewrite of an answer is valid JSON when the answer was.
 */

#include "agw_codec.h"
#include "fuzz_util.h"

/* the finish reason and model the engine reports: their readers fuzzed
 * too (agw_answer_meta_t) */
static agw_answer_meta_t  fuzz_meta;



int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    agw_buf_t          out = AGW_BUF_INIT;
    agw_usage_t        u;
    agw_arena_t        a;
    agw_error_t        err;
    agw_response_t     res;
    agw_answer_ctx_t   o;
    const char        *p = (const char *) data;

    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.model = agw_str_bytes("client\"m", 8);
    o.meta = &fuzz_meta;
    memset(&fuzz_meta, 0, sizeof(fuzz_meta));
    agw_arena_init(&a, NULL, 0, 1 << 24);

    if (agw_responses_codec.read_response(p, size, &a, &res, &err) == 0) {
        if (agw_responses_codec.write_response(&res, &o, &out, &err) != 0) {
            abort();
        }

        fuzz_valid_json("written answer", out.data, out.len);
    }

    agw_arena_free(&a);

    out.len = 0;
    memset(&err, 0, sizeof(err));
    agw_responses_codec.read_error(p, size, &err);

    if (memchr(err.message, '\0', sizeof(err.message)) == NULL
        || memchr(err.code, '\0', sizeof(err.code)) == NULL
        || agw_responses_codec.write_error(&err, &out) != 0)
    {
        abort();
    }

    fuzz_valid_json("written error", out.data, out.len);

    out.len = 0;
    agw_usage_init(&u);

    if (agw_responses_codec.rewrite_response(p, size, &o, &out, &u, &err)
        != 0)
    {
        abort();
    }

    if (agw_json_valid(p, size, NULL) == 0) {
        fuzz_valid_json("rewritten answer", out.data, out.len);
    }

    agw_buf_free(&out);
    return 0;
}
