/*
 * translate_bench: microbenchmark of the translation library, one core.
 *
 * For every (client, provider) dialect pair the library supports:
 *   - µs per request: parse a typical 4 KB chat body in the client's
 *     dialect, translate it, serialise the provider body (what the module
 *     does per request);
 *   - µs per response: a captured chat response in the provider's dialect
 *     to the client's bytes;
 *   - SSE events per second: a captured 303-event stream in the
 *     provider's dialect, fed in 1 KB buffers, to client bytes.
 * Inputs in other dialects than OpenAI are made by the library itself from
 * the OpenAI fixtures (the client side of openai -> X), so a pair is only
 * measured when those directions exist too.
 *
 * Then the same for agent-sized traffic (agw_bench_agent.c): an 85 KB
 * request (6 KB system prompt, 20 tools, 40 tool-calling turns), a whole
 * answer with text and a tool call, and a 300-delta stream (text deltas,
 * then a tool call whose arguments arrive in fragments).  Those rows give
 * CPU time (this thread's, not wall clock: the machine is shared) per
 * request and per stream event, and user-space instructions when the
 * kernel lets a process count its own (perf_event_open).  The Responses
 * API, passed through today, has its same-dialect row: what the module
 * calls for it (agw_passthrough, agw_responses) on the same traffic.
 *
 *   translate_bench [--smoke] [--dump DIR]
 *
 * --smoke runs every case once (a check that the benchmark works);
 * --dump writes the agent-sized bodies and streams of every dialect to DIR
 * (for scripts/bench) and exits.  Under callgrind (scripts/bench-translate
 * --instructions) each agent-sized case is counted in a profile dump of its
 * own, named "pair|case|divisor", and the small table is left out.  Run by
 * scripts/bench-translate.
 */

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <valgrind/callgrind.h>

#include "agw_translate.h"
#include "agw_engine.h"
#include "agw_sse.h"
#include "agw_passthrough.h"
#include "agw_responses.h"
#include "agw_bench_agent.h"

/* The dialects the first translator speaks (the Responses API is passed
 * through, measured on its own rows) */
#define NDIALECT  AGW_DIALECT_RESPONSES

static double  min_seconds = 0.25;


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static char *
read_file(const char *path, size_t *len)
{
    FILE  *f;
    char  *p;
    long   n;

    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s (run from the repository root)\n",
                path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t) n + 1);
    if (p == NULL || fread(p, 1, (size_t) n, f) != (size_t) n) {
        exit(1);
    }
    p[n] = '\0';
    fclose(f);
    *len = (size_t) n;
    return p;
}


/*
 * A typical agent turn of about 4 KB: the documented tools request plus a
 * system prompt and a few turns of conversation.
 */
static json_t *
typical_request(void)
{
    int      i;
    char    *s;
    size_t   len;
    json_t  *req, *msgs, *m;
    static const char *turn =
        "Here is the part of the log I mentioned: the service restarted at "
        "02:14, the health check failed twice, then the load balancer took "
        "it out of rotation. Can you tell me what to check first, and in "
        "which order, before I page the on-call engineer again?";

    s = read_file("t/fixtures/openai-chat/request-tools.documented.json",
                  &len);
    req = json_loadb(s, len, 0, NULL);
    free(s);

    msgs = json_object_get(req, "messages");
    json_array_insert_new(msgs, 0, json_pack("{s:s, s:s}", "role", "system",
        "content", "You are a careful site reliability assistant. Answer "
        "briefly, cite the log lines you rely on, and call a tool when a "
        "live value is needed."));

    for (i = 0; ; i++) {
        m = json_pack("{s:s, s:s}", "role", i % 2 ? "assistant" : "user",
                      "content", turn);
        json_array_insert_new(msgs, json_array_size(msgs) - 1, m);
        s = json_dumps(req, JSON_COMPACT);
        len = strlen(s);
        free(s);
        if (len >= 4000) {
            break;
        }
    }

    json_object_set_new(req, "temperature", json_real(0.2));
    json_object_set_new(req, "max_tokens", json_integer(1024));
    return req;
}


