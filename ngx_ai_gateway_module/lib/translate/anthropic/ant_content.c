/*
 * Anthropic content blocks, both ways: the blocks of a message, of the
 * system prompt, of a tool result and of an answer read into parts, and
 * the pieces of blocks the request and answer writers share.  Requests
 * and answers hold the same blocks, so they are read by one function.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ant_int.h"


void
agw_ant_bad_at(agw_error_t *err, int upstream, const agw_ant_where_t *wh,
    const char *fmt, ...)
{
    int      n;
    char     what[256], where[96];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);

    n = snprintf(where, sizeof(where), "%s", wh->top);

    if (wh->msg >= 0 && n < (int) sizeof(where)) {
        n += snprintf(where + n, sizeof(where) - n, "[%d]", wh->msg);
        if (wh->block >= 0 && n < (int) sizeof(where)) {
            n += snprintf(where + n, sizeof(where) - n, ".content");
        }
    }

    if (wh->block >= 0 && n < (int) sizeof(where)) {
        n += snprintf(where + n, sizeof(where) - n, "[%d]", wh->block);
    }

    if (wh->inner >= 0 && n < (int) sizeof(where)) {
        snprintf(where + n, sizeof(where) - n, ".content[%d]", wh->inner);
    }

    if (upstream) {
        agw_ant_upstream_bad(err, "%s: %s", where, what);
    } else {
        agw_ant_bad(err, "%s: %s", where, what);
    }
}


void
agw_ant_bad_json(agw_error_t *err, int upstream, const agw_jr_t *r)
{
    if (upstream) {
        agw_ant_upstream_bad(err, "the Anthropic answer is not valid JSON "
                             "(at byte %zu)", r->errpos);
    } else {
        agw_ant_bad(err, "the request body is not valid JSON (at byte %zu)",
                    r->errpos);
    }
}


agw_part_t *
agw_ant_part(agw_arena_t *a, agw_part_type_t type)
{
    agw_part_t  *p;

    p = agw_arena_calloc(a, sizeof(agw_part_t));
    if (p != NULL) {
        p->type = type;
        p->dialect = AGW_DIALECT_ANTHROPIC;
    }

    return p;
}


/* What one block object holds, before its type says what it is. */
typedef struct {
    agw_str_t     type;
    agw_str_t     text;
    agw_str_t     id;
    agw_str_t     name;
    agw_str_t     input;
    agw_str_t     tool_use_id;
    agw_str_t     thinking;
    agw_str_t     signature;
    agw_str_t     data;
    agw_str_t     title;
    agw_str_t     cache_ttl;
    agw_str_t     raw;
    /* source */
    agw_str_t     src_type;
    agw_str_t     src_media_type;
    agw_str_t     src_data;
    agw_str_t     src_url;
    agw_str_t     src_file_id;
    agw_str_t     content_text;     /* tool_result's content, a string */
    agw_str_t     content_raw;      /* a content array yet to read */
    agw_part_t   *content;          /* tool_result's blocks */
    int           has_content;      /* 1 string, 2 blocks, 3 raw */
    int           is_error;
    uint8_t       cache;
} agw_ant_block_t;


/* The string members of a block, where they go: a table read once, not
 * built for every block (an agent's request has hundreds). */
static const struct {
    const char  *key;
    size_t       len;
    size_t       off;
} agw_ant_block_strs[] = {
#define agw_ant_s(k, f)  { k, sizeof(k) - 1, offsetof(agw_ant_block_t, f) }
    agw_ant_s("type", type),
    agw_ant_s("text", text),
    agw_ant_s("id", id),
    agw_ant_s("name", name),
    agw_ant_s("tool_use_id", tool_use_id),
    agw_ant_s("thinking", thinking),
    agw_ant_s("signature", signature),
    agw_ant_s("data", data),
    agw_ant_s("title", title),
#undef agw_ant_s
};


