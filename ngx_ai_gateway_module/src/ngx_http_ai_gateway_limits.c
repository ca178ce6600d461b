/*
 * ngx_http_ai_gateway_limits: a request's use of the limits table
 * (agw_limits.h, docs/governance.md).
 *
 * Before its first try, once its body is written for the provider (which
 * gives the request's output cap), the request is admitted against its
 * key's entry and its route's, reserving its worst case: the input tokens
 * the body can hold (a token is at least two bytes of a JSON
 * body), its output cap (or AGW_LIMITS_DEFAULT_OUTPUT) and their cost at
 * the dearest price among the steps it may try.  Before each try the
 * step's provider is admitted against its own caps; a provider over them
 * is passed over as one cooling down is.  A stream grows its key's
 * reservation as it goes and is ended when that would cross a limit.
 * Every hold is settled by a pool cleanup, whatever ends the request
 * (answer, error, client gone, failover): to the real use when the
 * provider reported it, to the reservation when a provider answered
 * without a use we could read (it may have charged), to nothing when no
 * provider was reached.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"


/* What a stream's client events are worth in output tokens, at most: a
 * delta event carries a few characters of text in far more framing. */
#define NGX_HTTP_AI_GATEWAY_STREAM_BYTES_PER_TOKEN  16


typedef struct {
    agw_state_t         *state;
    agw_limits_conf_t    key_conf;
    agw_limit_hold_t     key;
    agw_limit_hold_t     route;
    agw_limit_hold_t     provider;
    agw_limit_amount_t   want;
    size_t               stream_bytes;     /* client events translated */
    unsigned             crossed:1;        /* logged once */
} ngx_http_ai_gateway_limits_t;


static void ngx_http_ai_gateway_limits_cleanup(void *data);
static void ngx_http_ai_gateway_limits_used(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_http_ai_gateway_limits_t *lm,
    agw_limit_amount_t *used);


static int64_t
ngx_http_ai_gateway_limits_now(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (int64_t) tp->sec * 1000 + tp->msec;
}


static ngx_uint_t
ngx_http_ai_gateway_limits_any(const agw_limits_conf_t *c)
{
    return c->requests_per_minute || c->requests_per_hour
           || c->requests_per_day || c->tokens_per_minute
           || c->input_tokens_per_day || c->output_tokens_per_day
           || c->concurrent || c->budget_day > 0 || c->budget_month > 0
           || c->budget_total > 0;
}


/*
 * rpm=N and tpm=N of ai_gateway_provider and ai_gateway_route.  NGX_OK:
 * taken; NGX_DECLINED: not one of ours; NGX_ERROR: logged at the line.
 */

ngx_int_t
ngx_http_ai_gateway_limits_param(ngx_conf_t *cf, ngx_str_t *value,
    agw_limits_conf_t *limits)
{
    ngx_int_t   n;
    uint64_t   *to;

    if (ngx_strncmp(value->data, "rpm=", 4) == 0) {
        to = &limits->requests_per_minute;

    } else if (ngx_strncmp(value->data, "tpm=", 4) == 0) {
        to = &limits->tokens_per_minute;

    } else {
        return NGX_DECLINED;
    }

    n = ngx_atoi(value->data + 4, value->len - 4);
    if (n == NGX_ERROR || n == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"%V\": a positive number expected",
                           value);
        return NGX_ERROR;
    }

    *to = (uint64_t) n;

    return NGX_OK;
}


/*
 * The master claims the entries of the providers and routes with caps and
 * of the static keys, so that workers only look them up; their counts
 * survive a reload, which finds the same entries by name.
 */

