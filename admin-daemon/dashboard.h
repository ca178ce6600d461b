/*
 * The dashboard: static assets bundled from admin-daemon/web at build time
 * and embedded in the daemon (build/gen/dashboard_assets.c), served for
 * every path outside /api/ that names one of them ("/": index.html).
 */

#ifndef AGW_DASHBOARD_H
#define AGW_DASHBOARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>


/* One embedded file, as scripts/embed-assets writes it. */
typedef struct {
    const char           *path;          /* "/index.html", "/assets/x.js" */
    const char           *content_type;
    const unsigned char  *data;
    size_t                len;
    const unsigned char  *gzip;          /* NULL when gzip does not help */
    size_t                gzip_len;
    const char           *etag;          /* quoted, e.g. "\"3fa2...\"" */
    int                   immutable;     /* content-hashed name: cache long */
} agw_dashboard_asset_t;

extern const agw_dashboard_asset_t  agw_dashboard_assets[];
extern const size_t                 agw_dashboard_nassets;


const agw_dashboard_asset_t *agw_dashboard_find(const char *url);
int agw_dashboard_security_headers(struct MHD_Response *r);
enum MHD_Result agw_dashboard_serve(struct MHD_Connection *c,
    const char *method, const char *url);


#endif /* AGW_DASHBOARD_H */
