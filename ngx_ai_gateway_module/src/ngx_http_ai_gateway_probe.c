/*
 * ngx_http_ai_gateway_probe: `ai_gateway probe;`, a check of every
 * provider through nginx itself.
 *
 * For a GET, each configured provider in turn gets a GET of its model list
 * (.../models; Azure's /openai/models?api-version=) through the same
 * internal location and with the same key, headers and TLS settings as a
 * try, so what is checked is what a request would meet.  Only the status
 * line is read (the subrequest is header_only: the list, which can be
 * large, is never downloaded).  The answer lists, per provider, its name
 * and type, the status, the time to that status, and an error class; never
 * a key, a URL or a header.  The admin daemon's GET
 * /api/v1/diagnostics/providers asks it (docs/admin-api.md).
 *
 * Like the tries (docs/request-path.md, 3 to 5): the post-subrequest
 * handler only records, the main request's write handler, woken next,
 * starts the next probe or answers.  The location is not authenticated by
 * client keys: allow it to the daemon only (allow/deny).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"


/* One provider's outcome; rendered as JSON once all are in. */
typedef struct {
    ngx_http_ai_gateway_provider_t  *provider;
    ngx_int_t                        status;
    ngx_msec_t                       latency;
    unsigned                         answered:1;
} ngx_http_ai_gateway_probe_result_t;


typedef struct {
    ngx_http_ai_gateway_step_t  step;     /* ctx->step during a probe */
    ngx_uint_t                  next;     /* provider index */
    ngx_http_request_t         *sr;
    ngx_msec_t                  start;
    ngx_array_t                 results;  /* probe_result_t */
    unsigned                    done:1;   /* the current probe ended */
} ngx_http_ai_gateway_probe_t;


static ngx_int_t ngx_http_ai_gateway_probe_start(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_http_ai_gateway_probe_t *pr);
static ngx_int_t ngx_http_ai_gateway_probe_done(ngx_http_request_t *sr,
    void *data, ngx_int_t rc);
static void ngx_http_ai_gateway_probe_wake(ngx_http_request_t *r);
static ngx_int_t ngx_http_ai_gateway_probe_answer(ngx_http_request_t *r,
    ngx_http_ai_gateway_probe_t *pr);


static const char *const  ngx_http_ai_gateway_probe_types[] = {
    "openai", "azure", "anthropic", "gemini"
};


