/*
 * http: libmicrohttpd server, router, request bodies, answers.
 *
 * A request goes: first call of the access handler (headers only) ->
 * route, authenticate, refuse an announced oversized body; upload calls ->
 * body into memory (JSON, capped) or a temp file (restore, capped higher);
 * last call -> handler -> one response with the security headers.
 * Anything outside /api/ belongs to the dashboard, which answers 404 for
 * what it does not hold.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "auth.h"
#include "api_handlers.h"
#include "dashboard.h"
#include "http_guard.h"
#include "origin.h"


typedef struct {
    const char      *method;
    const char      *path;        /* ends in '/': one path parameter follows */
    agw_handler_pt   handler;
    unsigned         auth:1;      /* needs a session or the admin token */
    unsigned         upload:1;    /* body to a temp file, not memory */
} agw_route_t;

static const agw_route_t  agw_routes[] = {
    { "POST",   "/api/v1/login",    agw_auth_login,        0, 0 },
    { "POST",   "/api/v1/logout",   agw_auth_logout,       1, 0 },
    { "GET",    "/api/v1/session",  agw_auth_session,      1, 0 },
    { "GET",    "/api/v1/keys",     agw_api_keys_list,     1, 0 },
    { "POST",   "/api/v1/keys",     agw_api_keys_create,   1, 0 },
    { "GET",    "/api/v1/keys/",    agw_api_keys_get,      1, 0 },
    { "PATCH",  "/api/v1/keys/",    agw_api_keys_update,   1, 0 },
    { "DELETE", "/api/v1/keys/",    agw_api_keys_revoke,   1, 0 },
    { "GET",    "/api/v1/limits",   agw_api_limits,        1, 0 },
    { "GET",    "/api/v1/usage",    agw_api_usage,         1, 0 },
    { "GET",    "/api/v1/logs",     agw_api_logs_list,     1, 0 },
    { "GET",    "/api/v1/logs/",    agw_api_logs_get,      1, 0 },
    { "GET",    "/api/v1/config",   agw_api_config,        1, 0 },
    { "GET",    "/api/v1/health",   agw_api_health,        0, 0 },
    { "GET",    "/api/v1/health/ready", agw_api_health,    0, 0 },
    { "GET",    "/api/v1/health/live",  agw_api_health_live, 0, 0 },
    { "GET",    "/api/v1/diagnostics/providers",
                agw_api_diagnostics_providers, 1, 0 },
    { "GET",    "/api/v1/backup",   agw_api_backup,        1, 0 },
    { "POST",   "/api/v1/restore",  agw_api_restore,       1, 1 },
    { "GET",    "/api/v1/stream",   agw_api_stream,        1, 0 },
};

#define AGW_NROUTES  (sizeof(agw_routes) / sizeof(agw_routes[0]))


/* Per-connection-request state (MHD's con_cls). */
typedef struct {
    agw_req_t           req;
    const agw_route_t  *route;
    char               *body;
    size_t              body_len;
    size_t              body_cap;
    int                 upload_fd;
    char               *upload_path;
    uint64_t            upload_len;
    unsigned            too_large:1;
    unsigned            answered:1;
    unsigned            write_failed:1;
} agw_http_ctx_t;


static enum MHD_Result agw_http_access(void *cls, struct MHD_Connection *c,
    const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **con_cls);
static void agw_http_completed(void *cls, struct MHD_Connection *c,
    void **con_cls, enum MHD_RequestTerminationCode toe);
static int agw_http_begin(agw_api_t *api, agw_http_ctx_t *ctx);
static int agw_http_match(const char *method, const char *url,
    const agw_route_t **route, char *param, size_t paramlen);
static int agw_http_body_chunk(agw_http_ctx_t *ctx, const char *data,
    size_t len);
static enum MHD_Result agw_http_send(agw_http_ctx_t *ctx);
static int agw_http_parse_listen(const char *listen,
    struct sockaddr_storage *ss, socklen_t *sslen, char *err, size_t errlen);


int64_t
agw_now(void)
{
    return (int64_t) time(NULL);
}


int64_t
agw_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/*
 * "host:port", "[v6]:port" or ":port" (loopback); names resolve through
 * getaddrinfo once at start.
 */
