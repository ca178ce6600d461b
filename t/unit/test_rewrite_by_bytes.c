/*
 * A same-dialect stream's rewrite taking its deltas from the feed's bytes
 * (agw_codec_t.rewrite_bytes) gives what the rewrite gives for the events
 * the SSE parser hands it (agw_engine_stream_by_bytes() off): the client's
 * bytes, each feed's answer, the finish, the usage, the error, the meta.
 * Crafted Anthropic, Responses and OpenAI streams (padding, escapes at a
 * string's end, a CR or an LF in the JSON's white space, CRLF ends, data
 * on two lines, events cut by a feed's end, max_event, errors, deltas
 * before the start, a name that only ends ".delta", another model, a
 * tool call; OpenAI's with and without include_usage), each cut in two
 * at every byte, with the count of events the hook took; and on fixture
 * streams, that it took every delta.
 */

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fixtures.h"
#include "agw_engine.h"
#include "agw_codec.h"


/* The dialect's codec, its rewrite_bytes counted: the one codec on both
 * sides, so the engine rewrites. */
static agw_codec_t  counted;
static size_t     (*hook)(agw_xstream_t *s, const char *p, size_t len,
                          int *rc);
static int          taken;
static int          include_usage;  /* the client's stream_options' */


static size_t
count_bytes(agw_xstream_t *s, const char *p, size_t len, int *rc)
{
    size_t  n;

    n = hook(s, p, len, rc);
    if (n != 0) {
        taken++;
    }

    return n;
}


static void
use_codec(const agw_codec_t *c)
{
    counted = *c;
    hook = c->rewrite_bytes;
    counted.rewrite_bytes = count_bytes;
}


/* The stream fed in two parts, cut at split; what came of it in out and
 * meta. */
static void
run(const char *in, size_t len, size_t split, int by_bytes,
    size_t max_event, agw_buf_t *out, char *meta, size_t size)
{
    int                 rc[2], fin;
    agw_xstream_t      *s;
    agw_answer_ctx_t    ctx;
    agw_answer_meta_t   m;
    const agw_usage_t  *u;
    const agw_error_t  *e;

    memset(&ctx, 0, sizeof(ctx));
    memset(&m, 0, sizeof(m));
    ctx.model = agw_str_bytes("my-model", 8);
    ctx.created = 1700000000;
    ctx.meta = &m;
    ctx.include_usage = include_usage;
    out->len = 0;

    s = agw_engine_stream_new_codecs(&counted, &counted, &ctx, max_event);
    if (s == NULL) {
        snprintf(meta, size, "no stream");
        return;
    }

    agw_engine_stream_by_bytes(s, by_bytes);

    rc[0] = agw_engine_stream_feed(s, in, split, out);
    rc[1] = rc[0] != 0 ? 0 : agw_engine_stream_feed(s, in + split,
                                                    len - split, out);
    fin = agw_engine_stream_finish(s, 1, out);

    u = agw_engine_stream_usage(s);
    e = agw_engine_stream_error(s);

    snprintf(meta, size, "feeds %d %d finish %d usage %lld %lld %lld %lld "
             "%lld error %d:%s meta %d %s", rc[0], rc[1], fin,
             (long long) u->input, (long long) u->output,
             (long long) u->cache_read, (long long) u->cache_write,
             (long long) u->reasoning, e != NULL ? (int) e->cls : -1,
             e != NULL ? e->code : "", m.finish, m.model);

    agw_engine_stream_free(s);
}