ngx_int_t
ngx_http_ai_gateway_probe(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    ngx_int_t                         rc;
    ngx_http_ai_gateway_probe_t      *pr;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    pr = ngx_pcalloc(r->pool, sizeof(ngx_http_ai_gateway_probe_t));
    if (pr == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_array_init(&pr->results, r->pool,
                       ngx_max(amcf->providers.nelts, 1),
                       sizeof(ngx_http_ai_gateway_probe_result_t))
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->probe = pr;

    /* request path, 3: our own write handler before the first subrequest */
    r->write_event_handler = ngx_http_ai_gateway_probe_wake;
    r->main->count++;

    rc = ngx_http_ai_gateway_probe_start(r, ctx, pr);
    if (rc != NGX_DONE) {
        ngx_http_finalize_request(r, rc);
    }

    return NGX_DONE;
}


/* The next provider's probe, or the answer: NGX_DONE or a final rc. */

static ngx_int_t
ngx_http_ai_gateway_probe_start(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_http_ai_gateway_probe_t *pr)
{
    u_char                           *p;
    size_t                            len;
    ngx_str_t                         uri;
    ngx_http_request_t               *sr;
    ngx_http_post_subrequest_t       *ps;
    ngx_http_ai_gateway_provider_t   *pv;
    ngx_http_ai_gateway_loc_conf_t   *alcf;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);
    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ai_gateway_module);

    if (pr->next >= amcf->providers.nelts) {
        return ngx_http_ai_gateway_probe_answer(r, pr);
    }

    pv = &((ngx_http_ai_gateway_provider_t *) amcf->providers.elts)[pr->next];

    pr->step.provider = pv;
    ctx->step = &pr->step;

    /* the model list: what every provider serves with the key alone */
    len = pv->url.len + sizeof("/openai/models?api-version=") - 1
          + pv->api_version.len;

    p = ngx_pnalloc(r->pool, len);
    uri.len = alcf->internal.len + pv->name.len;
    uri.data = ngx_pnalloc(r->pool, uri.len);
    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    if (p == NULL || uri.data == NULL || ps == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->upstream_url.data = p;
    p = ngx_cpymem(p, pv->url.data, pv->url.len);

    if (pv->type == NGX_HTTP_AI_GATEWAY_AZURE) {
        p = ngx_cpymem(p, "/openai/models?api-version=",
                       sizeof("/openai/models?api-version=") - 1);
        p = ngx_cpymem(p, pv->api_version.data, pv->api_version.len);

    } else {
        p = ngx_cpymem(p, "/models", sizeof("/models") - 1);
    }

    ctx->upstream_url.len = p - ctx->upstream_url.data;

    ngx_memcpy(ngx_cpymem(uri.data, alcf->internal.data, alcf->internal.len),
               pv->name.data, pv->name.len);

    ps->handler = ngx_http_ai_gateway_probe_done;
    ps->data = pr;

    if (ngx_http_subrequest(r, &uri, NULL, &sr, ps, 0) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the status is the answer: the list itself is never read */
    sr->method = NGX_HTTP_GET;
    ngx_str_set(&sr->method_name, "GET");
    sr->header_only = 1;
    sr->request_body = NULL;

    if (ngx_http_ai_gateway_upstream_headers(r, sr, ctx, 0) != NGX_OK) {
        ngx_str_null(&ctx->upstream_url);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    pr->sr = sr;
    pr->done = 0;
    pr->start = ngx_current_msec;

    return NGX_DONE;
}


/* request path, 4 and 5: record only, once. */

static ngx_int_t
ngx_http_ai_gateway_probe_done(ngx_http_request_t *sr, void *data,
    ngx_int_t rc)
{
    ngx_http_ai_gateway_probe_t *pr = data;

    ngx_http_upstream_state_t           *st;
    ngx_http_ai_gateway_probe_result_t  *res;

    if (pr->sr != sr || pr->done || rc == NGX_AGAIN) {
        return NGX_OK;
    }

    pr->done = 1;

    /* preallocated for every provider: never fails */
    res = ngx_array_push(&pr->results);
    if (res == NULL) {
        return NGX_OK;
    }

    res->provider = pr->step.provider;
    res->latency = ngx_current_msec - pr->start;

    /*
     * The proxy's state has the provider's status, or its own 502 or 504
     * for a refused connection or a timeout (request path, 6: then also
     * rc); a header time only when the provider sent a status line.
     */
    st = sr->upstream ? sr->upstream->state : NULL;

    res->status = (st && st->status) ? (ngx_int_t) st->status
                  : (rc >= NGX_HTTP_SPECIAL_RESPONSE ? rc
                                                     : NGX_HTTP_BAD_GATEWAY);
    res->answered = (st && st->header_time != (ngx_msec_t) -1);

    return NGX_OK;
}


static void
ngx_http_ai_gateway_probe_wake(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_http_ai_gateway_ctx_t    *ctx;
    ngx_http_ai_gateway_probe_t  *pr;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ai_gateway_module);
    pr = ctx->probe;

    if (!pr->done) {
        return;                 /* woken before the probe ended */
    }

    pr->next++;

    rc = ngx_http_ai_gateway_probe_start(r, ctx, pr);
    if (rc != NGX_DONE) {
        ngx_http_finalize_request(r, rc);
    }
}


/* Renders the outcomes. */

static ngx_int_t
ngx_http_ai_gateway_probe_answer(ngx_http_request_t *r,
    ngx_http_ai_gateway_probe_t *pr)
{
    int                                  ok, all;
    agw_jw_t                             w;
    agw_str_t                            name;
    agw_buf_t                            out = AGW_BUF_INIT;
    ngx_uint_t                           i;
    const char                          *type, *error;
    ngx_http_ai_gateway_provider_t      *pv;
    ngx_http_ai_gateway_probe_result_t  *res;

    /* "ok" comes first in the answer: all outcomes are looked at first */
    all = 1;
    res = pr->results.elts;

    for (i = 0; i < pr->results.nelts; i++) {
        all &= (res[i].status >= 200 && res[i].status < 300);
    }

    agw_jw_init(&w, &out);
    agw_jw_object(&w);
    agw_jw_key(&w, "ok");
    agw_jw_bool(&w, all);
    agw_jw_key(&w, "providers");
    agw_jw_array(&w);

    for (i = 0; i < pr->results.nelts; i++) {
        pv = res[i].provider;
        ok = (res[i].status >= 200 && res[i].status < 300);
        type = pv->type < sizeof(ngx_http_ai_gateway_probe_types)
                          / sizeof(ngx_http_ai_gateway_probe_types[0])
               ? ngx_http_ai_gateway_probe_types[pv->type] : "unknown";

        name = agw_str_bytes((const char *) pv->name.data, pv->name.len);

        agw_jw_object(&w);
        agw_jw_key(&w, "name");
        agw_jw_str(&w, &name);
        agw_jw_key(&w, "type");
        agw_jw_bytes(&w, type, ngx_strlen(type));
        agw_jw_key(&w, "ok");
        agw_jw_bool(&w, ok);
        agw_jw_key(&w, "status");
        agw_jw_int(&w, res[i].status);
        agw_jw_key(&w, "answered");
        agw_jw_bool(&w, res[i].answered);
        agw_jw_key(&w, "latency_ms");
        agw_jw_int(&w, res[i].latency);
        agw_jw_key(&w, "error");

        if (ok) {
            agw_jw_null(&w);

        } else {
            error = agw_event_error_class_name(
                        agw_error_class_of_status((int) res[i].status));
            agw_jw_bytes(&w, error, ngx_strlen(error));
        }

        agw_jw_object_end(&w);
    }

    agw_jw_array_end(&w);
    agw_jw_object_end(&w);

    /* 200 either way: the check ran; "ok" and each entry say how */
    return ngx_http_ai_gateway_send_written(r, NGX_HTTP_OK, &w);
}
