/*
 * The OpenAI dialect over the real fixtures: request and response
 * passthrough, the hub's extensions stripped on the way to a server, stream
 * passthrough with and without include_usage, truncation and mid-stream
 * errors, error bodies.
 */

#include <stdlib.h>

#include "agw_translate_int.h"
#include "tap.h"
#include "fixtures.h"
#include "stream_util.h"

#define OAI  AGW_DIALECT_OPENAI


static void
check_request_passthrough(void)
{
    json_t              *in, *copy, *out, *so;
    agw_error_t          err;
    agw_request_opts_t   o = { "gpt-4.1-mini", 1, 0 };

    in = fixture_json("openai-chat/request-text.documented.json");
    copy = json_deep_copy(in);

    ok(agw_translate_request(OAI, OAI, in, &o, &out, &err) == 0,
       "request passthrough");
    ok(json_equal(in, copy), "the client's body is left unchanged");
    is_str(json_string_value(json_object_get(out, "model")), "gpt-4.1-mini",
           "model rewritten to the upstream model");
    ok(json_is_true(json_object_get(out, "stream")), "stream: true");
    so = json_object_get(out, "stream_options");
    ok(json_is_true(json_object_get(so, "include_usage")),
       "stream_options.include_usage added for a stream");
    ok(json_equal(json_object_get(out, "messages"),
                  json_object_get(in, "messages")), "messages kept as sent");
    json_decref(out);

    /* other stream_options survive */
    json_object_set_new(in, "stream", json_true());
    json_object_set_new(in, "stream_options",
                        json_pack("{s:b, s:b}", "include_obfuscation", 0,
                                  "include_usage", 0));
    ok(agw_translate_request(OAI, OAI, in, &o, &out, &err) == 0,
       "passthrough with stream_options");
    so = json_object_get(out, "stream_options");
    ok(json_is_true(json_object_get(so, "include_usage"))
       && json_is_false(json_object_get(so, "include_obfuscation")),
       "include_usage forced on, include_obfuscation kept");
    json_decref(out);

    /* not streamed: no stream_options (OpenAI rejects them without stream) */
    o.stream = 0;
    ok(agw_translate_request(OAI, OAI, in, &o, &out, &err) == 0,
       "passthrough without stream");
    ok(json_object_get(out, "stream_options") == NULL
       && !json_is_true(json_object_get(out, "stream")),
       "no stream_options, stream not true");
    json_decref(out);

    /* NULL model keeps the client's */
    o.model = NULL;
    ok(agw_translate_request(OAI, OAI, in, &o, &out, &err) == 0
       && strcmp(json_string_value(json_object_get(out, "model")),
                 "VAR_chat_model_id") == 0, "no model given: kept");
    json_decref(out);

    json_decref(in);
    json_decref(copy);

    /* a body that is not an object */
    in = json_array();
    ok(agw_translate_request(OAI, OAI, in, &o, &out, &err) == -1
       && err.cls == AGW_ERR_INVALID_REQUEST && out == NULL,
       "a JSON array body is a 400");
    json_decref(in);
}


static void
check_request_hub(void)
{
    json_t              *in, *hub, *out, *m;
    agw_error_t          err;
    agw_request_opts_t   o = { "deepseek-chat", 0, 0 };

    in = fixture_json("openai-chat/request-tools.documented.json");
    hub = agw_openai_ops.request_to_hub(in, &o, &err);
    ok(hub != NULL && json_equal(hub, in),
       "to_hub: an OpenAI request already is the hub");
    json_decref(hub);
    json_decref(in);

    in = json_loads("{\"model\":\"m\"}", 0, NULL);
    hub = agw_openai_ops.request_to_hub(in, &o, &err);
    ok(hub == NULL && err.cls == AGW_ERR_INVALID_REQUEST,
       "to_hub: messages missing is a 400");
    json_decref(in);

    /* a hub request as another dialect's decoder makes it */
    hub = json_loads(
        "{\"model\":\"claude\",\"max_tokens\":100,\"messages\":["
        "{\"role\":\"user\",\"content\":\"hi\"},"
        "{\"role\":\"assistant\",\"content\":\"ok\","
        " \"reasoning_content\":\"thought\","
        " \"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"t\","
        "   \"signature\":\"sig\"}],"
        " \"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
        "   \"function\":{\"name\":\"f\",\"arguments\":\"{}\"},"
        "   \"extra_content\":{\"google\":{\"thought_signature\":\"x\"}}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"r\"}]}",
        0, NULL);
    out = agw_openai_ops.request_from_hub(hub, &o, &err);
    m = json_array_get(json_object_get(out, "messages"), 1);
    ok(out != NULL && json_object_get(m, "reasoning_content") == NULL
       && json_object_get(m, "thinking_blocks") == NULL,
       "from_hub: reasoning_content and thinking_blocks stripped");
    ok(json_object_get(json_array_get(json_object_get(m, "tool_calls"), 0),
                       "extra_content") == NULL,
       "from_hub: tool_calls[].extra_content stripped");
    ok(json_is_string(json_object_get(json_array_get(
           json_object_get(m, "tool_calls"), 0), "id")),
       "from_hub: the tool call itself kept");
    is_str(json_string_value(json_object_get(out, "model")), "deepseek-chat",
           "from_hub: model from the route");
    is_int(json_integer_value(json_object_get(out, "max_tokens")), 100,
           "from_hub: max_tokens kept");
    ok(json_object_get(json_array_get(json_object_get(hub, "messages"), 1),
                       "thinking_blocks") != NULL, "the hub is not modified");
    json_decref(out);

    o.stream = 1;
    out = agw_openai_ops.request_from_hub(hub, &o, &err);
    ok(json_is_true(json_object_get(json_object_get(out, "stream_options"),
                                    "include_usage")),
       "from_hub: include_usage asked for a stream");
    json_decref(out);
    json_decref(hub);
}


