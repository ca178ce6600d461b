/*
 * rsp_stream: Responses API streams.
 *
 * Writing (a Responses client of another provider): the event sequence
 * of the API reference and the captured streams, numbered by
 * sequence_number: response.created, response.in_progress, then per
 * output item response.output_item.added, its parts' events
 * (content_part.added, output_text.delta..., output_text.done,
 * content_part.done; reasoning_summary_part.added,
 * reasoning_summary_text.delta..., their .done; function_call_arguments
 * .delta..., .done), response.output_item.done, and at the end
 * response.completed (or response.incomplete) with the whole Response.
 * The events that close a part or an item repeat its whole text, and the
 * last one holds every item: the state keeps the open part's text and the
 * finished items, escaped, in buffers it frees at the end.  A text delta,
 * nearly all of a stream, is a template written around the delta's bytes.
 *
 * Reading (a Responses provider for a client of another dialect): the
 * same events back into steps; items come one after another on the wire,
 * so blocks do too.
 */

#include <stdio.h>
#include <string.h>

#include "agw_json_delta.h"
#include "agw_json_scan.h"
#include "rsp_int.h"


typedef enum {
    AGW_RSP_NONE = 0,
    AGW_RSP_MESSAGE,
    AGW_RSP_REASONING,
    AGW_RSP_CALL
} agw_rsp_kind_t;


/* An event's opening, "event: TYPE\ndata: {"type":"TYPE"", one literal */
#define agw_rsp_ev_head(lit)  "event: " lit "\ndata: {\"type\":\"" lit "\""
#define agw_rsp_ev(s, lit)                                                   \
    agw_rsp_ev_open((s), agw_rsp_ev_head(lit), sizeof(agw_rsp_ev_head(lit)) - 1)

/* A delta's template is copied as this many bytes when no longer (most
 * are 150-190: the event's name twice, the item id, the indexes). */
#define AGW_RSP_HEAD_COPY   192

/* The usual delta's text at most (agw_rsp_delta_fast()), and the room of
 * the output it takes: the template's copy, the text, the tail's block. */
#define AGW_RSP_FAST_TEXT   64
#define AGW_RSP_FAST_ROOM                                                    \
    (AGW_RSP_HEAD_COPY + AGW_RSP_FAST_TEXT                                   \
     + sizeof(((agw_rsp_wstate_t *) 0)->tail))


static int agw_rsp_write_start(agw_xstream_t *s, agw_rsp_wstate_t *ws,
    const agw_step_t *step);


/* An event's opening (agw_rsp_ev()): one copy, the writer then inside
 * the event's object with its "type" written. */
static void
agw_rsp_ev_open(agw_xstream_t *s, const char *head, size_t len)
{
    agw_jw_append(&s->w, head, len);
    agw_jw_object_appended(&s->w);
}


/* "sequence_number": the event's place in the stream */
static void
agw_rsp_ev_seq(agw_xstream_t *s, agw_rsp_wstate_t *ws)
{
    agw_jw_key(&s->w, "sequence_number");
    agw_jw_int(&s->w, (int64_t) ws->seq++);
}


/* an event's end, its sequence_number written */
static void
agw_rsp_ev_end(agw_xstream_t *s)
{
    agw_jw_t  *w = &s->w;

    agw_jw_object_end(w);
    agw_jw_append(w, "\n\n", 2);
    agw_jw_reset_state(w);
}


/* An event's last member, its sequence_number, and its end: one copy
 * (every event's object has its "type" before, so the comma). */
static void
agw_rsp_ev_close(agw_xstream_t *s, agw_rsp_wstate_t *ws)
{
    char  buf[48], *p;

    p = buf + sizeof(buf) - 3;
    memcpy(p, "}\n\n", 3);
    p = agw_rsp_digits(p, ws->seq++);
    p -= sizeof(",\"sequence_number\":") - 1;
    memcpy(p, ",\"sequence_number\":", sizeof(",\"sequence_number\":") - 1);

    if (s->w.depth != 1 || s->w.key) {
        s->w.failed = 1;                /* a member left open: a bug */
    }

    agw_jw_append(&s->w, p, (size_t) (buf + sizeof(buf) - p));
    agw_jw_reset_state(&s->w);
}


/* "item_id":..,"output_index":.. of the open item */
static void
agw_rsp_ev_item(agw_xstream_t *s, agw_rsp_wstate_t *ws)
{
    agw_str_t  id;

    id = agw_str_bytes(ws->item_id, ws->item_id_len);
    agw_jw_key(&s->w, "item_id");
    agw_rsp_put_str(&s->w, &id);
    agw_jw_key(&s->w, "output_index");
    agw_jw_int(&s->w, ws->output - 1);
}


/*
 * The open item's and the open part's place: a reasoning item's summary
 * part is at a "summary_index", a message's content part at a
 * "content_index"; a function call's item has no part.  While a block is
 * open, its delta template has these members as they are here
 * (agw_rsp_delta_template()): copied from it.
 */
static void
agw_rsp_ev_part(agw_xstream_t *s, agw_rsp_wstate_t *ws)
{
    if (ws->place_len) {
        agw_jw_append(&s->w, ws->delta.data + ws->place, ws->place_len);
        return;
    }

    agw_rsp_ev_item(s, ws);

    if (ws->block == AGW_PART_TOOL_CALL) {
        return;
    }

    if (ws->block == AGW_PART_THINKING) {
        agw_jw_key(&s->w, "summary_index");
    } else {
        agw_jw_key(&s->w, "content_index");
    }

    agw_jw_int(&s->w, ws->part);
}


/* A buffer of ours as a JSON value, or a JSON string's inside. */
static agw_str_t
agw_rsp_buf_str(const agw_buf_t *b, agw_str_kind_t kind)
{
    agw_str_t  s;

    s.data = b->data ? b->data : "";
    s.len = (uint32_t) b->len;
    s.kind = kind;
    s.escaped = 1;
    return s;
}


/* The inside of a JSON string for s, appended to one of our buffers. */
static void
agw_rsp_buf_inside(agw_rsp_wstate_t *ws, agw_buf_t *b, const agw_str_t *s)
{
    agw_jw_t  t;

    agw_jw_init(&t, b);
    agw_rsp_str_inside(&t, s);

    if (t.failed) {
        ws->failed = 1;
    }
}


static void
agw_rsp_head(agw_xstream_t *s, agw_rsp_wstate_t *ws, agw_rsp_head_t *h,
    agw_rsp_status_t status)
{
    memset(h, 0, sizeof(*h));
    h->id = ws->id;
    h->id_len = ws->id_len;
    h->created = ws->created;
    h->model = s->opts.model;
    h->status = status;
    h->finish = ws->finish;
}


/* A list of ours ("[a,b", kept open to append to) as a JSON value. */
static void
agw_rsp_raw_list(agw_jw_t *w, agw_rsp_wstate_t *ws, agw_buf_t *list)
{
    agw_str_t  v;

    if (list->len == 0 || agw_buf_append(list, "]", 1) != 0) {
        ws->failed = 1;
        agw_jw_array(w);
        agw_jw_array_end(w);
        return;
    }

    v = agw_rsp_buf_str(list, AGW_STR_VALUE);
    agw_jw_raw(w, &v);
    list->len--;
}


/* An event holding the whole Response: its output so far. */
static void
agw_rsp_ev_response(agw_xstream_t *s, agw_rsp_wstate_t *ws,
    const agw_rsp_head_t *h)
{
    agw_jw_t  *w = &s->w;

    agw_jw_key(w, "response");
    agw_rsp_response_open(w, h);
    agw_rsp_raw_list(w, ws, &ws->items);
    agw_rsp_response_close(w, h);
}


