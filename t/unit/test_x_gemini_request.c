/*
 * The engine's Gemini codec, requests: a Gemini client's body read into
 * the form (checked field by field) and the form written as a Gemini
 * provider's body.  The fixtures and the bodies agents send, through
 * every pair, are t/golden's (test_golden).
 */

#include "x_gemini.h"


/* A Gemini body read into req (arena a, which the caller frees). */
static int
xg_read(const char *body, agw_arena_t *a, agw_request_t *req,
    agw_error_t *err)
{
    return agw_gemini_codec.read_request(body, strlen(body), 0, a, req, err);
}


/* A Gemini body read and written back by the engine's Gemini codec. */
static json_t *
xg_new_rt(const char *body, agw_error_t *err)
{
    return xg_request(GEM, GEM, body, strlen(body), err);
}


/* What @google/genai sends with history, signature, OpenAPI schema, ANY +
 * allowedFunctionNames and a thinking budget. */
static const char  sdk_body[] =
    "{\"contents\":[{\"parts\":[{\"text\":\"hi\"},"
    "{\"inlineData\":{\"mimeType\":\"image/png\","
    "\"data\":\"iVBORw0=\"}}],\"role\":\"user\"},"
    "{\"parts\":[{\"functionCall\":{\"args\":{\"a\":1},\"id\":\"c1\","
    "\"name\":\"f\"},\"thoughtSignature\":\"c2ln\"}],"
    "\"role\":\"model\"},"
    "{\"parts\":[{\"functionResponse\":{\"id\":\"c1\",\"name\":\"f\","
    "\"response\":{\"output\":2}}}],\"role\":\"user\"}],"
    "\"systemInstruction\":{\"parts\":[{\"text\":\"be brief\"}],"
    "\"role\":\"user\"},"
    "\"tools\":[{\"functionDeclarations\":[{\"name\":\"f\","
    "\"description\":\"d\",\"parameters\":{\"type\":\"OBJECT\","
    "\"propertyOrdering\":[\"a\"],"
    "\"properties\":{\"a\":{\"type\":\"INTEGER\"}}}},"
    "{\"name\":\"g\",\"parametersJsonSchema\":{\"type\":\"object\"}}]}],"
    "\"toolConfig\":{\"functionCallingConfig\":{"
    "\"allowedFunctionNames\":[\"f\"],"
    "\"mode\":\"ANY\"}},\"generationConfig\":{\"temperature\":0.2,"
    "\"maxOutputTokens\":50,\"stopSequences\":[\"X\"],\"topK\":40,"
    "\"responseMimeType\":\"application/json\","
    "\"responseSchema\":{\"type\":\"OBJECT\","
    "\"properties\":{\"r\":{\"type\":\"STRING\",\"nullable\":true}}},"
    "\"thinkingConfig\":{\"thinkingBudget\":2048,"
    "\"includeThoughts\":true}}}";


static int
xg_str_is(const agw_str_t *s, const char *want)
{
    char  buf[512];
    int   n;

    if (s == NULL || !agw_str_set(s)) {
        return 0;
    }

    if (s->kind == AGW_STR_VALUE) {
        return s->len == strlen(want) && memcmp(s->data, want, s->len) == 0;
    }

    n = agw_str_decode(s, buf, sizeof(buf));
    return n >= 0 && (size_t) n == strlen(want)
           && memcmp(buf, want, (size_t) n) == 0;
}


