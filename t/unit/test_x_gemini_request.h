/*
 * test_x_gemini_request.h: what the new engine's Gemini request tests
 * share: running a body through the Gemini codec (read, then write) and
 * through the old path, as JSON.
 */

#ifndef TEST_X_GEMINI_REQUEST_H
#define TEST_X_GEMINI_REQUEST_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agw_translate.h"
#include "agw_codec.h"
#include "tap.h"


/* A Gemini body read into req (arena a, which the caller frees). */
__attribute__((unused)) static int
xg_read(const char *body, agw_arena_t *a, agw_request_t *req,
    agw_error_t *err)
{
    return agw_gemini_codec.read_request(body, strlen(body), a, req, err);
}


/* A Gemini body read and written back by the engine's Gemini codec. */
__attribute__((unused)) static json_t *
xg_new_rt(const char *body, agw_error_t *err)
{
    char                stack[8192];
    json_t             *j;
    agw_buf_t           out = AGW_BUF_INIT;
    agw_arena_t         a;
    agw_request_t       req;
    agw_request_ctx_t   o;

    memset(&o, 0, sizeof(o));
    o.model = (agw_str_t) agw_str_lit("gemini-2.5-flash");
    o.client = AGW_DIALECT_GEMINI;

    agw_arena_init(&a, stack, sizeof(stack), 0);

    j = NULL;
    if (xg_read(body, &a, &req, err) == 0
        && agw_gemini_codec.write_request(&req, &o, &out, err) == 0)
    {
        j = json_loadb(out.data, out.len, 0, NULL);
        if (j == NULL) {
            tap_diag("the writer's output is not JSON: %.*s", (int) out.len,
                     out.data);
        }
    }

    agw_buf_free(&out);
    agw_arena_free(&a);

    return j;
}


/* The same through the old path: Gemini -> hub -> Gemini. */
__attribute__((unused)) static json_t *
xg_old_rt(const char *body, agw_error_t *err)
{
    json_t              *j;
    agw_buf_t            hub = AGW_BUF_INIT, out = AGW_BUF_INIT;
    agw_request_opts_t   o = { "gemini-2.5-flash", 0, 0 };

    memset(err, 0, sizeof(*err));
    j = NULL;

    if (agw_translate_request_body(AGW_DIALECT_GEMINI, AGW_DIALECT_OPENAI,
                                   body, strlen(body), &o, &hub, err) == 0
        && agw_translate_request_body(AGW_DIALECT_OPENAI, AGW_DIALECT_GEMINI,
                                      hub.data, hub.len, &o, &out, err) == 0)
    {
        j = json_loadb(out.data, out.len, 0, NULL);
    }

    agw_buf_free(&hub);
    agw_buf_free(&out);

    return j;
}


/* ok() that got and want are equal JSON, both shown if not. */
__attribute__((unused)) static int
xg_json_eq(const json_t *got, const json_t *want, const char *name)
{
    char  *g, *w;

    if (ok(got != NULL && want != NULL && json_equal(got, want), "%s",
           name))
    {
        return 1;
    }

    g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    w = want ? json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    tap_diag("got  %s", g ? g : "(null)");
    tap_diag("want %s", w ? w : "(null)");
    free(g);
    free(w);

    return 0;
}


/* ok() that got equals the JSON text want. */
__attribute__((unused)) static int
xg_json_is(const json_t *got, const char *want, const char *name)
{
    int      rc;
    json_t  *w;

    w = json_loads(want, 0, NULL);
    if (w == NULL) {
        tap_diag("bad JSON in the test: %s", want);
    }
    rc = xg_json_eq(got, w, name);
    json_decref(w);

    return rc;
}

#endif /* TEST_X_GEMINI_REQUEST_H */
