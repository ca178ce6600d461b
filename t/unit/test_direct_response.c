/*
 * The tree-free Anthropic -> OpenAI response (agw_direct_response.c)
 * against the jansson path (agw_translate_response_ops with the real ops
 * tables), which is its specification.  For every Anthropic response
 * fixture, hand-made bodies and systematic mutations of them (each member
 * removed, each value replaced by other types and edge values, repeated
 * and escaped keys, other white space), and several client models: the
 * direct path either declines (out and usage untouched) or answers what
 * the jansson path answers, equal as JSON, with equal usage.  The
 * jansson path says "created": 0 (Anthropic sends no time), so the two
 * outputs are compared whole, no member removed.
 *
 * The common shapes must be taken: a direct path that declines
 * everything fails here.
 */

#include <stdlib.h>
#include <jansson.h>

#include "tap.h"
#include "fixtures.h"
#include "agw_direct.h"
#include "agw_translate_int.h"


/* Replaces a value (or a key) in a dumped tree with raw bytes. */
#define PH_VALUE  "@@value@@"
#define PH_KEY    "@@key@@"


typedef struct {
    unsigned  cases;
    unsigned  taken;
    unsigned  declined;
    unsigned  failed;
} tally_t;


static tally_t  total;


static void
show(const char *what, const char *s, size_t len)
{
    tap_diag("%s (%zu bytes): %.*s", what, len, (int) (len > 2000 ? 2000 : len),
             s ? s : "");
}


/*
 * One differential case.  Returns 1 when the direct path answered (and
 * agreed), 0 when it declined, -1 on a disagreement (with diagnostics).
 */
static int
diff_case(const char *body, size_t len, const agw_response_opts_t *o,
    tally_t *t)
{
    int           rc, jrc, eq;
    json_t       *a, *b;
    agw_buf_t     d = AGW_BUF_INIT, j = AGW_BUF_INIT;
    agw_usage_t   ud, uj, before;
    agw_error_t   err;

    /* not the init values: the jansson path overwrites every field */
    before.input = 101;
    before.output = 102;
    before.cache_read = 103;
    before.cache_write = 104;
    before.reasoning = 105;
    ud = before;
    uj = before;

    t->cases++;

    rc = agw_direct_anthropic_to_openai_response(body, len, o, &d, &ud);

    if (rc == AGW_DIRECT_DECLINED) {
        if (d.len != 0 || memcmp(&ud, &before, sizeof(ud)) != 0) {
            tap_diag("declined but touched out or usage");
            show("body", body, len);
            t->failed++;
            agw_buf_free(&d);
            return -1;
        }
        t->declined++;
        agw_buf_free(&d);
        return 0;
    }

    memset(&err, 0, sizeof(err));
    jrc = agw_translate_response_ops(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI,
                                     &agw_anthropic_ops, &agw_openai_ops,
                                     body, len, o, &j, &uj, &err);

    if (rc != 0 || jrc != 0) {
        tap_diag("direct returned %d, jansson path %d (%s)", rc, jrc,
                 err.message);
        show("body", body, len);
        show("direct", d.data, d.len);
        t->failed++;
        agw_buf_free(&d);
        agw_buf_free(&j);
        return -1;
    }

    a = json_loadb(d.data, d.len, 0, NULL);
    b = json_loadb(j.data, j.len, 0, NULL);
    eq = a != NULL && b != NULL && json_equal(a, b);
    json_decref(a);
    json_decref(b);

    if (!eq || memcmp(&ud, &uj, sizeof(ud)) != 0) {
        tap_diag("%s differ", eq ? "usages" : "outputs");
        show("body", body, len);
        show("direct", d.data, d.len);
        show("jansson", j.data, j.len);
        tap_diag("usage direct %lld %lld %lld %lld %lld, jansson %lld %lld "
                 "%lld %lld %lld", (long long) ud.input,
                 (long long) ud.output, (long long) ud.cache_read,
                 (long long) ud.cache_write, (long long) ud.reasoning,
                 (long long) uj.input, (long long) uj.output,
                 (long long) uj.cache_read, (long long) uj.cache_write,
                 (long long) uj.reasoning);
        t->failed++;
        agw_buf_free(&d);
        agw_buf_free(&j);
        return -1;
    }

    t->taken++;
    agw_buf_free(&d);
    agw_buf_free(&j);
    return 1;
}


