/*
 * Usage normalisation: OpenAI usage JSON in and out (through the
 * engine's OpenAI codec), merging piecemeal stream usage; numbers from
 * the real fixtures.
 */

#define _GNU_SOURCE

#include <stdlib.h>
#include <stdio.h>

#include "agw_engine.h"
#include "tap.h"
#include "fixtures.h"

/* A chat.completion around a usage object. */
#define USAGE_ANSWER(u)                                                       \
    "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,"           \
    "\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":"    \
    "\"assistant\",\"content\":\"x\"},\"finish_reason\":\"stop\"}],"       \
    "\"usage\":" u "}"


/* The usage the OpenAI codec reads from a body (malloc'd, freed here);
 * a stream's usage chunk is read the same way. */
static int
openai_usage_of(char *body, agw_usage_t *u)
{
    int               rc;
    agw_buf_t         out = AGW_BUF_INIT;
    agw_error_t       err;
    agw_answer_ctx_t  ctx;

    if (body == NULL) {
        return -1;
    }

    memset(&ctx, 0, sizeof(ctx));
    memset(&err, 0, sizeof(err));
    ctx.model = agw_str_bytes("m", 1);
    ctx.provider = AGW_DIALECT_OPENAI;
    agw_usage_init(u);

    rc = agw_engine_response(AGW_DIALECT_OPENAI, AGW_DIALECT_OPENAI, body,
                             strlen(body), &ctx, &out, u, &err);
    if (rc != 0) {
        tap_diag("refused: %s", err.message);
    }
    free(body);
    agw_buf_free(&out);
    return rc;
}


/* An OpenAI client's usage written from an Anthropic answer of these
 * counts (-1: not given), malloc'd. */
static char *
openai_usage_written(int64_t input, int64_t output, size_t *len)
{
    char              body[512];
    agw_buf_t         out = AGW_BUF_INIT;
    agw_usage_t       u;
    agw_error_t       err;
    agw_answer_ctx_t  ctx;

    if (input < 0) {
        snprintf(body, sizeof(body), "{\"id\":\"msg_1\",\"type\":\"message\","
                 "\"role\":\"assistant\",\"model\":\"m\",\"content\":[{"
                 "\"type\":\"text\",\"text\":\"x\"}],\"stop_reason\":"
                 "\"end_turn\",\"usage\":{\"output_tokens\":%lld}}",
                 (long long) output);
    } else {
        snprintf(body, sizeof(body), "{\"id\":\"msg_1\",\"type\":\"message\","
                 "\"role\":\"assistant\",\"model\":\"m\",\"content\":[{"
                 "\"type\":\"text\",\"text\":\"x\"}],\"stop_reason\":"
                 "\"end_turn\",\"usage\":{\"input_tokens\":%lld,"
                 "\"output_tokens\":%lld}}", (long long) input,
                 (long long) output);
    }

    memset(&ctx, 0, sizeof(ctx));
    memset(&err, 0, sizeof(err));
    ctx.model = agw_str_bytes("m", 1);
    ctx.provider = AGW_DIALECT_ANTHROPIC;

    if (agw_engine_response(AGW_DIALECT_ANTHROPIC, AGW_DIALECT_OPENAI, body,
                            strlen(body), &ctx, &out, &u, &err) != 0
        || agw_buf_append(&out, "", 1) != 0)
    {
        agw_buf_free(&out);
        return NULL;
    }

    *len = out.len - 1;
    return out.data;
}


int
main(void)
{
    char         *u;
    size_t        len;
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
    ok(openai_usage_of(fixture_read("openai-chat/response-text.json", &len),
                       &a) == 0
       && a.input == 16 && a.output == 363 && a.cache_read == 0
       && a.reasoning == 0 && a.cache_write == -1,
       "response-text.json usage: 16 in, 363 out, 0 cached, 0 reasoning");

    /* captured stream, final usage chunk: 16 / 300 */
    ok(openai_usage_of(fixture_last_chunk("openai-chat/stream-include-"
                                          "usage.chunks.jsonl"), &a) == 0
       && a.input == 16 && a.output == 300 && a.cache_read == 0
       && a.reasoning == 0, "stream-include-usage usage chunk: 16 / 300");

    /* Azure stream: reasoning_tokens 64 of 78 */
    ok(openai_usage_of(fixture_last_chunk("openai-chat/stream-reasoning-"
                                          "usage-azure.chunks.jsonl"), &a)
       == 0
       && a.input == 15 && a.output == 78 && a.reasoning == 64
       && a.cache_read == 0, "Azure usage chunk: 15 / 78, 64 reasoning");

    /* parallel tool calls: no prompt_tokens_details at all */
    ok(openai_usage_of(fixture_read("openai-chat/response-parallel-tool-"
                                    "calls.json", &len), &a) == 0
       && a.input == 149 && a.output == 60 && a.cache_read == -1
       && a.reasoning == 0, "missing details stay unknown");

    /* cached tokens and the cache_write_tokens extension */
    ok(openai_usage_of(strdup(USAGE_ANSWER("{\"prompt_tokens\":3100,"
           "\"completion_tokens\":58,\"prompt_tokens_details\":{"
           "\"cached_tokens\":3072,\"cache_write_tokens\":12},"
           "\"completion_tokens_details\":{\"reasoning_tokens\":40}}")),
           &a) == 0
       && a.input == 3100 && a.cache_read == 3072 && a.cache_write == 12
       && a.output == 58 && a.reasoning == 40,
       "cached_tokens, cache_write_tokens, reasoning_tokens read");

    /* written for an OpenAI client: total_tokens added */
    u = openai_usage_written(3100, 58, &len);
    ok(u != NULL && strstr(u, "\"total_tokens\":3158") != NULL,
       "total = prompt + completion");
    free(u);

    /* garbage is ignored, not crashed on */
    ok(openai_usage_of(strdup(USAGE_ANSWER("{\"prompt_tokens\":\"12\","
           "\"completion_tokens\":-3,\"prompt_tokens_details\":[1]}")),
           &a) == 0
       && !agw_usage_known(&a),
       "strings, negatives and wrong types ignored");

    /* unknown usage renders as zeros, never as -1 */
    u = openai_usage_written(-1, 5, &len);
    ok(u != NULL && strstr(u, "\"prompt_tokens\":0") != NULL
       && strstr(u, "cache_write_tokens") == NULL
       && strstr(u, "-1") == NULL,
       "unknown prompt tokens render as 0, cache_write_tokens only when "
       "known");
    free(u);

    /* providers' counts near the int64 limit: sums hold at the limit */
    ok(agw_usage_sum(INT64_MAX, 1) == INT64_MAX
       && agw_usage_sum(INT64_MAX - 1, 1) == INT64_MAX
       && agw_usage_sum(INT64_MIN, -1) == INT64_MIN
       && agw_usage_sum(2, 3) == 5, "agw_usage_sum saturates");
    u = openai_usage_written(INT64_MAX, INT64_MAX, &len);
    ok(u != NULL && strstr(u, "\"total_tokens\":9223372036854775807")
                    != NULL,
       "total_tokens of two huge counts holds at INT64_MAX");
    free(u);

    return done_testing();
}
