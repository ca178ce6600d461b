/*
 * otlp_conf: the exporter's configuration from the standard OpenTelemetry
 * variables (docs/tracing.md): the endpoint, the request headers, the
 * resource attributes, the batch processor's bounds.  The signal's own
 * variables (..._TRACES_...) win over the generic ones.  Every variable
 * read here is listed in --help (main.c; t/daemon/260-help-env.t).
 */

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "daemon.h"
#include "http.h"
#include "otlp.h"


#define AGW_OTLP_QUEUE           2048     /* OTEL_BSP_MAX_QUEUE_SIZE */
#define AGW_OTLP_BATCH           512      /* OTEL_BSP_MAX_EXPORT_BATCH_SIZE */
#define AGW_OTLP_DELAY_MS        5000     /* OTEL_BSP_SCHEDULE_DELAY */
#define AGW_OTLP_TIMEOUT_MS      10000    /* OTEL_EXPORTER_OTLP_TIMEOUT */
#define AGW_OTLP_SERVICE         "ai-gateway"


/* The first of two variables that is set and not empty. */
static const char *
agw_otlp_env2(const char *specific, const char *generic)
{
    const char  *v;

    v = specific;
    if (v == NULL || v[0] == '\0') {
        v = generic;
    }

    return (v != NULL && v[0] != '\0') ? v : NULL;
}


/*
 * Walks a "key=value,key=value" list (OTEL_EXPORTER_OTLP_HEADERS,
 * OTEL_RESOURCE_ATTRIBUTES: the W3C Baggage format, values
 * percent-encoded), calling add for each decoded pair.  0, or -1 with a
 * message in err naming the variable.
 */
typedef int (*agw_otlp_pair_pt)(void *data, const char *key,
    const char *value);

static int
agw_otlp_pairs(void *data, const char *var, const char *list,
    agw_otlp_pair_pt add, char *err, size_t errlen)
{
    int          rc, len;
    char        *copy, *item, *save, *eq, *key, *value, *end, *decoded;
    const char  *p;

    copy = strdup(list);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    rc = 0;

    for (item = strtok_r(copy, ",", &save); item != NULL;
         item = strtok_r(NULL, ",", &save))
    {
        eq = strchr(item, '=');
        key = item + strspn(item, " \t");

        if (eq == NULL) {
            snprintf(err, errlen, "%s: \"%s\" is not key=value", var, key);
            rc = -1;
            break;
        }

        for (end = eq; end > key && strchr(" \t", end[-1]); end--) {
            /* trim */
        }
        *end = '\0';

        value = eq + 1 + strspn(eq + 1, " \t");
        for (end = value + strlen(value);
             end > value && strchr(" \t", end[-1]); end--)
        {
            /* trim */
        }
        *end = '\0';

        if (key[0] == '\0') {
            snprintf(err, errlen, "%s: an empty key", var);
            rc = -1;
            break;
        }

        decoded = curl_easy_unescape(NULL, value, 0, &len);
        if (decoded == NULL) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }

        /* a decoded CR or LF would forge a header line of our request */
        for (p = decoded; p < decoded + len; p++) {
            if ((unsigned char) *p < 0x20 || *p == 0x7f) {
                break;
            }
        }

        if (p < decoded + len) {
            snprintf(err, errlen, "%s: the value of \"%s\" holds a control "
                     "character", var, key);
            rc = -1;

        } else if (add(data, key, decoded) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }

        curl_free(decoded);

        if (rc != 0) {
            break;
        }
    }

    free(copy);

    return rc;
}


static int
agw_otlp_add_header(void *data, const char *key, const char *value)
{
    agw_otlp_conf_t     *o = data;
    char                *line;
    size_t               len;
    struct curl_slist   *l;

    len = strlen(key) + strlen(value) + 3;
    line = malloc(len);
    if (line == NULL) {
        return -1;
    }

    snprintf(line, len, "%s: %s", key, value);
    l = curl_slist_append(o->headers, line);
    free(line);

    if (l == NULL) {
        return -1;
    }

    o->headers = l;

    return 0;
}


/* Resource attributes gather in an object first: a later one wins. */
static int
agw_otlp_add_attr(void *data, const char *key, const char *value)
{
    return json_object_set_new(data, key, json_string(value));
}


