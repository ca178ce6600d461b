/*
 * libFuzzer target: the engine's OpenAI Chat stream reader and writer,
 * and the same-dialect stream rewrite.  The first FUZZ_HEADER bytes steer
 * (include_usage, the split's seed); the rest is the provider's SSE.
 * Properties: the steps form a well-formed sequence (START first, blocks
 * opened in index order, one at a time, deltas to the open block only,
 * none open at the finish); every event the OpenAI writer writes is a
 * data line of valid JSON or [DONE], and every one the rewrite writes
 * when the provider's were (it trusts them: a same-dialect passthrough,
 * and ASan checks it reads no byte past an event); the steps are the same
 * whatever the split of the bytes; the rewrite's output is the same
 * whether a chunk repeating the last one's first bytes is walked from
 * there or whole (for chunks that are JSON).  Bit 1 of the first byte:
 * each event's data copied to a buffer of its own size (ASan sees a read
 * past it), read as the reader reads it (a text chunk by the head the
 * last walked one had) and walked only: the client must get the same
 * bytes, failures and usage both ways.
 */

#define _GNU_SOURCE             /* memmem */

#include "agw_codec.h"
#include "agw_arena.h"
#include "openai/oai_int.h"
#include "fuzz_util.h"

/* the finish reason and model the engine reports: their readers fuzzed
 * too (agw_answer_meta_t) */
static agw_answer_meta_t  fuzz_meta;



typedef struct {
    int        open;
    int        next;
    int        started;
    agw_buf_t  log;             /* the steps, for the split comparison */
} check_t;


static int
check_step(agw_xstream_t *s, const agw_step_t *st)
{
    check_t  *c = s->wstate;

    if (!c->started && st->type != AGW_STEP_START) {
        abort();
    }

    switch (st->type) {
    case AGW_STEP_START:
        if (c->started) {
            abort();
        }
        c->started = 1;
        break;
    case AGW_STEP_BLOCK_START:
        if (c->open != -1 || (int) st->index != c->next || st->part == NULL) {
            abort();
        }
        c->open = c->next++;
        break;
    case AGW_STEP_DELTA:
    case AGW_STEP_SIGNATURE:
        if ((int) st->index != c->open) {
            abort();
        }
        break;
    case AGW_STEP_BLOCK_STOP:
        if ((int) st->index != c->open) {
            abort();
        }
        c->open = -1;
        break;
    case AGW_STEP_FINISH:
        if (c->open != -1) {
            abort();
        }
        break;
    default:
        break;
    }

    (void) agw_buf_printf(&c->log, "%d %u %.*s|", st->type, st->index,
                          (int) st->text.len,
                          st->text.data ? st->text.data : "");
    return 0;
}


static agw_codec_t  check_codec;


typedef struct {
    agw_xstream_t  s;
    agw_arena_t    arena;
    int            rewrite;
    int            rc;
} run_t;


static int
run_event(void *ud, const agw_sse_event_t *ev)
{
    run_t  *r = ud;

    if (r->rc != 0) {
        return 0;
    }

    r->rc = r->rewrite ? r->s.reader->rewrite_event(&r->s, ev)
                       : r->s.reader->read_event(&r->s, ev);
    agw_arena_free(&r->arena);

    return 0;
}


