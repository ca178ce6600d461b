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

    NULL,
    NULL,

    0,
    0,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,

    agw_oai_read_error,
    agw_oai_write_error,

    NULL,
    NULL,
    NULL
};
