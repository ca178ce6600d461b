/*
 * agw_trace: W3C traceparent parsing and formatting, span ids (agw_trace.h).
 */

#include <string.h>

#include "agw_hash.h"
#include "agw_trace.h"


/* Lowercase hex only: the spec forbids upper case, and two spellings of
 * one id would be two ids to a tracing backend. */
static int
agw_trace_unhex(const char *s, size_t n, uint8_t *out)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return -1;
        }
    }

    return agw_unhex(s, n, out, n / 2);
}


int
agw_traceparent_parse(const char *s, size_t len, agw_traceparent_t *tp)
{
    uint8_t  version;

    /* 00-<32>-<16>-<2>: dashes at 2, 35 and 52 */
    if (len < AGW_TRACEPARENT_LEN
        || s[2] != '-' || s[35] != '-' || s[52] != '-'
        || agw_trace_unhex(s, 2, &version) != 0
        || version == 0xff
        || agw_trace_unhex(s + 3, 32, tp->trace_id) != 0
        || agw_trace_unhex(s + 36, 16, tp->parent_id) != 0
        || agw_trace_unhex(s + 53, 2, &tp->flags) != 0)
    {
        return -1;
    }

    /* version 00 is exactly 55 bytes; a later one may add "-..." */
    if (len > AGW_TRACEPARENT_LEN
        && (version == 0 || s[AGW_TRACEPARENT_LEN] != '-'))
    {
        return -1;
    }

    if (agw_trace_id_is_zero(tp->trace_id, AGW_TRACE_ID_SIZE)
        || agw_trace_id_is_zero(tp->parent_id, AGW_SPAN_ID_SIZE))
    {
        return -1;
    }

    return 0;
}


void
agw_traceparent_format(char *out, const uint8_t *trace_id,
    const uint8_t *parent_id, uint8_t flags)
{
    /* agw_hex() NUL-terminates: each field is written before the dash
     * that overwrites its NUL */
    char  tmp[3];

    memcpy(out, "00-", 3);
    agw_hex(trace_id, AGW_TRACE_ID_SIZE, out + 3);
    out[35] = '-';
    agw_hex(parent_id, AGW_SPAN_ID_SIZE, out + 36);
    out[52] = '-';
    agw_hex(&flags, 1, tmp);
    out[53] = tmp[0];
    out[54] = tmp[1];
}


/* splitmix64's finaliser: a bijection of 64-bit words. */
static uint64_t
agw_trace_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}


uint64_t
agw_trace_rand(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    return agw_trace_mix(*state);
}


void
agw_trace_new_id(uint64_t *state, uint8_t *id, size_t n)
{
    size_t    i, k;
    uint64_t  w;

    /* eight random bytes a draw, copied whole (their order is as random
     * as the bytes) */
    do {
        for (i = 0; i < n; i += k) {
            w = agw_trace_rand(state);
            k = n - i < sizeof(w) ? n - i : sizeof(w);
            memcpy(id + i, &w, k);
        }
    } while (agw_trace_id_is_zero(id, n));
}


void
agw_trace_try_span_id(const uint8_t *span_id, unsigned i, uint8_t *out)
{
    int       k;
    uint64_t  z;

    z = 0;
    for (k = 0; k < AGW_SPAN_ID_SIZE; k++) {
        z = (z << 8) | span_id[k];
    }

    z = agw_trace_mix(z + (uint64_t) i + 1);

    if (z == 0) {
        z = 1;              /* an all-zero parent-id is invalid */
    }

    for (k = AGW_SPAN_ID_SIZE - 1; k >= 0; k--) {
        out[k] = (uint8_t) z;
        z >>= 8;
    }
}


int
agw_trace_id_is_zero(const uint8_t *id, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (id[i] != 0) {
            return 0;
        }
    }

    return 1;
}
