/*
 * auth: login, sessions, admin token, CSRF, failed-login limiter.
 *
 * Why each piece:
 *   - the cookie is HttpOnly (no script reads it) and SameSite=Strict (no
 *     other site makes the browser send it); state changes with it also
 *     need X-CSRF-Token (a value only our own page can read) and a
 *     matching Origin when the browser sends one;
 *   - the token is for automation: it is a header, never sent by a
 *     browser on its own, so it needs no CSRF token;
 *   - tries (login or token) are counted per client address before the
 *     secret is checked and given back when it was right, so parallel
 *     guesses cannot outrun the count; past the limit the address gets 429
 *     until the window ends, even with the right password, so guessing
 *     does not continue under the lock.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "agw_hash.h"
#include "api_handlers.h"
#include "auth.h"
#include "origin.h"


#define AGW_PBKDF2_ITER      100000
#define AGW_SESSIONS_MAX     256
#define AGW_LIMITER_MAX      1024


typedef struct {
    unsigned char  id_hash[32];      /* SHA-256 of the cookie value */
    char           csrf[65];
    char           username[128];
    int64_t        created;
    int64_t        expires;          /* 0: free slot */
} agw_session_t;

typedef struct {
    char           addr[64];
    unsigned       fails;
    int64_t        window_start;
    int64_t        locked_until;
} agw_limiter_t;

struct agw_auth_s {
    char             username[128];
    unsigned char    user_hash[32];
    unsigned char    pw_salt[16];
    unsigned char    pw_hash[32];
    unsigned         has_password:1;
    unsigned         has_token:1;
    unsigned         cookie_secure:1;
    unsigned char    token_hash[32];
    int64_t          session_ttl;
    unsigned         max_fails;
    int64_t          window;

    pthread_mutex_t  lock;           /* sessions and limiter */
    agw_session_t    sessions[AGW_SESSIONS_MAX];
    agw_limiter_t    limiter[AGW_LIMITER_MAX];
};


static int agw_auth_secret_env(const char *name, char **out, char *err,
    size_t errlen);
static int agw_auth_pbkdf2(const char *pw, size_t len,
    const unsigned char salt[16], unsigned char out[32]);
static int64_t agw_auth_reserve(agw_auth_t *a, const char *addr,
    int64_t now);
static void agw_auth_succeeded(agw_auth_t *a, const char *addr);
static int agw_auth_answer_locked(agw_req_t *r, int64_t wait);


/*
 * A secret from NAME, or from the file named by NAME_FILE (trailing
 * newlines dropped).  *out NULL when neither is set.
 */
static int
agw_auth_secret_env(const char *name, char **out, char *err, size_t errlen)
{
    char         fname[64], *buf;
    size_t       n;
    FILE        *f;
    const char  *v, *path;

    *out = NULL;

    v = getenv(name);
    if (v != NULL && v[0] != '\0') {
        *out = strdup(v);
        if (*out == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        return 0;
    }

    snprintf(fname, sizeof(fname), "%s_FILE", name);
    path = getenv(fname);
    if (path == NULL || path[0] == '\0') {
        return 0;
    }

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open \"%s\": %s", fname, path,
                 strerror(errno));
        return -1;
    }

    buf = calloc(1, 4096);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    n = fread(buf, 1, 4095, f);
    fclose(f);

    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }

    if (n == 0) {
        free(buf);
        snprintf(err, errlen, "%s: \"%s\" is empty", fname, path);
        return -1;
    }

    *out = buf;

    return 0;
}


/* A secret from agw_auth_secret_env (or NULL), wiped before it is freed:
 * only its hash outlives the start. */
static void
agw_auth_secret_free(char *secret)
{
    if (secret != NULL) {
        OPENSSL_cleanse(secret, strlen(secret));
        free(secret);
    }
}


static int
agw_auth_pbkdf2(const char *pw, size_t len, const unsigned char salt[16],
    unsigned char out[32])
{
    return PKCS5_PBKDF2_HMAC(pw, (int) len, salt, 16, AGW_PBKDF2_ITER,
                             EVP_sha256(), 32, out) == 1 ? 0 : -1;
}


