/*
 * db: the drain's SQLite side (db.h).
 *
 * Throughput comes from three things: one transaction per batch, every
 * statement prepared once (SQLITE_PREPARE_PERSISTENT) then bound and
 * reset per row, and rollups summed in memory per batch so that a batch
 * of thousands of events costs one upsert per (minute, key, model,
 * provider) group instead of two per event.  Rollups only count rows the
 * INSERT OR IGNORE really added, so a batch stored again after a crash
 * changes nothing.
 *
 * Checkpoints (copying the WAL into the database file, with its fsync)
 * run on a thread of their own with its own connection, so that the
 * drain keeps appending to the WAL meanwhile; the drain's connection has
 * automatic checkpoints off.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "agw_dialect.h"
#include "daemon.h"
#include "db.h"

#define AGW_DB_BUSY_TIMEOUT_MS  250
#define AGW_DB_PURGE_CHUNK      5000
#define AGW_DB_CKPT_EVERY_MS    200
#define AGW_DB_CKPT_RESTART     16384   /* WAL frames: force a restart */
#define AGW_DB_WAL_KEEP         (16 * 1024 * 1024)  /* WAL file bytes kept */


/* One rollup group of the batch being stored. */
typedef struct {
    int64_t      bucket;            /* minute start, unix seconds */
    uint32_t     hash;
    int          used;
    const char  *key_id;            /* point into the ring's events, */
    const char  *key_name;          /* which stay put until the ring */
    const char  *model;             /* commit that follows the store */
    const char  *provider;
    int64_t      requests;
    int64_t      errors;
    int64_t      tokens[5];         /* prompt, completion, cached,
                                       cache_write, reasoning */
    int64_t      cost;
    int64_t      latency_sum;
    int64_t      ttfb_sum;
    int64_t      ttfb_count;
    int64_t      hist[AGW_DB_LAT_BUCKETS];
} agw_db_group_t;

struct agw_db_s {
    sqlite3         *db;
    sqlite3_stmt    *begin;
    sqlite3_stmt    *commit;
    sqlite3_stmt    *rollback;
    sqlite3_stmt    *insert;
    sqlite3_stmt    *up_minute;
    sqlite3_stmt    *up_hour;
    sqlite3_stmt    *purge_events;
    sqlite3_stmt    *purge_minute;
    agw_db_group_t  *groups;
    uint32_t        *used;          /* indexes of the groups in use */
    uint32_t         nused;
    uint32_t         ngroups;       /* power of two, >= 2 * batch_max */
    uint32_t         batch_max;
    int64_t          page_size;

    /* The checkpoint thread. */
    sqlite3         *ckpt_db;
    pthread_t        ckpt_thread;
    pthread_mutex_t  ckpt_lock;
    pthread_cond_t   ckpt_cond;
    int              ckpt_running;
    int              ckpt_stop;
    char            *wal_path;       /* PATH-wal, for its size */
};


const char  agw_db_schema[] =
    "CREATE TABLE IF NOT EXISTS drain_meta ("
    "  k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;"

    "CREATE TABLE IF NOT EXISTS events ("
    "  id INTEGER PRIMARY KEY,"
    "  ring_id INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  time_ms INTEGER NOT NULL,"
    "  request_id TEXT NOT NULL,"
    "  key_id TEXT NOT NULL,"
    "  key_name TEXT NOT NULL,"
    "  dialect TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  route TEXT NOT NULL,"
    "  provider TEXT NOT NULL,"
    "  upstream_model TEXT NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  error_class TEXT NOT NULL,"
    "  cache_status TEXT NOT NULL,"
    "  stream INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL,"
    "  attempt_list TEXT NOT NULL,"
    "  latency_ms INTEGER NOT NULL,"
    "  ttfb_ms INTEGER NOT NULL,"
    "  prompt_tokens INTEGER NOT NULL,"
    "  completion_tokens INTEGER NOT NULL,"
    "  cached_tokens INTEGER NOT NULL,"
    "  cache_write_tokens INTEGER NOT NULL,"
    "  reasoning_tokens INTEGER NOT NULL,"
    "  cost_micro_usd INTEGER NOT NULL,"
    "  bytes_in INTEGER NOT NULL,"
    "  bytes_out INTEGER NOT NULL,"
    "  client_addr TEXT NOT NULL,"
    "  req_body TEXT,"
    "  resp_body TEXT,"
    "  req_body_truncated INTEGER NOT NULL,"
    "  resp_body_truncated INTEGER NOT NULL);"

    /* seq first: the API looks events up by seq alone. */
    "CREATE UNIQUE INDEX IF NOT EXISTS events_seq ON events (seq, ring_id);"
    "CREATE INDEX IF NOT EXISTS events_time ON events (time_ms);"

    /* The logs API's filters (api_logs.c), newest first: one index per
     * filter, going on with time_ms (and the row id SQLite appends), so
     * that any one filter with a time range and a (time_ms, id) cursor is
     * a seek and a walk of one page.  Errors only: a partial index, small
     * while errors are rare. */
    "CREATE INDEX IF NOT EXISTS events_key ON events (key_id, time_ms);"
    "CREATE INDEX IF NOT EXISTS events_model ON events (model, time_ms);"
    "CREATE INDEX IF NOT EXISTS events_provider"
    " ON events (provider, time_ms);"
    "CREATE INDEX IF NOT EXISTS events_status ON events (status, time_ms);"
    "CREATE INDEX IF NOT EXISTS events_errors ON events (time_ms)"
    " WHERE " AGW_EVENT_IS_ERROR ";"

