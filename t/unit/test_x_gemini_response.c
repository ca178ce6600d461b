/*
 * The engine's Gemini codec, whole answers: a provider's answer read into
 * the form, against the old path (Gemini -> hub) on every response
 * fixture; the form written for a Gemini client, against the old path
 * (Gemini -> hub -> Gemini); what is refused.
 */

#include "x_gemini.h"


static int
xr_read(const char *body, size_t len, agw_arena_t *a, agw_response_t *res,
    agw_error_t *err)
{
    return agw_gemini_codec.read_response(body, len, a, res, err);
}


static json_t *
xr_write(const agw_response_t *res, agw_dialect_t provider, agw_error_t *err)
{
    json_t            *j;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_answer_ctx_t   o;

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("my-model");
    o.provider = provider;

    j = NULL;
    if (agw_gemini_codec.write_response(res, &o, &out, err) == 0) {
        j = json_loadb(out.data, out.len, 0, NULL);
        if (j == NULL) {
            tap_diag("not JSON: %.*s", (int) out.len, out.data);
        }
    }
    agw_buf_free(&out);

    return j;
}


/* The form as the hub's message said it: content and reasoning joined,
 * tool calls, finish. */
static json_t *
xr_as_hub(const agw_response_t *res)
{
    char              *t;
    json_t            *msg, *tcs;
    agw_buf_t          text = AGW_BUF_INIT, reasoning = AGW_BUF_INIT;
    const agw_part_t  *p;
    int                has_text;

    msg = json_object();
    tcs = json_array();
    has_text = 0;

    for (p = res->parts; p != NULL; p = p->next) {
        t = NULL;
        switch (p->type) {
        case AGW_PART_TEXT:
            has_text = 1;
            t = xg_chars(&p->text);
            agw_buf_append_str(&text, t);
            break;
        case AGW_PART_THINKING:
            t = xg_chars(&p->text);
            agw_buf_append_str(&reasoning, t);
            break;
        case AGW_PART_TOOL_CALL:
            {
                char  *id = xg_chars(&p->id), *name = xg_chars(&p->name);

                json_array_append_new(tcs, json_pack("{s:s, s:s, s:o}",
                    "id", id, "name", name, "args",
                    json_loadb(p->args.data, p->args.len, 0, NULL)));
                free(id);
                free(name);
            }
            break;
        default:
            break;
        }
        free(t);
    }

    json_object_set_new(msg, "content", has_text
                        ? json_stringn(text.data ? text.data : "", text.len)
                        : json_null());
    if (reasoning.len > 0) {
        json_object_set_new(msg, "reasoning_content",
                            json_stringn(reasoning.data, reasoning.len));
    }
    json_object_set_new(msg, "tool_calls", tcs);
    json_object_set_new(msg, "finish_reason",
                        json_string(xg_finish_openai(res->finish)));

    agw_buf_free(&text);
    agw_buf_free(&reasoning);

    return msg;
}


/* The old hub's first choice said the same way. */
static json_t *
xr_old_hub(const json_t *hub)
{
    size_t   i;
    json_t  *choice, *m, *msg, *tcs, *tc, *fn;

    choice = json_array_get(json_object_get(hub, "choices"), 0);
    m = json_object_get(choice, "message");

    msg = json_object();
    tcs = json_array();
    json_object_set(msg, "content", json_object_get(m, "content"));
    if (json_object_get(m, "reasoning_content") != NULL) {
        json_object_set(msg, "reasoning_content",
                        json_object_get(m, "reasoning_content"));
    }
    json_array_foreach(json_object_get(m, "tool_calls"), i, tc) {
        fn = json_object_get(tc, "function");
        json_array_append_new(tcs, json_pack("{s:O, s:O, s:o}",
            "id", json_object_get(tc, "id"),
            "name", json_object_get(fn, "name"),
            "args", json_loads(json_string_value(
                        json_object_get(fn, "arguments")), 0, NULL)));
    }
    json_object_set_new(msg, "tool_calls", tcs);
    json_object_set(msg, "finish_reason",
                    json_object_get(choice, "finish_reason"));

    return msg;
}


