/*
 * Anthropic requests: each Anthropic request fixture to the hub and back
 * (equal to what was sent but for what docs/translation-anthropic.md says
 * is dropped), OpenAI's request fixtures to an Anthropic provider, and the
 * hub's conversation rules: system gathering, same-role merging, tool
 * results, images, stop, tool_choice, thinking.
 */

#include "test_anthropic.h"


static const agw_request_opts_t  to_claude = { "claude-sonnet-4-5", 0, 1000 };


/*
 * The original as it should come back: string content as one text block
 * (the same thing for Anthropic), and without the fields the hub cannot
 * carry: tool_use.caller, tool_result.is_error, cache_control.
 */
static void
normalise(json_t *req)
{
    size_t       i, k;
    json_t      *m, *c, *b;

    json_array_foreach(json_object_get(req, "messages"), i, m) {
        c = json_object_get(m, "content");
        if (json_is_string(c)) {
            json_object_set_new(m, "content", json_pack("[{s:s, s:O}]",
                                "type", "text", "text", c));
            continue;
        }
        json_array_foreach(c, k, b) {
            json_object_del(b, "caller");
            json_object_del(b, "is_error");
            json_object_del(b, "cache_control");
        }
    }

    json_array_foreach(json_object_get(req, "system"), i, b) {
        json_object_del(b, "cache_control");
    }
}


/* An Anthropic request to the hub, checked, then back to Anthropic. */
static void
test_round_trip(const char *fixture, const char *want_hub)
{
    char                 name[256];
    json_t              *in, *hub, *back;
    agw_error_t          err;
    agw_request_opts_t   o = { NULL, 0, 0 };

    memset(&err, 0, sizeof(err));
    snprintf(name, sizeof(name), "anthropic-messages/%s", fixture);
    in = fixture_json(name);
    if (!ok(in != NULL, "%s: read", fixture)) {
        return;
    }

    hub = agw_anthropic_ops.request_to_hub(in, &o, &err);
    snprintf(name, sizeof(name), "%s -> hub", fixture);
    is_json(hub, want_hub, name);

    o.model = json_string_value(json_object_get(in, "model"));
    back = hub ? agw_anthropic_ops.request_from_hub(hub, &o, &err) : NULL;

    normalise(in);
    snprintf(name, sizeof(name), "%s -> hub -> anthropic: as sent", fixture);
    is_json_j(back, in, name);

    json_decref(in);
    json_decref(hub);
    json_decref(back);
}


/* An OpenAI client's request for an Anthropic provider, whole. */
static void
test_from_openai(const char *fixture, const char *want)
{
    char          name[256];
    json_t       *in, *out;
    agw_error_t   err;

    memset(&err, 0, sizeof(err));
    snprintf(name, sizeof(name), "openai-chat/%s", fixture);
    in = fixture_json(name);
    if (!ok(in != NULL, "%s: read", fixture)) {
        return;
    }

    out = NULL;
    is_int(agw_translate_request(AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC,
                                 in, &to_claude, &out, &err), 0, fixture);
    snprintf(name, sizeof(name), "openai %s -> anthropic", fixture);
    is_json(out, want, name);

    json_decref(in);
    json_decref(out);
}


/* A hub request (OpenAI client) for Anthropic, from JSON text. */
static json_t *
from_hub_text(const char *text, agw_error_t *err)
{
    json_t  *in, *out;

    memset(err, 0, sizeof(*err));
    in = json_loads(text, 0, NULL);
    out = NULL;
    (void) agw_translate_request(AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC,
                                 in, &to_claude, &out, err);
    json_decref(in);
    return out;
}


