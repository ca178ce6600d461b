/*
 * A Gemini client's request (generateContent) read into the form, in one
 * pass of the pull reader.
 *
 * The model and the stream flag are in the URL, not the body: the engine
 * sets them.  Gemini matches function results to calls by name and order,
 * the other dialects by id: ids are made from positions (call_<content>_<n>)
 * so that the same conversation always gets the same ids, and each
 * functionResponse takes the first unanswered call of its name in the
 * model turn before it.
 */

#include <stdio.h>
#include <string.h>

#include "gem_int.h"


/* thinkingBudget buckets, the same as the writer's budgets */
#define AGW_GEM_BUDGET_LOW     1024
#define AGW_GEM_BUDGET_MEDIUM  8192


typedef struct agw_gem_call_s  agw_gem_call_t;

struct agw_gem_call_s {
    agw_gem_call_t  *next;
    agw_part_t      *part;          /* the TOOL_CALL */
    int              used;
};

typedef struct agw_gem_name_s  agw_gem_name_t;

struct agw_gem_name_s {
    agw_gem_name_t  *next;
    agw_str_t        name;
};

typedef struct {
    agw_jr_t         r;
    agw_arena_t     *a;
    agw_request_t   *req;
    agw_error_t     *err;

    agw_msg_t      **tail;
    agw_gem_call_t  *calls;         /* of the last model turn */

    /* what another member decides: read first, resolved at the end */
    agw_gem_name_t  *allowed;       /* allowedFunctionNames */
    agw_str_t        mode;          /* functionCallingConfig.mode */
    agw_str_t        mime;          /* responseMimeType */
    agw_str_t        json_schema;   /* responseJsonSchema */
    agw_str_t        schema;        /* responseSchema (OpenAPI) */
    int              contents;      /* contents came */

    /* where the reader is, said only when something is wrong there */
    const char      *at_fmt;
    size_t           at_i;
    size_t           at_j;
    char             at[96];
} agw_gem_rreq_t;


/* "contents[2].parts[0]": formatted only for an error's message. */
static const char *
agw_gem_at(agw_gem_rreq_t *c)
{
    snprintf(c->at, sizeof(c->at), c->at_fmt ? c->at_fmt : "the body",
             c->at_i, c->at_j);

    return c->at;
}


/*
 * A read that did not give what was expected: the body is not JSON, or a
 * member is not of its type (what says the message, naming the field).
 */
static int
agw_gem_bad(agw_gem_rreq_t *c, const char *what)
{
    if (c->r.failed) {
        return agw_gem_invalid(c->err, "the request body is not valid JSON "
                               "(at byte %zu)", c->r.errpos);
    }

    return agw_gem_invalid(c->err, "%s", what);
}


static void *
agw_gem_alloc(agw_gem_rreq_t *c, size_t size)
{
    return agw_arena_calloc(c->a, size);
}


static agw_part_t *
agw_gem_new_part(agw_gem_rreq_t *c, agw_part_type_t type)
{
    agw_part_t  *p;

    p = agw_gem_alloc(c, sizeof(agw_part_t));
    if (p != NULL) {
        p->type = type;
    }

    return p;
}


/* inlineData / fileData: {mimeType, data} or {mimeType, fileUri}. */
static int
agw_gem_blob(agw_gem_rreq_t *c, agw_str_t *mime, agw_str_t *data,
    agw_str_t *uri, const char *member)
{
    int        rc;
    char       msg[160];
    agw_str_t  key;

    if (agw_jr_object(&c->r) != 0) {
        goto bad;
    }

    while ((rc = agw_jr_member(&c->r, &key)) == 1) {
        if (agw_gem_key(&key, "mimeType", "mime_type")) {
            rc = agw_jr_string(&c->r, mime);
        } else if (data != NULL && agw_gem_is(&key, "data")) {
            rc = agw_jr_string(&c->r, data);
        } else if (uri != NULL && agw_gem_key(&key, "fileUri", "file_uri")) {
            rc = agw_jr_string(&c->r, uri);
        } else {
            rc = agw_jr_value(&c->r, NULL);
        }
        if (rc != 0) {
            goto bad;
        }
    }

    if (rc == 0) {
        return 0;
    }

bad:

    snprintf(msg, sizeof(msg), "%s.%s must be an object of strings",
             agw_gem_at(c), member);

    return agw_gem_bad(c, msg);
}


/* What one part of a turn holds, before it becomes a form part. */
typedef struct agw_gem_rpart_s  agw_gem_rpart_t;

struct agw_gem_rpart_s {
    agw_gem_rpart_t  *next;
    agw_str_t   text;
    agw_str_t   signature;
    int         thought;
    int         kind;           /* 0 none, else the member that came */
    agw_str_t   mime;
    agw_str_t   data;
    agw_str_t   uri;
    agw_str_t   name;           /* functionCall, functionResponse */
    agw_str_t   id;
    agw_str_t   value;          /* args, response */
    int         spaced;         /* value may hold white space outside
                                   its strings: compacted */
};

enum {
    AGW_GEM_P_TEXT = 1,
    AGW_GEM_P_INLINE,
    AGW_GEM_P_FILE,
    AGW_GEM_P_CALL,
    AGW_GEM_P_RESPONSE,
    AGW_GEM_P_OTHER             /* executableCode, codeExecutionResult... */
};


/* functionCall {name, args, id} or functionResponse {name, response, id}
 * (response also as "output", which old clients send). */