static void
check_sdk_form(void)
{
    char            stack[4096];
    agw_arena_t     a;
    agw_error_t     err;
    agw_request_t   req;
    agw_msg_t      *m;
    agw_part_t     *p;

    agw_arena_init(&a, stack, sizeof(stack), 0);

    if (!ok(xg_read(sdk_body, &a, &req, &err) == 0, "the SDK's body reads")) {
        tap_diag("%s", err.message);
        agw_arena_free(&a);
        return;
    }

    ok(req.system != NULL && xg_str_is(&req.system->text, "be brief")
       && req.system->next == NULL, "systemInstruction: one text part");

    m = req.messages;
    ok(m != NULL && m->role == AGW_ROLE_USER, "contents[0] is a user turn");
    p = m ? m->parts : NULL;
    ok(p != NULL && p->type == AGW_PART_TEXT && xg_str_is(&p->text, "hi"),
       "its text");
    p = p ? p->next : NULL;
    ok(p != NULL && p->type == AGW_PART_IMAGE
       && xg_str_is(&p->media_type, "image/png")
       && xg_str_is(&p->data, "iVBORw0="), "its inline image");

    m = m ? m->next : NULL;
    p = m ? m->parts : NULL;
    ok(m != NULL && m->role == AGW_ROLE_ASSISTANT && p != NULL
       && p->type == AGW_PART_TOOL_CALL && xg_str_is(&p->id, "c1")
       && xg_str_is(&p->name, "f") && xg_str_is(&p->signature, "c2ln")
       && p->args.kind == AGW_STR_VALUE && p->args.len == 7
       && memcmp(p->args.data, "{\"a\":1}", 7) == 0,
       "the model's call: its id, name, signature and args object");

    m = m ? m->next : NULL;
    p = m ? m->parts : NULL;
    ok(m != NULL && m->role == AGW_ROLE_USER && p != NULL
       && p->type == AGW_PART_TOOL_RESULT && xg_str_is(&p->id, "c1")
       && xg_str_is(&p->name, "f")
       && xg_str_is(&p->text, "{\"output\":2}"),
       "the function response: a tool result with the call's id");

    ok(req.tools != NULL && req.tools->next == NULL
       && xg_str_is(&req.tools->name, "f"),
       "allowedFunctionNames narrows the tools to f");
    ok(req.tools != NULL && req.tools->parameters.len
       == strlen("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
                 "\"integer\"}}}")
       && memcmp(req.tools->parameters.data,
                 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
                 "\"integer\"}}}", req.tools->parameters.len) == 0,
       "the OpenAPI parameters become JSON Schema");
    ok(req.tool_choice == AGW_TOOL_CHOICE_TOOL
       && xg_str_is(&req.tool_choice_name, "f"),
       "ANY with one function left names it");
    is_int(req.max_tokens, 50, "maxOutputTokens");
    ok(req.temperature.len == 3 && memcmp(req.temperature.data, "0.2", 3)
       == 0, "temperature as its text");
    ok(req.top_k.len == 2, "topK kept");
    ok(req.stop != NULL && xg_str_is(&req.stop->text, "X"), "stopSequences");
    ok(req.format == AGW_FORMAT_JSON_SCHEMA
       && xg_str_is(&req.format_name, "response")
       && req.format_schema.len
          == strlen("{\"type\":\"object\",\"properties\":{\"r\":{\"type\":"
                    "[\"string\",\"null\"]}}}"),
       "responseSchema converted, nullable as a null type");
    is_int(req.thinking_budget, 2048, "thinkingBudget kept");
    is_int(req.effort, AGW_EFFORT_MEDIUM, "and its effort bucket");
    is_int(req.include_thoughts, 1, "includeThoughts");

    agw_arena_free(&a);
}


/* Ids by position; a response takes the first unanswered call of its
 * name; snake_case spellings. */
static void
check_ids(void)
{
    char            stack[4096];
    agw_arena_t     a;
    agw_error_t     err;
    agw_request_t   req;
    agw_part_t     *c0, *c1, *r0, *r1;

    agw_arena_init(&a, stack, sizeof(stack), 0);

    if (!ok(xg_read("{\"contents\":["
                    "{\"role\":\"user\",\"parts\":[{\"text\":\"go\"}]},"
                    "{\"role\":\"model\",\"parts\":["
                    "{\"function_call\":{\"name\":\"f\",\"args\":{\"x\":1}}},"
                    "{\"function_call\":{\"name\":\"f\",\"args\":{\"x\":2}}}"
                    "]},"
                    "{\"parts\":["
                    "{\"function_response\":{\"name\":\"f\","
                    "\"response\":{\"r\":1}}},"
                    "{\"function_response\":{\"name\":\"f\","
                    "\"response\": {\"r\": 2, \"s\" : \"a \\\"b\\\" \\\\\","
                    "\n \"t\":[1, \"\\\\\\\\\"]}}}]}],"
                    "\"system_instruction\":\"be kind\"}",
                    &a, &req, &err) == 0, "snake_case body reads"))
    {
        tap_diag("%s", err.message);
        agw_arena_free(&a);
        return;
    }

    c0 = req.messages->next->parts;
    c1 = c0->next;
    r0 = req.messages->next->next->parts;
    r1 = r0->next;

    ok(xg_str_is(&c0->id, "call_1_0") && xg_str_is(&c1->id, "call_1_1"),
       "calls get ids from their positions");
    ok(xg_str_is(&r0->id, "call_1_0") && xg_str_is(&r1->id, "call_1_1"),
       "two responses of one name answer its calls in order");
    ok(xg_str_is(&r1->text,
                 "{\"r\":2,\"s\":\"a \\\"b\\\" \\\\\",\"t\":[1,\"\\\\\\\\\"]}"),
       "a result's text is its response object, compact (white space in "
       "strings and escapes kept)");

    ok(req.system != NULL && xg_str_is(&req.system->text, "be kind"),
       "a plain string systemInstruction");

    agw_arena_free(&a);
}


