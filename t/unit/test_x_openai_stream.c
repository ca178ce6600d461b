/*
 * The engine's OpenAI Chat codec, streams: the provider's chunks read
 * into steps that form a well-formed sequence whatever the provider
 * interleaved (parallel tool calls, text between them), the same steps
 * whatever the split of the bytes, errors mid-stream; and the writer's
 * chunks for an OpenAI client (one id, the role first, created, index
 * and finish_reason, the usage chunk only when asked for, [DONE], the
 * error event without it).
 */

#include <stdlib.h>
#include <string.h>

#include "agw_codec.h"
#include "agw_arena.h"
#include "agw_sse.h"
#include "tap.h"
#include "fixtures.h"

#define OAI  (&agw_openai_codec)


/* A writer that records the steps. */

#define MAX_STEPS  4096

typedef struct {
    agw_step_type_t  type;
    uint32_t         index;
    agw_part_type_t  part;
    char             text[256];     /* DELTA, SIGNATURE; START's id */
    char             name[64];      /* BLOCK_START's tool name */
    agw_finish_t     finish;
} rec_step_t;

static rec_step_t  steps[MAX_STEPS];
static int         nsteps;
static int         rec_ended;


static void
copy_str(char *dst, size_t size, const agw_str_t *s)
{
    int  n;

    n = agw_str_set(s) ? agw_str_decode(s, dst, size - 1) : 0;
    dst[n < 0 ? 0 : n] = '\0';
}


static int
rec_write_step(agw_xstream_t *s, const agw_step_t *st)
{
    rec_step_t  *r;

    if (nsteps == MAX_STEPS) {
        return -1;
    }

    r = &steps[nsteps++];
    memset(r, 0, sizeof(rec_step_t));
    r->type = st->type;
    r->index = st->index;
    r->finish = st->finish;

    if (st->type == AGW_STEP_BLOCK_START) {
        r->part = st->part->type;
        copy_str(r->name, sizeof(r->name), &st->part->name);
        copy_str(r->text, sizeof(r->text), &st->part->id);
    } else if (st->type == AGW_STEP_START) {
        copy_str(r->text, sizeof(r->text), &st->id);
    } else {
        copy_str(r->text, sizeof(r->text), &st->text);
    }

    return 0;
}


static int
rec_write_end(agw_xstream_t *s)
{
    rec_ended = 1;
    return 0;
}


static agw_codec_t  rec_codec;


/* A stream with OpenAI's reader and a writer (the recorder or OpenAI's). */
typedef struct {
    agw_xstream_t     s;
    agw_arena_t       arena;
    agw_sse_parser_t  sse;
    agw_buf_t         out;
    int               rc;
} run_t;


static int
run_event(void *ud, const agw_sse_event_t *ev)
{
    int     rc;
    run_t  *r = ud;

    rc = r->s.reader->read_event(&r->s, ev);
    agw_arena_free(&r->arena);

    if (rc != 0) {
        r->rc = rc;
        return 1;
    }

    return 0;
}


/* Feeds in (in pieces of step bytes, 0: whole) and ends the stream as the
 * engine does: write_end after a clean end, else the error event. */
static int
run(const agw_codec_t *writer, const char *in, size_t len, size_t step,
    int include_usage, run_t *r)
{
    size_t  i, n;

    memset(r, 0, sizeof(run_t));
    nsteps = 0;
    rec_ended = 0;

    r->s.reader = OAI;
    r->s.writer = writer;
    r->s.rstate = calloc(1, OAI->read_state_size);
    r->s.wstate = calloc(1, writer->write_state_size ? writer->write_state_size
                                                     : 1);
    r->s.arena = &r->arena;
    r->s.opts.model = (agw_str_t) agw_str_lit("client-model");
    r->s.opts.created = 1700000000;
    r->s.opts.include_usage = include_usage;
    r->s.opts.provider = AGW_DIALECT_OPENAI;
    agw_usage_init(&r->s.usage);
    agw_jw_init(&r->s.w, &r->out);
    agw_arena_init(&r->arena, NULL, 0, 0);
    agw_sse_init(&r->sse, 0);

    step = step ? step : len;

    for (i = 0; i < len && r->rc == 0; i += n) {
        n = len - i < step ? len - i : step;
        if (agw_sse_feed(&r->sse, in + i, n, run_event, r) < 0) {
            return -1;
        }
    }

    if (r->rc == 0 && r->s.provider_done) {
        (void) writer->write_end(&r->s);
    } else if (r->s.error != NULL && writer->write_stream_error != NULL) {
        (void) writer->write_stream_error(&r->s, r->s.error);
    }

    return r->rc;
}


