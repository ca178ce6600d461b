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
    int                   c, rc, status, client_status;
    json_t               *j, *in;
    agw_buf_t             out = AGW_BUF_INIT;
    agw_usage_t           u;
    agw_error_t           err;
    agw_response_opts_t   o = { "fuzz-alias" };
    static const int      statuses[] = { 400, 401, 403, 404, 413, 429, 500,
                                         502, 503, 504 };

    status = size ? statuses[data[0] % (sizeof(statuses) / sizeof(int))]
                  : 500;

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        out.len = 0;
        agw_usage_init(&u);
        memset(&err, 0, sizeof(err));
        rc = agw_translate_response(AGW_DIALECT_GEMINI, c,
                                    (const char *) data, size, &o, &out, &u,
                                    &err);
        if (rc == 0) {
            j = json_loadb(out.data, out.len, 0, NULL);
            if (j == NULL) {
                abort();
            }
            json_decref(j);
            if (u.input < -1 || u.output < -1 || u.cache_read < -1
                || u.reasoning < -1)
            {
                abort();
            }
        } else if (err.cls == AGW_ERR_NONE) {
            abort();
        }

        out.len = 0;
        client_status = 0;
        if (agw_translate_error(AGW_DIALECT_GEMINI, c, status,
                                (const char *) data, size, &client_status,
                                &out) != 0)
        {
            abort();
        }

        if (client_status < 400 || client_status > 599) {
            abort();
        }

        j = json_loadb(out.data, out.len, 0, NULL);
        if (j == NULL) {
            abort();
        }
        json_decref(j);
    }

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

    agw_buf_free(&out);
    return 0;
}
