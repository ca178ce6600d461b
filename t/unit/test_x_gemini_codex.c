/*
 * Codex against a Gemini provider through the engine (issue 10): a
 * Responses client's request written for Gemini, and a Gemini stream
 * written as Responses events.  The old path had no Responses dialect to
 * compare with: these are golden tests, read back as a client would.
 */

#include "test_gemini.h"
#include "agw_codec.h"


/* The engine's driver as its contract says (see test_x_gemini_stream.c). */
__attribute__((weak)) agw_error_t *
agw_stream_error_slot(agw_xstream_t *s)
{
    if (s->error == NULL) {
        s->error = calloc(1, sizeof(agw_error_t));
    }

    return s->error;
}


__attribute__((weak)) int
agw_stream_step(agw_xstream_t *s, const agw_step_t *step)
{
    switch (step->type) {
    case AGW_STEP_USAGE:
        agw_usage_merge(&s->usage, step->usage);
        break;
    case AGW_STEP_END:
        s->provider_done = 1;
        return 0;
    case AGW_STEP_ERROR:
        if (agw_stream_error_slot(s) == NULL) {
            return -1;
        }
        *s->error = *step->error;
        return 0;
    case AGW_STEP_START:
        s->started = 1;
        break;
    default:
        break;
    }

    return s->writer->write_step(s, step);
}


static json_t *
xx_request(const char *body, agw_error_t *err)
{
    char                stack[8192];
    json_t             *j;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_arena_t         a;
    agw_request_t       req;
    agw_request_ctx_t   o;

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("gemini-2.5-pro");
    o.client = AGW_DIALECT_RESPONSES;

    agw_arena_init(&a, stack, sizeof(stack), 0);

    j = NULL;
    if (agw_responses_codec.read_request(body, strlen(body), &a, &req, err)
        == 0
        && agw_gemini_codec.write_request(&req, &o, &out, err) == 0)
    {
        j = json_loadb(out.data, out.len, 0, NULL);
    }

    agw_buf_free(&out);
    agw_arena_free(&a);

    return j;
}


static void
check_request(void)
{
    char        *g, *w;
    json_t      *j, *want;
    agw_error_t  err;

    /* what Codex sends on its second turn: instructions, the user's
     * message, its reasoning (encrypted), the call and its output */
    j = xx_request(
        "{\"model\":\"gpt-5-codex\",\"instructions\":\"You are Codex.\","
        "\"input\":["
        "{\"type\":\"message\",\"role\":\"developer\",\"content\":"
        "[{\"type\":\"input_text\",\"text\":\"<env>linux</env>\"}]},"
        "{\"type\":\"message\",\"role\":\"user\",\"content\":"
        "[{\"type\":\"input_text\",\"text\":\"list files\"}]},"
        "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],"
        "\"encrypted_content\":\"gAAAA\"},"
        "{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_A\","
        "\"name\":\"shell\",\"arguments\":\"{\\\"command\\\":[\\\"ls\\\"]}\"},"
        "{\"type\":\"function_call_output\",\"call_id\":\"call_A\","
        "\"output\":\"a.c\\nb.c\"}],"
        "\"tools\":[{\"type\":\"function\",\"name\":\"shell\","
        "\"description\":\"Runs a command\",\"strict\":false,"
        "\"parameters\":{\"type\":\"object\",\"properties\":{\"command\":"
        "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}}],"
        "\"tool_choice\":\"auto\",\"parallel_tool_calls\":false,"
        "\"reasoning\":{\"effort\":\"medium\",\"summary\":\"auto\"},"
        "\"store\":false,\"stream\":true,"
        "\"include\":[\"reasoning.encrypted_content\"]}", &err);
    if (j == NULL) {
        tap_diag("refused: %s", err.message);
    }

    want = json_loads(
        "{\"contents\":["
        "{\"role\":\"user\",\"parts\":[{\"text\":\"list files\"}]},"
        "{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"shell\","
        "\"args\":{\"command\":[\"ls\"]}},"
        "\"thoughtSignature\":\"skip_thought_signature_validator\"}]},"
        "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":"
        "\"shell\",\"response\":{\"content\":\"a.c\\nb.c\"}}}]}],"
        "\"systemInstruction\":{\"parts\":[{\"text\":\"You are Codex.\"},"
        "{\"text\":\"<env>linux</env>\"}]},"
        "\"tools\":[{\"functionDeclarations\":[{\"name\":\"shell\","
        "\"description\":\"Runs a command\",\"parametersJsonSchema\":"
        "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"array\","
        "\"items\":{\"type\":\"string\"}}}}}]}],"
        "\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"AUTO\"}},"
        "\"generationConfig\":{\"thinkingConfig\":{\"thinkingBudget\":8192,"
        "\"includeThoughts\":true}}}", 0, NULL);

    if (!ok(j != NULL && json_equal(j, want), "Codex's request to Gemini: "
            "instructions and the developer message in systemInstruction, "
            "the call and its output matched by name, encrypted reasoning "
            "not sent"))
    {
        g = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
        tap_diag("got  %s", g ? g : "(null)");
        tap_diag("want %s", w);
        free(g);
        free(w);
    }

    json_decref(j);
    json_decref(want);

    j = xx_request("{\"model\":\"gpt-5-codex\",\"previous_response_id\":"
                   "\"resp_1\",\"input\":\"and then?\"}", &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST
       && strstr(err.message, "previous_response_id") != NULL,
       "previous_response_id to Gemini: a 400 naming it, never a lost "
       "history");
    json_decref(j);
}


