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
    json_t  *in;

    in = json_loadb((const char *) data, size, 0, NULL);
    if (in == NULL) {
        return 0;
    }

    fuzz_request_to_providers(AGW_DIALECT_ANTHROPIC, in);

    json_decref(in);
    return 0;
}
