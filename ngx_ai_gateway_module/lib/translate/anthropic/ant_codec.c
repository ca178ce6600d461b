/*
 * The Anthropic Messages codec: its table, and what its request, answer,
 * stream and error files share: stop reasons, usage, error types.  The
 * mapping is documented in docs/translation-anthropic.md.
 */

#include <string.h>

#include "ant_int.h"


const agw_codec_t  agw_anthropic_codec = {
    AGW_DIALECT_ANTHROPIC,

    agw_ant_read_request,
    agw_ant_write_request,

    agw_ant_read_response,
    agw_ant_write_response,

    sizeof(agw_ant_rstate_t),
    sizeof(agw_ant_wstate_t),
    agw_ant_read_event,
    agw_ant_write_step,
    agw_ant_write_end,
    agw_ant_write_stream_error,
    NULL,
    NULL,

    agw_ant_read_error,
    agw_ant_write_error,

    agw_ant_rewrite_request,
    agw_ant_rewrite_response,
    agw_ant_rewrite_event,

    agw_ant_policy_request,

    agw_ant_read_bytes,
    agw_ant_rewrite_bytes
};


/* stop_reason <-> finish; pause_turn (a server tool loop paused) is its
 * own finish, for the writers that have a name for it. */
static const struct {
    const char    *name;
    size_t         len;
    agw_finish_t   finish;
} agw_ant_stops[] = {
    { "end_turn", 8, AGW_FINISH_STOP },
    { "tool_use", 8, AGW_FINISH_TOOL_CALLS },
    { "max_tokens", 10, AGW_FINISH_LENGTH },
    { "stop_sequence", 13, AGW_FINISH_STOP_SEQUENCE },
    { "model_context_window_exceeded", 29, AGW_FINISH_LENGTH },
    { "refusal", 7, AGW_FINISH_CONTENT_FILTER },
    { "pause_turn", 10, AGW_FINISH_PAUSE },
};


agw_finish_t
agw_ant_finish(const agw_str_t *stop_reason)
{
    size_t  i;

    if (!agw_str_set(stop_reason)) {
        return AGW_FINISH_UNSET;
    }

    for (i = 0; i < sizeof(agw_ant_stops) / sizeof(agw_ant_stops[0]); i++) {
        if (agw_str_eq(stop_reason, agw_ant_stops[i].name,
                       agw_ant_stops[i].len))
        {
            return agw_ant_stops[i].finish;
        }
    }

    /* a reason newer than this code: the turn ended, as far as a client
     * of another dialect can tell */
    return AGW_FINISH_OTHER;
}


/* finish -> stop_reason.  A reason Anthropic has no name for ended the
 * turn. */
const char *
agw_ant_stop_reason(agw_finish_t finish)
{
    switch (finish) {

    case AGW_FINISH_LENGTH:
        return "max_tokens";

    case AGW_FINISH_TOOL_CALLS:
        return "tool_use";

    case AGW_FINISH_CONTENT_FILTER:
        return "refusal";

    case AGW_FINISH_STOP_SEQUENCE:
        return "stop_sequence";

    case AGW_FINISH_PAUSE:
        return "pause_turn";

    default:
        return "end_turn";
    }
}


void
agw_ant_usage_raw_init(agw_ant_usage_raw_t *u)
{
    u->input = -1;
    u->output = -1;
    u->cache_read = -1;
    u->cache_write = -1;
    u->thinking = -1;
}


int
agw_ant_usage_read(agw_jr_t *r, agw_ant_usage_raw_t *u)
{
    agw_str_t  details = AGW_STR_NULL;
    agw_jr_t   d;

    agw_ant_member_t  m[] = {
        agw_ant_m("input_tokens", AGW_ANT_M_COUNT, &u->input),
        agw_ant_m("output_tokens", AGW_ANT_M_COUNT, &u->output),
        agw_ant_m("cache_read_input_tokens", AGW_ANT_M_COUNT,
                  &u->cache_read),
        agw_ant_m("cache_creation_input_tokens", AGW_ANT_M_COUNT,
                  &u->cache_write),
        agw_ant_m("output_tokens_details", AGW_ANT_M_VALUE, &details),
    };

    agw_ant_member_t  md[] = {
        agw_ant_m("thinking_tokens", AGW_ANT_M_COUNT, &u->thinking),
    };

    if (agw_ant_members(r, m, agw_ant_nmembers(m)) < 0) {
        return -1;
    }

    if (agw_str_set(&details)) {
        agw_jr_init(&d, details.data, details.len);
        (void) agw_ant_members(&d, md, agw_ant_nmembers(md));
    }

    return 0;
}


/* Anthropic's input_tokens excludes cache reads and writes; the normalised
 * input includes both, so they are added here and only here. */
void
agw_ant_usage_norm(const agw_ant_usage_raw_t *raw, agw_usage_t *u)
{
    agw_usage_init(u);

    if (raw->input >= 0 || raw->cache_read >= 0 || raw->cache_write >= 0) {
        u->input = agw_usage_sum(agw_usage_sum(
                                     raw->input >= 0 ? raw->input : 0,
                                     raw->cache_read >= 0
                                     ? raw->cache_read : 0),
                                 raw->cache_write >= 0 ? raw->cache_write : 0);
    }

    u->cache_read = raw->cache_read;
    u->cache_write = raw->cache_write;
    u->output = raw->output;
    u->reasoning = raw->thinking;
}


/* ... and subtracted here, once, for an Anthropic client. */
void
agw_ant_usage_write(agw_jw_t *w, const agw_usage_t *u, int output)
{
    int64_t  input, cr, cw;

    cr = u->cache_read > 0 ? u->cache_read : 0;
    cw = u->cache_write > 0 ? u->cache_write : 0;
    input = u->input > 0 ? u->input - cr - cw : 0;
    if (input < 0) {
        input = 0;
    }

    agw_jw_object(w);
    agw_ant_key(w, "input_tokens");
    agw_jw_int(w, input);
    agw_ant_key(w, "cache_creation_input_tokens");
    agw_jw_int(w, cw);
    agw_ant_key(w, "cache_read_input_tokens");
    agw_jw_int(w, cr);
    agw_ant_key(w, "output_tokens");
    agw_jw_int(w, output && u->output > 0 ? u->output : 0);
    agw_jw_object_end(w);
}


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
agw_ant_err_type(agw_err_class_t cls)
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


/* AGW_ERR_NONE for a type this table does not know. */
agw_err_class_t
agw_ant_err_class(const char *type, size_t len)
{
    size_t  i;

    for (i = 0; i < sizeof(agw_ant_errors) / sizeof(agw_ant_errors[0]); i++) {
        if (strlen(agw_ant_errors[i].type) == len
            && memcmp(agw_ant_errors[i].type, type, len) == 0)
        {
            return agw_ant_errors[i].cls;
        }
    }

    return AGW_ERR_NONE;
}
