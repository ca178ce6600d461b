/*
 * otlp: the span queue and the exporter thread (otlp.h).
 *
 * The queue is a ring of event copies under one mutex: the drain appends
 * (dropping the oldest when full), the exporter takes up to a batch.  The
 * lock is held for copies only, never across encoding or I/O.  A batch
 * goes when it is full or when its oldest span has waited the schedule
 * delay (OTEL_BSP_SCHEDULE_DELAY), as the SDKs' batch span processors do.
 *
 * OTLP/HTTP's rules: 2xx is success; 429, 502, 503 and 504 and transport
 * errors are retried with exponential backoff and jitter, honouring
 * Retry-After; any other answer is final (the batch is counted failed).
 * While one batch waits to be retried, new spans queue up to the bound.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agw_trace.h"
#include "daemon.h"
#include "otlp.h"


#define AGW_OTLP_RETRIES         5        /* after a batch's first try */
#define AGW_OTLP_BACKOFF_MS      1000     /* the first pause, doubled */
#define AGW_OTLP_BACKOFF_MAX_MS  30000
#define AGW_OTLP_STOP_FLUSH_MS   5000     /* exporting at exit, at most */


struct agw_otlp_s {
    agw_otlp_conf_t      conf;           /* read-only once the thread runs,
                                            but conf.capacity (mutex) */

    pthread_t            thread;
    pthread_mutex_t      mutex;
    pthread_cond_t       cond;           /* on CLOCK_MONOTONIC */

    /* Under mutex. */
    agw_event_t         *queue;
    uint32_t             head;
    uint32_t             count;
    int64_t              oldest_ms;      /* monotonic: queue[head] came */
    int                  stop;
    int64_t              stop_deadline;  /* monotonic */
    agw_otlp_stats_t     stats;
};


static int64_t
agw_otlp_mono_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* Waits on the condition until monotonic deadline_ms; mutex held. */
static void
agw_otlp_wait(agw_otlp_t *o, int64_t deadline_ms)
{
    struct timespec  ts;

    ts.tv_sec = deadline_ms / 1000;
    ts.tv_nsec = (long) (deadline_ms % 1000) * 1000000;

    (void) pthread_cond_timedwait(&o->cond, &o->mutex, &ts);
}


/* Export */

static size_t
agw_otlp_discard(char *ptr, size_t size, size_t nmemb, void *data)
{
    return size * nmemb;
}


/*
 * One POST.  0: accepted; 1: retry (after *retry_ms when the collector
 * said, else -1); -1: final refusal.  err says what happened.
 */
static int
agw_otlp_post(agw_otlp_t *o, CURL *curl, const char *body, size_t len,
    int64_t *retry_ms, char *err, size_t errlen)
{
    long          code;
    CURLcode      rc;
    curl_off_t    after;
    char          cerr[CURL_ERROR_SIZE];

    *retry_ms = -1;
    cerr[0] = '\0';

    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);

    rc = curl_easy_perform(curl);

    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);

    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
        return 1;
    }

    code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);

    if (code >= 200 && code < 300) {
        return 0;
    }

    snprintf(err, errlen, "the collector answered %ld", code);

    if (code == 429 || code == 502 || code == 503 || code == 504) {
        after = 0;
        if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK
            && after > 0)
        {
            *retry_ms = (int64_t) after * 1000;
        }

        return 1;
    }

    return -1;
}


/* Pauses before a retry; 0, or -1 when stopping leaves no time for it. */
static int
agw_otlp_pause(agw_otlp_t *o, int64_t ms)
{
    int      rc;
    int64_t  until;

    until = agw_otlp_mono_ms() + ms;
    rc = 0;

    pthread_mutex_lock(&o->mutex);

    for ( ;; ) {
        if (o->stop && until >= o->stop_deadline) {
            rc = -1;
            break;
        }

        if (agw_otlp_mono_ms() >= until) {
            break;
        }

        agw_otlp_wait(o, until);
    }

    pthread_mutex_unlock(&o->mutex);

    return rc;
}


