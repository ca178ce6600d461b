/*
 * OpenAI Chat Completions requests to and from the intermediate form.
 *
 * The reader is one pass of the pull reader over the client's body: what
 * the form has a field for is read into it as slices, everything else is
 * validated and skipped.  System and developer messages stay messages
 * where they came (role SYSTEM, developer flagged): OpenAI has no system
 * prompt apart from the turns.
 *
 * The writer speaks to an OpenAI-compatible server for a client of
 * another dialect, so it leaves out the gateway's extensions that strict
 * servers refuse (reasoning_content, thinking_blocks, extra_content:
 * docs/translation.md) and asks a stream for its usage.
 */

#include <stdio.h>
#include <string.h>

#include "oai_int.h"


typedef struct {
    const char    *name;
    agw_effort_t   effort;
} agw_oai_effort_t;


static const agw_oai_effort_t  agw_oai_efforts[] = {
    { "none",    AGW_EFFORT_NONE },
    { "minimal", AGW_EFFORT_MINIMAL },
    { "low",     AGW_EFFORT_LOW },
    { "medium",  AGW_EFFORT_MEDIUM },
    { "high",    AGW_EFFORT_HIGH },
    { "xhigh",   AGW_EFFORT_XHIGH },
    { NULL,      AGW_EFFORT_UNSET }
};


/* A number (kept as its text), or null (unset). */
static int
agw_oai_read_number(agw_oai_rctx_t *c, agw_jr_t *r, const char *field,
    agw_str_t *v)
{
    int  rc;

    rc = agw_jr_number(r, v);
    if (rc == AGW_JR_TYPE && agw_jr_null(r) == 0) {
        v->data = NULL;
        return 0;
    }

    if (rc == AGW_JR_TYPE) {
        return agw_oai_bad(c, field, "must be a number");
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, field, rc);
}


/* An integer >= 0, or null (left as it was). */
static int
agw_oai_read_count(agw_oai_rctx_t *c, agw_jr_t *r, const char *field,
    int64_t *v)
{
    int      rc;
    int64_t  n;

    rc = agw_jr_int(r, &n);
    if (rc == AGW_JR_TYPE && agw_jr_null(r) == 0) {
        return 0;
    }

    if (rc == AGW_JR_TYPE || (rc == 0 && n < 0)) {
        return agw_oai_bad(c, field, "must be an integer of 0 or more");
    }

    if (rc != 0) {
        return agw_oai_fail(c, r, field, rc);
    }

    *v = n;
    return 0;
}


static int
agw_oai_read_bool(agw_oai_rctx_t *c, agw_jr_t *r, const char *field,
    int8_t *v)
{
    int  rc, b;

    rc = agw_jr_bool(r, &b);
    if (rc == AGW_JR_TYPE && agw_jr_null(r) == 0) {
        return 0;
    }

    if (rc != 0) {
        return agw_oai_fail(c, r, field, rc);
    }

    *v = (int8_t) b;
    return 0;
}


/* One message: its members read in any order, then put together by its
 * role. */
static agw_msg_t *
agw_oai_read_message(agw_oai_rctx_t *c, agw_jr_t *r)
{
    int                   rc;
    uint8_t               string;
    agw_str_t             key, role, call_id;
    agw_msg_t            *msg;
    agw_part_t           *p;
    agw_oai_assistant_t   am;

    msg = agw_arena_calloc(c->arena, sizeof(agw_msg_t));
    if (msg == NULL) {
        return NULL;
    }

    memset(&am, 0, sizeof(agw_oai_assistant_t));
    role.data = NULL;
    call_id.data = NULL;
    string = 0;

    rc = agw_jr_object(r);
    if (rc != 0) {
        (void) agw_oai_fail(c, r, "", rc);
        return NULL;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "role")) {
            rc = agw_oai_read_str(c, r, "role", &role);

        } else if (agw_oai_is(&key, "content")) {
            rc = agw_oai_read_content(c, r, &am.content, &string);

        } else if (agw_oai_is(&key, "name")) {
            rc = agw_oai_read_str(c, r, "name", &msg->name);

        } else if (agw_oai_is(&key, "tool_call_id")) {
            rc = agw_oai_read_str(c, r, "tool_call_id", &call_id);

        } else {
            rc = agw_oai_read_assistant_member(c, r, &key, &am);
            if (rc == 1) {
                continue;
            }

            if (rc == 0) {
                rc = agw_jr_value(r, NULL);
                if (rc != 0) {
                    rc = agw_oai_fail(c, r, "", rc);
                }
            }
        }

        if (rc != 0) {
            return NULL;
        }
    }

    if (rc < 0) {
        (void) agw_oai_fail(c, r, "", rc);
        return NULL;
    }

    if (!agw_str_set(&role)) {
        (void) agw_oai_bad(c, "role", "required");
        return NULL;
    }

    msg->string = string;

    if (agw_oai_is(&role, "user")) {
        msg->role = AGW_ROLE_USER;
        msg->parts = am.content;

    } else if (agw_oai_is(&role, "system")
               || agw_oai_is(&role, "developer"))
    {
        msg->role = AGW_ROLE_SYSTEM;
        msg->developer = role.data[0] == 'd';
        msg->parts = am.content;

    } else if (agw_oai_is(&role, "assistant")) {
        msg->role = AGW_ROLE_ASSISTANT;
        msg->parts = agw_oai_assistant_parts(c, &am);
        if (msg->parts == NULL && c->err->cls == AGW_ERR_NONE
            && (am.content != NULL || am.calls != NULL
                || am.thinking != NULL || am.refusal != NULL
                || (agw_str_set(&am.reasoning) && am.reasoning.len)))
        {
            return NULL;
        }

    } else if (agw_oai_is(&role, "tool")) {
        if (!agw_str_set(&call_id)) {
            (void) agw_oai_bad(c, "tool_call_id", "required in a tool "
                               "message");
            return NULL;
        }

        p = agw_arena_calloc(c->arena, sizeof(agw_part_t));
        if (p == NULL) {
            return NULL;
        }

        p->type = AGW_PART_TOOL_RESULT;
        p->id = call_id;

        if (string) {
            p->text = am.content->text;
        } else {
            p->content = am.content;
        }

        msg->role = AGW_ROLE_TOOL;
        msg->parts = p;

    } else {
        (void) agw_oai_bad(c, "role", "\"%.*s\" is not system, developer, "
                           "user, assistant or tool",
                           (int) (role.len > 32 ? 32 : role.len), role.data);
        return NULL;
    }

    return msg;
}