/* The body a client of dialect c would send: the OpenAI one translated. */
static char *
client_body(agw_dialect_t c, json_t *openai_req, size_t *len)
{
    char                *s;
    json_t              *out;
    agw_error_t          err;
    agw_request_opts_t   o = { "client-model", 0, 1024 };

    if (c == AGW_DIALECT_OPENAI) {
        out = json_incref(openai_req);
    } else if (agw_translate_request(AGW_DIALECT_OPENAI, c, openai_req, &o,
                                     &out, &err) != 0)
    {
        return NULL;
    }

    s = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    *len = s ? strlen(s) : 0;
    return s;
}


/* A provider's response in dialect p, from an OpenAI one (s, freed). */
static char *
provider_response(agw_dialect_t p, char *s, size_t *len)
{
    agw_buf_t             out = AGW_BUF_INIT;
    agw_error_t           err;
    agw_response_opts_t   o = { "gpt-4.1-nano" };

    if (p == AGW_DIALECT_OPENAI) {
        return s;
    }

    if (agw_translate_response(AGW_DIALECT_OPENAI, p, s, *len, &o, &out,
                               NULL, &err) != 0)
    {
        free(s);
        agw_buf_free(&out);
        return NULL;
    }

    free(s);
    *len = out.len;
    return out.data;
}


static int
count_event(void *ud, const agw_sse_event_t *ev)
{
    (*(int *) ud)++;
    return 0;
}


/* The captured stream as wire SSE, in the OpenAI dialect. */
static agw_buf_t
captured_stream(void)
{
    char       *s, *line, *nl;
    size_t      n;
    agw_buf_t   wire = AGW_BUF_INIT;

    s = read_file("t/fixtures/openai-chat/stream-include-usage.chunks.jsonl",
                  &n);
    for (line = s; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL) {
            nl = line + strlen(line) - 1;
            agw_buf_printf(&wire, "data: %s\n\n", line);
            break;
        }
        *nl = '\0';
        agw_buf_printf(&wire, "data: %s\n\n", line);
    }
    agw_buf_append_str(&wire, "data: [DONE]\n\n");
    free(s);
    return wire;
}


/* An OpenAI stream (wire, freed) in dialect p; counts its events. */
static char *
provider_stream(agw_dialect_t p, agw_buf_t wire, size_t *len, int *events)
{
    agw_buf_t          out = AGW_BUF_INIT;
    agw_stream_t      *st;
    agw_stream_opts_t  o = { "gpt-4.1-nano", 1, 0 };
    agw_sse_parser_t   parser;

    if (p != AGW_DIALECT_OPENAI) {
        st = agw_stream_new(AGW_DIALECT_OPENAI, p, &o);
        if (st == NULL || agw_stream_feed(st, wire.data, wire.len, &out) != 0
            || agw_stream_finish(st, 1, &out) != 0)
        {
            agw_stream_free(st);
            agw_buf_free(&wire);
            agw_buf_free(&out);
            return NULL;
        }
        agw_stream_free(st);
        agw_buf_free(&wire);
        wire = out;
    }

    /* count the events as a client would see them */
    *events = 0;
    agw_sse_init(&parser, 0);
    if (agw_sse_feed(&parser, wire.data, wire.len, count_event, events) != 0)
    {
        *events = 0;
    }
    agw_sse_free(&parser);

    *len = wire.len;
    return wire.data;
}


