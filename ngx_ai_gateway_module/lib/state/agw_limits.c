/*
 * agw_limits: the limits table of the state file (layout in agw_limits.h)
 * and the names of the limits a request can meet.
 *
 * A windowed counter is one 64-bit word: the low AGW_WIN_SHIFT bits count,
 * the high bits hold the id of the UTC window counted (modulo 2^24; only
 * equality matters, and an id comes back after 31 years of minutes).  A
 * word whose window is not the current one counts 0.  Adding to it is one
 * CAS loop: read, compute the current window's count, check the limit,
 * CAS.  So admission never takes a lock, and a reservation is checked and
 * taken in the same CAS: two requests cannot both see the last unit free.
 *
 * Admission takes each counter in turn (concurrency, requests, tokens,
 * spend) and gives back those already taken when a later one refuses: in
 * between, a concurrent request may be refused by a count that is then
 * given back (conservative), never admitted over a limit.
 *
 * Atomic pairings: counters are relaxed (each word is its own truth, no
 * data is published through them).  An entry's state READY is stored with
 * release after its kind and id, and loaded with acquire before they are
 * compared (as the health entries, agw_state.c H).
 */

#include <stdint.h>
#include <string.h>

#include "agw_limits.h"
#include "agw_state.h"

#define AGW_WIN_SHIFT        40
#define AGW_WIN_COUNT_MAX    (((uint64_t) 1 << AGW_WIN_SHIFT) - 1)
#define AGW_WIN_ID_MASK      ((1u << (64 - AGW_WIN_SHIFT)) - 1)

#define AGW_LIMIT_FREE       0
#define AGW_LIMIT_CLAIMING   1
#define AGW_LIMIT_READY      2

#define AGW_LIMIT_SPINS      100000

#define MINUTE_MS            60000LL
#define HOUR_MS              3600000LL
#define DAY_MS               86400000LL

#define RLX  __ATOMIC_RELAXED
#define ACQ  __ATOMIC_ACQUIRE
#define REL  __ATOMIC_RELEASE
#define AR   __ATOMIC_ACQ_REL


typedef struct {
    uint32_t           state;          /* FREE, CLAIMING, READY */
    uint32_t           kind;
    uint32_t           is_static;
    uint32_t           pad;
    char               id[AGW_LIMITS_ID_SIZE];
    char               name[AGW_LIMITS_NAME_SIZE];
    agw_limits_conf_t  conf;           /* for readers; checks use their own */

    /* windowed: (window id << AGW_WIN_SHIFT) | count */
    uint64_t           req_minute;
    uint64_t           req_hour;
    uint64_t           req_day;
    uint64_t           tok_minute;
    uint64_t           in_day;
    uint64_t           out_day;
    uint64_t           cost_day;       /* micro-USD */
    uint64_t           cost_month;

    int64_t            cost_total;
    uint64_t           concurrent;
    uint64_t           reserved_tokens;
    int64_t            reserved_cost;
    uint64_t           requests_total;
    uint64_t           refused_total;
    int64_t            last_used_ms;
} agw_limit_entry_t;

_Static_assert(sizeof(agw_limit_entry_t) == AGW_LIMITS_ENTRY_SIZE,
               "limits entry changed: bump AGW_STATE_VERSION");


/* Which windowed counter a step of admission takes. */
typedef struct {
    size_t             off;            /* of the word in the entry */
    agw_limit_which_t  which;
    int                window;         /* 0 minute, 1 hour, 2 day, 3 month */
} agw_limit_counter_t;


const char *
agw_limit_name(agw_limit_which_t which)
{
    static const char *const  names[] = {
        "none",
        "requests_per_minute",
        "requests_per_hour",
        "requests_per_day",
        "tokens_per_minute",
        "input_tokens_per_day",
        "output_tokens_per_day",
        "concurrent",
        "budget_day",
        "budget_month",
        "budget_total",
        "table_full"
    };

    if ((unsigned) which >= sizeof(names) / sizeof(names[0])) {
        return "unknown";
    }

    return names[which];
}


/* Windows */

uint32_t
agw_limits_window_minute(int64_t now_ms)
{
    return (uint32_t) (now_ms / MINUTE_MS) & AGW_WIN_ID_MASK;
}


uint32_t
agw_limits_window_hour(int64_t now_ms)
{
    return (uint32_t) (now_ms / HOUR_MS) & AGW_WIN_ID_MASK;
}


uint32_t
agw_limits_window_day(int64_t now_ms)
{
    return (uint32_t) (now_ms / DAY_MS) & AGW_WIN_ID_MASK;
}


/* The civil year and month (1..12) of a day since the epoch (Howard
 * Hinnant's days_from_civil, inverted). */
