/*
 * libFuzzer target: a Responses API provider stream through the engine's
 * codec (translate/responses/rsp_stream.c, rsp_rewrite.c): read into
 * steps and written for a Responses client, and rewritten for one.  Every
 * event written must be JSON, named as its type, and numbered in
 * sequence from 0.
 */

#include "fuzz_x_responses.h"


typedef struct {
    agw_xstream_t  s;
    agw_arena_t    arena;
    int            rewrite;
} fuzz_x_run_t;


static int
fuzz_x_event(void *ud, const agw_sse_event_t *ev)
{
    int            rc;
    fuzz_x_run_t  *x = ud;

    if (x->s.provider_done || (x->s.error != NULL && !x->rewrite)) {
        return 0;
    }

    rc = x->rewrite ? agw_responses_codec.rewrite_event(&x->s, ev)
                    : agw_responses_codec.read_event(&x->s, ev);
    agw_arena_free(&x->arena);

    return rc != 0;
}


typedef struct {
    int64_t  seq;
} fuzz_x_check_t;


static int
fuzz_x_check(void *ud, const agw_sse_event_t *ev)
{
    json_t          *j, *t;
    fuzz_x_check_t  *c = ud;

    j = json_loadb(ev->data, ev->data_len, 0, NULL);
    t = json_object_get(j, "type");

    if (j == NULL || !json_is_string(t)
        || ev->event_len != json_string_length(t)
        || memcmp(ev->event, json_string_value(t), ev->event_len) != 0
        || json_integer_value(json_object_get(j, "sequence_number"))
           != c->seq++)
    {
        fprintf(stderr, "bad event: %.*s\n", (int) ev->data_len, ev->data);
        abort();
    }

    json_decref(j);
    return 0;
}


static void
fuzz_x_run(const uint8_t *data, size_t size, int rewrite)
{
    fuzz_x_run_t      x;
    agw_sse_parser_t  p;
    agw_buf_t         out = AGW_BUF_INIT;
    agw_error_t       err;
    fuzz_x_check_t    c;

    memset(&x, 0, sizeof(x));
    x.rewrite = rewrite;
    x.s.reader = &agw_responses_codec;
    x.s.writer = &agw_responses_codec;
    x.s.rstate = calloc(1, agw_responses_codec.read_state_size);
    x.s.wstate = calloc(1, agw_responses_codec.write_state_size);
    agw_arena_init(&x.arena, NULL, 0, 1 << 24);
    x.s.arena = &x.arena;
    agw_jw_init(&x.s.w, &out);
    x.s.opts.model = agw_str_bytes("m", 1);
    agw_usage_init(&x.s.usage);

    agw_sse_init(&p, 0);
    agw_sse_feed(&p, (const char *) data, size, fuzz_x_event, &x);
    agw_sse_free(&p);

    if (x.s.error != NULL) {
        agw_responses_codec.write_stream_error(&x.s, x.s.error);

    } else if (x.s.provider_done) {
        agw_responses_codec.write_end(&x.s);

    } else {
        memset(&err, 0, sizeof(err));
        agw_error_set(&err, AGW_ERR_BAD_GATEWAY, 0, "stream_truncated", "cut");
        agw_responses_codec.write_stream_error(&x.s, &err);
    }

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

    agw_responses_codec.free_read_state(x.s.rstate);
    agw_responses_codec.free_write_state(x.s.wstate);
    free(x.s.rstate);
    free(x.s.wstate);
    agw_arena_free(&x.arena);
    agw_buf_free(&out);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_x_run(data, size, 0);
    fuzz_x_run(data, size, 1);
    return 0;
}
