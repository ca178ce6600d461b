/*
 * The limits table (agw_limits.h) in one process, on a clock the test
 * drives: windows that end, reservations, settlement, growth mid-stream,
 * the daemon's readings and seeding.
 */

#include <stdlib.h>
#include <sys/mman.h>

#include "agw_limits.h"
#include "agw_state.h"
#include "tap.h"

/* 2026-01-31 23:59:30 UTC: a minute, an hour, a day and a month end 30 s
 * later, so one step of the clock crosses every window. */
#define T0  1769903970000LL


static void
state_new(agw_state_t *st, uint32_t entries)
{
    char                err[256];
    void               *base;
    size_t              size;
    agw_state_params_t  p = { 4, 0, 0, entries };

    size = agw_state_size_for(&p, p.capacity);
    base = mmap(NULL, size, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED || agw_state_init(base, size, &p, err,
                                             sizeof(err)) != 0)
    {
        printf("Bail out! state: %s\n", base == MAP_FAILED ? "mmap" : err);
        exit(2);
    }

    agw_state_attach(st, base, size);
}


static agw_limit_amount_t
amount(uint64_t in, uint64_t out, int64_t cost)
{
    agw_limit_amount_t  a;

    a.input_tokens = in;
    a.output_tokens = out;
    a.cost = cost;
    return a;
}


static void
test_windows(void)
{
    is_int(agw_limits_window_month(T0) + 1,
           agw_limits_window_month(T0 + 30000), "January then February");
    is_int(agw_limits_month_end_ms(T0), T0 + 30000,
           "the month ends at midnight");
    is_int(agw_limits_month_end_ms(1767225600000LL),   /* 2026-01-01 */
           1769904000000LL, "from its first millisecond too");
    is_int(agw_limits_month_end_ms(1733011200000LL - 1), /* 2024-11-30 */
           1733011200000LL, "November ends on December 1st");
    is_int(agw_limits_month_end_ms(1706745600000LL),   /* 2024-02-01 */
           1709251200000LL, "a leap February has 29 days");
    ok(agw_limits_window_day(T0) != agw_limits_window_day(T0 + 30000),
       "the day changes at midnight");
}


static void
test_find(void)
{
    int          a, b, c, i, n;
    char         id[16];
    agw_state_t  st;

    state_new(&st, 8);

    is_int(agw_limits_entries(&st), 8, "entries as formatted");
    is_int(agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "k1", 2, 0), -1,
           "not there before it is added");

    a = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "k1", 2, 1);
    b = agw_limits_find(&st, AGW_LIMIT_KIND_PROVIDER, "k1", 2, 1);
    c = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "k1", 2, 0);

    ok(a >= 0 && b >= 0 && a != b, "a key and a provider of one name "
       "are two entries");
    is_int(c, a, "found again");

    n = 2;
    for (i = 0; i < 10; i++) {
        snprintf(id, sizeof(id), "x%d", i);
        if (agw_limits_find(&st, AGW_LIMIT_KIND_ROUTE, id, strlen(id), 1)
            >= 0)
        {
            n++;
        }
    }

    is_int(n, 8, "the table fills and then refuses");
    is_int(agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "k1", 2, 1), a,
           "a full table still finds its entries");
    is_int(agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "", 0, 1), -1,
           "an empty id is refused");
}


