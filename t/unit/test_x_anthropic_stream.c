/*
 * The engine's Anthropic codec, streams: real Anthropic streams read into
 * steps (logged and compared), steps written as Anthropic events (a delta
 * never after its block's stop, the error event's shape), and round
 * trips: an Anthropic stream read and written, read again, gives the same
 * steps, whatever the split of its bytes.
 */

#include "x_anthropic.h"
#include "fixtures.h"
#include "agw_sse.h"


/* A writer that logs the steps it gets, one line each. */
static agw_buf_t  steplog = AGW_BUF_INIT;

static void
log_str(const char *tag, const agw_str_t *s)
{
    agw_buf_printf(&steplog, " %s=", tag);
    if (agw_str_set(s)) {
        agw_buf_append(&steplog, s->data, s->len);
    } else {
        agw_buf_append_str(&steplog, "(unset)");
    }
}


static int
log_step(agw_xstream_t *s, const agw_step_t *st)
{
    static const char  *names[] = {
        "", "START", "BLOCK", "DELTA", "SIG", "STOP", "FINISH", "USAGE",
        "END", "ERROR"
    };

    agw_buf_printf(&steplog, "%s", names[st->type]);

    switch (st->type) {

    case AGW_STEP_START:
        log_str("id", &st->id);
        if (st->usage != NULL) {
            agw_buf_printf(&steplog, " in=%lld",
                           (long long) st->usage->input);
        }
        break;

    case AGW_STEP_BLOCK_START:
        agw_buf_printf(&steplog, " %u type=%d", st->index, st->part->type);
        if (st->part->type == AGW_PART_TOOL_CALL) {
            log_str("id", &st->part->id);
            log_str("name", &st->part->name);
        }
        break;

    case AGW_STEP_DELTA:
    case AGW_STEP_SIGNATURE:
        agw_buf_printf(&steplog, " %u", st->index);
        log_str("", &st->text);
        break;

    case AGW_STEP_BLOCK_STOP:
        agw_buf_printf(&steplog, " %u", st->index);
        break;

    case AGW_STEP_FINISH:
        agw_buf_printf(&steplog, " %d", st->finish);
        break;

    case AGW_STEP_USAGE:
        agw_buf_printf(&steplog, " in=%lld out=%lld cr=%lld",
                       (long long) st->usage->input,
                       (long long) st->usage->output,
                       (long long) st->usage->cache_read);
        break;

    default:
        break;
    }

    agw_buf_append_str(&steplog, "\n");

    return 0;
}


static agw_codec_t  logger;


typedef struct {
    agw_xstream_t   s;
    agw_arena_t     arena;
    agw_buf_t       out;
    int             rc;
} stream_t;


static void
stream_init(stream_t *t, const agw_codec_t *writer)
{
    memset(t, 0, sizeof(stream_t));
    t->s.reader = &agw_anthropic_codec;
    t->s.writer = writer;
    t->s.rstate = calloc(1, agw_anthropic_codec.read_state_size);
    t->s.wstate = calloc(1, writer->write_state_size
                            ? writer->write_state_size : 1);
    agw_arena_init(&t->arena, NULL, 0, 0);
    t->s.arena = &t->arena;
    agw_jw_init(&t->s.w, &t->out);
    t->s.opts.model = agw_str_bytes("client-model", 12);
    t->s.opts.provider = AGW_DIALECT_ANTHROPIC;
    agw_usage_init(&t->s.usage);
}


static void
stream_free(stream_t *t)
{
    free(t->s.rstate);
    free(t->s.wstate);
    free(t->s.error);
    agw_arena_free(&t->arena);
    agw_buf_free(&t->out);
}


static int
on_event(void *ud, const agw_sse_event_t *ev)
{
    stream_t  *t = ud;

    if (t->rc == 0) {
        t->rc = agw_anthropic_codec.read_event(&t->s, ev);
    }

    return 0;
}


/* Feeds bytes in pieces of step bytes (0: whole), then ends the stream as
 * the driver would: the end, or the error event. */
