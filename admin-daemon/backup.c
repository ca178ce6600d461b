/*
 * backup: GET /api/v1/backup and POST /api/v1/restore.
 *
 * Both use SQLite's online backup API, which copies a database page by
 * page inside one transaction: the download is a consistent snapshot taken
 * beside the running drain, and the restore replaces the live database's
 * content in one write transaction, so every other connection (the drain,
 * other API requests) sees the old database or the new one, never a mix,
 * and nobody has to reopen a file that was renamed under them.
 *
 * An upload is untrusted until checked: SQLite's integrity check, then
 * exactly our schema (a trigger, a view, an extra index or a changed
 * table could make the daemon misbehave long after: a trigger that
 * un-revokes keys did), then every key row as nginx would need it.  Only
 * then does it replace the database, carrying over every revocation the
 * live database has: restoring an older backup must never bring a revoked
 * key back to life.
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

#include "agw_hash.h"
#include "agw_keys.h"
#include "api_handlers.h"
#include "api_schema.h"
#include "api_events.h"
#include "db.h"
#include "snapshot.h"


static int agw_backup_copy(sqlite3 *dst, sqlite3 *src, char *err,
    size_t errlen);
static int agw_restore_check(agw_req_t *r, sqlite3 *up, int64_t *nkeys,
    int64_t *nevents);
static int agw_restore_schema(sqlite3 *up, char *err, size_t errlen);
static int agw_restore_keys(sqlite3 *up, char *err, size_t errlen);
static int64_t agw_restore_foreign_credentials(agw_api_t *api, sqlite3 *db);
static int64_t agw_restore_revocations(sqlite3 *live, sqlite3 *up,
    char *err, size_t errlen);
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
 * Is every schema object of the upload one of ours, exactly, and is every
 * table of ours there?  Ours are what a new database gets (db.c's and the
 * API's CREATE statements, run on an empty in-memory database), compared
 * by type, name, table and SQL text.  An index of ours may be missing (a
 * backup from before it existed): agw_api_restore() creates it.  0, or -1
 * with the first difference in err.
 */
static int
agw_restore_schema(sqlite3 *up, char *err, size_t errlen)
{
    int            i, rc, ret;
    sqlite3       *ref;
    const char    *type, *name;
    sqlite3_stmt  *all, *find;

    static const char  list[] =
        "SELECT type, name, tbl_name, sql FROM sqlite_master"
        " ORDER BY type, name";
    static const char  lookup[] =
        "SELECT sql IS ?4 FROM sqlite_master"
        " WHERE type = ?1 AND name = ?2 AND tbl_name = ?3";

    ref = NULL;
    all = NULL;
    find = NULL;
    ret = -1;

    if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE, NULL)
        != SQLITE_OK
        || sqlite3_exec(ref, agw_db_schema, NULL, NULL, NULL) != SQLITE_OK
        || agw_db_migrate(ref, err, errlen) != 0
        || sqlite3_exec(ref, AGW_API_SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
    {
        snprintf(err, errlen, "reference schema: %s",
                 ref ? sqlite3_errmsg(ref) : "out of memory");
        goto done;
    }

    /* each object of the upload, as ours */
    if (sqlite3_prepare_v2(up, list, -1, &all, NULL) != SQLITE_OK
        || sqlite3_prepare_v2(ref, lookup, -1, &find, NULL) != SQLITE_OK)
    {
        snprintf(err, errlen, "reading the schema: %s", sqlite3_errmsg(up));
        goto done;
    }

    while ((rc = sqlite3_step(all)) == SQLITE_ROW) {
        type = (const char *) sqlite3_column_text(all, 0);
        name = (const char *) sqlite3_column_text(all, 1);

        for (i = 0; i < 4; i++) {
            sqlite3_bind_value(find, i + 1, sqlite3_column_value(all, i));
        }

        if (sqlite3_step(find) != SQLITE_ROW) {
            snprintf(err, errlen, "it has a %s \"%.64s\" that is not ours",
                     type ? type : "?", name ? name : "?");
            goto done;
        }

        if (!sqlite3_column_int(find, 0)) {
            snprintf(err, errlen, "its %s \"%.64s\" is not defined as ours",
                     type ? type : "?", name ? name : "?");
            goto done;
        }

        sqlite3_reset(find);
    }

    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "reading the schema: %s", sqlite3_errmsg(up));
        goto done;
    }

    sqlite3_finalize(all);
    sqlite3_finalize(find);
    all = NULL;
    find = NULL;

    /* and each table of ours in the upload, but the keys' policies: a
     * backup from before them has none (created after the check) */
    if (sqlite3_prepare_v2(ref, "SELECT type, name, tbl_name, sql"
                           " FROM sqlite_master WHERE type = 'table'"
                           " AND name != '" AGW_API_POLICY_TABLE "'"
                           " ORDER BY name", -1, &all, NULL) != SQLITE_OK
        || sqlite3_prepare_v2(up, lookup, -1, &find, NULL) != SQLITE_OK)
    {
        snprintf(err, errlen, "reading the schema: %s", sqlite3_errmsg(up));
        goto done;
    }

    while ((rc = sqlite3_step(all)) == SQLITE_ROW) {
        for (i = 0; i < 4; i++) {
            sqlite3_bind_value(find, i + 1, sqlite3_column_value(all, i));
        }

        if (sqlite3_step(find) != SQLITE_ROW) {
            snprintf(err, errlen, "it has no table \"%.64s\"",
                     sqlite3_column_text(all, 1));
            goto done;
        }

        sqlite3_reset(find);
    }

    ret = rc == SQLITE_DONE ? 0 : -1;
    if (ret != 0) {
        snprintf(err, errlen, "reading the schema: %s", sqlite3_errmsg(ref));
    }

