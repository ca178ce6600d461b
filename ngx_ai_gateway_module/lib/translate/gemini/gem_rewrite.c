/*
 * Gemini on both sides: the bytes rewritten in one pass, not through the
 * form.  A request loses a stray "model" (the model is in the URL, which
 * the module builds): cut out of its bytes where the module's walk found
 * it, or its members written again without such a walk.  An answer and
 * each stream event get the client's model as modelVersion, their usage
 * and finish read on the way.  An answer's values are validated by the
 * reader, a stream event's trusted as proxy_pass would (what is read out
 * of it validated); either is copied as runs of its bytes, so a large
 * body costs little more than a copy.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE               /* memmem */
#endif

#include <string.h>

#include "gem_int.h"


/* key: raw, for a member copied as it came (an element: no key). */
static int
agw_gem_copy_member(agw_jr_t *r, agw_jw_t *w, const agw_str_t *key)
{
    agw_str_t  raw;

    if (agw_jr_value(r, &raw) != 0) {
        return -1;
    }

    if (key != NULL) {
        agw_jw_key_str(w, key);
    }
    agw_jw_raw(w, &raw);

    return 0;
}


int
agw_gem_rewrite_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err)
{
    int                      rc;
    size_t                   mark, from, to;
    agw_jr_t                 r;
    agw_jw_t                 w;
    agw_str_t                key;
    const agw_req_member_t  *m;

    memset(err, 0, sizeof(*err));
    mark = out->len;

    agw_jr_init(&r, body, len);
    agw_jw_init(&w, out);

    if (agw_request_index_usable(o->index)) {
        /* the module's walk of this body found any "model": the bytes
         * are copied around it, blanks and all, not walked again */
        m = &o->index->model;
        to = m->type ? agw_request_index_cut_end(body, len, m->end, m->first)
                     : 0;
        from = m->type ? m->start : 0;

        agw_body_copy(&w, o->refs, body, from);
        agw_body_copy(&w, o->refs, body + to, len - to);

        if (w.failed) {
            out->len = mark;
            return -1;
        }

        return 0;
    }

    if (agw_jr_object(&r) != 0) {
        goto invalid;
    }

    agw_jw_object(&w);

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (agw_gem_is(&key, "model")) {
            if (agw_jr_value(&r, NULL) != 0) {
                goto invalid;
            }
            continue;
        }
        if (agw_gem_copy_member(&r, &w, &key) != 0) {
            goto invalid;
        }
    }

    if (rc < 0 || agw_jr_end(&r) != 0) {
        goto invalid;
    }

    agw_jw_object_end(&w);

    if (w.failed) {
        out->len = mark;
        return -1;
    }

    return 0;

invalid:

    out->len = mark;

    if (r.failed) {
        return agw_gem_invalid(err, "the request body is not valid JSON "
                               "(at byte %zu)", r.errpos);
    }

    return agw_gem_invalid(err, "the request body must be a JSON object");
}


/* A string's JSON text, quotes included, appended as bytes. */
static void
agw_gem_append_str(agw_jw_t *w, const agw_str_t *s)
{
    agw_jw_append(w, "\"", 1);
    if (s->kind == AGW_STR_JSON) {
        agw_jw_append(w, s->data, s->len);
    } else if (s->len > 0) {
        agw_jw_escape(w, s->data, s->len);
    }
    agw_jw_append(w, "\"", 1);
}


/*
 * The client's model, the inside of a JSON string.  A stream's rewrite
 * writes it in every event: *plain (NULL for an answer) says after the
 * first whether escaping left it as it was, and then it is copied.
 */
static void
agw_gem_append_model(agw_jw_t *w, const agw_str_t *model, uint8_t *plain)
{
    size_t  at;

    if (model->kind == AGW_STR_JSON || (plain != NULL && *plain == 1)) {
        agw_jw_append(w, model->data, model->len);
        return;
    }

    at = w->out->len;
    agw_jw_escape(w, model->data, model->len);

    if (plain != NULL && *plain == 0 && !w->failed) {
        *plain = (w->out->len - at == (size_t) model->len
                  && memcmp(w->out->data + at, model->data, model->len)
                     == 0)
                 ? 1 : 2;
    }
}


