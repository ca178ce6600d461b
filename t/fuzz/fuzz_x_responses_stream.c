/*
 * libFuzzer target: a Responses API provider stream through the engine's
 * driver and codec (translate/responses/rsp_stream.c, rsp_rewrite.c):
 * read into steps and written for a Responses client, and rewritten.  Every
 * event written must be JSON, named as its type, and numbered in
 * sequence from 0.
 */

#include "agw_engine.h"
#include "agw_codec.h"
#include "fuzz_util.h"

/* the finish reason and model the engine reports: their readers fuzzed
 * too (agw_answer_meta_t) */
static agw_answer_meta_t  fuzz_meta;



typedef struct {
    int64_t  seq;
} fuzz_x_check_t;


static int
fuzz_x_check(void *ud, const agw_sse_event_t *ev)
{
    char             num[32];
    agw_str_t        type, seq;
    fuzz_x_check_t  *c = ud;

    snprintf(num, sizeof(num), "%lld", (long long) c->seq++);
    fuzz_valid_json("an event", ev->data, ev->data_len);

    /* the type a string holding the event's name (no escapes in it),
     * the sequence number the next */
    if (fuzz_member(ev->data, ev->data_len, "type", &type) != 1
        || fuzz_member(ev->data, ev->data_len, "sequence_number", &seq) != 1
        || type.len != ev->event_len + 2 || type.data[0] != '"'
        || memcmp(type.data + 1, ev->event, ev->event_len) != 0
        || seq.len != strlen(num) || memcmp(seq.data, num, seq.len) != 0)
    {
        fprintf(stderr, "bad event: %.*s\n", (int) ev->data_len, ev->data);
        abort();
    }

    return 0;
}


/*
 * The input through the engine's stream driver, whole: read into steps
 * and written for a Responses client (the codec's rewrite hidden from
 * the engine), or rewritten.
 */
static void
fuzz_x_run(const uint8_t *data, size_t size, int rewrite)
{
    agw_codec_t        form;
    agw_xstream_t     *s;
    agw_sse_parser_t   p;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_answer_ctx_t   ctx;
    fuzz_x_check_t     c;

    form = agw_responses_codec;

    if (!rewrite) {
        form.rewrite_event = NULL;
    }

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("m", 1);
    ctx.meta = &fuzz_meta;
    memset(&fuzz_meta, 0, sizeof(fuzz_meta));

    s = agw_engine_stream_new_codecs(rewrite ? &agw_responses_codec : &form,
                                     &agw_responses_codec, &ctx, 0);
    if (s == NULL) {
        return;
    }

    (void) agw_engine_stream_feed(s, (const char *) data, size, &out);
    (void) agw_engine_stream_finish(s, 1, &out);

    /* what the gateway wrote (a rewrite passes the provider's own) */
    if (!rewrite) {
        memset(&c, 0, sizeof(c));
        agw_sse_init(&p, 0);
        agw_sse_feed(&p, out.data, out.len, fuzz_x_check, &c);

        if (agw_sse_pending(&p)) {
            abort();
        }

        agw_sse_free(&p);
    }

    agw_engine_stream_free(s);
    agw_buf_free(&out);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_x_run(data, size, 0);
    fuzz_x_run(data, size, 1);
    return 0;
}