static void
stream_feed(stream_t *t, const char *p, size_t len, size_t step)
{
    size_t            off, n;
    agw_sse_parser_t  sse;

    agw_sse_init(&sse, 0);

    for (off = 0; off < len; off += n) {
        n = (step == 0 || len - off < step) ? len - off : step;
        agw_sse_feed(&sse, p + off, n, on_event, t);
    }

    agw_sse_feed(&sse, "\n\n", 2, on_event, t);
    agw_sse_free(&sse);

    if (t->rc != 0 && t->s.error != NULL) {
        t->s.writer->write_stream_error(&t->s, t->s.error);
    } else if (t->s.provider_done) {
        t->s.writer->write_end(&t->s);
    }
}


/* The steps an Anthropic stream's bytes make, as a log. */
static char *
steps_of(const char *p, size_t len, size_t step, int *rc)
{
    char      *r;
    stream_t   t;

    steplog.len = 0;
    stream_init(&t, &logger);
    stream_feed(&t, p, len, step);
    *rc = t.rc;
    if (t.s.provider_done) {
        agw_buf_append_str(&steplog, "END\n");
    }
    stream_free(&t);

    agw_buf_append(&steplog, "", 1);
    r = strdup(steplog.data);

    return r;
}


/*
 * Checks an Anthropic client stream: message_start first, blocks indexed
 * from 0 one at a time, no delta outside its open block, message_stop
 * (or an error) last.  Returns the number of problems.
 */
static int
check_sequence(const char *sse, size_t len)
{
    int          open, next, bad, idx, started;
    const char  *p, *end, *data;

    bad = 0;
    open = -1;
    next = 0;
    started = 0;
    end = sse + len;

    for (p = sse; p < end; ) {
        data = strstr(p, "\ndata: ");
        if (data == NULL || data > end) {
            break;
        }

        idx = -1;
        if (strstr(data, "\"index\":") != NULL) {
            idx = atoi(strstr(data, "\"index\":") + 8);
        }

        if (strncmp(p, "event: message_start", 20) == 0) {
            bad += started;
            started = 1;
        } else if (!started) {
            bad++;
        } else if (strncmp(p, "event: content_block_start", 26) == 0) {
            bad += open != -1 || idx != next;
            open = next++;
        } else if (strncmp(p, "event: content_block_delta", 26) == 0) {
            bad += idx != open;
        } else if (strncmp(p, "event: content_block_stop", 25) == 0) {
            bad += idx != open;
            open = -1;
        } else if (strncmp(p, "event: message_delta", 20) == 0) {
            bad += open != -1;
        }

        p = strstr(data, "\n\n");
        if (p == NULL) {
            break;
        }
        p += 2;
    }

    return bad;
}


static void
test_reader_fixtures(void)
{
    int          rc;
    char        *body, *log;
    size_t       len;

    body = fixture_read("anthropic-messages/stream-text.sse", &len);
    log = body ? steps_of(body, len, 0, &rc) : NULL;
    is_str(log,
           "START id=msg_01LtFpmR8SbmiK2kRA5sWXNi in=135\n"
           "BLOCK 0 type=1\n"
           "DELTA 0 =[\n"
           "DELTA 0 =12\n"
           "DELTA 0 =345,\n"
           "DELTA 0 =67890]\n"
           "STOP 0\n"
           "USAGE in=135 out=10 cr=0\n"
           "FINISH 1\n"
           "END\n",
           "reader: stream-text, padding and ping");
    free(body);
    free(log);

    body = fixture_read("anthropic-messages/stream-thinking.chunks.sse",
                        &len);
    log = body ? steps_of(body, len, 0, &rc) : NULL;
    ok(log != NULL && rc == 0
       && strstr(log, "BLOCK 0 type=5\nDELTA 0 =The previous\n") != NULL
       && strstr(log, "SIG 0 =") != NULL
       && strstr(log, "STOP 0\nBLOCK 1 type=1\n") != NULL,
       "reader: stream-thinking, thinking then its signature then text");
    free(body);
    free(log);

    body = fixture_read("anthropic-messages/stream-tool-use.sse", &len);
    log = body ? steps_of(body, len, 0, &rc) : NULL;
    ok(log != NULL && rc == 0
       && strstr(log, "BLOCK 0 type=8 id=toolu_") != NULL
       && strstr(log, "FINISH 4\n") != NULL,
       "reader: stream-tool-use, the call and its finish");
    free(body);
    free(log);

    body = fixture_read("anthropic-messages/stream-prompt-cache.chunks.sse",
                        &len);
    log = body ? steps_of(body, len, 0, &rc) : NULL;
    ok(log != NULL && rc == 0 && strstr(log, "START id=msg_011CdYfpjp"
       "VtBoXyXCQD1tQP in=3070\n") != NULL
       && strstr(log, "BLOCK 0 type=1\n") != NULL
       && strstr(log, "BLOCK 1") == NULL,
       "reader: server tool blocks passed over, the text renumbered 0, "
       "cache writes in the input");
    if (log != NULL && rc != 0) {
        tap_diag("%s", log);
    }
    free(body);
    free(log);

    body = fixture_read(
        "anthropic-messages/stream-error-overloaded.documented.sse", &len);
    {
        stream_t  t;

        steplog.len = 0;
        stream_init(&t, &logger);
        stream_feed(&t, body, len, 0);
        ok(t.rc != 0 && t.s.error != NULL
           && t.s.error->cls == AGW_ERR_OVERLOADED
           && strcmp(t.s.error->message, "Overloaded") == 0,
           "reader: an error event is the provider's error, its class kept");
        stream_free(&t);
    }
    free(body);
}


