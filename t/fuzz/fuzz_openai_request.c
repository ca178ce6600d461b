/*
 * libFuzzer target: OpenAI request bodies, through the passthrough and
 * through the hub to every provider dialect that can take them.  The
 * properties: no crash or leak, the client's JSON is never modified, and
 * a success always yields an object while a failure always says why.
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

    fuzz_request_to_providers(AGW_DIALECT_OPENAI, in);

    json_decref(in);
    return 0;
}
