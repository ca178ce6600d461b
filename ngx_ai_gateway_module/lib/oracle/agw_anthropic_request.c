/*
 * Anthropic Messages requests to and from the hub (OpenAI Chat JSON plus
 * the extensions of agw_translate_int.h).  What maps to what, and what is
 * dropped or approximated, is in docs/translation-anthropic.md; each
 * approximation below says why in a comment.
 */

#include <stdlib.h>
#include <string.h>

#include "agw_anthropic_int.h"


#define agw_ant_bad(err, ...)                                                \
    agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_request",        \
                  __VA_ARGS__)


/* Steals v; on failure v is released.  0 or -1. */
static int
agw_ant_set(json_t *obj, const char *key, json_t *v)
{
    if (v == NULL) {
        return -1;
    }

    return json_object_set_new(obj, key, v);
}


static int
agw_ant_append(json_t *arr, json_t *v)
{
    if (v == NULL) {
        return -1;
    }

    return json_array_append_new(arr, v);
}


/* Copies in[key] to out[key2] when it has the given JSON type. */
static int
agw_ant_copy(json_t *out, const char *key2, json_t *in, const char *key,
    json_type type)
{
    json_t  *v;

    v = json_object_get(in, key);
    if (v == NULL || json_typeof(v) != type) {
        if (type == JSON_REAL && json_is_integer(v)) {
            return json_object_set(out, key2, v);
        }
        return 0;
    }

    return json_object_set(out, key2, v);
}


/* "data:<media type>;base64,<data>" from an Anthropic base64 source. */
static json_t *
agw_ant_data_url(const char *media_type, const char *data)
{
    char    *url;
    size_t   mlen, dlen;
    json_t  *j;

    mlen = strlen(media_type);
    dlen = strlen(data);

    url = malloc(5 + mlen + 8 + dlen + 1);
    if (url == NULL) {
        return NULL;
    }

    memcpy(url, "data:", 5);
    memcpy(url + 5, media_type, mlen);
    memcpy(url + 5 + mlen, ";base64,", 8);
    memcpy(url + 13 + mlen, data, dlen + 1);

    j = json_string(url);
    free(url);

    return j;
}


/*
 * Splits a data URL into an Anthropic base64 source.  Anything but base64
 * is refused: Anthropic takes no other encoding.
 */
static json_t *
agw_ant_source_from_url(const char *url, agw_error_t *err)
{
    const char  *mt, *b64;

    if (strncmp(url, "data:", 5) != 0) {
        return json_pack("{s:s, s:s}", "type", "url", "url", url);
    }

    mt = url + 5;
    b64 = strstr(mt, ";base64,");
    if (b64 == NULL) {
        agw_ant_bad(err, "only base64 data URLs can be sent to Anthropic");
        return NULL;
    }

    return json_pack("{s:s, s:s%, s:s}",
                     "type", "base64",
                     "media_type", mt, (size_t) (b64 - mt),
                     "data", b64 + 8);
}


/* Anthropic client -> hub */

static json_t *
agw_ant_image_to_hub(json_t *block, agw_error_t *err)
{
    json_t      *src, *url;
    const char  *type, *mt, *data;

    src = json_object_get(block, "source");
    type = agw_ant_str(src, "type");

    if (type != NULL && strcmp(type, "base64") == 0) {
        mt = agw_ant_str(src, "media_type");
        data = agw_ant_str(src, "data");
        if (mt == NULL || data == NULL) {
            agw_ant_bad(err, "image source needs media_type and data");
            return NULL;
        }
        url = agw_ant_data_url(mt, data);

    } else if (type != NULL && strcmp(type, "url") == 0
               && agw_ant_str(src, "url") != NULL)
    {
        url = json_string(agw_ant_str(src, "url"));

    } else {
        /* file ids live in Anthropic's Files API, unknown elsewhere */
        agw_ant_bad(err, "image source type \"%s\" cannot be translated",
                    type ? type : "(none)");
        return NULL;
    }

    if (url == NULL) {
        return NULL;
    }

    return json_pack("{s:s, s:{s:o}}", "type", "image_url",
                     "image_url", "url", url);
}


/* A PDF document becomes OpenAI's file part; a plain-text one, text. */
static json_t *
agw_ant_document_to_hub(json_t *block, agw_error_t *err)
{
    json_t      *src, *url;
    const char  *type, *mt, *data;

    src = json_object_get(block, "source");
    type = agw_ant_str(src, "type");
    mt = agw_ant_str(src, "media_type");
    data = agw_ant_str(src, "data");

    if (type != NULL && strcmp(type, "base64") == 0 && mt && data) {
        url = agw_ant_data_url(mt, data);
        if (url == NULL) {
            return NULL;
        }
        return json_pack("{s:s, s:{s:o}}", "type", "file",
                         "file", "file_data", url);
    }

    if (type != NULL && strcmp(type, "text") == 0 && data) {
        return json_pack("{s:s, s:s}", "type", "text", "text", data);
    }

    agw_ant_bad(err, "document source type \"%s\" cannot be translated",
                type ? type : "(none)");
    return NULL;
}


/*
 * A tool_result becomes a hub "tool" message.  OpenAI tool messages carry
 * text only, so images in the result move to the user message that
 * follows (parts).  is_error has no hub field: the text already says what
 * failed, and the flag is dropped (documented).
 */
