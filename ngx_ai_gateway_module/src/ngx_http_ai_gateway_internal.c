/*
 * ngx_http_ai_gateway_internal: the internal location, checked at
 * `nginx -t`.
 *
 * Every try is a subrequest to ai_gateway_internal_location plus the
 * provider's name, looked up in the server{} of the `ai_gateway` location
 * (conf/ai_gateway_upstream.conf is that location).  A server{} without
 * it passes nginx's own checks, and then every request fails at the
 * subrequest; so once http{} is read, the URI of each routed provider is
 * looked up the way nginx will look it up for the subrequest, and a
 * location that cannot send it anywhere is refused, naming the
 * `ai_gateway` directive.  A location that can gets the tries' own content
 * handler around its own (_upstream.c).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"


static ngx_int_t ngx_http_ai_gateway_find_location(void ***loc_conf,
    ngx_str_t *uri);
static ngx_int_t ngx_http_ai_gateway_find_static(
    ngx_http_location_tree_node_t *node, ngx_str_t *uri, void ***loc_conf);
static ngx_int_t ngx_http_ai_gateway_check_uri(ngx_conf_t *cf,
    ngx_http_ai_gateway_gateway_conf_t *gw,
    ngx_http_ai_gateway_provider_t *p);


ngx_int_t
ngx_http_ai_gateway_internal_check(ngx_conf_t *cf)
{
    ngx_uint_t                           i, j, k;
    ngx_http_ai_gateway_step_t          *step;
    ngx_http_ai_gateway_route_t         *rt;
    ngx_http_ai_gateway_main_conf_t     *amcf;
    ngx_http_ai_gateway_gateway_conf_t  *gw;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ai_gateway_module);

    gw = amcf->gateways.elts;
    for (i = 0; i < amcf->gateways.nelts; i++) {

        /* a health location makes no tries */
        if (!(gw[i].alcf->serve & ~(NGX_HTTP_AI_GATEWAY_SERVE_HEALTH
                                    |NGX_HTTP_AI_GATEWAY_SERVE_LIVE)))
        {
            continue;
        }

        /* only the providers some route tries */
        rt = amcf->routes.elts;
        for (j = 0; j < amcf->routes.nelts; j++) {
            step = rt[j].steps.elts;
            for (k = 0; k < rt[j].steps.nelts; k++) {
                if (ngx_http_ai_gateway_check_uri(cf, &gw[i],
                                                  step[k].provider)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }
            }
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ai_gateway_check_uri(ngx_conf_t *cf,
    ngx_http_ai_gateway_gateway_conf_t *gw, ngx_http_ai_gateway_provider_t *p)
{
    void                            **loc_conf;
    u_char                           *why, *where, *last;
    ngx_str_t                         uri;
    ngx_http_core_loc_conf_t         *clcf;
    ngx_http_ai_gateway_loc_conf_t   *alcf, *ialcf;
    u_char                            buf[NGX_MAX_PATH + NGX_INT_T_LEN + 64];

    alcf = gw->alcf;

    uri.len = alcf->internal.len + p->name.len;
    uri.data = ngx_pnalloc(cf->temp_pool, uri.len);
    if (uri.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ngx_cpymem(uri.data, alcf->internal.data, alcf->internal.len),
               p->name.data, p->name.len);

    loc_conf = gw->cscf->ctx->loc_conf;

    if (ngx_http_ai_gateway_find_location(&loc_conf, &uri) == NGX_DECLINED
        && loc_conf == gw->cscf->ctx->loc_conf)
    {
        why = (u_char *) "no location of its server{} matches it";

    } else {
        clcf = loc_conf[ngx_http_core_module.ctx_index];

        if (((ngx_http_ai_gateway_loc_conf_t *)
             loc_conf[ngx_http_ai_gateway_module.ctx_index])->serve)
        {
            why = (u_char *) "it falls into an ai_gateway location";

        } else if (clcf->handler == NULL) {
            why = (u_char *) "the location it falls into would serve a file";

        } else {
            ialcf = loc_conf[ngx_http_ai_gateway_module.ctx_index];
            ngx_http_ai_gateway_upstream_hook(clcf, ialcf);
            return NGX_OK;
        }
    }

    where = (u_char *) "";

    if (alcf->internal_file) {
        last = ngx_snprintf(buf, sizeof(buf) - 1,
                            " (ai_gateway_internal_location in %s:%ui)",
                            alcf->internal_file, alcf->internal_line);
        *last = '\0';
        where = buf;
    }

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "the tries of provider \"%V\" go to \"%V\"%s, and %s: "
                  "include ai_gateway_upstream.conf in the server{} of "
                  "\"ai_gateway\" in %s:%ui",
                  &p->name, &uri, where, why, gw->file, gw->line);

    return NGX_ERROR;
}


