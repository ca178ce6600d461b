/*
 * ant_delta_diff.h: an Anthropic stream read twice, by the codec's reader
 * (which reads a content_block_delta of Anthropic's layout by its bytes,
 * agw_ant_delta_bytes) and by the walk alone (agw_ant_read_event_walk),
 * each written for an OpenAI client: the two must give the same steps
 * (every field a writer reads, a string's form included), the same
 * client bytes and the same error.  Each event's name and data are copied
 * into buffers of their exact size, without the parser's NUL, so that
 * ASan sees any read past them.  Shared by test_x_anthropic_delta.c and
 * the fuzzer fuzz_x_anthropic_delta.c.
 */

#ifndef ANT_DELTA_DIFF_H
#define ANT_DELTA_DIFF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_codec.h"
#include "agw_arena.h"
#include "anthropic/ant_int.h"

typedef struct {
    const char  *event;
    const char  *data;
    size_t       data_len;
} add_event_t;

typedef struct {
    agw_xstream_t   s;              /* first: the writer's step finds the
                                       run from it */
    agw_arena_t     arena;
    agw_buf_t       out;            /* the OpenAI client's bytes */
    agw_buf_t       log;            /* the steps, then rc and the error */
    int             rc;
} add_run_t;


static void
add_log_str(agw_buf_t *b, const agw_str_t *s)
{
    if (!agw_str_set(s)) {
        agw_buf_append_str(b, " -");
        return;
    }

    agw_buf_printf(b, " k%d e%d %u:", s->kind, s->escaped, s->len);
    agw_buf_append(b, s->data, s->len);
}


/* The step logged, then written as the OpenAI writer writes it. */
static int
add_step(agw_xstream_t *s, const agw_step_t *st)
{
    add_run_t  *r = (add_run_t *) s;

    agw_buf_printf(&r->log, "%d %u", (int) st->type, st->index);

    switch (st->type) {

    case AGW_STEP_START:
        add_log_str(&r->log, &st->id);
        add_log_str(&r->log, &st->model);
        break;

    case AGW_STEP_BLOCK_START:
        agw_buf_printf(&r->log, " p%d", (int) st->part->type);
        add_log_str(&r->log, &st->part->id);
        add_log_str(&r->log, &st->part->name);
        break;

    case AGW_STEP_FINISH:
        agw_buf_printf(&r->log, " f%d", (int) st->finish);
        break;

    default:
        add_log_str(&r->log, &st->text);
        break;
    }

    if (st->usage != NULL) {
        agw_buf_printf(&r->log, " u%lld/%lld", (long long) st->usage->input,
                       (long long) st->usage->output);
    }

    agw_buf_append_str(&r->log, "\n");

    return agw_openai_codec.write_step(s, st);
}


static agw_codec_t  add_writer;


/* The n events read by the walk alone (walk) or by the codec's reader. */
static void
add_run(add_run_t *r, int walk, const add_event_t *ev, size_t n)
{
    char         *name, *data;
    size_t        i, len;
    agw_error_t   cut;

    add_writer = agw_openai_codec;
    add_writer.write_step = add_step;

    memset(r, 0, sizeof(add_run_t));
    r->s.reader = &agw_anthropic_codec;
    r->s.writer = &add_writer;
    r->s.rstate = calloc(1, agw_anthropic_codec.read_state_size);
    r->s.wstate = calloc(1, agw_openai_codec.write_state_size);
    if (r->s.rstate == NULL || r->s.wstate == NULL) {
        abort();
    }
    agw_arena_init(&r->arena, NULL, 0, 0);
    r->s.arena = &r->arena;
    agw_jw_init(&r->s.w, &r->out);
    r->s.opts.model = agw_str_bytes("client-model", 12);
    r->s.opts.provider = AGW_DIALECT_ANTHROPIC;
    r->s.opts.created = 1700000000;
    agw_usage_init(&r->s.usage);

    for (i = 0; i < n && r->rc == 0 && !r->s.client_done; i++) {
        agw_sse_event_t  e;

        len = strlen(ev[i].event);
        name = malloc(len ? len : 1);
        data = malloc(ev[i].data_len ? ev[i].data_len : 1);
        if (name == NULL || data == NULL) {
            abort();
        }
        memcpy(name, ev[i].event, len);
        memcpy(data, ev[i].data, ev[i].data_len);

        memset(&e, 0, sizeof(e));
        e.event = name;
        e.event_len = len;
        e.data = data;
        e.data_len = ev[i].data_len;

        r->rc = walk ? agw_ant_read_event_walk(&r->s, &e)
                     : agw_ant_read_event(&r->s, &e);
        agw_arena_free(&r->arena);

        free(name);
        free(data);
    }

    if (r->rc != 0 || r->s.error != NULL) {
        memset(&cut, 0, sizeof(cut));
        agw_error_set(&cut, AGW_ERR_BAD_GATEWAY, 0, "x", "cut");
        agw_openai_codec.write_stream_error(&r->s, r->s.error ? r->s.error
                                                              : &cut);
    } else if (r->s.provider_done) {
        agw_openai_codec.write_end(&r->s);
    }

    agw_buf_printf(&r->log, "rc=%d", r->rc);
    if (r->s.error != NULL) {
        agw_buf_printf(&r->log, " %d %s", (int) r->s.error->cls,
                       r->s.error->message);
    }
}


