/*
 * The tree-free request path (OpenAI client -> Anthropic provider) against
 * the jansson path, its specification: for every fixture, every
 * hand-written shape and systematic mutations of them (each member or
 * element removed, replaced by values of other types and edge numbers,
 * repeated keys, blanks between tokens), with several caller options, the
 * direct path either declines (leaving the buffer as it was) or writes
 * what equals as JSON the jansson path's answer, which must then exist.
 * It must also take the common shapes, or it would be a path that
 * declines everything.
 */

#include <jansson.h>

#include "tap.h"
#include "fixtures.h"
#include "agw_direct.h"
#include "agw_translate_int.h"


#define PREFIX  "prefix-bytes:"

/* Mismatches printed in full, at most. */
#define SHOWN_MAX  10


typedef struct {
    long  taken;
    long  declined;
    long  bad;
} tally_t;


static tally_t  total;
static int      shown;


static const agw_request_opts_t  opts_set[] = {
    { "upstream-model", 0, 0 },
    { "claude-sonnet-4-5", 1, 1024 },
    { NULL, 0, 0 },
    { "", 1, 0 },
    { "esc\"aped\\ \n model", 0, 333 },
    { "mod\xc3\xa8le", 0, 0 },              /* non-ASCII: declined */
};

#define NOPTS  (sizeof(opts_set) / sizeof(opts_set[0]))


