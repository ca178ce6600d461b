/*
 * ai-gateway-admin: the companion daemon of the nginx AI gateway.
 *
 * Runs in the foreground (systemd, containers).  Maps the shared state
 * file nginx created, drains its event ring into SQLite (drain.c, db.c),
 * and serves the management API and dashboard (api.h, when built in).
 * SIGTERM and SIGINT store what the ring holds, then exit 0; SIGHUP
 * re-reads the config file's reloadable options.
 *
 * Options come from, in increasing precedence: defaults, the config file
 * (--config or AGW_CONFIG; "name = value" lines, # comments), the
 * environment (AGW_*), the command line.  --help lists them.
 */

#define _GNU_SOURCE          /* F_OFD_SETLK */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "daemon.h"
#include "spend.h"
#include "db.h"
#include "api.h"
#include "otlp.h"
#include "text.h"
#include "agw_version.h"

/* The API is linked in when its files are part of the build; without
 * them the daemon only drains (admin-daemon/README.md). */
#pragma weak agw_api_start
#pragma weak agw_api_stop


/* One option: its config file name, environment name and flag. */
typedef enum {
    AGW_OPT_STR,
    AGW_OPT_SIZE,
    AGW_OPT_DURATION,
    AGW_OPT_U32,
    AGW_OPT_BOOL
} agw_opt_type_t;

typedef struct {
    const char      *name;          /* config file key and --flag */
    const char      *env;
    agw_opt_type_t   type;
    size_t           offset;        /* in agw_daemon_t */
    int              reloadable;
    const char      *help;
} agw_opt_t;

#define OFF(f)  offsetof(agw_daemon_t, f)

static const agw_opt_t  agw_opts[] = {
    { "state", "AGW_STATE", AGW_OPT_STR, OFF(state_path), 0,
      "shared state file nginx creates (ai_gateway_state)" },
    { "db", "AGW_DB", AGW_OPT_STR, OFF(db_path), 0,
      "SQLite database file" },
    { "listen", "AGW_ADMIN_LISTEN", AGW_OPT_STR, OFF(listen), 0,
      "API address, default " AGW_DAEMON_LISTEN },
    { "public-origin", "AGW_ADMIN_PUBLIC_ORIGIN", AGW_OPT_STR,
      OFF(public_origin), 0,
      "URL browsers reach the API at behind a proxy (https://host/admin)" },
    { "trusted-proxies", "AGW_ADMIN_TRUSTED_PROXIES", AGW_OPT_STR,
      OFF(trusted_proxies), 0,
      "addresses whose X-Forwarded-For/-Host are believed (10.0.0.0/8,::1)" },
    { "gateway-probe-url", "AGW_GATEWAY_PROBE_URL", AGW_OPT_STR,
      OFF(probe_url), 0,
      "the gateway's `ai_gateway probe;` URL (provider diagnostics)" },
    { "credentials-key", "AGW_ADMIN_CREDENTIALS_KEY_FILE", AGW_OPT_STR,
      OFF(credentials_key), 0,
      "master key sealing keys' credentials, made 0600 if missing "
      "(<state>.credentials.key)" },
    { "retention", "AGW_RETENTION", AGW_OPT_DURATION, OFF(retention_s), 1,
      "keep raw events this long (30d; 0: forever)" },
    { "minute-retention", "AGW_MINUTE_RETENTION", AGW_OPT_DURATION,
      OFF(minute_retention_s), 1,
      "keep per-minute rollups this long (14d; 0: forever)" },
    { "max-db-size", "AGW_MAX_DB_SIZE", AGW_OPT_SIZE, OFF(max_db_bytes), 1,
      "cap the database file (e.g. 10g; 0: none)" },
    { "batch-size", "AGW_BATCH_SIZE", AGW_OPT_U32, OFF(batch_size), 0,
      "events per transaction (4096)" },
    { "poll-ms", "AGW_POLL_MS", AGW_OPT_U32, OFF(poll_ms), 1,
      "pause when the ring is empty (20)" },
    { "stall-ms", "AGW_STALL_MS", AGW_OPT_U32, OFF(stall_ms), 0,
      "skip a dead producer's slot after this (1000)" },
    { "create-state", "AGW_CREATE_STATE", AGW_OPT_BOOL, OFF(create_state), 0,
      "create the state file if missing (tests, daemon-first start)" },
    { "state-size", "AGW_STATE_SIZE", AGW_OPT_SIZE, OFF(state_size), 0,
      "size for --create-state (16m)" },
};

