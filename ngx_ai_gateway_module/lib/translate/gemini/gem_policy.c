/*
 * A key's policy on a Gemini client's bytes, before the rewrite
 * (docs/key-policy.md).  Gemini reads both spellings of a member
 * (systemInstruction, system_instruction): the policy goes in the one the
 * client used, camelCase when it used none.
 *
 *   system prompt  a part first in systemInstruction.parts, before the
 *                  client's; none, a systemInstruction of one part
 *   output cap     generationConfig.maxOutputTokens clamped or refused;
 *                  absent, set (and generationConfig made when there is
 *                  none)
 *   reported       the cap times candidateCount
 *
 * No default model: Gemini names it in the URL.
 */

#include <string.h>

#include "gem_int.h"
#include "agw_policy.h"


/* The one of two spellings the client used: the camelCase one if both. */
static agw_policy_member_t *
agw_gem_policy_pick(agw_policy_member_t *camel, agw_policy_member_t *snake)
{
    return (camel->type || !snake->type) ? camel : snake;
}


static int
agw_gem_policy_system(const char *body, const agw_policy_member_t *m,
    const agw_policy_object_t *obj, int *sep, const agw_request_ctx_t *o,
    agw_policy_edits_t *ed, agw_error_t *err)
{
    int                  some, psep;
    size_t               first, first_end, at;
    const agw_str_t     *prompt;
    agw_policy_object_t  si;
    agw_policy_member_t  parts = { "parts", 0, 0, 0 };

    prompt = &o->policy.system_prompt;

    if (m->type == 0 || m->type == AGW_JR_NULL) {
        if (m->type == 0) {
            agw_policy_add(ed, obj->close, sep, "\"systemInstruction\":");
            at = obj->close;
        } else {
            agw_policy_text(ed, m->value, m->end, "", 0);
            at = m->end;
        }

        agw_policy_lit(ed, at, "{\"parts\":[{\"text\":\"");
        agw_policy_inside(ed, at, prompt);
        agw_policy_lit(ed, at, "\"}]}");
        return 0;
    }

    if (m->type != AGW_JR_OBJECT
        || agw_policy_object(body, m->value, m->end, &parts, 1, &si) != 0)
    {
        goto invalid;
    }

    if (si.twice != NULL) {
        return agw_policy_twice("systemInstruction.parts", err);
    }

    if (parts.type == 0) {
        psep = si.count > 0;
        agw_policy_add(ed, si.close, &psep, "\"parts\":");
        agw_policy_lit(ed, si.close, "[{\"text\":\"");
        agw_policy_inside(ed, si.close, prompt);
        agw_policy_lit(ed, si.close, "\"}]");
        return 0;
    }

    if (parts.type != AGW_JR_ARRAY
        || agw_policy_first(body, parts.value, parts.end, &some, &first,
                            &first_end)
           != 0)
    {
        goto invalid;
    }

    at = parts.value + 1;
    agw_policy_lit(ed, at, "{\"text\":\"");
    agw_policy_inside(ed, at, prompt);
    agw_policy_text(ed, at, at, some ? "\"}," : "\"}", some ? 3 : 2);
    return 0;

invalid:

    return agw_gem_invalid(err, "systemInstruction: must be a Content "
                           "object with a parts array");
}


static int
agw_gem_policy_cap(const char *body, const agw_policy_member_t *m,
    const agw_policy_object_t *obj, int *sep, const agw_request_ctx_t *o,
    agw_policy_edits_t *ed, agw_error_t *err)
{
    int                  gsep;
    int64_t              a, b, cap, n;
    agw_policy_object_t  gc;
    agw_policy_member_t  g[] = {
        { "maxOutputTokens", 0, 0, 0 },
        { "max_output_tokens", 0, 0, 0 },
        { "candidateCount", 0, 0, 0 },
        { "candidate_count", 0, 0, 0 }
    };

    if (m->type == 0 || m->type == AGW_JR_NULL) {
        if (o->policy.max_output > 0) {
            if (m->type == 0) {
                agw_policy_add(ed, obj->close, sep, "\"generationConfig\":");
                agw_policy_lit(ed, obj->close, "{\"maxOutputTokens\":");
                agw_policy_num(ed, obj->close, obj->close,
                               o->policy.max_output);
                agw_policy_lit(ed, obj->close, "}");

            } else {
                agw_policy_text(ed, m->value, m->end,
                                "{\"maxOutputTokens\":", 19);
                agw_policy_num(ed, m->end, m->end, o->policy.max_output);
                agw_policy_lit(ed, m->end, "}");
            }
        }

        agw_policy_report(o, o->policy.max_output, 1);
        return 0;
    }

    if (m->type != AGW_JR_OBJECT
        || agw_policy_object(body, m->value, m->end, g, 4, &gc) != 0)
    {
        return agw_gem_invalid(err, "generationConfig: must be an object");
    }

    if (gc.twice != NULL) {
        return agw_policy_twice(gc.twice, err);
    }

    if (agw_policy_capped(body, &g[0], "generationConfig.maxOutputTokens", o,
                          ed, &a, err)
        != 0
        || agw_policy_capped(body, &g[1], "generationConfig.max_output_tokens",
                             o, ed, &b, err)
           != 0)
    {
        return -1;
    }

    cap = a > b ? a : b;

    if (cap < 0 && o->policy.max_output > 0) {
        gsep = gc.count > 0;
        agw_policy_add(ed, gc.close, &gsep, "\"maxOutputTokens\":");
        agw_policy_num(ed, gc.close, gc.close, o->policy.max_output);
        cap = o->policy.max_output;
    }

    n = agw_policy_count(body, agw_gem_policy_pick(&g[2], &g[3]));
    agw_policy_report(o, cap, n);

    return 0;
}


int
agw_gem_policy_request(const char *body, size_t len,
    const agw_request_ctx_t *o, agw_buf_t *out, agw_error_t *err)
{
    int                  sep;
    agw_policy_edits_t   ed;
    agw_policy_object_t  obj;
    agw_policy_member_t  m[] = {
        { "systemInstruction", 0, 0, 0 },
        { "system_instruction", 0, 0, 0 },
        { "generationConfig", 0, 0, 0 },
        { "generation_config", 0, 0, 0 }
    };

    if (agw_policy_object(body, 0, len, m, 4, &obj) != 0) {
        return agw_policy_pass(body, len, out, err);
    }

    if (obj.twice == NULL && m[0].type && m[1].type) {
        obj.twice = "systemInstruction";
    }

    if (obj.twice == NULL && m[2].type && m[3].type) {
        obj.twice = "generationConfig";
    }

    if (obj.twice != NULL) {
        return agw_policy_twice(obj.twice, err);
    }

    ed.n = 0;
    sep = obj.count > 0;

    if (agw_str_set(&o->policy.system_prompt)
        && o->policy.system_prompt.len > 0
        && agw_gem_policy_system(body, agw_gem_policy_pick(&m[0], &m[1]),
                                 &obj, &sep, o, &ed, err)
           != 0)
    {
        return -1;
    }

    if (agw_gem_policy_cap(body, agw_gem_policy_pick(&m[2], &m[3]), &obj,
                           &sep, o, &ed, err)
        != 0)
    {
        return -1;
    }

    if (agw_policy_splice(body, len, &ed, out) != 0) {
        memset(err, 0, sizeof(*err));
        return -1;
    }

    return 0;
}
