/*
 * origin: Host and Origin checks, trusted proxies (see origin.h for why).
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "origin.h"


#define AGW_ORIGIN_PROXIES_MAX  32


/* One trusted proxy: an address and how many leading bits must match. */
typedef struct {
    int            family;          /* AF_INET or AF_INET6 */
    unsigned char  addr[16];
    unsigned       bits;
} agw_cidr_t;

struct agw_origin_s {
    char        origin[256];        /* "https://gw.example[:port]", or "" */
    char        host[256];          /* its host name, lower case, or "" */
    char        prefix[256];        /* its path without the last '/' */
    char        listen_host[256];   /* the listen address's name, or "" */
    agw_cidr_t  proxies[AGW_ORIGIN_PROXIES_MAX];
    int         nproxies;
};


static int agw_origin_parse_public(agw_origin_t *o, const char *url,
    char *err, size_t errlen);
static int agw_origin_parse_proxies(agw_origin_t *o, const char *list,
    char *err, size_t errlen);
static int agw_origin_addr(const char *text, int *family,
    unsigned char addr[16]);
static int agw_origin_sockaddr(const struct sockaddr *sa, int *family,
    unsigned char addr[16]);
static int agw_origin_trusted(agw_origin_t *o, int family,
    const unsigned char addr[16]);
static int agw_origin_peer_trusted(agw_origin_t *o,
    struct MHD_Connection *c);
static const char *agw_origin_host(agw_origin_t *o, struct MHD_Connection *c,
    char *buf, size_t len);
static int agw_origin_host_name(const char *v, size_t vlen, char *name,
    size_t len, int *literal);


/* "scheme://host[:port][/path]": http or https, no query or fragment. */
static int
agw_origin_parse_public(agw_origin_t *o, const char *url, char *err,
    size_t errlen)
{
    int          literal;
    size_t       n, i;
    const char  *p, *slash, *port;

    if (strncasecmp(url, "https://", 8) == 0) {
        p = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        p = url + 7;
    } else {
        goto invalid;
    }

    if (strpbrk(url, "?#@ \t") != NULL) {
        goto invalid;
    }

    slash = strchr(p, '/');
    n = slash ? (size_t) (slash - p) : strlen(p);

    if (n == 0 || (size_t) (p - url) + n >= sizeof(o->origin)
        || agw_origin_host_name(p, n, o->host, sizeof(o->host), &literal)
           != 0)
    {
        goto invalid;
    }

    /* the browser's Origin leaves out a scheme's default port */
    port = p[0] == '[' ? memchr(p, ']', n) : p;
    port = port ? memchr(port, ':', n - (size_t) (port - p)) : NULL;

    if (port != NULL
        && ((p - url == 8 && (size_t) (p + n - port) == 4
             && memcmp(port, ":443", 4) == 0)
            || (p - url == 7 && (size_t) (p + n - port) == 3
                && memcmp(port, ":80", 3) == 0)))
    {
        n = (size_t) (port - p);
    }

    for (i = 0; i < (size_t) (p - url) + n; i++) {
        o->origin[i] = (char) tolower((unsigned char) url[i]);
    }
    o->origin[i] = '\0';

    if (slash != NULL) {
        n = strlen(slash);
        while (n > 0 && slash[n - 1] == '/') {
            n--;
        }
        if (n >= sizeof(o->prefix)) {
            goto invalid;
        }
        memcpy(o->prefix, slash, n);
        o->prefix[n] = '\0';
    }

    return 0;

invalid:

    snprintf(err, errlen, "AGW_ADMIN_PUBLIC_ORIGIN=\"%s\": expected "
             "http(s)://host[:port][/path], e.g. https://gw.example.com/admin",
             url);
    return -1;
}


/* Addresses or CIDR blocks, separated by commas or spaces. */
static int
agw_origin_parse_proxies(agw_origin_t *o, const char *list, char *err,
    size_t errlen)
{
    char         item[64], *slash, *end;
    size_t       n;
    unsigned     max;
    agw_cidr_t  *cidr;
    unsigned long  bits;
    const char  *p;

    for (p = list; *p != '\0'; p += n) {
        p += strspn(p, ", \t");
        n = strcspn(p, ", \t");
        if (n == 0) {
            break;
        }

        if (n >= sizeof(item) || o->nproxies == AGW_ORIGIN_PROXIES_MAX) {
            goto invalid;
        }

        memcpy(item, p, n);
        item[n] = '\0';

        cidr = &o->proxies[o->nproxies];
        slash = strchr(item, '/');
        if (slash != NULL) {
            *slash = '\0';
        }

        if (agw_origin_addr(item, &cidr->family, cidr->addr) != 0) {
            goto invalid;
        }

        max = cidr->family == AF_INET ? 32 : 128;
        cidr->bits = max;

        if (slash != NULL) {
            bits = strtoul(slash + 1, &end, 10);
            if (slash[1] == '\0' || *end != '\0' || bits > max) {
                goto invalid;
            }
            cidr->bits = (unsigned) bits;
        }

        o->nproxies++;
    }

    return 0;

invalid:

    snprintf(err, errlen, "AGW_ADMIN_TRUSTED_PROXIES=\"%s\": expected up to "
             "%d addresses or CIDR blocks (127.0.0.1, 10.0.0.0/8, ::1)",
             list, AGW_ORIGIN_PROXIES_MAX);
    return -1;
}


