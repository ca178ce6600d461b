/*
 * libFuzzer target: Anthropic response and error bodies into every client
 * dialect.  Properties: a success is valid JSON; a failure carries an
 * error class; an error body of any shape maps to a well-formed JSON error
 * with a 4xx/5xx status for every client; usage is never negative once
 * known, and the cache is never more than the input that holds it.
 *
 * Seed corpus: t/fuzz/corpus/fuzz_anthropic_response/, the response and
 * error fixtures of t/fixtures/anthropic-messages/ copied as they are.
 */

#include <jansson.h>

#include "agw_translate.h"
#include "fuzz_util.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_response_to_clients(AGW_DIALECT_ANTHROPIC, data, size,
                             FUZZ_CACHE_WITHIN_INPUT);
    return 0;
}
