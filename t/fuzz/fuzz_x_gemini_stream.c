/*
 * libFuzzer target: the engine's Gemini codec on streams.  The first byte
 * steers: bit 0 the same-dialect rewrite instead of read + write, bit 1
 * an Anthropic provider (signatures dropped), bit 2 the payload taken as
 * a sequence of steps for the writer (any order, well-formed or not)
 * instead of SSE, bit 0 then unused (steps are never a rewrite, so their
 * output is always checked).  Properties: no crash or leak, every event a
 * Gemini client gets is "data: <valid JSON>" (from the rewrite, which
 * trusts the provider's bytes as proxy_pass would, when the provider's
 * were).  Bit 3: the payload's lines are events' data, each in a buffer
 * of its own size (ASan sees a read past it), read as the reader reads
 * them (a text chunk by the bytes the last one walked had) and walked
 * only: the client must get the same bytes both ways.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_codec.h"
#include "agw_json_reader.h"
#include "agw_sse.h"
#include "gemini/gem_int.h"
#include "fuzz_util.h"

/* the engine driver's calls until it is linked in */
#include "../unit/x_gemini_driver.h"

/* the finish reason and model the engine reports: their readers fuzzed
 * too (agw_answer_meta_t) */
static agw_answer_meta_t  fuzz_meta;



typedef struct {
    agw_xstream_t  s;
    agw_arena_t    a;
    int            rewrite;
    int            failed;
} fuzz_x_t;


static int
fuzz_x_event(void *ud, const agw_sse_event_t *ev)
{
    int        rc;
    fuzz_x_t  *x = ud;

    rc = x->rewrite ? agw_gemini_codec.rewrite_event(&x->s, ev)
                    : agw_gemini_codec.read_event(&x->s, ev);
    agw_arena_free(&x->a);
    x->failed = rc != 0;

    return rc != 0;
}


static int
fuzz_x_check(void *ud, const agw_sse_event_t *ev)
{
    int  *trusted = ud;

    if (*trusted) {
        return 0;
    }

    if (agw_json_valid(ev->data, ev->data_len, NULL) != 0) {
        fprintf(stderr, "not JSON: %.*s\n", (int) ev->data_len, ev->data);
        abort();
    }

    return 0;
}


/* Steps from bytes: op, index, a length, that many bytes of text. */
static void
fuzz_x_steps(fuzz_x_t *x, const uint8_t *p, size_t n)
{
    size_t       len;
    uint8_t      op;
    agw_step_t   step;
    agw_part_t   part;
    agw_usage_t  u;

    while (n >= 3 && !x->failed) {
        memset(&step, 0, sizeof(step));
        memset(&part, 0, sizeof(part));
        op = p[0];
        step.type = (agw_step_type_t) (1 + op % 7);
        step.index = p[1] % 8;
        len = p[2];
        p += 3;
        n -= 3;
        if (len > n) {
            len = n;
        }
        if (memchr(p, '\0', len) != NULL) {
            /* the escaper writes a NUL as \u0000, which the reader (as
             * jansson) refuses: no reader hands one on */
            p += len;
            n -= len;
            continue;
        }
        step.text = agw_str_bytes((const char *) p, len);
        part.type = (agw_part_type_t) (1 + (op >> 4) % 11);
        part.id = agw_str_bytes((const char *) p, len / 2);
        part.name = agw_str_bytes((const char *) p + len / 2, len - len / 2);
        step.part = &part;
        step.id = part.id;
        step.finish = (agw_finish_t) ((op >> 3) % 8);
        agw_usage_init(&u);
        u.input = (int64_t) len;
        step.usage = &u;
        p += len;
        n -= len;

        if (agw_stream_step(&x->s, &step) != 0) {
            x->failed = 1;
        }
    }
}


static void
fuzz_x_open(fuzz_x_t *x, agw_buf_t *out, char *stack, size_t len,
    agw_dialect_t provider)
{
    memset(x, 0, sizeof(fuzz_x_t));
    x->s.reader = &agw_gemini_codec;
    x->s.writer = &agw_gemini_codec;
    x->s.rstate = calloc(1, agw_gemini_codec.read_state_size);
    x->s.wstate = calloc(1, agw_gemini_codec.write_state_size);
    x->s.arena = &x->a;
    x->s.opts.model = (agw_str_t) agw_str_lit("fuzz-model");
    x->s.opts.meta = &fuzz_meta;
    x->s.opts.provider = provider;
    agw_usage_init(&x->s.usage);
    agw_jw_init(&x->s.w, out);
    agw_arena_init(&x->a, stack, len, 1 << 24);
}


