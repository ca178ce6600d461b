/*
 * OpenAI to OpenAI: the client's bytes rewritten in one pass, not read
 * into the form, because the provider may accept fields the gateway has
 * never heard of.  The pull reader validates the whole body while it
 * finds the few members to change; the bytes are then copied with those
 * edits (docs/translation.md, "Passthrough rules"):
 *
 *   request   model set to the upstream's; a stream gets stream: true and
 *             stream_options.include_usage: true (OpenAI reports a
 *             stream's usage only then; other stream_options kept); a
 *             request that is not a stream loses stream_options (OpenAI
 *             answers 400 to it) and a stream: true becomes false;
 *   answer    model set back to the client's name; usage read;
 *   stream    model set in every chunk; usage read; when the client did
 *             not ask for include_usage itself, the usage chunk asked for
 *             on its behalf (choices: [] with usage) is dropped and every
 *             other chunk's usage member cut; Azure's leading
 *             prompt_filter_results chunk (choices: [], no usage) kept;
 *             an error chunk forwarded as it came and the stream ended
 *             without [DONE].
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE               /* memmem */
#endif

#include <stdlib.h>
#include <string.h>

#include "oai_int.h"


#define AGW_OAI_EDITS  4

/* Bytes [from, to) of the input replaced by text (may be empty). */
typedef struct {
    size_t       from;
    size_t       to;
    const char  *text;
    size_t       len;
    agw_str_t    str;       /* or a string value written by the writer */
} agw_oai_edit_t;


/* A member name to find, its length known. */
typedef struct {
    const char  *name;
    size_t       len;
} agw_oai_key_t;

#define agw_oai_key(s)  { s, sizeof(s) - 1 }


/* A top-level member: where it starts (before its comma, if any), its
 * value, and where it ends. */
typedef struct {
    size_t  start;
    size_t  value;
    size_t  end;
    int     type;           /* AGW_JR_* of the value; 0: absent */
    int     first;          /* the object's first member */
} agw_oai_member_t;


static void
agw_oai_edit(agw_oai_edit_t *e, int *n, size_t from, size_t to,
    const char *text, size_t len)
{
    e[*n].from = from;
    e[*n].to = to;
    e[*n].text = text;
    e[*n].len = len;
    e[*n].str.data = NULL;
    (*n)++;
}


/* The bytes of a member, its comma included: the one before it, or for
 * the first member the one after it. */
static void
agw_oai_cut(const char *body, size_t len, const agw_oai_member_t *m,
    agw_oai_edit_t *e, int *n)
{
    agw_oai_edit(e, n, m->start,
                 agw_request_index_cut_end(body, len, m->end, m->first),
                 "", 0);
}


/* Copies body with the edits (in any order; they never overlap) into w;
 * with refs, a request's long runs are listed there instead. */
static void
agw_oai_splice(agw_jw_t *w, const char *body, size_t len, agw_oai_edit_t *e,
    int n, agw_body_refs_t *refs)
{
    int             i, j;
    size_t          pos;
    agw_oai_edit_t  t;

    for (i = 1; i < n; i++) {
        for (j = i; j > 0 && e[j].from < e[j - 1].from; j--) {
            t = e[j];
            e[j] = e[j - 1];
            e[j - 1] = t;
        }
    }

    pos = 0;

    for (i = 0; i < n; i++) {
        if (refs != NULL) {
            agw_body_copy(w, refs, body + pos, e[i].from - pos);
        } else {
            agw_jw_append(w, body + pos, e[i].from - pos);
        }

        if (e[i].str.data != NULL) {
            agw_jw_reset_state(w);
            agw_jw_str(w, &e[i].str);
            agw_jw_reset_state(w);
        } else {
            agw_jw_append(w, e[i].text, e[i].len);
        }

        pos = e[i].to;
    }

    if (refs != NULL) {
        agw_body_copy(w, refs, body + pos, len - pos);
    } else {
        agw_jw_append(w, body + pos, len - pos);
    }
}


/*
 * Walks the members of the object the reader is in (from its first, or
 * after a member when first is 0), validating every value unless the
 * reader trusts the bytes: the members named in keys[] are located in
 * m[] (the last one of a name wins, as jansson keeps; the caller clears
 * m[]).  0, or the reader's error.
 */
