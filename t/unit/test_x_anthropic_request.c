/*
 * The engine's Anthropic codec, requests: what its reader makes of what
 * Claude Code and the SDKs send (the form, field by field), what its
 * writer sends an Anthropic provider (docs/translation-anthropic.md, row
 * by row), the 400s naming the field, and round trips: a request read
 * and written, read and written again, is the same bytes.
 */

#include "x_anthropic.h"
#include "fixtures.h"


static agw_request_ctx_t  ctx_openai = {
    .model = { "claude-up", 9, AGW_STR_BYTES, 0 }, .stream = 0,
    .default_max_tokens = 0, .client = AGW_DIALECT_OPENAI
};


/* An Anthropic body read, then written for an Anthropic provider as if an
 * OpenAI client had sent that form; compared with want. */
static void
writes(const char *body, const char *want, const char *name)
{
    agw_buf_t    out = AGW_BUF_INIT;
    agw_error_t  err;

    if (x_ant_translate(x_q(body), &agw_anthropic_codec, &ctx_openai, &out,
                        &err) != 0)
    {
        ok(0, "%s", name);
        tap_diag("refused: %s", err.message);
    } else {
        x_json_is(out.data, out.len, x_q(want), name);
    }

    agw_buf_free(&out);
}


/* A body the codec refuses with a 400 whose message holds what. */
static void
refuses(const char *body, const char *what, const char *name)
{
    agw_buf_t    out = AGW_BUF_INIT;
    agw_error_t  err;
    int          rc;

    rc = x_ant_translate(x_q(body), &agw_anthropic_codec, &ctx_openai, &out,
                         &err);

    ok(rc != 0 && err.cls == AGW_ERR_INVALID_REQUEST
       && strstr(err.message, what) != NULL, "%s", name);
    if (rc == 0 || strstr(err.message, what) == NULL) {
        tap_diag("rc %d, message \"%s\", want \"%s\"", rc, err.message, what);
    }

    agw_buf_free(&out);
}


/* What the reader makes of a request Claude Code sends: every kind of
 * block and setting, checked on the form. */
