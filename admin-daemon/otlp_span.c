/*
 * otlp_span: the OTLP/JSON encoding of the gateway's requests as spans.
 *
 * OTLP's JSON is the proto3 JSON mapping with OTLP's own rules: field
 * names in lowerCamelCase, trace and span ids as lowercase hex (not
 * base64), enums as integers, 64-bit integers (times in Unix nanoseconds,
 * intValue) as decimal strings.
 *
 * A request is a SERVER span (the client called the gateway), child of
 * the client's span when it sent a traceparent; each try a CLIENT span
 * under it (the gateway called a provider), with the span id the provider
 * got as parent-id.  Attributes follow the OpenTelemetry GenAI semantic
 * conventions, and ai_gateway.* for what they have no name for.  Nothing
 * secret is in an event, so nothing secret can be in a span: a client key
 * is its name, a provider its configured name.
 */

#include <stdio.h>
#include <string.h>

#include "agw_dialect.h"
#include "agw_hash.h"
#include "agw_trace.h"
#include "otlp.h"
#include "text.h"


#define AGW_SPAN_KIND_SERVER  2
#define AGW_SPAN_KIND_CLIENT  3
#define AGW_STATUS_ERROR      2


json_t *
agw_otlp_kv_str(const char *key, const char *s, size_t len)
{
    return json_pack("{s:s, s:{s:o}}", "key", key, "value", "stringValue",
                     agw_json_text(s, len));
}


/* Appends to attrs; any failure sets *rc (checked once per span). */

static void
agw_attr_str(json_t *attrs, int *rc, const char *key, const char *s)
{
    if (s == NULL || s[0] == '\0') {
        return;
    }

    *rc |= json_array_append_new(attrs, agw_otlp_kv_str(key, s, strlen(s)));
}


static void
agw_attr_int(json_t *attrs, int *rc, const char *key, int64_t v)
{
    char  buf[24];

    snprintf(buf, sizeof(buf), "%lld", (long long) v);
    *rc |= json_array_append_new(attrs,
                                 json_pack("{s:s, s:{s:s}}", "key", key,
                                           "value", "intValue", buf));
}


static void
agw_attr_double(json_t *attrs, int *rc, const char *key, double v)
{
    *rc |= json_array_append_new(attrs,
                                 json_pack("{s:s, s:{s:f}}", "key", key,
                                           "value", "doubleValue", v));
}


static void
agw_attr_bool(json_t *attrs, int *rc, const char *key, int v)
{
    *rc |= json_array_append_new(attrs,
                                 json_pack("{s:s, s:{s:b}}", "key", key,
                                           "value", "boolValue", v));
}


/* Token counts are -1 when unknown: then no attribute. */
static void
agw_attr_usage(json_t *attrs, int *rc, const agw_event_t *ev)
{
    if (ev->prompt_tokens >= 0) {
        agw_attr_int(attrs, rc, "gen_ai.usage.input_tokens",
                     ev->prompt_tokens);
    }

    if (ev->completion_tokens >= 0) {
        agw_attr_int(attrs, rc, "gen_ai.usage.output_tokens",
                     ev->completion_tokens);
    }
}


/*
 * What the provider said of its answer: the model that answered and why
 * it ended, when it said so.  finish_reasons is an array in the
 * conventions (one per choice): the event keeps the answer's one.
 */
static void
agw_attr_response(json_t *attrs, int *rc, const agw_event_t *ev)
{
    const char  *reason;

    agw_attr_str(attrs, rc, "gen_ai.response.model", ev->response_model);

    reason = agw_event_finish_reason_name(ev->finish_reason);
    if (reason == NULL) {
        return;
    }

    *rc |= json_array_append_new(attrs,
               json_pack("{s:s, s:{s:{s:[{s:s}]}}}", "key",
                         "gen_ai.response.finish_reasons", "value",
                         "arrayValue", "values", "stringValue", reason));
}