static int
agw_oai_members_walk(agw_jr_t *r, const agw_oai_key_t *keys,
    agw_oai_member_t *m, int n, size_t *close, int *count, int first)
{
    int               i, rc;
    size_t            start;
    agw_str_t         key;
    agw_oai_member_t  *hit;

    *count = 0;

    for ( ;; ) {
        start = agw_jr_offset(r);

        rc = agw_jr_member(r, &key);
        if (rc != 1) {
            break;
        }

        hit = NULL;
        for (i = 0; i < n; i++) {
            if (key.escaped ? agw_str_eq(&key, keys[i].name, keys[i].len)
                : key.len == keys[i].len
                  && memcmp(key.data, keys[i].name, key.len) == 0)
            {
                hit = &m[i];
                break;
            }
        }

        if (hit != NULL) {
            hit->type = agw_jr_peek(r);
            hit->start = start;
            hit->value = agw_jr_offset(r);
            hit->first = first;
        }

        rc = agw_jr_value(r, NULL);
        if (rc != 0) {
            return rc;
        }

        if (hit != NULL) {
            hit->end = agw_jr_offset(r);
        }

        first = 0;
        (*count)++;
    }

    if (rc < 0) {
        return rc;
    }

    /* the closing brace: the byte before the reader's position */
    *close = agw_jr_offset(r) - 1;

    return 0;
}


/* An object's members, the object entered first. */
static int
agw_oai_members(agw_jr_t *r, const agw_oai_key_t *keys, agw_oai_member_t *m,
    int n, size_t *close, int *count)
{
    int  i, rc;

    for (i = 0; i < n; i++) {
        m[i].type = 0;
    }

    rc = agw_jr_object(r);
    if (rc != 0) {
        return rc;
    }

    return agw_oai_members_walk(r, keys, m, n, close, count, 1);
}


/* A member as the module's walk of the body found it. */
static void
agw_oai_indexed(const agw_req_member_t *im, agw_oai_member_t *m)
{
    m->start = im->start;
    m->value = im->value;
    m->end = im->end;
    m->type = im->type;
    m->first = im->first;
}


/* stream_options' include_usage member, and how many members it has. */
static int
agw_oai_include_usage(const char *body, const agw_oai_member_t *so,
    agw_oai_member_t *iu, int *count)
{
    agw_jr_t           r;
    size_t             close;
    static const agw_oai_key_t  keys[] = {
        agw_oai_key("include_usage")
    };

    agw_jr_init(&r, body + so->value, so->end - so->value);

    if (agw_oai_members(&r, keys, iu, 1, &close, count) != 0) {
        return -1;
    }

    if (iu->type) {
        iu->start += so->value;
        iu->value += so->value;
        iu->end += so->value;
    }

    return 0;
}


