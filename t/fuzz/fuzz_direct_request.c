/*
 * libFuzzer target: the tree-free OpenAI -> Anthropic request path
 * against the jansson path.  Byte 0 picks the caller's options; the rest
 * is the body.  The properties: a decline leaves the buffer as it was;
 * a body the direct path takes is one the jansson path takes too, and
 * the two outputs are equal as JSON (after the jansson path's own print,
 * reals to 15 digits).  Anything else aborts with both outputs.
 */

#include <jansson.h>

#include "agw_direct.h"
#include "agw_translate_int.h"
#include "fuzz_util.h"


#define PREFIX  "kept:"


static const agw_request_opts_t  fuzz_opts[] = {
    { "fuzz-model", 0, 0 },
    { "fuzz-model", 1, 1024 },
    { NULL, 0, 0 },
    { NULL, 1, 7 },
    { "q\"uoted\\ \n", 0, 0 },
    { "mod\xc3\xa8le", 1, 0 },
};

#define NOPTS  (sizeof(fuzz_opts) / sizeof(fuzz_opts[0]))


static void
fuzz_die(const char *what, const char *body, size_t len, const agw_buf_t *d,
    const agw_buf_t *j)
{
    fprintf(stderr, "%s\n--- input:\n%.*s\n--- direct:\n%.*s\n--- jansson:"
            "\n%.*s\n", what, (int) len, body, (int) d->len,
            d->data ? d->data : "", (int) j->len, j->data ? j->data : "");
    abort();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                        rc;
    json_t                    *in, *res, *a, *b;
    agw_buf_t                  d = AGW_BUF_INIT, j = AGW_BUF_INIT;
    agw_error_t                err;
    const char                *body;
    const agw_request_opts_t  *o;

    if (size < 1) {
        return 0;
    }

    /* one more than the sets: no options at all */
    o = (data[0] % (NOPTS + 1) == NOPTS) ? NULL
                                         : &fuzz_opts[data[0] % (NOPTS + 1)];
    body = (const char *) data + 1;
    size--;

    if (agw_buf_append_str(&d, PREFIX) != 0) {
        abort();
    }

    rc = agw_direct_openai_to_anthropic_request(body, size, o, &d);

    if (rc == AGW_DIRECT_DECLINED) {
        if (d.len != sizeof(PREFIX) - 1 || memcmp(d.data, PREFIX, d.len) != 0
            || d.data[d.len] != '\0')
        {
            fuzz_die("declined but changed the buffer", body, size, &d, &j);
        }
        agw_buf_free(&d);
        return 0;
    }

    if (rc != 0) {
        fuzz_die("failed without being out of memory", body, size, &d, &j);
    }

    memset(&err, 0, sizeof(err));
    res = NULL;

    in = json_loadb(body, size, 0, NULL);
    if (in == NULL
        || agw_translate_request_ops(AGW_DIALECT_OPENAI, AGW_DIALECT_ANTHROPIC,
                                     &agw_openai_ops, &agw_anthropic_ops, in,
                                     o, &res, &err) != 0
        || agw_json_append(&j, res) != 0)
    {
        fuzz_die("taken, but the jansson path refuses it", body, size, &d,
                 &j);
    }

    a = json_loadb(d.data + sizeof(PREFIX) - 1, d.len - (sizeof(PREFIX) - 1),
                   0, NULL);
    b = json_loadb(j.data, j.len, 0, NULL);

    if (a == NULL || b == NULL || !json_equal(a, b)) {
        fuzz_die("not the same JSON", body, size, &d, &j);
    }

    json_decref(a);
    json_decref(b);
    json_decref(in);
    json_decref(res);
    agw_buf_free(&d);
    agw_buf_free(&j);

    return 0;
}
