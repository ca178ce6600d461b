/*
 * ngx_http_ai_gateway_health: failover cool-down, and the health
 * location's readiness and liveness answers.
 *
 * A provider that failed `fails` times in a row is skipped for `cooldown`.
 * The counts live in the shared state's health table, so every worker
 * sees the same cool-down and the daemon and dashboard can show it.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_version.h"


static ngx_int_t ngx_http_ai_gateway_ready_write(ngx_http_request_t *r,
    agw_jw_t *w);


static int64_t
ngx_http_ai_gateway_now_ms(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (int64_t) tp->sec * 1000 + tp->msec;
}


static agw_state_t *
ngx_http_ai_gateway_health_state(ngx_http_request_t *r,
    ngx_http_ai_gateway_provider_t *p)
{
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    if (amcf->state == NULL || amcf->state->base == NULL || p->health < 0) {
        return NULL;
    }

    return amcf->state;
}


ngx_int_t
ngx_http_ai_gateway_health_usable(ngx_http_request_t *r,
    ngx_http_ai_gateway_provider_t *p)
{
    agw_state_t  *st;

    /*
     * fails=0 turns cool-down off, also for a cool-down started before a
     * reload gave the provider fails=0 (the health state outlives it)
     */
    if (p->fails == 0) {
        return 1;
    }

    st = ngx_http_ai_gateway_health_state(r, p);
    if (st == NULL) {
        return 1;
    }

    return !agw_health_in_cooldown(st, p->health,
                                   ngx_http_ai_gateway_now_ms());
}


void
ngx_http_ai_gateway_health_record(ngx_http_request_t *r,
    ngx_http_ai_gateway_provider_t *p, ngx_int_t status, ngx_uint_t failed)
{
    agw_state_t  *st;

    st = ngx_http_ai_gateway_health_state(r, p);
    if (st == NULL) {
        return;
    }

    if (!failed) {
        agw_health_success(st, p->health, (int) status,
                           ngx_http_ai_gateway_now_ms());
        return;
    }

    /* fails=0 turns cool-down off; the failure is still counted */
    agw_health_failure(st, p->health, (int) status,
                       ngx_http_ai_gateway_now_ms(),
                       p->fails ? (uint32_t) p->fails : UINT32_MAX,
                       (int64_t) p->cooldown);

    if (p->fails && agw_health_in_cooldown(st, p->health,
                                           ngx_http_ai_gateway_now_ms()))
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ai_gateway: provider \"%V\" is cooling down for "
                      "%M ms after %ui failures in a row",
                      &p->name, p->cooldown, p->fails);
    }
}


/*
 * The health location's answers.  Readiness (`ai_gateway health;`), for a
 * load balancer's traffic and for people:
 *
 *   "ok"           no provider a route uses is cooling down: 200;
 *   "degraded"     some are, but every route still has a step that can
 *                  serve: 200, with less failover room;
 *   "unavailable"  some route has no step that can serve (every one of
 *                  its providers cooling down): 503, so a load balancer
 *                  sends its traffic to a gateway that can serve it; the
 *                  answer says which routes and providers, per provider
 *                  with its failures and the cool-down left.
 *
 * A route whose every provider is disabled (weight=0) cannot serve either,
 * but that was meant: it is marked in "routes", and makes no 503.
 *
 * Liveness (`ai_gateway live;`), for a supervisor that restarts what hangs:
 * 200 whenever a worker answers, whatever the providers do; restarting
 * nginx would not end a provider's cool-down sooner.
 *
 * Written into w; returns the HTTP status, or NGX_ERROR.
 */

ngx_int_t
ngx_http_ai_gateway_health_write(ngx_http_request_t *r, agw_jw_t *w)
{
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ai_gateway_module);

    if (alcf->serve & NGX_HTTP_AI_GATEWAY_SERVE_LIVE) {
        agw_jw_object(w);
        agw_jw_key(w, "status");
        agw_jw_lit(w, "ok");
        agw_jw_key(w, "version");
        agw_jw_lit(w, AGW_VERSION);
        agw_jw_object_end(w);

        return NGX_HTTP_OK;
    }

    return ngx_http_ai_gateway_ready_write(r, w);
}


