/*
 * The dispatcher: every dialect pair either translates or answers a clear
 * "not supported" error (never a crash, whatever the other dialects have
 * implemented yet); provider errors mapped into each client dialect.
 */

#include <stdlib.h>

#include "agw_translate_int.h"
#include "tap.h"
#include "fixtures.h"
#include "stream_util.h"


static const char *
dname(agw_dialect_t d)
{
    return agw_dialect_name(d);
}


static void
check_pairs(void)
{
    int                  c, p, rc;
    json_t              *in, *out;
    agw_buf_t            b = AGW_BUF_INIT;
    agw_error_t          err;
    stream_run_t         r;
    agw_request_opts_t   ro = { "upstream-model", 0, 1024 };
    agw_stream_opts_t    so = { "alias", 0, 0 };

    in = fixture_json("openai-chat/request-text.documented.json");

    ok(agw_translate_supported(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, 1),
       "openai -> openai is supported, streams too");

    for (c = 0; c < AGW_DIALECT_RESPONSES; c++) {
        for (p = 0; p < AGW_DIALECT_RESPONSES; p++) {
            if (agw_translate_supported(c, p, 0)) {
                /* an OpenAI body is only valid input for an OpenAI client */
                if (c == AGW_DIALECT_OPENAI) {
                    memset(&err, 0, sizeof(err));
                    rc = agw_translate_request(c, p, in, &ro, &out, &err);
                    ok(rc == 0 && json_is_object(out),
                       "%s -> %s: the documented request translates",
                       dname(c), dname(p));
                    json_decref(out);
                }
                continue;
            }

            memset(&err, 0, sizeof(err));
            out = (json_t *) 1;
            rc = agw_translate_request(c, p, in, &ro, &out, &err);
            ok(rc == -1 && out == NULL
               && err.cls == AGW_ERR_INVALID_REQUEST && err.status == 400
               && strcmp(err.code, "unsupported_translation") == 0
               && strstr(err.message, "not supported") != NULL,
               "%s -> %s requests: not supported, a clear 400",
               dname(c), dname(p));

            b.len = 0;
            memset(&err, 0, sizeof(err));
            rc = agw_translate_response(p, c, "{}", 2, NULL, &b, NULL, &err);
            ok(rc == -1 && err.cls == AGW_ERR_BAD_GATEWAY
               && strcmp(err.code, "unsupported_translation") == 0,
               "%s -> %s responses: not supported, a clear 502",
               dname(p), dname(c));
        }
    }

    /* streams of an unsupported pair still end in an error event */
    for (c = 0; c < AGW_DIALECT_RESPONSES; c++) {
        for (p = 0; p < AGW_DIALECT_RESPONSES; p++) {
            if (agw_translate_supported(c, p, 1)) {
                continue;
            }
            b.len = 0;
            stream_run(p, c, &so, "data: {}\n\n", 10, 0, 1, &b, &r);
            ok(r.feed_rc == -1 && r.finish_rc == 1 && b.len > 0
               && strstr(b.data, "not supported") != NULL
               && r.error.cls == AGW_ERR_BAD_GATEWAY,
               "%s -> %s streams: not supported, an error event",
               dname(p), dname(c));
        }
    }

    json_decref(in);
    agw_buf_free(&b);

    /* nonsense input */
    in = json_string("x");
    ok(agw_translate_request(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, in, &ro,
                             &out, &err) == -1
       && err.cls == AGW_ERR_INVALID_REQUEST, "a JSON string body: 400");
    json_decref(in);

    ok(agw_translate_request(AGW_DIALECT_MAX, AGW_DIALECT_OPENAI, NULL, &ro,
                             &out, &err) == -1, "an unknown dialect: error");

    memset(&err, 0, sizeof(err));
    ok(agw_translate_response(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI,
                              "<html>", 6, NULL, &b, NULL, &err) == -1
       && err.cls == AGW_ERR_BAD_GATEWAY,
       "a provider 2xx body that is not JSON: 502");
    agw_buf_free(&b);
}


