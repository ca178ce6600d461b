/*
 * The engine's Gemini codec: errors (read and written) and a stream
 * rewritten that ends in the provider's error.  The rewrites of every
 * fixture (Gemini on both sides) are t/golden's (test_golden).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE               /* memmem */
#endif

#include "x_gemini.h"
#include "agw_json_reader.h"


static void
check_errors(void)
{
    size_t        i, len;
    char         *body;
    agw_buf_t     n = AGW_BUF_INIT;
    agw_error_t   ne, oe;

    static const struct {
        const char       *name;
        int               status;
        agw_err_class_t   cls;
    } cases[] = {
        { "gemini/error-400-api-key-invalid.json", 400,
          AGW_ERR_AUTHENTICATION },
        { "gemini/error-404-not-found.json", 404, AGW_ERR_NOT_FOUND },
        { "gemini/error-429-quota-help.json", 429, AGW_ERR_RATE_LIMIT },
        { "gemini/error-429-resource-exhausted.json", 429,
          AGW_ERR_RATE_LIMIT },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        body = fixture_read(cases[i].name, &len);
        if (!ok(body != NULL, "%s read", cases[i].name)) {
            continue;
        }

        memset(&ne, 0, sizeof(ne));
        ne.cls = agw_error_class_of_status(cases[i].status);
        agw_gemini_codec.read_error(body, len, &ne);

        ok(ne.cls == cases[i].cls && ne.code[0] != '\0'
           && ne.message[0] != '\0',
           "%s: class, code and message read", cases[i].name);

        /* written, then read again: the same class and message */
        n.len = 0;
        ne.status = 0;
        memset(&oe, 0, sizeof(oe));
        oe.cls = agw_error_class_of_status(cases[i].status);
        ok(agw_gemini_codec.write_error(&ne, &n) == 0
           && agw_json_valid(n.data, n.len, NULL) == 0
           && (agw_gemini_codec.read_error(n.data, n.len, &oe), 1)
           && oe.cls == ne.cls && strcmp(oe.message, ne.message) == 0,
           "%s: written as Google's error, read back the same",
           cases[i].name);

        free(body);
    }

    memset(&ne, 0, sizeof(ne));
    agw_gemini_codec.read_error("<html>bad gateway</html>", 24, &ne);
    ok(ne.cls == AGW_ERR_NONE && ne.message[0] == '\0',
       "a body that is not Google's leaves the error as it was");

    agw_buf_free(&n);
}


/* A stream ending in the provider's error event: the events before it
 * passed on, the error forwarded and recorded with Google's message. */
static void
check_stream_error(void)
{
    xg_stream_t  x;
    events_t     ev;

    static const char  wire[] =
        "data: {\"candidates\":[{\"content\":{\"parts\":"
        "[{\"text\":\"a\"}]}}],\"modelVersion\":\"g\"}\r\n\r\n"
        "data: {\"error\":{\"code\":503,\"message\":\"The model is "
        "overloaded.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n";

    xg_stream_open(&x, &agw_gemini_codec, &agw_gemini_codec, GEM,
                   "my-model");
    x.rewrite = 1;
    xg_stream_feed(&x, wire, sizeof(wire) - 1);

    ok(events_parse(x.out.data, x.out.len, &ev) == 0 && ev.n >= 1
       && strstr(ev.data[0], "\"text\":\"a\"") != NULL,
       "an error event: the chunk before it passed on");
    events_free(&ev);

    ok(x.rc == -1 && x.s.client_done && x.s.error != NULL
       && x.s.error->cls != AGW_ERR_NONE
       && strcmp(x.s.error->message, "The model is overloaded.") == 0,
       "an error event: the provider's error forwarded, and recorded");

    xg_stream_close(&x);
    agw_buf_free(&x.out);
}


/*
 * The rewrite trusts the event's bytes as proxy_pass would (a text with a
 * control character goes on as it came, the model replaced), but what it
 * reads out of them is validated: an event whose usage or finish reason
 * is not JSON is refused.
 */