static void
run_free(run_t *r)
{
    OAI->free_read_state(r->s.rstate);
    if (r->s.writer->free_write_state != NULL) {
        r->s.writer->free_write_state(r->s.wstate);
    }
    free(r->s.rstate);
    free(r->s.wstate);
    free(r->s.error);
    agw_sse_free(&r->sse);
    agw_buf_free(&r->out);
    agw_arena_free(&r->arena);
}


/*
 * The recorded steps are a well-formed sequence: START first, blocks
 * opened in index order from 0, one open at a time, deltas and
 * signatures to the open block only, every block closed before the
 * finish.
 */
static int
well_formed(const char *name, int closed)
{
    int       i, open, next, started;

    open = -1;
    next = 0;
    started = 0;

    for (i = 0; i < nsteps; i++) {
        switch (steps[i].type) {
        case AGW_STEP_START:
            if (started || i != 0) {
                printf("# %s: step %d: START again\n", name, i);
                return 0;
            }
            started = 1;
            break;
        case AGW_STEP_BLOCK_START:
            if (open != -1 || (int) steps[i].index != next) {
                printf("# %s: step %d: block %u opened (open %d, next "
                       "%d)\n", name, i, steps[i].index, open, next);
                return 0;
            }
            open = next++;
            break;
        case AGW_STEP_DELTA:
        case AGW_STEP_SIGNATURE:
            if ((int) steps[i].index != open) {
                printf("# %s: step %d: delta for %u, %d open\n", name, i,
                       steps[i].index, open);
                return 0;
            }
            break;
        case AGW_STEP_BLOCK_STOP:
            if ((int) steps[i].index != open) {
                printf("# %s: step %d: stop of %u, %d open\n", name, i,
                       steps[i].index, open);
                return 0;
            }
            open = -1;
            break;
        case AGW_STEP_FINISH:
            if (open != -1) {
                printf("# %s: step %d: finish with %d open\n", name, i,
                       open);
                return 0;
            }
            break;
        default:
            break;
        }

        if (!started) {
            printf("# %s: step %d before START\n", name, i);
            return 0;
        }
    }

    return !closed || open == -1;
}


/* The text of the deltas of the blocks of a kind, in order; for tool
 * calls the arguments of the nth call. */
static void
block_text(agw_part_type_t type, int nth, char *buf, size_t size)
{
    int       i, k, block;
    size_t    len;

    buf[0] = '\0';
    len = 0;
    block = -1;
    k = -1;

    for (i = 0; i < nsteps; i++) {
        if (steps[i].type == AGW_STEP_BLOCK_START) {
            block = steps[i].part == type ? (int) steps[i].index : -1;
            if (block != -1) {
                k++;
            }
        } else if (steps[i].type == AGW_STEP_DELTA
                   && (int) steps[i].index == block
                   && (nth < 0 || k == nth))
        {
            len += snprintf(buf + len, size - len, "%s", steps[i].text);
        }
    }
}


/* What the provider sent: the content, and call k's arguments, joined. */
static void
provider_text(const char *sse, int k, char *buf, size_t size)
{
    size_t       i, j, len;
    json_t      *c, *calls, *call, *v;
    const char  *p, *e;

    buf[0] = '\0';
    len = 0;

    for (p = strstr(sse, "data: {"); p != NULL;
         p = strstr(e, "data: {"))
    {
        e = strstr(p, "\n\n");
        c = json_loadb(p + 6, (size_t) (e - p - 6), 0, NULL);

        json_array_foreach(json_object_get(c, "choices"), i, v) {
            json_t  *d = json_object_get(v, "delta");

            if (k < 0) {
                if (json_is_string(json_object_get(d, "content"))) {
                    len += snprintf(buf + len, size - len, "%s",
                                    json_string_value(
                                        json_object_get(d, "content")));
                }
                continue;
            }

            calls = json_object_get(d, "tool_calls");
            json_array_foreach(calls, j, call) {
                if (json_integer_value(json_object_get(call, "index")) == k)
                {
                    v = json_object_get(json_object_get(call, "function"),
                                        "arguments");
                    len += snprintf(buf + len, size - len, "%s",
                                    json_string_value(v) ? json_string_value(v)
                                                         : "");
                }
            }
        }

        json_decref(c);
    }
}