static void
test_reader_malformed(void)
{
    size_t       i;
    int          rc;
    char        *log;
    const char  *body;

    static const char  *bad[] = {
        /* a delta before message_start */
        "data: {'type':'content_block_delta','index':0,'delta':{'type':"
        "'text_delta','text':'x'}}\n\n",
        /* a delta for a block that is not open */
        "data: {'type':'message_start','message':{}}\n\n"
        "data: {'type':'content_block_start','index':0,'content_block':"
        "{'type':'text','text':''}}\n\n"
        "data: {'type':'content_block_delta','index':1,'delta':{'type':"
        "'text_delta','text':'x'}}\n\n",
        /* a delta of another kind than its block */
        "data: {'type':'message_start','message':{}}\n\n"
        "data: {'type':'content_block_start','index':0,'content_block':"
        "{'type':'text','text':''}}\n\n"
        "data: {'type':'content_block_delta','index':0,'delta':{'type':"
        "'input_json_delta','partial_json':'{'}}\n\n",
        /* not JSON */
        "data: {'type':'message_start','message':{}}\n\n"
        "data: {'type':'content_block_start','index':0,'content_block':"
        "{'type':'text','text':''}}\n\n"
        "data: {'type':'content_block_delta','index':0,'delta':{'type':"
        "'text_delta','text':'\\x'}}\n\n",
    };

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        body = x_q(bad[i]);
        log = steps_of(body, strlen(body), 0, &rc);
        ok(rc != 0, "reader: malformed stream %zu refused", i);
        free(log);
    }
}


/* A step log without its START and USAGE lines: the writer sends usage
 * once, at the end, and its own message_start. */
static void
drop_start_usage(char *log)
{
    char    *a, *b, *nl;
    size_t   n;

    for (a = log, b = log; *a != '\0'; a += n) {
        nl = strchr(a, '\n');
        n = nl ? (size_t) (nl - a + 1) : strlen(a);

        if (strncmp(a, "USAGE", 5) != 0 && strncmp(a, "START", 5) != 0) {
            memmove(b, a, n);
            b += n;
        }
    }

    *b = '\0';
}


/* Anthropic -> steps -> Anthropic: the client stream is well-formed and
 * reads back into the same steps (the same text, calls, signatures,
 * finish and usage), for every split of the provider's bytes. */