/* The writer's end: its last chunk, or the error that cut the stream. */
static void
fuzz_x_end(fuzz_x_t *x)
{
    agw_error_t  err;

    if (!x->failed && x->s.provider_done) {
        agw_gemini_codec.write_end(&x->s);
    } else {
        memset(&err, 0, sizeof(err));
        agw_error_set(&err, AGW_ERR_BAD_GATEWAY, 0, "stream_truncated",
                      "cut");
        agw_gemini_codec.write_stream_error(&x->s, &err);
    }
}


static void
fuzz_x_close(fuzz_x_t *x)
{
    agw_gemini_codec.free_read_state(x->s.rstate);
    agw_gemini_codec.free_write_state(x->s.wstate);
    free(x->s.rstate);
    free(x->s.wstate);
    free(x->s.error);
    agw_arena_free(&x->a);
}


/* Bit 3 (see above): the two ways, the same bytes. */
static void
fuzz_x_repeat(const uint8_t *p, size_t n)
{
    int               i, rc;
    char              stack[2][4096], *copy;
    size_t            len;
    fuzz_x_t          x[2];
    agw_buf_t         out[2] = { AGW_BUF_INIT, AGW_BUF_INIT };
    const uint8_t    *nl;
    agw_sse_event_t   ev;

    for (i = 0; i < 2; i++) {
        fuzz_x_open(&x[i], &out[i], stack[i], sizeof(stack[i]),
                    AGW_DIALECT_OPENAI);
    }

    while (n > 0) {
        nl = memchr(p, '\n', n);
        len = nl != NULL ? (size_t) (nl - p) : n;

        copy = event_exact(&ev, (const char *) p, len);

        for (i = 0; i < 2; i++) {
            if (x[i].failed || x[i].s.provider_done) {
                continue;
            }
            rc = i == 0 ? agw_gem_read_event(&x[i].s, &ev)
                        : agw_gem_read_walk(&x[i].s, &ev);
            agw_arena_free(&x[i].a);
            x[i].failed = rc != 0;
        }

        free(copy);

        p += len;
        n -= len;
        if (nl != NULL) {
            p++;
            n--;
        }
    }

    for (i = 0; i < 2; i++) {
        fuzz_x_end(&x[i]);
    }

    if (x[0].failed != x[1].failed || out[0].len != out[1].len
        || (out[0].len && memcmp(out[0].data, out[1].data, out[0].len) != 0)
        || memcmp(&x[0].s.usage, &x[1].s.usage, sizeof(agw_usage_t)) != 0)
    {
        fprintf(stderr, "repeat: %.*s\nwalk: %.*s\n", (int) out[0].len,
                out[0].data ? out[0].data : "", (int) out[1].len,
                out[1].data ? out[1].data : "");
        abort();
    }

    for (i = 0; i < 2; i++) {
        fuzz_x_close(&x[i]);
        agw_buf_free(&out[i]);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int               trusted, pending;
    char              stack[4096];
    fuzz_x_t          x;
    agw_buf_t         out = AGW_BUF_INIT;
    agw_sse_parser_t  p;

    if (size < 1) {
        return 0;
    }

    memset(&fuzz_meta, 0, sizeof(fuzz_meta));

    if (data[0] & 8) {
        fuzz_x_repeat(data + 1, size - 1);
        return 0;
    }

    fuzz_x_open(&x, &out, stack, sizeof(stack),
                (data[0] & 2) ? AGW_DIALECT_ANTHROPIC : AGW_DIALECT_OPENAI);
    x.rewrite = (data[0] & 5) == 1;

    if (data[0] & 4) {
        fuzz_x_steps(&x, data + 1, size - 1);
    } else {
        agw_sse_init(&p, 1 << 20);
        agw_sse_feed(&p, (const char *) data + 1, size - 1, fuzz_x_event,
                     &x);
        agw_sse_free(&p);
    }

    if (!x.rewrite) {
        fuzz_x_end(&x);
    }

    /* a rewrite's events may be the provider's bytes as they came */
    trusted = x.rewrite && fuzz_all_json((const char *) data + 1, size - 1,
                                         &pending) != 1;

    agw_sse_init(&p, 0);
    if (agw_sse_feed(&p, out.data, out.len, fuzz_x_check, &trusted) != 0
        || agw_sse_pending(&p))
    {
        abort();
    }
    agw_sse_free(&p);

    fuzz_x_close(&x);
    agw_buf_free(&out);

    return 0;
}
