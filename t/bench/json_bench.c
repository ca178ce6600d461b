/*
 * json_bench: how fast the JSON reader and writer go through an agent's
 * 85 KB request (agw_bench_agent.c: a system prompt, 20 tools with
 * schemas, 40 tool-calling turns; mostly long strings).  MB/s of input,
 * CPU time of this thread (the machine is shared), best of a few runs:
 *
 *   - agw_json_scan:   the old validator (what passthrough runs);
 *   - agw_json_valid:  the reader skipping the whole body (agw_jr_value);
 *   - pull walk:       the reader asked for every member and element, as
 *                      a dialect reader does, every string a slice;
 *   - walk + write:    the same, each value written again with the writer
 *                      (strings copied as they came);
 *   - escape:          every string of the body decoded, then escaped
 *                      again by the writer (agw_jw_escape's throughput).
 *
 *   json_bench [--smoke]
 *
 * Run by scripts/bench-json, which also builds it without SIMD
 * (-DAGW_JSON_NO_SIMD) to show what the vector string scan gives.
 */

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "agw_json_scan.h"
#include "agw_json_reader.h"
#include "agw_json_writer.h"
#include "agw_bench_agent.h"


static double  min_seconds = 0.3;


static double
cpu_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* Every value read as a dialect reader reads: no tree, slices only. */
static int
walk(agw_jr_t *r, agw_jw_t *w)
{
    int        rc, b;
    int64_t    i;
    agw_str_t  s, key;

    switch (agw_jr_peek(r)) {

    case AGW_JR_OBJECT:
        agw_jr_object(r);
        if (w) {
            agw_jw_object(w);
        }

        while ((rc = agw_jr_member(r, &key)) == 1) {
            if (w) {
                agw_jw_key_str(w, &key);
            }

            if (walk(r, w) != 0) {
                return -1;
            }
        }

        if (w) {
            agw_jw_object_end(w);
        }

        return rc;

    case AGW_JR_ARRAY:
        agw_jr_array(r);
        if (w) {
            agw_jw_array(w);
        }

        while ((rc = agw_jr_element(r)) == 1) {
            if (walk(r, w) != 0) {
                return -1;
            }
        }

        if (w) {
            agw_jw_array_end(w);
        }

        return rc;

    case AGW_JR_STRING:
        rc = agw_jr_string(r, &s);
        if (w) {
            agw_jw_str(w, &s);
        }

        return rc;

    case AGW_JR_NUMBER:
        rc = agw_jr_int(r, &i);
        if (rc == 0) {
            if (w) {
                agw_jw_int(w, i);
            }

            return 0;
        }

        rc = agw_jr_number(r, &s);
        if (w) {
            agw_jw_raw(w, &s);
        }

        return rc;

    case AGW_JR_NULL:
        if (w) {
            agw_jw_null(w);
        }

        return agw_jr_null(r);

    default:
        rc = agw_jr_bool(r, &b);
        if (w) {
            agw_jw_bool(w, b);
        }

        return rc;
    }
}


/* Every string of the body decoded to bytes, then escaped again. */
typedef struct {
    char    **s;
    size_t   *len;
    size_t    n;
    size_t    bytes;
} strings_t;


static void
collect(json_t *j, strings_t *st)
{
    size_t       i;
    json_t      *v;
    const char  *k;

    if (json_is_string(j)) {
        st->s[st->n] = (char *) json_string_value(j);
        st->len[st->n] = json_string_length(j);
        st->bytes += st->len[st->n];
        st->n++;

    } else if (json_is_object(j)) {
        json_object_foreach(j, k, v) {
            collect(v, st);
        }

    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            collect(v, st);
        }
    }
}


typedef enum {
    CASE_SCAN, CASE_VALID, CASE_WALK, CASE_COPY, CASE_ESCAPE
} bench_case_t;


static double
run(bench_case_t c, const char *body, size_t len, strings_t *st,
    agw_buf_t *out)
{
    size_t     i, n, k;
    double     t0, t, best;
    agw_jr_t   r;
    agw_jw_t   w;

    best = 1e9;

    for (k = 0; k < 5; k++) {
        n = 0;
        t0 = cpu_now();

        do {
            for (i = 0; i < 20; i++, n++) {
                switch (c) {
                case CASE_SCAN:
                    if (agw_json_scan(body, len, NULL, NULL, NULL) != 0) {
                        return -1;
                    }
                    break;

                case CASE_VALID:
                    if (agw_json_valid(body, len, NULL) != 0) {
                        return -1;
                    }
                    break;

                case CASE_WALK:
                    agw_jr_init(&r, body, len);
                    if (walk(&r, NULL) != 0 || agw_jr_end(&r) != 0) {
                        return -1;
                    }
                    break;

                case CASE_COPY:
                    agw_buf_reset(out);
                    agw_jr_init(&r, body, len);
                    agw_jw_init(&w, out);
                    if (walk(&r, &w) != 0 || agw_jr_end(&r) != 0
                        || w.failed)
                    {
                        return -1;
                    }
                    break;

                case CASE_ESCAPE:
                    agw_buf_reset(out);
                    agw_jw_init(&w, out);
                    for (size_t j = 0; j < st->n; j++) {
                        agw_jw_escape(&w, st->s[j], st->len[j]);
                    }
                    if (w.failed) {
                        return -1;
                    }
                    break;
                }
            }

            t = cpu_now() - t0;

        } while (t < min_seconds / 5);

        if (t / (double) n < best) {
            best = t / (double) n;
        }
    }

    return best;
}


int
main(int argc, char **argv)
{
    int          c;
    char        *body;
    size_t       len;
    double       s;
    json_t      *req;
    agw_buf_t    out = AGW_BUF_INIT;
    strings_t    st;
    static const char  *names[] = {
        "agw_json_scan (old validator)", "agw_json_valid (reader skip)",
        "pull walk, every value", "pull walk + writer copy",
        "escape every string (MB/s of text)"
    };

    if (argc > 1 && strcmp(argv[1], "--smoke") == 0) {
        min_seconds = 0.0;
    }

    req = agw_bench_agent_request(85000);
    body = json_dumps(req, JSON_COMPACT);
    if (body == NULL) {
        return 1;
    }

    len = strlen(body);

    memset(&st, 0, sizeof(st));
    st.s = calloc(len, sizeof(char *));
    st.len = calloc(len, sizeof(size_t));
    collect(req, &st);

    printf("agent request: %zu bytes, %zu strings, %zu bytes of text\n",
           len, st.n, st.bytes);
    printf("%-38s %10s %10s\n", "case", "us/body", "MB/s");

    for (c = CASE_SCAN; c <= CASE_ESCAPE; c++) {
        s = run(c, body, len, &st, &out);
        if (s < 0) {
            fprintf(stderr, "%s failed\n", names[c]);
            return 1;
        }

        printf("%-38s %10.1f %10.0f\n", names[c], s * 1e6,
               (double) (c == CASE_ESCAPE ? st.bytes : len) / s / 1e6);
    }

    free(st.s);
    free(st.len);
    free(body);
    json_decref(req);
    agw_buf_free(&out);
    return 0;
}