/*
 * Whether a member's text at from follows the run of input bytes the
 * output takes as they are (only its comma between, nothing before the
 * first): then the run goes on through it.
 */
static int
agw_gem_run_joins(const char *run_end, const char *from, int first)
{
    if (run_end == NULL || from == NULL) {
        return 0;
    }

    return first ? from == run_end : (*run_end == ',' && from == run_end + 1);
}


/*
 * Gemini's commonest text chunk, in a walk that trusts the bytes: its
 * candidates found by their bytes (gem_stream_read.c), the text only to
 * its end; they hold no finish reason and no call.  1, r after them in
 * the object; or 0, r as it was.
 */
static int
agw_gem_rewrite_text(agw_jr_t *r)
{
    agw_jr_t   c;
    agw_str_t  text;

    c = *r;

    if (agw_gem_text_candidates(&c, &text) < 0) {
        return 0;
    }

    *r = c;

    return 1;
}


/*
 * A value read out of the event, by the validating reader even where the
 * walk trusts the bytes (r->valid): what the gateway reports (the usage,
 * the finish, the model) is never read from bytes not checked.
 */
static int
agw_gem_read_checked(agw_jr_t *r, agw_str_t *s, agw_usage_t *usage)
{
    int  rc, valid;

    valid = r->valid;
    r->valid = 0;
    rc = (s != NULL) ? agw_jr_string(r, s) : agw_gem_usage_read(r, usage);
    r->valid = valid;

    return rc;
}


/*
 * Whether any candidate carries a finishReason; every byte validated
 * unless the walk trusts them (the reason always is).
 * For the usage event, the reason goes into meta, a tool-call turn told by
 * the calls seen so far (*calls: Gemini says STOP there, the form
 * TOOL_CALLS), as the translated path reads it.
 */
static int
agw_gem_scan_candidates(agw_jr_t *r, int *finished, int *n,
    agw_answer_meta_t *meta, uint32_t *calls)
{
    int        rc;
    agw_str_t  key, finish, raw;

    if (agw_jr_array(r) != 0) {
        return agw_jr_value(r, NULL);
    }

    while ((rc = agw_jr_element(r)) == 1) {
        (*n)++;
        if (agw_jr_object(r) != 0) {
            if (agw_jr_value(r, NULL) != 0) {
                return -1;
            }
            continue;
        }
        while ((rc = agw_jr_member(r, &key)) == 1) {
            if (agw_gem_key(&key, "finishReason", "finish_reason")
                && agw_gem_read_checked(r, &finish, NULL) == 0)
            {
                *finished = 1;
                agw_answer_meta_finish(meta,
                                       agw_gem_finish_read(&finish, *calls));
                continue;
            }
            if (agw_jr_value(r, &raw) != 0) {
                return -1;
            }
            /* a key's quotes are never escaped: inside a string they are */
            if (meta != NULL && agw_gem_is(&key, "content")
                && (memmem(raw.data, raw.len, "\"functionCall\"", 14)
                    != NULL
                    || memmem(raw.data, raw.len, "\"function_call\"", 15)
                       != NULL))
            {
                (*calls)++;
            }
        }
        if (rc < 0) {
            return -1;
        }
    }

    return rc < 0 ? -1 : 0;
}


/*
 * A GenerateContentResponse with the model replaced, its usage read (into
 * usage) and whether a candidate finished (into *finished): what answers
 * and stream events share.  One walk of the reader (validating, or for
 * a stream event trusting) finds where each member's text lies; the
 * members are copied as those byte ranges, so the output is the input
 * but for modelVersion and the blanks between members.
 */
