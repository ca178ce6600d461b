/*
 * agw_bench_agent: agent-sized traffic for the benchmarks (see the header).
 * Deterministic: a fixed-seed generator picks the words, so every run and
 * every machine measures the same bytes.
 */

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_buf.h"
#include "agw_bench_agent.h"

#define FIX  "t/fixtures/openai-chat/"


static unsigned long  seed;


static unsigned
rnd(unsigned n)
{
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned) (seed >> 33) % n;
}


static void
die(const char *what)
{
    fprintf(stderr, "agent traffic: %s (run from the repository root)\n",
            what);
    exit(1);
}


static json_t *
load(const char *path)
{
    json_t  *j;

    j = json_load_file(path, 0, NULL);
    if (j == NULL) {
        die(path);
    }
    return j;
}


/* Line n (from 0) of a fixture of one JSON object per line, "data: " cut. */
static json_t *
load_line(const char *path, int n)
{
    FILE    *f;
    char    *line = NULL, *p;
    size_t   cap = 0;
    json_t  *j = NULL;

    f = fopen(path, "r");
    if (f == NULL) {
        die(path);
    }
    while (getline(&line, &cap, f) != -1) {
        p = strncmp(line, "data: ", 6) == 0 ? line + 6 : line;
        if (*p != '{') {
            continue;
        }
        if (n-- == 0) {
            j = json_loads(p, 0, NULL);
            break;
        }
    }
    free(line);
    fclose(f);
    if (j == NULL) {
        die(path);
    }
    return j;
}


static const char *words[] = {
    "the", "request", "handler", "returns", "an", "error", "when", "upstream",
    "buffer", "is", "full", "so", "we", "retry", "with", "a", "smaller",
    "chunk", "and", "log", "status", "code", "`ngx_http_request_t`", "test",
    "fails", "on", "line", "42:", "\"expected", "200,", "got", "502\"",
    "config", "parser", "reads", "file", "path", "src/http/server.c",
    "function", "allocates", "from", "pool", "before", "timeout", "fires",
    "\\d+", "tab\there", "newline\n", "café", "→",
};


/*
 * n bytes or a little more of words, spaces and line breaks; ascii: no
 * multibyte characters (the arguments are streamed cut anywhere).
 */
static void
prose(agw_buf_t *b, size_t n, int ascii)
{
    size_t       end = b->len + n;
    const char  *w;

    while (b->len < end) {
        w = words[rnd(sizeof(words) / sizeof(words[0]))];
        if (ascii && (unsigned char) w[strlen(w) - 1] >= 0x80) {
            continue;
        }
        agw_buf_append_str(b, w);
        agw_buf_append_str(b, rnd(12) ? " " : ".\n");
    }
}


/* n bytes or a little more of C source, the usual content of a tool result. */
static void
code(agw_buf_t *b, size_t n)
{
    size_t  end = b->len + n;

    while (b->len < end) {
        agw_buf_printf(b, "%4u\t    if (rc != NGX_OK) {\n"
                       "%4u\t        ngx_log_error(NGX_LOG_ERR, log, 0, "
                       "\"%s: %s \\\"%%V\\\"\", &name);\n"
                       "%4u\t        return NGX_ERROR;\n%4u\t    }\n",
                       rnd(900), rnd(900),
                       words[rnd(sizeof(words) / sizeof(words[0]))],
                       words[rnd(sizeof(words) / sizeof(words[0]))],
                       rnd(900), rnd(900));
    }
}


static json_t *
text(size_t n, int source)
{
    json_t     *s;
    agw_buf_t   b = AGW_BUF_INIT;

    if (source) {
        code(&b, n);
    } else {
        prose(&b, n, 0);
    }
    s = json_stringn(b.data, b.len);
    agw_buf_free(&b);
    return s;
}


static const char *tool_names[20] = {
    "read_file", "write_file", "edit_file", "list_directory", "grep",
    "glob", "run_shell", "web_fetch", "web_search", "todo_write",
    "git_status", "git_diff", "git_log", "run_tests", "lint",
    "format_code", "notebook_edit", "ask_user", "create_task", "kill_shell",
};


