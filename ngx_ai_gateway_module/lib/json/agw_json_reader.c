/*
 * agw_json_reader: the pull reader (see agw_json_reader.h).
 *
 * The reader keeps no stack of its own: the caller's code is the stack
 * (it knows it is in an object when it calls agw_jr_member()), and whether
 * a member is the first of its object is read back from the byte before
 * it.  Skipping a value (agw_jr_value) walks it with a byte per level in
 * a local array instead of recursing, so hostile nesting costs no more C
 * stack than that array.
 */

#include <string.h>

#include "agw_json_reader.h"
#include "agw_json_scan.h"


#define agw_jr_is_ws(c)                                                      \
    ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')


static int
agw_jr_fail(agw_jr_t *r, const char *at)
{
    if (!r->failed) {
        r->failed = 1;
        r->errpos = (size_t) (at - r->start);
    }

    return -1;
}


/* Whether c can open a value: a type error, not a syntax error, when the
 * caller asked for another type. */
static int
agw_jr_value_start(unsigned char c)
{
    switch (c) {
    case '{': case '[': case '"': case 't': case 'f': case 'n': case '-':
    case '0': case '1': case '2': case '3': case '4': case '5': case '6':
    case '7': case '8': case '9':
        return 1;
    default:
        return 0;
    }
}


/*
 * The next byte, white space skipped, which must open a value of type t:
 * 0 when it does, AGW_JR_TYPE when another value is there, -1 otherwise.
 */
static AGW_JSON_HOT int
agw_jr_expect(agw_jr_t *r, unsigned char t)
{
    unsigned char  c;

    if (r->failed) {
        return -1;
    }

    r->p = agw_json_ws(r->p, r->end);

    if (r->p >= r->end) {
        return agw_jr_fail(r, r->p);
    }

    c = (unsigned char) *r->p;

    if (c == t || (t == '0' && (c == '-' || (c >= '0' && c <= '9')))) {
        return 0;
    }

    if (agw_jr_value_start(c)) {
        return AGW_JR_TYPE;
    }

    return agw_jr_fail(r, r->p);
}


/*
 * The string whose opening quote is at r->p, as a slice into *s (kind
 * JSON): past its closing quote, or NULL (r failed).  Inlined, as are
 * agw_jr_next() and agw_jr_expect(): they run for every key and string
 * of a body, and the registers a call saves and restores cost a key
 * more than its scan.
 */
static AGW_JSON_HOT const char *
agw_jr_read_string(agw_jr_t *r, agw_str_t *s)
{
    int          escaped;
    size_t       len;
    const char  *p, *q, *at;

    p = r->p;
    escaped = 0;

    if (r->valid) {
        at = r->end;
        q = agw_json_string_skip(p, r->end, &escaped);
    } else {
        q = agw_json_string_scan(p, r->end, &escaped, &at);
    }

    if (q == NULL) {
        agw_jr_fail(r, at);
        return NULL;
    }

    len = (size_t) (q - p - 2);
    if (len > UINT32_MAX) {
        agw_jr_fail(r, p);
        return NULL;
    }

    s->data = p + 1;
    s->len = (uint32_t) len;
    s->kind = AGW_STR_JSON;
    s->escaped = (uint8_t) escaped;

    return q;
}


/*
 * A number at p (by the grammar: -? (0 | [1-9][0-9]*) (.[0-9]+)?
 * ([eE][+-]?[0-9]+)?): past it, or NULL with *at the offending byte;
 * *integer says whether it had neither fraction nor exponent.
 */
static const char *
agw_jr_scan_number(const char *p, const char *end, int *integer,
    const char **at)
{
    const char  *d;

    *integer = 1;

    if (*p == '-') {
        p++;
    }

    if (p < end && *p == '0') {
        p++;

    } else {
        for (d = p; p < end && *p >= '0' && *p <= '9'; p++) { /* void */ }

        if (p == d) {
            goto invalid;
        }
    }

    if (p < end && *p == '.') {
        *integer = 0;

        for (d = ++p; p < end && *p >= '0' && *p <= '9'; p++) { /* void */ }

        if (p == d) {
            goto invalid;
        }
    }

    if (p < end && (*p == 'e' || *p == 'E')) {
        *integer = 0;
        p++;

        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }

        for (d = p; p < end && *p >= '0' && *p <= '9'; p++) { /* void */ }

        if (p == d) {
            goto invalid;
        }
    }

    return p;

