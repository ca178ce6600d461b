/*
 * The pull reader (agw_json_reader.h) and agw_str: the same verdict as
 * jansson on hand-picked edge cases, on every fixture and on mutations of
 * each; a full walk gives the same tree as jansson; type errors apart
 * from syntax errors; the depth bound; each call's edges.
 */

#include <stdlib.h>
#include <jansson.h>

#include "tap.h"
#include "json_walk.h"
#include "agw_json_reader.h"
#include "agw_str.h"


/* Undefined behaviour fails the test, not only a line on stderr. */
const char *
__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}


typedef struct {
    size_t  docs;
    size_t  mutations;
    size_t  mismatches;
} fixture_stats_t;


/*
 * The reader against jansson on one input: the verdict of agw_json_valid,
 * the verdict of a full pull walk, and the walk's tree.  1 when they agree
 * (or jansson's verdict says nothing about the grammar).
 */
static int
agree_tree(const char *p, size_t len, int tree)
{
    int        jv, same;
    json_t    *want, *got;
    agw_jr_t   r;

    jv = walk_jansson_verdict(p, len, &want);
    if (jv < 0) {
        return 1;
    }

    same = (agw_json_valid(p, len, NULL) == 0) == jv;

    if (tree) {
        got = walk_document(p, len, &r);
        same = same && (got != NULL) == jv && (!jv || json_equal(got, want));
        json_decref(got);
    }

    json_decref(want);
    return same;
}


static int
agree(const char *p, size_t len)
{
    return agree_tree(p, len, 1);
}


static void
fixture_check(const char *name, char *p, size_t len, void *ud)
{
    char              saved;
    size_t            i, k;
    fixture_stats_t  *st = ud;
    static const char  subst[] = { '"', '{', '}', '[', ']', ',', ':', '\\',
                                   (char) 0xff, (char) 0xc3, '1', ' ', 'e',
                                   '\x01', '-' };

    st->docs++;

    if (!agree(p, len)) {
        st->mismatches++;
        tap_diag("fixture %s", name);
    }

    /*
     * A walk of every mutation would take minutes under ASan: the
     * verdicts on mutations, the trees on the whole fixtures; and of the
     * stream fixtures' lines (five hundred chunks of the same shapes),
     * every fourth line is mutated.
     */
    if (name[strlen(name) - 1] == 'l' && st->docs % 4 != 0) {
        return;
    }

    for (i = 0; i < len; i += 1 + len / 12) {
        saved = p[i];

        for (k = 0; k < sizeof(subst); k++) {
            p[i] = subst[k];
            st->mutations++;

            if (!agree_tree(p, len, 0)) {
                st->mismatches++;
                tap_diag("%s byte %zu -> 0x%02x", name, i,
                         (unsigned char) subst[k]);
            }
        }

        p[i] = saved;

        st->mutations++;
        if (!agree_tree(p, i, 0)) {
            st->mismatches++;
            tap_diag("%s cut at %zu", name, i);
        }
    }
}


/* A case's text for its test name: control and non-ASCII bytes shown as
 * dots, so that the TAP stays one line a test. */
static const char *
shown(const char *s)
{
    size_t       i;
    static char  buf[128];

    for (i = 0; s[i] && i < sizeof(buf) - 1; i++) {
        buf[i] = ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] >= 0x7f)
                 ? '.' : s[i];
    }

    buf[i] = '\0';
    return buf;
}


static int
valid(const char *s)
{
    return agw_json_valid(s, strlen(s), NULL) == 0;
}


