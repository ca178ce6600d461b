/*
 * Whole Responses API answers and errors through the engine's codec
 * (translate/responses/rsp_response.c, rsp_error.c, rsp_rewrite.c): the
 * documented and captured answers read into the form (parts, finish,
 * usage) and written again with the same output and usage; answers of
 * another provider's form written as a Response; the captured error body
 * read and written; the same-dialect rewrite of an answer.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "fixtures.h"
#include "agw_codec.h"
#include "responses/rsp_int.h"
#include "test_x_responses.h"


static int
str_is(const agw_str_t *s, const char *lit)
{
    return s->data != NULL && agw_str_eq(s, lit, strlen(lit));
}


/* An answer's output as the gateway can reproduce it: texts, calls and
 * reasoning summaries in order, ids and OpenAI's extras left out. */
static json_t *
essence(json_t *resp)
{
    size_t       i, j;
    json_t      *out, *item, *c;
    const char  *t;

    out = json_array();

    json_array_foreach(json_object_get(resp, "output"), i, item) {
        t = json_string_value(json_object_get(item, "type"));

        if (strcmp(t, "message") == 0) {
            json_array_foreach(json_object_get(item, "content"), j, c) {
                json_array_append_new(out, json_pack("{s:O}", "text",
                                      json_object_get(c, "text")));
            }

        } else if (strcmp(t, "function_call") == 0) {
            json_array_append_new(out, json_pack("{s:O,s:O,s:O}",
                                  "call_id", json_object_get(item, "call_id"),
                                  "name", json_object_get(item, "name"),
                                  "arguments",
                                  json_object_get(item, "arguments")));
        }
    }

    return out;
}


static void
round_trip(const char *file, agw_finish_t finish, int64_t input,
    int64_t cached, int64_t output, int64_t reasoning)
{
    char              *body;
    size_t             len;
    json_t            *in, *out, *ei, *eo, *u;
    agw_buf_t          buf = AGW_BUF_INIT;
    agw_arena_t        a;
    agw_error_t        err;
    agw_response_t     res;
    agw_answer_ctx_t   o;

    body = fixture_read(file, &len);
    in = fixture_json(file);
    agw_arena_init(&a, NULL, 0, 0);
    memset(&err, 0, sizeof(err));

    ok(body && agw_responses_codec.read_response(body, len, &a, &res, &err)
       == 0, "%s: read", file);

    ok(res.finish == finish && res.usage.input == input
       && res.usage.cache_read == cached && res.usage.output == output
       && res.usage.reasoning == reasoning,
       "%s: finish and usage", file);

    memset(&o, 0, sizeof(o));
    o.model = agw_str_bytes("client-model", 12);
    o.created = 1;

    ok(agw_responses_codec.write_response(&res, &o, &buf, &err) == 0,
       "%s: written", file);

    out = json_loadb(buf.data, buf.len, 0, NULL);
    ei = essence(in);
    eo = essence(out);

    ok(out && test_json_same(eo, ei, file), "%s: the same output", file);

    u = json_deep_copy(json_object_get(in, "usage"));
    json_object_set_new(u, "input_tokens_details",
                        json_pack("{s:I}", "cached_tokens",
                                  (json_int_t) (cached > 0 ? cached : 0)));

    ok(out && test_json_same(json_object_get(out, "usage"), u, file)
       && strcmp(json_string_value(json_object_get(out, "model")),
                 "client-model") == 0
       && strcmp(json_string_value(json_object_get(out, "id")),
                 json_string_value(json_object_get(in, "id"))) == 0
       && json_integer_value(json_object_get(out, "created_at"))
          == json_integer_value(json_object_get(in, "created_at"))
       && strcmp(json_string_value(json_object_get(out, "status")),
                 json_string_value(json_object_get(in, "status"))) == 0,
       "%s: usage, the client's model, id, created_at, status", file);

    json_decref(u);
    json_decref(in);
    json_decref(out);
    json_decref(ei);
    json_decref(eo);
    agw_buf_free(&buf);
    agw_arena_free(&a);
    free(body);
}


