/*
 * agw_openai: the OpenAI Chat Completions dialect's stream state.
 */

#ifndef AGW_OPENAI_H
#define AGW_OPENAI_H

#include <stdint.h>

typedef struct {
    char      id[96];          /* chat.completion.chunk id, encoder side */
    int64_t   created;
    unsigned  role_sent:1;     /* encoder: first delta carried the role */
    unsigned  finish_seen:1;   /* a finish_reason went by */
    unsigned  done_seen:1;     /* decoder: "[DONE]" arrived */
    unsigned  no_fast_path:1;  /* passthrough: always re-serialise (tests) */
} agw_openai_stream_t;

#endif /* AGW_OPENAI_H */
