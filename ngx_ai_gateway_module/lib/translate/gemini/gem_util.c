/*
 * What the Gemini codec's readers and writers share: errors, finish
 * reasons, usageMetadata, call ids.  The mapping is written down in
 * docs/translation-gemini.md.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "agw_json_scan.h"
#include "gem_int.h"


static int
agw_gem_verror(agw_error_t *err, agw_err_class_t cls, const char *code,
    const char *fmt, va_list ap)
{
    memset(err, 0, sizeof(*err));
    err->cls = cls;
    err->status = agw_error_status(cls);
    snprintf(err->code, sizeof(err->code), "%s", code);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);

    return -1;
}


int
agw_gem_invalid(agw_error_t *err, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    agw_gem_verror(err, AGW_ERR_INVALID_REQUEST, "invalid_request", fmt, ap);
    va_end(ap);

    return -1;
}


int
agw_gem_bad_upstream(agw_error_t *err, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    agw_gem_verror(err, AGW_ERR_BAD_GATEWAY, "invalid_upstream_body", fmt,
                   ap);
    va_end(ap);

    return -1;
}


/*
 * Gemini says STOP for a turn that ends in function calls; the form says
 * TOOL_CALLS there.  Every block reason (SAFETY, RECITATION, BLOCKLIST,
 * PROHIBITED_CONTENT, SPII, IMAGE_*) is a content filter; the rest (OTHER,
 * LANGUAGE, MALFORMED_FUNCTION_CALL, ...) have no name elsewhere and end
 * the turn as a stop.
 */
agw_finish_t
agw_gem_finish_read(const agw_str_t *reason, int calls)
{
    size_t  i;

    static const struct {
        const char  *name;
        size_t       len;
    } filtered[] = {
#define agw_gem_name(s)  { s, sizeof(s) - 1 }
        agw_gem_name("SAFETY"), agw_gem_name("RECITATION"),
        agw_gem_name("BLOCKLIST"), agw_gem_name("PROHIBITED_CONTENT"),
        agw_gem_name("SPII"), agw_gem_name("IMAGE_SAFETY"),
        agw_gem_name("IMAGE_PROHIBITED_CONTENT"),
        agw_gem_name("IMAGE_RECITATION")
#undef agw_gem_name
    };

    if (agw_gem_is(reason, "MAX_TOKENS")) {
        return AGW_FINISH_LENGTH;
    }

    for (i = 0; i < sizeof(filtered) / sizeof(filtered[0]); i++) {
        if (agw_str_eq(reason, filtered[i].name, filtered[i].len)) {
            return AGW_FINISH_CONTENT_FILTER;
        }
    }

    return calls ? AGW_FINISH_TOOL_CALLS : AGW_FINISH_STOP;
}


const char *
agw_gem_finish_name(agw_finish_t finish)
{
    switch (finish) {
    case AGW_FINISH_LENGTH:
        return "MAX_TOKENS";
    case AGW_FINISH_CONTENT_FILTER:
        return "SAFETY";
    default:
        /* stop, a stop sequence, tool calls, a pause, anything newer */
        return "STOP";
    }
}


int
agw_gem_usage_key(const agw_str_t *key)
{
    if (agw_gem_key(key, "promptTokenCount", "prompt_token_count")) {
        return AGW_GEM_U_PROMPT;
    }

    if (agw_gem_key(key, "candidatesTokenCount", "candidates_token_count")) {
        return AGW_GEM_U_CANDIDATES;
    }

    if (agw_gem_key(key, "thoughtsTokenCount", "thoughts_token_count")) {
        return AGW_GEM_U_THOUGHTS;
    }

    if (agw_gem_key(key, "cachedContentTokenCount",
                    "cached_content_token_count"))
    {
        return AGW_GEM_U_CACHED;
    }

    if (agw_gem_key(key, "toolUsePromptTokenCount",
                    "tool_use_prompt_token_count"))
    {
        return AGW_GEM_U_TOOL;
    }

    return -1;
}