static void
test_reader(void)
{
    int             rc, n;
    agw_arena_t     a;
    agw_error_t     err;
    agw_request_t   req;
    agw_msg_t      *m;
    agw_part_t     *p;
    agw_tool_t     *t;
    const char     *body;

    body = x_q(
      "{'model':'claude-sonnet-4-5','max_tokens':32000,'stream':true,"
      "'system':[{'type':'text','text':'You are Claude Code.'},"
      "  {'type':'text','text':'Be brief.','cache_control':"
      "   {'type':'ephemeral','ttl':'1h'}}],"
      "'messages':["
      " {'role':'user','content':[{'type':'text','text':'hi',"
      "   'cache_control':{'type':'ephemeral'}}]},"
      " {'role':'assistant','content':["
      "   {'type':'thinking','thinking':'hmm','signature':'sig1'},"
      "   {'type':'thinking','signature':'sig2'},"
      "   {'type':'redacted_thinking','data':'opaque'},"
      "   {'type':'server_tool_use','id':'srv_1','name':'web_search',"
      "    'input':{'query':'x'}},"
      "   {'type':'web_search_tool_result','tool_use_id':'srv_1',"
      "    'content':[{'type':'web_search_result','url':'u'}]},"
      "   {'type':'text','text':'calling'},"
      "   {'input':{'path':'a.txt'},'name':'Read','id':'toolu_1',"
      "    'type':'tool_use'}]},"
      " {'role':'system','content':'Mid-conversation reminder.'},"
      " {'content':[{'content':[{'type':'text','text':'out'},"
      "     {'type':'image','source':{'type':'base64',"
      "      'media_type':'image/png','data':'AAAA'}}],"
      "    'is_error':true,'tool_use_id':'toolu_1','type':'tool_result'},"
      "   {'type':'text','text':'go on'}],'role':'user'}],"
      "'tools':[{'name':'Read','description':'reads',"
      "   'input_schema':{'type':'object','properties':{}},"
      "   'cache_control':{'type':'ephemeral'}},"
      "  {'type':'web_search_20250305','name':'web_search','max_uses':5}],"
      "'tool_choice':{'type':'auto','disable_parallel_tool_use':true},"
      "'thinking':{'type':'enabled','budget_tokens':10000},"
      "'metadata':{'user_id':'user_abc'},"
      "'stop_sequences':['END'],'temperature':1,'top_k':40,"
      "'context_management':{'edits':[]}}");

    agw_arena_init(&a, NULL, 0, 0);
    memset(&err, 0, sizeof(err));

    rc = agw_anthropic_codec.read_request(body, strlen(body), 0, &a, &req,
                                          &err);
    is_int(rc, 0, "reader: a Claude Code request is read");
    if (rc != 0) {
        tap_diag("%s", err.message);
        agw_arena_free(&a);
        return;
    }

    ok(agw_str_is(&req.model, "claude-sonnet-4-5"), "reader: model");
    is_int(req.max_tokens, 32000, "reader: max_tokens");
    is_int(req.stream, 1, "reader: stream");
    is_int(req.thinking, 1, "reader: thinking on");
    is_int(req.thinking_budget, 10000, "reader: thinking budget");
    is_int(req.tool_choice, AGW_TOOL_CHOICE_AUTO, "reader: tool_choice");
    is_int(req.parallel_tools, 0, "reader: disable_parallel_tool_use");
    ok(agw_str_is(&req.user, "user_abc"), "reader: metadata.user_id");
    ok(req.stop != NULL && agw_str_is(&req.stop->text, "END")
       && req.stop->next == NULL, "reader: stop_sequences");
    ok(agw_str_is(&req.temperature, "1"), "reader: temperature as its text");
    ok(agw_str_is(&req.top_k, "40"), "reader: top_k");

    p = req.system;
    ok(p != NULL && p->type == AGW_PART_TEXT && p->cache == AGW_CACHE_CONTROL_NONE
       && p->next != NULL && p->next->cache == AGW_CACHE_CONTROL_EPHEMERAL
       && agw_str_is(&p->next->cache_ttl, "1h") && p->next->next == NULL,
       "reader: system blocks with their cache_control and ttl");

    t = req.tools;
    ok(t != NULL && t->type == AGW_TOOL_FUNCTION && agw_str_is(&t->name,
       "Read") && t->cache == AGW_CACHE_CONTROL_EPHEMERAL
       && t->parameters.kind == AGW_STR_VALUE,
       "reader: a client tool, its schema whole, its breakpoint");
    ok(t != NULL && t->next != NULL && t->next->type == AGW_TOOL_OTHER
       && t->next->dialect == AGW_DIALECT_ANTHROPIC
       && t->next->raw.len > 20 && t->next->raw.data[0] == '{',
       "reader: a server tool kept whole");

    for (n = 0, m = req.messages; m != NULL; m = m->next) {
        n++;
    }
    is_int(n, 4, "reader: four messages");

    m = req.messages;
    ok(m->role == AGW_ROLE_USER && m->parts->cache == AGW_CACHE_CONTROL_EPHEMERAL,
       "reader: a user text block with its breakpoint");

    m = m->next;
    p = m->parts;
    ok(m->role == AGW_ROLE_ASSISTANT && p->type == AGW_PART_THINKING
       && agw_str_is(&p->text, "hmm") && agw_str_is(&p->signature, "sig1"),
       "reader: thinking with its signature");
    p = p->next;
    ok(p->type == AGW_PART_THINKING && p->text.len == 0
       && agw_str_is(&p->signature, "sig2"),
       "reader: a signature-only thinking block");
    p = p->next;
    ok(p->type == AGW_PART_REDACTED_THINKING && agw_str_is(&p->data,
       "opaque"), "reader: redacted thinking");
    p = p->next;
    ok(p->type == AGW_PART_OTHER && p->dialect == AGW_DIALECT_ANTHROPIC
       && p->next->type == AGW_PART_OTHER,
       "reader: a server tool's call and result kept whole");
    p = p->next->next;
    ok(p->type == AGW_PART_TEXT && p->next->type == AGW_PART_TOOL_CALL
       && agw_str_is(&p->next->id, "toolu_1")
       && p->next->args.kind == AGW_STR_VALUE
       && p->next->args_string == 0,
       "reader: tool_use, its input a value, type after the rest");

    m = m->next;
    ok(m->role == AGW_ROLE_SYSTEM && m->string
       && agw_str_is(&m->parts->text, "Mid-conversation reminder."),
       "reader: a mid-conversation system message stays in place");

    m = m->next;
    p = m->parts;
    ok(m->role == AGW_ROLE_USER && p->type == AGW_PART_TOOL_RESULT
       && p->is_error && agw_str_is(&p->id, "toolu_1")
       && p->content != NULL && p->content->type == AGW_PART_TEXT
       && p->content->next != NULL
       && p->content->next->type == AGW_PART_IMAGE
       && agw_str_is(&p->content->next->media_type, "image/png"),
       "reader: tool_result with blocks and is_error, role last");

    agw_arena_free(&a);
}


