/*
 * agw_direct_util: walking validated JSON and matching the jansson path's
 * numbers (see agw_direct_util.h).
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_direct_util.h"


/* Objects with more keys, or values nested deeper, than agw_dj_check()
 * looks at (its stack stays small): declined. */
#define AGW_DJ_KEYS_MAX   64
#define AGW_DJ_DEPTH_MAX  64


/* Past the closing quote of the string opening at p.  A quote closes it
 * when an even number of backslashes precede it. */
static const char *
agw_dj_skip_string(const char *p, const char *end)
{
    const char  *q, *b;

    p++;

    for ( ;; ) {
        q = memchr(p, '"', (size_t) (end - p));
        if (q == NULL) {
            return end;                 /* not validated input */
        }

        for (b = q; b > p && b[-1] == '\\'; b--) {
            /* void */
        }

        if (((q - b) & 1) == 0) {
            return q + 1;
        }

        p = q + 1;
    }
}


static const char *
agw_dj_skip_value(const char *p, const char *end)
{
    size_t  depth;

    switch (*p) {

    case '"':
        return agw_dj_skip_string(p, end);

    case '{':
    case '[':
        depth = 0;

        while (p < end) {
            switch (*p) {
            case '"':
                p = agw_dj_skip_string(p, end);
                continue;
            case '{':
            case '[':
                depth++;
                break;
            case '}':
            case ']':
                if (--depth == 0) {
                    return p + 1;
                }
                break;
            }

            p++;
        }

        return end;

    default:
        while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' '
               && *p != '\n' && *p != '\r' && *p != '\t')
        {
            p++;
        }

        return p;
    }
}


void
agw_dj_iter_init(agw_dj_iter_t *it, const char *v, size_t len)
{
    it->p = v + 1;
    it->end = v + len - 1;              /* the closing bracket */
    it->object = (*v == '{');
}


int
agw_dj_next(agw_dj_iter_t *it, agw_json_member_t *m)
{
    const char  *p, *k;

    p = agw_json_ws(it->p, it->end);

    if (p < it->end && *p == ',') {
        p = agw_json_ws(p + 1, it->end);
    }

    if (p >= it->end) {
        it->p = it->end;
        return 0;
    }

    m->key = NULL;
    m->key_len = 0;
    m->escaped = 0;

    if (it->object) {
        k = p;
        p = agw_dj_skip_string(p, it->end);
        m->key = k + 1;
        m->key_len = (size_t) (p - 1 - m->key);
        m->escaped = memchr(m->key, '\\', m->key_len) != NULL;

        p = agw_json_ws(p, it->end);
        p = agw_json_ws(p + 1, it->end);  /* the colon */
    }

    m->value = p;
    m->type = (*p == '-' || (*p >= '0' && *p <= '9')) ? AGW_JSON_NUMBER : *p;

    p = agw_dj_skip_value(p, it->end + 1);
    m->value_len = (size_t) (p - m->value);

    it->p = p;
    return 1;
}


int
agw_dj_has_escape(const agw_json_member_t *m)
{
    return memchr(m->value, '\\', m->value_len) != NULL;
}


int
agw_dj_number(const char *v, size_t len, agw_dj_number_t *n)
{
    size_t  i;
    char    buf[64], *end, *s;

    n->integer = 1;
    for (i = 0; i < len; i++) {
        if (v[i] == '.' || v[i] == 'e' || v[i] == 'E') {
            n->integer = 0;
            break;
        }
    }

    /* strtoll and strtod need a NUL; numbers this long are left alone */
    if (len == 0 || len >= sizeof(buf)) {
        return -1;
    }

    memcpy(buf, v, len);
    buf[len] = '\0';
    s = buf;

    errno = 0;

    if (n->integer) {
        /* json_strtoint: strtoll, ERANGE is "too big integer" */
        n->i = (int64_t) strtoll(s, &end, 10);
        if (errno == ERANGE || end != s + len) {
            return -1;
        }

        n->d = (double) n->i;
        return 0;
    }

    /* jsonp_strtod: only an overflow is an error, an underflow is 0 */
    n->d = strtod(s, &end);
    if (end != s + len
        || ((n->d == HUGE_VAL || n->d == -HUGE_VAL) && errno == ERANGE))
    {
        return -1;
    }

    n->i = 0;
    return 0;
}


/* Whether a real printed with 15 digits reads back as the same double. */
static int
agw_dj_real_stable(double d)
{
    char  buf[64];

    if (snprintf(buf, sizeof(buf), "%.15g", d) >= (int) sizeof(buf)) {
        return 0;
    }

    return strtod(buf, NULL) == d;
}


