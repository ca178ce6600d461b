/*
 * Anthropic Messages streams: a provider's events read into steps, and
 * steps written as events for an Anthropic client.  See the event tables
 * in docs/translation-anthropic.md.
 *
 * Anthropic streams one block at a time, start, deltas, stop, so its
 * events map straight to steps; the reader only renumbers the blocks it
 * passes over (a server tool's, which mean nothing to a client of another
 * dialect).  The commonest events, text and argument deltas, are matched
 * on their bytes both ways: a fixed prefix, the index, the string, a fixed
 * suffix.
 */

#include <string.h>

#include "agw_json_delta.h"
#include "agw_json_scan.h"
#include "ant_int.h"


/* Reading: Anthropic events -> steps */

int
agw_ant_stream_fail(agw_xstream_t *s, const char *what)
{
    agw_error_t  *err;

    err = agw_stream_error_slot(s);
    if (err != NULL) {
        agw_ant_upstream_bad(err, "Anthropic stream: %s", what);
    }

    return -1;
}


/*
 * The bytes of a delta as Anthropic lays them out: the head before its
 * index, then from the index's end to its string's opening quote, one
 * for each kind of block the reader follows.
 */
static const char  agw_ant_delta_head[] =
    "{\"type\":\"content_block_delta\",\"index\":";
static const char  agw_ant_delta_text[] =
    ",\"delta\":{\"type\":\"text_delta\",\"text\":\"";
static const char  agw_ant_delta_json[] =
    ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"";
static const char  agw_ant_delta_thinking[] =
    ",\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"";

/* a literal's bytes at p, p holding them */
#define agw_ant_bytes_are(p, lit)  agw_json_lit_eq(p, lit, sizeof(lit) - 1)

/* what follows the text's opening quote at least: its closing quote and
 * the two braces */
#define AGW_ANT_DELTA_END  3


/*
 * A content_block_delta laid out as Anthropic sends it, up to its
 * string's closing quote:
 *
 *   {"type":"content_block_delta","index":N,"delta":{"type":"text_delta",
 *    "text":"..."
 *
 * or the same with input_json_delta/partial_json, thinking_delta/thinking,
 * in the bytes from d to end (nothing past them is read), its string
 * validated by the JSON reader's own scan.  Returns the kind of block it
 * belongs in with *idx, *text and *after (the byte after the string) set,
 * or 0.
 */
static AGW_JSON_HOT int
agw_ant_delta_string(const char *d, const char *end, uint32_t *idx,
    agw_str_t *text, const char **after)
{
    int          kind, escaped;
    size_t       rest;
    uint32_t     n;
    unsigned     c;
    const char  *p, *q, *at;

    if ((size_t) (end - d) < sizeof(agw_ant_delta_head) - 1 + 1
                             + sizeof(agw_ant_delta_text) - 1
                             + AGW_ANT_DELTA_END
        || !agw_ant_bytes_are(d, agw_ant_delta_head))
    {
        return 0;
    }

    p = d + sizeof(agw_ant_delta_head) - 1;

    /* a JSON integer: 0, or digits without a leading zero; six at most
     * (a seventh is no member's end: the walk's) */
    n = (unsigned) (*p - '0');
    if (n > 9) {
        return 0;
    }

    p++;

    if (n != 0) {
        while (p < end && (c = (unsigned) (*p - '0')) <= 9 && n < 100000) {
            n = n * 10 + c;
            p++;
        }
    }

    /* the kind by the bytes after "type":", when they fit */
    rest = (size_t) (end - p);

    if (rest >= sizeof(agw_ant_delta_text) - 1 + AGW_ANT_DELTA_END
        && p[18] == 't' && p[19] == 'e'
        && agw_ant_bytes_are(p, agw_ant_delta_text))
    {
        kind = AGW_ANT_K_TEXT;
        p += sizeof(agw_ant_delta_text) - 2;

    } else if (rest >= sizeof(agw_ant_delta_json) - 1 + AGW_ANT_DELTA_END
               && p[18] == 'i' && agw_ant_bytes_are(p, agw_ant_delta_json))
    {
        kind = AGW_ANT_K_TOOL;
        p += sizeof(agw_ant_delta_json) - 2;

    } else if (rest >= sizeof(agw_ant_delta_thinking) - 1
                       + AGW_ANT_DELTA_END
               && agw_ant_bytes_are(p, agw_ant_delta_thinking))
    {
        kind = AGW_ANT_K_THINKING;
        p += sizeof(agw_ant_delta_thinking) - 2;

    } else {
        return 0;
    }

    /* p is at the string's opening quote */
    escaped = 0;

    /* in place, inline, while the feed holds more than the string's
     * last round (a delta amid others); the copy's scan for the last */
    q = end - p > 32 ? agw_json_string_scan(p, end, &escaped, &at)
                     : agw_json_string_scan_last(p, d, end, &escaped, &at);
    if (q == NULL || (size_t) (q - p) - 2 > UINT32_MAX) {
        return 0;
    }

    *idx = n;
    text->data = p + 1;
    text->len = (uint32_t) (q - p - 2);
    text->kind = AGW_STR_JSON;
    text->escaped = (uint8_t) escaped;
    *after = q;

    return kind;
}


/*
 * A content_block_delta's data as Anthropic lays it out, its string then
 * "}}" (white space between and after the closing braces, Anthropic's
 * padding, included), matched on the len bytes at d.  Returns the kind
 * of block it belongs in with *idx and *text set, or 0 for anything else,
 * invalid bytes included: the walk (agw_ant_read_event_walk) reads those,
 * and refuses them as it refuses them in any other event.
 */
int
agw_ant_delta_bytes(const char *d, size_t len, uint32_t *idx,
    agw_str_t *text)
{
    int          kind;
    const char  *q, *end, *at;

    end = d + len;

    kind = agw_ant_delta_string(d, end, idx, text, &q);
    if (kind == 0) {
        return 0;
    }

    /* "}}" to the end, or with white space around the braces: without
     * a CR, which in a stream's bytes ends an SSE line (the walk reads it
     * in an event, where the parser let it through) */
    if (!(end - q == 2 && q[0] == '}' && q[1] == '}')) {
        if (memchr(q, '\r', (size_t) (end - q)) != NULL) {
            return 0;
        }

        at = agw_json_ws(q, end);
        if (at == end || *at++ != '}') {
            return 0;
        }

        at = agw_json_ws(at, end);
        if (at == end || *at++ != '}' || agw_json_ws(at, end) != end) {
            return 0;
        }
    }

    return kind;
}


