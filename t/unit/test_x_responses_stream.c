/*
 * Responses API streams through the engine's codec
 * (translate/responses/rsp_stream.c, rsp_rewrite.c):
 *   - golden: each captured stream read into steps and written again is
 *     the captured stream, event for event (types, sequence numbers,
 *     output and content indexes, deltas, texts, items, usage), but for
 *     what a gateway cannot know (the provider's item ids, obfuscation,
 *     the request's settings echoed in the Response, encrypted content);
 *   - steps as another provider makes them (thinking, text, two tool
 *     calls, redacted thinking) give the Responses sequence with correct
 *     indexes; a max-tokens finish ends with response.incomplete;
 *   - the reader's steps for the captured reasoning + function call;
 *   - the same-dialect rewrite: the model replaced in the lifecycle
 *     events only, usage read, the provider's error recorded.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE               /* memmem */
#endif

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "agw_engine.h"
#include "fixtures.h"
#include "agw_codec.h"
#include "responses/rsp_int.h"
#include "test_x_responses.h"


/* The events of the first stream of a fixture (some hold several). */
static json_t *
first_stream(const char *file)
{
    char    *text;
    size_t   len, i;
    json_t  *all, *first, *ev;

    text = fixture_read(file, &len);
    if (text == NULL) {
        return NULL;
    }

    all = test_events(text, len);
    free(text);

    if (all == NULL) {
        return NULL;
    }

    first = json_array();

    json_array_foreach(all, i, ev) {
        const char  *t = json_string_value(json_object_get(ev, "type"));

        json_array_append(first, ev);

        if (t && (strcmp(t, "response.completed") == 0
                  || strcmp(t, "response.failed") == 0))
        {
            break;
        }
    }

    json_decref(all);
    return first;
}


/* The first stream's bytes again, as SSE with event: lines. */
static int
stream_sse(json_t *events, agw_buf_t *out)
{
    size_t   i;
    char    *d;
    json_t  *ev, *c;

    json_array_foreach(events, i, ev) {
        c = json_deep_copy(ev);
        json_object_del(c, "event");
        d = json_dumps(c, JSON_COMPACT);
        json_decref(c);

        if (d == NULL
            || agw_buf_printf(out, "event: %s\ndata: %s\n\n",
                              json_string_value(json_object_get(ev, "type")),
                              d) != 0)
        {
            free(d);
            return -1;
        }

        free(d);
    }

    return 0;
}


static void
norm_item(json_t *item)
{
    if (json_object_get(item, "id")) {
        json_object_set_new(item, "id", json_string("ID"));
    }

    json_object_del(item, "encrypted_content");
}


static void
norm_error(json_t *e)
{
    json_t  *k;

    if (!json_is_object(e)) {
        return;
    }

    k = json_pack("{s:O?,s:O?}", "code", json_object_get(e, "code"),
                  "message", json_object_get(e, "message"));
    json_object_clear(e);
    json_object_update(e, k);
    json_decref(k);
}


/*
 * What of a stream the gateway reproduces: every member of every event
 * but the provider's ids, obfuscation, encrypted content, and the
 * Response's echo of the request's settings; the error event's type.
 */
static json_t *
normalize(json_t *events, int *names_ok)
{
    size_t       i, j;
    json_t      *out, *ev, *r, *keep, *item;
    const char  *t, *name;

    static const char  *resp_keys[] = {
        "id", "object", "created_at", "status", "model", "output", "usage",
        "error", "incomplete_details"
    };

    out = json_deep_copy(events);
    *names_ok = 1;

    json_array_foreach(out, i, ev) {
        t = json_string_value(json_object_get(ev, "type"));
        name = json_string_value(json_object_get(ev, "event"));

        if (name != NULL && (t == NULL || strcmp(name, t) != 0)) {
            *names_ok = 0;
        }

        json_object_del(ev, "event");
        json_object_del(ev, "obfuscation");

        if (json_object_get(ev, "item_id")) {
            json_object_set_new(ev, "item_id", json_string("ID"));
        }

        norm_item(json_object_get(ev, "item"));

        if (t != NULL && strcmp(t, "error") == 0) {
            json_object_del(ev, "code");
            json_object_del(ev, "message");
            json_object_del(ev, "param");
            norm_error(json_object_get(ev, "error"));
        }

        r = json_object_get(ev, "response");

        if (r != NULL) {
            keep = json_object();

            for (j = 0; j < sizeof(resp_keys) / sizeof(resp_keys[0]); j++) {
                if (json_object_get(r, resp_keys[j])) {
                    json_object_set(keep, resp_keys[j],
                                    json_object_get(r, resp_keys[j]));
                }
            }

            json_array_foreach(json_object_get(keep, "output"), j, item) {
                norm_item(item);
            }

            norm_error(json_object_get(keep, "error"));
            json_object_set_new(ev, "response", keep);
        }
    }

    return out;
}


static void
golden(const char *file, const char *name)
{
    int          names_ok, mine_ok;
    json_t      *want, *got, *nw, *ng, *first;
    const char  *model;
    agw_buf_t    in = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_usage_t  u;
    agw_error_t  err;

    first = first_stream(file);
    model = json_string_value(json_object_get(json_object_get(
                json_array_get(first, 0), "response"), "model"));

    memset(&err, 0, sizeof(err));
    ok(first != NULL && stream_sse(first, &in) == 0
       && test_xs_run(&agw_responses_codec, &agw_responses_codec, 0, model,
                      in.data, in.len, &out, &u, &err)
          == (err.cls != AGW_ERR_NONE ? -1 : 0),
       "%s: read and written through the form", name);

    got = test_events(out.data, out.len);
    want = first;

    ng = got ? normalize(got, &mine_ok) : NULL;
    nw = want ? normalize(want, &names_ok) : NULL;

    ok(ng != NULL && mine_ok, "%s: each event named as its type", name);
    ok(ng != NULL && nw != NULL
       && json_array_size(ng) == json_array_size(nw),
       "%s: as many events as the provider sent (%zu, %zu)", name,
       json_array_size(ng), json_array_size(nw));
    ok(ng != NULL && nw != NULL && test_json_same(ng, nw, name),
       "%s: the same events", name);

    json_decref(got);
    json_decref(want);
    json_decref(ng);
    json_decref(nw);
    agw_buf_free(&in);
    agw_buf_free(&out);
}


/* Steps as an Anthropic provider makes them, to a Responses client. */

typedef struct {
    agw_xstream_t  s;
    agw_buf_t      out;
} wr_t;


static void
wr_init(wr_t *w)
{
    memset(w, 0, sizeof(*w));
    w->s.reader = &agw_responses_codec;
    w->s.writer = &agw_responses_codec;
    w->s.wstate = calloc(1, agw_responses_codec.write_state_size);
    agw_jw_init(&w->s.w, &w->out);
    w->s.opts.model = agw_str_bytes("my-model", 8);
    w->s.opts.created = 1700000000;
    agw_usage_init(&w->s.usage);
}


static void
wr_free(wr_t *w)
{
    agw_responses_codec.free_write_state(w->s.wstate);
    free(w->s.wstate);
    agw_buf_free(&w->out);
}