static int
agw_ant_tool_result_to_hub(json_t *block, json_t *msgs, json_t *parts,
    agw_error_t *err)
{
    size_t       i;
    json_t      *content, *b, *text, *msg, *p;
    const char  *id, *type;

    id = agw_ant_str(block, "tool_use_id");
    if (id == NULL) {
        agw_ant_bad(err, "tool_result without tool_use_id");
        return -1;
    }

    content = json_object_get(block, "content");

    if (json_is_string(content)) {
        text = json_incref(content);

    } else if (json_is_array(content)) {
        text = json_array();
        if (text == NULL) {
            return -1;
        }

        json_array_foreach(content, i, b) {
            type = agw_ant_str(b, "type");

            if (type != NULL && strcmp(type, "text") == 0) {
                if (agw_ant_str(b, "text") == NULL) {
                    agw_ant_bad(err, "text block without text");
                    json_decref(text);
                    return -1;
                }
                if (agw_ant_append(text, json_pack("{s:s, s:s}",
                        "type", "text", "text", agw_ant_str(b, "text")))
                    != 0)
                {
                    json_decref(text);
                    return -1;
                }

            } else if (type != NULL && strcmp(type, "image") == 0) {
                p = agw_ant_image_to_hub(b, err);
                if (agw_ant_append(parts, p) != 0) {
                    json_decref(text);
                    return -1;
                }

            } else {
                agw_ant_bad(err, "tool_result content type \"%s\" cannot "
                            "be translated", type ? type : "(none)");
                json_decref(text);
                return -1;
            }
        }

    } else {
        text = json_string("");
    }

    msg = json_pack("{s:s, s:s, s:o}", "role", "tool", "tool_call_id", id,
                    "content", text);

    return agw_ant_append(msgs, msg);
}


static int
agw_ant_user_to_hub(json_t *content, json_t *msgs, agw_error_t *err)
{
    size_t       i;
    json_t      *parts, *b, *p, *msg;
    const char  *type;

    if (json_is_string(content)) {
        return agw_ant_append(msgs, json_pack("{s:s, s:O}", "role", "user",
                                              "content", content));
    }

    if (!json_is_array(content)) {
        agw_ant_bad(err, "message content must be a string or an array");
        return -1;
    }

    parts = json_array();
    if (parts == NULL) {
        return -1;
    }

    json_array_foreach(content, i, b) {
        type = agw_ant_str(b, "type");
        if (type == NULL) {
            agw_ant_bad(err, "content block without a type");
            goto failed;
        }

        if (strcmp(type, "tool_result") == 0) {
            if (agw_ant_tool_result_to_hub(b, msgs, parts, err) != 0) {
                goto failed;
            }
            continue;
        }

        if (strcmp(type, "text") == 0) {
            if (!json_is_string(json_object_get(b, "text"))) {
                agw_ant_bad(err, "text block without text");
                goto failed;
            }
            p = json_pack("{s:s, s:O}", "type", "text",
                          "text", json_object_get(b, "text"));

        } else if (strcmp(type, "image") == 0) {
            p = agw_ant_image_to_hub(b, err);

        } else if (strcmp(type, "document") == 0) {
            p = agw_ant_document_to_hub(b, err);

        } else {
            agw_ant_bad(err, "content block type \"%s\" cannot be "
                        "translated", type);
            goto failed;
        }

        if (agw_ant_append(parts, p) != 0) {
            goto failed;
        }
    }

    if (json_array_size(parts) == 0) {
        json_decref(parts);
        return 0;
    }

    /* one text part is sent as a plain string: every OpenAI-compatible
     * server takes that form */
    if (json_array_size(parts) == 1
        && strcmp(agw_ant_str(json_array_get(parts, 0), "type"), "text") == 0)
    {
        msg = json_pack("{s:s, s:O}", "role", "user",
                        "content", json_object_get(json_array_get(parts, 0),
                                                   "text"));
        json_decref(parts);
        return agw_ant_append(msgs, msg);
    }

    return agw_ant_append(msgs, json_pack("{s:s, s:o}", "role", "user",
                                          "content", parts));

failed:

    json_decref(parts);
    return -1;
}


static int
agw_ant_tool_use_to_hub(json_t *b, json_t *calls, agw_error_t *err)
{
    char        *args;
    json_t      *input, *call;
    const char  *id, *name;

    id = agw_ant_str(b, "id");
    name = agw_ant_str(b, "name");
    input = json_object_get(b, "input");

    if (id == NULL || name == NULL) {
        agw_ant_bad(err, "tool_use block needs id and name");
        return -1;
    }

    if (input == NULL) {
        args = strdup("{}");
    } else {
        args = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    }

    if (args == NULL) {
        return -1;
    }

    call = json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", id, "type", "function",
                     "function", "name", name, "arguments", args);
    free(args);

    return agw_ant_append(calls, call);
}


/*
 * An assistant turn: text blocks are concatenated into the string content
 * (what a streaming client would have shown), tool_use blocks become
 * tool_calls, thinking blocks become reasoning_content plus the whole
 * blocks in thinking_blocks.  Server-tool blocks (server_tool_use and their
 * *_tool_result) ran at Anthropic and mean nothing to another provider:
 * dropped (documented).
 */
