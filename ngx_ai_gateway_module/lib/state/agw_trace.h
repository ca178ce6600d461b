/*
 * agw_trace: W3C Trace Context (https://www.w3.org/TR/trace-context/)
 * for the module, which continues a client's trace, and the daemon, which
 * exports the spans (docs/tracing.md).
 *
 *   traceparent: 00-<trace-id, 32 hex>-<parent-id, 16 hex>-<flags, 2 hex>
 *
 * Ids are bytes here; the wire form is lowercase hex.  Plain C, no
 * randomness of its own: the caller seeds agw_trace_rand().
 */

#ifndef AGW_TRACE_H
#define AGW_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "agw_event.h"

#define AGW_TRACEPARENT_LEN   55       /* version 00, without a NUL */
#define AGW_TRACE_SAMPLED     0x01


typedef struct {
    uint8_t  trace_id[AGW_TRACE_ID_SIZE];
    uint8_t  parent_id[AGW_SPAN_ID_SIZE];
    uint8_t  flags;
} agw_traceparent_t;


/*
 * Parses a traceparent value: version 00 exactly, a later version by the
 * version 00 rules on its first 55 bytes (the spec's forward
 * compatibility).  Rejects version ff, upper case hex, all-zero ids, and
 * anything else malformed.  0, or -1: the value must not be used, nor
 * forwarded.
 */
int agw_traceparent_parse(const char *s, size_t len, agw_traceparent_t *tp);

/* Writes the AGW_TRACEPARENT_LEN bytes of a version 00 value (no NUL). */
void agw_traceparent_format(char *out, const uint8_t *trace_id,
    const uint8_t *parent_id, uint8_t flags);

/*
 * splitmix64: the next pseudo-random word of *state.  Ids need to be
 * unique, not secret; seeded once per process from a real random source.
 */
uint64_t agw_trace_rand(uint64_t *state);

/* Fills n bytes of id (a trace or span id), never all zero. */
void agw_trace_new_id(uint64_t *state, uint8_t *id, size_t n);

/*
 * The span id of try i (0-based) of a request whose span is span_id: what
 * the module sends the provider as traceparent's parent-id and the daemon
 * exports as the try's span.  Derived, not stored (agw_event.h says why):
 * a bijective mix of span_id + i + 1, so tries never share an id with each
 * other, nor, but for a 2^-64 chance, with the request's span.
 */
void agw_trace_try_span_id(const uint8_t *span_id, unsigned i,
    uint8_t *out);

/* 1 if the n bytes of id are all zero. */
int agw_trace_id_is_zero(const uint8_t *id, size_t n);

#endif /* AGW_TRACE_H */
