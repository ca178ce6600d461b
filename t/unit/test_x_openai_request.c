/*
 * The engine's OpenAI Chat codec, requests: the reader on the real
 * fixtures and on every extension the gateway reads (golden), refusals
 * naming the field, round trips (read, write, read: the same form), and
 * what the writer leaves out.  What the writer makes of each fixture is
 * t/golden's (test_golden: the .form.json files of openai-openai).
 */

#include <stdlib.h>
#include <string.h>

#include "agw_codec.h"
#include "agw_arena.h"
#include "tap.h"
#include "fixtures.h"

#define OAI  (&agw_openai_codec)


/* The characters of s, NUL-terminated, in a static buffer. */
static const char *
str(const agw_str_t *s)
{
    int          n;
    static char  buf[4096];

    if (!agw_str_set(s)) {
        return "(unset)";
    }

    if (s->kind == AGW_STR_VALUE) {
        snprintf(buf, sizeof(buf), "%.*s", (int) s->len, s->data);
        return buf;
    }

    n = agw_str_decode(s, buf, sizeof(buf) - 1);
    if (n < 0) {
        return "(too long)";
    }

    buf[n] = '\0';
    return buf;
}


static int
count_parts(const agw_part_t *p)
{
    int  n;

    for (n = 0; p != NULL; p = p->next) {
        n++;
    }

    return n;
}


static int
read_req(const char *body, agw_arena_t *a, agw_request_t *req,
    agw_error_t *err)
{
    memset(err, 0, sizeof(agw_error_t));
    return OAI->read_request(body, strlen(body), 0, a, req, err);
}


/* read + write: the provider body, a new reference (NULL on error). */
static json_t *
translate(const char *body, int stream, agw_error_t *err)
{
    int                rc;
    json_t            *j;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_arena_t        a;
    agw_request_t      req;
    agw_request_ctx_t  o;

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("upstream-model");
    o.stream = stream;
    o.client = AGW_DIALECT_OPENAI;

    agw_arena_init(&a, NULL, 0, 0);

    rc = read_req(body, &a, &req, err);
    if (rc == 0) {
        rc = OAI->write_request(&req, &o, &out, err);
    }

    j = rc == 0 ? json_loadb(out.data, out.len, 0, NULL) : NULL;
    if (rc == 0 && j == NULL) {
        printf("# not JSON: %.*s\n", (int) out.len, out.data);
    }

    agw_buf_free(&out);
    agw_arena_free(&a);
    return j;
}


static void
check_fixture_text(void)
{
    char            *body;
    size_t           len;
    agw_arena_t      a;
    agw_error_t      err;
    agw_request_t    req;
    agw_msg_t       *m;

    body = fixture_read("openai-chat/request-text.documented.json", &len);
    agw_arena_init(&a, NULL, 0, 0);

    ok(body && OAI->read_request(body, len, 0, &a, &req, &err) == 0,
       "request-text: read");
    is_str(str(&req.model), "VAR_chat_model_id", "model");
    m = req.messages;
    ok(m && m->role == AGW_ROLE_SYSTEM && m->developer && m->string,
       "developer message: SYSTEM, developer, string content");
    is_str(str(&m->parts->text), "You are a helpful assistant.",
           "its text");
    ok(req.system == NULL, "no system apart from the turns");
    m = m->next;
    ok(m && m->role == AGW_ROLE_USER && count_parts(m->parts) == 1
       && m->parts->type == AGW_PART_TEXT, "user message, one text part");
    ok(m && m->next == NULL, "two messages");
    ok(req.max_tokens == -1 && req.n == -1 && req.parallel_tools == -1
       && !req.stream, "unset fields stay unset");

    agw_arena_free(&a);
    free(body);
}


static void
check_fixture_tools(void)
{
    char            *body;
    size_t           len;
    agw_arena_t      a;
    agw_error_t      err;
    agw_request_t    req;
    json_t          *params;

    body = fixture_read("openai-chat/request-tools.documented.json", &len);
    agw_arena_init(&a, NULL, 0, 0);

    ok(body && OAI->read_request(body, len, 0, &a, &req, &err) == 0,
       "request-tools: read");
    ok(req.tools && req.tools->type == AGW_TOOL_FUNCTION
       && req.tools->next == NULL, "one function tool");
    is_str(str(&req.tools->name), "get_current_weather", "its name");
    params = json_loadb(req.tools->parameters.data,
                        req.tools->parameters.len, 0, NULL);
    ok(params && strcmp(json_string_value(json_array_get(
           json_object_get(params, "required"), 0)), "location") == 0,
       "parameters: the schema's text, whole");
    ok(req.tool_choice == AGW_TOOL_CHOICE_AUTO, "tool_choice auto");

    json_decref(params);
    agw_arena_free(&a);
    free(body);
}


