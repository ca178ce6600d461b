/*
 * Whole (non-streamed) Anthropic Messages responses to and from the hub.
 * See docs/translation-anthropic.md for the table.
 */

#include <stdlib.h>
#include <string.h>

#include "agw_anthropic_int.h"


#define agw_ant_upstream_bad(err, ...)                                       \
    agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "bad_upstream_response",      \
                  __VA_ARGS__)


json_t *
agw_ant_response_to_hub(json_t *in, agw_usage_t *usage, agw_error_t *err)
{
    json_t                   *msg, *hub, *u;
    const char               *id, *model;
    agw_error_t               perr;
    agw_anthropic_decoder_t   d;

    if (!json_is_object(in) || !json_is_array(json_object_get(in, "content")))
    {
        agw_ant_upstream_bad(err, "Anthropic response without content");
        return NULL;
    }

    memset(&perr, 0, sizeof(perr));
    msg = agw_ant_assistant_message(json_object_get(in, "content"), &perr);
    if (msg == NULL) {
        /* the provider's content is what could not be read: a 502 */
        agw_ant_upstream_bad(err, "%s", perr.cls == AGW_ERR_NONE
                             ? "out of memory" : perr.message);
        return NULL;
    }

    memset(&d, 0, sizeof(d));
    agw_ant_usage_fold(&d, json_object_get(in, "usage"));
    agw_ant_usage_get(&d, usage);

    u = agw_usage_to_openai(usage);
    if (u == NULL) {
        json_decref(msg);
        agw_ant_upstream_bad(err, "out of memory");
        return NULL;
    }

    id = agw_ant_str(in, "id");
    model = agw_ant_str(in, "model");

    /* Anthropic says nothing of the time: created is 0, so that the same
     * input gives the same output */
    hub = json_pack("{s:s, s:s, s:i, s:s, s:[{s:i, s:o, s:s}], s:o}",
                    "id", id ? id : "",
                    "object", "chat.completion",
                    "created", 0,
                    "model", model ? model : "",
                    "choices",
                        "index", 0,
                        "message", msg,
                        "finish_reason",
                            agw_ant_stop_to_hub(agw_ant_str(in,
                                                            "stop_reason")),
                    "usage", u);
    if (hub == NULL) {
        agw_ant_upstream_bad(err, "out of memory");
    }

    return hub;
}


/* Text of a hub message content: a string, or text/refusal parts. */
static int
agw_ant_text_of(json_t *content, agw_buf_t *text)
{
    size_t       i;
    json_t      *p;
    const char  *s;

    if (json_is_string(content)) {
        return agw_buf_append(text, json_string_value(content),
                              json_string_length(content));
    }

    json_array_foreach(content, i, p) {
        s = agw_ant_str(p, "text");
        if (s == NULL) {
            s = agw_ant_str(p, "refusal");
        }
        if (s != NULL && agw_buf_append_str(text, s) != 0) {
            return -1;
        }
    }

    return 0;
}


/*
 * Thinking first (as Anthropic orders it), then text, then tool_use.
 * reasoning_content from a provider without thinking_blocks becomes one
 * thinking block with an empty signature (documented: Anthropic itself
 * would refuse it if sent back, another provider will not).
 */
