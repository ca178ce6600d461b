/*
 * agw_json_write: jansson trees to compact JSON (see agw_json_write.h).
 */

#include <string.h>

#include "agw_direct_util.h"
#include "agw_json_write.h"


#define AGW_JSON_WRITE_DEPTH  2048      /* jansson's parser allows as much */


/*
 * The length of the UTF-8 sequence at p (at most n bytes), or 0 when it is
 * not one jansson accepts: no overlong forms, no surrogates, nothing past
 * U+10FFFF.
 */
static size_t
agw_json_utf8_len(const unsigned char *p, size_t n)
{
    size_t    len, i;
    uint32_t  cp;

    if (p[0] < 0xC2) {
        return 0;                           /* continuation, or overlong */
    }

    if (p[0] < 0xE0) {
        len = 2;
        cp = p[0] & 0x1F;
    } else if (p[0] < 0xF0) {
        len = 3;
        cp = p[0] & 0x0F;
    } else if (p[0] < 0xF5) {
        len = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }

    if (n < len) {
        return 0;
    }

    for (i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (p[i] & 0x3F);
    }

    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
        || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    {
        return 0;
    }

    return len;
}


/* A string with jansson's escapes: the quote, the backslash, the short
 * forms of \b \f \n \r \t, \u00XX (capitals) for other controls. */
static int
agw_json_write_string(agw_buf_t *out, const char *s, size_t len)
{
    size_t               i, start, n;
    unsigned char        c;
    char                 esc[7];
    const char          *rep;
    size_t               rlen;
    static const char    hex[] = "0123456789ABCDEF";

    if (agw_buf_reserve(out, len + 2) != 0) {
        return -1;
    }

    out->data[out->len++] = '"';

    start = 0;
    i = 0;
    while (i < len) {
        c = (unsigned char) s[i];

        if (c >= 0x80) {
            n = agw_json_utf8_len((const unsigned char *) s + i, len - i);
            if (n == 0) {
                return -1;
            }
            i += n;
            continue;
        }

        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            continue;
        }

        switch (c) {
        case '"':  rep = "\\\""; break;
        case '\\': rep = "\\\\"; break;
        case '\b': rep = "\\b"; break;
        case '\f': rep = "\\f"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        case '\t': rep = "\\t"; break;
        default:
            esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
            esc[4] = hex[c >> 4]; esc[5] = hex[c & 0xf]; esc[6] = '\0';
            rep = esc;
        }

        rlen = strlen(rep);
        if (agw_buf_append(out, s + start, i - start) != 0
            || agw_buf_append(out, rep, rlen) != 0)
        {
            return -1;
        }

        i++;
        start = i;
    }

    if (agw_buf_append(out, s + start, len - start) != 0
        || agw_buf_append(out, "\"", 1) != 0)
    {
        return -1;
    }

    return 0;
}


static int
agw_json_write_value(agw_buf_t *out, const json_t *j, int depth)
{
    size_t       i;
    const char  *key;
    json_t      *v;
    void        *it;

    if (depth > AGW_JSON_WRITE_DEPTH) {
        return -1;
    }

    switch (json_typeof(j)) {

    case JSON_OBJECT:
        if (agw_buf_append(out, "{", 1) != 0) {
            return -1;
        }

        /* jansson keeps and dumps members in insertion order */
        for (it = json_object_iter((json_t *) j), i = 0; it != NULL;
             it = json_object_iter_next((json_t *) j, it), i++)
        {
            key = json_object_iter_key(it);
            v = json_object_iter_value(it);

            if ((i > 0 && agw_buf_append(out, ",", 1) != 0)
                || agw_json_write_string(out, key,
                                         json_object_iter_key_len(it)) != 0
                || agw_buf_append(out, ":", 1) != 0
                || agw_json_write_value(out, v, depth + 1) != 0)
            {
                return -1;
            }
        }

        return agw_buf_append(out, "}", 1);

    case JSON_ARRAY:
        if (agw_buf_append(out, "[", 1) != 0) {
            return -1;
        }

        for (i = 0; i < json_array_size(j); i++) {
            if ((i > 0 && agw_buf_append(out, ",", 1) != 0)
                || agw_json_write_value(out, json_array_get(j, i),
                                        depth + 1) != 0)
            {
                return -1;
            }
        }

        return agw_buf_append(out, "]", 1);

    case JSON_STRING:
        return agw_json_write_string(out, json_string_value(j),
                                     json_string_length(j));

    case JSON_INTEGER:
        return agw_dj_append_int(out, json_integer_value(j));

    case JSON_REAL:
        return agw_dj_append_real(out, json_real_value(j));

    case JSON_TRUE:
        return agw_buf_append(out, "true", 4);

    case JSON_FALSE:
        return agw_buf_append(out, "false", 5);

    case JSON_NULL:
        return agw_buf_append(out, "null", 4);
    }

    return -1;
}


int
agw_json_append(agw_buf_t *out, const json_t *j)
{
    size_t  len;

    if (j == NULL) {
        return -1;
    }

    len = out->len;

    if (agw_json_write_value(out, j, 0) != 0) {
        out->len = len;
        if (out->data != NULL) {
            out->data[len] = '\0';
        }
        return -1;
    }

    return 0;
}