json_t *
agw_ant_assistant_message(json_t *content, agw_error_t *err)
{
    size_t       i;
    json_t      *b, *msg, *calls, *blocks;
    agw_buf_t    text = AGW_BUF_INIT, reasoning = AGW_BUF_INIT;
    const char  *type, *s;
    int          rc, has_text, has_reasoning;

    if (json_is_string(content)) {
        return json_pack("{s:s, s:O}", "role", "assistant", "content",
                         content);
    }

    if (!json_is_array(content)) {
        agw_ant_bad(err, "message content must be a string or an array");
        return NULL;
    }

    rc = -1;
    msg = NULL;
    has_text = 0;
    has_reasoning = 0;
    calls = json_array();
    blocks = json_array();
    if (calls == NULL || blocks == NULL) {
        goto done;
    }

    json_array_foreach(content, i, b) {
        type = agw_ant_str(b, "type");
        if (type == NULL) {
            agw_ant_bad(err, "content block without a type");
            goto done;
        }

        if (strcmp(type, "text") == 0) {
            s = agw_ant_str(b, "text");
            if (s == NULL) {
                agw_ant_bad(err, "text block without text");
                goto done;
            }
            if (agw_buf_append_str(&text, s) != 0) {
                goto done;
            }
            has_text = 1;

        } else if (strcmp(type, "tool_use") == 0) {
            if (agw_ant_tool_use_to_hub(b, calls, err) != 0) {
                goto done;
            }

        } else if (strcmp(type, "thinking") == 0) {
            s = agw_ant_str(b, "thinking");
            if (s != NULL) {
                if (agw_buf_append_str(&reasoning, s) != 0) {
                    goto done;
                }
                has_reasoning = 1;
            }
            if (agw_ant_append(blocks, json_pack("{s:s, s:s, s:s}",
                    "type", "thinking", "thinking", s ? s : "",
                    "signature", agw_ant_str(b, "signature")
                                 ? agw_ant_str(b, "signature") : ""))
                != 0)
            {
                goto done;
            }

        } else if (strcmp(type, "redacted_thinking") == 0) {
            s = agw_ant_str(b, "data");
            if (agw_ant_append(blocks, json_pack("{s:s, s:s}",
                    "type", "redacted_thinking", "data", s ? s : ""))
                != 0)
            {
                goto done;
            }

        } else if (strcmp(type, "server_tool_use") == 0
                   || strstr(type, "_tool_result") != NULL)
        {
            continue;

        } else {
            agw_ant_bad(err, "assistant content block type \"%s\" cannot "
                        "be translated", type);
            goto done;
        }
    }

    msg = json_object();
    if (msg == NULL || agw_ant_set(msg, "role", json_string("assistant")) != 0) {
        goto done;
    }

    if (has_text) {
        /* data is NULL when every text block was empty */
        if (agw_ant_set(msg, "content", json_stringn(text.data ? text.data
                                                     : "", text.len)) != 0)
        {
            goto done;
        }

    } else if (json_array_size(calls) > 0) {
        if (agw_ant_set(msg, "content", json_null()) != 0) {
            goto done;
        }

    } else if (agw_ant_set(msg, "content", json_string("")) != 0) {
        goto done;
    }

    if (json_array_size(calls) > 0
        && json_object_set(msg, "tool_calls", calls) != 0)
    {
        goto done;
    }

    if (has_reasoning
        && agw_ant_set(msg, "reasoning_content",
                       json_stringn(reasoning.data ? reasoning.data : "",
                                    reasoning.len)) != 0)
    {
        goto done;
    }

    if (json_array_size(blocks) > 0
        && json_object_set(msg, "thinking_blocks", blocks) != 0)
    {
        goto done;
    }

    rc = 0;

done:

    json_decref(calls);
    json_decref(blocks);
    agw_buf_free(&text);
    agw_buf_free(&reasoning);

    if (rc != 0) {
        json_decref(msg);
        return NULL;
    }

    return msg;
}


/* system: a string, or text blocks (their cache_control has no equivalent
 * outside Anthropic: OpenAI and Gemini cache on their own). */
static int
agw_ant_system_to_hub(json_t *system, json_t *msgs, agw_error_t *err)
{
    size_t       i;
    json_t      *parts, *b;
    const char  *text;

    if (system == NULL || json_is_null(system)) {
        return 0;
    }

    if (json_is_string(system)) {
        return agw_ant_append(msgs, json_pack("{s:s, s:O}", "role", "system",
                                              "content", system));
    }

    if (!json_is_array(system)) {
        agw_ant_bad(err, "system must be a string or an array");
        return -1;
    }

    if (json_array_size(system) == 1) {
        text = agw_ant_str(json_array_get(system, 0), "text");
        if (text == NULL) {
            agw_ant_bad(err, "system blocks must be text blocks");
            return -1;
        }
        return agw_ant_append(msgs, json_pack("{s:s, s:s}", "role", "system",
                                              "content", text));
    }

    parts = json_array();
    if (parts == NULL) {
        return -1;
    }

    json_array_foreach(system, i, b) {
        text = agw_ant_str(b, "text");
        if (text == NULL) {
            agw_ant_bad(err, "system blocks must be text blocks");
            json_decref(parts);
            return -1;
        }
        if (agw_ant_append(parts, json_pack("{s:s, s:s}", "type", "text",
                                            "text", text)) != 0)
        {
            json_decref(parts);
            return -1;
        }
    }

    if (json_array_size(parts) == 0) {
        json_decref(parts);
        return 0;
    }

    return agw_ant_append(msgs, json_pack("{s:s, s:o}", "role", "system",
                                          "content", parts));
}


/* Client tools only: Anthropic-defined and server tools (web_search_*,
 * bash_*, text_editor_*, ...) have no schema another provider could run;
 * they are dropped (documented). */
