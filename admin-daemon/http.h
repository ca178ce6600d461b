/*
 * http: the admin API's server (libmicrohttpd), router and the helpers
 * every handler uses: JSON bodies validated field by field, query
 * parameters, the stable error shape, the API's own SQLite connections.
 *
 * Threads: libmicrohttpd runs one thread per connection, so a handler may
 * block (SQLite, the SSE stream's one-second pace) without stalling other
 * clients.  Each request opens its own SQLite connection (WAL lets it read
 * beside the drain); nothing in agw_api_t changes after start except under
 * its mutexes.
 */

#ifndef AGW_HTTP_H
#define AGW_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>

#include "agw_crypt.h"
#include "daemon.h"
#include "text.h"

#define AGW_API_BODY_MAX        (64 * 1024)
#define AGW_API_RESTORE_MAX     (1024ull * 1024 * 1024)
#define AGW_API_USAGE_EXACT_MAX 200000
#define AGW_API_MAX_HEADERS     4

typedef struct agw_auth_s  agw_auth_t;
typedef struct agw_origin_s  agw_origin_t;
typedef struct agw_guard_s   agw_guard_t;
typedef struct agw_req_s   agw_req_t;

/* Everything the API threads share; built by agw_api_start(). */
typedef struct {
    agw_daemon_t       *daemon;
    const char         *db_path;
    const char         *state_path;       /* NULL: no state file */
    agw_state_t        *state;            /* NULL: no state file */
    char               *snapshot_path;    /* <state>.keys.json */
    char               *config_path;      /* <state>.config.json */
    struct MHD_Daemon  *mhd;
    agw_auth_t         *auth;
    agw_origin_t       *origin;           /* Host, Origin, proxies */
    agw_guard_t        *guard;            /* request arrival deadlines */
    uint64_t            restore_max;
    int64_t             usage_exact_max;  /* events; more: use rollups */
    int64_t             started;          /* unix s */
    int                 stopping;         /* atomic: SSE streams end */

    /* Seals the keys' credentials; NULL: none could be read or made. */
    agw_crypt_key_t    *crypt_key;

    /* Serialises key changes with snapshot publication (and restore). */
    pthread_mutex_t     keys_lock;
} agw_api_t;

/* How the caller authenticated. */
typedef enum {
    AGW_AUTH_NONE = 0,
    AGW_AUTH_COOKIE,
    AGW_AUTH_TOKEN
} agw_auth_kind_t;

struct agw_req_s {
    agw_api_t              *api;
    struct MHD_Connection  *conn;
    const char             *method;       /* HEAD is routed as GET */
    const char             *url;
    char                    param[128];   /* {id} or {seq} of the path */
    char                    client[64];   /* client address, for limits */

    const char             *body;         /* JSON bodies, NUL-terminated */
    size_t                  body_len;
    const char             *upload_path;  /* restore: the body on disk */
    uint64_t                upload_len;

    agw_auth_kind_t         auth;
    char                    username[128];
    char                    csrf[65];     /* cookie sessions */
    unsigned char           session_hash[32];  /* its id's SHA-256 */
    int64_t                 session_expires;

    sqlite3                *db;           /* agw_req_db(), closed after */

    /* The answer: json (stolen) or a prebuilt response. */
    unsigned                status;
    json_t                 *json;
    struct MHD_Response    *response;
    const char             *hdr_name[AGW_API_MAX_HEADERS];
    char                   *hdr_value[AGW_API_MAX_HEADERS];
    int                     nhdrs;
};

typedef int (*agw_handler_pt)(agw_req_t *r);


/* Server. */
int  agw_http_start(agw_api_t *api, char *err, size_t errlen);
void agw_http_stop(agw_api_t *api);


/* Answers: each returns 0 so that a handler can `return agw_http_...`. */

/* Sets status and body; steals body (NULL: allocation failed, 500). */
int agw_http_json(agw_req_t *r, unsigned status, json_t *body);

/* {"error":{"code","message"}} with a printf message. */
int agw_http_error(agw_req_t *r, unsigned status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Adds a response header (copied); silently ignored past the limit. */
void agw_http_header(agw_req_t *r, const char *name, const char *value);


/* JSON bodies. */

typedef enum {
    AGW_FIELD_STRING = 1,
    AGW_FIELD_INTEGER,
    AGW_FIELD_BOOLEAN,
    AGW_FIELD_STRING_ARRAY,
    AGW_FIELD_ANY                   /* any JSON: the handler checks it */
} agw_field_type_t;

typedef struct {
    const char        *name;
    agw_field_type_t   type;
    unsigned           required:1;
    size_t             max_len;     /* strings: bytes; arrays: items */
} agw_field_t;

/*
 * The body as a JSON object whose members are all in fields (terminated by
 * a NULL name) with the right types and lengths.  NULL after answering 400
 * with a message naming the field (bad JSON, not an object, unknown field,
 * wrong type, missing, too long).  Caller decrefs.
 */
json_t *agw_http_body_object(agw_req_t *r, const agw_field_t *fields);


/* Query parameters. */

/* 0, or -1 after answering 400 if a parameter is not in `allowed`
 * (NULL-terminated) or appears twice. */
int agw_http_query_check(agw_req_t *r, const char *const *allowed);

/* The value, or NULL when absent. */
const char *agw_http_query(agw_req_t *r, const char *name);

/* Integer parameter in [min, max], def when absent; 0, or -1 after 400. */
int agw_http_query_int(agw_req_t *r, const char *name, int64_t def,
    int64_t min, int64_t max, int64_t *out);

/* true/false/1/0; 0, or -1 after 400. */
int agw_http_query_bool(agw_req_t *r, const char *name, int def, int *out);

/* One of choices (NULL-terminated); its index, def when absent; -1 after
 * 400. */
int agw_http_query_enum(agw_req_t *r, const char *name,
    const char *const *choices, int def);


/* SQLite. */

/* A new connection to the database: WAL, busy_timeout, foreign keys.
 * 0, or -1 with a message in err. */
int agw_api_db_open(agw_api_t *api, sqlite3 **db, char *err, size_t errlen);

/* The request's connection, opened on first use; NULL after answering 503. */
sqlite3 *agw_req_db(agw_req_t *r);

/* Answers 500 with the connection's message, logged on stderr. */
int agw_http_db_error(agw_req_t *r, sqlite3 *db, const char *what);


/* The integer in environment variable `name`, def when unset; 0, or -1
 * with a message naming the variable when it is not one in [min, max]. */
int agw_env_int(const char *name, int64_t def, int64_t min, int64_t max,
    int64_t *out, char *err, size_t errlen);


/* Small things every handler needs. */
int64_t agw_now(void);          /* unix s */
int64_t agw_now_ms(void);

#endif /* AGW_HTTP_H */