static int
agw_rsp_write_start(agw_xstream_t *s, agw_rsp_wstate_t *ws,
    const agw_step_t *step)
{
    size_t                  start, len;
    agw_buf_t              *b = s->w.out;
    agw_rsp_head_t          h;
    static const agw_str_t  none = AGW_STR_NULL;

    if (ws->started) {
        return 0;
    }

    ws->started = 1;
    ws->id_len = agw_rsp_id(ws->id, sizeof(ws->id),
                            step ? &step->id : &none, "resp_");
    ws->created = (step && step->created >= 0) ? step->created
                                               : s->opts.created;

    if (ws->id_len == 0) {
        /* no id from the provider: one of the answer's time */
        ws->id_len = (size_t) snprintf(ws->id, sizeof(ws->id), "gw%llx",
                                       (unsigned long long) ws->created);
    }

    ws->items.len = 0;

    if (agw_buf_append(&ws->items, "[", 1) != 0) {
        return -1;
    }

    agw_rsp_head(s, ws, &h, AGW_RSP_IN_PROGRESS);

    agw_rsp_ev(s, "response.created");
    start = b->len;
    agw_rsp_ev_response(s, ws, &h);
    len = b->len - start;
    agw_rsp_ev_close(s, ws);

    /* the same Response again: its members copied from the event before
     * (reserved first: the copy's source is the buffer it grows) */
    agw_rsp_ev(s, "response.in_progress");

    if (!s->w.failed) {
        if (agw_buf_reserve(b, len) != 0) {
            s->w.failed = 1;

        } else {
            memcpy(b->data + b->len, b->data + start, len);
            b->len += len;
            b->data[b->len] = '\0';
        }
    }

    agw_rsp_ev_close(s, ws);

    return 0;
}


static agw_rsp_kind_t
agw_rsp_kind_of(agw_part_type_t t)
{
    switch (t) {
    case AGW_PART_TEXT:
    case AGW_PART_REFUSAL:
        return AGW_RSP_MESSAGE;
    case AGW_PART_THINKING:
        return AGW_RSP_REASONING;
    case AGW_PART_TOOL_CALL:
        return AGW_RSP_CALL;
    default:
        return AGW_RSP_NONE;
    }
}


/*
 * Room in the output for the events that end the open block, its item and
 * the stream as they are now, at most: the block's two .done events
 * repeat its text, the item's done event its parts (or a call's
 * arguments) and the Response every item; text_times says how often the
 * open block's text is still to go out.  Reserved at once, while the
 * output holds the least, instead of the output doubling (and so copied
 * whole) under each event.  Their other members take AGW_RSP_END_FIXED
 * at most.
 */
#define AGW_RSP_END_FIXED  4096

static void
agw_rsp_end_room(agw_xstream_t *s, agw_rsp_wstate_t *ws, size_t text_times)
{
    size_t      n;
    agw_buf_t  *b = s->w.out;

    n = text_times * ws->text.len + 2 * (ws->parts.len + ws->call.len)
        + ws->items.len + AGW_RSP_END_FIXED;

    if (agw_buf_reserve(b, n) != 0) {
        s->w.failed = 1;
    }
}


/* The open item as JSON, a value of the writer's: for output_item.done,
 * whose bytes the Response's output then takes (agw_rsp_close_item()). */
static void
agw_rsp_render_item(agw_jw_t *t, agw_rsp_wstate_t *ws)
{
    agw_str_t  v;

    agw_jw_object(t);
    agw_jw_key(t, "id");
    v = agw_str_bytes(ws->item_id, ws->item_id_len);
    agw_rsp_put_str(t, &v);
    agw_jw_key(t, "type");

    switch (ws->item) {

    case AGW_RSP_MESSAGE:
        agw_rsp_lit_members(t, "\"message\",\"status\":\"completed\"");
        agw_jw_key(t, "content");
        agw_rsp_raw_list(t, ws, &ws->parts);
        agw_jw_key(t, "role");
        agw_jw_lit(t, "assistant");
        break;

    case AGW_RSP_REASONING:
        agw_jw_lit(t, "reasoning");
        agw_jw_key(t, "summary");
        agw_rsp_raw_list(t, ws, &ws->parts);
        break;

    default:
        agw_rsp_lit_members(t, "\"function_call\",\"status\":\"completed\"");
        agw_jw_key(t, "arguments");
        v = agw_rsp_buf_str(&ws->text, AGW_STR_JSON);
        agw_rsp_put_str(t, &v);
        agw_jw_key(t, "call_id");
        v = agw_rsp_buf_str(&ws->call, AGW_STR_JSON);
        v.len = (uint32_t) ws->call_id_len;
        agw_rsp_put_str(t, &v);
        agw_jw_key(t, "name");
        v.data += ws->call_id_len;
        v.len = (uint32_t) (ws->call.len - ws->call_id_len);
        agw_rsp_put_str(t, &v);
        break;
    }

    agw_jw_object_end(t);
}


/*
 * output_item.done, the item written once into the output and its bytes
 * appended from there to the Response's output (a long answer's text is
 * copied once less than by a buffer of its own between).
 */
static void
agw_rsp_close_item(agw_xstream_t *s, agw_rsp_wstate_t *ws)
{
    size_t      start, len;
    agw_buf_t  *out = s->w.out;

    if (ws->item == AGW_RSP_NONE) {
        return;
    }

    /* a message's or a reasoning's text is in its parts by now */
    agw_rsp_end_room(s, ws, ws->item == AGW_RSP_CALL ? 2 : 0);

    agw_rsp_ev(s, "response.output_item.done");
    agw_jw_key(&s->w, "output_index");
    agw_jw_int(&s->w, ws->output - 1);
    agw_jw_key(&s->w, "item");
    start = out->len;
    agw_rsp_render_item(&s->w, ws);
    len = out->len - start;

    if (s->w.failed
        || (ws->items.len > 1 && agw_buf_append(&ws->items, ",", 1) != 0)
        || agw_buf_append(&ws->items, out->data + start, len) != 0)
    {
        ws->failed = 1;
    }

    agw_rsp_ev_close(s, ws);

    ws->item = AGW_RSP_NONE;
}


static void
agw_rsp_open_item(agw_xstream_t *s, agw_rsp_wstate_t *ws,
    agw_rsp_kind_t kind, const agw_part_t *part)
{
    char         num[16], *p;
    size_t       n;
    agw_jw_t    *w = &s->w;
    agw_str_t    v;
    const char  *prefix;

    /* the prefix, the Response's id, "_", the item's index */
    prefix = (kind == AGW_RSP_MESSAGE) ? "msg_"
             : (kind == AGW_RSP_REASONING) ? "rs_" : "fc_";
    n = strlen(prefix);
    memcpy(ws->item_id, prefix, n);
    memcpy(ws->item_id + n, ws->id, ws->id_len);
    n += ws->id_len;
    ws->item_id[n++] = '_';
    p = agw_rsp_digits(num + sizeof(num), ws->output);
    memcpy(ws->item_id + n, p, (size_t) (num + sizeof(num) - p));
    n += (size_t) (num + sizeof(num) - p);
    ws->item_id[n] = '\0';
    ws->item_id_len = (uint16_t) n;

    ws->output++;
    ws->item = (uint8_t) kind;
    ws->part = 0;
    ws->parts.len = 0;

    if (agw_buf_append(&ws->parts, "[", 1) != 0) {
        ws->failed = 1;
    }

    if (kind == AGW_RSP_CALL) {
        ws->call.len = 0;
        agw_rsp_buf_inside(ws, &ws->call, &part->id);
        ws->call_id_len = ws->call.len;
        agw_rsp_buf_inside(ws, &ws->call, &part->name);
    }

    agw_rsp_ev(s, "response.output_item.added");
    agw_jw_key(w, "output_index");
    agw_jw_int(w, ws->output - 1);
    agw_jw_key(w, "item");
    agw_jw_object(w);
    agw_jw_key(w, "id");
    v = agw_str_bytes(ws->item_id, ws->item_id_len);
    agw_rsp_put_str(w, &v);
    agw_jw_key(w, "type");

    switch (kind) {

    case AGW_RSP_MESSAGE:
        agw_rsp_lit_members(w, "\"message\",\"status\":\"in_progress\","
                               "\"content\":[],\"role\":\"assistant\"");
        break;

    case AGW_RSP_REASONING:
        agw_rsp_lit_members(w, "\"reasoning\",\"summary\":[]");
        break;

    default:
        agw_rsp_lit_members(w, "\"function_call\",\"status\":\"in_progress\","
                               "\"arguments\":\"\"");
        agw_jw_key(w, "call_id");
        agw_rsp_put_str(w, &part->id);
        agw_jw_key(w, "name");
        agw_rsp_put_str(w, &part->name);
        break;
    }

    agw_jw_object_end(w);
    agw_rsp_ev_close(s, ws);
}


