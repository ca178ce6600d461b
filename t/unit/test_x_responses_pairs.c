/*
 * The Responses dialect beside the others through the engine's codecs:
 * what Codex needs of an Anthropic, a Gemini or a chat-only provider.
 *   - A Codex request (reasoning, an assistant text, two parallel calls,
 *     their outputs, a user turn) written for Anthropic and for Gemini
 *     carries every message, call and output, in order.
 *   - Anthropic's and Gemini's captured streams (tool use, thinking,
 *     function call) written for a Responses client: valid events,
 *     numbered in sequence, the items with the provider's text, call ids
 *     and whole arguments, usage at response.completed.
 *   - The captured Responses stream written for an Anthropic client: a
 *     thinking block, a tool_use with the whole arguments, stop tool_use;
 *     for a chat client: one tool call, its arguments whole.
 *   - The same with a chat-only OpenAI provider, whose parallel calls'
 *     fragments interleave.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "fixtures.h"
#include "agw_codec.h"
#include "test_x_responses.h"


static const char  codex[] =
    "{\"model\":\"gpt-5-codex\",\"instructions\":\"You are Codex.\","
    "\"input\":["
    "{\"type\":\"message\",\"role\":\"user\",\"content\":["
    "{\"type\":\"input_text\",\"text\":\"list the files\"}]},"
    "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[{\"type\":"
    "\"summary_text\",\"text\":\"**Listing**\"}],"
    "\"encrypted_content\":\"gAAAA==\"},"
    "{\"type\":\"message\",\"role\":\"assistant\",\"content\":["
    "{\"type\":\"output_text\",\"text\":\"Running ls.\"}]},"
    "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"shell\","
    "\"arguments\":\"{\\\"command\\\":[\\\"ls\\\"]}\"},"
    "{\"type\":\"function_call\",\"call_id\":\"call_2\",\"name\":\"shell\","
    "\"arguments\":\"{\\\"command\\\":[\\\"pwd\\\"]}\"},"
    "{\"type\":\"function_call_output\",\"call_id\":\"call_1\","
    "\"output\":\"a.c\\nb.c\"},"
    "{\"type\":\"function_call_output\",\"call_id\":\"call_2\","
    "\"output\":\"/src\"},"
    "{\"type\":\"message\",\"role\":\"user\",\"content\":["
    "{\"type\":\"input_text\",\"text\":\"thanks\"}]}],"
    "\"tools\":[{\"type\":\"function\",\"name\":\"shell\",\"description\":"
    "\"Runs a command\",\"parameters\":{\"type\":\"object\",\"properties\":"
    "{\"command\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}},"
    "\"strict\":false},"
    /* the hosted tools Codex sends beside its functions */
    "{\"type\":\"namespace\",\"name\":\"multi_agent_v1\",\"tools\":["
    "{\"type\":\"function\",\"name\":\"spawn\",\"parameters\":{}}]},"
    "{\"type\":\"web_search\",\"external_web_access\":true}],"
    "\"tool_choice\":\"auto\",\"parallel_tool_calls\":true,"
    "\"reasoning\":{\"effort\":\"medium\",\"summary\":\"auto\"},"
    "\"store\":false,\"stream\":true,"
    "\"include\":[\"reasoning.encrypted_content\"]}";


static json_t *
codex_for(const agw_codec_t *c)
{
    json_t             *j;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_arena_t         a;
    agw_error_t         err;
    agw_request_t       req;
    agw_request_ctx_t   o;

    memset(&err, 0, sizeof(err));
    memset(&o, 0, sizeof(o));
    o.model = agw_str_bytes("upstream", 8);
    o.stream = 1;
    o.default_max_tokens = 4096;
    o.client = AGW_DIALECT_RESPONSES;
    agw_arena_init(&a, NULL, 0, 0);
    j = NULL;

    if (agw_responses_codec.read_request(codex, sizeof(codex) - 1, 0, &a, &req,
                                         &err) == 0
        && c->write_request(&req, &o, &out, &err) == 0)
    {
        j = json_loadb(out.data, out.len, 0, NULL);
    } else {
        tap_diag("%s", err.message);
    }

    agw_buf_free(&out);
    agw_arena_free(&a);
    return j;
}


/* want (a JSON text) equals got */
static int
is_json(json_t *got, const char *want, const char *name)
{
    int      same;
    json_t  *w;

    w = json_loads(want, 0, NULL);
    same = w != NULL && got != NULL && test_json_same(got, w, name);
    json_decref(w);
    return same;
}


