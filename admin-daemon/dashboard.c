/*
 * Serving the embedded dashboard.  The files come from the table that
 * scripts/embed-assets generates (build/gen/dashboard_assets.c); nothing is
 * read from disk at run time, so the daemon works offline and a copied
 * binary carries its own dashboard.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dashboard.h"


/*
 * Why each header: the CSP allows only our own script and style files (no
 * inline script or style, no eval) and same-origin fetch/EventSource, so an
 * injected value can neither run code nor post data elsewhere;
 * frame-ancestors and X-Frame-Options stop click-jacking; nosniff stops a
 * browser from running a JSON answer as script; no referrer leaks the admin
 * URL to anything linked.
 */
static const char *const  agw_dashboard_headers[][2] = {
    { "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'self'; "
      "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
      "manifest-src 'self'; base-uri 'none'; form-action 'self'; "
      "frame-ancestors 'none'" },
    { "X-Frame-Options", "DENY" },
    { "X-Content-Type-Options", "nosniff" },
    { "Referrer-Policy", "no-referrer" },
    { "Cross-Origin-Opener-Policy", "same-origin" },
    { "Cross-Origin-Resource-Policy", "same-origin" },
    { "Permissions-Policy", "camera=(), microphone=(), geolocation=()" },
};


static int agw_dashboard_accepts_gzip(struct MHD_Connection *c);
static int agw_dashboard_etag_matches(struct MHD_Connection *c,
    const char *etag);
static enum MHD_Result agw_dashboard_reply_text(struct MHD_Connection *c,
    unsigned int status, const char *text);


int
agw_dashboard_security_headers(struct MHD_Response *r)
{
    size_t  i;

    for (i = 0; i < sizeof(agw_dashboard_headers)
                    / sizeof(agw_dashboard_headers[0]); i++)
    {
        if (MHD_add_response_header(r, agw_dashboard_headers[i][0],
                                    agw_dashboard_headers[i][1])
            != MHD_YES)
        {
            return -1;
        }
    }

    return 0;
}


/*
 * Map a request path to an asset.  The app routes on the URL's fragment
 * ("/#/logs?model=x"), so its one page is "/" and a deep link is still "/":
 * any other path must name an embedded file exactly.  Everything else
 * (/metrics, /logs, a probe for /.env) is a plain 404, never the app's
 * page with 200, which monitoring and scanners would take for an answer.
 */
const agw_dashboard_asset_t *
agw_dashboard_find(const char *url)
{
    size_t       i;
    const char  *want;

    if (url == NULL || url[0] != '/') {
        return NULL;
    }

    want = strcmp(url, "/") == 0 ? "/index.html" : url;

    for (i = 0; i < agw_dashboard_nassets; i++) {
        if (strcmp(agw_dashboard_assets[i].path, want) == 0) {
            return &agw_dashboard_assets[i];
        }
    }

    return NULL;
}


enum MHD_Result
agw_dashboard_serve(struct MHD_Connection *c, const char *method,
    const char *url)
{
    int                           gz;
    unsigned int                  status;
    enum MHD_Result               ret;
    struct MHD_Response          *r;
    const agw_dashboard_asset_t  *a;

    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0
        && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
    {
        return agw_dashboard_reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                                        "method not allowed\n");
    }

    a = agw_dashboard_find(url);
    if (a == NULL) {
        return agw_dashboard_reply_text(c, MHD_HTTP_NOT_FOUND,
                                        "not found\n");
    }

    gz = 0;

    if (agw_dashboard_etag_matches(c, a->etag)) {
        /* RFC 9110: a 304 carries the validators and caching headers. */
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;

    } else {
        gz = a->gzip != NULL && agw_dashboard_accepts_gzip(c);
        r = MHD_create_response_from_buffer(gz ? a->gzip_len : a->len,
                                            (void *) (gz ? a->gzip : a->data),
                                            MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_OK;
    }

    if (r == NULL) {
        return MHD_NO;
    }

    if (agw_dashboard_security_headers(r) != 0
        || MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                   a->content_type) != MHD_YES
        || MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, a->etag)
           != MHD_YES
        || MHD_add_response_header(r, MHD_HTTP_HEADER_VARY,
                                   MHD_HTTP_HEADER_ACCEPT_ENCODING) != MHD_YES
        || MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                                   a->immutable
                                   ? "public, max-age=31536000, immutable"
                                   : "no-cache") != MHD_YES
        || (gz && MHD_add_response_header(r,
                                          MHD_HTTP_HEADER_CONTENT_ENCODING,
                                          "gzip") != MHD_YES))
    {
        MHD_destroy_response(r);
        return MHD_NO;
    }

    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);

    return ret;
}


/*
 * True if Accept-Encoding lists gzip (or "*") with a non-zero q value.
 * Tokens are case-insensitive; "gzip;q=0" means "never gzip".
 */
static int
agw_dashboard_accepts_gzip(struct MHD_Connection *c)
{
    size_t       n;
    const char  *ae, *p, *end, *semi, *q;

    ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                     MHD_HTTP_HEADER_ACCEPT_ENCODING);
    if (ae == NULL) {
        return 0;
    }

    for (p = ae; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
        p += strspn(p, " \t");
        end = p + strcspn(p, ",");
        semi = memchr(p, ';', (size_t) (end - p));
        n = (size_t) ((semi != NULL ? semi : end) - p);

        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
            n--;
        }

        if (!((n == 4 && strncasecmp(p, "gzip", 4) == 0)
              || (n == 1 && p[0] == '*')))
        {
            continue;
        }

        if (semi == NULL) {
            return 1;
        }

        q = semi + 1 + strspn(semi + 1, " \t");
        if (strncasecmp(q, "q=", 2) != 0) {
            return 1;
        }

        return strtod(q + 2, NULL) > 0.0;
    }

    return 0;
}


/* If-None-Match holds our tag (alone or in a list), or "*". */
static int
agw_dashboard_etag_matches(struct MHD_Connection *c, const char *etag)
{
    const char  *inm;

    inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                      MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm == NULL) {
        return 0;
    }

    inm += strspn(inm, " \t");

    return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
}


static enum MHD_Result
agw_dashboard_reply_text(struct MHD_Connection *c, unsigned int status,
    const char *text)
{
    enum MHD_Result       ret;
    struct MHD_Response  *r;

    r = MHD_create_response_from_buffer(strlen(text), (void *) text,
                                        MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        return MHD_NO;
    }

    if (agw_dashboard_security_headers(r) != 0
        || MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                   "text/plain; charset=utf-8") != MHD_YES
        || (status == MHD_HTTP_METHOD_NOT_ALLOWED
            && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD")
               != MHD_YES))
    {
        MHD_destroy_response(r);
        return MHD_NO;
    }

    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);

    return ret;
}
