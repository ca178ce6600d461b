/*
 * Anthropic streams: every captured and documented Anthropic stream decoded
 * for an OpenAI client, re-encoded for an Anthropic client, and passed
 * through; OpenAI's captured streams encoded for an Anthropic client.
 * Each is fed whole, cut at every byte offset and byte by byte, with the
 * same bytes out; cut short, each ends in an error event.
 */

#include "test_anthropic.h"
#include "stream_util.h"


#define A  AGW_DIALECT_ANTHROPIC
#define O  AGW_DIALECT_OPENAI

/*
 * Anthropic bytes are cut at every offset.  OpenAI bytes (the OpenAI
 * decoder's split-invariance is test_openai's; here the Anthropic encoder
 * only sees its hub chunks) are cut every OPENAI_STRIDE bytes, a prime, so
 * that the cuts still fall at every position within lines and events,
 * and the suite stays within seconds under the sanitizers.
 */
#define OPENAI_STRIDE  7


/* Feeds in every way; says whether every split gave the whole run's bytes.
 * bytes gets the whole run's output. */
static int
same_at_every_split(agw_dialect_t p, agw_dialect_t c, const char *in,
    size_t len, size_t stride, agw_buf_t *bytes)
{
    size_t     cut;
    int        rc, rc2;
    agw_buf_t  b = AGW_BUF_INIT;

    agw_buf_reset(bytes);
    rc = ant_run(p, c, "alias-model", in, len, 0, 0, bytes, NULL);

    for (cut = 1; cut < len; cut += stride) {
        agw_buf_reset(&b);
        rc2 = ant_run(p, c, "alias-model", in, len, cut, 0, &b, NULL);
        if (rc2 != rc || b.len != bytes->len
            || memcmp(b.data, bytes->data, b.len) != 0)
        {
            tap_diag("output differs when cut at %zu", cut);
            agw_buf_free(&b);
            return 0;
        }
    }

    agw_buf_reset(&b);
    rc2 = ant_run(p, c, "alias-model", in, len, 0, 1, &b, NULL);
    if (rc2 != rc || b.len != bytes->len
        || memcmp(b.data, bytes->data, b.len) != 0)
    {
        tap_diag("output differs when fed byte by byte");
        agw_buf_free(&b);
        return 0;
    }

    agw_buf_free(&b);
    return 1;
}


/* Anthropic provider, OpenAI client: what the client's SDK assembles;
 * thinking_blocks fragments concatenated give the whole signed block. */
static void
test_to_openai(const char *fixture, const char *want)
{
    agw_buf_t  in = AGW_BUF_INIT, out = AGW_BUF_INIT, sum = AGW_BUF_INIT;
    char       name[256];

    snprintf(name, sizeof(name), "anthropic-messages/%s", fixture);
    if (!ok(ant_fixture_wire(name, &in) == 0, "%s: read", fixture)) {
        return;
    }

    ok(same_at_every_split(A, O, in.data, in.len, 1, &out),
       "%s -> openai: same bytes at every split", fixture);

    oa_read(out.data, out.len, &sum);
    snprintf(name, sizeof(name), "%s -> openai: text, tools, finish, usage",
             fixture);
    is_str(sum.data, want, name);

    agw_buf_free(&in);
    agw_buf_free(&out);
    agw_buf_free(&sum);
}


/* The summary without its first line (the model, which differs). */
static const char *
body_of(const agw_buf_t *sum)
{
    const char  *nl;

    nl = strchr(sum->data, '\n');
    return (nl && strncmp(sum->data, "FAULT", 5) != 0) ? nl + 1 : sum->data;
}


/*
 * Anthropic -> OpenAI -> Anthropic: decoded into hub chunks, out as OpenAI
 * bytes, back through the OpenAI decoder and the Anthropic encoder.  The
 * client sees the blocks, signatures, tool calls, stop reason and usage of
 * the original (server-tool blocks, which the hub cannot carry, aside).
 */
