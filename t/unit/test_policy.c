/*
 * A key's policy in the engine (docs/key-policy.md), for every pair of
 * client and provider dialects, same-dialect rewrites and translations:
 * the key's system prompt first and the client's own kept after it
 * (Anthropic cache_control marks neither lost nor added), the output cap
 * clamped, set when absent, kept when smaller, or refused with a 400; the
 * cap the engine reports; the model a body without one is given; the
 * stream flag as the caller says, whatever the policy did.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "agw_engine.h"
#include "agw_policy.h"


#define PROMPT      "Key \"policy\" says:\nbe brief, \xc3\xbc."
#define CLIENT_SYS  "CLIENT-SYS"

static const agw_dialect_t  dialects[] = {
    AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI,
    AGW_DIALECT_RESPONSES
};


/* A client body of dialect d: its own system content, ask output tokens
 * (-1: none), a model unless nomodel, stream asked when stream. */
static void
client_body(char *b, size_t size, agw_dialect_t d, int64_t ask, int stream,
    int nomodel)
{
    char  cap[96], model[32];

    cap[0] = '\0';
    snprintf(model, sizeof(model), nomodel ? "" : "\"model\":\"m\",");

    switch (d) {

    case AGW_DIALECT_OPENAI:
        if (ask >= 0) {
            snprintf(cap, sizeof(cap), ",\"max_tokens\":%lld",
                     (long long) ask);
        }
        snprintf(b, size, "{%s\"messages\":[{\"role\":\"system\","
                 "\"content\":\"" CLIENT_SYS "\"},{\"role\":\"user\","
                 "\"content\":\"hi\"}]%s,\"stream\":%s}", model, cap,
                 stream ? "true" : "false");
        break;

    case AGW_DIALECT_ANTHROPIC:
        if (ask >= 0) {
            snprintf(cap, sizeof(cap), ",\"max_tokens\":%lld",
                     (long long) ask);
        }
        snprintf(b, size, "{%s\"system\":[{\"type\":\"text\",\"text\":\""
                 CLIENT_SYS "\",\"cache_control\":{\"type\":\"ephemeral\"}}"
                 "],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]%s,"
                 "\"stream\":%s}", model, cap, stream ? "true" : "false");
        break;

    case AGW_DIALECT_GEMINI:
        if (ask >= 0) {
            snprintf(cap, sizeof(cap), ",\"generationConfig\":"
                     "{\"temperature\":0.5,\"maxOutputTokens\":%lld}",
                     (long long) ask);
        }
        snprintf(b, size, "{\"systemInstruction\":{\"parts\":[{\"text\":\""
                 CLIENT_SYS "\"}]},\"contents\":[{\"role\":\"user\","
                 "\"parts\":[{\"text\":\"hi\"}]}]%s}", cap);
        break;

    default:
        if (ask >= 0) {
            snprintf(cap, sizeof(cap), ",\"max_output_tokens\":%lld",
                     (long long) ask);
        }
        snprintf(b, size, "{%s\"instructions\":\"" CLIENT_SYS "\","
                 "\"input\":\"hi\"%s,\"stream\":%s}", model, cap,
                 stream ? "true" : "false");
        break;
    }
}


static void
policy_ctx(agw_request_ctx_t *o, agw_dialect_t client, int64_t max,
    int refuse, int stream, int64_t *cap)
{
    memset(o, 0, sizeof(*o));
    o->model = agw_str_bytes("up-model", 8);
    o->stream = stream;
    o->client = client;
    o->policy.system_prompt = agw_str_bytes(PROMPT, sizeof(PROMPT) - 1);
    o->policy.max_output = max;
    o->policy.refuse = refuse;
    o->output_cap = cap;
}


/* The text of a content: a string, or its text parts joined. */
static void
add_text(json_t *c, const char **t, size_t *n)
{
    size_t   i;
    json_t  *e;

    if (json_is_string(c)) {
        t[(*n)++] = json_string_value(c);
        return;
    }

    json_array_foreach(c, i, e) {
        if (json_is_string(json_object_get(e, "text"))) {
            t[(*n)++] = json_string_value(json_object_get(e, "text"));
        }
    }
}


