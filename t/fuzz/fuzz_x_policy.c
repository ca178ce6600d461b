/*
 * libFuzzer target: a key's policy in the engine (docs/key-policy.md),
 * every pair of dialects.  Byte 0 picks the client (bits 0-1), the
 * provider (bits 2-3), a cap of 1000 (bit 4) refused rather than clamped
 * (bit 5), a prompt (bit 6) and a stream (bit 7); the rest is the body.
 * Properties: what is written from a JSON object is valid JSON holding
 * the key's prompt; a cap is reported (0 for none); a refusal of a JSON
 * object is a client error, never an out-of-memory.  Anything else
 * aborts with the input.
 */


#include "agw_engine.h"
#include "agw_policy.h"
#include "fuzz_util.h"


#define FUZZ_PROMPT  "FUZZ-KEY-\"PROMPT\""

static const agw_dialect_t  fuzz_dialects[] = {
    AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI,
    AGW_DIALECT_RESPONSES
};


static size_t
fuzz_count(const char *s, size_t len, const char *what)
{
    size_t       n, w;
    const char  *p;

    n = 0;
    w = strlen(what);

    for (p = s; p + w <= s + len; p++) {
        n += (memcmp(p, what, w) == 0);
    }

    return n;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                 rc, is_obj;
    int64_t             cap;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_error_t         err;
    const char         *body;
    agw_dialect_t       c, p;
    agw_request_ctx_t   o;
    agw_jr_t            r;

    if (size < 1) {
        return 0;
    }

    c = fuzz_dialects[data[0] & 3];
    p = fuzz_dialects[(data[0] >> 2) & 3];

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("up");
    o.client = c;
    o.stream = (data[0] >> 7) & 1;
    o.policy.max_output = (data[0] & 0x10) ? 1000 : 0;
    o.policy.refuse = (data[0] >> 5) & 1;
    if (data[0] & 0x40) {
        o.policy.system_prompt = (agw_str_t) agw_str_lit(FUZZ_PROMPT);
    }
    cap = -1;
    o.output_cap = &cap;

    body = (const char *) data + 1;
    size--;

    agw_jr_init(&r, body, size);
    is_obj = agw_jr_peek(&r) == AGW_JR_OBJECT
             && agw_json_valid(body, size, NULL) == 0;

    memset(&err, 0, sizeof(err));
    rc = agw_engine_request(c, p, body, size, &o, &out, &err);

    if (rc != 0) {
        /* (a body that is not JSON never reaches the engine: the module
         * validates it first, and some readers then leave err unset) */
        if (err.cls == AGW_ERR_NONE && is_obj) {
            fuzz_die("failed without an error", body, size, &out);
        }
        goto done;
    }

    if (!is_obj) {
        goto done;
    }

    fuzz_valid_json("the policy's request", out.data, out.len);

    if ((data[0] & 0x40)
        && fuzz_count(out.data, out.len, "FUZZ-KEY-\\\"PROMPT\\\"") < 1)
    {
        fuzz_die("the key's prompt is missing", body, size, &out);
    }

    /* every path that succeeds says what the body allows */
    if (cap < 0) {
        fuzz_die("no cap reported", body, size, &out);
    }

done:

    agw_buf_free(&out);
    return 0;
}
