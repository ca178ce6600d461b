/*
 * The events a provider's reader, or a same-dialect rewrite, takes from
 * the feed's bytes before the SSE parser (agw_codec_t.read_bytes and
 * rewrite_bytes), against the parser alone.  Crafted streams in the forms
 * around each hook's frame (white space with a CR, CRLF line ends,
 * padding, escapes at a string's end, raw line breaks in a string, names
 * and indexes a little off, max_event) are read both ways, to every
 * client dialect: whole, cut in two at every byte and a byte at a time
 * with the hook, whole with the parser alone; the client's bytes, the
 * finish, the usage and the error must be the same.  Then a hook takes
 * what it is there for: every delta of a real stream.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_engine.h"
#include "fixtures.h"
#include "tap.h"


/* A stream read one way: the client's bytes, then its finish, usage and
 * error. */
typedef struct {
    agw_buf_t  out;
    char       meta[1024];
} run_t;


/* The codec of a provider dialect with its hook (the reader's, or the
 * rewrite's for a client of its dialect) counted. */
static agw_codec_t         counted;
static int                 taken;
static size_t            (*inner)(agw_xstream_t *s, const char *p,
                              size_t len, int *rc);

static int
count_event(void *ud, const agw_sse_event_t *ev)
{
    (void) ud;
    (void) ev;

    taken++;
    return 0;
}


/* the events in the bytes a hook took (it may take several in a call),
 * by the parser */
static size_t
count_bytes(agw_xstream_t *s, const char *p, size_t len, int *rc)
{
    size_t            n;
    agw_sse_parser_t  ps;

    n = inner(s, p, len, rc);

    if (n != 0) {
        agw_sse_init(&ps, 0);
        if (agw_sse_feed(&ps, p, n, count_event, NULL) != 0
            || agw_sse_pending(&ps))
        {
            taken = -1000000;           /* not whole events: fails */
        }
        agw_sse_free(&ps);
    }

    return n;
}


/*
 * in read from provider p for client c, fed step bytes at a time (0:
 * whole; (size_t) -cut: cut bytes, then the rest), by_bytes on or off;
 * the provider's codec counted when count.
 */
static void
run(agw_dialect_t p, agw_dialect_t c, const char *in, size_t len,
    size_t max_event, size_t step, int by_bytes, int count, run_t *r)
{
    int                 frc;
    char               *piece;
    size_t              i, n;
    agw_xstream_t      *s;
    agw_answer_ctx_t    ctx;
    const agw_usage_t  *u;
    const agw_error_t  *e;
    const agw_codec_t  *pc, *cc;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("client-model", 12);
    ctx.created = 1700000000;
    ctx.include_usage = 1;
    ctx.provider = p;
    r->out.len = 0;

    pc = agw_codec_of(p);
    cc = agw_codec_of(c);

    if (count) {
        inner = p == c ? pc->rewrite_bytes : pc->read_bytes;
        counted = *pc;
        counted.read_bytes = pc->read_bytes ? count_bytes : NULL;
        counted.rewrite_bytes = pc->rewrite_bytes ? count_bytes : NULL;
        pc = &counted;
        cc = p == c ? &counted : cc;
    }

    s = agw_engine_stream_new_codecs(pc, cc, &ctx, max_event);
    if (s == NULL) {
        snprintf(r->meta, sizeof(r->meta), "no stream");
        return;
    }

    agw_engine_stream_by_bytes(s, by_bytes);

    step = step ? step : (len ? len : 1);

    for (i = 0; i < len; i += n) {
        if (step > len && -step < len) {
            n = i == 0 ? -step : len - i;       /* in two at -step */
        } else {
            n = len - i < step ? len - i : step;
        }

        /* each feed in a block of its own size: a hook reading past
         * its len fails under ASan */
        piece = malloc(n ? n : 1);
        if (piece == NULL) {
            break;
        }

        memcpy(piece, in + i, n);
        frc = agw_engine_stream_feed_more(s, piece, n, &r->out);
        free(piece);

        if (frc != 0) {
            break;
        }
    }

    frc = agw_engine_stream_finish(s, 1, &r->out);
    u = agw_engine_stream_usage(s);
    e = agw_engine_stream_error(s);

    snprintf(r->meta, sizeof(r->meta), "finish=%d usage=%lld/%lld/%lld/%lld/"
             "%lld error=%s %s", frc, (long long) u->input,
             (long long) u->output, (long long) u->cache_read,
             (long long) u->cache_write, (long long) u->reasoning,
             e != NULL ? e->code : "none", e != NULL ? e->message : "");

    agw_engine_stream_free(s);
}


static int
same(const run_t *a, const run_t *b)
{
    return a->out.len == b->out.len
           && memcmp(a->out.data, b->out.data, a->out.len) == 0
           && strcmp(a->meta, b->meta) == 0;
}


static const char  *names[AGW_DIALECT_MAX] = {
    "openai", "anthropic", "gemini", "responses"
};


/* One crafted stream, every client, every way. */
static void
both_ways(agw_dialect_t p, const char *label, const char *in,
    size_t max_event)
{
    int            c;
    size_t         i, len;
    run_t          ref = { AGW_BUF_INIT, "" }, got = { AGW_BUF_INIT, "" };
    const char    *how;

    len = strlen(in);

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        run(p, c, in, len, max_event, 0, 0, 0, &ref);

        how = NULL;
        run(p, c, in, len, max_event, 0, 1, 0, &got);
        if (!same(&ref, &got)) {
            how = "whole";
        }

        run(p, c, in, len, max_event, 1, 1, 0, &got);
        if (how == NULL && !same(&ref, &got)) {
            how = "a byte at a time";
        }

        /* cut in two at every byte */
        for (i = 1; how == NULL && i < len; i++) {
            run(p, c, in, len, max_event, -i, 1, 0, &got);
            if (!same(&ref, &got)) {
                how = "cut in two";
                tap_diag("cut after %zu bytes", i);
            }
        }

        ok(how == NULL, "%s -> %s, %s: the same read from the bytes as "
           "parsed%s%s", names[p], names[c], label, how ? ": not " : "",
           how ? how : "");

        if (how != NULL) {
            tap_diag("parsed: %s\n%.*s", ref.meta, (int) ref.out.len,
                     ref.out.data);
            tap_diag("bytes:  %s\n%.*s", got.meta, (int) got.out.len,
                     got.out.data);
        }
    }

    agw_buf_free(&ref.out);
    agw_buf_free(&got.out);
}


/* Anthropic: the events around a delta. */
#define ANT_START                                                             \
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"    \
    "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","          \
    "\"model\":\"up\",\"content\":[],\"stop_reason\":null,"                   \
    "\"stop_sequence\":null,\"usage\":{\"input_tokens\":7,"                   \
    "\"output_tokens\":1}}}\n\n"                                              \
    "event: content_block_start\ndata: {\"type\":\"content_block_start\","   \
    "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"

