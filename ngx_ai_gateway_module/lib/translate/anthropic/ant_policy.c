/*
 * A key's policy on an Anthropic client's bytes, before the rewrite
 * (docs/key-policy.md):
 *
 *   system prompt  a text block first in "system": an array gets it before
 *                  the client's blocks, whose cache_control marks stay as
 *                  they are (none is added: at most four are allowed, and
 *                  the key's prompt, the same in every request, is in the
 *                  prefix each of them caches anyway); a string becomes two
 *                  blocks, the key's and the client's; none, a string
 *   output cap     max_tokens clamped or refused; absent, set (the module
 *                  gives count_tokens, which refuses max_tokens, no cap);
 *                  a thinking budget_tokens the clamped max_tokens no
 *                  longer exceeds shrinks to fit, or thinking goes off
 *                  when no budget (1024 at least) fits
 */

#include <string.h>

#include "ant_int.h"
#include "agw_policy.h"


static int
agw_ant_policy_system(const char *body, const agw_policy_member_t *m,
    const agw_policy_object_t *obj, int *sep, const agw_request_ctx_t *o,
    agw_policy_edits_t *ed, agw_error_t *err)
{
    int                  some;
    size_t               first, first_end, at;
    const agw_str_t     *prompt;

    prompt = &o->policy.system_prompt;

    switch (m->type) {

    case 0:
        agw_policy_add(ed, obj->close, sep, "\"system\":\"");
        agw_policy_inside(ed, obj->close, prompt);
        agw_policy_lit(ed, obj->close, "\"");
        return 0;

    case AGW_JR_NULL:
        agw_policy_text(ed, m->value, m->end, "\"", 1);
        agw_policy_inside(ed, m->end, prompt);
        agw_policy_lit(ed, m->end, "\"");
        return 0;

    case AGW_JR_STRING:
        if (m->end - m->value == 2) {
            /* "": Anthropic refuses an empty text block */
            agw_policy_text(ed, m->value, m->end, "\"", 1);
            agw_policy_inside(ed, m->end, prompt);
            agw_policy_lit(ed, m->end, "\"");
            return 0;
        }

        agw_policy_lit(ed, m->value, "[{\"type\":\"text\",\"text\":\"");
        agw_policy_inside(ed, m->value, prompt);
        agw_policy_lit(ed, m->value, "\"},{\"type\":\"text\",\"text\":");
        agw_policy_lit(ed, m->end, "}]");
        return 0;

    case AGW_JR_ARRAY:
        if (agw_policy_first(body, m->value, m->end, &some, &first,
                             &first_end)
            != 0)
        {
            break;
        }

        at = m->value + 1;
        agw_policy_lit(ed, at, "{\"type\":\"text\",\"text\":\"");
        agw_policy_inside(ed, at, prompt);
        agw_policy_text(ed, at, at, some ? "\"}," : "\"}", some ? 3 : 2);
        return 0;

    default:
        break;
    }

    agw_ant_bad(err, "system: must be a string or an array of text blocks");
    return -1;
}


/* thinking's budget_tokens under max_tokens, as Anthropic requires. */
static void
agw_ant_policy_thinking(const char *body, const agw_policy_member_t *m,
    int64_t max_tokens, agw_policy_edits_t *ed)
{
    int64_t              budget;
    agw_jr_t             r;
    agw_policy_object_t  obj;
    agw_policy_member_t  b = { "budget_tokens", 0, 0, 0 };

    if (m->type != AGW_JR_OBJECT
        || agw_policy_object(body, m->value, m->end, &b, 1, &obj) != 0
        || b.type != AGW_JR_NUMBER)
    {
        return;
    }

    agw_jr_init(&r, body + b.value, b.end - b.value);

    if (agw_jr_int(&r, &budget) != 0 || budget < max_tokens) {
        return;
    }

    if (max_tokens - 1 >= AGW_ANT_BUDGET_MINIMAL) {
        agw_policy_num(ed, b.value, b.end, max_tokens - 1);
    } else {
        agw_policy_text(ed, m->value, m->end, "{\"type\":\"disabled\"}", 19);
    }
}


int
agw_ant_policy_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err)
{
    int                  sep;
    int64_t              cap;
    agw_policy_edits_t   ed;
    agw_policy_object_t  obj;
    agw_policy_member_t  m[] = {
        { "system", 0, 0, 0 },
        { "max_tokens", 0, 0, 0 },
        { "thinking", 0, 0, 0 }
    };

    if (agw_policy_object(body, 0, len, m, 3, &obj) != 0) {
        return agw_policy_pass(body, len, out, err);
    }

    if (obj.twice != NULL) {
        return agw_policy_twice(obj.twice, err);
    }

    ed.n = 0;
    sep = obj.count > 0;

    if (agw_str_set(&o->policy.system_prompt)
        && o->policy.system_prompt.len > 0
        && agw_ant_policy_system(body, &m[0], &obj, &sep, o, &ed, err) != 0)
    {
        return -1;
    }

    if (agw_policy_capped(body, &m[1], "max_tokens", o, &ed, &cap, err)
        != 0)
    {
        return -1;
    }

    if (cap < 0 && o->policy.max_output > 0) {
        agw_policy_add(&ed, obj.close, &sep, "\"max_tokens\":");
        agw_policy_num(&ed, obj.close, obj.close, o->policy.max_output);
        cap = o->policy.max_output;
    }

    if (o->policy.max_output > 0) {
        agw_ant_policy_thinking(body, &m[2], cap, &ed);
    }

    agw_policy_report(o, cap, 1);

    if (agw_policy_splice(body, len, &ed, out) != 0) {
        memset(err, 0, sizeof(*err));
        return -1;
    }

    return 0;
}
