/*
 * test_engine_error: a provider's error answer through the engine to a
 * client of another dialect.  The module calls agw_engine_error() for any
 * answer that is not a 2xx with a body: a 204, or a 3xx (a base URL that
 * redirects), is the provider misbehaving and reaches the client as a
 * 502 in its dialect, never as a 200 or a 3xx carrying an error body.
 * Bodies that are not an error envelope (an HTML page, nothing, the
 * shapes OpenAI-compatible servers use) still give a well-formed error
 * with the provider's words.  (The fixtures' errors through every pair
 * are t/golden's.)
 */

#include "tap.h"
#include "agw_engine.h"
#include "agw_json_reader.h"


/* The provider's error answer for a client of dialect c: the status, and
 * the message the client's own error reader reads back. */
static int
mapped(agw_dialect_t p, agw_dialect_t c, int status, const char *body,
    agw_error_t *back)
{
    int        st;
    agw_buf_t  out = AGW_BUF_INIT;

    memset(back, 0, sizeof(*back));
    st = 0;

    if (agw_engine_error(p, c, status, body, strlen(body), &st, &out) != 0
        || agw_json_valid(out.data, out.len, NULL) != 0)
    {
        tap_diag("not mapped, or not JSON: %.*s", (int) out.len, out.data);
        st = -1;

    } else {
        agw_codec_of(c)->read_error(out.data, out.len, back);
    }

    agw_buf_free(&out);
    return st;
}


static void
check_bodies(void)
{
    int            st;
    agw_error_t    e;
    agw_dialect_t  c;

    static const char  html[] = "<html>\r\n<head><title>502 Bad Gateway"
                                "</title></head>\r\n<body>\xff\xfe</body>"
                                "</html>";

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        st = mapped(AGW_DIALECT_OPENAI, c, 502, html, &e);
        ok(st == 502 && strstr(e.message, "502 Bad Gateway") != NULL,
           "an HTML 502 -> %s client: a JSON 502 quoting it (%d, %s)",
           agw_dialect_name(c), st, e.message);

        st = mapped(AGW_DIALECT_ANTHROPIC, c, 503, "", &e);
        ok((st == 503 || st == 529) && e.message[0] != '\0',
           "an empty 503 -> %s client: a JSON 503 saying so (%d, %s)",
           agw_dialect_name(c), st, e.message);
    }

    /* OpenAI-compatible servers' other error shapes keep their message */
    st = mapped(AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC, 400,
                "{\"object\":\"error\",\"message\":\"max_tokens is too "
                "large\",\"type\":\"BadRequestError\",\"param\":null,"
                "\"code\":400}", &e);
    ok(st == 400 && strcmp(e.message, "max_tokens is too large") == 0,
       "vLLM's top-level error shape: its message kept (%s)", e.message);

    st = mapped(AGW_DIALECT_OPENAI, AGW_DIALECT_GEMINI, 404,
                "{\"error\":\"model 'llama9' not found\"}", &e);
    ok(st == 404 && strcmp(e.message, "model 'llama9' not found") == 0,
       "Ollama's {\"error\": \"text\"}: its message kept (%s)", e.message);

    /* overloaded reaches an Anthropic client as Anthropic says it, 529;
     * the other clients as the 503 their SDKs retry on */
    st = mapped(AGW_DIALECT_GEMINI, AGW_DIALECT_ANTHROPIC, 503,
                "{\"error\":{\"code\":503,\"message\":\"The model is "
                "overloaded.\",\"status\":\"UNAVAILABLE\"}}", &e);
    ok(st == 529 && strcmp(e.message, "The model is overloaded.") == 0,
       "gemini overloaded -> anthropic client: 529 (%d)", st);
    st = mapped(AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC, 503, "", &e);
    ok(st == 529, "openai 503 -> anthropic client: 529 (%d)", st);
    st = mapped(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_RESPONSES, 529, "", &e);
    ok(st == 503, "anthropic 529 -> responses client: 503 (%d)", st);

    /* statuses and classes */
    is_int(agw_error_class_of_status(529), AGW_ERR_OVERLOADED, "529");
    is_int(agw_error_class_of_status(418), AGW_ERR_INVALID_REQUEST, "418");
    is_int(agw_error_class_of_status(599), AGW_ERR_SERVER, "599");
    is_int(agw_error_class_of_status(504), AGW_ERR_TIMEOUT, "504");
    is_int(agw_error_status(AGW_ERR_TOO_LARGE), 413, "413");
}


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
    check_bodies();

    return done_testing();
}
