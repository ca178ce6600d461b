/*
 * api_limits: the state file's limits table, read live (api_limits.h).
 * Reads are lock-free and never block nginx; a figure may be a request
 * behind, never torn.
 */

#include <stdio.h>
#include <string.h>

#include "agw_keys.h"
#include "agw_state.h"
#include "api_handlers.h"
#include "api_limits.h"


static json_t *agw_api_limits_entry(const agw_limit_usage_t *u,
    const agw_limits_conf_t *conf);


static json_t *
agw_usd(int64_t micro)
{
    return json_real((double) micro / 1e6);
}


json_t *
agw_api_limits_conf(const agw_limits_conf_t *conf)
{
    size_t   i;
    json_t  *o;
    int64_t  v;

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    for (i = 0; agw_key_limit_names[i] != NULL; i++) {
        v = agw_key_limit_get(conf, i);
        json_object_set_new(o, agw_key_limit_names[i],
                            i >= AGW_KEY_LIMIT_BUDGETS ? agw_usd(v)
                                                       : json_integer(v));
    }

    return o;
}


/* What is left of a budget: USD, or null when there is no such budget. */
static json_t *
agw_api_limits_left(int64_t budget, int64_t spent, int64_t reserved)
{
    int64_t  left;

    if (budget == 0) {
        return json_null();
    }

    left = budget - spent - reserved;

    return agw_usd(left > 0 ? left : 0);
}


/*
 * One entry: its use of every window (reservations in flight included,
 * as the checks count them) and what remains of each budget.
 */
static json_t *
agw_api_limits_entry(const agw_limit_usage_t *u,
    const agw_limits_conf_t *conf)
{
    json_t  *usage, *left;

    usage = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o,"
                      " s:I, s:o, s:I, s:I, s:I}",
                      "requests_minute", (json_int_t) u->requests_minute,
                      "requests_hour", (json_int_t) u->requests_hour,
                      "requests_day", (json_int_t) u->requests_day,
                      "tokens_minute", (json_int_t) u->tokens_minute,
                      "input_tokens_day", (json_int_t) u->input_tokens_day,
                      "output_tokens_day", (json_int_t) u->output_tokens_day,
                      "concurrent", (json_int_t) u->concurrent,
                      "spend_day", agw_usd(u->spend_day),
                      "spend_month", agw_usd(u->spend_month),
                      "spend_total", agw_usd(u->spend_total),
                      "reserved_tokens", (json_int_t) u->reserved_tokens,
                      "reserved_cost", agw_usd(u->reserved_cost),
                      "requests_total", (json_int_t) u->requests_total,
                      "refused_total", (json_int_t) u->refused_total,
                      "last_used_ms", (json_int_t) u->last_used_ms);

    /* spend_* include what is reserved in flight */
    left = json_pack("{s:o, s:o, s:o}",
                     "budget_day", agw_api_limits_left(conf->budget_day,
                                                       u->spend_day, 0),
                     "budget_month", agw_api_limits_left(conf->budget_month,
                                                         u->spend_month, 0),
                     "budget_total", agw_api_limits_left(conf->budget_total,
                                                         u->spend_total, 0));

    return json_pack("{s:o, s:o}", "usage", usage, "remaining", left);
}


json_t *
agw_api_limits_key(agw_api_t *api, const char *id,
    const agw_limits_conf_t *conf)
{
    int                idx;
    agw_limit_usage_t  u;

    if (api->state == NULL) {
        return json_null();
    }

    idx = agw_limits_find(api->state, AGW_LIMIT_KIND_KEY, id, strlen(id), 0);

    if (idx < 0 || agw_limits_usage(api->state, idx, agw_now_ms(), &u) != 0)
    {
        return json_null();
    }

    return agw_api_limits_entry(&u, conf);
}


int
agw_api_limits(agw_req_t *r)
{
    int                idx, n;
    json_t            *list, *e, *o;
    int64_t            now;
    agw_limit_usage_t  u;

    static const char *const  allowed[] = { NULL };
    static const char *const  kinds[] = { "", "key", "provider", "route" };

    if (agw_http_query_check(r, allowed) != 0) {
        return 0;
    }

    list = json_array();
    if (list == NULL) {
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    now = agw_now_ms();
    n = r->api->state ? (int) agw_limits_entries(r->api->state) : 0;

    for (idx = 0; idx < n; idx++) {
        if (agw_limits_usage(r->api->state, idx, now, &u) != 0
            || (unsigned) u.kind > AGW_LIMIT_KIND_ROUTE)
        {
            continue;
        }

        e = agw_api_limits_entry(&u, &u.conf);
        o = json_pack("{s:s, s:s, s:s, s:b, s:o}",
                      "kind", kinds[u.kind], "id", u.id, "name", u.name,
                      "static", u.is_static,
                      "limits", agw_api_limits_conf(&u.conf));

        if (e == NULL || o == NULL || json_object_update(o, e) != 0
            || json_array_append_new(list, o) != 0)
        {
            json_decref(e);
            json_decref(o);
            json_decref(list);
            return agw_http_error(r, 500, "internal", "out of memory");
        }

        json_decref(e);
    }

    return agw_http_json(r, 200, json_pack("{s:o, s:b}", "entries", list,
                                           "counting",
                                           r->api->state != NULL));
}
