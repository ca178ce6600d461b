/*
 * The Gemini dialect's codec: generateContent and
 * streamGenerateContent?alt=sse, client side and provider side.  The
 * mapping is written down in docs/translation-gemini.md.
 */

#include "gem_int.h"


const agw_codec_t  agw_gemini_codec = {
    AGW_DIALECT_GEMINI,

    agw_gem_read_request,
    agw_gem_write_request,

    agw_gem_read_response,
    agw_gem_write_response,

    sizeof(agw_gem_rstate_t),
    sizeof(agw_gem_wstate_t),
    agw_gem_read_event,
    agw_gem_write_step,
    agw_gem_write_end,
    agw_gem_write_stream_error,
    agw_gem_free_read_state,
    agw_gem_free_write_state,

    agw_gem_read_error,
    agw_gem_write_error,

    agw_gem_rewrite_request,
    agw_gem_rewrite_response,
    agw_gem_rewrite_event,

    agw_gem_policy_request,

    agw_gem_read_bytes,
    NULL                        /* rewrite_bytes */
};
