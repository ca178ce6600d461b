/*
 * Anthropic Messages requests: a client's body read into the form, and the
 * form written as a body for an Anthropic provider.  What maps to what,
 * and what is dropped or refused, is in docs/translation-anthropic.md;
 * each rule below says why in a comment.
 */

#include <stdlib.h>
#include <string.h>

#include "ant_int.h"
#include "agw_policy.h"


/* Reading */

/* A number member kept as its text; another type is read as absent, as
 * the old path did. */
static int
agw_ant_opt_number(agw_jr_t *r, agw_str_t *v)
{
    int  rc;

    rc = agw_jr_number(r, v);
    if (rc == AGW_JR_TYPE) {
        v->data = NULL;
        return agw_jr_value(r, NULL);
    }

    return rc;
}


static int
agw_ant_read_system(agw_jr_t *r, agw_arena_t *a, agw_request_t *req,
    agw_error_t *err)
{
    agw_part_t      **tail;
    agw_ant_where_t   wh = { "system", -1, -1, -1 };

    req->system = NULL;

    if (agw_jr_peek(r) == AGW_JR_NULL) {
        return agw_jr_null(r);
    }

    tail = &req->system;

    return agw_ant_read_content(r, a, AGW_ANT_IN_SYSTEM, 0, &wh, &tail, NULL,
                                err);
}


/*
 * One message.  Its role may come after its content, so the blocks are
 * read for any role and checked against the role once both are known.
 */
static int
agw_ant_read_message(agw_jr_t *r, agw_arena_t *a, int i, agw_msg_t **out,
    agw_error_t *err)
{
    int               rc, string, has_content;
    char              role[16];
    agw_str_t         key, rs = AGW_STR_NULL;
    agw_msg_t        *m;
    agw_part_t      **tail, *p;
    agw_ant_where_t   wh = { "messages", i, -1, -1 };

    static const unsigned  allowed[] = {
        0,
        AGW_ANT_IN_SYSTEM,                  /* AGW_ROLE_SYSTEM */
        AGW_ANT_IN_USER,                    /* AGW_ROLE_USER */
        AGW_ANT_IN_ASSISTANT                /* AGW_ROLE_ASSISTANT */
    };

    rc = agw_jr_object(r);
    if (rc != 0) {
        if (rc == AGW_JR_TYPE) {
            agw_ant_bad(err, "messages[%d]: a message must be an object", i);
        } else {
            agw_ant_bad_json(err, 0, r);
        }
        return -1;
    }

    m = agw_arena_calloc(a, sizeof(agw_msg_t));
    if (m == NULL) {
        return -1;
    }

    has_content = 0;
    string = 0;

    while ((rc = agw_jr_member(r, &key)) == 1) {

        if (agw_str_is(&key, "role")) {
            rc = agw_jr_string(r, &rs);
            if (rc == AGW_JR_TYPE) {
                agw_ant_bad(err, "messages[%d].role: must be a string", i);
                return -1;
            }

        } else if (agw_str_is(&key, "content")) {
            m->parts = NULL;
            tail = &m->parts;
            rc = agw_ant_read_content(r, a,
                                      AGW_ANT_IN_USER | AGW_ANT_IN_ASSISTANT,
                                      0, &wh, &tail, &string, err);
            if (rc != 0) {
                return -1;
            }
            has_content = 1;

        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            agw_ant_bad_json(err, 0, r);
            return -1;
        }
    }

    if (rc < 0) {
        agw_ant_bad_json(err, 0, r);
        return -1;
    }

    rc = agw_str_set(&rs) ? agw_str_decode(&rs, role, sizeof(role) - 1) : -1;
    role[rc > 0 ? rc : 0] = '\0';

    if (strcmp(role, "user") == 0) {
        m->role = AGW_ROLE_USER;

    } else if (strcmp(role, "assistant") == 0) {
        m->role = AGW_ROLE_ASSISTANT;

    } else if (strcmp(role, "system") == 0) {
        /* a mid-conversation system message (Claude Code sends them): kept
         * where it stands, each writer places it as its dialect allows */
        m->role = AGW_ROLE_SYSTEM;

    } else {
        agw_ant_bad(err, "messages[%d].role: \"%s\" is not user, assistant "
                    "or system", i, agw_str_set(&rs) ? role : "(none)");
        return -1;
    }

    if (!has_content) {
        agw_ant_bad(err, "messages[%d].content: missing", i);
        return -1;
    }

    m->string = (uint8_t) string;

    /* the blocks the role cannot hold, now that the role is known */
    wh.block = 0;
    for (p = m->parts; p != NULL; p = p->next, wh.block++) {
        switch (p->type) {

        case AGW_PART_TEXT:
            continue;

        case AGW_PART_IMAGE:
        case AGW_PART_DOCUMENT:
        case AGW_PART_TOOL_RESULT:
            if (allowed[m->role] & AGW_ANT_IN_USER) {
                continue;
            }
            break;

        default:
            if (allowed[m->role] & AGW_ANT_IN_ASSISTANT) {
                continue;
            }
            break;
        }

        agw_ant_bad_at(err, 0, &wh, "this block cannot be in a%s turn",
                       m->role == AGW_ROLE_SYSTEM ? " system"
                       : m->role == AGW_ROLE_USER ? " user" : "n assistant");
        return -1;
    }

    *out = m;

    return 0;
}


static int
agw_ant_read_messages(agw_jr_t *r, agw_arena_t *a, agw_request_t *req,
    agw_error_t *err)
{
    int          rc, i;
    agw_msg_t   *m, **tail;

    rc = agw_jr_array(r);
    if (rc != 0) {
        if (rc == AGW_JR_TYPE) {
            agw_ant_bad(err, "messages: must be an array");
        } else {
            agw_ant_bad_json(err, 0, r);
        }
        return -1;
    }

    req->messages = NULL;
    tail = &req->messages;

    for (i = 0; (rc = agw_jr_element(r)) == 1; i++) {
        if (agw_ant_read_message(r, a, i, &m, err) != 0) {
            return -1;
        }

        *tail = m;
        tail = &m->next;
    }

    if (rc < 0) {
        agw_ant_bad_json(err, 0, r);
        return -1;
    }

    return 0;
}