static const agw_step_t  agw_ant_step_zero;


/* A delta into the open block.  Inlined: nearly every event comes here,
 * and the call cost it a twentieth. */
static AGW_JSON_HOT int
agw_ant_read_delta(agw_xstream_t *s, agw_ant_rstate_t *st, uint32_t idx,
    int kind, const agw_str_t *text)
{
    agw_step_t  step;

    if (st->kind == AGW_ANT_K_NONE || idx != st->block) {
        /* Anthropic streams one block at a time: a delta elsewhere is not
         * a stream this reader can follow */
        return agw_ant_stream_fail(s, "a delta for a block that is not open");
    }

    if (st->kind == AGW_ANT_K_SKIP) {
        return 0;
    }

    if (kind != st->kind) {
        return agw_ant_stream_fail(s, "a delta of another kind than its "
                                  "block");
    }

    if (text->len == 0) {
        return 0;
    }

    /* copied from a zeroed one: the compiler cleared it by "rep stos",
     * slow to start for 112 bytes */
    step = agw_ant_step_zero;
    step.type = AGW_STEP_DELTA;
    step.index = st->next - 1;
    step.text = *text;

    return agw_stream_delta(s, &step);
}


/* The members of an event the reader wants, each kept whole, validated
 * with the event: read again, they are trusted (agw_jr_t.valid). */
typedef struct {
    agw_str_t   type;
    agw_str_t   message;
    agw_str_t   block;
    agw_str_t   delta;
    agw_str_t   usage;
    agw_str_t   error;
    int64_t     index;
} agw_ant_event_t;


static int
agw_ant_event_members(agw_jr_t *r, agw_ant_event_t *e)
{
    agw_ant_member_t  m[] = {
        agw_ant_m("type", AGW_ANT_M_STR, &e->type),
        agw_ant_m("index", AGW_ANT_M_INT, &e->index),
        agw_ant_m("message", AGW_ANT_M_VALUE, &e->message),
        agw_ant_m("content_block", AGW_ANT_M_VALUE, &e->block),
        agw_ant_m("delta", AGW_ANT_M_VALUE, &e->delta),
        agw_ant_m("usage", AGW_ANT_M_VALUE, &e->usage),
        agw_ant_m("error", AGW_ANT_M_VALUE, &e->error),
    };

    if (agw_ant_members(r, m, agw_ant_nmembers(m)) != 0
        || agw_jr_end(r) != 0)
    {
        return -1;
    }

    return 0;
}


/* Folds a usage object (message_start's message.usage, message_delta's
 * usage) and hands the normalised usage on. */
static int
agw_ant_fold_usage(agw_ant_rstate_t *st, const agw_str_t *usage,
    agw_usage_t *u)
{
    agw_jr_t  r;

    if (!agw_str_set(usage)) {
        return 0;
    }

    agw_jr_init(&r, usage->data, usage->len);
    r.valid = 1;            /* validated with its event */

    if (agw_ant_usage_read(&r, &st->usage) != 0) {
        return -1;
    }

    agw_ant_usage_norm(&st->usage, u);

    return 1;
}


static int
agw_ant_message_start(agw_xstream_t *s, agw_ant_rstate_t *st,
    const agw_ant_event_t *e)
{
    int          rc;
    agw_jr_t     r;
    agw_str_t    usage = AGW_STR_NULL;
    agw_step_t   step;
    agw_usage_t  u;

    agw_ant_member_t  m[] = {
        agw_ant_m("id", AGW_ANT_M_STR, &step.id),
        agw_ant_m("model", AGW_ANT_M_STR, &step.model),
        agw_ant_m("usage", AGW_ANT_M_VALUE, &usage),
    };

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_START;
    step.created = -1;

    if (agw_str_set(&e->message)) {
        agw_jr_init(&r, e->message.data, e->message.len);
        r.valid = 1;            /* validated with its event */
        (void) agw_ant_members(&r, m, agw_ant_nmembers(m));
    }

    /* the state came zeroed: counts are unset until this event says */
    st->started = 1;
    agw_ant_usage_raw_init(&st->usage);

    rc = agw_ant_fold_usage(st, &usage, &u);
    if (rc < 0) {
        return agw_ant_stream_fail(s, "message_start usage is not JSON");
    }

    step.usage = rc ? &u : NULL;

    return agw_stream_step(s, &step);
}


