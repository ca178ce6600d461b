/*
 * The engine's Gemini codec joined to another dialect's codec, against
 * the old path for the same pair, on every fixture: Anthropic requests to
 * a Gemini provider and Gemini requests to an Anthropic provider, whole
 * answers both ways, streams both ways.  Where the engine does better
 * (docs/translation-gemini.md), the difference is taken out by name
 * before comparing.
 */

#include "test_gemini.h"
#include "agw_codec.h"


/* The engine's driver as its contract says (see test_x_gemini_stream.c). */
__attribute__((weak)) agw_error_t *
agw_stream_error_slot(agw_xstream_t *s)
{
    if (s->error == NULL) {
        s->error = calloc(1, sizeof(agw_error_t));
    }

    return s->error;
}


__attribute__((weak)) int
agw_stream_step(agw_xstream_t *s, const agw_step_t *step)
{
    switch (step->type) {
    case AGW_STEP_USAGE:
        agw_usage_merge(&s->usage, step->usage);
        break;
    case AGW_STEP_END:
        s->provider_done = 1;
        return 0;
    case AGW_STEP_ERROR:
        if (agw_stream_error_slot(s) == NULL) {
            return -1;
        }
        *s->error = *step->error;
        return 0;
    case AGW_STEP_START:
        s->started = 1;
        break;
    default:
        break;
    }

    return s->writer->write_step(s, step);
}


static const agw_codec_t *
xc_codec(agw_dialect_t d)
{
    return d == GEM ? &agw_gemini_codec : &agw_anthropic_codec;
}


static json_t *
xc_new_request(agw_dialect_t from, agw_dialect_t to, const char *body,
    size_t len, agw_error_t *err)
{
    char                stack[8192];
    json_t             *j;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_arena_t         a;
    agw_request_t       req;
    agw_request_ctx_t   o;

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("up-model");
    o.default_max_tokens = 4096;
    o.client = from;

    agw_arena_init(&a, stack, sizeof(stack), 0);

    j = NULL;
    if (xc_codec(from)->read_request(body, len, &a, &req, err) == 0
        && xc_codec(to)->write_request(&req, &o, &out, err) == 0)
    {
        j = json_loadb(out.data, out.len, 0, NULL);
    }

    agw_buf_free(&out);
    agw_arena_free(&a);

    return j;
}


static json_t *
xc_old_request(agw_dialect_t from, agw_dialect_t to, const char *body,
    size_t len, agw_error_t *err)
{
    json_t              *j;
    agw_buf_t            out = AGW_BUF_INIT;
    agw_request_opts_t   o = { "up-model", 0, 4096 };

    memset(err, 0, sizeof(*err));
    j = NULL;
    if (agw_translate_request_body(from, to, body, len, &o, &out, err) == 0)
    {
        j = json_loadb(out.data, out.len, 0, NULL);
    }

    agw_buf_free(&out);

    return j;
}


static int
xc_eq(json_t *got, json_t *want, const char *name)
{
    char  *g, *w;

    if (ok(got != NULL && want != NULL && json_equal(got, want), "%s",
           name))
    {
        return 1;
    }

    g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    w = want ? json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    tap_diag("got  %s", g ? g : "(null)");
    tap_diag("want %s", w ? w : "(null)");
    free(g);
    free(w);

    return 0;
}


static void
check_requests(agw_dialect_t from, agw_dialect_t to,
    const char *const *names, size_t n)
{
    char         *body, title[160];
    size_t        i, len;
    json_t       *nj, *oj;
    agw_error_t   ne, oe;

    for (i = 0; i < n; i++) {
        body = fixture_read(names[i], &len);
        if (!ok(body != NULL, "%s read", names[i])) {
            continue;
        }

        nj = xc_new_request(from, to, body, len, &ne);
        oj = xc_old_request(from, to, body, len, &oe);
        snprintf(title, sizeof(title), "%s to %s: as the old path",
                 names[i], to == GEM ? "Gemini" : "Anthropic");

        if (oj == NULL) {
            ok(nj == NULL && ne.cls == oe.cls, "%s (refused)", title);
        } else {
            if (nj == NULL) {
                tap_diag("engine: %s", ne.message);
            }
            xc_eq(nj, oj, title);
        }

        json_decref(nj);
        json_decref(oj);
        free(body);
    }
}


