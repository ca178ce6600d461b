/*
 * Gemini requests to and from the hub (OpenAI Chat Completions).
 *
 * Gemini carries the model and the stream flag in the URL, so neither is
 * in its body: request_to_hub takes them from the options (the module read
 * them from the URL) and request_from_hub leaves them out.  Function
 * results are matched by name and order in Gemini and by id in OpenAI:
 * ids are made from positions, so the same conversation always gets the
 * same ids, and mapped back to names by looking the id up.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agw_gemini_int.h"


/* What Google documents for replaying a function call it did not sign
 * (a history made by another provider): skips the signature check. */
#define AGW_GM_SKIP_SIGNATURE  "skip_thought_signature_validator"

/* thinkingBudget of each reasoning_effort (tokens). */
#define AGW_GM_BUDGET_MINIMAL  512
#define AGW_GM_BUDGET_LOW      1024
#define AGW_GM_BUDGET_MEDIUM   8192
#define AGW_GM_BUDGET_HIGH     24576


static json_t *agw_gm_schema_to_json(const json_t *schema);
static int agw_gm_invalid(agw_error_t *err, const char *fmt, const char *a);


static int
agw_gm_invalid(agw_error_t *err, const char *fmt, const char *a)
{
    agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_request", fmt,
                  a ? a : "");
    return -1;
}


/* Gemini -> hub */

/*
 * Gemini's `parameters` is an OpenAPI 3.0 subset with upper-case type
 * names and `nullable`; JSON Schema spells them "object" and
 * ["string","null"].  propertyOrdering has no JSON Schema meaning.
 */
static json_t *
agw_gm_schema_to_json(const json_t *schema)
{
    size_t       i;
    char         lower[32];
    json_t      *out, *v, *c, *t;
    const char  *key, *type;

    if (json_is_array(schema)) {
        out = json_array();
        if (out == NULL) {
            return NULL;
        }
        json_array_foreach(schema, i, v) {
            if (json_array_append_new(out, agw_gm_schema_to_json(v)) != 0) {
                json_decref(out);
                return NULL;
            }
        }
        return out;
    }

    if (!json_is_object(schema)) {
        return json_deep_copy(schema);
    }

    out = json_object();
    if (out == NULL) {
        return NULL;
    }

    json_object_foreach((json_t *) schema, key, v) {
        if (strcmp(key, "propertyOrdering") == 0
            || strcmp(key, "nullable") == 0)
        {
            continue;
        }

        if (strcmp(key, "type") == 0 && json_is_string(v)) {
            type = json_string_value(v);
            if (strcmp(type, "TYPE_UNSPECIFIED") == 0) {
                continue;
            }
            for (i = 0; type[i] != '\0' && i < sizeof(lower) - 1; i++) {
                lower[i] = (type[i] >= 'A' && type[i] <= 'Z')
                           ? type[i] - 'A' + 'a' : type[i];
            }
            lower[i] = '\0';

            if (json_is_true(json_object_get(schema, "nullable"))) {
                t = json_pack("[ss]", lower, "null");
            } else {
                t = json_string(lower);
            }
            if (json_object_set_new(out, "type", t) != 0) {
                goto failed;
            }
            continue;
        }

        if (strcmp(key, "properties") == 0 && json_is_object(v)) {
            const char  *pk;
            json_t      *pv, *props;

            props = json_object();
            if (json_object_set_new(out, key, props) != 0) {
                goto failed;
            }
            json_object_foreach(v, pk, pv) {
                if (json_object_set_new(props, pk,
                                        agw_gm_schema_to_json(pv)) != 0)
                {
                    goto failed;
                }
            }
            continue;
        }

        if (strcmp(key, "items") == 0 || strcmp(key, "anyOf") == 0) {
            c = agw_gm_schema_to_json(v);
        } else {
            c = json_deep_copy(v);
        }

        if (json_object_set_new(out, key, c) != 0) {
            goto failed;
        }
    }

    return out;

failed:

    json_decref(out);
    return NULL;
}


/* "data:<mime>;base64,<data>" of an inlineData part. */
static json_t *
agw_gm_data_url(const char *mime, const char *data)
{
    size_t   n;
    char    *url;
    json_t  *j;

    n = strlen(mime) + strlen(data) + sizeof("data:;base64,");
    url = malloc(n);
    if (url == NULL) {
        return NULL;
    }

    snprintf(url, n, "data:%s;base64,%s", mime, data);
    j = json_string(url);
    free(url);

    return j;
}


/*
 * One non-function part of a user turn as an OpenAI content item.  Images
 * become image_url (inline data as a data: URL; a fileData URI as the
 * URL, which a provider that cannot fetch it will refuse), wav/mp3 audio
 * input_audio, a PDF a file; anything else cannot be said in the hub.
 */
static json_t *
agw_gm_user_part(const json_t *part, agw_error_t *err)
{
    json_t      *blob, *url;
    const char  *text, *mime, *data, *uri;

    text = agw_gm_str(part, "text", NULL);
    if (text != NULL) {
        return json_pack("{s:s, s:s}", "type", "text", "text", text);
    }

    blob = agw_gm_get(part, "inlineData", "inline_data");
    if (json_is_object(blob)) {
        mime = agw_gm_str(blob, "mimeType", "mime_type");
        data = agw_gm_str(blob, "data", NULL);
        if (mime == NULL || data == NULL) {
            agw_gm_invalid(err, "inlineData needs mimeType and data%s", "");
            return NULL;
        }

        if (strncmp(mime, "image/", 6) == 0) {
            url = agw_gm_data_url(mime, data);
            return json_pack("{s:s, s:{s:o}}", "type", "image_url",
                             "image_url", "url", url);
        }

        if (strcmp(mime, "audio/wav") == 0 || strcmp(mime, "audio/mp3") == 0
            || strcmp(mime, "audio/mpeg") == 0)
        {
            return json_pack("{s:s, s:{s:s, s:s}}", "type", "input_audio",
                             "input_audio", "data", data,
                             "format", strcmp(mime, "audio/wav") == 0
                                       ? "wav" : "mp3");
        }

        if (strcmp(mime, "application/pdf") == 0) {
            url = agw_gm_data_url(mime, data);
            return json_pack("{s:s, s:{s:s, s:o}}", "type", "file",
                             "file", "filename", "document.pdf",
                             "file_data", url);
        }

        agw_gm_invalid(err, "inlineData of type \"%s\" cannot be sent to "
                       "this provider", mime);
        return NULL;
    }

    blob = agw_gm_get(part, "fileData", "file_data");
    if (json_is_object(blob)) {
        mime = agw_gm_str(blob, "mimeType", "mime_type");
        uri = agw_gm_str(blob, "fileUri", "file_uri");
        if (uri == NULL) {
            agw_gm_invalid(err, "fileData needs a fileUri%s", "");
            return NULL;
        }

        if (mime != NULL && strncmp(mime, "image/", 6) != 0) {
            agw_gm_invalid(err, "fileData of type \"%s\" cannot be sent to "
                           "this provider", mime);
            return NULL;
        }

        return json_pack("{s:s, s:{s:s}}", "type", "image_url",
                         "image_url", "url", uri);
    }

    agw_gm_invalid(err, "a user part of this kind cannot be sent to this "
                   "provider%s", "");
    return NULL;
}


