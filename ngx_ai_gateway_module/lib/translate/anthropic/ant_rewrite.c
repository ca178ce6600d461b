/*
 * Anthropic on both sides: the bytes rewritten in one pass, not through
 * the form.  A request goes as the client sent it but for the model's
 * value (the rest byte for byte, in place); an answer and a stream's events go
 * as the provider sent them but for the model in the answer and in
 * message_start, with the usage read on the way.
 */

#include <string.h>

#include "agw_json_scan.h"
#include "ant_int.h"


/* A member the copy hands to its caller: *taken set when the callback
 * consumed the value (and wrote what it wanted), else it is copied. */
typedef int (*agw_ant_member_cb)(void *ctx, agw_jr_t *r, const agw_str_t *key,
    int *taken);


/*
 * Copies an object's members, each value as it came, but for "model"
 * (its value replaced by model, when set, in place, or added last) and
 * the members the callback takes.  The
 * object is left open for the caller to add members to.  0, or -1 (not
 * JSON, or not an object).
 */
static int
agw_ant_copy_object(agw_jr_t *r, agw_jw_t *w, const agw_str_t *model,
    agw_answer_meta_t *meta, agw_ant_member_cb cb, void *ctx)
{
    int        rc, taken, found;
    agw_str_t  key, v;

    if (agw_jr_object(r) != 0) {
        return -1;
    }

    agw_jw_object(w);

    found = 0;

    while ((rc = agw_jr_member(r, &key)) == 1) {

        if (model != NULL && agw_str_set(model) && agw_str_is(&key, "model")) {
            /* replaced where it stands: the provider's order kept;
             * the provider's own name kept for the usage event */
            if (agw_jr_peek(r) == AGW_JR_STRING) {
                if (agw_jr_string(r, &v) != 0) {
                    return -1;
                }
                agw_answer_meta_model(meta, &v);

            } else if (agw_jr_value(r, NULL) != 0) {
                return -1;
            }
            agw_jw_key_str(w, &key);
            agw_jw_str(w, model);
            found = 1;
            continue;
        }

        taken = 0;

        if (cb != NULL) {
            if (cb(ctx, r, &key, &taken) != 0) {
                return -1;
            }
            if (taken) {
                continue;
            }
        }

        if (agw_jr_value(r, &v) != 0) {
            return -1;
        }

        agw_jw_key_str(w, &key);
        agw_jw_raw(w, &v);
    }

    if (rc == 0 && !found && model != NULL && agw_str_set(model)) {
        agw_ant_key(w, "model");
        agw_jw_str(w, model);
    }

    return rc < 0 ? -1 : 0;
}


/*
 * The client's bytes as sent, the model's value replaced where it stands
 * (appended, as the last member, when there is none): no member moved,
 * none added.  No max_tokens either: count_tokens bodies have none and
 * Anthropic's count_tokens refuses it, and a Messages body without one
 * is Anthropic's to refuse, as it would without the gateway.
 */
int
agw_ant_rewrite_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err)
{
    int         rc, found;
    size_t      start, at, brace, members;
    agw_jr_t    r;
    agw_jw_t    w;
    agw_str_t   key, v;

    start = out->len;

    agw_jr_init(&r, body, len);
    agw_jw_init(&w, out);

    if (agw_jr_peek(&r) != AGW_JR_OBJECT) {
        if (agw_jr_value(&r, NULL) != 0 || agw_jr_end(&r) != 0) {
            agw_ant_bad_json(err, 0, &r);
        } else {
            agw_ant_bad(err, "the request body must be a JSON object");
        }
        return -1;
    }

    if (o == NULL || !agw_str_set(&o->model)) {
        if (!(o != NULL && agw_request_index_usable(o->index))
            && (agw_jr_value(&r, NULL) != 0 || agw_jr_end(&r) != 0))
        {
            agw_ant_bad_json(err, 0, &r);
            return -1;
        }

        agw_jw_append(&w, body, len);
        return w.failed ? -1 : 0;
    }

    at = 0;
    found = 0;
    members = 0;

    if (agw_request_index_usable(o->index)) {
        /* the module's walk of this body found the model */
        members = o->index->members;
        found = (o->index->model.type != 0);

        if (found) {
            agw_body_copy(&w, o->refs, body, o->index->model.value);
            agw_jw_str(&w, &o->model);
            agw_jw_reset_state(&w);
            at = o->index->model.end;
        }

        goto rest;
    }

    (void) agw_jr_object(&r);

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        members++;

        if (agw_jr_value(&r, &v) != 0) {
            rc = -1;
            break;
        }

        if (!agw_str_is(&key, "model")) {
            continue;
        }

        /* every "model" replaced, as a duplicate would be read last */
        found = 1;
        agw_jw_append(&w, body + at, (size_t) (v.data - body) - at);
        agw_jw_str(&w, &o->model);
        agw_jw_reset_state(&w);
        at = (size_t) (v.data - body) + v.len;
    }

    if (rc != 0 || agw_jr_end(&r) != 0) {
        out->len = start;
        agw_ant_bad_json(err, 0, &r);
        return -1;
    }