int
agw_ant_read_cache(agw_jr_t *r, uint8_t *cache, agw_str_t *ttl)
{
    agw_str_t  type = AGW_STR_NULL, t = AGW_STR_NULL;

    agw_ant_member_t  m[] = {
        agw_ant_m("type", AGW_ANT_M_STR, &type),
        agw_ant_m("ttl", AGW_ANT_M_STR, &t),
    };

    *cache = AGW_CACHE_CONTROL_NONE;
    ttl->data = NULL;

    if (agw_ant_members(r, m, agw_ant_nmembers(m)) < 0) {
        return -1;
    }

    if (agw_str_set(&type) && agw_str_is(&type, "ephemeral")) {
        *cache = AGW_CACHE_CONTROL_EPHEMERAL;
        *ttl = t;
    }

    return 0;
}


static int agw_ant_read_block(agw_jr_t *r, agw_arena_t *a, unsigned allowed,
    int upstream, agw_ant_where_t *wh, agw_part_t **out, agw_error_t *err);


/* A tool_result's blocks (text, images, documents) into b->content. */
static int
agw_ant_result_content(agw_jr_t *r, agw_arena_t *a, int upstream,
    agw_ant_where_t *wh, agw_ant_block_t *b, agw_error_t *err)
{
    int           rc;
    agw_part_t  **tail;

    b->content = NULL;
    tail = &b->content;

    wh->inner = 0;
    rc = agw_ant_read_content(r, a, AGW_ANT_IN_RESULT, upstream, wh, &tail,
                              NULL, err);
    wh->inner = -1;

    return rc;
}


