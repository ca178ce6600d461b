/*
 * test_gemini.h: what the Gemini dialect's tests share: fixtures as wire
 * bytes, comparing JSON, running a stream split anywhere, and reading a
 * client stream back the way a client SDK would (text, whole tool calls,
 * finish reason, usage), checking its framing on the way.
 */

#ifndef TEST_GEMINI_H
#define TEST_GEMINI_H

#include <stdlib.h>
#include <string.h>

#include "agw_translate_int.h"
#include "tap.h"
#include "fixtures.h"
#include "stream_util.h"

#define GEM  AGW_DIALECT_GEMINI
#define OAI  AGW_DIALECT_OPENAI
#define ANT  AGW_DIALECT_ANTHROPIC


/*
 * A Gemini fixture as wire bytes: .sse files as they are (stream-text.sse
 * keeps its mixed CRLF/LF); .chunks.jsonl framed as Google's alt=sse is,
 * "data: <line>\r\n\r\n".
 */
__attribute__((unused)) static int
gm_fixture_wire(const char *name, agw_buf_t *out)
{
    char    *text, *line, *nl;
    size_t   len;
    int      rc;

    text = fixture_read(name, &len);
    if (text == NULL) {
        return -1;
    }

    if (strstr(name, ".jsonl") == NULL) {
        rc = agw_buf_append(out, text, len);
        free(text);
        return rc;
    }

    rc = 0;
    for (line = text; rc == 0 && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL) {
            nl = line + strlen(line);
        }
        if (nl > line) {
            rc = agw_buf_append_str(out, "data: ")
                 | agw_buf_append(out, line, (size_t) (nl - line))
                 | agw_buf_append_str(out, "\r\n\r\n");
        }
        if (*nl == '\0') {
            break;
        }
    }

    free(text);
    return rc;
}