static void
run(const agw_codec_t *writer, int rewrite, int include_usage,
    const uint8_t *d, size_t len, uint32_t seed, void *wstate, agw_buf_t *out)
{
    size_t             i, n;
    uint32_t           st = seed;
    run_t              r;
    agw_sse_parser_t   sse;

    memset(&r, 0, sizeof(r));
    r.s.reader = &agw_openai_codec;
    r.s.writer = writer;
    /* rewrite 2: without a read state, so every chunk is walked whole */
    r.s.rstate = rewrite == 2 ? NULL
                              : calloc(1, agw_openai_codec.read_state_size);
    r.s.wstate = wstate;
    r.s.arena = &r.arena;
    r.s.opts.model = (agw_str_t) agw_str_lit("fuzz-model");
    r.s.opts.meta = &fuzz_meta;
    memset(&fuzz_meta, 0, sizeof(fuzz_meta));
    r.s.opts.include_usage = include_usage;
    r.rewrite = rewrite;
    agw_usage_init(&r.s.usage);
    agw_jw_init(&r.s.w, out);
    agw_arena_init(&r.arena, NULL, 0, 0);
    agw_sse_init(&sse, 1 << 20);

    for (i = 0; i < len; i += n) {
        n = seed ? fuzz_piece(&st, len - i) : len - i;
        if (agw_sse_feed(&sse, (const char *) d + i, n, run_event, &r) < 0) {
            break;
        }
    }

    if (!rewrite && writer != &check_codec) {
        if (r.rc == 0 && r.s.provider_done) {
            (void) writer->write_end(&r.s);
        } else if (r.s.error != NULL) {
            (void) writer->write_stream_error(&r.s, r.s.error);
        }
    }

    if (r.s.rstate != NULL) {
        agw_openai_codec.free_read_state(r.s.rstate);
        free(r.s.rstate);
    }
    free(r.s.error);
    agw_sse_free(&sse);
    agw_arena_free(&r.arena);
}


/* Every event: "data: " valid JSON or [DONE] on one line, then a blank
 * line (an event name line allowed before it). */
static void
check_out(const agw_buf_t *out, const uint8_t *d, size_t len)
{
    const char  *p, *e, *end;

    if (out->len == 0) {
        return;
    }

    /* JSON may hold a line break between tokens: the JSON check below
     * would not see one that cuts an event */
    if (events_framed(out->data, out->len) != 0) {
        abort();
    }

    end = out->data + out->len;

    /* bounded compares: a name passed on as it came may hold NUL bytes */
    for (p = out->data; p < end; p = e + 2) {
        e = memmem(p, (size_t) (end - p), "\n\n", 2);
        if (e == NULL) {
            abort();
        }

        if (e - p >= 7 && memcmp(p, "event: ", 7) == 0) {
            p = memchr(p, '\n', (size_t) (e - p)) + 1;
        }

        if (e - p < 6 || memcmp(p, "data: ", 6) != 0) {
            abort();
        }

        if (e - p == 12 && memcmp(p + 6, "[DONE]", 6) == 0) {
            continue;
        }

        fuzz_valid_json("an event", p + 6, (size_t) (e - p - 6));
    }
}


/* Bit 1 (see above): the two ways, the same bytes. */
static int
repeat_event(void *ud, const agw_sse_event_t *ev)
{
    int               i;
    char             *copy;
    run_t            *r = ud;
    agw_sse_event_t   e;

    copy = event_exact(&e, ev->data, ev->data_len);

    for (i = 0; i < 2; i++) {
        if (r[i].rc != 0 || r[i].s.provider_done) {
            continue;
        }
        r[i].rc = i == 0 ? agw_oai_read_event(&r[i].s, &e)
                         : agw_oai_read_walk(&r[i].s, &e);
        agw_arena_free(&r[i].arena);
    }

    free(copy);

    return 0;
}