static char *
fixture_sse(const char *name, size_t *len)
{
    agw_buf_t  b = AGW_BUF_INIT;

    if (strstr(name, ".jsonl") == NULL) {
        return fixture_read(name, len);
    }

    if (fixture_jsonl_to_sse(name, "data: [DONE]\n\n", &b) != 0) {
        return NULL;
    }

    *len = b.len;
    return b.data;
}


static int
count(agw_step_type_t type, agw_part_type_t part)
{
    int  i, n;

    for (i = 0, n = 0; i < nsteps; i++) {
        if (steps[i].type == type
            && (type != AGW_STEP_BLOCK_START || steps[i].part == part))
        {
            n++;
        }
    }

    return n;
}


/* Every captured stream: well-formed, the text and each call's
 * arguments as the provider sent them, the same whatever the split. */
static void
check_fixture(const char *name, int calls)
{
    int          k;
    char        *in, want[16384], got[16384];
    size_t       len;
    run_t        r;
    rec_step_t  *whole;
    int          nwhole;

    in = fixture_sse(name, &len);
    if (in == NULL) {
        ok(0, "fixture %s", name);
        return;
    }

    ok(run(&rec_codec, in, len, 0, 0, &r) == 0, "%s: read", name);
    ok(well_formed(name, 1), "%s: well-formed steps", name);
    ok(r.s.provider_done && nsteps > 0
       && steps[0].type == AGW_STEP_START, "%s: START first, the end seen",
       name);

    provider_text(in, -1, want, sizeof(want));
    block_text(AGW_PART_TEXT, -1, got, sizeof(got));
    is_str(got, want, "text as sent");

    is_int(count(AGW_STEP_BLOCK_START, AGW_PART_TOOL_CALL), calls,
           "tool call blocks");

    for (k = 0; k < calls; k++) {
        provider_text(in, k, want, sizeof(want));
        block_text(AGW_PART_TOOL_CALL, k, got, sizeof(got));
        is_str(got, want, "call's arguments whole, in one block");
    }

    is_int(count(AGW_STEP_FINISH, 0), 1, "one finish");
    run_free(&r);

    whole = malloc(sizeof(steps));
    memcpy(whole, steps, sizeof(steps));
    nwhole = nsteps;

    ok(run(&rec_codec, in, len, 7, 0, &r) == 0 && nsteps == nwhole
       && memcmp(whole, steps, sizeof(rec_step_t) * nsteps) == 0,
       "%s: the same steps fed 7 bytes at a time", name);
    run_free(&r);

    free(whole);
    free(in);
}


static char *
chunk(agw_buf_t *b, const char *delta)
{
    agw_buf_printf(b, "data: {\"id\":\"c1\",\"object\":\"chat.completion."
                   "chunk\",\"created\":1,\"model\":\"m\",\"choices\":"
                   "[{\"index\":0,\"delta\":%s,\"finish_reason\":null}]}\n\n",
                   delta);
    return b->data;
}


#define CALL(k, id, args)                                                    \
    "{\"tool_calls\":[{\"index\":" #k id ",\"function\":{"                  \
    "\"arguments\":\"" args "\"}}]}"