#define AGW_DB_ROLLUP_COLUMNS                                                \
    "  bucket INTEGER NOT NULL,"                                             \
    "  key_id TEXT NOT NULL,"                                                \
    "  model TEXT NOT NULL,"                                                 \
    "  provider TEXT NOT NULL,"                                              \
    "  key_name TEXT NOT NULL,"                                              \
    "  requests INTEGER NOT NULL,"                                           \
    "  errors INTEGER NOT NULL,"                                             \
    "  prompt_tokens INTEGER NOT NULL,"                                      \
    "  completion_tokens INTEGER NOT NULL,"                                  \
    "  cached_tokens INTEGER NOT NULL,"                                      \
    "  cache_write_tokens INTEGER NOT NULL,"                                 \
    "  reasoning_tokens INTEGER NOT NULL,"                                   \
    "  cost_micro_usd INTEGER NOT NULL,"                                     \
    "  latency_ms_sum INTEGER NOT NULL,"                                     \
    "  ttfb_ms_sum INTEGER NOT NULL,"                                        \
    "  ttfb_count INTEGER NOT NULL,"                                         \
    "  lat_le_25 INTEGER NOT NULL, lat_le_50 INTEGER NOT NULL,"              \
    "  lat_le_100 INTEGER NOT NULL, lat_le_250 INTEGER NOT NULL,"            \
    "  lat_le_500 INTEGER NOT NULL, lat_le_1000 INTEGER NOT NULL,"           \
    "  lat_le_2500 INTEGER NOT NULL, lat_le_5000 INTEGER NOT NULL,"          \
    "  lat_le_10000 INTEGER NOT NULL, lat_le_30000 INTEGER NOT NULL,"        \
    "  lat_le_60000 INTEGER NOT NULL, lat_le_inf INTEGER NOT NULL,"          \
    "  PRIMARY KEY (bucket, key_id, model, provider)"

    "CREATE TABLE IF NOT EXISTS rollup_minute (" AGW_DB_ROLLUP_COLUMNS
    ") WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS rollup_hour (" AGW_DB_ROLLUP_COLUMNS
    ") WITHOUT ROWID;";


static const char  agw_db_insert_sql[] =
    "INSERT OR IGNORE INTO events (ring_id, seq, time_ms, request_id,"
    " key_id, key_name, dialect, model, route, provider, upstream_model,"
    " status, error_class, cache_status, stream, attempts, attempt_list,"
    " latency_ms, ttfb_ms, prompt_tokens, completion_tokens, cached_tokens,"
    " cache_write_tokens, reasoning_tokens, cost_micro_usd, bytes_in,"
    " bytes_out, client_addr, req_body, resp_body, req_body_truncated,"
    " resp_body_truncated, finish_reason, response_model) VALUES (?1, ?2,"
    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
    " ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31,"
    " ?32, ?33, ?34)";


#define AGW_STRINGIFY_(x)  #x
#define AGW_STRINGIFY(x)   AGW_STRINGIFY_(x)


/*
 * Columns added to events after its first definition, by ALTER TABLE on
 * every database, new or old: a fresh one, one made by an older daemon
 * and a restored backup then hold the very same table definition, which a
 * restore compares (backup.c).  In order; never edit one, add another.
 */
static const struct {
    const char  *column;
    const char  *sql;
} agw_db_added[] = {
    { "finish_reason",
      "ALTER TABLE events ADD COLUMN finish_reason TEXT NOT NULL"
      " DEFAULT ''" },
    { "response_model",
      "ALTER TABLE events ADD COLUMN response_model TEXT NOT NULL"
      " DEFAULT ''" },
};

