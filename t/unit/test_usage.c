/*
 * Usage normalisation: OpenAI usage JSON in and out, merging piecemeal
 * stream usage; numbers from the real fixtures.
 */

#include <stdlib.h>

#include "agw_translate_int.h"
#include "tap.h"
#include "fixtures.h"


int
main(void)
{
    json_t       *j, *u;
    agw_usage_t   a, b;

    agw_usage_init(&a);
    ok(a.input == -1 && a.output == -1 && a.cache_read == -1
       && a.cache_write == -1 && a.reasoning == -1, "init: all unknown");
    ok(!agw_usage_known(&a), "nothing known");

    /* Anthropic-like: input first, output later; later values win */
    agw_usage_init(&b);
    b.input = 10;
    b.cache_read = 4;
    agw_usage_merge(&a, &b);
    agw_usage_init(&b);
    b.output = 3;
    agw_usage_merge(&a, &b);
    b.output = 7;
    agw_usage_merge(&a, &b);
    ok(a.input == 10 && a.cache_read == 4 && a.output == 7
       && a.cache_write == -1, "merge keeps known fields, latest wins");
    ok(agw_usage_known(&a), "known");

    /* captured chat.completion: 16 / 363 */
    j = fixture_json("openai-chat/response-text.json");
    agw_usage_init(&a);
    agw_usage_from_openai(json_object_get(j, "usage"), &a);
    ok(a.input == 16 && a.output == 363 && a.cache_read == 0
       && a.reasoning == 0 && a.cache_write == -1,
       "response-text.json usage: 16 in, 363 out, 0 cached, 0 reasoning");
    json_decref(j);

    /* captured stream, final usage chunk: 16 / 300 */
    j = fixture_last_chunk("openai-chat/stream-include-usage.chunks.jsonl");
    agw_usage_init(&a);
    agw_usage_from_openai(json_object_get(j, "usage"), &a);
    ok(a.input == 16 && a.output == 300 && a.cache_read == 0
       && a.reasoning == 0, "stream-include-usage usage chunk: 16 / 300");
    json_decref(j);

    /* Azure stream: reasoning_tokens 64 of 78 */
    j = fixture_last_chunk(
            "openai-chat/stream-reasoning-usage-azure.chunks.jsonl");
    agw_usage_init(&a);
    agw_usage_from_openai(json_object_get(j, "usage"), &a);
    ok(a.input == 15 && a.output == 78 && a.reasoning == 64
       && a.cache_read == 0, "Azure usage chunk: 15 / 78, 64 reasoning");
    json_decref(j);

    /* parallel tool calls: no prompt_tokens_details at all */
    j = fixture_json("openai-chat/response-parallel-tool-calls.json");
    agw_usage_init(&a);
    agw_usage_from_openai(json_object_get(j, "usage"), &a);
    ok(a.input == 149 && a.output == 60 && a.cache_read == -1
       && a.reasoning == 0, "missing details stay unknown");
    json_decref(j);

    /* cached tokens and the hub's cache_write_tokens extension */
    j = json_loads("{\"prompt_tokens\":3100,\"completion_tokens\":58,"
                   "\"prompt_tokens_details\":{\"cached_tokens\":3072,"
                   "\"cache_write_tokens\":12},\"completion_tokens_details\":"
                   "{\"reasoning_tokens\":40}}", 0, NULL);
    agw_usage_init(&a);
    agw_usage_from_openai(j, &a);
    ok(a.input == 3100 && a.cache_read == 3072 && a.cache_write == 12
       && a.output == 58 && a.reasoning == 40,
       "cached_tokens, cache_write_tokens, reasoning_tokens read");

    u = agw_usage_to_openai(&a);
    ok(json_equal(u, j) == 0, "to_openai adds total_tokens");
    is_int(json_integer_value(json_object_get(u, "total_tokens")), 3158,
           "total = prompt + completion");
    json_object_del(u, "total_tokens");
    ok(json_equal(u, j), "to_openai(from_openai(x)) round-trips");
    json_decref(u);
    json_decref(j);

    /* garbage is ignored, not crashed on */
    agw_usage_init(&a);
    j = json_loads("{\"prompt_tokens\":\"12\",\"completion_tokens\":-3,"
                   "\"prompt_tokens_details\":[1]}", 0, NULL);
    agw_usage_from_openai(j, &a);
    agw_usage_from_openai(NULL, &a);
    ok(!agw_usage_known(&a), "strings, negatives and wrong types ignored");
    json_decref(j);

    /* unknown usage renders as zeros, never as -1 */
    agw_usage_init(&a);
    a.output = 5;
    u = agw_usage_to_openai(&a);
    is_int(json_integer_value(json_object_get(u, "prompt_tokens")), 0,
           "unknown prompt tokens render as 0");
    ok(json_object_get(json_object_get(u, "prompt_tokens_details"),
                       "cache_write_tokens") == NULL,
       "cache_write_tokens only when known");
    json_decref(u);

    /* providers' counts near the int64 limit: sums hold at the limit */
    ok(agw_usage_sum(INT64_MAX, 1) == INT64_MAX
       && agw_usage_sum(INT64_MAX - 1, 1) == INT64_MAX
       && agw_usage_sum(INT64_MIN, -1) == INT64_MIN
       && agw_usage_sum(2, 3) == 5, "agw_usage_sum saturates");
    agw_usage_init(&a);
    a.input = INT64_MAX;
    a.output = INT64_MAX;
    u = agw_usage_to_openai(&a);
    ok(json_integer_value(json_object_get(u, "total_tokens")) == INT64_MAX,
       "total_tokens of two huge counts holds at INT64_MAX");
    json_decref(u);

    return done_testing();
}
