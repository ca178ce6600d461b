/*
 * The engine's Gemini codec: errors (read and written) and Gemini on both
 * sides (the one-pass rewrites of requests, answers and stream events),
 * each against the old path on the fixtures.
 */

#include "x_gemini.h"


/*
 * json_equal, but reals equal to 14 digits: the old path printed numbers
 * again with jansson's 15-17 digit precision (-0.0252768969535828 for the
 * provider's -0.025276896953582765); the rewrite keeps the bytes.
 */
static int
xw_json_equal(json_t *a, json_t *b)
{
    size_t       i;
    double       x, y;
    json_t      *v;
    const char  *k;

    if (a == NULL || b == NULL) {
        return a == b;
    }

    if (json_is_real(a) && json_is_real(b)) {
        x = json_real_value(a);
        y = json_real_value(b);
        return x == y || (x - y) * (x - y) <= 1e-28 * (x * x + y * y);
    }

    if (json_typeof(a) != json_typeof(b)) {
        return 0;
    }

    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b)) {
            return 0;
        }
        json_object_foreach(a, k, v) {
            if (!xw_json_equal(v, json_object_get(b, k))) {
                return 0;
            }
        }
        return 1;
    }

    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b)) {
            return 0;
        }
        json_array_foreach(a, i, v) {
            if (!xw_json_equal(v, json_array_get(b, i))) {
                return 0;
            }
        }
        return 1;
    }

    return json_equal(a, b);
}


static int
xw_json_eq_text(const char *a, size_t alen, const char *b, size_t blen)
{
    int      eq;
    json_t  *x, *y;

    x = json_loadb(a, alen, 0, NULL);
    y = json_loadb(b, blen, 0, NULL);
    eq = x != NULL && y != NULL && xw_json_equal(x, y);
    if (!eq) {
        tap_diag("got  %.*s", (int) (alen < 600 ? alen : 600), a);
        tap_diag("want %.*s", (int) (blen < 600 ? blen : 600), b);
    }
    json_decref(x);
    json_decref(y);

    return eq;
}


static void
check_errors(void)
{
    size_t        i, len;
    char         *body;
    agw_buf_t     n = AGW_BUF_INIT, o = AGW_BUF_INIT;
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
        oe = ne;
        agw_gemini_codec.read_error(body, len, &ne);
        agw_gemini_ops.error_parse(body, len, &oe);

        ok(ne.cls == cases[i].cls && ne.cls == oe.cls
           && strcmp(ne.code, oe.code) == 0
           && strcmp(ne.message, oe.message) == 0,
           "%s: class, code and message as the old parser", cases[i].name);

        n.len = o.len = 0;
        ne.status = oe.status = 0;
        ok(agw_gemini_codec.write_error(&ne, &n) == 0
           && agw_gemini_ops.error_body(&oe, &o) == 0
           && xw_json_eq_text(n.data, n.len, o.data, o.len),
           "%s: written as the old writer does", cases[i].name);

        free(body);
    }

    memset(&ne, 0, sizeof(ne));
    agw_gemini_codec.read_error("<html>bad gateway</html>", 24, &ne);
    ok(ne.cls == AGW_ERR_NONE && ne.message[0] == '\0',
       "a body that is not Google's leaves the error as it was");

    agw_buf_free(&n);
    agw_buf_free(&o);
}


static void
check_request(const char *name, const char *body, size_t len)
{
    agw_buf_t            n = AGW_BUF_INIT, o = AGW_BUF_INIT;
    agw_error_t          ne, oe;
    agw_request_ctx_t    ctx;
    agw_request_opts_t   opts = { "gemini-2.5-pro", 0, 0 };

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = (agw_str_t) agw_str_lit("gemini-2.5-pro");

    ok(agw_gemini_codec.rewrite_request(body, len, &ctx, &n, &ne) == 0
       && agw_translate_request_body(GEM, GEM, body, len, &opts, &o, &oe)
          == 0
       && xw_json_eq_text(n.data, n.len, o.data, o.len),
       "%s: the request rewritten as the old passthrough does", name);

    agw_buf_free(&n);
    agw_buf_free(&o);
}