static json_t *
agw_span_new(const agw_event_t *ev, const uint8_t *span_id,
    const uint8_t *parent_id, const char *op, const char *model, int kind,
    int64_t start_ms, int64_t end_ms)
{
    json_t  *span;
    char     trace_hex[2 * AGW_TRACE_ID_SIZE + 1],
             span_hex[2 * AGW_SPAN_ID_SIZE + 1],
             parent_hex[2 * AGW_SPAN_ID_SIZE + 1], name[160], start[32],
             end[32];

    agw_hex(ev->trace_id, AGW_TRACE_ID_SIZE, trace_hex);
    agw_hex(span_id, AGW_SPAN_ID_SIZE, span_hex);

    if (parent_id && !agw_trace_id_is_zero(parent_id, AGW_SPAN_ID_SIZE)) {
        agw_hex(parent_id, AGW_SPAN_ID_SIZE, parent_hex);
    } else {
        parent_hex[0] = '\0';
    }

    /* the conventions' span name: "{operation} {model}" */
    snprintf(name, sizeof(name), "%s%s%s", op ? op : "request",
             model[0] ? " " : "", model);

    snprintf(start, sizeof(start), "%lld000000", (long long) start_ms);
    snprintf(end, sizeof(end), "%lld000000", (long long) end_ms);

    span = json_pack("{s:s, s:s, s:o, s:i, s:s, s:s, s:[]}",
                     "traceId", trace_hex,
                     "spanId", span_hex,
                     "name", agw_json_text(name, strlen(name)),
                     "kind", kind,
                     "startTimeUnixNano", start,
                     "endTimeUnixNano", end,
                     "attributes");

    /* a root span has no parentSpanId at all */
    if (span && parent_hex[0]
        && json_object_set_new(span, "parentSpanId", json_string(parent_hex))
           != 0)
    {
        json_decref(span);
        return NULL;
    }

    return span;
}


/* error.type and the span's status for an error. */
static void
agw_span_error(json_t *span, json_t *attrs, int *rc, unsigned cls,
    int status)
{
    char  buf[16];

    if (cls != 0) {
        agw_attr_str(attrs, rc, "error.type",
                     agw_event_error_class_name(cls));

    } else {
        snprintf(buf, sizeof(buf), "%d", status);
        agw_attr_str(attrs, rc, "error.type", status > 0 ? buf : "_OTHER");
    }

    *rc |= json_object_set_new(span, "status",
                               json_pack("{s:i}", "code",
                                         AGW_STATUS_ERROR));
}


static int
agw_request_span(json_t *spans, const agw_event_t *ev)
{
    int                   rc;
    json_t               *span, *attrs;
    const char           *op;
    const agw_attempt_t  *answered;

    op = agw_event_operation_name(ev->operation);

    span = agw_span_new(ev, ev->span_id, ev->parent_span_id, op, ev->model,
                        AGW_SPAN_KIND_SERVER, ev->time_ms,
                        ev->time_ms + ev->latency_ms);
    if (span == NULL) {
        return -1;
    }

    rc = json_array_append_new(spans, span);
    attrs = json_object_get(span, "attributes");

    /* the provider that answered: the last try, when it was kept */
    answered = (ev->n_attempts > 0 && ev->n_attempts <= AGW_EVENT_MAX_ATTEMPTS)
               ? &ev->attempts[ev->n_attempts - 1] : NULL;

    agw_attr_str(attrs, &rc, "gen_ai.operation.name", op);
    agw_attr_str(attrs, &rc, "gen_ai.request.model", ev->model);

    if (answered) {
        agw_attr_str(attrs, &rc, "gen_ai.provider.name",
                     agw_event_provider_type_name(answered->provider_type));
    }

    agw_attr_usage(attrs, &rc, ev);
    agw_attr_response(attrs, &rc, ev);
    agw_attr_int(attrs, &rc, "http.response.status_code", ev->status);
    agw_attr_str(attrs, &rc, "client.address", ev->client_addr);

    agw_attr_str(attrs, &rc, "ai_gateway.request_id", ev->request_id);
    agw_attr_str(attrs, &rc, "ai_gateway.route", ev->route);
    agw_attr_str(attrs, &rc, "ai_gateway.provider", ev->provider);
    agw_attr_str(attrs, &rc, "ai_gateway.upstream_model", ev->upstream_model);
    agw_attr_str(attrs, &rc, "ai_gateway.key.name", ev->key_name);
    agw_attr_str(attrs, &rc, "ai_gateway.client.dialect",
                 agw_dialect_name(ev->client_dialect));
    agw_attr_bool(attrs, &rc, "ai_gateway.stream", ev->stream);
    agw_attr_int(attrs, &rc, "ai_gateway.attempts", ev->n_attempts);

    if (ev->cached_tokens >= 0) {
        agw_attr_int(attrs, &rc, "ai_gateway.usage.cached_tokens",
                     ev->cached_tokens);
    }

    if (ev->reasoning_tokens >= 0) {
        agw_attr_int(attrs, &rc, "ai_gateway.usage.reasoning_tokens",
                     ev->reasoning_tokens);
    }

    if (ev->cost_micro_usd >= 0) {
        agw_attr_double(attrs, &rc, "ai_gateway.cost_usd",
                        (double) ev->cost_micro_usd / 1e6);
    }

    if (ev->ttfb_ms >= 0) {
        agw_attr_int(attrs, &rc, "ai_gateway.ttfb_ms", ev->ttfb_ms);
    }

    if (agw_event_is_error(ev)) {
        agw_span_error(span, attrs, &rc, ev->error_class, ev->status);
    }

    return rc ? -1 : 0;
}


