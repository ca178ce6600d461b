/*
 * The engine's OpenAI Chat codec: whole answers (read and written, the
 * extensions kept), error bodies (read, written and read back the same),
 * and the same-dialect stream rewrite on crafted streams.  What the codec
 * makes of every fixture, through every pair, is t/golden's
 * (test_golden).
 */

#include <stdlib.h>
#include <string.h>

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
    printf("# %s\n# want: %s\n# got:  %s\n", what, x ? x : "(null)",
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


/* Errors: read (a code and a message where the body has them), written
 * as OpenAI's shape, and read back the same. */
static void
check_errors(void)
{
    int           i;
    char         *body;
    size_t        len;
    json_t       *neu;
    agw_buf_t     b = AGW_BUF_INIT;
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
        e1.cls = AGW_ERR_INVALID_REQUEST;
        OAI->read_error(body, len, &e1);

        ok(i == 8 ? e1.message[0] == '\0'
                  : e1.message[0] != '\0' && e1.cls != AGW_ERR_NONE,
           "error read: body %d (%d %s: %s)", i, e1.cls, e1.code,
           e1.message);

        e1.status = agw_error_status(e1.cls);
        agw_buf_reset(&b);
        (void) OAI->write_error(&e1, &b);
        neu = json_loadb(b.data, b.len, 0, NULL);

        memset(&e2, 0, sizeof(e2));
        e2.cls = AGW_ERR_INVALID_REQUEST;
        OAI->read_error(b.data, b.len, &e2);

        ok(neu != NULL && json_is_string(json_object_get(json_object_get(
                              neu, "error"), "message"))
           && e2.cls == e1.cls && strcmp(e2.message, e1.message) == 0
           && (e1.code[0] == '\0' || strcmp(e2.code, e1.code) == 0),
           "error written, read back the same (a code where it had one): "
           "body %d", i);
        if (neu == NULL || e2.cls != e1.cls
            || strcmp(e2.message, e1.message) != 0)
        {
            printf("# written %.*s\n# read back %d %s %s\n", (int) b.len,
                   b.data, e2.cls, e2.code, e2.message);
        }
        json_decref(neu);
        free(body);
    }

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


/* Same dialect: the stream rewrite. */

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


/* A stream through the rewrite (with the read state when state is set),
 * its client bytes in *b. */
static void
rw_run(rw_t *r, agw_buf_t *b, const char *in, size_t len,
    int include_usage, int state)
{
    agw_sse_parser_t  sse;

    memset(r, 0, sizeof(rw_t));
    r->s.reader = OAI;
    r->s.writer = OAI;
    r->s.rstate = state ? calloc(1, OAI->read_state_size) : NULL;
    r->s.arena = &r->arena;
    r->s.opts.model = (agw_str_t) agw_str_lit("client-model");
    r->s.opts.include_usage = include_usage;
    agw_usage_init(&r->s.usage);
    agw_jw_init(&r->s.w, b);
    agw_arena_init(&r->arena, NULL, 0, 0);
    agw_sse_init(&sse, 0);
    (void) agw_sse_feed(&sse, in, len, rw_event, r);
    agw_sse_free(&sse);
}


static void
rw_free(rw_t *r)
{
    if (r->s.rstate != NULL) {
        OAI->free_read_state(r->s.rstate);
        free(r->s.rstate);
    }
    free(r->s.error);
    agw_arena_free(&r->arena);
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


/*
 * A stream rewritten: the provider's payloads, each with the client's
 * model, the usage chunk only when the client asked for it (the rest of
 * each payload as it came), [DONE] last; the usage read, the end seen.
 */
static void
check_rewrite_bytes(const char *name, const char *in, size_t len,
    int include_usage, const json_t *want)
{
    json_t     *got;
    rw_t        r;
    agw_buf_t   b = AGW_BUF_INIT;

    rw_run(&r, &b, in, len, include_usage, 1);

    got = payloads(b.data, b.len);
    ok(r.rc == 0 && json_equal(got, want),
       "%s: stream rewritten (include_usage %d)", name, include_usage);
    if (!json_equal(got, want)) {
        diff(name, (json_t *) want, got);
    }
    ok(r.s.usage.input == 3 && r.s.usage.output == 4,
       "%s: the usage read", name);
    ok(r.s.provider_done, "%s: the end seen", name);

    json_decref(got);
    rw_free(&r);
    agw_buf_free(&b);
}


/*
 * A stream rewritten without and with include_usage: what the provider
 * sent, the model the client's; without usage unless asked for: the
 * usage-only chunk goes, "usage":null too.
 */
static void
check_rewrite_both(const char *name, const char *in, size_t len)
{
    size_t   i, k;
    json_t  *want, *p;

    for (i = 0; i < 2; i++) {
        want = payloads(in, len);
        for (k = 0; k < json_array_size(want); k++) {
            p = json_array_get(want, k);
            if (!json_is_object(p)) {
                continue;
            }
            json_object_set_new(p, "model", json_string("client-model"));
            if (i == 0) {
                json_object_del(p, "usage");
                if (json_array_size(json_object_get(p, "choices")) == 0) {
                    json_array_remove(want, k--);
                }
            }
        }
        check_rewrite_bytes(name, in, len, (int) i, want);
        json_decref(want);
    }
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

    check_rewrite_both("repeated first bytes", in, sizeof(in) - 1);
}


/*
 * OpenAI's own text and tool call chunks, whose choices the rewrite does
 * not walk after the repeated bytes: the same edits (the model, the null
 * usage cut with its comma unless asked for, the usage chunk dropped).
 */
static void
check_rewrite_shapes(void)
{
#define HEAD  "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\"," \
              "\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0," \
              "\"delta\":{"
#define TAIL  "},\"logprobs\":null,\"finish_reason\":null}]"

    const char  in[] =
        HEAD "\"role\":\"assistant\",\"content\":\"\"" TAIL
            ",\"usage\":null,\"obfuscation\":\"q\"}\n\n"
        HEAD "\"content\":\"a\\\"\\u00e9\"" TAIL
            ",\"usage\":null,\"obfuscation\":\"q\"}\n\n"
        HEAD "\"content\":\"b\"" TAIL ",\"usage\":null}\n\n"
        HEAD "\"content\":\"c\"" TAIL ",\"obfuscation\":\"q\",\"x\":1}\n\n"
        HEAD "\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
            "\"{\\\"a\"}}]" TAIL ",\"usage\":null,\"obfuscation\":\"q\"}\n\n"
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            "\"created\":1,\"model\":\"up\",\"choices\":[],\"usage\":"
            "{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n"
        "data: [DONE]\n\n";

    check_rewrite_both("OpenAI's chunks", in, sizeof(in) - 1);

#undef HEAD
#undef TAIL
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


/*
 * The rewrite trusts a chunk's bytes as proxy_pass would (it only finds
 * the members to edit): a control byte in a delta goes to the client as
 * it came, and the chunk repeating the first bytes of the one before
 * still has the client's model; a chunk cut short is still refused.
 */
static void
check_rewrite_trusted(void)
{
    rw_t         r;
    agw_buf_t    b = AGW_BUF_INIT;
    const char   in[] =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            "\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
            "\"delta\":{\"content\":\"a\"}}]}\n\n"
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            "\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
            "\"delta\":{\"content\":\"\x01\\q\"}}]}\n\n"
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            "\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
            "\"delta\":{\"content\":\"b}}]}\n\n";

    rw_run(&r, &b, in, sizeof(in) - 1, 0, 1);

    ok(b.data != NULL
       && strstr(b.data, "data: {\"id\":\"c1\",\"object\":"
                 "\"chat.completion.chunk\",\"created\":1,\"model\":"
                 "\"client-model\",\"choices\":[{\"index\":0,\"delta\":"
                 "{\"content\":\"\x01\\q\"}}]}\n\n") != NULL,
       "trusted: a chunk's bytes passed as they came, the model edited");
    ok(r.rc == -1 && r.s.error != NULL
       && strcmp(r.s.error->code, "invalid_stream") == 0
       && strstr(b.data, "\"b}") == NULL,
       "trusted: a chunk whose string does not end is refused");

    rw_free(&r);
    agw_buf_free(&b);
}


int
main(void)
{
    check_response_extensions();
    check_errors();
    check_error_cut();
    check_rewrite_prefix();
    check_rewrite_stream_error();
    check_rewrite_shapes();
    check_rewrite_trusted();

    return done_testing();
}