static void
check_response(const char *name, int64_t in, int64_t outt)
{
    char                 *body;
    size_t                len;
    json_t               *orig, *got;
    agw_buf_t             out = AGW_BUF_INIT;
    agw_usage_t           u;
    agw_error_t           err;
    agw_response_opts_t   o = { "my-alias" };

    body = fixture_read(name, &len);
    agw_usage_init(&u);
    ok(agw_translate_response(OAI, OAI, body, len, &o, &out, &u, &err) == 0,
       "%s: response passthrough", name);

    got = json_loadb(out.data, out.len, 0, NULL);
    orig = json_loadb(body, len, 0, NULL);
    is_str(json_string_value(json_object_get(got, "model")), "my-alias",
           "model rewritten back to the client's");
    json_object_set_new(orig, "model", json_string("my-alias"));
    ok(json_equal(got, orig), "everything else unchanged");
    ok(u.input == in && u.output == outt, "usage read");

    json_decref(got);
    json_decref(orig);
    agw_buf_free(&out);
    free(body);
}


static void
check_response_hub(void)
{
    json_t       *in, *hub, *res;
    agw_usage_t   u;
    agw_error_t   err;
    agw_response_opts_t  o = { "alias" };

    in = json_loads("{\"id\":\"x\",\"object\":\"chat.completion\","
                    "\"model\":\"qwen\",\"choices\":[{\"index\":0,"
                    "\"message\":{\"role\":\"assistant\",\"content\":\"4\","
                    "\"reasoning\":\"2+2\"},\"finish_reason\":\"stop\"}],"
                    "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9,"
                    "\"completion_tokens_details\":{\"reasoning_tokens\":7}}}",
                    0, NULL);
    agw_usage_init(&u);
    hub = agw_openai_ops.response_to_hub(in, &u, &err);
    is_str(json_string_value(json_object_get(json_object_get(json_array_get(
           json_object_get(hub, "choices"), 0), "message"),
           "reasoning_content")), "2+2",
           "to_hub: 'reasoning' is the hub's reasoning_content");
    ok(u.input == 5 && u.output == 9 && u.reasoning == 7, "to_hub: usage");

    res = agw_openai_ops.response_from_hub(hub, &o, &err);
    is_str(json_string_value(json_object_get(res, "model")), "alias",
           "from_hub: model is the client's");
    json_decref(res);
    json_decref(hub);
    json_decref(in);

    in = json_loads("{\"object\":\"list\"}", 0, NULL);
    ok(agw_openai_ops.response_to_hub(in, &u, &err) == NULL
       && err.cls == AGW_ERR_BAD_GATEWAY, "to_hub: no choices is a 502");
    json_decref(in);
}