static int
agw_try_span(json_t *spans, const agw_event_t *ev, unsigned i)
{
    int                   rc, last;
    json_t               *span, *attrs;
    uint8_t               span_id[AGW_SPAN_ID_SIZE];
    int64_t               start, end, req_end;
    const char           *op;
    const agw_attempt_t  *at;

    at = &ev->attempts[i];
    op = agw_event_operation_name(ev->operation);
    last = (i + 1 == ev->n_attempts);

    /*
     * A try's offset and latency and the request's latency are each
     * rounded to a millisecond on their own: their sum can pass the
     * request's end by one.  A child span stays within its parent.
     */
    req_end = ev->time_ms + ev->latency_ms;
    start = ev->time_ms + at->start_ms;
    end = start + at->latency_ms;

    if (end > req_end) {
        end = req_end;
    }

    if (start > end) {
        start = end;
    }

    /* the parent-id the module sent this try (agw_trace.h) */
    agw_trace_try_span_id(ev->span_id, i, span_id);

    /* only the last try's model is in the event */
    span = agw_span_new(ev, span_id, ev->span_id, op,
                        last ? ev->upstream_model : "",
                        AGW_SPAN_KIND_CLIENT, start, end);
    if (span == NULL) {
        return -1;
    }

    rc = json_array_append_new(spans, span);
    attrs = json_object_get(span, "attributes");

    agw_attr_str(attrs, &rc, "gen_ai.operation.name", op);
    agw_attr_str(attrs, &rc, "gen_ai.provider.name",
                 agw_event_provider_type_name(at->provider_type));
    agw_attr_str(attrs, &rc, "ai_gateway.provider", at->provider);
    agw_attr_int(attrs, &rc, "ai_gateway.attempt", i + 1);

    if (last) {
        agw_attr_str(attrs, &rc, "gen_ai.request.model", ev->upstream_model);
        agw_attr_usage(attrs, &rc, ev);
        agw_attr_response(attrs, &rc, ev);
    }

    if (at->status > 0) {
        agw_attr_int(attrs, &rc, "http.response.status_code", at->status);
    }

    if (at->error_class != 0 || at->status <= 0 || at->status >= 400) {
        agw_span_error(span, attrs, &rc, at->error_class, at->status);
    }

    return rc ? -1 : 0;
}


json_t *
agw_otlp_request(json_t *resource, const agw_event_t *evs, size_t n)
{
    size_t    i;
    unsigned  t;
    json_t   *spans, *req;

    spans = json_array();
    if (spans == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        if (agw_request_span(spans, &evs[i]) != 0) {
            json_decref(spans);
            return NULL;
        }

        for (t = 0; t < evs[i].n_attempts && t < AGW_EVENT_MAX_ATTEMPTS; t++)
        {
            if (agw_try_span(spans, &evs[i], t) != 0) {
                json_decref(spans);
                return NULL;
            }
        }
    }

    req = json_pack("{s:[{s:{s:O}, s:[{s:{s:s, s:s}, s:o}]}]}",
                    "resourceSpans",
                    "resource", "attributes", resource,
                    "scopeSpans",
                    "scope", "name", "ai-gateway-admin",
                             "version", AGW_VERSION,
                    "spans", spans);

    return req;
}
