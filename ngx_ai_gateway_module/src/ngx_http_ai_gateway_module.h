/*
 * ngx_http_ai_gateway_module: types shared by the module's files.
 *
 * The module is split by phase: configuration (_module.c), access
 * (_access.c), content and failover (_handler.c), response filters
 * (_filter.c), variables (_variables.c), client-dialect errors (_error.c),
 * the memory a burst of answers leaves (_memory.c),
 * upstream requests (_upstream.c), trace context (_trace.c), provider
 * health (_health.c), the providers' check (_probe.c) and Prometheus
 * metrics (_metrics.c).
 */

#ifndef NGX_HTTP_AI_GATEWAY_MODULE_H
#define NGX_HTTP_AI_GATEWAY_MODULE_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "agw_buf.h"
#include "agw_dialect.h"
#include "agw_json_reader.h"
#include "agw_json_writer.h"
#include "agw_keys.h"
#include "agw_metrics.h"
#include "agw_price.h"
#include "agw_request_index.h"
#include "agw_state.h"
#include "agw_engine.h"
#include "agw_trace.h"
#include "agw_usage.h"


/* Provider types: the dialect they speak and how they are addressed. */
#define NGX_HTTP_AI_GATEWAY_OPENAI      0   /* any OpenAI-compatible server */
#define NGX_HTTP_AI_GATEWAY_AZURE       1   /* Azure OpenAI deployments */
#define NGX_HTTP_AI_GATEWAY_ANTHROPIC   2
#define NGX_HTTP_AI_GATEWAY_GEMINI      3

/* Endpoints a location can serve, found from the request URI. */
typedef enum {
    NGX_HTTP_AI_GATEWAY_EP_NONE = 0,
    NGX_HTTP_AI_GATEWAY_EP_CHAT,            /* POST .../chat/completions */
    NGX_HTTP_AI_GATEWAY_EP_COMPLETIONS,     /* POST .../completions */
    NGX_HTTP_AI_GATEWAY_EP_EMBEDDINGS,      /* POST .../embeddings */
    NGX_HTTP_AI_GATEWAY_EP_RESPONSES,       /* POST .../responses */
    NGX_HTTP_AI_GATEWAY_EP_MESSAGES,        /* POST .../messages */
    NGX_HTTP_AI_GATEWAY_EP_COUNT_TOKENS,    /* POST .../messages/count_tokens */
    NGX_HTTP_AI_GATEWAY_EP_GENERATE,        /* POST .../models/M:generateContent */
    NGX_HTTP_AI_GATEWAY_EP_STREAM_GENERATE, /* ...:streamGenerateContent */
    NGX_HTTP_AI_GATEWAY_EP_MODELS,          /* GET .../models */
    NGX_HTTP_AI_GATEWAY_EP_HEALTH,          /* GET, the health location */
    NGX_HTTP_AI_GATEWAY_EP_PROBE            /* GET, the probe location */
} ngx_http_ai_gateway_endpoint_e;

/* Bits of the `ai_gateway` location directive. */
#define NGX_HTTP_AI_GATEWAY_SERVE_OPENAI     0x01
#define NGX_HTTP_AI_GATEWAY_SERVE_ANTHROPIC  0x02
#define NGX_HTTP_AI_GATEWAY_SERVE_GEMINI     0x04
#define NGX_HTTP_AI_GATEWAY_SERVE_HEALTH     0x08
#define NGX_HTTP_AI_GATEWAY_SERVE_PROBE      0x10
#define NGX_HTTP_AI_GATEWAY_SERVE_LIVE       0x20   /* the health location's
                                                       liveness answer */

/* At most this many tries per request (route steps). */
#define NGX_HTTP_AI_GATEWAY_MAX_STEPS  8

/* a run of the client's body shorter than this is copied into a try's
 * body rather than sent from the client's buffer (a buffer and a link of
 * the chain, and an iovec, cost about what copying a KB does) */
#define NGX_HTTP_AI_GATEWAY_BODY_RUN   1024
/* the same for a translation's strings: a piece costs the proxy and the
 * output chain about 600 instructions more (their buffers, links, pool
 * allocations, iovecs), which a copy of a KB or two does not (callgrind
 * of the 85 KB translated rows, docs/benchmarks.md, session 8) */
