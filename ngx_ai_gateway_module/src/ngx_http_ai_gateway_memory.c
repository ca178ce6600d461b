/*
 * ngx_http_ai_gateway_memory: giving a burst's memory back.
 *
 * An answer in progress holds its request pool, the translator's state
 * and its buffers, all from malloc.  When a burst of streams ends, glibc
 * keeps what they freed for later allocations: 3,000 streams left a worker
 * 90 MB larger for good, since a freed chunk goes back to the system only
 * from the top of the heap.  Each worker counts the answers it is sending;
 * a second after one ends, if the count has fallen to half of its peak
 * since the last time (or to none), malloc_trim() returns the free pages.
 * Under a steady load the count stays near its peak and nothing is
 * trimmed: the memory is taken again at once anyway.
 *
 * Nor does free() give it back request by request.  glibc returns the top
 * of the heap to the system whenever more than M_TRIM_THRESHOLD (128 KB)
 * of it is free: an agent's translated request (its 85 KB body, the
 * provider's 95 KB body, the translation's arena) freed 144 KB there at
 * its end, and the next request took the same pages again, 36 page faults
 * each (as many microseconds as its whole translation's cache misses).
 * glibc raises the threshold by itself only after freeing a block larger
 * than M_MMAP_THRESHOLD (128 KB), which such requests never make.  A
 * worker that serves a gateway sets both as that rule would after a
 * 1 MB body: blocks under 1 MB from the heap, 8 MB of free heap kept for
 * the next requests; the burst's trim above still returns it all.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#if (__GLIBC__)
#include <malloc.h>
#endif

#include "ngx_http_ai_gateway_module.h"


#define NGX_HTTP_AI_GATEWAY_TRIM_DELAY  1000
#define NGX_HTTP_AI_GATEWAY_MMAP_MIN    (1024 * 1024)
#define NGX_HTTP_AI_GATEWAY_HEAP_KEEP   (8 * 1024 * 1024)


static void ngx_http_ai_gateway_memory_done(void *data);
static void ngx_http_ai_gateway_memory_trim(ngx_event_t *ev);


/* per worker */
static ngx_uint_t   ngx_http_ai_gateway_answers;
static ngx_uint_t   ngx_http_ai_gateway_answers_peak;
static ngx_event_t  ngx_http_ai_gateway_trim_event;
/* what a timer's debug log reads its fd from, as the cache manager's */
static ngx_connection_t  ngx_http_ai_gateway_trim_dumb;


/* A worker starts: its heap kept between requests (see above). */

ngx_int_t
ngx_http_ai_gateway_memory_init_process(ngx_cycle_t *cycle)
{
#if (__GLIBC__)
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_ai_gateway_module);

    /* a worker with no gateway location keeps glibc's own policy */
    if (amcf == NULL || amcf->gateways.nelts == 0) {
        return NGX_OK;
    }

    if (mallopt(M_MMAP_THRESHOLD, NGX_HTTP_AI_GATEWAY_MMAP_MIN) == 0
        || mallopt(M_TRIM_THRESHOLD, NGX_HTTP_AI_GATEWAY_HEAP_KEEP) == 0)
    {
        ngx_log_error(NGX_LOG_WARN, cycle->log, 0,
                      "ai_gateway: mallopt() failed, the worker's heap "
                      "follows glibc's defaults");
    }
#endif

    return NGX_OK;
}


/* An answer starts for r: counted until r's pool is destroyed. */

ngx_int_t
ngx_http_ai_gateway_memory_hold(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_ai_gateway_memory_done;
    cln->data = NULL;

    if (++ngx_http_ai_gateway_answers > ngx_http_ai_gateway_answers_peak) {
        ngx_http_ai_gateway_answers_peak = ngx_http_ai_gateway_answers;
    }

    return NGX_OK;
}


/*
 * Runs while the pool is destroyed, before its memory is freed: the trim
 * comes later, from a timer (cancelable: it never holds up a worker's
 * exit).
 */

static void
ngx_http_ai_gateway_memory_done(void *data)
{
    ngx_event_t  *ev;

    ngx_http_ai_gateway_answers--;

    ev = &ngx_http_ai_gateway_trim_event;

    if (ev->timer_set) {
        return;
    }

    ev->handler = ngx_http_ai_gateway_memory_trim;
    ev->log = ngx_cycle->log;
    ngx_http_ai_gateway_trim_dumb.fd = (ngx_socket_t) -1;
    ev->data = &ngx_http_ai_gateway_trim_dumb;
    ev->cancelable = 1;

    ngx_add_timer(ev, NGX_HTTP_AI_GATEWAY_TRIM_DELAY);
}


static void
ngx_http_ai_gateway_memory_trim(ngx_event_t *ev)
{
    if (ngx_http_ai_gateway_answers * 2 > ngx_http_ai_gateway_answers_peak
        && ngx_http_ai_gateway_answers != 0)
    {
        return;
    }

    ngx_http_ai_gateway_answers_peak = ngx_http_ai_gateway_answers;

#if (__GLIBC__)
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "ai_gateway malloc_trim, %ui answers",
                   ngx_http_ai_gateway_answers);

    (void) malloc_trim(0);
#endif
}