static int
agw_ant_read_tool(agw_jr_t *r, agw_arena_t *a, int i, agw_tool_t **out,
    agw_error_t *err)
{
    int          rc, strict;
    size_t       start;
    agw_str_t    key, type = AGW_STR_NULL;
    agw_tool_t  *t;

    if (agw_jr_peek(r) != AGW_JR_OBJECT) {
        if (agw_jr_value(r, NULL) != 0) {
            agw_ant_bad_json(err, 0, r);
            return -1;
        }
        agw_ant_bad(err, "tools[%d]: a tool must be an object", i);
        return -1;
    }

    t = agw_arena_calloc(a, sizeof(agw_tool_t));
    if (t == NULL) {
        return -1;
    }

    t->strict = -1;
    start = agw_jr_offset(r);

    if (agw_jr_object(r) != 0) {
        agw_ant_bad_json(err, 0, r);
        return -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_str_is(&key, "type")) {
            rc = agw_jr_string(r, &type);
        } else if (agw_str_is(&key, "name")) {
            rc = agw_jr_string(r, &t->name);
        } else if (agw_str_is(&key, "description")) {
            rc = agw_jr_string(r, &t->description);
        } else if (agw_str_is(&key, "input_schema")) {
            rc = agw_jr_peek(r) == AGW_JR_OBJECT
                 ? agw_jr_value(r, &t->parameters) : AGW_JR_TYPE;
        } else if (agw_str_is(&key, "strict")) {
            rc = agw_jr_bool(r, &strict);
            t->strict = rc == 0 ? (int8_t) strict : -1;
        } else if (agw_str_is(&key, "cache_control")) {
            rc = agw_ant_read_cache(r, &t->cache, &t->cache_ttl);
        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc == AGW_JR_TYPE) {
            /* the old path read a member of another type as absent */
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            agw_ant_bad_json(err, 0, r);
            return -1;
        }
    }

    if (rc < 0) {
        agw_ant_bad_json(err, 0, r);
        return -1;
    }

    if (agw_str_set(&type) && !agw_str_is(&type, "custom")) {
        /* an Anthropic-defined or server tool (web_search_*, bash_*,
         * text_editor_*...): kept whole for an Anthropic writer, dropped
         * by the others, which have nothing that could run it */
        t->type = AGW_TOOL_OTHER;
        t->raw.data = r->start + start;
        t->raw.len = (uint32_t) (agw_jr_offset(r) - start);
        t->raw.kind = AGW_STR_VALUE;
        t->dialect = AGW_DIALECT_ANTHROPIC;
        *out = t;
        return 0;
    }

    if (!agw_str_set(&t->name) || !agw_str_set(&t->parameters)) {
        /* the old path passed over such a tool: Anthropic would refuse it,
         * another provider cannot call it */
        *out = NULL;
        return 0;
    }

    t->type = AGW_TOOL_FUNCTION;
    *out = t;

    return 0;
}


static int
agw_ant_read_tools(agw_jr_t *r, agw_arena_t *a, agw_request_t *req,
    agw_error_t *err)
{
    int          rc, i;
    agw_tool_t  *t, **tail;

    req->tools = NULL;

    rc = agw_jr_array(r);
    if (rc == AGW_JR_TYPE) {
        /* skipped, but still JSON: the caller takes err as set */
        rc = agw_jr_value(r, NULL);
        if (rc != 0) {
            agw_ant_bad_json(err, 0, r);
        }
        return rc;
    }

    if (rc != 0) {
        agw_ant_bad_json(err, 0, r);
        return -1;
    }

    tail = &req->tools;

    for (i = 0; (rc = agw_jr_element(r)) == 1; i++) {
        if (agw_ant_read_tool(r, a, i, &t, err) != 0) {
            return -1;
        }

        if (t != NULL) {
            *tail = t;
            tail = &t->next;
        }
    }

    if (rc < 0) {
        agw_ant_bad_json(err, 0, r);
        return -1;
    }

    return 0;
}


/* {"type": auto|any|none|tool, "name", "disable_parallel_tool_use"} */
static int
agw_ant_read_tool_choice(agw_jr_t *r, agw_request_t *req, agw_error_t *err)
{
    int        rc, off;
    agw_str_t  type = AGW_STR_NULL, name = AGW_STR_NULL;

    agw_ant_member_t  m[] = {
        agw_ant_m("type", AGW_ANT_M_STR, &type),
        agw_ant_m("name", AGW_ANT_M_STR, &name),
        agw_ant_m("disable_parallel_tool_use", AGW_ANT_M_BOOL, &off),
    };

    off = 0;

    rc = agw_ant_members(r, m, agw_ant_nmembers(m));
    if (rc != 0) {
        return rc < 0 ? -1 : 0;
    }

    req->tool_choice = AGW_TOOL_CHOICE_UNSET;

    if (!agw_str_set(&type)) {
        return 0;
    }

    if (agw_str_is(&type, "auto")) {
        req->tool_choice = AGW_TOOL_CHOICE_AUTO;

    } else if (agw_str_is(&type, "any")) {
        req->tool_choice = AGW_TOOL_CHOICE_REQUIRED;

    } else if (agw_str_is(&type, "none")) {
        req->tool_choice = AGW_TOOL_CHOICE_NONE;

    } else if (agw_str_is(&type, "tool") && agw_str_set(&name)) {
        req->tool_choice = AGW_TOOL_CHOICE_TOOL;
        req->tool_choice_name = name;

    } else {
        agw_ant_bad(err, "tool_choice.type: unknown, or a tool without its "
                    "name");
        return -2;
    }

    if (off) {
        req->parallel_tools = 0;
    }

    return 0;
}


/* thinking {type: enabled, budget_tokens} | {type: adaptive} |
 * {type: disabled} */
