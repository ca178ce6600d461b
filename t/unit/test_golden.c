/*
 * test_golden: the engine's output for every fixture of every dialect,
 * through every pair of dialects (the same dialect on both sides
 * included), against the outputs recorded in t/golden/: requests (whole
 * and streamed), answers, streams (whole, and fed 7 bytes at a time) and
 * errors, byte for byte, with the status, usage and error each gave.
 *
 * The recorded outputs were first the old translator's (the engine's
 * oracle until it was deleted): each was checked equal to it as JSON,
 * except where the engine differs on purpose; those cases are listed in
 * known[] below, with the reason, and asserted here one by one.
 *
 * AGW_GOLDEN_RECORD=1 (`make golden`) writes the outputs instead of
 * comparing them: only for a change of output meant and reviewed
 * (t/golden/README.md).
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "fixtures.h"
#include "stream_util.h"
#include "agw_engine.h"
#include "agw_json_reader.h"
#include "body_refs_join.h"

#define CREATED  1700000000
#define GOLDEN   "t/golden"


typedef struct {
    agw_dialect_t   client;
    agw_dialect_t   provider;
    char            dir[256];       /* t/golden/<client>-<provider> */
    agw_buf_t       index;          /* this run's index lines */
    char           *recorded;       /* the index file's text */
    int             files;          /* golden files this run made */
} pair_t;

static int  record;

static const char *const  fixture_dirs[] = {
    "openai-chat", "anthropic-messages", "gemini", "openai-responses"
};


/*
 * Where the engine differs from the old translator on purpose: the case
 * (its golden file's name in the pair's folder), why, and a check of
 * the engine's output that says so.
 */
typedef int (*check_pt)(const char *out, size_t len);

typedef struct {
    agw_dialect_t   client;
    agw_dialect_t   provider;
    const char     *golden;
    check_pt        check;
    const char     *why;
} known_t;


/* The events of a client stream as JSON, NULL if any is not. */
static json_t *
stream_json(const char *out, size_t len)
{
    int        i;
    json_t    *list, *j;
    events_t   ev;

    if (events_parse(out, len, &ev) != 0) {
        return NULL;
    }

    list = json_array();

    for (i = 0; list != NULL && i < ev.n; i++) {
        if (strcmp(ev.data[i], "[DONE]") == 0) {
            continue;
        }

        j = json_loads(ev.data[i], 0, NULL);
        if (j == NULL) {
            json_decref(list);
            list = NULL;
            break;
        }

        json_array_append_new(list, j);
    }

    events_free(&ev);
    return list;
}


/* The parts of a Gemini chunk's first candidate. */
static json_t *
gemini_parts(const json_t *chunk)
{
    return json_object_get(json_object_get(json_array_get(
               json_object_get(chunk, "candidates"), 0), "content"), "parts");
}


/*
 * A Gemini client's stream holds each call as one whole functionCall
 * part, its args an object, never pieces; n calls in all.
 */
static int
gemini_whole_calls(const char *out, size_t len, size_t n)
{
    size_t   i, k, calls;
    json_t  *list, *chunk, *part, *fc;
    int      good;

    list = stream_json(out, len);
    good = list != NULL;
    calls = 0;

    json_array_foreach(list, i, chunk) {
        json_array_foreach(gemini_parts(chunk), k, part) {
            fc = json_object_get(part, "functionCall");
            if (fc != NULL) {
                calls++;
                good = good && json_is_object(json_object_get(fc, "args"))
                       && json_is_string(json_object_get(fc, "name"));
            }
        }
    }

    json_decref(list);
    return good && calls == n;
}

static int
gemini_two_calls(const char *out, size_t len)
{
    return gemini_whole_calls(out, len, 2);
}

static int
gemini_one_call(const char *out, size_t len)
{
    return gemini_whole_calls(out, len, 1);
}


/* No usageMetadata of zeros when the provider gave no usage. */
static int
gemini_no_usage(const char *out, size_t len)
{
    int      good;
    json_t  *j;

    j = json_loadb(out, len, 0, NULL);
    good = j != NULL && json_object_get(j, "candidates") != NULL
           && json_object_get(j, "usageMetadata") == NULL;
    json_decref(j);
    return good;
}


/* An OpenAI client's stream starts with a chunk saying the role. */
static int
openai_role_first(const char *out, size_t len)
{
    int          good;
    json_t      *list;
    const char  *role;

    list = stream_json(out, len);
    role = json_string_value(json_object_get(json_object_get(
               json_array_get(json_object_get(json_array_get(list, 0),
                                              "choices"), 0),
               "delta"), "role"));
    good = role != NULL && strcmp(role, "assistant") == 0;
    json_decref(list);
    return good;
}


/* A text part's thoughtSignature rides in the message's (or delta's)
 * extra_content.google.thought_signature (docs/translation-gemini.md). */
static int
openai_google_signature(const json_t *msg)
{
    json_t  *sig;

    sig = json_object_get(json_object_get(json_object_get(msg,
              "extra_content"), "google"), "thought_signature");
    return json_is_string(sig) && json_string_length(sig) > 0;
}

static int
openai_role_first_signed(const char *out, size_t len)
{
    int      good;
    size_t   i;
    json_t  *list, *chunk;

    good = 0;
    list = stream_json(out, len);

    json_array_foreach(list, i, chunk) {
        good |= openai_google_signature(json_object_get(json_array_get(
                    json_object_get(chunk, "choices"), 0), "delta"));
    }

    json_decref(list);
    return good && openai_role_first(out, len);
}


/* A call Gemini sends whole: a chunk starting it (id, name, empty
 * arguments), then one with its arguments. */
static int
openai_call_start_then_args(const char *out, size_t len)
{
    int          state;
    size_t       i;
    json_t      *list, *chunk, *tc, *fn;
    const char  *args;

    list = stream_json(out, len);
    state = 0;

    json_array_foreach(list, i, chunk) {
        tc = json_array_get(json_object_get(json_object_get(json_array_get(
                 json_object_get(chunk, "choices"), 0), "delta"),
                 "tool_calls"), 0);
        if (tc == NULL) {
            continue;
        }

        fn = json_object_get(tc, "function");
        args = json_string_value(json_object_get(fn, "arguments"));

        if (state == 0 && json_is_string(json_object_get(tc, "id"))
            && json_is_string(json_object_get(fn, "name"))
            && args != NULL && args[0] == '\0')
        {
            state = 1;

        } else if (state == 1 && json_object_get(tc, "id") == NULL
                   && args != NULL && args[0] == '{')
        {
            state = 2;
        }
    }

    json_decref(list);
    return state == 2 && openai_role_first(out, len);
}


static json_t *
openai_message(json_t *j)
{
    return json_object_get(json_array_get(json_object_get(j, "choices"), 0),
                           "message");
}

/* A whole answer: the text part's signature carried, content a string. */
static int
openai_answer_signed(const char *out, size_t len)
{
    int      good;
    json_t  *j, *msg;

    j = json_loadb(out, len, 0, NULL);
    msg = openai_message(j);
    good = openai_google_signature(msg)
           && json_is_string(json_object_get(msg, "content"));
    json_decref(j);
    return good;
}

/* A whole answer of a thought only: the thought as reasoning_content and
 * as a thinking block (to send back), content "" rather than null. */
static int
openai_answer_thought_block(const char *out, size_t len)
{
    int          good;
    json_t      *j, *msg, *b;
    const char  *r, *t, *c;

    j = json_loadb(out, len, 0, NULL);
    msg = openai_message(j);
    b = json_array_get(json_object_get(msg, "thinking_blocks"), 0);
    r = json_string_value(json_object_get(msg, "reasoning_content"));
    t = json_string_value(json_object_get(b, "thinking"));
    c = json_string_value(json_object_get(msg, "content"));
    good = r != NULL && t != NULL && strcmp(r, t) == 0 && r[0] != '\0'
           && c != NULL && c[0] == '\0';
    json_decref(j);
    return good;
}