#define NGX_HTTP_AI_GATEWAY_STRING_RUN 4096

/* the longest header name a hash of ngx_http_ai_gateway_names_hash() holds */
#define NGX_HTTP_AI_GATEWAY_NAME_MAX   32


/* Header names (ending with a null) and what a hash of them gives back. */
typedef struct {
    ngx_str_t                  *names;
    void                       *value;
} ngx_http_ai_gateway_names_t;


typedef struct {
    ngx_str_t                   name;
    ngx_uint_t                  type;
    agw_dialect_t               dialect;
    ngx_str_t                   url;          /* base URL, no trailing / */
    ngx_str_t                   host;         /* Host header and SNI name */
    ngx_str_t                   key;          /* the secret, from env */
    ngx_str_t                   key_env;      /* the variable's name */
    ngx_array_t                *headers;      /* ngx_keyval_t, extra */
    ngx_str_t                   api_version;  /* azure / anthropic */
    ngx_uint_t                  weight;       /* 0: disabled */
    ngx_int_t                   max_tokens;   /* anthropic default */
    ngx_uint_t                  fails;        /* failures before cool-down */
    ngx_msec_t                  cooldown;
    ngx_uint_t                  chat_only;    /* api=chat: no Responses */
    ngx_uint_t                  index;
    int                         health;       /* entry in the state file */
    ngx_uint_t                  large_header; /* this worker saw its header
                                                 block outgrow the try's
                                                 first header buffer */
    agw_limits_conf_t           limits;       /* rpm= tpm= (_limits.c) */
    int                         limits_idx;   /* its entry; -1: none */
} ngx_http_ai_gateway_provider_t;


typedef struct {
    ngx_http_ai_gateway_provider_t  *provider;
    ngx_str_t                        model;   /* empty: the model asked */
    ngx_uint_t                       weight;
} ngx_http_ai_gateway_step_t;


typedef struct {
    ngx_str_t                   model;        /* as clients send it */
    ngx_array_t                 steps;        /* ngx_http_ai_gateway_step_t */
    unsigned                    passthrough:1;  /* the "*" route */
    unsigned                    weighted:1;     /* some step has weight= */
    agw_limits_conf_t           limits;         /* rpm= tpm= (_limits.c) */
    int                         limits_idx;     /* its entry; -1: none */
} ngx_http_ai_gateway_route_t;


typedef struct {
    ngx_array_t                 providers;    /* provider_t */
    ngx_array_t                 routes;       /* route_t */
    ngx_http_ai_gateway_route_t *default_route;
    agw_keyset_t               *static_keys;  /* freed by a pool cleanup */
    ngx_uint_t                  fails;        /* ai_gateway_cooldown */
    ngx_msec_t                  cooldown;
    agw_state_t                *state;        /* NULL until mapped */
    ngx_str_t                   state_path;   /* empty: an nginx zone */
    size_t                      state_size;
    agw_state_params_t          state_params;
    ngx_shm_zone_t             *state_zone;
    agw_price_table_t          *prices;       /* ai_gateway_prices */
    agw_price_table_t          *price_overrides; /* ai_gateway_price */
    ngx_array_t                 gateways;     /* gateway_conf_t, checked */
    ngx_array_t                 key_models;   /* key_models_t, checked */
    ngx_array_t                 key_credentials; /* key_credential_t,
                                                    checked */
    agw_metrics_t              *metrics;      /* NULL: no ai_gateway_metrics */
    ngx_shm_zone_t             *metrics_zone;
    ngx_uint_t                  metrics_series;
#if (NGX_THREADS)
    ngx_thread_pool_t          *keys_pool;    /* reads the keys snapshot */
#endif
    agw_crypt_key_t            *crypt_key;    /* opens the snapshot's
                                                 credentials; NULL: none */
    ngx_str_t                   crypt_key_path; /* ai_gateway_credentials_key,
                                                 or <state>.credentials.key */
    ngx_hash_t                  drop_headers; /* client headers no try
                                                 sends (_upstream.c) */
    ngx_hash_t                  pass_headers; /* provider headers a
                                                 client sees (_filter.c) */
} ngx_http_ai_gateway_main_conf_t;


