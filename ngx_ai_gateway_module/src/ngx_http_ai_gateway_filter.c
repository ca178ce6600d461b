/*
 * ngx_http_ai_gateway_filter: what a try's answer becomes.
 *
 * The filters see the output of the current try's subrequest before the
 * postpone filter hands it to the main request (request path, 8:
 * docs/request-path.md).
 * A 2xx stream starts the client's response at once and each provider
 * event is translated and sent as it arrives; a whole body, or a failed
 * try's body, is kept until the try ends, for the handler to translate or
 * to fail over.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_engine.h"


/* a failed try's body is kept this far, for the all-fail passthrough */
#define NGX_HTTP_AI_GATEWAY_ERROR_BODY_MAX  (256 * 1024)

/*
 * The try holds provider bytes it could not translate yet (r->buffered):
 * the image filter's bit, a filter that never runs on the internal
 * location; nginx only tests the bits for non-zero, each filter clears its
 * own.
 */
#define NGX_HTTP_AI_GATEWAY_BUFFERED        0x08


static ngx_int_t ngx_http_ai_gateway_filter_postconf(ngx_conf_t *cf);
static ngx_int_t ngx_http_ai_gateway_header_filter(ngx_http_request_t *r);
static void ngx_http_ai_gateway_drop_try_body(ngx_http_request_t *r);
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
 * A translated error keeps only the retry hints, which every dialect's
 * SDKs read the same way: the rest names the provider's dialect.  When
 * the client's key has limits of its own, its rate-limit headers are the
 * key's (_limited.c), not the provider account's.  The names are looked up
 * in a hash (amcf->pass_headers), whose value says which list a name is
 * in; the prefixes are compared after.
 */

static ngx_str_t  ngx_http_ai_gateway_retry_headers[] = {
    ngx_string("retry-after"),
    ngx_string("retry-after-ms"),
    ngx_string("x-should-retry"),
    ngx_null_string
};

static ngx_str_t  ngx_http_ai_gateway_pass_headers[] = {
    ngx_string("x-request-id"),            /* OpenAI */
    ngx_string("request-id"),              /* Anthropic */
    ngx_string("apim-request-id"),         /* Azure OpenAI */
    ngx_string("openai-processing-ms"),
    ngx_string("openai-version"),
    ngx_null_string
};

static ngx_str_t  ngx_http_ai_gateway_pass_prefixes[] = {
    ngx_string("x-ratelimit-"),            /* OpenAI, Azure */
    ngx_string("anthropic-ratelimit-"),
    ngx_null_string
};


ngx_int_t
ngx_http_ai_gateway_filter_init(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    ngx_http_ai_gateway_names_t  lists[] = {
        { ngx_http_ai_gateway_retry_headers,
          ngx_http_ai_gateway_retry_headers },
        { ngx_http_ai_gateway_pass_headers,
          ngx_http_ai_gateway_pass_headers },
        { NULL, NULL }
    };

    return ngx_http_ai_gateway_names_hash(cf, &amcf->pass_headers,
                                          "ai_gateway_pass_headers_hash",
                                          lists);
}


