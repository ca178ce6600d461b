/*
 * The limits table under contention: threads and forked processes hammer
 * one entry; the totals must come out exact, and a budget overrun no
 * larger than what the requests in flight used beyond their reservations.
 */

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agw_limits.h"
#include "agw_state.h"
#include "tap.h"

#define T0        1769900000000LL
#define THREADS   8
#define ROUNDS    20000
#define PROCS     4


static agw_state_t  st;
static int          idx;


static void
state_new(void)
{
    char                err[256];
    void               *base;
    size_t              size;
    agw_state_params_t  p = { 4, 0, 0, 64 };

    size = agw_state_size_for(&p, p.capacity);
    base = mmap(NULL, size, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED || agw_state_init(base, size, &p, err,
                                             sizeof(err)) != 0)
    {
        printf("Bail out! state\n");
        exit(2);
    }

    agw_state_attach(&st, base, size);
}


/* What the threads share besides the table: their own accounts. */
typedef struct {
    agw_limits_conf_t  conf;
    int64_t            reserve;     /* each request's reservation */
    int64_t            max_excess;  /* its use may pass it by this much */
    unsigned           seed;
    uint64_t           admitted;
    int64_t            spent;       /* what it settled */
    uint64_t          *in_flight;   /* shared: admitted, not settled */
    uint64_t          *max_in_flight;
} worker_t;


static void *
worker(void *data)
{
    worker_t             *w = data;
    int                   i;
    uint64_t              n, m;
    agw_limit_hold_t      h;
    agw_limit_amount_t    want, used;
    agw_limit_verdict_t   v;

    want.input_tokens = 10;
    want.output_tokens = 20;
    want.cost = w->reserve;

    for (i = 0; i < ROUNDS; i++) {
        if (agw_limits_admit(&st, idx, &w->conf, &want, T0, &h, &v) != 0) {
            continue;
        }

        n = __atomic_add_fetch(w->in_flight, 1, __ATOMIC_SEQ_CST);
        m = __atomic_load_n(w->max_in_flight, __ATOMIC_SEQ_CST);
        while (n > m
               && !__atomic_compare_exchange_n(w->max_in_flight, &m, n, 0,
                                               __ATOMIC_SEQ_CST,
                                               __ATOMIC_SEQ_CST))
        {
            /* m reloaded */
        }

        used.input_tokens = rand_r(&w->seed) % 11;
        used.output_tokens = rand_r(&w->seed) % 21;
        used.cost = rand_r(&w->seed)
                    % (w->reserve + w->max_excess + 1);

        w->admitted++;
        w->spent += used.cost;

        /* stay in flight a moment, so that others admit meanwhile */
        for (n = rand_r(&w->seed) % 4; n > 0; n--) {
            sched_yield();
        }

        __atomic_sub_fetch(w->in_flight, 1, __ATOMIC_SEQ_CST);
        agw_limits_settle(&st, &h, &used, T0);
    }

    return NULL;
}


static void
run_threads(const char *name, int64_t budget, int64_t reserve,
    int64_t max_excess)
{
    int                i;
    char               id[32];
    uint64_t           admitted, in_flight, max_in_flight;
    int64_t            spent;
    pthread_t          t[THREADS];
    worker_t           w[THREADS];
    agw_limit_usage_t  u;

    snprintf(id, sizeof(id), "threads-%s", name);
    idx = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, id, strlen(id), 1);

    in_flight = 0;
    max_in_flight = 0;

    for (i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].conf.budget_total = budget;
        w[i].conf.budget_day = budget;
        w[i].conf.concurrent = THREADS / 2;
        w[i].reserve = reserve;
        w[i].max_excess = max_excess;
        w[i].seed = (unsigned) i * 7919 + 1;
        w[i].in_flight = &in_flight;
        w[i].max_in_flight = &max_in_flight;
        pthread_create(&t[i], NULL, worker, &w[i]);
    }

    admitted = 0;
    spent = 0;

    for (i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        admitted += w[i].admitted;
        spent += w[i].spent;
    }

    agw_limits_usage(&st, idx, T0, &u);

    tap_diag("%s: %llu admitted, %lld spent of %lld, %llu at most in "
             "flight", name, (unsigned long long) admitted,
             (long long) spent, (long long) budget,
             (unsigned long long) max_in_flight);

    ok(admitted > 0, "%s: some admitted", name);
    is_int(u.requests_total, admitted, "requests counted exactly");
    is_int(u.spend_total, spent, "total spend exactly what was settled");
    is_int(u.spend_day, spent, "the day's too");
    is_int(u.concurrent, 0, "every slot freed");
    is_int(u.reserved_cost, 0, "nothing left reserved");
    is_int(u.reserved_tokens, 0, "no tokens left reserved");
    ok(max_in_flight <= THREADS / 2, "%s: never more in flight than the "
       "concurrency limit", name);
    ok(spent <= budget + (int64_t) max_in_flight * max_excess,
       "%s: the overrun stays within what the requests in flight used "
       "beyond their reservations", name);
}


/* Forked processes: every one counts in the same request window. */
static void
test_processes(void)
{
    int                  i, j, fd[2], status;
    pid_t                pid;
    uint64_t             mine, total;
    agw_limit_hold_t     h;
    agw_limits_conf_t    conf;
    agw_limit_amount_t   want;
    agw_limit_verdict_t  v;
    agw_limit_usage_t    u;

    idx = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "procs", 5, 1);

    memset(&conf, 0, sizeof(conf));
    conf.requests_per_minute = 5000;
    conf.tokens_per_minute = 1000000;
    memset(&want, 0, sizeof(want));
    want.input_tokens = 7;

    if (pipe(fd) == -1) {
        printf("Bail out! pipe\n");
        exit(2);
    }

    for (i = 0; i < PROCS; i++) {
        pid = fork();

        if (pid == 0) {
            agw_state_after_fork(&st);
            mine = 0;
            for (j = 0; j < ROUNDS; j++) {
                if (agw_limits_admit(&st, idx, &conf, &want, T0, &h, &v)
                    == 0)
                {
                    mine++;
                    agw_limits_settle(&st, &h, &want, T0);
                }
            }
            if (write(fd[1], &mine, sizeof(mine)) != sizeof(mine)) {
                _exit(1);
            }
            _exit(0);
        }
    }

    close(fd[1]);

    total = 0;
    for (i = 0; i < PROCS; i++) {
        if (read(fd[0], &mine, sizeof(mine)) == sizeof(mine)) {
            total += mine;
        }
        wait(&status);
    }

    close(fd[0]);

    agw_limits_usage(&st, idx, T0, &u);

    is_int(total, 5000, "processes: exactly the minute's limit admitted");
    is_int(u.requests_minute, 5000, "and counted");
    is_int(u.tokens_minute, 5000 * 7, "their tokens exactly");
    is_int(u.refused_total, PROCS * ROUNDS - 5000, "every other refused");
    is_int(u.concurrent, 0, "no slot left taken");
}


int
main(void)
{
    state_new();

    /* uses within their reservations: never over the budget */
    run_threads("exact", 3000000, 1000, 0);
    /* uses past them: over by no more than the excess in flight */
    run_threads("excess", 3000000, 1000, 500);

    test_processes();

    return done_testing();
}
