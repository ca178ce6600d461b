/*
 * test_engine_refusals: what the engine refuses between the OpenAI,
 * Anthropic and Gemini dialects, and how Anthropic and Gemini name each
 * error class (moved from the first translator's tests onto the engine):
 * a request the other side cannot take is a 400 whose message says why;
 * an answer that is not one is a 502; an answer of empty blocks, or a
 * prompt Gemini blocked, is an answer, not a refusal.
 */

#include "tap.h"
#include "agw_engine.h"


static void
check_requests(void)
{
    int                 rc;
    size_t              i;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_error_t         err;
    agw_request_ctx_t   ctx;

#define OAI  AGW_DIALECT_OPENAI
#define ANT  AGW_DIALECT_ANTHROPIC
#define GEM  AGW_DIALECT_GEMINI

    static const struct {
        agw_dialect_t   client;
        agw_dialect_t   provider;
        const char     *body;
        const char     *why;
    } cases[] = {
        { OAI, ANT, "{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\","
          "\"content\":\"x\"}]}", "n must be 1" },
        { OAI, ANT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
          "\"content\":\"x\"},{\"role\":\"assistant\",\"tool_calls\":[{"
          "\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":"
          "\"f\",\"arguments\":\"[1,\"}}]}]}", "not a JSON object" },
        { OAI, ANT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
          "\"content\":[{\"type\":\"input_audio\",\"input_audio\":{"
          "\"data\":\"AA==\",\"format\":\"wav\"}}]}]}", "audio" },
        { OAI, ANT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
          "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
          "\"data:image/png,abc\"}}]}]}", "base64" },
        { OAI, ANT, "{\"model\":\"m\",\"messages\":[{\"role\":"
          "\"function\",\"name\":\"f\",\"content\":\"x\"}]}", "\"function\"" },
        { OAI, ANT, "{\"model\":\"m\",\"messages\":[{\"role\":\"system\","
          "\"content\":\"x\"}]}", "no message" },
        { GEM, OAI, "{\"contents\":{}}", "must be an array" },
        { GEM, OAI, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":"
          "\"x\"}]}],\"tools\":[{\"googleSearch\":{}}]}", "googleSearch" },
        { GEM, OAI, "{\"contents\":[{\"role\":\"user\",\"parts\":[{"
          "\"fileData\":{\"mimeType\":\"video/mp4\",\"fileUri\":"
          "\"gs://a/b\"}}]}]}", "video/mp4" },
        { GEM, OAI, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":"
          "\"x\"}]}],\"cachedContent\":\"cachedContents/abc\"}",
          "cachedContent" },
        { GEM, OAI, "{\"contents\":[{\"role\":\"system\",\"parts\":[{"
          "\"text\":\"x\"}]}]}", "\"system\"" },
        { GEM, OAI, "{\"contents\":[{\"role\":\"model\",\"parts\":[{"
          "\"executableCode\":{\"code\":\"1\"}}]}]}", "code execution" },
        { GEM, OAI, "{\"contents\":[{\"role\":\"model\",\"parts\":[{"
          "\"functionCall\":{\"args\":{}}}]}]}", "needs a name" },
        { OAI, GEM, "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":"
          "[{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":"
          "\"f\",\"arguments\":\"{broken\"}}]}]}", "not a JSON object" },
        { OAI, GEM, "{\"messages\":[{\"role\":\"tool\",\"tool_call_id\":"
          "\"nope\",\"content\":\"x\"}]}", "answers no tool call" },
        { OAI, GEM, "{\"messages\":[{\"role\":\"user\",\"content\":[{"
          "\"type\":\"image_url\",\"image_url\":{\"url\":"
          "\"data:image/png,abc\"}}]}]}", "base64" },
        { OAI, GEM, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
          "\"tools\":[{\"type\":\"web_search\"}]}", "only function tools" },
        { OAI, GEM, "{\"messages\":[{\"role\":\"system\",\"content\":[{"
          "\"type\":\"image_url\",\"image_url\":{\"url\":"
          "\"https://x/y.png\"}}]}]}", "only text" },
        { OAI, GEM, "{\"messages\":[{\"role\":\"user\",\"content\":[{"
          "\"type\":\"text\"}]}]}", "text: required" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&err, 0, sizeof(err));
        memset(&ctx, 0, sizeof(ctx));
        ctx.model = agw_str_bytes("up", 2);
        ctx.default_max_tokens = 1000;
        ctx.client = cases[i].client;
        out.len = 0;

        rc = agw_engine_request(cases[i].client, cases[i].provider,
                                cases[i].body, strlen(cases[i].body), &ctx,
                                &out, &err);
        ok(rc == -1 && err.cls == AGW_ERR_INVALID_REQUEST
           && err.status == 400 && strstr(err.message, cases[i].why) != NULL,
           "%s request for %s refused with a 400 saying why: %s (%s)",
           agw_dialect_name(cases[i].client),
           agw_dialect_name(cases[i].provider), cases[i].why, err.message);
    }

    agw_buf_free(&out);
}


