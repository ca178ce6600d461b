/*
 * Gemini requests over the real fixtures: each Gemini request to the hub
 * (what an OpenAI or Anthropic provider gets) and back to Gemini, OpenAI
 * requests to a Gemini provider, the ids that pair function calls with
 * their results, thought signatures, and what is refused rather than lost.
 */

#include "test_gemini.h"


static json_t *
to_hub(json_t *in, int stream, agw_error_t *err)
{
    agw_request_opts_t  o = { "gpt-4o", stream, 0 };

    memset(err, 0, sizeof(*err));
    return agw_gemini_ops.request_to_hub(in, &o, err);
}


static json_t *
from_hub(json_t *hub, agw_error_t *err)
{
    agw_request_opts_t  o = { "gemini-2.5-flash", 0, 0 };

    memset(err, 0, sizeof(*err));
    return agw_gemini_ops.request_from_hub(hub, &o, err);
}


static void
check_tools(void)
{
    json_t       *in, *copy, *hub, *back;
    agw_error_t   err;

    in = fixture_json("gemini/request-tools.json");
    copy = json_deep_copy(in);

    hub = to_hub(in, 0, &err);
    json_is(hub,
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
        "\"Divide 10 by 2 using the customDivide function\"}],"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
        "\"customDivide\",\"description\":\"Custom divide function\","
        "\"parameters\":{\"properties\":{\"denominator\":{\"type\":"
        "\"number\"},\"numerator\":{\"type\":\"number\"}},\"type\":"
        "\"object\"}}}],\"tool_choice\":\"auto\"}",
        "request-tools: hub request (tools, tool_choice auto, no stream)");
    ok(json_equal(in, copy), "the client's body is left unchanged");

    back = from_hub(hub, &err);
    json_object_del(copy, "generationConfig");     /* {} says nothing */
    ok(json_equal(back, copy), "request-tools: back to Gemini unchanged");
    json_decref(back);
    json_decref(hub);
    json_decref(in);
    json_decref(copy);
}


static void
check_function_response(void)
{
    json_t       *in, *want, *hub, *back, *part;
    agw_error_t   err;

    in = fixture_json("gemini/request-function-response.json");

    hub = to_hub(in, 0, &err);
    json_is(json_object_get(hub, "messages"),
        "[{\"role\":\"user\",\"content\":\"Divide 10 by 2 using the "
        "customDivide function\"},"
        "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
        "\"call_1_0\",\"type\":\"function\",\"function\":{\"name\":"
        "\"customDivide\",\"arguments\":"
        "\"{\\\"denominator\\\":2,\\\"numerator\\\":10}\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_1_0\",\"content\":"
        "\"{\\\"output\\\":42}\"}]",
        "request-function-response: call and result paired by a stable id");

    /* back to Gemini: the same conversation; the unsigned call gets the
     * signature Google documents for histories it did not sign */
    back = from_hub(hub, &err);
    want = json_deep_copy(in);
    json_object_del(want, "generationConfig");
    part = json_array_get(json_object_get(json_array_get(
               json_object_get(want, "contents"), 1), "parts"), 0);
    json_object_set_new(part, "thoughtSignature",
                        json_string("skip_thought_signature_validator"));
    ok(json_equal(back, want), "request-function-response: back to Gemini");
    if (!json_equal(back, want)) {
        char *g = json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS);
        tap_diag("got %s", g);
        free(g);
    }

    json_decref(want);
    json_decref(back);
    json_decref(hub);
    json_decref(in);
}


