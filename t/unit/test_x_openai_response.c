/*
 * The engine's OpenAI Chat codec: whole answers (read and written, round
 * trips, the message against the old hub's), error bodies (read and
 * written, against the old renderer), and the same-dialect rewrites of
 * requests, answers and streams against the old passthrough, compared
 * as JSON on every fixture.
 */

#include <stdlib.h>
#include <string.h>

#include "agw_translate_int.h"
#include "agw_codec.h"
#include "agw_arena.h"
#include "agw_sse.h"
#include "tap.h"
#include "fixtures.h"

#define OAI  (&agw_openai_codec)


static void
diff(const char *what, json_t *a, json_t *b)
{
    char  *x, *y;

    x = json_dumps(a, JSON_SORT_KEYS | JSON_COMPACT);
    y = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
    printf("# %s\n# old: %s\n# new: %s\n", what, x ? x : "(null)",
           y ? y : "(null)");
    free(x);
    free(y);
}


static json_t *
read_write(const char *body, size_t len, agw_error_t *err,
    agw_response_t *res_out)
{
    int               rc;
    json_t           *j;
    agw_buf_t         out = AGW_BUF_INIT;
    agw_arena_t       a;
    agw_response_t    res;
    agw_answer_ctx_t  o;

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("client-model");
    o.created = 5;

    memset(err, 0, sizeof(agw_error_t));
    agw_arena_init(&a, NULL, 0, 0);

    rc = OAI->read_response(body, len, &a, &res, err);
    if (rc == 0) {
        rc = OAI->write_response(&res, &o, &out, err);
        if (res_out != NULL) {
            *res_out = res;
            res_out->parts = NULL;
        }
    }

    j = rc == 0 ? json_loadb(out.data, out.len, 0, NULL) : NULL;

    agw_buf_free(&out);
    agw_arena_free(&a);
    return j;
}


/*
 * Answers against the old hub path (response_to_hub, response_from_hub):
 * the message, the finish and the id are the same; the engine writes the
 * usage normalised (the old one copied the provider's object) and leaves
 * out members the form has no field for (logprobs, annotations,
 * system_fingerprint, service_tier).
 */
static void
check_response(const char *name)
{
    char                 *body;
    size_t                len;
    json_t               *in, *hub, *old, *neu, *om, *nm;
    agw_usage_t           ou;
    agw_error_t           err;
    agw_response_t        res;
    agw_response_opts_t   oo = { "client-model" };

    body = fixture_read(name, &len);
    if (body == NULL) {
        ok(0, "fixture %s", name);
        return;
    }

    in = json_loadb(body, len, 0, NULL);
    agw_usage_init(&ou);
    hub = agw_openai_ops.response_to_hub(in, &ou, &err);
    old = agw_openai_ops.response_from_hub(hub, &oo, &err);

    neu = read_write(body, len, &err, &res);
    ok(neu != NULL, "%s: read and written", name);

    om = json_object_get(json_array_get(json_object_get(old, "choices"), 0),
                         "message");
    nm = json_object_get(json_array_get(json_object_get(neu, "choices"), 0),
                         "message");
    json_object_del(om, "annotations");
    json_object_del(om, "audio");
    if (json_is_null(json_object_get(om, "refusal"))) {
        json_object_del(om, "refusal");
    }

    ok(json_equal(om, nm), "%s: the message as the old path's", name);
    if (!json_equal(om, nm)) {
        diff(name, om, nm);
    }

    ok(json_equal(json_object_get(json_array_get(json_object_get(old,
                      "choices"), 0), "finish_reason"),
                  json_object_get(json_array_get(json_object_get(neu,
                      "choices"), 0), "finish_reason"))
       && json_equal(json_object_get(old, "id"), json_object_get(neu, "id"))
       && json_equal(json_object_get(old, "model"),
                     json_object_get(neu, "model"))
       && json_equal(json_object_get(old, "created"),
                     json_object_get(neu, "created")),
       "%s: finish_reason, id, model, created", name);

    ok(memcmp(&ou, &res.usage, sizeof(agw_usage_t)) == 0,
       "%s: the same usage read", name);

    json_decref(in);
    json_decref(hub);
    json_decref(old);
    json_decref(neu);
    free(body);
}


