/*
 * agw_metrics: request counters in shared memory (agw_metrics.h).
 */

#include <stdio.h>
#include <string.h>

#include "agw_metrics.h"


/* An entry of either table; its uint64_t values follow the labels. */
typedef struct {
    uint64_t       hash;            /* 0: free; claimed by CAS */
    uint32_t       ready;           /* AGW_ME_WRITING, _READY or _DEAD */
    uint16_t       labels_len;
    uint16_t       pad;
    unsigned char  labels[AGW_METRICS_LABELS_SIZE];  /* (len byte, bytes)* */
} agw_mentry_t;

_Static_assert(sizeof(agw_mentry_t) % 8 == 0, "values must stay aligned");

/*
 * An entry's ready word.  Its claimer moves it from WRITING to READY once
 * the labels are written; a finder that waited too long for that (the
 * claimer died, or is stopped, in its memcpy) moves it to DEAD instead, so
 * that nobody waits on that entry again.  Both are CASes: a claimer that
 * comes back to a DEAD entry leaves it and probes on like any finder, so a
 * label set never has two READY entries.
 */
#define AGW_ME_WRITING  0
#define AGW_ME_READY    1
#define AGW_ME_DEAD     2

/* Histogram values: buckets (the last one +Inf), then the sum in ms. */
#define AGW_MH_DURATION   0
#define AGW_MH_DUR_SUM    (AGW_MH_DURATION + AGW_MH_DURATION_BUCKETS + 1)
#define AGW_MH_TTFB       (AGW_MH_DUR_SUM + 1)
#define AGW_MH_TTFB_SUM   (AGW_MH_TTFB + AGW_MH_TTFB_BUCKETS + 1)
#define AGW_MH_VALUES     (AGW_MH_TTFB_SUM + 1)

/* a finder waits this many reads for a claimer to write its labels */
#define AGW_METRICS_SPIN  100000

#define agw_round64(n)  (((n) + 63) & ~(size_t) 63)


static const char *agw_ml_names[AGW_ML_N] = {
    "key", "model", "provider", "dialect", "endpoint", "status"
};

/* bucket bounds: ms for the comparison, the text for le="" */
static const uint64_t  agw_duration_ms[AGW_MH_DURATION_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000,
    600000
};
static const char  *agw_duration_le[AGW_MH_DURATION_BUCKETS] = {
    "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "120", "300",
    "600"
};
static const uint64_t  agw_ttfb_ms[AGW_MH_TTFB_BUCKETS] = {
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000
};
static const char  *agw_ttfb_le[AGW_MH_TTFB_BUCKETS] = {
    "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "120"
};


static size_t
agw_metrics_series_entry_size(void)
{
    return agw_round64(sizeof(agw_mentry_t) + AGW_MV_N * sizeof(uint64_t));
}


static size_t
agw_metrics_hist_entry_size(void)
{
    return agw_round64(sizeof(agw_mentry_t) + AGW_MH_VALUES * sizeof(uint64_t));
}


static uint32_t
agw_pow2_above(uint32_t n)
{
    uint32_t  p;

    for (p = 1; p < n; p <<= 1) { /* void */ }

    return p;
}


static uint32_t
agw_metrics_hist_max(uint32_t series_max)
{
    return series_max / 4 < AGW_METRICS_SERIES_MIN ? AGW_METRICS_SERIES_MIN
                                                   : series_max / 4;
}


size_t
agw_metrics_size_for(uint32_t series_max)
{
    uint32_t  hist_max;

    if (series_max < AGW_METRICS_SERIES_MIN
        || series_max > AGW_METRICS_SERIES_MAX)
    {
        return 0;
    }

    hist_max = agw_metrics_hist_max(series_max);

    /* each table: twice its bound in slots, and its "__other__" entry */
    return agw_round64(sizeof(agw_metrics_hdr_t))
           + ((size_t) agw_pow2_above(2 * series_max) + 1)
             * agw_metrics_series_entry_size()
           + ((size_t) agw_pow2_above(2 * hist_max) + 1)
             * agw_metrics_hist_entry_size();
}


