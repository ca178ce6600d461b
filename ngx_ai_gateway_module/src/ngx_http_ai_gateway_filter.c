/*
 * ngx_http_ai_gateway_filter: what a try's answer becomes.
 *
 * The filters see the output of the current try's subrequest before the
 * postpone filter hands it to the main request (NGINX-NOTES pitfall 8).
 * A 2xx stream starts the client's response at once and each provider
 * event is translated and sent as it arrives; a whole body, or a failed
 * try's body, is kept until the try ends, for the handler to translate or
 * to fail over.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_responses.h"


/* a failed try's body is kept this far, for the all-fail passthrough */
#define NGX_HTTP_AI_GATEWAY_ERROR_BODY_MAX  (256 * 1024)
/* a whole answer larger than this is refused rather than held */
#define NGX_HTTP_AI_GATEWAY_BODY_MAX        (64 * 1024 * 1024)
#define NGX_HTTP_AI_GATEWAY_OUT_BUF         4096


static ngx_int_t ngx_http_ai_gateway_filter_postconf(ngx_conf_t *cf);
static ngx_int_t ngx_http_ai_gateway_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_ai_gateway_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_module_t  ngx_http_ai_gateway_filter_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_ai_gateway_filter_postconf,   /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_ai_gateway_filter_module = {
    NGX_MODULE_V1,
    &ngx_http_ai_gateway_filter_module_ctx, /* module context */
    NULL,                                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


static ngx_int_t
ngx_http_ai_gateway_filter_postconf(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_ai_gateway_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_ai_gateway_body_filter;

    return NGX_OK;
}


/* The gateway's context when r is the current try's subrequest. */

static ngx_http_ai_gateway_ctx_t *
ngx_http_ai_gateway_try_ctx(ngx_http_request_t *r)
{
    ngx_http_ai_gateway_ctx_t  *ctx;

    if (r == r->main) {
        return NULL;
    }

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_ai_gateway_module);

    if (ctx == NULL || ctx->sr != r) {
        return NULL;
    }

    return ctx;
}


/*
 * Upstream headers a client may see when nothing is translated: what the
 * dialects' SDKs read (request ids, rate limits, retry hints), by an
 * allow-list.  Everything else stays with the gateway: hop-by-hop headers
 * (Connection, Keep-Alive, Upgrade, TE, Trailer) describe the gateway's own
 * connection to the provider; an authentication challenge (WWW- and
 * Proxy-Authenticate) is about the gateway's provider key, not the
 * client's; cookies (Set-Cookie) are the provider's session with the
 * gateway, for the provider's domain; and organization headers name the
 * gateway's provider account.  Content-Type is set by the gateway itself.
 */

