/*
 * The Responses dialect's requests through the engine's form
 * (translate/responses/rsp_request.c): the documented requests and a
 * Codex-shaped one read into the form and written back, field by field;
 * the written request reads back to the same form (a fixpoint); a
 * client's mistakes are 400s naming the field; previous_response_id and
 * conversation are refused for any other provider.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "fixtures.h"
#include "agw_codec.h"
#include "responses/rsp_int.h"
#include "test_x_responses.h"


/*
 * A Codex request (codex-rs builds it: instructions, developer and user
 * messages, the model's earlier turn as reasoning + message +
 * function_call items, the call's output, flat function tools, reasoning
 * with encrypted content asked back since store is false).
 */
static const char  codex[] =
    "{\"model\":\"gpt-5-codex\",\"instructions\":\"You are Codex.\","
    "\"input\":["
    "{\"type\":\"message\",\"role\":\"developer\",\"content\":["
    "{\"type\":\"input_text\",\"text\":\"<permissions>\\nread-only\"}]},"
    "{\"type\":\"message\",\"role\":\"user\",\"content\":["
    "{\"type\":\"input_text\",\"text\":\"list the files\"}]},"
    "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[{\"type\":"
    "\"summary_text\",\"text\":\"**Listing**\"}],"
    "\"encrypted_content\":\"gAAAA==\"},"
    "{\"type\":\"message\",\"role\":\"assistant\",\"content\":["
    "{\"type\":\"output_text\",\"text\":\"Running ls.\","
    "\"annotations\":[]}]},"
    "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"shell\","
    "\"arguments\":\"{\\\"command\\\":[\\\"ls\\\"]}\"},"
    "{\"type\":\"function_call_output\",\"call_id\":\"call_1\","
    "\"output\":\"a.c\\nb.c\"}],"
    "\"tools\":[{\"type\":\"function\",\"name\":\"shell\",\"description\":"
    "\"Runs a command\",\"parameters\":{\"type\":\"object\",\"properties\":"
    "{\"command\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
    "\"required\":[\"command\"]},\"strict\":false},"
    "{\"type\":\"web_search\"}],"
    "\"tool_choice\":\"auto\",\"parallel_tool_calls\":false,"
    "\"reasoning\":{\"effort\":\"medium\",\"summary\":\"auto\"},"
    "\"store\":false,\"stream\":true,"
    "\"include\":[\"reasoning.encrypted_content\"],"
    "\"prompt_cache_key\":\"0199-abcd\"}";


static int
read_req(const char *body, size_t len, agw_arena_t *a, agw_request_t *req,
    agw_error_t *err)
{
    memset(err, 0, sizeof(*err));
    return agw_responses_codec.read_request(body, len, 0, a, req, err);
}


/* The request written for a Responses provider, parsed. */
static json_t *
write_req(const agw_request_t *req, const char *model, int stream)
{
    json_t             *j;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_error_t         err;
    agw_request_ctx_t   o;

    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));

    if (model != NULL) {
        o.model = agw_str_bytes(model, strlen(model));
    }

    o.stream = stream;
    o.client = AGW_DIALECT_RESPONSES;

    if (agw_responses_codec.write_request(req, &o, &out, &err) != 0) {
        printf("# write_request: %s\n", err.message);
        agw_buf_free(&out);
        return NULL;
    }

    j = json_loadb(out.data, out.len, 0, NULL);
    if (j == NULL) {
        printf("# not JSON: %.*s\n", (int) out.len, out.data);
    }

    agw_buf_free(&out);
    return j;
}


/* read, write, read, write: the second writing equals the first. */
static void
fixpoint(const char *body, size_t len, const char *name)
{
    json_t         *one, *two;
    char           *text;
    agw_arena_t     a, b;
    agw_error_t     err;
    agw_request_t   req, again;

    agw_arena_init(&a, NULL, 0, 0);
    agw_arena_init(&b, NULL, 0, 0);

    one = two = NULL;

    if (read_req(body, len, &a, &req, &err) == 0) {
        one = write_req(&req, NULL, req.stream);
    }

    text = one ? json_dumps(one, JSON_COMPACT) : NULL;

    if (text != NULL
        && read_req(text, strlen(text), &b, &again, &err) == 0)
    {
        two = write_req(&again, NULL, again.stream);
    }

    ok(one != NULL && two != NULL && test_json_same(two, one, name),
       "%s: written, read and written again, the same request", name);

    free(text);
    json_decref(one);
    json_decref(two);
    agw_arena_free(&a);
    agw_arena_free(&b);
}


