
/*
 * Runs of the client's body left out of a rewrite's output
 * (agw_body_refs.h).
 */

#include <stdint.h>

#include "agw_body_refs.h"


void
agw_body_copy(agw_jw_t *w, agw_body_refs_t *refs, const char *p, size_t len)
{
    agw_body_ref_t  *ref;

    /* compared as addresses: p may point anywhere, and only a run inside
     * the body the caller holds may be left to it */
    if (refs == NULL || len < refs->min || refs->n == AGW_BODY_REFS
        || w->failed
        || (uintptr_t) p < (uintptr_t) refs->body
        || (uintptr_t) p + len > (uintptr_t) refs->body + refs->len)
    {
        agw_jw_append(w, p, len);
        return;
    }

    ref = &refs->ref[refs->n++];
    ref->at = w->out->len;
    ref->from = (size_t) (p - refs->body);
    ref->len = len;
}


static void
agw_body_refs_run(void *data, agw_jw_t *w, const char *p, size_t len)
{
    agw_body_copy(w, data, p, len);
}


void
agw_body_refs_writer(agw_jw_t *w, agw_body_refs_t *refs)
{
    if (refs == NULL) {
        return;
    }

    w->runs = agw_body_refs_run;
    w->runs_data = refs;
    w->runs_min = refs->min;
}