#define AGW_NOPTS  (sizeof(agw_opts) / sizeof(agw_opts[0]))

/*
 * What the API (auth.c, http.c, api_main.c) and the drain's fault point
 * read from the environment only, for --help: an operator must find every
 * variable the daemon reads there (t/daemon/260-help-env.t compares this
 * list with the getenv calls of the sources).
 */
static const struct {
    const char  *env;
    const char  *help;
} agw_env_only[] = {
    { "AGW_ADMIN_USER", "login name (admin)" },
    { "AGW_ADMIN_PASSWORD", "admin password; unset: no login" },
    { "AGW_ADMIN_PASSWORD_FILE", "a file holding it (preferred)" },
    { "AGW_ADMIN_TOKEN", "admin token for scripts, 16 characters or more" },
    { "AGW_ADMIN_TOKEN_FILE", "a file holding it (preferred)" },
    { "AGW_ADMIN_SESSION_TTL", "session lifetime, seconds" },
    { "AGW_ADMIN_LOGIN_MAX_FAILS", "failed logins per address per window" },
    { "AGW_ADMIN_LOGIN_WINDOW", "that window and the lockout, seconds" },
    { "AGW_ADMIN_COOKIE_SECURE", "1: Secure cookies (TLS in front)" },
    { "AGW_ADMIN_REQUEST_TIMEOUT", "seconds a request may take to arrive" },
    { "AGW_ADMIN_MAX_CONNECTIONS", "open API connections in all" },
    { "AGW_ADMIN_MAX_CONNECTIONS_PER_ADDRESS", "... from one address" },
    { "AGW_ADMIN_RESTORE_MAX", "largest restore upload, bytes" },
    { "AGW_ADMIN_USAGE_EXACT_MAX", "events /usage counts one by one" },
    { "AGW_TEST_CRASH_AFTER_COMMITS", "tests only: SIGKILL after N commits" },
};

/* The OpenTelemetry exporter's standard variables (otlp.c,
 * docs/tracing.md): traces are exported when an endpoint is set. */
