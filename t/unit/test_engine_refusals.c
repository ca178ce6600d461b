/*
 * test_engine_refusals: what the engine refuses between the OpenAI and
 * Anthropic dialects, and how Anthropic names each error class (moved from
 * the first translator's tests onto the engine): an OpenAI request an
 * Anthropic provider cannot take is a 400 whose message says why; an
 * Anthropic answer that is not one is a 502; an answer of empty blocks is
 * an empty answer, not a refusal.
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

    static const struct {
        const char  *body;
        const char  *why;
    } cases[] = {
        { "{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\","
          "\"content\":\"x\"}]}", "n must be 1" },
        { "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
          "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":"
          "\"function\",\"function\":{\"name\":\"f\",\"arguments\":"
          "\"[1,\"}}]}]}", "not a JSON object" },
        { "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{"
          "\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AA==\","
          "\"format\":\"wav\"}}]}]}", "audio" },
        { "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{"
          "\"type\":\"image_url\",\"image_url\":{\"url\":"
          "\"data:image/png,abc\"}}]}]}", "base64" },
        { "{\"model\":\"m\",\"messages\":[{\"role\":\"function\",\"name\":"
          "\"f\",\"content\":\"x\"}]}", "\"function\"" },
        { "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":"
          "\"x\"}]}", "no message" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&err, 0, sizeof(err));
        memset(&ctx, 0, sizeof(ctx));
        ctx.model = agw_str_bytes("up", 2);
        ctx.default_max_tokens = 1000;
        ctx.client = AGW_DIALECT_OPENAI;
        out.len = 0;

        rc = agw_engine_request(AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC,
                                cases[i].body, strlen(cases[i].body), &ctx,
                                &out, &err);
        ok(rc == -1 && err.cls == AGW_ERR_INVALID_REQUEST
           && err.status == 400 && strstr(err.message, cases[i].why) != NULL,
           "an OpenAI request for Anthropic refused with a 400 saying why: "
           "%s (%s)", cases[i].why, err.message);
    }

    agw_buf_free(&out);
}


static int
answer(const char *body, agw_buf_t *out, agw_error_t *err)
{
    agw_usage_t       usage;
    agw_answer_ctx_t  ctx;

    memset(err, 0, sizeof(*err));
    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("cm", 2);
    ctx.provider = AGW_DIALECT_ANTHROPIC;
    out->len = 0;

    return agw_engine_response(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI,
                               body, strlen(body), &ctx, out, &usage, err);
}


static void
check_answers(void)
{
    int          rc;
    agw_buf_t    out = AGW_BUF_INIT;
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


int
main(void)
{
    check_requests();
    check_answers();
    check_error_types();

    return done_testing();
}
