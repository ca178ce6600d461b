/*
 * agw_engine: joins a dialect's reader to another's writer (agw_engine.h).
 */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_engine.h"
#include "agw_policy.h"
#include "agw_sse.h"


/* The stream as the driver holds it; codecs see its first member. */
typedef struct {
    agw_xstream_t      s;
    agw_sse_parser_t   sse;
    agw_arena_t        arena;       /* per event, empty between events */
    unsigned           rewrite:1;   /* one dialect: the rewrite path */
    unsigned           no_bytes:1;  /* agw_engine_stream_by_bytes() off */
    /* what takes each event: the reader's read_event or rewrite_event,
     * chosen once for the stream */
    int              (*take)(agw_xstream_t *s, const agw_sse_event_t *ev);
} agw_engine_stream_t;


static agw_error_t  agw_engine_nomem = {
    AGW_ERR_SERVER, 500, "no_memory", "out of memory"
};


static const char *
agw_engine_name(const agw_codec_t *c)
{
    return c != NULL ? agw_dialect_name(c->dialect) : "unknown";
}


int
agw_engine_supported_codecs(const agw_codec_t *client,
    const agw_codec_t *provider, int stream)
{
    if (client == NULL || provider == NULL) {
        return 0;
    }

    if (client == provider && client->rewrite_request != NULL
        && client->rewrite_response != NULL
        && (!stream || client->rewrite_event != NULL))
    {
        return 1;
    }

    if (client->read_request == NULL || provider->write_request == NULL
        || provider->read_response == NULL || client->write_response == NULL
        || provider->read_error == NULL || client->write_error == NULL)
    {
        return 0;
    }

    return !stream
           || (provider->read_event != NULL && client->write_step != NULL
               && client->write_end != NULL
               && client->write_stream_error != NULL);
}


/* The client's output cap as a refusal names it. */
static const char *
agw_engine_cap_field(agw_dialect_t d)
{
    switch (d) {
    case AGW_DIALECT_OPENAI:
        return "max_completion_tokens";
    case AGW_DIALECT_GEMINI:
        return "generationConfig.maxOutputTokens";
    case AGW_DIALECT_RESPONSES:
        return "max_output_tokens";
    default:
        return "max_tokens";
    }
}


/*
 * One dialect: the bytes rewritten in one pass, or with a key's policy in
 * two (the policy's edits, then the rewrite of their result): the rewrite
 * itself stays the fast path of every request without one.
 */
static int
agw_engine_rewrite_request(const agw_codec_t *c, const char *body,
    size_t len, const agw_request_ctx_t *ctx, agw_buf_t *out,
    agw_error_t *err)
{
    int                rc;
    agw_buf_t          tmp = AGW_BUF_INIT;
    agw_request_ctx_t  edited;

    if (!agw_policy_any(ctx)) {
        agw_policy_report(ctx, 0, 1);
        return c->rewrite_request(body, len, ctx, out, err);
    }

    if (c->policy_request == NULL) {
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0,
                      "unsupported_translation",
                      "an API key's policy cannot be applied to %s "
                      "requests", agw_engine_name(c));
        return -1;
    }

    /* the body and the few edits: one allocation, not a doubling each */
    if (agw_buf_reserve(&tmp, len + ctx->policy.system_prompt.len + 256)
        != 0)
    {
        memset(err, 0, sizeof(*err));
        return -1;
    }

    rc = c->policy_request(body, len, ctx, &tmp, err);

    if (rc == 0) {
        /* the index places the client's bytes, not the edited ones */
        edited = *ctx;
        edited.index = NULL;
        edited.refs = NULL;     /* tmp is gone when the caller sends */
        rc = c->rewrite_request(tmp.data, tmp.len, &edited, out, err);
    }

    agw_buf_free(&tmp);

    return rc;
}


