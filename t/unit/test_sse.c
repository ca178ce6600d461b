/*
 * The SSE parser: every real stream, split at every byte offset and fed
 * byte by byte, with LF, CRLF and CR line ends, gives the same events.
 */

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "agw_sse.h"
#include "tap.h"
#include "fixtures.h"


/* Events serialised as event \x1f data \x1e, to compare runs. */
static void check_raw(void);


static int
collect(void *ud, const agw_sse_event_t *ev)
{
    agw_buf_t  *b = ud;

    if (agw_buf_append(b, ev->event, ev->event_len) != 0
        || agw_buf_append(b, "\x1f", 1) != 0
        || agw_buf_append(b, ev->data, ev->data_len) != 0
        || agw_buf_append(b, "\x1e", 1) != 0)
    {
        return 98;
    }

    return 0;
}


static int
count_events(const agw_buf_t *b)
{
    size_t  i;
    int     n = 0;

    for (i = 0; i < b->len; i++) {
        n += b->data[i] == '\x1e';
    }
    return n;
}


/* Feeds the pieces cut at cuts[0..ncuts) (ascending); 0 or the error. */
static int
parse_split(const char *s, size_t len, const size_t *cuts, size_t ncuts,
    agw_buf_t *events, int *pending)
{
    int               rc;
    size_t            i, from, to;
    agw_sse_parser_t  p;

    agw_sse_init(&p, 0);
    events->len = 0;
    rc = 0;

    from = 0;
    for (i = 0; i <= ncuts && rc == 0; i++) {
        to = i < ncuts ? cuts[i] : len;
        rc = agw_sse_feed(&p, s + from, to - from, collect, events);
        from = to;
    }

    *pending = agw_sse_pending(&p);
    agw_sse_free(&p);
    return rc;
}


/* Feeds s with max_event max, whole or a byte at a time: the feed's
 * result, or the number of events when it succeeded. */
static int
feed_limited(const char *s, size_t len, int max, int bytewise)
{
    int               rc;
    size_t            i;
    agw_buf_t         events = AGW_BUF_INIT;
    agw_sse_parser_t  p;

    agw_sse_init(&p, (size_t) max);
    rc = 0;

    if (bytewise) {
        for (i = 0; i < len && rc == 0; i++) {
            rc = agw_sse_feed(&p, s + i, 1, collect, &events);
        }

    } else {
        rc = agw_sse_feed(&p, s, len, collect, &events);
    }

    if (rc == 0) {
        rc = count_events(&events);
    }

    agw_sse_free(&p);
    agw_buf_free(&events);
    return rc;
}


static int
parse_bytewise(const char *s, size_t len, agw_buf_t *events)
{
    int               rc;
    size_t            i;
    agw_sse_parser_t  p;

    agw_sse_init(&p, 0);
    events->len = 0;
    rc = 0;

    for (i = 0; i < len && rc == 0; i++) {
        rc = agw_sse_feed(&p, s + i, 1, collect, events);
    }

    agw_sse_free(&p);
    return rc;
}


/* The same stream with every "\n" turned into eol ("\r\n" or "\r"). */
static char *
with_eol(const char *s, size_t len, const char *eol, size_t *out_len)
{
    agw_buf_t  b = AGW_BUF_INIT;
    size_t     i;

    for (i = 0; i < len; i++) {
        if (s[i] == '\n' ? agw_buf_append_str(&b, eol)
                         : agw_buf_append(&b, s + i, 1))
        {
            agw_buf_free(&b);
            return NULL;
        }
    }

    *out_len = b.len;
    return b.data;
}


/*
 * Every split offset k in [lo, hi) of one stream gives the reference
 * events.  Returns the first failing offset, or (size_t) -1.
 */
static size_t
every_split(const char *s, size_t len, size_t lo, size_t hi,
    const agw_buf_t *ref)
{
    int        pending;
    size_t     k;
    agw_buf_t  ev = AGW_BUF_INIT;

    for (k = lo; k < hi && k <= len; k++) {
        if (parse_split(s, len, &k, 1, &ev, &pending) != 0
            || ev.len != ref->len || memcmp(ev.data, ref->data, ev.len) != 0
            || pending)
        {
            agw_buf_free(&ev);
            return k;
        }
    }

    agw_buf_free(&ev);
    return (size_t) -1;
}