/* The system texts of a provider body of dialect d, in their order. */
static size_t
system_texts(json_t *j, agw_dialect_t d, const char **t)
{
    size_t       i, n;
    json_t      *m;
    const char  *role;

    n = 0;

    switch (d) {

    case AGW_DIALECT_OPENAI:
    case AGW_DIALECT_RESPONSES:
        if (json_is_string(json_object_get(j, "instructions"))) {
            add_text(json_object_get(j, "instructions"), t, &n);
        }

        json_array_foreach(json_object_get(j, d == AGW_DIALECT_OPENAI
                                              ? "messages" : "input"), i, m)
        {
            role = json_string_value(json_object_get(m, "role"));
            if (role != NULL && (strcmp(role, "system") == 0
                                 || strcmp(role, "developer") == 0))
            {
                add_text(json_object_get(m, "content"), t, &n);
            }
        }
        break;

    case AGW_DIALECT_ANTHROPIC:
        add_text(json_object_get(j, "system"), t, &n);
        break;

    default:
        add_text(json_object_get(json_object_get(j, "systemInstruction"),
                                 "parts"), t, &n);
        break;
    }

    return n;
}


/* The output cap a provider body of dialect d carries, -1 for none. */
static int64_t
body_cap(json_t *j, agw_dialect_t d)
{
    json_t  *v;

    switch (d) {
    case AGW_DIALECT_OPENAI:
        v = json_object_get(j, "max_completion_tokens");
        if (v == NULL) {
            v = json_object_get(j, "max_tokens");
        }
        break;
    case AGW_DIALECT_ANTHROPIC:
        v = json_object_get(j, "max_tokens");
        break;
    case AGW_DIALECT_GEMINI:
        v = json_object_get(json_object_get(j, "generationConfig"),
                            "maxOutputTokens");
        break;
    default:
        v = json_object_get(j, "max_output_tokens");
        break;
    }

    return json_is_integer(v) ? json_integer_value(v) : -1;
}


static size_t
count_of(const char *s, size_t len, const char *what)
{
    size_t       n, w;
    const char  *p, *end;

    n = 0;
    w = strlen(what);
    end = s + len;

    for (p = s; p + w <= end; p++) {
        if (memcmp(p, what, w) == 0) {
            n++;
        }
    }

    return n;
}


/* One pair, one case: the body written, then what it must hold. */
static void
check_pair(agw_dialect_t c, agw_dialect_t p, int64_t ask, int64_t max,
    int refuse, int stream)
{
    int                rc;
    char               body[1024], name[160];
    size_t             n, i;
    int64_t            cap, want;
    json_t            *j, *v;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_error_t        err;
    const char        *t[16];
    agw_request_ctx_t  o;

    snprintf(name, sizeof(name), "%s -> %s, asks %lld, cap %lld%s%s",
             agw_dialect_name(c), agw_dialect_name(p), (long long) ask,
             (long long) max, refuse ? " refuse" : "",
             stream ? ", stream" : "");

    client_body(body, sizeof(body), c, ask, stream, 0);
    cap = -7;
    policy_ctx(&o, c, max, refuse, stream, &cap);
    memset(&err, 0, sizeof(err));

    rc = agw_engine_request(c, p, body, strlen(body), &o, &out, &err);

    if (refuse && ask > max) {
        ok(rc == -1 && err.cls == AGW_ERR_INVALID_REQUEST
           && agw_error_status(err.cls) == 400
           && strcmp(err.code, AGW_POLICY_REFUSED) == 0
           && strstr(err.message, "at most 1000") != NULL,
           "%s: refused with a 400 naming the cap", name);
        agw_buf_free(&out);
        return;
    }

    if (!ok(rc == 0, "%s: written", name)) {
        tap_diag("%s", err.message);
        agw_buf_free(&out);
        return;
    }

    j = json_loadb(out.data, out.len, 0, NULL);
    if (!ok(j != NULL, "%s: JSON", name)) {
        tap_diag("%.*s", (int) out.len, out.data);
        agw_buf_free(&out);
        return;
    }

    /* the key's prompt first, the client's after it */
    n = system_texts(j, p, t);
    ok(n >= 1 && strncmp(t[0], PROMPT, sizeof(PROMPT) - 1) == 0,
       "%s: the key's prompt first", name);

    for (i = 0; i < n; i++) {
        if (strstr(t[i], CLIENT_SYS) != NULL) {
            break;
        }
    }
    ok(i < n, "%s: the client's system content kept", name);
    ok(count_of(out.data, out.len, "Key \\\"policy\\\"") == 1,
       "%s: the prompt once, escaped", name);

    if (p == AGW_DIALECT_ANTHROPIC) {
        is_int(count_of(out.data, out.len, "cache_control"),
               c == AGW_DIALECT_ANTHROPIC ? 1 : 0,
               "the client's cache_control marks, none added");
        v = json_array_get(json_object_get(j, "system"), 0);
        ok(json_object_get(v, "cache_control") == NULL,
           "%s: no breakpoint on the key's prompt", name);
    }

    /* the cap */
    want = (ask < 0 || ask > max) ? max : ask;
    is_int(body_cap(j, p), want, "the provider's output cap");
    is_int(cap, want, "the cap reported");

    /* the model and the stream, as the caller said */
    if (p != AGW_DIALECT_GEMINI) {
        ok(json_is_string(json_object_get(j, "model"))
           && strcmp(json_string_value(json_object_get(j, "model")),
                     "up-model") == 0, "%s: the upstream model", name);
        ok(json_is_true(json_object_get(j, "stream")) == !!stream,
           "%s: the stream flag", name);
    }

    json_decref(j);
    agw_buf_free(&out);
}