/* Claude Code's adaptive thinking, and disabled thinking: left unset,
 * each provider's default (the old path's rule). */
static void
test_thinking_default(void)
{
    size_t          i;
    agw_arena_t     a;
    agw_error_t     err;
    agw_request_t   req;
    const char     *body;

    static const char  *bodies[] = {
        "{'messages':[],'thinking':{'type':'adaptive','display':'omitted'},"
        "'output_config':{'effort':'high'}}",
        "{'messages':[],'thinking':{'type':'disabled'}}",
    };

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        agw_arena_init(&a, NULL, 0, 0);
        body = x_q(bodies[i]);
        ok(agw_anthropic_codec.read_request(body, strlen(body), 0, &a, &req,
                                            &err) == 0
           && req.thinking == -1 && req.thinking_budget == -1
           && req.effort == (i == 0 ? AGW_EFFORT_HIGH : AGW_EFFORT_UNSET),
           "reader: thinking %s leaves the provider's default",
           i == 0 ? "adaptive (the effort kept)" : "disabled");
        agw_arena_free(&a);
    }
}


/* A member of another type that is not JSON either: the client's error,
 * never an out-of-memory (which the module answers with a 500). */
static void
test_bad_json_type(void)
{
    agw_arena_t     a;
    agw_error_t     err;
    agw_request_t   req;
    static const char  body[] = "{\"tools\":\"a\0b\",\"messages\":[]}";

    agw_arena_init(&a, NULL, 0, 0);
    memset(&err, 0, sizeof(err));
    ok(agw_anthropic_codec.read_request(body, sizeof(body) - 1, 0, &a, &req,
                                        &err) == -1
       && err.cls == AGW_ERR_INVALID_REQUEST,
       "reader: tools neither an array nor JSON is a client error");
    agw_arena_free(&a);
}