/* The first variant (the whole request) of a .variants text. */
static const char *
first_variant(const char *out, size_t len, size_t *n)
{
    const char  *p, *end;

    p = memchr(out, '\n', len);
    if (p == NULL) {
        return NULL;
    }

    p++;
    end = memmem(p, len - (size_t) (p - out), "\n== ", 4);
    *n = end ? (size_t) (end - p) : len - (size_t) (p - out);
    return p;
}

/* Anthropic's thinking budget reaches Gemini as it is (the old path went
 * through an effort level and back: 2000 became 1024). */
#define BUDGET  "\"thinkingBudget\":2000"
#define RESULT  "\"tool_use_id\":\"c2\""
#define TEXT    "\"text\":\"and?\""

static int
gemini_budget_kept(const char *out, size_t len)
{
    size_t       n;
    const char  *p;

    p = first_variant(out, len, &n);
    return p != NULL && memmem(p, n, BUDGET, sizeof(BUDGET) - 1) != NULL;
}

/* An Anthropic user turn holds its tool results before its text
 * (Anthropic refuses text before them; the old path kept the client's
 * order). */
static int
anthropic_results_first(const char *out, size_t len)
{
    size_t       n;
    const char  *p, *result, *text;

    p = first_variant(out, len, &n);
    if (p == NULL) {
        return 0;
    }

    result = memmem(p, n, RESULT, sizeof(RESULT) - 1);
    text = memmem(p, n, TEXT, sizeof(TEXT) - 1);
    return result != NULL && text != NULL && result < text;
}


#define OAI  AGW_DIALECT_OPENAI
#define ANT  AGW_DIALECT_ANTHROPIC
#define GEM  AGW_DIALECT_GEMINI

static const known_t  known[] = {
    { GEM, OAI, "stream-parallel-tool-calls.interleaved.sse",
      gemini_two_calls,
      "a Gemini client gets each call as one whole functionCall part at "
      "its block's stop, never argument pieces" },
    { GEM, OAI, "stream-parallel-tool-calls.sse", gemini_two_calls,
      "a Gemini client gets each call as one whole functionCall part" },
    { GEM, OAI, "stream-tool-calls.sse", gemini_one_call,
      "a Gemini client gets each call as one whole functionCall part" },
    { GEM, ANT, "stream-tool-use.documented.sse", gemini_one_call,
      "a Gemini client gets each call as one whole functionCall part" },
    { GEM, ANT, "stream-tool-use.sse", gemini_one_call,
      "a Gemini client gets each call as one whole functionCall part" },
    { GEM, ANT, "response-redacted-thinking.documented.json",
      gemini_no_usage,
      "no usageMetadata of zeros when the provider gave none" },
    { OAI, GEM, "stream-text.sse", openai_role_first,
      "an OpenAI client's stream starts with a role chunk, as OpenAI's "
      "own do" },
    { OAI, GEM, "stream-text-usage.chunks.sse", openai_role_first,
      "an OpenAI client's stream starts with a role chunk" },
    { OAI, GEM, "stream-reasoning.chunks.sse", openai_role_first_signed,
      "a role chunk first; a text part's thoughtSignature rides in "
      "extra_content.google.thought_signature" },
    { OAI, GEM, "stream-function-call.chunks.sse",
      openai_call_start_then_args,
      "a call Gemini sends whole is a start chunk and an arguments "
      "chunk" },
    { OAI, GEM, "response-text-thoughts.json", openai_answer_signed,
      "a text part's thoughtSignature rides in "
      "extra_content.google.thought_signature, content is always "
      "present" },
    { OAI, GEM, "response-thought-part.json", openai_answer_thought_block,
      "a thought part is reasoning_content and a thinking block, content "
      "\"\" rather than null" },
    { ANT, GEM, "inline-thinking-signed.variants", gemini_budget_kept,
      "Anthropic's thinking budget reaches Gemini as it is, not through "
      "an effort level" },
    { OAI, ANT, "inline-parallel-tool-loop.variants",
      anthropic_results_first,
      "an Anthropic user turn has its tool results first" },
};

static int  known_met[sizeof(known) / sizeof(known[0])];


static void
check_known(const pair_t *pr, const char *golden, const char *out,
    size_t len)
{
    size_t  i;

    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (known[i].client == pr->client
            && known[i].provider == pr->provider
            && strcmp(known[i].golden, golden) == 0)
        {
            known_met[i] = 1;
            ok(known[i].check(out, len), "%s/%s: differs from the old "
               "translator on purpose: %s", pr->dir, golden, known[i].why);
        }
    }
}


static int
write_file(const char *path, const char *p, size_t len)
{
    int    rc;
    FILE  *f;

    f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }

    rc = (fwrite(p, 1, len, f) == len) ? 0 : -1;
    return (fclose(f) == 0) ? rc : -1;
}


/* Where two byte strings part, for the diagnostics. */
static void
diag_first_difference(const char *want, size_t wlen, const char *got,
    size_t glen)
{
    size_t  i, from;

    for (i = 0; i < wlen && i < glen && want[i] == got[i]; i++) {
        /* void */
    }

    from = i > 80 ? i - 80 : 0;
    tap_diag("first difference at byte %zu of %zu (recorded) / %zu (now)",
             i, wlen, glen);
    tap_diag("recorded: ...%.*s", (int) (wlen - from > 240 ? 240
                                         : wlen - from), want + from);
    tap_diag("now:      ...%.*s", (int) (glen - from > 240 ? 240
                                         : glen - from), got + from);
}


/* The recorded index line of a golden file, "" when none. */
static void
recorded_meta(const pair_t *pr, const char *name, char *meta, size_t size)
{
    size_t       n;
    const char  *p, *nl;

    meta[0] = '\0';
    n = strlen(name);

    for (p = pr->recorded; p != NULL && *p != '\0'; p = nl + 1) {
        nl = strchr(p, '\n');
        if (nl == NULL) {
            break;
        }

        if (strncmp(p, name, n) == 0 && p[n] == ' ') {
            snprintf(meta, size, "%.*s", (int) (nl - p - n - 1), p + n + 1);
            return;
        }
    }
}


/*
 * One case: its index line (name, then what the call returned, the
 * usage, the error), and its output (out NULL: none, a refusal) as the
 * file name in the pair's folder.
 */
static void
golden(pair_t *pr, const char *name, const char *meta, const char *out,
    size_t len)
{
    int     same;
    char    path[512], was[1024], *want;
    size_t  wlen;

    agw_buf_printf(&pr->index, "%s %s\n", name, meta);

    if (out != NULL) {
        check_known(pr, name, out, len);
        pr->files++;
    }

    snprintf(path, sizeof(path), "%s/%s", pr->dir, name);

    if (record) {
        if (out != NULL && write_file(path, out, len) != 0) {
            ok(0, "write %s: %s", path, strerror(errno));
        }
        return;
    }

    recorded_meta(pr, name, was, sizeof(was));
    same = strcmp(was, meta) == 0;

    if (!same) {
        tap_diag("recorded: %s", was);
        tap_diag("now:      %s", meta);
    }

    if (out != NULL) {
        want = file_read(path, &wlen);
        if (want == NULL || wlen != len || memcmp(want, out, len) != 0) {
            same = 0;
            if (want != NULL) {
                diag_first_difference(want, wlen, out, len);
            }
        }
        free(want);
    }

    ok(same, "%s/%s: %s, as recorded", pr->dir, name, meta);
}


static void
usage_text(char *p, size_t size, const agw_usage_t *u)
{
    snprintf(p, size, "usage=%lld/%lld/%lld/%lld/%lld",
             (long long) u->input, (long long) u->output,
             (long long) u->cache_read, (long long) u->cache_write,
             (long long) u->reasoning);
}


static void
refusal_text(char *p, size_t size, const agw_error_t *e)
{
    snprintf(p, size, "refused class=%d status=%d code=%s message=%s",
             (int) e->cls, e->status, e->code, e->message);
}


