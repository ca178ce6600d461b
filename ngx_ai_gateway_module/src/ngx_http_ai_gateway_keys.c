/*
 * ngx_http_ai_gateway_keys: client key lookup.
 *
 * Static keys come from nginx.conf.  Dynamic keys come from the admin
 * daemon: it writes a snapshot file next to the state file, then bumps the
 * keys generation in the shared state.  Each worker compares that number
 * on every lookup (one atomic load) and, when it moved, loads the snapshot
 * again.
 *
 * The snapshot may be large (up to 64 MB): reading and parsing it on the
 * request path would stop every connection of the worker meanwhile, and
 * a read is blocking I/O whatever the event loop (a timer would stall it
 * just as well).  So it is read and parsed in nginx's thread pool
 * ("default"; `thread_pool default threads=N` tunes it), and swapped in by
 * the completion handler in the worker; lookups go on with the previous
 * set until then.  Static keys never wait; a request with any other key
 * waits for the load in flight (the request is delayed, not the worker; at
 * most a second, then it is judged by the keys there are), so that a key
 * created through the API works on its first request and a revoked one is
 * refused from the first request after the revocation.  With the daemon
 * stopped the last snapshot keeps serving.  An nginx built without threads
 * reads it in place.
 *
 * A dynamic key may bring its own provider credentials, sealed in the
 * snapshot (agw_crypt.h).  They are opened in the same thread with the
 * credentials key (ai_gateway_credentials_key, by default
 * "<state>.credentials.key"), which the master reads at configuration (as
 * root: the file is the daemon's, mode 0600; workers inherit the key in
 * memory), and held in memory only.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_ai_gateway_module.h"


/* snapshots larger than this are refused, not read */
#define NGX_HTTP_AI_GATEWAY_SNAPSHOT_MAX  (64 * 1024 * 1024)


/* One load of the snapshot: asked by the worker, done in a thread. */
typedef struct {
    u_char                     *path;     /* "<state>.keys.json" */
    agw_crypt_key_t            *crypt_key; /* NULL: none was read */
    uint64_t                    gen;      /* the generation asked for */
    agw_keyset_t               *ks;       /* the keys read, or NULL */
    ngx_err_t                   errnum;   /* of a failed system call */
    char                        err[256]; /* what failed */
} ngx_http_ai_gateway_keys_load_t;


static void ngx_http_ai_gateway_keys_start(ngx_http_request_t *r,
    ngx_http_ai_gateway_main_conf_t *amcf, uint64_t gen);
static void ngx_http_ai_gateway_keys_read(void *data, ngx_log_t *log);
static void ngx_http_ai_gateway_keys_loaded(ngx_event_t *ev);
static ngx_int_t ngx_http_ai_gateway_keys_crypt_key(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf);
static void ngx_http_ai_gateway_keys_crypt_wipe(void *data);


/*
 * This worker's copy of the dynamic keys, the generation it last asked
 * for (loaded, or failed: not asked again until it moves), and its load.
 */
static agw_keyset_t                     *ngx_http_ai_gateway_dynamic;
static uint64_t                          ngx_http_ai_gateway_dynamic_gen;
static ngx_http_ai_gateway_keys_load_t   ngx_http_ai_gateway_load;
static ngx_uint_t                        ngx_http_ai_gateway_loading;
static ngx_cycle_t                      *ngx_http_ai_gateway_load_cycle;
#if (NGX_THREADS)
static ngx_thread_task_t                *ngx_http_ai_gateway_keys_task;
#endif


/*
 * At configuration: the thread pool the snapshot is read in, and the
 * credentials key.
 */