static void
agw_metrics_locate(agw_metrics_t *m, void *base)
{
    m->hdr = base;
    m->series = (unsigned char *) base
                + agw_round64(sizeof(agw_metrics_hdr_t));
    m->hist = m->series
              + ((size_t) m->hdr->series_slots + 1) * m->hdr->series_entry_size;
}


static agw_mentry_t *
agw_metrics_entry(unsigned char *table, uint32_t size, uint32_t i)
{
    return (agw_mentry_t *) (table + (size_t) i * size);
}


/* The "__other__" entry of a table: every label that value. */

static void
agw_metrics_init_other(agw_mentry_t *e, unsigned nlabels)
{
    unsigned  i;
    size_t    n;

    n = sizeof(AGW_METRICS_OTHER) - 1;

    for (i = 0; i < nlabels; i++) {
        e->labels[e->labels_len] = (unsigned char) n;
        memcpy(&e->labels[e->labels_len + 1], AGW_METRICS_OTHER, n);
        e->labels_len += 1 + n;
    }

    e->hash = 1;
    e->ready = AGW_ME_READY;
}


void
agw_metrics_init(agw_metrics_t *m, void *base, uint32_t series_max)
{
    agw_metrics_hdr_t  *h = base;

    h->version = AGW_METRICS_VERSION;
    h->series_max = series_max;
    h->series_slots = agw_pow2_above(2 * series_max);
    h->hist_max = agw_metrics_hist_max(series_max);
    h->hist_slots = agw_pow2_above(2 * h->hist_max);
    h->series_entry_size = (uint32_t) agw_metrics_series_entry_size();
    h->hist_entry_size = (uint32_t) agw_metrics_hist_entry_size();
    h->total_size = agw_metrics_size_for(series_max);

    agw_metrics_locate(m, base);

    agw_metrics_init_other(agw_metrics_entry(m->series, h->series_entry_size,
                                             h->series_slots),
                           AGW_ML_N);
    agw_metrics_init_other(agw_metrics_entry(m->hist, h->hist_entry_size,
                                             h->hist_slots),
                           AGW_MH_N);

    /* release: pairs with the acquire in agw_metrics_attach() */
    __atomic_store_n(&h->magic, AGW_METRICS_MAGIC, __ATOMIC_RELEASE);
}


int
agw_metrics_attach(agw_metrics_t *m, void *base, uint32_t series_max)
{
    agw_metrics_hdr_t  *h = base;

    if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != AGW_METRICS_MAGIC
        || h->version != AGW_METRICS_VERSION
        || h->series_max != series_max
        || h->total_size != agw_metrics_size_for(series_max)
        || h->series_entry_size != agw_metrics_series_entry_size()
        || h->hist_entry_size != agw_metrics_hist_entry_size())
    {
        return -1;
    }

    agw_metrics_locate(m, base);

    return 0;
}


/* FNV-1a; 0 and 1 are taken (free, "__other__"). */

static uint64_t
agw_metrics_hash(const unsigned char *p, size_t len)
{
    uint64_t  h;
    size_t    i;

    h = 0xcbf29ce484222325ull;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }

    return h > 1 ? h : h + 2;
}


/* Packs labels as (length byte, bytes)*; 0 when they do not fit. */

static size_t
agw_metrics_pack(unsigned char *out, const agw_mlabel_t *l, unsigned n)
{
    size_t    len;
    unsigned  i;

    len = 0;

    for (i = 0; i < n; i++) {
        if (l[i].len > 255 || len + 1 + l[i].len > AGW_METRICS_LABELS_SIZE) {
            return 0;
        }

        out[len] = (unsigned char) l[i].len;
        if (l[i].len) {
            memcpy(&out[len + 1], l[i].data, l[i].len);
        }

        len += 1 + l[i].len;
    }

    return len;
}


/*
 * The entry of a packed label set, claimed if new; the table's "__other__"
 * entry when the table is at its bound (counted in *folded).
 */

