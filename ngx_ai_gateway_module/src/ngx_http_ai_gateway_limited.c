/*
 * ngx_http_ai_gateway_limited: what a client is told of its key's limits.
 *
 * A refusal is a 429 in the client's dialect (the shapes are in
 * lib/translate/agw_limit_answer.c) with Retry-After and retry-after-ms,
 * which the OpenAI and Anthropic SDKs sleep for before their retry, and
 * x-should-retry, which both obey: "false" when no retry can succeed
 * soon (a budget, a day's window), so that an SDK does not block its
 * caller for hours.  Admitted or refused, OpenAI and Responses clients get
 * x-ratelimit-{limit,remaining,reset}-{requests,tokens} (reset as "6m0s"),
 * Anthropic clients anthropic-ratelimit-{requests,tokens}-{limit,
 * remaining,reset} (reset in RFC 3339), as their providers send them.
 * Gemini answers carry no such headers: Google sends none, and its SDK
 * reads none.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_limit_answer.h"


typedef struct {
    ngx_str_t  limit;
    ngx_str_t  remaining;
    ngx_str_t  reset;
} ngx_http_ai_gateway_limit_names_t;


static ngx_int_t ngx_http_ai_gateway_limit_kind(ngx_http_request_t *r,
    ngx_http_ai_gateway_limit_names_t *names, uint64_t limit,
    uint64_t remaining, int64_t reset_ms, ngx_uint_t rfc3339);
static ngx_int_t ngx_http_ai_gateway_limit_header(ngx_http_request_t *r,
    ngx_str_t *name, const char *value, size_t len);


static ngx_http_ai_gateway_limit_names_t  ngx_http_ai_gateway_openai_names[] =
{
    { ngx_string("x-ratelimit-limit-requests"),
      ngx_string("x-ratelimit-remaining-requests"),
      ngx_string("x-ratelimit-reset-requests") },
    { ngx_string("x-ratelimit-limit-tokens"),
      ngx_string("x-ratelimit-remaining-tokens"),
      ngx_string("x-ratelimit-reset-tokens") }
};


static ngx_http_ai_gateway_limit_names_t
    ngx_http_ai_gateway_anthropic_names[] =
{
    { ngx_string("anthropic-ratelimit-requests-limit"),
      ngx_string("anthropic-ratelimit-requests-remaining"),
      ngx_string("anthropic-ratelimit-requests-reset") },
    { ngx_string("anthropic-ratelimit-tokens-limit"),
      ngx_string("anthropic-ratelimit-tokens-remaining"),
      ngx_string("anthropic-ratelimit-tokens-reset") }
};


ngx_int_t
ngx_http_ai_gateway_limit_headers(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, const agw_limit_verdict_t *v)
{
    ngx_uint_t                          rfc3339;
    ngx_http_ai_gateway_limit_names_t  *names;

    switch (ctx->client) {

    case AGW_DIALECT_OPENAI:
    case AGW_DIALECT_RESPONSES:
        names = ngx_http_ai_gateway_openai_names;
        rfc3339 = 0;
        break;

    case AGW_DIALECT_ANTHROPIC:
        names = ngx_http_ai_gateway_anthropic_names;
        rfc3339 = 1;
        break;

    default:
        return NGX_OK;
    }

    if (v->requests_limit || v->tokens_limit) {
        ctx->limit_headers = 1;
    }

    if (ngx_http_ai_gateway_limit_kind(r, &names[0], v->requests_limit,
                                       v->requests_remaining,
                                       v->requests_reset_ms, rfc3339)
        != NGX_OK
        || ngx_http_ai_gateway_limit_kind(r, &names[1], v->tokens_limit,
                                          v->tokens_remaining,
                                          v->tokens_reset_ms, rfc3339)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* One kind's three headers; none when that kind has no limit. */

static ngx_int_t
ngx_http_ai_gateway_limit_kind(ngx_http_request_t *r,
    ngx_http_ai_gateway_limit_names_t *names, uint64_t limit,
    uint64_t remaining, int64_t reset_ms, ngx_uint_t rfc3339)
{
    char            buf[AGW_LIMIT_VALUE_MAX];
    size_t          len;
    int64_t         now;
    ngx_time_t     *tp;

    if (limit == 0) {
        return NGX_OK;
    }

    len = ngx_snprintf((u_char *) buf, sizeof(buf), "%uL", limit)
          - (u_char *) buf;

    if (ngx_http_ai_gateway_limit_header(r, &names->limit, buf, len)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    len = ngx_snprintf((u_char *) buf, sizeof(buf), "%uL",
                       remaining < limit ? remaining : limit)
          - (u_char *) buf;

    if (ngx_http_ai_gateway_limit_header(r, &names->remaining, buf, len)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (reset_ms <= 0) {
        return NGX_OK;
    }

    if (rfc3339) {
        len = agw_limit_rfc3339(reset_ms, buf, sizeof(buf));

    } else {
        tp = ngx_timeofday();
        now = (int64_t) tp->sec * 1000 + tp->msec;
        len = agw_limit_duration(reset_ms - now, buf, sizeof(buf));
    }

    if (len == 0) {
        return NGX_ERROR;
    }

    return ngx_http_ai_gateway_limit_header(r, &names->reset, buf, len);
}


static ngx_int_t
ngx_http_ai_gateway_limit_header(ngx_http_request_t *r, ngx_str_t *name,
    const char *value, size_t len)
{
    ngx_str_t  v;

    v.data = ngx_pnalloc(r->pool, len);
    if (v.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(v.data, value, len);
    v.len = len;

    return ngx_http_ai_gateway_add_header(r, name, &v);
}


ngx_int_t
ngx_http_ai_gateway_send_limited(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, const agw_limit_verdict_t *v)
{
    char              buf[AGW_LIMIT_VALUE_MAX];
    size_t            len;
    ngx_int_t         rc;
    agw_buf_t         body = AGW_BUF_INIT;
    static ngx_str_t  retry_after = ngx_string("Retry-After");
    static ngx_str_t  retry_after_ms = ngx_string("retry-after-ms");
    static ngx_str_t  should_retry = ngx_string("x-should-retry");

    /* as limit_req logs its refusals; the key's name, never its secret */
    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "ai_gateway: key \"%V\" refused by its %s limit",
                  &ctx->key_name, agw_limit_name(v->which));

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        r->keepalive = 0;
    }

    if (ngx_http_ai_gateway_limit_headers(r, ctx, v) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (v->retry_after_ms > 0) {
        len = ngx_snprintf((u_char *) buf, sizeof(buf), "%L",
                           agw_limit_retry_after_s(v))
              - (u_char *) buf;

        if (ngx_http_ai_gateway_limit_header(r, &retry_after, buf, len)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        len = ngx_snprintf((u_char *) buf, sizeof(buf), "%L",
                           v->retry_after_ms)
              - (u_char *) buf;

        if (ngx_http_ai_gateway_limit_header(r, &retry_after_ms, buf, len)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (ngx_http_ai_gateway_limit_header(r, &should_retry,
                                         agw_limit_retryable(v)
                                         ? "true" : "false",
                                         agw_limit_retryable(v) ? 4 : 5)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (agw_limit_answer_body(ctx->client, v, &body) != 0) {
        agw_buf_free(&body);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->status = NGX_HTTP_TOO_MANY_REQUESTS;

    rc = ngx_http_ai_gateway_send_json(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                       body.data, body.len, NULL);
    agw_buf_free(&body);

    return rc;
}
