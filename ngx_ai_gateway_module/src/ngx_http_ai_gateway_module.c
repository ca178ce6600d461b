/*
 * ngx_http_ai_gateway_module: configuration.
 *
 * Providers, routes and static client keys are declared in http{}; a
 * location serves one or more client dialects with `ai_gateway`.  Every
 * mistake is refused at `nginx -t` with the directive's file and line.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <stdlib.h>

#include "ngx_http_ai_gateway_module.h"
#include "agw_hash.h"


static ngx_int_t ngx_http_ai_gateway_init(ngx_conf_t *cf);
static void *ngx_http_ai_gateway_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_ai_gateway_create_srv_conf(ngx_conf_t *cf);
static char *ngx_http_ai_gateway_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_ai_gateway_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_ai_gateway_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_ai_gateway(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ai_gateway_provider(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ai_gateway_route(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ai_gateway_cooldown(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_ai_gateway_internal_location(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static void ngx_http_ai_gateway_free_keys(void *data);
static void ngx_http_ai_gateway_check_key_models(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf);
static ngx_int_t ngx_http_ai_gateway_init_process(ngx_cycle_t *cycle);
static void ngx_http_ai_gateway_exit_process(ngx_cycle_t *cycle);


static char *ngx_http_ai_gateway_check_max_tokens(ngx_conf_t *cf,
    void *post, void *data);

/* nginx's own bounds check does not name the directive; this one does */
static ngx_conf_post_t  ngx_http_ai_gateway_max_tokens_post = {
    ngx_http_ai_gateway_check_max_tokens
};


