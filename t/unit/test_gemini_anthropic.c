/*
 * Gemini and Anthropic, through the hub, both ways: requests each way, a
 * Gemini provider's streams and responses read back by an Anthropic
 * client (with the Anthropic tests' own reader, which also checks the
 * block framing), and Anthropic answers for a Gemini client.
 */

#include "test_anthropic.h"


/* want: the whole summary; or, with prefix, its start (and no fault) */
static void
stream_is(const char *file, const char *want, int prefix)
{
    char       *p, *q;
    size_t      n;
    agw_buf_t   in = AGW_BUF_INIT, out = AGW_BUF_INIT, sum = AGW_BUF_INIT;
    int         rc;

    /* .chunks.jsonl payloads framed as Google's alt=sse */
    p = fixture_read(file, &n);
    if (strstr(file, ".jsonl") != NULL) {
        for (q = strtok(p, "\n"); q != NULL; q = strtok(NULL, "\n")) {
            agw_buf_printf(&in, "data: %s\r\n\r\n", q);
        }
    } else {
        agw_buf_append(&in, p, n);
    }
    free(p);

    rc = ant_run(AGW_DIALECT_GEMINI, AGW_DIALECT_ANTHROPIC, "claude-alias",
                 in.data, in.len, 0, 0, &out, NULL);
    ant_read(out.data, out.len, 0, &sum);
    ok(rc == 0, "%s -> anthropic client: clean end", file);
    if (prefix) {
        ok(strncmp(sum.data, want, strlen(want)) == 0
           && strstr(sum.data, "FAULT") == NULL
           && strstr(sum.data, "stop=end_turn") != NULL,
           "  well-formed, starts as it should");
    } else {
        is_str(sum.data, want, "  what the client reads");
    }

    agw_buf_reset(&out);
    rc = ant_run(AGW_DIALECT_GEMINI, AGW_DIALECT_ANTHROPIC, "claude-alias",
                 in.data, in.len, 0, 1, &out, NULL);
    ant_read(out.data, out.len, 0, &sum);
    if (!prefix) {
        is_str(sum.data, want, "  the same fed one byte at a time");
    }

    agw_buf_free(&in);
    agw_buf_free(&out);
    agw_buf_free(&sum);
}


static void
check_streams(void)
{
    stream_is("gemini/stream-function-call.chunks.jsonl",
        "model=claude-alias\n"
        "[0 tool_use call_a9SfaKaNG-3xn9kP5pnMyQ4_0 customDivide] "
        "{\"denominator\":2,\"numerator\":10}\n"
        "stop=tool_use usage in=17 cw=0 cr=0 out=6\n"
        "end\n", 0);
    /* output = candidates 29 + thoughts 256 */
    stream_is("gemini/stream-reasoning.chunks.jsonl",
        "model=claude-alias\n"
        "[0 text] There are **3** \"r\"s in strawberry.\n\n"
        "Here is the breakdown: st**r**awbe**rr**y.\n"
        "stop=end_turn usage in=9 cw=0 cr=0 out=285\n"
        "end\n", 0);
    /* a 2024 stream: finishReason on every chunk; the text after the
     * first one still arrives, in a block of its own */
    stream_is("gemini/stream-text.sse",
        "model=claude-alias\n"
        "[0 text] In the quaint, sunlit cottage nestled amidst a lush "
        "meadow, resided two feline\n"
        "[1 text]  companions named Mittens and Whiskers.", 1);
}


static void
response_is(agw_dialect_t provider, agw_dialect_t client, const char *file,
    const char *want, int64_t in, int64_t out, int64_t reasoning)
{
    char                *body;
    size_t               len;
    json_t              *got, *w;
    agw_buf_t            res = AGW_BUF_INIT;
    agw_usage_t          u;
    agw_error_t          err;
    agw_response_opts_t  o = { "alias" };

    body = fixture_read(file, &len);
    agw_usage_init(&u);
    ok(agw_translate_response(provider, client, body, len, &o, &res, &u,
                              &err) == 0, "%s -> %s client", file,
       agw_dialect_name(client));
    got = json_loadb(res.data, res.len, 0, NULL);
    w = json_loads(want, 0, NULL);
    ok(w != NULL && json_equal(got, w), "  as the client reads it");
    if (w == NULL || !json_equal(got, w)) {
        tap_diag("got %.*s", (int) res.len, res.data);
    }
    ok(u.input == in && u.output == out && u.reasoning == reasoning,
       "  usage in %lld out %lld reasoning %lld", (long long) in,
       (long long) out, (long long) reasoning);
    json_decref(got);
    json_decref(w);
    agw_buf_free(&res);
    free(body);
}


