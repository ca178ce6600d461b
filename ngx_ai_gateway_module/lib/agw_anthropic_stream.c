/*
 * Anthropic Messages streams: events to hub chunks (decoder, Anthropic the
 * provider), hub chunks to events (encoder, Anthropic the client), and the
 * passthrough.  See docs/translation-anthropic.md for the event table.
 *
 * In hub chunks a thinking block travels in fragments, LiteLLM's way:
 * each piece of text as delta.reasoning_content and as delta.thinking_blocks
 * [{"type":"thinking","thinking":"<piece>"}], then its signature as
 * [{"type":"thinking","thinking":"","signature":"..."}], which ends the
 * block; a client that concatenates the fragments of thinking_blocks gets
 * the whole block to send back.  A redacted block travels whole.  So
 * nothing of a thinking block is held in memory.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_anthropic_int.h"
#include "agw_direct_util.h"
#include "agw_json_scan.h"


/* Decoder: Anthropic events -> hub chunks */

/* Emits one hub chunk with delta (stolen) and finish_reason (or null). */
static int
agw_ant_emit(agw_stream_t *s, json_t *delta, const char *finish)
{
    int                       rc;
    json_t                   *chunk;
    agw_anthropic_decoder_t  *d;

    if (delta == NULL) {
        return -1;
    }

    d = s->ant_dec;

    chunk = json_pack("{s:s, s:s, s:i, s:s, s:[{s:i, s:o, s:o}]}",
                      "id", d->id,
                      "object", "chat.completion.chunk",
                      "created", 0,
                      "model", d->model,
                      "choices",
                          "index", 0,
                          "delta", delta,
                          "finish_reason",
                              finish ? json_string(finish) : json_null());
    if (chunk == NULL) {
        return -1;
    }

    rc = agw_stream_emit(s, chunk);
    json_decref(chunk);

    return rc;
}


/* A piece of thinking text, as reasoning_content and as a fragment of its
 * thinking block. */
static int
agw_ant_emit_thinking(agw_stream_t *s, const char *text)
{
    return agw_ant_emit(s, json_pack("{s:s, s:[{s:s, s:s}]}",
                                     "reasoning_content", text,
                                     "thinking_blocks",
                                         "type", "thinking",
                                         "thinking", text),
                        NULL);
}


static void
agw_ant_usage_update(agw_stream_t *s, const json_t *usage)
{
    agw_usage_t  u;

    agw_ant_usage_fold(s->ant_dec, usage);
    agw_ant_usage_get(s->ant_dec, &u);
    agw_usage_merge(&s->usage, &u);
}


static int
agw_ant_message_start(agw_stream_t *s, json_t *ev)
{
    json_t                   *msg;
    const char               *v;
    agw_anthropic_decoder_t  *d;

    d = s->ant_dec;
    msg = json_object_get(ev, "message");

    v = agw_ant_str(msg, "id");
    snprintf(d->id, sizeof(d->id), "%s", v ? v : "");
    v = agw_ant_str(msg, "model");
    snprintf(d->model, sizeof(d->model), "%s", v ? v : "");
    d->started = 1;

    agw_ant_usage_update(s, json_object_get(msg, "usage"));

    return agw_ant_emit(s, json_pack("{s:s, s:s}", "role", "assistant",
                                     "content", ""), NULL);
}


static int
agw_ant_tool_start(agw_stream_t *s, json_t *block)
{
    int                       rc;
    char                     *args;
    json_t                   *input;
    const char               *id, *name;
    agw_anthropic_decoder_t  *d;

    d = s->ant_dec;
    d->kind = AGW_ANT_BLOCK_TOOL;
    d->tool = d->tools++;

    id = agw_ant_str(block, "id");
    name = agw_ant_str(block, "name");

    rc = agw_ant_emit(s, json_pack("{s:[{s:i, s:s, s:s, s:{s:s, s:s}}]}",
                                   "tool_calls",
                                       "index", d->tool,
                                       "id", id ? id : "",
                                       "type", "function",
                                       "function",
                                           "name", name ? name : "",
                                           "arguments", ""),
                      NULL);
    if (rc != 0) {
        return rc;
    }

    /* streamed tool_use starts with input {} and the JSON follows in
     * input_json_delta; a block that arrives whole is sent at once */
    input = json_object_get(block, "input");
    if (!json_is_object(input) || json_object_size(input) == 0) {
        return 0;
    }

    args = json_dumps(input, JSON_COMPACT);
    if (args == NULL) {
        return -1;
    }

    rc = agw_ant_emit(s, json_pack("{s:[{s:i, s:{s:s}}]}", "tool_calls",
                                   "index", d->tool,
                                   "function", "arguments", args),
                      NULL);
    free(args);

    return rc;
}


