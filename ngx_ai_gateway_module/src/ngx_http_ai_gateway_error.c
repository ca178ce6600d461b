/*
 * ngx_http_ai_gateway_error: answers the client in its own dialect.
 *
 * An SDK parses errors by shape: an OpenAI client reads {"error":{...}},
 * an Anthropic client {"type":"error",...}, a Gemini client
 * {"error":{"code","status"}}.  nginx's HTML error pages would break all of
 * them, so every error the gateway makes goes through here, and the pages
 * nginx makes itself in a gateway location (a body over the limit, a bad
 * chunked body, a body timeout, an internal error) are turned into the
 * same answers by a header filter.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <stdarg.h>
#include <stdio.h>

#include "ngx_http_ai_gateway_module.h"


static ngx_int_t ngx_http_ai_gateway_error_page_filter(ngx_http_request_t *r);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


static ngx_int_t ngx_http_ai_gateway_send_body(ngx_http_request_t *r,
    ngx_int_t status, const char *data, size_t len, ngx_str_t *type,
    ngx_uint_t held);


/*
 * Sends a whole JSON (or other) body with the given status.  The data is
 * copied: callers pass malloc'd translator output and free it after.
 */

ngx_int_t
ngx_http_ai_gateway_send_json(ngx_http_request_t *r, ngx_int_t status,
    const char *data, size_t len, ngx_str_t *type)
{
    return ngx_http_ai_gateway_send_body(r, status, data, len, type, 0);
}


/*
 * The same, for a body in the request's context (ctx->out, ctx->resp):
 * those buffers are freed by the request pool's cleanup, after the last
 * byte went out, and nothing writes to them once the answer is sent, so
 * the body goes from where it is, not copied into the pool first.
 */

ngx_int_t
ngx_http_ai_gateway_send_held(ngx_http_request_t *r, ngx_int_t status,
    const char *data, size_t len)
{
    return ngx_http_ai_gateway_send_body(r, status, data, len, NULL, 1);
}


