/*
 * api_key_policy: a dynamic key's policy through the API.  Checked here
 * member by member with messages that name the member; stored as the
 * snapshot's policy object (lib/state/agw_keys.h) in api_key_policy, so
 * that what the API stored and what nginx loads are read by one parser.
 * A credential's secret is sealed (AES-256-GCM, agw_crypt.h) the moment
 * it is read, bound to the key and the provider, and the clear copy
 * wiped: it is never stored, logged, published nor answered.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "agw_crypt.h"
#include "api_config.h"
#include "api_key_policy.h"
#include "api_limits.h"


#define AGW_KEY_POLICY_PROMPT_MAX   32768
#define AGW_KEY_POLICY_OUTPUT_MAX   10000000
#define AGW_KEY_POLICY_COUNT_MAX    1000000000000LL    /* 10^12 */
#define AGW_KEY_POLICY_USD_MAX      1000000000.0       /* 10^9 USD */
#define AGW_KEY_POLICY_NAME_MAX     64


static int agw_key_policy_limits(agw_req_t *r, json_t *v,
    agw_limits_conf_t *l);
static int agw_key_policy_text(agw_req_t *r, json_t *v, const char *name,
    size_t max, char **s, size_t *len);
static int agw_key_policy_creds(agw_req_t *r, json_t *v, const char *id,
    json_t *conf, agw_key_policy_t *p);
static int agw_key_policy_set_cred(agw_req_t *r, agw_key_policy_t *p,
    const char *id, const char *provider, json_t *secret);


static const char *const  agw_key_policy_members[] = {
    "limits", "max_output_tokens", "max_output", "budget_stream",
    "system_prompt", "default_model", "credentials", NULL
};


int
agw_key_policy_given(json_t *body)
{
    size_t  i;

    for (i = 0; agw_key_policy_members[i] != NULL; i++) {
        if (json_object_get(body, agw_key_policy_members[i]) != NULL) {
            return 1;
        }
    }

    return json_object_get(body, "models") != NULL;
}


/* limits: an object of the limits to change; 0 (or null) lifts one. */
static int
agw_key_policy_limits(agw_req_t *r, json_t *v, agw_limits_conf_t *l)
{
    size_t       i;
    double       usd;
    json_t      *m;
    int64_t      n;
    const char  *name;

    if (!json_is_object(v)) {
        agw_http_error(r, 400, "bad_request", "field \"limits\" must be an "
                       "object, e.g. {\"requests_per_minute\":60,"
                       "\"budget_day\":2.5}");
        return -1;
    }

    json_object_foreach(v, name, m) {
        for (i = 0; agw_key_limit_names[i] != NULL; i++) {
            if (strcmp(agw_key_limit_names[i], name) == 0) {
                break;
            }
        }

        if (agw_key_limit_names[i] == NULL) {
            agw_http_error(r, 400, "bad_request", "unknown limit "
                           "\"limits.%.64s\"", name);
            return -1;
        }

        if (json_is_null(m)) {
            agw_key_limit_set(l, i, 0);
            continue;
        }

        if (i >= AGW_KEY_LIMIT_BUDGETS) {
            /* money: USD as a number, kept in micro-USD */
            usd = json_is_number(m) ? json_number_value(m) : -1;

            if (!isfinite(usd) || usd < 0 || usd > AGW_KEY_POLICY_USD_MAX) {
                agw_http_error(r, 400, "bad_request", "\"limits.%s\" must "
                               "be an amount in USD from 0 (no budget) to "
                               "1000000000, e.g. 2.50", name);
                return -1;
            }

            agw_key_limit_set(l, i, (int64_t) llround(usd * 1e6));
            continue;
        }

        n = json_is_integer(m) ? json_integer_value(m) : -1;

        if (n < 0 || n > AGW_KEY_POLICY_COUNT_MAX) {
            agw_http_error(r, 400, "bad_request", "\"limits.%s\" must be an "
                           "integer from 0 (no limit) to 10^12", name);
            return -1;
        }

        agw_key_limit_set(l, i, n);
    }

    return 0;
}


