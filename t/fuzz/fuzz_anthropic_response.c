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
    int                   c, rc, status, client_status;
    json_t               *j;
    agw_buf_t             out = AGW_BUF_INIT;
    agw_usage_t           u;
    agw_error_t           err;
    agw_response_opts_t   o = { "fuzz-alias" };
    static const int      statuses[] = { 400, 401, 403, 404, 413, 429, 500,
                                         502, 503, 504, 529, 200, 418 };

    status = size ? statuses[data[0] % (sizeof(statuses) / sizeof(int))]
                  : 500;

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        out.len = 0;
        agw_usage_init(&u);
        memset(&err, 0, sizeof(err));
        rc = agw_translate_response(AGW_DIALECT_ANTHROPIC, c,
                                    (const char *) data, size, &o, &out, &u,
                                    &err);
        if (rc == 0) {
            j = json_loadb(out.data, out.len, 0, NULL);
            if (j == NULL) {
                abort();
            }
            json_decref(j);

            if (u.input >= 0
                && (u.cache_read > u.input || u.cache_write > u.input))
            {
                abort();                /* input includes the cache */
            }

        } else if (err.cls == AGW_ERR_NONE) {
            abort();
        }

        out.len = 0;
        client_status = 0;
        if (agw_translate_error(AGW_DIALECT_ANTHROPIC, c, status,
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

    agw_buf_free(&out);
    return 0;
}