rest:

    if (!found) {
        /* appended before the object's closing brace, its last
         * non-blank byte, where jansson would add it */
        brace = len;
        while (brace > at && body[brace - 1] != '}') {
            brace--;
        }
        brace--;

        agw_body_copy(&w, o->refs, body + at, brace - at);
        if (members) {
            agw_jw_append(&w, ",", 1);
        }
        agw_jw_append(&w, "\"model\":", 8);
        agw_jw_str(&w, &o->model);
        agw_jw_reset_state(&w);
        at = brace;
    }

    agw_body_copy(&w, o->refs, body + at, len - at);

    if (w.failed) {
        out->len = start;
        return -1;
    }

    return 0;
}


/* usage, and the stop_reason for the usage event: read on the way,
 * copied as they came. */
typedef struct {
    agw_ant_usage_raw_t  *usage;
    agw_jw_t             *w;
    agw_answer_meta_t    *meta;
} agw_ant_usage_ctx_t;


static int
agw_ant_take_usage(void *ctx, agw_jr_t *r, const agw_str_t *key, int *taken)
{
    agw_jr_t              sub;
    agw_str_t             v;
    agw_ant_usage_ctx_t  *c = ctx;

    if (c->meta != NULL && agw_str_is(key, "stop_reason")
        && agw_jr_peek(r) == AGW_JR_STRING)
    {
        *taken = 1;

        if (agw_jr_string(r, &v) != 0) {
            return -1;
        }

        agw_answer_meta_finish(c->meta, agw_ant_finish(&v));

        agw_jw_key_str(c->w, key);
        agw_jw_str(c->w, &v);

        return 0;
    }

    if (!agw_str_is(key, "usage")) {
        return 0;
    }

    *taken = 1;

    if (agw_jr_value(r, &v) != 0) {
        return -1;
    }

    agw_jr_init(&sub, v.data, v.len);
    (void) agw_ant_usage_read(&sub, c->usage);

    agw_jw_key_str(c->w, key);
    agw_jw_raw(c->w, &v);

    return 0;
}


int
agw_ant_rewrite_response(const char *body, size_t len,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_usage_t *usage,
    agw_error_t *err)
{
    size_t                start;
    agw_jr_t              r;
    agw_jw_t              w;
    agw_ant_usage_raw_t   u;
    agw_ant_usage_ctx_t   c;

    start = out->len;
    agw_ant_usage_raw_init(&u);

    agw_jr_init(&r, body, len);
    agw_jw_init(&w, out);

    c.usage = &u;
    c.w = &w;
    c.meta = o != NULL ? o->meta : NULL;

    if (agw_jr_peek(&r) != AGW_JR_OBJECT
        || agw_ant_copy_object(&r, &w, o != NULL ? &o->model : NULL, c.meta,
                               agw_ant_take_usage, &c) != 0
        || agw_jr_end(&r) != 0)
    {
        out->len = start;
        agw_ant_bad_json(err, 1, &r);
        if (!r.failed) {
            agw_ant_upstream_bad(err, "the Anthropic answer is not a JSON "
                                 "object");
        }
        return -1;
    }

    agw_jw_object_end(&w);

    if (w.failed) {
        out->len = start;
        return -1;
    }

    if (usage != NULL) {
        agw_ant_usage_norm(&u, usage);
    }

    return 0;
}


/* "event: <name>\n", a "data: " line for each line of data, "\n". */
static void
agw_ant_forward(agw_jw_t *w, const char *name, size_t nlen,
    const char *data, size_t len)
{
    const char  *p, *nl, *end;

    if (nlen > 0) {
        agw_jw_append(w, "event: ", 7);
        agw_jw_append(w, name, nlen);
        agw_jw_append(w, "\n", 1);
    }

    end = data + len;
    p = data;

    do {
        nl = memchr(p, '\n', (size_t) (end - p));
        if (nl == NULL) {
            nl = end;
        }
        agw_jw_append(w, "data: ", 6);
        agw_jw_append(w, p, (size_t) (nl - p));
        agw_jw_append(w, "\n", 1);
        p = nl + 1;
    } while (nl < end);

    agw_jw_append(w, "\n", 1);
    agw_jw_reset_state(w);
}


