/*
 * Anthropic responses and errors: each Anthropic response fixture to the
 * hub (and to an OpenAI client) and back; OpenAI's responses to an
 * Anthropic client; usage normalised with nothing counted twice; error
 * bodies both ways with the statuses a client's SDK retries on.
 */

#include "test_anthropic.h"


#define A  AGW_DIALECT_ANTHROPIC
#define O  AGW_DIALECT_OPENAI


/* What an Anthropic client gets back: the original without the fields no
 * other dialect has (documented). */
static void
normalise(json_t *res)
{
    size_t   i;
    json_t  *b, *u;

    json_array_foreach(json_object_get(res, "content"), i, b) {
        json_object_del(b, "caller");
    }

    u = json_object_get(res, "usage");
    json_object_del(u, "cache_creation");
    json_object_del(u, "service_tier");
    json_object_del(u, "inference_geo");
    json_object_del(res, "context_management");
}


/*
 * An Anthropic response: to the hub (checked whole), then back out for an
 * Anthropic client, equal to the original but for the documented drops.
 */
static void
test_round_trip(const char *fixture, const char *want_hub)
{
    char                  name[256];
    json_t               *in, *hub, *back;
    agw_usage_t           u;
    agw_error_t           err;
    agw_response_opts_t   o;

    memset(&err, 0, sizeof(err));
    snprintf(name, sizeof(name), "anthropic-messages/%s", fixture);
    in = fixture_json(name);
    if (!ok(in != NULL, "%s: read", fixture)) {
        return;
    }

    agw_usage_init(&u);
    hub = agw_anthropic_ops.response_to_hub(in, &u, &err);
    snprintf(name, sizeof(name), "%s -> hub", fixture);
    is_json(hub, want_hub, name);

    o.model = json_string_value(json_object_get(in, "model"));
    back = hub ? agw_anthropic_ops.response_from_hub(hub, &o, &err) : NULL;

    normalise(in);
    snprintf(name, sizeof(name), "%s -> hub -> anthropic: as sent", fixture);
    is_json_j(back, in, name);

    json_decref(in);
    json_decref(hub);
    json_decref(back);
}


/* A whole body through agw_translate_response(); the output parsed. */
static json_t *
translate(agw_dialect_t p, agw_dialect_t c, const char *fixture,
    const char *model, agw_usage_t *u)
{
    char                 *body;
    size_t                len;
    json_t               *j;
    agw_buf_t             out = AGW_BUF_INIT;
    agw_error_t           err;
    agw_response_opts_t   o;

    memset(&err, 0, sizeof(err));
    o.model = model;
    agw_usage_init(u);

    body = fixture_read(fixture, &len);
    if (body == NULL) {
        return NULL;
    }

    j = NULL;
    if (agw_translate_response(p, c, body, len, &o, &out, u, &err) == 0) {
        j = json_loadb(out.data, out.len, 0, NULL);
    } else {
        tap_diag("%s: %s", fixture, err.message);
    }

    free(body);
    agw_buf_free(&out);
    return j;
}


static void
test_to_openai_client(void)
{
    json_t       *j;
    agw_usage_t   u;

    j = translate(A, O, "anthropic-messages/response-tool-use.json",
                  "my-model", &u);
    is_str(json_string_value(json_object_get(j, "model")), "my-model",
           "openai client: model is the one it asked for");
    is_json(json_object_get(json_array_get(json_object_get(j, "choices"), 0),
                            "message"),
        "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
        "\"toolu_01A9HHF5Ezy3oBrKmSgfASm9\",\"type\":\"function\","
        "\"function\":{\"name\":\"get_weather\",\"arguments\":"
        "\"{\\\"location\\\":\\\"San Francisco, CA\\\",\\\"units\\\":"
        "\\\"f\\\"}\"}}]}",
        "openai client: tool_use -> tool_calls, arguments a JSON string");
    is_str(json_string_value(json_object_get(json_array_get(
               json_object_get(j, "choices"), 0), "finish_reason")),
           "tool_calls", "openai client: tool_use -> finish tool_calls");
    is_int(json_integer_value(json_object_get(json_object_get(j, "usage"),
                                              "prompt_tokens")), 656,
           "openai client: prompt_tokens");
    is_int(u.input, 656, "usage: input");
    is_int(u.output, 74, "usage: output");
    json_decref(j);
}