static void
test_requests(void)
{
    json_t  *j, *m;

    j = codex_for(&agw_anthropic_codec);
    m = json_object_get(j, "messages");

    ok(j != NULL && json_array_size(m) == 3, "codex for Anthropic: three "
       "turns");

    ok(is_json(json_array_get(m, 0), "{\"role\":\"user\",\"content\":"
               "[{\"type\":\"text\",\"text\":\"list the files\"}]}",
               "anthropic turn 0"),
       "codex for Anthropic: the user's turn");

    ok(is_json(json_array_get(m, 1), "{\"role\":\"assistant\",\"content\":["
               "{\"type\":\"text\",\"text\":\"Running ls.\"},"
               "{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"shell\","
               "\"input\":{\"command\":[\"ls\"]}},"
               "{\"type\":\"tool_use\",\"id\":\"call_2\",\"name\":\"shell\","
               "\"input\":{\"command\":[\"pwd\"]}}]}", "anthropic turn 1"),
       "codex for Anthropic: the text and both calls in one turn, the "
       "encrypted reasoning dropped");

    ok(is_json(json_array_get(m, 2), "{\"role\":\"user\",\"content\":["
               "{\"type\":\"tool_result\",\"tool_use_id\":\"call_1\","
               "\"content\":\"a.c\\nb.c\"},"
               "{\"type\":\"tool_result\",\"tool_use_id\":\"call_2\","
               "\"content\":\"/src\"},"
               "{\"type\":\"text\",\"text\":\"thanks\"}]}",
               "anthropic turn 2"),
       "codex for Anthropic: both outputs, then the user's text");

    ok(j && strcmp(json_string_value(json_object_get(json_array_get(
           json_object_get(j, "tools"), 0), "name")), "shell") == 0
       && json_object_get(json_array_get(json_object_get(j, "tools"), 0),
                          "input_schema") != NULL,
       "codex for Anthropic: the function tool");

    ok(j && json_array_size(json_object_get(j, "tools")) == 1,
       "codex for Anthropic: its hosted tools (web_search, namespace) "
       "dropped");

    json_decref(j);

    j = codex_for(&agw_gemini_codec);
    m = json_object_get(j, "contents");

    ok(j != NULL && json_array_size(m) >= 3, "codex for Gemini: the turns");

    ok(j && json_object_get(json_object_get(json_array_get(json_object_get(
           json_array_get(m, 1), "parts"), 1), "functionCall"), "args")
       && is_json(json_object_get(json_object_get(json_array_get(
              json_object_get(json_array_get(m, 1), "parts"), 2),
              "functionCall"), "args"), "{\"command\":[\"pwd\"]}",
              "gemini call 2"),
       "codex for Gemini: both calls, whole args");

    ok(j && json_array_size(json_object_get(json_array_get(json_object_get(
           j, "tools"), 0), "functionDeclarations")) == 1
       && json_array_size(json_object_get(j, "tools")) == 1,
       "codex for Gemini: its hosted tools (web_search, namespace) "
       "dropped");

    ok(j && is_json(json_object_get(json_array_get(json_object_get(
           json_array_get(m, 2), "parts"), 0), "functionResponse"),
           "{\"name\":\"shell\",\"response\":{\"content\":\"a.c\\nb.c\"}}",
           "gemini response 1"),
       "codex for Gemini: an output is a functionResponse named after its "
       "call");

    json_decref(j);

    j = codex_for(&agw_openai_codec);
    m = json_object_get(j, "messages");

    ok(j != NULL && json_array_size(m) == 6
       && is_json(json_array_get(m, 2), "{\"role\":\"assistant\","
                  "\"content\":\"Running ls.\",\"tool_calls\":["
                  "{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                  "{\"name\":\"shell\",\"arguments\":"
                  "\"{\\\"command\\\":[\\\"ls\\\"]}\"}},"
                  "{\"id\":\"call_2\",\"type\":\"function\",\"function\":"
                  "{\"name\":\"shell\",\"arguments\":"
                  "\"{\\\"command\\\":[\\\"pwd\\\"]}\"}}]}", "chat turn 2")
       && is_json(json_array_get(m, 4), "{\"role\":\"tool\","
                  "\"tool_call_id\":\"call_2\",\"content\":\"/src\"}",
                  "chat turn 4")
       && is_json(json_array_get(m, 5), "{\"role\":\"user\","
                  "\"content\":\"thanks\"}", "chat turn 5"),
       "codex for a chat-only provider: the calls in one assistant turn, "
       "an output a tool message each, in order");

    json_decref(j);
}


static json_t *
run(const char *file, const agw_codec_t *rd, const agw_codec_t *wr,
    agw_usage_t *u)
{
    char         *text;
    size_t        len;
    json_t       *ev;
    agw_buf_t     out = AGW_BUF_INIT;
    agw_error_t   err;

    text = fixture_read(file, &len);
    memset(&err, 0, sizeof(err));

    if (text == NULL
        || test_xs_run(rd, wr, 0, "client-model", text, len, &out, u, &err)
           != 0)
    {
        tap_diag("%s: %s", file, err.message);
    }

    ev = test_events(out.data, out.len);
    free(text);
    agw_buf_free(&out);
    return ev;
}


static json_t *
last_of(json_t *events, const char *type)
{
    size_t       i;
    json_t      *ev, *found;
    const char  *t;

    found = NULL;

    json_array_foreach(events, i, ev) {
        t = json_string_value(json_object_get(ev, "type"));

        if (t != NULL && strcmp(t, type) == 0) {
            found = ev;
        }
    }

    return found;
}


/* The events are numbered 0, 1... and named as their type. */
static int
well_formed(json_t *events)
{
    size_t   i;
    json_t  *ev;

    json_array_foreach(events, i, ev) {
        if (json_integer_value(json_object_get(ev, "sequence_number"))
            != (json_int_t) i
            || !json_equal(json_object_get(ev, "event"),
                           json_object_get(ev, "type")))
        {
            return 0;
        }
    }

    return json_array_size(events) > 2;
}


static void
test_to_responses(void)
{
    json_t       *ev, *item, *r;
    agw_usage_t   u;

    ev = run("anthropic-messages/stream-tool-use.sse", &agw_anthropic_codec,
             &agw_responses_codec, &u);
    item = json_object_get(last_of(ev, "response.output_item.done"), "item");
    r = json_object_get(last_of(ev, "response.completed"), "response");

    ok(ev && well_formed(ev), "Anthropic tool use for Codex: events in "
       "sequence");
    ok(item && strcmp(json_string_value(json_object_get(item, "type")),
                      "function_call") == 0
       && strcmp(json_string_value(json_object_get(item, "call_id")),
                 "toolu_018acGYLtfR52q9yDbWaEdQZ") == 0
       && strcmp(json_string_value(json_object_get(item, "arguments")),
                 "{\"location\": \"San Francisco, CA\", \"units\": \"f\"}")
          == 0,
       "Anthropic tool use for Codex: a function_call, whole arguments");
    ok(r && strcmp(json_string_value(json_object_get(r, "model")),
                   "client-model") == 0
       && json_integer_value(json_object_get(json_object_get(r, "usage"),
                                             "output_tokens")) == u.output
       && u.output > 0,
       "Anthropic tool use for Codex: the client's model, usage");
    json_decref(ev);

    ev = run("anthropic-messages/stream-thinking.chunks.sse",
             &agw_anthropic_codec, &agw_responses_codec, &u);
    r = json_object_get(last_of(ev, "response.completed"), "response");
    item = json_array_get(json_object_get(r, "output"), 0);

    ok(ev && well_formed(ev)
       && strcmp(json_string_value(json_object_get(item, "type")),
                 "reasoning") == 0
       && strncmp(json_string_value(json_object_get(json_array_get(
                  json_object_get(item, "summary"), 0), "text")),
                  "The previous result was 925.", 28) == 0
       && strcmp(json_string_value(json_object_get(json_array_get(
                 json_object_get(r, "output"), 1), "type")), "message") == 0,
       "Anthropic thinking for Codex: a reasoning item with the summary, "
       "then the message");
    json_decref(ev);

    ev = run("gemini/stream-function-call.chunks.sse", &agw_gemini_codec,
             &agw_responses_codec, &u);
    item = json_object_get(last_of(ev, "response.output_item.done"), "item");

    ok(ev && well_formed(ev) && item
       && strcmp(json_string_value(json_object_get(item, "name")),
                 "customDivide") == 0
       && strcmp(json_string_value(json_object_get(item, "arguments")),
                 "{\"denominator\":2,\"numerator\":10}") == 0,
       "Gemini function call for Codex: a function_call, whole args");
    json_decref(ev);

    /* a chat provider interleaving two calls' argument fragments */
    ev = run("openai-chat/stream-parallel-tool-calls.sse", &agw_openai_codec,
             &agw_responses_codec, &u);
    r = json_object_get(last_of(ev, "response.completed"), "response");

    ok(ev && well_formed(ev)
       && json_array_size(json_object_get(r, "output")) == 2
       && strcmp(json_string_value(json_object_get(json_array_get(
                 json_object_get(r, "output"), 0), "arguments")),
                 "{\"city\": \"Edinburgh\", \"country\": \"GB\", "
                 "\"units\": \"c\"}") == 0
       && strcmp(json_string_value(json_object_get(json_array_get(
                 json_object_get(r, "output"), 1), "arguments")),
                 "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}") == 0,
       "parallel chat calls for Codex: two function_call items, each's "
       "arguments whole");
    json_decref(ev);
}


static void
test_from_responses(void)
{
    size_t       i;
    json_t      *ev, *e, *d;
    agw_usage_t  u;
    char         args[256];
    int          thinking, tool;

    ev = run("openai-responses/stream-reasoning-function-call.chunks.sse",
             &agw_responses_codec, &agw_anthropic_codec, &u);
    args[0] = '\0';
    thinking = tool = 0;

    json_array_foreach(ev, i, e) {
        d = json_object_get(e, "content_block");

        if (d && strcmp(json_string_value(json_object_get(d, "type")),
                        "thinking") == 0)
        {
            thinking++;
        }

        if (d && strcmp(json_string_value(json_object_get(d, "type")),
                        "tool_use") == 0
            && strcmp(json_string_value(json_object_get(d, "name")),
                      "calculator") == 0)
        {
            tool++;
        }

        d = json_object_get(e, "delta");

        if (d && json_object_get(d, "partial_json")) {
            strncat(args, json_string_value(json_object_get(d,
                    "partial_json")), sizeof(args) - strlen(args) - 1);
        }
    }

    d = json_object_get(last_of(ev, "message_delta"), "delta");

    ok(thinking == 1 && tool == 1, "Codex's provider for Anthropic: a "
       "thinking block and a tool_use");
    ok(strcmp(args, "{\"a\":12,\"b\":7,\"op\":\"add\"}") == 0,
       "... its input whole");
    ok(d && strcmp(json_string_value(json_object_get(d, "stop_reason")),
                   "tool_use") == 0, "... stop_reason tool_use");
    json_decref(ev);

    ev = run("openai-responses/stream-reasoning-function-call.chunks.sse",
             &agw_responses_codec, &agw_openai_codec, &u);
    args[0] = '\0';
    tool = 0;

    json_array_foreach(ev, i, e) {
        d = json_array_get(json_object_get(json_object_get(json_array_get(
                json_object_get(e, "choices"), 0), "delta"), "tool_calls"), 0);

        if (json_object_get(d, "id") != NULL) {
            tool++;
        }

        d = json_object_get(json_object_get(d, "function"), "arguments");

        if (d != NULL) {
            strncat(args, json_string_value(d),
                    sizeof(args) - strlen(args) - 1);
        }
    }

    ok(tool == 1 && strcmp(args, "{\"a\":12,\"b\":7,\"op\":\"add\"}") == 0,
       "Codex's provider for a chat client: one tool call, its arguments "
       "whole");
    json_decref(ev);
}


/* Whether s is the text of a JSON value. */
static int
json_text(const char *s)
{
    json_t  *j;

    j = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
    json_decref(j);
    return j != NULL;
}


/* A whole answer through the engine, parsed; NULL on an error. */
static json_t *
answer(const char *file, const agw_codec_t *provider,
    const agw_codec_t *client)
{
    char              *body;
    size_t             len;
    json_t            *j;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_usage_t        u;
    agw_error_t        err;
    agw_answer_ctx_t   o;

    body = fixture_read(file, &len);
    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.model = agw_str_bytes("client-model", 12);
    o.created = 1700000000;
    agw_usage_init(&u);
    j = NULL;

    if (body != NULL
        && agw_engine_response_codecs(provider, client, body, len, &o, &out,
                                      &u, &err) == 0)
    {
        j = json_loadb(out.data, out.len, 0, NULL);
    } else {
        tap_diag("%s: %s", file, err.message);
    }

    free(body);
    agw_buf_free(&out);
    return j;
}


static void
test_answers(void)
{
    json_t       *j, *item;
    agw_buf_t     out = AGW_BUF_INIT;
    char         *body;
    size_t        len;
    int           status;

    j = answer("anthropic-messages/response-tool-use.json",
               &agw_anthropic_codec, &agw_responses_codec);
    item = json_array_get(json_object_get(j, "output"),
                          json_array_size(json_object_get(j, "output")) - 1);

    ok(j && strcmp(json_string_value(json_object_get(j, "object")),
                   "response") == 0
       && strcmp(json_string_value(json_object_get(j, "model")),
                 "client-model") == 0
       && strcmp(json_string_value(json_object_get(item, "type")),
                 "function_call") == 0
       && json_string_value(json_object_get(item, "call_id")) != NULL
       && strncmp(json_string_value(json_object_get(item, "call_id")),
                  "toolu_", 6) == 0
       && json_text(json_string_value(json_object_get(item, "arguments"))),
       "an Anthropic tool use answer for Codex: a Response ending in a "
       "function_call with JSON arguments");
    json_decref(j);

    j = answer("openai-responses/response-function-call.documented.json",
               &agw_responses_codec, &agw_anthropic_codec);
    item = json_array_get(json_object_get(j, "content"), 0);

    ok(j && strcmp(json_string_value(json_object_get(j, "stop_reason")),
                   "tool_use") == 0
       && strcmp(json_string_value(json_object_get(item, "type")),
                 "tool_use") == 0
       && strcmp(json_string_value(json_object_get(item, "id")),
                 "call_unLAR8MvFNptuiZK6K6HCy5k") == 0
       && strcmp(json_string_value(json_object_get(json_object_get(item,
                 "input"), "unit")), "celsius") == 0,
       "a Responses function_call answer for an Anthropic client: tool_use "
       "with its input object");
    json_decref(j);

    /* an Anthropic error for a Responses client: OpenAI's envelope */
    body = fixture_read("anthropic-messages/error-529-overloaded.json", &len);
    status = 0;
    j = NULL;
    ok(body && agw_engine_error_codecs(&agw_anthropic_codec,
                                       &agw_responses_codec, 529, body, len,
                                       &status, &out) == 0
       && status == 503
       && (j = json_loadb(out.data, out.len, 0, NULL)) != NULL
       && strcmp(json_string_value(json_object_get(json_object_get(j,
                 "error"), "type")), "service_unavailable_error") == 0,
       "Anthropic's 529 for Codex: a 503 in OpenAI's envelope");

    json_decref(j);
    free(body);
    agw_buf_free(&out);
}


/* Through the engine: history OpenAI keeps is refused for the others. */
static void
test_history(void)
{
    size_t              i;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_error_t         err;
    agw_request_ctx_t   o;
    const agw_codec_t  *providers[] = {
        &agw_anthropic_codec, &agw_gemini_codec, &agw_openai_codec
    };
    static const char   conv[] = "{\"model\":\"m\",\"conversation\":"
                                 "\"conv_1\",\"input\":\"again\"}";
    int                 refused;

    memset(&o, 0, sizeof(o));
    o.model = agw_str_bytes("up", 2);
    o.default_max_tokens = 1024;
    refused = 0;

    for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++) {
        memset(&err, 0, sizeof(err));
        out.len = 0;

        if (agw_engine_request_codecs(&agw_responses_codec, providers[i],
                                      conv, sizeof(conv) - 1, &o, &out, &err)
            == -1
            && err.cls == AGW_ERR_INVALID_REQUEST
            && strcmp(err.code, "previous_response_not_supported") == 0
            && strncmp(err.message, "conversation:", 13) == 0
            && out.len == 0)
        {
            refused++;
        }
    }

    ok(refused == 3, "a stored conversation through the engine to "
       "Anthropic, Gemini, chat: a 400 naming it, nothing written");

    memset(&err, 0, sizeof(err));
    out.len = 0;
    ok(agw_engine_request_codecs(&agw_responses_codec, &agw_responses_codec,
                                 conv, sizeof(conv) - 1, &o, &out, &err) == 0
       && strstr(out.data, "\"conversation\":\"conv_1\"") != NULL,
       "... and passed on to a Responses provider");

    agw_buf_free(&out);
}


int
main(void)
{
    test_history();
    test_answers();
    test_requests();
    test_to_responses();
    test_from_responses();

    return done_testing();
}
