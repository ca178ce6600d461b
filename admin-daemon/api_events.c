/*
 * api_events: queries over the drain's events table shared by usage
 * summaries, the live stream and the restore check.
 *
 * Percentiles: SQLite has no percentile aggregate, so latencies are ranked
 * per group with window functions and the nearest-rank p50/p95 picked in
 * the same statement (one pass over the time range, no rows copied out).
 * Unknown token counts and costs are stored as -1 (agw_event.h): they add
 * as 0.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "api_events.h"
#include "text.h"



/* The drain's latency histogram (db.c): bucket i counts latencies in
 * (bound[i-1], bound[i]] ms; the last one is unbounded. */
#define AGW_ROLLUP_HIST                                                      \
    "lat_le_25, lat_le_50, lat_le_100, lat_le_250, lat_le_500,"              \
    " lat_le_1000, lat_le_2500, lat_le_5000, lat_le_10000, lat_le_30000,"    \
    " lat_le_60000, lat_le_inf"

#define AGW_ROLLUP_NHIST  12

static const int64_t  agw_rollup_bounds[AGW_ROLLUP_NHIST - 1] = {
    25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000
};


int
agw_api_events_check(sqlite3 *db, char *err, size_t errlen)
{
    if (sqlite3_exec(db,
            "SELECT bucket, requests, errors, prompt_tokens,"
            " completion_tokens, cached_tokens, reasoning_tokens,"
            " cost_micro_usd, " AGW_ROLLUP_HIST " FROM rollup_minute LIMIT 0",
            NULL, NULL, NULL) != SQLITE_OK
        || sqlite3_exec(db,
            "SELECT bucket, key_id, key_name, model, provider, requests,"
            " " AGW_ROLLUP_HIST " FROM rollup_hour LIMIT 0",
            NULL, NULL, NULL) != SQLITE_OK
        || sqlite3_exec(db, "SELECT k, v FROM drain_meta LIMIT 0",
                        NULL, NULL, NULL) != SQLITE_OK
        || sqlite3_exec(db,
            "SELECT id, seq, time_ms, latency_ms, ttfb_ms, status, attempts,"
            " prompt_tokens, completion_tokens, cached_tokens,"
            " reasoning_tokens, cost_micro_usd, request_id, key_id,"
            " key_name, model, route, provider, upstream_model"
            " FROM events LIMIT 0", NULL, NULL, NULL) != SQLITE_OK)
    {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }

    return 0;
}


static int64_t
agw_api_events_scalar(sqlite3 *db, const char *sql)
{
    int64_t        n;
    sqlite3_stmt  *st;

    n = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }

    return n;
}


int64_t
agw_api_events_count(sqlite3 *db)
{
    return agw_api_events_scalar(db, "SELECT count(*) FROM events");
}


int64_t
agw_api_events_last_seq(sqlite3 *db)
{
    return agw_api_events_scalar(db, "SELECT coalesce(max(id), 0) "
                                 "FROM events");
}


/*
 * Prepares a grouped query over [from, to) (?1, ?2), taking sql (from
 * sqlite3_mprintf, NULL when that failed) and freeing it, and makes the
 * array its rows go into.  NULL with err set on failure.
 */
static sqlite3_stmt *
agw_api_range_stmt(sqlite3 *db, char *sql, int64_t from, int64_t to,
    json_t **rows, char *err, size_t errlen)
{
    int            rc;
    sqlite3_stmt  *st;

    if (sql == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_free(sql);

    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return NULL;
    }

    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);

    *rows = json_array();
    if (*rows == NULL) {
        sqlite3_finalize(st);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    return st;
}


/*
 * A group's usage row appended to rows: the group and its sums in columns
 * 0 to 7 of both the events' and the rollups' grouped queries, with the
 * latency percentiles each works out its own way (p50, p95: taken).
 */
static int
agw_api_usage_row(sqlite3_stmt *st, json_t *rows, json_t *p50, json_t *p95)
{
    json_t  *row;

    row = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:o, s:o}",
                    "group", agw_json_column(st, 0),
                    "requests", (json_int_t) sqlite3_column_int64(st, 1),
                    "errors", (json_int_t) sqlite3_column_int64(st, 2),
                    "prompt_tokens", (json_int_t) sqlite3_column_int64(st, 3),
                    "completion_tokens",
                    (json_int_t) sqlite3_column_int64(st, 4),
                    "cached_tokens", (json_int_t) sqlite3_column_int64(st, 5),
                    "reasoning_tokens",
                    (json_int_t) sqlite3_column_int64(st, 6),
                    "cost_usd", sqlite3_column_int64(st, 7) / 1e6,
                    "latency_p50_ms", p50,
                    "latency_p95_ms", p95);

    if (row == NULL || json_array_append_new(rows, row) != 0) {
        return -1;
    }

    return 0;
}


