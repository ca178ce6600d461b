/*
 * agw_direct_request: OpenAI Chat requests to Anthropic Messages on the
 * bytes (see agw_direct.h).
 */

#include "agw_direct.h"


int
agw_direct_openai_to_anthropic_request(const char *body, size_t len,
    const agw_request_opts_t *opts, agw_buf_t *out)
{
    return AGW_DIRECT_DECLINED;
}
