/*
 * x_openai.h: what the OpenAI codec's engine tests and fuzz targets
 * share: the engine driver's two calls as the codec contract describes
 * them, for as long as the driver (agw_engine.c) is not linked in.  They
 * are weak: the real ones win when it is.
 */

#ifndef X_OPENAI_H
#define X_OPENAI_H

#include <stdlib.h>

#include "agw_codec.h"


__attribute__((weak)) int
agw_stream_step(agw_xstream_t *s, const agw_step_t *step)
{
    if (step->usage != NULL) {
        agw_usage_merge(&s->usage, step->usage);
    }

    if (step->type == AGW_STEP_END) {
        s->provider_done = 1;
        return 0;
    }

    if (step->type == AGW_STEP_START) {
        s->started = 1;
    }

    return s->writer->write_step(s, step);
}


/* malloc'd: the callers free s->error */
__attribute__((weak)) agw_error_t *
agw_stream_error_slot(agw_xstream_t *s)
{
    if (s->error == NULL) {
        s->error = calloc(1, sizeof(agw_error_t));
    }

    return s->error;
}

#endif /* X_OPENAI_H */
