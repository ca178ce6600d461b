/*
 * The Responses API stream passthrough (agw_responses): on the captured
 * and documented streams of t/fixtures/openai-responses/, every byte goes
 * out as it came except the model of the lifecycle events' Response
 * object, whatever the split of the input; the usage of the terminal event
 * is read; an error event is recorded; a cut stream ends with the
 * Responses API's error event.
 */

#define _GNU_SOURCE                 /* memmem, memrchr */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "fixtures.h"
#include "stream_util.h"
#include "agw_json_scan.h"
#include "agw_responses.h"

#define MODEL  "my-model"


typedef struct {
    int          feed_rc;
    int          finish_rc;
    size_t       before_finish;   /* out.len when the feeding ended */
    agw_usage_t  usage;
    agw_error_t  error;
} run_t;


/*
 * Feeds in[0..split) then in[split..len), each part in pieces of step
 * bytes (0: whole), then finishes; client bytes into out.
 */
static void
run(const char *model, size_t max_event, const char *in, size_t len,
    size_t split, size_t step, agw_buf_t *out, run_t *r)
{
    size_t           i, n, end;
    agw_responses_t  rs;

    memset(r, 0, sizeof(*r));
    agw_buf_reset(out);
    agw_responses_init(&rs, model, max_event);

    for (i = 0; i < len && r->feed_rc == 0; i += n) {
        end = (i < split) ? split : len;
        n = end - i;
        if (step && step < n) {
            n = step;
        }
        r->feed_rc = agw_responses_feed(&rs, in + i, n, out);
    }

    r->before_finish = out->len;
    r->finish_rc = agw_responses_finish(&rs, out);
    r->usage = rs.usage;
    r->error = rs.error;
    agw_responses_free(&rs);
}


/* s with every `from` replaced by `to`, into out (reset first). */
static void
replace_all(const char *s, size_t len, const char *from, const char *to,
    agw_buf_t *out)
{
    size_t       fl;
    const char  *p, *end, *hit;

    agw_buf_reset(out);
    fl = strlen(from);
    end = s + len;

    for (p = s; p < end; p = hit + fl) {
        hit = memmem(p, (size_t) (end - p), from, fl);
        if (hit == NULL) {
            break;
        }
        agw_buf_append(out, p, (size_t) (hit - p));
        agw_buf_append_str(out, to);
    }

    agw_buf_append(out, p, (size_t) (end - p));
}


/*
 * A payload-only capture back to the wire as OpenAI sends it: each
 * payload preceded by "event: <its type>" (the fixtures README), with the
 * line end eol; without event lines when names is 0.
 */
static int
jsonl_to_wire(const char *name, int names, const char *eol, agw_buf_t *out)
{
    char               *text, *line, *nl;
    size_t              len;
    agw_json_member_t   type;

    agw_buf_reset(out);
    text = fixture_read(name, &len);
    if (text == NULL) {
        return -1;
    }

    for (line = text; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL) {
            nl = line + strlen(line);
        }

        if (nl > line) {
            if (names) {
                if (agw_json_find(line, (size_t) (nl - line), "type", &type)
                    != 0)
                {
                    free(text);
                    return -1;
                }
                agw_buf_append_str(out, "event: ");
                agw_buf_append(out, type.value + 1, type.value_len - 2);
                agw_buf_append_str(out, eol);
            }
            agw_buf_append_str(out, "data: ");
            agw_buf_append(out, line, (size_t) (nl - line));
            agw_buf_append_str(out, eol);
            agw_buf_append_str(out, eol);
        }

        if (*nl == '\0') {
            break;
        }
    }

    free(text);
    return 0;
}


static int
same_usage(const agw_usage_t *a, const agw_usage_t *b)
{
    return memcmp(a, b, sizeof(agw_usage_t)) == 0;
}


/*
 * Runs in whole, then split at every offset (or every stride-th), then a
 * byte at a time: the client bytes must equal want each time, the usage
 * must be the same, and the stream must end as finish_rc says.
 */
