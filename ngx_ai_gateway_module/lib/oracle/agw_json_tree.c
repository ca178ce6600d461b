/*
 * agw_json_tree: jansson trees to and from JSON text (see agw_json_tree.h).
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_json_scan.h"
#include "agw_json_tree.h"


#define AGW_JSON_DEPTH  2048      /* JSON_PARSER_MAX_DEPTH, jansson's */


int
agw_json_append_int(agw_buf_t *out, int64_t v)
{
    char      buf[24], *p;
    uint64_t  n;

    p = buf + sizeof(buf);
    n = v < 0 ? 0 - (uint64_t) v : (uint64_t) v;

    do {
        *--p = (char) ('0' + n % 10);
        n /= 10;
    } while (n);

    if (v < 0) {
        *--p = '-';
    }

    return agw_buf_append(out, p, (size_t) (buf + sizeof(buf) - p));
}


int
agw_json_append_real(agw_buf_t *out, double d)
{
    int     n;
    char    buf[64], *e, *from, *to;
    size_t  len;

    n = snprintf(buf, sizeof(buf) - 3, "%.15g", d);
    if (n < 0 || (size_t) n >= sizeof(buf) - 3) {
        return -1;
    }

    len = (size_t) n;

    /* jsonp_dtostr: a '.' or an exponent, so that it reads back as a
     * real; no '+' and no leading zeros in the exponent */
    if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL) {
        buf[len++] = '.';
        buf[len++] = '0';
        buf[len] = '\0';
    }

    e = strchr(buf, 'e');
    if (e != NULL) {
        from = e + 1;
        to = from;

        if (*from == '-') {
            from++;
            to++;
        } else if (*from == '+') {
            from++;
        }

        while (*from == '0' && from[1] != '\0') {
            from++;
        }

        if (from != to) {
            memmove(to, from, strlen(from) + 1);
            len = strlen(buf);
        }
    }

    return agw_buf_append(out, buf, len);
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
            n = agw_json_utf8_len(s + i, len - i);
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

    if (depth > AGW_JSON_DEPTH) {
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
        return agw_json_append_int(out, json_integer_value(j));

    case JSON_REAL:
        return agw_json_append_real(out, json_real_value(j));

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


/* Reading */

typedef struct {
    const char  *p;
    const char  *end;
    agw_buf_t    str;           /* a string's decoded bytes */
} agw_json_reader_t;


static json_t *agw_json_read_value(agw_json_reader_t *r, int depth);


static inline void
agw_json_read_ws(agw_json_reader_t *r)
{
    r->p = agw_json_ws(r->p, r->end);
}


static int
agw_json_put_utf8(agw_buf_t *b, unsigned cp)
{
    char    u[4];
    size_t  n;

    if (cp < 0x80) {
        u[0] = (char) cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char) (0xC0 | cp >> 6);
        u[1] = (char) (0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char) (0xE0 | cp >> 12);
        u[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char) (0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char) (0xF0 | cp >> 18);
        u[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char) (0x80 | (cp & 0x3F));
        n = 4;
    }

    return agw_buf_append(b, u, n);
}


/*
 * A string at its opening quote.  Without escapes its bytes are used as
 * they are (*s, *len point into the text); with escapes they are decoded
 * into r->str.  0, or -1 where jansson refuses it: a raw control byte,
 * bad UTF-8, a bad escape, a lone surrogate, \u0000.
 */