invalid:

    *at = p;
    return NULL;
}


static const char *
agw_jr_scan_literal(const char *p, const char *end, const char **at)
{
    size_t       n;
    const char  *lit;

    switch (*p) {
    case 't':
        lit = "true";
        n = 4;
        break;
    case 'f':
        lit = "false";
        n = 5;
        break;
    default:
        lit = "null";
        n = 4;
    }

    if ((size_t) (end - p) < n || memcmp(p, lit, n) != 0) {
        *at = p;
        return NULL;
    }

    return p + n;
}


void
agw_jr_init(agw_jr_t *r, const char *p, size_t len)
{
    if (p == NULL) {
        p = "";                     /* no body: no pointer arithmetic on NULL */
        len = 0;
    }

    r->start = p;
    r->p = p;
    r->end = p + len;
    r->depth = 0;
    r->failed = 0;
    r->errpos = 0;
    r->valid = 0;
}


int
agw_jr_peek(agw_jr_t *r)
{
    unsigned char  c;

    if (r->failed) {
        return AGW_JR_NONE;
    }

    r->p = agw_json_ws(r->p, r->end);

    if (r->p >= r->end) {
        return AGW_JR_NONE;
    }

    c = (unsigned char) *r->p;

    if (c == '-' || (c >= '0' && c <= '9')) {
        return AGW_JR_NUMBER;
    }

    return agw_jr_value_start(c) ? c : AGW_JR_NONE;
}


static int
agw_jr_open(agw_jr_t *r, unsigned char t)
{
    int  rc;

    rc = agw_jr_expect(r, t);
    if (rc != 0) {
        return rc;
    }

    if (r->depth >= AGW_JR_DEPTH_MAX) {
        return agw_jr_fail(r, r->p);
    }

    r->p++;
    r->depth++;

    return 0;
}


int
agw_jr_object(agw_jr_t *r)
{
    return agw_jr_open(r, '{');
}


int
agw_jr_array(agw_jr_t *r)
{
    return agw_jr_open(r, '[');
}


/*
 * Whether the container's opening bracket is the last token before r->p:
 * then what comes is its first member, with no comma before it.  No value
 * ends with '{' or '[', so the byte before (white space aside) tells.
 */
static int
agw_jr_first(agw_jr_t *r, unsigned char open)
{
    const char  *q = r->p;

    while (q > r->start && agw_jr_is_ws(q[-1])) {
        q--;
    }

    return q > r->start && (unsigned char) q[-1] == open;
}


/*
 * What agw_jr_member() and agw_jr_element() share: 1 when an item is
 * next (after its comma, if any), 0 at the closing bracket (consumed),
 * -1 otherwise.
 */
static AGW_JSON_HOT int
agw_jr_next(agw_jr_t *r, unsigned char open, unsigned char close)
{
    unsigned char  c;

    if (r->failed) {
        return -1;
    }

    if (r->depth == 0) {
        return agw_jr_fail(r, r->p);    /* not in a container: a bug */
    }

    r->p = agw_json_ws(r->p, r->end);

    if (r->p >= r->end) {
        return agw_jr_fail(r, r->p);
    }

    c = (unsigned char) *r->p;

    if (c == close) {
        r->p++;
        r->depth--;
        return 0;
    }

    /*
     * Validated bytes: a comma is never the first token after a bracket,
     * so the walk back over white space to the bracket (agw_jr_first) is
     * needed only when no comma is there.  On bytes that are not JSON
     * this still consumes the comma: no loop without progress.
     */
    if (c == ',' && r->valid) {
        goto comma;
    }

    if (agw_jr_first(r, open)) {
        return 1;
    }

    if (c != ',') {
        return agw_jr_fail(r, r->p);
    }

comma:

    r->p = agw_json_ws(r->p + 1, r->end);

    if (r->p >= r->end || (unsigned char) *r->p == close) {
        return agw_jr_fail(r, r->p);    /* a trailing comma */
    }

    return 1;
}