/* Every cut both ways the same; *hooked the events taken, fed whole. */
static int
both_ways(const char *name, const char *in, size_t max_event, int *hooked)
{
    char       m1[256], m0[256];
    size_t     len, k;
    agw_buf_t  o1 = AGW_BUF_INIT, o0 = AGW_BUF_INIT;

    len = strlen(in);

    taken = 0;
    run(in, len, len, 1, max_event, &o1, m1, sizeof(m1));
    *hooked = taken;

    for (k = 0; k <= len; k++) {
        run(in, len, k, 1, max_event, &o1, m1, sizeof(m1));
        run(in, len, k, 0, max_event, &o0, m0, sizeof(m0));

        if (o1.len != o0.len || memcmp(o1.data, o0.data, o0.len) != 0
            || strcmp(m1, m0) != 0)
        {
            ok(0, "%s (max_event %zu): the same both ways", name, max_event);
            tap_diag("cut at %zu", k);
            tap_diag("bytes:  %s\n# %.*s", m1, (int) o1.len, o1.data);
            tap_diag("parsed: %s\n# %.*s", m0, (int) o0.len, o0.data);
            agw_buf_free(&o1);
            agw_buf_free(&o0);
            return 0;
        }
    }

    ok(1, "%s (max_event %zu): the same both ways, cut at every byte",
       name, max_event);

    agw_buf_free(&o1);
    agw_buf_free(&o0);

    return 1;
}


typedef struct {
    const char  *name;
    const char  *in;
    int          hooked;        /* events the hook takes, fed whole */
} crafted_t;


#define MS  "event: message_start\ndata: {\"type\":\"message_start\","      \
            "\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":"  \
            "\"assistant\",\"model\":\"claude-x\",\"content\":[],"          \
            "\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}\n\n"
#define CB  "event: content_block_start\ndata: {\"type\":"                 \
            "\"content_block_start\",\"index\":0,\"content_block\":"        \
            "{\"type\":\"text\",\"text\":\"\"}}\n\n"
#define D(t) "event: content_block_delta\ndata: {\"type\":"                \
            "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"      \
            "\"text_delta\",\"text\":\"" t "\"}}\n\n"
#define DP  "event: content_block_delta\ndata: {\"type\":"                 \
            "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"      \
            "\"text_delta\",\"text\":\"pad\"}   }        \n\n"
#define DWS(ws) "event: content_block_delta\ndata: {\"type\":"             \
            "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"      \
            "\"text_delta\",\"text\":\"ws\"}" ws "}\n\n"