/* The models= of an `ai_gateway_key`, checked once the routes are known. */
typedef struct {
    ngx_str_t                   name;
    char                      **models;
    ngx_uint_t                  nmodels;
    u_char                     *file;
    ngx_uint_t                  line;
} ngx_http_ai_gateway_key_models_t;


/* A credential= of an `ai_gateway_key`: its provider is checked once every
 * provider is known. */
typedef struct {
    ngx_str_t                   key;
    ngx_str_t                   provider;
    u_char                     *file;
    ngx_uint_t                  line;
} ngx_http_ai_gateway_key_credential_t;


typedef struct {
    ngx_uint_t                  serve;        /* SERVE_* bits */
    ngx_flag_t                  auth;
    size_t                      max_body;
    ngx_str_t                   internal;     /* internal location prefix */
    u_char                     *internal_file; /* where it was set, for */
    ngx_uint_t                  internal_line; /* messages after parsing */
    ngx_int_t                   max_tokens;   /* anthropic default */
    ngx_bufs_t                  bufs;         /* a stream's output */
    size_t                      max_response; /* a whole answer, kept */
    ngx_flag_t                  metrics;      /* ai_gateway_metrics */

    /* an internal location: its content handler (proxy_pass) and the
     * proxy's header parsers, under the try's header buffer (_upstream.c) */
    ngx_http_handler_pt         try_handler;
    ngx_int_t                 (*status_line)(ngx_http_request_t *r);
    ngx_int_t                 (*header_lines)(ngx_http_request_t *r);
    ngx_int_t                 (*reinit_request)(ngx_http_request_t *r);
} ngx_http_ai_gateway_loc_conf_t;


/* A server{}: whether any of its locations has `ai_gateway`. */
typedef struct {
    ngx_flag_t                  gateway;
} ngx_http_ai_gateway_srv_conf_t;


/* An `ai_gateway` directive, kept for the checks made after parsing. */
typedef struct {
    ngx_http_ai_gateway_loc_conf_t  *alcf;
    ngx_http_core_srv_conf_t        *cscf;   /* its server{} */
    u_char                          *file;
    ngx_uint_t                       line;
} ngx_http_ai_gateway_gateway_conf_t;


/* One try of the request against one route step. */
typedef struct {
    ngx_http_ai_gateway_provider_t  *provider;
    ngx_int_t                        status;   /* the provider's, or the
                                                  proxy's 502/504 when it
                                                  sent none */
    agw_err_class_t                  cls;      /* how the try ended */
    ngx_msec_t                       start;    /* since the request's */
    ngx_msec_t                       ms;
} ngx_http_ai_gateway_attempt_t;


