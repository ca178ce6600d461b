/*
 * agw_anthropic_int: what the Anthropic dialect's files share with each
 * other (requests, responses, streams, errors); nothing outside them uses
 * it.  The mapping itself is written down in docs/translation-anthropic.md.
 */

#ifndef AGW_ANTHROPIC_INT_H
#define AGW_ANTHROPIC_INT_H

#include "agw_translate_int.h"

/* Kinds of content block a stream may have open. */
enum {
    AGW_ANT_BLOCK_TEXT = 1,
    AGW_ANT_BLOCK_THINKING,
    AGW_ANT_BLOCK_TOOL,
    AGW_ANT_BLOCK_SKIP          /* decoder: a block the hub cannot carry */
};

/* Thinking budgets that stand for the hub's reasoning_effort levels. */
#define AGW_ANT_BUDGET_MINIMAL   1024
#define AGW_ANT_BUDGET_LOW       2048
#define AGW_ANT_BUDGET_MEDIUM    8192
#define AGW_ANT_BUDGET_HIGH      24576

/* When the caller gives no default and the client no max_tokens. */
#define AGW_ANT_FALLBACK_MAX_TOKENS  4096

/* The string at key, or NULL when absent or not a string. */
const char *agw_ant_str(const json_t *obj, const char *key);

/* stop_reason <-> finish_reason; unknown values map to "stop"/"end_turn". */
const char *agw_ant_stop_to_hub(const char *stop_reason);
const char *agw_ant_stop_from_hub(const char *finish_reason);

/* Folds an Anthropic usage object into d's raw counters (fields present
 * overwrite: message_delta carries cumulative numbers). */
void agw_ant_usage_fold(agw_anthropic_decoder_t *d, const json_t *usage);
/* The normalised usage (agw_usage.h) of d's raw counters. */
void agw_ant_usage_get(const agw_anthropic_decoder_t *d, agw_usage_t *u);
/* Anthropic usage JSON of u; input_tokens excludes cache reads and writes.
 * New reference or NULL. */
json_t *agw_ant_usage_json(const agw_usage_t *u);

/* A hub assistant message of Anthropic content blocks (requests and
 * responses share it).  New reference, or NULL with err set. */
json_t *agw_ant_assistant_message(json_t *content, agw_error_t *err);

/* Error type names. */
const char *agw_ant_error_type(agw_err_class_t cls);
agw_err_class_t agw_ant_error_class(const char *type);
/* Fills err from an Anthropic error object ({"type","message"}). */
void agw_ant_error_from_json(const json_t *error, agw_error_t *err);

/* The ops, one file each for requests, responses and streams. */
json_t *agw_ant_request_to_hub(json_t *in, const agw_request_opts_t *o,
    agw_error_t *err);
json_t *agw_ant_request_from_hub(json_t *hub, const agw_request_opts_t *o,
    agw_error_t *err);
json_t *agw_ant_request_passthrough(json_t *in, const agw_request_opts_t *o,
    agw_error_t *err);

json_t *agw_ant_response_to_hub(json_t *in, agw_usage_t *usage,
    agw_error_t *err);
json_t *agw_ant_response_from_hub(json_t *hub, const agw_response_opts_t *o,
    agw_error_t *err);
int agw_ant_response_passthrough(json_t *in, const agw_response_opts_t *o,
    agw_usage_t *usage, agw_error_t *err);

int agw_ant_stream_decode(agw_stream_t *s, const agw_sse_event_t *ev);
int agw_ant_stream_encode(agw_stream_t *s, json_t *chunk, agw_buf_t *out);
int agw_ant_stream_end(agw_stream_t *s, agw_buf_t *out);
int agw_ant_stream_encode_text(agw_stream_t *s, const char *text, size_t len,
    agw_buf_t *out);
int agw_ant_stream_error(agw_stream_t *s, const agw_error_t *err,
    agw_buf_t *out);
int agw_ant_stream_passthrough(agw_stream_t *s, const agw_sse_event_t *ev,
    agw_buf_t *out);

int agw_ant_error_body(const agw_error_t *err, agw_buf_t *out);
void agw_ant_error_parse(const char *body, size_t len, agw_error_t *err);

#endif /* AGW_ANTHROPIC_INT_H */