/* A step, its text (if any) of the kind asked. */
static int
step_kind(wr_t *w, agw_step_type_t type, uint32_t index,
    const agw_part_t *part, const char *text, agw_str_kind_t kind)
{
    agw_step_t  st;

    memset(&st, 0, sizeof(st));
    st.type = type;
    st.index = index;
    st.part = part;
    st.created = -1;

    if (type == AGW_STEP_START) {
        st.id = agw_str_bytes("msg_01XYZ", 9);
        st.created = 1700000001;
    }

    if (text != NULL) {
        st.text = agw_str_bytes(text, strlen(text));
        st.text.kind = kind;
    }

    return agw_stream_step(&w->s, &st);
}


/* A step, its text (if any) JSON, as every provider's reader gives it. */
static int
step(wr_t *w, agw_step_type_t type, uint32_t index, const agw_part_t *part,
    const char *text)
{
    return step_kind(w, type, index, part, text, AGW_STR_JSON);
}


/* Parts as another provider's reader makes them: thinking, text, two
 * calls (toolu_1 "ls", toolu_2 "cat") with no arguments yet. */
static void
wr_parts(agw_part_t *th, agw_part_t *text, agw_part_t *c1, agw_part_t *c2)
{
    memset(th, 0, sizeof(*th));
    memset(text, 0, sizeof(*text));
    memset(c1, 0, sizeof(*c1));
    th->type = AGW_PART_THINKING;
    text->type = AGW_PART_TEXT;
    c1->type = AGW_PART_TOOL_CALL;
    c1->id = agw_str_bytes("toolu_1", 7);
    c1->name = agw_str_bytes("ls", 2);
    *c2 = *c1;
    c2->id = agw_str_bytes("toolu_2", 7);
    c2->name = agw_str_bytes("cat", 3);
}


/*
 * A stream started by a provider's id of 95 bytes, its first block of
 * text open: the delta template is then longer than the bytes a delta
 * copies at once.
 */
static int
start_long_id(wr_t *w, const agw_part_t *text)
{
    agw_step_t  st;

    memset(&st, 0, sizeof(st));
    st.type = AGW_STEP_START;
    st.id = agw_str_bytes("msg_0123456789012345678901234567890123456789"
                          "012345678901234567890123456789012345678901234"
                          "567890", 95);
    st.created = 1700000001;

    return agw_stream_step(&w->s, &st) == 0
           && step(w, AGW_STEP_BLOCK_START, 0, text, NULL) == 0;
}


static json_t *
find(json_t *events, const char *type, size_t nth)
{
    size_t   i;
    json_t  *ev;

    json_array_foreach(events, i, ev) {
        if (strcmp(json_string_value(json_object_get(ev, "type")), type) == 0
            && nth-- == 0)
        {
            return ev;
        }
    }

    return NULL;
}


static int
seq_ok(json_t *events)
{
    size_t   i;
    json_t  *ev;

    json_array_foreach(events, i, ev) {
        if (json_integer_value(json_object_get(ev, "sequence_number"))
            != (json_int_t) i)
        {
            return 0;
        }
    }

    return 1;
}