static void
check_splits(const char *what, const char *in, size_t len, const char *want,
    size_t want_len, int finish_rc, size_t stride, agw_usage_t *usage)
{
    size_t      k, bad_at;
    run_t       whole, r;
    agw_buf_t   out = AGW_BUF_INIT;

    run(MODEL, 0, in, len, len, 0, &out, &whole);

    is_int(whole.feed_rc, 0, "whole: fed");
    is_int(whole.finish_rc, finish_rc, "whole: ends as it should");
    if (!ok(out.len == want_len && memcmp(out.data, want, want_len) == 0,
            "%s: the provider's bytes with only the model replaced", what))
    {
        tap_diag("got %zu bytes, want %zu", out.len, want_len);
    }

    bad_at = (size_t) -1;
    for (k = 1; k < len; k += stride) {
        run(MODEL, 0, in, len, k, 0, &out, &r);
        if (r.feed_rc != 0 || r.finish_rc != finish_rc || out.len != want_len
            || memcmp(out.data, want, want_len) != 0
            || !same_usage(&r.usage, &whole.usage))
        {
            bad_at = k;
            break;
        }
    }
    if (!ok(bad_at == (size_t) -1, "%s: the same bytes and usage split at "
            "%s offset", what, stride == 1 ? "every" : "every sampled"))
    {
        tap_diag("differs when split at %zu", bad_at);
    }

    run(MODEL, 0, in, len, len, 1, &out, &r);
    ok(r.feed_rc == 0 && r.finish_rc == finish_rc && out.len == want_len
       && memcmp(out.data, want, want_len) == 0
       && same_usage(&r.usage, &whole.usage),
       "%s: the same a byte at a time", what);

    *usage = whole.usage;
    agw_buf_free(&out);
}


/* The Response object's model in the event named name of an SSE text. */
static char *
response_model(const char *sse, size_t len, const char *name)
{
    int        i;
    char      *model;
    json_t    *j;
    events_t   e;

    model = NULL;
    if (events_parse(sse, len, &e) != 0) {
        return NULL;
    }

    for (i = 0; i < e.n; i++) {
        if (strcmp(e.event[i], name) != 0) {
            continue;
        }
        j = json_loads(e.data[i], 0, NULL);
        if (j && json_is_string(json_object_get(json_object_get(j, "response"),
                                                "model")))
        {
            model = strdup(json_string_value(json_object_get(
                               json_object_get(j, "response"), "model")));
        }
        json_decref(j);
        break;
    }

    events_free(&e);
    return model;
}


static void
test_documented(void)
{
    char        *text, *m;
    size_t       len;
    agw_buf_t    in = AGW_BUF_INIT, want = AGW_BUF_INIT;
    agw_usage_t  u;

    text = fixture_read("openai-responses/stream-text.documented.sse", &len);
    if (!ok(text != NULL, "documented stream read")) {
        return;
    }

    /* as published the last event lacks the blank line that ends it */
    agw_buf_append(&in, text, len);
    agw_buf_append_str(&in, "\n");
    free(text);

    replace_all(in.data, in.len, "\"model\":\"gpt-5.4\"",
                "\"model\":\"" MODEL "\"", &want);

    check_splits("documented", in.data, in.len, want.data, want.len, 0, 1, &u);

    is_int(u.input, 37, "documented: input tokens");
    is_int(u.output, 11, "documented: output tokens");
    is_int(u.reasoning, 0, "documented: reasoning tokens");
    is_int(u.cache_read, -1, "documented: no cached tokens given");

    m = response_model(want.data, want.len, "response.in_progress");
    is_str(m, MODEL, "documented: in_progress says the client's model");
    free(m);

    agw_buf_free(&in);
    agw_buf_free(&want);
}


