/*
 * rsp_request: a Responses API request (POST /v1/responses) to and from
 * the intermediate form.
 *
 * Reading: "instructions" is the system prompt; "input" is a string (one
 * user turn) or a list of items: messages, function_call,
 * function_call_output, reasoning.  The items a model produced in one
 * turn (reasoning, assistant messages, function calls) come as separate
 * items; they are joined into one assistant message, as the other
 * dialects hold a turn, so that a tool call and its thinking stay in the
 * turn the provider expects them in.  Items of OpenAI's own (custom and
 * hosted tool calls, item references) are kept whole as OTHER parts: only
 * a Responses writer can use them.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rsp_int.h"


typedef struct {
    agw_jr_t         r;
    agw_arena_t     *a;
    agw_error_t     *err;
    agw_request_t   *req;
    agw_msg_t      **tail;
    agw_msg_t       *last;
    agw_part_t     **calls;     /* TOOL_CALL parts read, to name results */
    uint32_t         ncalls;
    uint32_t         ncalls_max;
} agw_rsp_rd_t;

/* One item of "input", or one part of a content list, as read: members
 * of every kind, the kind decided once the object ended (members come
 * in any order). */
typedef struct {
    agw_str_t        type;
    agw_str_t        role;
    agw_str_t        id;
    agw_str_t        call_id;
    agw_str_t        name;
    agw_str_t        arguments;
    agw_str_t        output;        /* a string output */
    agw_str_t        encrypted;
    agw_part_t      *parts;         /* content, output or summary list */
    uint8_t          string;        /* content came as a string */
} agw_rsp_item_t;


static int agw_rsp_parts(agw_rsp_rd_t *rd, const char *what, uint32_t i,
    agw_part_t **parts);


#define agw_rsp_nomem(rd)  ((rd)->err->cls = AGW_ERR_NONE, -1)