/* Calls whose fragments alternate, text between, then the finish. */
static void
check_interleaved(void)
{
    char        got[256];
    run_t       r;
    agw_buf_t   b = AGW_BUF_INIT;

    chunk(&b, "{\"role\":\"assistant\",\"content\":null}");
    chunk(&b, "{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"type\":\"function\","
              "\"function\":{\"name\":\"fa\",\"arguments\":\"{\\\"x\\\":\"}}]}");
    chunk(&b, "{\"tool_calls\":[{\"index\":1,\"id\":\"b\",\"type\":\"function\","
              "\"function\":{\"name\":\"fb\",\"arguments\":\"{\\\"y\"}}]}");
    chunk(&b, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
              "\"\\\"}\\\"\"}}]}");
    chunk(&b, "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":"
              "\"\\\":2}\"}}]}");
    chunk(&b, "{\"tool_calls\":[{\"index\":2,\"id\":\"c\",\"type\":\"function\","
              "\"function\":{\"name\":\"fc\",\"arguments\":\"{\"}}]}");
    chunk(&b, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
              "\"}\"}}]}");
    chunk(&b, "{\"tool_calls\":[{\"index\":2,\"function\":{\"arguments\":"
              "\"}\"}}]}");
    agw_buf_append_str(&b, "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,"
                       "\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
                       "data: [DONE]\n\n");

    ok(run(&rec_codec, b.data, b.len, 0, 0, &r) == 0, "interleaved: read");
    ok(well_formed("interleaved", 1), "interleaved: well-formed");
    is_int(count(AGW_STEP_BLOCK_START, AGW_PART_TOOL_CALL), 3,
           "three call blocks");

    block_text(AGW_PART_TOOL_CALL, 0, got, sizeof(got));
    is_str(got, "{\"x\":\"}\"}", "call a whole (a brace inside a "
           "string does not end it)");
    block_text(AGW_PART_TOOL_CALL, 1, got, sizeof(got));
    is_str(got, "{\"y\":2}", "call b whole, after a");
    block_text(AGW_PART_TOOL_CALL, 2, got, sizeof(got));
    is_str(got, "{}", "call c whole, after b");
    ok(nsteps > 3 && steps[nsteps - 1].type == AGW_STEP_FINISH
       && steps[nsteps - 1].finish == AGW_FINISH_TOOL_CALLS,
       "finish tool_calls last");
    run_free(&r);

    /* text while a call is held: held calls go first, then the text */
    agw_buf_reset(&b);
    chunk(&b, CALL(0, ",\"id\":\"a\",\"type\":\"function\"", "{"));
    chunk(&b, CALL(1, ",\"id\":\"b\",\"type\":\"function\"", "{"));
    chunk(&b, "{\"content\":\"hi\"}");
    chunk(&b, CALL(0, "", "}"));
    agw_buf_append_str(&b, "data: [DONE]\n\n");

    run(&rec_codec, b.data, b.len, 0, 0, &r);
    ok(r.rc == -1 && r.s.error
       && strcmp(r.s.error->code, "invalid_stream") == 0,
       "arguments for a call whose block ended: invalid_stream (%s)",
       r.s.error ? r.s.error->message : "");
    ok(well_formed("text between", 0), "well-formed up to the error");
    run_free(&r);

    agw_buf_free(&b);
}


