/*
 * ngx_http_ai_gateway_publish: the configuration nginx loaded, for the
 * admin daemon.
 *
 * The daemon shows providers and routes "as nginx loaded them"; it cannot
 * parse nginx.conf (includes, variables, other modules), so the master
 * writes what it resolved next to the state file, without a single secret:
 * a provider's key appears as the name of its environment variable only.
 * Written to a temporary file and renamed, so the daemon never reads half.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <stdio.h>

#include "ngx_http_ai_gateway_module.h"


static const char *
ngx_http_ai_gateway_type_name(ngx_uint_t type)
{
    static const char  *names[] = { "openai", "azure", "anthropic", "gemini" };

    return type < 4 ? names[type] : "unknown";
}


static json_t *
ngx_http_ai_gateway_publish_json(ngx_http_ai_gateway_main_conf_t *amcf)
{
    json_t                          *root, *arr, *steps, *models, *o;
    ngx_uint_t                       i, j;
    const agw_key_t                 *k;
    ngx_http_ai_gateway_step_t      *st;
    ngx_http_ai_gateway_route_t     *rt;
    ngx_http_ai_gateway_provider_t  *p;

    root = json_object();
    if (root == NULL) {
        return NULL;
    }

    arr = json_array();
    if (arr == NULL || json_object_set_new(root, "providers", arr) != 0) {
        goto failed;
    }

    p = amcf->providers.elts;
    for (i = 0; i < amcf->providers.nelts; i++) {
        o = json_pack("{s:s%, s:s, s:s%, s:s%, s:I, s:I, s:I, s:s%}",
                      "name", p[i].name.data, p[i].name.len,
                      "type", ngx_http_ai_gateway_type_name(p[i].type),
                      "url", p[i].url.data, p[i].url.len,
                      "host", p[i].host.data, p[i].host.len,
                      "weight", (json_int_t) p[i].weight,
                      "fails", (json_int_t) p[i].fails,
                      "cooldown_ms", (json_int_t) p[i].cooldown,
                      "key_env", p[i].key_env.len ? (char *) p[i].key_env.data
                                                  : "",
                      p[i].key_env.len);

        if (o == NULL || json_array_append_new(arr, o) != 0) {
            goto failed;
        }
    }

    arr = json_array();
    if (arr == NULL || json_object_set_new(root, "routes", arr) != 0) {
        goto failed;
    }

    rt = amcf->routes.elts;
    for (i = 0; i < amcf->routes.nelts; i++) {
        steps = json_array();
        if (steps == NULL) {
            goto failed;
        }

        st = rt[i].steps.elts;
        for (j = 0; j < rt[i].steps.nelts; j++) {
            o = json_pack("{s:s%, s:s%, s:I}",
                          "provider", st[j].provider->name.data,
                          st[j].provider->name.len,
                          "model", st[j].model.len ? (char *) st[j].model.data
                                                   : (char *) rt[i].model.data,
                          st[j].model.len ? st[j].model.len
                                          : rt[i].model.len,
                          "weight", (json_int_t) st[j].weight);

            if (o == NULL || json_array_append_new(steps, o) != 0) {
                json_decref(steps);
                goto failed;
            }
        }

        o = json_pack("{s:s%, s:o, s:b}",
                      "model", rt[i].model.data, rt[i].model.len,
                      "steps", steps, "weighted", (int) rt[i].weighted);

        if (o == NULL || json_array_append_new(arr, o) != 0) {
            goto failed;
        }
    }

    arr = json_array();
    if (arr == NULL || json_object_set_new(root, "static_keys", arr) != 0) {
        goto failed;
    }

    for (i = 0; i < agw_keyset_count(amcf->static_keys); i++) {
        k = agw_keyset_at(amcf->static_keys, i);

        models = json_array();
        if (models == NULL) {
            goto failed;
        }

        for (j = 0; j < k->nmodels; j++) {
            if (json_array_append_new(models, json_string(k->models[j]))
                != 0)
            {
                json_decref(models);
                goto failed;
            }
        }

        o = json_pack("{s:s, s:o}", "name", k->name, "models", models);
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            goto failed;
        }
    }

    return root;

failed:

    json_decref(root);
    return NULL;
}


ngx_int_t
ngx_http_ai_gateway_publish(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    u_char  *path, *tmp;
    json_t  *root;

    /* nginx -t checks a configuration; it does not put it in force */
    if (amcf->state_path.len == 0 || ngx_test_config) {
        return NGX_OK;
    }

    path = ngx_pnalloc(cf->pool, amcf->state_path.len + sizeof(".config.json"));
    tmp = ngx_pnalloc(cf->pool, amcf->state_path.len
                                + sizeof(".config.json.tmp"));
    if (path == NULL || tmp == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(path, "%V.config.json%Z", &amcf->state_path);
    ngx_sprintf(tmp, "%V.config.json.tmp%Z", &amcf->state_path);

    root = ngx_http_ai_gateway_publish_json(amcf);
    if (root == NULL) {
        return NGX_ERROR;
    }

    if (json_dump_file(root, (char *) tmp, JSON_INDENT(1)) != 0) {
        json_decref(root);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "cannot write \"%s\"", tmp);
        return NGX_ERROR;
    }

    json_decref(root);

    if (ngx_rename_file(tmp, path) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_rename_file_n " \"%s\" to \"%s\" failed",
                           tmp, path);
        return NGX_ERROR;
    }

    return NGX_OK;
}