int
agw_engine_request_codecs(const agw_codec_t *client,
    const agw_codec_t *provider, const char *body, size_t len,
    const agw_request_ctx_t *ctx, agw_buf_t *out, agw_error_t *err)
{
    int            rc;
    size_t         mark;
    unsigned       runs;
    agw_arena_t    arena;
    agw_request_t  req;
    char           first[AGW_ENGINE_STACK];

    if (client == provider && client != NULL
        && client->rewrite_request != NULL)
    {
        return agw_engine_rewrite_request(client, body, len, ctx, out, err);
    }

    if (client == NULL || provider == NULL || client->read_request == NULL
        || provider->write_request == NULL)
    {
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0,
                      "unsupported_translation",
                      "translating %s requests for a %s provider is not "
                      "supported", agw_engine_name(client),
                      agw_engine_name(provider));
        return -1;
    }

    agw_arena_init(&arena, first, sizeof(first), AGW_ENGINE_FORM_MAX);
    mark = out->len;
    runs = ctx->refs != NULL ? ctx->refs->n : 0;

    /* the module's walk validated these bytes: the reader's second pass
     * only finds the strings' ends (the index is of the client's body,
     * which a translation reads unedited) */
    rc = client->read_request(body, len,
                              ctx->index != NULL && ctx->index->valid,
                              &arena, &req, err);

    if (rc == 0) {
        /* previous_response_id, conversation: the history lives at
         * OpenAI, another provider would answer without it, silently */
        rc = agw_rsp_check_provider(&req, provider->dialect, err);
    }

    if (rc == 0) {
        /* the key's policy on the form: every writer applies it then */
        rc = agw_policy_form(&req, ctx, &arena,
                             agw_engine_cap_field(client->dialect), err);
    }

    /* a translated body is about the client's size: one allocation, not
     * a realloc and its copy at every power of two up to 128 KB, each
     * block more memory for the caches to lose (docs/benchmarks.md) */
    if (rc == 0 && agw_buf_reserve(out, len + (len >> 3) + 1024) != 0) {
        memset(err, 0, sizeof(*err));
        rc = -1;
    }

    if (rc == 0) {
        rc = provider->write_request(&req, ctx, out, err);
    }

    agw_arena_free(&arena);

    if (rc != 0) {
        out->len = mark;

        /* runs the writer listed point past what is left */
        if (ctx->refs != NULL) {
            ctx->refs->n = runs;
        }
    }

    return rc;
}


int
agw_engine_response_codecs(const agw_codec_t *provider,
    const agw_codec_t *client, const char *body, size_t len,
    const agw_answer_ctx_t *ctx, agw_buf_t *out, agw_usage_t *usage,
    agw_error_t *err)
{
    int             rc;
    size_t          mark;
    agw_arena_t     arena;
    agw_usage_t     scratch;
    agw_response_t  res;
    char            first[AGW_ENGINE_STACK];

    if (usage == NULL) {
        usage = &scratch;
    }

    if (client == provider && client != NULL
        && client->rewrite_response != NULL)
    {
        return client->rewrite_response(body, len, ctx, out, usage, err);
    }

    if (client == NULL || provider == NULL || provider->read_response == NULL
        || client->write_response == NULL)
    {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "unsupported_translation",
                      "translating %s responses for a %s client is not "
                      "supported", agw_engine_name(provider),
                      agw_engine_name(client));
        return -1;
    }

    agw_arena_init(&arena, first, sizeof(first), AGW_ENGINE_FORM_MAX);
    mark = out->len;

    memset(&res, 0, sizeof(res));
    agw_usage_init(&res.usage);

    rc = provider->read_response(body, len, &arena, &res, err);

    if (rc == 0) {
        rc = client->write_response(&res, ctx, out, err);
    }

    if (rc == 0) {
        *usage = res.usage;
        if (ctx != NULL) {
            agw_answer_meta_model(ctx->meta, &res.model);
            agw_answer_meta_finish(ctx->meta, res.finish);
        }
    } else {
        out->len = mark;
    }

    agw_arena_free(&arena);

    return rc;
}


/*
 * A provider's error body its reader found no message in (an HTML page
 * from a load balancer, a cut body): its first printable bytes, white
 * space folded, up to 200, after the engine's own words.
 */