#define MD  "event: message_delta\ndata: {\"type\":\"message_delta\","      \
            "\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":"           \
            "{\"output_tokens\":12}}\n\n"
#define MSTOP "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
#define AERR "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":" \
            "\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"

static const crafted_t  anthropic[] = {
    { "text deltas", MS CB D("Hello") D(", world") D("") MD MSTOP, 3 },
    { "padding", MS CB DP D("x") MD MSTOP, 2 },
    { "escapes at the string's end",
      MS CB D("a\\\"") D("b\\\\") D("\\u00e9") D("\\n") MD MSTOP, 4 },
    { "a CR in the white space", MS CB DWS("\r") D("y") MD MSTOP, 1 },
    { "an LF in the white space", MS CB DWS("\n") D("y") MD MSTOP, 1 },
    { "CRLF in the white space", MS CB DWS("\r\n") D("y") MD MSTOP, 1 },
    { "a CR in the string",
      MS CB D("a\rb") D("y") MD MSTOP, 1 },
    { "CRLF line ends",
      "event: message_start\r\ndata: {\"type\":\"message_start\","
      "\"message\":{\"model\":\"m\",\"usage\":{\"input_tokens\":3}}}\r\n\r\n"
      "event: content_block_delta\r\ndata: {\"type\":"
      "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
      "\"text_delta\",\"text\":\"crlf\"}}\r\n\r\n" MSTOP, 0 },
    { "data on two lines",
      MS CB "event: content_block_delta\ndata: {\"type\":"
      "\"content_block_delta\",\"index\":0,\n"
      "data: \"delta\":{\"type\":\"text_delta\",\"text\":\"two\"}}\n\n"
      D("z") MSTOP, 1 },
    { "no space after data:",
      MS CB "event: content_block_delta\ndata:{\"type\":"
      "\"content_block_delta\"}\n\n" D("z") MSTOP, 1 },
    { "deltas before message_start",
      D("early") MS D("late") MD MSTOP, 1 },
    { "a delta that is not JSON",
      MS CB "event: content_block_delta\ndata: not json at all\n\n"
      D("z") MSTOP, 2 },
    { "an error mid-stream", MS CB D("a") AERR D("b"), 1 },
    { "cut in a delta", MS CB D("a") "event: content_block_delta\ndata: {\"",
      1 },
    { "a comment and an id between",
      MS CB ": keep-alive\n\n" D("a") "id: 7\n" D("b") MSTOP, 2 },
    { "cut before the blank line", MS CB D("a")
      "event: content_block_delta\ndata: {}\n", 1 },
};


#define RC  "event: response.created\ndata: {\"type\":\"response.created\","  \
            "\"response\":{\"id\":\"resp_1\",\"object\":\"response\","        \
            "\"status\":\"in_progress\",\"model\":\"gpt-x\",\"output\":[],"   \
            "\"usage\":null},\"sequence_number\":0}\n\n"
#define RT(t) "event: response.output_text.delta\ndata: {\"type\":"         \
            "\"response.output_text.delta\",\"item_id\":\"msg_1\","         \
            "\"output_index\":0,\"content_index\":0,\"delta\":\"" t "\","   \
            "\"sequence_number\":1}\n\n"
#define RA(t) "event: response.function_call_arguments.delta\ndata: "      \
            "{\"type\":\"response.function_call_arguments.delta\","         \
            "\"item_id\":\"fc_1\",\"output_index\":1,\"delta\":\"" t "\"}\n\n"
#define RDONE "event: response.completed\ndata: {\"type\":"               \
            "\"response.completed\",\"response\":{\"id\":\"resp_1\","       \
            "\"status\":\"completed\",\"model\":\"gpt-x\",\"output\":[],"   \
            "\"usage\":{\"input_tokens\":5,\"output_tokens\":9,"            \
            "\"total_tokens\":14}}}\n\n"
#define RERR "event: error\ndata: {\"type\":\"error\",\"code\":"           \
            "\"server_error\",\"message\":\"boom\"}\n\n"
#define RFAIL "event: response.failed\ndata: {\"type\":\"response.failed\"," \
            "\"response\":{\"id\":\"resp_1\",\"status\":\"failed\","         \
            "\"model\":\"gpt-x\",\"error\":{\"code\":\"server_error\","      \
            "\"message\":\"boom\"}}}\n\n"

static const crafted_t  responses[] = {
    { "text and arguments deltas",
      RC RT("Hi") RT(" there") RA("{\\\"a\\\":") RA("1}") RDONE, 4 },
    { "escapes at the string's end", RC RT("\\\"") RT("\\\\") RDONE, 2 },
    { "a CR in the white space",
      RC "event: response.output_text.delta\ndata: {\"type\":"
      "\"response.output_text.delta\",\r\"delta\":\"x\"}\n\n" RT("y") RDONE,
      1 },
    { "an LF in the white space",
      RC "event: response.output_text.delta\ndata: {\"type\":"
      "\"response.output_text.delta\",\n\"delta\":\"x\"}\n\n" RT("y") RDONE,
      1 },
    { "CRLF line ends",
      RC "event: response.output_text.delta\r\ndata: {\"type\":"
      "\"response.output_text.delta\",\"delta\":\"x\"}\r\n\r\n" RDONE, 0 },
    { "a name that only ends .delta",
      RC "event: response.delta\ndata: {\"type\":\"response.delta\","
      "\"response\":{\"model\":\"gpt-x\",\"usage\":{\"input_tokens\":1}}}"
      "\n\n" RT("y") RDONE, 1 },
    { "deltas before the start and after the end",
      RT("early") RC RT("a") RDONE RT("late"), 3 },
    { "an error, then response.failed", RC RT("a") RERR RFAIL RT("b"), 1 },
    { "cut in a delta", RC RT("a") "event: response.output_text.delta\n"
      "data: {\"delta\":\"", 1 },
    { "data on two lines",
      RC "event: response.output_text.delta\ndata: {\"type\":"
      "\"response.output_text.delta\",\ndata: \"delta\":\"x\"}\n\n" RT("y")
      RDONE, 1 },
};


#define OH  "data: {\"id\":\"chatcmpl-1\",\"object\":"                   \
            "\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-x\","   \
            "\"system_fingerprint\":\"fp_1\","
#define OCH "\"choices\":[{\"index\":0,\"delta\":{"
#define OTL "},\"logprobs\":null,\"finish_reason\":null}]"
#define OROLE OH OCH "\"role\":\"assistant\",\"content\":\"\"" OTL          \
            ",\"usage\":null,\"obfuscation\":\"ab\"}\n\n"
#define OT(t) OH OCH "\"content\":\"" t "\"" OTL ",\"usage\":null,"       \
            "\"obfuscation\":\"xy\"}\n\n"
#define OTP(t) OH OCH "\"content\":\"" t "\"" OTL "}\n\n"
#define OTR(t, rest) OH OCH "\"content\":\"" t "\"" OTL rest "\n\n"
#define OFIN OH OCH "}" ",\"logprobs\":null,\"finish_reason\":\"stop\"}],"  \
            "\"usage\":null}\n\n"
#define OUSE OH "\"choices\":[],\"usage\":{\"prompt_tokens\":3,"           \
            "\"completion_tokens\":4,\"total_tokens\":7}}\n\n"
#define ODONE "data: [DONE]\n\n"

static const crafted_t  openai[] = {
    { "text chunks", OROLE OT("Hi") OT(" there") OT("") OFIN OUSE ODONE, 3 },
    { "without usage or obfuscation",
      OROLE OTP("a") OTP("b") OFIN OUSE ODONE, 2 },
    { "escapes at the string's end",
      OROLE OT("\\\"") OT("\\\\") OT("\\u00e9") OFIN ODONE, 3 },
    { "a raw tab in the text", OROLE OT("a\tb") OT("c") ODONE, 1 },
    { "a CR in the white space",
      OROLE OTR("a", ",\r\"usage\":null}") OT("b") ODONE, 0 },
    { "an LF in the white space",
      OROLE OTR("a", ",\n\"usage\":null}") OT("b") ODONE, 0 },
    { "a CR after the brace", OROLE OTR("a", "}\r") OT("b") ODONE, 1 },
    { "white space before the brace", OROLE OTR("a", " }") OT("b") ODONE, 1 },
    { "another member after", OROLE OTR("a", ",\"x\":1}") OT("b") ODONE, 1 },
    { "CRLF line ends",
      OROLE "data: {\"id\":\"chatcmpl-1\",\"object\":"
      "\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-x\","
      "\"system_fingerprint\":\"fp_1\"," OCH "\"content\":\"a\"" OTL
      "}\r\n\r\n" OT("b") ODONE, 1 },
    { "the data on two lines",
      OROLE "data: {\"id\":\"chatcmpl-1\",\"object\":"
      "\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-x\","
      "\"system_fingerprint\":\"fp_1\",\ndata: " OCH "\"content\":\"a\""
      OTL "}\n\n" OT("b") ODONE, 1 },
    { "another model", OROLE OT("a") "data: {\"id\":\"chatcmpl-1\","
      "\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
      "\"gpt-y\",\"system_fingerprint\":\"fp_1\"," OCH "\"content\":"
      "\"b\"" OTL "}\n\n" OT("c") ODONE, 1 },
    { "a tool call's arguments",
      OROLE OH OCH "\"tool_calls\":[{\"index\":0,\"function\":"
      "{\"arguments\":\"{}\"}}]" OTL "}\n\n" OT("a") ODONE, 1 },
    { "an error chunk", OROLE OT("a") "data: {\"error\":{\"message\":"
      "\"boom\",\"type\":\"server_error\"}}\n\n" OT("b"), 1 },
    { "cut in a chunk", OROLE OT("a") OH OCH "\"content\":\"b", 1 },
    { "after [DONE]", OROLE OT("a") ODONE OT("b"), 1 },
};


static void
crafted(const agw_codec_t *c, const char *dialect, const crafted_t *t,
    size_t n)
{
    int     hooked;
    char    name[160];
    size_t  i, j;
    static const size_t  max[] = { 0, 160, 64 };

    use_codec(c);

    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "%s: %s", dialect, t[i].name);

        for (j = 0; j < sizeof(max) / sizeof(max[0]); j++) {
            if (both_ways(name, t[i].in, max[j], &hooked) && j == 0) {
                is_int(hooked, t[i].hooked, "  the events the hook took");
            }
        }
    }
}


