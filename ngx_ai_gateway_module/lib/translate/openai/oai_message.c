/*
 * OpenAI Chat messages to and from the intermediate form: the content
 * parts, and an assistant message's members (reasoning, thinking_blocks,
 * refusal, tool_calls), which a request's assistant turn and an answer's
 * message share.  The gateway's extensions of the format are read here
 * (docs/translation.md, "The hub"): reasoning_content (DeepSeek, vLLM)
 * and reasoning (OpenRouter) as thinking, thinking_blocks (LiteLLM's
 * name) for Anthropic's signed and redacted blocks, and
 * tool_calls[].extra_content.google.thought_signature (Google's own
 * OpenAI-compatible endpoint) for Gemini's thought signatures.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE               /* memmem */
#endif
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oai_int.h"


/* The path's text, as it was appended step by step (a name cut at 30
 * bytes, the whole at 95). */
static void
agw_oai_path_text(const agw_oai_rctx_t *c, char *buf, size_t size)
{
    char      piece[32], *d;
    size_t    s, len, n;
    uint64_t  v;

    len = 0;

    for (s = 0; s < c->depth && s < AGW_OAI_PATH_MAX; s++) {
        if (c->path[s].name != NULL) {
            d = piece;
            n = strlen(c->path[s].name);

            if (len) {
                *d++ = '.';
            }

            if (n > sizeof(piece) - 2) {
                n = sizeof(piece) - 2;
            }

            d = (char *) memcpy(d, c->path[s].name, n) + n;

        } else {
            v = (uint64_t) (c->path[s].i < 0 ? 0 : c->path[s].i);
            d = piece;
            *d++ = '[';
            d = agw_str_decimal(d, v);
            *d++ = ']';
        }

        n = (size_t) (d - piece);

        if (n > size - 1 - len) {
            n = size - 1 - len;
        }

        memcpy(buf + len, piece, n);
        len += n;
    }

    buf[len] = '\0';
}


int
agw_oai_bad(agw_oai_rctx_t *c, const char *field, const char *fmt, ...)
{
    char     msg[384], path[96];
    va_list  ap;

    va_start(ap, fmt);
    (void) vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    agw_oai_path_text(c, path, sizeof(path));

    if (c->provider) {
        agw_error_set(c->err, AGW_ERR_BAD_GATEWAY, 0, "invalid_upstream_body",
                      "the openai upstream answered an invalid body: "
                      "%s%s%s: %s", path, path[0] && field[0] ? "." : "",
                      field, msg);

    } else {
        agw_error_set(c->err, AGW_ERR_INVALID_REQUEST, 0, "invalid_request",
                      "%s%s%s: %s", path, path[0] && field[0] ? "." : "",
                      field, msg);
    }

    return -1;
}


int
agw_oai_fail(agw_oai_rctx_t *c, agw_jr_t *r, const char *field, int rc)
{
    if (r->failed) {
        if (c->provider) {
            agw_error_set(c->err, AGW_ERR_BAD_GATEWAY, 0,
                          "invalid_upstream_body",
                          "the openai upstream answered a body that is not "
                          "JSON (at byte %zu)", r->errpos);
        } else {
            agw_error_set(c->err, AGW_ERR_INVALID_REQUEST, 0,
                          "invalid_json", "the request body is not valid "
                          "JSON (at byte %zu)", r->errpos);
        }
        return -1;
    }

    if (rc == AGW_JR_TYPE) {
        return agw_oai_bad(c, field, "wrong type");
    }

    /* out of memory: err->cls stays AGW_ERR_NONE */
    return -1;
}


/*
 * Appends "[i]" or ".name" to the path; returns the old depth.  Only the
 * step is kept: its text is made for an error (agw_oai_bad()).
 */
size_t
agw_oai_path_push(agw_oai_rctx_t *c, const char *name, int64_t i)
{
    size_t  d;

    d = c->depth;

    if (d < AGW_OAI_PATH_MAX) {
        c->path[d].name = name;
        c->path[d].i = i;
    }

    c->depth = d + 1;

    return d;
}


static agw_part_t *
agw_oai_part_new(agw_oai_rctx_t *c, agw_part_type_t type)
{
    agw_part_t  *p;

    p = agw_arena_calloc(c->arena, sizeof(agw_part_t));
    if (p != NULL) {
        p->type = type;
    }

    return p;
}