static int
agw_ant_block_start(agw_stream_t *s, json_t *ev)
{
    json_t                   *block, *idx;
    const char               *type, *v;
    agw_anthropic_decoder_t  *d;

    d = s->ant_dec;
    block = json_object_get(ev, "content_block");
    idx = json_object_get(ev, "index");
    type = agw_ant_str(block, "type");

    if (!json_is_integer(idx) || type == NULL) {
        return -1;
    }

    d->block = json_integer_value(idx);
    d->open = 1;

    if (strcmp(type, "text") == 0) {
        d->kind = AGW_ANT_BLOCK_TEXT;
        v = agw_ant_str(block, "text");
        if (v != NULL && v[0] != '\0') {
            return agw_ant_emit(s, json_pack("{s:s}", "content", v), NULL);
        }
        return 0;
    }

    if (strcmp(type, "thinking") == 0) {
        d->kind = AGW_ANT_BLOCK_THINKING;
        v = agw_ant_str(block, "thinking");
        if (v != NULL && v[0] != '\0' && agw_ant_emit_thinking(s, v) != 0) {
            return -1;
        }
        v = agw_ant_str(block, "signature");
        if (v != NULL && v[0] != '\0') {
            return agw_ant_emit(s, json_pack("{s:[{s:s, s:s, s:s}]}",
                                             "thinking_blocks",
                                                 "type", "thinking",
                                                 "thinking", "",
                                                 "signature", v),
                                NULL);
        }
        return 0;
    }

    if (strcmp(type, "redacted_thinking") == 0) {
        d->kind = AGW_ANT_BLOCK_SKIP;
        v = agw_ant_str(block, "data");
        return agw_ant_emit(s, json_pack("{s:[{s:s, s:s}]}",
                                         "thinking_blocks",
                                             "type", "redacted_thinking",
                                             "data", v ? v : ""),
                            NULL);
    }

    if (strcmp(type, "tool_use") == 0) {
        return agw_ant_tool_start(s, block);
    }

    /* server_tool_use and its *_tool_result blocks ran at Anthropic: not a
     * call for the client to make (documented) */
    d->kind = AGW_ANT_BLOCK_SKIP;

    return 0;
}


static int
agw_ant_block_delta(agw_stream_t *s, json_t *ev)
{
    json_t                   *delta, *idx;
    const char               *type, *v;
    agw_anthropic_decoder_t  *d;

    d = s->ant_dec;
    delta = json_object_get(ev, "delta");
    idx = json_object_get(ev, "index");
    type = agw_ant_str(delta, "type");

    /* Anthropic streams one block at a time: a delta elsewhere is not a
     * stream this decoder can follow */
    if (!d->open || !json_is_integer(idx) || json_integer_value(idx) != d->block
        || type == NULL)
    {
        return -1;
    }

    if (d->kind == AGW_ANT_BLOCK_SKIP) {
        return 0;
    }

    if (strcmp(type, "text_delta") == 0 && d->kind == AGW_ANT_BLOCK_TEXT) {
        v = agw_ant_str(delta, "text");
        if (v == NULL || v[0] == '\0') {
            return 0;
        }
        return agw_ant_emit(s, json_pack("{s:s}", "content", v), NULL);
    }

    if (strcmp(type, "thinking_delta") == 0
        && d->kind == AGW_ANT_BLOCK_THINKING)
    {
        v = agw_ant_str(delta, "thinking");
        if (v == NULL || v[0] == '\0') {
            return 0;
        }
        return agw_ant_emit_thinking(s, v);
    }

    if (strcmp(type, "signature_delta") == 0
        && d->kind == AGW_ANT_BLOCK_THINKING)
    {
        v = agw_ant_str(delta, "signature");
        if (v == NULL || v[0] == '\0') {
            return 0;
        }
        return agw_ant_emit(s, json_pack("{s:[{s:s, s:s, s:s}]}",
                                         "thinking_blocks",
                                             "type", "thinking",
                                             "thinking", "",
                                             "signature", v),
                            NULL);
    }

    if (strcmp(type, "input_json_delta") == 0 && d->kind == AGW_ANT_BLOCK_TOOL)
    {
        v = agw_ant_str(delta, "partial_json");
        if (v == NULL || v[0] == '\0') {
            return 0;
        }
        return agw_ant_emit(s, json_pack("{s:[{s:i, s:{s:s}}]}",
                                         "tool_calls",
                                             "index", d->tool,
                                             "function", "arguments", v),
                            NULL);
    }

    if (strcmp(type, "text_delta") == 0
        || strcmp(type, "thinking_delta") == 0
        || strcmp(type, "signature_delta") == 0
        || strcmp(type, "input_json_delta") == 0)
    {
        /* a known delta in the wrong kind of block */
        return -1;
    }

    /* citations_delta and newer deltas: nothing the hub carries */
    return 0;
}


static int
agw_ant_message_delta(agw_stream_t *s, json_t *ev)
{
    const char  *stop;

    agw_ant_usage_update(s, json_object_get(ev, "usage"));

    stop = agw_ant_str(json_object_get(ev, "delta"), "stop_reason");
    if (stop == NULL) {
        return 0;
    }

    return agw_ant_emit(s, json_object(), agw_ant_stop_to_hub(stop));
}


