/*
 * rsp_response: a whole Responses API answer (the Response object) to
 * and from the intermediate form, and the pieces of a Response object the
 * stream writer shares (its envelope, usage, ids).
 *
 * The parts of an answer become output items in their order: consecutive
 * text and refusal parts one message item (one content part each),
 * consecutive thinking parts one reasoning item (one summary part each),
 * each tool call a function_call item.  Redacted thinking and signatures
 * have no item an OpenAI client could send back to another provider:
 * they are dropped (docs/translation-responses.md).
 */

#include <stdio.h>
#include <string.h>

#include "rsp_int.h"


/* The inside of a JSON string for s: a JSON-kind string as it came, any
 * other kind escaped. */
void
agw_rsp_str_inside(agw_jw_t *w, const agw_str_t *s)
{
    if (s->data == NULL) {
        return;
    }

    if (s->kind == AGW_STR_JSON) {
        agw_jw_append(w, s->data, s->len);
    } else {
        agw_jw_escape(w, s->data, s->len);
    }
}


/* A string value; "" for an unset one (a provider's item that lacked a
 * member the dialect requires). */
void
agw_rsp_put_str(agw_jw_t *w, const agw_str_t *s)
{
    static const agw_str_t  empty = { "", 0, AGW_STR_BYTES, 0 };

    agw_jw_str(w, s->data != NULL ? s : &empty);
}


/*
 * An id for the client from the provider's: its letters, digits, '_' and
 * '-' only (so it needs no escaping in the events written around it),
 * without a "resp_" or prefix it already has, at most size - 1 bytes.
 */
size_t
agw_rsp_id(char *dst, size_t size, const agw_str_t *src, const char *prefix)
{
    size_t       i, n, plen;
    const char  *p;
    char         c;

    n = 0;
    p = src->data;
    i = 0;
    plen = prefix ? strlen(prefix) : 0;

    if (p != NULL && plen && src->len > plen && memcmp(p, prefix, plen) == 0)
    {
        i = plen;
    }

    for (/* void */; p != NULL && i < src->len && n < size - 1; i++) {
        c = p[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '_' || c == '-')
        {
            dst[n++] = c;
        }
    }

    dst[n] = '\0';
    return n;
}


/*
 * A content part of an output item: output_text (with the annotations and
 * logprobs lists the captured answers have), refusal, or a reasoning
 * item's summary_text.
 */
void
agw_rsp_put_part(agw_jw_t *w, agw_part_type_t type, const agw_str_t *text)
{
    agw_jw_object(w);
    agw_jw_key(w, "type");

    if (type == AGW_PART_REFUSAL) {
        agw_jw_lit(w, "refusal");
        agw_jw_key(w, "refusal");

    } else if (type == AGW_PART_THINKING) {
        agw_jw_lit(w, "summary_text");
        agw_jw_key(w, "text");

    } else {
        agw_rsp_lit_members(w, "\"output_text\",\"annotations\":[],"
                               "\"logprobs\":[]");
        agw_jw_key(w, "text");
    }

    agw_rsp_put_str(w, text);
    agw_jw_object_end(w);
}


/* n's digits, written to end at end: where they start */
char *
agw_rsp_digits(char *end, uint64_t n)
{
    do {
        *--end = (char) ('0' + n % 10);
        n /= 10;
    } while (n);

    return end;
}


/* v in decimal at p, as agw_jw_int() writes it: past it */
char *
agw_rsp_int(char *p, int64_t v)
{
    char    num[24], *d;
    size_t  len;

    d = agw_rsp_digits(num + sizeof(num),
                       v < 0 ? 0 - (uint64_t) v : (uint64_t) v);

    if (v < 0) {
        *--d = '-';
    }

    len = (size_t) (num + sizeof(num) - d);
    memcpy(p, d, len);

    return p + len;
}


#define agw_rsp_cpy(p, lit)  (memcpy((p), (lit), sizeof(lit) - 1),           \
                              (p) + sizeof(lit) - 1)


