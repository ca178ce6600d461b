/*
 * agw-ringtool: makes, fills and inspects a state file without nginx, for
 * the daemon's tests (t/daemon/1*.t), the benchmark (scripts/bench-ring)
 * and an operator's look at a live file (stats, health).
 *
 *   agw-ringtool create STATE SIZE [CAPTURE_REQ CAPTURE_RESP]
 *   agw-ringtool produce STATE N [--wait] [--keys K] [--tag T] [--age S]
 *   agw-ringtool stats STATE
 *   agw-ringtool health STATE
 *   agw-ringtool limits STATE
 *   agw-ringtool limits-bench STATE REQUESTS
 *   agw-ringtool bench STATE EVENTS_PER_THREAD THREADS
 *   agw-ringtool watch STATE N [TIMEOUT_S]
 *   agw-ringtool bump-keys STATE
 *
 * produce writes N deterministic events (request_id "T-i", key "key-(i%K)",
 * 10 prompt and 5 completion tokens, cost 7 micro-USD each, time S
 * seconds ago) and prints
 * "produced=P dropped=D"; --wait retries a full ring instead of dropping
 * (a test producer may wait; nginx workers never do).  bench produces
 * from THREADS threads into a ring with room (emptied between rounds) and
 * prints the producer cost per event.  watch waits until the consumer has
 * committed N events in all and prints its drain rate (see cmd_watch).
 * limits prints every entry of the limits table, one a line (kind, id,
 * name, the current windows, spend, in flight, totals).  limits-bench
 * times what a request's checks cost: admission against a key with every
 * limit set, a route's and a provider's caps, and the three settlements,
 * and prints the nanoseconds per request.
 * bump-keys moves the keys generation on, as the daemon does after writing
 * a keys snapshot, and prints the new generation: the module's tests
 * publish snapshots of their own with it.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "agw_limits.h"
#include "agw_state.h"


static int64_t
now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}


static int
open_state(agw_state_t *st, const char *path)
{
    char  err[1024];

    if (agw_state_open(st, path, 0, NULL, 0, err, sizeof(err)) != 0) {
        fprintf(stderr, "agw-ringtool: %s\n", err);
        return -1;
    }

    return 0;
}


static size_t
parse_size(const char *s)
{
    char      *end;
    long long  v;

    v = strtoll(s, &end, 10);
    if (v <= 0) {
        return 0;
    }

    switch (*end) {
    case 'k': case 'K':
        v *= 1024;
        break;
    case 'm': case 'M':
        v *= 1024 * 1024;
        break;
    case 'g': case 'G':
        v *= 1024LL * 1024 * 1024;
        break;
    case '\0':
        break;
    default:
        return 0;
    }

    return (size_t) v;
}


static int
cmd_create(int argc, char **argv)
{
    char                err[1024];
    size_t              size;
    agw_state_t         st;
    agw_state_params_t  p;

    if (argc < 4) {
        return 2;
    }

    memset(&p, 0, sizeof(p));
    size = parse_size(argv[3]);
    if (argc >= 6) {
        p.capture_req_size = (uint32_t) atoi(argv[4]);
        p.capture_resp_size = (uint32_t) atoi(argv[5]);
    }

    if (agw_state_open(&st, argv[2], size, &p, 1, err, sizeof(err)) != 0) {
        fprintf(stderr, "agw-ringtool: %s\n", err);
        return 1;
    }

    printf("capacity=%u slot_size=%u\n", st.hdr->capacity, st.slot_size);
    agw_state_close(&st);

    return 0;
}


static void
fill_event(agw_event_t *ev, const char *tag, long i, long keys, long age)
{
    char  buf[64];
    int   n;

    agw_event_init(ev);
    ev->time_ms = ((int64_t) time(NULL) - age) * 1000;
    ev->latency_ms = 100 + i % 900;
    ev->ttfb_ms = 50;
    ev->status = i % 50 == 0 ? 502 : 200;
    ev->error_class = ev->status == 502 ? 8 : 0;
    ev->prompt_tokens = 10;
    ev->completion_tokens = 5;
    ev->cached_tokens = 0;
    ev->cache_write_tokens = 0;
    ev->reasoning_tokens = 0;
    ev->cost_micro_usd = 7;
    ev->bytes_in = 300;
    ev->bytes_out = 600;
    ev->n_attempts = 1;
    ev->client_dialect = 0;
    ev->stream = (uint8_t) (i & 1);

    n = snprintf(buf, sizeof(buf), "%s-%ld", tag, i);
    agw_event_set(ev, request_id, buf, (size_t) n);
    n = snprintf(buf, sizeof(buf), "key-%ld", i % keys);
    agw_event_set(ev, key_id, buf, (size_t) n);
    agw_event_set(ev, key_name, buf, (size_t) n);
    agw_event_set(ev, model, "gpt-4o", 6);
    agw_event_set(ev, route, "chat", 4);
    agw_event_set(ev, provider, "openai", 6);
    agw_event_set(ev, upstream_model, "gpt-4o-2024-08-06", 17);
    agw_event_set(ev, client_addr, "127.0.0.1", 9);
    agw_event_set(ev, attempts[0].provider, "openai", 6);
    ev->attempts[0].status = ev->status;
    ev->attempts[0].latency_ms = (uint32_t) ev->latency_ms;
}


static int
cmd_produce(int argc, char **argv)
{
    int               i, wait;
    long              n, k, keys, age, produced, dropped;
    const char       *tag;
    agw_event_t       ev;
    agw_state_t       st;
    struct timespec   ts = { 0, 1000000 };

    if (argc < 4) {
        return 2;
    }

    n = atol(argv[3]);
    wait = 0;
    keys = 10;
    age = 0;
    tag = "rt";

    for (i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--wait") == 0) {
            wait = 1;
        } else if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc) {
            keys = atol(argv[++i]);
        } else if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc) {
            tag = argv[++i];
        } else if (strcmp(argv[i], "--age") == 0 && i + 1 < argc) {
            age = atol(argv[++i]);
        } else {
            return 2;
        }
    }

    if (keys <= 0 || open_state(&st, argv[2]) != 0) {
        return 1;
    }

    produced = dropped = 0;

    for (k = 0; k < n; k++) {
        fill_event(&ev, tag, k, keys, age);

        /* A test producer may wait for room (alone on the ring, room
         * seen is room had); nginx workers never do. */
        while (wait && agw_ring_fill(&st) >= st.hdr->capacity) {
            nanosleep(&ts, NULL);
        }

        if (agw_ring_produce(&st, &ev, NULL, 0, NULL, 0) == AGW_RING_OK) {
            produced++;
        } else {
            dropped++;
        }
    }

    printf("produced=%ld dropped=%ld\n", produced, dropped);
    agw_state_close(&st);

    return 0;
}