#define ANT_DELTA(text)                                                       \
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","   \
    "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"" text         \
    "\"}}\n\n"

#define ANT_END                                                               \
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","     \
    "\"index\":0}\n\n"                                                        \
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"     \
    "{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":"        \
    "{\"output_tokens\":5}}\n\n"                                              \
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"

#define ANT_TOOL                                                              \
    "event: content_block_start\ndata: {\"type\":\"content_block_start\","   \
    "\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":"            \
    "\"toolu_1\",\"name\":\"f\",\"input\":{}}}\n\n"                           \
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","   \
    "\"index\":1,\"delta\":{\"type\":\"input_json_delta\","                   \
    "\"partial_json\":\"{\\\"a\\\":\"}}\n\n"                                  \
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","   \
    "\"index\":1,\"delta\":{\"type\":\"input_json_delta\","                   \
    "\"partial_json\":\" 1}\"}}\n\n"                                          \
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","     \
    "\"index\":1}\n\n"

#define ANT_DELTA_RAW(data)                                                   \
    "event: content_block_delta\ndata: " data "\n\n"

/* the start's and the end's events one by one, and a tool_use block's
 * start at index */
#define ANT_MSG_START                                                         \
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"    \
    "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","          \
    "\"model\":\"up\",\"content\":[],\"stop_reason\":null,"                   \
    "\"stop_sequence\":null,\"usage\":{\"input_tokens\":7,"                   \
    "\"output_tokens\":1}}}\n\n"
#define ANT_START_RAW(data)                                                   \
    "event: content_block_start\ndata: " data "\n\n"
#define ANT_STOP_RAW(data)                                                    \
    "event: content_block_stop\ndata: " data "\n\n"
#define ANT_STOP                                                              \
    ANT_STOP_RAW("{\"type\":\"content_block_stop\",\"index\":0}")
#define ANT_MSG_DELTA                                                         \
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"     \
    "{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":"        \
    "{\"output_tokens\":5}}\n\n"
#define ANT_MSG_STOP_RAW(data)                                                \
    "event: message_stop\ndata: " data "\n\n"
#define ANT_MSG_STOP  ANT_MSG_STOP_RAW("{\"type\":\"message_stop\"}")
#define ANT_TOOL_START(index)                                                 \
    "event: content_block_start\ndata: {\"type\":\"content_block_start\","   \
    "\"index\":" #index ",\"content_block\":{\"type\":\"tool_use\",\"id\":"  \
    "\"toolu_" #index "\",\"name\":\"f\",\"input\":{}}}\n\n"

/* Responses: its deltas between a start and an end. */
#define RSP_START                                                             \
    "event: response.created\ndata: {\"type\":\"response.created\","        \
    "\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":"     \
    "\"in_progress\",\"model\":\"up\",\"output\":[],\"usage\":null},"        \
    "\"sequence_number\":0}\n\n"

#define RSP_DELTA_RAW(data)                                                   \
    "event: response.output_text.delta\ndata: " data "\n\n"

#define RSP_TEXT(text)                                                        \
    RSP_DELTA_RAW("{\"type\":\"response.output_text.delta\",\"item_id\":"    \
    "\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"" text    \
    "\",\"sequence_number\":1}")

#define RSP_ARGS(args)                                                        \
    "event: response.function_call_arguments.delta\ndata: {\"type\":"      \
    "\"response.function_call_arguments.delta\",\"item_id\":\"fc_1\","     \
    "\"output_index\":1,\"delta\":\"" args "\"}\n\n"

#define RSP_END                                                               \
    "event: response.completed\ndata: {\"type\":\"response.completed\","    \
    "\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"model\":"   \
    "\"up\",\"output\":[],\"usage\":{\"input_tokens\":5,"                  \
    "\"output_tokens\":9,\"total_tokens\":14}}}\n\n"

/* Gemini: text chunks as gemini-3 sends them, each event "data: " JSON
 * "\r\n\r\n"; the first is walked, those after it repeat it. */
#define GEM_HEAD  "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
#define GEM_TAIL  "}],\"role\":\"model\"},\"index\":0}]"
#define GEM_IDS   ",\"modelVersion\":\"gemini-3-pro-preview\","              \
                  "\"responseId\":\"dX6LadKVC7SZ28oPr9yJoQs\"}"
#define GEM_USAGE(n)                                                          \
    ",\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":"    \
    n ",\"totalTokenCount\":275}"
#define GEM_EV(data)       "data: " data "\r\n\r\n"
#define GEM_TEXT(text)     GEM_EV(GEM_HEAD "\"" text "\"" GEM_TAIL GEM_IDS)
#define GEM_UTEXT(text, n)                                                    \
    GEM_EV(GEM_HEAD "\"" text "\"" GEM_TAIL GEM_USAGE(n) GEM_IDS)
#define GEM_THOUGHT(text)                                                     \
    GEM_EV(GEM_HEAD "\"" text "\",\"thought\":true" GEM_TAIL GEM_IDS)
#define GEM_END                                                               \
    GEM_EV(GEM_HEAD "\"\"}],\"role\":\"model\"},\"finishReason\":\"STOP\","   \
           "\"index\":0}]" GEM_USAGE("12") GEM_IDS)
#define GEM_B_HEAD                                                            \
    "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": "
#define GEM_B_TEXT(text, n)                                                   \
    "data: " GEM_B_HEAD "\"" text "\"}], \"role\": \"model\"}, \"index\": "   \
    "0}], \"usageMetadata\": {\"candidatesTokenCount\": " n ", "              \
    "\"promptTokenCount\": 20, \"totalTokenCount\": 330}, \"modelVersion\": " \
    "\"gemini-2.5-flash\", \"responseId\": \"tS77aIl-4ZvV7w_A9rTBBg\"}\r\n\r\n"
/* OpenAI: chunks around a text's or a call's delta (the first walked,
 * the next ones read by its head) */
#define OAI_HEAD                                                              \
    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","           \
    "\"created\":1700000000,\"model\":\"up\",\"system_fingerprint\":\"fp\","
#define OAI_CHOICE(delta, finish)                                             \
    "\"choices\":[{\"index\":0,\"delta\":{" delta "},\"logprobs\":null,"      \
    "\"finish_reason\":" finish "}]"
#define OAI_START                                                             \
    "data: " OAI_HEAD OAI_CHOICE("\"role\":\"assistant\",\"content\":\"\","   \
    "\"refusal\":null", "null") "}\n\n"
#define OAI_TEXT(text)                                                        \
    "data: " OAI_HEAD OAI_CHOICE("\"content\":\"" text "\"", "null") "}\n\n"
#define OAI_OBF(text, obf)                                                    \
    "data: " OAI_HEAD OAI_CHOICE("\"content\":\"" text "\"", "null")          \
    ",\"usage\":null,\"obfuscation\":\"" obf "\"}\n\n"
#define OAI_ARGS(k, args)                                                     \
    "data: " OAI_HEAD OAI_CHOICE("\"tool_calls\":[{\"index\":" k ","          \
    "\"function\":{\"arguments\":\"" args "\"}}]", "null") "}\n\n"
#define OAI_CALL(k, id)                                                       \
    "data: " OAI_HEAD OAI_CHOICE("\"tool_calls\":[{\"index\":" k ",\"id\":"   \
    "\"" id "\",\"type\":\"function\",\"function\":{\"name\":\"f\","          \
    "\"arguments\":\"\"}}]", "null") "}\n\n"
#define OAI_END                                                               \
    "data: " OAI_HEAD OAI_CHOICE("", "\"stop\"") "}\n\n"                      \
    "data: " OAI_HEAD "\"choices\":[],\"usage\":{\"prompt_tokens\":7,"        \
    "\"completion_tokens\":5,\"total_tokens\":12}}\n\n"                       \
    "data: [DONE]\n\n"
#define OAI_RAW(data)                                                         \
    "data: " data "\n\n"
#define OAI_TEXT_DATA(text)                                                   \
    OAI_HEAD OAI_CHOICE("\"content\":\"" text "\"", "null")
/* an OpenAI-compatible server's chunk: no logprobs */
#define OAI_BARE(delta, finish)                                               \
    "data: " OAI_HEAD "\"choices\":[{\"index\":0,\"delta\":{" delta "},"     \
    "\"finish_reason\":" finish "}]}\n\n"
#define OAI_BARE_STREAM                                                       \
    OAI_BARE("\"role\":\"assistant\",\"content\":\"\"", "null")              \
    OAI_BARE("\"content\":\"Hello\"", "null")                                 \
    OAI_BARE("\"content\":\", world\"", "null")                               \
    OAI_BARE("\"content\":\"!\"", "null")                                     \
    OAI_BARE("", "\"stop\"") "data: [DONE]\n\n"

typedef struct {
    agw_dialect_t   provider;
    const char     *label;
    const char     *stream;
    size_t          max_event;
} crafted_t;

static const crafted_t  crafted[] = {
    { AGW_DIALECT_ANTHROPIC, "text deltas",
      ANT_START ANT_DELTA("Hello") ANT_DELTA(", world") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a tool call's fragments",
      ANT_START ANT_DELTA("Hi") "event: content_block_stop\ndata: "
      "{\"type\":\"content_block_stop\",\"index\":0}\n\n" ANT_TOOL
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
      "{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":"
      "{\"output_tokens\":5}}\n\nevent: message_stop\ndata: "
      "{\"type\":\"message_stop\"}\n\n", 0 },
    { AGW_DIALECT_ANTHROPIC, "escapes at the string's end",
      ANT_START ANT_DELTA("a\\\\") ANT_DELTA("\\\"") ANT_DELTA("\\u00e9")
      ANT_DELTA("\\ud83d\\ude00") ANT_DELTA("x\\n") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "padding between and after the braces",
      ANT_START ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"} }  ") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "spaces between the braces",
      ANT_START ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}        }")
      ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"b\"} } ") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a tab between the braces",
      ANT_START ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}\t}") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "spaces before the first brace",
      ANT_START ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"  }}") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "three braces",
      ANT_START ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}} }") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a CR between the braces",
      ANT_START ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}\r}")
      ANT_DELTA("b") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a CR after the braces",
      ANT_START ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}\r")
      ANT_DELTA("b") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a raw CR in the text",
      ANT_START ANT_DELTA("a\rb") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a raw LF in the text",
      ANT_START ANT_DELTA("a\nb") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a raw tab in the text",
      ANT_START ANT_DELTA("a\tb") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "an invalid escape",
      ANT_START ANT_DELTA("a\\x") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "CRLF line ends",
      "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":"
      "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
      "\"model\":\"up\",\"content\":[],\"stop_reason\":null,"
      "\"stop_sequence\":null,\"usage\":{\"input_tokens\":7,"
      "\"output_tokens\":1}}}\r\n\r\n"
      "event: content_block_start\r\ndata: {\"type\":\"content_block_start\","
      "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\r\n\r\n"
      "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\","
      "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}\r\n\r\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
      "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"b\"}}\r\n\r\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
      "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"c\"}}\n\r\n"
      ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "the data on two lines",
      ANT_START "event: content_block_delta\ndata: {\"type\":"
      "\"content_block_delta\",\"index\":0,\ndata: \"delta\":{\"type\":"
      "\"text_delta\",\"text\":\"a\"}}\n\n" ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "no space after data:",
      ANT_START "event: content_block_delta\ndata:{\"type\":"
      "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
      "\"text_delta\",\"text\":\"a\"}}\n\n" ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "two spaces after data:",
      ANT_START "event: content_block_delta\ndata:  {\"type\":"
      "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
      "\"text_delta\",\"text\":\"a\"}}\n\n" ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "another event name",
      ANT_START "event: content_block_deltas\ndata: {\"type\":"
      "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
      "\"text_delta\",\"text\":\"a\"}}\n\n" "event: ping\ndata: {\"type\":"
      "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
      "\"text_delta\",\"text\":\"b\"}}\n\n" ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "comments, a ping and a blank line between",
      ANT_START ": keep-alive\n" ANT_DELTA("a") "\n" "event: ping\ndata: "
      "{\"type\":\"ping\"}\n\n" ANT_DELTA("b") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a delta for a block that is not open",
      ANT_START ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":3,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a delta of another kind than its block",
      ANT_START ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}")
      ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "an index with a leading zero",
      ANT_START ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":00,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}}") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a delta before any block",
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
      "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
      "\"model\":\"up\",\"content\":[],\"stop_reason\":null,"
      "\"stop_sequence\":null,\"usage\":{\"input_tokens\":7,"
      "\"output_tokens\":1}}}\n\n" ANT_DELTA("a") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "deltas over max_event",
      ANT_START ANT_DELTA("short") ANT_DELTA("a longer text that the limit "
      "of two hundred bytes an event does not let through, whichever way "
      "it is read") ANT_END, 200 },
    { AGW_DIALECT_ANTHROPIC, "a delta at exactly max_event",
      ANT_START ANT_DELTA("0123456789012345678901234") ANT_END,
      sizeof(ANT_DELTA("0123456789012345678901234")) - 1 },
    { AGW_DIALECT_ANTHROPIC, "a stop and the end padded as Anthropic does",
      ANT_START ANT_DELTA("a") ANT_STOP_RAW("{\"type\":\"content_block_stop\","
      "\"index\":0             }") ANT_MSG_DELTA
      ANT_MSG_STOP_RAW("{\"type\":\"message_stop\"       }  "), 0 },
    { AGW_DIALECT_ANTHROPIC, "a stop's index with a leading zero",
      ANT_START ANT_DELTA("a") ANT_STOP_RAW("{\"type\":\"content_block_stop\","
      "\"index\":01}") ANT_MSG_DELTA ANT_MSG_STOP, 0 },
    { AGW_DIALECT_ANTHROPIC, "a stop's index of nine digits, and of eight",
      ANT_START ANT_DELTA("a") ANT_STOP_RAW("{\"type\":\"content_block_stop\","
      "\"index\":123456789}") ANT_STOP_RAW("{\"type\":\"content_block_stop\","
      "\"index\":12345678}") ANT_MSG_DELTA ANT_MSG_STOP, 0 },
    { AGW_DIALECT_ANTHROPIC, "a stop's index that is not a count",
      ANT_START ANT_DELTA("a") ANT_STOP_RAW("{\"type\":\"content_block_stop\","
      "\"index\":-1}") ANT_DELTA("b") ANT_STOP_RAW("{\"type\":"
      "\"content_block_stop\",\"index\":x}") ANT_MSG_DELTA ANT_MSG_STOP, 0 },
    { AGW_DIALECT_ANTHROPIC, "a stop with another member, or a tab, or a CR",
      ANT_START ANT_DELTA("a") ANT_STOP_RAW("{\"type\":\"content_block_stop\","
      "\"index\":0,\"x\":1}") ANT_TOOL_START(1) ANT_STOP_RAW("{\"type\":"
      "\"content_block_stop\",\"index\":1\t}") ANT_TOOL_START(2)
      ANT_STOP_RAW("{\"type\":\"content_block_stop\",\"index\":2}\r")
      ANT_MSG_DELTA ANT_MSG_STOP, 0 },
    { AGW_DIALECT_ANTHROPIC, "a stop twice, and a stop before any block",
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
      "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
      "\"model\":\"up\",\"content\":[],\"stop_reason\":null,"
      "\"stop_sequence\":null,\"usage\":{\"input_tokens\":7,"
      "\"output_tokens\":1}}}\n\n" ANT_STOP_RAW("{\"type\":"
      "\"content_block_stop\",\"index\":0}") ANT_TOOL_START(0) ANT_STOP
      ANT_STOP ANT_MSG_DELTA ANT_MSG_STOP, 0 },
    { AGW_DIALECT_ANTHROPIC, "a passed over block's stop",
      ANT_START ANT_DELTA("a") ANT_STOP "event: content_block_start\ndata: "
      "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
      "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"bash\","
      "\"input\":{}}}\n\n" ANT_STOP_RAW("{\"type\":\"content_block_stop\","
      "\"index\":1}") ANT_TOOL_START(2) ANT_STOP_RAW("{\"type\":"
      "\"content_block_stop\",\"index\":2}") ANT_MSG_DELTA ANT_MSG_STOP, 0 },
    { AGW_DIALECT_ANTHROPIC, "the end before message_start",
      ANT_MSG_STOP ANT_START ANT_DELTA("a") ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "the end with more, and events after it",
      ANT_START ANT_DELTA("a") ANT_STOP ANT_MSG_DELTA
      ANT_MSG_STOP_RAW("{\"type\":\"message_stop\",\"x\":1}")
      ANT_MSG_STOP ANT_DELTA("b") ANT_MSG_STOP, 0 },
    { AGW_DIALECT_ANTHROPIC, "pings of every form",
      "event: ping\ndata: {\"type\": \"ping\"}\n\n" ANT_START
      "event: ping\ndata: \n\n" ANT_DELTA("a") "event: ping\ndata: x\r\n\n"
      ANT_DELTA("b") "event: ping\ndata: {\"type\":\ndata: \"ping\"}\n\n"
      "event: ping\ndata: {\"type\":\"ping\"}\n" ANT_DELTA("c")
      "event: ping\ndata: {}\n\n" ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "the stream cut inside a stop",
      ANT_START ANT_DELTA("a") "event: content_block_stop\ndata: "
      "{\"type\":\"content_block_stop\",\"index\":0    ", 0 },
    { AGW_DIALECT_ANTHROPIC, "text blocks' starts padded, and not",
      ANT_MSG_START ANT_START_RAW("{\"type\":\"content_block_start\","
      "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}"
      "               }  ") ANT_DELTA("a") ANT_STOP
      ANT_START_RAW("{\"type\":\"content_block_start\",\"index\":12345678,"
      "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
      ANT_DELTA_RAW("{\"type\":\"content_block_delta\",\"index\":12345678,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"b\"}}") ANT_STOP
      ANT_MSG_DELTA ANT_MSG_STOP, 0 },
    { AGW_DIALECT_ANTHROPIC, "text blocks' starts the walk reads",
      ANT_MSG_START ANT_START_RAW("{\"type\":\"content_block_start\","
      "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"Hi\"}}")
      ANT_STOP ANT_START_RAW("{\"type\":\"content_block_start\","
      "\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\","
      "\"citations\":[]}}") ANT_STOP ANT_START_RAW("{\"type\":"
      "\"content_block_start\",\"index\":2,\"content_block\":{\"type\":"
      "\"text\",\"text\":\"\"},\"x\":1}") ANT_STOP ANT_START_RAW("{\"type\":"
      "\"content_block_start\",\"index\":123456789,\"content_block\":"
      "{\"type\":\"text\",\"text\":\"\"}}") ANT_STOP
      ANT_MSG_DELTA ANT_MSG_STOP, 0 },
    { AGW_DIALECT_ANTHROPIC, "a text block's start with a block open",
      ANT_START ANT_START_RAW("{\"type\":\"content_block_start\","
      "\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
      ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a text block's start before message_start",
      ANT_START_RAW("{\"type\":\"content_block_start\",\"index\":0,"
      "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}") ANT_MSG_START
      ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "a text block's start with an index of 01",
      ANT_MSG_START ANT_START_RAW("{\"type\":\"content_block_start\","
      "\"index\":01,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
      ANT_END, 0 },
    { AGW_DIALECT_ANTHROPIC, "the stream cut inside a text block's start",
      ANT_MSG_START "event: content_block_start\ndata: {\"type\":"
      "\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
      "\"text\",\"text\":\"\"}}\n", 0 },
    { AGW_DIALECT_ANTHROPIC, "the stream cut inside a delta",
      ANT_START ANT_DELTA("a") "event: content_block_delta\ndata: "
      "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":", 0 },
    { AGW_DIALECT_RESPONSES, "text and arguments deltas",
      RSP_START RSP_TEXT("Hi") RSP_TEXT("\\\"") RSP_ARGS("{\\\"a\\\":")
      RSP_ARGS("1}") RSP_END, 0 },
    { AGW_DIALECT_RESPONSES, "a CR in the white space",
      RSP_START RSP_DELTA_RAW("{\"type\":\"response.output_text.delta\","
      "\r\"delta\":\"a\"}") RSP_TEXT("b") RSP_END, 0 },
    { AGW_DIALECT_RESPONSES, "CRLF line ends",
      RSP_START "event: response.output_text.delta\r\ndata: {\"type\":"
      "\"response.output_text.delta\",\"delta\":\"a\"}\r\n\r\n" RSP_END, 0 },
    { AGW_DIALECT_RESPONSES, "a lifecycle name ending .delta",
      RSP_START "event: response.delta\ndata: {\"type\":\"response.delta\","
      "\"response\":{\"model\":\"up\",\"usage\":{\"input_tokens\":1}}}\n\n"
      RSP_TEXT("a") RSP_END, 0 },
    { AGW_DIALECT_RESPONSES, "the data on two lines",
      RSP_START RSP_DELTA_RAW("{\"type\":\"response.output_text.delta\","
      "\ndata: \"delta\":\"a\"}") RSP_END, 0 },
    { AGW_DIALECT_RESPONSES, "deltas over max_event",
      RSP_START RSP_TEXT("short") RSP_TEXT("a longer text that the limit of "
      "two hundred bytes an event does not let through") RSP_END, 200 },
    { AGW_DIALECT_RESPONSES, "the stream cut inside a delta",
      RSP_START RSP_TEXT("a") "event: response.output_text.delta\ndata: "
      "{\"type\":", 0 },
    { AGW_DIALECT_GEMINI, "text chunks",
      GEM_TEXT("Hello") GEM_TEXT(", world") GEM_TEXT("!") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "text chunks with a usage",
      GEM_UTEXT("Hello", "1") GEM_UTEXT(", world", "2")
      GEM_UTEXT("!", "-3") GEM_UTEXT("?", "123456789012") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "text chunks with blanks",
      GEM_B_TEXT("Hello", "4") GEM_B_TEXT(", world", "50")
      GEM_B_TEXT("", "61") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "thoughts then text",
      GEM_THOUGHT("Hmm") GEM_THOUGHT(" yes") GEM_TEXT("Hello")
      GEM_THOUGHT("again") GEM_TEXT("") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "LF frames",
      "data: " GEM_HEAD "\"Hello\"" GEM_TAIL GEM_IDS "\n\n"
      "data: " GEM_HEAD "\", world\"" GEM_TAIL GEM_IDS "\n\n"
      GEM_TEXT("!") "data: " GEM_HEAD "\"?\"" GEM_TAIL GEM_IDS "\n\n"
      GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "other frames",
      GEM_TEXT("Hello")
      "data: " GEM_HEAD "\"a\"" GEM_TAIL GEM_IDS "\r\n\n"
      "data: " GEM_HEAD "\"b\"" GEM_TAIL GEM_IDS "\n\r\n"
      "data: " GEM_HEAD "\"c\"" GEM_TAIL GEM_IDS "\r\r"
      "data: " GEM_HEAD "\"d\"" GEM_TAIL GEM_IDS "\r\n\r\r\n"
      "data: " GEM_HEAD "\"e\"" GEM_TAIL GEM_IDS "\n\r\n\r\n"
      GEM_TEXT("f") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "two data: lines, each a whole chunk",
      GEM_TEXT("Hello")
      "data: " GEM_HEAD "\"a\"" GEM_TAIL GEM_IDS "\r\n"
      "data: " GEM_HEAD "\"b\"" GEM_TAIL GEM_IDS "\r\n\r\n"
      "data: " GEM_HEAD "\"c\"" GEM_TAIL GEM_IDS "\n"
      "data: " GEM_HEAD "\"d\"" GEM_TAIL GEM_IDS "\n\n" GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "escapes at the string's end",
      GEM_TEXT("Hello") GEM_TEXT("a\\\\") GEM_TEXT("\\\"")
      GEM_TEXT("\\u00e9") GEM_TEXT("\\ud83d\\ude00") GEM_TEXT("x\\r\\n")
      GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "a raw CR in the text",
      GEM_TEXT("Hello") GEM_TEXT("a\rb") GEM_TEXT("c") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "a raw LF in the text",
      GEM_TEXT("Hello") GEM_TEXT("a\nb") GEM_TEXT("c") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "a raw tab in the text",
      GEM_TEXT("Hello") GEM_TEXT("a\tb") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "a CR or LF before a count",
      GEM_UTEXT("Hello", "1") GEM_UTEXT("a", "\r2") GEM_UTEXT("b", "\n3")
      GEM_UTEXT("c", "\r\n4") GEM_UTEXT("d", " 5") GEM_UTEXT("e", "6\r")
      GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "counts that are no integers",
      GEM_UTEXT("Hello", "1") GEM_UTEXT("a", "05") GEM_UTEXT("b", "2.5")
      GEM_UTEXT("c", "-") GEM_UTEXT("d", "1e3")
      GEM_UTEXT("e", "99999999999999999999") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "a CR or LF between the members",
      GEM_TEXT("Hello")
      GEM_EV(GEM_HEAD "\"a\"" GEM_TAIL ",\r\"modelVersion\":"
             "\"gemini-3-pro-preview\",\"responseId\":"
             "\"dX6LadKVC7SZ28oPr9yJoQs\"}")
      GEM_EV(GEM_HEAD "\"b\"" GEM_TAIL GEM_IDS "\n")
      GEM_EV(GEM_HEAD "\"c\"" GEM_TAIL GEM_IDS " ")
      GEM_TEXT("d") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "the first chunk on two data: lines",
      "data: " GEM_HEAD "\"Hello\"" GEM_TAIL ",\r\ndata: \"modelVersion\":"
      "\"gemini-3-pro-preview\",\"responseId\":\"dX6LadKVC7SZ28oPr9yJoQs\"}"
      "\r\n\r\n" GEM_TEXT("a")
      GEM_EV(GEM_HEAD "\"b\"" GEM_TAIL ", \"modelVersion\":"
             "\"gemini-3-pro-preview\",\"responseId\":"
             "\"dX6LadKVC7SZ28oPr9yJoQs\"}")
      GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "no space, two spaces after data:, a name",
      GEM_TEXT("Hello") "data:" GEM_HEAD "\"a\"" GEM_TAIL GEM_IDS "\r\n\r\n"
      "data:  " GEM_HEAD "\"b\"" GEM_TAIL GEM_IDS "\r\n\r\n"
      "event: x\r\n" GEM_TEXT("c") GEM_TEXT("d") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "comments and blank lines between",
      GEM_TEXT("Hello") ": keep-alive\r\n\r\n" GEM_TEXT("a") "\r\n"
      GEM_TEXT("b") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "other ids, another member",
      GEM_TEXT("Hello")
      GEM_EV(GEM_HEAD "\"a\"" GEM_TAIL ",\"modelVersion\":"
             "\"gemini-3-pro-preview\",\"responseId\":\"other\"}")
      GEM_EV(GEM_HEAD "\"b\"" GEM_TAIL ",\"modelVersion\":"
             "\"gemini-3-pro-preview\",\"responseId\":"
             "\"dX6LadKVC7SZ28oPr9yJoQs\",\"x\":1}")
      GEM_TEXT("c") GEM_END, 0 },
    { AGW_DIALECT_GEMINI, "an error after text",
      GEM_TEXT("Hello") GEM_TEXT("a")
      GEM_EV("{\"error\":{\"code\":503,\"message\":\"overloaded\","
             "\"status\":\"UNAVAILABLE\"}}"), 0 },
    { AGW_DIALECT_GEMINI, "chunks over max_event",
      GEM_TEXT("Hello") GEM_TEXT("a") GEM_TEXT("a longer text that the "
      "limit of two hundred bytes an event does not let through") GEM_END,
      200 },
    { AGW_DIALECT_GEMINI, "a chunk at exactly max_event",
      GEM_TEXT("Hello") GEM_TEXT("0123456789") GEM_END,
      sizeof(GEM_TEXT("0123456789")) - 1 },
    { AGW_DIALECT_GEMINI, "the stream cut inside a chunk",
      GEM_TEXT("Hello") GEM_TEXT("a") "data: " GEM_HEAD "\"b\"" GEM_TAIL
      GEM_IDS "\r\n\r", 0 },
    { AGW_DIALECT_OPENAI, "text chunks",
      OAI_START OAI_TEXT("Hello") OAI_TEXT(", world") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "chunks without logprobs", OAI_BARE_STREAM, 0 },
    { AGW_DIALECT_OPENAI, "a text chunk first",
      OAI_TEXT("Hello") OAI_TEXT(", world") OAI_TEXT("") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "usage and obfuscation",
      OAI_START OAI_OBF("a", "yhjoJbEF") OAI_OBF("b", "")
      OAI_OBF("c", "0123456789abcdefghijklmnopqrstuvwxyz0123")
      OAI_OBF("d", "a\\\\") OAI_OBF("e", "\\\"") OAI_OBF("f", "\\u00e9")
      OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "escapes at the string's end",
      OAI_START OAI_TEXT("a\\\\") OAI_TEXT("\\\"") OAI_TEXT("\\u00e9")
      OAI_TEXT("\\ud83d\\ude00") OAI_TEXT("x\\n") OAI_TEXT("\\/") OAI_END,
      0 },
    { AGW_DIALECT_OPENAI, "a tool call's arguments",
      OAI_START OAI_TEXT("Hi") OAI_CALL("0", "call_1") OAI_ARGS("0", "{\\\"a")
      OAI_ARGS("0", "\\\": 1}") OAI_CALL("1", "call_2") OAI_ARGS("1", "{}")
      OAI_ARGS("0", "x") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "calls at index 10 and 11",
      OAI_START OAI_CALL("10", "call_1") OAI_ARGS("10", "{}")
      OAI_CALL("11", "call_2") OAI_ARGS("11", "{}") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "a CR in the JSON's white space",
      OAI_START OAI_RAW(OAI_TEXT_DATA("a") "\r}") OAI_TEXT("b")
      OAI_RAW(OAI_TEXT_DATA("c") "}\r") OAI_TEXT("d")
      OAI_RAW("{\"id\":\"chatcmpl-1\",\r\"object\":\"chat.completion.chunk\","
      "\"created\":1700000000,\"model\":\"up\",\"system_fingerprint\":"
      "\"fp\"," OAI_CHOICE("\"content\":\"e\"", "null") "}") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "a LF in the JSON's white space",
      OAI_START OAI_RAW(OAI_TEXT_DATA("a") "\n}") OAI_TEXT("b") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "spaces after the JSON",
      OAI_START OAI_RAW(OAI_TEXT_DATA("a") "}  ") OAI_TEXT("b")
      OAI_RAW(OAI_TEXT_DATA("c") " }") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "bytes after the JSON",
      OAI_START OAI_RAW(OAI_TEXT_DATA("a") "}x") OAI_TEXT("b") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "CRLF line ends",
      OAI_START "data: " OAI_TEXT_DATA("a") "}\r\n\r\n"
      "data: " OAI_TEXT_DATA("b") "}\n\r\n"
      "data: " OAI_TEXT_DATA("c") "}\r\n\n" OAI_TEXT("d") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "a raw CR in the text",
      OAI_START OAI_TEXT("a\rb") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "a raw LF in the text",
      OAI_START OAI_TEXT("a\nb") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "a raw tab in the text",
      OAI_START OAI_TEXT("a\tb") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "a raw LF in the obfuscation",
      OAI_START OAI_OBF("a", "x\ny") OAI_OBF("b", "x") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "an invalid escape",
      OAI_START OAI_TEXT("a\\x") OAI_OBF("b", "\\x") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "the head on two data: lines",
      "data: {\"id\":\"chatcmpl-1\",\ndata: \"object\":"
      "\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"up\","
      "\"system_fingerprint\":\"fp\"," OAI_CHOICE("\"role\":\"assistant\","
      "\"content\":\"\"", "null") "}\n\n"
      "data: {\"id\":\"chatcmpl-1\",\ndata: \"object\":"
      "\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"up\","
      "\"system_fingerprint\":\"fp\"," OAI_CHOICE("\"content\":\"a\"", "null")
      "}\n\n"
      "data: {\"id\":\"chatcmpl-1\",\n\"object\":"
      "\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"up\","
      "\"system_fingerprint\":\"fp\"," OAI_CHOICE("\"content\":\"b\"", "null")
      "}\n\n" OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "a second data: line after the chunk",
      OAI_START "data: " OAI_TEXT_DATA("a") "}\ndata: " OAI_TEXT_DATA("b")
      "}\n\n" OAI_TEXT("c") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "a comment, a name after the chunk's line",
      OAI_START "data: " OAI_TEXT_DATA("a") "}\n: c\n\n"
      "data: " OAI_TEXT_DATA("b") "}\nevent: x\n\n" OAI_TEXT("c") OAI_END,
      0 },
    { AGW_DIALECT_OPENAI, "the text on two data: lines",
      OAI_START "data: " OAI_HEAD "\ndata: " OAI_CHOICE("\"content\":\"a\"",
      "null") "}\n\n" OAI_TEXT("b") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "no space after data:",
      OAI_START "data:" OAI_TEXT_DATA("a") "}\n\n" OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "two spaces after data:",
      OAI_START "data:  " OAI_TEXT_DATA("a") "}\n\n" OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "an event name, an id",
      OAI_START "event: x\n" OAI_TEXT("a") "id: 3\n" OAI_TEXT("b")
      "event: error\n" OAI_TEXT("c") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "comments and blank lines between",
      OAI_START ": keep-alive\n\n" OAI_TEXT("a") "\n" OAI_TEXT("b")
      ":\n" OAI_TEXT("c") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "another head",
      OAI_START OAI_RAW("{\"id\":\"chatcmpl-2\",\"object\":"
      "\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"up\","
      "\"system_fingerprint\":\"fp\"," OAI_CHOICE("\"content\":\"a\"", "null")
      "}") OAI_TEXT("b") OAI_END, 0 },
    { AGW_DIALECT_OPENAI, "chunks after [DONE]",
      OAI_START OAI_TEXT("a") "data: [DONE]\n\n" OAI_TEXT("b")
      OAI_TEXT("c"), 0 },
    { AGW_DIALECT_OPENAI, "an error after text",
      OAI_START OAI_TEXT("a") "data: {\"error\":{\"message\":\"overloaded\","
      "\"type\":\"server_error\"}}\n\n" OAI_TEXT("b"), 0 },
    { AGW_DIALECT_OPENAI, "chunks over max_event",
      OAI_START OAI_TEXT("short") OAI_TEXT("a longer text that the limit of "
      "three hundred bytes an event does not let through, whichever way it "
      "is read, padded to pass it") OAI_END, 300 },
    { AGW_DIALECT_OPENAI, "a chunk at exactly max_event",
      OAI_START OAI_TEXT("0123456789012345678901234") OAI_END,
      sizeof(OAI_TEXT("0123456789012345678901234")) - 1 },
    { AGW_DIALECT_OPENAI, "the stream cut inside a chunk",
      OAI_START OAI_TEXT("a") "data: " OAI_HEAD "\"choices\":[{\"index\":0,"
      "\"delta\":{\"content\":\"b", 0 },
    { AGW_DIALECT_OPENAI, "the stream cut before the blank line",
      OAI_START OAI_TEXT("a") "data: " OAI_TEXT_DATA("b") "}\n", 0 },
};


/*
 * A real stream's events that a hook is for (those holding one of
 * markers, NULL-terminated) are all taken from the bytes.
 */
static void
taken_in(agw_dialect_t p, const char *file, const char *in, size_t len,
    const char *const *markers, int rewrite)
{
    int                 want;
    run_t               r = { AGW_BUF_INIT, "" };
    const char         *q;
    const char *const  *m;

    for (want = 0, m = markers; *m != NULL; m++) {
        for (q = in; (q = strstr(q, *m)) != NULL; q++) {
            want++;
        }
    }

    taken = 0;
    run(p, rewrite ? p : (p == AGW_DIALECT_OPENAI ? AGW_DIALECT_ANTHROPIC
                                                  : AGW_DIALECT_OPENAI),
        in, len, 0, 0, 1, 1, &r);

    ok(want > 0 && taken == want, "%s (%s): %d of its %d events for the "
       "hook taken from the bytes", file, rewrite ? "rewrite" : "reader",
       taken, want);

    agw_buf_free(&r.out);
}


static void
taken_all(agw_dialect_t p, const char *file, const char *const *markers,
    int rewrite)
{
    char    *in;
    size_t   len;

    in = file_read(file, &len);
    if (in == NULL) {
        ok(0, "%s: read", file);
        return;
    }

    taken_in(p, file, in, len, markers, rewrite);
    free(in);
}


/*
 * A real Gemini stream's text chunks, one text part without a finish or
 * a signature, are all taken from the bytes but the first (walked: the
 * stream's start, and the chunk the next ones repeat).
 */
static void
gem_taken_all(const char *file)
{
    int          want;
    char        *in, *ev, *end;
    size_t       len;
    run_t        r = { AGW_BUF_INIT, "" };

    in = file_read(file, &len);
    if (in == NULL) {
        ok(0, "%s: read", file);
        return;
    }

    want = -1;

    for (ev = in; (end = strstr(ev, "\r\n\r\n")) != NULL; ev = end + 4) {
        *end = '\0';
        want += strstr(ev, "\"text\":") != NULL
                && strstr(ev, "\"finishReason\"") == NULL
                && strstr(ev, "\"thoughtSignature\"") == NULL;
        *end = '\r';
    }

    taken = 0;
    run(AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, in, len, 0, 0, 1, 1, &r);

    ok(want > 0 && taken == want, "%s (reader): %d of its %d text chunks "
       "after the first taken from the bytes", file, taken, want);

    agw_buf_free(&r.out);
    free(in);
}


/*
 * A Gemini text chunk x after the walked one it repeats, then the end:
 * the same read from the bytes as parsed, x taken from them (want 1) or
 * not (0).  The stream is made of pre, x, post.
 */
static int
gem_one(const char *pre, const char *x, size_t x_len, const char *post,
    int want)
{
    int     good;
    char   *in;
    size_t  pre_len, post_len;
    run_t   ref = { AGW_BUF_INIT, "" }, got = { AGW_BUF_INIT, "" };

    pre_len = strlen(pre);
    post_len = strlen(post);

    in = malloc(pre_len + x_len + post_len);
    if (in == NULL) {
        return 0;
    }

    memcpy(in, pre, pre_len);
    memcpy(in + pre_len, x, x_len);
    memcpy(in + pre_len + x_len, post, post_len);

    run(AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, in,
        pre_len + x_len + post_len, 0, 0, 0, 0, &ref);

    taken = 0;
    run(AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, in,
        pre_len + x_len + post_len, 0, 0, 1, 1, &got);

    good = same(&ref, &got) && taken == want;

    agw_buf_free(&ref.out);
    agw_buf_free(&got.out);
    free(in);

    return good;
}


/*
 * The repeat's compares, byte by byte: a text chunk x (from "data: " to
 * its frame) after the walked first, taken whole, and not taken with any
 * one byte but its text's changed (the head with "data: " and the
 * quote, the kept members, the usage's counts); ids of 1 to 32 bytes,
 * so that the kept bytes end at each offset of the compare's 16 and 32
 * byte rounds.
 */
static void
gem_bytes_changed(const char *label, const char *first, const char *x,
    const char *post)
{
    char    *c;
    size_t   i, n, text, bad;

    n = strlen(x);
    text = strstr(x, "\"TEXT\"") - x + 1;    /* the text's inside */

    c = malloc(n);
    if (c == NULL) {
        ok(0, "%s: memory", label);
        return;
    }

    bad = 0;

    for (i = 0; i < n; i++) {
        /* the frame's bytes: the parser's (a line cut) */
        if ((i >= text && i < text + 4) || i >= n - 4) {
            continue;
        }

        memcpy(c, x, n);
        c[i] = c[i] == 'x' ? 'y' : 'x';

        if (!gem_one(first, c, n, post, 0)) {
            tap_diag("%s: byte %zu changed", label, i);
            bad++;
        }
    }

    ok(gem_one(first, x, n, post, 1) && bad == 0, "%s: taken from the "
       "bytes, and with any byte but its text's changed read as parsed "
       "and not taken", label);

    free(c);
}


static void
gem_compares(void)
{
    int     i;
    char    ids[160], id[48], label[80];
    char    first[512], x[512];

    /* the kept bytes' compare: every length mod 32 */
    for (i = 1; i <= 32; i++) {
        memset(id, 'i', (size_t) i);
        id[i] = '\0';

        snprintf(ids, sizeof(ids), ",\"modelVersion\":\"m\","
                 "\"responseId\":\"%s\"}", id);

        snprintf(first, sizeof(first), "data: " GEM_HEAD "\"Hello\""
                 GEM_TAIL "%s\r\n\r\n", ids);
        snprintf(x, sizeof(x), "data: " GEM_HEAD "\"TEXT\"" GEM_TAIL
                 "%s\r\n\r\n", ids);
        snprintf(label, sizeof(label), "gemini, an id of %d bytes", i);
        gem_bytes_changed(label, first, x, GEM_END);

        /* the usage's runs are compared apart: a few lengths */
        if (i % 16 != 1) {
            continue;
        }

        snprintf(first, sizeof(first), "data: " GEM_HEAD "\"Hello\""
                 GEM_TAIL GEM_USAGE("1") "%s\r\n\r\n", ids);
        snprintf(x, sizeof(x), "data: " GEM_HEAD "\"TEXT\"" GEM_TAIL
                 GEM_USAGE("27") "%s\r\n\r\n", ids);
        snprintf(label, sizeof(label), "gemini, a usage, an id of %d bytes",
                 i);
        gem_bytes_changed(label, first, x, GEM_END);
    }

    gem_bytes_changed("gemini, with blanks", GEM_B_TEXT("Hello", "1"),
                      GEM_B_TEXT("TEXT", "61"), GEM_END);
}


static const char *const  ant_streams[] = {
    "t/fixtures/anthropic-messages/stream-tool-use.sse",
    "t/fixtures/anthropic-messages/stream-text.sse",
    "t/fixtures/anthropic-messages/stream-thinking.chunks.sse",
    "t/fixtures/anthropic-messages/stream-prompt-cache.chunks.sse",
    NULL
};

static const char *const  oai_streams[] = {
    "t/fixtures/openai-chat/stream-text.sse",
    "t/fixtures/openai-chat/stream-include-usage.chunks.sse",
    "t/fixtures/openai-chat/stream-tool-calls.sse",
    "t/fixtures/openai-chat/stream-parallel-tool-calls.sse",
    NULL
};

/* a text's or the live call's arguments, after the head the first chunk
 * had (interleaved calls' are the walk's, as a role's, a finish's) */
static const char *const  oai_deltas[] = {
    "\"delta\":{\"content\":\"",
    "\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":",
    "\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":",
    NULL
};

/* and the small events of fixed shape: a text block's start, a block's
 * stop, the end, a ping */
static const char *const  ant_deltas[] = {
    "\"delta\":{\"type\":\"text_delta\"",
    "\"delta\":{\"type\":\"input_json_delta\"",
    "\"delta\":{\"type\":\"thinking_delta\"",
    ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}",
    "event: content_block_stop\n",
    "event: message_stop\n",
    "event: ping\n",
    NULL
};


static const char *const  ant_rewrite[] = {
    "event: content_block_delta\n", NULL
};

static const char *const  rsp_streams[] = {
    "t/fixtures/openai-responses/stream-text.chunks.sse",
    "t/fixtures/openai-responses/stream-reasoning-function-call.chunks.sse",
    "t/fixtures/openai-responses/stream-text.documented.sse",
    NULL
};

static const char *const  rsp_rewrite[] = { ".delta\ndata: ", NULL };

static const char *const  oai_rewrite[] = { "{\"content\":\"", NULL };


int
main(void)
{
    size_t  i;

    for (i = 0; i < sizeof(crafted) / sizeof(crafted[0]); i++) {
        both_ways(crafted[i].provider, crafted[i].label, crafted[i].stream,
                  crafted[i].max_event);
    }

    /* Anthropic's deltas, padded with spaces or not (a signature is
     * the walk's) */
    for (i = 0; ant_streams[i] != NULL; i++) {
        taken_all(AGW_DIALECT_ANTHROPIC, ant_streams[i], ant_deltas, 0);
        taken_all(AGW_DIALECT_ANTHROPIC, ant_streams[i], ant_rewrite, 1);
    }

    /* the rewrites pass every delta on as it came */
    for (i = 0; rsp_streams[i] != NULL; i++) {
        taken_all(AGW_DIALECT_RESPONSES, rsp_streams[i], rsp_rewrite, 1);
    }

    /* and OpenAI's text chunks after the first, walked */
    taken_all(AGW_DIALECT_OPENAI, "t/fixtures/openai-chat/stream-text.sse",
              oai_rewrite, 1);

    /* Gemini's text chunks that repeat the one before */
    gem_compares();
    gem_taken_all("t/fixtures/gemini/stream-text-usage.chunks.sse");
    gem_taken_all("t/fixtures/gemini/stream-reasoning.chunks.sse");
    /* OpenAI's text chunks and the live call's arguments */
    for (i = 0; oai_streams[i] != NULL; i++) {
        taken_all(AGW_DIALECT_OPENAI, oai_streams[i], oai_deltas, 0);
    }

    /* and an OpenAI-compatible server's, which have no logprobs (none
     * was taken before they were matched: each paid the hook and the
     * parser) */
    taken_in(AGW_DIALECT_OPENAI, "chunks without logprobs", OAI_BARE_STREAM,
             sizeof(OAI_BARE_STREAM) - 1, oai_deltas, 0);
    taken_in(AGW_DIALECT_OPENAI, "chunks without logprobs", OAI_BARE_STREAM,
             sizeof(OAI_BARE_STREAM) - 1, oai_rewrite, 1);

    done_testing();
}
