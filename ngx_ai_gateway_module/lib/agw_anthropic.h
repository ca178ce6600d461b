/*
 * agw_anthropic: the anthropic dialect's stream state (see agw_translate_int.h).
 */

#ifndef AGW_ANTHROPIC_H
#define AGW_ANTHROPIC_H

#include <stdint.h>

typedef struct {
    int  unused;
} agw_anthropic_stream_t;

#endif /* AGW_ANTHROPIC_H */