static int
agw_oai_read_messages(agw_oai_rctx_t *c, agw_jr_t *r, agw_request_t *req)
{
    int          rc;
    int64_t      i;
    agw_msg_t   *m, **last;

    rc = agw_jr_array(r);
    if (rc == AGW_JR_TYPE) {
        return agw_oai_bad(c, "messages", "must be an array");
    }

    if (rc != 0) {
        return agw_oai_fail(c, r, "messages", rc);
    }

    last = &req->messages;

    for (i = 0; (rc = agw_jr_element(r)) == 1; i++) {
        agw_oai_path_reset(c);
        (void) agw_oai_path_push(c, "messages", 0);
        (void) agw_oai_path_push(c, NULL, i);

        m = agw_oai_read_message(c, r);
        if (m == NULL) {
            return -1;
        }

        *last = m;
        last = &m->next;
    }

    agw_oai_path_reset(c);

    return rc == 0 ? 0 : agw_oai_fail(c, r, "messages", rc);
}


/* "function": {"name", "description", "parameters", "strict"} */
static int
agw_oai_read_tool_function(agw_oai_rctx_t *c, agw_jr_t *r, agw_tool_t *t)
{
    int        rc;
    agw_str_t  key;

    rc = agw_jr_object(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "function", rc);
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "name")) {
            rc = agw_oai_read_str(c, r, "function.name", &t->name);

        } else if (agw_oai_is(&key, "description")) {
            rc = agw_oai_read_str(c, r, "function.description",
                                     &t->description);

        } else if (agw_oai_is(&key, "parameters")) {
            if (agw_jr_peek(r) == AGW_JR_NULL) {
                rc = agw_jr_null(r);
            } else if (agw_jr_peek(r) != AGW_JR_OBJECT) {
                return agw_oai_bad(c, "function.parameters",
                                   "must be a JSON Schema object");
            } else {
                rc = agw_jr_value(r, &t->parameters);
            }
            if (rc != 0) {
                rc = agw_oai_fail(c, r, "function.parameters", rc);
            }

        } else if (agw_oai_is(&key, "strict")) {
            rc = agw_oai_read_bool(c, r, "function.strict", &t->strict);

        } else {
            rc = agw_jr_value(r, NULL);
            if (rc != 0) {
                rc = agw_oai_fail(c, r, "function", rc);
            }
        }

        if (rc != 0) {
            return -1;
        }
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, "function", rc);
}


/*
 * tools: function tools into the form; any other type (a provider's own
 * tool) kept whole for an OpenAI provider.  cache_control on a tool is
 * LiteLLM's convention for an Anthropic breakpoint.
 */
static int
agw_oai_read_tools(agw_oai_rctx_t *c, agw_jr_t *r, agw_request_t *req)
{
    int          rc, fn;
    size_t       start;
    int64_t      i;
    agw_str_t    key, type;
    agw_tool_t  *t, **last;

    if (agw_jr_peek(r) == AGW_JR_NULL) {
        return agw_jr_null(r) == 0 ? 0 : agw_oai_fail(c, r, "tools", -1);
    }

    rc = agw_jr_array(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "tools", rc);
    }

    last = &req->tools;

    for (i = 0; (rc = agw_jr_element(r)) == 1; i++) {
        agw_oai_path_reset(c);
        (void) agw_oai_path_push(c, "tools", 0);
        (void) agw_oai_path_push(c, NULL, i);

        t = agw_arena_calloc(c->arena, sizeof(agw_tool_t));
        if (t == NULL) {
            return -1;
        }

        t->strict = -1;
        type.data = NULL;
        fn = 0;

        (void) agw_jr_peek(r);
        start = agw_jr_offset(r);

        rc = agw_jr_object(r);
        if (rc != 0) {
            return agw_oai_fail(c, r, "", rc);
        }

        while ((rc = agw_jr_member(r, &key)) == 1) {
            if (agw_oai_is(&key, "type")) {
                rc = agw_oai_read_str(c, r, "type", &type);

            } else if (agw_oai_is(&key, "function")) {
                rc = agw_oai_read_tool_function(c, r, t);
                fn = 1;

            } else if (agw_oai_is(&key, "cache_control")) {
                rc = agw_oai_read_cache_control(c, r, &t->cache,
                                                &t->cache_ttl);

            } else {
                rc = agw_jr_value(r, NULL);
                if (rc != 0) {
                    rc = agw_oai_fail(c, r, "", rc);
                }
            }

            if (rc != 0) {
                return -1;
            }
        }

        if (rc < 0) {
            return agw_oai_fail(c, r, "", rc);
        }

        if (!agw_str_set(&type) || agw_oai_is(&type, "function")) {
            if (!fn || !agw_str_set(&t->name)) {
                return agw_oai_bad(c, "function.name", "required");
            }
            t->type = AGW_TOOL_FUNCTION;

        } else {
            t->type = AGW_TOOL_OTHER;
            t->name = type;
            t->raw.data = r->start + start;
            t->raw.len = (uint32_t) (agw_jr_offset(r) - start);
            t->raw.kind = AGW_STR_VALUE;
            t->dialect = AGW_DIALECT_OPENAI;
        }

        *last = t;
        last = &t->next;
    }

    agw_oai_path_reset(c);

    return rc == 0 ? 0 : agw_oai_fail(c, r, "tools", rc);
}


