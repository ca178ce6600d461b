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

#endif /* AGW_LIMITS_H */