/* Tool call ids of the last model turn, for the function responses of the
 * next user turn: [{"name","id","used"}]. */
static const char *
agw_gm_take_call(json_t *calls, const char *name)
{
    size_t   i;
    json_t  *c;

    json_array_foreach(calls, i, c) {
        if (!json_is_true(json_object_get(c, "used"))
            && strcmp(json_string_value(json_object_get(c, "name")), name)
               == 0)
        {
            if (json_object_set_new(c, "used", json_true()) != 0) {
                return NULL;
            }
            return json_string_value(json_object_get(c, "id"));
        }
    }

    return NULL;
}


/*
 * A user turn: function responses first (as tool messages, which OpenAI
 * wants right after the assistant's tool calls), then the rest as one
 * user message.
 */
static int
agw_gm_user_turn(const json_t *parts, size_t ci, json_t *calls,
    json_t *messages, agw_error_t *err)
{
    size_t       pi;
    char         gen[96];
    char        *text;
    json_t      *part, *fr, *items, *item, *resp, *msg;
    const char  *name, *id;

    items = json_array();
    if (items == NULL) {
        agw_gm_nomem(err);
        return -1;
    }

    json_array_foreach(parts, pi, part) {
        fr = agw_gm_get(part, "functionResponse", "function_response");
        if (fr == NULL) {
            if (agw_gm_str(part, "text", NULL) != NULL
                && json_is_true(json_object_get(part, "thought")))
            {
                continue;
            }
            item = agw_gm_user_part(part, err);
            if (item == NULL) {
                if (err->cls == AGW_ERR_NONE) {
                    agw_gm_nomem(err);
                }
                goto failed;
            }
            if (json_array_append_new(items, item) != 0) {
                agw_gm_nomem(err);
                goto failed;
            }
            continue;
        }

        name = agw_gm_str(fr, "name", NULL);
        if (name == NULL) {
            agw_gm_invalid(err, "a functionResponse needs a name%s", "");
            goto failed;
        }

        id = agw_gm_str(fr, "id", NULL);
        if (id == NULL) {
            id = agw_gm_take_call(calls, name);
        }
        if (id == NULL) {
            /* no call to answer: keep the pair consistent anyway */
            agw_gm_call_id(gen, sizeof(gen), NULL, ci, pi);
            id = gen;
        }

        resp = json_object_get(fr, "response");
        text = json_dumps(resp ? resp : json_object_get(fr, "output"),
                          JSON_COMPACT | JSON_ENCODE_ANY);
        if (text == NULL) {
            text = strdup("{}");
            if (text == NULL) {
                agw_gm_nomem(err);
                goto failed;
            }
        }

        msg = json_pack("{s:s, s:s, s:s}", "role", "tool",
                        "tool_call_id", id, "content", text);
        free(text);
        if (json_array_append_new(messages, msg) != 0) {
            agw_gm_nomem(err);
            goto failed;
        }
    }

    if (json_array_size(items) == 0) {
        json_decref(items);
        return 0;
    }

    item = json_array_get(items, 0);
    if (json_array_size(items) == 1
        && strcmp(json_string_value(json_object_get(item, "type")), "text")
           == 0)
    {
        msg = json_pack("{s:s, s:O}", "role", "user",
                        "content", json_object_get(item, "text"));
        json_decref(items);
    } else {
        msg = json_pack("{s:s, s:o}", "role", "user", "content", items);
    }

    if (json_array_append_new(messages, msg) != 0) {
        agw_gm_nomem(err);
        return -1;
    }

    return 0;

failed:

    json_decref(items);
    return -1;
}


/*
 * A model turn: text parts joined (the SDKs' own `text` joins them), thought
 * parts into reasoning_content, function calls into tool_calls with their
 * thought signature, the signature of a text part into the message's
 * extra_content.google.thought_signature.
 */
static int
agw_gm_model_turn(const json_t *parts, size_t ci, json_t *calls,
    json_t *messages, agw_error_t *err)
{
    size_t   i;
    uint32_t ntools;
    json_t  *msg, *tcs, *tc, *part;

    json_array_clear(calls);

    msg = json_pack("{s:s}", "role", "assistant");
    if (msg == NULL) {
        agw_gm_nomem(err);
        return -1;
    }

    json_array_foreach(parts, i, part) {
        if (agw_gm_get(part, "inlineData", "inline_data") != NULL
            || agw_gm_get(part, "fileData", "file_data") != NULL
            || agw_gm_get(part, "executableCode", "executable_code") != NULL
            || agw_gm_get(part, "codeExecutionResult",
                          "code_execution_result") != NULL)
        {
            json_decref(msg);
            return agw_gm_invalid(err, "a model turn with files or code "
                                  "execution cannot be sent to this "
                                  "provider%s", "");
        }
    }

    ntools = 0;
    if (agw_gm_parts_to_hub(parts, msg, NULL, ci, &ntools, 0, err) != 0) {
        json_decref(msg);
        if (err->cls == AGW_ERR_BAD_GATEWAY) {
            /* what is the provider's fault in a response is the
             * client's in a request */
            err->cls = AGW_ERR_INVALID_REQUEST;
            err->status = agw_error_status(AGW_ERR_INVALID_REQUEST);
        }
        return -1;
    }

    if (json_object_get(msg, "content") == NULL) {
        if (json_object_set_new(msg, "content",
                                ntools ? json_null() : json_string(""))
            != 0)
        {
            goto nomem;
        }
    }

    tcs = json_object_get(msg, "tool_calls");
    json_array_foreach(tcs, i, tc) {
        json_t  *fn = json_object_get(tc, "function");

        if (json_array_append_new(calls,
                json_pack("{s:O, s:O, s:b}",
                          "name", json_object_get(fn, "name"),
                          "id", json_object_get(tc, "id"),
                          "used", 0)) != 0)
        {
            goto nomem;
        }
    }

    if (json_array_append_new(messages, msg) != 0) {
        agw_gm_nomem(err);
        return -1;
    }

    return 0;

nomem:

    json_decref(msg);
    agw_gm_nomem(err);
    return -1;
}