/* A string member, or null (left unset).  0 or -1. */
int
agw_oai_read_str(agw_oai_rctx_t *c, agw_jr_t *r, const char *field,
    agw_str_t *s)
{
    int  rc;

    rc = agw_jr_string(r, s);
    if (rc == AGW_JR_TYPE && agw_jr_null(r) == 0) {
        s->data = NULL;
        return 0;
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, field, rc);
}


/* A sub-slice of a JSON-kind string, its escape flag its own. */
static agw_str_t
agw_oai_slice(const agw_str_t *s, const char *from, const char *to)
{
    agw_str_t  v;

    v.data = from;
    v.len = (uint32_t) (to - from);
    v.kind = s->kind;
    v.escaped = s->escaped && memchr(from, '\\', v.len) != NULL;

    return v;
}


/*
 * A data URL, "data:<media type>;base64,<data>", into p's data and
 * media_type; any other URL stays a URL.  The URL is a JSON string as it
 * came: an escaped "\/" in the media type or the data stays escaped in
 * the slices, which are valid JSON string insides still.
 */
static void
agw_oai_data_url(const agw_str_t *url, agw_part_t *p)
{
    const char  *s, *e, *b;

    s = url->data;
    e = s + url->len;

    if (url->len > 5 && memcmp(s, "data:", 5) == 0) {
        b = memmem(s + 5, (size_t) (e - s - 5), ";base64,", 8);
        if (b != NULL) {
            p->media_type = agw_oai_slice(url, s + 5, b);
            p->data = agw_oai_slice(url, b + 8, e);
            return;
        }
    }

    p->url = *url;
}


/* cache_control: {"type":"ephemeral","ttl":"1h"} (LiteLLM's convention
 * for Anthropic's breakpoints on OpenAI parts and tools). */
int
agw_oai_read_cache_control(agw_oai_rctx_t *c, agw_jr_t *r, uint8_t *cache,
    agw_str_t *ttl)
{
    int        rc;
    agw_str_t  key, type;

    if (agw_jr_peek(r) == AGW_JR_NULL) {
        return agw_jr_null(r) == 0 ? 0 : agw_oai_fail(c, r, "", -1);
    }

    rc = agw_jr_object(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "cache_control", rc);
    }

    type.data = NULL;

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "type")) {
            rc = agw_jr_string(r, &type);
        } else if (agw_oai_is(&key, "ttl")) {
            rc = agw_jr_string(r, ttl);
        } else {
            rc = agw_jr_value(r, NULL);
        }

        if (rc != 0) {
            return agw_oai_fail(c, r, "cache_control", rc);
        }
    }

    if (rc < 0) {
        return agw_oai_fail(c, r, "cache_control", rc);
    }

    if (agw_str_set(&type) && agw_oai_is(&type, "ephemeral")) {
        *cache = AGW_CACHE_CONTROL_EPHEMERAL;
    }

    return 0;
}


/* The members of a nested object, each a string: "image_url": {"url",
 * "detail"}, "input_audio": {"data", "format"}, "file": {"file_data",
 * "file_id", "filename"}.  names[i] goes to vals[i]. */
static int
agw_oai_read_strs(agw_oai_rctx_t *c, agw_jr_t *r, const char *field,
    const char *const *names, agw_str_t *vals, int n)
{
    int        i, rc;
    agw_str_t  key;

    rc = agw_jr_object(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, field, rc);
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        for (i = 0; i < n; i++) {
            if (agw_str_eq(&key, names[i], strlen(names[i]))) {
                break;
            }
        }

        if (i < n) {
            rc = agw_oai_read_str(c, r, names[i], &vals[i]);
            if (rc != 0) {
                return -1;
            }
            continue;
        }

        rc = agw_jr_value(r, NULL);
        if (rc != 0) {
            return agw_oai_fail(c, r, field, rc);
        }
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, field, rc);
}


/*
 * One content part: text, image_url, input_audio, file, refusal; any
 * other type is kept whole (OTHER) for an OpenAI provider, and refused by
 * the writers of dialects that cannot say it.
 */