static int
agw_http_parse_listen(const char *listen, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
    int               rc;
    char              host[256];
    const char       *colon, *port, *h;
    size_t            hlen;
    struct addrinfo   hints, *res;

    colon = strrchr(listen, ':');
    if (colon == NULL || colon[1] == '\0') {
        snprintf(err, errlen, "listen address \"%s\" has no port", listen);
        return -1;
    }

    port = colon + 1;
    h = listen;
    hlen = (size_t) (colon - listen);

    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }

    if (hlen == 0) {
        h = "127.0.0.1";
        hlen = strlen(h);
    }

    if (hlen >= sizeof(host)) {
        snprintf(err, errlen, "listen address \"%s\" is too long", listen);
        return -1;
    }

    memcpy(host, h, hlen);
    host[hlen] = '\0';

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;

    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "listen address \"%s\": %s", listen,
                 gai_strerror(rc));
        return -1;
    }

    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    freeaddrinfo(res);

    return 0;
}


/* libmicrohttpd's messages, through the daemon's log (escaped, stamped). */
static void
agw_http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char    msg[1024];
    size_t  n;

    vsnprintf(msg, sizeof(msg), fmt, ap);

    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n') {
        msg[--n] = '\0';
    }

    agw_daemon_log("libmicrohttpd: %s", msg);
}


int
agw_http_start(agw_api_t *api, char *err, size_t errlen)
{
    char                       host[NI_MAXHOST], serv[NI_MAXSERV];
    int64_t                    timeout, conns, per_addr;
    const char                *listen;
    unsigned int               flags;
    socklen_t                  sslen;
    const union MHD_DaemonInfo *info;
    struct sockaddr_storage    ss;

    listen = getenv("AGW_ADMIN_LISTEN");
    if (listen == NULL || listen[0] == '\0') {
        listen = AGW_DAEMON_LISTEN;
    }

    if (agw_http_parse_listen(listen, &ss, &sslen, err, errlen) != 0) {
        return -1;
    }

    /*
     * Slow clients: each connection is a thread, so they are bounded three
     * ways: the time a request may take to arrive (http_guard.h), the
     * connections of one address, and all connections.  Defaults let a
     * few addresses hold a few connections each and still leave room.
     */
    if (agw_env_int("AGW_ADMIN_REQUEST_TIMEOUT", 10, 1, 3600, &timeout,
                    err, errlen) != 0
        || agw_env_int("AGW_ADMIN_MAX_CONNECTIONS", 128, 1, 4000, &conns,
                       err, errlen) != 0
        || agw_env_int("AGW_ADMIN_MAX_CONNECTIONS_PER_ADDRESS", 16, 1, 4000,
                       &per_addr, err, errlen) != 0)
    {
        return -1;
    }

    api->origin = agw_origin_new(listen, err, errlen);
    if (api->origin == NULL) {
        return -1;
    }

    api->guard = agw_guard_start((unsigned) timeout, err, errlen);
    if (api->guard == NULL) {
        agw_origin_free(api->origin);
        api->origin = NULL;
        return -1;
    }

    /* poll(), not select(): with a request's SQLite files open, socket
     * numbers can pass FD_SETSIZE */
    flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
            | MHD_USE_POLL | MHD_USE_ERROR_LOG;

    if (ss.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }

    /* The port comes from the sockaddr; the 0 here is ignored. */
    api->mhd = MHD_start_daemon(flags, 0, NULL, NULL,
                   agw_http_access, api,
                   MHD_OPTION_EXTERNAL_LOGGER, agw_http_mhd_log, NULL,
                   MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &ss,
                   MHD_OPTION_NOTIFY_COMPLETED, agw_http_completed, api,
                   MHD_OPTION_NOTIFY_CONNECTION, agw_guard_notify,
                   api->guard,
                   MHD_OPTION_CONNECTION_LIMIT, (unsigned int) conns,
                   MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) per_addr,
                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 60,
                   MHD_OPTION_END);

    if (api->mhd == NULL) {
        snprintf(err, errlen, "cannot listen on %s (address in use, or not "
                 "an address of this machine?)", listen);
        agw_guard_stop(api->guard);
        api->guard = NULL;
        agw_origin_free(api->origin);
        api->origin = NULL;
        return -1;
    }

    /* Port 0 asks the kernel: print what we got (tests read it). */
    info = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_BIND_PORT);

    if (getnameinfo((struct sockaddr *) &ss, sslen, host, sizeof(host),
                    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    {
        snprintf(host, sizeof(host), "?");
    }

    agw_daemon_log("API listening on %s%s%s:%u",
                   ss.ss_family == AF_INET6 ? "[" : "", host,
                   ss.ss_family == AF_INET6 ? "]" : "",
                   info ? (unsigned) info->port : 0);

    return 0;
}


void
agw_http_stop(agw_api_t *api)
{
    if (api->mhd != NULL) {
        __atomic_store_n(&api->stopping, 1, __ATOMIC_RELEASE);
        MHD_stop_daemon(api->mhd);
        api->mhd = NULL;
    }

    agw_guard_stop(api->guard);
    api->guard = NULL;
    agw_origin_free(api->origin);
    api->origin = NULL;
}


/*
 * Finds the route.  Returns 0 (found), 404 (no such path) or 405 (path
 * exists, not with this method).
 */
static int
agw_http_match(const char *method, const char *url, const agw_route_t **route,
    char *param, size_t paramlen)
{
    int          path_found;
    size_t       i, plen, rest;
    const char  *p;

    path_found = 0;

    if (strcmp(method, "HEAD") == 0) {
        method = "GET";
    }

    for (i = 0; i < AGW_NROUTES; i++) {
        p = agw_routes[i].path;
        plen = strlen(p);

        if (p[plen - 1] == '/') {
            if (strncmp(url, p, plen) != 0) {
                continue;
            }
            rest = strlen(url + plen);
            if (rest == 0 || rest >= paramlen || strchr(url + plen, '/')) {
                continue;
            }
        } else if (strcmp(url, p) != 0) {
            continue;
        }

        path_found = 1;

        if (strcmp(method, agw_routes[i].method) == 0) {
            *route = &agw_routes[i];
            if (p[plen - 1] == '/') {
                memcpy(param, url + plen, strlen(url + plen) + 1);
            }
            return 0;
        }
    }

    return path_found ? 405 : 404;
}


/* Allowed methods of a path, for the Allow header of a 405. */
static void
agw_http_allow(const char *url, char *buf, size_t len)
{
    size_t       i, n, plen;
    const char  *p;

    buf[0] = '\0';
    n = 0;

    for (i = 0; i < AGW_NROUTES; i++) {
        p = agw_routes[i].path;
        plen = strlen(p);

        if ((p[plen - 1] == '/' && strncmp(url, p, plen) == 0
             && url[plen] != '\0' && strchr(url + plen, '/') == NULL)
            || strcmp(url, p) == 0)
        {
            n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
                          n ? ", " : "", agw_routes[i].method);
            if (strcmp(agw_routes[i].method, "GET") == 0) {
                n += snprintf(buf + n, n < len ? len - n : 0, ", HEAD");
            }
        }
    }
}


