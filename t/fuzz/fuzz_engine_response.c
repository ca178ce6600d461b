/*
 * libFuzzer target: a provider's answer and error body through the engine
 * to a client, every pair of dialects (the same one included: the
 * one-pass rewrite), by the entry points the module calls.  Byte 0
 * steers: bits 0-1 the provider, bits 2-3 the client, bits 4-7 the HTTP
 * status the error came with; the rest is the body.  Properties: no
 * crash or leak; an answer (a JSON object, for the same dialect) is written
 * as a JSON object by the one reader's rules, bounded by the input, with
 * usage never below -1 (unknown), or refused as the provider's fault
 * (502) saying why; an
 * error body of any bytes (HTML, cut, not UTF-8) becomes the client
 * dialect's error: a 4xx/5xx status and a JSON object that the client
 * dialect's error reader reads back with the message read (or, for a
 * body that says none, the engine's words and a piece of the body).
 */

#include "agw_engine.h"
#include "fuzz_util.h"


/* What an answer may hold beyond its input: the client dialect's frame,
 * ids, the usage object, and escapes. */
#define FUZZ_ANSWER_BOUND(len)  ((len) * 16 + 16384)

static const int  statuses[16] = {
    400, 401, 403, 404, 408, 413, 422, 429,
    500, 502, 503, 504, 529, 200, 302, 418
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 status, client_status;
    agw_str_t           raw;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_usage_t         u;
    agw_error_t         err, msg, back;
    const char         *body;
    agw_dialect_t       c, p;
    agw_answer_ctx_t    ctx;
    const agw_codec_t  *cc;

    if (size < 1) {
        return 0;
    }

    p = data[0] & 3;
    c = (data[0] >> 2) & 3;
    status = statuses[data[0] >> 4];

    body = (const char *) data + 1;
    size--;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = (agw_str_t) agw_str_lit("fuzz \"alias\"");
    ctx.created = 1700000000;
    ctx.provider = p;
    agw_usage_init(&u);
    memset(&err, 0, sizeof(err));

    if (agw_engine_response(p, c, body, size, &ctx, &out, &u, &err) == 0) {
        if (c == p && (agw_json_valid(body, size, NULL) != 0
                       || fuzz_member(body, size, "", &raw) < 0))
        {
            /* a rewrite may pass on what is no JSON object as it came
             * (the Responses dialect's does): nothing more to say */
            goto error;
        }

        fuzz_valid_json("written answer", out.data, out.len);

        if (fuzz_member(out.data, out.len, "", &raw) < 0) {
            fuzz_die("written answer is no object", body, size, &out);
        }

        if (out.len > FUZZ_ANSWER_BOUND(size)) {
            fuzz_die("written answer out of bounds", body, size, &out);
        }

        if (u.input < -1 || u.output < -1 || u.cache_read < -1
            || u.cache_write < -1 || u.reasoning < -1)
        {
            fuzz_die("usage below unknown", body, size, &out);
        }

    } else if (err.cls != AGW_ERR_NONE
               && (err.cls != AGW_ERR_BAD_GATEWAY || err.message[0] == '\0'))
    {
        fuzz_die("a refused answer not the provider's fault, or silent",
                 body, size, &out);
    }

error:

    /* the same bytes as the provider's error answer */
    agw_buf_reset(&out);
    client_status = 0;

    if (agw_engine_error(p, c, status, body, size, &client_status, &out)
        != 0)
    {
        fuzz_die("an error answer not mapped", body, size, &out);
    }

    if (client_status < 400 || client_status > 599) {
        fuzz_die("an error mapped to a status that is none", body, size,
                 &out);
    }

    fuzz_valid_json("written error", out.data, out.len);

    if (fuzz_member(out.data, out.len, "", &raw) < 0) {
        fuzz_die("written error is no object", body, size, &out);
    }

    /* read back by the client dialect's error reader: the message the
     * provider's reader read (over the engine's own words for an answer
     * that says nothing) */
    cc = agw_codec_of(c);
    agw_error_set(&msg, AGW_ERR_SERVER, status, "upstream_error",
                  "the provider answered %d", status);
    agw_codec_of(p)->read_error(body, size, &msg);
    memset(&back, 0, sizeof(back));
    cc->read_error(out.data, out.len, &back);

    /* (the engine's own words may go on with a piece of the body) */
    if (strncmp(back.message, msg.message, strlen(msg.message)) != 0) {
        fprintf(stderr, "read %s, read back %s\n", msg.message,
                back.message);
        fuzz_die("the error's message lost", body, size, &out);
    }

    agw_buf_free(&out);

    return 0;
}