/* "auto" | "none" | "required" | {"type":"function","function":{name}} */
static int
agw_oai_read_tool_choice(agw_oai_rctx_t *c, agw_jr_t *r, agw_request_t *req)
{
    int        rc;
    agw_str_t  s, key, type;

    switch (agw_jr_peek(r)) {

    case AGW_JR_NULL:
        return agw_jr_null(r) == 0 ? 0 : agw_oai_fail(c, r, "", -1);

    case AGW_JR_STRING:
        if (agw_jr_string(r, &s) != 0) {
            return agw_oai_fail(c, r, "tool_choice", -1);
        }

        if (agw_oai_is(&s, "auto")) {
            req->tool_choice = AGW_TOOL_CHOICE_AUTO;
        } else if (agw_oai_is(&s, "none")) {
            req->tool_choice = AGW_TOOL_CHOICE_NONE;
        } else if (agw_oai_is(&s, "required")) {
            req->tool_choice = AGW_TOOL_CHOICE_REQUIRED;
        } else {
            return agw_oai_bad(c, "tool_choice", "\"%.*s\" is not auto, none "
                               "or required",
                               (int) (s.len > 32 ? 32 : s.len), s.data);
        }

        return 0;

    case AGW_JR_OBJECT:
        break;

    default:
        return agw_oai_bad(c, "tool_choice", "must be a string or an object");
    }

    if (agw_jr_object(r) != 0) {
        return agw_oai_fail(c, r, "tool_choice", -1);
    }

    type.data = NULL;

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "type")) {
            rc = agw_oai_read_str(c, r, "tool_choice.type", &type);

        } else if (agw_oai_is(&key, "function")
                   && agw_jr_peek(r) == AGW_JR_OBJECT)
        {
            rc = agw_jr_object(r);
            while (rc == 0 && (rc = agw_jr_member(r, &key)) == 1) {
                if (agw_oai_is(&key, "name")) {
                    rc = agw_jr_string(r, &req->tool_choice_name);
                } else {
                    rc = agw_jr_value(r, NULL);
                }
            }

        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return agw_oai_fail(c, r, "tool_choice", rc);
        }
    }

    if (rc < 0) {
        return agw_oai_fail(c, r, "tool_choice", rc);
    }

    if ((agw_str_set(&type) && !agw_oai_is(&type, "function"))
        || !agw_str_set(&req->tool_choice_name))
    {
        return agw_oai_bad(c, "tool_choice", "only {\"type\":\"function\","
                           "\"function\":{\"name\"}} can be translated");
    }

    req->tool_choice = AGW_TOOL_CHOICE_TOOL;
    return 0;
}


/* response_format: {"type": "text" | "json_object" | "json_schema",
 * "json_schema": {"name", "schema", "strict"}} */
static int
agw_oai_read_format(agw_oai_rctx_t *c, agw_jr_t *r, agw_request_t *req)
{
    int        rc;
    agw_str_t  key, type;

    if (agw_jr_peek(r) == AGW_JR_NULL) {
        return agw_jr_null(r) == 0 ? 0 : agw_oai_fail(c, r, "", -1);
    }

    rc = agw_jr_object(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "response_format", rc);
    }

    type.data = NULL;

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "type")) {
            rc = agw_oai_read_str(c, r, "response_format.type", &type);

        } else if (agw_oai_is(&key, "json_schema")
                   && agw_jr_peek(r) == AGW_JR_OBJECT)
        {
            rc = agw_jr_object(r);
            while (rc == 0 && (rc = agw_jr_member(r, &key)) == 1) {
                if (agw_oai_is(&key, "name")) {
                    rc = agw_oai_read_str(c, r, "response_format."
                                             "json_schema.name",
                                             &req->format_name);
                } else if (agw_oai_is(&key, "schema")) {
                    rc = agw_jr_value(r, &req->format_schema);
                } else if (agw_oai_is(&key, "strict")) {
                    rc = agw_oai_read_bool(c, r, "response_format."
                                           "json_schema.strict",
                                           &req->format_strict);
                } else {
                    rc = agw_jr_value(r, NULL);
                }
            }

        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return agw_oai_fail(c, r, "response_format", rc);
        }
    }

    if (rc < 0) {
        return agw_oai_fail(c, r, "response_format", rc);
    }

    if (!agw_str_set(&type)) {
        return agw_oai_bad(c, "response_format.type", "required");
    }

    if (agw_oai_is(&type, "text")) {
        req->format = AGW_FORMAT_TEXT;
    } else if (agw_oai_is(&type, "json_object")) {
        req->format = AGW_FORMAT_JSON_OBJECT;
    } else if (agw_oai_is(&type, "json_schema")) {
        if (!agw_str_set(&req->format_schema)) {
            return agw_oai_bad(c, "response_format.json_schema.schema",
                               "required");
        }
        req->format = AGW_FORMAT_JSON_SCHEMA;
    } else {
        return agw_oai_bad(c, "response_format.type", "\"%.*s\" is not "
                           "text, json_object or json_schema",
                           (int) (type.len > 32 ? 32 : type.len), type.data);
    }

    return 0;
}


