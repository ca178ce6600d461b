/*
 * agw_key_policy: a key's policy as JSON (the keys snapshot's "policy",
 * which the daemon also keeps in SQLite), read strictly and written.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_keys_int.h"


/* The order of agw_limits_conf_t's members. */
const char *const  agw_key_limit_names[] = {
    "requests_per_minute", "requests_per_hour", "requests_per_day",
    "tokens_per_minute", "input_tokens_per_day", "output_tokens_per_day",
    "concurrent", "budget_day", "budget_month", "budget_total", NULL
};


static int agw_key_policy_limits(agw_jr_t *r, agw_limits_conf_t *l,
    const char *where, char *err, size_t errlen);
static int agw_key_policy_text(agw_jr_t *r, char **s, size_t *len,
    const char *where, const char *name, char *err, size_t errlen);
static int agw_key_policy_creds(agw_jr_t *r, agw_key_policy_t *p,
    const char *where, char *err, size_t errlen);


/* A limit's slot in the struct, by its index in the names. */
static void *
agw_key_limit_slot(const agw_limits_conf_t *l, size_t i)
{
    switch (i) {
    case 0: return (void *) &l->requests_per_minute;
    case 1: return (void *) &l->requests_per_hour;
    case 2: return (void *) &l->requests_per_day;
    case 3: return (void *) &l->tokens_per_minute;
    case 4: return (void *) &l->input_tokens_per_day;
    case 5: return (void *) &l->output_tokens_per_day;
    case 6: return (void *) &l->concurrent;
    case 7: return (void *) &l->budget_day;
    case 8: return (void *) &l->budget_month;
    default: return (void *) &l->budget_total;
    }
}


int64_t
agw_key_limit_get(const agw_limits_conf_t *l, size_t i)
{
    if (i < AGW_KEY_LIMIT_BUDGETS) {
        return (int64_t) *(const uint64_t *) agw_key_limit_slot(l, i);
    }

    return *(const int64_t *) agw_key_limit_slot(l, i);
}


void
agw_key_limit_set(agw_limits_conf_t *l, size_t i, int64_t v)
{
    if (i < AGW_KEY_LIMIT_BUDGETS) {
        *(uint64_t *) agw_key_limit_slot(l, i) = (uint64_t) v;

    } else {
        *(int64_t *) agw_key_limit_slot(l, i) = v;
    }
}


static int
agw_key_policy_limits(agw_jr_t *r, agw_limits_conf_t *l, const char *where,
    char *err, size_t errlen)
{
    int       rc;
    char      w[48];
    size_t    f;
    int64_t   v;
    uint32_t  seen;

    snprintf(w, sizeof(w), "%s.limits", where);

    if (agw_jr_object(r) != 0) {
        return agw_keys_type(where, "limits", "an object", err, errlen);
    }

    seen = 0;

    while ((rc = agw_keys_member(r, agw_key_limit_names, &seen, &f, w, err,
                                 errlen))
           == 1)
    {
        if (agw_jr_int(r, &v) != 0 || v < 0) {
            return agw_keys_type(w, agw_key_limit_names[f],
                                 "a non-negative integer", err, errlen);
        }

        agw_key_limit_set(l, f, v);
    }

    if (rc < 0) {
        return -1;
    }

    return agw_keys_missing(agw_key_limit_names, seen, w, err, errlen);
}


/* A string (its length kept: it may hold a NUL) or null. */
static int
agw_key_policy_text(agw_jr_t *r, char **s, size_t *len, const char *where,
    const char *name, char *err, size_t errlen)
{
    agw_str_t  v;

    if (agw_jr_peek(r) == AGW_JR_NULL) {
        return agw_jr_null(r) == 0 ? 0 : -1;
    }

    if (agw_jr_string(r, &v) != 0) {
        return agw_keys_type(where, name, "a string or null", err, errlen);
    }

    *s = malloc((size_t) v.len + 1);
    if (*s == NULL) {
        agw_errmsg(err, errlen, "out of memory");
        return -1;
    }

    *len = agw_str_unescape(&v, *s);
    (*s)[*len] = '\0';

    return 0;
}


