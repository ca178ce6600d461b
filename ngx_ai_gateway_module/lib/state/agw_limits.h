/*
 * agw_limits: what a client key, a provider or a route may use and spend,
 * and the verdict of checking a request against it.
 *
 * The counters behind the verdicts live in the state file, shared by every
 * worker and by the daemon (docs/governance.md).  This header holds the
 * parts every side needs: the configured limits (from nginx.conf, or from
 * the daemon's keys snapshot) and what a check answers, which the module
 * turns into a refusal in the client's dialect with the headers its SDKs
 * read.
 */

#ifndef AGW_LIMITS_H
#define AGW_LIMITS_H

#include <stddef.h>
#include <stdint.h>


/* What a key, provider or route may use: 0 is "no limit" everywhere. */
typedef struct {
    uint64_t  requests_per_minute;
    uint64_t  requests_per_hour;
    uint64_t  requests_per_day;
    uint64_t  tokens_per_minute;        /* input + output */
    uint64_t  input_tokens_per_day;
    uint64_t  output_tokens_per_day;
    uint64_t  concurrent;               /* requests in flight */
    int64_t   budget_day;               /* micro-USD, UTC days */
    int64_t   budget_month;             /* micro-USD, UTC months */
    int64_t   budget_total;             /* micro-USD */
} agw_limits_conf_t;


/* Which limit a verdict is about. */
typedef enum {
    AGW_LIMIT_NONE = 0,                 /* admitted */
    AGW_LIMIT_REQUESTS_MINUTE,
    AGW_LIMIT_REQUESTS_HOUR,
    AGW_LIMIT_REQUESTS_DAY,
    AGW_LIMIT_TOKENS_MINUTE,
    AGW_LIMIT_INPUT_TOKENS_DAY,
    AGW_LIMIT_OUTPUT_TOKENS_DAY,
    AGW_LIMIT_CONCURRENT,
    AGW_LIMIT_BUDGET_DAY,
    AGW_LIMIT_BUDGET_MONTH,
    AGW_LIMIT_BUDGET_TOTAL,
    AGW_LIMIT_TABLE_FULL                /* no counter could be kept: refused,
                                           a budget is never left unchecked */
} agw_limit_which_t;


/*
 * The answer of a check.  On a refusal `which` names the limit and
 * retry_after_ms says when a retry can succeed (0: not before the limit
 * changes, e.g. a total budget).  Admitted or not, the request and token
 * figures are those of the tightest window of each kind, for the
 * rate-limit headers (x-ratelimit-*, anthropic-ratelimit-*); a limit of 0
 * means that kind has none and its headers are left out.
 */
typedef struct {
    agw_limit_which_t  which;
    int64_t            retry_after_ms;

    uint64_t           requests_limit;
    uint64_t           requests_remaining;
    int64_t            requests_reset_ms;   /* epoch ms the window ends */

    uint64_t           tokens_limit;
    uint64_t           tokens_remaining;
    int64_t            tokens_reset_ms;
} agw_limit_verdict_t;


/* "requests_per_minute"...: for logs, events, metrics and the API. */
const char *agw_limit_name(agw_limit_which_t which);


/*
 * The limits table of the state file.
 *
 * A fixed number of entries (ai_gateway_state ... limits=N), each claimed
 * once with a CAS for one (kind, id) and never released until the file is
 * recreated, like the provider health entries.  An entry's counters are
 * 64-bit words updated lock-free: a windowed counter packs the id of its
 * UTC window (minute, hour, day, month) and the count in one word, so a
 * new window starts with one CAS and no reset pass.  Amounts reserved by
 * requests in flight are inside the window counts (an admitted request
 * adds its worst case, settling replaces it by the real use), so a check
 * is "count + this reservation <= limit" on one word and concurrent
 * requests can overrun a limit only by what their real use exceeds their
 * reservations (docs/governance.md).
 */

#define AGW_LIMITS_DEFAULT_ENTRIES  1024
#define AGW_LIMITS_ID_SIZE          40      /* = AGW_KEY_ID_MAX */
#define AGW_LIMITS_NAME_SIZE        64      /* = AGW_KEY_NAME_MAX */
#define AGW_LIMITS_ENTRY_SIZE       320     /* bytes of an entry */
#define AGW_LIMITS_MAX_ENTRIES      65536

/* Output tokens reserved for a request that sets no output cap. */
#define AGW_LIMITS_DEFAULT_OUTPUT   4096

typedef enum {
    AGW_LIMIT_KIND_KEY = 1,             /* id: the key's id */
    AGW_LIMIT_KIND_PROVIDER,            /* id: the provider's name */
    AGW_LIMIT_KIND_ROUTE                /* id: the route's model */
} agw_limit_kind_t;

/* What a request uses, or reserves before it knows. */
typedef struct {
    uint64_t  input_tokens;
    uint64_t  output_tokens;
    int64_t   cost;                     /* micro-USD; < 0: unknown, 0 */
} agw_limit_amount_t;

/*
 * A request's hold on one entry, from admission to settlement.  Kept by the
 * request (r->pool), never in the shared file: a worker that dies with
 * holds leaves their reservations in the current windows until those end
 * (at most a minute/day/month; concurrency is then off by one until the
 * file is recreated, the documented cost of a crashed worker).
 */
typedef struct {
    int32_t             idx;            /* entry; -1: none */
    uint32_t            held:1;         /* not settled yet */
    uint32_t            concurrent:1;   /* took a concurrency slot */
    uint32_t            counted:6;      /* the token and spend counters it
                                           keeps (agw_limits.c) */
    uint32_t            win_minute;     /* the windows it reserved in */
    uint32_t            win_day;
    uint32_t            win_month;
    agw_limit_amount_t  reserved;
} agw_limit_hold_t;