static ngx_uint_t
ngx_http_ai_gateway_passes_header(ngx_hash_t *hash, ngx_table_elt_t *h,
    ngx_uint_t retry_only, ngx_uint_t own_limits)
{
    void       *list;
    ngx_str_t  *p;

    list = ngx_http_ai_gateway_header_find(hash, h);

    if (list == ngx_http_ai_gateway_retry_headers) {
        return 1;
    }

    if (retry_only) {
        return 0;
    }

    if (list == ngx_http_ai_gateway_pass_headers) {
        return 1;
    }

    if (own_limits) {
        return 0;
    }

    for (p = ngx_http_ai_gateway_pass_prefixes; p->len; p++) {
        if (h->key.len > p->len
            && ngx_strncasecmp(h->key.data, p->data, p->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


ngx_int_t
ngx_http_ai_gateway_copy_headers(ngx_http_request_t *r,
    ngx_http_request_t *sr, ngx_uint_t retry_only)
{
    ngx_uint_t                        i, own;
    ngx_list_part_t                  *part;
    ngx_table_elt_t                  *h;
    ngx_http_ai_gateway_ctx_t        *ctx;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_ai_gateway_module);
    own = ctx != NULL && ctx->limit_headers;
    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

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

        if (h[i].hash == 0
            || !ngx_http_ai_gateway_passes_header(&amcf->pass_headers, &h[i],
                                                  retry_only, own))
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


/* A 2xx stream: the client's response starts now, with our headers. */

static ngx_int_t
ngx_http_ai_gateway_start_stream(ngx_http_request_t *sr,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    ngx_int_t                        rc;
    agw_answer_ctx_t                 ans;
    ngx_http_request_t              *r;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    r = sr->main;
    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ai_gateway_module);

    ngx_memzero(&ans, sizeof(agw_answer_ctx_t));
    ans.model = agw_str_bytes((char *) ctx->model.data, ctx->model.len);
    /* chunks made from another dialect carry our clock, not 0 */
    ans.created = ngx_time();
    ans.include_usage = ctx->include_usage;
    ans.provider = ctx->pdialect;
    /* what a writer keeps to repeat at the end is an answer held whole */
    ans.max_held = alcf->max_response;
    ans.meta = &ctx->meta;

    ctx->stream = agw_engine_stream_new(ctx->pdialect, ctx->client, &ans, 0);
    if (ctx->stream == NULL) {
        return NGX_ERROR;
    }

    if (ctx->pdialect == ctx->client
        && ngx_http_ai_gateway_copy_headers(r, sr, 0) != NGX_OK)
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


/*
 * The try's body (the client's, translated or with its model replaced) is
 * a copy made for this try alone; once the provider has it whole and
 * answers, nginx reads it no more (no other server is tried after an
 * answer's header) and a next try makes its own.  An agent's history runs
 * to hundreds of KB: give it back now rather than hold it for the whole
 * stream.  A body small enough for the pool's blocks stays (ngx_pfree()
 * frees large allocations only).
 */

static void
ngx_http_ai_gateway_drop_try_body(ngx_http_request_t *r)
{
    ngx_buf_t  *b;

    if (r->upstream == NULL || !r->upstream->request_body_sent
        || r->request_body == NULL || r->request_body->buf == NULL)
    {
        return;
    }

    b = r->request_body->buf;

    if (b->start && ngx_pfree(r->pool, b->start) == NGX_OK) {
        /* $request_body of the try reads nothing freed */
        r->request_body->bufs = NULL;
        r->request_body->buf = NULL;
        b->start = NULL;
        b->pos = NULL;
        b->last = NULL;
        b->end = NULL;
    }
}


static ngx_int_t
ngx_http_ai_gateway_header_filter(ngx_http_request_t *r)
{
    ngx_http_ai_gateway_ctx_t  *ctx;

    ctx = ngx_http_ai_gateway_try_ctx(r);
    if (ctx == NULL) {
        return ngx_http_next_header_filter(r);
    }

    /* request path, 7: the core header filter ignores subrequests */
    r->header_sent = 1;

    /*
     * The answer must be read, not sent from a file: nginx's copy filter,
     * above this one (a dynamic filter goes below it), then reads what
     * proxy_buffering on spilled to a temp file, or a proxy_cache hit,
     * into memory, as it does for the sub and SSI filters.
     */
    r->filter_need_in_memory = 1;

    ctx->try_answered = 1;
    ctx->try_status = r->headers_out.status;

    ngx_http_ai_gateway_drop_try_body(r);

    if (r->headers_out.status < NGX_HTTP_OK
        || r->headers_out.status >= NGX_HTTP_SPECIAL_RESPONSE
        || r->headers_out.status == NGX_HTTP_NO_CONTENT)
    {
        return NGX_OK;
    }

    ctx->try_ok = 1;

    /* the answer may yet be cut: learn how, for the try's outcome */
    ngx_http_ai_gateway_upstream_watch(r, ctx);

    if (!ctx->counted) {
        ctx->counted = 1;

        if (ngx_http_ai_gateway_memory_hold(r->main) != NGX_OK) {
            return NGX_ERROR;
        }
    }

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
 * The output buffers' memory is malloc'd (it was ctx->out's): freed with
 * the request, as ctx->out is, wherever the buffers are then.
 */

static void
ngx_http_ai_gateway_free_bufs(void *data)
{
    ngx_chain_t                *cl;
    ngx_http_ai_gateway_ctx_t  *ctx = data;

    for (cl = ctx->free; cl; cl = cl->next) {
        ngx_free(cl->buf->start);
    }

    for (cl = ctx->busy; cl; cl = cl->next) {
        ngx_free(cl->buf->start);
    }
}


/*
 * Our translated bytes (ctx->out from ctx->out_pos) to the try's output,
 * where the engine wrote them: ctx->out's memory becomes an output buffer,
 * and ctx->out takes the memory of one that went out (none yet: the next
 * event allocates).  Copied into buffers of ai_gateway_buffers' size
 * before, the client's every byte was written twice.  A client slower
 * than the provider holds at most ai_gateway_buffers' bytes (NUMBER times
 * SIZE; more only in one buffer alone, a read's events that were larger),
 * and the rest waits in the provider's own buffers, unread, so that nginx
 * stops reading the provider and TCP slows it down.  Buffers are recycled
 * (request path, 12) and flushed: a stream goes out event by event.
 */

static ngx_int_t
ngx_http_ai_gateway_fill(ngx_http_request_t *r, ngx_http_ai_gateway_ctx_t *ctx,
    ngx_chain_t **out)
{
    size_t                           held, spare_size;
    u_char                          *spare;
    ngx_buf_t                       *b;
    ngx_chain_t                     *cl;
    ngx_pool_cleanup_t              *cln;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r->main, ngx_http_ai_gateway_module);

    *out = NULL;

    /* (only the filter's own buffers are busy: update_chains keeps them) */
    held = 0;

    for (cl = ctx->busy; cl; cl = cl->next) {
        held += (size_t) (cl->buf->end - cl->buf->start);
    }

    if ((ctx->busy && held + ctx->out.cap > alcf->bufs.num * alcf->bufs.size)
        || (ctx->free == NULL && ctx->nbufs >= alcf->bufs.num))
    {
        return NGX_OK;
    }

    /* the bytes go out now: before a buffer leaves the free chain, whose
     * memory an error here would lose */
    if (ngx_http_ai_gateway_capture(r, ctx, ctx->out.data + ctx->out_pos,
                                    ctx->out.len - ctx->out_pos)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ctx->free) {
        cl = ctx->free;
        ctx->free = cl->next;

    } else {
        if (ctx->nbufs == 0) {
            cln = ngx_pool_cleanup_add(r->pool, 0);
            if (cln == NULL) {
                return NGX_ERROR;
            }

            cln->handler = ngx_http_ai_gateway_free_bufs;
            cln->data = ctx;
        }

        b = ngx_calloc_buf(r->pool);
        cl = ngx_alloc_chain_link(r->pool);
        if (b == NULL || cl == NULL) {
            return NGX_ERROR;
        }

        b->tag = (ngx_buf_tag_t) &ngx_http_ai_gateway_filter_module;
        b->recycled = 1;
        b->temporary = 1;
        cl->buf = b;
        ctx->nbufs++;
    }

    b = cl->buf;
    spare = b->start;
    spare_size = (size_t) (b->end - b->start);

    b->start = (u_char *) ctx->out.data;
    b->end = b->start + ctx->out.cap;
    b->pos = b->start + ctx->out_pos;
    b->last = b->start + ctx->out.len;
    b->flush = 1;

    cl->next = NULL;
    *out = cl;

    ctx->out.data = (char *) spare;
    ctx->out.cap = spare_size;
    ctx->out.len = 0;
    ctx->out_pos = 0;

    if (spare) {
        ctx->out.data[0] = '\0';
    }

    if (ctx->ttfb == 0) {
        ctx->ttfb = ngx_max(ngx_current_msec - ctx->start, 1);
    }

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


/* ctx->out's memory once send_end() gave it to nginx: with the pool */

static void
ngx_http_ai_gateway_free_sent(void *data)
{
    ngx_free(data);
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
    size_t               len;
    ngx_buf_t           *b;
    ngx_chain_t         *last, *out;
    ngx_pool_cleanup_t  *cln;

    /* (the handler may have reset ctx->out after the filter sent part) */
    if (ctx->out.len <= ctx->out_pos) {
        agw_buf_reset(&ctx->out);
        ctx->out_pos = 0;
        return ngx_http_send_special(r, NGX_HTTP_LAST);
    }

    len = ctx->out.len - ctx->out_pos;

    if (ngx_http_ai_gateway_capture(r, ctx, ctx->out.data + ctx->out_pos, len)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    last = ngx_http_ai_gateway_end_link(r);
    b = ngx_calloc_buf(r->pool);
    out = ngx_alloc_chain_link(r->pool);
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (last == NULL || b == NULL || out == NULL || cln == NULL) {
        return NGX_ERROR;
    }

    /*
     * The bytes go from where the engine wrote them, not copied (a
     * Responses stream's last events carry its whole text, several
     * times): the memory is the pool's from here, freed with the request
     * after its last byte went out, and ctx->out starts empty should
     * anything write there still.
     */
    b->start = (u_char *) ctx->out.data;
    b->pos = b->start + ctx->out_pos;
    b->last = b->pos + len;
    b->end = b->last;
    b->memory = 1;              /* read only: filters copy to change it */

    cln->handler = ngx_http_ai_gateway_free_sent;
    cln->data = ctx->out.data;

    ngx_memzero(&ctx->out, sizeof(agw_buf_t));
    ctx->out_pos = 0;

    if (ctx->ttfb == 0) {
        ctx->ttfb = ngx_max(ngx_current_msec - ctx->start, 1);
    }

    out->buf = b;
    out->next = last;

    return ngx_http_output_filter(r, out);
}


/*
 * Up to `size` of b's unread bytes, at *data: where they are in memory,
 * or read into ctx->file_buf from the file they are in.  The copy filter
 * gives this filter memory (filter_need_in_memory); a file buffer that
 * still comes is read here, with the blocking read the copy filter makes
 * without aio, rather than skipped.  Returns the count, or NGX_ERROR: a
 * buffer that cannot be read is never passed over.
 */

static ssize_t
ngx_http_ai_gateway_buf_data(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_buf_t *b, size_t size, u_char **data)
{
    ssize_t                          n;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    if (ngx_buf_in_memory(b)) {
        *data = b->pos;
        return ngx_min(size, (size_t) (b->last - b->pos));
    }

    if (!b->in_file || b->file == NULL) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "ai_gateway: a provider buffer neither in memory "
                      "nor in a file");
        return NGX_ERROR;
    }

    alcf = ngx_http_get_module_loc_conf(r->main, ngx_http_ai_gateway_module);

    if (ctx->file_buf == NULL) {
        ctx->file_buf = ngx_pnalloc(r->pool, alcf->bufs.size);
        if (ctx->file_buf == NULL) {
            return NGX_ERROR;
        }
    }

    size = (size_t) ngx_min((off_t) ngx_min(size, alcf->bufs.size),
                            b->file_last - b->file_pos);

    n = ngx_read_file(b->file, ctx->file_buf, size, b->file_pos);

    if (n == NGX_ERROR) {
        return NGX_ERROR;
    }

    if ((size_t) n != size) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: read only %z of %uz bytes of \"%V\"",
                      n, size, &b->file->name);
        return NGX_ERROR;
    }

    *data = ctx->file_buf;

    return n;
}


static void
ngx_http_ai_gateway_buf_consume(ngx_buf_t *b, size_t n)
{
    if (ngx_buf_in_memory(b)) {
        b->pos += n;
    }

    if (b->in_file) {
        b->file_pos += n;
    }
}


/*
 * Why a stream ended in the client's error event, once: the provider's
 * own error event, a stream cut before its end, or one that broke its
 * dialect's rules.
 */

static void
ngx_http_ai_gateway_stream_log(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    const agw_error_t  *err;

    err = agw_engine_stream_error(ctx->stream);

    if (err == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: provider \"%V\" stream failed: out of "
                      "memory", &ctx->step->provider->name);

    } else if (ngx_strcmp(err->code, "stream_truncated") == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: provider \"%V\" ended its stream without "
                      "its end marker", &ctx->step->provider->name);

    } else if (ngx_strcmp(err->code, "invalid_stream") == 0
               || ngx_strcmp(err->code, "event_too_large") == 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: provider \"%V\" sent a malformed stream: "
                      "%s", &ctx->step->provider->name, err->message);

    } else {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: provider \"%V\" reported an error in its "
                      "stream: %s", &ctx->step->provider->name,
                      err->message);
    }
}