static void
test_from_openai(const char *fixture, const char *want)
{
    char          name[256];
    json_t       *j;
    agw_usage_t   u;

    snprintf(name, sizeof(name), "openai-chat/%s", fixture);
    j = translate(O, A, name, "claude-alias", &u);
    snprintf(name, sizeof(name), "openai %s -> anthropic client", fixture);
    is_json(j, want, name);
    json_decref(j);
}


/* Anthropic's input_tokens leaves cache reads and writes out; the
 * normalised input holds them, once; and back out for Anthropic. */
static void
test_cache_usage(void)
{
    int                   i;
    char                 *text, *line, *nl;
    size_t                len;
    json_t               *res, *hub, *back;
    agw_usage_t           u;
    agw_error_t           err;
    agw_response_opts_t   o = { "c" };

    static const int64_t  want[2][3] = {
        { 21 + 188086, 0, 188086 },     /* input, cache read, cache write */
        { 21 + 188086, 188086, 0 },
    };

    text = fixture_read("anthropic-messages/usage-cache.documented.jsonl",
                        &len);
    if (!ok(text != NULL, "usage fixture")) {
        return;
    }

    for (i = 0, line = text; i < 2 && (nl = strchr(line, '\n')); i++) {
        *nl = '\0';
        res = json_pack("{s:s, s:[{s:s, s:s}], s:s, s:o}", "id", "msg_1",
                        "content", "type", "text", "text", "x",
                        "stop_reason", "end_turn",
                        "usage", json_loads(line, 0, NULL));
        memset(&err, 0, sizeof(err));
        agw_usage_init(&u);
        hub = agw_anthropic_ops.response_to_hub(res, &u, &err);

        is_int(u.input, want[i][0], "cache usage: input includes the cache");
        is_int(u.cache_read, want[i][1], "cache usage: cache read");
        is_int(u.cache_write, want[i][2], "cache usage: cache write");
        is_int(u.output, 393, "cache usage: output");
        is_int(json_integer_value(json_object_get(json_object_get(hub,
                   "usage"), "prompt_tokens")), want[i][0],
               "hub prompt_tokens includes cache reads and writes");

        back = agw_anthropic_ops.response_from_hub(hub, &o, &err);
        is_json(json_object_get(back, "usage"), line,
                "cache usage: back to Anthropic's numbers, unchanged");

        json_decref(res);
        json_decref(hub);
        json_decref(back);
        line = nl + 1;
    }

    free(text);
}


/* Provider errors reach the client in its dialect, with the status its
 * SDK expects. */