static void
test_read(void)
{
    char            *body;
    size_t           len;
    agw_arena_t      a;
    agw_error_t      err;
    agw_response_t   res;
    agw_part_t      *p;

    round_trip("openai-responses/response-text.documented.json",
               AGW_FINISH_STOP, 36, 0, 87, 0);
    round_trip("openai-responses/response-function-call.documented.json",
               AGW_FINISH_TOOL_CALLS, 291, -1, 23, 0);
    round_trip("openai-responses/response-reasoning.documented.json",
               AGW_FINISH_STOP, 81, 0, 1035, 832);
    round_trip("openai-responses/response-cached-reasoning-usage.json",
               AGW_FINISH_STOP, 7243, 3072, 423, 58);

    body = fixture_read("openai-responses/"
                        "response-function-call.documented.json", &len);
    agw_arena_init(&a, NULL, 0, 0);
    memset(&err, 0, sizeof(err));
    agw_responses_codec.read_response(body, len, &a, &res, &err);
    p = res.parts;

    ok(p && p->type == AGW_PART_TOOL_CALL
       && str_is(&p->id, "call_unLAR8MvFNptuiZK6K6HCy5k")
       && str_is(&p->name, "get_current_weather") && p->args_string
       && p->next == NULL, "a function_call item is a tool call");

    agw_arena_free(&a);
    free(body);

    memset(&err, 0, sizeof(err));
    agw_arena_init(&a, NULL, 0, 0);
    ok(agw_responses_codec.read_response("{\"output\":[}", 12, &a, &res,
                                         &err) == -1
       && err.cls == AGW_ERR_BAD_GATEWAY
       && strcmp(err.code, "invalid_upstream_body") == 0,
       "a broken answer: 502 invalid_upstream_body");
    agw_arena_free(&a);
}


/* An answer of another provider (Anthropic: thinking, text, a call). */
static void
test_write_other(void)
{
    json_t            *out, *items;
    agw_buf_t          buf = AGW_BUF_INIT;
    agw_error_t        err;
    agw_response_t     res;
    agw_answer_ctx_t   o;
    agw_part_t         th, red, t1, t2, call;

    memset(&res, 0, sizeof(res));
    memset(&th, 0, sizeof(th));
    memset(&red, 0, sizeof(red));
    memset(&t1, 0, sizeof(t1));
    memset(&t2, 0, sizeof(t2));
    memset(&call, 0, sizeof(call));

    th.type = AGW_PART_THINKING;
    th.text = agw_str_bytes("think", 5);
    th.signature = agw_str_bytes("sig", 3);
    th.next = &red;
    red.type = AGW_PART_REDACTED_THINKING;
    red.data = agw_str_bytes("xx", 2);
    red.next = &t1;
    t1.type = AGW_PART_TEXT;
    t1.text = agw_str_bytes("a \"b\"", 5);
    t1.next = &t2;
    t2.type = AGW_PART_TEXT;
    t2.text = agw_str_bytes("c", 1);
    t2.next = &call;
    call.type = AGW_PART_TOOL_CALL;
    call.id = agw_str_bytes("toolu_9", 7);
    call.name = agw_str_bytes("ls", 2);
    call.args.data = "{\"x\":[1]}";
    call.args.len = 9;
    call.args.kind = AGW_STR_VALUE;

    res.id = agw_str_bytes("msg_01A", 7);
    res.created = -1;
    res.parts = &th;
    res.finish = AGW_FINISH_LENGTH;
    agw_usage_init(&res.usage);
    res.usage.input = 10;
    res.usage.output = 3;

    memset(&o, 0, sizeof(o));
    o.model = agw_str_bytes("m", 1);
    o.created = 1234;
    memset(&err, 0, sizeof(err));

    ok(agw_responses_codec.write_response(&res, &o, &buf, &err) == 0,
       "another provider's answer written");

    out = json_loadb(buf.data, buf.len, 0, NULL);
    items = json_object_get(out, "output");

    ok(out && json_array_size(items) == 3
       && strcmp(json_string_value(json_object_get(json_array_get(items, 0),
                 "type")), "reasoning") == 0
       && json_array_size(json_object_get(json_array_get(items, 1),
                                          "content")) == 2
       && strcmp(json_string_value(json_object_get(json_array_get(
                 json_object_get(json_array_get(items, 1), "content"), 0),
                 "text")), "a \"b\"") == 0
       && strcmp(json_string_value(json_object_get(json_array_get(items, 2),
                 "arguments")), "{\"x\":[1]}") == 0,
       "reasoning, one message of two texts, a call (redacted dropped)");

    ok(out && strcmp(json_string_value(json_object_get(out, "status")),
                     "incomplete") == 0
       && strcmp(json_string_value(json_object_get(json_object_get(out,
                 "incomplete_details"), "reason")), "max_output_tokens") == 0
       && json_integer_value(json_object_get(out, "created_at")) == 1234
       && strcmp(json_string_value(json_object_get(out, "id")),
                 "resp_msg_01A") == 0
       && json_integer_value(json_object_get(json_object_get(out, "usage"),
                                             "total_tokens")) == 13,
       "incomplete for max tokens; created_at, id, usage");

    json_decref(out);
    agw_buf_free(&buf);
}