static void
test_other_provider(void)
{
    wr_t          w;
    size_t        len;
    json_t       *ev, *r, *out, *want;
    agw_part_t    th, red, text, c1, c2;
    agw_usage_t   u;
    agw_step_t    fin;

    wr_parts(&th, &text, &c1, &c2);
    memset(&red, 0, sizeof(red));
    red.type = AGW_PART_REDACTED_THINKING;
    c2.args.data = "{\"f\":\"a\\\"b\"}";       /* {"f":"a\"b"}, whole */
    c2.args.len = (uint32_t) strlen(c2.args.data);
    c2.args.kind = AGW_STR_VALUE;

    wr_init(&w);

    ok(step(&w, AGW_STEP_START, 0, NULL, NULL) == 0
       && step(&w, AGW_STEP_BLOCK_START, 0, &th, NULL) == 0
       && step(&w, AGW_STEP_DELTA, 0, NULL, "Let me \\\"look\\\"") == 0
       && step(&w, AGW_STEP_SIGNATURE, 0, NULL, "c2ln") == 0
       && step(&w, AGW_STEP_BLOCK_STOP, 0, NULL, NULL) == 0
       && step(&w, AGW_STEP_BLOCK_START, 1, &red, NULL) == 0
       && step(&w, AGW_STEP_BLOCK_STOP, 1, NULL, NULL) == 0
       && step(&w, AGW_STEP_BLOCK_START, 2, &text, NULL) == 0
       && step(&w, AGW_STEP_DELTA, 2, NULL, "Two ") == 0
       && step(&w, AGW_STEP_DELTA, 2, NULL, "calls.\\n") == 0
       && step(&w, AGW_STEP_BLOCK_STOP, 2, NULL, NULL) == 0
       && step(&w, AGW_STEP_BLOCK_START, 3, &c1, NULL) == 0
       && step(&w, AGW_STEP_DELTA, 3, NULL, "{\\\"p\\\":") == 0
       && step(&w, AGW_STEP_DELTA, 3, NULL, "\\\".\\\"}") == 0
       && step(&w, AGW_STEP_BLOCK_STOP, 3, NULL, NULL) == 0
       && step(&w, AGW_STEP_BLOCK_START, 4, &c2, NULL) == 0
       && step(&w, AGW_STEP_BLOCK_STOP, 4, NULL, NULL) == 0,
       "steps of thinking, redacted thinking, text, two calls (the second "
       "with its arguments whole): written");

    memset(&fin, 0, sizeof(fin));
    fin.type = AGW_STEP_FINISH;
    fin.finish = AGW_FINISH_TOOL_CALLS;
    agw_stream_step(&w.s, &fin);

    agw_usage_init(&u);
    u.input = 100;
    u.cache_read = 40;
    u.output = 20;
    u.reasoning = 5;
    memset(&fin, 0, sizeof(fin));
    fin.type = AGW_STEP_USAGE;
    fin.usage = &u;
    agw_stream_step(&w.s, &fin);

    ok(agw_responses_codec.write_end(&w.s) == 0, "the end written");

    out = test_events(w.out.data, w.out.len);
    ok(out != NULL && seq_ok(out), "every event JSON, sequence numbers "
       "0, 1, 2...");

    ok(json_array_size(out) == 2 + 6 + 7 + 5 + 4 + 1,
       "the events: lifecycle, reasoning, message, two calls, completed "
       "(%zu)", json_array_size(out));

    ev = find(out, "response.output_item.added", 0);
    ok(ev && json_integer_value(json_object_get(ev, "output_index")) == 0
       && strcmp(json_string_value(json_object_get(json_object_get(ev,
                 "item"), "type")), "reasoning") == 0,
       "thinking is reasoning item 0");

    ev = find(out, "response.reasoning_summary_text.delta", 0);
    ok(ev && strcmp(json_string_value(json_object_get(ev, "delta")),
                    "Let me \"look\"") == 0
       && json_integer_value(json_object_get(ev, "summary_index")) == 0,
       "its text a summary delta, escapes kept");

    ev = find(out, "response.output_text.delta", 1);
    ok(ev && strcmp(json_string_value(json_object_get(ev, "delta")),
                    "calls.\n") == 0
       && json_integer_value(json_object_get(ev, "output_index")) == 1
       && json_integer_value(json_object_get(ev, "content_index")) == 0,
       "redacted thinking takes no index: the text is item 1");

    ev = find(out, "response.output_text.done", 0);
    ok(ev && strcmp(json_string_value(json_object_get(ev, "text")),
                    "Two calls.\n") == 0, "the text whole at its done");

    ev = find(out, "response.function_call_arguments.done", 1);
    ok(ev && json_integer_value(json_object_get(ev, "output_index")) == 3
       && strcmp(json_string_value(json_object_get(ev, "arguments")),
                 "{\"f\":\"a\\\"b\"}") == 0,
       "the second call is item 3, its whole arguments one delta");

    ev = find(out, "response.output_item.done", 2);
    ok(ev && strcmp(json_string_value(json_object_get(json_object_get(ev,
              "item"), "arguments")), "{\"p\":\".\"}") == 0
       && strcmp(json_string_value(json_object_get(json_object_get(ev,
              "item"), "call_id")), "toolu_1") == 0,
       "the first call's item: call_id and whole arguments");

    ev = find(out, "response.completed", 0);
    r = json_object_get(ev, "response");
    ok(r && strcmp(json_string_value(json_object_get(r, "id")),
                   "resp_msg_01XYZ") == 0
       && strcmp(json_string_value(json_object_get(r, "model")), "my-model")
          == 0
       && json_integer_value(json_object_get(r, "created_at"))
          == 1700000001
       && strcmp(json_string_value(json_object_get(r, "status")),
                 "completed") == 0
       && json_array_size(json_object_get(r, "output")) == 4,
       "response.completed: the client's model, four items");

    want = json_loads("{\"input_tokens\":100,\"input_tokens_details\":"
                      "{\"cached_tokens\":40},\"output_tokens\":20,"
                      "\"output_tokens_details\":{\"reasoning_tokens\":5},"
                      "\"total_tokens\":120}", 0, NULL);
    ok(r && test_json_same(json_object_get(r, "usage"), want, "usage"),
       "response.completed: usage");
    json_decref(want);

    /* the Response's output is each item as its output_item.done sent it
     * (the writer takes the item's bytes from that event) */
    for (len = 0; len < 4; len++) {
        ev = find(out, "response.output_item.done", len);
        ok(ev && json_equal(json_object_get(ev, "item"),
                            json_array_get(json_object_get(r, "output"),
                                           len)),
           "response.completed: item %zu as its output_item.done", len);
    }

    json_decref(out);
    wr_free(&w);

    /* max tokens: response.incomplete */
    wr_init(&w);
    step(&w, AGW_STEP_START, 0, NULL, NULL);
    step(&w, AGW_STEP_BLOCK_START, 0, &text, NULL);
    step(&w, AGW_STEP_DELTA, 0, NULL, "cut");
    step(&w, AGW_STEP_BLOCK_STOP, 0, NULL, NULL);
    memset(&fin, 0, sizeof(fin));
    fin.type = AGW_STEP_FINISH;
    fin.finish = AGW_FINISH_LENGTH;
    agw_stream_step(&w.s, &fin);
    agw_responses_codec.write_end(&w.s);

    out = test_events(w.out.data, w.out.len);
    ev = out ? json_array_get(out, json_array_size(out) - 1) : NULL;
    r = json_object_get(ev, "response");
    ok(ev && strcmp(json_string_value(json_object_get(ev, "type")),
                    "response.incomplete") == 0
       && strcmp(json_string_value(json_object_get(r, "status")),
                 "incomplete") == 0
       && strcmp(json_string_value(json_object_get(json_object_get(r,
                 "incomplete_details"), "reason")), "max_output_tokens")
          == 0,
       "a max-tokens finish: response.incomplete, max_output_tokens");

    json_decref(out);
    wr_free(&w);

    /* an error after some text: the error event, then response.failed */
    wr_init(&w);
    step(&w, AGW_STEP_START, 0, NULL, NULL);
    step(&w, AGW_STEP_BLOCK_START, 0, &text, NULL);
    step(&w, AGW_STEP_DELTA, 0, NULL, "partial");
    {
        agw_error_t  e;

        memset(&e, 0, sizeof(e));
        agw_error_set(&e, AGW_ERR_OVERLOADED, 0, "overloaded_error",
                      "Overloaded");
        agw_responses_codec.write_stream_error(&w.s, &e);
    }

    out = test_events(w.out.data, w.out.len);
    ev = find(out, "error", 0);
    ok(ev && strcmp(json_string_value(json_object_get(ev, "code")),
                    "overloaded_error") == 0
       && strcmp(json_string_value(json_object_get(json_object_get(ev,
                 "error"), "message")), "Overloaded") == 0
       && find(out, "response.failed", 0) != NULL && seq_ok(out),
       "an error: the error event and response.failed, in sequence");

    len = w.out.len;
    ok(agw_responses_codec.write_end(&w.s) == 0 && w.out.len == len,
       "nothing written after the error");

    json_decref(out);
    wr_free(&w);

    /* an error before any step: the Response opened, then failed */
    wr_init(&w);
    {
        agw_error_t  e;

        memset(&e, 0, sizeof(e));
        agw_error_set(&e, AGW_ERR_RATE_LIMIT, 0, "rate_limit_error",
                      "slow down");
        agw_responses_codec.write_stream_error(&w.s, &e);
    }

    out = test_events(w.out.data, w.out.len);
    ev = find(out, "response.failed", 0);
    r = json_object_get(ev, "response");
    ok(out && json_array_size(out) == 4 && seq_ok(out)
       && find(out, "response.created", 0) != NULL && find(out, "error", 0)
       && strcmp(json_string_value(json_object_get(json_object_get(r,
                 "error"), "message")), "slow down") == 0,
       "an error before any step: created, in_progress, error, "
       "response.failed with the message");

    json_decref(out);
    wr_free(&w);
}


/* A codec that records the steps it is given, to read a reader by. */

static json_t  *recorded;

static int
rec_step(agw_xstream_t *s, const agw_step_t *st)
{
    json_t  *j;
    char     buf[4096];
    int      n;

    (void) s;

    j = json_pack("{s:i,s:i}", "type", st->type, "index", st->index);

    if (st->type == AGW_STEP_BLOCK_START) {
        json_object_set_new(j, "part", json_integer(st->part->type));

        if (st->part->type == AGW_PART_TOOL_CALL) {
            n = agw_str_decode(&st->part->id, buf, sizeof(buf));
            json_object_set_new(j, "id", json_stringn(buf, n < 0 ? 0 : n));
        }
    }

    if (st->type == AGW_STEP_DELTA) {
        n = agw_str_decode(&st->text, buf, sizeof(buf));
        json_object_set_new(j, "text", json_stringn(buf, n < 0 ? 0 : n));
    }

    if (st->type == AGW_STEP_FINISH) {
        json_object_set_new(j, "finish", json_integer(st->finish));
    }

    json_array_append_new(recorded, j);
    return 0;
}


static int
rec_end(agw_xstream_t *s)
{
    (void) s;
    return 0;
}


static int
rec_error(agw_xstream_t *s, const agw_error_t *err)
{
    (void) s;
    (void) err;
    return 0;
}


