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


static void
part(agw_part_t *p, agw_part_type_t type, const char *text, agw_part_t *next)
{
    memset(p, 0, sizeof(agw_part_t));
    p->type = type;
    p->text = str(text);
    p->next = next;
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

    /* a thought, a reasoning summary of two texts, a text */
    part(&th, AGW_PART_THINKING, "why", &rs);
    th.signature = str("c2ln");
    part(&rs, AGW_PART_REASONING, "", &tx);
    rs.content = &s1;
    part(&s1, AGW_PART_TEXT, "one", &s2);
    part(&s2, AGW_PART_TEXT, "two", NULL);
    part(&tx, AGW_PART_TEXT, "hi", NULL);
    tx.signature = str("dHg=");

    memset(&res, 0, sizeof(res));
    agw_usage_init(&res.usage);
    res.created = -1;
    res.finish = AGW_FINISH_STOP;
    res.parts = &th;

    memset(&o, 0, sizeof(o));
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