/*
 * The first call: headers are in, the body (if any) is not.  Everything
 * that can be refused without the body is refused here, so an
 * unauthenticated client cannot make us store a large upload.
 * Returns 0 to go on reading, 1 when an answer is set.
 */
static int
agw_http_begin(agw_api_t *api, agw_http_ctx_t *ctx)
{
    int          rc;
    char         allow[64], *end;
    agw_req_t   *r;
    const char  *cl;
    unsigned long long  len;
    uint64_t     max;

    r = &ctx->req;

    rc = agw_http_match(r->method, r->url, &ctx->route, r->param,
                        sizeof(r->param));
    if (rc == 404) {
        agw_http_error(r, 404, "not_found", "no API endpoint %s", r->url);
        return 1;
    }

    if (rc == 405) {
        agw_http_allow(r->url, allow, sizeof(allow));
        agw_http_header(r, "Allow", allow);
        agw_http_error(r, 405, "method_not_allowed",
                       "%s is not allowed on %s (allowed: %s)",
                       r->method, r->url, allow);
        return 1;
    }

    if (ctx->route->auth && agw_auth_check(r) != 0) {
        return 1;
    }

    max = ctx->route->upload ? api->restore_max : AGW_API_BODY_MAX;

    cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL) {
        errno = 0;
        len = strtoull(cl, &end, 10);
        if (errno == 0 && *end == '\0' && len > max) {
            agw_http_error(r, 413, "too_large",
                           "request body of %llu bytes is over the limit "
                           "of %llu bytes", len, (unsigned long long) max);
            return 1;
        }
    }

    if (ctx->route->upload) {
        if (asprintf(&ctx->upload_path, "%s.upload.XXXXXX", api->db_path)
            < 0)
        {
            ctx->upload_path = NULL;
            agw_http_error(r, 500, "internal", "out of memory");
            return 1;
        }

        ctx->upload_fd = mkstemp(ctx->upload_path);
        if (ctx->upload_fd == -1) {
            agw_daemon_log("mkstemp \"%s\": %s",
                           ctx->upload_path, strerror(errno));
            free(ctx->upload_path);
            ctx->upload_path = NULL;
            agw_http_error(r, 500, "internal",
                           "cannot create a temporary file for the upload");
            return 1;
        }
    }

    return 0;
}


