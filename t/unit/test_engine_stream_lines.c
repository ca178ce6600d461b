/*
 * test_engine_stream_lines: a provider's events whose data is split over
 * several data: lines, through the engine, for every provider and client
 * dialect (the same-dialect rewrites and the translations).  SSE joins
 * the lines with LFs, which fall between JSON tokens (as a provider that
 * pretty-prints would send them); the values a rewrite or a writer copies
 * as they came (a call's args, an input object, a usage object) carry
 * them.  Each captured stream is split at every comma between tokens
 * (ended by LF, then by CRLF) and compared with the same stream whose
 * commas are followed by a blank on the one line: every event out is one
 * well-framed event, its data on one data: line, JSON (or [DONE]), and
 * means what the one-line stream's event means.  Then a call's arguments
 * that hold line breaks (escaped in the provider's strings, as a model
 * may indent them) go to a client of every other dialect, where a
 * writer may copy their text as a value: each event still whole on its
 * one data: line.
 */

#include "tap.h"
#include "fixtures.h"
#include "agw_engine.h"
#include "agw_json_reader.h"
#include "stream_util.h"


static const struct {
    agw_dialect_t   dialect;
    const char     *fixture;
} streams[] = {
    { AGW_DIALECT_OPENAI, "openai-chat/stream-tool-calls.sse" },
    { AGW_DIALECT_OPENAI, "openai-chat/stream-include-usage.chunks.sse" },
    { AGW_DIALECT_ANTHROPIC, "anthropic-messages/stream-tool-use.sse" },
    { AGW_DIALECT_RESPONSES,
      "openai-responses/stream-reasoning-function-call.chunks.sse" },
    { AGW_DIALECT_GEMINI, "gemini/stream-function-call.chunks.sse" },
};

static const agw_dialect_t  clients[] = {
    AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC, AGW_DIALECT_RESPONSES,
    AGW_DIALECT_GEMINI
};


/*
 * The stream with each comma between tokens of a data: line followed by
 * sep: "\ndata: " or "\r\ndata: " (the parser drops the one blank after
 * the colon) or " " (the one-line stream the split one means).
 */
static char *
split(const char *in, size_t len, const char *sep)
{
    int      data, str, esc;
    size_t   i, n, sl;
    char    *out;

    sl = strlen(sep);
    out = malloc(len * (sl + 1) + 1);
    if (out == NULL) {
        return NULL;
    }

    n = 0;
    data = 0;
    str = 0;
    esc = 0;

    for (i = 0; i < len; i++) {
        if (in[i] == '\n' || in[i] == '\r') {
            data = 0;
            str = 0;

        } else if (i == 0 || in[i - 1] == '\n' || in[i - 1] == '\r') {
            data = strncmp(in + i, "data:", 5) == 0;
        }

        out[n++] = in[i];

        if (!data) {
            continue;
        }

        if (esc) {
            esc = 0;

        } else if (str && in[i] == '\\') {
            esc = 1;

        } else if (in[i] == '"') {
            str = !str;

        } else if (!str && in[i] == ',') {
            memcpy(out + n, sep, sl);
            n += sl;
        }
    }

    out[n] = '\0';
    return out;
}


/*
 * The events of a client's stream into e; 0 when each is whole on one
 * data: line (stream_util.h: a line break inside it would leave a line
 * the parser drops) and its data [DONE] or JSON.
 */
static int
events_read(const char *p, size_t len, events_t *e)
{
    int  i, bad;

    bad = events_framed(p, len) != 0;

    if (events_parse(p, len, e) != 0) {
        return -1;
    }

    for (i = 0; i < e->n; i++) {
        if (strcmp(e->data[i], "[DONE]") != 0
            && agw_json_valid(e->data[i], strlen(e->data[i]), NULL) != 0)
        {
            bad = 1;
        }
    }

    return bad ? -1 : 0;
}


/* The same JSON, or the same bytes when not JSON. */
static int
same_data(const char *a, const char *b)
{
    int      eq;
    json_t  *ja, *jb;

    ja = json_loads(a, JSON_DECODE_ANY, NULL);
    jb = json_loads(b, JSON_DECODE_ANY, NULL);
    eq = ja != NULL && jb != NULL ? json_equal(ja, jb) : strcmp(a, b) == 0;
    json_decref(ja);
    json_decref(jb);

    return eq;
}


static int
run(agw_dialect_t provider, agw_dialect_t client, const char *in,
    agw_buf_t *out)
{
    int                rc;
    agw_xstream_t     *s;
    agw_answer_ctx_t   ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("alias", 5);
    ctx.created = 1700000000;
    ctx.include_usage = 1;
    ctx.provider = provider;
    out->len = 0;

    s = agw_engine_stream_new(provider, client, &ctx, 0);
    if (s == NULL) {
        return -9;
    }

    rc = agw_engine_stream_feed(s, in, strlen(in), out);
    if (agw_engine_stream_finish(s, 1, out) != 0) {
        rc = -1;
    }

    agw_engine_stream_free(s);

    return rc;
}


