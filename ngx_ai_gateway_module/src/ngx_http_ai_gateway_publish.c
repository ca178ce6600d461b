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

#include "ngx_http_ai_gateway_module.h"


static const char *
ngx_http_ai_gateway_type_name(ngx_uint_t type)
{
    static const char  *names[] = { "openai", "azure", "anthropic", "gemini" };

    return type < 4 ? names[type] : "unknown";
}


static void
ngx_http_ai_gateway_publish_str(agw_jw_t *w, ngx_str_t *s)
{
    agw_str_t  v;

    v = agw_str_bytes((const char *) s->data, s->len);
    agw_jw_str(w, &v);
}


static void
ngx_http_ai_gateway_publish_json(agw_jw_t *w,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    const char                      *type;
    ngx_uint_t                       i, j;
    const agw_key_t                 *k;
    ngx_http_ai_gateway_step_t      *st;
    ngx_http_ai_gateway_route_t     *rt;
    ngx_http_ai_gateway_provider_t  *p;

    agw_jw_object(w);
    agw_jw_key(w, "providers");
    agw_jw_array(w);

    p = amcf->providers.elts;
    for (i = 0; i < amcf->providers.nelts; i++) {
        type = ngx_http_ai_gateway_type_name(p[i].type);

        agw_jw_object(w);
        agw_jw_key(w, "name");
        ngx_http_ai_gateway_publish_str(w, &p[i].name);
        agw_jw_key(w, "type");
        agw_jw_bytes(w, type, ngx_strlen(type));
        agw_jw_key(w, "url");
        ngx_http_ai_gateway_publish_str(w, &p[i].url);
        agw_jw_key(w, "host");
        ngx_http_ai_gateway_publish_str(w, &p[i].host);
        agw_jw_key(w, "weight");
        agw_jw_int(w, (int64_t) p[i].weight);
        agw_jw_key(w, "fails");
        agw_jw_int(w, (int64_t) p[i].fails);
        agw_jw_key(w, "cooldown_ms");
        agw_jw_int(w, (int64_t) p[i].cooldown);
        agw_jw_key(w, "key_env");
        ngx_http_ai_gateway_publish_str(w, &p[i].key_env);
        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);
    agw_jw_key(w, "routes");
    agw_jw_array(w);

    rt = amcf->routes.elts;
    for (i = 0; i < amcf->routes.nelts; i++) {
        agw_jw_object(w);
        agw_jw_key(w, "model");
        ngx_http_ai_gateway_publish_str(w, &rt[i].model);
        agw_jw_key(w, "steps");
        agw_jw_array(w);

        st = rt[i].steps.elts;
        for (j = 0; j < rt[i].steps.nelts; j++) {
            agw_jw_object(w);
            agw_jw_key(w, "provider");
            ngx_http_ai_gateway_publish_str(w, &st[j].provider->name);
            agw_jw_key(w, "model");
            ngx_http_ai_gateway_publish_str(w, st[j].model.len
                                               ? &st[j].model
                                               : &rt[i].model);
            agw_jw_key(w, "weight");
            agw_jw_int(w, (int64_t) st[j].weight);
            agw_jw_object_end(w);
        }

        agw_jw_array_end(w);
        agw_jw_key(w, "weighted");
        agw_jw_bool(w, rt[i].weighted);
        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);
    agw_jw_key(w, "static_keys");
    agw_jw_array(w);

    for (i = 0; i < agw_keyset_count(amcf->static_keys); i++) {
        k = agw_keyset_at(amcf->static_keys, i);

        agw_jw_object(w);
        agw_jw_key(w, "name");
        agw_jw_bytes(w, k->name, ngx_strlen(k->name));
        agw_jw_key(w, "models");
        agw_jw_array(w);

        for (j = 0; j < k->nmodels; j++) {
            agw_jw_bytes(w, k->models[j], ngx_strlen(k->models[j]));
        }

        agw_jw_array_end(w);
        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);
    agw_jw_object_end(w);
}


ngx_int_t
ngx_http_ai_gateway_publish(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    u_char     *path, *tmp;
    size_t      len;
    ssize_t     n;
    agw_jw_t    w;
    ngx_fd_t    fd;
    agw_buf_t   out = AGW_BUF_INIT;
    ngx_err_t   err;

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

    agw_jw_init(&w, &out);
    ngx_http_ai_gateway_publish_json(&w, amcf);

    if (w.failed) {
        agw_buf_free(&out);
        return NGX_ERROR;
    }

    /* the master, at configuration time: blocking writes are in place */
    fd = ngx_open_file(tmp, NGX_FILE_WRONLY, NGX_FILE_TRUNCATE,
                       NGX_FILE_DEFAULT_ACCESS);
    if (fd == NGX_INVALID_FILE) {
        agw_buf_free(&out);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%s\" failed", tmp);
        return NGX_ERROR;
    }

    len = out.len;
    n = ngx_write_fd(fd, out.data, len);
    err = ngx_errno;
    agw_buf_free(&out);

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_ALERT, cf, ngx_errno,
                           ngx_close_file_n " \"%s\" failed", tmp);
    }

    if (n != (ssize_t) len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, n == -1 ? err : 0,
                           "cannot write \"%s\"", tmp);
        return NGX_ERROR;
    }

    if (ngx_rename_file(tmp, path) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_rename_file_n " \"%s\" to \"%s\" failed",
                           tmp, path);
        return NGX_ERROR;
    }

    return NGX_OK;
}