/* The fixture's name without its last extension, then ext. */
static void
golden_name(char *p, size_t size, const char *file, const char *ext)
{
    const char  *dot;

    dot = strrchr(file, '.');
    snprintf(p, size, "%.*s%s", (int) (dot ? dot - file : (long) strlen(file)),
             file, ext);
}


/*
 * Every request is run twice: as a library caller runs it, and as the
 * module does, given the index of its validating walk (a rewrite edits at
 * the index's places, a reader trusts the walk and only skips strings).
 * The two must give the same bytes, or the same refusal.
 */
static size_t  index_runs, index_mismatches;

/* and once more as the module sends a same-dialect body: the runs of the
 * client's bytes the rewrite lists (agw_body_refs.h), put back between
 * its edits, must give the bytes of the copy */
static size_t  refs_runs, refs_listed, refs_mismatches;


/* The same bytes; for Gemini to Gemini the same JSON: its rewrite given
 * the index cuts a member out where the walk found it, and the one that
 * walks writes the object again (docs/benchmarks.md). */
static int
same_output(const pair_t *pr, const agw_buf_t *a, const agw_buf_t *b)
{
    int      same;
    json_t  *ja, *jb;

    if (a->len == b->len && memcmp(a->data, b->data, a->len) == 0) {
        return 1;
    }

    if (pr->client != AGW_DIALECT_GEMINI
        || pr->provider != AGW_DIALECT_GEMINI)
    {
        return 0;
    }

    ja = json_loadb(a->data, a->len, 0, NULL);
    jb = json_loadb(b->data, b->len, 0, NULL);
    same = ja != NULL && jb != NULL && json_equal(ja, jb);
    json_decref(ja);
    json_decref(jb);

    return same;
}


static void
request_run_refs(const pair_t *pr, const char *body, size_t len,
    const agw_request_ctx_t *indexed, const agw_buf_t *copied)
{
    int                rc;
    agw_buf_t          out = AGW_BUF_INIT, whole = AGW_BUF_INIT;
    agw_error_t        err;
    agw_body_refs_t    refs;
    agw_request_ctx_t  ctx;

    memset(&refs, 0, sizeof(refs));
    refs.body = body;
    refs.len = len;
    refs.min = 1;                       /* every run, the shortest too */

    ctx = *indexed;
    ctx.refs = &refs;
    memset(&err, 0, sizeof(err));

    rc = agw_engine_request(pr->client, pr->provider, body, len, &ctx, &out,
                            &err);

    if (rc == 0) {
        rc = body_refs_join(&refs, body, len, &out, &whole);
    }

    refs_runs++;
    refs_listed += (refs.n > 0);

    if (rc != 0 || whole.len != copied->len
        || memcmp(whole.data, copied->data, whole.len) != 0)
    {
        refs_mismatches++;
        tap_diag("%s -> %s: the body from its runs differs",
                 agw_dialect_name(pr->client),
                 agw_dialect_name(pr->provider));
    }

    agw_buf_free(&out);
    agw_buf_free(&whole);
}


static int
request_run_index(const pair_t *pr, const char *body, size_t len,
    const agw_request_ctx_t *plain, int rc, const agw_buf_t *out,
    const char *meta)
{
    int                rc2;
    size_t             errpos;
    char               meta2[1024];
    agw_buf_t          out2 = AGW_BUF_INIT;
    agw_error_t        err;
    agw_req_index_t    ix;
    agw_request_ctx_t  ctx;

    if (agw_request_index(body, len, &ix, &errpos) != 0) {
        return 0;                       /* the module answers 400 itself */
    }

    ctx = *plain;
    ctx.index = &ix;
    memset(&err, 0, sizeof(err));

    rc2 = agw_engine_request(pr->client, pr->provider, body, len, &ctx,
                             &out2, &err);
    if (rc2 != 0) {
        refusal_text(meta2, sizeof(meta2), &err);
    }

    index_runs++;

    if ((rc2 != 0) != (rc != 0)
        || (rc != 0 && strcmp(meta, meta2) != 0)
        || (rc == 0 && !same_output(pr, out, &out2)))
    {
        index_mismatches++;
        tap_diag("%s -> %s: with the index: %s", agw_dialect_name(pr->client),
                 agw_dialect_name(pr->provider), rc2 ? meta2 : "rc=0");
    }

    if (rc2 == 0) {
        request_run_refs(pr, body, len, &ctx, &out2);
    }

    agw_buf_free(&out2);

    return 0;
}


static int
request_run(const pair_t *pr, const char *body, size_t len,
    const char *model, int stream, agw_buf_t *out, char *meta, size_t size)
{
    int                rc;
    agw_error_t        err;
    agw_request_ctx_t  ctx;

    memset(&ctx, 0, sizeof(ctx));
    memset(&err, 0, sizeof(err));
    ctx.model = agw_str_bytes(model, strlen(model));
    ctx.stream = stream;
    ctx.default_max_tokens = 1024;
    ctx.client = pr->client;
    out->len = 0;

    rc = agw_engine_request(pr->client, pr->provider, body, len, &ctx, out,
                            &err);
    if (rc != 0) {
        refusal_text(meta, size, &err);
    } else {
        snprintf(meta, size, "rc=0");
    }

    (void) request_run_index(pr, body, len, &ctx, rc, out, meta);

    return rc != 0 ? -1 : 0;
}


/*
 * The same dialect's request or answer through its reader and writer
 * (the intermediate form) rather than its one-pass rewrite: what the form
 * keeps of each dialect.
 */
static void
golden_form(pair_t *pr, const char *name, const char *body, size_t len,
    int answer)
{
    int                  rc;
    char                 meta[1024];
    agw_buf_t            out = AGW_BUF_INIT;
    agw_arena_t          a;
    agw_error_t          err;
    agw_request_t        req;
    agw_response_t       res;
    agw_answer_ctx_t     actx;
    agw_request_ctx_t    rctx;
    const agw_codec_t   *codec;

    codec = agw_codec_of(pr->client);
    memset(&err, 0, sizeof(err));
    memset(&rctx, 0, sizeof(rctx));
    rctx.model = agw_str_bytes("upstream-model", 14);
    rctx.default_max_tokens = 1024;
    rctx.client = pr->client;
    memset(&actx, 0, sizeof(actx));
    actx.model = agw_str_bytes("client-model", 12);
    actx.created = CREATED;
    actx.provider = pr->provider;
    agw_arena_init(&a, NULL, 0, 0);

    if (answer) {
        rc = codec->read_response(body, len, &a, &res, &err);
        rc = rc ? rc : codec->write_response(&res, &actx, &out, &err);

    } else {
        rc = codec->read_request(body, len, 0, &a, &req, &err);
        rc = rc ? rc : codec->write_request(&req, &rctx, &out, &err);
    }

    if (rc != 0) {
        refusal_text(meta, sizeof(meta), &err);
        golden(pr, name, meta, NULL, 0);

    } else {
        golden(pr, name, "rc=0", out.data, out.len);
    }

    agw_arena_free(&a);
    agw_buf_free(&out);
}


static void
golden_request(pair_t *pr, const char *file, const char *body, size_t len)
{
    int        stream;
    char       name[256], meta[1024];
    agw_buf_t  out = AGW_BUF_INIT;

    for (stream = 0; stream <= 1; stream++) {
        golden_name(name, sizeof(name), file,
                    stream ? ".stream.json" : ".json");

        if (request_run(pr, body, len, "upstream-model", stream, &out, meta,
                        sizeof(meta)) != 0)
        {
            golden(pr, name, meta, NULL, 0);
        } else {
            golden(pr, name, meta, out.data, out.len);
        }
    }

    if (pr->client == pr->provider) {
        golden_name(name, sizeof(name), file, ".form.json");
        golden_form(pr, name, body, len, 0);
    }

    agw_buf_free(&out);
}