int
agw_jr_member(agw_jr_t *r, agw_str_t *key)
{
    int          rc;
    const char  *q;

    rc = agw_jr_next(r, '{', '}');
    if (rc != 1) {
        return rc;
    }

    if (*r->p != '"') {
        return agw_jr_fail(r, r->p);
    }

    q = agw_jr_read_string(r, key);
    if (q == NULL) {
        return -1;
    }

    if (key->escaped) {
        /* decoded when short (every key a dialect knows is), so that
         * comparing it is a memcmp; kept as it came otherwise */
        rc = agw_str_decode(key, r->key, sizeof(r->key));
        if (rc >= 0) {
            key->data = r->key;
            key->len = (uint32_t) rc;
            key->kind = AGW_STR_BYTES;
            key->escaped = 0;
        }
    }

    q = agw_json_ws(q, r->end);

    if (q >= r->end || *q != ':') {
        return agw_jr_fail(r, q);
    }

    r->p = agw_json_ws(q + 1, r->end);

    return 1;
}


int
agw_jr_element(agw_jr_t *r)
{
    int  rc;

    rc = agw_jr_next(r, '[', ']');

    /* "[,1]" and "[1,,2]" fail here, where the comma is, as in an object */
    if (rc == 1 && !agw_jr_value_start((unsigned char) *r->p)) {
        return agw_jr_fail(r, r->p);
    }

    return rc;
}


int
agw_jr_string(agw_jr_t *r, agw_str_t *s)
{
    int          rc;
    const char  *q;

    rc = agw_jr_expect(r, '"');
    if (rc != 0) {
        return rc;
    }

    q = agw_jr_read_string(r, s);
    if (q == NULL) {
        return -1;
    }

    r->p = q;
    return 0;
}


int
agw_jr_bool(agw_jr_t *r, int *v)
{
    const char  *q, *at;

    if (r->failed) {
        return -1;
    }

    r->p = agw_json_ws(r->p, r->end);

    if (r->p >= r->end) {
        return agw_jr_fail(r, r->p);
    }

    if (*r->p != 't' && *r->p != 'f') {
        return agw_jr_value_start((unsigned char) *r->p)
               ? AGW_JR_TYPE : agw_jr_fail(r, r->p);
    }

    q = agw_jr_scan_literal(r->p, r->end, &at);
    if (q == NULL) {
        return agw_jr_fail(r, at);
    }

    *v = (*r->p == 't');
    r->p = q;
    return 0;
}


int
agw_jr_null(agw_jr_t *r)
{
    int          rc;
    const char  *q, *at;

    rc = agw_jr_expect(r, 'n');
    if (rc != 0) {
        return rc;
    }

    q = agw_jr_scan_literal(r->p, r->end, &at);
    if (q == NULL) {
        return agw_jr_fail(r, at);
    }

    r->p = q;
    return 0;
}


int
agw_jr_number(agw_jr_t *r, agw_str_t *text)
{
    int          rc, integer;
    const char  *q, *at;

    rc = agw_jr_expect(r, '0');
    if (rc != 0) {
        return rc;
    }

    q = agw_jr_scan_number(r->p, r->end, &integer, &at);
    if (q == NULL || (size_t) (q - r->p) > UINT32_MAX) {
        return agw_jr_fail(r, q == NULL ? at : r->p);
    }

    text->data = r->p;
    text->len = (uint32_t) (q - r->p);
    text->kind = AGW_STR_VALUE;
    text->escaped = 0;

    r->p = q;
    return 0;
}


int
agw_jr_int(agw_jr_t *r, int64_t *v)
{
    int          rc, integer, neg;
    uint64_t     n, limit, d;
    const char  *p, *q, *at;

    rc = agw_jr_expect(r, '0');
    if (rc != 0) {
        return rc;
    }

    p = r->p;

    /* the whole number first: a broken one is a syntax error even when
     * its start would not have been an integer */
    q = agw_jr_scan_number(p, r->end, &integer, &at);
    if (q == NULL) {
        return agw_jr_fail(r, at);
    }

    if (!integer) {
        return AGW_JR_TYPE;
    }

    neg = (*p == '-');
    p += neg;

    /* the magnitude in uint64, against the limit of its sign: exactly
     * INT64_MIN .. INT64_MAX, nothing wraps */
    limit = neg ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;
    n = 0;

    /* up to 18 digits nothing can pass it: the counts and indexes a
     * stream repeats in every event need no test a digit */
    if (q - p <= 18) {
        for ( /* void */ ; p < q; p++) {
            n = n * 10 + (uint64_t) (*p - '0');
        }
    }

    for ( /* void */ ; p < q; p++) {
        d = (uint64_t) (*p - '0');

        if (n > (limit - d) / 10) {
            return AGW_JR_TYPE;
        }

        n = n * 10 + d;
    }

    *v = neg ? (int64_t) (0 - n) : (int64_t) n;
    r->p = q;
    return 0;
}