static double
bench_request(agw_dialect_t c, agw_dialect_t p, const char *body, size_t len)
{
    long                 i, n;
    double               t0, t;
    agw_buf_t            b = AGW_BUF_INIT;
    agw_error_t          err;
    agw_request_opts_t   o = { "upstream-model", 1, 1024 };

    /* the entry the module calls: tree-free paths first, then the tree */
    n = 0;
    t0 = now();
    do {
        for (i = 0; i < 100; i++) {
            b.len = 0;
            memset(&err, 0, sizeof(err));
            if (agw_translate_request_body(c, p, body, len, &o, &b, &err)
                != 0)
            {
                fprintf(stderr, "request %d -> %d failed: %s\n", c, p,
                        err.message);
                exit(1);
            }
        }
        n += 100;
        t = now() - t0;
    } while (t < min_seconds);

    agw_buf_free(&b);
    return t / (double) n * 1e6;
}


static double
bench_response(agw_dialect_t p, agw_dialect_t c, const char *body,
    size_t len)
{
    long                  i, n;
    double                t0, t;
    agw_buf_t             b = AGW_BUF_INIT;
    agw_usage_t           u;
    agw_error_t           err;
    agw_response_opts_t   o = { "client-model" };

    n = 0;
    t0 = now();
    do {
        for (i = 0; i < 100; i++) {
            b.len = 0;
            agw_usage_init(&u);
            if (agw_translate_response(p, c, body, len, &o, &b, &u, &err)
                != 0)
            {
                fprintf(stderr, "response %d -> %d failed: %s\n", p, c,
                        err.message);
                exit(1);
            }
        }
        n += 100;
        t = now() - t0;
    } while (t < min_seconds);

    agw_buf_free(&b);
    return t / (double) n * 1e6;
}


static double
bench_stream(agw_dialect_t p, agw_dialect_t c, const char *wire, size_t len,
    int events)
{
    long               n;
    size_t             i, k;
    double             t0, t;
    agw_buf_t          b = AGW_BUF_INIT;
    agw_stream_t      *s;
    agw_stream_opts_t  o = { "client-model", 0, 0 };

    n = 0;
    t0 = now();
    do {
        s = agw_stream_new(p, c, &o);
        for (i = 0; i < len; i += k) {
            k = len - i < 1024 ? len - i : 1024;    /* nginx-sized buffers */
            b.len = 0;
            if (agw_stream_feed(s, wire + i, k, &b) != 0) {
                fprintf(stderr, "stream %d -> %d failed: %s\n", p, c,
                        agw_stream_error(s)->message);
                exit(1);
            }
        }
        if (agw_stream_finish(s, 1, &b) != 0) {
            fprintf(stderr, "stream %d -> %d did not end cleanly: %s\n", p, c,
                    agw_stream_error(s)->message);
            exit(1);
        }
        agw_stream_free(s);
        n++;
        t = now() - t0;
    } while (t < min_seconds);

    agw_buf_free(&b);
    return (double) n * events / t;
}


/*
 * Agent-sized rows: CPU time of this thread and, when the kernel allows it,
 * user-space instructions, per operation.
 */

static int  perf_fd = -1;


static void
perf_open(void)
{
    struct perf_event_attr  a;

    memset(&a, 0, sizeof(a));
    a.type = PERF_TYPE_HARDWARE;
    a.size = sizeof(a);
    a.config = PERF_COUNT_HW_INSTRUCTIONS;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    perf_fd = (int) syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}


static long long
perf_read(void)
{
    long long  v;

    if (perf_fd < 0 || read(perf_fd, &v, sizeof(v)) != sizeof(v)) {
        return -1;
    }
    return v;
}


static double
cpu_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


typedef struct {
    agw_dialect_t   from, to;
    const char     *data;
    size_t          len;
    agw_buf_t       out;
} agent_op_t;


static void
agent_request(agent_op_t *op)
{
    agw_error_t          err;
    agw_request_opts_t   o = { "upstream-model", 0, 1024 };

    op->out.len = 0;
    memset(&err, 0, sizeof(err));
    if (agw_translate_request_body(op->from, op->to, op->data, op->len, &o,
                                   &op->out, &err) != 0)
    {
        fprintf(stderr, "agent request %s -> %s failed: %s\n",
                agw_dialect_name(op->from), agw_dialect_name(op->to),
                err.message);
        exit(1);
    }
}


