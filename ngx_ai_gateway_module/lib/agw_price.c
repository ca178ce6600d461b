/*
 * agw_price: LiteLLM price tables, overrides and request cost
 * (agw_price.h).
 *
 * The table is one array of (name, price) sorted by name and searched by
 * bisection.  Building appends, then sorts and removes duplicates once: an
 * exact key beats a "<provider>/<key>" alias of the same spelling, and of
 * two exact keys the later added wins (so an override replaces the file's
 * entry).
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_json_reader.h"
#include "agw_price.h"

#define AGW_PRICE_NAME_MAX  256


typedef struct {
    char         *name;
    agw_price_t   price;
    unsigned      alias;       /* 1: "<litellm_provider>/<key>" */
    uint32_t      order;       /* insertion order, later wins */
} agw_price_entry_t;

struct agw_price_table_s {
    agw_price_entry_t  *entries;
    size_t              n;
    size_t              cap;
    uint32_t            order;
};


agw_price_table_t *
agw_price_table_new(void)
{
    return calloc(1, sizeof(agw_price_table_t));
}


void
agw_price_table_free(agw_price_table_t *t)
{
    size_t  i;

    if (t == NULL) {
        return;
    }

    for (i = 0; i < t->n; i++) {
        free(t->entries[i].name);
    }

    free(t->entries);
    free(t);
}


size_t
agw_price_table_count(const agw_price_table_t *t)
{
    return t->n;
}


void
agw_price_init(agw_price_t *p)
{
    p->input = 0;
    p->output = 0;
    p->cache_read = -1;
    p->cache_write = -1;
    p->reasoning = -1;
    p->tier_threshold = 0;
    p->tier_input = -1;
    p->tier_output = -1;
    p->tier_cache_read = -1;
    p->tier_cache_write = -1;
}


static int
agw_price_append(agw_price_table_t *t, const char *name, size_t len,
    const agw_price_t *price, unsigned alias)
{
    size_t              cap;
    agw_price_entry_t  *e;

    if (t->n == t->cap) {
        cap = t->cap ? t->cap * 2 : 1024;
        e = realloc(t->entries, cap * sizeof(agw_price_entry_t));
        if (e == NULL) {
            return -1;
        }
        t->entries = e;
        t->cap = cap;
    }

    e = &t->entries[t->n];

    e->name = malloc(len + 1);
    if (e->name == NULL) {
        return -1;
    }

    memcpy(e->name, name, len);
    e->name[len] = '\0';
    e->price = *price;
    e->alias = alias;
    e->order = t->order++;
    t->n++;

    return 0;
}


static int
agw_price_entry_cmp(const void *a, const void *b)
{
    int                      rc;
    const agw_price_entry_t  *x = a, *y = b;

    rc = strcmp(x->name, y->name);
    if (rc != 0) {
        return rc;
    }

    if (x->alias != y->alias) {
        return x->alias ? 1 : -1;
    }

    return x->order < y->order ? 1 : (x->order > y->order ? -1 : 0);
}


/* Sorts and keeps the first (best) entry of each name. */
static void
agw_price_finish(agw_price_table_t *t)
{
    size_t  i, k;

    if (t->n == 0) {
        return;
    }

    qsort(t->entries, t->n, sizeof(agw_price_entry_t), agw_price_entry_cmp);

    for (i = 1, k = 0; i < t->n; i++) {
        if (strcmp(t->entries[i].name, t->entries[k].name) == 0) {
            free(t->entries[i].name);
            continue;
        }
        t->entries[++k] = t->entries[i];
    }

    t->n = k + 1;
}


/*
 * A string's characters as a C string in buf: the length, or -1 when
 * they do not fit (a name that long is no name of ours).
 */
static int
agw_price_text(const agw_str_t *s, char *buf, size_t size)
{
    int  n;

    n = agw_str_decode(s, buf, size - 1);
    if (n < 0) {
        return -1;
    }

    buf[n] = '\0';

    return n;
}


/*
 * The next value, a member's: USD per token (a JSON number) to pico-USD
 * per token, consumed; -1 if it is not a number in range.
 */
static int64_t
agw_price_usd(agw_jr_t *r)
{
    char       buf[64];
    double     usd;
    agw_str_t  num;

    if (agw_jr_number(r, &num) != 0) {
        (void) agw_jr_value(r, NULL);
        return -1;
    }

    if (num.len >= sizeof(buf)) {
        return -1;
    }

    memcpy(buf, num.data, num.len);
    buf[num.len] = '\0';

    usd = strtod(buf, NULL);
    if (!isfinite(usd) || usd < 0 || usd > 1.0) {
        return -1;
    }

    return (int64_t) llround(usd * 1e12);
}


