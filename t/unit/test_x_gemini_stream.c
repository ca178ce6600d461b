/*
 * The engine's Gemini codec, streams: a Gemini provider's events read
 * into steps (well-formed: one block open at a time, a function call a
 * whole tool call block), adding up to what an OpenAI client of the
 * same stream gets, on every stream fixture; the steps written as a Gemini client's chunks (text templated,
 * tool calls whole, finish and usage last); the writer's bounds.
 */

#include "x_gemini.h"
#include "gemini/gem_int.h"
#include "agw_engine.h"


/* The steps as they reached the writer. */

typedef struct {
    agw_step_type_t  type;
    uint32_t         index;
    int              part;          /* BLOCK_START: the part's type */
    agw_finish_t     finish;
    char            *text;          /* DELTA, SIGNATURE: the characters;
                                       BLOCK_START of a call: its name */
    char            *id;
} xs_rec_t;

static xs_rec_t  xs_recs[4096];
static int       xs_n;


static int
xs_record(agw_xstream_t *s, const agw_step_t *step)
{
    xs_rec_t  *r;

    if (xs_n < (int) (sizeof(xs_recs) / sizeof(xs_recs[0]))) {
        r = &xs_recs[xs_n++];
        memset(r, 0, sizeof(*r));
        r->type = step->type;
        r->index = step->index;
        r->finish = step->finish;
        if (step->type == AGW_STEP_DELTA || step->type == AGW_STEP_SIGNATURE)
        {
            r->text = xg_chars(&step->text);
        }
        if (step->type == AGW_STEP_BLOCK_START) {
            r->part = step->part->type;
            if (step->part->type == AGW_PART_TOOL_CALL) {
                r->text = xg_chars(&step->part->name);
                r->id = xg_chars(&step->part->id);
            }
        }
    }

    return agw_gemini_codec.write_step(s, step);
}


static void
xs_forget(void)
{
    int  i;

    for (i = 0; i < xs_n; i++) {
        free(xs_recs[i].text);
        free(xs_recs[i].id);
    }
    xs_n = 0;
}


static agw_codec_t  xs_recorder;


/* A Gemini client's stream of a Gemini provider's events, steps recorded;
 * provider is the dialect the writer is told the provider speaks. */
typedef xg_stream_t  xs_t;


static void
xs_open(xs_t *x, agw_dialect_t provider)
{
    xs_recorder = agw_gemini_codec;
    xs_recorder.write_step = xs_record;
    xg_stream_open(x, &agw_gemini_codec, &xs_recorder, provider,
                   "my-model");
}


/*
 * The steps are well-formed: blocks numbered from 0 in order, one open at
 * a time, deltas and signatures only inside the open block, every block
 * stopped before the finish.
 */
static void
check_well_formed(const char *name)
{
    int       i, open, next, good;
    uint32_t  at;

    open = 0;
    next = 0;
    at = 0;
    good = 1;

    for (i = 0; i < xs_n && good; i++) {
        switch (xs_recs[i].type) {
        case AGW_STEP_BLOCK_START:
            good = !open && xs_recs[i].index == (uint32_t) next;
            open = 1;
            at = xs_recs[i].index;
            next++;
            break;
        case AGW_STEP_DELTA:
        case AGW_STEP_SIGNATURE:
            good = open && xs_recs[i].index == at;
            break;
        case AGW_STEP_BLOCK_STOP:
            good = open && xs_recs[i].index == at;
            open = 0;
            break;
        case AGW_STEP_FINISH:
            good = !open;
            break;
        default:
            break;
        }
    }

    if (!ok(good, "%s: steps well-formed", name)) {
        tap_diag("step %d (type %d index %u) out of place", i - 1,
                 xs_recs[i - 1].type, xs_recs[i - 1].index);
    }
}


/* What a client makes of a stream: text, thoughts, calls, finish, usage. */
typedef struct {
    agw_buf_t   text;
    agw_buf_t   thoughts;
    json_t     *calls;          /* [{name, args}] */
    char        finish[32];
    agw_usage_t usage;
} xs_sum_t;


static void
xs_sum_init(xs_sum_t *m)
{
    memset(m, 0, sizeof(*m));
    m->calls = json_array();
    agw_usage_init(&m->usage);
}


static void
xs_sum_free(xs_sum_t *m)
{
    agw_buf_free(&m->text);
    agw_buf_free(&m->thoughts);
    json_decref(m->calls);
}


/* An OpenAI client's chunks summed up: each call's name, and its
 * arguments joined from its chunks (by index), parsed. */