/*
 * What ctx->out takes at once for a read's events (after a wait the stream
 * gave its output memory back, ngx_http_ai_gateway_idle(); the first
 * read's buffer held the request): the read's provider bytes times what
 * the stream's events have grown by so far.  The read's events, each in
 * an HTTP chunk of its own as providers send them and fed one at a time,
 * pile up in ctx->out until they go out together; grown from 1 KB
 * instead, ctx->out was realloc'd, and the events so far copied, two or
 * three times a read (a Responses client gets twice the provider's
 * bytes).  At most two output buffers: the filter sends once it holds one
 * (stream_body()), and a read taken from a temporary file counts its
 * whole file.
 */

static size_t
ngx_http_ai_gateway_read_reserve(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    off_t                            in;
    size_t                           max;
    ngx_chain_t                     *cl;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r->main, ngx_http_ai_gateway_module);
    max = 2 * alcf->bufs.size;

    in = 0;

    for (cl = ctx->in; cl && in < (off_t) max; cl = cl->next) {
        in += ngx_buf_size(cl->buf);
    }

    in = ngx_min(in, (off_t) max);

    /* the stream's first read: its start events grow the most */
    if (ctx->stream_in == 0) {
        return ngx_min(2 * (size_t) in, max) + 512;
    }

    /* (stream_out / stream_in) * in, multiplied first, in 64 bits also
     * where size_t has 32 (a stream of 2^50 bytes out would wrap: a
     * smaller reserve, then ctx->out grows as it did before) */
    return (size_t) ngx_min((uint64_t) ctx->stream_out * (uint64_t) in
                            / ctx->stream_in, (uint64_t) max)
           + 512;
}


