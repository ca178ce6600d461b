/*
 * api_logs: GET /api/v1/logs (filtered, newest first, paged by a
 * (time, seq) cursor that stays stable while events arrive) and
 * GET /api/v1/logs/{seq} (one request, with captured bodies).
 *
 * "seq" in the API is the event's row id: unique and increasing in the
 * order events were stored, even across state files (the ring's own seq
 * restarts when the file is recreated; it is shown as "ring_seq").
 *
 * Filters are bound parameters of a statement made of fixed pieces, so
 * no request text ever becomes SQL.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "api_handlers.h"


#define AGW_LOG_COLUMNS                                                      \
    "id, time_ms, request_id, key_name, key_id, model, route, provider,"    \
    " upstream_model, status, attempts, stream, latency_ms, ttfb_ms,"        \
    " prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,"    \
    " cost_micro_usd, dialect, cache_status, seq, finish_reason,"          \
    " response_model"

#define AGW_LOGS_LIMIT_MAX   500

/* OFFSET walks and drops rows: past this, follow next_cursor. */
#define AGW_LOGS_OFFSET_MAX  10000

/* Rows a page may walk past when several filters are given (each needs a
 * look at the row): about 10 ms of work, whatever the table holds. */
#define AGW_LOGS_WALK_MAX    10000

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
                     " s:o, s:o, s:I, s:o, s:o}",
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
                     "ring_seq", (json_int_t) sqlite3_column_int64(st, 21),
                     "finish_reason", agw_json_column(st, 22),
                     "response_model", agw_json_column(st, 23));
}


/*
 * A key filter names a key by id or by name.  Events carry the key's id,
 * and a name can be reused once its key is revoked: a name means the
 * live API key of that name (whose id the caller may not know), else it
 * is taken as an id (a static key's id is its name).  Returns the id to
 * match, malloc'd; NULL after answering.
 */
static char *
agw_logs_key_id(agw_req_t *r, sqlite3 *db, const char *key)
{
    int            rc;
    char          *id;
    const char    *s;
    sqlite3_stmt  *st;

    if (sqlite3_prepare_v2(db, "SELECT id FROM api_keys WHERE id = ?1"
                           " UNION ALL SELECT id FROM api_keys"
                           " WHERE name = ?1 AND revoked_at = 0", -1, &st,
                           NULL) != SQLITE_OK)
    {
        agw_http_db_error(r, db, "finding the key");
        return NULL;
    }

    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);

    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        agw_http_db_error(r, db, "finding the key");
        sqlite3_finalize(st);
        return NULL;
    }

    s = rc == SQLITE_ROW ? (const char *) sqlite3_column_text(st, 0) : key;
    id = strdup(s ? s : key);
    sqlite3_finalize(st);

    if (id == NULL) {
        agw_http_error(r, 500, "internal", "out of memory");
    }

    return id;
}


/*
 * "cursor" is where the previous page stopped: "<time_ms>.<id>" of its
 * last row.  0 if absent or valid, -1 after answering 400.
 */
static int
agw_logs_cursor(agw_req_t *r, int64_t *time_ms, int64_t *id)
{
    char        *end;
    const char  *s;
    long long    t, i;

    s = agw_http_query(r, "cursor");
    if (s == NULL) {
        return 0;
    }

    errno = 0;
    t = strtoll(s, &end, 10);

    if (errno == 0 && end != s && *end == '.' && s[0] != '-') {
        s = end + 1;
        i = strtoll(s, &end, 10);

        if (errno == 0 && end != s && *end == '\0' && s[0] != '-' && i > 0) {
            *time_ms = t;
            *id = i;
            return 0;
        }
    }

    agw_http_error(r, 400, "bad_request",
                   "\"cursor\" must be a next_cursor of an earlier page");
    return -1;
}


/* The logs filters, in the order their index is preferred to lead the
 * walk (the first given does; the others are checked on each row). */
typedef enum {
    AGW_LOGS_KEY = 0,
    AGW_LOGS_MODEL,
    AGW_LOGS_PROVIDER,
    AGW_LOGS_STATUS,
    AGW_LOGS_ERRORS,
    AGW_LOGS_NFILTERS
} agw_logs_filter_e;

/* Fixed SQL per filter: the values are bound (?3..?6), never text.
 * AGW_EVENT_IS_ERROR is literally the errors index's WHERE, so that
 * SQLite can use it. */