/*
 * Every offset of every event, one event at a time: the stream cut into its
 * events (at each "\n\n"), each event re-parsed alone split at each of its
 * offsets must give exactly its own reference event.  The whole-stream run
 * shows that the parser is back in its initial state after each event, so
 * this covers every split offset of a long stream in O(sum of event^2).
 */
static size_t
every_split_per_event(const char *s, size_t len, const agw_buf_t *ref)
{
    int          pending;
    size_t       a, b, k, r, rlen;
    const char  *end, *rec;
    agw_buf_t    ev = AGW_BUF_INIT;

    r = 0;                                  /* offset in ref of this event */

    for (a = 0; a < len; a = b) {
        end = strstr(s + a, "\n\n");
        b = end ? (size_t) (end - s) + 2 : len;

        rec = memchr(ref->data + r, '\x1e', ref->len - r);
        if (rec == NULL) {
            break;
        }
        rlen = (size_t) (rec - (ref->data + r)) + 1;

        for (k = 0; k <= b - a; k++) {
            if (parse_split(s + a, b - a, &k, 1, &ev, &pending) != 0
                || ev.len != rlen || memcmp(ev.data, ref->data + r, rlen)
                || pending)
            {
                agw_buf_free(&ev);
                return a + k;
            }
        }

        r += rlen;
    }

    agw_buf_free(&ev);
    return r == ref->len ? (size_t) -1 : len;
}


/*
 * A real stream: whole, every split, byte by byte, CRLF and CR variants.
 * Streams over 20 KB (each whole-stream split re-parses 100 KB: minutes
 * under ASan for all offsets) are split at every offset event by event,
 * at every offset of their first and last 2 KB as a whole, and at 300
 * random multi-way cuts; byte by byte covers every boundary in one run.
 */
static void
check_stream(const char *name, const char *s, size_t len, int want_events)
{
    int             pending, n;
    size_t          k, i, ncuts, cuts[8], vlen, bad;
    char           *v;
    agw_buf_t       ref = AGW_BUF_INIT, ev = AGW_BUF_INIT;
    const char     *eols[] = { "\r\n", "\r" };
    const char     *eol_names[] = { "CRLF", "CR" };
    const size_t    window = 10 * 1024;
    const size_t    small = 2 * 1024;

    ok(parse_split(s, len, NULL, 0, &ref, &pending) == 0 && !pending,
       "%s: whole stream parses, nothing pending", name);
    n = count_events(&ref);
    if (want_events >= 0) {
        is_int(n, want_events, "event count matches the fixture");
    }

    if (len <= 2 * window) {
        bad = every_split(s, len, 0, len + 1, &ref);
    } else {
        bad = every_split_per_event(s, len, &ref);
        if (bad == (size_t) -1) {
            bad = every_split(s, len, 0, small, &ref);
        }
        if (bad == (size_t) -1) {
            bad = every_split(s, len, len - small, len + 1, &ref);
        }
    }
    ok(bad == (size_t) -1, "%s: split at every byte offset: same events",
       name);
    if (bad != (size_t) -1) {
        tap_diag("first differing split at %zu", bad);
    }

    if (len > 2 * window) {
        srand(42);
        bad = (size_t) -1;
        for (i = 0; i < 300 && bad == (size_t) -1; i++) {
            ncuts = 1 + (size_t) rand() % 8;
            for (k = 0; k < ncuts; k++) {
                cuts[k] = (size_t) rand() % (len + 1);
            }
            /* ascending */
            for (k = 1; k < ncuts; k++) {
                size_t j = k, t = cuts[k];
                while (j > 0 && cuts[j - 1] > t) {
                    cuts[j] = cuts[j - 1];
                    j--;
                }
                cuts[j] = t;
            }
            if (parse_split(s, len, cuts, ncuts, &ev, &pending) != 0
                || ev.len != ref.len || memcmp(ev.data, ref.data, ev.len)
                || pending)
            {
                bad = i;
            }
        }
        ok(bad == (size_t) -1, "%s: 300 random multi-way splits: same "
           "events", name);
    }

    ok(parse_bytewise(s, len, &ev) == 0 && ev.len == ref.len
       && memcmp(ev.data, ref.data, ev.len) == 0,
       "%s: byte by byte: same events", name);

    for (i = 0; i < 2; i++) {
        v = with_eol(s, len, eols[i], &vlen);
        if (!ok(v != NULL, "%s: %s variant built", name, eol_names[i])) {
            continue;
        }

        ok(parse_bytewise(v, vlen, &ev) == 0 && ev.len == ref.len
           && memcmp(ev.data, ref.data, ev.len) == 0,
           "%s with %s line ends, byte by byte: same events", name,
           eol_names[i]);

        bad = every_split(v, vlen, 0, vlen < 2 * window ? vlen + 1 : small,
                          &ref);
        ok(bad == (size_t) -1, "%s with %s line ends, every split: same "
           "events", name, eol_names[i]);
        if (bad != (size_t) -1) {
            tap_diag("first differing split at %zu", bad);
        }

        free(v);
    }

    agw_buf_free(&ref);
    agw_buf_free(&ev);
}