static int
agw_ant_tools_to_hub(json_t *tools, json_t *hub)
{
    size_t       i;
    json_t      *t, *out, *fn, *schema;
    const char  *type, *name;

    if (!json_is_array(tools)) {
        return 0;
    }

    out = json_array();
    if (out == NULL) {
        return -1;
    }

    json_array_foreach(tools, i, t) {
        type = agw_ant_str(t, "type");
        name = agw_ant_str(t, "name");
        schema = json_object_get(t, "input_schema");

        if ((type != NULL && strcmp(type, "custom") != 0)
            || name == NULL || !json_is_object(schema))
        {
            continue;
        }

        fn = json_pack("{s:s, s:O}", "name", name, "parameters", schema);
        if (fn == NULL
            || agw_ant_copy(fn, "description", t, "description", JSON_STRING)
               != 0
            || agw_ant_append(out, json_pack("{s:s, s:o}", "type", "function",
                                             "function", fn)) != 0)
        {
            json_decref(out);
            return -1;
        }
    }

    if (json_array_size(out) == 0) {
        json_decref(out);
        return 0;
    }

    return agw_ant_set(hub, "tools", out);
}


static int
agw_ant_tool_choice_to_hub(json_t *tc, json_t *hub)
{
    json_t      *v;
    const char  *type;

    if (!json_is_object(tc) || json_object_get(hub, "tools") == NULL) {
        return 0;
    }

    type = agw_ant_str(tc, "type");
    if (type == NULL) {
        return 0;
    }

    if (strcmp(type, "auto") == 0) {
        v = json_string("auto");

    } else if (strcmp(type, "any") == 0) {
        v = json_string("required");

    } else if (strcmp(type, "none") == 0) {
        v = json_string("none");

    } else if (strcmp(type, "tool") == 0 && agw_ant_str(tc, "name")) {
        v = json_pack("{s:s, s:{s:s}}", "type", "function", "function",
                      "name", agw_ant_str(tc, "name"));

    } else {
        return 0;
    }

    if (agw_ant_set(hub, "tool_choice", v) != 0) {
        return -1;
    }

    if (json_is_true(json_object_get(tc, "disable_parallel_tool_use"))) {
        return agw_ant_set(hub, "parallel_tool_calls", json_false());
    }

    return 0;
}


/* thinking.budget_tokens -> reasoning_effort, the inverse of the budgets
 * in agw_anthropic_int.h.  Adaptive thinking leaves the provider's default
 * (documented). */
static int
agw_ant_thinking_to_hub(json_t *in, json_t *hub)
{
    json_t      *th, *oc;
    json_int_t   budget;
    const char  *type, *effort;

    effort = NULL;

    th = json_object_get(in, "thinking");
    type = agw_ant_str(th, "type");
    if (type != NULL && strcmp(type, "enabled") == 0) {
        budget = json_integer_value(json_object_get(th, "budget_tokens"));
        effort = budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
    }

    /* output_config.effort (low|medium|high|max) says the same thing */
    oc = json_object_get(in, "output_config");
    type = agw_ant_str(oc, "effort");
    if (type != NULL) {
        effort = strcmp(type, "max") == 0 ? "high" : type;
    }

    if (effort == NULL) {
        return 0;
    }

    return agw_ant_set(hub, "reasoning_effort", json_string(effort));
}


json_t *
agw_ant_request_to_hub(json_t *in, const agw_request_opts_t *o,
    agw_error_t *err)
{
    size_t       i;
    json_t      *hub, *msgs, *m, *v;
    const char  *role, *model;

    if (!json_is_object(in)) {
        agw_ant_bad(err, "request body must be a JSON object");
        return NULL;
    }

    if (!json_is_array(json_object_get(in, "messages"))) {
        agw_ant_bad(err, "\"messages\" must be an array");
        return NULL;
    }

    hub = json_object();
    msgs = json_array();
    if (hub == NULL || msgs == NULL) {
        json_decref(hub);
        json_decref(msgs);
        return NULL;
    }

    model = (o && o->model) ? o->model : agw_ant_str(in, "model");
    if (model != NULL && agw_ant_set(hub, "model", json_string(model)) != 0) {
        goto failed;
    }

    if (json_object_set_new(hub, "messages", msgs) != 0) {
        goto failed;
    }

    if (agw_ant_system_to_hub(json_object_get(in, "system"), msgs, err) != 0) {
        goto failed;
    }

    json_array_foreach(json_object_get(in, "messages"), i, m) {
        role = agw_ant_str(m, "role");

        if (role != NULL && strcmp(role, "user") == 0) {
            if (agw_ant_user_to_hub(json_object_get(m, "content"), msgs, err)
                != 0)
            {
                goto failed;
            }

        } else if (role != NULL && strcmp(role, "assistant") == 0) {
            if (agw_ant_append(msgs, agw_ant_assistant_message(
                    json_object_get(m, "content"), err)) != 0)
            {
                goto failed;
            }

        } else if (role != NULL && strcmp(role, "system") == 0) {
            /* a mid-conversation system message (Claude Code sends them):
             * text only, like the top-level system, kept at its position
             * for the provider's writer to place (docs/translation-*.md) */
            if (agw_ant_system_to_hub(json_object_get(m, "content"), msgs,
                                      err) != 0)
            {
                goto failed;
            }

        } else {
            agw_ant_bad(err, "message role \"%s\" is not user, assistant "
                        "or system", role ? role : "(none)");
            goto failed;
        }
    }

    if (agw_ant_copy(hub, "max_tokens", in, "max_tokens", JSON_INTEGER) != 0
        || agw_ant_copy(hub, "temperature", in, "temperature", JSON_REAL) != 0
        || agw_ant_copy(hub, "top_p", in, "top_p", JSON_REAL) != 0
        || agw_ant_copy(hub, "stop", in, "stop_sequences", JSON_ARRAY) != 0)
    {
        goto failed;
    }

    v = json_object_get(json_object_get(in, "metadata"), "user_id");
    if (json_is_string(v) && json_object_set(hub, "user", v) != 0) {
        goto failed;
    }

    if ((o ? o->stream : json_is_true(json_object_get(in, "stream")))
        && agw_ant_set(hub, "stream", json_true()) != 0)
    {
        goto failed;
    }

    if (agw_ant_tools_to_hub(json_object_get(in, "tools"), hub) != 0
        || agw_ant_tool_choice_to_hub(json_object_get(in, "tool_choice"), hub)
           != 0
        || agw_ant_thinking_to_hub(in, hub) != 0)
    {
        goto failed;
    }

    return hub;

failed:

    if (err->cls == AGW_ERR_NONE) {
        agw_error_set(err, AGW_ERR_SERVER, 0, "out_of_memory",
                      "out of memory translating the request");
    }

    json_decref(hub);
    return NULL;
}