static int
agw_ant_read_thinking(agw_jr_t *r, agw_request_t *req, agw_error_t *err)
{
    int        rc;
    int64_t    budget;
    agw_str_t  type = AGW_STR_NULL;

    agw_ant_member_t  m[] = {
        agw_ant_m("type", AGW_ANT_M_STR, &type),
        agw_ant_m("budget_tokens", AGW_ANT_M_INT, &budget),
    };

    budget = -1;

    rc = agw_ant_members(r, m, agw_ant_nmembers(m));
    if (rc != 0) {
        return rc < 0 ? -1 : 0;
    }

    if (!agw_str_set(&type)) {
        return 0;
    }

    if (agw_str_is(&type, "enabled")) {
        req->thinking = 1;
        /* a budget of 0 would mean off: none given is none known */
        req->thinking_budget = budget > 0 ? budget : -1;

    } else if (agw_str_is(&type, "adaptive")
               || agw_str_is(&type, "disabled"))
    {
        /*
         * The model decides, or Claude's default (off): left unset, so
         * each provider keeps its own default, as the old path did.  Set,
         * a Gemini writer would turn thoughts on (adaptive) or send a
         * budget of 0 (disabled), which its thinking-only models refuse.
         */
        req->thinking = -1;
        req->thinking_budget = -1;

    } else {
        agw_ant_bad(err, "thinking.type: not enabled, adaptive or disabled");
        return -2;
    }

    return 0;
}


/* output_config {effort: low|medium|high|max} */
static int
agw_ant_read_output_config(agw_jr_t *r, agw_request_t *req,
    agw_error_t *err)
{
    int        rc;
    agw_str_t  effort = AGW_STR_NULL;

    agw_ant_member_t  m[] = {
        agw_ant_m("effort", AGW_ANT_M_STR, &effort),
    };

    rc = agw_ant_members(r, m, agw_ant_nmembers(m));
    if (rc != 0 || !agw_str_set(&effort)) {
        return rc < 0 ? -1 : 0;
    }

    if (agw_str_is(&effort, "low")) {
        req->effort = AGW_EFFORT_LOW;

    } else if (agw_str_is(&effort, "medium")) {
        req->effort = AGW_EFFORT_MEDIUM;

    } else if (agw_str_is(&effort, "high") || agw_str_is(&effort, "max")) {
        /* max is more than high, which is the most the others take */
        req->effort = AGW_EFFORT_HIGH;

    } else {
        agw_ant_bad(err, "output_config.effort: not low, medium, high or "
                    "max");
        return -2;
    }

    return 0;
}


/* metadata {user_id} */
static int
agw_ant_read_metadata(agw_jr_t *r, agw_request_t *req)
{
    agw_ant_member_t  m[] = {
        agw_ant_m("user_id", AGW_ANT_M_STR, &req->user),
    };

    return agw_ant_members(r, m, agw_ant_nmembers(m)) < 0 ? -1 : 0;
}


static int
agw_ant_read_stop(agw_jr_t *r, agw_arena_t *a, agw_request_t *req,
    agw_error_t *err)
{
    int          rc, i;
    agw_part_t  *p, **tail;

    req->stop = NULL;

    rc = agw_jr_array(r);
    if (rc == AGW_JR_TYPE) {
        return agw_jr_value(r, NULL);
    }

    if (rc != 0) {
        return -1;
    }

    tail = &req->stop;

    for (i = 0; (rc = agw_jr_element(r)) == 1; i++) {
        p = agw_ant_part(a, AGW_PART_TEXT);
        if (p == NULL) {
            return -3;
        }

        rc = agw_jr_string(r, &p->text);
        if (rc == AGW_JR_TYPE) {
            agw_ant_bad(err, "stop_sequences[%d]: must be a string", i);
            return -2;
        }

        if (rc != 0) {
            return -1;
        }

        *tail = p;
        tail = &p->next;
    }

    return rc < 0 ? -1 : 0;
}


int
agw_ant_read_request(const char *body, size_t len, int valid,
    agw_arena_t *a, agw_request_t *req, agw_error_t *err)
{
    int        rc, b, seen;
    agw_jr_t   r;
    agw_str_t  key;

    agw_request_init(req);
    seen = 0;
    agw_jr_init(&r, body, len);
    r.valid = valid;

    rc = agw_jr_object(&r);
    if (rc != 0) {
        if (rc == AGW_JR_TYPE) {
            agw_ant_bad(err, "the request body must be a JSON object");
        } else {
            agw_ant_bad_json(err, 0, &r);
        }
        return -1;
    }

    while ((rc = agw_jr_member(&r, &key)) == 1) {

        /* rc: 0, -1 not JSON (err set below), -2 err set, -3 memory */
        if (agw_str_is(&key, "messages")) {
            rc = agw_ant_read_messages(&r, a, req, err) == 0 ? 0 : -2;
            seen = 1;

        } else if (agw_str_is(&key, "system")) {
            rc = agw_ant_read_system(&r, a, req, err) == 0 ? 0 : -2;

        } else if (agw_str_is(&key, "model")) {
            rc = agw_jr_string(&r, &req->model);
            if (rc == AGW_JR_TYPE) {
                req->model.data = NULL;
                rc = agw_jr_value(&r, NULL);
            }

        } else if (agw_str_is(&key, "max_tokens")) {
            rc = agw_jr_int(&r, &req->max_tokens);
            if (rc == AGW_JR_TYPE) {
                req->max_tokens = -1;
                rc = agw_jr_value(&r, NULL);
            }

        } else if (agw_str_is(&key, "temperature")) {
            rc = agw_ant_opt_number(&r, &req->temperature);

        } else if (agw_str_is(&key, "top_p")) {
            rc = agw_ant_opt_number(&r, &req->top_p);

        } else if (agw_str_is(&key, "top_k")) {
            rc = agw_ant_opt_number(&r, &req->top_k);

        } else if (agw_str_is(&key, "stream")) {
            rc = agw_jr_bool(&r, &b);
            if (rc == AGW_JR_TYPE) {
                b = 0;
                rc = agw_jr_value(&r, NULL);
            }
            req->stream = (uint8_t) b;

        } else if (agw_str_is(&key, "stop_sequences")) {
            rc = agw_ant_read_stop(&r, a, req, err);

        } else if (agw_str_is(&key, "metadata")) {
            rc = agw_ant_read_metadata(&r, req);

        } else if (agw_str_is(&key, "tools")) {
            rc = agw_ant_read_tools(&r, a, req, err) == 0 ? 0 : -2;

        } else if (agw_str_is(&key, "tool_choice")) {
            rc = agw_ant_read_tool_choice(&r, req, err);

        } else if (agw_str_is(&key, "thinking")) {
            rc = agw_ant_read_thinking(&r, req, err);

        } else if (agw_str_is(&key, "output_config")) {
            rc = agw_ant_read_output_config(&r, req, err);

        } else {
            /* container, mcp_servers, context_management, service_tier
             * (Anthropic's values are not OpenAI's)...: nothing another
             * provider takes */
            rc = agw_jr_value(&r, NULL);
        }

        if (rc == 0) {
            continue;
        }

        if (rc == -1) {
            agw_ant_bad_json(err, 0, &r);
        }

        return -1;
    }

    if (rc < 0 || agw_jr_end(&r) != 0) {
        agw_ant_bad_json(err, 0, &r);
        return -1;
    }

    if (!seen) {
        agw_ant_bad(err, "messages: missing");
        return -1;
    }

    if (req->tools == NULL) {
        /* a choice among no tools says nothing: dropped, as the old path
         * did, so no writer sends a choice without its tools */
        req->tool_choice = AGW_TOOL_CHOICE_UNSET;
        req->parallel_tools = -1;
    }

    return 0;
}