static void
test_captured_text(void)
{
    char        *m;
    json_t      *last, *usage;
    run_t        r;
    agw_buf_t    in = AGW_BUF_INIT, want = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_usage_t  u;
    const char  *delta;

    if (!ok(jsonl_to_wire("openai-responses/stream-text.chunks.jsonl", 1,
                          "\n", &in) == 0, "captured text stream read"))
    {
        return;
    }

    replace_all(in.data, in.len, "\"model\":\"gpt-5.2-2025-12-11\"",
                "\"model\":\"" MODEL "\"", &want);
    ok(want.len != in.len, "captured: the capture names its model");

    check_splits("captured text", in.data, in.len, want.data, want.len, 0, 1,
                 &u);

    last = fixture_last_chunk("openai-responses/stream-text.chunks.jsonl");
    usage = json_object_get(json_object_get(last, "response"), "usage");
    is_int(u.input, json_integer_value(json_object_get(usage,
                                                       "input_tokens")),
           "captured: input tokens of response.completed");
    is_int(u.output, json_integer_value(json_object_get(usage,
                                                        "output_tokens")),
           "captured: output tokens of response.completed");
    is_int(u.cache_read, json_integer_value(json_object_get(
               json_object_get(usage, "input_tokens_details"),
               "cached_tokens")),
           "captured: cached tokens of response.completed");
    is_int(u.reasoning, json_integer_value(json_object_get(
               json_object_get(usage, "output_tokens_details"),
               "reasoning_tokens")),
           "captured: reasoning tokens of response.completed");
    json_decref(last);

    run(MODEL, 0, in.data, in.len, in.len, 0, &out, &r);

    m = response_model(out.data, out.len, "response.created");
    is_str(m, MODEL, "captured: response.created says the client's model");
    free(m);
    m = response_model(out.data, out.len, "response.completed");
    is_str(m, MODEL, "captured: response.completed says the client's model");
    free(m);

    delta = "event: response.output_text.delta\ndata: {\"type\":\"response."
            "output_text.delta\",\"content_index\":0,\"delta\":\" Silicon\"";
    ok(memmem(out.data, out.len, delta, strlen(delta)) != NULL,
       "captured: a delta event goes out byte for byte");

    /* a server that names no events: the data's "type" says the same */
    jsonl_to_wire("openai-responses/stream-text.chunks.jsonl", 0, "\n", &in);
    replace_all(in.data, in.len, "\"model\":\"gpt-5.2-2025-12-11\"",
                "\"model\":\"" MODEL "\"", &want);
    run(MODEL, 0, in.data, in.len, in.len, 0, &out, &r);
    ok(r.finish_rc == 0 && out.len == want.len
       && memcmp(out.data, want.data, want.len) == 0
       && same_usage(&r.usage, &u),
       "captured without event lines: model rewritten, usage read");

    /* no model to give back: every byte as it came, the usage still read */
    jsonl_to_wire("openai-responses/stream-text.chunks.jsonl", 1, "\n", &in);
    run("", 0, in.data, in.len, in.len, 0, &out, &r);
    ok(out.len == in.len && memcmp(out.data, in.data, in.len) == 0
       && same_usage(&r.usage, &u),
       "captured, no client model: the provider's bytes, usage read");

    agw_buf_free(&in);
    agw_buf_free(&want);
    agw_buf_free(&out);
}


/*
 * CRLF framing and comments: the events left alone keep theirs byte for
 * byte; a rewritten event is framed with LF.
 */
static void
test_crlf_and_comments(void)
{
    char         *line, *nl, *text;
    size_t        len;
    agw_buf_t     in = AGW_BUF_INIT, want = AGW_BUF_INIT, ev = AGW_BUF_INIT;
    agw_usage_t   u;
    agw_json_member_t  type;

    text = fixture_read("openai-responses/stream-text.chunks.jsonl", &len);
    if (!ok(text != NULL, "crlf: capture read")) {
        return;
    }

    agw_buf_append_str(&in, ": keep-alive\r\n\r\n");
    agw_buf_append_str(&want, ": keep-alive\r\n\r\n");

    for (line = text; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL) {
            nl = line + strlen(line);       /* the capture's last line */
        }

        agw_json_find(line, (size_t) (nl - line), "type", &type);

        agw_buf_reset(&ev);
        agw_buf_append_str(&ev, "event: ");
        agw_buf_append(&ev, type.value + 1, type.value_len - 2);
        agw_buf_append_str(&ev, "\r\ndata: ");
        agw_buf_append(&ev, line, (size_t) (nl - line));
        agw_buf_append_str(&ev, "\r\n\r\n");
        agw_buf_append(&in, ev.data, ev.len);

        if (memchr(type.value + 1, '.', type.value_len - 2)
            == memrchr(type.value + 1, '.', type.value_len - 2))
        {
            /* a lifecycle event: LF framing, model replaced */
            agw_buf_append_str(&want, "event: ");
            agw_buf_append(&want, type.value + 1, type.value_len - 2);
            agw_buf_append_str(&want, "\ndata: ");
            replace_all(line, (size_t) (nl - line),
                        "\"model\":\"gpt-5.2-2025-12-11\"",
                        "\"model\":\"" MODEL "\"", &ev);
            agw_buf_append(&want, ev.data, ev.len);
            agw_buf_append_str(&want, "\n\n");

        } else {
            agw_buf_append(&want, ev.data, ev.len);
        }

        agw_buf_append_str(&in, ":\r\n");
        agw_buf_append_str(&want, ":\r\n");

        if (*nl == '\0') {
            break;
        }
    }

    free(text);

    check_splits("crlf and comments", in.data, in.len, want.data, want.len, 0,
                 1, &u);
    ok(u.input > 0 && u.output > 0, "crlf: usage read");

    agw_buf_free(&in);
    agw_buf_free(&want);
    agw_buf_free(&ev);
}