static void
test_conversation_rules(void)
{
    json_t       *out;
    agw_error_t   err;

    /* system and developer messages anywhere gather into system, in order;
     * the stream flag comes from the options (the caller's), not the body;
     * consecutive user turns merge; tool results join one user turn with
     * the user text after them; parallel calls stay in one assistant
     * turn; images by URL and by data URL; stop string to a list;
     * temperature clamped to Anthropic's 0..1; parallel_tool_calls false
     * and required map onto tool_choice */
    out = from_hub_text(
        "{\"model\":\"gpt-4o\",\"messages\":["
        "{\"role\":\"system\",\"content\":\"Be brief.\"},"
        "{\"role\":\"user\",\"content\":\"Weather and AAPL?\"},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":"
            "{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}},"
            "{\"type\":\"image_url\",\"image_url\":{\"url\":"
            "\"https://example.com/a.jpg\"}}]},"
        "{\"role\":\"assistant\",\"content\":\"Checking.\",\"tool_calls\":["
            "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
            "\"weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
            "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":"
            "\"quote\",\"arguments\":\"\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18C\"},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":"
            "[{\"type\":\"text\",\"text\":\"231.5\"}]},"
        "{\"role\":\"developer\",\"content\":\"Use metric.\"},"
        "{\"role\":\"user\",\"content\":\"Thanks\"}],"
        "\"stop\":\"END\",\"temperature\":1.5,\"top_p\":0.9,\"user\":\"u-7\","
        "\"max_completion_tokens\":200,\"parallel_tool_calls\":false,"
        "\"tool_choice\":\"required\",\"stream\":true,"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\","
            "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
            "{\"type\":\"string\"}}}}},{\"type\":\"function\",\"function\":"
            "{\"name\":\"quote\",\"description\":\"Stock price\"}}]}",
        &err);

    is_json(out,
        "{\"model\":\"claude-sonnet-4-5\","
        "\"system\":[{\"type\":\"text\",\"text\":\"Be brief.\"},"
            "{\"type\":\"text\",\"text\":\"Use metric.\"}],"
        "\"messages\":["
        "{\"role\":\"user\",\"content\":["
            "{\"type\":\"text\",\"text\":\"Weather and AAPL?\"},"
            "{\"type\":\"image\",\"source\":{\"type\":\"base64\","
                "\"media_type\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}},"
            "{\"type\":\"image\",\"source\":{\"type\":\"url\","
                "\"url\":\"https://example.com/a.jpg\"}}]},"
        "{\"role\":\"assistant\",\"content\":["
            "{\"type\":\"text\",\"text\":\"Checking.\"},"
            "{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"weather\","
                "\"input\":{\"city\":\"Paris\"}},"
            "{\"type\":\"tool_use\",\"id\":\"call_2\",\"name\":\"quote\","
                "\"input\":{}}]},"
        "{\"role\":\"user\",\"content\":["
            "{\"type\":\"tool_result\",\"tool_use_id\":\"call_1\","
                "\"content\":\"18C\"},"
            "{\"type\":\"tool_result\",\"tool_use_id\":\"call_2\","
                "\"content\":[{\"type\":\"text\",\"text\":\"231.5\"}]},"
            "{\"type\":\"text\",\"text\":\"Thanks\"}]}],"
        "\"tools\":[{\"name\":\"weather\",\"input_schema\":{\"type\":"
            "\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}},"
            "{\"name\":\"quote\",\"description\":\"Stock price\","
            "\"input_schema\":{\"type\":\"object\",\"properties\":{}}}],"
        "\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true},"
        "\"temperature\":1.0,\"top_p\":0.9,\"max_tokens\":200,"
        "\"stop_sequences\":[\"END\"],\"metadata\":{\"user_id\":\"u-7\"}}",
        "hub conversation -> anthropic: system, merges, tools, images");
    json_decref(out);

    /* reasoning_effort -> a thinking budget; max_tokens must exceed it, so
     * the budget is added; temperature cannot go with thinking; signed
     * thinking blocks go first in their turn, unsigned reasoning is not
     * sent (Anthropic would refuse it) */
    out = from_hub_text(
        "{\"model\":\"o3\",\"reasoning_effort\":\"high\",\"max_tokens\":1000,"
        "\"temperature\":0.2,\"messages\":["
        "{\"role\":\"user\",\"content\":\"925/5?\"},"
        "{\"role\":\"assistant\",\"content\":\"185\",\"reasoning_content\":"
            "\"925 divided by 5\",\"thinking_blocks\":[{\"type\":\"thinking\","
            "\"thinking\":\"925 divided by 5\",\"signature\":\"sig1\"},"
            "{\"type\":\"redacted_thinking\",\"data\":\"xyz\"}]},"
        "{\"role\":\"assistant\",\"content\":\"Sure.\",\"reasoning_content\":"
            "\"unsigned\"},"
        "{\"role\":\"user\",\"content\":\"And /37?\"}]}",
        &err);

    is_json(out,
        "{\"model\":\"claude-sonnet-4-5\","
        "\"messages\":["
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
            "\"925/5?\"}]},"
        "{\"role\":\"assistant\",\"content\":["
            "{\"type\":\"thinking\",\"thinking\":\"925 divided by 5\","
                "\"signature\":\"sig1\"},"
            "{\"type\":\"redacted_thinking\",\"data\":\"xyz\"},"
            "{\"type\":\"text\",\"text\":\"185\"},"
            "{\"type\":\"text\",\"text\":\"Sure.\"}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
            "\"And /37?\"}]}],"
        "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":24576},"
        "\"max_tokens\":25576}",
        "reasoning_effort -> thinking budget, thinking blocks first");
    json_decref(out);

    /* a tool loop whose assistant turn lost its thinking blocks (an OpenAI
     * SDK client drops them): thinking is left off rather than refused */
    out = from_hub_text(
        "{\"model\":\"o3\",\"reasoning_effort\":\"medium\",\"messages\":["
        "{\"role\":\"user\",\"content\":\"weather?\"},"
        "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":"
            "\"function\",\"function\":{\"name\":\"w\",\"arguments\":"
            "\"{}\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"sun\"}],"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
        "\"w\"}}]}", &err);
    ok(out != NULL && json_object_get(out, "thinking") == NULL,
       "tool loop without its thinking block: thinking left off");
    json_decref(out);

    /* the same loop with the signed block sent back keeps thinking */
    out = from_hub_text(
        "{\"model\":\"o3\",\"reasoning_effort\":\"medium\",\"messages\":["
        "{\"role\":\"user\",\"content\":\"weather?\"},"
        "{\"role\":\"assistant\",\"thinking_blocks\":[{\"type\":"
            "\"thinking\",\"thinking\":\"t\",\"signature\":\"s\"}],"
            "\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
            "\"function\":{\"name\":\"w\",\"arguments\":\"{}\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"sun\"}],"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
        "\"w\"}}]}", &err);
    is_json(json_object_get(out, "thinking"),
            "{\"type\":\"enabled\",\"budget_tokens\":8192}",
            "tool loop with its signed thinking block: thinking kept");
    json_decref(out);

    /* a forced tool and thinking cannot go together: the tool wins */
    out = from_hub_text(
        "{\"model\":\"o3\",\"reasoning_effort\":\"low\",\"messages\":["
        "{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":"
        "\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{"
        "\"type\":\"function\",\"function\":{\"name\":\"f\"}}}", &err);
    ok(out != NULL && json_object_get(out, "thinking") == NULL,
       "forced tool: thinking left off");
    is_json(json_object_get(out, "tool_choice"),
            "{\"type\":\"tool\",\"name\":\"f\"}",
            "named tool_choice -> {type:tool}");
    is_int(json_integer_value(json_object_get(out, "max_tokens")), 1000,
           "max_tokens from the default when the client gave none");
    json_decref(out);
}