static int
agw_gm_system_to_hub(const json_t *si, json_t *messages, agw_error_t *err)
{
    size_t   i;
    json_t  *parts, *part, *items, *msg;

    if (json_is_string(si)) {
        msg = json_pack("{s:s, s:O}", "role", "system", "content", si);
        goto append;
    }

    parts = json_object_get(si, "parts");
    if (!json_is_array(parts)) {
        return agw_gm_invalid(err, "systemInstruction needs parts%s", "");
    }

    items = json_array();
    if (items == NULL) {
        agw_gm_nomem(err);
        return -1;
    }

    json_array_foreach(parts, i, part) {
        if (!json_is_string(json_object_get(part, "text"))) {
            json_decref(items);
            return agw_gm_invalid(err, "systemInstruction may only hold "
                                  "text parts%s", "");
        }
        if (json_array_append_new(items,
                json_pack("{s:s, s:O}", "type", "text",
                          "text", json_object_get(part, "text"))) != 0)
        {
            json_decref(items);
            agw_gm_nomem(err);
            return -1;
        }
    }

    if (json_array_size(items) == 0) {
        json_decref(items);
        return 0;
    }

    if (json_array_size(items) == 1) {
        msg = json_pack("{s:s, s:O}", "role", "system", "content",
                        json_object_get(json_array_get(items, 0), "text"));
        json_decref(items);
    } else {
        msg = json_pack("{s:s, s:o}", "role", "system", "content", items);
    }

append:

    if (json_array_append_new(messages, msg) != 0) {
        agw_gm_nomem(err);
        return -1;
    }

    return 0;
}


/*
 * Function declarations become OpenAI tools; Google's own tools (search,
 * code execution, URL context, ...) have no equivalent elsewhere and are
 * refused rather than silently dropped.  allowedFunctionNames narrows the
 * tool list itself.
 */
static int
agw_gm_tools_to_hub(const json_t *in, json_t *hub, agw_error_t *err)
{
    size_t       i, j, k;
    int          ok;
    json_t      *tools, *t, *decls, *d, *params, *out, *fn, *fcc, *allowed;
    const char  *key, *name, *mode;
    json_t      *v;

    tools = json_object_get(in, "tools");
    fcc = agw_gm_get(agw_gm_get(in, "toolConfig", "tool_config"),
                     "functionCallingConfig", "function_calling_config");
    mode = agw_gm_str(fcc, "mode", NULL);
    allowed = agw_gm_get(fcc, "allowedFunctionNames",
                         "allowed_function_names");

    if (tools == NULL) {
        return 0;
    }

    if (!json_is_array(tools)) {
        return agw_gm_invalid(err, "tools must be an array%s", "");
    }

    out = json_array();
    if (out == NULL || json_object_set_new(hub, "tools", out) != 0) {
        agw_gm_nomem(err);
        return -1;
    }

    json_array_foreach(tools, i, t) {
        json_object_foreach(t, key, v) {
            if (strcmp(key, "functionDeclarations") != 0
                && strcmp(key, "function_declarations") != 0)
            {
                return agw_gm_invalid(err, "the Gemini tool \"%s\" cannot "
                                      "be sent to this provider", key);
            }
        }

        decls = agw_gm_get(t, "functionDeclarations",
                           "function_declarations");
        json_array_foreach(decls, j, d) {
            name = agw_gm_str(d, "name", NULL);
            if (name == NULL) {
                return agw_gm_invalid(err, "a function declaration needs a "
                                      "name%s", "");
            }

            if (json_is_array(allowed) && json_array_size(allowed) > 0) {
                ok = 0;
                json_array_foreach(allowed, k, v) {
                    if (json_is_string(v)
                        && strcmp(json_string_value(v), name) == 0)
                    {
                        ok = 1;
                    }
                }
                if (!ok) {
                    continue;
                }
            }

            fn = json_pack("{s:s}", "name", name);
            if (fn == NULL) {
                agw_gm_nomem(err);
                return -1;
            }

            if (json_object_get(d, "description") != NULL
                && json_object_set(fn, "description",
                                   json_object_get(d, "description")) != 0)
            {
                json_decref(fn);
                agw_gm_nomem(err);
                return -1;
            }

            params = agw_gm_get(d, "parametersJsonSchema",
                                "parameters_json_schema");
            if (params != NULL) {
                params = json_deep_copy(params);
            } else if (json_object_get(d, "parameters") != NULL) {
                params = agw_gm_schema_to_json(json_object_get(d,
                                                               "parameters"));
            } else {
                params = json_pack("{s:s, s:{}}", "type", "object",
                                   "properties");
            }

            if (json_object_set_new(fn, "parameters", params) != 0
                || json_array_append_new(out,
                       json_pack("{s:s, s:o}", "type", "function",
                                 "function", fn)) != 0)
            {
                agw_gm_nomem(err);
                return -1;
            }
        }
    }

    if (json_array_size(out) == 0) {
        json_object_del(hub, "tools");
        return 0;
    }

    if (mode == NULL || strcmp(mode, "AUTO") == 0
        || strcmp(mode, "MODE_UNSPECIFIED") == 0
        || strcmp(mode, "VALIDATED") == 0)
    {
        v = mode ? json_string("auto") : NULL;

    } else if (strcmp(mode, "NONE") == 0) {
        v = json_string("none");

    } else if (strcmp(mode, "ANY") == 0) {
        if (json_array_size(out) == 1) {
            v = json_pack("{s:s, s:{s:O}}", "type", "function", "function",
                          "name", json_object_get(json_object_get(
                              json_array_get(out, 0), "function"), "name"));
        } else {
            v = json_string("required");
        }

    } else {
        return agw_gm_invalid(err, "unknown functionCallingConfig mode "
                              "\"%s\"", mode);
    }

    if (v != NULL && json_object_set_new(hub, "tool_choice", v) != 0) {
        agw_gm_nomem(err);
        return -1;
    }

    return 0;
}