static const struct {
    const char  *env;
    const char  *help;
} agw_env_otel[] = {
    { "OTEL_EXPORTER_OTLP_ENDPOINT", "collector base URL (+ /v1/traces)" },
    { "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "full traces URL, wins" },
    { "OTEL_EXPORTER_OTLP_HEADERS", "key=value,... headers (auth)" },
    { "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "same, for traces, wins" },
    { "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json only" },
    { "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "same, for traces" },
    { "OTEL_EXPORTER_OTLP_TIMEOUT", "ms per export request (10000)" },
    { "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "same, for traces, wins" },
    { "OTEL_SERVICE_NAME", "service.name (ai-gateway)" },
    { "OTEL_RESOURCE_ATTRIBUTES", "key=value,... resource attributes" },
    { "OTEL_BSP_MAX_QUEUE_SIZE", "spans queued at most, oldest dropped (2048)" },
    { "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "spans per export request (512)" },
    { "OTEL_BSP_SCHEDULE_DELAY", "ms a span waits for a batch (5000)" },
};

#define AGW_NOTEL  (sizeof(agw_env_otel) / sizeof(agw_env_otel[0]))

#define AGW_NENV  (sizeof(agw_env_only) / sizeof(agw_env_only[0]))

/* Saved for SIGHUP: the command line wins over a reloaded file too. */
static int     agw_argc;
static char  **agw_argv;
static agw_daemon_t  *agw_signal_daemon;


/*
 * Messages quote what clients sent (paths, addresses): control bytes are
 * escaped so that a CR LF in a request cannot start a forged line.
 */
void
agw_daemon_log(const char *fmt, ...)
{
    char       ts[32], msg[2048];
    time_t     now;
    va_list    ap;
    struct tm  tm;

    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    flockfile(stderr);
    fprintf(stderr, "%s " AGW_DAEMON_NAME ": ", ts);
    agw_log_write(stderr, msg);
    fputc('\n', stderr);
    funlockfile(stderr);
}


int64_t
agw_daemon_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


const char *
agw_daemon_db_path(agw_daemon_t *d)
{
    return d->db_path;
}


const char *
agw_daemon_state_path(agw_daemon_t *d)
{
    return d->state_path;
}


agw_state_t *
agw_daemon_state(agw_daemon_t *d)
{
    return d->state_mapped ? &d->state : NULL;
}


/* Option values */

static int
agw_parse_int(const char *s, const char *units, const int64_t *mult,
    int64_t *out)
{
    char       *end;
    long long   v;
    const char *u;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || v < 0) {
        return -1;
    }

    if (*end == '\0') {
        *out = v;
        return 0;
    }

    u = strchr(units, *end | 0x20);
    if (u == NULL || end[1] != '\0') {
        return -1;
    }

    if (v > INT64_MAX / mult[u - units]) {
        return -1;
    }

    *out = v * mult[u - units];

    return 0;
}


static int
agw_opt_set(agw_daemon_t *d, const agw_opt_t *o, const char *value,
    const char *where, char *err, size_t errlen)
{
    char     *copy, **sp;
    int64_t   v;
    static const int64_t  size_mult[] = { 1024, 1024 * 1024,
                                          1024LL * 1024 * 1024 };
    static const int64_t  time_mult[] = { 1, 60, 3600, 86400 };

    void  *field = (char *) d + o->offset;

    switch (o->type) {

    case AGW_OPT_STR:
        copy = strdup(value);
        if (copy == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        sp = field;
        free(*sp);
        *sp = copy;
        return 0;

    case AGW_OPT_BOOL:
        if (strcmp(value, "1") == 0 || strcasecmp(value, "yes") == 0
            || strcasecmp(value, "on") == 0 || strcasecmp(value, "true") == 0)
        {
            *(int *) field = 1;
        } else if (strcmp(value, "0") == 0 || strcasecmp(value, "no") == 0
                   || strcasecmp(value, "off") == 0
                   || strcasecmp(value, "false") == 0)
        {
            *(int *) field = 0;
        } else {
            break;
        }
        return 0;

    case AGW_OPT_SIZE:
        if (agw_parse_int(value, "kmg", size_mult, &v) != 0) {
            break;
        }
        if (o->offset == OFF(state_size)) {
            *(size_t *) field = (size_t) v;
        } else {
            *(int64_t *) field = v;
        }
        return 0;

    case AGW_OPT_DURATION:
        if (agw_parse_int(value, "smhd", time_mult, &v) != 0) {
            break;
        }
        *(int64_t *) field = v;
        return 0;

    case AGW_OPT_U32:
        if (agw_parse_int(value, "", NULL, &v) != 0 || v == 0
            || v > UINT32_MAX)
        {
            break;
        }
        *(uint32_t *) field = (uint32_t) v;
        return 0;
    }

    snprintf(err, errlen, "%s: invalid value \"%s\" for %s", where, value,
             o->name);
    return -1;
}


static const agw_opt_t *
agw_opt_find(const char *name)
{
    size_t  i;

    for (i = 0; i < AGW_NOPTS; i++) {
        if (strcmp(agw_opts[i].name, name) == 0) {
            return &agw_opts[i];
        }
    }

    return NULL;
}


/* "name = value" lines; '_' and '-' alike in names. */
static int
agw_config_file(agw_daemon_t *d, const char *path, char *err, size_t errlen)
{
    int               line, rc;
    char              buf[1024], where[300], *p, *name, *value, *end;
    FILE             *f;
    const agw_opt_t  *o;

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "config \"%s\": %s", path, strerror(errno));
        return -1;
    }

    rc = 0;

    for (line = 1; fgets(buf, sizeof(buf), f) != NULL; line++) {
        p = buf + strspn(buf, " \t");
        if (*p == '#' || *p == '\n' || *p == '\0') {
            continue;
        }

        for (end = p + strlen(p); end > p && strchr(" \t\r\n", end[-1]);
             end--)
        {
            /* trim */
        }
        *end = '\0';

        name = p;
        p += strcspn(p, " \t=");
        value = p + strspn(p, " \t=");
        *p = '\0';

        for (p = name; *p; p++) {
            if (*p == '_') {
                *p = '-';
            }
        }

        snprintf(where, sizeof(where), "%s:%d", path, line);

        o = agw_opt_find(name);
        if (o == NULL) {
            snprintf(err, errlen, "%s: unknown option \"%s\"", where, name);
            rc = -1;
            break;
        }

        if (agw_opt_set(d, o, value, where, err, errlen) != 0) {
            rc = -1;
            break;
        }
    }

    fclose(f);

    return rc;
}


static void
agw_usage(FILE *out)
{
    size_t  i;

    fprintf(out, "usage: " AGW_DAEMON_NAME " [--config FILE] [options]\n\n"
            "Drains the gateway's event ring into SQLite and serves the "
            "admin API.\nEach option: --NAME VALUE, environment variable, "
            "or \"NAME = VALUE\" in the config file.\n\n");

    fprintf(out, "  --%-18s %-26s %s\n", "config", "AGW_CONFIG",
            "config file");

    for (i = 0; i < AGW_NOPTS; i++) {
        fprintf(out, "  --%-18s %-26s %s\n", agw_opts[i].name,
                agw_opts[i].env, agw_opts[i].help);
    }

    fprintf(out, "\nThe API's settings, environment only (defaults and "
            "details: docs/admin-api.md):\n\n");

    for (i = 0; i < AGW_NENV; i++) {
        fprintf(out, "  %-38s %s\n", agw_env_only[i].env,
                agw_env_only[i].help);
    }

    fprintf(out, "\nOpenTelemetry traces, environment only "
            "(docs/tracing.md):\n\n");

    for (i = 0; i < AGW_NOTEL; i++) {
        fprintf(out, "  %-38s %s\n", agw_env_otel[i].env,
                agw_env_otel[i].help);
    }
}


/*
 * Fills d from every layer.  Returns 0, 1 for --help, 2 for --version
 * (printed), or -1 with a message in err.
 */
static int
agw_configure(agw_daemon_t *d, int argc, char **argv, char *err,
    size_t errlen)
{
    int                    c, i, idx;
    char                   where[64];
    const char            *v;
    struct option          longopts[AGW_NOPTS + 4];

    memset(d, 0, sizeof(*d));
    d->lock_fd = -1;
    d->retention_s = AGW_DAEMON_RETENTION_S;
    d->minute_retention_s = AGW_DAEMON_MINUTE_RET_S;
    d->batch_size = AGW_DAEMON_BATCH;
    d->poll_ms = AGW_DAEMON_POLL_MS;
    d->stall_ms = AGW_RING_STALL_MS;
    d->state_size = AGW_STATE_DEFAULT_SIZE;

    for (i = 0; i < (int) AGW_NOPTS; i++) {
        longopts[i].name = agw_opts[i].name;
        longopts[i].has_arg = agw_opts[i].type == AGW_OPT_BOOL
                              ? optional_argument : required_argument;
        longopts[i].flag = NULL;
        longopts[i].val = 1000 + i;
    }
    longopts[i++] = (struct option) { "config", required_argument, NULL, 'c' };
    longopts[i++] = (struct option) { "help", no_argument, NULL, 'h' };
    longopts[i++] = (struct option) { "version", no_argument, NULL, 'V' };
    longopts[i] = (struct option) { NULL, 0, NULL, 0 };

    /* The config file first: every other layer overrides it. */
    v = getenv("AGW_CONFIG");
    for (i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) {
            v = argv[i + 1];
        }
    }
    for (i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--config=", 9) == 0) {
            v = argv[i] + 9;
        }
    }

    if (v != NULL && v[0] != '\0') {
        d->config_path = strdup(v);
        if (d->config_path == NULL
            || agw_config_file(d, d->config_path, err, errlen) != 0)
        {
            return -1;
        }
    }

    for (i = 0; i < (int) AGW_NOPTS; i++) {
        v = getenv(agw_opts[i].env);
        if (v != NULL && v[0] != '\0'
            && agw_opt_set(d, &agw_opts[i], v, agw_opts[i].env, err, errlen)
               != 0)
        {
            return -1;
        }
    }

    optind = 0;      /* GNU: restart the scan (SIGHUP reloads run it again) */
    opterr = 0;

    while ((c = getopt_long(argc, argv, "c:hV", longopts, &idx)) != -1) {
        switch (c) {
        case 'c':
            break;
        case 'h':
            return 1;
        case 'V':
            printf(AGW_DAEMON_NAME " " AGW_VERSION
                   " (state layout %d, sqlite %s)\n",
                   AGW_STATE_VERSION, sqlite3_libversion());
            return 2;
        case '?':
            snprintf(err, errlen, "unknown or incomplete option \"%s\" "
                     "(--help lists them)", argv[optind - 1]);
            return -1;
        default:
            i = c - 1000;
            snprintf(where, sizeof(where), "--%s", agw_opts[i].name);
            if (agw_opt_set(d, &agw_opts[i], optarg ? optarg : "1", where,
                            err, errlen) != 0)
            {
                return -1;
            }
        }
    }

    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument \"%s\"", argv[optind]);
        return -1;
    }

    if (d->state_path == NULL || d->db_path == NULL) {
        snprintf(err, errlen, "--state and --db are required (--help)");
        return -1;
    }

    if (d->listen == NULL) {
        d->listen = strdup(AGW_DAEMON_LISTEN);
        if (d->listen == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }

    return 0;
}