static void
agw_engine_error_snippet(agw_error_t *err, int status, const char *body,
    size_t len)
{
    size_t         i, n;
    char           text[201];
    unsigned char  c;

    n = 0;

    for (i = 0; i < len && n < sizeof(text) - 1; i++) {
        c = (unsigned char) body[i];

        if (c == '\r' || c == '\n' || c == '\t') {
            c = ' ';
        }

        if (c < 0x20 || c == 0x7f
            || (c == ' ' && (n == 0 || text[n - 1] == ' ')))
        {
            continue;
        }

        text[n++] = (char) c;
    }

    /* whole characters only (a cut one goes), no space at the end */
    text[n] = '\0';
    agw_error_fix_text(text);
    n = strlen(text);

    while (n > 0 && text[n - 1] == ' ') {
        text[--n] = '\0';
    }

    if (n == 0) {
        return;
    }

    snprintf(err->message, sizeof(err->message),
             "the provider answered %d: %s", status, text);
    agw_error_fix_text(err->message);
}


int
agw_engine_error_codecs(const agw_codec_t *provider,
    const agw_codec_t *client, int status, const char *body, size_t len,
    int *client_status, agw_buf_t *out)
{
    char             said[64];
    agw_error_t      err;
    agw_err_class_t  cls;

    /* an "error" with a 2xx or 3xx status (a 204, a redirect): the
     * provider misbehaved, a 502, never a success carrying an error */
    cls = agw_error_class_of_status(status);
    if (cls == AGW_ERR_NONE) {
        cls = AGW_ERR_BAD_GATEWAY;
    }

    agw_error_set(&err, cls, status, "upstream_error",
                  "the provider answered %d", status);
    snprintf(said, sizeof(said), "the provider answered %d", status);

    if (provider != NULL && provider->read_error != NULL) {
        provider->read_error(body, len, &err);
    }

    if (strcmp(err.message, said) == 0) {
        agw_engine_error_snippet(&err, status, body, len);
    }

    /* the status the client's dialect uses for that class (Anthropic's
     * 529 reaches an OpenAI client as a 503 it retries on; an Anthropic
     * client gets overloaded as Anthropic sends it, 529) */
    err.status = agw_error_status(err.cls);
    if (err.cls == AGW_ERR_OVERLOADED && client != NULL
        && client->dialect == AGW_DIALECT_ANTHROPIC)
    {
        err.status = 529;
    }
    *client_status = err.status;

    if (client == NULL || client->write_error == NULL) {
        return -1;
    }

    return client->write_error(&err, out);
}


/* Streams */

const agw_sse_event_t *
agw_stream_one_line(agw_xstream_t *s, const agw_sse_event_t *ev,
    agw_sse_event_t *one)
{
    char  *buf;

    if (!ev->multiline) {
        return ev;
    }

    buf = agw_arena_alloc(s->arena, ev->data_len + 1);
    if (buf == NULL) {
        return NULL;
    }

    agw_sse_one_line(ev, buf, one);

    return one;
}


agw_error_t *
agw_stream_error_slot(agw_xstream_t *s)
{
    if (s->error == NULL || s->error == &agw_engine_nomem) {
        s->error = malloc(sizeof(agw_error_t));
        if (s->error == NULL) {
            s->error = &agw_engine_nomem;
            return NULL;
        }

        memset(s->error, 0, sizeof(agw_error_t));
    }

    return s->error;
}


static void __attribute__((format(printf, 4, 5)))
agw_engine_fail(agw_xstream_t *s, agw_err_class_t cls, const char *code,
    const char *fmt, ...)
{
    char          msg[256];
    va_list       ap;
    agw_error_t  *err;

    if (s->error != NULL && s->error->cls != AGW_ERR_NONE) {
        return;                     /* the first error is the one to tell */
    }

    err = agw_stream_error_slot(s);
    if (err != NULL) {
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        agw_error_set(err, cls, 0, code, "%s", msg);
    }
}


/* A DELTA without usage goes straight to the writer: agw_stream_delta()
 * (agw_codec.h) does only that, for the readers' hot paths. */
