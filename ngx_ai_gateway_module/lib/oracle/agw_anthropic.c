/*
 * The Anthropic Messages dialect: the ops table, and what its request,
 * response and stream files share: stop reasons, usage, error shapes.
 * The mapping is documented in docs/translation-anthropic.md.
 */

#include <stdio.h>
#include <string.h>

#include "agw_anthropic_int.h"


const agw_dialect_ops_t  agw_anthropic_ops = {
    agw_ant_request_to_hub,
    agw_ant_request_from_hub,
    agw_ant_request_passthrough,
    agw_ant_response_to_hub,
    agw_ant_response_from_hub,
    agw_ant_response_passthrough,
    agw_ant_stream_decode,
    agw_ant_stream_encode,
    agw_ant_stream_end,
    agw_ant_stream_error,
    agw_ant_stream_passthrough,
    agw_ant_error_body,
    agw_ant_error_parse,
    agw_ant_stream_encode_text
};


/* stop_reason -> finish_reason; pause_turn (a server tool loop paused) and
 * anything newer end the turn as far as an OpenAI client can tell. */
static const struct {
    const char  *anthropic;
    const char  *hub;
} agw_ant_stops[] = {
    { "end_turn",                       "stop" },
    { "stop_sequence",                  "stop" },
    { "max_tokens",                     "length" },
    { "model_context_window_exceeded",  "length" },
    { "tool_use",                       "tool_calls" },
    { "refusal",                        "content_filter" },
    { "pause_turn",                     "stop" },
};


/* Anthropic's error types (https://docs.claude.com/en/api/errors). */
static const struct {
    agw_err_class_t   cls;
    const char       *type;
} agw_ant_errors[] = {
    { AGW_ERR_INVALID_REQUEST,  "invalid_request_error" },
    { AGW_ERR_AUTHENTICATION,   "authentication_error" },
    { AGW_ERR_PERMISSION,       "permission_error" },
    { AGW_ERR_NOT_FOUND,        "not_found_error" },
    { AGW_ERR_TOO_LARGE,        "request_too_large" },
    { AGW_ERR_RATE_LIMIT,       "rate_limit_error" },
    { AGW_ERR_SERVER,           "api_error" },
    { AGW_ERR_OVERLOADED,       "overloaded_error" },
};