static void
check_fixture_sse(const char *name, int want_events)
{
    char    *s;
    size_t   len;

    s = fixture_read(name, &len);
    if (!ok(s != NULL, "read %s", name)) {
        return;
    }

    check_stream(name, s, len, want_events);
    free(s);
}


static void
check_fixture_jsonl(const char *name, int want_events)
{
    agw_buf_t  b = AGW_BUF_INIT;

    if (!ok(fixture_jsonl_to_sse(name, "data: [DONE]\n\n", &b) == 0,
            "convert %s to SSE", name))
    {
        return;
    }

    check_stream(name, b.data, b.len, want_events);
    agw_buf_free(&b);
}


/* Events of a literal stream, fed whole. */
static void
is_events(const char *s, const char *want, const char *name)
{
    int        pending;
    agw_buf_t  ev = AGW_BUF_INIT;

    parse_split(s, strlen(s), NULL, 0, &ev, &pending);
    is_str(ev.data ? ev.data : "", want, name);
    agw_buf_free(&ev);
}


static int
stop_at_first(void *ud, const agw_sse_event_t *ev)
{
    (*(int *) ud)++;
    return 7;
}


/* Appends '1' or '0' per event: its multiline flag. */
static int
note_multiline(void *ud, const agw_sse_event_t *ev)
{
    return agw_buf_append((agw_buf_t *) ud, ev->multiline ? "1" : "0", 1);
}