static void
test_grammar(void)
{
    size_t        errpos, mismatches;
    const char  **v;
    static const char  *good[] = {
        "{}", "[]", " {\"a\":1} ", "\"s\"", "0", "-0", "1.5e-3", "true",
        "false", "null", " [ 1 , \"x\" , { } , [ ] ] ",
        "{\"a\":[1,2,{\"b\":null}],\"c\":true}",
        "{\"s\":\"\\u00e9\\ud83d\\ude00 \\\"q\\\" \\/ \\b\\f\\n\\r\\t\"}",
        "{\"n\":-0.5e+10,\"m\":0,\"k\":1E3}",
        "{\"u\":\"h\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"}",
        "{\"\":\"\",\"a\":1,\"a\":2}", "\t\r\n[\t\r\n]\t\r\n",
        NULL
    };
    static const char  *bad[] = {
        "", " ", "{", "}", "[", "]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
        "[1,]", "[,1]", "{,}", "[1 2]", "{\"a\":1 \"b\":2}", "{a:1}",
        "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":tru}",
        "{\"a\":truex}", "[nul]", "[-]", "[1e]", "[1e+]", "[--1]",
        "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12g4\"}",
        "{\"a\":\"\\ud800\"}", "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":\"\\udc00\"}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\x01\"}",
        "{\"a\":\"\x1f\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\xff\"}", "{\"a\":\"\xe2\x82\"}", "[\"\xf4\x90\x80\x80\"]",
        "[\"\xe0\x80\xaf\"]", "[\"\xf0\x80\x80\xaf\"]", "{} {}", "1 2",
        "{\"a\":1} x", "{\"a\":\"unterminated}", "[\"\\", "\"\\u",
        "{\"a\" 1}", "{1:2}", "[1}", "{\"a\":1]", "\xef\xbb\xbf{}",
        NULL
    };

    for (v = good; *v; v++) {
        ok(valid(*v) && agree(*v, strlen(*v)), "valid: %s", shown(*v));
    }

    for (v = bad; *v; v++) {
        ok(!valid(*v) && agree(*v, strlen(*v)), "invalid: %s", shown(*v));
    }

    ok(agw_json_valid("{\"a\":1, x}", 10, &errpos) == -1 && errpos == 8,
       "the error position points at the offending byte");
    ok(agw_json_valid("[\"ab\\q\"]", 8, &errpos) == -1 && errpos == 4,
       "a bad escape is reported at its backslash");

    /*
     * Every byte that ends a plain run of a string (the run is read in
     * blocks), at every offset of a 16- and 32-byte block: the same
     * verdict and the same characters as jansson.
     */
    mismatches = 0;

    for (size_t i = 0; i < 40; i++) {
        static const char  *stops[] = {
            "\\\"", "\\\\", "\\n", "\\u00e9", "\x01", "\x1f", " ", "\x7f",
            "\x80", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff",
            "\xc3", "\"", "\\n\\\"", "\\\\\\u00e9", "\\t\x01", "\\r\\x",
            "\\/\xc3\xa9\\b", "\\f\\u12", "\\\\\\ud83d\\ude00\\n", NULL
        };
        char  text[128];
        int   n;

        for (v = stops; *v; v++) {
            n = snprintf(text, sizeof(text), "{\"k\":\"%.*s%s%.*s\"}",
                         (int) i, "abcdefghijklmnopqrstuvwxyzabcdefghijklmn",
                         *v, (int) (39 - i),
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN");
            if (!agree(text, (size_t) n)) {
                mismatches++;
                tap_diag("byte(s) %s at offset %zu", shown(*v), i);
            }
        }
    }

    ok(mismatches == 0, "every byte that ends a plain run, at every offset "
       "of a block: as jansson");
}


static void
test_depth(void)
{
    int       i, rc;
    char     *deep;
    size_t    n;
    agw_jr_t  r;

    n = 4 * AGW_JR_DEPTH_MAX + 16;
    deep = malloc(n);

    /* exactly the bound: valid, both by a walk and by a skip */
    memset(deep, '[', AGW_JR_DEPTH_MAX);
    memset(deep + AGW_JR_DEPTH_MAX, ']', AGW_JR_DEPTH_MAX);
    ok(agw_json_valid(deep, 2 * AGW_JR_DEPTH_MAX, NULL) == 0,
       "nesting up to the bound is valid");

    agw_jr_init(&r, deep, 2 * AGW_JR_DEPTH_MAX);
    for (i = 0, rc = 0; i < AGW_JR_DEPTH_MAX && rc == 0; i++) {
        rc = agw_jr_array(&r);
        if (rc == 0 && i < AGW_JR_DEPTH_MAX - 1) {
            rc = agw_jr_element(&r) == 1 ? 0 : -1;
        }
    }
    for (i = 0; i < AGW_JR_DEPTH_MAX && rc == 0; i++) {
        rc = agw_jr_element(&r);
    }
    ok(rc == 0 && r.depth == 0 && agw_jr_end(&r) == 0,
       "a pull walk to the bound and back");

    /* one more: refused by the skip and by the walk, at the extra '[' */
    memset(deep, '[', AGW_JR_DEPTH_MAX + 1);
    memset(deep + AGW_JR_DEPTH_MAX + 1, ']', AGW_JR_DEPTH_MAX + 1);
    n = 2 * AGW_JR_DEPTH_MAX + 2;
    ok(agw_json_valid(deep, n, NULL) == -1, "one level past the bound: "
       "refused");

    agw_jr_init(&r, deep, n);
    for (i = 0, rc = 0; i <= AGW_JR_DEPTH_MAX && rc == 0; i++) {
        rc = agw_jr_array(&r);
        if (rc == 0) {
            rc = agw_jr_element(&r) == 1 ? 0 : -1;
        }
    }
    ok(rc == -1 && r.failed && r.errpos == AGW_JR_DEPTH_MAX,
       "the walk fails at the first '[' past the bound");

    /* a skip from inside: the bound counts the levels already entered */
    agw_jr_init(&r, deep, n);
    ok(agw_jr_array(&r) == 0 && agw_jr_element(&r) == 1
       && agw_jr_value(&r, NULL) == -1, "a skip counts the levels entered");

    free(deep);

    /* hostile nesting: a million '[' cost no stack */
    n = 1000000;
    deep = malloc(n);
    memset(deep, '[', n);
    ok(agw_json_valid(deep, n, NULL) == -1, "a million '[' refused");
    memset(deep, '{', n);
    ok(agw_json_valid(deep, n, NULL) == -1, "a million '{' refused");
    free(deep);
}