static int
agw_gm_copy(json_t *dst, const char *dkey, const json_t *src,
    const char *camel, const char *snake)
{
    json_t  *v;

    v = agw_gm_get(src, camel, snake);
    if (v == NULL || json_is_null(v)) {
        return 0;
    }

    return json_object_set(dst, dkey, v);
}


/* generationConfig -> the OpenAI sampling fields. */
static int
agw_gm_config_to_hub(const json_t *in, json_t *hub, agw_error_t *err)
{
    int          rc;
    json_t      *gc, *tc, *v, *schema, *rf;
    const char  *mime, *level;
    json_int_t   budget;

    gc = agw_gm_get(in, "generationConfig", "generation_config");
    if (gc == NULL) {
        return 0;
    }

    rc = agw_gm_copy(hub, "temperature", gc, "temperature", NULL);
    rc |= agw_gm_copy(hub, "top_p", gc, "topP", "top_p");
    rc |= agw_gm_copy(hub, "max_tokens", gc, "maxOutputTokens",
                      "max_output_tokens");
    rc |= agw_gm_copy(hub, "stop", gc, "stopSequences", "stop_sequences");
    rc |= agw_gm_copy(hub, "n", gc, "candidateCount", "candidate_count");
    rc |= agw_gm_copy(hub, "presence_penalty", gc, "presencePenalty",
                      "presence_penalty");
    rc |= agw_gm_copy(hub, "frequency_penalty", gc, "frequencyPenalty",
                      "frequency_penalty");
    rc |= agw_gm_copy(hub, "seed", gc, "seed", NULL);
    if (rc != 0) {
        agw_gm_nomem(err);
        return -1;
    }

    mime = agw_gm_str(gc, "responseMimeType", "response_mime_type");
    if (mime != NULL && strcmp(mime, "application/json") == 0) {
        schema = agw_gm_get(gc, "responseJsonSchema", "response_json_schema");
        if (schema != NULL) {
            schema = json_deep_copy(schema);
        } else {
            schema = agw_gm_get(gc, "responseSchema", "response_schema");
            if (schema != NULL) {
                schema = agw_gm_schema_to_json(schema);
                if (schema == NULL) {
                    agw_gm_nomem(err);
                    return -1;
                }
            }
        }

        if (schema != NULL) {
            rf = json_pack("{s:s, s:{s:s, s:o}}", "type", "json_schema",
                           "json_schema", "name", "response",
                           "schema", schema);
        } else {
            rf = json_pack("{s:s}", "type", "json_object");
        }

        if (json_object_set_new(hub, "response_format", rf) != 0) {
            agw_gm_nomem(err);
            return -1;
        }

    } else if (mime != NULL && strcmp(mime, "text/plain") != 0) {
        return agw_gm_invalid(err, "responseMimeType \"%s\" cannot be sent "
                              "to this provider", mime);
    }

    /* thinkingLevel names are OpenAI's reasoning_effort names; a budget is
     * bucketed; 0 (thinking off) and -1 (dynamic) leave the provider's
     * default */
    tc = agw_gm_get(gc, "thinkingConfig", "thinking_config");
    level = agw_gm_str(tc, "thinkingLevel", "thinking_level");
    v = agw_gm_get(tc, "thinkingBudget", "thinking_budget");

    if (level != NULL) {
        char    lower[32];
        size_t  i;

        for (i = 0; level[i] != '\0' && i < sizeof(lower) - 1; i++) {
            lower[i] = (level[i] >= 'A' && level[i] <= 'Z')
                       ? level[i] - 'A' + 'a' : level[i];
        }
        lower[i] = '\0';

        if (strcmp(lower, "thinking_level_unspecified") != 0
            && json_object_set_new(hub, "reasoning_effort",
                                   json_string(lower)) != 0)
        {
            agw_gm_nomem(err);
            return -1;
        }

    } else if (json_is_integer(v) && json_integer_value(v) > 0) {
        budget = json_integer_value(v);
        if (json_object_set_new(hub, "reasoning_effort",
                json_string(budget <= AGW_GM_BUDGET_LOW ? "low"
                            : budget <= AGW_GM_BUDGET_MEDIUM ? "medium"
                            : "high")) != 0)
        {
            agw_gm_nomem(err);
            return -1;
        }
    }

    return 0;
}


