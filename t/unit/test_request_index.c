/*
 * agw_request_index: the module's one walk of a client's body, and the
 * same-dialect rewrites that edit the body at the places it found instead
 * of walking it again.  On every fixture document and on bodies of odd
 * shapes (blanks everywhere, members first and last, absent, repeated,
 * escaped, nested), for the OpenAI, Anthropic, Responses and Gemini
 * rewrites with and without a model and a stream: the index agrees with
 * the reader's verdict, and a rewrite given the index writes the same
 * bytes (Gemini: the same JSON), or fails the same way, as the rewrite
 * that walks.
 */

#include <stdlib.h>

#include "tap.h"
#include "json_walk.h"
#include "agw_codec.h"
#include "agw_request_index.h"
#include "agw_json_scan.h"


static const char  *bodies[] = {
    "{}",
    " {}\n",
    "{ }",
    "{\"model\":\"gpt-4o\"}",
    "{\"model\":\"gpt-4o\",\"messages\":[]}",
    "{\"messages\":[],\"model\":\"gpt-4o\"}",
    " { \"model\" : \"gpt-4o\" , \"stream\" : true ,\n"
        "\t\"stream_options\" : { \"include_usage\" : false } } \r\n",
    "{\"stream\":true}",
    "{\"stream\":false,\"stream_options\":{\"include_usage\":true}}",
    "{\"stream_options\":{},\"stream\":true,\"model\":\"m\"}",
    "{\"stream_options\":null,\"stream\":true}",
    "{\"stream_options\":{\"x\":1},\"stream\":true}",
    "{\"stream_options\":{\"include_usage\":false,\"x\":[1,{}]},"
        "\"stream\":1}",
    "{\"model\":7,\"stream\":\"yes\"}",
    "{\"model\":null}",
    "{\"model\":{\"model\":\"inner\"},\"stream\":[true]}",
    "{\"input\":\"hi\",\"model\":\"gpt-5\",\"instructions\":\"x\"}",
    "{\"a\":{\"model\":\"nested\",\"stream\":true},\"b\":[\"model\"]}",
    "{\"model\":\"caf\\u00e9 \\\"q\\\"\",\"stream\":true}",
    /* repeated and escaped: the module refuses them; a rewrite walks */
    "{\"model\":\"a\",\"model\":\"b\"}",
    "{\"mod\\u0065l\":\"a\",\"stream\":true}",
    "{\"stream\":true,\"stream\":false,\"model\":\"m\"}",
    /* not JSON objects */
    "[]",
    "\"model\"",
    "7",
    "",
    "   ",
    "{",
    "{\"model\":\"a\"",
    "{\"model\":\"a\",}",
    "{\"model\":\"a\"} x",
    "{\"model\":\"\\x\"}",
    "{\"model\":\"a\xff\"}",
    "{\"stream\":tru}",
    NULL
};


static const agw_codec_t  *codecs[] = {
    &agw_openai_codec, &agw_anthropic_codec, &agw_responses_codec,
    &agw_gemini_codec
};


/*
 * Whether two rewrites wrote the same request: the same bytes; for
 * Gemini, whose walking rewrite writes the members again and whose
 * indexed one cuts the model out of the client's bytes, the same JSON.
 */
static int
same_output(const agw_codec_t *c, const agw_buf_t *a, const agw_buf_t *b)
{
    int      eq;
    json_t  *ja, *jb;

    if (a->len == b->len && (a->len == 0
                             || memcmp(a->data, b->data, a->len) == 0))
    {
        return 1;
    }

    if (c != &agw_gemini_codec) {
        return 0;
    }

    ja = json_loadb(a->data, a->len, 0, NULL);
    jb = json_loadb(b->data, b->len, 0, NULL);

    eq = ja != NULL && jb != NULL && json_equal(ja, jb);

    json_decref(ja);
    json_decref(jb);

    return eq;
}


static size_t  documents, compared;