static int
agw_gem_function(agw_gem_rreq_t *c, agw_gem_rpart_t *p, int call)
{
    int          rc;
    char         msg[192];
    agw_str_t    key;
    const char  *what;

    what = call ? "functionCall" : "functionResponse";

    if (agw_jr_object(&c->r) != 0) {
        snprintf(msg, sizeof(msg), "%s.%s must be an object", agw_gem_at(c),
                 what);
        return agw_gem_bad(c, msg);
    }

    while ((rc = agw_jr_member(&c->r, &key)) == 1) {
        if (agw_gem_is(&key, "name")) {
            rc = agw_jr_string(&c->r, &p->name);
        } else if (agw_gem_is(&key, "id")) {
            rc = agw_jr_string(&c->r, &p->id);
        } else if (call && agw_gem_is(&key, "args")) {
            rc = agw_jr_value_spaced(&c->r, &p->value, &p->spaced);
        } else if (!call && (agw_gem_is(&key, "response")
                             || (agw_gem_is(&key, "output")
                                 && !agw_str_set(&p->value))))
        {
            rc = agw_jr_value_spaced(&c->r, &p->value, &p->spaced);
        } else if (call && (agw_gem_key(&key, "partialArgs", "partial_args")
                            || agw_gem_key(&key, "willContinue",
                                           "will_continue")))
        {
            /* Vertex streams a call's arguments when asked: what came so
             * far is no call */
            return agw_gem_invalid(c->err, "%s.functionCall: streamed "
                                   "partialArgs cannot be translated",
                                   agw_gem_at(c));
        } else {
            rc = agw_jr_value(&c->r, NULL);
        }
        if (rc != 0) {
            snprintf(msg, sizeof(msg), "%s.%s.%.*s has the wrong type",
                     agw_gem_at(c), what,
                     (int) (key.len < 40 ? key.len : 40), key.data);
            return agw_gem_bad(c, msg);
        }
    }

    if (rc < 0) {
        return agw_gem_bad(c, "");
    }

    if (!agw_str_set(&p->name)) {
        return agw_gem_invalid(c->err, "%s.%s needs a name", agw_gem_at(c),
                               what);
    }

    return 0;
}


static int
agw_gem_read_part(agw_gem_rreq_t *c, agw_gem_rpart_t *p)
{
    int        rc, v;
    char       msg[160];
    agw_str_t  key;

    if (agw_jr_object(&c->r) != 0) {
        snprintf(msg, sizeof(msg), "%s must be an object", agw_gem_at(c));
        return agw_gem_bad(c, msg);
    }

    while ((rc = agw_jr_member(&c->r, &key)) == 1) {
        if (agw_gem_is(&key, "text")) {
            rc = agw_jr_string(&c->r, &p->text);
            p->kind = p->kind ? p->kind : AGW_GEM_P_TEXT;

        } else if (agw_gem_is(&key, "thought")) {
            rc = agw_jr_bool(&c->r, &v);
            p->thought = (rc == 0 && v);

        } else if (agw_gem_key(&key, "thoughtSignature",
                               "thought_signature"))
        {
            rc = agw_jr_string(&c->r, &p->signature);

        } else if (agw_gem_key(&key, "inlineData", "inline_data")) {
            if (agw_gem_blob(c, &p->mime, &p->data, NULL, "inlineData") != 0) {
                return -1;
            }
            rc = 0;
            p->kind = AGW_GEM_P_INLINE;

        } else if (agw_gem_key(&key, "fileData", "file_data")) {
            if (agw_gem_blob(c, &p->mime, NULL, &p->uri, "fileData") != 0) {
                return -1;
            }
            rc = 0;
            p->kind = AGW_GEM_P_FILE;

        } else if (agw_gem_key(&key, "functionCall", "function_call")) {
            if (agw_gem_function(c, p, 1) != 0) {
                return -1;
            }
            rc = 0;
            p->kind = AGW_GEM_P_CALL;

        } else if (agw_gem_key(&key, "functionResponse",
                               "function_response"))
        {
            if (agw_gem_function(c, p, 0) != 0) {
                return -1;
            }
            rc = 0;
            p->kind = AGW_GEM_P_RESPONSE;

        } else if (agw_gem_key(&key, "executableCode", "executable_code")
                   || agw_gem_key(&key, "codeExecutionResult",
                                  "code_execution_result"))
        {
            rc = agw_jr_value(&c->r, NULL);
            p->kind = AGW_GEM_P_OTHER;

        } else {
            rc = agw_jr_value(&c->r, NULL);
        }

        if (rc != 0) {
            snprintf(msg, sizeof(msg), "%s.%.*s has the wrong type",
                     agw_gem_at(c),
                     (int) (key.len < 40 ? key.len : 40), key.data);
            return agw_gem_bad(c, msg);
        }
    }

    if (rc < 0) {
        return agw_gem_bad(c, "");
    }

    /* text and a call in one part: the call is what it is */
    if (p->kind == AGW_GEM_P_TEXT && !agw_str_set(&p->text)) {
        p->kind = 0;
    }

    return 0;
}


/*
 * A non-function part of a user turn: images (inline, or a fileData URI,
 * which a provider that cannot fetch it refuses), wav/mp3 audio, a PDF;
 * anything else cannot be said to another provider.
 */