/* ok() that got equals the JSON text want, with both shown if not. */
__attribute__((unused)) static void
json_is(const json_t *got, const char *want, const char *name)
{
    char    *g, *w;
    json_t  *wj;

    wj = json_loads(want, 0, NULL);
    if (!ok(wj != NULL && got != NULL && json_equal(got, wj), "%s", name)) {
        g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        w = wj ? json_dumps(wj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        tap_diag("got  %s", g ? g : "(null)");
        tap_diag("want %s", w ? w : "(bad JSON in the test)");
        free(g);
        free(w);
    }
    json_decref(wj);
}


/* What a Gemini SDK makes of a stream: */
typedef struct {
    agw_buf_t   text;        /* text parts, joined */
    agw_buf_t   thoughts;    /* thought parts, joined */
    json_t     *calls;       /* functionCall parts (+ "sig"), in order */
    json_t     *usage;       /* the last usageMetadata */
    json_t     *error;       /* an error object chunk ({"error":...}) */
    char        finish[32];  /* the last finishReason */
    char        model[64];   /* the last modelVersion */
    int         events;
    int         finishes;    /* chunks that carried a finishReason */
    int         framing_ok;  /* every event "data: {json}\r\n\r\n" */
} gm_client_t;

__attribute__((unused)) static void
gm_client_free(gm_client_t *c)
{
    agw_buf_free(&c->text);
    agw_buf_free(&c->thoughts);
    json_decref(c->calls);
    json_decref(c->usage);
    json_decref(c->error);
    memset(c, 0, sizeof(*c));
}

__attribute__((unused)) static void
gm_client_parse(const char *s, size_t len, gm_client_t *c)
{
    size_t       i, k;
    json_t      *j, *cand, *part, *fc;
    const char  *end, *p, *t;

    memset(c, 0, sizeof(*c));
    c->calls = json_array();
    c->framing_ok = 1;

    p = s;
    while (p < s + len) {
        if (strncmp(p, "data: ", 6) != 0) {
            c->framing_ok = 0;
            break;
        }

        end = strstr(p, "\r\n\r\n");
        if (end == NULL || end > s + len) {
            c->framing_ok = 0;
            break;
        }

        j = json_loadb(p + 6, (size_t) (end - p - 6), 0, NULL);
        p = end + 4;
        if (!json_is_object(j)) {
            c->framing_ok = 0;
            json_decref(j);
            continue;
        }
        c->events++;

        if (json_is_object(json_object_get(j, "error"))) {
            json_decref(c->error);
            c->error = j;
            continue;
        }

        json_array_foreach(json_object_get(j, "candidates"), i, cand) {
            json_array_foreach(json_object_get(json_object_get(cand,
                                   "content"), "parts"), k, part) {
                fc = json_object_get(part, "functionCall");
                t = json_string_value(json_object_get(part, "text"));
                if (fc != NULL) {
                    fc = json_deep_copy(fc);
                    if (json_object_get(part, "thoughtSignature")) {
                        json_object_set(fc, "sig",
                            json_object_get(part, "thoughtSignature"));
                    }
                    json_array_append_new(c->calls, fc);
                } else if (t != NULL
                           && json_is_true(json_object_get(part, "thought")))
                {
                    agw_buf_append_str(&c->thoughts, t);
                } else if (t != NULL) {
                    agw_buf_append_str(&c->text, t);
                }
            }
            t = json_string_value(json_object_get(cand, "finishReason"));
            if (t != NULL) {
                snprintf(c->finish, sizeof(c->finish), "%s", t);
                c->finishes++;
            }
        }

        if (json_object_get(j, "usageMetadata") != NULL) {
            json_decref(c->usage);
            c->usage = json_incref(json_object_get(j, "usageMetadata"));
        }
        t = json_string_value(json_object_get(j, "modelVersion"));
        if (t != NULL) {
            snprintf(c->model, sizeof(c->model), "%s", t);
        }
        json_decref(j);
    }
}


/* What an OpenAI SDK makes of a stream: */
typedef struct {
    agw_buf_t   text;
    agw_buf_t   reasoning;
    json_t     *calls;       /* [{id,name,arguments}] by index */
    json_t     *usage;
    json_t     *error;
    char        finish[32];
    int         finishes;
    int         done;        /* data: [DONE] came */
    int         parse_rc;
} oai_client_t;

__attribute__((unused)) static void
oai_client_free(oai_client_t *c)
{
    agw_buf_free(&c->text);
    agw_buf_free(&c->reasoning);
    json_decref(c->calls);
    json_decref(c->usage);
    json_decref(c->error);
    memset(c, 0, sizeof(*c));
}

__attribute__((unused)) static void
oai_client_parse(const char *s, size_t len, oai_client_t *c)
{
    int          n;
    size_t       i, k;
    json_t      *j, *ch, *d, *tc, *slot, *fn;
    const char  *t;
    events_t     ev;
    agw_buf_t    args;

    memset(c, 0, sizeof(*c));
    c->calls = json_array();
    c->parse_rc = events_parse(s, len, &ev);

    for (n = 0; n < ev.n; n++) {
        if (strcmp(ev.data[n], "[DONE]") == 0) {
            c->done = 1;
            continue;
        }
        j = json_loads(ev.data[n], 0, NULL);
        if (json_object_get(j, "error") != NULL) {
            json_decref(c->error);
            c->error = json_incref(json_object_get(j, "error"));
        }
        json_array_foreach(json_object_get(j, "choices"), i, ch) {
            d = json_object_get(ch, "delta");
            t = json_string_value(json_object_get(d, "content"));
            if (t != NULL) {
                agw_buf_append_str(&c->text, t);
            }
            t = json_string_value(json_object_get(d, "reasoning_content"));
            if (t != NULL) {
                agw_buf_append_str(&c->reasoning, t);
            }
            json_array_foreach(json_object_get(d, "tool_calls"), k, tc) {
                size_t idx = (size_t) json_integer_value(
                                 json_object_get(tc, "index"));
                while (json_array_size(c->calls) <= idx) {
                    json_array_append_new(c->calls,
                        json_pack("{s:s, s:s, s:s}", "id", "", "name", "",
                                  "arguments", ""));
                }
                slot = json_array_get(c->calls, idx);
                fn = json_object_get(tc, "function");
                if (json_object_get(tc, "id")) {
                    json_object_set(slot, "id", json_object_get(tc, "id"));
                }
                if (json_object_get(fn, "name")) {
                    json_object_set(slot, "name", json_object_get(fn, "name"));
                }
                t = json_string_value(json_object_get(fn, "arguments"));
                if (t != NULL) {
                    memset(&args, 0, sizeof(args));
                    agw_buf_append_str(&args, json_string_value(
                        json_object_get(slot, "arguments")));
                    agw_buf_append_str(&args, t);
                    json_object_set_new(slot, "arguments",
                        json_stringn(args.data ? args.data : "", args.len));
                    agw_buf_free(&args);
                }
            }
            t = json_string_value(json_object_get(ch, "finish_reason"));
            if (t != NULL) {
                snprintf(c->finish, sizeof(c->finish), "%s", t);
                c->finishes++;
            }
        }
        if (json_is_object(json_object_get(j, "usage"))) {
            json_decref(c->usage);
            c->usage = json_incref(json_object_get(j, "usage"));
        }
        json_decref(j);
    }

    events_free(&ev);
}


/* The text parts of a Gemini stream fixture, joined, read with the SSE
 * parser (the fixture's own line ends, whatever they are). */
__attribute__((unused)) static void
gm_fixture_text(const agw_buf_t *wire, agw_buf_t *text)
{
    int          n;
    size_t       i, k;
    json_t      *j, *cand, *part;
    const char  *t;
    events_t     ev;

    if (events_parse(wire->data, wire->len, &ev) != 0) {
        tap_diag("fixture does not parse as SSE");
    }

    for (n = 0; n < ev.n; n++) {
        j = json_loads(ev.data[n], 0, NULL);
        json_array_foreach(json_object_get(j, "candidates"), i, cand) {
            json_array_foreach(json_object_get(json_object_get(cand,
                                   "content"), "parts"), k, part) {
                t = json_string_value(json_object_get(part, "text"));
                if (t != NULL
                    && !json_is_true(json_object_get(part, "thought")))
                {
                    agw_buf_append_str(text, t);
                }
            }
        }
        json_decref(j);
    }

    events_free(&ev);
}


/* The JSON text s, parsed; for comparing tool call arguments. */
__attribute__((unused)) static json_t *
jparse(const char *s)
{
    return s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
}


/* Feeds the stream split in two at every step-th byte offset (1: every
 * one), checking every split gives the bytes of the whole run. */
__attribute__((unused)) static void
gm_splits_identical(agw_dialect_t provider, agw_dialect_t client,
    const agw_stream_opts_t *o, const agw_buf_t *in, const agw_buf_t *whole,
    size_t step, const char *name)
{
    size_t          k, bad, n;
    agw_buf_t       out = AGW_BUF_INIT;
    agw_stream_t   *s;

    bad = 0;
    n = 0;
    for (k = 1; k < in->len; k += step) {
        n++;
        agw_buf_reset(&out);
        s = agw_stream_new(provider, client, o);
        if (agw_stream_feed(s, in->data, k, &out) == 0) {
            (void) agw_stream_feed(s, in->data + k, in->len - k, &out);
        }
        (void) agw_stream_finish(s, 1, &out);
        agw_stream_free(s);

        if (out.len != whole->len || memcmp(out.data, whole->data, out.len)) {
            if (bad++ == 0) {
                tap_diag("first difference when split at %zu", k);
            }
        }
    }

    ok(bad == 0, "%s: identical output at %zu split points%s", name, n,
       step == 1 ? " (every byte offset)" : "");
    agw_buf_free(&out);
}

/* Feeds the stream one byte at a time: every offset is a split point of
 * the same run, which must give the bytes of the whole run. */
__attribute__((unused)) static void
gm_bytewise_identical(agw_dialect_t provider, agw_dialect_t client,
    const agw_stream_opts_t *o, const agw_buf_t *in, const agw_buf_t *whole,
    const char *name)
{
    size_t          k;
    agw_buf_t       out = AGW_BUF_INIT;
    agw_stream_t   *s;

    s = agw_stream_new(provider, client, o);
    for (k = 0; k < in->len; k++) {
        if (agw_stream_feed(s, in->data + k, 1, &out) != 0) {
            break;
        }
    }
    (void) agw_stream_finish(s, 1, &out);
    agw_stream_free(s);

    ok(out.len == whole->len && memcmp(out.data, whole->data, out.len) == 0,
       "%s: identical output fed one byte at a time", name);
    agw_buf_free(&out);
}

#endif /* TEST_GEMINI_H */