static void
check_rules(void)
{
    int               rc, n, pending, bad, max, named;
    size_t            cut;
    agw_buf_t         ev = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_sse_parser_t  p;

    is_events(": keep-alive\n\ndata: a\n\n", "\x1f" "a\x1e",
              "comments are ignored, a blank line after one dispatches "
              "nothing");
    is_events("data: a\ndata:b\ndata\n\n", "\x1f" "a\nb\n\x1e",
              "multi-line data joined with LF; one leading space "
              "stripped; bare field name");
    is_events("data:  two\n\n", "\x1f two\x1e",
              "only one leading space is stripped");
    is_events("event: ping\n\n", "ping\x1f\x1e",
              "an event with a name and no data is dispatched");
    is_events("\n\n\r\n", "", "blank lines alone dispatch nothing");
    is_events("id: 7\nretry: 10\nfoo: bar\ndata: x\n\ndata: y\n\n",
              "\x1fx\x1e\x1fy\x1e",
              "id, retry and unknown fields ignored");
    is_events("event: a\r\ndata: 1\r\r\nevent: b\rdata: 2\r\r",
              "a\x1f" "1\x1e" "b\x1f" "2\x1e",
              "mixed CR, LF and CRLF line ends");

    /* CR at the end of one feed, LF at the start of the next: one line end,
     * not two (an early dispatch would split the event) */
    agw_sse_init(&p, 0);
    rc = agw_sse_feed(&p, "data: a\r", 8, collect, &ev);
    rc |= agw_sse_feed(&p, "\ndata: b\r", 9, collect, &ev);
    rc |= agw_sse_feed(&p, "\n\r", 2, collect, &ev);
    rc |= agw_sse_feed(&p, "\n", 1, collect, &ev);
    ok(rc == 0 && ev.data != NULL
       && strcmp(ev.data, "\x1f" "a\nb\x1e") == 0,
       "CRLF split across feeds is one line end");
    ok(!agw_sse_pending(&p), "nothing pending after the blank line");
    agw_sse_free(&p);

    /* bytes kept across feeds that are whole lines of no event (an
     * unknown field) leave nothing pending, as they do fed whole */
    agw_sse_init(&p, 0);
    ev.len = 0;
    rc = agw_sse_feed(&p, "data: a\n\nfo", 12, collect, &ev);
    rc |= agw_sse_feed(&p, "o: 1\nevent:\r\nid: 2\n", 19, collect, &ev);
    ok(rc == 0 && ev.len > 0 && !agw_sse_pending(&p),
       "lines of no event kept across feeds are not an event pending");
    rc = agw_sse_feed(&p, "event: x\r", 10, collect, &ev);
    ok(rc == 0 && agw_sse_pending(&p), "a named line kept is pending");
    agw_sse_free(&p);

    /* a cut stream leaves its event pending */
    agw_sse_init(&p, 0);
    ev.len = 0;
    rc = agw_sse_feed(&p, "data: {\"a\":1}\n", 14, collect, &ev);
    ok(rc == 0 && ev.len == 0 && agw_sse_pending(&p),
       "an event without its blank line is pending, not dispatched");
    agw_sse_free(&p);

    /* max event size */
    agw_sse_init(&p, 16);
    ev.len = 0;
    rc = agw_sse_feed(&p, "data: 0123456789\n\n", 18, collect, &ev);
    ok(rc == 0 && ev.len > 0, "an event within max_event passes");
    rc = agw_sse_feed(&p, "data: 0123456789abcdefg\n\n", 25, collect, &ev);
    is_int(rc, AGW_SSE_ERR_TOO_BIG, "an event over max_event is refused");
    rc = agw_sse_feed(&p, "data: x\n\n", 9, collect, &ev);
    is_int(rc, AGW_SSE_ERR_TOO_BIG, "and the parser stays failed");
    agw_sse_free(&p);

    agw_sse_init(&p, 16);
    rc = 0;
    for (cut = 0; cut < 40 && rc == 0; cut++) {
        rc = agw_sse_feed(&p, "data: ", 6, collect, &ev);
    }
    is_int(rc, AGW_SSE_ERR_TOO_BIG, "an endless line is refused too");
    agw_sse_free(&p);

    agw_sse_init(&p, 16);
    rc = 0;
    for (cut = 0; cut < 40 && rc == 0; cut++) {
        rc = agw_sse_feed(&p, "data: 12\n", 9, collect, &ev);
    }
    is_int(rc, AGW_SSE_ERR_TOO_BIG, "many short data lines add up");
    agw_sse_free(&p);

    /*
     * The limits are the same whether an event comes whole in one feed
     * (the one-copy path for "data: X\n\n") or a byte at a time (the
     * line-by-line path): every size around every limit, with and without
     * an event name before the data, the name's line (its own one-copy
     * path whole) of every length around the limit too.
     */
    bad = 0;
    for (max = 6; max < 24; max++) {
        for (n = 0; n < 30; n++) {
            for (named = 0; named < 56; named++) {
                char         wire[100];
                int          len, whole, bytewise, nlen;
                const char  *eol = named & 1 ? "\r\n" : "\n";

                /* LF and CRLF ends (the named event's one-pass path and
                 * the CRLF data path against the walk), the name's line
                 * of every length around the limit */
                nlen = named >> 1;
                len = snprintf(wire, sizeof(wire), "%s%.*s%sdata: %.*s%s%s",
                               nlen ? "event: " : "", nlen ? nlen - 1 : 0,
                               "abcdefghijklmnopqrstuvwxyz",
                               nlen ? eol : "", n,
                               "0123456789012345678901234567890", eol, eol);
                whole = feed_limited(wire, (size_t) len, max, 0);
                bytewise = feed_limited(wire, (size_t) len, max, 1);
                if (whole != bytewise) {
                    tap_diag("max %d, %d data bytes, named %d: whole %d, "
                             "bytewise %d", max, n, named, whole, bytewise);
                    bad++;
                }
            }
        }
    }
    ok(bad == 0, "max_event: the same verdict whole and byte by byte");

    check_raw();

    /* multiline says whether data holds a joined "\n", on either path */
    for (cut = 0; cut < 2; cut++) {
        static const char  wire[] = "data: a\n\ndata: a\ndata: b\n\n"
                                    "data: c\r\n\r\nevent: e\ndata: d\n\n"
                                    "data:\ndata:\n\ndata: e\n\n";
        size_t             i;

        agw_sse_init(&p, 0);
        ev.len = 0;
        rc = 0;
        for (i = 0; i < sizeof(wire) - 1 && rc == 0; i += cut ? 1 : 500) {
            rc = agw_sse_feed(&p, wire + i,
                              cut ? 1 : sizeof(wire) - 1, note_multiline,
                              &ev);
        }
        agw_sse_free(&p);
        ok(rc == 0 && ev.len == 6 && memcmp(ev.data, "010010", 6) == 0,
           "multiline set for joined data lines only (%s)",
           cut ? "byte by byte" : "whole");
    }

    /* the callback's non-zero value stops the feed */
    agw_sse_init(&p, 0);
    n = 0;
    rc = agw_sse_feed(&p, "data: a\n\ndata: b\n\n", 18, stop_at_first, &n);
    ok(rc == 7 && n == 1, "a callback's non-zero return stops the feed");
    agw_sse_free(&p);

    /* writer: round trip through the parser, multi-line data split */
    rc = agw_sse_write(&out, "message_start", "{\"a\":1}", 7);
    rc |= agw_sse_write(&out, NULL, "l1\nl2\r\nl3", 9);
    rc |= agw_sse_write(&out, "", "[DONE]", 6);
    is_str(out.data,
           "event: message_start\ndata: {\"a\":1}\n\n"
           "data: l1\ndata: l2\ndata: l3\n\n"
           "data: [DONE]\n\n", "writer frames events");
    ok(rc == 0, "writer succeeded");
    ev.len = 0;
    parse_split(out.data, out.len, NULL, 0, &ev, &pending);
    is_str(ev.data, "message_start\x1f{\"a\":1}\x1e"
           "\x1fl1\nl2\nl3\x1e\x1f[DONE]\x1e",
           "writer output parses back to the same events");

    agw_buf_free(&out);
    agw_buf_free(&ev);
}