static int
cmd_stats(int argc, char **argv)
{
    agw_state_t        st;
    agw_state_stats_t  s;

    if (argc < 3 || open_state(&st, argv[2]) != 0) {
        return argc < 3 ? 2 : 1;
    }

    agw_state_stats(&st, &s);
    printf("ring_id=%016llx\ncapacity=%llu\nfill=%llu\nproduced=%llu\n"
           "dropped=%llu\nskipped=%llu\nlate=%llu\nconsumed=%llu\n"
           "head=%llu\ntail=%llu\nkeys_generation=%llu\n"
           "consumer_heartbeat_ms=%lld\n",
           (unsigned long long) s.ring_id, (unsigned long long) s.capacity,
           (unsigned long long) s.fill, (unsigned long long) s.produced,
           (unsigned long long) s.dropped, (unsigned long long) s.skipped,
           (unsigned long long) s.late, (unsigned long long) s.consumed,
           (unsigned long long) s.head, (unsigned long long) s.tail,
           (unsigned long long) s.keys_generation,
           (long long) s.consumer_heartbeat_ms);
    agw_state_close(&st);

    return 0;
}


static int
cmd_bump_keys(int argc, char **argv)
{
    agw_state_t  st;

    if (argc < 3 || open_state(&st, argv[2]) != 0) {
        return argc < 3 ? 2 : 1;
    }

    printf("keys_generation=%llu\n",
           (unsigned long long) agw_state_keys_bump(&st));
    agw_state_close(&st);

    return 0;
}