/*
 * LiteLLM states a long-context tier as "<field>_above_<N>k_tokens": the
 * N of an input_cost_per_token tier, or 0.
 */
static long
agw_price_tier_of(const char *name)
{
    long         k;
    char        *end;
    const char  *prefix = "input_cost_per_token_above_";
    size_t       plen = strlen(prefix);

    if (strncmp(name, prefix, plen) != 0) {
        return 0;
    }

    errno = 0;
    k = strtol(name + plen, &end, 10);
    if (errno != 0 || k <= 0 || strcmp(end, "k_tokens") != 0) {
        return 0;
    }

    return k;
}


/*
 * One entry (an object's validated text): its prices, the smallest tier
 * of input_cost_per_token and the matching fields of the same N (a second
 * pass, once N is known), and its litellm_provider.  A member repeated
 * counts by its last value, as in the table's other readers.
 */
static void
agw_price_entry(const agw_str_t *raw, agw_price_t *p, agw_str_t *provider)
{
    char        name[128], key[4][128];
    long        k, best;
    int64_t    *tier[4];
    agw_jr_t    r;
    agw_str_t   m;
    size_t      i;

    agw_price_init(p);
    p->input = -1;
    p->output = -1;
    provider->data = NULL;
    best = 0;

    agw_jr_init(&r, raw->data, raw->len);
    (void) agw_jr_object(&r);

    while (agw_jr_member(&r, &m) == 1) {
        if (agw_price_text(&m, name, sizeof(name)) < 0) {
            (void) agw_jr_value(&r, NULL);

        } else if (strcmp(name, "input_cost_per_token") == 0) {
            p->input = agw_price_usd(&r);

        } else if (strcmp(name, "output_cost_per_token") == 0) {
            p->output = agw_price_usd(&r);

        } else if (strcmp(name, "cache_read_input_token_cost") == 0) {
            p->cache_read = agw_price_usd(&r);

        } else if (strcmp(name, "cache_creation_input_token_cost") == 0) {
            p->cache_write = agw_price_usd(&r);

        } else if (strcmp(name, "output_cost_per_reasoning_token") == 0) {
            p->reasoning = agw_price_usd(&r);

        } else if (strcmp(name, "litellm_provider") == 0) {
            if (agw_jr_string(&r, provider) != 0) {
                provider->data = NULL;
                (void) agw_jr_value(&r, NULL);
            }

        } else if ((k = agw_price_tier_of(name)) != 0
                   && agw_jr_peek(&r) == AGW_JR_NUMBER)
        {
            (void) agw_jr_value(&r, NULL);

            if (best == 0 || k < best) {
                best = k;
            }

        } else {
            (void) agw_jr_value(&r, NULL);
        }
    }

    if (best == 0) {
        return;
    }

    p->tier_threshold = (int64_t) best * 1000;

    snprintf(key[0], sizeof(key[0]), "input_cost_per_token_above_%ldk_tokens",
             best);
    snprintf(key[1], sizeof(key[1]),
             "output_cost_per_token_above_%ldk_tokens", best);
    snprintf(key[2], sizeof(key[2]),
             "cache_read_input_token_cost_above_%ldk_tokens", best);
    snprintf(key[3], sizeof(key[3]),
             "cache_creation_input_token_cost_above_%ldk_tokens", best);
    tier[0] = &p->tier_input;
    tier[1] = &p->tier_output;
    tier[2] = &p->tier_cache_read;
    tier[3] = &p->tier_cache_write;

    agw_jr_init(&r, raw->data, raw->len);
    (void) agw_jr_object(&r);

    while (agw_jr_member(&r, &m) == 1) {
        if (agw_price_text(&m, name, sizeof(name)) >= 0) {
            for (i = 0; i < 4; i++) {
                if (strcmp(name, key[i]) == 0) {
                    break;
                }
            }

            if (i < 4) {
                *tier[i] = agw_price_usd(&r);
                continue;
            }
        }

        (void) agw_jr_value(&r, NULL);
    }
}