static void
fuzz_repeat(int include_usage, const uint8_t *p, size_t n)
{
    int                i;
    run_t              r[2];
    agw_buf_t          out[2] = { AGW_BUF_INIT, AGW_BUF_INIT };
    agw_sse_parser_t   sse;

    for (i = 0; i < 2; i++) {
        memset(&r[i], 0, sizeof(run_t));
        r[i].s.reader = &agw_openai_codec;
        r[i].s.writer = &agw_openai_codec;
        r[i].s.rstate = calloc(1, agw_openai_codec.read_state_size);
        r[i].s.wstate = calloc(1, agw_openai_codec.write_state_size);
        r[i].s.arena = &r[i].arena;
        r[i].s.opts.model = (agw_str_t) agw_str_lit("fuzz-model");
        r[i].s.opts.meta = &fuzz_meta;
        r[i].s.opts.include_usage = include_usage;
        agw_usage_init(&r[i].s.usage);
        agw_jw_init(&r[i].s.w, &out[i]);
        agw_arena_init(&r[i].arena, NULL, 0, 0);
    }

    agw_sse_init(&sse, 1 << 20);
    (void) agw_sse_feed(&sse, (const char *) p, n, repeat_event, r);
    agw_sse_free(&sse);

    for (i = 0; i < 2; i++) {
        if (r[i].rc == 0 && r[i].s.provider_done) {
            (void) agw_openai_codec.write_end(&r[i].s);
        } else if (r[i].s.error != NULL) {
            (void) agw_openai_codec.write_stream_error(&r[i].s,
                                                       r[i].s.error);
        }
    }

    if ((r[0].rc != 0) != (r[1].rc != 0)
        || (r[0].s.error == NULL) != (r[1].s.error == NULL)
        || memcmp(&r[0].s.usage, &r[1].s.usage, sizeof(agw_usage_t)) != 0
        || out[0].len != out[1].len
        || (out[0].len && memcmp(out[0].data, out[1].data, out[0].len) != 0))
    {
        fuzz_differ("the repeat and the walk differ", &out[0], &out[1]);
    }

    for (i = 0; i < 2; i++) {
        agw_openai_codec.free_read_state(r[i].s.rstate);
        agw_openai_codec.free_write_state(r[i].s.wstate);
        free(r[i].s.rstate);
        free(r[i].s.wstate);
        free(r[i].s.error);
        agw_arena_free(&r[i].arena);
        agw_buf_free(&out[i]);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int        include_usage, pending, valid;
    uint32_t   seed;
    check_t    c1, c2;
    agw_buf_t  out = AGW_BUF_INIT;
    void      *ws;

    if (size < FUZZ_HEADER) {
        return 0;
    }

    include_usage = data[0] & 1;
    seed = (uint32_t) data[1] | (uint32_t) data[2] << 8 | 1;
    data += FUZZ_HEADER;
    size -= FUZZ_HEADER;

    if (data[-FUZZ_HEADER] & 2) {
        fuzz_repeat(include_usage, data, size);
        return 0;
    }

    check_codec.write_step = check_step;

    memset(&c1, 0, sizeof(c1));
    memset(&c2, 0, sizeof(c2));
    c1.open = c2.open = -1;

    run(&check_codec, 0, include_usage, data, size, 0, &c1, &out);
    run(&check_codec, 0, include_usage, data, size, seed, &c2, &out);

    if (c1.log.len != c2.log.len
        || (c1.log.len && memcmp(c1.log.data, c2.log.data, c1.log.len) != 0))
    {
        fuzz_differ("steps differ with the split", &c1.log, &c2.log);
    }

    agw_buf_free(&c1.log);
    agw_buf_free(&c2.log);

    ws = calloc(1, agw_openai_codec.write_state_size);
    agw_buf_reset(&out);
    run(&agw_openai_codec, 0, include_usage, data, size, seed, ws, &out);
    check_out(&out, data, size);
    agw_openai_codec.free_write_state(ws);
    free(ws);

    agw_buf_reset(&out);
    run(&agw_openai_codec, 1, include_usage, data, size, seed, NULL, &out);
    /* the rewrite passes a provider's chunks to a client of its dialect
     * as they came, as proxy_pass would: valid when they were */
    valid = fuzz_all_json((const char *) data, size, &pending) == 1;
    if (valid) {
        check_out(&out, data, size);
    }

    /* a chunk walked from the last one's first bytes is rewritten as
     * when walked whole (when the chunks are JSON: the rewrite trusts
     * them, and one that is not may go through one walk and not the
     * other) */
    memset(&c1, 0, sizeof(c1));
    run(&agw_openai_codec, 2, include_usage, data, size, seed, NULL,
        &c1.log);
    if (valid && (out.len != c1.log.len
                  || (out.len && memcmp(out.data, c1.log.data, out.len) != 0)))
    {
        fuzz_differ("the rewrite differs when chunks are walked whole",
                    &out, &c1.log);
    }

    agw_buf_free(&c1.log);
    agw_buf_free(&out);
    return 0;
}