static int
agw_ant_block_start(agw_xstream_t *s, agw_ant_rstate_t *st,
    const agw_ant_event_t *e)
{
    int          rc;
    char         type[32];
    agw_jr_t     r;
    agw_str_t    key, t = AGW_STR_NULL, text = AGW_STR_NULL,
                 thinking = AGW_STR_NULL, sig = AGW_STR_NULL,
                 input = AGW_STR_NULL;
    agw_part_t   part;
    agw_step_t   step;

    agw_ant_member_t  m[] = {
        agw_ant_m("type", AGW_ANT_M_STR, &t),
        agw_ant_m("text", AGW_ANT_M_STR, &text),
        agw_ant_m("thinking", AGW_ANT_M_STR, &thinking),
        agw_ant_m("signature", AGW_ANT_M_STR, &sig),
        agw_ant_m("data", AGW_ANT_M_STR, &part.data),
        agw_ant_m("id", AGW_ANT_M_STR, &part.id),
        agw_ant_m("name", AGW_ANT_M_STR, &part.name),
        agw_ant_m("input", AGW_ANT_M_VALUE, &input),
    };

    if (e->index < 0 || e->index > UINT32_MAX || !agw_str_set(&e->block)) {
        return agw_ant_stream_fail(s, "content_block_start without index or "
                                  "block");
    }

    memset(&part, 0, sizeof(part));

    agw_jr_init(&r, e->block.data, e->block.len);
    r.valid = 1;            /* validated with its event */

    if (agw_ant_members(&r, m, agw_ant_nmembers(m)) != 0) {
        return agw_ant_stream_fail(s, "content_block is not an object");
    }

    rc = agw_str_set(&t) ? agw_str_decode(&t, type, sizeof(type) - 1) : -1;
    if (rc < 0) {
        rc = 0;
    }
    type[rc] = '\0';

    st->block = (uint32_t) e->index;

    if (strcmp(type, "text") == 0) {
        st->kind = AGW_ANT_K_TEXT;
        part.type = AGW_PART_TEXT;

    } else if (strcmp(type, "thinking") == 0) {
        st->kind = AGW_ANT_K_THINKING;
        part.type = AGW_PART_THINKING;
        text = thinking;

    } else if (strcmp(type, "redacted_thinking") == 0) {
        st->kind = AGW_ANT_K_REDACTED;
        part.type = AGW_PART_REDACTED_THINKING;
        if (!agw_str_set(&part.data)) {
            part.data = (agw_str_t) { "", 0, AGW_STR_JSON, 0 };
        }

    } else if (strcmp(type, "tool_use") == 0) {
        st->kind = AGW_ANT_K_TOOL;
        part.type = AGW_PART_TOOL_CALL;
        if (!agw_str_set(&part.id)) {
            part.id = (agw_str_t) { "", 0, AGW_STR_JSON, 0 };
        }
        if (!agw_str_set(&part.name)) {
            part.name = (agw_str_t) { "", 0, AGW_STR_JSON, 0 };
        }

    } else {
        /* server_tool_use and its *_tool_result blocks ran at Anthropic:
         * not a call for the client to make */
        st->kind = AGW_ANT_K_SKIP;
        return 0;
    }

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_BLOCK_START;
    step.index = st->next++;
    step.part = &part;

    if (agw_stream_step(s, &step) != 0) {
        return -1;
    }

    /* a block that came with its content: text, thinking, a whole input */
    if (agw_str_set(&text) && text.len > 0
        && agw_stream_text_step(s, AGW_STEP_DELTA, step.index, &text) != 0)
    {
        return -1;
    }

    if (st->kind == AGW_ANT_K_THINKING && agw_str_set(&sig) && sig.len > 0
        && agw_stream_text_step(s, AGW_STEP_SIGNATURE, step.index, &sig) != 0)
    {
        return -1;
    }

    if (st->kind == AGW_ANT_K_TOOL && agw_str_set(&input)
        && !(input.len == 2 && memcmp(input.data, "{}", 2) == 0))
    {
        /* streamed tool_use starts with input {} and the JSON follows in
         * input_json_delta; a block that arrives whole is its one delta */
        agw_jr_init(&r, input.data, input.len);
        r.valid = 1;            /* validated with its event */
        if (agw_jr_object(&r) == 0 && agw_jr_member(&r, &key) == 1) {
            return agw_stream_text_step(s, AGW_STEP_DELTA, step.index, &input);
        }
    }

    return 0;
}


/* A text block's start with no text, read from its bytes: what
 * agw_ant_block_start() makes of it. */
static int
agw_ant_text_start(agw_xstream_t *s, agw_ant_rstate_t *st, uint32_t index)
{
    agw_part_t  part;
    agw_step_t  step;

    memset(&part, 0, sizeof(part));
    part.type = AGW_PART_TEXT;

    st->block = index;
    st->kind = AGW_ANT_K_TEXT;

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_BLOCK_START;
    step.index = st->next++;
    step.part = &part;

    return agw_stream_step(s, &step);
}


static int
agw_ant_block_delta(agw_xstream_t *s, agw_ant_rstate_t *st,
    const agw_ant_event_t *e)
{
    int        kind;
    agw_jr_t   r;
    agw_str_t  type = AGW_STR_NULL, text = AGW_STR_NULL,
               thinking = AGW_STR_NULL, json = AGW_STR_NULL,
               sig = AGW_STR_NULL;

    agw_ant_member_t  m[] = {
        agw_ant_m("type", AGW_ANT_M_STR, &type),
        agw_ant_m("text", AGW_ANT_M_STR, &text),
        agw_ant_m("thinking", AGW_ANT_M_STR, &thinking),
        agw_ant_m("partial_json", AGW_ANT_M_STR, &json),
        agw_ant_m("signature", AGW_ANT_M_STR, &sig),
    };

    if (e->index < 0 || !agw_str_set(&e->delta)) {
        return agw_ant_stream_fail(s, "content_block_delta without index or "
                                  "delta");
    }

    agw_jr_init(&r, e->delta.data, e->delta.len);
    r.valid = 1;            /* validated with its event */

    if (agw_ant_members(&r, m, agw_ant_nmembers(m)) != 0) {
        return agw_ant_stream_fail(s, "the delta is not an object");
    }

    if (!agw_str_set(&type)) {
        return agw_ant_stream_fail(s, "a delta without a type");
    }

    if (agw_str_is(&type, "text_delta")) {
        kind = AGW_ANT_K_TEXT;

    } else if (agw_str_is(&type, "thinking_delta")) {
        kind = AGW_ANT_K_THINKING;
        text = thinking;

    } else if (agw_str_is(&type, "input_json_delta")) {
        kind = AGW_ANT_K_TOOL;
        text = json;

    } else if (agw_str_is(&type, "signature_delta")) {
        if (st->kind == AGW_ANT_K_SKIP && (uint32_t) e->index == st->block) {
            return 0;
        }
        if (st->kind != AGW_ANT_K_THINKING
            || (uint32_t) e->index != st->block)
        {
            return agw_ant_stream_fail(s, "a signature outside a thinking "
                                      "block");
        }
        if (!agw_str_set(&sig) || sig.len == 0) {
            return 0;
        }
        return agw_stream_text_step(s, AGW_STEP_SIGNATURE, st->next - 1, &sig);

    } else {
        /* citations_delta and newer deltas: nothing a step carries */
        return 0;
    }

    if (!agw_str_set(&text)) {
        text = (agw_str_t) { "", 0, AGW_STR_JSON, 0 };
    }

    return agw_ant_read_delta(s, st, (uint32_t) e->index, kind, &text);
}