static ngx_command_t  ngx_http_ai_gateway_commands[] = {

    { ngx_string("ai_gateway"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_ai_gateway,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ai_gateway_provider"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_ai_gateway_provider,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ai_gateway_route"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_ai_gateway_route,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ai_gateway_key"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_ai_gateway_key_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ai_gateway_cooldown"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_ai_gateway_cooldown,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ai_gateway_state"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_ai_gateway_state_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ai_gateway_credentials_key"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_ai_gateway_main_conf_t, crypt_key_path),
      NULL },

    { ngx_string("ai_gateway_prices"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ai_gateway_prices_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ai_gateway_price"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_ai_gateway_price_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ai_gateway_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_ai_gateway_metrics_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ai_gateway_metrics_series"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_ai_gateway_metrics_series_directive,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ai_gateway_auth"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ai_gateway_loc_conf_t, auth),
      NULL },

    { ngx_string("ai_gateway_max_body_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ai_gateway_loc_conf_t, max_body),
      NULL },

    { ngx_string("ai_gateway_internal_location"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_ai_gateway_internal_location,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ai_gateway_loc_conf_t, internal),
      NULL },

    { ngx_string("ai_gateway_buffers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_conf_set_bufs_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ai_gateway_loc_conf_t, bufs),
      NULL },

    { ngx_string("ai_gateway_max_response_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ai_gateway_loc_conf_t, max_response),
      NULL },

    { ngx_string("ai_gateway_max_tokens"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_ai_gateway_loc_conf_t, max_tokens),
      &ngx_http_ai_gateway_max_tokens_post },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_ai_gateway_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_ai_gateway_init,              /* postconfiguration */

    ngx_http_ai_gateway_create_main_conf,  /* create main configuration */
    ngx_http_ai_gateway_init_main_conf,    /* init main configuration */

    ngx_http_ai_gateway_create_srv_conf,   /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_ai_gateway_create_loc_conf,   /* create location configuration */
    ngx_http_ai_gateway_merge_loc_conf     /* merge location configuration */
};


ngx_module_t  ngx_http_ai_gateway_module = {
    NGX_MODULE_V1,
    &ngx_http_ai_gateway_module_ctx,       /* module context */
    ngx_http_ai_gateway_commands,          /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_ai_gateway_init_process,      /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_ai_gateway_exit_process,      /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_ai_gateway_create_main_conf(ngx_conf_t *cf)
{
    ngx_pool_cleanup_t               *cln;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ai_gateway_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     amcf->default_route = NULL;
     *     amcf->state = NULL;
     *     amcf->state_path = { 0, NULL };
     *     amcf->state_params = { 0, 0, 0 };
     *     amcf->state_zone = NULL;
     *     amcf->prices = NULL;
     *     amcf->price_overrides = NULL;
     */

    if (ngx_array_init(&amcf->providers, cf->pool, 4,
                       sizeof(ngx_http_ai_gateway_provider_t))
        != NGX_OK
        || ngx_array_init(&amcf->routes, cf->pool, 8,
                          sizeof(ngx_http_ai_gateway_route_t))
           != NGX_OK
        || ngx_array_init(&amcf->gateways, cf->pool, 4,
                          sizeof(ngx_http_ai_gateway_gateway_conf_t))
           != NGX_OK
        || ngx_array_init(&amcf->key_models, cf->pool, 4,
                          sizeof(ngx_http_ai_gateway_key_models_t))
           != NGX_OK
        || ngx_array_init(&amcf->key_credentials, cf->pool, 4,
                          sizeof(ngx_http_ai_gateway_key_credential_t))
           != NGX_OK)
    {
        return NULL;
    }

    /* The key set is malloc'd (it is shared with the daemon's code); the
     * configuration pool's cleanup frees it when the cycle goes. */
    amcf->static_keys = agw_keyset_new();
    if (amcf->static_keys == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        agw_keyset_free(amcf->static_keys);
        return NULL;
    }

    cln->handler = ngx_http_ai_gateway_free_keys;
    cln->data = amcf->static_keys;

    amcf->fails = NGX_CONF_UNSET_UINT;
    amcf->cooldown = NGX_CONF_UNSET_MSEC;
    amcf->state_size = NGX_CONF_UNSET_SIZE;
    amcf->metrics_series = NGX_CONF_UNSET_UINT;

    return amcf;
}


static void
ngx_http_ai_gateway_free_keys(void *data)
{
    agw_keyset_free(data);
}


/*
 * A worker starts.  Its heap is kept between requests (see the memory
 * file).  What it needs of libcrypto is made now, not on its first
 * request: OpenSSL 3 makes its random generator on the first RAND_bytes
 * (the trace ids' seed, the event ids' prefix) and loads its provider's
 * SHA-256 on the first fetch (the client keys' hasher), about three
 * million instructions, a millisecond of the first request's time.
 */

static ngx_int_t
ngx_http_ai_gateway_init_process(ngx_cycle_t *cycle)
{
    if (ngx_http_ai_gateway_memory_init_process(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_cycle_get_module_main_conf(cycle, ngx_http_ai_gateway_module)
        != NULL)
    {
        ngx_http_ai_gateway_trace_seed();
        (void) ngx_http_ai_gateway_request_id_prefix();
        ngx_http_ai_gateway_access_init_process();
    }

    return ngx_http_ai_gateway_state_init_process(cycle);
}


/*
 * What a worker made for itself with malloc (the hasher, the dynamic key
 * set) is not in any pool: give it back when the worker ends, so that a
 * leak checker sees a clean exit and finds real leaks.
 */

static void
ngx_http_ai_gateway_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_ai_gateway_access_exit_process();
    ngx_http_ai_gateway_keys_exit_process();
}


static char *
ngx_http_ai_gateway_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_ai_gateway_main_conf_t *amcf = conf;

    ngx_uint_t                       i;
    ngx_http_ai_gateway_provider_t  *p;

    ngx_conf_init_uint_value(amcf->fails, 3);
    ngx_conf_init_msec_value(amcf->cooldown, 30000);

    p = amcf->providers.elts;
    for (i = 0; i < amcf->providers.nelts; i++) {
        if (p[i].fails == NGX_CONF_UNSET_UINT) {
            p[i].fails = amcf->fails;
        }

        if (p[i].cooldown == NGX_CONF_UNSET_MSEC) {
            p[i].cooldown = amcf->cooldown;
        }
    }

    ngx_http_ai_gateway_check_key_models(cf, amcf);

    if (ngx_http_ai_gateway_check_key_credentials(cf, amcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (agw_keyset_finalize(amcf->static_keys) != 0) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_ai_gateway_state_init_conf(cf, amcf) != NGX_OK
        || ngx_http_ai_gateway_keys_init_conf(cf, amcf) != NGX_OK
        || ngx_http_ai_gateway_metrics_init_conf(cf, amcf) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_ai_gateway_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_ai_gateway_loc_conf_t  *alcf;

    alcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_ai_gateway_loc_conf_t));
    if (alcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     alcf->serve = 0;
     *     alcf->internal = { 0, NULL };
     *     alcf->internal_file = NULL;
     *     alcf->internal_line = 0;
     *     alcf->bufs.num = 0;
     */

    alcf->auth = NGX_CONF_UNSET;
    alcf->max_body = NGX_CONF_UNSET_SIZE;
    alcf->max_tokens = NGX_CONF_UNSET;
    alcf->max_response = NGX_CONF_UNSET_SIZE;

    return alcf;
}


static void *
ngx_http_ai_gateway_create_srv_conf(ngx_conf_t *cf)
{
    /*
     * set by ngx_pcalloc():
     *
     *     ascf->gateway = 0;
     */

    return ngx_pcalloc(cf->pool, sizeof(ngx_http_ai_gateway_srv_conf_t));
}


static char *
ngx_http_ai_gateway_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_ai_gateway_loc_conf_t *prev = parent;
    ngx_http_ai_gateway_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t  *clcf;

    ngx_conf_merge_value(conf->auth, prev->auth, 1);
    ngx_conf_merge_size_value(conf->max_body, prev->max_body,
                              10 * 1024 * 1024);
    if (conf->internal.data == NULL) {
        conf->internal_file = prev->internal_file;
        conf->internal_line = prev->internal_line;
    }

    ngx_conf_merge_str_value(conf->internal, prev->internal, "/_ai_gateway/");
    ngx_conf_merge_value(conf->max_tokens, prev->max_tokens, 4096);
    /* 64 KB of a slow client's stream, as gzip_buffers holds */
    ngx_conf_merge_bufs_value(conf->bufs, prev->bufs, 16, 4096);
    ngx_conf_merge_size_value(conf->max_response, prev->max_response,
                              64 * 1024 * 1024);

    /*
     * ai_gateway_max_body_size is the gateway location's
     * client_max_body_size: nginx checks it as the body arrives (a
     * Content-Length at once, chunked and HTTP/2 bodies chunk by chunk)
     * and its 413 is answered in the client's dialect (_error.c).  The
     * internal location of the tries has none: the client's body was
     * checked, and a translated body may be larger.  The core module's
     * merge ran before this one.
     */
    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (conf->serve) {
        clcf->client_max_body_size = conf->max_body;

    } else if (clcf->name.len >= conf->internal.len
               && ngx_strncmp(clcf->name.data, conf->internal.data,
                              conf->internal.len) == 0)
    {
        clcf->client_max_body_size = 0;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_ai_gateway_init(ngx_conf_t *cf)
{
    ngx_array_t                      *a;
    ngx_http_handler_pt              *h;
    ngx_http_core_main_conf_t        *cmcf;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ai_gateway_module);

    if (ngx_http_ai_gateway_upstream_init(cf, amcf) != NGX_OK
        || ngx_http_ai_gateway_filter_init(cf, amcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * The key is checked before limit_req and limit_conn, so that they can
     * limit by $ai_gateway_key_name: a phase's handlers run last pushed
     * first, and a module's postconfiguration runs after those of the
     * modules built into nginx (a dynamic module's, or an addon's,
     * comes after theirs).
     */
    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PREACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ai_gateway_access_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_POST_READ_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_ai_gateway_post_read_handler;

    /*
     * ngx_http_log_request() runs the log phase's handlers in the order
     * pushed, and ngx_http_log_module's is there already: first in line,
     * so the access log prints the request line without the key.
     */
    a = &cmcf->phases[NGX_HTTP_LOG_PHASE].handlers;

    h = ngx_array_push(a);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h = a->elts;
    ngx_memmove(&h[1], &h[0], (a->nelts - 1) * sizeof(ngx_http_handler_pt));
    h[0] = ngx_http_ai_gateway_log_key_handler;

    if (ngx_http_ai_gateway_log_init(cf) != NGX_OK
        || ngx_http_ai_gateway_error_filter_init(cf) != NGX_OK
        || ngx_http_ai_gateway_internal_check(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_ai_gateway_add_variables(cf);
}


/* ai_gateway openai | anthropic | gemini | health | live | probe ... */

static char *
ngx_http_ai_gateway(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ai_gateway_loc_conf_t *alcf = conf;

    ngx_str_t                           *value;
    ngx_uint_t                           i, bit;
    ngx_http_core_loc_conf_t            *clcf;
    ngx_http_ai_gateway_srv_conf_t      *ascf;
    ngx_http_ai_gateway_main_conf_t     *amcf;
    ngx_http_ai_gateway_gateway_conf_t  *gw;

    if (alcf->serve) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "openai") == 0) {
            bit = NGX_HTTP_AI_GATEWAY_SERVE_OPENAI;

        } else if (ngx_strcmp(value[i].data, "anthropic") == 0) {
            bit = NGX_HTTP_AI_GATEWAY_SERVE_ANTHROPIC;

        } else if (ngx_strcmp(value[i].data, "gemini") == 0) {
            bit = NGX_HTTP_AI_GATEWAY_SERVE_GEMINI;

        } else if (ngx_strcmp(value[i].data, "health") == 0) {
            bit = NGX_HTTP_AI_GATEWAY_SERVE_HEALTH;

        } else if (ngx_strcmp(value[i].data, "live") == 0) {
            bit = NGX_HTTP_AI_GATEWAY_SERVE_LIVE;

        } else if (ngx_strcmp(value[i].data, "probe") == 0) {
            bit = NGX_HTTP_AI_GATEWAY_SERVE_PROBE;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid dialect \"%V\", expected \"openai\", "
                               "\"anthropic\", \"gemini\", \"health\", "
                               "\"live\" or \"probe\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (alcf->serve & bit) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "dialect \"%V\" is given twice", &value[i]);
            return NGX_CONF_ERROR;
        }

        alcf->serve |= bit;
    }

    if ((alcf->serve & NGX_HTTP_AI_GATEWAY_SERVE_HEALTH)
        && (alcf->serve & NGX_HTTP_AI_GATEWAY_SERVE_LIVE))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"health\" (readiness) and \"live\" (liveness) "
                           "need a location each");
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_ai_gateway_content_handler;

    /* its server hides ?key= from the request line (_access.c) */
    ascf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_ai_gateway_module);
    ascf->gateway = 1;

    /* the internal location it needs is looked for once http{} is read */
    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_ai_gateway_module);

    gw = ngx_array_push(&amcf->gateways);
    if (gw == NULL) {
        return NGX_CONF_ERROR;
    }

    gw->alcf = alcf;
    gw->cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);
    gw->file = cf->conf_file->file.name.data;
    gw->line = cf->conf_file->line;

    return NGX_CONF_OK;
}


static ngx_http_ai_gateway_provider_t *
ngx_http_ai_gateway_find_provider(ngx_http_ai_gateway_main_conf_t *amcf,
    ngx_str_t *name)
{
    ngx_uint_t                       i;
    ngx_http_ai_gateway_provider_t  *p;

    p = amcf->providers.elts;
    for (i = 0; i < amcf->providers.nelts; i++) {
        if (p[i].name.len == name->len
            && ngx_strncmp(p[i].name.data, name->data, name->len) == 0)
        {
            return &p[i];
        }
    }

    return NULL;
}


/* Names become parts of URIs, headers and logs: keep them plain. */

ngx_int_t
ngx_http_ai_gateway_valid_name(ngx_str_t *name)
{
    size_t  i;
    u_char  c;

    if (name->len == 0 || name->len > 63) {
        return 0;
    }

    for (i = 0; i < name->len; i++) {
        c = name->data[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
        {
            return 0;
        }
    }

    return 1;
}


static ngx_int_t
ngx_http_ai_gateway_parse_url(ngx_conf_t *cf, ngx_http_ai_gateway_provider_t *p,
    ngx_str_t *url)
{
    u_char  *host, *end, *colon;

    if (url->len > 7 && ngx_strncasecmp(url->data, (u_char *) "http://", 7)
                        == 0)
    {
        host = url->data + 7;

    } else if (url->len > 8
               && ngx_strncasecmp(url->data, (u_char *) "https://", 8) == 0)
    {
        host = url->data + 8;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid url \"%V\" in provider \"%V\": it must "
                           "start with http:// or https://", url, &p->name);
        return NGX_ERROR;
    }

    end = ngx_strlchr(host, url->data + url->len, '/');
    if (end == NULL) {
        end = url->data + url->len;
    }

    if (end == host || ngx_strlchr(url->data, url->data + url->len, '?')
        || ngx_strlchr(url->data, url->data + url->len, '#'))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid url \"%V\" in provider \"%V\"",
                           url, &p->name);
        return NGX_ERROR;
    }

    /* The base URL is joined with "/chat/completions" and the like. */
    p->url = *url;
    while (p->url.len && p->url.data[p->url.len - 1] == '/') {
        p->url.len--;
    }

    if (p->host.len == 0) {
        p->host.data = host;
        p->host.len = end - host;

        /* Host header and SNI name carry no default port. */
        colon = ngx_strlchr(host, end, ':');
        if (colon && host[0] != '[') {
            p->host.len = colon - host;
        }
    }

    return ngx_http_ai_gateway_add_upstream(cf, p);
}