typedef struct {
    agw_xstream_t  s;
    agw_arena_t    a;
    char           stack[8192];
    int            rc;
} xx_stream_t;


static int
xx_event(void *ud, const agw_sse_event_t *ev)
{
    int           rc;
    xx_stream_t  *x = ud;

    rc = agw_gemini_codec.read_event(&x->s, ev);
    agw_arena_free(&x->a);
    if (rc != 0) {
        x->rc = -1;
    }

    return rc != 0;
}


/* A Gemini stream to a Responses client: the events Codex reads. */
static void
check_stream(const char *fixture, const char *want_text,
    const char *want_call, const char *want_args)
{
    int                 i, completed, text_ok, call_ok, bad;
    size_t              k;
    json_t             *e, *out, *item, *want, *args;
    events_t            ev;
    agw_buf_t           wire = AGW_BUF_INIT, client = AGW_BUF_INIT;
    xx_stream_t         x;
    agw_sse_parser_t    p;
    const char         *type;

    if (!ok(gm_fixture_wire(fixture, &wire) == 0, "%s read", fixture)) {
        return;
    }

    memset(&x, 0, sizeof(x));
    x.s.reader = &agw_gemini_codec;
    x.s.writer = &agw_responses_codec;
    x.s.rstate = calloc(1, agw_gemini_codec.read_state_size);
    x.s.wstate = calloc(1, agw_responses_codec.write_state_size);
    x.s.arena = &x.a;
    x.s.opts.model = (agw_str_t) agw_str_lit("gpt-5-codex");
    x.s.opts.provider = AGW_DIALECT_GEMINI;
    x.s.opts.created = 1700000000;
    agw_usage_init(&x.s.usage);
    agw_jw_init(&x.s.w, &client);
    agw_arena_init(&x.a, x.stack, sizeof(x.stack), 0);

    agw_sse_init(&p, 0);
    agw_sse_feed(&p, wire.data, wire.len, xx_event, &x);
    agw_sse_free(&p);

    ok(x.rc == 0 && x.s.provider_done, "%s: read to its end", fixture);
    agw_responses_codec.write_end(&x.s);

    completed = text_ok = call_ok = bad = 0;

    if (!ok(events_parse(client.data, client.len, &ev) == 0,
            "%s: the Responses events parse", fixture))
    {
        goto done;
    }

    for (i = 0; i < ev.n; i++) {
        e = json_loads(ev.data[i], 0, NULL);
        if (e == NULL) {
            bad = 1;
            continue;
        }
        type = json_string_value(json_object_get(e, "type"));
        if (type == NULL || strcmp(type, ev.event[i]) != 0) {
            bad = 1;
        }
        if (type != NULL && strcmp(type, "response.completed") == 0) {
            completed = 1;
            out = json_object_get(json_object_get(e, "response"), "output");
            json_array_foreach(out, k, item) {
                type = json_string_value(json_object_get(item, "type"));
                if (type == NULL) {
                    continue;
                }
                if (strcmp(type, "message") == 0 && want_text != NULL) {
                    const char *t = json_string_value(json_object_get(
                        json_array_get(json_object_get(item, "content"), 0),
                        "text"));
                    text_ok = t != NULL && strcmp(t, want_text) == 0;
                }
                if (strcmp(type, "function_call") == 0 && want_call != NULL)
                {
                    args = json_loads(json_string_value(json_object_get(
                                          item, "arguments")), 0, NULL);
                    want = json_loads(want_args, 0, NULL);
                    call_ok = json_is_string(json_object_get(item,
                                                             "call_id"))
                              && strcmp(json_string_value(json_object_get(
                                            item, "name")), want_call) == 0
                              && json_equal(args, want);
                    json_decref(args);
                    json_decref(want);
                }
            }
        }
        json_decref(e);
    }

    ok(!bad, "%s: every event is JSON naming its own type", fixture);
    ok(completed, "%s: the stream ends with response.completed", fixture);
    if (want_text != NULL) {
        ok(text_ok, "%s: the message's whole text", fixture);
    }
    if (want_call != NULL) {
        ok(call_ok, "%s: the whole function call, its arguments a JSON "
           "string of the args object", fixture);
    }

    events_free(&ev);

done:

    agw_gemini_codec.free_read_state(x.s.rstate);
    if (agw_responses_codec.free_write_state != NULL) {
        agw_responses_codec.free_write_state(x.s.wstate);
    }
    free(x.s.rstate);
    free(x.s.wstate);
    free(x.s.error);
    agw_arena_free(&x.a);
    agw_buf_free(&wire);
    agw_buf_free(&client);
}


int
main(void)
{
    check_request();
    check_stream("gemini/stream-function-call.chunks.jsonl", NULL,
                 "customDivide", "{\"denominator\":2,\"numerator\":10}");
    check_stream("gemini/stream-text-usage.chunks.jsonl", NULL, NULL, NULL);

    return done_testing();
}