#define AGW_DB_UPSERT(table)                                                 \
    "INSERT INTO " table " (bucket, key_id, model, provider, key_name,"      \
    " requests, errors, prompt_tokens, completion_tokens, cached_tokens,"    \
    " cache_write_tokens, reasoning_tokens, cost_micro_usd, latency_ms_sum," \
    " ttfb_ms_sum, ttfb_count, lat_le_25, lat_le_50, lat_le_100,"            \
    " lat_le_250, lat_le_500, lat_le_1000, lat_le_2500, lat_le_5000,"        \
    " lat_le_10000, lat_le_30000, lat_le_60000, lat_le_inf) VALUES (?1,"     \
    " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"    \
    " ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)"           \
    " ON CONFLICT (bucket, key_id, model, provider) DO UPDATE SET"           \
    " key_name = excluded.key_name,"                                         \
    " requests = requests + excluded.requests,"                              \
    " errors = errors + excluded.errors,"                                    \
    " prompt_tokens = prompt_tokens + excluded.prompt_tokens,"               \
    " completion_tokens = completion_tokens + excluded.completion_tokens,"   \
    " cached_tokens = cached_tokens + excluded.cached_tokens,"               \
    " cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens," \
    " reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,"      \
    " cost_micro_usd = cost_micro_usd + excluded.cost_micro_usd,"            \
    " latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum,"            \
    " ttfb_ms_sum = ttfb_ms_sum + excluded.ttfb_ms_sum,"                     \
    " ttfb_count = ttfb_count + excluded.ttfb_count,"                        \
    " lat_le_25 = lat_le_25 + excluded.lat_le_25,"                           \
    " lat_le_50 = lat_le_50 + excluded.lat_le_50,"                           \
    " lat_le_100 = lat_le_100 + excluded.lat_le_100,"                        \
    " lat_le_250 = lat_le_250 + excluded.lat_le_250,"                        \
    " lat_le_500 = lat_le_500 + excluded.lat_le_500,"                        \
    " lat_le_1000 = lat_le_1000 + excluded.lat_le_1000,"                     \
    " lat_le_2500 = lat_le_2500 + excluded.lat_le_2500,"                     \
    " lat_le_5000 = lat_le_5000 + excluded.lat_le_5000,"                     \
    " lat_le_10000 = lat_le_10000 + excluded.lat_le_10000,"                  \
    " lat_le_30000 = lat_le_30000 + excluded.lat_le_30000,"                  \
    " lat_le_60000 = lat_le_60000 + excluded.lat_le_60000,"                  \
    " lat_le_inf = lat_le_inf + excluded.lat_le_inf"


static int
agw_db_prepare(agw_db_t *db, const char *sql, sqlite3_stmt **st, char *err,
    size_t errlen)
{
    if (sqlite3_prepare_v3(db->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
                           NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "preparing \"%.40s...\": %s", sql,
                 sqlite3_errmsg(db->db));
        return -1;
    }

    return 0;
}


static int
agw_db_exec(agw_db_t *db, const char *sql, char *err, size_t errlen)
{
    char  *msg = NULL;

    if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db->db));
        sqlite3_free(msg);
        return -1;
    }

    return 0;
}


static int
agw_db_wal_big(agw_db_t *db)
{
    struct stat  st;

    return db->wal_path != NULL && stat(db->wal_path, &st) == 0
           && st.st_size > AGW_DB_WAL_KEEP;
}


static void *
agw_db_checkpointer(void *data)
{
    int              log, done, rc;
    agw_db_t        *db = data;
    struct timespec  until;

    pthread_mutex_lock(&db->ckpt_lock);

    while (!db->ckpt_stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += AGW_DB_CKPT_EVERY_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }

        rc = pthread_cond_timedwait(&db->ckpt_cond, &db->ckpt_lock, &until);
        if (db->ckpt_stop || (rc != 0 && rc != ETIMEDOUT)) {
            break;
        }

        pthread_mutex_unlock(&db->ckpt_lock);

        /* PASSIVE never waits for the drain.  Under a steady load it may
         * never catch up with the WAL's end, so past a size RESTART waits
         * (busy_timeout) for a moment between two batches and lets the
         * next batch write the WAL from its start again.  SQLite reuses
         * the WAL file without shrinking it: once everything is copied
         * and the file is past AGW_DB_WAL_KEEP (a backlog drained at once
         * grows it), TRUNCATE gives the disk space back. */
        log = done = 0;
        if (sqlite3_wal_checkpoint_v2(db->ckpt_db, NULL,
                                      SQLITE_CHECKPOINT_PASSIVE, &log, &done)
            == SQLITE_OK)
        {
            if (log > AGW_DB_CKPT_RESTART) {
                (void) sqlite3_wal_checkpoint_v2(db->ckpt_db, NULL,
                                                 SQLITE_CHECKPOINT_RESTART,
                                                 NULL, NULL);

            } else if (done == log && agw_db_wal_big(db)) {
                (void) sqlite3_wal_checkpoint_v2(db->ckpt_db, NULL,
                                                 SQLITE_CHECKPOINT_TRUNCATE,
                                                 NULL, NULL);
            }
        }

        pthread_mutex_lock(&db->ckpt_lock);
    }

    pthread_mutex_unlock(&db->ckpt_lock);

    return NULL;
}


