/*
 * ngx_http_ai_gateway_key_conf: the `ai_gateway_key` directive, a static
 * key and what it is held to.
 *
 *   ai_gateway_key NAME sha256:HEX [models=a,b*] [rpm=N] [rph=N] [rpd=N]
 *       [tpm=N] [input_tokens_per_day=N] [output_tokens_per_day=N]
 *       [concurrent=N] [budget_day=USD] [budget_month=USD]
 *       [budget_total=USD] [max_output_tokens=N] [max_output=clamp|refuse]
 *       [budget_stream=end|finish] [system_prompt=TEXT] [default_model=M]
 *       [credential=PROVIDER:ENV_VAR]...;
 *
 * The policy goes into the key set with agw_keyset_add_policy(), the one
 * form dynamic keys have too.  A credential's secret is read from the
 * environment by the master while it parses, as a provider's key_env=:
 * nginx.conf never holds it.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_hash.h"


/* A budget above this many USD is a typo (and would overflow micro-USD
 * sums long before). */
#define NGX_HTTP_AI_GATEWAY_BUDGET_MAX  1000000000

/* Every request of the key carries it, and every event may: kept to what
 * a prompt is, not a document. */
#define NGX_HTTP_AI_GATEWAY_PROMPT_MAX  65536


/* The whole-number limits, by parameter name. */
typedef struct {
    ngx_str_t   name;
    size_t      offset;         /* in agw_limits_conf_t */
} ngx_http_ai_gateway_key_count_t;


static char *ngx_http_ai_gateway_key_models(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf, ngx_str_t *key, ngx_str_t *value,
    char ***models, ngx_uint_t *n);
static char *ngx_http_ai_gateway_key_param(ngx_conf_t *cf, ngx_str_t *key,
    ngx_str_t *param, agw_key_policy_t *policy, ngx_array_t *creds);
static char *ngx_http_ai_gateway_key_credential(ngx_conf_t *cf,
    ngx_str_t *key, ngx_str_t *param, ngx_str_t *value, ngx_array_t *creds);
static int64_t ngx_http_ai_gateway_parse_usd(ngx_str_t *s);
static char *ngx_http_ai_gateway_key_number(ngx_conf_t *cf, ngx_str_t *key,
    ngx_str_t *param, ngx_str_t *name, ngx_str_t *value, uint64_t *n);
static ngx_int_t ngx_http_ai_gateway_key_choice(ngx_conf_t *cf,
    ngx_str_t *key, ngx_str_t *param, ngx_str_t *value, const char *off,
    const char *on);


static ngx_http_ai_gateway_key_count_t  ngx_http_ai_gateway_key_counts[] = {
    { ngx_string("rpm"),
      offsetof(agw_limits_conf_t, requests_per_minute) },
    { ngx_string("rph"),
      offsetof(agw_limits_conf_t, requests_per_hour) },
    { ngx_string("rpd"),
      offsetof(agw_limits_conf_t, requests_per_day) },
    { ngx_string("tpm"),
      offsetof(agw_limits_conf_t, tokens_per_minute) },
    { ngx_string("input_tokens_per_day"),
      offsetof(agw_limits_conf_t, input_tokens_per_day) },
    { ngx_string("output_tokens_per_day"),
      offsetof(agw_limits_conf_t, output_tokens_per_day) },
    { ngx_string("concurrent"),
      offsetof(agw_limits_conf_t, concurrent) },
    { ngx_null_string, 0 }
};


