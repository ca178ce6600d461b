/*
 * The OpenAI and Anthropic stream writers' deltas two ways: a text
 * already JSON, which goes by the block's head made when the block
 * started (agw_jw_delta(): inline for a head up to 256 bytes, a text up
 * to 32 and room enough, else agw_jw_delta_any()), and the same text as
 * plain bytes, which the writer escapes piece by piece.  Both streams
 * must be the same bytes; and every delta event of them is read back
 * with jansson and checked against what the test sent: its block's index
 * (Anthropic) or call index (OpenAI), its kind, its text, the stream's
 * id.  So a head kept from the block before (a stale index or kind)
 * fails here even when both ways share it.  Covered: texts of every
 * length to 40 and a long one, with escapes and UTF-8; heads under 192,
 * between 192 and 256 and over 256 bytes (OpenAI: the START id's
 * length); indexes past 9; the output's room before each delta cycled
 * across the inline path's bound, the buffer cut to it (ASan sees a
 * write past it), and each text in a buffer of its own size.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agw_codec.h"
#include "agw_json_writer.h"
#include "stream_util.h"
#include "tap.h"


#define NBLOCKS  14
#define NDELTAS  44


typedef struct {
    uint32_t     block;         /* the step index */
    uint32_t     index;         /* what the client reads: Anthropic's
                                   block index, OpenAI's call index */
    int          kind;          /* AGW_PART_* */
    char        *text;          /* the raw bytes */
    size_t       len;
} want_t;


typedef struct {
    agw_xstream_t       s;
    agw_arena_t         arena;
    agw_buf_t           out;
    const agw_codec_t  *c;
} wr_t;


static want_t  want[NBLOCKS * NDELTAS + NBLOCKS];
static int     nwant;
static char    start_id[300];
static size_t  start_id_len;


static uint32_t  seed;

static uint32_t
rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed >> 16;
}


/* A raw text of len bytes: letters, with quotes, backslashes, new lines,
 * control bytes and two-byte UTF-8 among them. */
static char *
make_text(size_t len)
{
    size_t  i;
    char   *t;

    static const char  *pick[] = { "a", "b", " ", "\"", "\\", "\n", "\x01",
                                   "\xc3\xa9", "{", "}", ":", "z" };

    t = malloc(len + 1);
    if (t == NULL) {
        abort();
    }

    for (i = 0; i < len; i++) {
        const char  *p = pick[rnd() % 12];

        if (p[1] != '\0' && i + 1 < len) {
            t[i++] = p[0];
            t[i] = p[1];
        } else {
            t[i] = p[1] != '\0' ? 'e' : p[0];
        }
    }

    t[len] = '\0';
    return t;
}


/* The room after the output's bytes cut to n (and its spare byte). */
static void
cut_room(agw_buf_t *b, size_t n)
{
    char  *p;

    p = realloc(b->data, b->len + n + 1);
    if (p == NULL) {
        abort();
    }
    b->data = p;
    b->cap = b->len + n + 1;
}


static void
wr_init(wr_t *t, const agw_codec_t *c)
{
    memset(t, 0, sizeof(*t));
    t->c = c;
    t->s.writer = c;
    t->s.wstate = calloc(1, c->write_state_size);
    if (t->s.wstate == NULL) {
        abort();
    }
    agw_arena_init(&t->arena, NULL, 0, 0);
    t->s.arena = &t->arena;
    agw_jw_init(&t->s.w, &t->out);
    t->s.opts.model = agw_str_bytes("client-model", 12);
    t->s.opts.created = 1700000000;
    t->s.opts.provider = AGW_DIALECT_OPENAI;
    agw_usage_init(&t->s.usage);
}


static void
wr_free(wr_t *t)
{
    if (t->c->free_write_state != NULL) {
        t->c->free_write_state(t->s.wstate);
    }
    free(t->s.wstate);
    agw_arena_free(&t->arena);
    agw_buf_free(&t->out);
}


