/*
 * api_health: GET /api/v1/health, without authentication, for load
 * balancers and monitoring: is the database usable, are events being
 * stored, how full is the ring, how many events were dropped.  Nothing in
 * it is sensitive.
 *
 * 503 (and "ok": false, with the reasons) when the database cannot be
 * opened, when storing has failed for AGW_HEALTH_STORE_GRACE_MS in a row
 * (a full disk, the size cap, I/O errors: the database answers reads
 * while every COMMIT fails), or when the ring is AGW_HEALTH_RING_FULL_PCT
 * full (events are about to be dropped).  A single busy retry does not
 * flap it.
 *
 * That is readiness: /api/v1/health/ready answers the same.  Liveness,
 * /api/v1/health/live, is only whether the daemon answers at all: none of
 * those reasons is cured by restarting it (a full disk stays full, a ring
 * drains faster in a daemon that keeps its place), so a supervisor that
 * restarts on a failed liveness check must not see them.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agw_state.h"
#include "agw_version.h"
#include "api_handlers.h"
#include "otlp.h"


#define AGW_HEALTH_STORE_GRACE_MS  2000
#define AGW_HEALTH_RING_FULL_PCT   90


/* Appends a reason; 0, or -1 when out of memory. */
static int agw_health_reason(json_t *reasons, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
agw_health_reason(json_t *reasons, const char *fmt, ...)
{
    char     buf[256];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);

    return json_array_append_new(reasons, json_string(buf));
}


int
agw_api_health(agw_req_t *r)
{
    int                 db_ok, rc;
    char                err[512];
    json_t             *ring, *dbj, *store, *reasons, *body, *traces;
    int64_t             now, last, failing;
    sqlite3            *db;
    agw_daemon_t       *d;
    agw_otlp_stats_t    ts;
    agw_state_stats_t   ss;

    static const char *const  allowed[] = { NULL };

    if (agw_http_query_check(r, allowed) != 0) {
        return 0;
    }

    err[0] = '\0';
    db_ok = 0;
    d = r->api->daemon;
    now = agw_now_ms();

    reasons = json_array();
    if (reasons == NULL) {
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    rc = 0;

    if (agw_api_db_open(r->api, &db, err, sizeof(err)) == 0) {
        if (sqlite3_exec(db, "SELECT count(*) FROM api_keys", NULL, NULL,
                         NULL) == SQLITE_OK)
        {
            db_ok = 1;
        } else {
            snprintf(err, sizeof(err), "%s", sqlite3_errmsg(db));
        }
        sqlite3_close_v2(db);
    }

    if (!db_ok) {
        rc |= json_array_append_new(reasons,
                                    json_string("the database is unusable"));
    }

    last = __atomic_load_n(&d->last_drain_ms, __ATOMIC_RELAXED);
    failing = __atomic_load_n(&d->store_failing_ms, __ATOMIC_RELAXED);

    if (failing != 0 && now - failing >= AGW_HEALTH_STORE_GRACE_MS) {
        rc |= agw_health_reason(reasons, "storing events has failed for "
                                "%lld s (last stored %lld ms ago): see the "
                                "daemon's log",
                                (long long) ((now - failing) / 1000),
                                last ? (long long) (now - last) : -1LL);
    }

    store = json_pack("{s:b, s:I, s:o, s:I, s:I}",
                      "ok", failing == 0,
                      "last_success_ms", (json_int_t) last,
                      "failing_since_ms",
                      failing ? json_integer(failing) : json_null(),
                      "failures", (json_int_t)
                          __atomic_load_n(&d->store_failures,
                                          __ATOMIC_RELAXED),
                      "stored", (json_int_t)
                          __atomic_load_n(&d->stored, __ATOMIC_RELAXED));

    if (r->api->state != NULL) {
        agw_state_stats(r->api->state, &ss);

        if (ss.capacity
            && ss.fill * 100 >= ss.capacity * AGW_HEALTH_RING_FULL_PCT)
        {
            rc |= agw_health_reason(reasons, "the ring is %lld%% full "
                                    "(%lld events waiting): events will be "
                                    "dropped",
                                    (long long) (ss.fill * 100 / ss.capacity),
                                    (long long) ss.fill);
        }

        ring = json_pack("{s:I, s:I, s:I, s:I, s:I}",
                         "capacity", (json_int_t) ss.capacity,
                         "fill", (json_int_t) ss.fill,
                         "dropped", (json_int_t) ss.dropped,
                         "skipped", (json_int_t) ss.skipped,
                         "read_seq", (json_int_t) ss.head);
    } else {
        memset(&ss, 0, sizeof(ss));
        ring = json_pack("{s:I, s:I, s:I}", "capacity", (json_int_t) 0,
                         "fill", (json_int_t) 0, "dropped", (json_int_t) 0);
    }

    dbj = db_ok ? json_pack("{s:b}", "ok", 1)
                : json_pack("{s:b, s:s}", "ok", 0, "error", err);

    /* OpenTelemetry export (docs/tracing.md): shown, never a reason for
     * 503, since a collector's outage loses no stored event */
    if (d->otlp != NULL) {
        agw_otlp_stats(d->otlp, &ts);
        traces = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
                           "enabled", 1,
                           "queued", (json_int_t) ts.queued,
                           "queue_capacity", (json_int_t) ts.capacity,
                           "exported", (json_int_t) ts.exported,
                           "dropped", (json_int_t) ts.dropped,
                           "failed", (json_int_t) ts.failed,
                           "last_export_ms", (json_int_t) ts.last_export_ms,
                           "failing_since_ms",
                           ts.failing_since_ms
                               ? json_integer(ts.failing_since_ms)
                               : json_null());
    } else {
        traces = json_pack("{s:b}", "enabled", 0);
    }

    if (traces == NULL) {
        rc = -1;
    }

    if (rc != 0) {
        json_decref(traces);
        json_decref(reasons);
        json_decref(store);
        json_decref(ring);
        json_decref(dbj);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    rc = json_array_size(reasons) == 0;

    body = json_pack("{s:b, s:o, s:s, s:I, s:o, s:o, s:o, s:o, s:I, s:I}",
                     "ok", rc,
                     "reasons", reasons,
                     "version", AGW_VERSION,
                     "uptime_s", (json_int_t) (agw_now() - r->api->started),
                     "ring", ring,
                     "db", dbj,
                     "store", store,
                     "traces", traces,
                     "last_drain_at",
                     (json_int_t) (ss.consumer_heartbeat_ms / 1000),
                     "keys_generation", (json_int_t) ss.keys_generation);

    return agw_http_json(r, rc ? 200 : 503, body);
}


int
agw_api_health_live(agw_req_t *r)
{
    static const char *const  allowed[] = { NULL };

    if (agw_http_query_check(r, allowed) != 0) {
        return 0;
    }

    return agw_http_json(r, 200,
                         json_pack("{s:b, s:s, s:I}", "ok", 1,
                                   "version", AGW_VERSION,
                                   "uptime_s", (json_int_t)
                                       (agw_now() - r->api->started)));
}