int
agw_stream_step(agw_xstream_t *s, const agw_step_t *step)
{
    agw_error_t  *err;

    switch (step->type) {

    case AGW_STEP_END:
        s->provider_done = 1;
        return 0;

    case AGW_STEP_ERROR:
        err = agw_stream_error_slot(s);
        if (err == NULL) {
            return -1;
        }

        if (step->error != NULL) {
            *err = *step->error;
        }

        return 0;

    default:
        break;
    }

    if (step->usage != NULL) {
        agw_usage_merge(&s->usage, step->usage);
    }

    if (step->type == AGW_STEP_START) {
        s->started = 1;
        agw_answer_meta_model(s->opts.meta, &step->model);

    } else if (step->type == AGW_STEP_FINISH) {
        agw_answer_meta_finish(s->opts.meta, step->finish);
    }

    return s->writer->write_step(s, step);
}


agw_xstream_t *
agw_engine_stream_new_codecs(const agw_codec_t *provider,
    const agw_codec_t *client, const agw_answer_ctx_t *ctx,
    size_t max_event)
{
    char                 *p;
    size_t                size, rsize, wsize, msize;
    agw_engine_stream_t  *es;

    /* one allocation: the driver, the two sides' states, the model */
    rsize = provider != NULL ? (provider->read_state_size + 15) & ~15 : 0;
    wsize = client != NULL ? (client->write_state_size + 15) & ~15 : 0;
    msize = ctx != NULL && ctx->model.data != NULL ? ctx->model.len : 0;
    size = ((sizeof(agw_engine_stream_t) + 15) & ~(size_t) 15)
           + rsize + wsize + msize;

    p = calloc(1, size);
    if (p == NULL) {
        return NULL;
    }

    es = (agw_engine_stream_t *) p;
    p += (sizeof(agw_engine_stream_t) + 15) & ~(size_t) 15;

    es->s.reader = provider;
    es->s.writer = client;
    es->s.rstate = rsize ? p : NULL;
    p += rsize;
    es->s.wstate = wsize ? p : NULL;
    p += wsize;

    if (ctx != NULL) {
        es->s.opts = *ctx;
    }

    if (msize) {
        /* the caller's name may not outlive this call */
        memcpy(p, ctx->model.data, msize);
        es->s.opts.model.data = p;
    }

    es->s.arena = &es->arena;
    agw_arena_init(&es->arena, NULL, 0, AGW_ENGINE_FORM_MAX);
    agw_usage_init(&es->s.usage);
    agw_sse_init(&es->sse, max_event);

    es->rewrite = provider == client && provider != NULL
                  && provider->rewrite_event != NULL;
    es->take = es->rewrite ? provider->rewrite_event
               : provider != NULL ? provider->read_event : NULL;

    if (!es->rewrite && !agw_engine_supported_codecs(client, provider, 1)) {
        /* a stream still: its first feed ends the client's stream with an
         * error event instead of a dead connection */
        agw_engine_fail(&es->s, AGW_ERR_BAD_GATEWAY,
                        "unsupported_translation",
                        "streaming %s responses to a %s client is not "
                        "supported", agw_engine_name(provider),
                        agw_engine_name(client));
    }

    return &es->s;
}


/* Ends the client stream with its error event; the feed's answer. */
static int
agw_engine_end_in_error(agw_xstream_t *s)
{
    if (!s->client_done) {
        s->client_done = 1;

        if (s->writer != NULL && s->writer->write_stream_error != NULL) {
            (void) s->writer->write_stream_error(s, s->error);
        }
    }

    return -1;
}


/*
 * An event joined from several data: lines, to a reader.  A rewrite or a
 * writer copies values as they came (a call's args, a usage object, a
 * whole event passed on) onto the client's one data: line, where each LF
 * of joined data: lines would end the line and cut the event: every
 * reader gets the data on one line.  Apart, so that the usual event's
 * call keeps no copy on its stack.
 */
#define AGW_ENGINE_JOIN_NOMEM  INT_MIN     /* no reader answers so */

static __attribute__((noinline)) int
agw_engine_take_joined(agw_engine_stream_t *es, const agw_sse_event_t *ev)
{
    agw_sse_event_t   flat;
    agw_xstream_t    *s = &es->s;

    ev = agw_stream_one_line(s, ev, &flat);
    if (ev == NULL) {
        s->w.failed = 1;
        return AGW_ENGINE_JOIN_NOMEM;
    }

    return es->take(s, ev);
}