static agw_part_t *
agw_oai_read_part(agw_oai_rctx_t *c, agw_jr_t *r)
{
    int                 rc;
    size_t              start;
    uint8_t             cache;
    agw_str_t           key, type, text, ttl, v[3];
    agw_part_t         *p;
    agw_part_type_t     pt;
    static const char  *image[] = { "url", "detail" };
    static const char  *audio[] = { "data", "format" };
    static const char  *file[] = { "file_data", "file_id", "filename" };

    (void) agw_jr_peek(r);
    start = agw_jr_offset(r);

    rc = agw_jr_object(r);
    if (rc != 0) {
        (void) agw_oai_fail(c, r, "", rc);
        return NULL;
    }

    type.data = NULL;
    text.data = NULL;
    ttl.data = NULL;
    cache = AGW_CACHE_CONTROL_NONE;
    pt = 0;
    memset(v, 0, sizeof(v));

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "type")) {
            rc = agw_jr_string(r, &type);
            if (rc != 0) {
                (void) agw_oai_fail(c, r, "type", rc);
                return NULL;
            }

        } else if (agw_oai_is(&key, "text") || agw_oai_is(&key, "refusal")) {
            if (agw_oai_read_str(c, r, key.data[0] == 't' ? "text"
                                                          : "refusal",
                                 &text) != 0)
            {
                return NULL;
            }

        } else if (agw_oai_is(&key, "image_url")) {
            pt = AGW_PART_IMAGE;
            if (agw_jr_peek(r) == AGW_JR_STRING) {
                if (agw_jr_string(r, &v[0]) != 0) {
                    (void) agw_oai_fail(c, r, "image_url", -1);
                    return NULL;
                }
            } else if (agw_oai_read_strs(c, r, "image_url", image, v, 2)
                       != 0)
            {
                return NULL;
            }

        } else if (agw_oai_is(&key, "input_audio")) {
            pt = AGW_PART_AUDIO;
            if (agw_oai_read_strs(c, r, "input_audio", audio, v, 2) != 0) {
                return NULL;
            }

        } else if (agw_oai_is(&key, "file")) {
            pt = AGW_PART_DOCUMENT;
            if (agw_oai_read_strs(c, r, "file", file, v, 3) != 0) {
                return NULL;
            }

        } else if (agw_oai_is(&key, "cache_control")) {
            if (agw_oai_read_cache_control(c, r, &cache, &ttl) != 0) {
                return NULL;
            }

        } else {
            rc = agw_jr_value(r, NULL);
            if (rc != 0) {
                (void) agw_oai_fail(c, r, "", rc);
                return NULL;
            }
        }
    }

    if (rc < 0) {
        (void) agw_oai_fail(c, r, "", rc);
        return NULL;
    }

    if (!agw_str_set(&type)) {
        (void) agw_oai_bad(c, "type", "required");
        return NULL;
    }

    if (agw_oai_is(&type, "text") || agw_oai_is(&type, "refusal")) {
        if (!agw_str_set(&text)) {
            (void) agw_oai_bad(c, type.data[0] == 't' ? "text" : "refusal",
                               "required");
            return NULL;
        }

        p = agw_oai_part_new(c, type.data[0] == 't' ? AGW_PART_TEXT
                                                    : AGW_PART_REFUSAL);
        if (p == NULL) {
            return NULL;
        }

        p->text = text;

    } else if (agw_oai_is(&type, "image_url") && pt == AGW_PART_IMAGE) {
        if (!agw_str_set(&v[0])) {
            (void) agw_oai_bad(c, "image_url.url", "required");
            return NULL;
        }

        p = agw_oai_part_new(c, AGW_PART_IMAGE);
        if (p == NULL) {
            return NULL;
        }

        agw_oai_data_url(&v[0], p);
        p->format = v[1];

    } else if (agw_oai_is(&type, "input_audio") && pt == AGW_PART_AUDIO) {
        if (!agw_str_set(&v[0])) {
            (void) agw_oai_bad(c, "input_audio.data", "required");
            return NULL;
        }

        p = agw_oai_part_new(c, AGW_PART_AUDIO);
        if (p == NULL) {
            return NULL;
        }

        p->data = v[0];
        p->format = v[1];

    } else if (agw_oai_is(&type, "file") && pt == AGW_PART_DOCUMENT) {
        if (!agw_str_set(&v[0]) && !agw_str_set(&v[1])) {
            (void) agw_oai_bad(c, "file", "file_data or file_id required");
            return NULL;
        }

        p = agw_oai_part_new(c, AGW_PART_DOCUMENT);
        if (p == NULL) {
            return NULL;
        }

        if (agw_str_set(&v[0])) {
            agw_oai_data_url(&v[0], p);
        }
        p->file_id = v[1];
        p->name = v[2];

    } else if (agw_oai_is(&type, "text") || agw_oai_is(&type, "image_url")
               || agw_oai_is(&type, "input_audio")
               || agw_oai_is(&type, "file"))
    {
        (void) agw_oai_bad(c, "", "a \"%.*s\" part without its member",
                           (int) (type.len > 32 ? 32 : type.len), type.data);
        return NULL;

    } else {
        p = agw_oai_part_new(c, AGW_PART_OTHER);
        if (p == NULL) {
            return NULL;
        }

        p->raw.data = r->start + start;
        p->raw.len = (uint32_t) (agw_jr_offset(r) - start);
        p->raw.kind = AGW_STR_VALUE;
        p->dialect = AGW_DIALECT_OPENAI;
        p->name = type;
    }

    p->cache = cache;
    p->cache_ttl = ttl;

    return p;
}