char *
ngx_http_ai_gateway_key_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ai_gateway_main_conf_t *amcf = conf;

    char                                    err[256];
    char                                  **models, *name, *rv;
    ngx_str_t                              *value;
    ngx_uint_t                              n, i, have_models;
    ngx_array_t                             creds;
    unsigned char                           hash[AGW_SHA256_LEN];
    agw_key_policy_t                        policy;
    const agw_key_t                        *k;
    ngx_http_ai_gateway_key_credential_t   *kc;

    value = cf->args->elts;

    if (!ngx_http_ai_gateway_valid_name(&value[1])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid key name \"%V\": use 1 to 63 letters, "
                           "digits, \"-\", \"_\" or \".\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < agw_keyset_count(amcf->static_keys); i++) {
        if (ngx_strcmp(agw_keyset_at(amcf->static_keys, i)->name,
                       value[1].data) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate key \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    if (value[2].len != 7 + AGW_SHA256_HEX_LEN
        || ngx_strncmp(value[2].data, "sha256:", 7) != 0
        || agw_unhex((char *) value[2].data + 7, AGW_SHA256_HEX_LEN, hash,
                     sizeof(hash))
           != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "key \"%V\" needs \"sha256:\" and 64 hex digits "
                           "(scripts/keygen prints them), not a clear key",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    /* what the credentials point to lives until the set has copied it */
    if (ngx_array_init(&creds, cf->temp_pool, 2,
                       sizeof(agw_key_credential_t))
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&policy, sizeof(agw_key_policy_t));
    models = NULL;
    n = 0;
    have_models = 0;

    for (i = 3; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "models=", 7) == 0) {
            if (have_models) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "duplicate \"models=\" in key \"%V\"",
                                   &value[1]);
                return NGX_CONF_ERROR;
            }

            rv = ngx_http_ai_gateway_key_models(cf, amcf, &value[1],
                                                &value[i], &models, &n);
            if (rv != NGX_CONF_OK) {
                return rv;
            }

            have_models = 1;
            continue;
        }

        rv = ngx_http_ai_gateway_key_param(cf, &value[1], &value[i], &policy,
                                           &creds);
        if (rv != NGX_CONF_OK) {
            return rv;
        }
    }

    if (policy.max_output_refuse && policy.max_output_tokens == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"max_output=refuse\" of key \"%V\" needs "
                           "\"max_output_tokens=\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    policy.credentials = creds.elts;
    policy.ncredentials = creds.nelts;

    name = (char *) value[1].data;

    if (agw_keyset_add(amcf->static_keys, hash, name, name,
                       (const char *const *) models, n, 0, 1, err,
                       sizeof(err))
        != 0
        || agw_keyset_add_policy(amcf->static_keys, &policy, err,
                                 sizeof(err))
           != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "key \"%V\": %s",
                           &value[1], err);
        return NGX_CONF_ERROR;
    }

    k = agw_keyset_at(amcf->static_keys,
                      agw_keyset_count(amcf->static_keys) - 1);

    /* a default the key may not use would turn every request into a 403 */
    if (policy.default_model
        && !agw_key_allows_model(k, policy.default_model,
                                 ngx_strlen(policy.default_model)))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"default_model=%s\" of key \"%V\" is not in "
                           "its models=", policy.default_model, &value[1]);
        return NGX_CONF_ERROR;
    }

    /* providers may follow the key: their names are checked in
     * init_main_conf */
    for (i = 0; i < creds.nelts; i++) {
        kc = ngx_array_push(&amcf->key_credentials);
        if (kc == NULL) {
            return NGX_CONF_ERROR;
        }

        kc->key = value[1];
        kc->provider.data = (u_char *) k->policy.credentials[i].provider;
        kc->provider.len = ngx_strlen(kc->provider.data);
        kc->file = cf->conf_file->file.name.data;
        kc->line = cf->conf_file->line;
    }

    return NGX_CONF_OK;
}


/* models=a,b,c* (see ngx_http_ai_gateway_check_key_models()) */