static void
test_errors(void)
{
    size_t        i;
    int           status;
    char         *body;
    size_t        len;
    json_t       *j, *in;
    agw_buf_t     out = AGW_BUF_INIT;
    agw_error_t   err;

    static const struct {
        const char  *fixture;
        int          status;
        int          client_status;
        const char  *openai_type;
        const char  *message;
    } from_anthropic[] = {
        { "error-400-invalid-request.json", 400, 400, "invalid_request_error",
          "messages.0.content.1: unexpected `tool_use_id` found in "
          "`tool_result` blocks: toolu_01GHndag5wQmbzNihYmV2UBj. Each "
          "`tool_result` block must have a corresponding `tool_use` block in "
          "the previous message." },
        { "error-401-authentication.json", 401, 401, NULL,
          "invalid x-api-key" },
        { "error-429-rate-limit.json", 429, 429, NULL, NULL },
        /* 529 is Anthropic's alone: OpenAI clients retry a 503 */
        { "error-529-overloaded.json", 529, 503, NULL, "Overloaded" },
    };

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
        { AGW_ERR_BAD_GATEWAY, "api_error" },
        { AGW_ERR_OVERLOADED, "overloaded_error" },
        { AGW_ERR_TIMEOUT, "api_error" },
    };

    for (i = 0; i < sizeof(from_anthropic) / sizeof(from_anthropic[0]); i++) {
        char  name[256];

        snprintf(name, sizeof(name), "anthropic-messages/%s",
                 from_anthropic[i].fixture);
        body = fixture_read(name, &len);
        if (!ok(body != NULL, "%s", name)) {
            continue;
        }

        agw_buf_reset(&out);
        status = 0;
        (void) agw_translate_error(A, O, from_anthropic[i].status, body, len,
                                   &status, &out);
        j = json_loadb(out.data, out.len, 0, NULL);
        is_int(status, from_anthropic[i].client_status,
               "anthropic error -> openai status");
        if (from_anthropic[i].message) {
            is_str(json_string_value(json_object_get(json_object_get(j,
                       "error"), "message")), from_anthropic[i].message,
                   "anthropic error -> openai: message kept");
        }
        json_decref(j);

        /* Anthropic client: the provider's body as it was */
        agw_buf_reset(&out);
        (void) agw_translate_error(A, A, from_anthropic[i].status, body, len,
                                   &status, &out);
        ok(status == from_anthropic[i].status && out.len == len
           && memcmp(out.data, body, len) == 0,
           "anthropic error -> anthropic client: unchanged");

        /* the parser reads Anthropic's shape */
        memset(&err, 0, sizeof(err));
        err.cls = agw_error_class_of_status(from_anthropic[i].status);
        agw_anthropic_ops.error_parse(body, len, &err);
        j = json_loadb(body, len, 0, NULL);
        is_str(err.code, json_string_value(json_object_get(json_object_get(j,
                   "error"), "type")), "error_parse: code is error.type");
        json_decref(j);
        free(body);
    }

    /* OpenAI's 429 to an Anthropic client */
    body = fixture_read("openai-chat/error-429-rate-limit.json", &len);
    agw_buf_reset(&out);
    (void) agw_translate_error(O, A, 429, body, len, &status, &out);
    j = json_loadb(out.data, out.len, 0, NULL);
    is_int(status, 429, "openai 429 -> anthropic status");
    is_str(json_string_value(json_object_get(j, "type")), "error",
           "openai 429 -> anthropic: type error");
    is_str(json_string_value(json_object_get(json_object_get(j, "error"),
                                             "type")),
           "rate_limit_error", "openai 429 -> anthropic: rate_limit_error");
    ok(strncmp(json_string_value(json_object_get(json_object_get(j, "error"),
                   "message")), "Rate limit reached for 10KTPM", 29) == 0,
       "openai 429 -> anthropic: message kept");
    json_decref(j);
    free(body);

    /* an overloaded Gemini or OpenAI upstream is a 529 to Anthropic SDKs */
    agw_buf_reset(&out);
    (void) agw_translate_error(O, A, 503, "{\"error\":{\"message\":\"busy\"}}",
                               29, &status, &out);
    is_int(status, 529, "503 -> anthropic 529");
    ok(strstr(out.data, "\"overloaded_error\"") != NULL,
       "503 -> overloaded_error");

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        memset(&err, 0, sizeof(err));
        agw_error_set(&err, types[i].cls, 0, "x", "m%zu", i);
        agw_buf_reset(&out);
        is_int(agw_error_body(A, &err, &out), 0, "error_body");
        j = json_loadb(out.data, out.len, 0, NULL);
        in = json_pack("{s:s, s:{s:s, s:s}}", "type", "error", "error",
                       "type", types[i].type, "message", err.message);
        is_json_j(j, in, types[i].type);
        json_decref(j);
        json_decref(in);
    }

    agw_buf_free(&out);
}


static void
test_passthrough(void)
{
    json_t       *j, *in;
    agw_usage_t   u;

    j = translate(A, A, "anthropic-messages/response-thinking.json",
                  "alias", &u);
    in = fixture_json("anthropic-messages/response-thinking.json");
    json_object_set_new(in, "model", json_string("alias"));
    ok(j != NULL && json_equal(j, in),
       "passthrough: the body but for the model");
    is_int(u.input, 69, "passthrough usage: input");
    is_int(u.output, 33, "passthrough usage: output");
    json_decref(j);
    json_decref(in);
}


/* Thinking and redacted thinking, in order, before the text: what an
 * Anthropic client must send back for the conversation to continue. */
static void
test_redacted_thinking(void)
{
    json_t               *in, *hub, *back;
    agw_usage_t           u;
    agw_error_t           err;
    agw_response_opts_t   o = { "c" };

    memset(&err, 0, sizeof(err));
    in = fixture_json("anthropic-messages/"
                      "response-redacted-thinking.documented.json");
    hub = agw_anthropic_ops.response_to_hub(in, &u, &err);
    is_json(json_object_get(json_array_get(json_object_get(hub, "choices"),
                                           0), "message"),
        "{\"role\":\"assistant\",\"content\":\"Based on my analysis...\","
        "\"reasoning_content\":\"Let me analyze this step by step...\","
        "\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"Let me "
        "analyze this step by step...\",\"signature\":\"WaUjzkypQ2mUEVM36O2"
        "TxuC06KN8xyfbJwyem2dw3URve/op91XWHOEBLLqIOMfFG/UvLEczmEsUjavL....\"},"
        "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va3pzix/LafP"
        "sn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB9"
        "URj2pLmN3kF8/dW5hR7xJ0aP1oLs9yTcMnKVf2wRpEGjH9XZaBt4UvDcPrQ...\"}]}",
        "redacted thinking -> hub thinking_blocks, in order");

    back = agw_anthropic_ops.response_from_hub(hub, &o, &err);
    is_json_j(json_object_get(back, "content"), json_object_get(in, "content"),
              "redacted thinking -> hub -> anthropic: blocks as sent");

    json_decref(in);
    json_decref(hub);
    json_decref(back);
}


