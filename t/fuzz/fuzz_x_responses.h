/*
 * fuzz_x_responses.h: what the Responses dialect's engine fuzzers share:
 * a JSON validity check.
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


#endif /* FUZZ_X_RESPONSES_H */