json_t *
agw_gm_request_to_hub(json_t *in, const agw_request_opts_t *o,
    agw_error_t *err)
{
    size_t       ci;
    json_t      *hub, *messages, *calls, *contents, *content, *parts, *si;
    const char  *role;

    contents = json_object_get(in, "contents");
    if (!json_is_array(contents)) {
        agw_gm_invalid(err, "contents must be an array%s", "");
        return NULL;
    }

    if (agw_gm_get(in, "cachedContent", "cached_content") != NULL) {
        agw_gm_invalid(err, "cachedContent names a Gemini cache that this "
                       "provider cannot read%s", "");
        return NULL;
    }

    hub = json_object();
    messages = json_array();
    calls = json_array();
    if (hub == NULL || messages == NULL || calls == NULL
        || json_object_set_new(hub, "model",
                               json_string(o && o->model ? o->model : ""))
           != 0)
    {
        json_decref(messages);
        goto nomem;
    }

    if (json_object_set_new(hub, "messages", messages) != 0) {
        goto nomem;
    }

    si = agw_gm_get(in, "systemInstruction", "system_instruction");
    if (si != NULL && agw_gm_system_to_hub(si, messages, err) != 0) {
        goto failed;
    }

    json_array_foreach(contents, ci, content) {
        role = agw_gm_str(content, "role", NULL);
        parts = json_object_get(content, "parts");
        if (!json_is_array(parts)) {
            agw_gm_invalid(err, "every content needs parts%s", "");
            goto failed;
        }

        if (role == NULL || strcmp(role, "user") == 0
            || strcmp(role, "function") == 0)
        {
            if (agw_gm_user_turn(parts, ci, calls, messages, err) != 0) {
                goto failed;
            }

        } else if (strcmp(role, "model") == 0) {
            if (agw_gm_model_turn(parts, ci, calls, messages, err) != 0) {
                goto failed;
            }

        } else {
            agw_gm_invalid(err, "unknown content role \"%s\"", role);
            goto failed;
        }
    }

    if (agw_gm_tools_to_hub(in, hub, err) != 0
        || agw_gm_config_to_hub(in, hub, err) != 0)
    {
        goto failed;
    }

    if (o && o->stream
        && json_object_set_new(hub, "stream", json_true()) != 0)
    {
        goto nomem;
    }

    json_decref(calls);
    return hub;

nomem:

    agw_gm_nomem(err);

failed:

    json_decref(calls);
    json_decref(hub);
    return NULL;
}


json_t *
agw_gm_request_passthrough(json_t *in, const agw_request_opts_t *o,
    agw_error_t *err)
{
    json_t  *out;

    /* the model is in the URL, which the module builds */
    out = json_deep_copy(in);
    if (out == NULL) {
        agw_gm_nomem(err);
        return NULL;
    }

    json_object_del(out, "model");
    return out;
}


/* hub -> Gemini */

/* The media type of an image URL, from its extension; JPEG if unknown. */
static const char *
agw_gm_mime_of_url(const char *url)
{
    size_t       n, i;
    const char  *end, *dot;

    static const struct {
        const char  *ext;
        const char  *mime;
    } types[] = {
        { ".png",  "image/png" },  { ".jpg", "image/jpeg" },
        { ".jpeg", "image/jpeg" }, { ".gif", "image/gif" },
        { ".webp", "image/webp" }, { ".heic", "image/heic" },
        { ".heif", "image/heif" }, { ".pdf", "application/pdf" },
    };

    end = url + strcspn(url, "?#");
    dot = NULL;
    for (i = 0; url + i < end; i++) {
        if (url[i] == '.') {
            dot = url + i;
        } else if (url[i] == '/') {
            dot = NULL;
        }
    }

    if (dot != NULL) {
        n = end - dot;
        for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
            if (strlen(types[i].ext) == n
                && strncasecmp(dot, types[i].ext, n) == 0)
            {
                return types[i].mime;
            }
        }
    }

    return "image/jpeg";
}


/* {"inlineData":{mimeType,data}} of a base64 data: URL; NULL if it is not
 * one (err set) or out of memory. */
static json_t *
agw_gm_inline_of_data_url(const char *url, agw_error_t *err)
{
    char        *mime;
    json_t      *j;
    const char  *comma, *semi;

    comma = strchr(url, ',');
    semi = comma ? memchr(url, ';', comma - url) : NULL;
    if (comma == NULL || semi == NULL
        || (size_t) (comma - semi) < sizeof(";base64") - 1
        || strncmp(comma - 7, ";base64", 7) != 0)
    {
        agw_gm_invalid(err, "only base64 data: URLs can be sent%s", "");
        return NULL;
    }

    mime = strndup(url + 5, semi - (url + 5));
    if (mime == NULL) {
        agw_gm_nomem(err);
        return NULL;
    }

    j = json_pack("{s:{s:s, s:s}}", "inlineData", "mimeType", mime,
                  "data", comma + 1);
    free(mime);
    if (j == NULL) {
        agw_gm_nomem(err);
    }

    return j;
}


static json_t *
agw_gm_part_from_hub(const json_t *item, agw_error_t *err)
{
    json_t      *j, *o;
    const char  *type, *url, *fmt;

    type = json_string_value(json_object_get(item, "type"));
    if (type == NULL) {
        agw_gm_invalid(err, "a content part needs a type%s", "");
        return NULL;
    }

    if (strcmp(type, "text") == 0) {
        if (!json_is_string(json_object_get(item, "text"))) {
            agw_gm_invalid(err, "a text part needs a text%s", "");
            return NULL;
        }
        j = json_pack("{s:O}", "text", json_object_get(item, "text"));
        goto done;
    }

    if (strcmp(type, "image_url") == 0) {
        o = json_object_get(item, "image_url");
        url = json_is_string(o) ? json_string_value(o)
                                : json_string_value(json_object_get(o, "url"));
        if (url == NULL) {
            agw_gm_invalid(err, "image_url needs a url%s", "");
            return NULL;
        }
        if (strncmp(url, "data:", 5) == 0) {
            return agw_gm_inline_of_data_url(url, err);
        }
        j = json_pack("{s:{s:s, s:s}}", "fileData",
                      "mimeType", agw_gm_mime_of_url(url), "fileUri", url);
        goto done;
    }

    if (strcmp(type, "input_audio") == 0) {
        o = json_object_get(item, "input_audio");
        fmt = json_string_value(json_object_get(o, "format"));
        if (fmt == NULL || !json_is_string(json_object_get(o, "data"))) {
            agw_gm_invalid(err, "input_audio needs data and format%s", "");
            return NULL;
        }
        j = json_pack("{s:{s:s, s:O}}", "inlineData",
                      "mimeType", strcmp(fmt, "wav") == 0 ? "audio/wav"
                                                          : "audio/mp3",
                      "data", json_object_get(o, "data"));
        goto done;
    }

    if (strcmp(type, "file") == 0) {
        o = json_object_get(item, "file");
        url = json_string_value(json_object_get(o, "file_data"));
        if (url == NULL || strncmp(url, "data:", 5) != 0) {
            agw_gm_invalid(err, "only files given inline as file_data can be "
                           "sent to Gemini%s", "");
            return NULL;
        }
        return agw_gm_inline_of_data_url(url, err);
    }

    agw_gm_invalid(err, "content parts of type \"%s\" cannot be sent to "
                   "Gemini", type);
    return NULL;

done:

    if (j == NULL) {
        agw_gm_nomem(err);
    }

    return j;
}