/* Empty text (a turn cut at max_tokens while thinking) is an empty
 * answer, not a failure. */
static void
test_empty_text(void)
{
    json_t       *in, *hub;
    agw_usage_t   u;
    agw_error_t   err;

    memset(&err, 0, sizeof(err));
    in = json_loads("{\"id\":\"msg_1\",\"model\":\"c\",\"content\":["
                    "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":"
                    "\"s\"},{\"type\":\"text\",\"text\":\"\"}],\"stop_reason\":"
                    "\"max_tokens\",\"usage\":{\"input_tokens\":3,"
                    "\"output_tokens\":9}}", 0, NULL);
    hub = agw_anthropic_ops.response_to_hub(in, &u, &err);
    is_json(json_array_get(json_object_get(hub, "choices"), 0),
            "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            "\"\",\"reasoning_content\":\"\",\"thinking_blocks\":[{\"type\":"
            "\"thinking\",\"thinking\":\"\",\"signature\":\"s\"}]},"
            "\"finish_reason\":\"length\"}",
            "empty text and thinking: an empty answer, finish length");
    json_decref(in);
    json_decref(hub);
}


/* A body that is not what Anthropic promises is the gateway's 502. */
static void
test_bad_upstream(void)
{
    json_t       *in, *hub;
    agw_usage_t   u;
    agw_error_t   err;

    memset(&err, 0, sizeof(err));
    in = json_loads("{\"type\":\"message\",\"content\":\"not blocks\"}", 0,
                    NULL);
    hub = agw_anthropic_ops.response_to_hub(in, &u, &err);
    ok(hub == NULL && err.cls == AGW_ERR_BAD_GATEWAY && err.status == 502,
       "content not an array: 502");
    json_decref(in);

    memset(&err, 0, sizeof(err));
    in = json_loads("{\"content\":[{\"type\":\"mystery\"}]}", 0, NULL);
    hub = agw_anthropic_ops.response_to_hub(in, &u, &err);
    ok(hub == NULL && err.cls == AGW_ERR_BAD_GATEWAY,
       "unknown block type: 502 (%s)", err.message);
    json_decref(in);
}