/*
 * One stream to the writer c; json: the deltas' texts as JSON (escaped
 * by the library's escaper, in a buffer of their size), else as bytes.
 * The same seed gives the same stream both ways.
 */
static int
write_stream(const agw_codec_t *c, int json, uint32_t s0, agw_buf_t *res)
{
    int          b, d, k, kinds, rc;
    char        *txt;
    size_t       len, room;
    wr_t         t;
    agw_buf_t    esc = AGW_BUF_INIT;
    agw_jw_t     ew;
    agw_str_t    text;
    agw_part_t   part;
    agw_step_t   st;
    uint32_t     tools;

    /* about the inline path's bound: Anthropic's 296, OpenAI's 320 */
    static const size_t  rooms[] = { 0, 1, 100, 200, 294, 295, 296, 300,
                                     318, 319, 320, 321, 400, 4096 };

    seed = s0;
    nwant = 0;
    tools = 0;
    rc = 0;
    wr_init(&t, c);

    /* the OpenAI head is the prefix (this id) and the key: under 192
     * bytes, between 192 and 256, over 256 */
    memset(&st, 0, sizeof(st));
    st.type = AGW_STEP_START;
    st.id = agw_str_bytes(start_id, start_id_len);
    st.created = 1700000000;
    rc |= c->write_step(&t.s, &st);

    kinds = c == &agw_anthropic_codec ? 3 : 4;

    for (b = 0; b < NBLOCKS; b++) {
        memset(&part, 0, sizeof(part));
        k = b % kinds;
        part.type = k == 0 ? AGW_PART_TEXT
                    : k == 1 ? AGW_PART_TOOL_CALL
                    : k == 2 ? AGW_PART_THINKING : AGW_PART_REFUSAL;
        part.id = agw_str_bytes("call_x", 6);
        part.name = agw_str_bytes("get_weather", 11);

        /* a text block that comes with its text (Anthropic writes it
         * as the block's first delta) */
        txt = NULL;
        if (b == 3 && c == &agw_anthropic_codec) {
            txt = make_text(5);
            part.type = AGW_PART_TEXT;
            part.text = agw_str_bytes(txt, 5);
            want[nwant++] = (want_t) { (uint32_t) b, (uint32_t) b,
                                       AGW_PART_TEXT, txt, 5 };
        }

        memset(&st, 0, sizeof(st));
        st.type = AGW_STEP_BLOCK_START;
        st.index = (uint32_t) b;
        st.part = &part;
        rc |= c->write_step(&t.s, &st);

        for (d = 0; d < NDELTAS; d++) {
            len = d < 41 ? (size_t) d : 41 + rnd() % 300;
            txt = make_text(len);

            if (json) {
                esc.len = 0;
                agw_jw_init(&ew, &esc);
                agw_jw_escape(&ew, txt, len);
                if (ew.failed) {
                    abort();
                }
                /* its own buffer, its exact size */
                text.data = malloc(esc.len ? esc.len : 1);
                if (esc.len) {
                    memcpy((char *) text.data, esc.data, esc.len);
                }
                text.len = (uint32_t) esc.len;
                text.kind = AGW_STR_JSON;
                text.escaped = esc.len
                               && memchr(esc.data, '\\', esc.len) != NULL;

            } else {
                text.data = malloc(len ? len : 1);
                if (len) {
                    memcpy((char *) text.data, txt, len);
                }
                text.len = (uint32_t) len;
                text.kind = AGW_STR_BYTES;
                text.escaped = 0;
            }

            room = rooms[rnd() % (sizeof(rooms) / sizeof(rooms[0]))];
            cut_room(&t.out, room);

            memset(&st, 0, sizeof(st));
            st.type = AGW_STEP_DELTA;
            st.index = (uint32_t) b;
            st.text = text;
            rc |= c->write_step(&t.s, &st);
            free((char *) text.data);

            if (t.out.data[t.out.len] != '\0') {
                rc = -1;            /* the output stays NUL-terminated */
            }

            /* what the client sees of it: none for an empty text of
             * Anthropic's */
            if (len == 0 && c == &agw_anthropic_codec) {
                free(txt);
                continue;
            }
            want[nwant++] = (want_t) {
                (uint32_t) b,
                c == &agw_anthropic_codec ? (uint32_t) b
                : part.type == AGW_PART_TOOL_CALL ? tools : 0,
                (int) part.type, txt, len };
        }

        if (part.type == AGW_PART_TOOL_CALL) {
            tools++;
        }

        memset(&st, 0, sizeof(st));
        st.type = AGW_STEP_BLOCK_STOP;
        st.index = (uint32_t) b;
        rc |= c->write_step(&t.s, &st);
    }

    memset(&st, 0, sizeof(st));
    st.type = AGW_STEP_FINISH;
    st.finish = AGW_FINISH_STOP;
    rc |= c->write_step(&t.s, &st);
    rc |= c->write_end(&t.s);

    res->len = 0;
    if (agw_buf_append(res, t.out.data, t.out.len) != 0) {
        abort();
    }

    wr_free(&t);
    agw_buf_free(&esc);

    return rc;
}