static ngx_int_t
ngx_http_ai_gateway_ready_write(ngx_http_request_t *r, agw_jw_t *w)
{
    int64_t                           now;
    agw_str_t                         name;
    ngx_int_t                         status;
    ngx_uint_t                        i, j, nroutes, down, cooling,
                                      enabled;
    ngx_uint_t                       *usable;
    agw_health_t                      h;
    ngx_http_ai_gateway_step_t       *step;
    ngx_http_ai_gateway_route_t      *rt;
    ngx_http_ai_gateway_provider_t   *p;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);
    now = ngx_http_ai_gateway_now_ms();

    /* a route can serve while one of its steps' providers can */
    cooling = 0;
    down = 0;
    nroutes = amcf->routes.nelts;

    /* counted once: the shared state may change while the answer is made */
    usable = ngx_pcalloc(r->pool, (nroutes + 1) * sizeof(ngx_uint_t));
    if (usable == NULL) {
        return NGX_ERROR;
    }

    rt = amcf->routes.elts;
    for (i = 0; i < nroutes; i++) {
        enabled = 0;
        step = rt[i].steps.elts;
        for (j = 0; j < rt[i].steps.nelts; j++) {
            if (step[j].provider->weight == 0) {
                continue;
            }

            enabled++;

            if (ngx_http_ai_gateway_health_usable(r, step[j].provider)) {
                usable[i]++;

            } else {
                cooling = 1;
            }
        }

        if (enabled && usable[i] == 0) {
            down++;
        }
    }

    /* the status comes first in the answer, so it is decided first */
    agw_jw_object(w);
    agw_jw_key(w, "status");

    if (down) {
        agw_jw_lit(w, "unavailable");
        status = NGX_HTTP_SERVICE_UNAVAILABLE;

    } else {
        if (cooling) {
            agw_jw_lit(w, "degraded");

        } else {
            agw_jw_lit(w, "ok");
        }

        status = NGX_HTTP_OK;
    }

    agw_jw_key(w, "version");
    agw_jw_lit(w, AGW_VERSION);

    agw_jw_key(w, "providers");
    agw_jw_array(w);

    p = amcf->providers.elts;
    for (i = 0; i < amcf->providers.nelts; i++) {
        ngx_memzero(&h, sizeof(agw_health_t));

        if (amcf->state && amcf->state->base && p[i].health >= 0) {
            (void) agw_health_get(amcf->state, p[i].health, &h);
        }

        name = agw_str_bytes((const char *) p[i].name.data, p[i].name.len);

        agw_jw_object(w);
        agw_jw_key(w, "name");
        agw_jw_str(w, &name);
        agw_jw_key(w, "cooling_down");
        agw_jw_bool(w, h.cooldown_until_ms > now);
        agw_jw_key(w, "consecutive_failures");
        agw_jw_int(w, h.consecutive_failures);
        agw_jw_key(w, "requests");
        agw_jw_int(w, h.requests);
        agw_jw_key(w, "failures");
        agw_jw_int(w, h.failures);
        agw_jw_key(w, "last_status");
        agw_jw_int(w, h.last_status);
        agw_jw_key(w, "cooldown_remaining_ms");
        agw_jw_int(w, h.cooldown_until_ms > now
                      ? h.cooldown_until_ms - now : 0);
        agw_jw_key(w, "available");
        agw_jw_bool(w, p[i].weight
                       && ngx_http_ai_gateway_health_usable(r, &p[i]));
        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);

    agw_jw_key(w, "routes");
    agw_jw_array(w);

    for (i = 0; i < nroutes; i++) {
        name = agw_str_bytes((const char *) rt[i].model.data,
                             rt[i].model.len);

        agw_jw_object(w);
        agw_jw_key(w, "model");
        agw_jw_str(w, &name);
        agw_jw_key(w, "available");
        agw_jw_bool(w, usable[i] != 0);
        agw_jw_key(w, "available_steps");
        agw_jw_int(w, (int64_t) usable[i]);
        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);
    agw_jw_object_end(w);

    return status;
}
