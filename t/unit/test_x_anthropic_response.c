/*
 * The engine's Anthropic codec, whole answers, errors and same-dialect
 * rewrites: real answers read into the form (usage normalised once),
 * answers written for an Anthropic client from what other providers'
 * readers make, the 502 of an unusable answer, Anthropic's error shape
 * both ways, and the one-pass rewrites of requests and answers.
 */

#include "x_anthropic.h"
#include "fixtures.h"


static agw_answer_ctx_t  actx = {
    { "client-model", 12, AGW_STR_BYTES, 0 }, 0, 0, AGW_DIALECT_ANTHROPIC,
    0, NULL
};


/* A provider's answer read and written again for an Anthropic client. */
static int
answer(const char *body, size_t len, const agw_answer_ctx_t *o,
    agw_buf_t *out, agw_response_t *res, agw_arena_t *a, agw_error_t *err)
{
    memset(err, 0, sizeof(agw_error_t));

    if (agw_anthropic_codec.read_response(body, len, a, res, err) != 0) {
        return -1;
    }

    return agw_anthropic_codec.write_response(res, o, out, err);
}


static void
test_fixtures(void)
{
    size_t           len;
    char            *body;
    agw_buf_t        out = AGW_BUF_INIT;
    agw_arena_t      a;
    agw_error_t      err;
    agw_response_t   res;

    agw_arena_init(&a, NULL, 0, 0);

    body = fixture_read("anthropic-messages/response-text.json", &len);
    ok(body != NULL && answer(body, len, &actx, &out, &res, &a, &err) == 0,
       "answer: response-text read and written");
    if (out.len > 0) {
        is_int(res.usage.input, 12, "answer: input tokens");
        is_int(res.usage.output, 29, "answer: output tokens");
        is_int(res.finish, AGW_FINISH_STOP, "answer: end_turn is a stop");
        x_json_is(out.data, out.len, x_q(
            "{'id':'msg_01VdEjxAP5ahtHKrrRdNBteQ','type':'message','role':"
            "'assistant','model':'client-model','content':[{'type':'text',"
            "'text':'Hello! I\\u0027m doing well, thanks for asking. How are "
            "you doing today? Is there anything I can help you with?'}],"
            "'stop_reason':'end_turn','stop_sequence':null,'usage':{"
            "'input_tokens':12,'cache_creation_input_tokens':0,"
            "'cache_read_input_tokens':0,'output_tokens':29}}"),
            "answer: the client's model, Anthropic's usage");
    }
    free(body);

    out.len = 0;
    body = fixture_read("anthropic-messages/response-thinking.json", &len);
    ok(body != NULL && answer(body, len, &actx, &out, &res, &a, &err) == 0
       && res.parts != NULL && res.parts->type == AGW_PART_THINKING
       && res.parts->signature.len > 100
       && res.parts->next->type == AGW_PART_TEXT,
       "answer: thinking with its signature, then text");
    ok(out.len > 0 && strstr(out.data, "\"signature\":\"Er4BCkYI") != NULL,
       "answer: the signature reaches an Anthropic client");
    free(body);

    out.len = 0;
    body = fixture_read("anthropic-messages/response-tool-use.json", &len);
    ok(body != NULL && answer(body, len, &actx, &out, &res, &a, &err) == 0
       && res.finish == AGW_FINISH_TOOL_CALLS,
       "answer: tool_use read, its finish");
    ok(out.len > 0 && strstr(out.data, "\"stop_reason\":\"tool_use\"") != NULL
       && strstr(out.data, "\"type\":\"tool_use\"") != NULL,
       "answer: tool_use written");
    free(body);

    out.len = 0;
    body = fixture_read(
        "anthropic-messages/response-redacted-thinking.documented.json",
        &len);
    ok(body != NULL && answer(body, len, &actx, &out, &res, &a, &err) == 0
       && res.parts->next->type == AGW_PART_REDACTED_THINKING,
       "answer: redacted thinking read");
    free(body);

    agw_arena_free(&a);
    agw_buf_free(&out);
}