static void
check_fixture_image(void)
{
    char            *body;
    size_t           len;
    agw_arena_t      a;
    agw_error_t      err;
    agw_request_t    req;
    agw_part_t      *p;

    body = fixture_read("openai-chat/request-image-url.documented.json",
                        &len);
    agw_arena_init(&a, NULL, 0, 0);

    ok(body && OAI->read_request(body, len, 0, &a, &req, &err) == 0,
       "request-image-url: read");
    p = req.messages ? req.messages->parts : NULL;
    ok(p && p->type == AGW_PART_TEXT && p->next
       && p->next->type == AGW_PART_IMAGE, "text then image");
    ok(p && p->next && strncmp(str(&p->next->url), "https://upload.", 15)
            == 0 && !agw_str_set(&p->next->data), "image by URL");
    ok(req.max_tokens == 300, "max_tokens 300");

    agw_arena_free(&a);
    free(body);
}


/* Every extension and option the reader takes, in one request. */
static const char  agent_request[] =
    "{\"model\":\"gpt-x\",\"stream\":true,"
    "\"stream_options\":{\"include_usage\":true},"
    "\"max_tokens\":10,\"max_completion_tokens\":2000,"
    "\"temperature\":0.5,\"top_p\":1,\"presence_penalty\":-0.5,"
    "\"frequency_penalty\":0,\"seed\":42,\"n\":2,\"stop\":\"END\","
    "\"parallel_tool_calls\":false,\"reasoning_effort\":\"high\","
    "\"user\":\"u-1\",\"service_tier\":\"auto\",\"store\":false,"
    "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":"
        "{\"name\":\"r\",\"schema\":{\"type\":\"object\"},\"strict\":true}},"
    "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}},"
    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
        "\"description\":\"d\",\"parameters\":{\"type\":\"object\"},"
        "\"strict\":true},\"cache_control\":{\"type\":\"ephemeral\"}},"
        "{\"type\":\"web_search_preview\"}],"
    "\"logprobs\":true,\"metadata\":{\"a\":\"b\"},"
    "\"messages\":["
    "{\"role\":\"system\",\"content\":\"be brief\"},"
    "{\"role\":\"user\",\"name\":\"ann\",\"content\":["
        "{\"type\":\"text\",\"text\":\"look\","
            "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}},"
        "{\"type\":\"image_url\",\"image_url\":{\"url\":"
            "\"data:image/png;base64,iVBORw0KGgo=\",\"detail\":\"low\"}},"
        "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklGRg==\","
            "\"format\":\"wav\"}},"
        "{\"type\":\"file\",\"file\":{\"file_data\":"
            "\"data:application/pdf;base64,JVBERi0=\","
            "\"filename\":\"a.pdf\"}}]},"
    "{\"role\":\"assistant\",\"content\":\"Let me \\\"see\\\".\","
        "\"reasoning_content\":\"I think\","
        "\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"I \"},"
            "{\"type\":\"thinking\",\"thinking\":\"think\","
                "\"signature\":\"sig1\"},"
            "{\"type\":\"redacted_thinking\",\"data\":\"xyz\"}],"
        "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
            "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"},"
            "\"extra_content\":{\"google\":{\"thought_signature\":\"ts\"}}},"
            "{\"id\":\"call_2\",\"type\":\"function\","
            "\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]},"
    "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"42\"},"
    "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":["
        "{\"type\":\"text\",\"text\":\"ok\"}]},"
    "{\"role\":\"developer\",\"content\":\"mid-conversation\"},"
    "{\"role\":\"assistant\",\"content\":null,\"refusal\":\"no\"},"
    "{\"role\":\"user\",\"content\":\"go on\"}]}";


static void
check_agent_request(void)
{
    agw_arena_t      a;
    agw_error_t      err;
    agw_request_t    req;
    agw_msg_t       *m;
    agw_part_t      *p;

    agw_arena_init(&a, NULL, 0, 0);

    ok(read_req(agent_request, &a, &req, &err) == 0, "agent request: read");
    ok(req.stream && req.include_usage, "stream, include_usage");
    is_int(req.max_tokens, 2000, "max_completion_tokens wins over "
           "max_tokens");
    is_str(str(&req.temperature), "0.5", "temperature as its text");
    is_str(str(&req.presence_penalty), "-0.5", "presence_penalty");
    is_int(req.n, 2, "n");
    ok(req.stop && req.stop->next == NULL
       && strcmp(str(&req.stop->text), "END") == 0, "stop string: one part");
    ok(req.parallel_tools == 0 && req.store == 0, "parallel_tool_calls, "
       "store false");
    ok(req.effort == AGW_EFFORT_HIGH, "reasoning_effort high");
    ok(req.format == AGW_FORMAT_JSON_SCHEMA && req.format_strict == 1
       && strcmp(str(&req.format_name), "r") == 0
       && strcmp(str(&req.format_schema), "{\"type\":\"object\"}") == 0,
       "response_format json_schema");
    ok(req.tool_choice == AGW_TOOL_CHOICE_TOOL
       && strcmp(str(&req.tool_choice_name), "f") == 0, "tool_choice f");
    ok(req.tools && req.tools->cache == AGW_CACHE_CONTROL_EPHEMERAL
       && req.tools->strict == 1, "tool: cache_control, strict");
    ok(req.tools && req.tools->next
       && req.tools->next->type == AGW_TOOL_OTHER
       && req.tools->next->dialect == AGW_DIALECT_OPENAI
       && strcmp(str(&req.tools->next->raw),
                 "{\"type\":\"web_search_preview\"}") == 0,
       "a provider's own tool kept whole");

    m = req.messages;
    ok(m->role == AGW_ROLE_SYSTEM && !m->developer, "system message");

    m = m->next;
    p = m->parts;
    ok(m->role == AGW_ROLE_USER && strcmp(str(&m->name), "ann") == 0,
       "user with a name");
    ok(p->type == AGW_PART_TEXT && p->cache == AGW_CACHE_CONTROL_EPHEMERAL
       && strcmp(str(&p->cache_ttl), "1h") == 0, "text part with its "
       "cache_control and ttl");
    p = p->next;
    ok(p->type == AGW_PART_IMAGE && strcmp(str(&p->media_type),
                                           "image/png") == 0
       && strcmp(str(&p->data), "iVBORw0KGgo=") == 0
       && !agw_str_set(&p->url) && strcmp(str(&p->format), "low") == 0,
       "data URL image: data and media_type, detail");
    p = p->next;
    ok(p->type == AGW_PART_AUDIO && strcmp(str(&p->data), "UklGRg==") == 0
       && strcmp(str(&p->format), "wav") == 0, "input_audio");
    p = p->next;
    ok(p->type == AGW_PART_DOCUMENT
       && strcmp(str(&p->media_type), "application/pdf") == 0
       && strcmp(str(&p->data), "JVBERi0=") == 0
       && strcmp(str(&p->name), "a.pdf") == 0, "file part");

    m = m->next;
    p = m->parts;
    ok(m->role == AGW_ROLE_ASSISTANT, "assistant");
    ok(p->type == AGW_PART_THINKING
       && strcmp(str(&p->text), "I think") == 0
       && strcmp(str(&p->signature), "sig1") == 0,
       "unsigned thinking fragments joined to the signed block");
    p = p->next;
    ok(p->type == AGW_PART_REDACTED_THINKING
       && strcmp(str(&p->data), "xyz") == 0, "redacted block kept");
    p = p->next;
    ok(p->type == AGW_PART_TEXT && p->text.escaped
       && strcmp(str(&p->text), "Let me \"see\".") == 0,
       "text, escapes kept in the slice");
    p = p->next;
    ok(p->type == AGW_PART_TOOL_CALL && p->args_string
       && strcmp(str(&p->id), "call_1") == 0
       && strcmp(str(&p->args), "{\"a\":1}") == 0
       && strcmp(str(&p->signature), "ts") == 0,
       "tool call with a Gemini thought signature");
    p = p->next;
    ok(p->type == AGW_PART_TOOL_CALL && p->args.len == 0 && !p->next,
       "second call, empty arguments; thinking first, calls last");

    m = m->next;
    ok(m->role == AGW_ROLE_TOOL && count_parts(m->parts) == 1
       && m->parts->type == AGW_PART_TOOL_RESULT
       && strcmp(str(&m->parts->id), "call_1") == 0
       && strcmp(str(&m->parts->text), "42") == 0,
       "tool message: one TOOL_RESULT, string content as text");
    m = m->next;
    ok(m->role == AGW_ROLE_TOOL && m->parts->content
       && m->parts->content->type == AGW_PART_TEXT, "tool content parts");
    m = m->next;
    ok(m->role == AGW_ROLE_SYSTEM && m->developer,
       "a mid-conversation developer message stays where it came");
    m = m->next;
    ok(m->role == AGW_ROLE_ASSISTANT && m->parts
       && m->parts->type == AGW_PART_REFUSAL && !m->parts->next,
       "refusal");

    agw_arena_free(&a);
}


/* reasoning (OpenRouter) and reasoning_content (DeepSeek) as thinking */
static void
check_reasoning_aliases(void)
{
    agw_arena_t     a;
    agw_error_t     err;
    agw_request_t   req;
    agw_part_t     *p;

    agw_arena_init(&a, NULL, 0, 0);

    ok(read_req("{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\","
                "\"reasoning\":\"hmm\"}]}", &a, &req, &err) == 0
       && (p = req.messages->parts) != NULL
       && p->type == AGW_PART_THINKING && strcmp(str(&p->text), "hmm") == 0
       && !agw_str_set(&p->signature) && p->next->type == AGW_PART_TEXT,
       "reasoning: an unsigned thinking part before the text");

    ok(read_req("{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\","
                "\"reasoning_content\":\"a\",\"reasoning\":\"b\"}]}",
                &a, &req, &err) == 0
       && strcmp(str(&req.messages->parts->text), "a") == 0,
       "reasoning_content wins over reasoning");

    ok(read_req("{\"messages\":[{\"role\":\"assistant\",\"content\":"
                "[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\","
                "\"text\":\"b\"}],\"extra_content\":{\"google\":{"
                "\"thought_signature\":\"s\"}}}]}", &a, &req, &err) == 0
       && (p = req.messages->parts) != NULL && !agw_str_set(&p->signature)
       && p->next && strcmp(str(&p->next->signature), "s") == 0,
       "a message's thought signature on its last text");

    agw_arena_free(&a);
}



/* ten user messages; ten text parts */
#define M1   "{\"role\":\"user\",\"content\":\"x\"},"
#define M10  M1 M1 M1 M1 M1 M1 M1 M1 M1 M1
#define P1   "{\"type\":\"text\",\"text\":\"p\"},"
#define P10  P1 P1 P1 P1 P1 P1 P1 P1 P1 P1

static void
check_refusals(void)
{
    int             i;
    agw_arena_t     a;
    agw_error_t     err;
    agw_request_t   req;
    static const struct {
        const char  *body;
        const char  *msg;
    } bad[] = {
        { "[]", "must be a JSON object" },
        { "{\"model\":\"x\"}", "messages: required" },
        { "{\"messages\":{}}", "messages: must be an array" },
        { "{\"messages\":[{\"content\":\"x\"}]}", "messages[0].role: "
          "required" },
        { "{\"messages\":[{\"role\":\"bot\",\"content\":\"x\"}]}",
          "messages[0].role: \"bot\" is not" },
        { "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}",
          "messages[0].tool_call_id: required" },
        { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
          "\"text\"}]}]}", "messages[0].content[0].text: required" },
        { "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":"
          "\"x\"}]}]}", "messages[0].content[0].type: required" },
        { "{\"messages\":[{\"role\":\"user\",\"content\":5}]}",
          "messages[0].content: must be a string or an array" },
        { "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":"
          "\"c\",\"function\":{\"arguments\":\"{}\"}}]}]}",
          "messages[0].tool_calls[0]: a tool call needs id" },
        /* indexes of two digits, one path after another */
        { "{\"messages\":[" M10 "{\"role\":\"user\",\"content\":["
          P10 "{\"type\":\"text\"}]}]}",
          "messages[10].content[10].text: required" },
        { "{\"messages\":[],\"tools\":[{\"type\":\"function\",\"function\":"
          "{\"name\":\"a\"}},{\"type\":\"function\"}]}",
          "tools[1].function.name: required" },
        { "{\"messages\":[],\"max_tokens\":-1}", "max_tokens: must be" },
        { "{\"messages\":[],\"temperature\":\"hot\"}", "temperature: must be "
          "a number" },
        { "{\"messages\":[],\"tools\":[{\"type\":\"function\"}]}",
          "tools[0].function.name: required" },
        { "{\"messages\":[],\"tool_choice\":\"sometimes\"}",
          "tool_choice: \"sometimes\" is not" },
        { "{\"messages\":[],\"reasoning_effort\":\"max\"}",
          "reasoning_effort: \"max\" is not" },
        { "{\"messages\":[],\"response_format\":{\"type\":\"yaml\"}}",
          "response_format.type: \"yaml\" is not" },
        { "{\"messages\":[]", "not valid JSON" },
        { "{\"messages\":[]} x", "not valid JSON" },
    };

    agw_arena_init(&a, NULL, 0, 0);

    for (i = 0; i < (int) (sizeof(bad) / sizeof(bad[0])); i++) {
        ok(read_req(bad[i].body, &a, &req, &err) == -1
           && err.cls == AGW_ERR_INVALID_REQUEST
           && strstr(err.message, bad[i].msg) != NULL,
           "refused: %s (%s)", bad[i].body, err.message);
    }

    agw_arena_free(&a);
}


/* read, write, read: the second form written again gives the same
 * bytes as the first written. */
static void
check_round_trip(const char *name, const char *body)
{
    int                rc;
    agw_buf_t          out1 = AGW_BUF_INIT, out2 = AGW_BUF_INIT;
    agw_arena_t        a;
    agw_error_t        err;
    agw_request_t      req;
    agw_request_ctx_t  o;

    memset(&o, 0, sizeof(o));
    agw_arena_init(&a, NULL, 0, 0);

    rc = read_req(body, &a, &req, &err);
    o.stream = req.stream;
    rc = rc ? rc : OAI->write_request(&req, &o, &out1, &err);
    rc = rc ? rc : OAI->read_request(out1.data, out1.len, 0, &a, &req, &err);
    rc = rc ? rc : OAI->write_request(&req, &o, &out2, &err);

    ok(rc == 0 && out1.len == out2.len
       && memcmp(out1.data, out2.data, out1.len) == 0,
       "round trip: %s", name);
    if (rc != 0 || out1.len != out2.len
        || memcmp(out1.data, out2.data, out1.len) != 0)
    {
        printf("# %d %s\n# 1: %.*s\n# 2: %.*s\n", rc, err.message,
               (int) out1.len, out1.data, (int) out2.len, out2.data);
    }

    agw_buf_free(&out1);
    agw_buf_free(&out2);
    agw_arena_free(&a);
}


static void
check_fixtures_round_trip(void)
{
    int          i;
    char        *body;
    size_t       len;
    const char  *names[] = {
        "openai-chat/request-text.documented.json",
        "openai-chat/request-tools.documented.json",
        "openai-chat/request-image-url.documented.json",
        NULL
    };

    for (i = 0; names[i] != NULL; i++) {
        body = fixture_read(names[i], &len);
        if (body == NULL) {
            ok(0, "fixture %s", names[i]);
            continue;
        }

        check_round_trip(names[i], body);
        free(body);
    }
}


/* The body written for a provider: the extensions it strips. */
static void
check_writer_strips(void)
{
    json_t       *j, *m;
    agw_error_t   err;

    j = translate(agent_request, 1, &err);
    ok(j != NULL, "agent request written");

    m = json_array_get(json_object_get(j, "messages"), 2);
    ok(json_object_get(m, "thinking_blocks") == NULL
       && json_object_get(m, "reasoning_content") == NULL
       && json_object_get(json_array_get(json_object_get(m, "tool_calls"),
                                         0), "extra_content") == NULL,
       "extensions a strict server refuses are left out");
    is_str(json_string_value(json_object_get(j, "model")), "upstream-model",
           "the upstream model");
    ok(json_is_true(json_object_get(json_object_get(j, "stream_options"),
                                    "include_usage")),
       "a stream asks for usage");
    ok(json_object_get(json_object_get(json_object_get(j, "response_format"),
                                       "json_schema"), "schema") != NULL,
       "response_format kept");
    is_str(json_string_value(json_object_get(json_array_get(json_object_get(
               json_array_get(json_object_get(j, "messages"), 1),
               "content"), 1), "image_url") ? json_object_get(
               json_object_get(json_array_get(json_object_get(
               json_array_get(json_object_get(j, "messages"), 1),
               "content"), 1), "image_url"), "url") : NULL),
           "data:image/png;base64,iVBORw0KGgo=",
           "a data image written back as a data URL");
    json_decref(j);

    j = translate(agent_request, 0, &err);
    ok(j && json_object_get(j, "stream_options") == NULL
       && json_is_false(json_object_get(j, "stream")),
       "not a stream: no stream_options, stream false");
    json_decref(j);
}


int
main(void)
{
    check_fixture_text();
    check_fixture_tools();
    check_fixture_image();
    check_agent_request();
    check_reasoning_aliases();
    check_refusals();
    check_fixtures_round_trip();
    check_round_trip("agent request", agent_request);
    check_writer_strips();

    return done_testing();
}