static void
agw_otlp_export(agw_otlp_t *o, CURL *curl, const agw_event_t *evs,
    size_t n)
{
    int       rc, tries;
    char     *body, err[CURL_ERROR_SIZE + 64];
    json_t   *req;
    int64_t   pause, retry_ms, now;

    req = agw_otlp_request(o->conf.resource, evs, n);
    body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);

    rc = -1;
    snprintf(err, sizeof(err), "out of memory");

    for (tries = 0; body != NULL; tries++) {
        rc = agw_otlp_post(o, curl, body, strlen(body), &retry_ms, err,
                           sizeof(err));

        if (rc <= 0 || tries == AGW_OTLP_RETRIES) {
            break;
        }

        /* full jitter on an exponential backoff: many daemons that lost
         * one collector do not come back at it in step */
        pause = (int64_t) AGW_OTLP_BACKOFF_MS << tries;
        if (pause > AGW_OTLP_BACKOFF_MAX_MS) {
            pause = AGW_OTLP_BACKOFF_MAX_MS;
        }
        pause = pause / 2 + random() % (pause / 2 + 1);

        if (retry_ms >= 0) {
            pause = retry_ms < AGW_OTLP_BACKOFF_MAX_MS
                    ? retry_ms : AGW_OTLP_BACKOFF_MAX_MS;
        }

        /* logged once, not at every retry of an absent collector */
        pthread_mutex_lock(&o->mutex);
        if (o->stats.failing_since_ms == 0) {
            o->stats.failing_since_ms = agw_daemon_now_ms();
            agw_daemon_log("exporting %zu requests' spans failed (%s): "
                           "retrying", n, err);
        }
        pthread_mutex_unlock(&o->mutex);

        if (agw_otlp_pause(o, pause) != 0) {
            rc = 1;
            break;
        }
    }

    free(body);

    now = agw_daemon_now_ms();

    pthread_mutex_lock(&o->mutex);

    if (rc == 0) {
        if (o->stats.failing_since_ms != 0) {
            agw_daemon_log("exporting traces works again");
        }
        o->stats.exported += n;
        o->stats.last_export_ms = now;
        o->stats.failing_since_ms = 0;

    } else {
        agw_daemon_log("%zu requests' spans not exported, given up (%s)", n,
                       err);
        o->stats.failed += n;
        if (o->stats.failing_since_ms == 0) {
            o->stats.failing_since_ms = now;
        }
    }

    pthread_mutex_unlock(&o->mutex);
}


static void *
agw_otlp_run(void *arg)
{
    agw_otlp_t   *o = arg;
    uint32_t      n, i;
    int64_t       now;
    CURL         *curl;
    agw_event_t  *batch;

    batch = malloc((size_t) o->conf.batch * sizeof(agw_event_t));
    curl = curl_easy_init();

    if (batch == NULL || curl == NULL) {
        agw_daemon_log("OTLP exporter: out of memory, traces are not "
                       "exported");
        pthread_mutex_lock(&o->mutex);
        o->conf.capacity = 0;            /* agw_otlp_enqueue() drops, counts */
        o->stats.dropped += o->count;
        o->count = 0;
        pthread_mutex_unlock(&o->mutex);
        free(batch);
        if (curl) {
            curl_easy_cleanup(curl);
        }
        return NULL;
    }

    curl_easy_setopt(curl, CURLOPT_URL, o->conf.url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, o->conf.headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, o->conf.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);    /* a thread */
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, agw_otlp_discard);
    curl_easy_setopt(curl, CURLOPT_USERAGENT,
                     AGW_DAEMON_NAME "/" AGW_VERSION);

    pthread_mutex_lock(&o->mutex);

    for ( ;; ) {
        now = agw_otlp_mono_ms();

        if (o->stop && (o->count == 0 || now >= o->stop_deadline)) {
            break;
        }

        if (!o->stop && o->count < o->conf.batch
            && (o->count == 0 || now < o->oldest_ms + o->conf.delay_ms))
        {
            agw_otlp_wait(o, o->count ? o->oldest_ms + o->conf.delay_ms
                                      : now + o->conf.delay_ms + 1000);
            continue;
        }

        n = o->count < o->conf.batch ? o->count : o->conf.batch;

        for (i = 0; i < n; i++) {
            batch[i] = o->queue[(o->head + i) % o->conf.capacity];
        }

        o->head = (o->head + n) % o->conf.capacity;
        o->count -= n;
        o->oldest_ms = now;         /* the rest came meanwhile: about */

        pthread_mutex_unlock(&o->mutex);

        agw_otlp_export(o, curl, batch, n);

        pthread_mutex_lock(&o->mutex);
    }

    if (o->count) {
        agw_daemon_log("stopping: %u requests' spans not exported", o->count);
        o->stats.dropped += o->count;
        o->count = 0;
    }

    pthread_mutex_unlock(&o->mutex);

    curl_easy_cleanup(curl);
    free(batch);

    return NULL;
}