static int
agw_ant_message_delta(agw_xstream_t *s, agw_ant_rstate_t *st,
    const agw_ant_event_t *e)
{
    int          rc;
    agw_jr_t     r;
    agw_str_t    stop = AGW_STR_NULL, seq = AGW_STR_NULL;
    agw_step_t   step;
    agw_usage_t  u;

    agw_ant_member_t  m[] = {
        agw_ant_m("stop_reason", AGW_ANT_M_STR, &stop),
        agw_ant_m("stop_sequence", AGW_ANT_M_STR, &seq),
    };

    memset(&step, 0, sizeof(step));

    rc = agw_ant_fold_usage(st, &e->usage, &u);
    if (rc < 0) {
        return agw_ant_stream_fail(s, "message_delta usage is not JSON");
    }

    if (rc) {
        step.type = AGW_STEP_USAGE;
        step.usage = &u;
        if (agw_stream_step(s, &step) != 0) {
            return -1;
        }
    }

    if (!agw_str_set(&e->delta)) {
        return 0;
    }

    agw_jr_init(&r, e->delta.data, e->delta.len);
    r.valid = 1;            /* validated with its event */
    (void) agw_ant_members(&r, m, agw_ant_nmembers(m));

    if (!agw_str_set(&stop)) {
        return 0;
    }

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_FINISH;
    step.finish = agw_ant_finish(&stop);
    step.stop_sequence = seq;

    return agw_stream_step(s, &step);
}


/* {"type":"error","error":{"type","message"}}: the provider's own error,
 * its class from its type. */
static int
agw_ant_error_event(agw_xstream_t *s, const agw_ant_event_t *e)
{
    agw_error_t  *err;

    err = agw_stream_error_slot(s);
    if (err == NULL) {
        return -1;
    }

    err->cls = AGW_ERR_NONE;
    agw_ant_read_error(e->error.data, agw_str_set(&e->error) ? e->error.len
                                                              : 0, err);

    return -1;
}


/*
 * An event read by the walk: its members validated and read whatever
 * their order and layout.  The reader's path for every event but the
 * deltas agw_ant_delta_bytes() matches, and theirs in the tests that
 * compare the two.
 */
int
agw_ant_read_event_walk(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int                rc;
    agw_jr_t           r;
    agw_ant_event_t    e;
    agw_ant_rstate_t  *st;

    st = s->rstate;

    if (ev->event_len == 4 && memcmp(ev->event, "ping", 4) == 0) {
        return 0;
    }

    memset(&e, 0, sizeof(e));
    e.index = -1;

    agw_jr_init(&r, ev->data, ev->data_len);

    if (agw_ant_event_members(&r, &e) != 0 || !agw_str_set(&e.type)) {
        return agw_ant_stream_fail(s, "an event is not a JSON object with a "
                                  "type");
    }

    if (agw_str_is(&e.type, "error")) {
        return agw_ant_error_event(s, &e);
    }

    if (agw_str_is(&e.type, "ping")) {
        return 0;
    }

    if (agw_str_is(&e.type, "message_start")) {
        return agw_ant_message_start(s, st, &e);
    }

    if (!st->started) {
        /* every content event refers to the message message_start opened */
        return agw_ant_stream_fail(s, "an event before message_start");
    }

    if (agw_str_is(&e.type, "content_block_delta")) {
        return agw_ant_block_delta(s, st, &e);
    }

    if (agw_str_is(&e.type, "content_block_start")) {
        if (st->kind != AGW_ANT_K_NONE) {
            return agw_ant_stream_fail(s, "a block started before the last "
                                      "one stopped");
        }
        return agw_ant_block_start(s, st, &e);
    }

    if (agw_str_is(&e.type, "content_block_stop")) {
        if (st->kind == AGW_ANT_K_NONE) {
            return 0;
        }

        rc = st->kind;
        st->kind = AGW_ANT_K_NONE;

        if (rc == AGW_ANT_K_SKIP) {
            return 0;
        }

        return agw_stream_bare_step(s, AGW_STEP_BLOCK_STOP, st->next - 1);
    }

    if (agw_str_is(&e.type, "message_delta")) {
        return agw_ant_message_delta(s, st, &e);
    }

    if (agw_str_is(&e.type, "message_stop")) {
        return agw_stream_bare_step(s, AGW_STEP_END, 0);
    }

    /* event types newer than this code */
    return 0;
}


int
agw_ant_read_event(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int                kind;
    uint32_t           idx;
    agw_str_t          text;
    agw_ant_rstate_t  *st;

    st = s->rstate;

    /* the deltas, nearly all of an answer's events, matched on their
     * bytes; a ping is the walk's, whatever its data */
    if (st->kind != AGW_ANT_K_NONE
        && !(ev->event_len == 4 && memcmp(ev->event, "ping", 4) == 0))
    {
        kind = agw_ant_delta_bytes(ev->data, ev->data_len, &idx, &text);
        if (kind != 0) {
            return agw_ant_read_delta(s, st, idx, kind, &text);
        }
    }

    return agw_ant_read_event_walk(s, ev);
}


/*
 * A delta as the feed holds it, before the SSE parser: its frame
 * "event: content_block_delta\ndata: " DATA "\n\n", DATA as Anthropic
 * lays it out ending "}}" (spaces between and after the braces allowed;
 * its string holds no raw CR nor LF: the scan refuses them), which the
 * parser would hand read_event as the same event.  Saves the parser's
 * scans and its fields; anything else is the parser's.
 */
static const char  agw_ant_delta_frame[] = AGW_ANT_DELTA_FRAME;

/* The small events of fixed shape that come once a block or a message,
 * up to their index or their end (spaces before the closing brace and
 * after it, Anthropic's padding, as in a delta) */
static const char  agw_ant_stop_frame[] =
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
    "\"index\":";
static const char  agw_ant_end_frame[] =
    "event: message_stop\ndata: {\"type\":\"message_stop\"";
static const char  agw_ant_ping_frame[] = "event: ping\ndata: ";
static const char  agw_ant_start_frame[] =
    "event: content_block_start\ndata: {\"type\":\"content_block_start\","
    "\"index\":";