/* stop: a string or an array of strings, as TEXT parts. */
static int
agw_oai_read_stop(agw_oai_rctx_t *c, agw_jr_t *r, agw_request_t *req)
{
    int          rc, one;
    agw_part_t  *p, **last;

    one = agw_jr_peek(r) == AGW_JR_STRING;

    if (agw_jr_peek(r) == AGW_JR_NULL) {
        return agw_jr_null(r) == 0 ? 0 : agw_oai_fail(c, r, "stop", -1);
    }

    if (!one) {
        rc = agw_jr_array(r);
        if (rc != 0) {
            return agw_oai_fail(c, r, "stop", rc);
        }
    }

    last = &req->stop;

    while (one || (rc = agw_jr_element(r)) == 1) {
        p = agw_arena_calloc(c->arena, sizeof(agw_part_t));
        if (p == NULL) {
            return -1;
        }

        p->type = AGW_PART_TEXT;

        rc = agw_jr_string(r, &p->text);
        if (rc != 0) {
            return agw_oai_fail(c, r, "stop", rc);
        }

        *last = p;
        last = &p->next;

        if (one) {
            return 0;
        }
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, "stop", rc);
}


static int
agw_oai_read_stream_options(agw_oai_rctx_t *c, agw_jr_t *r,
    agw_request_t *req)
{
    int        rc, b;
    agw_str_t  key;

    if (agw_jr_peek(r) != AGW_JR_OBJECT) {
        rc = agw_jr_value(r, NULL);
        return rc == 0 ? 0 : agw_oai_fail(c, r, "stream_options", rc);
    }

    if (agw_jr_object(r) != 0) {
        return agw_oai_fail(c, r, "stream_options", -1);
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "include_usage")
            && agw_jr_peek(r) != AGW_JR_NULL)
        {
            rc = agw_jr_bool(r, &b);
            req->include_usage = (uint8_t) b;
        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return agw_oai_fail(c, r, "stream_options.include_usage", rc);
        }
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, "stream_options", rc);
}


static int
agw_oai_read_effort(agw_oai_rctx_t *c, agw_jr_t *r, agw_request_t *req)
{
    agw_str_t                s;
    const agw_oai_effort_t  *e;

    if (agw_oai_read_str(c, r, "reasoning_effort", &s) != 0) {
        return -1;
    }

    if (!agw_str_set(&s)) {
        return 0;
    }

    for (e = agw_oai_efforts; e->name != NULL; e++) {
        if (agw_str_eq(&s, e->name, strlen(e->name))) {
            req->effort = e->effort;
            return 0;
        }
    }

    return agw_oai_bad(c, "reasoning_effort", "\"%.*s\" is not none, "
                       "minimal, low, medium, high or xhigh",
                       (int) (s.len > 32 ? 32 : s.len), s.data);
}


