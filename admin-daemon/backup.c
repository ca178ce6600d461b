/*
 * backup: GET /api/v1/backup and POST /api/v1/restore.
 *
 * Both use SQLite's online backup API, which copies a database page by
 * page inside one transaction: the download is a consistent snapshot taken
 * beside the running drain, and the restore replaces the live database's
 * content in one write transaction, so every other connection (the drain,
 * other API requests) sees the old database or the new one, never a mix,
 * and nobody has to reopen a file that was renamed under them.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_handlers.h"
#include "api_schema.h"
#include "api_events.h"
#include "snapshot.h"


static int agw_backup_copy(sqlite3 *dst, sqlite3 *src, char *err,
    size_t errlen);
static int agw_restore_check(agw_req_t *r, sqlite3 *up, int64_t *nkeys,
    int64_t *nevents);
static int64_t agw_backup_count(sqlite3 *db, const char *sql);


/* Copies all of src into dst, waiting out short locks. */
static int
agw_backup_copy(sqlite3 *dst, sqlite3 *src, char *err, size_t errlen)
{
    int              rc, tries;
    sqlite3_backup  *b;

    b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == NULL) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(dst));
        return -1;
    }

    tries = 0;

    do {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            sqlite3_sleep(50);
        }
    } while ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++tries < 200);

    if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", rc == SQLITE_DONE ? sqlite3_errmsg(dst)
                                                      : sqlite3_errstr(rc));
        return -1;
    }

    return 0;
}


int
agw_api_backup(agw_req_t *r)
{
    int                   fd;
    char                 *path, err[512], disp[128];
    sqlite3              *src, *dst;
    struct stat           sb;
    struct MHD_Response  *resp;

    static const char *const  allowed[] = { NULL };

    if (agw_http_query_check(r, allowed) != 0) {
        return 0;
    }

    src = agw_req_db(r);
    if (src == NULL) {
        return 0;
    }

    if (asprintf(&path, "%s.backup.XXXXXX", r->api->db_path) < 0) {
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    fd = mkstemp(path);
    if (fd == -1) {
        agw_daemon_log("mkstemp \"%s\": %s", path,
                       strerror(errno));
        free(path);
        return agw_http_error(r, 500, "internal",
                              "cannot create the backup file");
    }

    close(fd);
    fd = -1;
    dst = NULL;

    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK
        || agw_backup_copy(dst, src, err, sizeof(err)) != 0
        || sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL)
           != SQLITE_OK)
    {
        if (dst != NULL) {
            snprintf(err, sizeof(err), "%s", sqlite3_errmsg(dst));
        }
        agw_daemon_log("backup to \"%s\": %s", path,
                       err);
        sqlite3_close_v2(dst);
        unlink(path);
        free(path);
        return agw_http_error(r, 500, "internal", "backup failed");
    }

    sqlite3_close_v2(dst);

    /* the open descriptor keeps the data; the name goes at once */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    unlink(path);
    free(path);

    if (fd == -1 || fstat(fd, &sb) != 0) {
        if (fd != -1) {
            close(fd);
        }
        return agw_http_error(r, 500, "internal", "backup file vanished");
    }

    resp = MHD_create_response_from_fd((uint64_t) sb.st_size, fd);
    if (resp == NULL) {
        close(fd);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    snprintf(disp, sizeof(disp),
             "attachment; filename=\"ai-gateway-%lld.sqlite3\"",
             (long long) agw_now());

    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "application/vnd.sqlite3") != MHD_YES
        || MHD_add_response_header(resp, "Content-Disposition", disp)
           != MHD_YES)
    {
        MHD_destroy_response(resp);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    r->response = resp;
    r->status = 200;

    return 0;
}


static int64_t
agw_backup_count(sqlite3 *db, const char *sql)
{
    int64_t        n;
    sqlite3_stmt  *st;

    n = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }

    return n;
}


/*
 * Is the upload a sound database of our schema?  The tables and the
 * columns the daemon uses must be there; anything else (a newer daemon's
 * extra column, say) is fine.  0, or -1 after answering 400.
 */
