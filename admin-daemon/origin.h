/*
 * origin: the names and origins this daemon answers to, and who may speak
 * for a client.
 *
 *   - Host: a browser page of another site can reach a loopback daemon by
 *     DNS rebinding (its own name, re-pointed at 127.0.0.1), but it cannot
 *     choose the Host header its name produces.  So a request is served
 *     only when Host is an IP literal (rebinding needs a name), localhost,
 *     the listen address's name or the public origin's host.
 *   - Origin: a state change with the session cookie must come from a page
 *     of this daemon: its public origin (AGW_ADMIN_PUBLIC_ORIGIN, the URL a
 *     browser sees behind a proxy that rewrites Host) or the host asked.
 *   - Forwarded headers (X-Forwarded-For, X-Forwarded-Host) are believed
 *     only from the addresses in AGW_ADMIN_TRUSTED_PROXIES; from anyone
 *     else they are ignored, as a client may send anything.
 */

#ifndef AGW_ORIGIN_H
#define AGW_ORIGIN_H

#include <stddef.h>

#include <microhttpd.h>

typedef struct agw_origin_s  agw_origin_t;

/* Reads AGW_ADMIN_PUBLIC_ORIGIN, AGW_ADMIN_TRUSTED_PROXIES and the
 * listen address; NULL with a message in err. */
agw_origin_t *agw_origin_new(const char *listen, char *err, size_t errlen);
void agw_origin_free(agw_origin_t *o);

/* The public origin's path ("/admin"), "" when none: a proxy that passes
 * it on unstripped is served as one that strips it. */
const char *agw_origin_prefix(agw_origin_t *o);

/* 1 if the request's host (Host, or a trusted proxy's X-Forwarded-Host)
 * names this daemon, 0 if it must be refused (421). */
int agw_origin_host_ok(agw_origin_t *o, struct MHD_Connection *c);

/* 1 if the request carries no Origin or one of this daemon's (see above);
 * 0 for a foreign one or "null". */
int agw_origin_ok(agw_origin_t *o, struct MHD_Connection *c);

/* The client's address as text: the peer's, or behind trusted proxies the
 * nearest X-Forwarded-For entry that is not one of them. */
void agw_origin_client(agw_origin_t *o, struct MHD_Connection *c, char *buf,
    size_t len);

#endif /* AGW_ORIGIN_H */
