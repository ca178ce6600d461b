/*
 * libFuzzer target: the SSE parser.  Properties checked, not just "no
 * crash": the events are the same whether the bytes come whole or in
 * random pieces, and the writer's output parses back to what it wrote.
 */

#include "agw_buf.h"
#include "fuzz_util.h"


static int
parse(const uint8_t *d, size_t len, size_t max_event, uint32_t seed,
    agw_buf_t *events, int *pending)
{
    int               rc;
    size_t            i, n;
    uint32_t          st = seed;
    agw_sse_parser_t  p;

    agw_sse_init(&p, max_event);
    rc = 0;

    for (i = 0; i < len && rc == 0; i += n) {
        n = seed ? fuzz_piece(&st, len - i) : len - i;
        rc = agw_sse_feed(&p, (const char *) d + i, n, fuzz_collect, events);
    }

    *pending = agw_sse_pending(&p);
    agw_sse_free(&p);
    return rc;
}


/* Re-frames every parsed event with the writer; parsing that gives the
 * same events back. */
static void
check_writer(const agw_buf_t *events)
{
    int               pending;
    size_t            i, start, sep;
    agw_buf_t         wire = AGW_BUF_INIT, again = AGW_BUF_INIT;
    agw_sse_parser_t  p;
    char             *ev;

    for (start = 0, i = 0; i < events->len; i++) {
        if (events->data[i] != '\x1e') {
            continue;
        }
        ev = events->data + start;
        sep = (size_t) ((char *) memchr(ev, '\x1f', i - start) - ev);
        ev[sep] = '\0';
        /* an event name with a line break cannot come out of a parser */
        if (agw_sse_write(&wire, ev, ev + sep + 1, i - start - sep - 1) != 0)
        {
            abort();
        }
        ev[sep] = '\x1f';
        start = i + 1;
    }

    agw_sse_init(&p, 0);
    if (agw_sse_feed(&p, wire.data, wire.len, fuzz_collect, &again) != 0) {
        abort();
    }
    pending = agw_sse_pending(&p);
    agw_sse_free(&p);

    if (pending || again.len != events->len
        || (again.len && memcmp(again.data, events->data, again.len) != 0))
    {
        fuzz_differ("writer round trip", events, &again);
    }

    agw_buf_free(&wire);
    agw_buf_free(&again);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int        rc1, rc2, p1, p2;
    size_t     max_event;
    uint32_t   seed;
    agw_buf_t  whole = AGW_BUF_INIT, split = AGW_BUF_INIT;

    if (size < FUZZ_HEADER) {
        return 0;
    }

    /* byte 0: a small max_event sometimes, to reach the size limits */
    max_event = (data[0] & 0x80) ? (size_t) (data[0] & 0x7f) * 8 + 1 : 0;
    seed = (uint32_t) data[1] << 16 | (uint32_t) data[2] << 8 | data[3];
    seed |= 1;
    data += FUZZ_HEADER;
    size -= FUZZ_HEADER;

    rc1 = parse(data, size, max_event, 0, &whole, &p1);
    rc2 = parse(data, size, max_event, seed, &split, &p2);

    if (rc1 != rc2 || whole.len != split.len
        || (whole.len && memcmp(whole.data, split.data, whole.len) != 0)
        || (rc1 == 0 && p1 != p2))
    {
        fuzz_differ("whole and split feeds differ", &whole, &split);
    }

    /* the serialisation uses \x1e and \x1f as separators; the writer
     * takes event names as C strings */
    if (rc1 == 0 && memchr(data, '\0', size) == NULL
        && memchr(data, '\x1e', size) == NULL
        && memchr(data, '\x1f', size) == NULL)
    {
        check_writer(&whole);
    }

    agw_buf_free(&whole);
    agw_buf_free(&split);
    return 0;
}