static agw_mentry_t *
agw_metrics_find(unsigned char *table, uint32_t size, uint32_t slots,
    uint32_t max, uint64_t *used, uint64_t *folded,
    const unsigned char *labels, size_t len)
{
    uint32_t       i, n, spin, ready;
    uint64_t       hash, h, zero;
    agw_mentry_t  *e;

    if (len == 0) {
        goto other;
    }

    hash = agw_metrics_hash(labels, len);
    i = (uint32_t) hash & (slots - 1);

    for (n = 0; n < slots; n++, i = (i + 1) & (slots - 1)) {
        e = agw_metrics_entry(table, size, i);
        /* pairs with the claimer's CAS below: a hash seen means the slot
           is taken for good (entries are never freed) */
        h = __atomic_load_n(&e->hash, __ATOMIC_ACQUIRE);

        if (h == 0) {
            if (__atomic_load_n(used, __ATOMIC_RELAXED) >= max) {
                goto other;
            }

            zero = 0;
            if (__atomic_compare_exchange_n(&e->hash, &zero, hash, 0,
                                            __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE))
            {
                memcpy(e->labels, labels, len);
                e->labels_len = (uint16_t) len;

                /* release: pairs with the acquire loads of ready here and
                   in agw_metrics_each(), which then read the labels */
                ready = AGW_ME_WRITING;
                if (__atomic_compare_exchange_n(&e->ready, &ready,
                                                AGW_ME_READY, 0,
                                                __ATOMIC_RELEASE,
                                                __ATOMIC_RELAXED))
                {
                    __atomic_fetch_add(used, 1, __ATOMIC_RELAXED);
                    return e;
                }

                continue;               /* declared dead meanwhile */
            }

            h = zero;                   /* the hash another one stored */
        }

        if (h != hash) {
            continue;
        }

        /* our hash: wait for its claimer's labels, then compare them */
        for (spin = 0; ; spin++) {
            ready = __atomic_load_n(&e->ready, __ATOMIC_ACQUIRE);

            if (ready != AGW_ME_WRITING) {
                break;
            }

            if (spin == AGW_METRICS_SPIN) {
                /* its claimer died writing them: nobody waits here again
                   (a failed CAS means it made it after all) */
                (void) __atomic_compare_exchange_n(&e->ready, &ready,
                                                   AGW_ME_DEAD, 0,
                                                   __ATOMIC_ACQUIRE,
                                                   __ATOMIC_ACQUIRE);
                break;
            }
        }

        if (ready == AGW_ME_READY && e->labels_len == len
            && memcmp(e->labels, labels, len) == 0)
        {
            return e;
        }
    }

other:

    __atomic_fetch_add(folded, 1, __ATOMIC_RELAXED);

    return agw_metrics_entry(table, size, slots);
}


/* Counters are statistics, not synchronisation: relaxed adds, and the
 * renderer's relaxed loads see each one whole. */

static void
agw_metrics_add(uint64_t *v, int64_t n)
{
    if (n > 0) {
        __atomic_fetch_add(v, (uint64_t) n, __ATOMIC_RELAXED);
    }
}


static unsigned
agw_metrics_bucket(const uint64_t *bounds, unsigned n, int64_t ms)
{
    unsigned  i;

    for (i = 0; i < n && (uint64_t) ms > bounds[i]; i++) { /* void */ }

    return i;
}


