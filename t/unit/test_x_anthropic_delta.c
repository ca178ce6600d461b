/*
 * The Anthropic reader's content_block_delta read by its bytes
 * (agw_ant_delta_bytes) against the walk: every event of every Anthropic
 * fixture stream, then crafted deltas (escapes, \u sequences, invalid
 * UTF-8, members in another order or more of them, other indexes and
 * kinds, Anthropic's padding, white space elsewhere) whole and cut at
 * every byte, give the same steps, client bytes and error both ways
 * (ant_delta_diff.h); and the deltas of Anthropic's own layout are the
 * ones the byte match takes, so the comparison is not of the walk with
 * itself.
 */

#include "x_anthropic.h"
#include "fixtures.h"
#include "stream_util.h"
#include "ant_delta_diff.h"


/* Whether both readings agree, with a diagnostic when they do not. */
static int
same(const add_event_t *ev, size_t n, const char *what)
{
    int        eq;
    add_run_t  fast, walk;

    eq = add_same(ev, n, &fast, &walk);

    if (!eq) {
        tap_diag("%s: fast\n%.*s\n%.*s", what, (int) fast.log.len,
                 fast.log.data, (int) fast.out.len, fast.out.data);
        tap_diag("%s: walk\n%.*s\n%.*s", what, (int) walk.log.len,
                 walk.log.data, (int) walk.out.len, walk.out.data);
    }

    add_free(&fast);
    add_free(&walk);

    return eq;
}


/* Whether data is a delta of Anthropic's compact layout, of a kind the
 * byte match reads: a test apart from the match's own. */
static int
laid_out(const char *data)
{
    return strncmp(data, "{\"type\":\"content_block_delta\",\"index\":", 38)
               == 0
           && (strstr(data, ",\"delta\":{\"type\":\"text_delta\",\"text\":\"")
               || strstr(data, ",\"delta\":{\"type\":\"input_json_delta\","
                               "\"partial_json\":\"")
               || strstr(data, ",\"delta\":{\"type\":\"thinking_delta\","
                               "\"thinking\":\""));
}


static void
test_fixtures(void)
{
    int           i, j, taken, expected, rc;
    char         *body, *copy;
    size_t        len;
    uint32_t      idx;
    agw_buf_t     sse = AGW_BUF_INIT;
    agw_str_t     text;
    events_t      e;
    add_event_t  *ev;

    static const char  *files[] = {
        "anthropic-messages/stream-text.sse",
        "anthropic-messages/stream-tool-use.sse",
        "anthropic-messages/stream-tool-use.documented.sse",
        "anthropic-messages/stream-thinking.documented.sse",
        "anthropic-messages/stream-thinking.chunks.jsonl",
        "anthropic-messages/stream-prompt-cache.chunks.jsonl",
        "anthropic-messages/stream-error-overloaded.documented.sse",
    };

    for (i = 0; i < (int) (sizeof(files) / sizeof(files[0])); i++) {
        sse.len = 0;
        if (strstr(files[i], ".jsonl") != NULL) {
            rc = fixture_jsonl_to_sse(files[i], NULL, &sse);
            body = NULL;
        } else {
            body = fixture_read(files[i], &len);
            rc = body == NULL ? -1 : agw_buf_append(&sse, body, len);
        }

        /* a documented stream may end without its last blank line */
        if (rc != 0 || agw_buf_append(&sse, "\n\n", 2) != 0
            || events_parse(sse.data, sse.len, &e) != 0)
        {
            ok(0, "%s: read", files[i]);
            events_free(&e);
            free(body);
            continue;
        }

        ev = calloc((size_t) e.n + 1, sizeof(add_event_t));
        taken = 0;
        expected = 0;

        for (j = 0; j < e.n; j++) {
            ev[j].event = e.event[j];
            ev[j].data = e.data[j];
            ev[j].data_len = strlen(e.data[j]);

            /* the match alone, on bytes of the data's exact size */
            len = ev[j].data_len;
            copy = malloc(len ? len : 1);
            memcpy(copy, e.data[j], len);
            taken += agw_ant_delta_bytes(copy, len, &idx, &text) > 0;
            expected += laid_out(e.data[j]);
            free(copy);
        }

        ok(same(ev, (size_t) e.n, files[i]),
           "%s: the same steps, bytes and end both ways", files[i]);
        ok(taken == expected,
           "%s: the byte match takes the %d deltas of Anthropic's layout "
           "(took %d)", files[i], expected, taken);

        free(ev);
        events_free(&e);
        free(body);
    }

    agw_buf_free(&sse);
}


enum { TEXT = ADD_TEXT, TOOL = ADD_TOOL, THINK = ADD_THINKING,
       SKIP = ADD_SERVER_TOOL };

/* the first cases below: Anthropic's own layouts */
#define LAYOUTS  5

typedef struct {
    int          block;
    const char  *index;
    const char  *delta;         /* ' for ", as x_q() reads it */
} craft_t;


/* A crafted delta cut to its first cut bytes, under the event name given,
 * read both ways in a stream around it; *fast: whether the byte match
 * took it. */
static int
crafted(const craft_t *c, const char *name, size_t cut, int *fast)
{
    int          eq;
    char        *delta, *copy;
    size_t       len;
    uint32_t     idx;
    agw_str_t    text;
    add_run_t    f, w;
    add_event_t  ev;

    delta = strdup(x_q(c->delta));
    len = strlen(delta);
    len = cut < len ? cut : len;

    copy = malloc(len ? len : 1);
    memcpy(copy, delta, len);
    *fast = agw_ant_delta_bytes(copy, len, &idx, &text) > 0;
    free(copy);

    ev = (add_event_t) { name, delta, len };

    eq = add_same_around(c->block, c->index, &ev, 1, &f, &w);

    if (!eq) {
        tap_diag("%s (%zu bytes): fast\n%.*s\n%.*s", c->delta, len,
                 (int) f.log.len, f.log.data, (int) f.out.len, f.out.data);
        tap_diag("walk\n%.*s\n%.*s", (int) w.log.len, w.log.data,
                 (int) w.out.len, w.out.data);
    }

    add_free(&f);
    add_free(&w);
    free(delta);

    return eq;
}