/* The members of one block object; the type is judged after. */
static int
agw_ant_read_members(agw_jr_t *r, agw_arena_t *a, int upstream,
    agw_ant_where_t *wh, agw_ant_block_t *b, agw_error_t *err)
{
    int          rc;
    size_t       i, start;
    agw_str_t    key, *s;

    if (agw_jr_peek(r) != AGW_JR_OBJECT) {
        if (r->failed) {
            return -1;
        }
        agw_ant_bad_at(err, upstream, wh, "a content block must be an "
                       "object");
        return -1;
    }

    start = agw_jr_offset(r);

    if (agw_jr_object(r) != 0) {
        return -1;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {

        /* a key without escapes (all of them, in practice) is its bytes:
         * compared here, without a call per name */
        for (i = 0; i < agw_ant_nmembers(agw_ant_block_strs); i++) {
            if (key.escaped
                ? (key.len >= agw_ant_block_strs[i].len
                   && agw_str_eq(&key, agw_ant_block_strs[i].key,
                                 agw_ant_block_strs[i].len))
                : (key.len == agw_ant_block_strs[i].len
                   && memcmp(key.data, agw_ant_block_strs[i].key, key.len)
                      == 0))
            {
                break;
            }
        }

        if (i < agw_ant_nmembers(agw_ant_block_strs)) {
            s = (agw_str_t *) ((char *) b + agw_ant_block_strs[i].off);
            rc = agw_jr_string(r, s);
            if (rc == AGW_JR_TYPE) {
                /* another type reads as absent, as the old path did */
                s->data = NULL;
                rc = agw_jr_value(r, NULL);
            }

        } else if (agw_str_is(&key, "input")) {
            rc = agw_jr_value(r, &b->input);

        } else if (agw_str_is(&key, "is_error")) {
            rc = agw_jr_bool(r, &b->is_error);
            if (rc == AGW_JR_TYPE) {
                b->is_error = 0;
                rc = agw_jr_value(r, NULL);
            }

        } else if (agw_str_is(&key, "cache_control")) {
            rc = agw_ant_read_cache(r, &b->cache, &b->cache_ttl);

        } else if (agw_str_is(&key, "source")) {
            agw_ant_member_t  src[] = {
                agw_ant_m("type", AGW_ANT_M_STR, &b->src_type),
                agw_ant_m("media_type", AGW_ANT_M_STR, &b->src_media_type),
                agw_ant_m("data", AGW_ANT_M_STR, &b->src_data),
                agw_ant_m("url", AGW_ANT_M_STR, &b->src_url),
                agw_ant_m("file_id", AGW_ANT_M_STR, &b->src_file_id),
            };

            rc = agw_ant_members(r, src, agw_ant_nmembers(src)) < 0 ? -1 : 0;

        } else if (agw_str_is(&key, "content")
                   && agw_jr_peek(r) == AGW_JR_STRING)
        {
            b->has_content = 1;
            rc = agw_jr_string(r, &b->content_text);

        } else if (agw_str_is(&key, "content")
                   && agw_jr_peek(r) == AGW_JR_ARRAY)
        {
            if (wh->inner < 0 && agw_str_set(&b->type)
                && agw_str_is(&b->type, "tool_result"))
            {
                /* the common order (type first): read in this pass */
                b->has_content = 2;
                rc = agw_ant_result_content(r, a, upstream, wh, b, err);

            } else {
                /* a server tool's result, or a type still to come: the
                 * value is kept, read again once the type is known */
                b->has_content = 3;
                rc = agw_jr_value(r, &b->content_raw);
            }

        } else if (agw_str_is(&key, "content")) {
            b->has_content = 0;
            rc = agw_jr_value(r, NULL);

        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return -1;
        }
    }

    if (rc < 0) {
        return -1;
    }

    b->raw.data = r->start + start;
    b->raw.len = (uint32_t) (agw_jr_offset(r) - start);
    b->raw.kind = AGW_STR_VALUE;

    return 0;
}


/* Blocks that ran at Anthropic (a server tool's call and its result): kept
 * whole for an Anthropic writer, dropped by the others. */
static int
agw_ant_server_block(const char *type)
{
    size_t  n;

    if (strcmp(type, "server_tool_use") == 0) {
        return 1;
    }

    n = strlen(type);

    return n > 12 && strcmp(type + n - 12, "_tool_result") == 0
           && strcmp(type, "tool_result") != 0;
}


static int
agw_ant_image(agw_ant_block_t *b, agw_part_t *p, int upstream,
    agw_ant_where_t *wh, agw_error_t *err)
{
    if (agw_str_set(&b->src_type) && agw_str_is(&b->src_type, "base64")) {
        if (!agw_str_set(&b->src_media_type) || !agw_str_set(&b->src_data)) {
            agw_ant_bad_at(err, upstream, wh, "a base64 source needs "
                           "media_type and data");
            return -1;
        }
        p->media_type = b->src_media_type;
        p->data = b->src_data;
        return 0;
    }

    if (agw_str_set(&b->src_type) && agw_str_is(&b->src_type, "url")
        && agw_str_set(&b->src_url))
    {
        p->url = b->src_url;
        return 0;
    }

    if (agw_str_set(&b->src_type) && agw_str_is(&b->src_type, "file")
        && agw_str_set(&b->src_file_id))
    {
        /* an id of Anthropic's Files API: only an Anthropic writer can
         * send it; the others refuse it */
        p->file_id = b->src_file_id;
        return 0;
    }

    agw_ant_bad_at(err, upstream, wh, "this source type cannot be "
                   "translated");
    return -1;
}


/* The part a block stands for, by its type, or NULL with err set. */
static agw_part_t *
agw_ant_block_part(agw_ant_block_t *b, agw_arena_t *a, unsigned allowed,
    int upstream, agw_ant_where_t *wh, agw_error_t *err)
{
    char         type[64];
    int          n;
    unsigned     in;
    agw_jr_t     sub;
    agw_part_t  *p;

    if (!agw_str_set(&b->type)) {
        agw_ant_bad_at(err, upstream, wh, "a content block needs a type");
        return NULL;
    }

    n = agw_str_decode(&b->type, type, sizeof(type) - 1);
    if (n < 0) {
        n = 0;
    }
    type[n] = '\0';

    p = NULL;
    in = 0;

    if (strcmp(type, "text") == 0) {
        in = AGW_ANT_IN_USER | AGW_ANT_IN_ASSISTANT | AGW_ANT_IN_SYSTEM
             | AGW_ANT_IN_RESULT;
        if (!(allowed & in)) {
            goto refused;
        }
        if (!agw_str_set(&b->text)) {
            agw_ant_bad_at(err, upstream, wh, "a text block needs text");
            return NULL;
        }
        p = agw_ant_part(a, AGW_PART_TEXT);
        if (p == NULL) {
            return NULL;
        }
        p->text = b->text;

    } else if (strcmp(type, "image") == 0) {
        in = AGW_ANT_IN_USER | AGW_ANT_IN_RESULT;
        if (!(allowed & in)) {
            goto refused;
        }
        p = agw_ant_part(a, AGW_PART_IMAGE);
        if (p == NULL || agw_ant_image(b, p, upstream, wh, err) != 0) {
            return NULL;
        }

    } else if (strcmp(type, "document") == 0) {
        in = AGW_ANT_IN_USER | AGW_ANT_IN_RESULT;
        if (!(allowed & in)) {
            goto refused;
        }

        if (agw_str_set(&b->src_type) && agw_str_is(&b->src_type, "text")
            && agw_str_set(&b->src_data))
        {
            /* a plain-text document is its text to any provider */
            p = agw_ant_part(a, AGW_PART_TEXT);
            if (p == NULL) {
                return NULL;
            }
            p->text = b->src_data;

        } else {
            p = agw_ant_part(a, AGW_PART_DOCUMENT);
            if (p == NULL || agw_ant_image(b, p, upstream, wh, err) != 0) {
                return NULL;
            }
            p->name = b->title;
        }

    } else if (strcmp(type, "tool_use") == 0) {
        in = AGW_ANT_IN_ASSISTANT;
        if (!(allowed & in)) {
            goto refused;
        }
        if (!agw_str_set(&b->id) || !agw_str_set(&b->name)) {
            agw_ant_bad_at(err, upstream, wh, "a tool_use block needs id "
                           "and name");
            return NULL;
        }
        p = agw_ant_part(a, AGW_PART_TOOL_CALL);
        if (p == NULL) {
            return NULL;
        }
        p->id = b->id;
        p->name = b->name;
        if (agw_str_set(&b->input)) {
            p->args = b->input;
        } else {
            p->args = (agw_str_t) { "{}", 2, AGW_STR_VALUE, 0 };
        }

    } else if (strcmp(type, "tool_result") == 0) {
        in = AGW_ANT_IN_USER;
        if (!(allowed & in)) {
            goto refused;
        }
        if (!agw_str_set(&b->tool_use_id)) {
            agw_ant_bad_at(err, upstream, wh, "a tool_result block needs "
                           "tool_use_id");
            return NULL;
        }
        p = agw_ant_part(a, AGW_PART_TOOL_RESULT);
        if (p == NULL) {
            return NULL;
        }
        p->id = b->tool_use_id;
        p->is_error = (uint8_t) b->is_error;

        if (b->has_content == 3) {
            agw_jr_init(&sub, b->content_raw.data, b->content_raw.len);
            if (agw_ant_result_content(&sub, a, upstream, wh, b, err) != 0) {
                return NULL;
            }
            b->has_content = 2;
        }

        if (b->has_content == 2) {
            p->content = b->content;
        } else if (b->has_content == 1) {
            p->text = b->content_text;
        } else {
            p->text = (agw_str_t) { "", 0, AGW_STR_JSON, 0 };
        }

    } else if (strcmp(type, "thinking") == 0) {
        in = AGW_ANT_IN_ASSISTANT;
        if (!(allowed & in)) {
            goto refused;
        }
        p = agw_ant_part(a, AGW_PART_THINKING);
        if (p == NULL) {
            return NULL;
        }
        /* a signature-only block (thinking omitted) is one with "" */
        p->text = agw_str_set(&b->thinking)
                  ? b->thinking : (agw_str_t) { "", 0, AGW_STR_JSON, 0 };
        p->signature = b->signature;

    } else if (strcmp(type, "redacted_thinking") == 0) {
        in = AGW_ANT_IN_ASSISTANT;
        if (!(allowed & in)) {
            goto refused;
        }
        p = agw_ant_part(a, AGW_PART_REDACTED_THINKING);
        if (p == NULL) {
            return NULL;
        }
        p->data = agw_str_set(&b->data)
                  ? b->data : (agw_str_t) { "", 0, AGW_STR_JSON, 0 };

    } else if (agw_ant_server_block(type)) {
        in = AGW_ANT_IN_ASSISTANT;
        if (!(allowed & in)) {
            goto refused;
        }
        p = agw_ant_part(a, AGW_PART_OTHER);
        if (p == NULL) {
            return NULL;
        }
        p->raw = b->raw;
        p->id = b->id;
        p->name = b->name;
        /* its cache_control travels inside raw */
        return p;

    } else {
        agw_ant_bad_at(err, upstream, wh, "content block type \"%s\" cannot "
                       "be translated", type);
        return NULL;
    }

    p->cache = b->cache;
    p->cache_ttl = b->cache_ttl;

    return p;

refused:

    agw_ant_bad_at(err, upstream, wh, "a %s block cannot be in %s", type,
                   (allowed & AGW_ANT_IN_SYSTEM) ? "a system prompt"
                   : (allowed & AGW_ANT_IN_RESULT) ? "a tool_result"
                   : (allowed & AGW_ANT_IN_ASSISTANT) ? "an assistant turn"
                   : "a user turn");
    return NULL;
}


static int
agw_ant_read_block(agw_jr_t *r, agw_arena_t *a, unsigned allowed,
    int upstream, agw_ant_where_t *wh, agw_part_t **out, agw_error_t *err)
{
    agw_ant_block_t  b;

    memset(&b, 0, sizeof(b));

    if (agw_ant_read_members(r, a, upstream, wh, &b, err) != 0) {
        if (r->failed) {
            agw_ant_bad_json(err, upstream, r);
        }
        return -1;
    }

    *out = agw_ant_block_part(&b, a, allowed, upstream, wh, err);

    return *out == NULL ? -1 : 0;
}


int
agw_ant_read_content(agw_jr_t *r, agw_arena_t *a, unsigned allowed,
    int upstream, agw_ant_where_t *wh, agw_part_t ***tail, int *string,
    agw_error_t *err)
{
    int          rc, i, old, *idx;
    agw_part_t  *p;

    if (string != NULL) {
        *string = 0;
    }

    if (agw_jr_peek(r) == AGW_JR_STRING && !(allowed & AGW_ANT_IN_RESULT)) {
        p = agw_ant_part(a, AGW_PART_TEXT);
        if (p == NULL) {
            return -1;
        }
        if (agw_jr_string(r, &p->text) != 0) {
            agw_ant_bad_json(err, upstream, r);
            return -1;
        }
        if (string != NULL) {
            *string = 1;
        }
        **tail = p;
        *tail = &p->next;
        return 0;
    }

    rc = agw_jr_array(r);
    if (rc != 0) {
        if (rc == AGW_JR_TYPE) {
            agw_ant_bad_at(err, upstream, wh, "content must be a string or "
                           "an array of blocks");
        } else {
            agw_ant_bad_json(err, upstream, r);
        }
        return -1;
    }

    idx = (allowed & AGW_ANT_IN_RESULT) ? &wh->inner : &wh->block;
    old = *idx;

    for (i = 0; (rc = agw_jr_element(r)) == 1; i++) {
        *idx = i;

        if (agw_ant_read_block(r, a, allowed, upstream, wh, &p, err) != 0) {
            return -1;
        }

        **tail = p;
        *tail = &p->next;
    }

    *idx = old;

    if (rc < 0) {
        agw_ant_bad_json(err, upstream, r);
        return -1;
    }

    return 0;
}


/* Writing */

void
agw_ant_write_cache(agw_jw_t *w, uint8_t cache, const agw_str_t *ttl)
{
    if (cache != AGW_CACHE_CONTROL_EPHEMERAL) {
        return;
    }

    agw_ant_key(w, "cache_control");
    agw_jw_object(w);
    agw_ant_key(w, "type");
    agw_ant_lit(w, "ephemeral");

    if (ttl != NULL && agw_str_set(ttl)) {
        agw_ant_key(w, "ttl");
        agw_jw_str(w, ttl);
    }

    agw_jw_object_end(w);
}


/*
 * The writer knows whole values only; a string joined from pieces starts
 * as a value of one quote (raw), so the writer places its comma, and the
 * rest goes outside its structure.
 */
void
agw_ant_str_open(agw_jw_t *w)
{
    static const agw_str_t  quote = { "\"", 1, AGW_STR_VALUE, 0 };

    agw_jw_raw(w, &quote);
}


void
agw_ant_str_piece(agw_jw_t *w, const agw_str_t *s)
{
    if (s->kind == AGW_STR_JSON) {
        agw_jw_append(w, s->data, s->len);
    } else {
        agw_jw_escape(w, s->data, s->len);
    }
}


void
agw_ant_str_close(agw_jw_t *w)
{
    agw_jw_append(w, "\"", 1);
}


static int
agw_ant_blank(const char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') {
            return 0;
        }
    }

    return 1;
}