static void
test_round_trip(const char *fixture)
{
    agw_buf_t  in = AGW_BUF_INIT, mid = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_buf_t  want = AGW_BUF_INIT, got = AGW_BUF_INIT;
    char       name[256];

    snprintf(name, sizeof(name), "anthropic-messages/%s", fixture);
    if (!ok(ant_fixture_wire(name, &in) == 0, "%s: read", fixture)) {
        return;
    }

    is_int(ant_run(A, O, "m", in.data, in.len, 0, 0, &mid, NULL), 0,
           "round trip: anthropic -> openai ends cleanly");

    ok(same_at_every_split(O, A, mid.data, mid.len, OPENAI_STRIDE, &out),
       "%s re-encoded: same bytes at every split", fixture);

    ant_read(in.data, in.len, 1, &want);
    ant_read(out.data, out.len, 0, &got);

    ok(strncmp(got.data, "FAULT", 5) != 0, "%s re-encoded: well framed",
       fixture);
    snprintf(name, sizeof(name), "%s re-encoded: blocks, stop reason, "
             "usage as sent", fixture);
    is_str(body_of(&got), body_of(&want), name);

    agw_buf_free(&in);
    agw_buf_free(&mid);
    agw_buf_free(&out);
    agw_buf_free(&want);
    agw_buf_free(&got);
}


/* OpenAI provider, Anthropic client (Claude Code, the Anthropic SDK). */
static void
test_from_openai(const char *fixture, size_t stride, const char *want)
{
    agw_buf_t  in = AGW_BUF_INIT, out = AGW_BUF_INIT, sum = AGW_BUF_INIT;
    char       name[256];
    int        rc;

    snprintf(name, sizeof(name), "openai-chat/%s", fixture);
    if (strstr(fixture, ".jsonl") != NULL) {
        rc = fixture_jsonl_to_sse(name, "data: [DONE]\n\n", &in);
    } else {
        rc = agw_buf_append(&in, "", 0);
        free(in.data);
        in.data = fixture_read(name, &in.len);
        in.cap = in.len + 1;
        rc = in.data ? 0 : -1;
    }
    if (!ok(rc == 0, "%s: read", fixture)) {
        return;
    }

    ok(same_at_every_split(O, A, in.data, in.len, stride, &out),
       "openai %s -> anthropic: same bytes at every split", fixture);

    ant_read(out.data, out.len, 0, &sum);
    snprintf(name, sizeof(name), "openai %s -> anthropic: events a client "
             "reads", fixture);
    is_str(sum.data, want, name);

    agw_buf_free(&in);
    agw_buf_free(&out);
    agw_buf_free(&sum);
}


/*
 * A stream cut before its end (the provider's connection closed cleanly,
 * but without message_stop or [DONE]) ends in an error event, never in a
 * clean end, wherever the cut falls.
 */
static void
test_truncated(agw_dialect_t p, agw_dialect_t c, const char *name)
{
    size_t       cut, bad;
    agw_buf_t    in = AGW_BUF_INIT, out = AGW_BUF_INIT, sum = AGW_BUF_INIT;
    const char  *end, *last;

    if (p == A) {
        (void) ant_fixture_wire(name, &in);
    } else {
        in.data = fixture_read(name, &in.len);
        in.cap = in.len + 1;
    }
    if (!ok(in.data != NULL, "%s: read", name)) {
        return;
    }

    /* the end marker: the last event, which the cuts stop short of */
    end = strstr(in.data, p == A ? "event: message_stop" : "data: [DONE]");
    if (!ok(end != NULL, "%s: has its end marker", name)) {
        return;
    }

    bad = 0;
    for (cut = 1; cut < (size_t) (end - in.data);
         cut += (p == A ? 1 : OPENAI_STRIDE))
    {
        agw_buf_reset(&out);
        if (ant_run(p, c, "m", in.data, cut, 0, 0, &out, NULL) != 1) {
            bad = cut;
            break;
        }

        if (c == A) {
            ant_read(out.data, out.len, 0, &sum);
            last = strrchr(sum.data, '\n');
            while (last > sum.data && last[-1] != '\n') {
                last--;
            }
            if (strncmp(sum.data, "FAULT", 5) == 0
                || strncmp(last, "error api_error: ", 17) != 0)
            {
                tap_diag("%s", sum.data);
                bad = cut;
                break;
            }

        } else {
            oa_read(out.data, out.len, &sum);
            if (strstr(sum.data, "error: ") == NULL
                || strstr(sum.data, "[DONE]") != NULL)
            {
                tap_diag("%s", sum.data);
                bad = cut;
                break;
            }
        }
    }

    is_int(bad, 0, "every cut short of the end gives an error event");

    agw_buf_free(&in);
    agw_buf_free(&out);
    agw_buf_free(&sum);
}