ngx_int_t
ngx_http_ai_gateway_keys_init_conf(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    if (amcf->state_path.len
        && ngx_http_ai_gateway_keys_crypt_key(cf, amcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

#if (NGX_THREADS)
    if (amcf->state_path.len) {
        amcf->keys_pool = ngx_thread_pool_add(cf, NULL);
        if (amcf->keys_pool == NULL) {
            return NGX_ERROR;
        }
    }
#endif

    return NGX_OK;
}


/*
 * The credentials key, if the daemon made it: a missing file is no error
 * (no key has credentials yet; a key that has them is disabled until
 * nginx is reloaded after the daemon made it, and the log says so), one
 * nginx cannot use is: it must not go unnoticed.
 */

static ngx_int_t
ngx_http_ai_gateway_keys_crypt_key(ngx_conf_t *cf,
    ngx_http_ai_gateway_main_conf_t *amcf)
{
    char                 err[512];
    u_char              *path;
    ngx_str_t           *name;
    ngx_file_info_t      fi;
    ngx_pool_cleanup_t  *cln;

    name = &amcf->crypt_key_path;

    if (name->len) {
        if (ngx_conf_full_name(cf->cycle, name, 0) != NGX_OK) {
            return NGX_ERROR;
        }

        path = ngx_pnalloc(cf->pool, name->len + 1);
        if (path == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(path, "%V%Z", name);

    } else {
        path = ngx_pnalloc(cf->pool, amcf->state_path.len
                                     + sizeof(".credentials.key"));
        if (path == NULL) {
            return NGX_ERROR;
        }

        ngx_sprintf(path, "%V.credentials.key%Z", &amcf->state_path);
    }

    if (ngx_file_info(path, &fi) == NGX_FILE_ERROR && ngx_errno == NGX_ENOENT)
    {
        ngx_log_error(NGX_LOG_INFO, cf->log, 0,
                      "ai_gateway: no credentials key \"%s\" yet: dynamic "
                      "keys with their own credentials stay disabled until "
                      "the daemon made it and nginx is reloaded", path);
        return NGX_OK;
    }

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(agw_crypt_key_t));
    if (cln == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(cln->data, sizeof(agw_crypt_key_t));
    cln->handler = ngx_http_ai_gateway_keys_crypt_wipe;

    if (agw_crypt_key_load(cln->data, (char *) path, err, sizeof(err)) != 0) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "%s: %s",
                      name->len ? "ai_gateway_credentials_key"
                                : "ai_gateway_state", err);
        return NGX_ERROR;
    }

    amcf->crypt_key = cln->data;

    return NGX_OK;
}


static void
ngx_http_ai_gateway_keys_crypt_wipe(void *data)
{
    agw_crypt_key_wipe(data);
}


static void
ngx_http_ai_gateway_keys_start(ngx_http_request_t *r,
    ngx_http_ai_gateway_main_conf_t *amcf, uint64_t gen)
{
    ngx_event_t                       ev;
    ngx_http_ai_gateway_keys_load_t  *load;

    load = &ngx_http_ai_gateway_load;

    if (ngx_http_ai_gateway_load_cycle != ngx_cycle) {
        /*
         * a worker has one cycle; only master_process off reloads in the
         * same process, and the old cycle's pool goes some time after
         */
        ngx_http_ai_gateway_load_cycle = (ngx_cycle_t *) ngx_cycle;
        load->path = NULL;
#if (NGX_THREADS)
        ngx_http_ai_gateway_keys_task = NULL;
#endif
    }

    if (load->path == NULL) {
        /* the cycle's pool: the worker's whole life */
        load->path = ngx_pnalloc(ngx_cycle->pool,
                                 amcf->state_path.len + sizeof(".keys.json"));
        if (load->path == NULL) {
            return;
        }

        ngx_sprintf(load->path, "%V.keys.json%Z", &amcf->state_path);
    }

    load->gen = gen;
    load->crypt_key = amcf->crypt_key;
    load->ks = NULL;
    load->errnum = 0;
    load->err[0] = '\0';

#if (NGX_THREADS)

    if (amcf->keys_pool) {
        if (ngx_http_ai_gateway_keys_task == NULL) {
            ngx_http_ai_gateway_keys_task = ngx_thread_task_alloc(
                                                       ngx_cycle->pool, 0);
            if (ngx_http_ai_gateway_keys_task == NULL) {
                return;
            }

            ngx_http_ai_gateway_keys_task->ctx = load;
            ngx_http_ai_gateway_keys_task->handler =
                                               ngx_http_ai_gateway_keys_read;
            ngx_http_ai_gateway_keys_task->event.handler =
                                             ngx_http_ai_gateway_keys_loaded;
            ngx_http_ai_gateway_keys_task->event.data = load;
            ngx_http_ai_gateway_keys_task->event.log = ngx_cycle->log;
        }

        if (ngx_thread_task_post(amcf->keys_pool,
                                 ngx_http_ai_gateway_keys_task)
            != NGX_OK)
        {
            /* a full queue: the next lookup asks again */
            return;
        }

        ngx_http_ai_gateway_dynamic_gen = gen;
        ngx_http_ai_gateway_loading = 1;
        return;
    }

#endif

    /* an nginx without threads: here, as the only way there is */
    ngx_http_ai_gateway_dynamic_gen = gen;

    ngx_http_ai_gateway_keys_read(load, r->connection->log);

    ngx_memzero(&ev, sizeof(ngx_event_t));
    ev.data = load;
    ev.log = r->connection->log;
    ngx_http_ai_gateway_keys_loaded(&ev);
}


/*
 * In a thread of the pool: reads the whole snapshot (until its end, not by
 * its size: it is the file the daemon renamed into place, whatever it is
 * now) and parses it into a new key set.  It touches nothing of the
 * worker's but the load, which the worker leaves alone meanwhile.
 */

static void
ngx_http_ai_gateway_keys_read(void *data, ngx_log_t *log)
{
    ngx_http_ai_gateway_keys_load_t *load = data;

    char             *buf, *nbuf;
    size_t            size, len;
    ssize_t           n;
    ngx_fd_t          fd;
    agw_keyset_t     *ks;
    ngx_file_info_t   fi;

    fd = ngx_open_file(load->path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        load->errnum = ngx_errno;
        ngx_cpystrn((u_char *) load->err, (u_char *) "cannot be opened",
                    sizeof(load->err));
        return;
    }

    len = 0;

    /* its size is the first guess; one byte more shows its end at once */
    size = 64 * 1024;
    if (ngx_fd_info(fd, &fi) != NGX_FILE_ERROR && ngx_file_size(&fi) > 0) {
        size = ngx_min((size_t) ngx_file_size(&fi),
                       NGX_HTTP_AI_GATEWAY_SNAPSHOT_MAX) + 1;
    }

    buf = malloc(size);
    if (buf == NULL) {
        ngx_cpystrn((u_char *) load->err, (u_char *) "out of memory",
                    sizeof(load->err));
        goto done;
    }

    for ( ;; ) {
        if (len == size) {
            size = ngx_min(2 * size, NGX_HTTP_AI_GATEWAY_SNAPSHOT_MAX + 1);

            nbuf = realloc(buf, size);
            if (nbuf == NULL) {
                ngx_cpystrn((u_char *) load->err, (u_char *) "out of memory",
                            sizeof(load->err));
                goto done;
            }

            buf = nbuf;
        }

        n = ngx_read_fd(fd, buf + len, size - len);

        if (n == -1) {
            if (ngx_errno == NGX_EINTR) {
                continue;
            }

            load->errnum = ngx_errno;
            ngx_cpystrn((u_char *) load->err, (u_char *) "cannot be read",
                        sizeof(load->err));
            goto done;
        }

        if (n == 0) {
            break;
        }

        len += n;

        if (len > NGX_HTTP_AI_GATEWAY_SNAPSHOT_MAX) {
            ngx_cpystrn((u_char *) load->err, (u_char *) "larger than 64 MB",
                        sizeof(load->err));
            goto done;
        }
    }

    ks = agw_keyset_new();
    if (ks == NULL) {
        ngx_cpystrn((u_char *) load->err, (u_char *) "out of memory",
                    sizeof(load->err));
        goto done;
    }

    agw_keyset_set_crypt_key(ks, load->crypt_key);

    if (agw_keyset_load_snapshot(ks, buf, len, load->err, sizeof(load->err))
        != 0)
    {
        agw_keyset_free(ks);
        goto done;
    }

    load->ks = ks;

done:

    free(buf);

    if (ngx_close_file(fd) == NGX_FILE_ERROR && load->err[0] == '\0') {
        /* the keys are read: only said, not refused */
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      ngx_close_file_n " \"%s\" failed", load->path);
    }
}


