/*
 * agw_passthrough: the same-dialect fast path for OpenAI-family bodies.
 *
 * When client and provider both speak OpenAI, a request only needs its
 * model replaced (and, for a stream, the usage chunk asked for), and an
 * answer only needs its model replaced back and its usage read.  These do
 * that on the bytes, with agw_json_scan, leaving every other byte as the
 * client or provider sent it; where they cannot (an escaped model name,
 * stream_options present without include_usage), they decline and the
 * caller takes the jansson path of agw_translate.h.
 */

#ifndef AGW_PASSTHROUGH_H
#define AGW_PASSTHROUGH_H

#include <stddef.h>

#include "agw_buf.h"
#include "agw_json_scan.h"
#include "agw_usage.h"

#define AGW_PASSTHROUGH_DECLINED  1

/*
 * Appends body with its top-level "model" replaced by model and, with
 * stream, "stream_options":{"include_usage":true} added when absent.
 * Returns 0, AGW_PASSTHROUGH_DECLINED, or -1 (invalid JSON or out of
 * memory; out is then reset).
 */
int agw_passthrough_request(const char *body, size_t len, const char *model,
    int stream, agw_buf_t *out);

/*
 * The same for a body already scanned: body_model is its top-level
 * "model" member (a string), stream_options its "stream_options" member
 * or NULL, both found by agw_json_scan over these very bytes.
 */
int agw_passthrough_request_at(const char *body, size_t len,
    const agw_json_member_t *body_model,
    const agw_json_member_t *stream_options, const char *model, int stream,
    agw_buf_t *out);

/*
 * Appends a whole answer with its top-level "model" (if any) replaced by
 * model, and merges its usage into u: Chat Completions and embeddings
 * names (prompt_tokens, completion_tokens, *_details) and the Responses
 * API's (input_tokens, output_tokens, *_details).  Returns 0,
 * AGW_PASSTHROUGH_DECLINED (not a JSON object), or -1 (out of memory).
 */
int agw_passthrough_response(const char *body, size_t len, const char *model,
    agw_buf_t *out, agw_usage_t *u);

/*
 * Merges the counts of the usage object obj (either naming scheme above)
 * into u.  Returns 0, or -1 when obj is not a valid JSON object (u is
 * then unchanged).
 */
int agw_passthrough_read_usage(const char *obj, size_t len, agw_usage_t *u);

#endif /* AGW_PASSTHROUGH_H */
