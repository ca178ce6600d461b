/*
 * agw_translate: the public face of the translation library.
 *
 * Turns requests, responses, streams and errors of one dialect into another.
 * Plain C with jansson; no nginx types, no globals.  Every function takes the
 * caller's memory (agw_buf_t, json_t it owns) and is deterministic: the same
 * input gives the same bytes.
 *
 * Translation goes through a hub: OpenAI Chat Completions JSON with a few
 * extension fields (see agw_translate_int.h and docs/translation.md), so each
 * dialect only knows how to go to and from the hub.  Same dialect on both
 * sides is a passthrough: only the model is rewritten and usage read.
 */

#ifndef AGW_TRANSLATE_H
#define AGW_TRANSLATE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "agw_buf.h"
#include "agw_dialect.h"
#include "agw_json_tree.h"
#include "agw_error.h"
#include "agw_usage.h"



/*
 * True when every operation that serving client from provider needs exists
 * (stream: the streaming ones too).  Lets the module refuse a route at
 * configuration time instead of at the first request.
 */
int agw_translate_supported(agw_dialect_t client, agw_dialect_t provider,
    int stream);

/* Renders err as a whole error body in dialect d. */
int agw_error_body(agw_dialect_t d, const agw_error_t *err, agw_buf_t *out);

/*
 * Maps a provider's error answer (status + body, possibly not JSON) into the
 * client's dialect: *client_status gets the status to answer with (so an
 * Anthropic 529 reaches an OpenAI client as a 503 it retries on), out the
 * body.  The provider's message is kept.
 */
int agw_translate_error(agw_dialect_t provider, agw_dialect_t client,
    int status, const char *body, size_t len, int *client_status,
    agw_buf_t *out);


/* Requests */

typedef struct {
    const char  *model;              /* the model to send upstream */
    int          stream;             /* the client asked for a stream */
    int64_t      default_max_tokens; /* for Anthropic, when none given */
} agw_request_opts_t;

/*
 * Translates a client body into a new provider body (*out, a new reference;
 * in is left unchanged).  For an OpenAI provider with stream set, asks for
 * stream_options.include_usage.  Gemini carries model and stream in the URL,
 * not the body: the caller builds that URL.  On input that cannot be
 * translated, fills err (a client error) and returns -1.
 */
int agw_translate_request(agw_dialect_t client, agw_dialect_t provider,
    json_t *in, const agw_request_opts_t *opts, json_t **out,
    agw_error_t *err);

/*
 * The same from the client's bytes to the provider's, appended to out: the
 * tree-free path of agw_direct.h where it knows the shape, else a parse,
 * agw_translate_request and a dump.  Returns -1 with err set (class NONE
 * when out of memory).
 */
int agw_translate_request_body(agw_dialect_t client, agw_dialect_t provider,
    const char *body, size_t len, const agw_request_opts_t *opts,
    agw_buf_t *out, agw_error_t *err);


/* Whole (non-streamed) responses */

typedef struct {
    const char  *model;     /* the model name the client asked for */
} agw_response_opts_t;

/*
 * Translates a provider's 2xx body into the client's dialect, rewriting the
 * model back to opts->model and filling usage.  Returns -1 with err set
 * (AGW_ERR_BAD_GATEWAY) when the provider's body is not what its dialect
 * promises.
 */
int agw_translate_response(agw_dialect_t provider, agw_dialect_t client,
    const char *body, size_t len, const agw_response_opts_t *opts,
    agw_buf_t *out, agw_usage_t *usage, agw_error_t *err);


/* Streams */

typedef struct agw_stream_s  agw_stream_t;

typedef struct {
    const char  *model;          /* the model name the client asked for */
    int          include_usage;  /* OpenAI client asked for the usage chunk */
    size_t       max_event;      /* largest SSE event accepted; 0: 16 MiB */
} agw_stream_opts_t;

/* Returns NULL on allocation failure.  Free with agw_stream_free(). */
agw_stream_t *agw_stream_new(agw_dialect_t provider, agw_dialect_t client,
    const agw_stream_opts_t *opts);

/*
 * Feeds provider bytes, split anywhere; appends client bytes to out (whole
 * events only).  Returns 0, or -1 when the provider stream is malformed: then
 * the caller stops feeding and calls agw_stream_finish(s, 0, out).
 */
int agw_stream_feed(agw_stream_t *s, const char *data, size_t len,
    agw_buf_t *out);

/*
 * Ends the client stream.  upstream_ok says the provider's connection ended
 * cleanly.  When the provider never sent its dialect's end of stream (so
 * also when the connection failed before it), or an error was met, appends
 * the client dialect's error event (never a clean end) and returns 1;
 * otherwise appends the closing events and returns 0.  A connection that
 * fails after the end marker loses nothing: the stream is complete.
 * Calling it again appends nothing.
 */
int agw_stream_finish(agw_stream_t *s, int upstream_ok, agw_buf_t *out);

/*
 * Why the stream ends early, when the caller knows it better than "cut"
 * (the provider stalled past the read timeout): agw_stream_finish() then
 * reports err in the client's error event instead of stream_truncated.
 * Changes nothing once the stream met an error or ended.
 */
void agw_stream_set_error(agw_stream_t *s, const agw_error_t *err);

/*
 * The Unix time for a "created" field when the provider's stream has none
 * (an OpenAI client of an Anthropic provider); without it such a stream
 * says created 0.  Call before the first feed.
 */
void agw_stream_set_created(agw_stream_t *s, int64_t created);

const agw_usage_t *agw_stream_usage(const agw_stream_t *s);
/* The error met by the stream (mid-stream provider error), cls NONE if none. */
const agw_error_t *agw_stream_error(const agw_stream_t *s);
void agw_stream_free(agw_stream_t *s);

#endif /* AGW_TRANSLATE_H */
