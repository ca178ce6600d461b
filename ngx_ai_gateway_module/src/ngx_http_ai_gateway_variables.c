/*
 * ngx_http_ai_gateway_variables: what the gateway did, as nginx variables,
 * so a plain log_format can record it; and the two variables the internal
 * location's proxy_pass reads for the current try.
 *
 * All are evaluated on the main request's context, and none is cached:
 * subrequests share the parent's variable cache (request path, 14)
 * and the values change from try to try.  $ai_gateway_version is the one
 * exception: the module's version, in any request, like $nginx_version.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_version.h"


typedef enum {
    AGW_VAR_MODEL = 0,
    AGW_VAR_UPSTREAM_MODEL,
    AGW_VAR_PROVIDER,
    AGW_VAR_ROUTE,
    AGW_VAR_KEY_NAME,
    AGW_VAR_KEY_ID,
    AGW_VAR_DIALECT,
    AGW_VAR_ATTEMPTS,
    AGW_VAR_PROMPT_TOKENS,
    AGW_VAR_COMPLETION_TOKENS,
    AGW_VAR_CACHED_TOKENS,
    AGW_VAR_REASONING_TOKENS,
    AGW_VAR_TTFB,
    AGW_VAR_COST,
    AGW_VAR_UPSTREAM_URL,
    AGW_VAR_UPSTREAM_HOST
} ngx_http_ai_gateway_var_e;


static ngx_int_t ngx_http_ai_gateway_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_ai_gateway_version_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_ai_gateway_vars[] = {

    { ngx_string("ai_gateway_model"), NULL, ngx_http_ai_gateway_variable,
      AGW_VAR_MODEL, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_upstream_model"), NULL,
      ngx_http_ai_gateway_variable, AGW_VAR_UPSTREAM_MODEL,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_provider"), NULL, ngx_http_ai_gateway_variable,
      AGW_VAR_PROVIDER, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_route"), NULL, ngx_http_ai_gateway_variable,
      AGW_VAR_ROUTE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_key_name"), NULL, ngx_http_ai_gateway_variable,
      AGW_VAR_KEY_NAME, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_key_id"), NULL, ngx_http_ai_gateway_variable,
      AGW_VAR_KEY_ID, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_dialect"), NULL, ngx_http_ai_gateway_variable,
      AGW_VAR_DIALECT, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_attempts"), NULL, ngx_http_ai_gateway_variable,
      AGW_VAR_ATTEMPTS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_prompt_tokens"), NULL,
      ngx_http_ai_gateway_variable, AGW_VAR_PROMPT_TOKENS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_completion_tokens"), NULL,
      ngx_http_ai_gateway_variable, AGW_VAR_COMPLETION_TOKENS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_cached_tokens"), NULL,
      ngx_http_ai_gateway_variable, AGW_VAR_CACHED_TOKENS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_reasoning_tokens"), NULL,
      ngx_http_ai_gateway_variable, AGW_VAR_REASONING_TOKENS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_ttfb"), NULL, ngx_http_ai_gateway_variable,
      AGW_VAR_TTFB, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_cost"), NULL, ngx_http_ai_gateway_variable,
      AGW_VAR_COST, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_upstream_url"), NULL,
      ngx_http_ai_gateway_variable, AGW_VAR_UPSTREAM_URL,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_upstream_host"), NULL,
      ngx_http_ai_gateway_variable, AGW_VAR_UPSTREAM_HOST,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("ai_gateway_version"), NULL,
      ngx_http_ai_gateway_version_variable, 0, 0, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_ai_gateway_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_ai_gateway_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/* The usage the answer carried: a stream folds it event by event. */

const agw_usage_t *
ngx_http_ai_gateway_usage(ngx_http_ai_gateway_ctx_t *ctx)
{
    return ctx->stream ? agw_engine_stream_usage(ctx->stream) : &ctx->usage;
}


