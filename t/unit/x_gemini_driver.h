/*
 * x_gemini_driver.h: the engine driver's two calls a codec makes, as
 * agw_codec.h says they behave, for the engine's Gemini tests until the
 * driver (agw_engine.c) is linked in: weak, so the real ones win when they
 * are there.  Usage merged, END marks the provider done and goes no
 * further, ERROR records its error, the rest goes to the client's writer
 * (START's usage, "usage so far", merged too).
 */

#ifndef X_GEMINI_DRIVER_H
#define X_GEMINI_DRIVER_H

#include <stdlib.h>

#include "agw_codec.h"


__attribute__((weak)) agw_error_t *
agw_stream_error_slot(agw_xstream_t *s)
{
    if (s->error == NULL) {
        s->error = calloc(1, sizeof(agw_error_t));
    }

    return s->error;
}


__attribute__((weak)) int
agw_stream_step(agw_xstream_t *s, const agw_step_t *step)
{
    switch (step->type) {
    case AGW_STEP_USAGE:
        agw_usage_merge(&s->usage, step->usage);
        break;
    case AGW_STEP_END:
        s->provider_done = 1;
        return 0;
    case AGW_STEP_ERROR:
        if (agw_stream_error_slot(s) == NULL) {
            return -1;
        }
        *s->error = *step->error;
        return 0;
    case AGW_STEP_START:
        if (step->usage != NULL) {
            agw_usage_merge(&s->usage, step->usage);
        }
        s->started = 1;
        break;
    default:
        break;
    }

    return s->writer->write_step(s, step);
}

#endif /* X_GEMINI_DRIVER_H */
