/*
 * test_metrics: the shared request counters (agw_metrics.h): series by
 * label set, histograms, the "__other__" fold past the bound, processes
 * adding at once, re-attaching after a reload, and the text format.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "agw_metrics.h"


static void *
area(uint32_t series_max)
{
    size_t  size;
    void   *p;

    size = agw_metrics_size_for(series_max);
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
             -1, 0);

    return p == MAP_FAILED ? NULL : p;
}


static void
obs(agw_metrics_obs_t *o, const char *key, const char *model,
    const char *provider)
{
    static const char  *rest[] = { "openai", "chat", "2xx" };
    unsigned            i;

    memset(o, 0, sizeof(*o));
    o->labels[AGW_ML_KEY].data = key;
    o->labels[AGW_ML_KEY].len = strlen(key);
    o->labels[AGW_ML_MODEL].data = model;
    o->labels[AGW_ML_MODEL].len = strlen(model);
    o->labels[AGW_ML_PROVIDER].data = provider;
    o->labels[AGW_ML_PROVIDER].len = strlen(provider);

    for (i = 0; i < 3; i++) {
        o->labels[AGW_ML_DIALECT + i].data = rest[i];
        o->labels[AGW_ML_DIALECT + i].len = strlen(rest[i]);
    }

    o->tries = 1;
    o->ttfb_ms = -1;
    o->cost_micro_usd = -1;
}


static char *
render(agw_metrics_t *m)
{
    agw_buf_t  b = AGW_BUF_INIT;

    if (agw_metrics_render(m, &b) != 0 || agw_buf_append(&b, "", 1) != 0) {
        agw_buf_free(&b);
        return NULL;
    }

    return b.data;
}


static int
has(const char *text, const char *line)
{
    return text && strstr(text, line) != NULL;
}


static unsigned
count_of(const char *text, const char *s)
{
    unsigned     n;
    const char  *p;

    for (n = 0, p = text; p && (p = strstr(p, s)) != NULL; p++) {
        n++;
    }

    return n;
}


#define S(k, m, p)                                                           \
    "{key=\"" k "\",model=\"" m "\",provider=\"" p "\",dialect=\"openai\","   \
    "endpoint=\"chat\",status=\"2xx\"}"


static void
test_series(void)
{
    char               *t;
    void               *base;
    agw_metrics_t       m;
    agw_metrics_obs_t   o;

    base = area(16);
    ok(base != NULL, "an area for 16 series");
    agw_metrics_init(&m, base, 16);

    obs(&o, "alice", "gpt", "p1");
    o.input = 100;
    o.output = 20;
    o.cached = 40;
    o.reasoning = 5;
    o.cost_micro_usd = 1250;
    o.duration_ms = 300;
    o.ttfb_ms = 80;
    agw_metrics_observe(&m, &o);

    o.tries = 3;
    o.cost_micro_usd = 2000000;
    o.duration_ms = 700000;
    o.ttfb_ms = -1;
    agw_metrics_observe(&m, &o);

    obs(&o, "bob", "gpt", "p1");
    agw_metrics_observe(&m, &o);

    t = render(&m);
    ok(t != NULL, "rendered");
    ok(has(t, "# TYPE ai_gateway_requests_total counter\n"), "TYPE line");
    ok(has(t, "ai_gateway_requests_total" S("alice", "gpt", "p1") " 2\n"),
       "two requests of alice");
    ok(has(t, "ai_gateway_requests_total" S("bob", "gpt", "p1") " 1\n"),
       "one of bob");
    ok(has(t, "ai_gateway_tries_total" S("alice", "gpt", "p1") " 4\n"),
       "tries added");
    ok(has(t, "ai_gateway_failovers_total" S("alice", "gpt", "p1") " 2\n"),
       "failovers are the tries after the first");
    ok(has(t, "ai_gateway_cost_usd_total" S("alice", "gpt", "p1")
              " 2.001250\n"), "cost in dollars");
    ok(has(t, "ai_gateway_unpriced_requests_total" S("bob", "gpt", "p1")
              " 0\n"), "no tokens, nothing unpriced");
    ok(has(t, "ai_gateway_tokens_total{key=\"alice\",model=\"gpt\","
              "provider=\"p1\",dialect=\"openai\",endpoint=\"chat\","
              "status=\"2xx\",type=\"input\"} 200\n"), "input tokens");
    ok(has(t, "type=\"reasoning\"} 10\n"), "reasoning tokens");

    ok(has(t, "ai_gateway_request_duration_seconds_bucket{model=\"gpt\","
              "provider=\"p1\",le=\"0.25\"} 1\n"), "0.25 s bucket: bob");
    ok(has(t, "ai_gateway_request_duration_seconds_bucket{model=\"gpt\","
              "provider=\"p1\",le=\"0.5\"} 2\n"), "buckets are cumulative");
    ok(has(t, "ai_gateway_request_duration_seconds_bucket{model=\"gpt\","
              "provider=\"p1\",le=\"600\"} 2\n"), "700 s is past 600");
    ok(has(t, "ai_gateway_request_duration_seconds_bucket{model=\"gpt\","
              "provider=\"p1\",le=\"+Inf\"} 3\n"), "+Inf has all");
    ok(has(t, "ai_gateway_request_duration_seconds_count{model=\"gpt\","
              "provider=\"p1\"} 3\n"), "count");
    ok(has(t, "ai_gateway_request_duration_seconds_sum{model=\"gpt\","
              "provider=\"p1\"} 700.300\n"), "sum in seconds");
    ok(has(t, "ai_gateway_time_to_first_byte_seconds_count{model=\"gpt\","
              "provider=\"p1\"} 1\n"), "no first byte, no observation");
    ok(has(t, "ai_gateway_time_to_first_byte_seconds_bucket{model=\"gpt\","
              "provider=\"p1\",le=\"0.1\"} 1\n"), "80 ms under 0.1 s");
    ok(has(t, "ai_gateway_metrics_series{table=\"requests\"} 2\n"),
       "two label sets");
    ok(!has(t, "=\"__other__\""), "nothing folded, no __other__ series");

    free(t);
    munmap(base, agw_metrics_size_for(16));
}


static void
test_fold_and_attach(void)
{
    char               *t, key[32];
    void               *base;
    unsigned            i;
    agw_metrics_t       m, m2;
    agw_metrics_obs_t   o;

    base = area(16);
    agw_metrics_init(&m, base, 16);

    for (i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "k%u", i);
        obs(&o, key, "gpt", "p1");
        agw_metrics_observe(&m, &o);
        agw_metrics_observe(&m, &o);
    }

    /* a label value past what an entry holds folds too */
    memset(key, 'x', sizeof(key));
    obs(&o, "k0", "gpt", "p1");
    o.labels[AGW_ML_MODEL].data = (char *) base;   /* 300 bytes of zeroes */
    o.labels[AGW_ML_MODEL].len = 300;
    agw_metrics_observe(&m, &o);

    t = render(&m);
    ok(has(t, "ai_gateway_metrics_series{table=\"requests\"} 16\n"),
       "the table stops at its bound");
    ok(has(t, "ai_gateway_requests_total" S("k15", "gpt", "p1") " 2\n"),
       "the 16th key has its own series");
    ok(!has(t, "key=\"k16\""), "the 17th has none");
    ok(has(t, "ai_gateway_requests_total{key=\"__other__\","
              "model=\"__other__\",provider=\"__other__\","
              "dialect=\"__other__\",endpoint=\"__other__\","
              "status=\"__other__\"} 9\n"), "the rest under __other__");
    ok(has(t, "ai_gateway_metrics_folded_total{table=\"requests\"} 9\n"),
       "folded requests counted");
    is_int(count_of(t, "ai_gateway_requests_total{"), 17,
           "16 series and __other__");
    ok(has(t, "ai_gateway_metrics_series{table=\"histograms\"} 1\n"),
       "one histogram label set (long model folded)");
    free(t);

    /* a reload: the same area, the same bound */
    ok(agw_metrics_attach(&m2, base, 16) == 0, "re-attached");
    obs(&o, "k3", "gpt", "p1");
    agw_metrics_observe(&m2, &o);
    t = render(&m2);
    ok(has(t, "ai_gateway_requests_total" S("k3", "gpt", "p1") " 3\n"),
       "counting goes on where it was");
    free(t);

    ok(agw_metrics_attach(&m2, base, 32) == -1,
       "another bound does not attach");
    memset(base, 0, 64);
    ok(agw_metrics_attach(&m2, base, 16) == -1,
       "an unformatted area does not attach");

    munmap(base, agw_metrics_size_for(16));
}