static void
xs_sum_openai(const agw_buf_t *out, xs_sum_t *m)
{
    int          i;
    size_t       k;
    json_t      *c, *d, *tc, *fn, *slot, *v, *args;
    agw_buf_t    joined = AGW_BUF_INIT;
    events_t     e;
    const char  *f;

    if (events_parse(out->data, out->len, &e) != 0) {
        return;
    }

    for (i = 0; i < e.n; i++) {
        c = json_loads(e.data[i], 0, NULL);
        if (c == NULL) {
            continue;
        }
        d = json_object_get(json_array_get(json_object_get(c, "choices"), 0),
                            "delta");
        v = json_object_get(d, "content");
        if (json_is_string(v)) {
            agw_buf_append_str(&m->text, json_string_value(v));
        }
        v = json_object_get(d, "reasoning_content");
        if (json_is_string(v)) {
            agw_buf_append_str(&m->thoughts, json_string_value(v));
        }
        json_array_foreach(json_object_get(d, "tool_calls"), k, tc) {
            fn = json_object_get(tc, "function");
            slot = json_array_get(m->calls, (size_t) json_integer_value(
                                      json_object_get(tc, "index")));
            if (slot == NULL) {
                slot = json_pack("{s:O, s:s}", "name",
                                 json_object_get(fn, "name"), "args", "");
                json_array_append_new(m->calls, slot);
            }
            joined.len = 0;
            agw_buf_append_str(&joined, json_string_value(
                                   json_object_get(slot, "args")));
            agw_buf_append_str(&joined, json_string_value(
                                   json_object_get(fn, "arguments")));
            agw_buf_append(&joined, "", 1);
            json_object_set_new(slot, "args", json_string(joined.data));
        }
        f = json_string_value(json_object_get(
                json_array_get(json_object_get(c, "choices"), 0),
                "finish_reason"));
        if (f != NULL) {
            snprintf(m->finish, sizeof(m->finish), "%s", f);
        }
        json_decref(c);
    }

    json_array_foreach(m->calls, k, slot) {
        args = json_loads(json_string_value(json_object_get(slot, "args")),
                          0, NULL);
        json_object_set_new(slot, "args", args ? args : json_null());
    }

    events_free(&e);
    agw_buf_free(&joined);
}


/* The recorded steps summed up. */
static void
xs_sum_steps(const agw_usage_t *usage, xs_sum_t *m)
{
    int      i, thinking;
    json_t  *call;

    thinking = 0;
    call = NULL;

    for (i = 0; i < xs_n; i++) {
        switch (xs_recs[i].type) {
        case AGW_STEP_BLOCK_START:
            thinking = xs_recs[i].part == AGW_PART_THINKING;
            if (xs_recs[i].part == AGW_PART_TOOL_CALL) {
                call = json_pack("{s:s}", "name", xs_recs[i].text);
                json_array_append_new(m->calls, call);
            } else {
                call = NULL;
            }
            break;
        case AGW_STEP_DELTA:
            if (call != NULL) {
                json_object_set_new(call, "args",
                                    json_loads(xs_recs[i].text, 0, NULL));
            } else {
                agw_buf_append_str(thinking ? &m->thoughts : &m->text,
                                   xs_recs[i].text);
            }
            break;
        case AGW_STEP_FINISH:
            if (m->finish[0] == '\0') {
                snprintf(m->finish, sizeof(m->finish), "%s",
                         xg_finish_openai(xs_recs[i].finish));
            }
            break;
        default:
            break;
        }
    }

    m->usage = *usage;
}


/* A Gemini client's chunks summed up; checks each is a whole chunk. */
static int
xs_sum_gemini(const agw_buf_t *out, xs_sum_t *m, json_t **last)
{
    int          i, good;
    size_t       k;
    json_t      *c, *cand, *p, *fc, *u;
    events_t     e;
    const char  *f;

    *last = NULL;
    if (events_parse(out->data, out->len, &e) != 0) {
        return 0;
    }

    good = 1;

    for (i = 0; i < e.n; i++) {
        c = json_loads(e.data[i], 0, NULL);
        if (c == NULL) {
            tap_diag("not JSON: %s", e.data[i]);
            good = 0;
            continue;
        }
        cand = json_array_get(json_object_get(c, "candidates"), 0);
        json_array_foreach(json_object_get(json_object_get(cand, "content"),
                                           "parts"), k, p)
        {
            fc = json_object_get(p, "functionCall");
            if (fc != NULL) {
                json_array_append_new(m->calls,
                    json_pack("{s:O, s:O}", "name",
                              json_object_get(fc, "name"),
                              "args", json_object_get(fc, "args")));
            } else if (json_is_true(json_object_get(p, "thought"))) {
                agw_buf_append_str(&m->thoughts, json_string_value(
                                       json_object_get(p, "text")));
            } else if (json_is_string(json_object_get(p, "text"))) {
                agw_buf_append_str(&m->text, json_string_value(
                                       json_object_get(p, "text")));
            }
        }
        f = json_string_value(json_object_get(cand, "finishReason"));
        if (f != NULL) {
            snprintf(m->finish, sizeof(m->finish), "%s", f);
        }
        u = json_object_get(c, "usageMetadata");
        if (u != NULL) {
            m->usage.input = json_integer_value(json_object_get(u,
                                                   "promptTokenCount"));
            m->usage.output = json_integer_value(json_object_get(u,
                                                   "candidatesTokenCount"))
                              + json_integer_value(json_object_get(u,
                                                   "thoughtsTokenCount"));
        }
        if (i == e.n - 1) {
            *last = c;
        } else {
            json_decref(c);
        }
    }

    events_free(&e);
    return good;
}