/* OpenAI content (string or parts) -> Gemini parts appended to parts.
 * Refusals are text the model said. */
static int
agw_gm_content_from_hub(const json_t *content, json_t *parts, int text_only,
    agw_error_t *err)
{
    size_t       i;
    json_t      *item, *p;
    const char  *type;

    if (content == NULL || json_is_null(content)) {
        return 0;
    }

    if (json_is_string(content)) {
        if (json_string_length(content) == 0) {
            return 0;
        }
        if (json_array_append_new(parts, json_pack("{s:O}", "text", content))
            != 0)
        {
            agw_gm_nomem(err);
            return -1;
        }
        return 0;
    }

    if (!json_is_array(content)) {
        return agw_gm_invalid(err, "message content must be a string or an "
                              "array%s", "");
    }

    json_array_foreach(content, i, item) {
        type = json_string_value(json_object_get(item, "type"));
        if (type != NULL && strcmp(type, "refusal") == 0) {
            if (!json_is_string(json_object_get(item, "refusal"))) {
                return agw_gm_invalid(err, "a refusal part needs a "
                                      "refusal%s", "");
            }
            p = json_pack("{s:O}", "text", json_object_get(item, "refusal"));
            if (p == NULL) {
                agw_gm_nomem(err);
                return -1;
            }

        } else {
            if (text_only && (type == NULL || strcmp(type, "text") != 0)) {
                return agw_gm_invalid(err, "only text can be sent as %s",
                                      "system instructions or model turns");
            }
            p = agw_gm_part_from_hub(item, err);
            if (p == NULL) {
                return -1;
            }
        }

        if (json_array_append_new(parts, p) != 0) {
            agw_gm_nomem(err);
            return -1;
        }
    }

    return 0;
}


json_t *
agw_gm_args_object(const char *args, size_t len, agw_error_t *err)
{
    size_t   i;
    json_t  *j;

    for (i = 0; i < len; i++) {
        if (args[i] != ' ' && args[i] != '\n' && args[i] != '\t'
            && args[i] != '\r')
        {
            break;
        }
    }

    /* a function without parameters: OpenAI models send "" */
    if (i == len) {
        j = json_object();
        if (j == NULL) {
            agw_gm_nomem(err);
        }
        return j;
    }

    j = json_loadb(args, len, JSON_DECODE_ANY, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_arguments",
                      "tool call arguments are not a JSON object");
        return NULL;
    }

    return j;
}


/* The name of the tool call id answered by a tool message: the nearest
 * assistant message before it that made that call. */
static const char *
agw_gm_call_name(const json_t *messages, size_t before, const char *id)
{
    size_t   i, k;
    json_t  *m, *tc;

    for (i = before; i-- > 0; ) {
        m = json_array_get(messages, i);
        json_array_foreach(json_object_get(m, "tool_calls"), k, tc) {
            if (json_is_string(json_object_get(tc, "id"))
                && strcmp(json_string_value(json_object_get(tc, "id")), id)
                   == 0)
            {
                return json_string_value(json_object_get(
                           json_object_get(tc, "function"), "name"));
            }
        }
    }

    return NULL;
}


/* A tool result must be a JSON object in Gemini: an object stays as it
 * is, anything else is wrapped as {"content": <text>}. */
static json_t *
agw_gm_function_response(const char *name, const json_t *content)
{
    size_t       i;
    json_t      *j, *item;
    agw_buf_t    text = AGW_BUF_INIT;

    if (json_is_string(content)) {
        j = json_loadb(json_string_value(content),
                       json_string_length(content), 0, NULL);
        if (json_is_object(j)) {
            return json_pack("{s:{s:s, s:o}}", "functionResponse",
                             "name", name, "response", j);
        }
        json_decref(j);
        return json_pack("{s:{s:s, s:{s:O}}}", "functionResponse",
                         "name", name, "response", "content", content);
    }

    json_array_foreach(content, i, item) {
        const char *t = json_string_value(json_object_get(item, "text"));
        if (t != NULL && agw_buf_append_str(&text, t) != 0) {
            agw_buf_free(&text);
            return NULL;
        }
    }

    /* content parts (their text joined), or none at all */
    j = json_pack("{s:{s:s, s:{s:s#}}}", "functionResponse", "name", name,
                  "response", "content", text.data ? text.data : "",
                  text.len);
    agw_buf_free(&text);

    return j;
}