static int
response_run(const pair_t *pr, const char *body, size_t len,
    const char *model, agw_buf_t *out, char *meta, size_t size)
{
    agw_usage_t       usage;
    agw_error_t       err;
    agw_answer_ctx_t  ctx;

    memset(&ctx, 0, sizeof(ctx));
    memset(&err, 0, sizeof(err));
    ctx.model = agw_str_bytes(model, strlen(model));
    ctx.created = CREATED;
    ctx.provider = pr->provider;
    agw_usage_init(&usage);
    out->len = 0;

    if (agw_engine_response(pr->provider, pr->client, body, len, &ctx, out,
                            &usage, &err) != 0)
    {
        refusal_text(meta, size, &err);
        return -1;
    }

    usage_text(meta, size, &usage);
    return 0;
}


static void
golden_response(pair_t *pr, const char *file, const char *body, size_t len)
{
    char       name[256], meta[1024];
    agw_buf_t  out = AGW_BUF_INIT;

    golden_name(name, sizeof(name), file, ".json");

    if (response_run(pr, body, len, "client-model", &out, meta, sizeof(meta))
        != 0)
    {
        golden(pr, name, meta, NULL, 0);
    } else {
        golden(pr, name, meta, out.data, out.len);
    }

    if (pr->client == pr->provider) {
        golden_name(name, sizeof(name), file, ".form.json");
        golden_form(pr, name, body, len, 1);
    }

    agw_buf_free(&out);
}


/* The engine's stream over in, fed step bytes at a time (0: whole); its
 * finish, usage and error in meta.  by_bytes 0: every event read by the
 * SSE parser (agw_engine_stream_by_bytes). */
static int
stream_run(const pair_t *pr, const char *in, size_t len, const char *model,
    int include_usage, size_t step, int by_bytes, agw_buf_t *out, char *meta,
    size_t size)
{
    int                 rc;
    char                u[160];
    size_t              i, n;
    agw_xstream_t      *s;
    agw_answer_ctx_t    ctx;
    const agw_error_t  *e;

    memset(&ctx, 0, sizeof(ctx));
    ctx.model = agw_str_bytes(model, strlen(model));
    ctx.created = CREATED;
    ctx.include_usage = include_usage;
    ctx.provider = pr->provider;
    out->len = 0;

    s = agw_engine_stream_new(pr->provider, pr->client, &ctx, 0);
    if (s == NULL) {
        return -1;
    }

    agw_engine_stream_by_bytes(s, by_bytes);

    step = step ? step : (len ? len : 1);

    for (i = 0; i < len; i += n) {
        n = len - i < step ? len - i : step;
        if (agw_engine_stream_feed(s, in + i, n, out) != 0) {
            break;
        }
    }

    rc = agw_engine_stream_finish(s, 1, out);
    usage_text(u, sizeof(u), agw_engine_stream_usage(s));
    e = agw_engine_stream_error(s);
    if (e != NULL) {
        snprintf(meta, size, "finish=%d %s error=%d:%s", rc, u, (int) e->cls,
                 e->code);
    } else {
        snprintf(meta, size, "finish=%d %s error=none", rc, u);
    }
    agw_engine_stream_free(s);
    return 0;
}


static void
golden_stream(pair_t *pr, const char *file, const char *in, size_t len)
{
    int        iu;
    char       name[256], meta[1024], meta7[1024];
    agw_buf_t  out = AGW_BUF_INIT, out7 = AGW_BUF_INIT;

    for (iu = 0; iu <= (pr->client == AGW_DIALECT_OPENAI); iu++) {
        golden_name(name, sizeof(name), file, iu ? ".usage.sse" : ".sse");

        if (stream_run(pr, in, len, "client-model", iu, 0, 1, &out, meta,
                       sizeof(meta)) != 0)
        {
            ok(0, "%s/%s: a stream", pr->dir, name);
            continue;
        }

        golden(pr, name, meta, out.data, out.len);

        (void) stream_run(pr, in, len, "client-model", iu, 7, 1, &out7,
                          meta7, sizeof(meta7));
        ok(out7.len == out.len && memcmp(out7.data, out.data, out.len) == 0
           && strcmp(meta, meta7) == 0,
           "%s/%s: the same fed 7 bytes at a time", pr->dir, name);

        /* the events a reader takes from the feed's bytes, read by the
         * parser instead */
        (void) stream_run(pr, in, len, "client-model", iu, 0, 0, &out7,
                          meta7, sizeof(meta7));
        ok(out7.len == out.len && memcmp(out7.data, out.data, out.len) == 0
           && strcmp(meta, meta7) == 0,
           "%s/%s: the same with every event parsed", pr->dir, name);
    }

    agw_buf_free(&out);
    agw_buf_free(&out7);
}


static void
golden_error(pair_t *pr, const char *file, const char *body, size_t len)
{
    int        status, client_status;
    char       name[256], meta[64];
    agw_buf_t  out = AGW_BUF_INIT;

    /* the status is in the name: error-429-rate-limit.json */
    status = atoi(file + 6);
    golden_name(name, sizeof(name), file, ".json");

    if (agw_engine_error(pr->provider, pr->client, status, body, len,
                         &client_status, &out) != 0)
    {
        golden(pr, name, "rc=-1", NULL, 0);

    } else {
        snprintf(meta, sizeof(meta), "status=%d", client_status);
        golden(pr, name, meta, out.data, out.len);
    }

    agw_buf_free(&out);
}


/*
 * Variants of one input, recorded together in one file: each is
 * "== label meta\n", then its output and a newline.
 */
typedef struct {
    agw_buf_t   text;
    int         n;
} variants_t;

static void
variant(variants_t *v, const char *label, const char *meta, int rc,
    const agw_buf_t *out)
{
    agw_buf_printf(&v->text, "== %s %s\n", label, meta);
    if (rc == 0) {
        agw_buf_append(&v->text, out->data, out->len);
        agw_buf_append_str(&v->text, "\n");
    }
    v->n++;
}

static void
variants_done(pair_t *pr, variants_t *v, const char *name)
{
    char  meta[64];

    snprintf(meta, sizeof(meta), "variants=%d", v->n);
    golden(pr, name, meta, v->text.data, v->text.len);
    agw_buf_free(&v->text);
}


/*
 * The top-level members of a JSON object, and the elements of its array
 * member list: their spans in the text.
 */
#define SPANS_MAX  64

typedef struct {
    const char  *p[SPANS_MAX];
    size_t       len[SPANS_MAX];
    char         key[SPANS_MAX][64];
    int          n;
} spans_t;

static int
spans_of(const char *body, size_t len, int array, spans_t *s)
{
    int          rc;
    agw_jr_t     r;
    agw_str_t    key, raw;
    const char  *from;

    s->n = 0;
    agw_jr_init(&r, body, len);

    if ((array ? agw_jr_array(&r) : agw_jr_object(&r)) != 0) {
        return -1;
    }

    for ( ;; ) {
        from = r.p;
        rc = array ? agw_jr_element(&r) : agw_jr_member(&r, &key);
        if (rc != 1) {
            return rc;
        }

        while (*from == ',' || *from == ' ' || *from == '\n'
               || *from == '\r' || *from == '\t')
        {
            from++;
        }

        if (agw_jr_value(&r, &raw) != 0 || s->n == SPANS_MAX) {
            return -1;
        }

        s->p[s->n] = from;
        s->len[s->n] = (size_t) (raw.data + raw.len - from);
        snprintf(s->key[s->n], sizeof(s->key[0]), "%.*s",
                 array ? 0 : (int) key.len, key.data);
        s->n++;
    }
}

/* The spans joined again, but for skip, between open and close. */
static void
spans_join(const spans_t *s, int skip, const char *open, const char *close,
    agw_buf_t *out)
{
    int  i, first;

    agw_buf_append_str(out, open);

    for (i = 0, first = 1; i < s->n; i++) {
        if (i != skip) {
            if (!first) {
                agw_buf_append_str(out, ",");
            }
            agw_buf_append(out, s->p[i], s->len[i]);
            first = 0;
        }
    }

    agw_buf_append_str(out, close);
}


