/*
 * agw_direct_response: Anthropic Messages responses to OpenAI Chat on the
 * bytes (see agw_direct.h).
 */

#include "agw_direct.h"


int
agw_direct_anthropic_to_openai_response(const char *body, size_t len,
    const agw_response_opts_t *opts, agw_buf_t *out, agw_usage_t *u)
{
    return AGW_DIRECT_DECLINED;
}
