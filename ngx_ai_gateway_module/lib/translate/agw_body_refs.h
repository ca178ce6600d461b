
/*
 * Runs of the client's body a same-dialect rewrite leaves out of its
 * output.  A rewrite copies the client's bytes around a few edits; asked
 * (agw_request_ctx_t.refs), it writes only the edits and lists where each
 * long run of the body goes instead, so that a caller that can send the
 * body in pieces (the module: a chain of the client's buffer and the
 * edits) never copies the 85 KB of an agent's history.  A translation
 * lists the long strings and values it would copy as they came (tool
 * results, file contents, schemas: a third of an agent's body), until
 * the list is full.
 */

#ifndef AGW_BODY_REFS_H
#define AGW_BODY_REFS_H

#include <stddef.h>

#include "agw_json_writer.h"


/* body[from, from + len) goes at offset at of the output. */
typedef struct {
    size_t          at;
    size_t          from;
    size_t          len;
} agw_body_ref_t;


/* the most a rewrite makes (a run before and after each of its edits);
 * a translation lists that many of its long strings, the rest copied:
 * with the edits between them, 49 buffers, one writev's worth */
#define AGW_BODY_REFS  24

typedef struct {
    const char     *body;       /* the client's bytes, as the rewrite gets
                                   them */
    size_t          len;
    size_t          min;        /* a run shorter than this is copied */
    unsigned        n;          /* set to 0 by the caller */
    agw_body_ref_t  ref[AGW_BODY_REFS];
} agw_body_refs_t;


/*
 * Appends p[0, len) to w, or, when refs is not NULL and the bytes are a
 * long enough run of refs->body, lists it at w's current end instead.
 */
void agw_body_copy(agw_jw_t *w, agw_body_refs_t *refs, const char *p,
    size_t len);

/*
 * A translation's writer (refs may be NULL: nothing changes): the strings
 * and values it copies as they came, when long enough runs of refs->body,
 * are listed instead, as agw_body_copy() lists a rewrite's runs.
 */
void agw_body_refs_writer(agw_jw_t *w, agw_body_refs_t *refs);

#endif /* AGW_BODY_REFS_H */
