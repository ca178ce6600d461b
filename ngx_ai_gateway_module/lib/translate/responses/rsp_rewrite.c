/*
 * rsp_rewrite: a Responses client and a Responses provider (OpenAI):
 * the bytes pass in one pass with the model replaced and the usage read,
 * as the first translator's passthrough did before the engine.
 *
 * A request gets the route's model; an answer gets the client's model
 * back (an alias never leaks the upstream name) and its usage read.  In a
 * stream only the lifecycle events, whose data holds the Response object
 * (response.created, .in_progress, .completed, .failed, .incomplete...),
 * are rewritten: "response"."model" replaced, usage read; every other
 * event goes out with the provider's data unchanged.  The delta events,
 * nearly all of a stream, are told apart by their name alone and never
 * parsed.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE               /* memmem */
#endif

#include <string.h>

#include "rsp_int.h"


/* The extent of a member's value in the reader's input. */
typedef struct {
    size_t    start;
    size_t    end;
    int       found;
    uint32_t  members;      /* the object's */
} agw_rsp_span_t;


/* body with the value at span replaced by the string model (or "model"
 * added first when there was none), appended to w; with refs, a request's
 * long runs are listed there instead. */
static void
agw_rsp_splice(agw_jw_t *w, const char *body, size_t len,
    const agw_rsp_span_t *span, size_t open, const agw_str_t *model,
    agw_body_refs_t *refs)
{
    if (!span->found) {
        /* "model" first, after the object's '{' */
        agw_body_copy(w, refs, body, open + 1);
        agw_jw_append(w, "\"model\":\"", 9);
        agw_rsp_str_inside(w, model);
        agw_jw_append(w, span->members ? "\"," : "\"", span->members ? 2 : 1);
        agw_body_copy(w, refs, body + open + 1, len - open - 1);
        return;
    }

    agw_body_copy(w, refs, body, span->start);
    agw_jw_append(w, "\"", 1);
    agw_rsp_str_inside(w, model);
    agw_jw_append(w, "\"", 1);
    agw_body_copy(w, refs, body + span->end, len - span->end);
}


/*
 * A Response's finish for the usage event, once it has one (completed or
 * incomplete): a turn that ends in calls has a function_call item among
 * its output (those quotes, unescaped, are a JSON string's own).
 */
static void
agw_rsp_walk_finish(agw_answer_meta_t *meta, const agw_str_t *status,
    const agw_str_t *reason, const agw_str_t *output)
{
    int  calls;

    if (!agw_str_is(status, "completed") && !agw_str_is(status, "incomplete"))
    {
        return;
    }

    calls = agw_str_set(output)
            && memmem(output->data, output->len, "\"function_call\"", 15)
               != NULL;

    agw_answer_meta_finish(meta, agw_rsp_finish_of(status, reason, calls));
}


/* incomplete_details' reason. */
static int
agw_rsp_walk_reason(agw_jr_t *r, agw_str_t *reason)
{
    int        rc;
    agw_str_t  key;

    if (agw_jr_peek(r) != AGW_JR_OBJECT) {
        return agw_jr_value(r, NULL);
    }

    (void) agw_jr_object(r);

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_str_is(&key, "reason") && agw_jr_peek(r) == AGW_JR_STRING) {
            rc = agw_jr_string(r, reason);
        } else {
            rc = agw_jr_value(r, NULL);
        }
        if (rc != 0) {
            return rc;
        }
    }

    return rc;
}


/*
 * Walks the object at the reader's position: the span of its "model"
 * member's value (a string), and its usage into u when u is not NULL;
 * the provider's model and finish into meta when not NULL.
 * 0, or -1 when not a valid object.
 */