static void
check_response_extensions(void)
{
    json_t       *j, *m;
    agw_error_t   err;
    const char    body[] =
        "{\"id\":\"x\",\"created\":0,\"model\":\"m\",\"choices\":["
        "{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":\"two\"},"
            "\"finish_reason\":\"stop\"},"
        "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
            "\"reasoning\":\"hmm\",\"tool_calls\":[{\"id\":\"c\",\"type\":"
            "\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"},"
            "\"extra_content\":{\"google\":{\"thought_signature\":\"s\"}}}]},"
            "\"finish_reason\":\"tool_calls\"}],"
        "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,"
            "\"prompt_tokens_details\":{\"cached_tokens\":1}}}";

    j = read_write(body, sizeof(body) - 1, &err, NULL);
    m = json_object_get(json_array_get(json_object_get(j, "choices"), 0),
                        "message");
    ok(j != NULL, "an answer with extensions: read and written");
    is_str(json_string_value(json_object_get(m, "reasoning_content")), "hmm",
           "reasoning (OpenRouter) written as reasoning_content");
    ok(json_is_null(json_object_get(m, "content")), "content null beside "
       "tool calls");
    is_str(json_string_value(json_object_get(json_object_get(json_object_get(
               json_array_get(json_object_get(m, "tool_calls"), 0),
               "extra_content"), "google"), "thought_signature")), "s",
           "the thought signature kept for the client");
    is_int(json_integer_value(json_object_get(j, "created")), 5,
           "created 0: the caller's time");
    is_int(json_integer_value(json_object_get(json_object_get(j, "usage"),
                                              "total_tokens")), 7,
           "usage normalised, total_tokens");
    is_str(json_string_value(json_object_get(json_array_get(json_object_get(
               j, "choices"), 0), "finish_reason")), "tool_calls",
           "the first choice (index 0) is the answer");
    json_decref(j);

    /* a thought signature on the message: its text's, and back */
    j = read_write("{\"choices\":[{\"message\":{\"role\":\"assistant\","
                   "\"content\":\"hi\",\"extra_content\":{\"google\":{"
                   "\"thought_signature\":\"c2ln\"}}},\"finish_reason\":"
                   "\"stop\"}]}", 140, &err, NULL);
    m = json_object_get(json_array_get(json_object_get(j, "choices"), 0),
                        "message");
    is_str(json_string_value(json_object_get(json_object_get(json_object_get(
               m, "extra_content"), "google"), "thought_signature")), "c2ln",
           "the message's thought signature kept");
    json_decref(j);

    j = read_write("{\"id\":\"x\"}", 10, &err, NULL);
    ok(j == NULL && err.cls == AGW_ERR_BAD_GATEWAY
       && strcmp(err.code, "invalid_upstream_body") == 0,
       "no choices: 502 invalid_upstream_body");
    j = read_write("{\"choices\":[", 12, &err, NULL);
    ok(j == NULL && err.cls == AGW_ERR_BAD_GATEWAY,
       "not JSON: 502 (%s)", err.message);
    j = read_write("{\"choices\":[{\"message\":{\"tool_calls\":[{}]}}]}", 45,
                   &err, NULL);
    ok(j == NULL && err.cls == AGW_ERR_BAD_GATEWAY
       && strstr(err.message, "tool_calls[0]") != NULL,
       "a bad tool call: 502 naming it (%s)", err.message);
}


/* Errors: read as the old generic parser does, written as the old
 * renderer does. */
