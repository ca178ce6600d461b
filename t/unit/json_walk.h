/*
 * json_walk.h: whole-document walks with the pull reader, for the tests
 * and fuzzers of the reader and the writer (t/fuzz includes it too).
 *
 *   walk_tree():  reads a value with agw_jr_* into a jansson tree, every
 *                 string decoded, to compare with what jansson read;
 *   walk_copy():  reads a value and writes it again with agw_jw_*, strings
 *                 as the reader gave them (JSON kind: copied as they came).
 *
 * Both recurse: the reader bounds the depth (AGW_JR_DEPTH_MAX).
 */

#ifndef JSON_WALK_H
#define JSON_WALK_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agw_json_reader.h"
#include "agw_json_writer.h"


/* A string's characters into a jansson string (or NULL). */
static __attribute__((unused)) json_t *
walk_string(const agw_str_t *s)
{
    char    *buf;
    size_t   n;
    json_t  *j;

    buf = malloc(s->len + 1);
    if (buf == NULL) {
        return NULL;
    }

    n = agw_str_unescape(s, buf);
    j = json_stringn(buf, n);
    free(buf);
    return j;
}


static __attribute__((unused)) json_t *
walk_tree(agw_jr_t *r)
{
    int        rc, b;
    char      *kbuf;
    size_t     kn;
    int64_t    i;
    json_t    *j, *v;
    agw_str_t  s, key;

    switch (agw_jr_peek(r)) {

    case AGW_JR_OBJECT:
        if (agw_jr_object(r) != 0) {
            return NULL;
        }

        j = json_object();

        while ((rc = agw_jr_member(r, &key)) == 1) {
            kbuf = malloc(key.len + 1);
            kn = agw_str_unescape(&key, kbuf);
            kbuf[kn] = '\0';

            v = walk_tree(r);
            if (v == NULL || strlen(kbuf) != kn) {
                free(kbuf);
                json_decref(v);
                json_decref(j);
                return NULL;
            }

            json_object_set_new(j, kbuf, v);
            free(kbuf);
        }

        if (rc != 0) {
            json_decref(j);
            return NULL;
        }

        return j;

    case AGW_JR_ARRAY:
        if (agw_jr_array(r) != 0) {
            return NULL;
        }

        j = json_array();

        while ((rc = agw_jr_element(r)) == 1) {
            v = walk_tree(r);
            if (v == NULL) {
                json_decref(j);
                return NULL;
            }

            json_array_append_new(j, v);
        }

        if (rc != 0) {
            json_decref(j);
            return NULL;
        }

        return j;

    case AGW_JR_STRING:
        return agw_jr_string(r, &s) == 0 ? walk_string(&s) : NULL;

    case AGW_JR_NUMBER:
        rc = agw_jr_int(r, &i);
        if (rc == 0) {
            return json_integer(i);
        }

        if (rc != AGW_JR_TYPE || agw_jr_number(r, &s) != 0) {
            return NULL;
        }

        kbuf = strndup(s.data, s.len);
        j = json_real(strtod(kbuf, NULL));
        free(kbuf);

        /* past a double's range (jansson refuses it, the reader leaves
         * the range to whoever reads the number): a stand-in */
        return j != NULL ? j : json_null();

    case AGW_JR_TRUE:
    case AGW_JR_FALSE:
        return agw_jr_bool(r, &b) == 0 ? json_boolean(b) : NULL;

    case AGW_JR_NULL:
        return agw_jr_null(r) == 0 ? json_null() : NULL;

    default:
        /* not a value: let the reader say so (sets failed) */
        agw_jr_value(r, NULL);
        return NULL;
    }
}


/* A whole document into a tree: NULL when the reader refused it. */
static __attribute__((unused)) json_t *
walk_document(const char *p, size_t len, agw_jr_t *r)
{
    json_t  *j;

    agw_jr_init(r, p, len);

    j = walk_tree(r);
    if (j != NULL && agw_jr_end(r) != 0) {
        json_decref(j);
        j = NULL;
    }

    return j;
}


/*
 * Reads a value and writes it again: keys and strings as the reader gave
 * them, numbers as their text, and every third value taken whole with
 * agw_jr_value() and written raw, so that both ways of carrying a subtree
 * are exercised.  With decode, every key and string is decoded to bytes
 * instead and goes through the writer's escaper (nothing taken whole).
 * 0, or -1 when the reader failed.
 */