int
main(void)
{
    test_round_trip("response-text.json",
        "{\"id\":\"msg_01VdEjxAP5ahtHKrrRdNBteQ\",\"object\":"
        "\"chat.completion\",\"created\":0,\"model\":"
        "\"claude-sonnet-4-5-20250929\",\"choices\":[{\"index\":0,"
        "\"message\":{\"role\":\"assistant\",\"content\":\"Hello! I'm doing "
        "well, thanks for asking. How are you doing today? Is there anything "
        "I can help you with?\"},\"finish_reason\":\"stop\"}],\"usage\":{"
        "\"prompt_tokens\":12,\"completion_tokens\":29,\"total_tokens\":41,"
        "\"prompt_tokens_details\":{\"cached_tokens\":0,"
        "\"cache_write_tokens\":0},\"completion_tokens_details\":{"
        "\"reasoning_tokens\":0}}}");

    test_round_trip("response-tool-use.json",
        "{\"id\":\"msg_01RMQBcKf2dxTq6qfi31BBTz\",\"object\":"
        "\"chat.completion\",\"created\":0,\"model\":"
        "\"claude-haiku-4-5-20251001\",\"choices\":[{\"index\":0,"
        "\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
        "[{\"id\":\"toolu_01A9HHF5Ezy3oBrKmSgfASm9\",\"type\":\"function\","
        "\"function\":{\"name\":\"get_weather\",\"arguments\":"
        "\"{\\\"location\\\":\\\"San Francisco, CA\\\",\\\"units\\\":"
        "\\\"f\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],\"usage\":{"
        "\"prompt_tokens\":656,\"completion_tokens\":74,\"total_tokens\":730,"
        "\"prompt_tokens_details\":{\"cached_tokens\":0,"
        "\"cache_write_tokens\":0},\"completion_tokens_details\":{"
        "\"reasoning_tokens\":0}}}");

    test_round_trip("response-thinking.json",
        "{\"id\":\"msg_01XrsJCi8CQoLcnnWdY8RsJz\",\"object\":"
        "\"chat.completion\",\"created\":0,\"model\":"
        "\"claude-sonnet-4-5-20250929\",\"choices\":[{\"index\":0,"
        "\"message\":{\"role\":\"assistant\",\"content\":\"925 \xc3\xb7 5 = "
        "185\",\"reasoning_content\":\"925 divided by 5 = 185\","
        "\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"925 "
        "divided by 5 = 185\",\"signature\":\"Er4BCkYICxgCKkCoxqLHLrx4mFL9O"
        "x7/aHKht87WDzXfvZ7qbZKSnHV8imA5b3LXxuVqcXQ9z5sXwDx20JIW/+6DJehOSN"
        "K72L83Egx0T9s7VzB6QUK9g5kaDO9lGaWN5CPEDJU0lyIw4+Ed3q4N9w+16h3cfQ+9"
        "stJXHCl+1nYDxjIOLcyJT8Ug/LTmtlp4bbxWmmfNicayKiasdReHiOnqz1sKEF0pR"
        "4kcnF5mQGdLxk8q3A3NY+wGsH8MtUIqxRgB\"}]},\"finish_reason\":"
        "\"stop\"}],\"usage\":{\"prompt_tokens\":69,\"completion_tokens\":33,"
        "\"total_tokens\":102,\"prompt_tokens_details\":{\"cached_tokens\":0,"
        "\"cache_write_tokens\":0},\"completion_tokens_details\":{"
        "\"reasoning_tokens\":0}}}");

    test_round_trip("response-after-tool-result.json",
        "{\"id\":\"msg_01GJyhkguJrrqMbZNzEybYFL\",\"object\":"
        "\"chat.completion\",\"created\":0,\"model\":"
        "\"claude-haiku-4-5-20251001\",\"choices\":[{\"index\":0,"
        "\"message\":{\"role\":\"assistant\",\"content\":\"I apologize, but "
        "I'm getting an error when trying to fetch the weather for San "
        "Francisco. This appears to be a temporary issue with the weather "
        "service. Could you try again in a moment, or let me know if you'd "
        "like me to attempt to retrieve the weather for a different "
        "location?\"},\"finish_reason\":\"stop\"}],\"usage\":{"
        "\"prompt_tokens\":760,\"completion_tokens\":63,\"total_tokens\":823,"
        "\"prompt_tokens_details\":{\"cached_tokens\":0,"
        "\"cache_write_tokens\":0},\"completion_tokens_details\":{"
        "\"reasoning_tokens\":0}}}");

    test_from_openai("response-parallel-tool-calls.json",
        "{\"id\":\"chatcmpl-ABfvyvfNWKcl7Ohqos4UFrmMs1v4C\",\"type\":"
        "\"message\",\"role\":\"assistant\",\"model\":\"claude-alias\","
        "\"content\":[{\"type\":\"tool_use\",\"id\":"
        "\"call_fdNz3vOBKYgOIpMdWotB9MjY\",\"name\":\"GetWeatherArgs\","
        "\"input\":{\"city\":\"Edinburgh\",\"country\":\"GB\",\"units\":"
        "\"c\"}},{\"type\":\"tool_use\",\"id\":"
        "\"call_h1DWI1POMJLb0KwIyQHWXD4p\",\"name\":\"get_stock_price\","
        "\"input\":{\"ticker\":\"AAPL\",\"exchange\":\"NASDAQ\"}}],"
        "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{"
        "\"input_tokens\":149,\"cache_creation_input_tokens\":0,"
        "\"cache_read_input_tokens\":0,\"output_tokens\":60}}");

    test_from_openai("response-tool-calls.documented.json",
        "{\"id\":\"chatcmpl-abc123\",\"type\":\"message\",\"role\":"
        "\"assistant\",\"model\":\"claude-alias\",\"content\":[{\"type\":"
        "\"tool_use\",\"id\":\"call_abc123\",\"name\":"
        "\"get_current_weather\",\"input\":{\"location\":\"Boston, MA\"}}],"
        "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{"
        "\"input_tokens\":82,\"cache_creation_input_tokens\":0,"
        "\"cache_read_input_tokens\":0,\"output_tokens\":17}}");

    test_redacted_thinking();
    test_to_openai_client();
    test_cache_usage();
    test_errors();
    test_passthrough();
    test_empty_text();
    test_bad_upstream();

    return done_testing();
}