static int
agw_key_policy_creds(agw_jr_t *r, agw_key_policy_t *p, const char *where,
    char *err, size_t errlen)
{
    int                    rc;
    char                   w[64];
    size_t                 f, i, j, cap;
    uint32_t               seen;
    agw_key_credential_t  *c, *more;

    static const char *const  known[] = { "provider", "sealed", NULL };

    if (agw_jr_array(r) != 0) {
        return agw_keys_type(where, "credentials", "an array", err, errlen);
    }

    cap = 0;

    for (i = 0; agw_jr_element(r) == 1; i++) {
        snprintf(w, sizeof(w), "%s.credentials[%zu]", where, i);

        if (i == cap) {
            cap = cap ? 2 * cap : 2;
            more = realloc(p->credentials, cap * sizeof(*more));
            if (more == NULL) {
                agw_errmsg(err, errlen, "out of memory");
                return -1;
            }
            p->credentials = more;
        }

        c = &p->credentials[i];
        memset(c, 0, sizeof(*c));
        p->ncredentials = i + 1;

        if (agw_jr_object(r) != 0) {
            agw_errmsg(err, errlen, "%s: not an object", w);
            return -1;
        }

        seen = 0;

        while ((rc = agw_keys_member(r, known, &seen, &f, w, err, errlen))
               == 1)
        {
            if (agw_keys_string(r, f == 0 ? &c->provider : &c->sealed, w,
                                known[f], err, errlen)
                != 0)
            {
                return -1;
            }
        }

        if (rc < 0 || agw_keys_missing(known, seen, w, err, errlen) != 0) {
            return -1;
        }

        if (c->provider[0] == '\0') {
            agw_errmsg(err, errlen, "%s: \"provider\" is empty", w);
            return -1;
        }

        if (!agw_crypt_is_sealed(c->sealed, strlen(c->sealed))) {
            /* never a clear secret: a snapshot only carries sealed ones */
            agw_errmsg(err, errlen, "%s: \"sealed\" is not a sealed "
                         "credential", w);
            return -1;
        }

        for (j = 0; j < i; j++) {
            if (strcmp(p->credentials[j].provider, c->provider) == 0) {
                agw_errmsg(err, errlen, "%s: a second credential for "
                             "provider \"%s\"", w, c->provider);
                return -1;
            }
        }
    }

    return 0;
}


int
agw_key_policy_read(agw_jr_t *r, agw_key_policy_t *p, const char *where,
    char *err, size_t errlen)
{
    int        rc;
    char       w[40];
    size_t     f, dlen;
    uint32_t   seen;
    agw_str_t  v;
    int64_t    n;

    static const char *const  known[] = {
        "limits", "max_output_tokens", "max_output", "budget_stream",
        "system_prompt", "default_model", "credentials", NULL
    };

    snprintf(w, sizeof(w), "%s.policy", where);

    if (agw_jr_object(r) != 0) {
        return agw_keys_type(where, "policy", "an object", err, errlen);
    }

    seen = 0;

    while ((rc = agw_keys_member(r, known, &seen, &f, w, err, errlen)) == 1) {

        switch (f) {

        case 0:
            if (agw_key_policy_limits(r, &p->limits, w, err, errlen) != 0) {
                return -1;
            }
            break;

        case 1:
            if (agw_jr_int(r, &n) != 0 || n < 0) {
                return agw_keys_type(w, known[f], "a non-negative integer",
                                     err, errlen);
            }
            p->max_output_tokens = (uint64_t) n;
            break;

        case 2:
        case 3:
            if (agw_jr_string(r, &v) != 0) {
                return agw_keys_type(w, known[f], "a string", err, errlen);
            }

            if (f == 2 && (agw_str_is(&v, "clamp")
                           || agw_str_is(&v, "refuse")))
            {
                p->max_output_refuse = agw_str_is(&v, "refuse");

            } else if (f == 3 && (agw_str_is(&v, "end")
                                  || agw_str_is(&v, "finish")))
            {
                p->budget_finish = agw_str_is(&v, "finish");

            } else {
                return agw_keys_type(w, known[f], f == 2
                                     ? "\"clamp\" or \"refuse\""
                                     : "\"end\" or \"finish\"", err, errlen);
            }
            break;

        case 4:
            if (agw_key_policy_text(r, &p->system_prompt,
                                    &p->system_prompt_len, w, known[f], err,
                                    errlen)
                != 0)
            {
                return -1;
            }
            break;

        case 5:
            if (agw_key_policy_text(r, &p->default_model, &dlen, w, known[f],
                                    err, errlen)
                != 0)
            {
                return -1;
            }

            if (p->default_model != NULL
                && (dlen == 0 || dlen != strlen(p->default_model)))
            {
                agw_errmsg(err, errlen, "%s: \"default_model\" is empty "
                             "or holds a NUL", w);
                return -1;
            }
            break;

        default:
            if (agw_key_policy_creds(r, p, w, err, errlen) != 0) {
                return -1;
            }
        }
    }

    if (rc < 0) {
        return -1;
    }

    return agw_keys_missing(known, seen, w, err, errlen);
}