static void
test_requests(void)
{
    int                  idx, i, admitted;
    agw_state_t          st;
    agw_limit_hold_t     h;
    agw_limits_conf_t    conf;
    agw_limit_amount_t   a;
    agw_limit_verdict_t  v;
    agw_limit_usage_t    u;

    state_new(&st, 16);
    idx = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "k", 1, 1);

    memset(&conf, 0, sizeof(conf));
    conf.requests_per_minute = 3;
    conf.requests_per_hour = 5;
    a = amount(0, 0, 0);

    admitted = 0;
    for (i = 0; i < 4; i++) {
        if (agw_limits_admit(&st, idx, &conf, &a, T0 - 60000, &h, &v) == 0) {
            admitted++;
            is_int(v.requests_limit, 3, "headers: the minute is tightest");
            is_int(v.requests_remaining, 2 - i, "remaining counts down");
            agw_limits_settle(&st, &h, NULL, T0 - 60000);
        }
    }

    is_int(admitted, 3, "three a minute");
    is_int(v.which, AGW_LIMIT_REQUESTS_MINUTE, "the fourth: per minute");
    is_int(v.retry_after_ms, 30000, "retry when the minute ends");
    is_int(v.requests_reset_ms, T0 - 30000, "reset at the minute's end");

    /* the next minute: two more, then the hour refuses */
    admitted = 0;
    for (i = 0; i < 3; i++) {
        if (agw_limits_admit(&st, idx, &conf, &a, T0, &h, &v) == 0) {
            admitted++;
            agw_limits_settle(&st, &h, NULL, T0);
        }
    }

    is_int(admitted, 2, "a new minute, but the hour has two left");
    is_int(v.which, AGW_LIMIT_REQUESTS_HOUR, "refused per hour");
    is_int(v.requests_remaining, 0, "none remaining");

    /* 30 s later every window is new */
    ok(agw_limits_admit(&st, idx, &conf, &a, T0 + 30000, &h, &v) == 0,
       "a new hour admits again, without anything resetting it");
    agw_limits_settle(&st, &h, NULL, T0 + 30000);

    agw_limits_usage(&st, idx, T0 + 30000, &u);
    is_int(u.requests_minute, 1, "reading: one this minute");
    is_int(u.requests_total, 6, "six admitted in all");
    is_int(u.refused_total, 2, "two refused");
    is_int(u.concurrent, 0, "none in flight");

    agw_limits_usage(&st, idx, T0 + 120000, &u);
    is_int(u.requests_minute, 0, "a minute later the reading is 0");
}


static void
test_concurrent(void)
{
    int                  idx;
    agw_state_t          st;
    agw_limit_hold_t     h1, h2, h3;
    agw_limits_conf_t    conf;
    agw_limit_amount_t   a;
    agw_limit_verdict_t  v;
    agw_limit_usage_t    u;

    state_new(&st, 16);
    idx = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "k", 1, 1);

    memset(&conf, 0, sizeof(conf));
    conf.concurrent = 2;
    a = amount(10, 10, 0);

    ok(agw_limits_admit(&st, idx, &conf, &a, T0, &h1, &v) == 0
       && agw_limits_admit(&st, idx, &conf, &a, T0, &h2, &v) == 0,
       "two at once");
    is_int(agw_limits_admit(&st, idx, &conf, &a, T0, &h3, &v), 1,
           "the third waits");
    is_int(v.which, AGW_LIMIT_CONCURRENT, "for a slot");
    ok(v.retry_after_ms > 0, "with a retry time");

    agw_limits_settle(&st, &h1, NULL, T0);
    agw_limits_settle(&st, &h1, NULL, T0);
    agw_limits_usage(&st, idx, T0, &u);
    is_int(u.concurrent, 1, "settling twice frees one slot only");

    ok(agw_limits_admit(&st, idx, &conf, &a, T0, &h3, &v) == 0,
       "a freed slot admits");
    agw_limits_settle(&st, &h2, NULL, T0);
    agw_limits_settle(&st, &h3, NULL, T0);
    agw_limits_usage(&st, idx, T0, &u);
    is_int(u.concurrent, 0, "all released");
}


