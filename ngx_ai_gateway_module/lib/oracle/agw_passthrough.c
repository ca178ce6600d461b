/*
 * agw_passthrough: same-dialect OpenAI bodies, rewritten on the bytes
 * (see agw_passthrough.h).
 */

#include <string.h>

#include "agw_json_scan.h"
#include "agw_passthrough.h"


typedef struct {
    agw_json_member_t  model;
    agw_json_member_t  stream_options;
    agw_json_member_t  usage;
    unsigned           has_model:1;
    unsigned           has_stream_options:1;
    unsigned           has_usage:1;
} agw_pt_members_t;


#define agw_pt_is(m, k)                                                      \
    ((m)->key_len == sizeof(k) - 1 && memcmp((m)->key, k, sizeof(k) - 1) == 0)


static int
agw_pt_members_cb(void *ud, const agw_json_member_t *m)
{
    agw_pt_members_t  *pm = ud;

    if (agw_pt_is(m, "model")) {
        pm->model = *m;
        pm->has_model = 1;

    } else if (agw_pt_is(m, "stream_options")) {
        pm->stream_options = *m;
        pm->has_stream_options = 1;

    } else if (agw_pt_is(m, "usage")) {
        pm->usage = *m;
        pm->has_usage = 1;
    }

    return 0;
}


/* Appends body[0..len) with the model value's bytes replaced. */
static int
agw_pt_splice_model(const char *body, size_t len, const agw_json_member_t *m,
    const char *model, size_t end, agw_buf_t *out)
{
    size_t  at, after;

    at = (size_t) (m->value - body);
    after = at + m->value_len;

    if (agw_buf_append(out, body, at) != 0
        || agw_buf_append_json_string(out, model, strlen(model)) != 0
        || agw_buf_append(out, body + after, end - after) != 0)
    {
        return -1;
    }

    return 0;
}


int
agw_passthrough_request(const char *body, size_t len, const char *model,
    int stream, agw_buf_t *out)
{
    agw_pt_members_t  pm;

    memset(&pm, 0, sizeof(pm));

    if (agw_json_scan(body, len, agw_pt_members_cb, &pm, NULL) != 0) {
        return -1;
    }

    if (!pm.has_model || pm.model.type != AGW_JSON_STRING) {
        return AGW_PASSTHROUGH_DECLINED;
    }

    return agw_passthrough_request_at(body, len, &pm.model,
                                      pm.has_stream_options
                                      ? &pm.stream_options : NULL,
                                      model, stream, out);
}


int
agw_passthrough_request_at(const char *body, size_t len,
    const agw_json_member_t *body_model,
    const agw_json_member_t *stream_options, const char *model, int stream,
    agw_buf_t *out)
{
    size_t             end;
    agw_json_member_t  iu;

    end = len;

    if (stream && stream_options) {
        if (stream_options->type != AGW_JSON_OBJECT
            || agw_json_find(stream_options->value,
                             stream_options->value_len, "include_usage",
                             &iu) != 0
            || iu.type != AGW_JSON_TRUE)
        {
            /* an edit inside stream_options: leave it to jansson */
            return AGW_PASSTHROUGH_DECLINED;
        }
    }

    if (stream && stream_options == NULL) {
        /* the object's closing brace: the last non-blank byte */
        while (end > 0 && body[end - 1] != '}') {
            end--;
        }

        end--;
    }

    if (agw_pt_splice_model(body, len, body_model, model, end, out) != 0) {
        goto nomem;
    }

    if (stream && stream_options == NULL) {
        if (agw_buf_append_str(out,
                               ",\"stream_options\":{\"include_usage\":true}}")
            != 0)
        {
            goto nomem;
        }
    }

    return 0;

nomem:

    agw_buf_reset(out);
    return -1;
}


typedef struct {
    agw_usage_t  *u;
    int           in_details;     /* 1: prompt/input, 2: completion/output */
} agw_pt_usage_t;


static int
agw_pt_usage_cb(void *ud, const agw_json_member_t *m)
{
    int64_t          v;
    agw_pt_usage_t  *pu = ud, sub;

    if (m->type == AGW_JSON_OBJECT && pu->in_details == 0) {
        sub.u = pu->u;
        sub.in_details = 0;

        if (agw_pt_is(m, "prompt_tokens_details")
            || agw_pt_is(m, "input_tokens_details"))
        {
            sub.in_details = 1;

        } else if (agw_pt_is(m, "completion_tokens_details")
                   || agw_pt_is(m, "output_tokens_details"))
        {
            sub.in_details = 2;
        }

        if (sub.in_details) {
            (void) agw_json_scan(m->value, m->value_len, agw_pt_usage_cb,
                                 &sub, NULL);
        }

        return 0;
    }

    if (agw_json_member_int(m, &v) != 0 || v < 0) {
        return 0;
    }

    switch (pu->in_details) {
    case 0:
        if (agw_pt_is(m, "prompt_tokens") || agw_pt_is(m, "input_tokens")) {
            pu->u->input = v;
        } else if (agw_pt_is(m, "completion_tokens")
                   || agw_pt_is(m, "output_tokens"))
        {
            pu->u->output = v;
        }
        break;

    case 1:
        if (agw_pt_is(m, "cached_tokens")) {
            pu->u->cache_read = v;
        } else if (agw_pt_is(m, "cache_write_tokens")) {
            pu->u->cache_write = v;
        }
        break;

    default:
        if (agw_pt_is(m, "reasoning_tokens")) {
            pu->u->reasoning = v;
        }
    }

    return 0;
}


/* Merges the counts of a usage object, either naming scheme, into u. */

static void
agw_pt_read_usage(const agw_json_member_t *usage, agw_usage_t *u)
{
    /* the whole body was scanned: the object is valid */
    (void) agw_passthrough_read_usage(usage->value, usage->value_len, u);
}


int
agw_passthrough_read_usage(const char *obj, size_t len, agw_usage_t *u)
{
    agw_usage_t     n;
    agw_pt_usage_t  pu;

    agw_usage_init(&n);
    pu.u = &n;
    pu.in_details = 0;

    if (agw_json_scan(obj, len, agw_pt_usage_cb, &pu, NULL) != 0) {
        return -1;
    }

    agw_usage_merge(u, &n);
    return 0;
}


int
agw_passthrough_response(const char *body, size_t len, const char *model,
    agw_buf_t *out, agw_usage_t *u)
{
    agw_pt_members_t  pm;

    memset(&pm, 0, sizeof(pm));

    if (agw_json_scan(body, len, agw_pt_members_cb, &pm, NULL) != 0) {
        return AGW_PASSTHROUGH_DECLINED;
    }

    if (pm.has_usage && pm.usage.type == AGW_JSON_OBJECT) {
        agw_pt_read_usage(&pm.usage, u);
    }

    if (pm.has_model && pm.model.type == AGW_JSON_STRING) {
        return agw_pt_splice_model(body, len, &pm.model, model, len, out);
    }

    return agw_buf_append(out, body, len);
}