static int
answer_of(agw_dialect_t p, agw_dialect_t c, const char *body, agw_buf_t *out,
    agw_usage_t *usage, agw_error_t *err)
{
    agw_answer_ctx_t  ctx;

    memset(err, 0, sizeof(*err));
    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("cm", 2);
    ctx.provider = p;
    agw_usage_init(usage);
    out->len = 0;

    return agw_engine_response(p, c, body, strlen(body), &ctx, out, usage,
                               err);
}


static int
answer(const char *body, agw_buf_t *out, agw_error_t *err)
{
    agw_usage_t  usage;

    return answer_of(ANT, OAI, body, out, &usage, err);
}


static void
check_answers(void)
{
    int          rc;
    agw_buf_t    out = AGW_BUF_INIT;
    agw_usage_t  usage;
    agw_error_t  err;

    rc = answer("{\"id\":\"msg_1\",\"model\":\"c\",\"content\":[{\"type\":"
                "\"thinking\",\"thinking\":\"\",\"signature\":\"s\"},{\"type\":"
                "\"text\",\"text\":\"\"}],\"stop_reason\":\"max_tokens\","
                "\"usage\":{\"input_tokens\":3,\"output_tokens\":9}}",
                &out, &err);
    ok(rc == 0 && agw_buf_append(&out, "", 1) == 0
       && strstr(out.data, "\"content\":\"\"") != NULL
       && strstr(out.data, "\"signature\":\"s\"") != NULL
       && strstr(out.data, "\"finish_reason\":\"length\"") != NULL,
       "empty text and thinking: an empty answer, its signature kept, "
       "finish length");

    rc = answer("{\"id\":\"msg_1\",\"model\":\"c\",\"content\":\"x\","
                "\"stop_reason\":\"end_turn\"}", &out, &err);
    ok(rc == -1 && err.cls == AGW_ERR_BAD_GATEWAY
       && strstr(err.message, "content") != NULL,
       "content not an array: a 502 naming it (%s)", err.message);

    rc = answer("{\"id\":\"msg_1\",\"model\":\"c\",\"content\":[{\"type\":"
                "\"mystery\"}],\"stop_reason\":\"end_turn\"}", &out, &err);
    ok(rc == -1 && err.cls == AGW_ERR_BAD_GATEWAY
       && strstr(err.message, "mystery") != NULL,
       "an unknown block type: a 502 naming it (%s)", err.message);

    rc = answer_of(GEM, OAI, "{\"promptFeedback\":{\"blockReason\":"
                   "\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":5,"
                   "\"totalTokenCount\":5}}", &out, &usage, &err);
    ok(rc == 0 && usage.input == 5 && agw_buf_append(&out, "", 1) == 0
       && strstr(out.data, "\"finish_reason\":\"content_filter\"") != NULL,
       "a prompt Gemini blocked: content_filter, its prompt tokens");

    rc = answer_of(GEM, OAI, "{\"candidates\":[]}", &out, &usage, &err);
    ok(rc == -1 && err.cls == AGW_ERR_BAD_GATEWAY,
       "no candidates and no block reason: a 502 (%s)", err.message);

    rc = answer_of(GEM, OAI, "<html>", &out, &usage, &err);
    ok(rc == -1 && err.cls == AGW_ERR_BAD_GATEWAY, "not JSON: a 502");

    rc = answer_of(OAI, GEM, "{\"choices\":[{\"index\":0,\"message\":{"
                   "\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"x\","
                   "\"type\":\"function\",\"function\":{\"name\":\"f\","
                   "\"arguments\":\"{\\\"a\\\":\"}}]},\"finish_reason\":"
                   "\"tool_calls\"}]}", &out, &usage, &err);
    ok(rc == -1 && err.cls == AGW_ERR_BAD_GATEWAY,
       "a provider's broken tool arguments for Gemini: a 502, not a corrupt "
       "call (%s)", err.message);

    agw_buf_free(&out);
}