int
agw_price_table_load(agw_price_table_t *t, const char *json, size_t len,
    char *err, size_t errlen)
{
    int           added, klen, plen, line;
    char          key[AGW_PRICE_NAME_MAX], prov[AGW_PRICE_NAME_MAX];
    char          alias[AGW_PRICE_NAME_MAX];
    size_t        i;
    agw_jr_t      r;
    agw_str_t     m, raw, provider;
    agw_price_t   p;

    /* validated whole first: a table half read is not loaded */
    agw_jr_init(&r, json, len);

    if (agw_jr_value(&r, NULL) != 0 || agw_jr_end(&r) != 0) {
        for (i = 0, line = 1; i < r.errpos && i < len; i++) {
            line += (json[i] == '\n');
        }

        snprintf(err, errlen, "price table: not JSON at line %d, byte %zu",
                 line, r.errpos);
        return -1;
    }

    agw_jr_init(&r, json, len);

    if (agw_jr_object(&r) != 0) {
        snprintf(err, errlen, "price table: not a JSON object");
        return -1;
    }

    added = 0;

    while (agw_jr_member(&r, &m) == 1) {
        klen = agw_price_text(&m, key, sizeof(key));

        if (klen <= 0 || agw_jr_peek(&r) != AGW_JR_OBJECT
            || strcmp(key, "sample_spec") == 0)
        {
            (void) agw_jr_value(&r, NULL);
            continue;
        }

        (void) agw_jr_value(&r, &raw);

        agw_price_entry(&raw, &p, &provider);

        if (p.input < 0 && p.output < 0) {
            continue;    /* priced per image, second, query...: not ours */
        }

        if (p.input < 0) {
            p.input = 0;
        }

        if (p.output < 0) {
            p.output = 0;
        }

        if (agw_price_append(t, key, (size_t) klen, &p, 0) != 0) {
            goto nomem;
        }
        added++;

        if (strchr(key, '/') == NULL && agw_str_set(&provider)
            && (plen = agw_price_text(&provider, prov, sizeof(prov))) > 0
            && (size_t) snprintf(alias, sizeof(alias), "%s/%s", prov, key)
               < sizeof(alias))
        {
            if (agw_price_append(t, alias, strlen(alias), &p, 1) != 0) {
                goto nomem;
            }
        }
    }

    agw_price_finish(t);

    return added;

nomem:

    agw_price_finish(t);
    snprintf(err, errlen, "price table: out of memory");

    return -1;
}


int
agw_price_table_load_file(agw_price_table_t *t, const char *path, char *err,
    size_t errlen)
{
    int     rc;
    char   *buf, why[256];
    long    size;
    FILE   *f;

    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "price table \"%s\": %s", path,
                 strerror(errno));
        return -1;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        snprintf(err, errlen, "price table \"%s\": %s", path,
                 strerror(errno));
        fclose(f);
        return -1;
    }

    buf = malloc((size_t) size + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "price table \"%s\": out of memory", path);
        fclose(f);
        return -1;
    }

    if (fread(buf, 1, (size_t) size, f) != (size_t) size) {
        snprintf(err, errlen, "price table \"%s\": short read", path);
        free(buf);
        fclose(f);
        return -1;
    }

    fclose(f);

    rc = agw_price_table_load(t, buf, (size_t) size, why, sizeof(why));
    if (rc < 0) {
        snprintf(err, errlen, "\"%s\": %s", path, why);
    }

    free(buf);

    return rc;
}


int
agw_price_table_add(agw_price_table_t *t, const char *model,
    const agw_price_t *price, char *err, size_t errlen)
{
    size_t  len = strlen(model);

    if (len == 0 || len >= AGW_PRICE_NAME_MAX) {
        snprintf(err, errlen, "price: model name \"%.64s\" is empty or "
                 "too long", model);
        return -1;
    }

    if (agw_price_append(t, model, len, price, 0) != 0) {
        snprintf(err, errlen, "price: out of memory");
        return -1;
    }

    agw_price_finish(t);

    return 0;
}