static int
agw_db_checkpointer_start(agw_db_t *db, const char *path, char *err,
    size_t errlen)
{
    size_t  n;

    n = strlen(path);
    db->wal_path = malloc(n + sizeof("-wal"));
    if (db->wal_path == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(db->wal_path, path, n);
    memcpy(db->wal_path + n, "-wal", sizeof("-wal"));

    if (sqlite3_open_v2(path, &db->ckpt_db, SQLITE_OPEN_READWRITE
                        | SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "database \"%s\": checkpoint connection: %s",
                 path, db->ckpt_db ? sqlite3_errmsg(db->ckpt_db)
                                   : "out of memory");
        return -1;
    }

    sqlite3_busy_timeout(db->ckpt_db, 1000);

    /* A connection learns that the database is in WAL mode when it first
     * reads it; until then sqlite3_wal_checkpoint_v2() does nothing and
     * says -1 frames, and the WAL grows for as long as the daemon runs. */
    if (sqlite3_exec(db->ckpt_db, "PRAGMA journal_mode", NULL, NULL, NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "database \"%s\": checkpoint connection: %s",
                 path, sqlite3_errmsg(db->ckpt_db));
        return -1;
    }

    if (pthread_mutex_init(&db->ckpt_lock, NULL) != 0) {
        snprintf(err, errlen, "pthread_mutex_init failed");
        return -1;
    }

    if (pthread_cond_init(&db->ckpt_cond, NULL) != 0) {
        pthread_mutex_destroy(&db->ckpt_lock);
        snprintf(err, errlen, "pthread_cond_init failed");
        return -1;
    }

    if (pthread_create(&db->ckpt_thread, NULL, agw_db_checkpointer, db)
        != 0)
    {
        pthread_cond_destroy(&db->ckpt_cond);
        pthread_mutex_destroy(&db->ckpt_lock);
        snprintf(err, errlen, "pthread_create failed");
        return -1;
    }

    db->ckpt_running = 1;

    return 0;
}


static void
agw_db_checkpointer_stop(agw_db_t *db)
{
    if (db->ckpt_running) {
        pthread_mutex_lock(&db->ckpt_lock);
        db->ckpt_stop = 1;
        pthread_cond_signal(&db->ckpt_cond);
        pthread_mutex_unlock(&db->ckpt_lock);

        pthread_join(db->ckpt_thread, NULL);
        pthread_cond_destroy(&db->ckpt_cond);
        pthread_mutex_destroy(&db->ckpt_lock);
        db->ckpt_running = 0;
    }

    if (db->ckpt_db != NULL) {
        sqlite3_close_v2(db->ckpt_db);
        db->ckpt_db = NULL;
    }
}


/*
 * The database holds client addresses and, with capture on, request and
 * response bodies: owner only.  SQLite creates a database with 0644 (its
 * SQLITE_DEFAULT_FILE_PERMISSIONS, less the umask) and gives the -wal and
 * -shm files the database file's mode, so the file is made (or an older
 * one narrowed) to 0600 before SQLite opens it; -wal and -shm left by an
 * older run are narrowed too.  Backups and uploads are mkstemp() files,
 * 0600 already.
 */
static int
agw_db_private(const char *path, char *err, size_t errlen)
{
    int          fd;
    char         file[4096];
    size_t       i;
    struct stat  sb;

    static const char *const  suffix[] = { "", "-wal", "-shm", "-journal" };

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd == -1) {
        snprintf(err, errlen, "database \"%s\": %s", path, strerror(errno));
        return -1;
    }

    close(fd);

    for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        if ((size_t) snprintf(file, sizeof(file), "%s%s", path, suffix[i])
                >= sizeof(file)
            || stat(file, &sb) != 0 || (sb.st_mode & 077) == 0)
        {
            continue;
        }

        if (chmod(file, sb.st_mode & 0700) == 0) {
            continue;
        }

        /* Another user's file (a shared group set up on purpose) is left
         * as it is, and said; anything else stops the start. */
        if (errno != EPERM) {
            snprintf(err, errlen, "\"%s\": chmod 0600: %s", file,
                     strerror(errno));
            return -1;
        }

        agw_daemon_log("\"%s\" is readable by others (mode %04o) and not "
                       "ours to narrow: it holds client addresses", file,
                       (unsigned) (sb.st_mode & 07777));
    }

    return 0;
}


