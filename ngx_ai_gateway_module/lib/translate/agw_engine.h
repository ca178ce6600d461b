/*
 * agw_engine: the translation library's entry points.  The caller names
 * the client's and the provider's dialect; the engine picks their codecs
 * and joins one side's reader to the other's writer through the
 * intermediate form, or, for one dialect on both sides, hands the bytes to
 * the dialect's one-pass rewrite.  The caller never chooses a path.
 *
 * Each entry point has a variant that takes the two codecs instead of the
 * dialects (the *_codecs names): the tests use it to drive a dialect
 * against another before both are registered, and to check the answers
 * for operations a codec lacks.
 */

#ifndef AGW_ENGINE_H
#define AGW_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "agw_buf.h"
#include "agw_codec.h"
#include "agw_dialect.h"
#include "agw_error.h"
#include "agw_usage.h"

/*
 * The first arena block of a request's or answer's form, on the stack:
 * an agent's 85 KB request makes a few hundred nodes, 20-40 KB.  Past it
 * the arena mallocs, up to AGW_ENGINE_FORM_MAX.
 */
#define AGW_ENGINE_STACK     8192
#define AGW_ENGINE_FORM_MAX  ((size_t) 64 << 20)

/* Whether every operation serving client from provider needs exists. */
int agw_engine_supported_codecs(const agw_codec_t *client,
    const agw_codec_t *provider, int stream);

/*
 * A client's request body into the provider's, appended to out.  -1 with
 * err set: a client error (class INVALID_REQUEST, status 400, in no
 * dialect's shape yet), or class NONE when out of memory.
 */
int agw_engine_request_codecs(const agw_codec_t *client,
    const agw_codec_t *provider, const char *body, size_t len,
    const agw_request_ctx_t *ctx, agw_buf_t *out, agw_error_t *err);

/*
 * A provider's 2xx body into the client's answer, appended to out; usage
 * (may be NULL) filled.  -1 with err set (BAD_GATEWAY when the provider's
 * body is not what its dialect promises).
 */
int agw_engine_response_codecs(const agw_codec_t *provider,
    const agw_codec_t *client, const char *body, size_t len,
    const agw_answer_ctx_t *ctx, agw_buf_t *out, agw_usage_t *usage,
    agw_error_t *err);

/*
 * A provider's error answer (status, body: maybe not JSON) as the client
 * dialect's error: *client_status the status to answer with, out the
 * body.  The provider's message and code are kept.
 */
int agw_engine_error_codecs(const agw_codec_t *provider,
    const agw_codec_t *client, int status, const char *body, size_t len,
    int *client_status, agw_buf_t *out);


/*
 * Streams.  Provider bytes go in split anywhere; whole client events come
 * out.  Same contract as before the engine (docs/translation.md, "Streams:
 * ends, truncation, errors"):
 *   feed    0, or -1 once the stream met an error: the client got the
 *           error event; stop feeding.
 *   finish  ends the client stream: 0 after the provider's end of stream
 *           (the closing events appended), 1 otherwise (the client
 *           dialect's error event appended: stream_truncated, or the
 *           error met, or the one set with agw_engine_stream_set_error).
 *           Calling it again appends nothing.
 */
agw_xstream_t *agw_engine_stream_new_codecs(const agw_codec_t *provider,
    const agw_codec_t *client, const agw_answer_ctx_t *ctx,
    size_t max_event);
int agw_engine_stream_feed(agw_xstream_t *s, const char *data, size_t len,
    agw_buf_t *out);
/*
 * feed gives the stream's buffers back at its end (an open stream waits
 * with only a cut event's bytes); feed_more keeps them, for bytes that
 * follow at once (the next HTTP chunk of one read, the next read of a
 * burst), and idle gives them back when the bytes stop.
 */
int agw_engine_stream_feed_more(agw_xstream_t *s, const char *data,
    size_t len, agw_buf_t *out);
void agw_engine_stream_idle(agw_xstream_t *s);
/*
 * Whether the provider's usual events are read from their bytes
 * (agw_codec_t.read_bytes, rewrite_bytes) before the SSE parser reads
 * them (on: the default); off, the parser reads every event: the tests
 * that compare the two ways, and nothing else.
 */
void agw_engine_stream_by_bytes(agw_xstream_t *s, int on);
int agw_engine_stream_finish(agw_xstream_t *s, int upstream_ok,
    agw_buf_t *out);
/* Why the stream ends early when the caller knows better than "cut". */
void agw_engine_stream_set_error(agw_xstream_t *s, const agw_error_t *err);
const agw_usage_t *agw_engine_stream_usage(const agw_xstream_t *s);
/* The error met, or NULL. */
const agw_error_t *agw_engine_stream_error(const agw_xstream_t *s);
void agw_engine_stream_free(agw_xstream_t *s);


/*
 * The same by dialect: what the module calls.  agw_codec_of() is the
 * registry, NULL for a dialect with no codec.
 */
const agw_codec_t *agw_codec_of(agw_dialect_t d);

int agw_engine_supported(agw_dialect_t client, agw_dialect_t provider,
    int stream);
int agw_engine_request(agw_dialect_t client, agw_dialect_t provider,
    const char *body, size_t len, const agw_request_ctx_t *ctx,
    agw_buf_t *out, agw_error_t *err);
int agw_engine_response(agw_dialect_t provider, agw_dialect_t client,
    const char *body, size_t len, const agw_answer_ctx_t *ctx,
    agw_buf_t *out, agw_usage_t *usage, agw_error_t *err);
int agw_engine_error(agw_dialect_t provider, agw_dialect_t client,
    int status, const char *body, size_t len, int *client_status,
    agw_buf_t *out);
agw_xstream_t *agw_engine_stream_new(agw_dialect_t provider,
    agw_dialect_t client, const agw_answer_ctx_t *ctx, size_t max_event);
/* err as a whole error body of dialect d (the gateway's own errors). */
int agw_engine_error_body(agw_dialect_t d, const agw_error_t *err,
    agw_buf_t *out);

#endif /* AGW_ENGINE_H */