/* Writing: the form as a body for an Anthropic provider */

typedef struct {
    agw_jw_t                 *w;
    const agw_request_t      *req;
    const agw_request_ctx_t  *o;
    agw_error_t              *err;
    agw_buf_t                 tmp;          /* scratch: unescaped
                                               arguments, joined text */
    int                       drop_cache;   /* breakpoints to leave out,
                                               the first ones */
    unsigned                  trust_sig:1;  /* signatures are Anthropic's */
    unsigned                  failed:1;     /* err set */
    /* the last turns, for the thinking rule */
    unsigned                  last_user:1;
    unsigned                  last_results:1;
    unsigned                  asst_thinks:1;
    unsigned                  asst_calls:1;
    unsigned                  asst_first:1; /* no block in the turn yet */
} agw_ant_wr_t;


static int
agw_ant_text_set(const agw_str_t *s)
{
    return agw_str_set(s) && s->len > 0;
}


/* A signature Anthropic gave: a Gemini client's thoughtSignature rides the
 * same field and would not validate at Anthropic. */
static int
agw_ant_signed(const agw_ant_wr_t *c, const agw_part_t *p)
{
    return c->trust_sig && agw_ant_text_set(&p->signature);
}


/* Whether a part of a user (assistant) turn makes a block. */
static int
agw_ant_emits(const agw_ant_wr_t *c, const agw_part_t *p, int assistant)
{
    switch (p->type) {

    case AGW_PART_TEXT:
    case AGW_PART_REFUSAL:
        /* Anthropic refuses empty text blocks */
        return agw_ant_text_set(&p->text);

    case AGW_PART_IMAGE:
    case AGW_PART_DOCUMENT:
    case AGW_PART_AUDIO:
        /* audio: a block that is a 400 when written */
        return 1;

    case AGW_PART_TOOL_RESULT:
        return !assistant;

    case AGW_PART_TOOL_CALL:
        return assistant;

    case AGW_PART_THINKING:
        return assistant && agw_ant_signed(c, p);

    case AGW_PART_REDACTED_THINKING:
        return assistant && c->trust_sig && agw_str_set(&p->data);

    case AGW_PART_OTHER:
        return p->dialect == AGW_DIALECT_ANTHROPIC && agw_str_set(&p->raw);

    default:
        /* a Responses reasoning item: unsigned reasoning Anthropic refuses */
        return 0;
    }
}


/* The turn a message belongs to: 1 user, 2 assistant, 0 none (system
 * messages go to the system prompt; a message with nothing to send is
 * passed over, and the turns around it may merge). */
static int
agw_ant_turn_of(const agw_ant_wr_t *c, const agw_msg_t *m)
{
    int                assistant;
    const agw_part_t  *p;

    if (m->role == AGW_ROLE_SYSTEM) {
        return 0;
    }

    assistant = m->role == AGW_ROLE_ASSISTANT;

    for (p = m->parts; p != NULL; p = p->next) {
        if (agw_ant_emits(c, p, assistant)) {
            return assistant ? 2 : 1;
        }
    }

    return 0;
}


/* Whether a cache_control is written: Anthropic refuses more than four, so
 * the first ones beyond four go (the last ones cover the longest prefix). */
static int
agw_ant_cache_keep(agw_ant_wr_t *c, uint8_t cache)
{
    if (cache == AGW_CACHE_CONTROL_NONE) {
        return 0;
    }

    if (c->drop_cache > 0) {
        c->drop_cache--;
        return 0;
    }

    return 1;
}


static int
agw_ant_count_cache(const agw_ant_wr_t *c)
{
    int                 n, assistant;
    const agw_msg_t    *m;
    const agw_tool_t   *t;
    const agw_part_t   *p, *q;

    n = 0;

    for (t = c->req->tools; t != NULL; t = t->next) {
        n += t->type == AGW_TOOL_FUNCTION && t->cache != AGW_CACHE_CONTROL_NONE;
    }

    for (p = c->req->system; p != NULL; p = p->next) {
        n += agw_ant_emits(c, p, 0) && p->cache != AGW_CACHE_CONTROL_NONE;
    }

    for (m = c->req->messages; m != NULL; m = m->next) {
        assistant = m->role == AGW_ROLE_ASSISTANT;

        for (p = m->parts; p != NULL; p = p->next) {
            if (!agw_ant_emits(c, p, assistant)) {
                continue;
            }

            n += p->cache != AGW_CACHE_CONTROL_NONE && p->type != AGW_PART_THINKING
                 && p->type != AGW_PART_REDACTED_THINKING
                 && p->type != AGW_PART_OTHER;

            if (p->type == AGW_PART_TOOL_RESULT && !agw_str_set(&p->text)
                && !agw_str_set(&p->raw))
            {
                for (q = p->content; q != NULL; q = q->next) {
                    n += q->cache != AGW_CACHE_CONTROL_NONE
                         && (q->type == AGW_PART_IMAGE
                             || agw_ant_emits(c, q, 0));
                }
            }
        }
    }

    return n;
}