static void
test_refusals(void)
{
    size_t        i;
    json_t       *out;
    agw_error_t   err;

    static const char  *bad[] = {
        /* Anthropic returns one choice */
        "{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\","
            "\"content\":\"x\"}]}",
        /* arguments that are not an object cannot become input */
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
            "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":"
            "\"function\",\"function\":{\"name\":\"f\",\"arguments\":"
            "\"[1,\"}}]}]}",
        /* audio has no Anthropic equivalent */
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{"
            "\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AA==\","
            "\"format\":\"wav\"}}]}]}",
        /* only base64 data URLs */
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{"
            "\"type\":\"image_url\",\"image_url\":{\"url\":"
            "\"data:image/png,abc\"}}]}]}",
        /* legacy function role */
        "{\"model\":\"m\",\"messages\":[{\"role\":\"function\",\"name\":"
            "\"f\",\"content\":\"x\"}]}",
        /* nothing to send */
        "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":"
            "\"x\"}]}",
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        out = from_hub_text(bad[i], &err);
        ok(out == NULL && err.cls == AGW_ERR_INVALID_REQUEST
           && err.status == 400 && err.message[0] != '\0',
           "refused with a 400 and a message: case %zu (%s)", i,
           err.message);
        json_decref(out);
    }
}


/* Anthropic client features on the hub: thinking, tool_choice, server
 * tools, tool_result images, and on to an OpenAI provider. */
static void
test_to_hub_features(void)
{
    json_t              *in, *hub, *out;
    agw_error_t          err;
    agw_request_opts_t   o = { "gpt-4o", 1, 0 };

    memset(&err, 0, sizeof(err));
    in = json_loads(
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":2048,"
        "\"system\":\"You are terse.\",\"stream\":true,"
        "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000},"
        "\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true},"
        "\"stop_sequences\":[\"###\"],\"top_k\":5,"
        "\"metadata\":{\"user_id\":\"u-1\"},"
        "\"tools\":[{\"name\":\"shot\",\"input_schema\":{\"type\":\"object\"}},"
            "{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],"
        "\"messages\":["
        "{\"role\":\"user\",\"content\":\"Take a screenshot\"},"
        "{\"role\":\"assistant\",\"content\":["
            "{\"type\":\"thinking\",\"thinking\":\"use shot\",\"signature\":"
                "\"s1\"},"
            "{\"type\":\"text\",\"text\":\"On it.\"},"
            "{\"type\":\"server_tool_use\",\"id\":\"srv_1\",\"name\":"
                "\"web_search\",\"input\":{\"query\":\"x\"}},"
            "{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"srv_1\","
                "\"content\":[]},"
            "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"shot\","
                "\"input\":{}}]},"
        "{\"role\":\"user\",\"content\":["
            "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":["
                "{\"type\":\"text\",\"text\":\"captured\"},"
                "{\"type\":\"image\",\"source\":{\"type\":\"base64\","
                    "\"media_type\":\"image/png\",\"data\":\"AAAA\"}}]},"
            "{\"type\":\"text\",\"text\":\"What do you see?\"}]}]}",
        0, NULL);

    hub = agw_anthropic_ops.request_to_hub(in, &o, &err);
    is_json(hub,
        "{\"model\":\"gpt-4o\",\"messages\":["
        "{\"role\":\"system\",\"content\":\"You are terse.\"},"
        "{\"role\":\"user\",\"content\":\"Take a screenshot\"},"
        "{\"role\":\"assistant\",\"content\":\"On it.\",\"tool_calls\":["
            "{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{"
            "\"name\":\"shot\",\"arguments\":\"{}\"}}],"
            "\"reasoning_content\":\"use shot\",\"thinking_blocks\":["
            "{\"type\":\"thinking\",\"thinking\":\"use shot\",\"signature\":"
            "\"s1\"}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":["
            "{\"type\":\"text\",\"text\":\"captured\"}]},"
        "{\"role\":\"user\",\"content\":["
            "{\"type\":\"image_url\",\"image_url\":{\"url\":"
                "\"data:image/png;base64,AAAA\"}},"
            "{\"type\":\"text\",\"text\":\"What do you see?\"}]}],"
        "\"max_tokens\":2048,\"stop\":[\"###\"],\"user\":\"u-1\","
        "\"stream\":true,"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"shot\","
            "\"parameters\":{\"type\":\"object\"}}}],"
        "\"tool_choice\":\"required\",\"parallel_tool_calls\":false,"
        "\"reasoning_effort\":\"medium\"}",
        "anthropic features -> hub (server tools and top_k dropped)");

    /* and the whole way to an OpenAI provider */
    out = NULL;
    is_int(agw_translate_request(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI,
                                 in, &o, &out, &err), 0,
           "anthropic client -> openai provider");
    ok(out != NULL && json_is_true(json_object_get(
           json_object_get(out, "stream_options"), "include_usage")),
       "openai provider is asked for the usage chunk");

    json_decref(in);
    json_decref(hub);
    json_decref(out);

    /* an image the hub cannot say (a Files API id) is refused */
    in = json_loads("{\"model\":\"c\",\"max_tokens\":5,\"messages\":[{"
                    "\"role\":\"user\",\"content\":[{\"type\":\"image\","
                    "\"source\":{\"type\":\"file\",\"file_id\":\"f_1\"}}]}]}",
                    0, NULL);
    memset(&err, 0, sizeof(err));
    hub = agw_anthropic_ops.request_to_hub(in, &o, &err);
    ok(hub == NULL && err.status == 400, "file image source refused: %s",
       err.message);
    json_decref(in);
}


static void
test_passthrough(void)
{
    json_t       *in, *out;
    agw_error_t   err;

    memset(&err, 0, sizeof(err));
    in = json_loads("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\","
                    "\"content\":\"hi\"}],\"system\":[{\"type\":\"text\","
                    "\"text\":\"s\",\"cache_control\":{\"type\":"
                    "\"ephemeral\"}}],\"top_k\":3}", 0, NULL);
    out = NULL;
    is_int(agw_translate_request(AGW_DIALECT_ANTHROPIC,
                                 AGW_DIALECT_ANTHROPIC, in, &to_claude, &out,
                                 &err), 0, "passthrough");
    is_json(out, "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":"
                 "\"user\",\"content\":\"hi\"}],\"system\":[{\"type\":"
                 "\"text\",\"text\":\"s\",\"cache_control\":{\"type\":"
                 "\"ephemeral\"}}],\"top_k\":3,\"max_tokens\":1000}",
            "passthrough: model rewritten, max_tokens default, rest kept");
    ok(json_object_get(in, "max_tokens") == NULL,
       "passthrough leaves the input alone");

    json_decref(in);
    json_decref(out);
}


/*
 * Mid-conversation system messages (Claude Code sends them): a system role
 * in messages, its content a string or text blocks (cache_control on the
 * message or its blocks has no equivalent and goes).  OpenAI gets a system
 * message at that position, Gemini the text appended to systemInstruction
 * (it has no system turn), Anthropic the request unchanged; a block other
 * than text is the client's error, in its dialect.
 */
static void
test_mid_conversation_system(void)
{
    json_t              *in, *out;
    agw_error_t          err;
    agw_request_opts_t   o = { "m", 0, 1000 };
    static const char   *req =
        "{\"model\":\"claude\",\"max_tokens\":100,\"system\":\"Top.\","
        "\"messages\":["
        "{\"role\":\"user\",\"content\":\"hi\"},"
        "{\"role\":\"system\",\"content\":\"Plan mode is on.\"},"
        "{\"role\":\"assistant\",\"content\":\"ok\"},"
        "{\"role\":\"user\",\"content\":\"go\"},"
        "{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":"
            "\"Plan mode is off.\",\"cache_control\":{\"type\":"
            "\"ephemeral\"}}],\"cache_control\":{\"type\":\"ephemeral\"}}]}";

    memset(&err, 0, sizeof(err));
    in = json_loads(req, 0, NULL);
    out = NULL;
    is_int(agw_translate_request(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI,
                                 in, &o, &out, &err), 0,
           "mid-conversation system: to OpenAI");
    is_json(json_object_get(out, "messages"),
            "[{\"role\":\"system\",\"content\":\"Top.\"},"
            "{\"role\":\"user\",\"content\":\"hi\"},"
            "{\"role\":\"system\",\"content\":\"Plan mode is on.\"},"
            "{\"role\":\"assistant\",\"content\":\"ok\"},"
            "{\"role\":\"user\",\"content\":\"go\"},"
            "{\"role\":\"system\",\"content\":\"Plan mode is off.\"}]",
            "mid-conversation system: OpenAI system messages in place, "
            "cache_control dropped");
    json_decref(out);

    out = NULL;
    is_int(agw_translate_request(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI,
                                 in, &o, &out, &err), 0,
           "mid-conversation system: to Gemini");
    is_json(json_object_get(out, "systemInstruction"),
            "{\"parts\":[{\"text\":\"Top.\"},{\"text\":\"Plan mode is on.\"},"
            "{\"text\":\"Plan mode is off.\"}]}",
            "mid-conversation system: Gemini systemInstruction, in order");
    is_json(json_object_get(out, "contents"),
            "[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]},"
            "{\"role\":\"model\",\"parts\":[{\"text\":\"ok\"}]},"
            "{\"role\":\"user\",\"parts\":[{\"text\":\"go\"}]}]",
            "mid-conversation system: Gemini turns without it");
    json_decref(out);

    out = NULL;
    is_int(agw_translate_request(AGW_DIALECT_ANTHROPIC,
                                 AGW_DIALECT_ANTHROPIC, in, &o, &out, &err),
           0, "mid-conversation system: to Anthropic");
    is_json_j(json_object_get(out, "messages"),
              json_object_get(in, "messages"),
              "mid-conversation system: Anthropic messages unchanged");
    json_decref(out);
    json_decref(in);

    memset(&err, 0, sizeof(err));
    in = json_loads("{\"model\":\"c\",\"max_tokens\":9,\"messages\":["
                    "{\"role\":\"user\",\"content\":\"hi\"},"
                    "{\"role\":\"system\",\"content\":[{\"type\":\"image\","
                    "\"source\":{\"type\":\"url\",\"url\":\"http://x/\"}}]}]}",
                    0, NULL);
    out = NULL;
    is_int(agw_translate_request(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI,
                                 in, &o, &out, &err), -1,
           "mid-conversation system: an image in it is refused");
    is_int(err.cls, AGW_ERR_INVALID_REQUEST,
           "mid-conversation system: as the client's error");
    json_decref(out);
    json_decref(in);
}


int
main(void)
{
    test_mid_conversation_system();

    test_round_trip("request-tools.json",
        "{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\","
        "\"content\":\"What is the weather in SF?\"}],\"max_tokens\":1024,"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
        "\"get_weather\",\"description\":\"Lookup the weather for a given "
        "city in either celsius or fahrenheit\",\"parameters\":{"
        "\"additionalProperties\":false,\"properties\":{\"location\":{"
        "\"description\":\"The city and state, e.g. San Francisco, CA\","
        "\"title\":\"Location\",\"type\":\"string\"},\"units\":{"
        "\"description\":\"Unit for the output, either 'c' for celsius or "
        "'f' for fahrenheit\",\"enum\":[\"c\",\"f\"],\"title\":\"Units\","
        "\"type\":\"string\"}},\"required\":[\"location\",\"units\"],"
        "\"type\":\"object\"}}}]}");

    test_round_trip("request-tool-result.json",
        "{\"model\":\"claude-haiku-4-5\",\"messages\":["
        "{\"role\":\"user\",\"content\":\"What is the weather in SF?\"},"
        "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
            "\"toolu_01A9HHF5Ezy3oBrKmSgfASm9\",\"type\":\"function\","
            "\"function\":{\"name\":\"get_weather\",\"arguments\":"
            "\"{\\\"location\\\":\\\"San Francisco, CA\\\",\\\"units\\\":"
            "\\\"f\\\"}\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"toolu_01A9HHF5Ezy3oBrKmSgfASm9\","
            "\"content\":\"RuntimeError('Unexpected error, try again')\"}],"
        "\"max_tokens\":1024,"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
        "\"get_weather\",\"description\":\"Lookup the weather for a given "
        "city in either celsius or fahrenheit\",\"parameters\":{"
        "\"additionalProperties\":false,\"properties\":{\"location\":{"
        "\"description\":\"The city and state, e.g. San Francisco, CA\","
        "\"title\":\"Location\",\"type\":\"string\"},\"units\":{"
        "\"description\":\"Unit for the output, either 'c' for celsius or "
        "'f' for fahrenheit\",\"enum\":[\"c\",\"f\"],\"title\":\"Units\","
        "\"type\":\"string\"}},\"required\":[\"location\",\"units\"],"
        "\"type\":\"object\"}}}]}");

    test_round_trip("request-image-base64.documented.json",
        "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\","
        "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
        "\"data:$IMAGE_MEDIA_TYPE;base64,$IMAGE_BASE64\"}},{\"type\":"
        "\"text\",\"text\":\"What is in the above image?\"}]}],"
        "\"max_tokens\":1024}");

    test_round_trip("request-image-url.documented.json",
        "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\","
        "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
        "\"https://upload.wikimedia.org/wikipedia/commons/a/a7/"
        "Camponotus_flavomarginatus_ant.jpg\"}},{\"type\":\"text\","
        "\"text\":\"What is in the above image?\"}]}],\"max_tokens\":1024}");

    test_round_trip("request-system-cache-control.documented.json",
        "{\"model\":\"claude-sonnet-4-5\",\"messages\":["
        "{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":"
        "\"You are an AI assistant tasked with analyzing literary works. "
        "Your goal is to provide insightful commentary on themes, "
        "characters, and writing style.\\n\"},{\"type\":\"text\",\"text\":"
        "\"<the entire contents of Pride and Prejudice>\"}]},"
        "{\"role\":\"user\",\"content\":\"Analyze the major themes in Pride "
        "and Prejudice.\"}],\"max_tokens\":1024}");

    test_from_openai("request-text.documented.json",
        "{\"model\":\"claude-sonnet-4-5\",\"system\":\"You are a helpful "
        "assistant.\",\"messages\":[{\"role\":\"user\",\"content\":[{"
        "\"type\":\"text\",\"text\":\"Hello!\"}]}],\"max_tokens\":1000}");

    test_from_openai("request-tools.documented.json",
        "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\","
        "\"content\":[{\"type\":\"text\",\"text\":\"What is the weather "
        "like in Boston today?\"}]}],\"tools\":[{\"name\":"
        "\"get_current_weather\",\"description\":\"Get the current weather "
        "in a given location\",\"input_schema\":{\"type\":\"object\","
        "\"properties\":{\"location\":{\"type\":\"string\",\"description\":"
        "\"The city and state, e.g. San Francisco, CA\"},\"unit\":{\"type\":"
        "\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":["
        "\"location\"]}}],\"tool_choice\":{\"type\":\"auto\"},"
        "\"max_tokens\":1000}");

    test_from_openai("request-image-url.documented.json",
        "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\","
        "\"content\":[{\"type\":\"text\",\"text\":\"What is in this "
        "image?\"},{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":"
        "\"https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/"
        "Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-"
        "wisconsin-madison-the-nature-boardwalk.jpg\"}}]}],"
        "\"max_tokens\":300}");

    test_conversation_rules();
    test_refusals();
    test_to_hub_features();
    test_passthrough();

    return done_testing();
}
