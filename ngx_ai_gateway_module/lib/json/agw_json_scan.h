/*
 * agw_json_scan: validate JSON and find an object's members without
 * building a tree.
 *
 * The same-dialect passthrough only rewrites a model name and reads a few
 * usage numbers: for that, parsing a body into jansson objects and dumping
 * it again costs several times what proxying the request does.  This
 * scanner checks the whole grammar (strings, escapes, UTF-8, numbers,
 * nesting up to a bound) in one pass, allocates nothing, and reports each
 * top-level member's raw key and value bytes.  It accepts what jansson
 * accepts (tested against jansson on the fixtures, their mutations and by
 * a fuzzer), except numbers out of jansson's range, which it leaves to the
 * receiver.  Anything needing a tree still goes through jansson.
 */

#ifndef AGW_JSON_SCAN_H
#define AGW_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Value types, by their first byte. */
#define AGW_JSON_OBJECT  '{'
#define AGW_JSON_ARRAY   '['
#define AGW_JSON_STRING  '"'
#define AGW_JSON_NUMBER  '0'
#define AGW_JSON_TRUE    't'
#define AGW_JSON_FALSE   'f'
#define AGW_JSON_NULL    'n'

typedef struct {
    const char  *key;        /* between the quotes, escapes not decoded */
    size_t       key_len;
    const char  *value;      /* the raw value; a string keeps its quotes */
    size_t       value_len;
    int          type;       /* AGW_JSON_* */
    int          escaped;    /* a string value holds a backslash */
} agw_json_member_t;

/* Return 0 to go on, non-zero to stop the scan (agw_json_scan returns it). */
typedef int (*agw_json_member_cb)(void *ud, const agw_json_member_t *m);

#define AGW_JSON_DEPTH_MAX  512

/*
 * Validates len bytes as one JSON object (surrounding white space allowed)
 * and calls cb for each of its members in order (cb may be NULL).  Returns
 * 0 when valid, the callback's non-zero value if it stopped, or -1 when
 * invalid, with *errpos the offset of the offending byte.
 */
int agw_json_scan(const char *p, size_t len, agw_json_member_cb cb, void *ud,
    size_t *errpos);

/*
 * Past the closing quote of the JSON string opening at p, or NULL when the
 * bytes up to end hold no valid string there (the scanner's rules: escapes,
 * control bytes, UTF-8, as jansson reads them).
 */
const char *agw_json_string_end(const char *p, const char *end);

/* A top-level member by key (plain ASCII key, matched without decoding). */
int agw_json_find(const char *obj, size_t len, const char *key,
    agw_json_member_t *out);

/*
 * Picks the members named keys[0..n) (n <= 8) while agw_json_scan walks an
 * object: pass agw_json_pick as the callback and the struct as ud.  Keeps
 * the last of a repeated key, as jansson does; stops the scan (returns 1)
 * at a key holding an escape, which could spell one of them.
 */
typedef struct {
    const char         *keys[8];
    int                 n;
    agw_json_member_t   m[8];
    unsigned            has;         /* bit i: keys[i] found */
} agw_json_pick_t;

int agw_json_pick(void *ud, const agw_json_member_t *m);

/*
 * The \\u escape at p (its backslash; end bounds it), a surrogate pair
 * taken whole, as jansson takes it: the code point into *cp and the bytes
 * it spans (6 or 12) returned, or 0 for a bad one (not four hex digits,
 * \\u0000, a lone surrogate).
 */
size_t agw_json_unicode_escape(const char *p, const char *end,
    unsigned *cp);

/*
 * The length of the UTF-8 sequence at p (n > 0 bytes there, p[0] >= 0x80)
 * as jansson takes it, or 0: no overlong forms, no surrogates, nothing
 * past U+10FFFF, no sequence cut short.  Inline: the scanner, the tree
 * reader and writer call it for every non-ASCII character.
 */
static inline size_t
agw_json_utf8_len(const char *p, size_t n)
{
    size_t         i, len;
    unsigned char  c, c1;

    c = (unsigned char) p[0];

    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
    } else {
        return 0;
    }

    if (n < len) {
        return 0;
    }

    for (i = 1; i < len; i++) {
        if (((unsigned char) p[i] & 0xC0) != 0x80) {
            return 0;
        }
    }

    c1 = (unsigned char) p[1];
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)
        || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
    {
        return 0;
    }

    return len;
}

