/*
 * translate_bench: microbenchmark of the translation library, one core.
 *
 * For every (client, provider) pair of the four dialects, through the
 * engine's entry points (agw_engine.h, what the module calls):
 *   - µs per request: parse a typical 4 KB chat body in the client's
 *     dialect, translate it, serialise the provider body (what the module
 *     does per request);
 *   - µs per response: a captured chat response in the provider's dialect
 *     to the client's bytes;
 *   - SSE events per second: a captured 303-event stream in the
 *     provider's dialect, fed in 1 KB buffers, to client bytes.
 * Inputs in other dialects than OpenAI are made by the engine itself from
 * the OpenAI fixtures (the client side of openai -> X).
 *
 * Then the same for agent-sized traffic (agw_bench_agent.c): an 85 KB
 * request (6 KB system prompt, 20 tools, 40 tool-calling turns), a whole
 * answer with text and a tool call, and a 300-delta stream (text deltas,
 * then a tool call whose arguments arrive in fragments).  Those rows give
 * CPU time (this thread's, not wall clock: the machine is shared) per
 * request and per stream event, and user-space instructions when the
 * kernel lets a process count its own (perf_event_open).  The Responses
 * API's agent-sized inputs are its own (agw_bench_responses_*).
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

#include "agw_engine.h"
#include "agw_sse.h"
#include "agw_bench_agent.h"

/* The dialects whose inputs are made from the OpenAI ones (the Responses
 * API's agent-sized inputs are its own) */
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


/* One operation through the engine (agw_engine.h): any pair. */

static int  bench_refs;

