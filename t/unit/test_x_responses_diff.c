/*
 * The Responses codec's same-dialect rewrites against the path they
 * replace (the oracle): agw_passthrough_request / _response and the
 * agw_responses stream passthrough, on every Responses fixture and on
 * mutations of them (streams cut after each event, without "event:"
 * lines, with CRLF line ends; a client's model that needs escaping; a
 * request without a model).  The answers must be equal as JSON, and the
 * usage and the error met the same.
 */

#define _GNU_SOURCE

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "fixtures.h"
#include "agw_codec.h"
#include "agw_passthrough.h"
#include "agw_responses.h"
#include "test_x_responses.h"


static const char  *models[] = { "my-model", "odd \"model\"\\" };


static int
same_usage(const agw_usage_t *a, const agw_usage_t *b)
{
    return a->input == b->input && a->output == b->output
           && a->cache_read == b->cache_read
           && a->cache_write == b->cache_write
           && a->reasoning == b->reasoning;
}


static int
same_json(const char *a, size_t alen, const char *b, size_t blen,
    const char *name)
{
    int      same;
    json_t  *ja, *jb;

    ja = json_loadb(a, alen, 0, NULL);
    jb = json_loadb(b, blen, 0, NULL);
    same = ja != NULL && jb != NULL && test_json_same(ja, jb, name);
    json_decref(ja);
    json_decref(jb);
    return same;
}


static void
diff_request(const char *file)
{
    int                 rc, old, fails;
    char               *body;
    size_t              len, i;
    json_t             *j, *got;
    agw_buf_t           a = AGW_BUF_INIT, b = AGW_BUF_INIT;
    agw_error_t         err;
    agw_request_ctx_t   o;

    got = NULL;
    body = fixture_read(file, &len);
    fails = 0;

    for (i = 0; body && i < sizeof(models) / sizeof(models[0]); i++) {
        agw_buf_reset(&a);
        agw_buf_reset(&b);
        memset(&o, 0, sizeof(o));
        memset(&err, 0, sizeof(err));
        o.model = agw_str_bytes(models[i], strlen(models[i]));

        old = agw_passthrough_request(body, len, models[i], 0, &a);
        rc = agw_responses_codec.rewrite_request(body, len, &o, &b, &err);

        if (old != 0 || rc != 0 || !same_json(a.data, a.len, b.data, b.len,
                                              file))
        {
            fails++;
        }
    }

    ok(body && fails == 0, "%s: the request rewritten as before", file);

    /* without a model: the old path set one through jansson */
    j = body ? json_loadb(body, len, 0, NULL) : NULL;
    json_object_del(j, "model");
    free(body);
    body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);

    agw_buf_reset(&b);
    memset(&o, 0, sizeof(o));
    o.model = agw_str_bytes("m", 1);
    j = body ? json_loads(body, 0, NULL) : NULL;
    json_object_set_new(j, "model", json_string("m"));

    ok(body && agw_passthrough_request(body, strlen(body), "m", 0, &a)
               == AGW_PASSTHROUGH_DECLINED
       && agw_responses_codec.rewrite_request(body, strlen(body), &o, &b,
                                              &err) == 0
       && (got = json_loadb(b.data, b.len, 0, NULL)) != NULL
       && test_json_same(got, j, file),
       "%s: without a model, the route's added (the old path's jansson "
       "set it)", file);

    json_decref(got);
    json_decref(j);
    free(body);
    agw_buf_free(&a);
    agw_buf_free(&b);
}


static void
diff_response(const char *file)
{
    int                fails;
    char              *body;
    size_t             len, i;
    agw_buf_t          a = AGW_BUF_INIT, b = AGW_BUF_INIT;
    agw_usage_t        ua, ub;
    agw_error_t        err;
    agw_answer_ctx_t   o;

    body = fixture_read(file, &len);
    fails = 0;

    for (i = 0; body && i < sizeof(models) / sizeof(models[0]); i++) {
        agw_buf_reset(&a);
        agw_buf_reset(&b);
        agw_usage_init(&ua);
        agw_usage_init(&ub);
        memset(&o, 0, sizeof(o));
        memset(&err, 0, sizeof(err));
        o.model = agw_str_bytes(models[i], strlen(models[i]));

        if (agw_passthrough_response(body, len, models[i], &a, &ua) != 0
            || agw_responses_codec.rewrite_response(body, len, &o, &b, &ub,
                                                    &err) != 0
            || !same_json(a.data, a.len, b.data, b.len, file)
            || !same_usage(&ua, &ub))
        {
            fails++;
        }
    }

    ok(body && fails == 0, "%s: the answer rewritten as before, the same "
       "usage", file);

    free(body);
    agw_buf_free(&a);
    agw_buf_free(&b);
}


