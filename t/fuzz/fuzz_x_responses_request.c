/*
 * libFuzzer target: a Responses API request through the engine's codec
 * (translate/responses/rsp_request.c, rsp_rewrite.c).  What the reader
 * takes the writer writes as valid JSON, which the reader takes again and
 * the writer writes the same (a fixpoint); the same-dialect rewrite of a
 * valid object is valid JSON, and the same with the module's index of the
 * body (fuzz_index.h).
 */

#include "agw_codec.h"
#include "fuzz_index.h"
#include "fuzz_util.h"


static int
read_write(const char *p, size_t len, agw_buf_t *out)
{
    int                 rc;
    agw_arena_t         a;
    agw_error_t         err;
    agw_request_t       req;
    agw_request_ctx_t   o;

    memset(&err, 0, sizeof(err));
    memset(&o, 0, sizeof(o));
    o.model = agw_str_bytes("m\"x", 3);
    agw_arena_init(&a, NULL, 0, 1 << 24);

    rc = agw_responses_codec.read_request(p, len, 0, &a, &req, &err);

    if (rc == 0) {
        o.stream = req.stream;
        rc = agw_responses_codec.write_request(&req, &o, out, &err);

        if (rc != 0 && err.cls == AGW_ERR_NONE) {
            abort();            /* nothing here runs out of memory */
        }
    }

    agw_arena_free(&a);
    return rc;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    agw_buf_t          one = AGW_BUF_INIT, two = AGW_BUF_INIT,
                       rw = AGW_BUF_INIT;
    agw_error_t        err;
    agw_request_ctx_t  o;

    if (read_write((const char *) data, size, &one) == 0) {
        fuzz_valid_json("written request", one.data, one.len);

        if (read_write(one.data, one.len, &two) != 0
            || two.len != one.len || memcmp(one.data, two.data, one.len))
        {
            fprintf(stderr, "not a fixpoint:\n%.*s\n%.*s\n", (int) one.len,
                    one.data, (int) two.len, two.data);
            abort();
        }
    }

    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.model = agw_str_bytes("m\\", 2);

    if (agw_responses_codec.rewrite_request((const char *) data, size, &o,
                                            &rw, &err) == 0)
    {
        fuzz_valid_json("rewritten request", rw.data, rw.len);
    }

    fuzz_index_agrees(&agw_responses_codec, (const char *) data, size, &o, 0);

    agw_buf_free(&one);
    agw_buf_free(&two);
    agw_buf_free(&rw);
    return 0;
}