/*
 * Stores a body chunk.  Past the limit (a body without Content-Length), the
 * rest is read and dropped and the 413 sent at its end: libmicrohttpd 0.9
 * closes without a word when answered mid-upload.  Only callers that passed
 * authentication get this far.
 */
static int
agw_http_body_chunk(agw_http_ctx_t *ctx, const char *data, size_t len)
{
    size_t    cap;
    ssize_t   n;
    char     *p;
    uint64_t  max;

    if (ctx->too_large || ctx->write_failed) {
        return 0;
    }

    max = ctx->route->upload ? ctx->req.api->restore_max : AGW_API_BODY_MAX;

    if ((ctx->route->upload ? ctx->upload_len : ctx->body_len) + len > max) {
        ctx->too_large = 1;
        return 0;
    }

    if (ctx->route->upload) {
        while (len) {
            n = write(ctx->upload_fd, data, len);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                agw_daemon_log("writing \"%s\": %s",
                               ctx->upload_path, strerror(errno));
                ctx->write_failed = 1;
                return 0;
            }
            data += n;
            len -= (size_t) n;
            ctx->upload_len += (uint64_t) n;
        }
        return 0;
    }

    if (ctx->body_len + len + 1 > ctx->body_cap) {
        cap = ctx->body_cap ? ctx->body_cap : 1024;
        while (cap < ctx->body_len + len + 1) {
            cap *= 2;
        }
        p = realloc(ctx->body, cap);
        if (p == NULL) {
            ctx->write_failed = 1;
            return -1;
        }
        ctx->body = p;
        ctx->body_cap = cap;
    }

    memcpy(ctx->body + ctx->body_len, data, len);
    ctx->body_len += len;
    ctx->body[ctx->body_len] = '\0';

    return 0;
}