/*
 * The delta event of the open block up to its text, once per block; the
 * members of the block's place in it (ws->place: ,"item_id":..,
 * "output_index":.. and the part's index) for the block's other events.
 */
static void
agw_rsp_delta_template(agw_rsp_wstate_t *ws, const char *type, size_t len,
    const char *index_key, size_t key_len)
{
    char        buf[2 * 64 + AGW_RSP_ID_MAX + 128], *p;
    size_t      place;
    agw_buf_t  *b = &ws->delta;

    p = buf;
    memcpy(p, "event: ", 7);
    p += 7;
    memcpy(p, type, len);
    p += len;
    memcpy(p, "\ndata: {\"type\":\"", 16);
    p += 16;
    memcpy(p, type, len);
    p += len;
    *p++ = '"';
    place = (size_t) (p - buf);
    memcpy(p, ",\"item_id\":\"", 12);
    p += 12;
    memcpy(p, ws->item_id, ws->item_id_len);
    p += ws->item_id_len;
    memcpy(p, "\",\"output_index\":", 17);
    p = agw_rsp_int(p + 17, ws->output - 1);

    if (index_key != NULL) {
        *p++ = ',';
        *p++ = '"';
        memcpy(p, index_key, key_len);
        p += key_len;
        *p++ = '"';
        *p++ = ':';
        p = agw_rsp_int(p, ws->part);
    }

    ws->place = (uint16_t) place;
    ws->place_len = (uint16_t) (p - buf - place);
    memcpy(p, ",\"delta\":\"", 10);
    p += 10;

    /* a delta copies AGW_RSP_HEAD_COPY bytes of a shorter template: the
     * bytes past it zeroed, so that the copy reads initialised bytes */
    b->len = 0;

    if (agw_buf_reserve(b, AGW_RSP_HEAD_COPY) != 0
        || agw_buf_append(b, buf, (size_t) (p - buf)) != 0)
    {
        ws->failed = 1;
        ws->place_len = 0;
        return;
    }

    if (b->len < AGW_RSP_HEAD_COPY) {
        memset(b->data + b->len, 0, AGW_RSP_HEAD_COPY - b->len);
    }
}


/*
 * The delta tail's number: ws->seq, then "}\n\n".  The tail has room for
 * 16 digits after the longest literal: a number past that (10^16 events)
 * fails the stream instead.
 */
static void
agw_rsp_tail_number(agw_rsp_wstate_t *ws)
{
    char    num[24], *p;
    size_t  len;

    p = num + sizeof(num);
    *--p = '\n';
    *--p = '\n';
    *--p = '}';
    p = agw_rsp_digits(p, ws->seq);

    len = (size_t) (num + sizeof(num) - p);

    if (ws->tail.num + len >= sizeof(ws->tail.bytes)) {
        ws->failed = 1;
        ws->fast = 0;
        return;
    }

    memcpy(ws->tail.bytes + ws->tail.num, p, len);
    ws->tail.len = (uint8_t) (ws->tail.num + len);
    ws->tail.bytes[ws->tail.len] = '\0';    /* the output's, in its copy */
}


/*
 * What follows the open block's delta text, once per block: no event but
 * its deltas is numbered while a block is open (the others open or close
 * a block, or end the stream), so the tail's number stays ws->seq.
 */
static void
agw_rsp_delta_tail(agw_rsp_wstate_t *ws, const char *lit)
{
    ws->tail.num = (uint8_t) strlen(lit);
    memcpy(ws->tail.bytes, lit, ws->tail.num);
    agw_rsp_tail_number(ws);
}


/*
 * A delta was written: the next sequence number, counted up in the tail's
 * digits; a carry (one delta in ten) walks them, and a carry out of the
 * first digit formats the number again.  0, for the delta's step to
 * return: the carry apart and called last, so that the usual delta's
 * step saves no registers for it.
 */
static __attribute__((noinline)) int
agw_rsp_tail_carry(agw_rsp_wstate_t *ws, char *p)
{
    while (*p == '9') {
        *p-- = '0';
    }

    if (p < ws->tail.bytes + ws->tail.num) {
        agw_rsp_tail_number(ws);
        return 0;
    }

    (*p)++;

    return 0;
}


static inline int
agw_rsp_tail_next(agw_rsp_wstate_t *ws)
{
    char  *p;

    ws->seq++;
    p = ws->tail.bytes + ws->tail.len - 4;

    if (*p != '9') {
        (*p)++;
        return 0;
    }

    return agw_rsp_tail_carry(ws, p);
}


/* The most a Responses client's stream holds (agw_rsp_held_too_much()). */
static size_t
agw_rsp_held_max(agw_xstream_t *s)
{
    return s->opts.max_held ? s->opts.max_held : AGW_RSP_HELD_MAX;
}


/*
 * What the open block's text may grow to within that bound: while a block
 * is open only its text grows (the parts, items and call change as blocks
 * open and close), so a delta compares the text alone.
 */
static void
agw_rsp_text_max(agw_xstream_t *s, agw_rsp_wstate_t *ws)
{
    size_t  max, other;

    max = agw_rsp_held_max(s);
    other = ws->parts.len + ws->items.len + ws->call.len;
    ws->text_max = other < max ? max - other : 0;
}


