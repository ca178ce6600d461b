/*
 * The OpenAI Chat Completions codec: the dialect of OpenAI, Azure OpenAI
 * and every OpenAI-compatible server (vLLM, Ollama, DeepSeek,
 * OpenRouter...).  What each entry does is in its file.
 */

#include "oai_int.h"


const agw_codec_t  agw_openai_codec = {
    AGW_DIALECT_OPENAI,

    agw_oai_read_request,
    agw_oai_write_request,

    agw_oai_read_response,
    agw_oai_write_response,

    sizeof(agw_oai_rstate_t),
    sizeof(agw_oai_wstate_t),
    agw_oai_read_event,
    agw_oai_write_step,
    agw_oai_write_end,
    agw_oai_write_stream_error,
    agw_oai_free_read_state,
    agw_oai_free_write_state,

    agw_oai_read_error,
    agw_oai_write_error,

    agw_oai_rewrite_request,
    agw_oai_rewrite_response,
    agw_oai_rewrite_event,

    agw_oai_policy_request,

    agw_oai_read_bytes,
    agw_oai_rewrite_bytes
};