static void
test_types(void)
{
    int          b;
    int64_t      i;
    agw_jr_t     r;
    agw_str_t    s;
    const char  *doc = "{\"n\":12,\"s\":\"x\",\"b\":false,\"z\":null,"
                       "\"f\":1.5,\"o\":{},\"a\":[]}";

    agw_jr_init(&r, doc, strlen(doc));
    ok(agw_jr_array(&r) == AGW_JR_TYPE && !r.failed && r.p == r.start,
       "an array asked, an object there: a type error, nothing consumed");
    ok(agw_jr_object(&r) == 0 && agw_jr_member(&r, &s) == 1
       && agw_str_is(&s, "n"), "then the object");

    ok(agw_jr_string(&r, &s) == AGW_JR_TYPE && agw_jr_bool(&r, &b)
       == AGW_JR_TYPE && agw_jr_null(&r) == AGW_JR_TYPE
       && agw_jr_object(&r) == AGW_JR_TYPE && !r.failed,
       "a number is no string, bool, null or object");
    ok(agw_jr_int(&r, &i) == 0 && i == 12, "it is an integer");

    ok(agw_jr_member(&r, &s) == 1 && agw_jr_int(&r, &i) == AGW_JR_TYPE
       && agw_jr_number(&r, &s) == AGW_JR_TYPE && agw_jr_string(&r, &s) == 0
       && s.len == 1 && s.data[0] == 'x' && s.kind == AGW_STR_JSON,
       "a string is no number");
    ok(agw_jr_member(&r, &s) == 1 && agw_jr_peek(&r) == AGW_JR_FALSE
       && agw_jr_bool(&r, &b) == 0 && b == 0, "a bool");
    ok(agw_jr_member(&r, &s) == 1 && agw_jr_peek(&r) == AGW_JR_NULL
       && agw_jr_bool(&r, &b) == AGW_JR_TYPE && agw_jr_null(&r) == 0,
       "null is no bool");
    ok(agw_jr_member(&r, &s) == 1 && agw_jr_int(&r, &i) == AGW_JR_TYPE
       && agw_jr_number(&r, &s) == 0 && s.kind == AGW_STR_VALUE
       && s.len == 3 && memcmp(s.data, "1.5", 3) == 0,
       "a fraction is no integer; its text as it came");
    ok(agw_jr_member(&r, &s) == 1 && agw_jr_peek(&r) == AGW_JR_OBJECT
       && agw_jr_object(&r) == 0 && agw_jr_member(&r, &s) == 0,
       "an empty object");
    ok(agw_jr_member(&r, &s) == 1 && agw_jr_peek(&r) == AGW_JR_ARRAY
       && agw_jr_array(&r) == 0 && agw_jr_element(&r) == 0,
       "an empty array");
    ok(agw_jr_member(&r, &s) == 0 && agw_jr_peek(&r) == AGW_JR_NONE
       && agw_jr_end(&r) == 0, "the end");

    /* syntax errors are sticky */
    agw_jr_init(&r, "[1,,2]", 6);
    ok(agw_jr_array(&r) == 0 && agw_jr_element(&r) == 1
       && agw_jr_int(&r, &i) == 0 && agw_jr_element(&r) == -1 && r.failed
       && r.errpos == 3, "a syntax error fails at its byte");
    ok(agw_jr_int(&r, &i) == -1 && agw_jr_element(&r) == -1
       && agw_jr_value(&r, NULL) == -1 && agw_jr_end(&r) == -1
       && agw_jr_peek(&r) == AGW_JR_NONE && r.errpos == 3,
       "and every later call fails, the position kept");
    agw_jr_init(&r, "[x]", 3);
    ok(agw_jr_array(&r) == 0 && agw_jr_element(&r) == -1 && r.errpos == 1,
       "an element that is no value fails at its first byte");

    agw_jr_init(&r, "{\"a\":x}", 7);
    ok(agw_jr_object(&r) == 0 && agw_jr_member(&r, &s) == 1
       && agw_jr_string(&r, &s) == -1 && r.failed && r.errpos == 5,
       "what is no value at all is a syntax error, not a type error");

    agw_jr_init(&r, "[\"a\\x\"]", 7);
    ok(agw_jr_array(&r) == 0 && agw_jr_element(&r) == 1
       && agw_jr_string(&r, &s) == -1 && r.errpos == 3,
       "a bad string fails at its bad escape");

    agw_jr_init(&r, "{\"a\":1", 6);
    ok(agw_jr_object(&r) == 0 && agw_jr_member(&r, &s) == 1
       && agw_jr_int(&r, &i) == 0 && agw_jr_member(&r, &s) == -1
       && r.errpos == 6, "a cut object fails at its end");

    agw_jr_init(&r, "[1]", 3);
    ok(agw_jr_array(&r) == 0 && agw_jr_end(&r) == -1,
       "the end inside a container fails");

    agw_jr_init(&r, NULL, 0);
    ok(agw_jr_peek(&r) == AGW_JR_NONE && agw_jr_object(&r) == -1
       && r.errpos == 0 && agw_json_valid(NULL, 0, NULL) == -1,
       "no body at all: not JSON, no arithmetic on NULL");
}