static int
str_is(json_t *v, const want_t *w)
{
    return json_is_string(v) && json_string_length(v) == w->len
           && memcmp(json_string_value(v), w->text, w->len) == 0;
}


/* Delta n (event data) as checked: told and counted when wrong. */
static void
delta_checked(int okd, int n, const char *data, int *bad)
{
    if (!okd) {
        (*bad)++;
        if (*bad < 4) {
            tap_diag("delta %d (block %u): %s", n, want[n].block, data);
        }
    }
}


/* bad, and one more when not every delta sent was found */
static int
deltas_counted(int n, int bad)
{
    if (n != nwant) {
        tap_diag("%d deltas for %d sent", n, nwant);
        bad++;
    }

    return bad;
}


/* The Anthropic events' deltas against want[]: the number wrong. */
static int
check_anthropic(const events_t *e)
{
    int          i, n, bad, okd;
    json_t      *j, *dl, *v;
    const char  *type, *key;

    bad = 0;
    n = 0;

    for (i = 0; i < e->n; i++) {
        if (strcmp(e->event[i], "message_start") == 0) {
            j = json_loads(e->data[i], 0, NULL);
            v = json_object_get(json_object_get(j, "message"), "id");
            if (start_id_len < 128 && !(json_is_string(v)
                && strcmp(json_string_value(v), start_id) == 0))
            {
                bad++;
                tap_diag("message_start's id: %s", e->data[i]);
            }
            json_decref(j);
            continue;
        }

        if (strcmp(e->event[i], "content_block_delta") != 0) {
            continue;
        }

        if (n >= nwant) {
            bad++;
            continue;
        }

        j = json_loads(e->data[i], 0, NULL);
        dl = json_object_get(j, "delta");
        type = want[n].kind == AGW_PART_TEXT ? "text_delta"
               : want[n].kind == AGW_PART_THINKING ? "thinking_delta"
               : "input_json_delta";
        key = want[n].kind == AGW_PART_TEXT ? "text"
              : want[n].kind == AGW_PART_THINKING ? "thinking"
              : "partial_json";

        okd = !(j == NULL || json_object_size(j) != 3
                || !json_is_integer(json_object_get(j, "index"))
                || json_integer_value(json_object_get(j, "index"))
                   != want[n].index
                || json_object_size(dl) != 2
                || !json_is_string(json_object_get(dl, "type"))
                || strcmp(json_string_value(json_object_get(dl, "type")), type)
                   != 0
                || !str_is(json_object_get(dl, key), &want[n]));

        delta_checked(okd, n, e->data[i], &bad);
        json_decref(j);
        n++;
    }

    return deltas_counted(n, bad);
}


