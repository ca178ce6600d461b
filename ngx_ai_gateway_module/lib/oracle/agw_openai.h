/*
 * agw_openai: the OpenAI Chat Completions dialect's stream state.
 */

#ifndef AGW_OPENAI_H
#define AGW_OPENAI_H

#include <stdint.h>

/* the longest chunk start the passthrough's fast path remembers */
#define AGW_OPENAI_PREFIX_MAX  192

typedef struct {
    char      id[96];          /* chat.completion.chunk id, encoder side */
    int64_t   created;
    unsigned  role_sent:1;     /* encoder: first delta carried the role */
    unsigned  finish_seen:1;   /* a finish_reason went by */
    unsigned  done_seen:1;     /* decoder: "[DONE]" arrived */
    unsigned  no_fast_path:1;  /* passthrough: always re-serialise (tests) */

    /*
     * Passthrough: the length of the last walked chunk's bytes up to the
     * end of its "model" value (agw_stream_t's openai_prefix holds them),
     * and the offsets the walk found in them: the model's key, its value,
     * the end of the member before it (0 for none).  The chunks of one
     * answer repeat these bytes (id, object, created, model).
     */
    uint16_t  prefix_len;
    uint16_t  prefix_key;
    uint16_t  prefix_value;
    uint16_t  prefix_prev;
} agw_openai_stream_t;

#endif /* AGW_OPENAI_H */
