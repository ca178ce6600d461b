/*
 * Whole Gemini responses to and from the hub, and the mapping of candidate
 * parts that stream chunks share.
 *
 * candidates[i] <-> choices[i]; text parts -> content (joined), thought
 * parts -> reasoning_content, functionCall parts -> tool_calls (Gemini
 * sends no call ids: they are made from the responseId and the call's
 * position), thoughtSignature -> extra_content.google.thought_signature on
 * the tool call it rides on, or on the message for a text part.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_gemini_int.h"


static int
agw_gm_set_signature(json_t *obj, const char *sig)
{
    return json_object_set_new(obj, "extra_content",
                               json_pack("{s:{s:s}}", "google",
                                         "thought_signature", sig));
}


int
agw_gm_parts_to_hub(const json_t *parts, json_t *msg, const char *rid,
    size_t cand, uint32_t *ntools, int stream, agw_error_t *err)
{
    size_t       i;
    char         id[128];
    char        *args;
    json_t      *part, *fc, *tcs, *tc, *a;
    const char  *text, *sig, *name, *cid, *text_sig;
    agw_buf_t    content = AGW_BUF_INIT, reasoning = AGW_BUF_INIT;
    int          has_text;

    tcs = NULL;
    text_sig = NULL;
    has_text = 0;

    json_array_foreach(parts, i, part) {
        sig = agw_gm_str(part, "thoughtSignature", "thought_signature");
        fc = agw_gm_get(part, "functionCall", "function_call");

        if (fc != NULL) {
            /* Vertex can stream a call's arguments (partialArgs,
             * willContinue) when asked to; what came so far is no call */
            name = agw_gm_str(fc, "name", NULL);
            if (name == NULL || json_object_get(fc, "partialArgs") != NULL
                || json_is_true(json_object_get(fc, "willContinue")))
            {
                agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0,
                              "unsupported_part",
                              "a functionCall without a name (streamed "
                              "partialArgs) cannot be translated");
                goto failed;
            }

            a = json_object_get(fc, "args");
            args = a ? json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY
                                     | JSON_REAL_PRECISION(15))
                     : strdup("{}");
            if (args == NULL) {
                goto nomem;
            }

            cid = agw_gm_str(fc, "id", NULL);
            if (cid == NULL) {
                agw_gm_call_id(id, sizeof(id), rid, cand, *ntools);
                cid = id;
            }

            if (stream) {
                tc = json_pack("{s:I, s:s, s:s, s:{s:s, s:s}}",
                               "index", (json_int_t) *ntools, "id", cid,
                               "type", "function", "function",
                               "name", name, "arguments", args);
            } else {
                tc = json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", cid,
                               "type", "function", "function",
                               "name", name, "arguments", args);
            }
            free(args);

            if (tc == NULL
                || (sig != NULL && agw_gm_set_signature(tc, sig) != 0))
            {
                json_decref(tc);
                goto nomem;
            }

            if (tcs == NULL) {
                tcs = json_array();
                if (tcs == NULL
                    || json_object_set_new(msg, "tool_calls", tcs) != 0)
                {
                    json_decref(tc);
                    goto nomem;
                }
            }

            if (json_array_append_new(tcs, tc) != 0) {
                goto nomem;
            }

            (*ntools)++;
            continue;
        }

        text = agw_gm_str(part, "text", NULL);
        if (text != NULL) {
            if (json_is_true(json_object_get(part, "thought"))) {
                if (agw_buf_append_str(&reasoning, text) != 0) {
                    goto nomem;
                }
            } else {
                has_text = 1;
                if (agw_buf_append_str(&content, text) != 0) {
                    goto nomem;
                }
            }
        }

        /* a signature on a text or thought part (or on a part of its own)
         * belongs to the turn; the last one is the one Gemini checks */
        if (sig != NULL) {
            text_sig = sig;
        }
    }

    if ((has_text && (!stream || content.len > 0))
        && json_object_set_new(msg, "content",
                               json_stringn(content.data ? content.data : "",
                                            content.len)) != 0)
    {
        goto nomem;
    }

    if (reasoning.len > 0
        && json_object_set_new(msg, "reasoning_content",
                               json_stringn(reasoning.data, reasoning.len))
           != 0)
    {
        goto nomem;
    }

    if (text_sig != NULL && agw_gm_set_signature(msg, text_sig) != 0) {
        goto nomem;
    }

    agw_buf_free(&content);
    agw_buf_free(&reasoning);
    return 0;

nomem:

    agw_gm_nomem(err);

failed:

    agw_buf_free(&content);
    agw_buf_free(&reasoning);
    return -1;
}


/* Vertex sends createTime ("2026-04-02T17:03:50.399550Z"); the Gemini API
 * does not, and then "created" is 0 (output depends on input only).  Days
 * from the civil date by Howard Hinnant's algorithm: no timegm(), no TZ. */