/* Anthropic on both sides: the provider's bytes but for the model. */
static void
test_passthrough(void)
{
    agw_buf_t     in = AGW_BUF_INIT, out = AGW_BUF_INIT, sum = AGW_BUF_INIT;
    agw_usage_t   u;
    const char   *a, *b;
    agw_stream_t *s;

    (void) ant_fixture_wire("anthropic-messages/stream-text.sse", &in);

    ok(same_at_every_split(A, A, in.data, in.len, 1, &out),
       "passthrough: same bytes at every split");

    agw_buf_reset(&out);
    is_int(ant_run(A, A, "alias-model", in.data, in.len, 0, 0, &out, &u), 0,
           "passthrough: clean end");

    ant_read(out.data, out.len, 0, &sum);
    is_str(sum.data,
           "model=alias-model\n"
           "[0 text] [12345,67890]\n"
           "stop=end_turn usage in=135 cw=0 cr=0 out=10\n"
           "end\n",
           "passthrough: model rewritten, events kept");

    /* after message_start, the bytes are the provider's, padding and all */
    a = strstr(in.data, "event: content_block_start");
    b = strstr(out.data, "event: content_block_start");
    ok(a && b && strcmp(a, b) == 0, "passthrough: later events byte-exact");

    is_int(u.input, 135, "passthrough usage: input");
    is_int(u.output, 10, "passthrough usage: output");
    is_int(u.cache_read, 0, "passthrough usage: cache read");

    /* a provider error event goes out once, as it came */
    agw_buf_reset(&in);
    agw_buf_reset(&out);
    (void) ant_fixture_wire("anthropic-messages/stream-error-overloaded"
                            ".documented.sse", &in);
    s = agw_stream_new(A, A, &(agw_stream_opts_t) { "m", 0, 0 });
    ok(s != NULL, "passthrough stream");
    if (s == NULL) {
        return;
    }
    is_int(agw_stream_feed(s, in.data, in.len, &out), -1,
           "passthrough: provider error stops the feed");
    is_int(agw_stream_finish(s, 1, &out), 1, "passthrough: ends in error");
    ok(out.len == in.len && memcmp(out.data, in.data, in.len) == 0,
       "passthrough: the provider's error event, once, unchanged");
    is_int(agw_stream_error(s)->cls, AGW_ERR_OVERLOADED,
           "passthrough: error class overloaded");
    agw_stream_free(s);

    agw_buf_free(&in);
    agw_buf_free(&out);
    agw_buf_free(&sum);
}


/* A mid-stream error event reaches an OpenAI client as OpenAI's. */
static void
test_error_event(void)
{
    agw_buf_t      in = AGW_BUF_INIT, out = AGW_BUF_INIT, sum = AGW_BUF_INIT;
    agw_stream_t  *s;
    const char    *chunks =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}"
        "\n\ndata: {\"error\":{\"message\":\"boom\",\"type\":"
        "\"server_error\"}}\n\n";

    (void) ant_fixture_wire("anthropic-messages/stream-text.sse", &in);
    /* the documented overloaded event after the first text delta */
    in.len = (size_t) (strstr(in.data, "event: content_block_delta\ndata: "
                              "{\"type\":\"content_block_delta\",\"index\":0,"
                              "\"delta\":{\"type\":\"text_delta\",\"text\":"
                              "\"12\"") - in.data);
    (void) agw_buf_append_str(&in, "event: error\ndata: {\"type\": \"error\", "
        "\"error\": {\"type\": \"overloaded_error\", \"message\": "
        "\"Overloaded\"}}\n\n");

    s = agw_stream_new(A, O, &(agw_stream_opts_t) { "m", 1, 0 });
    if (!ok(s != NULL, "stream")) {
        return;
    }
    is_int(agw_stream_feed(s, in.data, in.len, &out), -1,
           "error event: feed reports the failure");
    is_int(agw_stream_finish(s, 1, &out), 1, "error event: finish says so");
    is_int(agw_stream_error(s)->cls, AGW_ERR_OVERLOADED,
           "error event: class overloaded");
    agw_stream_free(s);

    oa_read(out.data, out.len, &sum);
    is_str(sum.data, "text=[\nerror: Overloaded\n",
           "error event: the text so far, then OpenAI's error, no [DONE]");

    /* to an Anthropic client of an OpenAI provider: event: error */
    agw_buf_reset(&out);
    s = agw_stream_new(O, A, &(agw_stream_opts_t) { "m", 0, 0 });
    if (!ok(s != NULL, "stream")) {
        return;
    }
    (void) agw_stream_feed(s, chunks, strlen(chunks), &out);
    (void) agw_stream_finish(s, 1, &out);
    agw_stream_free(s);

    ant_read(out.data, out.len, 0, &sum);
    is_str(sum.data, "model=m\n[0 text] hi\nerror api_error: boom\n",
           "openai error chunk -> anthropic error event");

    agw_buf_free(&in);
    agw_buf_free(&out);
    agw_buf_free(&sum);
}


