/*
 * The Gemini dialect: its operations table and what its request, response
 * and stream files share (field lookup, finish reasons, usage, errors).
 * The mapping is written down in docs/translation-gemini.md.
 */

#include <stdio.h>
#include <string.h>

#include "agw_gemini_int.h"


const agw_dialect_ops_t  agw_gemini_ops = {
    agw_gm_request_to_hub,
    agw_gm_request_from_hub,
    agw_gm_request_passthrough,
    agw_gm_response_to_hub,
    agw_gm_response_from_hub,
    agw_gm_response_passthrough,
    agw_gm_stream_decode,
    agw_gm_stream_encode,
    agw_gm_stream_end,
    agw_gm_stream_error,
    agw_gm_stream_passthrough,
    agw_gm_error_body,
    agw_gm_error_parse,
    agw_gm_stream_encode_text
};


json_t *
agw_gm_get(const json_t *obj, const char *camel, const char *snake)
{
    json_t  *v;

    v = json_object_get(obj, camel);
    if (v == NULL && snake != NULL) {
        v = json_object_get(obj, snake);
    }

    return v;
}


const char *
agw_gm_str(const json_t *obj, const char *camel, const char *snake)
{
    return json_string_value(agw_gm_get(obj, camel, snake));
}


void
agw_gm_nomem(agw_error_t *err)
{
    agw_error_set(err, AGW_ERR_SERVER, 0, "no_memory", "out of memory");
}


/*
 * Gemini says STOP for a turn that ends in function calls; OpenAI clients
 * expect "tool_calls" there.  Every block reason (SAFETY, RECITATION,
 * BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_*) is a content filter; the
 * rest (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, ...) have no OpenAI name
 * and end the turn as "stop".
 */
const char *
agw_gm_finish_to_hub(const char *reason, int tools)
{
    size_t  i;

    static const char *const  filtered[] = {
        "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
        "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"
    };

    if (reason == NULL) {
        return NULL;
    }

    if (strcmp(reason, "MAX_TOKENS") == 0) {
        return "length";
    }

    for (i = 0; i < sizeof(filtered) / sizeof(filtered[0]); i++) {
        if (strcmp(reason, filtered[i]) == 0) {
            return "content_filter";
        }
    }

    return tools ? "tool_calls" : "stop";
}


const char *
agw_gm_finish_from_hub(const char *finish_reason)
{
    if (finish_reason == NULL) {
        return NULL;
    }

    if (strcmp(finish_reason, "length") == 0) {
        return "MAX_TOKENS";
    }

    if (strcmp(finish_reason, "content_filter") == 0) {
        return "SAFETY";
    }

    /* stop, tool_calls, function_call and anything newer */
    return "STOP";
}


static int64_t
agw_gm_count(const json_t *obj, const char *key)
{
    json_t  *v;

    v = json_object_get(obj, key);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        return json_integer_value(v);
    }

    return -1;
}


/*
 * promptTokenCount already includes cachedContentTokenCount, as OpenAI's
 * prompt_tokens includes cached_tokens; toolUsePromptTokenCount (the
 * results of Google's own tools, billed as input) is added to input.
 * Output is candidates + thoughts, reasoning the thoughts.  Gemini has no
 * cache write on a request (explicit caches are created and billed apart),
 * so cache_write is 0 whenever a prompt count came.
 */