static void
check_responses(void)
{
    response_is(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI,
        "anthropic-messages/response-tool-use.json",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{"
        "\"name\":\"get_weather\",\"args\":{\"location\":\"San Francisco, "
        "CA\",\"units\":\"f\"},\"id\":\"toolu_01A9HHF5Ezy3oBrKmSgfASm9\"}}],"
        "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
        "\"usageMetadata\":{\"promptTokenCount\":656,\"candidatesTokenCount\":"
        "74,\"totalTokenCount\":730},\"modelVersion\":\"alias\","
        "\"responseId\":\"msg_01RMQBcKf2dxTq6qfi31BBTz\"}", 656, 74, -1);

    /* Anthropic's signature means nothing to Gemini: the thought stays,
     * the signature goes */
    response_is(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI,
        "anthropic-messages/response-thinking.json",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"925 divided "
        "by 5 = 185\",\"thought\":true},{\"text\":\"925 \u00f7 5 = 185\"}],"
        "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
        "\"usageMetadata\":{\"promptTokenCount\":69,\"candidatesTokenCount\":"
        "33,\"totalTokenCount\":102},\"modelVersion\":\"alias\","
        "\"responseId\":\"msg_01XrsJCi8CQoLcnnWdY8RsJz\"}", 69, 33, -1);

    response_is(AGW_DIALECT_GEMINI, AGW_DIALECT_ANTHROPIC,
        "gemini/response-function-call-thought-signature.json",
        "{\"id\":\"m36LaZGyCLz1xs0PtNSB-QU\",\"type\":\"message\",\"role\":"
        "\"assistant\",\"model\":\"alias\",\"content\":[{\"type\":"
        "\"tool_use\",\"id\":\"call_m36LaZGyCLz1xs0PtNSB-QU_0\",\"name\":"
        "\"weather\",\"input\":{\"location\":\"San Francisco\"}}],"
        "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{"
        "\"input_tokens\":29,\"cache_creation_input_tokens\":0,"
        "\"cache_read_input_tokens\":0,\"output_tokens\":908}}",
        29, 15 + 893, 893);
}


static void
request_is(agw_dialect_t client, agw_dialect_t provider, const char *file,
    const char *want)
{
    char                *got;
    json_t              *in, *out, *w;
    agw_error_t          err;
    agw_request_opts_t   o = { "up-model", 1, 1024 };

    in = fixture_json(file);
    ok(agw_translate_request(client, provider, in, &o, &out, &err) == 0,
       "%s -> %s provider", file, agw_dialect_name(provider));
    w = json_loads(want, 0, NULL);
    ok(w != NULL && json_equal(out, w), "  the provider's body");
    if (w == NULL || !json_equal(out, w)) {
        got = json_dumps(out, JSON_COMPACT);
        tap_diag("got %s", got);
        free(got);
    }
    json_decref(w);
    json_decref(out);
    json_decref(in);
}


static void
check_requests(void)
{
    /* the tool result finds its function's name through the tool_use id;
     * the unsigned call gets Google's documented skip signature */
    request_is(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI,
        "anthropic-messages/request-tool-result.json",
        "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"What is "
        "the weather in SF?\"}]},{\"role\":\"model\",\"parts\":[{"
        "\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"location\":"
        "\"San Francisco, CA\",\"units\":\"f\"}},\"thoughtSignature\":"
        "\"skip_thought_signature_validator\"}]},{\"role\":\"user\",\"parts\":"
        "[{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{"
        "\"content\":\"RuntimeError('Unexpected error, try again')\"}}}]}],"
        "\"tools\":[{\"functionDeclarations\":[{\"name\":\"get_weather\","
        "\"description\":\"Lookup the weather for a given city in either "
        "celsius or fahrenheit\",\"parametersJsonSchema\":{"
        "\"additionalProperties\":false,\"properties\":{\"location\":{"
        "\"description\":\"The city and state, e.g. San Francisco, CA\","
        "\"title\":\"Location\",\"type\":\"string\"},\"units\":{"
        "\"description\":\"Unit for the output, either 'c' for celsius or "
        "'f' for fahrenheit\",\"enum\":[\"c\",\"f\"],\"title\":\"Units\","
        "\"type\":\"string\"}},\"required\":[\"location\",\"units\"],"
        "\"type\":\"object\"}}]}],\"generationConfig\":{"
        "\"maxOutputTokens\":1024}}");

    request_is(AGW_DIALECT_GEMINI, AGW_DIALECT_ANTHROPIC,
        "gemini/request-function-response.json",
        "{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\","
        "\"content\":[{\"type\":\"text\",\"text\":\"Divide 10 by 2 using "
        "the customDivide function\"}]},{\"role\":\"assistant\",\"content\":"
        "[{\"type\":\"tool_use\",\"id\":\"call_1_0\",\"name\":"
        "\"customDivide\",\"input\":{\"denominator\":2,\"numerator\":10}}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
        "\"tool_use_id\":\"call_1_0\",\"content\":\"{\\\"output\\\":42}\"}]}],"
        "\"tools\":[{\"name\":\"customDivide\",\"input_schema\":{"
        "\"properties\":{\"denominator\":{\"type\":\"number\"},"
        "\"numerator\":{\"type\":\"number\"}},\"type\":\"object\"},"
        "\"description\":\"Custom divide function\"}],\"tool_choice\":{"
        "\"type\":\"auto\"},\"max_tokens\":1024,\"stream\":true}");

    request_is(AGW_DIALECT_GEMINI, AGW_DIALECT_ANTHROPIC,
        "gemini/request-system-instruction.json",
        "{\"model\":\"up-model\",\"system\":\"I say high you say low, and "
        "then tell me why is the sky blue.\",\"messages\":[{\"role\":"
        "\"user\",\"content\":[{\"type\":\"text\",\"text\":\"high\"}]}],"
        "\"max_tokens\":1024,\"stream\":true}");
}


int
main(void)
{
    check_requests();
    check_streams();
    check_responses();
    return done_testing();
}
