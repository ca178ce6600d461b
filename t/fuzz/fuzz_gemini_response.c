/*
 * libFuzzer target: Gemini response and error bodies into every client
 * dialect, and the same JSON taken as a hub response into the Gemini
 * response builder.  Properties: a success is valid JSON; a failure
 * carries an error class; usage never goes negative; an error body of any
 * shape maps to a well-formed JSON error with a 4xx/5xx status.
 */

#include <jansson.h>

#include "agw_translate_int.h"
#include "fuzz_util.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t               *j, *in;
    agw_error_t           err;
    agw_response_opts_t   o = { "fuzz-alias" };

    fuzz_response_to_clients(AGW_DIALECT_GEMINI, data, size, 0);

    /* the input as a hub response, unvalidated, for a Gemini client */
    in = json_loadb((const char *) data, size, 0, NULL);
    if (json_is_object(in)) {
        memset(&err, 0, sizeof(err));
        j = agw_gemini_ops.response_from_hub(in, &o, &err);
        if (j == NULL ? err.cls == AGW_ERR_NONE : !json_is_object(j)) {
            abort();
        }
        json_decref(j);
    }
    json_decref(in);

    return 0;
}
