/*
 * api_logs: GET /api/v1/logs (filtered, newest first, paged by a seq
 * cursor that stays stable while events arrive, or by offset) and
 * GET /api/v1/logs/{seq} (one request, with captured bodies).
 *
 * "seq" in the API is the event's row id: unique and increasing in the
 * order events were stored, even across state files (the ring's own seq
 * restarts when the file is recreated; it is shown as "ring_seq").
 *
 * Filters are bound parameters of one fixed statement ("?N IS NULL OR
 * column = ?N"), so no request text ever becomes SQL.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_handlers.h"


#define AGW_LOG_COLUMNS                                                      \
    "id, time_ms, request_id, key_name, key_id, model, route, provider,"    \
    " upstream_model, status, attempts, stream, latency_ms, ttfb_ms,"        \
    " prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,"    \
    " cost_micro_usd, dialect, cache_status, seq"

#define AGW_LOG_DETAIL_COLUMNS                                               \
    AGW_LOG_COLUMNS ", error_class, req_body, resp_body, attempt_list"


/* bodies are truncated bytes and names came from clients: see text.h */
static json_t *
agw_logs_opt_text(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
        return json_null();
    }

    return agw_json_column(st, col);
}


/* A row of AGW_LOG_COLUMNS as a LogEntry. */
static json_t *
agw_logs_row(sqlite3_stmt *st)
{
    int64_t  time_ms, cost;

    time_ms = sqlite3_column_int64(st, 1);
    cost = sqlite3_column_int64(st, 18);

    return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                     " s:I, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:f,"
                     " s:o, s:o, s:I}",
                     "seq", (json_int_t) sqlite3_column_int64(st, 0),
                     "time", (json_int_t) (time_ms / 1000),
                     "time_ms", (json_int_t) time_ms,
                     "request_id", agw_json_column(st, 2),
                     "key", agw_json_column(st, 3),
                     "key_id", agw_json_column(st, 4),
                     "model", agw_json_column(st, 5),
                     "route", agw_json_column(st, 6),
                     "provider", agw_json_column(st, 7),
                     "upstream_model", agw_json_column(st, 8),
                     "status", (json_int_t) sqlite3_column_int64(st, 9),
                     "attempts", (json_int_t) sqlite3_column_int64(st, 10),
                     "stream", sqlite3_column_int(st, 11),
                     "latency_ms", (json_int_t) sqlite3_column_int64(st, 12),
                     "ttfb_ms", (json_int_t) sqlite3_column_int64(st, 13),
                     "prompt_tokens",
                     (json_int_t) sqlite3_column_int64(st, 14),
                     "completion_tokens",
                     (json_int_t) sqlite3_column_int64(st, 15),
                     "cached_tokens",
                     (json_int_t) sqlite3_column_int64(st, 16),
                     "reasoning_tokens",
                     (json_int_t) sqlite3_column_int64(st, 17),
                     "cost_usd", cost > 0 ? cost / 1e6 : 0.0,
                     "dialect", agw_json_column(st, 19),
                     "cache", agw_json_column(st, 20),
                     "ring_seq", (json_int_t) sqlite3_column_int64(st, 21));
}


