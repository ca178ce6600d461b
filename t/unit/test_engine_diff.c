/*
 * test_engine_diff: the engine against the old translation path, its
 * oracle until the old path goes.  For every fixture of every dialect and
 * every pair whose two codecs have the operation, the engine's request,
 * answer, stream and error must equal the old path's as JSON (streams:
 * the same events, each event's data equal as JSON), and a stream must
 * give the same bytes whatever the split of its input.
 *
 * A codec not linked in yet (its weak reference is NULL) or lacking an
 * operation skips those pairs: the dialects land one by one.  Where the
 * engine is known to do better than the old path, the case is listed in
 * diff_known[] with the reason, and compared against the expected
 * output there instead.
 */

#include <dirent.h>

#include "tap.h"
#include "fixtures.h"
#include "stream_util.h"
#include "agw_engine.h"

extern const agw_codec_t  agw_openai_codec __attribute__((weak));
extern const agw_codec_t  agw_anthropic_codec __attribute__((weak));
extern const agw_codec_t  agw_gemini_codec __attribute__((weak));

#define CREATED  1700000000


/*
 * Where the engine differs from the old path on purpose: the pair, what
 * is compared, the fixture's name up to its first dot, and why.  The
 * codec's own tests assert the engine's answer for these (named in the
 * reason); here they are reported, not compared.
 */
typedef struct {
    agw_dialect_t   from;       /* the client (requests) or provider */
    agw_dialect_t   to;
    const char     *kind;       /* "request", "response", "stream" */
    const char     *fixture;
    const char     *why;
} known_t;

static const known_t  diff_known[] = {
    { AGW_DIALECT_OPENAI, AGW_DIALECT_GEMINI, "stream",
      "stream-parallel-tool-calls",
      "a Gemini client gets each call as one whole functionCall part at "
      "its block's stop, never argument pieces (test_x_gemini_stream)" },
    { AGW_DIALECT_OPENAI, AGW_DIALECT_GEMINI, "stream", "stream-tool-calls",
      "a Gemini client gets each call as one whole functionCall part "
      "(test_x_gemini_stream)" },
    { AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI, "stream",
      "stream-tool-use",
      "a Gemini client gets each call as one whole functionCall part "
      "(test_x_gemini_stream)" },
    { AGW_DIALECT_ANTHROPIC, AGW_DIALECT_GEMINI, "response",
      "response-redacted-thinking",
      "no usageMetadata of zeros when the provider gave none "
      "(test_x_gemini_response)" },
    { AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, "stream", "stream-text",
      "an OpenAI client's stream starts with a role chunk, as OpenAI's own "
      "do (docs/translation.md, the engine's OpenAI codec; "
      "test_x_openai_stream)" },
    { AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, "stream", "stream-text-usage",
      "an OpenAI client's stream starts with a role chunk "
      "(test_x_openai_stream)" },
    { AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, "stream", "stream-reasoning",
      "an OpenAI client's stream starts with a role chunk; a thought's "
      "signature rides in thinking_blocks (test_x_openai_stream)" },
    { AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, "stream",
      "stream-function-call",
      "a call Gemini sends whole is a start chunk and an arguments chunk "
      "(test_x_openai_stream)" },
    { AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, "response",
      "response-text-thoughts",
      "a thought part's signature rides in thinking_blocks, content is "
      "always present (test_x_openai_response)" },
    { AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI, "response",
      "response-thought-part",
      "a thought part's signature rides in thinking_blocks "
      "(test_x_openai_response)" },
};


static const char *
known(agw_dialect_t from, agw_dialect_t to, const char *kind,
    const char *file)
{
    size_t  i, n;

    for (i = 0; i < sizeof(diff_known) / sizeof(diff_known[0]); i++) {
        n = strlen(diff_known[i].fixture);

        if (diff_known[i].from == from && diff_known[i].to == to
            && strcmp(diff_known[i].kind, kind) == 0
            && strncmp(diff_known[i].fixture, file, n) == 0
            && file[n] == '.')
        {
            return diff_known[i].why;
        }
    }

    return NULL;
}


/* A known difference: said, not compared. */
static int
skip_known(agw_dialect_t from, agw_dialect_t to, const char *kind,
    const char *file)
{
    const char  *why;

    why = known(from, to, kind, file);
    if (why == NULL) {
        return 0;
    }

    ok(1, "%s -> %s %s %s: differs on purpose: %s", agw_dialect_name(from),
       agw_dialect_name(to), kind, file, why);
    return 1;
}