/*
 * Whatever the dialects implement, a missing operation must give the
 * "not supported" answer: OpenAI's table with one operation removed at a
 * time stands in for a dialect, on the client side, the provider side, or
 * both (a same-dialect pair).
 */
static void
check_missing_ops(void)
{
    int                  k, rc, want, ok_all, ok_supported;
    json_t              *in, *out;
    agw_buf_t            b = AGW_BUF_INIT;
    agw_error_t          err;
    agw_dialect_ops_t    t;
    agw_stream_t        *s;
    const char          *resp;
    agw_request_opts_t   ro = { "m", 1, 1024 };
    agw_stream_opts_t    so = { "alias", 0, 0 };
    void               **slot;
    const agw_dialect_t  O = AGW_DIALECT_OPENAI, A = AGW_DIALECT_ANTHROPIC;
    const size_t         nops = sizeof(agw_dialect_ops_t) / sizeof(void *);

    in = fixture_json("openai-chat/request-text.documented.json");
    resp = "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"m\","
           "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
           "\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}";
    ok_all = 1;
    ok_supported = 1;

    for (k = 0; k < (int) nops; k++) {
        t = agw_openai_ops;
        slot = (void **) &t + k;
        *slot = NULL;

        /* cross-dialect requests: to_hub on the client, from_hub on the
         * provider; same dialect: the passthrough */
        memset(&err, 0, sizeof(err));
        rc = agw_translate_request_ops(O, A, &t, &t, in, &ro, &out, &err);
        want = t.request_to_hub && t.request_from_hub;
        if (want ? rc != 0 : (rc != -1 || out != NULL
                              || strcmp(err.code, "unsupported_translation")
                              || err.status != 400))
        {
            ok_all = 0;
            tap_diag("op %d: cross request rc %d", k, rc);
        }
        json_decref(out);

        memset(&err, 0, sizeof(err));
        rc = agw_translate_request_ops(O, O, &t, &t, in, &ro, &out, &err);
        want = t.request_passthrough != NULL;
        if (want ? rc != 0 : (rc != -1 || err.status != 400)) {
            ok_all = 0;
            tap_diag("op %d: same request rc %d", k, rc);
        }
        json_decref(out);

        b.len = 0;
        memset(&err, 0, sizeof(err));
        rc = agw_translate_response_ops(A, O, &t, &t, resp, strlen(resp),
                                        NULL, &b, NULL, &err);
        want = t.response_to_hub && t.response_from_hub;
        if (want ? rc != 0 : (rc != -1 || err.status != 502
                              || strcmp(err.code, "unsupported_translation")))
        {
            ok_all = 0;
            tap_diag("op %d: cross response rc %d", k, rc);
        }

        b.len = 0;
        memset(&err, 0, sizeof(err));
        rc = agw_translate_response_ops(O, O, &t, &t, resp, strlen(resp),
                                        NULL, &b, NULL, &err);
        want = t.response_passthrough != NULL;
        if (want ? rc != 0 : (rc != -1 || err.status != 502)) {
            ok_all = 0;
            tap_diag("op %d: same response rc %d", k, rc);
        }

        /* a stream across the pair: error event when anything is missing */
        want = t.stream_decode && t.stream_encode && t.stream_end
               && t.stream_error && t.request_to_hub && t.request_from_hub
               && t.response_to_hub && t.response_from_hub;
        if (agw_translate_supported_ops(O, A, &t, &t, 1) != want) {
            ok_supported = 0;
            tap_diag("op %d: supported_ops says %d", k, !want);
        }

        b.len = 0;
        s = agw_stream_new_ops(A, O, &t, &t, &so);
        rc = agw_stream_feed(s, "data: [DONE]\n\n", 14, &b);
        rc |= agw_stream_finish(s, 1, &b) << 4;
        if (!want && (rc != (-1 | (1 << 4))
                      || strstr(b.data ? b.data : "", "not supported")
                         == NULL))
        {
            ok_all = 0;
            tap_diag("op %d: stream rc %d, out %s", k, rc, b.data);
        }
        agw_stream_free(s);
    }

    ok(ok_all, "every missing operation: requests 400, responses 502, "
       "streams an error event, all 'not supported'");
    ok(ok_supported, "agw_translate_supported_ops names the missing ones");

    memset(&t, 0, sizeof(t));
    b.len = 0;
    s = agw_stream_new_ops(A, O, &t, &t, &so);
    ok(agw_stream_feed(s, "data: x\n\n", 9, &b) == -1
       && agw_stream_finish(s, 1, &b) == 1
       && strstr(b.data, "\"error\"") != NULL,
       "a client dialect with no stream_error yet still gets an error event");
    agw_stream_free(s);

    agw_buf_free(&b);
    json_decref(in);
}