int
agw_key_policy_parse(agw_key_policy_t *p, const char *json, size_t len,
    char *err, size_t errlen)
{
    size_t    pos;
    agw_jr_t  r;

    if (agw_json_valid(json, len, &pos) != 0) {
        agw_errmsg(err, errlen, "policy: bad JSON at byte %zu", pos);
        return -1;
    }

    agw_jr_init(&r, json, len);

    return agw_key_policy_read(&r, p, "key", err, errlen);
}


int
agw_key_policy_write(agw_jw_t *w, const agw_key_policy_t *p)
{
    size_t                       i;
    const agw_key_credential_t  *c;

    agw_jw_object(w);
    agw_jw_key(w, "limits");
    agw_jw_object(w);

    for (i = 0; agw_key_limit_names[i] != NULL; i++) {
        agw_jw_key_n(w, agw_key_limit_names[i],
                     strlen(agw_key_limit_names[i]));
        agw_jw_int(w, agw_key_limit_get(&p->limits, i));
    }

    agw_jw_object_end(w);
    agw_jw_key(w, "max_output_tokens");
    agw_jw_int(w, (int64_t) p->max_output_tokens);
    agw_jw_key(w, "max_output");
    agw_jw_bytes(w, p->max_output_refuse ? "refuse" : "clamp",
                 p->max_output_refuse ? 6 : 5);
    agw_jw_key(w, "budget_stream");
    agw_jw_bytes(w, p->budget_finish ? "finish" : "end",
                 p->budget_finish ? 6 : 3);
    agw_jw_key(w, "system_prompt");

    if (p->system_prompt) {
        agw_jw_bytes(w, p->system_prompt, p->system_prompt_len);
    } else {
        agw_jw_null(w);
    }

    agw_jw_key(w, "default_model");

    if (p->default_model) {
        agw_jw_bytes(w, p->default_model, strlen(p->default_model));
    } else {
        agw_jw_null(w);
    }

    agw_jw_key(w, "credentials");
    agw_jw_array(w);

    for (i = 0; i < p->ncredentials; i++) {
        c = &p->credentials[i];

        if (c->sealed == NULL) {
            return -1;
        }

        agw_jw_object(w);
        agw_jw_key(w, "provider");
        agw_jw_bytes(w, c->provider, strlen(c->provider));
        agw_jw_key(w, "sealed");
        agw_jw_bytes(w, c->sealed, strlen(c->sealed));
        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);
    agw_jw_object_end(w);

    return 0;
}


char *
agw_key_policy_json(const agw_key_policy_t *p, size_t *len)
{
    agw_jw_t   w;
    agw_buf_t  out = AGW_BUF_INIT;

    agw_jw_init(&w, &out);

    if (agw_key_policy_write(&w, p) != 0 || w.failed) {
        agw_buf_free(&out);
        return NULL;
    }

    if (len != NULL) {
        *len = out.len;
    }

    return out.data;
}
