/*
 * agw_gemini_int: what the Gemini dialect's files share with each other
 * (requests, responses, streams, errors); nothing outside them uses it.
 * The mapping itself is written down in docs/translation-gemini.md.
 */

#ifndef AGW_GEMINI_INT_H
#define AGW_GEMINI_INT_H

#include "agw_translate_int.h"

/*
 * Google's JSON parser takes both the proto field names (snake_case, what
 * curl examples use) and their JSON names (camelCase, what the SDKs send).
 * Returns the member spelled either way, camelCase first; NULL if absent.
 */
json_t *agw_gm_get(const json_t *obj, const char *camel, const char *snake);
/* The same for a string member: NULL when absent or not a string. */
const char *agw_gm_str(const json_t *obj, const char *camel,
    const char *snake);

/* finishReason <-> finish_reason.  tools says the candidate called a
 * function (Gemini then says STOP, OpenAI "tool_calls"). */
const char *agw_gm_finish_to_hub(const char *reason, int tools);
const char *agw_gm_finish_from_hub(const char *finish_reason);

/* Reads a usageMetadata object into u: only the fields it carries. */
void agw_gm_usage_read(const json_t *meta, agw_usage_t *u);
/* usageMetadata of u; new reference or NULL. */
json_t *agw_gm_usage_json(const agw_usage_t *u);

/*
 * A tool call id made from parts that are stable for the same input:
 * "call_<a>_<b>" or, with a response id, "call_<rid>_<b>" (characters
 * outside [A-Za-z0-9_-] become '_', as Anthropic requires).
 */
void agw_gm_call_id(char *buf, size_t size, const char *rid, size_t a,
    size_t b);

/* Google's canonical status name of an error class ("RESOURCE_EXHAUSTED"). */
const char *agw_gm_status_name(agw_err_class_t cls);
/* {"error":{"code","message","status"}}; new reference or NULL. */
json_t *agw_gm_error_json(const agw_error_t *err);

void agw_gm_nomem(agw_error_t *err);

/* The ops, one file each for requests, responses and streams. */
json_t *agw_gm_request_to_hub(json_t *in, const agw_request_opts_t *o,
    agw_error_t *err);
json_t *agw_gm_request_from_hub(json_t *hub, const agw_request_opts_t *o,
    agw_error_t *err);
json_t *agw_gm_request_passthrough(json_t *in, const agw_request_opts_t *o,
    agw_error_t *err);

json_t *agw_gm_response_to_hub(json_t *in, agw_usage_t *usage,
    agw_error_t *err);
json_t *agw_gm_response_from_hub(json_t *hub, const agw_response_opts_t *o,
    agw_error_t *err);
int agw_gm_response_passthrough(json_t *in, const agw_response_opts_t *o,
    agw_usage_t *usage, agw_error_t *err);

/* Candidate parts -> hub message or delta fields (content,
 * reasoning_content, tool_calls, extra_content).  Shared by whole
 * responses and stream chunks; *ntools counts the candidate's tool calls
 * so far (ids and stream indexes continue from it). */
int agw_gm_parts_to_hub(const json_t *parts, json_t *msg, const char *rid,
    size_t cand, uint32_t *ntools, int join_text, agw_error_t *err);
/* Hub tool call arguments (a JSON text) -> functionCall args object; NULL
 * with err set when they are not a JSON object. */
json_t *agw_gm_args_object(const char *args, size_t len, agw_error_t *err);

int agw_gm_stream_decode(agw_stream_t *s, const agw_sse_event_t *ev);
int agw_gm_stream_encode(agw_stream_t *s, json_t *chunk, agw_buf_t *out);
int agw_gm_stream_end(agw_stream_t *s, agw_buf_t *out);
int agw_gm_stream_encode_text(agw_stream_t *s, const char *text, size_t len,
    agw_buf_t *out);
int agw_gm_stream_error(agw_stream_t *s, const agw_error_t *err,
    agw_buf_t *out);
int agw_gm_stream_passthrough(agw_stream_t *s, const agw_sse_event_t *ev,
    agw_buf_t *out);

int agw_gm_error_body(const agw_error_t *err, agw_buf_t *out);
void agw_gm_error_parse(const char *body, size_t len, agw_error_t *err);

#endif /* AGW_GEMINI_INT_H */