/* Passthrough of a captured stream; checks per include_usage. */
static void
check_stream_passthrough(const char *name, const agw_buf_t *wire,
    int include_usage, int64_t in, int64_t outt, int64_t reasoning)
{
    int                i, usage_chunks, models_ok, with_usage_key;
    size_t             step;
    json_t            *j;
    events_t           src, got;
    agw_buf_t          out = AGW_BUF_INIT, ref = AGW_BUF_INIT;
    stream_run_t       r;
    agw_stream_opts_t  o = { "my-alias", include_usage, 0 };

    stream_run(OAI, OAI, &o, wire->data, wire->len, 0, 1, &ref, &r);
    ok(r.feed_rc == 0 && r.finish_rc == 0,
       "%s (include_usage=%d): clean end", name, include_usage);
    ok(r.usage.input == in && r.usage.output == outt
       && r.usage.reasoning == reasoning, "usage captured: %lld / %lld",
       (long long) r.usage.input, (long long) r.usage.output);

    events_parse(wire->data, wire->len, &src);
    ok(events_parse(ref.data, ref.len, &got) == 0, "output is valid SSE");

    usage_chunks = 0;
    with_usage_key = 0;
    models_ok = 1;
    for (i = 0; i < got.n; i++) {
        if (strcmp(got.data[i], "[DONE]") == 0) {
            continue;
        }
        j = json_loads(got.data[i], 0, NULL);
        if (json_object_get(j, "model") != NULL
            && strcmp(json_string_value(json_object_get(j, "model")),
                      "my-alias") != 0)
        {
            models_ok = 0;
        }
        if (json_is_object(json_object_get(j, "usage"))) {
            usage_chunks++;
        }
        if (json_object_get(j, "usage") != NULL) {
            with_usage_key++;
        }
        json_decref(j);
    }

    ok(models_ok, "model rewritten in every chunk");
    if (include_usage) {
        is_int(got.n, src.n, "every event kept");
        is_int(usage_chunks, 1, "the usage chunk kept");
    } else {
        is_int(got.n, src.n - 1, "exactly one event dropped");
        is_int(usage_chunks, 0, "the usage chunk dropped");
        is_int(with_usage_key, 0, "no chunk carries usage: null either");
    }
    ok(got.n > 0 && strcmp(got.data[got.n - 1], "[DONE]") == 0,
       "[DONE] kept, last");

    /* the same bytes for other splits of the input */
    for (step = 1; step <= 64; step = step * 2 + 1) {
        out.len = 0;
        stream_run(OAI, OAI, &o, wire->data, wire->len, step, 1, &out, &r);
        if (out.len != ref.len || memcmp(out.data, ref.data, out.len) != 0) {
            break;
        }
    }
    ok(step > 64, "same output fed in pieces of 1, 3, 7 ... 63 bytes");

    events_free(&src);
    events_free(&got);
    agw_buf_free(&out);
    agw_buf_free(&ref);
}


/* The output ends with OpenAI's error event and no [DONE]. */
static int
ends_in_error(const agw_buf_t *out, const char *want_type)
{
    int        rc;
    json_t    *j, *e;
    events_t   ev;

    if (events_parse(out->data, out->len, &ev) != 0 || ev.n == 0) {
        events_free(&ev);
        return 0;
    }

    j = json_loads(ev.data[ev.n - 1], 0, NULL);
    e = json_object_get(j, "error");
    rc = json_is_string(json_object_get(e, "message"))
         && json_object_get(e, "type") != NULL
         && (want_type == NULL
             || strcmp(json_string_value(json_object_get(e, "type")),
                       want_type) == 0)
         && strstr(out->data, "[DONE]") == NULL;

    json_decref(j);
    events_free(&ev);
    return rc;
}