/*
 * Past the JSON white space at p.  Inline, one test for the usual case (a
 * token right there): every walk over JSON calls it between tokens.
 */
static inline const char *
agw_json_ws(const char *p, const char *end)
{
    while (p < end && (unsigned char) *p <= ' '
           && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    {
        p++;
    }

    return p;
}

/*
 * Eight bytes at a time, for the string scan that every request and
 * answer goes through (a byte loop costs about four instructions a byte).
 * In a word, a byte's high bit is set by (v - k) & ~v where the byte is
 * below k: exact for the lowest such byte, which is all this needs
 * (borrows only run upwards).
 */
#if defined(__SSE2__) && defined(__GNUC__) && !defined(AGW_JSON_NO_SIMD)
#include <emmintrin.h>
#define AGW_JSON_SSE2  1
#endif

/* Inlined even where the compiler finds it large: a call costs the scan
 * of a short string (a key) more than its work. */
#ifdef __GNUC__
#define AGW_JSON_HOT  inline __attribute__((always_inline))
#else
#define AGW_JSON_HOT  inline
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ \
    && defined(__GNUC__)
#define AGW_JSON_SWAR  1
#define AGW_JSON_ONES  0x0101010101010101ULL
#define AGW_JSON_HIGHS 0x8080808080808080ULL

static inline uint64_t
agw_json_swar_eq(uint64_t v, unsigned char c)
{
    uint64_t  x = v ^ (AGW_JSON_ONES * c);

    return (x - AGW_JSON_ONES) & ~x;
}
#endif

#ifdef AGW_JSON_SSE2
/*
 * A bit for each of the 16 bytes at p that does not stand for itself in
 * a JSON string.  Compared as signed bytes, both the control bytes and
 * the bytes from 0x80 up are below ' ', so one compare finds both.
 */
static inline unsigned
agw_json_sse2_special_v(__m128i v)
{
    return (unsigned) _mm_movemask_epi8(
        _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(' ')),
                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
}


static inline unsigned
agw_json_sse2_special(const char *p)
{
    return agw_json_sse2_special_v(_mm_loadu_si128((const __m128i *) p));
}
#endif

/*
 * How many bytes at p stand for themselves inside a JSON string: printable
 * ASCII but '"' and '\\' (control bytes are invalid, non-ASCII bytes need
 * their UTF-8 checked), up to n.
 *
 * This is where reading an agent's request spends its time: the request
 * is mostly strings, and their text has an escape every few bytes (code,
 * JSON inside strings), so a run is short (7 bytes on average in the
 * benchmark's agent request) and the first block decides.  SSE2 (every
 * x86-64 has it) tests 16 bytes a round: 15% faster than words of eight
 * there; rounds of 32 bytes were slower, as most runs end in
 * the first block.  The eight-byte words finish what is left, and are the
 * whole loop elsewhere.
 */
static inline size_t
agw_json_plain_run(const char *p, size_t n)
{
    size_t         i = 0;
    unsigned char  c;
#ifdef AGW_JSON_SSE2
    unsigned       m;
#endif
#ifdef AGW_JSON_SWAR
    uint64_t       v, hit;
#endif

#ifdef AGW_JSON_SSE2
    for ( /* void */ ; i + 16 <= n; i += 16) {
        m = agw_json_sse2_special(p + i);
        if (m != 0) {
            return i + (size_t) __builtin_ctz(m);
        }
    }
#endif

#ifdef AGW_JSON_SWAR
    for ( /* void */ ; i + 8 <= n; i += 8) {
        memcpy(&v, p + i, 8);
        /* below 0x20 or from 0x80 up: (v - 0x20s) | v has the high bit */
        hit = (agw_json_swar_eq(v, '"') | agw_json_swar_eq(v, '\\')
               | (v - AGW_JSON_ONES * 0x20) | v)
              & AGW_JSON_HIGHS;
        if (hit) {
            return i + (size_t) (__builtin_ctzll(hit) >> 3);
        }
    }
#endif

    for ( /* void */ ; i < n; i++) {
        c = (unsigned char) p[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
            break;
        }
    }

    return i;
}

/* Which bytes may follow a backslash as a two-byte escape: " \\ / b f n r t
 * (\\u is longer and goes byte by byte). */
extern const unsigned char  agw_json_escape_ok[256];

/*
 * The bytes a block's backslashes escape, given bs, a bit for each
 * backslash of its bytes (the block's first byte not escaped): in a run
 * of backslashes the first escapes the second, the third the fourth, and
 * an odd run the byte after it (for a block of w < 64 bytes, bit w when
 * that is the next block's first).  simdjson's arithmetic: subtracting
 * the backslashes from the odd bit positions carries through each run,
 * which flips the parity of the runs that start on an odd bit (tested
 * against a loop).
 */
static inline uint64_t
agw_json_escaped_bits(uint64_t bs)
{
    uint64_t  odd = 0xAAAAAAAAAAAAAAAAULL;

    return (((bs << 1) | odd) - bs) ^ odd ^ bs;
}

/*
 * The offset of the first byte of x (the bytes a block's backslashes
 * escape, at p) that is not a two-byte escape's letter, or -1: in order,
 * as the byte loop would meet them.
 */
static AGW_JSON_HOT int
agw_json_escapes_check(const char *p, uint64_t x)
{
    unsigned  k;

    for ( /* void */ ; x != 0; x &= x - 1) {
        k = (unsigned) __builtin_ctzll(x);

        if (!agw_json_escape_ok[(unsigned char) p[k]]) {
            return (int) k;
        }
    }

    return -1;
}

#ifdef AGW_JSON_SSE2

/* What agw_json_string_block() found in its block. */
#define AGW_JSON_BLOCK_NEXT  0      /* no end: *pp is past the block */
#define AGW_JSON_BLOCK_END   1      /* *pp is past the closing quote */
#define AGW_JSON_BLOCK_BYTE  2      /* *pp is at a byte for the byte loop */

/*
 * One block of w bytes (16 or 32; 48 cost more on agents' bodies) of a
 * string's inside, there at *pp: its quotes, its bytes below ' ' (signed:
 * controls and non-ASCII) and its backslashes in masks.  The bytes the
 * backslashes escape come from their mask (agw_json_escaped_bits);
 * escaped quotes and backslashes are fine by their masks, the other
 * escaped bytes are checked from a table in the same round, so the
 * two-byte escapes (an agent's text has one every few bytes) never leave
 * the block.  The block ends at its first quote or special byte that no
 * backslash escapes; \\u, non-ASCII bytes and errors go to the byte loop,
 * from that byte or from the escape's backslash, which then says where
 * an error is exactly as it did alone.  (Comparing the usual escape
 * letters instead of the table cost more: 2.4 escapes a 32-byte block.)
 */
static AGW_JSON_HOT int
agw_json_string_block(const char **pp, const char *end, unsigned w,
    __m128i sp, int *escaped)
{
    int          b;
    unsigned     i, k;
    uint64_t     m, qt, bs, ec, e, nx;
    __m128i      v;
    const char  *p;

    p = *pp;
    m = 0;
    qt = 0;
    bs = 0;

    for (i = 0; i < w / 16; i++) {
        v = _mm_loadu_si128((const __m128i *) (p + 16 * i));
        qt |= (uint64_t) (unsigned) _mm_movemask_epi8(
                  _mm_cmpeq_epi8(v, _mm_set1_epi8('"')))
              << (16 * i);
        m |= (uint64_t) (unsigned) _mm_movemask_epi8(_mm_cmpgt_epi8(sp, v))
             << (16 * i);
        bs |= (uint64_t) (unsigned) _mm_movemask_epi8(
                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))
              << (16 * i);
    }

    m |= qt;

    if (bs != 0) {
        ec = agw_json_escaped_bits(bs);

        /* whether the next block's first byte is escaped: bit w */
        nx = (ec >> w) & 1;
        ec &= (1ULL << w) - 1;

        /* up to the first byte that ends the block and is not escaped */
        m &= ~ec;

        if (m == 0) {
            /* the usual middle of a long string: no end in the block;
             * its escapes first, then the next block's first byte when
             * the last backslash escapes it */
            b = agw_json_escapes_check(p, ec & ~(qt | bs));
            if (b >= 0) {
                *pp = p + b - 1;        /* \u, or a bad escape */
                return AGW_JSON_BLOCK_BYTE;
            }

            if (nx
                && ((size_t) (end - p) == w
                    || !agw_json_escape_ok[(unsigned char) p[w]]))
            {
                *pp = p + w - 1;        /* at its backslash */
                return AGW_JSON_BLOCK_BYTE;
            }

            *escaped = 1;
            *pp = p + w + nx;
            return AGW_JSON_BLOCK_NEXT;
        }

        e = ec & ((m & (0 - m)) - 1);

        b = agw_json_escapes_check(p, e & ~(qt | bs));
        if (b >= 0) {
            *pp = p + b - 1;            /* \u, or a bad escape */
            return AGW_JSON_BLOCK_BYTE;
        }

        if (bs & ((m & (0 - m)) - 1)) {
            *escaped = 1;
        }

    } else if (m == 0) {
        *pp = p + w;
        return AGW_JSON_BLOCK_NEXT;
    }

    k = (unsigned) __builtin_ctzll(m);

    if (p[k] == '"') {
        *pp = p + k + 1;
        return AGW_JSON_BLOCK_END;
    }

    *pp = p + k;
    return AGW_JSON_BLOCK_BYTE;
}

