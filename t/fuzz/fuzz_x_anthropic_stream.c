/*
 * libFuzzer target: provider streams written for an Anthropic client by
 * the engine's Anthropic codec: an Anthropic provider's through its own
 * event reader, and (with their codecs linked in) OpenAI, Gemini and
 * Responses providers' through theirs.  Properties: no crash or leak; the
 * client stream is well-formed whatever the provider sent (message_start
 * first, blocks one at a time indexed from 0, no delta outside its open
 * block, above all none after its block's stop, which is what parallel
 * tool calls interleaved by an OpenAI provider risk; nothing after
 * message_stop or the error event); the output is the same for every
 * split of the input.
 *
 * Input: 4 steering bytes (byte 0: the provider's dialect; bytes 1-3:
 * the split seed), then SSE.  Seed corpus:
 * t/fuzz/corpus/fuzz_x_anthropic_stream/.
 */

#define _GNU_SOURCE             /* memmem */

#include <stdlib.h>
#include <string.h>

#include "agw_codec.h"
#include "agw_sse.h"
#include "fuzz_util.h"

/* the finish reason and model the engine reports: their readers fuzzed
 * too (agw_answer_meta_t) */
static agw_answer_meta_t  fuzz_meta;


/* the other dialects' codecs, when their branches are merged */
#pragma weak agw_openai_codec
#pragma weak agw_gemini_codec
#pragma weak agw_responses_codec


typedef struct {
    agw_xstream_t   s;
    agw_arena_t     arena;
    int             rc;
} fuzz_xs_t;


static int
fuzz_x_event(void *ud, const agw_sse_event_t *ev)
{
    fuzz_xs_t  *t = ud;

    if (t->rc == 0 && !t->s.client_done) {
        t->rc = t->s.reader->read_event(&t->s, ev);
        agw_arena_free(&t->arena);
    }

    return 0;
}


/* The client stream for the input fed in pieces (seed 0: whole). */
static void
fuzz_x_run(const agw_codec_t *reader, const uint8_t *d, size_t len,
    uint32_t seed, agw_buf_t *out)
{
    size_t            i, n;
    uint32_t          st = seed;
    fuzz_xs_t         t;
    agw_sse_parser_t  sse;

    memset(&t, 0, sizeof(t));
    t.s.reader = reader;
    t.s.writer = &agw_anthropic_codec;
    t.s.rstate = calloc(1, reader->read_state_size + 1);
    t.s.wstate = calloc(1, agw_anthropic_codec.write_state_size);
    if (t.s.rstate == NULL || t.s.wstate == NULL) {
        abort();
    }
    agw_arena_init(&t.arena, NULL, 0, 0);
    t.s.arena = &t.arena;
    agw_jw_init(&t.s.w, out);
    t.s.opts.model = agw_str_bytes("client", 6);
    t.s.opts.meta = &fuzz_meta;
    memset(&fuzz_meta, 0, sizeof(fuzz_meta));
    t.s.opts.provider = reader->dialect;
    agw_usage_init(&t.s.usage);

    agw_sse_init(&sse, 1024 * 1024);

    for (i = 0; i < len; i += n) {
        n = seed ? fuzz_piece(&st, len - i) : len - i;
        agw_sse_feed(&sse, (const char *) d + i, n, fuzz_x_event, &t);
    }

    agw_sse_feed(&sse, "\n\n", 2, fuzz_x_event, &t);
    agw_sse_free(&sse);

    if (t.rc != 0 || !t.s.provider_done) {
        agw_error_t  cut;

        memset(&cut, 0, sizeof(cut));
        agw_error_set(&cut, AGW_ERR_BAD_GATEWAY, 0, "stream_truncated",
                      "cut");
        agw_anthropic_codec.write_stream_error(&t.s, t.s.error ? t.s.error
                                                               : &cut);
    } else {
        agw_anthropic_codec.write_end(&t.s);
    }

    /* nothing after the end */
    n = out->len;
    agw_anthropic_codec.write_end(&t.s);
    if (out->len != n) {
        abort();
    }

    if (reader->free_read_state != NULL) {
        reader->free_read_state(t.s.rstate);
    }
    free(t.s.rstate);
    free(t.s.wstate);
    free(t.s.error);
    agw_arena_free(&t.arena);
}


static int
fuzz_x_is(const char *p, const char *end, const char *lit)
{
    size_t  n = strlen(lit);

    return (size_t) (end - p) >= n && memcmp(p, lit, n) == 0;
}


/* The Anthropic client stream's shape, checked event by event. */
static void
fuzz_x_check(const agw_buf_t *out)
{
    int          open, next, idx, started, ended;
    const char  *p, *end, *data, *ev_end, *ix;

    open = -1;
    next = 0;
    started = 0;
    ended = 0;
    p = out->data;
    end = out->data + out->len;

    while (p != NULL && p < end) {
        if (ended) {
            abort();                    /* nothing after the end */
        }

        ev_end = memmem(p, (size_t) (end - p), "\n\n", 2);
        data = memmem(p, (size_t) (end - p), "\ndata: ", 7);
        if (ev_end == NULL || data == NULL || data > ev_end) {
            abort();                    /* every event is framed */
        }

        ix = memmem(data, (size_t) (ev_end - data), "\"index\":", 8);
        idx = ix ? atoi(ix + 8) : -1;

        if (fuzz_x_is(p, end, "event: message_start\n")) {
            if (started) {
                abort();
            }
            started = 1;

        } else if (fuzz_x_is(p, end, "event: error\n")) {
            ended = 1;

        } else if (!started) {
            abort();

        } else if (fuzz_x_is(p, end, "event: content_block_start\n")) {
            if (open != -1 || idx != next) {
                abort();
            }
            open = next++;

        } else if (fuzz_x_is(p, end, "event: content_block_delta\n")) {
            if (idx != open) {
                abort();                /* never after its block's stop */
            }

        } else if (fuzz_x_is(p, end, "event: content_block_stop\n")) {
            if (idx != open) {
                abort();
            }
            open = -1;

        } else if (fuzz_x_is(p, end, "event: message_delta\n")) {
            if (open != -1) {
                abort();
            }

        } else if (fuzz_x_is(p, end, "event: message_stop\n")) {
            ended = 1;

        } else {
            abort();
        }

        p = ev_end + 2;
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t            seed;
    agw_buf_t           whole = AGW_BUF_INIT, split = AGW_BUF_INIT;
    const agw_codec_t  *reader;

    static const agw_codec_t  *readers[4] = {
        &agw_anthropic_codec, &agw_openai_codec, &agw_gemini_codec,
        &agw_responses_codec
    };

    if (size < FUZZ_HEADER) {
        return 0;
    }

    reader = readers[data[0] % 4];
    if (reader == NULL) {
        reader = &agw_anthropic_codec;
    }

    seed = ((uint32_t) data[1] << 16) | ((uint32_t) data[2] << 8) | data[3];
    seed |= 1;

    fuzz_x_run(reader, data + FUZZ_HEADER, size - FUZZ_HEADER, 0, &whole);
    fuzz_x_check(&whole);

    fuzz_x_run(reader, data + FUZZ_HEADER, size - FUZZ_HEADER, seed,
               &split);

    if (whole.len != split.len
        || memcmp(whole.data, split.data, whole.len) != 0)
    {
        fuzz_differ("the split changed the client stream", &whole, &split);
    }

    agw_buf_free(&whole);
    agw_buf_free(&split);

    return 0;
}