static const char *const  dirs[] = {
    "openai-chat", "anthropic-messages", "gemini"
};


static const agw_codec_t *
codec(agw_dialect_t d)
{
    switch (d) {
    case AGW_DIALECT_OPENAI:
        return &agw_openai_codec;
    case AGW_DIALECT_ANTHROPIC:
        return &agw_anthropic_codec;
    case AGW_DIALECT_GEMINI:
        return &agw_gemini_codec;
    default:
        return NULL;
    }
}


/* Equal as JSON; on a difference, both texts as diagnostics. */
static int
json_same(const char *a, size_t alen, const char *b, size_t blen)
{
    int       eq;
    json_t   *ja, *jb;

    ja = json_loadb(a, alen, JSON_DECODE_ANY, NULL);
    jb = json_loadb(b, blen, JSON_DECODE_ANY, NULL);
    eq = ja != NULL && jb != NULL && json_equal(ja, jb);

    if (!eq) {
        printf("# old: %.*s\n# new: %.*s\n", (int) (alen > 2000 ? 2000 : alen),
               a, (int) (blen > 2000 ? 2000 : blen), b);
    }

    json_decref(ja);
    json_decref(jb);
    return eq;
}


/* Two SSE byte strings: the same events, data equal as JSON (or as text
 * when not JSON, like [DONE]). */
static int
events_same(const char *a, size_t alen, const char *b, size_t blen)
{
    int       i, eq;
    events_t  ea, eb;

    if (events_parse(a, alen, &ea) != 0 || events_parse(b, blen, &eb) != 0) {
        printf("# output does not parse as SSE\n");
        return 0;
    }

    eq = ea.n == eb.n;

    for (i = 0; eq && i < ea.n; i++) {
        eq = strcmp(ea.event[i], eb.event[i]) == 0;

        if (eq && strcmp(ea.data[i], eb.data[i]) != 0) {
            eq = json_same(ea.data[i], strlen(ea.data[i]), eb.data[i],
                           strlen(eb.data[i]));
        }

        if (!eq) {
            printf("# event %d differs: old %s %s / new %s %s\n", i,
                   ea.event[i], ea.data[i], eb.event[i], eb.data[i]);
        }
    }

    if (ea.n != eb.n) {
        printf("# old has %d events, new %d\n", ea.n, eb.n);
        printf("# old: %.*s\n# new: %.*s\n", (int) (alen > 3000 ? 3000 : alen),
               a, (int) (blen > 3000 ? 3000 : blen), b);
    }

    events_free(&ea);
    events_free(&eb);
    return eq;
}


static void
diff_request(agw_dialect_t c, agw_dialect_t p, const char *name,
    const char *body, size_t len)
{
    int                 ro, rn;
    agw_buf_t           bo = AGW_BUF_INIT, bn = AGW_BUF_INIT;
    agw_error_t         eo, en;
    agw_request_opts_t  oo = { "upstream-model", 0, 1024 };
    agw_request_ctx_t   nc;

    memset(&nc, 0, sizeof(nc));
    nc.model = agw_str_bytes("upstream-model", 14);
    nc.default_max_tokens = 1024;
    nc.client = c;

    for (oo.stream = 0; oo.stream <= 1; oo.stream++) {
        nc.stream = oo.stream;
        memset(&eo, 0, sizeof(eo));
        memset(&en, 0, sizeof(en));
        bo.len = 0;
        bn.len = 0;

        ro = agw_translate_request_body(c, p, body, len, &oo, &bo, &eo);
        rn = agw_engine_request_codecs(codec(c), codec(p), body, len, &nc,
                                       &bn, &en);

        if (ro != 0 || rn != 0) {
            ok(ro == rn && eo.cls == en.cls,
               "%s -> %s request %s (stream %d): both refuse (old %d %s: "
               "%s; new %d %s: %s)", agw_dialect_name(c),
               agw_dialect_name(p), name, oo.stream, ro, eo.code,
               eo.message, rn, en.code, en.message);
            continue;
        }

        ok(json_same(bo.data, bo.len, bn.data, bn.len),
           "%s -> %s request %s (stream %d): the same body",
           agw_dialect_name(c), agw_dialect_name(p), name, oo.stream);
    }

    agw_buf_free(&bo);
    agw_buf_free(&bn);
}