static int
xs_buf_eq(const agw_buf_t *a, const agw_buf_t *b)
{
    return a->len == b->len && (a->len == 0
                                || memcmp(a->data, b->data, a->len) == 0);
}


/*
 * The same stream through the engine to an OpenAI client (usage asked
 * for): what the reader's steps must add up to, written by another
 * dialect's writer.
 */
static void
xs_engine_openai(const agw_buf_t *wire, agw_buf_t *out, agw_usage_t *usage)
{
    agw_xstream_t     *s;
    agw_answer_ctx_t   ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = (agw_str_t) agw_str_lit("my-model");
    ctx.include_usage = 1;
    ctx.provider = GEM;
    agw_usage_init(usage);

    s = agw_engine_stream_new(GEM, OAI, &ctx, 0);
    if (s == NULL) {
        return;
    }

    (void) agw_engine_stream_feed(s, wire->data, wire->len, out);
    (void) agw_engine_stream_finish(s, 1, out);
    *usage = *agw_engine_stream_usage(s);
    agw_engine_stream_free(s);
}


static void
check_fixture(const char *fixture, const char *gemini_finish)
{
    xs_t                x;
    json_t             *last;
    xs_sum_t            old, steps, client;
    agw_buf_t           wire = AGW_BUF_INIT, oout = AGW_BUF_INIT;
    agw_usage_t         usage;

    if (!ok(gm_fixture_wire(fixture, &wire) == 0, "%s read", fixture)) {
        return;
    }

    xs_sum_init(&old);
    xs_sum_init(&steps);
    xs_sum_init(&client);

    xs_engine_openai(&wire, &oout, &usage);
    xs_sum_openai(&oout, &old);
    old.usage = usage;

    xs_open(&x, AGW_DIALECT_GEMINI);
    xg_stream_feed(&x, wire.data, wire.len);
    ok(x.rc == 0 && x.s.provider_done, "%s: read, and the provider is done",
       fixture);
    check_well_formed(fixture);
    xs_sum_steps(&x.s.usage, &steps);
    xg_stream_close(&x);

    ok(xs_buf_eq(&steps.text, &old.text), "%s: the text an OpenAI client "
       "gets", fixture);
    ok(xs_buf_eq(&steps.thoughts, &old.thoughts), "%s: the thoughts",
       fixture);
    ok(json_equal(steps.calls, old.calls), "%s: the calls", fixture);
    is_str(steps.finish, old.finish, "the finish");
    ok(memcmp(&steps.usage, &old.usage, sizeof(agw_usage_t)) == 0,
       "%s: the usage", fixture);

    ok(xs_sum_gemini(&x.out, &client, &last), "%s: the client's chunks are "
       "whole JSON", fixture);
    ok(xs_buf_eq(&client.text, &old.text)
       && xs_buf_eq(&client.thoughts, &old.thoughts)
       && json_equal(client.calls, old.calls),
       "%s: a Gemini client gets the same text, thoughts and whole calls",
       fixture);
    is_str(client.finish, gemini_finish, "its last chunk's finishReason");
    ok(last != NULL && json_is_string(json_object_get(last, "modelVersion"))
       && strcmp(json_string_value(json_object_get(last, "modelVersion")),
                 "my-model") == 0, "%s: the client's model", fixture);
    ok(old.usage.input < 0
       || (client.usage.input == old.usage.input
           && client.usage.output == old.usage.output),
       "%s: the usage on the last chunk", fixture);
    json_decref(last);

    agw_buf_free(&x.out);
    xs_forget();
    xs_sum_free(&old);
    xs_sum_free(&steps);
    xs_sum_free(&client);
    agw_buf_free(&wire);
    agw_buf_free(&oout);
}


