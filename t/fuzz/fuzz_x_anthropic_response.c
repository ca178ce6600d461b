/*
 * libFuzzer target: Anthropic answers through the engine's Anthropic
 * codec: read, written for an Anthropic client, rewritten in one pass,
 * and read as an error body.  Properties: no crash or leak; an answer is
 * read or refused with a 502 (invalid_upstream_body); what is written is
 * valid JSON; the usage read is never negative but for unset (-1).
 *
 * Seed corpus: t/fuzz/corpus/fuzz_x_anthropic_response/, the answer and
 * error fixtures of t/fixtures/anthropic-messages/.
 */

#include <stdlib.h>
#include <string.h>

#include "agw_codec.h"
#include "agw_json_reader.h"

/* the finish reason and model the engine reports: their readers fuzzed
 * too (agw_answer_meta_t) */
static agw_answer_meta_t  fuzz_meta;



static void
fuzz_check_502(int rc, const agw_error_t *err)
{
    if (rc != 0 && err->cls != AGW_ERR_NONE
        && (err->cls != AGW_ERR_BAD_GATEWAY
            || strcmp(err->code, "invalid_upstream_body") != 0))
    {
        abort();
    }
}


static void
fuzz_check_usage(const agw_usage_t *u)
{
    if (u->input < -1 || u->output < -1 || u->cache_read < -1
        || u->cache_write < -1 || u->reasoning < -1)
    {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int               rc;
    agw_buf_t         out = AGW_BUF_INIT;
    agw_usage_t       u;
    agw_arena_t       a;
    agw_error_t       err;
    agw_response_t    res;
    agw_answer_ctx_t  o = {
        { "client", 6, AGW_STR_BYTES, 0 }, 0, 0, AGW_DIALECT_ANTHROPIC, 0,
        &fuzz_meta
    };

    memset(&err, 0, sizeof(err));
    memset(&fuzz_meta, 0, sizeof(fuzz_meta));
    agw_arena_init(&a, NULL, 0, 64 * 1024 * 1024);

    rc = agw_anthropic_codec.read_response((const char *) data, size, &a,
                                           &res, &err);
    fuzz_check_502(rc, &err);

    if (rc == 0) {
        fuzz_check_usage(&res.usage);
        rc = agw_anthropic_codec.write_response(&res, &o, &out, &err);
        fuzz_check_502(rc, &err);
        if (rc == 0 && agw_json_valid(out.data, out.len, NULL) != 0) {
            abort();
        }
    }

    agw_arena_free(&a);

    out.len = 0;
    memset(&err, 0, sizeof(err));
    agw_usage_init(&u);
    rc = agw_anthropic_codec.rewrite_response((const char *) data, size, &o,
                                              &out, &u, &err);
    fuzz_check_502(rc, &err);
    if (rc == 0) {
        fuzz_check_usage(&u);
        if (agw_json_valid(out.data, out.len, NULL) != 0) {
            abort();
        }
    }

    memset(&err, 0, sizeof(err));
    agw_anthropic_codec.read_error((const char *) data, size, &err);
    if (memchr(err.message, '\0', sizeof(err.message)) == NULL) {
        abort();
    }

    out.len = 0;
    if (agw_anthropic_codec.write_error(&err, &out) == 0
        && agw_json_valid(out.data, out.len, NULL) != 0)
    {
        abort();
    }

    agw_buf_free(&out);

    return 0;
}
