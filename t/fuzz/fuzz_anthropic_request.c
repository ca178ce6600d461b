/*
 * libFuzzer target: Anthropic request bodies, through the passthrough and
 * through the hub to every provider dialect.  Properties: no crash or
 * leak, the client's JSON is never modified, a success is an object (with
 * max_tokens when the provider is Anthropic) and a failure says why.
 *
 * Seed corpus: t/fuzz/corpus/fuzz_anthropic_request/, the request fixtures
 * of t/fixtures/anthropic-messages/ copied as they are.
 */

#include <jansson.h>

#include "agw_translate.h"
#include "fuzz_util.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                  p, stream, rc;
    json_t              *in, *copy, *out;
    agw_error_t          err;
    agw_request_opts_t   o;

    in = json_loadb((const char *) data, size, 0, NULL);
    if (in == NULL) {
        return 0;
    }

    copy = json_deep_copy(in);

    for (p = 0; p < AGW_DIALECT_MAX; p++) {
        for (stream = 0; stream < 2; stream++) {
            o.model = stream ? "fuzz-model" : NULL;
            o.stream = stream;
            o.default_max_tokens = stream ? 1024 : 0;

            memset(&err, 0, sizeof(err));
            out = NULL;
            rc = agw_translate_request(AGW_DIALECT_ANTHROPIC, p, in, &o,
                                       &out, &err);

            if (rc == 0 && !json_is_object(out)) {
                abort();
            }
            if (rc == 0 && p == AGW_DIALECT_ANTHROPIC
                && !json_is_integer(json_object_get(out, "max_tokens")))
            {
                abort();                /* Anthropic requires it */
            }
            if (rc != 0 && (out != NULL || err.cls == AGW_ERR_NONE
                            || err.message[0] == '\0'))
            {
                abort();
            }

            json_decref(out);
        }
    }

    if (!json_equal(in, copy)) {
        abort();                        /* the input must stay untouched */
    }

    json_decref(copy);
    json_decref(in);
    return 0;
}
