/*
 * agw_event: the fixed-layout usage event, one per request.
 *
 * The nginx module fills one in its log phase and hands it to
 * agw_ring_produce() (agw_state.h); the admin daemon reads it straight out
 * of the shared ring and stores it in SQLite.  Both sides compile this very
 * header, and the layout is part of the state file's layout version: any
 * change here must bump AGW_STATE_VERSION (the _Static_asserts below fail
 * first, on purpose, to remind you).
 *
 * Conventions:
 *   - strings are NUL-terminated and fit their array; agw_event_set_str()
 *     truncates safely (never in the middle of a UTF-8 sequence);
 *   - integers that may be unknown are -1 when unknown (tokens, ttfb,
 *     cost), matching agw_usage.h;
 *   - times are milliseconds: time_ms since the Unix epoch, durations
 *     since the request started;
 *   - no secret ever: a client key appears as its name and id only, and
 *     captured bodies are the JSON bodies, never the headers.
 *
 * Captured bodies (off by default) are not in agw_event_t: they follow it
 * in the slot, request body first, at sizes fixed when the state file was
 * formatted (agw_state_params_t).  agw_event_req_body() and
 * agw_event_resp_body() find them.
 */

#ifndef AGW_EVENT_H
#define AGW_EVENT_H

#include <stddef.h>
#include <stdint.h>

#define AGW_EVENT_REQID_SIZE     40   /* nginx $request_id is 32 hex */
#define AGW_EVENT_KEYID_SIZE     40   /* == AGW_KEY_ID_MAX (agw_keys.h) */
#define AGW_EVENT_NAME_SIZE      64   /* key name, model, route, provider */
#define AGW_EVENT_TRY_NAME_SIZE  48   /* a try's provider: see agw_attempt_t */
#define AGW_EVENT_ADDR_SIZE      48   /* INET6_ADDRSTRLEN (46), padded */
#define AGW_EVENT_MAX_ATTEMPTS   4
#define AGW_TRACE_ID_SIZE        16   /* W3C trace-id, bytes */
#define AGW_SPAN_ID_SIZE         8    /* W3C parent-id, a span id, bytes */

/* What the gateway's own response cache did (0 when there is none). */
typedef enum {
    AGW_CACHE_NONE = 0,
    AGW_CACHE_MISS,
    AGW_CACHE_HIT,
    AGW_CACHE_BYPASS
} agw_cache_status_t;

/* What the client asked for: the gateway's endpoints, by operation. */
typedef enum {
    AGW_OP_NONE = 0,
    AGW_OP_CHAT,                /* chat completions, messages, responses */
    AGW_OP_TEXT_COMPLETION,     /* legacy completions */
    AGW_OP_EMBEDDINGS,
    AGW_OP_GENERATE_CONTENT,    /* Gemini's generateContent and stream */
    AGW_OP_COUNT_TOKENS,
    AGW_OP_MODELS
} agw_operation_t;

/* The kind of provider a try went to (its `type=`). */
typedef enum {
    AGW_PROVIDER_UNKNOWN = 0,
    AGW_PROVIDER_OPENAI,        /* any OpenAI-compatible server */
    AGW_PROVIDER_AZURE,
    AGW_PROVIDER_ANTHROPIC,
    AGW_PROVIDER_GEMINI
} agw_provider_type_t;

/*
 * One try against one provider.  The first AGW_EVENT_MAX_ATTEMPTS tries are
 * kept; n_attempts in the event counts them all.  A provider's name is cut
 * at 47 bytes here (the event's provider keeps the answering one's in
 * full): configured names are short, and the 64 bytes the four tries give
 * back hold response_model within the slot budget (agw_state.h).
 */
typedef struct {
    char      provider[AGW_EVENT_TRY_NAME_SIZE];
    int32_t   status;           /* upstream HTTP status; 0: no answer */
    uint32_t  latency_ms;
    uint8_t   error_class;      /* agw_err_class_t (translate/agw_error.h) */
    uint8_t   provider_type;    /* agw_provider_type_t */
    uint8_t   pad[2];
    uint32_t  start_ms;         /* since the request started */
} agw_attempt_t;

