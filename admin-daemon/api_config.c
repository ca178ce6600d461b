/*
 * api_config: GET /api/v1/config, the providers, routes and static key
 * names as nginx loaded them.  The module publishes its resolved
 * configuration to <state file>.config.json (no secrets); this adds the
 * live provider health from the shared state.  Fields that look like
 * secrets are dropped anyway, so a module bug cannot leak one here.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "agw_state.h"
#include "api_config.h"
#include "api_handlers.h"


#define AGW_CONFIG_MAX  (4 * 1024 * 1024)


static int
agw_config_is_secret(const char *name)
{
    size_t  n;

    n = strlen(name);

    return strcasestr(name, "secret") != NULL
           || strcasestr(name, "password") != NULL
           || strcasestr(name, "authorization") != NULL
           || strcasecmp(name, "key") == 0
           || (n > 4 && strcasecmp(name + n - 4, "_key") == 0)
           || strcasecmp(name, "token") == 0
           || (n > 6 && strcasecmp(name + n - 6, "_token") == 0);
}


void
agw_api_config_scrub(json_t *v)
{
    size_t       i;
    json_t      *m;
    const char  *name;
    void        *tmp;

    if (json_is_object(v)) {
        json_object_foreach_safe(v, tmp, name, m) {
            if (agw_config_is_secret(name)) {
                json_object_del(v, name);
            } else {
                agw_api_config_scrub(m);
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) {
            agw_api_config_scrub(m);
        }
    }
}


static json_t *
agw_config_health(agw_api_t *api, const char *name)
{
    int           idx;
    int64_t       now_ms;
    agw_health_t  h;

    if (api->state == NULL) {
        return json_pack("{s:s}", "state", "unknown");
    }

    idx = agw_health_find(api->state, name, strlen(name), 0);
    if (idx < 0 || agw_health_get(api->state, idx, &h) != 0) {
        return json_pack("{s:s}", "state", "unknown");
    }

    now_ms = agw_now_ms();

    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                     "state", now_ms < h.cooldown_until_ms ? "cooldown" : "ok",
                     "cooldown_until_ms", (json_int_t) h.cooldown_until_ms,
                     "failures", (json_int_t) h.consecutive_failures,
                     "requests", (json_int_t) h.requests,
                     "errors", (json_int_t) h.failures,
                     "last_status", (json_int_t) h.last_status,
                     "last_failure_ms", (json_int_t) h.last_failure_ms,
                     "last_success_ms", (json_int_t) h.last_success_ms);
}


json_t *
agw_api_config_load(agw_api_t *api)
{
    char          *buf;
    size_t         n;
    FILE          *f;
    json_t        *conf;
    json_error_t   jerr;

    f = api->config_path ? fopen(api->config_path, "r") : NULL;

    if (f == NULL) {
        if (api->config_path != NULL && errno != ENOENT) {
            agw_daemon_log("cannot open \"%s\": %s",
                           api->config_path, strerror(errno));
        }
        return NULL;
    }

    buf = malloc(AGW_CONFIG_MAX);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }

    n = fread(buf, 1, AGW_CONFIG_MAX, f);
    fclose(f);

    conf = json_loadb(buf, n, 0, &jerr);
    free(buf);

    if (!json_is_object(conf)) {
        agw_daemon_log("\"%s\": not a JSON object "
                       "(%s)", api->config_path, jerr.text);
        json_decref(conf);
        return NULL;
    }

    return conf;
}


int
agw_api_config_model_routed(json_t *conf, const char *entry)
{
    size_t       i, plen;
    json_t      *rt;
    const char  *m;

    plen = strlen(entry);
    if (plen > 0 && entry[plen - 1] == '*') {
        plen--;                                 /* a prefix */
    } else {
        plen = (size_t) -1;
    }

    json_array_foreach(json_object_get(conf, "routes"), i, rt) {
        m = json_string_value(json_object_get(rt, "model"));
        if (m == NULL) {
            continue;
        }

        if (strcmp(m, "*") == 0
            || (plen == (size_t) -1 ? strcmp(m, entry) == 0
                                    : strncmp(m, entry, plen) == 0))
        {
            return 1;
        }
    }

    return 0;
}


/* 1 if the list of conf has a member of this name. */
static int
agw_api_config_named(json_t *conf, const char *list, const char *name)
{
    size_t   i;
    json_t  *k;

    json_array_foreach(json_object_get(conf, list), i, k) {
        if (json_is_string(json_object_get(k, "name"))
            && strcmp(json_string_value(json_object_get(k, "name")), name)
               == 0)
        {
            return 1;
        }
    }

    return 0;
}


int
agw_api_config_static_key(json_t *conf, const char *name)
{
    return agw_api_config_named(conf, "static_keys", name);
}


int
agw_api_config_provider(json_t *conf, const char *name)
{
    return agw_api_config_named(conf, "providers", name);
}


int
agw_api_config(agw_req_t *r)
{
    size_t         i;
    json_t        *conf, *providers, *p, *name, *h;
    uint64_t       gen;

    static const char *const  allowed[] = { NULL };
    static const char *const  lists[] = {
        "providers", "routes", "static_keys", NULL
    };

    if (agw_http_query_check(r, allowed) != 0) {
        return 0;
    }

    conf = agw_api_config_load(r->api);

    if (conf == NULL) {
        conf = json_object();
        if (conf == NULL || json_object_set_new(conf, "loaded",
                                                json_false()) != 0)
        {
            json_decref(conf);
            return agw_http_error(r, 500, "internal", "out of memory");
        }
    } else if (json_object_set_new(conf, "loaded", json_true()) != 0) {
        json_decref(conf);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    agw_api_config_scrub(conf);

    for (i = 0; lists[i] != NULL; i++) {
        if (!json_is_array(json_object_get(conf, lists[i]))
            && json_object_set_new(conf, lists[i], json_array()) != 0)
        {
            json_decref(conf);
            return agw_http_error(r, 500, "internal", "out of memory");
        }
    }

    providers = json_object_get(conf, "providers");

    json_array_foreach(providers, i, p) {
        name = json_object_get(p, "name");
        if (!json_is_object(p) || !json_is_string(name)) {
            continue;
        }

        h = agw_config_health(r->api, json_string_value(name));
        if (h == NULL || json_object_set_new(p, "health", h) != 0) {
            json_decref(conf);
            return agw_http_error(r, 500, "internal", "out of memory");
        }
    }

    gen = r->api->state ? agw_state_keys_generation(r->api->state) : 0;

    if (json_object_set_new(conf, "keys_generation",
                            json_integer((json_int_t) gen)) != 0)
    {
        json_decref(conf);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    return agw_http_json(r, 200, conf);
}