agw_auth_t *
agw_auth_new(char *err, size_t errlen)
{
    char         *password, *token;
    int64_t       n;
    agw_auth_t   *a;
    const char   *user, *secure;

    password = NULL;
    token = NULL;

    a = calloc(1, sizeof(agw_auth_t));
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (pthread_mutex_init(&a->lock, NULL) != 0) {
        free(a);
        snprintf(err, errlen, "pthread_mutex_init failed");
        return NULL;
    }

    user = getenv("AGW_ADMIN_USER");
    if (user == NULL || user[0] == '\0') {
        user = "admin";
    }

    if (strlen(user) >= sizeof(a->username)) {
        snprintf(err, errlen, "AGW_ADMIN_USER is longer than %zu bytes",
                 sizeof(a->username) - 1);
        goto failed;
    }

    memcpy(a->username, user, strlen(user) + 1);

    if (agw_sha256(a->username, strlen(a->username), a->user_hash) != 0) {
        snprintf(err, errlen, "SHA-256 failed");
        goto failed;
    }

    if (agw_env_int("AGW_ADMIN_SESSION_TTL", 43200, 1, 30 * 86400,
                    &a->session_ttl, err, errlen) != 0
        || agw_env_int("AGW_ADMIN_LOGIN_WINDOW", 300, 1, 86400,
                       &a->window, err, errlen) != 0
        || agw_env_int("AGW_ADMIN_LOGIN_MAX_FAILS", 5, 1, 1000, &n,
                       err, errlen) != 0)
    {
        goto failed;
    }

    a->max_fails = (unsigned) n;

    secure = getenv("AGW_ADMIN_COOKIE_SECURE");
    a->cookie_secure = secure != NULL && strcmp(secure, "1") == 0;

    if (agw_auth_secret_env("AGW_ADMIN_PASSWORD", &password, err, errlen)
        != 0
        || agw_auth_secret_env("AGW_ADMIN_TOKEN", &token, err, errlen) != 0)
    {
        goto failed;
    }

    if (password != NULL) {
        if (RAND_bytes(a->pw_salt, sizeof(a->pw_salt)) != 1
            || agw_auth_pbkdf2(password, strlen(password), a->pw_salt,
                               a->pw_hash) != 0)
        {
            snprintf(err, errlen, "cannot hash the admin password");
            goto failed;
        }
        a->has_password = 1;
    }

    if (token != NULL) {
        if (strlen(token) < 16) {
            snprintf(err, errlen, "the admin token must be at least 16 "
                     "characters long");
            goto failed;
        }
        if (agw_sha256(token, strlen(token), a->token_hash) != 0) {
            snprintf(err, errlen, "SHA-256 failed");
            goto failed;
        }
        a->has_token = 1;
    }

    if (!a->has_password && !a->has_token) {
        agw_daemon_log("warning: neither AGW_ADMIN_PASSWORD nor "
                       "AGW_ADMIN_TOKEN is set: the API refuses everything "
                       "but /api/v1/health");
    }

    agw_auth_secret_free(password);
    agw_auth_secret_free(token);

    return a;

failed:

    agw_auth_secret_free(password);
    agw_auth_secret_free(token);

    pthread_mutex_destroy(&a->lock);
    free(a);

    return NULL;
}


void
agw_auth_free(agw_auth_t *a)
{
    if (a == NULL) {
        return;
    }

    pthread_mutex_destroy(&a->lock);
    OPENSSL_cleanse(a, sizeof(agw_auth_t));
    free(a);
}


/*
 * Takes one try for the address before its password or token is checked:
 * counted first, so that parallel guesses cannot all reach the check
 * before any failure is counted (each PBKDF2 takes tens of milliseconds).
 * max_fails tries within `window` seconds lock the address out for
 * `window` seconds; agw_auth_succeeded() gives the tries back.  Returns 0
 * (go on) or the seconds the address must still wait.  A full table
 * reuses the stalest entry.
 */