static int
agw_restore_check(agw_req_t *r, sqlite3 *up, int64_t *nkeys,
    int64_t *nevents)
{
    int            rc;
    char           err[256];
    const char    *res;
    sqlite3_stmt  *st;

    if (sqlite3_prepare_v2(up, "PRAGMA quick_check", -1, &st, NULL)
        != SQLITE_OK)
    {
        agw_http_error(r, 400, "bad_request",
                       "the upload is not a usable SQLite database: %s",
                       sqlite3_errmsg(up));
        return -1;
    }

    rc = sqlite3_step(st);
    res = rc == SQLITE_ROW ? (const char *) sqlite3_column_text(st, 0) : NULL;

    if (res == NULL || strcmp(res, "ok") != 0) {
        agw_http_error(r, 400, "bad_request",
                       "the upload fails SQLite's integrity check: %.200s",
                       res ? res : sqlite3_errmsg(up));
        sqlite3_finalize(st);
        return -1;
    }

    sqlite3_finalize(st);

    if (sqlite3_exec(up, "SELECT id, name, hash, prefix, models, active,"
                     " expires_at, created_at, updated_at, revoked_at"
                     " FROM api_keys LIMIT 0", NULL, NULL, NULL) != SQLITE_OK)
    {
        agw_http_error(r, 400, "bad_request",
                       "the upload is not an ai-gateway database: %s",
                       sqlite3_errmsg(up));
        return -1;
    }

    if (agw_api_events_check(up, err, sizeof(err)) != 0) {
        agw_http_error(r, 400, "bad_request",
                       "the upload is not an ai-gateway database: %s", err);
        return -1;
    }

    *nkeys = agw_backup_count(up, "SELECT count(*) FROM api_keys");
    *nevents = agw_api_events_count(up);

    return 0;
}


int
agw_api_restore(agw_req_t *r)
{
    int            fd;
    char           head[16], err[512];
    int64_t        nkeys, nevents;
    sqlite3       *up, *live;
    agw_api_t     *api;

    api = r->api;
    up = NULL;

    static const char *const  allowed[] = { NULL };

    if (agw_http_query_check(r, allowed) != 0) {
        return 0;
    }

    if (r->upload_path == NULL || r->upload_len < 512) {
        return agw_http_error(r, 400, "bad_request",
                              "the body must be a SQLite database file "
                              "(as downloaded from /api/v1/backup); got %llu"
                              " bytes", (unsigned long long) r->upload_len);
    }

    fd = open(r->upload_path, O_RDONLY | O_CLOEXEC);
    if (fd == -1 || read(fd, head, sizeof(head)) != (ssize_t) sizeof(head)) {
        if (fd != -1) {
            close(fd);
        }
        return agw_http_error(r, 500, "internal", "cannot read the upload");
    }

    close(fd);

    if (memcmp(head, "SQLite format 3", 16) != 0) {
        return agw_http_error(r, 400, "bad_request",
                              "the body is not a SQLite database (bad "
                              "header)");
    }

    if (sqlite3_open_v2(r->upload_path, &up, SQLITE_OPEN_READWRITE, NULL)
        != SQLITE_OK
        || sqlite3_exec(up, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL)
           != SQLITE_OK)
    {
        agw_http_error(r, 400, "bad_request",
                       "the upload is not a usable SQLite database: %s",
                       up ? sqlite3_errmsg(up) : "out of memory");
        sqlite3_close_v2(up);
        return 0;
    }

    if (agw_restore_check(r, up, &nkeys, &nevents) != 0) {
        sqlite3_close_v2(up);
        return 0;
    }

    live = agw_req_db(r);
    if (live == NULL) {
        sqlite3_close_v2(up);
        return 0;
    }

    pthread_mutex_lock(&api->keys_lock);

    if (agw_backup_copy(live, up, err, sizeof(err)) != 0) {
        pthread_mutex_unlock(&api->keys_lock);
        sqlite3_close_v2(up);
        agw_daemon_log("restore: %s", err);
        return agw_http_error(r, 500, "internal",
                              "restore failed, the database is unchanged: "
                              "%s", err);
    }

    sqlite3_close_v2(up);

    /* the restored keys are now the truth for nginx too */
    if (agw_snapshot_publish(api, live, err, sizeof(err)) != 0) {
        pthread_mutex_unlock(&api->keys_lock);
        agw_daemon_log("publishing restored keys: %s",
                       err);
        return agw_http_error(r, 500, "internal",
                              "restored, but the keys could not be "
                              "published to nginx: %s", err);
    }

    pthread_mutex_unlock(&api->keys_lock);

    agw_daemon_log("database restored from an upload "
                   "(%lld keys, %lld events)", (long long) nkeys,
                   (long long) nevents);

    return agw_http_json(r, 200,
                         json_pack("{s:b, s:I, s:I}", "restored", 1,
                                   "keys", (json_int_t) nkeys,
                                   "events", (json_int_t) nevents));
}
