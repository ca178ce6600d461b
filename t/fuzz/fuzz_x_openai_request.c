/*
 * libFuzzer target: the engine's OpenAI Chat request reader, writer and
 * same-dialect rewrite.  Byte 0 picks the writer's options; the rest is
 * the body.  Properties: the reader takes a body only if it is a JSON
 * object by the one JSON reader's rules (fuzz_json_reader holds that
 * reader to jansson);
 * what it takes the writer writes as valid JSON that the reader takes
 * again, and writes again to the same bytes (a round trip keeps the
 * form); the rewrite takes exactly the JSON objects and writes valid JSON
 * with the upstream model, the same with the module's index of the body
 * (fuzz_index.h).  Anything else aborts with the input.
 */

#include "agw_codec.h"
#include "agw_arena.h"
#include "fuzz_util.h"
#include "fuzz_index.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 rc, is_obj;
    agw_str_t           model;
    agw_buf_t           o1 = AGW_BUF_INIT, o2 = AGW_BUF_INIT;
    agw_arena_t         a;
    agw_error_t         err;
    const char         *body;
    agw_request_t       req;
    agw_request_ctx_t   o;
    const agw_codec_t  *c = &agw_openai_codec;

    if (size < 1) {
        return 0;
    }

    memset(&o, 0, sizeof(o));
    o.stream = data[0] & 1;
    if (data[0] & 2) {
        o.model = (agw_str_t) agw_str_lit("fuzz \"model\"\n");
    }

    body = (const char *) data + 1;
    size--;

    is_obj = agw_json_valid(body, size, NULL) == 0
             && fuzz_member(body, size, "", &model) >= 0;

    agw_arena_init(&a, NULL, 0, 0);
    memset(&err, 0, sizeof(err));

    rc = c->read_request(body, size, 0, &a, &req, &err);

    if (rc == 0 && !is_obj) {
        fuzz_die("read a body that is no JSON object", body, size, &o1);
    }

    if (rc == 0) {
        if (c->write_request(&req, &o, &o1, &err) != 0) {
            if (err.cls == AGW_ERR_NONE) {
                fuzz_die("writer failed", body, size, &o1);
            }
            goto done;
        }

        fuzz_valid_json("written request", o1.data, o1.len);

        o.stream = req.stream;
        agw_buf_reset(&o1);

        if (c->write_request(&req, &o, &o1, &err) != 0
            || c->read_request(o1.data, o1.len, 0, &a, &req, &err) != 0
            || c->write_request(&req, &o, &o2, &err) != 0)
        {
            fuzz_die("its own output not taken back", body, size, &o1);
        }

        if (o1.len != o2.len || memcmp(o1.data, o2.data, o1.len) != 0) {
            fuzz_die("round trip changed the form", body, size, &o2);
        }
    }

    agw_buf_reset(&o1);
    memset(&err, 0, sizeof(err));

    rc = c->rewrite_request(body, size, &o, &o1, &err);

    if ((rc == 0) != is_obj) {
        fuzz_die("rewrite disagrees with the JSON reader", body, size, &o1);
    }

    if (rc == 0) {
        fuzz_valid_json("rewritten request", o1.data, o1.len);

        if (fuzz_member(o1.data, o1.len, "model", &model) < 0
            || (agw_str_set(&o.model)
                && (fuzz_member(o1.data, o1.len, "model", &model) != 1
                    || model.data[0] != '"')))
        {
            fuzz_die("rewrite wrote no object, or no model", body, size,
                     &o1);
        }
    }

    fuzz_index_agrees(c, body, size, &o, 0);

done:

    agw_buf_free(&o1);
    agw_buf_free(&o2);
    agw_arena_free(&a);

    return 0;
}
