/*
 * agw_limit_answer: the refusal of a limit in each dialect, and the
 * header values of the rate-limit figures.
 *
 * The shapes are the providers' own 429s, so that SDKs raise their rate
 * limit error and the clients' handlers for it work unchanged:
 *
 *   OpenAI, Responses  {"error":{"message","type":"requests"|"tokens",
 *                        "param":null,"code":"rate_limit_exceeded"}}
 *                      a budget: type and code "insufficient_quota"
 *   Anthropic          {"type":"error","error":{"type":"rate_limit_error",
 *                        "message"}}
 *   Gemini             {"error":{"code":429,"message",
 *                        "status":"RESOURCE_EXHAUSTED","details":[
 *                        QuotaFailure, RetryInfo{"retryDelay":"12s"}]}}
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agw_json_writer.h"
#include "agw_limit_answer.h"


typedef struct {
    const char  *what;      /* the sentence's end */
    const char  *type;      /* OpenAI's error type */
    const char  *code;      /* OpenAI's error code */
} agw_limit_text_t;


static const agw_limit_text_t *agw_limit_text(agw_limit_which_t which);
static size_t agw_limit_message(const agw_limit_verdict_t *v, char *buf,
    size_t size);
static void agw_limit_openai(agw_jw_t *w, const agw_limit_verdict_t *v,
    const char *msg, size_t len);
static void agw_limit_anthropic(agw_jw_t *w, const char *msg, size_t len);
static void agw_limit_gemini(agw_jw_t *w, const agw_limit_verdict_t *v,
    const char *msg, size_t len);


static const agw_limit_text_t *
agw_limit_text(agw_limit_which_t which)
{
    static const agw_limit_text_t  texts[] = {
        { "is refused by a limit", "requests", "rate_limit_exceeded" },
        { "has reached its limit of requests per minute",
          "requests", "rate_limit_exceeded" },
        { "has reached its limit of requests per hour",
          "requests", "rate_limit_exceeded" },
        { "has reached its limit of requests per day",
          "requests", "rate_limit_exceeded" },
        { "has reached its limit of tokens per minute",
          "tokens", "rate_limit_exceeded" },
        { "has reached its limit of input tokens per day",
          "tokens", "rate_limit_exceeded" },
        { "has reached its limit of output tokens per day",
          "tokens", "rate_limit_exceeded" },
        { "has reached its limit of concurrent requests",
          "requests", "rate_limit_exceeded" },
        { "has used its budget for the day",
          "insufficient_quota", "insufficient_quota" },
        { "has used its budget for the month",
          "insufficient_quota", "insufficient_quota" },
        { "has used its total budget",
          "insufficient_quota", "insufficient_quota" },
        /* no counter could be kept: a budget is never left unchecked */
        { "cannot be counted by the gateway now",
          "requests", "rate_limit_exceeded" }
    };

    if ((unsigned) which >= sizeof(texts) / sizeof(texts[0])) {
        which = AGW_LIMIT_NONE;
    }

    return &texts[which];
}


int
agw_limit_retryable(const agw_limit_verdict_t *v)
{
    return v->retry_after_ms > 0 && v->retry_after_ms <= AGW_LIMIT_RETRY_MAX_MS;
}


int64_t
agw_limit_retry_after_s(const agw_limit_verdict_t *v)
{
    if (v->retry_after_ms <= 0) {
        return 0;
    }

    return (v->retry_after_ms + 999) / 1000;
}


size_t
agw_limit_duration(int64_t ms, char *buf, size_t size)
{
    int64_t  s;
    int      n;

    if (ms < 0) {
        ms = 0;
    }

    if (ms < 1000) {
        n = snprintf(buf, size, "%lldms", (long long) ms);

    } else {
        s = (ms + 999) / 1000;

        if (s < 60) {
            n = snprintf(buf, size, "%llds", (long long) s);

        } else if (s < 3600) {
            n = snprintf(buf, size, "%lldm%llds", (long long) (s / 60),
                         (long long) (s % 60));

        } else {
            n = snprintf(buf, size, "%lldh%lldm%llds", (long long) (s / 3600),
                         (long long) (s % 3600 / 60), (long long) (s % 60));
        }
    }

    return (n < 0 || (size_t) n >= size) ? 0 : (size_t) n;
}


size_t
agw_limit_rfc3339(int64_t epoch_ms, char *buf, size_t size)
{
    time_t     t;
    struct tm  tm;

    t = (time_t) ((epoch_ms + 999) / 1000);

    if (gmtime_r(&t, &tm) == NULL) {
        return 0;
    }

    return strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}


/* "This key has reached its limit of ... Please try again in 12s." */