/* Back in the worker: the new keys replace the old, or the old stay. */

static void
ngx_http_ai_gateway_keys_loaded(ngx_event_t *ev)
{
    ngx_http_ai_gateway_keys_load_t *load = ev->data;

    size_t       n;
    const char  *warning;

    ngx_http_ai_gateway_loading = 0;

    if (load->ks == NULL) {
        ngx_log_error(NGX_LOG_ERR, ev->log, load->errnum,
                      "ai_gateway: keys snapshot \"%s\" of generation %uL: "
                      "%s; keeping the previous keys",
                      load->path, load->gen, load->err);
        return;
    }

    if (ngx_http_ai_gateway_dynamic) {
        agw_keyset_free(ngx_http_ai_gateway_dynamic);
    }

    ngx_http_ai_gateway_dynamic = load->ks;
    load->ks = NULL;

    warning = agw_keyset_warning(ngx_http_ai_gateway_dynamic, &n);
    if (warning != NULL) {
        /* names the key and provider, never any part of the secret */
        ngx_log_error(NGX_LOG_ERR, ev->log, 0,
                      "ai_gateway: keys snapshot of generation %uL: %s "
                      "(%uz keys so)", load->gen, warning, n);
    }

    ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                  "ai_gateway: loaded %uz dynamic keys, generation %uL",
                  agw_keyset_count(ngx_http_ai_gateway_dynamic), load->gen);
}