static void
add_free(add_run_t *r)
{
    agw_openai_codec.free_write_state(r->s.wstate);
    free(r->s.rstate);
    free(r->s.wstate);
    free(r->s.error);
    agw_arena_free(&r->arena);
    agw_buf_free(&r->out);
    agw_buf_free(&r->log);
}


/*
 * Whether both readings of the n events are the same: 1, or 0 with *fast
 * and *walk (the caller frees them with add_free) left to show.
 */
static int
add_same(const add_event_t *ev, size_t n, add_run_t *fast, add_run_t *walk)
{
    add_run(fast, 0, ev, n);
    add_run(walk, 1, ev, n);

    return fast->rc == walk->rc
           && fast->log.len == walk->log.len
           && memcmp(fast->log.data, walk->log.data, fast->log.len) == 0
           && fast->out.len == walk->out.len
           && (fast->out.len == 0
               || memcmp(fast->out.data, walk->out.data, fast->out.len) == 0);
}


/* Kinds of block add_same_around() opens. */
enum {
    ADD_TEXT = 0,
    ADD_TOOL,
    ADD_THINKING,
    ADD_SERVER_TOOL,            /* one the reader passes over */
    ADD_BLOCKS
};


/*
 * The same for deltas in a stream around them: message_start, a block of
 * kind block at index (its JSON text), the n events, a delta of the
 * block's kind, the block's stop, message_delta and message_stop.
 */
static int
add_same_around(int block, const char *index, const add_event_t *mid,
    size_t n, add_run_t *fast, add_run_t *walk)
{
    int           eq;
    char          start[256], next[256];
    size_t        i;
    add_event_t  *ev;

    static const char  *blocks[ADD_BLOCKS] = {
        "{\"type\":\"content_block_start\",\"index\":%s,"
            "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
        "{\"type\":\"content_block_start\",\"index\":%s,"
            "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\","
            "\"name\":\"f\",\"input\":{}}}",
        "{\"type\":\"content_block_start\",\"index\":%s,"
            "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\","
            "\"signature\":\"\"}}",
        "{\"type\":\"content_block_start\",\"index\":%s,"
            "\"content_block\":{\"type\":\"server_tool_use\","
            "\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{}}}",
    };

    static const char  *deltas[ADD_BLOCKS] = {
        "\"text_delta\",\"text\"",
        "\"input_json_delta\",\"partial_json\"",
        "\"thinking_delta\",\"thinking\"",
        "\"input_json_delta\",\"partial_json\"",
    };

    static const char  message_start[] =
        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
        "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\","
        "\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
        "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}";
    static const char  block_stop[] =
        "{\"type\":\"content_block_stop\",\"index\":0}";
    static const char  message_delta[] =
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
        "\"end_turn\",\"stop_sequence\":null},\"usage\":"
        "{\"output_tokens\":9}}";
    static const char  message_stop[] = "{\"type\":\"message_stop\"}";

    snprintf(start, sizeof(start), blocks[block % ADD_BLOCKS], index);
    snprintf(next, sizeof(next),
             "{\"type\":\"content_block_delta\",\"index\":%s,\"delta\":"
             "{\"type\":%s:\"more\"}}", index, deltas[block % ADD_BLOCKS]);

    ev = calloc(n + 6, sizeof(add_event_t));
    if (ev == NULL) {
        abort();
    }

    ev[0] = (add_event_t) { "message_start", message_start,
                            sizeof(message_start) - 1 };
    ev[1] = (add_event_t) { "content_block_start", start, strlen(start) };

    for (i = 0; i < n; i++) {
        ev[2 + i] = mid[i];
    }

    ev[n + 2] = (add_event_t) { "content_block_delta", next, strlen(next) };
    ev[n + 3] = (add_event_t) { "content_block_stop", block_stop,
                                sizeof(block_stop) - 1 };
    ev[n + 4] = (add_event_t) { "message_delta", message_delta,
                                sizeof(message_delta) - 1 };
    ev[n + 5] = (add_event_t) { "message_stop", message_stop,
                                sizeof(message_stop) - 1 };

    eq = add_same(ev, n + 6, fast, walk);

    free(ev);

    return eq;
}

#endif /* ANT_DELTA_DIFF_H */
