/*
 * metrics_bench: what counting one request in the Prometheus counters
 * costs (agw_metrics_observe(), the log phase's work for
 * ai_gateway_metrics): wall-clock ns per request on one core, and, under
 * callgrind, instructions per request.
 *
 * The table holds what a busy gateway's does: KEYS keys x ROUTES routes x
 * 2 dialects x 2 status classes, the label values as long as real ones,
 * all counted once before timing so that every observe finds its series
 * (the steady state: a new label set is claimed once in a series' life).
 * Requests then go round those label sets in a scattered order, so the
 * caches see a table, not one hot entry.
 *
 *   metrics_bench [--smoke] [REQUESTS]
 *
 * Prints "ns_per_request N" (the best of 5 runs).  Under callgrind
 * (scripts/bench-instructions) the measured loop is one profile dump,
 * named "observe|REQUESTS".  Run by scripts/bench-instructions.
 */

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/callgrind.h>

#include "agw_metrics.h"

#define KEYS     50
#define ROUTES   4
#define SETS     (KEYS * ROUTES * 2 * 2)


static char  names[SETS][3][48];


static void
labels(agw_metrics_obs_t *o, unsigned i)
{
    static const char *const  dialects[] = { "openai", "anthropic" };
    static const char *const  classes[] = { "2xx", "4xx" };

    o->labels[AGW_ML_KEY].data = names[i][0];
    o->labels[AGW_ML_KEY].len = strlen(names[i][0]);
    o->labels[AGW_ML_MODEL].data = names[i][1];
    o->labels[AGW_ML_MODEL].len = strlen(names[i][1]);
    o->labels[AGW_ML_PROVIDER].data = names[i][2];
    o->labels[AGW_ML_PROVIDER].len = strlen(names[i][2]);
    o->labels[AGW_ML_DIALECT].data = dialects[(i / (KEYS * ROUTES)) & 1];
    o->labels[AGW_ML_DIALECT].len = strlen(o->labels[AGW_ML_DIALECT].data);
    o->labels[AGW_ML_ENDPOINT].data = "chat";
    o->labels[AGW_ML_ENDPOINT].len = 4;
    o->labels[AGW_ML_STATUS].data = classes[i / (KEYS * ROUTES * 2)];
    o->labels[AGW_ML_STATUS].len = 3;

    o->duration_ms = 200 + (int64_t) (i % 3000);
    o->ttfb_ms = 50 + (int64_t) (i % 700);
    o->input = 1000;
    o->output = 500;
    o->cached = 400;
    o->cache_write = 0;
    o->reasoning = 200;
    o->cost_micro_usd = 1234;
    o->tries = 1;
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}


int
main(int argc, char **argv)
{
    int                 run, runs, smoke;
    void               *base;
    size_t              size;
    unsigned            i, j, n, step;
    double              t, best;
    agw_metrics_t       m;
    agw_metrics_obs_t   o[SETS];

    smoke = argc > 1 && strcmp(argv[1], "--smoke") == 0;
    n = argc > 1 + smoke ? (unsigned) atoi(argv[1 + smoke]) : 2000000;
    if (smoke) {
        n = SETS;
    }

    size = agw_metrics_size_for(AGW_METRICS_SERIES_DEFAULT);
    base = calloc(1, size);
    if (size == 0 || base == NULL) {
        fprintf(stderr, "metrics_bench: no memory\n");
        return 1;
    }

    agw_metrics_init(&m, base, AGW_METRICS_SERIES_DEFAULT);

    for (i = 0; i < SETS; i++) {
        snprintf(names[i][0], sizeof(names[i][0]), "team-%02u-service",
                 i % KEYS);
        snprintf(names[i][1], sizeof(names[i][1]), "gpt-4o-mini-route-%u",
                 (i / KEYS) % ROUTES);
        snprintf(names[i][2], sizeof(names[i][2]), "openai-account-%u",
                 (i / KEYS) % ROUTES);
        labels(&o[i], i);
        agw_metrics_observe(&m, &o[i]);
    }

    if (m.hdr->series_used != SETS) {
        fprintf(stderr, "metrics_bench: %llu series, not %u\n",
                (unsigned long long) m.hdr->series_used, SETS);
        return 1;
    }

    /* a stride prime to SETS: every set once per SETS requests, never the
     * same one twice in a row */
    step = 97;
    runs = RUNNING_ON_VALGRIND || smoke ? 1 : 5;
    best = 0;

    for (run = 0; run < runs; run++) {
        CALLGRIND_ZERO_STATS;
        t = now();

        for (i = 0, j = 0; i < n; i++) {
            agw_metrics_observe(&m, &o[j]);
            j += step;
            if (j >= SETS) {
                j -= SETS;
            }
        }

        t = now() - t;

        if (RUNNING_ON_VALGRIND) {
            char  name[64];

            snprintf(name, sizeof(name), "observe|%u", n);
            CALLGRIND_DUMP_STATS_AT(name);
        }

        if (run == 0 || t < best) {
            best = t;
        }
    }

    printf("series %u\nrequests %u\nns_per_request %.1f\n", SETS, n,
           best * 1e9 / n);

    free(base);

    return 0;
}