static void
check_stream_failures(const agw_buf_t *wire)
{
    size_t             cut;
    const char        *done;
    agw_buf_t          out = AGW_BUF_INIT, w = AGW_BUF_INIT;
    stream_run_t       r;
    agw_stream_opts_t  o = { "my-alias", 0, 0 };

    /* cut before [DONE] on a clean connection end */
    done = strstr(wire->data, "data: [DONE]");
    cut = (size_t) (done - wire->data);
    stream_run(OAI, OAI, &o, wire->data, cut, 0, 1, &out, &r);
    is_int(r.finish_rc, 1, "no [DONE]: finish reports an error");
    ok(ends_in_error(&out, "server_error"),
       "and the client gets an error event, no [DONE]");
    is_int(r.error.cls, AGW_ERR_BAD_GATEWAY, "error class 502");
    is_str(r.error.code, "stream_truncated", "error code");

    /* cut in the middle of an event */
    out.len = 0;
    stream_run(OAI, OAI, &o, wire->data, cut / 2, 0, 1, &out, &r);
    ok(r.finish_rc == 1 && ends_in_error(&out, NULL),
       "cut mid-event: error event");

    /* complete bytes but the connection failed */
    out.len = 0;
    stream_run(OAI, OAI, &o, wire->data, cut, 0, 0, &out, &r);
    ok(r.finish_rc == 1 && ends_in_error(&out, NULL),
       "upstream_ok=0 before [DONE]: error event");

    /* the caller knows better: a stall past the read timeout */
    {
        agw_error_t    why;
        agw_stream_t  *s;

        out.len = 0;
        agw_error_set(&why, AGW_ERR_TIMEOUT, 0, "stream_timeout",
                      "stalled");
        s = agw_stream_new(OAI, OAI, &o);
        ok(s != NULL && agw_stream_feed(s, wire->data, cut, &out) == 0,
           "stall: the events before it");
        agw_stream_set_error(s, &why);
        is_int(agw_stream_finish(s, 0, &out), 1, "stall: finish reports it");
        ok(ends_in_error(&out, "server_error")
           && strstr(out.data, "\"code\":\"stream_timeout\"") != NULL,
           "the client's error event says timeout, not truncated");
        is_int(agw_stream_error(s)->cls, AGW_ERR_TIMEOUT,
               "error class timeout");
        agw_stream_free(s);

        /* after the end marker, nothing was lost: no error to give */
        out.len = 0;
        s = agw_stream_new(OAI, OAI, &o);
        (void) agw_stream_feed(s, wire->data, wire->len, &out);
        agw_stream_set_error(s, &why);
        ok(agw_stream_finish(s, 0, &out) == 0
           && strstr(out.data, "data: [DONE]\n\n") != NULL,
           "a timeout after [DONE] changes nothing");
        agw_stream_free(s);
    }

    /* after [DONE], a failed connection changes nothing */
    out.len = 0;
    stream_run(OAI, OAI, &o, wire->data, wire->len, 0, 0, &out, &r);
    ok(r.finish_rc == 0 && strstr(out.data, "data: [DONE]\n\n") != NULL,
       "upstream_ok=0 after [DONE]: still a clean end");

    /* a mid-stream error event from the provider */
    agw_buf_append(&w, wire->data, cut / 2);
    w.len = (size_t) (strstr(w.data + w.len / 2, "\n\n") - w.data) + 2;
    agw_buf_append_str(&w, "data: {\"error\":{\"message\":\"The server had an "
                       "error while processing your request.\",\"type\":"
                       "\"server_error\",\"param\":null,\"code\":null}}\n\n");
    out.len = 0;
    stream_run(OAI, OAI, &o, w.data, w.len, 7, 1, &out, &r);
    ok(r.feed_rc == -1, "mid-stream error: feed returns -1");
    ok(r.finish_rc == 1, "finish reports the error");
    ok(ends_in_error(&out, "server_error"),
       "the provider's error event forwarded, no [DONE]");
    is_int(r.error.cls, AGW_ERR_SERVER, "error class from the type");
    is_str(r.error.message, "The server had an error while processing your "
           "request.", "provider's message kept");
    ok(strstr(strstr(out.data, "\"error\"") + 1, "\"error\"") == NULL,
       "exactly one error event");

    /* "error": null is not an error */
    out.len = 0;
    w.len = 0;
    agw_buf_append_str(&w, "data: {\"id\":\"x\",\"model\":\"m\",\"choices\":"
                       "[{\"index\":0,\"delta\":{\"content\":\"a\"}}],"
                       "\"error\":null}\n\ndata: [DONE]\n\n");
    stream_run(OAI, OAI, &o, w.data, w.len, 0, 1, &out, &r);
    ok(r.feed_rc == 0 && r.finish_rc == 0
       && strstr(out.data, "\"model\":\"my-alias\"") != NULL,
       "\"error\": null in a chunk is not an error");

    /* only the top-level model is the model: a nested one stays */
    out.len = 0;
    w.len = 0;
    agw_buf_append_str(&w, "data: {\"id\":\"x\",\"choices\":[{\"index\":0,"
                       "\"delta\":{\"content\":\"a\"},\"meta\":{\"model\":"
                       "\"inner\"}}]}\n\ndata: {\"meta\":{\"model\":\"inner\"},"
                       "\"model\":\"m\",\"choices\":[]}\n\ndata: [DONE]\n\n");
    stream_run(OAI, OAI, &o, w.data, w.len, 0, 1, &out, &r);
    ok(r.finish_rc == 0 && strstr(out.data, "{\"model\":\"inner\"}") != NULL
       && strstr(strstr(out.data, "{\"model\":\"inner\"}") + 1,
                 "{\"model\":\"inner\"}") != NULL
       && strstr(out.data, "\"model\":\"my-alias\"") != NULL,
       "a nested \"model\" key is left alone, the top-level one rewritten");

    /* garbage in a data line */
    out.len = 0;
    w.len = 0;
    agw_buf_append_str(&w, "data: {\"id\":\"x\",\"choices\":[]}\n\n"
                       "data: {not json\n\ndata: [DONE]\n\n");
    stream_run(OAI, OAI, &o, w.data, w.len, 0, 1, &out, &r);
    ok(r.feed_rc == -1 && r.finish_rc == 1 && ends_in_error(&out, NULL),
       "malformed chunk: error event");
    is_str(r.error.code, "invalid_stream", "code invalid_stream");

    /* an oversized event */
    o.max_event = 64;
    out.len = 0;
    stream_run(OAI, OAI, &o, wire->data, wire->len, 0, 1, &out, &r);
    ok(r.feed_rc == -1 && ends_in_error(&out, NULL)
       && strcmp(r.error.code, "event_too_large") == 0,
       "an event over max_event: error event");

    agw_buf_free(&out);
    agw_buf_free(&w);
}


/* OpenAI -> OpenAI with the fast path on or off. */
static void
passthrough(const agw_buf_t *wire, int include_usage, int slow,
    agw_buf_t *out, agw_usage_t *u)
{
    agw_stream_t      *s;
    agw_stream_opts_t  o = { "my-\"alias\"", include_usage, 0 };

    s = agw_stream_new(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, &o);
    s->openai.no_fast_path = slow;
    agw_stream_feed(s, wire->data, wire->len, out);
    agw_stream_finish(s, 1, out);
    *u = *agw_stream_usage(s);
    agw_stream_free(s);
}


/*
 * The passthrough's fast path (bytes copied, model value replaced) must
 * give the same events as parsing and re-serialising every chunk: equal
 * JSON event by event, same usage.  The model name here needs escaping.
 */