static void
agw_daemon_free_config(agw_daemon_t *d)
{
    free(d->config_path);
    free(d->state_path);
    free(d->db_path);
    free(d->listen);
    free(d->public_origin);
    free(d->trusted_proxies);
    free(d->probe_url);
    free(d->credentials_key);
}


int
agw_daemon_reload_config(agw_daemon_t *d)
{
    char          err[512];
    agw_daemon_t  fresh;

    if (agw_configure(&fresh, agw_argc, agw_argv, err, sizeof(err)) != 0) {
        agw_daemon_log("reload: %s; keeping the running configuration",
                       err);
        agw_daemon_free_config(&fresh);
        return -1;
    }

    d->retention_s = fresh.retention_s;
    d->minute_retention_s = fresh.minute_retention_s;
    d->max_db_bytes = fresh.max_db_bytes;
    d->poll_ms = fresh.poll_ms;

    agw_daemon_free_config(&fresh);

    return 0;
}


static void
agw_on_signal(int signo)
{
    if (agw_signal_daemon == NULL) {
        return;
    }

    if (signo == SIGHUP) {
        agw_signal_daemon->reload = 1;
    } else {
        agw_signal_daemon->stop = 1;
    }
}


static int
agw_signals(agw_daemon_t *d)
{
    struct sigaction  sa;

    agw_signal_daemon = d;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = agw_on_signal;
    sigemptyset(&sa.sa_mask);

    if (sigaction(SIGTERM, &sa, NULL) != 0
        || sigaction(SIGINT, &sa, NULL) != 0
        || sigaction(SIGHUP, &sa, NULL) != 0)
    {
        return -1;
    }

    sa.sa_handler = SIG_IGN;

    return sigaction(SIGPIPE, &sa, NULL);
}