int
agw_oai_rewrite_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err)
{
    int                n, rc, k, sep, count;
    size_t             close;
    agw_jr_t           r;
    agw_jw_t           w;
    agw_oai_edit_t     e[AGW_OAI_EDITS + 2];
    agw_oai_member_t   m[3], iu;
    agw_oai_rctx_t     c;
    static const agw_oai_key_t  keys[] = {
        agw_oai_key("model"), agw_oai_key("stream"),
        agw_oai_key("stream_options")
    };

    c.arena = NULL;
    c.err = err;
    c.provider = 0;
    agw_oai_path_reset(&c);

    agw_jr_init(&r, body, len);

    if (agw_request_index_usable(o->index)) {
        /* the module's walk of this body found them */
        agw_oai_indexed(&o->index->model, &m[0]);
        agw_oai_indexed(&o->index->stream, &m[1]);
        agw_oai_indexed(&o->index->stream_options, &m[2]);
        close = o->index->close;
        count = (int) o->index->members;
        rc = 0;

    } else {
        rc = agw_oai_members(&r, keys, m, 3, &close, &count);
        if (rc == 0 && agw_jr_end(&r) != 0) {
            rc = -1;
        }
    }

    if (rc == AGW_JR_TYPE) {
        return agw_oai_bad(&c, "", "the request body must be a JSON object");
    }

    if (rc != 0) {
        return agw_oai_fail(&c, &r, "", rc);
    }

    n = 0;
    sep = count > 0;
    agw_jw_init(&w, out);

    if (agw_str_set(&o->model) && o->model.len > 0) {
        if (m[0].type) {
            agw_oai_edit(e, &n, m[0].value, m[0].end, NULL, 0);
            e[n - 1].str = o->model;

        } else {
            /* a body without a model gets one */
            agw_oai_edit(e, &n, close, close, ",\"model\":" + !sep,
                         9 - !sep);
            agw_oai_edit(e, &n, close, close, NULL, 0);
            e[n - 1].str = o->model;
            sep = 1;
        }
    }

    if (o->stream) {
        if (m[1].type) {
            agw_oai_edit(e, &n, m[1].value, m[1].end, "true", 4);
        } else {
            agw_oai_edit(e, &n, close, close, ",\"stream\":true" + !sep,
                         14 - !sep);
            sep = 1;
        }

        if (m[2].type == AGW_JR_OBJECT) {
            if (agw_oai_include_usage(body, &m[2], &iu, &k) != 0) {
                return agw_oai_fail(&c, &r, "stream_options", -1);
            }

            if (iu.type) {
                agw_oai_edit(e, &n, iu.value, iu.end, "true", 4);
            } else {
                /* after the opening brace; a comma when others follow */
                agw_oai_edit(e, &n, m[2].value + 1, m[2].value + 1,
                             "\"include_usage\":true,", k ? 21 : 20);
            }

        } else if (m[2].type) {
            agw_oai_edit(e, &n, m[2].value, m[2].end,
                         "{\"include_usage\":true}", 22);

        } else {
            agw_oai_edit(e, &n, close, close,
                         ",\"stream_options\":{\"include_usage\":true}"
                         + !sep, 40 - !sep);
        }

    } else {
        if (m[2].type) {
            agw_oai_cut(body, len, &m[2], e, &n);
        }

        if (m[1].type == AGW_JR_TRUE) {
            agw_oai_edit(e, &n, m[1].value, m[1].end, "false", 5);
        }
    }

    agw_oai_splice(&w, body, len, e, n, o->refs);

    return w.failed ? -1 : 0;
}


/* The model of an answer or a chunk set to the client's name. */
static void
agw_oai_set_model(const agw_str_t *model, const agw_oai_member_t *m,
    agw_oai_edit_t *e, int *n)
{
    if (m->type && agw_str_set(model) && model->len > 0) {
        agw_oai_edit(e, n, m->value, m->end, NULL, 0);
        e[*n - 1].str = *model;
    }
}


/* The provider's model, for the usage event: read once (the meta keeps
 * the first), from bytes the walk validated. */
static void
agw_oai_rewrite_model(agw_answer_meta_t *meta, const char *body,
    const agw_oai_member_t *m)
{
    agw_jr_t   r;
    agw_str_t  model;

    if (meta == NULL || meta->model[0] != '\0' || m->type != AGW_JR_STRING) {
        return;
    }

    agw_jr_init(&r, body + m->value, m->end - m->value);

    if (agw_jr_string(&r, &model) == 0) {
        agw_answer_meta_model(meta, &model);
    }
}


/*
 * The finish reason in a choices array, for the usage event.  Every chunk
 * of a stream says "finish_reason":null but the last, so the array is read
 * only when its bytes hold the key with a string after it (a key: inside
 * a JSON string its quotes would be escaped).  The first choice's reason
 * is the answer's, as the translated path takes it.
 */
static void
agw_oai_rewrite_finish(agw_answer_meta_t *meta, const char *body,
    const agw_oai_member_t *m)
{
    int          rc;
    int64_t      index;
    agw_jr_t     r;
    agw_str_t    key, finish;
    const char  *p, *end;

    if (meta == NULL || m->type != AGW_JR_ARRAY) {
        return;
    }

    p = body + m->value;
    end = body + m->end;

    for ( ;; ) {
        p = memmem(p, (size_t) (end - p), "\"finish_reason\"", 15);
        if (p == NULL) {
            return;
        }

        p += 15;

        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'
                           || *p == '\n' || *p == ':'))
        {
            p++;
        }

        if (p < end && *p == '"') {
            break;
        }
    }

    agw_jr_init(&r, body + m->value, m->end - m->value);

    if (agw_jr_array(&r) != 0 || agw_jr_element(&r) != 1
        || agw_jr_object(&r) != 0)
    {
        return;
    }

    finish = (agw_str_t) AGW_STR_NULL;

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        rc = agw_oai_read_choice_member(&r, &key, &finish, &index);
        if (rc == 0) {
            rc = agw_jr_value(&r, NULL);
        } else if (rc == 1) {
            rc = 0;
        }
        if (rc != 0) {
            return;
        }
    }

    if (agw_str_set(&finish)) {
        agw_answer_meta_finish(meta, agw_oai_finish_of(&finish));
    }
}


