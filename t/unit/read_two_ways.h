/*
 * read_two_ways.h: a provider's stream read two ways, by a reader's
 * repeat (a chunk read by the bytes the last walked chunk had: 1 when it
 * read it, 0 when it leaves it to the walk, -1) then its walk, and by the
 * walk alone; compared: the OpenAI client's bytes, which event failed and
 * how, the usage.  Each event's bytes are a buffer of their own size
 * (ASan sees a read past them).  The test sets rp_reader first.
 */

#ifndef READ_TWO_WAYS_H
#define READ_TWO_WAYS_H

#include "x_gemini.h"


typedef struct {
    const agw_codec_t  *codec;
    agw_dialect_t       provider;
    int               (*repeat)(agw_xstream_t *s, const agw_sse_event_t *ev);
    int               (*walk)(agw_xstream_t *s, const agw_sse_event_t *ev);
} rp_reader_t;

static rp_reader_t  rp_reader;


/* One stream: the events read by the repeat then the walk (as the
 * reader's read_event() does), or walked only. */
typedef struct {
    xg_stream_t  x;
    int          repeated;      /* events the repeat read */
} rp_stream_t;


static void
rp_event(rp_stream_t *r, const char *data, size_t len, int walk)
{
    int               rc;
    char             *copy;
    agw_sse_event_t   ev;

    if (r->x.rc != 0 || r->x.s.provider_done) {
        return;                 /* the engine reads no further */
    }

    copy = event_exact(&ev, data, len);

    if (walk) {
        rc = rp_reader.walk(&r->x.s, &ev);

    } else {
        rc = rp_reader.repeat(&r->x.s, &ev);
        if (rc > 0) {
            r->repeated++;
            rc = 0;
        } else if (rc == 0) {
            rc = rp_reader.walk(&r->x.s, &ev);
        }
    }

    agw_arena_free(&r->x.a);
    free(copy);

    if (rc != 0) {
        r->x.rc = -1;
    }
}


typedef struct {
    const char  *data;
    size_t       len;
} rp_ev_t;


/*
 * The events both ways: 1 when they give the same, -1 when not (told);
 * *repeated the events the repeat read.
 */
static int
rp_compare(const rp_ev_t *evs, int n, int *repeated, const char *name)
{
    int          i, same;
    rp_stream_t  r[2];

    for (i = 0; i < 2; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        xg_stream_open(&r[i].x, rp_reader.codec, &agw_openai_codec,
                       rp_reader.provider, "my-model");
    }

    for (i = 0; i < n; i++) {
        rp_event(&r[0], evs[i].data, evs[i].len, 0);
        rp_event(&r[1], evs[i].data, evs[i].len, 1);
    }

    same = r[0].x.rc == r[1].x.rc
           && r[0].x.s.provider_done == r[1].x.s.provider_done
           && memcmp(&r[0].x.s.usage, &r[1].x.s.usage, sizeof(agw_usage_t))
              == 0
           && (r[0].x.s.error == NULL) == (r[1].x.s.error == NULL)
           && (r[0].x.s.error == NULL
               || strcmp(r[0].x.s.error->code, r[1].x.s.error->code) == 0);

    for (i = 0; i < 2; i++) {
        xg_stream_close(&r[i].x);
    }

    same = same && r[0].x.out.len == r[1].x.out.len
           && (r[0].x.out.len == 0
               || memcmp(r[0].x.out.data, r[1].x.out.data, r[0].x.out.len)
                  == 0);

    if (!same) {
        tap_diag("%s: repeat and walk differ", name);
        tap_diag("repeat: %.*s", (int) r[0].x.out.len,
                 r[0].x.out.data ? r[0].x.out.data : "");
        tap_diag("walk:   %.*s", (int) r[1].x.out.len,
                 r[1].x.out.data ? r[1].x.out.data : "");
    }

    *repeated = r[0].repeated;

    agw_buf_free(&r[0].x.out);
    agw_buf_free(&r[1].x.out);

    return same ? 1 : -1;
}


__attribute__((unused)) static void
check_fixture(const char *name)
{
    int        i, j, n, rep, all, good, repeated;
    rp_ev_t    evs[3], *list;
    events_t   e;
    agw_buf_t  wire = AGW_BUF_INIT;

    memset(&e, 0, sizeof(e));

    if (gm_fixture_wire(name, &wire) != 0
        || events_parse(wire.data, wire.len, &e) != 0)
    {
        ok(0, "%s: read", name);
        return;
    }

    n = e.n;
    list = calloc((size_t) n, sizeof(rp_ev_t));
    for (i = 0; i < n; i++) {
        list[i].data = e.data[i];
        list[i].len = strlen(e.data[i]);
    }

    good = rp_compare(list, n, &repeated, name) == 1;
    ok(good, "%s: the stream, repeat and walk alike (%d repeated)", name,
       repeated);

    /* every chunk after every other, twice: read by the bytes the
     * other had, then by its own */
    good = 1;
    all = 0;
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++) {
            evs[0] = list[i];
            evs[1] = list[j];
            evs[2] = list[j];
            if (rp_compare(evs, 3, &rep, name) != 1) {
                tap_diag("chunk %d after chunk %d", j, i);
                good = 0;
            }
            all += rep;
        }
    }

    ok(good, "%s: each chunk after each, alike (%d repeated)", name, all);

    free(list);
    events_free(&e);
    agw_buf_free(&wire);
}


/*
 * A crafted chunk's bytes: form with %X for the string of letter X in
 * letters (the same place in with), other bytes as they are.
 */
__attribute__((unused)) static void
rp_make(agw_buf_t *b, const char *form, const char *letters,
    const char *const *with)
{
    const char  *f, *l;

    agw_buf_reset(b);

    for (f = form; *f; f++) {
        if (*f != '%') {
            agw_buf_append(b, f, 1);
            continue;
        }

        f++;

        l = strchr(letters, *f);
        if (*f != '\0' && l != NULL) {
            agw_buf_append_str(b, with[l - letters]);
        }

        if (*f == '\0') {
            break;
        }
    }
}


/*
 * A crafted chunk after the first, twice, then every cut of it after the
 * first: both ways alike, and read by the repeat want times (2, 1: walked
 * then read by its own bytes, or 0).
 */
__attribute__((unused)) static void
rp_check_chunk(const char *first, const agw_buf_t *b, const char *name,
    int want)
{
    int      good, cuts, rep, repeated;
    size_t   k;
    rp_ev_t  evs[3];

    evs[0].data = first;
    evs[0].len = strlen(first);
    evs[1].data = b->data;
    evs[1].len = b->len;
    evs[2] = evs[1];

    good = rp_compare(evs, 3, &repeated, name) == 1;

    cuts = 1;
    for (k = 0; k < b->len; k++) {
        evs[1].len = k;
        if (rp_compare(evs, 2, &rep, name) != 1) {
            tap_diag("cut at %zu", k);
            cuts = 0;
            break;
        }
    }

    ok(good && cuts, "%s: repeat and walk alike, every cut too", name);

    if (!ok(repeated == want, "%s: read by the repeat %d times", name,
            want))
    {
        tap_diag("got %d", repeated);
    }
}


#endif /* READ_TWO_WAYS_H */
