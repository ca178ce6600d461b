/*
 * fixtures.h: reading the wire fixtures in t/fixtures/ from the unit tests.
 *
 * Paths are relative to the repository root, where `make test` and prove
 * run; AGW_FIXTURES overrides the t/fixtures directory.
 */

#ifndef FIXTURES_H
#define FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agw_buf.h"

/* The whole file at path, NUL-terminated, malloc'd; NULL (with a
 * diagnostic) if it cannot be read. */
__attribute__((unused)) static char *
file_read(const char *path, size_t *len)
{
    FILE  *f;
    char  *p;
    long   n;

    f = fopen(path, "rb");
    if (f == NULL) {
        printf("# cannot open %s\n", path);
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return NULL;
    }

    p = malloc((size_t) n + 1);
    if (p == NULL || fread(p, 1, (size_t) n, f) != (size_t) n) {
        free(p);
        fclose(f);
        return NULL;
    }

    fclose(f);
    p[n] = '\0';
    *len = (size_t) n;
    return p;
}


/* A fixture's bytes, as file_read(); name is relative to t/fixtures/. */
__attribute__((unused)) static char *
fixture_read(const char *name, size_t *len)
{
    char        path[1024];
    const char  *dir;

    dir = getenv("AGW_FIXTURES");
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "t/fixtures", name);

    return file_read(path, len);
}


/*
 * A .chunks.jsonl fixture (one SSE data payload per line, as the source
 * kept them) back to wire SSE: "data: <line>\n\n" each, then done (for
 * example "data: [DONE]\n\n") if not NULL.  Returns 0 or -1.
 */
__attribute__((unused)) static int
fixture_jsonl_to_sse(const char *name, const char *done, agw_buf_t *out)
{
    char        *text, *line, *nl;
    size_t       len;

    text = fixture_read(name, &len);
    if (text == NULL) {
        return -1;
    }

    for (line = text; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL) {
            nl = line + strlen(line) - 1;       /* a last line without LF */
            if (agw_buf_append_str(out, "data: ") != 0
                || agw_buf_append(out, line, strlen(line)) != 0
                || agw_buf_append_str(out, "\n\n") != 0)
            {
                free(text);
                return -1;
            }
            break;
        }

        if (nl > line
            && (agw_buf_append_str(out, "data: ") != 0
                || agw_buf_append(out, line, (size_t) (nl - line)) != 0
                || agw_buf_append_str(out, "\n\n") != 0))
        {
            free(text);
            return -1;
        }
    }

    free(text);

    if (done != NULL && agw_buf_append_str(out, done) != 0) {
        return -1;
    }

    return 0;
}


/* A JSON fixture, parsed; NULL if missing or not JSON. */
__attribute__((unused)) static json_t *
fixture_json(const char *name)
{
    char    *s;
    size_t   len;
    json_t  *j;

    s = fixture_read(name, &len);
    if (s == NULL) {
        return NULL;
    }

    j = json_loadb(s, len, 0, NULL);
    free(s);
    return j;
}


/* The last line of a .chunks.jsonl fixture (a stream's last chunk),
 * malloc'd; NULL if it cannot be read. */
__attribute__((unused)) static char *
fixture_last_chunk(const char *name)
{
    char    *s, *last, *p;
    size_t   len;

    s = fixture_read(name, &len);
    if (s == NULL) {
        return NULL;
    }

    while (len > 0 && s[len - 1] == '\n') {
        s[--len] = '\0';
    }

    last = strrchr(s, '\n');
    p = strdup(last ? last + 1 : s);
    free(s);
    return p;
}

#endif /* FIXTURES_H */