static int64_t
agw_auth_reserve(agw_auth_t *a, const char *addr, int64_t now)
{
    int             i, slot, stale;
    int64_t         wait;
    agw_limiter_t  *l;

    slot = -1;
    stale = 0;
    wait = 0;

    pthread_mutex_lock(&a->lock);

    for (i = 0; i < AGW_LIMITER_MAX; i++) {
        if (strcmp(a->limiter[i].addr, addr) == 0) {
            slot = i;
            break;
        }
        if (a->limiter[i].window_start < a->limiter[stale].window_start
            && a->limiter[i].locked_until <= now)
        {
            stale = i;
        }
    }

    if (slot == -1) {
        slot = stale;
        memset(&a->limiter[slot], 0, sizeof(agw_limiter_t));
        snprintf(a->limiter[slot].addr, sizeof(a->limiter[slot].addr), "%s",
                 addr);
    }

    l = &a->limiter[slot];

    if (l->locked_until > now) {
        wait = l->locked_until - now;

    } else {
        if (l->window_start + a->window <= now) {
            l->window_start = now;
            l->fails = 0;
        }

        l->fails++;

        if (l->fails >= a->max_fails) {
            l->locked_until = now + a->window;
            agw_daemon_log("%u login tries from %s: further tries "
                           "refused for %lld s", l->fails, addr,
                           (long long) a->window);
        }
    }

    pthread_mutex_unlock(&a->lock);

    return wait;
}


/* The right password or token: the address's tries are given back. */
static void
agw_auth_succeeded(agw_auth_t *a, const char *addr)
{
    int  i;

    pthread_mutex_lock(&a->lock);

    for (i = 0; i < AGW_LIMITER_MAX; i++) {
        if (strcmp(a->limiter[i].addr, addr) == 0) {
            memset(&a->limiter[i], 0, sizeof(agw_limiter_t));
            break;
        }
    }

    pthread_mutex_unlock(&a->lock);
}


static int
agw_auth_answer_locked(agw_req_t *r, int64_t wait)
{
    char  s[32];

    snprintf(s, sizeof(s), "%lld", (long long) wait);
    agw_http_header(r, MHD_HTTP_HEADER_RETRY_AFTER, s);

    return agw_http_error(r, 429, "rate_limited",
                          "too many failed logins from this address: try "
                          "again in %lld seconds", (long long) wait);
}


