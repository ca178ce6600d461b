/*
 * agw_request_index: where the top-level members that the gateway reads
 * and a same-dialect rewrite edits are in a client's request body, found
 * by one validating walk of the whole body.
 *
 * The module walks a body once to read its model and stream options and
 * to refuse it when it is not JSON; with the index of that walk, the
 * rewrite of a request for a provider of the client's own dialect
 * (agw_request_ctx_t.index) edits the bytes at these places instead of
 * walking the body again: an agent's body is 100 KB and more.
 */

#ifndef AGW_REQUEST_INDEX_H
#define AGW_REQUEST_INDEX_H

#include <stddef.h>
#include <stdint.h>


/* One top-level member, by offsets into the body. */
typedef struct {
    size_t     start;       /* after what came before it: at its comma,
                               if any, or at the blank before its key */
    size_t     value;       /* its value's first byte */
    size_t     end;         /* just past its value */
    int        type;        /* AGW_JR_* of the value; 0: absent */
    unsigned   first:1;     /* the object's first member */
    unsigned   escaped:1;   /* its key was spelled with escapes */
    unsigned   count:30;    /* how many members have that name */
} agw_req_member_t;


typedef struct {
    agw_req_member_t   model;
    agw_req_member_t   stream;
    agw_req_member_t   stream_options;
    size_t             open;       /* the object's '{' */
    size_t             close;      /* its '}' */
    uint32_t           members;    /* its number of members */
    /* the first of the three above that came twice or with escapes,
     * in body order: NULL when none */
    const char        *twice;
    unsigned           twice_escaped:1;
    unsigned           valid:1;    /* the body is a JSON object */
} agw_req_index_t;


/*
 * Walks body (every byte validated, as agw_jr does) and fills ix.  0 for
 * a JSON object; -1 when it is not JSON, *errpos the offending byte's
 * offset; 1 for JSON of another type than an object.
 */
int agw_request_index(const char *body, size_t len, agw_req_index_t *ix,
    size_t *errpos);

/*
 * Whether ix can stand for the walk of a rewrite: the walk of an object,
 * each of its members there at most once (a rewrite edits one of each).
 */
int agw_request_index_usable(const agw_req_index_t *ix);

/*
 * Where the bytes to take out for a member [start, end) of a walk end:
 * its comma goes with it (the one before it, which start includes, or
 * for the first member the one after it).
 */
size_t agw_request_index_cut_end(const char *body, size_t len, size_t end,
    int first);

#endif /* AGW_REQUEST_INDEX_H */