static int
cmd_health(int argc, char **argv)
{
    int           i;
    agw_state_t   st;
    agw_health_t  h;

    if (argc < 3 || open_state(&st, argv[2]) != 0) {
        return argc < 3 ? 2 : 1;
    }

    for (i = 0; i < (int) st.hdr->health_entries; i++) {
        if (agw_health_get(&st, i, &h) == 0) {
            printf("%s requests=%llu failures=%llu consecutive=%u "
                   "last_status=%u cooldown_until_ms=%lld\n", h.name,
                   (unsigned long long) h.requests,
                   (unsigned long long) h.failures, h.consecutive_failures,
                   h.last_status, (long long) h.cooldown_until_ms);
        }
    }

    agw_state_close(&st);

    return 0;
}


static int
cmd_limits(int argc, char **argv)
{
    int                 i, n;
    struct timespec     ts;
    agw_state_t         st;
    agw_limit_usage_t   u;
    static const char  *kinds[] = { "?", "key", "provider", "route" };

    if (argc < 3 || open_state(&st, argv[2]) != 0) {
        return argc < 3 ? 2 : 1;
    }

    clock_gettime(CLOCK_REALTIME, &ts);
    n = (int) agw_limits_entries(&st);

    for (i = 0; i < n; i++) {
        if (agw_limits_usage(&st, i, (int64_t) ts.tv_sec * 1000
                                     + ts.tv_nsec / 1000000, &u) != 0)
        {
            continue;
        }

        printf("%s %s name=%s static=%d rpm=%llu/%llu rph=%llu rpd=%llu "
               "tpm=%llu/%llu in_day=%llu out_day=%llu concurrent=%llu "
               "spend_day=%lld spend_month=%lld spend_total=%lld "
               "reserved_tokens=%llu reserved_cost=%lld requests=%llu "
               "refused=%llu\n",
               kinds[u.kind <= AGW_LIMIT_KIND_ROUTE ? u.kind : 0], u.id,
               u.name, u.is_static,
               (unsigned long long) u.requests_minute,
               (unsigned long long) u.conf.requests_per_minute,
               (unsigned long long) u.requests_hour,
               (unsigned long long) u.requests_day,
               (unsigned long long) u.tokens_minute,
               (unsigned long long) u.conf.tokens_per_minute,
               (unsigned long long) u.input_tokens_day,
               (unsigned long long) u.output_tokens_day,
               (unsigned long long) u.concurrent,
               (long long) u.spend_day, (long long) u.spend_month,
               (long long) u.spend_total,
               (unsigned long long) u.reserved_tokens,
               (long long) u.reserved_cost,
               (unsigned long long) u.requests_total,
               (unsigned long long) u.refused_total);
    }

    agw_state_close(&st);

    return 0;
}


