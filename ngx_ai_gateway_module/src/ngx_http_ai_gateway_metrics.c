/*
 * ngx_http_ai_gateway_metrics: Prometheus metrics served by nginx.
 *
 * `ai_gateway_metrics;` in a location answers GET with every worker's
 * counters in the Prometheus text format.  The counters (agw_metrics.h)
 * live in a shared zone of their own, not in the state file: they need no
 * daemon, and the daemon's layout stays as it is.  nginx keeps a zone
 * across reloads while its name and size stay the same; the name carries
 * the layout version and the bound of `ai_gateway_metrics_series`, so
 * changing either starts the counters at zero (which Prometheus reads as
 * a counter reset) instead of reading an area laid out otherwise.
 *
 * Provider health and the ring's counters are read where they are kept,
 * in the shared state, when the page is rendered.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_metrics.h"


static ngx_int_t ngx_http_ai_gateway_metrics_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ai_gateway_metrics_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_int_t ngx_http_ai_gateway_metrics_health(ngx_http_request_t *r,
    agw_buf_t *b);
static ngx_int_t ngx_http_ai_gateway_metrics_ring(ngx_http_request_t *r,
    agw_buf_t *b);
static void ngx_http_ai_gateway_metrics_free(void *data);


/* the endpoint label, by ngx_http_ai_gateway_endpoint_e */
static ngx_str_t  ngx_http_ai_gateway_endpoint_names[] = {
    ngx_string("none"),
    ngx_string("chat"),
    ngx_string("completions"),
    ngx_string("embeddings"),
    ngx_string("responses"),
    ngx_string("messages"),
    ngx_string("count_tokens"),
    ngx_string("generate"),
    ngx_string("stream_generate"),
    ngx_string("models"),
    ngx_string("health")
};

static ngx_str_t  ngx_http_ai_gateway_status_classes[] = {
    ngx_string("other"),
    ngx_string("1xx"),
    ngx_string("2xx"),
    ngx_string("3xx"),
    ngx_string("4xx"),
    ngx_string("5xx")
};


/* ai_gateway_metrics;  (a location) */

char *
ngx_http_ai_gateway_metrics_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ai_gateway_loc_conf_t *alcf = conf;

    ngx_http_core_loc_conf_t         *clcf;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    if (alcf->metrics) {
        return "is duplicate";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    /* `ai_gateway` after this one is caught in metrics_init_conf() */
    if (clcf->handler || alcf->serve) {
        return "cannot share a location with another content handler "
               "(ai_gateway, proxy_pass...)";
    }

    clcf->handler = ngx_http_ai_gateway_metrics_handler;
    alcf->metrics = 1;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ai_gateway_module);

    if (amcf->metrics == NULL) {
        amcf->metrics = ngx_pcalloc(cf->pool, sizeof(agw_metrics_t));
        if (amcf->metrics == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/* ai_gateway_metrics_series N;  (http) */

char *
ngx_http_ai_gateway_metrics_series_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf)
{
    ngx_http_ai_gateway_main_conf_t *amcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (amcf->metrics_series != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = ngx_atoi(value[1].data, value[1].len);

    if (n == NGX_ERROR || n < AGW_METRICS_SERIES_MIN
        || n > AGW_METRICS_SERIES_MAX)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid \"%V\" value \"%V\", from %d to %d",
                           &cmd->name, &value[1], AGW_METRICS_SERIES_MIN,
                           AGW_METRICS_SERIES_MAX);
        return NGX_CONF_ERROR;
    }

    amcf->metrics_series = (ngx_uint_t) n;

    return NGX_CONF_OK;
}


/* The whole http{} block is read: the zone, if some location renders it. */

