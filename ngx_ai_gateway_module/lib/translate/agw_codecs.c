/*
 * agw_codecs: the registry of dialects, and the engine's entry points by
 * dialect (agw_engine.h).  The one place that knows every codec.
 */

#include "agw_engine.h"


const agw_codec_t *
agw_codec_of(agw_dialect_t d)
{
    switch (d) {
    case AGW_DIALECT_OPENAI:
        return &agw_openai_codec;
    case AGW_DIALECT_ANTHROPIC:
        return &agw_anthropic_codec;
    case AGW_DIALECT_GEMINI:
        return &agw_gemini_codec;
    case AGW_DIALECT_RESPONSES:
        return &agw_responses_codec;
    default:
        return NULL;
    }
}


int
agw_engine_supported(agw_dialect_t client, agw_dialect_t provider,
    int stream)
{
    return agw_engine_supported_codecs(agw_codec_of(client),
                                       agw_codec_of(provider), stream);
}


int
agw_engine_request(agw_dialect_t client, agw_dialect_t provider,
    const char *body, size_t len, const agw_request_ctx_t *ctx,
    agw_buf_t *out, agw_error_t *err)
{
    return agw_engine_request_codecs(agw_codec_of(client),
                                     agw_codec_of(provider), body, len, ctx,
                                     out, err);
}


int
agw_engine_response(agw_dialect_t provider, agw_dialect_t client,
    const char *body, size_t len, const agw_answer_ctx_t *ctx,
    agw_buf_t *out, agw_usage_t *usage, agw_error_t *err)
{
    return agw_engine_response_codecs(agw_codec_of(provider),
                                      agw_codec_of(client), body, len, ctx,
                                      out, usage, err);
}


int
agw_engine_error(agw_dialect_t provider, agw_dialect_t client, int status,
    const char *body, size_t len, int *client_status, agw_buf_t *out)
{
    return agw_engine_error_codecs(agw_codec_of(provider),
                                   agw_codec_of(client), status, body, len,
                                   client_status, out);
}


agw_xstream_t *
agw_engine_stream_new(agw_dialect_t provider, agw_dialect_t client,
    const agw_answer_ctx_t *ctx, size_t max_event)
{
    return agw_engine_stream_new_codecs(agw_codec_of(provider),
                                        agw_codec_of(client), ctx,
                                        max_event);
}


int
agw_engine_error_body(agw_dialect_t d, const agw_error_t *err,
    agw_buf_t *out)
{
    const agw_codec_t  *c;

    c = agw_codec_of(d);

    /* a dialect without its own shape answers in OpenAI's, which every
     * HTTP client can at least show */
    if (c == NULL || c->write_error == NULL) {
        c = agw_codec_of(AGW_DIALECT_OPENAI);
    }

    return c->write_error(err, out);
}