static void
agw_rsp_block_start(agw_xstream_t *s, agw_rsp_wstate_t *ws,
    const agw_step_t *step)
{
    agw_jw_t              *w = &s->w;
    agw_rsp_kind_t         kind;
    const agw_part_t      *part = step->part;
    static const agw_str_t empty = { "", 0, AGW_STR_BYTES, 0 };

    kind = agw_rsp_kind_of(part->type);

    if (kind == AGW_RSP_NONE) {
        /* redacted thinking, a provider's own block: no Responses item */
        ws->skipping = 1;
        ws->skip = step->index;
        return;
    }

    if (ws->item != AGW_RSP_NONE
        && (ws->item != kind || kind == AGW_RSP_CALL))
    {
        agw_rsp_close_item(s, ws);
    }

    if (ws->item == AGW_RSP_NONE) {
        agw_rsp_open_item(s, ws, kind, part);
    }

    ws->block = (uint8_t) part->type;
    ws->text.len = 0;

    /* the template first: the part's events copy their place from it
     * (agw_rsp_ev_part()); the tail after them, numbered past them */
    switch (part->type) {

    case AGW_PART_TEXT:
    case AGW_PART_REFUSAL:
        if (part->type == AGW_PART_TEXT) {
            agw_rsp_delta_template(ws, "response.output_text.delta", 26,
                                   "content_index", 13);
        } else {
            agw_rsp_delta_template(ws, "response.refusal.delta", 22,
                                   "content_index", 13);
        }

        agw_rsp_ev(s, "response.content_part.added");
        agw_rsp_ev_part(s, ws);
        agw_jw_key(w, "part");
        agw_rsp_put_part(w, ws->block, &empty);
        agw_rsp_ev_close(s, ws);

        if (part->type == AGW_PART_TEXT) {
            agw_rsp_delta_tail(ws, "\",\"logprobs\":[],\"sequence_number\":");
        } else {
            agw_rsp_delta_tail(ws, "\",\"sequence_number\":");
        }
        break;

    case AGW_PART_THINKING:
        agw_rsp_delta_template(ws, "response.reasoning_summary_text.delta",
                               37, "summary_index", 13);

        agw_rsp_ev(s, "response.reasoning_summary_part.added");
        agw_rsp_ev_part(s, ws);
        agw_jw_key(w, "part");
        agw_rsp_put_part(w, ws->block, &empty);
        agw_rsp_ev_close(s, ws);

        agw_rsp_delta_tail(ws, "\",\"sequence_number\":");
        break;

    default:
        agw_rsp_delta_template(ws, "response.function_call_arguments.delta",
                               38, NULL, 0);
        agw_rsp_delta_tail(ws, "\",\"sequence_number\":");
        break;
    }

    agw_rsp_text_max(s, ws);
}


/*
 * One delta of a text already JSON (every provider's reader gives its
 * deltas so): the template, the text, the tail with the sequence number;
 * nearly every event a Responses client gets, and where a stream's bytes
 * are made (the event is about twice the provider's).  One reserve, and
 * for a usual delta no call: the template as AGW_RSP_HEAD_COPY bytes and
 * the tail as its whole array (constant sizes, a few moves each; what
 * they write past their own bytes the next copy covers, or is past the
 * output's length), a short text inline; the text is kept for the .done
 * events from where it now is in the output, a short one in one 16-byte
 * move that the tail behind it keeps in bounds.
 */
static AGW_JSON_HOT int
agw_rsp_delta_json(agw_xstream_t *s, agw_rsp_wstate_t *ws,
    const agw_str_t *text)
{
    char        *o, *t;
    size_t       len, hlen, room;
    agw_buf_t   *b;
    const char  *p;

    if (s->w.failed || ws->failed) {
        return -1;                  /* the step fails: nothing more goes */
    }

    /* apart: the stores below may alias them for the compiler */
    p = text->data;
    len = text->len;
    hlen = ws->delta.len;
    b = s->w.out;

    /* the widest the copies write: the template's copy, the text, the
     * tail's block; and the room of the fast path's delta after it, so
     * that a buffer grown here is not short of it again at the next */
    room = (hlen > AGW_RSP_HEAD_COPY ? hlen : AGW_RSP_HEAD_COPY) + len
           + sizeof(ws->tail) + AGW_RSP_FAST_ROOM;

    if (b->cap - b->len <= room && agw_buf_reserve(b, room) != 0) {
        s->w.failed = 1;
        return -1;
    }

    o = b->data + b->len;

    if (hlen <= AGW_RSP_HEAD_COPY) {
        memcpy(o, ws->delta.data, AGW_RSP_HEAD_COPY);

    } else {
        memcpy(o, ws->delta.data, hlen);
    }

    t = o + hlen;

    if (len <= 16) {
        agw_jw_copy_short(t, p, len);

    } else {
        memcpy(t, p, len);
    }

    memcpy(t + len, &ws->tail, sizeof(ws->tail));
    b->len += hlen + len + ws->tail.len;

    (void) agw_rsp_tail_next(ws);

    b = &ws->text;

    if (b->cap - b->len <= len + 16 + AGW_RSP_FAST_TEXT
        && agw_buf_reserve(b, len + 16 + AGW_RSP_FAST_TEXT) != 0)
    {
        ws->failed = 1;
        return -1;
    }

    if (len <= 16) {
        memcpy(b->data + b->len, t, 16);

    } else {
        memcpy(b->data + b->len, t, len);
    }

    b->len += len;
    b->data[b->len] = '\0';

    return 0;
}


/* One delta of any text: one already JSON as above, others escaped. */
static void
agw_rsp_delta(agw_xstream_t *s, agw_rsp_wstate_t *ws, const agw_str_t *text)
{
    agw_jw_t  *w = &s->w;

    if (text->kind == AGW_STR_JSON) {
        (void) agw_rsp_delta_json(s, ws, text);
        return;
    }

    agw_jw_append(w, ws->delta.data, ws->delta.len);
    agw_rsp_str_inside(w, text);
    agw_jw_append(w, ws->tail.bytes, ws->tail.len);
    (void) agw_rsp_tail_next(ws);

    agw_rsp_buf_inside(ws, &ws->text, text);
}


static void
agw_rsp_block_stop(agw_xstream_t *s, agw_rsp_wstate_t *ws)
{
    agw_jw_t   *w = &s->w, t;
    agw_str_t   text;

    text = agw_rsp_buf_str(&ws->text, AGW_STR_JSON);
    agw_rsp_end_room(s, ws, 4);

    switch (ws->block) {

    case AGW_PART_TEXT:
    case AGW_PART_REFUSAL:
        if (ws->block == AGW_PART_TEXT) {
            agw_rsp_ev(s, "response.output_text.done");
            agw_rsp_ev_part(s, ws);
            agw_jw_key(w, "text");
            agw_rsp_put_str(w, &text);
            agw_jw_key(w, "logprobs");
            agw_jw_array(w);
            agw_jw_array_end(w);

        } else {
            agw_rsp_ev(s, "response.refusal.done");
            agw_rsp_ev_part(s, ws);
            agw_jw_key(w, "refusal");
            agw_rsp_put_str(w, &text);
        }

        agw_rsp_ev_close(s, ws);

        agw_rsp_ev(s, "response.content_part.done");
        agw_rsp_ev_part(s, ws);
        break;

    case AGW_PART_THINKING:
        agw_rsp_ev(s, "response.reasoning_summary_text.done");
        agw_rsp_ev_part(s, ws);
        agw_jw_key(w, "text");
        agw_rsp_put_str(w, &text);
        agw_rsp_ev_close(s, ws);

        agw_rsp_ev(s, "response.reasoning_summary_part.done");
        agw_rsp_ev_part(s, ws);
        break;

    default:
        agw_rsp_ev(s, "response.function_call_arguments.done");
        agw_rsp_ev_part(s, ws);
        agw_jw_key(w, "arguments");
        agw_rsp_put_str(w, &text);
        agw_rsp_ev_close(s, ws);

        ws->block = 0;
        ws->place_len = 0;
        agw_rsp_close_item(s, ws);
        return;
    }

    agw_jw_key(w, "part");
    agw_rsp_put_part(w, ws->block, &text);
    agw_rsp_ev_close(s, ws);

    /* the part again, for the item's done event and the Response */
    if (ws->parts.len > 1 && agw_buf_append(&ws->parts, ",", 1) != 0) {
        ws->failed = 1;
    }

    agw_jw_init(&t, &ws->parts);
    agw_rsp_put_part(&t, ws->block, &text);

    if (t.failed) {
        ws->failed = 1;
    }

    ws->part++;
    ws->block = 0;
    ws->place_len = 0;
}