static void
check_errors(void)
{
    int           i;
    char         *body;
    size_t        len;
    json_t       *old, *neu;
    agw_buf_t     a = AGW_BUF_INIT, b = AGW_BUF_INIT;
    agw_error_t   e1, e2;
    const char   *names[] = {
        "openai-chat/error-400-unsupported-parameter.json",
        "openai-chat/error-401-invalid-api-key.json",
        "openai-chat/error-429-rate-limit.json",
        NULL
    };
    static const char  *bodies[] = {
        "{\"error\":{\"message\":\"You exceeded your current quota\","
            "\"type\":\"insufficient_quota\",\"param\":null,\"code\":"
            "\"insufficient_quota\"}}",
        "{\"error\":\"model 'x' not found\"}",
        "{\"object\":\"error\",\"message\":\"bad\",\"type\":"
            "\"BadRequestError\",\"code\":400}",
        "{\"error\":{\"message\":\"busy\",\"type\":\"server_error\","
            "\"code\":\"server_is_overloaded\"}}",
        "{\"error\":{\"message\":\"\\u00e9t\\u00e9 \\ud83d\\ude00\"}}",
        "not json",
        NULL
    };

    for (i = 0; i < 9; i++) {
        if (i < 3) {
            body = fixture_read(names[i], &len);
        } else {
            body = strdup(bodies[i - 3]);
            len = strlen(body);
        }

        if (body == NULL) {
            ok(0, "fixture %s", names[i]);
            continue;
        }

        memset(&e1, 0, sizeof(e1));
        memset(&e2, 0, sizeof(e2));
        e1.cls = e2.cls = AGW_ERR_INVALID_REQUEST;
        agw_error_parse_generic(body, len, &e1);
        OAI->read_error(body, len, &e2);

        ok(e1.cls == e2.cls && strcmp(e1.code, e2.code) == 0
           && strcmp(e1.message, e2.message) == 0,
           "error read as the old parser: body %d", i);
        if (e1.cls != e2.cls || strcmp(e1.code, e2.code) != 0
            || strcmp(e1.message, e2.message) != 0)
        {
            printf("# old %d %s %s\n# new %d %s %s\n", e1.cls, e1.code,
                   e1.message, e2.cls, e2.code, e2.message);
        }

        e2.status = agw_error_status(e2.cls);
        agw_buf_reset(&a);
        agw_buf_reset(&b);
        (void) agw_error_body(AGW_DIALECT_OPENAI, &e2, &a);
        (void) OAI->write_error(&e2, &b);
        old = json_loadb(a.data, a.len, 0, NULL);
        neu = json_loadb(b.data, b.len, 0, NULL);
        ok(old && neu && json_equal(old, neu),
           "error written as the old renderer: body %d", i);
        json_decref(old);
        json_decref(neu);
        free(body);
    }

    agw_buf_free(&a);
    agw_buf_free(&b);
}


/* A long message is cut between characters, still valid UTF-8. */
static void
check_error_cut(void)
{
    int          i;
    agw_buf_t    b = AGW_BUF_INIT;
    agw_error_t  e;
    json_t      *j;

    agw_buf_append_str(&b, "{\"error\":{\"message\":\"");
    for (i = 0; i < 300; i++) {
        agw_buf_append_str(&b, i % 2 ? "\\u00e9" : "\xc3\xa9");
    }
    agw_buf_append_str(&b, "\"}}");

    memset(&e, 0, sizeof(e));
    OAI->read_error(b.data, b.len, &e);
    j = json_string(e.message);
    ok(j != NULL && strlen(e.message) >= sizeof(e.message) - 2
       && strlen(e.message) % 2 == 0,
       "a long message cut on a character boundary (%zu bytes)",
       strlen(e.message));
    json_decref(j);
    agw_buf_free(&b);
}


/* Same dialect: the rewrites against the old passthrough. */

