/*
 * test_engine_stream_ends: how a captured OpenAI stream ends for a client
 * of every dialect, through the engine: complete, it ends cleanly with the
 * fixture's usage and text; cut before [DONE] (a clean connection end
 * too), the client gets its dialect's error event saying so; a connection
 * lost after [DONE] is still a complete stream; a provider's error event
 * mid-stream ends it with that error, its message kept; a stall the
 * caller reports is a timeout, not a cut, unless [DONE] went by; an
 * event over max_event ends it.  A stream of any provider dialect cut
 * anywhere short of its end marker ends in the client's error event,
 * never in a clean end.  Then, OpenAI on both sides (the rewrite):
 * "error": null is no error, a nested "model" is not the model.
 */

#include "tap.h"
#include "fixtures.h"
#include "agw_engine.h"


typedef struct {
    int          feed_rc;
    int          finish_rc;
    agw_usage_t  usage;
    agw_error_t  error;
} run_t;


/*
 * The stream fed step bytes at a time, then finished with upstream_ok;
 * why (may be NULL) set as the caller's reason before finishing; events
 * limited to max_event bytes (0: the default).
 */
static agw_dialect_t  provider = AGW_DIALECT_OPENAI;

static void
run_why(agw_dialect_t c, const char *in, size_t len, size_t step,
    int upstream_ok, const agw_error_t *why, size_t max_event,
    agw_buf_t *out, run_t *r)
{
    size_t              i, n;
    agw_xstream_t      *s;
    agw_answer_ctx_t    ctx;
    const agw_error_t  *e;

    memset(r, 0, sizeof(*r));
    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("alias", 5);
    ctx.created = 1700000000;
    ctx.include_usage = 1;
    ctx.provider = provider;
    out->len = 0;

    s = agw_engine_stream_new(provider, c, &ctx, max_event);
    if (s == NULL) {
        r->feed_rc = -9;
        return;
    }

    step = step ? step : len;

    for (i = 0; i < len; i += n) {
        n = len - i < step ? len - i : step;
        r->feed_rc = agw_engine_stream_feed(s, in + i, n, out);
        if (r->feed_rc != 0) {
            break;
        }
    }

    if (why != NULL) {
        agw_engine_stream_set_error(s, why);
    }

    r->finish_rc = agw_engine_stream_finish(s, upstream_ok, out);
    r->usage = *agw_engine_stream_usage(s);
    e = agw_engine_stream_error(s);
    if (e != NULL) {
        r->error = *e;
    }

    agw_engine_stream_free(s);

    /* NUL-terminated, for strstr */
    agw_buf_append(out, "", 1);
    out->len--;
}


static void
run(agw_dialect_t c, const char *in, size_t len, size_t step,
    int upstream_ok, agw_buf_t *out, run_t *r)
{
    run_why(c, in, len, step, upstream_ok, NULL, 0, out, r);
}


/*
 * Every cut of a provider's stream short of its end marker (its
 * connection closed cleanly, without it): finish says 1, and the client
 * got its dialect's error event and no clean end.
 */
static void
check_cuts(const char *fixture, const char *marker)
{
    int           bad;
    char         *in;
    size_t        len, cut, step, end;
    run_t         r;
    agw_buf_t     out = AGW_BUF_INIT;
    const char   *m, *error, *clean;
    agw_dialect_t c;

    static const char *const  errors[] = {
        "data: {\"error\":", "event: error\n", "data: {\"error\":",
        "event: error\n"
    };
    static const char *const  cleans[] = {
        "[DONE]", "message_stop", NULL, "response.completed"
    };

    in = fixture_read(fixture, &len);
    m = in ? strstr(in, marker) : NULL;
    if (m == NULL) {
        ok(0, "%s: its end marker", fixture);
        free(in);
        return;
    }

    /* back to the start of the marker's event */
    while (m > in && !(m[-1] == '\n' && (m - 1 == in || m[-2] == '\n'))) {
        m--;
    }
    end = (size_t) (m - in);
    step = end > 3000 ? 11 : 1;

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        error = errors[c];
        clean = cleans[c];
        bad = -1;

        for (cut = 1; cut < end && bad < 0; cut += step) {
            run(c, in, cut, 0, 1, &out, &r);

            if (r.finish_rc != 1 || strstr(out.data, error) == NULL
                || (clean != NULL && strstr(out.data, clean) != NULL))
            {
                bad = (int) cut;
                tap_diag("ends: %s", out.len > 300
                                     ? out.data + out.len - 300 : out.data);
            }
        }

        ok(bad < 0, "%s -> %s client: every cut short of the end gives its "
           "error event (first bad cut: %d)", fixture, agw_dialect_name(c),
           bad);
    }

    free(in);
    agw_buf_free(&out);
}