static void
mutation(pair_t *pr, variants_t *v, const char *label, const agw_buf_t *in)
{
    int        rc;
    char       meta[1024];
    agw_buf_t  out = AGW_BUF_INIT;

    rc = request_run(pr, in->data, in->len, "up-model", 1, &out, meta,
                     sizeof(meta));
    variant(v, label, meta, rc, &out);
    agw_buf_free(&out);
}

/*
 * A request with each of its top-level members left out in turn, and
 * each of its turns: what agents send trimmed every way.
 */
static void
golden_mutations(pair_t *pr, const char *name, const char *body, size_t len)
{
    int          i, j, list;
    char         label[320];
    spans_t      top, turns;
    agw_buf_t    in = AGW_BUF_INIT, arr = AGW_BUF_INIT;
    variants_t   v;
    const char  *turns_key;

    memset(&v, 0, sizeof(v));
    turns_key = pr->client == AGW_DIALECT_GEMINI ? "contents" : "messages";

    agw_buf_append(&in, body, len);
    mutation(pr, &v, "whole", &in);

    if (spans_of(body, len, 0, &top) != 0) {
        ok(0, "%s: the members of %s", pr->dir, name);
        agw_buf_free(&in);
        return;
    }

    list = -1;

    for (i = 0; i < top.n; i++) {
        in.len = 0;
        spans_join(&top, i, "{", "}", &in);
        snprintf(label, sizeof(label), "without %s", top.key[i]);
        mutation(pr, &v, label, &in);

        if (strcmp(top.key[i], turns_key) == 0) {
            list = i;
        }
    }

    if (list >= 0) {
        const char  *colon = memchr(top.p[list], ':', top.len[list]);

        if (colon != NULL
            && spans_of(colon + 1, top.len[list] - (colon + 1 - top.p[list]),
                        1, &turns) == 0)
        {
            for (j = 0; j < turns.n; j++) {
                arr.len = 0;
                agw_buf_printf(&arr, "\"%s\":", turns_key);
                spans_join(&turns, j, "[", "]", &arr);

                top.p[list] = arr.data;
                top.len[list] = arr.len;
                in.len = 0;
                spans_join(&top, -1, "{", "}", &in);
                snprintf(label, sizeof(label), "without %s[%d]", turns_key,
                         j);
                mutation(pr, &v, label, &in);
            }
        }
    }

    variants_done(pr, &v, name);
    agw_buf_free(&in);
    agw_buf_free(&arr);
}


/*
 * Bodies beyond the fixtures: what agents send (single quotes for double
 * ones), trimmed every way as the request fixtures are.
 */