typedef struct {
    /* 8-byte fields first: no padding holes, same layout everywhere. */
    uint64_t  seq;              /* set by agw_ring_produce(): unique per
                                   state file (with its ring_id), dense,
                                   increasing in claim order */
    int64_t   time_ms;          /* request start, ms since the epoch */
    int64_t   latency_ms;       /* start to last byte sent */
    int64_t   ttfb_ms;          /* start to first response byte, -1 */
    int64_t   prompt_tokens;    /* agw_usage_t.input: incl. cached */
    int64_t   completion_tokens;/* agw_usage_t.output: incl. reasoning */
    int64_t   cached_tokens;    /* agw_usage_t.cache_read */
    int64_t   cache_write_tokens; /* agw_usage_t.cache_write */
    int64_t   reasoning_tokens; /* agw_usage_t.reasoning */
    int64_t   cost_micro_usd;   /* -1: no price known for the model */
    uint64_t  bytes_in;         /* client request, headers + body */
    uint64_t  bytes_out;        /* client response, headers + body */

    agw_attempt_t  attempts[AGW_EVENT_MAX_ATTEMPTS];

    int32_t   status;           /* HTTP status sent to the client */
    uint32_t  req_body_len;     /* captured bytes that follow the event */
    uint32_t  resp_body_len;
    uint8_t   n_attempts;       /* every try, even past MAX_ATTEMPTS */
    uint8_t   client_dialect;   /* agw_dialect_t (agw_dialect.h) */
    uint8_t   error_class;      /* agw_err_class_t, 0: none */
    uint8_t   cache_status;     /* agw_cache_status_t */
    uint8_t   stream;           /* the client asked for a stream */
    uint8_t   req_body_truncated;
    uint8_t   resp_body_truncated;
    uint8_t   trace_flags;      /* W3C trace-flags: bit 0 sampled */

    char      request_id[AGW_EVENT_REQID_SIZE];
    char      key_id[AGW_EVENT_KEYID_SIZE];
    char      key_name[AGW_EVENT_NAME_SIZE];
    char      model[AGW_EVENT_NAME_SIZE];          /* as the client asked */
    char      route[AGW_EVENT_NAME_SIZE];
    char      provider[AGW_EVENT_NAME_SIZE];       /* the one that answered */
    char      upstream_model[AGW_EVENT_NAME_SIZE];
    char      client_addr[AGW_EVENT_ADDR_SIZE];
    uint8_t   operation;        /* agw_operation_t */
    uint8_t   finish_reason;    /* agw_finish_t (translate/agw_ir.h), 0:
                                   none said */
    char      pad1[2];          /* explicit: the size stays a multiple of 8 */

    /*
     * W3C trace context (docs/tracing.md): the client's trace-id, or a new
     * one; the gateway's own span; the client's parent-id, zero when the
     * trace began here.  All zero: the module recorded none.  A try's span
     * id is not stored but derived (agw_trace_try_span_id()): the event
     * must stay within the slot budget (agw_state.h) or the ring halves.
     */
    uint8_t   trace_id[AGW_TRACE_ID_SIZE];
    uint8_t   span_id[AGW_SPAN_ID_SIZE];
    uint8_t   parent_span_id[AGW_SPAN_ID_SIZE];

    /* the model the provider says answered (a dated snapshot of the
     * upstream_model it was asked, say): gen_ai.response.model */
    char      response_model[AGW_EVENT_NAME_SIZE];
} agw_event_t;

/*
 * The layout, pinned.  Changing agw_event_t makes these fail: bump
 * AGW_STATE_VERSION in agw_state.h, then update the numbers.
 */
#define AGW_EVENT_SIZE  920

_Static_assert(sizeof(agw_event_t) == AGW_EVENT_SIZE,
               "agw_event_t changed: bump AGW_STATE_VERSION");
_Static_assert(sizeof(agw_event_t) % 8 == 0,
               "agw_event_t must keep 8-byte alignment of the next slot");
_Static_assert(sizeof(agw_attempt_t) == 64, "agw_attempt_t changed");
_Static_assert(offsetof(agw_event_t, seq) == 0, "seq moved");
_Static_assert(offsetof(agw_event_t, attempts) == 96, "attempts moved");
_Static_assert(offsetof(agw_event_t, status) == 352, "status moved");
_Static_assert(offsetof(agw_event_t, request_id) == 372,
               "request_id moved");
_Static_assert(offsetof(agw_event_t, client_addr) == 772,
               "client_addr moved");
_Static_assert(offsetof(agw_event_t, finish_reason) == 821,
               "finish_reason moved");
_Static_assert(offsetof(agw_event_t, trace_id) == 824, "trace_id moved");
_Static_assert(offsetof(agw_event_t, response_model) == 856,
               "response_model moved");

/* Zeroes ev and sets every "unknown" field to -1. */
void agw_event_init(agw_event_t *ev);

/*
 * Copies len bytes of src (not necessarily NUL-terminated) into dst of
 * size dstsize, truncating at a UTF-8 character boundary, always
 * NUL-terminating.  Returns the number of bytes stored.
 */
size_t agw_event_set_str(char *dst, size_t dstsize, const char *src,
    size_t len);

#define agw_event_set(ev, field, src, len)                                   \
    agw_event_set_str((ev)->field, sizeof((ev)->field), (src), (len))

/*
 * Whether the event counts in error rates: an error status or class, but
 * not a client that left before the end (499, client_closed), which is
 * neither the gateway's failure nor the provider's.
 */
int agw_event_is_error(const agw_event_t *ev);

/* The error class's name for storage and display: "none", "rate_limit"... */
const char *agw_event_error_class_name(unsigned cls);
const char *agw_event_cache_status_name(unsigned cs);

/* A finish reason's name (gen_ai.response.finish_reasons: the GenAI
 * conventions' stop, length, content_filter, tool_call where they apply);
 * NULL for none. */
const char *agw_event_finish_reason_name(unsigned fr);

/* The OpenTelemetry GenAI names (gen_ai.operation.name,
 * gen_ai.provider.name); NULL for none or unknown. */
const char *agw_event_operation_name(unsigned op);
const char *agw_event_provider_type_name(unsigned type);

#endif /* AGW_EVENT_H */