/* Collects every delta.thinking_blocks entry of an OpenAI stream, in
 * order, as a client that keeps them as they came. */
static int
collect_blocks(void *ud, const agw_sse_event_t *ev)
{
    size_t   i;
    json_t  *j, *b;

    j = json_loadb(ev->data, ev->data_len, 0, NULL);
    json_array_foreach(json_object_get(json_object_get(json_array_get(
        json_object_get(j, "choices"), 0), "delta"), "thinking_blocks"), i, b)
    {
        json_array_append(ud, b);
    }
    json_decref(j);
    return 0;
}


/*
 * The next turn of an OpenAI client of an Anthropic provider that thought:
 * the thinking_blocks fragments the client got, sent back as they came,
 * reach Anthropic as the one signed block Anthropic streamed.
 */
static void
test_thinking_next_turn(void)
{
    json_t              *frags, *req, *out, *want;
    agw_buf_t            in = AGW_BUF_INIT, mid = AGW_BUF_INIT;
    agw_error_t          err;
    agw_sse_parser_t     p;
    agw_request_opts_t   o = { "claude-sonnet-4-5", 0, 1024 };

    (void) ant_fixture_wire("anthropic-messages/stream-thinking.chunks.jsonl",
                            &in);
    (void) ant_run(A, O, "m", in.data, in.len, 0, 0, &mid, NULL);

    frags = json_array();
    agw_sse_init(&p, 0);
    (void) agw_sse_feed(&p, mid.data, mid.len, collect_blocks, frags);
    agw_sse_free(&p);
    ok(json_array_size(frags) > 2, "thinking arrives in fragments");

    req = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s, s:O}, {s:s, s:s}]}",
                    "model", "gpt", "messages",
                    "role", "user", "content", "925/5?",
                    "role", "assistant", "content", "925 \xc3\xb7 5 = 185",
                        "thinking_blocks", frags,
                    "role", "user", "content", "and /37?");
    memset(&err, 0, sizeof(err));
    out = NULL;
    (void) agw_translate_request(O, A, req, &o, &out, &err);

    want = json_pack("{s:s, s:s, s:s}", "type", "thinking",
        "thinking", "The previous result was 925. Now I need to divide that "
                    "by 5.\n\n925 \xc3\xb7 5 = 185",
        "signature", "EvQBCkYICxgCKkAxhD4NUKFzudtZ6NzbZdEiBACIScTzqjPViM596i"
            "WLZIk4EFKYYBj3B6Ptl3b0dcQv/VeJBNbejNWIWRBn+KPNEgz6HWtKx7p+QRgKs"
            "EoaDGjsiqfht7gTRFYHiyIwD1VSmNqHxv3wy8KEMP+LYb/TC4UH3H97tuoaADARF"
            "FcA0phdfxnzKQxFnc9lwY+dKlzUsaKSUAFeu1bDL5ikZJ1vL0Fkz6JjoFke0L/wO"
            "JRIUDUlDUOFJ1tZ3ea7g6LGE/5hwuvWgLwewdcm64d+43l7F57XrOmqNd6flI2K/"
            "oPr/4yzNgvi/EhT6Ca17BgB");
    ok(json_equal(json_array_get(json_object_get(json_array_get(
           json_object_get(out, "messages"), 1), "content"), 0), want),
       "next turn: the signed thinking block, whole, first in its turn");
    is_int(json_array_size(json_object_get(json_array_get(
               json_object_get(out, "messages"), 1), "content")), 2,
           "next turn: thinking then the text, nothing else");

    json_decref(frags);
    json_decref(req);
    json_decref(out);
    json_decref(want);
    agw_buf_free(&in);
    agw_buf_free(&mid);
}


/* An OpenAI stream for an Anthropic client, read back as a client would:
 * a clean end and the summary want. */
static void
is_summary(const char *in, const char *want, const char *name)
{
    agw_buf_t  out = AGW_BUF_INIT, sum = AGW_BUF_INIT;

    ok(ant_run(O, A, "m", in, strlen(in), 0, 0, &out, NULL) == 0,
       "%s: clean end", name);
    ant_read(out.data, out.len, 0, &sum);
    is_str(sum.data, want, name);

    agw_buf_free(&out);
    agw_buf_free(&sum);
}


/*
 * The encoder's block switching on a synthetic OpenAI-compatible stream
 * (DeepSeek-style reasoning, a redacted block, text, a call without an id,
 * usage after the finish chunk with cached tokens): blocks in order with increasing indexes, the held
 * message_delta carrying the stop reason and the late usage, net of cache.
 */
