/*
 * ngx_http_ai_gateway_policy: a request's copy of its key's policy.
 *
 * A keys-snapshot load may free the key set while a request runs, so the
 * key's policy is copied into the request's pool when the key is found,
 * and nothing keeps a pointer into the key set past the access phase.
 * The copy of a credential's secret is wiped when the pool goes.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"


static void ngx_http_ai_gateway_policy_wipe(void *data);


/*
 * *out is the copy, or NULL when the key has no policy at all (nothing
 * to apply: most keys).  NGX_OK, or NGX_ERROR out of memory.
 */

ngx_int_t
ngx_http_ai_gateway_policy_copy(ngx_http_request_t *r,
    const agw_key_policy_t *policy, agw_key_policy_t **out)
{
    size_t                       i, len;
    agw_key_policy_t            *p;
    ngx_pool_cleanup_t          *cln;
    agw_key_credential_t        *c;
    const agw_key_credential_t  *from;

    static const agw_limits_conf_t  none;

    *out = NULL;

    if (ngx_memcmp(&policy->limits, &none, sizeof(none)) == 0
        && policy->max_output_tokens == 0
        && policy->system_prompt == NULL
        && policy->default_model == NULL
        && policy->ncredentials == 0)
    {
        return NGX_OK;
    }

    p = ngx_palloc(r->pool, sizeof(agw_key_policy_t));
    if (p == NULL) {
        return NGX_ERROR;
    }

    *p = *policy;
    p->system_prompt = NULL;
    p->default_model = NULL;
    p->credentials = NULL;
    p->ncredentials = 0;

    if (policy->system_prompt) {
        p->system_prompt = ngx_pnalloc(r->pool, policy->system_prompt_len + 1);
        if (p->system_prompt == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p->system_prompt, policy->system_prompt,
                   policy->system_prompt_len + 1);
    }

    if (policy->default_model) {
        len = ngx_strlen(policy->default_model) + 1;

        p->default_model = ngx_pnalloc(r->pool, len);
        if (p->default_model == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p->default_model, policy->default_model, len);
    }

    if (policy->ncredentials) {
        /* registered first: wipes what was copied even if a later
         * allocation fails */
        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            return NGX_ERROR;
        }

        p->credentials = ngx_pcalloc(r->pool, policy->ncredentials
                                              * sizeof(agw_key_credential_t));
        if (p->credentials == NULL) {
            return NGX_ERROR;
        }

        cln->handler = ngx_http_ai_gateway_policy_wipe;
        cln->data = p;

        for (i = 0; i < policy->ncredentials; i++) {
            from = &policy->credentials[i];
            c = &p->credentials[i];

            if (from->secret == NULL) {
                continue;       /* not opened: the key is disabled */
            }

            len = ngx_strlen(from->provider) + 1;

            c->provider = ngx_pnalloc(r->pool, len);
            c->secret = ngx_pnalloc(r->pool, from->secret_len);
            if (c->provider == NULL || c->secret == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(c->provider, from->provider, len);
            ngx_memcpy(c->secret, from->secret, from->secret_len);
            c->secret_len = from->secret_len;
            p->ncredentials = i + 1;
        }
    }

    *out = p;

    return NGX_OK;
}


static void
ngx_http_ai_gateway_policy_wipe(void *data)
{
    agw_key_policy_t *p = data;

    size_t  i;

    for (i = 0; i < p->ncredentials; i++) {
        if (p->credentials[i].secret) {
            explicit_bzero(p->credentials[i].secret,
                           p->credentials[i].secret_len);
        }
    }
}


/*
 * The secret the request's key brings for this provider (its own
 * account) into *secret: 1; or 0, and the provider's own key is used.
 */

ngx_uint_t
ngx_http_ai_gateway_policy_credential(ngx_http_ai_gateway_ctx_t *ctx,
    ngx_str_t *provider, ngx_str_t *secret)
{
    size_t                 i;
    agw_key_credential_t  *c;

    if (ctx->policy == NULL) {
        return 0;
    }

    for (i = 0; i < ctx->policy->ncredentials; i++) {
        c = &ctx->policy->credentials[i];

        if (c->secret != NULL
            && ngx_strlen(c->provider) == provider->len
            && ngx_strncmp(c->provider, provider->data, provider->len) == 0)
        {
            secret->data = (u_char *) c->secret;
            secret->len = c->secret_len;
            return 1;
        }
    }

    return 0;
}