void
agw_metrics_observe(agw_metrics_t *m, const agw_metrics_obs_t *o)
{
    size_t              len;
    int64_t             ms;
    uint64_t           *v;
    unsigned char       labels[AGW_METRICS_LABELS_SIZE];
    agw_mentry_t       *e;
    agw_metrics_hdr_t  *h;

    h = m->hdr;

    len = agw_metrics_pack(labels, o->labels, AGW_ML_N);
    e = agw_metrics_find(m->series, h->series_entry_size, h->series_slots,
                         h->series_max, &h->series_used, &h->series_folded,
                         labels, len);

    v = (uint64_t *) (e + 1);
    agw_metrics_add(&v[AGW_MV_REQUESTS], 1);
    agw_metrics_add(&v[AGW_MV_TRIES], o->tries);
    agw_metrics_add(&v[AGW_MV_FAILOVERS], (int64_t) o->tries - 1);
    agw_metrics_add(&v[AGW_MV_INPUT], o->input);
    agw_metrics_add(&v[AGW_MV_OUTPUT], o->output);
    agw_metrics_add(&v[AGW_MV_CACHED], o->cached);
    agw_metrics_add(&v[AGW_MV_CACHE_WRITE], o->cache_write);
    agw_metrics_add(&v[AGW_MV_REASONING], o->reasoning);

    if (o->cost_micro_usd >= 0) {
        agw_metrics_add(&v[AGW_MV_COST_MICRO_USD], o->cost_micro_usd);

    } else if (o->input > 0 || o->output > 0) {
        agw_metrics_add(&v[AGW_MV_UNPRICED], 1);
    }

    /* the histograms' labels (model, provider) are a prefix of the
       series' labels after the key: pack them again, they are short */
    len = agw_metrics_pack(labels, &o->labels[AGW_ML_MODEL], AGW_MH_N);
    e = agw_metrics_find(m->hist, h->hist_entry_size, h->hist_slots,
                         h->hist_max, &h->hist_used, &h->hist_folded,
                         labels, len);

    v = (uint64_t *) (e + 1);
    ms = o->duration_ms > 0 ? o->duration_ms : 0;
    agw_metrics_add(&v[AGW_MH_DURATION
                       + agw_metrics_bucket(agw_duration_ms,
                                            AGW_MH_DURATION_BUCKETS, ms)],
                    1);
    agw_metrics_add(&v[AGW_MH_DUR_SUM], ms);

    if (o->ttfb_ms >= 0) {
        agw_metrics_add(&v[AGW_MH_TTFB
                           + agw_metrics_bucket(agw_ttfb_ms,
                                                AGW_MH_TTFB_BUCKETS,
                                                o->ttfb_ms)],
                        1);
        agw_metrics_add(&v[AGW_MH_TTFB_SUM], o->ttfb_ms);
    }
}


/* Rendering. */

int
agw_metrics_family(agw_buf_t *b, const char *name, const char *type,
    const char *help)
{
    return agw_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
                          name, type);
}


int
agw_metrics_label(agw_buf_t *b, const char *name, const char *value,
    size_t len)
{
    size_t  i, start;

    if (agw_buf_printf(b, "%s=\"", name) != 0) {
        return -1;
    }

    for (i = 0, start = 0; i < len; i++) {
        if (value[i] != '\\' && value[i] != '"' && value[i] != '\n') {
            continue;
        }

        if (agw_buf_append(b, value + start, i - start) != 0
            || agw_buf_append(b, value[i] == '\n' ? "\\n"
                                 : value[i] == '"' ? "\\\"" : "\\\\", 2)
               != 0)
        {
            return -1;
        }

        start = i + 1;
    }

    return agw_buf_append(b, value + start, len - start) == 0
           && agw_buf_append(b, "\"", 1) == 0 ? 0 : -1;
}


/* name{l1="..",...[,extra="value"]} */

static int
agw_metrics_series_name(agw_buf_t *b, const char *name,
    const agw_mentry_t *e, const char **names, unsigned n,
    const char *extra, const char *extra_value)
{
    size_t    pos;
    unsigned  i;

    if (agw_buf_printf(b, "%s{", name) != 0) {
        return -1;
    }

    pos = 0;

    for (i = 0; i < n; i++) {
        if ((i && agw_buf_append(b, ",", 1) != 0)
            || agw_metrics_label(b, names[i],
                                 (const char *) &e->labels[pos + 1],
                                 e->labels[pos])
               != 0)
        {
            return -1;
        }

        pos += 1 + e->labels[pos];
    }

    if (extra && agw_buf_printf(b, ",%s=\"%s\"", extra, extra_value) != 0) {
        return -1;
    }

    return agw_buf_append(b, "} ", 2);
}


/* Calls fn for every ready entry of a table, "__other__" if it was used. */

typedef int (*agw_metrics_entry_pt)(agw_buf_t *b, const agw_mentry_t *e,
    const void *data);

static int
agw_metrics_each(unsigned char *table, uint32_t size, uint32_t slots,
    uint64_t folded, agw_buf_t *b, agw_metrics_entry_pt fn, const void *data)
{
    uint32_t       i;
    agw_mentry_t  *e;

    for (i = 0; i <= slots; i++) {
        e = agw_metrics_entry(table, size, i);

        if (i == slots ? folded == 0
                       : __atomic_load_n(&e->ready, __ATOMIC_ACQUIRE)
                         != AGW_ME_READY)
        {
            continue;
        }

        if (fn(b, e, data) != 0) {
            return -1;
        }
    }

    return 0;
}