/* Whole answers: the provider's body read by its codec, written by the
 * client's; against agw_translate_response. */
static void
check_responses(agw_dialect_t from, agw_dialect_t to,
    const char *const *names, size_t n)
{
    char                 stack[8192], *body, title[160];
    size_t               i, len;
    json_t              *nj, *oj;
    agw_buf_t            nout = AGW_BUF_INIT, oout = AGW_BUF_INIT;
    agw_arena_t          a;
    agw_error_t          ne, oe;
    agw_usage_t          ou;
    agw_response_t       res;
    agw_answer_ctx_t     o;
    agw_response_opts_t  ro = { "my-model" };

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("my-model");
    o.provider = from;

    for (i = 0; i < n; i++) {
        body = fixture_read(names[i], &len);
        if (!ok(body != NULL, "%s read", names[i])) {
            continue;
        }

        agw_arena_init(&a, stack, sizeof(stack), 0);
        nout.len = oout.len = 0;
        nj = oj = NULL;

        if (xc_codec(from)->read_response(body, len, &a, &res, &ne) == 0
            && xc_codec(to)->write_response(&res, &o, &nout, &ne) == 0)
        {
            nj = json_loadb(nout.data, nout.len, 0, NULL);
        }
        agw_usage_init(&ou);
        if (agw_translate_response(from, to, body, len, &ro, &oout, &ou,
                                   &oe) == 0)
        {
            oj = json_loadb(oout.data, oout.len, 0, NULL);
        }

        /* the old path invented "" for a missing responseId, and the
         * created time the engine leaves to the writer's clock */
        if (json_string_length(json_object_get(oj, "responseId")) == 0) {
            json_object_del(oj, "responseId");
        }
        /* nor zeros for a usage the provider did not give */
        if (to == GEM && json_object_get(nj, "usageMetadata") == NULL
            && json_integer_value(json_object_get(json_object_get(oj,
                   "usageMetadata"), "totalTokenCount")) == 0)
        {
            json_object_del(oj, "usageMetadata");
        }

        snprintf(title, sizeof(title), "%s to %s: as the old path",
                 names[i], to == GEM ? "Gemini" : "Anthropic");
        xc_eq(nj, oj, title);

        json_decref(nj);
        json_decref(oj);
        agw_arena_free(&a);
        free(body);
    }

    agw_buf_free(&nout);
    agw_buf_free(&oout);
}


/* Streams: the provider's events read by its codec and written by the
 * client's, event by event against agw_stream_*. */
typedef struct {
    agw_xstream_t  s;
    agw_arena_t    a;
    char           stack[8192];
    int            rc;
} xc_stream_t;


static int
xc_event(void *ud, const agw_sse_event_t *ev)
{
    int           rc;
    xc_stream_t  *x = ud;

    rc = x->s.reader->read_event(&x->s, ev);
    agw_arena_free(&x->a);
    if (rc != 0) {
        x->rc = -1;
    }

    return rc != 0;
}


/*
 * A Gemini client's chunks folded into one: the parts of all (empty text
 * parts aside), the last finish and usage.  The engine writes each call
 * when its block stops and the finish in a chunk of its own; the old path
 * held the calls to the end.
 */