static int
agw_oai_read_member(agw_oai_rctx_t *c, agw_jr_t *r, const agw_str_t *key,
    agw_request_t *req, int64_t *max_completion)
{
    int     rc;
    int8_t  b;

    switch (key->len) {

    case 1:
        if (agw_oai_is(key, "n")) {
            return agw_oai_read_count(c, r, "n", &req->n);
        }
        break;

    case 4:
        if (agw_oai_is(key, "stop")) {
            return agw_oai_read_stop(c, r, req);
        }
        if (agw_oai_is(key, "user")) {
            return agw_oai_read_str(c, r, "user", &req->user);
        }
        if (agw_oai_is(key, "seed")) {
            return agw_oai_read_number(c, r, "seed", &req->seed);
        }
        break;

    case 5:
        if (agw_oai_is(key, "model")) {
            return agw_oai_read_str(c, r, "model", &req->model);
        }
        if (agw_oai_is(key, "tools")) {
            return agw_oai_read_tools(c, r, req);
        }
        if (agw_oai_is(key, "top_p")) {
            return agw_oai_read_number(c, r, "top_p", &req->top_p);
        }
        if (agw_oai_is(key, "top_k")) {
            return agw_oai_read_number(c, r, "top_k", &req->top_k);
        }
        if (agw_oai_is(key, "store")) {
            return agw_oai_read_bool(c, r, "store", &req->store);
        }
        break;

    case 6:
        if (agw_oai_is(key, "stream")) {
            b = 0;
            rc = agw_oai_read_bool(c, r, "stream", &b);
            req->stream = b == 1;
            return rc;
        }
        break;

    case 8:
        if (agw_oai_is(key, "messages")) {
            return agw_oai_read_messages(c, r, req);
        }
        break;

    case 10:
        if (agw_oai_is(key, "max_tokens")) {
            return agw_oai_read_count(c, r, "max_tokens", &req->max_tokens);
        }
        break;

    case 11:
        if (agw_oai_is(key, "temperature")) {
            return agw_oai_read_number(c, r, "temperature",
                                       &req->temperature);
        }
        if (agw_oai_is(key, "tool_choice")) {
            return agw_oai_read_tool_choice(c, r, req);
        }
        break;

    case 12:
        if (agw_oai_is(key, "service_tier")) {
            return agw_oai_read_str(c, r, "service_tier",
                                       &req->service_tier);
        }
        break;

    case 14:
        if (agw_oai_is(key, "stream_options")) {
            return agw_oai_read_stream_options(c, r, req);
        }
        break;

    case 15:
        if (agw_oai_is(key, "response_format")) {
            return agw_oai_read_format(c, r, req);
        }
        break;

    case 16:
        if (agw_oai_is(key, "presence_penalty")) {
            return agw_oai_read_number(c, r, "presence_penalty",
                                       &req->presence_penalty);
        }
        if (agw_oai_is(key, "reasoning_effort")) {
            return agw_oai_read_effort(c, r, req);
        }
        break;

    case 17:
        if (agw_oai_is(key, "frequency_penalty")) {
            return agw_oai_read_number(c, r, "frequency_penalty",
                                       &req->frequency_penalty);
        }
        break;

    case 19:
        if (agw_oai_is(key, "parallel_tool_calls")) {
            return agw_oai_read_bool(c, r, "parallel_tool_calls",
                                     &req->parallel_tools);
        }
        break;

    case 21:
        if (agw_oai_is(key, "max_completion_tokens")) {
            return agw_oai_read_count(c, r, "max_completion_tokens",
                                      max_completion);
        }
        break;
    }

    rc = agw_jr_value(r, NULL);

    return rc == 0 ? 0 : agw_oai_fail(c, r, "", rc);
}


int
agw_oai_read_request(const char *body, size_t len, int valid,
    agw_arena_t *a, agw_request_t *req, agw_error_t *err)
{
    int             rc, messages;
    int64_t         max_completion;
    agw_jr_t        r;
    agw_str_t       key;
    agw_oai_rctx_t  c;

    agw_request_init(req);

    c.arena = a;
    c.err = err;
    c.provider = 0;
    agw_oai_path_reset(&c);

    max_completion = -1;
    messages = 0;

    agw_jr_init(&r, body, len);
    r.valid = valid;

    rc = agw_jr_object(&r);
    if (rc == AGW_JR_TYPE) {
        return agw_oai_bad(&c, "", "the request body must be a JSON object");
    }

    if (rc != 0) {
        return agw_oai_fail(&c, &r, "", rc);
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {
        if (agw_oai_is(&key, "messages")) {
            messages = 1;
        }

        if (agw_oai_read_member(&c, &r, &key, req, &max_completion) != 0) {
            return -1;
        }
    }

    if (rc < 0 || agw_jr_end(&r) != 0) {
        return agw_oai_fail(&c, &r, "", -1);
    }

    if (!messages) {
        return agw_oai_bad(&c, "messages", "required");
    }

    /* the newer name wins whatever the order: OpenAI's reasoning models
     * take only it */
    if (max_completion >= 0) {
        req->max_tokens = max_completion;
    }

    return 0;
}


/* Writing, for an OpenAI-compatible provider */

/* A string's characters, between quotes already written. */
static void
agw_oai_write_inside(agw_jw_t *w, const agw_str_t *s)
{
    if (s->kind == AGW_STR_JSON) {
        agw_jw_append(w, s->data, s->len);
    } else {
        agw_jw_escape(w, s->data, s->len);
    }
}


/* An image's or a file's URL: the URL, or its data as a data URL. */
static void
agw_oai_write_url(agw_jw_t *w, const agw_part_t *p)
{
    agw_str_t  q = { "\"", 1, AGW_STR_VALUE, 0 };

    if (!agw_str_set(&p->data)) {
        agw_jw_str(w, &p->url);
        return;
    }

    /* the opening quote as the value (the writer places it), the rest
     * appended */
    agw_jw_raw(w, &q);
    agw_jw_append(w, "data:", 5);
    if (agw_str_set(&p->media_type)) {
        agw_oai_write_inside(w, &p->media_type);
    } else {
        agw_jw_append(w, "application/octet-stream", 24);
    }
    agw_jw_append(w, ";base64,", 8);
    agw_oai_write_inside(w, &p->data);
    agw_jw_append(w, "\"", 1);
}

/* Content parts a user (or system, or tool) message can hold. */
static int
agw_oai_write_part(agw_jw_t *w, const agw_part_t *p, agw_error_t *err)
{
    if (p->type == AGW_PART_OTHER && p->dialect == AGW_DIALECT_OPENAI) {
        /* our own dialect's part, kept whole */
        agw_jw_raw(w, &p->raw);
        return 0;
    }

    agw_jw_object(w);
    agw_jw_key(w, "type");

    switch (p->type) {

    case AGW_PART_TEXT:
        agw_oai_lit(w, "text");
        agw_jw_key(w, "text");
        agw_jw_str(w, &p->text);
        break;

    case AGW_PART_REFUSAL:
        agw_oai_lit(w, "refusal");
        agw_jw_key(w, "refusal");
        agw_jw_str(w, &p->text);
        break;

    case AGW_PART_IMAGE:
        agw_oai_lit(w, "image_url");
        agw_jw_key(w, "image_url");
        agw_jw_object(w);
        agw_jw_key(w, "url");
        agw_oai_write_url(w, p);
        if (agw_str_set(&p->format)) {
            agw_jw_key(w, "detail");
            agw_jw_str(w, &p->format);
        }
        agw_jw_object_end(w);
        break;

    case AGW_PART_AUDIO:
        agw_oai_lit(w, "input_audio");
        agw_jw_key(w, "input_audio");
        agw_jw_object(w);
        agw_jw_key(w, "data");
        agw_jw_str(w, &p->data);
        agw_jw_key(w, "format");
        if (agw_str_set(&p->format)) {
            agw_jw_str(w, &p->format);
        } else {
            agw_oai_lit(w, "wav");
        }
        agw_jw_object_end(w);
        break;

    case AGW_PART_DOCUMENT:
        if (!agw_str_set(&p->data) && !agw_str_set(&p->file_id)) {
            agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_request",
                          "a document given by URL cannot be sent to an "
                          "OpenAI provider");
            return -1;
        }

        agw_oai_lit(w, "file");
        agw_jw_key(w, "file");
        agw_jw_object(w);
        if (agw_str_set(&p->data)) {
            agw_jw_key(w, "file_data");
            agw_oai_write_url(w, p);
        }
        if (agw_str_set(&p->file_id)) {
            agw_jw_key(w, "file_id");
            agw_jw_str(w, &p->file_id);
        }
        if (agw_str_set(&p->name)) {
            agw_jw_key(w, "filename");
            agw_jw_str(w, &p->name);
        }
        agw_jw_object_end(w);
        break;

    default:
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_request",
                      "a content part of this kind cannot be sent to an "
                      "OpenAI provider");
        return -1;
    }

    agw_jw_object_end(w);
    return 0;
}