static void
check_fast_path(const char *name, const agw_buf_t *wire)
{
    int          iu, i, same;
    json_t      *a, *b;
    events_t     fe, se;
    agw_buf_t    fast = AGW_BUF_INIT, slow = AGW_BUF_INIT;
    agw_usage_t  fu, su;

    for (iu = 0; iu < 2; iu++) {
        fast.len = 0;
        slow.len = 0;
        passthrough(wire, iu, 0, &fast, &fu);
        passthrough(wire, iu, 1, &slow, &su);

        events_parse(fast.data, fast.len, &fe);
        events_parse(slow.data, slow.len, &se);

        same = fe.n == se.n && fe.n > 0;
        for (i = 0; same && i < fe.n; i++) {
            if (strcmp(fe.data[i], se.data[i]) == 0) {
                continue;
            }
            a = json_loads(fe.data[i], 0, NULL);
            b = json_loads(se.data[i], 0, NULL);
            same = a != NULL && json_equal(a, b);
            if (!same) {
                tap_diag("event %d differs:\n# fast %s\n# slow %s", i,
                         fe.data[i], se.data[i]);
            }
            json_decref(a);
            json_decref(b);
        }

        ok(same, "%s, include_usage=%d: fast path and parsing path give "
           "equal events", name, iu);
        ok(memcmp(&fu, &su, sizeof(fu)) == 0 && fu.output > 0,
           "same usage both ways");
        ok(strstr(fast.data, "\"model\":\"my-\\\"alias\\\"\"") != NULL,
           "the model name is JSON-escaped");

        events_free(&fe);
        events_free(&se);
    }

    agw_buf_free(&fast);
    agw_buf_free(&slow);
}


/*
 * Chunks the fast path's walk must place right, or leave to the parsing
 * path: white space between tokens, brackets and quotes inside strings,
 * "usage" first, last or alone, a nested "model", an escaped key that
 * spells "model", a model that is not a string.  The white space kept in
 * the output shows that the fast path, not the parser, wrote those.
 */
static void
check_fast_path_shapes(void)
{
    agw_buf_t          w = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_usage_t        u;
    static const char  wire[] =
        "data: {\"id\": \"c1\", \"object\": \"chat.completion.chunk\", "
        "\"model\": \"up\", \"choices\": [{\"index\": 0, \"delta\": "
        "{\"content\": \"a \\\"q\\\" {[}\\\\\"}, \"finish_reason\": null}], "
        "\"usage\": null}\n\n"
        "data: {\"usage\":null , \"model\":\"up\",\"choices\":[{\"index\":0,"
        "\"delta\":{\"content\":\"b\",\"model\":\"nested\"}}]}\n\n"
        "data: {\"model\":\"up\",\"usage\":null}\n\n"
        "data: {\"mod\\u0065l\":\"up\",\"choices\":[{\"index\":0,"
        "\"delta\":{\"content\":\"c\"}}]}\n\n"
        "data: {\"model\":42,\"choices\":[{\"index\":0,"
        "\"delta\":{\"content\":\"d\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"e\"}}],"
        "\"usage\":null}\n\n"
        "data: {\"usage\":null}\n\n"
        "data: {\"id\":\"c1\",\"model\":\"up\",\"choices\":[{\"index\":0,"
        "\"delta\":{\"content\":\"f\"}}],\"usage\":{\"prompt_tokens\":5,"
        "\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":"
        "2},\"completion_tokens_details\":{\"reasoning_tokens\":1}}}\n\n"
        "data: {\"usage\": {\"prompt_tokens\":5,\"completion_tokens\":2} ,"
        "\"model\":\"up\",\"choices\":[ \t ]}\n\n"
        "data: {\"id\":\"c1\",\"model\":\"up\",\"choices\":[],\"usage\":"
        "{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\n"
        "data: [DONE]\n\n";

    w.data = (char *) wire;
    w.len = sizeof(wire) - 1;
    check_fast_path("walk shapes", &w);

    passthrough(&w, 0, 0, &out, &u);
    ok(strstr(out.data, "{\"id\": \"c1\", \"object\": "
                        "\"chat.completion.chunk\", \"model\": "
                        "\"my-\\\"alias\\\"\", \"choices\"") != NULL
       && strstr(out.data, "\"finish_reason\": null}]}\n\n") != NULL,
       "spaced chunk: bytes kept, model replaced, usage cut with its comma");
    ok(strstr(out.data, "data: {\"model\":\"my-\\\"alias\\\"\","
                        "\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                        "\"b\",\"model\":\"nested\"}}]}") != NULL,
       "usage first: cut up to the next key; the nested model untouched");
    ok(strstr(out.data, "data: {\"model\":\"my-\\\"alias\\\"\"}\n") != NULL,
       "usage last: cut with the comma before it");
    ok(strstr(out.data, "data: {}\n") != NULL, "usage alone: {}");
    ok(strstr(out.data, "\\u0065") == NULL
       && strstr(out.data, "42") == NULL,
       "an escaped key and a numeric model went through the parser");
    ok(strstr(out.data, "data: {\"id\":\"c1\",\"model\":\"my-\\\"alias\\\"\","
                        "\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                        "\"f\"}}]}\n") != NULL,
       "usage on a content chunk: read, and cut from it");
    ok(strstr(out.data, "[ ") == NULL
       && strstr(out.data, "prompt_tokens") == NULL,
       "a usage chunk the client did not ask for is dropped whole");
    ok(u.input == 3 && u.output == 4 && u.cache_read == 2
       && u.reasoning == 1,
       "each count from the last chunk that has it: %lld in, %lld out",
       (long long) u.input, (long long) u.output);
    agw_buf_free(&out);
}