/*
 * ai_gateway_provider NAME type=T url=URL [key_env=VAR] [host=H]
 *     [header=Name:Value]... [weight=N] [api_version=V] [max_tokens=N]
 *     [fails=N] [cooldown=TIME] [api=chat|responses] [rpm=N] [tpm=N];
 */

static char *
ngx_http_ai_gateway_provider(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ai_gateway_main_conf_t *amcf = conf;

    char                            *env;
    u_char                          *colon;
    ngx_str_t                       *value, s, url;
    ngx_int_t                        n, rc;
    ngx_uint_t                       i, have_type, have_api;
    ngx_keyval_t                    *kv;
    ngx_http_ai_gateway_provider_t  *p;

    value = cf->args->elts;

    if (!ngx_http_ai_gateway_valid_name(&value[1])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid provider name \"%V\": use 1 to 63 "
                           "letters, digits, \"-\", \"_\" or \".\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_ai_gateway_find_provider(amcf, &value[1])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate provider \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (amcf->providers.nelts >= 64) {
        return "declares more than 64 providers";
    }

    p = ngx_array_push(&amcf->providers);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(p, sizeof(ngx_http_ai_gateway_provider_t));
    p->limits_idx = -1;         /* until the state is mapped */
    p->name = value[1];
    p->index = amcf->providers.nelts - 1;
    p->weight = 1;
    p->max_tokens = NGX_CONF_UNSET;
    p->fails = NGX_CONF_UNSET_UINT;
    p->cooldown = NGX_CONF_UNSET_MSEC;

    have_type = 0;
    have_api = 0;
    ngx_str_null(&url);

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "type=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            if (ngx_strcmp(s.data, "openai") == 0) {
                p->type = NGX_HTTP_AI_GATEWAY_OPENAI;
                p->dialect = AGW_DIALECT_OPENAI;

            } else if (ngx_strcmp(s.data, "azure") == 0) {
                p->type = NGX_HTTP_AI_GATEWAY_AZURE;
                p->dialect = AGW_DIALECT_OPENAI;

            } else if (ngx_strcmp(s.data, "anthropic") == 0) {
                p->type = NGX_HTTP_AI_GATEWAY_ANTHROPIC;
                p->dialect = AGW_DIALECT_ANTHROPIC;

            } else if (ngx_strcmp(s.data, "gemini") == 0) {
                p->type = NGX_HTTP_AI_GATEWAY_GEMINI;
                p->dialect = AGW_DIALECT_GEMINI;

            } else {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid provider type \"%V\", expected "
                                   "\"openai\", \"azure\", \"anthropic\" or "
                                   "\"gemini\"", &s);
                return NGX_CONF_ERROR;
            }

            have_type = 1;
            continue;
        }

        if (ngx_strncmp(value[i].data, "url=", 4) == 0) {
            url.data = value[i].data + 4;
            url.len = value[i].len - 4;
            continue;
        }

        if (ngx_strncmp(value[i].data, "key_env=", 8) == 0) {
            p->key_env.data = value[i].data + 8;
            p->key_env.len = value[i].len - 8;

            /*
             * Read once, by the master, while it parses the configuration:
             * workers do not inherit the environment, and the secret never
             * has to be written into nginx.conf.
             */
            env = getenv((char *) p->key_env.data);
            if (env == NULL || env[0] == '\0') {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "environment variable \"%V\" of provider "
                                   "\"%V\" is not set", &p->key_env,
                                   &p->name);
                return NGX_CONF_ERROR;
            }

            p->key.len = ngx_strlen(env);
            p->key.data = ngx_pnalloc(cf->pool, p->key.len);
            if (p->key.data == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memcpy(p->key.data, env, p->key.len);

            if (ngx_strlchr(p->key.data, p->key.data + p->key.len, '\r')
                || ngx_strlchr(p->key.data, p->key.data + p->key.len, '\n'))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "environment variable \"%V\" of provider "
                                   "\"%V\" holds a line break", &p->key_env,
                                   &p->name);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "host=", 5) == 0) {
            p->host.data = value[i].data + 5;
            p->host.len = value[i].len - 5;
            continue;
        }

        if (ngx_strncmp(value[i].data, "api_version=", 12) == 0) {
            p->api_version.data = value[i].data + 12;
            p->api_version.len = value[i].len - 12;
            continue;
        }

        /*
         * api=chat: an OpenAI-compatible server without the Responses API
         * (most of them); a Responses client is then translated to its
         * chat API, as for an Anthropic or a Gemini provider.
         */
        if (ngx_strncmp(value[i].data, "api=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;

            if (s.len == 4 && ngx_strncmp(s.data, "chat", 4) == 0) {
                p->chat_only = 1;

            } else if (s.len == 9 && ngx_strncmp(s.data, "responses", 9) == 0)
            {
                p->chat_only = 0;

            } else {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid api \"%V\" of provider \"%V\", "
                                   "expected \"chat\" or \"responses\"",
                                   &s, &p->name);
                return NGX_CONF_ERROR;
            }

            have_api = 1;
            continue;
        }

        if (ngx_strncmp(value[i].data, "header=", 7) == 0) {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;
            colon = ngx_strlchr(s.data, s.data + s.len, ':');

            if (colon == NULL || colon == s.data) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid header \"%V\" in provider "
                                   "\"%V\", expected header=Name:Value",
                                   &s, &p->name);
                return NGX_CONF_ERROR;
            }

            if (p->headers == NULL) {
                p->headers = ngx_array_create(cf->pool, 2,
                                              sizeof(ngx_keyval_t));
                if (p->headers == NULL) {
                    return NGX_CONF_ERROR;
                }
            }

            kv = ngx_array_push(p->headers);
            if (kv == NULL) {
                return NGX_CONF_ERROR;
            }

            kv->key.data = s.data;
            kv->key.len = colon - s.data;
            kv->value.data = colon + 1;
            kv->value.len = s.data + s.len - colon - 1;
            continue;
        }

        rc = ngx_http_ai_gateway_limits_param(cf, &value[i], &p->limits);
        if (rc == NGX_ERROR) {
            return NGX_CONF_ERROR;
        }

        if (rc == NGX_OK) {
            continue;
        }

        if (ngx_strncmp(value[i].data, "weight=", 7) == 0
            || ngx_strncmp(value[i].data, "max_tokens=", 11) == 0
            || ngx_strncmp(value[i].data, "fails=", 6) == 0)
        {
            colon = ngx_strlchr(value[i].data, value[i].data + value[i].len,
                                '=') + 1;
            n = ngx_atoi(colon, value[i].data + value[i].len - colon);

            if (n == NGX_ERROR || n > 1000000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid number in \"%V\" of provider "
                                   "\"%V\"", &value[i], &p->name);
                return NGX_CONF_ERROR;
            }

            if (value[i].data[0] == 'w') {
                p->weight = n;

            } else if (value[i].data[0] == 'm') {
                if (n == 0) {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "max_tokens of provider \"%V\" must "
                                       "be positive", &p->name);
                    return NGX_CONF_ERROR;
                }
                p->max_tokens = n;

            } else {
                p->fails = n;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "cooldown=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            p->cooldown = ngx_parse_time(&s, 0);
            if (p->cooldown == (ngx_msec_t) NGX_ERROR) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid cooldown \"%V\" of provider "
                                   "\"%V\"", &s, &p->name);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" of provider \"%V\"",
                           &value[i], &p->name);
        return NGX_CONF_ERROR;
    }

    if (!have_type) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "provider \"%V\" has no type=", &p->name);
        return NGX_CONF_ERROR;
    }

    if (url.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "provider \"%V\" has no url=", &p->name);
        return NGX_CONF_ERROR;
    }

    if (have_api && p->dialect != AGW_DIALECT_OPENAI) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "api= of provider \"%V\" applies only to the "
                           "\"openai\" and \"azure\" types", &p->name);
        return NGX_CONF_ERROR;
    }

    if (p->type == NGX_HTTP_AI_GATEWAY_AZURE && p->api_version.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "azure provider \"%V\" needs api_version=",
                           &p->name);
        return NGX_CONF_ERROR;
    }

    if (p->type == NGX_HTTP_AI_GATEWAY_ANTHROPIC && p->api_version.len == 0) {
        ngx_str_set(&p->api_version, "2023-06-01");
    }

    if (ngx_http_ai_gateway_parse_url(cf, p, &url) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * ai_gateway_route MODEL STEP [weight=N] [STEP [weight=N]]... [rpm=N]
 *     [tpm=N];
 * STEP is PROVIDER or PROVIDER:UPSTREAM_MODEL; MODEL "*" routes every model
 * not listed, unchanged, to its steps.  Without weights the steps are tried
 * in order; with weights the first try is drawn by weight (weight=0: only
 * a fallback) and the others follow in order.
 */

static char *
ngx_http_ai_gateway_route(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ai_gateway_main_conf_t *amcf = conf;

    u_char                          *colon;
    ngx_str_t                       *value, name;
    ngx_int_t                        n;
    ngx_uint_t                       i, usable;
    ngx_http_ai_gateway_step_t      *step;
    ngx_http_ai_gateway_route_t     *route, *rt;
    ngx_http_ai_gateway_provider_t  *p;

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].len > 255) {
        return "has an invalid model name";
    }

    rt = amcf->routes.elts;
    for (i = 0; i < amcf->routes.nelts; i++) {
        if (rt[i].model.len == value[1].len
            && ngx_strncmp(rt[i].model.data, value[1].data, value[1].len) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate route \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    route = ngx_array_push(&amcf->routes);
    if (route == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(route, sizeof(ngx_http_ai_gateway_route_t));
    route->limits_idx = -1;
    route->model = value[1];

    if (value[1].len == 1 && value[1].data[0] == '*') {
        route->passthrough = 1;
    }

    if (ngx_array_init(&route->steps, cf->pool, 2,
                       sizeof(ngx_http_ai_gateway_step_t))
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    step = NULL;

    for (i = 2; i < cf->args->nelts; i++) {

        n = ngx_http_ai_gateway_limits_param(cf, &value[i], &route->limits);
        if (n == NGX_ERROR) {
            return NGX_CONF_ERROR;
        }

        if (n == NGX_OK) {
            continue;
        }

        if (ngx_strncmp(value[i].data, "weight=", 7) == 0) {
            if (step == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\" of route \"%V\" follows no step",
                                   &value[i], &route->model);
                return NGX_CONF_ERROR;
            }

            n = ngx_atoi(value[i].data + 7, value[i].len - 7);
            if (n == NGX_ERROR || n > 1000000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid weight \"%V\" in route \"%V\"",
                                   &value[i], &route->model);
                return NGX_CONF_ERROR;
            }

            step->weight = n;
            route->weighted = 1;
            continue;
        }

        if (route->steps.nelts >= NGX_HTTP_AI_GATEWAY_MAX_STEPS) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "route \"%V\" has more than %d steps",
                               &route->model, NGX_HTTP_AI_GATEWAY_MAX_STEPS);
            return NGX_CONF_ERROR;
        }

        /* Provider names have no ":"; model names may (llama3:8b). */
        name = value[i];
        colon = ngx_strlchr(name.data, name.data + name.len, ':');
        if (colon) {
            name.len = colon - name.data;
        }

        p = ngx_http_ai_gateway_find_provider(amcf, &name);
        if (p == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown provider \"%V\" in route \"%V\" "
                               "(declare providers before the routes that "
                               "use them)", &name, &route->model);
            return NGX_CONF_ERROR;
        }

        step = ngx_array_push(&route->steps);
        if (step == NULL) {
            return NGX_CONF_ERROR;
        }

        step->provider = p;
        step->weight = 1;
        ngx_str_null(&step->model);

        if (colon) {
            step->model.data = colon + 1;
            step->model.len = value[i].data + value[i].len - colon - 1;

            if (step->model.len == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "empty upstream model in \"%V\" of route "
                                   "\"%V\"", &value[i], &route->model);
                return NGX_CONF_ERROR;
            }

            if (route->passthrough) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "the \"*\" route passes the model "
                                   "unchanged: \"%V\" cannot rename it",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }
        }
    }

    if (route->steps.nelts == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "route \"%V\" has no steps", &route->model);
        return NGX_CONF_ERROR;
    }

    usable = 0;
    step = route->steps.elts;
    for (i = 0; i < route->steps.nelts; i++) {
        if (step[i].weight && step[i].provider->weight) {
            usable++;
        }
    }

    if (usable == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "every step of route \"%V\" has weight 0",
                           &route->model);
        return NGX_CONF_ERROR;
    }

    if (route->passthrough) {
        amcf->default_route = route;
    }

    return NGX_CONF_OK;
}


