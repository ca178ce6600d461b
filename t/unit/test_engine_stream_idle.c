/*
 * What an open engine stream holds between the provider's reads: its one
 * allocation (driver, the two sides' states, the model) and what a codec
 * keeps on purpose (the OpenAI reader the last chunk's first 256 bytes,
 * the Responses writer the output it repeats in response.completed), not
 * the SSE parser's buffers as large as the largest event so far.
 * Thousands of streams wait at once (the bound: an open stream
 * <= 20 KB per worker).  Measured with the sanitizers' allocator, which
 * the unit tests run under.  Between bytes that follow at once (the HTTP
 * chunks of one read, the reads of a burst: agw_engine_stream_feed_more)
 * the buffers stay, and agw_engine_stream_idle() gives them back.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_engine.h"
#include "tap.h"


/* the sanitizers' runtime (its header is not installed here) */
size_t __sanitizer_get_current_allocated_bytes(void);


/* the first event of each provider dialect's stream, whole */
static const char  *starts[AGW_DIALECT_MAX] = {
    /* openai */
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
    "\"model\":\"up\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
    "\"assistant\",\"content\":\"Hello\"},\"finish_reason\":null}]}\n\n",
    /* anthropic */
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
    "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
    "\"up\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
    "\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}\n\n"
    "event: content_block_start\ndata: {\"type\":\"content_block_start\","
    "\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
    "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
    /* gemini */
    "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hello\"}],"
    "\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{"
    "\"promptTokenCount\":7,\"candidatesTokenCount\":1,"
    "\"totalTokenCount\":8},\"modelVersion\":\"up\"}\n\n",
    /* responses */
    "event: response.created\ndata: {\"type\":\"response.created\","
    "\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"object\":"
    "\"response\",\"created_at\":1,\"status\":\"in_progress\",\"model\":"
    "\"up\",\"output\":[]}}\n\n"
};


/* a text delta of BIG bytes, in each provider dialect, after starts[] */
#define BIG  (60 * 1024)

static const char  *deltas[AGW_DIALECT_MAX] = {
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
    "\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"content\":\"%s\"},\"finish_reason\":null}]}\n\n",
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
    "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
    "\"%s\"}}\n\n",
    "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
    "\"%s\"}],\"role\":\"model\"},\"index\":0}],\"modelVersion\":"
    "\"up\"}\n\n",
    NULL
};