void
agw_gm_usage_read(const json_t *meta, agw_usage_t *u)
{
    int64_t      prompt, tool, cand, thoughts, cached;
    agw_usage_t  n;

    if (!json_is_object(meta)) {
        return;
    }

    agw_usage_init(&n);

    prompt = agw_gm_count(meta, "promptTokenCount");
    tool = agw_gm_count(meta, "toolUsePromptTokenCount");
    cand = agw_gm_count(meta, "candidatesTokenCount");
    thoughts = agw_gm_count(meta, "thoughtsTokenCount");
    cached = agw_gm_count(meta, "cachedContentTokenCount");

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


json_t *
agw_gm_usage_json(const agw_usage_t *u)
{
    int64_t   input, output, reasoning, cached;
    json_t   *meta;
    int       rc;

    input = u->input > 0 ? u->input : 0;
    output = u->output > 0 ? u->output : 0;
    reasoning = u->reasoning > 0 ? u->reasoning : 0;
    cached = u->cache_read > 0 ? u->cache_read : 0;

    if (reasoning > output) {
        reasoning = output;
    }

    meta = json_object();
    if (meta == NULL) {
        return NULL;
    }

    rc = json_object_set_new(meta, "promptTokenCount", json_integer(input));
    rc |= json_object_set_new(meta, "candidatesTokenCount",
                              json_integer(output - reasoning));
    rc |= json_object_set_new(meta, "totalTokenCount",
                              json_integer(agw_usage_sum(input, output)));
    if (cached > 0) {
        rc |= json_object_set_new(meta, "cachedContentTokenCount",
                                  json_integer(cached));
    }
    if (reasoning > 0) {
        rc |= json_object_set_new(meta, "thoughtsTokenCount",
                                  json_integer(reasoning));
    }

    if (rc != 0) {
        json_decref(meta);
        return NULL;
    }

    return meta;
}


void
agw_gm_call_id(char *buf, size_t size, const char *rid, size_t a, size_t b)
{
    size_t  i;
    int     n;

    if (rid != NULL && rid[0] != '\0') {
        n = snprintf(buf, size, "call_%.60s_%zu", rid, b);
    } else {
        n = snprintf(buf, size, "call_%zu_%zu", a, b);
    }

    if (n < 0) {
        buf[0] = '\0';
        return;
    }

    for (i = 0; buf[i] != '\0'; i++) {
        char c = buf[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-'))
        {
            buf[i] = '_';
        }
    }
}


/* Errors */

const char *
agw_gm_status_name(agw_err_class_t cls)
{
    switch (cls) {
    case AGW_ERR_INVALID_REQUEST: return "INVALID_ARGUMENT";
    case AGW_ERR_AUTHENTICATION:  return "UNAUTHENTICATED";
    case AGW_ERR_PERMISSION:      return "PERMISSION_DENIED";
    case AGW_ERR_NOT_FOUND:       return "NOT_FOUND";
    case AGW_ERR_TOO_LARGE:       return "INVALID_ARGUMENT";
    case AGW_ERR_RATE_LIMIT:      return "RESOURCE_EXHAUSTED";
    case AGW_ERR_SERVER:          return "INTERNAL";
    case AGW_ERR_BAD_GATEWAY:     return "UNAVAILABLE";
    case AGW_ERR_OVERLOADED:      return "UNAVAILABLE";
    case AGW_ERR_TIMEOUT:         return "DEADLINE_EXCEEDED";
    case AGW_ERR_CLIENT_CLOSED:   return "CANCELLED";
    case AGW_ERR_NONE:            break;
    }

    return "UNKNOWN";
}


json_t *
agw_gm_error_json(const agw_error_t *err)
{
    int  status;

    status = err->status ? err->status : agw_error_status(err->cls);

    return json_pack("{s:{s:i, s:s, s:s}}", "error",
                     "code", status,
                     "message", err->message,
                     "status", agw_gm_status_name(err->cls));
}


int
agw_gm_error_body(const agw_error_t *err, agw_buf_t *out)
{
    int      rc;
    json_t  *j;

    j = agw_gm_error_json(err);
    if (j == NULL) {
        return -1;
    }

    rc = agw_json_append(out, j);
    json_decref(j);

    return rc;
}


/*
 * Google's envelope is the generic one: the machine code is
 * details[].reason (API_KEY_INVALID on a 400, which the generic parser
 * turns into an authentication error) or else the status name.
 */
void
agw_gm_error_parse(const char *body, size_t len, agw_error_t *err)
{
    agw_error_parse_generic(body, len, err);
}
