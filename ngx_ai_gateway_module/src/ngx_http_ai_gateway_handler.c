/*
 * ngx_http_ai_gateway_handler: the content phase and failover.
 *
 * The handler reads the body, resolves the model to a route, and runs the
 * route's steps one try at a time, each a POST subrequest to the internal
 * location that proxies to the provider (docs/request-path.md says why,
 * and lists the traps this follows as "request path, N").  The filters (_filter.c) see each try's
 * answer: a 2xx starts the client's response, anything else is kept aside.
 * When a try ends, its post-subrequest handler only records the outcome;
 * the main request's write handler, woken next, decides: finish, try the
 * next step, or answer with the last failure.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_json_reader.h"
#include "agw_engine.h"
#include "agw_policy.h"


static void ngx_http_ai_gateway_cleanup(void *data);
static void ngx_http_ai_gateway_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_ai_gateway_begin(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
static ngx_int_t ngx_http_ai_gateway_body_buffer(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
static ngx_int_t ngx_http_ai_gateway_read_body(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_ai_gateway_plan(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
static ngx_int_t ngx_http_ai_gateway_start_try(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
static ngx_int_t ngx_http_ai_gateway_count_request(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_str_t *out);
static ngx_int_t ngx_http_ai_gateway_count_answer(
    ngx_http_ai_gateway_ctx_t *ctx, agw_error_t *err);
static ngx_int_t ngx_http_ai_gateway_try_body(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_str_t *out, agw_body_refs_t *refs,
    agw_error_t *err);
static ngx_int_t ngx_http_ai_gateway_try_done(ngx_http_request_t *sr,
    void *data, ngx_int_t rc);
static agw_err_class_t ngx_http_ai_gateway_try_outcome(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_int_t rc);
static agw_err_class_t ngx_http_ai_gateway_stream_error_class(
    ngx_http_request_t *r, ngx_http_ai_gateway_ctx_t *ctx);
static ngx_uint_t ngx_http_ai_gateway_provider_failed(
    ngx_http_ai_gateway_ctx_t *ctx, agw_err_class_t cls);
static ngx_uint_t ngx_http_ai_gateway_reached(ngx_http_request_t *sr);
static void ngx_http_ai_gateway_wake(ngx_http_request_t *r);
static ngx_int_t ngx_http_ai_gateway_finish_ok(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
static ngx_int_t ngx_http_ai_gateway_finish_failed(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
static ngx_int_t ngx_http_ai_gateway_models(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
static ngx_int_t ngx_http_ai_gateway_health(ngx_http_request_t *r);


ngx_http_ai_gateway_ctx_t *
ngx_http_ai_gateway_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t              *cln;
    ngx_http_ai_gateway_ctx_t       *ctx;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ai_gateway_module);
    if (ctx) {
        return ctx;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_ai_gateway_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    if (ngx_array_init(&ctx->attempts, r->pool, 2,
                       sizeof(ngx_http_ai_gateway_attempt_t))
        != NGX_OK)
    {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_ai_gateway_cleanup;
    cln->data = ctx;

    agw_usage_init(&ctx->usage);
    ctx->start = ngx_current_msec;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ai_gateway_module);
    ngx_http_ai_gateway_endpoint(r, alcf, ctx);

    ngx_http_set_ctx(r, ctx, ngx_http_ai_gateway_module);

    return ctx;
}


/* The translator's memory is malloc'd: give it back with the request. */

static void
ngx_http_ai_gateway_cleanup(void *data)
{
    ngx_http_ai_gateway_ctx_t  *ctx = data;

    if (ctx->stream) {
        agw_engine_stream_free(ctx->stream);
        ctx->stream = NULL;
    }

    agw_buf_free(&ctx->out);
    agw_buf_free(&ctx->resp);
}


ngx_int_t
ngx_http_ai_gateway_content_handler(ngx_http_request_t *r)
{
    ngx_int_t                   rc;
    ngx_http_ai_gateway_ctx_t  *ctx;

    if (r != r->main) {
        return NGX_HTTP_NOT_FOUND;
    }

    ctx = ngx_http_ai_gateway_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (ctx->endpoint) {

    case NGX_HTTP_AI_GATEWAY_EP_HEALTH:
    case NGX_HTTP_AI_GATEWAY_EP_MODELS:
        if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
            break;
        }

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_HEALTH
               ? ngx_http_ai_gateway_health(r)
               : ngx_http_ai_gateway_models(r, ctx);

    case NGX_HTTP_AI_GATEWAY_EP_PROBE:
        if (r->method != NGX_HTTP_GET) {
            break;
        }

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_ai_gateway_probe(r, ctx);

    case NGX_HTTP_AI_GATEWAY_EP_NONE:
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_ai_gateway_send_error(r, ctx->client,
                   AGW_ERR_NOT_FOUND, 0, "unknown_url",
                   "Unknown request URL: %.*s %.*s",
                   (int) r->method_name.len, r->method_name.data,
                   (int) ngx_min(r->uri.len, 200), r->uri.data);

    default:
        if (r->method == NGX_HTTP_POST) {
            r->request_body_in_single_buf = 1;

            if (ngx_http_ai_gateway_body_buffer(r, ctx) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            rc = ngx_http_read_client_request_body(r,
                                          ngx_http_ai_gateway_body_handler);
            if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
                if (ctx->header_in) {
                    r->header_in = ctx->header_in;
                }

                return rc;
            }

            return NGX_DONE;
        }
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_ai_gateway_send_error(r, ctx->client,
               AGW_ERR_INVALID_REQUEST, NGX_HTTP_NOT_ALLOWED,
               "method_not_allowed", "Method %.*s is not allowed here",
               (int) r->method_name.len, r->method_name.data);
}


static void
ngx_http_ai_gateway_body_handler(ngx_http_request_t *r)
{
    ngx_int_t                   rc;
    ngx_http_ai_gateway_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ai_gateway_module);

    /*
     * nginx's header buffer back, before anything can end the request: a
     * keep-alive connection looks at r->header_in for a pipelined request
     * after the request's pool, where ours was, is gone.  Its bytes were
     * all taken (ngx_http_ai_gateway_body_buffer()).  A read that fails
     * later ends the request without this handler, but closes the
     * connection (a timeout, a client that left).
     */
    if (ctx->header_in) {
        r->header_in = ctx->header_in;
    }

    rc = ngx_http_ai_gateway_begin(r, ctx);

    if (rc != NGX_DONE) {
        ctx->finished = 1;
        ngx_http_finalize_request(r, rc);
    }
}


/*
 * The members of a client body the gateway reads itself.  Each must be
 * there once, spelled plainly (agw_request_index() says which is not):
 * the gateway checks the key's allow-list on one "model" and forwards the
 * body, and a provider reading another one (the first of two, or
 * "mod\u0065l") would serve a model never checked, or stream when the
 * gateway expects a whole answer.
 */

typedef struct {
    agw_str_t          model;
    int                model_type;        /* AGW_JR_*, 0: none */
    unsigned           stream:1;
    unsigned           include_usage:1;
} ngx_http_ai_gateway_req_scan_t;


