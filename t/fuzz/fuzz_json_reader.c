/*
 * libFuzzer target: the pull reader against jansson.  agw_json_valid and
 * a full pull walk must accept exactly what json_loadb accepts (any
 * value at the top), and the walk must read the same tree, except where
 * jansson's verdict says nothing of the grammar (walk_jansson_verdict: a
 * number out of jansson's range, a raw NUL, nesting past the reader's
 * bound).  A skip of the whole input must agree with the walk and end
 * where it ends.  The module's walk of a request body (agw_request_index)
 * must give the skip's verdict.  The input as a string's inside, shifted
 * across the scan's blocks, must end or fail where the byte-by-byte
 * reference (json_ref.h) says.  Any difference aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../unit/json_walk.h"
#include "../unit/json_ref.h"
#include "agw_request_index.h"


/* The input as the inside of a string, after a quote and shift plain
 * bytes: the scan and the reference agree at every block alignment. */
static void
string_shifts(const uint8_t *data, size_t size)
{
    size_t   shift;
    char    *b;

    b = malloc(size + 32);
    if (b == NULL) {
        return;
    }

    for (shift = 0; shift < 32; shift += (shift < 17) ? 1 : 5) {
        b[0] = '"';
        memset(b + 1, 'a', shift);
        memcpy(b + 1 + shift, data, size);

        if (ref_string_compare(b, 1 + shift + size) != 0) {
            abort();                    /* the scan differs */
        }
    }

    free(b);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int              jv, valid, rc;
    size_t           errpos, ierr;
    json_t          *want, *got;
    agw_jr_t         r, s;
    agw_req_index_t  ix;
    const char      *text = (const char *) data;

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

    /* the module's walk: an object, another value, or the skip's error */
    rc = agw_request_index(text, size, &ix, &ierr);
    if ((rc == -1) == valid || (rc == 0 && !ix.valid)
        || (rc == -1 && ierr > size))
    {
        abort();
    }

    string_shifts(data, size);

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
