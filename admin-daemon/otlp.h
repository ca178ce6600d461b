/*
 * otlp: OpenTelemetry traces of the gateway's requests, exported by the
 * daemon over OTLP/HTTP with the JSON encoding (docs/tracing.md).
 *
 * The drain hands each stored batch of events to agw_otlp_enqueue(),
 * which copies the sampled ones into a bounded queue and returns: when the
 * queue is full the oldest spans are dropped and counted, so a slow or
 * absent collector never slows the drain into SQLite.  An exporter thread
 * of its own (otlp.c) takes batches off the queue, encodes them
 * (otlp_span.c) and POSTs them with libcurl, retrying with backoff.
 *
 * Configured by the standard variables only (OTEL_EXPORTER_OTLP_ENDPOINT,
 * ..._HEADERS, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*):
 * off when no endpoint is set.
 */

#ifndef AGW_OTLP_H
#define AGW_OTLP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "agw_event.h"

typedef struct agw_otlp_s  agw_otlp_t;
struct curl_slist;

typedef struct {
    uint64_t  queued;             /* spans waiting now */
    uint64_t  capacity;           /* the queue's bound */
    uint64_t  exported;           /* requests the collector accepted */
    uint64_t  dropped;            /* queue full: the oldest went */
    uint64_t  failed;             /* given up after the retries, or
                                     refused by the collector */
    int64_t   last_export_ms;     /* epoch ms of the last success, 0 */
    int64_t   failing_since_ms;   /* 0: the last export worked */
} agw_otlp_stats_t;


/*
 * Reads the environment and starts the exporter thread.  *out is NULL
 * when tracing is off (no endpoint).  0, or -1 with a message in err (a
 * variable with a bad value: the daemon refuses to start).
 */
int agw_otlp_start(agw_otlp_t **out, char *err, size_t errlen);

/* Queues the sampled events of a stored batch.  Never blocks for long. */
void agw_otlp_enqueue(agw_otlp_t *o, const agw_event_t *const *evs,
    size_t n);

/* Exports what is queued within a bound, stops the thread, frees. */
void agw_otlp_stop(agw_otlp_t *o);

void agw_otlp_stats(agw_otlp_t *o, agw_otlp_stats_t *s);


/* otlp_conf.c, for otlp.c */

typedef struct {
    char                *url;
    struct curl_slist   *headers;        /* Content-Type, the user's */
    json_t              *resource;       /* array of KeyValue */
    long                 timeout_ms;
    uint32_t             capacity;       /* spans queued at most */
    uint32_t             batch;          /* per export request, <= it */
    uint32_t             delay_ms;       /* a span waits for a batch */
} agw_otlp_conf_t;

/* Whether an endpoint is set: without one, tracing is off. */
int agw_otlp_conf_enabled(void);

/* 0, or -1 with a message naming the variable in err. */
int agw_otlp_conf_read(agw_otlp_conf_t *c, char *err, size_t errlen);
void agw_otlp_conf_free(agw_otlp_conf_t *c);


/* otlp_span.c */

/*
 * An ExportTraceServiceRequest of the spans of n events: each a server
 * span for the request and a client span per try it kept.  resource is a
 * JSON array of OTLP KeyValue (borrowed).  NULL: out of memory.
 */
json_t *agw_otlp_request(json_t *resource, const agw_event_t *evs,
    size_t n);

/* An OTLP KeyValue with a string value; NULL: out of memory. */
json_t *agw_otlp_kv_str(const char *key, const char *s, size_t len);

#endif /* AGW_OTLP_H */