/* a text block's start after its index, up to the event's closing brace */
static const char  agw_ant_text_block[] =
    ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}";

/* Spaces (Anthropic's padding), then the n bytes of lit, from p (NULL:
 * p is NULL): the byte after them, or NULL. */
static const char *
agw_ant_padded(const char *p, const char *end, const char *lit, size_t n)
{
    if (p == NULL) {
        return NULL;
    }

    while (p < end && *p == ' ') {
        p++;
    }

    return (size_t) (end - p) >= n && memcmp(p, lit, n) == 0 ? p + n : NULL;
}

/* a closing brace after the padding; the blank line that ends the event */
#define agw_ant_spaces_brace(p, end)  agw_ant_padded(p, end, "}", 1)
#define agw_ant_spaces_end(p, end)    agw_ant_padded(p, end, "\n\n", 2)


/*
 * The delta event whose frame is at p: past its blank line, with *kind,
 * *idx and *text set; or NULL.
 */
static AGW_JSON_HOT const char *
agw_ant_delta_event(const char *p, const char *end, int *kind,
    uint32_t *idx, agw_str_t *text)
{
    const char  *q;

    if ((size_t) (end - p) < sizeof(agw_ant_delta_frame) - 1
        || !agw_ant_bytes_are(p, agw_ant_delta_frame))
    {
        return NULL;
    }

    /* the string's scan finds the event's end: no LF looked for */
    *kind = agw_ant_delta_string(p + sizeof(agw_ant_delta_frame) - 1, end,
                                 idx, text, &q);
    if (*kind == 0) {
        return NULL;
    }

    if ((size_t) (end - q) >= 4 && memcmp(q, "}}\n\n", 4) == 0) {
        return q + 4;
    }

    /* Anthropic pads some deltas with spaces between or after the
     * braces (a delta's size then tells less of its text) */
    q = agw_ant_spaces_brace(agw_ant_spaces_brace(q, end), end);

    return agw_ant_spaces_end(q, end);
}


/* A block's index at p, a JSON integer: 0, or up to eight digits not
 * led by a 0 (more are the walk's); the byte after it with *n, or NULL. */
static const char *
agw_ant_index(const char *p, const char *end, uint32_t *n)
{
    uint32_t     v;
    const char  *q;

    if (p < end && *p == '0') {
        *n = 0;
        return p + 1;
    }

    v = 0;

    for (q = p; q < end && q - p < 9 && *q >= '0' && *q <= '9'; q++) {
        v = v * 10 + (uint32_t) (*q - '0');
    }

    if (q == p || q - p == 9) {
        return NULL;
    }

    *n = v;
    return q;
}


/*
 * One of the small events at p, as Anthropic frames it: past its blank
 * line, having done what the walk does for it (*rc its answer); or NULL,
 * having done nothing.  content_block_start of a text block, {"type":
 * "content_block_start","index":N,"content_block":{"type":"text","text":
 * ""}}, when no block is open; content_block_stop {"type":
 * "content_block_stop","index":N} of the open block (the walk reads N, a
 * JSON integer, and uses the open block's); message_stop {"type":
 * "message_stop"} once message_start went by; a ping whatever its one
 * data: line holds (the walk does not read it).
 */
static const char *
agw_ant_small_event(agw_xstream_t *s, agw_ant_rstate_t *st, const char *p,
    const char *end, int *rc)
{
    int          kind;
    size_t       n;
    uint32_t     index;
    const char  *q;

    n = (size_t) (end - p);

    if (n >= sizeof(agw_ant_start_frame) - 1 + sizeof(agw_ant_text_block) + 2
        && st->kind == AGW_ANT_K_NONE && st->started
        && agw_ant_bytes_are(p, agw_ant_start_frame))
    {
        q = agw_ant_index(p + sizeof(agw_ant_start_frame) - 1, end, &index);
        if (q == NULL || (size_t) (end - q) < sizeof(agw_ant_text_block) - 1
            || !agw_ant_bytes_are(q, agw_ant_text_block))
        {
            return NULL;
        }

        q = agw_ant_spaces_brace(q + sizeof(agw_ant_text_block) - 1, end);
        q = agw_ant_spaces_end(q, end);
        if (q == NULL) {
            return NULL;
        }

        *rc = agw_ant_text_start(s, st, index);
        return q;
    }

    if (n >= sizeof(agw_ant_stop_frame) - 1 + 4 && st->kind != AGW_ANT_K_NONE
        && agw_ant_bytes_are(p, agw_ant_stop_frame))
    {
        q = agw_ant_index(p + sizeof(agw_ant_stop_frame) - 1, end, &index);
        q = agw_ant_spaces_end(agw_ant_spaces_brace(q, end), end);
        if (q == NULL) {
            return NULL;
        }

        kind = st->kind;
        st->kind = AGW_ANT_K_NONE;

        *rc = kind == AGW_ANT_K_SKIP
              ? 0 : agw_stream_bare_step(s, AGW_STEP_BLOCK_STOP, st->next - 1);
        return q;
    }

    if (n >= sizeof(agw_ant_end_frame) - 1 + 3 && st->started
        && agw_ant_bytes_are(p, agw_ant_end_frame))
    {
        q = p + sizeof(agw_ant_end_frame) - 1;
        q = agw_ant_spaces_end(agw_ant_spaces_brace(q, end), end);
        if (q == NULL) {
            return NULL;
        }

        *rc = agw_stream_bare_step(s, AGW_STEP_END, 0);
        return q;
    }

    if (n >= sizeof(agw_ant_ping_frame) - 1 + 2
        && agw_ant_bytes_are(p, agw_ant_ping_frame))
    {
        /* its one data: line, then the blank line */
        q = agw_sse_eol(p + sizeof(agw_ant_ping_frame) - 1, end);
        if ((size_t) (end - q) < 2 || q[0] != '\n' || q[1] != '\n') {
            return NULL;
        }

        *rc = 0;
        return q + 2;
    }

    return NULL;
}


/*
 * The events in the feed at p that the reader takes from their bytes,
 * one after the other while they last: the deltas, most of a stream, in
 * one call rather than the parser's call and the engine's for each.
 * Stops after an event whose answer is not 0, or that ended or failed
 * the stream: the engine's answer is for the last one taken.
 */