/* Provider bytes of a stream into ctx->out, through the engine. */

static ngx_int_t
ngx_http_ai_gateway_stream_feed(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, u_char *data, size_t len)
{
    int          rc;
    size_t       before, extra;
    agw_error_t  err;
#if (NGX_DEBUG)
    size_t       cap;
#endif

    if (ctx->stream_failed) {
        return NGX_OK;
    }

#if (NGX_DEBUG)
    cap = ctx->out.cap;
#endif

    /* the client's events are about the provider's size: one allocation
     * instead of a doubling per event */
    extra = len + len / 4 + 512;

    if (ctx->out.len == 0) {
        /* the first of a read's events (or of those after a send) */
        extra = ngx_max(extra, ngx_http_ai_gateway_read_reserve(r, ctx));
    }

    if (agw_buf_reserve(&ctx->out, extra) != 0) {
        return NGX_ERROR;
    }

    before = ctx->out.len;

    /* the engine keeps its buffers until the filter says the stream waits
     * (stream_body()): a read's HTTP chunks, one per event, follow at once */
    rc = agw_engine_stream_feed_more(ctx->stream, (char *) data, len,
                                     &ctx->out);

    ctx->stream_in += len;
    ctx->stream_out += ctx->out.len - before;

#if (NGX_DEBUG)
    if (cap && ctx->out.cap != cap) {
        /* a realloc: what was there was copied */
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "ai_gateway: the stream's output grew from %uz to "
                       "%uz bytes", cap, ctx->out.cap);
    }