#endif


/*
 * The JSON string whose opening quote is at p: past its closing quote, or
 * NULL with *at the offending byte (a bad escape's backslash, a control
 * byte, a bad UTF-8 sequence, or end).  jansson's rules: no raw control
 * bytes, valid UTF-8, known escapes, \\u surrogates in pairs, no \\u0000.
 * *escaped is set when the string holds a backslash.  Inline: this loop is
 * where the scanner and the pull reader spend their time, and it must
 * keep its pointer in a register.
 */
static AGW_JSON_HOT const char *
agw_json_string_scan(const char *p, const char *end, int *escaped,
    const char **at)
{
    size_t         n;
    unsigned       u;
    unsigned char  c;
#ifdef AGW_JSON_SSE2
    int            rc;
    unsigned       k;
    __m128i        v, sp;
#endif

    p++;

#ifdef AGW_JSON_SSE2
    /* hidden from the compiler, which would otherwise test "not above
     * 0x1F" with two compares and a zeroed register */
    sp = _mm_set1_epi8(' ');
    __asm__ ("" : "+x" (sp));

    /* most strings (keys, roles, ids) end in their first 16 bytes
     * with nothing special before their quote: one mask decides */
    if (end - p >= 16) {
        v = _mm_loadu_si128((const __m128i *) p);
        k = (unsigned) _mm_movemask_epi8(
                _mm_or_si128(_mm_cmpgt_epi8(sp, v),
                    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));

        if (k == 0) {
            p += 16;                    /* plain: the blocks go on */

        } else if (p[__builtin_ctz(k)] == '"') {
            return p + __builtin_ctz(k) + 1;
        }
    }
#endif

    for ( ;; ) {
#ifdef AGW_JSON_SSE2
        /*
         * 16 bytes, then 32 a round: a string that got here is long
         * (text, code, tool results) or has an escape near its start;
         * 32 from the start cost more on the agent's bodies.
         */
        if (end - p >= 16) {
            rc = agw_json_string_block(&p, end, 16, sp, escaped);

            while (rc == AGW_JSON_BLOCK_NEXT && end - p >= 32) {
                rc = agw_json_string_block(&p, end, 32, sp, escaped);
            }

            while (rc == AGW_JSON_BLOCK_NEXT && end - p >= 16) {
                rc = agw_json_string_block(&p, end, 16, sp, escaped);
            }

            if (rc == AGW_JSON_BLOCK_END) {
                return p;
            }

            if (rc == AGW_JSON_BLOCK_BYTE) {
                goto special;
            }
        }
#endif

        p += agw_json_plain_run(p, (size_t) (end - p));

#ifdef AGW_JSON_SSE2
    special:
#endif

        if (p >= end) {
            break;
        }

        c = (unsigned char) *p;

        if (c == '"') {
            return p + 1;
        }

        if (c == '\\') {
            *escaped = 1;

            if (end - p < 2) {
                break;
            }

            switch (p[1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n':
            case 'r': case 't':
                p += 2;
                continue;

            case 'u':
                n = agw_json_unicode_escape(p, end, &u);
                if (n == 0) {
                    break;
                }

                p += n;
                continue;

            default:
                break;
            }

            break;
        }

        if (c < 0x80) {
            break;                      /* a control byte */
        }

        n = agw_json_utf8_len(p, (size_t) (end - p));
        if (n == 0) {
            break;
        }

        p += n;
    }

    *at = p;
    return NULL;
}


/*
 * agw_json_string_scan() of a string that ends within 32 bytes of end,
 * in a buffer holding at least 32 bytes before end (from start): a
 * stream event's last string.  The scan can only take 16 bytes a round
 * while 16 are left, so such a string went byte by byte; here the last
 * 32 bytes are scanned in a copy followed by quotes, where its rounds
 * fit, and nothing past end is read.  The scan reads a string left to
 * right and decides on the bytes before its closing quote only, so a
 * string closed before end gets the same verdict as in place; one that
 * is not (an error, or a copied quote past end) is scanned in place
 * again, for the error's place.
 */
static inline const char *
agw_json_string_scan_last(const char *p, const char *start,
    const char *end, int *escaped, const char **at)
{
    size_t       n;
    const char  *q, *c;
    char         copy[64];

    n = (size_t) (end - p);

    if (n > 32 || end - start < 32) {
        return agw_json_string_scan(p, end, escaped, at);
    }

    memcpy(copy, end - 32, 32);
    memset(copy + 32, '"', 32);

    c = copy + 32 - n;
    q = agw_json_string_scan(c, copy + 64, escaped, at);

    if (q != NULL && q <= copy + 32) {
        return p + (q - c);
    }

    /* no string closed before end: the scan in place says where it
     * fails (a copied quote may have ended an escape cut at end) */
    return agw_json_string_scan(p, end, escaped, at);
}


#ifdef AGW_JSON_SSE2

/*
 * One block of w bytes (16 or 32) of a validated string's inside, at
 * *pp, its first byte not escaped: the offset of its closing quote, or
 * -1 with *pp past the block (and past the next block's first byte when
 * the block's last backslash escapes it and the bytes go on: never past
 * end).  The quotes its backslashes
 * escape come off by the same arithmetic as in agw_json_string_block(),
 * instead of a round for each backslash (an agent's text has one every
 * few bytes).
 */
static AGW_JSON_HOT int
agw_json_skip_block(const char **pp, const char *end, unsigned w,
    int *escaped)
{
    unsigned     i;
    uint64_t     qt, bs, ec;
    __m128i      v;
    const char  *p;

    p = *pp;
    qt = 0;
    bs = 0;

    for (i = 0; i < w / 16; i++) {
        v = _mm_loadu_si128((const __m128i *) (p + 16 * i));
        qt |= (uint64_t) (unsigned) _mm_movemask_epi8(
                  _mm_cmpeq_epi8(v, _mm_set1_epi8('"')))
              << (16 * i);
        bs |= (uint64_t) (unsigned) _mm_movemask_epi8(
                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))
              << (16 * i);
    }

    if (bs == 0) {
        if (qt != 0) {
            return __builtin_ctzll(qt);
        }

        *pp = p + w;
        return -1;
    }

    ec = agw_json_escaped_bits(bs);
    qt &= ~ec;

    if (qt != 0) {
        /* a backslash before the quote: the string has an escape */
        if (bs & ((qt & (0 - qt)) - 1)) {
            *escaped = 1;
        }

        return __builtin_ctzll(qt);
    }

    *escaped = 1;
    p += w;

    /* a backslash at the end of the bytes: the string is cut, which the
     * caller's byte loop finds */
    if (((ec >> w) & 1) && p < end) {
        p++;
    }

    *pp = p;
    return -1;
}