static void
tally_add(const tally_t *t)
{
    total.cases += t->cases;
    total.taken += t->taken;
    total.declined += t->declined;
    total.failed += t->failed;
}


/* The client model names every case runs with. */
static const agw_response_opts_t  client_models[] = {
    { "client-model" },
    { "" },                     /* the upstream's model stays */
    { NULL },
    { "m\"odel \\ é \xf0\x9f\x98\x80" },
    { "bad \xc3(" },            /* not UTF-8: the jansson path fails */
};

#define N_MODELS  (sizeof(client_models) / sizeof(client_models[0]))


/* A body with every client model, and with no opts at all. */
static int
diff_all(const char *body, size_t len, tally_t *t)
{
    size_t  i;
    int     taken;

    taken = diff_case(body, len, NULL, t);

    for (i = 0; i < N_MODELS; i++) {
        if (diff_case(body, len, &client_models[i], t) < 0) {
            taken = -1;
        }
    }

    return taken;
}


/* Replaces the first "needle" (quoted placeholder) in s by with. */
static char *
replace(const char *s, const char *needle, const char *with)
{
    char        *r, *at;
    size_t       n, w, len;

    at = strstr(s, needle);
    if (at == NULL) {
        return NULL;
    }

    len = strlen(s);
    n = strlen(needle);
    w = strlen(with);

    r = malloc(len - n + w + 1);
    if (r == NULL) {
        return NULL;
    }

    memcpy(r, s, (size_t) (at - s));
    memcpy(r + (at - s), with, w);
    memcpy(r + (at - s) + w, at + n, len - (size_t) (at - s) - n + 1);

    return r;
}


/* Raw values put in place of each value of a fixture: types, numbers
 * jansson reads differently or refuses, escapes, unicode, the names the
 * translation looks for, nested containers, repeated keys. */
static const char  *snippets[] = {
    "null", "true", "false", "0", "-0", "7", "-1", "1.0", "1e2", "0.1",
    "-0.0", "2.5E-3", "1e400", "1e-400", "9223372036854775807",
    "9223372036854775808", "-9223372036854775809", "9007199254740993",
    "123456789012345678901234567890",
    "\"\"", "\"x\"", "\"t\\u0065xt\"",
    "\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\\u0001\\u001f\\u00e9\\ud83d\\ude00\"",
    "\"\xc3\xa9\xe2\x98\x83\xf0\x9f\x98\x80 \x7f\"",
    "\"text\"", "\"tool_use\"", "\"thinking\"", "\"redacted_thinking\"",
    "\"server_tool_use\"", "\"web_search_tool_result\"", "\"image\"",
    "\"end_turn\"", "\"max_tokens\"", "\"stop_sequence\"", "\"refusal\"",
    "\"pause_turn\"", "\"model_context_window_exceeded\"",
    "[]", "{}", "[1,[2,{\"a\":0.1,\"b\":[null,true,-0]}]]",
    "{\"a\":1,\"a\":2}", "{\"k\":\"v\",\"n\":{\"x\":1e2,\"y\":-0.0}}",
    "{ \"sp\" :\t[ 1 ,\n2 ] }", "{\"\\u0061\":1}",
    "{\"type\":\"text\",\"text\":\"more \\\"text\\\"\"}",
    "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":"
        "{\"q\":\"\\u00e9\\n\\\"\",\"n\":[1.5,-0,1e2,0.30000000000000004],"
        "\"e\":{}}}",
    "{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"g\"}",
    "{\"type\":\"thinking\",\"thinking\":\"hm\",\"signature\":\"s\"}",
    "{\"type\":\"thinking\"}",
    "{\"type\":\"redacted_thinking\",\"data\":\"abc\"}",
    "{\"type\":\"server_tool_use\",\"id\":\"s\",\"name\":\"web_search\","
        "\"input\":{\"query\":\"q\"}}",
    "{\"input_tokens\":5,\"output_tokens\":3,\"cache_read_input_tokens\":2,"
        "\"cache_creation_input_tokens\":1,\"output_tokens_details\":"
        "{\"thinking_tokens\":2}}",
};