static int
cmd_limits_bench(int argc, char **argv)
{
    int                  idx[3];
    long                 i, n;
    int64_t              t0, t1, now;
    agw_state_t          st;
    struct timespec      ts;
    agw_limit_hold_t     h[3];
    agw_limits_conf_t    conf[3];
    agw_limit_amount_t   want, used;
    agw_limit_verdict_t  v;

    if (argc < 4 || open_state(&st, argv[2]) != 0) {
        return argc < 4 ? 2 : 1;
    }

    n = atol(argv[3]);

    idx[0] = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "bench-key", 9, 1);
    idx[1] = agw_limits_find(&st, AGW_LIMIT_KIND_ROUTE, "bench-route", 11, 1);
    idx[2] = agw_limits_find(&st, AGW_LIMIT_KIND_PROVIDER, "bench-prov", 10,
                             1);
    if (idx[0] < 0 || idx[1] < 0 || idx[2] < 0 || n <= 0) {
        fprintf(stderr, "agw-ringtool: no room in the limits table\n");
        agw_state_close(&st);
        return 1;
    }

    /* every limit set, none reached */
    memset(conf, 0, sizeof(conf));
    conf[0].requests_per_minute = UINT64_MAX / 4;
    conf[0].requests_per_hour = UINT64_MAX / 4;
    conf[0].requests_per_day = UINT64_MAX / 4;
    conf[0].tokens_per_minute = UINT64_MAX / 4;
    conf[0].input_tokens_per_day = UINT64_MAX / 4;
    conf[0].output_tokens_per_day = UINT64_MAX / 4;
    conf[0].concurrent = 1000000;
    conf[0].budget_day = INT64_MAX / 4;
    conf[0].budget_month = INT64_MAX / 4;
    conf[0].budget_total = INT64_MAX / 4;
    conf[1].requests_per_minute = UINT64_MAX / 4;
    conf[1].tokens_per_minute = UINT64_MAX / 4;
    conf[2] = conf[1];

    want.input_tokens = 500;
    want.output_tokens = 4096;
    want.cost = 50000;
    used.input_tokens = 480;
    used.output_tokens = 300;
    used.cost = 9000;

    t0 = now_ns();

    for (i = 0; i < n; i++) {
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;

        (void) agw_limits_admit(&st, idx[0], &conf[0], &want, now, &h[0], &v);
        (void) agw_limits_admit(&st, idx[1], &conf[1], &want, now, &h[1], &v);
        (void) agw_limits_admit(&st, idx[2], &conf[2], &want, now, &h[2], &v);
        agw_limits_settle(&st, &h[2], &used, now);
        agw_limits_settle(&st, &h[1], &used, now);
        agw_limits_settle(&st, &h[0], &used, now);
    }

    t1 = now_ns();

    printf("limit checks: %.0f ns per request (key with every limit, route "
           "and provider caps, admitted and settled; %ld requests)\n",
           (double) (t1 - t0) / n, n);

    agw_state_close(&st);

    return 0;
}


/* bench */

typedef struct {
    agw_state_t  *st;
    long          n;
    long          dropped;
    int64_t       ns;
    int           id;
} bench_arg_t;


static void *
bench_producer(void *data)
{
    long          i;
    int64_t       t0;
    bench_arg_t  *a = data;
    agw_event_t   ev;

    fill_event(&ev, "bench", a->id, 10, 0);
    t0 = now_ns();

    for (i = 0; i < a->n; i++) {
        ev.prompt_tokens = i;
        if (agw_ring_produce(a->st, &ev, NULL, 0, NULL, 0) != AGW_RING_OK) {
            a->dropped++;
        }
    }

    a->ns += now_ns() - t0;

    return NULL;
}


/*
 * Rounds: the threads fill the ring together (timed, each its share),
 * then this thread empties it (not timed), so that every produce finds
 * room, as in a gateway whose daemon keeps up.
 */