static void
xc_fold(events_t *e)
{
    int          i;
    size_t       k;
    json_t      *all, *parts, *c, *cand, *p, *v, *f, *u, *m, *id;
    const char  *t;

    all = json_array();
    f = u = m = id = NULL;

    for (i = 0; i < e->n; i++) {
        c = json_loads(e->data[i], 0, NULL);
        if (c == NULL || json_object_get(c, "error") != NULL) {
            json_decref(c);
            continue;
        }
        cand = json_array_get(json_object_get(c, "candidates"), 0);
        parts = json_object_get(json_object_get(cand, "content"), "parts");
        json_array_foreach(parts, k, p) {
            t = json_string_value(json_object_get(p, "text"));
            if (t != NULL && t[0] == '\0' && json_object_size(p) == 1) {
                continue;
            }
            json_array_append(all, p);
        }
        if ((v = json_object_get(cand, "finishReason")) != NULL) {
            json_decref(f);
            f = json_incref(v);
        }
        if ((v = json_object_get(c, "usageMetadata")) != NULL) {
            json_decref(u);
            u = json_incref(v);
        }
        json_decref(m);
        json_decref(id);
        m = json_incref(json_object_get(c, "modelVersion"));
        id = json_incref(json_object_get(c, "responseId"));
        json_decref(c);
        if (i < e->n - 1) {
            free(e->data[i]);
            free(e->event[i]);
        }
    }

    if (e->n == 0) {
        json_decref(all);
        return;
    }

    c = json_pack("{s:[{s:{s:o, s:s}, s:o*, s:i}], s:o*, s:o*, s:o*}",
                  "candidates", "content", "parts", all, "role", "model",
                  "finishReason", f, "index", 0, "usageMetadata", u,
                  "modelVersion", m, "responseId", id);
    free(e->data[e->n - 1]);
    e->data[0] = json_dumps(c, JSON_COMPACT);
    if (e->n > 1) {
        e->event[0] = e->event[e->n - 1];
    }
    e->n = 1;
    json_decref(c);
}


