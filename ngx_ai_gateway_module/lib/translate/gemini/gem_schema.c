/*
 * Gemini's `parameters` and `responseSchema` are an OpenAPI 3.0 subset
 * with upper-case type names and `nullable`; JSON Schema, which every
 * other dialect takes, spells them "object" and ["string","null"].
 * propertyOrdering has no JSON Schema meaning.  The conversion is one walk
 * of the schema's text with the reader, written with the writer.
 */

#include <string.h>

#include "gem_int.h"


static void agw_gem_schema_value(agw_jr_t *r, agw_jw_t *w);


/* Whether the object r is at the start of has "nullable": true; r is a
 * copy, the caller's reader does not move. */
static int
agw_gem_schema_nullable(agw_jr_t r)
{
    int        v;
    agw_str_t  key;

    if (agw_jr_object(&r) != 0) {
        return 0;
    }

    while (agw_jr_member(&r, &key) == 1) {
        if (agw_gem_is(&key, "nullable") && agw_jr_bool(&r, &v) == 0) {
            if (v) {
                return 1;
            }
            continue;
        }
        if (agw_jr_value(&r, NULL) != 0) {
            return 0;
        }
    }

    return 0;
}


static void
agw_gem_schema_type(agw_jr_t *r, agw_jw_t *w, const agw_str_t *key,
    int nullable)
{
    int        n, i;
    char       lower[32];
    agw_str_t  type, raw, s;

    if (agw_jr_string(r, &type) != 0) {
        agw_jr_value(r, &raw);
        agw_jw_key_str(w, key);
        agw_jw_raw(w, &raw);
        return;
    }

    if (agw_gem_is(&type, "TYPE_UNSPECIFIED")) {
        return;
    }

    n = agw_str_decode(&type, lower, sizeof(lower));
    if (n < 0) {
        agw_jw_key_str(w, key);
        agw_jw_str(w, &type);
        return;
    }

    for (i = 0; i < n; i++) {
        if (lower[i] >= 'A' && lower[i] <= 'Z') {
            lower[i] = (char) (lower[i] - 'A' + 'a');
        }
    }

    s = agw_str_bytes(lower, (size_t) n);

    agw_jw_key_str(w, key);
    if (nullable) {
        agw_jw_array(w);
        agw_jw_str(w, &s);
        agw_jw_lit(w, "null");
        agw_jw_array_end(w);
    } else {
        agw_jw_str(w, &s);
    }
}


static void
agw_gem_schema_object(agw_jr_t *r, agw_jw_t *w)
{
    int        nullable;
    agw_str_t  key, raw;

    nullable = agw_gem_schema_nullable(*r);

    agw_jr_object(r);
    agw_jw_object(w);

    while (agw_jr_member(r, &key) == 1) {
        if (agw_gem_is(&key, "propertyOrdering")
            || agw_gem_is(&key, "nullable"))
        {
            agw_jr_value(r, NULL);

        } else if (agw_gem_is(&key, "type")) {
            agw_gem_schema_type(r, w, &key, nullable);

        } else if (agw_gem_is(&key, "properties")
                   && agw_jr_peek(r) == AGW_JR_OBJECT)
        {
            agw_jw_key_str(w, &key);
            agw_jr_object(r);
            agw_jw_object(w);
            while (agw_jr_member(r, &key) == 1) {
                agw_jw_key_str(w, &key);
                agw_gem_schema_value(r, w);
            }
            agw_jw_object_end(w);

        } else if (agw_gem_is(&key, "items") || agw_gem_is(&key, "anyOf")) {
            agw_jw_key_str(w, &key);
            agw_gem_schema_value(r, w);

        } else {
            agw_jr_value(r, &raw);
            agw_jw_key_str(w, &key);
            agw_jw_raw(w, &raw);
        }
    }

    agw_jw_object_end(w);
}


static void
agw_gem_schema_value(agw_jr_t *r, agw_jw_t *w)
{
    agw_str_t  raw;

    switch (agw_jr_peek(r)) {

    case AGW_JR_OBJECT:
        agw_gem_schema_object(r, w);
        return;

    case AGW_JR_ARRAY:
        agw_jr_array(r);
        agw_jw_array(w);
        while (agw_jr_element(r) == 1) {
            agw_gem_schema_value(r, w);
        }
        agw_jw_array_end(w);
        return;

    default:
        if (agw_jr_value(r, &raw) == 0) {
            agw_jw_raw(w, &raw);
        }
        return;
    }
}


/*
 * The JSON Schema of an OpenAPI schema (a VALUE the reader validated),
 * in the arena.  Unset when out of memory.
 */
agw_str_t
agw_gem_schema_to_json(agw_arena_t *a, const agw_str_t *schema)
{
    char       *p;
    agw_jr_t    r;
    agw_jw_t    w;
    agw_buf_t   buf = AGW_BUF_INIT;
    agw_str_t   out = AGW_STR_NULL;

    agw_jr_init(&r, schema->data, schema->len);
    agw_jw_init(&w, &buf);

    agw_gem_schema_value(&r, &w);

    if (!w.failed && !r.failed && buf.len > 0) {
        p = agw_arena_alloc(a, buf.len);
        if (p != NULL) {
            memcpy(p, buf.data, buf.len);
            out.data = p;
            out.len = (uint32_t) buf.len;
            out.kind = AGW_STR_VALUE;
        }
    }

    agw_buf_free(&buf);

    return out;
}
