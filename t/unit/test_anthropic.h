/*
 * test_anthropic.h: what the Anthropic dialect's tests share: fixtures as
 * wire bytes, running a stream through the library split anywhere, and
 * reading a client stream back into a short text a test can compare
 * (what a client SDK would make of it), checking its framing on the way.
 */

#ifndef TEST_ANTHROPIC_H
#define TEST_ANTHROPIC_H

#include <stdlib.h>
#include <string.h>

#include "agw_translate_int.h"
#include "tap.h"
#include "fixtures.h"


/*
 * An Anthropic fixture as wire bytes: .sse files as they are; .chunks.jsonl
 * (payloads only) framed the way Anthropic sends them, "event: <type>"
 * from each payload's "type", then "data: <line>" and a blank line.
 */
__attribute__((unused)) static int
ant_fixture_wire(const char *name, agw_buf_t *out)
{
    char         *text, *line, *nl;
    size_t        len;
    json_t       *j;
    const char   *type;
    int           rc;

    text = fixture_read(name, &len);
    if (text == NULL) {
        return -1;
    }

    if (strstr(name, ".jsonl") == NULL) {
        rc = agw_buf_append(out, text, len);
        /* the documented examples lost the blank line that ends the last
         * event on the wire (the captured ones have it) */
        if (rc == 0 && len >= 2 && memcmp(text + len - 2, "\n\n", 2) != 0) {
            rc = agw_buf_append_str(out, "\n");
        }
        free(text);
        return rc;
    }

    rc = 0;
    for (line = text; rc == 0 && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL) {
            nl = line + strlen(line);
        }
        if (nl == line) {
            if (*nl == '\0') {
                break;
            }
            continue;
        }

        j = json_loadb(line, (size_t) (nl - line), 0, NULL);
        type = json_string_value(json_object_get(j, "type"));

        rc = agw_buf_printf(out, "event: %s\ndata: ", type ? type : "");
        rc |= agw_buf_append(out, line, (size_t) (nl - line));
        rc |= agw_buf_append_str(out, "\n\n");
        json_decref(j);

        if (*nl == '\0') {
            break;
        }
    }

    free(text);
    return rc;
}


/*
 * Runs bytes through a provider -> client stream, cut at cut (0: whole),
 * or byte by byte when bytewise; ends it with agw_stream_finish().
 * Returns what finish returned (0 clean, 1 error event), or -2 when the
 * stream could not be made.
 */
__attribute__((unused)) static int
ant_run(agw_dialect_t provider, agw_dialect_t client, const char *model,
    const char *in, size_t len, size_t cut, int bytewise, agw_buf_t *out,
    agw_usage_t *usage)
{
    size_t              i;
    int                 rc, ok;
    agw_stream_t       *s;
    agw_stream_opts_t   opts;

    memset(&opts, 0, sizeof(opts));
    opts.model = model;
    opts.include_usage = 1;

    s = agw_stream_new(provider, client, &opts);
    if (s == NULL) {
        return -2;
    }

    ok = 1;
    if (bytewise) {
        for (i = 0; i < len && ok; i++) {
            ok = agw_stream_feed(s, in + i, 1, out) == 0;
        }

    } else if (cut > 0 && cut < len) {
        ok = agw_stream_feed(s, in, cut, out) == 0
             && agw_stream_feed(s, in + cut, len - cut, out) == 0;

    } else {
        ok = agw_stream_feed(s, in, len, out) == 0;
    }

    rc = agw_stream_finish(s, ok, out);

    if (usage != NULL) {
        *usage = *agw_stream_usage(s);
    }

    agw_stream_free(s);
    return rc;
}


/* got equals the JSON want (text, or a value); both shown when not. */
__attribute__((unused)) static void
is_json_j(json_t *got, json_t *want, const char *name)
{
    char  *g, *w;

    if (!ok(want != NULL && got != NULL && json_equal(got, want), "%s",
            name))
    {
        g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        w = want ? json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        tap_diag("got  %s", g ? g : "(null)");
        tap_diag("want %s", w ? w : "(bad JSON in the test)");
        free(g);
        free(w);
    }
}


__attribute__((unused)) static void
is_json(json_t *got, const char *want, const char *name)
{
    json_t  *wj;

    wj = json_loads(want, 0, NULL);
    is_json_j(got, wj, name);
    json_decref(wj);
}


/* Reading an Anthropic client stream back */