ngx_int_t
ngx_http_ai_gateway_limits_init(ngx_log_t *log,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    int                              idx;
    size_t                           n;
    ngx_uint_t                       i;
    const agw_key_t                 *k;
    ngx_http_ai_gateway_route_t     *rt;
    ngx_http_ai_gateway_provider_t  *p;

    p = amcf->providers.elts;
    for (i = 0; i < amcf->providers.nelts; i++) {
        p[i].limits_idx = -1;

        if (!ngx_http_ai_gateway_limits_any(&p[i].limits)) {
            continue;
        }

        p[i].limits_idx = agw_limits_find(amcf->state,
                                          AGW_LIMIT_KIND_PROVIDER,
                                          (char *) p[i].name.data,
                                          p[i].name.len, 1);
        if (p[i].limits_idx < 0) {
            goto full;
        }

        agw_limits_describe(amcf->state, p[i].limits_idx,
                            (char *) p[i].name.data, p[i].name.len, 1,
                            &p[i].limits);
    }

    rt = amcf->routes.elts;
    for (i = 0; i < amcf->routes.nelts; i++) {
        rt[i].limits_idx = -1;

        if (!ngx_http_ai_gateway_limits_any(&rt[i].limits)) {
            continue;
        }

        rt[i].limits_idx = agw_limits_find(amcf->state, AGW_LIMIT_KIND_ROUTE,
                                           (char *) rt[i].model.data,
                                           rt[i].model.len, 1);
        if (rt[i].limits_idx < 0) {
            goto full;
        }

        agw_limits_describe(amcf->state, rt[i].limits_idx,
                            (char *) rt[i].model.data, rt[i].model.len, 1,
                            &rt[i].limits);
    }

    /* static keys too, so that the daemon shows them, read-only, with
     * their limits before their first request */
    n = amcf->static_keys ? agw_keyset_count(amcf->static_keys) : 0;

    for (i = 0; i < n; i++) {
        k = agw_keyset_at(amcf->static_keys, i);

        idx = agw_limits_find(amcf->state, AGW_LIMIT_KIND_KEY, k->id,
                              ngx_strlen(k->id), 1);
        if (idx < 0) {
            goto full;
        }

        agw_limits_describe(amcf->state, idx, k->name, ngx_strlen(k->name),
                            1, &k->policy.limits);
    }

    return NGX_OK;

full:

    ngx_log_error(NGX_LOG_EMERG, log, 0,
                  "no room for the limits of every provider, route and "
                  "static key in the shared state (%uD entries, counting the keys and "
                  "those of earlier configurations: raise limits= of "
                  "ai_gateway_state and recreate the state file; names "
                  "must be shorter than %d bytes)",
                  agw_limits_entries(amcf->state), AGW_LIMITS_ID_SIZE);

    return NGX_ERROR;
}


static ngx_http_ai_gateway_limits_t *
ngx_http_ai_gateway_limits_new(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, agw_state_t *state)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_ai_gateway_limits_t  *lm;

    lm = ngx_pcalloc(r->pool, sizeof(ngx_http_ai_gateway_limits_t));
    if (lm == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    lm->state = state;
    lm->key.idx = -1;
    lm->route.idx = -1;
    lm->provider.idx = -1;

    cln->handler = ngx_http_ai_gateway_limits_cleanup;
    cln->data = r;

    ctx->limits = lm;

    return lm;
}


/* The worst case of this request: see the top of the file. */

static void
ngx_http_ai_gateway_limits_want(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, agw_limit_amount_t *want)
{
    int64_t                      cost, most;
    ngx_uint_t                   i;
    agw_usage_t                  u;
    const agw_price_t           *price;
    ngx_http_ai_gateway_step_t  *steps;

    want->input_tokens = (ctx->body.len + 1) / 2;
    /* the request's cap once the engine applied the key's; the key's
     * own until then */
    want->output_tokens = ctx->max_output_tokens
                          ? ctx->max_output_tokens
                          : ctx->policy && ctx->policy->max_output_tokens
                            ? ctx->policy->max_output_tokens
                            : AGW_LIMITS_DEFAULT_OUTPUT;

    agw_usage_init(&u);
    u.input = (int64_t) want->input_tokens;
    u.output = (int64_t) want->output_tokens;

    steps = ctx->route->steps.elts;
    most = 0;

    for (i = 0; i < ctx->nsteps; i++) {
        price = ngx_http_ai_gateway_step_price(r, ctx,
                                               &steps[ctx->order[i]]);
        cost = agw_cost_micro_usd(price, &u);
        if (cost > most) {
            most = cost;
        }
    }

    want->cost = most;
}


/*
 * Admits the request against its key and route, once: before its first
 * try, once the body written for it gave the request's output cap.
 * NGX_DECLINED: go on; otherwise the refusal was sent and this is what
 * to finalize with.
 */