static enum MHD_Result
agw_http_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
    int              host_ok;
    size_t           n;
    agw_api_t       *api;
    agw_req_t       *r;
    const char      *prefix;
    agw_http_ctx_t  *ctx;

    api = cls;
    ctx = *con_cls;

    if (ctx == NULL) {
        /* behind a proxy that passes the public origin's path on */
        prefix = agw_origin_prefix(api->origin);
        n = strlen(prefix);
        if (n != 0 && strncmp(url, prefix, n) == 0 && url[n] == '/') {
            url += n;
        }

        host_ok = agw_origin_host_ok(api->origin, c);

        if (host_ok
            && strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0)
        {
            agw_guard_request_in(c);
            return agw_dashboard_serve(c, method, url);
        }

        ctx = calloc(1, sizeof(agw_http_ctx_t));
        if (ctx == NULL) {
            return MHD_NO;
        }

        *con_cls = ctx;
        ctx->upload_fd = -1;

        r = &ctx->req;
        r->api = api;
        r->conn = c;
        r->method = method;
        r->url = url;
        agw_origin_client(api->origin, c, r->client, sizeof(r->client));

        if (!host_ok) {
            agw_guard_request_in(c);
            agw_http_error(r, 421, "misdirected",
                           "this daemon does not answer to that Host name "
                           "(set AGW_ADMIN_PUBLIC_ORIGIN to the URL it is "
                           "reached at)");
            ctx->answered = 1;
            return agw_http_send(ctx);
        }

        if (agw_http_begin(api, ctx) != 0) {
            agw_guard_request_in(c);
            ctx->answered = 1;
            return agw_http_send(ctx);
        }

        /* an authenticated upload may take its time; other bodies may not */
        if (ctx->route->upload) {
            agw_guard_request_in(c);
        }

        return MHD_YES;
    }

    r = &ctx->req;

    if (ctx->answered) {
        /* refused before the body: MHD closes after the answer */
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (*upload_data_size != 0) {
        agw_http_body_chunk(ctx, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    ctx->answered = 1;
    agw_guard_request_in(c);

    if (ctx->too_large) {
        agw_http_error(r, 413, "too_large",
                       "request body is over the limit of %llu bytes",
                       ctx->route->upload
                       ? (unsigned long long) api->restore_max
                       : (unsigned long long) AGW_API_BODY_MAX);
        return agw_http_send(ctx);
    }

    if (ctx->write_failed) {
        agw_http_error(r, 500, "internal", "cannot store the request body");
        return agw_http_send(ctx);
    }

    r->body = ctx->body ? ctx->body : "";
    r->body_len = ctx->body_len;
    r->upload_path = ctx->upload_path;
    r->upload_len = ctx->upload_len;

    if (ctx->upload_fd != -1 && fsync(ctx->upload_fd) != 0) {
        agw_http_error(r, 500, "internal", "cannot store the upload: %s",
                       strerror(errno));
        return agw_http_send(ctx);
    }

    ctx->route->handler(r);

    if (r->status == 0) {
        agw_http_error(r, 500, "internal", "the handler gave no answer");
    }

    return agw_http_send(ctx);
}


/* Queues r's answer with the headers every response carries. */
static enum MHD_Result
agw_http_send(agw_http_ctx_t *ctx)
{
    int                   i;
    char                 *text;
    agw_req_t            *r;
    enum MHD_Result       ret;
    struct MHD_Response  *resp;

    r = &ctx->req;

    if (r->db != NULL) {
        sqlite3_close_v2(r->db);
        r->db = NULL;
    }

    resp = r->response;
    r->response = NULL;

    if (resp == NULL) {
        text = NULL;

        if (r->json != NULL) {
            text = json_dumps(r->json, JSON_COMPACT);
        }

        if (text == NULL) {
            r->status = 500;
            text = strdup("{\"error\":{\"code\":\"internal\","
                          "\"message\":\"out of memory\"}}");
            if (text == NULL) {
                return MHD_NO;
            }
        }

        resp = MHD_create_response_from_buffer(strlen(text), text,
                                               MHD_RESPMEM_MUST_FREE);
        if (resp == NULL) {
            free(text);
            return MHD_NO;
        }

        if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                    "application/json") != MHD_YES)
        {
            MHD_destroy_response(resp);
            return MHD_NO;
        }
    }

    if (agw_dashboard_security_headers(resp) != 0
        || MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                   "no-store") != MHD_YES)
    {
        MHD_destroy_response(resp);
        return MHD_NO;
    }

    for (i = 0; i < r->nhdrs; i++) {
        if (MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i])
            != MHD_YES)
        {
            MHD_destroy_response(resp);
            return MHD_NO;
        }
    }

    if (r->status >= 500) {
        agw_daemon_log("%s %s: %u", r->method, r->url,
                       r->status);
    }

    ret = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);

    return ret;
}


static void
agw_http_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
    int              i;
    agw_http_ctx_t  *ctx;

    agw_guard_request_done(c);

    ctx = *con_cls;
    if (ctx == NULL) {
        return;
    }

    if (ctx->upload_fd != -1) {
        close(ctx->upload_fd);
    }

    if (ctx->upload_path != NULL) {
        unlink(ctx->upload_path);       /* restore copied what it needed */
        free(ctx->upload_path);
    }

    if (ctx->req.db != NULL) {
        sqlite3_close_v2(ctx->req.db);
    }

    if (ctx->req.response != NULL) {
        MHD_destroy_response(ctx->req.response);
    }

    json_decref(ctx->req.json);

    for (i = 0; i < ctx->req.nhdrs; i++) {
        free(ctx->req.hdr_value[i]);
    }

    free(ctx->body);
    free(ctx);
    *con_cls = NULL;
}


int
agw_http_json(agw_req_t *r, unsigned status, json_t *body)
{
    json_decref(r->json);

    if (body == NULL) {
        r->status = 500;
        r->json = json_pack("{s:{s:s, s:s}}", "error", "code", "internal",
                            "message", "out of memory");
        return 0;
    }

    r->status = status;
    r->json = body;

    return 0;
}


int
agw_http_error(agw_req_t *r, unsigned status, const char *code,
    const char *fmt, ...)
{
    char     msg[512];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    /* the message may quote a client's bytes, cut anywhere by the buffer */
    return agw_http_json(r, status,
                         json_pack("{s:{s:s, s:o}}", "error", "code", code,
                                   "message",
                                   agw_json_text(msg, strlen(msg))));
}