/*
 * The Responses API repeats the whole answer at its end (each item's
 * .done event, and response.completed): the writer keeps what it sent,
 * and so holds a stream's answer whole.  Bounded as a whole answer is
 * (ai_gateway_max_response_size): past it the client gets the error event
 * instead of an ever larger worker.
 */
static int
agw_rsp_held_too_much(agw_xstream_t *s, agw_rsp_wstate_t *ws)
{
    size_t        max;
    agw_error_t  *err;

    max = agw_rsp_held_max(s);

    if (ws->text.len + ws->parts.len + ws->items.len + ws->call.len <= max) {
        return 0;
    }

    err = agw_stream_error_slot(s);
    if (err != NULL) {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "answer_too_large",
                      "the answer is larger than the gateway holds for a "
                      "Responses client (%zu bytes)", max);
    }

    return 1;
}


/* A step's result: what it wrote held within bound, nothing failed. */
static int
agw_rsp_step_done(agw_xstream_t *s, agw_rsp_wstate_t *ws)
{
    if (agw_rsp_held_too_much(s, ws)) {
        return -1;
    }

    return (ws->failed || s->w.failed) ? -1 : 0;
}


/* A delta of the open block, as JSON, of any length, in any room. */
static __attribute__((noinline)) int
agw_rsp_delta_step(agw_xstream_t *s, agw_rsp_wstate_t *ws,
    const agw_str_t *text)
{
    if (agw_rsp_delta_json(s, ws, text) != 0) {
        ws->fast = 0;
        return -1;
    }

    /* only the text grows while a block is open: the whole check when
     * the text passes what the block started with room for */
    if (ws->text.len > ws->text_max) {
        return agw_rsp_step_done(s, ws);
    }

    return 0;
}


/* The next number after a delta whose text passed the room its block
 * started with: then the whole check of what is held. */
static __attribute__((noinline)) int
agw_rsp_delta_over(agw_xstream_t *s, agw_rsp_wstate_t *ws)
{
    (void) agw_rsp_tail_next(ws);

    return agw_rsp_step_done(s, ws);
}


/*
 * The usual delta (agw_rsp_write_step()): a text of up to
 * AGW_RSP_FAST_TEXT bytes, a template of up to AGW_RSP_HEAD_COPY, the
 * room of the output and of the kept text there already.  Then no call
 * and no test of a length: the template's, the text's and the tail's
 * copies are of constant sizes (the text's two or four overlapping
 * 16-byte moves within its bytes, as agw_jw_copy_short() does),
 * the text kept by the same moves (ws->text is read by its length: no
 * NUL after it).  Anything else takes the general path above.
 */

static AGW_JSON_HOT int
agw_rsp_delta_fast(agw_xstream_t *s, agw_rsp_wstate_t *ws,
    const agw_str_t *text)
{
    char        *o, *t, *k;
    size_t       len;
    agw_buf_t   *b, *kb;
    const char  *p;
    char         a[16], c[16], d[16], e[16];

    p = text->data;
    len = text->len;
    b = s->w.out;
    kb = &ws->text;

    if (len > AGW_RSP_FAST_TEXT || s->w.failed
        || b->cap - b->len <= AGW_RSP_FAST_ROOM
        || kb->cap - kb->len <= AGW_RSP_FAST_TEXT)
    {
        return agw_rsp_delta_step(s, ws, text);
    }

    o = b->data + b->len;
    memcpy(o, ws->delta.data, AGW_RSP_HEAD_COPY);
    t = o + ws->delta.len;
    k = kb->data + kb->len;

    if (len <= 16) {
        agw_jw_copy_short(t, p, len);
        memcpy(t + len, &ws->tail, sizeof(ws->tail));
        memcpy(k, t, 16);               /* the text and the tail's bytes */

    } else if (len <= 32) {
        memcpy(a, p, 16);
        memcpy(e, p + len - 16, 16);
        memcpy(t, a, 16);
        memcpy(t + len - 16, e, 16);
        memcpy(t + len, &ws->tail, sizeof(ws->tail));
        memcpy(k, a, 16);
        memcpy(k + len - 16, e, 16);

    } else {
        memcpy(a, p, 16);
        memcpy(c, p + 16, 16);
        memcpy(d, p + len - 32, 16);
        memcpy(e, p + len - 16, 16);
        memcpy(t, a, 16);
        memcpy(t + 16, c, 16);
        memcpy(t + len - 32, d, 16);
        memcpy(t + len - 16, e, 16);
        memcpy(t + len, &ws->tail, sizeof(ws->tail));
        memcpy(k, a, 16);
        memcpy(k + 16, c, 16);
        memcpy(k + len - 32, d, 16);
        memcpy(k + len - 16, e, 16);
    }

    b->len = (size_t) (t + len - b->data) + ws->tail.len;
    kb->len += len;

    if (kb->len > ws->text_max) {
        return agw_rsp_delta_over(s, ws);
    }

    return agw_rsp_tail_next(ws);
}


/* Every other step, apart so that a delta's step does not pay its
 * registers. */
static int
agw_rsp_step(agw_xstream_t *s, agw_rsp_wstate_t *ws, const agw_step_t *step)
{
    if (ws->ended) {
        return 0;
    }

    switch (step->type) {

    case AGW_STEP_START:
        if (agw_rsp_write_start(s, ws, step) != 0) {
            return -1;
        }
        break;

    case AGW_STEP_BLOCK_START:
        if (agw_rsp_write_start(s, ws, NULL) != 0) {
            return -1;
        }

        if (ws->block != 0) {
            agw_rsp_block_stop(s, ws);
        }

        agw_rsp_block_start(s, ws, step);

        /* a call whose arguments came whole with it */
        if (ws->block == AGW_PART_TOOL_CALL && agw_str_set(&step->part->args)
            && step->part->args.len)
        {
            agw_rsp_delta(s, ws, &step->part->args);
        }
        break;

    case AGW_STEP_DELTA:
        if (ws->skipping && step->index == ws->skip) {
            break;
        }

        if (ws->block != 0) {
            agw_rsp_delta(s, ws, &step->text);
        }
        break;

    case AGW_STEP_BLOCK_STOP:
        if (ws->skipping && step->index == ws->skip) {
            ws->skipping = 0;
            break;
        }

        if (ws->block != 0) {
            agw_rsp_block_stop(s, ws);
        }
        break;

    case AGW_STEP_FINISH:
        ws->finish = step->finish;
        break;

    case AGW_STEP_ERROR:
        return agw_rsp_write_stream_error(s, step->error);

    default:
        /* signatures: no Responses field for another provider's; usage:
         * the driver merges it into s->usage for the end */
        break;
    }

    return agw_rsp_step_done(s, ws);
}


/*
 * Whether a delta may take the template path, known when a step changes
 * it (only the other steps do, and a failed delta): a block open, not
 * one skipped, the stream not ended nor failed, the template within its
 * fixed-size copy.  A delta then tests this flag alone.
 */
static __attribute__((noinline)) int
agw_rsp_other_step(agw_xstream_t *s, agw_rsp_wstate_t *ws,
    const agw_step_t *step)
{
    int  rc;

    rc = agw_rsp_step(s, ws, step);

    ws->fast = rc == 0 && ws->block != 0 && !ws->skipping && !ws->ended
               && !ws->failed && ws->delta.len <= AGW_RSP_HEAD_COPY;

    return rc;
}