static int
agw_dj_check(const char *v, size_t len, unsigned depth)
{
    size_t             i, nkeys, klen[AGW_DJ_KEYS_MAX];
    const char        *key[AGW_DJ_KEYS_MAX];
    agw_dj_iter_t      it;
    agw_dj_number_t    n;
    agw_json_member_t  m;

    switch (*v) {

    case '0':
    case '1': case '2': case '3': case '4': case '5': case '6': case '7':
    case '8': case '9': case '-':
        if (agw_dj_number(v, len, &n) != 0
            || (!n.integer && !agw_dj_real_stable(n.d)))
        {
            return -1;
        }
        return 0;

    case '{':
    case '[':
        if (depth == AGW_DJ_DEPTH_MAX) {
            return -1;
        }

        nkeys = 0;
        agw_dj_iter_init(&it, v, len);

        while (agw_dj_next(&it, &m)) {
            if (it.object) {
                if (m.escaped || nkeys == AGW_DJ_KEYS_MAX) {
                    return -1;
                }

                for (i = 0; i < nkeys; i++) {
                    if (klen[i] == m.key_len
                        && memcmp(key[i], m.key, m.key_len) == 0)
                    {
                        return -1;
                    }
                }

                key[nkeys] = m.key;
                klen[nkeys++] = m.key_len;
            }

            if (m.type != AGW_JSON_STRING && m.type != AGW_JSON_TRUE
                && m.type != AGW_JSON_FALSE && m.type != AGW_JSON_NULL
                && agw_dj_check(m.value, m.value_len, depth + 1) != 0)
            {
                return -1;
            }
        }

        return 0;

    default:
        return 0;
    }
}


int
agw_dj_check_value(const char *v, size_t len)
{
    return agw_dj_check(v, len, 0);
}




/* UTF-8 of a code point up to U+10FFFF into b; its length. */
static size_t
agw_dj_utf8(unsigned cp, char *b)
{
    if (cp < 0x80) {
        b[0] = (char) cp;
        return 1;
    }

    if (cp < 0x800) {
        b[0] = (char) (0xC0 | cp >> 6);
        b[1] = (char) (0x80 | (cp & 0x3F));
        return 2;
    }

    if (cp < 0x10000) {
        b[0] = (char) (0xE0 | cp >> 12);
        b[1] = (char) (0x80 | (cp >> 6 & 0x3F));
        b[2] = (char) (0x80 | (cp & 0x3F));
        return 3;
    }

    b[0] = (char) (0xF0 | cp >> 18);
    b[1] = (char) (0x80 | (cp >> 12 & 0x3F));
    b[2] = (char) (0x80 | (cp >> 6 & 0x3F));
    b[3] = (char) (0x80 | (cp & 0x3F));
    return 4;
}


static unsigned
agw_dj_hex4(const char *p)
{
    int       i;
    unsigned  v, c;

    v = 0;
    for (i = 0; i < 4; i++) {
        c = (unsigned char) p[i];
        c = (c <= '9') ? c - '0' : (c | 0x20) - 'a' + 10;
        v = v << 4 | c;
    }

    return v;
}


int
agw_dj_append_unescaped(agw_buf_t *out, const char *v, size_t len)
{
    char         u[4];
    size_t       start, n;
    unsigned     cp, lo;
    const char  *p, *end, *bs;

    start = out->len;
    p = v + 1;
    end = v + len - 1;

    while (p < end) {
        bs = memchr(p, '\\', (size_t) (end - p));
        if (bs == NULL) {
            bs = end;
        }

        if (agw_buf_append(out, p, (size_t) (bs - p)) != 0) {
            goto nomem;
        }

        if (bs == end) {
            break;
        }

        p = bs + 2;

        switch (bs[1]) {
        case 'b':  u[0] = '\b'; n = 1; break;
        case 'f':  u[0] = '\f'; n = 1; break;
        case 'n':  u[0] = '\n'; n = 1; break;
        case 'r':  u[0] = '\r'; n = 1; break;
        case 't':  u[0] = '\t'; n = 1; break;
        case 'u':
            cp = agw_dj_hex4(bs + 2);
            p = bs + 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* validated: a low surrogate escape follows */
                lo = agw_dj_hex4(p + 2);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            n = agw_dj_utf8(cp, u);
            break;
        default:   u[0] = bs[1]; n = 1;    /* " \ / */
        }

        if (agw_buf_append(out, u, n) != 0) {
            goto nomem;
        }
    }

    return 0;

nomem:

    out->len = start;
    if (out->data != NULL) {
        out->data[start] = '\0';
    }

    return -1;
}