static void
test_encoder_switching(void)
{
    const char  *in =
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{"
            "\"role\":\"assistant\",\"reasoning_content\":\"hmm\"}}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{"
            "\"reasoning_content\":\", ok\"}}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{"
            "\"thinking_blocks\":[{\"type\":\"redacted_thinking\",\"data\":"
            "\"R1\"}]}}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{"
            "\"content\":\"Let me look.\"}}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{"
            "\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"a\","
            "\"arguments\":\"{\\\"x\\\":1}\"}}]}}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{"
            "\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"function\":{"
            "\"name\":\"b\",\"arguments\":\"{}\"}}]}}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},"
            "\"finish_reason\":\"length\"}]}\n\n"
        "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":"
            "100,\"completion_tokens\":20,\"prompt_tokens_details\":{"
            "\"cached_tokens\":60}}}\n\n"
        "data: [DONE]\n\n";

    is_summary(in,
               "model=m\n"
               "[0 thinking] hmm, ok\n"
               "[1 redacted_thinking R1] \n"
               "[2 text] Let me look.\n"
               "[3 tool_use toolu_gateway_0 a] {\"x\":1}\n"
               "[4 tool_use call_b b] {}\n"
               "stop=max_tokens usage in=40 cw=0 cr=60 out=20\n"
               "end\n",
               "synthetic stream: blocks switch in order; late usage in the "
               "held message_delta");
}


/* OpenAI chunks of tool call fragments: TC(START(...) "," MORE(...)) */
#define TC(calls)                                                             \
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["         \
    calls "]}}]}\n\n"
#define START(i, id, name, args)                                              \
    "{\"index\":" #i ",\"id\":\"" id "\",\"function\":{\"name\":\""        \
    name "\",\"arguments\":\"" args "\"}}"
#define MORE(i, args)                                                         \
    "{\"index\":" #i ",\"function\":{\"arguments\":\"" args "\"}}"


/*
 * A provider interleaving the argument fragments of parallel calls (the
 * OpenAI format allows it): every block is started, gets its deltas and is
 * stopped before the next starts, each call's input whole in its own block;
 * a call waits, held, while the one before it is incomplete JSON, then
 * streams.  The same at every split.  Past the held limit, an error event.
 */
static void
test_interleaved_calls(void)
{
    agw_buf_t    out = AGW_BUF_INIT, sum = AGW_BUF_INIT, in = AGW_BUF_INIT;
    const char  *il =
        TC(START(0, "c_a", "a", "{\\\"x\\\":"))
        TC(START(1, "c_b", "b", "{\\\"y\\\""))
        TC(START(2, "c_c", "c", "{\\\"s\\\":\\\"}{\\\\\\\""))
        TC(MORE(0, "[1,{}]}"))
        TC(MORE(2, "\\\"}") "," MORE(1, ":2}"))
        "data: {\"choices\":[{\"index\":0,\"delta\":{},"
            "\"finish_reason\":\"tool_calls\"}]}\n\n"
        "data: [DONE]\n\n";

    is_summary(il,
               "model=m\n"
               "[0 tool_use c_a a] {\"x\":[1,{}]}\n"
               "[1 tool_use c_b b] {\"y\":2}\n"
               "[2 tool_use c_c c] {\"s\":\"}{\\\"\"}\n"
               "stop=tool_use usage in=0 cw=0 cr=0 out=0\n"
               "end\n",
               "interleaved calls: one whole block after another, in order");
    ok(same_at_every_split(O, A, il, strlen(il), 1, &out),
       "interleaved calls: the same at every split");

    /* text after held calls: they go out first, then the text block */
    il = TC(START(0, "c_a", "a", "{"))
         TC(START(1, "c_b", "b", "{}"))
         "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t\"}}]}"
             "\n\n"
         "data: [DONE]\n\n";
    is_summary(il,
               "model=m\n"
               "[0 tool_use c_a a] {\n"
               "[1 tool_use c_b b] {}\n"
               "[2 text] t\n"
               "stop=end_turn usage in=0 cw=0 cr=0 out=0\n"
               "end\n",
               "held calls, then text: blocks in order, never interleaved");

    /* a held call growing without end: an error event, not unbounded
     * memory */
    (void) agw_buf_append_str(&in,
        TC(START(0, "c_a", "a", "{"))
        TC(START(1, "c_b", "b", "{\\\"s\\\":\\\"")));
    (void) crafted_endless_arguments(&in, 1, AGW_ANTHROPIC_MAX_HELD);
    (void) agw_buf_append_str(&in, "data: [DONE]\n\n");

    agw_buf_reset(&out);
    is_int(ant_run(O, A, "m", in.data, in.len, 0, 0, &out, NULL), 1,
           "held calls past the limit: the stream ends in an error");
    ant_read(out.data, out.len, 0, &sum);
    ok(strstr(sum.data, "\nerror ") != NULL
       && strstr(sum.data, "interleaved tool calls") != NULL,
       "held calls past the limit: an error event that says why");

    agw_buf_free(&in);
    agw_buf_free(&out);
    agw_buf_free(&sum);
}


