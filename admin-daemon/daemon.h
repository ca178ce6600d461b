/*
 * daemon: what the admin daemon's parts share (main.c fills it, drain.c
 * runs on it, the API reads it through the accessors below).
 *
 * Configuration is read in this order, each overriding the one before:
 * built-in defaults, the config file, the environment, the command line
 * (docs/state-and-daemon.md lists every option).
 */

#ifndef AGW_DAEMON_H
#define AGW_DAEMON_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agw_state.h"

#define AGW_DAEMON_NAME            "ai-gateway-admin"
#define AGW_DAEMON_LISTEN          "127.0.0.1:8090"
#define AGW_DAEMON_BATCH           4096
#define AGW_DAEMON_POLL_MS         20
#define AGW_DAEMON_RETENTION_S     (30 * 86400)
#define AGW_DAEMON_MINUTE_RET_S    (14 * 86400)
#define AGW_DAEMON_PURGE_EVERY_MS  60000
#define AGW_DAEMON_STOP_FLUSH_MS   10000
#define AGW_DAEMON_SWITCH_QUIET_MS 2000    /* old ring idle before a switch */

typedef struct agw_db_s    agw_db_t;
typedef struct agw_otlp_s  agw_otlp_t;

typedef struct agw_daemon_s {
    /* Configuration. */
    char          *config_path;      /* NULL: none */
    char          *state_path;
    char          *db_path;
    char          *listen;           /* exported as AGW_ADMIN_LISTEN */
    char          *public_origin;    /* as AGW_ADMIN_PUBLIC_ORIGIN */
    char          *trusted_proxies;  /* as AGW_ADMIN_TRUSTED_PROXIES */
    char          *probe_url;        /* the gateway's `ai_gateway probe;` */
    char          *credentials_key;  /* NULL: <state>.credentials.key */
    size_t         state_size;       /* --create-state makes it this big */
    int            create_state;
    int64_t        retention_s;      /* raw events; 0: forever */
    int64_t        minute_retention_s; /* per-minute rollups; 0: forever */
    int64_t        max_db_bytes;     /* 0: no cap (SQLite max_page_count) */
    uint32_t       batch_size;
    uint32_t       poll_ms;
    uint32_t       stall_ms;         /* dead producer timeout, agw_state.h */

    /* Runtime. */
    agw_state_t    state;
    int            state_mapped;
    dev_t          state_dev;        /* the file mapped, to notice when */
    ino_t          state_ino;        /* nginx recreated it */
    int            lock_fd;          /* holds the one-consumer lock */
    int            reexec;           /* the drain asks main to restart */
    agw_db_t      *db;
    agw_otlp_t    *otlp;             /* NULL: traces not exported */
    volatile sig_atomic_t  stop;     /* SIGTERM, SIGINT */
    volatile sig_atomic_t  reload;   /* SIGHUP: re-read the config file */
    int64_t        last_drain_ms;    /* epoch ms of the last store; atomic */
    int64_t        store_failing_ms; /* epoch ms of the first failure since
                                        the last store, 0: none; atomic */
    uint64_t       stored;           /* rows stored since start; atomic */
    uint64_t       store_failures;   /* failed transactions; atomic */
} agw_daemon_t;


/* For the API (api_main.c). */
const char  *agw_daemon_db_path(agw_daemon_t *d);
const char  *agw_daemon_state_path(agw_daemon_t *d);   /* NULL: none */
agw_state_t *agw_daemon_state(agw_daemon_t *d);        /* NULL: unmapped */

/* Epoch milliseconds. */
int64_t agw_daemon_now_ms(void);

/* "time ai-gateway-admin: message" on stderr. */
void agw_daemon_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Re-reads the reloadable options of the config file (SIGHUP). */
int agw_daemon_reload_config(agw_daemon_t *d);

/*
 * The drain (drain.c): moves events from the ring into the database until
 * d->stop, then flushes what the ring holds (bounded by
 * AGW_DAEMON_STOP_FLUSH_MS).  Returns 0, or -1 on a fatal error.
 */
int agw_drain_run(agw_daemon_t *d);

#endif /* AGW_DAEMON_H */
