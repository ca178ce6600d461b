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

#include <jansson.h>

#include "agw_codec.h"
#include "agw_json_reader.h"
#include "agw_request_index.h"


static void
fuzz_index_agrees(const agw_codec_t *c, const char *body, size_t len,
    const agw_request_ctx_t *ctx, int json)
{
    json_t            *ja, *jb;
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

    if (rc1 == 0 && json
        && !(a.len == b.len && memcmp(a.data, b.data, a.len) == 0))
    {
        ja = json_loadb(a.data, a.len, 0, NULL);
        jb = json_loadb(b.data, b.len, 0, NULL);

        if (ja != NULL && jb != NULL && json_equal(ja, jb)) {
            /* the same request */
            b.len = a.len;
            memcpy(b.data, a.data, a.len);
        }

        json_decref(ja);
        json_decref(jb);
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