static void
test_text_path(void)
{
    int                 i, kept;
    agw_buf_t           in = AGW_BUF_INIT;
    char                name[256];
    static const char  *fixtures[] = {
        "stream-text.sse", "stream-tool-use.sse",
        "stream-tool-use.documented.sse", "stream-thinking.chunks.jsonl",
        "stream-thinking.documented.sse", "stream-prompt-cache.chunks.jsonl",
    };

    for (i = 0; i < (int) (sizeof(fixtures) / sizeof(fixtures[0])); i++) {
        snprintf(name, sizeof(name), "anthropic-messages/%s", fixtures[i]);
        agw_buf_reset(&in);
        if (ant_fixture_wire(name, &in) != 0) {
            ok(0, "%s: read", fixtures[i]);
            continue;
        }
        ok(text_path_agrees(A, O, in.data, in.len, NULL, &kept),
           "%s -> openai: text path and hub path give equal events",
           fixtures[i]);
    }

    ok(text_path_agrees(A, O, crafted_anthropic_deltas,
                        sizeof(crafted_anthropic_deltas) - 1,
                        "\"content\":\"caf\\u00e9 \\/\"", &kept),
       "crafted deltas: equal events");
    ok(kept, "the text path copied the provider's escapes as they came");

    /* deltas as Anthropic lays them out (padding before the last brace),
     * and near misses of that layout: white space elsewhere, another
     * block's index, bytes that make it invalid JSON */
    {
        static const char  laid_out[] =
            CRAFTED_ANTHROPIC_TEXT_START
            "event: content_block_delta\n"
            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"caf\\u00e9\"}     }\n\n"
            "event: content_block_delta\n"
            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"\\\"q\\\"\" }\t} \n\n"
            "event: content_block_delta\n"
            "data: {\"type\":\"content_block_delta\", \"index\":0,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"spaced\"}}\n\n"
            "event: content_block_delta\n"
            "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"\"}  }\n\n"
            "event: content_block_delta\n";
        /* each ends the stream: another block's index, invalid JSON in
         * the layout's places */
        static const char  *bad[] = {
            "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"elsewhere\"}}",
            "{\"type\":\"content_block_delta\",\"index\":00,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"bad\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"a\x01b\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"a\\xb\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"\\ud800\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"a\xc3\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"a\"}} }",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            "{\"type\":\"text_delta\",\"text\":\"a\"}",
        };
        size_t              b;
        int                 all;
        agw_buf_t           w = AGW_BUF_INIT;

        all = 1;
        for (b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
            agw_buf_reset(&w);
            agw_buf_append(&w, laid_out, sizeof(laid_out) - 1);
            agw_buf_printf(&w, "data: %s\n\n", bad[b]);
            if (!text_path_agrees(A, O, w.data, w.len,
                                  "\"content\":\"caf\\u00e9\"", &kept)
                || !kept)
            {
                tap_diag("ending %zu differs", b);
                all = 0;
            }
        }
        agw_buf_free(&w);

        ok(all, "Anthropic's own layout, near misses of it and invalid "
           "JSON in its places: equal events, padded deltas by the text "
           "path");
    }

    agw_buf_free(&in);
}