size_t
agw_ant_read_bytes(agw_xstream_t *s, const char *p, size_t len, int *rc)
{
    int                kind, r;
    uint32_t           idx;
    agw_str_t          text;
    const char        *at, *q, *end;
    agw_ant_rstate_t  *st;

    st = s->rstate;
    at = p;
    end = p + len;
    r = 0;

    while (at < end) {
        q = st->kind != AGW_ANT_K_NONE
            ? agw_ant_delta_event(at, end, &kind, &idx, &text) : NULL;

        if (q != NULL) {
            r = agw_ant_read_delta(s, st, idx, kind, &text);

        } else {
            q = agw_ant_small_event(s, st, at, end, &r);
            if (q == NULL) {
                break;
            }
        }

        at = q;

        if (r != 0 || s->error != NULL || s->client_done) {
            break;
        }
    }

    *rc = r;

    return (size_t) (at - p);
}


/* Writing: steps -> Anthropic events */

#define agw_ant_frame(w, name)                                               \
    agw_jw_append(w, "event: " name "\ndata: ",                              \
                  sizeof("event: " name "\ndata: ") - 1)


static void
agw_ant_frame_end(agw_jw_t *w)
{
    agw_jw_append(w, "\n\n", 2);
    agw_jw_reset_state(w);
}


/* n in decimal, its digits ending at end: their first. */
static char *
agw_ant_digits(char *end, uint32_t n)
{
    do {
        *--end = (char) ('0' + n % 10);
        n /= 10;
    } while (n != 0);

    return end;
}


/* Appends n in decimal. */
static void
agw_ant_uint(agw_jw_t *w, uint32_t n)
{
    char   buf[16], *p;

    p = agw_ant_digits(buf + sizeof(buf), n);
    agw_jw_append(w, p, (size_t) (buf + sizeof(buf) - p));
}


/*
 * message_start, sent before the first block (or the end): by then the
 * provider's first event has said what it knows of the usage (a Gemini
 * chunk carries its counts after its text).
 */
static void
agw_ant_message_start_event(agw_xstream_t *s, agw_ant_wstate_t *st)
{
    agw_jw_t   *w = &s->w;
    agw_str_t   id;

    static const agw_str_t  gen = agw_str_lit("msg_gateway");

    agw_ant_frame(w, "message_start");
    agw_jw_object(w);
    agw_ant_key(w, "type");
    agw_ant_lit(w, "message_start");
    agw_ant_key(w, "message");
    agw_jw_object(w);
    agw_ant_key(w, "id");

    if (st->id_len > 0) {
        id.data = st->u.id;
        id.len = st->id_len;
        id.kind = AGW_STR_JSON;
        id.escaped = 1;
        agw_jw_str(w, &id);
    } else {
        agw_jw_str(w, &gen);
    }

    agw_ant_key(w, "type");
    agw_ant_lit(w, "message");
    agw_ant_key(w, "role");
    agw_ant_lit(w, "assistant");
    agw_ant_key(w, "model");
    agw_jw_str(w, &s->opts.model);
    agw_ant_key(w, "content");
    agw_jw_array(w);
    agw_jw_array_end(w);
    agw_ant_key(w, "stop_reason");
    agw_jw_null(w);
    agw_ant_key(w, "stop_sequence");
    agw_jw_null(w);
    agw_ant_key(w, "usage");
    /* output is not known yet, and a provider that reports usage at the
     * end leaves input at 0 here: message_delta has the final numbers */
    agw_ant_usage_write(w, &s->usage, 0);
    agw_jw_object_end(w);
    agw_jw_object_end(w);
    agw_ant_frame_end(w);
}


static void
agw_ant_block_stop_event(agw_xstream_t *s, agw_ant_wstate_t *st)
{
    agw_jw_t  *w = &s->w;

    if (st->kind == AGW_ANT_K_NONE) {
        return;
    }

    if (st->kind != AGW_ANT_K_SKIP) {
        agw_ant_frame(w, "content_block_stop");
        agw_jw_append(w, "{\"type\":\"content_block_stop\",\"index\":",
                      sizeof("{\"type\":\"content_block_stop\",\"index\":")
                      - 1);
        agw_ant_uint(w, st->next - 1);
        agw_jw_append(w, "}", 1);
        agw_ant_frame_end(w);
    }

    st->kind = AGW_ANT_K_NONE;
}


/* The fixed parts of a delta event around its string. */
static const struct {
    const char  *head;
    size_t       head_len;
    const char  *mid;
    size_t       mid_len;
} agw_ant_delta_tpl[] = {
#define agw_ant_tpl(h, m)  { h, sizeof(h) - 1, m, sizeof(m) - 1 }
    agw_ant_tpl("", ""),
    agw_ant_tpl("event: content_block_delta\ndata: {\"type\":"
                "\"content_block_delta\",\"index\":",
                ",\"delta\":{\"type\":\"text_delta\",\"text\":\""),
    agw_ant_tpl("event: content_block_delta\ndata: {\"type\":"
                "\"content_block_delta\",\"index\":",
                ",\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\""),
    agw_ant_tpl("event: content_block_delta\ndata: {\"type\":"
                "\"content_block_delta\",\"index\":",
                ",\"delta\":{\"type\":\"input_json_delta\","
                "\"partial_json\":\""),
#undef agw_ant_tpl
};


/* What ends every delta event, NUL-padded to the size agw_jw_delta()
 * copies it as. */
static const char  agw_ant_delta_tail[8] = "\"}}\n\n";

_Static_assert(sizeof(((agw_ant_wstate_t *) 0)->u.delta)
               >= AGW_JW_DELTA_SHORT, "agw_jw_delta() copies that many");


/*
 * The open block's delta event up to its text, made when the block
 * starts (its kind and index are the block's): each delta is then one
 * copy of it, the text and the tail (agw_ant_delta()).  The id it
 * shares its room with went out in message_start before any block.
 */