static int
agw_gm_assistant_from_hub(const json_t *m, json_t *contents,
    agw_error_t *err)
{
    size_t       i;
    json_t      *parts, *tcs, *tc, *fn, *args, *part, *fc;
    const char  *sig, *name, *a;

    parts = json_array();
    if (parts == NULL) {
        agw_gm_nomem(err);
        return -1;
    }

    /* reasoning_content and thinking_blocks are not sent back: Gemini
     * keeps its reasoning in the signatures, and another provider's
     * signatures would not validate */
    if (agw_gm_content_from_hub(json_object_get(m, "content"), parts, 1, err)
        != 0)
    {
        goto failed;
    }

    sig = json_string_value(json_object_get(json_object_get(
              json_object_get(m, "extra_content"), "google"),
              "thought_signature"));
    if (sig != NULL && json_array_size(parts) > 0
        && json_object_set_new(json_array_get(parts,
                                              json_array_size(parts) - 1),
                               "thoughtSignature", json_string(sig)) != 0)
    {
        goto nomem;
    }

    tcs = json_object_get(m, "tool_calls");
    if (tcs == NULL && json_is_object(json_object_get(m, "function_call"))) {
        tcs = json_pack("[{s:O}]", "function",
                        json_object_get(m, "function_call"));
        if (tcs == NULL) {
            goto nomem;
        }
    } else {
        json_incref(tcs);
    }

    json_array_foreach(tcs, i, tc) {
        fn = json_object_get(tc, "function");
        name = json_string_value(json_object_get(fn, "name"));
        a = json_string_value(json_object_get(fn, "arguments"));
        if (name == NULL) {
            json_decref(tcs);
            agw_gm_invalid(err, "a tool call needs a function name%s", "");
            goto failed;
        }

        args = agw_gm_args_object(a ? a : "", a ? strlen(a) : 0, err);
        if (args == NULL) {
            json_decref(tcs);
            goto failed;
        }

        fc = json_pack("{s:s, s:o}", "name", name, "args", args);
        part = json_pack("{s:o}", "functionCall", fc);
        if (part == NULL || json_array_append_new(parts, part) != 0) {
            json_decref(tcs);
            goto nomem;
        }

        sig = json_string_value(json_object_get(json_object_get(
                  json_object_get(tc, "extra_content"), "google"),
                  "thought_signature"));
        if (sig == NULL && i == 0) {
            sig = AGW_GM_SKIP_SIGNATURE;
        }
        if (sig != NULL
            && json_object_set_new(part, "thoughtSignature",
                                   json_string(sig)) != 0)
        {
            json_decref(tcs);
            goto nomem;
        }
    }

    json_decref(tcs);

    if (json_array_size(parts) == 0) {
        /* an empty assistant turn says nothing; Gemini refuses empty parts */
        json_decref(parts);
        return 0;
    }

    if (json_array_append_new(contents,
            json_pack("{s:s, s:o}", "role", "model", "parts", parts)) != 0)
    {
        agw_gm_nomem(err);
        return -1;
    }

    return 0;

nomem:

    agw_gm_nomem(err);

failed:

    json_decref(parts);
    return -1;
}


static int
agw_gm_messages_from_hub(const json_t *messages, json_t *out,
    agw_error_t *err)
{
    size_t       i;
    json_t      *m, *contents, *sys, *parts, *last, *fr;
    const char  *role, *id, *name;
    int          last_tool;

    contents = json_array();
    sys = json_array();
    if (contents == NULL || sys == NULL
        || json_object_set_new(out, "contents", contents) != 0)
    {
        json_decref(sys);
        agw_gm_nomem(err);
        return -1;
    }

    last_tool = 0;

    json_array_foreach(messages, i, m) {
        role = json_string_value(json_object_get(m, "role"));
        if (role == NULL) {
            agw_gm_invalid(err, "every message needs a role%s", "");
            goto failed;
        }

        if (strcmp(role, "system") == 0 || strcmp(role, "developer") == 0) {
            /* Gemini has one system instruction: every system message
             * joins it, in order */
            if (agw_gm_content_from_hub(json_object_get(m, "content"), sys,
                                        1, err) != 0)
            {
                goto failed;
            }
            continue;
        }

        if (strcmp(role, "tool") == 0 || strcmp(role, "function") == 0) {
            id = json_string_value(json_object_get(m, "tool_call_id"));
            name = id ? agw_gm_call_name(messages, i, id) : NULL;
            if (name == NULL) {
                name = json_string_value(json_object_get(m, "name"));
            }
            if (name == NULL) {
                agw_gm_invalid(err, "tool message \"%s\" answers no tool "
                               "call", id);
                goto failed;
            }

            fr = agw_gm_function_response(name, json_object_get(m, "content"));
            if (fr == NULL) {
                goto nomem;
            }

            /* the results of one turn's calls go back in one content */
            last = json_array_get(contents, json_array_size(contents) - 1);
            if (last_tool && last != NULL) {
                if (json_array_append_new(json_object_get(last, "parts"), fr)
                    != 0)
                {
                    goto nomem;
                }
            } else if (json_array_append_new(contents,
                           json_pack("{s:s, s:[o]}", "role", "user",
                                     "parts", fr)) != 0)
            {
                goto nomem;
            }

            last_tool = 1;
            continue;
        }

        last_tool = 0;

        if (strcmp(role, "assistant") == 0) {
            if (agw_gm_assistant_from_hub(m, contents, err) != 0) {
                goto failed;
            }
            continue;
        }

        if (strcmp(role, "user") != 0) {
            agw_gm_invalid(err, "unknown message role \"%s\"", role);
            goto failed;
        }

        parts = json_array();
        if (parts == NULL) {
            goto nomem;
        }
        if (agw_gm_content_from_hub(json_object_get(m, "content"), parts, 0,
                                    err) != 0)
        {
            json_decref(parts);
            goto failed;
        }
        if (json_array_size(parts) == 0
            && json_array_append_new(parts, json_pack("{s:s}", "text", ""))
               != 0)
        {
            json_decref(parts);
            goto nomem;
        }
        if (json_array_append_new(contents,
                json_pack("{s:s, s:o}", "role", "user", "parts", parts)) != 0)
        {
            goto nomem;
        }
    }

    if (json_array_size(sys) > 0) {
        if (json_object_set_new(out, "systemInstruction",
                                json_pack("{s:O}", "parts", sys)) != 0)
        {
            goto nomem;
        }
    }

    json_decref(sys);
    return 0;

nomem:

    agw_gm_nomem(err);

failed:

    json_decref(sys);
    return -1;
}