/* The same for OpenAI chunks to an Anthropic client. */
static void
test_text_path_from_openai(void)
{
    int                 i, kept;
    char               *text;
    size_t              len;
    agw_buf_t           in = AGW_BUF_INIT;
    static const char  *sse[] = {
        "openai-chat/stream-text.sse", "openai-chat/stream-tool-calls.sse",
        "openai-chat/stream-parallel-tool-calls.sse",
    };
    static const char  *jsonl[] = {
        "openai-chat/stream-include-usage.chunks.jsonl",
        "openai-chat/stream-reasoning-usage-azure.chunks.jsonl",
    };
    /* the first chunk opens the message (hub path); then an escape jansson
     * prints as UTF-8, nulls the hub path ignores, role, a duplicate
     * content, a non-null refusal, two choices, a usage object, a finish
     * with text, an escaped key */
#define CH(x)  "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\"," \
               "\"created\":1,\"model\":\"m\",\"choices\":[" x "]}\n\n"
    static const char   crafted[] =
        CH("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
           "\"finish_reason\":null}")
        CH("{\"index\":0,\"delta\":{\"content\":\"hi\"},"
           "\"finish_reason\":null}")
        CH("{\"index\":0,\"delta\":{\"content\":\"caf\\u00e9 \\/\"},"
           "\"logprobs\":null,\"finish_reason\":null}")
        CH("{\"index\":0,\"delta\":{\"content\":\"a\","
           "\"reasoning_content\":null,"
           "\"tool_calls\":null,\"refusal\":null},\"finish_reason\":null}")
        CH("{\"index\":0,\"delta\":{\"role\":\"assistant\","
           "\"content\":\"b\"}}")
        CH("{\"index\":0,\"delta\":{\"content\":\"c\",\"content\":\"d\"}}")
        CH("{\"index\":0,\"delta\":{\"content\":\"e\",\"refusal\":\"no\"}}")
        CH("{\"index\":0,\"delta\":{\"content\":\"f\"}},"
           "{\"index\":1,\"delta\":{\"content\":\"g\"}}")
        CH("{\"index\":0,\"delta\":{\"c\\u006fntent\":\"h\"}}")
        CH("{\"index\":0,\"delta\":{\"content\":\"i\"},"
           "\"finish_reason\":\"stop\"}")
        "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,"
        "\"completion_tokens\":9,\"total_tokens\":13}}\n\n"
        "data: [DONE]\n\n";
#undef CH

    for (i = 0; i < (int) (sizeof(sse) / sizeof(sse[0])); i++) {
        text = fixture_read(sse[i], &len);
        ok(text != NULL && text_path_agrees(O, A, text, len, NULL, &kept),
           "%s -> anthropic: text path and hub path give equal events",
           sse[i]);
        free(text);
    }

    for (i = 0; i < (int) (sizeof(jsonl) / sizeof(jsonl[0])); i++) {
        agw_buf_reset(&in);
        fixture_jsonl_to_sse(jsonl[i], "data: [DONE]\n\n", &in);
        ok(text_path_agrees(O, A, in.data, in.len, NULL, &kept),
           "%s -> anthropic: text path and hub path give equal events",
           jsonl[i]);
    }

    ok(text_path_agrees(O, A, crafted, sizeof(crafted) - 1,
                        "\"text\":\"caf\\u00e9 \\/\"", &kept),
       "crafted chunks: equal events");
    ok(kept, "the text path copied the provider's escapes as they came");

    agw_buf_free(&in);
}