/*
 * agw_jr_int_digits() against agw_jr_int(), each text followed by ",":
 * where it reads digits, the reader reads the same value to the same
 * byte (a 0 before a digit too: the byte after is the JSON's error), or
 * refuses the number when the digits stop at '.', 'e' or 'E' (which
 * their caller must refuse too); where it does not, the text starts
 * with no digit or with 19 of them.
 */
static void
test_int_digits(void)
{
    int          bad, rc;
    char         buf[64];
    size_t       k, len;
    int64_t      a, b;
    agw_jr_t     r;
    const char  *q;
    static const char *const  texts[] = {
        "0", "7", "10", "42", "275", "1000000", "01", "00", "0.5", "2.5",
        "1e3", "1E3", "123456789012345678", "999999999999999999",
        "1234567890123456789", "9223372036854775807",
        "99999999999999999999", "-3", " 7", "x", "", "-", "0x1"
    };

    bad = 0;

    for (k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
        len = (size_t) snprintf(buf, sizeof(buf), "%s,", texts[k]);

        a = -1;
        q = agw_jr_int_digits(buf, buf + len, &a);

        agw_jr_init(&r, buf, len);
        b = -2;
        rc = agw_jr_int(&r, &b);

        if (q == NULL) {
            /* none: not a digit first, or 19 digits */
            bad += (buf[0] >= '0' && buf[0] <= '9' && strspn(buf,
                        "0123456789") < 19);
            continue;
        }

        if (*q == '.' || *q == 'e' || *q == 'E') {
            bad += rc == 0;             /* no integer for the reader */

        } else {
            bad += !(rc == 0 && a == b && q == r.p);
        }
    }

    ok(bad == 0, "the digits of a count read as agw_jr_int() reads them "
       "(%d not)", bad);

    /* never past end: a count cut there, 18 digits then the end */
    q = agw_jr_int_digits("12", "12" + 1, &a);
    ok(q != NULL && a == 1, "digits cut at end: %lld", (long long) a);
    q = agw_jr_int_digits("123456789012345678", "123456789012345678" + 18,
                          &a);
    ok(q != NULL && a == 123456789012345678LL,
       "18 digits to end: %lld", (long long) a);
}