/*
 * The text delta, most of any answer's events, without a tree: the event
 * validated and its members found by agw_json_scan, the text handed on as
 * the JSON string it came as.  Returns 0 when done, AGW_STREAM_DECLINED
 * for anything else (the tree path decides), -1 on failure.
 */
#define agw_ant_raw_is(m, lit)                                               \
    ((m)->value_len == sizeof(lit) - 1                                       \
     && memcmp((m)->value, lit, sizeof(lit) - 1) == 0)


/*
 * The text delta laid out as Anthropic sends it, padding before the last
 * brace included:
 *
 *   {"type":"content_block_delta","index":N,"delta":{"type":"text_delta",
 *    "text":"..."}   }
 *
 * matched on the bytes, the text validated as a JSON string.  What it
 * accepts is valid JSON with those members once each, which the scan
 * below would take the same way; any other layout goes to that scan.
 * Returns the text's opening quote (*tlen: its length, quotes included,
 * *idx: N), or NULL.
 */
static const char *
agw_ant_text_delta_layout(const char *d, size_t len, int64_t *idx,
    size_t *tlen)
{
    const char   *p, *end, *text;
    static const char  head[] = "{\"type\":\"content_block_delta\",\"index\":";
    static const char  mid[] = ",\"delta\":{\"type\":\"text_delta\",\"text\":";

    end = d + len;

    if (len < sizeof(head) - 1 + 1 + sizeof(mid) - 1 + 4
        || memcmp(d, head, sizeof(head) - 1) != 0)
    {
        return NULL;
    }

    /* a JSON integer: 0, or no leading zero; a few digits at most */
    p = d + sizeof(head) - 1;
    *idx = 0;

    if (*p == '0') {
        p++;

    } else {
        while (p < end && *p >= '0' && *p <= '9' && *idx < 100000) {
            *idx = *idx * 10 + (*p - '0');
            p++;
        }
    }

    if (p == d + sizeof(head) - 1 || end - p < (ptrdiff_t) sizeof(mid) - 1
        || memcmp(p, mid, sizeof(mid) - 1) != 0)
    {
        return NULL;
    }

    text = p + sizeof(mid) - 1;
    p = agw_json_string_end(text, end);
    if (p == NULL) {
        return NULL;
    }

    *tlen = (size_t) (p - text);

    /* "}", "}" and white space around them, to the end */
    p = agw_json_ws(p, end);
    if (p == end || *p++ != '}') {
        return NULL;
    }

    p = agw_json_ws(p, end);
    if (p == end || *p++ != '}') {
        return NULL;
    }

    return agw_json_ws(p, end) == end ? text : NULL;
}


static int
agw_ant_fast_text_delta(agw_stream_t *s, const agw_sse_event_t *ev)
{
    int64_t                   idx;
    agw_dj_iter_t             it;
    agw_json_member_t         m, type, text;
    agw_json_pick_t           ev_m = { { "type", "index", "delta" }, 3,
                                       { { 0 } }, 0 };
    agw_anthropic_decoder_t  *d;

    d = s->ant_dec;

    /* Anthropic names every event: the others are not worth a scan */
    if (!d->started || !d->open || d->kind != AGW_ANT_BLOCK_TEXT
        || s->cops->stream_encode_text == NULL
        || (ev->event_len != 0
            && (ev->event_len != 19
                || memcmp(ev->event, "content_block_delta", 19) != 0)))
    {
        return AGW_STREAM_DECLINED;
    }

    text.value = agw_ant_text_delta_layout(ev->data, ev->data_len, &idx,
                                           &text.value_len);
    if (text.value != NULL) {
        if (idx != d->block) {
            return AGW_STREAM_DECLINED;
        }

        return text.value_len == 2
               ? 0 : agw_stream_emit_text(s, text.value, text.value_len);
    }

    if (agw_json_scan(ev->data, ev->data_len, agw_json_pick, &ev_m, NULL)
           != 0
        || ev_m.has != 7
        || !agw_ant_raw_is(&ev_m.m[0], "\"content_block_delta\"")
        || agw_json_member_int(&ev_m.m[1], &idx) != 0 || idx != d->block
        || ev_m.m[2].type != AGW_JSON_OBJECT)
    {
        return AGW_STREAM_DECLINED;
    }

    /* the delta, validated by the scan above: walked, the last of a
     * repeated key kept as jansson keeps it */
    memset(&type, 0, sizeof(agw_json_member_t));
    memset(&text, 0, sizeof(agw_json_member_t));

    agw_dj_iter_init(&it, ev_m.m[2].value, ev_m.m[2].value_len);
    while (agw_dj_next(&it, &m)) {
        if (m.escaped) {
            return AGW_STREAM_DECLINED;
        }
        if (agw_dj_key_is(&m, "type")) {
            type = m;
        } else if (agw_dj_key_is(&m, "text")) {
            text = m;
        }
    }

    if (!agw_ant_raw_is(&type, "\"text_delta\"")
        || text.type != AGW_JSON_STRING)
    {
        return AGW_STREAM_DECLINED;
    }

    if (text.value_len == 2) {
        return 0;                              /* "": nothing to say */
    }

    return agw_stream_emit_text(s, text.value, text.value_len);
}