static char *
ngx_http_ai_gateway_key_models(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf, ngx_str_t *key, ngx_str_t *value,
    char ***models, ngx_uint_t *n)
{
    u_char                            *p, *last, *comma;
    ngx_http_ai_gateway_key_models_t  *km;

    if (value->len == 7) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" of key \"%V\", "
                           "expected models=a,b", value, key);
        return NGX_CONF_ERROR;
    }

    p = value->data + 7;
    last = value->data + value->len;

    *models = ngx_pcalloc(cf->pool, sizeof(char *) * value->len);
    if (*models == NULL) {
        return NGX_CONF_ERROR;
    }

    while (p < last) {
        comma = ngx_strlchr(p, last, ',');
        if (comma == NULL) {
            comma = last;
        }

        if (comma == p) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "empty model in \"%V\" of key \"%V\"",
                               value, key);
            return NGX_CONF_ERROR;
        }

        (*models)[*n] = ngx_pnalloc(cf->pool, comma - p + 1);
        if ((*models)[*n] == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_cpystrn((u_char *) (*models)[*n], p, comma - p + 1);
        (*n)++;
        p = comma + 1;
    }

    /* routes may follow the key: checked in init_main_conf */
    km = ngx_array_push(&amcf->key_models);
    if (km == NULL) {
        return NGX_CONF_ERROR;
    }

    km->name = *key;
    km->models = *models;
    km->nmodels = *n;
    km->file = cf->conf_file->file.name.data;
    km->line = cf->conf_file->line;

    return NGX_CONF_OK;
}


/*
 * One NAME=VALUE of the key's policy into policy (strings point into the
 * configuration's words, which the key set copies).  Every error quotes
 * the parameter; ngx_conf_log_error() adds the file and line.
 */

static char *
ngx_http_ai_gateway_key_param(ngx_conf_t *cf, ngx_str_t *key,
    ngx_str_t *param, agw_key_policy_t *policy, ngx_array_t *creds)
{
    u_char                           *eq;
    int64_t                           usd, *budget;
    ngx_int_t                         rc;
    uint64_t                         *count;
    ngx_str_t                         name, value;
    ngx_http_ai_gateway_key_count_t  *kc;

    eq = ngx_strlchr(param->data, param->data + param->len, '=');

    if (eq == NULL || eq == param->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" of key \"%V\"",
                           param, key);
        return NGX_CONF_ERROR;
    }

    name.data = param->data;
    name.len = eq - param->data;
    value.data = eq + 1;
    value.len = param->data + param->len - value.data;

    for (kc = ngx_http_ai_gateway_key_counts; kc->name.len; kc++) {
        if (name.len != kc->name.len
            || ngx_strncmp(name.data, kc->name.data, name.len) != 0)
        {
            continue;
        }

        count = (uint64_t *) ((u_char *) &policy->limits + kc->offset);

        return ngx_http_ai_gateway_key_number(cf, key, param, &name, &value,
                                              count);
    }

    budget = NULL;

    if (name.len == 10 && ngx_strncmp(name.data, "budget_day", 10) == 0) {
        budget = &policy->limits.budget_day;

    } else if (name.len == 12
               && ngx_strncmp(name.data, "budget_month", 12) == 0)
    {
        budget = &policy->limits.budget_month;

    } else if (name.len == 12
               && ngx_strncmp(name.data, "budget_total", 12) == 0)
    {
        budget = &policy->limits.budget_total;
    }

    if (budget) {
        usd = ngx_http_ai_gateway_parse_usd(&value);

        if (usd <= 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value in \"%V\" of key \"%V\", "
                               "expected USD above 0 with at most 6 "
                               "decimals, e.g. 2.50", param, key);
            return NGX_CONF_ERROR;
        }

        if (*budget) {
            goto duplicate;
        }

        *budget = usd;
        return NGX_CONF_OK;
    }

    if (name.len == 17
        && ngx_strncmp(name.data, "max_output_tokens", 17) == 0)
    {
        return ngx_http_ai_gateway_key_number(cf, key, param, &name, &value,
                                              &policy->max_output_tokens);
    }

    if (name.len == 10 && ngx_strncmp(name.data, "max_output", 10) == 0) {
        rc = ngx_http_ai_gateway_key_choice(cf, key, param, &value, "clamp",
                                            "refuse");
        if (rc == NGX_ERROR) {
            return NGX_CONF_ERROR;
        }

        policy->max_output_refuse = rc;
        return NGX_CONF_OK;
    }

    if (name.len == 13
        && ngx_strncmp(name.data, "budget_stream", 13) == 0)
    {
        rc = ngx_http_ai_gateway_key_choice(cf, key, param, &value, "end",
                                            "finish");
        if (rc == NGX_ERROR) {
            return NGX_CONF_ERROR;
        }

        policy->budget_finish = rc;
        return NGX_CONF_OK;
    }

    if (name.len == 13
        && ngx_strncmp(name.data, "system_prompt", 13) == 0)
    {
        if (!ngx_http_ai_gateway_valid_text(&value,
                                            NGX_HTTP_AI_GATEWAY_PROMPT_MAX,
                                            1))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value of \"system_prompt=\" of key "
                               "\"%V\": expected text in UTF-8, not empty, "
                               "at most %d bytes", key,
                               NGX_HTTP_AI_GATEWAY_PROMPT_MAX);
            return NGX_CONF_ERROR;
        }

        if (policy->system_prompt) {
            goto duplicate;
        }

        /* the configuration's words end with a NUL */
        policy->system_prompt = (char *) value.data;
        policy->system_prompt_len = value.len;
        return NGX_CONF_OK;
    }

    if (name.len == 13
        && ngx_strncmp(name.data, "default_model", 13) == 0)
    {
        if (!ngx_http_ai_gateway_client_name(&value)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value in \"%V\" of key \"%V\", "
                               "expected a model name", param, key);
            return NGX_CONF_ERROR;
        }

        if (policy->default_model) {
            goto duplicate;
        }

        policy->default_model = (char *) value.data;
        return NGX_CONF_OK;
    }

    if (name.len == 10 && ngx_strncmp(name.data, "credential", 10) == 0) {
        return ngx_http_ai_gateway_key_credential(cf, key, param, &value,
                                                  creds);
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\" of key \"%V\"", param, key);
    return NGX_CONF_ERROR;