const char *
agw_ant_str(const json_t *obj, const char *key)
{
    json_t  *v;

    v = json_object_get(obj, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}


const char *
agw_ant_stop_to_hub(const char *stop_reason)
{
    size_t  i;

    if (stop_reason == NULL) {
        return "stop";
    }

    for (i = 0; i < sizeof(agw_ant_stops) / sizeof(agw_ant_stops[0]); i++) {
        if (strcmp(stop_reason, agw_ant_stops[i].anthropic) == 0) {
            return agw_ant_stops[i].hub;
        }
    }

    return "stop";
}


/* finish_reason -> stop_reason.  OpenAI does not say which stop sequence
 * matched, so "stop" is always end_turn. */
const char *
agw_ant_stop_from_hub(const char *finish_reason)
{
    if (finish_reason == NULL) {
        return "end_turn";
    }

    if (strcmp(finish_reason, "length") == 0) {
        return "max_tokens";
    }

    if (strcmp(finish_reason, "tool_calls") == 0
        || strcmp(finish_reason, "function_call") == 0)
    {
        return "tool_use";
    }

    if (strcmp(finish_reason, "content_filter") == 0) {
        return "refusal";
    }

    return "end_turn";
}


static int
agw_ant_int(const json_t *obj, const char *key, int64_t *v)
{
    json_t  *j;

    j = json_object_get(obj, key);
    if (!json_is_integer(j) || json_integer_value(j) < 0) {
        return 0;
    }

    *v = json_integer_value(j);

    return 1;
}


void
agw_ant_usage_fold(agw_anthropic_decoder_t *d, const json_t *usage)
{
    if (!json_is_object(usage)) {
        return;
    }

    if (agw_ant_int(usage, "input_tokens", &d->input)) {
        d->seen_input = 1;
    }

    if (agw_ant_int(usage, "cache_read_input_tokens", &d->cache_read)) {
        d->seen_cache_read = 1;
    }

    if (agw_ant_int(usage, "cache_creation_input_tokens", &d->cache_write)) {
        d->seen_cache_write = 1;
    }

    if (agw_ant_int(usage, "output_tokens", &d->output)) {
        d->seen_output = 1;
    }

    if (agw_ant_int(json_object_get(usage, "output_tokens_details"),
                    "thinking_tokens", &d->thinking))
    {
        d->seen_thinking = 1;
    }
}


/* Anthropic's input_tokens excludes cache reads and writes; the normalised
 * input includes both, so they are added here and only here. */
void
agw_ant_usage_get(const agw_anthropic_decoder_t *d, agw_usage_t *u)
{
    agw_usage_init(u);

    if (d->seen_input || d->seen_cache_read || d->seen_cache_write) {
        u->input = agw_usage_sum(agw_usage_sum(
                                     d->seen_input ? d->input : 0,
                                     d->seen_cache_read ? d->cache_read : 0),
                                 d->seen_cache_write ? d->cache_write : 0);
    }

    if (d->seen_cache_read) {
        u->cache_read = d->cache_read;
    }

    if (d->seen_cache_write) {
        u->cache_write = d->cache_write;
    }

    if (d->seen_output) {
        u->output = d->output;
    }

    if (d->seen_thinking) {
        u->reasoning = d->thinking;
    }
}


json_t *
agw_ant_usage_json(const agw_usage_t *u)
{
    int64_t  input, cr, cw, output;

    cr = u->cache_read > 0 ? u->cache_read : 0;
    cw = u->cache_write > 0 ? u->cache_write : 0;
    input = u->input > 0 ? u->input - cr - cw : 0;
    if (input < 0) {
        input = 0;
    }
    output = u->output > 0 ? u->output : 0;

    return json_pack("{s:I, s:I, s:I, s:I}",
                     "input_tokens", (json_int_t) input,
                     "cache_creation_input_tokens", (json_int_t) cw,
                     "cache_read_input_tokens", (json_int_t) cr,
                     "output_tokens", (json_int_t) output);
}


const char *
agw_ant_error_type(agw_err_class_t cls)
{
    size_t  i;

    for (i = 0; i < sizeof(agw_ant_errors) / sizeof(agw_ant_errors[0]); i++) {
        if (agw_ant_errors[i].cls == cls) {
            return agw_ant_errors[i].type;
        }
    }

    /* 502 and 504 are the gateway's own: Anthropic calls both api_error */
    return "api_error";
}


agw_err_class_t
agw_ant_error_class(const char *type)
{
    size_t  i;

    if (type == NULL) {
        return AGW_ERR_SERVER;
    }

    for (i = 0; i < sizeof(agw_ant_errors) / sizeof(agw_ant_errors[0]); i++) {
        if (strcmp(agw_ant_errors[i].type, type) == 0) {
            return agw_ant_errors[i].cls;
        }
    }

    return AGW_ERR_SERVER;
}


void
agw_ant_error_from_json(const json_t *error, agw_error_t *err)
{
    const char  *type, *message;

    type = agw_ant_str(error, "type");
    message = agw_ant_str(error, "message");

    agw_error_set(err, agw_ant_error_class(type), 0, type ? type : "api_error",
                  "%s", message ? message : "upstream error");
}


int
agw_ant_error_body(const agw_error_t *err, agw_buf_t *out)
{
    int      rc;
    json_t  *j;

    j = json_pack("{s:s, s:{s:s, s:s}}",
                  "type", "error",
                  "error",
                      "type", agw_ant_error_type(err->cls),
                      "message", err->message);
    if (j == NULL) {
        return -1;
    }

    rc = agw_json_append(out, j);
    json_decref(j);

    return rc;
}


/*
 * Anthropic's {"type":"error","error":{"type","message"}} is one of the
 * envelopes the shared parser knows: the code is error.type, and the class
 * is refined from it when the status said little.
 */
void
agw_ant_error_parse(const char *body, size_t len, agw_error_t *err)
{
    agw_error_parse_generic(body, len, err);
}