static agw_part_t *
agw_gem_user_media(agw_gem_rreq_t *c, agw_gem_rpart_t *p)
{
    agw_part_t  *part;

    if (p->kind == AGW_GEM_P_INLINE) {
        if (!agw_str_set(&p->mime) || !agw_str_set(&p->data)) {
            agw_gem_invalid(c->err, "%s.inlineData needs mimeType and data",
                            agw_gem_at(c));
            return NULL;
        }

        if (p->mime.len >= 6 && memcmp(p->mime.data, "image/", 6) == 0) {
            part = agw_gem_new_part(c, AGW_PART_IMAGE);
            if (part == NULL) {
                return NULL;
            }
            part->media_type = p->mime;
            part->data = p->data;
            return part;
        }

        if (agw_gem_is(&p->mime, "audio/wav")
            || agw_gem_is(&p->mime, "audio/mp3")
            || agw_gem_is(&p->mime, "audio/mpeg"))
        {
            part = agw_gem_new_part(c, AGW_PART_AUDIO);
            if (part == NULL) {
                return NULL;
            }
            part->data = p->data;
            part->format = agw_gem_is(&p->mime, "audio/wav")
                           ? (agw_str_t) agw_str_lit("wav")
                           : (agw_str_t) agw_str_lit("mp3");
            return part;
        }

        if (agw_gem_is(&p->mime, "application/pdf")) {
            part = agw_gem_new_part(c, AGW_PART_DOCUMENT);
            if (part == NULL) {
                return NULL;
            }
            part->media_type = p->mime;
            part->data = p->data;
            part->name = (agw_str_t) agw_str_lit("document.pdf");
            return part;
        }

        agw_gem_invalid(c->err, "%s.inlineData: mimeType \"%.*s\" cannot be "
                        "sent to this provider", agw_gem_at(c),
                        (int) (p->mime.len < 64 ? p->mime.len : 64),
                        p->mime.data);
        return NULL;
    }

    if (p->kind == AGW_GEM_P_FILE) {
        if (!agw_str_set(&p->uri)) {
            agw_gem_invalid(c->err, "%s.fileData needs a fileUri", agw_gem_at(c));
            return NULL;
        }

        if (agw_str_set(&p->mime)
            && !(p->mime.len >= 6 && memcmp(p->mime.data, "image/", 6) == 0))
        {
            agw_gem_invalid(c->err, "%s.fileData: mimeType \"%.*s\" cannot "
                            "be sent to this provider", agw_gem_at(c),
                            (int) (p->mime.len < 64 ? p->mime.len : 64),
                            p->mime.data);
            return NULL;
        }

        part = agw_gem_new_part(c, AGW_PART_IMAGE);
        if (part == NULL) {
            return NULL;
        }
        part->url = p->uri;
        part->media_type = p->mime;
        return part;
    }

    agw_gem_invalid(c->err, "%s: a part of this kind cannot be sent to this "
                    "provider", agw_gem_at(c));
    return NULL;
}


/*
 * A tool result: the response object's JSON, compact, as the result's one
 * string (what the other dialects carry as its content), and the object
 * itself (raw) for a writer that wants it whole.
 */
static agw_part_t *
agw_gem_tool_result(agw_gem_rreq_t *c, agw_gem_rpart_t *p, size_t ci,
    size_t pi)
{
    agw_part_t      *part;
    agw_gem_call_t  *call;

    part = agw_gem_new_part(c, AGW_PART_TOOL_RESULT);
    if (part == NULL) {
        return NULL;
    }

    part->name = p->name;
    part->id = p->id;

    if (!agw_str_set(&part->id)) {
        for (call = c->calls; call != NULL; call = call->next) {
            if (!call->used && agw_str_set(&call->part->name)
                && call->part->name.len == p->name.len
                && memcmp(call->part->name.data, p->name.data, p->name.len)
                   == 0)
            {
                call->used = 1;
                part->id = call->part->id;
                break;
            }
        }
    }

    if (!agw_str_set(&part->id)) {
        /* no call to answer: keep the pair consistent anyway */
        part->id = agw_gem_call_id(c->a, NULL, ci, pi);
        if (!agw_str_set(&part->id)) {
            return NULL;
        }
    }

    if (agw_str_set(&p->value)) {
        part->raw = p->spaced ? agw_gem_compact(c->a, &p->value) : p->value;
        if (!agw_str_set(&part->raw)) {
            return NULL;
        }
    } else {
        part->raw = (agw_str_t) agw_str_lit("{}");
        part->raw.kind = AGW_STR_VALUE;
    }

    /* one string, as the other dialects' tool results often are */
    part->text = part->raw;

    return part;
}


/*
 * A user turn: function responses first (the other dialects want tool
 * results right after the calls they answer), then the rest, in one user
 * message.  Thoughts in a user turn are nobody's to send.
 */
static int
agw_gem_user_turn(agw_gem_rreq_t *c, size_t ci, agw_gem_rpart_t *list)
{
    size_t            pi;
    agw_msg_t        *m;
    agw_part_t       *part, **results, **rest, *rest_head;
    agw_gem_rpart_t  *pp;

    m = agw_gem_alloc(c, sizeof(agw_msg_t));
    if (m == NULL) {
        return -1;
    }
    m->role = AGW_ROLE_USER;

    results = &m->parts;
    rest_head = NULL;
    rest = &rest_head;

    for (pi = 0, pp = list; pp != NULL; pi++, pp = pp->next) {
        c->at_fmt = "contents[%zu].parts[%zu]";
        c->at_i = ci;
        c->at_j = pi;

        switch (pp->kind) {

        case AGW_GEM_P_RESPONSE:
            part = agw_gem_tool_result(c, pp, ci, pi);
            if (part == NULL) {
                return -1;
            }
            *results = part;
            results = &part->next;
            continue;

        case AGW_GEM_P_TEXT:
            if (pp->thought) {
                continue;
            }
            part = agw_gem_new_part(c, AGW_PART_TEXT);
            if (part == NULL) {
                return -1;
            }
            part->text = pp->text;
            break;

        case 0:
            /* a signature alone, or nothing Gemini documents */
            if (agw_str_set(&pp->signature)) {
                continue;
            }
            /* fall through */

        default:
            part = agw_gem_user_media(c, pp);
            if (part == NULL) {
                return -1;
            }
        }

        *rest = part;
        rest = &part->next;
    }

    *results = rest_head;

    if (m->parts == NULL) {
        /* nothing said: no message */
        return 0;
    }

    if (m->parts->next == NULL && m->parts->type == AGW_PART_TEXT) {
        m->string = 1;
    }

    *c->tail = m;
    c->tail = &m->next;

    return 0;
}


/*
 * A model turn: text, thoughts (with the signatures Gemini checks) and
 * function calls, in order.  Files and code execution in a model turn
 * have no equivalent elsewhere.
 */