/* A usage object's counts merged into u. */
static int
agw_oai_rewrite_usage(agw_oai_rctx_t *c, const char *body,
    const agw_oai_member_t *m, agw_usage_t *u)
{
    agw_jr_t     r;
    agw_usage_t  n;

    agw_usage_init(&n);
    agw_jr_init(&r, body + m->value, m->end - m->value);

    if (agw_oai_read_usage(c, &r, &n) != 0) {
        return -1;
    }

    agw_usage_merge(u, &n);
    return 0;
}


int
agw_oai_rewrite_response(const char *body, size_t len,
    const agw_answer_ctx_t *o, agw_buf_t *out, agw_usage_t *usage,
    agw_error_t *err)
{
    int                n, rc, count;
    size_t             close;
    agw_jr_t           r;
    agw_jw_t           w;
    agw_oai_edit_t     e[2];
    agw_oai_member_t   m[3];
    agw_oai_rctx_t     c;
    static const agw_oai_key_t  keys[] = {
        agw_oai_key("model"), agw_oai_key("usage"), agw_oai_key("choices")
    };

    c.arena = NULL;
    c.err = err;
    c.provider = 1;
    agw_oai_path_reset(&c);

    agw_jr_init(&r, body, len);

    rc = agw_oai_members(&r, keys, m, 3, &close, &count);
    if (rc == 0 && agw_jr_end(&r) != 0) {
        rc = -1;
    }

    if (rc == AGW_JR_TYPE) {
        return agw_oai_bad(&c, "", "not a JSON object");
    }

    if (rc != 0) {
        return agw_oai_fail(&c, &r, "", rc);
    }

    if (m[1].type == AGW_JR_OBJECT && usage != NULL
        && agw_oai_rewrite_usage(&c, body, &m[1], usage) != 0)
    {
        return -1;
    }

    agw_oai_rewrite_model(o->meta, body, &m[0]);
    agw_oai_rewrite_finish(o->meta, body, &m[2]);

    n = 0;
    agw_oai_set_model(&o->model, &m[0], e, &n);

    agw_jw_init(&w, out);
    agw_oai_splice(&w, body, len, e, n, NULL);

    return w.failed ? -1 : 0;
}


/* "[]" with any blanks inside. */
static int
agw_oai_empty_array(const char *p, size_t len)
{
    size_t  i;

    for (i = 1; i + 1 < len; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') {
            return 0;
        }
    }

    return len >= 2 && p[0] == '[';
}


static void
agw_oai_event_name(agw_jw_t *w, const agw_sse_event_t *ev)
{
    if (ev->event_len) {
        agw_jw_append(w, "event: ", 7);
        agw_jw_append(w, ev->event, ev->event_len);
        agw_jw_append(w, "\n", 1);
    }
}


/*
 * After a chunk walked whole: its bytes before the first member that
 * matters (usage, choices, error) kept for the next one, when they hold
 * a member or more and the model, if any, is among them.
 */