int
agw_oai_read_content(agw_oai_rctx_t *c, agw_jr_t *r, agw_part_t **parts,
    uint8_t *string)
{
    int          rc;
    size_t       len, base;
    int64_t      i;
    agw_part_t  *p, **last;

    *parts = NULL;
    *string = 0;

    switch (agw_jr_peek(r)) {

    case AGW_JR_NULL:
        return agw_jr_null(r) == 0 ? 0 : agw_oai_fail(c, r, "content", -1);

    case AGW_JR_STRING:
        p = agw_oai_part_new(c, AGW_PART_TEXT);
        if (p == NULL) {
            return -1;
        }

        rc = agw_jr_string(r, &p->text);
        if (rc != 0) {
            return agw_oai_fail(c, r, "content", rc);
        }

        *parts = p;
        *string = 1;
        return 0;

    case AGW_JR_ARRAY:
        break;

    default:
        if (agw_jr_peek(r) == AGW_JR_NONE) {
            return agw_oai_fail(c, r, "content", agw_jr_value(r, NULL));
        }
        return agw_oai_bad(c, "content", "must be a string or an array");
    }

    if (agw_jr_array(r) != 0) {
        return agw_oai_fail(c, r, "content", -1);
    }

    last = parts;
    len = agw_oai_path_push(c, "content", 0);
    base = c->depth;

    for (i = 0; (rc = agw_jr_element(r)) == 1; i++) {
        (void) agw_oai_path_push(c, NULL, i);

        p = agw_oai_read_part(c, r);
        if (p == NULL) {
            return -1;
        }

        agw_oai_path_pop(c, base);
        *last = p;
        last = &p->next;
    }

    agw_oai_path_pop(c, len);

    return rc == 0 ? 0 : agw_oai_fail(c, r, "content", rc);
}


/* "extra_content": {"google": {"thought_signature": "..."}} */
int
agw_oai_read_extra(agw_oai_rctx_t *c, agw_jr_t *r, agw_str_t *sig)
{
    int        rc;
    agw_str_t  key;

    if (agw_jr_peek(r) != AGW_JR_OBJECT) {
        rc = agw_jr_value(r, NULL);
        return rc == 0 ? 0 : agw_oai_fail(c, r, "extra_content", rc);
    }

    if (agw_jr_object(r) != 0) {
        return agw_oai_fail(c, r, "extra_content", -1);
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "google") && agw_jr_peek(r) == AGW_JR_OBJECT) {
            if (agw_jr_object(r) != 0) {
                return agw_oai_fail(c, r, "extra_content", -1);
            }

            while ((rc = agw_jr_member(r, &key)) == 1) {
                if (agw_oai_is(&key, "thought_signature")) {
                    if (agw_oai_read_str(c, r, "extra_content.google."
                                         "thought_signature", sig) != 0)
                    {
                        return -1;
                    }
                } else if (agw_jr_value(r, NULL) != 0) {
                    return agw_oai_fail(c, r, "extra_content", -1);
                }
            }

            if (rc < 0) {
                return agw_oai_fail(c, r, "extra_content", rc);
            }

        } else if (agw_jr_value(r, NULL) != 0) {
            return agw_oai_fail(c, r, "extra_content", -1);
        }
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, "extra_content", rc);
}


/* "function": {"name", "arguments"}: arguments a string holding JSON
 * text, or (some clients) the object itself. */