static void
agw_ant_delta_form(agw_ant_wstate_t *st)
{
    char    num[16], *p, *d;
    size_t  n;

    p = agw_ant_digits(num + sizeof(num), st->next - 1);
    n = (size_t) (num + sizeof(num) - p);
    d = st->u.delta;

    memcpy(d, agw_ant_delta_tpl[st->kind].head,
           agw_ant_delta_tpl[st->kind].head_len);
    d += agw_ant_delta_tpl[st->kind].head_len;
    memcpy(d, p, n);
    d += n;
    memcpy(d, agw_ant_delta_tpl[st->kind].mid,
           agw_ant_delta_tpl[st->kind].mid_len);
    d += agw_ant_delta_tpl[st->kind].mid_len;

    st->delta_len = (uint8_t) (d - st->u.delta);
}


/* A delta's text to escape (or a VALUE's): by the writer, a call a piece
 * (kept apart from agw_ant_delta(), so that it saves no registers for
 * these calls). */
static __attribute__((noinline)) int
agw_ant_delta_escaped(agw_jw_t *w, agw_ant_wstate_t *st,
    const agw_str_t *text)
{
    agw_jw_append(w, st->u.delta, st->delta_len);
    agw_ant_str_piece(w, text);
    agw_jw_append(w, agw_ant_delta_tail, sizeof("\"}}\n\n") - 1);

    return w->failed ? -1 : 0;
}


/*
 * A delta event of the open block: its template, the text, the tail.  A
 * text already JSON (every provider's reader gives its deltas so) is one
 * room check and three copies (agw_jw_delta()): it is nearly every event
 * an Anthropic client gets.  0, or -1 when the writer failed.
 */
static AGW_JSON_HOT int
agw_ant_delta(agw_jw_t *w, agw_ant_wstate_t *st, const agw_str_t *text)
{
    if (text->kind != AGW_STR_JSON) {
        return agw_ant_delta_escaped(w, st, text);
    }

    return agw_jw_delta(w, st->u.delta, st->delta_len, text,
                        agw_ant_delta_tail, sizeof("\"}}\n\n") - 1,
                        sizeof(agw_ant_delta_tail));
}


static void
agw_ant_block_start_event(agw_xstream_t *s, agw_ant_wstate_t *st,
    const agw_step_t *step)
{
    agw_jw_t          *w = &s->w;
    const agw_part_t  *p = step->part;

    switch (p->type) {

    case AGW_PART_TEXT:
    case AGW_PART_REFUSAL:
        st->kind = AGW_ANT_K_TEXT;
        break;

    case AGW_PART_THINKING:
        st->kind = AGW_ANT_K_THINKING;
        break;

    case AGW_PART_REDACTED_THINKING:
        st->kind = AGW_ANT_K_REDACTED;
        break;

    case AGW_PART_TOOL_CALL:
        st->kind = AGW_ANT_K_TOOL;
        break;

    default:
        /* nothing an Anthropic client could show: its deltas and stop
         * are passed over too */
        st->kind = AGW_ANT_K_SKIP;
        st->step = step->index;
        return;
    }

    st->step = step->index;

    agw_ant_frame(w, "content_block_start");
    agw_jw_object(w);
    agw_ant_key(w, "type");
    agw_ant_lit(w, "content_block_start");
    agw_ant_key(w, "index");
    agw_jw_int(w, st->next++);
    agw_ant_key(w, "content_block");
    agw_jw_object(w);
    agw_ant_key(w, "type");

    switch (st->kind) {

    case AGW_ANT_K_TEXT:
        agw_ant_lit(w, "text");
        agw_ant_key(w, "text");
        agw_ant_lit(w, "");
        break;

    case AGW_ANT_K_THINKING:
        agw_ant_lit(w, "thinking");
        agw_ant_key(w, "thinking");
        agw_ant_lit(w, "");
        agw_ant_key(w, "signature");
        agw_ant_lit(w, "");
        break;

    case AGW_ANT_K_REDACTED:
        agw_ant_lit(w, "redacted_thinking");
        agw_ant_key(w, "data");
        if (agw_str_set(&p->data)) {
            agw_jw_str(w, &p->data);
        } else {
            agw_ant_lit(w, "");
        }
        break;

    default:
        agw_ant_lit(w, "tool_use");
        agw_ant_key(w, "id");

        if (agw_str_set(&p->id) && p->id.len > 0) {
            agw_jw_str(w, &p->id);

        } else {
            /* a provider that names no call id: one the client can send
             * back in its tool_result */
            agw_ant_str_open(w);
            agw_jw_append(w, "toolu_gateway_", 14);
            agw_ant_uint(w, st->tools);
            agw_ant_str_close(w);
        }

        st->tools++;

        agw_ant_key(w, "name");
        if (agw_str_set(&p->name)) {
            agw_jw_str(w, &p->name);
        } else {
            agw_ant_lit(w, "");
        }
        agw_ant_key(w, "input");
        agw_jw_object(w);
        agw_jw_object_end(w);
        break;
    }

    agw_jw_object_end(w);
    agw_jw_object_end(w);
    agw_ant_frame_end(w);

    if (st->kind != AGW_ANT_K_REDACTED) {
        agw_ant_delta_form(st);
    }

    /* a block that came with its text (the form allows it) */
    if ((st->kind == AGW_ANT_K_TEXT || st->kind == AGW_ANT_K_THINKING)
        && agw_str_set(&p->text) && p->text.len > 0)
    {
        (void) agw_ant_delta(w, st, &p->text);
    }
}


/*
 * The client side's state, with message_start sent first when open says
 * an event is to follow; NULL once the stream has ended: nothing goes
 * after message_stop or the error event.
 */
static agw_ant_wstate_t *
agw_ant_writing(agw_xstream_t *s, int open)
{
    agw_ant_wstate_t  *st;

    st = s->wstate;

    if (st->ended) {
        return NULL;
    }

    if (!st->started && open) {
        st->started = 1;
        agw_ant_message_start_event(s, st);
    }

    return st;
}


/* START's id, kept for message_start (as it came: JSON kind, or plain
 * bytes escaped now); one too long for the state is made up. */