static int
agw_gm_tools_from_hub(const json_t *hub, json_t *out, agw_error_t *err)
{
    size_t       i;
    json_t      *tools, *t, *fn, *decls, *d, *choice, *fcc;
    const char  *type, *c;

    tools = json_object_get(hub, "tools");
    if (json_is_array(tools) && json_array_size(tools) > 0) {
        decls = json_array();
        if (decls == NULL
            || json_object_set_new(out, "tools",
                                   json_pack("[{s:o}]",
                                             "functionDeclarations", decls))
               != 0)
        {
            agw_gm_nomem(err);
            return -1;
        }

        json_array_foreach(tools, i, t) {
            type = json_string_value(json_object_get(t, "type"));
            fn = json_object_get(t, "function");
            if (type == NULL || strcmp(type, "function") != 0
                || !json_is_string(json_object_get(fn, "name")))
            {
                return agw_gm_invalid(err, "tools of type \"%s\" cannot be "
                                      "sent to Gemini", type);
            }

            d = json_pack("{s:O}", "name", json_object_get(fn, "name"));
            if (d == NULL || json_array_append_new(decls, d) != 0) {
                agw_gm_nomem(err);
                return -1;
            }

            if ((json_object_get(fn, "description") != NULL
                 && json_object_set(d, "description",
                                    json_object_get(fn, "description")) != 0)
                || (json_object_get(fn, "parameters") != NULL
                    && json_object_set(d, "parametersJsonSchema",
                                       json_object_get(fn, "parameters"))
                       != 0))
            {
                agw_gm_nomem(err);
                return -1;
            }
        }
    }

    choice = json_object_get(hub, "tool_choice");
    if (choice == NULL || json_is_null(choice)) {
        return 0;
    }

    if (json_is_string(choice)) {
        c = json_string_value(choice);
        fcc = json_pack("{s:s}", "mode",
                        strcmp(c, "none") == 0 ? "NONE"
                        : strcmp(c, "required") == 0 ? "ANY" : "AUTO");

    } else if (json_is_string(json_object_get(json_object_get(choice,
                                                              "function"),
                                              "name")))
    {
        fcc = json_pack("{s:s, s:[O]}", "mode", "ANY",
                        "allowedFunctionNames",
                        json_object_get(json_object_get(choice, "function"),
                                        "name"));

    } else {
        return agw_gm_invalid(err, "this tool_choice cannot be sent to "
                              "Gemini%s", "");
    }

    if (json_object_set_new(out, "toolConfig",
                            json_pack("{s:o}", "functionCallingConfig", fcc))
        != 0)
    {
        agw_gm_nomem(err);
        return -1;
    }

    return 0;
}


static int
agw_gm_config_from_hub(const json_t *hub, json_t *out, agw_error_t *err)
{
    int          rc;
    json_t      *gc, *v, *rf, *schema, *tc, *thinking;
    const char  *type, *effort;
    json_int_t   budget;

    gc = json_object();
    if (gc == NULL) {
        agw_gm_nomem(err);
        return -1;
    }

    rc = agw_gm_copy(gc, "temperature", hub, "temperature", NULL);
    rc |= agw_gm_copy(gc, "topP", hub, "top_p", NULL);
    rc |= agw_gm_copy(gc, "candidateCount", hub, "n", NULL);
    rc |= agw_gm_copy(gc, "presencePenalty", hub, "presence_penalty", NULL);
    rc |= agw_gm_copy(gc, "frequencyPenalty", hub, "frequency_penalty",
                      NULL);
    rc |= agw_gm_copy(gc, "seed", hub, "seed", NULL);
    rc |= agw_gm_copy(gc, "maxOutputTokens", hub, "max_completion_tokens",
                      "max_tokens");
    if (rc != 0) {
        goto nomem;
    }

    v = json_object_get(hub, "stop");
    if (json_is_string(v)) {
        rc = json_object_set_new(gc, "stopSequences", json_pack("[O]", v));
    } else if (json_is_array(v)) {
        rc = json_object_set(gc, "stopSequences", v);
    }
    if (rc != 0) {
        goto nomem;
    }

    rf = json_object_get(hub, "response_format");
    type = json_string_value(json_object_get(rf, "type"));
    if (type != NULL && strcmp(type, "text") != 0) {
        if (json_object_set_new(gc, "responseMimeType",
                                json_string("application/json")) != 0)
        {
            goto nomem;
        }
        schema = json_object_get(json_object_get(rf, "json_schema"),
                                 "schema");
        if (strcmp(type, "json_schema") == 0 && schema != NULL
            && json_object_set(gc, "responseJsonSchema", schema) != 0)
        {
            goto nomem;
        }
    }

    /* reasoning_effort (or an Anthropic-style thinking object) becomes a
     * thinking budget; asking for reasoning asks for its summary too */
    effort = json_string_value(json_object_get(hub, "reasoning_effort"));
    thinking = json_object_get(hub, "thinking");
    budget = -2;

    if (effort != NULL) {
        budget = strcmp(effort, "none") == 0 ? 0
                 : strcmp(effort, "minimal") == 0 ? AGW_GM_BUDGET_MINIMAL
                 : strcmp(effort, "low") == 0 ? AGW_GM_BUDGET_LOW
                 : strcmp(effort, "high") == 0 ? AGW_GM_BUDGET_HIGH
                 : AGW_GM_BUDGET_MEDIUM;

    } else if (json_is_object(thinking)) {
        v = json_object_get(thinking, "budget_tokens");
        type = json_string_value(json_object_get(thinking, "type"));
        if (type != NULL && strcmp(type, "disabled") == 0) {
            budget = 0;
        } else if (json_is_integer(v)) {
            budget = json_integer_value(v);
        } else {
            budget = -1;
        }
    }

    if (budget != -2) {
        tc = json_pack("{s:I}", "thinkingBudget", (json_int_t) budget);
        if (tc == NULL
            || (budget != 0
                && json_object_set_new(tc, "includeThoughts", json_true())
                   != 0)
            || json_object_set_new(gc, "thinkingConfig", tc) != 0)
        {
            goto nomem;
        }
    }

    if (json_object_size(gc) == 0) {
        json_decref(gc);
        return 0;
    }

    if (json_object_set_new(out, "generationConfig", gc) != 0) {
        agw_gm_nomem(err);
        return -1;
    }

    return 0;

nomem:

    json_decref(gc);
    agw_gm_nomem(err);
    return -1;
}


json_t *
agw_gm_request_from_hub(json_t *hub, const agw_request_opts_t *o,
    agw_error_t *err)
{
    json_t  *out, *messages;

    messages = json_object_get(hub, "messages");
    if (!json_is_array(messages)) {
        agw_gm_invalid(err, "messages must be an array%s", "");
        return NULL;
    }

    out = json_object();
    if (out == NULL) {
        agw_gm_nomem(err);
        return NULL;
    }

    if (agw_gm_messages_from_hub(messages, out, err) != 0
        || agw_gm_tools_from_hub(hub, out, err) != 0
        || agw_gm_config_from_hub(hub, out, err) != 0)
    {
        json_decref(out);
        return NULL;
    }

    return out;
}