/* The first byte of a JSON text that is not white space. */
static int
agw_ant_first(const char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') {
            return (unsigned char) p[i];
        }
    }

    return 0;
}


int
agw_ant_write_input(agw_jw_t *w, const agw_part_t *p, agw_buf_t *tmp)
{
    agw_str_t    v;
    const char  *s;
    size_t       len;

    static const agw_str_t  empty = { "{}", 2, AGW_STR_VALUE, 0 };

    if (!agw_str_set(&p->args)) {
        agw_jw_raw(w, &empty);
        return 0;
    }

    s = p->args.data;
    len = p->args.len;

    if (p->args.kind == AGW_STR_JSON && p->args.escaped) {
        /* OpenAI's arguments: the characters of the string are the JSON */
        tmp->len = 0;
        if (agw_buf_reserve(tmp, len + 1) != 0) {
            return -1;
        }
        len = agw_str_unescape(&p->args, tmp->data);
        s = tmp->data;
    }

    if (agw_ant_blank(s, len)) {
        /* a tool without parameters streams no argument bytes */
        agw_jw_raw(w, &empty);
        return 0;
    }

    if (agw_ant_first(s, len) != '{'
        || (p->args.kind != AGW_STR_VALUE
            && agw_json_valid(s, len, NULL) != 0))
    {
        return 1;
    }

    v.data = s;
    v.len = (uint32_t) len;
    v.kind = AGW_STR_VALUE;
    v.escaped = 0;

    agw_jw_raw(w, &v);

    return 0;
}