int
agw_db_migrate(sqlite3 *db, char *err, size_t errlen)
{
    int            rc;
    char          *msg;
    size_t         i;
    sqlite3_stmt  *st;

    if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('events')"
                           " WHERE name = ?1", -1, &st, NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }

    for (i = 0; i < sizeof(agw_db_added) / sizeof(agw_db_added[0]); i++) {
        sqlite3_bind_text(st, 1, agw_db_added[i].column, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);

        if (rc == SQLITE_ROW) {
            continue;
        }

        msg = NULL;

        if (rc != SQLITE_DONE
            || sqlite3_exec(db, agw_db_added[i].sql, NULL, NULL, &msg)
               != SQLITE_OK)
        {
            snprintf(err, errlen, "adding events.%s: %s",
                     agw_db_added[i].column, msg ? msg : sqlite3_errmsg(db));
            sqlite3_free(msg);
            sqlite3_finalize(st);
            return -1;
        }
    }

    sqlite3_finalize(st);

    msg = NULL;

    if (sqlite3_exec(db, "INSERT OR REPLACE INTO drain_meta (k, v) VALUES"
                         " ('schema_version', '"
                         AGW_STRINGIFY(AGW_DB_SCHEMA_VERSION) "')",
                     NULL, NULL, &msg)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }

    return 0;
}