#define N_SNIPPETS  (sizeof(snippets) / sizeof(snippets[0]))


/* Dumps root (compact, or indented for other white space), puts raw for
 * the value placeholder and key for the key one, runs every model. */
static void
run_mutation(json_t *root, const char *raw, const char *key, int indent,
    tally_t *t)
{
    char  *s, *r1, *r2;

    s = json_dumps(root, indent ? JSON_INDENT(indent) : JSON_COMPACT);
    if (s == NULL) {
        t->failed++;
        return;
    }

    r1 = raw ? replace(s, "\"" PH_VALUE "\"", raw) : NULL;
    r2 = key ? replace(r1 ? r1 : s, "\"" PH_KEY "\"", key) : NULL;

    if ((raw && r1 == NULL) || (key && r2 == NULL)) {
        tap_diag("placeholder lost in %s", s);
        t->failed++;
    } else {
        const char  *b = r2 ? r2 : (r1 ? r1 : s);

        /* one client model each, in turn: all of them would only
         * multiply the time */
        (void) diff_case(b, strlen(b), &client_models[t->cases % N_MODELS],
                         t);
    }

    free(s);
    free(r1);
    free(r2);
}


/* A path to a node: keys (objects) or indexes (arrays), from the root. */
typedef struct {
    const char  *key[32];
    size_t       index[32];
    size_t       depth;
} path_t;


static json_t *
path_get(json_t *root, const path_t *p)
{
    size_t   i;
    json_t  *n;

    n = root;
    for (i = 0; i < p->depth && n != NULL; i++) {
        n = p->key[i] ? json_object_get(n, p->key[i])
                      : json_array_get(n, p->index[i]);
    }

    return n;
}


/* Every mutation of the node at p (p->depth > 0: it has a parent). */
static void
mutate_node(json_t *root, const path_t *p, tally_t *t)
{
    size_t       i, last;
    json_t      *copy, *parent, *v;
    path_t       pp;
    const char  *k;
    char         esc[256];

    pp = *p;
    pp.depth--;
    last = p->depth - 1;
    k = p->key[last];

    /* each value replaced by each snippet (more white space every
     * third time) */
    for (i = 0; i < N_SNIPPETS; i++) {
        copy = json_deep_copy(root);
        parent = path_get(copy, &pp);
        if (k) {
            json_object_set_new(parent, k, json_string(PH_VALUE));
        } else {
            json_array_set_new(parent, p->index[last], json_string(PH_VALUE));
        }
        run_mutation(copy, snippets[i], NULL, i % 3 == 0 ? 2 : 0, t);
        json_decref(copy);
    }

    /* removed */
    copy = json_deep_copy(root);
    parent = path_get(copy, &pp);
    if (k) {
        json_object_del(parent, k);
    } else {
        json_array_remove(parent, p->index[last]);
    }
    run_mutation(copy, NULL, NULL, 0, t);
    json_decref(copy);

    if (k == NULL || strlen(k) + 8 > sizeof(esc)) {
        return;
    }

    /* the key repeated after it, with another value (the last wins) */
    for (i = 0; i < N_SNIPPETS; i += 4) {
        copy = json_deep_copy(root);
        parent = path_get(copy, &pp);
        json_object_set_new(parent, PH_KEY, json_string(PH_VALUE));
        snprintf(esc, sizeof(esc), "\"%s\"", k);
        run_mutation(copy, snippets[i], esc, 0, t);
        json_decref(copy);
    }

    /* the key escaped: the same name to jansson */
    copy = json_deep_copy(root);
    parent = path_get(copy, &pp);
    v = json_incref(json_object_get(parent, k));
    json_object_del(parent, k);
    json_object_set_new(parent, PH_KEY, v);
    snprintf(esc, sizeof(esc), "\"\\u%04x%s\"", (unsigned char) k[0], k + 1);
    run_mutation(copy, NULL, esc, 0, t);
    json_decref(copy);
}


