/*
 * agw_request_index: one validating walk of a request body
 * (agw_request_index.h).
 */

#include <string.h>

#include "agw_json_reader.h"
#include "agw_request_index.h"


static agw_req_member_t *
agw_request_index_slot(agw_req_index_t *ix, const agw_str_t *key,
    const char **name)
{
    if (agw_str_is(key, "model")) {
        *name = "model";
        return &ix->model;
    }

    if (agw_str_is(key, "stream")) {
        *name = "stream";
        return &ix->stream;
    }

    if (agw_str_is(key, "stream_options")) {
        *name = "stream_options";
        return &ix->stream_options;
    }

    return NULL;
}


int
agw_request_index(const char *body, size_t len, agw_req_index_t *ix,
    size_t *errpos)
{
    int                rc;
    size_t             start;
    unsigned           escaped;
    agw_jr_t           r;
    agw_str_t          key;
    const char        *name;
    agw_req_member_t  *m;

    memset(ix, 0, sizeof(agw_req_index_t));

    agw_jr_init(&r, body, len);

    rc = agw_jr_peek(&r);
    ix->open = agw_jr_offset(&r);

    if (rc != AGW_JR_OBJECT) {
        if (rc != AGW_JR_NONE && agw_jr_value(&r, NULL) == 0
            && agw_jr_end(&r) == 0)
        {
            return 1;
        }

        goto invalid;
    }

    (void) agw_jr_object(&r);

    for ( ;; ) {
        start = agw_jr_offset(&r);

        rc = agw_jr_member(&r, &key);
        if (rc != 1) {
            break;
        }

        m = agw_request_index_slot(ix, &key, &name);

        if (m != NULL) {
            /* the reader decodes an escaped key: its kind says so */
            escaped = key.kind != AGW_STR_JSON || key.escaped;

            if ((m->count || escaped) && ix->twice == NULL) {
                ix->twice = name;
                ix->twice_escaped = escaped;
            }

            /* the last one of a name, as a JSON reader keeps */
            m->start = start;
            m->value = agw_jr_offset(&r);
            m->type = agw_jr_peek(&r);
            m->first = (ix->members == 0);
            m->escaped = escaped;
            m->count++;
        }

        if (agw_jr_value(&r, NULL) != 0) {
            goto invalid;
        }

        if (m != NULL) {
            m->end = agw_jr_offset(&r);
        }

        ix->members++;
    }

    if (rc != 0 || agw_jr_end(&r) != 0) {
        goto invalid;
    }

    /* after the walk, the reader stands past the closing brace and any
     * blank after it: the brace is the last byte that is not blank */
    ix->close = len;
    while (ix->close > 0 && body[ix->close - 1] != '}') {
        ix->close--;
    }
    ix->close--;
    ix->valid = 1;

    return 0;

invalid:

    *errpos = r.failed ? r.errpos : agw_jr_offset(&r);
    return -1;
}


int
agw_request_index_usable(const agw_req_index_t *ix)
{
    return ix != NULL && ix->valid && ix->model.count <= 1
           && ix->stream.count <= 1 && ix->stream_options.count <= 1;
}


size_t
agw_request_index_cut_end(const char *body, size_t len, size_t end,
    int first)
{
    if (!first) {
        return end;
    }

    while (end < len && (body[end] == ' ' || body[end] == '\t'
                         || body[end] == '\r' || body[end] == '\n'))
    {
        end++;
    }

    if (end < len && body[end] == ',') {
        end++;
    }

    return end;
}