static void
check_system_and_config(void)
{
    json_t       *in, *hub, *back;
    agw_error_t   err;

    in = fixture_json("gemini/request-system-instruction.json");
    hub = to_hub(in, 1, &err);
    json_is(hub,
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\","
        "\"content\":\"I say high you say low, and then tell me why is the "
        "sky blue.\"},{\"role\":\"user\",\"content\":\"high\"}],"
        "\"n\":1,\"stream\":true}",
        "request-system-instruction: system message, n, stream from opts");

    back = from_hub(hub, &err);
    json_is(back,
        "{\"systemInstruction\":{\"parts\":[{\"text\":\"I say high you say "
        "low, and then tell me why is the sky blue.\"}]},\"contents\":[{"
        "\"role\":\"user\",\"parts\":[{\"text\":\"high\"}]}],"
        "\"generationConfig\":{\"candidateCount\":1}}",
        "request-system-instruction: back to Gemini (no model, no stream)");
    json_decref(back);
    json_decref(hub);
    json_decref(in);

    in = fixture_json("gemini/request-thinking.json");
    hub = to_hub(in, 0, &err);
    ok(json_integer_value(json_object_get(hub, "max_tokens")) == 20
       && json_integer_value(json_object_get(hub, "n")) == 1
       && json_object_get(hub, "reasoning_effort") == NULL,
       "request-thinking: maxOutputTokens, candidateCount; includeThoughts "
       "alone sets no effort");
    json_decref(hub);

    /* budgets and levels */
    json_object_set_new(json_object_get(json_object_get(in,
                            "generationConfig"), "thinkingConfig"),
                        "thinkingBudget", json_integer(2048));
    hub = to_hub(in, 0, &err);
    is_str(json_string_value(json_object_get(hub, "reasoning_effort")),
           "medium", "thinkingBudget 2048 -> reasoning_effort medium");
    json_decref(hub);
    json_object_set_new(json_object_get(json_object_get(in,
                            "generationConfig"), "thinkingConfig"),
                        "thinkingLevel", json_string("HIGH"));
    hub = to_hub(in, 0, &err);
    is_str(json_string_value(json_object_get(hub, "reasoning_effort")),
           "high", "thinkingLevel HIGH -> reasoning_effort high");
    json_decref(hub);
    json_decref(in);

    /* structured output and the OpenAPI schema dialect */
    in = json_loads("{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],"
        "\"generationConfig\":{\"temperature\":0.5,\"topP\":0.9,\"topK\":3,"
        "\"stopSequences\":[\"END\"],\"seed\":7,"
        "\"responseMimeType\":\"application/json\",\"responseSchema\":{"
        "\"type\":\"OBJECT\",\"properties\":{\"a\":{\"type\":\"STRING\","
        "\"nullable\":true},\"b\":{\"type\":\"ARRAY\",\"items\":{\"type\":"
        "\"INTEGER\"}}},\"propertyOrdering\":[\"a\",\"b\"]}}}", 0, NULL);
    hub = to_hub(in, 0, &err);
    json_is(hub,
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
        "\"x\"}],\"temperature\":0.5,\"top_p\":0.9,\"stop\":[\"END\"],"
        "\"seed\":7,\"response_format\":{\"type\":\"json_schema\","
        "\"json_schema\":{\"name\":\"response\",\"schema\":{\"type\":"
        "\"object\",\"properties\":{\"a\":{\"type\":[\"string\",\"null\"]},"
        "\"b\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}}}}}}",
        "generationConfig and responseSchema (OpenAPI) -> OpenAI fields, "
        "JSON Schema (topK dropped)");
    back = from_hub(hub, &err);
    json_is(json_object_get(back, "generationConfig"),
        "{\"temperature\":0.5,\"topP\":0.9,\"stopSequences\":[\"END\"],"
        "\"seed\":7,\"responseMimeType\":\"application/json\","
        "\"responseJsonSchema\":{\"type\":\"object\",\"properties\":{\"a\":"
        "{\"type\":[\"string\",\"null\"]},\"b\":{\"type\":\"array\","
        "\"items\":{\"type\":\"integer\"}}}}}",
        "response_format json_schema -> responseJsonSchema");
    json_decref(back);
    json_decref(hub);
    json_decref(in);
}


/* The documented inline-image request, made valid: its bash line
 * continuations removed and the shell splice replaced by real base64. */
