/*
 * libFuzzer target: the engine's OpenAI Chat answers and errors.  The
 * body is read as an answer (taken only if jansson takes it), written
 * back as valid JSON, and rewritten for the same dialect (valid JSON);
 * it is read as an error body, and the error written back is valid JSON
 * whose message is the one read.
 */

#include <jansson.h>

#include "agw_codec.h"
#include "agw_arena.h"
#include "fuzz_util.h"

/* the finish reason and model the engine reports: their readers fuzzed
 * too (agw_answer_meta_t) */
static agw_answer_meta_t  fuzz_meta;



static void
fuzz_die(const char *what, const uint8_t *body, size_t len,
    const agw_buf_t *o)
{
    fprintf(stderr, "%s\n--- input:\n%.*s\n--- output:\n%.*s\n", what,
            (int) len, (const char *) body, (int) o->len,
            o->data ? o->data : "");
    abort();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t             *j;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_arena_t         a;
    agw_usage_t         u;
    agw_error_t         err;
    agw_response_t      res;
    agw_answer_ctx_t    o;
    const char         *body = (const char *) data;
    const agw_codec_t  *c = &agw_openai_codec;

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("fuzz-model");
    o.meta = &fuzz_meta;
    memset(&fuzz_meta, 0, sizeof(fuzz_meta));
    agw_arena_init(&a, NULL, 0, 0);
    memset(&err, 0, sizeof(err));

    j = json_loadb(body, size, 0, NULL);

    if (c->read_response(body, size, &a, &res, &err) == 0) {
        if (!json_is_object(j)) {
            fuzz_die("read an answer jansson refuses", data, size, &out);
        }

        if (c->write_response(&res, &o, &out, &err) != 0) {
            fuzz_die("writer failed", data, size, &out);
        }

        json_decref(j);
        j = json_loadb(out.data, out.len, 0, NULL);
        if (j == NULL) {
            fuzz_die("wrote invalid JSON", data, size, &out);
        }
    }

    json_decref(j);
    agw_buf_reset(&out);
    agw_usage_init(&u);

    if (c->rewrite_response(body, size, &o, &out, &u, &err) == 0) {
        j = json_loadb(out.data, out.len, 0, NULL);
        if (j == NULL) {
            fuzz_die("rewrite wrote invalid JSON", data, size, &out);
        }
        json_decref(j);
    }

    memset(&err, 0, sizeof(err));
    c->read_error(body, size, &err);

    if (memchr(err.message, '\0', sizeof(err.message)) == NULL
        || memchr(err.code, '\0', sizeof(err.code)) == NULL)
    {
        abort();
    }

    agw_buf_reset(&out);
    if (c->write_error(&err, &out) != 0) {
        abort();
    }

    j = json_loadb(out.data, out.len, 0, NULL);
    if (j == NULL
        || strcmp(json_string_value(json_object_get(json_object_get(j,
                      "error"), "message")), err.message) != 0)
    {
        fuzz_die("error written wrong", data, size, &out);
    }
    json_decref(j);

    agw_buf_free(&out);
    agw_arena_free(&a);

    return 0;
}