static void
test_refusals(void)
{
    refuses("[1]", "must be a JSON object", "400: not an object");
    refuses("{'messages':[", "not valid JSON", "400: not JSON");
    refuses("{'model':'m'}", "messages: missing", "400: no messages");
    refuses("{'messages':[{'role':'tool','content':'x'}]}",
            "messages[0].role", "400: a role Anthropic has not");
    refuses("{'messages':[{'role':'user','content':[{'type':'text',"
            "'text':'a'},{'type':'audio_in','x':1}]}]}",
            "messages[0].content[1]: content block type \"audio_in\"",
            "400: an unknown block type names its place");
    refuses("{'messages':[{'role':'user','content':[{'type':'tool_result',"
            "'tool_use_id':'t','content':[{'type':'tool_use','id':'a',"
            "'name':'b'}]}]}]}",
            "messages[0].content[0].content[0]",
            "400: a block a tool result cannot hold names its place");
    refuses("{'messages':[{'role':'user','content':[{'type':'thinking',"
            "'thinking':'x','signature':'s'}]}]}",
            "messages[0].content[0]", "400: thinking in a user turn");
    refuses("{'messages':[{'role':'system','content':[{'type':'image',"
            "'source':{'type':'url','url':'u'}}]}]}",
            "messages[0].content[0]", "400: an image in a system message");
    refuses("{'system':[{'type':'image','source':{'type':'url',"
            "'url':'u'}}],'messages':[]}",
            "system[0]", "400: an image in the system prompt");
    refuses("{'messages':[{'role':'user','content':[{'type':'image',"
            "'source':{'type':'base64','data':'AA'}}]}]}",
            "media_type", "400: a base64 image without its media type");
    refuses("{'messages':[{'role':'user','content':[{'type':'text'}]}]}",
            "text block needs text", "400: a text block without text");
    refuses("{'messages':[{'role':'assistant','content':[{'type':'tool_use',"
            "'name':'x'}]}]}", "needs id and name",
            "400: tool_use without id");
    refuses("{'messages':[{'role':'user','content':'x'}],"
            "'thinking':{'type':'sometimes'}}", "thinking.type",
            "400: an unknown thinking type");
    refuses("{'messages':[{'role':'user','content':'x'}],"
            "'output_config':{'effort':'huge'}}", "output_config.effort",
            "400: an unknown effort");
    refuses("{'messages':[{'role':'user','content':'x'}],"
            "'stop_sequences':['a',1]}", "stop_sequences[1]",
            "400: a stop sequence that is not a string");
    refuses("{'messages':[{'role':'user','content':7}]}",
            "messages[0]", "400: content neither a string nor blocks");
    refuses("{'messages':[{'role':'user','content':[]}]}",
            "no message with content", "400: nothing to send");
}


