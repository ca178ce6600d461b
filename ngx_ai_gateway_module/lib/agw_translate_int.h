/*
 * Inside the translation library: the hub and the per-dialect operations.
 *
 * THE HUB is OpenAI Chat Completions JSON (request, response, and
 * chat.completion.chunk for streams) plus these extensions, so that what
 * OpenAI cannot say still survives a round trip through it:
 *
 *   message.reasoning_content, delta.reasoning_content   (string)
 *       reasoning text (DeepSeek / vLLM convention; Anthropic thinking text,
 *       Gemini thought parts)
 *   message.thinking_blocks, delta.thinking_blocks        (array)
 *       [{"type":"thinking","thinking":"...","signature":"..."} |
 *        {"type":"redacted_thinking","data":"..."}]  Anthropic blocks kept
 *       whole so a multi-turn conversation still validates (LiteLLM's name)
 *   tool_calls[].extra_content.google.thought_signature   (string)
 *       Gemini thoughtSignature (Google's own OpenAI-compat name)
 *   usage.prompt_tokens_details.cache_write_tokens        (integer)
 *       Anthropic cache_creation_input_tokens; prompt_tokens always
 *       includes cached reads and writes (see agw_usage.h)
 *
 * In streams, a decoder turns each provider SSE event into zero or more hub
 * chunks and hands them to agw_stream_emit(); the client dialect's encoder
 * turns each into bytes.  Usage is merged into s->usage by the decoder as
 * it arrives (it may come after the chunk carrying finish_reason: an encoder
 * that must send usage with the stop reason holds it until stream_end).
 */

#ifndef AGW_TRANSLATE_INT_H
#define AGW_TRANSLATE_INT_H

#include "agw_translate.h"
#include "agw_sse.h"
#include "agw_openai.h"
#include "agw_anthropic.h"
#include "agw_gemini.h"

typedef struct {
    /* client body -> hub request (a new reference; OpenAI's validates and
     * copies, the hub being its own dialect) */
    json_t *(*request_to_hub)(json_t *in, const agw_request_opts_t *o,
        agw_error_t *err);
    /* hub request -> provider body (model, stream, max tokens from o) */
    json_t *(*request_from_hub)(json_t *hub, const agw_request_opts_t *o,
        agw_error_t *err);
    /* same dialect both sides: a copy with the model rewritten */
    json_t *(*request_passthrough)(json_t *in, const agw_request_opts_t *o,
        agw_error_t *err);

    /* provider response -> hub response, usage filled */
    json_t *(*response_to_hub)(json_t *in, agw_usage_t *usage,
        agw_error_t *err);
    /* hub response -> client response (model from o) */
    json_t *(*response_from_hub)(json_t *hub, const agw_response_opts_t *o,
        agw_error_t *err);
    /* same dialect: rewrite the model in place, read usage */
    int (*response_passthrough)(json_t *in, const agw_response_opts_t *o,
        agw_usage_t *usage, agw_error_t *err);

    /*
     * provider SSE event -> agw_stream_emit() of hub chunks.  Sets
     * s->provider_done when the provider's end of stream goes by (OpenAI
     * "[DONE]", Anthropic message_stop, Gemini a candidate's finishReason).
     * Returns 0, or -1: on a provider error event, with s->error filled
     * (agw_error_set; agw_error_parse_generic() helps), otherwise it means
     * malformed input.  The dispatcher then sends the client's stream_error.
     */
    int (*stream_decode)(agw_stream_t *s, const agw_sse_event_t *ev);
    /* hub chunk -> client bytes */
    int (*stream_encode)(agw_stream_t *s, json_t *chunk, agw_buf_t *out);
    /* clean end of the client stream (closing events, [DONE]) */
    int (*stream_end)(agw_stream_t *s, agw_buf_t *out);
    /* the client dialect's error event, ending the stream */
    int (*stream_error)(agw_stream_t *s, const agw_error_t *err,
        agw_buf_t *out);
    /* same dialect: event -> same event with the model rewritten.  Sets
     * s->client_done itself when it forwarded the provider's last event
     * (its end marker, or its own error event: then with s->error filled
     * and returning -1, so that no second error event follows) */
    int (*stream_passthrough)(agw_stream_t *s, const agw_sse_event_t *ev,
        agw_buf_t *out);

    /* render / parse an error body in this dialect */
    int (*error_body)(const agw_error_t *err, agw_buf_t *out);
    /* parse a provider error body; fills err->message and err->code */
    void (*error_parse)(const char *body, size_t len, agw_error_t *err);

    /*
     * The commonest event of any stream, a piece of answer text, written
     * without a hub chunk: text is a JSON string (quotes included) that
     * agw_json_scan validated.  Returns 0, -1, or AGW_STREAM_DECLINED when
     * the encoder needs the hub chunk (its first delta, say).  Optional.
     */
    int (*stream_encode_text)(agw_stream_t *s, const char *text, size_t len,
        agw_buf_t *out);
} agw_dialect_ops_t;

#define AGW_STREAM_DECLINED  1