static void
check_rewrite_request(const char *name, const char *body, int stream)
{
    json_t             *in, *old, *neu;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_error_t         err;
    agw_request_ctx_t   o;
    agw_request_opts_t  oo;

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("upstream-model");
    o.stream = stream;
    memset(&oo, 0, sizeof(oo));
    oo.model = "upstream-model";
    oo.stream = stream;

    in = json_loads(body, 0, NULL);
    if (in == NULL
        || agw_translate_request(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, in,
                                 &oo, &old, &err) != 0)
    {
        old = NULL;
    }

    memset(&err, 0, sizeof(err));
    neu = OAI->rewrite_request(body, strlen(body), &o, &out, &err) == 0
          ? json_loadb(out.data, out.len, 0, NULL) : NULL;

    ok(old && neu && json_equal(old, neu), "rewrite as the old passthrough: "
       "%s%s", name, stream ? " (stream)" : "");
    if (!(old && neu && json_equal(old, neu))) {
        diff(name, old, neu);
        printf("# %.*s\n", (int) out.len, out.data);
    }

    json_decref(in);
    json_decref(old);
    json_decref(neu);
    agw_buf_free(&out);
}


static void
check_rewrite_requests(void)
{
    int          i;
    char        *body, name[32];
    size_t       len;
    const char  *names[] = {
        "openai-chat/request-text.documented.json",
        "openai-chat/request-tools.documented.json",
        "openai-chat/request-image-url.documented.json",
        NULL
    };
    static const char  *bodies[] = {
        "{\"messages\":[],\"stream\":true}",
        "{\"stream_options\":{\"include_usage\":false},\"messages\":[],"
            "\"model\":\"a\",\"stream\":true}",
        "{\"stream_options\":{\"include_obfuscation\":false},\"messages\":[]}",
        "{\"stream_options\":{},\"model\":\"a\"}",
        "{\"stream_options\":null,\"model\":\"a\",\"x\":[1,{\"y\":\"}\"}]}",
        "{}",
        "{ \"model\" : \"a\" ,\n \"stream_options\" : { } }",
        NULL
    };

    for (i = 0; names[i] != NULL; i++) {
        body = fixture_read(names[i], &len);
        check_rewrite_request(names[i], body, 0);
        check_rewrite_request(names[i], body, 1);
        free(body);
    }

    for (i = 0; bodies[i] != NULL; i++) {
        snprintf(name, sizeof(name), "body %d", i);
        check_rewrite_request(name, bodies[i], 0);
        check_rewrite_request(name, bodies[i], 1);
    }
}


static void
check_rewrite_response(const char *name)
{
    char         *body;
    size_t        len;
    json_t       *old, *neu;
    agw_buf_t     a = AGW_BUF_INIT, b = AGW_BUF_INIT;
    agw_usage_t   u1, u2;
    agw_error_t   err;
    agw_answer_ctx_t     o;
    agw_response_opts_t  oo = { "client-model" };

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("client-model");

    body = fixture_read(name, &len);
    agw_usage_init(&u1);
    agw_usage_init(&u2);

    (void) agw_translate_response(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI,
                                  body, len, &oo, &a, &u1, &err);
    ok(OAI->rewrite_response(body, len, &o, &b, &u2, &err) == 0,
       "%s: rewritten", name);

    old = json_loadb(a.data, a.len, 0, NULL);
    neu = json_loadb(b.data, b.len, 0, NULL);
    ok(old && neu && json_equal(old, neu)
       && memcmp(&u1, &u2, sizeof(u1)) == 0,
       "%s: as the old passthrough, the same usage", name);

    json_decref(old);
    json_decref(neu);
    agw_buf_free(&a);
    agw_buf_free(&b);
    free(body);
}


typedef struct {
    agw_xstream_t  s;
    agw_arena_t    arena;
    int            rc;
} rw_t;


static int
rw_event(void *ud, const agw_sse_event_t *ev)
{
    rw_t  *r = ud;

    if (r->rc == 0) {
        r->rc = OAI->rewrite_event(&r->s, ev);
    }

    return 0;
}