static void
test_processes(void)
{
    char               *t, key[32], want[256];
    void               *base;
    pid_t               pid[4];
    unsigned            i, j, n, status_ok;
    agw_metrics_t       m;
    agw_metrics_obs_t   o;

    base = area(64);
    agw_metrics_init(&m, base, 64);

    /* four processes add the same 8 label sets at once: each set gets
       one entry, and no request is lost */
    for (i = 0; i < 4; i++) {
        pid[i] = fork();
        if (pid[i] == 0) {
            for (n = 0; n < 5000; n++) {
                snprintf(key, sizeof(key), "key%u", n % 8);
                obs(&o, key, "m", "p");
                o.output = 2;
                agw_metrics_observe(&m, &o);
            }
            _exit(0);
        }
    }

    status_ok = 1;
    for (i = 0; i < 4; i++) {
        int  st;

        if (pid[i] < 0 || waitpid(pid[i], &st, 0) != pid[i]
            || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        {
            status_ok = 0;
        }
    }

    ok(status_ok, "four processes added");

    t = render(&m);
    ok(has(t, "ai_gateway_metrics_series{table=\"requests\"} 8\n"),
       "one entry per label set");

    for (j = 0; j < 8; j++) {
        snprintf(want, sizeof(want),
                 "ai_gateway_requests_total{key=\"key%u\",model=\"m\","
                 "provider=\"p\",dialect=\"openai\",endpoint=\"chat\","
                 "status=\"2xx\"} 2500\n", j);
        if (!ok(has(t, want), "key%u: 4 x 625 requests", j)) {
            break;
        }
    }

    ok(has(t, "ai_gateway_request_duration_seconds_count{model=\"m\","
              "provider=\"p\"} 20000\n"), "every request observed");
    free(t);
    munmap(base, agw_metrics_size_for(64));
}


/*
 * A claimer that died between claiming an entry and marking it ready (its
 * labels half written): the next request of that label set waits a
 * bounded time, marks the entry dead and takes another; the dead one is
 * never shown and never waited on again.
 */

static void
test_dead_claimer(void)
{
    char               *t;
    void               *base;
    uint32_t           *ready;
    unsigned char      *p, *end;
    agw_metrics_t       m;
    agw_metrics_obs_t   o;

    base = area(16);
    agw_metrics_init(&m, base, 16);

    obs(&o, "deadkey", "gpt", "p1");
    agw_metrics_observe(&m, &o);

    /* its entry: hash (8 bytes), ready (4), labels_len (2), pad (2), then
       the labels, the key first as (length byte, bytes) */
    ready = NULL;
    end = (unsigned char *) base + agw_metrics_size_for(16) - 8;
    for (p = base; p < end; p++) {
        if (p[0] == 7 && memcmp(p + 1, "deadkey", 7) == 0) {
            ready = (uint32_t *) (p - 16 + 8);
            break;
        }
    }

    ok(ready != NULL && *ready == 1, "the entry is found, ready");
    if (ready == NULL) {
        return;
    }

    *ready = 0;                     /* as its claimer left it */

    agw_metrics_observe(&m, &o);
    is_int(*ready, 2, "the next request marked it dead");
    agw_metrics_observe(&m, &o);

    t = render(&m);
    ok(has(t, "ai_gateway_requests_total" S("deadkey", "gpt", "p1") " 2\n"),
       "the label set counts on in a new entry");
    is_int(count_of(t, "ai_gateway_requests_total{"), 1,
           "the dead entry is not shown");
    ok(has(t, "ai_gateway_metrics_folded_total{table=\"requests\"} 0\n"),
       "nothing folded");
    free(t);
    munmap(base, agw_metrics_size_for(16));
}


static void
test_escaping(void)
{
    agw_buf_t  b = AGW_BUF_INIT;

    ok(agw_metrics_label(&b, "key", "a\"b\\c\nd", 7) == 0
       && agw_buf_append(&b, "", 1) == 0, "label written");
    ok(b.data && strcmp(b.data, "key=\"a\\\"b\\\\c\\nd\"") == 0,
       "quote, backslash and newline escaped");
    agw_buf_free(&b);

    ok(agw_metrics_size_for(15) == 0, "below the least bound");
    ok(agw_metrics_size_for(AGW_METRICS_SERIES_MAX + 1) == 0,
       "above the greatest");
}


int
main(void)
{
    test_series();
    test_fold_and_attach();
    test_processes();
    test_dead_claimer();
    test_escaping();

    return done_testing();
}