static void
check_fixture(const char *name)
{
    char                 stack[8192], *body;
    size_t               len;
    json_t              *hub, *mine, *theirs, *n, *o;
    agw_buf_t            out = AGW_BUF_INIT, back = AGW_BUF_INIT;
    agw_arena_t          a;
    agw_error_t          err, oerr;
    agw_usage_t          usage;
    agw_response_t       res;
    agw_response_opts_t  ro = { "my-model" };

    body = fixture_read(name, &len);
    if (!ok(body != NULL, "%s read", name)) {
        return;
    }

    agw_arena_init(&a, stack, sizeof(stack), 0);

    agw_usage_init(&usage);
    memset(&oerr, 0, sizeof(oerr));
    agw_translate_response(AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, body, len,
                           &ro, &out, &usage, &oerr);
    hub = json_loadb(out.data, out.len, 0, NULL);

    if (!ok(xr_read(body, len, &a, &res, &err) == 0, "%s: read", name)) {
        tap_diag("%s", err.message);
        goto done;
    }

    mine = xr_as_hub(&res);
    theirs = xr_old_hub(hub);
    xg_json_eq(mine, theirs, "the answer the old path gave");
    json_decref(mine);
    json_decref(theirs);

    ok(memcmp(&res.usage, &usage, sizeof(usage)) == 0, "%s: the usage",
       name);

    /* written back for a Gemini client, against Gemini -> hub -> Gemini */
    n = xr_write(&res, AGW_DIALECT_GEMINI, &err);
    memset(&oerr, 0, sizeof(oerr));
    agw_translate_response(AGW_DIALECT_OPENAI, AGW_DIALECT_GEMINI, out.data,
                           out.len, &ro, &back, NULL, &oerr);
    o = json_loadb(back.data, back.len, 0, NULL);
    xg_join_text(json_object_get(json_object_get(json_array_get(
        json_object_get(n, "candidates"), 0), "content"), "parts"));
    /* without a responseId the old path wrote "" */
    if (json_string_length(json_object_get(o, "responseId")) == 0) {
        json_object_del(o, "responseId");
    }
    xg_json_eq(n, o, "written back as the old path writes it");
    json_decref(n);
    json_decref(o);

done:

    json_decref(hub);
    agw_buf_free(&out);
    agw_buf_free(&back);
    agw_arena_free(&a);
    free(body);
}


static void
check_refused(void)
{
    size_t          i;
    char            stack[4096];
    const char     *body;
    agw_arena_t     a;
    agw_error_t     err;
    agw_response_t  res;

    static const struct {
        const char  *body;
        const char  *code;
    } cases[] = {
        { "{\"candidates\":[]}", "invalid_upstream_body" },
        { "{\"usageMetadata\":{\"promptTokenCount\":3}}",
          "invalid_upstream_body" },
        { "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":"
          "{\"name\":\"f\",\"willContinue\":true}}]}}]}", "unsupported_part" },
        { "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":"
          "{\"args\":{}}}]}}]}", "unsupported_part" },
        { "{\"candidates\":[{\"content\":", "invalid_upstream_body" },
        { "[]", "invalid_upstream_body" },
        { "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":3}]}}]}",
          "invalid_upstream_body" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        agw_arena_init(&a, stack, sizeof(stack), 0);
        if (!ok(xr_read(cases[i].body, strlen(cases[i].body), &a, &res,
                        &err) == -1
                && err.cls == AGW_ERR_BAD_GATEWAY
                && strcmp(err.code, cases[i].code) == 0,
                "a bad answer is a 502 %s (%zu)", cases[i].code, i))
        {
            tap_diag("cls %d code %s: %s", err.cls, err.code, err.message);
        }
        agw_arena_free(&a);
    }

    agw_arena_init(&a, stack, sizeof(stack), 0);
    body = "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}";
    ok(xr_read(body, strlen(body), &a, &res, &err) == 0
       && res.blocked && res.finish == AGW_FINISH_CONTENT_FILTER
       && res.parts == NULL, "a blocked prompt: no parts, a content filter");
    agw_arena_free(&a);

    agw_arena_init(&a, stack, sizeof(stack), 0);
    body = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]},"
           "\"index\":0},{\"content\":{\"parts\":[{\"text\":\"b\"}]},"
           "\"index\":1,\"finishReason\":\"MAX_TOKENS\"}],"
           "\"createTime\":\"2026-04-02T17:03:50.399550Z\"}";
    ok(xr_read(body, strlen(body), &a, &res, &err) == 0
       && res.parts != NULL && res.parts->next == NULL
       && res.parts->text.len == 1 && res.parts->text.data[0] == 'a'
       && res.finish == AGW_FINISH_STOP && res.created == 1775149430,
       "the first candidate only; Vertex's createTime");
    agw_arena_free(&a);
}