/* Without a policy, the bytes are what they were before it existed. */
static void
check_no_policy(agw_dialect_t c, agw_dialect_t p)
{
    int                rc1, rc2;
    char               body[1024];
    int64_t            cap;
    agw_buf_t          a = AGW_BUF_INIT, b = AGW_BUF_INIT;
    agw_error_t        err;
    agw_request_ctx_t  o;

    client_body(body, sizeof(body), c, 500, 0, 0);
    policy_ctx(&o, c, 0, 0, 0, NULL);
    o.policy.system_prompt.data = NULL;

    rc1 = agw_engine_request(c, p, body, strlen(body), &o, &a, &err);

    cap = -7;
    o.output_cap = &cap;
    rc2 = agw_engine_request(c, p, body, strlen(body), &o, &b, &err);

    ok(rc1 == 0 && rc2 == 0 && a.len == b.len
       && memcmp(a.data, b.data, a.len) == 0
       && count_of(a.data, a.len, "Key") == 0,
       "%s -> %s: no policy, nothing changed", agw_dialect_name(c),
       agw_dialect_name(p));

    /* a translation reads the cap anyway; a rewrite does not look */
    is_int(cap, c == p ? 0 : 500, "no policy: the cap reported");

    agw_buf_free(&a);
    agw_buf_free(&b);
}


/* A body without a model gets the one the caller names (the key's
 * default model, routed by the module). */
static void
check_default_model(agw_dialect_t c, agw_dialect_t p)
{
    char               body[1024];
    json_t            *j;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_error_t        err;
    agw_request_ctx_t  o;

    client_body(body, sizeof(body), c, 100, 0, 1);
    policy_ctx(&o, c, 1000, 0, 0, NULL);

    ok(agw_engine_request(c, p, body, strlen(body), &o, &out, &err) == 0
       && (j = json_loadb(out.data, out.len, 0, NULL)) != NULL
       && json_is_string(json_object_get(j, "model"))
       && strcmp(json_string_value(json_object_get(j, "model")),
                 "up-model") == 0
       && (json_decref(j), 1),
       "%s -> %s: a body without a model gets the route's",
       agw_dialect_name(c), agw_dialect_name(p));

    agw_buf_free(&out);
}


/* One rewrite of body under a policy: the output, or NULL with err. */
static json_t *
rewrite(agw_dialect_t d, const char *body, int64_t max, int refuse,
    int64_t *cap, agw_buf_t *out, agw_error_t *err)
{
    agw_request_ctx_t  o;

    policy_ctx(&o, d, max, refuse, 0, cap);
    agw_buf_reset(out);

    if (agw_engine_request(d, d, body, strlen(body), &o, out, err) != 0) {
        return NULL;
    }

    return json_loadb(out->data, out->len, 0, NULL);
}