int
agw_auth_check(agw_req_t *r)
{
    int             i, found;
    int64_t         now, wait;
    agw_auth_t     *a;
    const char     *authz, *cookie, *csrf;
    unsigned char   h[32];
    agw_session_t  *s;

    a = r->api->auth;
    now = agw_now();

    authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                        MHD_HTTP_HEADER_AUTHORIZATION);

    if (authz != NULL) {
        if (strncasecmp(authz, "Bearer ", 7) != 0) {
            agw_http_error(r, 401, "unauthorized",
                           "Authorization must be \"Bearer <admin token>\"");
            return -1;
        }

        wait = agw_auth_reserve(a, r->client, now);
        if (wait > 0) {
            agw_auth_answer_locked(r, wait);
            return -1;
        }

        if (!a->has_token
            || agw_sha256(authz + 7, strlen(authz + 7), h) != 0
            || !agw_ct_equal(h, a->token_hash, 32))
        {
            agw_http_error(r, 401, "unauthorized", "invalid admin token");
            return -1;
        }

        agw_auth_succeeded(a, r->client);

        r->auth = AGW_AUTH_TOKEN;
        snprintf(r->username, sizeof(r->username), "%s", a->username);
        return 0;
    }

    cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
                                         AGW_SESSION_COOKIE);
    if (cookie == NULL || cookie[0] == '\0') {
        agw_http_error(r, 401, "unauthorized",
                       "authentication required: log in, or send "
                       "\"Authorization: Bearer <admin token>\"");
        return -1;
    }

    if (agw_sha256(cookie, strlen(cookie), h) != 0) {
        agw_http_error(r, 500, "internal", "SHA-256 failed");
        return -1;
    }

    found = 0;

    pthread_mutex_lock(&a->lock);

    for (i = 0; i < AGW_SESSIONS_MAX; i++) {
        s = &a->sessions[i];

        if (s->expires != 0 && s->expires <= now) {
            memset(s, 0, sizeof(agw_session_t));
            continue;
        }

        if (s->expires != 0 && agw_ct_equal(s->id_hash, h, 32)) {
            memcpy(r->csrf, s->csrf, sizeof(r->csrf));
            memcpy(r->session_hash, h, sizeof(r->session_hash));
            memcpy(r->username, s->username, sizeof(r->username));
            r->session_expires = s->expires;
            found = 1;
            break;
        }
    }

    pthread_mutex_unlock(&a->lock);

    if (!found) {
        agw_http_header(r, MHD_HTTP_HEADER_SET_COOKIE,
                        AGW_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; "
                        "SameSite=Strict");
        agw_http_error(r, 401, "unauthorized",
                       "session expired or unknown: log in again");
        return -1;
    }

    r->auth = AGW_AUTH_COOKIE;

    if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) {
        return 0;
    }

    if (!agw_origin_ok(r->api->origin, r->conn)) {
        agw_http_error(r, 403, "csrf",
                       "cross-site request refused: Origin is not this "
                       "host or AGW_ADMIN_PUBLIC_ORIGIN");
        return -1;
    }

    csrf = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                       "X-CSRF-Token");
    if (csrf == NULL || strlen(csrf) != 64
        || !agw_ct_equal(csrf, r->csrf, 64))
    {
        agw_http_error(r, 403, "csrf",
                       "missing or wrong X-CSRF-Token header (the token is "
                       "in the login and /api/v1/session answers)");
        return -1;
    }

    return 0;
}


int
agw_auth_session_live(agw_auth_t *a, const unsigned char hash[32])
{
    int             i, live;
    int64_t         now;
    agw_session_t  *s;

    live = 0;
    now = agw_now();

    pthread_mutex_lock(&a->lock);

    for (i = 0; i < AGW_SESSIONS_MAX; i++) {
        s = &a->sessions[i];

        if (s->expires > now && agw_ct_equal(s->id_hash, hash, 32)) {
            live = 1;
            break;
        }
    }

    pthread_mutex_unlock(&a->lock);

    return live;
}


/* The Session object of the API (openapi.yaml). */
static json_t *
agw_auth_session_json(agw_req_t *r)
{
    if (r->auth == AGW_AUTH_TOKEN) {
        return json_pack("{s:s, s:s, s:I}", "username", r->username,
                         "auth", "token", "expires_at", (json_int_t) 0);
    }

    return json_pack("{s:s, s:s, s:s, s:I}", "username", r->username,
                     "auth", "cookie", "csrf_token", r->csrf,
                     "expires_at", (json_int_t) r->session_expires);
}