static void
agw_limits_civil(int64_t days, int64_t *year, int *month)
{
    int64_t   z, era, doe, yoe, doy, mp;

    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    *month = (int) (mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}


static int64_t
agw_limits_days_from_civil(int64_t y, int m)
{
    int64_t  era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


uint32_t
agw_limits_window_month(int64_t now_ms)
{
    int      month;
    int64_t  year;

    agw_limits_civil(now_ms / DAY_MS, &year, &month);

    return (uint32_t) (year * 12 + month - 1) & AGW_WIN_ID_MASK;
}


int64_t
agw_limits_month_end_ms(int64_t now_ms)
{
    int      month;
    int64_t  year;

    agw_limits_civil(now_ms / DAY_MS, &year, &month);

    if (month == 12) {
        year++;
        month = 1;

    } else {
        month++;
    }

    return agw_limits_days_from_civil(year, month) * DAY_MS;
}


/* The window ids of now, indexed as agw_limit_counter_t.window. */
typedef struct {
    uint32_t  id[4];
    int64_t   end_ms[4];
} agw_limit_now_t;


/*
 * The month of a day is worked out once a day per process: the civil
 * calendar costs more than every check of a request together.  One word,
 * the day and its month (year * 12 + month - 1), read and written with
 * relaxed atomics: any value read is a consistent pair, and a race only
 * computes it twice.  Not thread-local storage: in a module nginx loads,
 * that is allocated by the dynamic loader and held past the worker's exit.
 */
static uint64_t  agw_limits_month_cache;


static void
agw_limits_now(int64_t now_ms, agw_limit_now_t *n)
{
    int       month;
    int64_t   day, year, months;
    uint64_t  cached;

    day = now_ms / DAY_MS;

    cached = __atomic_load_n(&agw_limits_month_cache, __ATOMIC_RELAXED);

    if (cached != 0 && (int64_t) (cached >> 32) == day) {
        months = (int64_t) (uint32_t) cached;

    } else {
        agw_limits_civil(day, &year, &month);
        months = year * 12 + month - 1;
        __atomic_store_n(&agw_limits_month_cache,
                         ((uint64_t) (uint32_t) day << 32)
                         | (uint32_t) months, __ATOMIC_RELAXED);
    }

    n->id[0] = agw_limits_window_minute(now_ms);
    n->id[1] = agw_limits_window_hour(now_ms);
    n->id[2] = (uint32_t) day & AGW_WIN_ID_MASK;
    n->id[3] = (uint32_t) months & AGW_WIN_ID_MASK;
    n->end_ms[0] = (now_ms / MINUTE_MS + 1) * MINUTE_MS;
    n->end_ms[1] = (now_ms / HOUR_MS + 1) * HOUR_MS;
    n->end_ms[2] = (day + 1) * DAY_MS;
    /* the first day of the next month */
    n->end_ms[3] = agw_limits_days_from_civil((months + 1) / 12,
                                              (int) ((months + 1) % 12) + 1)
                   * DAY_MS;
}


/* Windowed words */

static uint64_t
agw_win_count(uint64_t word, uint32_t win)
{
    return (uint32_t) (word >> AGW_WIN_SHIFT) == win
           ? word & AGW_WIN_COUNT_MAX : 0;
}


static uint64_t
agw_win_word(uint32_t win, uint64_t count)
{
    if (count > AGW_WIN_COUNT_MAX) {
        count = AGW_WIN_COUNT_MAX;
    }

    return ((uint64_t) win << AGW_WIN_SHIFT) | count;
}


/*
 * Adds n to the count of window win if the result stays within limit (0:
 * none).  Returns 1 and the count before in *before, or 0 (nothing done)
 * with the count in *before.
 */
static int
agw_win_take(uint64_t *w, uint32_t win, uint64_t n, uint64_t limit,
    uint64_t *before)
{
    uint64_t  old, cur;

    old = __atomic_load_n(w, RLX);

    for ( ;; ) {
        cur = agw_win_count(old, win);
        *before = cur;

        if (limit && (cur + n > limit || cur + n < cur)) {
            return 0;
        }

        if (__atomic_compare_exchange_n(w, &old, agw_win_word(win, cur + n),
                                        0, RLX, RLX))
        {
            return 1;
        }
    }
}


/*
 * Replaces sub by add in the count of window win, where sub was taken in
 * window was: if the window moved on since, the reservation left with the
 * old window and add alone counts in the new one.  Never refuses.
 */
static void
agw_win_settle(uint64_t *w, uint32_t win, uint32_t was, uint64_t sub,
    uint64_t add)
{
    uint64_t  old, cur;

    old = __atomic_load_n(w, RLX);

    for ( ;; ) {
        cur = agw_win_count(old, win);

        if (win == was) {
            cur = cur > sub ? cur - sub : 0;
        }

        cur += add;

        if (__atomic_compare_exchange_n(w, &old, agw_win_word(win, cur),
                                        0, RLX, RLX))
        {
            return;
        }
    }
}


/* Entries */

static agw_limit_entry_t *
agw_limits_at(const agw_state_t *st, int idx)
{
    if (idx < 0 || (uint32_t) idx >= st->hdr->limits_entries) {
        return NULL;
    }

    return (agw_limit_entry_t *) (st->limits
                                  + (size_t) idx * AGW_LIMITS_ENTRY_SIZE);
}


uint32_t
agw_limits_entries(const agw_state_t *st)
{
    return st->hdr->limits_entries;
}


static uint32_t
agw_limits_hash(agw_limit_kind_t kind, const char *id, size_t len)
{
    size_t    i;
    uint32_t  h = 2166136261u;          /* FNV-1a */

    h = (h ^ (uint32_t) kind) * 16777619u;

    for (i = 0; i < len; i++) {
        h = (h ^ (unsigned char) id[i]) * 16777619u;
    }

    return h;
}


int
agw_limits_find(agw_state_t *st, agw_limit_kind_t kind, const char *id,
    size_t len, int add)
{
    int                 spins;
    uint32_t            n, h, i, state, expect;
    agw_limit_entry_t  *e;

    if (len == 0 || len >= AGW_LIMITS_ID_SIZE) {
        return -1;
    }

    n = st->hdr->limits_entries;
    h = agw_limits_hash(kind, id, len) % n;

    /* Open addressing as the health table: entries are never released,
     * so a FREE entry ends the probe. */
    for (i = 0; i < n; i++) {
        e = agw_limits_at(st, (int) ((h + i) % n));

        for (spins = 0; spins < AGW_LIMIT_SPINS; spins++) {
            state = __atomic_load_n(&e->state, ACQ);

            if (state == AGW_LIMIT_CLAIMING) {
                continue;               /* a few bytes being written */
            }

            if (state == AGW_LIMIT_READY) {
                if (e->kind == (uint32_t) kind
                    && memcmp(e->id, id, len) == 0 && e->id[len] == '\0')
                {
                    return (int) ((h + i) % n);
                }
                break;
            }

            if (!add) {
                return -1;
            }

            expect = AGW_LIMIT_FREE;
            if (__atomic_compare_exchange_n(&e->state, &expect,
                                            AGW_LIMIT_CLAIMING, 0, AR, ACQ))
            {
                e->kind = (uint32_t) kind;
                memset(e->id, 0, sizeof(e->id));
                memcpy(e->id, id, len);
                __atomic_store_n(&e->state, AGW_LIMIT_READY, REL);
                return (int) ((h + i) % n);
            }
        }
    }

    return -1;
}


void
agw_limits_describe(agw_state_t *st, int idx, const char *name, size_t len,
    int is_static, const agw_limits_conf_t *conf)
{
    agw_limit_entry_t  *e;

    e = agw_limits_at(st, idx);
    if (e == NULL) {
        return;
    }

    if (len >= AGW_LIMITS_NAME_SIZE) {
        len = AGW_LIMITS_NAME_SIZE - 1;
    }

    /* A reader may see a name half rewritten (a key renamed): names are
     * for display only, and stay NUL-terminated. */
    if (name != NULL
        && (memcmp(e->name, name, len) != 0 || e->name[len] != '\0'))
    {
        memcpy(e->name, name, len);
        memset(e->name + len, 0, sizeof(e->name) - len);
    }

    if (__atomic_load_n(&e->is_static, RLX) != (uint32_t) !!is_static) {
        __atomic_store_n(&e->is_static, (uint32_t) !!is_static, RLX);
    }

    if (conf != NULL && memcmp(&e->conf, conf, sizeof(*conf)) != 0) {
        __atomic_store_n(&e->conf.requests_per_minute,
                         conf->requests_per_minute, RLX);
        __atomic_store_n(&e->conf.requests_per_hour,
                         conf->requests_per_hour, RLX);
        __atomic_store_n(&e->conf.requests_per_day,
                         conf->requests_per_day, RLX);
        __atomic_store_n(&e->conf.tokens_per_minute,
                         conf->tokens_per_minute, RLX);
        __atomic_store_n(&e->conf.input_tokens_per_day,
                         conf->input_tokens_per_day, RLX);
        __atomic_store_n(&e->conf.output_tokens_per_day,
                         conf->output_tokens_per_day, RLX);
        __atomic_store_n(&e->conf.concurrent, conf->concurrent, RLX);
        __atomic_store_n(&e->conf.budget_day, conf->budget_day, RLX);
        __atomic_store_n(&e->conf.budget_month, conf->budget_month, RLX);
        __atomic_store_n(&e->conf.budget_total, conf->budget_total, RLX);
    }
}


/* Admission */

#define AGW_COUNTER(field, which, window)                                    \
    { offsetof(agw_limit_entry_t, field), which, window }

/* The request windows, in the order they are taken. */
static const agw_limit_counter_t  agw_limit_requests[] = {
    AGW_COUNTER(req_minute, AGW_LIMIT_REQUESTS_MINUTE, 0),
    AGW_COUNTER(req_hour, AGW_LIMIT_REQUESTS_HOUR, 1),
    AGW_COUNTER(req_day, AGW_LIMIT_REQUESTS_DAY, 2)
};


static uint64_t *
agw_limits_word(agw_limit_entry_t *e, size_t off)
{
    return (uint64_t *) ((unsigned char *) e + off);
}


static uint64_t
agw_limits_conf_of(const agw_limits_conf_t *conf, agw_limit_which_t which)
{
    switch (which) {
    case AGW_LIMIT_REQUESTS_MINUTE:
        return conf->requests_per_minute;
    case AGW_LIMIT_REQUESTS_HOUR:
        return conf->requests_per_hour;
    case AGW_LIMIT_REQUESTS_DAY:
        return conf->requests_per_day;
    case AGW_LIMIT_TOKENS_MINUTE:
        return conf->tokens_per_minute;
    case AGW_LIMIT_INPUT_TOKENS_DAY:
        return conf->input_tokens_per_day;
    case AGW_LIMIT_OUTPUT_TOKENS_DAY:
        return conf->output_tokens_per_day;
    case AGW_LIMIT_CONCURRENT:
        return conf->concurrent;
    case AGW_LIMIT_BUDGET_DAY:
        return conf->budget_day > 0 ? (uint64_t) conf->budget_day : 0;
    case AGW_LIMIT_BUDGET_MONTH:
        return conf->budget_month > 0 ? (uint64_t) conf->budget_month : 0;
    case AGW_LIMIT_BUDGET_TOTAL:
        return conf->budget_total > 0 ? (uint64_t) conf->budget_total : 0;
    default:
        return 0;
    }
}


/* The headers' figures: the tightest request and token windows. */
static void
agw_limits_figures(agw_limit_entry_t *e, const agw_limits_conf_t *conf,
    const agw_limit_now_t *now, agw_limit_verdict_t *v)
{
    size_t    i;
    uint64_t  limit, used, left, best;

    v->requests_limit = 0;
    v->requests_remaining = 0;
    v->requests_reset_ms = 0;
    best = UINT64_MAX;

    for (i = 0; i < 3; i++) {
        limit = agw_limits_conf_of(conf, agw_limit_requests[i].which);
        if (limit == 0) {
            continue;
        }

        used = agw_win_count(__atomic_load_n(
                   agw_limits_word(e, agw_limit_requests[i].off), RLX),
                   now->id[agw_limit_requests[i].window]);
        left = used < limit ? limit - used : 0;

        if (left < best) {
            best = left;
            v->requests_limit = limit;
            v->requests_remaining = left;
            v->requests_reset_ms = now->end_ms[agw_limit_requests[i].window];
        }
    }

    v->tokens_limit = conf->tokens_per_minute;
    v->tokens_remaining = 0;
    v->tokens_reset_ms = 0;

    if (v->tokens_limit) {
        used = agw_win_count(__atomic_load_n(&e->tok_minute, RLX), now->id[0]);
        v->tokens_remaining = used < v->tokens_limit
                              ? v->tokens_limit - used : 0;
        v->tokens_reset_ms = now->end_ms[0];
    }
}


/* One windowed step of admission: what it takes and from which limit. */
typedef struct {
    size_t             off;
    agw_limit_which_t  which;
    int                window;
    uint64_t           n;
} agw_limit_take_t;


/*
 * Takes every step within its limit, or none: on a refusal the steps
 * taken are given back and v says which limit refused and when to retry.
 * A step whose window `held` (not NULL) says moved on since the hold only
 * checks (its reservation left with the old window; settling counts the
 * use in the new one).  1: all taken, 0: refused.
 */
static int
agw_limits_take(agw_limit_entry_t *e, agw_limit_take_t *takes, size_t n,
    const agw_limits_conf_t *conf, const agw_limit_now_t *now,
    const uint32_t *held, const uint64_t *held_n, int all, int64_t now_ms,
    agw_limit_verdict_t *v)
{
    size_t     i;
    uint64_t   limit, before, *w;
    uint32_t   win;

    for (i = 0; i < n; i++) {
        limit = agw_limits_conf_of(conf, takes[i].which);
        win = now->id[takes[i].window];
        w = agw_limits_word(e, takes[i].off);

        if (limit == 0 && !all) {
            takes[i].n = 0;         /* not kept for this entry */
            continue;
        }

        if (held != NULL && held[i] != win) {
            takes[i].n = 0;         /* nothing taken: nothing to give back */

            if (limit == 0
                || agw_win_count(__atomic_load_n(w, RLX), win) + held_n[i]
                   <= limit)
            {
                continue;
            }

            goto refused;
        }

        if (takes[i].n == 0 && held == NULL) {
            /* nothing to add: still refused when the limit is reached,
             * so that a spent budget refuses even a free-looking
             * request */
            if (limit == 0
                || agw_win_count(__atomic_load_n(w, RLX), win) < limit)
            {
                continue;
            }

            goto refused;
        }

        if (takes[i].n == 0
            || agw_win_take(w, win, takes[i].n, limit, &before))
        {
            continue;
        }

refused:

        v->which = takes[i].which;
        v->retry_after_ms = now->end_ms[takes[i].window] - now_ms;

        while (i-- > 0) {
            if (takes[i].n) {
                win = now->id[takes[i].window];
                agw_win_settle(agw_limits_word(e, takes[i].off), win, win,
                               takes[i].n, 0);
            }
        }

        return 0;
    }

    return 1;
}


/* The token and spend steps of an amount. */
static size_t
agw_limits_amount_takes(agw_limit_take_t *t, uint64_t in, uint64_t out,
    uint64_t cost)
{
    t[0] = (agw_limit_take_t) { offsetof(agw_limit_entry_t, tok_minute),
                                AGW_LIMIT_TOKENS_MINUTE, 0, in + out };
    t[1] = (agw_limit_take_t) { offsetof(agw_limit_entry_t, in_day),
                                AGW_LIMIT_INPUT_TOKENS_DAY, 2, in };
    t[2] = (agw_limit_take_t) { offsetof(agw_limit_entry_t, out_day),
                                AGW_LIMIT_OUTPUT_TOKENS_DAY, 2, out };
    t[3] = (agw_limit_take_t) { offsetof(agw_limit_entry_t, cost_day),
                                AGW_LIMIT_BUDGET_DAY, 2, cost };
    t[4] = (agw_limit_take_t) { offsetof(agw_limit_entry_t, cost_month),
                                AGW_LIMIT_BUDGET_MONTH, 3, cost };
    return 5;
}


/*
 * The token and spend counters an entry keeps, a bit each in the order of
 * agw_limits_amount_takes(), then the total spend: every one for a key,
 * those with a limit for a provider or a route.
 */
#define AGW_COUNTED_TOTAL  0x20

static uint32_t
agw_limits_counted(const agw_limit_entry_t *e, const agw_limits_conf_t *conf)
{
    if (e->kind == AGW_LIMIT_KIND_KEY) {
        return 0x3f;
    }

    return (conf->tokens_per_minute ? 0x01 : 0)
           | (conf->input_tokens_per_day ? 0x02 : 0)
           | (conf->output_tokens_per_day ? 0x04 : 0)
           | (conf->budget_day > 0 ? 0x08 : 0)
           | (conf->budget_month > 0 ? 0x10 : 0)
           | (conf->budget_total > 0 ? AGW_COUNTED_TOTAL : 0);
}


/* The total budget is not windowed: a plain add, given back if over. */
static int
agw_limits_take_total(agw_limit_entry_t *e, const agw_limits_conf_t *conf,
    uint64_t cost, int64_t extra)
{
    if (conf->budget_total <= 0) {
        __atomic_add_fetch(&e->cost_total, (int64_t) cost, RLX);
        return 1;
    }

    if (cost == 0) {
        /* a spent budget refuses even what looks free */
        return __atomic_load_n(&e->cost_total, RLX) + extra
               < conf->budget_total;
    }

    if (__atomic_add_fetch(&e->cost_total, (int64_t) cost, RLX) + extra
        > conf->budget_total)
    {
        __atomic_sub_fetch(&e->cost_total, (int64_t) cost, RLX);
        return 0;
    }

    return 1;
}


int
agw_limits_admit(agw_state_t *st, int idx, const agw_limits_conf_t *conf,
    const agw_limit_amount_t *want, int64_t now_ms, agw_limit_hold_t *hold,
    agw_limit_verdict_t *v)
{
    size_t              i, n;
    uint32_t            counted;
    uint64_t            cost, c;
    agw_limit_now_t     now;
    agw_limit_take_t    takes[8];
    agw_limit_entry_t  *e;

    memset(v, 0, sizeof(*v));
    memset(hold, 0, sizeof(*hold));
    hold->idx = -1;

    e = agw_limits_at(st, idx);
    if (e == NULL) {
        return -1;
    }

    agw_limits_now(now_ms, &now);

    cost = want->cost > 0 ? (uint64_t) want->cost : 0;

    /* concurrency first: the cheapest to give back; counted even without
     * a limit, for readers */
    c = __atomic_add_fetch(&e->concurrent, 1, RLX);
    if (conf->concurrent && c > conf->concurrent) {
        __atomic_sub_fetch(&e->concurrent, 1, RLX);
        v->which = AGW_LIMIT_CONCURRENT;
        v->retry_after_ms = 1000;       /* a slot frees when one ends */
        goto refuse;
    }

    n = 0;

    for (i = 0; i < 3; i++) {
        takes[n].off = agw_limit_requests[i].off;
        takes[n].which = agw_limit_requests[i].which;
        takes[n].window = agw_limit_requests[i].window;
        takes[n++].n = 1;
    }

    n += agw_limits_amount_takes(&takes[n], want->input_tokens,
                                 want->output_tokens, cost);

    counted = agw_limits_counted(e, conf);

    if (!agw_limits_take(e, takes, n, conf, &now, NULL, NULL,
                         e->kind == AGW_LIMIT_KIND_KEY, now_ms, v))
    {
        __atomic_sub_fetch(&e->concurrent, 1, RLX);
        goto refuse;
    }

    if ((counted & AGW_COUNTED_TOTAL)
        && !agw_limits_take_total(e, conf, cost, 0))
    {
        for (i = 0; i < n; i++) {
            if (takes[i].n) {
                agw_win_settle(agw_limits_word(e, takes[i].off),
                               now.id[takes[i].window],
                               now.id[takes[i].window], takes[i].n, 0);
            }
        }

        __atomic_sub_fetch(&e->concurrent, 1, RLX);
        v->which = AGW_LIMIT_BUDGET_TOTAL;
        v->retry_after_ms = 0;          /* not before the budget is raised */
        goto refuse;
    }

    __atomic_add_fetch(&e->reserved_tokens,
                       want->input_tokens + want->output_tokens, RLX);
    __atomic_add_fetch(&e->reserved_cost, (int64_t) cost, RLX);
    __atomic_add_fetch(&e->requests_total, 1, RLX);
    __atomic_store_n(&e->last_used_ms, now_ms, RLX);

    hold->idx = idx;
    hold->held = 1;
    hold->concurrent = 1;
    hold->counted = counted;
    hold->win_minute = now.id[0];
    hold->win_day = now.id[2];
    hold->win_month = now.id[3];
    hold->reserved.input_tokens = want->input_tokens;
    hold->reserved.output_tokens = want->output_tokens;
    hold->reserved.cost = (int64_t) cost;

    agw_limits_figures(e, conf, &now, v);

    return 0;

refuse:

    __atomic_add_fetch(&e->refused_total, 1, RLX);

    {
        agw_limit_which_t  which = v->which;
        int64_t            retry = v->retry_after_ms;

        agw_limits_figures(e, conf, &now, v);
        v->which = which;
        v->retry_after_ms = retry > 0 ? retry : 0;
    }

    return 1;
}


int
agw_limits_extend(agw_state_t *st, agw_limit_hold_t *hold,
    const agw_limits_conf_t *conf, const agw_limit_amount_t *used,
    int64_t now_ms, agw_limit_verdict_t *v)
{
    size_t              i, n;
    uint32_t            held[5];
    uint64_t            din, dout, dcost, cost, held_n[5];
    agw_limit_now_t     now;
    agw_limit_take_t    takes[5];
    agw_limit_entry_t  *e;

    memset(v, 0, sizeof(*v));

    e = agw_limits_at(st, hold->idx);
    if (e == NULL || !hold->held) {
        return 0;
    }

    cost = used->cost > 0 ? (uint64_t) used->cost : 0;

    din = used->input_tokens > hold->reserved.input_tokens
          ? used->input_tokens - hold->reserved.input_tokens : 0;
    dout = used->output_tokens > hold->reserved.output_tokens
           ? used->output_tokens - hold->reserved.output_tokens : 0;
    dcost = cost > (uint64_t) hold->reserved.cost
            ? cost - (uint64_t) hold->reserved.cost : 0;

    if (din == 0 && dout == 0 && dcost == 0) {
        return 0;
    }

    agw_limits_now(now_ms, &now);

    /* Only what can be crossed mid-answer: tokens and spend.  A window
     * that moved on since admission is checked against the whole use. */
    n = agw_limits_amount_takes(takes, din, dout, dcost);

    held[0] = hold->win_minute;
    held[1] = hold->win_day;
    held[2] = hold->win_day;
    held[3] = hold->win_day;
    held[4] = hold->win_month;
    held_n[0] = used->input_tokens + used->output_tokens;
    held_n[1] = used->input_tokens;
    held_n[2] = used->output_tokens;
    held_n[3] = cost;
    held_n[4] = cost;

    if (!agw_limits_take(e, takes, n, conf, &now, held, held_n,
                         e->kind == AGW_LIMIT_KIND_KEY, now_ms, v))
    {
        goto crossed;
    }

    if (dcost && (hold->counted & AGW_COUNTED_TOTAL)
        && !agw_limits_take_total(e, conf, dcost, 0))
    {
        for (i = 0; i < n; i++) {
            if (takes[i].n) {
                agw_win_settle(agw_limits_word(e, takes[i].off),
                               now.id[takes[i].window],
                               now.id[takes[i].window], takes[i].n, 0);
            }
        }

        v->which = AGW_LIMIT_BUDGET_TOTAL;
        goto crossed;
    }

    /* What was taken in moved windows is 0: the hold's reservation there
     * is gone and settling counts the use in the new window. */
    __atomic_add_fetch(&e->reserved_tokens, din + dout, RLX);
    __atomic_add_fetch(&e->reserved_cost, (int64_t) dcost, RLX);

    hold->reserved.input_tokens += din;
    hold->reserved.output_tokens += dout;
    hold->reserved.cost += (int64_t) dcost;

    return 0;

crossed:

    __atomic_add_fetch(&e->refused_total, 1, RLX);

    {
        agw_limit_which_t  which = v->which;

        agw_limits_figures(e, conf, &now, v);
        v->which = which;
        v->retry_after_ms = 0;
    }

    return 1;
}


void
agw_limits_settle(agw_state_t *st, agw_limit_hold_t *hold,
    const agw_limit_amount_t *used, int64_t now_ms)
{
    uint64_t            in, out, cost;
    agw_limit_now_t     now;
    agw_limit_entry_t  *e;
    agw_limit_amount_t  r;

    e = agw_limits_at(st, hold->idx);
    if (e == NULL || !hold->held) {
        return;
    }

    hold->held = 0;
    r = hold->reserved;

    in = used ? used->input_tokens : 0;
    out = used ? used->output_tokens : 0;
    cost = used && used->cost > 0 ? (uint64_t) used->cost : 0;

    agw_limits_now(now_ms, &now);

    if (hold->counted & 0x01) {
        agw_win_settle(&e->tok_minute, now.id[0], hold->win_minute,
                       r.input_tokens + r.output_tokens, in + out);
    }

    if (hold->counted & 0x02) {
        agw_win_settle(&e->in_day, now.id[2], hold->win_day, r.input_tokens,
                       in);
    }

    if (hold->counted & 0x04) {
        agw_win_settle(&e->out_day, now.id[2], hold->win_day,
                       r.output_tokens, out);
    }

    if (hold->counted & 0x08) {
        agw_win_settle(&e->cost_day, now.id[2], hold->win_day,
                       (uint64_t) r.cost, cost);
    }

    if (hold->counted & 0x10) {
        agw_win_settle(&e->cost_month, now.id[3], hold->win_month,
                       (uint64_t) r.cost, cost);
    }

    if (hold->counted & AGW_COUNTED_TOTAL) {
        __atomic_add_fetch(&e->cost_total, (int64_t) cost - r.cost, RLX);
    }
    __atomic_sub_fetch(&e->reserved_tokens,
                       r.input_tokens + r.output_tokens, RLX);
    __atomic_sub_fetch(&e->reserved_cost, r.cost, RLX);

    if (hold->concurrent) {
        hold->concurrent = 0;
        __atomic_sub_fetch(&e->concurrent, 1, RLX);
    }
}


void
agw_limits_refused(agw_state_t *st, int idx)
{
    agw_limit_entry_t  *e;

    e = agw_limits_at(st, idx);
    if (e != NULL) {
        __atomic_add_fetch(&e->refused_total, 1, RLX);
    }
}


int
agw_limits_usage(const agw_state_t *st, int idx, int64_t now_ms,
    agw_limit_usage_t *out)
{
    agw_limit_now_t     now;
    agw_limit_entry_t  *e;

    e = agw_limits_at(st, idx);
    if (e == NULL || __atomic_load_n(&e->state, ACQ) != AGW_LIMIT_READY) {
        return -1;
    }

    agw_limits_now(now_ms, &now);

    memset(out, 0, sizeof(*out));

    out->kind = (agw_limit_kind_t) e->kind;
    out->is_static = __atomic_load_n(&e->is_static, RLX) != 0;
    memcpy(out->id, e->id, sizeof(out->id));
    out->id[sizeof(out->id) - 1] = '\0';
    memcpy(out->name, e->name, sizeof(out->name));
    out->name[sizeof(out->name) - 1] = '\0';

    out->conf.requests_per_minute =
        __atomic_load_n(&e->conf.requests_per_minute, RLX);
    out->conf.requests_per_hour =
        __atomic_load_n(&e->conf.requests_per_hour, RLX);
    out->conf.requests_per_day =
        __atomic_load_n(&e->conf.requests_per_day, RLX);
    out->conf.tokens_per_minute =
        __atomic_load_n(&e->conf.tokens_per_minute, RLX);
    out->conf.input_tokens_per_day =
        __atomic_load_n(&e->conf.input_tokens_per_day, RLX);
    out->conf.output_tokens_per_day =
        __atomic_load_n(&e->conf.output_tokens_per_day, RLX);
    out->conf.concurrent = __atomic_load_n(&e->conf.concurrent, RLX);
    out->conf.budget_day = __atomic_load_n(&e->conf.budget_day, RLX);
    out->conf.budget_month = __atomic_load_n(&e->conf.budget_month, RLX);
    out->conf.budget_total = __atomic_load_n(&e->conf.budget_total, RLX);

    out->requests_minute = agw_win_count(
        __atomic_load_n(&e->req_minute, RLX), now.id[0]);
    out->requests_hour = agw_win_count(
        __atomic_load_n(&e->req_hour, RLX), now.id[1]);
    out->requests_day = agw_win_count(
        __atomic_load_n(&e->req_day, RLX), now.id[2]);
    out->tokens_minute = agw_win_count(
        __atomic_load_n(&e->tok_minute, RLX), now.id[0]);
    out->input_tokens_day = agw_win_count(
        __atomic_load_n(&e->in_day, RLX), now.id[2]);
    out->output_tokens_day = agw_win_count(
        __atomic_load_n(&e->out_day, RLX), now.id[2]);
    out->spend_day = (int64_t) agw_win_count(
        __atomic_load_n(&e->cost_day, RLX), now.id[2]);
    out->spend_month = (int64_t) agw_win_count(
        __atomic_load_n(&e->cost_month, RLX), now.id[3]);
    out->spend_total = __atomic_load_n(&e->cost_total, RLX);
    out->concurrent = __atomic_load_n(&e->concurrent, RLX);
    out->reserved_tokens = __atomic_load_n(&e->reserved_tokens, RLX);
    out->reserved_cost = __atomic_load_n(&e->reserved_cost, RLX);
    out->requests_total = __atomic_load_n(&e->requests_total, RLX);
    out->refused_total = __atomic_load_n(&e->refused_total, RLX);
    out->last_used_ms = __atomic_load_n(&e->last_used_ms, RLX);

    return 0;
}


/* Seeding spend from the daemon's database into a new file */

int
agw_limits_seed_begin(agw_state_t *st)
{
    uint32_t  expect = 0;

    return __atomic_compare_exchange_n(&st->hdr->limits_seeded, &expect, 1,
                                       0, AR, RLX);
}


int
agw_limits_seed(agw_state_t *st, const char *key_id, size_t len,
    const char *name, size_t name_len, int64_t spend_day,
    int64_t spend_month, int64_t spend_total, int64_t now_ms)
{
    int                 idx;
    agw_limit_now_t     now;
    agw_limit_entry_t  *e;

    idx = agw_limits_find(st, AGW_LIMIT_KIND_KEY, key_id, len, 1);
    e = agw_limits_at(st, idx);
    if (e == NULL) {
        return -1;
    }

    if (name != NULL && e->name[0] == '\0') {
        agw_limits_describe(st, idx, name, name_len, 0, NULL);
    }

    agw_limits_now(now_ms, &now);

    agw_win_settle(&e->cost_day, now.id[2], now.id[2], 0,
                   spend_day > 0 ? (uint64_t) spend_day : 0);
    agw_win_settle(&e->cost_month, now.id[3], now.id[3], 0,
                   spend_month > 0 ? (uint64_t) spend_month : 0);

    if (spend_total > 0) {
        __atomic_add_fetch(&e->cost_total, spend_total, RLX);
    }

    return 0;
}