static const struct {
    agw_dialect_t   dialect;
    const char     *name;
    const char     *body;
} inline_requests[] = {
    /* a system block list, a mid-conversation system message, a tool
     * loop with parallel calls */
    { AGW_DIALECT_ANTHROPIC, "inline-claude-code-tool-loop",
      "{'model':'claude-sonnet-4-5','max_tokens':32000,'stream':true,"
      "'system':[{'type':'text','text':'You are Claude Code.','cache_control'"
      ":{'type':'ephemeral'}},{'type':'text','text':'Be brief.'}],"
      "'messages':[{'role':'user','content':[{'type':'text','text':"
      "'<system-reminder>ctx</system-reminder>'},{'type':'text','text':"
      "'Read a.txt','cache_control':{'type':'ephemeral'}}]},"
      "{'role':'assistant','content':[{'type':'text','text':'Reading.'},"
      "{'type':'tool_use','id':'toolu_1','name':'Read','input':{'file_path':"
      "'/w/a.txt'}},{'type':'tool_use','id':'toolu_2','name':'Read','input'"
      ":{'file_path':'/w/b.txt'}}]},{'role':'user','content':[{'type':"
      "'tool_result','tool_use_id':'toolu_1','content':'one'},{'type':"
      "'tool_result','tool_use_id':'toolu_2','content':[{'type':'text',"
      "'text':'two'}]}]},{'role':'system','content':'Mid-conversation "
      "note.'},{'role':'user','content':'go on'}],'tools':[{'name':'Read',"
      "'description':'Reads a file','input_schema':{'type':'object',"
      "'properties':{'file_path':{'type':'string'}},'required':"
      "['file_path']}}],'tool_choice':{'type':'auto'},'metadata':{"
      "'user_id':'user_x'},'temperature':1}" },
    /* the body t/125-claude-code-protocol.t holds: what current Claude
     * Code sends with its betas (adaptive thinking, effort, deferred
     * tools, context management) */
    { AGW_DIALECT_ANTHROPIC, "inline-claude-code-betas",
      "{'model':'claude-sonnet-4-5','messages':[{'role':'user','content':[{"
      "'type':'text','text':'hi','cache_control':{'type':'ephemeral'}}]},"
      "{'role':'system','content':'mid'}],'system':[{'type':'text','text':"
      "'x-anthropic-billing-header: cc_version=2.1.332.18b; cc_entrypoint="
      "sdk-cli;'},{'type':'text','text':'You are a Claude agent.',"
      "'cache_control':{'type':'ephemeral'}}],'tools':[{'name':'Read',"
      "'description':'r','input_schema':{'type':'object'}},{'name':'Later',"
      "'description':'d','input_schema':{'type':'object'},'defer_loading':"
      "true}],'metadata':{'user_id':'{\\'session_id\\':\\'5b1f\\'}'},"
      "'max_tokens':32000,'thinking':{'type':'adaptive','display':"
      "'omitted'},'context_management':{'edits':[{'type':"
      "'clear_thinking_20251015','keep':'all'}]},'output_config':{'effort':"
      "'high'},'stream':false}" },
    { AGW_DIALECT_ANTHROPIC, "inline-thinking-signed",
      "{'model':'m','max_tokens':4000,'thinking':{'type':'enabled',"
      "'budget_tokens':2000},'stop_sequences':['END'],'messages':[{'role':"
      "'user','content':'q'},{'role':'assistant','content':[{'type':"
      "'thinking','thinking':'hmm','signature':'sig'},{'type':'text',"
      "'text':'a'}]},{'role':'user','content':'more'}]}" },
    { AGW_DIALECT_OPENAI, "inline-parallel-tool-loop",
      "{'model':'gpt-4o','messages':[{'role':'system','content':'S'},"
      "{'role':'user','content':'q'},{'role':'assistant','content':null,"
      "'tool_calls':[{'id':'c1','type':'function','function':{'name':'f',"
      "'arguments':'{\\'a\\':1}'}},{'id':'c2','type':'function',"
      "'function':{'name':'g','arguments':''}}]},{'role':'tool',"
      "'tool_call_id':'c1','content':'r1'},{'role':'tool','tool_call_id':"
      "'c2','content':[{'type':'text','text':'r2'}]},{'role':'user',"
      "'content':'and?'},{'role':'developer','content':'D'}],'tools':[{"
      "'type':'function','function':{'name':'f','parameters':{'type':"
      "'object'}}},{'type':'function','function':{'name':'g'}}],"
      "'tool_choice':'required','parallel_tool_calls':false,"
      "'temperature':1.5,'stop':'X','user':'u1','max_completion_tokens':"
      "300}" },
    { AGW_DIALECT_OPENAI, "inline-thinking-blocks-back",
      "{'model':'m','reasoning_effort':'medium','max_tokens':100,"
      "'messages':[{'role':'user','content':'q'},{'role':'assistant',"
      "'content':'a','reasoning_content':'r','thinking_blocks':[{'type':"
      "'thinking','thinking':'r1'},{'type':'thinking','thinking':'r2',"
      "'signature':'S'},{'type':'redacted_thinking','data':'D'}]},"
      "{'role':'user','content':[{'type':'text','text':'x','cache_control':"
      "{'type':'ephemeral'}},{'type':'image_url','image_url':{'url':"
      "'data:image/png;base64,AAAA'}}]}]}" },
    { AGW_DIALECT_OPENAI, "inline-unsigned-reasoning-tool-loop",
      "{'model':'m','reasoning_effort':'high','messages':[{'role':'user',"
      "'content':'q'},{'role':'assistant','content':'','reasoning_content':"
      "'thought','tool_calls':[{'id':'c','type':'function','function':{"
      "'name':'f','arguments':'{}'}}]},{'role':'tool','tool_call_id':'c',"
      "'content':'r'}],'tools':[{'type':'function','function':{'name':'f'}}"
      "]}" },
    /* Anthropic tool choices, sampling, images, parallel calls and their
     * results, a string system (the Gemini codec's cases) */
    { AGW_DIALECT_ANTHROPIC, "inline-tool-choice-any",
      "{'model':'m','max_tokens':50,'messages':[{'role':'user','content':"
      "'q'}],'tools':[{'name':'a','input_schema':{'type':'object'}},"
      "{'name':'b','input_schema':{'type':'object'}}],'tool_choice':"
      "{'type':'any'}}" },
    { AGW_DIALECT_ANTHROPIC, "inline-tool-choice-named",
      "{'model':'m','max_tokens':50,'messages':[{'role':'user','content':"
      "'q'}],'tools':[{'name':'a','input_schema':{'type':'object'}}],"
      "'tool_choice':{'type':'tool','name':'a'}}" },
    { AGW_DIALECT_ANTHROPIC, "inline-tool-choice-none",
      "{'model':'m','max_tokens':50,'messages':[{'role':'user','content':"
      "'q'}],'tools':[{'name':'a','input_schema':{'type':'object'}}],"
      "'tool_choice':{'type':'none'}}" },
    { AGW_DIALECT_ANTHROPIC, "inline-sampling",
      "{'model':'m','max_tokens':50,'temperature':0.5,'top_p':0.9,"
      "'stop_sequences':['END','STOP'],'thinking':{'type':'disabled'},"
      "'messages':[{'role':'user','content':'q'}]}" },
    { AGW_DIALECT_ANTHROPIC, "inline-image-base64",
      "{'model':'m','max_tokens':50,'messages':[{'role':'user','content':"
      "[{'type':'text','text':'see'},{'type':'image','source':{'type':"
      "'base64','media_type':'image/png','data':'iVBO'}}]}]}" },
    { AGW_DIALECT_ANTHROPIC, "inline-parallel-results",
      "{'model':'m','max_tokens':50,'messages':[{'role':'user','content':"
      "'go'},{'role':'assistant','content':[{'type':'tool_use','id':'t1',"
      "'name':'a','input':{}},{'type':'tool_use','id':'t2','name':'b',"
      "'input':{'x':[1,{'y':null}]}}]},{'role':'user','content':[{'type':"
      "'tool_result','tool_use_id':'t1','content':[{'type':'text','text':"
      "'one'},{'type':'text','text':'two'}]},{'type':'tool_result',"
      "'tool_use_id':'t2','is_error':true,'content':'{\\'err\\':1}'},"
      "{'type':'text','text':'go on'}]}]}" },
    { AGW_DIALECT_ANTHROPIC, "inline-string-system",
      "{'model':'m','max_tokens':50,'system':'sys','messages':[{'role':"
      "'user','content':'a'},{'role':'assistant','content':'b'},{'role':"
      "'user','content':'c'}]}" },
    /* Gemini: snake_case names, thoughts and calls sent back, tool
     * modes, a thinking budget, a system of two parts */
    { AGW_DIALECT_GEMINI, "inline-snake-case",
      "{'contents':[{'role':'user','parts':[{'text':'a'},{'inline_data':"
      "{'mime_type':'image/png','data':'iVBO'}}]}],'generation_config':"
      "{'max_output_tokens':9,'top_p':0.5,'stop_sequences':['x'],"
      "'temperature':1}}" },
    { AGW_DIALECT_GEMINI, "inline-calls-back",
      "{'contents':[{'role':'user','parts':[{'text':'q'}]},{'role':'model',"
      "'parts':[{'text':'hmm','thought':true},{'text':'a'},{'functionCall':"
      "{'name':'f','args':{'k':1}}},{'functionCall':{'name':'g'}}]},"
      "{'role':'user','parts':[{'functionResponse':{'name':'g','response':"
      "{'ok':true}}},{'functionResponse':{'name':'f','response':{'v':1}}},"
      "{'text':'next'}]}],'tools':[{'functionDeclarations':[{'name':'f'},"
      "{'name':'g','parameters':{'type':'OBJECT'}}]}],'toolConfig':"
      "{'functionCallingConfig':{'mode':'ANY'}}}" },
    { AGW_DIALECT_GEMINI, "inline-mode-none",
      "{'contents':[{'parts':[{'text':'q'}]}],'tools':[{"
      "'functionDeclarations':[{'name':'a'}]}],'toolConfig':{"
      "'functionCallingConfig':{'mode':'NONE'}}}" },
    { AGW_DIALECT_GEMINI, "inline-thinking-budget",
      "{'contents':[{'parts':[{'text':'q'}]}],'generationConfig':{"
      "'thinkingConfig':{'thinkingBudget':3000,'includeThoughts':true},"
      "'maxOutputTokens':8000}}" },
    { AGW_DIALECT_GEMINI, "inline-system-parts",
      "{'contents':[{'parts':[{'text':'q'}]}],'systemInstruction':{'parts':"
      "[{'text':'a'},{'text':'b'}]}}" },
    /* the Gemini codec's round trips: snake_case everywhere; audio, a
     * fileData image, a thought in the user turn; thoughts and
     * signatures sent back; tool modes; thinking levels and budgets;
     * JSON output; a model turn of calls only */
    { AGW_DIALECT_GEMINI, "inline-snake-case-all",
      "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"},"
      "{\"inline_data\":{\"mime_type\":\"application/pdf\","
      "\"data\":\"JVBE\"}}]}],\"generation_config\":{\"max_output_tokens\":"
      "9,\"top_p\":0.5,\"stop_sequences\":[\"x\",\"y\"],\"seed\":3,"
      "\"presence_penalty\":0.1,\"frequency_penalty\":0.2,"
      "\"candidate_count\":2}}" },
    { AGW_DIALECT_GEMINI, "inline-audio-file-thought",
      "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"t\","
      "\"thought\":true},{\"inlineData\":{\"mimeType\":\"audio/wav\","
      "\"data\":\"UklG\"}},{\"fileData\":{\"mimeType\":\"image/png\","
      "\"fileUri\":\"https://x.test/a.png\"}}]}]}" },
    { AGW_DIALECT_GEMINI, "inline-model-thoughts-signed",
      "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"q\"}]},"
      "{\"role\":\"model\",\"parts\":[{\"text\":\"hmm\",\"thought\":true},"
      "{\"text\":\"a\"},{\"text\":\"b\",\"thoughtSignature\":\"U0lH\"}]},"
      "{\"role\":\"user\",\"parts\":[{\"text\":\"more\"}]}]}" },
    { AGW_DIALECT_GEMINI, "inline-mode-any",
      "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"tools\":["
      "{\"functionDeclarations\":[{\"name\":\"a\"},{\"name\":\"b\","
      "\"description\":\"B\",\"parameters\":{\"type\":\"OBJECT\","
      "\"properties\":{\"l\":{\"type\":\"ARRAY\",\"items\":{\"type\":"
      "\"STRING\"}}}}}]}],\"toolConfig\":{\"functionCallingConfig\":"
      "{\"mode\":\"ANY\"}}}" },
    { AGW_DIALECT_GEMINI, "inline-mode-none-declared",
      "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"tools\":["
      "{\"functionDeclarations\":[{\"name\":\"a\"}]}],\"toolConfig\":"
      "{\"functionCallingConfig\":{\"mode\":\"NONE\"}}}" },
    { AGW_DIALECT_GEMINI, "inline-thinking-level",
      "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"generationConfig\":"
      "{\"thinkingConfig\":{\"thinkingLevel\":\"HIGH\"}}}" },
    { AGW_DIALECT_GEMINI, "inline-thinking-budget-100",
      "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"generationConfig\":"
      "{\"thinkingConfig\":{\"thinkingBudget\":100}}}" },
    { AGW_DIALECT_GEMINI, "inline-thinking-budget-0",
      "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"generationConfig\":"
      "{\"thinkingConfig\":{\"thinkingBudget\":0}}}" },
    { AGW_DIALECT_GEMINI, "inline-json-mime",
      "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"generationConfig\":"
      "{\"responseMimeType\":\"application/json\"}}" },
    { AGW_DIALECT_GEMINI, "inline-json-schema",
      "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"generationConfig\":"
      "{\"responseMimeType\":\"application/json\",\"responseJsonSchema\":"
      "{\"type\":\"object\",\"properties\":{}}}}" },
    { AGW_DIALECT_GEMINI, "inline-calls-only",
      "{\"contents\":[{\"role\":\"model\",\"parts\":[{\"functionCall\":"
      "{\"name\":\"a\"}},{\"functionCall\":{\"name\":\"b\",\"args\":{}}}]},"
      "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"b\","
      "\"response\":{}}},{\"functionResponse\":{\"name\":\"a\","
      "\"response\":{\"v\":[1,2]}}}]}]}" },
    /* a stray model and an explicit cache in a Gemini body */
    { AGW_DIALECT_GEMINI, "inline-stray-model-cache",
      "{'model':'x','contents':[{'parts':[{'text':'hi'}]}],"
      "'cachedContent':'cachedContents/abc'}" },
    /* an OpenAI client's stream options every way, spacing, no model:
     * what the one-pass rewrite adds, keeps and drops */
    { AGW_DIALECT_OPENAI, "inline-stream-no-model",
      "{'messages':[],'stream':true}" },
    { AGW_DIALECT_OPENAI, "inline-stream-usage-false",
      "{'stream_options':{'include_usage':false},'messages':[],"
      "'model':'a','stream':true}" },
    { AGW_DIALECT_OPENAI, "inline-stream-obfuscation",
      "{'stream_options':{'include_obfuscation':false},'messages':[]}" },
    { AGW_DIALECT_OPENAI, "inline-stream-options-empty",
      "{'stream_options':{},'model':'a'}" },
    { AGW_DIALECT_OPENAI, "inline-stream-options-null",
      "{'stream_options':null,'model':'a','x':[1,{'y':'}'}]}" },
    { AGW_DIALECT_OPENAI, "inline-empty", "{}" },
    { AGW_DIALECT_OPENAI, "inline-spaced",
      "{ 'model' : 'a' ,\n 'stream_options' : { } }" },
};


