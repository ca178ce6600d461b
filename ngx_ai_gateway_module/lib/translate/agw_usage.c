/*
 * agw_usage: token counts, normalised as agw_usage.h describes.
 */

#include "agw_usage.h"


void
agw_usage_init(agw_usage_t *u)
{
    u->input = -1;
    u->output = -1;
    u->cache_read = -1;
    u->cache_write = -1;
    u->reasoning = -1;
}


/*
 * Streams report usage piecemeal (Anthropic: input in message_start, output
 * in message_delta; Gemini: a running total in every chunk), so the latest
 * value of each field wins and unset fields never erase a known one.
 */
void
agw_usage_merge(agw_usage_t *dst, const agw_usage_t *src)
{
    if (src->input >= 0) {
        dst->input = src->input;
    }
    if (src->output >= 0) {
        dst->output = src->output;
    }
    if (src->cache_read >= 0) {
        dst->cache_read = src->cache_read;
    }
    if (src->cache_write >= 0) {
        dst->cache_write = src->cache_write;
    }
    if (src->reasoning >= 0) {
        dst->reasoning = src->reasoning;
    }
}


/* True when the provider told us anything at all about tokens. */
int
agw_usage_known(const agw_usage_t *u)
{
    return u->input >= 0 || u->output >= 0 || u->cache_read >= 0
           || u->cache_write >= 0 || u->reasoning >= 0;
}


int64_t
agw_usage_sum(int64_t a, int64_t b)
{
    int64_t  r;

    if (__builtin_add_overflow(a, b, &r)) {
        return a > 0 ? INT64_MAX : INT64_MIN;
    }

    return r;
}