typedef struct {
    agw_buf_t  sum;        /* the summary */
    agw_buf_t  errs;       /* framing faults */
    int        state;      /* 0 before message_start, 1 in, 2 after stop */
    int        open;       /* index of the open block, -1 none */
    int        next;       /* index the next block must have */
    int        skip;       /* the open block is dropped from the summary */
    int        kept;       /* blocks kept in the summary so far */
    int        drop_server;/* leave server-tool blocks out of the summary */
    json_int_t usage[4];   /* in, cache write, cache read, out */
} ant_reader_t;


/* Usage as the SDKs fold it: message_start's, then each field that
 * message_delta carries. */
static void
ant_read_usage(ant_reader_t *r, json_t *u)
{
    int                 i;
    json_t             *v;
    static const char  *keys[4] = { "input_tokens",
        "cache_creation_input_tokens", "cache_read_input_tokens",
        "output_tokens" };

    for (i = 0; i < 4; i++) {
        v = json_object_get(u, keys[i]);
        if (json_is_integer(v)) {
            r->usage[i] = json_integer_value(v);
        }
    }
}


static void
ant_fault(ant_reader_t *r, const char *what)
{
    (void) agw_buf_printf(&r->errs, "%s; ", what);
}


static int
ant_read_event(void *ud, const agw_sse_event_t *ev)
{
    ant_reader_t  *r = ud;
    json_t        *j, *b, *d;
    const char    *type, *btype, *dtype;
    int            idx;

    j = json_loadb(ev->data, ev->data_len, 0, NULL);
    type = json_string_value(json_object_get(j, "type"));
    if (type == NULL) {
        ant_fault(r, "event without JSON type");
        json_decref(j);
        return 0;
    }

    if (strcmp(type, "ping") == 0) {
        json_decref(j);
        return 0;
    }

    if (strcmp(ev->event, type) != 0) {
        ant_fault(r, "event name differs from data type");
    }

    if (r->state == 2) {
        ant_fault(r, "event after message_stop");
    }

    idx = (int) json_integer_value(json_object_get(j, "index"));

    if (strcmp(type, "message_start") == 0) {
        if (r->state != 0) {
            ant_fault(r, "second message_start");
        }
        r->state = 1;
        ant_read_usage(r, json_object_get(json_object_get(j, "message"),
                                          "usage"));
        (void) agw_buf_printf(&r->sum, "model=%s\n",
            json_string_value(json_object_get(json_object_get(j, "message"),
                                              "model")));

    } else if (r->state != 1 && strcmp(type, "error") != 0) {
        ant_fault(r, "event before message_start");

    } else if (strcmp(type, "content_block_start") == 0) {
        if (r->open >= 0) {
            ant_fault(r, "block started while another is open");
        }
        if (idx != r->next) {
            ant_fault(r, "block index not the next one");
        }
        r->open = idx;
        r->next = idx + 1;

        b = json_object_get(j, "content_block");
        btype = json_string_value(json_object_get(b, "type"));
        btype = btype ? btype : "?";
        r->skip = r->drop_server
                  && strcmp(btype, "text") != 0
                  && strcmp(btype, "thinking") != 0
                  && strcmp(btype, "redacted_thinking") != 0
                  && strcmp(btype, "tool_use") != 0;
        if (!r->skip) {
            (void) agw_buf_printf(&r->sum, "[%d %s", r->kept++, btype);
            if (strcmp(btype, "tool_use") == 0) {
                (void) agw_buf_printf(&r->sum, " %s %s",
                    json_string_value(json_object_get(b, "id")),
                    json_string_value(json_object_get(b, "name")));
            }
            if (strcmp(btype, "redacted_thinking") == 0) {
                (void) agw_buf_printf(&r->sum, " %s",
                    json_string_value(json_object_get(b, "data")));
            }
            (void) agw_buf_append_str(&r->sum, "] ");
        }

    } else if (strcmp(type, "content_block_delta") == 0) {
        if (idx != r->open) {
            ant_fault(r, "delta outside the open block");
        }
        d = json_object_get(j, "delta");
        dtype = json_string_value(json_object_get(d, "type"));
        if (!r->skip && dtype != NULL) {
            if (strcmp(dtype, "text_delta") == 0) {
                (void) agw_buf_append_str(&r->sum,
                    json_string_value(json_object_get(d, "text")));
            } else if (strcmp(dtype, "thinking_delta") == 0) {
                (void) agw_buf_append_str(&r->sum,
                    json_string_value(json_object_get(d, "thinking")));
            } else if (strcmp(dtype, "input_json_delta") == 0) {
                (void) agw_buf_append_str(&r->sum,
                    json_string_value(json_object_get(d, "partial_json")));
            } else if (strcmp(dtype, "signature_delta") == 0) {
                (void) agw_buf_printf(&r->sum, " sig=%s",
                    json_string_value(json_object_get(d, "signature")));
            }
        }

    } else if (strcmp(type, "content_block_stop") == 0) {
        if (idx != r->open) {
            ant_fault(r, "stop of a block not open");
        }
        r->open = -1;
        if (!r->skip) {
            (void) agw_buf_append_str(&r->sum, "\n");
        }
        r->skip = 0;

    } else if (strcmp(type, "message_delta") == 0) {
        if (r->open >= 0) {
            ant_fault(r, "message_delta with a block open");
        }
        ant_read_usage(r, json_object_get(j, "usage"));
        (void) agw_buf_printf(&r->sum,
            "stop=%s usage in=%lld cw=%lld cr=%lld out=%lld\n",
            json_string_value(json_object_get(json_object_get(j, "delta"),
                                              "stop_reason")),
            (long long) r->usage[0], (long long) r->usage[1],
            (long long) r->usage[2], (long long) r->usage[3]);

    } else if (strcmp(type, "message_stop") == 0) {
        r->state = 2;
        (void) agw_buf_append_str(&r->sum, "end\n");

    } else if (strcmp(type, "error") == 0) {
        r->state = 2;
        if (r->sum.len && r->sum.data[r->sum.len - 1] != '\n') {
            (void) agw_buf_append_str(&r->sum, "\n");
        }
        (void) agw_buf_printf(&r->sum, "error %s: %s\n",
            json_string_value(json_object_get(json_object_get(j, "error"),
                                              "type")),
            json_string_value(json_object_get(json_object_get(j, "error"),
                                              "message")));
    }

    json_decref(j);
    return 0;
}