int
agw_ant_stream_decode(agw_stream_t *s, const agw_sse_event_t *ev)
{
    int          rc;
    json_t      *j;
    const char  *type;

    if (ev->event_len == 4 && memcmp(ev->event, "ping", 4) == 0) {
        return 0;
    }

    rc = agw_ant_fast_text_delta(s, ev);
    if (rc != AGW_STREAM_DECLINED) {
        return rc;
    }

    j = agw_json_load(ev->data, ev->data_len);
    if (!json_is_object(j)) {
        json_decref(j);
        return -1;
    }

    type = agw_ant_str(j, "type");
    if (type == NULL) {
        json_decref(j);
        return -1;
    }

    if (!s->ant_dec->started && strcmp(type, "message_start") != 0
        && strcmp(type, "ping") != 0 && strcmp(type, "error") != 0)
    {
        /* every content event refers to the message message_start opened */
        json_decref(j);
        return -1;
    }

    rc = 0;

    if (strcmp(type, "message_start") == 0) {
        rc = agw_ant_message_start(s, j);

    } else if (strcmp(type, "content_block_start") == 0) {
        rc = agw_ant_block_start(s, j);

    } else if (strcmp(type, "content_block_delta") == 0) {
        rc = agw_ant_block_delta(s, j);

    } else if (strcmp(type, "content_block_stop") == 0) {
        s->ant_dec->open = 0;

    } else if (strcmp(type, "message_delta") == 0) {
        rc = agw_ant_message_delta(s, j);

    } else if (strcmp(type, "message_stop") == 0) {
        s->provider_done = 1;

    } else if (strcmp(type, "error") == 0) {
        agw_ant_error_from_json(json_object_get(j, "error"),
                                agw_stream_err(s));
        rc = -1;
    }

    /* ping and event types newer than this code are ignored */

    json_decref(j);

    return rc;
}


/* Encoder: hub chunks -> Anthropic events */

/* "event: <type>\ndata: <json>\n\n"; compact JSON has no raw newline.
 * Steals j. */
static int
agw_ant_write(agw_buf_t *out, const char *event, json_t *j)
{
    int  rc;

    if (j == NULL) {
        return -1;
    }

    rc = agw_buf_append_str(out, "event: ");
    rc |= agw_buf_append_str(out, event);
    rc |= agw_buf_append_str(out, "\ndata: ");
    rc |= agw_json_append(out, j);
    rc |= agw_buf_append_str(out, "\n\n");

    json_decref(j);

    return rc ? -1 : 0;
}


static int
agw_ant_message_start_event(agw_stream_t *s, json_t *chunk, agw_buf_t *out)
{
    json_t                   *u;
    const char               *id;
    agw_usage_t               usage;
    agw_anthropic_encoder_t  *e;

    e = s->ant_enc;

    id = agw_ant_str(chunk, "id");
    snprintf(e->id, sizeof(e->id), "%s", id && id[0] ? id : "msg_gateway");
    e->started = 1;

    /* output is not known yet, and a provider that reports usage at the end
     * leaves input at 0 here: message_delta carries the final numbers */
    usage = s->usage;
    usage.output = 0;
    u = agw_ant_usage_json(&usage);
    if (u == NULL) {
        return -1;
    }

    return agw_ant_write(out, "message_start",
        json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:[], s:n, s:n, s:o}}",
                  "type", "message_start",
                  "message",
                      "id", e->id,
                      "type", "message",
                      "role", "assistant",
                      "model", s->model,
                      "content",
                      "stop_reason",
                      "stop_sequence",
                      "usage", u));
}


static int
agw_ant_block_stop(agw_anthropic_encoder_t *e, agw_buf_t *out)
{
    if (!e->open) {
        return 0;
    }

    e->open = 0;
    e->kind = 0;

    return agw_ant_write(out, "content_block_stop",
                         json_pack("{s:s, s:i}", "type", "content_block_stop",
                                   "index", e->next_block - 1));
}


/* Closes the open block and starts a new one of kind with block (stolen). */
static int
agw_ant_block_open(agw_anthropic_encoder_t *e, unsigned kind, json_t *block,
    agw_buf_t *out)
{
    if (block == NULL || agw_ant_block_stop(e, out) != 0) {
        json_decref(block);
        return -1;
    }

    e->open = 1;
    e->kind = kind;
    e->signed_ = 0;

    return agw_ant_write(out, "content_block_start",
                         json_pack("{s:s, s:i, s:o}",
                                   "type", "content_block_start",
                                   "index", e->next_block++,
                                   "content_block", block));
}