static void
agw_ant_text_block(agw_ant_wr_t *c, const agw_part_t *p)
{
    agw_jw_t  *w = c->w;

    agw_jw_object(w);
    agw_ant_key(w, "type");
    agw_ant_lit(w, "text");
    agw_ant_key(w, "text");
    agw_jw_str(w, &p->text);

    if (agw_ant_cache_keep(c, p->cache)) {
        agw_ant_write_cache(w, p->cache, &p->cache_ttl);
    }

    agw_jw_object_end(w);
}


/* An image or a document; 400 for what Anthropic cannot take. */
static int
agw_ant_media_block(agw_ant_wr_t *c, const agw_part_t *p)
{
    agw_jw_t  *w = c->w;

    if (p->type == AGW_PART_AUDIO) {
        agw_ant_bad(c->err, "audio input has no Anthropic equivalent");
        return -1;
    }

    if (agw_str_set(&p->file_id) && !agw_str_set(&p->data)
        && !agw_str_set(&p->url))
    {
        agw_ant_bad(c->err, "a file id of another provider cannot be sent "
                    "to Anthropic");
        return -1;
    }

    agw_jw_object(w);
    agw_ant_key(w, "type");

    if (p->type == AGW_PART_IMAGE) {
        agw_ant_lit(w, "image");
    } else {
        agw_ant_lit(w, "document");
    }

    if (agw_ant_write_source(w, p) != 0) {
        agw_ant_bad(c->err, "only base64 data URLs can be sent to Anthropic");
        return -1;
    }

    if (p->type == AGW_PART_DOCUMENT && agw_str_set(&p->name)) {
        agw_ant_key(w, "title");
        agw_jw_str(w, &p->name);
    }

    if (agw_ant_cache_keep(c, p->cache)) {
        agw_ant_write_cache(w, p->cache, &p->cache_ttl);
    }

    agw_jw_object_end(w);

    return 0;
}


static int
agw_ant_tool_result(agw_ant_wr_t *c, const agw_part_t *p)
{
    int                 open;
    agw_jw_t           *w = c->w;
    const agw_part_t   *q;

    if (!agw_str_set(&p->id)) {
        agw_ant_bad(c->err, "a tool result without the id of its call");
        return -1;
    }

    agw_jw_object(w);
    agw_ant_key(w, "type");
    agw_ant_lit(w, "tool_result");
    agw_ant_key(w, "tool_use_id");
    agw_jw_str(w, &p->id);

    if (agw_str_set(&p->text)) {
        if (p->text.len > 0) {
            agw_ant_key(w, "content");
            agw_jw_str(w, &p->text);
        }

    } else if (agw_str_set(&p->raw)) {
        /* Gemini's response object: its JSON text is the result, as a
         * string (the parts a Gemini reader adds say the same) */
        agw_ant_key(w, "content");
        agw_jw_str(w, &p->raw);

    } else if (p->content != NULL) {
        open = 0;

        for (q = p->content; q != NULL; q = q->next) {
            if (q->type != AGW_PART_IMAGE && q->type != AGW_PART_DOCUMENT
                && !agw_ant_emits(c, q, 0))
            {
                continue;
            }

            if (!open) {
                agw_ant_key(w, "content");
                agw_jw_array(w);
                open = 1;
            }

            if (q->type == AGW_PART_TEXT || q->type == AGW_PART_REFUSAL) {
                agw_ant_text_block(c, q);

            } else if (q->type == AGW_PART_IMAGE
                       || q->type == AGW_PART_DOCUMENT)
            {
                if (agw_ant_media_block(c, q) != 0) {
                    return -1;
                }

            } else {
                agw_ant_bad(c->err, "a tool result can hold only text, "
                            "images and documents");
                return -1;
            }
        }

        if (open) {
            agw_jw_array_end(w);
        }

    }

    if (p->is_error) {
        agw_ant_key(w, "is_error");
        agw_jw_bool(w, 1);
    }

    if (agw_ant_cache_keep(c, p->cache)) {
        agw_ant_write_cache(w, p->cache, &p->cache_ttl);
    }

    agw_jw_object_end(w);

    return 0;
}


static int
agw_ant_tool_use(agw_ant_wr_t *c, const agw_part_t *p)
{
    int        rc;
    agw_jw_t  *w = c->w;

    if (!agw_str_set(&p->id) || !agw_str_set(&p->name)) {
        agw_ant_bad(c->err, "a tool call needs an id and a name");
        return -1;
    }

    agw_jw_object(w);
    agw_ant_key(w, "type");
    agw_ant_lit(w, "tool_use");
    agw_ant_key(w, "id");
    agw_jw_str(w, &p->id);
    agw_ant_key(w, "name");
    agw_jw_str(w, &p->name);
    agw_ant_key(w, "input");

    rc = agw_ant_write_input(w, p, &c->tmp);
    if (rc != 0) {
        if (rc > 0) {
            agw_ant_bad(c->err, "the arguments of tool call \"%.*s\" are not "
                        "a JSON object", (int) (p->id.len > 64 ? 64
                                                : p->id.len), p->id.data);
        }
        return -1;
    }

    if (agw_ant_cache_keep(c, p->cache)) {
        agw_ant_write_cache(w, p->cache, &p->cache_ttl);
    }

    agw_jw_object_end(w);

    return 0;
}


/*
 * A signed thinking block.  Unsigned thinking parts before it in the same
 * turn are fragments of it (a client that kept a stream's thinking_blocks
 * as they came): their text is joined to it.
 */
static void
agw_ant_thinking(agw_ant_wr_t *c, const agw_part_t *from,
    const agw_part_t *p)
{
    agw_jw_t          *w = c->w;
    const agw_part_t  *q;

    agw_jw_object(w);
    agw_ant_key(w, "type");
    agw_ant_lit(w, "thinking");
    agw_ant_key(w, "thinking");

    if (from == NULL) {
        agw_jw_str(w, &p->text);

    } else {
        agw_ant_str_open(w);
        for (q = from; q != p; q = q->next) {
            if (q->type == AGW_PART_THINKING && agw_str_set(&q->text)) {
                agw_ant_str_piece(w, &q->text);
            }
        }
        if (agw_str_set(&p->text)) {
            agw_ant_str_piece(w, &p->text);
        }
        agw_ant_str_close(w);
    }

    agw_ant_key(w, "signature");
    agw_jw_str(w, &p->signature);
    agw_jw_object_end(w);
}