static int
agw_oai_prefix_keep(agw_oai_rstate_t *rs, const char *d,
    const agw_oai_member_t *m, int n, const agw_str_t *model)
{
    int             i;
    size_t          at, comma;
    agw_jw_t        w;
    agw_buf_t       b = AGW_BUF_INIT;
    agw_oai_edit_t  e[1];

    at = (size_t) -1;

    for (i = 1; i < n; i++) {
        if (m[i].type && m[i].start < at) {
            if (m[i].first) {
                return 0;
            }
            at = m[i].start;
        }
    }

    if (at == (size_t) -1 || (m[0].type && m[0].end > at)) {
        return 0;
    }

    /* from the end of the member before it: blanks, the comma, blanks,
     * the key's quote */
    while (d[at] != ',') {
        at++;
    }

    comma = at++;

    while (d[at] != '"') {
        at++;
    }

    if (at <= 16 || at > AGW_OAI_PREFIX_MAX) {
        return 0;
    }

    if (rs->prefix == NULL) {
        /* the provider's bytes, then the client's (out_len) */
        rs->prefix = malloc(2 * AGW_OAI_PREFIX_MAX);
        if (rs->prefix == NULL) {
            return -1;
        }
    }

    memcpy(rs->prefix, d, at);
    rs->prefix_len = (uint32_t) at;
    rs->prefix_comma = (uint16_t) comma;
    rs->model_at = m[0].type ? (uint16_t) m[0].value : 0;
    rs->model_end = m[0].type ? (uint16_t) m[0].end : 0;

    /* what the client gets of those bytes up to the comma, the model
     * replaced: written once, not for every chunk */
    rs->out_len = 0;

    n = 0;
    agw_oai_set_model(model, &m[0], e, &n);

    agw_jw_init(&w, &b);
    agw_oai_splice(&w, d, comma, e, n, NULL);

    if (!w.failed && b.len <= AGW_OAI_PREFIX_MAX) {
        memcpy(rs->prefix + AGW_OAI_PREFIX_MAX, b.data, b.len);
        rs->out_len = (uint16_t) b.len;
    }

    agw_buf_free(&b);

    return 0;
}