/* Text continues in one block across chunks; a signature rides on it. */
static void
check_blocks(void)
{
    xs_t         x;
    static const char  wire[] =
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"I \","
        "\"thought\":true}],\"role\":\"model\"}}],\"responseId\":\"r/1\"}\r\n\r\n"
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"think\","
        "\"thought\":true},{\"text\":\"Hel\"}],\"role\":\"model\"}}]}\r\n\r\n"
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"lo\"},"
        "{\"functionCall\":{\"name\":\"f\",\"args\":{\"q\": \"a\\\"b\"}},"
        "\"thoughtSignature\":\"U0lH\"}],\"role\":\"model\"},"
        "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":"
        "5,\"candidatesTokenCount\":3,\"thoughtsTokenCount\":2}}\r\n\r\n";

    xs_open(&x, AGW_DIALECT_GEMINI);
    xg_stream_feed(&x, wire, sizeof(wire) - 1);

    ok(xs_n == 15
       && xs_recs[0].type == AGW_STEP_START
       && xs_recs[1].type == AGW_STEP_BLOCK_START
       && xs_recs[1].part == AGW_PART_THINKING
       && xs_recs[2].type == AGW_STEP_DELTA
       && xs_recs[3].type == AGW_STEP_DELTA
       && strcmp(xs_recs[3].text, "think") == 0
       && xs_recs[4].type == AGW_STEP_BLOCK_STOP
       && xs_recs[5].type == AGW_STEP_BLOCK_START
       && xs_recs[5].part == AGW_PART_TEXT
       && xs_recs[6].type == AGW_STEP_DELTA
       && xs_recs[7].type == AGW_STEP_USAGE
       && xs_recs[8].type == AGW_STEP_DELTA
       && strcmp(xs_recs[8].text, "lo") == 0
       && xs_recs[9].type == AGW_STEP_BLOCK_STOP
       && xs_recs[10].type == AGW_STEP_BLOCK_START
       && xs_recs[10].part == AGW_PART_TOOL_CALL
       && strcmp(xs_recs[10].id, "call_r_1_0") == 0
       && xs_recs[11].type == AGW_STEP_DELTA
       && strcmp(xs_recs[11].text, "{\"q\":\"a\\\"b\"}") == 0
       && xs_recs[12].type == AGW_STEP_SIGNATURE
       && strcmp(xs_recs[12].text, "U0lH") == 0
       && xs_recs[13].type == AGW_STEP_BLOCK_STOP
       && xs_recs[14].type == AGW_STEP_FINISH
       && xs_recs[14].finish == AGW_FINISH_TOOL_CALLS,
       "thinking, then text across chunks in one block (the last chunk's "
       "usage first), then a whole call with its id, compact args and "
       "signature, then the finish");
    if (xs_n != 15) {
        tap_diag("%d steps", xs_n);
    }
    ok(x.s.provider_done, "the finishing chunk ends the provider's stream");
    ok(x.s.usage.input == 5 && x.s.usage.output == 5
       && x.s.usage.reasoning == 2, "usage: output counts the thoughts");

    xg_stream_close(&x);

    ok(strstr(x.out.data, "{\"functionCall\":{\"name\":\"f\",\"args\":"
              "{\"q\":\"a\\\"b\"},\"id\":\"call_r_1_0\"},"
              "\"thoughtSignature\":\"U0lH\"}") != NULL,
       "the Gemini client gets the call whole, with id and signature");
    ok(strstr(x.out.data, "\"finishReason\":\"STOP\",\"index\":0}],"
              "\"usageMetadata\":{\"promptTokenCount\":5,"
              "\"candidatesTokenCount\":3,\"totalTokenCount\":10,"
              "\"thoughtsTokenCount\":2},\"modelVersion\":\"my-model\","
              "\"responseId\":\"r/1\"}\r\n\r\n") != NULL,
       "the last chunk: finish, usage as Gemini counts it, model, id");
    ok(strstr(x.out.data, "data: {\"candidates\":[{\"content\":{\"parts\":"
              "[{\"text\":\"Hel\"}],\"role\":\"model\"},\"index\":0}],"
              "\"modelVersion\":\"my-model\",\"responseId\":\"r/1\"}\r\n\r\n")
       != NULL, "a text delta's chunk");
    ok(strstr(x.out.data, "{\"text\":\"think\",\"thought\":true}") != NULL,
       "a thought's chunk");

    agw_buf_free(&x.out);
    xs_forget();
}


/*
 * A text chunk of Gemini's own shapes (without blanks, or with them) is
 * read without walking its candidates (gem_stream_read.c): the client
 * gets the bytes it gets when the same chunks are walked (each data with
 * a blank before it, which no shape has), and the text is validated.
 */
static void
check_text_shapes(void)
{
    int        i, n;
    xs_t       x;
    agw_buf_t  got[2];

#define XS_COMPACT(t)                                                         \
    "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":" t "}],"            \
    "\"role\":\"model\"},\"index\":0}],\"modelVersion\":\"m1\","              \
    "\"responseId\":\"r1\"}\r\n\r\n"