static int
agw_gem_model_turn(agw_gem_rreq_t *c, size_t ci, agw_gem_rpart_t *list)
{
    size_t            pi, ncalls;
    agw_msg_t        *m;
    agw_part_t       *part, **tail;
    agw_gem_call_t   *call, **ctail;
    agw_gem_rpart_t  *pp;

    m = agw_gem_alloc(c, sizeof(agw_msg_t));
    if (m == NULL) {
        return -1;
    }
    m->role = AGW_ROLE_ASSISTANT;
    tail = &m->parts;

    c->calls = NULL;
    ctail = &c->calls;
    ncalls = 0;

    for (pi = 0, pp = list; pp != NULL; pi++, pp = pp->next) {
        c->at_fmt = "contents[%zu].parts[%zu]";
        c->at_i = ci;
        c->at_j = pi;

        switch (pp->kind) {

        case AGW_GEM_P_CALL:
            part = agw_gem_new_part(c, AGW_PART_TOOL_CALL);
            call = agw_gem_alloc(c, sizeof(agw_gem_call_t));
            if (part == NULL || call == NULL) {
                return -1;
            }
            part->name = pp->name;
            part->id = pp->id;
            if (!agw_str_set(&part->id)) {
                part->id = agw_gem_call_id(c->a, NULL, ci, ncalls);
                if (!agw_str_set(&part->id)) {
                    return -1;
                }
            }
            if (agw_str_set(&pp->value)) {
                part->args = pp->spaced ? agw_gem_compact(c->a, &pp->value)
                                        : pp->value;
                if (!agw_str_set(&part->args)) {
                    return -1;
                }
            } else {
                part->args = (agw_str_t) agw_str_lit("{}");
                part->args.kind = AGW_STR_VALUE;
            }
            ncalls++;
            call->part = part;
            *ctail = call;
            ctail = &call->next;
            break;

        case AGW_GEM_P_TEXT:
            part = agw_gem_new_part(c, pp->thought ? AGW_PART_THINKING
                                                 : AGW_PART_TEXT);
            if (part == NULL) {
                return -1;
            }
            part->text = pp->text;
            break;

        case 0:
            if (!agw_str_set(&pp->signature)) {
                continue;
            }
            /* a signature on a part of its own belongs to the turn: an
             * empty text carries it */
            part = agw_gem_new_part(c, AGW_PART_TEXT);
            if (part == NULL) {
                return -1;
            }
            part->text = (agw_str_t) agw_str_lit("");
            break;

        default:
            return agw_gem_invalid(c->err, "%s: a model turn with files or "
                                   "code execution cannot be sent to this "
                                   "provider", agw_gem_at(c));
        }

        part->signature = pp->signature;
        *tail = part;
        tail = &part->next;
    }

    *c->tail = m;
    c->tail = &m->next;

    return 0;
}


static int
agw_gem_contents(agw_gem_rreq_t *c)
{
    int               rc;
    char              msg[96];
    size_t            ci, pi;
    agw_str_t         key, role;
    agw_gem_rpart_t  *list, **tail, *p;

    if (agw_jr_array(&c->r) != 0) {
        return agw_gem_bad(c, "contents must be an array");
    }

    for (ci = 0; (rc = agw_jr_element(&c->r)) == 1; ci++) {
        if (agw_jr_object(&c->r) != 0) {
            snprintf(msg, sizeof(msg), "contents[%zu] must be an object",
                     ci);
            return agw_gem_bad(c, msg);
        }

        /* the role decides what the parts become, and it usually comes
         * after them: they are read first, made into a message after */
        role = (agw_str_t) AGW_STR_NULL;
        list = NULL;
        tail = &list;
        pi = (size_t) -1;

        while ((rc = agw_jr_member(&c->r, &key)) == 1) {
            if (agw_gem_is(&key, "role")) {
                if (agw_jr_string(&c->r, &role) != 0) {
                    snprintf(msg, sizeof(msg), "contents[%zu].role must be "
                             "a string", ci);
                    return agw_gem_bad(c, msg);
                }
                continue;
            }

            if (!agw_gem_is(&key, "parts")) {
                if (agw_jr_value(&c->r, NULL) != 0) {
                    return agw_gem_bad(c, "");
                }
                continue;
            }

            if (agw_jr_array(&c->r) != 0) {
                snprintf(msg, sizeof(msg), "contents[%zu].parts must be an "
                         "array", ci);
                return agw_gem_bad(c, msg);
            }

            list = NULL;
            tail = &list;
            for (pi = 0; (rc = agw_jr_element(&c->r)) == 1; pi++) {
                c->at_fmt = "contents[%zu].parts[%zu]";
                c->at_i = ci;
                c->at_j = pi;
                p = agw_gem_alloc(c, sizeof(agw_gem_rpart_t));
                if (p == NULL) {
                    return -1;
                }
                if (agw_gem_read_part(c, p) != 0) {
                    return -1;
                }
                *tail = p;
                tail = &p->next;
            }
            if (rc < 0) {
                return agw_gem_bad(c, "");
            }
        }
        if (rc < 0) {
            return agw_gem_bad(c, "");
        }

        if (pi == (size_t) -1) {
            return agw_gem_invalid(c->err, "contents[%zu] needs parts", ci);
        }

        if (!agw_str_set(&role) || agw_gem_is(&role, "user")
            || agw_gem_is(&role, "function"))
        {
            rc = agw_gem_user_turn(c, ci, list);

        } else if (agw_gem_is(&role, "model")) {
            rc = agw_gem_model_turn(c, ci, list);

        } else {
            return agw_gem_invalid(c->err, "contents[%zu].role: unknown role "
                                   "\"%.*s\"", ci,
                                   (int) (role.len < 32 ? role.len : 32),
                                   role.data);
        }
        if (rc != 0) {
            return -1;
        }
    }

    if (rc < 0) {
        return agw_gem_bad(c, "");
    }

    c->contents = 1;

    return 0;
}