/*
 * Whether the key of hash must wait for the load in flight: any but a
 * static key, for the new snapshot may have created, changed or revoked
 * it.
 */

ngx_uint_t
ngx_http_ai_gateway_keys_pending(ngx_http_request_t *r,
    const unsigned char *hash)
{
    ngx_http_ai_gateway_main_conf_t  *amcf;

    if (!ngx_http_ai_gateway_loading) {
        return 0;
    }

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    return agw_keyset_find(amcf->static_keys, hash) == NULL;
}


const agw_key_t *
ngx_http_ai_gateway_keys_find(ngx_http_request_t *r, const unsigned char *hash,
    ngx_uint_t *is_static)
{
    uint64_t                          gen;
    const agw_key_t                  *key;
    ngx_http_ai_gateway_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_ai_gateway_module);

    /* before the static keys: any request starts a load that is due */
    if (amcf->state_path.len && amcf->state->base) {
        gen = agw_state_keys_generation(amcf->state);

        if (gen != ngx_http_ai_gateway_dynamic_gen
            && !ngx_http_ai_gateway_loading)
        {
            ngx_http_ai_gateway_keys_start(r, amcf, gen);
        }
    }

    key = agw_keyset_find(amcf->static_keys, hash);
    *is_static = key != NULL;

    if (key) {
        return key;
    }

    if (ngx_http_ai_gateway_dynamic == NULL) {
        return NULL;
    }

    return agw_keyset_find(ngx_http_ai_gateway_dynamic, hash);
}


/*
 * At worker exit the thread pool has ended first (a core module): a load
 * it finished whose completion never ran left its key set here.
 */

void
ngx_http_ai_gateway_keys_exit_process(void)
{
    if (ngx_http_ai_gateway_load.ks) {
        agw_keyset_free(ngx_http_ai_gateway_load.ks);
        ngx_http_ai_gateway_load.ks = NULL;
    }

    if (ngx_http_ai_gateway_dynamic) {
        agw_keyset_free(ngx_http_ai_gateway_dynamic);
        ngx_http_ai_gateway_dynamic = NULL;
    }
}
