/*
 * agw_policy: a key's request policy, the parts the dialects share
 * (agw_policy.h).
 */

#include <string.h>

#include "agw_json_reader.h"
#include "agw_json_writer.h"
#include "agw_policy.h"


int
agw_policy_any(const agw_request_ctx_t *o)
{
    return o != NULL
           && ((agw_str_set(&o->policy.system_prompt)
                && o->policy.system_prompt.len > 0)
               || o->policy.max_output > 0);
}


int
agw_policy_cap(const agw_request_ctx_t *o, const char *field, int64_t asked,
    int64_t *cap, agw_error_t *err)
{
    int64_t  max;

    max = (o != NULL) ? o->policy.max_output : 0;

    if (max <= 0 || (asked >= 0 && asked <= max)) {
        *cap = asked;
        return 0;
    }

    if (asked > max && o->policy.refuse) {
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, AGW_POLICY_REFUSED,
                      "%s: %lld output tokens asked for; this API key "
                      "allows at most %lld per request", field,
                      (long long) asked, (long long) max);
        return -1;
    }

    *cap = max;
    return 0;
}


void
agw_policy_report(const agw_request_ctx_t *o, int64_t cap, int64_t n)
{
    if (o == NULL || o->output_cap == NULL) {
        return;
    }

    /* each candidate may use the whole cap: the worst case is n of them */
    *o->output_cap = (cap > 0) ? cap * (n > 1 ? n : 1) : 0;
}


int
agw_policy_form(agw_request_t *req, const agw_request_ctx_t *o,
    agw_arena_t *a, const char *field, agw_error_t *err)
{
    int64_t      cap;
    agw_part_t  *p;

    if (agw_policy_any(o)) {
        if (agw_str_set(&o->policy.system_prompt)
            && o->policy.system_prompt.len > 0)
        {
            /* first of the system parts: each writer puts those before
             * the system messages among the turns; no cache mark, so no
             * breakpoint is added to the client's */
            p = agw_arena_calloc(a, sizeof(agw_part_t));
            if (p == NULL) {
                memset(err, 0, sizeof(*err));
                return -1;
            }

            p->type = AGW_PART_TEXT;
            p->text = o->policy.system_prompt;
            p->next = req->system;
            req->system = p;
        }

        if (agw_policy_cap(o, field, req->max_tokens, &cap, err) != 0) {
            return -1;
        }

        req->max_tokens = cap;
    }

    agw_policy_report(o, req->max_tokens, req->n);

    return 0;
}


int
agw_policy_object(const char *body, size_t from, size_t to,
    agw_policy_member_t *m, size_t n, agw_policy_object_t *obj)
{
    int        rc;
    size_t     i;
    agw_jr_t   r;
    agw_str_t  key, v;

    for (i = 0; i < n; i++) {
        m[i].type = 0;
    }

    agw_jr_init(&r, body + from, to - from);

    if (agw_jr_peek(&r) != AGW_JR_OBJECT) {
        return -1;
    }

    obj->count = 0;
    obj->twice = NULL;

    if (agw_jr_object(&r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        obj->count++;

        for (i = 0; i < n; i++) {
            if (agw_str_eq(&key, m[i].name, strlen(m[i].name))) {
                break;
            }
        }

        if (i < n) {
            if (m[i].type != 0) {
                obj->twice = m[i].name;
            }

            m[i].type = agw_jr_peek(&r);
        }

        if (agw_jr_value(&r, &v) != 0) {
            return -1;
        }

        if (i < n) {
            m[i].value = (size_t) (v.data - body);
            m[i].end = m[i].value + v.len;
        }
    }

    if (rc != 0) {
        return -1;
    }

    /* the closing brace: the byte before the reader's position */
    obj->close = from + agw_jr_offset(&r) - 1;

    return agw_jr_end(&r) != 0 ? -1 : 0;
}


int
agw_policy_twice(const char *name, agw_error_t *err)
{
    agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_request",
                  "%s: given more than once", name);
    return -1;
}


int
agw_policy_first(const char *body, size_t from, size_t to, int *some,
    size_t *first, size_t *first_end)
{
    int        rc;
    agw_jr_t   r;
    agw_str_t  v;

    agw_jr_init(&r, body + from, to - from);

    if (agw_jr_array(&r) != 0) {
        return -1;
    }

    rc = agw_jr_element(&r);
    if (rc < 0) {
        return -1;
    }

    *some = rc;

    if (rc == 1) {
        if (agw_jr_value(&r, &v) != 0) {
            return -1;
        }

        *first = (size_t) (v.data - body);
        *first_end = *first + v.len;
    }

    return 0;
}


static agw_policy_edit_t *
agw_policy_edit(agw_policy_edits_t *ed, size_t at, size_t to)
{
    agw_policy_edit_t  *e;

    /* the dialects make a fixed handful: more is a bug, caught here */
    if (ed->n == AGW_POLICY_EDITS) {
        ed->n++;
        return NULL;
    }

    if (ed->n > AGW_POLICY_EDITS) {
        return NULL;
    }

    e = &ed->e[ed->n++];
    memset(e, 0, sizeof(*e));
    e->at = at;
    e->to = to;

    return e;
}