/*
 * The end of the value at p in bytes already validated (r->valid):
 * strings skipped to their ends, brackets counted, a scalar run to the
 * byte that ends it.  A translated request's reader skips its tool
 * schemas and arguments this way, at a third of what checking costs.
 */
static const char *
agw_jr_skip_valid(const char *p, const char *end)
{
    int            escaped;
    size_t         depth;
    unsigned char  c;

    depth = 0;

    while (p < end) {
        c = (unsigned char) *p;

        switch (c) {
        case '"':
            p = agw_json_string_skip(p, end, &escaped);
            if (p == NULL) {
                return NULL;
            }
            break;

        case '{':
        case '[':
            depth++;
            p++;
            break;

        case '}':
        case ']':
            depth--;
            p++;
            break;

        default:
            if (depth > 0) {
                p++;
                continue;
            }

            /* a number or a literal, alone */
            while (p < end && *p != ',' && *p != '}' && *p != ']'
                   && !agw_jr_is_ws(*p))
            {
                p++;
            }

            return p;
        }

        if (depth == 0) {
            return p;
        }
    }

    return NULL;
}


/*
 * Skips the value at r->p, validating it.  Containers are walked with a
 * byte per level (1: an object) in a local array, AGW_JR_DEPTH_MAX bytes
 * (a byte is read back with one load where a bit took a shift and a
 * mask, at each container's end): the nesting the input may ask for is
 * bounded by that, not by the C stack.
 */
int
agw_jr_value(agw_jr_t *r, agw_str_t *raw)
{
    int            escaped, integer, object;
    uint32_t       depth, base;
    unsigned char  kinds[AGW_JR_DEPTH_MAX];
    unsigned char  c;
    const char    *p, *end, *v, *at;

    if (r->failed) {
        return -1;
    }

    p = agw_json_ws(r->p, r->end);
    end = r->end;
    v = p;
    base = depth = r->depth;

    if (r->valid) {
        p = agw_jr_skip_valid(p, end);
        if (p == NULL) {
            at = end;
            goto invalid;
        }

        goto done;
    }

    object = 0;

value:

    /* p is at a value, white space not yet skipped: a body is mostly
     * compact, so the white space is looked for only where a byte
     * that is not the expected one is; the string first, most values
     * are */

    if (p >= end) {
        at = p;
        goto invalid;
    }

    c = (unsigned char) *p;

    if (c <= ' ') {
        p = agw_json_ws(p, end);

        if (p >= end) {
            at = p;
            goto invalid;
        }

        c = (unsigned char) *p;
    }

    if (c == '"') {
        escaped = 0;
        p = agw_json_string_scan(p, end, &escaped, &at);
        if (p == NULL) {
            goto invalid;
        }

        goto next;
    }

    switch (c) {
    case '{':
    case '[':
        if (depth >= AGW_JR_DEPTH_MAX) {
            at = p;
            goto invalid;
        }

        object = (c == '{');

        kinds[depth] = (unsigned char) object;

        depth++;
        p = agw_json_ws(p + 1, end);

        if (p < end && *p == (object ? '}' : ']')) {
            p++;
            goto close;
        }

        if (!object) {
            goto value;
        }

        goto key;

    case 't':
    case 'f':
    case 'n':
        p = agw_jr_scan_literal(p, end, &at);
        break;

    default:
        if (c != '-' && (c < '0' || c > '9')) {
            at = p;
            goto invalid;
        }

        p = agw_jr_scan_number(p, end, &integer, &at);
    }

    if (p == NULL) {
        goto invalid;
    }

next:

    /* a value ended at p: the next member or element, or a container's
     * end, or the value skipped is whole; object is the kind of the
     * container the value is in (kinds keeps those of its parents) */

    if (depth == base) {
        goto done;
    }

    if (p >= end) {
        at = p;
        goto invalid;
    }

    c = (unsigned char) *p;

    if (c <= ' ') {
        p = agw_json_ws(p, end);

        if (p >= end) {
            at = p;
            goto invalid;
        }

        c = (unsigned char) *p;
    }

    if (c == ',') {
        p++;

        if (object) {
            goto key;
        }

        goto value;
    }

    if (c != (object ? '}' : ']')) {
        at = p;
        goto invalid;
    }

    p++;

close:

    depth--;

    if (depth > base) {
        object = kinds[depth - 1];
    }

    goto next;

key:

    /* in an object, at a member's key, white space not yet skipped */

    if (p >= end || *p != '"') {
        p = agw_json_ws(p, end);

        if (p >= end || *p != '"') {
            at = p;
            goto invalid;
        }
    }

    /* a key's scan and a value's are inlined apart: each goes on to
     * what follows it without a test */
    escaped = 0;
    p = agw_json_string_scan(p, end, &escaped, &at);
    if (p == NULL) {
        goto invalid;
    }

    if (p >= end || *p != ':') {
        p = agw_json_ws(p, end);

        if (p >= end || *p != ':') {
            at = p;
            goto invalid;
        }
    }

    p++;
    goto value;

done:

    if (raw != NULL) {
        if ((size_t) (p - v) > UINT32_MAX) {
            at = v;
            goto invalid;
        }

        raw->data = v;
        raw->len = (uint32_t) (p - v);
        raw->kind = AGW_STR_VALUE;
        raw->escaped = 0;
    }

    r->p = p;
    return 0;

invalid:

    return agw_jr_fail(r, at);
}


