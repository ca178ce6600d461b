/*
 * agw_gemini: the gemini dialect's stream state (see agw_translate_int.h).
 */

#ifndef AGW_GEMINI_H
#define AGW_GEMINI_H

#include <stdint.h>

typedef struct {
    int  unused;
} agw_gemini_stream_t;

#endif /* AGW_GEMINI_H */
