/*
 * ngx_http_ai_gateway_upstream: what one try sends to a provider.
 *
 * Each try is a subrequest to the internal location (conf/ai_gateway_
 * upstream.conf), whose `proxy_pass $ai_gateway_upstream_url` reaches the
 * provider.  This file builds that URL and the subrequest's header list:
 * the client's headers minus its credentials and hop-by-hop headers, plus
 * the provider's key and extra headers, and the try's traceparent
 * (_trace.c); and it learns from the proxy how
 * an answer that had begun ended (a cut, a stall).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"


/* not inlined: its buffer would cost every parsed header a stack check */
static void *ngx_http_ai_gateway_header_find_made(ngx_hash_t *hash,
    ngx_table_elt_t *h) __attribute__((noinline));


/*
 * proxy_pass with a variable finds an upstream{} block, or an implicit
 * upstream registered here, by host and port; without one nginx would need
 * a resolver at run time.  Like a static proxy_pass (no_resolve here), the
 * name is resolved once, when the upstream module initialises, after every
 * upstream{} block is known: a provider may name one declared later.
 */

ngx_int_t
ngx_http_ai_gateway_add_upstream(ngx_conf_t *cf,
    ngx_http_ai_gateway_provider_t *p)
{
    u_char     *host, *end;
    ngx_url_t   u;

    host = p->url.data + (p->url.data[4] == 's' ? 8 : 7);
    end = ngx_strlchr(host, p->url.data + p->url.len, '/');
    if (end == NULL) {
        end = p->url.data + p->url.len;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));
    u.url.data = host;
    u.url.len = end - host;
    u.default_port = (p->url.data[4] == 's') ? 443 : 80;
    u.no_resolve = 1;

    if (ngx_http_upstream_add(cf, &u, 0) == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "cannot use url \"%V\" of provider \"%V\"",
                           &p->url, &p->name);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static u_char *
ngx_http_ai_gateway_cpy_escaped(u_char *dst, ngx_str_t *s)
{
    return (u_char *) ngx_escape_uri(dst, s->data, s->len,
                                     NGX_ESCAPE_URI_COMPONENT);
}


/* Builds ctx->upstream_url for the current step. */

ngx_int_t
ngx_http_ai_gateway_upstream_url(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    size_t                           len, args;
    u_char                          *p;
    ngx_str_t                        path, *model;
    ngx_uint_t                       escaped;
    ngx_http_ai_gateway_provider_t  *pv;

    pv = ctx->step->provider;
    model = &ctx->upstream_model;

    switch (ctx->endpoint) {
    case NGX_HTTP_AI_GATEWAY_EP_COMPLETIONS:
        ngx_str_set(&path, "/completions");
        break;
    case NGX_HTTP_AI_GATEWAY_EP_EMBEDDINGS:
        ngx_str_set(&path, "/embeddings");
        break;
    case NGX_HTTP_AI_GATEWAY_EP_RESPONSES:
        if (ctx->pdialect == AGW_DIALECT_RESPONSES) {
            ngx_str_set(&path, "/responses");
            break;
        }

        /* translated for another provider: its chat API */
        goto chat;
    case NGX_HTTP_AI_GATEWAY_EP_COUNT_TOKENS:
        if (pv->dialect == AGW_DIALECT_GEMINI) {
            ngx_str_set(&path, ":countTokens");
        } else {
            ngx_str_set(&path, "/messages/count_tokens");
        }
        break;
    default:
    chat:
        /* chat in any dialect */
        if (pv->dialect == AGW_DIALECT_ANTHROPIC) {
            ngx_str_set(&path, "/messages");

        } else if (pv->dialect == AGW_DIALECT_GEMINI) {
            if (ctx->stream_req) {
                ngx_str_set(&path, ":streamGenerateContent?alt=sse");
            } else {
                ngx_str_set(&path, ":generateContent");
            }

        } else {
            ngx_str_set(&path, "/chat/completions");
        }
    }

    /* the model may come from the client (the "*" route): escape it */
    escaped = ngx_escape_uri(NULL, model->data, model->len,
                             NGX_ESCAPE_URI_COMPONENT);

    /*
     * An Anthropic client's query (Claude Code's ?beta=true) goes to an
     * Anthropic provider as it came; to any other provider it means
     * nothing.  A key= parameter was taken out of r->args already.
     */
    args = (ctx->client == AGW_DIALECT_ANTHROPIC
            && pv->dialect == AGW_DIALECT_ANTHROPIC)
           ? r->args.len : 0;

    len = pv->url.len + path.len + model->len + 2 * escaped
          + sizeof("/openai/deployments/") + sizeof("/models/")
          + sizeof("?api-version=") + pv->api_version.len
          + sizeof("?") + args;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ctx->upstream_url.data = p;
    p = ngx_cpymem(p, pv->url.data, pv->url.len);

    switch (pv->type) {

    case NGX_HTTP_AI_GATEWAY_AZURE:
        /* https://RESOURCE.openai.azure.com/openai/deployments/D/... */
        p = ngx_cpymem(p, "/openai/deployments/",
                       sizeof("/openai/deployments/") - 1);
        p = ngx_http_ai_gateway_cpy_escaped(p, model);
        p = ngx_cpymem(p, path.data, path.len);
        p = ngx_cpymem(p, "?api-version=", sizeof("?api-version=") - 1);
        p = ngx_cpymem(p, pv->api_version.data, pv->api_version.len);
        break;

    case NGX_HTTP_AI_GATEWAY_GEMINI:
        p = ngx_cpymem(p, "/models/", sizeof("/models/") - 1);
        p = ngx_http_ai_gateway_cpy_escaped(p, model);
        p = ngx_cpymem(p, path.data, path.len);
        break;

    default:
        p = ngx_cpymem(p, path.data, path.len);
    }

    if (args) {
        *p++ = '?';
        p = ngx_cpymem(p, r->args.data, args);
    }

    ctx->upstream_url.len = p - ctx->upstream_url.data;

    return NGX_OK;
}


