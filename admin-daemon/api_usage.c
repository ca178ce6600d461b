/*
 * api_usage: GET /api/v1/usage, totals over a time range grouped by key,
 * model, provider or time bucket.
 *
 * Exact from the events table (true percentiles) while the range holds at
 * most api->usage_exact_max events (about a second of work); past that,
 * from the drain's rollups (per minute while those are kept, else per
 * hour), whose cost does not grow with traffic, with percentiles read off
 * their latency histograms.  "source" in the answer says which.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_events.h"
#include "api_handlers.h"
#include "text.h"


#define AGW_USAGE_MAX_BUCKETS  10000


static const char *const  agw_usage_groups[] = {
    "key", "model", "provider", "time", NULL
};

/* Fixed SQL per group: nothing from the request reaches the statement
 * text.  Keys are grouped by id, never by name: a name can be reused by a
 * new key once the old one is revoked, and the new key must not inherit
 * the old one's usage; agw_usage_key_names() labels the rows. */
static const char *const  agw_usage_group_sql[] = {
    "coalesce(key_id, '')",
    "coalesce(model, '')",
    "coalesce(provider, '')",
    NULL                                    /* time: built from bucket */
};

static const char *const  agw_usage_buckets[] = {
    "minute", "hour", "day", NULL
};

static const int64_t  agw_usage_bucket_s[] = { 60, 3600, 86400 };


static json_t *
agw_usage_zero(void)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:n, s:n}",
                     "requests", (json_int_t) 0, "errors", (json_int_t) 0,
                     "prompt_tokens", (json_int_t) 0,
                     "completion_tokens", (json_int_t) 0,
                     "cached_tokens", (json_int_t) 0,
                     "reasoning_tokens", (json_int_t) 0,
                     "cost_usd", 0.0,
                     "latency_p50_ms", "latency_p95_ms");
}


/*
 * Rows grouped by key id get "key_id" and, as "group", the key's name: the
 * API key's current name, else the last name its events carry (a static
 * key, whose id is its name, or a key a restore removed), else the id.
 * 0, or -1 on a database error.
 */
static int
agw_usage_key_names(sqlite3 *db, json_t *rows)
{
    int            rc;
    size_t         i;
    json_t        *row;
    const char    *id, *name;
    sqlite3_stmt  *st;

    if (sqlite3_prepare_v2(db,
            "SELECT name FROM api_keys WHERE id = ?1"
            " UNION ALL SELECT * FROM (SELECT key_name FROM events"
            "  WHERE key_id = ?1 ORDER BY time_ms DESC LIMIT 1)", -1, &st,
            NULL) != SQLITE_OK)
    {
        return -1;
    }

    json_array_foreach(rows, i, row) {
        id = json_string_value(json_object_get(row, "group"));
        if (id == NULL || id[0] == '\0') {
            continue;
        }

        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);

        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            sqlite3_finalize(st);
            return -1;
        }

        name = rc == SQLITE_ROW ? (const char *) sqlite3_column_text(st, 0)
                                : NULL;
        if (name == NULL || name[0] == '\0') {
            name = id;
        }

        /* a stored name need not be UTF-8 (nginx kept such names once) */
        if (json_object_set(row, "key_id", json_object_get(row, "group"))
            != 0
            || json_object_set_new(row, "group",
                                   agw_json_text(name, strlen(name)))
               != 0)
        {
            sqlite3_finalize(st);
            return -1;
        }

        sqlite3_reset(st);
    }

    sqlite3_finalize(st);

    return 0;
}