/* systemInstruction: {parts: [{text}]}, or a plain string; its role is
 * ignored, and anything but text cannot be a system prompt. */
static int
agw_gem_system(agw_gem_rreq_t *c)
{
    int               rc, parts;
    size_t            pi;
    agw_str_t         key, text;
    agw_part_t       *part, **tail;
    agw_gem_rpart_t   p;

    tail = &c->req->system;
    while (*tail != NULL) {
        tail = &(*tail)->next;
    }

    if (agw_jr_string(&c->r, &text) == 0) {
        part = agw_gem_new_part(c, AGW_PART_TEXT);
        if (part == NULL) {
            return -1;
        }
        part->text = text;
        *tail = part;
        return 0;
    }

    if (agw_jr_object(&c->r) != 0) {
        return agw_gem_bad(c, "systemInstruction must be an object");
    }

    parts = 0;

    while ((rc = agw_jr_member(&c->r, &key)) == 1) {
        if (!agw_gem_is(&key, "parts")) {
            if (agw_jr_value(&c->r, NULL) != 0) {
                return agw_gem_bad(c, "");
            }
            continue;
        }

        if (agw_jr_array(&c->r) != 0) {
            return agw_gem_bad(c, "systemInstruction.parts must be an "
                               "array");
        }
        parts = 1;

        for (pi = 0; (rc = agw_jr_element(&c->r)) == 1; pi++) {
            c->at_fmt = "systemInstruction.parts[%zu]";
            c->at_i = pi;
            memset(&p, 0, sizeof(p));
            if (agw_gem_read_part(c, &p) != 0) {
                return -1;
            }
            if (p.kind != AGW_GEM_P_TEXT) {
                return agw_gem_invalid(c->err, "%s: systemInstruction may "
                                       "only hold text parts",
                                       agw_gem_at(c));
            }
            part = agw_gem_new_part(c, AGW_PART_TEXT);
            if (part == NULL) {
                return -1;
            }
            part->text = p.text;
            *tail = part;
            tail = &part->next;
        }
        if (rc < 0) {
            return agw_gem_bad(c, "");
        }
    }

    if (rc < 0) {
        return agw_gem_bad(c, "");
    }

    if (!parts) {
        return agw_gem_invalid(c->err, "systemInstruction needs parts");
    }

    return 0;
}


/* functionDeclarations[]: {name, description, parametersJsonSchema |
 * parameters (OpenAPI, converted) }. */
static int
agw_gem_declarations(agw_gem_rreq_t *c, agw_tool_t ***tail, size_t ti)
{
    int          rc;
    char         where[160];
    size_t       di;
    agw_str_t    key, json, openapi;
    agw_tool_t  *t;

    if (agw_jr_array(&c->r) != 0) {
        snprintf(where, sizeof(where), "tools[%zu].functionDeclarations "
                 "must be an array", ti);
        return agw_gem_bad(c, where);
    }

    for (di = 0; (rc = agw_jr_element(&c->r)) == 1; di++) {
        c->at_fmt = "tools[%zu].functionDeclarations[%zu]";
        c->at_i = ti;
        c->at_j = di;

        t = agw_gem_alloc(c, sizeof(agw_tool_t));
        if (t == NULL) {
            return -1;
        }
        t->type = AGW_TOOL_FUNCTION;
        t->strict = -1;
        json = (agw_str_t) AGW_STR_NULL;
        openapi = (agw_str_t) AGW_STR_NULL;

        if (agw_jr_object(&c->r) != 0) {
            return agw_gem_bad(c, "a function declaration must be an object");
        }

        while ((rc = agw_jr_member(&c->r, &key)) == 1) {
            if (agw_gem_is(&key, "name")) {
                rc = agw_jr_string(&c->r, &t->name);
            } else if (agw_gem_is(&key, "description")) {
                rc = agw_jr_string(&c->r, &t->description);
            } else if (agw_gem_key(&key, "parametersJsonSchema",
                                   "parameters_json_schema"))
            {
                rc = agw_jr_value(&c->r, &json);
            } else if (agw_gem_is(&key, "parameters")) {
                rc = agw_jr_value(&c->r, &openapi);
            } else {
                rc = agw_jr_value(&c->r, NULL);
            }
            if (rc != 0) {
                snprintf(where, sizeof(where), "%s.%.*s has the wrong type",
                         agw_gem_at(c), (int) (key.len < 24 ? key.len : 24),
                         key.data);
                return agw_gem_bad(c, where);
            }
        }
        if (rc < 0) {
            return agw_gem_bad(c, "");
        }

        if (!agw_str_set(&t->name)) {
            return agw_gem_invalid(c->err, "%s needs a name", agw_gem_at(c));
        }

        if (agw_str_set(&json)) {
            t->parameters = json;
        } else if (agw_str_set(&openapi)) {
            t->parameters = agw_gem_schema_to_json(c->a, &openapi);
            if (!agw_str_set(&t->parameters)) {
                return -1;
            }
        } else {
            t->parameters = (agw_str_t)
                            agw_str_lit("{\"type\":\"object\",\"properties\":{}}");
            t->parameters.kind = AGW_STR_VALUE;
        }

        **tail = t;
        *tail = &t->next;
    }

    return rc < 0 ? agw_gem_bad(c, "") : 0;
}


/*
 * tools[]: function declarations become the form's tools; Google's own
 * tools (search, code execution, URL context...) have no equivalent
 * elsewhere and are refused rather than silently dropped.
 */