/*
 * The summary of an Anthropic stream (NUL-terminated in sum->data, caller
 * frees), one line per block; framing faults (indexes, order, names)
 * make it start with "FAULT: ...".
 */
__attribute__((unused)) static void
ant_read(const char *data, size_t len, int drop_server, agw_buf_t *sum)
{
    agw_sse_parser_t  p;
    ant_reader_t      r;

    memset(&r, 0, sizeof(r));
    r.open = -1;
    r.drop_server = drop_server;

    agw_sse_init(&p, 0);
    (void) agw_sse_feed(&p, data, len, ant_read_event, &r);
    if (agw_sse_pending(&p)) {
        ant_fault(&r, "bytes after the last event");
    }
    agw_sse_free(&p);

    if (r.state != 2) {
        ant_fault(&r, "no message_stop or error at the end");
    }

    agw_buf_reset(sum);
    if (r.errs.len) {
        (void) agw_buf_printf(sum, "FAULT: %.*s\n", (int) r.errs.len,
                              r.errs.data);
    }
    (void) agw_buf_append(sum, r.sum.data ? r.sum.data : "", r.sum.len);
    (void) agw_buf_append(sum, "", 1);      /* NUL: data is never NULL */
    sum->len--;

    agw_buf_free(&r.sum);
    agw_buf_free(&r.errs);
}


/* Reading an OpenAI client stream back */

typedef struct {
    agw_buf_t  text;
    agw_buf_t  reasoning;
    agw_buf_t  blocks;         /* thinking_blocks fragments, concatenated */
    agw_buf_t  tools[8];       /* "id name args" per tool call index */
    agw_buf_t  tail;           /* finish, usage, end */
    int        ntools;
} oa_reader_t;


