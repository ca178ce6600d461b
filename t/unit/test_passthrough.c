/*
 * The same-dialect fast path: the bytes it produces parse to exactly what
 * the jansson path produces, and it declines what it cannot do.
 */

#include <jansson.h>

#include "tap.h"
#include "agw_passthrough.h"
#include "agw_translate.h"


static int
same_json(const char *a, size_t alen, const char *b, size_t blen)
{
    int      eq;
    json_t  *ja, *jb;

    ja = json_loadb(a, alen, 0, NULL);
    jb = json_loadb(b, blen, 0, NULL);
    eq = ja && jb && json_equal(ja, jb);
    json_decref(ja);
    json_decref(jb);

    return eq;
}


static void
request_case(const char *body, int stream, const char *name)
{
    int                  rc;
    json_t              *in, *res;
    char                *dump;
    agw_buf_t            fast = AGW_BUF_INIT;
    agw_error_t          err;
    agw_request_opts_t   o;

    rc = agw_passthrough_request(body, strlen(body), "up-model", stream, &fast);
    if (!ok(rc == 0, "%s: fast path taken", name)) {
        agw_buf_free(&fast);
        return;
    }

    memset(&o, 0, sizeof(o));
    o.model = "up-model";
    o.stream = stream;
    in = json_loads(body, 0, NULL);
    res = NULL;
    agw_translate_request(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, in, &o, &res,
                          &err);
    dump = res ? json_dumps(res, JSON_COMPACT) : NULL;

    ok(dump && same_json(fast.data, fast.len, dump, strlen(dump)),
       "%s: same JSON as the jansson path", name);

    free(dump);
    json_decref(in);
    json_decref(res);
    agw_buf_free(&fast);
}


int
main(void)
{
    agw_buf_t    out = AGW_BUF_INIT;
    agw_usage_t  u;
    const char  *r;

    request_case("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\","
                 "\"content\":\"hi \\\"there\\\"\"}]}", 0, "plain request");
    request_case("{ \"messages\" : [], \"model\" : \"gpt-4o\" , \"stream\": true }\n",
                 1, "stream without stream_options");
    request_case("{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":"
                 "{\"include_usage\":true},\"messages\":[]}", 1,
                 "stream with include_usage");

    r = "{\"model\":\"m\",\"stream\":true,"
        "\"stream_options\":{\"include_usage\":false}}";
    ok(agw_passthrough_request(r, strlen(r), "x", 1, &out)
       == AGW_PASSTHROUGH_DECLINED,
       "include_usage false: declined, for jansson to edit");
    ok(agw_passthrough_request("{\"messages\":[]}", 15, "x", 0, &out)
       == AGW_PASSTHROUGH_DECLINED, "no model: declined");
    ok(agw_passthrough_request("{\"model\":\"m\"", 12, "x", 0, &out) == -1,
       "invalid JSON: refused");

    agw_buf_reset(&out);
    r = "{\"model\":\"a\\\"b\\nc\"}";
    ok(agw_passthrough_request("{\"model\":\"m\"}", 13, "a\"b\nc", 0, &out) == 0
       && same_json(out.data, out.len, r, strlen(r)),
       "the new model is escaped");

    r = "{\"id\":\"x\",\"model\":\"up\",\"choices\":[{\"message\":{\"model\":\"inner\"}}],"
        "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":3,"
        "\"prompt_tokens_details\":{\"cached_tokens\":4},"
        "\"completion_tokens_details\":{\"reasoning_tokens\":1}}}";
    agw_buf_reset(&out);
    agw_usage_init(&u);
    ok(agw_passthrough_response(r, strlen(r), "gpt-4o", &out, &u) == 0,
       "chat answer: rewritten");
    ok(strstr(out.data, "\"model\":\"gpt-4o\"") != NULL
       && strstr(out.data, "\"model\":\"inner\"") != NULL,
       "only the top-level model is replaced");
    is_int(u.input, 11, "prompt tokens");
    is_int(u.output, 3, "completion tokens");
    is_int(u.cache_read, 4, "cached tokens");
    is_int(u.reasoning, 1, "reasoning tokens");

    r = "{\"id\":\"r\",\"object\":\"response\",\"model\":\"up\",\"usage\":{"
        "\"input_tokens\":100,\"output_tokens\":50,\"input_tokens_details\":"
        "{\"cached_tokens\":30},\"output_tokens_details\":{\"reasoning_tokens\":20}}}";
    agw_buf_reset(&out);
    agw_usage_init(&u);
    ok(agw_passthrough_response(r, strlen(r), "m", &out, &u) == 0
       && u.input == 100 && u.output == 50 && u.cache_read == 30
       && u.reasoning == 20, "Responses API usage names");

    agw_buf_reset(&out);
    ok(agw_passthrough_response("not json", 8, "m", &out, &u)
       == AGW_PASSTHROUGH_DECLINED, "garbage: declined");

    /* a usage object alone, as a stream's fast path reads it */
    r = "{\"prompt_tokens\":7,\"completion_tokens\":2,"
        "\"prompt_tokens_details\":{\"cached_tokens\":3},"
        "\"completion_tokens_details\":{\"reasoning_tokens\":1}}";
    agw_usage_init(&u);
    ok(agw_passthrough_read_usage(r, strlen(r), &u) == 0 && u.input == 7
       && u.output == 2 && u.cache_read == 3 && u.reasoning == 1,
       "a usage object: every count read");
    r = "{\"input_tokens\":9}";
    ok(agw_passthrough_read_usage(r, strlen(r), &u) == 0 && u.input == 9
       && u.output == 2, "merged: a count the object lacks stays");
    r = "{\"prompt_tokens\":5,}";
    ok(agw_passthrough_read_usage(r, strlen(r), &u) == -1 && u.input == 9,
       "invalid JSON: refused, nothing merged");
    r = "[1]";
    ok(agw_passthrough_read_usage(r, strlen(r), &u) == -1,
       "not an object: refused");

    agw_buf_free(&out);
    return done_testing();
}