int
agw_rsp_write_step(agw_xstream_t *s, const agw_step_t *step)
{
    agw_rsp_wstate_t  *ws = s->wstate;

    if (step->type == AGW_STEP_DELTA && ws->fast
        && step->text.kind == AGW_STR_JSON)
    {
        return agw_rsp_delta_fast(s, ws, &step->text);
    }

    return agw_rsp_other_step(s, ws, step);
}


int
agw_rsp_write_end(agw_xstream_t *s)
{
    agw_rsp_head_t     h;
    agw_rsp_wstate_t  *ws = s->wstate;

    if (ws->ended) {
        return 0;
    }

    if (agw_rsp_write_start(s, ws, NULL) != 0) {
        return -1;
    }

    if (ws->block != 0) {
        agw_rsp_block_stop(s, ws);
    }

    agw_rsp_close_item(s, ws);
    agw_rsp_end_room(s, ws, 0);

    agw_rsp_head(s, ws, &h,
                 (ws->finish == AGW_FINISH_LENGTH
                  || ws->finish == AGW_FINISH_CONTENT_FILTER)
                 ? AGW_RSP_INCOMPLETE : AGW_RSP_COMPLETED);
    h.usage = &s->usage;

    if (h.status == AGW_RSP_INCOMPLETE) {
        agw_rsp_ev(s, "response.incomplete");
    } else {
        agw_rsp_ev(s, "response.completed");
    }

    agw_rsp_ev_response(s, ws, &h);
    agw_rsp_ev_close(s, ws);

    ws->ended = 1;
    ws->fast = 0;

    return (ws->failed || s->w.failed) ? -1 : 0;
}


/*
 * An error mid-stream: the "error" event as the live API sends it (the
 * reference's code, message and param, and the "error" object the SDKs
 * raise on), then response.failed with the output so far, as in the
 * captured stream-error-insufficient-quota.  An error before any step
 * still opens the Response first, as OpenAI does, so that the client
 * reads its message in response.failed (Codex raises on that event);
 * a rewritten stream, whose Response is the provider's, gets the error
 * event alone, as the passthrough sent it.
 */
int
agw_rsp_write_stream_error(agw_xstream_t *s, const agw_error_t *err)
{
    agw_jw_t          *w = &s->w;
    agw_rsp_head_t     h;
    agw_rsp_wstate_t  *ws = s->wstate;

    if (ws->ended) {
        return 0;
    }

    if (!ws->passthrough && agw_rsp_write_start(s, ws, NULL) != 0) {
        return -1;
    }

    /* sequence_number before the nested "error", the order the old
     * translator sent (agw_responses.h) and clients may match on */
    agw_rsp_ev(s, "error");
    agw_rsp_error_members(w, err, 0);
    agw_rsp_ev_seq(s, ws);
    agw_jw_key(w, "error");
    agw_jw_object(w);
    agw_rsp_error_members(w, err, 1);
    agw_jw_object_end(w);
    agw_rsp_ev_end(s);

    if (ws->started) {
        agw_rsp_head(s, ws, &h, AGW_RSP_FAILED);
        h.error = err;
        h.usage = agw_usage_known(&s->usage) ? &s->usage : NULL;

        agw_rsp_ev(s, "response.failed");
        agw_rsp_ev_response(s, ws, &h);
        agw_rsp_ev_close(s, ws);
    }

    ws->ended = 1;
    ws->fast = 0;

    return (ws->failed || s->w.failed) ? -1 : 0;
}


void
agw_rsp_free_write_state(void *state)
{
    agw_rsp_wstate_t  *ws = state;

    agw_buf_free(&ws->delta);
    agw_buf_free(&ws->text);
    agw_buf_free(&ws->call);
    agw_buf_free(&ws->parts);
    agw_buf_free(&ws->items);
}


/* Reading a Responses provider's stream */

/* What one event holds, as far as a reader of it needs. */
typedef struct {
    agw_str_t        type;
    agw_str_t        delta;
    agw_str_t        arguments;
    agw_str_t        item_type;
    agw_str_t        item_call_id;
    agw_str_t        item_name;
    agw_str_t        item_args;
    agw_str_t        part_type;
    agw_response_t  *res;
    agw_error_t      error;         /* an error event's, response.failed's */
} agw_rsp_event_t;