/* The data payloads of an SSE text, parsed ("[DONE]" as a string). */
static json_t *
payloads(const char *sse, size_t len)
{
    size_t       n;
    json_t      *list, *j;
    const char  *p, *e, *end;

    list = json_array();
    end = sse + len;

    for (p = sse; p < end; p = e + 2) {
        e = strstr(p, "\n\n");
        if (e == NULL) {
            break;
        }
        if (strncmp(p, "data: ", 6) != 0) {
            json_array_append_new(list, json_string("(not data)"));
            continue;
        }
        n = (size_t) (e - p - 6);
        j = json_loadb(p + 6, n, 0, NULL);
        json_array_append_new(list, j ? j : json_stringn(p + 6, n));
    }

    return list;
}


static void
check_rewrite_bytes(const char *name, const char *in, size_t len,
    int include_usage);


static void
check_rewrite_stream(const char *name, int include_usage)
{
    char               *in;
    size_t              len;
    agw_buf_t           t = AGW_BUF_INIT;

    if (strstr(name, ".jsonl") != NULL) {
        fixture_jsonl_to_sse(name, "data: [DONE]\n\n", &t);
        in = t.data;
        len = t.len;
    } else {
        in = fixture_read(name, &len);
    }

    check_rewrite_bytes(name, in, len, include_usage);

    if (t.data == NULL) {
        free(in);
    }
    agw_buf_free(&t);
}


/* Against the old passthrough: the same events, the same usage. */
static void
check_rewrite_bytes(const char *name, const char *in, size_t len,
    int include_usage)
{
    json_t             *old, *neu;
    rw_t                r;
    agw_buf_t           a = AGW_BUF_INIT, b = AGW_BUF_INIT;
    agw_stream_t       *os;
    agw_sse_parser_t    sse;
    agw_stream_opts_t   oo;

    memset(&oo, 0, sizeof(oo));
    oo.model = "client-model";
    oo.include_usage = include_usage;
    os = agw_stream_new(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, &oo);
    (void) agw_stream_feed(os, in, len, &a);
    (void) agw_stream_finish(os, 1, &a);

    memset(&r, 0, sizeof(r));
    r.s.reader = OAI;
    r.s.writer = OAI;
    r.s.rstate = calloc(1, OAI->read_state_size);
    r.s.arena = &r.arena;
    r.s.opts.model = (agw_str_t) agw_str_lit("client-model");
    r.s.opts.include_usage = include_usage;
    agw_usage_init(&r.s.usage);
    agw_jw_init(&r.s.w, &b);
    agw_arena_init(&r.arena, NULL, 0, 0);
    agw_sse_init(&sse, 0);
    (void) agw_sse_feed(&sse, in, len, rw_event, &r);

    old = payloads(a.data, a.len);
    neu = payloads(b.data, b.len);
    ok(r.rc == 0 && json_equal(old, neu),
       "%s: stream rewritten as the old passthrough (include_usage %d)",
       name, include_usage);
    if (!json_equal(old, neu)) {
        diff(name, old, neu);
    }
    ok(memcmp(agw_stream_usage(os), &r.s.usage, sizeof(agw_usage_t)) == 0,
       "%s: the same usage", name);
    ok(r.s.provider_done, "%s: the end seen", name);

    json_decref(old);
    json_decref(neu);
    agw_stream_free(os);
    agw_sse_free(&sse);
    OAI->free_read_state(r.s.rstate);
    free(r.s.rstate);
    free(r.s.error);
    agw_arena_free(&r.arena);
    agw_buf_free(&a);
    agw_buf_free(&b);
}


/*
 * Chunks that repeat the last one's first bytes are walked from there:
 * the model in those bytes is still replaced, a usage member right after
 * them still cut with its comma, and a chunk whose first bytes differ
 * walked whole again.
 */
