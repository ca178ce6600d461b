/*
 * test_price: the LiteLLM price table as shipped (conf/prices.json, the
 * same file as t/fixtures/prices/litellm_model_prices.json), name
 * resolution, overrides and costs of real usage objects from the fixtures.
 * Expected costs are worked out by hand in the comments (USD per token
 * from the table, times tokens).
 */

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "agw_price.h"

#define TABLE  "t/fixtures/prices/litellm_model_prices.json"


static agw_usage_t
usage(int64_t in, int64_t out, int64_t cr, int64_t cw, int64_t rs)
{
    agw_usage_t  u;

    u.input = in;
    u.output = out;
    u.cache_read = cr;
    u.cache_write = cw;
    u.reasoning = rs;

    return u;
}


static const agw_price_t *
find(agw_price_table_t *t, const char *provider, const char *model)
{
    return agw_price_lookup(t, provider, model, strlen(model));
}


int
main(void)
{
    int                 n;
    char                err[256];
    agw_usage_t         u;
    agw_price_t         own;
    agw_price_table_t  *t;
    const agw_price_t  *p, *q;

    t = agw_price_table_new();
    if (t == NULL) {
        return 1;
    }

    n = agw_price_table_load_file(t, TABLE, err, sizeof(err));
    ok(n > 2000, "table loaded: %d priced entries", n);
    if (n < 0) {
        tap_diag("%s", err);
        return done_testing();
    }
    ok(agw_price_table_count(t) > (size_t) n, "plus provider/ aliases");

    /* gpt-4o: in 2.5e-6, cache read 1.25e-6, out 1e-5 per token. */
    p = find(t, NULL, "gpt-4o");
    ok(p != NULL, "gpt-4o found");
    ok(p && p->input == 2500000 && p->cache_read == 1250000
       && p->output == 10000000 && p->cache_write == -1
       && p->reasoning == -1 && p->tier_threshold == 0,
       "gpt-4o prices in pico-USD per token");
    ok(find(t, "openai", "gpt-4o") == p, "provider hint, exact key wins");
    q = find(t, NULL, "openai/gpt-4o");
    ok(q != NULL && memcmp(q, p, sizeof(*p)) == 0, "openai/gpt-4o alias");

    /* 1000 prompt (200 cached), 500 completion (100 reasoning, priced as
     * output): 800*2.5 + 200*1.25 + 500*10 = 7250 micro-USD. */
    u = usage(1000, 500, 200, -1, 100);
    is_int(agw_cost_micro_usd(p, &u), 7250, "gpt-4o cached + reasoning");

    /* gpt-4o-mini: 1.5e-7 per input token: 4 tokens = 0.6 -> 1. */
    u = usage(4, 0, -1, -1, -1);
    is_int(agw_cost_micro_usd(find(t, NULL, "gpt-4o-mini"), &u), 1,
           "rounded once, half up");
    u = usage(3, 0, -1, -1, -1);
    is_int(agw_cost_micro_usd(find(t, NULL, "gpt-4o-mini"), &u), 0,
           "0.45 micro rounds to 0");

    /* claude-sonnet-4-5: in 3e-6, cache write 3.75e-6, cache read 3e-7,
     * out 1.5e-5.  Anthropic's documented usage pair (fixture
     * anthropic-messages/usage-cache.documented.jsonl), normalised: input
     * = input_tokens + cache_creation + cache_read. */
    p = find(t, NULL, "claude-sonnet-4-5");
    ok(p && p->cache_write == 3750000 && p->cache_read == 300000,
       "claude-sonnet-4-5 cache prices");
    q = find(t, NULL, "anthropic/claude-sonnet-4-5");
    ok(q != NULL && q->input == p->input && q->cache_write == p->cache_write,
       "anthropic/claude-sonnet-4-5 resolves to the same price");
    ok(find(t, "anthropic", "claude-sonnet-4-5") != NULL, "with a hint");

    /* 21*3 + 188086*3.75 + 393*15 = 711280.5 -> 711281 */
    u = usage(21 + 188086, 393, 0, 188086, -1);
    is_int(agw_cost_micro_usd(p, &u), 711281,
           "claude cache write call (documented usage)");
    /* 21*3 + 188086*0.3 + 393*15 = 62383.8 -> 62384 */
    u = usage(21 + 188086, 393, 188086, 0, -1);
    is_int(agw_cost_micro_usd(p, &u), 62384,
           "claude cache read call (documented usage)");

    /* Long context: claude-sonnet-4-20250514 above 200k prompt tokens
     * costs 6e-6 in and 2.25e-5 out: 250000*6 + 1000*22.5 = 1522500. */
    p = find(t, NULL, "claude-sonnet-4-20250514");
    ok(p && p->tier_threshold == 200000, "200k tier parsed");
    u = usage(250000, 1000, 0, 0, -1);
    is_int(agw_cost_micro_usd(p, &u), 1522500, "tier prices above 200k");
    u = usage(200000, 1000, 0, 0, -1);
    is_int(agw_cost_micro_usd(p, &u), 600000 + 15000,
           "base prices at exactly 200k");

    /* Gemini, fixture gemini/response-cached-content-usage.json:
     * promptTokenCount 323388 of which cachedContentTokenCount 323383,
     * candidates 397; above 200k: in 2.5e-6, cache 2.5e-7, out 1.5e-5:
     * 5*2.5 + 323383*0.25 + 397*15 = 86813.25 -> 86813. */
    p = find(t, NULL, "gemini/gemini-2.5-pro");
    ok(p != NULL, "gemini/gemini-2.5-pro found");
    u = usage(323388, 397, 323383, -1, -1);
    is_int(agw_cost_micro_usd(p, &u), 86813, "gemini cached long context");
    ok(find(t, "gemini", "gemini-2.5-pro") != NULL, "gemini-2.5-pro");

    /* Fixture gemini/response-text-thoughts.json (gemini-3-pro-preview):
     * prompt 9, candidates 28 + thoughts 244 = output 272:
     * 9*2 + 272*12 = 3282. */
    p = find(t, "gemini", "gemini-3-pro-preview");
    u = usage(9, 28 + 244, -1, -1, 244);
    is_int(agw_cost_micro_usd(p, &u), 3282, "gemini thoughts as output");

    /* A model that prices reasoning on its own: dashscope/qwen-turbo in
     * 5e-8, out 2e-7, reasoning 5e-7: 1000*0.05 + 100*0.2 + 300*0.5 = 220 */
    p = find(t, NULL, "dashscope/qwen-turbo");
    ok(p && p->reasoning == 500000, "reasoning price parsed");
    u = usage(1000, 400, -1, -1, 300);
    is_int(agw_cost_micro_usd(p, &u), 220, "reasoning at its own price");

    /* Nothing counted twice, nothing negative. */
    u = usage(100, 0, 150, -1, -1);
    is_int(agw_cost_micro_usd(find(t, NULL, "gpt-4o"), &u), 188,
           "more cached than input: cached only (150*1.25=187.5)");
    u = usage(-1, -1, -1, -1, -1);
    is_int(agw_cost_micro_usd(find(t, NULL, "gpt-4o"), &u), -1,
           "no usage: unknown cost");
    is_int(agw_cost_micro_usd(NULL, &u), -1, "no price: unknown cost");

    ok(find(t, NULL, "no-such-model") == NULL, "unknown model");
    ok(find(t, "openai", "no-such/model") == NULL, "unknown with prefix");
    ok(find(t, NULL, "sample_spec") == NULL, "sample_spec skipped");
    ok(find(t, NULL, "gpt-4") != NULL && find(t, NULL, "gpt-4o-") == NULL,
       "exact lengths, no prefix match");

    /* Overrides from nginx.conf. */
    is_int(agw_price_parse("input=2.5 output=10  cache_read=1.25",
                           strlen("input=2.5 output=10  cache_read=1.25"),
                           &own, err, sizeof(err)), 0, "parse a price");
    ok(own.input == 2500000 && own.output == 10000000
       && own.cache_read == 1250000 && own.cache_write == -1,
       "USD per million tokens to pico per token");
    ok(agw_price_parse("input=1", 7, &own, err, sizeof(err)) == -1
       && strstr(err, "required"), "output required: %s", err);
    ok(agw_price_parse("input=1 output=x", 16, &own, err, sizeof(err)) == -1
       && strstr(err, "\"x\""), "bad number: %s", err);
    ok(agw_price_parse("input=1 outptu=2", 16, &own, err, sizeof(err)) == -1
       && strstr(err, "outptu"), "unknown name: %s", err);

    agw_price_parse("input=1 output=2", 16, &own, err, sizeof(err));
    is_int(agw_price_table_add(t, "my-route", &own, err, sizeof(err)), 0,
           "override added");
    u = usage(1000000, 1000000, -1, -1, -1);
    is_int(agw_cost_micro_usd(find(t, NULL, "my-route"), &u), 3000000,
           "1M in + 1M out at $1/$2 per million = $3");

    is_int(agw_price_table_add(t, "gpt-4o", &own, err, sizeof(err)), 0,
           "override of a table entry");
    ok(find(t, NULL, "gpt-4o")->input == 1000000, "override wins");
    ok(find(t, NULL, "openai/gpt-4o")->input == 2500000,
       "the alias keeps the file's price (names are exact)");

    agw_price_table_free(t);

    t = agw_price_table_new();
    ok(agw_price_table_load(t, "[1]", 3, err, sizeof(err)) == -1,
       "not an object: %s", err);
    ok(agw_price_table_load(t, "{", 1, err, sizeof(err)) == -1,
       "bad JSON: %s", err);
    ok(agw_price_table_load_file(t, "/nonexistent", err, sizeof(err)) == -1
       && strstr(err, "/nonexistent"), "missing file: %s", err);
    agw_price_table_free(t);

    return done_testing();
}
