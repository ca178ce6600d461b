/*
 * snapshot: api_keys table -> <state>.keys.json -> generation bump.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agw_hash.h"
#include "agw_keys.h"
#include "agw_state.h"
#include "snapshot.h"


static agw_keyset_t *agw_snapshot_load_db(sqlite3 *db, int strict,
    char *err, size_t errlen);
static int agw_snapshot_row(agw_keyset_t *ks, sqlite3_stmt *st, char *err,
    size_t errlen);
static int agw_snapshot_write_file(const char *path, const char *data,
    size_t len, char *err, size_t errlen);


/* Adds one row of the keys query to ks; 0, or -1 with err. */
static int
agw_snapshot_row(agw_keyset_t *ks, sqlite3_stmt *st, char *err,
    size_t errlen)
{
    int               rc;
    size_t            i, n;
    json_t           *models, *m;
    const char      **list, *hex, *pol;
    json_error_t      jerr;
    unsigned char     hash[32];
    agw_key_policy_t  policy;

    hex = (const char *) sqlite3_column_text(st, 2);

    if (hex == NULL || strlen(hex) != 64 || agw_unhex(hex, 64, hash, 32) != 0)
    {
        snprintf(err, errlen, "key \"%s\": bad hash in the database",
                 sqlite3_column_text(st, 0));
        return -1;
    }

    models = json_loads((const char *) sqlite3_column_text(st, 3), 0, &jerr);
    if (!json_is_array(models)) {
        json_decref(models);
        snprintf(err, errlen, "key \"%s\": bad models in the database",
                 sqlite3_column_text(st, 0));
        return -1;
    }

    list = NULL;
    n = json_array_size(models);

    if (n) {
        list = calloc(n, sizeof(char *));
        if (list == NULL) {
            json_decref(models);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }

    json_array_foreach(models, i, m) {
        list[i] = json_string_value(m);         /* NULL: add() refuses */
    }

    rc = agw_keyset_add(ks, hash, (const char *) sqlite3_column_text(st, 0),
                        (const char *) sqlite3_column_text(st, 1), list, n,
                        sqlite3_column_int64(st, 4), sqlite3_column_int(st, 5),
                        err, errlen);

    free(list);
    json_decref(models);

    pol = (const char *) sqlite3_column_text(st, 6);

    if (rc != 0 || pol == NULL) {
        return rc;
    }

    /* the parser nginx uses: a policy it would refuse is not published */
    memset(&policy, 0, sizeof(agw_key_policy_t));

    if (agw_key_policy_parse(&policy, pol, (size_t) sqlite3_column_bytes(st, 6),
                             err, errlen) != 0
        || agw_keyset_add_policy(ks, &policy, err, errlen) != 0)
    {
        agw_key_policy_free(&policy);
        agw_keyset_drop_last(ks);
        return -1;
    }

    agw_key_policy_free(&policy);

    return 0;
}


/*
 * The keys to publish, as a finalized key set.  A row nginx could not
 * use (a bad hash or model list: written by hand, or by an older restore
 * that did not check) fails the load when strict (the restore's check);
 * otherwise it is left out of the snapshot and logged, so that one bad
 * row never stops every later key change, a revocation above all.  Left
 * out, such a key does not work: that fails closed.
 */
static agw_keyset_t *
agw_snapshot_load_db(sqlite3 *db, int strict, char *err, size_t errlen)
{
    int            rc;
    sqlite3_stmt  *st;
    agw_keyset_t  *ks;

    st = NULL;

    ks = agw_keyset_new();
    if (ks == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (sqlite3_prepare_v2(db,
            "SELECT id, name, hash, models, expires_at, active, policy "
            "FROM api_keys LEFT JOIN api_key_policy ON key_id = id "
            "WHERE revoked_at = 0 ORDER BY id",
            -1, &st, NULL) != SQLITE_OK)
    {
        snprintf(err, errlen, "reading keys: %s", sqlite3_errmsg(db));
        goto failed;
    }

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (agw_snapshot_row(ks, st, err, errlen) != 0) {
            if (strict) {
                goto failed;
            }

            agw_daemon_log("keys snapshot: %s: left out (it does not work "
                           "in nginx; revoke it)", err);
        }
    }

    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "reading keys: %s", sqlite3_errmsg(db));
        goto failed;
    }

    sqlite3_finalize(st);

    if (agw_keyset_finalize(ks) != 0) {
        snprintf(err, errlen, "key set finalized twice");
        agw_keyset_free(ks);
        return NULL;
    }

    return ks;