void
agw_http_header(agw_req_t *r, const char *name, const char *value)
{
    char  *v;

    if (r->nhdrs == AGW_API_MAX_HEADERS) {
        return;
    }

    v = strdup(value);
    if (v == NULL) {
        return;
    }

    r->hdr_name[r->nhdrs] = name;
    r->hdr_value[r->nhdrs] = v;
    r->nhdrs++;
}


static const char *
agw_http_type_name(agw_field_type_t t)
{
    switch (t) {
    case AGW_FIELD_STRING:        return "a string";
    case AGW_FIELD_INTEGER:       return "an integer";
    case AGW_FIELD_BOOLEAN:       return "a boolean";
    case AGW_FIELD_STRING_ARRAY:  return "an array of strings";
    case AGW_FIELD_ANY:           return "JSON";
    }

    return "?";
}


json_t *
agw_http_body_object(agw_req_t *r, const agw_field_t *fields)
{
    int                 ok;
    size_t              j;
    json_t             *root, *v, *item;
    const char         *name;
    json_error_t        jerr;
    const agw_field_t  *f;

    if (r->body_len == 0) {
        agw_http_error(r, 400, "bad_request",
                       "request body is empty: a JSON object is expected");
        return NULL;
    }

    root = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        agw_http_error(r, 400, "bad_request",
                       "request body is not valid JSON (line %d, column %d):"
                       " %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }

    if (!json_is_object(root)) {
        agw_http_error(r, 400, "bad_request",
                       "request body must be a JSON object");
        goto failed;
    }

    json_object_foreach(root, name, v) {
        for (f = fields; f->name != NULL; f++) {
            if (strcmp(f->name, name) == 0) {
                break;
            }
        }

        if (f->name == NULL) {
            agw_http_error(r, 400, "bad_request", "unknown field \"%.64s\"",
                           name);
            goto failed;
        }

        switch (f->type) {
        case AGW_FIELD_STRING:
            ok = json_is_string(v);
            break;
        case AGW_FIELD_INTEGER:
            ok = json_is_integer(v);
            break;
        case AGW_FIELD_BOOLEAN:
            ok = json_is_boolean(v);
            break;
        case AGW_FIELD_ANY:
            ok = 1;
            break;
        default:
            ok = json_is_array(v);
            json_array_foreach(v, j, item) {
                if (!json_is_string(item)) {
                    ok = 0;
                }
            }
            break;
        }

        if (!ok) {
            agw_http_error(r, 400, "bad_request",
                           "field \"%s\" must be %s", f->name,
                           agw_http_type_name(f->type));
            goto failed;
        }

        if (f->max_len == 0) {
            continue;
        }

        if (f->type == AGW_FIELD_STRING
            && json_string_length(v) > f->max_len)
        {
            agw_http_error(r, 400, "bad_request",
                           "field \"%s\" is longer than %zu bytes",
                           f->name, f->max_len);
            goto failed;
        }

        if (f->type == AGW_FIELD_STRING_ARRAY
            && json_array_size(v) > f->max_len)
        {
            agw_http_error(r, 400, "bad_request",
                           "field \"%s\" has more than %zu items",
                           f->name, f->max_len);
            goto failed;
        }
    }

    for (f = fields; f->name != NULL; f++) {
        if (f->required && json_object_get(root, f->name) == NULL) {
            agw_http_error(r, 400, "bad_request", "missing field \"%s\"",
                           f->name);
            goto failed;
        }
    }

    return root;

failed:

    json_decref(root);
    return NULL;
}


typedef struct {
    const char *const  *allowed;
    const char         *bad;
    const char         *dup;
    char                seen[16][32];
    int                 nseen;
} agw_query_scan_t;


static enum MHD_Result
agw_http_query_scan(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
    int                i;
    agw_query_scan_t  *s;

    s = cls;

    for (i = 0; s->allowed[i] != NULL; i++) {
        if (strcmp(key, s->allowed[i]) == 0) {
            break;
        }
    }

    if (s->allowed[i] == NULL) {
        s->bad = key;
        return MHD_NO;
    }

    for (i = 0; i < s->nseen; i++) {
        if (strcmp(s->seen[i], key) == 0) {
            s->dup = key;
            return MHD_NO;
        }
    }

    if (s->nseen < 16 && strlen(key) < sizeof(s->seen[0])) {
        memcpy(s->seen[s->nseen++], key, strlen(key) + 1);
    }

    return MHD_YES;
}


int
agw_http_query_check(agw_req_t *r, const char *const *allowed)
{
    agw_query_scan_t  s;

    memset(&s, 0, sizeof(s));
    s.allowed = allowed;

    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND,
                              agw_http_query_scan, &s);

    if (s.bad != NULL) {
        agw_http_error(r, 400, "bad_request",
                       "unknown query parameter \"%.64s\"", s.bad);
        return -1;
    }

    if (s.dup != NULL) {
        agw_http_error(r, 400, "bad_request",
                       "query parameter \"%s\" given twice", s.dup);
        return -1;
    }

    return 0;
}