typedef struct {
    const char  *name;
    unsigned     value;
    const char  *type;              /* tokens_total's type label, or NULL */
} agw_mseries_t;


static int
agw_metrics_series_line(agw_buf_t *b, const agw_mentry_t *e,
    const void *data)
{
    uint64_t             n;
    const agw_mseries_t *s = data;

    n = __atomic_load_n(&((const uint64_t *) (e + 1))[s->value],
                        __ATOMIC_RELAXED);

    if (agw_metrics_series_name(b, s->name, e, agw_ml_names, AGW_ML_N,
                                s->type ? "type" : NULL, s->type)
        != 0)
    {
        return -1;
    }

    if (s->value == AGW_MV_COST_MICRO_USD) {
        return agw_buf_printf(b, "%llu.%06llu\n",
                              (unsigned long long) (n / 1000000),
                              (unsigned long long) (n % 1000000));
    }

    return agw_buf_printf(b, "%llu\n", (unsigned long long) n);
}


typedef struct {
    const char      *name;
    const char      *help;
    unsigned         first;         /* of the buckets in the values */
    unsigned         n;             /* buckets but +Inf */
    const char     **le;
} agw_mhist_t;

static const agw_mhist_t  agw_histograms[] = {
    { "ai_gateway_request_duration_seconds",
      "Time from the request to the answer's last byte, by model (route) "
      "and provider.",
      AGW_MH_DURATION, AGW_MH_DURATION_BUCKETS, agw_duration_le },
    { "ai_gateway_time_to_first_byte_seconds",
      "Time from the request to the answer's first byte, by model (route) "
      "and provider.",
      AGW_MH_TTFB, AGW_MH_TTFB_BUCKETS, agw_ttfb_le }
};


static int
agw_metrics_hist_lines(agw_buf_t *b, const agw_mentry_t *e, const void *data)
{
    char               name[96];
    unsigned           i;
    uint64_t           count, sum;
    const uint64_t    *v;
    const agw_mhist_t *hs = data;

    v = (const uint64_t *) (e + 1);
    count = 0;

    for (i = 0; i <= hs->n; i++) {
        count += __atomic_load_n(&v[hs->first + i], __ATOMIC_RELAXED);

        (void) snprintf(name, sizeof(name), "%s_bucket", hs->name);

        if (agw_metrics_series_name(b, name, e, &agw_ml_names[AGW_ML_MODEL],
                                    AGW_MH_N, "le",
                                    i < hs->n ? hs->le[i] : "+Inf")
            != 0
            || agw_buf_printf(b, "%llu\n", (unsigned long long) count) != 0)
        {
            return -1;
        }
    }

    /* the sum follows the buckets in the values; the count is the +Inf
       bucket's, so that a scrape never sees the two differ */
    sum = __atomic_load_n(&v[hs->first + hs->n + 1], __ATOMIC_RELAXED);

    (void) snprintf(name, sizeof(name), "%s_sum", hs->name);

    if (agw_metrics_series_name(b, name, e, &agw_ml_names[AGW_ML_MODEL],
                                AGW_MH_N, NULL, NULL)
        != 0
        || agw_buf_printf(b, "%llu.%03llu\n",
                          (unsigned long long) (sum / 1000),
                          (unsigned long long) (sum % 1000))
           != 0)
    {
        return -1;
    }

    (void) snprintf(name, sizeof(name), "%s_count", hs->name);

    if (agw_metrics_series_name(b, name, e, &agw_ml_names[AGW_ML_MODEL],
                                AGW_MH_N, NULL, NULL)
        != 0)
    {
        return -1;
    }

    return agw_buf_printf(b, "%llu\n", (unsigned long long) count);
}