typedef struct {
    ngx_http_ai_gateway_endpoint_e  endpoint;
    agw_dialect_t                   client;       /* the client's dialect */
    ngx_str_t                       model;        /* as asked */
    ngx_str_t                       key_name;    /* copies: a dynamic key */
    ngx_str_t                       key_id;      /* set may be replaced */
    unsigned char                   key_hash[32];
    const agw_key_t                *static_key;   /* the key, when one of
                                                     ai_gateway_key: it
                                                     lives as long as the
                                                     worker, a dynamic one
                                                     is looked up again */
    agw_key_policy_t               *policy;       /* the key's, copied into
                                                     r->pool when the key is
                                                     found: a snapshot load
                                                     may free the key's own;
                                                     NULL: no key, or none */
    uint64_t                        max_output_tokens; /* the request's
                                                     output cap once its
                                                     body is read (asked, or
                                                     clamped); 0: unknown */
    ngx_http_ai_gateway_route_t    *route;

    ngx_str_t                       body;         /* the client's body */
    ngx_buf_t                      *header_in;    /* nginx's, while the body
                                                     is read into ours */
    agw_req_index_t                 index;        /* where its members are */
    ngx_uint_t                      order[NGX_HTTP_AI_GATEWAY_MAX_STEPS];
    ngx_uint_t                      nsteps;
    ngx_uint_t                      next;         /* index into order */

    /* the current try */
    ngx_http_ai_gateway_step_t     *step;
    ngx_str_t                       upstream_model;
    ngx_str_t                       upstream_url;
    ngx_http_request_t             *sr;
    ngx_msec_t                      try_start;
    ngx_int_t                       try_status;
    ngx_int_t                       try_rc;       /* the proxy's own end
                                                     of an answer already
                                                     begun: 0, 502, 504 */
    void                          (*upstream_finalize)(
                                        ngx_http_request_t *r,
                                        ngx_int_t rc); /* the proxy's */
    u_char                         *read_small;   /* the try's own 2 KB
                                                     read buffer, or NULL */
    u_char                         *read_large;   /* proxy_buffer_size,
                                                     while a stream flows */

    ngx_array_t                     attempts;     /* attempt_t */

    agw_xstream_t                  *stream;
    agw_dialect_t                   pdialect;     /* this try speaks it */
    agw_buf_t                       out;          /* translated bytes */
    agw_buf_t                       resp;         /* a whole body, or a
                                                     failed try's body */
    ngx_str_t                       captured;     /* a stream's first
                                                     bytes as sent, for
                                                     the event (capture=) */
    agw_usage_t                     usage;
    agw_answer_meta_t               meta;         /* the answer's finish
                                                     and model, for the
                                                     event */
    ngx_chain_t                    *free;
    ngx_chain_t                    *busy;
    ngx_int_t                       nbufs;        /* of ai_gateway_buffers */
    size_t                          out_pos;      /* of ctx->out, sent */
    size_t                          stream_in;    /* provider bytes fed */
    size_t                          stream_out;   /* and what the client
                                                     got for them: the
                                                     stream's expansion */
    ngx_chain_t                    *in;           /* provider buffers not
                                                     read yet: the client
                                                     is slower */
    u_char                         *file_buf;     /* reads of what nginx
                                                     put in a temp file */
    ngx_http_event_handler_pt       try_writer;   /* the try's own */

    ngx_msec_t                      start;
    ngx_msec_t                      ttfb;         /* 0: no byte yet */
    ngx_int_t                       status;       /* what the client got */

    unsigned                        stream_req:1;   /* client asked stream */
    unsigned                        include_usage:1;
    unsigned                        try_failed:1;   /* this try failed */
    unsigned                        try_done:1;     /* post handler ran */
    unsigned                        try_ok:1;       /* 2xx from upstream */
    unsigned                        try_answered:1; /* upstream sent a
                                                       status line */
    unsigned                        got_last:1;     /* upstream body ended */
    unsigned                        try_cut:1;      /* 2xx, then cut */
    unsigned                        client_closed:1; /* the client left */
    unsigned                        stream_failed:1; /* malformed stream */
    unsigned                        stream_truncated:1; /* ended in error */
    unsigned                        header_sent:1;  /* client headers went */
    unsigned                        finished:1;
    unsigned                        authenticated:1;
    unsigned                        keys_waiting:1; /* for a keys load */
    unsigned                        end_sent:1;     /* the try's end went */
    unsigned                        resp_too_large:1; /* over
                                                   ai_gateway_max_response_size */
    unsigned                        resp_unreadable:1; /* a temp file read
                                                          failed */
    unsigned                        counted:1;      /* memory_hold() */
    unsigned                        limit_headers:1; /* the key's own
                                                   rate-limit headers are
                                                   set: not the provider's */

    ngx_msec_t                      keys_wait;    /* when that began */

    /* W3C trace context (_trace.c), set by trace_start() */
    uint8_t                         trace_id[AGW_TRACE_ID_SIZE];
    uint8_t                         span_id[AGW_SPAN_ID_SIZE];
    uint8_t                         parent_id[AGW_SPAN_ID_SIZE];
    uint8_t                         trace_flags;
    unsigned                        traced:1;       /* the above are set */
    unsigned                        trace_incoming:1; /* the client's */

    void                           *probe;        /* _probe.c's state */
    void                           *limits;       /* _limits.c's holds */
} ngx_http_ai_gateway_ctx_t;


extern ngx_module_t  ngx_http_ai_gateway_module;
extern ngx_module_t  ngx_http_ai_gateway_filter_module;