/* JSON written with single quotes, readable in C: each ' becomes ". */
static char *
unquote(const char *s)
{
    char  *p, *c;

    p = strdup(s);

    for (c = p; c != NULL && *c != '\0'; c++) {
        if (*c == '\'') {
            *c = '"';
        }
    }

    return p;
}


/*
 * The trimmed requests: where the old translator's were compared, the
 * pairs with Anthropic on one side.
 */
static int
mutated_pair(const pair_t *pr)
{
    return pr->client != pr->provider
           && pr->client != AGW_DIALECT_RESPONSES
           && pr->provider != AGW_DIALECT_RESPONSES
           && (pr->client == AGW_DIALECT_ANTHROPIC
               || pr->provider == AGW_DIALECT_ANTHROPIC);
}


static void
golden_inline(pair_t *pr)
{
    char    *body, name[256];
    size_t   i;

    for (i = 0; i < sizeof(inline_requests) / sizeof(inline_requests[0]);
         i++)
    {
        if (inline_requests[i].dialect != pr->client) {
            continue;
        }

        body = unquote(inline_requests[i].body);
        snprintf(name, sizeof(name), "%s.json", inline_requests[i].name);
        golden_request(pr, name, body, strlen(body));

        if (mutated_pair(pr)) {
            snprintf(name, sizeof(name), "%s.variants",
                     inline_requests[i].name);
            golden_mutations(pr, name, body, strlen(body));
        }

        free(body);
    }
}


/*
 * The same dialect on both sides (the one-pass rewrite): a model that
 * needs escaping, a request without a model, and streams cut after each
 * event and with CRLF line ends.
 */
static const char  odd_model[] = "odd \"model\"\\";

static void
golden_rewrite_request(pair_t *pr, const char *file, const char *body,
    size_t len)
{
    int          rc;
    char         name[256], meta[1024];
    spans_t      top;
    agw_buf_t    out = AGW_BUF_INIT, in = AGW_BUF_INIT;
    variants_t   v;

    memset(&v, 0, sizeof(v));

    rc = request_run(pr, body, len, odd_model, 0, &out, meta, sizeof(meta));
    variant(&v, "model needing escapes", meta, rc, &out);

    if (spans_of(body, len, 0, &top) == 0) {
        int  i, skip = -1;

        for (i = 0; i < top.n; i++) {
            if (strcmp(top.key[i], "model") == 0) {
                skip = i;
            }
        }

        spans_join(&top, skip, "{", "}", &in);
        rc = request_run(pr, in.data, in.len, "m", 0, &out, meta,
                         sizeof(meta));
        variant(&v, "without a model", meta, rc, &out);
    }

    golden_name(name, sizeof(name), file, ".variants");
    variants_done(pr, &v, name);
    agw_buf_free(&out);
    agw_buf_free(&in);
}

static void
golden_rewrite_response(pair_t *pr, const char *file, const char *body,
    size_t len)
{
    int          rc;
    char         name[256], meta[1024];
    agw_buf_t    out = AGW_BUF_INIT;
    variants_t   v;

    memset(&v, 0, sizeof(v));
    rc = response_run(pr, body, len, odd_model, &out, meta, sizeof(meta));
    variant(&v, "model needing escapes", meta, rc, &out);

    golden_name(name, sizeof(name), file, ".variants");
    variants_done(pr, &v, name);
    agw_buf_free(&out);
}

static void
golden_rewrite_stream(pair_t *pr, const char *file, const char *in,
    size_t len)
{
    int          rc;
    char         name[256], meta[1024], label[64];
    size_t       i;
    agw_buf_t    out = AGW_BUF_INIT, crlf = AGW_BUF_INIT;
    variants_t   v;
    const char  *p;

    memset(&v, 0, sizeof(v));

    rc = stream_run(pr, in, len, odd_model, 0, 0, 1, &out, meta,
                    sizeof(meta));
    variant(&v, "model needing escapes", meta, rc, &out);

    for (p = in, i = 1; (p = strstr(p, "\n\n")) != NULL; p += 2, i++) {
        rc = stream_run(pr, in, (size_t) (p + 2 - in), "my-model", 0, 0, 1,
                        &out, meta, sizeof(meta));
        snprintf(label, sizeof(label), "cut after event %zu", i);
        variant(&v, label, meta, rc, &out);
    }

    for (i = 0; i < len; i++) {
        if (in[i] == '\n') {
            agw_buf_append(&crlf, "\r\n", 2);
        } else {
            agw_buf_append(&crlf, in + i, 1);
        }
    }

    rc = stream_run(pr, crlf.data, crlf.len, "my-model", 0, 0, 1, &out, meta,
                    sizeof(meta));
    variant(&v, "CRLF line ends", meta, rc, &out);

    golden_name(name, sizeof(name), file, ".variants");
    variants_done(pr, &v, name);
    agw_buf_free(&out);
    agw_buf_free(&crlf);
}


static int
has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}


static int
has_suffix(const char *s, const char *x)
{
    size_t  n = strlen(s), m = strlen(x);

    return n >= m && strcmp(s + n - m, x) == 0;
}


/*
 * A fixture's input bytes: a .chunks.jsonl back to SSE (OpenAI's with its
 * [DONE] event), any other file as it is, but a stream ends with the blank
 * line that ends its last event on the wire (a documented event as
 * published lacks it: without it the event is never dispatched).
 */