extern const agw_dialect_ops_t  agw_openai_ops;
extern const agw_dialect_ops_t  agw_anthropic_ops;
extern const agw_dialect_ops_t  agw_gemini_ops;

struct agw_stream_s {
    agw_dialect_t               provider;
    agw_dialect_t               client;
    const agw_dialect_ops_t    *pops;
    const agw_dialect_ops_t    *cops;
    char                       *model;          /* client-facing, owned */
    agw_buf_t                   model_json;     /* the same, a JSON string */
    agw_buf_t                   text_fixed;     /* stream_encode_text's */
    int                         include_usage;
    int64_t                     created;        /* from the opts, or 0 */
    agw_sse_parser_t            sse;
    agw_usage_t                 usage;
    /* NULL until the stream fails (most never do): agw_stream_err() */
    agw_error_t                *error;
    agw_buf_t                  *out;            /* during a feed */
    unsigned                    provider_done:1; /* saw the provider's end */
    unsigned                    client_done:1;   /* client stream closed */
    unsigned                    started:1;       /* client bytes emitted */
    unsigned                    hub_only:1;      /* tests: no text path */

    /*
     * Per-dialect state: the decoder's when it is the provider, the
     * encoder's or the passthrough's when it is the client.  OpenAI's is
     * always there (any client may get OpenAI's error event); the others
     * only for a dialect one side speaks, NULL otherwise: an open stream
     * holds what its two dialects need, not all three.  Anthropic's
     * decoder is for an Anthropic provider, its encoder for an Anthropic
     * client (a passthrough has both).
     */
    agw_openai_stream_t         openai;
    agw_anthropic_decoder_t    *ant_dec;
    agw_anthropic_encoder_t    *ant_enc;
    agw_gemini_stream_t        *gemini;

    /* the passthrough's, malloc'd by its first walk; read below
     * openai.prefix_len alone */
    char                       *openai_prefix;
};

/*
 * The dispatcher with the two dialects' operations handed in: the public
 * functions call these with each dialect's table.  Tests hand in tables
 * with operations missing, to check the "not supported" answers whatever
 * the real dialects implement.
 */
int agw_translate_supported_ops(agw_dialect_t client, agw_dialect_t provider,
    const agw_dialect_ops_t *cops, const agw_dialect_ops_t *pops, int stream);
int agw_translate_request_ops(agw_dialect_t client, agw_dialect_t provider,
    const agw_dialect_ops_t *cops, const agw_dialect_ops_t *pops, json_t *in,
    const agw_request_opts_t *opts, json_t **out, agw_error_t *err);
int agw_translate_response_ops(agw_dialect_t provider, agw_dialect_t client,
    const agw_dialect_ops_t *pops, const agw_dialect_ops_t *cops,
    const char *body, size_t len, const agw_response_opts_t *opts,
    agw_buf_t *out, agw_usage_t *usage, agw_error_t *err);
agw_stream_t *agw_stream_new_ops(agw_dialect_t provider,
    agw_dialect_t client, const agw_dialect_ops_t *pops,
    const agw_dialect_ops_t *cops, const agw_stream_opts_t *opts);

/*
 * The error a failing stream fills, allocated the first time.  Out of
 * memory, every such stream shares one: its message may be another's, its
 * failure is not lost.
 */
agw_error_t *agw_stream_err(agw_stream_t *s);
#define agw_stream_failed(s)                                                 \
    ((s)->error != NULL && (s)->error->cls != AGW_ERR_NONE)
/* Fills it from a provider's error event (data, len): class cls or what
 * the body's code says, else a server error; its message, else msg. */
void agw_stream_error_from(agw_stream_t *s, const char *data, size_t len,
    agw_err_class_t cls, const char *msg);

/* A decoder hands a hub chunk to the client's encoder (chunk is borrowed). */
int agw_stream_emit(agw_stream_t *s, json_t *chunk);
/*
 * A decoder hands a piece of text (a validated JSON string, quotes
 * included) to the client's encoder's stream_encode_text.  Returns 0, -1,
 * or AGW_STREAM_DECLINED: then the decoder emits the hub chunk instead.
 */
int agw_stream_emit_text(agw_stream_t *s, const char *text, size_t len);

/* Helpers shared by dialects (agw_translate.c). */
/*
 * Parses any of the three dialects' {"error":{"message",...}} envelopes
 * into err: message, the most specific machine code (details[].reason,
 * code, status, type), and, when err->cls is NONE or INVALID_REQUEST, a
 * class refined from that code (Gemini's 400 API_KEY_INVALID is a 401).
 * Leaves err untouched where the body is not such JSON.
 */
void agw_error_parse_generic(const char *body, size_t len, agw_error_t *err);
/* The class a well-known error code or type of any dialect means; NONE. */
agw_err_class_t agw_error_class_of_code(const char *code);
/* Reads OpenAI usage JSON (hub shape) into u. */
void agw_usage_from_openai(const json_t *usage, agw_usage_t *u);
/* Builds OpenAI usage JSON (hub shape) from u; new reference or NULL. */
json_t *agw_usage_to_openai(const agw_usage_t *u);

#endif /* AGW_TRANSLATE_INT_H */