static void
diff_response(agw_dialect_t p, agw_dialect_t c, const char *name,
    const char *body, size_t len)
{
    int                  ro, rn;
    agw_buf_t            bo = AGW_BUF_INIT, bn = AGW_BUF_INIT;
    agw_usage_t          uo, un;
    agw_error_t          eo, en;
    agw_answer_ctx_t     nc;
    agw_response_opts_t  oo = { "client-model" };

    memset(&nc, 0, sizeof(nc));
    nc.model = agw_str_bytes("client-model", 12);
    nc.created = -1;
    nc.provider = p;
    memset(&eo, 0, sizeof(eo));
    memset(&en, 0, sizeof(en));
    agw_usage_init(&uo);
    agw_usage_init(&un);

    ro = agw_translate_response(p, c, body, len, &oo, &bo, &uo, &eo);
    rn = agw_engine_response_codecs(codec(p), codec(c), body, len, &nc, &bn,
                                    &un, &en);

    if (ro != 0 || rn != 0) {
        ok(ro == rn && eo.cls == en.cls,
           "%s -> %s response %s: both refuse (old %s, new %s)",
           agw_dialect_name(p), agw_dialect_name(c), name, eo.code, en.code);

    } else {
        ok(json_same(bo.data, bo.len, bn.data, bn.len)
           && memcmp(&uo, &un, sizeof(uo)) == 0,
           "%s -> %s response %s: the same body and usage",
           agw_dialect_name(p), agw_dialect_name(c), name);
    }

    agw_buf_free(&bo);
    agw_buf_free(&bn);
}


/* The engine's stream over in, fed in pieces of step bytes (0: whole). */
static int
engine_stream(agw_dialect_t p, agw_dialect_t c, int include_usage,
    const char *in, size_t len, size_t step, agw_buf_t *out,
    agw_usage_t *usage)
{
    int               rc;
    size_t            i, n;
    agw_xstream_t    *s;
    agw_answer_ctx_t  nc;

    memset(&nc, 0, sizeof(nc));
    nc.model = agw_str_bytes("client-model", 12);
    nc.created = CREATED;
    nc.include_usage = include_usage;
    nc.provider = p;

    s = agw_engine_stream_new_codecs(codec(p), codec(c), &nc, 0);
    if (s == NULL) {
        return -1;
    }

    step = step ? step : (len ? len : 1);

    for (i = 0; i < len; i += n) {
        n = len - i < step ? len - i : step;
        if (agw_engine_stream_feed(s, in + i, n, out) != 0) {
            break;
        }
    }

    rc = agw_engine_stream_finish(s, 1, out);
    *usage = *agw_engine_stream_usage(s);
    agw_engine_stream_free(s);
    return rc;
}


static void
diff_stream(agw_dialect_t p, agw_dialect_t c, const char *name,
    const char *in, size_t len)
{
    int                rn, iu;
    agw_buf_t          bo = AGW_BUF_INIT, bn = AGW_BUF_INIT,
                       bs = AGW_BUF_INIT;
    agw_usage_t        un, us;
    stream_run_t       r;
    agw_stream_opts_t  oo = { "client-model", 0, 0 };
    agw_stream_t      *s;

    for (iu = 0; iu <= (c == AGW_DIALECT_OPENAI); iu++) {
        bo.len = bn.len = bs.len = 0;
        oo.include_usage = iu;

        /* the old path, with the same "created" as the engine's */
        memset(&r, 0, sizeof(r));
        s = agw_stream_new(p, c, &oo);
        if (s == NULL) {
            ok(0, "old stream");
            continue;
        }
        agw_stream_set_created(s, CREATED);
        if (agw_stream_feed(s, in, len, &bo) != 0) {
            r.feed_rc = -1;
        }
        r.finish_rc = agw_stream_finish(s, 1, &bo);
        r.usage = *agw_stream_usage(s);
        agw_stream_free(s);

        rn = engine_stream(p, c, iu, in, len, 0, &bn, &un);

        ok(rn == r.finish_rc && events_same(bo.data, bo.len, bn.data, bn.len)
           && memcmp(&r.usage, &un, sizeof(un)) == 0,
           "%s -> %s stream %s (include_usage %d): the same events and "
           "usage", agw_dialect_name(p), agw_dialect_name(c), name, iu);

        (void) engine_stream(p, c, iu, in, len, 7, &bs, &us);
        ok(bs.len == bn.len && memcmp(bs.data, bn.data, bn.len) == 0
           && memcmp(&us, &un, sizeof(un)) == 0,
           "%s -> %s stream %s: the same bytes fed 7 bytes at a time",
           agw_dialect_name(p), agw_dialect_name(c), name);
    }

    agw_buf_free(&bo);
    agw_buf_free(&bn);
    agw_buf_free(&bs);
}


