/*
 * libFuzzer target: the pull reader against jansson.  agw_json_valid and
 * a full pull walk must accept exactly what json_loadb accepts (any
 * value at the top), and the walk must read the same tree, except where
 * jansson's verdict says nothing of the grammar (walk_jansson_verdict: a
 * number out of jansson's range, a raw NUL, nesting past the reader's
 * bound).  A skip of the whole input must agree with the walk and end
 * where it ends.  Any difference aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../unit/json_walk.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          jv, valid;
    size_t       errpos;
    json_t      *want, *got;
    agw_jr_t     r, s;
    const char  *text = (const char *) data;

    valid = agw_json_valid(text, size, &errpos) == 0;

    if (!valid && errpos > size) {
        abort();                        /* an error past the input */
    }

    got = walk_document(text, size, &r);

    if ((got != NULL) != valid) {
        abort();                        /* the walk and the skip disagree */
    }

    if (r.failed && r.errpos > size) {
        abort();
    }

    /* a skip from the start ends where the walk ended */
    agw_jr_init(&s, text, size);
    if (valid && (agw_jr_value(&s, NULL) != 0 || agw_jr_end(&s) != 0
                  || s.p != r.p))
    {
        abort();
    }

    jv = walk_jansson_verdict(text, size, &want);

    if (jv >= 0) {
        if (jv != valid) {
            abort();                    /* not jansson's verdict */
        }

        if (jv && !json_equal(got, want)) {
            abort();                    /* another tree */
        }
    }

    json_decref(want);
    json_decref(got);
    return 0;
}
