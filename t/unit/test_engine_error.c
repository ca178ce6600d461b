/*
 * test_engine_error: a provider's error answer through the engine to a
 * client of another dialect.  The module calls agw_engine_error() for any
 * answer that is not a 2xx with a body: a 204, or a 3xx (a base URL that
 * redirects), is the provider misbehaving and reaches the client as a
 * 502 in its dialect, never as a 200 or a 3xx carrying an error body.
 */

#include "tap.h"
#include "agw_engine.h"
#include "agw_json_reader.h"


int
main(void)
{
    int            i, rc, status;
    agw_buf_t      out = AGW_BUF_INIT;
    agw_dialect_t  c, p;

    static const int  misbehaving[] = { 200, 204, 301, 302, 304 };

    for (p = 0; p < AGW_DIALECT_MAX; p++) {
        for (c = 0; c < AGW_DIALECT_MAX; c++) {
            if (c == p) {
                continue;       /* the module passes those on as they are */
            }

            for (i = 0; i < (int) (sizeof(misbehaving) / sizeof(int)); i++) {
                out.len = 0;
                status = 0;

                rc = agw_engine_error(p, c, misbehaving[i], "", 0, &status,
                                      &out);
                ok(rc == 0 && status == 502
                   && agw_json_valid(out.data, out.len, NULL) == 0,
                   "%s provider answering %d, %s client: a 502 (got %d)",
                   agw_dialect_name(p), misbehaving[i], agw_dialect_name(c),
                   status);
                if (status != 502) {
                    tap_diag("body %.*s", (int) out.len, out.data);
                }
            }

            /* an error status keeps its class's */
            out.len = 0;
            rc = agw_engine_error(p, c, 429, "", 0, &status, &out);
            ok(rc == 0 && status == 429,
               "%s provider answering 429, %s client: a 429",
               agw_dialect_name(p), agw_dialect_name(c));
        }
    }

    agw_buf_free(&out);
    return done_testing();
}