static void
test_reader(void)
{
    size_t       i, blocks, starts;
    json_t      *first, *ev;
    agw_buf_t    in = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_usage_t  u;
    agw_error_t  err;
    agw_codec_t  rec;
    char         thinking[1024], args[256];

    rec = agw_responses_codec;
    rec.write_state_size = 8;
    rec.free_write_state = NULL;
    rec.write_step = rec_step;
    rec.write_end = rec_end;
    rec.write_stream_error = rec_error;
    recorded = json_array();

    first = first_stream("openai-responses/"
                         "stream-reasoning-function-call.chunks.sse");
    memset(&err, 0, sizeof(err));

    ok(first && stream_sse(first, &in) == 0
       && test_xs_run(&agw_responses_codec, &rec, 0, "m", in.data, in.len,
                      &out, &u, &err) == 0,
       "reader: the reasoning and function call stream read");

    thinking[0] = args[0] = '\0';
    blocks = starts = 0;

    json_array_foreach(recorded, i, ev) {
        int  t = (int) json_integer_value(json_object_get(ev, "type"));

        if (t == AGW_STEP_BLOCK_START) {
            starts++;
        }

        if (t == AGW_STEP_BLOCK_STOP) {
            blocks++;
        }

        if (t == AGW_STEP_DELTA) {
            strncat(json_integer_value(json_object_get(ev, "index")) == 0
                    ? thinking : args,
                    json_string_value(json_object_get(ev, "text")),
                    json_integer_value(json_object_get(ev, "index")) == 0
                    ? sizeof(thinking) - strlen(thinking) - 1
                    : sizeof(args) - strlen(args) - 1);
        }
    }

    ok(starts == 2 && blocks == 2, "reader: two blocks, each closed");
    ok(strncmp(thinking, "**Calculating step-by-step using calculator**\n\n",
               47) == 0, "reader: the summary is thinking");
    ok(strcmp(args, "{\"a\":12,\"b\":7,\"op\":\"add\"}") == 0,
       "reader: the call's arguments whole");

    ev = json_array_get(recorded, json_array_size(recorded) - 1);
    ok(json_integer_value(json_object_get(ev, "type")) == AGW_STEP_FINISH
       && json_integer_value(json_object_get(ev, "finish"))
          == AGW_FINISH_TOOL_CALLS,
       "reader: the finish is tool calls");
    ok(u.input == 134 && u.output == 28 && u.cache_read == 0
       && u.reasoning == 0, "reader: usage of response.completed");

    json_decref(first);
    json_decref(recorded);
    agw_buf_free(&in);
    agw_buf_free(&out);
}


/*
 * Delta events of OpenAI's member order are read by their bytes, not the
 * walk (rsp_stream.c): a client gets the bytes it gets when the same
 * events are walked (a blank after each brace, which that order has
 * not), and a member after the delta is still validated.
 */
static void
test_delta_shape(void)
{
    int           k;
    char         *text, *p;
    size_t        len, i;
    agw_buf_t     in = AGW_BUF_INIT, out[2], bad = AGW_BUF_INIT;
    agw_usage_t   u;
    agw_error_t   err;

    text = fixture_read("openai-responses/stream-text.chunks.sse", &len);

    for (k = 0; k < 2; k++) {
        agw_buf_reset(&in);
        for (i = 0; text != NULL && i < len; i++) {
            agw_buf_append(&in, &text[i], 1);
            if (k && i >= 6 && memcmp(&text[i - 6], "data: {", 7) == 0) {
                agw_buf_append(&in, " ", 1);
            }
        }

        memset(&err, 0, sizeof(err));
        memset(&out[k], 0, sizeof(agw_buf_t));
        ok(text != NULL
           && test_xs_run(&agw_responses_codec, &agw_anthropic_codec, 0,
                          "m", in.data, in.len, &out[k], &u, &err) == 0
           && err.cls == AGW_ERR_NONE,
           "delta events (%s): read", k ? "walked" : "by their order");
    }

    ok(out[0].len > 0 && out[0].len == out[1].len
       && memcmp(out[0].data, out[1].data, out[0].len) == 0,
       "delta events: the client's bytes of the events walked");

    /* an obfuscation that is no JSON string: refused as when walked */
    p = text != NULL ? strstr(text, "\"obfuscation\":\"") : NULL;
    ok(p != NULL, "delta events: the fixture's deltas are obfuscated");
    if (p != NULL) {
        agw_buf_append(&bad, text, (size_t) (p - text) + 15);
        agw_buf_append_str(&bad, "\\x");
        agw_buf_append(&bad, p + 15, len - (size_t) (p - text) - 15);
        memset(&err, 0, sizeof(err));
        agw_buf_reset(&in);
        ok(test_xs_run(&agw_responses_codec, &agw_anthropic_codec, 0, "m",
                       bad.data, bad.len, &in, &u, &err) != 0
           && strcmp(err.code, "invalid_upstream_body") == 0,
           "delta events: a bad escape after the delta is refused");
    }

    free(text);
    agw_buf_free(&in);
    agw_buf_free(&bad);
    agw_buf_free(&out[0]);
    agw_buf_free(&out[1]);
}


/* Whether an event's data is JSON: *(int *) ud cleared when not. */
static int
test_event_json(void *ud, const agw_sse_event_t *ev)
{
    if (agw_json_valid(ev->data, ev->data_len, NULL) != 0) {
        *(int *) ud = 0;
    }

    return 0;
}


static int
test_xs_all_json(const char *p, size_t len)
{
    int               all;
    agw_sse_parser_t  sse;

    all = 1;
    agw_sse_init(&sse, 0);
    if (agw_sse_feed(&sse, p, len, test_event_json, &all) != 0
        || agw_sse_pending(&sse))
    {
        all = 0;
    }
    agw_sse_free(&sse);

    return all;
}


/* A text message's first events, up to its first delta's data line. */
#define DELTA_PROLOGUE                                                        \
    "event: response.created\n"                                               \
    "data: {\"type\":\"response.created\",\"sequence_number\":0,"             \
    "\"response\":{\"id\":\"resp_1\",\"object\":\"response\","                \
    "\"created_at\":1,\"status\":\"in_progress\",\"model\":\"m\","            \
    "\"output\":[]}}\n\n"                                                     \
    "event: response.output_item.added\n"                                     \
    "data: {\"type\":\"response.output_item.added\",\"sequence_number\":1,"   \
    "\"output_index\":0,\"item\":{\"id\":\"msg_1\",\"type\":\"message\","     \
    "\"status\":\"in_progress\",\"content\":[],\"role\":\"assistant\"}}\n\n"  \
    "event: response.content_part.added\n"                                    \
    "data: {\"type\":\"response.content_part.added\",\"sequence_number\":2,"  \
    "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,"           \
    "\"part\":{\"type\":\"output_text\",\"annotations\":[],"                  \
    "\"text\":\"\"}}\n\n"                                                     \
    "event: response.output_text.delta\n"


/*
 * A delta event of OpenAI's member order: the members the translation
 * drops are only skipped (rsp_stream.c), so one that is not JSON (an item
 * id with a control character, an obfuscation with a bad escape) no
 * longer stops the stream; the delta, passed on, is still validated, and
 * the client gets JSON.
 */