static int
agw_gem_tools(agw_gem_rreq_t *c)
{
    int           rc;
    size_t        ti;
    agw_str_t     key;
    agw_tool_t  **tail;

    if (agw_jr_array(&c->r) != 0) {
        return agw_gem_bad(c, "tools must be an array");
    }

    tail = &c->req->tools;

    for (ti = 0; (rc = agw_jr_element(&c->r)) == 1; ti++) {
        if (agw_jr_object(&c->r) != 0) {
            return agw_gem_bad(c, "tools[] must be objects");
        }

        while ((rc = agw_jr_member(&c->r, &key)) == 1) {
            if (!agw_gem_key(&key, "functionDeclarations",
                             "function_declarations"))
            {
                return agw_gem_invalid(c->err, "tools[%zu]: the Gemini tool "
                                       "\"%.*s\" cannot be sent to this "
                                       "provider", ti,
                                       (int) (key.len < 40 ? key.len : 40),
                                       key.data);
            }
            if (agw_gem_declarations(c, &tail, ti) != 0) {
                return -1;
            }
        }
        if (rc < 0) {
            return agw_gem_bad(c, "");
        }
    }

    return rc < 0 ? agw_gem_bad(c, "") : 0;
}


/* toolConfig.functionCallingConfig {mode, allowedFunctionNames}. */
static int
agw_gem_tool_config(agw_gem_rreq_t *c)
{
    int              rc;
    agw_str_t        key, name;
    agw_gem_name_t  *n, **tail;

    if (agw_jr_object(&c->r) != 0) {
        return agw_gem_bad(c, "toolConfig must be an object");
    }

    while ((rc = agw_jr_member(&c->r, &key)) == 1) {
        if (!agw_gem_key(&key, "functionCallingConfig",
                         "function_calling_config"))
        {
            if (agw_jr_value(&c->r, NULL) != 0) {
                return agw_gem_bad(c, "");
            }
            continue;
        }

        if (agw_jr_object(&c->r) != 0) {
            return agw_gem_bad(c, "toolConfig.functionCallingConfig must be "
                               "an object");
        }

        while ((rc = agw_jr_member(&c->r, &key)) == 1) {
            if (agw_gem_is(&key, "mode")) {
                if (agw_jr_string(&c->r, &c->mode) != 0) {
                    return agw_gem_bad(c, "toolConfig.functionCallingConfig."
                                       "mode must be a string");
                }
                continue;
            }

            if (!agw_gem_key(&key, "allowedFunctionNames",
                             "allowed_function_names"))
            {
                if (agw_jr_value(&c->r, NULL) != 0) {
                    return agw_gem_bad(c, "");
                }
                continue;
            }

            if (agw_jr_array(&c->r) != 0) {
                return agw_gem_bad(c, "allowedFunctionNames must be an "
                                   "array");
            }
            c->allowed = NULL;
            tail = &c->allowed;
            while ((rc = agw_jr_element(&c->r)) == 1) {
                if (agw_jr_string(&c->r, &name) != 0) {
                    return agw_gem_bad(c, "allowedFunctionNames must hold "
                                       "strings");
                }
                n = agw_gem_alloc(c, sizeof(agw_gem_name_t));
                if (n == NULL) {
                    return -1;
                }
                n->name = name;
                *tail = n;
                tail = &n->next;
            }
            if (rc < 0) {
                return agw_gem_bad(c, "");
            }
        }
        if (rc < 0) {
            return agw_gem_bad(c, "");
        }
    }

    return rc < 0 ? agw_gem_bad(c, "") : 0;
}


static int
agw_gem_same(const agw_str_t *a, const agw_str_t *b)
{
    char  x[256], y[256];
    int   n, m;

    if (a->len == b->len && memcmp(a->data, b->data, a->len) == 0) {
        return 1;
    }

    if (!a->escaped && !b->escaped) {
        return 0;
    }

    n = agw_str_decode(a, x, sizeof(x));
    m = agw_str_decode(b, y, sizeof(y));

    return n >= 0 && n == m && memcmp(x, y, (size_t) n) == 0;
}


/*
 * allowedFunctionNames narrows the tool list itself; the mode becomes the
 * tool choice (ANY with one function left names it).
 */
static int
agw_gem_resolve_tools(agw_gem_rreq_t *c)
{
    agw_tool_t      **tp, *t;
    agw_gem_name_t   *n;
    agw_request_t    *req = c->req;

    if (c->allowed != NULL) {
        for (tp = &req->tools; *tp != NULL; /* void */ ) {
            t = *tp;
            for (n = c->allowed; n != NULL; n = n->next) {
                if (agw_gem_same(&n->name, &t->name)) {
                    break;
                }
            }
            if (n == NULL) {
                *tp = t->next;
            } else {
                tp = &t->next;
            }
        }
    }

    if (req->tools == NULL || !agw_str_set(&c->mode)) {
        return 0;
    }

    if (agw_gem_is(&c->mode, "AUTO")
        || agw_gem_is(&c->mode, "MODE_UNSPECIFIED")
        || agw_gem_is(&c->mode, "VALIDATED"))
    {
        req->tool_choice = AGW_TOOL_CHOICE_AUTO;

    } else if (agw_gem_is(&c->mode, "NONE")) {
        req->tool_choice = AGW_TOOL_CHOICE_NONE;

    } else if (agw_gem_is(&c->mode, "ANY")) {
        if (req->tools->next == NULL) {
            req->tool_choice = AGW_TOOL_CHOICE_TOOL;
            req->tool_choice_name = req->tools->name;
        } else {
            req->tool_choice = AGW_TOOL_CHOICE_REQUIRED;
        }

    } else {
        return agw_gem_invalid(c->err, "toolConfig.functionCallingConfig."
                               "mode: unknown mode \"%.*s\"",
                               (int) (c->mode.len < 32 ? c->mode.len : 32),
                               c->mode.data);
    }

    return 0;
}