#endif

    if (rc != 0) {
        ngx_http_ai_gateway_stream_log(r, ctx);
        ctx->stream_failed = 1;
        return NGX_OK;
    }

    if (ngx_http_ai_gateway_limits_stream(r, ctx, ctx->out.len - before)
        == NGX_DECLINED)
    {
        /* over the key's budget: the client gets its dialect's error
         * event now, and nothing the provider sends after */
        agw_error_set(&err, AGW_ERR_RATE_LIMIT, 429, "budget_exceeded",
                      "The key's budget was reached during this answer");
        agw_engine_stream_set_error(ctx->stream, &err);

        if (agw_engine_stream_finish(ctx->stream, 0, &ctx->out) < 0) {
            return NGX_ERROR;
        }

        ctx->stream_failed = 1;
        ctx->stream_truncated = 1;
    }

    return NGX_OK;
}


/* The provider's stream ended: the client's dialect's end into ctx->out. */

static ngx_int_t
ngx_http_ai_gateway_stream_finish(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    int  rc;

    rc = agw_engine_stream_finish(ctx->stream, !ctx->stream_failed,
                                  &ctx->out);
    if (rc < 0) {
        return NGX_ERROR;
    }

    if (rc > 0) {
        /* the client got its dialect's error event instead of an end */
        ctx->stream_truncated = 1;

        if (!ctx->stream_failed) {
            ngx_http_ai_gateway_stream_log(r, ctx);
        }
    }

    return NGX_OK;
}