ngx_int_t
ngx_http_ai_gateway_limits_admit(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    int                               idx;
    ngx_uint_t                        limited, is_static;
    agw_limit_verdict_t               v;
    ngx_http_ai_gateway_limits_t     *lm;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    if (ctx->limits != NULL
        || amcf->state == NULL || amcf->state->base == NULL)
    {
        return NGX_DECLINED;
    }

    limited = ctx->policy && ngx_http_ai_gateway_limits_any(
                                                    &ctx->policy->limits);

    lm = ngx_http_ai_gateway_limits_new(r, ctx, amcf->state);
    if (lm == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_ai_gateway_limits_want(r, ctx, &lm->want);

    if (ctx->key_id.len) {
        if (ctx->policy) {
            lm->key_conf = ctx->policy->limits;
        }

        idx = agw_limits_find(amcf->state, AGW_LIMIT_KIND_KEY,
                              (char *) ctx->key_id.data, ctx->key_id.len, 1);

        if (idx < 0 && limited) {
            /* a budget is never left unchecked */
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ai_gateway: no room for key \"%V\" in the limits "
                          "table: raise limits= of ai_gateway_state",
                          &ctx->key_name);
            ngx_memzero(&v, sizeof(v));
            v.which = AGW_LIMIT_TABLE_FULL;
            return ngx_http_ai_gateway_limits_refuse(r, ctx, &v);
        }

        if (idx >= 0) {
            is_static = ctx->static_key != NULL;

            agw_limits_describe(amcf->state, idx, (char *) ctx->key_name.data,
                                ctx->key_name.len, is_static, &lm->key_conf);

            if (agw_limits_admit(amcf->state, idx, &lm->key_conf, &lm->want,
                                 ngx_http_ai_gateway_limits_now(), &lm->key,
                                 &v)
                != 0)
            {
                return ngx_http_ai_gateway_limits_refuse(r, ctx, &v);
            }

            /* admitted requests carry the figures too */
            if (ngx_http_ai_gateway_limit_headers(r, ctx, &v) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }

    if (ctx->route->limits_idx >= 0) {
        if (agw_limits_admit(amcf->state, ctx->route->limits_idx,
                             &ctx->route->limits, &lm->want,
                             ngx_http_ai_gateway_limits_now(), &lm->route,
                             &v)
            != 0)
        {
            /* the key's hold is settled by the cleanup, as unused */
            return ngx_http_ai_gateway_limits_refuse(r, ctx, &v);
        }
    }

    return NGX_DECLINED;
}


/*
 * Before a try: the step's provider within its caps?  NGX_OK: admitted
 * (the previous try's hold settled); NGX_DECLINED: over them, v says why.
 */

ngx_int_t
ngx_http_ai_gateway_limits_step(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, agw_limit_verdict_t *v)
{
    int64_t                          now;
    ngx_http_ai_gateway_limits_t    *lm = ctx->limits;
    ngx_http_ai_gateway_provider_t  *p;

    if (lm == NULL) {
        return NGX_OK;
    }

    now = ngx_http_ai_gateway_limits_now();

    /* the previous try failed: what it used is not known, and a provider
     * counts a failed request as a request, not as tokens */
    agw_limits_settle(lm->state, &lm->provider, NULL, now);

    p = ctx->step->provider;

    if (p->limits_idx < 0) {
        return NGX_OK;
    }

    if (agw_limits_admit(lm->state, p->limits_idx, &p->limits, &lm->want,
                         now, &lm->provider, v)
        != 0)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ai_gateway: provider \"%V\" skipped, over its %s cap",
                      &p->name, agw_limit_name(v->which));
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* The refusal: a 429 in the client's dialect with the headers its SDKs
 * read (_limited.c). */

ngx_int_t
ngx_http_ai_gateway_limits_refuse(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, const agw_limit_verdict_t *v)
{
    /* logged there, as limit_req logs its refusals */
    return ngx_http_ai_gateway_send_limited(r, ctx, v);
}


/*
 * A stream's running use, after each piece the engine translated (len
 * bytes of client events): the usage read so far, output at least what
 * the client events sent could hold.  NGX_DECLINED: it crosses a limit of
 * the key and must end (its policy may let it finish instead: then NGX_OK,
 * logged once).
 */

ngx_int_t
ngx_http_ai_gateway_limits_stream(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, size_t len)
{
    agw_limit_amount_t             used;
    agw_limit_verdict_t            v;
    ngx_http_ai_gateway_limits_t  *lm = ctx->limits;

    if (lm == NULL) {
        return NGX_OK;
    }

    lm->stream_bytes += len;

    if (!lm->key.held
        || !ngx_http_ai_gateway_limits_any(&lm->key_conf))
    {
        return NGX_OK;
    }

    ngx_http_ai_gateway_limits_used(r, ctx, lm, &used);

    if (agw_limits_extend(lm->state, &lm->key, &lm->key_conf, &used,
                          ngx_http_ai_gateway_limits_now(), &v)
        == 0)
    {
        return NGX_OK;
    }

    if (!lm->crossed) {
        lm->crossed = 1;
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ai_gateway: stream of key \"%V\" crossed its %s, %s",
                      &ctx->key_name, agw_limit_name(v.which),
                      ctx->policy->budget_finish ? "left to finish"
                                                 : "ended");
    }

    return ctx->policy->budget_finish ? NGX_OK : NGX_DECLINED;
}


/* What the request used so far, or in all once it ended. */

static void
ngx_http_ai_gateway_limits_used(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_http_ai_gateway_limits_t *lm,
    agw_limit_amount_t *used)
{
    uint64_t            out;
    agw_usage_t         u;
    const agw_usage_t  *known;

    known = ngx_http_ai_gateway_usage(ctx);

    if (known != NULL && agw_usage_known(known) && ctx->got_last) {
        /* the provider's own figures, complete */
        used->input_tokens = known->input > 0 ? known->input : 0;
        used->output_tokens = known->output > 0 ? known->output : 0;
        used->cost = ngx_http_ai_gateway_cost(r, ctx);
        if (used->cost < 0) {
            used->cost = 0;
        }
        return;
    }

    if (!ctx->try_answered && !ctx->header_sent) {
        /* no provider answered: nothing was used */
        ngx_memzero(used, sizeof(*used));
        return;
    }

    /* answered, use not (yet) known: what was seen, and no less than the
     * reservation once the answer is over (the provider may have charged
     * it) */
    agw_usage_init(&u);
    u.input = known && known->input > 0 ? known->input
                                        : (int64_t) lm->want.input_tokens;
    out = lm->stream_bytes / NGX_HTTP_AI_GATEWAY_STREAM_BYTES_PER_TOKEN;
    u.output = known && known->output > (int64_t) out ? known->output
                                                      : (int64_t) out;

    used->input_tokens = (uint64_t) u.input;
    used->output_tokens = (uint64_t) u.output;
    used->cost = ctx->step
                 ? agw_cost_micro_usd(ngx_http_ai_gateway_step_price(r, ctx,
                                                               ctx->step), &u)
                 : 0;
    if (used->cost < 0) {
        used->cost = 0;
    }
}


/* The request ends, however: every hold is settled. */

static void
ngx_http_ai_gateway_limits_cleanup(void *data)
{
    ngx_http_request_t  *r = data;

    int64_t                         now;
    agw_limit_amount_t              used, tried;
    ngx_http_ai_gateway_ctx_t      *ctx;
    ngx_http_ai_gateway_limits_t   *lm;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ai_gateway_module);
    if (ctx == NULL || ctx->limits == NULL) {
        return;
    }

    lm = ctx->limits;
    now = ngx_http_ai_gateway_limits_now();

    ngx_http_ai_gateway_limits_used(r, ctx, lm, &used);

    if (!(ctx->got_last && agw_usage_known(ngx_http_ai_gateway_usage(ctx)))
        && (ctx->try_answered || ctx->header_sent))
    {
        /* answered without a use we could read: the reservation stands,
         * or what was seen if more */
        tried = lm->want;
        if (used.input_tokens < tried.input_tokens) {
            used.input_tokens = tried.input_tokens;
        }
        if (used.output_tokens < tried.output_tokens) {
            used.output_tokens = tried.output_tokens;
        }
        if (used.cost < tried.cost) {
            used.cost = tried.cost;
        }
    }

    agw_limits_settle(lm->state, &lm->key, &used, now);
    agw_limits_settle(lm->state, &lm->route, &used, now);
    agw_limits_settle(lm->state, &lm->provider, &used, now);
}