/* delta (stolen) into block index. */
static int
agw_ant_block_delta_event(int index, json_t *delta, agw_buf_t *out)
{
    if (delta == NULL) {
        return -1;
    }

    return agw_ant_write(out, "content_block_delta",
                         json_pack("{s:s, s:i, s:o}",
                                   "type", "content_block_delta",
                                   "index", index,
                                   "delta", delta));
}


/* A thinking block that has not been signed yet, opened if needed. */
static int
agw_ant_thinking_open(agw_anthropic_encoder_t *e, agw_buf_t *out)
{
    if (e->open && e->kind == AGW_ANT_BLOCK_THINKING && !e->signed_) {
        return 0;
    }

    return agw_ant_block_open(e, AGW_ANT_BLOCK_THINKING,
                              json_pack("{s:s, s:s, s:s}", "type", "thinking",
                                        "thinking", "", "signature", ""),
                              out);
}


static int
agw_ant_encode_thinking(agw_anthropic_encoder_t *e, json_t *delta,
    agw_buf_t *out)
{
    size_t       i;
    json_t      *b;
    const char  *type, *text, *sig, *rc_text;

    rc_text = agw_ant_str(delta, "reasoning_content");
    if (rc_text != NULL && rc_text[0] != '\0') {
        if (agw_ant_thinking_open(e, out) != 0
            || agw_ant_block_delta_event(e->next_block - 1,
                   json_pack("{s:s, s:s}", "type", "thinking_delta",
                             "thinking", rc_text), out) != 0)
        {
            return -1;
        }
    }

    json_array_foreach(json_object_get(delta, "thinking_blocks"), i, b) {
        type = agw_ant_str(b, "type");
        if (type == NULL) {
            continue;
        }

        if (strcmp(type, "redacted_thinking") == 0) {
            if (agw_ant_block_open(e, AGW_ANT_BLOCK_SKIP,
                    json_pack("{s:s, s:s}", "type", "redacted_thinking",
                              "data", agw_ant_str(b, "data")
                                      ? agw_ant_str(b, "data") : ""),
                    out) != 0
                || agw_ant_block_stop(e, out) != 0)
            {
                return -1;
            }
            continue;
        }

        if (strcmp(type, "thinking") != 0) {
            continue;
        }

        /* the text is in reasoning_content when the delta has it: a
         * thinking block's own text counts only without it */
        text = (rc_text == NULL || rc_text[0] == '\0')
               ? agw_ant_str(b, "thinking") : NULL;
        sig = agw_ant_str(b, "signature");

        if (text != NULL && text[0] != '\0') {
            if (agw_ant_thinking_open(e, out) != 0
                || agw_ant_block_delta_event(e->next_block - 1,
                       json_pack("{s:s, s:s}", "type", "thinking_delta",
                                 "thinking", text), out) != 0)
            {
                return -1;
            }
        }

        if (sig != NULL && sig[0] != '\0') {
            if (agw_ant_thinking_open(e, out) != 0
                || agw_ant_block_delta_event(e->next_block - 1,
                       json_pack("{s:s, s:s}", "type", "signature_delta",
                                 "signature", sig), out) != 0)
            {
                return -1;
            }
            e->signed_ = 1;
        }
    }

    return 0;
}


static int
agw_ant_encode_text(agw_anthropic_encoder_t *e, const char *text,
    agw_buf_t *out)
{
    if (text == NULL || text[0] == '\0') {
        return 0;
    }

    if (!(e->open && e->kind == AGW_ANT_BLOCK_TEXT)
        && agw_ant_block_open(e, AGW_ANT_BLOCK_TEXT,
                              json_pack("{s:s, s:s}", "type", "text",
                                        "text", ""), out) != 0)
    {
        return -1;
    }

    return agw_ant_block_delta_event(e->next_block - 1,
                                     json_pack("{s:s, s:s}",
                                               "type", "text_delta",
                                               "text", text), out);
}


/*
 * Each hub tool call (by its index) becomes one tool_use block, started at
 * its first fragment, its argument fragments input_json_delta events.  An
 * Anthropic stream has one open block at a time, while an OpenAI provider
 * may interleave the fragments of parallel calls.  So a call that starts
 * while the open call's arguments are not yet a whole JSON value is held
 * (id, name, fragments) until they are, or until the message moves on
 * (text, the finish, the end): then the held calls go out in arrival
 * order, each one block, the last one streaming on.  A provider sending
 * one call after the other (all captured ones) sees no holding at all.
 */
struct agw_anthropic_held_s {
    int        n;               /* hub tool index */
    size_t     args;            /* the arguments' offset in b */
    agw_buf_t  b;               /* id, NUL, name, NUL, arguments */
};


void
agw_ant_stream_free(agw_anthropic_encoder_t *e)
{
    size_t  i;

    if (e == NULL) {
        return;
    }

    for (i = 0; i < e->nheld; i++) {
        agw_buf_free(&e->held[i].b);
    }

    free(e->held);
    e->held = NULL;
    e->nheld = 0;
    e->held_bytes = 0;
}


