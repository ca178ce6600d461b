/*
 * The Gemini writer's text parts in a whole answer: a thought with its
 * signature, a Responses provider's reasoning summary as thoughts, and
 * no signature where it came from Anthropic (it means nothing to a
 * Gemini client).
 */

#define _GNU_SOURCE                 /* memmem */

#include <string.h>

#include "agw_codec.h"
#include "tap.h"


static agw_str_t
str(const char *s)
{
    return agw_str_bytes(s, strlen(s));
}


static int
has(const agw_buf_t *out, const char *want)
{
    return out->len > 0
           && memmem(out->data, out->len, want, strlen(want)) != NULL;
}


static void
test_text_parts(void)
{
    int               rc;
    agw_buf_t         out = AGW_BUF_INIT;
    agw_part_t        th, rs, s1, s2, tx;
    agw_error_t       err;
    agw_response_t    res;
    agw_answer_ctx_t  o;

    memset(&res, 0, sizeof(res));
    memset(&th, 0, sizeof(th));
    memset(&rs, 0, sizeof(rs));
    memset(&s1, 0, sizeof(s1));
    memset(&s2, 0, sizeof(s2));
    memset(&tx, 0, sizeof(tx));
    memset(&o, 0, sizeof(o));

    agw_usage_init(&res.usage);
    res.created = -1;
    res.finish = AGW_FINISH_STOP;
    res.parts = &th;

    th.type = AGW_PART_THINKING;
    th.text = str("why");
    th.signature = str("c2ln");
    th.next = &rs;

    rs.type = AGW_PART_REASONING;
    rs.content = &s1;
    rs.next = &tx;
    s1.type = AGW_PART_TEXT;
    s1.text = str("one");
    s1.next = &s2;
    s2.type = AGW_PART_TEXT;
    s2.text = str("two");

    tx.type = AGW_PART_TEXT;
    tx.text = str("hi");
    tx.signature = str("dHg=");

    o.model = str("gemini-x");
    o.provider = AGW_DIALECT_OPENAI;

    rc = agw_gemini_codec.write_response(&res, &o, &out, &err);
    is_int(rc, 0, "an answer with thoughts: written");
    if (!ok(has(&out, "\"parts\":[{\"text\":\"why\",\"thought\":true,"
                "\"thoughtSignature\":\"c2ln\"},{\"text\":\"one\","
                "\"thought\":true},{\"text\":\"two\",\"thought\":true},"
                "{\"text\":\"hi\",\"thoughtSignature\":\"dHg=\"}]"),
            "a thought and a text keep their signatures; a reasoning "
            "summary is one thought a text"))
    {
        tap_diag("%.*s", (int) out.len, out.data);
    }

    out.len = 0;
    o.provider = AGW_DIALECT_ANTHROPIC;

    rc = agw_gemini_codec.write_response(&res, &o, &out, &err);
    is_int(rc, 0, "an Anthropic answer with thoughts: written");
    ok(has(&out, "{\"text\":\"why\",\"thought\":true},")
       && has(&out, "{\"text\":\"hi\"}]")
       && !has(&out, "thoughtSignature"),
       "an Anthropic signature is not given to a Gemini client");

    agw_buf_free(&out);
}


int
main(void)
{
    test_text_parts();

    return done_testing();
}