int
agw_jr_end(agw_jr_t *r)
{
    if (r->failed) {
        return -1;
    }

    r->p = agw_json_ws(r->p, r->end);

    if (r->depth != 0 || r->p != r->end) {
        return agw_jr_fail(r, r->p);
    }

    return 0;
}


int
agw_json_valid(const char *p, size_t len, size_t *errpos)
{
    agw_jr_t  r;

    agw_jr_init(&r, p, len);

    if (agw_jr_value(&r, NULL) == 0 && agw_jr_end(&r) == 0) {
        return 0;
    }

    if (errpos != NULL) {
        *errpos = r.errpos;
    }

    return -1;
}


/*
 * agw_jr_value() for a value a translation carries whole and wants
 * compact (Gemini's args and response objects): *spaced says whether its
 * text holds white space outside its strings.  In bytes validated before
 * (r->valid) the skip notes it as it goes, so the value is walked once,
 * not skipped and then looked through again; otherwise *spaced is 1 (not
 * known).
 */
int
agw_jr_value_spaced(agw_jr_t *r, agw_str_t *raw, int *spaced)
{
    int            escaped, ws;
    size_t         depth;
    unsigned char  c;
    const char    *p, *v, *end;

    *spaced = 1;

    if (r->failed || !r->valid) {
        return agw_jr_value(r, raw);
    }

    end = r->end;
    v = agw_json_ws(r->p, end);
    ws = 0;
    depth = 0;

    for (p = v; p < end; /* void */ ) {
        c = (unsigned char) *p;

        if (c == '"') {
            p = agw_json_string_skip(p, end, &escaped);
            if (p == NULL) {
                break;
            }

        } else if (c == '{' || c == '[') {
            depth++;
            p++;

        } else if (c == '}' || c == ']') {
            depth--;
            p++;

        } else if (depth > 0) {
            ws |= agw_jr_is_ws(c);
            p++;
            continue;

        } else {
            /* a number or a literal, alone: the plain skip's */
            return agw_jr_value(r, raw);
        }

        if (depth == 0) {
            if ((size_t) (p - v) > UINT32_MAX) {
                break;
            }

            if (raw != NULL) {
                *raw = (agw_str_t) { v, (uint32_t) (p - v), AGW_STR_VALUE, 0 };
            }

            *spaced = ws;
            r->p = p;
            return 0;
        }
    }

    return agw_jr_value(r, raw);        /* cut short: its error */
}