int
agw_oai_rewrite_event(agw_xstream_t *s, const agw_sse_event_t *ev)
{
    int                n, i, rc, count, skip, fast, choices;
    size_t             close, base, at, cend;
    agw_str_t          text, calls;
    agw_oai_rstate_t  *rs;
    agw_jr_t           r;
    agw_jw_t          *w;
    agw_error_t       *err, perr;
    agw_oai_edit_t     e[2];
    agw_oai_member_t   m[4];
    agw_oai_rctx_t     c;
    agw_sse_event_t    one;
    static const agw_oai_key_t  keys[] = {
        agw_oai_key("model"), agw_oai_key("usage"), agw_oai_key("choices"),
        agw_oai_key("error")
    };

    w = &s->w;

    if (s->provider_done) {
        /* bytes after the end: the answer is whole */
        return 0;
    }

    /*
     * The engine gives every reader an event of several data: lines on
     * one line (agw_stream_one_line); so does the rewrite when called on
     * its own, as the fuzzer does: the chunk's bytes go on the client's
     * one data: line as they came.
     */
    ev = agw_stream_one_line(s, ev, &one);
    if (ev == NULL) {
        return -1;
    }

    if (ev->data_len == 6 && memcmp(ev->data, "[DONE]", 6) == 0) {
        s->provider_done = 1;
        s->client_done = 1;

        agw_oai_event_name(w, ev);
        agw_jw_append(w, "data: [DONE]\n\n", 14);
        agw_jw_reset_state(w);

        return w->failed ? -1 : 0;
    }

    /* only an error fills it: the class says whether one did */
    perr.cls = AGW_ERR_NONE;
    c.arena = s->arena;
    c.err = &perr;
    c.provider = 1;
    agw_oai_path_reset(&c);

    rs = s->rstate;

    /*
     * The chunk goes to a client of the provider's own dialect as it
     * came but for the edits, as proxy_pass would pass it: its bytes are
     * trusted (docs/translation-engine.md, "What is validated where"),
     * the walk only finds the members to edit or observe (strings to
     * their ends, other values by their brackets: never past the
     * event's end, whatever the bytes).  What is read out of them (the
     * usage, the model and finish reason for the usage event, an error)
     * is read by the validating reader.
     */
    agw_jr_init(&r, ev->data, ev->data_len);
    r.valid = 1;

    /*
     * The chunks of one answer repeat their first members: when this one
     * begins with the bytes the last one had before its first member
     * that matters, the walk goes on from the comma after them, where
     * the last chunk's walk was then, and the model's value in them is
     * where it was.
     */
    skip = rs != NULL && rs->prefix_len > 0
           && ev->data_len > rs->prefix_len
           && memcmp(ev->data, rs->prefix, rs->prefix_len) == 0;
    choices = 0;

    if (skip) {
        for (i = 0; i < 4; i++) {
            m[i].type = 0;
        }

        /* OpenAI's text or tool call chunk: its choices are not walked
         * (their finish reason is null) */
        r.p = ev->data + rs->prefix_len;
        choices = agw_oai_delta_choices(&r, &text, &calls);
        cend = agw_jr_offset(&r);
        choices = choices && agw_oai_delta_after(&r, &at) == 0;

        if (choices) {
            m[2].type = AGW_JR_ARRAY;
            m[2].start = rs->prefix_comma;
            m[2].value = rs->prefix_len + 10;       /* "choices": */
            m[2].end = cend;
            m[2].first = 0;

            /* and the null usage after them: ,"usage":null */
            if (at != (size_t) -1) {
                m[1].type = AGW_JR_NULL;
                m[1].start = at;
                m[1].value = at + 9;
                m[1].end = at + 13;
                m[1].first = 0;
            }

        } else {
            agw_jr_init(&r, ev->data, ev->data_len);
            r.valid = 1;
            r.p = ev->data + rs->prefix_comma;
            r.depth = 1;
        }

        rc = agw_oai_members_walk(&r, keys, m, 4, &close, &count, 0);

    } else {
        rc = agw_oai_members(&r, keys, m, 4, &close, &count);
    }

    if (rc == 0 && agw_jr_end(&r) != 0) {
        rc = -1;
    }

    /* the model in the repeated bytes, unless the rest names one too */
    fast = skip && !m[0].type && rs->out_len > 0;

    if (rc == 0 && skip && !m[0].type && rs->model_end != 0) {
        m[0].type = AGW_JR_STRING;      /* any: it is replaced whole */
        m[0].value = rs->model_at;
        m[0].end = rs->model_end;
        m[0].first = 0;
    }

    if (rc == 0 && m[1].type == AGW_JR_OBJECT
        && agw_oai_rewrite_usage(&c, ev->data, &m[1], &s->usage) != 0)
    {
        rc = -1;
    }

    if (rc != 0) {
        if (perr.cls == AGW_ERR_NONE && !r.failed && rc != AGW_JR_TYPE) {
            return -1;
        }

        err = agw_stream_error_slot(s);
        if (err != NULL) {
            agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "invalid_stream",
                          "the openai upstream sent an event that is not "
                          "a JSON object");
        }

        return -1;
    }

    if (m[3].type && m[3].type != AGW_JR_NULL) {
        /* a mid-stream error: forwarded as it came (the client's own
         * dialect), recorded, and the end of the client's stream */
        err = agw_stream_error_slot(s);
        if (err != NULL) {
            memset(err, 0, sizeof(agw_error_t));
            agw_oai_read_error(ev->data, ev->data_len, err);
            if (err->cls == AGW_ERR_NONE) {
                err->cls = AGW_ERR_SERVER;
            }
            err->status = agw_error_status(err->cls);
            if (err->message[0] == '\0') {
                agw_error_set(err, err->cls, 0, "upstream_error",
                              "the openai upstream reported an error "
                              "mid-stream");
            }
        }

        s->provider_done = 1;
        s->client_done = 1;

        agw_oai_event_name(w, ev);
        agw_jw_append(w, "data: ", 6);
        agw_jw_append(w, ev->data, ev->data_len);
        agw_jw_append(w, "\n\n", 2);
        agw_jw_reset_state(w);

        return -1;
    }

    n = 0;

    if (m[1].type && !s->opts.include_usage) {
        if (m[1].type == AGW_JR_OBJECT && m[2].type == AGW_JR_ARRAY
            && agw_oai_empty_array(ev->data + m[2].value,
                                   m[2].end - m[2].value))
        {
            /* the usage chunk asked for on the client's behalf */
            return 0;
        }

        agw_oai_cut(ev->data, ev->data_len, &m[1], e, &n);
    }

    agw_oai_rewrite_model(s->opts.meta, ev->data, &m[0]);

    if (!choices) {
        agw_oai_rewrite_finish(s->opts.meta, ev->data, &m[2]);
    }

    agw_oai_event_name(w, ev);
    agw_jw_append(w, "data: ", 6);

    if (fast) {
        /* the repeated bytes as the client got them last time, then the
         * rest with its edits (none before the comma) */
        agw_jw_append(w, rs->prefix + AGW_OAI_PREFIX_MAX, rs->out_len);

        base = rs->prefix_comma;
        for (i = 0; i < n; i++) {
            e[i].from -= base;
            e[i].to -= base;
        }

        agw_oai_splice(w, ev->data + base, ev->data_len - base, e, n, NULL);

    } else {
        agw_oai_set_model(&s->opts.model, &m[0], e, &n);
        agw_oai_splice(w, ev->data, ev->data_len, e, n, NULL);
    }

    agw_jw_append(w, "\n\n", 2);
    agw_jw_reset_state(w);

    if (!skip && rs != NULL
        && agw_oai_prefix_keep(rs, ev->data, m, 4, &s->opts.model) != 0)
    {
        return -1;
    }

    return w->failed ? -1 : 0;
}