static int
agw_gem_rewrite_body(agw_jr_t *r, agw_jw_t *w, const agw_str_t *model,
    agw_usage_t *usage, int *finished, int *error, agw_answer_meta_t *meta,
    uint32_t *calls, uint8_t *plain)
{
    int          rc, cands, first;
    agw_jr_t     ahead;
    agw_str_t    key, k2, block, mv;
    const char  *from, *value, *run, *run_end;

    cands = 0;
    first = 1;
    block = (agw_str_t) AGW_STR_NULL;

    /*
     * The output is the input but for the blanks between members, the
     * model, and a key the reader decoded: the bytes it takes as they
     * are go out as runs, [run, run_end), one copy each.
     */
    run = r->p;

    if (r->valid && agw_gem_rewrite_text(r)) {
        cands = 1;
        first = 0;

    } else {
        if (agw_jr_object(r) != 0) {
            return -1;
        }

        run = r->p - 1;
    }

    run_end = r->p;

    while ((rc = agw_jr_member(r, &key)) == 1) {
        /* the member's text starts at its key's quote; a key the reader
         * decoded (it had escapes) is no slice of the input */
        from = (key.data > r->start && key.data < r->end) ? key.data - 1
                                                          : NULL;
        value = r->p;

        if (meta != NULL && meta->model[0] == '\0'
            && agw_gem_key(&key, "modelVersion", "model_version"))
        {
            ahead = *r;
            if (agw_jr_peek(&ahead) == AGW_JR_STRING
                && agw_gem_read_checked(&ahead, &mv, NULL) == 0)
            {
                agw_answer_meta_model(meta, &mv);
            }
        }

        if (agw_gem_key(&key, "modelVersion", "model_version")
            && agw_str_set(model) && model->len > 0)
        {
            if (agw_jr_value(r, NULL) != 0) {
                return -1;
            }

            if (*value == '"' && value == from + 15
                && agw_gem_is(&key, "modelVersion")
                && agw_gem_run_joins(run_end, from, first))
            {
                /* "modelVersion":" with the bytes before, the model, and
                 * the closing quote on */
                agw_jw_append(w, run, (size_t) (value + 1 - run));
                agw_gem_append_model(w, model, plain);
                run = r->p - 1;
                run_end = r->p;
                first = 0;
                continue;
            }

            if (run_end != NULL) {
                agw_jw_append(w, run, (size_t) (run_end - run));
            }
            if (!first) {
                agw_jw_append(w, ",", 1);
            }
            agw_jw_append(w, "\"modelVersion\":\"",
                          sizeof("\"modelVersion\":\"") - 1);
            agw_gem_append_model(w, model, plain);
            agw_jw_append(w, "\"", 1);
            run_end = NULL;
            first = 0;
            continue;
        }

        if (agw_gem_is(&key, "candidates")) {
            rc = agw_gem_scan_candidates(r, finished, &cands, meta, calls);

        } else if (agw_gem_key(&key, "usageMetadata", "usage_metadata")) {
            rc = agw_gem_read_checked(r, NULL, usage);

        } else if (agw_gem_key(&key, "promptFeedback", "prompt_feedback")
                   && agw_jr_peek(r) == AGW_JR_OBJECT)
        {
            agw_jr_object(r);
            while ((rc = agw_jr_member(r, &k2)) == 1) {
                if (agw_gem_key(&k2, "blockReason", "block_reason")
                    && agw_gem_read_checked(r, &block, NULL) == 0)
                {
                    continue;
                }
                if (agw_jr_value(r, NULL) != 0) {
                    return -1;
                }
            }

        } else {
            if (error != NULL && agw_gem_is(&key, "error")) {
                *error = 1;
            }
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return -1;
        }

        if (agw_gem_run_joins(run_end, from, first)) {
            run_end = r->p;
            first = 0;
            continue;
        }

        if (run_end != NULL) {
            agw_jw_append(w, run, (size_t) (run_end - run));
        }
        if (!first) {
            agw_jw_append(w, ",", 1);
        }
        first = 0;

        if (from != NULL) {
            run = from;
            run_end = r->p;

        } else {
            agw_gem_append_str(w, &key);
            agw_jw_append(w, ":", 1);
            agw_jw_append(w, value, (size_t) (r->p - value));
            run_end = NULL;
        }
    }

    if (rc < 0) {
        return -1;
    }

    /* the closing brace, with the run when it follows it */
    if (run_end == r->p - 1) {
        agw_jw_append(w, run, (size_t) (r->p - run));

    } else {
        if (run_end != NULL) {
            agw_jw_append(w, run, (size_t) (run_end - run));
        }
        agw_jw_append(w, "}", 1);
    }

    if (cands == 0 && agw_str_set(&block)) {
        *finished = 1;
    }

    return 0;
}


