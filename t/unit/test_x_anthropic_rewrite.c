/*
 * The engine's Anthropic same-dialect rewrites, for every Anthropic
 * fixture and for mutations of them, against what a rewrite must give:
 * the rewritten request and answer are the body as jansson reads it
 * with the model set, nothing added (jansson: an independent JSON
 * reader) and, unmutated, the request's bytes but for the model's
 * value; the answer's usage is what the Anthropic reader reads; a
 * rewritten stream gives the provider's events, message_start with the
 * client's model (compared as JSON, the rest byte for byte).
 */

#include "x_anthropic.h"
#include "fixtures.h"
#include "agw_sse.h"
#include "agw_engine.h"


static const char  *requests[] = {
    "anthropic-messages/request-image-base64.documented.json",
    "anthropic-messages/request-image-url.documented.json",
    "anthropic-messages/request-system-cache-control.documented.json",
    "anthropic-messages/request-tool-result.json",
    "anthropic-messages/request-tools.json",
};

static const char  *answers[] = {
    "anthropic-messages/response-after-tool-result.json",
    "anthropic-messages/response-redacted-thinking.documented.json",
    "anthropic-messages/response-text.json",
    "anthropic-messages/response-thinking.json",
    "anthropic-messages/response-tool-use.json",
};

static const char  *streams[] = {
    "anthropic-messages/stream-text.sse",
    "anthropic-messages/stream-tool-use.sse",
    "anthropic-messages/stream-tool-use.documented.sse",
    "anthropic-messages/stream-thinking.chunks.sse",
    "anthropic-messages/stream-thinking.documented.sse",
    "anthropic-messages/stream-prompt-cache.chunks.sse",
};


/* Mutations of a body: each one a member changed at the top level. */
static const char  *mutations[][2] = {
    { NULL, NULL },
    { "\"max_tokens\"", "\"max_tokenz\"" },
    { "\"model\"", "\"modem\"" },
    { "{", "{\"max_tokens\":\"9\"," },
    { "{", "{\"max_tokens\":2.5," },
    { "{", "{\"model\":1," },
    { "{", "{\"max_tokens\":5,\"max_tokens\":6," },
    { "{", "{\"usage\":{\"input_tokens\":9,\"output_tokens\":-3}," },
    { "{", "{\"usage\":{\"cache_read_input_tokens\":4}," },
    { "{", "{\"x\":[1,{\"y\":\"\\u00e9\"}],\"model\":\"dup\"," },
};


/* body with the mutation applied to its first match, malloc'd. */
static char *
mutate(const char *body, size_t i)
{
    char        *r;
    size_t       n, m;
    const char  *at;

    if (mutations[i][0] == NULL
        || (at = strstr(body, mutations[i][0])) == NULL)
    {
        return strdup(body);
    }

    n = strlen(mutations[i][0]);
    m = strlen(mutations[i][1]);

    r = malloc(strlen(body) - n + m + 1);
    memcpy(r, body, (size_t) (at - body));
    memcpy(r + (at - body), mutations[i][1], m);
    strcpy(r + (at - body) + m, at + n);

    return r;
}


/*
 * A rewrite's answer: the body as jansson reads it with the model set,
 * nothing else added.  NULL when jansson refuses it.
 */
static char *
model_set(const char *body, const char *model)
{
    char    *s;
    json_t  *in;

    in = json_loads(body, 0, NULL);
    if (in == NULL || !json_is_object(in)) {
        json_decref(in);
        return NULL;
    }

    json_object_set_new(in, "model", json_string(model));
    s = json_dumps(in, JSON_COMPACT);
    json_decref(in);

    return s;
}


/*
 * body with its first "model" string value replaced by model: what a
 * byte-for-byte rewrite gives, malloc'd (NULL when there is none).
 */
static char *
splice_model(const char *body, const char *model)
{
    char        *r;
    size_t       n;
    const char  *at, *v, *e;

    at = strstr(body, "\"model\"");
    if (at == NULL) {
        return NULL;
    }

    v = at + 7;
    while (*v == ' ' || *v == '\n' || *v == '\t' || *v == ':') {
        v++;
    }

    if (*v != '"') {
        return NULL;
    }

    for (e = v + 1; *e != '"'; e++) {
        if (*e == '\\') {
            e++;
        }
    }

    n = strlen(model);
    r = malloc(strlen(body) + n + 3);
    memcpy(r, body, (size_t) (v - body));
    r[v - body] = '"';
    memcpy(r + (v - body) + 1, model, n);
    r[(v - body) + 1 + n] = '"';
    strcpy(r + (v - body) + 2 + n, e + 1);

    return r;
}