static void
test_budget(void)
{
    int                  idx;
    agw_state_t          st;
    agw_limit_hold_t     h1, h2;
    agw_limits_conf_t    conf;
    agw_limit_amount_t   a, used;
    agw_limit_verdict_t  v;
    agw_limit_usage_t    u;

    state_new(&st, 16);
    idx = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "k", 1, 1);

    memset(&conf, 0, sizeof(conf));
    conf.budget_day = 1000;
    conf.budget_total = 2500;

    a = amount(100, 100, 600);

    ok(agw_limits_admit(&st, idx, &conf, &a, T0 - 60000, &h1, &v) == 0,
       "600 of 1000 reserved");
    is_int(agw_limits_admit(&st, idx, &conf, &a, T0 - 60000, &h2, &v), 1,
           "a second 600 would pass the day's budget: refused");
    is_int(v.which, AGW_LIMIT_BUDGET_DAY, "per day");
    is_int(v.retry_after_ms, 90000, "retry at midnight");

    agw_limits_usage(&st, idx, T0 - 60000, &u);
    is_int(u.spend_day, 600, "the reservation counts in the day");
    is_int(u.reserved_cost, 600, "and is shown apart");

    used = amount(50, 20, 250);
    agw_limits_settle(&st, &h1, &used, T0 - 60000);
    agw_limits_usage(&st, idx, T0 - 60000, &u);
    is_int(u.spend_day, 250, "settled to the real cost");
    is_int(u.spend_month, 250, "in the month");
    is_int(u.spend_total, 250, "and in total");
    is_int(u.output_tokens_day, 20, "output tokens too");
    is_int(u.reserved_cost, 0, "nothing reserved any more");

    ok(agw_limits_admit(&st, idx, &conf, &a, T0 - 60000, &h2, &v) == 0,
       "now 600 more fit in the day");

    /* it settles after midnight: its reservation left with the old day */
    agw_limits_settle(&st, &h2, &used, T0 + 30000);
    agw_limits_usage(&st, idx, T0 + 30000, &u);
    is_int(u.spend_day, 250, "the new day counts what it cost");
    is_int(u.spend_month, 250, "so does the new month");
    is_int(u.spend_total, 500, "the total everything");

    agw_limits_usage(&st, idx, T0 - 60000, &u);
    is_int(u.spend_day, 0, "the old day is gone (a reading of it is 0)");

    /* the total budget: 2500, 500 spent */
    conf.budget_day = 2000;
    a = amount(0, 0, 1000);
    ok(agw_limits_admit(&st, idx, &conf, &a, T0 + 30000, &h1, &v) == 0,
       "1000 of the day");
    agw_limits_settle(&st, &h1, &a, T0 + 30000);
    ok(agw_limits_admit(&st, idx, &conf, &a, T0 + 86430000, &h1, &v) == 0,
       "1000 of the next day: 2500 in total");
    agw_limits_settle(&st, &h1, &a, T0 + 86430000);

    a = amount(0, 0, 0);
    is_int(agw_limits_admit(&st, idx, &conf, &a, T0 + 2 * 86400000LL, &h1,
                            &v), 1, "a spent total refuses even a request "
           "that reserves nothing");
    is_int(v.which, AGW_LIMIT_BUDGET_TOTAL, "per total budget");
    is_int(v.retry_after_ms, 0, "no retry time: it will not free itself");
}


static void
test_tokens_and_extend(void)
{
    int                  idx;
    agw_state_t          st;
    agw_limit_hold_t     h;
    agw_limits_conf_t    conf;
    agw_limit_amount_t   a, used;
    agw_limit_verdict_t  v;
    agw_limit_usage_t    u;

    state_new(&st, 16);
    idx = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "k", 1, 1);

    memset(&conf, 0, sizeof(conf));
    conf.tokens_per_minute = 1000;
    conf.budget_day = 500;

    a = amount(100, 300, 200);
    ok(agw_limits_admit(&st, idx, &conf, &a, T0, &h, &v) == 0, "admitted");
    is_int(v.tokens_limit, 1000, "headers: tokens per minute");
    is_int(v.tokens_remaining, 600, "400 reserved of 1000");

    used = amount(100, 250, 150);
    is_int(agw_limits_extend(&st, &h, &conf, &used, T0, &v), 0,
           "within the reservation: nothing to grow");

    used = amount(100, 500, 350);
    is_int(agw_limits_extend(&st, &h, &conf, &used, T0, &v), 0,
           "past it but within the limits: grown");
    agw_limits_usage(&st, idx, T0, &u);
    is_int(u.tokens_minute, 600, "the window holds the grown reservation");
    is_int(u.spend_day, 350, "the day too");

    used = amount(100, 800, 560);
    is_int(agw_limits_extend(&st, &h, &conf, &used, T0, &v), 1,
           "crossing the budget mid-answer is reported");
    is_int(v.which, AGW_LIMIT_BUDGET_DAY, "which budget");
    agw_limits_usage(&st, idx, T0, &u);
    is_int(u.spend_day, 350, "a refused growth leaves nothing taken");
    is_int(u.tokens_minute, 600, "in any window");

    agw_limits_settle(&st, &h, &used, T0);
    agw_limits_usage(&st, idx, T0, &u);
    is_int(u.spend_day, 560, "settling counts what was used all the same");
    is_int(u.tokens_minute, 900, "tokens too");
    is_int(u.reserved_tokens, 0, "nothing in flight");
}