static void
test_round_trips(void)
{
    size_t      i, len, split;
    int         rc, rc2;
    char       *body, *log1, *log2;
    stream_t    t;

    static const char  *names[] = {
        "anthropic-messages/stream-text.sse",
        "anthropic-messages/stream-thinking.chunks.sse",
        "anthropic-messages/stream-tool-use.sse",
        "anthropic-messages/stream-tool-use.documented.sse",
        "anthropic-messages/stream-thinking.documented.sse",
    };

    static const size_t  splits[] = { 0, 1, 7, 64 };

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        body = fixture_read(names[i], &len);
        if (body == NULL) {
            ok(0, "round trip: %s", names[i]);
            continue;
        }

        log1 = steps_of(body, len, 0, &rc);

        for (split = 0; split < sizeof(splits) / sizeof(splits[0]); split++) {
            stream_init(&t, &agw_anthropic_codec);
            stream_feed(&t, body, len, splits[split]);

            ok(t.rc == 0 && t.out.len > 0
               && check_sequence(t.out.data, t.out.len) == 0,
               "round trip: %s split %zu: a well-formed client stream",
               names[i], splits[split]);

            log2 = steps_of(t.out.data, t.out.len, 0, &rc2);

            /* the writer sends usage once, at the end: compared without
             * the usage steps */
            ok(rc == 0 && rc2 == 0 && log1 != NULL && log2 != NULL,
               "round trip: %s split %zu read back", names[i],
               splits[split]);

            if (split == 0) {
                /* the same blocks, deltas, signatures and finish */
                drop_start_usage(log1);
                drop_start_usage(log2);
                is_str(log2, log1, "round trip: the same steps read back");
            }

            free(log2);
            stream_free(&t);
        }

        free(log1);
        free(body);
    }
}


/* Steps as another provider's reader makes them, written for an
 * Anthropic client. */