static void
test_crafted(void)
{
    int      fast, bad, took, layouts;
    size_t   i, k, len;

    static const craft_t  cases[] = {
        /* Anthropic's layouts: compact, padded */
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'Hello'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'12'}             }" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':''}}" },
        { TOOL, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'input_json_delta','partial_json':'{\\'loc'}"
                     "        }" },
        { THINK, "0", "{'type':'content_block_delta','index':0,'delta':"
                      "{'type':'thinking_delta','thinking':'so\\n2. x'}}" },

        /* escapes, \u sequences */
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'a\\'b\\\\c\\/d\\b\\f\\n"
                     "\\r\\t'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'\\u00e9\\ud83d\\ude00"
                     "\\u20AC'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'lone \\ud83d x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'low \\ude00'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'nul \\u0000'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'hex \\u12G4'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'bad \\x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'end\\\\'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'a long text, longer "
                     "than the last 32 bytes, \\'quoted\\' and \\u00e9 "
                     "near its end \\n'}}" },

        /* UTF-8: valid, invalid, overlong, a surrogate, cut */
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'\xe2\x82\xac \xc3\xa9"
                     " \xf0\x9f\x98\x80'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'\xff'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'\xc0\xaf'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'\xed\xa0\x80'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'cut \xe2\x82'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'ctl \x01 \t'}}" },

        /* members in another order, more members, repeated ones */
        { TEXT, "0", "{'index':0,'type':'content_block_delta','delta':"
                     "{'type':'text_delta','text':'x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','delta':"
                     "{'type':'text_delta','text':'x'},'index':0}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'text':'x','type':'text_delta'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'x','extra':[1,{}]}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'x'},'extra':true}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'a','text':'b'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'index':1,"
                     "'delta':{'type':'text_delta','text':'x'}}" },

        /* white space elsewhere, bytes after the object */
        { TEXT, "0", " {'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'x'}}" },
        { TEXT, "0", "{'type': 'content_block_delta', 'index': 0, 'delta':"
                     " {'type': 'text_delta', 'text': 'x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'x' } } \t\r\n" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'x'}}x" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'x'}}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'x'}" },

        /* indexes: another block's, later ones, huge, not JSON's */
        { TEXT, "3", "{'type':'content_block_delta','index':3,'delta':"
                     "{'type':'text_delta','text':'x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':1,'delta':"
                     "{'type':'text_delta','text':'x'}}" },
        { TEXT, "999999", "{'type':'content_block_delta','index':999999,"
                          "'delta':{'type':'text_delta','text':'x'}}" },
        { TEXT, "1234567", "{'type':'content_block_delta','index':1234567,"
                           "'delta':{'type':'text_delta','text':'x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':4294967296,"
                     "'delta':{'type':'text_delta','text':'x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':"
                     "99999999999999999999,'delta':{'type':'text_delta',"
                     "'text':'x'}}" },
        { TEXT, "1", "{'type':'content_block_delta','index':01,'delta':"
                     "{'type':'text_delta','text':'x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':-1,'delta':"
                     "{'type':'text_delta','text':'x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0.0,'delta':"
                     "{'type':'text_delta','text':'x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':'0','delta':"
                     "{'type':'text_delta','text':'x'}}" },

        /* kinds: another block's, one the reader passes over, others */
        { TOOL, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':'x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'input_json_delta','partial_json':'x'}}" },
        { THINK, "0", "{'type':'content_block_delta','index':0,'delta':"
                      "{'type':'text_delta','text':'x'}}" },
        { SKIP, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'input_json_delta','partial_json':'{}'}}" },
        { THINK, "0", "{'type':'content_block_delta','index':0,'delta':"
                      "{'type':'signature_delta','signature':'EqQB'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'citations_delta','citation':{}}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_deltas','text':'x'}}" },
        { TEXT, "0", "{'type':'content_block_delta','index':0,'delta':"
                     "{'type':'text_delta','text':7}}" },
        { TEXT, "0", "{'type':'content_block_deltas','index':0,'delta':"
                     "{'type':'text_delta','text':'x'}}" },
    };

    bad = 0;
    took = 0;
    layouts = 0;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        len = strlen(x_q(cases[i].delta));

        /* whole, under the delta's name and as a ping, then every cut */
        if (!crafted(&cases[i], "content_block_delta", (size_t) -1, &fast)) {
            bad++;
        }
        took += fast;
        layouts += i < LAYOUTS && fast;

        if (!crafted(&cases[i], "ping", (size_t) -1, &fast)) {
            bad++;
        }

        for (k = 0; k < len; k++) {
            if (!crafted(&cases[i], "content_block_delta", k, &fast)) {
                bad++;
            }
        }
    }

    ok(bad == 0, "crafted deltas, whole and cut at every byte: the same "
       "both ways (%d differ)", bad);

    /* the byte match took Anthropic's layouts, and left others */
    ok(layouts == LAYOUTS && took < (int) (sizeof(cases) / sizeof(cases[0])),
       "crafted deltas: Anthropic's %d layouts read by their bytes, %d "
       "cases in all of %d", LAYOUTS, took,
       (int) (sizeof(cases) / sizeof(cases[0])));
}


int
main(void)
{
    test_fixtures();
    test_crafted();

    return done_testing();
}