static ngx_int_t
ngx_http_ai_gateway_send_body(ngx_http_request_t *r, ngx_int_t status,
    const char *data, size_t len, ngx_str_t *type, ngx_uint_t held)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    if (r->header_sent) {
        return NGX_ERROR;
    }

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;

    if (type) {
        r->headers_out.content_type = *type;
    } else {
        ngx_str_set(&r->headers_out.content_type, "application/json");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    if (r->method == NGX_HTTP_HEAD || len == 0) {
        r->header_only = 1;
    }

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    if (held) {
        b = ngx_calloc_buf(r->pool);
        if (b == NULL) {
            return NGX_ERROR;
        }

        b->pos = (u_char *) data;
        b->last = b->pos + len;
        b->start = b->pos;
        b->end = b->last;
        b->memory = 1;              /* read only: filters copy to change it */

    } else {
        b = ngx_create_temp_buf(r->pool, len);
        if (b == NULL) {
            return NGX_ERROR;
        }

        b->last = ngx_cpymem(b->pos, data, len);
    }

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * Sends what a writer made of a whole answer, and frees its buffer: the
 * gateway's own answers (models, health, probe) end the same way.
 */

ngx_int_t
ngx_http_ai_gateway_send_written(ngx_http_request_t *r, ngx_int_t status,
    agw_jw_t *w)
{
    ngx_int_t  rc;

    if (w->failed) {
        agw_buf_free(w->out);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_ai_gateway_send_json(r, status, w->out->data, w->out->len,
                                       NULL);
    agw_buf_free(w->out);

    return rc;
}


ngx_int_t
ngx_http_ai_gateway_send_error(ngx_http_request_t *r, agw_dialect_t dialect,
    agw_err_class_t cls, ngx_int_t status, const char *code,
    const char *fmt, ...)
{
    va_list       ap;
    ngx_int_t     rc;
    agw_buf_t     body = AGW_BUF_INIT;
    agw_error_t   err;

    ngx_memzero(&err, sizeof(agw_error_t));
    err.cls = cls;
    err.status = status ? (int) status : agw_error_status(cls);

    if (code) {
        ngx_cpystrn((u_char *) err.code, (u_char *) code, sizeof(err.code));
    }

    va_start(ap, fmt);
    vsnprintf(err.message, sizeof(err.message), fmt, ap);
    va_end(ap);

    if (agw_engine_error_body(dialect, &err, &body) != 0) {
        agw_buf_free(&body);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (cls == AGW_ERR_AUTHENTICATION && dialect == AGW_DIALECT_OPENAI) {
        /* what RFC 6750 asks of a bearer-token resource */
        r->headers_out.www_authenticate = ngx_list_push(&r->headers_out.headers);
        if (r->headers_out.www_authenticate != NULL) {
            r->headers_out.www_authenticate->hash = 1;
            ngx_str_set(&r->headers_out.www_authenticate->key,
                        "WWW-Authenticate");
            ngx_str_set(&r->headers_out.www_authenticate->value, "Bearer");
#if (nginx_version >= 1023000)
            r->headers_out.www_authenticate->next = NULL;
#endif
        }
    }

    rc = ngx_http_ai_gateway_send_json(r, err.status, body.data, body.len,
                                       NULL);
    agw_buf_free(&body);

    return rc;
}


ngx_int_t
ngx_http_ai_gateway_error_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_ai_gateway_error_page_filter;

    return NGX_OK;
}


/* What a page nginx makes itself says, in a sentence an SDK can show. */

static const char *
ngx_http_ai_gateway_page_message(ngx_int_t status)
{
    switch (status) {
    case NGX_HTTP_BAD_REQUEST:
        return "The request could not be read";
    case NGX_HTTP_UNAUTHORIZED:
        return "Authentication is required";
    case NGX_HTTP_FORBIDDEN:
        return "Access is denied";
    case NGX_HTTP_NOT_FOUND:
        return "Not found";
    case NGX_HTTP_REQUEST_TIME_OUT:
        return "The request body did not arrive in time";
    case NGX_HTTP_TOO_MANY_REQUESTS:
    case NGX_HTTP_SERVICE_UNAVAILABLE:
        /* limit_req and limit_conn answer 503 unless told otherwise */
        return "Too many requests, or the service is unavailable";
    }

    return status < NGX_HTTP_INTERNAL_SERVER_ERROR
           ? "The request was refused"
           : "The gateway failed to handle the request";
}


/*
 * One of nginx's own error pages (r->err_status is set only by
 * ngx_http_special_response_handler(), never by the gateway's answers) on
 * a gateway location: the client gets the same status in its dialect.
 * The whole answer goes out from here; header_only then keeps
 * ngx_http_send_special_response() from sending its HTML after it.  An
 * operator's error_page redirects before any header is sent, so it wins.
 */

static ngx_int_t
ngx_http_ai_gateway_error_page_filter(ngx_http_request_t *r)
{
    ngx_int_t                        rc, status;
    agw_err_class_t                  cls;
    ngx_http_core_loc_conf_t        *clcf;
    ngx_http_ai_gateway_ctx_t       *ctx;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    status = r->err_status;
    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ai_gateway_module);

    if (r != r->main || alcf->serve == 0
        || status < NGX_HTTP_BAD_REQUEST
        || r->headers_out.status != (ngx_uint_t) status)
    {
        return ngx_http_next_header_filter(r);
    }

    /* made here when nginx answered before the access phase */
    ctx = ngx_http_ai_gateway_get_ctx(r);
    if (ctx == NULL) {
        return ngx_http_next_header_filter(r);
    }

    r->err_status = 0;
    ctx->status = status;

    if (status == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        /* ai_gateway_max_body_size, set as the location's limit */
        clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

        rc = ngx_http_ai_gateway_send_error(r, ctx->client,
                 AGW_ERR_TOO_LARGE, 0, "request_too_large",
                 "The request body is larger than the %lld bytes allowed",
                 (long long) clcf->client_max_body_size);

    } else {
        cls = agw_error_class_of_status((int) status);

        rc = ngx_http_ai_gateway_send_error(r, ctx->client, cls, status,
                 NULL, "%s", ngx_http_ai_gateway_page_message(status));
    }

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        /* the answer could not be made (no memory): nginx's page, then */
        r->err_status = status;
        return ngx_http_next_header_filter(r);
    }

    r->header_only = 1;

    return rc;
}