static void
show(const char *what, const char *body, size_t len, const char *direct,
    size_t dlen, const json_t *tree)
{
    char  *t;

    if (shown++ >= SHOWN_MAX) {
        return;
    }

    t = tree ? json_dumps(tree, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    tap_diag("%s\n#   input:  %.*s\n#   direct: %.*s\n#   jansson: %s", what,
             (int) len, body, (int) dlen, direct ? direct : "",
             t ? t : "(error)");
    free(t);
}


/*
 * One body with one set of options (NULL: none).  Returns 1 when the
 * direct path took it, 0 when it declined, -1 on a mismatch.
 */
static int
check(const char *body, size_t len, const agw_request_opts_t *o, tally_t *t)
{
    int           rc, trc;
    json_t       *in, *res, *got;
    agw_buf_t     out = AGW_BUF_INIT, printed = AGW_BUF_INIT;
    agw_error_t   err;

    if (agw_buf_append_str(&out, PREFIX) != 0) {
        return -1;
    }

    rc = agw_direct_openai_to_anthropic_request(body, len, o, &out);

    if (rc == AGW_DIRECT_DECLINED) {
        t->declined++;
        if (out.len != sizeof(PREFIX) - 1
            || memcmp(out.data, PREFIX, out.len) != 0
            || out.data[out.len] != '\0')
        {
            show("declined but changed the buffer", body, len, out.data,
                 out.len, NULL);
            t->bad++;
            agw_buf_free(&out);
            return -1;
        }
        agw_buf_free(&out);
        return 0;
    }

    if (rc != 0 || memcmp(out.data, PREFIX, sizeof(PREFIX) - 1) != 0) {
        show("failed or overwrote the buffer", body, len, out.data, out.len,
             NULL);
        t->bad++;
        agw_buf_free(&out);
        return -1;
    }

    t->taken++;

    res = NULL;
    trc = -1;
    memset(&err, 0, sizeof(err));

    /* the jansson path as agw_translate_request_body runs it: parse,
     * translate, print (reals to 15 digits), read back for comparing */
    in = json_loadb(body, len, 0, NULL);
    if (in != NULL) {
        trc = agw_translate_request_ops(AGW_DIALECT_OPENAI,
                                        AGW_DIALECT_ANTHROPIC,
                                        &agw_openai_ops, &agw_anthropic_ops,
                                        in, o, &res, &err);
    }

    if (trc == 0) {
        printed.len = 0;
        if (agw_json_append(&printed, res) != 0) {
            trc = -1;
        }
        json_decref(res);
        res = trc == 0 ? json_loadb(printed.data, printed.len, 0, NULL)
                       : NULL;
    }

    got = json_loadb(out.data + sizeof(PREFIX) - 1,
                     out.len - (sizeof(PREFIX) - 1), 0, NULL);

    if (trc != 0 || got == NULL || !json_equal(got, res)) {
        show(trc != 0 ? "taken, but the jansson path refuses it"
                      : "not the same JSON", body, len,
             out.data + sizeof(PREFIX) - 1, out.len - (sizeof(PREFIX) - 1),
             res);
        if (trc != 0) {
            tap_diag("  jansson: %s", in ? err.message : "does not load");
        }
        t->bad++;
        rc = -1;
    } else {
        rc = 1;
    }

    json_decref(in);
    json_decref(res);
    json_decref(got);
    agw_buf_free(&out);
    agw_buf_free(&printed);

    return rc;
}


/* A body with every set of options; 1 when the first set was taken. */
static int
check_all_opts(const char *body, size_t len, tally_t *t)
{
    size_t  i;
    int     first;

    first = check(body, len, &opts_set[0], t);

    for (i = 1; i < NOPTS; i++) {
        (void) check(body, len, &opts_set[i], t);
    }

    (void) check(body, len, NULL, t);

    return first;
}


/* Mutations */

/* Values a node is replaced by, as raw JSON text. */
static const char  *raw_values[] = {
    "null", "true", "false", "0", "-0", "1", "-1", "2", "1e2", "1E+2",
    "0.1", "1.5", "-0.0", "1e400", "-1e400", "1e-400", "99999999999999999999",
    "9223372036854775807", "-9223372036854775808", "-9223372036854775809",
    "0.12345678901234567", "1.0",
    "\"\"", "\"x\"", "\"none\"", "\"required\"", "\"auto\"", "\"text\"",
    "\"function\"", "\"user\"", "\"assistant\"", "\"system\"", "\"tool\"",
    "\"minimal\"", "\"low\"", "\"medium\"", "\"high\"", "\"xhigh\"",
    "\"l\\u006fw\"",
    "2048", "2049", "30000",
    "\"developer\"", "\"\\u0075ser\"", "\"non\\u0065\"", "\"\\u00e9\\n\\\"\"",
    "\"\\ud83d\\ude00 \\/ \\t\"", "\"\xc3\xa9t\xc3\xa9\"",
    "\" {\\\"a\\\": [1, 2.5, {\\\"b\\\": null}]} \"", "\"{}\"", "\"  \\n\"",
    "\"\\r{}\"", "\"[1]\"", "\"{\\\"a\\\":1e400}\"", "\"{\\\"a\\\":0.1}\"",
    "\"{\\\"a\\\":1,\\\"a\\\":2}\"", "\"{\\\"a\\\":0.12345678901234567}\"",
    "\"{\\\"a\\\":\\\"\\\\u00e9\\\"}\"", "\"{\\\"a\\\"\"",
    "\"data:image/png;base64,AAAA\"", "\"data:text/plain,hi\"", "\"data:\"",
    "\"d\\u0061ta:image/png;base64,AAAA\"", "\"https:\\/\\/x.test\\/a\"",
    "\"image_url\"", "\"file\"", "\"refusal\"",
    "{\"url\":\"https://x.test/\"}",
    "{\"file_data\":\"data:application/pdf;base64,AA\"}",
    "{\"file_id\":\"file-1\"}", "{\"type\":\"ephemeral\"}",
    "[]", "{}", "[[]]", "[\"\"]", "[\"x\", \"y\"]", "[1]",
    "[{\"type\":\"text\",\"text\":\"t\"}]",
    "[{\"type\":\"text\",\"text\":\"\"}]",
    "[{\"type\":\"text\"}]",
    "{\"type\":\"text\",\"text\":\"hi\"}",
    "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}",
    "{\"name\":\"f\",\"arguments\":\"{}\"}",
    "{ \"a\" : { \"a\" : 1 } , \"b\" : [ 1 , 2 ] }",
    "{\"a\":1,\"a\":2}",
};

#define NRAW  (sizeof(raw_values) / sizeof(raw_values[0]))

#define MARK     "@@raw-value@@"
#define DUPMARK  "@@repeated-key@@"


/* Replaces the first "MARK" (quoted) in s with raw; a new string. */
static char *
substitute(const char *s, const char *mark, const char *raw)
{
    char        *r, *at;
    size_t       mlen, rlen, slen;
    agw_buf_t    b = AGW_BUF_INIT;

    at = strstr(s, mark);
    if (at == NULL) {
        return strdup(s);
    }

    /* the mark with its quotes */
    mlen = strlen(mark) + 2;
    rlen = strlen(raw);
    slen = strlen(s);

    if (agw_buf_append(&b, s, (size_t) (at - 1 - s)) != 0
        || agw_buf_append(&b, raw, rlen) != 0
        || agw_buf_append(&b, at - 1 + mlen, slen - (size_t) (at - 1 - s)
                          - mlen) != 0)
    {
        agw_buf_free(&b);
        return NULL;
    }

    r = b.data;
    return r;
}


/* The n-th node (pre-order, root excluded) of j: its parent and place. */
typedef struct {
    json_t      *parent;
    const char  *key;           /* NULL in an array */
    size_t       index;
    json_t      *node;
} slot_t;


static int
find_node(json_t *j, long *n, slot_t *s)
{
    size_t       i;
    json_t      *v;
    const char  *k;

    if (json_is_object(j)) {
        json_object_foreach(j, k, v) {
            if ((*n)-- == 0) {
                s->parent = j;
                s->key = k;
                s->node = v;
                return 1;
            }
            if (find_node(v, n, s)) {
                return 1;
            }
        }

    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            if ((*n)-- == 0) {
                s->parent = j;
                s->key = NULL;
                s->index = i;
                s->node = v;
                return 1;
            }
            if (find_node(v, n, s)) {
                return 1;
            }
        }
    }

    return 0;
}