/*
 * One pass of the JSON reader validates the whole body (grammar, UTF-8,
 * nesting) and finds the members the gateway needs (ctx->index), without
 * building anything: the engine reads the rest per try, and a rewrite for
 * a provider of the client's dialect edits the body at the places found
 * here instead of walking it again.  NGX_ERROR with *errpos when the body
 * is not a JSON object.
 */

static ngx_int_t
ngx_http_ai_gateway_scan(ngx_str_t *body, agw_req_index_t *ix,
    ngx_http_ai_gateway_req_scan_t *req, size_t *errpos)
{
    int        rc, t, v;
    agw_jr_t   jr;
    agw_str_t  key;

    rc = agw_request_index((char *) body->data, body->len, ix, errpos);

    if (rc == 1) {
        *errpos = ix->open;
    }

    if (rc != 0) {
        return NGX_ERROR;
    }

    /* values the walk validated: read again, a few bytes each */

    req->model_type = ix->model.type;

    if (ix->model.type == AGW_JR_STRING) {
        agw_jr_init(&jr, (char *) body->data + ix->model.value,
                    ix->model.end - ix->model.value);
        (void) agw_jr_string(&jr, &req->model);
    }

    req->stream = (ix->stream.type == AGW_JR_TRUE);

    if (ix->stream_options.type != AGW_JR_OBJECT) {
        return NGX_OK;
    }

    agw_jr_init(&jr, (char *) body->data + ix->stream_options.value,
                ix->stream_options.end - ix->stream_options.value);

    if (agw_jr_object(&jr) != 0) {
        return NGX_OK;
    }

    while ((rc = agw_jr_member(&jr, &key)) == 1) {
        t = agw_jr_peek(&jr);

        if (agw_str_is(&key, "include_usage")
            && (t == AGW_JR_TRUE || t == AGW_JR_FALSE))
        {
            rc = agw_jr_bool(&jr, &v);
            req->include_usage = (v != 0);

        } else {
            rc = agw_jr_value(&jr, NULL);
        }

        if (rc != 0) {
            break;
        }
    }

    return NGX_OK;
}


/*
 * Validates the request, picks the route and starts the first try.
 * Returns NGX_DONE once a try runs, otherwise what answering returned.
 */

static ngx_int_t
ngx_http_ai_gateway_begin(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    int                               n;
    size_t                            errpos;
    ngx_str_t                         arg, model;
    ngx_http_ai_gateway_req_scan_t    req;
    ngx_http_ai_gateway_route_t      *rt;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    if (ngx_http_ai_gateway_read_body(r, &ctx->body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->body.len == 0) {
        return ngx_http_ai_gateway_send_error(r, ctx->client,
                   AGW_ERR_INVALID_REQUEST, 0, "invalid_json",
                   "The request body is empty; expected a JSON object");
    }

    ngx_memzero(&req, sizeof(req));

    if (ngx_http_ai_gateway_scan(&ctx->body, &ctx->index, &req, &errpos)
        != NGX_OK)
    {
        return ngx_http_ai_gateway_send_error(r, ctx->client,
                   AGW_ERR_INVALID_REQUEST, 0, "invalid_json",
                   "The request body is not a valid JSON object (at byte "
                   "%lu)", (unsigned long) errpos);
    }

    if (ctx->index.twice && ctx->client != AGW_DIALECT_GEMINI) {
        return ngx_http_ai_gateway_send_error(r, ctx->client,
                   AGW_ERR_INVALID_REQUEST, 0, "invalid_request",
                   ctx->index.twice_escaped
                   ? "\"%s\" must be written without escapes"
                   : "The request body has \"%s\" more than once",
                   ctx->index.twice);
    }

    if (ctx->client != AGW_DIALECT_GEMINI) {
        if (req.model_type == 0 && ctx->policy != NULL
            && ctx->policy->default_model != NULL)
        {
            /* none named: the key's default model, routed and checked
             * as if the client had named it (docs/key-policy.md) */
            req.model = agw_str_bytes(ctx->policy->default_model,
                                      ngx_strlen(ctx->policy->default_model));
            req.model_type = AGW_JR_STRING;
        }

        if (req.model_type != AGW_JR_STRING) {
            return ngx_http_ai_gateway_send_error(r, ctx->client,
                       AGW_ERR_INVALID_REQUEST, 0, "invalid_model",
                       req.model_type ? "\"model\" must be a string"
                                      : "The request has no \"model\"");
        }

        /* decoding never lengthens a string */
        model.data = ngx_pnalloc(r->pool, req.model.len + 1);
        if (model.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        n = agw_str_decode(&req.model, (char *) model.data,
                           req.model.len + 1);
        if (n < 0) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        model.len = n;

        ctx->stream_req = req.stream;
        ctx->include_usage = req.include_usage;

    } else {
        model = ctx->model;
        ctx->stream_req =
            (ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_STREAM_GENERATE);

        if (ctx->stream_req
            && (ngx_http_arg(r, (u_char *) "alt", 3, &arg) != NGX_OK
                || arg.len != 3 || ngx_strncmp(arg.data, "sse", 3) != 0))
        {
            return ngx_http_ai_gateway_send_error(r, ctx->client,
                       AGW_ERR_INVALID_REQUEST, 0, NULL,
                       "streamGenerateContent is served with alt=sse "
                       "only");
        }
    }

    /* the model ends up in URLs, headers, logs and events (for Gemini
       the URL's was kept only if valid) */
    if (!ngx_http_ai_gateway_client_name(&model)) {
        return ngx_http_ai_gateway_send_error(r, ctx->client,
                   AGW_ERR_INVALID_REQUEST, 0, "invalid_model",
                   "\"model\" must be 1 to 255 printable characters, in "
                   "UTF-8");
    }

    ctx->model = model;

    if (!ngx_http_ai_gateway_model_allowed(r, ctx)) {
        return ngx_http_ai_gateway_send_error(r, ctx->client,
                   AGW_ERR_PERMISSION, 0, "model_not_allowed",
                   "This API key may not use the model `%.*s`.",
                   (int) ctx->model.len, ctx->model.data);
    }

    rt = amcf->routes.elts;
    for (n = 0; n < (int) amcf->routes.nelts; n++) {
        if (rt[n].model.len == ctx->model.len
            && ngx_strncmp(rt[n].model.data, ctx->model.data,
                           ctx->model.len) == 0)
        {
            ctx->route = &rt[n];
            break;
        }
    }

    if (ctx->route == NULL) {
        ctx->route = amcf->default_route;
    }

    if (ctx->route == NULL) {
        return ngx_http_ai_gateway_send_error(r, ctx->client,
                   AGW_ERR_NOT_FOUND, 0, "model_not_found",
                   "The model `%.*s` does not exist or you do not have "
                   "access to it.", (int) ctx->model.len, ctx->model.data);
    }

    if (ngx_http_ai_gateway_plan(r, ctx) != NGX_OK) {
        return ngx_http_ai_gateway_send_error(r, ctx->client,
                   AGW_ERR_INVALID_REQUEST, 0, "unsupported_endpoint",
                   "No provider of the model `%.*s` serves %.*s",
                   (int) ctx->model.len, ctx->model.data,
                   (int) ngx_min(r->uri.len, 200), r->uri.data);
    }

    /* request path, 3: the phase runner must not run us again */
    r->write_event_handler = ngx_http_ai_gateway_wake;

    return ngx_http_ai_gateway_start_try(r, ctx);
}


/*
 * One buffer for the whole body, sized by its Content-Length, that the
 * bytes which came with the headers start.  nginx 1.22 reads the rest of
 * a body into a buffer of its own, the first bytes left in the header
 * buffer, and an agent's 85 KB had to be moved to join them; nginx reads
 * a body into the header buffer itself when the rest fits there, so the
 * request reads on from a header buffer made for the body: the bytes
 * read so far copied (less than a header buffer), the request's headers
 * left where they are.  Only for a body nginx would keep in one buffer
 * of memory (HTTP/1.x with a Content-Length that client_body_buffer_size
 * holds, not client_body_in_file_only); the old header buffer is marked
 * read, as nginx marks it when it takes the body from it, and nginx reads
 * no pipelined request from it while a body is still to come.  It is the
 * request's header buffer again once the body is read (the body handler).
 */

static ngx_int_t
ngx_http_ai_gateway_body_buffer(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    off_t                      len, size;
    size_t                     preread;
    ngx_buf_t                 *b;
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    len = r->headers_in.content_length_n;
    preread = r->header_in->last - r->header_in->pos;

    /* as nginx sizes the buffer of a body it keeps in memory */
    size = clcf->client_body_buffer_size;
    size += size >> 2;

    if (len <= 0 || preread == 0 || (off_t) preread >= len
#if (NGX_HTTP_V2)
        || r->stream
#endif
        || r->headers_in.chunked || r->request_body
        || r->request_body_in_file_only
        || len - (off_t) preread >= size
        || len - (off_t) preread
           <= (off_t) (r->header_in->end - r->header_in->last))
    {
        return NGX_OK;
    }

    b = ngx_create_temp_buf(r->pool, (size_t) len);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last = ngx_cpymem(b->pos, r->header_in->pos, preread);

    r->header_in->pos = r->header_in->last;
    ctx->header_in = r->header_in;
    r->header_in = b;

    return NGX_OK;
}


static ngx_int_t
ngx_http_ai_gateway_read_body(ngx_http_request_t *r, ngx_str_t *body)
{
    off_t         len;
    u_char       *p;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    ngx_str_null(body);

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    /* in one run of memory, in as many pieces as reads: one buffer of
     * nginx's, or the one ngx_http_ai_gateway_body_buffer() gave it */
    cl = r->request_body->bufs;
    p = cl->buf->pos;

    for ( /* void */ ; cl; cl = cl->next) {
        if (cl->buf->in_file || cl->buf->pos != p) {
            break;
        }

        p = cl->buf->last;
    }

    if (cl == NULL) {
        body->data = r->request_body->bufs->buf->pos;
        body->len = p - body->data;
        return NGX_OK;
    }

    len = 0;
    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    if (len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    body->data = p;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            /* client_body_buffer_size was smaller than the body */
            n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                              b->file_pos);
            if (n != b->file_last - b->file_pos) {
                return NGX_ERROR;
            }

            p += n;

        } else {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
        }
    }

    body->len = p - body->data;

    return NGX_OK;
}