/* The fixture's tool with another name, description and properties. */
static json_t *
tool(json_t *tmpl, int i)
{
    int          k, n;
    char         name[32];
    json_t      *t, *fn, *params, *props, *req, *p;
    static const char *types[] = { "string", "integer", "boolean", "array" };

    t = json_deep_copy(tmpl);
    fn = json_object_get(t, "function");
    json_object_set_new(fn, "name", json_string(tool_names[i]));
    json_object_set_new(fn, "description", text(300, 0));

    params = json_object_get(fn, "parameters");
    props = json_object();
    req = json_array();
    n = 3 + i % 4;
    for (k = 0; k < n; k++) {
        snprintf(name, sizeof(name), "%s_%d", k ? "option" : "path", k);
        p = json_pack("{s:s, s:o}", "type", types[(i + k) % 4],
                      "description", text(60, 0));
        if ((i + k) % 4 == 3) {
            json_object_set_new(p, "items", json_pack("{s:s}", "type",
                                                      "string"));
        }
        if ((i + k) % 4 == 0 && k) {
            json_object_set_new(p, "enum",
                                json_pack("[s,s,s]", "auto", "always",
                                          "never"));
        }
        json_object_set_new(props, name, p);
        if (k < 2) {
            json_array_append_new(req, json_string(name));
        }
    }
    json_object_set_new(params, "properties", props);
    json_object_set_new(params, "required", req);
    return t;
}


static json_t *
arguments(int i)
{
    char       *s;
    json_t     *a, *r;
    agw_buf_t   b = AGW_BUF_INIT;

    prose(&b, 80, 1);
    a = json_pack("{s:s, s:s#, s:i}", "path_0", "src/http/server.c",
                  "option_1", b.data, (int) b.len, "option_2", i);
    s = json_dumps(a, JSON_COMPACT);
    r = json_string(s);
    free(s);
    json_decref(a);
    agw_buf_free(&b);
    return r;
}


static json_t *
build(size_t result_len)
{
    int      i;
    char     id[32];
    json_t  *req, *msgs, *tools, *tmpl, *resp, *call, *m;

    seed = 1;
    req = load(FIX "request-tools.documented.json");
    tmpl = json_incref(json_array_get(json_object_get(req, "tools"), 0));
    tools = json_array();
    for (i = 0; i < 20; i++) {
        json_array_append_new(tools, tool(tmpl, i));
    }
    json_decref(tmpl);
    json_object_set_new(req, "tools", tools);

    /* the assistant turns are the fixture's answer's message */
    resp = load(FIX "response-tool-calls.documented.json");

    msgs = json_object_get(req, "messages");
    json_object_set_new(json_array_get(msgs, 0), "content", text(400, 0));
    json_array_insert_new(msgs, 0, json_pack("{s:s, s:o}", "role", "system",
                                             "content", text(6000, 0)));
    for (i = 0; i < 40; i++) {
        m = json_deep_copy(json_object_get(
                json_array_get(json_object_get(resp, "choices"), 0),
                "message"));
        if (i % 4 == 0) {
            json_object_set_new(m, "content", text(200, 0));
        }
        call = json_array_get(json_object_get(m, "tool_calls"), 0);
        snprintf(id, sizeof(id), "call_%08d", i);
        json_object_set_new(call, "id", json_string(id));
        json_object_set_new(json_object_get(call, "function"), "name",
                            json_string(tool_names[i % 20]));
        json_object_set_new(json_object_get(call, "function"), "arguments",
                            arguments(i));
        json_array_append_new(msgs, m);
        json_array_append_new(msgs, json_pack("{s:s, s:s, s:o}",
                                              "role", "tool",
                                              "tool_call_id", id,
                                              "content",
                                              text(result_len, 1)));
    }
    json_decref(resp);
    json_object_set_new(req, "max_tokens", json_integer(8192));
    return req;
}


json_t *
agw_bench_agent_request(size_t target)
{
    char    *s;
    size_t   len, r = 1000;
    json_t  *req;
    int      round;

    /* the tool results make up the difference to the target size */
    for (round = 0; ; round++) {
        req = build(r);
        s = json_dumps(req, JSON_COMPACT);
        len = strlen(s);
        free(s);
        if (round == 3 || (len > target - target / 50 && len < target)) {
            return req;
        }
        json_decref(req);
        r = (size_t) ((long) r + ((long) target - (long) target / 100
                                  - (long) len) / 40);
    }
}