static void
engine_request(agent_op_t *op)
{
    size_t             errpos;
    agw_error_t        err;
    agw_body_refs_t    refs;
    agw_req_index_t    ix;
    agw_request_ctx_t  ctx;

    /* as the module does it: its validating walk, whose index the
     * engine is given (a rewrite edits there, a reader trusts the
     * walk's validation) */
    if (agw_request_index(op->data, op->len, &ix, &errpos) != 0) {
        fprintf(stderr, "%s request: not a JSON object at %zu\n",
                agw_dialect_name(op->from), errpos);
        exit(1);
    }

    memset(&ctx, 0, sizeof(ctx));
    ctx.index = &ix;
    ctx.model = agw_str_bytes("upstream-model", 14);
    ctx.default_max_tokens = 1024;
    ctx.client = op->from;

    /* BENCH_REFS=1: the runs of the client's body listed instead of
     * copied, as the module asks (it sends them from the client's
     * buffer): a rewrite's from 1 KB, a translation's strings from 4 KB */
    if (bench_refs) {
        memset(&refs, 0, sizeof(refs));
        refs.body = op->data;
        refs.len = op->len;
        refs.min = op->from == op->to ? 1024 : 4096;
        ctx.refs = &refs;
    }

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


/* BENCH_COLD=MB: each run after MB of other memory is written and read */
static size_t          cold_bytes;
static unsigned char  *cold_mem;
/* what the eviction read, stored where the compiler cannot drop it */
volatile unsigned      cold_sink;

static void
evict_caches(void)
{
    size_t    i;
    unsigned  sum = 0;

    for (i = 0; i < cold_bytes; i += 64) {
        cold_mem[i]++;
        sum += cold_mem[i];
    }

    cold_sink = sum;
}


/* Runs fn until min_seconds of CPU; CPU µs and instructions per run / per
 * (with BENCH_COLD, µs only, of fn alone after the caches are evicted). */
#define CG_RUNS  2

static void
agent_measure(void (*fn)(agent_op_t *), agent_op_t *op, int per,
    double *us, double *ins)
{
    int        k, runs;
    long       n = 0;
    double     t0, t;
    long long  i0, i1;
    char       label[128];

    fn(op);                             /* warm the caches and the buffer */

    if (RUNNING_ON_VALGRIND) {
        /* callgrind counts: its profile of just these runs is the figure */
        int  rq = fn == engine_request;

        /* cold (scripts/bench-translate --misses): one run, counted
         * from the simulated caches emptied by the eviction */
        runs = cold_bytes ? 1 : CG_RUNS;
        snprintf(label, sizeof(label), "%s <- %s|%s|%d",
                 agw_dialect_name(rq ? op->from : op->to),
                 agw_dialect_name(rq ? op->to : op->from),
                 rq ? "request" : fn == engine_response ? "answer" : "event",
                 runs * per);
        if (cold_bytes) {
            evict_caches();
        }
        CALLGRIND_ZERO_STATS;
        for (k = 0; k < runs; k++) {
            fn(op);
        }
        CALLGRIND_DUMP_STATS_AT(label);
        *us = 0;
        *ins = -1;
        return;
    }
    if (cold_bytes) {
        /* as inside nginx: between two requests the worker's core copies
         * sockets' bytes and runs other code, and the caches hold little
         * of the last run; only fn's own time counts */
        t = 0;
        i0 = i1 = -1;
        do {
            evict_caches();
            t0 = cpu_now();
            fn(op);
            t += cpu_now() - t0;
            n++;
        } while (t < min_seconds);

        *us = t / (double) n / per * 1e6;
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


/* The body a client of dialect c would send: the OpenAI one (freed)
 * translated by the engine. */
static char *
client_body(agw_dialect_t c, char *openai, size_t *len)
{
    agent_op_t  op = { AGW_DIALECT_OPENAI, c, openai, 0, AGW_BUF_INIT };

    if (openai == NULL || c == AGW_DIALECT_OPENAI) {
        *len = openai ? strlen(openai) : 0;
        return openai;
    }

    op.len = strlen(openai);
    engine_request(&op);
    free(openai);
    *len = op.out.len;
    return op.out.data;
}


/* A provider's response in dialect p, from an OpenAI one (s, freed). */
static char *
provider_response(agw_dialect_t p, char *s, size_t *len)
{
    agent_op_t  op = { AGW_DIALECT_OPENAI, p, s, 0, AGW_BUF_INIT };

    if (s == NULL || p == AGW_DIALECT_OPENAI) {
        return s;
    }

    op.len = *len;
    engine_response(&op);
    free(s);
    *len = op.out.len;
    return op.out.data;
}


/* An OpenAI stream (wire, freed) in dialect p; counts its events. */
static char *
provider_stream(agw_dialect_t p, agw_buf_t wire, size_t *len, int *events)
{
    agw_buf_t          out = AGW_BUF_INIT;
    agw_xstream_t     *st;
    agw_answer_ctx_t   ctx;

    if (p != AGW_DIALECT_OPENAI) {
        memset(&ctx, 0, sizeof(ctx));
        ctx.model = agw_str_bytes("gpt-4.1-nano", 12);
        ctx.created = 1700000000;
        ctx.include_usage = 1;
        ctx.provider = AGW_DIALECT_OPENAI;

        st = agw_engine_stream_new(AGW_DIALECT_OPENAI, p, &ctx, 0);
        if (st == NULL
            || agw_engine_stream_feed(st, wire.data, wire.len, &out) != 0
            || agw_engine_stream_finish(st, 1, &out) != 0)
        {
            if (st != NULL) {
                agw_engine_stream_free(st);
            }
            agw_buf_free(&wire);
            agw_buf_free(&out);
            return NULL;
        }
        agw_engine_stream_free(st);
        agw_buf_free(&wire);
        wire = out;
    }

    /* count the events as a client would see them */
    *events = count_events(wire.data, wire.len);
    *len = wire.len;
    return wire.data;
}


/* Wall-clock µs per run of fn, run until min_seconds. */
static double
bench_op(void (*fn)(agent_op_t *), agent_op_t *op)
{
    long    i, n;
    double  t0, t;

    n = 0;
    t0 = now();
    do {
        for (i = 0; i < 10; i++) {
            fn(op);
        }
        n += 10;
        t = now() - t0;
    } while (t < min_seconds);

    agw_buf_free(&op->out);
    return t / (double) n * 1e6;
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
        req[c] = client_body(c, json_dumps(openai_req, JSON_COMPACT),
                             &req_len[c]);
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
           "bytes in %d events\n",
           "responses", rreq_len, rres_len, rsse_len,
           count_events(rsse, rsse_len));
    printf("\n%-22s %10s %12s %10s %12s %10s %12s\n", "client <- provider",
           "req us", "req instr", "resp us", "resp instr", "event us",
           "event instr");

    /* the engine, every pair of the four dialects */

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
    int            c, p, events[AGW_DIALECT_MAX];
    char          *req[AGW_DIALECT_MAX], *res[AGW_DIALECT_MAX],
                  *sse[AGW_DIALECT_MAX];
    size_t         req_len[AGW_DIALECT_MAX], res_len[AGW_DIALECT_MAX],
                   sse_len[AGW_DIALECT_MAX];
    double         us;
    json_t        *openai_req;
    agent_op_t     op;
    const char    *dump = NULL;

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

    bench_refs = getenv("BENCH_REFS") != NULL;

    if (getenv("BENCH_COLD") != NULL) {
        cold_bytes = (size_t) atol(getenv("BENCH_COLD")) << 20;
        cold_mem = cold_bytes ? calloc(1, cold_bytes) : NULL;
        if (cold_bytes && cold_mem == NULL) {
            fprintf(stderr, "BENCH_COLD: out of memory\n");
            return 1;
        }
    }

    if (dump != NULL || RUNNING_ON_VALGRIND) {
        return agent_bench(dump);
    }

    openai_req = typical_request();

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        req[c] = client_body(c, json_dumps(openai_req, JSON_COMPACT),
                             &req_len[c]);
        res[c] = provider_response(c,
            read_file("t/fixtures/openai-chat/response-text.json",
                      &res_len[c]), &res_len[c]);
        sse[c] = provider_stream(c, captured_stream(), &sse_len[c],
                                 &events[c]);
    }

    printf("one core; request body %zu bytes (OpenAI form), response %zu "
           "bytes, stream %d events\n\n", req_len[AGW_DIALECT_OPENAI],
           res_len[AGW_DIALECT_OPENAI], events[AGW_DIALECT_OPENAI]);
    printf("%-22s %14s %14s %18s\n", "client <- provider", "request us",
           "response us", "stream events/s");

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        for (p = 0; p < AGW_DIALECT_MAX; p++) {
            char  pair[64];

            snprintf(pair, sizeof(pair), "%s <- %s", agw_dialect_name(c),
                     agw_dialect_name(p));

            if (req[c] == NULL || res[p] == NULL || sse[p] == NULL) {
                printf("%-22s skipped: no input (openai -> %s failed)\n",
                       pair, agw_dialect_name(req[c] == NULL ? c : p));
                continue;
            }

            printf("%-22s", pair);

            op = (agent_op_t) { c, p, req[c], req_len[c], AGW_BUF_INIT };
            printf(" %14.1f", bench_op(engine_request, &op));

            op = (agent_op_t) { p, c, res[p], res_len[p], AGW_BUF_INIT };
            printf(" %14.1f", bench_op(engine_response, &op));

            op = (agent_op_t) { p, c, sse[p], sse_len[p], AGW_BUF_INIT };
            us = bench_op(engine_stream, &op);
            printf(" %18.0f\n", us > 0 ? events[p] / us * 1e6 : 0);
            fflush(stdout);
        }
    }

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        free(req[c]);
        free(res[c]);
        free(sse[c]);
    }
    json_decref(openai_req);
    return agent_bench(NULL);
}