/* "data:<media type>;base64,<data>": its two halves, when it is one. */
static int
agw_ant_data_url(const agw_str_t *url, agw_str_t *mt, agw_str_t *data)
{
    const char  *p, *end, *b64;

    if (url->len < 5 || memcmp(url->data, "data:", 5) != 0) {
        return 0;
    }

    p = url->data + 5;
    end = url->data + url->len;

    for (b64 = p; b64 + 8 <= end; b64++) {
        if (memcmp(b64, ";base64,", 8) == 0) {
            *mt = *url;
            mt->data = p;
            mt->len = (uint32_t) (b64 - p);
            *data = *url;
            data->data = b64 + 8;
            data->len = (uint32_t) (end - b64 - 8);
            return 1;
        }
    }

    return -1;
}


int
agw_ant_write_source(agw_jw_t *w, const agw_part_t *p)
{
    int        rc;
    agw_str_t  mt, data;

    if (agw_str_set(&p->data)) {
        mt = p->media_type;
        data = p->data;
        rc = 1;

    } else if (agw_str_set(&p->url)) {
        rc = agw_ant_data_url(&p->url, &mt, &data);
        if (rc < 0) {
            /* Anthropic takes no other encoding than base64 */
            return 1;
        }

    } else {
        /* a file id of another provider means nothing at Anthropic */
        return 1;
    }

    agw_ant_key(w, "source");
    agw_jw_object(w);
    agw_ant_key(w, "type");

    if (rc == 1) {
        agw_ant_lit(w, "base64");
        agw_ant_key(w, "media_type");
        if (agw_str_set(&mt)) {
            agw_jw_str(w, &mt);
        } else {
            agw_ant_lit(w, "application/octet-stream");
        }
        agw_ant_key(w, "data");
        agw_jw_str(w, &data);

    } else {
        agw_ant_lit(w, "url");
        agw_ant_key(w, "url");
        agw_jw_str(w, &p->url);
    }

    agw_jw_object_end(w);

    return 0;
}