/* A string member or null (removes it): 0, or -1 after answering. */
static int
agw_key_policy_text(agw_req_t *r, json_t *v, const char *name, size_t max,
    char **s, size_t *len)
{
    size_t  n;

    if (json_is_null(v)) {
        free(*s);
        *s = NULL;
        *len = 0;
        return 0;
    }

    n = json_string_length(v);

    if (!json_is_string(v) || n == 0 || n > max) {
        agw_http_error(r, 400, "bad_request", "field \"%s\" must be a "
                       "string of 1 to %zu bytes, or null to remove it",
                       name, max);
        return -1;
    }

    if (memchr(json_string_value(v), '\0', n) != NULL) {
        agw_http_error(r, 400, "bad_request", "field \"%s\" holds a NUL "
                       "character", name);
        return -1;
    }

    free(*s);

    *s = strdup(json_string_value(v));
    if (*s == NULL) {
        agw_http_error(r, 500, "internal", "out of memory");
        return -1;
    }

    *len = n;

    return 0;
}


/* Sets (sealed) or removes (secret null) the credential for provider. */
static int
agw_key_policy_set_cred(agw_req_t *r, agw_key_policy_t *p, const char *id,
    const char *provider, json_t *secret)
{
    char                  *sealed, ctx[AGW_KEY_ID_MAX + 1
                                       + AGW_KEY_POLICY_NAME_MAX + 1];
    size_t                 i, len;
    const char            *s;
    agw_key_credential_t  *c, *more;

    for (i = 0; i < p->ncredentials; i++) {
        if (strcmp(p->credentials[i].provider, provider) == 0) {
            break;
        }
    }

    if (json_is_null(secret)) {
        if (i < p->ncredentials) {
            c = &p->credentials[i];
            free(c->provider);
            free(c->sealed);
            memmove(c, c + 1, (p->ncredentials - i - 1) * sizeof(*c));
            p->ncredentials--;
        }
        return 0;
    }

    if (r->api->crypt_key == NULL) {
        agw_http_error(r, 503, "unavailable", "credentials cannot be stored: "
                       "the daemon has no credentials key (its log says "
                       "why)");
        return -1;
    }

    s = json_string_value(secret);
    len = json_string_length(secret);

    snprintf(ctx, sizeof(ctx), "%s/%s", id, provider);

    sealed = agw_crypt_seal(r->api->crypt_key, ctx, strlen(ctx), s, len);
    if (sealed == NULL) {
        agw_http_error(r, 500, "internal", "cannot seal the credential");
        return -1;
    }

    if (i == p->ncredentials) {
        more = realloc(p->credentials, (i + 1) * sizeof(*more));
        if (more == NULL) {
            free(sealed);
            agw_http_error(r, 500, "internal", "out of memory");
            return -1;
        }

        p->credentials = more;
        c = &p->credentials[i];
        memset(c, 0, sizeof(*c));

        c->provider = strdup(provider);
        if (c->provider == NULL) {
            free(sealed);
            agw_http_error(r, 500, "internal", "out of memory");
            return -1;
        }

        p->ncredentials++;
    }

    c = &p->credentials[i];
    free(c->sealed);
    c->sealed = sealed;

    return 0;
}


/*
 * credentials: [{"provider":"openai","secret":"sk-..."}]; a secret of
 * null removes that provider's.  Checked whole before any is applied.
 */
