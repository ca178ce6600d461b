/*
 * drain: the loop that moves events from the shared ring into SQLite.
 *
 * The order is what makes it safe: read a batch in place, store it in one
 * transaction, and only after COMMIT succeeded free the slots and advance
 * the ring's head (agw_ring_commit).  So:
 *   - killed anywhere, the daemon restarts at the old head and stores the
 *     same events again, which the unique (seq, ring_id) turns into no-ops;
 *   - when SQLite is busy (another writer) or full (disk, or the size cap),
 *     the batch is rolled back, the reader rewound, and the events wait in
 *     the ring while we retry with a growing pause; the ring overflowing
 *     meanwhile is counted by the producers as drops, nothing else is lost.
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "daemon.h"
#include "db.h"
#include "otlp.h"

#define AGW_DRAIN_BACKOFF_MIN_MS  50
#define AGW_DRAIN_BACKOFF_MAX_MS  2000


/* Sleeps ms unless a signal asks us to stop meanwhile. */
static void
agw_drain_sleep(agw_daemon_t *d, uint32_t ms)
{
    struct timespec  ts;

    if (d->stop) {
        return;
    }

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long) (ms % 1000) * 1000000;

    (void) nanosleep(&ts, NULL);   /* EINTR on a signal: fine */
}


/*
 * Fault injection for the tests (t/daemon/100-drain-kill.t): with
 * AGW_TEST_CRASH_AFTER_COMMITS=N in the environment, the daemon kills
 * itself with SIGKILL right after its Nth SQLite COMMIT, before it commits
 * the ring: the exact window the unique (seq, ring_id) exists for.
 */
static void
agw_drain_fault_point(void)
{
    static long   countdown = -1;
    const char   *s;

    if (countdown == -1) {
        s = getenv("AGW_TEST_CRASH_AFTER_COMMITS");
        countdown = s != NULL ? atol(s) : 0;
        if (countdown <= 0) {
            countdown = 0;
        }
    }

    if (countdown > 0 && --countdown == 0) {
        agw_daemon_log("AGW_TEST_CRASH_AFTER_COMMITS: killing myself "
                       "between the database and the ring commit");
        raise(SIGKILL);
    }
}


/* One batch: 1 stored and committed, 0 ring empty, -1 store failed. */
static int
agw_drain_batch(agw_daemon_t *d, agw_ring_reader_t *rd,
    const agw_event_t **evs, int *failing)
{
    int     rc;
    char    err[512];
    size_t  n, stored;

    n = agw_ring_consume(rd, evs, d->batch_size);
    if (n == 0) {
        return 0;
    }

    rc = agw_db_store(d->db, &d->state, evs, n, &stored, err, sizeof(err));

    if (rc != SQLITE_OK) {
        agw_ring_rewind(rd);
        __atomic_add_fetch(&d->store_failures, 1, __ATOMIC_RELAXED);

        if (!*failing) {
            agw_daemon_log("storing %zu events failed (%s): they wait in "
                           "the ring, retrying", n, err);
            *failing = 1;
            /* for the health check (api_health.c) */
            __atomic_store_n(&d->store_failing_ms, agw_daemon_now_ms(),
                             __ATOMIC_RELAXED);
        }

        return -1;
    }

    agw_drain_fault_point();

    /* copies, before the commit frees the slots; never waits */
    if (d->otlp != NULL) {
        agw_otlp_enqueue(d->otlp, evs, n);
    }

    agw_ring_commit(rd);

    if (stored < n) {
        agw_daemon_log("%zu of %zu events were stored already (a run "
                       "stopped between its database and ring commits)",
                       n - stored, n);
    }

    __atomic_add_fetch(&d->stored, stored, __ATOMIC_RELAXED);
    __atomic_store_n(&d->last_drain_ms, agw_daemon_now_ms(),
                     __ATOMIC_RELAXED);

    if (*failing) {
        agw_daemon_log("storing works again");
        *failing = 0;
        __atomic_store_n(&d->store_failing_ms, 0, __ATOMIC_RELAXED);
    }

    return 1;
}


/*
 * nginx recreated the state file (the operator removed an incompatible
 * one, or /dev/shm was emptied): our mapping is the old, unlinked file.
 * Once the old ring is empty and no old worker has written to it for a
 * while, ask main to restart us on the new file.  Returns 1 then.
 */