/*
 * The dialect a try speaks to its provider: the provider type's, but for
 * the Responses API, which an OpenAI provider speaks itself unless it is
 * declared api=chat; any other provider serves a Responses client through
 * its own chat API.
 */

agw_dialect_t
ngx_http_ai_gateway_try_dialect(ngx_http_ai_gateway_ctx_t *ctx,
    ngx_http_ai_gateway_provider_t *pv)
{
    if (ctx->client == AGW_DIALECT_RESPONSES
        && pv->dialect == AGW_DIALECT_OPENAI
        && !pv->chat_only)
    {
        return AGW_DIALECT_RESPONSES;
    }

    return pv->dialect;
}


static ngx_uint_t
ngx_http_ai_gateway_step_serves(ngx_http_ai_gateway_ctx_t *ctx,
    ngx_http_ai_gateway_step_t *step)
{
    if (step->provider->weight == 0) {
        return 0;
    }

    switch (ctx->endpoint) {
    case NGX_HTTP_AI_GATEWAY_EP_COMPLETIONS:
    case NGX_HTTP_AI_GATEWAY_EP_EMBEDDINGS:
        return step->provider->dialect == AGW_DIALECT_OPENAI;

    case NGX_HTTP_AI_GATEWAY_EP_RESPONSES:
        return agw_engine_supported(ctx->client,
                   ngx_http_ai_gateway_try_dialect(ctx, step->provider),
                   ctx->stream_req);

    case NGX_HTTP_AI_GATEWAY_EP_COUNT_TOKENS:
        /* OpenAI's chat API has nothing that counts a request */
        return step->provider->dialect != AGW_DIALECT_OPENAI;

    default:
        return 1;
    }
}


/*
 * The order of tries.  An unweighted route tries its steps as written; a
 * weighted one draws the first try by step weight times provider weight,
 * then the rest follow as written.  Steps cooling down are skipped; if
 * every step is cooling down they are all tried, in order, since a try
 * that may fail beats a certain error.
 */

static ngx_int_t
ngx_http_ai_gateway_plan(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    ngx_uint_t                   i, n, total, pick, first, w;
    ngx_uint_t                   healthy[NGX_HTTP_AI_GATEWAY_MAX_STEPS];
    ngx_http_ai_gateway_step_t  *step;

    step = ctx->route->steps.elts;
    n = ctx->route->steps.nelts;
    total = 0;
    first = n;

    for (i = 0; i < n; i++) {
        healthy[i] = ngx_http_ai_gateway_step_serves(ctx, &step[i])
                     && ngx_http_ai_gateway_health_usable(r,
                                                          step[i].provider);
        if (!healthy[i]) {
            continue;
        }

        if (first == n) {
            first = i;
        }

        total += step[i].weight * step[i].provider->weight;
    }

    ctx->nsteps = 0;

    if (first < n) {
        if (ctx->route->weighted && total) {
            pick = (ngx_uint_t) ngx_random() % total;

            for (i = 0; i < n; i++) {
                w = healthy[i] ? step[i].weight * step[i].provider->weight
                               : 0;
                if (pick < w) {
                    first = i;
                    break;
                }

                pick -= w;
            }
        }

        ctx->order[ctx->nsteps++] = first;

        for (i = 0; i < n; i++) {
            if (healthy[i] && i != first) {
                ctx->order[ctx->nsteps++] = i;
            }
        }

        return NGX_OK;
    }

    for (i = 0; i < n; i++) {
        if (ngx_http_ai_gateway_step_serves(ctx, &step[i])) {
            ctx->order[ctx->nsteps++] = i;
        }
    }

    return ctx->nsteps ? NGX_OK : NGX_DECLINED;
}