/* Follows the open call's arguments far enough to tell when they form a
 * whole object or array (strings and escapes skipped). */
static void
agw_ant_args_track(agw_anthropic_encoder_t *e, const char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (e->in_str) {
            if (e->esc) {
                e->esc = 0;
            } else if (p[i] == '\\') {
                e->esc = 1;
            } else if (p[i] == '"') {
                e->in_str = 0;
            }
            continue;
        }

        switch (p[i]) {
        case ' ': case '\t': case '\r': case '\n':
            break;
        case '{': case '[':
            e->depth++;
            e->args_done = 0;
            break;
        case '}': case ']':
            e->depth--;
            e->args_done = (e->depth == 0);
            break;
        case '"':
            e->in_str = 1;
            /* fall through */
        default:
            e->args_done = 0;
        }
    }
}


/* True when args hold nothing but JSON whitespace. */
static int
agw_ant_blank(const char *args)
{
    return args[strspn(args, " \t\r\n")] == '\0';
}


/* Starts the tool_use block of call n; it becomes the open (live) call. */
static int
agw_ant_tool_open(agw_anthropic_encoder_t *e, int n, const char *id,
    const char *name, agw_buf_t *out)
{
    char  gen[32];

    if (id == NULL || id[0] == '\0') {
        /* a provider that names no call id: one the client can send back
         * in its tool_result */
        snprintf(gen, sizeof(gen), "toolu_gateway_%d", n);
        id = gen;
    }

    if (agw_ant_block_open(e, AGW_ANT_BLOCK_TOOL,
            json_pack("{s:s, s:s, s:s, s:{}}", "type", "tool_use",
                      "id", id, "name", name ? name : "", "input"),
            out) != 0)
    {
        return -1;
    }

    e->tool_block[n] = e->next_block;
    e->live = n;
    e->depth = 0;
    e->in_str = 0;
    e->esc = 0;
    e->args_done = 0;

    return 0;
}


/* Arguments of the open call: a delta event, followed for completeness. */
static int
agw_ant_tool_args(agw_anthropic_encoder_t *e, const char *args, size_t len,
    agw_buf_t *out)
{
    if (len == 0) {
        return 0;
    }

    agw_ant_args_track(e, args, len);

    return agw_ant_block_delta_event(e->tool_block[e->live] - 1,
               json_pack("{s:s, s:s%}", "type", "input_json_delta",
                         "partial_json", args, len), out);
}


/*
 * Sends held calls, oldest first: all of them (the message moves on), or
 * while the open call's arguments are whole.  The last one sent stays open.
 */
static int
agw_ant_tools_release(agw_anthropic_encoder_t *e, int all, agw_buf_t *out)
{
    int                    rc;
    const char            *id, *name;
    agw_anthropic_held_t  *h;

    while (e->nheld > 0
           && (all || !(e->open && e->kind == AGW_ANT_BLOCK_TOOL)
               || e->args_done))
    {
        h = &e->held[0];
        id = (const char *) h->b.data;
        name = id + strlen(id) + 1;

        rc = agw_ant_tool_open(e, h->n, id, name, out);
        if (rc == 0) {
            rc = agw_ant_tool_args(e, (const char *) h->b.data + h->args,
                                   h->b.len - h->args, out);
        }

        e->held_bytes -= h->b.len;
        agw_buf_free(&h->b);
        e->nheld--;
        memmove(&e->held[0], &e->held[1], e->nheld * sizeof(*h));

        if (rc != 0) {
            return -1;
        }
    }

    return 0;
}


/* The held entry of call n, or NULL. */
static agw_anthropic_held_t *
agw_ant_held(agw_anthropic_encoder_t *e, int n)
{
    size_t  i;

    for (i = 0; i < e->nheld; i++) {
        if (e->held[i].n == n) {
            return &e->held[i];
        }
    }

    return NULL;
}


/* Holds a fragment of call n (a new entry with its id and name when it is
 * the call's first), within AGW_ANTHROPIC_MAX_HELD. */
static int
agw_ant_hold(agw_stream_t *s, int n, const char *id, const char *name,
    const char *args)
{
    size_t                    before;
    agw_anthropic_held_t     *h;
    agw_anthropic_encoder_t  *e;

    e = s->ant_enc;

    h = agw_ant_held(e, n);

    if (h == NULL) {
        if (e->held == NULL) {
            e->held = calloc(AGW_ANTHROPIC_MAX_TOOLS, sizeof(*h));
            if (e->held == NULL) {
                return -1;
            }
        }

        h = &e->held[e->nheld++];
        memset(h, 0, sizeof(*h));
        h->n = n;

        if (agw_buf_append(&h->b, id ? id : "", id ? strlen(id) + 1 : 1)
            != 0
            || agw_buf_append(&h->b, name ? name : "",
                              name ? strlen(name) + 1 : 1) != 0)
        {
            return -1;
        }
        h->args = h->b.len;
        e->held_bytes += h->b.len;
    }

    before = h->b.len;
    if (agw_buf_append_str(&h->b, args) != 0) {
        return -1;
    }
    e->held_bytes += h->b.len - before;

    if (e->held_bytes > AGW_ANTHROPIC_MAX_HELD) {
        agw_error_set(agw_stream_err(s), AGW_ERR_BAD_GATEWAY, 0,
                      "stream_too_large",
                      "the upstream interleaved tool calls past the %d "
                      "bytes the gateway holds", AGW_ANTHROPIC_MAX_HELD);
        return -1;
    }

    return 0;
}