static void
mutate_tree(json_t *root, json_t *node, path_t *p, tally_t *t)
{
    size_t       i;
    const char  *k;
    json_t      *v;

    if (p->depth > 0) {
        mutate_node(root, p, t);
    }

    if (p->depth == 32) {
        return;
    }

    if (json_is_object(node)) {
        json_object_foreach(node, k, v) {
            p->key[p->depth] = k;
            p->depth++;
            mutate_tree(root, v, p, t);
            p->depth--;
        }

    } else if (json_is_array(node)) {
        json_array_foreach(node, i, v) {
            p->key[p->depth] = NULL;
            p->index[p->depth] = i;
            p->depth++;
            mutate_tree(root, v, p, t);
            p->depth--;
        }

        /* one more element of each kind in the array */
        for (i = 0; i < N_SNIPPETS; i++) {
            json_t  *copy = json_deep_copy(root);
            json_array_append_new(path_get(copy, p), json_string(PH_VALUE));
            run_mutation(copy, snippets[i], NULL, 0, t);
            json_decref(copy);
        }
    }
}


/*
 * A body as it is (which must be taken when must_take), then every
 * mutation of it.
 */
static void
body_and_mutations(const char *name, const char *body, size_t len,
    int must_take)
{
    int      taken;
    json_t  *root;
    path_t   p;
    tally_t  t;

    memset(&t, 0, sizeof(t));

    taken = diff_case(body, len, &client_models[0], &t);
    if (must_take) {
        ok(taken == 1, "%s: taken by the direct path", name);
    }

    (void) diff_all(body, len, &t);

    root = json_loadb(body, len, 0, NULL);
    if (root != NULL) {
        p.depth = 0;
        mutate_tree(root, root, &p, &t);
        json_decref(root);
    }

    ok(t.failed == 0, "%s: %u cases, %u taken, %u declined, all equal",
       name, t.cases, t.taken, t.declined);

    tally_add(&t);
}


static void
fixture_cases(const char *file, int must_take)
{
    char    *body;
    size_t   len;

    body = fixture_read(file, &len);
    if (!ok(body != NULL, "%s read", file)) {
        return;
    }

    body_and_mutations(file, body, len, must_take);
    free(body);
}