static int
agw_rsp_walk(agw_jr_t *r, agw_rsp_span_t *model, size_t *open,
    agw_usage_t *u, agw_answer_meta_t *meta)
{
    int        rc;
    agw_jr_t   sub;
    agw_str_t  key, s, name, status, reason, output;

    status = (agw_str_t) AGW_STR_NULL;
    reason = (agw_str_t) AGW_STR_NULL;
    output = (agw_str_t) AGW_STR_NULL;

    memset(model, 0, sizeof(*model));

    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r'
                             || *r->p == '\t'))
    {
        r->p++;
    }

    *open = agw_jr_offset(r);

    if (agw_jr_object(r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        model->members++;

        if (agw_str_is(&key, "model")) {
            /* whatever it holds: the route's model goes in its place
             * (a repeated member: the last, the one JSON readers keep) */
            rc = agw_jr_value(r, &s);
            model->start = (size_t) (s.data - r->start);
            model->end = agw_jr_offset(r);
            model->found = 1;

            if (rc == 0 && meta != NULL) {
                agw_jr_init(&sub, s.data, s.len);
                if (agw_jr_peek(&sub) == AGW_JR_STRING
                    && agw_jr_string(&sub, &name) == 0)
                {
                    agw_answer_meta_model(meta, &name);
                }
            }

        } else if (u != NULL && agw_str_is(&key, "usage")) {
            rc = agw_rsp_read_usage(r, u);

        } else if (meta != NULL && agw_str_is(&key, "status")
                   && agw_jr_peek(r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(r, &status);

        } else if (meta != NULL && agw_str_is(&key, "incomplete_details")) {
            rc = agw_rsp_walk_reason(r, &reason);

        } else if (meta != NULL && agw_str_is(&key, "output")) {
            rc = agw_jr_value(r, &output);

        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return -1;
        }
    }

    if (rc == 0 && meta != NULL) {
        agw_rsp_walk_finish(meta, &status, &reason, &output);
    }

    return rc;
}


int
agw_rsp_rewrite_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err)
{
    size_t          open;
    agw_jr_t        r;
    agw_jw_t        w;
    agw_rsp_span_t  model;

    agw_jr_init(&r, body, len);

    if (agw_request_index_usable(o->index)) {
        /* the module's walk of this body found the model */
        memset(&model, 0, sizeof(model));
        model.found = (o->index->model.type != 0);
        model.start = o->index->model.value;
        model.end = o->index->model.end;
        model.members = o->index->members;
        open = o->index->open;

    } else if (agw_rsp_walk(&r, &model, &open, NULL, NULL) != 0
               || agw_jr_end(&r) != 0)
    {
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_json",
                      "the request body is not a valid JSON object (at "
                      "byte %zu)", r.errpos);
        return -1;
    }

    agw_jw_init(&w, out);

    if (agw_str_set(&o->model)) {
        agw_rsp_splice(&w, body, len, &model, open, &o->model, o->refs);
    } else {
        agw_jw_append(&w, body, len);
    }

    if (w.failed) {
        err->cls = AGW_ERR_NONE;
        return -1;
    }

    return 0;
}


int
agw_rsp_rewrite_response(const char *body, size_t len,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_usage_t *usage,
    agw_error_t *err)
{
    size_t          open;
    agw_jr_t        r;
    agw_jw_t        w;
    agw_usage_t     u;
    agw_rsp_span_t  model;

    agw_usage_init(&u);
    agw_jr_init(&r, body, len);
    agw_jw_init(&w, out);

    if (agw_rsp_walk(&r, &model, &open, &u, o->meta) != 0
        || agw_jr_end(&r) != 0)
    {
        /* not an object: the provider's bytes as they came, as before */
        agw_jw_append(&w, body, len);

    } else {
        agw_usage_merge(usage, &u);

        if (agw_str_set(&o->model) && model.found) {
            agw_rsp_splice(&w, body, len, &model, open, &o->model, NULL);
        } else {
            agw_jw_append(&w, body, len);
        }
    }

    if (w.failed) {
        err->cls = AGW_ERR_NONE;
        return -1;
    }

    return 0;
}


