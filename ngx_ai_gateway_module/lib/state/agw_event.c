/*
 * agw_event: helpers to fill the fixed-layout event (agw_event.h).
 */

#include <string.h>

#include "agw_event.h"
#include "agw_error.h"
#include "agw_ir.h"


void
agw_event_init(agw_event_t *ev)
{
    memset(ev, 0, sizeof(*ev));

    ev->ttfb_ms = -1;
    ev->prompt_tokens = -1;
    ev->completion_tokens = -1;
    ev->cached_tokens = -1;
    ev->cache_write_tokens = -1;
    ev->reasoning_tokens = -1;
    ev->cost_micro_usd = -1;
}


size_t
agw_event_set_str(char *dst, size_t dstsize, const char *src, size_t len)
{
    size_t  n;

    if (dstsize == 0) {
        return 0;
    }

    n = len;

    if (n >= dstsize) {
        n = dstsize - 1;

        /* src[n] is the first byte left out: if it continues a UTF-8
         * sequence, leave out the whole character it belongs to. */
        while (n > 0 && ((unsigned char) src[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    if (n) {
        memcpy(dst, src, n);
    }

    dst[n] = '\0';

    return n;
}


/* Indexed by agw_err_class_t (translate/agw_error.h); keep in its order. */
static const char *const  agw_error_class_names[] = {
    "none",
    "invalid_request",
    "authentication",
    "permission",
    "not_found",
    "too_large",
    "rate_limit",
    "server",
    "bad_gateway",
    "overloaded",
    "timeout",
    "client_closed"
};


int
agw_event_is_error(const agw_event_t *ev)
{
    if (ev->error_class == AGW_ERR_CLIENT_CLOSED || ev->status == 499) {
        return 0;
    }

    return ev->status >= 400 || ev->status <= 0 || ev->error_class != 0;
}


const char *
agw_event_error_class_name(unsigned cls)
{
    if (cls >= sizeof(agw_error_class_names) / sizeof(agw_error_class_names[0]))
    {
        return "unknown";
    }

    return agw_error_class_names[cls];
}


const char *
agw_event_cache_status_name(unsigned cs)
{
    switch (cs) {
    case AGW_CACHE_MISS:
        return "miss";
    case AGW_CACHE_HIT:
        return "hit";
    case AGW_CACHE_BYPASS:
        return "bypass";
    default:
        return "none";
    }
}


/*
 * Indexed by agw_finish_t (translate/agw_ir.h).  The GenAI conventions'
 * finish reasons (stop, length, content_filter, tool_call) where one
 * applies, ours for the rest: a stop sequence is a stop to OpenAI, a
 * distinct reason to Anthropic and Gemini.
 */
const char *
agw_event_finish_reason_name(unsigned fr)
{
    switch (fr) {
    case AGW_FINISH_STOP:
        return "stop";
    case AGW_FINISH_STOP_SEQUENCE:
        return "stop_sequence";
    case AGW_FINISH_LENGTH:
        return "length";
    case AGW_FINISH_TOOL_CALLS:
        return "tool_call";
    case AGW_FINISH_CONTENT_FILTER:
        return "content_filter";
    case AGW_FINISH_PAUSE:
        return "pause_turn";
    case AGW_FINISH_OTHER:
        return "other";
    default:
        return NULL;
    }
}


/*
 * The GenAI semantic conventions' well-known values where one applies
 * (chat, text_completion, embeddings, generate_content), a name of ours
 * otherwise, as the conventions allow.
 */
const char *
agw_event_operation_name(unsigned op)
{
    switch (op) {
    case AGW_OP_CHAT:
        return "chat";
    case AGW_OP_TEXT_COMPLETION:
        return "text_completion";
    case AGW_OP_EMBEDDINGS:
        return "embeddings";
    case AGW_OP_GENERATE_CONTENT:
        return "generate_content";
    case AGW_OP_COUNT_TOKENS:
        return "count_tokens";
    case AGW_OP_MODELS:
        return "list_models";
    default:
        return NULL;
    }
}


/* gen_ai.provider.name's well-known values. */
const char *
agw_event_provider_type_name(unsigned type)
{
    switch (type) {
    case AGW_PROVIDER_OPENAI:
        return "openai";
    case AGW_PROVIDER_AZURE:
        return "azure.ai.openai";
    case AGW_PROVIDER_ANTHROPIC:
        return "anthropic";
    case AGW_PROVIDER_GEMINI:
        return "gcp.gemini";
    default:
        return NULL;
    }
}