/* The OpenAI chunks' deltas against want[]: the number wrong. */
static int
check_openai(const events_t *e)
{
    int      i, n, bad, okd;
    json_t  *j, *ch, *dl, *tc, *v;

    bad = 0;
    n = 0;

    for (i = 0; i < e->n; i++) {
        j = json_loads(e->data[i], 0, NULL);
        ch = json_array_get(json_object_get(j, "choices"), 0);
        dl = json_object_get(ch, "delta");
        tc = json_array_get(json_object_get(dl, "tool_calls"), 0);

        /* the chunks that are not a delta of a text: the role's, a
         * call's opening, the finish, the usage, [DONE] */
        if (j == NULL || dl == NULL || json_object_get(dl, "role") != NULL
            || json_object_get(tc, "id") != NULL
            || json_object_size(dl) == 0)
        {
            json_decref(j);
            continue;
        }

        v = json_object_get(j, "id");
        if (!json_is_string(v) || strcmp(json_string_value(v),
                                         start_id_len < 256 ? start_id
                                         : "chatcmpl-gateway") != 0)
        {
            bad++;
        }

        if (n >= nwant) {
            bad++;
            json_decref(j);
            continue;
        }

        switch (want[n].kind) {

        case AGW_PART_TEXT:
            okd = json_object_size(dl) == 1
                  && str_is(json_object_get(dl, "content"), &want[n]);
            break;

        case AGW_PART_REFUSAL:
            okd = json_object_size(dl) == 1
                  && str_is(json_object_get(dl, "refusal"), &want[n]);
            break;

        case AGW_PART_THINKING:
            okd = str_is(json_object_get(dl, "reasoning_content"),
                         &want[n]);
            break;

        default:
            okd = json_object_size(dl) == 1
                  && json_array_size(json_object_get(dl, "tool_calls")) == 1
                  && json_object_size(tc) == 2
                  && json_is_integer(json_object_get(tc, "index"))
                  && json_integer_value(json_object_get(tc, "index"))
                     == want[n].index
                  && json_object_size(json_object_get(tc, "function")) == 1
                  && str_is(json_object_get(json_object_get(tc, "function"),
                                            "arguments"), &want[n]);
        }

        delta_checked(okd, n, e->data[i], &bad);
        json_decref(j);
        n++;
    }

    return deltas_counted(n, bad);
}


static void
free_want(void)
{
    int  i;

    for (i = 0; i < nwant; i++) {
        free(want[i].text);
    }
    nwant = 0;
}


static void
test_writer(const agw_codec_t *c, const char *name)
{
    int        i, rj, rb, bad, same;
    size_t     idl;
    uint32_t   s0;
    events_t   e;
    agw_buf_t  bj = AGW_BUF_INIT, bb = AGW_BUF_INIT;

    /* the START id's lengths: the OpenAI heads under 192, between 192
     * and 256, over 256 bytes (an id of 256 or more is replaced) */
    static const size_t  ids[] = { 2, 30, 80, 120, 150, 200, 255 };

    for (i = 0; i < (int) (sizeof(ids) / sizeof(ids[0])); i++) {
        idl = ids[i];
        memset(start_id, 'i', idl);
        memcpy(start_id, "msg_", 4);
        start_id[idl] = '\0';
        start_id_len = idl;

        s0 = (uint32_t) (7 + i);

        rj = write_stream(c, 1, s0, &bj);
        free_want();
        rb = write_stream(c, 0, s0, &bb);

        same = bj.len == bb.len && memcmp(bj.data, bb.data, bj.len) == 0;
        ok(rj == 0 && rb == 0 && same,
           "%s, id of %zu bytes: a JSON text's deltas are the bytes of the "
           "escaped text's (%zu bytes)", name, idl, bj.len);

        bad = -1;
        if (events_parse(bj.data, bj.len, &e) == 0) {
            bad = c == &agw_anthropic_codec ? check_anthropic(&e)
                                            : check_openai(&e);
            events_free(&e);
        }
        ok(bad == 0, "%s, id of %zu bytes: each of %d deltas has its "
           "block's index, kind and text", name, idl, nwant);

        free_want();
    }

    agw_buf_free(&bj);
    agw_buf_free(&bb);
}


int
main(void)
{
    test_writer(&agw_openai_codec, "openai");
    test_writer(&agw_anthropic_codec, "anthropic");

    return done_testing();
}