/*
 * The try's write handler while the filter holds provider bytes.  With
 * proxy_buffering on, nginx's event pipe calls the filter again only when
 * it has new provider bytes or too many busy buffers, not when the client
 * can take more: this one lets the filter go on first.  (Unbuffered, the
 * upstream's own handler calls the filter while the client's connection
 * is buffered.)
 */

static void
ngx_http_ai_gateway_try_writer(ngx_http_request_t *r)
{
    ngx_http_event_handler_pt   handler;
    ngx_http_ai_gateway_ctx_t  *ctx;

    ctx = ngx_http_ai_gateway_try_ctx(r);
    if (ctx == NULL) {
        return;
    }

    handler = ctx->try_writer;
    r->write_event_handler = handler;

    if ((r->buffered & NGX_HTTP_AI_GATEWAY_BUFFERED)
        && !r->connection->write->timedout)
    {
        (void) ngx_http_output_filter(r, NULL);
    }

    handler(r);
}


/*
 * Everything the stream had was sent: while it waits for the provider's
 * next event (an open stream mostly waits), its output memory goes back,
 * to be taken again for the next event (a malloc and a free per wait,
 * against a fifth of what an open stream costs).  Not between the reads
 * of a burst (a read that filled the try's buffer): there the next read
 * follows at once, and a malloc and a free per read cost a 300-event
 * stream a fifth of what the module adds to it besides the translation.
 */

static void
ngx_http_ai_gateway_idle(ngx_http_request_t *r, ngx_http_ai_gateway_ctx_t *ctx)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "ai_gateway: the stream waits, its output memory goes "
                   "back");

    for (cl = ctx->free; cl; cl = cl->next) {
        b = cl->buf;

        ngx_free(b->start);
        b->start = NULL;
        b->pos = NULL;
        b->last = NULL;
        b->end = NULL;
    }

    agw_buf_free(&ctx->out);
    ctx->out_pos = 0;
}


/*
 * A 2xx stream: provider bytes are translated a piece at a time (at most
 * one output buffer of them) and only while the output buffers can take
 * the result, at most one buffer's worth more; what the client cannot
 * take yet stays in the provider's buffers, unread (ctx->in).
 */