static ngx_int_t
ngx_http_ai_gateway_start_try(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    size_t                           len;
    ngx_int_t                        rc;
    ngx_str_t                        uri, body, prev_model;
    agw_error_t                      err, refused;
    agw_body_refs_t                  refs;
    ngx_http_request_t              *sr;
    ngx_http_request_body_t         *rb;
    ngx_http_post_subrequest_t      *ps;
    ngx_uint_t                       over;
    agw_limit_verdict_t              capped;
    ngx_http_ai_gateway_step_t      *steps, *prev;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ai_gateway_module);

    over = 0;
    prev = ctx->step;
    prev_model = ctx->upstream_model;
    steps = ctx->route->steps.elts;
    refused.cls = AGW_ERR_NONE;

    /*
     * Everything that can refuse or fail comes before the subrequest: once
     * made, it is posted and runs, and an answered request must never
     * reach a provider (it would carry the parent's body and headers).
     * A step whose dialect cannot take this body is passed over, as one
     * cooling down is: it is no try, and the next step may serve it.
     */
    for ( ;; ) {
        ctx->step = &steps[ctx->order[ctx->next++]];
        ctx->upstream_model = ctx->step->model.len ? ctx->step->model
                                                   : ctx->model;
        ctx->pdialect = ngx_http_ai_gateway_try_dialect(ctx,
                                                        ctx->step->provider);

        rc = ngx_http_ai_gateway_try_body(r, ctx, &body, &refs, &err);

        if (rc == NGX_OK) {
            /* the body written gives the request's output cap: the key
             * and the route admit it, once, reserving its worst case */
            rc = ngx_http_ai_gateway_limits_admit(r, ctx);
            if (rc != NGX_DECLINED) {
                return rc;
            }

            /* a provider over its rpm=/tpm= is passed over as one
             * cooling down is (logged there) */
            if (ngx_http_ai_gateway_limits_step(r, ctx, &capped) == NGX_OK) {
                rc = NGX_OK;
                break;
            }

            over = 1;

        } else if (rc != NGX_DECLINED) {
            break;

        } else {
            if (ngx_strcmp(err.code, AGW_POLICY_REFUSED) == 0) {
                /* the key's cap: what the client asked, whatever the
                 * step */
                return ngx_http_ai_gateway_send_error(r, ctx->client,
                                                      err.cls, err.status,
                                                      err.code, "%s",
                                                      err.message);
            }

            /* the client's doing, as nginx logs a client's bad request */
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "ai_gateway: provider \"%V\" skipped, the "
                          "request cannot be put in its dialect: %s",
                          &ctx->step->provider->name, err.message);

            if (refused.cls == AGW_ERR_NONE) {
                refused = err;
            }
        }

        if (ctx->next < ctx->nsteps) {
            continue;
        }

        /* no step left: the log and the event are the last try's */
        ctx->step = prev;
        ctx->upstream_model = prev_model;

        if (prev) {
            /* a provider failed before: that is what the client learns */
            return ngx_http_ai_gateway_finish_failed(r, ctx);
        }

        if (refused.cls == AGW_ERR_NONE && over) {
            /* every provider that could take it is over its caps */
            return ngx_http_ai_gateway_limits_refuse(r, ctx, &capped);
        }

        /* no step could take the body: why the first one could not */
        return ngx_http_ai_gateway_send_error(r, ctx->client, refused.cls,
                                              refused.status,
                                              refused.code[0]
                                              ? refused.code : NULL,
                                              "%s", refused.message);
    }

    if (rc != NGX_OK) {
        return rc;
    }

    /* the last try's answer was needed until this one was sure to start */
    ctx->try_failed = 0;
    ctx->try_done = 0;
    ctx->try_ok = 0;
    ctx->try_answered = 0;
    ctx->got_last = 0;
    ctx->try_cut = 0;
    ctx->try_status = 0;
    ctx->try_rc = 0;
    agw_buf_reset(&ctx->resp);

    if (ctx->stream) {
        agw_engine_stream_free(ctx->stream);
        ctx->stream = NULL;
    }

    if (ngx_http_ai_gateway_upstream_url(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    uri.len = alcf->internal.len + ctx->step->provider->name.len;
    uri.data = ngx_pnalloc(r->pool, uri.len);
    if (uri.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ngx_cpymem(uri.data, alcf->internal.data, alcf->internal.len),
               ctx->step->provider->name.data,
               ctx->step->provider->name.len);

    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    rb = ngx_http_ai_gateway_upstream_body(r, &body, &refs, &len);
    if (ps == NULL || rb == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ps->handler = ngx_http_ai_gateway_try_done;
    ps->data = ctx;

    if (ngx_http_subrequest(r, &uri, NULL, &sr, ps, 0) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* request path, 1: a subrequest is a GET sharing our body */
    sr->method = NGX_HTTP_POST;
    ngx_str_set(&sr->method_name, "POST");
    sr->header_only = 0;

    sr->request_body = rb;

    if (ngx_http_ai_gateway_upstream_headers(r, sr, ctx, len)
        != NGX_OK)
    {
        /*
         * Out of memory with the subrequest posted: no URL makes its
         * proxy_pass fail before it connects, with whatever headers it
         * holds; its end is not this try's (ctx->sr is not set).
         */
        ngx_str_null(&ctx->upstream_url);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->sr = sr;
    ctx->try_start = ngx_current_msec;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "ai_gateway try %ui: provider \"%V\" model \"%V\"",
                   ctx->attempts.nelts + 1, &ctx->step->provider->name,
                   &ctx->upstream_model);

    return NGX_DONE;
}


/*
 * The try's body in r->pool, taken from the engine's buffer.  A body too
 * large for the pool's blocks is not copied: the buffer itself (malloc'd,
 * agw_buf.h) joins the pool's large allocations, as ngx_pmemalign() links
 * its own, so that the filter's ngx_pfree() gives it back once the
 * provider has it, and the pool's end otherwise (an agent's 85 KB body
 * was copied once more here).
 */

static ngx_int_t
ngx_http_ai_gateway_pool_copy(ngx_http_request_t *r, agw_buf_t *b,
    ngx_str_t *out)
{
    ngx_pool_large_t  *large;

    out->len = b->len;

    if (b->len > r->pool->max) {
        large = ngx_palloc(r->pool, sizeof(ngx_pool_large_t));
        if (large == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        large->alloc = b->data;
        large->next = r->pool->large;
        r->pool->large = large;

        out->data = (u_char *) b->data;
        b->data = NULL;
        b->len = 0;
        b->cap = 0;

        return NGX_OK;
    }

    out->data = ngx_pnalloc(r->pool, b->len);
    if (out->data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(out->data, b->data, b->len);
    agw_buf_reset(b);

    return NGX_OK;
}


/*
 * The body of this try, in the provider's dialect, in r->pool: out, with
 * the runs of the client's body listed in refs between its bytes (a
 * rewrite's runs of the client's dialect, or a translation's long
 * strings, left in ctx->body instead of copied).  Answers nothing
 * itself: NGX_DECLINED means the client's body cannot be sent to this
 * provider, with why in err, for the caller to answer; any other value
 * but NGX_OK is a status to end the request with.
 */

static ngx_int_t
ngx_http_ai_gateway_try_body(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_str_t *out, agw_body_refs_t *refs,
    agw_error_t *err)
{
    size_t                            size;
    int64_t                           cap;
    agw_request_ctx_t                 rq;
    ngx_http_ai_gateway_provider_t   *pv;
    ngx_http_ai_gateway_loc_conf_t   *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ai_gateway_module);
    pv = ctx->step->provider;

    ngx_memzero(&rq, sizeof(agw_request_ctx_t));
    ngx_memzero(err, sizeof(agw_error_t));
    rq.model = agw_str_bytes((char *) ctx->upstream_model.data,
                             ctx->upstream_model.len);
    rq.stream = ctx->stream_req;
    rq.default_max_tokens = (pv->max_tokens != NGX_CONF_UNSET)
                            ? pv->max_tokens : alcf->max_tokens;
    rq.client = ctx->client;
    rq.index = &ctx->index;

    /* ctx->body lives as long as the request: runs of it need no copy,
     * a rewrite's or a translation's (a Gemini countTokens body is read
     * back below, whole) */
    refs->n = 0;

    if (!(ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_COUNT_TOKENS
          && ctx->pdialect == AGW_DIALECT_GEMINI))
    {
        refs->body = (char *) ctx->body.data;
        refs->len = ctx->body.len;
        refs->min = (ctx->pdialect == ctx->client)
                    ? NGX_HTTP_AI_GATEWAY_BODY_RUN
                    : NGX_HTTP_AI_GATEWAY_STRING_RUN;
        rq.refs = refs;
    }

    /* the key's policy (docs/key-policy.md): nothing for embeddings,
     * which neither follow a prompt nor make output; no cap for
     * count_tokens, which Anthropic refuses max_tokens in */
    cap = 0;
    rq.output_cap = &cap;

    if (ctx->policy != NULL
        && ctx->endpoint != NGX_HTTP_AI_GATEWAY_EP_EMBEDDINGS)
    {
        if (ctx->policy->system_prompt != NULL) {
            rq.policy.system_prompt = agw_str_bytes(
                                          ctx->policy->system_prompt,
                                          ctx->policy->system_prompt_len);
        }

        if (ctx->endpoint != NGX_HTTP_AI_GATEWAY_EP_COUNT_TOKENS) {
            rq.policy.max_output = (int64_t) ctx->policy->max_output_tokens;
            rq.policy.refuse = ctx->policy->max_output_refuse;
        }
    }

    agw_buf_reset(&ctx->out);

    /* about the client's size in any dialect: one allocation, not a
     * doubling and a copy per power of two; a rewrite that lists the
     * client's runs writes its edits only, and the buffer stays with the
     * request (the rewrite is the engine's way when both sides speak the
     * client's dialect and no policy edits the body) */
    size = ctx->body.len + ctx->body.len / 8 + 1024;

    if (rq.refs != NULL && ctx->pdialect == ctx->client
        && !agw_policy_any(&rq))
    {
        size = 1024;
    }

    if (agw_buf_reserve(&ctx->out, size) != 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the engine picks the way: the dialect's rewrite of the bytes when
     * both sides speak it, else a translation through its form */
    if (agw_engine_request(ctx->client, ctx->pdialect,
                           (char *) ctx->body.data, ctx->body.len, &rq,
                           &ctx->out, err)
        != 0)
    {
        return (err->cls == AGW_ERR_NONE) ? NGX_HTTP_INTERNAL_SERVER_ERROR
                                          : NGX_DECLINED;
    }

    /* what this try's body lets the provider write, for reservations */
    ctx->max_output_tokens = (uint64_t) cap;

    if (ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_COUNT_TOKENS
        && ctx->pdialect == AGW_DIALECT_GEMINI)
    {
        return ngx_http_ai_gateway_count_request(r, ctx, out);
    }

    return ngx_http_ai_gateway_pool_copy(r, &ctx->out, out);
}


/*
 * Anthropic's count_tokens for a Gemini provider: the request translated
 * as for generateContent (in ctx->out) becomes Gemini countTokens'
 * generateContentRequest, which counts the system instruction and the
 * tools too, and needs the model in it.
 */

static ngx_int_t
ngx_http_ai_gateway_count_request(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_str_t *out)
{
    u_char     *p;
    size_t      len;
    agw_jw_t    jw;
    agw_buf_t   b = AGW_BUF_INIT;
    ngx_int_t   rc;

    len = ctx->upstream_model.len;

    p = ngx_pnalloc(r->pool, sizeof("models/") - 1 + len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ngx_cpymem(p, "models/", sizeof("models/") - 1),
               ctx->upstream_model.data, len);
    len += sizeof("models/") - 1;

    /* ctx->out is one JSON object, "{}" at the least: its members go
     * into generateContentRequest after the model */
    if (ctx->out.len < 2) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    agw_jw_init(&jw, &b);
    agw_jw_object(&jw);
    agw_jw_key(&jw, "generateContentRequest");
    agw_jw_object(&jw);
    agw_jw_key(&jw, "model");
    agw_jw_bytes(&jw, (char *) p, len);

    if (ctx->out.len > 2) {
        agw_jw_append(&jw, ",", 1);
    }

    agw_jw_append(&jw, ctx->out.data + 1, ctx->out.len - 1);
    agw_jw_append(&jw, "}", 1);

    if (jw.failed) {
        agw_buf_free(&b);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_ai_gateway_pool_copy(r, &b, out);
    agw_buf_free(&b);
    agw_buf_reset(&ctx->out);

    return rc;
}


/* Gemini's {"totalTokens": N, ...} as Anthropic's {"input_tokens": N}. */

static ngx_int_t
ngx_http_ai_gateway_count_answer(ngx_http_ai_gateway_ctx_t *ctx,
    agw_error_t *err)
{
    int        rc;
    int64_t    n;
    agw_jr_t   jr;
    agw_jw_t   jw;
    agw_str_t  key;

    n = -1;
    agw_jr_init(&jr, ctx->resp.data ? ctx->resp.data : "", ctx->resp.len);

    if (agw_jr_object(&jr) == 0) {
        while ((rc = agw_jr_member(&jr, &key)) == 1) {
            rc = (agw_str_is(&key, "totalTokens")
                  && agw_jr_peek(&jr) == AGW_JR_NUMBER)
                 ? agw_jr_int(&jr, &n) : agw_jr_value(&jr, NULL);

            if (rc != 0) {
                n = -1;
                break;
            }
        }
    }

    if (n < 0 || agw_jr_end(&jr) != 0) {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, NULL,
                      "the answer holds no totalTokens");
        return -1;
    }

    agw_jw_init(&jw, &ctx->out);
    agw_jw_object(&jw);
    agw_jw_key(&jw, "input_tokens");
    agw_jw_int(&jw, n);
    agw_jw_object_end(&jw);

    return jw.failed ? -2 : 0;
}


/*
 * A try ended.  Only record what happened (request path, 4: starting
 * the next try from here would queue it behind this one); the main request
 * is woken next and decides.  Called more than once for one subrequest at
 * times (request path, 5): idempotent.  Returning NGX_OK keeps nginx's
 * error page of a failed try from reaching the client; after a client
 * abort, 499 ends the request the way the proxy module ends its own (the
 * log shows 499 when nothing was sent yet).
 */

static ngx_int_t
ngx_http_ai_gateway_try_done(ngx_http_request_t *sr, void *data,
    ngx_int_t rc)
{
    ngx_http_ai_gateway_ctx_t *ctx = data;

    ngx_uint_t                      i, failed;
    agw_err_class_t                 cls;
    ngx_http_request_t             *r;
    ngx_http_upstream_state_t      *st, *dst;
    ngx_http_ai_gateway_attempt_t  *a;

    if (ctx->sr != sr || ctx->try_done) {
        return NGX_OK;
    }

    if (rc == NGX_AGAIN) {
        /* a filter still holds the try's output (the copy filter reading
         * a temp file for a slow client): called again once it is sent */
        return NGX_OK;
    }

    r = sr->main;
    ctx->try_done = 1;

    if (!ctx->try_ok) {
        /* connect errors and timeouts never reach the header filter */
        if (ctx->try_status == 0 && rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            ctx->try_status = rc;

        } else if (ctx->try_status == 0) {
            ctx->try_status = NGX_HTTP_BAD_GATEWAY;
        }
    }

    cls = ngx_http_ai_gateway_try_outcome(r, ctx, rc);

    a = ngx_array_push(&ctx->attempts);
    if (a) {
        a->provider = ctx->step->provider;
        a->status = ctx->try_status;
        a->cls = cls;
        a->start = ctx->try_start - ctx->start;
        a->ms = ngx_current_msec - ctx->try_start;
    }

    if (ctx->try_cut) {
        /* from here on, the status the client would get if this was the
         * last step: the proxy's own for an answer it could not finish */
        ctx->try_status = (cls == AGW_ERR_TIMEOUT) ? NGX_HTTP_GATEWAY_TIME_OUT
                                                   : NGX_HTTP_BAD_GATEWAY;
    }

    if (ctx->client_closed) {
        if (ctx->try_ok) {
            /* the provider was answering well when the client left */
            ngx_http_ai_gateway_health_record(r, ctx->step->provider,
                                              ctx->try_status, 0);
        }

    } else if (!ctx->try_ok && !ngx_http_ai_gateway_reached(sr)) {
        /* not the provider's failure: no cool-down for it */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: the internal location answered \"%V\" "
                      "with %i without a request to provider \"%V\"",
                      &sr->uri, ctx->try_status, &ctx->step->provider->name);

    } else {
        failed = ngx_http_ai_gateway_provider_failed(ctx, cls);

        /* a stream that failed after its 200 shows as what ended it */
        ngx_http_ai_gateway_health_record(r, ctx->step->provider,
                                          failed && ctx->try_ok
                                          ? agw_error_status(cls)
                                          : ctx->try_status, failed);
    }

    /* request path, 11: $upstream_* of the main request show every try */
    if (sr->upstream_states && sr->upstream_states->nelts) {
        if (r->upstream_states == NULL) {
            r->upstream_states = ngx_array_create(r->pool, 2,
                                           sizeof(ngx_http_upstream_state_t));
        }

        if (r->upstream_states) {
            st = sr->upstream_states->elts;
            for (i = 0; i < sr->upstream_states->nelts; i++) {
                dst = ngx_array_push(r->upstream_states);
                if (dst) {
                    *dst = st[i];
                }
            }
        }
    }

    if (ctx->client_closed) {
        ctx->status = NGX_HTTP_CLIENT_CLOSED_REQUEST;
        return NGX_HTTP_CLIENT_CLOSED_REQUEST;
    }

    if (ctx->try_cut || (ctx->try_ok && !ctx->got_last)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: provider \"%V\" ended its response "
                      "early (%s)", &ctx->step->provider->name,
                      cls == AGW_ERR_TIMEOUT ? "timeout" : "connection "
                                                           "closed");
    }

    /* nothing has reached the client yet: the next step may answer */
    if (!ctx->try_ok
        && (ctx->try_status == NGX_HTTP_TOO_MANY_REQUESTS
            || ctx->try_status >= NGX_HTTP_INTERNAL_SERVER_ERROR))
    {
        ctx->try_failed = 1;
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "ai_gateway: provider \"%V\" failed with %i on try "
                      "%ui of %ui", &ctx->step->provider->name,
                      ctx->try_status, ctx->next, ctx->nsteps);
    }

    return NGX_OK;
}


/*
 * How a try ended, as an error class (AGW_ERR_NONE: well).  A client gone
 * (closed, reset, or too slow to read within send_timeout) is nobody
 * else's failure.  A 2xx cut before its end is the provider's: when it was
 * a whole answer, nothing reached the client and the try counts as failed,
 * so that the next step is tried.
 */

static agw_err_class_t
ngx_http_ai_gateway_try_outcome(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_int_t rc)
{
    ngx_connection_t  *c;

    c = r->connection;

    if (c->error || c->timedout || rc == NGX_HTTP_CLIENT_CLOSED_REQUEST) {
        ctx->client_closed = 1;
        return AGW_ERR_CLIENT_CLOSED;
    }

    if (!ctx->try_ok) {
        return agw_error_class_of_status((int) ctx->try_status);
    }

    if (!ctx->got_last) {
        if (!ctx->header_sent) {
            ctx->try_ok = 0;
            ctx->try_cut = 1;
        }

        return (ctx->try_rc == NGX_HTTP_GATEWAY_TIME_OUT) ? AGW_ERR_TIMEOUT
                                                          : AGW_ERR_BAD_GATEWAY;
    }

    if (ctx->header_sent && ctx->stream_truncated) {
        return ngx_http_ai_gateway_stream_error_class(r, ctx);
    }

    return AGW_ERR_NONE;
}


/*
 * The class of an error event that ended a stream: the provider's own
 * (rate limit, overloaded...), read by the translator, or a bad gateway.
 */

static agw_err_class_t
ngx_http_ai_gateway_stream_error_class(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    const agw_error_t  *err;

    err = ctx->stream ? agw_engine_stream_error(ctx->stream) : NULL;

    return (err && err->cls != AGW_ERR_NONE) ? err->cls : AGW_ERR_BAD_GATEWAY;
}


/*
 * Whether a try counts against its provider for cool-down: a 429 or a 5xx
 * (the proxy's own 502/504 for an answer it could not finish too), or a
 * stream the provider cut or ended with its own error of that kind.
 */

static ngx_uint_t
ngx_http_ai_gateway_provider_failed(ngx_http_ai_gateway_ctx_t *ctx,
    agw_err_class_t cls)
{
    if (!ctx->try_ok) {
        return ctx->try_status == NGX_HTTP_TOO_MANY_REQUESTS
               || ctx->try_status >= NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (cls) {
    case AGW_ERR_RATE_LIMIT:
    case AGW_ERR_SERVER:
    case AGW_ERR_BAD_GATEWAY:
    case AGW_ERR_OVERLOADED:
    case AGW_ERR_TIMEOUT:
        return 1;

    default:
        return 0;
    }
}


/*
 * Whether a try's subrequest got as far as the provider: the upstream
 * module records a state for every connection it tries.  Without one, the
 * internal location answered by itself (it is missing, denies, or cannot
 * proxy).
 */

static ngx_uint_t
ngx_http_ai_gateway_reached(ngx_http_request_t *sr)
{
    return sr->upstream_states && sr->upstream_states->nelts;
}


static void
ngx_http_ai_gateway_wake(ngx_http_request_t *r)
{
    ngx_int_t                   rc;
    ngx_http_ai_gateway_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ai_gateway_module);

    if (ctx == NULL || ctx->finished) {
        return;
    }

    if (!ctx->try_done) {
        /* woken with the try still running: let queued output go */
        if (r->postponed) {
            (void) ngx_http_output_filter(r, NULL);
        }

        return;
    }

    if (r->connection->error) {
        /* gone between two tries */
        ctx->finished = 1;
        ctx->client_closed = 1;
        ctx->status = NGX_HTTP_CLIENT_CLOSED_REQUEST;
        ngx_http_finalize_request(r, NGX_HTTP_CLIENT_CLOSED_REQUEST);
        return;
    }

    if (ctx->try_ok) {
        ctx->finished = 1;
        rc = ngx_http_ai_gateway_finish_ok(r, ctx);
        ngx_http_finalize_request(r, rc);
        return;
    }

    if (ctx->try_failed && ctx->next < ctx->nsteps) {
        rc = ngx_http_ai_gateway_start_try(r, ctx);
        if (rc != NGX_DONE) {
            ctx->finished = 1;
            ngx_http_finalize_request(r, rc);
        }

        return;
    }

    ctx->finished = 1;
    rc = ngx_http_ai_gateway_finish_failed(r, ctx);
    ngx_http_finalize_request(r, rc);
}


ngx_int_t
ngx_http_ai_gateway_add_header(ngx_http_request_t *r, ngx_str_t *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = *key;
    h->value = *value;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


/* X-AI-Gateway-Provider and -Attempts: who answered, after how many. */

ngx_int_t
ngx_http_ai_gateway_gateway_headers(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    ngx_str_t         v;
    ngx_uint_t        n;
    static u_char     digits[] = "0123456789";
    static ngx_str_t  provider = ngx_string("X-AI-Gateway-Provider");
    static ngx_str_t  attempts = ngx_string("X-AI-Gateway-Attempts");

    if (ctx->step == NULL) {
        return NGX_OK;
    }

    n = ctx->attempts.nelts + (ctx->try_done ? 0 : 1);

    if (n < 10) {
        /* every answer: a digit of a constant, not a number printed */
        v.data = &digits[n];
        v.len = 1;

    } else {
        v.data = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
        if (v.data == NULL) {
            return NGX_ERROR;
        }

        v.len = ngx_sprintf(v.data, "%ui", n) - v.data;
    }

    if (ngx_http_ai_gateway_add_header(r, &provider,
                                       &ctx->step->provider->name)
        != NGX_OK
        || ngx_http_ai_gateway_add_header(r, &attempts, &v) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ai_gateway_finish_ok(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    int                              rc, frc;
    agw_error_t                      err;
    agw_answer_ctx_t                 ans;
    ngx_http_ai_gateway_attempt_t   *a;

    if (ctx->header_sent) {
        /* a stream: its events went out as they came */
        if (!ctx->got_last && ctx->stream) {
            if (ctx->try_rc == NGX_HTTP_GATEWAY_TIME_OUT) {
                /* stalled rather than cut: the client is told so */
                agw_error_set(&err, AGW_ERR_TIMEOUT, 0, "stream_timeout",
                              "the provider sent nothing within "
                              "proxy_read_timeout");
                agw_engine_stream_set_error(ctx->stream, &err);
            }

            /* the client's dialect's end of a stream cut short */
            frc = agw_engine_stream_finish(ctx->stream, 0, &ctx->out);

            if (frc < 0) {
                agw_buf_reset(&ctx->out);
            }
        }

        /* with what the filter held back, in one write */
        return ngx_http_ai_gateway_send_end(r, ctx);
    }

    /* a whole body, kept by the body filter: translate it now */
    ctx->ttfb = ngx_max(ngx_current_msec - ctx->start, 1);

    if (ctx->resp_too_large || ctx->resp_unreadable) {
        /* the filter logged why */
        ctx->status = NGX_HTTP_BAD_GATEWAY;

        if (ngx_http_ai_gateway_gateway_headers(r, ctx) != NGX_OK) {
            return NGX_ERROR;
        }

        return ngx_http_ai_gateway_send_error(r, ctx->client,
                   AGW_ERR_BAD_GATEWAY, 0, "bad_upstream_response",
                   "The provider's answer could not be read: %s",
                   ctx->resp_too_large ? "it is larger than the gateway "
                                         "accepts"
                                       : "reading it failed");
    }

    agw_buf_reset(&ctx->out);
    ngx_memzero(&err, sizeof(agw_error_t));

    if (ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_COUNT_TOKENS
        && ctx->pdialect == AGW_DIALECT_GEMINI)
    {
        rc = ngx_http_ai_gateway_count_answer(ctx, &err);

    } else if (ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_COUNT_TOKENS) {
        /* Anthropic's count, as Anthropic answered it: no model, no
         * message, nothing for the engine to read */
        rc = agw_buf_append(&ctx->out, ctx->resp.data, ctx->resp.len) == 0
             ? 0 : -2;

    } else {
        ngx_memzero(&ans, sizeof(agw_answer_ctx_t));
        ans.model = agw_str_bytes((char *) ctx->model.data, ctx->model.len);
        ans.created = ngx_time();
        ans.provider = ctx->pdialect;
        ans.meta = &ctx->meta;

        rc = agw_engine_response(ctx->pdialect, ctx->client,
                                 ctx->resp.data ? ctx->resp.data : "",
                                 ctx->resp.len, &ans, &ctx->out, &ctx->usage,
                                 &err);
    }

    if (rc == -2 || (rc != 0 && err.cls == AGW_ERR_NONE)) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: provider \"%V\" answered %i with a body "
                      "that cannot be read: %s",
                      &ctx->step->provider->name, ctx->try_status,
                      err.message);

        /* the try's outcome, as the event's is */
        a = ctx->attempts.elts;
        if (ctx->attempts.nelts) {
            a[ctx->attempts.nelts - 1].cls = AGW_ERR_BAD_GATEWAY;
        }

        ctx->status = NGX_HTTP_BAD_GATEWAY;

        if (ngx_http_ai_gateway_gateway_headers(r, ctx) != NGX_OK) {
            return NGX_ERROR;
        }

        return ngx_http_ai_gateway_send_error(r, ctx->client,
                   AGW_ERR_BAD_GATEWAY, 0, "bad_upstream_response",
                   "The provider's answer could not be read");
    }

    ctx->status = ctx->try_status;

    if (ngx_http_ai_gateway_gateway_headers(r, ctx) != NGX_OK
        || (ctx->pdialect == ctx->client
            && ngx_http_ai_gateway_copy_headers(r, ctx->sr, 0) != NGX_OK))
    {
        return NGX_ERROR;
    }

    return ngx_http_ai_gateway_send_held(r, ctx->try_status, ctx->out.data,
                                         ctx->out.len);
}


/* Every step failed: the client gets the last answer (request path, 13). */

static ngx_int_t
ngx_http_ai_gateway_finish_failed(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    int                              status;
    ngx_int_t                        rc;
    agw_err_class_t                  cls;

    if (ngx_http_ai_gateway_gateway_headers(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (!ngx_http_ai_gateway_reached(ctx->sr)) {
        ctx->status = NGX_HTTP_INTERNAL_SERVER_ERROR;

        return ngx_http_ai_gateway_send_error(r, ctx->client, AGW_ERR_SERVER,
                   NGX_HTTP_INTERNAL_SERVER_ERROR, "internal_location_failed",
                   "The gateway's internal location answered %d without "
                   "reaching the provider", (int) ctx->try_status);
    }

    if (!ctx->try_answered || ctx->try_cut) {
        /* nothing came back (a connect error or a timeout), or an answer
         * cut before its end: nothing of it is worth passing on */
        cls = (ctx->try_status == NGX_HTTP_GATEWAY_TIME_OUT)
              ? AGW_ERR_TIMEOUT : AGW_ERR_BAD_GATEWAY;
        ctx->status = ctx->try_status;

        return ngx_http_ai_gateway_send_error(r, ctx->client, cls,
                   ctx->try_status, "upstream_unavailable",
                   "The provider %s (%s) after %lu %s",
                   ctx->try_cut ? "ended its answer early" : "did not answer",
                   cls == AGW_ERR_TIMEOUT ? "timeout"
                   : ctx->try_cut ? "connection closed" : "connection failed",
                   (unsigned long) ctx->attempts.nelts,
                   ctx->attempts.nelts == 1 ? "try" : "tries");
    }

    /* the last answer's retry hints (and, same dialect, its request id and
     * rate limits) are what a client backs off by */
    if (ngx_http_ai_gateway_copy_headers(r, ctx->sr,
                                         ctx->pdialect != ctx->client)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ctx->pdialect == ctx->client) {
        /* same dialect: pass the provider's answer on unchanged */
        ctx->status = ctx->try_status;
        return ngx_http_ai_gateway_send_json(r, ctx->try_status,
                                             ctx->resp.data, ctx->resp.len,
                                             NULL);
    }

    agw_buf_reset(&ctx->out);

    if (agw_engine_error(ctx->pdialect, ctx->client, (int) ctx->try_status,
                            ctx->resp.data ? ctx->resp.data : "",
                            ctx->resp.len, &status, &ctx->out)
        != 0)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->status = status;
    rc = ngx_http_ai_gateway_send_json(r, status, ctx->out.data, ctx->out.len,
                                       NULL);

    return rc;
}


/* GET .../models: the routes this key may use, in the client's shape. */

static ngx_int_t
ngx_http_ai_gateway_models(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    u_char                           *name, *p;
    agw_jw_t                          w;
    agw_buf_t                         out = AGW_BUF_INIT;
    agw_str_t                         id, first, last;
    ngx_uint_t                        i;
    ngx_http_ai_gateway_route_t      *rt;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    agw_jw_init(&w, &out);
    agw_jw_object(&w);

    switch (ctx->client) {
    case AGW_DIALECT_ANTHROPIC:
        agw_jw_key(&w, "data");
        break;

    case AGW_DIALECT_GEMINI:
        agw_jw_key(&w, "models");
        break;

    default:
        agw_jw_key(&w, "object");
        agw_jw_lit(&w, "list");
        agw_jw_key(&w, "data");
    }

    agw_jw_array(&w);

    first.data = NULL;
    last.data = NULL;

    rt = amcf->routes.elts;
    for (i = 0; i < amcf->routes.nelts; i++) {
        if (rt[i].passthrough) {
            continue;
        }

        ctx->model = rt[i].model;
        if (!ngx_http_ai_gateway_model_allowed(r, ctx)) {
            continue;
        }

        id = agw_str_bytes((const char *) rt[i].model.data, rt[i].model.len);

        if (first.data == NULL) {
            first = id;
        }

        last = id;

        agw_jw_object(&w);

        switch (ctx->client) {
        case AGW_DIALECT_ANTHROPIC:
            agw_jw_key(&w, "type");
            agw_jw_lit(&w, "model");
            agw_jw_key(&w, "id");
            agw_jw_str(&w, &id);
            agw_jw_key(&w, "display_name");
            agw_jw_str(&w, &id);
            agw_jw_key(&w, "created_at");
            agw_jw_lit(&w, "1970-01-01T00:00:00Z");
            break;

        case AGW_DIALECT_GEMINI:
            name = ngx_pnalloc(r->pool, sizeof("models/") - 1 + id.len);
            if (name == NULL) {
                agw_buf_free(&out);
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            p = ngx_cpymem(name, "models/", sizeof("models/") - 1);
            p = ngx_cpymem(p, id.data, id.len);

            agw_jw_key(&w, "name");
            agw_jw_bytes(&w, (const char *) name, p - name);
            agw_jw_key(&w, "displayName");
            agw_jw_str(&w, &id);
            agw_jw_key(&w, "supportedGenerationMethods");
            agw_jw_array(&w);
            agw_jw_lit(&w, "generateContent");
            agw_jw_lit(&w, "streamGenerateContent");
            agw_jw_array_end(&w);
            break;

        default:
            agw_jw_key(&w, "id");
            agw_jw_str(&w, &id);
            agw_jw_key(&w, "object");
            agw_jw_lit(&w, "model");
            agw_jw_key(&w, "created");
            agw_jw_int(&w, 0);
            agw_jw_key(&w, "owned_by");
            agw_jw_lit(&w, "ai-gateway");
        }

        agw_jw_object_end(&w);
    }

    ngx_str_null(&ctx->model);

    agw_jw_array_end(&w);

    if (ctx->client == AGW_DIALECT_ANTHROPIC) {
        agw_jw_key(&w, "has_more");
        agw_jw_bool(&w, 0);
        agw_jw_key(&w, "first_id");

        if (first.data) {
            agw_jw_str(&w, &first);
        } else {
            agw_jw_null(&w);
        }

        agw_jw_key(&w, "last_id");

        if (last.data) {
            agw_jw_str(&w, &last);
        } else {
            agw_jw_null(&w);
        }
    }

    agw_jw_object_end(&w);

    return ngx_http_ai_gateway_send_written(r, NGX_HTTP_OK, &w);
}


static ngx_int_t
ngx_http_ai_gateway_health(ngx_http_request_t *r)
{
    agw_jw_t    w;
    agw_buf_t   out = AGW_BUF_INIT;
    ngx_int_t   status;

    agw_jw_init(&w, &out);
    status = ngx_http_ai_gateway_health_write(r, &w);
    if (status == NGX_ERROR) {
        agw_buf_free(&out);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_ai_gateway_send_written(r, status, &w);
}
