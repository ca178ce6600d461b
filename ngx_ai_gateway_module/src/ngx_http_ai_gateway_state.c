/*
 * ngx_http_ai_gateway_state: the shared state (agw_state.h) in nginx.
 *
 * With `ai_gateway_state PATH`, the master maps that file while it reads
 * the configuration; workers inherit the mapping, the admin daemon opens
 * the same file.  A reload maps it again and keeps it only if its layout
 * is the one configured (agw_state_check says what differs otherwise, and
 * the reload is refused).  Without the directive, provider health still
 * has to be shared by all workers: an nginx shared zone holds the same
 * layout, with a token ring nobody drains.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"


/* the ring of the zone used without a state file: nobody drains it */
#define NGX_HTTP_AI_GATEWAY_ZONE_SLOTS  16


static char *ngx_http_ai_gateway_state_open(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf);
static ngx_int_t ngx_http_ai_gateway_state_ready(ngx_log_t *log,
    ngx_http_ai_gateway_main_conf_t *amcf);
static ngx_int_t ngx_http_ai_gateway_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_ai_gateway_state_cleanup(void *data);


/* ai_gateway_state PATH [size=SIZE] [capture=SIZE] [limits=N]; */

char *
ngx_http_ai_gateway_state_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_ai_gateway_main_conf_t *amcf = conf;

    off_t        n;
    ngx_str_t   *value, s;
    ngx_uint_t   i;

    if (amcf->state_path.len) {
        return "is duplicate";
    }

    value = cf->args->elts;

    amcf->state_path = value[1];
    if (ngx_conf_full_name(cf->cycle, &amcf->state_path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "size=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;
            n = ngx_parse_offset(&s);       /* k, m and g */

            if (n == NGX_ERROR || n < 64 * 1024
                || (uint64_t) n > (uint64_t) NGX_MAX_SIZE_T_VALUE)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid state size \"%V\", at least 64k",
                                   &s);
                return NGX_CONF_ERROR;
            }

            amcf->state_size = (size_t) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "capture=", 8) == 0) {
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;
            n = ngx_parse_offset(&s);

            if (n == NGX_ERROR || n > 1024 * 1024) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid capture size \"%V\", at most 1m",
                                   &s);
                return NGX_CONF_ERROR;
            }

            amcf->state_params.capture_req_size = (uint32_t) n;
            amcf->state_params.capture_resp_size = (uint32_t) n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "limits=", 7) == 0) {
            n = ngx_atoi(value[i].data + 7, value[i].len - 7);

            if (n == NGX_ERROR || n < 16 || n > AGW_LIMITS_MAX_ENTRIES) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid \"%V\", 16 to %d entries",
                                   &value[i], AGW_LIMITS_MAX_ENTRIES);
                return NGX_CONF_ERROR;
            }

            amcf->state_params.limit_entries = (uint32_t) n;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\", expected size=, "
                           "capture= or limits=", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (amcf->state_size == NGX_CONF_UNSET_SIZE) {
        amcf->state_size = AGW_STATE_DEFAULT_SIZE;
    }

    /* checked here, where nginx -t can name the line */
    if (agw_state_capacity_for(&amcf->state_params, amcf->state_size) < 2) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "state size %uz too small: the limits table and "
                           "two events of the capture size need %uz",
                           amcf->state_size,
                           agw_state_size_for(&amcf->state_params, 2));
        return NGX_CONF_ERROR;
    }

    /* Opened (made, sized, formatted or checked) here too, for the same
     * reason: a full disk or a layout a reload cannot reuse is reported
     * at this directive's line. */
    return ngx_http_ai_gateway_state_open(cf, amcf);
}