/* An entry as the daemon, the dashboard and the metrics read it. */
typedef struct {
    agw_limit_kind_t   kind;
    unsigned           is_static:1;     /* from nginx.conf (read-only) */
    char               id[AGW_LIMITS_ID_SIZE];
    char               name[AGW_LIMITS_NAME_SIZE];
    agw_limits_conf_t  conf;            /* as configured, last copied in */

    /* current windows at the time asked (0 once a window ended);
     * reservations in flight included, and given apart below */
    uint64_t           requests_minute;
    uint64_t           requests_hour;
    uint64_t           requests_day;
    uint64_t           tokens_minute;
    uint64_t           input_tokens_day;
    uint64_t           output_tokens_day;
    uint64_t           concurrent;
    int64_t            spend_day;       /* micro-USD */
    int64_t            spend_month;
    int64_t            spend_total;

    uint64_t           reserved_tokens; /* in flight, not yet settled */
    int64_t            reserved_cost;

    uint64_t           requests_total;  /* admitted, since the format */
    uint64_t           refused_total;
    int64_t            last_used_ms;
} agw_limit_usage_t;

/*
 * The state file (agw_state.h) is declared there; these take its handle.
 * now_ms is UTC epoch milliseconds: callers pass their clock, so tests
 * drive windows without waiting for them.
 */
struct agw_state_s;

/* Entries in the table (the file's geometry). */
uint32_t agw_limits_entries(const struct agw_state_s *st);

/*
 * The entry of (kind, id), or with add a new one.  Returns its index, or
 * -1: not found, table full, id empty or too long (the caller refuses
 * the request with AGW_LIMIT_TABLE_FULL rather than leave it unchecked).
 */
int agw_limits_find(struct agw_state_s *st, agw_limit_kind_t kind,
    const char *id, size_t len, int add);

/*
 * Copies a name, whether it is a static key, and the configured limits
 * into entry idx, for the daemon and the dashboard (the checks use the
 * caller's own copy of the limits).  Cheap to call again: it writes only
 * what changed.
 */
void agw_limits_describe(struct agw_state_s *st, int idx, const char *name,
    size_t len, int is_static, const agw_limits_conf_t *conf);

/*
 * Admits one request against entry idx and conf: counts it in the request
 * windows, takes a concurrency slot, and reserves `want` in the token and
 * spend counters, each only if it stays within its limit.  A key's entry
 * keeps every counter (its use is shown); a provider's or a route's only
 * those it has a limit on, so that its caps cost no more than they check.
 * Returns 0 and fills hold (settle or release it later, exactly once), or 1 and fills v
 * (nothing is left taken), or -1 for a bad idx.  v is filled either way
 * with the figures of the rate-limit headers.
 */
int agw_limits_admit(struct agw_state_s *st, int idx,
    const agw_limits_conf_t *conf, const agw_limit_amount_t *want,
    int64_t now_ms, agw_limit_hold_t *hold, agw_limit_verdict_t *v);

/*
 * Grows a hold's reservation to cover `used` so far (a stream past what
 * it reserved): 0 when the limits allow it (or nothing needed growing),
 * 1 when a budget or token limit is crossed (v says which; the hold still
 * stands and must be settled).
 */
int agw_limits_extend(struct agw_state_s *st, agw_limit_hold_t *hold,
    const agw_limits_conf_t *conf, const agw_limit_amount_t *used,
    int64_t now_ms, agw_limit_verdict_t *v);

/*
 * Ends a hold: replaces its reservation by `used` (NULL: nothing was used,
 * e.g. the try never reached the provider) and frees its concurrency slot.
 * Idempotent: a settled hold is left alone, so every end path may call it.
 * A window that ended meanwhile took the reservation with it; the use is
 * then counted in the current window.
 */
void agw_limits_settle(struct agw_state_s *st, agw_limit_hold_t *hold,
    const agw_limit_amount_t *used, int64_t now_ms);

/* Counts a refusal made on the entry's behalf elsewhere (metrics). */
void agw_limits_refused(struct agw_state_s *st, int idx);

/* A reading of entry idx at now_ms: 0, or -1 if the entry is free. */
int agw_limits_usage(const struct agw_state_s *st, int idx, int64_t now_ms,
    agw_limit_usage_t *out);

/*
 * Seeding spend into a new table (the daemon, from SQLite, after the state
 * file was recreated).  agw_limits_seed_begin() returns 1 to exactly one
 * caller per formatted file, which then seeds each key; 0 to everyone
 * after.  agw_limits_seed() adds (not sets: workers may have counted
 * already) the key's spend of the current UTC day and month and in total
 * to its entry, claiming it if needed.  0, or -1 (table full, bad id).
 */
int agw_limits_seed_begin(struct agw_state_s *st);
int agw_limits_seed(struct agw_state_s *st, const char *key_id, size_t len,
    const char *name, size_t name_len, int64_t spend_day,
    int64_t spend_month, int64_t spend_total, int64_t now_ms);

/* UTC window ids of now_ms (exposed for tests and the daemon). */
uint32_t agw_limits_window_minute(int64_t now_ms);
uint32_t agw_limits_window_hour(int64_t now_ms);
uint32_t agw_limits_window_day(int64_t now_ms);
uint32_t agw_limits_window_month(int64_t now_ms);
/* The epoch ms the month window of now_ms ends. */
int64_t agw_limits_month_end_ms(int64_t now_ms);

#endif /* AGW_LIMITS_H */