static ngx_int_t
ngx_http_ai_gateway_stream_body(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_chain_t *in)
{
    u_char                          *data;
    ssize_t                          n;
    ngx_int_t                        rc;
    ngx_uint_t                       hold, flows;
    ngx_buf_t                       *b;
    ngx_chain_t                     *cl, *out;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r->main, ngx_http_ai_gateway_module);

    if (in) {
        if (ngx_chain_add_copy(r->pool, &ctx->in, in) != NGX_OK) {
            return NGX_ERROR;
        }

        /* the try's end came: the post-subrequest handler, which runs
         * before the held bytes are translated, must not call it cut */
        for (cl = in; cl; cl = cl->next) {
            if (cl->buf->last_buf || cl->buf->last_in_chain) {
                ctx->got_last = 1;
            }
        }

    } else {
        /* the client may take more: let what is buffered below go first */
        out = NULL;
        if (ngx_http_next_body_filter(r, NULL) == NGX_ERROR) {
            return NGX_ERROR;
        }

        ngx_chain_update_chains(r->pool, &ctx->free, &ctx->busy, &out,
                          (ngx_buf_tag_t) &ngx_http_ai_gateway_filter_module);
    }

    hold = 0;

    for ( ;; ) {

        /* provider buffers read whole leave; the last ends the stream */
        while (ctx->in && ngx_buf_size(ctx->in->buf) == 0) {
            cl = ctx->in;
            ctx->in = cl->next;

            if ((cl->buf->last_buf || cl->buf->last_in_chain)
                && ngx_http_ai_gateway_stream_finish(r, ctx) != NGX_OK)
            {
                return NGX_ERROR;
            }

            ngx_free_chain(r->pool, cl);
        }

        /*
         * Once the try's upstream has its whole answer (u->length is 0
         * before the output filter runs, for a Content-Length and a chunked
         * answer alike), nginx finalizes the try and then the client's
         * request before it returns to epoll, and send_end() sends the
         * provider's last bytes with the response's end, in one write
         * instead of two: on loopback a write costs as much as parsing the
         * whole stream.
         */
        hold = (ctx->in == NULL && r->upstream && r->upstream->length == 0);

        /*
         * A read holds as many provider events as fit, each in an HTTP
         * chunk of its own (a buffer of ctx->in): they go to the client
         * in one write, not one each, once they are all translated or
         * fill an output buffer.
         */
        if (ctx->out_pos < ctx->out.len && !hold
            && (ctx->in == NULL
                || ctx->out.len - ctx->out_pos >= alcf->bufs.size))
        {
            if (ngx_http_ai_gateway_fill(r, ctx, &out) != NGX_OK) {
                return NGX_ERROR;
            }

            if (out == NULL) {
                /* every buffer is on its way to a slower client */
                break;
            }

            rc = ngx_http_next_body_filter(r, out);

            ngx_chain_update_chains(r->pool, &ctx->free, &ctx->busy, &out,
                          (ngx_buf_tag_t) &ngx_http_ai_gateway_filter_module);

            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            continue;
        }

        if (ctx->in == NULL) {
            break;
        }

        b = ctx->in->buf;

        n = ngx_http_ai_gateway_buf_data(r, ctx, b, alcf->bufs.size, &data);

        if (n == NGX_ERROR) {
            /* the client gets the dialect's error event, not an end */
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "ai_gateway: the answer of provider \"%V\" cannot "
                          "be read", &ctx->step->provider->name);
            ctx->stream_failed = 1;
            n = ngx_buf_size(b);

        } else if (ngx_http_ai_gateway_stream_feed(r, ctx, data, n)
                   != NGX_OK)
        {
            return NGX_ERROR;
        }

        ngx_http_ai_gateway_buf_consume(b, n);
    }

    if (ctx->got_last && ctx->in == NULL && !ctx->end_sent
        && (hold || ctx->out_pos == ctx->out.len))
    {
        /* the try's end of output, as a buffer of our own: the emptied
         * upstream buffers must not go on (zero-size buffers alert) */
        ctx->end_sent = 1;

        cl = ngx_http_ai_gateway_end_link(r);
        if (cl == NULL || ngx_http_next_body_filter(r, cl) == NGX_ERROR) {
            return NGX_ERROR;
        }
    }

    /* every provider byte read was used: the next read's size, and
     * whether it follows at once (a burst) or the stream waits */
    flows = (ctx->in == NULL && ngx_http_ai_gateway_upstream_flow(r, ctx));

    if (!flows) {
        /* the provider's bytes stopped, or wait for a slower client */
        agw_engine_stream_idle(ctx->stream);
    }

    if (ctx->in == NULL && ctx->out.len == 0 && ctx->busy == NULL
        && !flows)
    {
        ngx_http_ai_gateway_idle(r, ctx);
    }

    if (ctx->in || (!hold && ctx->out_pos < ctx->out.len)) {
        r->buffered |= NGX_HTTP_AI_GATEWAY_BUFFERED;

        if (r->upstream && r->upstream->buffering
            && r->write_event_handler != ngx_http_ai_gateway_try_writer)
        {
            ctx->try_writer = r->write_event_handler;
            r->write_event_handler = ngx_http_ai_gateway_try_writer;
        }

    } else {
        r->buffered &= ~NGX_HTTP_AI_GATEWAY_BUFFERED;
    }

    return NGX_OK;
}