/* The reader's answer rc for an event, as the parser's callback's. */
static inline int
agw_engine_taken(agw_engine_stream_t *es, int rc)
{
    agw_xstream_t  *s = &es->s;

    /* the next event of this read reuses the block: one malloc a read,
     * not one an event; most events take nothing from it */
    if (es->arena.pos != es->arena.first || es->arena.blocks != NULL) {
        agw_arena_reset(&es->arena);
    }

    if (rc != 0 || s->error != NULL) {
        if (rc == 0 && s->error->cls == AGW_ERR_NONE) {
            return s->client_done;
        }

        if (rc == AGW_ENGINE_JOIN_NOMEM) {
            return 2;                   /* out of memory: the feed says */
        }

        if (s->error == NULL || s->error->cls == AGW_ERR_NONE) {
            agw_engine_fail(s, AGW_ERR_BAD_GATEWAY, "invalid_stream",
                            "the %s upstream sent a stream event that is "
                            "not what its API defines",
                            agw_engine_name(s->reader));
        }
        return 2;
    }

    return s->client_done;
}


/*
 * Each event of the stream: what it does beyond the reader's call is
 * kept to tests of one word (the engine's answer to the parser, the
 * arena used or not), the rare cases behind them.
 */
static int
agw_engine_on_event(void *ud, const agw_sse_event_t *ev)
{
    int                   rc;
    agw_engine_stream_t  *es = ud;
    agw_xstream_t        *s = &es->s;

    /* 1: the client stream is closed, stop quietly; 2: the side failed */
    if (s->client_done) {
        return 1;
    }

    rc = ev->multiline ? agw_engine_take_joined(es, ev) : es->take(s, ev);

    return agw_engine_taken(es, rc);
}


/*
 * An event the reader (or the rewrite) takes from the feed's bytes,
 * before the parser: the same answer to the parser as on_event's.
 */
static size_t
agw_engine_on_bytes(void *ud, const char *p, size_t len, int *rc)
{
    int                   r;
    size_t                n;
    agw_engine_stream_t  *es = ud;
    agw_xstream_t        *s = &es->s;

    if (s->client_done) {
        return 0;                       /* on_event says stop */
    }

    r = 0;
    n = es->rewrite ? s->reader->rewrite_bytes(s, p, len, &r)
                    : s->reader->read_bytes(s, p, len, &r);

    if (n != 0) {
        *rc = agw_engine_taken(es, r);
    }

    return n;
}


static int agw_engine_feed(agw_xstream_t *s, const char *data, size_t len,
    agw_buf_t *out, int idle);


int
agw_engine_stream_feed(agw_xstream_t *s, const char *data, size_t len,
    agw_buf_t *out)
{
    return agw_engine_feed(s, data, len, out, 1);
}


int
agw_engine_stream_feed_more(agw_xstream_t *s, const char *data, size_t len,
    agw_buf_t *out)
{
    return agw_engine_feed(s, data, len, out, 0);
}


/*
 * An open stream waits for its next read with only the bytes of a cut
 * event, not buffers as large as its largest event so far nor the events'
 * arena block: thousands wait at once.  Between bytes that follow at once
 * they stay: given back and taken again, they cost a malloc and a free
 * each, and the buffers' growth again, per HTTP chunk (a provider sends
 * each event in one), about as much as translating the event.
 */

void
agw_engine_stream_by_bytes(agw_xstream_t *s, int on)
{
    ((agw_engine_stream_t *) s)->no_bytes = !on;
}


void
agw_engine_stream_idle(agw_xstream_t *s)
{
    agw_engine_stream_t  *es = (agw_engine_stream_t *) s;

    agw_sse_idle(&es->sse);
    agw_arena_free(&es->arena);
}