done:

    sqlite3_finalize(all);
    sqlite3_finalize(find);
    sqlite3_close_v2(ref);

    return ret;
}


/*
 * Every key row as the API would have written it (SQLite's column types
 * are advisory: the types are checked too), and every key not revoked
 * publishable, so that nothing in the upload can make publishing fail
 * afterwards.  0, or -1 with the first bad key in err.
 */
static int
agw_restore_keys(sqlite3 *up, char *err, size_t errlen)
{
    int            rc;
    sqlite3_stmt  *st;

    if (sqlite3_prepare_v2(up,
            "SELECT quote(id) FROM api_keys WHERE"
            " typeof(id) != 'text' OR length(CAST(id AS BLOB)) NOT BETWEEN 1"
            "  AND ?1 OR id GLOB '*[^A-Za-z0-9_.-]*'"
            " OR typeof(name) != 'text'"
            " OR length(CAST(name AS BLOB)) NOT BETWEEN 1 AND ?2"
            " OR name GLOB '*[' || char(1) || '-' || char(31) || char(127)"
            "  || ']*'"
            " OR typeof(hash) != 'text' OR length(hash) != 64"
            " OR hash GLOB '*[^0-9a-f]*'"
            " OR typeof(prefix) != 'text' OR length(prefix) > 64"
            " OR typeof(models) != 'text' OR NOT json_valid(models)"
            " OR json_type(models) != 'array'"
            " OR EXISTS (SELECT 1 FROM json_each(models) WHERE type != 'text'"
            "  OR length(CAST(value AS BLOB)) NOT BETWEEN 1 AND 255)"
            " OR typeof(active) != 'integer' OR active NOT IN (0, 1)"
            " OR typeof(expires_at) != 'integer' OR expires_at < 0"
            " OR typeof(created_at) != 'integer'"
            " OR typeof(updated_at) != 'integer'"
            " OR typeof(revoked_at) != 'integer' OR revoked_at < 0"
            " LIMIT 1", -1, &st, NULL) != SQLITE_OK)
    {
        snprintf(err, errlen, "checking the keys: %s", sqlite3_errmsg(up));
        return -1;
    }

    sqlite3_bind_int(st, 1, AGW_KEY_ID_MAX - 1);
    sqlite3_bind_int(st, 2, AGW_KEY_NAME_MAX - 1);

    rc = sqlite3_step(st);

    if (rc == SQLITE_ROW) {
        snprintf(err, errlen, "key %.64s is not valid (its id, name, hash, "
                 "models or a number)", sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return -1;
    }

    sqlite3_finalize(st);

    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "checking the keys: %s", sqlite3_errmsg(up));
        return -1;
    }

    /* a backup from before the policies: an empty table, no policy */
    if (sqlite3_exec(up, AGW_API_SCHEMA_POLICY, NULL, NULL, NULL)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "checking the keys: %s", sqlite3_errmsg(up));
        return -1;
    }

    return agw_snapshot_check(up, err, errlen);
}


