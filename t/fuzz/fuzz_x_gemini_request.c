/*
 * libFuzzer target: the engine's Gemini codec on bodies.  The same bytes
 * as a client's request (read, then written for a Gemini provider), as a
 * provider's answer (read, then written for a Gemini client), through the
 * same-dialect rewrites, and as an error body.  Properties: no crash or
 * leak, every success is valid JSON, every refusal says why (out of
 * memory aside); the request's rewrite given the module's index of the
 * body writes the same JSON (fuzz_index.h).
 */

#include <stdlib.h>
#include <string.h>

#include "agw_codec.h"
#include "agw_json_reader.h"
#include "fuzz_index.h"

/* the engine driver's calls until it is linked in */
#include "../unit/x_gemini_driver.h"


static void
fuzz_x_valid(const agw_buf_t *out)
{
    if (agw_json_valid(out->data, out->len, NULL) != 0) {
        abort();
    }
}


static void
fuzz_x_refused(int rc, const agw_error_t *err)
{
    if (rc != 0 && err->cls != AGW_ERR_NONE && err->message[0] == '\0') {
        abort();                        /* a refusal that says nothing */
    }
}


/*
 * The same request read as the module reads it after its walk (bytes
 * trusted: values skipped by their brackets, args and response compacted
 * only when their skip saw white space): on valid JSON the same outcome
 * and the same bytes written as the reader that checks; on any bytes no
 * read or write out of bounds (ASan).
 */
static void
fuzz_x_trusting(const char *body, size_t size, int rc, const agw_buf_t *want,
    const agw_request_ctx_t *ro)
{
    int             rc2, valid;
    char            stack[4096];
    agw_buf_t       out = AGW_BUF_INIT;
    agw_arena_t     a;
    agw_error_t     err;
    agw_request_t   req;

    valid = agw_json_valid(body, size, NULL) == 0;

    agw_arena_init(&a, stack, sizeof(stack), 1 << 24);

    rc2 = agw_gemini_codec.read_request(body, size, 1, &a, &req, &err);
    if (rc2 == 0) {
        rc2 = agw_gemini_codec.write_request(&req, ro, &out, &err);
    }

    if (valid && (rc2 != rc
                  || (rc == 0 && (out.len != want->len
                                  || memcmp(out.data, want->data, out.len)
                                     != 0))))
    {
        abort();                /* trusting valid bytes changed the output */
    }

    agw_arena_free(&a);
    agw_buf_free(&out);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                rc;
    char               stack[4096];
    const char        *body = (const char *) data;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_arena_t        a;
    agw_error_t        err;
    agw_request_t      req;
    agw_response_t     res;
    agw_usage_t        usage;
    agw_answer_ctx_t   ao;
    agw_request_ctx_t  ro;

    memset(&ro, 0, sizeof(ro));
    ro.model = (agw_str_t) agw_str_lit("fuzz-model");
    memset(&ao, 0, sizeof(ao));
    ao.model = ro.model;
    ao.provider = AGW_DIALECT_ANTHROPIC;

    agw_arena_init(&a, stack, sizeof(stack), 1 << 24);

    rc = agw_gemini_codec.read_request(body, size, 0, &a, &req, &err);
    fuzz_x_refused(rc, &err);
    if (rc == 0) {
        rc = agw_gemini_codec.write_request(&req, &ro, &out, &err);
        fuzz_x_refused(rc, &err);
        if (rc == 0) {
            fuzz_x_valid(&out);
        }
    }
    agw_arena_free(&a);

    fuzz_x_trusting(body, size, rc, &out, &ro);

    out.len = 0;
    rc = agw_gemini_codec.read_response(body, size, &a, &res, &err);
    fuzz_x_refused(rc, &err);
    if (rc == 0) {
        rc = agw_gemini_codec.write_response(&res, &ao, &out, &err);
        fuzz_x_refused(rc, &err);
        if (rc == 0) {
            fuzz_x_valid(&out);
        }
    }
    agw_arena_free(&a);

    out.len = 0;
    if (agw_gemini_codec.rewrite_request(body, size, &ro, &out, &err) == 0) {
        fuzz_x_valid(&out);
    }

    fuzz_index_agrees(&agw_gemini_codec, body, size, &ro, 1);

    out.len = 0;
    agw_usage_init(&usage);
    if (agw_gemini_codec.rewrite_response(body, size, &ao, &out, &usage,
                                          &err) == 0)
    {
        fuzz_x_valid(&out);
    }

    memset(&err, 0, sizeof(err));
    agw_gemini_codec.read_error(body, size, &err);
    if (strnlen(err.message, sizeof(err.message)) == sizeof(err.message)) {
        abort();
    }

    agw_buf_free(&out);
    return 0;
}