static void
test_delta_trusted(void)
{
    int           k;
    agw_buf_t     in = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_usage_t   u;
    agw_error_t   err;

    static const char  head[] =
        DELTA_PROLOGUE
        "data: {\"type\":\"response.output_text.delta\",\"sequence_number\":3,"
        "\"item_id\":\"msg\x01_1\",\"output_index\":0,\"content_index\":0,";

    static const char  tail[] =
        ",\"logprobs\":[],\"obfuscation\":\"\\x\"}\n\n"
        "event: response.completed\n"
        "data: {\"type\":\"response.completed\",\"sequence_number\":4,"
        "\"response\":{\"id\":\"resp_1\",\"object\":\"response\","
        "\"created_at\":1,\"status\":\"completed\",\"model\":\"m\","
        "\"output\":[{\"id\":\"msg_1\",\"type\":\"message\","
        "\"status\":\"completed\",\"content\":[{\"type\":\"output_text\","
        "\"annotations\":[],\"text\":\"Hi\"}],\"role\":\"assistant\"}],"
        "\"usage\":{\"input_tokens\":1,\"output_tokens\":1,"
        "\"total_tokens\":2}}}\n\n";

    static const char  *deltas[] = {
        "\"delta\":\"Hi \\u00e9\"",
        "\"delta\":\"Hi\x01\"",
    };

    for (k = 0; k < 2; k++) {
        agw_buf_reset(&in);
        agw_buf_reset(&out);
        agw_buf_append_str(&in, head);
        agw_buf_append_str(&in, deltas[k]);
        agw_buf_append_str(&in, tail);
        memset(&err, 0, sizeof(err));

        if (k == 0) {
            ok(test_xs_run(&agw_responses_codec, &agw_anthropic_codec, 0,
                           "m", in.data, in.len, &out, &u, &err) == 0
               && err.cls == AGW_ERR_NONE
               && memmem(out.data, out.len, "\"text\":\"Hi \\u00e9\"", 18)
                  != NULL
               && test_xs_all_json(out.data, out.len),
               "delta events: dropped members skipped, the delta read");

        } else {
            ok(test_xs_run(&agw_responses_codec, &agw_anthropic_codec, 0,
                           "m", in.data, in.len, &out, &u, &err) != 0
               && strcmp(err.code, "invalid_upstream_body") == 0,
               "delta events: a delta that is not JSON still refused");
        }
    }

    agw_buf_free(&in);
    agw_buf_free(&out);
}


/* A stream of one delta event whose members after the type are
 * members and obfuscation; walk: a blank before its brace. */
static int
test_delta_run(const char *members, const char *obf, int walk,
    agw_buf_t *out)
{
    int          rc;
    agw_buf_t    in = AGW_BUF_INIT;
    agw_usage_t  u;
    agw_error_t  err;

    static const char  head[] =
        DELTA_PROLOGUE
        "data: ";

    static const char  tail[] =
        "\"}\n\n"
        "event: response.completed\n"
        "data: {\"type\":\"response.completed\",\"sequence_number\":9,"
        "\"response\":{\"id\":\"resp_1\",\"object\":\"response\","
        "\"created_at\":1,\"status\":\"completed\",\"model\":\"m\","
        "\"output\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":1,"
        "\"total_tokens\":2}}}\n\n";

    agw_buf_append_str(&in, head);
    agw_buf_append_str(&in, walk ? " {\"type\":\"response.output_text.delta\","
                                 : "{\"type\":\"response.output_text.delta\",");
    agw_buf_append_str(&in, members);
    agw_buf_append_str(&in, ",\"obfuscation\":\"");
    agw_buf_append_str(&in, obf);
    agw_buf_append_str(&in, tail);

    memset(&err, 0, sizeof(err));
    rc = test_xs_run(&agw_responses_codec, &agw_anthropic_codec, 0, "m",
                     in.data, in.len, out, &u, &err);
    agw_buf_free(&in);

    return (rc == 0 && err.cls == AGW_ERR_NONE) ? 0 : -1;
}


/*
 * The forms a dropped member's value may take in a delta event of
 * OpenAI's order, each skipped by its kind or by the reader's trusting
 * skip (rsp_stream.c): the client gets the bytes it gets when the events
 * are walked; and an obfuscation with a control byte after them, which
 * the walk refuses, goes through: the event was read by its bytes.  A
 * number of another form ends the bytes' path: walked, and refused.
 */