/* got equals want, which it takes */
static int
eq(json_t *got, json_t *want)
{
    int  same;

    same = want != NULL && test_json_same(got, want, "item");
    json_decref(want);
    return same;
}


static int
str_is(const agw_str_t *s, const char *lit)
{
    return s->data != NULL && agw_str_eq(s, lit, strlen(lit));
}


static void
test_documented(void)
{
    char           *body;
    size_t          len;
    json_t         *in, *out, *want;
    agw_arena_t     a;
    agw_error_t     err;
    agw_request_t   req;
    const char     *files[] = {
        "openai-responses/request-text.documented.json",
        "openai-responses/request-image-url.documented.json",
        "openai-responses/request-tools.documented.json",
    };
    size_t          i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        body = fixture_read(files[i], &len);
        in = fixture_json(files[i]);
        agw_arena_init(&a, NULL, 0, 0);

        ok(body != NULL && read_req(body, len, &a, &req, &err) == 0,
           "%s: read", files[i]);

        out = write_req(&req, "upstream-model", 0);

        /*
         * What the writer says that the client left to the API's
         * defaults: the model is the route's, store false (the other
         * dialects' clients store nothing), a function tool's strict
         * false, an image's detail auto.
         */
        want = json_deep_copy(in);
        json_object_set_new(want, "model", json_string("upstream-model"));
        json_object_set_new(want, "store", json_false());

        if (i == 1) {
            json_t  *img;

            img = json_array_get(json_object_get(json_array_get(
                      json_object_get(want, "input"), 0), "content"), 1);
            json_object_set_new(img, "detail", json_string("auto"));
            json_object_set_new(json_array_get(json_object_get(want,
                                               "input"), 0),
                                "type", json_string("message"));
        }

        if (i == 2) {
            json_object_set_new(json_array_get(json_object_get(want, "tools"),
                                               0),
                                "strict", json_false());
        }

        ok(out != NULL && test_json_same(out, want, files[i]),
           "%s: written back as the client sent it", files[i]);

        fixpoint(body, len, files[i]);

        json_decref(in);
        json_decref(out);
        json_decref(want);
        agw_arena_free(&a);
        free(body);
    }
}


static void
test_codex(void)
{
    json_t             *in, *out, *want;
    agw_arena_t         a;
    agw_error_t         err;
    agw_request_t       req;
    const agw_msg_t    *m;
    const agw_part_t   *p;
    const agw_tool_t   *t;

    agw_arena_init(&a, NULL, 0, 0);

    ok(read_req(codex, sizeof(codex) - 1, &a, &req, &err) == 0,
       "codex: read");

    ok(str_is(&req.model, "gpt-5-codex") && req.stream == 1
       && req.store == 0 && req.parallel_tools == 0
       && req.include_encrypted == 1 && req.effort == AGW_EFFORT_MEDIUM
       && str_is(&req.reasoning_summary, "auto")
       && req.include_thoughts == 1
       && req.tool_choice == AGW_TOOL_CHOICE_AUTO,
       "codex: the settings");

    ok(req.system != NULL && req.system->type == AGW_PART_TEXT
       && str_is(&req.system->text, "You are Codex.")
       && req.system->next == NULL, "codex: instructions are the system");

    m = req.messages;
    ok(m != NULL && m->role == AGW_ROLE_SYSTEM && m->developer
       && m->parts && m->parts->type == AGW_PART_TEXT,
       "codex: the developer message stays in place, a system turn");

    m = m ? m->next : NULL;
    ok(m != NULL && m->role == AGW_ROLE_USER, "codex: the user turn");

    /* the model's turn: reasoning, text and call in one message */
    m = m ? m->next : NULL;
    p = m ? m->parts : NULL;
    ok(m != NULL && m->role == AGW_ROLE_ASSISTANT
       && p && p->type == AGW_PART_REASONING && str_is(&p->id, "rs_1")
       && str_is(&p->data, "gAAAA==") && p->content
       && str_is(&p->content->text, "**Listing**")
       && p->next && p->next->type == AGW_PART_TEXT
       && str_is(&p->next->text, "Running ls.")
       && p->next->next && p->next->next->type == AGW_PART_TOOL_CALL
       && str_is(&p->next->next->id, "call_1")
       && str_is(&p->next->next->name, "shell")
       && p->next->next->args_string
       && p->next->next->next == NULL,
       "codex: reasoning, message and function_call items are one turn");

    m = m ? m->next : NULL;
    p = m ? m->parts : NULL;
    ok(m != NULL && m->role == AGW_ROLE_TOOL && p
       && p->type == AGW_PART_TOOL_RESULT && str_is(&p->id, "call_1")
       && str_is(&p->name, "shell") && p->text.data != NULL
       && m->next == NULL,
       "codex: the output is a tool result named after its call");

    t = req.tools;
    ok(t != NULL && t->type == AGW_TOOL_FUNCTION && str_is(&t->name, "shell")
       && t->strict == 0 && t->parameters.kind == AGW_STR_VALUE
       && t->next && t->next->type == AGW_TOOL_OTHER
       && t->next->dialect == AGW_DIALECT_RESPONSES && t->next->next == NULL,
       "codex: a flat function tool; web_search kept whole");

    /* back to a Responses provider: what Codex sent, but the cache key */
    out = write_req(&req, NULL, 1);
    in = json_loads(codex, 0, NULL);
    want = json_deep_copy(in);
    json_object_del(want, "prompt_cache_key");

    ok(out != NULL && test_json_same(out, want, "codex"),
       "codex: written back as sent (prompt_cache_key dropped)");

    fixpoint(codex, sizeof(codex) - 1, "codex");

    json_decref(in);
    json_decref(out);
    json_decref(want);
    agw_arena_free(&a);
}