/*
 * A models= entry that no route serves (exactly, or for "prefix*" any
 * route starting so) is most likely a typo: the key would get 404 for it.
 * Not an error, as keys may be written ahead of their routes; without a
 * "*" route it is warned about at the key's line.
 */

static void
ngx_http_ai_gateway_check_key_models(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    size_t                             len;
    ngx_uint_t                         i, j, k, prefix;
    ngx_http_ai_gateway_route_t       *rt;
    ngx_http_ai_gateway_key_models_t  *km;

    if (amcf->default_route) {
        return;
    }

    km = amcf->key_models.elts;
    rt = amcf->routes.elts;

    for (i = 0; i < amcf->key_models.nelts; i++) {
        for (j = 0; j < km[i].nmodels; j++) {
            len = ngx_strlen(km[i].models[j]);
            prefix = (km[i].models[j][len - 1] == '*');

            if (prefix) {
                len--;
            }

            for (k = 0; k < amcf->routes.nelts; k++) {
                if ((prefix ? rt[k].model.len >= len
                            : rt[k].model.len == len)
                    && ngx_strncmp(rt[k].model.data, km[i].models[j], len)
                       == 0)
                {
                    break;
                }
            }

            if (k == amcf->routes.nelts) {
                ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                              "key \"%V\" may use model \"%s\", which no "
                              "ai_gateway_route serves (and there is no "
                              "\"*\" route) in %s:%ui", &km[i].name,
                              km[i].models[j], km[i].file, km[i].line);
            }
        }
    }
}