/* Each event's raw bytes (or "-" when it has none), \x1e after each. */
static int
collect_raw(void *ud, const agw_sse_event_t *ev)
{
    agw_buf_t  *b = ud;

    if (ev->raw != NULL
        ? agw_buf_append(b, ev->raw, ev->raw_len) != 0
        : agw_buf_append(b, "-", 1) != 0)
    {
        return 98;
    }

    return agw_buf_append(b, "\x1e", 1) != 0 ? 98 : 0;
}


/*
 * ev->raw: a named event's bytes when they are exactly its framing (a
 * reader forwards them in one piece), NULL in every other form, whole or
 * cut, so that forwarding raw never differs from framing the fields.
 */
static void
check_raw(void)
{
    int                rc;
    size_t             i, first;
    agw_buf_t          got = AGW_BUF_INIT;
    agw_sse_parser_t   p;
    static const char  wire[] =
        "event: content_block_delta\ndata: {\"a\":1}\n\n"   /* raw */
        "data: {\"b\":2}\n\n"                               /* no name */
        "event: x\r\ndata: {}\r\n\r\n"                      /* CRLF */
        "event: x\ndata:{}\n\n"                             /* no space */
        "event: \ndata: {}\n\n"                             /* empty name */
        "event: x\nid: 1\ndata: {}\n\n"                     /* an id line */
        "event: y\ndata: \n\n";                             /* raw, empty */

    first = strlen("event: content_block_delta\ndata: {\"a\":1}\n\n");

    agw_sse_init(&p, 0);
    rc = agw_sse_feed(&p, wire, sizeof(wire) - 1, collect_raw, &got);
    agw_sse_free(&p);
    ok(rc == 0 && got.len > 0, "raw: the events parse");
    is_str(got.data,
           "event: content_block_delta\ndata: {\"a\":1}\n\n\x1e"
           "-\x1e-\x1e-\x1e-\x1e-\x1e"
           "event: y\ndata: \n\n\x1e",
           "raw: a named event's framing only, as it came");

    /* cut anywhere: the event is read whole from the bytes kept of it,
     * with its raw bytes all the same */
    for (i = 1; i < first; i++) {
        got.len = 0;
        agw_sse_init(&p, 0);
        rc = agw_sse_feed(&p, wire, i, collect_raw, &got);
        rc |= agw_sse_feed(&p, wire + i, first - i, collect_raw, &got);
        agw_sse_free(&p);
        if (rc != 0 || got.len != first + 1
            || memcmp(got.data, wire, first) != 0)
        {
            break;
        }
    }
    ok(i == first, "raw: an event cut across feeds has its bytes too "
       "(cut at %zu)", i);

    /*
     * The feed's next CR is looked for once for the lines before it: LF
     * lines, then a CR, a CRLF, LF again, named and not, in one feed give
     * the events of the byte-by-byte walk.
     */
    {
        int                pending;
        agw_buf_t          whole = AGW_BUF_INIT, bytes = AGW_BUF_INIT;
        static const char  mixed[] =
            "data: a\n\nevent: n\ndata: b\n\ndata: c\rdata: d\n\n"
            "event: n\r\ndata: e\r\n\r\ndata: f\n\nevent: m\ndata: g\r\n\n"
            "data: h\n\n";

        rc = parse_split(mixed, sizeof(mixed) - 1, NULL, 0, &whole, &pending);
        rc |= parse_bytewise(mixed, sizeof(mixed) - 1, &bytes);
        ok(rc == 0 && whole.len == bytes.len
           && memcmp(whole.data, bytes.data, whole.len) == 0
           && count_events(&whole) == 7,
           "CR line ends after LF ones in one feed: the walk's events");
        agw_buf_free(&whole);
        agw_buf_free(&bytes);
    }

    agw_buf_free(&got);
}


