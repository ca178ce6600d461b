/*
 * api_main: agw_api_start() / agw_api_stop(), the hook main.c calls.
 *
 * The API keeps one agw_api_t for the process: agw_api_stop() takes no
 * argument (api.h), so the running instance is remembered here.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_schema.h"
#include "auth.h"
#include "http.h"
#include "snapshot.h"


static agw_api_t  *agw_api_running;


static void agw_api_free(agw_api_t *api);
static void agw_api_crypt_key(agw_api_t *api);
static int agw_api_prepare_db(agw_api_t *api, char *err, size_t errlen);


static void
agw_api_free(agw_api_t *api)
{
    if (api == NULL) {
        return;
    }

    agw_auth_free(api->auth);

    if (api->crypt_key != NULL) {
        agw_crypt_key_wipe(api->crypt_key);
        free(api->crypt_key);
    }

    free(api->snapshot_path);
    free(api->config_path);
    pthread_mutex_destroy(&api->keys_lock);
    free(api);
}


/*
 * The credentials key: --credentials-key, or beside the state file (where
 * nginx looks for it by default), or beside the database; created (0600)
 * when missing.  Without one the daemon runs, and refuses to store a
 * credential (503), rather than stop every other use.
 */
static void
agw_api_crypt_key(agw_api_t *api)
{
    int              rc;
    char             err[512], *path;
    const char      *s;
    agw_crypt_key_t *k;

    s = api->daemon->credentials_key;

    if (s != NULL && s[0] != '\0') {
        path = strdup(s);
    } else if (asprintf(&path, "%s.credentials.key",
                        api->state_path ? api->state_path : api->db_path)
               < 0)
    {
        path = NULL;
    }

    k = malloc(sizeof(agw_crypt_key_t));

    if (path == NULL || k == NULL) {
        agw_daemon_log("out of memory: credentials cannot be stored");
        free(path);
        free(k);
        return;
    }

    rc = agw_crypt_key_load_or_create(k, path, err, sizeof(err));

    if (rc != 0) {
        agw_daemon_log("%s: keys' credentials cannot be stored", err);
        free(k);
        k = NULL;
    }

    free(path);
    api->crypt_key = k;
}


/* Creates the API's tables and publishes the keys once. */
static int
agw_api_prepare_db(agw_api_t *api, char *err, size_t errlen)
{
    int       rc;
    char     *msg;
    sqlite3  *db;

    if (sqlite3_open_v2(api->db_path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "cannot open \"%s\": %s", api->db_path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close_v2(db);
        return -1;
    }

    sqlite3_busy_timeout(db, 5000);
    msg = NULL;

    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, &msg)
        != SQLITE_OK
        || sqlite3_exec(db, AGW_API_SCHEMA, NULL, NULL, &msg) != SQLITE_OK)
    {
        snprintf(err, errlen, "\"%s\": creating the API tables: %s",
                 api->db_path, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        sqlite3_close_v2(db);
        return -1;
    }

    pthread_mutex_lock(&api->keys_lock);
    rc = agw_snapshot_publish(api, db, err, errlen);
    pthread_mutex_unlock(&api->keys_lock);

    sqlite3_close_v2(db);

    return rc;
}


int
agw_api_start(agw_daemon_t *d)
{
    char        err[512], *end;
    agw_api_t  *api;
    const char *s;

    if (agw_api_running != NULL) {
        agw_daemon_log("API started twice");
        return -1;
    }

    api = calloc(1, sizeof(agw_api_t));
    if (api == NULL) {
        agw_daemon_log("out of memory");
        return -1;
    }

    if (pthread_mutex_init(&api->keys_lock, NULL) != 0) {
        free(api);
        agw_daemon_log("pthread_mutex_init failed");
        return -1;
    }

    api->daemon = d;
    api->db_path = agw_daemon_db_path(d);
    api->state_path = agw_daemon_state_path(d);
    api->state = agw_daemon_state(d);
    api->started = agw_now();
    api->restore_max = AGW_API_RESTORE_MAX;

    s = getenv("AGW_ADMIN_RESTORE_MAX");
    if (s != NULL && s[0] != '\0') {
        api->restore_max = strtoull(s, &end, 10);
        if (*end != '\0' || api->restore_max < 4096) {
            agw_daemon_log("AGW_ADMIN_RESTORE_MAX=\"%s\":"
                           " expected a byte count of at least 4096", s);
            goto failed;
        }
    }

    api->usage_exact_max = AGW_API_USAGE_EXACT_MAX;

    s = getenv("AGW_ADMIN_USAGE_EXACT_MAX");
    if (s != NULL && s[0] != '\0') {
        api->usage_exact_max = strtoll(s, &end, 10);
        if (*end != '\0' || api->usage_exact_max < 0) {
            agw_daemon_log("AGW_ADMIN_USAGE_EXACT_MAX=\"%s\": expected a "
                           "number of events", s);
            goto failed;
        }
    }

    if (api->state_path != NULL
        && (asprintf(&api->snapshot_path, "%s.keys.json", api->state_path)
            < 0
            || asprintf(&api->config_path, "%s.config.json",
                        api->state_path) < 0))
    {
        api->snapshot_path = NULL;
        api->config_path = NULL;
        agw_daemon_log("out of memory");
        goto failed;
    }

    agw_api_crypt_key(api);

    api->auth = agw_auth_new(err, sizeof(err));
    if (api->auth == NULL) {
        agw_daemon_log("%s", err);
        goto failed;
    }

    if (agw_api_prepare_db(api, err, sizeof(err)) != 0) {
        agw_daemon_log("%s", err);
        goto failed;
    }

    if (agw_http_start(api, err, sizeof(err)) != 0) {
        agw_daemon_log("%s", err);
        goto failed;
    }

    agw_api_running = api;

    return 0;

failed:

    agw_api_free(api);

    return -1;
}


void
agw_api_stop(void)
{
    if (agw_api_running == NULL) {
        return;
    }

    agw_http_stop(agw_api_running);
    agw_api_free(agw_api_running);
    agw_api_running = NULL;
}
