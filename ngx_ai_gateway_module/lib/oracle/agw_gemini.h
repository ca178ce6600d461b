/*
 * agw_gemini: the Google Gemini (generateContent) dialect's stream state
 * (see agw_translate_int.h).  The mapping is in docs/translation-gemini.md.
 */

#ifndef AGW_GEMINI_H
#define AGW_GEMINI_H

#include <stddef.h>
#include <stdint.h>

/* generateContent allows candidateCount 1..8. */
#define AGW_GEMINI_MAX_CANDIDATES  8

/* A tool call of a non-Gemini provider being assembled from argument
 * fragments, so that a Gemini client gets one whole functionCall part. */
typedef struct agw_gemini_call_s  agw_gemini_call_t;

/* What the encoder may hold for the end of the stream: bytes of tool calls
 * (ids, names, signatures, arguments) and calls; past either the stream
 * ends with an error chunk. */
#define AGW_GEMINI_MAX_HELD        (4 * 1024 * 1024)
#define AGW_GEMINI_MAX_HELD_CALLS  512

typedef struct {
    /* both sides: a bit per candidate (choice) that appeared */
    uint32_t            seen;

    /* decoder (Gemini is the provider) */
    uint32_t            ncalls[AGW_GEMINI_MAX_CANDIDATES]; /* emitted */
    uint8_t             finished[AGW_GEMINI_MAX_CANDIDATES];

    /* encoder (Gemini is the client) */
    agw_gemini_call_t  *calls;          /* malloc'd, ncalls_held used */
    size_t              ncalls_held;
    size_t              ncalls_cap;
    size_t              held_bytes;
    const char         *finish[AGW_GEMINI_MAX_CANDIDATES]; /* static names */
    char                id[96];         /* responseId sent to the client */
} agw_gemini_stream_t;

/*
 * Releases what the encoder holds (pending tool calls).  stream_end and
 * stream_error call it; agw_stream_free() must call it too, for a stream
 * abandoned before its end.
 */
void agw_gemini_stream_free(agw_gemini_stream_t *g);

#endif /* AGW_GEMINI_H */
