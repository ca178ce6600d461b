/*
 * libFuzzer target: the tree-free Anthropic -> OpenAI response
 * (agw_direct_response.c) against the jansson path, its specification.
 * Properties: when the direct path declines, out and usage are as they
 * were; when it answers, the jansson path answers too, equal as JSON,
 * with equal usage.  The client model alternates between an alias and
 * none (the upstream's model stays) with the input's length.
 *
 * Seed corpus: t/fuzz/corpus/fuzz_direct_response/, the Anthropic
 * response fixtures of t/fixtures/anthropic-messages/ and bodies with
 * tool inputs, thinking, server tools and cache usage.
 */

#include <jansson.h>

#include "agw_direct.h"
#include "agw_translate_int.h"
#include "fuzz_util.h"


static void
fuzz_direct_differ(const char *what, const uint8_t *data, size_t size,
    const agw_buf_t *d, const agw_buf_t *j)
{
    fprintf(stderr, "%s\n--- body:\n%.*s\n", what, (int) size,
            (const char *) data);
    fuzz_differ("direct vs jansson path", d, j);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   rc, eq;
    json_t               *a, *b;
    agw_buf_t             d = AGW_BUF_INIT, j = AGW_BUF_INIT;
    agw_usage_t           ud, uj, before;
    agw_error_t           err;
    agw_response_opts_t   o;

    o.model = (size & 1) ? "fuzz-alias" : "";

    before.input = 11;
    before.output = 12;
    before.cache_read = 13;
    before.cache_write = 14;
    before.reasoning = 15;
    ud = before;
    uj = before;

    rc = agw_direct_anthropic_to_openai_response((const char *) data, size,
                                                 &o, &d, &ud);

    if (rc == AGW_DIRECT_DECLINED) {
        if (d.len != 0 || memcmp(&ud, &before, sizeof(ud)) != 0) {
            fuzz_direct_differ("declined, yet wrote", data, size, &d, &j);
        }
        agw_buf_free(&d);
        return 0;
    }

    if (rc != 0) {
        abort();                        /* out of memory: not here */
    }

    memset(&err, 0, sizeof(err));
    if (agw_translate_response_ops(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI,
                                   &agw_anthropic_ops, &agw_openai_ops,
                                   (const char *) data, size, &o, &j, &uj,
                                   &err) != 0)
    {
        fuzz_direct_differ(err.message, data, size, &d, &j);
    }

    a = json_loadb(d.data, d.len, 0, NULL);
    b = json_loadb(j.data, j.len, 0, NULL);
    eq = a != NULL && b != NULL && json_equal(a, b);
    json_decref(a);
    json_decref(b);

    if (!eq) {
        fuzz_direct_differ("outputs differ", data, size, &d, &j);
    }

    if (memcmp(&ud, &uj, sizeof(ud)) != 0) {
        fuzz_direct_differ("usages differ", data, size, &d, &j);
    }

    agw_buf_free(&d);
    agw_buf_free(&j);
    return 0;
}