static int
agw_ant_encode_tools(agw_stream_t *s, json_t *calls, agw_buf_t *out)
{
    int                       n, tool_open;
    size_t                    i;
    json_t                   *c, *fn, *idx;
    json_int_t                v;
    const char               *args;
    agw_anthropic_encoder_t  *e;

    e = s->ant_enc;

    json_array_foreach(calls, i, c) {
        idx = json_object_get(c, "index");
        v = json_is_integer(idx) ? json_integer_value(idx) : (json_int_t) i;
        if (v < 0 || v >= AGW_ANTHROPIC_MAX_TOOLS) {
            return -1;
        }
        n = (int) v;

        fn = json_object_get(c, "function");
        args = agw_ant_str(fn, "arguments");
        args = args ? args : "";
        tool_open = e->open && e->kind == AGW_ANT_BLOCK_TOOL;

        if (tool_open && e->live == n) {
            if (agw_ant_tool_args(e, args, strlen(args), out) != 0) {
                return -1;
            }
            continue;
        }

        if (e->tool_block[n] != 0) {
            /* its block ended when its arguments were whole: only blank
             * space may still come */
            if (agw_ant_blank(args)) {
                continue;
            }
            agw_error_set(agw_stream_err(s), AGW_ERR_BAD_GATEWAY, 0,
                          "invalid_stream", "the upstream sent arguments "
                          "for tool call %d after they were whole", n);
            return -1;
        }

        if (agw_ant_held(e, n) == NULL) {
            /* a new call: those before it go first */
            if (agw_ant_tools_release(e, 0, out) != 0) {
                return -1;
            }
            tool_open = e->open && e->kind == AGW_ANT_BLOCK_TOOL;

            if (e->nheld == 0 && (!tool_open || e->args_done)) {
                if (agw_ant_tool_open(e, n, agw_ant_str(c, "id"),
                                      agw_ant_str(fn, "name"), out) != 0
                    || agw_ant_tool_args(e, args, strlen(args), out) != 0)
                {
                    return -1;
                }
                continue;
            }
        }

        if (agw_ant_hold(s, n, agw_ant_str(c, "id"), agw_ant_str(fn, "name"),
                         args) != 0
            || agw_ant_tools_release(e, 0, out) != 0)
        {
            return -1;
        }
    }

    return 0;
}


/* True when a delta carries something that opens a block other than a
 * tool call's. */
static int
agw_ant_delta_moves_on(json_t *delta)
{
    const char  *v;

    v = agw_ant_str(delta, "content");
    if (v != NULL && v[0] != '\0') {
        return 1;
    }

    v = agw_ant_str(delta, "refusal");
    if (v != NULL && v[0] != '\0') {
        return 1;
    }

    v = agw_ant_str(delta, "reasoning_content");
    if (v != NULL && v[0] != '\0') {
        return 1;
    }

    return json_array_size(json_object_get(delta, "thinking_blocks")) > 0;
}


int
agw_ant_stream_encode(agw_stream_t *s, json_t *chunk, agw_buf_t *out)
{
    json_t                   *choice, *delta;
    const char               *finish;
    agw_anthropic_encoder_t  *e;

    e = s->ant_enc;

    if (!e->started && agw_ant_message_start_event(s, chunk, out) != 0) {
        return -1;
    }

    choice = json_array_get(json_object_get(chunk, "choices"), 0);
    if (choice == NULL) {
        return 0;
    }

    delta = json_object_get(choice, "delta");

    /* held tool calls go out before a block of another kind opens */
    if (e->nheld > 0 && agw_ant_delta_moves_on(delta)
        && agw_ant_tools_release(e, 1, out) != 0)
    {
        return -1;
    }

    if (agw_ant_encode_thinking(e, delta, out) != 0
        || agw_ant_encode_text(e, agw_ant_str(delta, "content"), out) != 0
        || agw_ant_encode_text(e, agw_ant_str(delta, "refusal"), out) != 0
        || agw_ant_encode_tools(s, json_object_get(delta, "tool_calls"), out)
           != 0)
    {
        return -1;
    }

    finish = agw_ant_str(choice, "finish_reason");
    if (finish != NULL) {
        /* usage may still follow: message_delta waits for stream_end */
        snprintf(e->stop_reason, sizeof(e->stop_reason), "%s",
                 agw_ant_stop_from_hub(finish));
        if (agw_ant_tools_release(e, 1, out) != 0) {
            return -1;
        }
        return agw_ant_block_stop(e, out);
    }

    return 0;
}