/*
 * One consumer per state file: a second daemon on the same file would
 * commit the ring under the first one's feet.  An open file description
 * lock (fcntl, independent of the flock agw_state_open takes while
 * formatting) on the header's head field, held for our lifetime.
 */
static int
agw_consumer_lock(agw_daemon_t *d)
{
    int           fd;
    struct flock  fl;

    fd = open(d->state_path, O_RDWR | O_CLOEXEC);
    if (fd == -1) {
        agw_daemon_log("open(\"%s\"): %s", d->state_path, strerror(errno));
        return -1;
    }

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = offsetof(agw_state_hdr_t, head);
    fl.l_len = sizeof(uint64_t);

    if (fcntl(fd, F_OFD_SETLK, &fl) == -1) {
        if (errno == EAGAIN || errno == EACCES) {
            agw_daemon_log("another daemon (pid %llu) already drains %s",
                           (unsigned long long) d->state.hdr->consumer_pid,
                           d->state_path);
        } else {
            agw_daemon_log("locking %s: %s", d->state_path, strerror(errno));
        }
        close(fd);
        return -1;
    }

    d->lock_fd = fd;

    return 0;
}


/* Maps the state file, waiting for nginx to create it unless we may. */
static int
agw_open_state(agw_daemon_t *d)
{
    int          waiting, created;
    char         err[1024];
    struct stat  sb;

    waiting = 0;

    while (!d->stop) {
        created = 0;

        if (agw_state_open(&d->state, d->state_path, 0, NULL, 0, err,
                           sizeof(err)) == 0
            || (d->create_state
                && (created = agw_state_open(&d->state, d->state_path,
                                             d->state_size, NULL, 1, err,
                                             sizeof(err)) == 0)))
        {
            if (created) {
                agw_daemon_log("created state file %s (%zu bytes)",
                               d->state_path, d->state_size);
            }

            d->state_mapped = 1;

            /* What we mapped, to notice a recreated file (drain.c); a
             * replacement between the open and this stat is noticed at
             * the next restart only. */
            if (stat(d->state_path, &sb) == 0) {
                d->state_dev = sb.st_dev;
                d->state_ino = sb.st_ino;
            }

            return agw_consumer_lock(d);
        }

        /* A file that exists but is not ours, or of another layout, will
         * not fix itself: say so and stop. */
        if (access(d->state_path, F_OK) == 0 && strstr(err, "empty") == NULL)
        {
            agw_daemon_log("%s", err);
            return -1;
        }

        if (!waiting) {
            agw_daemon_log("%s; waiting for it", err);
            waiting = 1;
        }

        sleep(1);
    }

    return -1;
}