/* A part of a turn; *from: the first unsigned thinking part waiting for
 * its signed one. */
static int
agw_ant_block(agw_ant_wr_t *c, const agw_part_t *p, int assistant,
    const agw_part_t **from)
{
    agw_jw_t  *w = c->w;

    if (p->type == AGW_PART_THINKING && assistant && c->trust_sig
        && !agw_ant_signed(c, p))
    {
        if (*from == NULL) {
            *from = p;
        }
        return 0;
    }

    if (!agw_ant_emits(c, p, assistant)) {
        return 0;
    }

    if (c->asst_first && assistant) {
        c->asst_thinks = p->type == AGW_PART_THINKING
                         || p->type == AGW_PART_REDACTED_THINKING;
        c->asst_first = 0;
    }

    switch (p->type) {

    case AGW_PART_TEXT:
    case AGW_PART_REFUSAL:
        agw_ant_text_block(c, p);
        return 0;

    case AGW_PART_IMAGE:
    case AGW_PART_DOCUMENT:
    case AGW_PART_AUDIO:
        return agw_ant_media_block(c, p);

    case AGW_PART_TOOL_RESULT:
        c->last_results = 1;
        return agw_ant_tool_result(c, p);

    case AGW_PART_TOOL_CALL:
        c->asst_calls = 1;
        return agw_ant_tool_use(c, p);

    case AGW_PART_THINKING:
        agw_ant_thinking(c, *from, p);
        *from = NULL;
        return 0;

    case AGW_PART_REDACTED_THINKING:
        agw_jw_object(w);
        agw_ant_key(w, "type");
        agw_ant_lit(w, "redacted_thinking");
        agw_ant_key(w, "data");
        agw_jw_str(w, &p->data);
        agw_jw_object_end(w);
        return 0;

    default:
        /* an Anthropic block kept whole (a server tool's call, result) */
        agw_jw_raw(w, &p->raw);
        return 0;
    }
}


/*
 * One turn: the messages from m up to end (not included) that belong to
 * it, merged, as Anthropic wants user and assistant turns to alternate.
 * In a user turn the tool results go first, as Anthropic requires.
 */
static int
agw_ant_turn(agw_ant_wr_t *c, const agw_msg_t *m, const agw_msg_t *end,
    int turn)
{
    int                pass;
    agw_jw_t          *w = c->w;
    const agw_msg_t   *n;
    const agw_part_t  *p, *from;

    agw_jw_object(w);
    agw_ant_key(w, "role");

    if (turn == 1) {
        agw_ant_lit(w, "user");
        c->last_user = 1;
        c->last_results = 0;

    } else {
        agw_ant_lit(w, "assistant");
        c->last_user = 0;
        c->asst_first = 1;
        c->asst_thinks = 0;
        c->asst_calls = 0;
    }

    agw_ant_key(w, "content");
    agw_jw_array(w);

    for (pass = (turn == 1) ? 0 : 1; pass < 2; pass++) {

        for (n = m; n != end; n = n->next) {
            if (agw_ant_turn_of(c, n) != turn) {
                continue;
            }

            from = NULL;

            for (p = n->parts; p != NULL; p = p->next) {
                if (turn == 1
                    && (p->type == AGW_PART_TOOL_RESULT) != (pass == 0))
                {
                    continue;
                }

                if (agw_ant_block(c, p, turn == 2, &from) != 0) {
                    return -1;
                }
            }

            /* unsigned thinking with no signed block after it: text of
             * another provider's reasoning, which Anthropic refuses */
        }
    }

    agw_jw_array_end(w);
    agw_jw_object_end(w);

    return 0;
}


static int
agw_ant_write_messages(agw_ant_wr_t *c)
{
    int               turn;
    const agw_msg_t  *m, *n;

    for (m = c->req->messages; m != NULL; m = m->next) {
        if (agw_ant_turn_of(c, m) != 0) {
            break;
        }
    }

    if (m == NULL) {
        agw_ant_bad(c->err, "no message with content to send");
        return -1;
    }

    agw_ant_key(c->w, "messages");
    agw_jw_array(c->w);

    while (m != NULL) {
        turn = agw_ant_turn_of(c, m);

        for (n = m->next; n != NULL; n = n->next) {
            if (agw_ant_turn_of(c, n) != 0
                && agw_ant_turn_of(c, n) != turn)
            {
                break;
            }
        }

        if (agw_ant_turn(c, m, n, turn) != 0) {
            return -1;
        }

        m = n;
    }

    agw_jw_array_end(c->w);

    return 0;
}


/* A system part: text only, empty text skipped. */
static int
agw_ant_system_part(agw_ant_wr_t *c, const agw_part_t *p, int *n,
    const agw_part_t **one)
{
    if (p->type != AGW_PART_TEXT && p->type != AGW_PART_REFUSAL) {
        agw_ant_bad(c->err, "a system or developer message can hold only "
                    "text for Anthropic");
        return -1;
    }

    if (agw_ant_text_set(&p->text)) {
        (*n)++;
        *one = p;
    }

    return 0;
}


/*
 * Anthropic has one system prompt, before all turns: the form's system
 * parts and every system (and developer) message, wherever it stands,
 * are gathered there in order.  One plain block is sent as a string.
 */
