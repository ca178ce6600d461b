/*
 * api_events: what the API reads from the drain's events table (db.c owns
 * the table): the schema check a restored database must pass, and the
 * totals that usage summaries and the live stream share.
 *
 * Every column name the API uses appears in api_events.c, api_usage.c and
 * api_logs.c only.
 */

#ifndef AGW_API_EVENTS_H
#define AGW_API_EVENTS_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

/* 0 if db has the events columns the API reads, or -1 with a message. */
int agw_api_events_check(sqlite3 *db, char *err, size_t errlen);

/* Number of events, -1 on error. */
int64_t agw_api_events_count(sqlite3 *db);

/* The newest stored event's id, the API's "seq" (0: none); -1 on error. */
int64_t agw_api_events_last_seq(sqlite3 *db);

/*
 * Usage over [from_ms, to_ms) grouped by `group_sql` (an SQL expression
 * over the events table; "''" for plain totals): an array of objects
 * {group, requests, errors, prompt_tokens, completion_tokens,
 * cached_tokens, reasoning_tokens, cost_usd, latency_p50_ms,
 * latency_p95_ms}, ordered by `order_sql`.  NULL with a message in err.
 * group_sql and order_sql come from fixed tables, never from a request.
 */
json_t *agw_api_events_usage(sqlite3 *db, const char *group_sql,
    const char *order_sql, int64_t from_ms, int64_t to_ms, char *err,
    size_t errlen);

/*
 * The same rows as agw_api_events_usage() from a rollup table ("rollup_minute"
 * or "rollup_hour"), buckets in [from_s, to_s); group_sql is over the
 * rollup's columns (bucket, key_id, key_name, model, provider).  Errors
 * are the drain's (status >= 400 or a gateway error class); p50/p95 are
 * histogram bucket bounds, as in agw_api_events_recent().
 */
json_t *agw_api_rollup_usage(sqlite3 *db, const char *table,
    const char *group_sql, const char *order_sql, int64_t from_s,
    int64_t to_s, char *err, size_t errlen);

/* Events in [from_ms, to_ms) (an index range count), counted up to
 * max + 1 at most; -1 on error. */
int64_t agw_api_events_count_range(sqlite3 *db, int64_t from_ms,
    int64_t to_ms, int64_t max);

/*
 * Totals since from_s (unix seconds) from the drain's per-minute rollups,
 * cheap enough for the live stream to run every second whatever the
 * traffic: the same members as a usage row without "group"; p50/p95 are
 * the upper bounds of the latency histogram buckets that hold them (null
 * past the last finite bound).  NULL with a message in err.
 */
json_t *agw_api_events_recent(sqlite3 *db, int64_t from_s, char *err,
    size_t errlen);

#endif /* AGW_API_EVENTS_H */
