/*
 * A key's policy on a Responses client's bytes, before the rewrite
 * (docs/key-policy.md):
 *
 *   system prompt  "instructions": the key's prompt, a blank line, then
 *                  the client's own instructions; none, the key's alone
 *                  (a stored response's instructions are not carried to
 *                  the next turn by previous_response_id, so every
 *                  request needs them)
 *   output cap     max_output_tokens clamped or refused; absent, set
 */

#include <string.h>

#include "rsp_int.h"
#include "agw_policy.h"


int
agw_rsp_policy_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err)
{
    int                  sep;
    int64_t              cap;
    agw_policy_edits_t   ed;
    agw_policy_object_t  obj;
    const agw_str_t     *prompt;
    agw_policy_member_t  m[] = {
        { "instructions", 0, 0, 0 },
        { "max_output_tokens", 0, 0, 0 }
    };

    if (agw_policy_object(body, 0, len, m, 2, &obj) != 0) {
        return agw_policy_pass(body, len, out, err);
    }

    if (obj.twice != NULL) {
        return agw_policy_twice(obj.twice, err);
    }

    ed.n = 0;
    sep = obj.count > 0;
    prompt = &o->policy.system_prompt;

    if (agw_str_set(prompt) && prompt->len > 0) {
        switch (m[0].type) {

        case 0:
            agw_policy_add(&ed, obj.close, &sep, "\"instructions\":\"");
            agw_policy_inside(&ed, obj.close, prompt);
            agw_policy_lit(&ed, obj.close, "\"");
            break;

        case AGW_JR_NULL:
            agw_policy_text(&ed, m[0].value, m[0].end, "\"", 1);
            agw_policy_inside(&ed, m[0].end, prompt);
            agw_policy_lit(&ed, m[0].end, "\"");
            break;

        case AGW_JR_STRING:
            /* inside the client's string, after its opening quote */
            agw_policy_inside(&ed, m[0].value + 1, prompt);
            if (m[0].end - m[0].value > 2) {
                agw_policy_lit(&ed, m[0].value + 1, "\\n\\n");
            }
            break;

        default:
            agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_type",
                          "instructions: must be a string");
            return -1;
        }
    }

    if (agw_policy_capped(body, &m[1], "max_output_tokens", o, &ed, &cap,
                          err)
        != 0)
    {
        return -1;
    }

    if (cap < 0 && o->policy.max_output > 0) {
        agw_policy_add(&ed, obj.close, &sep, "\"max_output_tokens\":");
        agw_policy_num(&ed, obj.close, obj.close, o->policy.max_output);
        cap = o->policy.max_output;
    }

    agw_policy_report(o, cap, 1);

    if (agw_policy_splice(body, len, &ed, out) != 0) {
        memset(err, 0, sizeof(*err));
        return -1;
    }

    return 0;
}