static void
test_errors(void)
{
    char         *body;
    size_t        len;
    json_t       *out, *want;
    agw_buf_t     buf = AGW_BUF_INIT;
    agw_error_t   err;

    body = fixture_read("openai-responses/error-429-insufficient-quota.json",
                        &len);
    memset(&err, 0, sizeof(err));
    agw_responses_codec.read_error(body, len, &err);

    ok(err.cls == AGW_ERR_RATE_LIMIT
       && strcmp(err.code, "insufficient_quota") == 0
       && strncmp(err.message, "You exceeded your current quota", 31) == 0,
       "the captured 429: rate limit, its code and message");

    ok(agw_responses_codec.write_error(&err, &buf) == 0, "written");

    out = json_loadb(buf.data, buf.len, 0, NULL);
    want = json_loadb(body, len, 0, NULL);
    json_object_set_new(json_object_get(want, "error"), "type",
                        json_string("rate_limit_error"));

    ok(out && test_json_same(out, want, "error"),
       "as OpenAI's envelope (type from the class)");

    json_decref(out);
    json_decref(want);
    free(body);

    memset(&err, 0, sizeof(err));
    agw_responses_codec.read_error("{\"error\":\"boom\"}", 16, &err);
    ok(strcmp(err.message, "boom") == 0, "an error given as a string");

    memset(&err, 0, sizeof(err));
    err.cls = AGW_ERR_BAD_GATEWAY;
    agw_responses_codec.read_error("<html>", 6, &err);
    ok(err.cls == AGW_ERR_BAD_GATEWAY && err.message[0] == '\0',
       "not JSON: the error left as it was");

    agw_buf_free(&buf);
}


static void
test_rewrite(void)
{
    char              *body;
    size_t             len;
    json_t            *out, *want;
    agw_buf_t          buf = AGW_BUF_INIT;
    agw_usage_t        u;
    agw_error_t        err;
    agw_answer_ctx_t   o;
    agw_request_ctx_t  ro;

    body = fixture_read("openai-responses/"
                        "response-cached-reasoning-usage.json", &len);
    memset(&o, 0, sizeof(o));
    o.model = agw_str_bytes("alias", 5);
    agw_usage_init(&u);
    memset(&err, 0, sizeof(err));

    ok(agw_responses_codec.rewrite_response(body, len, &o, &buf, &u, &err)
       == 0, "rewrite: an answer");

    out = json_loadb(buf.data, buf.len, 0, NULL);
    want = json_loadb(body, len, 0, NULL);
    json_object_set_new(want, "model", json_string("alias"));

    ok(out && test_json_same(out, want, "rewrite")
       && buf.len == len - strlen("gpt-5.3-codex") + 5,
       "rewrite: only the model changed");
    ok(u.input == 7243 && u.cache_read == 3072 && u.output == 423
       && u.reasoning == 58, "rewrite: usage read");

    json_decref(out);
    json_decref(want);
    free(body);

    body = fixture_read("openai-responses/request-tools.documented.json",
                        &len);
    agw_buf_reset(&buf);
    memset(&ro, 0, sizeof(ro));
    ro.model = agw_str_bytes("gpt-\"x\"", 7);

    ok(agw_responses_codec.rewrite_request(body, len, &ro, &buf, &err) == 0,
       "rewrite: a request");

    out = json_loadb(buf.data, buf.len, 0, NULL);
    want = json_loadb(body, len, 0, NULL);
    json_object_set_new(want, "model", json_string("gpt-\"x\""));
    ok(out && test_json_same(out, want, "rewrite request"),
       "rewrite: the model replaced, escaped");

    json_decref(out);
    json_decref(want);
    agw_buf_reset(&buf);

    ok(agw_responses_codec.rewrite_request("{}", 2, &ro, &buf, &err) == 0
       && buf.len == strlen("{\"model\":\"gpt-\\\"x\\\"\"}")
       && memcmp(buf.data, "{\"model\":\"gpt-\\\"x\\\"\"}", buf.len) == 0,
       "rewrite: a model added where none was");

    agw_buf_reset(&buf);
    memset(&err, 0, sizeof(err));
    ok(agw_responses_codec.rewrite_request("{\"a\":", 5, &ro, &buf, &err)
       == -1 && err.cls == AGW_ERR_INVALID_REQUEST,
       "rewrite: a broken request is a 400");

    free(body);
    agw_buf_free(&buf);
}


int
main(void)
{
    test_read();
    test_write_other();
    test_errors();
    test_rewrite();

    return done_testing();
}