static __attribute__((unused)) int
walk_copy(agw_jr_t *r, agw_jw_t *w, unsigned *turn, int decode)
{
    int        rc, b;
    char      *buf;
    agw_str_t  s, key, d;

    if (!decode && ++*turn % 3 == 0 && agw_jr_peek(r) != AGW_JR_NONE) {
        if (agw_jr_value(r, &s) != 0) {
            return -1;
        }

        agw_jw_raw(w, &s);
        return 0;
    }

    switch (agw_jr_peek(r)) {

    case AGW_JR_OBJECT:
        if (agw_jr_object(r) != 0) {
            return -1;
        }

        agw_jw_object(w);

        while ((rc = agw_jr_member(r, &key)) == 1) {
            if (decode) {
                buf = malloc(key.len + 1);
                d = agw_str_bytes(buf, agw_str_unescape(&key, buf));
                agw_jw_key_str(w, &d);
                free(buf);

            } else {
                agw_jw_key_str(w, &key);
            }

            if (walk_copy(r, w, turn, decode) != 0) {
                return -1;
            }
        }

        agw_jw_object_end(w);
        return rc;

    case AGW_JR_ARRAY:
        if (agw_jr_array(r) != 0) {
            return -1;
        }

        agw_jw_array(w);

        while ((rc = agw_jr_element(r)) == 1) {
            if (walk_copy(r, w, turn, decode) != 0) {
                return -1;
            }
        }

        agw_jw_array_end(w);
        return rc;

    case AGW_JR_STRING:
        if (agw_jr_string(r, &s) != 0) {
            return -1;
        }

        if (decode) {
            buf = malloc(s.len + 1);
            d = agw_str_bytes(buf, agw_str_unescape(&s, buf));
            agw_jw_str(w, &d);
            free(buf);

        } else {
            agw_jw_str(w, &s);
        }

        return 0;

    case AGW_JR_NUMBER:
        if (agw_jr_number(r, &s) != 0) {
            return -1;
        }

        agw_jw_raw(w, &s);
        return 0;

    case AGW_JR_TRUE:
    case AGW_JR_FALSE:
        if (agw_jr_bool(r, &b) != 0) {
            return -1;
        }

        agw_jw_bool(w, b);
        return 0;

    case AGW_JR_NULL:
        if (agw_jr_null(r) != 0) {
            return -1;
        }

        agw_jw_null(w);
        return 0;

    default:
        agw_jr_value(r, NULL);
        return -1;
    }
}


/* How many containers deep a tree nests (a scalar: 0). */
static __attribute__((unused)) size_t
walk_depth(json_t *j)
{
    size_t       i, d, max;
    json_t      *v;
    const char  *k;

    max = 0;

    if (json_is_object(j)) {
        json_object_foreach(j, k, v) {
            d = walk_depth(v);
            max = d > max ? d : max;
        }

    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            d = walk_depth(v);
            max = d > max ? d : max;
        }

    } else {
        return 0;
    }

    return max + 1;
}


/*
 * jansson's verdict on a whole value: 1 valid, 0 not, -1 when the input
 * says nothing about the reader's grammar: jansson refused only a number
 * out of its range (the reader takes a number's text and leaves its range
 * to whoever reads it, as agw_json_scan does), or a raw NUL byte is in it
 * (jansson's lexer lets one end a token: "[1\0]" loads), or it nests
 * deeper than the reader's bound (jansson's is 2048: past that, both
 * refuse).
 */
static __attribute__((unused)) int
walk_jansson_verdict(const char *p, size_t len, json_t **tree)
{
    json_t        *j;
    json_error_t   e;

    if (tree != NULL) {
        *tree = NULL;
    }

    if (memchr(p, '\0', len) != NULL) {
        return -1;
    }

    j = json_loadb(p, len, JSON_DECODE_ANY, &e);
    if (j == NULL) {
        if (strstr(e.text, "too big") || strstr(e.text, "overflow")) {
            return -1;
        }

        return 0;
    }

    if (walk_depth(j) > AGW_JR_DEPTH_MAX) {
        json_decref(j);
        return -1;
    }

    if (tree != NULL) {
        *tree = j;

    } else {
        json_decref(j);
    }

    return 1;
}


typedef void (*walk_fixture_pt)(const char *name, char *p, size_t len,
    void *ud);

/*
 * Calls fn on every .json file under dir (recursively) and on every line
 * of every .jsonl file: the real traffic the reader must take.  Returns
 * how many documents it handed over.
 */
static __attribute__((unused)) size_t
walk_fixtures(const char *dir, walk_fixture_pt fn, void *ud)
{
    DIR            *d;
    FILE           *f;
    char           *b, *line, *nl, path[1024];
    long            n;
    size_t          len, count;
    struct dirent  *de;

    d = opendir(dir);
    if (d == NULL) {
        return 0;
    }

    count = 0;

    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        len = strlen(de->d_name);

        if (de->d_type == DT_DIR) {
            count += walk_fixtures(path, fn, ud);
            continue;
        }

        if (!(len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
            && !(len > 6 && strcmp(de->d_name + len - 6, ".jsonl") == 0))
        {
            continue;
        }

        f = fopen(path, "rb");
        if (f == NULL) {
            continue;
        }

        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        b = malloc((size_t) n + 1);
        if (b == NULL || fread(b, 1, (size_t) n, f) != (size_t) n) {
            free(b);
            fclose(f);
            continue;
        }

        fclose(f);
        b[n] = '\0';

        if (de->d_name[len - 1] == 'n') {
            fn(path, b, (size_t) n, ud);
            count++;

        } else {
            for (line = b; *line; line = nl + 1) {
                nl = strchr(line, '\n');
                if (nl == NULL) {
                    nl = line + strlen(line);
                }

                if (nl > line) {
                    fn(path, line, (size_t) (nl - line), ud);
                    count++;
                }

                if (*nl == '\0') {
                    break;
                }
            }
        }

        free(b);
    }

    closedir(d);
    return count;
}

#endif /* JSON_WALK_H */