static size_t
agw_limit_message(const agw_limit_verdict_t *v, char *buf, size_t size)
{
    int                      n;
    char                     wait[AGW_LIMIT_VALUE_MAX];
    const agw_limit_text_t  *t;

    t = agw_limit_text(v->which);

    if (v->retry_after_ms > 0) {
        if (agw_limit_duration(v->retry_after_ms, wait, sizeof(wait)) == 0) {
            return 0;
        }

        n = snprintf(buf, size, "This key %s. Please try again in %s.",
                     t->what, wait);

    } else {
        n = snprintf(buf, size, "This key %s.", t->what);
    }

    return (n < 0 || (size_t) n >= size) ? 0 : (size_t) n;
}


int
agw_limit_answer_body(agw_dialect_t d, const agw_limit_verdict_t *v,
    agw_buf_t *out)
{
    char      msg[256];
    size_t    len;
    agw_jw_t  w;

    len = agw_limit_message(v, msg, sizeof(msg));
    if (len == 0) {
        return -1;
    }

    agw_jw_init(&w, out);

    switch (d) {

    case AGW_DIALECT_ANTHROPIC:
        agw_limit_anthropic(&w, msg, len);
        break;

    case AGW_DIALECT_GEMINI:
        agw_limit_gemini(&w, v, msg, len);
        break;

    default:
        /* Responses answers errors in Chat Completions' object */
        agw_limit_openai(&w, v, msg, len);
    }

    return w.failed ? -1 : 0;
}


static void
agw_limit_openai(agw_jw_t *w, const agw_limit_verdict_t *v, const char *msg,
    size_t len)
{
    const agw_limit_text_t  *t;

    t = agw_limit_text(v->which);

    agw_jw_object(w);
    agw_jw_key(w, "error");
    agw_jw_object(w);
    agw_jw_key(w, "message");
    agw_jw_bytes(w, msg, len);
    agw_jw_key(w, "type");
    agw_jw_bytes(w, t->type, strlen(t->type));
    agw_jw_key(w, "param");
    agw_jw_null(w);
    agw_jw_key(w, "code");
    agw_jw_bytes(w, t->code, strlen(t->code));
    agw_jw_object_end(w);
    agw_jw_object_end(w);
}


static void
agw_limit_anthropic(agw_jw_t *w, const char *msg, size_t len)
{
    agw_jw_object(w);
    agw_jw_key(w, "type");
    agw_jw_lit(w, "error");
    agw_jw_key(w, "error");
    agw_jw_object(w);
    agw_jw_key(w, "type");
    agw_jw_lit(w, "rate_limit_error");
    agw_jw_key(w, "message");
    agw_jw_bytes(w, msg, len);
    agw_jw_object_end(w);
    agw_jw_object_end(w);
}


/*
 * google.rpc.Status: QuotaFailure names the limit (quotaId), RetryInfo
 * the wait as a protobuf Duration ("12s", "0.250s"); no RetryInfo when
 * no retry can succeed before the limit changes.
 */

static void
agw_limit_gemini(agw_jw_t *w, const agw_limit_verdict_t *v, const char *msg,
    size_t len)
{
    int          n;
    char         delay[AGW_LIMIT_VALUE_MAX];
    const char  *name;

    name = agw_limit_name(v->which);

    agw_jw_object(w);
    agw_jw_key(w, "error");
    agw_jw_object(w);
    agw_jw_key(w, "code");
    agw_jw_int(w, 429);
    agw_jw_key(w, "message");
    agw_jw_bytes(w, msg, len);
    agw_jw_key(w, "status");
    agw_jw_lit(w, "RESOURCE_EXHAUSTED");
    agw_jw_key(w, "details");
    agw_jw_array(w);

    agw_jw_object(w);
    agw_jw_key(w, "@type");
    agw_jw_lit(w, "type.googleapis.com/google.rpc.QuotaFailure");
    agw_jw_key(w, "violations");
    agw_jw_array(w);
    agw_jw_object(w);
    agw_jw_key(w, "quotaId");
    agw_jw_bytes(w, name, strlen(name));
    agw_jw_object_end(w);
    agw_jw_array_end(w);
    agw_jw_object_end(w);

    if (v->retry_after_ms > 0) {
        if (v->retry_after_ms % 1000 == 0) {
            n = snprintf(delay, sizeof(delay), "%llds",
                         (long long) (v->retry_after_ms / 1000));
        } else {
            n = snprintf(delay, sizeof(delay), "%lld.%03llds",
                         (long long) (v->retry_after_ms / 1000),
                         (long long) (v->retry_after_ms % 1000));
        }

        if (n < 0 || (size_t) n >= sizeof(delay)) {
            w->failed = 1;
            return;
        }

        agw_jw_object(w);
        agw_jw_key(w, "@type");
        agw_jw_lit(w, "type.googleapis.com/google.rpc.RetryInfo");
        agw_jw_key(w, "retryDelay");
        agw_jw_bytes(w, delay, n);
        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);
    agw_jw_object_end(w);
    agw_jw_object_end(w);
}