/*
 * A message's content: one text part as a plain string (every
 * OpenAI-compatible server takes that form), else an array of parts.
 * Tool results are written apart (tool messages) and thinking has no
 * place in a user or system turn.
 */
static int
agw_oai_write_content(agw_jw_t *w, const agw_part_t *parts,
    agw_error_t *err)
{
    const agw_part_t  *p;

    agw_jw_key(w, "content");

    if (parts != NULL && parts->next == NULL && parts->type == AGW_PART_TEXT)
    {
        agw_jw_str(w, &parts->text);
        return 0;
    }

    agw_jw_array(w);

    for (p = parts; p != NULL; p = p->next) {
        if (p->type == AGW_PART_TOOL_RESULT
            || p->type == AGW_PART_THINKING
            || p->type == AGW_PART_REDACTED_THINKING)
        {
            continue;
        }

        if (agw_oai_write_part(w, p, err) != 0) {
            return -1;
        }
    }

    agw_jw_array_end(w);
    return 0;
}


/*
 * A tool result as a tool message.  OpenAI tool messages carry text
 * only: the images of a result go to a user message after it (*moved
 * says there are some).  A result given as an object (Gemini's response)
 * goes as its JSON text.
 */
static void
agw_oai_write_tool_result(agw_jw_t *w, const agw_part_t *p, int *moved)
{
    int                n;
    const agw_part_t  *c;

    agw_jw_object(w);
    agw_jw_key(w, "role");
    agw_oai_lit(w, "tool");
    agw_jw_key(w, "tool_call_id");
    agw_jw_str(w, &p->id);
    agw_jw_key(w, "content");

    if (agw_str_set(&p->text)) {
        agw_jw_str(w, &p->text);

    } else if (p->content != NULL) {
        n = 0;
        agw_jw_array(w);

        for (c = p->content; c != NULL; c = c->next) {
            if (c->type != AGW_PART_TEXT) {
                *moved = 1;
                continue;
            }

            agw_jw_object(w);
            agw_jw_key(w, "type");
            agw_oai_lit(w, "text");
            agw_jw_key(w, "text");
            agw_jw_str(w, &c->text);
            agw_jw_object_end(w);
            n++;
        }

        agw_jw_array_end(w);

    } else if (agw_str_set(&p->raw)) {
        agw_jw_str(w, &p->raw);

    } else {
        agw_oai_lit(w, "");
    }

    agw_jw_object_end(w);
}


/* The images of tool results, in a user message after them. */
static int
agw_oai_write_moved(agw_jw_t *w, const agw_part_t *parts, agw_error_t *err)
{
    const agw_part_t  *p, *c;

    agw_jw_object(w);
    agw_jw_key(w, "role");
    agw_oai_lit(w, "user");
    agw_jw_key(w, "content");
    agw_jw_array(w);

    for (p = parts; p != NULL; p = p->next) {
        if (p->type != AGW_PART_TOOL_RESULT) {
            continue;
        }

        for (c = p->content; c != NULL; c = c->next) {
            if (c->type != AGW_PART_TEXT
                && agw_oai_write_part(w, c, err) != 0)
            {
                return -1;
            }
        }
    }

    agw_jw_array_end(w);
    agw_jw_object_end(w);
    return 0;
}