/* The rewrite of body with ctx, walking and with ix: the same answer. */
static void
same_rewrite(const agw_codec_t *c, const char *body, size_t len,
    const agw_req_index_t *ix, agw_request_ctx_t *ctx, const char *what)
{
    int          rc1, rc2;
    agw_buf_t    a = AGW_BUF_INIT, b = AGW_BUF_INIT;
    agw_error_t  e1, e2;

    memset(&e1, 0, sizeof(e1));
    memset(&e2, 0, sizeof(e2));

    ctx->index = NULL;
    rc1 = c->rewrite_request(body, len, ctx, &a, &e1);

    ctx->index = ix;
    rc2 = c->rewrite_request(body, len, ctx, &b, &e2);

    compared++;

    if (rc1 != rc2 || (rc1 == 0 && !same_output(c, &a, &b))) {
        ok(0, "%s: %s rewrite with the index as without (model %s, "
           "stream %d)", what, agw_dialect_name(c->dialect),
           agw_str_set(&ctx->model) ? "set" : "unset", ctx->stream);
        tap_diag("walking: %d \"%.*s\"", rc1, (int) a.len,
                 a.data ? a.data : "");
        tap_diag("indexed: %d \"%.*s\"", rc2, (int) b.len,
                 b.data ? b.data : "");
    }

    agw_buf_free(&a);
    agw_buf_free(&b);
}


static void
check_body(const char *name, char *body, size_t len, void *ud)
{
    int               rc, object;
    size_t            errpos, i, m, s;
    agw_jr_t          r;
    agw_req_index_t   ix;
    agw_request_ctx_t ctx;
    static const char *models[] = { "up-model", "", NULL };

    (void) ud;
    documents++;

    agw_jr_init(&r, body, len);
    object = (agw_jr_peek(&r) == AGW_JR_OBJECT);

    errpos = (size_t) -1;
    rc = agw_request_index(body, len, &ix, &errpos);

    if (agw_json_valid(body, len, NULL) != 0) {
        if (!ok(rc == -1 && errpos <= len, "%s: not JSON, said so", name)) {
            tap_diag("rc %d errpos %zu", rc, errpos);
        }

    } else if (!object) {
        ok(rc == 1, "%s: JSON but not an object, said so", name);

    } else if (!ok(rc == 0 && ix.valid, "%s: an object, indexed", name)) {
        return;
    }

    if (rc == 0) {
        /* the close is the object's last brace */
        ok(body[ix.close] == '}' && body[ix.open] == '{',
           "%s: the object's braces found", name);

        if (ix.model.count == 1 && !ix.model.escaped) {
            ok(len > ix.model.end && ix.model.end > ix.model.value
               && ix.model.value > ix.model.start,
               "%s: the model's place", name);
        }
    }

    for (i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
        for (m = 0; m < 3; m++) {
            for (s = 0; s < 2; s++) {
                memset(&ctx, 0, sizeof(ctx));

                if (models[m] != NULL) {
                    ctx.model = agw_str_bytes(models[m], strlen(models[m]));
                }

                ctx.stream = (int) s;
                ctx.client = codecs[i]->dialect;

                /* an index is given only for a body walked whole */
                same_rewrite(codecs[i], body, len, rc == 0 ? &ix : NULL,
                             &ctx, name);
            }
        }
    }
}


/* The Gemini rewrite of body, given its index: want. */
static void
gemini_cut(const char *body, const char *want, const char *name)
{
    int                rc;
    size_t             errpos;
    agw_buf_t          out = AGW_BUF_INIT;
    agw_error_t        err;
    agw_req_index_t    ix;
    agw_request_ctx_t  ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.index = &ix;

    rc = agw_request_index(body, strlen(body), &ix, &errpos);
    if (rc == 0) {
        rc = agw_gemini_codec.rewrite_request(body, strlen(body), &ctx, &out,
                                              &err);
    }

    ok(rc == 0 && out.len == strlen(want)
       && memcmp(out.data, want, out.len) == 0, "%s", name);

    agw_buf_free(&out);
}


/*
 * The walk reads the byte it expects and looks for white space only where
 * that byte is not: blanks, a stray control byte or a token inserted at
 * every place of a document, compact and spaced.  The walk, the skip
 * (agw_json_valid) and the old validator (agw_json_scan, which still
 * skips white space before each token) give the same verdict and offset.
 */