static void
test_usage(void)
{
    agw_buf_t        out = AGW_BUF_INIT;
    agw_arena_t      a;
    agw_error_t      err;
    agw_response_t   res;
    const char      *body;

    agw_arena_init(&a, NULL, 0, 0);

    body = x_q("{'id':'m','content':[],'stop_reason':'max_tokens','usage':{"
               "'input_tokens':10,'cache_read_input_tokens':100,"
               "'cache_creation_input_tokens':5,'output_tokens':7,"
               "'output_tokens_details':{'thinking_tokens':3}}}");

    ok(answer(body, strlen(body), &actx, &out, &res, &a, &err) == 0,
       "usage: an answer with cache counts");
    is_int(res.usage.input, 115, "usage: input includes cache reads and "
           "writes");
    is_int(res.usage.cache_read, 100, "usage: cache reads");
    is_int(res.usage.cache_write, 5, "usage: cache writes");
    is_int(res.usage.reasoning, 3, "usage: thinking tokens");
    is_int(res.finish, AGW_FINISH_LENGTH, "usage: max_tokens is length");
    ok(out.len > 0 && strstr(out.data, "\"input_tokens\":10,") != NULL,
       "usage: an Anthropic client gets input net of the cache, once");

    agw_arena_free(&a);
    agw_buf_free(&out);
}


static void
test_bad_answers(void)
{
    size_t           i;
    agw_buf_t        out = AGW_BUF_INIT;
    agw_arena_t      a;
    agw_error_t      err;
    agw_response_t   res;

    static const char  *bad[] = {
        "{'id':'m'}",
        "{'content':'text'}",
        "{'content':[{'type':'tool_use','name':'x'}]}",
        "{'content':[{'type':'mystery'}]}",
        "{'content':[]",
        "[]",
    };

    agw_arena_init(&a, NULL, 0, 0);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        ok(agw_anthropic_codec.read_response(x_q(bad[i]), strlen(bad[i]), &a,
                                             &res, &err) != 0
           && err.cls == AGW_ERR_BAD_GATEWAY
           && strcmp(err.code, "invalid_upstream_body") == 0,
           "bad answer %zu is a 502", i);
    }

    agw_arena_free(&a);
    agw_buf_free(&out);
}


/* What other providers' readers put in a form, written for an Anthropic
 * client: thinking first, the text as one block, then the calls. */
