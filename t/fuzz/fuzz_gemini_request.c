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


static void
check(int rc, json_t *out, const agw_error_t *err, int gemini)
{
    if (rc == 0 && !json_is_object(out)) {
        abort();
    }
    if (rc == 0 && gemini && json_object_get(out, "model") != NULL) {
        abort();                        /* Gemini's model is in the URL */
    }
    if (rc != 0 && (out != NULL || err->cls == AGW_ERR_NONE
                    || err->message[0] == '\0'))
    {
        abort();
    }
}


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
            rc = agw_translate_request(AGW_DIALECT_GEMINI, p, in, &o, &out,
                                       &err);
            check(rc, out, &err, p == AGW_DIALECT_GEMINI);
            json_decref(out);
        }
    }

    /* the input as a hub request, unvalidated, to a Gemini provider */
    if (json_is_object(in)) {
        memset(&err, 0, sizeof(err));
        o.model = "fuzz-model";
        o.stream = 1;
        out = agw_gemini_ops.request_from_hub(in, &o, &err);
        check(out ? 0 : -1, out, &err, 1);
        json_decref(out);
    }

    if (!json_equal(in, copy)) {
        abort();                        /* the input must stay untouched */
    }

    json_decref(copy);
    json_decref(in);
    return 0;
}