#define XS_BLANKS(t)                                                          \
    "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": " t "}], "       \
    "\"role\": \"model\"}, \"index\": 0}], \"usageMetadata\": "               \
    "{\"promptTokenCount\": 4}, \"modelVersion\": \"m1\"}\r\n\r\n"

    static const char  *chunks[] = {
        XS_COMPACT("\"a\""), XS_COMPACT("\"b\\u00e9\\\"c\""),
        XS_BLANKS("\"d\\n\""), XS_COMPACT("\"\""), XS_BLANKS("\"e\""),
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"f\"}],"
        "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
        "\"usageMetadata\":{\"promptTokenCount\":4,"
        "\"candidatesTokenCount\":6}}\r\n\r\n"
    };
    agw_buf_t  wire = AGW_BUF_INIT;

    for (i = 0; i < 2; i++) {
        agw_buf_reset(&wire);
        for (n = 0; n < (int) (sizeof(chunks) / sizeof(chunks[0])); n++) {
            agw_buf_append_str(&wire, i ? "data:  " : "data: ");
            agw_buf_append_str(&wire, chunks[n]);
        }

        xs_open(&x, AGW_DIALECT_GEMINI);
        xg_stream_feed(&x, wire.data, wire.len);
        xg_stream_close(&x);
        ok(x.s.provider_done && (x.s.error == NULL
                                 || x.s.error->cls == AGW_ERR_NONE),
           "text shapes (%s): read", i ? "walked" : "not walked");
        got[i] = x.out;
        xs_forget();
    }

    ok(xs_buf_eq(&got[0], &got[1]),
       "text shapes: the client's bytes of the chunks walked");
    agw_buf_free(&got[0]);
    agw_buf_free(&got[1]);

    /* a text that is not JSON in that shape: refused as when walked */
    agw_buf_reset(&wire);
    agw_buf_append_str(&wire, "data: " XS_COMPACT("\"a\\x\""));
    xs_open(&x, AGW_DIALECT_GEMINI);
    xg_stream_feed(&x, wire.data, wire.len);
    ok(x.s.error != NULL
       && strcmp(x.s.error->code, "invalid_upstream_body") == 0,
       "text shapes: a bad escape in the text is refused");
    xg_stream_close(&x);
    agw_buf_free(&x.out);
    xs_forget();

    /*
     * The ids of a chunk after the first are read by the bytes of the
     * last chunk walked (gem_stream_read.c, agw_gem_read_repeat()): other
     * bytes are walked, so checked.  A control byte in a later chunk's
     * modelVersion is refused in that shape as when walked, and in the
     * first chunk.
     */
    for (i = 0; i < 3; i++) {
        agw_buf_reset(&wire);
        if (i != 2) {
            agw_buf_append_str(&wire, "data: " XS_COMPACT("\"a\""));
        }
        agw_buf_append_str(&wire, i == 1 ? "data:  " : "data: ");
        agw_buf_append_str(&wire,
            "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"zq\"}],"
            "\"role\":\"model\"},\"index\":0}],\"modelVersion\":\"m\x01\","
            "\"responseId\":\"r\\x\"}\r\n\r\n");
        xs_open(&x, AGW_DIALECT_GEMINI);
        xg_stream_feed(&x, wire.data, wire.len);
        xg_stream_close(&x);

        ok(x.rc == -1 && x.out.data != NULL
           && strstr(x.out.data, "\"code\":502") != NULL
           && strstr(x.out.data, "zq") == NULL,
           "text shapes: %s", i == 0 ? "a later chunk's ids are checked"
                              : i == 1 ? "walked, the ids are checked"
                                       : "the first chunk's ids are read");

        agw_buf_free(&x.out);
        xs_forget();
    }

    /*
     * A later chunk's responseId the bytes of the first one's is passed
     * by a compare (gem_stream_read.c, agw_gem_read_repeat()): the same id,
     * another one it begins, and the first one's cut at the chunk's end,
     * which is refused as the skip refuses it.
     */
    for (i = 0; i < 3; i++) {
        static const char  *rids[] = {
            "\"r1\"}", "\"r12\"}", "\"r1"
        };

        agw_buf_reset(&wire);
        agw_buf_append_str(&wire, "data: " XS_COMPACT("\"a\""));
        agw_buf_append_str(&wire, "data: "
            "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"zq\"}],"
            "\"role\":\"model\"},\"index\":0}],\"modelVersion\":\"m1\","
            "\"responseId\":");
        agw_buf_append_str(&wire, rids[i]);
        agw_buf_append_str(&wire, "\r\n\r\n");
        xs_open(&x, AGW_DIALECT_GEMINI);
        xg_stream_feed(&x, wire.data, wire.len);
        xg_stream_close(&x);

        if (i < 2) {
            ok(x.rc == 0 && x.s.error == NULL && x.out.data != NULL
               && strstr(x.out.data, "\"zq\"") != NULL,
               "text shapes: a later responseId %s",
               i ? "another id begins" : "the first one's bytes");
        } else {
            ok(x.rc == -1 && x.out.data != NULL
               && strstr(x.out.data, "\"code\":502") != NULL
               && strstr(x.out.data, "zq") == NULL,
               "text shapes: the first one's responseId cut is refused");
        }

        agw_buf_free(&x.out);
        xs_forget();
    }

    agw_buf_free(&wire);