/* A fixture stream: the hook takes its deltas (count them in the bytes:
 * their frame), and gives what the parser gives. */
static void
fixture(const agw_codec_t *c, const char *file, const char *in, size_t len,
    const char *frame)
{
    int          want;
    char         m1[256], m0[256];
    const char  *p;
    agw_buf_t    o1 = AGW_BUF_INIT, o0 = AGW_BUF_INIT;

    use_codec(c);

    want = 0;
    for (p = in; (p = strstr(p, frame)) != NULL; p++) {
        want++;
    }

    taken = 0;
    run(in, len, len, 1, 0, &o1, m1, sizeof(m1));
    run(in, len, len, 0, 0, &o0, m0, sizeof(m0));

    ok(want > 0 && taken == want, "%s: the hook took its %d deltas", file,
       want);
    if (taken != want) {
        tap_diag("took %d", taken);
    }

    ok(o1.len == o0.len && memcmp(o1.data, o0.data, o0.len) == 0
       && strcmp(m1, m0) == 0, "%s: the same both ways", file);

    agw_buf_free(&o1);
    agw_buf_free(&o0);
}


int
main(void)
{
    char    *in;
    size_t   len;

    crafted(&agw_anthropic_codec, "anthropic", anthropic,
            sizeof(anthropic) / sizeof(anthropic[0]));
    crafted(&agw_responses_codec, "responses", responses,
            sizeof(responses) / sizeof(responses[0]));
    crafted(&agw_openai_codec, "openai", openai,
            sizeof(openai) / sizeof(openai[0]));
    include_usage = 1;
    crafted(&agw_openai_codec, "openai, include_usage", openai,
            sizeof(openai) / sizeof(openai[0]));
    include_usage = 0;

    in = fixture_read("anthropic-messages/stream-text.sse", &len);
    if (ok(in != NULL, "anthropic stream-text.sse read")) {
        fixture(&agw_anthropic_codec, "anthropic stream-text.sse", in, len,
                "event: content_block_delta\n");
        free(in);
    }

    in = fixture_read("anthropic-messages/stream-tool-use.sse", &len);
    if (ok(in != NULL, "anthropic stream-tool-use.sse read")) {
        fixture(&agw_anthropic_codec, "anthropic stream-tool-use.sse", in,
                len, "event: content_block_delta\n");
        free(in);
    }

    in = fixture_read("openai-responses/stream-text.chunks.sse", &len);
    if (ok(in != NULL, "responses stream-text.chunks.sse read")) {
        fixture(&agw_responses_codec, "responses stream-text.chunks.sse", in,
                len, ".delta\ndata: ");
        free(in);
    }

    in = fixture_read("openai-responses/"
                      "stream-reasoning-function-call.chunks.sse", &len);
    if (ok(in != NULL, "responses stream-reasoning-function-call read")) {
        fixture(&agw_responses_codec, "responses "
                "stream-reasoning-function-call.chunks.sse", in, len,
                ".delta\ndata: ");
        free(in);
    }

    /* its text chunks after the first (walked: the head kept) */
    in = fixture_read("openai-chat/stream-text.sse", &len);
    if (ok(in != NULL, "openai stream-text.sse read")) {
        fixture(&agw_openai_codec, "openai stream-text.sse", in, len,
                "{\"content\":\"");
        free(in);
    }

    return done_testing();
}