static int
agw_engine_feed(agw_xstream_t *s, const char *data, size_t len,
    agw_buf_t *out, int idle)
{
    int                   rc;
    agw_sse_bytes_cb      bytes;
    agw_engine_stream_t  *es = (agw_engine_stream_t *) s;

    if (s->client_done) {
        /* bytes after the end (or an error) change nothing */
        return s->error != NULL && s->error->cls != AGW_ERR_NONE ? -1 : 0;
    }

    agw_jw_init(&s->w, out);

    if (s->error != NULL && s->error->cls != AGW_ERR_NONE) {
        return agw_engine_end_in_error(s);
    }

    bytes = NULL;

    if (!es->no_bytes
        && (es->rewrite ? s->reader->rewrite_bytes : s->reader->read_bytes)
           != NULL)
    {
        bytes = agw_engine_on_bytes;
    }

    rc = agw_sse_feed_bytes(&es->sse, data, len, agw_engine_on_event, bytes,
                            es);

    if (idle) {
        agw_engine_stream_idle(s);
    }

    if (s->w.failed) {
        agw_engine_fail(s, AGW_ERR_SERVER, "no_memory", "out of memory");
        return agw_engine_end_in_error(s);
    }

    if (rc == 0 || rc == 1) {
        /* 1: a rewrite forwarded the provider's end marker, or its own
         * error event (then with the error recorded: no second one) */
        return s->error != NULL && s->error->cls != AGW_ERR_NONE ? -1 : 0;
    }

    if (rc == AGW_SSE_ERR_TOO_BIG) {
        agw_engine_fail(s, AGW_ERR_BAD_GATEWAY, "event_too_large",
                        "the %s upstream sent a stream event larger than "
                        "%zu bytes", agw_engine_name(s->reader),
                        es->sse.max_event);

    } else if (rc == AGW_SSE_ERR_NOMEM) {
        agw_engine_fail(s, AGW_ERR_SERVER, "no_memory", "out of memory");
    }

    return agw_engine_end_in_error(s);
}


int
agw_engine_stream_finish(agw_xstream_t *s, int upstream_ok, agw_buf_t *out)
{
    agw_engine_stream_t  *es = (agw_engine_stream_t *) s;

    (void) upstream_ok;     /* without the end marker it is an error anyway */

    if (s->client_done) {
        return s->error != NULL && s->error->cls != AGW_ERR_NONE;
    }

    agw_jw_init(&s->w, out);

    /* once the provider's end marker went by the answer is whole: a
     * connection dropped after it loses nothing */
    if ((s->error == NULL || s->error->cls == AGW_ERR_NONE)
        && !s->provider_done)
    {
        agw_engine_fail(s, AGW_ERR_BAD_GATEWAY, "stream_truncated",
                        "the %s upstream stream ended before its end of "
                        "stream", agw_engine_name(s->reader));
    }

    if (s->error != NULL && s->error->cls != AGW_ERR_NONE) {
        (void) agw_engine_end_in_error(s);
        return 1;
    }

    s->client_done = 1;

    /* a rewrite forwarded the provider's own closing events */
    if (es->rewrite) {
        return 0;
    }

    return s->writer->write_end(s) == 0 && !s->w.failed ? 0 : 1;
}


void
agw_engine_stream_set_error(agw_xstream_t *s, const agw_error_t *err)
{
    agw_error_t  *slot;

    /* once the provider's end marker went by the answer is whole: a stall
     * after it (a server keeping the connection open) loses nothing */
    if (s->client_done || s->provider_done
        || (s->error != NULL && s->error->cls != AGW_ERR_NONE))
    {
        return;
    }

    slot = agw_stream_error_slot(s);
    if (slot != NULL) {
        *slot = *err;
    }
}


const agw_usage_t *
agw_engine_stream_usage(const agw_xstream_t *s)
{
    return &s->usage;
}


const agw_error_t *
agw_engine_stream_error(const agw_xstream_t *s)
{
    return s->error != NULL && s->error->cls != AGW_ERR_NONE ? s->error
                                                              : NULL;
}


void
agw_engine_stream_free(agw_xstream_t *s)
{
    agw_engine_stream_t  *es = (agw_engine_stream_t *) s;

    if (s == NULL) {
        return;
    }

    if (s->reader != NULL && s->reader->free_read_state != NULL
        && s->rstate != NULL)
    {
        s->reader->free_read_state(s->rstate);
    }

    if (s->writer != NULL && s->writer->free_write_state != NULL
        && s->wstate != NULL)
    {
        s->writer->free_write_state(s->wstate);
    }

    if (s->error != NULL && s->error != &agw_engine_nomem) {
        free(s->error);
    }

    agw_sse_free(&es->sse);
    agw_arena_free(&es->arena);
    free(es);
}