static void
check_rewrite_prefix(void)
{
    const char  in[] =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            "\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
            "\"delta\":{\"content\":\"a\"}}],\"usage\":null}\n\n"
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            "\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
            "\"delta\":{\"content\":\"b\"}}],\"usage\":null}\n\n"
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            "\"created\":1,\"model\":\"up\",\"usage\":null,\"choices\":"
            "[{\"index\":0,\"delta\":{\"content\":\"c\"}}]}\n\n"
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            "\"created\":2,\"model\":\"up\",\"choices\":[{\"index\":0,"
            "\"delta\":{\"content\":\"d\"}}],\"usage\":null}\n\n"
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            "\"created\":2,\"model\":\"up\",\"choices\":[],\"usage\":"
            "{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n"
        "data: [DONE]\n\n";

    check_rewrite_bytes("repeated first bytes", in, sizeof(in) - 1, 0);
    check_rewrite_bytes("repeated first bytes", in, sizeof(in) - 1, 1);
}


static void
check_rewrite_stream_error(void)
{
    rw_t               r;
    agw_buf_t          b = AGW_BUF_INIT;
    agw_sse_parser_t   sse;
    const char         in[] =
        "data: {\"id\":\"a\",\"model\":\"m\",\"choices\":[]}\n\n"
        "data: {\"error\":{\"message\":\"gone\",\"type\":\"server_error\"}}\n\n"
        "data: [DONE]\n\n";

    memset(&r, 0, sizeof(r));
    r.s.reader = OAI;
    r.s.writer = OAI;
    r.s.arena = &r.arena;
    r.s.opts.model = (agw_str_t) agw_str_lit("client-model");
    agw_usage_init(&r.s.usage);
    agw_jw_init(&r.s.w, &b);
    agw_sse_init(&sse, 0);
    (void) agw_sse_feed(&sse, in, sizeof(in) - 1, rw_event, &r);

    ok(r.rc == -1 && r.s.error && strcmp(r.s.error->message, "gone") == 0
       && r.s.error->cls == AGW_ERR_SERVER && r.s.client_done,
       "an error chunk: recorded, the client's stream ended");
    ok(b.data && strstr(b.data, "\"client-model\"") != NULL
       && strstr(b.data, "data: {\"error\":{\"message\":\"gone\"") != NULL
       && strstr(b.data, "[DONE]") == NULL,
       "forwarded as it came, no [DONE] after it");

    agw_sse_free(&sse);
    free(r.s.error);
    agw_buf_free(&b);
}


int
main(void)
{
    check_response("openai-chat/response-text.json");
    check_response("openai-chat/response-text.documented.json");
    check_response("openai-chat/response-tool-calls.documented.json");
    check_response("openai-chat/response-parallel-tool-calls.json");
    check_response_extensions();
    check_errors();
    check_error_cut();
    check_rewrite_requests();
    check_rewrite_response("openai-chat/response-text.json");
    check_rewrite_response("openai-chat/response-parallel-tool-calls.json");
    check_rewrite_response("openai-chat/response-tool-calls.documented.json");
    check_rewrite_stream("openai-chat/stream-text.sse", 0);
    check_rewrite_stream("openai-chat/stream-text.sse", 1);
    check_rewrite_stream("openai-chat/stream-tool-calls.sse", 0);
    check_rewrite_stream("openai-chat/stream-parallel-tool-calls.sse", 1);
    check_rewrite_stream("openai-chat/stream-include-usage.chunks.jsonl", 0);
    check_rewrite_stream("openai-chat/stream-include-usage.chunks.jsonl", 1);
    check_rewrite_stream(
        "openai-chat/stream-reasoning-usage-azure.chunks.jsonl", 0);
    check_rewrite_stream(
        "openai-chat/stream-reasoning-usage-azure.chunks.jsonl", 1);
    check_rewrite_prefix();
    check_rewrite_stream_error();

    return done_testing();
}
