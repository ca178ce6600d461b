/*
 * agw_json_scan: a one-pass JSON validator that reports an object's
 * members (see agw_json_scan.h).  Recursive descent, bounded depth.
 */

#include <string.h>

#include "agw_json_scan.h"


typedef struct {
    const char          *start;
    const char          *p;
    const char          *end;
    agw_json_member_cb   cb;
    void                *ud;
    int                  stop;     /* the callback's value */
} agw_scan_t;


static int agw_scan_value(agw_scan_t *s, unsigned depth, int top);


const unsigned char  agw_json_escape_ok[256] = {
    ['"'] = 1, ['\\'] = 1, ['/'] = 1, ['b'] = 1, ['f'] = 1, ['n'] = 1,
    ['r'] = 1, ['t'] = 1
};


static inline void
agw_scan_ws(agw_scan_t *s)
{
    s->p = agw_json_ws(s->p, s->end);
}


static int
agw_json_hex4(const char *p, unsigned *v)
{
    int       i;
    unsigned  c, d;

    d = 0;
    for (i = 0; i < 4; i++) {
        c = (unsigned char) p[i];

        if (c >= '0' && c <= '9') {
            c -= '0';
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            c = (c | 0x20) - 'a' + 10;
        } else {
            return -1;
        }

        d = d << 4 | c;
    }

    *v = d;
    return 0;
}


size_t
agw_json_unicode_escape(const char *p, const char *end, unsigned *cp)
{
    unsigned  u, lo;

    if (end - p < 6 || agw_json_hex4(p + 2, &u) != 0 || u == 0
        || (u >= 0xDC00 && u <= 0xDFFF))
    {
        return 0;                       /* \\u0000, or a lone low surrogate */
    }

    if (u < 0xD800 || u > 0xDBFF) {
        *cp = u;
        return 6;
    }

    if (end - p < 12 || p[6] != '\\' || p[7] != 'u'
        || agw_json_hex4(p + 8, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
    {
        return 0;
    }

    *cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
    return 12;
}


/* A string, at its opening quote (agw_json_string_scan's rules); on an
 * error s->p is left at the offending byte. */
static int
agw_scan_string(agw_scan_t *s, int *escaped)
{
    const char  *q, *at;

    *escaped = 0;

    q = agw_json_string_scan(s->p, s->end, escaped, &at);
    if (q == NULL) {
        s->p = at;
        return -1;
    }

    s->p = q;
    return 0;
}


static int
agw_scan_digits(agw_scan_t *s)
{
    const char  *b = s->p;

    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        s->p++;
    }

    return s->p > b ? 0 : -1;
}


static int
agw_scan_number(agw_scan_t *s)
{
    if (*s->p == '-') {
        s->p++;
    }

    if (s->p < s->end && *s->p == '0') {
        s->p++;

    } else if (agw_scan_digits(s) != 0) {
        return -1;
    }

    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (agw_scan_digits(s) != 0) {
            return -1;
        }
    }

    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-')) {
            s->p++;
        }

        if (agw_scan_digits(s) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
agw_scan_literal(agw_scan_t *s, const char *lit, size_t len)
{
    if ((size_t) (s->end - s->p) < len || memcmp(s->p, lit, len) != 0) {
        return -1;
    }

    s->p += len;
    return 0;
}


static int
agw_scan_object(agw_scan_t *s, unsigned depth, int top)
{
    int                escaped;
    const char        *v;
    agw_json_member_t  m;

    s->p++;
    agw_scan_ws(s);

    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }

    for ( ;; ) {
        if (s->p >= s->end || *s->p != '"') {
            return -1;
        }

        m.key = s->p + 1;
        if (agw_scan_string(s, &escaped) != 0) {
            return -1;
        }

        m.key_len = (size_t) (s->p - 1 - m.key);

        agw_scan_ws(s);
        if (s->p >= s->end || *s->p != ':') {
            return -1;
        }

        s->p++;
        agw_scan_ws(s);

        if (s->p >= s->end) {
            return -1;
        }

        v = s->p;
        m.type = (*v == '-' || (*v >= '0' && *v <= '9')) ? AGW_JSON_NUMBER
                                                          : *v;
        m.escaped = 0;

        if (m.type == AGW_JSON_STRING) {
            if (agw_scan_string(s, &m.escaped) != 0) {
                return -1;
            }

        } else if (agw_scan_value(s, depth + 1, 0) != 0) {
            return -1;
        }

        if (top && s->cb && !s->stop) {
            m.value = v;
            m.value_len = (size_t) (s->p - v);
            s->stop = s->cb(s->ud, &m);
            if (s->stop) {
                return 0;
            }
        }

        agw_scan_ws(s);

        if (s->p < s->end && *s->p == ',') {
            s->p++;
            agw_scan_ws(s);
            continue;
        }

        if (s->p < s->end && *s->p == '}') {
            s->p++;
            return 0;
        }

        return -1;
    }
}