static const char *
jstr(json_t *j, const char *path)
{
    char    key[64];
    size_t  len;
    const char  *dot;

    while ((dot = strchr(path, '.')) != NULL) {
        len = (size_t) (dot - path);
        memcpy(key, path, len);
        key[len] = '\0';
        j = (key[0] >= '0' && key[0] <= '9')
            ? json_array_get(j, (size_t) atoi(key)) : json_object_get(j, key);
        path = dot + 1;
    }

    j = (path[0] >= '0' && path[0] <= '9')
        ? json_array_get(j, (size_t) atoi(path)) : json_object_get(j, path);

    return json_is_string(j) ? json_string_value(j) : NULL;
}


static int64_t
jint(json_t *j, const char *k1, const char *k2)
{
    json_t  *v;

    v = json_object_get(j, k1);
    if (k2 != NULL) {
        v = json_object_get(v, k2);
    }

    return json_is_integer(v) ? json_integer_value(v) : -1;
}


/* The shapes each dialect's rewrite meets beyond the common case. */
static void
check_shapes(void)
{
    json_t       *j;
    int64_t       cap;
    agw_buf_t     out = AGW_BUF_INIT;
    agw_error_t   err;
    const char   *s;

    /* OpenAI: a developer first keeps developer; both fields clamped;
     * n multiplies the report; an empty messages array */
    j = rewrite(AGW_DIALECT_OPENAI, "{\"model\":\"x\",\"messages\":[{\"role\":"
                "\"developer\",\"content\":\"D\"}],\"max_tokens\":5000,"
                "\"max_completion_tokens\":3000,\"n\":3}", 1000, 0, &cap,
                &out, &err);
    is_str(jstr(j, "messages.0.role"), "developer",
           "openai: developer speaks to a developer client's model");
    is_str(jstr(j, "messages.0.content"), PROMPT, "openai: prompt first");
    is_str(jstr(j, "messages.1.content"), "D", "openai: client's kept");
    ok(jint(j, "max_tokens", NULL) == 1000
       && jint(j, "max_completion_tokens", NULL) == 1000,
       "openai: both caps clamped");
    is_int(cap, 3000, "openai: the report counts n candidates");
    json_decref(j);

    j = rewrite(AGW_DIALECT_OPENAI, "{\"model\":\"x\",\"messages\":[]}",
                1000, 0, &cap, &out, &err);
    ok(json_array_size(json_object_get(j, "messages")) == 1
       && jint(j, "max_completion_tokens", NULL) == 1000
       && json_object_get(j, "max_tokens") == NULL,
       "openai: empty messages; absent cap is max_completion_tokens");
    json_decref(j);

    j = rewrite(AGW_DIALECT_OPENAI, "{\"model\":\"x\",\"prompt\":\"p\"}",
                1000, 0, &cap, &out, &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST,
       "openai: a legacy completion refused when the key has a prompt");

    j = rewrite(AGW_DIALECT_OPENAI, "{\"messages\":[],\"max_tokens\":null}",
                1000, 1, &cap, &out, &err);
    ok(jint(j, "max_tokens", NULL) == 1000, "openai: a null cap set");
    json_decref(j);

    j = rewrite(AGW_DIALECT_OPENAI, "{\"messages\":[],\"max_tokens\":2.5}",
                1000, 0, &cap, &out, &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST
       && strstr(err.message, "max_tokens") != NULL,
       "openai: a cap that is no integer refused");

    j = rewrite(AGW_DIALECT_OPENAI, "{\"messages\":[", 1000, 0, &cap, &out,
                &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST,
       "openai: bad JSON refused by the rewrite");

    /* a member the policy edits, twice: a provider keeping the first
     * would read what the policy never saw */
    j = rewrite(AGW_DIALECT_OPENAI, "{\"messages\":[],\"max_tokens\":5000,"
                "\"max_tokens\":10}", 1000, 0, &cap, &out, &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST
       && strstr(err.message, "max_tokens: given more than once") != NULL,
       "openai: a capped field given twice refused");

    j = rewrite(AGW_DIALECT_ANTHROPIC, "{\"system\":\"A\",\"messages\":[],"
                "\"syst\\u0065m\":\"B\"}", 0, 0, &cap, &out, &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST,
       "anthropic: system twice (once escaped) refused");

    j = rewrite(AGW_DIALECT_GEMINI, "{\"contents\":[],\"systemInstruction\":"
                "{\"parts\":[]},\"system_instruction\":{\"parts\":[]}}", 0,
                0, &cap, &out, &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST,
       "gemini: both spellings of systemInstruction refused");

    j = rewrite(AGW_DIALECT_RESPONSES, "{\"input\":\"x\",\"max_output_tokens\":"
                "1,\"max_output_tokens\":2}", 1000, 0, &cap, &out, &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST,
       "responses: max_output_tokens twice refused");

    /* Anthropic: a string system becomes two blocks; an empty one, the
     * key's; a thinking budget shrinks under the clamped max_tokens */
    j = rewrite(AGW_DIALECT_ANTHROPIC, "{\"system\":\"S\",\"messages\":[],"
                "\"max_tokens\":9000,\"thinking\":{\"type\":\"enabled\","
                "\"budget_tokens\":8000}}", 4000, 0, &cap, &out, &err);
    is_str(jstr(j, "system.0.text"), PROMPT, "anthropic: prompt block first");
    is_str(jstr(j, "system.1.text"), "S", "anthropic: client's string kept");
    ok(jint(j, "max_tokens", NULL) == 4000
       && jint(j, "thinking", "budget_tokens") == 3999,
       "anthropic: budget shrinks under the cap");
    json_decref(j);

    j = rewrite(AGW_DIALECT_ANTHROPIC, "{\"system\":\"\",\"messages\":[],"
                "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000}}",
                1000, 0, &cap, &out, &err);
    is_str(jstr(j, "system"), PROMPT, "anthropic: an empty system replaced");
    is_str(jstr(j, "thinking.type"), "disabled",
           "anthropic: thinking off when no budget fits");
    json_decref(j);

    j = rewrite(AGW_DIALECT_ANTHROPIC, "{}", 0, 0, &cap, &out, &err);
    ok(j != NULL && json_object_size(j) == 2
       && strcmp(jstr(j, "system"), PROMPT) == 0
       && json_object_get(j, "max_tokens") == NULL,
       "anthropic: an empty body; no cap, no max_tokens (count_tokens)");
    is_int(cap, 0, "anthropic: nothing to report");
    json_decref(j);

    j = rewrite(AGW_DIALECT_ANTHROPIC, "{\"system\":5}", 0, 0, &cap, &out,
                &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST,
       "anthropic: a system of another type refused");

    /* Gemini: snake_case kept, parts added, generationConfig made */
    j = rewrite(AGW_DIALECT_GEMINI, "{\"system_instruction\":{\"role\":"
                "\"user\"},\"contents\":[],\"generation_config\":{"
                "\"max_output_tokens\":5000,\"candidate_count\":2}}", 1000, 0,
                &cap, &out, &err);
    is_str(jstr(j, "system_instruction.parts.0.text"), PROMPT,
           "gemini: parts added to the client's spelling");
    ok(json_object_get(j, "systemInstruction") == NULL
       && jint(j, "generation_config", "max_output_tokens") == 1000,
       "gemini: snake_case cap clamped in place");
    is_int(cap, 2000, "gemini: the report counts candidates");
    json_decref(j);

    j = rewrite(AGW_DIALECT_GEMINI, "{\"contents\":[],\"generationConfig\":"
                "{\"maxOutputTokens\":\"5000\",\"candidateCount\":\"3\"}}",
                1000, 0, &cap, &out, &err);
    ok(jint(j, "generationConfig", "maxOutputTokens") == 1000 && cap == 3000,
       "gemini: integers written as strings read; the cap clamped");
    json_decref(j);

    j = rewrite(AGW_DIALECT_GEMINI, "{\"contents\":[],\"generationConfig\":"
                "{\"maxOutputTokens\":\"5e3\"}}", 1000, 0, &cap, &out, &err);
    ok(j == NULL && err.cls == AGW_ERR_INVALID_REQUEST,
       "gemini: a string that is no integer refused");

    j = rewrite(AGW_DIALECT_GEMINI, "{\"contents\":[],\"model\":\"m\"}", 1000,
                0, &cap, &out, &err);
    ok(jint(j, "generationConfig", "maxOutputTokens") == 1000
       && strcmp(jstr(j, "systemInstruction.parts.0.text"), PROMPT) == 0
       && json_object_get(j, "model") == NULL,
       "gemini: systemInstruction and generationConfig made; model dropped");
    json_decref(j);

    /* Responses: instructions prefixed; null replaced */
    j = rewrite(AGW_DIALECT_RESPONSES, "{\"instructions\":null,\"input\":"
                "\"hi\"}", 0, 0, &cap, &out, &err);
    is_str(jstr(j, "instructions"), PROMPT, "responses: null instructions");
    json_decref(j);

    j = rewrite(AGW_DIALECT_RESPONSES, "{\"instructions\":\"C\\u00e9\","
                "\"input\":\"hi\",\"max_output_tokens\":10}", 1000, 1, &cap,
                &out, &err);
    s = jstr(j, "instructions");
    ok(s != NULL && strcmp(s, PROMPT "\n\nC\xc3\xa9") == 0,
       "responses: the key's prompt, a blank line, the client's");
    is_int(jint(j, "max_output_tokens", NULL), 10,
           "responses: a smaller cap kept in refuse mode");
    json_decref(j);

    agw_buf_free(&out);
}