static int
agw_json_read_string(agw_json_reader_t *r, const char **s, size_t *len)
{
    size_t          n;
    unsigned        u;
    const char     *start;
    unsigned char   c;

    start = ++r->p;

    /* the common case: plain bytes up to the closing quote */
    for ( ;; ) {
        if (r->p == r->end) {
            return -1;
        }

        c = (unsigned char) *r->p;

        if (c == '"') {
            *s = start;
            *len = (size_t) (r->p - start);
            r->p++;
            return 0;
        }

        if (c == '\\') {
            break;
        }

        if (c < 0x20) {
            return -1;
        }

        if (c >= 0x80) {
            n = agw_json_utf8_len(r->p, (size_t) (r->end - r->p));
            if (n == 0) {
                return -1;
            }
            r->p += n;
            continue;
        }

        r->p++;
    }

    agw_buf_reset(&r->str);
    if (agw_buf_append(&r->str, start, (size_t) (r->p - start)) != 0) {
        return -1;
    }

    while (r->p < r->end) {
        c = (unsigned char) *r->p;

        if (c == '"') {
            r->p++;
            *s = r->str.data;
            *len = r->str.len;
            return 0;
        }

        if (c < 0x20) {
            return -1;
        }

        if (c >= 0x80) {
            n = agw_json_utf8_len(r->p, (size_t) (r->end - r->p));
            if (n == 0 || agw_buf_append(&r->str, r->p, n) != 0) {
                return -1;
            }
            r->p += n;
            continue;
        }

        if (c != '\\') {
            if (agw_buf_append(&r->str, r->p, 1) != 0) {
                return -1;
            }
            r->p++;
            continue;
        }

        if (r->end - r->p < 2) {
            return -1;
        }

        switch (r->p[1]) {
        case '"':  c = '"'; break;
        case '\\': c = '\\'; break;
        case '/':  c = '/'; break;
        case 'b':  c = '\b'; break;
        case 'f':  c = '\f'; break;
        case 'n':  c = '\n'; break;
        case 'r':  c = '\r'; break;
        case 't':  c = '\t'; break;

        case 'u':
            n = agw_json_unicode_escape(r->p, r->end, &u);
            if (n == 0) {
                return -1;
            }

            r->p += n;

            if (agw_json_put_utf8(&r->str, u) != 0) {
                return -1;
            }
            continue;

        default:
            return -1;
        }

        if (agw_buf_append(&r->str, &c, 1) != 0) {
            return -1;
        }
        r->p += 2;
    }

    return -1;
}


/* A number, as jansson's lexer reads it: an integer unless it has a
 * fraction or an exponent; beyond int64 or double, an error. */
static json_t *
agw_json_read_number(agw_json_reader_t *r)
{
    int          real;
    char         small[64], *text, *end;
    size_t       len;
    double       d;
    long long    i;
    json_t      *j;
    const char  *start;

    start = r->p;
    real = 0;

    if (r->p < r->end && *r->p == '-') {
        r->p++;
    }

    if (r->p == r->end || *r->p < '0' || *r->p > '9') {
        return NULL;
    }

    if (*r->p == '0') {
        r->p++;
    } else {
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
            r->p++;
        }
    }

    if (r->p < r->end && *r->p == '.') {
        real = 1;
        r->p++;
        if (r->p == r->end || *r->p < '0' || *r->p > '9') {
            return NULL;
        }
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
            r->p++;
        }
    }

    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        real = 1;
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-')) {
            r->p++;
        }
        if (r->p == r->end || *r->p < '0' || *r->p > '9') {
            return NULL;
        }
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
            r->p++;
        }
    }

    len = (size_t) (r->p - start);
    text = len < sizeof(small) ? small : malloc(len + 1);
    if (text == NULL) {
        return NULL;
    }

    memcpy(text, start, len);
    text[len] = '\0';
    errno = 0;
    j = NULL;

    if (!real) {
        i = strtoll(text, &end, 10);
        if (errno != ERANGE) {
            j = json_integer(i);
        }

    } else {
        d = strtod(text, &end);
        if (!((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)) {
            j = json_real(d);
        }
    }

    if (text != small) {
        free(text);
    }

    return j;
}