char *
agw_bench_agent_response(size_t *len)
{
    char    *s;
    json_t  *r, *m, *call;

    seed = 2;
    r = load(FIX "response-tool-calls.documented.json");
    m = json_object_get(json_array_get(json_object_get(r, "choices"), 0),
                        "message");
    json_object_set_new(m, "content", text(2500, 0));
    call = json_array_get(json_object_get(m, "tool_calls"), 0);
    json_object_set_new(json_object_get(call, "function"), "name",
                        json_string("edit_file"));
    json_object_set_new(json_object_get(call, "function"), "arguments",
                        arguments(7));
    s = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    *len = strlen(s);
    return s;
}


static void
chunk(agw_buf_t *b, json_t *c)
{
    char  *s;

    s = json_dumps(c, JSON_COMPACT);
    agw_buf_printf(b, "data: %s\n\n", s);
    free(s);
}


char *
agw_bench_agent_stream(size_t *len)
{
    int          i;
    size_t       k, n, step;
    const char  *args;
    json_t      *role, *delta, *start, *frag, *finish, *usage, *c, *a;
    agw_buf_t    b = AGW_BUF_INIT;

    seed = 3;
    role = load_line(FIX "stream-include-usage.chunks.jsonl", 0);
    delta = load_line(FIX "stream-include-usage.chunks.jsonl", 1);
    start = load_line(FIX "stream-tool-calls.sse", 0);
    frag = load_line(FIX "stream-tool-calls.sse", 1);
    finish = load_line(FIX "stream-tool-calls.sse", 11);
    usage = load_line(FIX "stream-include-usage.chunks.jsonl", 302);

    chunk(&b, role);
    for (i = 0; i < AGW_BENCH_TEXT_DELTAS; i++) {
        c = json_object_get(json_array_get(json_object_get(delta, "choices"),
                                           0), "delta");
        json_object_set_new(c, "content", text(12, 0));
        chunk(&b, delta);
    }

    /* a tool call starts after the text: no role again */
    c = json_object_get(json_array_get(json_object_get(start, "choices"), 0),
                        "delta");
    json_object_del(c, "role");
    json_object_del(c, "content");
    json_object_del(c, "refusal");
    chunk(&b, start);

    a = arguments(3);
    args = json_string_value(a);
    n = strlen(args);
    step = n / AGW_BENCH_ARG_DELTAS;
    c = json_object_get(json_array_get(json_object_get(frag, "choices"), 0),
                        "delta");
    c = json_array_get(json_object_get(c, "tool_calls"), 0);
    for (i = 0, k = 0; i < AGW_BENCH_ARG_DELTAS; i++, k += step) {
        json_object_set_new(json_object_get(c, "function"), "arguments",
            json_stringn(args + k,
                         i == AGW_BENCH_ARG_DELTAS - 1 ? n - k : step));
        chunk(&b, frag);
    }
    json_decref(a);

    chunk(&b, finish);
    chunk(&b, usage);
    agw_buf_append_str(&b, "data: [DONE]\n\n");

    json_decref(role);
    json_decref(delta);
    json_decref(start);
    json_decref(frag);
    json_decref(finish);
    json_decref(usage);
    *len = b.len;
    return b.data;
}


/*
 * The Responses API (passed through, same dialect only): the same traffic
 * in its shapes, from t/fixtures/openai-responses.  No capture has a
 * function_call_output item; that one follows the API reference.
 */

#define RFIX  "t/fixtures/openai-responses/"