static void
check_stream(agw_dialect_t from, agw_dialect_t to, const char *name)
{
    int                 i, same;
    char                title[160];
    events_t            ne, oe;
    agw_buf_t           wire = AGW_BUF_INIT, nout = AGW_BUF_INIT,
                        oout = AGW_BUF_INIT;
    xc_stream_t         x;
    stream_run_t        r;
    agw_error_t         err;
    agw_sse_parser_t    p;
    agw_stream_opts_t   so = { "my-model", 0, 0 };
    json_t             *nj, *oj;

    if (from == GEM) {
        if (!ok(gm_fixture_wire(name, &wire) == 0, "%s read", name)) {
            return;
        }
    } else {
        char    *t;
        size_t   len;

        t = fixture_read(name, &len);
        if (!ok(t != NULL, "%s read", name)) {
            return;
        }
        agw_buf_append(&wire, t, len);
        free(t);
    }

    stream_run(from, to, &so, wire.data, wire.len, 0, 1, &oout, &r);

    memset(&x, 0, sizeof(x));
    x.s.reader = xc_codec(from);
    x.s.writer = xc_codec(to);
    x.s.rstate = calloc(1, x.s.reader->read_state_size);
    x.s.wstate = calloc(1, x.s.writer->write_state_size);
    x.s.arena = &x.a;
    x.s.opts.model = (agw_str_t) agw_str_lit("my-model");
    x.s.opts.provider = from;
    agw_usage_init(&x.s.usage);
    agw_jw_init(&x.s.w, &nout);
    agw_arena_init(&x.a, x.stack, sizeof(x.stack), 0);

    agw_sse_init(&p, 0);
    agw_sse_feed(&p, wire.data, wire.len, xc_event, &x);
    agw_sse_free(&p);

    if (x.rc == 0 && x.s.provider_done && x.s.error == NULL) {
        x.s.writer->write_end(&x.s);
    } else {
        memset(&err, 0, sizeof(err));
        if (x.s.error != NULL) {
            err = *x.s.error;
        } else {
            agw_error_set(&err, AGW_ERR_BAD_GATEWAY, 0, "stream_truncated",
                          "the upstream stream ended early");
        }
        x.s.writer->write_stream_error(&x.s, &err);
    }

    same = events_parse(nout.data, nout.len, &ne) == 0
           && events_parse(oout.data, oout.len, &oe) == 0;

    snprintf(title, sizeof(title), "%s to %s: the same events", name,
             to == GEM ? "Gemini" : "Anthropic");

    if (same && to == GEM) {
        xc_fold(&ne);
        xc_fold(&oe);
    }

    if (same && ne.n != oe.n) {
        tap_diag("%d events, the old path %d", ne.n, oe.n);
        same = 0;
    }

    for (i = 0; same && i < ne.n; i++) {
        nj = json_loads(ne.data[i], 0, NULL);
        oj = json_loads(oe.data[i], 0, NULL);
        if (nj == NULL || oj == NULL || !json_equal(nj, oj)
            || strcmp(ne.event[i], oe.event[i]) != 0)
        {
            tap_diag("event %d: %s %s", i, ne.event[i], ne.data[i]);
            tap_diag("old      %s %s", oe.event[i], oe.data[i]);
            same = 0;
        }
        json_decref(nj);
        json_decref(oj);
    }

    if (!ok(same, "%s", title) && ne.n != oe.n) {
        tap_diag("engine: %.*s", (int) (nout.len < 3000 ? nout.len : 3000),
                 nout.data);
        tap_diag("old:    %.*s", (int) (oout.len < 3000 ? oout.len : 3000),
                 oout.data);
    }

    ok(memcmp(&x.s.usage, &r.usage, sizeof(r.usage)) == 0,
       "%s: the usage", name);

    events_free(&ne);
    events_free(&oe);
    if (x.s.reader->free_read_state != NULL) {
        x.s.reader->free_read_state(x.s.rstate);
    }
    if (x.s.writer->free_write_state != NULL) {
        x.s.writer->free_write_state(x.s.wstate);
    }
    free(x.s.rstate);
    free(x.s.wstate);
    free(x.s.error);
    agw_arena_free(&x.a);
    agw_buf_free(&wire);
    agw_buf_free(&nout);
    agw_buf_free(&oout);
}


/*
 * What Claude Code sends (issue 10): a system message in the middle of
 * messages (the old path refused it), thinking with its signature, a
 * redacted block, cache_control markers, a tool call and its result.
 */