int
main(int argc, char **argv)
{
    int           rc, api, n;
    char          err[1024];
    agw_daemon_t  d;

    agw_argc = argc;
    agw_argv = argv;

    /* Before any connection: SQLite's memory statistics take a global
     * mutex on every allocation, a few percent of the drain. */
    (void) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);

    rc = agw_configure(&d, argc, argv, err, sizeof(err));
    if (rc == 1 || rc == 2) {
        if (rc == 1) {
            agw_usage(stdout);
        }
        agw_daemon_free_config(&d);
        return 0;
    }

    if (rc != 0) {
        fprintf(stderr, AGW_DAEMON_NAME ": %s\n", err);
        agw_daemon_free_config(&d);
        return 2;
    }

    /* The API reads its address and origin from the environment (http.c,
     * origin.c). */
    if (setenv("AGW_ADMIN_LISTEN", d.listen, 1) != 0
        || (d.public_origin != NULL
            && setenv("AGW_ADMIN_PUBLIC_ORIGIN", d.public_origin, 1) != 0)
        || (d.trusted_proxies != NULL
            && setenv("AGW_ADMIN_TRUSTED_PROXIES", d.trusted_proxies, 1)
               != 0))
    {
        fprintf(stderr, AGW_DAEMON_NAME ": setenv: %s\n", strerror(errno));
        return 1;
    }

    if (agw_signals(&d) != 0) {
        fprintf(stderr, AGW_DAEMON_NAME ": sigaction: %s\n", strerror(errno));
        return 1;
    }

    rc = 1;
    api = 0;

    /* before waiting for the state file: a bad variable fails at once */
    if (agw_otlp_start(&d.otlp, err, sizeof(err)) != 0) {
        agw_daemon_log("%s", err);
        rc = 2;
        goto done;
    }

    if (agw_open_state(&d) != 0) {
        if (d.stop) {
            rc = 0;
        }
        goto done;
    }

    d.db = agw_db_open(d.db_path, d.batch_size, err, sizeof(err));
    if (d.db == NULL) {
        agw_daemon_log("%s", err);
        goto done;
    }

    if (agw_db_set_max_bytes(d.db, d.max_db_bytes) != 0) {
        agw_daemon_log("cannot apply max-db-size");
        goto done;
    }

    /* a new state file: the budgets go on from what SQLite knows */
    n = agw_spend_seed(&d, err, sizeof(err));
    if (n < 0) {
        agw_daemon_log("%s; the keys' budgets start from zero", err);
    } else if (n > 0) {
        agw_daemon_log("state file is new: seeded the spend of %d keys "
                       "from the database", n);
    }

    if (agw_api_start != NULL) {
        if (agw_api_start(&d) != 0) {
            goto done;
        }
        api = 1;
    }

    rc = agw_drain_run(&d) == 0 ? 0 : 1;

done:

    /* the drain stored (and queued) its last events: export them */
    agw_otlp_stop(d.otlp);

    if (api && agw_api_stop != NULL) {
        agw_api_stop();
    }

    agw_db_close(d.db);

    if (d.state_mapped) {
        agw_state_close(&d.state);
    }

    if (d.lock_fd != -1) {
        close(d.lock_fd);
    }

    agw_daemon_free_config(&d);

    if (rc == 0 && d.reexec) {
        /* Same pid, same arguments, on the new state file. */
        execv("/proc/self/exe", argv);
        fprintf(stderr, AGW_DAEMON_NAME ": execv: %s\n", strerror(errno));
        return 1;
    }

    return rc;
}
