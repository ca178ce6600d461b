/*
 * auth: the admin's login, sessions, the admin token, CSRF checks and the
 * failed-login limiter.
 *
 * Secrets come from the environment (AGW_ADMIN_PASSWORD or
 * AGW_ADMIN_PASSWORD_FILE, AGW_ADMIN_TOKEN or AGW_ADMIN_TOKEN_FILE) and are
 * kept only as hashes: the password as PBKDF2-HMAC-SHA256 with a random
 * salt, the token and session ids as SHA-256.  Nothing secret is logged.
 * Sessions live in memory: a daemon restart logs the admin out.
 */

#ifndef AGW_AUTH_H
#define AGW_AUTH_H

#include <stddef.h>

#include "http.h"

#define AGW_SESSION_COOKIE  "agw_session"

/* Reads the environment; NULL with a message in err (unreadable file,
 * bad number, out of memory). */
agw_auth_t *agw_auth_new(char *err, size_t errlen);
void agw_auth_free(agw_auth_t *a);

/*
 * For routes that need authentication: fills r->auth, r->username and, for
 * a session, r->csrf.  Returns 0, or -1 after answering 401 (no or bad
 * credentials), 403 (cookie-authenticated state change without the right
 * X-CSRF-Token, or from a foreign Origin) or 429 (address locked out).
 */
int agw_auth_check(agw_req_t *r);

/* True while the session whose id hashes to `hash` (r->session_hash) is
 * logged in and not expired: what outlives one request (the live stream)
 * asks again. */
int agw_auth_session_live(agw_auth_t *a, const unsigned char hash[32]);

#endif /* AGW_AUTH_H */
