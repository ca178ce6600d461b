/*
 * api_health: GET /api/v1/health, without authentication, for load
 * balancers and monitoring: is the database usable, how full is the ring,
 * how many events were dropped, when did the drain last run.  Nothing in
 * it is sensitive.
 */

#include <stdio.h>
#include <string.h>

#include "agw_state.h"
#include "api_handlers.h"


int
agw_api_health(agw_req_t *r)
{
    int                 db_ok;
    char                err[512];
    json_t             *ring, *dbj, *body;
    sqlite3            *db;
    agw_state_stats_t   ss;

    static const char *const  allowed[] = { NULL };

    if (agw_http_query_check(r, allowed) != 0) {
        return 0;
    }

    err[0] = '\0';
    db_ok = 0;

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

    if (r->api->state != NULL) {
        agw_state_stats(r->api->state, &ss);
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

    body = json_pack("{s:b, s:s, s:I, s:o, s:o, s:I, s:I}",
                     "ok", db_ok,
                     "version", "1.0.0",
                     "uptime_s", (json_int_t) (agw_now() - r->api->started),
                     "ring", ring,
                     "db", dbj,
                     "last_drain_at",
                     (json_int_t) (ss.consumer_heartbeat_ms / 1000),
                     "keys_generation", (json_int_t) ss.keys_generation);

    return agw_http_json(r, db_ok ? 200 : 503, body);
}
