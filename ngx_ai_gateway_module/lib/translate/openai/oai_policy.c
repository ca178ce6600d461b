/*
 * A key's policy on an OpenAI client's bytes, before the rewrite
 * (docs/key-policy.md):
 *
 *   system prompt  a message first in "messages", before the client's own;
 *                  "developer" when the client's first message is one (a
 *                  client that speaks developer to its model), else
 *                  "system", which every compatible server knows
 *   output cap     max_completion_tokens and max_tokens, whichever the
 *                  client sent, clamped or refused; neither: a chat
 *                  request gets max_completion_tokens (OpenAI's reasoning
 *                  models refuse max_tokens), a legacy completion (no
 *                  messages) max_tokens, its only name
 *   reported       the cap times n
 */

#include <string.h>

#include "oai_int.h"
#include "agw_policy.h"


/* Whether the element at body[from, to) is a message of role developer. */
static int
agw_oai_policy_developer(const char *body, size_t from, size_t to)
{
    agw_policy_object_t  obj;
    agw_policy_member_t  role = { "role", 0, 0, 0 };

    return agw_policy_object(body, from, to, &role, 1, &obj) == 0
           && role.type == AGW_JR_STRING
           && role.end - role.value == sizeof("\"developer\"") - 1
           && memcmp(body + role.value, "\"developer\"",
                     sizeof("\"developer\"") - 1) == 0;
}


int
agw_oai_policy_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err)
{
    int                  some, sep;
    size_t               first, first_end, at;
    int64_t              a, b, cap;
    agw_policy_edits_t   ed;
    agw_policy_object_t  obj;
    agw_policy_member_t  m[] = {
        { "messages", 0, 0, 0 },
        { "max_completion_tokens", 0, 0, 0 },
        { "max_tokens", 0, 0, 0 },
        { "n", 0, 0, 0 }
    };

    if (agw_policy_object(body, 0, len, m, 4, &obj) != 0) {
        return agw_policy_pass(body, len, out, err);
    }

    if (obj.twice != NULL) {
        return agw_policy_twice(obj.twice, err);
    }

    ed.n = 0;
    sep = obj.count > 0;

    if (agw_str_set(&o->policy.system_prompt)
        && o->policy.system_prompt.len > 0)
    {
        if (m[0].type != AGW_JR_ARRAY
            || agw_policy_first(body, m[0].value, m[0].end, &some, &first,
                                &first_end)
               != 0)
        {
            /* a legacy completion has no place for it: refused, rather
             * than sent without the key's prompt */
            agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0,
                          "invalid_request",
                          "messages: this API key's requests carry a "
                          "system prompt; send them as chat completions, "
                          "with messages");
            return -1;
        }

        at = m[0].value + 1;

        if (some && agw_oai_policy_developer(body, first, first_end)) {
            agw_policy_lit(&ed, at, "{\"role\":\"developer\",\"content\":\"");
        } else {
            agw_policy_lit(&ed, at, "{\"role\":\"system\",\"content\":\"");
        }

        agw_policy_inside(&ed, at, &o->policy.system_prompt);
        agw_policy_text(&ed, at, at, some ? "\"}," : "\"}", some ? 3 : 2);
    }

    if (agw_policy_capped(body, &m[1], "max_completion_tokens", o, &ed, &a,
                          err)
        != 0
        || agw_policy_capped(body, &m[2], "max_tokens", o, &ed, &b, err)
           != 0)
    {
        return -1;
    }

    cap = a > b ? a : b;

    if (cap < 0 && o->policy.max_output > 0) {
        if (m[0].type) {
            agw_policy_add(&ed, obj.close, &sep,
                           "\"max_completion_tokens\":");
        } else {
            agw_policy_add(&ed, obj.close, &sep, "\"max_tokens\":");
        }

        agw_policy_num(&ed, obj.close, obj.close, o->policy.max_output);
        cap = o->policy.max_output;
    }

    agw_policy_report(o, cap, agw_policy_count(body, &m[3]));

    if (agw_policy_splice(body, len, &ed, out) != 0) {
        memset(err, 0, sizeof(*err));
        return -1;
    }

    return 0;
}