agw_origin_t *
agw_origin_new(const char *listen, char *err, size_t errlen)
{
    int            literal;
    const char    *s, *colon;
    agw_origin_t  *o;

    o = calloc(1, sizeof(agw_origin_t));
    if (o == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    s = getenv("AGW_ADMIN_PUBLIC_ORIGIN");
    if (s != NULL && s[0] != '\0'
        && agw_origin_parse_public(o, s, err, errlen) != 0)
    {
        goto failed;
    }

    s = getenv("AGW_ADMIN_TRUSTED_PROXIES");
    if (s != NULL && agw_origin_parse_proxies(o, s, err, errlen) != 0) {
        goto failed;
    }

    /* "name:port": a name the operator chose is one of ours */
    colon = strrchr(listen, ':');
    if (colon != NULL && colon != listen
        && agw_origin_host_name(listen, (size_t) (colon - listen),
                                o->listen_host, sizeof(o->listen_host),
                                &literal) != 0)
    {
        o->listen_host[0] = '\0';
    }

    return o;

failed:

    free(o);
    return NULL;
}


void
agw_origin_free(agw_origin_t *o)
{
    free(o);
}


const char *
agw_origin_prefix(agw_origin_t *o)
{
    return o->prefix;
}


static int
agw_origin_addr(const char *text, int *family, unsigned char addr[16])
{
    memset(addr, 0, 16);

    if (inet_pton(AF_INET, text, addr) == 1) {
        *family = AF_INET;
        return 0;
    }

    if (inet_pton(AF_INET6, text, addr) == 1) {
        *family = AF_INET6;
        return 0;
    }

    return -1;
}


/* A socket address as (family, bytes); an IPv4-mapped IPv6 one as IPv4. */
static int
agw_origin_sockaddr(const struct sockaddr *sa, int *family,
    unsigned char addr[16])
{
    const struct sockaddr_in   *sin;
    const struct sockaddr_in6  *sin6;

    memset(addr, 0, 16);

    if (sa->sa_family == AF_INET) {
        sin = (const struct sockaddr_in *) sa;
        memcpy(addr, &sin->sin_addr, 4);
        *family = AF_INET;
        return 0;
    }

    if (sa->sa_family == AF_INET6) {
        sin6 = (const struct sockaddr_in6 *) sa;
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            memcpy(addr, &sin6->sin6_addr.s6_addr[12], 4);
            *family = AF_INET;
        } else {
            memcpy(addr, &sin6->sin6_addr, 16);
            *family = AF_INET6;
        }
        return 0;
    }

    return -1;
}


static int
agw_origin_trusted(agw_origin_t *o, int family, const unsigned char addr[16])
{
    int                i;
    unsigned           full, rest;
    const agw_cidr_t  *p;

    for (i = 0; i < o->nproxies; i++) {
        p = &o->proxies[i];
        if (p->family != family) {
            continue;
        }

        full = p->bits / 8;
        rest = p->bits % 8;

        if (memcmp(p->addr, addr, full) == 0
            && (rest == 0
                || ((p->addr[full] ^ addr[full]) & (0xFF << (8 - rest)))
                   == 0))
        {
            return 1;
        }
    }

    return 0;
}


static int
agw_origin_peer_trusted(agw_origin_t *o, struct MHD_Connection *c)
{
    int                              family;
    unsigned char                    addr[16];
    const union MHD_ConnectionInfo  *ci;

    if (o->nproxies == 0) {
        return 0;
    }

    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

    return ci != NULL && ci->client_addr != NULL
           && agw_origin_sockaddr(ci->client_addr, &family, addr) == 0
           && agw_origin_trusted(o, family, addr);
}


/* The host the client asked for: Host, or a trusted proxy's first
 * X-Forwarded-Host.  NULL when neither is sent. */
static const char *
agw_origin_host(agw_origin_t *o, struct MHD_Connection *c, char *buf,
    size_t len)
{
    size_t       n;
    const char  *fwd;

    if (agw_origin_peer_trusted(o, c)) {
        fwd = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                          "X-Forwarded-Host");
        if (fwd != NULL) {
            fwd += strspn(fwd, " \t");
            n = strcspn(fwd, ", \t");
            if (n > 0 && n < len) {
                memcpy(buf, fwd, n);
                buf[n] = '\0';
                return buf;
            }
        }
    }

    return MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                       MHD_HTTP_HEADER_HOST);
}