/*
 * A text chunk as the feed holds it, before the SSE parser, in the form
 * rewrite_event's repeat path takes (skip, choices and fast there):
 *
 *   "data: " PREFIX "\"choices\":[{...\"content\":\"TEXT\"}...}]"
 *   [",\"usage\":null"] [",\"obfuscation\":\"...\""] "}\n\n"
 *
 * PREFIX the last walked chunk's head (rs->prefix: a parsed event's data,
 * no CR or LF in it), the choices and what follows read by the reader's
 * match of them (agw_oai_delta_choices(), agw_oai_delta_after()) with
 * the JSON reader validating, whose strings hold no raw CR or LF: the
 * parser would hand rewrite_event this data alone on its line.  The same
 * bytes out as that path writes: the head as the client got it last
 * time, the rest with the null usage cut unless the client asked for
 * it.  Not while the provider's model is still to read for the usage
 * event.  Anything else is the parser's (0): a tool call's chunk is told
 * by the bytes after the head (agw_oai_rewrite_text) before the reader's
 * match, which would validate its calls for nothing.
 */
static const char  agw_oai_rewrite_text[] =
    AGW_OAI_DELTA_HEAD AGW_OAI_TEXT_KEY "\"";

size_t
agw_oai_rewrite_bytes(agw_xstream_t *s, const char *p, size_t len, int *rc)
{
    size_t              at;
    agw_jr_t            r;
    agw_jw_t           *w;
    agw_str_t           text, calls;
    const char         *d, *q, *from, *end;
    agw_oai_rstate_t   *rs;
    agw_answer_meta_t  *meta;

    rs = s->rstate;
    meta = s->opts.meta;
    end = p + len;

    if (rs == NULL || rs->prefix_len == 0 || rs->out_len == 0
        || s->provider_done
        || (rs->model_end != 0 && meta != NULL && meta->model[0] == '\0')
        || len < 6 + rs->prefix_len + sizeof(agw_oai_rewrite_text) + 3
        || memcmp(p, "data: ", 6) != 0
        || memcmp(p + 6, rs->prefix, rs->prefix_len) != 0
        || memcmp(p + 6 + rs->prefix_len, agw_oai_rewrite_text,
                  sizeof(agw_oai_rewrite_text) - 1)
           != 0)
    {
        return 0;
    }

    d = p + 6;

    agw_jr_init(&r, d, (size_t) (end - d));
    r.p = d + rs->prefix_len;
    calls = (agw_str_t) AGW_STR_NULL;

    if (!agw_oai_delta_choices(&r, &text, &calls) || agw_str_set(&calls)
        || agw_oai_delta_after(&r, &at) != 0)
    {
        return 0;
    }

    q = r.p;

    if (end - q < 3 || q[0] != '}' || q[1] != '\n' || q[2] != '\n') {
        return 0;
    }

    w = &s->w;

    agw_jw_append(w, "data: ", 6);
    agw_jw_append(w, rs->prefix + AGW_OAI_PREFIX_MAX, rs->out_len);

    from = d + rs->prefix_comma;

    if (at != (size_t) -1 && !s->opts.include_usage) {
        /* ,"usage":null */
        agw_jw_append(w, from, (size_t) (d + at - from));
        from = d + at + 13;
    }

    agw_jw_append(w, from, (size_t) (q + 1 - from));
    agw_jw_append(w, "\n\n", 2);
    agw_jw_reset_state(w);

    *rc = w->failed ? -1 : 0;

    return (size_t) (q + 3 - p);
}