static void
check_dump(json_t *j, size_t flags, const char *mark, const char *raw,
    long *cases, tally_t *t)
{
    char  *s, *m;

    s = json_dumps(j, flags);
    if (s == NULL) {
        return;
    }

    m = mark ? substitute(s, mark, raw) : s;
    if (m != NULL) {
        (void) check(m, strlen(m), &opts_set[*cases % NOPTS], t);
        if (*cases % 7 == 0) {
            (void) check(m, strlen(m), NULL, t);
        }
        (*cases)++;
    }

    if (m != s) {
        free(m);
    }
    free(s);
}


/*
 * Every node of base removed, replaced by each raw value; every object
 * member repeated (with null and with its own value); the whole with
 * blanks between tokens.
 */
static void
mutate(json_t *base, tally_t *t)
{
    long     n, k, cases;
    size_t   r;
    json_t  *copy;
    slot_t   s;

    cases = 0;

    check_dump(base, JSON_INDENT(1), NULL, NULL, &cases, t);
    check_dump(base, JSON_INDENT(3) | JSON_SORT_KEYS, NULL, NULL, &cases, t);

    for (n = 0; ; n++) {
        copy = json_deep_copy(base);
        k = n;
        if (!find_node(copy, &k, &s)) {
            json_decref(copy);
            break;
        }

        /* removed */
        if (s.key) {
            json_object_del(s.parent, s.key);
        } else {
            json_array_remove(s.parent, s.index);
        }
        check_dump(copy, JSON_COMPACT, NULL, NULL, &cases, t);
        json_decref(copy);

        /* replaced */
        for (r = 0; r < NRAW; r++) {
            copy = json_deep_copy(base);
            k = n;
            (void) find_node(copy, &k, &s);
            if (s.key) {
                json_object_set_new(s.parent, s.key, json_string(MARK));
            } else {
                json_array_set_new(s.parent, s.index, json_string(MARK));
            }
            check_dump(copy, r % 2 ? JSON_COMPACT : 0, MARK, raw_values[r],
                       &cases, t);
            json_decref(copy);
        }

        /* repeated: the copy (null, or its own value) after the original */
        if (s.key) {
            for (r = 0; r < 2; r++) {
                char  quoted[256];

                copy = json_deep_copy(base);
                k = n;
                (void) find_node(copy, &k, &s);
                json_object_set_new(s.parent, DUPMARK,
                                    r ? json_deep_copy(s.node) : json_null());
                snprintf(quoted, sizeof(quoted), "\"%s\"", s.key);
                check_dump(copy, JSON_COMPACT, DUPMARK, quoted, &cases, t);
                json_decref(copy);
            }
        }
    }
}


/* Bodies */

/* scripts/bench's request, as wrk sends it. */
static const char  *bench_body =
    "{\"model\":\"claude\",\"stream\":false,\"messages\":[{\"role\":\"system\","
    "\"content\":\"You are a helpful assistant.\"},{\"role\":\"user\","
    "\"content\":\"Write a haiku about nginx.\"}]}";

static const char  *bench_stream_body =
    "{\"model\":\"claude\",\"stream\":true,\"messages\":[{\"role\":\"system\","
    "\"content\":\"You are a helpful assistant.\"},{\"role\":\"user\","
    "\"content\":\"Write a haiku about nginx.\"}]}";