static int
agw_ant_write_system(agw_ant_wr_t *c)
{
    int                n;
    agw_jw_t          *w = c->w;
    const agw_msg_t   *m;
    const agw_part_t  *p, *one;

    n = 0;
    one = NULL;

    for (p = c->req->system; p != NULL; p = p->next) {
        if (agw_ant_system_part(c, p, &n, &one) != 0) {
            return -1;
        }
    }

    for (m = c->req->messages; m != NULL; m = m->next) {
        if (m->role != AGW_ROLE_SYSTEM) {
            continue;
        }
        for (p = m->parts; p != NULL; p = p->next) {
            if (agw_ant_system_part(c, p, &n, &one) != 0) {
                return -1;
            }
        }
    }

    if (n == 0) {
        return 0;
    }

    agw_ant_key(w, "system");

    if (n == 1 && (one->cache == AGW_CACHE_CONTROL_NONE || c->drop_cache > 0)) {
        if (one->cache != AGW_CACHE_CONTROL_NONE) {
            c->drop_cache--;
        }
        agw_jw_str(w, &one->text);
        return 0;
    }

    agw_jw_array(w);

    for (p = c->req->system; p != NULL; p = p->next) {
        if (agw_ant_text_set(&p->text)) {
            agw_ant_text_block(c, p);
        }
    }

    for (m = c->req->messages; m != NULL; m = m->next) {
        if (m->role != AGW_ROLE_SYSTEM) {
            continue;
        }
        for (p = m->parts; p != NULL; p = p->next) {
            if (agw_ant_text_set(&p->text)) {
                agw_ant_text_block(c, p);
            }
        }
    }

    agw_jw_array_end(w);

    return 0;
}


static int
agw_ant_write_tools(agw_ant_wr_t *c)
{
    int                i, n;
    agw_jw_t          *w = c->w;
    const agw_tool_t  *t;

    static const agw_str_t  empty = {
        "{\"type\":\"object\",\"properties\":{}}", 33, AGW_STR_VALUE, 0
    };

    n = 0;

    for (t = c->req->tools, i = 0; t != NULL; t = t->next, i++) {
        /*
         * The Responses API's hosted tools (web_search, namespace...),
         * which Codex always sends: OpenAI runs them, no model here can
         * call them, so they go as they would to a chat-only provider.
         */
        if (t->type == AGW_TOOL_OTHER && t->dialect == AGW_DIALECT_RESPONSES)
        {
            continue;
        }

        if (t->type == AGW_TOOL_OTHER && t->dialect != AGW_DIALECT_ANTHROPIC) {
            agw_ant_bad(c->err, "tools[%d]: not a function tool, none "
                        "Anthropic can run", i);
            return -1;
        }

        if (n++ == 0) {
            agw_ant_key(w, "tools");
            agw_jw_array(w);
        }

        if (t->type == AGW_TOOL_OTHER) {
            agw_jw_raw(w, &t->raw);
            continue;
        }

        agw_jw_object(w);
        agw_ant_key(w, "name");
        agw_jw_str(w, &t->name);

        if (agw_str_set(&t->description)) {
            agw_ant_key(w, "description");
            agw_jw_str(w, &t->description);
        }

        agw_ant_key(w, "input_schema");

        if (agw_str_set(&t->parameters)) {
            agw_jw_raw(w, &t->parameters);
        } else {
            /* Anthropic needs a schema even for a tool without arguments */
            agw_jw_raw(w, &empty);
        }

        if (agw_ant_cache_keep(c, t->cache)) {
            agw_ant_write_cache(w, t->cache, &t->cache_ttl);
        }

        agw_jw_object_end(w);
    }

    if (n > 0) {
        agw_jw_array_end(w);
    }

    return n;
}


/* Returns 1 when the choice forces a tool (thinking must then be off). */
static int
agw_ant_write_tool_choice(agw_ant_wr_t *c)
{
    int                   forced;
    agw_jw_t             *w = c->w;
    agw_tool_choice_t     tc;
    const agw_request_t  *req = c->req;

    tc = req->tool_choice;

    if (tc == AGW_TOOL_CHOICE_UNSET) {
        if (req->parallel_tools != 0) {
            return 0;
        }
        tc = AGW_TOOL_CHOICE_AUTO;
    }

    forced = 0;

    agw_ant_key(w, "tool_choice");
    agw_jw_object(w);
    agw_ant_key(w, "type");

    switch (tc) {

    case AGW_TOOL_CHOICE_NONE:
        agw_ant_lit(w, "none");
        break;

    case AGW_TOOL_CHOICE_REQUIRED:
        agw_ant_lit(w, "any");
        forced = 1;
        break;

    case AGW_TOOL_CHOICE_TOOL:
        agw_ant_lit(w, "tool");
        agw_ant_key(w, "name");
        agw_jw_str(w, &req->tool_choice_name);
        forced = 1;
        break;

    default:
        agw_ant_lit(w, "auto");
        break;
    }

    if (req->parallel_tools == 0 && tc != AGW_TOOL_CHOICE_NONE) {
        agw_ant_key(w, "disable_parallel_tool_use");
        agw_jw_bool(w, 1);
    }

    agw_jw_object_end(w);

    return forced;
}


/* The thinking budget the form asks for; 0: none.  Anthropic refuses a
 * budget under 1024 tokens (another dialect's, a Gemini client's 100):
 * raised to it. */
static int64_t
agw_ant_budget(const agw_request_t *req)
{
    if (req->thinking == 0) {
        return 0;
    }

    if (req->thinking_budget > 0) {
        return req->thinking_budget < AGW_ANT_BUDGET_MINIMAL
               ? AGW_ANT_BUDGET_MINIMAL : req->thinking_budget;
    }

    switch (req->effort) {

    case AGW_EFFORT_MINIMAL:
        return AGW_ANT_BUDGET_MINIMAL;

    case AGW_EFFORT_LOW:
        return AGW_ANT_BUDGET_LOW;

    case AGW_EFFORT_MEDIUM:
        return AGW_ANT_BUDGET_MEDIUM;

    case AGW_EFFORT_HIGH:
    case AGW_EFFORT_XHIGH:
        return AGW_ANT_BUDGET_HIGH;

    default:
        return 0;
    }
}


/* Anthropic's temperature is 0..1, OpenAI's 0..2: clamped, as a real (the
 * old path's json_real). */