/* _access.c */
ngx_int_t ngx_http_ai_gateway_access_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_ai_gateway_post_read_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_ai_gateway_log_key_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_ai_gateway_model_allowed(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
ngx_uint_t ngx_http_ai_gateway_client_name(ngx_str_t *name);
ngx_uint_t ngx_http_ai_gateway_valid_text(ngx_str_t *s, size_t max,
    ngx_uint_t lines);
void ngx_http_ai_gateway_access_init_process(void);
void ngx_http_ai_gateway_access_exit_process(void);

/* _handler.c */
ngx_int_t ngx_http_ai_gateway_content_handler(ngx_http_request_t *r);
agw_dialect_t ngx_http_ai_gateway_try_dialect(ngx_http_ai_gateway_ctx_t *ctx,
    ngx_http_ai_gateway_provider_t *pv);
ngx_http_ai_gateway_ctx_t *ngx_http_ai_gateway_get_ctx(ngx_http_request_t *r);
void ngx_http_ai_gateway_endpoint(ngx_http_request_t *r,
    ngx_http_ai_gateway_loc_conf_t *alcf, ngx_http_ai_gateway_ctx_t *ctx);

ngx_int_t ngx_http_ai_gateway_add_header(ngx_http_request_t *r,
    ngx_str_t *key, ngx_str_t *value);
ngx_int_t ngx_http_ai_gateway_gateway_headers(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);

/* _error.c */
ngx_int_t ngx_http_ai_gateway_send_error(ngx_http_request_t *r,
    agw_dialect_t dialect, agw_err_class_t cls, ngx_int_t status,
    const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));  /* C printf, not ngx_sprintf */
ngx_int_t ngx_http_ai_gateway_send_json(ngx_http_request_t *r,
    ngx_int_t status, const char *data, size_t len, ngx_str_t *type);
ngx_int_t ngx_http_ai_gateway_send_held(ngx_http_request_t *r,
    ngx_int_t status, const char *data, size_t len);
ngx_int_t ngx_http_ai_gateway_send_written(ngx_http_request_t *r,
    ngx_int_t status, agw_jw_t *w);
ngx_int_t ngx_http_ai_gateway_error_filter_init(ngx_conf_t *cf);

/* _key_conf.c */
char *ngx_http_ai_gateway_key_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_ai_gateway_check_key_credentials(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf);

/* _limited.c */
ngx_int_t ngx_http_ai_gateway_send_limited(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, const agw_limit_verdict_t *v);
ngx_int_t ngx_http_ai_gateway_limit_headers(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, const agw_limit_verdict_t *v);

/* _filter.c */
ngx_int_t ngx_http_ai_gateway_filter_init(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf);
ngx_int_t ngx_http_ai_gateway_copy_headers(ngx_http_request_t *r,
    ngx_http_request_t *sr, ngx_uint_t retry_only);
ngx_int_t ngx_http_ai_gateway_send_end(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);

/* _memory.c */
ngx_int_t ngx_http_ai_gateway_memory_init_process(ngx_cycle_t *cycle);
ngx_int_t ngx_http_ai_gateway_memory_hold(ngx_http_request_t *r);

/* _variables.c */
ngx_int_t ngx_http_ai_gateway_add_variables(ngx_conf_t *cf);
const agw_usage_t *ngx_http_ai_gateway_usage(ngx_http_ai_gateway_ctx_t *ctx);

/* _log.c */
ngx_int_t ngx_http_ai_gateway_log_init(ngx_conf_t *cf);
ngx_int_t ngx_http_ai_gateway_request_id_prefix(void);
ngx_int_t ngx_http_ai_gateway_log_handler(ngx_http_request_t *r);