int
main(void)
{
    int             p, c, rc;
    char           *text, *ev;
    size_t          held, idle, len;
    long long       kept, back, base;
    agw_buf_t       out;
    agw_xstream_t  *s;

    /* what the first stream and the first line of output (stdio's
     * buffer) allocate once for the process */
    s = agw_engine_stream_new(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, NULL, 0);
    ok(s != NULL, "a first stream");
    agw_engine_stream_free(s);

    text = malloc(BIG + 1);
    ev = malloc(BIG + 1024);
    if (text == NULL || ev == NULL) {
        return 1;
    }
    memset(text, 'x', BIG);
    text[BIG] = '\0';

    for (p = 0; p < AGW_DIALECT_MAX; p++) {
        for (c = 0; c < AGW_DIALECT_MAX; c++) {
            if (!agw_engine_supported(c, p, 1)) {
                continue;
            }

            /* the client's bytes are the caller's: reserved up front */
            memset(&out, 0, sizeof(out));
            if (agw_buf_reserve(&out, 64 * 1024) != 0) {
                return 1;
            }

            held = __sanitizer_get_current_allocated_bytes();
            s = agw_engine_stream_new(p, c, NULL, 0);
            ok(s != NULL, "%s -> %s: a stream", agw_dialect_name(p),
               agw_dialect_name(c));
            if (s == NULL) {
                agw_buf_free(&out);
                continue;
            }
            held = __sanitizer_get_current_allocated_bytes() - held;

            rc = agw_engine_stream_feed(s, starts[p], strlen(starts[p]),
                                        &out);
            /* a Responses provider's response.created alone may give the
             * client nothing yet */
            ok(rc == 0 && (out.len > 0 || p == AGW_DIALECT_RESPONSES),
               "%s -> %s: events go out",
               agw_dialect_name(p), agw_dialect_name(c));

            if (deltas[p] != NULL) {
                /* a large event: nothing of its size stays with the
                 * stream once it is handled, but the Responses writer's
                 * copy of the text */
                snprintf(ev, BIG + 1024, deltas[p], text);
                out.len = 0;
                idle = __sanitizer_get_current_allocated_bytes();
                rc = agw_engine_stream_feed(s, ev, strlen(ev), &out);
                idle = __sanitizer_get_current_allocated_bytes() - idle;

                ok(rc == 0 && out.len > BIG, "%s -> %s: the large event "
                   "goes out", agw_dialect_name(p), agw_dialect_name(c));
                ok(idle < (c == AGW_DIALECT_RESPONSES ? BIG : 0) + 4096,
                   "%s -> %s: %zu bytes stay between reads after a %d-byte "
                   "event", agw_dialect_name(p), agw_dialect_name(c), idle,
                   BIG);

                /* the same event twice, as bytes that follow at once: the
                 * second takes no new memory (a Responses client's writer
                 * keeps the text it repeats at the end), and idle gives
                 * the first's buffers back */
                len = strlen(ev);
                out.len = 0;
                base = (long long) __sanitizer_get_current_allocated_bytes();
                rc = agw_engine_stream_feed_more(s, ev, len, &out);
                kept = (long long) __sanitizer_get_current_allocated_bytes();
                out.len = 0;
                rc |= agw_engine_stream_feed_more(s, ev, len, &out);
                kept = (long long) __sanitizer_get_current_allocated_bytes()
                       - kept;

                if (c != AGW_DIALECT_RESPONSES) {
                    ok(rc == 0 && kept <= 0, "%s -> %s: %lld bytes taken "
                       "again for bytes that follow at once",
                       agw_dialect_name(p), agw_dialect_name(c), kept);
                }

                /* (the Responses writer keeps the text it repeats; the
                 * parser hands an event whole in a feed over in
                 * place: it may have had no buffer of its size at all) */
                agw_engine_stream_idle(s);
                back = (long long) __sanitizer_get_current_allocated_bytes()
                       - base;

                ok(rc == 0
                   && back < (c == AGW_DIALECT_RESPONSES ? 4 * BIG : 0) + 4096,
                   "%s -> %s: after idle %lld bytes stay of the two events",
                   agw_dialect_name(p), agw_dialect_name(c), back);

                /* cut in two: the parser kept its bytes, and gives their
                 * buffer back at idle */
                out.len = 0;
                rc = agw_engine_stream_feed_more(s, ev, len / 2, &out);
                rc |= agw_engine_stream_feed_more(s, ev + len / 2,
                                                  len - len / 2, &out);
                back = (long long) __sanitizer_get_current_allocated_bytes();
                agw_engine_stream_idle(s);
                back -= (long long) __sanitizer_get_current_allocated_bytes();

                ok(rc == 0 && back >= BIG, "%s -> %s: idle gives %lld bytes "
                   "back", agw_dialect_name(p), agw_dialect_name(c), back);
            }

            rc = agw_engine_stream_feed(s, "data: {\"cand", 12, &out);
            ok(rc == 0, "a cut event is kept for the next read");

            agw_engine_stream_free(s);
            agw_buf_free(&out);

            /* the driver (352 bytes), the states (24 to 440), the model */
            ok(held < 1024, "%s -> %s: the stream's allocation",
               agw_dialect_name(p), agw_dialect_name(c));
            tap_diag("%s -> %s: %zu bytes", agw_dialect_name(p),
                     agw_dialect_name(c), held);
        }
    }

    free(text);
    free(ev);

    return done_testing();
}