/* reasoning_content, reasoning, content, refusal: blocks in order. */
static void
check_kinds(void)
{
    int         i;
    char        got[256];
    run_t       r;
    agw_buf_t   b = AGW_BUF_INIT;

    chunk(&b, "{\"role\":\"assistant\",\"reasoning_content\":\"let \"}");
    chunk(&b, "{\"reasoning\":\"me think\"}");
    chunk(&b, "{\"content\":\"Hel\"}");
    chunk(&b, "{\"content\":\"lo\\n\"}");
    chunk(&b, "{\"content\":\"\",\"refusal\":\"no\"}");
    agw_buf_append_str(&b, "data: {\"choices\":[],\"usage\":{"
                       "\"prompt_tokens\":5,\"completion_tokens\":7,"
                       "\"completion_tokens_details\":{"
                       "\"reasoning_tokens\":3}}}\n\n"
                       "data: [DONE]\n\n");

    ok(run(&rec_codec, b.data, b.len, 0, 0, &r) == 0, "kinds: read");
    ok(well_formed("kinds", 1), "kinds: well-formed");
    block_text(AGW_PART_THINKING, -1, got, sizeof(got));
    is_str(got, "let me think", "reasoning_content and reasoning: one "
           "thinking block");
    block_text(AGW_PART_TEXT, -1, got, sizeof(got));
    is_str(got, "Hello\n", "text block");
    block_text(AGW_PART_REFUSAL, -1, got, sizeof(got));
    is_str(got, "no", "refusal block");
    ok(r.s.usage.input == 5 && r.s.usage.output == 7
       && r.s.usage.reasoning == 3, "usage carried");
    run_free(&r);

    /* a Gemini thought signature of the text, on a delta of its own */
    agw_buf_reset(&b);
    chunk(&b, "{\"content\":\"hi\"}");
    chunk(&b, "{\"extra_content\":{\"google\":{\"thought_signature\":"
              "\"c2ln\"}}}");
    agw_buf_append_str(&b, "data: [DONE]\n\n");

    ok(run(&rec_codec, b.data, b.len, 0, 0, &r) == 0
       && well_formed("signature", 1)
       && count(AGW_STEP_SIGNATURE, 0) == 1, "a text's thought signature: "
       "a SIGNATURE step");
    for (i = 0; i < nsteps && steps[i].type != AGW_STEP_SIGNATURE; i++) {
        /* void */
    }
    ok(i < nsteps && strcmp(steps[i].text, "c2ln") == 0 && i > 0
       && steps[i - 1].type == AGW_STEP_DELTA, "on the text block");
    run_free(&r);

    ok(run(OAI, b.data, b.len, 0, 0, &r) == 0
       && strstr(r.out.data, "\"delta\":{\"extra_content\":{\"google\":"
                             "{\"thought_signature\":\"c2ln\"}}}") != NULL,
       "written back on a delta, as Google's endpoint does");
    run_free(&r);

    agw_buf_free(&b);
}


static void
check_errors(void)
{
    run_t       r;
    agw_buf_t   b = AGW_BUF_INIT;
    char        big[1024];
    int         i;

    chunk(&b, "{\"content\":\"x\"}");
    agw_buf_append_str(&b, "data: {\"error\":{\"message\":\"quota gone\","
                       "\"type\":\"insufficient_quota\",\"code\":"
                       "\"insufficient_quota\"}}\n\n");

    ok(run(OAI, b.data, b.len, 0, 0, &r) == -1 && r.s.error
       && strcmp(r.s.error->message, "quota gone") == 0
       && r.s.error->cls == AGW_ERR_RATE_LIMIT,
       "a mid-stream error: the provider's message and class");
    ok(strstr(r.out.data, "data: {\"error\":{\"message\":\"quota gone\","
                          "\"type\":\"rate_limit_error\",\"param\":null,"
                          "\"code\":\"insufficient_quota\"}}\n\n") != NULL
       && strstr(r.out.data, "[DONE]") == NULL,
       "the client's error event, no [DONE]");
    run_free(&r);

    agw_buf_reset(&b);
    agw_buf_append_str(&b, "data: {\"choices\":[{\"delta\":{\"content\":"
                       "\"x\"}]\n\n");
    ok(run(&rec_codec, b.data, b.len, 0, 0, &r) == -1 && r.s.error
       && strcmp(r.s.error->code, "invalid_stream") == 0
       && r.s.error->cls == AGW_ERR_BAD_GATEWAY,
       "a chunk that is not JSON: invalid_stream");
    run_free(&r);

    /* a call held past the bound */
    agw_buf_reset(&b);
    chunk(&b, CALL(0, ",\"id\":\"a\",\"type\":\"function\"", "{"));
    chunk(&b, CALL(1, ",\"id\":\"b\",\"type\":\"function\"", "{"));
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (i = 0; i < 4200; i++) {
        agw_buf_printf(&b, "data: {\"choices\":[{\"index\":0,\"delta\":{"
                       "\"tool_calls\":[{\"index\":1,\"function\":{"
                       "\"arguments\":\"%s\"}}]}}]}\n\n", big);
    }
    ok(run(&rec_codec, b.data, b.len, 0, 0, &r) == -1 && r.s.error
       && strcmp(r.s.error->code, "stream_too_large") == 0,
       "held fragments past 4 MiB: stream_too_large");
    run_free(&r);

    agw_buf_free(&b);
}