static void
check_inline_image(void)
{
    char         *text, *p, *q;
    size_t        len;
    json_t       *in, *hub, *back;
    agw_error_t   err;

    text = fixture_read("gemini/request-image-inline.documented.txt", &len);
    for (p = q = text; *p; ) {
        if (p[0] == '\\' && p[1] == '\n') {
            for (p += 2; *p == ' '; p++) { /* void */ }
            continue;
        }
        if (strncmp(p, "'$(base64 -w0 image.jpg)'", 25) == 0) {
            memcpy(q, "/9j/4AAQ", 8);
            q += 8;
            p += 25;
            continue;
        }
        *q++ = *p++;
    }
    *q = '\0';

    in = json_loads(text, 0, NULL);
    ok(in != NULL, "request-image-inline: valid once the shell is removed");
    free(text);

    hub = to_hub(in, 0, &err);
    json_is(json_object_get(json_array_get(json_object_get(hub, "messages"),
                                           0), "content"),
        "[{\"type\":\"text\",\"text\":\"This image contains a sketch of a "
        "potential product along with some notes. Given the product sketch, "
        "describe the product as thoroughly as possible based on what you "
        "see in the image, making sure to note all of the product features. "
        "Return output in json format: {description: description, features: "
        "[feature1, feature2, feature3, etc]}\"},{\"type\":\"image_url\","
        "\"image_url\":{\"url\":\"data:image/jpeg;base64,/9j/4AAQ\"}}]",
        "inline_data (snake_case) -> image_url data: URL");

    back = from_hub(hub, &err);
    json_is(json_object_get(json_array_get(json_object_get(
                json_array_get(json_object_get(back, "contents"), 0),
                "parts"), 1), "inlineData"),
            "{\"mimeType\":\"image/jpeg\",\"data\":\"/9j/4AAQ\"}",
            "and back to inlineData");
    json_decref(back);
    json_decref(hub);
    json_decref(in);
}


/* Model turns: thoughts, signatures, several calls answered in order. */
static void
check_history(void)
{
    json_t       *in, *hub, *back, *msgs;
    agw_error_t   err;

    in = json_loads(
        "{\"contents\":["
        "{\"role\":\"user\",\"parts\":[{\"text\":\"weather?\"}]},"
        "{\"role\":\"model\",\"parts\":[{\"text\":\"plan\",\"thought\":true},"
        "{\"functionCall\":{\"name\":\"w\",\"args\":{\"c\":\"A\"}},"
        "\"thoughtSignature\":\"c2lnMQ==\"},"
        "{\"functionCall\":{\"name\":\"w\",\"args\":{\"c\":\"B\"}}},"
        "{\"functionCall\":{\"name\":\"t\",\"args\":{}}}]},"
        "{\"role\":\"user\",\"parts\":["
        "{\"functionResponse\":{\"name\":\"t\",\"response\":{\"r\":3}}},"
        "{\"functionResponse\":{\"name\":\"w\",\"response\":{\"r\":1}}},"
        "{\"functionResponse\":{\"name\":\"w\",\"response\":{\"r\":2}}},"
        "{\"text\":\"and?\"}]},"
        "{\"role\":\"model\",\"parts\":[{\"text\":\"It is \"},"
        "{\"text\":\"sunny\",\"thoughtSignature\":\"c2lnMg==\"}]}]}",
        0, NULL);

    hub = to_hub(in, 0, &err);
    msgs = json_object_get(hub, "messages");
    json_is(msgs,
        "[{\"role\":\"user\",\"content\":\"weather?\"},"
        "{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":"
        "\"plan\",\"tool_calls\":["
        "{\"id\":\"call_1_0\",\"type\":\"function\",\"function\":{\"name\":"
        "\"w\",\"arguments\":\"{\\\"c\\\":\\\"A\\\"}\"},\"extra_content\":{"
        "\"google\":{\"thought_signature\":\"c2lnMQ==\"}}},"
        "{\"id\":\"call_1_1\",\"type\":\"function\",\"function\":{\"name\":"
        "\"w\",\"arguments\":\"{\\\"c\\\":\\\"B\\\"}\"}},"
        "{\"id\":\"call_1_2\",\"type\":\"function\",\"function\":{\"name\":"
        "\"t\",\"arguments\":\"{}\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_1_2\",\"content\":"
        "\"{\\\"r\\\":3}\"},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_1_0\",\"content\":"
        "\"{\\\"r\\\":1}\"},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_1_1\",\"content\":"
        "\"{\\\"r\\\":2}\"},"
        "{\"role\":\"user\",\"content\":\"and?\"},"
        "{\"role\":\"assistant\",\"content\":\"It is sunny\","
        "\"extra_content\":{\"google\":{\"thought_signature\":"
        "\"c2lnMg==\"}}}]",
        "results matched to calls by name and order; thoughts and "
        "signatures kept");

    back = from_hub(hub, &err);
    json_is(json_object_get(back, "contents"),
        "[{\"role\":\"user\",\"parts\":[{\"text\":\"weather?\"}]},"
        "{\"role\":\"model\",\"parts\":["
        "{\"functionCall\":{\"name\":\"w\",\"args\":{\"c\":\"A\"}},"
        "\"thoughtSignature\":\"c2lnMQ==\"},"
        "{\"functionCall\":{\"name\":\"w\",\"args\":{\"c\":\"B\"}}},"
        "{\"functionCall\":{\"name\":\"t\",\"args\":{}}}]},"
        "{\"role\":\"user\",\"parts\":["
        "{\"functionResponse\":{\"name\":\"t\",\"response\":{\"r\":3}}},"
        "{\"functionResponse\":{\"name\":\"w\",\"response\":{\"r\":1}}},"
        "{\"functionResponse\":{\"name\":\"w\",\"response\":{\"r\":2}}}]},"
        "{\"role\":\"user\",\"parts\":[{\"text\":\"and?\"}]},"
        "{\"role\":\"model\",\"parts\":[{\"text\":\"It is sunny\","
        "\"thoughtSignature\":\"c2lnMg==\"}]}]",
        "and back: signatures where Gemini checks them, thoughts not resent");
    json_decref(back);
    json_decref(hub);
    json_decref(in);
}