/*
 * Client headers that never reach a provider: credentials (the client's
 * key must not leak upstream), hop-by-hop headers, and what the try sets
 * itself (traceparent: _trace.c).  Accept-Encoding goes too: the filters
 * read the body.  Looked up in a hash (amcf->drop_headers) by the hash and
 * lower-case name nginx made of each client header as it parsed it.
 */
static ngx_str_t  ngx_http_ai_gateway_drop_headers[] = {
    ngx_string("authorization"),
    ngx_string("proxy-authorization"),
    ngx_string("x-api-key"),
    ngx_string("x-goog-api-key"),
    ngx_string("api-key"),
    ngx_string("cookie"),
    ngx_string("host"),
    ngx_string("connection"),
    ngx_string("keep-alive"),
    ngx_string("proxy-connection"),
    ngx_string("te"),
    ngx_string("trailer"),
    ngx_string("transfer-encoding"),
    ngx_string("upgrade"),
    ngx_string("expect"),
    ngx_string("content-length"),
    ngx_string("content-type"),
    ngx_string("content-encoding"),
    ngx_string("accept-encoding"),
    ngx_string("openai-organization"),
    ngx_string("openai-project"),
    ngx_string("traceparent"),
    ngx_null_string
};


/*
 * The headers a try sets itself, with the lower-case name and its hash the
 * proxy looks them up by (proxy_set_header overrides them): made once,
 * not lowered on every request.  The hash is a number, the same for every
 * configuration, the names are constants: nothing here points into a
 * cycle's memory.
 */

typedef struct {
    ngx_str_t                   name;
    u_char                     *lowcase;
    ngx_uint_t                  hash;
} ngx_http_ai_gateway_try_header_t;

#define NGX_HTTP_AI_GATEWAY_TH_CONTENT_TYPE   0
#define NGX_HTTP_AI_GATEWAY_TH_AUTHORIZATION  1
#define NGX_HTTP_AI_GATEWAY_TH_API_KEY        2
#define NGX_HTTP_AI_GATEWAY_TH_X_API_KEY      3
#define NGX_HTTP_AI_GATEWAY_TH_GOOG_API_KEY   4
#define NGX_HTTP_AI_GATEWAY_TH_VERSION        5
#define NGX_HTTP_AI_GATEWAY_TH_TRACEPARENT    6

static ngx_http_ai_gateway_try_header_t  ngx_http_ai_gateway_try_headers[] = {
    { ngx_string("Content-Type"), (u_char *) "content-type", 0 },
    { ngx_string("Authorization"), (u_char *) "authorization", 0 },
    { ngx_string("api-key"), (u_char *) "api-key", 0 },
    { ngx_string("x-api-key"), (u_char *) "x-api-key", 0 },
    { ngx_string("x-goog-api-key"), (u_char *) "x-goog-api-key", 0 },
    { ngx_string("anthropic-version"), (u_char *) "anthropic-version", 0 },
    { ngx_string("traceparent"), (u_char *) "traceparent", 0 }
};