static void
test_requests(void)
{
    int                 rc_new;
    size_t              f, i, len;
    char               *body, *mut, *want;
    agw_buf_t           new = AGW_BUF_INIT;
    agw_error_t         err;
    agw_request_ctx_t   no = {
        .model = { "claude-up", 9, AGW_STR_BYTES, 0 }, .stream = 1,
        .default_max_tokens = 2048, .client = AGW_DIALECT_ANTHROPIC
    };

    for (f = 0; f < sizeof(requests) / sizeof(requests[0]); f++) {
        body = fixture_read(requests[f], &len);
        if (body == NULL) {
            ok(0, "%s", requests[f]);
            continue;
        }

        for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
            mut = mutate(body, i);
            new.len = 0;

            want = model_set(mut, "claude-up");

            memset(&err, 0, sizeof(err));
            rc_new = agw_anthropic_codec.rewrite_request(mut, strlen(mut),
                                                         &no, &new, &err);

            if (want == NULL) {
                ok(rc_new != 0 && err.cls == AGW_ERR_INVALID_REQUEST,
                   "request rewrite refuses what is not JSON");
            } else {
                ok(rc_new == 0, "request rewrite %s: done", requests[f]);
                x_json_is(new.data, new.len, want,
                          "request rewrite: the body, the model set");
            }

            free(want);
            free(mut);
        }

        /* the unmutated body: byte for byte but for the model's value */
        new.len = 0;
        want = splice_model(body, "claude-up");
        ok(want != NULL
           && agw_anthropic_codec.rewrite_request(body, len, &no, &new, &err)
              == 0
           && new.len == strlen(want) && memcmp(new.data, want, new.len) == 0,
           "request rewrite %s: the client's bytes, the model's value "
           "replaced in place", requests[f]);
        free(want);

        free(body);
    }

    agw_buf_free(&new);
}


static void
test_answers(void)
{
    int                  rc_new, rc_read;
    size_t               f, i, len;
    char                *body, *mut, *want;
    agw_buf_t            new = AGW_BUF_INIT;
    agw_arena_t          a;
    agw_usage_t          un;
    agw_error_t          err;
    agw_response_t       res;
    agw_answer_ctx_t     no = {
        { "client-model", 12, AGW_STR_BYTES, 0 }, 0, 0, AGW_DIALECT_ANTHROPIC,
        0, NULL
    };

    for (f = 0; f < sizeof(answers) / sizeof(answers[0]); f++) {
        body = fixture_read(answers[f], &len);
        if (body == NULL) {
            ok(0, "%s", answers[f]);
            continue;
        }

        for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
            mut = mutate(body, i);
            new.len = 0;
            agw_usage_init(&un);
            want = model_set(mut, "client-model");

            memset(&err, 0, sizeof(err));
            rc_new = agw_anthropic_codec.rewrite_response(mut, strlen(mut),
                                                          &no, &new, &un,
                                                          &err);

            if (want == NULL || rc_new != 0) {
                ok(want == NULL && rc_new != 0,
                   "answer rewrite refuses what is not JSON (%s, mutation "
                   "%zu)", answers[f], i);
                free(want);
                free(mut);
                continue;
            }

            x_json_is(new.data, new.len, want,
                      "answer rewrite: the body, the model set");

            /* the usage the reader reads, where it takes the body */
            memset(&err, 0, sizeof(err));
            agw_arena_init(&a, NULL, 0, 0);
            rc_read = agw_anthropic_codec.read_response(mut, strlen(mut), &a,
                                                        &res, &err);
            ok(rc_read != 0
               || (res.usage.input == un.input
                   && res.usage.output == un.output
                   && res.usage.cache_read == un.cache_read
                   && res.usage.cache_write == un.cache_write),
               "answer rewrite: the reader's usage (%s, mutation %zu)",
               answers[f], i);
            agw_arena_free(&a);

            free(want);
            free(mut);
        }

        free(body);
    }

    agw_buf_free(&new);
}