/*
 * The limits table in the metrics page: per entry (key, provider, route,
 * by name) the requests admitted and refused since the state file was
 * made, and those in flight.  Entries of earlier configurations stay, as
 * the table keeps them.
 */

ngx_int_t
ngx_http_ai_gateway_limits_metrics(ngx_http_request_t *r, agw_buf_t *b)
{
    int64_t                           now;
    uint32_t                          i, n;
    ngx_uint_t                        f;
    const char                       *kind, *name;
    agw_limit_usage_t                 u;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    static const char  *families[][3] = {
        { "ai_gateway_limit_admitted_total", "counter",
          "Requests admitted by a key's, provider's or route's limits." },
        { "ai_gateway_limit_refused_total", "counter",
          "Requests refused, streams ended or providers passed over by "
          "its limits." },
        { "ai_gateway_limit_in_flight", "gauge",
          "Admitted requests not finished yet." }
    };

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    if (amcf->state == NULL || amcf->state->base == NULL) {
        return NGX_OK;
    }

    now = ngx_http_ai_gateway_limits_now();
    n = agw_limits_entries(amcf->state);

    for (f = 0; f < 3; f++) {
        if (agw_metrics_family(b, families[f][0], families[f][1],
                               families[f][2])
            != 0)
        {
            return NGX_ERROR;
        }

        for (i = 0; i < n; i++) {
            if (agw_limits_usage(amcf->state, (int) i, now, &u) != 0) {
                continue;
            }

            kind = u.kind == AGW_LIMIT_KIND_KEY ? "key"
                   : u.kind == AGW_LIMIT_KIND_PROVIDER ? "provider"
                   : "route";
            name = u.name[0] ? u.name : u.id;

            if (agw_buf_printf(b, "%s{kind=\"%s\",", families[f][0], kind)
                    != 0
                || agw_metrics_label(b, "name", name, ngx_strlen(name)) != 0
                || agw_buf_printf(b, "} %llu\n", (unsigned long long)
                                  (f == 0 ? u.requests_total
                                   : f == 1 ? u.refused_total
                                   : u.concurrent))
                   != 0)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}