/* The writer, for a client of another dialect: the rules of the table. */
static void
test_writer(void)
{
    writes("{'model':'x','messages':[{'role':'user','content':'hi'}]}",
           "{'model':'claude-up','max_tokens':4096,'messages':[{'role':"
           "'user','content':[{'type':'text','text':'hi'}]}]}",
           "writer: the upstream model, max_tokens defaulted");

    writes("{'system':'S1','messages':[{'role':'user','content':'a'},"
           "{'role':'system','content':[{'type':'text','text':'S2'}]},"
           "{'role':'user','content':'b'},{'role':'assistant','content':''},"
           "{'role':'user','content':[{'type':'text','text':''}]},"
           "{'role':'user','content':'c'}],'max_tokens':10}",
           "{'model':'claude-up','max_tokens':10,'system':[{'type':'text',"
           "'text':'S1'},{'type':'text','text':'S2'}],'messages':[{'role':"
           "'user','content':[{'type':'text','text':'a'},{'type':'text',"
           "'text':'b'},{'type':'text','text':'c'}]}]}",
           "writer: system messages gathered in order, same-role turns "
           "merged, empty text skipped");

    writes("{'system':[{'type':'text','text':'S','cache_control':"
           "{'type':'ephemeral'}}],'messages':[{'role':'user','content':"
           "'a'}]}",
           "{'model':'claude-up','max_tokens':4096,'system':[{'type':'text',"
           "'text':'S','cache_control':{'type':'ephemeral'}}],'messages':"
           "[{'role':'user','content':[{'type':'text','text':'a'}]}]}",
           "writer: one system block with a breakpoint stays a block");

    writes("{'messages':[{'role':'user','content':'q'},{'role':'assistant',"
           "'content':[{'type':'tool_use','id':'t1','name':'f','input':"
           "{'a':1}},{'type':'tool_use','id':'t2','name':'g'}]},"
           "{'role':'user','content':[{'type':'text','text':'also'},"
           "{'type':'tool_result','tool_use_id':'t1','content':'r1',"
           "'is_error':true}]},{'role':'user','content':[{'type':"
           "'tool_result','tool_use_id':'t2','content':''}]}]}",
           "{'model':'claude-up','max_tokens':4096,'messages':[{'role':"
           "'user','content':[{'type':'text','text':'q'}]},{'role':"
           "'assistant','content':[{'type':'tool_use','id':'t1','name':'f',"
           "'input':{'a':1}},{'type':'tool_use','id':'t2','name':'g',"
           "'input':{}}]},{'role':'user','content':[{'type':'tool_result',"
           "'tool_use_id':'t1','content':'r1','is_error':true},{'type':"
           "'tool_result','tool_use_id':'t2'},{'type':'text','text':"
           "'also'}]}]}",
           "writer: tool results first in the merged user turn, is_error "
           "kept, empty result content left out, missing input {}");

    writes("{'messages':[{'role':'user','content':'q'}],'temperature':1.7,"
           "'top_p':0.5,'top_k':3}",
           "{'model':'claude-up','max_tokens':4096,'temperature':1.0,"
           "'top_p':0.5,'top_k':3,'messages':[{'role':'user','content':"
           "[{'type':'text','text':'q'}]}]}",
           "writer: temperature clamped to 1");

    writes("{'messages':[{'role':'user','content':'q'}],'temperature':0}",
           "{'model':'claude-up','max_tokens':4096,'temperature':0.0,"
           "'messages':[{'role':'user','content':[{'type':'text','text':"
           "'q'}]}]}",
           "writer: temperature always a real");

    writes("{'messages':[{'role':'user','content':'q'}],'max_tokens':1000,"
           "'thinking':{'type':'enabled','budget_tokens':2000},"
           "'temperature':0.5,'top_k':5}",
           "{'model':'claude-up','max_tokens':3000,'thinking':{'type':"
           "'enabled','budget_tokens':2000},'messages':[{'role':'user',"
           "'content':[{'type':'text','text':'q'}]}]}",
           "writer: thinking budget added to max_tokens, sampling left out");

    writes("{'messages':[{'role':'user','content':'q'}],'output_config':"
           "{'effort':'medium'},'max_tokens':20000}",
           "{'model':'claude-up','max_tokens':20000,'thinking':{'type':"
           "'enabled','budget_tokens':8192},'messages':[{'role':'user',"
           "'content':[{'type':'text','text':'q'}]}]}",
           "writer: an effort becomes a budget");

    writes("{'messages':[{'role':'user','content':'q'}],'tools':[{'name':"
           "'f','input_schema':{'type':'object'}}],'tool_choice':{'type':"
           "'any'},'thinking':{'type':'enabled','budget_tokens':2000}}",
           "{'model':'claude-up','max_tokens':4096,'tools':[{'name':'f',"
           "'input_schema':{'type':'object'}}],'tool_choice':{'type':'any'},"
           "'messages':[{'role':'user','content':[{'type':'text','text':"
           "'q'}]}]}",
           "writer: a forced tool wins over thinking");

    writes("{'messages':[{'role':'user','content':'q'},{'role':'assistant',"
           "'content':[{'type':'tool_use','id':'t','name':'f','input':{}}]},"
           "{'role':'user','content':[{'type':'tool_result','tool_use_id':"
           "'t','content':'r'}]}],'tools':[{'name':'f','input_schema':{}}],"
           "'thinking':{'type':'enabled','budget_tokens':2000}}",
           "{'model':'claude-up','max_tokens':4096,'tools':[{'name':'f',"
           "'input_schema':{}}],'messages':[{'role':'user','content':[{"
           "'type':'text','text':'q'}]},{'role':'assistant','content':[{"
           "'type':'tool_use','id':'t','name':'f','input':{}}]},{'role':"
           "'user','content':[{'type':'tool_result','tool_use_id':'t',"
           "'content':'r'}]}]}",
           "writer: thinking left off in a tool loop whose turn is not "
           "signed");

    writes("{'messages':[{'role':'user','content':'q'},{'role':'assistant',"
           "'content':[{'type':'thinking','thinking':'a'},{'type':'thinking',"
           "'thinking':'b','signature':'S'},{'type':'thinking','thinking':"
           "'lost'},{'type':'text','text':'t'}]}]}",
           "{'model':'claude-up','max_tokens':4096,'messages':[{'role':'user',"
           "'content':[{'type':'text','text':'q'}]},{'role':'assistant',"
           "'content':[{'type':'thinking','thinking':'ab','signature':'S'},"
           "{'type':'text','text':'t'}]}]}",
           "writer: unsigned thinking joined to the next signed block, "
           "unsigned thinking at the end dropped");

    writes("{'messages':[{'role':'user','content':[{'type':'text','text':"
           "'1','cache_control':{'type':'ephemeral'}},{'type':'text','text':"
           "'2','cache_control':{'type':'ephemeral'}},{'type':'text','text':"
           "'3','cache_control':{'type':'ephemeral'}}]},{'role':'assistant',"
           "'content':'ok'},{'role':'user','content':[{'type':'text','text':"
           "'4','cache_control':{'type':'ephemeral'}},{'type':'text','text':"
           "'5','cache_control':{'type':'ephemeral','ttl':'5m'}}]}],"
           "'system':[{'type':'text','text':'S','cache_control':{'type':"
           "'ephemeral'}}]}",
           "{'model':'claude-up','max_tokens':4096,'system':'S','messages':"
           "[{'role':'user','content':[{'type':'text','text':'1'},{'type':"
           "'text','text':'2','cache_control':{'type':'ephemeral'}},{'type':"
           "'text','text':'3','cache_control':"
           "{'type':'ephemeral'}}]},{'role':'assistant','content':[{'type':"
           "'text','text':'ok'}]},{'role':'user','content':[{'type':'text',"
           "'text':'4','cache_control':{'type':'ephemeral'}},{'type':'text',"
           "'text':'5','cache_control':{'type':'ephemeral','ttl':'5m'}}]}]}",
           "writer: six breakpoints, the last four kept");

    writes("{'messages':[{'role':'user','content':'q'}],'tools':[{'name':"
           "'f','input_schema':{'type':'object'}},{'type':"
           "'web_search_20250305','name':'web_search'}],'tool_choice':{"
           "'type':'tool','name':'f','disable_parallel_tool_use':true},"
           "'stop_sequences':['X','Y'],'metadata':{'user_id':'u1'}}",
           "{'model':'claude-up','max_tokens':4096,'tools':[{'name':'f',"
           "'input_schema':{'type':'object'}},{'type':'web_search_20250305',"
           "'name':'web_search'}],'tool_choice':{'type':'tool','name':'f',"
           "'disable_parallel_tool_use':true},'stop_sequences':['X','Y'],"
           "'metadata':{'user_id':'u1'},'messages':[{'role':'user',"
           "'content':[{'type':'text','text':'q'}]}]}",
           "writer: tools, a server tool kept for Anthropic, tool_choice, "
           "stop_sequences, metadata");

    writes("{'messages':[{'role':'user','content':[{'type':'image','source':"
           "{'type':'url','url':'https://x/a.png'}},{'type':'document',"
           "'title':'T','source':{'type':'base64','media_type':"
           "'application/pdf','data':'JVBE'}},{'type':'document','source':"
           "{'type':'text','media_type':'text/plain','data':'plain'}}]}]}",
           "{'model':'claude-up','max_tokens':4096,'messages':[{'role':'user',"
           "'content':[{'type':'image','source':{'type':'url','url':"
           "'https://x/a.png'}},{'type':'document','title':'T','source':{"
           "'type':'base64','media_type':'application/pdf','data':'JVBE'}},"
           "{'type':'text','text':'plain'}]}]}",
           "writer: images and documents; a text document is its text");
}