static char *
ngx_http_ai_gateway_check_max_tokens(ngx_conf_t *cf, void *post, void *data)
{
    ngx_int_t  *np = data;

    if (*np < 1 || *np > 10000000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ai_gateway_max_tokens\" must be between 1 and "
                           "10000000, not %i", *np);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * ai_gateway_internal_location /PREFIX/;  checked here, where `nginx -t`
 * can name its line, and its place kept for the checks made after http{}.
 */

static char *
ngx_http_ai_gateway_internal_location(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ai_gateway_loc_conf_t *alcf = conf;

    char  *rv;

    rv = ngx_conf_set_str_slot(cf, cmd, conf);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (alcf->internal.len == 0 || alcf->internal.data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "ai_gateway_internal_location must start with "
                           "\"/\", not \"%V\"", &alcf->internal);
        return NGX_CONF_ERROR;
    }

    alcf->internal_file = cf->conf_file->file.name.data;
    alcf->internal_line = cf->conf_file->line;

    return NGX_CONF_OK;
}


/* ai_gateway_cooldown fails=N [time=T]; */

static char *
ngx_http_ai_gateway_cooldown(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_ai_gateway_main_conf_t *amcf = conf;

    ngx_str_t   *value, s;
    ngx_int_t    n;
    ngx_uint_t   i;

    if (amcf->fails != NGX_CONF_UNSET_UINT
        || amcf->cooldown != NGX_CONF_UNSET_MSEC)
    {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_strncmp(value[i].data, "fails=", 6) == 0) {
            n = ngx_atoi(value[i].data + 6, value[i].len - 6);
            if (n == NGX_ERROR || n > 1000000) {
                goto invalid;
            }

            amcf->fails = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "time=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;
            amcf->cooldown = ngx_parse_time(&s, 0);
            if (amcf->cooldown == (ngx_msec_t) NGX_ERROR) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\", expected fails=N or time=T",
                       &value[i]);
    return NGX_CONF_ERROR;
}