static int
cmd_bench(int argc, char **argv)
{
    int                 i, t;
    long                n, done, share, dropped;
    int64_t             ns;
    pthread_t           th[64];
    agw_state_t         st;
    bench_arg_t         args[64];
    agw_ring_reader_t   rd;
    const agw_event_t  *evs[4096];

    if (argc < 5) {
        return 2;
    }

    n = atol(argv[3]);
    t = atoi(argv[4]);
    if (n <= 0 || t <= 0 || t > 64 || open_state(&st, argv[2]) != 0) {
        return 1;
    }

    agw_ring_reader_init(&rd, &st, 0);
    memset(args, 0, sizeof(args));

    for (done = 0; done < n; done += share) {
        share = (long) st.hdr->capacity / t;
        if (share > n - done) {
            share = n - done;
        }

        for (i = 0; i < t; i++) {
            args[i].st = &st;
            args[i].n = share;
            args[i].id = i;
            if (pthread_create(&th[i], NULL, bench_producer, &args[i]) != 0)
            {
                return 1;
            }
        }

        for (i = 0; i < t; i++) {
            pthread_join(th[i], NULL);
        }

        while (agw_ring_consume(&rd, evs, 4096) > 0) {
            agw_ring_commit(&rd);
        }
    }

    ns = 0;
    dropped = 0;
    for (i = 0; i < t; i++) {
        ns += args[i].ns;
        dropped += args[i].dropped;
    }

    printf("producers=%d events=%ld dropped=%ld ns_per_event=%.1f\n", t,
           n * t, dropped, (double) ns / (double) (n * t));
    agw_state_close(&st);

    return 0;
}


/* watch */

/* CPU seconds (user + system, all threads) that process pid used so far;
 * -1 if it cannot be read. */
static double
cpu_seconds_of(pid_t pid)
{
    int                 n;
    char                path[64], buf[1024], *p;
    FILE               *f;
    unsigned long long  ut, st;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);

    f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }

    n = (int) fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);

    if (n <= 0) {
        return -1;
    }

    buf[n] = '\0';

    /* fields after the command, which may hold spaces and parentheses:
     * state is field 3, utime 14, stime 15 */
    p = strrchr(buf, ')');
    if (p == NULL
        || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                  "%llu %llu", &ut, &st) != 2)
    {
        return -1;
    }

    return (double) (ut + st) / (double) sysconf(_SC_CLK_TCK);
}


/* Nanoseconds that the main thread of pid (the daemon's drain) has run,
 * and has waited on a run queue for a core (ready, but other processes
 * had the cores); -1 if they cannot be read. */
static int
sched_of(pid_t pid, double *run_s, double *wait_s)
{
    int                 n;
    char                path[64];
    FILE               *f;
    unsigned long long  run, wait;

    snprintf(path, sizeof(path), "/proc/%d/schedstat", (int) pid);

    f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }

    n = fscanf(f, "%llu %llu", &run, &wait);
    fclose(f);

    if (n != 2) {
        return -1;
    }

    *run_s = (double) run / 1e9;
    *wait_s = (double) wait / 1e9;

    return 0;
}


/*
 * Waits until the consumer has committed n events in all (the counter
 * consumed; the daemon commits the ring only after its SQLite COMMIT, so
 * they are in the database then) and prints the drain rate between the
 * first commit seen after the start and the last one: the consumer's
 * start-up and first batch are left out, so that the figure is the
 * drain's own, in events per wall-clock second and per CPU second of the
 * consumer process (its pid from the heartbeat in the header).  On a
 * shared machine the wall-clock figure also depends on the other load:
 * runq_wait_s says how long the drain thread was ready to run but had
 * no core (drain_thread_cpu_s is the drain thread's own CPU time; the
 * rest of cpu_seconds is the checkpoint thread's).  Polls the shared counter every millisecond: no process is
 * started meanwhile.
 */
