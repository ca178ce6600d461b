/*
 * agw_usage: token usage, normalised across dialects.
 *
 * The normalisation rule, so that nothing is counted twice:
 *
 *   input       every prompt token the provider processed, INCLUDING cache
 *               reads and cache writes (OpenAI prompt_tokens semantics;
 *               Anthropic input_tokens + cache_read + cache_creation).
 *   cache_read  the part of input served from the provider's cache.
 *   cache_write the part of input written to the cache (Anthropic only).
 *   output      every generated token INCLUDING reasoning (OpenAI
 *               completion_tokens; Gemini candidates + thoughts).
 *   reasoning   the part of output spent on reasoning / thinking.
 *
 * So uncached input = input - cache_read - cache_write, and pricing is
 * uncached*in + cache_read*read + cache_write*write + output*out.
 * A field is -1 when no event carried it yet.
 */

#ifndef AGW_USAGE_H
#define AGW_USAGE_H

#include <stdint.h>

typedef struct {
    int64_t  input;
    int64_t  output;
    int64_t  cache_read;
    int64_t  cache_write;
    int64_t  reasoning;
} agw_usage_t;

void agw_usage_init(agw_usage_t *u);
/* Fields of src that are set (>= 0) overwrite those of dst. */
void agw_usage_merge(agw_usage_t *dst, const agw_usage_t *src);
int  agw_usage_known(const agw_usage_t *u);
/* a + b held at the int64 range's ends: counts come from providers, and a
 * sum of theirs must not overflow (undefined in C) */
int64_t agw_usage_sum(int64_t a, int64_t b);

#endif /* AGW_USAGE_H */
