/*
 * agw_metrics: request counters in shared memory, for Prometheus.
 *
 * Every nginx worker adds each finished request to a table of series
 * (one per label set) in an area all workers map; the /metrics location
 * renders the table in the Prometheus text format (version 0.0.4).
 *
 * The area:
 *
 *   agw_metrics_hdr_t   geometry and the table-wide counters
 *   series table        series_slots entries + 1 "__other__" entry
 *   histogram table     hist_slots entries + 1 "__other__" entry
 *
 * A table is open addressing on the 64-bit hash of the packed label set.
 * An entry is claimed with one compare-and-swap of its hash word (0 ->
 * hash), its labels are copied, then it is marked ready (release).  A
 * finder that meets its own hash waits for ready and compares the labels
 * (a collision probes on); one that waits too long (the claimer died in
 * its memcpy) marks the entry dead, and it is skipped from then on.  Entries are never freed, so every process
 * walks the same probe sequence for a label set and no label set ever gets
 * two entries.  Counters are relaxed atomic adds: no lock anywhere.
 *
 * The number of label sets is bounded (series_max, histograms a quarter of
 * it); the tables have twice as many slots, so probes stay short.  A label
 * set that finds the table at its bound, or whose labels do not fit an
 * entry, is added to the table's "__other__" entry (every label
 * "__other__") and counted in folded.
 *
 * Plain C, no nginx types, no globals.
 */

#ifndef AGW_METRICS_H
#define AGW_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "agw_buf.h"

/* the bytes "AGWMETR1" as one little-endian word */
#define AGW_METRICS_MAGIC         0x3152544d57474141ull
#define AGW_METRICS_VERSION       1

#define AGW_METRICS_OTHER         "__other__"
#define AGW_METRICS_LABELS_SIZE   384     /* packed label values */
#define AGW_METRICS_SERIES_MIN    16
#define AGW_METRICS_SERIES_MAX    (1u << 20)
#define AGW_METRICS_SERIES_DEFAULT 1000

/* Labels of a request series, in this order. */
enum {
    AGW_ML_KEY = 0,
    AGW_ML_MODEL,
    AGW_ML_PROVIDER,
    AGW_ML_DIALECT,
    AGW_ML_ENDPOINT,
    AGW_ML_STATUS,
    AGW_ML_N
};

/* Labels of a histogram series: the first two of a request series. */
#define AGW_MH_N  2

/* The values of a request series. */
enum {
    AGW_MV_REQUESTS = 0,
    AGW_MV_TRIES,
    AGW_MV_FAILOVERS,
    AGW_MV_INPUT,
    AGW_MV_OUTPUT,
    AGW_MV_CACHED,
    AGW_MV_CACHE_WRITE,
    AGW_MV_REASONING,
    AGW_MV_COST_MICRO_USD,
    AGW_MV_UNPRICED,
    AGW_MV_N
};

/* Histogram buckets, upper bounds in milliseconds (+Inf is one more). */
#define AGW_MH_DURATION_BUCKETS  12
#define AGW_MH_TTFB_BUCKETS      11


typedef struct {
    const char  *data;
    size_t       len;
} agw_mlabel_t;

/* One finished request, as the log phase knows it. */
typedef struct {
    agw_mlabel_t  labels[AGW_ML_N];
    int64_t       duration_ms;
    int64_t       ttfb_ms;          /* -1: no byte was sent */
    int64_t       input;
    int64_t       output;
    int64_t       cached;
    int64_t       cache_write;
    int64_t       reasoning;
    int64_t       cost_micro_usd;   /* -1: no price known */
    uint32_t      tries;
} agw_metrics_obs_t;


typedef struct {
    uint64_t  magic;
    uint32_t  version;
    uint32_t  series_max;
    uint32_t  series_slots;         /* a power of two */
    uint32_t  hist_max;
    uint32_t  hist_slots;           /* a power of two */
    uint32_t  series_entry_size;
    uint32_t  hist_entry_size;
    uint32_t  pad;
    uint64_t  total_size;

    /* written by every worker: a cache line of their own */
    _Alignas(64) uint64_t  series_used;
    uint64_t  hist_used;
    uint64_t  series_folded;        /* requests added to "__other__" */
    uint64_t  hist_folded;
} agw_metrics_hdr_t;


/* A process's handle on a formatted area. */
typedef struct {
    agw_metrics_hdr_t  *hdr;
    unsigned char      *series;
    unsigned char      *hist;
} agw_metrics_t;


/* Bytes an area for series_max label sets needs (0: out of range). */
size_t agw_metrics_size_for(uint32_t series_max);

/* Formats a zeroed area of agw_metrics_size_for(series_max) bytes. */
void agw_metrics_init(agw_metrics_t *m, void *base, uint32_t series_max);

/*
 * Attaches to an area formatted before (a reload).  0, or -1 when it was
 * formatted with another layout or size.
 */
int agw_metrics_attach(agw_metrics_t *m, void *base, uint32_t series_max);

/* Adds one request.  Never blocks, never allocates. */
void agw_metrics_observe(agw_metrics_t *m, const agw_metrics_obs_t *o);

/*
 * Appends the request series, histograms and table counters in the text
 * format, # HELP and # TYPE included.  0, or -1 when out of memory.
 */
int agw_metrics_render(const agw_metrics_t *m, agw_buf_t *b);

/* Appends `name="value"` escaped for the text format (\\, \" and \n). */
int agw_metrics_label(agw_buf_t *b, const char *name, const char *value,
    size_t len);

/* Appends "# HELP name help\n# TYPE name type\n". */
int agw_metrics_family(agw_buf_t *b, const char *name, const char *type,
    const char *help);

#endif /* AGW_METRICS_H */