static void
bad(const char *body, const char *field, const char *name)
{
    int            rc;
    agw_arena_t    a;
    agw_error_t    err;
    agw_request_t  req;

    agw_arena_init(&a, NULL, 0, 0);
    rc = read_req(body, strlen(body), &a, &req, &err);

    ok(rc == -1 && err.cls == AGW_ERR_INVALID_REQUEST
       && strncmp(err.message, field, strlen(field)) == 0,
       "%s: a 400 naming %s", name, field);

    if (rc != -1 || strncmp(err.message, field, strlen(field)) != 0) {
        printf("# got rc %d cls %d: %s\n", rc, err.cls, err.message);
    }

    agw_arena_free(&a);
}


static void
test_refusals(void)
{
    agw_arena_t    a;
    agw_error_t    err;
    agw_request_t  req;
    agw_buf_t      out = AGW_BUF_INIT;
    const char    *prev = "{\"model\":\"m\",\"previous_response_id\":"
                          "\"resp_1\",\"input\":\"again\"}";
    const char    *conv = "{\"model\":\"m\",\"conversation\":{\"id\":"
                          "\"conv_9\"},\"input\":\"again\"}";

    bad("{\"model\":\"m\",\"input\":5}", "input", "input a number");
    bad("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":"
        "[{\"type\":\"input_video\",\"text\":\"x\"}]}]}",
        "input[0].content[0].type", "an unknown content type");
    bad("{\"model\":\"m\",\"input\":[{\"type\":\"message\",\"role\":"
        "\"robot\",\"content\":\"x\"}]}", "input[0].role", "a bad role");
    bad("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":"
        "[{\"type\":\"input_text\",\"text\":\"a\"},{\"type\":\"input_text\","
        "\"text\":5}]}]}", "input[0].content[1].text: expected a string",
        "a text that is a number");
    bad("{\"model\":\"m\",\"input\":[{\"type\":\"function_call\","
        "\"call_id\":7,\"name\":\"f\"}]}", "input[0].call_id",
        "a call_id that is a number");
    bad("{\"model\":\"m\",\"input\":[{\"type\":\"function_call\","
        "\"name\":\"f\"}]}", "input[0]", "a call without call_id");
    bad("{\"model\":\"m\",\"reasoning\":{\"effort\":\"max\"}}",
        "reasoning.effort", "an unknown effort");
    bad("{\"model\":\"m\",\"tool_choice\":{\"type\":\"file_search\"}}",
        "tool_choice", "a hosted tool choice");
    bad("{\"model\":\"m\",\"max_output_tokens\":\"9\"}",
        "max_output_tokens", "max_output_tokens a string");
    bad("{\"model\":\"m\",\"input\":\"x\"", "the request body",
        "a cut body");
    bad("{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":"
        "\"function\",\"name\":\"a\"},{},{},{},{},{},{},{},{},{},{},"
        "{\"type\":\"function\",\"name\":5}]}",
        "tools[11]: expected a string", "the twelfth tool's name a number");

    /* previous_response_id: read, and refused for another provider */
    agw_arena_init(&a, NULL, 0, 0);
    ok(read_req(prev, strlen(prev), &a, &req, &err) == 0
       && str_is(&req.previous_response_id, "resp_1"),
       "previous_response_id is read");

    memset(&err, 0, sizeof(err));
    ok(agw_rsp_check_provider(&req, AGW_DIALECT_ANTHROPIC, &err) == -1
       && err.cls == AGW_ERR_INVALID_REQUEST
       && agw_error_status(err.cls) == 400
       && strcmp(err.code, "previous_response_not_supported") == 0
       && strncmp(err.message, "previous_response_id", 20) == 0,
       "previous_response_id for an Anthropic provider: a 400");

    ok(agw_rsp_write_error(&err, &out) == 0
       && strstr(out.data, "\"code\":\"previous_response_not_supported\"")
       && strstr(out.data, "\"type\":\"invalid_request_error\""),
       "... in the Responses error shape");

    memset(&err, 0, sizeof(err));
    ok(agw_rsp_check_provider(&req, AGW_DIALECT_RESPONSES, &err) == 0,
       "previous_response_id for a Responses provider: passed on");

    /* a stored conversation is history OpenAI keeps too */
    agw_arena_free(&a);
    agw_arena_init(&a, NULL, 0, 0);
    memset(&err, 0, sizeof(err));
    ok(read_req(conv, strlen(conv), &a, &req, &err) == 0
       && str_is(&req.conversation, "conv_9")
       && agw_rsp_check_provider(&req, AGW_DIALECT_GEMINI, &err) == -1
       && strcmp(err.code, "previous_response_not_supported") == 0
       && strncmp(err.message, "conversation:", 13) == 0,
       "conversation {id} for a Gemini provider: a 400 naming it");

    memset(&err, 0, sizeof(err));
    ok(agw_rsp_check_provider(&req, AGW_DIALECT_RESPONSES, &err) == 0,
       "conversation for a Responses provider: passed on");

    agw_buf_free(&out);
    agw_arena_free(&a);
}