static json_int_t
agw_gm_created(const json_t *in)
{
    int          y, m, d, hh, mm, ss, era;
    unsigned     yoe, doy, doe;
    const char  *t;

    t = agw_gm_str(in, "createTime", "create_time");
    if (t == NULL
        || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &m, &d, &hh, &mm, &ss)
           != 6
        || m < 1 || m > 12 || d < 1 || d > 31)
    {
        return 0;
    }

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return ((json_int_t) era * 146097 + doe - 719468) * 86400
           + hh * 3600 + mm * 60 + ss;
}


json_t *
agw_gm_response_to_hub(json_t *in, agw_usage_t *usage, agw_error_t *err)
{
    size_t       i;
    uint32_t     ntools;
    json_t      *hub, *choices, *cands, *cand, *msg, *u, *choice;
    json_int_t   index;
    const char  *rid, *model, *fr, *block;
    agw_usage_t  n;

    rid = agw_gm_str(in, "responseId", "response_id");
    model = agw_gm_str(in, "modelVersion", "model_version");
    cands = json_object_get(in, "candidates");
    block = agw_gm_str(agw_gm_get(in, "promptFeedback", "prompt_feedback"),
                       "blockReason", "block_reason");

    if (json_array_size(cands) == 0 && block == NULL) {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "invalid_upstream_body",
                      "the gemini upstream answered no candidates");
        return NULL;
    }

    hub = json_pack("{s:s, s:s, s:I, s:s, s:[]}",
                    "id", rid ? rid : "", "object", "chat.completion",
                    "created", agw_gm_created(in), "model", model ? model : "",
                    "choices");
    if (hub == NULL) {
        agw_gm_nomem(err);
        return NULL;
    }

    choices = json_object_get(hub, "choices");

    json_array_foreach(cands, i, cand) {
        index = json_is_integer(json_object_get(cand, "index"))
                ? json_integer_value(json_object_get(cand, "index"))
                : (json_int_t) i;
        if (index < 0 || index >= AGW_GEMINI_MAX_CANDIDATES) {
            index = i;
        }

        msg = json_pack("{s:s}", "role", "assistant");
        choice = json_pack("{s:I, s:o}", "index", index, "message", msg);
        if (choice == NULL || json_array_append_new(choices, choice) != 0) {
            goto nomem;
        }

        ntools = 0;
        if (agw_gm_parts_to_hub(json_object_get(json_object_get(cand,
                                                                "content"),
                                                "parts"),
                                msg, rid, index, &ntools, 0, err) != 0)
        {
            goto failed;
        }

        if (json_object_get(msg, "content") == NULL
            && json_object_set_new(msg, "content", json_null()) != 0)
        {
            goto nomem;
        }

        fr = agw_gm_str(cand, "finishReason", "finish_reason");
        if (json_object_set_new(choice, "finish_reason",
                json_string(fr ? agw_gm_finish_to_hub(fr, ntools > 0)
                               : (ntools > 0 ? "tool_calls" : "stop")))
            != 0)
        {
            goto nomem;
        }
    }

    if (json_array_size(cands) == 0) {
        /* the prompt itself was blocked */
        if (json_array_append_new(choices,
                json_pack("{s:i, s:{s:s, s:n}, s:s}", "index", 0,
                          "message", "role", "assistant", "content",
                          "finish_reason", "content_filter")) != 0)
        {
            goto nomem;
        }
    }

    agw_usage_init(&n);
    agw_gm_usage_read(agw_gm_get(in, "usageMetadata", "usage_metadata"), &n);
    if (usage != NULL) {
        agw_usage_merge(usage, &n);
    }

    if (agw_usage_known(&n)) {
        u = agw_usage_to_openai(&n);
        if (u == NULL || json_object_set_new(hub, "usage", u) != 0) {
            goto nomem;
        }
    }

    return hub;

nomem:

    agw_gm_nomem(err);

failed:

    json_decref(hub);
    return NULL;
}


/* A hub message or delta -> Gemini parts: reasoning first (as Gemini
 * orders thoughts), then text, then whole function calls. */
