/*
 * libFuzzer target: OpenAI response and error bodies into every client
 * dialect.  Properties: a success is valid JSON; a failure carries an
 * error class; an error body of any shape maps to a well-formed JSON error
 * with a 4xx/5xx status for every client.
 */

#include <jansson.h>

#include "agw_translate.h"
#include "fuzz_util.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_response_to_clients(AGW_DIALECT_OPENAI, data, size, 0);
    return 0;
}
