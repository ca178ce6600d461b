/*
 * x_engine_stub.h: the stream driver's two entry points for the
 * Anthropic codec's tests and fuzzers, until the engine has them: weak,
 * so the engine's own agw_stream_step() and agw_stream_error_slot() take
 * over as soon as the library has them.  Steps go straight to the
 * writer, with the usage merged and the end and errors recorded as the
 * contract in agw_codec.h says.
 */

#ifndef X_ENGINE_STUB_H
#define X_ENGINE_STUB_H

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
    agw_error_t  *e;

    if (step->usage != NULL) {
        agw_usage_merge(&s->usage, step->usage);
    }

    switch (step->type) {

    case AGW_STEP_END:
        s->provider_done = 1;
        return 0;

    case AGW_STEP_ERROR:
        e = agw_stream_error_slot(s);
        if (e == NULL) {
            return -1;
        }
        *e = *step->error;
        return 0;

    default:
        return s->writer->write_step(s, step);
    }
}

#endif /* X_ENGINE_STUB_H */