/*
 * The hash of ngx_http_ai_gateway_drop_headers, for every request, and
 * the hashes of the try's own headers.
 */

ngx_int_t
ngx_http_ai_gateway_upstream_init(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    ngx_uint_t                         i;
    ngx_http_ai_gateway_try_header_t  *th;
    ngx_http_ai_gateway_names_t        lists[] = {
        { ngx_http_ai_gateway_drop_headers, ngx_http_ai_gateway_drop_headers },
        { NULL, NULL }
    };

    th = ngx_http_ai_gateway_try_headers;

    for (i = 0; i < sizeof(ngx_http_ai_gateway_try_headers)
                    / sizeof(ngx_http_ai_gateway_try_header_t); i++)
    {
        th[i].hash = ngx_hash_key(th[i].lowcase, th[i].name.len);
    }

    return ngx_http_ai_gateway_names_hash(cf, &amcf->drop_headers,
                                          "ai_gateway_drop_headers_hash",
                                          lists);
}


/*
 * A hash of header names (lower case), each list's names with that list's
 * value: the one way header names are matched, by the hash and lower-case
 * name nginx made of a header as it parsed it
 * (ngx_http_ai_gateway_header_find()).
 */

ngx_int_t
ngx_http_ai_gateway_names_hash(ngx_conf_t *cf, ngx_hash_t *h, char *name,
    ngx_http_ai_gateway_names_t *lists)
{
    ngx_str_t        *n;
    ngx_array_t       keys;
    ngx_hash_key_t   *k;
    ngx_hash_init_t   hash;

    if (ngx_array_init(&keys, cf->temp_pool, 32, sizeof(ngx_hash_key_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for ( /* void */ ; lists->names; lists++) {
        for (n = lists->names; n->len; n++) {

            if (n->len > NGX_HTTP_AI_GATEWAY_NAME_MAX) {
                ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                              "%s: header name \"%V\" too long", name, n);
                return NGX_ERROR;
            }

            k = ngx_array_push(&keys);
            if (k == NULL) {
                return NGX_ERROR;
            }

            k->key = *n;
            k->key_hash = ngx_hash_key_lc(n->data, n->len);
            k->value = lists->value;
        }
    }

    hash.hash = h;
    hash.key = ngx_hash_key_lc;
    hash.max_size = 512;
    hash.bucket_size = ngx_align(64, ngx_cacheline_size);
    hash.name = name;
    hash.pool = cf->pool;
    hash.temp_pool = NULL;

    return ngx_hash_init(&hash, keys.elts, keys.nelts);
}


/*
 * The value of header h's name in a hash of ngx_http_ai_gateway_names_hash(),
 * or NULL.  A header nginx parsed (the client's, the provider's as the
 * proxy copied them) carries its name's hash and lower-case copy; one a
 * module made (add_header, expires...) is marked by hash 1 and has no
 * lower-case copy: its name is lowered here.
 */

void *
ngx_http_ai_gateway_header_find(ngx_hash_t *hash, ngx_table_elt_t *h)
{
    if (h->hash != 1) {
        return ngx_hash_find(hash, h->hash, h->lowcase_key, h->key.len);
    }

    return ngx_http_ai_gateway_header_find_made(hash, h);
}


/* a header a module made: its name lowered here */

static void *
ngx_http_ai_gateway_header_find_made(ngx_hash_t *hash, ngx_table_elt_t *h)
{
    u_char      lc[NGX_HTTP_AI_GATEWAY_NAME_MAX];
    ngx_uint_t  key;

    if (h->key.len > NGX_HTTP_AI_GATEWAY_NAME_MAX) {
        return NULL;            /* longer than any name of the hash */
    }

    key = ngx_hash_strlow(lc, h->key.data, h->key.len);

    return ngx_hash_find(hash, key, lc, h->key.len);
}


/*
 * Whether a client's header goes to the provider.  anthropic-* headers
 * (anthropic-beta, anthropic-version,
 * anthropic-dangerous-direct-browser-access...) mean something only to
 * Anthropic, which gets them as the client sent them (Claude Code's
 * gateway protocol).  The client's anthropic-version goes only with a body
 * in its own dialect (*version): a translated body has the shape of the
 * provider's api_version, sent after the client's headers.
 */

static ngx_uint_t
ngx_http_ai_gateway_passes(ngx_hash_t *drop, ngx_table_elt_t *h,
    ngx_http_ai_gateway_provider_t *pv, ngx_http_ai_gateway_ctx_t *ctx,
    ngx_str_t **version)
{
    if (ngx_http_ai_gateway_header_find(drop, h) != NULL) {
        return 0;
    }

    /* the vendor state of a trace we did not continue means nothing */
    if (!ctx->trace_incoming
        && h->key.len == sizeof("tracestate") - 1
        && ngx_strncmp(h->lowcase_key, "tracestate", h->key.len) == 0)
    {
        return 0;
    }

    if (h->key.len <= sizeof("anthropic-") - 1
        || ngx_strncmp(h->lowcase_key, "anthropic-",
                       sizeof("anthropic-") - 1) != 0)
    {
        return 1;
    }

    if (pv->dialect != AGW_DIALECT_ANTHROPIC) {
        return 0;
    }

    if (h->key.len == sizeof("anthropic-version") - 1
        && ngx_strncmp(h->lowcase_key, "anthropic-version",
                       h->key.len) == 0)
    {
        if (ctx->client == AGW_DIALECT_ANTHROPIC && *version == NULL) {
            *version = &h->value;
        }

        return 0;
    }

    return 1;
}


/* A header of the provider's configuration: its name lowered here. */

static ngx_int_t
ngx_http_ai_gateway_push_header(ngx_http_request_t *sr, u_char *key,
    size_t key_len, u_char *value, size_t value_len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&sr->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->key.data = key;
    h->key.len = key_len;
    h->value.data = value;
    h->value.len = value_len;

    h->lowcase_key = ngx_pnalloc(sr->pool, key_len);
    if (h->lowcase_key == NULL) {
        return NGX_ERROR;
    }

    h->hash = ngx_hash_strlow(h->lowcase_key, key, key_len);

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


/* One of the try's own headers (ngx_http_ai_gateway_try_headers). */

static ngx_int_t
ngx_http_ai_gateway_push_own_header(ngx_http_request_t *sr, ngx_uint_t n,
    u_char *value, size_t value_len)
{
    ngx_table_elt_t                   *h;
    ngx_http_ai_gateway_try_header_t  *th;

    h = ngx_list_push(&sr->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    th = &ngx_http_ai_gateway_try_headers[n];

    h->hash = th->hash;
    h->key = th->name;
    h->lowcase_key = th->lowcase;
    h->value.data = value;
    h->value.len = value_len;

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


/*
 * A piece of the try's body (b zeroed): nginx only reads it, and the
 * proxy's next server sends it again from start
 * (ngx_http_upstream_reinit).
 */

static ngx_chain_t *
ngx_http_ai_gateway_body_piece(ngx_buf_t *b, ngx_chain_t *cl, u_char *p,
    size_t len)
{
    b->start = p;
    b->pos = p;
    b->last = p + len;
    b->end = b->last;
    b->memory = 1;

    cl->buf = b;
    cl->next = NULL;

    return cl;
}


/*
 * The try's request body (request path, 1): the engine's bytes (edits,
 * in r->pool), with the runs of the client's body it listed (refs) sent
 * from the client's buffer between them, a chain instead of a copy of an
 * agent's 85 KB per try.  rb->buf is the try's own bytes, which the
 * filter gives back once the provider has them; never the client's,
 * which a next try reads again.  *len: the bytes of the whole chain.
 * The pieces' buffers and links come in one allocation each: a
 * translation lists up to AGW_BODY_REFS runs, and a pool allocation a
 * piece walked the pool's blocks for each.
 */

ngx_http_request_body_t *
ngx_http_ai_gateway_upstream_body(ngx_http_request_t *r, ngx_str_t *edits,
    agw_body_refs_t *refs, size_t *len)
{
    size_t                    at, n;
    ngx_buf_t                *b;
    ngx_uint_t                i, k;
    ngx_chain_t              *cl, *links, **ll;
    ngx_http_request_body_t  *rb;

    /* the whole edits, then at most an edit before each run, the run,
     * and the edit after the last */
    k = 2 + 2 * (ngx_uint_t) refs->n;

    rb = ngx_pcalloc(r->pool, sizeof(ngx_http_request_body_t));
    b = ngx_pcalloc(r->pool, k * sizeof(ngx_buf_t));
    links = ngx_palloc(r->pool, k * sizeof(ngx_chain_t));
    if (rb == NULL || b == NULL || links == NULL) {
        return NULL;
    }

    cl = ngx_http_ai_gateway_body_piece(b++, links++, edits->data,
                                        edits->len);

    rb->buf = cl->buf;
    *len = edits->len;

    if (refs->n == 0) {
        cl->buf->last_buf = 1;
        rb->bufs = cl;
        return rb;
    }

    ll = &rb->bufs;
    at = 0;

    for (i = 0; /* void */; i++) {

        /* the engine's bytes before this run, or after the last one */
        n = (i < refs->n ? refs->ref[i].at : edits->len) - at;

        if (n) {
            cl = ngx_http_ai_gateway_body_piece(b++, links++,
                                                edits->data + at, n);
            *ll = cl;
            ll = &cl->next;
        }

        if (i == refs->n) {
            break;
        }

        cl = ngx_http_ai_gateway_body_piece(b++, links++,
                                 (u_char *) refs->body + refs->ref[i].from,
                                 refs->ref[i].len);
        *ll = cl;
        ll = &cl->next;

        *len += refs->ref[i].len;
        at = refs->ref[i].at;
    }

    /* the last piece (the body ends in the client's '}' or an edit) */
    cl->buf->last_buf = 1;

    return rb;
}


ngx_int_t
ngx_http_ai_gateway_upstream_headers(ngx_http_request_t *r,
    ngx_http_request_t *sr, ngx_http_ai_gateway_ctx_t *ctx, size_t len)
{
    u_char                           *v;
    ngx_str_t                         key, *version;
    ngx_uint_t                        i, n;
    ngx_list_part_t                  *part;
    ngx_table_elt_t                  *h, *ht;
    ngx_keyval_t                     *kv;
    ngx_http_ai_gateway_provider_t   *pv;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);
    pv = ctx->step->provider;
    version = NULL;

    /*
     * ngx_http_subrequest() copied the parent's headers_in, list parts
     * included: build a new list rather than edit the parent's, in one
     * part (an open stream keeps it: 56 bytes a header), room for every
     * client header, though a few are dropped, rather than a pass to
     * count them: content type, key, anthropic-version, traceparent and
     * the provider's own headers follow them.
     */
    n = 4 + (pv->headers ? pv->headers->nelts : 0);

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;
    }

    ngx_http_ai_gateway_trace_start(r, ctx);

    if (ngx_list_init(&sr->headers_in.headers, r->pool, n,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    part = &r->headers_in.headers.part;
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
            || !ngx_http_ai_gateway_passes(&amcf->drop_headers, &h[i], pv,
                                           ctx, &version))
        {
            continue;
        }

        /* the parent's lowercase key and hash serve as they are */
        ht = ngx_list_push(&sr->headers_in.headers);
        if (ht == NULL) {
            return NGX_ERROR;
        }

        *ht = h[i];
#if (nginx_version >= 1023000)
        ht->next = NULL;
#endif
    }

    if (ngx_http_ai_gateway_push_own_header(sr,
                                   NGX_HTTP_AI_GATEWAY_TH_CONTENT_TYPE,
                                   (u_char *) "application/json",
                                   sizeof("application/json") - 1)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the key's own account at this provider, or the provider's key */
    key = pv->key;
    (void) ngx_http_ai_gateway_policy_credential(ctx, &pv->name, &key);

    if (key.len) {
        switch (pv->type) {

        case NGX_HTTP_AI_GATEWAY_AZURE:
            if (ngx_http_ai_gateway_push_own_header(sr,
                                           NGX_HTTP_AI_GATEWAY_TH_API_KEY,
                                           key.data, key.len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
            break;

        case NGX_HTTP_AI_GATEWAY_ANTHROPIC:
            if (ngx_http_ai_gateway_push_own_header(sr,
                                           NGX_HTTP_AI_GATEWAY_TH_X_API_KEY,
                                           key.data, key.len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
            break;

        case NGX_HTTP_AI_GATEWAY_GEMINI:
            if (ngx_http_ai_gateway_push_own_header(sr,
                                           NGX_HTTP_AI_GATEWAY_TH_GOOG_API_KEY,
                                           key.data, key.len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
            break;

        default:
            v = ngx_pnalloc(r->pool, sizeof("Bearer ") - 1 + key.len);
            if (v == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(v, "Bearer ", sizeof("Bearer ") - 1);
            ngx_memcpy(v + sizeof("Bearer ") - 1, key.data, key.len);

            if (ngx_http_ai_gateway_push_own_header(sr,
                                        NGX_HTTP_AI_GATEWAY_TH_AUTHORIZATION,
                                        v, sizeof("Bearer ") - 1 + key.len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    if (pv->type == NGX_HTTP_AI_GATEWAY_ANTHROPIC) {
        if (version == NULL) {
            version = &pv->api_version;
        }

        if (ngx_http_ai_gateway_push_own_header(sr,
                                               NGX_HTTP_AI_GATEWAY_TH_VERSION,
                                               version->data, version->len)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    v = ngx_http_ai_gateway_traceparent(r, ctx);
    if (v == NULL
        || ngx_http_ai_gateway_push_own_header(sr,
                                       NGX_HTTP_AI_GATEWAY_TH_TRACEPARENT,
                                       v, AGW_TRACEPARENT_LEN)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (pv->headers) {
        kv = pv->headers->elts;
        for (i = 0; i < pv->headers->nelts; i++) {
            if (ngx_http_ai_gateway_push_header(sr, kv[i].key.data,
                                                kv[i].key.len,
                                                kv[i].value.data,
                                                kv[i].value.len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    /* the proxy sends Content-Length from these (request path, 1) */
    sr->headers_in.content_length = NULL;
    sr->headers_in.content_length_n = len;
    sr->headers_in.chunked = 0;
    sr->headers_in.transfer_encoding = NULL;
    sr->headers_in.content_type = NULL;
    sr->headers_in.authorization = NULL;

    return NGX_OK;
}


/*
 * Once a try's answer has begun, the proxy ends it with the reason lost:
 * a reset, a body shorter than its Content-Length and a stall past
 * proxy_read_timeout all reach the post-subrequest handler as NGX_ERROR.
 * The upstream's finalize_request hook still sees the proxy's own code
 * (502, 504): keep it, for the try's outcome, then let the proxy finish.
 */

static void
ngx_http_ai_gateway_upstream_finalize(ngx_http_request_t *sr, ngx_int_t rc)
{
    ngx_http_ai_gateway_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(sr->main, ngx_http_ai_gateway_module);

    if (ctx->sr == sr) {
        ctx->try_rc = rc;
    }

    ctx->upstream_finalize(sr, rc);
}


/* Called from the header filter, when the try's upstream has answered. */

void
ngx_http_ai_gateway_upstream_watch(ngx_http_request_t *sr,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    ngx_http_upstream_t  *u;

    u = sr->upstream;

    if (u == NULL || u->finalize_request == NULL
        || u->finalize_request == ngx_http_ai_gateway_upstream_finalize)
    {
        return;
    }

    ctx->upstream_finalize = u->finalize_request;
    u->finalize_request = ngx_http_ai_gateway_upstream_finalize;
}


/*
 * A try's response header buffer.  nginx's proxy reads the provider's
 * header block into a buffer of proxy_buffer_size, which a stream then
 * keeps for its body to the end: 4 KB by default, over the request pool's
 * limit, so a malloc of its own for every open stream.  Providers send 1
 * to 2 KB of headers: a try starts with NGX_HTTP_AI_GATEWAY_HEADER_BUFFER
 * bytes of the request pool instead, and moves to proxy_buffer_size only
 * when a header block outgrows them, as nginx moves a client's request
 * headers to a large header buffer.  A provider whose header block did
 * gets proxy_buffer_size at once from then on.  Only nginx's proxy, whose
 * parsing state this knows, and not with proxy_cache (its buffer holds
 * the cache file's header first).
 */

#define NGX_HTTP_AI_GATEWAY_HEADER_BUFFER  2048


extern ngx_module_t  ngx_http_proxy_module;


static ngx_int_t ngx_http_ai_gateway_try_handler(ngx_http_request_t *sr);
static ngx_int_t ngx_http_ai_gateway_status_line(ngx_http_request_t *sr);
static ngx_int_t ngx_http_ai_gateway_header_lines(ngx_http_request_t *sr);
static ngx_int_t ngx_http_ai_gateway_reinit_request(ngx_http_request_t *sr);
static ngx_int_t ngx_http_ai_gateway_grow_header(ngx_http_request_t *sr,
    ngx_http_upstream_t *u, ngx_int_t rc);


/* At configuration: the location the tries go to. */

void
ngx_http_ai_gateway_upstream_hook(ngx_http_core_loc_conf_t *clcf,
    ngx_http_ai_gateway_loc_conf_t *alcf)
{
    if (clcf->handler == ngx_http_ai_gateway_try_handler) {
        return;
    }

    alcf->try_handler = clcf->handler;
    clcf->handler = ngx_http_ai_gateway_try_handler;
}


static ngx_int_t
ngx_http_ai_gateway_try_handler(ngx_http_request_t *sr)
{
    u_char                          *p;
    ngx_int_t                        rc;
    ngx_http_upstream_t             *u;
    ngx_http_ai_gateway_ctx_t       *ctx;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(sr, ngx_http_ai_gateway_module);

    /* proxy_pass: the upstream is made, connecting or sending the request */
    rc = alcf->try_handler(sr);

    u = sr->upstream;
    ctx = ngx_http_get_module_ctx(sr->main, ngx_http_ai_gateway_module);

    if (ctx == NULL || ctx->sr != sr) {
        return rc;
    }

    ctx->read_small = NULL;
    ctx->read_large = NULL;

    if (rc != NGX_DONE
        || u == NULL
        || ctx->step->provider->large_header
        || u->peer.connection == NULL      /* it failed already */
        || u->buffer.start != NULL         /* it read an answer already */
        || u->conf != ngx_http_get_module_loc_conf(sr, ngx_http_proxy_module)
        || u->conf->buffer_size <= NGX_HTTP_AI_GATEWAY_HEADER_BUFFER
#if (NGX_HTTP_CACHE)
        || sr->cache
#endif
       )
    {
        return rc;
    }

    /*
     * What ngx_http_upstream_process_header() does when it allocates the
     * buffer itself; should any of it fail here, it still will.
     */

    if (ngx_list_init(&u->headers_in.headers, sr->pool, 8,
                      sizeof(ngx_table_elt_t))
        != NGX_OK
        || ngx_list_init(&u->headers_in.trailers, sr->pool, 2,
                         sizeof(ngx_table_elt_t))
           != NGX_OK)
    {
        return rc;
    }

    p = ngx_palloc(sr->pool, NGX_HTTP_AI_GATEWAY_HEADER_BUFFER);
    if (p == NULL) {
        return rc;
    }

    u->buffer.start = p;
    u->buffer.pos = p;
    u->buffer.last = p;
    u->buffer.end = p + NGX_HTTP_AI_GATEWAY_HEADER_BUFFER;
    u->buffer.temporary = 1;
    u->buffer.tag = u->output.tag;

    ctx->read_small = p;

    /* the proxy's parsers, the same for every try of this location */
    alcf->status_line = u->process_header;
    u->process_header = ngx_http_ai_gateway_status_line;

    alcf->reinit_request = u->reinit_request;
    u->reinit_request = ngx_http_ai_gateway_reinit_request;

    return rc;
}


/*
 * The status line; the proxy then goes on to the header lines in the same
 * call, and from then on calls them directly: take its place again.
 */

static ngx_int_t
ngx_http_ai_gateway_status_line(ngx_http_request_t *sr)
{
    ngx_int_t                        rc;
    ngx_http_upstream_t             *u;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(sr, ngx_http_ai_gateway_module);
    u = sr->upstream;

    rc = alcf->status_line(sr);

    if (u->process_header == ngx_http_ai_gateway_status_line) {
        /* a status line cut by the buffer's end is no provider's */
        return rc;
    }

    alcf->header_lines = u->process_header;
    u->process_header = ngx_http_ai_gateway_header_lines;

    return ngx_http_ai_gateway_grow_header(sr, u, rc);
}


static ngx_int_t
ngx_http_ai_gateway_header_lines(ngx_http_request_t *sr)
{
    ngx_int_t                        rc;
    ngx_http_upstream_t             *u;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(sr, ngx_http_ai_gateway_module);
    u = sr->upstream;

    rc = alcf->header_lines(sr);

    return ngx_http_ai_gateway_grow_header(sr, u, rc);
}


/* The proxy tries the next server: it starts again from the status line. */

static ngx_int_t
ngx_http_ai_gateway_reinit_request(ngx_http_request_t *sr)
{
    ngx_int_t                        rc;
    ngx_http_upstream_t             *u;
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_http_get_module_loc_conf(sr, ngx_http_ai_gateway_module);
    u = sr->upstream;

    rc = alcf->reinit_request(sr);

    u->process_header = ngx_http_ai_gateway_status_line;

    return rc;
}


/*
 * After the header parser: when the header block fills the buffer (rc is
 * NGX_AGAIN), on to one of proxy_buffer_size, with what was read and the
 * parser's place in it (the line it is in), as
 * ngx_http_alloc_large_header_buffer() moves a client's.  At
 * proxy_buffer_size already, nginx says "upstream sent too big header".
 */

static ngx_int_t
ngx_http_ai_gateway_grow_header(ngx_http_request_t *sr,
    ngx_http_upstream_t *u, ngx_int_t rc)
{
    u_char                     *old, *new;
    size_t                      size;
    ngx_http_ai_gateway_ctx_t  *ctx;

    old = u->buffer.start;
    size = u->conf->buffer_size;

    if (rc != NGX_AGAIN
        || u->buffer.last != u->buffer.end
        || (size_t) (u->buffer.end - old) >= size)
    {
        return rc;
    }

    new = ngx_palloc(sr->pool, size);
    if (new == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(new, old, u->buffer.last - old);

#define ngx_http_ai_gateway_move(p)                                           \
    if (p >= old && p <= u->buffer.end) {                                     \
        p = new + (p - old);                                                  \
    }

    ngx_http_ai_gateway_move(sr->header_name_start);
    ngx_http_ai_gateway_move(sr->header_name_end);
    ngx_http_ai_gateway_move(sr->header_start);
    ngx_http_ai_gateway_move(sr->header_end);

#undef ngx_http_ai_gateway_move

    u->buffer.pos = new + (u->buffer.pos - old);
    u->buffer.last = new + (u->buffer.last - old);
    u->buffer.start = new;
    u->buffer.end = new + size;

    ctx = ngx_http_get_module_ctx(sr->main, ngx_http_ai_gateway_module);

    if (ctx && ctx->sr == sr) {
        ctx->step->provider->large_header = 1;
        ctx->read_small = NULL;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, sr->connection->log, 0,
                   "ai_gateway: header buffer of the try now %uz", size);

    return NGX_AGAIN;
}


/*
 * A streamed answer, between two reads of the provider, once the filter
 * has used every byte of the last one (nginx then reads the next into
 * u->buffer from its start).  An open stream mostly waits, and reads into
 * the try's 2 KB; but a stream that flows would be read, and its client
 * written, 2 KB at a time: twice the system calls of a proxy_pass with
 * its proxy_buffer_size.  A read that filled the buffer says more is
 * waiting: the next reads go into proxy_buffer_size (a malloc of its
 * own), until one does not fill it, which says the provider's bytes were
 * all read and the stream waits again: its large buffer goes back.  (A
 * stream whose last read filled the large buffer exactly waits with it
 * until its next read.)  Returns 1 when the read filled its buffer, the
 * next read follows at once: the filter keeps its output memory for it.
 */

ngx_uint_t
ngx_http_ai_gateway_upstream_flow(ngx_http_request_t *sr,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    u_char               *p;
    size_t                size;
    ngx_buf_t            *b;
    ngx_uint_t            full;
    ngx_http_upstream_t  *u;

    u = sr->upstream;

    if (u == NULL || u->buffering || u->peer.connection == NULL
        || ctx->sr != sr)
    {
        return 0;
    }

    b = &u->buffer;
    full = (b->last == b->end && u->length != 0);

    if (ctx->read_small == NULL) {
        return full;
    }

    size = u->conf->buffer_size;

    if (b->start == ctx->read_small) {

        if (!full) {
            return 0;
        }

        if (ctx->read_large == NULL) {
            /* none: the stream goes on in 2 KB */
            ctx->read_large = ngx_palloc(sr->pool, size);
            if (ctx->read_large == NULL) {
                return full;
            }
        }

        p = ctx->read_large;

    } else if (b->start == ctx->read_large) {

        if (b->last == b->end) {
            return full;
        }

        p = ctx->read_small;
        size = NGX_HTTP_AI_GATEWAY_HEADER_BUFFER;

    } else {
        return full;
    }

    b->start = p;
    b->pos = p;
    b->last = p;
    b->end = p + size;

    if (p == ctx->read_small
        && ngx_pfree(sr->pool, ctx->read_large) == NGX_OK)
    {
        ctx->read_large = NULL;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, sr->connection->log, 0,
                   "ai_gateway: the try reads %uz bytes at a time", size);

    return full;
}
