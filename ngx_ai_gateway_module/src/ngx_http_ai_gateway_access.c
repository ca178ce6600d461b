/*
 * ngx_http_ai_gateway_access: who the client is.
 *
 * Finds which endpoint and dialect the request is for (errors must leave
 * in that dialect), and authenticates the client key by its SHA-256
 * against the static keys of nginx.conf and the daemon's dynamic keys.
 * A body over ai_gateway_max_body_size never gets here: it is the
 * location's client_max_body_size, which nginx checks first (_module.c).
 *
 * The key is checked in the preaccess phase, first in it (_module.c), so
 * that $ai_gateway_key_name and $ai_gateway_key_id are known to
 * limit_req and limit_conn, which run after it in the same phase.  A
 * missing or unknown key is answered there, before allow/deny or
 * auth_request: as before, `satisfy any` cannot waive it.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_json_scan.h"
#include "agw_hash.h"


/*
 * A key not known while the dynamic keys load is looked up again every
 * POLL ms, for at most WAIT ms (keys.c).
 */
#define NGX_HTTP_AI_GATEWAY_KEYS_POLL  5
#define NGX_HTTP_AI_GATEWAY_KEYS_WAIT  1000


/* this worker's SHA-256 hasher, made as it starts (or on first use) */
static agw_sha256_hasher_t  *ngx_http_ai_gateway_hasher;


static ngx_int_t ngx_http_ai_gateway_suffix(ngx_str_t *uri, const char *s,
    size_t len);
static ngx_table_elt_t *ngx_http_ai_gateway_find_header(ngx_http_request_t *r,
    const char *name, size_t len);
static ngx_int_t ngx_http_ai_gateway_client_key(ngx_http_request_t *r,
    ngx_str_t *key);