static void
diff_error(agw_dialect_t p, agw_dialect_t c, const char *name,
    const char *body, size_t len)
{
    int        status, so, sn, ro, rn;
    agw_buf_t  bo = AGW_BUF_INIT, bn = AGW_BUF_INIT;

    /* the status is in the name: error-429-rate-limit.json */
    status = atoi(name + 6);

    ro = agw_translate_error(p, c, status, body, len, &so, &bo);
    rn = agw_engine_error_codecs(codec(p), codec(c), status, body, len, &sn,
                                 &bn);

    ok(ro == rn && so == sn && (ro != 0 || json_same(bo.data, bo.len,
                                                     bn.data, bn.len)),
       "%s -> %s error %s: the same status (%d, %d) and body",
       agw_dialect_name(p), agw_dialect_name(c), name, so, sn);

    agw_buf_free(&bo);
    agw_buf_free(&bn);
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


static void
diff_fixture(agw_dialect_t d, const char *file)
{
    char                *body, path[512];
    size_t               len;
    agw_buf_t            sse = AGW_BUF_INIT;
    agw_dialect_t        o;
    const agw_codec_t   *cd, *co;

    snprintf(path, sizeof(path), "%s/%s", dirs[d], file);

    if (has_suffix(file, ".chunks.jsonl")) {
        if (fixture_jsonl_to_sse(path, d == AGW_DIALECT_OPENAI
                                       ? "[DONE]" : NULL, &sse) != 0)
        {
            ok(0, "read %s", path);
            return;
        }
        body = sse.data;
        len = sse.len;

    } else {
        body = fixture_read(path, &len);
        if (body == NULL) {
            ok(0, "read %s", path);
            return;
        }
    }

    cd = codec(d);

    for (o = 0; o < AGW_DIALECT_RESPONSES; o++) {
        co = codec(o);

        if (o == d || cd == NULL || co == NULL) {
            continue;
        }

        if (has_prefix(file, "request-") && has_suffix(file, ".json")
            && cd->read_request && co->write_request)
        {
            if (!skip_known(d, o, "request", file)) {
                diff_request(d, o, file, body, len);
            }

        } else if (has_prefix(file, "response-") && has_suffix(file, ".json")
                   && cd->read_response && co->write_response)
        {
            if (!skip_known(d, o, "response", file)) {
                diff_response(d, o, file, body, len);
            }

        } else if (has_prefix(file, "stream-")
                   && (has_suffix(file, ".sse")
                       || has_suffix(file, ".chunks.jsonl"))
                   && !has_suffix(file, ".chunks.sse")
                   && cd->read_event && co->write_step && co->write_end
                   && co->write_stream_error)
        {
            if (!skip_known(d, o, "stream", file)) {
                diff_stream(d, o, file, body, len);
            }

        } else if (has_prefix(file, "error-") && has_suffix(file, ".json")
                   && cd->read_error && co->write_error)
        {
            diff_error(d, o, file, body, len);
        }
    }

    if (sse.data != NULL) {
        agw_buf_free(&sse);
    } else {
        free(body);
    }
}


static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


int
main(void)
{
    int             n, i;
    DIR            *dir;
    char           *names[256], path[512];
    const char     *root;
    agw_dialect_t   d;
    struct dirent  *de;

    root = getenv("AGW_FIXTURES");

    for (d = 0; d < AGW_DIALECT_RESPONSES; d++) {
        snprintf(path, sizeof(path), "%s/%s", root ? root : "t/fixtures",
                 dirs[d]);
        dir = opendir(path);
        if (dir == NULL) {
            ok(0, "open %s", path);
            continue;
        }

        n = 0;
        while ((de = readdir(dir)) != NULL && n < 256) {
            if (de->d_name[0] != '.') {
                names[n++] = strdup(de->d_name);
            }
        }
        closedir(dir);

        /* readdir's order is the file system's: sort, for stable output */
        qsort(names, n, sizeof(char *), cmp_names);

        for (i = 0; i < n; i++) {
            diff_fixture(d, names[i]);
            free(names[i]);
        }
    }

    ok(1, "every fixture of every dialect compared where both codecs can");
    return done_testing();
}
