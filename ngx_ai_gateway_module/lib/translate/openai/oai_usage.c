/*
 * OpenAI usage, finish reasons and a choice's own members, read and
 * written: the answer, the stream's chunks and the same-dialect rewrite
 * share them.  Usage
 * follows the agw_usage.h rule: prompt_tokens already counts the cached
 * tokens, completion_tokens the reasoning ones.
 */

#include <string.h>

#include "oai_int.h"


/* A count: a non-negative integer; anything else leaves *v as it was
 * (some servers send null or a float for counts they do not keep). */
static int
agw_oai_read_count_field(agw_oai_rctx_t *c, agw_jr_t *r, int64_t *v)
{
    int      rc;
    int64_t  n;

    rc = agw_jr_int(r, &n);
    if (rc == 0) {
        if (n >= 0) {
            *v = n;
        }
        return 0;
    }

    if (rc == AGW_JR_TYPE) {
        rc = agw_jr_value(r, NULL);
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, "usage", rc);
}


/* {"cached_tokens", "cache_write_tokens"} or {"reasoning_tokens"} */
static int
agw_oai_read_details(agw_oai_rctx_t *c, agw_jr_t *r, agw_usage_t *u,
    int prompt)
{
    int        rc;
    agw_str_t  key;

    if (agw_jr_peek(r) != AGW_JR_OBJECT) {
        rc = agw_jr_value(r, NULL);
        return rc == 0 ? 0 : agw_oai_fail(c, r, "usage", rc);
    }

    if (agw_jr_object(r) != 0) {
        return agw_oai_fail(c, r, "usage", -1);
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (prompt && agw_oai_is(&key, "cached_tokens")) {
            rc = agw_oai_read_count_field(c, r, &u->cache_read);
        } else if (prompt && agw_oai_is(&key, "cache_write_tokens")) {
            rc = agw_oai_read_count_field(c, r, &u->cache_write);
        } else if (!prompt && agw_oai_is(&key, "reasoning_tokens")) {
            rc = agw_oai_read_count_field(c, r, &u->reasoning);
        } else {
            rc = agw_jr_value(r, NULL);
            if (rc != 0) {
                rc = agw_oai_fail(c, r, "usage", rc);
            }
        }

        if (rc != 0) {
            return -1;
        }
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, "usage", rc);
}


int
agw_oai_read_usage(agw_oai_rctx_t *c, agw_jr_t *r, agw_usage_t *u)
{
    int        rc;
    agw_str_t  key;

    if (agw_jr_peek(r) != AGW_JR_OBJECT) {
        /* null, or a shape we do not know: no usage */
        rc = agw_jr_value(r, NULL);
        return rc == 0 ? 0 : agw_oai_fail(c, r, "usage", rc);
    }

    if (agw_jr_object(r) != 0) {
        return agw_oai_fail(c, r, "usage", -1);
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "prompt_tokens")) {
            rc = agw_oai_read_count_field(c, r, &u->input);
        } else if (agw_oai_is(&key, "completion_tokens")) {
            rc = agw_oai_read_count_field(c, r, &u->output);
        } else if (agw_oai_is(&key, "prompt_tokens_details")) {
            rc = agw_oai_read_details(c, r, u, 1);
        } else if (agw_oai_is(&key, "completion_tokens_details")) {
            rc = agw_oai_read_details(c, r, u, 0);
        } else {
            rc = agw_jr_value(r, NULL);
            if (rc != 0) {
                rc = agw_oai_fail(c, r, "usage", rc);
            }
        }

        if (rc != 0) {
            return -1;
        }
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, "usage", rc);
}


/* Unknown counts as 0, total_tokens added, cache_write_tokens only when
 * a provider counted it (Anthropic). */
void
agw_oai_write_usage(agw_jw_t *w, const agw_usage_t *u)
{
    int64_t  in, out;

    in = u->input > 0 ? u->input : 0;
    out = u->output > 0 ? u->output : 0;

    agw_jw_object(w);
    agw_jw_key(w, "prompt_tokens");
    agw_jw_int(w, in);
    agw_jw_key(w, "completion_tokens");
    agw_jw_int(w, out);
    agw_jw_key(w, "total_tokens");
    agw_jw_int(w, agw_usage_sum(in, out));
    agw_jw_key(w, "prompt_tokens_details");
    agw_jw_object(w);
    agw_jw_key(w, "cached_tokens");
    agw_jw_int(w, u->cache_read > 0 ? u->cache_read : 0);
    if (u->cache_write >= 0) {
        agw_jw_key(w, "cache_write_tokens");
        agw_jw_int(w, u->cache_write);
    }
    agw_jw_object_end(w);
    agw_jw_key(w, "completion_tokens_details");
    agw_jw_object(w);
    agw_jw_key(w, "reasoning_tokens");
    agw_jw_int(w, u->reasoning > 0 ? u->reasoning : 0);
    agw_jw_object_end(w);
    agw_jw_object_end(w);
}


int
agw_oai_read_choice_member(agw_jr_t *r, const agw_str_t *key,
    agw_str_t *finish, int64_t *index)
{
    int  rc;

    if (agw_oai_is(key, "finish_reason")) {
        /* null until the last chunk */
        rc = agw_jr_peek(r) == AGW_JR_STRING ? agw_jr_string(r, finish)
                                             : agw_jr_value(r, NULL);

    } else if (agw_oai_is(key, "index")) {
        rc = agw_jr_peek(r) == AGW_JR_NUMBER ? agw_jr_int(r, index)
                                             : agw_jr_value(r, NULL);
        if (rc == AGW_JR_TYPE) {
            rc = agw_jr_value(r, NULL);
        }

    } else {
        return 0;
    }

    return rc == 0 ? 1 : rc;
}


agw_finish_t
agw_oai_finish_of(const agw_str_t *s)
{
    if (agw_oai_is(s, "stop")) {
        return AGW_FINISH_STOP;
    }

    if (agw_oai_is(s, "length")) {
        return AGW_FINISH_LENGTH;
    }

    if (agw_oai_is(s, "tool_calls") || agw_oai_is(s, "function_call")) {
        return AGW_FINISH_TOOL_CALLS;
    }

    if (agw_oai_is(s, "content_filter")) {
        return AGW_FINISH_CONTENT_FILTER;
    }

    return AGW_FINISH_OTHER;
}


/* A reason OpenAI has no name for (a paused turn, a provider's own)
 * ends the turn as far as an OpenAI client can tell. */
const char *
agw_oai_finish_name(agw_finish_t f)
{
    switch (f) {
    case AGW_FINISH_LENGTH:          return "length";
    case AGW_FINISH_TOOL_CALLS:      return "tool_calls";
    case AGW_FINISH_CONTENT_FILTER:  return "content_filter";
    default:                         return "stop";
    }
}