static json_t *
agw_json_read_object(agw_json_reader_t *r, int depth)
{
    char        *key;
    size_t       klen;
    json_t      *obj, *v;
    const char  *s;

    obj = json_object();
    if (obj == NULL) {
        return NULL;
    }

    r->p++;
    agw_json_read_ws(r);

    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return obj;
    }

    for ( ;; ) {
        if (r->p == r->end || *r->p != '"'
            || agw_json_read_string(r, &s, &klen) != 0
            || memchr(s, '\0', klen) != NULL)
        {
            goto failed;
        }

        /* the decoded key lives in r->str, which the value may reuse */
        key = malloc(klen + 1);
        if (key == NULL) {
            goto failed;
        }
        memcpy(key, s, klen);
        key[klen] = '\0';

        agw_json_read_ws(r);
        if (r->p == r->end || *r->p != ':') {
            free(key);
            goto failed;
        }
        r->p++;
        agw_json_read_ws(r);

        v = agw_json_read_value(r, depth + 1);
        if (v == NULL) {
            free(key);
            goto failed;
        }

        if (json_object_setn_new_nocheck(obj, key, klen, v) != 0) {
            free(key);
            goto failed;
        }
        free(key);

        agw_json_read_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            agw_json_read_ws(r);
            continue;
        }

        if (r->p < r->end && *r->p == '}') {
            r->p++;
            return obj;
        }

        goto failed;
    }

failed:

    json_decref(obj);
    return NULL;
}


static json_t *
agw_json_read_array(agw_json_reader_t *r, int depth)
{
    json_t  *arr, *v;

    arr = json_array();
    if (arr == NULL) {
        return NULL;
    }

    r->p++;
    agw_json_read_ws(r);

    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return arr;
    }

    for ( ;; ) {
        v = agw_json_read_value(r, depth + 1);
        if (v == NULL || json_array_append_new(arr, v) != 0) {
            json_decref(arr);
            return NULL;
        }

        agw_json_read_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            agw_json_read_ws(r);
            continue;
        }

        if (r->p < r->end && *r->p == ']') {
            r->p++;
            return arr;
        }

        json_decref(arr);
        return NULL;
    }
}


static json_t *
agw_json_read_literal(agw_json_reader_t *r, const char *lit, size_t n,
    json_t *v)
{
    if ((size_t) (r->end - r->p) < n || memcmp(r->p, lit, n) != 0) {
        return NULL;
    }

    r->p += n;
    return v;
}


static json_t *
agw_json_read_value(agw_json_reader_t *r, int depth)
{
    size_t       len;
    const char  *s;

    if (depth > AGW_JSON_DEPTH || r->p == r->end) {
        return NULL;
    }

    switch (*r->p) {
    case '{':
        return agw_json_read_object(r, depth);

    case '[':
        return agw_json_read_array(r, depth);

    case '"':
        if (agw_json_read_string(r, &s, &len) != 0
            || memchr(s, '\0', len) != NULL)
        {
            return NULL;
        }
        return json_stringn_nocheck(s, len);

    case 't':
        return agw_json_read_literal(r, "true", 4, json_true());

    case 'f':
        return agw_json_read_literal(r, "false", 5, json_false());

    case 'n':
        return agw_json_read_literal(r, "null", 4, json_null());

    default:
        return agw_json_read_number(r);
    }
}


json_t *
agw_json_load(const char *text, size_t len)
{
    json_t             *j;
    agw_json_reader_t   r;

    r.p = text;
    r.end = text + len;
    r.str.data = NULL;
    r.str.len = 0;
    r.str.cap = 0;

    agw_json_read_ws(&r);

    j = NULL;
    if (r.p < r.end && (*r.p == '{' || *r.p == '[')) {
        j = agw_json_read_value(&r, 1);
    }

    agw_buf_free(&r.str);

    if (j == NULL) {
        return NULL;
    }

    agw_json_read_ws(&r);
    if (r.p != r.end) {
        json_decref(j);                     /* bytes after the value */
        return NULL;
    }

    return j;
}