static int
oa_read_event(void *ud, const agw_sse_event_t *ev)
{
    oa_reader_t  *r = ud;
    size_t        i;
    json_t       *j, *c, *d, *tc, *fn, *u;
    const char   *v;
    json_int_t    k;

    if (ev->data_len == 6 && memcmp(ev->data, "[DONE]", 6) == 0) {
        (void) agw_buf_append_str(&r->tail, "[DONE]\n");
        return 0;
    }

    j = json_loadb(ev->data, ev->data_len, 0, NULL);
    if (json_object_get(j, "error") != NULL) {
        (void) agw_buf_printf(&r->tail, "error: %s\n",
            json_string_value(json_object_get(json_object_get(j, "error"),
                                              "message")));
        json_decref(j);
        return 0;
    }

    c = json_array_get(json_object_get(j, "choices"), 0);
    d = json_object_get(c, "delta");

    v = json_string_value(json_object_get(d, "content"));
    if (v != NULL) {
        (void) agw_buf_append_str(&r->text, v);
    }

    v = json_string_value(json_object_get(d, "reasoning_content"));
    if (v != NULL) {
        (void) agw_buf_append_str(&r->reasoning, v);
    }

    json_array_foreach(json_object_get(d, "thinking_blocks"), i, tc) {
        v = json_string_value(json_object_get(tc, "thinking"));
        if (v != NULL) {
            (void) agw_buf_append_str(&r->blocks, v);
        }
        v = json_string_value(json_object_get(tc, "signature"));
        if (v != NULL) {
            (void) agw_buf_printf(&r->blocks, " sig=%s", v);
        }
    }

    json_array_foreach(json_object_get(d, "tool_calls"), i, tc) {
        k = json_integer_value(json_object_get(tc, "index"));
        if (k < 0 || k >= 8) {
            continue;
        }
        if (k + 1 > r->ntools) {
            r->ntools = (int) k + 1;
        }
        fn = json_object_get(tc, "function");
        if (json_object_get(tc, "id") != NULL) {
            (void) agw_buf_printf(&r->tools[k], "%s %s ",
                json_string_value(json_object_get(tc, "id")),
                json_string_value(json_object_get(fn, "name")));
        }
        v = json_string_value(json_object_get(fn, "arguments"));
        if (v != NULL) {
            (void) agw_buf_append_str(&r->tools[k], v);
        }
    }

    v = json_string_value(json_object_get(c, "finish_reason"));
    if (v != NULL) {
        (void) agw_buf_printf(&r->tail, "finish=%s\n", v);
    }

    u = json_object_get(j, "usage");
    if (json_is_object(u)) {
        (void) agw_buf_printf(&r->tail,
            "usage prompt=%lld completion=%lld cached=%lld reasoning=%lld\n",
            (long long) json_integer_value(json_object_get(u, "prompt_tokens")),
            (long long) json_integer_value(json_object_get(u,
                                                   "completion_tokens")),
            (long long) json_integer_value(json_object_get(
                json_object_get(u, "prompt_tokens_details"), "cached_tokens")),
            (long long) json_integer_value(json_object_get(
                json_object_get(u, "completion_tokens_details"),
                "reasoning_tokens")));
    }

    json_decref(j);
    return 0;
}


/* The summary of an OpenAI stream: text, reasoning, each tool call, then
 * finish reason, usage and how it ended. */
__attribute__((unused)) static void
oa_read(const char *data, size_t len, agw_buf_t *sum)
{
    int               i;
    agw_sse_parser_t  p;
    oa_reader_t       r;

    memset(&r, 0, sizeof(r));

    agw_sse_init(&p, 0);
    (void) agw_sse_feed(&p, data, len, oa_read_event, &r);
    agw_sse_free(&p);

    agw_buf_reset(sum);
    (void) agw_buf_printf(sum, "text=%.*s\n", (int) r.text.len,
                          r.text.data ? r.text.data : "");
    if (r.reasoning.len) {
        (void) agw_buf_printf(sum, "reasoning=%.*s\n", (int) r.reasoning.len,
                              r.reasoning.data);
    }
    if (r.blocks.len) {
        (void) agw_buf_printf(sum, "blocks=%.*s\n", (int) r.blocks.len,
                              r.blocks.data);
    }
    for (i = 0; i < r.ntools; i++) {
        (void) agw_buf_printf(sum, "tool[%d] %.*s\n", i,
                              (int) r.tools[i].len,
                              r.tools[i].data ? r.tools[i].data : "");
        agw_buf_free(&r.tools[i]);
    }
    (void) agw_buf_append(sum, r.tail.data ? r.tail.data : "", r.tail.len);
    (void) agw_buf_append(sum, "", 1);
    sum->len--;

    agw_buf_free(&r.text);
    agw_buf_free(&r.reasoning);
    agw_buf_free(&r.blocks);
    agw_buf_free(&r.tail);
}

#endif /* TEST_ANTHROPIC_H */