static void
test_error_stream(void)
{
    char        *m;
    run_t        r;
    agw_buf_t    in = AGW_BUF_INIT, want = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_usage_t  u;

    if (!ok(jsonl_to_wire(
                "openai-responses/stream-error-insufficient-quota.chunks.jsonl",
                1, "\n", &in) == 0, "error stream read"))
    {
        return;
    }

    replace_all(in.data, in.len, "\"model\":\"gpt-5-nano-2025-08-07\"",
                "\"model\":\"" MODEL "\"", &want);

    /* finish says error (1) and appends nothing: the client got the
     * provider's error event and response.failed already */
    check_splits("error stream", in.data, in.len, want.data, want.len, 1, 1,
                 &u);

    run(MODEL, 0, in.data, in.len, in.len, 0, &out, &r);
    is_int(r.error.cls, AGW_ERR_RATE_LIMIT,
           "error stream: insufficient_quota recorded as a rate limit");
    is_str(r.error.code, "insufficient_quota", "error stream: its code");
    ok(strstr(r.error.message, "exceeded your current quota") != NULL,
       "error stream: its message");
    is_int(r.before_finish, out.len, "error stream: nothing appended");
    ok(!agw_usage_known(&u), "error stream: no usage");

    m = response_model(out.data, out.len, "response.failed");
    is_str(m, MODEL, "error stream: response.failed says the client's model");
    free(m);

    agw_buf_free(&in);
    agw_buf_free(&want);
    agw_buf_free(&out);
}


static void
test_cut(void)
{
    int          ok_ev;
    json_t      *j;
    size_t       cut;
    run_t        r;
    events_t     e;
    agw_buf_t    in = AGW_BUF_INIT, want = AGW_BUF_INIT, out = AGW_BUF_INIT;
    const char  *last;

    if (!ok(jsonl_to_wire("openai-responses/stream-text.chunks.jsonl", 1,
                          "\n", &in) == 0, "cut: capture read"))
    {
        return;
    }

    /* cut inside response.completed (sequence_number 15): 15 whole
     * events went before it, so the error event is number 15 */
    last = memmem(in.data, in.len, "event: response.completed",
                  strlen("event: response.completed"));
    cut = (size_t) (last - in.data) + 100;

    replace_all(in.data, (size_t) (last - in.data),
                "\"model\":\"gpt-5.2-2025-12-11\"", "\"model\":\"" MODEL "\"",
                &want);

    run(MODEL, 0, in.data, cut, cut, 0, &out, &r);

    is_int(r.feed_rc, 0, "cut: fed");
    is_int(r.finish_rc, 1, "cut: finish says error");
    is_int(r.error.cls, AGW_ERR_BAD_GATEWAY, "cut: recorded as bad gateway");
    ok(r.before_finish == want.len
       && memcmp(out.data, want.data, want.len) == 0,
       "cut: the whole events went out, the cut one did not");
    ok(!agw_usage_known(&r.usage), "cut: no usage");

    ok_ev = 0;
    if (events_parse(out.data + r.before_finish, out.len - r.before_finish,
                     &e) == 0 && e.n == 1)
    {
        j = json_loads(e.data[0], 0, NULL);
        ok_ev = strcmp(e.event[0], "error") == 0
                && json_is_string(json_object_get(j, "message"))
                && json_is_null(json_object_get(j, "param"))
                && strcmp(json_string_value(json_object_get(j, "type")),
                          "error") == 0
                && strcmp(json_string_value(json_object_get(j, "code")),
                          "stream_truncated") == 0
                && json_integer_value(json_object_get(j, "sequence_number"))
                   == 15
                && strcmp(json_string_value(json_object_get(
                              json_object_get(j, "error"), "code")),
                          "stream_truncated") == 0
                && json_is_string(json_object_get(json_object_get(j, "error"),
                                                  "message"));
        json_decref(j);
        events_free(&e);
    }
    ok(ok_ev, "cut: ends with the Responses error event (type error, "
       "code, message, param, sequence_number 15, the error object)");

    /* again at every split of the cut stream */
    check_splits("cut stream", in.data, cut, out.data, out.len, 1, 1,
                 &r.usage);

    /* finish twice: the same answer, nothing more */
    {
        agw_responses_t  rs;
        size_t           n;

        agw_responses_init(&rs, MODEL, 0);
        agw_buf_reset(&out);
        agw_responses_feed(&rs, in.data, cut, &out);
        is_int(agw_responses_finish(&rs, &out), 1, "cut: finish 1");
        n = out.len;
        is_int(agw_responses_finish(&rs, &out), 1, "cut: finish again 1");
        is_int(out.len, n, "cut: finish again appends nothing");
        agw_responses_free(&rs);
    }

    /* an event larger than allowed: an error event, not a clean end */
    run(MODEL, 1000, in.data, in.len, in.len, 0, &out, &r);
    ok(r.feed_rc == -1 && r.finish_rc == 1
       && strstr(out.data, "\"code\":\"event_too_large\"") != NULL,
       "an event larger than max_event ends the stream in error");

    agw_buf_free(&in);
    agw_buf_free(&want);
    agw_buf_free(&out);
}