static void
agent_response(agent_op_t *op)
{
    agw_usage_t           u;
    agw_error_t           err;
    agw_response_opts_t   o = { "client-model" };

    op->out.len = 0;
    agw_usage_init(&u);
    if (agw_translate_response(op->from, op->to, op->data, op->len, &o,
                               &op->out, &u, &err) != 0)
    {
        fprintf(stderr, "agent response %s -> %s failed: %s\n",
                agw_dialect_name(op->from), agw_dialect_name(op->to),
                err.message);
        exit(1);
    }
}


static void
agent_stream(agent_op_t *op)
{
    size_t             i, k;
    agw_stream_t      *s;
    agw_stream_opts_t  o = { "client-model", 0, 0 };

    s = agw_stream_new(op->from, op->to, &o);
    if (s == NULL) {
        exit(1);
    }
    for (i = 0; i < op->len; i += k) {
        k = op->len - i < 1024 ? op->len - i : 1024;   /* nginx-sized */
        op->out.len = 0;
        if (agw_stream_feed(s, op->data + i, k, &op->out) != 0) {
            fprintf(stderr, "agent stream %s -> %s failed: %s\n",
                    agw_dialect_name(op->from), agw_dialect_name(op->to),
                    agw_stream_error(s)->message);
            exit(1);
        }
    }
    if (agw_stream_finish(s, 1, &op->out) != 0) {
        fprintf(stderr, "agent stream %s -> %s did not end cleanly\n",
                agw_dialect_name(op->from), agw_dialect_name(op->to));
        exit(1);
    }
    agw_stream_free(s);
}


/* The same through the engine (agw_engine.h): any of the four dialects. */

static void
engine_request(agent_op_t *op)
{
    agw_error_t        err;
    agw_request_ctx_t  ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("upstream-model", 14);
    ctx.default_max_tokens = 1024;
    ctx.client = op->from;

    op->out.len = 0;
    memset(&err, 0, sizeof(err));
    if (agw_engine_request(op->from, op->to, op->data, op->len, &ctx,
                           &op->out, &err) != 0)
    {
        fprintf(stderr, "engine request %s -> %s failed: %s\n",
                agw_dialect_name(op->from), agw_dialect_name(op->to),
                err.message);
        exit(1);
    }
}


static void
engine_response(agent_op_t *op)
{
    agw_usage_t       u;
    agw_error_t       err;
    agw_answer_ctx_t  ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("client-model", 12);
    ctx.created = -1;
    ctx.provider = op->from;

    op->out.len = 0;
    memset(&err, 0, sizeof(err));
    if (agw_engine_response(op->from, op->to, op->data, op->len, &ctx,
                            &op->out, &u, &err) != 0)
    {
        fprintf(stderr, "engine response %s -> %s failed: %s\n",
                agw_dialect_name(op->from), agw_dialect_name(op->to),
                err.message);
        exit(1);
    }
}


static void
engine_stream(agent_op_t *op)
{
    size_t             i, k;
    agw_xstream_t     *s;
    agw_answer_ctx_t   ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes("client-model", 12);
    ctx.created = 1700000000;
    ctx.provider = op->from;

    s = agw_engine_stream_new(op->from, op->to, &ctx, 0);
    if (s == NULL) {
        exit(1);
    }
    for (i = 0; i < op->len; i += k) {
        k = op->len - i < 1024 ? op->len - i : 1024;   /* nginx-sized */
        op->out.len = 0;
        if (agw_engine_stream_feed(s, op->data + i, k, &op->out) != 0) {
            fprintf(stderr, "engine stream %s -> %s failed: %s\n",
                    agw_dialect_name(op->from), agw_dialect_name(op->to),
                    agw_engine_stream_error(s)->message);
            exit(1);
        }
    }
    if (agw_engine_stream_finish(s, 1, &op->out) != 0) {
        fprintf(stderr, "engine stream %s -> %s did not end cleanly\n",
                agw_dialect_name(op->from), agw_dialect_name(op->to));
        exit(1);
    }
    agw_engine_stream_free(s);
}