#endif


/*
 * The string whose opening quote is at p, in bytes already validated
 * (agw_json_string_scan() passed them): past its closing quote, or NULL
 * at end.  Only quotes and backslashes are looked at; *escaped is set
 * when the string holds a backslash.  For a second reading of a body,
 * which then costs what finding the strings' ends costs: 16 bytes first
 * (most strings are keys, roles and ids), then 32 a round.  Any bytes
 * are safe: no load passes end.
 */
static AGW_JSON_HOT const char *
agw_json_string_skip(const char *p, const char *end, int *escaped)
{
#ifdef AGW_JSON_SSE2
    int  k;
#endif

    p++;

#ifdef AGW_JSON_SSE2
    if (end - p >= 16) {
        k = agw_json_skip_block(&p, end, 16, escaped);
        if (k >= 0) {
            return p + k + 1;
        }

        while (end - p >= 32) {
            k = agw_json_skip_block(&p, end, 32, escaped);
            if (k >= 0) {
                return p + k + 1;
            }
        }

        if (end - p >= 16) {
            k = agw_json_skip_block(&p, end, 16, escaped);
            if (k >= 0) {
                return p + k + 1;
            }
        }
    }
#endif

    while (p < end) {
        if (*p == '"') {
            return p + 1;
        }

        if (*p == '\\') {
            *escaped = 1;
            p++;
        }

        p++;
    }

    return NULL;
}