static ngx_int_t
ngx_http_ai_gateway_set_str(ngx_http_variable_value_t *v, ngx_str_t *s)
{
    if (s->len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = s->data;
    v->len = s->len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ai_gateway_set_num(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, int64_t n)
{
    if (n < 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = ngx_pnalloc(r->pool, NGX_INT64_LEN);
    if (v->data == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(v->data, "%L", n) - v->data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ai_gateway_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    int64_t                     cost;
    ngx_str_t                   s;
    const agw_usage_t          *u;
    ngx_http_ai_gateway_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_ai_gateway_module);
    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    u = ngx_http_ai_gateway_usage(ctx);

    switch (data) {

    case AGW_VAR_MODEL:
        return ngx_http_ai_gateway_set_str(v, &ctx->model);

    case AGW_VAR_UPSTREAM_MODEL:
        return ngx_http_ai_gateway_set_str(v, &ctx->upstream_model);

    case AGW_VAR_PROVIDER:
        if (ctx->step == NULL) {
            break;
        }
        return ngx_http_ai_gateway_set_str(v, &ctx->step->provider->name);

    case AGW_VAR_ROUTE:
        if (ctx->route == NULL) {
            break;
        }
        return ngx_http_ai_gateway_set_str(v, &ctx->route->model);

    case AGW_VAR_KEY_NAME:
        return ngx_http_ai_gateway_set_str(v, &ctx->key_name);

    case AGW_VAR_KEY_ID:
        return ngx_http_ai_gateway_set_str(v, &ctx->key_id);

    case AGW_VAR_DIALECT:
        s.data = (u_char *) agw_dialect_name(ctx->client);
        s.len = ngx_strlen(s.data);
        return ngx_http_ai_gateway_set_str(v, &s);

    case AGW_VAR_ATTEMPTS:
        return ngx_http_ai_gateway_set_num(r, v, ctx->attempts.nelts);

    case AGW_VAR_PROMPT_TOKENS:
        return ngx_http_ai_gateway_set_num(r, v, u->input);

    case AGW_VAR_COMPLETION_TOKENS:
        return ngx_http_ai_gateway_set_num(r, v, u->output);

    case AGW_VAR_CACHED_TOKENS:
        return ngx_http_ai_gateway_set_num(r, v, u->cache_read);

    case AGW_VAR_REASONING_TOKENS:
        return ngx_http_ai_gateway_set_num(r, v, u->reasoning);

    case AGW_VAR_TTFB:
        if (ctx->ttfb == 0) {
            break;
        }

        /* seconds with milliseconds, like $upstream_response_time */
        v->data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN + 4);
        if (v->data == NULL) {
            return NGX_ERROR;
        }

        v->len = ngx_sprintf(v->data, "%T.%03M",
                             (time_t) ctx->ttfb / 1000, ctx->ttfb % 1000)
                 - v->data;
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;
        return NGX_OK;

    case AGW_VAR_COST:
        cost = ngx_http_ai_gateway_cost(r, ctx);
        if (cost < 0) {
            break;
        }

        /* USD with micro-dollar precision: 0.000123 */
        v->data = ngx_pnalloc(r->pool, NGX_INT64_LEN + 8);
        if (v->data == NULL) {
            return NGX_ERROR;
        }

        v->len = ngx_sprintf(v->data, "%L.%06L", cost / 1000000,
                             cost % 1000000)
                 - v->data;
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;
        return NGX_OK;

    case AGW_VAR_UPSTREAM_URL:
        return ngx_http_ai_gateway_set_str(v, &ctx->upstream_url);

    case AGW_VAR_UPSTREAM_HOST:
        if (ctx->step == NULL) {
            break;
        }
        return ngx_http_ai_gateway_set_str(v, &ctx->step->provider->host);
    }

    v->not_found = 1;
    return NGX_OK;
}


static ngx_int_t
ngx_http_ai_gateway_version_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    v->data = (u_char *) AGW_VERSION;
    v->len = sizeof(AGW_VERSION) - 1;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}