static void
test_writer_form(void)
{
    int               rc;
    agw_buf_t         out = AGW_BUF_INIT;
    agw_part_t        t1, t2, th, tc, rf;
    agw_error_t       err;
    agw_response_t    res;
    agw_answer_ctx_t  o = actx;

    static const char  args[] = "{\\\"x\\\":1}";

    memset(&res, 0, sizeof(res));
    memset(&t1, 0, sizeof(t1));
    memset(&t2, 0, sizeof(t2));
    memset(&th, 0, sizeof(th));
    memset(&tc, 0, sizeof(tc));
    memset(&rf, 0, sizeof(rf));
    agw_usage_init(&res.usage);

    res.id = agw_str_bytes("chatcmpl-1", 10);
    res.parts = &t1;
    t1.type = AGW_PART_TEXT;
    t1.text = agw_str_bytes("Hel", 3);
    t1.next = &tc;
    tc.type = AGW_PART_TOOL_CALL;
    tc.id = agw_str_bytes("call_9", 6);
    tc.name = agw_str_bytes("f", 1);
    tc.args = (agw_str_t) { args, sizeof(args) - 1, AGW_STR_JSON, 1 };
    tc.args_string = 1;
    tc.next = &th;
    th.type = AGW_PART_THINKING;
    th.text = agw_str_bytes("why", 3);
    th.next = &t2;
    t2.type = AGW_PART_TEXT;
    t2.text = (agw_str_t) { "lo \\n", 5, AGW_STR_JSON, 1 };
    t2.next = &rf;
    rf.type = AGW_PART_REFUSAL;
    rf.text = agw_str_bytes("no", 2);
    res.finish = AGW_FINISH_TOOL_CALLS;
    res.usage.input = 50;
    res.usage.cache_read = 20;
    res.usage.output = 9;
    o.provider = AGW_DIALECT_OPENAI;

    memset(&err, 0, sizeof(err));
    rc = agw_anthropic_codec.write_response(&res, &o, &out, &err);
    is_int(rc, 0, "form answer: written");
    if (rc == 0) {
        x_json_is(out.data, out.len, x_q(
            "{'id':'chatcmpl-1','type':'message','role':'assistant','model':"
            "'client-model','content':[{'type':'thinking','thinking':'why',"
            "'signature':''},{'type':'text','text':'Hello \\n'},{'type':"
            "'tool_use','id':'call_9','name':'f','input':{'x':1}}],"
            "'stop_reason':'tool_use','stop_sequence':null,'usage':{"
            "'input_tokens':30,'cache_creation_input_tokens':0,"
            "'cache_read_input_tokens':20,'output_tokens':9}}"),
            "form answer: thinking, one text block, the call; input net of "
            "the cache");
    }

    out.len = 0;
    tc.args = (agw_str_t) { "[1]", 3, AGW_STR_JSON, 0 };
    memset(&err, 0, sizeof(err));
    rc = agw_anthropic_codec.write_response(&res, &o, &out, &err);
    ok(rc != 0 && err.cls == AGW_ERR_BAD_GATEWAY && out.len == 0,
       "form answer: arguments that are not an object are a 502");

    /* a refusal alone is the text */
    out.len = 0;
    res.parts = &rf;
    res.finish = AGW_FINISH_CONTENT_FILTER;
    rc = agw_anthropic_codec.write_response(&res, &o, &out, &err);
    ok(rc == 0 && strstr(out.data, "{\"type\":\"text\",\"text\":\"no\"}")
       && strstr(out.data, "\"stop_reason\":\"refusal\""),
       "form answer: a refusal alone is the text, content_filter a refusal");

    /* a Gemini thought's signature is not Anthropic's */
    out.len = 0;
    th.signature = agw_str_bytes("gsig", 4);
    th.next = NULL;
    res.parts = &th;
    o.provider = AGW_DIALECT_GEMINI;
    rc = agw_anthropic_codec.write_response(&res, &o, &out, &err);
    ok(rc == 0 && strstr(out.data, "gsig") == NULL,
       "form answer: a Gemini signature is left out");

    agw_buf_free(&out);
}


static void
test_errors(void)
{
    size_t       len;
    char        *body;
    agw_buf_t    out = AGW_BUF_INIT;
    agw_error_t  err;

    memset(&err, 0, sizeof(err));
    body = fixture_read("anthropic-messages/error-529-overloaded.json", &len);
    if (body != NULL) {
        agw_anthropic_codec.read_error(body, len, &err);
    }
    ok(err.cls == AGW_ERR_OVERLOADED && strcmp(err.code, "overloaded_error")
       == 0 && strcmp(err.message, "Overloaded") == 0,
       "error: Anthropic's overloaded error read");
    free(body);

    memset(&err, 0, sizeof(err));
    err.cls = AGW_ERR_INVALID_REQUEST;
    body = fixture_read("anthropic-messages/error-401-authentication.json",
                        &len);
    if (body != NULL) {
        agw_anthropic_codec.read_error(body, len, &err);
    }
    ok(err.cls == AGW_ERR_AUTHENTICATION && err.message[0] != '\0',
       "error: the type refines a plain 400's class");
    free(body);

    memset(&err, 0, sizeof(err));
    err.cls = AGW_ERR_RATE_LIMIT;
    agw_anthropic_codec.read_error("not json", 8, &err);
    ok(err.cls == AGW_ERR_RATE_LIMIT && err.message[0] == '\0',
       "error: a body that is not Anthropic's leaves the error as it was");

    memset(&err, 0, sizeof(err));
    agw_error_set(&err, AGW_ERR_OVERLOADED, 0, "x", "busy \"now\"");
    ok(agw_anthropic_codec.write_error(&err, &out) == 0
       && x_json_is(out.data, out.len, x_q(
           "{'type':'error','error':{'type':'overloaded_error','message':"
           "'busy \\'now\\''}}"), "error: written"),
       "error: Anthropic's shape");

    out.len = 0;
    agw_error_set(&err, AGW_ERR_BAD_GATEWAY, 0, "x", "bad");
    ok(agw_anthropic_codec.write_error(&err, &out) == 0
       && strstr(out.data, "\"api_error\"") != NULL,
       "error: a 502 is an api_error");

    agw_buf_free(&out);
}