/*
 * The captured Response with cached and reasoning tokens, sent as the
 * data of a response.completed event (as the fixture's JSON is, several
 * data lines).
 */
static void
test_cached_reasoning_usage(void)
{
    char       *text, *line, *nl;
    size_t      len;
    json_t     *want, *got;
    run_t       r;
    events_t    e;
    agw_buf_t   in = AGW_BUF_INIT, out = AGW_BUF_INIT;

    text = fixture_read("openai-responses/response-cached-reasoning-usage.json",
                        &len);
    if (!ok(text != NULL, "cached/reasoning response read")) {
        return;
    }

    agw_buf_append_str(&in, "event: response.completed\n"
                            "data: {\"type\":\"response.completed\","
                            "\"sequence_number\":9,\"response\":\n");
    for (line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        agw_buf_append_str(&in, "data: ");
        agw_buf_append(&in, line, (size_t) (nl - line));
        agw_buf_append_str(&in, "\n");
    }
    agw_buf_append_str(&in, "data: }\n\n");

    run(MODEL, 0, in.data, in.len, in.len, 0, &out, &r);

    is_int(r.finish_rc, 0, "cached/reasoning: a whole stream");
    is_int(r.usage.input, 7243, "cached/reasoning: input tokens");
    is_int(r.usage.cache_read, 3072, "cached/reasoning: cached tokens");
    is_int(r.usage.output, 423, "cached/reasoning: output tokens");
    is_int(r.usage.reasoning, 58, "cached/reasoning: reasoning tokens");
    is_int(r.usage.cache_write, -1, "cached/reasoning: no cache writes");

    want = json_loadb(text, len, 0, NULL);
    json_object_set_new(want, "model", json_string(MODEL));
    got = NULL;
    if (events_parse(out.data, out.len, &e) == 0 && e.n == 1) {
        got = json_loads(e.data[0], 0, NULL);
    }
    events_free(&e);
    ok(got && json_equal(json_object_get(got, "response"), want),
       "cached/reasoning: the same Response, model replaced");
    json_decref(got);
    json_decref(want);

    free(text);
    agw_buf_free(&in);
    agw_buf_free(&out);
}


/* Four streams back to back, reasoning and 39 argument fragments. */
static void
test_reasoning_function_call(void)
{
    agw_buf_t    in = AGW_BUF_INIT, want = AGW_BUF_INIT;
    agw_usage_t  u;

    if (!ok(jsonl_to_wire(
                "openai-responses/stream-reasoning-function-call.chunks.jsonl",
                1, "\n", &in) == 0, "reasoning/function call stream read"))
    {
        return;
    }

    replace_all(in.data, in.len, "\"model\":\"gpt-5.1-codex-max\"",
                "\"model\":\"" MODEL "\"", &want);

    check_splits("reasoning/function call", in.data, in.len, want.data,
                 want.len, 0, 61, &u);

    /* the last of the four responses' usage */
    is_int(u.input, 299, "reasoning/function call: input tokens");
    is_int(u.output, 12, "reasoning/function call: output tokens");
    is_int(u.cache_read, 0, "reasoning/function call: cached tokens");
    is_int(u.reasoning, 0, "reasoning/function call: reasoning tokens");

    agw_buf_free(&in);
    agw_buf_free(&want);
}


int
main(void)
{
    test_documented();
    test_captured_text();
    test_crlf_and_comments();
    test_error_stream();
    test_cut();
    test_cached_reasoning_usage();
    test_reasoning_function_call();

    return done_testing();
}