static const char  refusal_output[] =
    "{\"model\":\"m\",\"input\":[{\"type\":\"function_call\","
    "\"call_id\":\"c\",\"name\":\"f\",\"arguments\":\"{}\"},"
    "{\"type\":\"function_call_output\",\"call_id\":\"c\","
    "\"output\":[{\"type\":\"refusal\",\"refusal\":\"no\"},"
    "{\"type\":\"input_text\",\"text\":\"ok\"}]}]}";


/* Other dialects' forms, written for a Responses provider. */
static void
test_write_form(void)
{
    json_t             *out, *input;
    agw_part_t          sys[2], img, th, call, res, text, audio;
    agw_msg_t           m1, m2, m3;
    agw_request_t       req;
    agw_buf_t           buf = AGW_BUF_INIT;
    agw_error_t         err;
    agw_request_ctx_t   o;

    memset(&req, 0, sizeof(req));
    memset(sys, 0, sizeof(sys));
    memset(&img, 0, sizeof(img));
    memset(&th, 0, sizeof(th));
    memset(&call, 0, sizeof(call));
    memset(&res, 0, sizeof(res));
    memset(&text, 0, sizeof(text));
    memset(&m1, 0, sizeof(m1));
    memset(&m2, 0, sizeof(m2));
    memset(&m3, 0, sizeof(m3));

    req.model = agw_str_bytes("claude", 6);
    req.parallel_tools = -1;
    req.store = -1;
    req.max_tokens = 1024;
    req.n = -1;
    req.thinking = 1;
    req.thinking_budget = 8000;
    req.format_strict = -1;

    /* two system texts (Anthropic's system blocks) */
    sys[0].type = AGW_PART_TEXT;
    sys[0].text = agw_str_bytes("one", 3);
    sys[0].next = &sys[1];
    sys[1].type = AGW_PART_TEXT;
    sys[1].text = agw_str_bytes("two \"quoted\"", 12);
    req.system = &sys[0];

    /* a user image as base64 */
    img.type = AGW_PART_IMAGE;
    img.media_type = agw_str_bytes("image/png", 9);
    img.data = agw_str_bytes("iVBOR", 5);
    m1.role = AGW_ROLE_USER;
    m1.parts = &img;
    m1.next = &m2;

    /* Anthropic's thinking (dropped), then a tool_use with input {} */
    th.type = AGW_PART_THINKING;
    th.text = agw_str_bytes("hmm", 3);
    th.signature = agw_str_bytes("sig", 3);
    th.next = &call;
    call.type = AGW_PART_TOOL_CALL;
    call.id = agw_str_bytes("toolu_1", 7);
    call.name = agw_str_bytes("ls", 2);
    call.args.data = "{\"a\":1}";
    call.args.len = 7;
    call.args.kind = AGW_STR_VALUE;
    m2.role = AGW_ROLE_ASSISTANT;
    m2.parts = &th;
    m2.next = &m3;

    /* the result in a user turn, then text */
    res.type = AGW_PART_TOOL_RESULT;
    res.id = agw_str_bytes("toolu_1", 7);
    text.type = AGW_PART_TEXT;
    text.text = agw_str_bytes("ok", 2);
    res.content = &text;
    res.next = NULL;
    m3.role = AGW_ROLE_USER;
    m3.parts = &res;
    req.messages = &m1;

    out = write_req(&req, "gpt-5", 0);
    input = json_object_get(out, "input");

    ok(out != NULL && json_object_get(out, "instructions") == NULL
       && json_array_size(input) == 4,
       "form: two system texts, a system message first; four items");

    ok(eq(json_array_get(input, 0),
                  json_pack("{s:s,s:s,s:[{s:s,s:s},{s:s,s:s}]}",
                            "type", "message", "role", "system", "content",
                            "type", "input_text", "text", "one",
                            "type", "input_text", "text", "two \"quoted\"")),
       "form: the system message");

    ok(strcmp(json_string_value(json_object_get(json_array_get(
           json_object_get(json_array_get(input, 1), "content"), 0),
           "image_url")), "data:image/png;base64,iVBOR") == 0,
       "form: a base64 image is a data URL");

    ok(eq(json_array_get(input, 2),
                  json_pack("{s:s,s:s,s:s,s:s}", "type", "function_call",
                            "call_id", "toolu_1", "name", "ls",
                            "arguments", "{\"a\":1}")),
       "form: thinking dropped, the call's input an arguments string");

    ok(eq(json_array_get(input, 3),
                  json_pack("{s:s,s:s,s:s}", "type", "function_call_output",
                            "call_id", "toolu_1", "output", "ok")),
       "form: a one-text result is an output string");

    ok(eq(json_object_get(out, "reasoning"),
                  json_pack("{s:s}", "effort", "medium"))
       && json_integer_value(json_object_get(out, "max_output_tokens"))
          == 1024,
       "form: a thinking budget of 8000 is effort medium");

    json_decref(out);

    /* audio has no Responses input part */
    memset(&audio, 0, sizeof(audio));
    audio.type = AGW_PART_AUDIO;
    m1.parts = &audio;
    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));

    ok(agw_responses_codec.write_request(&req, &o, &buf, &err) == -1
       && err.cls == AGW_ERR_INVALID_REQUEST
       && strncmp(err.message, "messages[0].content[0]", 22) == 0,
       "form: audio input is a 400 naming the part");

    agw_buf_free(&buf);

    /* a tool output of a refusal and a text: the text alone is written,
     * as a string, and reads back to what it wrote (the fuzzer's find) */
    fixpoint(refusal_output, sizeof(refusal_output) - 1,
             "an output of a refusal and a text");
}