/* A tool loop as an OpenAI SDK sends it back, with the shapes taken. */
static const char  *tool_loop_body =
    "{\"model\":\"gpt-4o\",\"messages\":["
    "{\"role\":\"developer\",\"content\":\"Be brief.\"},"
    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Weather "
    "in Paris and Rome?\"},{\"type\":\"text\",\"text\":\"\"}],\"name\":\"ann\"},"
    "{\"role\":\"assistant\",\"content\":null,\"refusal\":null,"
    "\"annotations\":[],\"audio\":null,\"function_call\":null,\"tool_calls\":["
    "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_w\","
    "\"arguments\":\"{\\\"city\\\": \\\"Paris\\\", \\\"days\\\": 3, "
    "\\\"units\\\": {\\\"t\\\": \\\"c\\\", \\\"lim\\\": [1.5, -2]}}\"}},"
    "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_w\","
    "\"arguments\":\"\"}}]},"
    "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18 C\"},"
    "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":[{\"type\":"
    "\"text\",\"text\":\"21 C\"},{\"type\":\"text\",\"text\":\"sunny\"}]},"
    "{\"role\":\"tool\",\"tool_call_id\":\"call_3\",\"content\":\"\"},"
    "{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"Use "
    "metric.\"}]},"
    "{\"role\":\"user\",\"content\":\"And \\\"tomorrow\\\"? \\u00e9\\ud83d"
    "\\ude00\"},"
    "{\"role\":\"assistant\",\"content\":\"Let me check.\",\"tool_calls\":"
    "[{\"id\":\"call_4\",\"type\":\"function\",\"function\":{\"name\":"
    "\"get_w\",\"arguments\":\"{}\"}}]},"
    "{\"role\":\"tool\",\"tool_call_id\":\"call_4\",\"content\":\"19 C\","
    "\"name\":\"get_w\"}],"
    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_w\","
    "\"description\":\"Weather\",\"strict\":true,\"parameters\":{\"type\":"
    "\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"days\":"
    "{\"type\":\"integer\",\"minimum\":1,\"maximum\":1e1}},\"required\":"
    "[\"city\"]}}},{\"type\":\"function\",\"function\":{\"name\":\"now\"}}],"
    "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_w\"}},"
    "\"parallel_tool_calls\":false,\"max_completion_tokens\":500,"
    "\"max_tokens\":100,\"temperature\":1.7,\"top_p\":1,\"stop\":[\"END\"],"
    "\"user\":\"u-42\",\"n\":1,\"stream\":true,"
    "\"stream_options\":{\"include_usage\":true}}";

/* Sampling and stop shapes the tool loop does not show. */
static const char  *sampling_body =
    "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":"
    "\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"hello\"}]},"
    "{\"role\":\"user\",\"content\":\"again\"}],\"model\":\"m\","
    "\"temperature\":0.7,\"top_p\":0.95,\"stop\":\"\\n\\n\",\"max_tokens\":64,"
    "\"tools\":[],\"tool_choice\":\"required\",\"n\":null,\"user\":null,"
    "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":"
    "\"r\",\"schema\":{\"type\":\"object\"}}},\"seed\":42,\"logprobs\":false,"
    "\"top_logprobs\":null,\"frequency_penalty\":0.5,\"presence_penalty\":-1,"
    "\"logit_bias\":{\"50256\":-100}}";


/* Thinking: a reasoning_effort alone, then in a tool loop in progress
 * (where it is left off) with a tool choice that does not force. */
static const char  *thinking_body =
    "{\"model\":\"o3\",\"reasoning_effort\":\"low\",\"max_tokens\":1000,"
    "\"temperature\":0.5,\"top_p\":0.9,\"messages\":[{\"role\":\"user\","
    "\"content\":\"Think about it.\"}]}";

static const char  *thinking_tool_body =
    "{\"model\":\"o3\",\"reasoning_effort\":\"medium\",\"messages\":["
    "{\"role\":\"user\",\"content\":\"Weather?\"},"
    "{\"role\":\"assistant\",\"content\":\"Checking.\",\"tool_calls\":[{"
    "\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"w\","
    "\"arguments\":\"{}\"}}]},"
    "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"sunny\"},"
    "{\"role\":\"user\",\"content\":\"thanks\"}],"
    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"w\"}}],"
    "\"tool_choice\":\"auto\",\"max_completion_tokens\":9000}";


/* Prompt caching the LiteLLM way: cache_control on content parts. */
static const char  *cache_body =
    "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":["
    "{\"type\":\"text\",\"text\":\"Long rules.\",\"cache_control\":"
    "{\"type\":\"ephemeral\"}}]},"
    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Doc\","
    "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}},"
    "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.test/a.png\"},"
    "\"cache_control\":{\"type\":\"ephemeral\"}},{\"type\":\"text\","
    "\"text\":\"q\",\"cache_control\":null}]},"
    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t\","
    "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":"
    "\"{\\\"n\\\":1}\"}}]},"
    "{\"role\":\"tool\",\"tool_call_id\":\"t\",\"content\":[{\"type\":"
    "\"text\",\"text\":\"res\",\"cache_control\":{\"type\":\"ephemeral\"}}]}"
    "]}";


/* Images and documents: URL, data URLs, an image_url given as a string. */
static const char  *media_body =
    "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":["
    "{\"type\":\"text\",\"text\":\"Compare these.\"},"
    "{\"type\":\"image_url\",\"image_url\":{\"url\":"
    "\"https://example.com/a.png?x=1&y=%20\",\"detail\":\"high\"}},"
    "{\"type\":\"image_url\",\"image_url\":{\"url\":"
    "\"data:image/png;base64,iVBORw0KGgo=\"}},"
    "{\"type\":\"image_url\",\"image_url\":"
    "\"data:image/jpeg;base64,/9j/4A==\"},"
    "{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\",\"file_data\":"
    "\"data:application/pdf;base64,JVBERi0x\"}}]},"
    "{\"role\":\"assistant\",\"content\":[{\"type\":\"image_url\","
    "\"image_url\":{\"url\":\"data:;base64,\"}}]}]}";


/* The 4 KB agent turn of t/bench/translate_bench.c (turns: 14), or a
 * shorter one of the same shape. */
static char *
typical_request(int turns)
{
    int      i;
    char    *s;
    json_t  *req, *msgs;
    static const char *turn =
        "Here is the part of the log I mentioned: the service restarted at "
        "02:14, the health check failed twice, then the load balancer took "
        "it out of rotation. Can you tell me what to check first, and in "
        "which order, before I page the on-call engineer again?";

    req = fixture_json("openai-chat/request-tools.documented.json");
    if (req == NULL) {
        return NULL;
    }

    msgs = json_object_get(req, "messages");
    json_array_insert_new(msgs, 0, json_pack("{s:s, s:s}", "role", "system",
        "content", "You are a careful site reliability assistant. Answer "
        "briefly, cite the log lines you rely on, and call a tool when a "
        "live value is needed."));

    for (i = 0; i < turns; i++) {
        json_array_insert_new(msgs, json_array_size(msgs) - 1,
                              json_pack("{s:s, s:s}", "role",
                                        i % 2 ? "assistant" : "user",
                                        "content", turn));
    }

    json_object_set_new(req, "temperature", json_real(0.2));
    json_object_set_new(req, "max_tokens", json_integer(1024));

    s = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    return s;
}


/* Another dialect's request fixture, as the library turns it into an
 * OpenAI body. */
static char *
converted(agw_dialect_t from, const char *name)
{
    char                *s;
    json_t              *in, *res;
    agw_error_t          err;
    agw_request_opts_t   o = { "from-fixture", 0, 0 };

    in = fixture_json(name);
    if (in == NULL) {
        return NULL;
    }

    res = NULL;
    if (agw_translate_request(from, AGW_DIALECT_OPENAI, in, &o, &res, &err)
        != 0)
    {
        tap_diag("%s: %s", name, err.message);
        json_decref(in);
        return NULL;
    }

    s = json_dumps(res, JSON_COMPACT);
    json_decref(in);
    json_decref(res);
    return s;
}


/* A base body: checked as it is (taken when must_take), then mutated. */
static void
base_case(const char *name, const char *body, int must_take)
{
    int       took;
    json_t   *j;
    tally_t   t;

    memset(&t, 0, sizeof(t));

    if (!ok(body != NULL, "%s: read", name)) {
        return;
    }

    took = check_all_opts(body, strlen(body), &t);

    if (must_take) {
        ok(took == 1, "%s: the direct path takes it", name);
    }

    j = json_loads(body, 0, NULL);
    if (j != NULL) {
        mutate(j, &t);
        json_decref(j);
    }

    ok(t.bad == 0, "%s: %ld cases, direct took %ld, declined %ld, all equal "
       "to the jansson path", name, t.taken + t.declined, t.taken,
       t.declined);

    total.taken += t.taken;
    total.declined += t.declined;
    total.bad += t.bad;
}


static void
file_case(const char *name, int must_take)
{
    char    *s;
    size_t   len;

    s = fixture_read(name, &len);
    base_case(name, s, must_take);
    free(s);
}


/* Inputs that are not a body the jansson path takes: always declined. */
static void
refused_cases(void)
{
    size_t       i;
    tally_t      t;
    const char  *bodies[] = {
        "",
        "[]",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]",
        "{\"model\":\"m\",\"messages\":{}}",
        "{\"model\":\"m\",\"messages\":[]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\"}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}"
            "],\"n\":2}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"function\",\"content\":"
            "\"hi\"}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}"
            "],\"max_tokens\":1e400}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
            "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\","
            "\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}"
            "]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}"
            "],\"tools\":[{\"type\":\"function\",\"function\":{}}]}",
    };

    memset(&t, 0, sizeof(t));

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        check_all_opts(bodies[i], strlen(bodies[i]), &t);
    }

    ok(t.taken == 0 && t.bad == 0, "bodies the jansson path refuses are "
       "declined (%ld cases)", t.declined);
}


/* The buffer on entry is kept and appended to; the output is compact. */
static void
output_shape(void)
{
    agw_buf_t            out = AGW_BUF_INIT;
    agw_request_opts_t   o = { "claude-x", 0, 0 };

    (void) agw_buf_append_str(&out, "keep");

    ok(agw_direct_openai_to_anthropic_request(bench_body, strlen(bench_body),
                                               &o, &out) == 0,
       "bench body taken");
    is_str(out.data, "keep{\"model\":\"claude-x\",\"messages\":[{\"role\":"
           "\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Write a haiku "
           "about nginx.\"}]}],\"system\":\"You are a helpful assistant.\","
           "\"max_tokens\":4096}", "bench body written as expected");

    agw_buf_free(&out);
}


int
main(void)
{
    char  *s;

    output_shape();
    refused_cases();

    base_case("scripts/bench body", bench_body, 1);
    base_case("scripts/bench streamed body", bench_stream_body, 1);
    base_case("tool loop", tool_loop_body, 1);
    base_case("sampling and stop", sampling_body, 1);
    base_case("images and documents", media_body, 1);
    base_case("thinking", thinking_body, 1);
    base_case("cache_control on parts", cache_body, 1);
    base_case("thinking in a tool loop", thinking_tool_body, 1);

    s = typical_request(14);
    ok(s && check_all_opts(s, strlen(s), &total) == 1,
       "translate_bench typical request: the direct path takes it");
    free(s);

    /* its mutations, with fewer of its identical turns */
    s = typical_request(3);
    base_case("a shorter typical request", s, 1);
    free(s);

    file_case("openai-chat/request-text.documented.json", 1);
    file_case("openai-chat/request-tools.documented.json", 1);
    file_case("openai-chat/request-image-url.documented.json", 1);

    s = converted(AGW_DIALECT_ANTHROPIC,
                  "anthropic-messages/request-tool-result.json");
    base_case("anthropic request-tool-result, as OpenAI", s, 1);
    free(s);

    s = converted(AGW_DIALECT_ANTHROPIC,
                  "anthropic-messages/request-tools.json");
    base_case("anthropic request-tools, as OpenAI", s, 1);
    free(s);

    s = converted(AGW_DIALECT_ANTHROPIC,
                  "anthropic-messages/request-system-cache-control.documented"
                  ".json");
    base_case("anthropic request-system-cache-control, as OpenAI", s, 0);
    free(s);

    s = converted(AGW_DIALECT_ANTHROPIC,
                  "anthropic-messages/request-image-base64.documented.json");
    base_case("anthropic request-image-base64, as OpenAI", s, 1);
    free(s);

    s = converted(AGW_DIALECT_GEMINI, "gemini/request-function-response.json");
    base_case("gemini request-function-response, as OpenAI", s, 0);
    free(s);

    s = converted(AGW_DIALECT_GEMINI,
                  "gemini/request-system-instruction.json");
    base_case("gemini request-system-instruction, as OpenAI", s, 0);
    free(s);

    s = converted(AGW_DIALECT_GEMINI, "gemini/request-tools.json");
    base_case("gemini request-tools, as OpenAI", s, 0);
    free(s);

    tap_diag("in all: direct took %ld, declined %ld, %ld mismatches",
             total.taken, total.declined, total.bad);

    return done_testing();
}