/*
 * Keys not revoked with a credential sealed under another credentials key
 * than this daemon's (a backup of another daemon): nginx cannot open it
 * and disables the key.  Only the blobs' key ids are compared, nothing is
 * opened.  The count, or -1 (none to compare with, or a database error).
 */
static int64_t
agw_restore_foreign_credentials(agw_api_t *api, sqlite3 *db)
{
    char           id[2 * AGW_CRYPT_ID_LEN + 1];
    int64_t        n;
    sqlite3_stmt  *st;

    if (api->crypt_key == NULL) {
        return -1;
    }

    agw_hex(api->crypt_key->id, AGW_CRYPT_ID_LEN, id);

    /* a policy holding a sealed credential of another key id */
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM api_key_policy"
                           " JOIN api_keys ON id = key_id WHERE revoked_at = 0"
                           " AND instr(replace(policy, '\"sealed\":\"v1.' || ?1,"
                           " ''), '\"sealed\":\"v1.') > 0", -1, &st, NULL)
        != SQLITE_OK)
    {
        return -1;
    }

    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);

    n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;

    sqlite3_finalize(st);

    return n;
}


/*
 * Is the upload a sound database of exactly our schema and valid keys?
 * 0, or -1 after answering 400.
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

    if (agw_restore_schema(up, err, sizeof(err)) != 0
        || agw_api_events_check(up, err, sizeof(err)) != 0)
    {
        agw_http_error(r, 400, "bad_request",
                       "the upload is not an ai-gateway database: %s", err);
        return -1;
    }

    if (agw_restore_keys(up, err, sizeof(err)) != 0) {
        agw_http_error(r, 400, "bad_request",
                       "the upload's keys cannot be used: %s", err);
        return -1;
    }

    *nkeys = agw_backup_count(up, "SELECT count(*) FROM api_keys");
    *nevents = agw_api_events_count(up);

    return 0;
}


/*
 * Revokes in the upload every key the live database has revoked (by id,
 * or by hash: the same secret under another id), in one transaction.
 * The number of keys it revoked, or -1 with err.
 */