/* Chunk lines of the writer's output, parsed. */
static int
out_chunks(const char *out, json_t **c, int max, int *done)
{
    int          n;
    const char  *p, *e;

    n = 0;
    *done = 0;

    for (p = out; p && *p; p = e + 2) {
        e = strstr(p, "\n\n");
        if (e == NULL || strncmp(p, "data: ", 6) != 0) {
            return -1;
        }

        if (e - p == 12 && strncmp(p + 6, "[DONE]", 6) == 0) {
            (*done)++;
            continue;
        }

        if (n == max || *done) {
            return -1;
        }

        c[n] = json_loadb(p + 6, (size_t) (e - p - 6), 0, NULL);
        if (c[n] == NULL) {
            printf("# not JSON: %.*s\n", (int) (e - p - 6), p + 6);
            return -1;
        }
        n++;
    }

    return n;
}


/* OpenAI through the form back to OpenAI: the client's stream. */
static void
check_writer(const char *name, int include_usage)
{
    int          i, n, done, ok_env, usage_chunks;
    char        *in, want[16384], got[16384];
    size_t       len, l;
    json_t      *c[1024], *ch, *d;
    run_t        r;

    in = fixture_sse(name, &len);
    if (in == NULL) {
        ok(0, "fixture %s", name);
        return;
    }

    ok(run(OAI, in, len, 0, include_usage, &r) == 0, "%s: written", name);
    n = out_chunks(r.out.data ? r.out.data : "", c, 1024, &done);
    ok(n > 0 && done == 1, "%s: chunks, then one [DONE] last", name);

    ok_env = 1;
    usage_chunks = 0;
    l = 0;
    got[0] = '\0';

    for (i = 0; i < n; i++) {
        if (!json_equal(json_object_get(c[i], "id"),
                        json_object_get(c[0], "id"))
            || strcmp(json_string_value(json_object_get(c[i], "model")),
                      "client-model") != 0
            || json_integer_value(json_object_get(c[i], "created"))
               != json_integer_value(json_object_get(c[0], "created"))
            || strcmp(json_string_value(json_object_get(c[i], "object")),
                      "chat.completion.chunk") != 0)
        {
            ok_env = 0;
        }

        if (json_array_size(json_object_get(c[i], "choices")) == 0) {
            usage_chunks += json_object_get(c[i], "usage") != NULL;
            continue;
        }

        ch = json_array_get(json_object_get(c[i], "choices"), 0);
        d = json_object_get(ch, "delta");
        if (json_integer_value(json_object_get(ch, "index")) != 0
            || json_object_get(ch, "finish_reason") == NULL
            || !json_is_object(d))
        {
            ok_env = 0;
        }

        if (json_is_string(json_object_get(d, "content"))) {
            l += snprintf(got + l, sizeof(got) - l, "%s",
                          json_string_value(json_object_get(d, "content")));
        }
    }

    ok(ok_env, "%s: one id, the client's model, created, index and "
       "finish_reason in every chunk", name);
    ok(n > 0 && json_is_string(json_object_get(json_object_get(
           json_array_get(json_object_get(c[0], "choices"), 0), "delta"),
           "role")), "%s: role on the first delta", name);
    is_int(usage_chunks, include_usage ? 1 : 0, "the usage chunk only "
           "when asked for");

    provider_text(in, -1, want, sizeof(want));
    is_str(got, want, "the text as sent");

    for (i = 0; i < n; i++) {
        json_decref(c[i]);
    }

    run_free(&r);
    free(in);
}


/*
 * Text chunks of OpenAI's own shape after the bytes they repeat are read
 * without the walk (oai_stream.c): the steps are those of the same
 * chunks walked (each "created" different, so none repeats the last
 * one's first bytes), and their text is still validated.
 */
static void
text_chunk(agw_buf_t *b, int created, const char *text, const char *after)
{
    agw_buf_printf(b, "data: {\"id\":\"c1\",\"object\":\"chat.completion."
                   "chunk\",\"created\":%d,\"model\":\"up\",\"choices\":"
                   "[{\"index\":0,\"delta\":{%s%s},\"logprobs\":"
                   "null,\"finish_reason\":null}]%s}\n\n", created,
                   text[0] == '[' ? "\"tool_calls\":" : "\"content\":",
                   text, after);
}