static int
agw_oai_write_message(agw_jw_t *w, const agw_msg_t *m, agw_error_t *err)
{
    int                results, others, moved;
    const agw_part_t  *p;

    if (m->role == AGW_ROLE_ASSISTANT) {
        agw_jw_object(w);
        agw_jw_key(w, "role");
        agw_oai_lit(w, "assistant");
        if (agw_str_set(&m->name)) {
            agw_jw_key(w, "name");
            agw_jw_str(w, &m->name);
        }
        agw_oai_write_assistant(w, m->parts, 0);
        agw_jw_object_end(w);
        return 0;
    }

    /* tool results first, as tool messages, then what else the turn
     * holds */
    results = 0;
    others = 0;
    moved = 0;

    for (p = m->parts; p != NULL; p = p->next) {
        if (p->type == AGW_PART_TOOL_RESULT) {
            agw_oai_write_tool_result(w, p, &moved);
            results++;
        } else if (p->type != AGW_PART_THINKING
                   && p->type != AGW_PART_REDACTED_THINKING)
        {
            others++;
        }
    }

    if (moved && agw_oai_write_moved(w, m->parts, err) != 0) {
        return -1;
    }

    if (results && !others) {
        return 0;
    }

    if (m->role == AGW_ROLE_TOOL) {
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "invalid_request",
                      "a tool message holds only a tool result");
        return -1;
    }

    agw_jw_object(w);
    agw_jw_key(w, "role");

    if (m->role == AGW_ROLE_SYSTEM) {
        if (m->developer) {
            agw_oai_lit(w, "developer");
        } else {
            agw_oai_lit(w, "system");
        }
    } else {
        agw_oai_lit(w, "user");
    }

    if (agw_str_set(&m->name)) {
        agw_jw_key(w, "name");
        agw_jw_str(w, &m->name);
    }

    if (agw_oai_write_content(w, m->parts, err) != 0) {
        return -1;
    }

    agw_jw_object_end(w);
    return 0;
}


static void
agw_oai_write_tools(agw_jw_t *w, const agw_request_t *req)
{
    const agw_tool_t  *t;

    agw_jw_key(w, "tools");
    agw_jw_array(w);

    for (t = req->tools; t != NULL; t = t->next) {
        if (t->type == AGW_TOOL_OTHER) {
            /* a provider's own tool means something only to it */
            if (t->dialect == AGW_DIALECT_OPENAI) {
                agw_jw_raw(w, &t->raw);
            }
            continue;
        }

        agw_jw_object(w);
        agw_jw_key(w, "type");
        agw_oai_lit(w, "function");
        agw_jw_key(w, "function");
        agw_jw_object(w);
        agw_jw_key(w, "name");
        agw_jw_str(w, &t->name);
        if (agw_str_set(&t->description)) {
            agw_jw_key(w, "description");
            agw_jw_str(w, &t->description);
        }
        if (agw_str_set(&t->parameters)) {
            agw_jw_key(w, "parameters");
            agw_jw_raw(w, &t->parameters);
        }
        if (t->strict >= 0) {
            agw_jw_key(w, "strict");
            agw_jw_bool(w, t->strict);
        }
        agw_jw_object_end(w);
        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);
}


static void
agw_oai_write_tool_choice(agw_jw_t *w, const agw_request_t *req)
{
    switch (req->tool_choice) {

    case AGW_TOOL_CHOICE_AUTO:
        agw_jw_key(w, "tool_choice");
        agw_oai_lit(w, "auto");
        break;

    case AGW_TOOL_CHOICE_NONE:
        agw_jw_key(w, "tool_choice");
        agw_oai_lit(w, "none");
        break;

    case AGW_TOOL_CHOICE_REQUIRED:
        agw_jw_key(w, "tool_choice");
        agw_oai_lit(w, "required");
        break;

    case AGW_TOOL_CHOICE_TOOL:
        agw_jw_key(w, "tool_choice");
        agw_jw_object(w);
        agw_jw_key(w, "type");
        agw_oai_lit(w, "function");
        agw_jw_key(w, "function");
        agw_jw_object(w);
        agw_jw_key(w, "name");
        agw_jw_str(w, &req->tool_choice_name);
        agw_jw_object_end(w);
        agw_jw_object_end(w);
        break;

    default:
        break;
    }
}


static void
agw_oai_write_format(agw_jw_t *w, const agw_request_t *req)
{
    agw_jw_key(w, "response_format");
    agw_jw_object(w);
    agw_jw_key(w, "type");

    switch (req->format) {

    case AGW_FORMAT_TEXT:
        agw_oai_lit(w, "text");
        break;

    case AGW_FORMAT_JSON_OBJECT:
        agw_oai_lit(w, "json_object");
        break;

    default:
        agw_oai_lit(w, "json_schema");
        agw_jw_key(w, "json_schema");
        agw_jw_object(w);
        agw_jw_key(w, "name");
        if (agw_str_set(&req->format_name)) {
            agw_jw_str(w, &req->format_name);
        } else {
            agw_oai_lit(w, "response");
        }
        agw_jw_key(w, "schema");
        agw_jw_raw(w, &req->format_schema);
        if (req->format_strict >= 0) {
            agw_jw_key(w, "strict");
            agw_jw_bool(w, req->format_strict);
        }
        agw_jw_object_end(w);
    }

    agw_jw_object_end(w);
}