static char *
ngx_http_ai_gateway_state_open(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    char                 err[512];
    ngx_pool_cleanup_t  *cln;

    amcf->state = ngx_pcalloc(cf->pool, sizeof(agw_state_t));
    if (amcf->state == NULL) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (agw_state_open(amcf->state, (char *) amcf->state_path.data,
                       amcf->state_size, &amcf->state_params, 1, err,
                       sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "ai_gateway_state: %s", err);
        return NGX_CONF_ERROR;
    }

    /* unmapped with the cycle that mapped it (reload, exit) */
    cln->handler = ngx_http_ai_gateway_state_cleanup;
    cln->data = amcf->state;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_ai_gateway_state_init_conf(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    size_t      size;
    ngx_str_t   name;

    if (amcf->state_path.len == 0) {
        amcf->state = ngx_pcalloc(cf->pool, sizeof(agw_state_t));
        if (amcf->state == NULL) {
            return NGX_ERROR;
        }

        amcf->state_params.capacity = NGX_HTTP_AI_GATEWAY_ZONE_SLOTS;
        size = agw_state_size_for(&amcf->state_params,
                                  NGX_HTTP_AI_GATEWAY_ZONE_SLOTS);

        /* room for the slab allocator's own pages */
        size = ngx_align(size, ngx_pagesize) + 8 * ngx_pagesize;

        ngx_str_set(&name, "ai_gateway_state");
        amcf->state_zone = ngx_shared_memory_add(cf, &name, size,
                                                 &ngx_http_ai_gateway_module);
        if (amcf->state_zone == NULL) {
            return NGX_ERROR;
        }

        amcf->state_zone->init = ngx_http_ai_gateway_init_zone;
        amcf->state_zone->data = amcf;

        return NGX_OK;
    }

    /* the file is open already (ngx_http_ai_gateway_state_open) */
    if (ngx_http_ai_gateway_state_ready(cf->log, amcf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_ai_gateway_publish(cf, amcf);
}


/* The cycle that mapped the file is gone (reload, exit): unmap it. */

static void
ngx_http_ai_gateway_state_cleanup(void *data)
{
    agw_state_close(data);
}


static ngx_int_t
ngx_http_ai_gateway_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_ai_gateway_main_conf_t *amcf = shm_zone->data;

    char              err[512];
    size_t            size;
    void             *base;
    ngx_slab_pool_t  *shpool;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    size = agw_state_size_for(&amcf->state_params,
                              NGX_HTTP_AI_GATEWAY_ZONE_SLOTS);

    if (data || shm_zone->shm.exists) {
        /* a reload: the old cycle's zone, same size, already formatted */
        base = shpool->data;

        if (agw_state_check(base, size, &amcf->state_params, err, sizeof(err))
            != 0)
        {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "ai_gateway shared zone: %s", err);
            return NGX_ERROR;
        }

    } else {
        base = ngx_slab_alloc(shpool, size);
        if (base == NULL) {
            return NGX_ERROR;
        }

        if (agw_state_init(base, size, &amcf->state_params, err, sizeof(err))
            != 0)
        {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "ai_gateway shared zone: %s", err);
            return NGX_ERROR;
        }

        shpool->data = base;
    }

    agw_state_attach(amcf->state, base, size);

    return ngx_http_ai_gateway_state_ready(shm_zone->shm.log, amcf);
}


/*
 * The master claims a health entry for every provider, so that workers
 * only ever look entries up; entries are keyed by name and survive reloads.
 */

static ngx_int_t
ngx_http_ai_gateway_state_ready(ngx_log_t *log,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    ngx_uint_t                       i;
    ngx_http_ai_gateway_provider_t  *p;

    p = amcf->providers.elts;
    for (i = 0; i < amcf->providers.nelts; i++) {
        p[i].health = agw_health_find(amcf->state, (char *) p[i].name.data,
                                      p[i].name.len, 1);
        if (p[i].health < 0) {
            ngx_log_error(NGX_LOG_EMERG, log, 0,
                          "no room for the health of provider \"%V\" in the "
                          "shared state (%d providers at most, counting "
                          "those of earlier configurations: recreate the "
                          "state file)", &p[i].name, AGW_HEALTH_MAX);
            return NGX_ERROR;
        }
    }

    return ngx_http_ai_gateway_limits_init(log, amcf);
}


/*
 * A worker starts: it claims slots under its own pid, and maps the state
 * file's pages into its page tables now rather than one page fault at a
 * time in its log phase (the ring is written all over; fork() passed the
 * mapping on, not its page tables).  Without the kernel's support the
 * pages fault in as they are used, as before; a failure costs only that.
 */

ngx_int_t
ngx_http_ai_gateway_state_init_process(ngx_cycle_t *cycle)
{
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_ai_gateway_module);

    if (amcf == NULL || amcf->state == NULL || amcf->state->base == NULL) {
        return NGX_OK;
    }

    agw_state_after_fork(amcf->state);

    if (amcf->state_path.len && agw_state_prefault(amcf->state) == -1) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, ngx_errno,
                      "ai_gateway_state: prefaulting \"%V\" failed, its "
                      "pages will be faulted in as events are written",
                      &amcf->state_path);
    }

    return NGX_OK;
}