static int
agw_rsp_bad(agw_rsp_rd_t *rd, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
agw_rsp_bad(agw_rsp_rd_t *rd, const char *code, const char *fmt, ...)
{
    char     msg[sizeof(rd->err->message)];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    agw_error_set(rd->err, AGW_ERR_INVALID_REQUEST, 0, code, "%s", msg);
    return -1;
}


/* After a call of the pull reader failed: the bytes are not JSON, or the
 * value is of another type than the field takes. */
static int
agw_rsp_type(agw_rsp_rd_t *rd, int rc, const char *field, const char *want)
{
    if (rc == AGW_JR_TYPE && !rd->r.failed) {
        return agw_rsp_bad(rd, "invalid_type", "%s: expected %s", field,
                           want);
    }

    return agw_rsp_bad(rd, "invalid_json", "the request body is not valid "
                       "JSON (at byte %zu)", rd->r.errpos);
}


/* A string, or null (left unset). */
static int
agw_rsp_opt_string(agw_rsp_rd_t *rd, agw_str_t *s, const char *field)
{
    int  rc;

    if (agw_jr_peek(&rd->r) == AGW_JR_NULL) {
        return agw_jr_null(&rd->r) == 0 ? 0 : agw_rsp_type(rd, -1, field, "");
    }

    rc = agw_jr_string(&rd->r, s);
    return rc == 0 ? 0 : agw_rsp_type(rd, rc, field, "a string");
}


static int
agw_rsp_opt_number(agw_rsp_rd_t *rd, agw_str_t *s, const char *field)
{
    int  rc;

    if (agw_jr_peek(&rd->r) == AGW_JR_NULL) {
        return agw_jr_null(&rd->r) == 0 ? 0 : agw_rsp_type(rd, -1, field, "");
    }

    rc = agw_jr_number(&rd->r, s);
    return rc == 0 ? 0 : agw_rsp_type(rd, rc, field, "a number");
}


/* A boolean, or null: -1 unset. */
static int
agw_rsp_opt_bool(agw_rsp_rd_t *rd, int8_t *v, const char *field)
{
    int  rc, b;

    if (agw_jr_peek(&rd->r) == AGW_JR_NULL) {
        return agw_jr_null(&rd->r) == 0 ? 0 : agw_rsp_type(rd, -1, field, "");
    }

    rc = agw_jr_bool(&rd->r, &b);
    if (rc != 0) {
        return agw_rsp_type(rd, rc, field, "a boolean");
    }

    *v = (int8_t) b;
    return 0;
}


static int
agw_rsp_skip(agw_rsp_rd_t *rd)
{
    return agw_jr_value(&rd->r, NULL) == 0 ? 0 : agw_rsp_type(rd, -1, "", "");
}


/* An object, or null (skipped): 1 when the object is open to read its
 * members, 0 null, -1 anything else. */
static int
agw_rsp_opt_object(agw_rsp_rd_t *rd, const char *field, const char *want)
{
    int  rc;

    if (agw_jr_peek(&rd->r) == AGW_JR_NULL) {
        return agw_rsp_skip(rd) == 0 ? 0 : -1;
    }

    rc = agw_jr_object(&rd->r);
    if (rc != 0) {
        return agw_rsp_type(rd, rc, field, want);
    }

    return 1;
}


/* A member of an object whose members that matter are all strings. */
typedef struct {
    const char  *name;
    const char  *field;         /* its path, for errors */
    agw_str_t   *dst;
} agw_rsp_member_t;


/* The rest of an open object: the members named, the others skipped. */
static int
agw_rsp_string_members(agw_rsp_rd_t *rd, const agw_rsp_member_t *members,
    size_t n)
{
    int        rc;
    size_t     i;
    agw_str_t  key;

    while ((rc = agw_jr_member(&rd->r, &key)) == 1) {
        for (i = 0; i < n; i++) {
            if (agw_str_eq(&key, members[i].name, strlen(members[i].name))) {
                break;
            }
        }

        if (i < n) {
            rc = agw_rsp_opt_string(rd, members[i].dst, members[i].field);
        } else {
            rc = agw_rsp_skip(rd);
        }

        if (rc != 0) {
            return -1;
        }
    }

    return rc == 0 ? 0 : agw_rsp_type(rd, -1, "", "");
}


static agw_part_t *
agw_rsp_part(agw_rsp_rd_t *rd, agw_part_type_t type)
{
    agw_part_t  *p;

    p = agw_arena_calloc(rd->a, sizeof(agw_part_t));
    if (p != NULL) {
        p->type = type;
    }

    return p;
}


/*
 * "data:<media type>;base64,<data>" into its media type and data, as the
 * other dialects hold an inline image or file; any other URL stays one.
 */
static void
agw_rsp_data_url(const agw_str_t *url, agw_part_t *p)
{
    const char  *s, *semi, *end;

    if (url->escaped || url->len < 5 || memcmp(url->data, "data:", 5) != 0) {
        p->url = *url;
        return;
    }

    s = url->data + 5;
    end = url->data + url->len;
    semi = memchr(s, ';', (size_t) (end - s));

    if (semi == NULL || (size_t) (end - semi) < 8
        || memcmp(semi, ";base64,", 8) != 0)
    {
        p->url = *url;
        return;
    }

    p->media_type = *url;
    p->media_type.data = s;
    p->media_type.len = (uint32_t) (semi - s);
    p->data = *url;
    p->data.data = semi + 8;
    p->data.len = (uint32_t) (end - semi - 8);
}


/*
 * A member of an item of "input" (what NULL), or of a part of its list
 * what (j its place): read into dst when it is one that is kept (dst set)
 * and not null, else skipped.  The field's name is only put together for
 * an error's message.
 */
static int
agw_rsp_item_string(agw_rsp_rd_t *rd, const agw_str_t *key, agw_str_t *dst,
    uint32_t i, const char *what, uint32_t j)
{
    int   rc, n;
    char  field[80];

    if (dst == NULL || agw_jr_peek(&rd->r) == AGW_JR_NULL) {
        return agw_rsp_skip(rd);
    }

    rc = agw_jr_string(&rd->r, dst);
    if (rc == 0) {
        return 0;
    }

    n = (int) (key->len > 20 ? 20 : key->len);

    if (what == NULL) {
        snprintf(field, sizeof(field), "input[%u].%.*s", i, n, key->data);
    } else {
        snprintf(field, sizeof(field), "input[%u].%s[%u].%.*s", i, what, j,
                 n, key->data);
    }

    return agw_rsp_type(rd, rc, field, "a string");
}


/* One part of a content list (a message's content, a function output's
 * output, a reasoning item's summary). */
static int
agw_rsp_content_part(agw_rsp_rd_t *rd, const char *what, uint32_t i,
    uint32_t j, agw_part_t **out)
{
    int          rc;
    agw_str_t    key, type, text, url, file_id, detail, data, filename;
    agw_part_t  *p;
    char         field[80];

    type = text = url = file_id = detail = data = filename = agw_rsp_unset;

    rc = agw_jr_object(&rd->r);
    if (rc != 0) {
        snprintf(field, sizeof(field), "input[%u].%s[%u]", i, what, j);
        return agw_rsp_type(rd, rc, field, "an object");
    }

    while ((rc = agw_jr_member(&rd->r, &key)) == 1) {
        agw_str_t  *dst;

        if (agw_str_is(&key, "type")) {
            dst = &type;
        } else if (agw_str_is(&key, "text") || agw_str_is(&key, "refusal")) {
            dst = &text;
        } else if (agw_str_is(&key, "image_url")
                   || agw_str_is(&key, "file_url"))
        {
            dst = &url;
        } else if (agw_str_is(&key, "file_id")) {
            dst = &file_id;
        } else if (agw_str_is(&key, "detail")) {
            dst = &detail;
        } else if (agw_str_is(&key, "file_data")) {
            dst = &data;
        } else if (agw_str_is(&key, "filename")) {
            dst = &filename;
        } else {
            dst = NULL;
        }

        if (agw_rsp_item_string(rd, &key, dst, i, what, j) != 0) {
            return -1;
        }
    }

    if (rc < 0) {
        return agw_rsp_type(rd, -1, "", "");
    }

    if (agw_str_is(&type, "input_text") || agw_str_is(&type, "output_text")
        || agw_str_is(&type, "summary_text")
        || agw_str_is(&type, "reasoning_text"))
    {
        p = agw_rsp_part(rd, AGW_PART_TEXT);
        if (p == NULL) {
            return agw_rsp_nomem(rd);
        }

        if (!agw_str_set(&text)) {
            return agw_rsp_bad(rd, "missing_required_parameter",
                               "input[%u].%s[%u].text: required", i, what, j);
        }

        p->text = text;

    } else if (agw_str_is(&type, "refusal")) {
        p = agw_rsp_part(rd, AGW_PART_REFUSAL);
        if (p == NULL) {
            return agw_rsp_nomem(rd);
        }

        if (!agw_str_set(&text)) {
            return agw_rsp_bad(rd, "missing_required_parameter",
                               "input[%u].%s[%u].refusal: required", i, what,
                               j);
        }

        p->text = text;

    } else if (agw_str_is(&type, "input_image")) {
        p = agw_rsp_part(rd, AGW_PART_IMAGE);
        if (p == NULL) {
            return agw_rsp_nomem(rd);
        }

        if (agw_str_set(&url)) {
            agw_rsp_data_url(&url, p);

        } else if (!agw_str_set(&file_id)) {
            return agw_rsp_bad(rd, "missing_required_parameter",
                               "input[%u].%s[%u]: input_image needs "
                               "image_url or file_id", i, what, j);
        }

        p->file_id = file_id;
        p->format = detail;

    } else if (agw_str_is(&type, "input_file")) {
        p = agw_rsp_part(rd, AGW_PART_DOCUMENT);
        if (p == NULL) {
            return agw_rsp_nomem(rd);
        }

        if (agw_str_set(&data)) {
            agw_rsp_data_url(&data, p);

            if (agw_str_set(&p->url)) {
                /* not a data URL: the base64 bytes themselves */
                p->data = p->url;
                p->url = agw_rsp_unset;
            }

        } else if (agw_str_set(&url)) {
            p->url = url;

        } else if (!agw_str_set(&file_id)) {
            return agw_rsp_bad(rd, "missing_required_parameter",
                               "input[%u].%s[%u]: input_file needs "
                               "file_data, file_url or file_id", i, what, j);
        }

        p->file_id = file_id;
        p->name = filename;

    } else {
        char  t[40];
        int   n;

        n = agw_str_decode(&type, t, sizeof(t) - 1);
        return agw_rsp_bad(rd, "invalid_value",
                           "input[%u].%s[%u].type: unknown content type "
                           "\"%.*s\"", i, what, j, n < 0 ? 0 : n, t);
    }

    *out = p;
    return 0;
}


static int
agw_rsp_parts(agw_rsp_rd_t *rd, const char *what, uint32_t i,
    agw_part_t **parts)
{
    int           rc;
    uint32_t      j;
    agw_part_t  **tail, *p = NULL;

    tail = parts;
    p = NULL;    /* -O2's -Wmaybe-uninitialized does not see the loop */

    rc = agw_jr_array(&rd->r);
    if (rc != 0) {
        char  field[64];

        snprintf(field, sizeof(field), "input[%u].%s", i, what);
        return agw_rsp_type(rd, rc, field, "a string or an array");
    }

    for (j = 0; (rc = agw_jr_element(&rd->r)) == 1; j++) {
        if (agw_rsp_content_part(rd, what, i, j, &p) != 0) {
            return -1;
        }

        *tail = p;
        tail = &p->next;
    }

    return rc == 0 ? 0 : agw_rsp_type(rd, -1, "", "");
}


static agw_msg_t *
agw_rsp_msg(agw_rsp_rd_t *rd, agw_role_t role)
{
    agw_msg_t  *m;

    m = agw_arena_calloc(rd->a, sizeof(agw_msg_t));
    if (m == NULL) {
        return NULL;
    }

    m->role = role;
    *rd->tail = m;
    rd->tail = &m->next;
    rd->last = m;

    return m;
}


/* The assistant turn the model's items of this turn join. */
static agw_msg_t *
agw_rsp_assistant(agw_rsp_rd_t *rd)
{
    if (rd->last != NULL && rd->last->role == AGW_ROLE_ASSISTANT) {
        return rd->last;
    }

    return agw_rsp_msg(rd, AGW_ROLE_ASSISTANT);
}


static void
agw_rsp_append_parts(agw_msg_t *m, agw_part_t *parts)
{
    agw_part_t  **tail;

    for (tail = &m->parts; *tail; tail = &(*tail)->next) { /* void */ }

    *tail = parts;
}


static int
agw_rsp_str_same(const agw_str_t *a, const agw_str_t *b)
{
    char  buf[256];
    int   n;

    if (!a->escaped && !b->escaped) {
        return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
    }

    n = agw_str_decode(b, buf, sizeof(buf));
    return n >= 0 && agw_str_eq(a, buf, (size_t) n);
}


/* A function call read: kept to name the result that answers it (Gemini
 * needs the name in a functionResponse, the Responses item has none). */
static int
agw_rsp_remember_call(agw_rsp_rd_t *rd, agw_part_t *p)
{
    agw_part_t  **calls;

    if (rd->ncalls == rd->ncalls_max) {
        rd->ncalls_max = rd->ncalls_max ? rd->ncalls_max * 2 : 16;
        calls = agw_arena_alloc(rd->a, rd->ncalls_max * sizeof(agw_part_t *));
        if (calls == NULL) {
            return -1;
        }

        if (rd->ncalls) {
            memcpy(calls, rd->calls, rd->ncalls * sizeof(agw_part_t *));
        }

        rd->calls = calls;
    }

    rd->calls[rd->ncalls++] = p;
    return 0;
}


static void
agw_rsp_name_result(agw_rsp_rd_t *rd, agw_part_t *res)
{
    uint32_t  i;

    for (i = rd->ncalls; i-- > 0; /* void */) {
        if (agw_rsp_str_same(&rd->calls[i]->id, &res->id)) {
            res->name = rd->calls[i]->name;
            return;
        }
    }
}


static int
agw_rsp_message_item(agw_rsp_rd_t *rd, agw_rsp_item_t *it, uint32_t i)
{
    agw_msg_t   *m;
    agw_role_t   role;

    if (agw_str_is(&it->role, "user")) {
        role = AGW_ROLE_USER;
    } else if (agw_str_is(&it->role, "assistant")) {
        role = AGW_ROLE_ASSISTANT;
    } else if (agw_str_is(&it->role, "system")
               || agw_str_is(&it->role, "developer"))
    {
        role = AGW_ROLE_SYSTEM;
    } else {
        return agw_rsp_bad(rd, "invalid_value", "input[%u].role: must be "
                           "user, assistant, system or developer", i);
    }

    m = (role == AGW_ROLE_ASSISTANT) ? agw_rsp_assistant(rd)
                                     : agw_rsp_msg(rd, role);
    if (m == NULL) {
        return agw_rsp_nomem(rd);
    }

    m->developer = agw_str_is(&it->role, "developer");

    if (m->parts == NULL) {
        m->string = it->string;
        m->id = it->id;

    } else {
        m->string = 0;
    }

    agw_rsp_append_parts(m, it->parts);
    return 0;
}


/* One element of "input". */
static int
agw_rsp_item(agw_rsp_rd_t *rd, uint32_t i)
{
    int              rc;
    size_t           start;
    agw_str_t        key, raw;
    agw_msg_t       *m;
    agw_part_t      *p;
    agw_rsp_item_t   it;
    char             field[48];

    memset(&it, 0, sizeof(it));
    start = agw_jr_offset(&rd->r);

    rc = agw_jr_object(&rd->r);
    if (rc != 0) {
        snprintf(field, sizeof(field), "input[%u]", i);
        return agw_rsp_type(rd, rc, field, "an object");
    }

    while ((rc = agw_jr_member(&rd->r, &key)) == 1) {
        agw_str_t  *dst;

        dst = NULL;

        if (agw_str_is(&key, "type")) {
            dst = &it.type;
        } else if (agw_str_is(&key, "role")) {
            dst = &it.role;
        } else if (agw_str_is(&key, "id")) {
            dst = &it.id;
        } else if (agw_str_is(&key, "call_id")) {
            dst = &it.call_id;
        } else if (agw_str_is(&key, "name")) {
            dst = &it.name;
        } else if (agw_str_is(&key, "arguments")) {
            dst = &it.arguments;
        } else if (agw_str_is(&key, "encrypted_content")) {
            dst = &it.encrypted;

        } else if (agw_str_is(&key, "content") || agw_str_is(&key, "output")
                   || agw_str_is(&key, "summary"))
        {
            if (agw_jr_peek(&rd->r) == AGW_JR_STRING) {
                if (agw_jr_string(&rd->r, &it.output) != 0) {
                    return agw_rsp_type(rd, -1, "", "");
                }

                it.string = 1;
                continue;
            }

            if (agw_jr_peek(&rd->r) == AGW_JR_NULL) {
                if (agw_rsp_skip(rd) != 0) {
                    return -1;
                }
                continue;
            }

            if (agw_rsp_parts(rd, agw_str_is(&key, "content") ? "content"
                                  : agw_str_is(&key, "output") ? "output"
                                  : "summary", i, &it.parts)
                != 0)
            {
                return -1;
            }

            continue;
        }

        if (agw_rsp_item_string(rd, &key, dst, i, NULL, 0) != 0) {
            return -1;
        }
    }

    if (rc < 0) {
        return agw_rsp_type(rd, -1, "", "");
    }

    raw.data = rd->r.start + start;
    raw.len = (uint32_t) (agw_jr_offset(&rd->r) - start);
    raw.kind = AGW_STR_VALUE;
    raw.escaped = 0;

    /* a message: "type": "message", or an easy input message (no type) */
    if (!agw_str_set(&it.type) || agw_str_is(&it.type, "message")) {
        if (it.string) {
            p = agw_rsp_part(rd, AGW_PART_TEXT);
            if (p == NULL) {
                return agw_rsp_nomem(rd);
            }

            p->text = it.output;
            it.parts = p;

        } else if (it.parts == NULL && !agw_str_set(&it.role)) {
            return agw_rsp_bad(rd, "missing_required_parameter",
                               "input[%u]: an item needs a type", i);
        }

        return agw_rsp_message_item(rd, &it, i);
    }

    if (agw_str_is(&it.type, "function_call")) {
        if (!agw_str_set(&it.call_id) || !agw_str_set(&it.name)) {
            return agw_rsp_bad(rd, "missing_required_parameter",
                               "input[%u]: a function_call needs call_id "
                               "and name", i);
        }

        p = agw_rsp_part(rd, AGW_PART_TOOL_CALL);
        m = agw_rsp_assistant(rd);
        if (p == NULL || m == NULL || agw_rsp_remember_call(rd, p) != 0) {
            return agw_rsp_nomem(rd);
        }

        p->id = it.call_id;
        p->name = it.name;
        p->args = it.arguments;
        p->args_string = 1;
        agw_rsp_append_parts(m, p);
        return 0;
    }

    if (agw_str_is(&it.type, "function_call_output")) {
        if (!agw_str_set(&it.call_id)) {
            return agw_rsp_bad(rd, "missing_required_parameter",
                               "input[%u]: a function_call_output needs "
                               "call_id", i);
        }

        p = agw_rsp_part(rd, AGW_PART_TOOL_RESULT);
        m = agw_rsp_msg(rd, AGW_ROLE_TOOL);
        if (p == NULL || m == NULL) {
            return agw_rsp_nomem(rd);
        }

        p->id = it.call_id;

        if (it.string) {
            p->text = it.output;
        } else {
            p->content = it.parts;
        }

        agw_rsp_name_result(rd, p);
        m->parts = p;
        return 0;
    }

    if (agw_str_is(&it.type, "reasoning")) {
        p = agw_rsp_part(rd, AGW_PART_REASONING);
        m = agw_rsp_assistant(rd);
        if (p == NULL || m == NULL) {
            return agw_rsp_nomem(rd);
        }

        p->id = it.id;
        p->data = it.encrypted;
        p->content = it.parts;
        agw_rsp_append_parts(m, p);
        return 0;
    }

    /*
     * OpenAI's own items (custom_tool_call, local_shell_call,
     * web_search_call, item_reference, their outputs): whole, for a
     * Responses writer; an output answers a call, the rest is the
     * model's turn.
     */
    p = agw_rsp_part(rd, AGW_PART_OTHER);
    if (p == NULL) {
        return agw_rsp_nomem(rd);
    }

    p->raw = raw;
    p->dialect = AGW_DIALECT_RESPONSES;
    p->id = agw_str_set(&it.call_id) ? it.call_id : it.id;

    if (it.type.len > 7
        && memcmp(it.type.data + it.type.len - 7, "_output", 7) == 0)
    {
        m = agw_rsp_msg(rd, AGW_ROLE_TOOL);
    } else {
        m = agw_rsp_assistant(rd);
    }

    if (m == NULL) {
        return agw_rsp_nomem(rd);
    }

    agw_rsp_append_parts(m, p);
    return 0;
}


static int
agw_rsp_input(agw_rsp_rd_t *rd)
{
    int          rc;
    uint32_t     i;
    agw_str_t    s;
    agw_msg_t   *m;
    agw_part_t  *p;

    if (agw_jr_peek(&rd->r) == AGW_JR_STRING) {
        if (agw_jr_string(&rd->r, &s) != 0) {
            return agw_rsp_type(rd, -1, "", "");
        }

        p = agw_rsp_part(rd, AGW_PART_TEXT);
        m = agw_rsp_msg(rd, AGW_ROLE_USER);
        if (p == NULL || m == NULL) {
            return agw_rsp_nomem(rd);
        }

        p->text = s;
        m->parts = p;
        m->string = 1;
        return 0;
    }

    rc = agw_jr_array(&rd->r);
    if (rc != 0) {
        return agw_rsp_type(rd, rc, "input", "a string or an array");
    }

    for (i = 0; (rc = agw_jr_element(&rd->r)) == 1; i++) {
        if (agw_rsp_item(rd, i) != 0) {
            return -1;
        }
    }

    return rc == 0 ? 0 : agw_rsp_type(rd, -1, "", "");
}


static int
agw_rsp_tool(agw_rsp_rd_t *rd, uint32_t i, agw_tool_t **out)
{
    int          rc;
    size_t       start;
    agw_str_t    key, type;
    agw_tool_t  *t;
    char         field[48], *d;

    t = agw_arena_calloc(rd->a, sizeof(agw_tool_t));
    if (t == NULL) {
        return agw_rsp_nomem(rd);
    }

    t->strict = -1;
    type = agw_rsp_unset;
    start = agw_jr_offset(&rd->r);

    /* by hand: snprintf for every tool cost more than reading it */
    memcpy(field, "tools[", 6);
    d = agw_str_decimal(field + 6, i);
    d[0] = ']';
    d[1] = '\0';

    rc = agw_jr_object(&rd->r);
    if (rc != 0) {
        return agw_rsp_type(rd, rc, field, "an object");
    }

    while ((rc = agw_jr_member(&rd->r, &key)) == 1) {
        if (agw_str_is(&key, "type")) {
            rc = agw_rsp_opt_string(rd, &type, field);

        } else if (agw_str_is(&key, "name")) {
            rc = agw_rsp_opt_string(rd, &t->name, field);

        } else if (agw_str_is(&key, "description")) {
            rc = agw_rsp_opt_string(rd, &t->description, field);

        } else if (agw_str_is(&key, "strict")) {
            rc = agw_rsp_opt_bool(rd, &t->strict, field);

        } else if (agw_str_is(&key, "parameters")
                   && agw_jr_peek(&rd->r) == AGW_JR_OBJECT)
        {
            rc = agw_jr_value(&rd->r, &t->parameters);
            if (rc != 0) {
                return agw_rsp_type(rd, -1, "", "");
            }

        } else {
            rc = agw_rsp_skip(rd);
        }

        if (rc != 0) {
            return -1;
        }
    }

    if (rc < 0) {
        return agw_rsp_type(rd, -1, "", "");
    }

    if (agw_str_is(&type, "function")) {
        if (!agw_str_set(&t->name)) {
            return agw_rsp_bad(rd, "missing_required_parameter",
                               "tools[%u].name: required", i);
        }

        t->type = AGW_TOOL_FUNCTION;

    } else {
        /* web_search, local_shell, custom, mcp...: OpenAI's own */
        t->type = AGW_TOOL_OTHER;
        t->dialect = AGW_DIALECT_RESPONSES;
        t->raw.data = rd->r.start + start;
        t->raw.len = (uint32_t) (agw_jr_offset(&rd->r) - start);
        t->raw.kind = AGW_STR_VALUE;
    }

    *out = t;
    return 0;
}


static int
agw_rsp_tools(agw_rsp_rd_t *rd)
{
    int           rc;
    uint32_t      i;
    agw_tool_t  **tail, *t = NULL;

    if (agw_jr_peek(&rd->r) == AGW_JR_NULL) {
        return agw_rsp_skip(rd);
    }

    rc = agw_jr_array(&rd->r);
    if (rc != 0) {
        return agw_rsp_type(rd, rc, "tools", "an array");
    }

    tail = &rd->req->tools;
    t = NULL;    /* -O2's -Wmaybe-uninitialized does not see the loop */

    for (i = 0; (rc = agw_jr_element(&rd->r)) == 1; i++) {
        if (agw_rsp_tool(rd, i, &t) != 0) {
            return -1;
        }

        *tail = t;
        tail = &t->next;
    }

    return rc == 0 ? 0 : agw_rsp_type(rd, -1, "", "");
}


static int
agw_rsp_tool_choice(agw_rsp_rd_t *rd)
{
    int             rc;
    agw_str_t       s, type, name;
    agw_request_t  *req = rd->req;

    agw_rsp_member_t  members[] = {
        { "type", "tool_choice.type", &type },
        { "name", "tool_choice.name", &name },
    };

    if (agw_jr_peek(&rd->r) == AGW_JR_STRING) {
        if (agw_jr_string(&rd->r, &s) != 0) {
            return agw_rsp_type(rd, -1, "", "");
        }

        if (agw_str_is(&s, "auto")) {
            req->tool_choice = AGW_TOOL_CHOICE_AUTO;
        } else if (agw_str_is(&s, "none")) {
            req->tool_choice = AGW_TOOL_CHOICE_NONE;
        } else if (agw_str_is(&s, "required")) {
            req->tool_choice = AGW_TOOL_CHOICE_REQUIRED;
        } else {
            return agw_rsp_bad(rd, "invalid_value", "tool_choice: must be "
                               "auto, none, required or an object");
        }

        return 0;
    }

    rc = agw_rsp_opt_object(rd, "tool_choice", "a string or an object");
    if (rc != 1) {
        return rc;
    }

    type = agw_rsp_unset;
    name = agw_rsp_unset;

    if (agw_rsp_string_members(rd, members,
                               sizeof(members) / sizeof(members[0]))
        != 0)
    {
        return -1;
    }

    if ((agw_str_is(&type, "function") || agw_str_is(&type, "custom"))
        && agw_str_set(&name))
    {
        req->tool_choice = AGW_TOOL_CHOICE_TOOL;
        req->tool_choice_name = name;
        return 0;
    }

    /* a hosted tool, allowed_tools: only OpenAI can honour them */
    return agw_rsp_bad(rd, "invalid_value", "tool_choice: only auto, none, "
                       "required and {\"type\":\"function\",\"name\":...} "
                       "can be translated for this provider");
}


static int
agw_rsp_reasoning(agw_rsp_rd_t *rd)
{
    int             rc;
    agw_str_t       effort, summary;
    agw_request_t  *req = rd->req;

    agw_rsp_member_t  members[] = {
        { "effort", "reasoning.effort", &effort },
        { "summary", "reasoning.summary", &summary },
        { "generate_summary", "reasoning.summary", &summary },
    };

    static const struct {
        const char    *name;
        size_t         len;
        agw_effort_t   effort;
    } efforts[] = {
        { "none", 4, AGW_EFFORT_NONE },
        { "minimal", 7, AGW_EFFORT_MINIMAL },
        { "low", 3, AGW_EFFORT_LOW },
        { "medium", 6, AGW_EFFORT_MEDIUM },
        { "high", 4, AGW_EFFORT_HIGH },
        { "xhigh", 5, AGW_EFFORT_XHIGH },
    };

    rc = agw_rsp_opt_object(rd, "reasoning", "an object");
    if (rc != 1) {
        return rc;
    }

    effort = agw_rsp_unset;
    summary = agw_rsp_unset;

    if (agw_rsp_string_members(rd, members,
                               sizeof(members) / sizeof(members[0]))
        != 0)
    {
        return -1;
    }

    if (agw_str_set(&effort)) {
        size_t  i;

        for (i = 0; i < sizeof(efforts) / sizeof(efforts[0]); i++) {
            if (agw_str_eq(&effort, efforts[i].name, efforts[i].len)) {
                req->effort = efforts[i].effort;
                break;
            }
        }

        if (req->effort == AGW_EFFORT_UNSET) {
            return agw_rsp_bad(rd, "invalid_value", "reasoning.effort: must "
                               "be none, minimal, low, medium, high or "
                               "xhigh");
        }
    }

    if (agw_str_set(&summary)) {
        req->reasoning_summary = summary;
        req->include_thoughts = 1;
    }

    return 0;
}


static int
agw_rsp_text(agw_rsp_rd_t *rd)
{
    int             rc;
    agw_str_t       key, type;
    agw_request_t  *req = rd->req;

    rc = agw_rsp_opt_object(rd, "text", "an object");
    if (rc != 1) {
        return rc;
    }

    while ((rc = agw_jr_member(&rd->r, &key)) == 1) {
        if (!agw_str_is(&key, "format")
            || agw_jr_peek(&rd->r) == AGW_JR_NULL)
        {
            if (agw_rsp_skip(rd) != 0) {
                return -1;
            }
            continue;
        }

        rc = agw_jr_object(&rd->r);
        if (rc != 0) {
            return agw_rsp_type(rd, rc, "text.format", "an object");
        }

        type = agw_rsp_unset;

        while ((rc = agw_jr_member(&rd->r, &key)) == 1) {
            if (agw_str_is(&key, "type")) {
                rc = agw_rsp_opt_string(rd, &type, "text.format.type");
            } else if (agw_str_is(&key, "name")) {
                rc = agw_rsp_opt_string(rd, &req->format_name,
                                        "text.format.name");
            } else if (agw_str_is(&key, "strict")) {
                rc = agw_rsp_opt_bool(rd, &req->format_strict,
                                      "text.format.strict");
            } else if (agw_str_is(&key, "schema")
                       && agw_jr_peek(&rd->r) == AGW_JR_OBJECT)
            {
                rc = agw_jr_value(&rd->r, &req->format_schema) == 0
                     ? 0 : agw_rsp_type(rd, -1, "", "");
            } else {
                rc = agw_rsp_skip(rd);
            }

            if (rc != 0) {
                return -1;
            }
        }

        if (rc < 0) {
            return agw_rsp_type(rd, -1, "", "");
        }

        if (agw_str_is(&type, "text")) {
            req->format = AGW_FORMAT_TEXT;
        } else if (agw_str_is(&type, "json_object")) {
            req->format = AGW_FORMAT_JSON_OBJECT;
        } else if (agw_str_is(&type, "json_schema")) {
            req->format = AGW_FORMAT_JSON_SCHEMA;
        } else {
            return agw_rsp_bad(rd, "invalid_value", "text.format.type: must "
                               "be text, json_object or json_schema");
        }
    }

    return rc == 0 ? 0 : agw_rsp_type(rd, -1, "", "");
}


/* "conversation": its id, or {"id": ...} */
static int
agw_rsp_conversation(agw_rsp_rd_t *rd)
{
    agw_rsp_member_t  id = { "id", "conversation.id", &rd->req->conversation };

    if (agw_jr_peek(&rd->r) != AGW_JR_OBJECT) {
        return agw_rsp_opt_string(rd, &rd->req->conversation,
                                  "conversation");
    }

    if (agw_jr_object(&rd->r) != 0) {
        return agw_rsp_type(rd, -1, "", "");
    }

    return agw_rsp_string_members(rd, &id, 1);
}


static int
agw_rsp_include(agw_rsp_rd_t *rd)
{
    int        rc;
    agw_str_t  s;

    if (agw_jr_peek(&rd->r) == AGW_JR_NULL) {
        return agw_rsp_skip(rd);
    }

    rc = agw_jr_array(&rd->r);
    if (rc != 0) {
        return agw_rsp_type(rd, rc, "include", "an array");
    }

    while ((rc = agw_jr_element(&rd->r)) == 1) {
        if (agw_rsp_opt_string(rd, &s, "include[]") != 0) {
            return -1;
        }

        if (agw_str_is(&s, "reasoning.encrypted_content")) {
            rd->req->include_encrypted = 1;
        }
    }

    return rc == 0 ? 0 : agw_rsp_type(rd, -1, "", "");
}


int
agw_rsp_read_request(const char *body, size_t len, int valid,
    agw_arena_t *a, agw_request_t *req, agw_error_t *err)
{
    int            rc;
    int8_t         b;
    agw_str_t      key, user, safety;
    agw_part_t    *p;
    agw_rsp_rd_t   rd;

    agw_request_init(req);
    memset(&rd, 0, sizeof(rd));
    agw_jr_init(&rd.r, body, len);
    rd.r.valid = valid;
    rd.a = a;
    rd.err = err;
    rd.req = req;
    rd.tail = &req->messages;
    user = agw_rsp_unset;
    safety = agw_rsp_unset;

    rc = agw_jr_object(&rd.r);
    if (rc != 0) {
        return agw_rsp_type(&rd, rc, "the request body", "a JSON object");
    }

    while ((rc = agw_jr_member(&rd.r, &key)) == 1) {
        if (agw_str_is(&key, "model")) {
            rc = agw_rsp_opt_string(&rd, &req->model, "model");

        } else if (agw_str_is(&key, "instructions")) {
            agw_str_t  s = AGW_STR_NULL;

            rc = agw_rsp_opt_string(&rd, &s, "instructions");

            if (rc == 0 && agw_str_set(&s)) {
                p = agw_rsp_part(&rd, AGW_PART_TEXT);
                if (p == NULL) {
                    return agw_rsp_nomem(&rd);
                }

                p->text = s;
                req->system = p;
            }

        } else if (agw_str_is(&key, "input")) {
            rc = agw_rsp_input(&rd);

        } else if (agw_str_is(&key, "tools")) {
            rc = agw_rsp_tools(&rd);

        } else if (agw_str_is(&key, "tool_choice")) {
            rc = agw_rsp_tool_choice(&rd);

        } else if (agw_str_is(&key, "parallel_tool_calls")) {
            rc = agw_rsp_opt_bool(&rd, &req->parallel_tools,
                                  "parallel_tool_calls");

        } else if (agw_str_is(&key, "max_output_tokens")) {
            if (agw_jr_peek(&rd.r) == AGW_JR_NULL) {
                rc = agw_rsp_skip(&rd);
            } else {
                rc = agw_jr_int(&rd.r, &req->max_tokens);
                if (rc != 0 || req->max_tokens < 1) {
                    return agw_rsp_type(&rd, rc ? rc : AGW_JR_TYPE,
                                        "max_output_tokens",
                                        "a positive integer");
                }
            }

        } else if (agw_str_is(&key, "temperature")) {
            rc = agw_rsp_opt_number(&rd, &req->temperature, "temperature");

        } else if (agw_str_is(&key, "top_p")) {
            rc = agw_rsp_opt_number(&rd, &req->top_p, "top_p");

        } else if (agw_str_is(&key, "reasoning")) {
            rc = agw_rsp_reasoning(&rd);

        } else if (agw_str_is(&key, "text")) {
            rc = agw_rsp_text(&rd);

        } else if (agw_str_is(&key, "store")) {
            rc = agw_rsp_opt_bool(&rd, &req->store, "store");

        } else if (agw_str_is(&key, "stream")) {
            b = -1;
            rc = agw_rsp_opt_bool(&rd, &b, "stream");
            req->stream = (b == 1);

        } else if (agw_str_is(&key, "include")) {
            rc = agw_rsp_include(&rd);

        } else if (agw_str_is(&key, "previous_response_id")) {
            rc = agw_rsp_opt_string(&rd, &req->previous_response_id,
                                    "previous_response_id");

        } else if (agw_str_is(&key, "conversation")) {
            rc = agw_rsp_conversation(&rd);

        } else if (agw_str_is(&key, "user")) {
            rc = agw_rsp_opt_string(&rd, &user, "user");

        } else if (agw_str_is(&key, "safety_identifier")) {
            rc = agw_rsp_opt_string(&rd, &safety, "safety_identifier");

        } else if (agw_str_is(&key, "service_tier")) {
            rc = agw_rsp_opt_string(&rd, &req->service_tier, "service_tier");

        } else if (agw_str_is(&key, "truncation")) {
            rc = agw_rsp_opt_string(&rd, &req->truncation, "truncation");

        } else {
            /* prompt_cache_key, metadata, background, top_logprobs...:
             * nothing the form carries (docs/translation-responses.md) */
            rc = agw_rsp_skip(&rd);
        }

        if (rc != 0) {
            return -1;
        }
    }

    if (rc < 0 || agw_jr_end(&rd.r) != 0) {
        return agw_rsp_type(&rd, -1, "", "");
    }

    /* safety_identifier replaced user: the newer name wins */
    req->user = agw_str_set(&safety) ? safety : user;

    return 0;
}


/* Writing a request for a Responses provider */

typedef struct {
    agw_jw_t                  w;
    const agw_request_ctx_t  *o;
    agw_error_t              *err;
    agw_buf_t                 tmp;      /* data URLs put together */
    int                       open;     /* a message item is open */
} agw_rsp_wr_t;


/* "data:<media type>;base64,<data>", from a part holding them apart. */
static void
agw_rsp_put_data_url(agw_rsp_wr_t *wr, const agw_part_t *p)
{
    agw_jw_t   t;
    agw_str_t  s;

    if (!agw_str_set(&p->media_type)) {
        /* base64 that came without a data URL's media type */
        agw_rsp_put_str(&wr->w, &p->data);
        return;
    }

    wr->tmp.len = 0;
    agw_jw_init(&t, &wr->tmp);
    agw_jw_append(&t, "data:", 5);
    agw_rsp_str_inside(&t, &p->media_type);
    agw_jw_append(&t, ";base64,", 8);
    agw_rsp_str_inside(&t, &p->data);

    if (t.failed) {
        wr->w.failed = 1;
        return;
    }

    s.data = wr->tmp.data;
    s.len = (uint32_t) wr->tmp.len;
    s.kind = AGW_STR_JSON;
    s.escaped = 1;
    agw_rsp_put_str(&wr->w, &s);
}


static void
agw_rsp_put_image(agw_rsp_wr_t *wr, const agw_part_t *p)
{
    agw_jw_t  *w = &wr->w;

    agw_jw_object(w);
    agw_jw_key(w, "type");
    agw_jw_lit(w, "input_image");

    if (agw_str_set(&p->url)) {
        agw_jw_key(w, "image_url");
        agw_rsp_put_str(w, &p->url);

    } else if (agw_str_set(&p->data)) {
        agw_jw_key(w, "image_url");
        agw_rsp_put_data_url(wr, p);
    }

    if (agw_str_set(&p->file_id)) {
        agw_jw_key(w, "file_id");
        agw_rsp_put_str(w, &p->file_id);
    }

    /* detail is required; auto is what the API does without one */
    agw_jw_key(w, "detail");
    if (agw_str_set(&p->format)) {
        agw_rsp_put_str(w, &p->format);
    } else {
        agw_jw_lit(w, "auto");
    }

    agw_jw_object_end(w);
}


static void
agw_rsp_put_file(agw_rsp_wr_t *wr, const agw_part_t *p)
{
    agw_jw_t  *w = &wr->w;

    agw_jw_object(w);
    agw_jw_key(w, "type");
    agw_jw_lit(w, "input_file");

    if (agw_str_set(&p->file_id)) {
        agw_jw_key(w, "file_id");
        agw_rsp_put_str(w, &p->file_id);

    } else if (agw_str_set(&p->data)) {
        agw_jw_key(w, "file_data");
        agw_rsp_put_data_url(wr, p);

    } else if (agw_str_set(&p->url)) {
        agw_jw_key(w, "file_url");
        agw_rsp_put_str(w, &p->url);
    }

    if (agw_str_set(&p->name)) {
        agw_jw_key(w, "filename");
        agw_rsp_put_str(w, &p->name);
    }

    agw_jw_object_end(w);
}


static void
agw_rsp_put_text(agw_jw_t *w, const char *type, size_t len,
    const agw_str_t *text, int annotations)
{
    agw_jw_object(w);
    agw_jw_key(w, "type");
    agw_jw_bytes(w, type, len);
    agw_jw_key(w, "text");
    agw_rsp_put_str(w, text);

    if (annotations) {
        agw_jw_key(w, "annotations");
        agw_jw_array(w);
        agw_jw_array_end(w);
    }

    agw_jw_object_end(w);
}


/* {"type":"message","role":..., and the key "content" */
static void
agw_rsp_put_message_head(agw_jw_t *w, const agw_msg_t *m)
{
    agw_jw_object(w);
    agw_jw_key(w, "type");
    agw_jw_lit(w, "message");
    agw_jw_key(w, "role");

    if (m->role == AGW_ROLE_SYSTEM) {
        if (m->developer) {
            agw_jw_lit(w, "developer");
        } else {
            agw_jw_lit(w, "system");
        }

    } else if (m->role == AGW_ROLE_ASSISTANT) {
        agw_jw_lit(w, "assistant");

    } else {
        agw_jw_lit(w, "user");
    }

    agw_jw_key(w, "content");
}


static void
agw_rsp_close_message(agw_rsp_wr_t *wr)
{
    if (wr->open) {
        agw_jw_array_end(&wr->w);
        agw_jw_object_end(&wr->w);
        wr->open = 0;
    }
}


static void
agw_rsp_open_message(agw_rsp_wr_t *wr, const agw_msg_t *m)
{
    agw_jw_t  *w = &wr->w;

    if (wr->open) {
        return;
    }

    agw_rsp_put_message_head(w, m);
    agw_jw_array(w);
    wr->open = 1;
}


/* A tool's result: the output a string when it is one text, else the
 * list of input parts. */
static void
agw_rsp_put_result(agw_rsp_wr_t *wr, const agw_part_t *p)
{
    size_t             n;
    agw_jw_t          *w = &wr->w;
    const agw_part_t  *c, *text;

    static const agw_str_t  empty = { "", 0, AGW_STR_BYTES, 0 };

    agw_jw_object(w);
    agw_jw_key(w, "type");
    agw_jw_lit(w, "function_call_output");
    agw_jw_key(w, "call_id");
    agw_rsp_put_str(w, &p->id);
    agw_jw_key(w, "output");

    /* the parts an output can hold (a refusal, another provider's block
     * cannot be one), and the text when it is one text */
    n = 0;
    text = NULL;

    for (c = p->content; c; c = c->next) {
        if (c->type == AGW_PART_TEXT || c->type == AGW_PART_IMAGE
            || c->type == AGW_PART_DOCUMENT)
        {
            n++;
            text = c->type == AGW_PART_TEXT ? c : NULL;
        }
    }

    if (agw_str_set(&p->text) || n == 0) {
        agw_rsp_put_str(w, agw_str_set(&p->text) ? &p->text : &empty);

    } else if (n == 1 && text != NULL) {
        agw_rsp_put_str(w, &text->text);

    } else {
        agw_jw_array(w);

        for (c = p->content; c; c = c->next) {
            switch (c->type) {
            case AGW_PART_TEXT:
                agw_rsp_put_text(w, "input_text", 10, &c->text, 0);
                break;
            case AGW_PART_IMAGE:
                agw_rsp_put_image(wr, c);
                break;
            case AGW_PART_DOCUMENT:
                agw_rsp_put_file(wr, c);
                break;
            default:
                break;
            }
        }

        agw_jw_array_end(w);
    }

    agw_jw_object_end(w);
}


static void
agw_rsp_put_call(agw_jw_t *w, const agw_part_t *p)
{
    agw_jw_object(w);
    agw_jw_key(w, "type");
    agw_jw_lit(w, "function_call");
    agw_jw_key(w, "call_id");
    agw_rsp_put_str(w, &p->id);
    agw_jw_key(w, "name");
    agw_rsp_put_str(w, &p->name);
    agw_jw_key(w, "arguments");

    if (agw_str_set(&p->args)) {
        /* a JSON string's inside as it came, or an object's text
         * escaped into one: either way the arguments string */
        agw_rsp_put_str(w, &p->args);
    } else {
        agw_jw_lit(w, "{}");
    }

    agw_jw_object_end(w);
}


/* A reasoning item: only OpenAI reads its summary and encrypted_content
 * back, so only a REASONING part (a Responses reader's) becomes one. */
static void
agw_rsp_put_reasoning(agw_jw_t *w, const agw_part_t *p)
{
    const agw_part_t  *c;

    agw_jw_object(w);
    agw_jw_key(w, "type");
    agw_jw_lit(w, "reasoning");

    if (agw_str_set(&p->id)) {
        agw_jw_key(w, "id");
        agw_rsp_put_str(w, &p->id);
    }

    agw_jw_key(w, "summary");
    agw_jw_array(w);

    for (c = p->content; c; c = c->next) {
        if (c->type == AGW_PART_TEXT) {
            agw_rsp_put_part(w, AGW_PART_THINKING, &c->text);
        }
    }

    agw_jw_array_end(w);

    if (agw_str_set(&p->data)) {
        agw_jw_key(w, "encrypted_content");
        agw_rsp_put_str(w, &p->data);
    }

    agw_jw_object_end(w);
}


/* A message given as one string: {"type":"message","role":R,"content":S}. */
static void
agw_rsp_put_string_message(agw_rsp_wr_t *wr, const agw_msg_t *m)
{
    agw_jw_t  *w = &wr->w;

    agw_rsp_put_message_head(w, m);
    agw_rsp_put_str(w, &m->parts->text);
    agw_jw_object_end(w);
}


static int
agw_rsp_put_message(agw_rsp_wr_t *wr, const agw_msg_t *m, uint32_t i)
{
    uint32_t           j;
    agw_jw_t          *w = &wr->w;
    const agw_part_t  *p;

    /* a plain string stays one */
    if (m->string && m->parts != NULL && m->parts->next == NULL
        && m->parts->type == AGW_PART_TEXT && m->role != AGW_ROLE_TOOL)
    {
        agw_rsp_put_string_message(wr, m);
        return 0;
    }

    for (p = m->parts, j = 0; p; p = p->next, j++) {
        switch (p->type) {

        case AGW_PART_TEXT:
            agw_rsp_open_message(wr, m);

            if (m->role == AGW_ROLE_ASSISTANT) {
                agw_rsp_put_text(w, "output_text", 11, &p->text, 1);
            } else {
                agw_rsp_put_text(w, "input_text", 10, &p->text, 0);
            }
            break;

        case AGW_PART_REFUSAL:
            if (m->role != AGW_ROLE_ASSISTANT) {
                break;
            }

            agw_rsp_open_message(wr, m);
            agw_jw_object(w);
            agw_jw_key(w, "type");
            agw_jw_lit(w, "refusal");
            agw_jw_key(w, "refusal");
            agw_rsp_put_str(w, &p->text);
            agw_jw_object_end(w);
            break;

        case AGW_PART_IMAGE:
            if (m->role == AGW_ROLE_USER || m->role == AGW_ROLE_SYSTEM) {
                agw_rsp_open_message(wr, m);
                agw_rsp_put_image(wr, p);
            }
            break;

        case AGW_PART_DOCUMENT:
            if (m->role == AGW_ROLE_USER || m->role == AGW_ROLE_SYSTEM) {
                agw_rsp_open_message(wr, m);
                agw_rsp_put_file(wr, p);
            }
            break;

        case AGW_PART_AUDIO:
            agw_error_set(wr->err, AGW_ERR_INVALID_REQUEST, 0,
                          "unsupported_content", "messages[%u].content[%u]: "
                          "audio input cannot be sent to a Responses API "
                          "provider", i, j);
            return -1;

        case AGW_PART_TOOL_CALL:
            agw_rsp_close_message(wr);
            agw_rsp_put_call(w, p);
            break;

        case AGW_PART_TOOL_RESULT:
            agw_rsp_close_message(wr);
            agw_rsp_put_result(wr, p);
            break;

        case AGW_PART_REASONING:
            agw_rsp_close_message(wr);
            agw_rsp_put_reasoning(w, p);
            break;

        case AGW_PART_OTHER:
            if (p->dialect == AGW_DIALECT_RESPONSES) {
                agw_rsp_close_message(wr);
                agw_jw_raw(w, &p->raw);
            }
            break;

        default:
            /* thinking of another provider: OpenAI cannot take it back */
            break;
        }
    }

    agw_rsp_close_message(wr);
    return 0;
}


static const char *
agw_rsp_effort_name(const agw_request_t *req)
{
    int64_t  b;

    switch (req->effort) {
    case AGW_EFFORT_NONE:     return "none";
    case AGW_EFFORT_MINIMAL:  return "minimal";
    case AGW_EFFORT_LOW:      return "low";
    case AGW_EFFORT_MEDIUM:   return "medium";
    case AGW_EFFORT_HIGH:     return "high";
    case AGW_EFFORT_XHIGH:    return "xhigh";
    default:                  break;
    }

    /* a thinking budget (Anthropic, Gemini): the thresholds the Anthropic
     * dialect has always used to turn one into an effort */
    b = req->thinking_budget;

    if (req->thinking == 1 && b > 0) {
        return b < 4096 ? "low" : b < 16384 ? "medium" : "high";
    }

    return NULL;
}


/* "auto", "none", "required", or {"type":"function","name":...} */
static void
agw_rsp_put_tool_choice(agw_jw_t *w, const agw_request_t *req)
{
    const char  *mode;

    switch (req->tool_choice) {
    case AGW_TOOL_CHOICE_AUTO:      mode = "auto"; break;
    case AGW_TOOL_CHOICE_NONE:      mode = "none"; break;
    case AGW_TOOL_CHOICE_REQUIRED:  mode = "required"; break;
    case AGW_TOOL_CHOICE_TOOL:      mode = NULL; break;
    default:                        return;
    }

    agw_jw_key(w, "tool_choice");

    if (mode != NULL) {
        agw_jw_bytes(w, mode, strlen(mode));
        return;
    }

    agw_jw_object(w);
    agw_jw_key(w, "type");
    agw_jw_lit(w, "function");
    agw_jw_key(w, "name");
    agw_rsp_put_str(w, &req->tool_choice_name);
    agw_jw_object_end(w);
}


static void
agw_rsp_put_tools(agw_rsp_wr_t *wr, const agw_request_t *req)
{
    agw_jw_t          *w = &wr->w;
    const agw_tool_t  *t;

    agw_jw_key(w, "tools");
    agw_jw_array(w);

    for (t = req->tools; t; t = t->next) {
        if (t->type == AGW_TOOL_OTHER) {
            if (t->dialect == AGW_DIALECT_RESPONSES) {
                agw_jw_raw(w, &t->raw);
            }
            continue;
        }

        agw_jw_object(w);
        agw_jw_key(w, "type");
        agw_jw_lit(w, "function");
        agw_jw_key(w, "name");
        agw_rsp_put_str(w, &t->name);

        if (agw_str_set(&t->description)) {
            agw_jw_key(w, "description");
            agw_rsp_put_str(w, &t->description);
        }

        if (agw_str_set(&t->parameters)) {
            agw_jw_key(w, "parameters");
            agw_jw_raw(w, &t->parameters);
        }

        /* the Responses API makes a function strict unless told not to;
         * the other dialects' functions are not */
        agw_jw_key(w, "strict");
        agw_jw_bool(w, t->strict == 1);
        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);
}


int
agw_rsp_write_request(const agw_request_t *req, const agw_request_ctx_t *o,
    agw_buf_t *out, agw_error_t *err)
{
    uint32_t           i;
    agw_jw_t          *w;
    const char        *effort;
    agw_rsp_wr_t       wr;
    const agw_msg_t   *m;
    const agw_part_t  *p;

    if (req->n > 1) {
        agw_error_set(err, AGW_ERR_INVALID_REQUEST, 0, "unsupported_value",
                      "n: a Responses API provider gives one answer");
        return -1;
    }

    memset(&wr, 0, sizeof(wr));
    wr.o = o;
    wr.err = err;
    w = &wr.w;
    agw_jw_init(w, out);
    agw_body_refs_writer(w, o != NULL ? o->refs : NULL);

    agw_jw_object(w);
    agw_jw_key(w, "model");
    agw_rsp_put_str(w, agw_str_set(&o->model) ? &o->model : &req->model);

    /* one text: the instructions; several: a system message first */
    p = req->system;

    if (p != NULL && p->next == NULL && p->type == AGW_PART_TEXT) {
        agw_jw_key(w, "instructions");
        agw_rsp_put_str(w, &p->text);
        p = NULL;
    }

    agw_jw_key(w, "input");
    m = req->messages;

    /* one user string, as the documented requests send it */
    if (p == NULL && m != NULL && m->next == NULL && m->string
        && m->role == AGW_ROLE_USER && m->parts != NULL
        && m->parts->next == NULL && m->parts->type == AGW_PART_TEXT)
    {
        agw_rsp_put_str(w, &m->parts->text);
        goto settings;
    }

    agw_jw_array(w);

    if (p != NULL) {
        agw_msg_t  sys;

        memset(&sys, 0, sizeof(sys));
        sys.role = AGW_ROLE_SYSTEM;
        sys.parts = (agw_part_t *) p;

        if (agw_rsp_put_message(&wr, &sys, 0) != 0) {
            goto failed;
        }
    }

    for (m = req->messages, i = 0; m; m = m->next, i++) {
        if (agw_rsp_put_message(&wr, m, i) != 0) {
            goto failed;
        }
    }

    agw_jw_array_end(w);

settings:

    if (req->tools != NULL) {
        agw_rsp_put_tools(&wr, req);
    }

    agw_rsp_put_tool_choice(w, req);

    if (req->parallel_tools >= 0) {
        agw_jw_key(w, "parallel_tool_calls");
        agw_jw_bool(w, req->parallel_tools);
    }

    if (req->max_tokens >= 0) {
        agw_jw_key(w, "max_output_tokens");
        agw_jw_int(w, req->max_tokens);
    }

    if (agw_str_set(&req->temperature)) {
        agw_jw_key(w, "temperature");
        agw_jw_raw(w, &req->temperature);
    }

    if (agw_str_set(&req->top_p)) {
        agw_jw_key(w, "top_p");
        agw_jw_raw(w, &req->top_p);
    }

    effort = agw_rsp_effort_name(req);

    if (effort != NULL || agw_str_set(&req->reasoning_summary)
        || req->include_thoughts == 1)
    {
        agw_jw_key(w, "reasoning");
        agw_jw_object(w);

        if (effort != NULL) {
            agw_jw_key(w, "effort");
            agw_jw_bytes(w, effort, strlen(effort));
        }

        if (agw_str_set(&req->reasoning_summary)) {
            agw_jw_key(w, "summary");
            agw_rsp_put_str(w, &req->reasoning_summary);

        } else if (req->include_thoughts == 1) {
            agw_jw_key(w, "summary");
            agw_jw_lit(w, "auto");
        }

        agw_jw_object_end(w);
    }

    if (req->format != AGW_FORMAT_UNSET) {
        agw_jw_key(w, "text");
        agw_jw_object(w);
        agw_jw_key(w, "format");
        agw_jw_object(w);
        agw_jw_key(w, "type");

        if (req->format == AGW_FORMAT_JSON_SCHEMA) {
            agw_jw_lit(w, "json_schema");
            agw_jw_key(w, "name");

            /* required by the API, absent from Gemini's responseSchema */
            if (agw_str_set(&req->format_name)) {
                agw_rsp_put_str(w, &req->format_name);
            } else {
                agw_jw_lit(w, "response");
            }

            if (agw_str_set(&req->format_schema)) {
                agw_jw_key(w, "schema");
                agw_jw_raw(w, &req->format_schema);
            }

            if (req->format_strict >= 0) {
                agw_jw_key(w, "strict");
                agw_jw_bool(w, req->format_strict);
            }

        } else if (req->format == AGW_FORMAT_JSON_OBJECT) {
            agw_jw_lit(w, "json_object");
        } else {
            agw_jw_lit(w, "text");
        }

        agw_jw_object_end(w);
        agw_jw_object_end(w);
    }

    /* unset, OpenAI would store the answer: no other dialect's client
     * asked for that (Chat's store defaults to false) */
    agw_jw_key(w, "store");
    agw_jw_bool(w, req->store == 1);

    if (req->include_encrypted) {
        agw_jw_key(w, "include");
        agw_jw_array(w);
        agw_jw_lit(w, "reasoning.encrypted_content");
        agw_jw_array_end(w);
    }

    if (agw_str_set(&req->previous_response_id)) {
        agw_jw_key(w, "previous_response_id");
        agw_rsp_put_str(w, &req->previous_response_id);
    }

    if (agw_str_set(&req->conversation)) {
        agw_jw_key(w, "conversation");
        agw_rsp_put_str(w, &req->conversation);
    }

    if (agw_str_set(&req->user)) {
        agw_jw_key(w, "user");
        agw_rsp_put_str(w, &req->user);
    }

    if (agw_str_set(&req->service_tier)) {
        agw_jw_key(w, "service_tier");
        agw_rsp_put_str(w, &req->service_tier);
    }

    if (agw_str_set(&req->truncation)) {
        agw_jw_key(w, "truncation");
        agw_rsp_put_str(w, &req->truncation);
    }

    if (o->stream) {
        agw_jw_key(w, "stream");
        agw_jw_bool(w, 1);
    }

    agw_jw_object_end(w);

    agw_buf_free(&wr.tmp);

    if (w->failed) {
        err->cls = AGW_ERR_NONE;
        return -1;
    }

    return 0;

failed:

    agw_buf_free(&wr.tmp);
    return -1;
}