/* OpenAI requests (the real documented ones) for a Gemini provider. */
static void
check_openai_client(void)
{
    json_t              *in, *out, *hub;
    agw_error_t          err;
    agw_request_opts_t   o = { "gemini-2.5-flash", 1, 0 };

    in = fixture_json("openai-chat/request-text.documented.json");
    ok(agw_translate_request(OAI, GEM, in, &o, &out, &err) == 0,
       "openai request-text -> gemini");
    json_is(out,
        "{\"systemInstruction\":{\"parts\":[{\"text\":\"You are a helpful "
        "assistant.\"}]},\"contents\":[{\"role\":\"user\",\"parts\":[{"
        "\"text\":\"Hello!\"}]}]}",
        "developer message -> systemInstruction; no model, no stream");
    json_decref(out);
    json_decref(in);

    in = fixture_json("openai-chat/request-tools.documented.json");
    ok(agw_translate_request(OAI, GEM, in, &o, &out, &err) == 0,
       "openai request-tools -> gemini");
    json_is(out,
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"What is "
        "the weather like in Boston today?\"}]}],\"tools\":[{"
        "\"functionDeclarations\":[{\"name\":\"get_current_weather\","
        "\"description\":\"Get the current weather in a given location\","
        "\"parametersJsonSchema\":{\"type\":\"object\",\"properties\":{"
        "\"location\":{\"type\":\"string\",\"description\":\"The city and "
        "state, e.g. San Francisco, CA\"},\"unit\":{\"type\":\"string\","
        "\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":["
        "\"location\"]}}]}],\"toolConfig\":{\"functionCallingConfig\":{"
        "\"mode\":\"AUTO\"}}}",
        "tools -> functionDeclarations (JSON Schema as is), auto -> AUTO");
    json_decref(out);
    json_decref(in);

    in = fixture_json("openai-chat/request-image-url.documented.json");
    ok(agw_translate_request(OAI, GEM, in, &o, &out, &err) == 0,
       "openai request-image-url -> gemini");
    json_is(out,
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"What is in "
        "this image?\"},{\"fileData\":{\"mimeType\":\"image/jpeg\","
        "\"fileUri\":\"https://upload.wikimedia.org/wikipedia/commons/thumb/"
        "d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-"
        "wisconsin-madison-the-nature-boardwalk.jpg\"}}]}],"
        "\"generationConfig\":{\"maxOutputTokens\":300}}",
        "image URL -> fileData, max_tokens -> maxOutputTokens");
    json_decref(out);
    json_decref(in);

    /* a tool round trip as an OpenAI client sends it */
    hub = json_loads(
        "{\"model\":\"m\",\"messages\":["
        "{\"role\":\"system\",\"content\":\"be brief\"},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
        "{\"type\":\"image_url\",\"image_url\":{\"url\":"
        "\"data:image/png;base64,iVBORw0=\"}}]},"
        "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
        "{\"id\":\"call_A\",\"type\":\"function\",\"function\":{\"name\":"
        "\"get\",\"arguments\":\"{\\\"q\\\":1}\"},\"extra_content\":{"
        "\"google\":{\"thought_signature\":\"c2ln\"}}},"
        "{\"id\":\"call_B\",\"type\":\"function\",\"function\":{\"name\":"
        "\"put\",\"arguments\":\"\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_B\",\"content\":\"done\"},"
        "{\"role\":\"tool\",\"tool_call_id\":\"call_A\",\"content\":"
        "\"{\\\"v\\\":2}\"}],"
        "\"stop\":\"X\",\"max_completion_tokens\":99,\"reasoning_effort\":"
        "\"low\",\"tool_choice\":{\"type\":\"function\",\"function\":{"
        "\"name\":\"get\"}},\"tools\":[{\"type\":\"function\",\"function\":{"
        "\"name\":\"get\"}}],\"user\":\"u1\",\"logit_bias\":{}}", 0, NULL);
    out = from_hub(hub, &err);
    json_is(out,
        "{\"systemInstruction\":{\"parts\":[{\"text\":\"be brief\"}]},"
        "\"contents\":["
        "{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"},{\"inlineData\":{"
        "\"mimeType\":\"image/png\",\"data\":\"iVBORw0=\"}}]},"
        "{\"role\":\"model\",\"parts\":["
        "{\"functionCall\":{\"name\":\"get\",\"args\":{\"q\":1}},"
        "\"thoughtSignature\":\"c2ln\"},"
        "{\"functionCall\":{\"name\":\"put\",\"args\":{}}}]},"
        "{\"role\":\"user\",\"parts\":["
        "{\"functionResponse\":{\"name\":\"put\",\"response\":{\"content\":"
        "\"done\"}}},"
        "{\"functionResponse\":{\"name\":\"get\",\"response\":{\"v\":2}}}]}],"
        "\"tools\":[{\"functionDeclarations\":[{\"name\":\"get\"}]}],"
        "\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\","
        "\"allowedFunctionNames\":[\"get\"]}},"
        "\"generationConfig\":{\"maxOutputTokens\":99,\"stopSequences\":"
        "[\"X\"],\"thinkingConfig\":{\"thinkingBudget\":1024,"
        "\"includeThoughts\":true}}}",
        "OpenAI conversation with tools -> Gemini: names found by id, "
        "results in one turn, signature kept, effort -> budget");
    json_decref(out);
    json_decref(hub);
}


/*
 * What @google/genai 2.32.0 sends for generateContent with history, an
 * inline image, ids on the call and its response, a signature, config
 * tools, toolConfig, a response schema and thinking (captured from the SDK
 * against a local server).
 */
static void
check_sdk_request(void)
{
    json_t       *in, *hub;
    agw_error_t   err;

    in = json_loads(
        "{\"contents\":[{\"parts\":[{\"text\":\"hi\"},"
        "{\"inlineData\":{\"mimeType\":\"image/png\","
        "\"data\":\"iVBORw0=\"}}],\"role\":\"user\"},"
        "{\"parts\":[{\"functionCall\":{\"args\":{\"a\":1},\"id\":\"c1\","
        "\"name\":\"f\"},\"thoughtSignature\":\"c2ln\"}],"
        "\"role\":\"model\"},"
        "{\"parts\":[{\"functionResponse\":{\"id\":\"c1\",\"name\":\"f\","
        "\"response\":{\"output\":2}}}],\"role\":\"user\"}],"
        "\"systemInstruction\":{\"parts\":[{\"text\":\"be brief\"}],"
        "\"role\":\"user\"},"
        "\"tools\":[{\"functionDeclarations\":[{\"name\":\"f\","
        "\"description\":\"d\",\"parameters\":{\"type\":\"OBJECT\","
        "\"properties\":{\"a\":{\"type\":\"INTEGER\"}}}}]}],"
        "\"toolConfig\":{\"functionCallingConfig\":{"
        "\"allowedFunctionNames\":[\"f\"],"
        "\"mode\":\"ANY\"}},\"generationConfig\":{\"temperature\":0.2,"
        "\"maxOutputTokens\":50,\"stopSequences\":[\"X\"],"
        "\"responseMimeType\":\"application/json\","
        "\"responseSchema\":{\"type\":\"OBJECT\","
        "\"properties\":{\"r\":{\"type\":\"STRING\",\"nullable\":true}}},"
        "\"thinkingConfig\":{\"thinkingBudget\":2048,"
        "\"includeThoughts\":true}}}", 0, NULL);
    ok(in != NULL, "the SDK's body parses");
    hub = to_hub(in, 0, &err);
    json_is(hub,
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\","
        "\"content\":\"be brief\"},{\"role\":\"user\","
        "\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
        "{\"type\":\"image_url\","
        "\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0=\"}}]},"
        "{\"role\":\"assistant\",\"content\":null,"
        "\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
        "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"},"
        "\"extra_content\":{\"google\":{\"thought_signature\":\"c2ln\"}}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"c1\","
        "\"content\":\"{\\\"output\\\":2}\"}],"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
        "\"description\":\"d\",\"parameters\":{\"type\":\"object\","
        "\"properties\":{\"a\":{\"type\":\"integer\"}}}}}],"
        "\"tool_choice\":{\"type\":\"function\","
        "\"function\":{\"name\":\"f\"}},\"temperature\":0.2,"
        "\"max_tokens\":50,\"stop\":[\"X\"],"
        "\"response_format\":{\"type\":\"json_schema\","
        "\"json_schema\":{\"name\":\"response\","
        "\"schema\":{\"type\":\"object\","
        "\"properties\":{\"r\":{\"type\":[\"string\",\"null\"]}}}}},"
        "\"reasoning_effort\":\"medium\"}",
        "@google/genai request -> hub: ids kept, schema and budget mapped");
    json_decref(hub);
    json_decref(in);
}


