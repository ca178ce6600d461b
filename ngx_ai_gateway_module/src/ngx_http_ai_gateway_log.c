/*
 * ngx_http_ai_gateway_log: one usage event per gateway request.
 *
 * In the log phase the request's facts are counted in the metrics zone
 * (_metrics.c) and copied into a slot of the shared ring (agw_state.h),
 * from which the admin daemon stores them.  A producer never waits: a full
 * ring drops the event and counts it.  Like every accounting in nginx's
 * log phase, nothing here can fail a request.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/rand.h>

#include "ngx_http_ai_gateway_module.h"


static ngx_int_t  ngx_http_ai_gateway_request_id_index = NGX_ERROR;

/*
 * nginx makes $request_id from 16 fresh RAND_bytes: with OpenSSL 3 that is
 * most of what an event costs.  When nothing in the configuration refers
 * to $request_id, the event's id is a worker's random prefix (drawn once)
 * and a counter, as unique and in the same 32-hex form; it is put in the
 * variable's cache, so anything reading $request_id later (njs by name)
 * sees the same id.
 */
static ngx_uint_t  ngx_http_ai_gateway_request_id_used;
static u_char      ngx_http_ai_gateway_rid_prefix[8];
static uint64_t    ngx_http_ai_gateway_rid_count;
static ngx_pid_t   ngx_http_ai_gateway_rid_pid;


/* The worker's prefix, drawn as it starts or on its first request. */

ngx_int_t
ngx_http_ai_gateway_request_id_prefix(void)
{
    if (ngx_http_ai_gateway_rid_pid == ngx_pid) {
        return NGX_OK;
    }

    if (RAND_bytes(ngx_http_ai_gateway_rid_prefix,
                   sizeof(ngx_http_ai_gateway_rid_prefix)) != 1)
    {
        return NGX_ERROR;
    }

    ngx_http_ai_gateway_rid_pid = ngx_pid;

    return NGX_OK;
}


static void
ngx_http_ai_gateway_request_id(ngx_http_request_t *r)
{
    u_char                     *p, b[8];
    ngx_uint_t                  i;
    uint64_t                    n;
    ngx_http_variable_value_t  *vv;

    vv = &r->variables[ngx_http_ai_gateway_request_id_index];
    if (vv->valid || vv->not_found) {
        return;                                 /* already evaluated */
    }

    if (ngx_http_ai_gateway_request_id_prefix() != NGX_OK) {
        return;                                 /* nginx's own, then */
    }

    p = ngx_pnalloc(r->pool, 32);
    if (p == NULL) {
        return;
    }

    n = ++ngx_http_ai_gateway_rid_count;
    for (i = 0; i < 8; i++) {
        b[7 - i] = (u_char) (n >> (8 * i));
    }

    ngx_hex_dump(ngx_hex_dump(p, ngx_http_ai_gateway_rid_prefix, 8), b, 8);

    vv->data = p;
    vv->len = 32;
    vv->valid = 1;
    vv->no_cacheable = 0;
    vv->not_found = 0;
}


