/*
 * The engine's Anthropic same-dialect rewrites against the first
 * translator's passthrough (the oracle): for every Anthropic fixture and
 * for mutations of them, the rewritten request is the old module's raw
 * path's (the model set, nothing added) as JSON and, unmutated, its
 * bytes but for the model's value; the rewritten answer is the old
 * path's as JSON, with the same usage; a rewritten stream gives the same
 * events (message_start compared as JSON, the rest byte for byte).
 */

#include "x_anthropic.h"
#include "fixtures.h"
#include "agw_sse.h"
#include "agw_translate.h"


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
 * The old module's own same-dialect request (its raw path, not the
 * translator's passthrough, which added max_tokens): the body as jansson
 * read it with the model set, nothing else added.  NULL when jansson
 * refuses it.
 */
static char *
raw_oracle(const char *body, const char *model)
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

            want = raw_oracle(mut, "claude-up");

            memset(&err, 0, sizeof(err));
            rc_new = agw_anthropic_codec.rewrite_request(mut, strlen(mut),
                                                         &no, &new, &err);

            if (want == NULL) {
                ok(rc_new != 0 && err.cls == AGW_ERR_INVALID_REQUEST,
                   "request rewrite refuses what the old path refused");
            } else {
                ok(rc_new == 0, "request rewrite %s: done", requests[f]);
                x_json_is(new.data, new.len, want,
                          "request rewrite equals the old raw path");
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
    int                  rc_old, rc_new;
    size_t               f, i, len;
    char                *body, *mut;
    agw_buf_t            old = AGW_BUF_INIT, new = AGW_BUF_INIT;
    agw_usage_t          uo, un;
    agw_error_t          err;
    agw_answer_ctx_t     no = {
        { "client-model", 12, AGW_STR_BYTES, 0 }, 0, 0, AGW_DIALECT_ANTHROPIC, 0
    };
    agw_response_opts_t  oo = { "client-model" };

    for (f = 0; f < sizeof(answers) / sizeof(answers[0]); f++) {
        body = fixture_read(answers[f], &len);
        if (body == NULL) {
            ok(0, "%s", answers[f]);
            continue;
        }

        for (i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
            mut = mutate(body, i);
            old.len = 0;
            new.len = 0;
            agw_usage_init(&uo);
            agw_usage_init(&un);

            memset(&err, 0, sizeof(err));
            rc_old = agw_translate_response(AGW_DIALECT_ANTHROPIC,
                                            AGW_DIALECT_ANTHROPIC, mut,
                                            strlen(mut), &oo, &old, &uo,
                                            &err);
            memset(&err, 0, sizeof(err));
            rc_new = agw_anthropic_codec.rewrite_response(mut, strlen(mut),
                                                          &no, &new, &un,
                                                          &err);

            if (rc_old != 0 || rc_new != 0) {
                is_int(rc_new, rc_old, "answer rewrite refuses as the old "
                       "path does");
                free(mut);
                continue;
            }

            agw_buf_append(&old, "", 1);
            x_json_is(new.data, new.len, old.data,
                      "answer rewrite equals the old passthrough");
            ok(uo.input == un.input && uo.output == un.output
               && uo.cache_read == un.cache_read
               && uo.cache_write == un.cache_write
               && uo.reasoning == un.reasoning,
               "answer rewrite: the old path's usage (%s, mutation %zu)",
               answers[f], i);

            free(mut);
        }

        free(body);
    }

    agw_buf_free(&old);
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


static void
test_streams(void)
{
    size_t             f, len;
    char              *body;
    agw_buf_t          old = AGW_BUF_INIT, new = AGW_BUF_INIT;
    agw_buf_t          eo = AGW_BUF_INIT, en = AGW_BUF_INIT;
    rewrite_t          t;
    agw_stream_t      *s;
    agw_sse_parser_t   p;
    agw_stream_opts_t  so = { "client-model", 0, 0 };
    const agw_usage_t *uo;

    for (f = 0; f < sizeof(streams) / sizeof(streams[0]); f++) {
        body = fixture_read(streams[f], &len);
        if (body == NULL) {
            ok(0, "%s", streams[f]);
            continue;
        }

        old.len = 0;
        new.len = 0;
        eo.len = 0;
        en.len = 0;

        s = agw_stream_new(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_ANTHROPIC,
                           &so);
        /* a fixture may end without the blank line that ends its last
         * event: both get one */
        agw_stream_feed(s, body, len, &old);
        agw_stream_feed(s, "\n\n", 2, &old);
        agw_stream_finish(s, 1, &old);

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

        /* message_start is written anew: compared as JSON */
        x_events(old.data, old.len, "|message_start|", 0, &eo);
        x_events(new.data, new.len, "|message_start|", 0, &en);

        is_str(en.data, eo.data, "stream rewrite: the old passthrough's "
               "events");

        uo = agw_stream_usage(s);
        ok(uo->input == t.s.usage.input && uo->output == t.s.usage.output
           && uo->cache_read == t.s.usage.cache_read
           && uo->cache_write == t.s.usage.cache_write,
           "stream rewrite: the old path's usage (%s)", streams[f]);

        agw_stream_free(s);
        free(t.s.rstate);
        free(t.s.wstate);
        free(t.s.error);
        free(body);
    }

    agw_buf_free(&old);
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
