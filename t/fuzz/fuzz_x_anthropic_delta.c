/*
 * libFuzzer target: the Anthropic reader's content_block_delta read by
 * its bytes (agw_ant_delta_bytes) against the walk.  The payload's lines
 * are events, read inside an open block both ways (ant_delta_diff.h):
 * the steps, the OpenAI client's bytes and the error must be the same,
 * and no byte past an event's data is read (each is copied to a buffer
 * of its exact size, without a NUL, for ASan to see).  The match is also
 * run alone on each line: a string it returns lies inside the line.
 *
 * Input: 4 steering bytes (byte 0: the block's kind, bits 0-1; bit 2:
 * the events are named "ping"; byte 1: the block's index), then the
 * events' data, one a line.  Seed corpus: t/fuzz/corpus/
 * fuzz_x_anthropic_delta/ (t/fuzz/make-corpus.sh).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "../unit/ant_delta_diff.h"

#define FUZZ_EVENTS  64


static void
fuzz_match_alone(const uint8_t *d, size_t len)
{
    int        kind;
    char      *copy;
    uint32_t   idx;
    agw_str_t  text;

    copy = malloc(len ? len : 1);
    if (copy == NULL) {
        abort();
    }
    memcpy(copy, d, len);

    kind = agw_ant_delta_bytes(copy, len, &idx, &text);

    if (kind < 0 || kind > AGW_ANT_K_TOOL
        || (kind > 0 && (text.kind != AGW_STR_JSON
                         || text.data <= copy
                         || text.data + text.len >= copy + len
                         || text.data[-1] != '"'
                         || text.data[text.len] != '"')))
    {
        abort();
    }

    free(copy);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          eq;
    char         index[8];
    size_t       n, i, len;
    add_run_t    fast, walk;
    const char  *p, *end, *nl;
    add_event_t  ev[FUZZ_EVENTS];

    if (size < FUZZ_HEADER) {
        return 0;
    }

    snprintf(index, sizeof(index), "%u", (unsigned) data[1]);

    p = (const char *) data + FUZZ_HEADER;
    end = (const char *) data + size;

    for (n = 0; n < FUZZ_EVENTS && p <= end; n++) {
        nl = memchr(p, '\n', (size_t) (end - p));
        len = nl ? (size_t) (nl - p) : (size_t) (end - p);

        ev[n].event = (data[0] & 4) ? "ping" : "content_block_delta";
        ev[n].data = p;
        ev[n].data_len = len;

        fuzz_match_alone((const uint8_t *) p, len);

        if (nl == NULL) {
            n++;
            break;
        }

        p = nl + 1;
    }

    eq = add_same_around(data[0] & 3, index, ev, n, &fast, &walk);

    if (!eq) {
        for (i = 0; i < 2; i++) {
            add_run_t  *r = i ? &walk : &fast;

            fprintf(stderr, "%s:\n%.*s\n%.*s\n", i ? "walk" : "fast",
                    (int) r->log.len, r->log.data, (int) r->out.len,
                    r->out.data);
        }
        abort();
    }

    add_free(&fast);
    add_free(&walk);

    return 0;
}