duplicate:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "duplicate \"%V=\" in key \"%V\"", &name, key);
    return NGX_CONF_ERROR;
}


/* A whole number above 0, given once, into *n. */

static char *
ngx_http_ai_gateway_key_number(ngx_conf_t *cf, ngx_str_t *key,
    ngx_str_t *param, ngx_str_t *name, ngx_str_t *value, uint64_t *n)
{
    off_t  num;

    num = ngx_atoof(value->data, value->len);

    if (num <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value in \"%V\" of key \"%V\", "
                           "expected a number above 0", param, key);
        return NGX_CONF_ERROR;
    }

    if (*n) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate \"%V=\" in key \"%V\"", name, key);
        return NGX_CONF_ERROR;
    }

    *n = (uint64_t) num;

    return NGX_CONF_OK;
}


/* One of two words: 0 for off, 1 for on, or NGX_ERROR (logged). */

static ngx_int_t
ngx_http_ai_gateway_key_choice(ngx_conf_t *cf, ngx_str_t *key,
    ngx_str_t *param, ngx_str_t *value, const char *off, const char *on)
{
    if (value->len == ngx_strlen(off)
        && ngx_strncmp(value->data, off, value->len) == 0)
    {
        return 0;
    }

    if (value->len == ngx_strlen(on)
        && ngx_strncmp(value->data, on, value->len) == 0)
    {
        return 1;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value in \"%V\" of key \"%V\", "
                       "expected \"%s\" or \"%s\"", param, key, off, on);

    return NGX_ERROR;
}


/*
 * credential=PROVIDER:ENV_VAR: the key's own account at that provider,
 * its secret read now from the master's environment.  The error messages
 * name the variable, never its value.
 */

