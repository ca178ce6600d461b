/*
 * fuzz_x_responses.h: what the Responses dialect's engine fuzzers share:
 * a JSON validity check, and a stream driver for two codecs (weak: the
 * engine's own agw_stream_step() takes over once the library has one).
 */

#ifndef FUZZ_X_RESPONSES_H
#define FUZZ_X_RESPONSES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agw_codec.h"
#include "agw_json_reader.h"
#include "agw_sse.h"


__attribute__((unused)) static void
fuzz_x_valid_json(const char *what, const char *p, size_t len)
{
    size_t  at;

    /* the one reader's rules (jansson's but for numbers beyond int64,
     * which it refuses and a gateway passes on) */
    if (agw_json_valid(p, len, &at) != 0) {
        fprintf(stderr, "%s is not JSON (at %zu): %.*s\n", what, at,
                (int) (len > 2000 ? 2000 : len), p);
        abort();
    }
}


static agw_error_t  fuzz_x_slot;


__attribute__((weak)) agw_error_t *
agw_stream_error_slot(agw_xstream_t *s)
{
    if (s->error == NULL) {
        memset(&fuzz_x_slot, 0, sizeof(fuzz_x_slot));
        s->error = &fuzz_x_slot;
    }

    return s->error;
}


__attribute__((weak)) int
agw_stream_step(agw_xstream_t *s, const agw_step_t *step)
{
    if (step->usage != NULL) {
        agw_usage_merge(&s->usage, step->usage);
    }

    switch (step->type) {
    case AGW_STEP_END:
        s->provider_done = 1;
        return 0;

    case AGW_STEP_ERROR:
        *agw_stream_error_slot(s) = *step->error;
        return 0;

    default:
        return s->writer->write_step(s, step);
    }
}

#endif /* FUZZ_X_RESPONSES_H */