#undef XS_COMPACT
#undef XS_BLANKS
}


/* What the reader refuses, and the provider's error event. */
static void
check_reader_errors(void)
{
    xs_t  x;

    static const char  partial[] =
        "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":"
        "{\"name\":\"f\",\"partialArgs\":[{\"jsonPath\":\"$.a\"}],"
        "\"willContinue\":true}}]}}]}\r\n\r\n";
    static const char  garbage[] = "data: {\"candidates\":[}\r\n\r\n";
    static const char  error[] =
        "data: {\"error\":{\"code\":429,\"message\":\"Resource has been "
        "exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}\r\n\r\n";
    static const char  blocked[] =
        "data: {\"promptFeedback\":{\"blockReason\":\"SAFETY\"},"
        "\"usageMetadata\":{\"promptTokenCount\":4}}\r\n\r\n";

    xs_open(&x, AGW_DIALECT_GEMINI);
    xg_stream_feed(&x, partial, sizeof(partial) - 1);
    ok(x.rc == -1 && x.s.error != NULL
       && x.s.error->cls == AGW_ERR_BAD_GATEWAY
       && strstr(x.s.error->message, "partialArgs") != NULL,
       "streamed partialArgs: a 502, never a half call");
    xg_stream_close(&x);
    ok(strstr(x.out.data, "data: {\"error\":{\"code\":502,") == x.out.data,
       "the client gets the error chunk");
    agw_buf_free(&x.out);
    xs_forget();

    xs_open(&x, AGW_DIALECT_GEMINI);
    xg_stream_feed(&x, garbage, sizeof(garbage) - 1);
    ok(x.rc == -1 && x.s.error != NULL
       && strcmp(x.s.error->code, "invalid_upstream_body") == 0,
       "an event that is not JSON: invalid_upstream_body");
    xg_stream_close(&x);
    agw_buf_free(&x.out);
    xs_forget();

    xs_open(&x, AGW_DIALECT_GEMINI);
    xg_stream_feed(&x, error, sizeof(error) - 1);
    ok(x.rc == 0 && x.s.error != NULL
       && x.s.error->cls == AGW_ERR_RATE_LIMIT
       && strcmp(x.s.error->message, "Resource has been exhausted") == 0,
       "the provider's error event: an ERROR step with its class and "
       "message");
    xg_stream_close(&x);
    ok(strstr(x.out.data, "\"code\":429,\"message\":\"Resource has been "
              "exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"") != NULL,
       "a Gemini client gets it in Google's shape");
    agw_buf_free(&x.out);
    xs_forget();

    xs_open(&x, AGW_DIALECT_GEMINI);
    xg_stream_feed(&x, blocked, sizeof(blocked) - 1);
    ok(x.s.provider_done && xs_n == 3
       && xs_recs[2].type == AGW_STEP_FINISH
       && xs_recs[2].finish == AGW_FINISH_CONTENT_FILTER,
       "a blocked prompt: a content filter finish, the stream done");
    xg_stream_close(&x);
    ok(strstr(x.out.data, "\"finishReason\":\"SAFETY\"") != NULL,
       "a Gemini client gets SAFETY");
    agw_buf_free(&x.out);
    xs_forget();
}


/* Steps as another provider's reader makes them, to a Gemini client. */
static void
xs_step(xs_t *x, agw_step_type_t type, uint32_t index, const char *text,
    agw_part_t *part)
{
    agw_step_t  step;

    memset(&step, 0, sizeof(step));
    step.type = type;
    step.index = index;
    step.part = part;
    if (text != NULL) {
        step.text.data = text;
        step.text.len = (uint32_t) strlen(text);
        step.text.kind = AGW_STR_JSON;
        step.text.escaped = strchr(text, '\\') != NULL;
    }

    if (agw_stream_step(&x->s, &step) != 0 && x->rc == 0) {
        x->rc = -1;
    }
}


static void
check_writer(void)
{
    xs_t         x;
    char        *big;
    size_t       i;
    json_t      *last;
    xs_sum_t     m;
    agw_part_t   call, think;

    memset(&call, 0, sizeof(call));
    call.type = AGW_PART_TOOL_CALL;
    call.id = (agw_str_t) agw_str_lit("toolu_01");
    call.name = (agw_str_t) agw_str_lit("get_weather");
    memset(&think, 0, sizeof(think));
    think.type = AGW_PART_THINKING;

    /* an Anthropic provider: its signatures mean nothing to Gemini; a
     * call's fragments held until its block stops */
    xs_open(&x, AGW_DIALECT_ANTHROPIC);
    xs_step(&x, AGW_STEP_START, 0, "msg_1", NULL);
    xs_step(&x, AGW_STEP_BLOCK_START, 0, NULL, &think);
    xs_step(&x, AGW_STEP_DELTA, 0, "hmm", NULL);
    xs_step(&x, AGW_STEP_SIGNATURE, 0, "anthropic-sig", NULL);
    xs_step(&x, AGW_STEP_BLOCK_STOP, 0, NULL, NULL);
    xs_step(&x, AGW_STEP_BLOCK_START, 1, NULL, &call);
    xs_step(&x, AGW_STEP_DELTA, 1, "", NULL);
    xs_step(&x, AGW_STEP_DELTA, 1, "{\\\"city\\\": ", NULL);
    xs_step(&x, AGW_STEP_DELTA, 1, "\\\"Par\\u00eds\\\"}", NULL);
    ok(strstr(x.out.data ? x.out.data : "", "functionCall") == NULL,
       "nothing of the call goes out before its block stops");
    xs_step(&x, AGW_STEP_BLOCK_STOP, 1, NULL, NULL);
    xs_step(&x, AGW_STEP_FINISH, 0, NULL, NULL);
    ok(x.rc == 0, "the steps are taken");
    x.s.provider_done = 1;
    x.s.usage.input = 10;
    x.s.usage.output = 4;
    xg_stream_close(&x);

    ok(strstr(x.out.data, "anthropic-sig") == NULL,
       "an Anthropic signature is not given to a Gemini client");
    ok(strstr(x.out.data, "{\"functionCall\":{\"name\":\"get_weather\","
              "\"args\":{\"city\": \"Par\xc3\xad" "s\"},\"id\":\"toolu_01\"}}")
       != NULL, "the call whole: args an object, the provider's id");
    ok(strstr(x.out.data, "\"usageMetadata\":{\"promptTokenCount\":10,"
              "\"candidatesTokenCount\":4,\"totalTokenCount\":14}") != NULL,
       "usage on the last chunk");
    agw_buf_free(&x.out);
    xs_forget();

    /* no arguments at all, and arguments that are not an object */
    xs_open(&x, AGW_DIALECT_OPENAI);
    xs_step(&x, AGW_STEP_START, 0, "chatcmpl-1", NULL);
    xs_step(&x, AGW_STEP_BLOCK_START, 0, NULL, &call);
    xs_step(&x, AGW_STEP_BLOCK_STOP, 0, NULL, NULL);
    ok(x.rc == 0 && strstr(x.out.data, "\"args\":{}") != NULL,
       "a call without arguments gets {}");
    xs_step(&x, AGW_STEP_BLOCK_START, 1, NULL, &call);
    xs_step(&x, AGW_STEP_DELTA, 1, "[1,2]", NULL);
    xs_step(&x, AGW_STEP_BLOCK_STOP, 1, NULL, NULL);
    ok(x.rc == -1 && x.s.error != NULL
       && strstr(x.s.error->message, "not a JSON object") != NULL,
       "arguments that are not an object: an error, never a corrupt call");
    xg_stream_close(&x);
    ok(strstr(x.out.data, "[1,2]") == NULL
       && strstr(x.out.data, "data: {\"error\":{\"code\":502") != NULL,
       "the client gets the error chunk instead");
    agw_buf_free(&x.out);
    xs_forget();

    /* a call whose id came empty (an OpenAI-compatible provider's ""):
     * no id given to the client, and nothing written out of place */
    call.id = (agw_str_t) agw_str_lit("");
    xs_open(&x, AGW_DIALECT_OPENAI);
    xs_step(&x, AGW_STEP_START, 0, "", NULL);
    xs_step(&x, AGW_STEP_BLOCK_START, 0, NULL, &call);
    xs_step(&x, AGW_STEP_DELTA, 0, "{}", NULL);
    xs_step(&x, AGW_STEP_BLOCK_STOP, 0, NULL, NULL);
    ok(x.rc == 0 && strstr(x.out.data, "{\"functionCall\":{\"name\":"
                           "\"get_weather\",\"args\":{}}}") != NULL,
       "a call with an empty id goes out without one");
    x.s.provider_done = 1;
    xg_stream_close(&x);
    agw_buf_free(&x.out);
    xs_forget();
    call.id = (agw_str_t) agw_str_lit("toolu_01");

    /*
     * arguments with a line break between their tokens (valid JSON, as a
     * model may indent them): the part goes out on one data: line, else
     * the client reads the event cut at the break (a fuzzer's find)
     */
    xs_open(&x, AGW_DIALECT_OPENAI);
    xs_step(&x, AGW_STEP_START, 0, "chatcmpl-1", NULL);
    xs_step(&x, AGW_STEP_BLOCK_START, 0, NULL, &call);
    xs_step(&x, AGW_STEP_DELTA, 0, "{\\\"text\\\":\\r\\n \\\"In the", NULL);
    xs_step(&x, AGW_STEP_DELTA, 0, " quaint\\\"\\n}", NULL);
    xs_step(&x, AGW_STEP_BLOCK_STOP, 0, NULL, NULL);
    x.s.provider_done = 1;
    xg_stream_close(&x);
    xs_sum_init(&m);
    ok(x.rc == 0 && xs_sum_gemini(&x.out, &m, &last) && last != NULL,
       "arguments with line breaks: every event whole JSON");
    ok(strstr(x.out.data, "\"args\":{\"text\":\"In the quaint\"},") != NULL,
       "those arguments go out compact, the text in them kept");
    json_decref(last);
    xs_sum_free(&m);
    agw_buf_free(&x.out);
    xs_forget();

    /* the bound on what is held */
    big = malloc(1024 * 1024 + 1);
    for (i = 0; i < 1024 * 1024; i++) {
        big[i] = 'a';
    }
    big[1024 * 1024] = '\0';

    xs_open(&x, AGW_DIALECT_OPENAI);
    xs_step(&x, AGW_STEP_START, 0, "chatcmpl-1", NULL);
    xs_step(&x, AGW_STEP_BLOCK_START, 0, NULL, &call);
    for (i = 0; i < 5 && x.rc == 0; i++) {
        xs_step(&x, AGW_STEP_DELTA, 0, big, NULL);
    }
    ok(x.rc == -1 && i == 4 && x.s.error != NULL
       && strstr(x.s.error->message, "more tool call arguments") != NULL,
       "past 4 MiB held the stream ends with an error");
    xg_stream_close(&x);
    agw_buf_free(&x.out);
    xs_forget();
    free(big);
}


/* A large call goes through both sides and leaves no large buffer held
 * for the rest of the stream. */
static void
check_memory(void)
{
    xs_t               x;
    size_t             i, n;
    agw_buf_t          wire = AGW_BUF_INIT;
    agw_gem_rstate_t  *rs;
    agw_gem_wstate_t  *ws;

    n = 200 * 1024;
    agw_buf_append_str(&wire, "data: {\"candidates\":[{\"content\":{\"parts\":"
                       "[{\"functionCall\":{\"name\":\"w\",\"args\":"
                       "{\"t\":\"");
    for (i = 0; i < n; i++) {
        agw_buf_append(&wire, i % 64 ? "x" : "\\n", i % 64 ? 1 : 2);
    }
    agw_buf_append_str(&wire, "\"}}}]}}]}\r\n\r\n");

    xs_open(&x, AGW_DIALECT_GEMINI);
    xg_stream_feed(&x, wire.data, wire.len);

    rs = x.s.rstate;
    ws = x.s.wstate;
    ok(x.rc == 0 && xs_n == 4 && xs_recs[2].type == AGW_STEP_DELTA
       && strlen(xs_recs[2].text) > n, "a 200 KB call read whole");
    ok(rs->args.cap <= AGW_GEM_KEEP, "the reader keeps no 200 KB buffer");
    ok(ws->nheld == 0 && (ws->cap == 0 || ws->held[0].args.cap
                                          <= AGW_GEM_KEEP),
       "nor does the writer, once the call went out");
    ok(x.out.len > n, "the client got the call");

    xg_stream_close(&x);
    agw_buf_free(&x.out);
    agw_buf_free(&wire);
    xs_forget();
}


int
main(void)
{
    check_fixture("gemini/stream-text-usage.chunks.jsonl", "STOP");
    check_fixture("gemini/stream-reasoning.chunks.jsonl", "STOP");
    check_fixture("gemini/stream-function-call.chunks.jsonl", "STOP");
    check_fixture("gemini/stream-text.sse", "STOP");
    check_blocks();
    check_text_shapes();
    check_reader_errors();
    check_writer();
    check_memory();

    return done_testing();
}