static const char *const  agw_logs_filter_sql[AGW_LOGS_NFILTERS] = {
    "key_id = ?3", "model = ?4", "provider = ?5", "status = ?6",
    AGW_EVENT_IS_ERROR
};


/*
 * The walk: ids and times of the rows in page order, led by one filter's
 * index, with the other filters as a 0/1 column.  NULL after answering.
 */
static sqlite3_stmt *
agw_logs_walk(agw_req_t *r, sqlite3 *db, const int *given, int cursor)
{
    int            i, lead;
    char           sql[512], match[256];
    size_t         len, mlen;
    sqlite3_stmt  *st;

    lead = -1;
    mlen = 0;
    match[0] = '\0';

    for (i = 0; i < AGW_LOGS_NFILTERS; i++) {
        if (!given[i]) {
            continue;
        }

        if (lead == -1) {
            lead = i;
            continue;
        }

        mlen += (size_t) snprintf(match + mlen, sizeof(match) - mlen,
                                  "%s(%s)", mlen ? " AND " : "",
                                  agw_logs_filter_sql[i]);
    }

    len = (size_t) snprintf(sql, sizeof(sql),
              "SELECT id, time_ms, %s FROM events"
              " WHERE time_ms >= ?1 AND time_ms < ?2%s%s%s"
              " ORDER BY time_ms DESC, id DESC",
              mlen ? match : "1",
              lead >= 0 ? " AND " : "",
              lead >= 0 ? agw_logs_filter_sql[lead] : "",
              cursor ? " AND (time_ms, id) < (?7, ?8)" : "");

    if (mlen >= sizeof(match) || len >= sizeof(sql)
        || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    {
        agw_http_db_error(r, db, "listing logs");
        return NULL;
    }

    return st;
}


/* Appends the LogEntry of event id to items; 0, or -1 after answering. */
static int
agw_logs_append(agw_req_t *r, sqlite3 *db, sqlite3_stmt *get, int64_t id,
    json_t *items)
{
    int      rc;
    json_t  *item;

    sqlite3_bind_int64(get, 1, id);

    rc = sqlite3_step(get);

    if (rc == SQLITE_ROW) {
        item = agw_logs_row(get);
        sqlite3_reset(get);

        if (item == NULL || json_array_append_new(items, item) != 0) {
            agw_http_error(r, 500, "internal", "out of memory");
            return -1;
        }

        return 0;
    }

    sqlite3_reset(get);

    if (rc == SQLITE_DONE) {
        return 0;                       /* purged since the walk saw it */
    }

    agw_http_db_error(r, db, "listing logs");
    return -1;
}


/*
 * Newest first by request time (ties by id), one page per call, at a cost
 * that does not grow with the table.  Every filter has an index that
 * starts with it and goes on with time_ms (db.c), so with one filter (and
 * any time range) a page is a seek and a walk of `limit` index entries;
 * the next page seeks again from the last row's (time_ms, id) instead of
 * counting rows with OFFSET.  With several filters the first one's index
 * leads and the others are checked row by row: a combination that is rare
 * among many rows of the leading filter would make that walk long, so it
 * stops after AGW_LOGS_WALK_MAX rows and the page ends there, with fewer
 * rows than asked (even none) and a next_cursor that goes on from where
 * the walk stopped.  next_cursor is null only at the end.  No total is
 * counted: at millions of rows that alone takes seconds.
 */
int
agw_api_logs_list(agw_req_t *r)
{
    int            i, rc, errors_only, given[AGW_LOGS_NFILTERS];
    char           next[48], *key_id;
    json_t        *items;
    int64_t        from, to, status, limit, offset, skipped, walked;
    int64_t        cur_time, cur_id, stop_time, stop_id, n, to_ms;
    int64_t        ids[AGW_LOGS_LIMIT_MAX];
    sqlite3       *db;
    const char    *key, *model, *provider;
    sqlite3_stmt  *walk, *get;

    static const char *const  allowed[] = {
        "from", "to", "key", "model", "provider", "status", "errors_only",
        "limit", "cursor", "offset", NULL
    };

    cur_time = 0;
    cur_id = 0;

    if (agw_http_query_check(r, allowed) != 0
        || agw_http_query_int(r, "from", 0, 0, INT64_C(1) << 40, &from) != 0
        || agw_http_query_int(r, "to", INT64_C(1) << 40, 0, INT64_C(1) << 40,
                              &to) != 0
        || agw_http_query_int(r, "status", 0, 100, 599, &status) != 0
        || agw_http_query_int(r, "limit", 50, 1, AGW_LOGS_LIMIT_MAX, &limit)
           != 0
        || agw_http_query_int(r, "offset", 0, 0, AGW_LOGS_OFFSET_MAX,
                              &offset) != 0
        || agw_http_query_bool(r, "errors_only", 0, &errors_only) != 0
        || agw_logs_cursor(r, &cur_time, &cur_id) != 0)
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

    given[AGW_LOGS_KEY] = key != NULL;
    given[AGW_LOGS_MODEL] = model != NULL;
    given[AGW_LOGS_PROVIDER] = provider != NULL;
    given[AGW_LOGS_STATUS] = status != 0;
    given[AGW_LOGS_ERRORS] = errors_only;

    db = agw_req_db(r);
    if (db == NULL) {
        return 0;
    }

    key_id = NULL;

    if (key != NULL) {
        key_id = agw_logs_key_id(r, db, key);
        if (key_id == NULL) {
            return 0;
        }
    }

    walk = agw_logs_walk(r, db, given, cur_id != 0);
    if (walk == NULL) {
        free(key_id);
        return 0;
    }

    /* A cursor narrows the range's end itself: SQLite seeks on one upper
     * bound only, and with the cursor as a second one it would walk down
     * from `to` (a deep page cost 110 ms at 2M events). */
    to_ms = to >= (INT64_C(1) << 40) ? INT64_MAX : to * 1000;
    if (cur_id != 0 && cur_time < to_ms) {
        to_ms = cur_time + 1;
    }

    sqlite3_bind_int64(walk, 1, from * 1000);
    sqlite3_bind_int64(walk, 2, to_ms);
    if (key_id != NULL) {
        sqlite3_bind_text(walk, 3, key_id, -1, SQLITE_TRANSIENT);
    }
    if (model != NULL) {
        sqlite3_bind_text(walk, 4, model, -1, SQLITE_TRANSIENT);
    }
    if (provider != NULL) {
        sqlite3_bind_text(walk, 5, provider, -1, SQLITE_TRANSIENT);
    }
    for (i = 6; i <= sqlite3_bind_parameter_count(walk); i++) {
        sqlite3_bind_int64(walk, i, i == 6 ? status
                                    : i == 7 ? cur_time : cur_id);
    }

    free(key_id);

    /* One more row than the page: is there a next one? */
    n = 0;
    skipped = 0;
    walked = 0;
    stop_time = 0;
    stop_id = 0;

    while ((rc = sqlite3_step(walk)) == SQLITE_ROW) {
        if (sqlite3_column_int(walk, 2)) {
            if (skipped < offset) {
                skipped++;

            } else if (n == limit) {
                break;

            } else {
                ids[n++] = sqlite3_column_int64(walk, 0);
                stop_id = ids[n - 1];
                stop_time = sqlite3_column_int64(walk, 1);
            }
        }

        if (++walked == AGW_LOGS_WALK_MAX + offset) {
            /* the page ends where the walk stopped */
            stop_id = sqlite3_column_int64(walk, 0);
            stop_time = sqlite3_column_int64(walk, 1);
            rc = SQLITE_ROW;
            break;
        }
    }

    sqlite3_finalize(walk);

    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return agw_http_db_error(r, db, "listing logs");
    }

    if (sqlite3_prepare_v2(db, "SELECT " AGW_LOG_COLUMNS
                           " FROM events WHERE id = ?1", -1, &get, NULL)
        != SQLITE_OK)
    {
        return agw_http_db_error(r, db, "listing logs");
    }

    items = json_array();
    if (items == NULL) {
        sqlite3_finalize(get);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    for (i = 0; i < n; i++) {
        if (agw_logs_append(r, db, get, ids[i], items) != 0) {
            sqlite3_finalize(get);
            json_decref(items);
            return 0;
        }
    }

    sqlite3_finalize(get);

    if (rc == SQLITE_ROW) {
        snprintf(next, sizeof(next), "%lld.%lld", (long long) stop_time,
                 (long long) stop_id);
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
    if (sqlite3_column_type(st, 27) != SQLITE_NULL) {
        attempts = json_loads((const char *) sqlite3_column_text(st, 27), 0,
                              &jerr);
    }

    if (entry == NULL
        || json_object_set_new(entry, "error", agw_logs_opt_text(st, 24))
        || json_object_set_new(entry, "request_body",
                               agw_logs_opt_text(st, 25))
        || json_object_set_new(entry, "response_body",
                               agw_logs_opt_text(st, 26))
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