static json_t *
agw_gm_parts_from_hub(const json_t *msg, agw_error_t *err)
{
    size_t       i;
    json_t      *parts, *c, *item, *tcs, *tc, *fn, *args, *part, *fc, *last;
    const char  *s, *sig, *name, *a;

    parts = json_array();
    if (parts == NULL) {
        goto nomem;
    }

    s = json_string_value(json_object_get(msg, "reasoning_content"));
    if (s != NULL && s[0] != '\0'
        && json_array_append_new(parts, json_pack("{s:s, s:b}", "text", s,
                                                  "thought", 1)) != 0)
    {
        goto nomem;
    }

    last = NULL;
    c = json_object_get(msg, "content");
    if (json_is_string(c) && json_string_length(c) > 0) {
        last = json_pack("{s:O}", "text", c);
        if (json_array_append_new(parts, last) != 0) {
            goto nomem;
        }

    } else if (json_is_array(c)) {
        json_array_foreach(c, i, item) {
            s = json_string_value(json_object_get(item, "text"));
            if (s == NULL) {
                s = json_string_value(json_object_get(item, "refusal"));
            }
            if (s == NULL) {
                continue;
            }
            last = json_pack("{s:s}", "text", s);
            if (json_array_append_new(parts, last) != 0) {
                goto nomem;
            }
        }
    }

    sig = json_string_value(json_object_get(json_object_get(
              json_object_get(msg, "extra_content"), "google"),
              "thought_signature"));
    if (sig != NULL) {
        if (last == NULL) {
            last = json_pack("{s:s}", "text", "");
            if (json_array_append_new(parts, last) != 0) {
                goto nomem;
            }
        }
        if (json_object_set_new(last, "thoughtSignature", json_string(sig))
            != 0)
        {
            goto nomem;
        }
    }

    tcs = json_object_get(msg, "tool_calls");
    json_array_foreach(tcs, i, tc) {
        fn = json_object_get(tc, "function");
        name = json_string_value(json_object_get(fn, "name"));
        a = json_string_value(json_object_get(fn, "arguments"));
        if (name == NULL) {
            agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "invalid_upstream_body",
                          "the upstream sent a tool call without a name");
            goto failed;
        }

        args = agw_gm_args_object(a ? a : "", a ? strlen(a) : 0, err);
        if (args == NULL) {
            err->cls = AGW_ERR_BAD_GATEWAY;
            err->status = agw_error_status(AGW_ERR_BAD_GATEWAY);
            goto failed;
        }

        fc = json_pack("{s:s, s:o}", "name", name, "args", args);
        if (fc != NULL && json_is_string(json_object_get(tc, "id"))
            && json_object_set(fc, "id", json_object_get(tc, "id")) != 0)
        {
            json_decref(fc);
            goto nomem;
        }

        part = json_pack("{s:o}", "functionCall", fc);
        if (part == NULL || json_array_append_new(parts, part) != 0) {
            goto nomem;
        }

        sig = json_string_value(json_object_get(json_object_get(
                  json_object_get(tc, "extra_content"), "google"),
                  "thought_signature"));
        if (sig != NULL
            && json_object_set_new(part, "thoughtSignature", json_string(sig))
               != 0)
        {
            goto nomem;
        }
    }

    return parts;

nomem:

    agw_gm_nomem(err);

failed:

    json_decref(parts);
    return NULL;
}


json_t *
agw_gm_response_from_hub(json_t *hub, const agw_response_opts_t *o,
    agw_error_t *err)
{
    size_t       i;
    json_t      *out, *cands, *choice, *msg, *parts, *cand, *meta, *idx;
    const char  *fr, *id;
    agw_usage_t  u;

    id = json_string_value(json_object_get(hub, "id"));

    cands = json_array();
    out = json_pack("{s:o}", "candidates", cands);
    if (out == NULL) {
        agw_gm_nomem(err);
        return NULL;
    }

    json_array_foreach(json_object_get(hub, "choices"), i, choice) {
        msg = json_object_get(choice, "message");
        parts = agw_gm_parts_from_hub(msg, err);
        if (parts == NULL) {
            goto failed;
        }

        if (json_array_size(parts) == 0
            && json_array_append_new(parts, json_pack("{s:s}", "text", ""))
               != 0)
        {
            json_decref(parts);
            goto nomem;
        }

        idx = json_object_get(choice, "index");
        fr = agw_gm_finish_from_hub(json_string_value(json_object_get(
                 choice, "finish_reason")));

        cand = json_pack("{s:{s:o, s:s}, s:s, s:I}",
                         "content", "parts", parts, "role", "model",
                         "finishReason", fr ? fr : "STOP",
                         "index", json_is_integer(idx)
                                  ? json_integer_value(idx) : (json_int_t) i);
        if (json_array_append_new(cands, cand) != 0) {
            goto nomem;
        }
    }

    agw_usage_init(&u);
    agw_usage_from_openai(json_object_get(hub, "usage"), &u);
    if (agw_usage_known(&u)) {
        meta = agw_gm_usage_json(&u);
        if (meta == NULL
            || json_object_set_new(out, "usageMetadata", meta) != 0)
        {
            goto nomem;
        }
    }

    if (json_object_set_new(out, "modelVersion",
            json_string(o && o->model ? o->model
                        : json_string_value(json_object_get(hub, "model"))
                          ? json_string_value(json_object_get(hub, "model"))
                          : "")) != 0)
    {
        goto nomem;
    }

    if (id != NULL
        && json_object_set_new(out, "responseId", json_string(id)) != 0)
    {
        goto nomem;
    }

    return out;

nomem:

    agw_gm_nomem(err);

failed:

    json_decref(out);
    return NULL;
}


int
agw_gm_response_passthrough(json_t *in, const agw_response_opts_t *o,
    agw_usage_t *usage, agw_error_t *err)
{
    agw_usage_t  n;

    if (o && o->model && o->model[0] != '\0'
        && agw_gm_get(in, "modelVersion", "model_version") != NULL)
    {
        json_object_del(in, "model_version");
        if (json_object_set_new(in, "modelVersion", json_string(o->model))
            != 0)
        {
            agw_gm_nomem(err);
            return -1;
        }
    }

    agw_usage_init(&n);
    agw_gm_usage_read(agw_gm_get(in, "usageMetadata", "usage_metadata"), &n);
    if (usage != NULL) {
        agw_usage_merge(usage, &n);
    }

    return 0;
}