static void
check_agent(void)
{
    json_t       *j, *want;
    agw_error_t   err;

    static const char  body[] =
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,"
        "\"system\":[{\"type\":\"text\",\"text\":\"You are Claude Code.\","
        "\"cache_control\":{\"type\":\"ephemeral\"}}],"
        "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},"
        "\"messages\":["
        "{\"role\":\"user\",\"content\":\"list files\"},"
        "{\"role\":\"assistant\",\"content\":["
        "{\"type\":\"thinking\",\"thinking\":\"use ls\","
        "\"signature\":\"EqQBCkYI\"},"
        "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"},"
        "{\"type\":\"text\",\"text\":\"Listing.\"},"
        "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\","
        "\"input\":{\"command\":\"ls\"}}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
        "\"tool_use_id\":\"toolu_1\",\"content\":\"a.c\\nb.c\","
        "\"cache_control\":{\"type\":\"ephemeral\"}}]},"
        "{\"role\":\"system\",\"content\":\"The user is in a hurry.\"},"
        "{\"role\":\"user\",\"content\":\"and now?\"}],"
        "\"tools\":[{\"name\":\"Bash\",\"description\":\"Run a command\","
        "\"input_schema\":{\"type\":\"object\",\"properties\":"
        "{\"command\":{\"type\":\"string\"}}}}]}";

    j = xc_new_request(ANT, GEM, body, sizeof(body) - 1, &err);
    if (j == NULL) {
        tap_diag("refused: %s", err.message);
    }
    want = json_loads(
        "{\"contents\":["
        "{\"role\":\"user\",\"parts\":[{\"text\":\"list files\"}]},"
        "{\"role\":\"model\",\"parts\":[{\"text\":\"Listing.\"},"
        "{\"functionCall\":{\"name\":\"Bash\",\"args\":{\"command\":"
        "\"ls\"}},\"thoughtSignature\":\"skip_thought_signature_validator\"}"
        "]},"
        "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":"
        "\"Bash\",\"response\":{\"content\":\"a.c\\nb.c\"}}}]},"
        "{\"role\":\"user\",\"parts\":[{\"text\":\"and now?\"}]}],"
        "\"systemInstruction\":{\"parts\":[{\"text\":\"You are Claude "
        "Code.\"},{\"text\":\"The user is in a hurry.\"}]},"
        "\"tools\":[{\"functionDeclarations\":[{\"name\":\"Bash\","
        "\"description\":\"Run a command\",\"parametersJsonSchema\":"
        "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":"
        "\"string\"}}}}]}],"
        "\"generationConfig\":{\"maxOutputTokens\":1000,"
        "\"thinkingConfig\":{\"thinkingBudget\":2000,"
        "\"includeThoughts\":true}}}", 0, NULL);
    xc_eq(j, want, "Claude Code's request to Gemini: the mid-conversation "
          "system message joins systemInstruction in order; thinking, "
          "Anthropic signatures and cache markers are not sent");
    json_decref(j);
    json_decref(want);
}


int
main(void)
{
    static const char *const  ant_requests[] = {
        "anthropic-messages/request-image-base64.documented.json",
        "anthropic-messages/request-image-url.documented.json",
        "anthropic-messages/request-system-cache-control.documented.json",
        "anthropic-messages/request-tool-result.json",
        "anthropic-messages/request-tools.json",
    };
    static const char *const  gem_requests[] = {
        "gemini/request-function-response.json",
        "gemini/request-system-instruction.json",
        "gemini/request-thinking.json",
        "gemini/request-tools.json",
    };
    static const char *const  ant_responses[] = {
        "anthropic-messages/response-after-tool-result.json",
        "anthropic-messages/response-redacted-thinking.documented.json",
        "anthropic-messages/response-text.json",
        "anthropic-messages/response-thinking.json",
        "anthropic-messages/response-tool-use.json",
    };
    static const char *const  gem_responses[] = {
        "gemini/response-after-function-response.json",
        "gemini/response-cached-content-usage.json",
        "gemini/response-function-call-thought-signature.json",
        "gemini/response-function-call.json",
        "gemini/response-text-thoughts.json",
        "gemini/response-thought-part.json",
    };

    check_requests(ANT, GEM, ant_requests,
                   sizeof(ant_requests) / sizeof(ant_requests[0]));
    check_requests(GEM, ANT, gem_requests,
                   sizeof(gem_requests) / sizeof(gem_requests[0]));

    check_responses(ANT, GEM, ant_responses,
                    sizeof(ant_responses) / sizeof(ant_responses[0]));
    check_responses(GEM, ANT, gem_responses,
                    sizeof(gem_responses) / sizeof(gem_responses[0]));

    check_agent();

    check_stream(GEM, ANT, "gemini/stream-text-usage.chunks.jsonl");
    check_stream(GEM, ANT, "gemini/stream-reasoning.chunks.jsonl");
    check_stream(GEM, ANT, "gemini/stream-function-call.chunks.jsonl");
    check_stream(ANT, GEM, "anthropic-messages/stream-text.sse");
    check_stream(ANT, GEM, "anthropic-messages/stream-tool-use.sse");
    check_stream(ANT, GEM, "anthropic-messages/stream-thinking.chunks.sse");
    check_stream(ANT, GEM, "anthropic-messages/stream-prompt-cache.chunks.sse");

    return done_testing();
}