failed:

    sqlite3_finalize(st);
    agw_keyset_free(ks);

    return NULL;
}


/*
 * Atomic replace: temp file beside the target, fsync, rename, fsync the
 * directory (so the rename itself survives a crash).  Mode 0644: nginx
 * workers read it under their own unprivileged user (the state file they
 * inherited mapped from the master; this one they open), and it holds
 * nothing secret: SHA-256 of 256-bit random keys, names, model lists.
 */
static int
agw_snapshot_write_file(const char *path, const char *data, size_t len,
    char *err, size_t errlen)
{
    int       fd, dfd;
    char     *tmp, *dircopy;
    ssize_t   n;

    if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    fd = mkstemp(tmp);
    if (fd == -1) {
        snprintf(err, errlen, "cannot create \"%s\": %s", tmp,
                 strerror(errno));
        free(tmp);
        return -1;
    }

    if (fchmod(fd, 0644) != 0) {
        snprintf(err, errlen, "chmod \"%s\": %s", tmp, strerror(errno));
        goto failed;
    }

    while (len) {
        n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            snprintf(err, errlen, "writing \"%s\": %s", tmp, strerror(errno));
            goto failed;
        }
        data += n;
        len -= (size_t) n;
    }

    if (fsync(fd) != 0) {
        snprintf(err, errlen, "fsync \"%s\": %s", tmp, strerror(errno));
        goto failed;
    }

    if (close(fd) != 0) {
        fd = -1;
        snprintf(err, errlen, "close \"%s\": %s", tmp, strerror(errno));
        goto failed;
    }

    fd = -1;

    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "rename \"%s\" to \"%s\": %s", tmp, path,
                 strerror(errno));
        goto failed;
    }

    free(tmp);

    dircopy = strdup(path);
    if (dircopy != NULL) {
        dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY);
        if (dfd != -1) {
            (void) fsync(dfd);
            close(dfd);
        }
        free(dircopy);
    }

    return 0;

failed:

    if (fd != -1) {
        close(fd);
    }

    unlink(tmp);
    free(tmp);

    return -1;
}


int
agw_snapshot_publish(agw_api_t *api, sqlite3 *db, char *err, size_t errlen)
{
    int            rc;
    char          *json;
    size_t         len;
    uint64_t       gen, now_gen;
    agw_keyset_t  *ks;

    if (api->snapshot_path == NULL) {
        return 0;                       /* no state file: nobody to tell */
    }

    ks = agw_snapshot_load_db(db, 0, err, errlen);
    if (ks == NULL) {
        return -1;
    }

    gen = api->state ? agw_state_keys_generation(api->state) + 1 : 1;

    json = agw_keyset_write_snapshot(ks, gen, &len);
    agw_keyset_free(ks);

    if (json == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    rc = agw_snapshot_write_file(api->snapshot_path, json, len, err,
                                 errlen);
    free(json);

    if (rc != 0) {
        return -1;
    }

    if (api->state != NULL) {
        now_gen = agw_state_keys_bump(api->state);
        if (now_gen != gen) {
            /* another writer bumped too: workers still reload (the
             * generation moved), the number in the file is only a hint */
            agw_daemon_log("keys generation is %llu, "
                           "snapshot says %llu (another daemon on this state "
                           "file?)", (unsigned long long) now_gen,
                           (unsigned long long) gen);
        }
    }

    return 0;
}


int
agw_snapshot_check(sqlite3 *db, char *err, size_t errlen)
{
    agw_keyset_t  *ks;

    ks = agw_snapshot_load_db(db, 1, err, errlen);
    if (ks == NULL) {
        return -1;
    }

    agw_keyset_free(ks);

    return 0;
}