int
agw_metrics_render(const agw_metrics_t *m, agw_buf_t *b)
{
    unsigned            i;
    uint64_t            folded;
    agw_mseries_t       s;
    agw_metrics_hdr_t  *h;

    static const struct {
        const char  *name;
        const char  *help;
        unsigned     value;
    } counters[] = {
        { "ai_gateway_requests_total",
          "Requests answered, by key, model (route), provider, client "
          "dialect, endpoint and status class.", AGW_MV_REQUESTS },
        { "ai_gateway_tries_total",
          "Tries made against providers for these requests.", AGW_MV_TRIES },
        { "ai_gateway_failovers_total",
          "Tries after the first: failovers to a next route step.",
          AGW_MV_FAILOVERS },
        { "ai_gateway_cost_usd_total",
          "Cost of the tokens in US dollars, from the price table.",
          AGW_MV_COST_MICRO_USD },
        { "ai_gateway_unpriced_requests_total",
          "Requests that used tokens of a model with no known price.",
          AGW_MV_UNPRICED }
    };

    static const struct {
        const char  *type;
        unsigned     value;
    } tokens[] = {
        { "input", AGW_MV_INPUT },
        { "output", AGW_MV_OUTPUT },
        { "cached", AGW_MV_CACHED },
        { "cache_write", AGW_MV_CACHE_WRITE },
        { "reasoning", AGW_MV_REASONING }
    };

    h = m->hdr;
    folded = __atomic_load_n(&h->series_folded, __ATOMIC_RELAXED);

    for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
        s.name = counters[i].name;
        s.value = counters[i].value;
        s.type = NULL;

        if (agw_metrics_family(b, s.name, "counter", counters[i].help) != 0
            || agw_metrics_each(m->series, h->series_entry_size,
                                h->series_slots, folded, b,
                                agw_metrics_series_line, &s)
               != 0)
        {
            return -1;
        }
    }

    if (agw_metrics_family(b, "ai_gateway_tokens_total", "counter",
                           "Tokens by type: input (cached included), output "
                           "(reasoning included), cached, cache_write, "
                           "reasoning.")
        != 0)
    {
        return -1;
    }

    for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        s.name = "ai_gateway_tokens_total";
        s.value = tokens[i].value;
        s.type = tokens[i].type;

        if (agw_metrics_each(m->series, h->series_entry_size,
                             h->series_slots, folded, b,
                             agw_metrics_series_line, &s)
            != 0)
        {
            return -1;
        }
    }

    folded = __atomic_load_n(&h->hist_folded, __ATOMIC_RELAXED);

    for (i = 0; i < sizeof(agw_histograms) / sizeof(agw_histograms[0]); i++) {
        if (agw_metrics_family(b, agw_histograms[i].name, "histogram",
                               agw_histograms[i].help)
            != 0
            || agw_metrics_each(m->hist, h->hist_entry_size, h->hist_slots,
                                folded, b, agw_metrics_hist_lines,
                                &agw_histograms[i])
               != 0)
        {
            return -1;
        }
    }

    return agw_metrics_family(b, "ai_gateway_metrics_series", "gauge",
                              "Label sets in use, by table.")
           || agw_buf_printf(b,
                  "ai_gateway_metrics_series{table=\"requests\"} %llu\n"
                  "ai_gateway_metrics_series{table=\"histograms\"} %llu\n",
                  (unsigned long long) __atomic_load_n(&h->series_used,
                                                       __ATOMIC_RELAXED),
                  (unsigned long long) __atomic_load_n(&h->hist_used,
                                                       __ATOMIC_RELAXED))
           || agw_metrics_family(b, "ai_gateway_metrics_series_limit",
                                 "gauge",
                                 "Label sets a table holds; past it, "
                                 "requests count under \"__other__\".")
           || agw_buf_printf(b,
                  "ai_gateway_metrics_series_limit{table=\"requests\"} %u\n"
                  "ai_gateway_metrics_series_limit{table=\"histograms\"} "
                  "%u\n", h->series_max, h->hist_max)
           || agw_metrics_family(b, "ai_gateway_metrics_folded_total",
                                 "counter",
                                 "Requests counted under \"__other__\" "
                                 "because their table was full.")
           || agw_buf_printf(b,
                  "ai_gateway_metrics_folded_total{table=\"requests\"} "
                  "%llu\n"
                  "ai_gateway_metrics_folded_total{table=\"histograms\"} "
                  "%llu\n",
                  (unsigned long long) __atomic_load_n(&h->series_folded,
                                                       __ATOMIC_RELAXED),
                  (unsigned long long) folded)
           ? -1 : 0;
}