static void
test_delta_values(void)
{
    int        bytes_path, a, b;
    size_t     i;
    agw_buf_t  out[2];

    static const struct {
        const char  *members;
        int          bytes_path;
    } cases[] = {
        { "\"sequence_number\":3,\"item_id\":\"msg_1\",\"output_index\":0,"
          "\"content_index\":0,\"delta\":\"Hi\",\"logprobs\":[]", 1 },
        { "\"sequence_number\":-3,\"item_id\":\"msg_1\",\"output_index\":12,"
          "\"content_index\":0,\"delta\":\"Hi\",\"logprobs\":[]", 1 },
        { "\"sequence_number\":3,\"item_id\":\"msg_\\\"a\\\\\\\"_0123456789"
          "abcdef0123456789abcdef0123456789\\\\\",\"output_index\":0,"
          "\"content_index\":0,\"delta\":\"Hi \\u00e9\\n\",\"logprobs\":[]",
          1 },
        { "\"sequence_number\":3,\"item_id\":\"\",\"output_index\":0,"
          "\"summary_index\":0,\"delta\":\"Hi\","
          "\"logprobs\":[{\"token\":\"Hi\",\"bytes\":[72,105]}]", 1 },
        { "\"delta\":\"Hi\"", 1 },
        { "\"sequence_number\":3,\"output_index\":0,\"delta\":\"\","
          "\"logprobs\":null", 1 },
        { "\"sequence_number\":3e0,\"item_id\":\"msg_1\",\"delta\":\"Hi\"",
          0 },
        { "\"sequence_number\":3 ,\"item_id\":\"msg_1\",\"delta\":\"Hi\"",
          0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(out, 0, sizeof(out));
        a = test_delta_run(cases[i].members, "xyz", 0, &out[0]);
        b = test_delta_run(cases[i].members, "xyz", 1, &out[1]);

        ok(a == 0 && b == 0 && out[0].len > 0 && out[0].len == out[1].len
           && memcmp(out[0].data, out[1].data, out[0].len) == 0,
           "delta values %zu: the client's bytes of the event walked", i);

        agw_buf_reset(&out[0]);
        agw_buf_reset(&out[1]);
        bytes_path = test_delta_run(cases[i].members, "\x01", 0, &out[0])
                     == 0;
        b = test_delta_run(cases[i].members, "\x01", 1, &out[1]);

        ok(bytes_path == cases[i].bytes_path && b != 0,
           "delta values %zu: %s", i, cases[i].bytes_path
           ? "read by its bytes" : "walked");

        agw_buf_free(&out[0]);
        agw_buf_free(&out[1]);
    }
}


static void
test_rewrite(void)
{
    size_t        i;
    char         *text;
    size_t        len;
    json_t       *in, *out, *ev, *r;
    agw_buf_t     buf = AGW_BUF_INIT;
    agw_usage_t   u;
    agw_error_t   err;
    int           same;

    text = fixture_read("openai-responses/stream-text.chunks.sse", &len);
    memset(&err, 0, sizeof(err));

    ok(text && test_xs_run(&agw_responses_codec, &agw_responses_codec, 1,
                           "my-model", text, len, &buf, &u, &err) == 0
       && err.cls == AGW_ERR_NONE,
       "rewrite: the captured stream passes");

    in = test_events(text, len);
    out = test_events(buf.data, buf.len);

    /* the expected: the provider's events, the lifecycle ones' model
     * the client's */
    json_array_foreach(in, i, ev) {
        r = json_object_get(ev, "response");
        if (r != NULL) {
            json_object_set_new(r, "model", json_string("my-model"));
        }
    }

    same = in && out && test_json_same(out, in, "rewrite");
    ok(same, "rewrite: every event as it came, the model replaced");
    ok(u.input == 444 && u.output == 12, "rewrite: usage read");
    ok(buf.len > 0 && strstr(buf.data, "\"delta\":\"arm\",\"item_id\"")
       != NULL, "rewrite: a delta's bytes unchanged");

    json_decref(in);
    json_decref(out);
    free(text);
    agw_buf_reset(&buf);

    /* the provider's error: recorded, passed, nothing added */
    text = fixture_read("openai-responses/"
                        "stream-error-insufficient-quota.chunks.sse", &len);
    memset(&err, 0, sizeof(err));
    test_xs_run(&agw_responses_codec, &agw_responses_codec, 1, "my-model",
                text, len, &buf, &u, &err);
    out = test_events(buf.data, buf.len);

    ok(err.cls == AGW_ERR_RATE_LIMIT
       && strcmp(err.code, "insufficient_quota") == 0
       && json_array_size(out) == 4,
       "rewrite: the provider's error recorded, its four events passed");

    json_decref(out);
    agw_buf_reset(&buf);

    /* cut before response.completed: the error event, numbered on */
    {
        char  *cut = strstr(text, "event: response.failed");

        if (cut == NULL) {
            cut = strstr(text, "event: error");
        }

        memset(&err, 0, sizeof(err));
        test_xs_run(&agw_responses_codec, &agw_responses_codec, 1,
                    "my-model", text, cut ? (size_t) (cut - text) : 0,
                    &buf, &u, &err);
    }

    free(text);
    text = fixture_read("openai-responses/stream-text.chunks.sse", &len);
    agw_buf_reset(&buf);
    memset(&err, 0, sizeof(err));
    {
        char  *cut = strstr(text, "event: response.completed");

        test_xs_run(&agw_responses_codec, &agw_responses_codec, 1,
                    "my-model", text, cut ? (size_t) (cut - text) : 0,
                    &buf, &u, &err);
    }

    out = test_events(buf.data, buf.len);
    ev = out ? json_array_get(out, json_array_size(out) - 1) : NULL;
    ok(ev && strcmp(json_string_value(json_object_get(ev, "type")), "error")
       == 0 && json_integer_value(json_object_get(ev, "sequence_number"))
               == 15
       && strcmp(json_string_value(json_object_get(ev, "code")),
                 "stream_truncated") == 0,
       "rewrite: a cut stream ends with the error event, sequence 15");
    {
        const char  *e;

        agw_buf_append(&buf, "", 1);
        e = strstr(buf.data, "event: error");

        /* the first translator's order, byte for byte */
        ok(e != NULL && strstr(e, "data: {\"type\":\"error\",\"code\":"
                               "\"stream_truncated\",\"message\":") == strstr(e,
                               "data: ")
           && strstr(e, "\"param\":null,\"sequence_number\":15,"
                        "\"error\":{\"type\":\"server_error\",\"code\":"
                        "\"stream_truncated\",\"message\":") != NULL
           && strstr(e, "\"param\":null}}\n\n") != NULL,
           "rewrite: the error event's members in the old order, "
           "sequence_number before the nested error");
    }

    json_decref(out);
    free(text);
    agw_buf_free(&buf);
}



/*
 * The writer keeps the answer to repeat it at the end; past max_held the
 * client gets the error event, never an ever larger worker.
 */
static int
held_run(size_t max_held, agw_buf_t *out, char *code, size_t code_len)
{
    int                 i, rc;
    agw_buf_t           in = AGW_BUF_INIT;
    agw_xstream_t      *s;
    agw_answer_ctx_t    ctx;
    const agw_error_t  *err;

    agw_buf_append_str(&in, "data: {\"id\":\"c1\",\"object\":"
        "\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
        "\"content\":\"\"},\"finish_reason\":null}]}\n\n");

    for (i = 0; i < 50; i++) {
        agw_buf_append_str(&in, "data: {\"id\":\"c1\",\"object\":"
            "\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
            "\"choices\":[{\"index\":0,\"delta\":{\"content\":"
            "\"twenty characters.. \"},\"finish_reason\":null}]}\n\n");
    }

    agw_buf_append_str(&in, "data: {\"id\":\"c1\",\"object\":"
        "\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
        "\"stop\"}]}\n\ndata: [DONE]\n\n");

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("my-model", 8);
    ctx.created = 1700000000;
    ctx.max_held = max_held;

    s = agw_engine_stream_new_codecs(&agw_openai_codec, &agw_responses_codec,
                                     &ctx, 0);
    (void) agw_engine_stream_feed(s, in.data, in.len, out);
    rc = agw_engine_stream_finish(s, 1, out);

    err = agw_engine_stream_error(s);
    snprintf(code, code_len, "%s", err ? err->code : "");

    agw_engine_stream_free(s);
    agw_buf_free(&in);
    return rc;
}


static void
test_held_bound(void)
{
    int          rc;
    char         code[64];
    size_t       n;
    agw_buf_t    out = AGW_BUF_INIT;
    const char  *p;

    rc = held_run(0, &out, code, sizeof(code));
    ok(rc == 0 && strstr(out.data, "response.completed") != NULL,
       "a 1 KB answer ends cleanly under the default bound");

    out.len = 0;
    rc = held_run(300, &out, code, sizeof(code));
    ok(rc == 1 && strcmp(code, "answer_too_large") == 0
       && strstr(out.data, "event: error") != NULL
       && strstr(out.data, "response.completed") == NULL,
       "past max_held the writer stops: the client gets the error event "
       "(%d, %s)", rc, code);

    /* stopped at the delta that passed the bound, not at the block's end:
     * a block's text alone may grow without end */
    for (n = 0, p = out.data; (p = strstr(p, "event: response.output_text"
                                             ".delta\n")) != NULL; p++)
    {
        n++;
    }

    ok(n > 0 && n <= 300 / 20 + 1, "the deltas that fit and the one past "
       "the bound (%zu of 50)", n);

    agw_buf_free(&out);
}

/*
 * The delta's sequence number is counted up in its tail's digits: across
 * every carry (9, 99, 999), after other events numbered between two
 * deltas' blocks, and for a text that is not yet JSON (the writer's own
 * path) each delta is numbered as every other event, its delta intact.
 */
static void
test_delta_numbers(void)
{
    static const char  *texts[] = {
        "", "a", "ab", "abc", "abcd", "abcdefg", "abcdefgh",
        "0123456789abcdef", "0123456789abcdefg",
        "a longer delta of text, past any short copy \\\\ \\u00e9"
    };

    int          fine;
    char         want[16];
    size_t       i, n;
    wr_t         w;
    json_t      *out, *ev;
    agw_step_t   st;
    agw_part_t   th, text;
    const char  *type, *d;

    memset(&th, 0, sizeof(th));
    memset(&text, 0, sizeof(text));
    th.type = AGW_PART_THINKING;
    text.type = AGW_PART_TEXT;

    wr_init(&w);

    fine = step(&w, AGW_STEP_START, 0, NULL, NULL) == 0
           && step(&w, AGW_STEP_BLOCK_START, 0, &th, NULL) == 0;

    for (i = 0; fine && i < 7; i++) {
        snprintf(want, sizeof(want), "t%zu", i);
        fine = step(&w, AGW_STEP_DELTA, 0, NULL, want) == 0;
    }

    fine = fine && step(&w, AGW_STEP_BLOCK_STOP, 0, NULL, NULL) == 0
           && step(&w, AGW_STEP_BLOCK_START, 1, &text, NULL) == 0;

    for (i = 0; fine && i < 1100; i++) {
        snprintf(want, sizeof(want), "d%zu", i);

        if (i == 500) {
            /* bytes to escape: the writer's own path */
            memset(&st, 0, sizeof(st));
            st.type = AGW_STEP_DELTA;
            st.index = 1;
            st.text = agw_str_bytes("\"q\"", 3);
            fine = agw_stream_step(&w.s, &st) == 0;
            continue;
        }

        fine = step(&w, AGW_STEP_DELTA, 1, NULL, want) == 0;
    }

    ok(fine && step(&w, AGW_STEP_BLOCK_STOP, 1, NULL, NULL) == 0
       && agw_responses_codec.write_end(&w.s) == 0,
       "a reasoning block of 7 deltas, a text block of 1100: written");

    out = test_events(w.out.data, w.out.len);
    ok(out != NULL && seq_ok(out), "every event JSON, sequence numbers "
       "0, 1, 2... across each carry (%zu events)",
       out ? json_array_size(out) : 0);

    fine = out != NULL;
    n = 0;

    json_array_foreach(out, i, ev) {
        type = json_string_value(json_object_get(ev, "type"));
        d = json_string_value(json_object_get(ev, "delta"));

        if (strcmp(type, "response.output_text.delta") != 0) {
            continue;
        }

        if (n == 500) {
            snprintf(want, sizeof(want), "\"q\"");
        } else {
            snprintf(want, sizeof(want), "d%zu", n);
        }

        if (d == NULL || strcmp(d, want) != 0
            || json_object_size(ev) != 8
            || json_integer_value(json_object_get(ev, "output_index")) != 1
            || !json_is_array(json_object_get(ev, "logprobs")))
        {
            fine = 0;
        }

        n++;
    }

    ok(fine && n == 1100, "each text delta whole, in its event's members "
       "(%zu)", n);

    ok(memmem(w.out.data, w.out.len, "\"sequence_number\":1000}\n\n", 25)
       != NULL && memmem(w.out.data, w.out.len, "\"sequence_number\":100}\n\n",
                         24) != NULL,
       "a delta's number past a carry ends its event");

    json_decref(out);
    wr_free(&w);

    /* a provider's id of 95 bytes: a template past the bytes a delta
     * copies at once, texts shorter and longer than 16 bytes */
    wr_init(&w);
    fine = start_long_id(&w, &text);

    for (i = 0; fine && i < sizeof(texts) / sizeof(texts[0]); i++) {
        fine = step(&w, AGW_STEP_DELTA, 0, NULL, texts[i]) == 0;
    }

    ok(fine && step(&w, AGW_STEP_BLOCK_STOP, 0, NULL, NULL) == 0
       && agw_responses_codec.write_end(&w.s) == 0
       && w.s.wstate != NULL
       && ((agw_rsp_wstate_t *) w.s.wstate)->delta.len > 192,
       "a long item id's deltas: written");

    out = test_events(w.out.data, w.out.len);
    fine = out != NULL && seq_ok(out);
    n = 0;

    json_array_foreach(out, i, ev) {
        type = json_string_value(json_object_get(ev, "type"));

        if (strcmp(type, "response.output_text.delta") != 0) {
            continue;
        }

        if (n >= sizeof(texts) / sizeof(texts[0])
            || !json_is_string(json_object_get(ev, "delta"))
            || json_object_size(ev) != 8
            || strlen(json_string_value(json_object_get(ev, "item_id")))
               != 4 + 95 + 2)
        {
            fine = 0;

        } else {
            json_t  *want_s;
            char     buf[128];

            snprintf(buf, sizeof(buf), "\"%s\"", texts[n]);
            want_s = json_loads(buf, JSON_DECODE_ANY, NULL);

            if (!json_equal(want_s, json_object_get(ev, "delta"))) {
                fine = 0;
            }

            json_decref(want_s);
        }

        n++;
    }

    ev = find(out, "response.output_text.done", 0);
    d = ev ? json_string_value(json_object_get(ev, "text")) : NULL;

    ok(fine && n == sizeof(texts) / sizeof(texts[0]) && d != NULL
       && strcmp(d, "aababcabcdabcdefgabcdefgh0123456789abcdef"
                    "0123456789abcdefga longer delta of text, past any "
                    "short copy \\ \xc3\xa9") == 0,
       "each delta whole, the text whole at its end (%zu)", n);

    json_decref(out);
    wr_free(&w);

    /* a template past the bytes copied at once, into an output with
     * exactly the room a short template's delta needs: the output grows
     * for the long one (ASan finds a write past it) */
    wr_init(&w);
    fine = start_long_id(&w, &text);

    agw_buf_free(&w.out);
    w.out.cap = 192 + 1 + sizeof(((agw_rsp_wstate_t *) 0)->tail) + 1;
    w.out.data = malloc(w.out.cap);

    ok(fine && w.out.data != NULL
       && step(&w, AGW_STEP_DELTA, 0, NULL, "a") == 0
       && w.out.len > 192 + 1
       && memmem(w.out.data, w.out.len, "\"delta\":\"a\",", 12) != NULL,
       "a long template's delta into an output just short of it");

    wr_free(&w);

    /* a number past the tail's room (10^16 events) fails the stream
     * rather than be written past it */
    wr_init(&w);
    fine = step(&w, AGW_STEP_START, 0, NULL, NULL) == 0;
    ((agw_rsp_wstate_t *) w.s.wstate)->seq = 9999999999999995ULL;

    /* the item's and the part's added events, then three deltas */
    ok(fine && step(&w, AGW_STEP_BLOCK_START, 0, &text, NULL) == 0
       && step(&w, AGW_STEP_DELTA, 0, NULL, "a") == 0
       && step(&w, AGW_STEP_DELTA, 0, NULL, "b") == 0
       && step(&w, AGW_STEP_DELTA, 0, NULL, "c") == 0
       && memmem(w.out.data, w.out.len, "\"delta\":\"c\",\"logprobs\":[],"
                 "\"sequence_number\":9999999999999999}\n\n", 63) != NULL
       && step(&w, AGW_STEP_DELTA, 0, NULL, "d") == -1
       && memmem(w.out.data, w.out.len, "\"delta\":\"d\"", 11) == NULL,
       "sequence numbers to 10^16 - 1, then the stream fails");

    wr_free(&w);
}


/*
 * Blocks one after another as providers make them: two parts of one
 * message, two calls, a text after them (a second message), two summary
 * parts, a third message, a call with its arguments whole; texts of every
 * length the delta's copies tell apart.  Written with the texts as JSON
 * (the template path) and as bytes to escape (the general path), and
 * read back.
 */
static const char *
templates_run(wr_t *w, agw_str_kind_t kind)
{
    size_t       i, b;
    agw_part_t   text, th, c1, c2, c3;
    static const char  *texts[] = {
        "a", "0123456789abcdef", "0123456789abcdef0",
        "0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef0",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        "0 past the fast path and its room, a text of a hundred bytes or so"
    };
    static const struct {
        agw_part_t  *part;
        size_t       deltas;
    } blocks[] = {
        { NULL, 7 }, { NULL, 2 }, { NULL, 3 }, { NULL, 4 }, { NULL, 5 },
        { NULL, 2 }, { NULL, 3 }, { NULL, 6 }, { NULL, 0 }
    };
    agw_part_t  *parts[9];

    wr_parts(&th, &text, &c1, &c2);
    c3 = c1;
    c3.id = agw_str_bytes("toolu_3", 7);
    c3.args = agw_str_bytes("{p:1}", 5);
    c3.args.kind = kind;

    parts[0] = &text;
    parts[1] = &text;
    parts[2] = &c1;
    parts[3] = &c2;
    parts[4] = &text;
    parts[5] = &th;
    parts[6] = &th;
    parts[7] = &text;
    parts[8] = &c3;

    if (step(w, AGW_STEP_START, 0, NULL, NULL) != 0) {
        return "start";
    }

    for (b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
        if (step(w, AGW_STEP_BLOCK_START, (uint32_t) b, parts[b], NULL)
            != 0)
        {
            return "block start";
        }

        for (i = 0; i < blocks[b].deltas; i++) {
            if (step_kind(w, AGW_STEP_DELTA, (uint32_t) b, NULL,
                          texts[(b + i) % 7], kind)
                != 0)
            {
                return "delta";
            }
        }

        if (step(w, AGW_STEP_BLOCK_STOP, (uint32_t) b, NULL, NULL) != 0) {
            return "block stop";
        }
    }

    return agw_responses_codec.write_end(&w->s) == 0 ? NULL : "end";
}


/*
 * An event of the open block: its item's id and index as its
 * output_item.added said, its part's index as counted (a key missing
 * when the event has none), its delta appended to what the block sent.
 */
static int
templates_place(json_t *ev, const char *id, json_int_t output,
    const char *index_key, json_int_t part)
{
    json_t  *v;

    if (strcmp(json_string_value(json_object_get(ev, "item_id")), id) != 0
        || json_integer_value(json_object_get(ev, "output_index")) != output)
    {
        return 0;
    }

    v = json_object_get(ev, "content_index");
    if ((v != NULL) != (index_key != NULL
                        && strcmp(index_key, "content_index") == 0))
    {
        return 0;
    }

    v = json_object_get(ev, "summary_index");
    if ((v != NULL) != (index_key != NULL
                        && strcmp(index_key, "summary_index") == 0))
    {
        return 0;
    }

    return index_key == NULL
           || json_integer_value(json_object_get(ev, index_key)) == part;
}


static void
test_templates(void)
{
    wr_t         w, g;
    size_t       i, n, wrong;
    json_t      *out, *ev, *item;
    agw_buf_t    sent = AGW_BUF_INIT;
    json_int_t   output, part;
    const char  *t, *id, *key, *err, *done;

    wr_init(&w);
    wr_init(&g);

    err = templates_run(&w, AGW_STR_JSON);
    ok(err == NULL, "blocks of every kind after one another: written "
       "(%s)", err ? err : "all");

    /* the template's copy of 192 bytes reads only bytes written: past a
     * shorter template, zeros (ASan's allocator fills new memory with
     * 0xbe: a byte left unwritten shows) */
    {
        wr_t               z;
        size_t             k, past;
        agw_part_t         th, text, c1, c2;
        agw_rsp_wstate_t  *ws;

        wr_init(&z);
        wr_parts(&th, &text, &c1, &c2);
        ws = z.s.wstate;
        past = 0;

        if (step(&z, AGW_STEP_START, 0, NULL, NULL) == 0
            && step(&z, AGW_STEP_BLOCK_START, 0, &c1, NULL) == 0
            && step(&z, AGW_STEP_BLOCK_STOP, 0, NULL, NULL) == 0
            && step(&z, AGW_STEP_BLOCK_START, 1, &text, NULL) == 0
            && ws->delta.len < 192 && ws->delta.cap > 192)
        {
            for (k = ws->delta.len; k < 192; k++) {
                past += ws->delta.data[k] != '\0';
            }

        } else {
            past = 1;
        }

        ok(past == 0, "a template's bytes past it to the 192 copied: "
           "written, zeros (%zu not)", past);

        wr_free(&z);
    }

    err = templates_run(&g, AGW_STR_BYTES);
    ok(err == NULL && g.out.len == w.out.len
       && memcmp(g.out.data, w.out.data, w.out.len) == 0,
       "the deltas' template path writes the general path's bytes (%zu, "
       "%zu)", w.out.len, g.out.len);

    out = test_events(w.out.data, w.out.len);
    ok(out != NULL && seq_ok(out), "every event JSON, numbered in order");

    output = -1;
    part = -1;
    id = "";
    key = NULL;
    wrong = 0;
    n = 0;

    json_array_foreach(out, i, ev) {
        t = json_string_value(json_object_get(ev, "type"));

        if (strcmp(t, "response.output_item.added") == 0) {
            item = json_object_get(ev, "item");
            id = json_string_value(json_object_get(item, "id"));
            output++;
            part = -1;
            key = strcmp(json_string_value(json_object_get(item, "type")),
                         "function_call") == 0 ? NULL
                  : strcmp(json_string_value(json_object_get(item, "type")),
                           "reasoning") == 0 ? "summary_index"
                  : "content_index";

            if (json_integer_value(json_object_get(ev, "output_index"))
                != output)
            {
                wrong++;
            }

            sent.len = 0;
            continue;
        }

        if (strcmp(t, "response.content_part.added") == 0
            || strcmp(t, "response.reasoning_summary_part.added") == 0)
        {
            part++;
            sent.len = 0;
        }

        if (strcmp(t, "response.output_text.delta") == 0
            || strcmp(t, "response.reasoning_summary_text.delta") == 0
            || strcmp(t, "response.function_call_arguments.delta") == 0)
        {
            n++;
            agw_buf_append_str(&sent, json_string_value(
                                   json_object_get(ev, "delta")));
        }

        /* every event of a block, its deltas and its end */
        if (strstr(t, "_part.") != NULL || strstr(t, ".delta") != NULL
            || strstr(t, "_text.done") != NULL
            || strcmp(t, "response.function_call_arguments.done") == 0)
        {
            if (!templates_place(ev, id, output, key, part)) {
                tap_diag("%s (%zu) not of item %s, %lld, part %lld", t, i,
                         id, (long long) output, (long long) part);
                wrong++;
            }
        }

        done = strcmp(t, "response.function_call_arguments.done") == 0
               ? "arguments"
               : strstr(t, "_text.done") != NULL ? "text" : NULL;

        if (done != NULL
            && (sent.data == NULL
                || strcmp(json_string_value(json_object_get(ev, done)),
                          sent.data) != 0))
        {
            tap_diag("%s (%zu): not the text its deltas sent", t, i);
            wrong++;
        }
    }

    ok(out != NULL && wrong == 0 && n == 33 && output == 6,
       "each block's events of its own item and part, each text whole at "
       "its end (%zu deltas, %lld items, %zu wrong)", n,
       (long long) output + 1, wrong);

    json_decref(out);
    agw_buf_free(&sent);
    wr_free(&w);
    wr_free(&g);
}


int
main(void)
{
    golden("openai-responses/stream-text.chunks.sse", "stream-text");
    golden("openai-responses/stream-reasoning-function-call.chunks.sse",
           "stream-reasoning-function-call");
    golden("openai-responses/stream-error-insufficient-quota.chunks.sse",
           "stream-error-insufficient-quota");
    test_other_provider();
    test_held_bound();
    test_delta_numbers();
    test_templates();
    test_reader();
    test_delta_shape();
    test_delta_trusted();
    test_delta_values();
    test_rewrite();

    return done_testing();
}