/*
 * Chunks that repeat the last chunk's bytes through the model's value (the
 * walk resumes there): what follows differs in white space, members, a
 * second "model", an "error"; a chunk that ends right after the prefix; a
 * model value one byte longer; data on two lines.  The parsing path must
 * agree on each.
 */
static void
check_fast_path_prefix(void)
{
    agw_buf_t          w = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_usage_t        u;
    static const char  wire[] =
        "data: {\"id\":\"a\",\"object\":\"x\",\"model\":\"up\",\"choices\":"
        "[{\"index\":0,\"delta\":{\"content\":\"1\"}}]}\n\n"
        "data: {\"id\":\"a\",\"object\":\"x\",\"model\":\"up\",\"choices\":"
        "[{\"index\":0,\"delta\":{\"content\":\"2\"}}],\"usage\":null}\n\n"
        "data: {\"id\":\"a\",\"object\":\"x\",\"model\":\"up\" , \"choices\":"
        "[{\"index\":0,\"delta\":{\"content\":\"3\"}}]}\n\n"
        "data: {\"id\":\"a\",\"object\":\"x\",\"model\":\"up\",\"model\":"
        "\"again\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"4\"}}]}"
        "\n\n"
        "data: {\"id\":\"a\",\"object\":\"x\",\"model\":\"up\"}\n\n"
        "data: {\"id\":\"a\",\"object\":\"x\",\"model\":\"upp\",\"choices\":"
        "[{\"index\":0,\"delta\":{\"content\":\"5\"}}]}\n\n"
        "data: {\"id\":\"a\",\"object\":\"x\",\"model\":\"up\",\"choices\":"
        "[{\"index\":0,\"delta\":{\"content\":\"6\"}}]}\n\n"
        "data: {\"id\":\"a\",\"object\":\"x\",\"model\":\"up\",\n"
        "data: \"choices\":[{\"index\":0,\"delta\":{\"content\":\"7\"}}]}\n\n"
        "data: {\"id\":\"a\",\"object\":\"x\",\"model\":\"up\",\"choices\":"
        "[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":3}}\n\n"
        "data: {\"id\":\"a\",\"object\":\"x\",\"model\":\"up\",\"error\":"
        "{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n";

    w.data = (char *) wire;
    w.len = sizeof(wire) - 1;
    check_fast_path("repeated chunk starts", &w);

    passthrough(&w, 0, 0, &out, &u);
    ok(strstr(out.data, "\"model\":\"my-\\\"alias\\\"\" , \"choices\"")
       != NULL,
       "the bytes after a repeated start are the provider's");
    ok(strstr(out.data, "\"content\":\"2\"}}]}\n") != NULL
       && strstr(out.data, "again") == NULL
       && strstr(out.data, "\"upp\"") == NULL
       && strstr(out.data, "overloaded") != NULL
       && strstr(out.data, "[DONE]") == NULL,
       "usage cut, a second model and every model replaced, the error "
       "passed on and no [DONE] after it");
    agw_buf_free(&out);
}


/*
 * The walk over a chunk's "choices" reads sixteen bytes at a time: an
 * escaped quote, an escaped backslash before the closing quote and
 * brackets inside a string, and brackets in a string without escapes (a
 * block the walk reads by quote parity), at every offset of a block.  The fast path
 * must find the "usage" after it (cut, the space in "index": 0 kept, so
 * the bytes are the fast path's) and agree with the parsing path.
 */
static void
check_fast_path_nested(void)
{
    int          k, kept;
    agw_buf_t    w = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_usage_t  u;

    kept = 0;
    for (k = 0; k < 80; k++) {
        w.len = 0;
        agw_buf_printf(&w, "data: {\"id\":\"a\",\"model\":\"up\",\"choices\":"
                       "[{\"index\": 0,\"delta\":{\"content\":\"%.*s%s\"}}],"
                       "\"usage\":null}\n\n"
                       "data: {\"id\":\"a\",\"model\":\"up\",\"choices\":[],"
                       "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":"
                       "2}}\n\ndata: [DONE]\n\n", k % 40,
                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                       k < 40 ? "\\\"q\\\\ ]}{[\\\\" : "a ]} {[ b ]");
        out.len = 0;
        passthrough(&w, 0, 0, &out, &u);
        if (strstr(out.data, "\"index\": 0") != NULL
            && strstr(out.data, "usage") == NULL
            && (strstr(out.data, "\\\"q\\\\ ]}{[\\\\\"}}]}\n") != NULL
                || strstr(out.data, "a ]} {[ b ]\"}}]}\n") != NULL))
        {
            kept++;
        } else {
            tap_diag("offset %d: %s", k, out.data);
        }

        if (k % 8 == 0) {
            check_fast_path("escapes and brackets in a string", &w);
        }
    }

    ok(kept == 80, "every offset, with and without escapes: the fast "
       "path's bytes, usage cut after the choices (%d of 80)", kept);
    agw_buf_free(&w);
    agw_buf_free(&out);
}