static int
agw_oai_read_function(agw_oai_rctx_t *c, agw_jr_t *r, agw_part_t *p)
{
    int        rc;
    agw_str_t  key;

    rc = agw_jr_object(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "function", rc);
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "name")) {
            if (agw_oai_read_str(c, r, "function.name", &p->name) != 0) {
                return -1;
            }

        } else if (agw_oai_is(&key, "arguments")) {
            switch (agw_jr_peek(r)) {
            case AGW_JR_STRING:
                rc = agw_jr_string(r, &p->args);
                p->args_string = 1;
                break;
            case AGW_JR_OBJECT:
                rc = agw_jr_value(r, &p->args);
                p->args_string = 0;
                break;
            case AGW_JR_NULL:
                rc = agw_jr_null(r);
                break;
            default:
                rc = agw_jr_value(r, NULL);
                if (rc == 0) {
                    return agw_oai_bad(c, "function.arguments",
                                       "must be a string");
                }
            }

            if (rc != 0) {
                return agw_oai_fail(c, r, "function.arguments", rc);
            }

        } else if (agw_jr_value(r, NULL) != 0) {
            return agw_oai_fail(c, r, "function", -1);
        }
    }

    return rc == 0 ? 0 : agw_oai_fail(c, r, "function", rc);
}