ngx_int_t
ngx_http_ai_gateway_metrics_init_conf(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    u_char                              *p;
    size_t                               size;
    ngx_str_t                            name;
    ngx_uint_t                           i;
    ngx_http_ai_gateway_gateway_conf_t  *gw;

    ngx_conf_init_uint_value(amcf->metrics_series,
                             AGW_METRICS_SERIES_DEFAULT);

    gw = amcf->gateways.elts;
    for (i = 0; i < amcf->gateways.nelts; i++) {
        if (gw[i].alcf->metrics) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"ai_gateway\" cannot share a location with "
                          "\"ai_gateway_metrics\" in %s:%ui",
                          gw[i].file, gw[i].line);
            return NGX_ERROR;
        }
    }

    if (amcf->metrics == NULL) {
        return NGX_OK;                  /* nothing renders them: no counts */
    }

    size = agw_metrics_size_for((uint32_t) amcf->metrics_series);

    /* room for the slab allocator's own pages */
    size = ngx_align(size, ngx_pagesize) + 8 * ngx_pagesize;

    p = ngx_pnalloc(cf->pool, sizeof("ai_gateway_metrics_v_") + 2 * NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    name.data = p;
    name.len = ngx_sprintf(p, "ai_gateway_metrics_v%d_%ui",
                           AGW_METRICS_VERSION, amcf->metrics_series)
               - p;

    amcf->metrics_zone = ngx_shared_memory_add(cf, &name, size,
                                               &ngx_http_ai_gateway_module);
    if (amcf->metrics_zone == NULL) {
        return NGX_ERROR;
    }

    amcf->metrics_zone->init = ngx_http_ai_gateway_metrics_init_zone;
    amcf->metrics_zone->data = amcf;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ai_gateway_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_ai_gateway_main_conf_t *amcf = shm_zone->data;

    void             *base;
    uint32_t          series;
    ngx_slab_pool_t  *shpool;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    series = (uint32_t) amcf->metrics_series;

    if (data) {
        /* a reload: the old cycle's zone, same name, so same layout */
        if (agw_metrics_attach(amcf->metrics, shpool->data, series) != 0) {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "ai_gateway metrics zone \"%V\" has another "
                          "layout", &shm_zone->shm.name);
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    /* the slab allocator's messages name the zone */
    shpool->log_ctx = ngx_slab_alloc(shpool, sizeof(" in ai_gateway zone \"\"")
                                             + shm_zone->shm.name.len);
    if (shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(shpool->log_ctx, " in ai_gateway zone \"%V\"%Z",
                &shm_zone->shm.name);

    base = ngx_slab_calloc(shpool, agw_metrics_size_for(series));
    if (base == NULL) {
        return NGX_ERROR;
    }

    agw_metrics_init(amcf->metrics, base, series);
    shpool->data = base;

    return NGX_OK;
}


static ngx_inline void
ngx_http_ai_gateway_metrics_label(agw_mlabel_t *l, ngx_str_t *s)
{
    l->data = (const char *) s->data;
    l->len = s->len;
}


/* The log phase: one request, counted once. */

void
ngx_http_ai_gateway_metrics_count(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, const agw_event_t *ev)
{
    ngx_uint_t                        i;
    const char                       *dialect;
    agw_metrics_obs_t                 o;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    if (amcf->metrics == NULL || amcf->metrics->hdr == NULL) {
        return;
    }

    ngx_http_ai_gateway_metrics_label(&o.labels[AGW_ML_KEY], &ctx->key_name);

    /* the route, not the model asked: clients cannot add label values */
    o.labels[AGW_ML_MODEL].len = 0;
    if (ctx->route) {
        ngx_http_ai_gateway_metrics_label(&o.labels[AGW_ML_MODEL],
                                          &ctx->route->model);
    }

    o.labels[AGW_ML_PROVIDER].len = 0;
    if (ctx->step) {
        ngx_http_ai_gateway_metrics_label(&o.labels[AGW_ML_PROVIDER],
                                          &ctx->step->provider->name);
    }

    dialect = agw_dialect_name(ctx->client);
    o.labels[AGW_ML_DIALECT].data = dialect;
    o.labels[AGW_ML_DIALECT].len = ngx_strlen(dialect);

    i = ctx->endpoint < sizeof(ngx_http_ai_gateway_endpoint_names)
                        / sizeof(ngx_str_t)
        ? ctx->endpoint : 0;
    ngx_http_ai_gateway_metrics_label(&o.labels[AGW_ML_ENDPOINT],
                                      &ngx_http_ai_gateway_endpoint_names[i]);

    i = ev->status >= 100 && ev->status < 600 ? ev->status / 100 : 0;
    ngx_http_ai_gateway_metrics_label(&o.labels[AGW_ML_STATUS],
                                      &ngx_http_ai_gateway_status_classes[i]);

    o.duration_ms = ev->latency_ms;
    o.ttfb_ms = ev->ttfb_ms;
    o.input = ev->prompt_tokens;
    o.output = ev->completion_tokens;
    o.cached = ev->cached_tokens;
    o.cache_write = ev->cache_write_tokens;
    o.reasoning = ev->reasoning_tokens;
    o.cost_micro_usd = ev->cost_micro_usd;
    o.tries = (uint32_t) ctx->attempts.nelts;

    agw_metrics_observe(amcf->metrics, &o);
}


/* GET /metrics */

static ngx_int_t
ngx_http_ai_gateway_metrics_handler(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_buf_t                        *b;
    agw_buf_t                        *out;
    ngx_chain_t                       cl;
    ngx_pool_cleanup_t               *cln;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    if (amcf->metrics == NULL || amcf->metrics->hdr == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the page is malloc'd by agw_buf; the request's pool frees it */
    cln = ngx_pool_cleanup_add(r->pool, sizeof(agw_buf_t));
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    out = cln->data;
    ngx_memzero(out, sizeof(agw_buf_t));
    cln->handler = ngx_http_ai_gateway_metrics_free;

    if (agw_metrics_render(amcf->metrics, out) != 0
        || ngx_http_ai_gateway_metrics_health(r, out) != NGX_OK
        || ngx_http_ai_gateway_metrics_ring(r, out) != NGX_OK
        || ngx_http_ai_gateway_limits_metrics(r, out) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = out->len;
    ngx_str_set(&r->headers_out.content_type,
                "text/plain; version=0.0.4; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = (u_char *) out->data;
    b->last = b->pos + out->len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    cl.buf = b;
    cl.next = NULL;

    return ngx_http_output_filter(r, &cl);
}


static void
ngx_http_ai_gateway_metrics_free(void *data)
{
    agw_buf_free(data);
}


/* Provider health, from the shared health table, for this configuration's
 * providers only (the table keeps those of earlier ones). */

static ngx_int_t
ngx_http_ai_gateway_metrics_health(ngx_http_request_t *r, agw_buf_t *b)
{
    int64_t                           now;
    ngx_uint_t                        i, f;
    ngx_time_t                       *tp;
    agw_health_t                      h;
    ngx_http_ai_gateway_provider_t   *p;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    static const char  *families[][3] = {
        { "ai_gateway_provider_cooling_down", "gauge",
          "1 while the provider is skipped after failures in a row." },
        { "ai_gateway_provider_consecutive_failures", "gauge",
          "Failures of the provider since its last success." },
        { "ai_gateway_provider_tries_total", "counter",
          "Tries sent to the provider (kept in the shared state)." },
        { "ai_gateway_provider_failures_total", "counter",
          "Tries the provider failed (kept in the shared state)." }
    };

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;

    for (f = 0; f < 4; f++) {
        if (agw_metrics_family(b, families[f][0], families[f][1],
                               families[f][2])
            != 0)
        {
            return NGX_ERROR;
        }

        p = amcf->providers.elts;
        for (i = 0; i < amcf->providers.nelts; i++) {
            ngx_memzero(&h, sizeof(agw_health_t));

            if (amcf->state && amcf->state->base && p[i].health >= 0) {
                (void) agw_health_get(amcf->state, p[i].health, &h);
            }

            if (agw_buf_printf(b, "%s{", families[f][0]) != 0
                || agw_metrics_label(b, "provider", (char *) p[i].name.data,
                                     p[i].name.len)
                   != 0
                || agw_buf_printf(b, "} %llu\n", (unsigned long long)
                       (f == 0 ? (h.cooldown_until_ms > now)
                        : f == 1 ? h.consecutive_failures
                        : f == 2 ? h.requests : h.failures))
                   != 0)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/* The ring the daemon drains: only with a state file, the zone used
 * without one has a token ring nobody drains. */

static ngx_int_t
ngx_http_ai_gateway_metrics_ring(ngx_http_request_t *r, agw_buf_t *b)
{
    agw_state_stats_t                 s;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    if (amcf->state_path.len == 0 || amcf->state == NULL
        || amcf->state->base == NULL)
    {
        return NGX_OK;
    }

    agw_state_stats(amcf->state, &s);

    if (agw_buf_printf(b,
            "# HELP ai_gateway_ring_capacity Event slots of the state file's "
            "ring.\n"
            "# TYPE ai_gateway_ring_capacity gauge\n"
            "ai_gateway_ring_capacity %llu\n"
            "# HELP ai_gateway_ring_fill Events waiting for the daemon.\n"
            "# TYPE ai_gateway_ring_fill gauge\n"
            "ai_gateway_ring_fill %llu\n"
            "# HELP ai_gateway_ring_events_produced_total Events workers "
            "put in the ring.\n"
            "# TYPE ai_gateway_ring_events_produced_total counter\n"
            "ai_gateway_ring_events_produced_total %llu\n"
            "# HELP ai_gateway_ring_events_dropped_total Events lost: the "
            "ring was full.\n"
            "# TYPE ai_gateway_ring_events_dropped_total counter\n"
            "ai_gateway_ring_events_dropped_total %llu\n"
            "# HELP ai_gateway_ring_events_skipped_total Slots the daemon "
            "skipped: their worker died writing them.\n"
            "# TYPE ai_gateway_ring_events_skipped_total counter\n"
            "ai_gateway_ring_events_skipped_total %llu\n"
            "# HELP ai_gateway_daemon_last_drain_timestamp_seconds When the "
            "daemon last drained the ring (0: never).\n"
            "# TYPE ai_gateway_daemon_last_drain_timestamp_seconds gauge\n"
            "ai_gateway_daemon_last_drain_timestamp_seconds %lld.%03lld\n",
            (unsigned long long) s.capacity, (unsigned long long) s.fill,
            (unsigned long long) s.produced, (unsigned long long) s.dropped,
            (unsigned long long) s.skipped,
            (long long) (s.consumer_heartbeat_ms / 1000),
            (long long) (s.consumer_heartbeat_ms % 1000))
        != 0)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}