/*
 * A text delta into the open text block, as agw_ant_encode_text writes it
 * from a hub chunk, with the text's JSON copied as it came.  Opening the
 * message or a block is the hub path's.
 */
int
agw_ant_stream_encode_text(agw_stream_t *s, const char *text, size_t len,
    agw_buf_t *out)
{
    agw_anthropic_encoder_t  *e;

    e = s->ant_enc;

    if (!e->started || !e->open || e->kind != AGW_ANT_BLOCK_TEXT) {
        return AGW_STREAM_DECLINED;
    }

    if (agw_buf_append_str(out, "event: content_block_delta\n"
                                "data: {\"type\":\"content_block_delta\","
                                "\"index\":") != 0
        || agw_json_append_int(out, e->next_block - 1) != 0
        || agw_buf_append_str(out, ",\"delta\":{\"type\":\"text_delta\","
                                   "\"text\":") != 0
        || agw_buf_append(out, text, len) != 0
        || agw_buf_append_str(out, "}}\n\n") != 0)
    {
        return -1;
    }

    return 0;
}


int
agw_ant_stream_end(agw_stream_t *s, agw_buf_t *out)
{
    json_t                   *u;
    agw_anthropic_encoder_t  *e;

    e = s->ant_enc;

    if (!e->started && agw_ant_message_start_event(s, NULL, out) != 0) {
        return -1;
    }

    if (agw_ant_tools_release(e, 1, out) != 0
        || agw_ant_block_stop(e, out) != 0)
    {
        return -1;
    }

    u = agw_ant_usage_json(&s->usage);
    if (u == NULL) {
        return -1;
    }

    if (agw_ant_write(out, "message_delta",
            json_pack("{s:s, s:{s:s, s:n}, s:o}",
                      "type", "message_delta",
                      "delta",
                          "stop_reason", e->stop_reason[0] ? e->stop_reason
                                                           : "end_turn",
                          "stop_sequence",
                      "usage", u)) != 0)
    {
        return -1;
    }

    return agw_ant_write(out, "message_stop",
                         json_pack("{s:s}", "type", "message_stop"));
}


int
agw_ant_stream_error(agw_stream_t *s, const agw_error_t *err, agw_buf_t *out)
{
    if (agw_buf_append_str(out, "event: error\ndata: ") != 0
        || agw_ant_error_body(err, out) != 0)
    {
        return -1;
    }

    return agw_buf_append_str(out, "\n\n");
}


/* Passthrough: Anthropic on both sides */

/*
 * Events go out as they came (the provider's bytes, padding included) but
 * for message_start, whose model is rewritten to the client's.  Usage is
 * read on the way; message_stop and error end the client stream.
 */
int
agw_ant_stream_passthrough(agw_stream_t *s, const agw_sse_event_t *ev,
    agw_buf_t *out)
{
    int          rc;
    json_t      *j, *msg;
    const char  *type, *name;

    j = agw_json_load(ev->data, ev->data_len);
    type = agw_ant_str(j, "type");

    if (type == NULL) {
        json_decref(j);
        /* a ping with no data is harmless; anything else is not Anthropic */
        if (ev->event_len == 4 && memcmp(ev->event, "ping", 4) == 0) {
            return agw_sse_write(out, ev->event, ev->data, ev->data_len);
        }
        return -1;
    }

    /* name points into j (or ev): j lives until the event is written */
    name = ev->event_len > 0 ? ev->event : type;
    rc = 0;

    if (strcmp(type, "message_start") == 0) {
        msg = json_object_get(j, "message");
        agw_ant_usage_update(s, json_object_get(msg, "usage"));
        s->ant_dec->started = 1;

        if (json_is_object(msg) && s->model[0] != '\0') {
            if (json_object_set_new(msg, "model", json_string(s->model))
                != 0)
            {
                json_decref(j);
                return -1;
            }
            rc = agw_buf_printf(out, "event: %s\ndata: ", name);
            rc |= agw_json_append(out, j);
            rc |= agw_buf_append_str(out, "\n\n");
            json_decref(j);
            return rc ? -1 : 0;
        }

    } else if (strcmp(type, "message_delta") == 0) {
        agw_ant_usage_update(s, json_object_get(j, "usage"));

    } else if (strcmp(type, "message_stop") == 0) {
        s->provider_done = 1;
        s->client_done = 1;

    } else if (strcmp(type, "error") == 0) {
        agw_ant_error_from_json(json_object_get(j, "error"),
                                agw_stream_err(s));
        s->client_done = 1;
        /* forwarded once; -1 keeps the dispatcher from adding another */
        rc = -1;
    }

    if (agw_sse_write(out, name, ev->data, ev->data_len) != 0) {
        rc = -1;
    }

    json_decref(j);

    return rc;
}