/*
 * The end of a grouped query from agw_api_range_stmt, rc its last step
 * (SQLITE_NOMEM when a row could not be made): its rows, or NULL with err
 * set and the rows freed.  The statement is finalized either way.
 */
static json_t *
agw_api_range_rows(sqlite3 *db, sqlite3_stmt *st, int rc, json_t *rows,
    char *err, size_t errlen)
{
    if (rc != SQLITE_DONE) {
        if (rc == SQLITE_NOMEM) {
            snprintf(err, errlen, "out of memory");
        } else {
            snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        }

        sqlite3_finalize(st);
        json_decref(rows);
        return NULL;
    }

    sqlite3_finalize(st);

    return rows;
}


json_t *
agw_api_events_usage(sqlite3 *db, const char *group_sql,
    const char *order_sql, int64_t from_ms, int64_t to_ms, char *err,
    size_t errlen)
{
    int            rc;
    char          *sql;
    json_t        *rows, *p50, *p95;
    sqlite3_stmt  *st;

    sql = sqlite3_mprintf(
        "WITH f AS ("
        "  SELECT %s AS g, latency_ms AS l, " AGW_EVENT_IS_ERROR " AS e,"
        "   max(prompt_tokens, 0) AS pt, max(completion_tokens, 0) AS ct,"
        "   max(cached_tokens, 0) AS kt, max(reasoning_tokens, 0) AS rt,"
        "   max(cost_micro_usd, 0) AS cost"
        "  FROM events WHERE time_ms >= ?1 AND time_ms < ?2),"
        " r AS ("
        "  SELECT *, row_number() OVER (PARTITION BY g ORDER BY l) AS rn,"
        "   count(*) OVER (PARTITION BY g) AS n FROM f)"
        " SELECT g, count(*) AS requests, sum(e) AS errors,"
        "  sum(pt), sum(ct), sum(kt), sum(rt), sum(cost),"
        "  min(CASE WHEN rn >= 0.50 * n THEN l END),"
        "  min(CASE WHEN rn >= 0.95 * n THEN l END)"
        " FROM r GROUP BY g ORDER BY %s",
        group_sql, order_sql);

    st = agw_api_range_stmt(db, sql, from_ms, to_ms, &rows, err, errlen);
    if (st == NULL) {
        return NULL;
    }

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {

        p50 = sqlite3_column_type(st, 8) == SQLITE_NULL
              ? json_null() : json_integer(sqlite3_column_int64(st, 8));
        p95 = sqlite3_column_type(st, 9) == SQLITE_NULL
              ? json_null() : json_integer(sqlite3_column_int64(st, 9));

        if (agw_api_usage_row(st, rows, p50, p95) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }

    return agw_api_range_rows(db, st, rc, rows, err, errlen);
}


/* The bound of the histogram bucket holding the q-quantile (nearest rank). */
static json_t *
agw_api_hist_quantile(const int64_t *hist, int64_t n, double q)
{
    int      i;
    int64_t  rank, cum;

    if (n <= 0) {
        return json_null();
    }

    rank = (int64_t) (q * (double) n);
    if ((double) rank < q * (double) n) {
        rank++;                                 /* ceil */
    }

    cum = 0;

    for (i = 0; i < AGW_ROLLUP_NHIST - 1; i++) {
        cum += hist[i];
        if (cum >= rank) {
            return json_integer(agw_rollup_bounds[i]);
        }
    }

    return json_null();
}


json_t *
agw_api_events_recent(sqlite3 *db, int64_t from_s, char *err, size_t errlen)
{
    int            i;
    int64_t        n, hist[AGW_ROLLUP_NHIST];
    sqlite3_stmt  *st;
    json_t        *out;

    if (sqlite3_prepare_v2(db,
            "SELECT coalesce(sum(requests), 0), coalesce(sum(errors), 0),"
            " coalesce(sum(prompt_tokens), 0),"
            " coalesce(sum(completion_tokens), 0),"
            " coalesce(sum(cached_tokens), 0),"
            " coalesce(sum(reasoning_tokens), 0),"
            " coalesce(sum(cost_micro_usd), 0),"
            " sum(lat_le_25), sum(lat_le_50), sum(lat_le_100),"
            " sum(lat_le_250), sum(lat_le_500), sum(lat_le_1000),"
            " sum(lat_le_2500), sum(lat_le_5000), sum(lat_le_10000),"
            " sum(lat_le_30000), sum(lat_le_60000), sum(lat_le_inf)"
            " FROM rollup_minute WHERE bucket >= ?1", -1, &st, NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return NULL;
    }

    sqlite3_bind_int64(st, 1, from_s);

    if (sqlite3_step(st) != SQLITE_ROW) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return NULL;
    }

    n = sqlite3_column_int64(st, 0);

    for (i = 0; i < AGW_ROLLUP_NHIST; i++) {
        hist[i] = sqlite3_column_int64(st, 7 + i);
    }

    out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:o, s:o}",
                    "requests", (json_int_t) n,
                    "errors", (json_int_t) sqlite3_column_int64(st, 1),
                    "prompt_tokens", (json_int_t) sqlite3_column_int64(st, 2),
                    "completion_tokens",
                    (json_int_t) sqlite3_column_int64(st, 3),
                    "cached_tokens", (json_int_t) sqlite3_column_int64(st, 4),
                    "reasoning_tokens",
                    (json_int_t) sqlite3_column_int64(st, 5),
                    "cost_usd", sqlite3_column_int64(st, 6) / 1e6,
                    "latency_p50_ms", agw_api_hist_quantile(hist, n, 0.50),
                    "latency_p95_ms", agw_api_hist_quantile(hist, n, 0.95));

    sqlite3_finalize(st);

    if (out == NULL) {
        snprintf(err, errlen, "out of memory");
    }

    return out;
}


