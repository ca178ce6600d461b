/*
 * text: UTF-8 repair for JSON strings, control-byte escaping for log lines.
 */

#include <stdlib.h>
#include <string.h>

#include "text.h"


static size_t agw_utf8_valid(const unsigned char *p, size_t n,
    size_t *bad);


/*
 * The length of the valid sequence at p (0 if none); when 0, *bad is the
 * length of its maximal invalid subpart (at least 1), which one U+FFFD
 * replaces (Unicode 15, 3.9 "U+FFFD Substitution of Maximal Subparts").
 */
static size_t
agw_utf8_valid(const unsigned char *p, size_t n, size_t *bad)
{
    size_t         need, i;
    unsigned char  lo, hi;

    if (p[0] < 0x80) {
        return 1;
    }

    lo = 0x80;
    hi = 0xBF;

    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        need = 1;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        need = 2;
        if (p[0] == 0xE0) {
            lo = 0xA0;          /* overlong */
        } else if (p[0] == 0xED) {
            hi = 0x9F;          /* surrogates */
        }
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        need = 3;
        if (p[0] == 0xF0) {
            lo = 0x90;          /* overlong */
        } else if (p[0] == 0xF4) {
            hi = 0x8F;          /* past U+10FFFF */
        }
    } else {
        *bad = 1;
        return 0;
    }

    for (i = 1; i <= need; i++) {
        if (i >= n || p[i] < lo || p[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }

    return need + 1;
}


json_t *
agw_json_text(const char *s, size_t len)
{
    char                 *out, *o;
    size_t                i, ok, bad;
    json_t               *j;
    const unsigned char  *p;

    p = (const unsigned char *) s;

    for (i = 0; i < len; i += ok) {
        ok = agw_utf8_valid(p + i, len - i, &bad);
        if (ok == 0) {
            break;
        }
    }

    if (i == len) {
        return json_stringn_nocheck(s, len);
    }

    /* at worst every byte becomes the three of U+FFFD */
    out = malloc(len * 3);
    if (out == NULL) {
        return NULL;
    }

    memcpy(out, s, i);
    o = out + i;

    while (i < len) {
        ok = agw_utf8_valid(p + i, len - i, &bad);

        if (ok) {
            memcpy(o, p + i, ok);
            o += ok;
            i += ok;
            continue;
        }

        memcpy(o, "\xEF\xBF\xBD", 3);
        o += 3;
        i += bad;
    }

    j = json_stringn_nocheck(out, (size_t) (o - out));
    free(out);

    return j;
}


json_t *
agw_json_column(sqlite3_stmt *st, int col)
{
    const char  *s;

    s = (const char *) sqlite3_column_text(st, col);
    if (s == NULL) {
        return json_string("");
    }

    return agw_json_text(s, (size_t) sqlite3_column_bytes(st, col));
}


void
agw_log_write(FILE *f, const char *s)
{
    unsigned char  c;

    for ( /* void */ ; *s != '\0'; s++) {
        c = (unsigned char) *s;

        if (c >= 0x20 && c != 0x7F) {
            fputc(c, f);
        } else if (c == '\r') {
            fputs("\\r", f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else {
            fprintf(f, "\\x%02X", c);
        }
    }
}