/*
 * The encoder for an OpenAI client of another provider, fed hub chunks as
 * a decoder makes them: one id and created for the whole stream, the
 * client's model, role on the first delta, usage held for the end.
 */
static void
check_encoder(void)
{
    int                i;
    json_t            *c, *j, *ch;
    events_t           ev;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_stream_t      *s;
    agw_stream_opts_t  o = { "alias", 1, 0 };
    static const char *chunks[] = {
        "{\"id\":\"msg_01\",\"created\":1700000000,\"model\":\"claude\","
        "\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hm\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],"
        "\"usage\":{\"prompt_tokens\":3}}",
        "{\"id\":\"other\",\"choices\":[{\"delta\":{},"
        "\"finish_reason\":\"stop\"}]}",
    };

    /* the provider is irrelevant: the encoder is called directly */
    s = agw_stream_new(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI, &o);
    for (i = 0; i < 3; i++) {
        c = json_loads(chunks[i], 0, NULL);
        ok(agw_openai_ops.stream_encode(s, c, &out) == 0, "encode chunk %d",
           i);
        json_decref(c);
    }
    s->usage.input = 3;
    s->usage.output = 2;
    ok(agw_openai_ops.stream_end(s, &out) == 0, "stream_end");
    agw_stream_free(s);

    ok(events_parse(out.data, out.len, &ev) == 0 && ev.n == 5,
       "3 chunks, the usage chunk, [DONE]");

    for (i = 0; i < 4 && i < ev.n; i++) {
        j = json_loads(ev.data[i], 0, NULL);
        ok(strcmp(json_string_value(json_object_get(j, "id")), "msg_01") == 0
           && json_integer_value(json_object_get(j, "created")) == 1700000000
           && strcmp(json_string_value(json_object_get(j, "model")), "alias")
              == 0
           && strcmp(json_string_value(json_object_get(j, "object")),
                     "chat.completion.chunk") == 0
           && (i == 3 || json_object_get(j, "usage") == NULL),
           "chunk %d: constant id and created, client model, no usage", i);

        ch = json_array_get(json_object_get(j, "choices"), 0);
        if (i == 0) {
            is_str(json_string_value(json_object_get(json_object_get(ch,
                   "delta"), "role")), "assistant", "role on the first delta");
            is_str(json_string_value(json_object_get(json_object_get(ch,
                   "delta"), "reasoning_content")), "hm",
                   "reasoning_content kept for the client");
        }
        if (i == 1) {
            ok(json_object_get(json_object_get(ch, "delta"), "role") == NULL
               && json_integer_value(json_object_get(ch, "index")) == 0
               && json_is_null(json_object_get(ch, "finish_reason")),
               "later deltas: no role; index and finish_reason filled in");
        }
        if (i == 3) {
            ok(json_array_size(json_object_get(j, "choices")) == 0
               && json_integer_value(json_object_get(json_object_get(j,
                      "usage"), "total_tokens")) == 5,
               "usage chunk at the end: choices [], total 5");
        }
        json_decref(j);
    }
    ok(ev.n == 5 && strcmp(ev.data[4], "[DONE]") == 0, "[DONE] last");
    events_free(&ev);

    /* a provider stream without "created": the caller's time */
    out.len = 0;
    s = agw_stream_new(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI, &o);
    agw_stream_set_created(s, 1234);
    c = json_loads(chunks[1], 0, NULL);
    agw_openai_ops.stream_encode(s, c, &out);
    json_decref(c);
    agw_stream_free(s);
    ok(strstr(out.data, "\"created\":1234,") != NULL,
       "created from agw_stream_set_created() when the provider has none");

    /* no include_usage: no usage chunk */
    out.len = 0;
    o.include_usage = 0;
    s = agw_stream_new(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI, &o);
    s->usage.input = 3;
    agw_openai_ops.stream_end(s, &out);
    is_str(out.data, "data: [DONE]\n\n", "without include_usage: [DONE] only");
    agw_stream_free(s);

    agw_buf_free(&out);
}