static int
agw_ant_content_from_hub(json_t *m, json_t *content, agw_error_t *err)
{
    size_t       i;
    json_t      *b, *c, *fn, *input;
    agw_buf_t    text = AGW_BUF_INIT;
    const char  *type, *s, *args;
    int          rc;

    rc = -1;

    json_array_foreach(json_object_get(m, "thinking_blocks"), i, b) {
        type = agw_ant_str(b, "type");
        if (type != NULL && strcmp(type, "redacted_thinking") == 0) {
            s = agw_ant_str(b, "data");
            c = json_pack("{s:s, s:s}", "type", "redacted_thinking",
                          "data", s ? s : "");
        } else {
            s = agw_ant_str(b, "thinking");
            c = json_pack("{s:s, s:s, s:s}", "type", "thinking",
                          "thinking", s ? s : "",
                          "signature", agw_ant_str(b, "signature")
                                       ? agw_ant_str(b, "signature") : "");
        }
        if (c == NULL || json_array_append_new(content, c) != 0) {
            goto done;
        }
    }

    s = agw_ant_str(m, "reasoning_content");
    if (json_array_size(content) == 0 && s != NULL && s[0] != '\0') {
        c = json_pack("{s:s, s:s, s:s}", "type", "thinking", "thinking", s,
                      "signature", "");
        if (c == NULL || json_array_append_new(content, c) != 0) {
            goto done;
        }
    }

    if (agw_ant_text_of(json_object_get(m, "content"), &text) != 0) {
        goto done;
    }

    s = agw_ant_str(m, "refusal");
    if (text.len == 0 && s != NULL && agw_buf_append_str(&text, s) != 0) {
        goto done;
    }

    if (text.len > 0) {
        c = json_pack("{s:s, s:s%}", "type", "text", "text", text.data,
                      text.len);
        if (c == NULL || json_array_append_new(content, c) != 0) {
            goto done;
        }
    }

    json_array_foreach(json_object_get(m, "tool_calls"), i, b) {
        fn = json_object_get(b, "function");
        args = agw_ant_str(fn, "arguments");

        if (args == NULL || args[strspn(args, " \t\r\n")] == '\0') {
            input = json_object();
        } else {
            input = json_loads(args, 0, NULL);
            if (!json_is_object(input)) {
                json_decref(input);
                agw_ant_upstream_bad(err, "tool call arguments are not a "
                                     "JSON object");
                goto done;
            }
        }

        c = json_pack("{s:s, s:s, s:s, s:o}", "type", "tool_use",
                      "id", agw_ant_str(b, "id") ? agw_ant_str(b, "id") : "",
                      "name", agw_ant_str(fn, "name")
                              ? agw_ant_str(fn, "name") : "",
                      "input", input);
        if (c == NULL || json_array_append_new(content, c) != 0) {
            goto done;
        }
    }

    rc = 0;

done:

    agw_buf_free(&text);
    return rc;
}


json_t *
agw_ant_response_from_hub(json_t *hub, const agw_response_opts_t *o,
    agw_error_t *err)
{
    json_t       *choice, *m, *content, *out, *u;
    agw_usage_t   usage;
    const char   *id, *model;

    choice = json_array_get(json_object_get(hub, "choices"), 0);
    m = json_object_get(choice, "message");
    if (!json_is_object(m)) {
        agw_ant_upstream_bad(err, "response without choices[0].message");
        return NULL;
    }

    content = json_array();
    if (content == NULL) {
        goto nomem;
    }

    if (agw_ant_content_from_hub(m, content, err) != 0) {
        json_decref(content);
        if (err->cls == AGW_ERR_NONE) {
            goto nomem;
        }
        return NULL;
    }

    agw_usage_init(&usage);
    agw_usage_from_openai(json_object_get(hub, "usage"), &usage);
    u = agw_ant_usage_json(&usage);
    if (u == NULL) {
        json_decref(content);
        goto nomem;
    }

    id = agw_ant_str(hub, "id");
    model = (o && o->model) ? o->model : agw_ant_str(hub, "model");

    out = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:n, s:o}",
                    "id", id ? id : "",
                    "type", "message",
                    "role", "assistant",
                    "model", model ? model : "",
                    "content", content,
                    "stop_reason",
                        agw_ant_stop_from_hub(agw_ant_str(choice,
                                                          "finish_reason")),
                    "stop_sequence",
                    "usage", u);
    if (out == NULL) {
        goto nomem;
    }

    return out;

nomem:

    agw_error_set(err, AGW_ERR_SERVER, 0, "out_of_memory",
                  "out of memory translating the response");
    return NULL;
}


int
agw_ant_response_passthrough(json_t *in, const agw_response_opts_t *o,
    agw_usage_t *usage, agw_error_t *err)
{
    agw_anthropic_decoder_t  d;

    if (!json_is_object(in)) {
        agw_ant_upstream_bad(err, "Anthropic response is not an object");
        return -1;
    }

    if (o && o->model
        && json_object_set_new(in, "model", json_string(o->model)) != 0)
    {
        agw_error_set(err, AGW_ERR_SERVER, 0, "out_of_memory",
                      "out of memory translating the response");
        return -1;
    }

    memset(&d, 0, sizeof(d));
    agw_ant_usage_fold(&d, json_object_get(in, "usage"));
    agw_ant_usage_get(&d, usage);

    return 0;
}
