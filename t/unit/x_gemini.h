/*
 * x_gemini.h: what the engine's Gemini tests share: a fixture as wire
 * bytes, a body through two codecs, JSON compared, a stream run through
 * a reader and a writer.
 */

#ifndef X_GEMINI_H
#define X_GEMINI_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "fixtures.h"
#include "stream_util.h"
#include "agw_codec.h"
#include "x_gemini_driver.h"

#define GEM  AGW_DIALECT_GEMINI
#define OAI  AGW_DIALECT_OPENAI
#define ANT  AGW_DIALECT_ANTHROPIC
#define RSP  AGW_DIALECT_RESPONSES


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


__attribute__((unused)) static const agw_codec_t *
xg_codec(agw_dialect_t d)
{
    switch (d) {
    case AGW_DIALECT_GEMINI:    return &agw_gemini_codec;
    case AGW_DIALECT_ANTHROPIC: return &agw_anthropic_codec;
    case AGW_DIALECT_OPENAI:    return &agw_openai_codec;
    default:                    return &agw_responses_codec;
    }
}


/* A client's body read by from's codec and written by to's. */
__attribute__((unused)) static json_t *
xg_request(agw_dialect_t from, agw_dialect_t to, const char *body,
    size_t len, agw_error_t *err)
{
    char                stack[8192];
    json_t             *j;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_arena_t         a;
    agw_request_t       req;
    agw_request_ctx_t   o;

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("up-model");
    o.default_max_tokens = 4096;
    o.client = from;

    agw_arena_init(&a, stack, sizeof(stack), 0);

    j = NULL;
    if (xg_codec(from)->read_request(body, len, 0, &a, &req, err) == 0
        && xg_codec(to)->write_request(&req, &o, &out, err) == 0)
    {
        j = json_loadb(out.data, out.len, 0, NULL);
        if (j == NULL) {
            tap_diag("the writer's output is not JSON: %.*s", (int) out.len,
                     out.data);
        }
    }

    agw_buf_free(&out);
    agw_arena_free(&a);

    return j;
}


/* ok() that got and want are equal JSON, both shown if not. */
__attribute__((unused)) static int
xg_json_eq(const json_t *got, const json_t *want, const char *name)
{
    char  *g, *w;

    if (ok(got != NULL && want != NULL && json_equal(got, want), "%s",
           name))
    {
        return 1;
    }

    g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    w = want ? json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    tap_diag("got  %s", g ? g : "(null)");
    tap_diag("want %s", w ? w : "(null)");
    free(g);
    free(w);

    return 0;
}


/* ok() that got equals the JSON text want. */
__attribute__((unused)) static int
xg_json_is(const json_t *got, const char *want, const char *name)
{
    int      rc;
    json_t  *w;

    w = json_loads(want, 0, NULL);
    if (w == NULL) {
        tap_diag("bad JSON in the test: %s", want);
    }
    rc = xg_json_eq(got, w, name);
    json_decref(w);

    return rc;
}


/* A string's characters, malloc'd and NUL-terminated. */
__attribute__((unused)) static char *
xg_chars(const agw_str_t *s)
{
    char    *p;
    size_t   n;

    p = malloc(s->len + 1);
    n = s->len ? agw_str_unescape(s, p) : 0;
    p[n] = '\0';

    return p;
}


/* The old hub's finish_reason of a finish. */
__attribute__((unused)) static const char *
xg_finish_openai(agw_finish_t f)
{
    switch (f) {
    case AGW_FINISH_LENGTH:         return "length";
    case AGW_FINISH_TOOL_CALLS:     return "tool_calls";
    case AGW_FINISH_CONTENT_FILTER: return "content_filter";
    default:                        return "stop";
    }
}


/*
 * Adjacent text parts of a Gemini parts array joined, thoughts with
 * thoughts, the later part's signature kept: the old path had one content
 * string and one reasoning string per message, the engine keeps parts.
 */