/* What a reader reads of each event: its fields' last byte, or one past. */
static int  over_by;

static int
read_to_end(void *ud, const agw_sse_event_t *ev)
{
    volatile char  c;

    c = ev->data[ev->data_len - 1 + over_by];
    c = ev->event[ev->event_len - 1 + over_by];
    (void) c;

    return 0;
}


/*
 * A feed parsed in a child whose callback reads each field to its end
 * (over 0) or one byte past it (over 1): how the child ended, 0 for a
 * clean exit.
 */
static int
read_in_child(const char *wire, size_t len, size_t cut, int over)
{
    int               st, null;
    pid_t             pid;
    agw_sse_parser_t  p;

    fflush(stdout);

    pid = fork();
    if (pid == 0) {
        /* the sanitizer's report is expected: not in the TAP stream */
        null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 2);
        }

        over_by = over;
        agw_sse_init(&p, 0);
        (void) agw_sse_feed(&p, wire, cut, read_to_end, NULL);
        (void) agw_sse_feed(&p, wire + cut, len - cut, read_to_end, NULL);
        agw_sse_free(&p);
        _exit(0);
    }

    if (pid < 0 || waitpid(pid, &st, 0) != pid) {
        return -1;
    }

    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}


/*
 * The fields are slices, not NUL-terminated, and the bytes after data are
 * the feed's next ones: a reader must not look past data_len.  Under the
 * sanitizers (as the unit tests and fuzzers run) the parser hands each
 * field in a block of its own size, so that such a read fails at once in
 * any test of any reader: here a callback that reads one byte past is
 * caught, whole or cut, named or not, walked or not, and one that stops
 * at the end is not.
 */
static void
check_bounds(void)
{
    size_t             i;
    int                bad;
    static const char  wire[] =
        "event: content_block_delta\ndata: {\"a\":1}\n\n"
        "event: x\r\ndata: {}\r\n\r\n"
        "event: multi\ndata: [1,\ndata: 2]\n\n";

    ok(read_in_child(wire, sizeof(wire) - 1, sizeof(wire) - 1, 0) == 0,
       "bounds: a reader that stops at data_len runs clean");

    bad = 0;
    for (i = 0; i < sizeof(wire) - 1; i += 7) {
        if (read_in_child(wire, sizeof(wire) - 1, i, 1) != 1) {
            tap_diag("a read past the end not caught, cut at %zu", i);
            bad++;
        }
    }
    ok(bad == 0, "bounds: a read one byte past a field is caught at every "
       "cut");
}


int
main(void)
{
    check_rules();
    check_bounds();

    check_fixture_sse("openai-chat/stream-text.sse", 34);
    check_fixture_sse("openai-chat/stream-tool-calls.sse", -1);
    check_fixture_sse("openai-chat/stream-parallel-tool-calls.sse", -1);
    check_fixture_jsonl("openai-chat/stream-include-usage.chunks.jsonl", 304);
    check_fixture_jsonl("openai-chat/stream-reasoning-usage-azure.chunks.jsonl",
                        -1);

    /* the other dialects' raw captures: event: lines, ping, padded data;
     * Gemini's first event ending "\r\n\n" */
    check_fixture_sse("anthropic-messages/stream-text.sse", 10);
    check_fixture_sse("anthropic-messages/stream-tool-use.sse", 16);
    check_fixture_sse("gemini/stream-text.sse", 6);

    return done_testing();
}