static int64_t
agw_restore_revocations(sqlite3 *live, sqlite3 *up, char *err,
    size_t errlen)
{
    int            rc;
    int64_t        n;
    sqlite3_stmt  *get, *set;

    get = NULL;
    set = NULL;
    n = 0;

    if (sqlite3_prepare_v2(live, "SELECT id, hash, revoked_at"
                           " FROM api_keys WHERE revoked_at != 0", -1, &get,
                           NULL) != SQLITE_OK)
    {
        snprintf(err, errlen, "reading revocations: %s",
                 sqlite3_errmsg(live));
        return -1;
    }

    if (sqlite3_exec(up, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK
        || sqlite3_prepare_v2(up, "UPDATE api_keys SET active = 0,"
                              " revoked_at = ?3,"
                              " updated_at = max(updated_at, ?3)"
                              " WHERE (id = ?1 OR hash = ?2)"
                              " AND revoked_at = 0", -1, &set, NULL)
           != SQLITE_OK)
    {
        snprintf(err, errlen, "carrying revocations over: %s",
                 sqlite3_errmsg(up));
        goto failed;
    }

    while ((rc = sqlite3_step(get)) == SQLITE_ROW) {
        sqlite3_bind_value(set, 1, sqlite3_column_value(get, 0));
        sqlite3_bind_value(set, 2, sqlite3_column_value(get, 1));
        sqlite3_bind_value(set, 3, sqlite3_column_value(get, 2));

        if (sqlite3_step(set) != SQLITE_DONE) {
            snprintf(err, errlen, "carrying revocations over: %s",
                     sqlite3_errmsg(up));
            goto failed;
        }

        n += sqlite3_changes(up);
        sqlite3_reset(set);
    }

    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "reading revocations: %s",
                 sqlite3_errmsg(live));
        goto failed;
    }

    sqlite3_finalize(get);
    sqlite3_finalize(set);

    if (sqlite3_exec(up, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "carrying revocations over: %s",
                 sqlite3_errmsg(up));
        sqlite3_exec(up, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }

    return n;

failed:

    sqlite3_finalize(get);
    sqlite3_finalize(set);
    sqlite3_exec(up, "ROLLBACK", NULL, NULL, NULL);

    return -1;
}


int
agw_api_restore(agw_req_t *r)
{
    int            fd;
    char           head[16], err[512];
    int64_t        nkeys, nevents, kept, foreign;
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

    /* Untrusted: no schema-defined function or virtual table may run,
     * and nothing may write to the schema by hand. */
    if (sqlite3_open_v2(r->upload_path, &up, SQLITE_OPEN_READWRITE, NULL)
        != SQLITE_OK
        || sqlite3_db_config(up, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL)
           != SQLITE_OK
        || sqlite3_db_config(up, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL)
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

    /* a backup from before the events' newer columns gets them first, as
     * the daemon's own database did at its start */
    if (agw_db_migrate(up, err, sizeof(err)) != 0) {
        agw_http_error(r, 400, "bad_request",
                       "the upload is not an ai-gateway database: %s", err);
        sqlite3_close_v2(up);
        return 0;
    }

    if (agw_restore_check(r, up, &nkeys, &nevents) != 0) {
        sqlite3_close_v2(up);
        return 0;
    }

    /* indexes newer than the backup */
    if (sqlite3_exec(up, agw_db_schema, NULL, NULL, NULL) != SQLITE_OK
        || sqlite3_exec(up, AGW_API_SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
    {
        agw_daemon_log("restore: completing the schema: %s",
                       sqlite3_errmsg(up));
        sqlite3_close_v2(up);
        return agw_http_error(r, 500, "internal",
                              "restore failed, the database is unchanged");
    }

    live = agw_req_db(r);
    if (live == NULL) {
        sqlite3_close_v2(up);
        return 0;
    }

    /* From reading the live revocations to publishing, no key changes. */
    pthread_mutex_lock(&api->keys_lock);

    kept = agw_restore_revocations(live, up, err, sizeof(err));

    if (kept < 0 || agw_backup_copy(live, up, err, sizeof(err)) != 0) {
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

    foreign = agw_restore_foreign_credentials(api, live);

    if (foreign > 0) {
        agw_daemon_log("restore: %lld keys have credentials sealed with "
                       "another credentials key: nginx disables them until "
                       "their credentials are set again, or that key is "
                       "given back", (long long) foreign);
    }

    agw_daemon_log("database restored from an upload "
                   "(%lld keys, %lld events; %lld revocations carried "
                   "over)", (long long) nkeys, (long long) nevents,
                   (long long) kept);

    return agw_http_json(r, 200,
                         json_pack("{s:b, s:I, s:I, s:I, s:I}", "restored", 1,
                                   "keys", (json_int_t) nkeys,
                                   "events", (json_int_t) nevents,
                                   "revocations_kept", (json_int_t) kept,
                                   "credentials_sealed_elsewhere",
                                   (json_int_t) (foreign > 0 ? foreign : 0)));
}