/* Bodies no fixture shows, each with its expected verdict. */
static const struct {
    const char  *name;
    int          taken;
    const char  *body;
} hand[] = {

    { "the bench mock's answer (scripts/bench)", 1,
      "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
      "\"model\":\"claude-x\",\"content\":[{\"type\":\"text\",\"text\":"
      "\"Hello there, how can I help you today?\"}],\"stop_reason\":"
      "\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":11,"
      "\"output_tokens\":9}}" },

    { "text, then two tool calls (parallel tools)", 1,
      "{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\","
      "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\","
      "\"text\":\"Checking both.\"},{\"type\":\"tool_use\",\"id\":\"toolu_a\","
      "\"name\":\"get_weather\",\"input\":{\"location\":\"Paris\",\"days\":3,"
      "\"precise\":true,\"coords\":[48.8566,2.3522],\"note\":null}},"
      "{\"type\":\"tool_use\",\"id\":\"toolu_b\",\"name\":\"get_time\","
      "\"input\":{}}],\"stop_reason\":\"tool_use\",\"stop_sequence\":null,"
      "\"usage\":{\"input_tokens\":400,\"output_tokens\":80}}" },

    { "tool input with escapes, unicode, reals and -0", 1,
      "{\"id\":\"m\",\"model\":\"c\",\"content\":[{\"type\":\"tool_use\","
      "\"id\":\"t\",\"name\":\"write_file\",\"input\":{\"path\":\"a\\/b.c\","
      "\"body\":\"int main() {\\n\\treturn \\\"\\u00e9\\\\\\\";\\u0007\\n}\","
      "\"emoji\":\"\\ud83d\\ude00\\u2603\",\"x\":0.1,\"y\":1e2,\"z\":-0,"
      "\"w\":-0.0,\"v\":1e-400,\"u\":123456789.125}}],"
      "\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":1,"
      "\"output_tokens\":2}}" },

    { "tool input not an object: a string, a number, null", 1,
      "{\"content\":[{\"type\":\"tool_use\",\"id\":\"a\",\"name\":\"f\","
      "\"input\":\"s\\\"q\"},{\"type\":\"tool_use\",\"id\":\"b\",\"name\":"
      "\"g\",\"input\":42},{\"type\":\"tool_use\",\"id\":\"c\",\"name\":\"h\","
      "\"input\":null},{\"type\":\"tool_use\",\"id\":\"d\",\"name\":\"i\","
      "\"input\":[1,\"2\",[]]}]}" },

    { "cache reads and writes, thinking tokens", 1,
      "{\"id\":\"m\",\"model\":\"c\",\"content\":[{\"type\":\"text\","
      "\"text\":\"ok\"}],\"stop_reason\":\"max_tokens\",\"usage\":"
      "{\"cache_creation_input_tokens\":188086,\"cache_read_input_tokens\":0,"
      "\"input_tokens\":21,\"output_tokens\":393,\"output_tokens_details\":"
      "{\"thinking_tokens\":120}}}" },

    { "cache read (usage-cache.documented.jsonl, second line)", 1,
      "{\"content\":[],\"usage\":{\"cache_creation_input_tokens\":0,"
      "\"cache_read_input_tokens\":188086,\"input_tokens\":21,"
      "\"output_tokens\":393}}" },

    { "server tool blocks and citations are dropped", 1,
      "{\"id\":\"m\",\"model\":\"c\",\"content\":[{\"type\":\"server_tool_use\","
      "\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{\"query\":"
      "\"nginx\"}},{\"type\":\"web_search_tool_result\",\"tool_use_id\":"
      "\"srvtoolu_1\",\"content\":[{\"type\":\"web_search_result\",\"url\":"
      "\"https://nginx.org\",\"title\":\"nginx\",\"page_age\":null}]},"
      "{\"type\":\"text\",\"text\":\"nginx is \",\"citations\":[{\"type\":"
      "\"web_search_result_location\",\"url\":\"https://nginx.org\","
      "\"cited_text\":\"x\",\"start\":1.5}]},{\"type\":\"text\",\"text\":"
      "\"a web server.\"}],\"stop_reason\":\"end_turn\",\"usage\":"
      "{\"input_tokens\":9,\"output_tokens\":9,\"server_tool_use\":"
      "{\"web_search_requests\":1}}}" },

    { "thinking without text or signature; redacted without data", 1,
      "{\"content\":[{\"type\":\"thinking\",\"signature\":\"sig\"},"
      "{\"type\":\"thinking\",\"thinking\":\"\"},{\"type\":"
      "\"redacted_thinking\"},{\"type\":\"thinking\",\"thinking\":\"b\","
      "\"signature\":7}]}" },

    { "white space everywhere", 1,
      " \r\n\t{ \"content\" : [ { \"type\" : \"text\" , \"text\" : \"hi\" } ]"
      " , \"usage\" : { \"input_tokens\" : 1 , \"output_tokens\" : 2 } } \n" },

    { "repeated top-level keys: the last wins", 1,
      "{\"content\":5,\"model\":\"a\",\"content\":[{\"type\":\"text\","
      "\"text\":\"x\"}],\"model\":\"b\",\"usage\":{\"input_tokens\":1},"
      "\"usage\":{\"output_tokens\":2},\"stop_reason\":\"tool_use\","
      "\"stop_reason\":null}" },

    { "usage counts that are reals, negative or strings", 1,
      "{\"content\":[],\"usage\":{\"input_tokens\":1.0,\"output_tokens\":-3,"
      "\"cache_read_input_tokens\":\"4\",\"cache_creation_input_tokens\":0,"
      "\"output_tokens_details\":{\"thinking_tokens\":1e1}}}" },

    { "an image block: the jansson path refuses it", 0,
      "{\"content\":[{\"type\":\"image\",\"source\":{}}]}" },

    { "a text block without text", 0,
      "{\"content\":[{\"type\":\"text\"}]}" },

    { "a tool_use without a name", 0,
      "{\"content\":[{\"type\":\"tool_use\",\"id\":\"x\",\"input\":{}}]}" },

    { "no content", 0, "{\"id\":\"m\",\"usage\":{}}" },

    { "content is a string", 0, "{\"content\":\"hi\"}" },

    { "a number jansson cannot hold, in a member nobody reads", 0,
      "{\"content\":[],\"x\":[1e999]}" },

    { "an integer beyond int64, deep in a tool input", 0,
      "{\"content\":[{\"type\":\"tool_use\",\"id\":\"x\",\"name\":\"f\","
      "\"input\":{\"a\":[99999999999999999999]}}]}" },

    { "a real that 15 digits do not hold (agw_dj_check_value)", 0,
      "{\"content\":[{\"type\":\"tool_use\",\"id\":\"x\",\"name\":\"f\","
      "\"input\":{\"a\":123456789.123456789}}]}" },

    { "a repeated key in a tool input", 0,
      "{\"content\":[{\"type\":\"tool_use\",\"id\":\"x\",\"name\":\"f\","
      "\"input\":{\"a\":1,\"a\":2}}]}" },

    { "counts whose sum overflows int64", 0,
      "{\"content\":[],\"usage\":{\"input_tokens\":9223372036854775807,"
      "\"cache_read_input_tokens\":1}}" },

    { "not JSON", 0, "{\"content\":[]" },

    { "an array, not an object", 0, "[{\"content\":[]}]" },
};