static void
test_describe_and_seed(void)
{
    int                  idx, i, seeders;
    agw_state_t          st;
    agw_limits_conf_t    conf;
    agw_limit_usage_t    u;

    state_new(&st, 16);

    seeders = 0;
    for (i = 0; i < 3; i++) {
        seeders += agw_limits_seed_begin(&st);
    }
    is_int(seeders, 1, "one seeder per formatted file");

    is_int(agw_limits_seed(&st, "key-1", 5, "alice", 5, 70, 900, 12345, T0),
           0, "seeded");
    idx = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "key-1", 5, 0);
    ok(idx >= 0, "the seed claimed the key's entry");

    agw_limits_usage(&st, idx, T0, &u);
    is_int(u.spend_day, 70, "day spend seeded");
    is_int(u.spend_month, 900, "month spend seeded");
    is_int(u.spend_total, 12345, "total spend seeded");
    is_str(u.name, "alice", "named");
    is_str(u.id, "key-1", "by id");
    is_int(u.kind, AGW_LIMIT_KIND_KEY, "a key");

    agw_limits_usage(&st, idx, T0 + 30000, &u);
    is_int(u.spend_day, 0, "the seeded day ends with the day");
    is_int(u.spend_total, 12345, "the total stays");

    memset(&conf, 0, sizeof(conf));
    conf.requests_per_minute = 7;
    conf.budget_month = 5000000;
    agw_limits_describe(&st, idx, "alice-renamed", 13, 1, &conf);
    agw_limits_usage(&st, idx, T0, &u);
    is_str(u.name, "alice-renamed", "renamed");
    ok(u.is_static, "static");
    is_int(u.conf.requests_per_minute, 7, "its limits for the dashboard");
    is_int(u.conf.budget_month, 5000000, "budgets too");

    ok(agw_limits_usage(&st, (idx + 1) % 16, T0, &u) == -1,
       "a free entry has no reading");
}


static void
test_caps_only(void)
{
    int                  idx;
    agw_state_t          st;
    agw_limit_hold_t     h;
    agw_limits_conf_t    conf;
    agw_limit_amount_t   a, used;
    agw_limit_verdict_t  v;
    agw_limit_usage_t    u;

    state_new(&st, 16);
    idx = agw_limits_find(&st, AGW_LIMIT_KIND_PROVIDER, "p", 1, 1);

    memset(&conf, 0, sizeof(conf));
    conf.requests_per_minute = 10;
    a = amount(100, 100, 500);
    used = amount(50, 20, 100);

    ok(agw_limits_admit(&st, idx, &conf, &a, T0, &h, &v) == 0, "admitted");
    agw_limits_settle(&st, &h, &used, T0);
    agw_limits_usage(&st, idx, T0, &u);
    is_int(u.requests_minute, 1, "a provider's capped window counts");
    is_int(u.tokens_minute, 0, "what it has no cap on is not kept");
    is_int(u.spend_total, 0, "nor its spend");
    is_int(u.requests_total, 1, "admitted requests are");

    conf.tokens_per_minute = 1000;
    ok(agw_limits_admit(&st, idx, &conf, &a, T0, &h, &v) == 0, "admitted");
    agw_limits_usage(&st, idx, T0, &u);
    is_int(u.tokens_minute, 200, "a token cap keeps tokens: reserved");
    agw_limits_settle(&st, &h, &used, T0);
    agw_limits_usage(&st, idx, T0, &u);
    is_int(u.tokens_minute, 70, "then settled");
}


/*
 * A month's budget frees itself when the month ends: at the year's end
 * too, and after the clock went back (the month of a day is cached).
 */
static void
test_budget_month(void)
{
    int                  idx;
    agw_state_t          st;
    agw_limit_hold_t     h;
    agw_limits_conf_t    conf;
    agw_limit_amount_t   a;
    agw_limit_verdict_t  v;

    /* 2026-12-31 23:00:00 UTC, then 2026-02-15 12:00:00 UTC */
    const int64_t  dec31 = 1798758000000LL, feb15 = 1771156800000LL;

    state_new(&st, 16);
    idx = agw_limits_find(&st, AGW_LIMIT_KIND_KEY, "m", 1, 1);

    memset(&conf, 0, sizeof(conf));
    conf.budget_month = 100;
    a = amount(0, 0, 200);

    is_int(agw_limits_admit(&st, idx, &conf, &a, dec31, &h, &v), 1,
           "over the month's budget");
    is_int(v.which, AGW_LIMIT_BUDGET_MONTH, "per month");
    is_int(v.retry_after_ms, 3600000, "retry when the year ends");

    is_int(agw_limits_admit(&st, idx, &conf, &a, feb15, &h, &v), 1,
           "refused again, earlier in the year");
    is_int(v.retry_after_ms, (int64_t) 13 * 86400000 + 43200000,
           "retry on March 1st, not at the cached month's end");

    is_int(agw_limits_admit(&st, idx, &conf, &a, T0, &h, &v), 1,
           "refused on January 31st");
    is_int(v.retry_after_ms, 30000, "retry on February 1st");
}


int
main(void)
{
    test_windows();
    test_find();
    test_requests();
    test_concurrent();
    test_budget();
    test_tokens_and_extend();
    test_describe_and_seed();
    test_caps_only();
    test_budget_month();

    return done_testing();
}