/* _cost.c */
char *ngx_http_ai_gateway_prices_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_ai_gateway_price_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
int64_t ngx_http_ai_gateway_cost(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
const agw_price_t *ngx_http_ai_gateway_step_price(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, ngx_http_ai_gateway_step_t *step);

/* _limits.c */
ngx_int_t ngx_http_ai_gateway_limits_param(ngx_conf_t *cf, ngx_str_t *value,
    agw_limits_conf_t *limits);
ngx_int_t ngx_http_ai_gateway_limits_init(ngx_log_t *log,
    ngx_http_ai_gateway_main_conf_t *amcf);
ngx_int_t ngx_http_ai_gateway_limits_admit(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
ngx_int_t ngx_http_ai_gateway_limits_step(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, agw_limit_verdict_t *v);
ngx_int_t ngx_http_ai_gateway_limits_refuse(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, const agw_limit_verdict_t *v);
ngx_int_t ngx_http_ai_gateway_limits_stream(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, size_t len);
ngx_int_t ngx_http_ai_gateway_limits_metrics(ngx_http_request_t *r,
    agw_buf_t *out);

/* _metrics.c */
char *ngx_http_ai_gateway_metrics_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_ai_gateway_metrics_series_directive(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
ngx_int_t ngx_http_ai_gateway_metrics_init_conf(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf);
void ngx_http_ai_gateway_metrics_count(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, const agw_event_t *ev);

/* _publish.c */
ngx_int_t ngx_http_ai_gateway_publish(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf);

/* _upstream.c */
ngx_int_t ngx_http_ai_gateway_upstream_url(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
ngx_http_request_body_t *ngx_http_ai_gateway_upstream_body(
    ngx_http_request_t *r, ngx_str_t *edits, agw_body_refs_t *refs,
    size_t *len);
ngx_int_t ngx_http_ai_gateway_upstream_init(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf);
ngx_int_t ngx_http_ai_gateway_upstream_headers(ngx_http_request_t *r,
    ngx_http_request_t *sr, ngx_http_ai_gateway_ctx_t *ctx, size_t len);
ngx_int_t ngx_http_ai_gateway_add_upstream(ngx_conf_t *cf,
    ngx_http_ai_gateway_provider_t *p);
ngx_uint_t ngx_http_ai_gateway_upstream_flow(ngx_http_request_t *sr,
    ngx_http_ai_gateway_ctx_t *ctx);
void ngx_http_ai_gateway_upstream_watch(ngx_http_request_t *sr,
    ngx_http_ai_gateway_ctx_t *ctx);
void ngx_http_ai_gateway_upstream_hook(ngx_http_core_loc_conf_t *clcf,
    ngx_http_ai_gateway_loc_conf_t *alcf);
ngx_int_t ngx_http_ai_gateway_names_hash(ngx_conf_t *cf, ngx_hash_t *h,
    char *name, ngx_http_ai_gateway_names_t *lists);
void *ngx_http_ai_gateway_header_find(ngx_hash_t *hash, ngx_table_elt_t *h);

/* _state.c */
char *ngx_http_ai_gateway_state_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_ai_gateway_state_init_conf(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf);
ngx_int_t ngx_http_ai_gateway_state_init_process(ngx_cycle_t *cycle);

/* _trace.c */
void ngx_http_ai_gateway_trace_seed(void);
void ngx_http_ai_gateway_trace_start(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
u_char *ngx_http_ai_gateway_traceparent(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);
void ngx_http_ai_gateway_trace_event(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx, agw_event_t *ev);

/* _probe.c */
ngx_int_t ngx_http_ai_gateway_probe(ngx_http_request_t *r,
    ngx_http_ai_gateway_ctx_t *ctx);

/* _internal.c */
ngx_int_t ngx_http_ai_gateway_internal_check(ngx_conf_t *cf);

/* _health.c */
ngx_int_t ngx_http_ai_gateway_health_usable(ngx_http_request_t *r,
    ngx_http_ai_gateway_provider_t *p);
void ngx_http_ai_gateway_health_record(ngx_http_request_t *r,
    ngx_http_ai_gateway_provider_t *p, ngx_int_t status, ngx_uint_t failed);
ngx_int_t ngx_http_ai_gateway_health_write(ngx_http_request_t *r,
    agw_jw_t *w);

/* _keys.c */
const agw_key_t *ngx_http_ai_gateway_keys_find(ngx_http_request_t *r,
    const unsigned char *hash, ngx_uint_t *is_static);
void ngx_http_ai_gateway_keys_exit_process(void);
ngx_int_t ngx_http_ai_gateway_keys_init_conf(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf);
ngx_uint_t ngx_http_ai_gateway_keys_pending(ngx_http_request_t *r,
    const unsigned char *hash);

/* _module.c */
ngx_int_t ngx_http_ai_gateway_valid_name(ngx_str_t *name);

/* _policy.c */
ngx_int_t ngx_http_ai_gateway_policy_copy(ngx_http_request_t *r,
    const agw_key_policy_t *policy, agw_key_policy_t **out);
ngx_uint_t ngx_http_ai_gateway_policy_credential(
    ngx_http_ai_gateway_ctx_t *ctx, ngx_str_t *provider, ngx_str_t *secret);

#endif /* NGX_HTTP_AI_GATEWAY_MODULE_H */