static int
agw_rsp_event_item(agw_jr_t *r, agw_rsp_event_t *e)
{
    int         rc;
    agw_str_t   key, *dst;

    if (agw_jr_object(r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        dst = NULL;

        if (agw_str_is(&key, "type")) {
            dst = &e->item_type;
        } else if (agw_str_is(&key, "call_id")) {
            dst = &e->item_call_id;
        } else if (agw_str_is(&key, "name")) {
            dst = &e->item_name;
        } else if (agw_str_is(&key, "arguments")) {
            dst = &e->item_args;
        }

        if (dst != NULL && agw_jr_peek(r) == AGW_JR_STRING) {
            rc = agw_jr_string(r, dst);
        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return -1;
        }
    }

    return rc;
}


/* The event's data, in one pass; 0, -1 not JSON, -2 out of memory. */
static int
agw_rsp_event_read(agw_xstream_t *s, const agw_sse_event_t *ev,
    agw_rsp_event_t *e)
{
    int         rc;
    agw_jr_t    r;
    agw_str_t   key, code, message;

    memset(e, 0, sizeof(*e));
    code = agw_rsp_unset;
    message = agw_rsp_unset;

    agw_jr_init(&r, ev->data, ev->data_len);

    if (agw_jr_object(&r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (agw_str_is(&key, "type") && agw_jr_peek(&r) == AGW_JR_STRING) {
            rc = agw_jr_string(&r, &e->type);

        } else if (agw_str_is(&key, "delta")
                   && agw_jr_peek(&r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&r, &e->delta);

        } else if (agw_str_is(&key, "arguments")
                   && agw_jr_peek(&r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&r, &e->arguments);

        } else if (agw_str_is(&key, "item")
                   && agw_jr_peek(&r) == AGW_JR_OBJECT)
        {
            rc = agw_rsp_event_item(&r, e);

        } else if (agw_str_is(&key, "part")
                   && agw_jr_peek(&r) == AGW_JR_OBJECT)
        {
            agw_rsp_event_t  part;

            memset(&part, 0, sizeof(part));
            rc = agw_rsp_event_item(&r, &part);
            e->part_type = part.item_type;

        } else if (agw_str_is(&key, "response")
                   && agw_jr_peek(&r) == AGW_JR_OBJECT)
        {
            e->res = agw_arena_calloc(s->arena, sizeof(agw_response_t));
            if (e->res == NULL) {
                return -2;
            }

            e->res->created = -1;
            agw_usage_init(&e->res->usage);

            rc = agw_rsp_read_response_object(&r, s->arena, e->res,
                                              &e->error);
            if (rc == -2) {
                return -2;
            }

        } else if (agw_str_is(&key, "error")
                   && agw_jr_peek(&r) == AGW_JR_OBJECT)
        {
            rc = agw_rsp_read_error_object(&r, &e->error);

        } else if (agw_str_is(&key, "code")
                   && agw_jr_peek(&r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&r, &code);

        } else if (agw_str_is(&key, "message")
                   && agw_jr_peek(&r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&r, &message);

        } else {
            rc = agw_jr_value(&r, NULL);
        }

        if (rc != 0) {
            return -1;
        }
    }

    if (rc < 0 || agw_jr_end(&r) != 0) {
        return -1;
    }

    if (!agw_str_set(&e->type) && ev->event_len) {
        e->type = agw_str_bytes(ev->event, ev->event_len);
    }

    /* the reference's error event: code and message at the top level */
    if (e->error.message[0] == '\0' && agw_str_set(&message)) {
        agw_rsp_error_from(&e->error, &code, NULL, &message);
    }

    return 0;
}


/*
 * The members of OpenAI's delta events, in the order OpenAI writes them,
 * each with its comma and colon: an event that has them so (any of them
 * may be missing) is read member by member by these bytes instead of by
 * the walk's.  Its type and delta are read and validated as the walk
 * reads them; the members the translation drops (the sequence number,
 * item id, indexes, logprobs, obfuscation) are only skipped, strings to
 * their ends and others by their brackets (agw_jr_t.valid), which never
 * reads past the event whatever its bytes (docs/translation-engine.md,
 * "What is validated where").  The usual values are skipped by their
 * kind without the reader's call: digits, a string to its quote, "[]".
 */
enum {
    AGW_RSP_DK_NUMBER = 0,
    AGW_RSP_DK_STRING,
    AGW_RSP_DK_DELTA,
    AGW_RSP_DK_LIST
};

static const struct {
    const char  *key;
    uint8_t      len;
    uint8_t      kind;
} agw_rsp_delta_keys[] = {

#define agw_rsp_key(k, kind)  { ",\"" k "\":", sizeof(k) + 3, kind }

    agw_rsp_key("sequence_number", AGW_RSP_DK_NUMBER),
    agw_rsp_key("item_id", AGW_RSP_DK_STRING),
    agw_rsp_key("output_index", AGW_RSP_DK_NUMBER),
    agw_rsp_key("content_index", AGW_RSP_DK_NUMBER),
    agw_rsp_key("summary_index", AGW_RSP_DK_NUMBER),
    agw_rsp_key("delta", AGW_RSP_DK_DELTA),         /* the one read */
    agw_rsp_key("logprobs", AGW_RSP_DK_LIST),
    agw_rsp_key("obfuscation", AGW_RSP_DK_STRING)

#undef agw_rsp_key
};


/*
 * Whether an event's name is one of the four text deltas': then a type
 * of the same bytes is a JSON string (plain letters, dots and '_') equal
 * to the name, with nothing to read or compare again.
 */
static int
agw_rsp_delta_name(const agw_sse_event_t *ev)
{
    switch (ev->event_len) {
    case 26:
        return memcmp(ev->event, "response.output_text.delta", 26) == 0;
    case 22:
        return memcmp(ev->event, "response.refusal.delta", 22) == 0;
    case 37:
        return memcmp(ev->event, "response.reasoning_summary_text.delta",
                      37) == 0;
    case 38:
        return memcmp(ev->event, "response.function_call_arguments.delta",
                      38) == 0;
    default:
        return 0;
    }
}


/*
 * 0: read so (the event validated whole); 1: not of that shape.  *type
 * is left unset when it is the event's name, found by its bytes.
 */
static int
agw_rsp_delta_shape(const agw_sse_event_t *ev, agw_str_t *type,
    agw_str_t *delta)
{
    int          rc, esc;
    size_t       i, len;
    agw_jr_t     r;
    const char  *p, *end;

    if (ev->data_len < 9 || memcmp(ev->data, "{\"type\":\"", 9) != 0) {
        return 1;
    }

    agw_jr_init(&r, ev->data, ev->data_len);

    if (ev->data_len > ev->event_len + 10 && agw_rsp_delta_name(ev)
        && memcmp(ev->data + 9, ev->event, ev->event_len) == 0
        && ev->data[9 + ev->event_len] == '"')
    {
        r.p += 10 + ev->event_len;

    } else {
        r.p += 8;

        if (agw_jr_string(&r, type) != 0) {
            return 1;
        }
    }

    p = r.p;
    end = r.end;

    for (i = 0; i < sizeof(agw_rsp_delta_keys) / sizeof(agw_rsp_delta_keys[0]);
         i++)
    {
        len = agw_rsp_delta_keys[i].len;

        if ((size_t) (end - p) <= len
            || !agw_json_bytes_eq(p, agw_rsp_delta_keys[i].key, len))
        {
            continue;
        }

        p += len;

        switch (agw_rsp_delta_keys[i].kind) {

        case AGW_RSP_DK_NUMBER:
            if (p < end && (unsigned char) (*p - '0') < 10) {
                do {
                    p++;
                } while (p < end && (unsigned char) (*p - '0') < 10);

                continue;
            }
            break;

        case AGW_RSP_DK_STRING:
            if (*p == '"') {
                esc = 0;
                p = agw_json_string_skip(p, end, &esc);

                if (p == NULL) {
                    return 1;
                }

                continue;
            }
            break;

        case AGW_RSP_DK_LIST:
            if (end - p > 2 && p[0] == '[' && p[1] == ']') {
                p += 2;
                continue;
            }
            break;

        default: /* AGW_RSP_DK_DELTA */
            r.p = p;

            if (*p != '"' || agw_jr_string(&r, delta) != 0) {
                return 1;
            }

            p = r.p;
            continue;
        }

        /* a value of another form: the reader's trusting skip */
        r.p = p;
        r.valid = 1;
        rc = agw_jr_value(&r, NULL);
        r.valid = 0;

        if (rc != 0) {
            return 1;
        }

        p = r.p;
    }

    if (p == end || *p != '}') {
        return 1;
    }

    r.p = p + 1;

    return agw_jr_end(&r) == 0 ? 0 : 1;
}


/*
 * The "delta" of a delta event (text, refusal, summary, arguments), read
 * and validated (an event of another shape validated whole): 0; 1 when
 * the event is another one after all (its "type" says so, or it has no
 * delta); -1 not JSON.
 */
static int
agw_rsp_delta_event(const agw_sse_event_t *ev, agw_str_t *delta)
{
    int        rc;
    agw_jr_t   r;
    agw_str_t  key, type;

    *delta = agw_rsp_unset;
    type = agw_rsp_unset;

    if (agw_rsp_delta_shape(ev, &type, delta) == 0) {
        goto read;
    }

    *delta = agw_rsp_unset;
    type = agw_rsp_unset;

    agw_jr_init(&r, ev->data, ev->data_len);

    if (agw_jr_object(&r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (key.len == 5 && agw_str_is(&key, "delta")
            && agw_jr_peek(&r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&r, delta);

        } else if (key.len == 4 && agw_str_is(&key, "type")
                   && agw_jr_peek(&r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&r, &type);

        } else {
            rc = agw_jr_value(&r, NULL);
        }

        if (rc != 0) {
            return -1;
        }
    }

    if (rc < 0 || agw_jr_end(&r) != 0) {
        return -1;
    }

read:

    if (!agw_str_set(delta)
        || (agw_str_set(&type)
            && !agw_str_eq(&type, ev->event, ev->event_len))
        || (ev->event_len == 29
            && memcmp(ev->event, "response.reasoning_text.delta", 29) == 0))
    {
        return 1;
    }

    return 0;
}


static int
agw_rsp_rstop(agw_xstream_t *s, agw_rsp_rstate_t *rs)
{
    if (!rs->open) {
        return 0;
    }

    rs->open = 0;
    return agw_stream_bare_step(s, AGW_STEP_BLOCK_STOP, rs->index - 1);
}


static int
agw_rsp_rstart(agw_xstream_t *s, agw_rsp_rstate_t *rs, agw_part_type_t type,
    const agw_rsp_event_t *e)
{
    agw_step_t   step;
    agw_part_t  *p;

    if (agw_rsp_rstop(s, rs) != 0) {
        return -1;
    }

    p = agw_arena_calloc(s->arena, sizeof(agw_part_t));
    if (p == NULL) {
        return -1;
    }

    p->type = type;

    if (type == AGW_PART_TOOL_CALL) {
        p->id = e->item_call_id;
        p->name = e->item_name;
        p->args_string = 1;
        rs->tool_calls = 1;
    }

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_BLOCK_START;
    step.index = rs->index++;
    step.part = p;
    step.created = -1;

    rs->open = (uint8_t) type;
    rs->got_delta = 0;

    return agw_stream_step(s, &step);
}


static int
agw_rsp_rdelta(agw_xstream_t *s, agw_rsp_rstate_t *rs, const agw_str_t *text)
{
    if (!rs->open || !agw_str_set(text) || text->len == 0) {
        return 0;
    }

    rs->got_delta = 1;

    return agw_stream_text_step(s, AGW_STEP_DELTA, rs->index - 1, text);
}


static int
agw_rsp_rstarted(agw_xstream_t *s, agw_rsp_rstate_t *rs,
    const agw_response_t *res)
{
    agw_step_t  step;

    if (rs->started) {
        return 0;
    }

    rs->started = 1;

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_START;
    step.created = -1;

    if (res != NULL) {
        step.id = res->id;
        step.model = res->model;
        step.created = res->created;
        step.usage = &res->usage;
    }

    return agw_stream_step(s, &step);
}


/* response.completed, .incomplete: usage, finish, end. */
static int
agw_rsp_rend(agw_xstream_t *s, agw_rsp_rstate_t *rs,
    const agw_response_t *res)
{
    agw_step_t  step;

    if (agw_rsp_rstop(s, rs) != 0 || agw_rsp_rstarted(s, rs, res) != 0) {
        return -1;
    }

    rs->ended = 1;

    memset(&step, 0, sizeof(step));
    step.created = -1;

    if (res != NULL) {
        step.type = AGW_STEP_USAGE;
        step.usage = &res->usage;

        if (agw_stream_step(s, &step) != 0) {
            return -1;
        }

        step.finish = res->finish;
    } else {
        step.finish = AGW_FINISH_STOP;
    }

    if (step.finish == AGW_FINISH_STOP && rs->tool_calls) {
        step.finish = AGW_FINISH_TOOL_CALLS;
    }

    step.type = AGW_STEP_FINISH;
    step.usage = NULL;

    if (agw_stream_step(s, &step) != 0) {
        return -1;
    }

    return agw_stream_bare_step(s, AGW_STEP_END, 0);
}


static int
agw_rsp_rerror(agw_xstream_t *s, agw_rsp_rstate_t *rs, agw_rsp_event_t *e)
{
    agw_step_t  step;

    rs->ended = 1;

    if (e->error.cls == AGW_ERR_NONE) {
        e->error.cls = AGW_ERR_SERVER;
    }

    e->error.status = agw_error_status(e->error.cls);

    if (e->error.message[0] == '\0') {
        agw_error_set(&e->error, e->error.cls, 0, e->error.code,
                      "the responses upstream reported an error mid-stream");
    }

    memset(&step, 0, sizeof(step));
    step.type = AGW_STEP_ERROR;
    step.created = -1;
    step.error = &e->error;

    return agw_stream_step(s, &step);
}


#define agw_rsp_type_is(e, lit)  agw_str_is(&(e)->type, "response." lit)


int
agw_rsp_read_event(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int                rc;
    agw_error_t       *slot;
    agw_rsp_event_t    e;
    agw_rsp_rstate_t  *rs = s->rstate;

    if (rs->ended) {
        return 0;
    }

    /*
     * A delta named in its "event:" line (OpenAI names every event so):
     * nearly every event of a stream, read for its "delta" alone.
     */
    if (ev->event_len > 15 && rs->open
        && memcmp(ev->event + ev->event_len - 6, ".delta", 6) == 0
        && memcmp(ev->event, "response.", 9) == 0)
    {
        rc = agw_rsp_delta_event(ev, &e.delta);

        if (rc == 0) {
            return agw_rsp_rdelta(s, rs, &e.delta);
        }

        if (rc < 0) {
            goto bad;
        }
    }

    rc = agw_rsp_event_read(s, ev, &e);

    if (rc == -2) {
        return -1;
    }

    if (rc != 0) {
    bad:
        slot = agw_stream_error_slot(s);
        if (slot != NULL) {
            agw_error_set(slot, AGW_ERR_BAD_GATEWAY, 0,
                          "invalid_upstream_body", "the responses upstream "
                          "sent an event that is not JSON");
        }
        return -1;
    }

    /* the deltas first: nearly every event is one */
    if (agw_rsp_type_is(&e, "output_text.delta")
        || agw_rsp_type_is(&e, "refusal.delta")
        || agw_rsp_type_is(&e, "reasoning_summary_text.delta")
        || agw_rsp_type_is(&e, "function_call_arguments.delta"))
    {
        return agw_rsp_rdelta(s, rs, &e.delta);
    }

    if (agw_rsp_type_is(&e, "reasoning_text.delta")) {
        if (rs->open != AGW_PART_THINKING
            && agw_rsp_rstart(s, rs, AGW_PART_THINKING, &e) != 0)
        {
            return -1;
        }

        return agw_rsp_rdelta(s, rs, &e.delta);
    }

    if (agw_rsp_type_is(&e, "created") || agw_rsp_type_is(&e, "in_progress")
        || agw_rsp_type_is(&e, "queued"))
    {
        return agw_rsp_rstarted(s, rs, e.res);
    }

    if (agw_rsp_rstarted(s, rs, NULL) != 0) {
        return -1;
    }

    if (agw_rsp_type_is(&e, "output_item.added")) {
        if (!agw_str_is(&e.item_type, "function_call")) {
            return 0;
        }

        if (agw_rsp_rstart(s, rs, AGW_PART_TOOL_CALL, &e) != 0) {
            return -1;
        }

        return agw_rsp_rdelta(s, rs, &e.item_args);
    }

    if (agw_rsp_type_is(&e, "content_part.added")) {
        return agw_rsp_rstart(s, rs, agw_str_is(&e.part_type, "refusal")
                                     ? AGW_PART_REFUSAL : AGW_PART_TEXT, &e);
    }

    if (agw_rsp_type_is(&e, "reasoning_summary_part.added")) {
        return agw_rsp_rstart(s, rs, AGW_PART_THINKING, &e);
    }

    if (agw_rsp_type_is(&e, "content_part.done")
        || agw_rsp_type_is(&e, "reasoning_summary_part.done")
        || agw_rsp_type_is(&e, "reasoning_text.done"))
    {
        return agw_rsp_rstop(s, rs);
    }

    if (agw_rsp_type_is(&e, "function_call_arguments.done")) {
        if (rs->open == AGW_PART_TOOL_CALL && !rs->got_delta) {
            return agw_rsp_rdelta(s, rs, &e.arguments);
        }
        return 0;
    }

    if (agw_rsp_type_is(&e, "output_item.done")) {
        if (rs->open == AGW_PART_TOOL_CALL && !rs->got_delta
            && agw_rsp_rdelta(s, rs, &e.item_args) != 0)
        {
            return -1;
        }

        return agw_rsp_rstop(s, rs);
    }

    if (agw_rsp_type_is(&e, "completed") || agw_rsp_type_is(&e, "incomplete"))
    {
        return agw_rsp_rend(s, rs, e.res);
    }

    if (agw_rsp_type_is(&e, "failed") || agw_str_is(&e.type, "error")) {
        if (agw_rsp_rstop(s, rs) != 0) {
            return -1;
        }

        return agw_rsp_rerror(s, rs, &e);
    }

    /* hosted tools' progress, annotations, audio...: nothing to say */
    return 0;
}


void
agw_rsp_free_read_state(void *state)
{
    (void) state;
}