static void responses_request(agent_op_t *op);
static void responses_answer(agent_op_t *op);
static void responses_stream(agent_op_t *op);


/* Runs fn until min_seconds of CPU; CPU µs and instructions per run / per. */
#define CG_RUNS  2

static void
agent_measure(void (*fn)(agent_op_t *), agent_op_t *op, int per,
    double *us, double *ins)
{
    int        k;
    long       n = 0;
    double     t0, t;
    long long  i0, i1;
    char       label[128];

    fn(op);                             /* warm the caches and the buffer */

    if (RUNNING_ON_VALGRIND) {
        /* callgrind counts: its profile of just these runs is the figure */
        if (fn == agent_request || fn == agent_response
            || fn == agent_stream || fn == engine_request
            || fn == engine_response || fn == engine_stream)
        {
            int  rq = fn == agent_request || fn == engine_request;

            snprintf(label, sizeof(label), "%s%s <- %s|%s|%d",
                     fn == engine_request || fn == engine_response
                     || fn == engine_stream ? "engine " : "",
                     agw_dialect_name(rq ? op->from : op->to),
                     agw_dialect_name(rq ? op->to : op->from),
                     rq ? "request"
                     : fn == agent_response || fn == engine_response
                     ? "answer" : "event",
                     CG_RUNS * per);
        } else {
            snprintf(label, sizeof(label), "responses <- responses|%s|%d",
                     fn == responses_request ? "request"
                     : fn == responses_answer ? "answer" : "event",
                     CG_RUNS * per);
        }
        CALLGRIND_ZERO_STATS;
        for (k = 0; k < CG_RUNS; k++) {
            fn(op);
        }
        CALLGRIND_DUMP_STATS_AT(label);
        *us = 0;
        *ins = -1;
        return;
    }
    i0 = perf_read();
    t0 = cpu_now();
    do {
        fn(op);
        n++;
        t = cpu_now() - t0;
    } while (t < min_seconds);
    i1 = perf_read();

    *us = t / (double) n / per * 1e6;
    *ins = i0 < 0 || i1 < 0 ? -1 : (double) (i1 - i0) / (double) n / per;
}


static void
print_measure(double us, double ins)
{
    if (ins < 0) {
        printf(" %10.2f %12s", us, "n/a");
    } else {
        printf(" %10.2f %12.0f", us, ins);
    }
}


/* The Responses API: passed through (model, usage), what the module does. */

static void
responses_request(agent_op_t *op)
{
    op->out.len = 0;
    if (agw_passthrough_request(op->data, op->len, "upstream-model", 0,
                                &op->out) != 0)
    {
        fprintf(stderr, "agent responses request declined or failed\n");
        exit(1);
    }
}


static void
responses_answer(agent_op_t *op)
{
    agw_usage_t  u;

    op->out.len = 0;
    agw_usage_init(&u);
    if (agw_passthrough_response(op->data, op->len, "client-model",
                                 &op->out, &u) != 0)
    {
        fprintf(stderr, "agent responses answer declined or failed\n");
        exit(1);
    }
}


static void
responses_stream(agent_op_t *op)
{
    size_t           i, k;
    agw_responses_t  rs;

    agw_responses_init(&rs, "client-model", 0);
    for (i = 0; i < op->len; i += k) {
        k = op->len - i < 1024 ? op->len - i : 1024;
        op->out.len = 0;
        if (agw_responses_feed(&rs, op->data + i, k, &op->out) != 0) {
            fprintf(stderr, "agent responses stream failed\n");
            exit(1);
        }
    }
    if (agw_responses_finish(&rs, &op->out) != 0) {
        fprintf(stderr, "agent responses stream did not end cleanly\n");
        exit(1);
    }
    agw_responses_free(&rs);
}