/*
 * The location nginx will choose for a subrequest to uri: from a
 * server{}'s loc_conf, ngx_http_core_find_location() without a request.
 * *loc_conf is left as it was when nothing matches.
 */

static ngx_int_t
ngx_http_ai_gateway_find_location(void ***loc_conf, ngx_str_t *uri)
{
    ngx_int_t                   rc;
    ngx_http_core_loc_conf_t   *pclcf;
#if (NGX_PCRE)
    ngx_uint_t                  noregex;
    ngx_http_core_loc_conf_t  **clcfp;

    noregex = 0;
#endif

    pclcf = (*loc_conf)[ngx_http_core_module.ctx_index];

    rc = ngx_http_ai_gateway_find_static(pclcf->static_locations, uri,
                                         loc_conf);

    if (rc == NGX_AGAIN) {
#if (NGX_PCRE)
        noregex = ((ngx_http_core_loc_conf_t *)
                   (*loc_conf)[ngx_http_core_module.ctx_index])->noregex;
#endif

        /* a prefix location: its nested locations may match better */
        rc = ngx_http_ai_gateway_find_location(loc_conf, uri);
    }

    if (rc == NGX_OK) {
        return rc;
    }

#if (NGX_PCRE)

    if (noregex == 0 && pclcf->regex_locations) {

        for (clcfp = pclcf->regex_locations; *clcfp; clcfp++) {

            if (ngx_regex_exec((*clcfp)->regex->regex, uri, NULL, 0) < 0) {
                continue;
            }

            *loc_conf = (*clcfp)->loc_conf;
            (void) ngx_http_ai_gateway_find_location(loc_conf, uri);

            return NGX_OK;
        }
    }

#endif

    return rc;
}


/* ngx_http_core_find_static_location(), with the loc_conf found. */

static ngx_int_t
ngx_http_ai_gateway_find_static(ngx_http_location_tree_node_t *node,
    ngx_str_t *uri, void ***loc_conf)
{
    u_char     *p;
    size_t      len, n;
    ngx_int_t   cmp, rv;

    p = uri->data;
    len = uri->len;
    rv = NGX_DECLINED;

    while (node) {
        n = (len <= (size_t) node->len) ? len : node->len;

        cmp = ngx_filename_cmp(p, node->name, n);

        if (cmp != 0) {
            node = (cmp < 0) ? node->left : node->right;
            continue;
        }

        if (len > (size_t) node->len) {

            if (node->inclusive) {
                *loc_conf = node->inclusive->loc_conf;
                rv = NGX_AGAIN;

                node = node->tree;
                p += n;
                len -= n;
                continue;
            }

            /* exact only */

            node = node->right;
            continue;
        }

        if (len == (size_t) node->len) {

            if (node->exact) {
                *loc_conf = node->exact->loc_conf;
                return NGX_OK;
            }

            *loc_conf = node->inclusive->loc_conf;
            return NGX_AGAIN;
        }

        /* len < node->len: only a redirect to "uri/" would match */

        node = node->left;
    }

    return rv;
}