/* What no other provider can be given is refused with a 400 naming it. */
static void
check_refused(void)
{
    size_t       i;
    char         stack[4096];
    agw_arena_t  a;
    agw_error_t  err;
    agw_request_t  req;

    static const struct {
        const char  *body;
        const char  *says;
    } cases[] = {
        { "{\"contents\":[],\"tools\":[{\"googleSearch\":{}}]}",
          "googleSearch" },
        { "{\"contents\":[],\"tools\":[{\"codeExecution\":{}}]}",
          "codeExecution" },
        { "{\"contents\":[],\"cachedContent\":\"cachedContents/x\"}",
          "cachedContent" },
        { "{\"contents\":[{\"role\":\"tool\",\"parts\":[]}]}",
          "contents[0].role" },
        { "{\"contents\":[{\"parts\":[{\"inlineData\":{\"mimeType\":"
          "\"video/mp4\",\"data\":\"AA==\"}}]}]}", "video/mp4" },
        { "{\"contents\":[{\"role\":\"model\",\"parts\":[{\"inlineData\":"
          "{\"mimeType\":\"image/png\",\"data\":\"AA==\"}}]}]}",
          "model turn" },
        { "{\"contents\":[{\"role\":\"model\",\"parts\":[{\"functionCall\":"
          "{\"name\":\"f\",\"partialArgs\":[]}}]}]}", "partialArgs" },
        { "{\"contents\":[],\"generationConfig\":{\"responseMimeType\":"
          "\"text/x.enum\"}}", "text/x.enum" },
        { "{\"contents\":[],\"toolConfig\":{\"functionCallingConfig\":"
          "{\"mode\":\"SOMETIMES\"}},\"tools\":[{\"functionDeclarations\":"
          "[{\"name\":\"f\"}]}]}", "SOMETIMES" },
        { "{\"contents\":[{\"parts\":[{\"functionResponse\":{\"response\":"
          "{}}}]}]}", "needs a name" },
        { "{\"contents\":[{\"parts\":[{\"text\":1}]}]}",
          "contents[0].parts[0].text" },
        { "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]}", "not valid JSON" },
        { "{\"systemInstruction\":{\"parts\":[{\"inlineData\":{"
          "\"mimeType\":\"image/png\",\"data\":\"AA==\"}}]},"
          "\"contents\":[]}", "only hold text" },
        { "{}", "contents" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        agw_arena_init(&a, stack, sizeof(stack), 0);
        if (ok(xg_read(cases[i].body, &a, &req, &err) == -1
               && err.cls == AGW_ERR_INVALID_REQUEST && err.status == 400
               && strstr(err.message, cases[i].says) != NULL,
               "refused with a message naming %s", cases[i].says) == 0)
        {
            tap_diag("cls %d: %s", err.cls, err.message);
        }
        agw_arena_free(&a);
    }
}


/*
 * Where the engine does better than the old path (docs/translation-
 * gemini.md says so): a function response that answers no call keeps its
 * own name (the old path lost it and refused the request); the SDK's
 * signed call keeps its signature (the old byte path lost it and put the
 * skip value in its place).
 */
static void
check_better(void)
{
    json_t       *n;
    agw_error_t   err;

    n = xg_new_rt("{\"contents\":[{\"role\":\"user\",\"parts\":["
                  "{\"functionResponse\":{\"name\":\"g\",\"response\":"
                  "{\"content\":\"done\"}}},{\"text\":\"and now?\"}]}]}",
                  &err);
    xg_json_is(n, "{\"contents\":[{\"role\":\"user\",\"parts\":["
               "{\"functionResponse\":{\"name\":\"g\",\"response\":"
               "{\"content\":\"done\"}}}]},{\"role\":\"user\",\"parts\":"
               "[{\"text\":\"and now?\"}]}]}",
               "a response answering no call keeps its name");
    json_decref(n);

    n = xg_new_rt(sdk_body, &err);
    xg_json_is(n, "{\"contents\":[{\"parts\":[{\"text\":\"hi\"},"
               "{\"inlineData\":{\"data\":\"iVBORw0=\",\"mimeType\":"
               "\"image/png\"}}],\"role\":\"user\"},{\"parts\":["
               "{\"functionCall\":{\"args\":{\"a\":1},\"name\":\"f\"},"
               "\"thoughtSignature\":\"c2ln\"}],\"role\":\"model\"},"
               "{\"parts\":[{\"functionResponse\":{\"name\":\"f\","
               "\"response\":{\"output\":2}}}],\"role\":\"user\"}],"
               "\"generationConfig\":{\"maxOutputTokens\":50,"
               "\"responseJsonSchema\":{\"properties\":{\"r\":{\"type\":"
               "[\"string\",\"null\"]}},\"type\":\"object\"},"
               "\"responseMimeType\":\"application/json\","
               "\"stopSequences\":[\"X\"],\"temperature\":0.2,\"topK\":40,"
               "\"thinkingConfig\":{\"includeThoughts\":true,"
               "\"thinkingBudget\":2048}},\"systemInstruction\":{\"parts\":"
               "[{\"text\":\"be brief\"}]},\"toolConfig\":"
               "{\"functionCallingConfig\":{\"allowedFunctionNames\":"
               "[\"f\"],\"mode\":\"ANY\"}},\"tools\":[{"
               "\"functionDeclarations\":[{\"description\":\"d\","
               "\"name\":\"f\",\"parametersJsonSchema\":{\"properties\":"
               "{\"a\":{\"type\":\"integer\"}},\"type\":\"object\"}}]}]}",
               "the SDK's body back: signature, budget and topK kept");
    json_decref(n);
}


/* The form as another dialect's reader makes it, written for Gemini. */

static agw_arena_t  xg_a;

static agw_part_t *
xg_part(agw_part_type_t type, const char *text)
{
    agw_part_t  *p;

    p = agw_arena_calloc(&xg_a, sizeof(agw_part_t));
    p->type = type;
    if (text != NULL) {
        p->text = agw_str_bytes(text, strlen(text));
    }

    return p;
}


static agw_msg_t *
xg_msg(agw_role_t role, agw_part_t *parts)
{
    agw_msg_t  *m;

    m = agw_arena_calloc(&xg_a, sizeof(agw_msg_t));
    m->role = role;
    m->parts = parts;

    return m;
}


static json_t *
xg_write(const agw_request_t *req, agw_error_t *err)
{
    json_t             *j;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_request_ctx_t   o;

    memset(&o, 0, sizeof(o));
    o.client = AGW_DIALECT_ANTHROPIC;

    j = NULL;
    if (agw_gemini_codec.write_request(req, &o, &out, err) == 0) {
        j = json_loadb(out.data, out.len, 0, NULL);
        if (j == NULL) {
            tap_diag("not JSON: %.*s", (int) out.len, out.data);
        }
    } else {
        tap_diag("refused: %s", err->message);
    }
    agw_buf_free(&out);

    return j;
}


static void
check_writer(void)
{
    json_t         *j;
    agw_msg_t      *m0, *m1, *m2, *m3, *m4, *m5;
    agw_part_t     *call0, *call1, *r0, *r1, *img, *url;
    agw_tool_t      tool;
    agw_error_t     err;
    agw_request_t   req;

    agw_arena_init(&xg_a, NULL, 0, 0);
    agw_request_init(&req);

    /* system prompt, a mid-conversation system message, two calls (one
     * without a signature, one whose arguments came as a string), their
     * results (JSON text and plain text), images by data: URL and URL */
    req.system = xg_part(AGW_PART_TEXT, "be brief");
    img = xg_part(AGW_PART_IMAGE, NULL);
    img->url = (agw_str_t) agw_str_lit("data:image/png;base64,iVBO");
    url = xg_part(AGW_PART_IMAGE, NULL);
    url->url = (agw_str_t) agw_str_lit("https://x.test/p/cat.webp?x=1");
    m0 = xg_msg(AGW_ROLE_USER, xg_part(AGW_PART_TEXT, "look"));
    m0->parts->next = img;
    img->next = url;

    call0 = xg_part(AGW_PART_TOOL_CALL, NULL);
    call0->id = (agw_str_t) agw_str_lit("toolu_1");
    call0->name = (agw_str_t) agw_str_lit("get");
    call0->args = (agw_str_t) agw_str_lit("{\"q\": 1}");
    call0->args.kind = AGW_STR_VALUE;
    call1 = xg_part(AGW_PART_TOOL_CALL, NULL);
    call1->id = (agw_str_t) agw_str_lit("toolu_2");
    call1->name = (agw_str_t) agw_str_lit("put");
    call1->args = (agw_str_t) agw_str_lit("");
    call1->args_string = 1;
    call1->args.kind = AGW_STR_JSON;
    m1 = xg_msg(AGW_ROLE_ASSISTANT, xg_part(AGW_PART_THINKING, "hmm"));
    m1->parts->signature = (agw_str_t) agw_str_lit("anthropic-sig");
    m1->parts->next = xg_part(AGW_PART_TEXT, "calling");
    m1->parts->next->next = call0;
    call0->next = call1;

    m2 = xg_msg(AGW_ROLE_SYSTEM, xg_part(AGW_PART_TEXT, "now be terse"));

    r0 = xg_part(AGW_PART_TOOL_RESULT, NULL);
    r0->id = call0->id;
    r0->content = xg_part(AGW_PART_TEXT, NULL);
    r0->content->text = (agw_str_t) agw_str_lit("{\\\"v\\\":2}");
    r0->content->text.kind = AGW_STR_JSON;
    r0->content->text.escaped = 1;
    m3 = xg_msg(AGW_ROLE_USER, r0);
    r1 = xg_part(AGW_PART_TOOL_RESULT, NULL);
    r1->id = call1->id;
    r1->content = xg_part(AGW_PART_TEXT, "ok");
    r1->content->next = xg_part(AGW_PART_TEXT, " done");
    m4 = xg_msg(AGW_ROLE_TOOL, r1);
    m5 = xg_msg(AGW_ROLE_USER, xg_part(AGW_PART_TEXT, "thanks"));

    req.messages = m0;
    m0->next = m1;
    m1->next = m2;
    m2->next = m3;
    m3->next = m4;
    m4->next = m5;

    memset(&tool, 0, sizeof(tool));
    tool.type = AGW_TOOL_FUNCTION;
    tool.strict = 1;
    tool.name = (agw_str_t) agw_str_lit("get");
    tool.parameters = (agw_str_t) agw_str_lit("{\"type\":\"object\"}");
    tool.parameters.kind = AGW_STR_VALUE;
    req.tools = &tool;
    req.tool_choice = AGW_TOOL_CHOICE_TOOL;
    req.tool_choice_name = tool.name;
    req.thinking = 1;
    req.thinking_budget = 3000;
    req.max_tokens = 64;
    req.top_k = (agw_str_t) agw_str_lit("5");
    req.top_k.kind = AGW_STR_VALUE;

    j = xg_write(&req, &err);
    xg_json_is(j,
        "{\"contents\":["
        "{\"role\":\"user\",\"parts\":[{\"text\":\"look\"},"
        "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBO\"}},"
        "{\"fileData\":{\"mimeType\":\"image/webp\","
        "\"fileUri\":\"https://x.test/p/cat.webp?x=1\"}}]},"
        "{\"role\":\"model\",\"parts\":[{\"text\":\"calling\"},"
        "{\"functionCall\":{\"name\":\"get\",\"args\":{\"q\":1}},"
        "\"thoughtSignature\":\"skip_thought_signature_validator\"},"
        "{\"functionCall\":{\"name\":\"put\",\"args\":{}}}]},"
        "{\"role\":\"user\",\"parts\":["
        "{\"functionResponse\":{\"name\":\"get\",\"response\":{\"v\":2}}},"
        "{\"functionResponse\":{\"name\":\"put\","
        "\"response\":{\"content\":\"ok done\"}}}]},"
        "{\"role\":\"user\",\"parts\":[{\"text\":\"thanks\"}]}],"
        "\"systemInstruction\":{\"parts\":[{\"text\":\"be brief\"},"
        "{\"text\":\"now be terse\"}]},"
        "\"tools\":[{\"functionDeclarations\":[{\"name\":\"get\","
        "\"parametersJsonSchema\":{\"type\":\"object\"}}]}],"
        "\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\","
        "\"allowedFunctionNames\":[\"get\"]}},"
        "\"generationConfig\":{\"topK\":5,\"maxOutputTokens\":64,"
        "\"thinkingConfig\":{\"thinkingBudget\":3000,"
        "\"includeThoughts\":true}}}",
        "a conversation written for Gemini: system joined in order, whole "
        "calls, results by name, thinking not sent back");
    json_decref(j);

    /* arguments that are no object: refused, never a corrupt call */
    call1->args = (agw_str_t) agw_str_lit("[1]");
    j = xg_write(&req, &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST
       && strcmp(err.code, "invalid_arguments") == 0,
       "arguments that are not an object are refused");
    json_decref(j);
    call1->args = (agw_str_t) agw_str_lit("");

    /* a result whose call is unknown and that has no name */
    r1->id = (agw_str_t) agw_str_lit("nope");
    j = xg_write(&req, &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST
       && strstr(err.message, "answers no tool call") != NULL,
       "a result answering no call is refused: Gemini matches by name");
    json_decref(j);
    r1->id = call1->id;

    /* a provider's own tool */
    tool.type = AGW_TOOL_OTHER;
    j = xg_write(&req, &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST
       && strstr(err.message, "tools[0]") != NULL,
       "a non-function tool is refused, naming it");
    json_decref(j);

    /* effort and off */
    agw_request_init(&req);
    req.messages = m5;
    m5->next = NULL;
    req.effort = AGW_EFFORT_LOW;
    j = xg_write(&req, &err);
    xg_json_is(j, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":"
               "\"thanks\"}]}],\"generationConfig\":{\"thinkingConfig\":"
               "{\"thinkingBudget\":1024,\"includeThoughts\":true}}}",
               "effort low: a budget of 1024, thoughts included");
    json_decref(j);

    req.effort = AGW_EFFORT_UNSET;
    req.thinking = 0;
    req.format = AGW_FORMAT_JSON_OBJECT;
    j = xg_write(&req, &err);
    xg_json_is(j, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":"
               "\"thanks\"}]}],\"generationConfig\":{\"responseMimeType\":"
               "\"application/json\"}}",
               "thinking disabled: no budget (2.5 Pro refuses 0), as the old "
               "path; json_object: the MIME type");
    json_decref(j);

    req.thinking = -1;
    req.effort = AGW_EFFORT_NONE;
    j = xg_write(&req, &err);
    xg_json_is(j, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":"
               "\"thanks\"}]}],\"generationConfig\":{\"responseMimeType\":"
               "\"application/json\",\"thinkingConfig\":"
               "{\"thinkingBudget\":0}}}",
               "effort none: a budget of 0, as the old path");
    json_decref(j);

    agw_arena_free(&xg_a);
}


/*
 * A tool result's text is the response object when it is one object's
 * text, white space around it allowed, written with escapes or not (the
 * writer looks at its first characters before it decodes any), else
 * {"content": text}.
 */
static void
check_result_objects(void)
{
    size_t          i;
    json_t         *j, *parts, *resp, *want;
    agw_msg_t      *m0, *m1;
    agw_part_t     *call, *res, **ctail, **rtail;
    agw_error_t     err;
    agw_request_t   req;
    static const struct {
        const char  *text;
        int          kind;          /* agw_str_kind_t */
        const char  *response;
    } cases[] = {
        { "\\n {\\\"a\\\":1}", AGW_STR_JSON, "{\"a\":1}" },
        { "\\u007b\\\"a\\\":2}", AGW_STR_JSON, "{\"a\":2}" },
        { " \\t\\r{}", AGW_STR_JSON, "{}" },
        { " \\t[1]", AGW_STR_JSON, "{\"content\":\" \\t[1]\"}" },
        { "\\\"{}\\\"", AGW_STR_JSON, "{\"content\":\"\\\"{}\\\"\"}" },
        { "{ not json", AGW_STR_JSON, "{\"content\":\"{ not json\"}" },
        { "", AGW_STR_JSON, "{\"content\":\"\"}" },
        { "\n  {\"b\":3}", AGW_STR_BYTES, "{\"b\":3}" },
        { "\\{}", AGW_STR_BYTES, "{\"content\":\"\\\\{}\"}" },
    };

    agw_arena_init(&xg_a, NULL, 0, 0);
    agw_request_init(&req);

    m0 = xg_msg(AGW_ROLE_ASSISTANT, NULL);
    m1 = xg_msg(AGW_ROLE_USER, NULL);
    ctail = &m0->parts;
    rtail = &m1->parts;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        call = xg_part(AGW_PART_TOOL_CALL, NULL);
        call->id = agw_str_bytes(cases[i].text, 0);
        call->id.data = agw_arena_alloc(&xg_a, 8);
        call->id.len = (uint32_t) snprintf((char *) call->id.data, 8,
                                           "c%zu", i);
        call->name = (agw_str_t) agw_str_lit("f");
        *ctail = call;
        ctail = &call->next;

        res = xg_part(AGW_PART_TOOL_RESULT, NULL);
        res->id = call->id;
        res->text = agw_str_bytes(cases[i].text, strlen(cases[i].text));
        res->text.kind = (uint8_t) cases[i].kind;
        res->text.escaped = cases[i].kind == AGW_STR_JSON
                            && strchr(cases[i].text, '\\') != NULL;
        *rtail = res;
        rtail = &res->next;
    }

    req.messages = m0;
    m0->next = m1;

    j = xg_write(&req, &err);
    parts = json_object_get(json_array_get(json_object_get(j, "contents"),
                                           1), "parts");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        resp = json_object_get(json_object_get(json_array_get(parts, i),
                                               "functionResponse"),
                               "response");
        want = json_loads(cases[i].response, 0, NULL);
        ok(resp != NULL && want != NULL && json_equal(resp, want),
           "a result of text \"%s\" as the response %s", cases[i].text,
           cases[i].response);
        json_decref(want);
    }

    json_decref(j);
    agw_arena_free(&xg_a);
}