static void
test_int(void)
{
    size_t       k;
    int64_t      i;
    agw_jr_t     r;
    static const struct {
        const char  *text;
        int          rc;
        int64_t      v;
    } cases[] = {
        { "0", 0, 0 },
        { "-0", 0, 0 },
        { "7", 0, 7 },
        { "-7", 0, -7 },
        { "9223372036854775807", 0, INT64_MAX },
        { "-9223372036854775808", 0, INT64_MIN },
        { "9223372036854775808", AGW_JR_TYPE, 0 },
        { "-9223372036854775809", AGW_JR_TYPE, 0 },
        { "18446744073709551616", AGW_JR_TYPE, 0 },
        { "99999999999999999999999", AGW_JR_TYPE, 0 },
        { "1.0", AGW_JR_TYPE, 0 },
        { "1e3", AGW_JR_TYPE, 0 },
        { "1E+3", AGW_JR_TYPE, 0 },
        { "-", -1, 0 },
        { "1.", -1, 0 },
        { "1e", -1, 0 },
        { "\"1\"", AGW_JR_TYPE, 0 },
    };

    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        agw_jr_init(&r, cases[k].text, strlen(cases[k].text));
        i = 42;

        if (cases[k].rc == 0) {
            ok(agw_jr_int(&r, &i) == 0 && i == cases[k].v
               && agw_jr_end(&r) == 0, "int %s", cases[k].text);

        } else if (cases[k].rc == AGW_JR_TYPE) {
            ok(agw_jr_int(&r, &i) == AGW_JR_TYPE && i == 42 && !r.failed
               && agw_jr_value(&r, NULL) == 0 && agw_jr_end(&r) == 0,
               "int %s: a type error, the value still readable",
               cases[k].text);

        } else {
            ok(agw_jr_int(&r, &i) == -1 && r.failed, "int %s: not JSON",
               cases[k].text);
        }
    }
}


static void
test_keys(void)
{
    char         longkey[200], doc[300];
    agw_jr_t     r;
    agw_str_t    k, v;
    const char  *d = "{\"\\u006dodel\":\"m\",\"mo\\\"del\":1,\"model\":2}";

    agw_jr_init(&r, d, strlen(d));
    ok(agw_jr_object(&r) == 0 && agw_jr_member(&r, &k) == 1
       && k.kind == AGW_STR_BYTES && k.data == r.key && k.len == 5
       && memcmp(k.data, "model", 5) == 0 && agw_str_is(&k, "model"),
       "an escaped key comes decoded");
    ok(agw_jr_string(&r, &v) == 0 && agw_jr_member(&r, &k) == 1
       && agw_str_is(&k, "mo\"del") && !agw_str_is(&k, "model"),
       "an escaped quote in a key");
    ok(agw_jr_value(&r, NULL) == 0 && agw_jr_member(&r, &k) == 1
       && k.kind == AGW_STR_JSON && !k.escaped && agw_str_is(&k, "model")
       && k.data > d && k.data < d + strlen(d),
       "a plain key is a slice of the input; a repeated key comes again");

    /* too long for r->key: as it came, still compared by characters */
    memset(longkey, 'k', 100);
    memcpy(longkey + 100, "\\u0041", 7);
    snprintf(doc, sizeof(doc), "{\"%s\":true}", longkey);
    agw_jr_init(&r, doc, strlen(doc));
    memset(longkey + 100, 'A', 1);
    longkey[101] = '\0';
    ok(agw_jr_object(&r) == 0 && agw_jr_member(&r, &k) == 1
       && k.kind == AGW_STR_JSON && k.escaped && k.len == 106
       && agw_str_eq(&k, longkey, 101) && !agw_str_eq(&k, longkey, 100),
       "a long escaped key comes as it came, compared by characters");
}