/* Parts made by hand: what other dialects' readers put in the form. */
static void
test_writer_form(void)
{
    int                rc;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_msg_t          m1, m2;
    agw_part_t         p1, p2;
    agw_error_t        err;
    agw_request_t      req;
    agw_request_ctx_t  ctx = ctx_openai;

    static const char  args[] = "{\\\"a\\\": [1, \\\"x\\\"]}";

    memset(&req, 0, sizeof(req));
    memset(&m1, 0, sizeof(m1));
    memset(&m2, 0, sizeof(m2));
    memset(&p1, 0, sizeof(p1));
    memset(&p2, 0, sizeof(p2));
    req.max_tokens = -1;
    req.n = -1;
    req.thinking = -1;
    req.thinking_budget = -1;
    req.parallel_tools = -1;
    req.messages = &m1;

    m1.role = AGW_ROLE_USER;
    m1.parts = &p1;
    p1.type = AGW_PART_TEXT;
    p1.text = agw_str_bytes("q \"quoted\"", 10);
    m1.next = &m2;
    m2.role = AGW_ROLE_ASSISTANT;
    m2.parts = &p2;
    p2.type = AGW_PART_TOOL_CALL;
    p2.id = agw_str_bytes("call_1", 6);
    p2.name = agw_str_bytes("f", 1);
    /* OpenAI's arguments: a string of JSON text, escapes and all */
    p2.args = (agw_str_t) { args, sizeof(args) - 1, AGW_STR_JSON, 1 };
    p2.args_string = 1;

    memset(&err, 0, sizeof(err));
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    is_int(rc, 0, "form: OpenAI arguments written");
    if (rc == 0) {
        x_json_is(out.data, out.len, x_q(
            "{'model':'claude-up','max_tokens':4096,'messages':[{'role':"
            "'user','content':[{'type':'text','text':'q \\'quoted\\''}]},"
            "{'role':'assistant','content':[{'type':'tool_use','id':"
            "'call_1','name':'f','input':{'a':[1,'x']}}]}]}"),
            "form: arguments become the input object; plain bytes escaped");
    }

    out.len = 0;
    p2.args = (agw_str_t) { "[1]", 3, AGW_STR_JSON, 0 };
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    ok(rc != 0 && err.cls == AGW_ERR_INVALID_REQUEST
       && strstr(err.message, "call_1") != NULL,
       "form: arguments that are not an object are a 400 naming the call");

    memset(&err, 0, sizeof(err));
    out.len = 0;
    p2.args = (agw_str_t) { "{\"a\":", 5, AGW_STR_JSON, 0 };
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    ok(rc != 0 && err.cls == AGW_ERR_INVALID_REQUEST,
       "form: arguments that are not JSON are a 400");

    memset(&err, 0, sizeof(err));
    out.len = 0;
    p2.args = (agw_str_t) { "  ", 2, AGW_STR_JSON, 0 };
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    ok(rc == 0 && strstr(out.data, "\"input\":{}") != NULL,
       "form: blank arguments are {}");

    memset(&err, 0, sizeof(err));
    out.len = 0;
    req.n = 2;
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    ok(rc != 0 && strstr(err.message, "n:") != NULL, "form: n > 1 is a 400");
    req.n = -1;

    memset(&err, 0, sizeof(err));
    out.len = 0;
    p1.type = AGW_PART_AUDIO;
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    ok(rc != 0 && strstr(err.message, "audio") != NULL,
       "form: audio is a 400");

    memset(&err, 0, sizeof(err));
    out.len = 0;
    p1.type = AGW_PART_IMAGE;
    p1.file_id = agw_str_bytes("file-1", 6);
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    ok(rc != 0 && strstr(err.message, "file id") != NULL,
       "form: another provider's file id is a 400");

    memset(&err, 0, sizeof(err));
    out.len = 0;
    memset(&p1, 0, sizeof(p1));
    p1.type = AGW_PART_IMAGE;
    p1.url = agw_str_bytes("data:image/gif;base64,R0lG", 26);
    p2.args = (agw_str_t) { "{}", 2, AGW_STR_VALUE, 0 };
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    ok(rc == 0 && strstr(out.data, "{\"type\":\"base64\",\"media_type\":"
                         "\"image/gif\",\"data\":\"R0lG\"}") != NULL,
       "form: a data URL becomes a base64 source");

    memset(&err, 0, sizeof(err));
    out.len = 0;
    p1.url = agw_str_bytes("data:image/gif,R0lG", 19);
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    ok(rc != 0 && strstr(err.message, "base64") != NULL,
       "form: a data URL that is not base64 is a 400");

    /* a Gemini client's thought signature is not Anthropic's */
    memset(&err, 0, sizeof(err));
    out.len = 0;
    memset(&p1, 0, sizeof(p1));
    p1.type = AGW_PART_TEXT;
    p1.text = agw_str_bytes("q", 1);
    p2.type = AGW_PART_THINKING;
    p2.text = agw_str_bytes("thought", 7);
    p2.signature = agw_str_bytes("gemsig", 6);
    p2.next = NULL;
    ctx.client = AGW_DIALECT_GEMINI;
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    ok(rc == 0 && strstr(out.data, "gemsig") == NULL
       && strstr(out.data, "\"assistant\"") == NULL,
       "form: a Gemini client's signed thought is not sent to Anthropic");
    ctx.client = AGW_DIALECT_OPENAI;
    rc = agw_anthropic_codec.write_request(&req, &ctx, &out, &err);
    ok(rc == 0 && strstr(out.data, "\"signature\":\"gemsig\"") != NULL,
       "form: an OpenAI client's thinking_blocks signature is sent back");

    agw_buf_free(&out);
}