int
agw_api_logs_list(agw_req_t *r)
{
    int            rc, errors_only;
    char           next[32];
    json_t        *items, *item;
    int64_t        from, to, status, limit, cursor, offset, n, last;
    sqlite3       *db;
    const char    *key, *model, *provider;
    sqlite3_stmt  *st;

    static const char *const  allowed[] = {
        "from", "to", "key", "model", "provider", "status", "errors_only",
        "limit", "cursor", "offset", NULL
    };

    if (agw_http_query_check(r, allowed) != 0
        || agw_http_query_int(r, "from", 0, 0, INT64_C(1) << 40, &from) != 0
        || agw_http_query_int(r, "to", INT64_C(1) << 40, 0, INT64_C(1) << 40,
                              &to) != 0
        || agw_http_query_int(r, "status", 0, 100, 599, &status) != 0
        || agw_http_query_int(r, "limit", 50, 1, 500, &limit) != 0
        || agw_http_query_int(r, "cursor", 0, 1, INT64_MAX, &cursor) != 0
        || agw_http_query_int(r, "offset", 0, 0, 1000000000, &offset) != 0
        || agw_http_query_bool(r, "errors_only", 0, &errors_only) != 0)
    {
        return 0;
    }

    if (agw_http_query(r, "cursor") != NULL
        && agw_http_query(r, "offset") != NULL)
    {
        return agw_http_error(r, 400, "bad_request",
                              "give \"cursor\" or \"offset\", not both");
    }

    key = agw_http_query(r, "key");
    model = agw_http_query(r, "model");
    provider = agw_http_query(r, "provider");

    db = agw_req_db(r);
    if (db == NULL) {
        return 0;
    }

    if (sqlite3_prepare_v2(db,
            "SELECT " AGW_LOG_COLUMNS " FROM events"
            " WHERE time_ms >= ?1 AND time_ms < ?2"
            " AND (?3 IS NULL OR key_id = ?3 OR key_name = ?3)"
            " AND (?4 IS NULL OR model = ?4)"
            " AND (?5 IS NULL OR provider = ?5)"
            " AND (?6 = 0 OR status = ?6)"
            " AND (?7 = 0 OR status >= 400)"
            " AND (?8 = 0 OR id < ?8)"
            " ORDER BY id DESC LIMIT ?9 OFFSET ?10", -1, &st, NULL)
        != SQLITE_OK)
    {
        return agw_http_db_error(r, db, "listing logs");
    }

    sqlite3_bind_int64(st, 1, from * 1000);
    sqlite3_bind_int64(st, 2, to >= (INT64_C(1) << 40) ? INT64_MAX
                                                      : to * 1000);
    if (key != NULL) {
        sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
    }
    if (model != NULL) {
        sqlite3_bind_text(st, 4, model, -1, SQLITE_TRANSIENT);
    }
    if (provider != NULL) {
        sqlite3_bind_text(st, 5, provider, -1, SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(st, 6, status);
    sqlite3_bind_int(st, 7, errors_only);
    sqlite3_bind_int64(st, 8, cursor);
    sqlite3_bind_int64(st, 9, limit + 1);       /* one more: is there next? */
    sqlite3_bind_int64(st, 10, offset);

    items = json_array();
    if (items == NULL) {
        sqlite3_finalize(st);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    n = 0;
    last = 0;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == limit) {
            break;
        }

        item = agw_logs_row(st);
        if (item == NULL || json_array_append_new(items, item) != 0) {
            sqlite3_finalize(st);
            json_decref(items);
            return agw_http_error(r, 500, "internal", "out of memory");
        }

        last = sqlite3_column_int64(st, 0);
        n++;
    }

    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        agw_http_db_error(r, db, "listing logs");
        sqlite3_finalize(st);
        json_decref(items);
        return 0;
    }

    sqlite3_finalize(st);

    if (rc == SQLITE_ROW) {
        snprintf(next, sizeof(next), "%lld", (long long) last);
        return agw_http_json(r, 200, json_pack("{s:o, s:s}", "items", items,
                                               "next_cursor", next));
    }

    return agw_http_json(r, 200, json_pack("{s:o, s:n}", "items", items,
                                           "next_cursor"));
}


int
agw_api_logs_get(agw_req_t *r)
{
    int            rc;
    char          *end;
    json_t        *entry, *attempts;
    sqlite3       *db;
    long long      seq;
    json_error_t   jerr;
    sqlite3_stmt  *st;

    errno = 0;
    seq = strtoll(r->param, &end, 10);

    if (*end != '\0' || errno != 0 || seq < 0 || r->param[0] == '-') {
        return agw_http_error(r, 400, "bad_request",
                              "log id must be an event sequence number");
    }

    db = agw_req_db(r);
    if (db == NULL) {
        return 0;
    }

    if (sqlite3_prepare_v2(db, "SELECT " AGW_LOG_DETAIL_COLUMNS
                           " FROM events WHERE id = ?", -1, &st, NULL)
        != SQLITE_OK)
    {
        return agw_http_db_error(r, db, "reading a log entry");
    }

    sqlite3_bind_int64(st, 1, seq);

    rc = sqlite3_step(st);

    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return agw_http_error(r, 404, "not_found", "no event %lld", seq);
    }

    if (rc != SQLITE_ROW) {
        agw_http_db_error(r, db, "reading a log entry");
        sqlite3_finalize(st);
        return 0;
    }

    entry = agw_logs_row(st);

    attempts = NULL;
    if (sqlite3_column_type(st, 25) != SQLITE_NULL) {
        attempts = json_loads((const char *) sqlite3_column_text(st, 25), 0,
                              &jerr);
    }

    if (entry == NULL
        || json_object_set_new(entry, "error", agw_logs_opt_text(st, 22))
        || json_object_set_new(entry, "request_body",
                               agw_logs_opt_text(st, 23))
        || json_object_set_new(entry, "response_body",
                               agw_logs_opt_text(st, 24))
        || json_object_set_new(entry, "attempt_list",
                               attempts ? attempts : json_array()))
    {
        sqlite3_finalize(st);
        json_decref(entry);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    sqlite3_finalize(st);

    return agw_http_json(r, 200, entry);
}