/* What has no Gemini (or hub) equivalent is refused, not dropped. */
static void
check_refused(void)
{
    size_t        i;
    json_t       *in, *out;
    agw_error_t   err;

    static const char *const  gemini_bad[] = {
        "{\"contents\":{}}",
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"x\"}]}],"
        "\"tools\":[{\"googleSearch\":{}}]}",
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"fileData\":{"
        "\"mimeType\":\"video/mp4\",\"fileUri\":\"gs://a/b\"}}]}]}",
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"x\"}]}],"
        "\"cachedContent\":\"cachedContents/abc\"}",
        "{\"contents\":[{\"role\":\"system\",\"parts\":[{\"text\":\"x\"}]}]}",
        "{\"contents\":[{\"role\":\"model\",\"parts\":[{\"executableCode\":"
        "{\"code\":\"1\"}}]}]}",
        "{\"contents\":[{\"role\":\"model\",\"parts\":[{\"functionCall\":"
        "{\"args\":{}}}]}]}",
    };

    static const char *const  hub_bad[] = {
        "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":"
        "\"a\",\"type\":\"function\",\"function\":{\"name\":\"f\","
        "\"arguments\":\"{broken\"}}]}]}",
        "{\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"nope\","
        "\"content\":\"x\"}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
        "\"image_url\",\"image_url\":{\"url\":\"data:image/png,abc\"}}]}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{"
        "\"type\":\"web_search\"}]}",
        "{\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":"
        "\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
        "\"text\"}]}]}",
    };

    for (i = 0; i < sizeof(gemini_bad) / sizeof(gemini_bad[0]); i++) {
        in = json_loads(gemini_bad[i], 0, NULL);
        out = to_hub(in, 0, &err);
        ok(out == NULL && err.cls == AGW_ERR_INVALID_REQUEST
           && err.status == 400, "refused with a 400: %s", gemini_bad[i]);
        json_decref(out);
        json_decref(in);
    }

    for (i = 0; i < sizeof(hub_bad) / sizeof(hub_bad[0]); i++) {
        in = json_loads(hub_bad[i], 0, NULL);
        out = from_hub(in, &err);
        ok(out == NULL && err.cls == AGW_ERR_INVALID_REQUEST
           && err.status == 400, "refused with a 400: %s", hub_bad[i]);
        json_decref(out);
        json_decref(in);
    }
}


static void
check_passthrough(void)
{
    json_t              *in, *copy, *out;
    agw_error_t          err;
    agw_request_opts_t   o = { "gemini-2.5-pro", 1, 0 };

    in = fixture_json("gemini/request-system-instruction.json");
    copy = json_deep_copy(in);
    ok(agw_translate_request(GEM, GEM, in, &o, &out, &err) == 0
       && json_equal(out, copy) && json_equal(in, copy) && out != in,
       "gemini -> gemini: a copy as sent (model and stream are in the URL)");
    json_decref(out);
    json_decref(in);
    json_decref(copy);
}


int
main(void)
{
    check_tools();
    check_function_response();
    check_system_and_config();
    check_inline_image();
    check_history();
    check_openai_client();
    check_sdk_request();
    check_refused();
    check_passthrough();
    return done_testing();
}