/*
 * Whether the len bytes at p are those at q, len at least 8 (both hold
 * len bytes): eight bytes a load, the last load overlapping.  For the
 * keys a shape's reader compares, where libc's call costs more than the
 * bytes do.
 */
static inline int
agw_json_bytes_eq(const char *p, const char *q, size_t len)
{
    size_t    i;
    uint64_t  a, b;

    for (i = 0; i + 8 < len; i += 8) {
        memcpy(&a, p + i, 8);
        memcpy(&b, q + i, 8);

        if (a != b) {
            return 0;
        }
    }

    memcpy(&a, p + len - 8, 8);
    memcpy(&b, q + len - 8, 8);

    return a == b;
}

/*
 * The same for a literal (len a constant, at least 8): unrolled (whole
 * up to 72 bytes) into a load and a compare a word, where the loop's
 * count cost as much as its words.  (Unrolled for every caller, a length
 * that varies paid for it.)
 */
static inline int
agw_json_lit_eq(const char *p, const char *lit, size_t len)
{
    size_t    i;
    uint64_t  a, b;

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 8
#endif
    for (i = 0; i + 8 < len; i += 8) {
        memcpy(&a, p + i, 8);
        memcpy(&b, lit + i, 8);

        if (a != b) {
            return 0;
        }
    }

    memcpy(&a, p + len - 8, 8);
    memcpy(&b, lit + len - 8, 8);

    return a == b;
}

