/*
 * agw_limit_answer: what a client is told when a limit refuses its
 * request, in the shape its provider's own 429 has, and the values of the
 * rate-limit headers its SDKs read (docs/configuration.md, "Answers").
 *
 * Pure: the caller gives the time, so the texts are testable; the module
 * (src/ngx_http_ai_gateway_limited.c) puts them on the wire.
 */

#ifndef AGW_LIMIT_ANSWER_H
#define AGW_LIMIT_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "agw_buf.h"
#include "agw_dialect.h"
#include "agw_limits.h"

/* Enough for any value below, NUL included. */
#define AGW_LIMIT_VALUE_MAX  32

/*
 * Refusals past this wait tell SDKs not to retry (x-should-retry: false):
 * the OpenAI and Anthropic SDKs sleep for whatever Retry-After says, and a
 * call blocked for hours is worse than an error the caller can handle.
 */
#define AGW_LIMIT_RETRY_MAX_MS  60000

/*
 * The body of the 429 for verdict v in dialect d, appended to out:
 * OpenAI's and Responses' error object (type "requests" or "tokens", code
 * rate_limit_exceeded; a budget: insufficient_quota), Anthropic's
 * rate_limit_error, Gemini's RESOURCE_EXHAUSTED with a QuotaFailure and,
 * when a retry can succeed, a RetryInfo.  0, or -1 (no memory).
 */
int agw_limit_answer_body(agw_dialect_t d, const agw_limit_verdict_t *v,
    agw_buf_t *out);

/* Whether SDKs should retry the refusal: a wait known and short enough. */
int agw_limit_retryable(const agw_limit_verdict_t *v);

/*
 * Retry-After: whole seconds, rounded up so that a client waiting them is
 * never early.  0 when no retry can succeed before the limit changes.
 */
int64_t agw_limit_retry_after_s(const agw_limit_verdict_t *v);

/*
 * OpenAI's x-ratelimit-reset-*: the time left as "20ms", "1s", "6m0s",
 * "1h0m0s" (ms rounded up to whole seconds past one second).  Returns the
 * length written into buf (size >= AGW_LIMIT_VALUE_MAX).
 */
size_t agw_limit_duration(int64_t ms, char *buf, size_t size);

/* Anthropic's anthropic-ratelimit-*-reset: RFC 3339 UTC, to the second,
 * rounded up.  Returns the length written. */
size_t agw_limit_rfc3339(int64_t epoch_ms, char *buf, size_t size);

#endif /* AGW_LIMIT_ANSWER_H */