/* usage: its members around five numbers, one value */
void
agw_rsp_write_usage(agw_jw_t *w, const agw_usage_t *u)
{
    char       buf[256], *p;
    int64_t    in, out;
    agw_str_t  v;

    in = u->input > 0 ? u->input : 0;
    out = u->output > 0 ? u->output : 0;

    p = agw_rsp_cpy(buf, "{\"input_tokens\":");
    p = agw_rsp_int(p, in);
    p = agw_rsp_cpy(p, ",\"input_tokens_details\":{\"cached_tokens\":");
    p = agw_rsp_int(p, u->cache_read > 0 ? u->cache_read : 0);
    p = agw_rsp_cpy(p, "},\"output_tokens\":");
    p = agw_rsp_int(p, out);
    p = agw_rsp_cpy(p, ",\"output_tokens_details\":{\"reasoning_tokens\":");
    p = agw_rsp_int(p, u->reasoning > 0 ? u->reasoning : 0);
    p = agw_rsp_cpy(p, "},\"total_tokens\":");
    p = agw_rsp_int(p, agw_usage_sum(in, out));
    *p++ = '}';

    v = agw_str_bytes(buf, (size_t) (p - buf));
    agw_jw_raw(w, &v);
}


/* A count, or -1 for anything else (null, a negative, a fraction). */
static int
agw_rsp_count(agw_jr_t *r, int64_t *v)
{
    int  rc;

    rc = agw_jr_int(r, v);

    if (rc == AGW_JR_TYPE) {
        *v = -1;
        return agw_jr_value(r, NULL);
    }

    if (rc == 0 && *v < 0) {
        *v = -1;
    }

    return rc;
}


/* Which usage object a member stands in: the top one, or one of its two
 * details objects; the three read alike and differ only in their keys. */
typedef enum {
    AGW_RSP_USAGE_TOP = 0,
    AGW_RSP_USAGE_INPUT,
    AGW_RSP_USAGE_OUTPUT
} agw_rsp_usage_at_t;


/* The count a member of that object holds, or NULL for one not kept; the
 * Chat Completions names too, as the passthrough read them. */
static int64_t *
agw_rsp_usage_count(agw_usage_t *u, agw_rsp_usage_at_t at,
    const agw_str_t *key)
{
    switch (at) {

    case AGW_RSP_USAGE_TOP:
        if (agw_str_is(key, "input_tokens")
            || agw_str_is(key, "prompt_tokens"))
        {
            return &u->input;
        }
        if (agw_str_is(key, "output_tokens")
            || agw_str_is(key, "completion_tokens"))
        {
            return &u->output;
        }
        return NULL;

    case AGW_RSP_USAGE_INPUT:
        if (agw_str_is(key, "cached_tokens")) {
            return &u->cache_read;
        }
        if (agw_str_is(key, "cache_write_tokens")) {
            return &u->cache_write;
        }
        return NULL;

    default: /* AGW_RSP_USAGE_OUTPUT */
        return agw_str_is(key, "reasoning_tokens") ? &u->reasoning : NULL;
    }
}