const char *
agw_http_query(agw_req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}


int
agw_http_query_int(agw_req_t *r, const char *name, int64_t def, int64_t min,
    int64_t max, int64_t *out)
{
    char        *end;
    long long    v;
    const char  *s;

    s = agw_http_query(r, name);

    if (s == NULL) {
        *out = def;
        return 0;
    }

    errno = 0;
    v = strtoll(s, &end, 10);

    if (s[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
        agw_http_error(r, 400, "bad_request",
                       "query parameter \"%s\" must be an integer from %lld "
                       "to %lld", name, (long long) min, (long long) max);
        return -1;
    }

    *out = v;

    return 0;
}


int
agw_http_query_bool(agw_req_t *r, const char *name, int def, int *out)
{
    const char  *s;

    s = agw_http_query(r, name);

    if (s == NULL) {
        *out = def;
        return 0;
    }

    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
        *out = 1;
        return 0;
    }

    if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
        *out = 0;
        return 0;
    }

    agw_http_error(r, 400, "bad_request",
                   "query parameter \"%s\" must be true or false", name);

    return -1;
}


int
agw_http_query_enum(agw_req_t *r, const char *name,
    const char *const *choices, int def)
{
    int          i;
    char         list[256];
    size_t       n;
    const char  *s;

    s = agw_http_query(r, name);

    if (s == NULL) {
        return def;
    }

    for (i = 0; choices[i] != NULL; i++) {
        if (strcmp(s, choices[i]) == 0) {
            return i;
        }
    }

    n = 0;
    list[0] = '\0';
    for (i = 0; choices[i] != NULL && n < sizeof(list); i++) {
        n += snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
                      choices[i]);
    }

    agw_http_error(r, 400, "bad_request",
                   "query parameter \"%s\" must be one of: %s", name, list);

    return -1;
}


int
agw_env_int(const char *name, int64_t def, int64_t min, int64_t max,
    int64_t *out, char *err, size_t errlen)
{
    char        *end;
    long long    v;
    const char  *s;

    s = getenv(name);
    if (s == NULL || s[0] == '\0') {
        *out = def;
        return 0;
    }

    errno = 0;
    v = strtoll(s, &end, 10);
    if (*end != '\0' || errno != 0 || v < min || v > max) {
        snprintf(err, errlen, "%s=\"%s\": expected an integer from %lld to "
                 "%lld", name, s, (long long) min, (long long) max);
        return -1;
    }

    *out = v;

    return 0;
}


int
agw_api_db_open(agw_api_t *api, sqlite3 **db, char *err, size_t errlen)
{
    int  rc;

    rc = sqlite3_open_v2(api->db_path, db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open \"%s\": %s", api->db_path,
                 *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
        sqlite3_close_v2(*db);
        *db = NULL;
        return -1;
    }

    sqlite3_busy_timeout(*db, 5000);

    if (sqlite3_exec(*db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "\"%s\": %s", api->db_path,
                 sqlite3_errmsg(*db));
        sqlite3_close_v2(*db);
        *db = NULL;
        return -1;
    }

    return 0;
}


sqlite3 *
agw_req_db(agw_req_t *r)
{
    char  err[512];

    if (r->db != NULL) {
        return r->db;
    }

    if (agw_api_db_open(r->api, &r->db, err, sizeof(err)) != 0) {
        agw_daemon_log("%s", err);
        agw_http_error(r, 503, "unavailable", "the database is unavailable");
        return NULL;
    }

    return r->db;
}


int
agw_http_db_error(agw_req_t *r, sqlite3 *db, const char *what)
{
    agw_daemon_log("%s %s: %s: %s", r->method, r->url,
                   what, sqlite3_errmsg(db));

    return agw_http_error(r, 500, "internal", "database error while %s",
                          what);
}