static void
test_rewrites(void)
{
    agw_buf_t          out = AGW_BUF_INIT;
    agw_usage_t        u;
    agw_error_t        err;
    agw_request_ctx_t  ro = {
        .model = { "up", 2, AGW_STR_BYTES, 0 }, .stream = 1,
        .default_max_tokens = 2048, .client = AGW_DIALECT_ANTHROPIC
    };
    const char        *body, *want;

    memset(&err, 0, sizeof(err));
    body = x_q("{ 'messages' : [{'role':'user','content':'x',"
               "'extra':{'kept':[1,2.50]}}], 'model':'mine' ,"
               "'max_tokens':'lots','anything':true}");
    want = x_q("{ 'messages' : [{'role':'user','content':'x',"
               "'extra':{'kept':[1,2.50]}}], 'model':'up' ,"
               "'max_tokens':'lots','anything':true}");
    ok(agw_anthropic_codec.rewrite_request(body, strlen(body), &ro, &out,
                                           &err) == 0
       && out.len == strlen(want) && memcmp(out.data, want, out.len) == 0,
       "rewrite request: the client's bytes, the model's value replaced in "
       "place, max_tokens left as sent");

    out.len = 0;
    body = x_q("{'messages':[{'role':'user','content':'x'}]}");
    ok(agw_anthropic_codec.rewrite_request(body, strlen(body), &ro, &out,
                                           &err) == 0
       && out.len == strlen(body) + 13
       && memcmp(out.data, body, strlen(body) - 1) == 0
       && memcmp(out.data + strlen(body) - 1, ",\"model\":\"up\"}", 14) == 0,
       "rewrite request: no model: one added last, no max_tokens added "
       "(count_tokens bodies must have none)");

    out.len = 0;
    ok(agw_anthropic_codec.rewrite_request("{ }", 3, &ro, &out, &err) == 0
       && out.len == 15 && memcmp(out.data, "{ \"model\":\"up\"}", 15) == 0,
       "rewrite request: an empty object gets the model alone");

    out.len = 0;
    body = x_q("{'model':'mine','max_tokens':7,'messages':[]}");
    ok(agw_anthropic_codec.rewrite_request(body, strlen(body), &ro, &out,
                                           &err) == 0
       && x_json_is(out.data, out.len, x_q(
           "{'model':'up','max_tokens':7,'messages':[]}"), "rewrite: kept"),
       "rewrite request: the client's max_tokens kept");

    out.len = 0;
    memset(&err, 0, sizeof(err));
    ok(agw_anthropic_codec.rewrite_request("{\"a\":", 5, &ro, &out, &err)
       != 0 && err.cls == AGW_ERR_INVALID_REQUEST && out.len == 0,
       "rewrite request: not JSON is a 400");

    out.len = 0;
    body = x_q("{'id':'m1','model':'claude-x','content':[{'type':'text',"
               "'text':'hi'}],'usage':{'input_tokens':3,"
               "'cache_read_input_tokens':4,'output_tokens':5}}");
    ok(agw_anthropic_codec.rewrite_response(body, strlen(body), &actx, &out,
                                            &u, &err) == 0
       && x_json_is(out.data, out.len, x_q(
           "{'id':'m1','model':'client-model','content':[{'type':'text',"
           "'text':'hi'}],'usage':{'input_tokens':3,"
           "'cache_read_input_tokens':4,'output_tokens':5}}"),
           "rewrite answer: as sent")
       && u.input == 7 && u.cache_read == 4 && u.output == 5,
       "rewrite answer: the model replaced, usage read and normalised");

    out.len = 0;
    memset(&err, 0, sizeof(err));
    ok(agw_anthropic_codec.rewrite_response("[1]", 3, &actx, &out, &u, &err)
       != 0 && err.cls == AGW_ERR_BAD_GATEWAY,
       "rewrite answer: not an object is a 502");

    agw_buf_free(&out);
}


int
main(void)
{
    test_fixtures();
    test_usage();
    test_bad_answers();
    test_writer_form();
    test_errors();
    test_rewrites();

    return done_testing();
}