static char *
ngx_http_ai_gateway_key_credential(ngx_conf_t *cf, ngx_str_t *key,
    ngx_str_t *param, ngx_str_t *value, ngx_array_t *creds)
{
    char                  *env;
    u_char                *colon;
    size_t                 len;
    ngx_str_t              provider, var;
    ngx_uint_t             i;
    agw_key_credential_t  *c;

    colon = ngx_strlchr(value->data, value->data + value->len, ':');

    if (colon == NULL || colon == value->data
        || colon == value->data + value->len - 1)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value in \"%V\" of key \"%V\", "
                           "expected credential=PROVIDER:ENV_VAR",
                           param, key);
        return NGX_CONF_ERROR;
    }

    provider.data = value->data;
    provider.len = colon - value->data;
    var.data = colon + 1;
    var.len = value->data + value->len - var.data;

    if (!ngx_http_ai_gateway_valid_name(&provider)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid provider name in \"%V\" of key \"%V\"",
                           param, key);
        return NGX_CONF_ERROR;
    }

    c = creds->elts;
    for (i = 0; i < creds->nelts; i++) {
        if (ngx_strlen(c[i].provider) == provider.len
            && ngx_strncmp(c[i].provider, provider.data, provider.len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "second credential for provider \"%V\" in "
                               "key \"%V\"", &provider, key);
            return NGX_CONF_ERROR;
        }
    }

    /* var ends with the word's NUL */
    env = getenv((char *) var.data);
    if (env == NULL || env[0] == '\0') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "environment variable \"%V\" of \"%V\" in key "
                           "\"%V\" is not set", &var, param, key);
        return NGX_CONF_ERROR;
    }

    len = ngx_strlen(env);

    /* it becomes a header line of the key's requests */
    if (ngx_strlchr((u_char *) env, (u_char *) env + len, '\r')
        || ngx_strlchr((u_char *) env, (u_char *) env + len, '\n'))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "environment variable \"%V\" of \"%V\" in key "
                           "\"%V\" holds a line break", &var, param, key);
        return NGX_CONF_ERROR;
    }

    c = ngx_array_push(creds);
    if (c == NULL) {
        return NGX_CONF_ERROR;
    }

    c->provider = ngx_pnalloc(cf->temp_pool, provider.len + 1);
    if (c->provider == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_cpystrn((u_char *) c->provider, provider.data, provider.len + 1);

    /* the key set copies it; the environment keeps its own */
    c->secret = env;
    c->secret_len = len;

    return NGX_CONF_OK;
}


/* "2.50" USD in micro-USD; -1 unless digits with at most 6 decimals. */

static int64_t
ngx_http_ai_gateway_parse_usd(ngx_str_t *s)
{
    u_char     *p, *last;
    int64_t     whole, frac;
    ngx_uint_t  digits, decimals, dot;

    whole = 0;
    frac = 0;
    digits = 0;
    decimals = 0;
    dot = 0;

    last = s->data + s->len;

    for (p = s->data; p < last; p++) {

        if (*p == '.' && !dot) {
            dot = 1;
            continue;
        }

        if (*p < '0' || *p > '9') {
            return -1;
        }

        if (dot) {
            if (++decimals > 6) {
                return -1;
            }

            frac = frac * 10 + (*p - '0');
            continue;
        }

        if (++digits > 10) {
            return -1;
        }

        whole = whole * 10 + (*p - '0');
    }

    if (digits == 0 || (dot && decimals == 0)
        || whole > NGX_HTTP_AI_GATEWAY_BUDGET_MAX)
    {
        return -1;
    }

    while (decimals++ < 6) {
        frac *= 10;
    }

    return whole * 1000000 + frac;
}


/*
 * A credential= for a provider nginx.conf does not declare is most
 * likely a typo, and would leave the key on the provider's own account
 * without a word: an error, at the key's line.
 */

ngx_int_t
ngx_http_ai_gateway_check_key_credentials(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    ngx_uint_t                             i, j, found;
    ngx_http_ai_gateway_provider_t        *p;
    ngx_http_ai_gateway_key_credential_t  *kc;

    kc = amcf->key_credentials.elts;
    p = amcf->providers.elts;

    for (i = 0; i < amcf->key_credentials.nelts; i++) {
        found = 0;

        for (j = 0; j < amcf->providers.nelts; j++) {
            if (p[j].name.len == kc[i].provider.len
                && ngx_strncmp(p[j].name.data, kc[i].provider.data,
                               kc[i].provider.len)
                   == 0)
            {
                found = 1;
                break;
            }
        }

        if (!found) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "credential of key \"%V\" for unknown provider "
                          "\"%V\" in %s:%ui", &kc[i].key, &kc[i].provider,
                          kc[i].file, kc[i].line);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}