/* Every request fixture: read, written, read and written again: the same
 * bytes the second time (the form loses nothing it wrote). */
static void
test_round_trips(void)
{
    size_t             i, len;
    char              *body;
    agw_buf_t          one = AGW_BUF_INIT, two = AGW_BUF_INIT;
    agw_error_t        err;
    agw_request_ctx_t  ctx = ctx_openai;

    static const char  *names[] = {
        "anthropic-messages/request-image-base64.documented.json",
        "anthropic-messages/request-image-url.documented.json",
        "anthropic-messages/request-system-cache-control.documented.json",
        "anthropic-messages/request-tool-result.json",
        "anthropic-messages/request-tools.json",
    };

    ctx.client = AGW_DIALECT_ANTHROPIC;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        body = fixture_read(names[i], &len);
        if (body == NULL) {
            ok(0, "round trip: %s read", names[i]);
            continue;
        }

        one.len = 0;
        two.len = 0;

        if (x_ant_translate(body, &agw_anthropic_codec, &ctx, &one, &err)
            != 0
            || agw_buf_append(&one, "", 1) != 0)
        {
            ok(0, "round trip: %s: %s", names[i], err.message);
            free(body);
            continue;
        }

        if (x_ant_translate(one.data, &agw_anthropic_codec, &ctx, &two, &err)
            != 0
            || agw_buf_append(&two, "", 1) != 0)
        {
            ok(0, "round trip: %s again: %s", names[i], err.message);
            free(body);
            continue;
        }

        ok(one.len == two.len && memcmp(one.data, two.data, one.len) == 0,
           "round trip: %s", names[i]);

        free(body);
    }

    agw_buf_free(&one);
    agw_buf_free(&two);
}


int
main(void)
{
    test_reader();
    test_thinking_default();
    test_bad_json_type();
    test_refusals();
    test_writer();
    test_writer_form();
    test_round_trips();

    return done_testing();
}