static void
test_value(void)
{
    agw_jr_t     r;
    agw_str_t    k, v;
    json_t      *j;
    const char  *d = " { \"schema\" : {\"type\":\"object\",\"p\":[1,{\"x\":"
                     "\"\\u00e9\"}]} , \"s\" : \"q\\\"\" , \"n\" : -1.5e3 } ";

    agw_jr_init(&r, d, strlen(d));
    ok(agw_jr_object(&r) == 0 && agw_jr_member(&r, &k) == 1
       && agw_jr_value(&r, &v) == 0 && v.kind == AGW_STR_VALUE
       && v.data[0] == '{' && v.data[v.len - 1] == '}',
       "a subtree taken whole, its text exactly");
    j = json_loadb(v.data, v.len, 0, NULL);
    ok(j != NULL && json_array_size(json_object_get(j, "p")) == 2,
       "the text is the subtree");
    json_decref(j);

    ok(agw_jr_member(&r, &k) == 1 && agw_jr_value(&r, &v) == 0
       && v.len == 5 && memcmp(v.data, "\"q\\\"\"", 5) == 0,
       "a string's text keeps its quotes");
    ok(agw_jr_member(&r, &k) == 1 && agw_jr_value(&r, &v) == 0
       && v.len == 6 && memcmp(v.data, "-1.5e3", 6) == 0, "a number's text");
    ok(agw_jr_member(&r, &k) == 0 && agw_jr_end(&r) == 0, "then the end");

    agw_jr_init(&r, "[{\"a\":[1,2}]", 12);
    ok(agw_jr_array(&r) == 0 && agw_jr_element(&r) == 1
       && agw_jr_value(&r, &v) == -1 && r.errpos == 10,
       "a skip validates what it skips");

    agw_jr_init(&r, "{\"a\":{\"b\":1,}}", 14);
    ok(agw_jr_object(&r) == 0 && agw_jr_member(&r, &k) == 1
       && agw_jr_value(&r, NULL) == -1 && r.errpos == 12,
       "a trailing comma inside a skipped object");
}


static void
test_str(void)
{
    char       buf[32];       /* unescape: s.len bytes at least */
    agw_str_t  s = { "a\\u00e9\\n\\ud83d\\ude00\\\"", 23, AGW_STR_JSON, 1 };
    agw_str_t  b = agw_str_bytes("plain", 5);
    agw_str_t  v = { "{\"a\":1}", 7, AGW_STR_VALUE, 0 };
    agw_str_t  e = { "", 0, AGW_STR_JSON, 0 };
    agw_str_t  u = AGW_STR_NULL;
    char       want[] = "a\xc3\xa9\n\xf0\x9f\x98\x80\"";

    ok(agw_str_decode(&s, buf, sizeof(buf)) == 9
       && memcmp(buf, want, 9) == 0, "decode: every kind of escape");
    ok(agw_str_decode(&s, buf, 8) == -1, "decode: too small a buffer");
    ok(agw_str_decode(&s, buf, 9) == 9, "decode: exactly the size");
    ok(agw_str_eq(&s, want, 9) && !agw_str_eq(&s, want, 8)
       && !agw_str_eq(&s, "a\xc3\xa9\n\xf0\x9f\x98\x80!", 9),
       "eq: escaped, by characters");
    ok(agw_str_unescape(&s, buf) == 9 && memcmp(buf, want, 9) == 0,
       "unescape");
    ok(agw_str_is(&b, "plain") && !agw_str_is(&b, "plai")
       && agw_str_decode(&b, buf, 5) == 5 && agw_str_decode(&b, buf, 4) == -1
       && agw_str_unescape(&b, buf) == 5, "bytes");
    ok(agw_str_decode(&v, buf, sizeof(buf)) == -1
       && agw_str_unescape(&v, buf) == 7 && memcmp(buf, "{\"a\":1}", 7) == 0,
       "a value: no characters to decode, its text as it is");
    ok(agw_str_is(&e, "") && agw_str_set(&e) && !agw_str_set(&u)
       && agw_str_decode(&e, buf, 0) == 0, "empty and unset");
}


/*
 * The decoder copies runs 16 bytes at a time: an escape at every place
 * of strings up to three blocks long, decoded into a heap buffer of just
 * the characters' size (ASan sees a byte written past it), and refused
 * by one a byte smaller.
 */
static void
test_str_runs(void)
{
    int          bad;
    char         in[64], want[64], *out;
    size_t       len, at, k, n, e;
    agw_str_t    s;
    const char  *esc[] = { "\\\"", "\\n", "\\/", "\\t", "\\u00e9",
                           "\\ud83d\\ude00" };
    const char  *chr[] = { "\"", "\n", "/", "\t", "\xc3\xa9",
                           "\xf0\x9f\x98\x80" };

    bad = 0;

    for (k = 0; k < sizeof(esc) / sizeof(esc[0]); k++) {
        e = strlen(esc[k]);

        for (len = e; len < 48; len++) {
            for (at = 0; at + e <= len; at++) {
                memset(in, 'x', len);
                memcpy(in + at, esc[k], e);

                memset(want, 'x', at);
                memcpy(want + at, chr[k], strlen(chr[k]));
                n = at + strlen(chr[k]);
                memset(want + n, 'x', len - at - e);
                n += len - at - e;

                s = (agw_str_t) { in, (uint32_t) len, AGW_STR_JSON, 1 };

                out = malloc(n);
                if (out == NULL) {
                    bad++;
                    continue;
                }

                if (agw_str_decode(&s, out, n) != (int) n
                    || memcmp(out, want, n) != 0
                    || agw_str_decode(&s, out, n - 1) != -1)
                {
                    bad++;
                    tap_diag("%zu bytes, escape %zu at %zu", len, k, at);
                }

                free(out);
            }
        }
    }

    ok(bad == 0, "decode: an escape at every place of runs across 16-byte "
       "blocks, into just the room its characters take");
}


