/*
 * ngx_http_ai_gateway_health: failover cool-down.
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
 * The health endpoint's answer, for a load balancer and for people:
 *
 *   "ok"           no provider a route uses is cooling down;
 *   "degraded"     some are, but some route still has a step that can
 *                  serve: answered 200, with less failover room, or some
 *                  models unserved (marked in "routes");
 *   "unavailable"  no route can serve any request: answered 503, so a
 *                  load balancer takes this gateway out until a cool-down
 *                  ends.
 *
 * A route none of whose steps can serve while others can leaves the
 * gateway "degraded" (200): taking the whole gateway out would also stop
 * the models it can still serve.  A provider disabled by weight=0 is
 * never a step that can serve, but no degradation either: it was meant.
 */

json_t *
ngx_http_ai_gateway_health_json(ngx_http_request_t *r, ngx_int_t *status)
{
    int64_t                           now;
    json_t                           *providers, *routes, *o;
    ngx_uint_t                        i, j, usable, nroutes, serving;
    ngx_uint_t                        cooling;
    const char                       *state;
    agw_health_t                      h;
    ngx_http_ai_gateway_step_t       *step;
    ngx_http_ai_gateway_route_t      *rt;
    ngx_http_ai_gateway_provider_t   *p;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);
    now = ngx_http_ai_gateway_now_ms();

    providers = json_array();
    routes = json_array();
    if (providers == NULL || routes == NULL) {
        goto failed;
    }

    p = amcf->providers.elts;
    for (i = 0; i < amcf->providers.nelts; i++) {
        ngx_memzero(&h, sizeof(agw_health_t));

        if (amcf->state && amcf->state->base && p[i].health >= 0) {
            (void) agw_health_get(amcf->state, p[i].health, &h);
        }

        o = json_pack("{s:s%, s:b, s:I, s:I, s:I, s:i, s:I, s:b}",
                      "name", p[i].name.data, p[i].name.len,
                      "cooling_down", h.cooldown_until_ms > now,
                      "consecutive_failures",
                      (json_int_t) h.consecutive_failures,
                      "requests", (json_int_t) h.requests,
                      "failures", (json_int_t) h.failures,
                      "last_status", (int) h.last_status,
                      "cooldown_remaining_ms",
                      (json_int_t) (h.cooldown_until_ms > now
                                    ? h.cooldown_until_ms - now : 0),
                      "available",
                      p[i].weight && ngx_http_ai_gateway_health_usable(r,
                                                                   &p[i]));

        if (o == NULL || json_array_append_new(providers, o) != 0) {
            goto failed;
        }
    }

    /* a route can serve while one of its steps' providers can */
    cooling = 0;
    serving = 0;
    nroutes = amcf->routes.nelts;

    rt = amcf->routes.elts;
    for (i = 0; i < nroutes; i++) {
        usable = 0;

        step = rt[i].steps.elts;
        for (j = 0; j < rt[i].steps.nelts; j++) {
            if (step[j].provider->weight == 0) {
                continue;
            }

            if (ngx_http_ai_gateway_health_usable(r, step[j].provider)) {
                usable++;

            } else {
                cooling = 1;
            }
        }

        if (usable) {
            serving++;
        }

        o = json_pack("{s:s%, s:b, s:I}",
                      "model", rt[i].model.data, rt[i].model.len,
                      "available", usable != 0,
                      "available_steps", (json_int_t) usable);

        if (o == NULL || json_array_append_new(routes, o) != 0) {
            goto failed;
        }
    }

    if (nroutes && serving == 0) {
        state = "unavailable";
        *status = NGX_HTTP_SERVICE_UNAVAILABLE;

    } else {
        state = cooling ? "degraded" : "ok";
        *status = NGX_HTTP_OK;
    }

    return json_pack("{s:s, s:s, s:o, s:o}", "status", state,
                     "version", AGW_VERSION,
                     "providers", providers, "routes", routes);

failed:

    json_decref(providers);
    json_decref(routes);

    return NULL;
}