int
agw_gem_rewrite_response(const char *body, size_t len,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_usage_t *usage,
    agw_error_t *err)
{
    int          finished;
    size_t       mark;
    uint32_t     calls;
    agw_jr_t     r;
    agw_jw_t     w;
    agw_usage_t  u;

    memset(err, 0, sizeof(*err));
    mark = out->len;
    finished = 0;
    calls = 0;
    agw_usage_init(&u);

    agw_jr_init(&r, body, len);
    agw_jw_init(&w, out);

    if (agw_gem_rewrite_body(&r, &w, &o->model, &u, &finished, NULL,
                             o->meta, &calls, NULL) != 0
        || agw_jr_end(&r) != 0)
    {
        out->len = mark;
        return agw_gem_bad_upstream(err, "the gemini upstream sent a body "
                                    "that is not JSON");
    }

    if (w.failed) {
        out->len = mark;
        return -1;
    }

    if (usage != NULL) {
        agw_usage_merge(usage, &u);
    }

    return 0;
}


/*
 * A stream event: its bytes with the client's model (the blanks between
 * members dropped, as the answer's); its
 * usage into the stream's, a finish marks the provider done.  The
 * provider's error event goes to the client as it came and ends the
 * stream.
 */
int
agw_gem_rewrite_event(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int              finished, error;
    size_t           mark, len;
    uint8_t         *plain;
    uint32_t         none, *calls;
    agw_jr_t         r;
    agw_jw_t        *w = &s->w;
    const char      *data;
    agw_error_t     *err;
    agw_sse_event_t  flat;

    if (ev->data_len == 0) {
        return 0;
    }

    /*
     * The engine gives every reader an event of several data: lines on
     * one line (agw_stream_one_line); so does the rewrite when called on
     * its own, as the tests and fuzzers do: the LFs may lie between
     * tokens of a value copied as it came (a call's args), where on the
     * client's one data: line each would cut the event.
     */
    ev = agw_stream_one_line(s, ev, &flat);
    if (ev == NULL) {
        return -1;
    }

    data = ev->data;
    len = ev->data_len;

    mark = w->out->len;
    finished = 0;
    error = 0;

    /* the reader's state, unused by the rewrite but for its count of
     * calls: a call and the finish may come in different events */
    none = 0;
    calls = s->rstate != NULL ? &((agw_gem_rstate_t *) s->rstate)->calls
                              : &none;
    plain = s->rstate != NULL
            ? &((agw_gem_rstate_t *) s->rstate)->model_plain : NULL;

    /*
     * The event goes to a client of the provider's own dialect as it came
     * but for the model, as proxy_pass would pass it: its bytes are
     * trusted (docs/translation-engine.md, "What is validated where"),
     * the walk only finds the members (strings to their ends, other
     * values by their brackets: never past the event's end, whatever the
     * bytes); the usage, finish, block reason and model read out of it
     * are read by the validating reader.
     */
    agw_jr_init(&r, data, len);
    r.valid = 1;

    agw_jw_append(w, "data: ", 6);
    agw_jw_reset_state(w);

    if (agw_gem_rewrite_body(&r, w, &s->opts.model, &s->usage, &finished,
                             &error, s->opts.meta, calls, plain) != 0
        || agw_jr_end(&r) != 0)
    {
        w->out->len = mark;
        agw_jw_reset_state(w);
        err = agw_stream_error_slot(s);
        if (err != NULL) {
            agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0,
                          "invalid_upstream_body", "the gemini upstream sent "
                          "an event that is not JSON");
        }
        return -1;
    }

    if (error) {
        /* the provider's own error, forwarded as it came */
        w->out->len = mark;
        agw_jw_reset_state(w);
        agw_jw_append(w, "data: ", 6);
        agw_jw_append(w, data, len);
        agw_jw_append(w, "\r\n\r\n", 4);

        err = agw_stream_error_slot(s);
        if (err != NULL) {
            memset(err, 0, sizeof(*err));
            agw_gem_read_error(data, len, err);
            if (err->cls == AGW_ERR_NONE) {
                err->cls = AGW_ERR_SERVER;
            }
            err->status = agw_error_status(err->cls);
        }
        s->client_done = 1;
        return -1;
    }

    agw_jw_append(w, "\r\n\r\n", 4);
    agw_jw_reset_state(w);

    if (finished) {
        s->provider_done = 1;
    }

    return w->failed ? -1 : 0;
}