/*
 * A reader told its bytes were validated only skips strings to their
 * ends: it must find the same ends as the one that checks them, for an
 * escape at every place around the 16-byte blocks it looks at, in a
 * string read, a value skipped and a key.
 */
static void
test_valid_skip(void)
{
    int          bad, valid, i;
    char         doc[160];
    size_t       len, at, k, e, n, off[2];
    agw_jr_t     r;
    agw_str_t    str[2], key[2], raw[2];
    const char  *esc[] = { "\\\"", "\\\\", "\\n", "\\u00e9",
                           "\\ud83d\\ude00", "\xc3\xa9" };

    bad = 0;

    for (k = 0; k < sizeof(esc) / sizeof(esc[0]); k++) {
        e = strlen(esc[k]);

        for (len = e; len < 48; len++) {
            for (at = 0; at + e <= len; at++) {
                /* {"<s>": ["<s>", "<s>"]} */
                n = 0;
                doc[n++] = '{';

                for (i = 0; i < 3; i++) {
                    doc[n++] = '"';
                    memset(doc + n, 'x', len);
                    memcpy(doc + n + at, esc[k], e);
                    n += len;
                    doc[n++] = '"';
                    memcpy(doc + n, i == 0 ? ":[" : i == 1 ? "," : "]}", 2);
                    n += (i == 1) ? 1 : 2;
                }

                for (valid = 0; valid <= 1; valid++) {
                    agw_jr_init(&r, doc, n);
                    r.valid = valid;

                    if (agw_jr_object(&r) != 0
                        || agw_jr_member(&r, &key[valid]) != 1
                        || agw_jr_array(&r) != 0
                        || agw_jr_element(&r) != 1
                        || agw_jr_string(&r, &str[valid]) != 0
                        || agw_jr_element(&r) != 1
                        || agw_jr_value(&r, &raw[valid]) != 0
                        || agw_jr_element(&r) != 0
                        || agw_jr_member(&r, &key[valid]) != 0
                        || agw_jr_end(&r) != 0)
                    {
                        bad++;
                    }

                    off[valid] = agw_jr_offset(&r);
                }

                if (off[0] != off[1] || str[0].len != str[1].len
                    || str[0].escaped != str[1].escaped
                    || str[1].len != len || raw[1].len != len + 2)
                {
                    bad++;
                    tap_diag("%zu bytes, escape %zu at %zu", len, k, at);
                }
            }
        }
    }

    ok(bad == 0, "a reader trusting validated bytes finds each string's "
       "end where the checking one does");

    /* values skipped whole: containers, numbers and literals */
    {
        size_t       j;
        agw_str_t    v[2];
        const char  *docs[] = {
            "[{\"a\":\"}]\\\"{\",\"b\":[1,-2.5e3,true,null,{}]},[],\"x\"]",
            "[ -0.5 , 12 , false , null , \"]\" , { \"k\" : [ [ ] ] } ]",
            "[{\"a\":{\"b\":{\"c\":[0]}}},1e-3]"
        };

        for (j = 0; j < sizeof(docs) / sizeof(docs[0]); j++) {
            for (valid = 0; valid <= 1; valid++) {
                agw_jr_init(&r, docs[j], strlen(docs[j]));
                r.valid = valid;
                off[valid] = 0;

                if (agw_jr_array(&r) != 0) {
                    bad++;
                    continue;
                }

                while (agw_jr_element(&r) == 1) {
                    if (agw_jr_value(&r, &v[valid]) != 0) {
                        bad++;
                        break;
                    }

                    /* each value's extent, summed over the walk */
                    off[valid] = off[valid] * 31
                                 + (size_t) (v[valid].data - docs[j])
                                 + v[valid].len;
                }

                if (agw_jr_end(&r) != 0) {
                    bad++;
                }
            }

            if (off[0] != off[1]) {
                bad++;
                tap_diag("values of %s skipped differently", docs[j]);
            }
        }
    }

    ok(bad == 0, "a reader trusting validated bytes skips each value to "
       "where the checking one does");
}