/* hub -> Anthropic provider */

/*
 * Appends block to the last message when it has the same role, else starts
 * a new message: Anthropic wants user and assistant turns to alternate, and
 * tool results (hub "tool" messages) to sit in one user turn.  Steals block.
 */
static int
agw_ant_push(json_t *msgs, const char *role, json_t *block)
{
    json_t      *last, *msg;
    const char  *lrole;

    if (block == NULL) {
        return -1;
    }

    last = json_array_get(msgs, json_array_size(msgs) - 1);
    lrole = agw_ant_str(last, "role");

    if (last != NULL && lrole != NULL && strcmp(lrole, role) == 0) {
        return json_array_append_new(json_object_get(last, "content"), block);
    }

    msg = json_pack("{s:s, s:[o]}", "role", role, "content", block);

    return agw_ant_append(msgs, msg);
}


/* A text block; cache_control on the hub part (LiteLLM's convention) is
 * kept.  Empty text is skipped: Anthropic refuses empty text blocks. */
static int
agw_ant_text_block(json_t *dst, const char *role, const char *text,
    json_t *part)
{
    json_t  *b, *cc;

    if (text == NULL || text[0] == '\0') {
        return 0;
    }

    b = json_pack("{s:s, s:s}", "type", "text", "text", text);
    if (b == NULL) {
        return -1;
    }

    cc = json_object_get(part, "cache_control");
    if (cc != NULL && json_object_set(b, "cache_control", cc) != 0) {
        json_decref(b);
        return -1;
    }

    if (role == NULL) {
        return agw_ant_append(dst, b);
    }

    return agw_ant_push(dst, role, b);
}


/*
 * Content parts of a user (or system, or assistant) message.  Audio and
 * file ids have no Anthropic equivalent: refused rather than dropped, so
 * the client learns the provider cannot see them.
 */
