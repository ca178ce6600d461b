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


/* The input translated for a Responses client (no rewrite): 0 when the
 * stream went through whole. */
static int
fuzz_x_translate(const char *data, size_t size, agw_buf_t *out)
{
    int                rc;
    agw_codec_t        form;
    agw_xstream_t     *s;
    agw_answer_ctx_t   ctx;

    form = agw_responses_codec;
    form.rewrite_event = NULL;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("m", 1);

    s = agw_engine_stream_new_codecs(&form, &agw_responses_codec, &ctx, 0);
    if (s == NULL) {
        return -1;
    }

    rc = agw_engine_stream_feed(s, data, size, out) != 0
         || agw_engine_stream_finish(s, 1, out) != 0;

    agw_engine_stream_free(s);

    return rc ? -1 : 0;
}


/*
 * The delta events read by their members' bytes (rsp_stream.c) against
 * the same events walked: a blank before each event's brace ("data:  {")
 * sends every one to the walk.  A stream the walk takes whole must go
 * through the bytes' path whole too, the client's bytes the same; the
 * other way is allowed (the bytes' path only skips the members it drops).
 */
static void
fuzz_x_same(const uint8_t *data, size_t size)
{
    size_t       i;
    agw_buf_t    in = AGW_BUF_INIT, a = AGW_BUF_INIT, b = AGW_BUF_INIT;
    const char  *d = (const char *) data;

    for (i = 0; i < size; i++) {
        if ((i == 0 || d[i - 1] == '\n' || d[i - 1] == '\r')
            && size - i > 5 && memcmp(d + i, "data:", 5) == 0
            && (d[i + 5] == '{' || (size - i > 6 && d[i + 5] == ' '
                                    && d[i + 6] == '{')))
        {
            agw_buf_append(&in, "data:  ", 7);
            i += d[i + 5] == ' ' ? 5 : 4;
            continue;
        }

        agw_buf_append(&in, d + i, 1);
    }

    if (fuzz_x_translate(in.data ? in.data : "", in.len, &a) == 0) {
        if (fuzz_x_translate((const char *) data, size, &b) != 0) {
            fuzz_die("the walk took the stream, the bytes' path did not",
                     (const char *) data, size, &a);
        }

        if (a.len != b.len
            || (a.len && memcmp(a.data, b.data, a.len) != 0))
        {
            fuzz_differ("delta events walked, and by their bytes", &a, &b);
        }
    }

    agw_buf_free(&in);
    agw_buf_free(&a);
    agw_buf_free(&b);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_x_run(data, size, 0);
    fuzz_x_run(data, size, 1);
    fuzz_x_same(data, size);
    return 0;
}