/* thinkingConfig {thinkingLevel | thinkingBudget, includeThoughts}. */
static int
agw_gem_thinking(agw_gem_rreq_t *c)
{
    int             rc, v, n, i;
    char            level[40];
    int64_t         budget;
    agw_str_t       key, s;
    agw_request_t  *req = c->req;

    static const struct {
        const char    *name;
        agw_effort_t   effort;
    } levels[] = {
        { "minimal", AGW_EFFORT_MINIMAL },
        { "low", AGW_EFFORT_LOW },
        { "medium", AGW_EFFORT_MEDIUM },
        { "high", AGW_EFFORT_HIGH },
    };

    if (agw_jr_object(&c->r) != 0) {
        return agw_gem_bad(c, "generationConfig.thinkingConfig must be an "
                           "object");
    }

    while ((rc = agw_jr_member(&c->r, &key)) == 1) {
        if (agw_gem_key(&key, "thinkingLevel", "thinking_level")) {
            if (agw_jr_string(&c->r, &s) != 0) {
                return agw_gem_bad(c, "thinkingLevel must be a string");
            }
            n = agw_str_decode(&s, level, sizeof(level));
            if (n < 0) {
                n = 0;
            }
            for (i = 0; i < n; i++) {
                if (level[i] >= 'A' && level[i] <= 'Z') {
                    level[i] = (char) (level[i] - 'A' + 'a');
                }
            }
            if (n == (int) sizeof("thinking_level_unspecified") - 1
                && memcmp(level, "thinking_level_unspecified", n) == 0)
            {
                continue;
            }
            for (i = 0; i < (int) (sizeof(levels) / sizeof(levels[0])); i++)
            {
                if (strlen(levels[i].name) == (size_t) n
                    && memcmp(levels[i].name, level, n) == 0)
                {
                    break;
                }
            }
            if (i == (int) (sizeof(levels) / sizeof(levels[0]))) {
                return agw_gem_invalid(c->err, "generationConfig."
                                       "thinkingConfig.thinkingLevel: "
                                       "unknown level \"%.*s\"",
                                       (int) (s.len < 32 ? s.len : 32),
                                       s.data);
            }
            /* a level wins over a budget, whichever came first */
            req->effort = levels[i].effort;
            req->thinking_budget = -1;
            req->thinking = 1;

        } else if (agw_gem_key(&key, "thinkingBudget", "thinking_budget")) {
            if (agw_jr_int(&c->r, &budget) != 0) {
                return agw_gem_bad(c, "thinkingBudget must be an integer");
            }
            /* 0 (off) and -1 (dynamic) leave the provider's default */
            if (budget > 0 && req->effort == AGW_EFFORT_UNSET) {
                req->thinking_budget = budget;
                req->thinking = 1;
                req->effort = budget <= AGW_GEM_BUDGET_LOW ? AGW_EFFORT_LOW
                              : budget <= AGW_GEM_BUDGET_MEDIUM
                                ? AGW_EFFORT_MEDIUM : AGW_EFFORT_HIGH;
            }

        } else if (agw_gem_key(&key, "includeThoughts",
                               "include_thoughts"))
        {
            if (agw_jr_bool(&c->r, &v) != 0) {
                return agw_gem_bad(c, "includeThoughts must be a boolean");
            }
            req->include_thoughts = (int8_t) v;

        } else if (agw_jr_value(&c->r, NULL) != 0) {
            return agw_gem_bad(c, "");
        }
    }

    return rc < 0 ? agw_gem_bad(c, "") : 0;
}


/* A number member kept as its text; null is as if absent. */
static int
agw_gem_number(agw_gem_rreq_t *c, agw_str_t *dst, const char *name)
{
    char  msg[96];

    if (agw_jr_null(&c->r) == 0) {
        return 0;
    }

    if (agw_jr_number(&c->r, dst) != 0) {
        snprintf(msg, sizeof(msg), "generationConfig.%s must be a number",
                 name);
        return agw_gem_bad(c, msg);
    }

    return 0;
}


static int
agw_gem_integer(agw_gem_rreq_t *c, int64_t *dst, const char *name)
{
    char  msg[96];

    if (agw_jr_null(&c->r) == 0) {
        return 0;
    }

    if (agw_jr_int(&c->r, dst) != 0) {
        snprintf(msg, sizeof(msg), "generationConfig.%s must be an integer",
                 name);
        return agw_gem_bad(c, msg);
    }

    return 0;
}


static int
agw_gem_stops(agw_gem_rreq_t *c)
{
    int          rc;
    agw_str_t    s;
    agw_part_t  *p, **tail;

    if (agw_jr_null(&c->r) == 0) {
        return 0;
    }

    if (agw_jr_array(&c->r) != 0) {
        return agw_gem_bad(c, "generationConfig.stopSequences must be an "
                           "array");
    }

    c->req->stop = NULL;
    tail = &c->req->stop;

    while ((rc = agw_jr_element(&c->r)) == 1) {
        if (agw_jr_string(&c->r, &s) != 0) {
            return agw_gem_bad(c, "generationConfig.stopSequences must hold "
                               "strings");
        }
        p = agw_gem_new_part(c, AGW_PART_TEXT);
        if (p == NULL) {
            return -1;
        }
        p->text = s;
        *tail = p;
        tail = &p->next;
    }

    return rc < 0 ? agw_gem_bad(c, "") : 0;
}