/*
 * The reasoning effort: asked as one, or from a thinking budget (the
 * levels Anthropic's thinking budgets stood for in the old translator:
 * under 4096 low, under 16384 medium, else high).
 */
static const char *
agw_oai_effort_name(const agw_request_t *req)
{
    const agw_oai_effort_t  *e;

    if (req->effort != AGW_EFFORT_UNSET) {
        for (e = agw_oai_efforts; e->name != NULL; e++) {
            if (e->effort == req->effort) {
                return e->name;
            }
        }
    }

    if (req->thinking == 1 && req->thinking_budget > 0) {
        return req->thinking_budget < 4096 ? "low"
               : req->thinking_budget < 16384 ? "medium" : "high";
    }

    return NULL;
}


static void
agw_oai_write_number(agw_jw_t *w, const char *key, size_t n,
    const agw_str_t *v)
{
    if (agw_str_set(v)) {
        agw_jw_key_n(w, key, n);
        agw_jw_raw(w, v);
    }
}


int
agw_oai_write_request(const agw_request_t *req, const agw_request_ctx_t *o,
    agw_buf_t *out, agw_error_t *err)
{
    agw_jw_t           w;
    const char        *effort;
    const agw_msg_t   *m;
    const agw_part_t  *p;
    agw_msg_t          sys;

    agw_jw_init(&w, out);
    agw_body_refs_writer(&w, o != NULL ? o->refs : NULL);
    agw_jw_object(&w);

    if (agw_str_set(&o->model) && o->model.len > 0) {
        agw_jw_key(&w, "model");
        agw_jw_str(&w, &o->model);
    } else if (agw_str_set(&req->model)) {
        agw_jw_key(&w, "model");
        agw_jw_str(&w, &req->model);
    }

    agw_jw_key(&w, "messages");
    agw_jw_array(&w);

    if (req->system != NULL) {
        memset(&sys, 0, sizeof(agw_msg_t));
        sys.role = AGW_ROLE_SYSTEM;
        sys.parts = req->system;

        if (agw_oai_write_message(&w, &sys, err) != 0) {
            return -1;
        }
    }

    for (m = req->messages; m != NULL; m = m->next) {
        if (agw_oai_write_message(&w, m, err) != 0) {
            return -1;
        }
    }

    agw_jw_array_end(&w);

    if (req->tools != NULL) {
        agw_oai_write_tools(&w, req);
    }

    agw_oai_write_tool_choice(&w, req);

    if (req->parallel_tools >= 0) {
        agw_jw_key(&w, "parallel_tool_calls");
        agw_jw_bool(&w, req->parallel_tools);
    }

    if (req->max_tokens >= 0) {
        /* the name every OpenAI-compatible server knows; OpenAI's
         * reasoning models want max_completion_tokens, which a client of
         * the same dialect keeps (the rewrite path) */
        agw_jw_key(&w, "max_tokens");
        agw_jw_int(&w, req->max_tokens);
    }

    agw_oai_write_number(&w, "temperature", 11, &req->temperature);
    agw_oai_write_number(&w, "top_p", 5, &req->top_p);
    agw_oai_write_number(&w, "presence_penalty", 16, &req->presence_penalty);
    agw_oai_write_number(&w, "frequency_penalty", 17,
                         &req->frequency_penalty);
    agw_oai_write_number(&w, "seed", 4, &req->seed);

    if (req->n >= 0) {
        agw_jw_key(&w, "n");
        agw_jw_int(&w, req->n);
    }

    if (req->stop != NULL) {
        agw_jw_key(&w, "stop");
        agw_jw_array(&w);
        for (p = req->stop; p != NULL; p = p->next) {
            agw_jw_str(&w, &p->text);
        }
        agw_jw_array_end(&w);
    }

    if (req->format != AGW_FORMAT_UNSET) {
        agw_oai_write_format(&w, req);
    }

    effort = agw_oai_effort_name(req);
    if (effort != NULL) {
        agw_jw_key(&w, "reasoning_effort");
        agw_jw_bytes(&w, effort, strlen(effort));
    }

    if (agw_str_set(&req->user)) {
        agw_jw_key(&w, "user");
        agw_jw_str(&w, &req->user);
    }

    if (agw_str_set(&req->service_tier)) {
        agw_jw_key(&w, "service_tier");
        agw_jw_str(&w, &req->service_tier);
    }

    if (req->store >= 0) {
        agw_jw_key(&w, "store");
        agw_jw_bool(&w, req->store);
    }

    /* a stream asks for its usage (OpenAI reports it only then); a
     * request that is not a stream must not carry stream_options */
    if (o->stream) {
        agw_jw_key(&w, "stream");
        agw_jw_bool(&w, 1);
        agw_jw_key(&w, "stream_options");
        agw_jw_object(&w);
        agw_jw_key(&w, "include_usage");
        agw_jw_bool(&w, 1);
        agw_jw_object_end(&w);

    } else if (req->stream) {
        agw_jw_key(&w, "stream");
        agw_jw_bool(&w, 0);
    }

    agw_jw_object_end(&w);

    if (w.failed) {
        return -1;
    }

    return 0;
}