/*
 * The name of "host[:port]" or "[v6][:port]" (vlen bytes), lower case and
 * without a final dot; *literal when it is an IP address.  -1 when v is no
 * such thing.
 */
static int
agw_origin_host_name(const char *v, size_t vlen, char *name, size_t len,
    int *literal)
{
    size_t          n, i;
    const char     *host, *after, *end, *p;
    unsigned char   addr[16];

    *literal = 0;
    end = v + vlen;

    if (vlen > 0 && v[0] == '[') {
        after = memchr(v, ']', vlen);
        if (after == NULL) {
            return -1;
        }
        host = v + 1;
        n = (size_t) (after - host);
        after++;
        *literal = 1;

    } else {
        /* names and IPv4 addresses hold no ':' */
        after = memchr(v, ':', vlen);
        if (after == NULL) {
            after = end;
        }
        host = v;
        n = (size_t) (after - v);
    }

    /* after the name: nothing, or ':' and digits */
    if (after != end) {
        if (*after != ':' || after + 1 == end) {
            return -1;
        }
        for (p = after + 1; p < end; p++) {
            if (!isdigit((unsigned char) *p)) {
                return -1;
            }
        }
    }

    if (!*literal && n > 0 && host[n - 1] == '.') {
        n--;
    }

    if (n == 0 || n >= len) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        name[i] = (char) tolower((unsigned char) host[i]);
    }
    name[n] = '\0';

    if (*literal) {
        return inet_pton(AF_INET6, name, addr) == 1 ? 0 : -1;
    }

    *literal = inet_pton(AF_INET, name, addr) == 1;

    return 0;
}


int
agw_origin_host_ok(agw_origin_t *o, struct MHD_Connection *c)
{
    int          literal;
    char         buf[256], name[256];
    const char  *host;

    host = agw_origin_host(o, c, buf, sizeof(buf));

    /* no browser omits Host: whoever does is not a rebound page */
    if (host == NULL) {
        return 1;
    }

    if (agw_origin_host_name(host, strlen(host), name, sizeof(name),
                             &literal) != 0)
    {
        return 0;
    }

    return literal
           || strcmp(name, "localhost") == 0
           || (o->host[0] != '\0' && strcmp(name, o->host) == 0)
           || (o->listen_host[0] != '\0'
               && strcmp(name, o->listen_host) == 0);
}


int
agw_origin_ok(agw_origin_t *o, struct MHD_Connection *c)
{
    char         buf[256];
    const char  *origin, *host, *rest;

    origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (origin == NULL) {
        return 1;
    }

    if (o->origin[0] != '\0' && strcasecmp(origin, o->origin) == 0) {
        return 1;
    }

    if (strncasecmp(origin, "http://", 7) == 0) {
        rest = origin + 7;
    } else if (strncasecmp(origin, "https://", 8) == 0) {
        rest = origin + 8;
    } else {
        return 0;               /* "null": sandboxed frames, redirects */
    }

    host = agw_origin_host(o, c, buf, sizeof(buf));

    return host != NULL && strcasecmp(rest, host) == 0;
}


void
agw_origin_client(agw_origin_t *o, struct MHD_Connection *c, char *buf,
    size_t len)
{
    int                              family;
    char                             item[64];
    size_t                           n, end;
    socklen_t                        slen;
    const char                      *xff;
    unsigned char                    addr[16];
    const union MHD_ConnectionInfo  *ci;

    snprintf(buf, len, "unknown");

    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL) {
        return;
    }

    slen = ci->client_addr->sa_family == AF_INET6
           ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

    if (getnameinfo(ci->client_addr, slen, buf, len, NULL, 0,
                    NI_NUMERICHOST) != 0)
    {
        snprintf(buf, len, "unknown");
        return;
    }

    if (!agw_origin_peer_trusted(o, c)) {
        return;
    }

    xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
    if (xff == NULL) {
        return;
    }

    /* right to left: each proxy appended the address it saw; the first
     * one that is not a trusted proxy is the client */
    end = strlen(xff);

    while (end > 0) {
        n = 0;
        while (n < end && xff[end - n - 1] != ',') {
            n++;
        }

        snprintf(item, sizeof(item), "%.*s", (int) n, xff + end - n);
        end = n < end ? end - n - 1 : 0;

        memmove(item, item + strspn(item, " \t"),
                strlen(item + strspn(item, " \t")) + 1);
        item[strcspn(item, " \t")] = '\0';

        if (agw_origin_addr(item, &family, addr) != 0) {
            return;
        }

        snprintf(buf, len, "%s", item);

        if (!agw_origin_trusted(o, family, addr)) {
            return;
        }
    }
}
