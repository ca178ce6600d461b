/*
 * ngx_http_ai_gateway_access: the access phase.
 *
 * Finds which endpoint and dialect the request is for (errors must leave
 * in that dialect), refuses a body over the limit before it is read, and
 * authenticates the client key by its SHA-256 against the static keys of
 * nginx.conf and the daemon's dynamic keys.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_hash.h"


/*
 * A key not known while the dynamic keys load is looked up again every
 * POLL ms, for at most WAIT ms (keys.c).
 */
#define NGX_HTTP_AI_GATEWAY_KEYS_POLL  5
#define NGX_HTTP_AI_GATEWAY_KEYS_WAIT  1000


/* this worker's SHA-256 hasher, made on first use */
static agw_sha256_hasher_t  *ngx_http_ai_gateway_hasher;


static ngx_int_t ngx_http_ai_gateway_suffix(ngx_str_t *uri, const char *s,
    size_t len);
static ngx_table_elt_t *ngx_http_ai_gateway_find_header(ngx_http_request_t *r,
    const char *name, size_t len);
static ngx_int_t ngx_http_ai_gateway_client_key(ngx_http_request_t *r,
    ngx_str_t *key);
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


/* Sets ctx->endpoint, ctx->client and, for Gemini, ctx->model. */

void
ngx_http_ai_gateway_endpoint(ngx_http_request_t *r,
    ngx_http_ai_gateway_loc_conf_t *alcf, ngx_http_ai_gateway_ctx_t *ctx)
{
    u_char     *p, *colon, *last;
    ngx_str_t  *uri;
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

    if (serve & NGX_HTTP_AI_GATEWAY_SERVE_HEALTH) {
        ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_HEALTH;
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
                ctx->model.data = p;
                ctx->model.len = colon - p;
                ctx->client = AGW_DIALECT_GEMINI;

                if (ngx_http_ai_gateway_ends(uri, ":generateContent")) {
                    ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_GENERATE;
                    return;
                }

                if (ngx_http_ai_gateway_ends(uri, ":streamGenerateContent")) {
                    ctx->endpoint = NGX_HTTP_AI_GATEWAY_EP_STREAM_GENERATE;
                    return;
                }

                ngx_str_null(&ctx->model);
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
        return NGX_OK;
    }

    return NGX_DECLINED;
}


ngx_int_t
ngx_http_ai_gateway_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                         rc;
    ngx_str_t                         key;
    const agw_key_t                  *k;
    ngx_http_ai_gateway_ctx_t        *ctx;
    ngx_http_ai_gateway_loc_conf_t   *alcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_ai_gateway_module);

    if (alcf->serve == 0 || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_ai_gateway_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->endpoint == NGX_HTTP_AI_GATEWAY_EP_HEALTH) {
        return NGX_DECLINED;
    }

    if (r->headers_in.content_length_n > (off_t) alcf->max_body) {
        /* do not read a body this large only to throw it away */
        r->keepalive = 0;
        rc = ngx_http_ai_gateway_send_error(r, ctx->client,
                 AGW_ERR_TOO_LARGE, 0, "request_too_large",
                 "Request body of %lld bytes is larger than the %llu bytes "
                 "allowed", (long long) r->headers_in.content_length_n,
                 (unsigned long long) alcf->max_body);
        goto done;
    }

    if (!alcf->auth) {
        return NGX_DECLINED;
    }

    if (ngx_http_ai_gateway_client_key(r, &key) != NGX_OK) {
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
    k = ngx_http_ai_gateway_keys_find(r, ctx->key_hash);

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

    ctx->authenticated = 1;

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
    const agw_key_t  *k;

    if (!ctx->authenticated) {
        return 1;       /* ai_gateway_auth off */
    }

    /* looked up again: the dynamic set may have changed since access */
    k = ngx_http_ai_gateway_keys_find(r, ctx->key_hash);

    return k != NULL && agw_key_usable(k, ngx_time())
           && agw_key_allows_model(k, (char *) ctx->model.data,
                                   ctx->model.len);
}


void
ngx_http_ai_gateway_access_exit_process(void)
{
    if (ngx_http_ai_gateway_hasher) {
        agw_sha256_hasher_free(ngx_http_ai_gateway_hasher);
        ngx_http_ai_gateway_hasher = NULL;
    }
}
