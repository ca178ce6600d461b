/*
 * The engine's Gemini codec, whole answers: what is refused, and the
 * form written for a Gemini client.  Every response fixture through
 * every pair is t/golden's (test_golden).
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
    check_refused();
    check_writer();

    return done_testing();
}