int
agw_api_usage(agw_req_t *r)
{
    int          group, bucket, rollups, minute_ok;
    char         err[512], time_sql[128];
    size_t       i;
    json_t      *rows, *totals, *row, *t;
    int64_t      now, from, to, width, n, ret, grain;
    sqlite3     *db;
    const char  *group_sql, *order_sql, *table;

    static const char *const  allowed[] = {
        "from", "to", "group_by", "bucket", NULL
    };

    if (agw_http_query_check(r, allowed) != 0) {
        return 0;
    }

    now = agw_now();

    if (agw_http_query_int(r, "to", now + 1, 0, INT64_C(1) << 40, &to) != 0
        || agw_http_query_int(r, "from", to - 86400, 0, INT64_C(1) << 40,
                              &from) != 0)
    {
        return 0;
    }

    if (from >= to) {
        return agw_http_error(r, 400, "bad_request",
                              "\"from\" (%lld) must be before \"to\" (%lld)",
                              (long long) from, (long long) to);
    }

    group = agw_http_query_enum(r, "group_by", agw_usage_groups, 3);
    if (group < 0) {
        return 0;
    }

    bucket = agw_http_query_enum(r, "bucket", agw_usage_buckets, 1);
    if (bucket < 0) {
        return 0;
    }

    if (group != 3 && agw_http_query(r, "bucket") != NULL) {
        return agw_http_error(r, 400, "bad_request",
                              "\"bucket\" only applies to group_by=time");
    }

    width = agw_usage_bucket_s[bucket];

    if (group == 3 && (to - from) / width > AGW_USAGE_MAX_BUCKETS) {
        return agw_http_error(r, 400, "bad_request",
                              "more than %d %s buckets in the range: use a "
                              "wider bucket or a shorter range",
                              AGW_USAGE_MAX_BUCKETS,
                              agw_usage_buckets[bucket]);
    }

    db = agw_req_db(r);
    if (db == NULL) {
        return 0;
    }

    n = agw_api_events_count_range(db, from * 1000, to * 1000,
                                   r->api->usage_exact_max);
    if (n < 0) {
        return agw_http_db_error(r, db, "counting events");
    }

    /* the minute rollups are purged after minute_retention_s (0: never) */
    ret = __atomic_load_n(&r->api->daemon->minute_retention_s,
                          __ATOMIC_RELAXED);
    minute_ok = ret == 0 || from >= now - ret + 60;

    rollups = n > r->api->usage_exact_max
              && !(group == 3 && width < 3600 && !minute_ok);

    table = minute_ok ? "rollup_minute" : "rollup_hour";
    grain = minute_ok ? 60 : 3600;

    if (group == 3) {
        snprintf(time_sql, sizeof(time_sql),
                 rollups ? "(bucket / %lld) * %lld"
                         : "((time_ms / 1000) / %lld) * %lld",
                 (long long) width, (long long) width);
        group_sql = time_sql;
        order_sql = "g";

    } else {
        group_sql = agw_usage_group_sql[group];
        order_sql = "requests DESC, g";
    }

    if (rollups) {
        rows = agw_api_rollup_usage(db, table, group_sql, order_sql,
                                    from / grain * grain, to, err,
                                    sizeof(err));
        totals = rows ? agw_api_rollup_usage(db, table, "''", "g",
                                             from / grain * grain, to, err,
                                             sizeof(err))
                      : NULL;
    } else {
        rows = agw_api_events_usage(db, group_sql, order_sql, from * 1000,
                                    to * 1000, err, sizeof(err));
        totals = rows ? agw_api_events_usage(db, "''", "g", from * 1000,
                                             to * 1000, err, sizeof(err))
                      : NULL;
    }

    if (rows == NULL || totals == NULL) {
        json_decref(rows);
        agw_daemon_log("usage: %s", err);
        return agw_http_error(r, 500, "internal",
                              "database error while summing usage");
    }

    t = json_array_size(totals) ? json_incref(json_array_get(totals, 0))
                                : agw_usage_zero();
    json_decref(totals);

    if (t == NULL) {
        json_decref(rows);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    json_object_del(t, "group");

    if (group == 0 && agw_usage_key_names(db, rows) != 0) {
        json_decref(rows);
        json_decref(t);
        return agw_http_db_error(r, db, "naming keys");
    }

    if (group == 3) {
        json_array_foreach(rows, i, row) {
            json_object_set_new(row, "time",
                json_integer(strtoll(json_string_value(
                    json_object_get(row, "group")), NULL, 10)));
        }
    }

    return agw_http_json(r, 200,
                         json_pack("{s:I, s:I, s:s, s:s?, s:s, s:o, s:o}",
                                   "from", (json_int_t) from,
                                   "to", (json_int_t) to,
                                   "group_by", agw_usage_groups[group],
                                   "bucket", group == 3
                                             ? agw_usage_buckets[bucket]
                                             : NULL,
                                   "source", rollups ? "rollups" : "events",
                                   "rows", rows, "totals", t));
}
