/*
 * ngx_http_ai_gateway_trace: W3C trace context through the gateway.
 *
 * A client's valid traceparent is continued: the gateway's request is a
 * span of the client's trace, with the client's parent-id as its parent,
 * and each try sends the provider a traceparent of the same trace whose
 * parent-id is the try's own span (agw_trace_try_span_id()).  Without one,
 * or with an invalid one (never forwarded: the spec says to start afresh),
 * the request starts a new trace.  The ids go into the usage event, and
 * the daemon exports the spans with them (docs/tracing.md).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/rand.h>

#include "ngx_http_ai_gateway_module.h"


/*
 * Ids are drawn from a per-worker splitmix64 seeded once from RAND_bytes:
 * 24 fresh RAND_bytes per request would cost more than the rest of the
 * event (ngx_http_ai_gateway_log.c says how much).  Seeded as the worker
 * starts (ngx_http_ai_gateway_init_process()); a worker that forked
 * without that (pid changed) seeds again on its first request.
 */
static uint64_t   ngx_http_ai_gateway_trace_state;
static ngx_pid_t  ngx_http_ai_gateway_trace_pid;


void
ngx_http_ai_gateway_trace_seed(void)
{
    uint64_t  seed;

    if (ngx_http_ai_gateway_trace_pid == ngx_pid) {
        return;
    }

    if (RAND_bytes((u_char *) &seed, sizeof(seed)) != 1) {
        /* unique is all ids need: time and pid make a worker's own */
        seed = ((uint64_t) ngx_time() << 20) ^ (uint64_t) ngx_pid
               ^ ((uint64_t) ngx_current_msec << 40);
    }

    ngx_http_ai_gateway_trace_state = seed;
    ngx_http_ai_gateway_trace_pid = ngx_pid;
}


/* The client's one traceparent; NULL when absent or sent twice. */

static ngx_table_elt_t *
ngx_http_ai_gateway_traceparent_in(ngx_http_request_t *r)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *found;

    found = NULL;
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0
            || h[i].key.len != sizeof("traceparent") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "traceparent",
                               sizeof("traceparent") - 1) != 0)
        {
            continue;
        }

        if (found) {
            return NULL;        /* two: which one? neither */
        }

        found = &h[i];
    }

    return found;
}


void
ngx_http_ai_gateway_trace_start(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    ngx_table_elt_t    *h;
    agw_traceparent_t   tp;

    if (ctx->traced) {
        return;
    }

    ngx_http_ai_gateway_trace_seed();

    h = ngx_http_ai_gateway_traceparent_in(r);

    if (h && agw_traceparent_parse((char *) h->value.data, h->value.len, &tp)
             == 0)
    {
        ngx_memcpy(ctx->trace_id, tp.trace_id, AGW_TRACE_ID_SIZE);
        ngx_memcpy(ctx->parent_id, tp.parent_id, AGW_SPAN_ID_SIZE);
        /* only the flags we know of go on (level 1: sampled) */
        ctx->trace_flags = tp.flags & AGW_TRACE_SAMPLED;
        ctx->trace_incoming = 1;

    } else {
        if (h) {
            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "ai_gateway: invalid traceparent \"%V\" replaced",
                           &h->value);
        }

        agw_trace_new_id(&ngx_http_ai_gateway_trace_state, ctx->trace_id,
                         AGW_TRACE_ID_SIZE);
        ctx->trace_flags = AGW_TRACE_SAMPLED;
    }

    agw_trace_new_id(&ngx_http_ai_gateway_trace_state, ctx->span_id,
                     AGW_SPAN_ID_SIZE);
    ctx->traced = 1;
}


/* The traceparent of the try about to start: AGW_TRACEPARENT_LEN bytes. */

u_char *
ngx_http_ai_gateway_traceparent(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    u_char   *p;
    uint8_t   span[AGW_SPAN_ID_SIZE];

    p = ngx_pnalloc(r->pool, AGW_TRACEPARENT_LEN);
    if (p == NULL) {
        return NULL;
    }

    ngx_http_ai_gateway_trace_start(r, ctx);

    /* the try's index is the number of tries that ended before it */
    agw_trace_try_span_id(ctx->span_id, ctx->attempts.nelts, span);
    agw_traceparent_format((char *) p, ctx->trace_id, span, ctx->trace_flags);

    return p;
}


void
ngx_http_ai_gateway_trace_event(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, agw_event_t *ev)
{
    /* a request refused before any try has a span all the same */
    ngx_http_ai_gateway_trace_start(r, ctx);

    ngx_memcpy(ev->trace_id, ctx->trace_id, AGW_TRACE_ID_SIZE);
    ngx_memcpy(ev->span_id, ctx->span_id, AGW_SPAN_ID_SIZE);
    ngx_memcpy(ev->parent_span_id, ctx->parent_id, AGW_SPAN_ID_SIZE);
    ev->trace_flags = ctx->trace_flags;
}
