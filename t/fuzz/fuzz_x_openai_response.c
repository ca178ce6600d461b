/*
 * libFuzzer target: the engine's OpenAI Chat answers and errors.  The
 * body is read as an answer (taken only if it is a JSON object), written
 * back as valid JSON, and rewritten for the same dialect (valid JSON);
 * it is read as an error body, and the error written back is valid JSON
 * that reads back with the message read.
 */

#include "agw_codec.h"
#include "agw_arena.h"
#include "fuzz_util.h"

/* the finish reason and model the engine reports: their readers fuzzed
 * too (agw_answer_meta_t) */
static agw_answer_meta_t  fuzz_meta;



int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 is_obj;
    agw_str_t           raw;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_arena_t         a;
    agw_usage_t         u;
    agw_error_t         err, back;
    agw_response_t      res;
    agw_answer_ctx_t    o;
    const char         *body = (const char *) data;
    const agw_codec_t  *c = &agw_openai_codec;

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("fuzz-model");
    o.meta = &fuzz_meta;
    memset(&fuzz_meta, 0, sizeof(fuzz_meta));
    agw_arena_init(&a, NULL, 0, 0);
    memset(&err, 0, sizeof(err));

    is_obj = agw_json_valid(body, size, NULL) == 0
             && fuzz_member(body, size, "", &raw) >= 0;

    if (c->read_response(body, size, &a, &res, &err) == 0) {
        if (!is_obj) {
            fuzz_die("read an answer that is no JSON object", body, size,
                     &out);
        }

        if (c->write_response(&res, &o, &out, &err) != 0) {
            fuzz_die("writer failed", body, size, &out);
        }

        fuzz_valid_json("written answer", out.data, out.len);
    }

    agw_buf_reset(&out);
    agw_usage_init(&u);

    if (c->rewrite_response(body, size, &o, &out, &u, &err) == 0) {
        fuzz_valid_json("rewritten answer", out.data, out.len);
    }

    memset(&err, 0, sizeof(err));
    c->read_error(body, size, &err);

    if (memchr(err.message, '\0', sizeof(err.message)) == NULL
        || memchr(err.code, '\0', sizeof(err.code)) == NULL)
    {
        abort();
    }

    agw_buf_reset(&out);
    if (c->write_error(&err, &out) != 0) {
        abort();
    }

    /* written as JSON, read back: the same message */
    fuzz_valid_json("written error", out.data, out.len);
    memset(&back, 0, sizeof(back));
    c->read_error(out.data, out.len, &back);

    if (strcmp(back.message, err.message) != 0) {
        fuzz_die("error written wrong", body, size, &out);
    }

    agw_buf_free(&out);
    agw_arena_free(&a);

    return 0;
}