static void
check_text_chunks(void)
{
    int          i, n, k;
    run_t        r;
    agw_buf_t    b = AGW_BUF_INIT;
    static rec_step_t  walked[64];

    for (k = 0; k < 2; k++) {
        agw_buf_reset(&b);
        for (i = 0; i < 2; i++) {
            text_chunk(&b, k ? 10 + i * 3 : 1, "\"\"", "");
            text_chunk(&b, k ? 11 + i * 3 : 1, "\"a\\u00e9\\\"b\"",
                       ",\"usage\":null,\"obfuscation\":\"x\"");
            text_chunk(&b, k ? 12 + i * 3 : 1, "null", ",\"usage\":null");
        }
        text_chunk(&b, k ? 16 : 1, "[{\"index\":0,\"id\":\"call_1\","
                   "\"type\":\"function\",\"function\":{\"name\":\"f\","
                   "\"arguments\":\"\"}}]", "");
        text_chunk(&b, k ? 17 : 1, "[{\"index\":0,\"function\":{"
                   "\"arguments\":\"{\\\"a\"}}]", ",\"usage\":null");
        text_chunk(&b, k ? 18 : 1, "[{\"index\":0,\"function\":{"
                   "\"arguments\":\"\\\":1}\"}}]", "");
        text_chunk(&b, k ? 20 : 1, "\"z\"", ",\"usage\":{\"prompt_tokens\":3,"
                   "\"completion_tokens\":4,\"total_tokens\":7}");
        agw_buf_append_str(&b, "data: [DONE]\n\n");

        ok(run(&rec_codec, b.data, b.len, 0, 1, &r) == 0 && rec_ended,
           "text chunks (%s): read", k ? "walked" : "repeating");

        if (k == 0) {
            n = nsteps;
            memcpy(walked, steps, sizeof(rec_step_t) * (size_t) n);
        } else {
            ok(n == nsteps && n <= 64
               && memcmp(walked, steps, sizeof(rec_step_t) * (size_t) n) == 0,
               "text chunks: the steps of the chunks walked");
        }
        run_free(&r);
    }

    /* a text not JSON in that shape: refused as when walked */
    agw_buf_reset(&b);
    text_chunk(&b, 1, "\"a\"", "");
    text_chunk(&b, 1, "\"a\\x\"", "");
    ok(run(&rec_codec, b.data, b.len, 0, 0, &r) == -1 && r.s.error
       && strcmp(r.s.error->code, "invalid_stream") == 0,
       "text chunks: a bad escape in the text: invalid_stream");
    run_free(&r);

    agw_buf_reset(&b);
    text_chunk(&b, 1, "\"a\"", "");
    text_chunk(&b, 1, "[{\"index\":0,\"function\":{\"arguments\":1,}}]",
               "");
    ok(run(&rec_codec, b.data, b.len, 0, 0, &r) == -1 && r.s.error
       && strcmp(r.s.error->code, "invalid_stream") == 0,
       "text chunks: calls that are not JSON: invalid_stream");
    run_free(&r);

    agw_buf_free(&b);
}


int
main(void)
{
    rec_codec.write_step = rec_write_step;
    rec_codec.write_end = rec_write_end;

    check_fixture("openai-chat/stream-text.sse", 0);
    check_fixture("openai-chat/stream-tool-calls.sse", 1);
    check_fixture("openai-chat/stream-parallel-tool-calls.sse", 2);
    check_fixture("openai-chat/stream-parallel-tool-calls.interleaved.sse", 2);
    check_fixture("openai-chat/stream-include-usage.chunks.jsonl", 0);
    check_fixture("openai-chat/stream-reasoning-usage-azure.chunks.jsonl", 0);
    check_interleaved();
    check_kinds();
    check_errors();
    check_text_chunks();
    check_writer("openai-chat/stream-text.sse", 0);
    check_writer("openai-chat/stream-text.sse", 1);
    check_writer("openai-chat/stream-include-usage.chunks.jsonl", 1);
    check_writer("openai-chat/stream-reasoning-usage-azure.chunks.jsonl", 0);

    return done_testing();
}