/* Maps a fixture error into client; returns the client's body, parsed. */
static json_t *
map_error(agw_dialect_t provider, agw_dialect_t client, int status,
    const char *fixture, int *client_status)
{
    char       *body;
    size_t      len;
    json_t     *j;
    agw_buf_t   out = AGW_BUF_INIT;

    body = fixture_read(fixture, &len);
    if (body == NULL) {
        return NULL;
    }

    *client_status = 0;
    if (agw_translate_error(provider, client, status, body, len,
                            client_status, &out) != 0)
    {
        free(body);
        agw_buf_free(&out);
        return NULL;
    }

    j = json_loadb(out.data, out.len, 0, NULL);
    free(body);
    agw_buf_free(&out);
    return j;
}


/* error.message of any of the three dialects' envelopes. */
static const char *
message_of(json_t *j)
{
    return json_string_value(json_object_get(json_object_get(j, "error"),
                                             "message"));
}


static void
check_error_mapping(void)
{
    int           st, c;
    char         *body;
    size_t        len;
    json_t       *j, *e;
    agw_buf_t     out = AGW_BUF_INIT;

    /* Anthropic 529 overloaded -> 503 for OpenAI (the SDKs retry it) */
    j = map_error(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI, 529,
                  "anthropic-messages/error-529-overloaded.json", &st);
    is_int(st, 503, "anthropic 529 -> openai client 503");
    e = json_object_get(j, "error");
    is_str(json_string_value(json_object_get(e, "message")), "Overloaded",
           "provider's message kept");
    is_str(json_string_value(json_object_get(e, "type")),
           "service_unavailable_error", "openai type for overloaded");
    json_decref(j);

    j = map_error(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI, 529,
                  "anthropic-messages/error-529-overloaded.json", &st);
    is_int(st, 503, "anthropic 529 -> gemini client 503");
    json_decref(j);

    j = map_error(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_ANTHROPIC, 529,
                  "anthropic-messages/error-529-overloaded.json", &st);
    is_int(st, 529, "anthropic 529 -> anthropic client: as it was");
    json_decref(j);

    /* Gemini 400 API_KEY_INVALID -> 401 for OpenAI and Anthropic */
    j = map_error(AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, 400,
                  "gemini/error-400-api-key-invalid.json", &st);
    is_int(st, 401, "gemini 400 API_KEY_INVALID -> openai client 401");
    is_str(message_of(j), "API key not valid. Please pass a valid API key.",
           "gemini's message kept");
    is_str(json_string_value(json_object_get(json_object_get(j, "error"),
                                             "code")),
           "API_KEY_INVALID", "the reason as code");
    json_decref(j);

    j = map_error(AGW_DIALECT_GEMINI, AGW_DIALECT_ANTHROPIC, 400,
                  "gemini/error-400-api-key-invalid.json", &st);
    is_int(st, 401, "gemini 400 API_KEY_INVALID -> anthropic client 401");
    is_str(message_of(j), "API key not valid. Please pass a valid API key.",
           "gemini's message kept for anthropic");
    json_decref(j);

    j = map_error(AGW_DIALECT_GEMINI, AGW_DIALECT_GEMINI, 400,
                  "gemini/error-400-api-key-invalid.json", &st);
    is_int(st, 400, "gemini -> gemini: 400 as Google sent it");
    json_decref(j);

    /* rate limits stay 429 everywhere */
    for (c = 0; c < AGW_DIALECT_RESPONSES; c++) {
        j = map_error(AGW_DIALECT_GEMINI, c, 429,
                      "gemini/error-429-resource-exhausted.json", &st);
        ok(st == 429 && message_of(j) != NULL
           && strcmp(message_of(j), "You exceeded your current quota, "
                     "please check your plan.") == 0,
           "gemini 429 -> %s client 429, message kept", dname(c));
        json_decref(j);

        j = map_error(AGW_DIALECT_OPENAI, c, 429,
                      "openai-chat/error-429-rate-limit.json", &st);
        ok(st == 429 && message_of(j) != NULL
           && strncmp(message_of(j), "Rate limit reached", 18) == 0,
           "openai 429 -> %s client 429, message kept", dname(c));
        json_decref(j);

        j = map_error(AGW_DIALECT_ANTHROPIC, c, 401,
                      "anthropic-messages/error-401-authentication.json",
                      &st);
        ok(st == 401 && message_of(j) != NULL
           && strcmp(message_of(j), "invalid x-api-key") == 0,
           "anthropic 401 -> %s client 401", dname(c));
        json_decref(j);

        j = map_error(AGW_DIALECT_GEMINI, c, 404,
                      "gemini/error-404-not-found.json", &st);
        ok(st == 404 && message_of(j) != NULL
           && strncmp(message_of(j), "models/custom-gemini-2.0-flash", 30)
              == 0, "gemini 404 -> %s client 404", dname(c));
        json_decref(j);
    }

    /* the same dialect passes the provider's body through as it was */
    body = fixture_read("openai-chat/error-400-unsupported-parameter.json",
                        &len);
    agw_translate_error(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, 400, body,
                        len, &st, &out);
    ok(st == 400 && out.len == len && memcmp(out.data, body, len) == 0,
       "openai -> openai: body and status as they were");
    free(body);

    /* a non-JSON error body still makes a well-formed client error */
    for (c = 0; c < AGW_DIALECT_RESPONSES; c++) {
        const char  *html = "<html>\r\n<head><title>502 Bad Gateway</title>"
                            "</head>\r\n<body>\xff\xfe</body></html>";
        out.len = 0;
        agw_translate_error(AGW_DIALECT_OPENAI, c, 502, html, strlen(html),
                            &st, &out);
        j = json_loadb(out.data, out.len, 0, NULL);
        ok(st == 502 && j != NULL && message_of(j) != NULL
           && strstr(message_of(j), "502 Bad Gateway") != NULL,
           "HTML 502 -> %s client: JSON error, status 502", dname(c));
        json_decref(j);

        out.len = 0;
        agw_translate_error(AGW_DIALECT_ANTHROPIC, c, 503, "", 0, &st, &out);
        j = json_loadb(out.data, out.len, 0, NULL);
        ok(j != NULL && message_of(j) != NULL && (st == 503 || st == 529),
           "empty 503 body -> %s client: JSON error", dname(c));
        json_decref(j);
    }

    /* OpenAI-compatible servers' other error shapes keep their message */
    out.len = 0;
    body = "{\"object\":\"error\",\"message\":\"max_tokens is too large\","
           "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}";
    agw_translate_error(AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC, 400, body,
                        strlen(body), &st, &out);
    j = json_loadb(out.data, out.len, 0, NULL);
    ok(st == 400 && message_of(j) != NULL
       && strcmp(message_of(j), "max_tokens is too large") == 0,
       "vLLM's top-level error shape: message kept");
    json_decref(j);

    out.len = 0;
    body = "{\"error\":\"model 'llama9' not found\"}";
    agw_translate_error(AGW_DIALECT_OPENAI, AGW_DIALECT_GEMINI, 404, body,
                        strlen(body), &st, &out);
    j = json_loadb(out.data, out.len, 0, NULL);
    ok(st == 404 && message_of(j) != NULL
       && strcmp(message_of(j), "model 'llama9' not found") == 0,
       "{\"error\": \"text\"}: message kept");
    json_decref(j);

    /* an error status the upstream got wrong (2xx) is still an error */
    out.len = 0;
    agw_translate_error(AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC, 200, "x",
                        1, &st, &out);
    is_int(st, 502, "a 200 'error' becomes a 502");

    /* statuses and classes */
    is_int(agw_error_class_of_status(529), AGW_ERR_OVERLOADED, "529");
    is_int(agw_error_class_of_status(418), AGW_ERR_INVALID_REQUEST, "418");
    is_int(agw_error_class_of_status(599), AGW_ERR_SERVER, "599");
    is_int(agw_error_class_of_status(504), AGW_ERR_TIMEOUT, "504");
    is_int(agw_error_status(AGW_ERR_TOO_LARGE), 413, "413");

    agw_buf_free(&out);
}