static void
agw_ant_temperature(agw_jw_t *w, const agw_str_t *t)
{
    int        n;
    char       buf[64];
    double     v;
    agw_str_t  real;

    static const agw_str_t  one = { "1.0", 3, AGW_STR_VALUE, 0 };
    static const agw_str_t  zero = { "0.0", 3, AGW_STR_VALUE, 0 };

    if (t->len == 0 || t->len > sizeof(buf) - 3) {
        return;
    }

    /* a number's text, as the reader validated it */
    n = (int) t->len;
    memcpy(buf, t->data, n);
    buf[n] = '\0';

    v = strtod(buf, NULL);

    agw_ant_key(w, "temperature");

    if (v > 1.0) {
        agw_jw_raw(w, &one);
        return;
    }

    if (v < 0.0 || v != v) {
        agw_jw_raw(w, &zero);
        return;
    }

    if (strpbrk(buf, ".eE") == NULL) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }

    real.data = buf;
    real.len = (uint32_t) n;
    real.kind = AGW_STR_VALUE;
    real.escaped = 0;

    agw_jw_raw(w, &real);
}


int
agw_ant_write_request(const agw_request_t *req, const agw_request_ctx_t *o,
    agw_buf_t *out, agw_error_t *err)
{
    int               n, forced, rc;
    size_t            start;
    int64_t           max_tokens, budget, asked;
    agw_jw_t          w;
    agw_ant_wr_t      c;
    const agw_str_t  *model;
    const agw_part_t *p;

    if (req->n > 1) {
        agw_ant_bad(err, "n: Anthropic returns one choice, n must be 1");
        return -1;
    }

    model = (o != NULL && agw_str_set(&o->model)) ? &o->model : &req->model;
    if (!agw_str_set(model)) {
        agw_ant_bad(err, "model: missing");
        return -1;
    }

    memset(&c, 0, sizeof(c));
    c.w = &w;
    c.req = req;
    c.o = o;
    c.err = err;
    /* a Gemini client's signatures are Gemini's own */
    c.trust_sig = (o == NULL || o->client != AGW_DIALECT_GEMINI);

    n = agw_ant_count_cache(&c);
    c.drop_cache = n > AGW_ANT_MAX_BREAKPOINTS
                   ? n - AGW_ANT_MAX_BREAKPOINTS : 0;

    start = out->len;
    rc = -1;

    agw_jw_init(&w, out);
    agw_body_refs_writer(&w, o != NULL ? o->refs : NULL);
    agw_jw_object(&w);
    agw_ant_key(&w, "model");
    agw_jw_str(&w, model);

    /* tools, system, messages: Anthropic's own order, which is the order
     * of the cache prefix the breakpoints mark */
    n = agw_ant_write_tools(&c);
    if (n < 0) {
        goto done;
    }

    forced = n > 0 ? agw_ant_write_tool_choice(&c) : 0;

    if (agw_ant_write_system(&c) != 0 || agw_ant_write_messages(&c) != 0) {
        goto done;
    }

    max_tokens = req->max_tokens;
    if (max_tokens <= 0) {
        max_tokens = (o != NULL && o->default_max_tokens > 0)
                     ? o->default_max_tokens : AGW_ANT_FALLBACK_MAX_TOKENS;
    }

    /* Anthropic refuses thinking with a forced tool: the forced tool, which
     * the client's logic depends on, wins */
    budget = forced ? 0 : agw_ant_budget(req);

    /*
     * With thinking on, Anthropic wants the assistant turn of a tool loop
     * in progress (the last turn holds tool results) to start with its
     * signed thinking block.  A client that does not keep them (most
     * OpenAI SDK users) cannot send it: thinking is left off for that
     * request rather than have it refused.
     */
    if (budget > 0 && c.last_user && c.last_results && c.asst_calls
        && !c.asst_thinks)
    {
        budget = 0;
    }

    /* max_tokens counts thinking too and must exceed the budget: the
     * budget is added so the answer keeps the room the client asked */
    asked = max_tokens;

    if (budget > 0 && max_tokens <= budget) {
        max_tokens += budget;
    }

    /* a key's cap holds whatever thinking adds (agw_policy_form capped
     * what the client asked): the budget shrinks under it, or thinking
     * is left off when the smallest budget does not fit */
    if (o != NULL && o->policy.max_output > 0
        && max_tokens > o->policy.max_output)
    {
        max_tokens = o->policy.max_output;

        if (budget >= max_tokens) {
            budget = (max_tokens - 1 >= AGW_ANT_BUDGET_MINIMAL)
                     ? max_tokens - 1 : 0;
        }

        if (budget == 0 && asked < max_tokens) {
            max_tokens = asked;
        }
    }

    agw_policy_report(o, max_tokens, 1);

    if (budget > 0) {
        agw_ant_key(&w, "thinking");
        agw_jw_object(&w);
        agw_ant_key(&w, "type");
        agw_ant_lit(&w, "enabled");
        agw_ant_key(&w, "budget_tokens");
        agw_jw_int(&w, budget);
        agw_jw_object_end(&w);

    } else {
        /* Anthropic refuses these with thinking on */
        if (agw_str_set(&req->temperature)) {
            agw_ant_temperature(&w, &req->temperature);
        }

        if (agw_str_set(&req->top_p)) {
            agw_ant_key(&w, "top_p");
            agw_jw_raw(&w, &req->top_p);
        }

        if (agw_str_set(&req->top_k)) {
            agw_ant_key(&w, "top_k");
            agw_jw_raw(&w, &req->top_k);
        }
    }

    agw_ant_key(&w, "max_tokens");
    agw_jw_int(&w, max_tokens);

    if (req->stop != NULL) {
        agw_ant_key(&w, "stop_sequences");
        agw_jw_array(&w);
        for (p = req->stop; p != NULL; p = p->next) {
            agw_jw_str(&w, &p->text);
        }
        agw_jw_array_end(&w);
    }

    if (agw_str_set(&req->user)) {
        agw_ant_key(&w, "metadata");
        agw_jw_object(&w);
        agw_ant_key(&w, "user_id");
        agw_jw_str(&w, &req->user);
        agw_jw_object_end(&w);
    }

    if (o != NULL ? o->stream : req->stream) {
        agw_ant_key(&w, "stream");
        agw_jw_bool(&w, 1);
    }

    agw_jw_object_end(&w);

    rc = w.failed ? -1 : 0;

done:

    agw_buf_free(&c.tmp);

    if (rc != 0) {
        out->len = start;
    }

    return rc;
}