json_t *
agw_api_rollup_usage(sqlite3 *db, const char *table, const char *group_sql,
    const char *order_sql, int64_t from_s, int64_t to_s, char *err,
    size_t errlen)
{
    int            i, rc;
    char          *sql;
    json_t        *rows;
    int64_t        n, hist[AGW_ROLLUP_NHIST];
    sqlite3_stmt  *st;

    sql = sqlite3_mprintf(
        "SELECT %s AS g, sum(requests) AS requests, sum(errors),"
        " sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens),"
        " sum(reasoning_tokens), sum(cost_micro_usd),"
        " sum(lat_le_25), sum(lat_le_50), sum(lat_le_100), sum(lat_le_250),"
        " sum(lat_le_500), sum(lat_le_1000), sum(lat_le_2500),"
        " sum(lat_le_5000), sum(lat_le_10000), sum(lat_le_30000),"
        " sum(lat_le_60000), sum(lat_le_inf)"
        " FROM %s WHERE bucket >= ?1 AND bucket < ?2"
        " GROUP BY g ORDER BY %s", group_sql, table, order_sql);

    st = agw_api_range_stmt(db, sql, from_s, to_s, &rows, err, errlen);
    if (st == NULL) {
        return NULL;
    }

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 1);

        for (i = 0; i < AGW_ROLLUP_NHIST; i++) {
            hist[i] = sqlite3_column_int64(st, 8 + i);
        }

        if (agw_api_usage_row(st, rows,
                              agw_api_hist_quantile(hist, n, 0.50),
                              agw_api_hist_quantile(hist, n, 0.95))
            != 0)
        {
            rc = SQLITE_NOMEM;
            break;
        }
    }

    return agw_api_range_rows(db, st, rc, rows, err, errlen);
}


int64_t
agw_api_events_count_range(sqlite3 *db, int64_t from_ms, int64_t to_ms,
    int64_t max)
{
    int64_t        n;
    sqlite3_stmt  *st;

    n = -1;

    /* Counting stops past max: a count of ten million index entries took
     * about a second, to learn only that it was more than max. */
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM (SELECT 1 FROM events"
                           " WHERE time_ms >= ?1 AND time_ms < ?2 LIMIT ?3)",
                           -1, &st, NULL) == SQLITE_OK)
    {
        sqlite3_bind_int64(st, 1, from_ms);
        sqlite3_bind_int64(st, 2, to_ms);
        sqlite3_bind_int64(st, 3, max + 1);
        if (sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }

    return n;
}
