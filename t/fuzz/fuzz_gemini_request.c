/*
 * libFuzzer target: Gemini request bodies, through the passthrough and
 * through the hub to every provider dialect; and the same JSON taken as a
 * hub request straight into the Gemini request builder (what an OpenAI or
 * Anthropic client's request becomes).  Properties: no crash or leak, the
 * input is never modified, a success is an object without "model", a
 * failure always says why.
 */

#include <jansson.h>

#include "agw_translate_int.h"
#include "fuzz_util.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t              *in, *copy, *out;
    agw_error_t          err;
    agw_request_opts_t   o;

    in = json_loadb((const char *) data, size, 0, NULL);
    if (in == NULL) {
        return 0;
    }

    fuzz_request_to_providers(AGW_DIALECT_GEMINI, in);

    /* the input as a hub request, unvalidated, to a Gemini provider */
    if (json_is_object(in)) {
        copy = json_deep_copy(in);
        memset(&err, 0, sizeof(err));
        o.model = "fuzz-model";
        o.stream = 1;
        o.default_max_tokens = 1024;
        out = agw_gemini_ops.request_from_hub(in, &o, &err);
        fuzz_request_check(AGW_DIALECT_GEMINI, out ? 0 : -1, out, &err);
        json_decref(out);

        if (!json_equal(in, copy)) {
            abort();                    /* the input must stay untouched */
        }

        json_decref(copy);
    }

    json_decref(in);
    return 0;
}