/*
 * Text dense with escapes (JSON inside a string: \" every few bytes, \\,
 * \n, \u00xx for control bytes, \/ as some writers put it): decoded
 * block by block, in strings of every length, into just their room.
 */
static void
test_str_dense(void)
{
    int          bad;
    char        *text, *esc, *out, *q;
    size_t       round, len, i, n, e;
    json_t      *j;
    uint32_t     x;
    agw_str_t    s;
    const char  *alpha = "\"\\\"\\ab/\n\x01\t";

    bad = 0;
    x = 99;
    text = malloc(512);
    esc = malloc(4096);

    for (round = 0; round < 2000; round++) {
        x = x * 1103515245 + 12345;
        len = (x >> 8) % 400;

        for (i = 0; i < len; i++) {
            x = x * 1103515245 + 12345;
            text[i] = alpha[(x >> 8) % 10];
        }

        j = json_stringn(text, len);
        q = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        json_decref(j);

        /* a few \/ as other writers send them */
        for (i = 1, e = 0; q[i + 1] != '\0'; i++) {
            if (q[i] == '/' && (round & 1)) {
                esc[e++] = '\\';
            }
            esc[e++] = q[i];
        }
        free(q);

        s = (agw_str_t) { esc, (uint32_t) e, AGW_STR_JSON, 1 };
        n = len;
        out = malloc(n + 1);

        if (out == NULL || agw_str_decode(&s, out, n) != (int) n
            || memcmp(out, text, n) != 0
            || (n > 0 && agw_str_decode(&s, out, n - 1) != -1))
        {
            bad++;
            tap_diag("dense decode of %zu characters", len);
        }

        free(out);
    }

    ok(bad == 0, "decode: strings dense with escapes, every length");

    free(text);
    free(esc);
}


/*
 * agw_jr_value_spaced(): in validated bytes, whether a value's text holds
 * white space outside its strings (never for the spaces inside them), its
 * extent the same as agw_jr_value()'s; not known (1) without r->valid.
 */
static void
test_value_spaced(void)
{
    int          spaced, valid;
    size_t       i;
    agw_jr_t     r;
    agw_str_t    v, key;
    char         doc[160];
    static const struct {
        const char  *value;
        int          spaced;
    } cases[] = {
        { "{\"a\":\"x y\",\"b\":[1,2]}", 0 },
        { "{\"a\": 1}", 1 },
        { "[1,\n2]", 1 },
        { "{\"q\":\"say \\\" {\\\\ }\",\"n\":{}}", 0 },
        { "{\"q\":\"\\\\\",\"n\":[ ]}", 1 },
        { "\"a b\"", 0 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (valid = 0; valid < 2; valid++) {
            snprintf(doc, sizeof(doc), "{\"v\":%s,\"z\":true}",
                     cases[i].value);
            agw_jr_init(&r, doc, strlen(doc));
            r.valid = valid;

            ok(agw_jr_object(&r) == 0 && agw_jr_member(&r, &key) == 1
               && agw_jr_value_spaced(&r, &v, &spaced) == 0
               && v.len == strlen(cases[i].value)
               && memcmp(v.data, cases[i].value, v.len) == 0
               && spaced == (valid ? cases[i].spaced : 1)
               && agw_jr_member(&r, &key) == 1 && agw_str_is(&key, "z"),
               "value_spaced %s (valid %d): %d", cases[i].value, valid,
               spaced);
        }
    }
}


int
main(void)
{
    fixture_stats_t  st;

    test_grammar();
    test_value_spaced();
    test_str_dense();
    test_depth();
    test_types();
    test_int();
    test_int_digits();
    test_keys();
    test_value();
    test_str();
    test_str_runs();
    test_valid_skip();

    memset(&st, 0, sizeof(st));
    walk_fixtures("t/fixtures", fixture_check, &st);
    ok(st.docs > 100, "fixture documents read (%zu)", st.docs);
    tap_diag("%zu mutations compared", st.mutations);
    is_int(st.mismatches, 0, "reader and jansson agree on fixtures and "
           "mutations: verdict and tree");

    return done_testing();
}