/* generationConfig: sampling, output format, thinking. */
static int
agw_gem_config(agw_gem_rreq_t *c)
{
    int             rc;
    agw_str_t       key;
    agw_request_t  *req = c->req;

    if (agw_jr_object(&c->r) != 0) {
        return agw_gem_bad(c, "generationConfig must be an object");
    }

    while ((rc = agw_jr_member(&c->r, &key)) == 1) {
        if (agw_gem_is(&key, "temperature")) {
            rc = agw_gem_number(c, &req->temperature, "temperature");
        } else if (agw_gem_key(&key, "topP", "top_p")) {
            rc = agw_gem_number(c, &req->top_p, "topP");
        } else if (agw_gem_key(&key, "topK", "top_k")) {
            rc = agw_gem_number(c, &req->top_k, "topK");
        } else if (agw_gem_key(&key, "maxOutputTokens",
                               "max_output_tokens"))
        {
            rc = agw_gem_integer(c, &req->max_tokens, "maxOutputTokens");
        } else if (agw_gem_key(&key, "candidateCount", "candidate_count")) {
            rc = agw_gem_integer(c, &req->n, "candidateCount");
        } else if (agw_gem_key(&key, "presencePenalty", "presence_penalty")) {
            rc = agw_gem_number(c, &req->presence_penalty, "presencePenalty");
        } else if (agw_gem_key(&key, "frequencyPenalty",
                               "frequency_penalty"))
        {
            rc = agw_gem_number(c, &req->frequency_penalty,
                                "frequencyPenalty");
        } else if (agw_gem_is(&key, "seed")) {
            rc = agw_gem_number(c, &req->seed, "seed");
        } else if (agw_gem_key(&key, "stopSequences", "stop_sequences")) {
            rc = agw_gem_stops(c);
        } else if (agw_gem_key(&key, "responseMimeType",
                               "response_mime_type"))
        {
            rc = agw_jr_string(&c->r, &c->mime);
            if (rc != 0) {
                return agw_gem_bad(c, "generationConfig.responseMimeType "
                                   "must be a string");
            }
        } else if (agw_gem_key(&key, "responseJsonSchema",
                               "response_json_schema"))
        {
            if (agw_jr_value(&c->r, &c->json_schema) != 0) {
                return agw_gem_bad(c, "");
            }
            rc = 0;
        } else if (agw_gem_key(&key, "responseSchema", "response_schema")) {
            if (agw_jr_value(&c->r, &c->schema) != 0) {
                return agw_gem_bad(c, "");
            }
            rc = 0;
        } else if (agw_gem_key(&key, "thinkingConfig", "thinking_config")) {
            rc = agw_gem_thinking(c);
        } else {
            /* topK aside, responseLogprobs, logprobs, responseModalities,
             * speechConfig, mediaResolution: no equivalent elsewhere */
            if (agw_jr_value(&c->r, NULL) != 0) {
                return agw_gem_bad(c, "");
            }
            rc = 0;
        }
        if (rc != 0) {
            return -1;
        }
    }

    return rc < 0 ? agw_gem_bad(c, "") : 0;
}


/* responseMimeType application/json with a schema or without. */
static int
agw_gem_resolve_format(agw_gem_rreq_t *c)
{
    agw_request_t  *req = c->req;

    if (!agw_str_set(&c->mime) || agw_gem_is(&c->mime, "text/plain")) {
        return 0;
    }

    if (!agw_gem_is(&c->mime, "application/json")) {
        return agw_gem_invalid(c->err, "generationConfig.responseMimeType "
                               "\"%.*s\" cannot be sent to this provider",
                               (int) (c->mime.len < 64 ? c->mime.len : 64),
                               c->mime.data);
    }

    if (agw_str_set(&c->json_schema)) {
        req->format = AGW_FORMAT_JSON_SCHEMA;
        req->format_schema = c->json_schema;

    } else if (agw_str_set(&c->schema)) {
        req->format = AGW_FORMAT_JSON_SCHEMA;
        req->format_schema = agw_gem_schema_to_json(c->a, &c->schema);
        if (!agw_str_set(&req->format_schema)) {
            return -1;
        }

    } else {
        req->format = AGW_FORMAT_JSON_OBJECT;
        return 0;
    }

    req->format_name = (agw_str_t) agw_str_lit("response");

    return 0;
}


int
agw_gem_read_request(const char *body, size_t len, int valid,
    agw_arena_t *a, agw_request_t *req, agw_error_t *err)
{
    int             rc;
    agw_str_t       key;
    agw_gem_rreq_t  c;

    memset(err, 0, sizeof(*err));
    agw_request_init(req);

    memset(&c, 0, sizeof(c));
    c.a = a;
    c.req = req;
    c.err = err;
    c.tail = &req->messages;

    agw_jr_init(&c.r, body, len);
    c.r.valid = valid;

    if (agw_jr_object(&c.r) != 0) {
        return agw_gem_bad(&c, "the request body must be a JSON object");
    }

    while ((rc = agw_jr_member(&c.r, &key)) == 1) {
        if (agw_gem_is(&key, "contents")) {
            rc = agw_gem_contents(&c);
        } else if (agw_gem_key(&key, "systemInstruction",
                               "system_instruction"))
        {
            rc = agw_gem_system(&c);
        } else if (agw_gem_is(&key, "tools")) {
            rc = agw_gem_tools(&c);
        } else if (agw_gem_key(&key, "toolConfig", "tool_config")) {
            rc = agw_gem_tool_config(&c);
        } else if (agw_gem_key(&key, "generationConfig",
                               "generation_config"))
        {
            rc = agw_gem_config(&c);
        } else if (agw_gem_key(&key, "cachedContent", "cached_content")) {
            return agw_gem_invalid(err, "cachedContent names a Gemini cache "
                                   "that this provider cannot read");
        } else {
            /* safetySettings, labels, a stray model: nothing to carry */
            rc = agw_jr_value(&c.r, NULL);
            if (rc != 0) {
                return agw_gem_bad(&c, "");
            }
        }
        if (rc != 0) {
            return -1;
        }
    }

    if (rc < 0 || agw_jr_end(&c.r) != 0) {
        return agw_gem_bad(&c, "");
    }

    if (!c.contents) {
        return agw_gem_invalid(err, "contents must be an array");
    }

    if (agw_gem_resolve_tools(&c) != 0 || agw_gem_resolve_format(&c) != 0) {
        return -1;
    }

    return 0;
}