static int
agw_ant_parts_from_hub(json_t *content, json_t *dst, const char *role,
    agw_error_t *err)
{
    size_t       i;
    json_t      *p, *src, *iu, *f, *b;
    const char  *type, *url;

    if (json_is_string(content)) {
        return agw_ant_text_block(dst, role, json_string_value(content), NULL);
    }

    if (content == NULL || json_is_null(content)) {
        return 0;
    }

    if (!json_is_array(content)) {
        agw_ant_bad(err, "message content must be a string or an array");
        return -1;
    }

    json_array_foreach(content, i, p) {
        type = agw_ant_str(p, "type");
        if (type == NULL) {
            agw_ant_bad(err, "content part without a type");
            return -1;
        }

        if (strcmp(type, "text") == 0 || strcmp(type, "refusal") == 0) {
            if (agw_ant_text_block(dst, role,
                    agw_ant_str(p, strcmp(type, "text") == 0 ? "text"
                                                              : "refusal"),
                    p) != 0)
            {
                return -1;
            }
            continue;
        }

        if (role == NULL) {
            agw_ant_bad(err, "%s content can only be text",
                        "system and tool message");
            return -1;
        }

        if (strcmp(type, "image_url") == 0) {
            iu = json_object_get(p, "image_url");
            url = json_is_string(iu) ? json_string_value(iu)
                                     : agw_ant_str(iu, "url");
            if (url == NULL) {
                agw_ant_bad(err, "image_url part without url");
                return -1;
            }
            src = agw_ant_source_from_url(url, err);
            if (src == NULL) {
                return -1;
            }
            b = json_pack("{s:s, s:o}", "type", "image", "source", src);

        } else if (strcmp(type, "file") == 0) {
            f = json_object_get(p, "file");
            url = agw_ant_str(f, "file_data");
            if (url == NULL || strncmp(url, "data:", 5) != 0) {
                agw_ant_bad(err, "only inline file_data can be sent to "
                            "Anthropic");
                return -1;
            }
            src = agw_ant_source_from_url(url, err);
            if (src == NULL) {
                return -1;
            }
            b = json_pack("{s:s, s:o}", "type", "document", "source", src);

        } else {
            agw_ant_bad(err, "content part type \"%s\" has no Anthropic "
                        "equivalent", type);
            return -1;
        }

        if (b != NULL && json_object_get(p, "cache_control") != NULL
            && json_object_set(b, "cache_control",
                               json_object_get(p, "cache_control")) != 0)
        {
            json_decref(b);
            return -1;
        }

        if (agw_ant_push(dst, role, b) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
agw_ant_tool_calls_from_hub(json_t *calls, json_t *msgs, agw_error_t *err)
{
    size_t       i;
    json_t      *c, *fn, *input;
    const char  *id, *name, *args, *p;

    json_array_foreach(calls, i, c) {
        fn = json_object_get(c, "function");
        id = agw_ant_str(c, "id");
        name = agw_ant_str(fn, "name");
        args = agw_ant_str(fn, "arguments");

        if (id == NULL || name == NULL) {
            agw_ant_bad(err, "tool call needs id and function.name");
            return -1;
        }

        for (p = args; p && (*p == ' ' || *p == '\n' || *p == '\t'); p++) {
            /* void */
        }

        if (p == NULL || *p == '\0') {
            /* a tool without parameters streams no argument bytes */
            input = json_object();

        } else {
            input = json_loads(args, 0, NULL);
            if (!json_is_object(input)) {
                json_decref(input);
                agw_ant_bad(err, "arguments of tool call \"%s\" are not a "
                            "JSON object", id);
                return -1;
            }
        }

        if (agw_ant_push(msgs, "assistant",
                json_pack("{s:s, s:s, s:s, s:o}", "type", "tool_use",
                          "id", id, "name", name, "input", input)) != 0)
        {
            return -1;
        }
    }

    return 0;
}


/*
 * Thinking blocks go first in an assistant turn, with their signature, as
 * Anthropic requires for a conversation that continues after thinking.
 * Unsigned thinking entries are text fragments of the next signed one (a
 * client that kept a stream's thinking_blocks as they came, see
 * agw_anthropic_stream.c): their text is joined to it.  Text left without
 * a signature, and reasoning_content without thinking_blocks, came from
 * elsewhere and has no signature Anthropic would accept: dropped
 * (documented).
 */
static int
agw_ant_thinking_blocks_from_hub(json_t *blocks, json_t *msgs)
{
    int          rc;
    size_t       i;
    json_t      *b, *nb;
    agw_buf_t    text = AGW_BUF_INIT;
    const char  *type, *sig, *t;

    rc = -1;

    json_array_foreach(blocks, i, b) {
        type = agw_ant_str(b, "type");
        if (type == NULL) {
            continue;
        }

        if (strcmp(type, "thinking") == 0) {
            t = agw_ant_str(b, "thinking");
            if (t != NULL && agw_buf_append_str(&text, t) != 0) {
                goto done;
            }

            sig = agw_ant_str(b, "signature");
            if (sig == NULL || sig[0] == '\0') {
                continue;
            }

            nb = json_pack("{s:s, s:s%, s:s}", "type", "thinking",
                           "thinking", text.data ? text.data : "", text.len,
                           "signature", sig);
            agw_buf_reset(&text);

        } else if (strcmp(type, "redacted_thinking") == 0
                   && agw_ant_str(b, "data") != NULL)
        {
            nb = json_pack("{s:s, s:s}", "type", "redacted_thinking",
                           "data", agw_ant_str(b, "data"));

        } else {
            continue;
        }

        if (agw_ant_push(msgs, "assistant", nb) != 0) {
            goto done;
        }
    }

    rc = 0;

done:

    agw_buf_free(&text);
    return rc;
}


static int
agw_ant_tool_message_from_hub(json_t *m, json_t *msgs, agw_error_t *err)
{
    json_t      *content, *b, *blocks;
    const char  *id;

    id = agw_ant_str(m, "tool_call_id");
    if (id == NULL) {
        agw_ant_bad(err, "tool message without tool_call_id");
        return -1;
    }

    b = json_pack("{s:s, s:s}", "type", "tool_result", "tool_use_id", id);
    if (b == NULL) {
        return -1;
    }

    content = json_object_get(m, "content");

    if (json_is_string(content)) {
        if (json_string_length(content) > 0
            && json_object_set(b, "content", content) != 0)
        {
            goto failed;
        }

    } else if (json_is_array(content)) {
        blocks = json_array();
        if (blocks == NULL || json_object_set_new(b, "content", blocks) != 0) {
            goto failed;
        }
        if (agw_ant_parts_from_hub(content, blocks, NULL, err) != 0) {
            goto failed;
        }
        if (json_array_size(blocks) == 0) {
            json_object_del(b, "content");
        }
    }

    return agw_ant_push(msgs, "user", b);

failed:

    json_decref(b);
    return -1;
}


static int
agw_ant_tools_from_hub(json_t *tools, json_t *out, agw_error_t *err)
{
    size_t       i;
    json_t      *t, *fn, *params, *list, *nt;
    const char  *name;

    if (!json_is_array(tools) || json_array_size(tools) == 0) {
        return 0;
    }

    list = json_array();
    if (list == NULL || json_object_set_new(out, "tools", list) != 0) {
        return -1;
    }

    json_array_foreach(tools, i, t) {
        fn = json_object_get(t, "function");
        name = agw_ant_str(fn, "name");
        if (name == NULL) {
            agw_ant_bad(err, "tools[%zu] is not a function tool", i);
            return -1;
        }

        params = json_object_get(fn, "parameters");
        if (json_is_object(params)) {
            nt = json_pack("{s:s, s:O}", "name", name, "input_schema",
                           params);
        } else {
            /* Anthropic needs a schema even for a tool without arguments */
            nt = json_pack("{s:s, s:{s:s, s:{}}}", "name", name,
                           "input_schema", "type", "object", "properties");
        }

        if (nt == NULL
            || agw_ant_copy(nt, "description", fn, "description", JSON_STRING)
               != 0
            || agw_ant_append(list, nt) != 0)
        {
            return -1;
        }
    }

    return 0;
}


/* Returns 1 when the choice forces a tool (thinking must then be off). */
static int
agw_ant_tool_choice_from_hub(json_t *hub, json_t *out)
{
    json_t      *tc, *v;
    const char  *s;
    int          forced;

    if (json_object_get(out, "tools") == NULL) {
        return 0;
    }

    tc = json_object_get(hub, "tool_choice");
    forced = 0;
    v = NULL;

    if (json_is_string(tc)) {
        s = json_string_value(tc);
        if (strcmp(s, "none") == 0) {
            v = json_pack("{s:s}", "type", "none");
        } else if (strcmp(s, "required") == 0) {
            v = json_pack("{s:s}", "type", "any");
            forced = 1;
        } else {
            v = json_pack("{s:s}", "type", "auto");
        }

    } else if (json_is_object(tc)
               && agw_ant_str(json_object_get(tc, "function"), "name"))
    {
        v = json_pack("{s:s, s:s}", "type", "tool", "name",
                      agw_ant_str(json_object_get(tc, "function"), "name"));
        forced = 1;

    } else if (json_is_false(json_object_get(hub, "parallel_tool_calls"))) {
        v = json_pack("{s:s}", "type", "auto");

    } else {
        return 0;
    }

    if (v == NULL) {
        return -1;
    }

    if (json_is_false(json_object_get(hub, "parallel_tool_calls"))
        && strcmp(agw_ant_str(v, "type"), "none") != 0
        && json_object_set_new(v, "disable_parallel_tool_use", json_true())
           != 0)
    {
        json_decref(v);
        return -1;
    }

    if (json_object_set_new(out, "tool_choice", v) != 0) {
        return -1;
    }

    return forced;
}


/*
 * With thinking on, Anthropic wants the last assistant turn of a tool loop
 * in progress (the last turn holds tool results) to start with its signed
 * thinking block.  A client that does not keep
 * thinking_blocks (most OpenAI SDK users) cannot send it, and the request
 * would be refused: thinking is left off for that request instead
 * (documented), as the turn in progress was thought through already.
 */
static int
agw_ant_unsigned_tool_turn(json_t *msgs)
{
    size_t       i, n;
    json_t      *m, *content, *b;
    const char  *type;

    /* a tool loop in progress: the last turn carries tool results */
    n = json_array_size(msgs);
    content = json_object_get(json_array_get(msgs, n - 1), "content");
    type = agw_ant_str(json_array_get(content, 0), "type");
    if (type == NULL || strcmp(type, "tool_result") != 0) {
        return 0;
    }

    for ( /* void */ ; n > 0; n--) {
        m = json_array_get(msgs, n - 1);
        if (strcmp(agw_ant_str(m, "role"), "assistant") == 0) {
            break;
        }
    }

    if (n == 0) {
        return 0;
    }

    content = json_object_get(json_array_get(msgs, n - 1), "content");
    type = agw_ant_str(json_array_get(content, 0), "type");
    if (type != NULL && (strcmp(type, "thinking") == 0
                         || strcmp(type, "redacted_thinking") == 0))
    {
        return 0;
    }

    json_array_foreach(content, i, b) {
        type = agw_ant_str(b, "type");
        if (type != NULL && strcmp(type, "tool_use") == 0) {
            return 1;
        }
    }

    return 0;
}


/* reasoning_effort -> a thinking budget (agw_anthropic_int.h); 0: none. */
static json_int_t
agw_ant_budget(json_t *hub)
{
    const char  *e;

    e = agw_ant_str(hub, "reasoning_effort");
    if (e == NULL || strcmp(e, "none") == 0) {
        return 0;
    }

    if (strcmp(e, "minimal") == 0) {
        return AGW_ANT_BUDGET_MINIMAL;
    }

    if (strcmp(e, "low") == 0) {
        return AGW_ANT_BUDGET_LOW;
    }

    if (strcmp(e, "medium") == 0) {
        return AGW_ANT_BUDGET_MEDIUM;
    }

    return AGW_ANT_BUDGET_HIGH;
}


static int
agw_ant_system_from_hub(json_t *system, json_t *out)
{
    json_t  *b;

    if (json_array_size(system) == 0) {
        return 0;
    }

    b = json_array_get(system, 0);
    if (json_array_size(system) == 1
        && json_object_get(b, "cache_control") == NULL)
    {
        return json_object_set(out, "system", json_object_get(b, "text"));
    }

    return json_object_set(out, "system", system);
}


json_t *
agw_ant_request_from_hub(json_t *hub, const agw_request_opts_t *o,
    agw_error_t *err)
{
    size_t       i;
    json_t      *out, *msgs, *system, *m, *v;
    json_int_t   max_tokens, budget;
    const char  *role, *model;
    int          forced;

    if (!json_is_object(hub)
        || !json_is_array(json_object_get(hub, "messages")))
    {
        agw_ant_bad(err, "\"messages\" must be an array");
        return NULL;
    }

    v = json_object_get(hub, "n");
    if (json_is_integer(v) && json_integer_value(v) > 1) {
        agw_ant_bad(err, "Anthropic returns one choice: n must be 1");
        return NULL;
    }

    out = json_object();
    msgs = json_array();
    system = json_array();
    if (out == NULL || msgs == NULL || system == NULL) {
        goto nomem;
    }

    model = (o && o->model) ? o->model : agw_ant_str(hub, "model");
    if (model == NULL) {
        agw_ant_bad(err, "no model");
        goto failed;
    }

    if (agw_ant_set(out, "model", json_string(model)) != 0) {
        goto nomem;
    }

    json_array_foreach(json_object_get(hub, "messages"), i, m) {
        role = agw_ant_str(m, "role");
        if (role == NULL) {
            agw_ant_bad(err, "message without a role");
            goto failed;
        }

        if (strcmp(role, "system") == 0 || strcmp(role, "developer") == 0) {
            /* Anthropic has one system prompt, before all turns: system
             * messages anywhere are gathered there, in order */
            if (agw_ant_parts_from_hub(json_object_get(m, "content"), system,
                                       NULL, err) != 0)
            {
                goto failed;
            }

        } else if (strcmp(role, "user") == 0) {
            if (agw_ant_parts_from_hub(json_object_get(m, "content"), msgs,
                                       "user", err) != 0)
            {
                goto failed;
            }

        } else if (strcmp(role, "assistant") == 0) {
            if (agw_ant_thinking_blocks_from_hub(
                    json_object_get(m, "thinking_blocks"), msgs) != 0
                || agw_ant_parts_from_hub(json_object_get(m, "content"), msgs,
                                          "assistant", err) != 0
                || agw_ant_tool_calls_from_hub(
                       json_object_get(m, "tool_calls"), msgs, err) != 0)
            {
                goto failed;
            }

        } else if (strcmp(role, "tool") == 0) {
            if (agw_ant_tool_message_from_hub(m, msgs, err) != 0) {
                goto failed;
            }

        } else {
            agw_ant_bad(err, "message role \"%s\" has no Anthropic "
                        "equivalent", role);
            goto failed;
        }
    }

    if (json_array_size(msgs) == 0) {
        agw_ant_bad(err, "no message with content to send");
        goto failed;
    }

    if (agw_ant_system_from_hub(system, out) != 0
        || json_object_set(out, "messages", msgs) != 0)
    {
        goto nomem;
    }

    v = json_object_get(hub, "max_completion_tokens");
    if (!json_is_integer(v)) {
        v = json_object_get(hub, "max_tokens");
    }
    max_tokens = json_is_integer(v) ? json_integer_value(v) : 0;
    if (max_tokens <= 0) {
        max_tokens = (o && o->default_max_tokens > 0)
                     ? o->default_max_tokens : AGW_ANT_FALLBACK_MAX_TOKENS;
    }

    if (agw_ant_tools_from_hub(json_object_get(hub, "tools"), out, err) != 0) {
        goto failed;
    }

    forced = agw_ant_tool_choice_from_hub(hub, out);
    if (forced < 0) {
        goto nomem;
    }

    /* Anthropic refuses thinking with a forced tool: the forced tool, which
     * the client's logic depends on, wins (documented) */
    budget = forced ? 0 : agw_ant_budget(hub);

    if (budget > 0 && agw_ant_unsigned_tool_turn(msgs)) {
        budget = 0;
    }

    if (budget > 0) {
        /* max_tokens counts thinking too and must exceed the budget: the
         * budget is added so the answer keeps the room the client asked */
        if (max_tokens <= budget) {
            max_tokens += budget;
        }
        if (agw_ant_set(out, "thinking", json_pack("{s:s, s:I}", "type",
                "enabled", "budget_tokens", budget)) != 0)
        {
            goto nomem;
        }

    } else {
        /* Anthropic's temperature is 0..1, OpenAI's 0..2: clamped */
        v = json_object_get(hub, "temperature");
        if (json_is_number(v)
            && agw_ant_set(out, "temperature",
                           json_real(json_number_value(v) > 1.0
                                     ? 1.0 : json_number_value(v))) != 0)
        {
            goto nomem;
        }
        if (agw_ant_copy(out, "top_p", hub, "top_p", JSON_REAL) != 0) {
            goto nomem;
        }
    }

    if (agw_ant_set(out, "max_tokens", json_integer(max_tokens)) != 0) {
        goto nomem;
    }

    v = json_object_get(hub, "stop");
    if (json_is_string(v)) {
        if (agw_ant_set(out, "stop_sequences", json_pack("[O]", v)) != 0) {
            goto nomem;
        }
    } else if (json_is_array(v) && json_array_size(v) > 0) {
        if (json_object_set(out, "stop_sequences", v) != 0) {
            goto nomem;
        }
    }

    v = json_object_get(hub, "user");
    if (json_is_string(v)
        && agw_ant_set(out, "metadata", json_pack("{s:O}", "user_id", v)) != 0)
    {
        goto nomem;
    }

    if ((o ? o->stream : json_is_true(json_object_get(hub, "stream")))
        && agw_ant_set(out, "stream", json_true()) != 0)
    {
        goto nomem;
    }

    json_decref(msgs);
    json_decref(system);

    return out;

nomem:

    agw_error_set(err, AGW_ERR_SERVER, 0, "out_of_memory",
                  "out of memory translating the request");

failed:

    json_decref(out);
    json_decref(msgs);
    json_decref(system);

    return NULL;
}


/* Same dialect both sides: the body as sent, but for the model and the
 * max_tokens Anthropic requires. */
json_t *
agw_ant_request_passthrough(json_t *in, const agw_request_opts_t *o,
    agw_error_t *err)
{
    json_t      *out;
    json_int_t   max_tokens;

    if (!json_is_object(in)) {
        agw_ant_bad(err, "request body must be a JSON object");
        return NULL;
    }

    out = json_deep_copy(in);
    if (out == NULL) {
        goto nomem;
    }

    if (o && o->model
        && agw_ant_set(out, "model", json_string(o->model)) != 0)
    {
        goto nomem;
    }

    if (!json_is_integer(json_object_get(out, "max_tokens"))) {
        max_tokens = (o && o->default_max_tokens > 0)
                     ? o->default_max_tokens : AGW_ANT_FALLBACK_MAX_TOKENS;
        if (agw_ant_set(out, "max_tokens", json_integer(max_tokens)) != 0) {
            goto nomem;
        }
    }

    return out;

nomem:

    json_decref(out);
    agw_error_set(err, AGW_ERR_SERVER, 0, "out_of_memory",
                  "out of memory translating the request");
    return NULL;
}