/* A tool_use whose input holds a given raw value, taken or not. */
static void
tool_input_cases(void)
{
    size_t   i;
    char     body[1024];
    tally_t  t;

    memset(&t, 0, sizeof(t));

    for (i = 0; i < N_SNIPPETS; i++) {
        snprintf(body, sizeof(body),
                 "{\"content\":[{\"type\":\"tool_use\",\"id\":\"x\","
                 "\"name\":\"f\",\"input\":{\"v\":%s,\"w\":[%s]}}]}",
                 snippets[i], snippets[i]);
        (void) diff_all(body, strlen(body), &t);
    }

    ok(t.failed == 0 && t.taken > 0,
       "tool inputs of every kind: %u cases, %u taken, %u declined, "
       "all equal", t.cases, t.taken, t.declined);

    tally_add(&t);
}


int
main(void)
{
    size_t   i;
    int      taken;
    tally_t  t;

    fixture_cases("anthropic-messages/response-text.json", 1);
    fixture_cases("anthropic-messages/response-tool-use.json", 1);
    fixture_cases("anthropic-messages/response-after-tool-result.json", 1);
    fixture_cases("anthropic-messages/response-thinking.json", 1);
    fixture_cases("anthropic-messages/response-redacted-thinking.documented.json",
                  1);

    /* error bodies are not answers: declined, the jansson path says 502 */
    fixture_cases("anthropic-messages/error-400-invalid-request.json", 0);
    fixture_cases("anthropic-messages/error-529-overloaded.json", 0);

    for (i = 0; i < sizeof(hand) / sizeof(hand[0]); i++) {
        memset(&t, 0, sizeof(t));
        taken = diff_case(hand[i].body, strlen(hand[i].body),
                          &client_models[0], &t);
        ok(taken == hand[i].taken, "%s: %s", hand[i].name,
           hand[i].taken ? "taken, equal" : "declined");
        tally_add(&t);

        body_and_mutations(hand[i].name, hand[i].body, strlen(hand[i].body),
                           0);
    }

    tool_input_cases();

    tap_diag("all: %u cases, the direct path took %u and declined %u",
             total.cases, total.taken, total.declined);
    ok(total.failed == 0, "no disagreement with the jansson path");

    return done_testing();
}
