/*
 * A same-dialect rewrite's output put back together from its edits and
 * the client's runs it listed (agw_body_refs.h), as the module sends it:
 * the golden test and the request fuzzers compare the result with the
 * rewrite's plain copy.
 */

#ifndef BODY_REFS_JOIN_H
#define BODY_REFS_JOIN_H

#include <string.h>

#include "agw_body_refs.h"
#include "agw_buf.h"


/* 0, or -1 when a run is out of order or outside the body or the output */
static int
body_refs_join(const agw_body_refs_t *refs, const char *body, size_t len,
    const agw_buf_t *out, agw_buf_t *whole)
{
    size_t    at;
    unsigned  i;

    at = 0;

    for (i = 0; i < refs->n; i++) {
        if (refs->ref[i].at < at || refs->ref[i].at > out->len
            || refs->ref[i].from > len || refs->ref[i].len > len
            || refs->ref[i].from + refs->ref[i].len > len)
        {
            return -1;
        }

        /* the edits may be nothing at all (out->data NULL) */
        if (refs->ref[i].at > at) {
            agw_buf_append(whole, out->data + at, refs->ref[i].at - at);
        }

        agw_buf_append(whole, body + refs->ref[i].from, refs->ref[i].len);
        at = refs->ref[i].at;
    }

    if (out->len > at) {
        agw_buf_append(whole, out->data + at, out->len - at);
    }

    return 0;
}

#endif /* BODY_REFS_JOIN_H */