/* The interface */

static void
agw_otlp_free(agw_otlp_t *o)
{
    agw_otlp_conf_free(&o->conf);
    free(o->queue);
    free(o);
}


int
agw_otlp_start(agw_otlp_t **out, char *err, size_t errlen)
{
    int                  rc;
    agw_otlp_t          *o;
    pthread_condattr_t   ca;

    *out = NULL;
    err[0] = '\0';

    if (!agw_otlp_conf_enabled()) {
        return 0;
    }

    /* the retries' jitter: each daemon its own */
    srandom((unsigned) (agw_daemon_now_ms() ^ ((int64_t) getpid() << 16)));

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "curl_global_init() failed");
        return -1;
    }

    o = calloc(1, sizeof(agw_otlp_t));
    if (o == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    if (agw_otlp_conf_read(&o->conf, err, errlen) != 0) {
        agw_otlp_free(o);
        return -1;
    }

    o->queue = malloc((size_t) o->conf.capacity * sizeof(agw_event_t));
    if (o->queue == NULL) {
        snprintf(err, errlen, "out of memory for %u queued spans",
                 o->conf.capacity);
        agw_otlp_free(o);
        return -1;
    }

    o->stats.capacity = o->conf.capacity;

    if (pthread_condattr_init(&ca) != 0
        || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0
        || pthread_cond_init(&o->cond, &ca) != 0
        || pthread_mutex_init(&o->mutex, NULL) != 0)
    {
        snprintf(err, errlen, "pthread init failed");
        agw_otlp_free(o);
        return -1;
    }

    pthread_condattr_destroy(&ca);

    rc = pthread_create(&o->thread, NULL, agw_otlp_run, o);
    if (rc != 0) {
        snprintf(err, errlen, "pthread_create: %s", strerror(rc));
        agw_otlp_free(o);
        return -1;
    }

    /* never the URL: it may carry credentials */
    agw_daemon_log("exporting traces over OTLP/HTTP (queue %u, batch %u, "
                   "delay %u ms)", o->conf.capacity, o->conf.batch, o->conf.delay_ms);

    *out = o;

    return 0;
}


void
agw_otlp_enqueue(agw_otlp_t *o, const agw_event_t *const *evs, size_t n)
{
    size_t    i;
    int64_t   now;
    uint32_t  before;

    now = agw_otlp_mono_ms();

    pthread_mutex_lock(&o->mutex);

    before = o->count;

    for (i = 0; i < n; i++) {
        /* the client's trace-flags decide, as a parent-based sampler */
        if (!(evs[i]->trace_flags & AGW_TRACE_SAMPLED)
            || agw_trace_id_is_zero(evs[i]->trace_id, AGW_TRACE_ID_SIZE))
        {
            continue;
        }

        if (o->conf.capacity == 0) {
            o->stats.dropped++;
            continue;
        }

        if (o->count == o->conf.capacity) {
            o->head = (o->head + 1) % o->conf.capacity;
            o->count--;
            o->stats.dropped++;
        }

        if (o->count == 0) {
            o->oldest_ms = now;
        }

        o->queue[(o->head + o->count) % o->conf.capacity] = *evs[i];
        o->count++;
    }

    /* a full batch goes now; a first span sets the exporter's clock */
    if (o->count >= o->conf.batch || (before == 0 && o->count)) {
        pthread_cond_signal(&o->cond);
    }

    pthread_mutex_unlock(&o->mutex);
}


void
agw_otlp_stop(agw_otlp_t *o)
{
    if (o == NULL) {
        return;
    }

    pthread_mutex_lock(&o->mutex);
    o->stop = 1;
    o->stop_deadline = agw_otlp_mono_ms() + AGW_OTLP_STOP_FLUSH_MS;
    pthread_cond_signal(&o->cond);
    pthread_mutex_unlock(&o->mutex);

    pthread_join(o->thread, NULL);

    pthread_mutex_destroy(&o->mutex);
    pthread_cond_destroy(&o->cond);

    agw_otlp_free(o);
}


void
agw_otlp_stats(agw_otlp_t *o, agw_otlp_stats_t *s)
{
    pthread_mutex_lock(&o->mutex);
    *s = o->stats;
    s->queued = o->count;
    pthread_mutex_unlock(&o->mutex);
}
