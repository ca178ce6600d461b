/*
 * ngx_http_ai_gateway_cost: what a request cost.
 *
 * `ai_gateway_prices` loads a price table in LiteLLM's format when nginx
 * reads its configuration; `ai_gateway_price NAME ...` sets the price of a
 * route's model or an upstream model, and wins over the table.  The cost
 * follows agw_usage.h's normalisation (cached and reasoning tokens at
 * their own prices, nothing counted twice) and is exact integer
 * arithmetic (agw_price.h).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"


static void
ngx_http_ai_gateway_free_prices(void *data)
{
    agw_price_table_free(data);
}


static agw_price_table_t *
ngx_http_ai_gateway_price_table(ngx_conf_t *cf, agw_price_table_t **t)
{
    ngx_pool_cleanup_t  *cln;

    if (*t) {
        return *t;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    *t = agw_price_table_new();
    if (*t == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_ai_gateway_free_prices;
    cln->data = *t;

    return *t;
}


/* ai_gateway_prices PATH; */

char *
ngx_http_ai_gateway_prices_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ai_gateway_main_conf_t *amcf = conf;

    int         n;
    char        err[256];
    ngx_str_t  *value, path;

    if (amcf->prices) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    /* relative to the configuration's directory, like mime.types */
    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_ai_gateway_price_table(cf, &amcf->prices) == NULL) {
        return NGX_CONF_ERROR;
    }

    n = agw_price_table_load_file(amcf->prices, (char *) path.data, err,
                                  sizeof(err));
    if (n < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cannot load prices from \"%V\": %s", &path, err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* ai_gateway_price NAME input=USD output=USD [cache_read=] ...; */

char *
ngx_http_ai_gateway_price_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ai_gateway_main_conf_t *amcf = conf;

    char          err[256];
    u_char       *spec, *p;
    size_t        len;
    ngx_str_t    *value;
    ngx_uint_t    i;
    agw_price_t   price;

    value = cf->args->elts;

    len = 0;
    for (i = 2; i < cf->args->nelts; i++) {
        len += value[i].len + 1;
    }

    spec = ngx_pnalloc(cf->pool, len + 1);
    if (spec == NULL) {
        return NGX_CONF_ERROR;
    }

    p = spec;
    for (i = 2; i < cf->args->nelts; i++) {
        p = ngx_cpymem(p, value[i].data, value[i].len);
        *p++ = ' ';
    }

    *p = '\0';

    agw_price_init(&price);

    if (agw_price_parse((char *) spec, len, &price, err, sizeof(err)) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid price of \"%V\": %s (expected input=USD "
                           "output=USD per million tokens, and optionally "
                           "cache_read=, cache_write=, reasoning=)",
                           &value[1], err);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_ai_gateway_price_table(cf, &amcf->price_overrides) == NULL
        || agw_price_table_add(amcf->price_overrides, (char *) value[1].data,
                               &price, err, sizeof(err))
           != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cannot set the price of \"%V\": %s",
                           &value[1], err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static const char *
ngx_http_ai_gateway_price_hint(ngx_http_ai_gateway_provider_t *p)
{
    switch (p->type) {
    case NGX_HTTP_AI_GATEWAY_AZURE:
        return "azure";
    case NGX_HTTP_AI_GATEWAY_ANTHROPIC:
        return "anthropic";
    case NGX_HTTP_AI_GATEWAY_GEMINI:
        return "gemini";
    default:
        return "openai";
    }
}


/* The price of a step's model: the route's override first, then the
 * step's upstream model's; NULL when none is known. */

const agw_price_t *
ngx_http_ai_gateway_step_price(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_http_ai_gateway_step_t *step)
{
    ngx_str_t                        *model;
    const char                       *hint;
    const agw_price_t                *price;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r->main, ngx_http_ai_gateway_module);

    hint = ngx_http_ai_gateway_price_hint(step->provider);
    model = step->model.len ? &step->model : &ctx->model;
    price = NULL;

    if (amcf->price_overrides) {
        price = agw_price_lookup(amcf->price_overrides, NULL,
                                 (char *) ctx->route->model.data,
                                 ctx->route->model.len);
        if (price == NULL) {
            price = agw_price_lookup(amcf->price_overrides, hint,
                                     (char *) model->data, model->len);
        }
    }

    if (price == NULL && amcf->prices) {
        price = agw_price_lookup(amcf->prices, hint, (char *) model->data,
                                 model->len);
    }

    return price;
}


/* Micro-USD, or -1 when no price is known or no usage was read. */

int64_t
ngx_http_ai_gateway_cost(ngx_http_request_t *r, ngx_http_ai_gateway_ctx_t *ctx)
{
    const agw_usage_t                *u;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r->main, ngx_http_ai_gateway_module);

    if (ctx->step == NULL || (amcf->prices == NULL
                              && amcf->price_overrides == NULL))
    {
        return -1;
    }

    u = ngx_http_ai_gateway_usage(ctx);
    if (!agw_usage_known(u)) {
        return -1;
    }

    return agw_cost_micro_usd(ngx_http_ai_gateway_step_price(r, ctx,
                                                             ctx->step), u);
}
