/*
 * The refusals of a limit: each dialect's 429 body in its provider's
 * shape, and the header values SDKs parse (OpenAI's reset durations,
 * Anthropic's RFC 3339 resets, Retry-After rounded up, when SDKs are
 * told not to retry).
 */

#include <stdlib.h>

#include "tap.h"
#include "agw_limit_answer.h"


static char *
body_of(agw_dialect_t d, const agw_limit_verdict_t *v)
{
    static char  text[2048];
    agw_buf_t    out = AGW_BUF_INIT;

    if (agw_limit_answer_body(d, v, &out) != 0 || out.len >= sizeof(text)) {
        agw_buf_free(&out);
        return NULL;
    }

    memcpy(text, out.data, out.len);
    text[out.len] = '\0';
    agw_buf_free(&out);

    return text;
}


static void
test_bodies(void)
{
    agw_limit_verdict_t  v;

    memset(&v, 0, sizeof(v));
    v.which = AGW_LIMIT_REQUESTS_MINUTE;
    v.retry_after_ms = 12000;

    is_str(body_of(AGW_DIALECT_OPENAI, &v),
           "{\"error\":{\"message\":\"This key has reached its limit of "
           "requests per minute. Please try again in 12s.\",\"type\":"
           "\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
           "OpenAI: a request window is type requests, rate_limit_exceeded");

    is_str(body_of(AGW_DIALECT_RESPONSES, &v),
           "{\"error\":{\"message\":\"This key has reached its limit of "
           "requests per minute. Please try again in 12s.\",\"type\":"
           "\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
           "Responses: the same error object");

    is_str(body_of(AGW_DIALECT_ANTHROPIC, &v),
           "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
           "\"message\":\"This key has reached its limit of requests per "
           "minute. Please try again in 12s.\"}}",
           "Anthropic: rate_limit_error");

    v.retry_after_ms = 34400;

    is_str(body_of(AGW_DIALECT_GEMINI, &v),
           "{\"error\":{\"code\":429,\"message\":\"This key has reached its "
           "limit of requests per minute. Please try again in 35s.\","
           "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":"
           "\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":"
           "[{\"quotaId\":\"requests_per_minute\"}]},{\"@type\":"
           "\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":"
           "\"34.400s\"}]}}",
           "Gemini: RESOURCE_EXHAUSTED, QuotaFailure, RetryInfo in ms");

    v.which = AGW_LIMIT_TOKENS_MINUTE;
    v.retry_after_ms = 6;

    is_str(body_of(AGW_DIALECT_OPENAI, &v),
           "{\"error\":{\"message\":\"This key has reached its limit of "
           "tokens per minute. Please try again in 6ms.\",\"type\":"
           "\"tokens\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
           "OpenAI: a token window is type tokens");

    v.which = AGW_LIMIT_BUDGET_TOTAL;
    v.retry_after_ms = 0;

    is_str(body_of(AGW_DIALECT_OPENAI, &v),
           "{\"error\":{\"message\":\"This key has used its total budget.\","
           "\"type\":\"insufficient_quota\",\"param\":null,\"code\":"
           "\"insufficient_quota\"}}",
           "OpenAI: a total budget is insufficient_quota, no retry time");

    is_str(body_of(AGW_DIALECT_GEMINI, &v),
           "{\"error\":{\"code\":429,\"message\":\"This key has used its "
           "total budget.\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":"
           "[{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\","
           "\"violations\":[{\"quotaId\":\"budget_total\"}]}]}}",
           "Gemini: no RetryInfo when no retry can succeed");

    v.which = AGW_LIMIT_BUDGET_DAY;
    v.retry_after_ms = 3600000;

    is_str(body_of(AGW_DIALECT_ANTHROPIC, &v),
           "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
           "\"message\":\"This key has used its budget for the day. Please "
           "try again in 1h0m0s.\"}}",
           "Anthropic: a day's budget says when it comes back");

    v.which = (agw_limit_which_t) 99;
    ok(body_of(AGW_DIALECT_OPENAI, &v) != NULL,
       "an unknown limit still gets an answer");
}


static void
test_values(void)
{
    char                 buf[AGW_LIMIT_VALUE_MAX];
    agw_limit_verdict_t  v;

    agw_limit_duration(0, buf, sizeof(buf));
    is_str(buf, "0ms", "duration 0");
    agw_limit_duration(20, buf, sizeof(buf));
    is_str(buf, "20ms", "duration under a second in ms");
    agw_limit_duration(1000, buf, sizeof(buf));
    is_str(buf, "1s", "duration 1s");
    agw_limit_duration(1001, buf, sizeof(buf));
    is_str(buf, "2s", "duration rounded up past a second");
    agw_limit_duration(360000, buf, sizeof(buf));
    is_str(buf, "6m0s", "duration in minutes as OpenAI writes it");
    agw_limit_duration(86399000, buf, sizeof(buf));
    is_str(buf, "23h59m59s", "duration in hours");
    agw_limit_duration(-5, buf, sizeof(buf));
    is_str(buf, "0ms", "a past reset is now");
    is_int(agw_limit_duration(360000, buf, 4), 0, "too small a buffer: 0");

    /* 1796561988 is 2026-12-06T12:59:48Z */
    agw_limit_rfc3339(1796561988001LL, buf, sizeof(buf));
    is_str(buf, "2026-12-06T12:59:49Z", "RFC 3339 in UTC, rounded up");
    agw_limit_rfc3339(1796561988000LL, buf, sizeof(buf));
    is_str(buf, "2026-12-06T12:59:48Z", "a whole second stays");

    memset(&v, 0, sizeof(v));
    v.retry_after_ms = 1;
    is_int(agw_limit_retry_after_s(&v), 1, "Retry-After rounds 1 ms up to 1");
    ok(agw_limit_retryable(&v), "a short wait is retryable");
    v.retry_after_ms = 60000;
    is_int(agw_limit_retry_after_s(&v), 60, "Retry-After 60");
    ok(agw_limit_retryable(&v), "a minute's wait is retryable");
    v.retry_after_ms = 60001;
    ok(!agw_limit_retryable(&v), "past a minute, SDKs are told not to retry");
    v.retry_after_ms = 0;
    is_int(agw_limit_retry_after_s(&v), 0, "no Retry-After when none helps");
    ok(!agw_limit_retryable(&v), "nor a retry");
}


int
main(void)
{
    test_bodies();
    test_values();

    return done_testing();
}