/* The usage folded across events: in the reader's state when the stream
 * has one, else in this event alone. */
static void
agw_ant_rewrite_usage(agw_xstream_t *s, agw_ant_usage_raw_t *raw)
{
    agw_usage_t  u;

    agw_ant_usage_norm(raw, &u);
    agw_usage_merge(&s->usage, &u);
}


typedef struct {
    agw_ant_usage_ctx_t   u;
    agw_str_t             model;
} agw_ant_start_ctx_t;


/* message_start's message: the model replaced, the usage read. */
static int
agw_ant_take_message(void *ctx, agw_jr_t *r, const agw_str_t *key,
    int *taken)
{
    agw_ant_start_ctx_t  *c = ctx;

    if (!agw_str_is(key, "message") || agw_jr_peek(r) != AGW_JR_OBJECT) {
        return 0;
    }

    *taken = 1;

    agw_jw_key_str(c->u.w, key);

    if (agw_ant_copy_object(r, c->u.w, &c->model, c->u.meta,
                            agw_ant_take_usage, &c->u)
        != 0)
    {
        return -1;
    }

    agw_jw_object_end(c->u.w);

    return 0;
}


/* message_delta's delta.stop_reason, for the usage event. */
static void
agw_ant_rewrite_stop(agw_answer_meta_t *meta, const agw_str_t *delta)
{
    int        rc;
    agw_jr_t   r;
    agw_str_t  key, v;

    if (meta == NULL) {
        return;
    }

    agw_jr_init(&r, delta->data, delta->len);

    if (agw_jr_object(&r) != 0) {
        return;
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (agw_str_is(&key, "stop_reason")
            && agw_jr_peek(&r) == AGW_JR_STRING)
        {
            if (agw_jr_string(&r, &v) == 0) {
                agw_answer_meta_finish(meta, agw_ant_finish(&v));
            }
            return;
        }

        if (agw_jr_value(&r, NULL) != 0) {
            return;
        }
    }
}