static int
agw_drain_state_replaced(agw_daemon_t *d, int64_t now)
{
    struct stat       sb;
    static int64_t    next_check, quiet_since;
    static uint64_t   last_tail;
    uint64_t          tail;

    if (now < next_check) {
        return 0;
    }

    next_check = now + 1000;

    if (stat(d->state_path, &sb) != 0
        || (sb.st_dev == d->state_dev && sb.st_ino == d->state_ino))
    {
        quiet_since = 0;
        return 0;
    }

    tail = __atomic_load_n(&d->state.hdr->tail, __ATOMIC_RELAXED);

    if (quiet_since == 0 || tail != last_tail
        || agw_ring_fill(&d->state) != 0)
    {
        quiet_since = now;
        last_tail = tail;
        return 0;
    }

    if (now - quiet_since < AGW_DAEMON_SWITCH_QUIET_MS) {
        return 0;
    }

    agw_daemon_log("state file %s was recreated and the old ring is "
                   "drained: restarting on the new one", d->state_path);

    return 1;
}


static void
agw_drain_purge(agw_daemon_t *d, int64_t now)
{
    char     err[256];
    int64_t  n;

    n = agw_db_purge(d->db,
                     d->retention_s ? now - d->retention_s * 1000 : 0,
                     d->minute_retention_s
                         ? now / 1000 - d->minute_retention_s : 0,
                     err, sizeof(err));

    if (n < 0) {
        agw_daemon_log("retention purge: %s", err);

    } else if (n > 0) {
        agw_daemon_log("retention purge: %lld events deleted", (long long) n);
    }
}


int
agw_drain_run(agw_daemon_t *d)
{
    int                 rc, failing;
    int64_t             now, next_purge, deadline;
    uint32_t            backoff;
    agw_state_stats_t   s;
    agw_ring_reader_t   rd;
    const agw_event_t **evs;

    evs = calloc(d->batch_size, sizeof(agw_event_t *));
    if (evs == NULL) {
        agw_daemon_log("out of memory");
        return -1;
    }

    agw_ring_reader_init(&rd, &d->state, d->stall_ms);
    agw_state_stats(&d->state, &s);
    agw_daemon_log("draining ring %016llx (%llu slots, %llu waiting, "
                   "%llu dropped so far) into %s",
                   (unsigned long long) s.ring_id,
                   (unsigned long long) s.capacity,
                   (unsigned long long) s.fill,
                   (unsigned long long) s.dropped, d->db_path);

    failing = 0;
    backoff = 0;
    next_purge = 0;

    while (!d->stop) {
        if (d->reload) {
            d->reload = 0;
            if (agw_daemon_reload_config(d) == 0) {
                agw_db_set_max_bytes(d->db, d->max_db_bytes);
                agw_daemon_log("configuration reloaded");
            }
        }

        now = agw_daemon_now_ms();
        agw_state_consumer_heartbeat(&d->state, now);

        rc = agw_drain_batch(d, &rd, evs, &failing);

        if (rc > 0) {
            backoff = 0;
            continue;
        }

        if (rc < 0) {
            backoff = backoff ? backoff * 2 : AGW_DRAIN_BACKOFF_MIN_MS;
            if (backoff > AGW_DRAIN_BACKOFF_MAX_MS) {
                backoff = AGW_DRAIN_BACKOFF_MAX_MS;
            }
            agw_drain_sleep(d, backoff);
            continue;
        }

        /* Idle: the ring is empty. */
        if (agw_drain_state_replaced(d, now)) {
            d->reexec = 1;
            d->stop = 1;
            break;
        }

        if (now >= next_purge) {
            agw_drain_purge(d, now);
            next_purge = now + AGW_DAEMON_PURGE_EVERY_MS;
        }

        agw_drain_sleep(d, d->poll_ms);
    }

    /* Stopping: store what the ring holds now, within a bound; whatever
     * is left stays in the ring for the next start. */
    deadline = agw_daemon_now_ms() + AGW_DAEMON_STOP_FLUSH_MS;

    while (agw_daemon_now_ms() < deadline) {
        rc = agw_drain_batch(d, &rd, evs, &failing);
        if (rc == 0) {
            break;
        }
        if (rc < 0) {
            /* d->stop is set: agw_drain_sleep() would not pause. */
            struct timespec  ts = { 0, AGW_DRAIN_BACKOFF_MIN_MS * 1000000L };
            (void) nanosleep(&ts, NULL);
        }
    }

    agw_state_stats(&d->state, &s);
    agw_daemon_log("stopped: %llu events stored, %llu left in the ring",
                   (unsigned long long) __atomic_load_n(&d->stored,
                                                        __ATOMIC_RELAXED),
                   (unsigned long long) s.fill);

    free(evs);

    return 0;
}