/* OpenAI on both sides: chunks the rewrite must not misread. */
static void
check_rewrite(void)
{
    run_t        r;
    agw_buf_t    out = AGW_BUF_INIT;
    const char  *inner;

    static const char  error_null[] =
        "data: {\"id\":\"x\",\"model\":\"m\",\"choices\":[{\"index\":0,"
        "\"delta\":{\"content\":\"a\"}}],\"error\":null}\n\n"
        "data: [DONE]\n\n";
    static const char  nested[] =
        "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":"
        "{\"content\":\"a\"},\"meta\":{\"model\":\"inner\"}}]}\n\n"
        "data: {\"meta\":{\"model\":\"inner\"},\"model\":\"m\","
        "\"choices\":[]}\n\ndata: [DONE]\n\n";

    run(AGW_DIALECT_OPENAI, error_null, sizeof(error_null) - 1, 0, 1, &out,
        &r);
    ok(r.feed_rc == 0 && r.finish_rc == 0
       && strstr(out.data, "\"model\":\"alias\"") != NULL,
       "\"error\": null in a chunk is not an error");

    run(AGW_DIALECT_OPENAI, nested, sizeof(nested) - 1, 0, 1, &out, &r);
    inner = strstr(out.data, "{\"model\":\"inner\"}");
    ok(r.finish_rc == 0 && inner != NULL
       && strstr(inner + 1, "{\"model\":\"inner\"}") != NULL
       && strstr(out.data, "\"model\":\"alias\"") != NULL,
       "a nested \"model\" key is left alone, the top-level one rewritten");

    agw_buf_free(&out);
}


int
main(void)
{
    int            c;
    char          *done;
    size_t         cut;
    run_t          r;
    agw_buf_t      wire = AGW_BUF_INIT, failed = AGW_BUF_INIT,
                   out = AGW_BUF_INIT;
    agw_error_t    stall;

    if (fixture_jsonl_to_sse("openai-chat/stream-reasoning-usage-azure"
                             ".chunks.jsonl", "data: [DONE]\n\n", &wire)
        != 0
        || agw_buf_append(&wire, "", 1) != 0)
    {
        ok(0, "the fixture");
        return done_testing();
    }

    wire.len--;
    done = strstr(wire.data, "data: [DONE]");
    cut = (size_t) (done - wire.data);

    agw_buf_append(&failed, wire.data, cut);
    agw_buf_append_str(&failed, "data: {\"error\":{\"message\":\"Upstream "
                       "melted\",\"type\":\"server_error\",\"param\":null,"
                       "\"code\":null}}\n\n");

    agw_error_set(&stall, AGW_ERR_TIMEOUT, 0, "stream_timeout", "stalled");

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        run(c, wire.data, wire.len, 5, 1, &out, &r);
        ok(r.feed_rc == 0 && r.finish_rc == 0 && out.len > 0
           && strstr(out.data, "Capital") != NULL,
           "openai stream -> %s client: a clean end, the text reached it",
           agw_dialect_name(c));
        ok(r.usage.input == 15 && r.usage.output == 78
           && r.usage.reasoning == 64,
           "openai stream -> %s client: usage 15 / 78, 64 reasoning",
           agw_dialect_name(c));

        run(c, wire.data, cut, 5, 1, &out, &r);
        ok(r.finish_rc == 1 && strstr(out.data, "ended before") != NULL,
           "cut before [DONE] -> %s client: its error event saying so",
           agw_dialect_name(c));
        if (strstr(out.data, "ended before") == NULL) {
            tap_diag("ends: %s", out.len > 300
                                 ? out.data + out.len - 300 : out.data);
        }

        run(c, wire.data, wire.len, 0, 0, &out, &r);
        ok(r.finish_rc == 0,
           "the connection lost after [DONE] -> %s client: complete",
           agw_dialect_name(c));

        run(c, failed.data, failed.len, 0, 1, &out, &r);
        ok(r.feed_rc == -1 && r.finish_rc == 1
           && strstr(out.data, "Upstream melted") != NULL
           && r.error.cls == AGW_ERR_SERVER,
           "an error event mid-stream -> %s client: its error event, the "
           "message kept", agw_dialect_name(c));

        /* the caller knows better: a stall past the read timeout */
        run_why(c, wire.data, cut, 0, 0, &stall, 0, &out, &r);
        ok(r.finish_rc == 1 && r.error.cls == AGW_ERR_TIMEOUT
           && strstr(out.data, "stalled") != NULL
           && strstr(out.data, "ended before") == NULL,
           "a stall -> %s client: its error event says timeout, not cut",
           agw_dialect_name(c));

        run_why(c, wire.data, wire.len, 0, 0, &stall, 0, &out, &r);
        ok(r.finish_rc == 0 && strstr(out.data, "stalled") == NULL,
           "a stall after [DONE] -> %s client: nothing was lost",
           agw_dialect_name(c));

        run_why(c, wire.data, wire.len, 0, 1, NULL, 64, &out, &r);
        ok(r.feed_rc == -1 && r.finish_rc == 1
           && strcmp(r.error.code, "event_too_large") == 0,
           "an event over max_event -> %s client: its error event (%s)",
           agw_dialect_name(c), r.error.code);
    }

    check_rewrite();

    provider = AGW_DIALECT_OPENAI;
    check_cuts("openai-chat/stream-parallel-tool-calls.sse",
               "data: [DONE]");
    provider = AGW_DIALECT_ANTHROPIC;
    check_cuts("anthropic-messages/stream-tool-use.sse",
               "event: message_stop");
    provider = AGW_DIALECT_GEMINI;
    check_cuts("gemini/stream-reasoning.chunks.sse",
               "\"finishReason\"");
    provider = AGW_DIALECT_RESPONSES;
    check_cuts("openai-responses/stream-text.chunks.sse",
               "event: response.completed");

    agw_buf_free(&wire);
    agw_buf_free(&failed);
    agw_buf_free(&out);

    return done_testing();
}