/* An event's data as "data:" lines (a multi-line data, one each). */
static void
agw_rsp_data_lines(agw_jw_t *w, const char *p, size_t len)
{
    const char  *nl;

    for ( ;; ) {
        nl = memchr(p, '\n', len);

        agw_jw_append(w, "data: ", 6);
        agw_jw_append(w, p, nl ? (size_t) (nl - p) : len);
        agw_jw_append(w, "\n", 1);

        if (nl == NULL) {
            break;
        }

        len -= (size_t) (nl - p) + 1;
        p = nl + 1;
    }

    agw_jw_append(w, "\n", 1);
}


/*
 * The event's name: its "event:" field, which OpenAI sends equal to the
 * data's "type" for every event, or else the data's top-level "type"
 * (read up to that member only).
 */
static int
agw_rsp_event_name(const agw_sse_event_t *ev, agw_str_t *name)
{
    int        rc;
    agw_jr_t   r;
    agw_str_t  key;

    if (ev->event_len) {
        *name = agw_str_bytes(ev->event, ev->event_len);
        return 0;
    }

    agw_jr_init(&r, ev->data, ev->data_len);

    if (agw_jr_object(&r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (agw_str_is(&key, "type") && agw_jr_peek(&r) == AGW_JR_STRING) {
            return agw_jr_string(&r, name);
        }

        if (agw_jr_value(&r, NULL) != 0) {
            return -1;
        }
    }

    return -1;
}


/* A lifecycle event ("response." and one word): may hold the Response. */
static int
agw_rsp_lifecycle(const agw_str_t *name)
{
    return name->len > 9 && memcmp(name->data, "response.", 9) == 0
           && memchr(name->data + 9, '.', name->len - 9) == NULL;
}


/* The error response.failed reported: its Response's "error" member. */
static void
agw_rsp_rewrite_error(agw_xstream_t *s, const char *json, size_t len)
{
    int           rc;
    agw_jr_t      r;
    agw_str_t     key;
    agw_error_t  *err;

    err = agw_stream_error_slot(s);
    if (err == NULL || err->cls != AGW_ERR_NONE) {
        return;
    }

    agw_jr_init(&r, json, len);

    if (agw_jr_object(&r) == 0) {
        while ((rc = agw_jr_member(&r, &key)) == 1) {
            if (agw_str_is(&key, "error")
                && agw_jr_peek(&r) == AGW_JR_OBJECT)
            {
                (void) agw_rsp_read_error_object(&r, err);
                break;
            }

            if (agw_jr_value(&r, NULL) != 0) {
                break;
            }
        }
    }

    if (err->cls == AGW_ERR_NONE) {
        err->cls = AGW_ERR_SERVER;
    }

    err->status = agw_error_status(err->cls);

    if (err->message[0] == '\0') {
        agw_error_set(err, err->cls, 0, err->code, "the openai upstream "
                      "reported an error mid-stream");
    }
}


int
agw_rsp_rewrite_event(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int                rc;
    size_t             open, rstart, rend;
    agw_jr_t           r;
    agw_jw_t          *w = &s->w;
    agw_str_t          name, key;
    agw_usage_t        u;
    agw_rsp_span_t     model;
    agw_rsp_rstate_t  *rs = s->rstate;
    agw_rsp_wstate_t  *ws = s->wstate;

    if (ws != NULL) {
        ws->seq++;
        ws->passthrough = 1;
    }

    name = agw_rsp_unset;
    rc = agw_rsp_event_name(ev, &name);

    if (rc == 0 && agw_rsp_lifecycle(&name)) {
        /* the "response" member's extent, and in it the model and usage */
        agw_jr_init(&r, ev->data, ev->data_len);
        rstart = rend = 0;
        model.found = 0;
        agw_usage_init(&u);

        if (agw_jr_object(&r) == 0) {
            while ((rc = agw_jr_member(&r, &key)) == 1) {
                if (agw_str_is(&key, "response")
                    && agw_jr_peek(&r) == AGW_JR_OBJECT)
                {
                    rstart = agw_jr_offset(&r);
                    rc = agw_rsp_walk(&r, &model, &open, &u, s->opts.meta);
                    rend = agw_jr_offset(&r);

                } else {
                    rc = agw_jr_value(&r, NULL);
                }

                if (rc != 0) {
                    break;
                }
            }
        }

        if (rc == 0 && rend > rstart) {
            agw_usage_merge(&s->usage, &u);

            if (agw_str_is(&name, "response.failed")) {
                rs->ended = 1;
                rs->error_sent = 1;
                agw_rsp_rewrite_error(s, ev->data + rstart, rend - rstart);

            } else if (agw_str_is(&name, "response.completed")
                       || agw_str_is(&name, "response.incomplete"))
            {
                rs->ended = 1;
                s->provider_done = 1;
            }

            if (agw_str_set(&s->opts.model) && model.found) {
                if (ev->event_len) {
                    agw_jw_append(w, "event: ", 7);
                    agw_jw_append(w, ev->event, ev->event_len);
                    agw_jw_append(w, "\n", 1);
                }

                agw_jw_append(w, "data: ", 6);
                agw_rsp_splice(w, ev->data, ev->data_len, &model, 0,
                               &s->opts.model, NULL);
                agw_jw_append(w, "\n\n", 2);
                goto done;
            }
        }

    } else if (rc == 0 && agw_str_is(&name, "error")) {
        /*
         * The provider's error event goes to the client, and the
         * response.failed that follows it too, as the passthrough sent
         * them (the SDKs raise on the first, Codex on the second): the
         * error is recorded at response.failed, since the engine ends the
         * stream as soon as one is.  A stream cut after this event alone
         * is a cut stream.
         */
        rs->error_sent = 1;
        rs->ended = 1;
    }

    if (ev->event_len) {
        agw_jw_append(w, "event: ", 7);
        agw_jw_append(w, ev->event, ev->event_len);
        agw_jw_append(w, "\n", 1);
    }

    agw_rsp_data_lines(w, ev->data, ev->data_len);

done:

    /* the client has the end, or the provider's error: a writer of ours
     * must add nothing after it */
    if (rs->ended && ws != NULL) {
        ws->ended = 1;
    }

    return w->failed ? -1 : 0;
}


/*
 * A delta as the feed holds it, before the SSE parser:
 *
 *   "event: response." NAME ".delta\n" "data: " DATA "\n\n"
 *
 * NAME and DATA on their lines (no CR, no LF), as OpenAI frames its text,
 * reasoning and arguments deltas: the parser would hand rewrite_event the
 * same name and data, which it passes on as they came (a delta event is
 * no lifecycle event and no error); so do these bytes, with the same
 * count of events for a writer of ours after them.  Anything else is the
 * parser's (0).
 */
size_t
agw_rsp_rewrite_bytes(agw_xstream_t *s, const char *p, size_t len, int *rc)
{
    size_t             n;
    agw_jw_t          *w;
    const char        *end, *nl;
    agw_rsp_rstate_t  *rs = s->rstate;
    agw_rsp_wstate_t  *ws = s->wstate;

    end = p + len;

    if (len < 16 + 6 + 7 || memcmp(p, "event: response.", 16) != 0) {
        return 0;
    }

    nl = agw_sse_eol(p + 16, end);

    /* ".delta" after "response.": a second dot, no lifecycle event */
    if (nl - p < 16 + 6 || end - nl < 7 || memcmp(nl - 6, ".delta", 6) != 0
        || memcmp(nl, "\ndata: ", 7) != 0)
    {
        return 0;
    }

    nl = agw_sse_eol(nl + 7, end);

    if (end - nl < 2 || nl[0] != '\n' || nl[1] != '\n') {
        return 0;
    }

    n = (size_t) (nl + 2 - p);
    w = &s->w;

    if (ws != NULL) {
        ws->seq++;
        ws->passthrough = 1;
    }

    agw_jw_append(w, p, n);

    if (rs->ended && ws != NULL) {
        ws->ended = 1;
    }

    *rc = w->failed ? -1 : 0;

    return n;
}