static agw_part_t *
agw_oai_read_call(agw_oai_rctx_t *c, agw_jr_t *r)
{
    int          rc;
    agw_str_t    key, type;
    agw_part_t  *p;

    p = agw_oai_part_new(c, AGW_PART_TOOL_CALL);
    if (p == NULL) {
        return NULL;
    }

    p->args_string = 1;
    type.data = NULL;

    rc = agw_jr_object(r);
    if (rc != 0) {
        (void) agw_oai_fail(c, r, "", rc);
        return NULL;
    }

    while ((rc = agw_jr_member(r, &key)) == 1) {
        if (agw_oai_is(&key, "id")) {
            rc = agw_oai_read_str(c, r, "id", &p->id);

        } else if (agw_oai_is(&key, "type")) {
            rc = agw_oai_read_str(c, r, "type", &type);

        } else if (agw_oai_is(&key, "function")) {
            rc = agw_oai_read_function(c, r, p);

        } else if (agw_oai_is(&key, "extra_content")) {
            rc = agw_oai_read_extra(c, r, &p->signature);

        } else {
            rc = agw_jr_value(r, NULL);
            if (rc != 0) {
                rc = agw_oai_fail(c, r, "", rc);
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

    if (agw_str_set(&type) && !agw_oai_is(&type, "function")) {
        (void) agw_oai_bad(c, "type", "only function tool calls can be "
                           "translated");
        return NULL;
    }

    if (!agw_str_set(&p->id) || !agw_str_set(&p->name)) {
        (void) agw_oai_bad(c, "", "a tool call needs id and function.name");
        return NULL;
    }

    if (!agw_str_set(&p->args)) {
        p->args = (agw_str_t) { "", 0, AGW_STR_JSON, 0 };
        p->args_string = 1;
    }

    return p;
}


/*
 * The text of unsigned thinking entries joined to the next entry (a
 * client that kept a stream's thinking_blocks fragments as they came):
 * the concatenation of JSON string insides is one.
 */
static int
agw_oai_join(agw_oai_rctx_t *c, agw_str_t *acc, const agw_str_t *s)
{
    char  *p;

    if (!agw_str_set(acc) || acc->len == 0) {
        *acc = *s;
        return 0;
    }

    if (s->len == 0) {
        return 0;
    }

    p = agw_arena_alloc(c->arena, (size_t) acc->len + s->len);
    if (p == NULL) {
        return -1;
    }

    memcpy(p, acc->data, acc->len);
    memcpy(p + acc->len, s->data, s->len);

    acc->data = p;
    acc->len += s->len;
    acc->escaped |= s->escaped;

    return 0;
}


/* thinking_blocks: [{"type":"thinking","thinking","signature"},
 * {"type":"redacted_thinking","data"}]; other types are skipped. */
static int
agw_oai_read_thinking(agw_oai_rctx_t *c, agw_jr_t *r, agw_oai_assistant_t *m)
{
    int          rc;
    agw_str_t    key, type, text, sig, data, acc;
    agw_part_t  *p;

    rc = agw_jr_array(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "thinking_blocks", rc);
    }

    acc.data = NULL;

    while ((rc = agw_jr_element(r)) == 1) {
        rc = agw_jr_object(r);
        if (rc != 0) {
            return agw_oai_fail(c, r, "thinking_blocks", rc);
        }

        type.data = NULL;
        text.data = NULL;
        sig.data = NULL;
        data.data = NULL;

        while ((rc = agw_jr_member(r, &key)) == 1) {
            if (agw_oai_is(&key, "type")) {
                rc = agw_oai_read_str(c, r, "thinking_blocks.type", &type);
            } else if (agw_oai_is(&key, "thinking")) {
                rc = agw_oai_read_str(c, r, "thinking_blocks.thinking",
                                      &text);
            } else if (agw_oai_is(&key, "signature")) {
                rc = agw_oai_read_str(c, r, "thinking_blocks.signature",
                                      &sig);
            } else if (agw_oai_is(&key, "data")) {
                rc = agw_oai_read_str(c, r, "thinking_blocks.data", &data);
            } else {
                rc = agw_jr_value(r, NULL);
                if (rc != 0) {
                    rc = agw_oai_fail(c, r, "thinking_blocks", rc);
                }
            }

            if (rc != 0) {
                return -1;
            }
        }

        if (rc < 0) {
            return agw_oai_fail(c, r, "thinking_blocks", rc);
        }

        if (!agw_str_set(&type)) {
            continue;
        }

        if (agw_oai_is(&type, "thinking")) {
            if (agw_str_set(&text) && agw_oai_join(c, &acc, &text) != 0) {
                return -1;
            }

            if (!agw_str_set(&sig) || sig.len == 0) {
                continue;
            }

            p = agw_oai_part_new(c, AGW_PART_THINKING);
            if (p == NULL) {
                return -1;
            }

            p->text = agw_str_set(&acc) ? acc
                                        : (agw_str_t) { "", 0, 0, 0 };
            p->signature = sig;
            acc.data = NULL;

        } else if (agw_oai_is(&type, "redacted_thinking")
                   && agw_str_set(&data))
        {
            p = agw_oai_part_new(c, AGW_PART_REDACTED_THINKING);
            if (p == NULL) {
                return -1;
            }

            p->data = data;

        } else {
            continue;
        }

        if (m->thinking_last != NULL) {
            m->thinking_last->next = p;
        } else {
            m->thinking = p;
        }
        m->thinking_last = p;
    }

    if (rc < 0) {
        return agw_oai_fail(c, r, "thinking_blocks", rc);
    }

    if (agw_str_set(&acc) && acc.len > 0) {
        /* text no signature followed: thinking from elsewhere, kept
         * unsigned (a writer that needs a signature drops it) */
        p = agw_oai_part_new(c, AGW_PART_THINKING);
        if (p == NULL) {
            return -1;
        }

        p->text = acc;

        if (m->thinking_last != NULL) {
            m->thinking_last->next = p;
        } else {
            m->thinking = p;
        }
        m->thinking_last = p;
    }

    return 0;
}


int
agw_oai_read_assistant_member(agw_oai_rctx_t *c, agw_jr_t *r,
    const agw_str_t *key, agw_oai_assistant_t *m)
{
    int          rc;
    size_t       len, base;
    int64_t      i;
    agw_str_t    s;
    agw_part_t  *p;

    if (agw_oai_is(key, "reasoning_content")
        || agw_oai_is(key, "reasoning"))
    {
        /* reasoning_content wins over reasoning whatever their order;
         * OpenRouter's reasoning may be an object: ignored */
        if (agw_jr_peek(r) != AGW_JR_STRING) {
            rc = agw_jr_value(r, NULL);
            return rc == 0 ? 1 : agw_oai_fail(c, r, "reasoning", rc);
        }

        if (agw_jr_string(r, &s) != 0) {
            return agw_oai_fail(c, r, "reasoning", -1);
        }

        if (key->len == sizeof("reasoning_content") - 1) {
            m->reasoning = s;
            m->reasoning_content = 1;

        } else if (!m->reasoning_content) {
            m->reasoning = s;
        }

        return 1;
    }

    if (agw_oai_is(key, "thinking_blocks")) {
        if (agw_jr_peek(r) == AGW_JR_NULL) {
            return agw_jr_null(r) == 0 ? 1 : agw_oai_fail(c, r, "", -1);
        }
        return agw_oai_read_thinking(c, r, m) == 0 ? 1 : -1;
    }

    if (agw_oai_is(key, "refusal")) {
        if (agw_oai_read_str(c, r, "refusal", &s) != 0) {
            return -1;
        }

        if (agw_str_set(&s)) {
            p = agw_oai_part_new(c, AGW_PART_REFUSAL);
            if (p == NULL) {
                return -1;
            }
            p->text = s;
            m->refusal = p;
        }

        return 1;
    }

    if (agw_oai_is(key, "extra_content")) {
        return agw_oai_read_extra(c, r, &m->signature) == 0 ? 1 : -1;
    }

    if (!agw_oai_is(key, "tool_calls")) {
        return 0;
    }

    if (agw_jr_peek(r) == AGW_JR_NULL) {
        return agw_jr_null(r) == 0 ? 1 : agw_oai_fail(c, r, "", -1);
    }

    rc = agw_jr_array(r);
    if (rc != 0) {
        return agw_oai_fail(c, r, "tool_calls", rc);
    }

    len = agw_oai_path_push(c, "tool_calls", 0);
    base = c->depth;

    for (i = 0; (rc = agw_jr_element(r)) == 1; i++) {
        (void) agw_oai_path_push(c, NULL, i);

        p = agw_oai_read_call(c, r);
        if (p == NULL) {
            return -1;
        }

        agw_oai_path_pop(c, base);

        if (m->calls_last != NULL) {
            m->calls_last->next = p;
        } else {
            m->calls = p;
        }
        m->calls_last = p;
    }

    agw_oai_path_pop(c, len);

    return rc == 0 ? 1 : agw_oai_fail(c, r, "tool_calls", rc);
}


/*
 * The parts of an assistant message in the order a turn has them:
 * thinking (thinking_blocks, else reasoning text unsigned), content,
 * refusal, tool calls.  NULL when it has none (and when out of memory:
 * the caller tells by err).
 */
agw_part_t *
agw_oai_assistant_parts(agw_oai_rctx_t *c, agw_oai_assistant_t *m)
{
    agw_part_t  *head, **last, *p, *text;

    head = NULL;
    text = NULL;
    last = &head;

    if (m->thinking != NULL) {
        *last = m->thinking;
        last = &m->thinking_last->next;

    } else if (agw_str_set(&m->reasoning) && m->reasoning.len > 0) {
        p = agw_oai_part_new(c, AGW_PART_THINKING);
        if (p == NULL) {
            return NULL;
        }
        p->text = m->reasoning;
        *last = p;
        last = &p->next;
    }

    for (p = m->content; p != NULL; p = p->next) {
        *last = p;
        last = &p->next;

        /* the message's thought signature rode on its last text (Google's
         * OpenAI endpoint, and the gateway's answers) */
        if (p->type == AGW_PART_TEXT && agw_str_set(&m->signature)) {
            text = p;
        }
    }

    if (text != NULL) {
        text->signature = m->signature;
    }

    if (m->refusal != NULL) {
        *last = m->refusal;
        last = &m->refusal->next;
    }

    *last = m->calls;

    return head;
}


/* Writing */

void
agw_oai_write_joined(agw_jw_t *w, const agw_part_t *parts,
    agw_part_type_t type)
{
    int                n;
    agw_str_t          q = { "\"", 1, AGW_STR_VALUE, 0 };
    const agw_part_t  *p, *one;

    n = 0;
    one = NULL;

    for (p = parts; p != NULL; p = p->next) {
        if (p->type == type) {
            n++;
            one = p;
        }
    }

    if (n == 0) {
        agw_jw_null(w);
        return;
    }

    if (n == 1) {
        agw_jw_str(w, &one->text);
        return;
    }

    /* the opening quote as a value (the writer puts the comma), the
     * insides appended, the closing quote */
    agw_jw_raw(w, &q);

    for (p = parts; p != NULL; p = p->next) {
        if (p->type != type) {
            continue;
        }

        if (p->text.kind == AGW_STR_JSON) {
            agw_jw_append(w, p->text.data, p->text.len);
        } else {
            agw_jw_escape(w, p->text.data, p->text.len);
        }
    }

    agw_jw_append(w, "\"", 1);
}


/* A tool call's arguments as OpenAI's string of JSON text: a string's
 * inside copied (empty stays empty: a tool without parameters), an
 * object's text (VALUE) made into one. */
static void
agw_oai_write_args(agw_jw_t *w, const agw_part_t *p)
{
    agw_str_t  q = { "\"", 1, AGW_STR_VALUE, 0 };

    if (!agw_str_set(&p->args)) {
        agw_oai_lit(w, "{}");
        return;
    }

    if (p->args.kind == AGW_STR_VALUE) {
        /* the opening quote as the value (the writer places it) */
        agw_jw_raw(w, &q);
        agw_jw_value_inside(w, &p->args);
        agw_jw_append(w, "\"", 1);
        return;
    }

    agw_jw_str(w, &p->args);
}


/* "extra_content": {"google": {"thought_signature": sig}} */
static void
agw_oai_write_signature(agw_jw_t *w, const agw_str_t *sig)
{
    agw_jw_key(w, "extra_content");
    agw_jw_object(w);
    agw_jw_key(w, "google");
    agw_jw_object(w);
    agw_jw_key(w, "thought_signature");
    agw_jw_str(w, sig);
    agw_jw_object_end(w);
    agw_jw_object_end(w);
}


void
agw_oai_write_assistant(agw_jw_t *w, const agw_part_t *parts, int ext)
{
    int                calls, thinking, text, refusal;
    const agw_str_t   *sig;
    const agw_part_t  *p;

    calls = 0;
    thinking = 0;
    text = 0;
    refusal = 0;

    for (p = parts; p != NULL; p = p->next) {
        switch (p->type) {
        case AGW_PART_TOOL_CALL:
            calls++;
            break;
        case AGW_PART_THINKING:
        case AGW_PART_REDACTED_THINKING:
            thinking++;
            break;
        case AGW_PART_TEXT:
            text++;
            break;
        case AGW_PART_REFUSAL:
            refusal++;
            break;
        default:
            break;
        }
    }

    /* no text: null beside tool calls or a refusal, as OpenAI answers */
    agw_jw_key(w, "content");

    if (text == 0 && (calls > 0 || refusal > 0)) {
        agw_jw_null(w);
    } else if (text == 0) {
        agw_oai_lit(w, "");
    } else {
        agw_oai_write_joined(w, parts, AGW_PART_TEXT);
    }

    if (refusal > 0) {
        agw_jw_key(w, "refusal");
        agw_oai_write_joined(w, parts, AGW_PART_REFUSAL);
    }

    /* a Gemini thought signature on a text part: on the message, where
     * Google's OpenAI endpoint puts it (the last one: the texts are
     * joined into one content) */
    sig = NULL;
    for (p = parts; ext && p != NULL; p = p->next) {
        if (p->type == AGW_PART_TEXT && agw_str_set(&p->signature)) {
            sig = &p->signature;
        }
    }

    if (sig != NULL) {
        agw_oai_write_signature(w, sig);
    }

    if (ext && thinking) {
        for (p = parts; p != NULL; p = p->next) {
            if (p->type == AGW_PART_THINKING) {
                agw_jw_key(w, "reasoning_content");
                agw_oai_write_joined(w, parts, AGW_PART_THINKING);
                break;
            }
        }

        agw_jw_key(w, "thinking_blocks");
        agw_jw_array(w);

        for (p = parts; p != NULL; p = p->next) {
            if (p->type == AGW_PART_THINKING) {
                agw_jw_object(w);
                agw_jw_key(w, "type");
                agw_oai_lit(w, "thinking");
                agw_jw_key(w, "thinking");
                agw_jw_str(w, &p->text);
                if (agw_str_set(&p->signature)) {
                    agw_jw_key(w, "signature");
                    agw_jw_str(w, &p->signature);
                }
                agw_jw_object_end(w);

            } else if (p->type == AGW_PART_REDACTED_THINKING) {
                agw_jw_object(w);
                agw_jw_key(w, "type");
                agw_oai_lit(w, "redacted_thinking");
                agw_jw_key(w, "data");
                agw_jw_str(w, &p->data);
                agw_jw_object_end(w);
            }
        }

        agw_jw_array_end(w);
    }

    if (calls == 0) {
        return;
    }

    agw_jw_key(w, "tool_calls");
    agw_jw_array(w);

    for (p = parts; p != NULL; p = p->next) {
        if (p->type != AGW_PART_TOOL_CALL) {
            continue;
        }

        agw_jw_object(w);
        agw_jw_key(w, "id");
        agw_jw_str(w, &p->id);
        agw_jw_key(w, "type");
        agw_oai_lit(w, "function");
        agw_jw_key(w, "function");
        agw_jw_object(w);
        agw_jw_key(w, "name");
        agw_jw_str(w, &p->name);
        agw_jw_key(w, "arguments");
        agw_oai_write_args(w, p);
        agw_jw_object_end(w);

        if (ext && agw_str_set(&p->signature)) {
            agw_oai_write_signature(w, &p->signature);
        }

        agw_jw_object_end(w);
    }

    agw_jw_array_end(w);
}
