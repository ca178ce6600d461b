/*
 * Gemini streams over the real fixtures, as a client would read them:
 * Gemini provider to OpenAI and Gemini clients, OpenAI and Anthropic
 * providers to a Gemini client (tool calls arrive as ONE whole
 * functionCall part), every fixture split at every byte offset giving the
 * same bytes, usage taken from the last chunk, truncated streams and
 * provider errors ending in the client's error.
 */

#include "test_gemini.h"


/* The client's bytes of a whole run. */
static void
run(agw_dialect_t provider, agw_dialect_t client, const agw_stream_opts_t *o,
    const agw_buf_t *in, int upstream_ok, agw_buf_t *out, stream_run_t *r)
{
    agw_buf_reset(out);
    stream_run(provider, client, o, in->data, in->len, 0, upstream_ok, out,
               r);
}


static void
check_gemini_to_openai(void)
{
    size_t             i;
    agw_buf_t          in = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_buf_t          want = AGW_BUF_INIT;
    stream_run_t       r;
    oai_client_t       c;
    json_t            *args, *wargs;
    agw_stream_opts_t  o = { "gpt-alias", 1, 0 };

    static const struct {
        const char  *file;
        const char  *finish;
        int64_t      in, out, reasoning;
    } cases[] = {
        { "gemini/stream-text.sse", "stop", -1, -1, -1 },
        { "gemini/stream-text-usage.chunks.jsonl", "stop", 20, 253 + 260,
          260 },
        { "gemini/stream-reasoning.chunks.jsonl", "stop", 9, 29 + 256, 256 },
        { "gemini/stream-function-call.chunks.jsonl", "tool_calls", 17, 6,
          0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        agw_buf_reset(&in);
        agw_buf_reset(&want);
        gm_fixture_wire(cases[i].file, &in);
        gm_fixture_text(&in, &want);

        run(GEM, OAI, &o, &in, 1, &out, &r);
        oai_client_parse(out.data, out.len, &c);

        ok(r.feed_rc == 0 && r.finish_rc == 0 && c.parse_rc == 0 && c.done
           && c.error == NULL, "%s -> openai: clean stream ending in [DONE]",
           cases[i].file);
        ok(c.text.len == want.len
           && memcmp(c.text.data ? c.text.data : "", want.data ? want.data
                     : "", want.len) == 0,
           "  the client reads the whole text (%zu bytes)", want.len);
        is_str(c.finish, cases[i].finish, "  finish_reason");
        is_int(c.finishes, 1, "  exactly one finish_reason");
        ok(r.usage.input == cases[i].in && r.usage.output == cases[i].out
           && r.usage.reasoning == cases[i].reasoning,
           "  usage from the last chunk, not summed: in %lld out %lld "
           "reasoning %lld", (long long) cases[i].in,
           (long long) cases[i].out, (long long) cases[i].reasoning);
        if (cases[i].in >= 0) {
            ok(json_integer_value(json_object_get(c.usage, "prompt_tokens"))
               == cases[i].in
               && json_integer_value(json_object_get(c.usage,
                      "completion_tokens")) == cases[i].out,
               "  the usage chunk the client asked for");
        }

        if (strcmp(cases[i].finish, "tool_calls") == 0) {
            args = jparse(json_string_value(json_object_get(
                       json_array_get(c.calls, 0), "arguments")));
            wargs = json_pack("{s:i, s:i}", "denominator", 2,
                              "numerator", 10);
            ok(json_array_size(c.calls) == 1
               && strcmp(json_string_value(json_object_get(
                      json_array_get(c.calls, 0), "name")), "customDivide")
                  == 0 && json_equal(args, wargs)
               && strcmp(json_string_value(json_object_get(
                      json_array_get(c.calls, 0), "id")),
                      "call_a9SfaKaNG-3xn9kP5pnMyQ4_0") == 0,
               "  tool call customDivide, id, whole args object");
            json_decref(args);
            json_decref(wargs);
        }

        oai_client_free(&c);
        /* every offset is split in check_roundtrip(), same decoder */
        gm_bytewise_identical(GEM, OAI, &o, &in, &out, cases[i].file);
        gm_splits_identical(GEM, OAI, &o, &in, &out, 7, cases[i].file);
    }

    agw_buf_free(&in);
    agw_buf_free(&out);
    agw_buf_free(&want);
}


/*
 * Decoded to the hub by the Gemini decoder and encoded again by the Gemini
 * encoder (the dispatcher would pass Gemini through, so the stream is
 * built by hand): piece is the feed size (0: whole).
 */
static int
roundtrip(const agw_buf_t *in, size_t piece, size_t cut, agw_buf_t *out)
{
    int                rc;
    size_t             i, n;
    agw_stream_t      *s;
    agw_stream_opts_t  o = { "gemini-alias", 0, 0 };

    s = agw_stream_new(GEM, OAI, &o);
    s->cops = &agw_gemini_ops;

    if (cut > 0) {
        rc = agw_stream_feed(s, in->data, cut, out);
        if (rc == 0) {
            (void) agw_stream_feed(s, in->data + cut, in->len - cut, out);
        }
    } else {
        for (i = 0; i < in->len; i += n) {
            n = piece && piece < in->len - i ? piece : in->len - i;
            if (agw_stream_feed(s, in->data + i, n, out) != 0) {
                break;
            }
        }
    }

    rc = agw_stream_finish(s, 1, out);
    agw_stream_free(s);
    return rc;
}


static void
check_roundtrip(void)
{
    size_t        i, k, bad;
    agw_buf_t     in = AGW_BUF_INIT, out = AGW_BUF_INIT,
                  again = AGW_BUF_INIT, want = AGW_BUF_INIT;
    gm_client_t   c;
    json_t       *last, *meta;

    static const struct {
        const char  *file;
        const char  *calls;
    } cases[] = {
        { "gemini/stream-text.sse", "[]" },
        { "gemini/stream-text-usage.chunks.jsonl", "[]" },
        { "gemini/stream-reasoning.chunks.jsonl", "[]" },
        { "gemini/stream-function-call.chunks.jsonl",
          "[{\"name\":\"customDivide\",\"args\":{\"denominator\":2,"
          "\"numerator\":10},\"id\":\"call_a9SfaKaNG-3xn9kP5pnMyQ4_0\"}]" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        agw_buf_reset(&in);
        agw_buf_reset(&out);
        agw_buf_reset(&want);
        gm_fixture_wire(cases[i].file, &in);
        gm_fixture_text(&in, &want);

        ok(roundtrip(&in, 0, 0, &out) == 0, "%s: gemini -> hub -> gemini",
           cases[i].file);
        gm_client_parse(out.data, out.len, &c);
        ok(c.framing_ok && c.error == NULL
           && c.text.len == want.len
           && memcmp(c.text.data ? c.text.data : "",
                     want.data ? want.data : "", want.len) == 0,
           "  same text, \"data: ...\\r\\n\\n\" events");
        json_is(c.calls, cases[i].calls, "  the same function calls");
        is_str(c.finish, "STOP", "  finishReason STOP");
        is_str(c.model, "gemini-alias", "  modelVersion");

        /* usage as Google counted it on the last chunk */
        last = NULL;
        if (strstr(cases[i].file, ".jsonl") != NULL) {
            last = fixture_last_chunk(cases[i].file);
        }
        meta = json_object_get(last, "usageMetadata");
        if (meta != NULL) {
            ok(json_equal(json_object_get(c.usage, "promptTokenCount"),
                          json_object_get(meta, "promptTokenCount"))
               && json_equal(json_object_get(c.usage,
                                             "candidatesTokenCount"),
                             json_object_get(meta, "candidatesTokenCount"))
               && json_equal(json_object_get(c.usage, "totalTokenCount"),
                             json_object_get(meta, "totalTokenCount")),
               "  usageMetadata of the last chunk, as Google counted it");
        } else {
            ok(c.usage == NULL, "  no usage given, none invented");
        }
        json_decref(last);
        gm_client_free(&c);

        agw_buf_reset(&again);
        roundtrip(&in, 1, 0, &again);
        ok(again.len == out.len && memcmp(again.data, out.data, out.len)
           == 0, "  identical fed one byte at a time");

        bad = 0;
        for (k = 1; k < in.len; k++) {
            agw_buf_reset(&again);
            roundtrip(&in, 0, k, &again);
            if (again.len != out.len
                || memcmp(again.data, out.data, out.len) != 0)
            {
                bad++;
            }
        }
        ok(bad == 0, "  identical split at every byte offset (%zu)",
           in.len - 1);
    }

    agw_buf_free(&in);
    agw_buf_free(&out);
    agw_buf_free(&again);
    agw_buf_free(&want);
}


static void
check_passthrough(void)
{
    size_t             i;
    agw_buf_t          in = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_buf_t          want = AGW_BUF_INIT;
    stream_run_t       r;
    gm_client_t        c;
    agw_stream_opts_t  o = { "my-gemini", 0, 0 };

    static const char *const  files[] = {
        "gemini/stream-text.sse",
        "gemini/stream-text-usage.chunks.jsonl",
        "gemini/stream-reasoning.chunks.jsonl",
        "gemini/stream-function-call.chunks.jsonl",
        "gemini/stream-function-call-partial-args-vertex.chunks.jsonl",
    };

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        agw_buf_reset(&in);
        agw_buf_reset(&want);
        gm_fixture_wire(files[i], &in);
        gm_fixture_text(&in, &want);

        run(GEM, GEM, &o, &in, 1, &out, &r);
        gm_client_parse(out.data, out.len, &c);
        ok(r.feed_rc == 0 && r.finish_rc == 0 && c.framing_ok
           && c.error == NULL, "%s -> gemini passthrough: clean, "
           "\"data: ...\\r\\n\\r\\n\" events", files[i]);
        ok(c.text.len == want.len
           && memcmp(c.text.data ? c.text.data : "",
                     want.data ? want.data : "", want.len) == 0,
           "  same text");
        ok(c.model[0] == '\0' || strcmp(c.model, "my-gemini") == 0,
           "  modelVersion is the client's model");
        gm_client_free(&c);
        gm_bytewise_identical(GEM, GEM, &o, &in, &out, files[i]);
        gm_splits_identical(GEM, GEM, &o, &in, &out, 5, files[i]);
    }

    agw_buf_free(&in);
    agw_buf_free(&out);
    agw_buf_free(&want);
}


/* A provider whose tool calls come in fragments: what a Gemini client
 * reads is one whole functionCall part per call. */
static void
check_to_gemini_client(void)
{
    size_t             i, k;
    agw_buf_t          in = AGW_BUF_INIT, out = AGW_BUF_INIT;
    stream_run_t       r;
    gm_client_t        c;
    json_t            *want, *got;
    agw_stream_opts_t  o = { "gemini-alias", 0, 0 };

    static const struct {
        agw_dialect_t  provider;
        const char    *file;
        const char    *calls;      /* [{"name","args"}] expected, or NULL */
        const char    *text;       /* a prefix of the text, or NULL */
        int64_t        prompt, cand;
    } cases[] = {
        { OAI, "openai-chat/stream-tool-calls.sse",
          "[{\"name\":\"get_weather\",\"args\":{\"city\":\"San Francisco\","
          "\"state\":\"CA\"},\"id\":\"call_CTf1nWJLqSeRgDqaCG27xZ74\"}]",
          NULL, 48, 19 },
        { OAI, "openai-chat/stream-parallel-tool-calls.sse",
          "[{\"name\":\"GetWeatherArgs\",\"args\":{\"city\":\"Edinburgh\","
          "\"country\":\"GB\",\"units\":\"c\"},\"id\":"
          "\"call_JMW1whyEaYG438VE1OIflxA2\"},{\"name\":\"get_stock_price\","
          "\"args\":{\"ticker\":\"AAPL\",\"exchange\":\"NASDAQ\"},\"id\":"
          "\"call_DNYTawLBoN8fj3KN6qU9N1Ou\"}]", NULL, 149, 60 },
        /* the same with the calls' fragments interleaved (crafted) */
        { OAI, "openai-chat/stream-parallel-tool-calls.interleaved.sse",
          "[{\"name\":\"GetWeatherArgs\",\"args\":{\"city\":\"Edinburgh\","
          "\"country\":\"GB\",\"units\":\"c\"},\"id\":"
          "\"call_JMW1whyEaYG438VE1OIflxA2\"},{\"name\":\"get_stock_price\","
          "\"args\":{\"ticker\":\"AAPL\",\"exchange\":\"NASDAQ\"},\"id\":"
          "\"call_DNYTawLBoN8fj3KN6qU9N1Ou\"}]", NULL, 149, 60 },
        { OAI, "openai-chat/stream-text.sse", NULL, "I", -2, -2 },
        { ANT, "anthropic-messages/stream-tool-use.sse", "", NULL, -2, -2 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        agw_buf_reset(&in);
        gm_fixture_wire(cases[i].file, &in);
        run(cases[i].provider, GEM, &o, &in, 1, &out, &r);
        gm_client_parse(out.data, out.len, &c);

        ok(r.feed_rc == 0 && r.finish_rc == 0 && c.framing_ok
           && c.error == NULL && c.events > 0,
           "%s -> gemini client: clean stream", cases[i].file);
        is_str(c.finish, "STOP", "  final finishReason STOP");
        is_int(c.finishes, 1, "  one chunk carries the finish");
        is_str(c.model, "gemini-alias", "  modelVersion is the client's");

        if (cases[i].calls != NULL && cases[i].calls[0] != '\0') {
            want = json_loads(cases[i].calls, 0, NULL);
            got = json_deep_copy(c.calls);
            ok(json_equal(got, want), "  whole functionCall parts: %s",
               cases[i].calls);
            if (!json_equal(got, want)) {
                char *g = json_dumps(got, JSON_COMPACT);
                tap_diag("got %s", g);
                free(g);
            }
            json_decref(want);
            json_decref(got);
        }

        if (cases[i].calls != NULL && cases[i].calls[0] == '\0') {
            /* Anthropic: whatever the call is, it arrives whole, once */
            ok(json_array_size(c.calls) >= 1, "  tool calls arrive");
            json_array_foreach(c.calls, k, got) {
                ok(json_is_object(json_object_get(got, "args"))
                   && json_is_string(json_object_get(got, "name")),
                   "  call %zu: a name and an args object", k);
            }
        }

        if (cases[i].text != NULL) {
            ok(c.text.len > 0 && strncmp(c.text.data, cases[i].text,
                                         strlen(cases[i].text)) == 0,
               "  the text arrives");
        }

        if (cases[i].prompt >= 0) {
            ok(json_integer_value(json_object_get(c.usage,
                   "promptTokenCount")) == cases[i].prompt
               && json_integer_value(json_object_get(c.usage,
                      "candidatesTokenCount")) == cases[i].cand
               && json_integer_value(json_object_get(c.usage,
                      "totalTokenCount")) == cases[i].prompt + cases[i].cand,
               "  usageMetadata on the last chunk: %lld + %lld",
               (long long) cases[i].prompt, (long long) cases[i].cand);
        }

        gm_client_free(&c);
        /* the other dialects' parsers are split everywhere by their own
         * tests: here every 11th offset moves every boundary */
        gm_bytewise_identical(cases[i].provider, GEM, &o, &in, &out,
                              cases[i].file);
        gm_splits_identical(cases[i].provider, GEM, &o, &in, &out, 11,
                            cases[i].file);
    }

    agw_buf_free(&in);
    agw_buf_free(&out);
}


/* OpenAI streams given as payloads: text, usage, Azure's reasoning. */
static void
check_openai_payload_streams(void)
{
    size_t             i;
    agw_buf_t          in = AGW_BUF_INIT, out = AGW_BUF_INIT;
    stream_run_t       r;
    gm_client_t        c;
    agw_stream_opts_t  o = { "g", 0, 0 };

    static const struct {
        const char  *file;
        int64_t      prompt, cand, thoughts;
    } cases[] = {
        { "openai-chat/stream-include-usage.chunks.jsonl", 16, 300, -1 },
        { "openai-chat/stream-reasoning-usage-azure.chunks.jsonl", -1, -1,
          64 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        agw_buf_reset(&in);
        fixture_jsonl_to_sse(cases[i].file, "data: [DONE]\n\n", &in);
        run(OAI, GEM, &o, &in, 1, &out, &r);
        gm_client_parse(out.data, out.len, &c);

        ok(r.feed_rc == 0 && r.finish_rc == 0 && c.framing_ok
           && c.text.len > 0 && strcmp(c.finish, "STOP") == 0,
           "%s -> gemini client: text and STOP", cases[i].file);
        if (cases[i].prompt >= 0) {
            ok(json_integer_value(json_object_get(c.usage,
                   "promptTokenCount")) == cases[i].prompt
               && json_integer_value(json_object_get(c.usage,
                      "candidatesTokenCount")) == cases[i].cand,
               "  usage %lld + %lld", (long long) cases[i].prompt,
               (long long) cases[i].cand);
        }
        if (cases[i].thoughts >= 0) {
            is_int(json_integer_value(json_object_get(c.usage,
                       "thoughtsTokenCount")), cases[i].thoughts,
                   "  reasoning tokens -> thoughtsTokenCount");
        }
        gm_client_free(&c);
    }

    agw_buf_free(&in);
    agw_buf_free(&out);
}


static void
check_truncated_and_errors(void)
{
    char              *p;
    agw_buf_t          in = AGW_BUF_INIT, out = AGW_BUF_INIT;
    stream_run_t       r;
    gm_client_t        gc;
    oai_client_t       oc;
    agw_stream_opts_t  o = { "m", 1, 0 };

    /* a Gemini stream cut before its finishReason */
    gm_fixture_wire("gemini/stream-text-usage.chunks.jsonl", &in);
    p = strstr(in.data, "data: {\"candidates\": [{\"content\": {\"parts\": "
                        "[{\"text\": \" rather than violet.\"");
    in.len = (size_t) (p - in.data);
    run(GEM, OAI, &o, &in, 1, &out, &r);
    oai_client_parse(out.data, out.len, &oc);
    ok(r.finish_rc == 1 && oc.error != NULL && !oc.done
       && r.error.cls == AGW_ERR_BAD_GATEWAY,
       "gemini stream without its finishReason -> openai error event");
    oai_client_free(&oc);

    run(GEM, GEM, &o, &in, 1, &out, &r);
    gm_client_parse(out.data, out.len, &gc);
    ok(r.finish_rc == 1 && gc.error != NULL && gc.framing_ok,
       "  and to a gemini client: the events, then an error object chunk");
    is_str(json_string_value(json_object_get(json_object_get(gc.error,
               "error"), "status")), "UNAVAILABLE", "  status UNAVAILABLE");
    is_int(json_integer_value(json_object_get(json_object_get(gc.error,
               "error"), "code")), 502, "  code 502");
    p = strstr(out.data, "data: {\"error\":");
    ok(p != NULL && strcmp(p + strlen(p) - 4, "\r\n\r\n") == 0,
       "  the last event, framed like every other");
    gm_client_free(&gc);

    /* the connection lost after the finishReason loses nothing (the
     * dispatcher's rule), before it is an error */
    agw_buf_reset(&in);
    gm_fixture_wire("gemini/stream-function-call.chunks.jsonl", &in);
    run(GEM, OAI, &o, &in, 0, &out, &r);
    ok(r.finish_rc == 0, "connection lost after the finishReason: whole");
    in.len -= 10;
    run(GEM, OAI, &o, &in, 0, &out, &r);
    ok(r.finish_rc == 1, "connection lost inside the last chunk: error");

    /* an OpenAI stream cut in the middle of a tool call */
    agw_buf_reset(&in);
    gm_fixture_wire("openai-chat/stream-tool-calls.sse", &in);
    in.len /= 2;
    run(OAI, GEM, &o, &in, 1, &out, &r);
    gm_client_parse(out.data, out.len, &gc);
    ok(r.finish_rc == 1 && gc.error != NULL
       && json_array_size(gc.calls) == 0,
       "openai stream cut mid tool call -> gemini client error, no "
       "half call");
    gm_client_free(&gc);

    /* a Gemini error event inside the stream */
    agw_buf_reset(&in);
    agw_buf_append_str(&in, "data: {\"candidates\":[{\"content\":{\"parts\":"
        "[{\"text\":\"Hi\"}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n"
        "data: {\"error\":{\"code\":429,\"message\":\"Resource exhausted.\","
        "\"status\":\"RESOURCE_EXHAUSTED\"}}\r\n\r\n");
    run(GEM, OAI, &o, &in, 1, &out, &r);
    oai_client_parse(out.data, out.len, &oc);
    ok(r.feed_rc == -1 && r.error.cls == AGW_ERR_RATE_LIMIT && oc.error
       && strcmp(oc.text.data, "Hi") == 0,
       "gemini error chunk -> openai error event, class rate limit");
    oai_client_free(&oc);

    run(GEM, GEM, &o, &in, 1, &out, &r);
    ok(r.feed_rc == -1 && r.error.cls == AGW_ERR_RATE_LIMIT
       && strstr(out.data, "data: {\"error\":{\"code\":429") != NULL,
       "  passthrough forwards it as sent");

    /* Vertex's streamed arguments cannot be translated: said, not garbled */
    agw_buf_reset(&in);
    gm_fixture_wire("gemini/stream-function-call-partial-args-vertex."
                    "chunks.jsonl", &in);
    run(GEM, OAI, &o, &in, 1, &out, &r);
    oai_client_parse(out.data, out.len, &oc);
    ok(r.feed_rc == -1 && oc.error != NULL
       && json_array_size(oc.calls) == 0
       && strstr(r.error.message, "partialArgs") != NULL,
       "vertex partialArgs stream -> a clear error, no broken tool call");
    oai_client_free(&oc);

    /* an OpenAI provider whose arguments never make an object */
    agw_buf_reset(&in);
    agw_buf_append_str(&in, "data: {\"id\":\"c\",\"object\":\"chat.completion."
        "chunk\",\"created\":1,\"model\":\"x\",\"choices\":[{\"index\":0,"
        "\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"type\":"
        "\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\"}}"
        "]},\"finish_reason\":null}]}\n\n"
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":"
        "1,\"model\":\"x\",\"choices\":[{\"index\":0,\"delta\":{},"
        "\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n");
    run(OAI, GEM, &o, &in, 1, &out, &r);
    gm_client_parse(out.data, out.len, &gc);
    ok(r.finish_rc == 1 && gc.error != NULL
       && json_array_size(gc.calls) == 0,
       "broken tool arguments -> gemini client error, not a corrupt call");
    gm_client_free(&gc);

    agw_buf_free(&in);
    agw_buf_free(&out);
}


/*
 * Text deltas written straight into Gemini chunks (stream_encode_text)
 * against the hub path, from an Anthropic and from an OpenAI provider.
 */
static void
test_text_path(void)
{
    int                 kept;
    char               *text;
    size_t              len;
    /* a lone choice of another index: the Gemini client gets candidate 2 */
    static const char   second[] =
        "data: {\"id\":\"c\",\"choices\":[{\"index\":0,"
        "\"delta\":{\"role\":\"assistant\",\"content\":\"a\"}}]}\n\n"
        "data: {\"id\":\"c\",\"choices\":[{\"index\":0,"
        "\"delta\":{\"content\":\"b\"}}]}\n\n"
        "data: {\"id\":\"c\",\"choices\":[{\"index\":2,"
        "\"delta\":{\"content\":\"c\"}}]}\n\n"
        "data: {\"id\":\"c\",\"choices\":[{\"index\":0,"
        "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
        "data: [DONE]\n\n";

    text = fixture_read("anthropic-messages/stream-text.sse", &len);
    ok(text != NULL
       && text_path_agrees(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI, text,
                           len, NULL, &kept),
       "anthropic stream-text.sse -> gemini: text path and hub path agree");
    free(text);

    text = fixture_read("openai-chat/stream-text.sse", &len);
    ok(text != NULL
       && text_path_agrees(AGW_DIALECT_OPENAI, AGW_DIALECT_GEMINI, text, len,
                           NULL, &kept),
       "openai stream-text.sse -> gemini: text path and hub path agree");
    free(text);

    ok(text_path_agrees(AGW_DIALECT_OPENAI, AGW_DIALECT_GEMINI, second,
                        sizeof(second) - 1, NULL, &kept),
       "openai chunks of candidate 2 -> gemini: both paths agree");

    ok(text_path_agrees(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI,
                        crafted_anthropic_deltas,
                        sizeof(crafted_anthropic_deltas) - 1,
                        "{\"text\":\"caf\\u00e9 \\/\"}", &kept),
       "crafted anthropic deltas -> gemini: text path and hub path agree");
    ok(kept, "the text path copied the provider's escapes as they came");
}


/*
 * Tool calls are held whole for a Gemini client until the end: a provider
 * streaming arguments without end gets an error chunk past the held
 * limit, not unbounded memory; so does one inventing call after call.
 */
static void
check_held_limit(void)
{
    size_t             i;
    agw_buf_t          in = AGW_BUF_INIT, out = AGW_BUF_INIT;
    stream_run_t       r;
    gm_client_t        c;
    agw_stream_opts_t  o = { "gemini-alias", 0, 0 };

    (void) agw_buf_append_str(&in,
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
        "{\"index\":0,\"id\":\"c_a\",\"function\":{\"name\":\"a\","
        "\"arguments\":\"{\\\"s\\\":\\\"\"}}]}}]}\n\n");
    (void) crafted_endless_arguments(&in, 0, AGW_GEMINI_MAX_HELD);
    (void) agw_buf_append_str(&in,
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
        "{\"index\":0,\"function\":{\"arguments\":\"\\\"}\"}}]}}]}\n\n"
        "data: [DONE]\n\n");

    run(OAI, GEM, &o, &in, 1, &out, &r);
    gm_client_parse(out.data, out.len, &c);
    ok(r.finish_rc != 0 && c.error != NULL,
       "arguments past the held limit: the stream ends in an error");
    ok(c.calls == NULL || json_array_size(c.calls) == 0,
       "  and no functionCall reaches the client");
    gm_client_free(&c);

    agw_buf_reset(&in);
    for (i = 0; i <= AGW_GEMINI_MAX_HELD_CALLS; i++) {
        (void) agw_buf_printf(&in, "data: {\"choices\":[{\"index\":0,"
            "\"delta\":{\"tool_calls\":[{\"index\":%zu,\"function\":{"
            "\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n", i);
    }
    (void) agw_buf_append_str(&in, "data: [DONE]\n\n");

    run(OAI, GEM, &o, &in, 1, &out, &r);
    gm_client_parse(out.data, out.len, &c);
    ok(r.finish_rc != 0 && c.error != NULL,
       "calls past the held limit: the stream ends in an error");
    gm_client_free(&c);

    agw_buf_free(&in);
    agw_buf_free(&out);
}


int
main(void)
{
    test_text_path();
    check_gemini_to_openai();
    check_roundtrip();
    check_passthrough();
    check_to_gemini_client();
    check_openai_payload_streams();
    check_truncated_and_errors();
    check_held_limit();
    return done_testing();
}
