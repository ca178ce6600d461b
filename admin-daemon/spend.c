/*
 * spend: seeds a new limits table's spend from SQLite (spend.h).
 */

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <sqlite3.h>

#include "agw_limits.h"
#include "agw_state.h"
#include "spend.h"


/*
 * Per key, what was spent before cut_ms (the file's creation): in the
 * current day (from day_ms), month (from month_ms) and in all.  The hour
 * rollups (never purged) hold every full hour before the cut; the events
 * the part of its hour before it (a cost of -1 is unknown: nothing, as
 * the rollups count it).  Day and month start on an hour, so
 * the two never overlap and miss nothing.
 */
static const char  agw_spend_sql[] =
    "SELECT key_id, max(key_name), sum(day), sum(month), sum(total) FROM ("
    " SELECT key_id, key_name,"
    "  CASE WHEN bucket * 1000 >= ?2 THEN cost_micro_usd ELSE 0 END AS day,"
    "  CASE WHEN bucket * 1000 >= ?3 THEN cost_micro_usd ELSE 0 END AS month,"
    "  cost_micro_usd AS total"
    " FROM rollup_hour WHERE bucket * 1000 < ?1 - ?1 % 3600000"
    " UNION ALL"
    " SELECT key_id, key_name,"
    "  CASE WHEN time_ms >= ?2 THEN cost_micro_usd ELSE 0 END,"
    "  CASE WHEN time_ms >= ?3 THEN cost_micro_usd ELSE 0 END,"
    "  cost_micro_usd"
    " FROM events WHERE time_ms >= ?1 - ?1 % 3600000 AND time_ms < ?1"
    " AND cost_micro_usd > 0)"
    " WHERE key_id != '' GROUP BY key_id";


/* The epoch ms the UTC month of now_ms began. */
static int64_t
agw_spend_month_start(int64_t now_ms)
{
    time_t     t;
    struct tm  tm;

    t = (time_t) (now_ms / 1000);
    gmtime_r(&t, &tm);

    tm.tm_mday = 1;
    tm.tm_hour = 0;
    tm.tm_min = 0;
    tm.tm_sec = 0;

    return (int64_t) timegm(&tm) * 1000;
}


int
agw_spend_seed(agw_daemon_t *d, char *err, size_t errlen)
{
    int             rc, n;
    size_t          len;
    int64_t         now, cut;
    sqlite3        *db;
    const char     *id, *name;
    agw_state_t    *st;
    sqlite3_stmt   *q;
    struct timeval  tv;

    st = agw_daemon_state(d);

    if (st == NULL || !agw_limits_seed_begin(st)) {
        return 0;
    }

    gettimeofday(&tv, NULL);
    now = (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000;
    cut = st->hdr->created_ms;

    db = NULL;
    q = NULL;
    n = -1;

    if (sqlite3_open_v2(agw_daemon_db_path(d), &db, SQLITE_OPEN_READONLY,
                        NULL) != SQLITE_OK
        || sqlite3_busy_timeout(db, 5000) != SQLITE_OK
        || sqlite3_prepare_v2(db, agw_spend_sql, -1, &q, NULL) != SQLITE_OK)
    {
        snprintf(err, errlen, "reading the keys' spend: %s",
                 db ? sqlite3_errmsg(db) : "out of memory");
        goto done;
    }

    sqlite3_bind_int64(q, 1, cut);
    sqlite3_bind_int64(q, 2, now - now % 86400000);
    sqlite3_bind_int64(q, 3, agw_spend_month_start(now));

    n = 0;

    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        id = (const char *) sqlite3_column_text(q, 0);
        name = (const char *) sqlite3_column_text(q, 1);
        len = (size_t) sqlite3_column_bytes(q, 0);

        if (agw_limits_seed(st, id, len, name,
                            name ? (size_t) sqlite3_column_bytes(q, 1) : 0,
                            sqlite3_column_int64(q, 2),
                            sqlite3_column_int64(q, 3),
                            sqlite3_column_int64(q, 4), now)
            != 0)
        {
            /* the module refuses such a key's requests (table full):
             * never a budget left unchecked */
            agw_daemon_log("seeding key %.64s's spend: the limits table is "
                           "full", id);
            continue;
        }

        n++;
    }

    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "reading the keys' spend: %s",
                 sqlite3_errmsg(db));
        n = -1;
    }

done:

    sqlite3_finalize(q);
    sqlite3_close_v2(db);

    return n;
}