int
main(void)
{
    int  i;

    test_text_path();
    test_text_path_from_openai();

    test_to_openai("stream-text.sse",
        "text=[12345,67890]\n"
        "finish=stop\n"
        "usage prompt=135 completion=10 cached=0 reasoning=0\n"
        "[DONE]\n");

    test_to_openai("stream-tool-use.sse",
        "text=\n"
        "tool[0] toolu_018acGYLtfR52q9yDbWaEdQZ get_weather "
            "{\"location\": \"San Francisco, CA\", \"units\": \"f\"}\n"
        "finish=tool_calls\n"
        "usage prompt=656 completion=74 cached=0 reasoning=0\n"
        "[DONE]\n");

    test_to_openai("stream-tool-use.documented.sse",
        "text=Okay, let's check the weather for San Francisco, CA:\n"
        "tool[0] toolu_01T1x1fJ34qAmk2tNTrN7Up6 get_weather "
            "{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}\n"
        "finish=tool_calls\n"
        "usage prompt=472 completion=89 cached=0 reasoning=0\n"
        "[DONE]\n");

    test_to_openai("stream-thinking.chunks.jsonl",
        "text=925 \xc3\xb7 5 = 185\n"
        "reasoning=The previous result was 925. Now I need to divide that "
            "by 5.\n\n925 \xc3\xb7 5 = 185\n"
        "blocks=The previous result was 925. Now I need to divide that "
            "by 5.\n\n925 \xc3\xb7 5 = 185 sig=EvQBCkYICxgCKkAxhD4NUKFzudtZ6N"
            "zbZdEiBACIScTzqjPViM596iWLZIk4EFKYYBj3B6Ptl3b0dcQv/VeJBNbejNWIWR"
            "Bn+KPNEgz6HWtKx7p+QRgKsEoaDGjsiqfht7gTRFYHiyIwD1VSmNqHxv3wy8KEMP"
            "+LYb/TC4UH3H97tuoaADARFFcA0phdfxnzKQxFnc9lwY+dKlzUsaKSUAFeu1bDL5"
            "ikZJ1vL0Fkz6JjoFke0L/wOJRIUDUlDUOFJ1tZ3ea7g6LGE/5hwuvWgLwewdcm64"
            "d+43l7F57XrOmqNd6flI2K/oPr/4yzNgvi/EhT6Ca17BgB\n"
        "finish=stop\n"
        "usage prompt=69 completion=53 cached=0 reasoning=0\n"
        "[DONE]\n");

    test_to_openai("stream-thinking.documented.sse",
        "text=27 * 453 = 12,231\n"
        "reasoning=Let me solve this step by step:\n\n1. First break down "
            "27 * 453\n2. 453 = 400 + 50 + 3\n3. 27 * 400 = 10,800\n4. 27 * "
            "50 = 1,350\n5. 27 * 3 = 81\n6. 10,800 + 1,350 + 81 = 12,231\n"
        "blocks=Let me solve this step by step:\n\n1. First break down "
            "27 * 453\n2. 453 = 400 + 50 + 3\n3. 27 * 400 = 10,800\n4. 27 * "
            "50 = 1,350\n5. 27 * 3 = 81\n6. 10,800 + 1,350 + 81 = 12,231 "
            "sig=EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...\n"
        "finish=stop\n"
        "[DONE]\n");

    /* server tools ran at Anthropic: only the answer reaches the client;
     * usage counts cache reads and writes in the prompt, once */
    test_to_openai("stream-prompt-cache.chunks.jsonl",
        "text=The sum of the squares of the numbers 1 through 12 is "
            "**650**.\n"
        "finish=stop\n"
        "usage prompt=9632 completion=198 cached=6289 reasoning=0\n"
        "[DONE]\n");

    /* the documented overloaded event, alone: an error, no [DONE] */
    test_to_openai("stream-error-overloaded.documented.sse",
        "text=\n"
        "error: Overloaded\n");

    test_round_trip("stream-text.sse");
    test_round_trip("stream-tool-use.sse");
    test_round_trip("stream-tool-use.documented.sse");
    test_round_trip("stream-thinking.chunks.jsonl");
    test_round_trip("stream-thinking.documented.sse");
    test_round_trip("stream-prompt-cache.chunks.jsonl");

    test_from_openai("stream-tool-calls.sse", OPENAI_STRIDE,
        "model=alias-model\n"
        "[0 tool_use call_CTf1nWJLqSeRgDqaCG27xZ74 get_weather] "
            "{\"city\":\"San Francisco\",\"state\":\"CA\"}\n"
        "stop=tool_use usage in=48 cw=0 cr=0 out=19\n"
        "end\n");

    /* the parallel calls as captured, and with their fragments
     * interleaved (crafted from it): the same blocks, never interleaved */
    for (i = 0; i < 2; i++) {
        test_from_openai(i == 0 ? "stream-parallel-tool-calls.sse"
                                : "stream-parallel-tool-calls.interleaved.sse",
            OPENAI_STRIDE,
            "model=alias-model\n"
            "[0 tool_use call_JMW1whyEaYG438VE1OIflxA2 GetWeatherArgs] "
                "{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": "
                "\"c\"}\n"
            "[1 tool_use call_DNYTawLBoN8fj3KN6qU9N1Ou get_stock_price] "
                "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}\n"
            "stop=tool_use usage in=149 cw=0 cr=0 out=60\n"
            "end\n");
    }

    test_from_openai("stream-text.sse", OPENAI_STRIDE,
        "model=alias-model\n"
        "[0 text] I'm unable to provide real-time weather updates. To get "
            "the current weather in San Francisco, I recommend checking a "
            "reliable weather website or a weather app.\n"
        "stop=end_turn usage in=14 cw=0 cr=0 out=30\n"
        "end\n");

    test_from_openai("stream-reasoning-usage-azure.chunks.jsonl", OPENAI_STRIDE,
        "model=alias-model\n"
        "[0 text] Capital of Denmark.\n"
        "stop=end_turn usage in=15 cw=0 cr=0 out=78\n"
        "end\n");

    test_truncated(A, O, "anthropic-messages/stream-tool-use.sse");
    test_truncated(A, O, "anthropic-messages/stream-thinking.documented.sse");
    test_truncated(O, A, "openai-chat/stream-parallel-tool-calls.sse");

    test_passthrough();
    test_error_event();
    test_thinking_next_turn();
    test_encoder_switching();
    test_interleaved_calls();

    return done_testing();
}