void
agw_policy_text(agw_policy_edits_t *ed, size_t at, size_t to,
    const char *text, size_t len)
{
    agw_policy_edit_t  *e;

    e = agw_policy_edit(ed, at, to);
    if (e != NULL) {
        e->text = text;
        e->len = len;
    }
}


void
agw_policy_inside(agw_policy_edits_t *ed, size_t at, const agw_str_t *s)
{
    agw_policy_edit_t  *e;

    e = agw_policy_edit(ed, at, at);
    if (e != NULL) {
        e->inside = s;
    }
}


void
agw_policy_num(agw_policy_edits_t *ed, size_t at, size_t to, int64_t num)
{
    agw_policy_edit_t  *e;

    e = agw_policy_edit(ed, at, to);
    if (e != NULL) {
        e->num = num;
    }
}


int
agw_policy_splice(const char *body, size_t len, agw_policy_edits_t *ed,
    agw_buf_t *out)
{
    int                 i, j;
    size_t              pos, mark;
    agw_jw_t            w;
    agw_policy_edit_t   t;
    const agw_str_t    *s;

    if (ed->n > AGW_POLICY_EDITS) {
        return -1;
    }

    /* stable: edits at one position keep the order they were made in */
    for (i = 1; i < ed->n; i++) {
        for (j = i; j > 0 && ed->e[j].at < ed->e[j - 1].at; j--) {
            t = ed->e[j];
            ed->e[j] = ed->e[j - 1];
            ed->e[j - 1] = t;
        }
    }

    mark = out->len;
    agw_jw_init(&w, out);
    pos = 0;

    for (i = 0; i < ed->n; i++) {
        agw_jw_append(&w, body + pos, ed->e[i].at - pos);

        if (ed->e[i].text != NULL) {
            agw_jw_append(&w, ed->e[i].text, ed->e[i].len);

        } else if (ed->e[i].inside != NULL) {
            s = ed->e[i].inside;
            if (s->kind == AGW_STR_JSON) {
                agw_jw_append(&w, s->data, s->len);
            } else {
                agw_jw_escape(&w, s->data, s->len);
            }

        } else {
            agw_jw_reset_state(&w);
            agw_jw_int(&w, ed->e[i].num);
            agw_jw_reset_state(&w);
        }

        pos = ed->e[i].to;
    }

    agw_jw_append(&w, body + pos, len - pos);

    if (w.failed) {
        out->len = mark;
        return -1;
    }

    return 0;
}


/* An integer member's value, -1 when it holds none. */
static int64_t
agw_policy_int(const char *body, const agw_policy_member_t *m)
{
    int64_t      v;
    agw_jr_t     r;
    const char  *p;

    if (m->type == AGW_JR_NUMBER) {
        agw_jr_init(&r, body + m->value, m->end - m->value);
        return agw_jr_int(&r, &v) == 0 ? v : -1;
    }

    /* Gemini's JSON reads an integer written as a string ("100") */
    if (m->type != AGW_JR_STRING || m->end - m->value == 2) {
        return -1;
    }

    v = 0;

    for (p = body + m->value + 1; p < body + m->end - 1; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10) {
            return -1;
        }

        v = v * 10 + (*p - '0');
    }

    return v;
}


int
agw_policy_capped(const char *body, const agw_policy_member_t *m,
    const char *field, const agw_request_ctx_t *o, agw_policy_edits_t *ed,
    int64_t *cap, agw_error_t *err)
{
    int64_t  asked;

    *cap = -1;

    if (m->type == 0) {
        return 0;
    }

    asked = agw_policy_int(body, m);

    if (o->policy.max_output <= 0) {
        /* nothing to hold it to: what it asked, for the report */
        *cap = asked;
        return 0;
    }

    if (m->type == AGW_JR_NULL) {
        agw_policy_num(ed, m->value, m->end, o->policy.max_output);
        *cap = o->policy.max_output;
        return 0;
    }

    if (asked < 0) {
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_value",
                      "%s: must be an integer of 1 or more (this API key "
                      "caps it)", field);
        return -1;
    }

    if (agw_policy_cap(o, field, asked, cap, err) != 0) {
        return -1;
    }

    if (*cap != asked) {
        agw_policy_num(ed, m->value, m->end, *cap);
    }

    return 0;
}


int64_t
agw_policy_count(const char *body, const agw_policy_member_t *m)
{
    int64_t  n;

    n = agw_policy_int(body, m);

    return n > 1 ? n : 1;
}


void
agw_policy_key(agw_policy_edits_t *ed, size_t at, int *sep,
    const char *key_json, size_t len)
{
    if (*sep) {
        agw_policy_text(ed, at, at, ",", 1);
    }

    agw_policy_text(ed, at, at, key_json, len);
    *sep = 1;
}


int
agw_policy_pass(const char *body, size_t len, agw_buf_t *out,
    agw_error_t *err)
{
    if (agw_buf_append(out, body, len) != 0) {
        memset(err, 0, sizeof(*err));
        return -1;
    }

    return 0;
}