/*
 * The same for runs of bytes that are mostly equal and long (a chunk's
 * members repeated from the last one): with SSE2, 32 bytes a round, the
 * differences gathered and tested once at the end, the last load
 * overlapping; len at least 8.  Where a compare often fails early (keys
 * tried in turn) agw_json_bytes_eq() costs less.
 */
static inline int
agw_json_bytes_same(const char *p, const char *q, size_t len)
{
#ifdef AGW_JSON_SSE2
    size_t   i;
    __m128i  x;

    if (len < 16) {
        return agw_json_bytes_eq(p, q, len);
    }

    x = _mm_setzero_si128();

    for (i = 0; i + 32 < len; i += 32) {
        x = _mm_or_si128(x, _mm_or_si128(
                _mm_xor_si128(_mm_loadu_si128((const __m128i *) (p + i)),
                              _mm_loadu_si128((const __m128i *) (q + i))),
                _mm_xor_si128(
                    _mm_loadu_si128((const __m128i *) (p + i + 16)),
                    _mm_loadu_si128((const __m128i *) (q + i + 16)))));
    }

    if (i + 16 < len) {
        x = _mm_or_si128(x, _mm_xor_si128(
                _mm_loadu_si128((const __m128i *) (p + i)),
                _mm_loadu_si128((const __m128i *) (q + i))));
    }

    x = _mm_or_si128(x, _mm_xor_si128(
            _mm_loadu_si128((const __m128i *) (p + len - 16)),
            _mm_loadu_si128((const __m128i *) (q + len - 16))));

    return _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_setzero_si128()))
           == 0xffff;
#else
    return agw_json_bytes_eq(p, q, len);
#endif
}

/* A JSON integer value (no fraction or exponent) into *v; 0 or -1. */
int agw_json_member_int(const agw_json_member_t *m, int64_t *v);

#endif /* AGW_JSON_SCAN_H */
