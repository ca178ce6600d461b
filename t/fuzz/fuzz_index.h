/*
 * fuzz_index.h: the module's walk of a client's body (agw_request_index)
 * against the reader and a same-dialect rewrite.  The walk takes exactly
 * the JSON objects the reader takes; and the rewrite given its index
 * writes the bytes, or fails as, the rewrite that walks (with json set,
 * the same JSON: Gemini's walking rewrite writes the members again).
 * Anything else aborts with the input.
 */

#ifndef FUZZ_INDEX_H
#define FUZZ_INDEX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "agw_codec.h"
#include "agw_json_reader.h"
#include "agw_request_index.h"
#include "../unit/body_refs_join.h"


/*
 * JSON text without the whitespace between its tokens: two valid
 * documents that differ only there (a member cut out of one, say) become
 * the same bytes.  In place; returns the new length.
 */
static size_t
fuzz_index_squeeze(char *p, size_t len)
{
    int     in_string, escaped;
    size_t  i, n;

    in_string = 0;
    escaped = 0;
    n = 0;

    for (i = 0; i < len; i++) {
        if (in_string) {
            if (escaped) {
                escaped = 0;

            } else if (p[i] == '\\') {
                escaped = 1;

            } else if (p[i] == '"') {
                in_string = 0;
            }

        } else if (p[i] == '"') {
            in_string = 1;

        } else if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n'
                   || p[i] == '\r')
        {
            continue;
        }

        p[n++] = p[i];
    }

    return n;
}


/*
 * The rewrite given the index once more, listing its runs of the client's
 * body (every run: min 1) instead of copying them, as the module asks: the
 * runs must lie in the body and in order, and put back between the edits
 * give the bytes of the copy, want.
 */
static void
fuzz_index_refs(const agw_codec_t *c, const char *body, size_t len,
    const agw_request_ctx_t *ctx, const agw_buf_t *want)
{
    int                rc;
    agw_buf_t          out = AGW_BUF_INIT, whole = AGW_BUF_INIT;
    agw_error_t        err;
    agw_body_refs_t    refs;
    agw_request_ctx_t  o;

    memset(&refs, 0, sizeof(refs));
    refs.body = body;
    refs.len = len;
    refs.min = 1;

    o = *ctx;
    o.refs = &refs;
    memset(&err, 0, sizeof(err));
    rc = c->rewrite_request(body, len, &o, &out, &err);

    if (rc == 0) {
        rc = body_refs_join(&refs, body, len, &out, &whole) == 0 ? 0 : -2;
    }

    if (rc != 0 || whole.len != want->len
        || (whole.len && memcmp(whole.data, want->data, whole.len) != 0))
    {
        fprintf(stderr, "the rewrite listing its runs differs (rc %d)\n"
                "--- input:\n%.*s\n--- copied:\n%.*s\n--- put back:\n%.*s\n",
                rc, (int) len, body, (int) want->len,
                want->data ? want->data : "", (int) whole.len,
                whole.data ? whole.data : "");
        abort();
    }

    agw_buf_free(&out);
    agw_buf_free(&whole);
}


static void
fuzz_index_agrees(const agw_codec_t *c, const char *body, size_t len,
    const agw_request_ctx_t *ctx, int json)
{
    int                rc, rc1, rc2, is_obj;
    agw_jr_t           r;
    size_t             errpos;
    agw_buf_t          a = AGW_BUF_INIT, b = AGW_BUF_INIT;
    agw_error_t        err;
    agw_req_index_t    ix;
    agw_request_ctx_t  o;

    agw_jr_init(&r, body, len);
    is_obj = agw_jr_peek(&r) == AGW_JR_OBJECT
             && agw_json_valid(body, len, NULL) == 0;

    rc = agw_request_index(body, len, &ix, &errpos);

    if ((rc == 0) != is_obj || (rc == -1 && errpos > len)) {
        fprintf(stderr, "index %d disagrees with the reader (object %d)\n"
                "--- input:\n%.*s\n", rc, is_obj, (int) len, body);
        abort();
    }

    if (rc != 0) {
        return;
    }

    o = *ctx;
    o.index = NULL;
    memset(&err, 0, sizeof(err));
    rc1 = c->rewrite_request(body, len, &o, &a, &err);

    o.index = &ix;
    memset(&err, 0, sizeof(err));
    rc2 = c->rewrite_request(body, len, &o, &b, &err);

    if (rc2 == 0) {
        fuzz_index_refs(c, body, len, &o, &b);
    }

    if (rc1 == 0 && rc2 == 0 && json) {
        /* the same request, spaced otherwise */
        a.len = fuzz_index_squeeze(a.data, a.len);
        b.len = fuzz_index_squeeze(b.data, b.len);
    }

    if (rc1 != rc2 || a.len != b.len
        || (a.len && memcmp(a.data, b.data, a.len) != 0))
    {
        fprintf(stderr, "the rewrite with the index differs\n--- input:\n"
                "%.*s\n--- walking:\n%.*s\n--- indexed:\n%.*s\n",
                (int) len, body, (int) a.len, a.data ? a.data : "",
                (int) b.len, b.data ? b.data : "");
        abort();
    }

    agw_buf_free(&a);
    agw_buf_free(&b);
}

#endif /* FUZZ_INDEX_H */