/*
 * A whole answer, or a failed try's body: kept in ctx->resp for the
 * handler to translate or to fail over.  A 2xx answer larger than
 * ai_gateway_max_response_size is dropped (and answered with a 502 by the
 * handler); a failed try's body is kept as far as it fits.
 */

static ngx_int_t
ngx_http_ai_gateway_keep_body(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_chain_t *in)
{
    size_t                           max;
    u_char                          *data;
    ssize_t                          n;
    ngx_buf_t                       *b;
    ngx_chain_t                     *cl;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(r->main, ngx_http_ai_gateway_module);

    max = ctx->try_ok ? alcf->max_response
                      : NGX_HTTP_AI_GATEWAY_ERROR_BODY_MAX;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        while (ngx_buf_size(b)) {

            if (ctx->resp_too_large || ctx->resp_unreadable
                || (!ctx->try_ok && ctx->resp.len + ngx_buf_size(b) > max))
            {
                /* swallowed */
                ngx_http_ai_gateway_buf_consume(b, ngx_buf_size(b));
                break;
            }

            if (ctx->resp.len + ngx_buf_size(b) > max) {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "ai_gateway: answer of provider \"%V\" is "
                              "larger than %uz bytes",
                              &ctx->step->provider->name, max);
                ctx->resp_too_large = 1;
                agw_buf_free(&ctx->resp);
                continue;
            }

            n = ngx_http_ai_gateway_buf_data(r, ctx, b, ngx_buf_size(b),
                                             &data);
            if (n == NGX_ERROR) {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "ai_gateway: the answer of provider \"%V\" "
                              "cannot be read", &ctx->step->provider->name);
                ctx->resp_unreadable = 1;
                agw_buf_free(&ctx->resp);
                continue;
            }

            if (agw_buf_append(&ctx->resp, data, n) != 0) {
                return NGX_ERROR;
            }

            ngx_http_ai_gateway_buf_consume(b, n);
        }

        if (b->last_buf || b->last_in_chain) {
            ctx->got_last = 1;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_ai_gateway_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_chain_t                *cl;
    ngx_http_ai_gateway_ctx_t  *ctx;

    ctx = ngx_http_ai_gateway_try_ctx(r);
    if (ctx == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    if (!(ctx->try_ok && ctx->header_sent)) {
        /* kept for the handler: nothing goes to the client yet */
        return in ? ngx_http_ai_gateway_keep_body(r, ctx, in) : NGX_OK;
    }

    if (ctx->stream) {
        return ngx_http_ai_gateway_stream_body(r, ctx, in);
    }

    /*
     * A raw stream (completions, responses): bytes pass unchanged, and
     * nginx's own buffers bound what a slow client holds.
     */
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

    if (in && ctx->ttfb == 0) {
        ctx->ttfb = ngx_max(ngx_current_msec - ctx->start, 1);
    }

    return ngx_http_next_body_filter(r, in);
}