static void
check_response(const char *name)
{
    char                *body;
    size_t               len;
    agw_buf_t            n = AGW_BUF_INIT, o = AGW_BUF_INIT;
    agw_usage_t          nu, ou;
    agw_error_t          ne, oe;
    agw_answer_ctx_t     ctx;
    agw_response_opts_t  opts = { "my-model" };

    body = fixture_read(name, &len);
    if (!ok(body != NULL, "%s read", name)) {
        return;
    }

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = (agw_str_t) agw_str_lit("my-model");
    agw_usage_init(&nu);
    agw_usage_init(&ou);

    ok(agw_gemini_codec.rewrite_response(body, len, &ctx, &n, &nu, &ne) == 0
       && agw_translate_response(GEM, GEM, body, len, &opts, &o, &ou, &oe)
          == 0
       && xw_json_eq_text(n.data, n.len, o.data, o.len)
       && memcmp(&nu, &ou, sizeof(nu)) == 0,
       "%s: the answer rewritten as the old passthrough does, usage read",
       name);

    agw_buf_free(&n);
    agw_buf_free(&o);
    free(body);
}


/* Each event of the engine's stream equals the old passthrough's. */
static void
check_stream(const char *fixture, const char *wire_text)
{
    int                 i, same;
    xg_stream_t         x;
    events_t            ne, oe;
    agw_buf_t           wire = AGW_BUF_INIT, o = AGW_BUF_INIT;
    stream_run_t        r;
    agw_stream_opts_t   opts = { "my-model", 0, 0 };

    if (fixture != NULL) {
        if (!ok(gm_fixture_wire(fixture, &wire) == 0, "%s read", fixture)) {
            return;
        }
    } else {
        agw_buf_append_str(&wire, wire_text);
        fixture = "an error event";
    }

    stream_run(GEM, GEM, &opts, wire.data, wire.len, 0, 1, &o, &r);

    xg_stream_open(&x, &agw_gemini_codec, &agw_gemini_codec, GEM,
                   "my-model");
    x.rewrite = 1;
    xg_stream_feed(&x, wire.data, wire.len);

    same = events_parse(x.out.data, x.out.len, &ne) == 0;
    same = same && events_parse(o.data, o.len, &oe) == 0;

    /* the old path adds its own end (an error chunk when cut) */
    for (i = 0; same && i < ne.n; i++) {
        same = i < oe.n
               && xw_json_eq_text(ne.data[i], strlen(ne.data[i]),
                                  oe.data[i], strlen(oe.data[i]));
    }

    ok(same && ne.n > 0, "%s: each event as the old passthrough's",
       fixture);

    if (x.s.error == NULL) {
        ok(x.rc == 0 && x.s.provider_done
           && memcmp(&x.s.usage, &r.usage, sizeof(r.usage)) == 0,
           "%s: usage read, the finish marks the provider done", fixture);
    } else {
        ok(x.rc == -1 && x.s.client_done
           && x.s.error->cls == r.error.cls
           && strcmp(x.s.error->message, r.error.message) == 0,
           "%s: the provider's error forwarded, and recorded", fixture);
    }

    if (same) {
        events_free(&ne);
        events_free(&oe);
    }
    xg_stream_close(&x);
    agw_buf_free(&wire);
    agw_buf_free(&x.out);
    agw_buf_free(&o);
}


int
main(void)
{
    char    *body;
    size_t   i, len;

    static const char *const  requests[] = {
        "gemini/request-function-response.json",
        "gemini/request-system-instruction.json",
        "gemini/request-thinking.json",
        "gemini/request-tools.json",
    };

    static const char  with_model[] =
        "{\"model\":\"x\",\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}],"
        "\"cachedContent\":\"cachedContents/abc\"}";

    check_errors();

    for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        body = fixture_read(requests[i], &len);
        if (ok(body != NULL, "%s read", requests[i])) {
            check_request(requests[i], body, len);
            free(body);
        }
    }
    check_request("a stray model, a cache", with_model,
                  sizeof(with_model) - 1);

    check_response("gemini/response-after-function-response.json");
    check_response("gemini/response-cached-content-usage.json");
    check_response("gemini/response-function-call-thought-signature.json");
    check_response("gemini/response-function-call.json");
    check_response("gemini/response-text-thoughts.json");
    check_response("gemini/response-thought-part.json");

    check_stream("gemini/stream-text-usage.chunks.jsonl", NULL);
    check_stream("gemini/stream-reasoning.chunks.jsonl", NULL);
    check_stream("gemini/stream-function-call.chunks.jsonl", NULL);
    check_stream("gemini/stream-text.sse", NULL);
    check_stream(NULL, "data: {\"candidates\":[{\"content\":{\"parts\":"
                 "[{\"text\":\"a\"}]}}],\"modelVersion\":\"g\"}\r\n\r\n"
                 "data: {\"error\":{\"code\":503,\"message\":\"The model is "
                 "overloaded.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n");

    return done_testing();
}