agw_db_t *
agw_db_open(const char *path, uint32_t batch_max, char *err, size_t errlen)
{
    char           why[256];
    agw_db_t      *db;
    sqlite3_stmt  *st;

    db = calloc(1, sizeof(agw_db_t));
    if (db == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    db->batch_max = batch_max;
    for (db->ngroups = 16; db->ngroups < 2 * batch_max; db->ngroups *= 2) {
        /* a load factor of at most one half */
    }

    db->groups = calloc(db->ngroups, sizeof(agw_db_group_t));
    db->used = calloc(db->ngroups, sizeof(uint32_t));
    if (db->groups == NULL || db->used == NULL) {
        snprintf(err, errlen, "out of memory");
        goto failed;
    }

    if (agw_db_private(path, err, errlen) != 0) {
        goto failed;
    }

    if (sqlite3_open_v2(path, &db->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                        | SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "database \"%s\": %s", path,
                 db->db ? sqlite3_errmsg(db->db) : "out of memory");
        goto failed;
    }

    /* Short: on SQLITE_BUSY the drain backs off with the events still in
     * the ring, rather than blocking here. */
    sqlite3_busy_timeout(db->db, AGW_DB_BUSY_TIMEOUT_MS);

    if (agw_db_exec(db, "PRAGMA journal_mode=WAL;"
                        "PRAGMA synchronous=NORMAL;"
                        "PRAGMA wal_autocheckpoint=0;"   /* our thread */
                        "PRAGMA cache_size=-65536;", why, sizeof(why)) != 0
        || agw_db_exec(db, agw_db_schema, why, sizeof(why)) != 0)
    {
        snprintf(err, errlen, "database \"%s\": %s", path, why);
        goto failed;
    }

    if (agw_db_migrate(db->db, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "database \"%s\": %s", path, why);
        goto failed;
    }

    db->page_size = 4096;
    if (sqlite3_prepare_v2(db->db, "PRAGMA page_size", -1, &st, NULL)
        == SQLITE_OK)
    {
        if (sqlite3_step(st) == SQLITE_ROW) {
            db->page_size = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }

    if (agw_db_prepare(db, "BEGIN IMMEDIATE", &db->begin, err, errlen) != 0
        || agw_db_prepare(db, "COMMIT", &db->commit, err, errlen) != 0
        || agw_db_prepare(db, "ROLLBACK", &db->rollback, err, errlen) != 0
        || agw_db_prepare(db, agw_db_insert_sql, &db->insert, err, errlen)
           != 0
        || agw_db_prepare(db, AGW_DB_UPSERT("rollup_minute"), &db->up_minute,
                          err, errlen) != 0
        || agw_db_prepare(db, AGW_DB_UPSERT("rollup_hour"), &db->up_hour,
                          err, errlen) != 0
        || agw_db_prepare(db, "DELETE FROM events WHERE id IN (SELECT id"
                          " FROM events WHERE time_ms < ?1 ORDER BY time_ms"
                          " LIMIT 5000)", &db->purge_events, err, errlen)
           != 0
        || agw_db_prepare(db, "DELETE FROM rollup_minute WHERE bucket < ?1",
                          &db->purge_minute, err, errlen) != 0)
    {
        goto failed;
    }

    if (agw_db_checkpointer_start(db, path, err, errlen) != 0) {
        goto failed;
    }

    return db;

failed:

    agw_db_close(db);
    return NULL;
}


void
agw_db_close(agw_db_t *db)
{
    if (db == NULL) {
        return;
    }

    agw_db_checkpointer_stop(db);

    sqlite3_finalize(db->begin);
    sqlite3_finalize(db->commit);
    sqlite3_finalize(db->rollback);
    sqlite3_finalize(db->insert);
    sqlite3_finalize(db->up_minute);
    sqlite3_finalize(db->up_hour);
    sqlite3_finalize(db->purge_events);
    sqlite3_finalize(db->purge_minute);

    if (db->db != NULL) {
        /* The last connection to close checkpoints the WAL and removes
         * it: the file is whole for a backup or a copy. */
        sqlite3_close_v2(db->db);
    }

    free(db->groups);
    free(db->used);
    free(db->wal_path);
    free(db);
}


int
agw_db_set_max_bytes(agw_db_t *db, int64_t bytes)
{
    char  sql[64];

    /* SQLite's default maximum when no cap is wanted. */
    snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%lld",
             bytes > 0 ? (long long) (bytes / db->page_size)
                       : 4294967294LL);

    return sqlite3_exec(db->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}


/* Rollup groups */

static uint32_t
agw_db_hash(uint32_t h, const char *s)
{
    while (*s) {
        h = (h ^ (unsigned char) *s++) * 16777619u;
    }

    return (h ^ 0xff) * 16777619u;
}


static agw_db_group_t *
agw_db_group(agw_db_t *db, const agw_event_t *ev, int64_t bucket)
{
    uint32_t         h, i;
    agw_db_group_t  *g;

    h = 2166136261u ^ (uint32_t) bucket ^ (uint32_t) (bucket >> 32);
    h = agw_db_hash(h, ev->key_id);
    h = agw_db_hash(h, ev->model);
    h = agw_db_hash(h, ev->provider);

    for (i = h & (db->ngroups - 1); ; i = (i + 1) & (db->ngroups - 1)) {
        g = &db->groups[i];

        if (!g->used) {
            memset(g, 0, sizeof(*g));
            g->used = 1;
            db->used[db->nused++] = i;
            g->hash = h;
            g->bucket = bucket;
            g->key_id = ev->key_id;
            g->key_name = ev->key_name;
            g->model = ev->model;
            g->provider = ev->provider;
            return g;
        }

        if (g->hash == h && g->bucket == bucket
            && strcmp(g->key_id, ev->key_id) == 0
            && strcmp(g->model, ev->model) == 0
            && strcmp(g->provider, ev->provider) == 0)
        {
            return g;
        }
    }
}


static int64_t
agw_db_nonneg(int64_t v)
{
    return v < 0 ? 0 : v;
}


static void
agw_db_group_add(agw_db_t *db, const agw_event_t *ev)
{
    int              i;
    int64_t          lat;
    agw_db_group_t  *g;
    static const int64_t  bounds[] = AGW_DB_LAT_BOUNDS;

    g = agw_db_group(db, ev, ev->time_ms / 60000 * 60);

    g->key_name = ev->key_name;     /* the latest name wins */
    g->requests++;
    g->errors += agw_event_is_error(ev);
    g->tokens[0] += agw_db_nonneg(ev->prompt_tokens);
    g->tokens[1] += agw_db_nonneg(ev->completion_tokens);
    g->tokens[2] += agw_db_nonneg(ev->cached_tokens);
    g->tokens[3] += agw_db_nonneg(ev->cache_write_tokens);
    g->tokens[4] += agw_db_nonneg(ev->reasoning_tokens);
    g->cost += agw_db_nonneg(ev->cost_micro_usd);

    lat = agw_db_nonneg(ev->latency_ms);
    g->latency_sum += lat;

    if (ev->ttfb_ms >= 0) {
        g->ttfb_sum += ev->ttfb_ms;
        g->ttfb_count++;
    }

    for (i = 0; i < AGW_DB_LAT_BUCKETS - 1 && lat > bounds[i]; i++) {
        /* find the bucket */
    }

    g->hist[i]++;
}


static int
agw_db_upsert(agw_db_t *db, sqlite3_stmt *st, const agw_db_group_t *g,
    int64_t bucket)
{
    int  i, rc;

    sqlite3_bind_int64(st, 1, bucket);
    sqlite3_bind_text(st, 2, g->key_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, g->model, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, g->provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, g->key_name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, g->requests);
    sqlite3_bind_int64(st, 7, g->errors);

    for (i = 0; i < 5; i++) {
        sqlite3_bind_int64(st, 8 + i, g->tokens[i]);
    }

    sqlite3_bind_int64(st, 13, g->cost);
    sqlite3_bind_int64(st, 14, g->latency_sum);
    sqlite3_bind_int64(st, 15, g->ttfb_sum);
    sqlite3_bind_int64(st, 16, g->ttfb_count);

    for (i = 0; i < AGW_DB_LAT_BUCKETS; i++) {
        sqlite3_bind_int64(st, 17 + i, g->hist[i]);
    }

    rc = sqlite3_step(st);
    sqlite3_reset(st);

    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}


/* Events */

/* Appends a string to buf at *len (< size), leaving room for the NUL. */
static void
agw_db_put(char *buf, size_t size, size_t *len, const char *s)
{
    size_t  n;

    n = strlen(s);
    if (n > size - 1 - *len) {
        n = size - 1 - *len;
    }

    memcpy(buf + *len, s, n);
    *len += n;
}


static void
agw_db_put_int(char *buf, size_t size, size_t *len, int64_t v)
{
    char      tmp[24], *p;
    uint64_t  u;

    p = tmp + sizeof(tmp);
    *--p = '\0';
    u = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;

    do {
        *--p = (char) ('0' + u % 10);
        u /= 10;
    } while (u);

    if (v < 0) {
        *--p = '-';
    }

    agw_db_put(buf, size, len, p);
}


/*
 * The tries as a JSON array, provider names escaped; by hand rather than
 * snprintf, which was a measurable part of the drain's CPU.  size must
 * hold AGW_EVENT_MAX_ATTEMPTS fully escaped entries (2048 does).
 */
static void
agw_db_attempts_json(const agw_event_t *ev, char *buf, size_t size)
{
    int                   i, n;
    char                  esc[8];
    size_t                len;
    const char           *p, *end;
    const agw_attempt_t  *a;
    static const char     hex[] = "0123456789abcdef";

    len = 0;
    agw_db_put(buf, size, &len, "[");

    n = ev->n_attempts < AGW_EVENT_MAX_ATTEMPTS ? ev->n_attempts
                                                : AGW_EVENT_MAX_ATTEMPTS;

    for (i = 0; i < n; i++) {
        a = &ev->attempts[i];

        agw_db_put(buf, size, &len, i ? ",{\"provider\":\""
                                      : "{\"provider\":\"");

        end = a->provider + strnlen(a->provider, sizeof(a->provider));

        for (p = a->provider; p < end; p++) {
            if (*p == '"' || *p == '\\') {
                esc[0] = '\\';
                esc[1] = *p;
                esc[2] = '\0';
            } else if ((unsigned char) *p < 0x20) {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[(unsigned char) *p >> 4];
                esc[5] = hex[*p & 0xf];
                esc[6] = '\0';
            } else {
                if (len + 1 < size) {
                    buf[len++] = *p;    /* the usual case, a byte as is */
                }
                continue;
            }
            agw_db_put(buf, size, &len, esc);
        }

        agw_db_put(buf, size, &len, "\",\"status\":");
        agw_db_put_int(buf, size, &len, a->status);
        agw_db_put(buf, size, &len, ",\"latency_ms\":");
        agw_db_put_int(buf, size, &len, a->latency_ms);
        agw_db_put(buf, size, &len, ",\"error_class\":\"");
        agw_db_put(buf, size, &len,
                   agw_event_error_class_name(a->error_class));
        agw_db_put(buf, size, &len, "\"}");
    }

    agw_db_put(buf, size, &len, "]");
    buf[len] = '\0';
}


/* A fixed-size string field of an event, even if not NUL-terminated. */
static void
agw_db_bind_str(sqlite3_stmt *st, int col, const char *s, size_t size)
{
    sqlite3_bind_text(st, col, s, (int) strnlen(s, size), SQLITE_STATIC);
}


static int
agw_db_insert_event(agw_db_t *db, const agw_state_t *st,
    const agw_event_t *ev, char *attempts, size_t attempts_size)
{
    int            rc;
    const char    *dialect, *name;
    sqlite3_stmt  *s = db->insert;

#define STR(col, field)  agw_db_bind_str(s, col, ev->field, sizeof(ev->field))

    dialect = ev->client_dialect < AGW_DIALECT_MAX
              ? agw_dialect_name((agw_dialect_t) ev->client_dialect)
              : "unknown";

    agw_db_attempts_json(ev, attempts, attempts_size);

    sqlite3_bind_int64(s, 1, (int64_t) st->hdr->ring_id);
    sqlite3_bind_int64(s, 2, (int64_t) ev->seq);
    sqlite3_bind_int64(s, 3, ev->time_ms);
    STR(4, request_id);
    STR(5, key_id);
    STR(6, key_name);
    sqlite3_bind_text(s, 7, dialect, -1, SQLITE_STATIC);
    STR(8, model);
    STR(9, route);
    STR(10, provider);
    STR(11, upstream_model);
    sqlite3_bind_int(s, 12, ev->status);
    sqlite3_bind_text(s, 13, agw_event_error_class_name(ev->error_class), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(s, 14, agw_event_cache_status_name(ev->cache_status),
                      -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 15, ev->stream != 0);
    sqlite3_bind_int(s, 16, ev->n_attempts);
    sqlite3_bind_text(s, 17, attempts, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 18, ev->latency_ms);
    sqlite3_bind_int64(s, 19, ev->ttfb_ms);
    sqlite3_bind_int64(s, 20, ev->prompt_tokens);
    sqlite3_bind_int64(s, 21, ev->completion_tokens);
    sqlite3_bind_int64(s, 22, ev->cached_tokens);
    sqlite3_bind_int64(s, 23, ev->cache_write_tokens);
    sqlite3_bind_int64(s, 24, ev->reasoning_tokens);
    sqlite3_bind_int64(s, 25, ev->cost_micro_usd);
    sqlite3_bind_int64(s, 26, (int64_t) ev->bytes_in);
    sqlite3_bind_int64(s, 27, (int64_t) ev->bytes_out);
    STR(28, client_addr);

#undef STR

    if (ev->req_body_len > 0
        && ev->req_body_len <= st->hdr->capture_req_size)
    {
        sqlite3_bind_text(s, 29, (const char *) agw_event_req_body(st, ev),
                          (int) ev->req_body_len, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(s, 29);
    }

    if (ev->resp_body_len > 0
        && ev->resp_body_len <= st->hdr->capture_resp_size)
    {
        sqlite3_bind_text(s, 30, (const char *) agw_event_resp_body(st, ev),
                          (int) ev->resp_body_len, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(s, 30);
    }

    sqlite3_bind_int(s, 31, ev->req_body_truncated != 0);
    sqlite3_bind_int(s, 32, ev->resp_body_truncated != 0);

    name = agw_event_finish_reason_name(ev->finish_reason);
    sqlite3_bind_text(s, 33, name ? name : "", -1, SQLITE_STATIC);
    agw_db_bind_str(s, 34, ev->response_model, sizeof(ev->response_model));

    rc = sqlite3_step(s);
    sqlite3_reset(s);

    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}


static int
agw_db_step_once(sqlite3_stmt *st)
{
    int  rc;

    rc = sqlite3_step(st);
    sqlite3_reset(st);

    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}


int
agw_db_store(agw_db_t *db, const agw_state_t *st, const agw_event_t **evs,
    size_t n, size_t *stored, char *err, size_t errlen)
{
    int              rc;
    char             attempts[2048];
    size_t           i, added;
    uint32_t         g;
    agw_db_group_t  *grp;

    *stored = 0;

    if (n > db->batch_max) {
        snprintf(err, errlen, "batch of %zu events, at most %u", n,
                 db->batch_max);
        return SQLITE_MISUSE;
    }

    rc = agw_db_step_once(db->begin);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "BEGIN IMMEDIATE: %s",
                 sqlite3_errstr(rc));
        return rc;
    }

    for (g = 0; g < db->nused; g++) {
        db->groups[db->used[g]].used = 0;
    }
    db->nused = 0;
    added = 0;

    for (i = 0; i < n; i++) {
        rc = agw_db_insert_event(db, st, evs[i], attempts, sizeof(attempts));
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "INSERT event seq %llu: %s",
                     (unsigned long long) evs[i]->seq,
                     sqlite3_errmsg(db->db));
            goto failed;
        }

        /* 0 changes: this (seq, ring_id) is stored already, by a run
         * killed before it could commit the ring. */
        if (sqlite3_changes(db->db) == 1) {
            added++;
            agw_db_group_add(db, evs[i]);
        }
    }

    for (g = 0; g < db->nused; g++) {
        grp = &db->groups[db->used[g]];

        rc = agw_db_upsert(db, db->up_minute, grp, grp->bucket);
        if (rc == SQLITE_OK) {
            rc = agw_db_upsert(db, db->up_hour, grp,
                               grp->bucket - grp->bucket % 3600);
        }

        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "rollup: %s", sqlite3_errmsg(db->db));
            goto failed;
        }
    }

    rc = agw_db_step_once(db->commit);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "COMMIT: %s", sqlite3_errmsg(db->db));
        goto failed;
    }

    *stored = added;

    return SQLITE_OK;

failed:

    /* SQLITE_FULL and friends may have rolled back already. */
    if (!sqlite3_get_autocommit(db->db)) {
        (void) agw_db_step_once(db->rollback);
    }

    return rc;
}


int64_t
agw_db_purge(agw_db_t *db, int64_t events_before_ms, int64_t minute_before_s,
    char *err, size_t errlen)
{
    int      rc, changed;
    int64_t  total;

    total = 0;

    if (events_before_ms > 0) {
        do {
            sqlite3_bind_int64(db->purge_events, 1, events_before_ms);
            rc = agw_db_step_once(db->purge_events);
            if (rc != SQLITE_OK) {
                snprintf(err, errlen, "purging events: %s",
                         sqlite3_errmsg(db->db));
                return -1;
            }
            changed = sqlite3_changes(db->db);
            total += changed;
        } while (changed == AGW_DB_PURGE_CHUNK);
    }

    if (minute_before_s > 0) {
        sqlite3_bind_int64(db->purge_minute, 1, minute_before_s);
        rc = agw_db_step_once(db->purge_minute);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "purging minute rollups: %s",
                     sqlite3_errmsg(db->db));
            return -1;
        }
    }

    return total;
}