/*
 * promptTokenCount already includes cachedContentTokenCount, as the rule's
 * input includes cache reads; toolUsePromptTokenCount (the results of
 * Google's own tools, billed as input) is added to it.  Output is
 * candidates + thoughts, reasoning the thoughts.  Gemini has no cache
 * write on a request (explicit caches are created and billed apart), so
 * cache_write is 0 whenever a prompt count came.
 */
void
agw_gem_usage_set(agw_usage_t *u, const int64_t *c)
{
    int64_t      prompt, tool, cand, thoughts, cached;
    agw_usage_t  n;

    prompt = c[AGW_GEM_U_PROMPT];
    tool = c[AGW_GEM_U_TOOL];
    cand = c[AGW_GEM_U_CANDIDATES];
    thoughts = c[AGW_GEM_U_THOUGHTS];
    cached = c[AGW_GEM_U_CACHED];

    agw_usage_init(&n);

    if (prompt >= 0 || tool >= 0) {
        n.input = agw_usage_sum(prompt > 0 ? prompt : 0,
                                tool > 0 ? tool : 0);
        n.cache_read = cached > 0 ? cached : 0;
        n.cache_write = 0;

    } else if (cached >= 0) {
        n.cache_read = cached;
    }

    if (cand >= 0 || thoughts >= 0) {
        n.output = agw_usage_sum(cand > 0 ? cand : 0,
                                 thoughts > 0 ? thoughts : 0);
        n.reasoning = thoughts > 0 ? thoughts : 0;
    }

    agw_usage_merge(u, &n);
}


int
agw_gem_usage_read(agw_jr_t *r, agw_usage_t *u)
{
    int        rc, k;
    int64_t    v, c[AGW_GEM_U_N];
    agw_str_t  key;

    rc = agw_jr_object(r);
    if (rc == AGW_JR_TYPE) {
        return agw_jr_value(r, NULL);
    }
    if (rc != 0) {
        return -1;
    }

    for (k = 0; k < AGW_GEM_U_N; k++) {
        c[k] = -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        k = agw_gem_usage_key(&key);

        if (k >= 0 && agw_jr_int(r, &v) == 0) {
            c[k] = v >= 0 ? v : -1;
            continue;
        }

        if (agw_jr_value(r, NULL) != 0) {
            return -1;
        }
    }

    if (rc < 0) {
        return -1;
    }

    agw_gem_usage_set(u, c);

    return 0;
}


void
agw_gem_usage_write(agw_jw_t *w, const agw_usage_t *u)
{
    int64_t  input, output, reasoning, cached;

    input = u->input > 0 ? u->input : 0;
    output = u->output > 0 ? u->output : 0;
    reasoning = u->reasoning > 0 ? u->reasoning : 0;
    cached = u->cache_read > 0 ? u->cache_read : 0;

    if (reasoning > output) {
        reasoning = output;
    }

    agw_jw_object(w);
    agw_jw_key(w, "promptTokenCount");
    agw_jw_int(w, input);
    agw_jw_key(w, "candidatesTokenCount");
    agw_jw_int(w, output - reasoning);
    agw_jw_key(w, "totalTokenCount");
    agw_jw_int(w, agw_usage_sum(input, output));
    if (cached > 0) {
        agw_jw_key(w, "cachedContentTokenCount");
        agw_jw_int(w, cached);
    }
    if (reasoning > 0) {
        agw_jw_key(w, "thoughtsTokenCount");
        agw_jw_int(w, reasoning);
    }
    agw_jw_object_end(w);
}


agw_str_t
agw_gem_call_id(agw_arena_t *a, const agw_str_t *rid, size_t ai, size_t b)
{
    int        n;
    char      *buf, *p, ridbuf[64];
    size_t     i;
    agw_str_t  id = AGW_STR_NULL;

    /* "call_" 60 characters of the id "_" and 20 digits at most */
    buf = agw_arena_alloc(a, 128);
    if (buf == NULL) {
        return id;
    }

    n = -1;
    if (rid != NULL && rid->len > 0) {
        n = agw_str_decode(rid, ridbuf, sizeof(ridbuf));
    }

    memcpy(buf, "call_", 5);
    p = buf + 5;

    if (n > 0) {
        n = n > 60 ? 60 : n;
        memcpy(p, ridbuf, (size_t) n);
        p += n;
    } else {
        p = agw_str_decimal(p, ai);
    }

    *p++ = '_';
    p = agw_str_decimal(p, b);

    for (i = 5; i < (size_t) (p - buf); i++) {
        char c = buf[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-'))
        {
            buf[i] = '_';
        }
    }

    return agw_str_bytes(buf, (size_t) (p - buf));
}


#define agw_gem_space(c)  ((c) == ' ' || (c) == '\n' || (c) == '\r'        \
                           || (c) == '\t')