static void
check(agw_dialect_t provider, agw_dialect_t client, const char *fixture,
    const char *raw, size_t len, const char *sep, const char *how)
{
    int         i, rc1, rc2, bad1, bad2, same;
    char       *one, *many;
    events_t    e1, e2;
    agw_buf_t   o1, o2;

    memset(&o1, 0, sizeof(o1));
    memset(&o2, 0, sizeof(o2));

    one = split(raw, len, " ");
    many = split(raw, len, sep);
    if (one == NULL || many == NULL) {
        ok(0, "out of memory");
        free(one);
        free(many);
        return;
    }

    rc1 = run(provider, client, one, &o1);
    rc2 = run(provider, client, many, &o2);

    bad1 = events_read(o1.data, o1.len, &e1);
    bad2 = events_read(o2.data, o2.len, &e2);

    same = rc1 == 0 && rc2 == 0 && e1.n > 0 && e1.n == e2.n;
    for (i = 0; same && i < e1.n; i++) {
        same = strcmp(e1.event[i], e2.event[i]) == 0
               && same_data(e1.data[i], e2.data[i]);
    }

    ok(bad1 == 0 && bad2 == 0 && same,
       "%s to %s, %s, data: lines ended by %s: events whole, one line, "
       "the same", agw_dialect_name(provider), agw_dialect_name(client),
       fixture, how);

    if (bad1 || bad2 || !same) {
        tap_diag("rc %d %d, events %d %d, bad %d %d; got %.*s", rc1, rc2,
                 e1.n, e2.n, bad1, bad2,
                 (int) (o2.len < 3000 ? o2.len : 3000), o2.data);
    }

    events_free(&e1);
    events_free(&e2);
    agw_buf_free(&o1);
    agw_buf_free(&o2);
    free(one);
    free(many);
}


/* The stream with "\\n " (an escaped line break, a blank) after each
 * argument text's opening brace: :"{\" */
static char *
indent(const char *in, size_t len)
{
    size_t       n;
    char        *out;
    const char  *p, *q, *end;

    out = malloc(len * 2 + 1);
    if (out == NULL) {
        return NULL;
    }

    n = 0;
    end = in + len;

    for (p = in; (q = strstr(p, ":\"{\\\"")) != NULL; p = q + 3) {
        memcpy(out + n, p, (size_t) (q - p) + 3);
        n += (size_t) (q - p) + 3;
        memcpy(out + n, "\\n ", 3);
        n += 3;
    }

    memcpy(out + n, p, (size_t) (end - p));
    n += (size_t) (end - p);
    out[n] = '\0';

    return out;
}


static void
check_indented(agw_dialect_t provider, agw_dialect_t client,
    const char *fixture, const char *raw, size_t len)
{
    int         rc1, rc2, bad;
    char       *in;
    events_t    e1, e2;
    agw_buf_t   o1, o2;

    memset(&o1, 0, sizeof(o1));
    memset(&o2, 0, sizeof(o2));

    in = indent(raw, len);
    if (in == NULL) {
        ok(0, "out of memory");
        return;
    }

    rc1 = run(provider, client, raw, &o1);
    rc2 = run(provider, client, in, &o2);

    (void) events_read(o1.data, o1.len, &e1);
    bad = events_read(o2.data, o2.len, &e2);

    ok(strcmp(in, raw) != 0 && rc1 == 0 && rc2 == 0 && bad == 0
       && e1.n > 0 && e1.n == e2.n,
       "%s to %s, %s, arguments with line breaks: events whole, one line",
       agw_dialect_name(provider), agw_dialect_name(client), fixture);

    if (rc2 != 0 || bad != 0 || e1.n != e2.n) {
        tap_diag("rc %d %d, events %d %d, bad %d; got %.*s", rc1, rc2,
                 e1.n, e2.n, bad,
                 (int) (o2.len < 3000 ? o2.len : 3000), o2.data);
    }

    events_free(&e1);
    events_free(&e2);
    agw_buf_free(&o1);
    agw_buf_free(&o2);
    free(in);
}


/*
 * An event of the provider's dialect that is not JSON, on two data:
 * lines: whatever the rewrite makes of it (passed on as it came, or an
 * error event), the client's stream is framed events on one line each.
 */
static void
check_not_json(agw_dialect_t d)
{
    int        rc;
    agw_buf_t  out;

    static const char  in[] =
        "event: message_start\ndata: not\ndata: json\n\n"
        "data: {\"a\":\ndata: 1}\n\n";

    memset(&out, 0, sizeof(out));

    rc = run(d, d, in, &out);

    ok(events_framed(out.data, out.len) == 0,
       "%s rewrite, data that is not JSON on two data: lines: framed",
       agw_dialect_name(d));

    if (events_framed(out.data, out.len) != 0) {
        tap_diag("rc %d; got %.*s", rc, (int) out.len, out.data);
    }

    agw_buf_free(&out);
}


int
main(void)
{
    char    *raw;
    size_t   i, j, len;

    for (i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
        raw = fixture_read(streams[i].fixture, &len);
        if (raw == NULL) {
            ok(0, "fixture %s", streams[i].fixture);
            continue;
        }

        for (j = 0; j < sizeof(clients) / sizeof(clients[0]); j++) {
            check(streams[i].dialect, clients[j], streams[i].fixture, raw,
                  len, "\ndata: ", "LF");
            check(streams[i].dialect, clients[j], streams[i].fixture, raw,
                  len, "\r\ndata: ", "CRLF");

            if (clients[j] != streams[i].dialect
                && strstr(raw, ":\"{\\\"") != NULL)
            {
                check_indented(streams[i].dialect, clients[j],
                               streams[i].fixture, raw, len);
            }
        }

        free(raw);
    }

    for (j = 0; j < sizeof(clients) / sizeof(clients[0]); j++) {
        check_not_json(clients[j]);
    }

    return done_testing();
}
