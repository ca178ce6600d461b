/*
 * ngx_http_ai_gateway_error: answers the client in its own dialect.
 *
 * An SDK parses errors by shape: an OpenAI client reads {"error":{...}},
 * an Anthropic client {"type":"error",...}, a Gemini client
 * {"error":{"code","status"}}.  nginx's HTML error pages would break all of
 * them, so every error the gateway makes goes through here.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <stdarg.h>
#include <stdio.h>

#include "ngx_http_ai_gateway_module.h"


/*
 * Sends a whole JSON (or other) body with the given status.  The data is
 * copied: callers pass malloc'd translator output and free it after.
 */

ngx_int_t
ngx_http_ai_gateway_send_json(ngx_http_request_t *r, ngx_int_t status,
    const char *data, size_t len, ngx_str_t *type)
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

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->last = ngx_cpymem(b->pos, data, len);
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
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

    if (agw_error_body(dialect, &err, &body) != 0) {
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
