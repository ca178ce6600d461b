/*
 * agw_price: model prices and the cost of a request.
 *
 * Prices come from a table in LiteLLM's model_prices_and_context_window
 * format (conf/prices.json ships a copy, MIT), plus overrides the module
 * adds from nginx.conf.  A price is kept as integer pico-USD (1e-12 USD)
 * per token, so that costs are exact integer arithmetic, the same on every
 * machine; a request's cost is rounded once, to micro-USD.
 *
 * Lookup resolves the names clients and providers use: an exact key
 * ("gpt-4o", "gemini/gemini-2.5-pro"), then "<provider>/<model>" for the
 * provider hint given, then the model without its "<prefix>/".  Every key
 * without a '/' is also reachable as "<litellm_provider>/<key>", so
 * "claude-sonnet-4-5" and "anthropic/claude-sonnet-4-5" both resolve.
 *
 * A table is built single-threaded (load, add), then only read: lookups
 * from any number of threads are safe.  No globals.
 */

#ifndef AGW_PRICE_H
#define AGW_PRICE_H

#include <stddef.h>
#include <stdint.h>

#include "agw_usage.h"

/* pico-USD per token of 1 USD per million tokens. */
#define AGW_PICO_PER_USD_PER_MTOK  1000000

typedef struct {
    int64_t  input;            /* pico-USD per uncached input token */
    int64_t  output;           /* per output token */
    int64_t  cache_read;       /* -1: charged as input */
    int64_t  cache_write;      /* -1: charged as input */
    int64_t  reasoning;        /* -1: charged as output */

    /* LiteLLM's "..._above_<N>k_tokens": when the prompt (input, cached
     * included) has more than tier_threshold tokens, the tier_ prices
     * replace the base ones for the whole request (-1: keep base). */
    int64_t  tier_threshold;   /* 0: no tier */
    int64_t  tier_input;
    int64_t  tier_output;
    int64_t  tier_cache_read;
    int64_t  tier_cache_write;
} agw_price_t;

typedef struct agw_price_table_s  agw_price_table_t;

/* NULL on allocation failure. */
agw_price_table_t *agw_price_table_new(void);
void agw_price_table_free(agw_price_table_t *t);

/*
 * Adds every priced entry (input_cost_per_token or output_cost_per_token)
 * of a LiteLLM-format JSON object; keys already in the table are replaced.
 * Returns the number of entries added, or -1 with a message in err.
 */
int agw_price_table_load(agw_price_table_t *t, const char *json, size_t len,
    char *err, size_t errlen);
int agw_price_table_load_file(agw_price_table_t *t, const char *path,
    char *err, size_t errlen);

/* Adds or replaces one model's price (copied).  0, or -1 with err. */
int agw_price_table_add(agw_price_table_t *t, const char *model,
    const agw_price_t *price, char *err, size_t errlen);

size_t agw_price_table_count(const agw_price_table_t *t);

/*
 * The price of model (len bytes, not NUL-terminated) at provider (a
 * provider type hint such as "openai", "anthropic", "gemini"; NULL: none).
 * NULL when unknown.
 */
const agw_price_t *agw_price_lookup(const agw_price_table_t *t,
    const char *provider, const char *model, size_t len);

/* Every field -1 except input/output 0 and no tier. */
void agw_price_init(agw_price_t *p);

/*
 * Parses "input=2.5 output=10 cache_read=1.25 cache_write=3.75
 * reasoning=10" (USD per million tokens, any order, input and output
 * required), the form nginx.conf overrides use.  0, or -1 with err naming
 * the offending word.
 */
int agw_price_parse(const char *spec, size_t len, agw_price_t *p, char *err,
    size_t errlen);

/*
 * The cost of usage u at price p, micro-USD rounded half up, following
 * agw_usage.h's normalisation: uncached input (input - cache_read -
 * cache_write) at input, cache reads at cache_read, cache writes at
 * cache_write, output minus reasoning at output, reasoning at reasoning.
 * Unknown (-1) counts are 0.  Returns -1 when p is NULL or no count is
 * known at all.
 */
int64_t agw_cost_micro_usd(const agw_price_t *p, const agw_usage_t *u);

#endif /* AGW_PRICE_H */
