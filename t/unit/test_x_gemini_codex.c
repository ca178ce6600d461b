/*
 * Codex against a Gemini provider through the engine: a
 * Responses client's request written for Gemini, and a Gemini stream
 * written as Responses events.  The old path had no Responses dialect to
 * compare with: these are golden tests, read back as a client would.
 */

#include "x_gemini.h"


static json_t *
xx_request(const char *body, agw_error_t *err)
{
    return xg_request(RSP, GEM, body, strlen(body), err);
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


/* A Gemini stream to a Responses client: the events Codex reads. */
static void
check_stream(const char *fixture, const char *want_text,
    const char *want_call, const char *want_args)
{
    int                 i, completed, text_ok, call_ok, bad;
    size_t              k;
    json_t             *e, *out, *item, *want, *args;
    events_t            ev;
    agw_buf_t           wire = AGW_BUF_INIT;
    xg_stream_t         x;
    const char         *type;

    if (!ok(gm_fixture_wire(fixture, &wire) == 0, "%s read", fixture)) {
        return;
    }

    xg_stream_open(&x, &agw_gemini_codec, &agw_responses_codec,
                   AGW_DIALECT_GEMINI, "gpt-5-codex");
    xg_stream_feed(&x, wire.data, wire.len);
    ok(x.rc == 0 && x.s.provider_done, "%s: read to its end", fixture);
    xg_stream_close(&x);

    completed = text_ok = call_ok = bad = 0;

    if (!ok(events_parse(x.out.data, x.out.len, &ev) == 0,
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

    agw_buf_free(&wire);
    agw_buf_free(&x.out);
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