int
agw_ant_rewrite_event(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int                   rc;
    size_t                start;
    agw_jr_t              r;
    agw_str_t             key, type = AGW_STR_NULL, usage = AGW_STR_NULL,
                          error = AGW_STR_NULL, delta = AGW_STR_NULL;
    agw_jw_t             *w = &s->w;
    agw_error_t          *err;
    agw_ant_usage_raw_t   local, *raw;
    agw_ant_start_ctx_t   c;

    raw = &local;
    agw_ant_usage_raw_init(&local);

    if (s->rstate != NULL) {
        raw = &((agw_ant_rstate_t *) s->rstate)->usage;
        if (!((agw_ant_rstate_t *) s->rstate)->started) {
            agw_ant_usage_raw_init(raw);
        }
    }

    /* the deltas go as they came, unread: Anthropic's own bytes, in one
     * piece when they are already framed as agw_ant_forward() frames */
    if (ev->event_len == 19 && memcmp(ev->event, "content_block_delta", 19)
        == 0)
    {
        if (ev->raw != NULL) {
            agw_jw_append(w, ev->raw, ev->raw_len);
            agw_jw_reset_state(w);

        } else {
            agw_ant_forward(w, ev->event, ev->event_len, ev->data,
                            ev->data_len);
        }

        return w->failed ? -1 : 0;
    }

    agw_jr_init(&r, ev->data, ev->data_len);

    if (agw_jr_object(&r) != 0) {
        /* a ping with no data is harmless; anything else is not Anthropic */
        if (ev->event_len == 4 && memcmp(ev->event, "ping", 4) == 0) {
            agw_ant_forward(w, ev->event, ev->event_len, ev->data,
                            ev->data_len);
            return w->failed ? -1 : 0;
        }
        return agw_ant_stream_fail(s, "an event is not a JSON object");
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (agw_str_is(&key, "type")) {
            rc = agw_jr_string(&r, &type);
        } else if (agw_str_is(&key, "usage")) {
            rc = agw_jr_value(&r, &usage);
        } else if (agw_str_is(&key, "error")) {
            rc = agw_jr_value(&r, &error);
        } else if (agw_str_is(&key, "delta")) {
            rc = agw_jr_value(&r, &delta);
        } else {
            rc = agw_jr_value(&r, NULL);
        }
        if (rc == AGW_JR_TYPE) {
            rc = agw_jr_value(&r, NULL);
        }
        if (rc != 0) {
            break;
        }
    }

    if (rc != 0 || agw_jr_end(&r) != 0 || !agw_str_set(&type)) {
        return agw_ant_stream_fail(s, "an event is not a JSON object with "
                                   "a type");
    }

    if (agw_str_is(&type, "message_start")) {
        if (s->rstate != NULL) {
            ((agw_ant_rstate_t *) s->rstate)->started = 1;
        }

        start = w->out->len;

        if (ev->event_len > 0) {
            agw_jw_append(w, "event: ", 7);
            agw_jw_append(w, ev->event, ev->event_len);
            agw_jw_append(w, "\n", 1);
        }
        agw_jw_append(w, "data: ", 6);

        c.u.usage = raw;
        c.u.w = w;
        c.u.meta = s->opts.meta;
        c.model = s->opts.model;

        agw_jr_init(&r, ev->data, ev->data_len);

        if (agw_ant_copy_object(&r, w, NULL, NULL, agw_ant_take_message, &c)
            != 0)
        {
            w->out->len = start;
            return agw_ant_stream_fail(s, "message_start is not JSON");
        }

        agw_jw_object_end(w);
        agw_jw_append(w, "\n\n", 2);
        agw_jw_reset_state(w);

        agw_ant_rewrite_usage(s, raw);

        return w->failed ? -1 : 0;
    }

    if (agw_str_is(&type, "message_delta")) {
        if (agw_str_set(&usage)) {
            agw_jr_init(&r, usage.data, usage.len);
            if (agw_ant_usage_read(&r, raw) == 0) {
                agw_ant_rewrite_usage(s, raw);
            }
        }

        if (agw_str_set(&delta)) {
            agw_ant_rewrite_stop(s->opts.meta, &delta);
        }

    } else if (agw_str_is(&type, "message_stop")) {
        s->provider_done = 1;
        s->client_done = 1;

    } else if (agw_str_is(&type, "error")) {
        /* forwarded once, and the stream ends: the client has the
         * provider's own error event */
        err = agw_stream_error_slot(s);
        if (err != NULL) {
            err->cls = AGW_ERR_NONE;
            agw_ant_read_error(error.data, agw_str_set(&error) ? error.len : 0,
                               err);
            if (err->cls == AGW_ERR_NONE) {
                err->cls = AGW_ERR_SERVER;
            }
        }
        s->client_done = 1;
    }

    if (ev->event_len > 0) {
        agw_ant_forward(w, ev->event, ev->event_len, ev->data, ev->data_len);
    } else {
        agw_ant_forward(w, type.data, type.len, ev->data, ev->data_len);
    }

    return w->failed ? -1 : 0;
}


/*
 * A delta as the feed holds it, before the SSE parser: its frame
 * AGW_ANT_DELTA_FRAME, one line of data without a CR, and the blank line:
 * the event the parser would hand rewrite_event with its bytes (ev->raw),
 * which go as they came, whatever the data (a delta is passed on unread).
 * Not before message_start: until then each event starts the usage
 * again.  Anything else is the parser's (0).
 */
static const char  agw_ant_rewrite_frame[] = AGW_ANT_DELTA_FRAME;

size_t
agw_ant_rewrite_bytes(agw_xstream_t *s, const char *p, size_t len, int *rc)
{
    size_t             n;
    agw_jw_t          *w;
    const char        *d, *nl;
    agw_ant_rstate_t  *st;

    st = s->rstate;

    if ((st != NULL && !st->started)
        || len < sizeof(agw_ant_rewrite_frame) - 1
        || !agw_json_lit_eq(p, agw_ant_rewrite_frame,
                            sizeof(agw_ant_rewrite_frame) - 1))
    {
        return 0;
    }

    d = p + sizeof(agw_ant_rewrite_frame) - 1;

    nl = agw_sse_eol(d, p + len);
    if (p + len - nl < 2 || nl[0] != '\n' || nl[1] != '\n') {
        return 0;
    }

    n = (size_t) (nl + 2 - p);
    w = &s->w;

    agw_jw_append(w, p, n);
    agw_jw_reset_state(w);

    *rc = w->failed ? -1 : 0;

    return n;
}