typedef struct {
    agw_xstream_t   s;
    int             rc;
} rewrite_t;


static int
on_event(void *ud, const agw_sse_event_t *ev)
{
    rewrite_t  *t = ud;

    if (t->rc == 0 && !t->s.client_done) {
        t->rc = agw_anthropic_codec.rewrite_event(&t->s, ev);
    }

    return 0;
}


/* The usage of a stream as the Anthropic reader reads it: through the
 * engine to an OpenAI client. */
static const agw_usage_t *
reader_usage(const char *body, size_t len)
{
    agw_buf_t          out = AGW_BUF_INIT;
    agw_xstream_t     *s;
    agw_answer_ctx_t   ctx;
    static agw_usage_t  u;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("client-model", 12);
    ctx.provider = AGW_DIALECT_ANTHROPIC;
    agw_usage_init(&u);

    s = agw_engine_stream_new(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI,
                              &ctx, 0);
    if (s != NULL) {
        (void) agw_engine_stream_feed(s, body, len, &out);
        (void) agw_engine_stream_feed(s, "\n\n", 2, &out);
        (void) agw_engine_stream_finish(s, 1, &out);
        u = *agw_engine_stream_usage(s);
        agw_engine_stream_free(s);
    }

    agw_buf_free(&out);
    return &u;
}


static void
test_streams(void)
{
    size_t             f, len;
    char              *body, *want;
    agw_buf_t          new = AGW_BUF_INIT;
    agw_buf_t          eo = AGW_BUF_INIT, en = AGW_BUF_INIT;
    rewrite_t          t;
    agw_sse_parser_t   p;

    for (f = 0; f < sizeof(streams) / sizeof(streams[0]); f++) {
        body = fixture_read(streams[f], &len);
        if (body == NULL) {
            ok(0, "%s", streams[f]);
            continue;
        }

        new.len = 0;
        eo.len = 0;
        en.len = 0;

        memset(&t, 0, sizeof(t));
        t.s.reader = &agw_anthropic_codec;
        t.s.writer = &agw_anthropic_codec;
        t.s.rstate = calloc(1, agw_anthropic_codec.read_state_size);
        t.s.wstate = calloc(1, agw_anthropic_codec.write_state_size);
        agw_jw_init(&t.s.w, &new);
        t.s.opts.model = agw_str_bytes("client-model", 12);
        agw_usage_init(&t.s.usage);

        agw_sse_init(&p, 0);
        agw_sse_feed(&p, body, len, on_event, &t);
        agw_sse_feed(&p, "\n\n", 2, on_event, &t);
        agw_sse_free(&p);

        if (t.rc != 0 && t.s.error != NULL) {
            agw_anthropic_codec.write_stream_error(&t.s, t.s.error);
        } else if (!t.s.client_done) {
            agw_error_t  cut;

            agw_error_set(&cut, AGW_ERR_BAD_GATEWAY, 0, "stream_truncated",
                          "the upstream stream ended early");
            agw_anthropic_codec.write_stream_error(&t.s, &cut);
        }

        /* message_start is written anew with the client's model (the
         * first "model" of the stream): compared as JSON */
        want = splice_model(body, "client-model");
        x_events(want, want ? strlen(want) : 0, "|message_start|", 0, &eo);
        x_events(new.data, new.len, "|message_start|", 0, &en);

        ok(want != NULL && strcmp(en.data, eo.data) == 0,
           "stream rewrite: the provider's events, the model the client's "
           "(%s)", streams[f]);
        if (want == NULL || strcmp(en.data, eo.data) != 0) {
            tap_diag("got  %s", en.data);
            tap_diag("want %s", eo.data);
        }

        ok(memcmp(&t.s.usage, reader_usage(body, len), sizeof(agw_usage_t))
           == 0, "stream rewrite: the usage the reader reads (%s)",
           streams[f]);

        free(want);
        free(t.s.rstate);
        free(t.s.wstate);
        free(t.s.error);
        free(body);
    }

    agw_buf_free(&new);
    agw_buf_free(&eo);
    agw_buf_free(&en);
}


int
main(void)
{
    test_requests();
    test_answers();
    test_streams();

    return done_testing();
}
