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
            o.default_max_tokens = 1024;

            memset(&err, 0, sizeof(err));
            out = NULL;
            rc = agw_translate_request(AGW_DIALECT_OPENAI, p, in, &o, &out,
                                       &err);

            if (rc == 0 && !json_is_object(out)) {
                abort();
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