static void
blank_tests(void)
{
    int               v1, v2, v3;
    size_t            i, n, l, e1, e2, e3, bad, cases;
    char              b[256];
    const char      **d, **s;
    agw_req_index_t   ix;

    static const char  *docs[] = {
        "{\"model\":\"m\",\"a\":[1,-2.5e3,true,null,{\"k\":\"v\\n\"},[]],"
            "\"s\":{\"t\":false,\"e\":{}}}",
        " { \"a\" : [ 1 , { } , [ ] , \"x\" ] , \"b\" : { \"c\" : null } } ",
        NULL
    };
    static const char  *ins[] = {
        " ", "\t\r\n ", "\x0b", "\x01", ",", "x", ":", "\"", "]", "}", "{",
        NULL
    };

    bad = cases = 0;

    for (d = docs; *d; d++) {
        n = strlen(*d);

        for (i = 0; i <= n; i++) {
            for (s = ins; *s; s++) {
                l = strlen(*s);
                memcpy(b, *d, i);
                memcpy(b + i, *s, l);
                memcpy(b + i + l, *d + i, n - i);

                if (b[strspn(b, " \t\r\n")] != '{') {
                    continue;           /* the old validator wants an object */
                }

                e1 = e2 = e3 = 0;
                v1 = agw_json_valid(b, n + l, &e1);
                v2 = agw_request_index(b, n + l, &ix, &e2);
                v3 = agw_json_scan(b, n + l, NULL, NULL, &e3);
                cases++;

                if (v1 != v3 || v2 != v3
                    || (v3 != 0 && (e1 != e3 || e2 != e3)))
                {
                    bad++;
                    tap_diag("\"%s\" at %zu: skip %d@%zu, walk %d@%zu, "
                             "scan %d@%zu", *s, i, v1, e1, v2, e2, v3, e3);
                }
            }
        }
    }

    ok(cases > 1000 && bad == 0, "blanks, controls and tokens at every place "
       "(%zu bodies): the same verdict and offset as the old validator",
       cases);
}


int
main(void)
{
    int              i;
    size_t           errpos, before;
    char             name[32];
    agw_req_index_t  ix;
    const char      *b;

    before = tap_failed;

    for (i = 0; bodies[i] != NULL; i++) {
        snprintf(name, sizeof(name), "body %d", i);
        check_body(name, (char *) bodies[i], strlen(bodies[i]), NULL);
    }

    (void) walk_fixtures("t/fixtures", check_body, NULL);

    ok(documents > 200, "%zu documents, %zu rewrites compared", documents,
       compared);
    ok(tap_failed == (int) before, "every rewrite with the index wrote what "
       "the walking one wrote");

    /* a Gemini body's model is cut with its comma, blanks kept */
    gemini_cut("{ \"model\" : \"m\" ,\n \"contents\": [] }",
               "{\n \"contents\": [] }",
               "gemini: a first model cut with the comma after it");
    gemini_cut("{\"contents\": [] , \"model\":\"m\"}",
               "{\"contents\": []}",
               "gemini: a last model cut with the comma before it");

    /* what the module reads of the index */

    b = " { \"stream\" : true , \"model\" : \"m\" } ";
    ok(agw_request_index(b, strlen(b), &ix, &errpos) == 0, "indexed");
    ok(ix.twice == NULL, "no member twice");
    is_int(ix.members, 2, "two members");
    is_int(ix.stream.type, AGW_JR_TRUE, "stream true");
    ok(ix.stream.first && !ix.model.first, "the first member");
    is_int(ix.model.type, AGW_JR_STRING, "model a string");
    ok(strncmp(b + ix.model.value, "\"m\"", 3) == 0
       && ix.model.end == ix.model.value + 3, "the model's value");
    ok(agw_request_index_usable(&ix), "usable");

    b = "{\"model\":\"a\",\"stream\":true,\"stream\":true,\"model\":\"b\"}";
    ok(agw_request_index(b, strlen(b), &ix, &errpos) == 0, "indexed");
    is_str(ix.twice, "stream", "the first repeated member named");
    ok(!ix.twice_escaped, "repeated, not escaped");
    ok(!agw_request_index_usable(&ix), "a repeated member: not usable");
    ok(strncmp(b + ix.model.value, "\"b\"", 3) == 0, "the last model kept");

    b = "{\"stre\\u0061m\":false,\"model\":\"a\",\"model\":\"b\"}";
    ok(agw_request_index(b, strlen(b), &ix, &errpos) == 0, "indexed");
    is_str(ix.twice, "stream", "the escaped member named first");
    ok(ix.twice_escaped, "escaped");
    is_int(ix.stream.type, AGW_JR_FALSE, "an escaped key still found");

    b = "{\"model\":\"a\",\"x\":[1,2,}";
    ok(agw_request_index(b, strlen(b), &ix, &errpos) == -1
       && errpos == 22, "not JSON: the offending byte");
    ok(!agw_request_index_usable(&ix), "a failed walk: not usable");

    b = "  [1]";
    ok(agw_request_index(b, strlen(b), &ix, &errpos) == 1 && ix.open == 2,
       "an array: not an object, where it starts");

    blank_tests();

    return done_testing();
}