static ngx_int_t ngx_http_ai_gateway_hide_query_key(ngx_http_request_t *r);
static ngx_int_t ngx_http_ai_gateway_hide_request_line_key(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_ai_gateway_query_without_key(ngx_http_request_t *r,
    ngx_str_t *args);
static u_char *ngx_http_ai_gateway_find_args(ngx_http_request_t *r,
    ngx_str_t *s);
static ngx_int_t ngx_http_ai_gateway_replace_args(ngx_http_request_t *r,
    ngx_str_t *s, ngx_str_t *args);
static ngx_int_t ngx_http_ai_gateway_keys_wait(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
static void ngx_http_ai_gateway_keys_waited(ngx_http_request_t *r);


#define ngx_http_ai_gateway_ends(uri, s)                                      \
    ngx_http_ai_gateway_suffix(uri, s, sizeof(s) - 1)


static ngx_int_t
ngx_http_ai_gateway_suffix(ngx_str_t *uri, const char *s, size_t len)
{
    return uri->len >= len
           && ngx_strncmp(uri->data + uri->len - len, s, len) == 0;
}


/*
 * Whether a client's bytes may become a name (the model): 1 to 255 bytes
 * of printable, valid UTF-8.  Names reach URLs, headers, logs, and the
 * events the daemon serves as JSON, which holds UTF-8 only.
 */

ngx_uint_t
ngx_http_ai_gateway_client_name(ngx_str_t *name)
{
    return ngx_http_ai_gateway_valid_text(name, 255, 0);
}


/*
 * 1 to max bytes of valid UTF-8 without control characters; with lines,
 * tabs and line breaks are text too (a system prompt).
 */

ngx_uint_t
ngx_http_ai_gateway_valid_text(ngx_str_t *s, size_t max, ngx_uint_t lines)
{
    u_char  *p, *last;
    size_t   n;

    if (s->len == 0 || s->len > max) {
        return 0;
    }

    p = s->data;
    last = p + s->len;

    while (p < last) {

        if (*p >= 0x80) {
            n = agw_json_utf8_len((const char *) p, last - p);
            if (n == 0) {
                return 0;
            }

            p += n;
            continue;
        }

        if ((*p < 0x20 || *p == 0x7f)
            && !(lines && (*p == '\t' || *p == '\n' || *p == '\r')))
        {
            return 0;
        }

        p++;
    }

    return 1;
}


/* Sets ctx->endpoint, ctx->client and, for Gemini, ctx->model. */

void
ngx_http_ai_gateway_endpoint(ngx_http_request_t *r,
    ngx_http_ai_gateway_loc_conf_t *alcf, ngx_http_ai_gateway_ctx_t *ctx)
{
    u_char     *p, *colon, *last;
    ngx_str_t  *uri, model;
    ngx_uint_t  serve;

    uri = &r->uri;
    serve = alcf->serve;

    if (serve & NGX_HTTP_AI_GATEWAY_SERVE_OPENAI) {
        ctx->client = AGW_DIALECT_OPENAI;
    } else if (serve & NGX_HTTP_AI_GATEWAY_SERVE_ANTHROPIC) {
        ctx->client = AGW_DIALECT_ANTHROPIC;
    } else {
        ctx->client = AGW_DIALECT_GEMINI;
    }

    if (serve & (NGX_HTTP_AI_GATEWAY_SERVE_HEALTH
                 |NGX_HTTP_AI_GATEWAY_SERVE_LIVE))
    {
        ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_HEALTH;
        return;
    }

    if (serve & NGX_HTTP_AI_GATEWAY_SERVE_PROBE) {
        ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_PROBE;
        return;
    }

    if (serve & NGX_HTTP_AI_GATEWAY_SERVE_ANTHROPIC) {
        if (ngx_http_ai_gateway_ends(uri, "/messages")) {
            ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_MESSAGES;
            ctx->client = AGW_DIALECT_ANTHROPIC;
            return;
        }

        if (ngx_http_ai_gateway_ends(uri, "/messages/count_tokens")) {
            ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_COUNT_TOKENS;
            ctx->client = AGW_DIALECT_ANTHROPIC;
            return;
        }
    }

    if (serve & NGX_HTTP_AI_GATEWAY_SERVE_OPENAI) {
        if (ngx_http_ai_gateway_ends(uri, "/chat/completions")) {
            ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_CHAT;
            return;
        }

        if (ngx_http_ai_gateway_ends(uri, "/completions")) {
            ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_COMPLETIONS;
            return;
        }

        if (ngx_http_ai_gateway_ends(uri, "/embeddings")) {
            ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_EMBEDDINGS;
            return;
        }

        if (ngx_http_ai_gateway_ends(uri, "/responses")) {
            ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_RESPONSES;
            ctx->client = AGW_DIALECT_RESPONSES;
            return;
        }
    }

    if (serve & NGX_HTTP_AI_GATEWAY_SERVE_GEMINI) {
        last = uri->data + uri->len;
        p = ngx_strlcasestrn(uri->data, last, (u_char *) "/models/", 8 - 1);

        if (p) {
            p += 8;
            colon = ngx_strlchr(p, last, ':');

            if (colon && colon > p) {
                ctx->client = AGW_DIALECT_GEMINI;

                if (ngx_http_ai_gateway_ends(uri, ":generateContent")) {
                    ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_GENERATE;

                } else if (ngx_http_ai_gateway_ends(uri,
                                                    ":streamGenerateContent"))
                {
                    ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_STREAM_GENERATE;
                }

                if (ctx->endpoint != NGX_HTTP_AI_GATEWAY_EP_NONE) {
                    model.data = p;
                    model.len = colon - p;

                    /*
                     * Only a valid name is kept: the event stores the model
                     * even of a request refused before its body is read;
                     * without one, the content phase refuses the request.
                     */
                    if (ngx_http_ai_gateway_client_name(&model)) {
                        ctx->model = model;
                    }

                    return;
                }
            }
        }

        if (ngx_http_ai_gateway_ends(uri, "/models")
            && !(serve & NGX_HTTP_AI_GATEWAY_SERVE_OPENAI))
        {
            ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_MODELS;
            ctx->client = AGW_DIALECT_GEMINI;
            return;
        }
    }

    if (ngx_http_ai_gateway_ends(uri, "/models")) {
        ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_MODELS;

        /* one /v1/models for two dialects: Anthropic SDKs say who they are */
        if ((serve & NGX_HTTP_AI_GATEWAY_SERVE_ANTHROPIC)
            && (!(serve & NGX_HTTP_AI_GATEWAY_SERVE_OPENAI)
                || ngx_http_ai_gateway_find_header(r, "anthropic-version",
                                                   17)))
        {
            ctx->client = AGW_DIALECT_ANTHROPIC;
        }

        return;
    }

    ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_NONE;
}


static ngx_table_elt_t *
ngx_http_ai_gateway_find_header(ngx_http_request_t *r, const char *name,
    size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


/* The key from whichever place the client's SDK puts it. */

static ngx_int_t
ngx_http_ai_gateway_client_key(ngx_http_request_t *r, ngx_str_t *key)
{
    ngx_str_t         auth;
    ngx_table_elt_t  *h;

    if (r->headers_in.authorization) {
        auth = r->headers_in.authorization->value;

        if (auth.len > 7
            && ngx_strncasecmp(auth.data, (u_char *) "Bearer ", 7) == 0)
        {
            key->data = auth.data + 7;
            key->len = auth.len - 7;

            while (key->len && key->data[0] == ' ') {
                key->data++;
                key->len--;
            }

            return key->len ? NGX_OK : NGX_DECLINED;
        }
    }

    h = ngx_http_ai_gateway_find_header(r, "x-api-key", 9);
    if (h == NULL) {
        h = ngx_http_ai_gateway_find_header(r, "x-goog-api-key", 14);
    }

    if (h && h->value.len) {
        *key = h->value;
        return NGX_OK;
    }

    if (ngx_http_arg(r, (u_char *) "key", 3, key) == NGX_OK && key->len) {
        /* key still points into the old query, which stays as it is */
        return ngx_http_ai_gateway_hide_query_key(r);
    }

    return NGX_DECLINED;
}


/*
 * The key was in the query: take every key= parameter out of $args and
 * $request_uri, in new strings.  Nothing after the access phase needs it,
 * and the tries never carry the client's query.  The request line went
 * before the first phase (the post-read handler below).
 */

static ngx_int_t
ngx_http_ai_gateway_hide_query_key(ngx_http_request_t *r)
{
    ngx_str_t  args;

    if (ngx_http_ai_gateway_query_without_key(r, &args) != NGX_OK
        || ngx_http_ai_gateway_replace_args(r, &r->unparsed_uri, &args)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    r->args = args;

    return NGX_OK;
}


/*
 * In a server with a gateway location, no key= parameter in the request
 * line.  It is what the error log's request: "..." and $request print,
 * and nginx writes lines for the request before its access phase takes
 * the key: a body over the limit (the find-config phase), a broken chunked
 * body, an error_page.  Done in the post-read phase, before the location
 * is known, so any location of the server logs the line without it; $args
 * and $request_uri stay as they are for those without the gateway.  A
 * request refused while nginx reads its headers reaches no phase but the
 * log phase: done there too, before the access log writes it.  The debug
 * log prints the request as it came, on purpose.
 */

ngx_int_t
ngx_http_ai_gateway_post_read_handler(ngx_http_request_t *r)
{
    if (ngx_http_ai_gateway_hide_request_line_key(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DECLINED;
}


ngx_int_t
ngx_http_ai_gateway_log_key_handler(ngx_http_request_t *r)
{
    (void) ngx_http_ai_gateway_hide_request_line_key(r);

    return NGX_OK;
}


static ngx_int_t
ngx_http_ai_gateway_hide_request_line_key(ngx_http_request_t *r)
{
    ngx_str_t                        args;
    ngx_http_ai_gateway_srv_conf_t  *ascf;

    ascf = ngx_http_get_module_srv_conf(r, ngx_http_ai_gateway_module);

    if (ascf == NULL || !ascf->gateway || r != r->main || r->args.len == 0
        /* done already, or r->args are no longer the request line's query */
        || ngx_http_ai_gateway_find_args(r, &r->request_line) == NULL)
    {
        return NGX_OK;
    }

    if (ngx_http_ai_gateway_query_without_key(r, &args) != NGX_OK) {
        return NGX_ERROR;
    }

    if (args.len == r->args.len) {
        return NGX_OK;
    }

    return ngx_http_ai_gateway_replace_args(r, &r->request_line, &args);
}


/*
 * The "?" of s followed by r->args, or NULL.  HTTP/2 builds its request
 * line apart from the URI, so the query is found by its bytes, not its
 * address.
 */

static u_char *
ngx_http_ai_gateway_find_args(ngx_http_request_t *r, ngx_str_t *s)
{
    u_char  *q, *last;

    last = s->data + s->len;
    q = ngx_strlchr(s->data, last, '?');

    if (q == NULL || (size_t) (last - q - 1) < r->args.len
        || ngx_strncmp(q + 1, r->args.data, r->args.len) != 0)
    {
        return NULL;
    }

    return q;
}


/* r->args without its key= parameters, those ngx_http_arg() takes */

static ngx_int_t
ngx_http_ai_gateway_query_without_key(ngx_http_request_t *r, ngx_str_t *args)
{
    u_char  *p, *last, *next, *d;

    args->data = ngx_pnalloc(r->pool, r->args.len);
    if (args->data == NULL) {
        return NGX_ERROR;
    }

    d = args->data;
    last = r->args.data + r->args.len;

    for (p = r->args.data; p < last; p = next + 1) {
        next = ngx_strlchr(p, last, '&');
        if (next == NULL) {
            next = last;
        }

        if (next - p >= 4 && ngx_strncasecmp(p, (u_char *) "key=", 4) == 0) {
            continue;
        }

        if (d != args->data) {
            *d++ = '&';
        }

        d = ngx_cpymem(d, p, next - p);
    }

    args->len = d - args->data;

    return NGX_OK;
}


/*
 * s with the query after its first "?" (r->args) replaced by args; the
 * "?" goes too when args is empty.
 */

static ngx_int_t
ngx_http_ai_gateway_replace_args(ngx_http_request_t *r, ngx_str_t *s,
    ngx_str_t *args)
{
    u_char  *q, *end, *p;
    size_t   len;

    q = ngx_http_ai_gateway_find_args(r, s);

    if (q == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: the query is not where expected in the "
                      "request line");
        return NGX_ERROR;
    }

    end = q + 1 + r->args.len;
    len = s->len - r->args.len + args->len - (args->len ? 0 : 1);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    s->len = len;
    len = q - s->data;
    s->data = ngx_cpymem(p, s->data, len);

    if (args->len) {
        *s->data++ = '?';
        s->data = ngx_cpymem(s->data, args->data, args->len);
    }

    ngx_memcpy(s->data, end, p + s->len - s->data);
    s->data = p;

    return NGX_OK;
}


ngx_int_t
ngx_http_ai_gateway_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_str_t                         key;
    ngx_uint_t                        is_static;
    const agw_key_t                  *k;
    ngx_http_ai_gateway_ctx_t        *ctx;
    ngx_http_ai_gateway_loc_conf_t   *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ai_gateway_module);

    /* the preaccess phase runs for subrequests too: the tries */
    if (alcf->serve == 0 || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_ai_gateway_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* no client key: allow/deny protect these (docs/configuration.md) */
    if (ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_HEALTH
        || ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_PROBE)
    {
        return NGX_DECLINED;
    }

    if (!alcf->auth) {
        return NGX_DECLINED;
    }

    rc = ngx_http_ai_gateway_client_key(r, &key);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc != NGX_OK) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            r->keepalive = 0;
        }

        rc = ngx_http_ai_gateway_send_error(r, ctx->client,
                 AGW_ERR_AUTHENTICATION, 0, "missing_api_key",
                 "You didn't provide an API key. Provide it in %s.",
                 /* Gemini SDKs send neither of the other two */
                 ctx->client == AGW_DIALECT_GEMINI
                 ? "the x-goog-api-key header or the key query parameter"
                 : "the Authorization header as \"Bearer KEY\", "
                   "or in x-api-key");
        goto done;
    }

    if (ngx_http_ai_gateway_hasher == NULL) {
        ngx_http_ai_gateway_hasher = agw_sha256_hasher_new();
        if (ngx_http_ai_gateway_hasher == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (agw_sha256_hash(ngx_http_ai_gateway_hasher, key.data, key.len,
                        ctx->key_hash)
        != 0)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the lookup starts a load that is due, which the key may then await */
    k = ngx_http_ai_gateway_keys_find(r, ctx->key_hash, &is_static);

    if (ngx_http_ai_gateway_keys_pending(r, ctx->key_hash)
        && ngx_http_ai_gateway_keys_wait(r, ctx) == NGX_AGAIN)
    {
        return NGX_AGAIN;
    }

    if (k == NULL || !agw_key_usable(k, ngx_time())) {

        if (ngx_http_discard_request_body(r) != NGX_OK) {
            r->keepalive = 0;
        }

        /* the message never echoes the key, not even masked */
        rc = ngx_http_ai_gateway_send_error(r, ctx->client,
                 AGW_ERR_AUTHENTICATION, 0, "invalid_api_key",
                 "Incorrect API key provided.");
        goto done;
    }

    ctx->key_name.data = (u_char *) k->name;
    ctx->key_name.len = ngx_strlen(k->name);
    ctx->key_id.data = (u_char *) k->id;
    ctx->key_id.len = ngx_strlen(k->id);
    ctx->key_name.data = ngx_pstrdup(r->pool, &ctx->key_name);
    ctx->key_id.data = ngx_pstrdup(r->pool, &ctx->key_id);
    if (ctx->key_name.data == NULL || ctx->key_id.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_ai_gateway_policy_copy(r, &k->policy, &ctx->policy)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->static_key = is_static ? k : NULL;
    ctx->authenticated = 1;

    /* NGX_OK would skip the rest of the phase: limit_req, limit_conn */
    return NGX_DECLINED;

done:

    /* the answer is sent: end the request here, skip the later phases */
    ngx_http_finalize_request(r, rc);
    return NGX_DONE;
}


/*
 * A dynamic key while new dynamic keys load (keys.c): the request, not the
 * worker, waits for the load, as limit_req delays one, then the access
 * phase runs again; after KEYS_WAIT the keys there are judge it.
 */

static ngx_int_t
ngx_http_ai_gateway_keys_wait(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    if (!ctx->keys_waiting) {
        ctx->keys_waiting = 1;
        ctx->keys_wait = ngx_current_msec;

    } else if (ngx_current_msec - ctx->keys_wait
               >= NGX_HTTP_AI_GATEWAY_KEYS_WAIT)
    {
        return NGX_DECLINED;
    }

    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_ai_gateway_keys_waited;
    r->connection->write->delayed = 1;
    ngx_add_timer(r->connection->write, NGX_HTTP_AI_GATEWAY_KEYS_POLL);

    return NGX_AGAIN;
}


static void
ngx_http_ai_gateway_keys_waited(ngx_http_request_t *r)
{
    ngx_event_t  *wev;

    wev = r->connection->write;

    if (wev->delayed) {
        /* not the timer: a write event of the connection meanwhile */
        if (ngx_handle_write_event(wev, 0) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
}


/* 403 unless the key may use the model asked; called once it is known. */

ngx_int_t
ngx_http_ai_gateway_model_allowed(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx)
{
    ngx_uint_t        is_static;
    const agw_key_t  *k;

    if (!ctx->authenticated) {
        return 1;       /* ai_gateway_auth off */
    }

    /* a dynamic key is looked up again: its set may have changed since */
    k = ctx->static_key;
    if (k == NULL) {
        k = ngx_http_ai_gateway_keys_find(r, ctx->key_hash, &is_static);
    }

    return k != NULL && agw_key_usable(k, ngx_time())
           && agw_key_allows_model(k, (char *) ctx->model.data,
                                   ctx->model.len);
}


void
ngx_http_ai_gateway_access_init_process(void)
{
    if (ngx_http_ai_gateway_hasher == NULL) {
        /* on failure, NULL still: the first request tries again */
        ngx_http_ai_gateway_hasher = agw_sha256_hasher_new();
    }
}


void
ngx_http_ai_gateway_access_exit_process(void)
{
    if (ngx_http_ai_gateway_hasher) {
        agw_sha256_hasher_free(ngx_http_ai_gateway_hasher);
        ngx_http_ai_gateway_hasher = NULL;
    }
}