static const agw_price_t *
agw_price_find(const agw_price_table_t *t, const char *name, size_t len)
{
    int     rc;
    size_t  lo, hi, mid;

    lo = 0;
    hi = t->n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        rc = strncmp(t->entries[mid].name, name, len);
        if (rc == 0 && t->entries[mid].name[len] != '\0') {
            rc = 1;    /* longer than name: sorts after it */
        }

        if (rc == 0) {
            return &t->entries[mid].price;
        }

        if (rc < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    return NULL;
}


const agw_price_t *
agw_price_lookup(const agw_price_table_t *t, const char *provider,
    const char *model, size_t len)
{
    char               buf[AGW_PRICE_NAME_MAX];
    size_t             plen;
    const char        *slash;
    const agw_price_t  *p;

    if (len == 0) {
        return NULL;
    }

    p = agw_price_find(t, model, len);
    if (p != NULL) {
        return p;
    }

    if (provider != NULL) {
        plen = strlen(provider);
        if (plen + 1 + len < sizeof(buf)) {
            memcpy(buf, provider, plen);
            buf[plen] = '/';
            memcpy(buf + plen + 1, model, len);
            p = agw_price_find(t, buf, plen + 1 + len);
            if (p != NULL) {
                return p;
            }
        }
    }

    slash = memchr(model, '/', len);
    if (slash != NULL && slash + 1 < model + len) {
        return agw_price_find(t, slash + 1, len - (slash + 1 - model));
    }

    return NULL;
}


int
agw_price_parse(const char *spec, size_t len, agw_price_t *p, char *err,
    size_t errlen)
{
    int           have_in, have_out;
    char          word[64], *eq, *end;
    double        v;
    size_t        i, w;
    int64_t      *field;

    agw_price_init(p);
    have_in = have_out = 0;

    for (i = 0; i < len; ) {
        while (i < len && (spec[i] == ' ' || spec[i] == '\t')) {
            i++;
        }

        if (i == len) {
            break;
        }

        for (w = 0; i < len && spec[i] != ' ' && spec[i] != '\t'; i++) {
            if (w + 1 >= sizeof(word)) {
                snprintf(err, errlen, "price: word too long");
                return -1;
            }
            word[w++] = spec[i];
        }
        word[w] = '\0';

        eq = strchr(word, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "price: \"%s\" is not name=value", word);
            return -1;
        }
        *eq = '\0';

        errno = 0;
        v = strtod(eq + 1, &end);
        if (errno != 0 || end == eq + 1 || *end != '\0' || !isfinite(v)
            || v < 0 || v > 1e6)
        {
            snprintf(err, errlen, "price: invalid value \"%s\" for \"%s\" "
                     "(USD per million tokens)", eq + 1, word);
            return -1;
        }

        if (strcmp(word, "input") == 0) {
            field = &p->input;
            have_in = 1;
        } else if (strcmp(word, "output") == 0) {
            field = &p->output;
            have_out = 1;
        } else if (strcmp(word, "cache_read") == 0) {
            field = &p->cache_read;
        } else if (strcmp(word, "cache_write") == 0) {
            field = &p->cache_write;
        } else if (strcmp(word, "reasoning") == 0) {
            field = &p->reasoning;
        } else {
            snprintf(err, errlen, "price: unknown \"%s\" (input, output, "
                     "cache_read, cache_write, reasoning)", word);
            return -1;
        }

        *field = (int64_t) llround(v * AGW_PICO_PER_USD_PER_MTOK);
    }

    if (!have_in || !have_out) {
        snprintf(err, errlen, "price: input= and output= are required");
        return -1;
    }

    return 0;
}


static int64_t
agw_nonneg(int64_t v)
{
    return v < 0 ? 0 : v;
}


int64_t
agw_cost_micro_usd(const agw_price_t *p, const agw_usage_t *u)
{
    int64_t   in, out, cr, cw, rs, uncached;
    int64_t   pin, pout, pcr, pcw, prs;
    __int128  pico;

    if (p == NULL || u == NULL
        || (u->input < 0 && u->output < 0 && u->cache_read < 0
            && u->cache_write < 0 && u->reasoning < 0))
    {
        return -1;
    }

    in = agw_nonneg(u->input);
    out = agw_nonneg(u->output);
    cr = agw_nonneg(u->cache_read);
    cw = agw_nonneg(u->cache_write);
    rs = agw_nonneg(u->reasoning);

    /* A provider that reports more cached than input tokens is wrong; do
     * not charge a negative amount for it. */
    uncached = in - cr - cw;
    if (uncached < 0) {
        uncached = 0;
    }

    if (rs > out) {
        rs = out;
    }

    pin = p->input;
    pout = p->output;
    pcr = p->cache_read;
    pcw = p->cache_write;

    if (p->tier_threshold > 0 && in > p->tier_threshold) {
        pin = p->tier_input >= 0 ? p->tier_input : pin;
        pout = p->tier_output >= 0 ? p->tier_output : pout;
        pcr = p->tier_cache_read >= 0 ? p->tier_cache_read : pcr;
        pcw = p->tier_cache_write >= 0 ? p->tier_cache_write : pcw;
    }

    pcr = pcr >= 0 ? pcr : pin;
    pcw = pcw >= 0 ? pcw : pin;
    prs = p->reasoning >= 0 ? p->reasoning : pout;

    pico = (__int128) uncached * pin + (__int128) cr * pcr
           + (__int128) cw * pcw + (__int128) (out - rs) * pout
           + (__int128) rs * prs;

    pico = (pico + 500000) / 1000000;

    return pico > INT64_MAX ? INT64_MAX : (int64_t) pico;
}