/*
 * Past the string opening at p: the value was validated (by the reader
 * or the module's walk), so only its quotes and backslashes are looked
 * at, 16 bytes at a time (agw_json_string_skip()); end when it is cut.
 */
static const char *
agw_gem_skip_string(const char *p, const char *end)
{
    int          escaped;
    const char  *q;

    q = agw_json_string_skip(p, end, &escaped);

    return q != NULL ? q : end;
}


agw_str_t
agw_gem_compact(agw_arena_t *a, const agw_str_t *value)
{
    char        *dst, *d;
    const char  *p, *q, *s, *end;
    agw_str_t    out;

    p = value->data;
    end = p + value->len;

    for (q = p; q < end; /* void */ ) {
        if (*q == '"') {
            q = agw_gem_skip_string(q, end);
        } else if (agw_gem_space(*q)) {
            break;
        } else {
            q++;
        }
    }

    if (q >= end) {
        return *value;              /* compact already: the usual case */
    }

    out.data = NULL;
    out.len = 0;
    out.kind = AGW_STR_VALUE;
    out.escaped = 0;

    dst = agw_arena_alloc(a, value->len);
    if (dst == NULL) {
        return out;
    }

    memcpy(dst, p, (size_t) (q - p));
    d = dst + (q - p);

    while (q < end) {
        if (*q == '"') {
            s = q;
            q = agw_gem_skip_string(q, end);
            memcpy(d, s, (size_t) (q - s));
            d += q - s;
        } else if (agw_gem_space(*q)) {
            q++;
        } else {
            *d++ = *q++;
        }
    }

    out.data = dst;
    out.len = (uint32_t) (d - dst);

    return out;
}

int
agw_gem_is_object(const agw_str_t *text)
{
    size_t  i;

    for (i = 0; i < text->len; i++) {
        if (text->data[i] != ' ' && text->data[i] != '\n'
            && text->data[i] != '\t' && text->data[i] != '\r')
        {
            break;
        }
    }

    if (i == text->len) {
        return -1;
    }

    return text->data[i] == '{'
           && agw_json_valid(text->data, text->len, NULL) == 0;
}


int
agw_gem_may_be_object(const agw_str_t *s)
{
    const char  *p, *end;

    p = s->data;
    end = p + s->len;

    while (p < end) {
        switch (*p) {

        case ' ': case '\n': case '\t': case '\r':
            p++;
            continue;

        case '\\':
            if (s->kind != AGW_STR_JSON) {
                return 0;
            }
            if (end - p < 2 || p[1] == 'u') {
                return 1;           /* \u007b is a '{': decode it to see */
            }
            if (p[1] == 'n' || p[1] == 't' || p[1] == 'r') {
                p += 2;
                continue;
            }
            return 0;

        default:
            return *p == '{';
        }
    }

    return 0;
}


int
agw_gem_args_text(const agw_str_t *args, int is_string, char *dst,
    agw_str_t *out)
{
    size_t  n;
    int     rc;

    if (!agw_str_set(args)) {
        goto empty;
    }

    if (args->kind == AGW_STR_VALUE && !is_string) {
        *out = *args;
    } else {
        n = args->len ? agw_str_unescape(args, dst) : 0;
        *out = agw_str_bytes(dst, n);
        out->kind = AGW_STR_VALUE;
    }

    rc = agw_gem_is_object(out);
    if (rc != -1) {
        return rc;
    }

empty:

    /* a function without parameters: OpenAI models send "" */
    *out = (agw_str_t) agw_str_lit("{}");
    out->kind = AGW_STR_VALUE;

    return 1;
}