/* The error events' message is each path's own words for a cut stream. */
static json_t *
events_of(const char *p, size_t len)
{
    size_t       i;
    json_t      *list, *ev;
    const char  *t;

    list = test_events(p, len);

    json_array_foreach(list, i, ev) {
        t = json_string_value(json_object_get(ev, "type"));

        if (t != NULL && strcmp(t, "error") == 0
            && json_object_get(ev, "code") != NULL
            && strcmp(json_string_value(json_object_get(ev, "code")),
                      "stream_truncated") == 0)
        {
            json_object_del(ev, "message");
            json_object_del(json_object_get(ev, "error"), "message");
        }
    }

    return list;
}


/*
 * One stream through both paths: 1 when they agree.  after_error: the
 * stream was cut right after the provider's error event, where the
 * engine records the cut, not the error (docs/translation-responses.md:
 * the rewrite records the error at the response.failed that follows, as
 * the engine ends a stream on the first error it records).
 */
static int
diff_stream_bytes(const char *in, size_t len, const char *model,
    const char *name, int after_error)
{
    int               same;
    json_t           *ea, *eb;
    agw_buf_t         a = AGW_BUF_INIT, b = AGW_BUF_INIT;
    agw_usage_t       ub;
    agw_error_t       err;
    agw_responses_t   rs;

    agw_responses_init(&rs, model, 0);
    agw_responses_feed(&rs, in, len, &a);
    (void) agw_responses_finish(&rs, &a);

    memset(&err, 0, sizeof(err));
    test_xs_run(&agw_responses_codec, &agw_responses_codec, 1, model, in,
                len, &b, &ub, &err);

    ea = events_of(a.data, a.len);
    eb = events_of(b.data, b.len);

    same = ea != NULL && eb != NULL && test_json_same(eb, ea, name)
           && same_usage(&rs.usage, &ub)
           && (after_error ? strcmp(err.code, "stream_truncated") == 0
                           : (rs.error.cls == err.cls
                              && strcmp(rs.error.code, err.code) == 0));

    if (!same) {
        tap_diag("%s: usage %lld/%lld, error %d %s / %d %s", name,
                 (long long) rs.usage.input, (long long) ub.input,
                 rs.error.cls, rs.error.code, err.cls, err.code);
    }

    json_decref(ea);
    json_decref(eb);
    agw_responses_free(&rs);
    agw_buf_free(&a);
    agw_buf_free(&b);
    return same;
}


static void
diff_stream(const char *file)
{
    int          fails, cuts;
    char        *text, *p, *last;
    size_t       len, i;
    agw_buf_t    crlf = AGW_BUF_INIT;

    text = fixture_read(file, &len);
    fails = cuts = 0;

    for (i = 0; text && i < sizeof(models) / sizeof(models[0]); i++) {
        fails += !diff_stream_bytes(text, len, models[i], file, 0);
    }

    ok(text && fails == 0, "%s: the stream rewritten as before", file);

    /* cut after each event: the same events, then the same error */
    for (p = text, last = text; text && (p = strstr(p, "\n\n")) != NULL;
         last = p + 2, p += 2)
    {
        cuts++;
        fails += !diff_stream_bytes(text, (size_t) (p + 2 - text),
                                    "my-model", file,
                                    strncmp(last, "event: error\n", 13) == 0);
    }

    ok(text && cuts > 2 && fails == 0, "%s: cut after each of its %d "
       "events, as before", file, cuts);

    /* CRLF line ends */
    for (i = 0; text && i < len; i++) {
        if (text[i] == '\n') {
            agw_buf_append(&crlf, "\r\n", 2);
        } else {
            agw_buf_append(&crlf, text + i, 1);
        }
    }

    ok(text && diff_stream_bytes(crlf.data, crlf.len, "my-model", file, 0),
       "%s: with CRLF line ends, as before", file);

    free(text);
    agw_buf_free(&crlf);
}


/* The payload-only captures as a server without "event:" lines sends. */
static void
diff_jsonl(const char *file)
{
    agw_buf_t  in = AGW_BUF_INIT;

    ok(fixture_jsonl_to_sse(file, NULL, &in) == 0
       && diff_stream_bytes(in.data, in.len, "my-model", file, 0),
       "%s: without event lines, as before", file);

    agw_buf_free(&in);
}


int
main(void)
{
    diff_request("openai-responses/request-text.documented.json");
    diff_request("openai-responses/request-image-url.documented.json");
    diff_request("openai-responses/request-tools.documented.json");

    diff_response("openai-responses/response-text.documented.json");
    diff_response("openai-responses/response-function-call.documented.json");
    diff_response("openai-responses/response-reasoning.documented.json");
    diff_response("openai-responses/response-cached-reasoning-usage.json");

    diff_stream("openai-responses/stream-text.chunks.sse");
    diff_stream("openai-responses/stream-reasoning-function-call.chunks.sse");
    diff_stream("openai-responses/stream-error-insufficient-quota.chunks.sse");
    diff_stream("openai-responses/stream-text.documented.sse");

    diff_jsonl("openai-responses/stream-text.chunks.jsonl");
    diff_jsonl("openai-responses/stream-reasoning-function-call.chunks.jsonl");
    diff_jsonl("openai-responses/stream-error-insufficient-quota.chunks.jsonl");

    return done_testing();
}
