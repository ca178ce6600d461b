/*
 * db: the drain's SQLite database: schema, batched event storage with
 * rollups, retention purge.
 *
 * Tables (created if missing; docs/state-and-daemon.md has the columns):
 *   events         one row per event, every agw_event_t field; unknown
 *                  numbers are -1 as in the event; UNIQUE (seq, ring_id)
 *                  so that a batch stored twice (daemon killed between
 *                  COMMIT and the ring commit) adds nothing
 *   rollup_minute  per minute x key x model x provider: requests, errors,
 *   rollup_hour    tokens, cost, latency sums and a latency histogram
 *                  (AGW_DB_LAT_BOUNDS) from which p50/p95 are estimated
 *   drain_meta     schema version
 */

#ifndef AGW_DB_H
#define AGW_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "agw_state.h"

/* drain_meta's schema_version: 1, the first; 2, events.finish_reason and
 * events.response_model */
#define AGW_DB_SCHEMA_VERSION  2

/* Latency histogram: bucket i counts latencies <= bound i (and > bound
 * i-1); the last bucket is everything above.  Columns lat_le_<bound> and
 * lat_le_inf. */
#define AGW_DB_LAT_BUCKETS     12
#define AGW_DB_LAT_BOUNDS                                                    \
    { 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000 }

typedef struct agw_db_s  agw_db_t;

/* The drain's tables and indexes (CREATE ... IF NOT EXISTS statements):
 * what agw_db_open() makes, and what a restored database is held to. */
extern const char  agw_db_schema[];

/*
 * The columns events gained since its first definition, added where they
 * are missing (agw_db_open() does it; a restore does it to the upload
 * first), and schema_version set.  0, or -1 with a message in err.
 */
int agw_db_migrate(sqlite3 *db, char *err, size_t errlen);

/*
 * Opens (creating) the database: WAL, synchronous=NORMAL, busy_timeout,
 * schema, statements prepared once.  batch_max is the largest batch
 * agw_db_store() will get.  NULL with a message in err.
 */
agw_db_t *agw_db_open(const char *path, uint32_t batch_max, char *err,
    size_t errlen);
void agw_db_close(agw_db_t *db);

/* Caps the file at about bytes (0: no cap): past it, stores fail with
 * SQLITE_FULL as on a full disk. */
int agw_db_set_max_bytes(agw_db_t *db, int64_t bytes);

/*
 * Stores n events and their rollups in one BEGIN IMMEDIATE transaction.
 * Returns SQLITE_OK (0) with the number of new rows in *stored (events
 * already present are skipped), or the SQLite result code of the failure
 * (SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR...) after rolling back, with a
 * message in err: nothing of the batch is then stored.
 */
int agw_db_store(agw_db_t *db, const agw_state_t *st,
    const agw_event_t **evs, size_t n, size_t *stored, char *err,
    size_t errlen);

/*
 * Deletes events older than events_before_ms and minute rollups older
 * than minute_before_s (0: keep), in small transactions.  Returns the
 * number of events deleted, or -1 with err.
 */
int64_t agw_db_purge(agw_db_t *db, int64_t events_before_ms,
    int64_t minute_before_s, char *err, size_t errlen);

/*
 * An event that counts in error rates, as agw_event_is_error() says for
 * the rollups: an error status or class, but not a client that left.  The
 * events_errors index has it as its WHERE, word for word, so that a logs
 * query with it can use that index.
 */
#define AGW_EVENT_IS_ERROR                                                   \
    "((status >= 400 OR status <= 0 OR error_class <> 'none')"               \
    " AND status <> 499 AND error_class <> 'client_closed')"

#endif /* AGW_DB_H */