/*
 * A captured OpenAI stream to every client dialect that can take it: a
 * complete stream ends cleanly with the fixture's usage; the same stream
 * cut before [DONE], or failed, or carrying a provider error event, ends
 * in the client's error event with the reason in it.
 */
static void
check_streams_from_openai(void)
{
    int                c;
    char              *done;
    size_t             cut;
    agw_buf_t          wire = AGW_BUF_INIT, w = AGW_BUF_INIT,
                       out = AGW_BUF_INIT;
    stream_run_t       r;
    agw_stream_opts_t  o = { "alias", 1, 0 };

    fixture_jsonl_to_sse("openai-chat/stream-reasoning-usage-azure.chunks.jsonl",
                         "data: [DONE]\n\n", &wire);
    done = strstr(wire.data, "data: [DONE]");
    cut = (size_t) (done - wire.data);

    agw_buf_append(&w, wire.data, cut);
    agw_buf_append_str(&w, "data: {\"error\":{\"message\":\"Upstream melted"
                       "\",\"type\":\"server_error\",\"param\":null,"
                       "\"code\":null}}\n\n");

    for (c = 0; c < AGW_DIALECT_RESPONSES; c++) {
        if (!agw_translate_supported(c, AGW_DIALECT_OPENAI, 1)) {
            continue;
        }

        out.len = 0;
        stream_run(AGW_DIALECT_OPENAI, c, &o, wire.data, wire.len, 5, 1,
                   &out, &r);
        ok(r.feed_rc == 0 && r.finish_rc == 0 && out.len > 0,
           "openai stream -> %s client: clean end", dname(c));
        ok(r.usage.input == 15 && r.usage.output == 78
           && r.usage.reasoning == 64, "usage 15 / 78 / 64 reasoning");
        ok(strstr(out.data, "Capital") != NULL, "the text reached the client");

        out.len = 0;
        stream_run(AGW_DIALECT_OPENAI, c, &o, wire.data, cut, 5, 1, &out,
                   &r);
        ok(r.finish_rc == 1 && strstr(out.data, "ended before") != NULL,
           "cut before [DONE] -> %s client: error event", dname(c));

        out.len = 0;
        stream_run(AGW_DIALECT_OPENAI, c, &o, wire.data, wire.len, 0, 0,
                   &out, &r);
        ok(r.finish_rc == 0, "upstream_ok=0 after [DONE] -> %s: complete",
           dname(c));

        out.len = 0;
        stream_run(AGW_DIALECT_OPENAI, c, &o, w.data, w.len, 0, 1, &out, &r);
        ok(r.feed_rc == -1 && r.finish_rc == 1
           && strstr(out.data, "Upstream melted") != NULL
           && r.error.cls == AGW_ERR_SERVER,
           "mid-stream error -> %s client: error event, message kept",
           dname(c));
    }

    agw_buf_free(&wire);
    agw_buf_free(&w);
    agw_buf_free(&out);
}


int
main(void)
{
    check_pairs();
    check_missing_ops();
    check_streams_from_openai();
    check_error_mapping();

    return done_testing();
}