static ngx_uint_t
ngx_http_ai_gateway_passes_header(ngx_str_t *name)
{
    ngx_str_t         *p;
    static ngx_str_t   pass[] = {
        ngx_string("x-request-id"),            /* OpenAI */
        ngx_string("request-id"),              /* Anthropic */
        ngx_string("apim-request-id"),         /* Azure OpenAI */
        ngx_string("retry-after"),
        ngx_string("retry-after-ms"),
        ngx_string("x-should-retry"),
        ngx_string("openai-processing-ms"),
        ngx_string("openai-version"),
        ngx_null_string
    };
    static ngx_str_t   prefix[] = {
        ngx_string("x-ratelimit-"),            /* OpenAI, Azure */
        ngx_string("anthropic-ratelimit-"),
        ngx_null_string
    };

    if (ngx_http_ai_gateway_name_in(name, pass)) {
        return 1;
    }

    for (p = prefix; p->len; p++) {
        if (name->len > p->len
            && ngx_strncasecmp(name->data, p->data, p->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


ngx_int_t
ngx_http_ai_gateway_copy_headers(ngx_http_request_t *r,
    ngx_http_request_t *sr)
{
    ngx_uint_t         i;
    ngx_list_part_t   *part;
    ngx_table_elt_t   *h;

    part = &sr->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0 || !ngx_http_ai_gateway_passes_header(&h[i].key))
        {
            continue;
        }

        if (ngx_http_ai_gateway_add_header(r, &h[i].key, &h[i].value)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_ai_gateway_responses_cleanup(void *data)
{
    agw_responses_free(data);
}


/*
 * A Responses API stream (POST /v1/responses, always streamed by Codex
 * CLI) is passed through event by event by agw_responses, which gives the
 * client its model back and reads the usage; its state lives in this
 * filter module's context of the main request.
 */

static ngx_int_t
ngx_http_ai_gateway_start_responses(ngx_http_request_t *r,
    const char *model)
{
    agw_responses_t     *rs;
    ngx_pool_cleanup_t  *cln;

    rs = ngx_palloc(r->pool, sizeof(agw_responses_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (rs == NULL || cln == NULL) {
        return NGX_ERROR;
    }

    agw_responses_init(rs, model, 0);
    cln->handler = ngx_http_ai_gateway_responses_cleanup;
    cln->data = rs;

    ngx_http_set_ctx(r, rs, ngx_http_ai_gateway_filter_module);

    return NGX_OK;
}


/* A 2xx stream: the client's response starts now, with our headers. */

static ngx_int_t
ngx_http_ai_gateway_start_stream(ngx_http_request_t *sr,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    char                model[256];
    ngx_int_t           rc;
    ngx_http_request_t *r;
    agw_stream_opts_t   opts;

    r = sr->main;

    ngx_cpystrn((u_char *) model, ctx->model.data,
                ngx_min(ctx->model.len + 1, sizeof(model)));

    if (ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_RESPONSES) {
        if (ngx_http_ai_gateway_start_responses(r, model) != NGX_OK) {
            return NGX_ERROR;
        }

    } else if (!ctx->raw
               || ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_COMPLETIONS)
    {
        /* legacy completions chunks differ from chat ones only inside
         * "choices": the chat passthrough edits "model" and "usage" */
        ngx_memzero(&opts, sizeof(agw_stream_opts_t));
        opts.model = model;
        opts.include_usage = ctx->include_usage;

        ctx->stream = agw_stream_new(ctx->step->provider->dialect,
                                     ctx->client, &opts);
        if (ctx->stream == NULL) {
            return NGX_ERROR;
        }

        /* chunks made from another dialect carry our clock, not 0 */
        agw_stream_set_created(ctx->stream, ngx_time());
    }

    if (ctx->step->provider->dialect == ctx->client
        && ngx_http_ai_gateway_copy_headers(r, sr) != NGX_OK)
    {
        return NGX_ERROR;
    }

    r->headers_out.status = sr->headers_out.status;
    r->headers_out.content_length_n = -1;
    ngx_str_set(&r->headers_out.content_type, "text/event-stream");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;
    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    if (ngx_http_ai_gateway_gateway_headers(r, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx->header_sent = 1;
    ctx->status = r->headers_out.status;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ai_gateway_header_filter(ngx_http_request_t *r)
{
    ngx_http_ai_gateway_ctx_t  *ctx;

    ctx = ngx_http_ai_gateway_try_ctx(r);
    if (ctx == NULL) {
        return ngx_http_next_header_filter(r);
    }

    /* NGINX-NOTES pitfall 7: the core header filter ignores subrequests */
    r->header_sent = 1;

    ctx->try_answered = 1;
    ctx->try_status = r->headers_out.status;

    if (r->headers_out.status < NGX_HTTP_OK
        || r->headers_out.status >= NGX_HTTP_SPECIAL_RESPONSE
        || r->headers_out.status == NGX_HTTP_NO_CONTENT)
    {
        return NGX_OK;
    }

    ctx->try_ok = 1;

    if (ctx->stream_req) {
        return ngx_http_ai_gateway_start_stream(r, ctx);
    }

    return NGX_OK;
}


/*
 * Keeps the first bytes of a streamed answer as the client got them, for
 * the event's captured response body (ai_gateway_state capture=): a
 * stream is sent event by event and kept nowhere else.  One byte more
 * than the capture size, so that the ring sees it was cut.
 */

static ngx_int_t
ngx_http_ai_gateway_capture(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, const void *data, size_t len)
{
    size_t                            max, n;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);
    max = (size_t) amcf->state_params.capture_resp_size + 1;

    if (max == 1 || len == 0 || ctx->captured.len >= max) {
        return NGX_OK;
    }

    if (ctx->captured.data == NULL) {
        ctx->captured.data = ngx_pnalloc(r->main->pool, max);
        if (ctx->captured.data == NULL) {
            return NGX_ERROR;
        }
    }

    n = ngx_min(len, max - ctx->captured.len);
    ngx_memcpy(ctx->captured.data + ctx->captured.len, data, n);
    ctx->captured.len += n;

    return NGX_OK;
}


/*
 * ctx->out as a chain of our buffers, `tail` after it; *out is NULL when
 * both are empty.  Buffers are recycled (pitfall 12: one allocation per
 * event would grow the pool for the whole stream), and with `flush` the
 * last one is flushed: the write filter flushes recycled buffers anyway,
 * so a chain to be held gets them unrecycled.
 */

static ngx_int_t
ngx_http_ai_gateway_out_chain(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_uint_t flush, ngx_chain_t *tail,
    ngx_chain_t **out)
{
    size_t        off, n;
    ngx_buf_t    *b;
    ngx_chain_t  **ll, *cl;

    *out = NULL;
    ll = out;
    b = NULL;

    if (ngx_http_ai_gateway_capture(r, ctx, ctx->out.data, ctx->out.len)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (off = 0; off < ctx->out.len; off += n) {
        cl = ngx_chain_get_free_buf(r->pool, &ctx->free);
        if (cl == NULL) {
            return NGX_ERROR;
        }

        b = cl->buf;

        if (b->start == NULL) {
            b->start = ngx_palloc(r->pool, NGX_HTTP_AI_GATEWAY_OUT_BUF);
            if (b->start == NULL) {
                return NGX_ERROR;
            }

            b->end = b->start + NGX_HTTP_AI_GATEWAY_OUT_BUF;
            b->tag = (ngx_buf_tag_t) &ngx_http_ai_gateway_filter_module;
            b->temporary = 1;
        }

        n = ngx_min((size_t) (b->end - b->start), ctx->out.len - off);
        b->pos = b->start;
        b->last = ngx_cpymem(b->pos, ctx->out.data + off, n);
        b->recycled = flush;
        b->flush = 0;

        *ll = cl;
        ll = &cl->next;
    }

    agw_buf_reset(&ctx->out);

    if (b) {
        b->flush = flush;

        if (ctx->ttfb == 0) {
            ctx->ttfb = ngx_max(ngx_current_msec - ctx->start, 1);
        }
    }

    *ll = tail;

    return NGX_OK;
}


/*
 * An empty buffer that ends output, as ngx_http_send_special(NGX_HTTP_LAST)
 * makes one: the response's last buffer for the client's request, the end
 * of its part (last_in_chain) for a try.
 */

static ngx_chain_t *
ngx_http_ai_gateway_end_link(ngx_http_request_t *r)
{
    ngx_chain_t  *cl;

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NULL;
    }

    cl->buf = ngx_calloc_buf(r->pool);
    if (cl->buf == NULL) {
        return NULL;
    }

    if (r == r->main) {
        cl->buf->last_buf = 1;

    } else {
        cl->buf->sync = 1;
        cl->buf->last_in_chain = 1;
    }

    cl->next = NULL;

    return cl;
}


/*
 * Sends a try's translated events on, then `tail` (the try's own
 * end-of-output buffer), if any.  Events are flushed as they come (no
 * buffering of the answer), except the provider's last bytes: once the
 * try's upstream has its whole answer (u->length is 0 before the output
 * filter runs, for a Content-Length and a chunked answer alike), nginx
 * finalizes the try and then the client's request before it returns to
 * epoll, and ngx_http_ai_gateway_send_end() sends what is held here with
 * the response's end, in one write instead of two.  On loopback a write
 * costs as much as parsing the whole stream.
 */

static ngx_int_t
ngx_http_ai_gateway_emit(ngx_http_request_t *r, ngx_http_ai_gateway_ctx_t *ctx,
    ngx_chain_t *tail)
{
    ngx_int_t     rc;
    ngx_chain_t  *out;

    if (r->upstream && r->upstream->length == 0) {
        /* held in ctx->out for the response's end */
        return tail ? ngx_http_next_body_filter(r, tail) : NGX_OK;
    }

    if (ngx_http_ai_gateway_out_chain(r, ctx, 1, tail, &out) != NGX_OK) {
        return NGX_ERROR;
    }

    if (out == NULL) {
        return NGX_OK;
    }

    rc = ngx_http_next_body_filter(r, out);

    ngx_chain_update_chains(r->pool, &ctx->free, &ctx->busy, &out,
                          (ngx_buf_tag_t) &ngx_http_ai_gateway_filter_module);

    return rc;
}


/*
 * The end of a streamed response, from the client's request: what the
 * filter held or the handler wrote into ctx->out, and the last buffer
 * (what ngx_http_send_special(r, NGX_HTTP_LAST) sends) in one chain.
 */

ngx_int_t
ngx_http_ai_gateway_send_end(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    ngx_chain_t  *last, *out;

    if (ctx->out.len == 0) {
        return ngx_http_send_special(r, NGX_HTTP_LAST);
    }

    last = ngx_http_ai_gateway_end_link(r);
    if (last == NULL
        || ngx_http_ai_gateway_out_chain(r, ctx, 0, last, &out) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_output_filter(r, out);
}


/* Provider bytes of a stream into ctx->out, by whichever translator. */

static int
ngx_http_ai_gateway_stream_feed(ngx_http_ai_gateway_ctx_t *ctx,
    agw_responses_t *rs, const char *data, size_t len)
{
    int  rc;

    if (rs == NULL) {
        return agw_stream_feed(ctx->stream, data, len, &ctx->out);
    }

    rc = agw_responses_feed(rs, data, len, &ctx->out);

    /* the variables, the cost and the event read ctx->usage */
    agw_usage_merge(&ctx->usage, &rs->usage);

    return rc;
}


static ngx_int_t
ngx_http_ai_gateway_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    int                         rc;
    size_t                      size, max;
    ngx_buf_t                  *b;
    ngx_chain_t                *cl, *tail;
    agw_responses_t            *rs;
    ngx_http_ai_gateway_ctx_t  *ctx;

    ctx = ngx_http_ai_gateway_try_ctx(r);
    if (ctx == NULL || in == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    rs = ngx_http_get_module_ctx(r->main, ngx_http_ai_gateway_filter_module);

    if (ctx->try_ok && ctx->header_sent && ctx->stream == NULL && rs == NULL)
    {
        /* a raw stream (completions, responses): bytes pass unchanged */
        for (cl = in; cl; cl = cl->next) {
            if (cl->buf->last_buf || cl->buf->last_in_chain) {
                ctx->got_last = 1;
            }

            if (ngx_buf_in_memory(cl->buf)
                && ngx_http_ai_gateway_capture(r, ctx, cl->buf->pos,
                                               cl->buf->last - cl->buf->pos)
                   != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        if (ctx->ttfb == 0) {
            ctx->ttfb = ngx_max(ngx_current_msec - ctx->start, 1);
        }

        return ngx_http_next_body_filter(r, in);
    }

    tail = NULL;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;
        size = ngx_buf_in_memory(b) ? (size_t) (b->last - b->pos) : 0;

        if (size && ctx->try_ok && ctx->header_sent) {
            /* the client's events are about the provider's size: one
             * allocation instead of a doubling per event */
            if (agw_buf_reserve(&ctx->out, size + size / 4 + 512) != 0) {
                return NGX_ERROR;
            }

            if (!ctx->stream_failed
                && ngx_http_ai_gateway_stream_feed(ctx, rs, (char *) b->pos,
                                                   size)
                   != 0)
            {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "ai_gateway: provider \"%V\" sent a malformed "
                              "stream", &ctx->step->provider->name);
                ctx->stream_failed = 1;
            }

        } else if (size) {
            max = ctx->try_ok ? NGX_HTTP_AI_GATEWAY_BODY_MAX
                              : NGX_HTTP_AI_GATEWAY_ERROR_BODY_MAX;

            if (ctx->resp.len + size <= max) {
                if (agw_buf_append(&ctx->resp, b->pos, size) != 0) {
                    return NGX_ERROR;
                }

            } else if (ctx->try_ok) {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "ai_gateway: answer of provider \"%V\" is "
                              "larger than %uz bytes",
                              &ctx->step->provider->name, max);
                return NGX_ERROR;
            }
        }

        b->pos = b->last;

        if (b->last_buf || b->last_in_chain) {
            ctx->got_last = 1;
        }
    }

    if (!(ctx->try_ok && ctx->header_sent)) {
        /* kept for the handler: nothing goes to the client yet */
        return NGX_OK;
    }

    if (ctx->got_last) {
        rc = rs ? agw_responses_finish(rs, &ctx->out)
                : agw_stream_finish(ctx->stream, !ctx->stream_failed,
                                    &ctx->out);
        if (rc < 0) {
            return NGX_ERROR;
        }

        if (rc > 0 && rs && rs->error_sent) {
            /* an error event or response.failed: recorded as a cut
             * chat stream is, the client has the provider's own */
            ctx->stream_truncated = 1;
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ai_gateway: provider \"%V\" reported an error "
                          "in its stream: %s", &ctx->step->provider->name,
                          rs->error.message);

        } else if (rc > 0) {
            /* the client got the dialect's error event instead of an end */
            ctx->stream_truncated = 1;
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ai_gateway: provider \"%V\" ended its stream "
                          "without its end marker",
                          &ctx->step->provider->name);
        }

        /*
         * The try's end of output goes on, as a buffer of our own: the
         * emptied upstream buffers must not (zero-size buffers alert).
         */
        tail = ngx_http_ai_gateway_end_link(r);
        if (tail == NULL) {
            return NGX_ERROR;
        }
    }

    return ngx_http_ai_gateway_emit(r, ctx, tail);
}