static int
agw_key_policy_creds(agw_req_t *r, json_t *v, const char *id, json_t *conf,
    agw_key_policy_t *p)
{
    size_t       i, j, n;
    json_t      *c, *prov, *sec, *other;
    const char  *s, *name;

    if (!json_is_array(v) || json_array_size(v) > 32) {
        agw_http_error(r, 400, "bad_request", "field \"credentials\" must be "
                       "an array (at most 32) of {\"provider\":NAME,"
                       "\"secret\":SECRET or null}");
        return -1;
    }

    json_array_foreach(v, i, c) {
        prov = json_object_get(c, "provider");
        sec = json_object_get(c, "secret");

        if (!json_is_object(c) || json_object_size(c) != 2
            || !json_is_string(prov) || sec == NULL
            || !(json_is_string(sec) || json_is_null(sec)))
        {
            /* the message names no value: it could be a secret */
            agw_http_error(r, 400, "bad_request", "credentials[%zu] must be "
                           "{\"provider\":NAME,\"secret\":SECRET or null} "
                           "and nothing else", i);
            return -1;
        }

        name = json_string_value(prov);
        n = json_string_length(prov);

        if (n == 0 || n > AGW_KEY_POLICY_NAME_MAX
            || strlen(name) != n)
        {
            agw_http_error(r, 400, "bad_request", "credentials[%zu]: "
                           "\"provider\" must be 1 to %d bytes", i,
                           AGW_KEY_POLICY_NAME_MAX);
            return -1;
        }

        if (conf != NULL && !agw_api_config_provider(conf, name)) {
            agw_http_error(r, 400, "bad_request", "credentials[%zu]: nginx "
                           "has no provider \"%s\" (GET /api/v1/config lists "
                           "them)", i, name);
            return -1;
        }

        if (json_is_string(sec)) {
            s = json_string_value(sec);
            n = json_string_length(sec);

            if (n == 0 || n > AGW_CRYPT_SECRET_MAX) {
                agw_http_error(r, 400, "bad_request", "credentials[%zu]: "
                               "\"secret\" must be 1 to %d bytes", i,
                               AGW_CRYPT_SECRET_MAX);
                return -1;
            }

            /* it goes into an HTTP header as it is */
            for (j = 0; j < n; j++) {
                if ((unsigned char) s[j] < 0x21 || s[j] == 0x7f) {
                    agw_http_error(r, 400, "bad_request", "credentials[%zu]: "
                                   "\"secret\" holds a space or a control "
                                   "character", i);
                    return -1;
                }
            }
        }

        for (j = 0; j < i; j++) {
            other = json_object_get(json_array_get(v, j), "provider");
            if (strcmp(json_string_value(other), name) == 0) {
                agw_http_error(r, 400, "bad_request", "credentials[%zu]: "
                               "provider \"%s\" is given twice", i, name);
                return -1;
            }
        }
    }

    json_array_foreach(v, i, c) {
        if (agw_key_policy_set_cred(r, p, id,
                                    json_string_value(json_object_get(c,
                                                                  "provider")),
                                    json_object_get(c, "secret"))
            != 0)
        {
            return -1;
        }
    }

    return 0;
}


int
agw_key_policy_apply(agw_req_t *r, json_t *body, const char *id,
    json_t *models, json_t *conf, agw_key_policy_t *p)
{
    size_t       i, n;
    json_t      *v, *m;
    const char  *s;
    int64_t      max;

    v = json_object_get(body, "limits");
    if (v != NULL && agw_key_policy_limits(r, v, &p->limits) != 0) {
        return -1;
    }

    v = json_object_get(body, "max_output_tokens");
    if (v != NULL) {
        max = json_integer_value(v);
        if (max < 0 || max > AGW_KEY_POLICY_OUTPUT_MAX) {
            agw_http_error(r, 400, "bad_request", "field \"max_output_tokens\""
                           " must be from 0 (no cap) to %d",
                           AGW_KEY_POLICY_OUTPUT_MAX);
            return -1;
        }
        p->max_output_tokens = (uint64_t) max;
    }

    v = json_object_get(body, "max_output");
    if (v != NULL) {
        s = json_string_value(v);
        if (strcmp(s, "clamp") != 0 && strcmp(s, "refuse") != 0) {
            agw_http_error(r, 400, "bad_request", "field \"max_output\" must "
                           "be \"clamp\" (lower a larger request's cap) or "
                           "\"refuse\" (answer it 400)");
            return -1;
        }
        p->max_output_refuse = s[0] == 'r';
    }

    v = json_object_get(body, "budget_stream");
    if (v != NULL) {
        s = json_string_value(v);
        if (strcmp(s, "end") != 0 && strcmp(s, "finish") != 0) {
            agw_http_error(r, 400, "bad_request", "field \"budget_stream\" "
                           "must be \"end\" (a stream crossing a budget is "
                           "ended) or \"finish\"");
            return -1;
        }
        p->budget_finish = s[0] == 'f';
    }

    v = json_object_get(body, "system_prompt");
    if (v != NULL
        && agw_key_policy_text(r, v, "system_prompt",
                               AGW_KEY_POLICY_PROMPT_MAX, &p->system_prompt,
                               &p->system_prompt_len) != 0)
    {
        return -1;
    }

    v = json_object_get(body, "default_model");
    if (v != NULL
        && agw_key_policy_text(r, v, "default_model", 255, &p->default_model,
                               &n) != 0)
    {
        return -1;
    }

    /* a default model the key may not use, or no route serves, would
     * turn every request without a model into an error: checked when
     * either changes */
    if ((v != NULL || json_object_get(body, "models") != NULL)
        && p->default_model != NULL)
    {
        s = p->default_model;

        if (json_array_size(models) != 0) {
            json_array_foreach(models, i, m) {
                n = json_string_length(m);
                if (strcmp(json_string_value(m), s) == 0
                    || (n > 0 && json_string_value(m)[n - 1] == '*'
                        && strncmp(json_string_value(m), s, n - 1) == 0))
                {
                    break;
                }
            }

            if (i == json_array_size(models)) {
                agw_http_error(r, 400, "bad_request", "field "
                               "\"default_model\" \"%s\" is not among the "
                               "key's models", s);
                return -1;
            }
        }

        if (conf != NULL && !agw_api_config_model_routed(conf, s)) {
            agw_http_error(r, 400, "bad_request", "field \"default_model\" "
                           "\"%s\" matches no route nginx loaded", s);
            return -1;
        }
    }

    v = json_object_get(body, "credentials");
    if (v != NULL && agw_key_policy_creds(r, v, id, conf, p) != 0) {
        return -1;
    }

    return 0;
}