/* A usage object or one of its details objects (or null) into u. */
static int
agw_rsp_read_usage_object(agw_jr_t *r, agw_usage_t *u,
    agw_rsp_usage_at_t at)
{
    int        rc;
    int64_t   *v;
    agw_str_t  key;

    if (agw_jr_peek(r) != AGW_JR_OBJECT) {
        return agw_jr_value(r, NULL);
    }

    if (agw_jr_object(r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        v = agw_rsp_usage_count(u, at, &key);

        if (v != NULL) {
            rc = agw_rsp_count(r, v);

        } else if (at == AGW_RSP_USAGE_TOP
                   && (agw_str_is(&key, "input_tokens_details")
                       || agw_str_is(&key, "prompt_tokens_details")))
        {
            rc = agw_rsp_read_usage_object(r, u, AGW_RSP_USAGE_INPUT);

        } else if (at == AGW_RSP_USAGE_TOP
                   && (agw_str_is(&key, "output_tokens_details")
                       || agw_str_is(&key, "completion_tokens_details")))
        {
            rc = agw_rsp_read_usage_object(r, u, AGW_RSP_USAGE_OUTPUT);

        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return -1;
        }
    }

    return rc;
}


/*
 * A Responses usage object (or null) into u: input_tokens counts cached
 * ones and cache writes already, output_tokens reasoning ones, as
 * agw_usage.h has them.
 */
int
agw_rsp_read_usage(agw_jr_t *r, agw_usage_t *u)
{
    return agw_rsp_read_usage_object(r, u, AGW_RSP_USAGE_TOP);
}


/*
 * The Response object up to its output list, the key "output" written:
 * the members the API reference and the captured answers have, with the
 * request's settings the answer's writer does not know as null or the
 * API's defaults.
 */
void
agw_rsp_response_open(agw_jw_t *w, const agw_rsp_head_t *h)
{
    char       buf[AGW_RSP_ID_MAX + 256], *p;
    agw_str_t  v;

    static const struct {
        const char  *s;
        size_t       len;
    } status[] = {
        { "in_progress", 11 }, { "completed", 9 }, { "incomplete", 10 },
        { "failed", 6 }
    };

    /*
     * Up to the model, one value after "id": the id's bytes are plain
     * (agw_rsp_id()), the rest the code's own or numbers.  Three of a
     * stream's events open the Response.
     */
    agw_jw_object(w);
    agw_jw_key(w, "id");

    p = agw_rsp_cpy(buf, "\"resp_");
    memcpy(p, h->id, h->id_len);
    p += h->id_len;
    p = agw_rsp_cpy(p, "\",\"object\":\"response\",\"created_at\":");
    p = agw_rsp_int(p, h->created);
    p = agw_rsp_cpy(p, ",\"status\":\"");
    memcpy(p, status[h->status].s, status[h->status].len);
    p += status[h->status].len;
    *p++ = '"';

    v = agw_str_bytes(buf, (size_t) (p - buf));
    agw_jw_raw(w, &v);

    agw_jw_key(w, "error");
    if (h->status == AGW_RSP_FAILED && h->error != NULL) {
        agw_jw_object(w);
        agw_rsp_error_members(w, h->error, 1);
        agw_jw_object_end(w);
    } else {
        agw_jw_null(w);
    }

    agw_jw_key(w, "incomplete_details");
    if (h->status == AGW_RSP_INCOMPLETE) {
        agw_jw_object(w);
        agw_jw_key(w, "reason");
        if (h->finish == AGW_FINISH_CONTENT_FILTER) {
            agw_jw_lit(w, "content_filter");
        } else {
            agw_jw_lit(w, "max_output_tokens");
        }
        agw_jw_object_end(w);
        agw_jw_key(w, "instructions");
        agw_rsp_lit_members(w, "null,\"max_output_tokens\":null");

    } else {
        agw_rsp_lit_members(w, "null,\"instructions\":null,"
                               "\"max_output_tokens\":null");
    }

    agw_jw_key(w, "model");
    agw_rsp_put_str(w, &h->model);
    agw_jw_key(w, "output");
}


void
agw_rsp_response_close(agw_jw_t *w, const agw_rsp_head_t *h)
{
    agw_jw_key(w, "parallel_tool_calls");
    agw_rsp_lit_members(w,
        "true,\"previous_response_id\":null,"
        "\"reasoning\":{\"effort\":null,\"summary\":null},"
        "\"store\":false,\"temperature\":null,"
        "\"text\":{\"format\":{\"type\":\"text\"}},"
        "\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":null,"
        "\"truncation\":\"disabled\"");
    agw_jw_key(w, "usage");

    if (h->usage != NULL) {
        agw_rsp_write_usage(w, h->usage);
    } else {
        agw_jw_null(w);
    }

    agw_jw_key(w, "user");
    agw_rsp_lit_members(w, "null,\"metadata\":{}");
    agw_jw_object_end(w);
}


/* The finish of a Response: its status and incomplete_details.reason. */
agw_finish_t
agw_rsp_finish_of(const agw_str_t *status, const agw_str_t *reason,
    int tool_calls)
{
    if (agw_str_is(status, "incomplete")) {
        if (agw_str_is(reason, "content_filter")) {
            return AGW_FINISH_CONTENT_FILTER;
        }

        return AGW_FINISH_LENGTH;
    }

    if (agw_str_is(status, "completed")) {
        return tool_calls ? AGW_FINISH_TOOL_CALLS : AGW_FINISH_STOP;
    }

    return AGW_FINISH_OTHER;
}


/* Writing a whole answer */

typedef enum {
    AGW_RSP_ITEM_NONE = 0,
    AGW_RSP_ITEM_MESSAGE,
    AGW_RSP_ITEM_REASONING
} agw_rsp_item_kind_t;


static void
agw_rsp_item_id(agw_jw_t *w, const char *prefix, const agw_rsp_head_t *h,
    uint32_t n)
{
    char       buf[AGW_RSP_ID_MAX + 32];
    size_t     len;
    agw_str_t  s;

    len = (size_t) snprintf(buf, sizeof(buf), "%s%.*s_%u", prefix,
                            (int) h->id_len, h->id, n);
    s = agw_str_bytes(buf, len < sizeof(buf) ? len : sizeof(buf) - 1);
    agw_rsp_put_str(w, &s);
}


static void
agw_rsp_end_item(agw_jw_t *w, agw_rsp_item_kind_t kind)
{
    if (kind == AGW_RSP_ITEM_MESSAGE) {
        agw_jw_array_end(w);
        agw_jw_key(w, "role");
        agw_jw_lit(w, "assistant");
        agw_jw_object_end(w);

    } else if (kind == AGW_RSP_ITEM_REASONING) {
        agw_jw_array_end(w);
        agw_jw_object_end(w);
    }
}


int
agw_rsp_write_response(const agw_response_t *res, const agw_answer_ctx_t *o,
    agw_buf_t *out, agw_error_t *err)
{
    uint32_t              n;
    agw_jw_t              w;
    agw_rsp_head_t        h;
    const agw_part_t     *p, *c;
    agw_rsp_item_kind_t   kind, want;
    char                  id[AGW_RSP_ID_MAX];

    memset(&h, 0, sizeof(h));
    h.id = id;
    h.id_len = agw_rsp_id(id, sizeof(id), &res->id, "resp_");
    h.created = res->created >= 0 ? res->created : o->created;
    h.model = agw_str_set(&o->model) ? o->model : res->model;
    h.usage = &res->usage;
    h.finish = res->finish;
    h.status = (res->finish == AGW_FINISH_LENGTH
                || res->finish == AGW_FINISH_CONTENT_FILTER)
               ? AGW_RSP_INCOMPLETE : AGW_RSP_COMPLETED;

    agw_jw_init(&w, out);
    agw_rsp_response_open(&w, &h);
    agw_jw_array(&w);

    kind = AGW_RSP_ITEM_NONE;
    n = 0;

    for (p = res->parts; p; p = p->next) {
        switch (p->type) {
        case AGW_PART_TEXT:
        case AGW_PART_REFUSAL:
            want = AGW_RSP_ITEM_MESSAGE;
            break;
        case AGW_PART_THINKING:
            want = AGW_RSP_ITEM_REASONING;
            break;
        case AGW_PART_TOOL_CALL:
        case AGW_PART_REASONING:
            want = AGW_RSP_ITEM_NONE;
            break;
        case AGW_PART_OTHER:
            if (p->dialect != AGW_DIALECT_RESPONSES) {
                continue;
            }
            want = AGW_RSP_ITEM_NONE;
            break;
        default:
            /* redacted thinking: nothing an OpenAI client can hold */
            continue;
        }

        if (kind != want || want == AGW_RSP_ITEM_NONE) {
            agw_rsp_end_item(&w, kind);
            kind = AGW_RSP_ITEM_NONE;
        }

        if (kind == AGW_RSP_ITEM_NONE && want != AGW_RSP_ITEM_NONE) {
            agw_jw_object(&w);
            agw_jw_key(&w, "id");

            if (want == AGW_RSP_ITEM_MESSAGE) {
                agw_rsp_item_id(&w, "msg_", &h, n++);
                agw_jw_key(&w, "type");
                agw_jw_lit(&w, "message");
                agw_jw_key(&w, "status");
                agw_jw_lit(&w, "completed");
                agw_jw_key(&w, "content");

            } else {
                agw_rsp_item_id(&w, "rs_", &h, n++);
                agw_jw_key(&w, "type");
                agw_jw_lit(&w, "reasoning");
                agw_jw_key(&w, "summary");
            }

            agw_jw_array(&w);
            kind = want;
        }

        switch (p->type) {
        case AGW_PART_TEXT:
        case AGW_PART_REFUSAL:
        case AGW_PART_THINKING:
            agw_rsp_put_part(&w, p->type, &p->text);
            break;

        case AGW_PART_REASONING:
            /* a Responses provider's own reasoning item: encrypted
             * content included, this client can send it back there */
            agw_jw_object(&w);
            agw_jw_key(&w, "id");

            if (agw_str_set(&p->id)) {
                agw_rsp_put_str(&w, &p->id);
            } else {
                agw_rsp_item_id(&w, "rs_", &h, n);
            }

            n++;
            agw_jw_key(&w, "type");
            agw_jw_lit(&w, "reasoning");

            if (agw_str_set(&p->data)) {
                agw_jw_key(&w, "encrypted_content");
                agw_rsp_put_str(&w, &p->data);
            }

            agw_jw_key(&w, "summary");
            agw_jw_array(&w);

            for (c = p->content; c; c = c->next) {
                if (c->type == AGW_PART_TEXT) {
                    agw_rsp_put_part(&w, AGW_PART_THINKING, &c->text);
                }
            }

            agw_jw_array_end(&w);
            agw_jw_object_end(&w);
            break;

        case AGW_PART_TOOL_CALL:
            agw_jw_object(&w);
            agw_jw_key(&w, "id");
            agw_rsp_item_id(&w, "fc_", &h, n++);
            agw_jw_key(&w, "type");
            agw_jw_lit(&w, "function_call");
            agw_jw_key(&w, "status");
            agw_jw_lit(&w, "completed");
            agw_jw_key(&w, "arguments");

            if (agw_str_set(&p->args)) {
                agw_rsp_put_str(&w, &p->args);
            } else {
                agw_jw_lit(&w, "{}");
            }

            agw_jw_key(&w, "call_id");
            agw_rsp_put_str(&w, &p->id);
            agw_jw_key(&w, "name");
            agw_rsp_put_str(&w, &p->name);
            agw_jw_object_end(&w);
            break;

        default:
            agw_jw_raw(&w, &p->raw);
            n++;
            break;
        }
    }

    agw_rsp_end_item(&w, kind);
    agw_jw_array_end(&w);
    agw_rsp_response_close(&w, &h);

    if (w.failed) {
        err->cls = AGW_ERR_NONE;
        return -1;
    }

    return 0;
}


/* Reading a whole answer */

typedef struct {
    agw_jr_t          r;
    agw_arena_t      *a;
    agw_response_t   *res;
    agw_part_t      **tail;
    int               calls;
} agw_rsp_rr_t;


static agw_part_t *
agw_rsp_rpart(agw_rsp_rr_t *rr, agw_part_type_t type)
{
    agw_part_t  *p;

    p = agw_arena_calloc(rr->a, sizeof(agw_part_t));
    if (p == NULL) {
        return NULL;
    }

    p->type = type;
    *rr->tail = p;
    rr->tail = &p->next;

    return p;
}


/* A message's content list, or a reasoning item's summary: its text
 * parts (and refusals) into *tail. */
static int
agw_rsp_read_texts(agw_rsp_rr_t *rr, agw_part_t ***tail,
    agw_part_type_t text_type)
{
    int          rc;
    agw_str_t    key, type, text;
    agw_part_t  *p;

    if (agw_jr_peek(&rr->r) != AGW_JR_ARRAY) {
        return agw_jr_value(&rr->r, NULL);
    }

    if (agw_jr_array(&rr->r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_element(&rr->r)) == 1) {
        if (agw_jr_object(&rr->r) != 0) {
            return -1;
        }

        type = agw_rsp_unset;
        text = agw_rsp_unset;

        while ((rc = agw_jr_member(&rr->r, &key)) == 1) {
            if (agw_str_is(&key, "type")) {
                rc = agw_jr_string(&rr->r, &type);
            } else if ((agw_str_is(&key, "text")
                        || agw_str_is(&key, "refusal"))
                       && agw_jr_peek(&rr->r) == AGW_JR_STRING)
            {
                rc = agw_jr_string(&rr->r, &text);
            } else {
                rc = agw_jr_value(&rr->r, NULL);
            }

            if (rc != 0) {
                return -1;
            }
        }

        if (rc < 0 || !agw_str_set(&text)) {
            return rc;
        }

        p = agw_arena_calloc(rr->a, sizeof(agw_part_t));
        if (p == NULL) {
            return -2;
        }

        p->type = agw_str_is(&type, "refusal") ? AGW_PART_REFUSAL : text_type;
        p->text = text;
        **tail = p;
        *tail = &p->next;
    }

    return rc;
}


static int
agw_rsp_read_item(agw_rsp_rr_t *rr)
{
    int           rc;
    size_t        start;
    agw_str_t     key, type, id, call_id, name, args, enc;
    agw_part_t   *p, *content, **ctail;


    type = id = call_id = name = args = enc = agw_rsp_unset;
    content = NULL;
    ctail = &content;
    start = agw_jr_offset(&rr->r);

    if (agw_jr_object(&rr->r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(&rr->r, &key)) == 1) {
        agw_str_t  *dst = NULL;

        if (agw_str_is(&key, "type")) {
            dst = &type;
        } else if (agw_str_is(&key, "id")) {
            dst = &id;
        } else if (agw_str_is(&key, "call_id")) {
            dst = &call_id;
        } else if (agw_str_is(&key, "name")) {
            dst = &name;
        } else if (agw_str_is(&key, "arguments")) {
            dst = &args;
        } else if (agw_str_is(&key, "encrypted_content")) {
            dst = &enc;

        } else if (agw_str_is(&key, "content")
                   || agw_str_is(&key, "summary"))
        {
            rc = agw_rsp_read_texts(rr, &ctail,
                                    agw_str_is(&key, "summary")
                                    ? AGW_PART_THINKING : AGW_PART_TEXT);
            if (rc != 0) {
                return rc;
            }
            continue;
        }

        if (dst != NULL && agw_jr_peek(&rr->r) == AGW_JR_STRING) {
            rc = agw_jr_string(&rr->r, dst);
        } else {
            rc = agw_jr_value(&rr->r, NULL);
        }

        if (rc != 0) {
            return -1;
        }
    }

    if (rc < 0) {
        return -1;
    }

    if (agw_str_is(&type, "message")) {
        /* its parts straight into the answer */
        *rr->tail = content;

        while (*rr->tail) {
            rr->tail = &(*rr->tail)->next;
        }

        return 0;
    }

    if (agw_str_is(&type, "function_call")) {
        p = agw_rsp_rpart(rr, AGW_PART_TOOL_CALL);
        if (p == NULL) {
            return -2;
        }

        p->id = call_id;
        p->name = name;
        p->args = args;
        p->args_string = 1;
        rr->calls = 1;
        return 0;
    }

    if (agw_str_is(&type, "reasoning")) {
        p = agw_rsp_rpart(rr, AGW_PART_REASONING);
        if (p == NULL) {
            return -2;
        }

        /* the summary parts were read as THINKING: they are TEXT here */
        for (p->content = content; content; content = content->next) {
            content->type = AGW_PART_TEXT;
        }

        p->id = id;
        p->data = enc;
        return 0;
    }

    p = agw_rsp_rpart(rr, AGW_PART_OTHER);
    if (p == NULL) {
        return -2;
    }

    p->raw.data = rr->r.start + start;
    p->raw.len = (uint32_t) (agw_jr_offset(&rr->r) - start);
    p->raw.kind = AGW_STR_VALUE;
    p->dialect = AGW_DIALECT_RESPONSES;
    p->id = id;

    return 0;
}


/* The Response object (a whole answer, or the one in a lifecycle event)
 * into res; 0, -1 not what a Response is, -2 out of memory. */
int
agw_rsp_read_response_object(agw_jr_t *r, agw_arena_t *a,
    agw_response_t *res, agw_error_t *failed)
{
    int            rc;
    agw_str_t      key, status, reason, k2;
    agw_rsp_rr_t   rr;

    memset(&rr, 0, sizeof(rr));
    rr.r = *r;
    rr.a = a;
    rr.res = res;
    rr.tail = &res->parts;
    status = agw_rsp_unset;
    reason = agw_rsp_unset;

    if (agw_jr_object(&rr.r) != 0) {
        *r = rr.r;
        return -1;
    }

    while ((rc = agw_jr_member(&rr.r, &key)) == 1) {
        if (agw_str_is(&key, "id") && agw_jr_peek(&rr.r) == AGW_JR_STRING) {
            rc = agw_jr_string(&rr.r, &res->id);

        } else if (agw_str_is(&key, "model")
                   && agw_jr_peek(&rr.r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&rr.r, &res->model);

        } else if (agw_str_is(&key, "created_at")) {
            rc = agw_rsp_count(&rr.r, &res->created);

        } else if (agw_str_is(&key, "status")
                   && agw_jr_peek(&rr.r) == AGW_JR_STRING)
        {
            rc = agw_jr_string(&rr.r, &status);

        } else if (agw_str_is(&key, "incomplete_details")
                   && agw_jr_peek(&rr.r) == AGW_JR_OBJECT)
        {
            rc = agw_jr_object(&rr.r);

            while (rc == 0 && (rc = agw_jr_member(&rr.r, &k2)) == 1) {
                if (agw_str_is(&k2, "reason")
                    && agw_jr_peek(&rr.r) == AGW_JR_STRING)
                {
                    rc = agw_jr_string(&rr.r, &reason);
                } else {
                    rc = agw_jr_value(&rr.r, NULL);
                }
            }

        } else if (agw_str_is(&key, "usage")) {
            rc = agw_rsp_read_usage(&rr.r, &res->usage);

        } else if (agw_str_is(&key, "error") && failed != NULL
                   && agw_jr_peek(&rr.r) == AGW_JR_OBJECT)
        {
            rc = agw_rsp_read_error_object(&rr.r, failed);

        } else if (agw_str_is(&key, "output")
                   && agw_jr_peek(&rr.r) == AGW_JR_ARRAY)
        {
            rc = agw_jr_array(&rr.r);

            while (rc == 0 && (rc = agw_jr_element(&rr.r)) == 1) {
                rc = agw_rsp_read_item(&rr);
            }

        } else {
            rc = agw_jr_value(&rr.r, NULL);
        }

        if (rc != 0) {
            *r = rr.r;
            return rc == -2 ? -2 : -1;
        }
    }

    *r = rr.r;

    if (rc < 0) {
        return -1;
    }

    res->finish = agw_rsp_finish_of(&status, &reason, rr.calls);
    res->finish_raw = agw_str_set(&reason) ? reason : status;

    return 0;
}


int
agw_rsp_read_response(const char *body, size_t len, agw_arena_t *a,
    agw_response_t *res, agw_error_t *err)
{
    int        rc;
    agw_jr_t   r;

    memset(res, 0, sizeof(*res));
    res->created = -1;
    agw_usage_init(&res->usage);

    agw_jr_init(&r, body, len);

    rc = agw_rsp_read_response_object(&r, a, res, NULL);

    if (rc == -2) {
        err->cls = AGW_ERR_NONE;
        return -1;
    }

    if (rc != 0 || agw_jr_end(&r) != 0) {
        agw_error_set(err, AGW_ERR_BAD_GATEWAY, 0, "invalid_upstream_body",
                      "the responses upstream sent an answer that is not a "
                      "Response object");
        return -1;
    }

    return 0;
}