static void
test_writer(void)
{
    stream_t     t;
    agw_part_t   text, think, tool, other;
    agw_step_t   st;
    agw_usage_t  u;
    agw_error_t  err;

    memset(&text, 0, sizeof(text));
    memset(&think, 0, sizeof(think));
    memset(&tool, 0, sizeof(tool));
    memset(&other, 0, sizeof(other));
    text.type = AGW_PART_TEXT;
    think.type = AGW_PART_THINKING;
    tool.type = AGW_PART_TOOL_CALL;
    tool.name = agw_str_bytes("f", 1);
    other.type = AGW_PART_IMAGE;

    stream_init(&t, &agw_anthropic_codec);
    t.s.opts.provider = AGW_DIALECT_OPENAI;

#define STEP(ty, i, txt) do {                                                \
        memset(&st, 0, sizeof(st));                                          \
        st.type = ty;                                                        \
        st.index = i;                                                        \
        st.text = txt;                                                       \
        agw_anthropic_codec.write_step(&t.s, &st);                           \
    } while (0)

    agw_usage_init(&u);
    u.input = 100;
    u.cache_read = 30;
    memset(&st, 0, sizeof(st));
    st.type = AGW_STEP_START;
    st.id = agw_str_bytes("chatcmpl-9", 10);
    st.usage = &u;
    agw_usage_merge(&t.s.usage, &u);            /* the driver's part */
    agw_anthropic_codec.write_step(&t.s, &st);
    ok(t.out.len == 0, "writer: message_start waits for the first block");

    memset(&st, 0, sizeof(st));
    st.type = AGW_STEP_BLOCK_START;
    st.part = &think;
    agw_anthropic_codec.write_step(&t.s, &st);
    STEP(AGW_STEP_DELTA, 0, agw_str_bytes("hm", 2));
    STEP(AGW_STEP_SIGNATURE, 0, agw_str_bytes("sg", 2));
    STEP(AGW_STEP_BLOCK_STOP, 0, agw_str_bytes("", 0));

    memset(&st, 0, sizeof(st));
    st.type = AGW_STEP_BLOCK_START;
    st.index = 1;
    st.part = &other;
    agw_anthropic_codec.write_step(&t.s, &st);
    STEP(AGW_STEP_DELTA, 1, agw_str_bytes("img", 3));
    STEP(AGW_STEP_BLOCK_STOP, 1, agw_str_bytes("", 0));

    memset(&st, 0, sizeof(st));
    st.type = AGW_STEP_BLOCK_START;
    st.index = 2;
    st.part = &text;
    agw_anthropic_codec.write_step(&t.s, &st);
    STEP(AGW_STEP_DELTA, 2, agw_str_bytes("He said \"hi\"\n", 13));
    STEP(AGW_STEP_DELTA, 2, ((agw_str_t) { "\\u00e9", 6, AGW_STR_JSON, 1 }));
    STEP(AGW_STEP_BLOCK_STOP, 2, agw_str_bytes("", 0));
    /* late: its block stopped */
    STEP(AGW_STEP_DELTA, 2, agw_str_bytes("late", 4));

    memset(&st, 0, sizeof(st));
    st.type = AGW_STEP_BLOCK_START;
    st.index = 3;
    st.part = &tool;
    agw_anthropic_codec.write_step(&t.s, &st);
    STEP(AGW_STEP_DELTA, 3, ((agw_str_t) { "{\\\"a\\\":", 7, AGW_STR_JSON,
                                           1 }));
    STEP(AGW_STEP_DELTA, 3, ((agw_str_t) { "1}", 2, AGW_STR_VALUE, 0 }));

    memset(&st, 0, sizeof(st));
    st.type = AGW_STEP_FINISH;
    st.finish = AGW_FINISH_TOOL_CALLS;
    agw_anthropic_codec.write_step(&t.s, &st);

    /* usage after the finish, as OpenAI sends it */
    t.s.usage.input = 100;
    t.s.usage.cache_read = 30;
    t.s.usage.output = 12;
    agw_anthropic_codec.write_end(&t.s);

    agw_buf_append(&t.out, "", 1);
    t.out.len--;

    is_str(t.out.data,
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
        "{\"id\":\"chatcmpl-9\",\"type\":\"message\",\"role\":\"assistant\","
        "\"model\":\"client-model\",\"content\":[],\"stop_reason\":null,"
        "\"stop_sequence\":null,\"usage\":{\"input_tokens\":70,"
        "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":30,"
        "\"output_tokens\":0}}}\n\n"
        "event: content_block_start\ndata: {\"type\":\"content_block_start\","
        "\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":"
        "\"\",\"signature\":\"\"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
        "\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":"
        "\"hm\"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
        "\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":"
        "\"sg\"}}\n\n"
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
        "\"index\":0}\n\n"
        "event: content_block_start\ndata: {\"type\":\"content_block_start\","
        "\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
        "\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":"
        "\"He said \\\"hi\\\"\\n\"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
        "\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":"
        "\"\\u00e9\"}}\n\n"
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
        "\"index\":1}\n\n"
        "event: content_block_start\ndata: {\"type\":\"content_block_start\","
        "\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":"
        "\"toolu_gateway_0\",\"name\":\"f\",\"input\":{}}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
        "\"index\":2,\"delta\":{\"type\":\"input_json_delta\","
        "\"partial_json\":\"{\\\"a\\\":\"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
        "\"index\":2,\"delta\":{\"type\":\"input_json_delta\","
        "\"partial_json\":\"1}\"}}\n\n"
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\","
        "\"index\":2}\n\n"
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
        "{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{"
        "\"input_tokens\":70,\"cache_creation_input_tokens\":0,"
        "\"cache_read_input_tokens\":30,\"output_tokens\":12}}\n\n"
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        "writer: the events; a block the client cannot show passed over, "
        "no delta after a stop, the finish held for the usage");

    ok(check_sequence(t.out.data, t.out.len) == 0,
       "writer: a well-formed sequence");

    stream_free(&t);

    /* an error mid-stream: the error event, no message_stop */
    stream_init(&t, &agw_anthropic_codec);
    memset(&st, 0, sizeof(st));
    st.type = AGW_STEP_BLOCK_START;
    st.part = &text;
    agw_anthropic_codec.write_step(&t.s, &st);
    agw_error_set(&err, AGW_ERR_BAD_GATEWAY, 0, "x", "cut");
    agw_anthropic_codec.write_stream_error(&t.s, &err);
    agw_anthropic_codec.write_end(&t.s);
    agw_buf_append(&t.out, "", 1);
    ok(strstr(t.out.data, "event: message_start\n") == t.out.data
       && strstr(t.out.data, "event: error\ndata: {\"type\":\"error\","
                 "\"error\":{\"type\":\"api_error\",\"message\":\"cut\"}}"
                 "\n\n") != NULL
       && strstr(t.out.data, "message_stop") == NULL,
       "writer: an error event ends the stream, nothing after it");
    stream_free(&t);

#undef STEP
}


int
main(void)
{
    logger = agw_anthropic_codec;
    logger.write_step = log_step;

    test_reader_fixtures();
    test_reader_malformed();
    test_round_trips();
    test_writer();

    agw_buf_free(&steplog);

    return done_testing();
}