int
agw_key_policy_load(agw_req_t *r, sqlite3 *db, const char *id,
    agw_key_policy_t *p)
{
    int            rc;
    char           err[256];
    sqlite3_stmt  *st;

    memset(p, 0, sizeof(agw_key_policy_t));

    if (sqlite3_prepare_v2(db, "SELECT policy FROM api_key_policy"
                           " WHERE key_id = ?1", -1, &st, NULL) != SQLITE_OK)
    {
        agw_http_db_error(r, db, "reading a key's policy");
        return -1;
    }

    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);

    rc = sqlite3_step(st);

    if (rc == SQLITE_ROW
        && agw_key_policy_parse(p, (const char *) sqlite3_column_text(st, 0),
                                (size_t) sqlite3_column_bytes(st, 0), err,
                                sizeof(err)) != 0)
    {
        agw_key_policy_free(p);
        sqlite3_finalize(st);
        agw_daemon_log("key %s: stored policy: %s", id, err);
        agw_http_error(r, 500, "internal", "the key's stored policy cannot "
                       "be read (the daemon's log says why)");
        return -1;
    }

    sqlite3_finalize(st);

    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        agw_http_db_error(r, db, "reading a key's policy");
        return -1;
    }

    return 0;
}


int
agw_key_policy_store(agw_req_t *r, sqlite3 *db, const char *id,
    const agw_key_policy_t *p)
{
    int            rc;
    char          *json;
    size_t         len;
    sqlite3_stmt  *st;

    json = agw_key_policy_json(p, &len);
    if (json == NULL) {
        agw_http_error(r, 500, "internal", "out of memory");
        return -1;
    }

    if (sqlite3_prepare_v2(db, "INSERT INTO api_key_policy (key_id, policy)"
                           " VALUES (?1, ?2) ON CONFLICT (key_id)"
                           " DO UPDATE SET policy = excluded.policy", -1,
                           &st, NULL) != SQLITE_OK)
    {
        free(json);
        agw_http_db_error(r, db, "storing a key's policy");
        return -1;
    }

    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, json, (int) len, SQLITE_TRANSIENT);

    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    free(json);

    if (rc != SQLITE_DONE) {
        agw_http_db_error(r, db, "storing a key's policy");
        return -1;
    }

    return 0;
}


json_t *
agw_key_policy_view(const char *stored, agw_limits_conf_t *lim)
{
    char              err[256];
    size_t            i;
    json_t           *o, *limits, *creds;
    agw_key_policy_t  p;

    memset(&p, 0, sizeof(p));

    /* a row the parser refuses shows as no policy; publishing logs it */
    if (stored != NULL
        && agw_key_policy_parse(&p, stored, strlen(stored), err, sizeof(err))
           != 0)
    {
        agw_key_policy_free(&p);
    }

    limits = agw_api_limits_conf(&p.limits);
    creds = json_array();

    /* which providers, never the secret nor any part of it */
    for (i = 0; i < p.ncredentials; i++) {
        json_array_append_new(creds, json_pack("{s:s}", "provider",
                                               p.credentials[i].provider));
    }

    o = json_pack("{s:o, s:I, s:s, s:s, s:o, s:o, s:o}",
                  "limits", limits,
                  "max_output_tokens", (json_int_t) p.max_output_tokens,
                  "max_output", p.max_output_refuse ? "refuse" : "clamp",
                  "budget_stream", p.budget_finish ? "finish" : "end",
                  "system_prompt", p.system_prompt
                                   ? json_stringn(p.system_prompt,
                                                  p.system_prompt_len)
                                   : json_null(),
                  "default_model", p.default_model
                                   ? json_string(p.default_model)
                                   : json_null(),
                  "credentials", creds);

    *lim = p.limits;
    agw_key_policy_free(&p);

    return o;
}
