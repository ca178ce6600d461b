/*
 * ngx_http_ai_gateway_keys: client key lookup.
 *
 * Static keys come from nginx.conf.  Dynamic keys come from the admin
 * daemon: it writes a snapshot file next to the state file, then bumps the
 * keys generation in the shared state.  Each worker compares that number
 * on every lookup (one atomic load) and re-reads the snapshot only when it
 * moved, so a key created or revoked through the API takes effect within a
 * request, without a reload; with the daemon stopped the last snapshot
 * keeps serving.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"


/* snapshots larger than this are refused, not read */
#define NGX_HTTP_AI_GATEWAY_SNAPSHOT_MAX  (64 * 1024 * 1024)


/* This worker's copy of the dynamic keys, and the generation it has. */
static agw_keyset_t  *ngx_http_ai_gateway_dynamic;
static uint64_t       ngx_http_ai_gateway_dynamic_gen;


static void
ngx_http_ai_gateway_keys_reload(ngx_http_request_t *r,
    ngx_http_ai_gateway_main_conf_t *amcf, uint64_t gen)
{
    char             err[256];
    u_char          *path, *buf;
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_file_info_t  fi;
    agw_keyset_t    *ks;

    /* whatever happens, do not retry on every request until it moves */
    ngx_http_ai_gateway_dynamic_gen = gen;

    path = ngx_pnalloc(r->pool, amcf->state_path.len + sizeof(".keys.json"));
    if (path == NULL) {
        return;
    }

    ngx_sprintf(path, "%V.keys.json%Z", &amcf->state_path);

    /* a small local file, read once per key change: brief, bounded */
    fd = ngx_open_file(path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                      "ai_gateway: keys snapshot \"%s\" of generation %uL "
                      "cannot be opened; keeping the previous keys",
                      path, gen);
        return;
    }

    buf = NULL;
    ks = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > NGX_HTTP_AI_GATEWAY_SNAPSHOT_MAX)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: keys snapshot \"%s\" unreadable or too "
                      "large", path);
        goto done;
    }

    buf = ngx_alloc(ngx_file_size(&fi) + 1, r->connection->log);
    if (buf == NULL) {
        goto done;
    }

    n = ngx_read_fd(fd, buf, ngx_file_size(&fi));
    if (n != (ssize_t) ngx_file_size(&fi)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                      "ai_gateway: short read of keys snapshot \"%s\"", path);
        goto done;
    }

    ks = agw_keyset_new();
    if (ks == NULL) {
        goto done;
    }

    if (agw_keyset_load_snapshot(ks, (char *) buf, n, err, sizeof(err)) != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "ai_gateway: keys snapshot \"%s\": %s; keeping the "
                      "previous keys", path, err);
        agw_keyset_free(ks);
        ks = NULL;
        goto done;
    }

    if (ngx_http_ai_gateway_dynamic) {
        agw_keyset_free(ngx_http_ai_gateway_dynamic);
    }

    ngx_http_ai_gateway_dynamic = ks;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "ai_gateway: loaded %uz dynamic keys, generation %uL",
                  agw_keyset_count(ks), gen);

done:

    if (buf) {
        ngx_free(buf);
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      ngx_close_file_n " \"%s\" failed", path);
    }
}


const agw_key_t *
ngx_http_ai_gateway_keys_find(ngx_http_request_t *r, const unsigned char *hash)
{
    uint64_t                          gen;
    const agw_key_t                  *key;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    key = agw_keyset_find(amcf->static_keys, hash);
    if (key) {
        return key;
    }

    if (amcf->state_path.len == 0 || amcf->state->base == NULL) {
        return NULL;
    }

    gen = agw_state_keys_generation(amcf->state);

    if (gen != ngx_http_ai_gateway_dynamic_gen) {
        ngx_http_ai_gateway_keys_reload(r, amcf, gen);
    }

    if (ngx_http_ai_gateway_dynamic == NULL) {
        return NULL;
    }

    return agw_keyset_find(ngx_http_ai_gateway_dynamic, hash);
}


void
ngx_http_ai_gateway_keys_exit_process(void)
{
    if (ngx_http_ai_gateway_dynamic) {
        agw_keyset_free(ngx_http_ai_gateway_dynamic);
        ngx_http_ai_gateway_dynamic = NULL;
    }
}