json_t *
agw_bench_responses_request(json_t *chat)
{
    size_t       i;
    json_t      *req, *tmpl, *tools, *t, *fn, *input, *m, *call, *fc, *item;
    json_t      *answer;
    const char  *role;

    req = load(RFIX "request-tools.documented.json");
    tmpl = json_incref(json_array_get(json_object_get(req, "tools"), 0));
    tools = json_array();
    json_array_foreach(json_object_get(chat, "tools"), i, t) {
        fn = json_object_get(t, "function");
        t = json_deep_copy(tmpl);
        json_object_set(t, "name", json_object_get(fn, "name"));
        json_object_set(t, "description", json_object_get(fn, "description"));
        json_object_set(t, "parameters", json_object_get(fn, "parameters"));
        json_array_append_new(tools, t);
    }
    json_decref(tmpl);
    json_object_set_new(req, "tools", tools);

    answer = load(RFIX "response-function-call.documented.json");
    fc = json_array_get(json_object_get(answer, "output"), 0);

    input = json_array();
    json_array_foreach(json_object_get(chat, "messages"), i, m) {
        role = json_string_value(json_object_get(m, "role"));
        if (strcmp(role, "system") == 0) {
            json_object_set(req, "instructions", json_object_get(m, "content"));
        } else if (strcmp(role, "tool") == 0) {
            json_array_append_new(input, json_pack("{s:s, s:O, s:O}",
                "type", "function_call_output",
                "call_id", json_object_get(m, "tool_call_id"),
                "output", json_object_get(m, "content")));
        } else {
            if (json_is_string(json_object_get(m, "content"))) {
                json_array_append_new(input, json_pack("{s:s, s:O}",
                    "role", role, "content", json_object_get(m, "content")));
            }
            call = json_array_get(json_object_get(m, "tool_calls"), 0);
            if (call != NULL) {
                item = json_deep_copy(fc);
                json_object_set(item, "call_id", json_object_get(call, "id"));
                json_object_set(item, "name",
                    json_object_get(json_object_get(call, "function"),
                                    "name"));
                json_object_set(item, "arguments",
                    json_object_get(json_object_get(call, "function"),
                                    "arguments"));
                json_array_append_new(input, item);
            }
        }
    }
    json_decref(answer);
    json_object_set_new(req, "input", input);
    json_object_set_new(req, "max_output_tokens", json_integer(8192));
    return req;
}


char *
agw_bench_responses_answer(size_t *len)
{
    char    *s;
    json_t  *r, *msg, *out;

    seed = 2;
    r = load(RFIX "response-function-call.documented.json");
    out = json_object_get(r, "output");
    json_object_set_new(json_array_get(out, 0), "arguments", arguments(7));

    /* the text before the call: the captured stream's finished message */
    msg = load_line(RFIX "stream-reasoning-function-call.chunks.jsonl", 108);
    json_object_set_new(json_array_get(json_object_get(
        json_object_get(msg, "item"), "content"), 0), "text", text(2500, 0));
    json_array_insert(out, 0, json_object_get(msg, "item"));
    json_decref(msg);

    s = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    *len = strlen(s);
    return s;
}


/* An event of the captured stream, renumbered, framed with its name. */
static void
revent(agw_buf_t *b, json_t *e, int *seq, int index)
{
    json_object_set_new(e, "sequence_number", json_integer((*seq)++));
    if (json_object_get(e, "output_index") != NULL) {
        json_object_set_new(e, "output_index", json_integer(index));
    }
    agw_buf_printf(b, "event: %s\n",
                   json_string_value(json_object_get(e, "type")));
    chunk(b, e);
}


char *
agw_bench_responses_stream(size_t *len)
{
    int          i, seq = 0;
    size_t       k, n, step;
    const char  *args;
    json_t      *e, *a;
    agw_buf_t    b = AGW_BUF_INIT;
    static const int  head[] = { 0, 1, 96, 97 }, mid[] = { 106, 107, 108, 39 },
                      tail[] = { 53, 54 };

#define RSTREAM  RFIX "stream-reasoning-function-call.chunks.jsonl"

    seed = 3;
    for (i = 0; i < 4; i++) {
        e = load_line(RSTREAM, head[i]);
        revent(&b, e, &seq, 0);
        json_decref(e);
    }
    e = load_line(RSTREAM, 98);
    for (i = 0; i < AGW_BENCH_TEXT_DELTAS; i++) {
        json_object_set_new(e, "delta", text(12, 0));
        revent(&b, e, &seq, 0);
    }
    json_decref(e);
    for (i = 0; i < 4; i++) {
        e = load_line(RSTREAM, mid[i]);
        revent(&b, e, &seq, i == 3);
        json_decref(e);
    }

    a = arguments(3);
    args = json_string_value(a);
    n = strlen(args);
    step = n / AGW_BENCH_ARG_DELTAS;
    e = load_line(RSTREAM, 40);
    for (i = 0, k = 0; i < AGW_BENCH_ARG_DELTAS; i++, k += step) {
        json_object_set_new(e, "delta", json_stringn(args + k,
            i == AGW_BENCH_ARG_DELTAS - 1 ? n - k : step));
        revent(&b, e, &seq, 1);
    }
    json_decref(e);
    json_decref(a);

    for (i = 0; i < 2; i++) {
        e = load_line(RSTREAM, tail[i]);
        revent(&b, e, &seq, 1);
        json_decref(e);
    }
    e = load_line(RSTREAM, 55);
    revent(&b, e, &seq, 0);
    json_decref(e);

    *len = b.len;
    return b.data;
}