/* A translation to Anthropic: the cap holds what thinking adds. */
static void
check_thinking_translated(void)
{
    json_t             *j = NULL;
    int64_t             cap;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_error_t         err;
    agw_request_ctx_t   o;
    static const char   body[] = "{\"model\":\"m\",\"messages\":[{\"role\":"
        "\"user\",\"content\":\"hi\"}],\"reasoning_effort\":\"high\","
        "\"max_completion_tokens\":500}";

    policy_ctx(&o, AGW_DIALECT_OPENAI, 4000, 0, 0, &cap);

    ok(agw_engine_request(AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC, body,
                          sizeof(body) - 1, &o, &out, &err) == 0
       && (j = json_loadb(out.data, out.len, 0, NULL)) != NULL,
       "openai -> anthropic with thinking");
    ok(jint(j, "max_tokens", NULL) == 4000
       && jint(j, "thinking", "budget_tokens") == 3999 && cap == 4000,
       "the budget added to max_tokens is held under the cap");
    json_decref(j);

    o.policy.max_output = 1000;
    agw_buf_reset(&out);
    ok(agw_engine_request(AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC, body,
                          sizeof(body) - 1, &o, &out, &err) == 0
       && (j = json_loadb(out.data, out.len, 0, NULL)) != NULL
       && jint(j, "max_tokens", NULL) == 500
       && json_object_get(j, "thinking") == NULL,
       "no budget fits under a cap of 1000: thinking off");
    json_decref(j);

    agw_buf_free(&out);
}


int
main(void)
{
    size_t  i, k;

    for (i = 0; i < 4; i++) {
        for (k = 0; k < 4; k++) {
            check_pair(dialects[i], dialects[k], 5000, 1000, 0, 0);
            check_pair(dialects[i], dialects[k], 500, 1000, 0, 1);
            check_pair(dialects[i], dialects[k], -1, 1000, 0, 0);
            check_pair(dialects[i], dialects[k], 5000, 1000, 1, 0);
            check_pair(dialects[i], dialects[k], 500, 1000, 1, 1);
            check_no_policy(dialects[i], dialects[k]);

            if (dialects[i] != AGW_DIALECT_GEMINI
                && dialects[k] != AGW_DIALECT_GEMINI)
            {
                check_default_model(dialects[i], dialects[k]);
            }
        }
    }

    check_shapes();
    check_thinking_translated();

    return done_testing();
}