int
agw_auth_login(agw_req_t *r)
{
    int             i, slot, user_ok, pw_ok;
    char            id[65], cookie[256];
    json_t         *body;
    int64_t         now, wait;
    agw_auth_t     *a;
    const char     *user, *pw;
    unsigned char   raw[32], h[32], pwh[32];
    agw_session_t  *s;

    static const agw_field_t  fields[] = {
        { "username", AGW_FIELD_STRING, 1, 256 },
        { "password", AGW_FIELD_STRING, 1, 1024 },
        { NULL, 0, 0, 0 }
    };

    a = r->api->auth;
    now = agw_now();

    if (!agw_origin_ok(r->api->origin, r->conn)) {
        return agw_http_error(r, 403, "csrf",
                              "cross-site login refused: Origin is not this "
                              "host or AGW_ADMIN_PUBLIC_ORIGIN");
    }

    body = agw_http_body_object(r, fields);
    if (body == NULL) {
        return 0;
    }

    wait = agw_auth_reserve(a, r->client, now);
    if (wait > 0) {
        json_decref(body);
        return agw_auth_answer_locked(r, wait);
    }

    user = json_string_value(json_object_get(body, "username"));
    pw = json_string_value(json_object_get(body, "password"));

    /* both checks always run: timing says nothing about which failed */
    user_ok = agw_sha256(user, strlen(user), h) == 0
              && agw_ct_equal(h, a->user_hash, 32);
    pw_ok = a->has_password
            && agw_auth_pbkdf2(pw, strlen(pw), a->pw_salt, pwh) == 0
            && agw_ct_equal(pwh, a->pw_hash, 32);

    json_decref(body);

    if (!a->has_password) {
        return agw_http_error(r, 401, "invalid_credentials",
                              "login is disabled: no admin password is "
                              "configured (AGW_ADMIN_PASSWORD)");
    }

    if (!user_ok || !pw_ok) {
        agw_daemon_log("failed login from %s",
                       r->client);
        return agw_http_error(r, 401, "invalid_credentials",
                              "wrong username or password");
    }

    agw_auth_succeeded(a, r->client);

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        return agw_http_error(r, 500, "internal", "no randomness");
    }
    agw_hex(raw, 32, id);

    if (agw_sha256(id, 64, h) != 0) {
        return agw_http_error(r, 500, "internal", "SHA-256 failed");
    }

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        return agw_http_error(r, 500, "internal", "no randomness");
    }
    agw_hex(raw, 32, r->csrf);

    pthread_mutex_lock(&a->lock);

    /* a free or expired slot, else the oldest session makes room */
    slot = 0;
    for (i = 0; i < AGW_SESSIONS_MAX; i++) {
        s = &a->sessions[i];
        if (s->expires == 0 || s->expires <= now) {
            slot = i;
            break;
        }
        if (s->created < a->sessions[slot].created) {
            slot = i;
        }
    }

    s = &a->sessions[slot];
    memcpy(s->id_hash, h, 32);
    memcpy(s->csrf, r->csrf, sizeof(s->csrf));
    memcpy(s->username, a->username, sizeof(s->username));
    s->created = now;
    s->expires = now + a->session_ttl;

    pthread_mutex_unlock(&a->lock);

    r->auth = AGW_AUTH_COOKIE;
    r->session_expires = now + a->session_ttl;
    memcpy(r->username, a->username, sizeof(r->username));

    snprintf(cookie, sizeof(cookie),
             AGW_SESSION_COOKIE "=%s; Path=/; Max-Age=%lld; HttpOnly; "
             "SameSite=Strict%s", id, (long long) a->session_ttl,
             a->cookie_secure ? "; Secure" : "");
    agw_http_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);

    OPENSSL_cleanse(id, sizeof(id));

    return agw_http_json(r, 200, agw_auth_session_json(r));
}


int
agw_auth_logout(agw_req_t *r)
{
    int          i;
    agw_auth_t  *a;
    const char  *cookie;
    unsigned char  h[32];

    a = r->api->auth;

    if (r->auth == AGW_AUTH_COOKIE) {
        cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
                                             AGW_SESSION_COOKIE);

        if (cookie != NULL && agw_sha256(cookie, strlen(cookie), h) == 0) {
            pthread_mutex_lock(&a->lock);

            for (i = 0; i < AGW_SESSIONS_MAX; i++) {
                if (a->sessions[i].expires != 0
                    && agw_ct_equal(a->sessions[i].id_hash, h, 32))
                {
                    memset(&a->sessions[i], 0, sizeof(agw_session_t));
                }
            }

            pthread_mutex_unlock(&a->lock);
        }

        agw_http_header(r, MHD_HTTP_HEADER_SET_COOKIE,
                        AGW_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; "
                        "SameSite=Strict");
    }

    r->response = MHD_create_response_from_buffer(0, NULL,
                                                  MHD_RESPMEM_PERSISTENT);
    if (r->response == NULL) {
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    r->status = 204;

    return 0;
}


int
agw_auth_session(agw_req_t *r)
{
    return agw_http_json(r, 200, agw_auth_session_json(r));
}