__attribute__((unused)) static void
xg_join_text(json_t *parts)
{
    size_t   k;
    json_t  *p, *q, *sig;
    char    *joined;
    int      pt, qt;

    for (k = 0; k + 1 < json_array_size(parts); /* void */ ) {
        p = json_array_get(parts, k);
        q = json_array_get(parts, k + 1);
        pt = json_is_true(json_object_get(p, "thought"));
        qt = json_is_true(json_object_get(q, "thought"));
        if (!json_is_string(json_object_get(p, "text"))
            || !json_is_string(json_object_get(q, "text")) || pt != qt)
        {
            k++;
            continue;
        }
        joined = malloc(strlen(json_string_value(json_object_get(p, "text")))
                        + strlen(json_string_value(json_object_get(q,
                                                                "text")))
                        + 1);
        strcpy(joined, json_string_value(json_object_get(p, "text")));
        strcat(joined, json_string_value(json_object_get(q, "text")));
        json_object_set_new(p, "text", json_string(joined));
        free(joined);
        sig = json_object_get(q, "thoughtSignature");
        if (sig != NULL) {
            json_object_set(p, "thoughtSignature", sig);
        }
        json_array_remove(parts, k + 1);
    }
}


/* A stream: a provider's events read by one codec, written by another
 * (or rewritten by one), into out. */
typedef struct {
    agw_xstream_t  s;
    agw_arena_t    a;
    char           stack[8192];
    agw_buf_t      out;
    int            rewrite;
    int            rc;              /* an event failed */
} xg_stream_t;


__attribute__((unused)) static void
xg_stream_open(xg_stream_t *x, const agw_codec_t *reader,
    const agw_codec_t *writer, agw_dialect_t provider, const char *model)
{
    memset(x, 0, sizeof(*x));
    x->s.reader = reader;
    x->s.writer = writer;
    x->s.rstate = calloc(1, reader->read_state_size);
    x->s.wstate = calloc(1, writer->write_state_size);
    x->s.arena = &x->a;
    x->s.opts.model = agw_str_bytes(model, strlen(model));
    x->s.opts.provider = provider;
    x->s.opts.created = 1700000000;
    agw_usage_init(&x->s.usage);
    agw_jw_init(&x->s.w, &x->out);
    agw_arena_init(&x->a, x->stack, sizeof(x->stack), 0);
}


__attribute__((unused)) static int
xg_stream_event(void *ud, const agw_sse_event_t *ev)
{
    int           rc;
    xg_stream_t  *x = ud;

    rc = x->rewrite ? x->s.reader->rewrite_event(&x->s, ev)
                    : x->s.reader->read_event(&x->s, ev);
    agw_arena_free(&x->a);
    if (rc != 0) {
        x->rc = -1;
    }

    return rc != 0;
}


__attribute__((unused)) static void
xg_stream_feed(xg_stream_t *x, const char *wire, size_t len)
{
    agw_sse_parser_t  p;

    agw_sse_init(&p, 0);
    agw_sse_feed(&p, wire, len, xg_stream_event, x);
    agw_sse_free(&p);
}


/* The end: the writer's last events, or its error event; the states
 * freed (out is the caller's to free). */
__attribute__((unused)) static void
xg_stream_close(xg_stream_t *x)
{
    agw_error_t  err;

    if (!x->rewrite) {
        if (x->rc == 0 && x->s.provider_done && x->s.error == NULL) {
            x->s.writer->write_end(&x->s);
        } else {
            memset(&err, 0, sizeof(err));
            if (x->s.error != NULL) {
                err = *x->s.error;
            } else {
                agw_error_set(&err, AGW_ERR_BAD_GATEWAY, 0,
                              "stream_truncated", "the stream ended early");
            }
            x->s.writer->write_stream_error(&x->s, &err);
        }
    }

    if (x->s.reader->free_read_state != NULL) {
        x->s.reader->free_read_state(x->s.rstate);
    }
    if (x->s.writer->free_write_state != NULL) {
        x->s.writer->free_write_state(x->s.wstate);
    }
    free(x->s.rstate);
    free(x->s.wstate);
    free(x->s.error);
    x->s.error = NULL;
    agw_arena_free(&x->a);
}

#endif /* X_GEMINI_H */