/* A named tool choice, and the settings besides, written back as read. */
static void
test_settings(void)
{
    json_t         *out, *in;
    agw_arena_t     a;
    agw_error_t     err;
    agw_request_t   req;
    static const char  body[] =
        "{\"model\":\"m\",\"input\":\"hi\",\"tool_choice\":{\"type\":"
        "\"function\",\"name\":\"f\"},\"max_output_tokens\":300,"
        "\"temperature\":0.2,\"top_p\":0.9,\"text\":{\"format\":"
        "{\"type\":\"json_schema\",\"name\":\"s\",\"schema\":"
        "{\"type\":\"object\"},\"strict\":true}},\"store\":true,"
        "\"user\":\"u1\",\"service_tier\":\"flex\","
        "\"truncation\":\"auto\",\"parallel_tool_calls\":false}";

    agw_arena_init(&a, NULL, 0, 0);
    in = json_loads(body, 0, NULL);
    out = NULL;

    ok(read_req(body, sizeof(body) - 1, &a, &req, &err) == 0
       && (out = write_req(&req, NULL, 0)) != NULL
       && test_json_same(out, in, "settings"),
       "a named tool choice, limits, sampling, json_schema, store, user, "
       "tier, truncation: written back as read");

    json_decref(out);
    json_decref(in);
    agw_arena_free(&a);
}


int
main(void)
{
    test_settings();
    test_documented();
    test_codex();
    test_refusals();
    test_write_form();

    return done_testing();
}
