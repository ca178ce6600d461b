/*
 * libFuzzer target: provider error answers of any shape, from every
 * provider dialect to every client dialect.  Properties: the mapping never
 * fails, the client status is a 4xx/5xx, and the body is valid JSON (a
 * cut message, invalid UTF-8 or an HTML page included).
 */

#include <jansson.h>

#include "agw_translate.h"
#include "fuzz_util.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int               p, c, status, client_status;
    json_t           *j;
    agw_buf_t         out = AGW_BUF_INIT;
    static const int  statuses[] = { 400, 401, 403, 404, 408, 413, 422, 429,
                                     500, 502, 503, 504, 529, 200, 302, 418,
                                     599 };

    if (size < 1) {
        return 0;
    }

    status = statuses[data[0] % (sizeof(statuses) / sizeof(int))];
    data++;
    size--;

    for (p = 0; p < AGW_DIALECT_MAX; p++) {
        for (c = 0; c < AGW_DIALECT_MAX; c++) {
            out.len = 0;
            client_status = 0;

            if (agw_translate_error(p, c, status, (const char *) data, size,
                                    &client_status, &out) != 0
                || client_status < 400 || client_status > 599)
            {
                abort();
            }

            j = json_loadb(out.data, out.len, 0, NULL);
            if (j == NULL) {
                fprintf(stderr, "%d -> %d: not JSON: %.*s\n", p, c,
                        (int) out.len, out.data);
                abort();
            }
            json_decref(j);
        }
    }

    agw_buf_free(&out);
    return 0;
}