/*
 * A result's name is its call's, the nearest earlier call of its id: in
 * the last assistant message (the usual case, looked at first), in one
 * before it, or, for an id used twice, the later of the two.
 */
static void
check_call_names(void)
{
    size_t          i;
    json_t         *j, *contents, *fr;
    agw_msg_t      *m[6];
    agw_part_t     *p;
    agw_error_t     err;
    agw_request_t   req;
    static const struct {
        int          role;
        int          type;
        const char  *id;
        const char  *name;
    } h[] = {
        { AGW_ROLE_ASSISTANT, AGW_PART_TOOL_CALL, "a", "first" },
        { AGW_ROLE_ASSISTANT, AGW_PART_TOOL_CALL, "b", "second" },
        { AGW_ROLE_TOOL, AGW_PART_TOOL_RESULT, "a", "first" },
        { AGW_ROLE_ASSISTANT, AGW_PART_TOOL_CALL, "a", "third" },
        { AGW_ROLE_TOOL, AGW_PART_TOOL_RESULT, "b", "second" },
        { AGW_ROLE_TOOL, AGW_PART_TOOL_RESULT, "a", "third" },
    };
    /* where each result's functionResponse is in contents */
    static const size_t  at[] = { 2, 4, 4 };
    static const size_t  in[] = { 0, 0, 1 };
    static const char   *want[] = { "first", "second", "third" };

    agw_arena_init(&xg_a, NULL, 0, 0);
    agw_request_init(&req);

    for (i = 0; i < 6; i++) {
        m[i] = xg_msg(h[i].role, NULL);
        p = xg_part(h[i].type, NULL);
        p->id = agw_str_bytes(h[i].id, strlen(h[i].id));
        if (h[i].type == AGW_PART_TOOL_CALL) {
            p->name = agw_str_bytes(h[i].name, strlen(h[i].name));
            p->args = (agw_str_t) agw_str_lit("{}");
        } else {
            p->text = (agw_str_t) agw_str_lit("ok");
        }
        m[i]->parts = p;
        if (i > 0) {
            m[i - 1]->next = m[i];
        }
    }

    req.messages = m[0];

    j = xg_write(&req, &err);
    contents = json_object_get(j, "contents");
    ok(j != NULL, "a history of calls and results is written");

    for (i = 0; i < 3; i++) {
        fr = json_object_get(json_array_get(json_object_get(
                 json_array_get(contents, at[i]), "parts"), in[i]),
                 "functionResponse");
        ok(fr != NULL && json_is_string(json_object_get(fr, "name"))
           && strcmp(json_string_value(json_object_get(fr, "name")),
                     want[i]) == 0,
           "result %zu answers the nearest earlier call: %s", i, want[i]);
    }

    json_decref(j);
    agw_arena_free(&xg_a);
}


int
main(void)
{
    check_sdk_form();
    check_ids();
    check_refused();
    check_better();
    check_writer();
    check_result_objects();
    check_call_names();

    return done_testing();
}