static int
cmd_watch(int argc, char **argv)
{
    long              timeout_s;
    int               sched;
    pid_t             pid;
    double            cpu0, cpu1, secs, run0, run1, wait0, wait1;
    int64_t           t_start, t0, t1;
    uint64_t          n, c, c_start, c0;
    agw_state_t       st;
    struct timespec   ts = { 0, 1000000 };

    if (argc < 4) {
        return 2;
    }

    n = strtoull(argv[3], NULL, 10);
    timeout_s = argc >= 5 ? atol(argv[4]) : 600;

    if (n == 0 || timeout_s <= 0 || open_state(&st, argv[2]) != 0) {
        return 1;
    }

    t_start = now_ns();
    c_start = __atomic_load_n(&st.hdr->consumed, __ATOMIC_RELAXED);
    c = c_start;
    c0 = 0;
    t0 = 0;
    pid = 0;
    cpu0 = -1;
    sched = -1;
    run0 = wait0 = run1 = wait1 = 0;

    while (c < n) {
        if (now_ns() - t_start > (int64_t) timeout_s * 1000000000) {
            fprintf(stderr, "agw-ringtool: %llu of %llu events consumed "
                    "after %ld s\n", (unsigned long long) c,
                    (unsigned long long) n, timeout_s);
            agw_state_close(&st);
            return 1;
        }

        nanosleep(&ts, NULL);
        c = __atomic_load_n(&st.hdr->consumed, __ATOMIC_RELAXED);

        if (t0 == 0 && c != c_start) {
            t0 = now_ns();
            c0 = c;
            pid = (pid_t) __atomic_load_n(&st.hdr->consumer_pid,
                                          __ATOMIC_RELAXED);
            cpu0 = cpu_seconds_of(pid);
            sched = sched_of(pid, &run0, &wait0);
        }
    }

    t1 = now_ns();
    cpu1 = cpu_seconds_of(pid);
    if (sched == 0) {
        sched = sched_of(pid, &run1, &wait1);
    }

    if (t0 == 0 || c == c0) {
        /* done before the first poll, or in one commit: no interval */
        t0 = t_start;
        c0 = c_start;
    }

    secs = (double) (t1 - t0) / 1e9;

    printf("events=%llu seconds=%.3f events_per_s=%.0f",
           (unsigned long long) (c - c0), secs, (double) (c - c0) / secs);

    if (cpu0 >= 0 && cpu1 > cpu0) {
        printf(" cpu_seconds=%.2f events_per_cpu_s=%.0f", cpu1 - cpu0,
               (double) (c - c0) / (cpu1 - cpu0));
    }

    if (sched == 0) {
        printf(" drain_thread_cpu_s=%.2f runq_wait_s=%.3f", run1 - run0,
               wait1 - wait0);
    }

    printf(" first_commit_ms=%.0f\n", (double) (t0 - t_start) / 1e6);

    agw_state_close(&st);

    return 0;
}


int
main(int argc, char **argv)
{
    int  rc;

    rc = 2;

    if (argc >= 2) {
        if (strcmp(argv[1], "create") == 0) {
            rc = cmd_create(argc, argv);
        } else if (strcmp(argv[1], "produce") == 0) {
            rc = cmd_produce(argc, argv);
        } else if (strcmp(argv[1], "stats") == 0) {
            rc = cmd_stats(argc, argv);
        } else if (strcmp(argv[1], "health") == 0) {
            rc = cmd_health(argc, argv);
        } else if (strcmp(argv[1], "limits") == 0) {
            rc = cmd_limits(argc, argv);
        } else if (strcmp(argv[1], "limits-bench") == 0) {
            rc = cmd_limits_bench(argc, argv);
        } else if (strcmp(argv[1], "bench") == 0) {
            rc = cmd_bench(argc, argv);
        } else if (strcmp(argv[1], "watch") == 0) {
            rc = cmd_watch(argc, argv);
        } else if (strcmp(argv[1], "bump-keys") == 0) {
            rc = cmd_bump_keys(argc, argv);
        }
    }

    if (rc == 2) {
        fprintf(stderr, "usage: agw-ringtool create STATE SIZE [CREQ CRESP]"
                "\n       agw-ringtool produce STATE N [--wait] [--keys K] "
                "[--tag T] [--age S]\n"
                "       agw-ringtool stats|health|limits STATE\n"
                "       agw-ringtool limits-bench STATE REQUESTS\n"
                "       agw-ringtool bench STATE EVENTS_PER_THREAD THREADS\n"
                "       agw-ringtool watch STATE N [TIMEOUT_S]\n"
                "       agw-ringtool bump-keys STATE\n");
    }

    return rc;
}