static int
count_events(const char *data, size_t len)
{
    int               n = 0;
    agw_sse_parser_t  parser;

    agw_sse_init(&parser, 0);
    if (agw_sse_feed(&parser, data, len, count_event, &n) != 0) {
        n = 0;
    }
    agw_sse_free(&parser);
    return n;
}


static void
write_file(const char *dir, const char *what, const char *dialect,
    const char *ext, const char *data, size_t len)
{
    char   path[4096];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s.%s.%s", dir, what, dialect, ext);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}


/*
 * The agent-sized rows; with dump set, writes the inputs there instead.
 * Returns nonzero when some input could not be made.
 */
static int
agent_bench(const char *dump)
{
    int          c, p, events[NDIALECT], rc = 0;
    char        *req[NDIALECT], *res[NDIALECT],
                *sse[NDIALECT];
    size_t       req_len[NDIALECT], res_len[NDIALECT],
                 sse_len[NDIALECT], n;
    char        *rreq, *rres, *rsse;
    size_t       rreq_len, rres_len, rsse_len;
    double       us, ins;
    json_t      *openai_req, *j;
    agw_buf_t    wire;
    agent_op_t   op;

    openai_req = agw_bench_agent_request(85000);

    j = agw_bench_responses_request(openai_req);
    rreq = json_dumps(j, JSON_COMPACT);
    rreq_len = strlen(rreq);
    json_decref(j);
    rres = agw_bench_responses_answer(&rres_len);
    rsse = agw_bench_responses_stream(&rsse_len);

    for (c = 0; c < NDIALECT; c++) {
        req[c] = client_body(c, openai_req, &req_len[c]);
        res[c] = agw_bench_agent_response(&res_len[c]);
        res[c] = provider_response(c, res[c], &res_len[c]);
        wire.data = agw_bench_agent_stream(&n);
        wire.len = n;
        wire.cap = n + 1;
        sse[c] = provider_stream(c, wire, &sse_len[c], &events[c]);
        if (req[c] == NULL || res[c] == NULL || sse[c] == NULL) {
            fprintf(stderr, "agent traffic: no %s input in %s\n",
                    req[c] == NULL ? "request"
                    : res[c] == NULL ? "response" : "stream",
                    agw_dialect_name(c));
            rc = 1;
        }
    }

    if (dump != NULL) {
        for (c = 0; c < NDIALECT && rc == 0; c++) {
            write_file(dump, "agent-request", agw_dialect_name(c), "json",
                       req[c], req_len[c]);
            write_file(dump, "agent-response", agw_dialect_name(c), "json",
                       res[c], res_len[c]);
            write_file(dump, "agent-stream", agw_dialect_name(c), "sse",
                       sse[c], sse_len[c]);
        }
        if (rc == 0) {
            write_file(dump, "agent-request", "responses", "json", rreq,
                       rreq_len);
            write_file(dump, "agent-response", "responses", "json", rres,
                       rres_len);
            write_file(dump, "agent-stream", "responses", "sse", rsse,
                       rsse_len);
        }
        goto done;
    }

    perf_open();
    printf("\nagent-sized, CPU time of one thread (instructions: %s)\n",
           perf_fd < 0 ? "n/a, perf_event_open refused"
                       : "user space, perf_event_open");
    for (c = 0; c < NDIALECT; c++) {
        printf("  %-9s request %zu bytes, response %zu bytes, stream %zu "
               "bytes in %d events (from %d OpenAI deltas)\n", agw_dialect_name(c),
               req_len[c], res_len[c], sse_len[c], events[c],
               AGW_BENCH_TEXT_DELTAS + 1 + AGW_BENCH_ARG_DELTAS);
    }
    printf("  %-9s request %zu bytes, response %zu bytes, stream %zu "
           "bytes in %d events (passed through: same dialect only)\n",
           "responses", rreq_len, rres_len, rsse_len,
           count_events(rsse, rsse_len));
    printf("\n%-22s %10s %12s %10s %12s %10s %12s\n", "client <- provider",
           "req us", "req instr", "resp us", "resp instr", "event us",
           "event instr");

    for (c = 0; c < NDIALECT && rc == 0; c++) {
        for (p = 0; p < NDIALECT; p++) {
            char  pair[64];

            snprintf(pair, sizeof(pair), "%s <- %s", agw_dialect_name(c),
                     agw_dialect_name(p));
            if (!agw_translate_supported(c, p, 1)) {
                printf("%-22s skipped: not supported by the library yet\n",
                       pair);
                continue;
            }
            printf("%-22s", pair);

            op = (agent_op_t) { c, p, req[c], req_len[c], AGW_BUF_INIT };
            agent_measure(agent_request, &op, 1, &us, &ins);
            print_measure(us, ins);
            agw_buf_free(&op.out);

            op = (agent_op_t) { p, c, res[p], res_len[p], AGW_BUF_INIT };
            agent_measure(agent_response, &op, 1, &us, &ins);
            print_measure(us, ins);
            agw_buf_free(&op.out);

            op = (agent_op_t) { p, c, sse[p], sse_len[p], AGW_BUF_INIT };
            agent_measure(agent_stream, &op, events[p], &us, &ins);
            print_measure(us, ins);
            agw_buf_free(&op.out);

            printf("\n");
            fflush(stdout);
        }
    }

    if (rc == 0) {
        printf("%-22s", "responses <- responses");
        op = (agent_op_t) { 0, 0, rreq, rreq_len, AGW_BUF_INIT };
        agent_measure(responses_request, &op, 1, &us, &ins);
        print_measure(us, ins);
        agw_buf_free(&op.out);
        op = (agent_op_t) { 0, 0, rres, rres_len, AGW_BUF_INIT };
        agent_measure(responses_answer, &op, 1, &us, &ins);
        print_measure(us, ins);
        agw_buf_free(&op.out);
        op = (agent_op_t) { 0, 0, rsse, rsse_len, AGW_BUF_INIT };
        agent_measure(responses_stream, &op, count_events(rsse, rsse_len),
                      &us, &ins);
        print_measure(us, ins);
        agw_buf_free(&op.out);
        printf("\n");
    }

    /* the engine, every pair of the four dialects it has codecs for */
    printf("\nthe engine (agw_engine_*), the same inputs\n");
    printf("%-22s %10s %12s %10s %12s %10s %12s\n", "client <- provider",
           "req us", "req instr", "resp us", "resp instr", "event us",
           "event instr");

    for (c = 0; c < AGW_DIALECT_MAX && rc == 0; c++) {
        for (p = 0; p < AGW_DIALECT_MAX; p++) {
            char        pair[64];
            const char  *cq, *pr, *ps;
            size_t      cql, prl, psl;
            int         pev;

            snprintf(pair, sizeof(pair), "%s <- %s", agw_dialect_name(c),
                     agw_dialect_name(p));
            if (!agw_engine_supported(c, p, 1)) {
                printf("%-22s skipped: no codec for it yet\n", pair);
                continue;
            }
            printf("%-22s", pair);

            cq = c == AGW_DIALECT_RESPONSES ? rreq : req[c];
            cql = c == AGW_DIALECT_RESPONSES ? rreq_len : req_len[c];
            pr = p == AGW_DIALECT_RESPONSES ? rres : res[p];
            prl = p == AGW_DIALECT_RESPONSES ? rres_len : res_len[p];
            ps = p == AGW_DIALECT_RESPONSES ? rsse : sse[p];
            psl = p == AGW_DIALECT_RESPONSES ? rsse_len : sse_len[p];
            pev = p == AGW_DIALECT_RESPONSES ? count_events(rsse, rsse_len)
                                             : events[p];

            op = (agent_op_t) { c, p, cq, cql, AGW_BUF_INIT };
            agent_measure(engine_request, &op, 1, &us, &ins);
            print_measure(us, ins);
            agw_buf_free(&op.out);

            op = (agent_op_t) { p, c, pr, prl, AGW_BUF_INIT };
            agent_measure(engine_response, &op, 1, &us, &ins);
            print_measure(us, ins);
            agw_buf_free(&op.out);

            op = (agent_op_t) { p, c, ps, psl, AGW_BUF_INIT };
            agent_measure(engine_stream, &op, pev, &us, &ins);
            print_measure(us, ins);
            agw_buf_free(&op.out);

            printf("\n");
            fflush(stdout);
        }
    }

done:
    free(rreq);
    free(rres);
    free(rsse);
    for (c = 0; c < NDIALECT; c++) {
        free(req[c]);
        free(res[c]);
        free(sse[c]);
    }
    json_decref(openai_req);
    return rc;
}


int
main(int argc, char **argv)
{
    int            c, p, events[NDIALECT];
    const char    *dump = NULL;
    char          *req[NDIALECT], *res[NDIALECT],
                  *sse[NDIALECT];
    size_t         req_len[NDIALECT], res_len[NDIALECT],
                   sse_len[NDIALECT];
    json_t        *openai_req;

    for (c = 1; c < argc; c++) {
        if (strcmp(argv[c], "--smoke") == 0) {
            min_seconds = 0;
        } else if (strcmp(argv[c], "--dump") == 0 && c + 1 < argc) {
            dump = argv[++c];
        } else {
            fprintf(stderr, "usage: translate_bench [--smoke] [--dump DIR]\n");
            return 2;
        }
    }

    if (dump != NULL || RUNNING_ON_VALGRIND) {
        return agent_bench(dump);
    }

    openai_req = typical_request();

    for (c = 0; c < NDIALECT; c++) {
        req[c] = client_body(c, openai_req, &req_len[c]);
        res[c] = provider_response(c,
            read_file("t/fixtures/openai-chat/response-text.json",
                      &res_len[c]), &res_len[c]);
        sse[c] = provider_stream(c, captured_stream(), &sse_len[c],
                                 &events[c]);
    }

    printf("one core, jansson %s; request body %zu bytes (OpenAI form), "
           "response %zu bytes, stream %d events\n\n", JANSSON_VERSION,
           req_len[AGW_DIALECT_OPENAI], res_len[AGW_DIALECT_OPENAI],
           events[AGW_DIALECT_OPENAI]);
    printf("%-22s %14s %14s %18s\n", "client <- provider", "request us",
           "response us", "stream events/s");

    for (c = 0; c < NDIALECT; c++) {
        for (p = 0; p < NDIALECT; p++) {
            char  pair[64];

            snprintf(pair, sizeof(pair), "%s <- %s", agw_dialect_name(c),
                     agw_dialect_name(p));

            if (!agw_translate_supported(c, p, 0)) {
                printf("%-22s skipped: not supported by the library yet\n",
                       pair);
                continue;
            }

            if (req[c] == NULL || res[p] == NULL) {
                printf("%-22s skipped: no %s input (openai -> %s missing)\n",
                       pair, req[c] == NULL ? "request" : "response",
                       agw_dialect_name(req[c] == NULL ? c : p));
                continue;
            }

            printf("%-22s %14.1f %14.1f", pair,
                   bench_request(c, p, req[c], req_len[c]),
                   bench_response(p, c, res[p], res_len[p]));

            if (!agw_translate_supported(c, p, 1)) {
                printf(" %18s\n", "not supported");
            } else if (sse[p] == NULL) {
                printf(" %18s\n", "no input");
            } else {
                printf(" %18.0f\n",
                       bench_stream(p, c, sse[p], sse_len[p], events[p]));
            }
            fflush(stdout);
        }
    }

    for (c = 0; c < NDIALECT; c++) {
        free(req[c]);
        free(res[c]);
        free(sse[c]);
    }
    json_decref(openai_req);
    return agent_bench(NULL);
}