static void
check_error_types(void)
{
    size_t       i;
    char         want[96];
    agw_buf_t    out = AGW_BUF_INIT;
    agw_error_t  err;

    static const struct {
        agw_err_class_t   cls;
        const char       *type;
    } types[] = {
        { AGW_ERR_INVALID_REQUEST, "invalid_request_error" },
        { AGW_ERR_AUTHENTICATION, "authentication_error" },
        { AGW_ERR_PERMISSION, "permission_error" },
        { AGW_ERR_NOT_FOUND, "not_found_error" },
        { AGW_ERR_TOO_LARGE, "request_too_large" },
        { AGW_ERR_RATE_LIMIT, "rate_limit_error" },
        { AGW_ERR_SERVER, "api_error" },
        { AGW_ERR_OVERLOADED, "overloaded_error" },
    };

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        agw_error_set(&err, types[i].cls, 0, "c", "m");
        out.len = 0;
        snprintf(want, sizeof(want), "{\"type\":\"error\",\"error\":{\"type\":"
                 "\"%s\",\"message\":\"m\"}}", types[i].type);

        ok(agw_codec_of(AGW_DIALECT_ANTHROPIC)->write_error(&err, &out) == 0
           && out.len == strlen(want) && memcmp(out.data, want, out.len) == 0,
           "Anthropic's error type for class %d: %s", (int) types[i].cls,
           types[i].type);
        if (out.len != strlen(want)) {
            tap_diag("got %.*s", (int) out.len, out.data);
        }
    }

    agw_buf_free(&out);
}


static void
check_gemini_statuses(void)
{
    size_t       i;
    char         want[128];
    agw_buf_t    out = AGW_BUF_INIT;
    agw_error_t  err;

    static const struct {
        agw_err_class_t   cls;
        int               code;
        const char       *status;
    } st[] = {
        { AGW_ERR_INVALID_REQUEST, 400, "INVALID_ARGUMENT" },
        { AGW_ERR_AUTHENTICATION, 401, "UNAUTHENTICATED" },
        { AGW_ERR_PERMISSION, 403, "PERMISSION_DENIED" },
        { AGW_ERR_NOT_FOUND, 404, "NOT_FOUND" },
        { AGW_ERR_RATE_LIMIT, 429, "RESOURCE_EXHAUSTED" },
        { AGW_ERR_SERVER, 500, "INTERNAL" },
        { AGW_ERR_OVERLOADED, 503, "UNAVAILABLE" },
        { AGW_ERR_TIMEOUT, 504, "DEADLINE_EXCEEDED" },
    };

    for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
        agw_error_set(&err, st[i].cls, 0, "c", "m \"q\"");
        out.len = 0;
        snprintf(want, sizeof(want), "{\"error\":{\"code\":%d,\"message\":"
                 "\"m \\\"q\\\"\",\"status\":\"%s\"}}", st[i].code,
                 st[i].status);

        ok(agw_codec_of(GEM)->write_error(&err, &out) == 0
           && out.len == strlen(want) && memcmp(out.data, want, out.len) == 0,
           "Google's error for class %d: code %d, status %s, message "
           "escaped", (int) st[i].cls, st[i].code, st[i].status);
    }

    agw_buf_free(&out);
}


int
main(void)
{
    check_requests();
    check_answers();
    check_error_types();
    check_gemini_statuses();

    return done_testing();
}