static int
agw_scan_array(agw_scan_t *s, unsigned depth)
{
    s->p++;
    agw_scan_ws(s);

    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }

    for ( ;; ) {
        if (agw_scan_value(s, depth + 1, 0) != 0) {
            return -1;
        }

        agw_scan_ws(s);

        if (s->p < s->end && *s->p == ',') {
            s->p++;
            agw_scan_ws(s);
            continue;
        }

        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return 0;
        }

        return -1;
    }
}


static int
agw_scan_value(agw_scan_t *s, unsigned depth, int top)
{
    int  escaped;

    if (depth > AGW_JSON_DEPTH_MAX || s->p >= s->end) {
        return -1;
    }

    switch (*s->p) {
    case '{':
        return agw_scan_object(s, depth, top);
    case '[':
        return agw_scan_array(s, depth);
    case '"':
        return agw_scan_string(s, &escaped);
    case 't':
        return agw_scan_literal(s, "true", 4);
    case 'f':
        return agw_scan_literal(s, "false", 5);
    case 'n':
        return agw_scan_literal(s, "null", 4);
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) {
            return agw_scan_number(s);
        }

        return -1;
    }
}


int
agw_json_scan(const char *p, size_t len, agw_json_member_cb cb, void *ud,
    size_t *errpos)
{
    agw_scan_t  s;

    s.start = p;
    s.p = p;
    s.end = p + len;
    s.cb = cb;
    s.ud = ud;
    s.stop = 0;

    agw_scan_ws(&s);

    if (s.p >= s.end || *s.p != '{' || agw_scan_value(&s, 1, 1) != 0) {
        goto invalid;
    }

    if (s.stop) {
        return s.stop;
    }

    agw_scan_ws(&s);

    if (s.p == s.end) {
        return 0;
    }

invalid:

    if (errpos) {
        *errpos = (size_t) (s.p - s.start);
    }

    return -1;
}


const char *
agw_json_string_end(const char *p, const char *end)
{
    int         escaped;
    agw_scan_t  s;

    if (p >= end || *p != '"') {
        return NULL;
    }

    s.start = p;
    s.p = p;
    s.end = end;

    return agw_scan_string(&s, &escaped) == 0 ? s.p : NULL;
}


typedef struct {
    const char         *key;
    size_t              len;
    agw_json_member_t  *out;
} agw_member_find_t;


static int
agw_member_cb(void *ud, const agw_json_member_t *m)
{
    agw_member_find_t  *f = ud;

    if (m->key_len == f->len && memcmp(m->key, f->key, f->len) == 0) {
        *f->out = *m;
        return 1;
    }

    return 0;
}


int
agw_json_find(const char *obj, size_t len, const char *key,
    agw_json_member_t *out)
{
    agw_member_find_t  f;

    f.key = key;
    f.len = strlen(key);
    f.out = out;

    return agw_json_scan(obj, len, agw_member_cb, &f, NULL) == 1 ? 0 : -1;
}


int
agw_json_pick(void *ud, const agw_json_member_t *m)
{
    int               i;
    agw_json_pick_t  *p = ud;

    if (memchr(m->key, '\\', m->key_len) != NULL) {
        return 1;
    }

    for (i = 0; i < p->n; i++) {
        /* the first byte rules out most keys without a call */
        if (m->key_len > 0 && p->keys[i][0] == m->key[0]
            && strncmp(p->keys[i], m->key, m->key_len) == 0
            && p->keys[i][m->key_len] == '\0')
        {
            p->m[i] = *m;
            p->has |= 1u << i;
            break;
        }
    }

    return 0;
}


int
agw_json_member_int(const agw_json_member_t *m, int64_t *v)
{
    size_t   i;
    int      neg;
    int64_t  n;

    if (m->type != AGW_JSON_NUMBER || m->value_len == 0
        || m->value_len > 18)
    {
        return -1;
    }

    neg = (m->value[0] == '-');
    n = 0;

    for (i = neg; i < m->value_len; i++) {
        if (m->value[i] < '0' || m->value[i] > '9') {
            return -1;          /* a fraction or an exponent */
        }

        n = n * 10 + (m->value[i] - '0');
    }

    *v = neg ? -n : n;
    return 0;
}