static int
agw_otlp_resource(agw_otlp_conf_t *o, char *err, size_t errlen)
{
    int          rc;
    json_t      *v, *res;
    const char  *key, *s;

    res = json_object();
    o->resource = json_array();
    if (res == NULL || o->resource == NULL) {
        json_decref(res);
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    rc = 0;

    s = getenv("OTEL_RESOURCE_ATTRIBUTES");
    if (s != NULL && s[0] != '\0') {
        rc = agw_otlp_pairs(res, "OTEL_RESOURCE_ATTRIBUTES", s,
                            agw_otlp_add_attr, err, errlen);
    }

    /* OTEL_SERVICE_NAME wins over a service.name in the list */
    s = getenv("OTEL_SERVICE_NAME");
    if (rc == 0 && s != NULL && s[0] != '\0') {
        rc = agw_otlp_add_attr(res, "service.name", s);

    } else if (rc == 0 && json_object_get(res, "service.name") == NULL) {
        rc = agw_otlp_add_attr(res, "service.name", AGW_OTLP_SERVICE);
    }

    if (rc == 0 && json_object_get(res, "service.version") == NULL) {
        rc = agw_otlp_add_attr(res, "service.version", AGW_VERSION);
    }

    json_object_foreach(res, key, v) {
        if (rc != 0) {
            break;
        }

        s = json_string_value(v);
        rc = json_array_append_new(o->resource,
                                   agw_otlp_kv_str(key, s, strlen(s)));
    }

    json_decref(res);

    if (rc != 0 && err[0] == '\0') {
        snprintf(err, errlen, "out of memory");
    }

    return rc;
}


int
agw_otlp_conf_enabled(void)
{
    return agw_otlp_env2(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
                         getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
           != NULL;
}


void
agw_otlp_conf_free(agw_otlp_conf_t *o)
{
    free(o->url);
    curl_slist_free_all(o->headers);
    json_decref(o->resource);
}


int
agw_otlp_conf_read(agw_otlp_conf_t *o, char *err, size_t errlen)
{
    size_t       len;
    int64_t      v;
    const char  *s, *name, *base;

    base = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (base == NULL) {
        base = "";
    }

    s = agw_otlp_env2(getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
                      getenv("OTEL_EXPORTER_OTLP_PROTOCOL"));
    if (s != NULL && strcmp(s, "http/json") != 0) {
        snprintf(err, errlen, "OTEL_EXPORTER_OTLP_PROTOCOL \"%s\": the "
                 "daemon exports http/json only", s);
        return -1;
    }

    /* The signal's own endpoint is used as it is; the generic one is a
     * base the signal's path is appended to (OTLP exporter spec). */
    s = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    if (s != NULL && s[0] != '\0') {
        o->url = strdup(s);

    } else {
        len = strlen(base);
        o->url = malloc(len + sizeof("/v1/traces"));
        if (o->url != NULL) {
            memcpy(o->url, base, len);
            strcpy(o->url + len,
                   (len && base[len - 1] == '/') ? "v1/traces" : "/v1/traces");
        }
    }

    if (o->url == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    if (strncmp(o->url, "http://", 7) != 0
        && strncmp(o->url, "https://", 8) != 0)
    {
        snprintf(err, errlen, "OTEL_EXPORTER_OTLP_ENDPOINT: an http:// or "
                 "https:// URL is needed");
        return -1;
    }

    if (agw_otlp_add_header(o, "Content-Type", "application/json") != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    /* The signal's headers replace the generic ones. */
    s = getenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS");
    name = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
    if (s == NULL || s[0] == '\0') {
        s = getenv("OTEL_EXPORTER_OTLP_HEADERS");
        name = "OTEL_EXPORTER_OTLP_HEADERS";
    }

    if (s != NULL && s[0] != '\0'
        && agw_otlp_pairs(o, name, s, agw_otlp_add_header, err, errlen) != 0)
    {
        return -1;
    }

    if (agw_env_int("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", -1, 1, 600000, &v,
                    err, errlen) != 0)
    {
        return -1;
    }

    if (v == -1
        && agw_env_int("OTEL_EXPORTER_OTLP_TIMEOUT", AGW_OTLP_TIMEOUT_MS, 1,
                       600000, &v, err, errlen) != 0)
    {
        return -1;
    }

    o->timeout_ms = (long) v;

    if (agw_env_int("OTEL_BSP_MAX_QUEUE_SIZE", AGW_OTLP_QUEUE, 1, 1 << 20,
                    &v, err, errlen) != 0)
    {
        return -1;
    }

    o->capacity = (uint32_t) v;

    if (agw_env_int("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", AGW_OTLP_BATCH, 1,
                    1 << 20, &v, err, errlen) != 0)
    {
        return -1;
    }

    /* the spec: a batch is never larger than the queue */
    o->batch = (uint32_t) v < o->capacity ? (uint32_t) v : o->capacity;

    if (agw_env_int("OTEL_BSP_SCHEDULE_DELAY", AGW_OTLP_DELAY_MS, 0, 3600000,
                    &v, err, errlen) != 0)
    {
        return -1;
    }

    o->delay_ms = (uint32_t) v;

    return agw_otlp_resource(o, err, errlen);
}