ngx_int_t
ngx_http_ai_gateway_log_init(ngx_conf_t *cf)
{
    ngx_str_t                   name = ngx_string("request_id");
    ngx_uint_t                  i;
    ngx_http_variable_t        *v;
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /* the whole http{} block is parsed: every log_format, header or map
     * that uses $request_id has indexed it by now */
    ngx_http_ai_gateway_request_id_used = 0;
    v = cmcf->variables.elts;
    for (i = 0; i < cmcf->variables.nelts; i++) {
        if (v[i].name.len == name.len
            && ngx_strncasecmp(v[i].name.data, name.data, name.len) == 0)
        {
            ngx_http_ai_gateway_request_id_used = 1;
            break;
        }
    }

    ngx_http_ai_gateway_request_id_index = ngx_http_get_variable_index(cf,
                                                                     &name);
    if (ngx_http_ai_gateway_request_id_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ai_gateway_log_handler;

    return NGX_OK;
}


/* The event's names for our endpoints and provider types (agw_event.h):
 * indexed by ngx_http_ai_gateway_endpoint_e and NGX_HTTP_AI_GATEWAY_*. */
static const uint8_t  ngx_http_ai_gateway_operations[] = {
    AGW_OP_NONE,                /* EP_NONE */
    AGW_OP_CHAT,                /* EP_CHAT */
    AGW_OP_TEXT_COMPLETION,     /* EP_COMPLETIONS */
    AGW_OP_EMBEDDINGS,          /* EP_EMBEDDINGS */
    AGW_OP_CHAT,                /* EP_RESPONSES */
    AGW_OP_CHAT,                /* EP_MESSAGES */
    AGW_OP_COUNT_TOKENS,        /* EP_COUNT_TOKENS */
    AGW_OP_GENERATE_CONTENT,    /* EP_GENERATE */
    AGW_OP_GENERATE_CONTENT,    /* EP_STREAM_GENERATE */
    AGW_OP_MODELS,              /* EP_MODELS */
    AGW_OP_NONE,                /* EP_HEALTH */
    AGW_OP_NONE                 /* EP_PROBE */
};

static const uint8_t  ngx_http_ai_gateway_provider_types[] = {
    AGW_PROVIDER_OPENAI,        /* NGX_HTTP_AI_GATEWAY_OPENAI */
    AGW_PROVIDER_AZURE,
    AGW_PROVIDER_ANTHROPIC,
    AGW_PROVIDER_GEMINI
};


#define ngx_http_ai_gateway_event_str(ev, field, s)                           \
    agw_event_set(ev, field, (const char *) (s)->data, (s)->len)


ngx_int_t
ngx_http_ai_gateway_log_handler(ngx_http_request_t *r)
{
    int64_t                           now;
    ngx_str_t                         resp;
    ngx_uint_t                        i, produce;
    ngx_time_t                       *tp;
    agw_event_t                       ev;
    agw_attempt_t                    *at;
    const agw_usage_t                *u;
    ngx_http_variable_value_t        *rid;
    ngx_http_ai_gateway_ctx_t        *ctx;
    ngx_http_ai_gateway_attempt_t    *a, *last;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    if (r != r->main) {
        return NGX_OK;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_ai_gateway_module);
    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    if (ctx == NULL || ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_HEALTH
        || ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_PROBE)
    {
        return NGX_OK;
    }

    /* without a state file nobody would ever read the ring */
    produce = amcf->state_path.len && amcf->state->base;

    if (!produce && amcf->metrics == NULL) {
        return NGX_OK;
    }

    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;

    agw_event_init(&ev);

    ev.time_ms = (int64_t) r->start_sec * 1000 + r->start_msec;
    ev.latency_ms = ngx_max(now - ev.time_ms, 0);
    /* ttfb is at least 1 (0 means "no byte yet") on another clock: a
       sub-millisecond answer must not show a ttfb above its latency */
    ev.ttfb_ms = ctx->ttfb ? ngx_min((int64_t) ctx->ttfb, ev.latency_ms)
                           : -1;

    u = ngx_http_ai_gateway_usage(ctx);
    ev.prompt_tokens = u->input;
    ev.completion_tokens = u->output;
    ev.cached_tokens = u->cache_read;
    ev.cache_write_tokens = u->cache_write;
    ev.reasoning_tokens = u->reasoning;
    ev.cost_micro_usd = ngx_http_ai_gateway_cost(r, ctx);

    ev.bytes_in = r->request_length;
    ev.bytes_out = r->connection->sent;

    ev.status = r->headers_out.status ? (int32_t) r->headers_out.status
                                      : (int32_t) ctx->status;

    a = ctx->attempts.elts;
    last = ctx->attempts.nelts ? &a[ctx->attempts.nelts - 1] : NULL;

    if (ctx->client_closed || ev.status == NGX_HTTP_CLIENT_CLOSED_REQUEST
        || (r->connection->error && ctx->step && !ctx->got_last
            && ev.status < NGX_HTTP_SPECIAL_RESPONSE))
    {
        /* the client left before the end: nobody's failure but its own */
        ev.status = NGX_HTTP_CLIENT_CLOSED_REQUEST;
        ev.error_class = AGW_ERR_CLIENT_CLOSED;

    } else if (ctx->header_sent && ctx->try_ok && last) {
        /* a stream: 200 on the wire, and an error all the same when the
           provider cut it, stalled or ended it with its own error event
           (its class: rate limit, overloaded...), as its try says */
        ev.error_class = (uint8_t) last->cls;

    } else if (ev.status >= NGX_HTTP_BAD_REQUEST) {
        ev.error_class = (uint8_t) agw_error_class_of_status(ev.status);
    }

    /* what the provider said of its answer (gen_ai.response.*) */
    ev.finish_reason = ctx->meta.finish;
    agw_event_set(&ev, response_model, ctx->meta.model,
                  ngx_strlen(ctx->meta.model));

    ev.n_attempts = (uint8_t) ngx_min(ctx->attempts.nelts, 255);
    ev.client_dialect = (uint8_t) ctx->client;
    ev.stream = ctx->stream_req;

    if (ctx->endpoint < sizeof(ngx_http_ai_gateway_operations)) {
        ev.operation = ngx_http_ai_gateway_operations[ctx->endpoint];
    }

    for (i = 0; i < ctx->attempts.nelts && i < AGW_EVENT_MAX_ATTEMPTS; i++) {
        at = &ev.attempts[i];
        agw_event_set(at, provider, (char *) a[i].provider->name.data,
                      a[i].provider->name.len);
        at->status = (int32_t) a[i].status;
        at->latency_ms = (uint32_t) a[i].ms;
        at->start_ms = (uint32_t) a[i].start;
        at->error_class = (uint8_t) a[i].cls;

        if (a[i].provider->type < sizeof(ngx_http_ai_gateway_provider_types)) {
            at->provider_type =
                ngx_http_ai_gateway_provider_types[a[i].provider->type];
        }
    }

    ngx_http_ai_gateway_trace_event(r, ctx, &ev);

    /* the numbers from the event, the labels whole from ctx (the event
       truncates names to its fields) */
    ngx_http_ai_gateway_metrics_count(r, ctx, &ev);

    if (!produce) {
        return NGX_OK;
    }

    if (!ngx_http_ai_gateway_request_id_used) {
        ngx_http_ai_gateway_request_id(r);
    }

    rid = ngx_http_get_indexed_variable(r,
                                      ngx_http_ai_gateway_request_id_index);
    if (rid && !rid->not_found) {
        agw_event_set(&ev, request_id, (char *) rid->data, rid->len);
    }

    ngx_http_ai_gateway_event_str(&ev, key_id, &ctx->key_id);
    ngx_http_ai_gateway_event_str(&ev, key_name, &ctx->key_name);
    ngx_http_ai_gateway_event_str(&ev, model, &ctx->model);
    ngx_http_ai_gateway_event_str(&ev, upstream_model, &ctx->upstream_model);
    ngx_http_ai_gateway_event_str(&ev, client_addr, &r->connection->addr_text);

    if (ctx->route) {
        ngx_http_ai_gateway_event_str(&ev, route, &ctx->route->model);
    }

    if (ctx->step) {
        ngx_http_ai_gateway_event_str(&ev, provider,
                                      &ctx->step->provider->name);
    }

    /*
     * Captured bodies (off unless the state file was formatted with a
     * capture size): the client's JSON body and the answer as the client
     * got it (a stream's first bytes, kept by the body filter); never
     * headers, so never a key.
     */
    if (ctx->captured.len) {
        resp = ctx->captured;

    } else {
        resp.data = (u_char *) (ctx->out.len ? ctx->out.data : ctx->resp.data);
        resp.len = ctx->out.len ? ctx->out.len : ctx->resp.len;
    }

    if (agw_ring_produce(amcf->state, &ev, ctx->body.data, ctx->body.len,
                         resp.data, resp.len)
        != AGW_RING_OK)
    {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "ai_gateway: usage event dropped, the ring is full");
    }

    return NGX_OK;
}