static void
check_errors(void)
{
    json_t       *j, *e;
    agw_buf_t     out = AGW_BUF_INIT;
    agw_error_t   err;
    char         *body;
    size_t        len;

    agw_error_set(&err, AGW_ERR_NOT_FOUND, 0, "model_not_found",
                  "The model `%s` does not exist", "gpt-9");
    is_int(err.status, 404, "class default status");
    ok(agw_error_body(OAI, &err, &out) == 0, "error body");
    j = json_loadb(out.data, out.len, 0, NULL);
    e = json_object_get(j, "error");
    is_str(json_string_value(json_object_get(e, "message")),
           "The model `gpt-9` does not exist", "message");
    is_str(json_string_value(json_object_get(e, "type")),
           "invalid_request_error", "type as OpenAI sends a 404");
    is_str(json_string_value(json_object_get(e, "code")), "model_not_found",
           "code");
    ok(json_is_null(json_object_get(e, "param")), "param null");
    json_decref(j);

    out.len = 0;
    agw_error_set(&err, AGW_ERR_RATE_LIMIT, 0, NULL, "slow down");
    agw_error_body(OAI, &err, &out);
    j = json_loadb(out.data, out.len, 0, NULL);
    e = json_object_get(j, "error");
    is_str(json_string_value(json_object_get(e, "code")),
           "rate_limit_exceeded", "default code for a 429");
    json_decref(j);

    body = fixture_read("openai-chat/error-401-invalid-api-key.json", &len);
    memset(&err, 0, sizeof(err));
    err.cls = AGW_ERR_AUTHENTICATION;
    agw_openai_ops.error_parse(body, len, &err);
    is_str(err.code, "invalid_api_key", "401 fixture: code");
    ok(strncmp(err.message, "Incorrect API key provided", 26) == 0,
       "401 fixture: message");
    ok(err.cls == AGW_ERR_AUTHENTICATION, "401 fixture: class kept");
    free(body);

    body = fixture_read("openai-chat/error-429-rate-limit.json", &len);
    memset(&err, 0, sizeof(err));
    agw_openai_ops.error_parse(body, len, &err);
    is_str(err.code, "rate_limit_exceeded", "429 fixture: code over type");
    is_int(err.cls, AGW_ERR_RATE_LIMIT, "429 fixture: class from the code");
    free(body);

    body = fixture_read("openai-chat/error-400-unsupported-parameter.json",
                        &len);
    memset(&err, 0, sizeof(err));
    err.cls = AGW_ERR_INVALID_REQUEST;
    agw_openai_ops.error_parse(body, len, &err);
    is_str(err.code, "unsupported_parameter", "400 fixture: code");
    is_int(err.cls, AGW_ERR_INVALID_REQUEST, "400 fixture: still a 400");
    free(body);

    /* a message that does not fit is cut on a character boundary */
    memset(&err, 0, sizeof(err));
    {
        char  msg[700];
        int   i;
        for (i = 0; i < 699; i += 2) {
            msg[i] = (char) 0xc3;
            msg[i + 1] = (char) 0xa9;
        }
        msg[699] = '\0';
        msg[698] = '\0';
        agw_error_set(&err, AGW_ERR_SERVER, 0, "x", "%s%s", "a", msg);
    }
    out.len = 0;
    ok(agw_error_body(OAI, &err, &out) == 0
       && (j = json_loadb(out.data, out.len, 0, NULL)) != NULL,
       "a message cut mid-character still renders as JSON");
    json_decref(j);

    agw_buf_free(&out);
}


int
main(void)
{
    agw_buf_t  w = AGW_BUF_INIT;
    char      *s;
    size_t     len;

    check_request_passthrough();
    check_request_hub();
    check_response("openai-chat/response-text.json", 16, 363);
    check_response("openai-chat/response-parallel-tool-calls.json", 149, 60);
    check_response_hub();

    fixture_jsonl_to_sse("openai-chat/stream-include-usage.chunks.jsonl",
                         "data: [DONE]\n\n", &w);
    check_stream_passthrough("stream-include-usage", &w, 0, 16, 300, 0);
    check_stream_passthrough("stream-include-usage", &w, 1, 16, 300, 0);
    check_fast_path("stream-include-usage", &w);
    check_stream_failures(&w);

    w.len = 0;
    fixture_jsonl_to_sse("openai-chat/stream-reasoning-usage-azure.chunks.jsonl",
                         "data: [DONE]\n\n", &w);
    check_stream_passthrough("azure reasoning", &w, 0, 15, 78, 64);
    check_fast_path("azure reasoning", &w);
    agw_buf_free(&w);

    s = fixture_read("openai-chat/stream-text.sse", &len);
    w.data = s;
    w.len = len;
    check_stream_passthrough("stream-text.sse", &w, 0, 14, 30, 0);
    check_fast_path("stream-text.sse", &w);
    free(s);

    s = fixture_read("openai-chat/stream-parallel-tool-calls.sse", &len);
    w.data = s;
    w.len = len;
    check_fast_path("stream-parallel-tool-calls.sse", &w);
    free(s);

    s = fixture_read("openai-chat/stream-tool-calls.sse", &len);
    w.data = s;
    w.len = len;
    check_fast_path("stream-tool-calls.sse", &w);
    free(s);

    check_fast_path_shapes();
    check_fast_path_prefix();
    check_fast_path_nested();

    check_encoder();
    check_errors();

    return done_testing();
}
