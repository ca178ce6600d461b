/*
 * agw_responses: an OpenAI Responses API stream passed through to a client
 * of the same API, with the model rewritten back and the usage read.
 *
 * Provider bytes go in split anywhere; client bytes come out a whole event
 * at a time.  Every event goes out byte for byte as the provider framed it
 * (comments, CRLF and all), except the lifecycle events whose data holds a
 * top-level "response" object (response.created, .queued, .in_progress,
 * .completed, .failed, .incomplete): those are framed again as
 * "event: NAME\ndata: JSON\n\n" with "response"."model" replaced by the
 * client's model and every other byte of the JSON kept.  Their usage
 * (input_tokens, input_tokens_details.cached_tokens, output_tokens,
 * output_tokens_details.reasoning_tokens) is merged into rs->usage.
 *
 * A stream is whole once response.completed, .incomplete or .failed went
 * by.  An "error" event or response.failed is an error met (rs->error); a
 * stream that ends before its terminal event is cut, and the client gets
 * the Responses API's error event instead of a clean end:
 *
 *   event: error
 *   data: {"type":"error","code":"stream_truncated","message":"...",
 *          "param":null,"sequence_number":N,"error":{"type":"server_error",
 *          "code":"stream_truncated","message":"...","param":null}}
 *
 * (the reference's fields, and the "error" object the live API nests them
 * in, on which the SDKs raise an error).
 *
 * Plain C, no globals; the caller owns the struct, agw_responses_free()
 * gives back the buffers it grew.
 */

#ifndef AGW_RESPONSES_H
#define AGW_RESPONSES_H

#include <stddef.h>
#include <stdint.h>

#include "agw_buf.h"
#include "agw_sse.h"
#include "agw_translate.h"
#include "agw_usage.h"

typedef struct {
    agw_sse_parser_t  sse;
    agw_buf_t         raw;        /* the current event's bytes, as sent */
    agw_buf_t         json;       /* a rewritten "response" object */
    agw_buf_t        *out;        /* the caller's, during a feed */
    char              model[256]; /* the client's model, "" keeps it */
    agw_usage_t       usage;
    agw_error_t       error;      /* cls NONE while none was met */
    uint64_t          events;     /* events sent: the next sequence number */
    unsigned          ended:1;    /* a terminal lifecycle event went by */
    unsigned          error_sent:1; /* the client got the provider's error */
    unsigned          finished:1;
    unsigned          drop_lf:1;  /* the LF of a CRLF we framed again */
} agw_responses_t;

/* model: the name the client asked for (cut at 255 bytes). */
void agw_responses_init(agw_responses_t *rs, const char *model,
    size_t max_event);

/*
 * Feeds provider bytes; appends client bytes to out.  Returns 0, or -1
 * (out of memory, or an event larger than max_event: rs->error says
 * which): the caller then stops feeding and calls agw_responses_finish().
 */
int agw_responses_feed(agw_responses_t *rs, const char *data, size_t len,
    agw_buf_t *out);

/*
 * Ends the client stream: 0 when it was whole; 1 when an error was met
 * (the provider's error event already went to the client) or the stream
 * was cut (the error event above is appended to out).  -1 when out of
 * memory.  Calling it again appends nothing and returns the same.
 */
int agw_responses_finish(agw_responses_t *rs, agw_buf_t *out);

void agw_responses_free(agw_responses_t *rs);

#endif /* AGW_RESPONSES_H */
