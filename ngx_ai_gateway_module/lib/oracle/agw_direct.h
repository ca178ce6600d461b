/*
 * agw_direct: tree-free translation of the common shapes between OpenAI
 * Chat Completions and Anthropic Messages.
 *
 * The jansson path (parse, hub, rebuild, dump) costs several times what
 * proxying a request does; most traffic between these two dialects is a
 * handful of well-known shapes (text messages, a system prompt, sampling
 * parameters, tools, a text or tool_use answer with usage).  These
 * functions translate those on the bytes with agw_json_scan and write the
 * output directly.  Whatever they do not know for certain they decline,
 * and the caller takes the jansson path, whose output theirs must equal
 * as JSON (t/unit/test_direct_*.c check that on every fixture and on
 * mutations of them).
 */

#ifndef AGW_DIRECT_H
#define AGW_DIRECT_H

#include <stddef.h>

#include "agw_buf.h"
#include "agw_translate.h"
#include "agw_usage.h"

#define AGW_DIRECT_DECLINED  1

/*
 * An OpenAI Chat request body into an Anthropic Messages request body,
 * appended to out, as agw_translate_request would build it with opts.
 * Returns 0, AGW_DIRECT_DECLINED (out as it was on entry), or -1 (out of
 * memory; out as it was on entry).
 */
int agw_direct_openai_to_anthropic_request(const char *body, size_t len,
    const agw_request_opts_t *opts, agw_buf_t *out);

/*
 * An Anthropic Messages 2xx response body into an OpenAI Chat Completions
 * response, appended to out, with every field of u set, as
 * agw_translate_response would.  Returns 0, AGW_DIRECT_DECLINED (out and u
 * as they were on entry), or -1 (out of memory; the same).
 */
int agw_direct_anthropic_to_openai_response(const char *body, size_t len,
    const agw_response_opts_t *opts, agw_buf_t *out, agw_usage_t *u);

#endif /* AGW_DIRECT_H */