static void
agw_ant_keep_id(agw_xstream_t *s, agw_ant_wstate_t *st, const agw_str_t *id)
{
    agw_buf_t  b;
    agw_jw_t   w;

    st->id_len = 0;

    if (!agw_str_set(id) || id->len == 0) {
        return;
    }

    if (id->kind == AGW_STR_JSON) {
        if (id->len < sizeof(st->u.id)) {
            memcpy(st->u.id, id->data, id->len);
            st->id_len = (uint8_t) id->len;
        }
        return;
    }

    b.data = NULL;
    b.len = 0;
    b.cap = 0;
    agw_jw_init(&w, &b);
    agw_jw_escape(&w, id->data, id->len);

    if (!w.failed && b.len < sizeof(st->u.id)) {
        memcpy(st->u.id, b.data, b.len);
        st->id_len = (uint8_t) b.len;
    }

    agw_buf_free(&b);
}


/* Every step but a delta of the open block (kept out of
 * agw_ant_write_step(): see there). */
static __attribute__((noinline)) int
agw_ant_other_step(agw_xstream_t *s, const agw_step_t *step)
{
    agw_jw_t          *w = &s->w;
    agw_ant_wstate_t  *st;

    if (step->type == AGW_STEP_START) {
        st = s->wstate;
        if (!st->started && !st->ended) {
            agw_ant_keep_id(s, st, &step->id);
        }
        return 0;
    }

    st = agw_ant_writing(s, step->type == AGW_STEP_BLOCK_START
                            || step->type == AGW_STEP_FINISH);
    if (st == NULL || !st->started) {
        return 0;
    }

    switch (step->type) {

    case AGW_STEP_DELTA:
        /* never a delta for a block that is not the open one (one that
         * stopped, or one this writer passed over) */
        if (st->kind == AGW_ANT_K_NONE || st->kind == AGW_ANT_K_SKIP
            || st->kind == AGW_ANT_K_REDACTED || step->index != st->step
            || step->text.len == 0)
        {
            return 0;
        }
        return agw_ant_delta(w, st, &step->text);

    case AGW_STEP_BLOCK_START:
        agw_ant_block_stop_event(s, st);
        agw_ant_block_start_event(s, st, step);
        break;

    case AGW_STEP_SIGNATURE:
        /* a Gemini thoughtSignature means nothing to Anthropic */
        if (st->kind != AGW_ANT_K_THINKING || step->index != st->step
            || step->text.len == 0
            || s->opts.provider == AGW_DIALECT_GEMINI)
        {
            return 0;
        }
        agw_ant_frame(w, "content_block_delta");
        agw_jw_append(w, "{\"type\":\"content_block_delta\",\"index\":",
                      sizeof("{\"type\":\"content_block_delta\",\"index\":")
                      - 1);
        agw_ant_uint(w, st->next - 1);
        agw_jw_append(w, ",\"delta\":{\"type\":\"signature_delta\","
                      "\"signature\":\"",
                      sizeof(",\"delta\":{\"type\":\"signature_delta\","
                             "\"signature\":\"") - 1);
        agw_ant_str_piece(w, &step->text);
        agw_jw_append(w, "\"}}\n\n", 5);
        break;

    case AGW_STEP_BLOCK_STOP:
        if (step->index == st->step) {
            agw_ant_block_stop_event(s, st);
        }
        break;

    case AGW_STEP_FINISH:
        /* usage may still follow: message_delta waits for the end */
        st->finish = (uint8_t) step->finish;
        agw_ant_block_stop_event(s, st);
        break;

    default:
        /* START again, USAGE (the driver merges it), END and ERROR (the
         * driver calls write_end or write_stream_error) */
        break;
    }

    return w->failed ? -1 : 0;
}


int
agw_ant_write_step(agw_xstream_t *s, const agw_step_t *step)
{
    agw_ant_wstate_t  *st;

    st = s->wstate;

    /* nearly every step: a delta of the open block, whose event up to
     * the text was made when it started (a text, thinking or tool_use
     * block); the other steps in a function of their own, so that their
     * registers are not saved for it */
    if (step->type == AGW_STEP_DELTA && !st->ended
        && (st->kind == AGW_ANT_K_TEXT || st->kind == AGW_ANT_K_THINKING
            || st->kind == AGW_ANT_K_TOOL)
        && step->index == st->step && step->text.len != 0)
    {
        return agw_ant_delta(&s->w, st, &step->text);
    }

    return agw_ant_other_step(s, step);
}


int
agw_ant_write_end(agw_xstream_t *s)
{
    agw_jw_t          *w = &s->w;
    agw_ant_wstate_t  *st;

    st = agw_ant_writing(s, 1);
    if (st == NULL) {
        return 0;
    }

    agw_ant_block_stop_event(s, st);

    agw_ant_frame(w, "message_delta");
    agw_jw_object(w);
    agw_ant_key(w, "type");
    agw_ant_lit(w, "message_delta");
    agw_ant_key(w, "delta");
    agw_jw_object(w);
    agw_ant_key(w, "stop_reason");
    agw_jw_bytes(w, agw_ant_stop_reason((agw_finish_t) st->finish),
                 strlen(agw_ant_stop_reason((agw_finish_t) st->finish)));
    agw_ant_key(w, "stop_sequence");
    agw_jw_null(w);
    agw_jw_object_end(w);
    agw_ant_key(w, "usage");
    agw_ant_usage_write(w, &s->usage, 1);
    agw_jw_object_end(w);
    agw_ant_frame_end(w);

    agw_ant_frame(w, "message_stop");
    agw_jw_append(w, "{\"type\":\"message_stop\"}",
                  sizeof("{\"type\":\"message_stop\"}") - 1);
    agw_ant_frame_end(w);

    st->ended = 1;

    return w->failed ? -1 : 0;
}


/* An error event, and no message_stop: the client knows the answer is
 * not whole. */
int
agw_ant_write_stream_error(agw_xstream_t *s, const agw_error_t *err)
{
    agw_jw_t          *w = &s->w;
    agw_ant_wstate_t  *st;

    st = s->wstate;

    if (st->ended) {
        return 0;
    }

    st->ended = 1;

    agw_ant_frame(w, "error");
    agw_ant_write_error_json(w, err);
    agw_ant_frame_end(w);

    return w->failed ? -1 : 0;
}