static void
check_writer(void)
{
    json_t          *j;
    agw_part_t       think, text, call;
    agw_error_t      err;
    agw_response_t   res;

    memset(&res, 0, sizeof(res));
    agw_usage_init(&res.usage);
    res.created = -1;

    j = xr_write(&res, AGW_DIALECT_OPENAI, &err);
    xg_json_is(j, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}],"
               "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
               "\"modelVersion\":\"my-model\"}",
               "an answer without parts gets an empty text part");
    json_decref(j);

    memset(&think, 0, sizeof(think));
    think.type = AGW_PART_THINKING;
    think.text = (agw_str_t) agw_str_lit("hmm");
    think.signature = (agw_str_t) agw_str_lit("anthropic-sig");
    memset(&text, 0, sizeof(text));
    text.type = AGW_PART_TEXT;
    text.text = (agw_str_t) agw_str_lit("calling");
    memset(&call, 0, sizeof(call));
    call.type = AGW_PART_TOOL_CALL;
    call.id = (agw_str_t) agw_str_lit("toolu_1");
    call.name = (agw_str_t) agw_str_lit("f");
    call.args = (agw_str_t) agw_str_lit("");
    call.args_string = 1;
    res.parts = &think;
    think.next = &text;
    text.next = &call;
    res.finish = AGW_FINISH_TOOL_CALLS;
    res.id = (agw_str_t) agw_str_lit("msg_1");
    res.usage.input = 7;
    res.usage.output = 9;
    res.usage.reasoning = 4;
    res.usage.cache_read = 2;

    j = xr_write(&res, AGW_DIALECT_ANTHROPIC, &err);
    xg_json_is(j, "{\"candidates\":[{\"content\":{\"parts\":["
               "{\"text\":\"hmm\",\"thought\":true},{\"text\":\"calling\"},"
               "{\"functionCall\":{\"name\":\"f\",\"args\":{},"
               "\"id\":\"toolu_1\"}}],\"role\":\"model\"},"
               "\"finishReason\":\"STOP\",\"index\":0}],"
               "\"usageMetadata\":{\"promptTokenCount\":7,"
               "\"candidatesTokenCount\":5,\"totalTokenCount\":16,"
               "\"cachedContentTokenCount\":2,\"thoughtsTokenCount\":4},"
               "\"modelVersion\":\"my-model\",\"responseId\":\"msg_1\"}",
               "thoughts, text and a whole call; no Anthropic signature; "
               "usage as Gemini counts it");
    json_decref(j);

    call.args = (agw_str_t) agw_str_lit("not json");
    j = xr_write(&res, AGW_DIALECT_OPENAI, &err);
    ok(j == NULL && err.cls == AGW_ERR_BAD_GATEWAY
       && strcmp(err.code, "invalid_arguments") == 0,
       "arguments that are not an object: a 502, never a corrupt call");
    json_decref(j);
}


int
main(void)
{
    check_fixture("gemini/response-after-function-response.json");
    check_fixture("gemini/response-cached-content-usage.json");
    check_fixture("gemini/response-function-call-thought-signature.json");
    check_fixture("gemini/response-function-call.json");
    check_fixture("gemini/response-text-thoughts.json");
    check_fixture("gemini/response-thought-part.json");
    check_refused();
    check_writer();

    return done_testing();
}