static void
check_trusted(void)
{
    size_t       i;
    xg_stream_t  x;

    static const char  passed[] =
        "data: {\"candidates\":[{\"content\":{\"parts\":"
        "[{\"text\":\"a\x01" "b\"}],\"role\":\"model\"},\"index\":0}],"
        "\"usageMetadata\":{\"promptTokenCount\":3,"
        "\"candidatesTokenCount\":2,\"totalTokenCount\":5},"
        "\"modelVersion\":\"g\",\"responseId\":\"r\x02\"}\r\n\r\n";

    static const char  odd[] =
        "data: { \"candidates\":[{\"index\":0}] ,\"model_version\":\"g\","
        "\"usageMetadata\" : {\"promptTokenCount\":1}, \"re\\u0073ponseId\""
        ":\"r\",\"modelVersion\":null }\r\n\r\n";
    static const char  odd_out[] =
        "data: {\"candidates\":[{\"index\":0}],\"modelVersion\":"
        "\"my-\\\"model\",\"usageMetadata\" : {\"promptTokenCount\":1},"
        "\"responseId\":\"r\",\"modelVersion\":\"my-\\\"model\"}\r\n\r\n";

    static const char  *refused[] = {
        "data: {\"candidates\":[{\"content\":{\"parts\":"
        "[{\"text\":\"a\"}],\"role\":\"model\"},\"index\":0}],"
        "\"usageMetadata\":{\"promptTokenCount\":3,\"x\":\"\x01\"},"
        "\"modelVersion\":\"g\"}\r\n\r\n",
        "data: {\"candidates\":[{\"content\":{\"parts\":"
        "[{\"text\":\"a\"}],\"role\":\"model\"},"
        "\"finishReason\":\"ST\x01OP\",\"index\":0}],"
        "\"modelVersion\":\"g\"}\r\n\r\n",
        "data: {\"candidates\":[{\"content\":{\"parts\":"
        "[{\"text\":\"a\"}]}}],\"modelVersion\":\"g\"\r\n\r\n",
    };

    xg_stream_open(&x, &agw_gemini_codec, &agw_gemini_codec, GEM,
                   "my-model");
    x.rewrite = 1;
    xg_stream_feed(&x, passed, sizeof(passed) - 1);

    ok(x.rc == 0
       && x.out.len > 0 && memmem(x.out.data, x.out.len, "\"a\x01" "b\"", 5)
       && memmem(x.out.data, x.out.len, "\"modelVersion\":\"my-model\"",
                 25)
       && memmem(x.out.data, x.out.len, "\"r\x02\"", 4),
       "trusted: a string passed on goes on as it came, the model replaced");
    ok(x.s.usage.input == 3 && x.s.usage.output == 2,
       "trusted: the usage read");

    xg_stream_close(&x);
    agw_buf_free(&x.out);

    /* blanks between members, a snake_case or escaped key: written as
     * the walk writes them (the golden fixtures are Gemini's two
     * shapes) */
    xg_stream_open(&x, &agw_gemini_codec, &agw_gemini_codec, GEM,
                   "my-\"model");
    x.rewrite = 1;
    xg_stream_feed(&x, odd, sizeof(odd) - 1);

    ok(x.rc == 0 && x.out.len == sizeof(odd_out) - 1
       && memcmp(x.out.data, odd_out, x.out.len) == 0,
       "trusted: blanks between members dropped, the model escaped");

    xg_stream_close(&x);
    agw_buf_free(&x.out);

    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        xg_stream_open(&x, &agw_gemini_codec, &agw_gemini_codec, GEM,
                       "my-model");
        x.rewrite = 1;
        xg_stream_feed(&x, refused[i], strlen(refused[i]));

        ok(x.rc == -1 && x.out.len == 0 && x.s.error != NULL
           && strcmp(x.s.error->code, "invalid_upstream_body") == 0,
           "trusted: event %zu (usage, finish not JSON; cut) refused", i);

        xg_stream_close(&x);
        agw_buf_free(&x.out);
    }
}


/*
 * An event of several data: lines (SSE joins them with LFs): the LFs that
 * fall inside a value copied as it came, a call's args, must not reach
 * the client's one data: line, where each would cut the event.
 */
static void
check_data_lines(void)
{
    int          i, good;
    events_t     ev;
    xg_stream_t  x;

    static const char  wire[] =
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":"
        "{\"name\":\"f\",\"args\":{\"text\":\n"
        "data:  \"In the quaint\"}}}]}}],\n"
        "data: \"modelVersion\":\"g\"}\r\n\r\n";

    xg_stream_open(&x, &agw_gemini_codec, &agw_gemini_codec, GEM,
                   "my-model");
    x.rewrite = 1;
    xg_stream_feed(&x, wire, sizeof(wire) - 1);

    memset(&ev, 0, sizeof(ev));
    good = x.rc == 0 && events_parse(x.out.data, x.out.len, &ev) == 0
           && ev.n == 1;
    for (i = 0; good && i < ev.n; i++) {
        good = agw_json_valid(ev.data[i], strlen(ev.data[i]), NULL) == 0
               && strstr(ev.data[i], "\"In the quaint\"") != NULL;
    }
    if (!good) {
        tap_diag("got %.*s", (int) x.out.len, x.out.data);
    }
    ok(good, "data: lines joined: the event goes on whole, on one line");
    events_free(&ev);

    xg_stream_close(&x);
    agw_buf_free(&x.out);
}


int
main(void)
{
    check_errors();
    check_stream_error();
    check_trusted();
    check_data_lines();

    return done_testing();
}