static char *
fixture_input(agw_dialect_t d, const char *file, size_t *len)
{
    char       path[512], *p;
    size_t     n;
    agw_buf_t  sse = AGW_BUF_INIT;

    snprintf(path, sizeof(path), "%s/%s", fixture_dirs[d], file);

    if (has_suffix(file, ".chunks.jsonl")) {
        if (fixture_jsonl_to_sse(path, d == AGW_DIALECT_OPENAI
                                       ? "data: [DONE]\n\n" : NULL, &sse)
            != 0)
        {
            agw_buf_free(&sse);
            return NULL;
        }

    } else {
        p = fixture_read(path, &n);
        if (p == NULL) {
            return NULL;
        }

        agw_buf_append(&sse, p, n);
        free(p);

        if (has_prefix(file, "stream-") && n > 0
            && !(sse.len >= 2 && sse.data[sse.len - 1] == '\n'
                 && (sse.data[sse.len - 2] == '\n'
                     || (sse.len >= 4 && sse.data[sse.len - 2] == '\r'
                         && sse.data[sse.len - 3] == '\n'))))
        {
            agw_buf_append_str(&sse, "\n\n");
        }
    }

    if (agw_buf_append(&sse, "", 1) != 0) {
        agw_buf_free(&sse);
        return NULL;
    }

    p = sse.data;
    *len = sse.len - 1;
    return p;
}


static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


/* The fixtures of a dialect, sorted (readdir's order is the file
 * system's); n of them. */
static int
fixture_names(agw_dialect_t d, char **names, int max)
{
    int             n;
    DIR            *dir;
    char            path[512];
    const char     *root;
    struct dirent  *de;

    root = getenv("AGW_FIXTURES");
    snprintf(path, sizeof(path), "%s/%s", root ? root : "t/fixtures",
             fixture_dirs[d]);

    dir = opendir(path);
    if (dir == NULL) {
        ok(0, "open %s", path);
        return 0;
    }

    n = 0;
    while ((de = readdir(dir)) != NULL && n < max) {
        if (de->d_name[0] != '.') {
            names[n++] = strdup(de->d_name);
        }
    }
    closedir(dir);

    qsort(names, n, sizeof(char *), cmp_names);
    return n;
}


/* Every case of a fixture of d for the pair: requests when d is the
 * client's, the rest when it is the provider's. */
static void
golden_fixture(pair_t *pr, agw_dialect_t d, const char *file)
{
    char    *body;
    size_t   len;
    int      request, answer, same;

    request = d == pr->client && has_prefix(file, "request-")
              && has_suffix(file, ".json");
    answer = d == pr->provider;
    same = pr->client == pr->provider;

    if (!request && !answer) {
        return;
    }

    body = fixture_input(d, file, &len);
    if (body == NULL) {
        ok(0, "read %s/%s", fixture_dirs[d], file);
        return;
    }

    if (request) {
        golden_request(pr, file, body, len);

        if (mutated_pair(pr)) {
            char  name[256];

            golden_name(name, sizeof(name), file, ".variants");
            golden_mutations(pr, name, body, len);

        } else if (same) {
            golden_rewrite_request(pr, file, body, len);
        }
    }

    if (answer && has_prefix(file, "response-") && has_suffix(file, ".json"))
    {
        golden_response(pr, file, body, len);
        if (same) {
            golden_rewrite_response(pr, file, body, len);
        }

    } else if (answer && has_prefix(file, "stream-")
               && (has_suffix(file, ".sse")
                   || has_suffix(file, ".chunks.jsonl"))
               && !has_suffix(file, ".chunks.sse"))
    {
        golden_stream(pr, file, body, len);
        if (same && d == AGW_DIALECT_RESPONSES && has_suffix(file, ".sse")) {
            golden_rewrite_stream(pr, file, body, len);
        }

    } else if (answer && has_prefix(file, "error-")
               && has_suffix(file, ".json"))
    {
        golden_error(pr, file, body, len);
    }

    free(body);
}


/* Recording: the pair's folder emptied (cases gone leave no file). */
static int
pair_clean(const pair_t *pr)
{
    DIR            *dir;
    char            path[600];
    struct dirent  *de;

    if (mkdir(GOLDEN, 0755) != 0 && errno != EEXIST) {
        return -1;
    }

    if (mkdir(pr->dir, 0755) != 0 && errno != EEXIST) {
        return -1;
    }

    dir = opendir(pr->dir);
    if (dir == NULL) {
        return -1;
    }

    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", pr->dir, de->d_name);
            (void) unlink(path);
        }
    }

    closedir(dir);
    return 0;
}


/* Comparing: files in the folder besides index. */
static int
pair_files(const pair_t *pr)
{
    int             n;
    DIR            *dir;
    struct dirent  *de;

    dir = opendir(pr->dir);
    if (dir == NULL) {
        return -1;
    }

    n = 0;
    while ((de = readdir(dir)) != NULL) {
        n += de->d_name[0] != '.' && strcmp(de->d_name, "index") != 0;
    }

    closedir(dir);
    return n;
}


static void
golden_pair(agw_dialect_t c, agw_dialect_t p, char **names[], int counts[])
{
    int            i;
    char           path[300];
    size_t         len;
    pair_t         pr;
    agw_dialect_t  d;

    memset(&pr, 0, sizeof(pr));
    pr.client = c;
    pr.provider = p;
    snprintf(pr.dir, sizeof(pr.dir), "%s/%s-%s", GOLDEN, agw_dialect_name(c),
             agw_dialect_name(p));
    snprintf(path, sizeof(path), "%s/index", pr.dir);

    if (record) {
        if (pair_clean(&pr) != 0) {
            ok(0, "empty %s: %s", pr.dir, strerror(errno));
            return;
        }

    } else {
        pr.recorded = file_read(path, &len);
        if (pr.recorded == NULL) {
            ok(0, "%s: recorded", pr.dir);
            return;
        }
    }

    for (d = 0; d < AGW_DIALECT_MAX; d++) {
        for (i = 0; i < counts[d]; i++) {
            golden_fixture(&pr, d, names[d][i]);
        }
    }

    golden_inline(&pr);

    agw_buf_append(&pr.index, "", 1);

    if (record) {
        if (write_file(path, pr.index.data, pr.index.len - 1) != 0) {
            ok(0, "write %s", path);
        }

    } else {
        ok(strcmp(pr.index.data, pr.recorded) == 0
           && pair_files(&pr) == pr.files,
           "%s: the same cases as recorded (%d files), none more", pr.dir,
           pr.files);
    }

    free(pr.recorded);
    agw_buf_free(&pr.index);
}


int
main(void)
{
    int            i, counts[AGW_DIALECT_MAX];
    char          *store[AGW_DIALECT_MAX][256], **names[AGW_DIALECT_MAX];
    size_t         k;
    agw_dialect_t  c, p;

    record = getenv("AGW_GOLDEN_RECORD") != NULL
             && strcmp(getenv("AGW_GOLDEN_RECORD"), "1") == 0;

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        names[c] = store[c];
        counts[c] = fixture_names(c, store[c], 256);
    }

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        for (p = 0; p < AGW_DIALECT_MAX; p++) {
            golden_pair(c, p, names, counts);
        }
    }

    ok(refs_listed > 50 && refs_mismatches == 0, "every body rewritten "
       "with its runs listed: the same bytes put back together (%zu runs, "
       "%zu listed runs, %zu differ)", refs_runs, refs_listed,
       refs_mismatches);
    ok(index_runs > 100 && index_mismatches == 0, "every request given "
       "its walk's index: the same bytes or refusal (%zu runs, %zu "
       "differ)", index_runs, index_mismatches);

    for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
        ok(known_met[k], "%s-%s/%s: the case differing on purpose still "
           "met", agw_dialect_name(known[k].client),
           agw_dialect_name(known[k].provider), known[k].golden);
    }

    for (c = 0; c < AGW_DIALECT_MAX; c++) {
        for (i = 0; i < counts[c]; i++) {
            free(store[c][i]);
        }
    }

    if (record) {
        printf("# recorded into %s/\n", GOLDEN);
    }

    return done_testing();
}
