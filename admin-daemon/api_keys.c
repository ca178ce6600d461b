/*
 * api_keys: /api/v1/keys.  Client keys are created here and only their
 * SHA-256 is kept; the secret is in the create answer and nowhere else.
 * Every change is published to nginx (snapshot.c) inside the same
 * transaction, so the database and the snapshot agree: if publishing
 * fails, the change is rolled back and the caller gets an error.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "agw_hash.h"
#include "agw_keys.h"
#include "api_config.h"
#include "api_handlers.h"
#include "api_key_policy.h"
#include "api_limits.h"
#include "snapshot.h"


#define AGW_KEY_COLUMNS \
    "id, name, prefix, models, active, expires_at, created_at, " \
    "updated_at, revoked_at, policy"

/* a key and its policy (none: no row) */
#define AGW_KEY_FROM \
    " FROM api_keys LEFT JOIN api_key_policy ON key_id = id"

#define AGW_KEY_PREFIX_LEN  11      /* "sk-agw-" + 4: enough to recognise */


static json_t *agw_key_row_json(agw_req_t *r, sqlite3_stmt *st);
static int agw_key_check_values(agw_req_t *r, json_t *body);
static int agw_key_check_config(agw_req_t *r, json_t *body);
static int agw_key_fetch(agw_req_t *r, sqlite3 *db, const char *id,
    json_t **out);
static int agw_key_commit_publish(agw_req_t *r, sqlite3 *db);


static const agw_field_t  agw_key_create_fields[] = {
    { "name",       AGW_FIELD_STRING,       1, AGW_KEY_NAME_MAX - 1 },
    { "models",     AGW_FIELD_STRING_ARRAY, 0, 256 },
    { "active",     AGW_FIELD_BOOLEAN,      0, 0 },
    { "expires_at", AGW_FIELD_INTEGER,      0, 0 },
    AGW_KEY_POLICY_FIELDS,
    { NULL, 0, 0, 0 }
};

static const agw_field_t  agw_key_update_fields[] = {
    { "name",       AGW_FIELD_STRING,       0, AGW_KEY_NAME_MAX - 1 },
    { "models",     AGW_FIELD_STRING_ARRAY, 0, 256 },
    { "active",     AGW_FIELD_BOOLEAN,      0, 0 },
    { "expires_at", AGW_FIELD_INTEGER,      0, 0 },
    AGW_KEY_POLICY_FIELDS,
    { NULL, 0, 0, 0 }
};


/*
 * A row of AGW_KEY_COLUMNS as the API's Key object, with its live use of
 * its limits from the state file (null until nginx counted it).
 */
static json_t *
agw_key_row_json(agw_req_t *r, sqlite3_stmt *st)
{
    int                active;
    json_t            *models, *key, *policy, *usage;
    int64_t            expires, revoked, now;
    json_error_t       jerr;
    agw_limits_conf_t  limits;

    models = json_loads((const char *) sqlite3_column_text(st, 3), 0, &jerr);
    if (models == NULL) {
        models = json_array();
    }

    active = sqlite3_column_int(st, 4);
    expires = sqlite3_column_int64(st, 5);
    revoked = sqlite3_column_int64(st, 8);
    now = agw_now();

    key = json_pack("{s:o, s:o, s:o, s:o, s:b, s:I, s:I, s:I, s:I, s:b}",
                     "id", agw_json_column(st, 0),
                     "name", agw_json_column(st, 1),
                     "prefix", agw_json_column(st, 2),
                     "models", models,
                     "active", active,
                     "expires_at", (json_int_t) expires,
                     "created_at", (json_int_t) sqlite3_column_int64(st, 6),
                     "updated_at", (json_int_t) sqlite3_column_int64(st, 7),
                     "revoked_at", (json_int_t) revoked,
                     "usable", active && revoked == 0
                               && (expires == 0 || now < expires));

    policy = agw_key_policy_view((const char *) sqlite3_column_text(st, 9),
                                 &limits);
    usage = agw_api_limits_key(r->api, (const char *)
                               sqlite3_column_text(st, 0), &limits);

    if (key == NULL || policy == NULL || usage == NULL
        || json_object_update(key, policy) != 0
        || json_object_set_new(key, "live", usage) != 0)
    {
        json_decref(key);
        key = NULL;
        usage = NULL;
    }

    json_decref(policy);

    return key;
}


/* Value checks beyond types: what the module can hold and match. */
static int
agw_key_check_values(agw_req_t *r, json_t *body)
{
    size_t       i;
    json_t      *v, *m;
    const char  *s;

    v = json_object_get(body, "name");
    if (v != NULL) {
        s = json_string_value(v);
        if (s[0] == '\0') {
            agw_http_error(r, 400, "bad_request", "field \"name\" is empty");
            return -1;
        }
        for (i = 0; s[i] != '\0'; i++) {
            if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) {
                agw_http_error(r, 400, "bad_request",
                               "field \"name\" contains a control character");
                return -1;
            }
        }
    }

    v = json_object_get(body, "models");
    json_array_foreach(v, i, m) {
        if (json_string_length(m) == 0 || json_string_length(m) > 255) {
            agw_http_error(r, 400, "bad_request",
                           "models[%zu] must be 1 to 255 bytes long", i);
            return -1;
        }
    }

    v = json_object_get(body, "expires_at");
    if (v != NULL && json_integer_value(v) < 0) {
        agw_http_error(r, 400, "bad_request",
                       "field \"expires_at\" must be 0 (never) or a unix "
                       "time in seconds");
        return -1;
    }

    return 0;
}


/*
 * Checks against what nginx loaded (its published configuration; nothing
 * to check against before nginx published one): every models entry must
 * reach a route, or the key could never be used for it, and the name must
 * not be a static key's, whose events and usage carry that name too.
 * 0, or -1 after answering 400 or 409.
 */
static int
agw_key_check_config(agw_req_t *r, json_t *body)
{
    int          rc;
    size_t       i;
    json_t      *conf, *m;
    const char  *name;

    conf = agw_api_config_load(r->api);
    if (conf == NULL) {
        return 0;
    }

    rc = 0;

    json_array_foreach(json_object_get(body, "models"), i, m) {
        if (!agw_api_config_model_routed(conf, json_string_value(m))) {
            agw_http_error(r, 400, "bad_request",
                           "models[%zu] \"%s\" matches no route nginx "
                           "loaded (and there is no \"*\" route): a key "
                           "cannot use it; GET /api/v1/config lists the "
                           "routes", i, json_string_value(m));
            rc = -1;
            goto done;
        }
    }

    name = json_string_value(json_object_get(body, "name"));

    if (name != NULL && agw_api_config_static_key(conf, name)) {
        agw_http_error(r, 409, "conflict",
                       "\"%s\" is the name of a static key in nginx.conf "
                       "(ai_gateway_key): choose another name", name);
        rc = -1;
    }

done:

    json_decref(conf);

    return rc;
}


/* 0 and *out, or -1 after answering (404 or 500). */
static int
agw_key_fetch(agw_req_t *r, sqlite3 *db, const char *id, json_t **out)
{
    int            rc;
    sqlite3_stmt  *st;

    *out = NULL;

    if (sqlite3_prepare_v2(db, "SELECT " AGW_KEY_COLUMNS AGW_KEY_FROM
                           " WHERE id = ?", -1, &st, NULL)
        != SQLITE_OK)
    {
        agw_http_db_error(r, db, "reading a key");
        return -1;
    }

    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);

    rc = sqlite3_step(st);

    if (rc == SQLITE_ROW) {
        *out = agw_key_row_json(r, st);
        sqlite3_finalize(st);
        if (*out == NULL) {
            agw_http_error(r, 500, "internal", "out of memory");
            return -1;
        }
        return 0;
    }

    if (rc == SQLITE_DONE) {
        agw_http_error(r, 404, "not_found", "no key with id \"%.64s\"", id);
    } else {
        agw_http_db_error(r, db, "reading a key");
    }

    sqlite3_finalize(st);

    return -1;
}


/*
 * Publishes the snapshot from inside the open transaction, then commits.
 * The caller holds keys_lock and has an open BEGIN IMMEDIATE.  0, or -1
 * after rolling back and answering 500.
 */
static int
agw_key_commit_publish(agw_req_t *r, sqlite3 *db)
{
    char  err[512];

    if (agw_snapshot_publish(r->api, db, err, sizeof(err)) != 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        agw_daemon_log("publishing keys: %s", err);
        agw_http_error(r, 500, "internal",
                       "cannot publish the keys to nginx; nothing changed");
        return -1;
    }

    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        agw_http_db_error(r, db, "committing");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);

        /* nginx may have the uncommitted change: publish what is true */
        if (agw_snapshot_publish(r->api, db, err, sizeof(err)) != 0) {
            agw_daemon_log("republishing keys: %s",
                           err);
        }
        return -1;
    }

    return 0;
}


int
agw_api_keys_list(agw_req_t *r)
{
    int            rc, include_revoked;
    json_t        *keys, *k;
    sqlite3       *db;
    sqlite3_stmt  *st;

    static const char *const  allowed[] = { "include_revoked", NULL };

    if (agw_http_query_check(r, allowed) != 0
        || agw_http_query_bool(r, "include_revoked", 1, &include_revoked)
           != 0)
    {
        return 0;
    }

    db = agw_req_db(r);
    if (db == NULL) {
        return 0;
    }

    if (sqlite3_prepare_v2(db, "SELECT " AGW_KEY_COLUMNS AGW_KEY_FROM
                           " WHERE ? OR revoked_at = 0"
                           " ORDER BY created_at DESC, id", -1, &st, NULL)
        != SQLITE_OK)
    {
        return agw_http_db_error(r, db, "listing keys");
    }

    sqlite3_bind_int(st, 1, include_revoked);

    keys = json_array();
    if (keys == NULL) {
        sqlite3_finalize(st);
        return agw_http_error(r, 500, "internal", "out of memory");
    }

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        k = agw_key_row_json(r, st);
        if (k == NULL || json_array_append_new(keys, k) != 0) {
            sqlite3_finalize(st);
            json_decref(keys);
            return agw_http_error(r, 500, "internal", "out of memory");
        }
    }

    if (rc != SQLITE_DONE) {
        agw_http_db_error(r, db, "listing keys");
        sqlite3_finalize(st);
        json_decref(keys);
        return 0;
    }

    sqlite3_finalize(st);

    return agw_http_json(r, 200, json_pack("{s:o}", "keys", keys));
}


int
agw_api_keys_create(agw_req_t *r)
{
    int               rc;
    char              secret[AGW_KEY_SIZE], id[19], hex[65], loc[64];
    char             *models;
    json_t           *body, *v, *key, *conf;
    int64_t           now, expires;
    sqlite3          *db;
    agw_api_t        *api;
    sqlite3_stmt     *st;
    unsigned char     raw[8], hash[32];
    agw_key_policy_t  policy;

    api = r->api;
    models = NULL;
    st = NULL;
    memset(&policy, 0, sizeof(agw_key_policy_t));

    body = agw_http_body_object(r, agw_key_create_fields);
    if (body == NULL) {
        return 0;
    }

    if (agw_key_check_values(r, body) != 0
        || agw_key_check_config(r, body) != 0)
    {
        goto done;
    }

    now = agw_now();
    v = json_object_get(body, "expires_at");
    expires = v ? json_integer_value(v) : 0;

    if (expires != 0 && expires <= now) {
        agw_http_error(r, 400, "bad_request",
                       "field \"expires_at\" is in the past");
        goto done;
    }

    v = json_object_get(body, "models");
    models = v ? json_dumps(v, JSON_COMPACT) : strdup("[]");
    if (models == NULL) {
        agw_http_error(r, 500, "internal", "out of memory");
        goto done;
    }

    if (agw_key_generate(secret, sizeof(secret)) != 0
        || agw_sha256(secret, strlen(secret), hash) != 0
        || RAND_bytes(raw, sizeof(raw)) != 1)
    {
        agw_http_error(r, 500, "internal", "cannot generate a key");
        goto done;
    }

    agw_hex(hash, 32, hex);
    memcpy(id, "k_", 2);
    agw_hex(raw, 8, id + 2);

    if (agw_key_policy_given(body)) {
        conf = agw_api_config_load(api);
        rc = agw_key_policy_apply(r, body, id, json_object_get(body, "models"),
                                  conf, &policy);
        json_decref(conf);

        if (rc != 0) {
            goto done;
        }
    }

    db = agw_req_db(r);
    if (db == NULL) {
        goto done;
    }

    pthread_mutex_lock(&api->keys_lock);

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        pthread_mutex_unlock(&api->keys_lock);
        agw_http_db_error(r, db, "starting a transaction");
        goto done;
    }

    if (sqlite3_prepare_v2(db,
            "INSERT INTO api_keys (id, name, hash, prefix, models, active,"
            " expires_at, created_at, updated_at, revoked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", -1, &st, NULL)
        != SQLITE_OK)
    {
        agw_http_db_error(r, db, "creating a key");
        goto rollback;
    }

    v = json_object_get(body, "active");

    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, json_string_value(json_object_get(body, "name")),
                      -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, hex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, secret, AGW_KEY_PREFIX_LEN, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, models, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, v ? json_is_true(v) : 1);
    sqlite3_bind_int64(st, 7, expires);
    sqlite3_bind_int64(st, 8, now);
    sqlite3_bind_int64(st, 9, now);

    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;

    if (rc == SQLITE_CONSTRAINT) {
        agw_http_error(r, 409, "conflict",
                       "a key named \"%s\" exists (revoke it or choose "
                       "another name)",
                       json_string_value(json_object_get(body, "name")));
        goto rollback;
    }

    if (rc != SQLITE_DONE) {
        agw_http_db_error(r, db, "creating a key");
        goto rollback;
    }

    if (agw_key_policy_given(body)
        && agw_key_policy_store(r, db, id, &policy) != 0)
    {
        goto rollback;
    }

    if (agw_key_commit_publish(r, db) != 0) {
        pthread_mutex_unlock(&api->keys_lock);
        goto done;
    }

    pthread_mutex_unlock(&api->keys_lock);

    if (agw_key_fetch(r, db, id, &key) != 0) {
        goto done;
    }

    snprintf(loc, sizeof(loc), "/api/v1/keys/%s", id);
    agw_http_header(r, MHD_HTTP_HEADER_LOCATION, loc);
    agw_http_json(r, 201, json_pack("{s:o, s:s}", "key", key,
                                    "secret", secret));
    goto done;

rollback:

    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&api->keys_lock);

done:

    OPENSSL_cleanse(secret, sizeof(secret));
    agw_key_policy_free(&policy);
    free(models);
    json_decref(body);

    return 0;
}


int
agw_api_keys_get(agw_req_t *r)
{
    json_t   *key;
    sqlite3  *db;

    db = agw_req_db(r);
    if (db == NULL) {
        return 0;
    }

    if (agw_key_fetch(r, db, r->param, &key) != 0) {
        return 0;
    }

    return agw_http_json(r, 200, key);
}


int
agw_api_keys_update(agw_req_t *r)
{
    int               rc;
    char             *models;
    json_t           *body, *key, *v, *conf;
    sqlite3          *db;
    agw_api_t        *api;
    sqlite3_stmt     *st;
    agw_key_policy_t  policy;

    api = r->api;
    models = NULL;
    conf = NULL;
    memset(&policy, 0, sizeof(agw_key_policy_t));

    body = agw_http_body_object(r, agw_key_update_fields);
    if (body == NULL) {
        return 0;
    }

    if (json_object_size(body) == 0) {
        agw_http_error(r, 400, "bad_request",
                       "nothing to update: give name, models, active, "
                       "expires_at, limits, max_output_tokens, max_output, "
                       "budget_stream, system_prompt, default_model or "
                       "credentials");
        goto done;
    }

    if (agw_key_check_values(r, body) != 0
        || agw_key_check_config(r, body) != 0)
    {
        goto done;
    }

    v = json_object_get(body, "models");
    if (v != NULL) {
        models = json_dumps(v, JSON_COMPACT);
        if (models == NULL) {
            agw_http_error(r, 500, "internal", "out of memory");
            goto done;
        }
    }

    db = agw_req_db(r);
    if (db == NULL) {
        goto done;
    }

    pthread_mutex_lock(&api->keys_lock);

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        pthread_mutex_unlock(&api->keys_lock);
        agw_http_db_error(r, db, "starting a transaction");
        goto done;
    }

    if (agw_key_fetch(r, db, r->param, &key) != 0) {
        goto rollback;
    }

    rc = json_integer_value(json_object_get(key, "revoked_at")) != 0;

    if (rc) {
        json_decref(key);
        agw_http_error(r, 409, "conflict",
                       "key \"%s\" is revoked and cannot be changed",
                       r->param);
        goto rollback;
    }

    if (agw_key_policy_given(body)) {
        v = json_object_get(body, "models");
        conf = agw_api_config_load(api);

        rc = agw_key_policy_load(r, db, r->param, &policy) != 0
             || agw_key_policy_apply(r, body, r->param,
                                     v ? v : json_object_get(key, "models"),
                                     conf, &policy) != 0
             || agw_key_policy_store(r, db, r->param, &policy) != 0;

        if (rc) {
            json_decref(key);
            goto rollback;
        }
    }

    json_decref(key);

    /* NULL binds keep the stored value */
    if (sqlite3_prepare_v2(db,
            "UPDATE api_keys SET name = coalesce(?1, name),"
            " models = coalesce(?2, models), active = coalesce(?3, active),"
            " expires_at = coalesce(?4, expires_at), updated_at = ?5"
            " WHERE id = ?6", -1, &st, NULL) != SQLITE_OK)
    {
        agw_http_db_error(r, db, "updating a key");
        goto rollback;
    }

    v = json_object_get(body, "name");
    if (v != NULL) {
        sqlite3_bind_text(st, 1, json_string_value(v), -1, SQLITE_TRANSIENT);
    }
    if (models != NULL) {
        sqlite3_bind_text(st, 2, models, -1, SQLITE_TRANSIENT);
    }
    v = json_object_get(body, "active");
    if (v != NULL) {
        sqlite3_bind_int(st, 3, json_is_true(v));
    }
    v = json_object_get(body, "expires_at");
    if (v != NULL) {
        sqlite3_bind_int64(st, 4, json_integer_value(v));
    }
    sqlite3_bind_int64(st, 5, agw_now());
    sqlite3_bind_text(st, 6, r->param, -1, SQLITE_TRANSIENT);

    rc = sqlite3_step(st);
    sqlite3_finalize(st);

    if (rc == SQLITE_CONSTRAINT) {
        agw_http_error(r, 409, "conflict", "a key named \"%s\" exists",
                       json_string_value(json_object_get(body, "name")));
        goto rollback;
    }

    if (rc != SQLITE_DONE) {
        agw_http_db_error(r, db, "updating a key");
        goto rollback;
    }

    if (agw_key_commit_publish(r, db) != 0) {
        pthread_mutex_unlock(&api->keys_lock);
        goto done;
    }

    pthread_mutex_unlock(&api->keys_lock);

    if (agw_key_fetch(r, db, r->param, &key) == 0) {
        agw_http_json(r, 200, key);
    }

    goto done;

rollback:

    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&api->keys_lock);

done:

    agw_key_policy_free(&policy);
    json_decref(conf);
    free(models);
    json_decref(body);

    return 0;
}


int
agw_api_keys_revoke(agw_req_t *r)
{
    int            rc;
    json_t        *key;
    int64_t        now;
    sqlite3       *db;
    agw_api_t     *api;
    sqlite3_stmt  *st;

    api = r->api;

    if (r->body_len != 0) {
        return agw_http_error(r, 400, "bad_request",
                              "DELETE takes no request body");
    }

    db = agw_req_db(r);
    if (db == NULL) {
        return 0;
    }

    pthread_mutex_lock(&api->keys_lock);

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        pthread_mutex_unlock(&api->keys_lock);
        return agw_http_db_error(r, db, "starting a transaction");
    }

    if (agw_key_fetch(r, db, r->param, &key) != 0) {
        goto rollback;
    }

    if (json_integer_value(json_object_get(key, "revoked_at")) != 0) {
        /* revoking twice is not an error: the key is revoked */
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        pthread_mutex_unlock(&api->keys_lock);
        return agw_http_json(r, 200, key);
    }

    json_decref(key);

    now = agw_now();

    if (sqlite3_prepare_v2(db, "UPDATE api_keys SET active = 0,"
                           " revoked_at = ?1, updated_at = ?1 WHERE id = ?2",
                           -1, &st, NULL) != SQLITE_OK)
    {
        agw_http_db_error(r, db, "revoking a key");
        goto rollback;
    }

    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_text(st, 2, r->param, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);

    if (rc != SQLITE_DONE) {
        agw_http_db_error(r, db, "revoking a key");
        goto rollback;
    }

    if (agw_key_commit_publish(r, db) != 0) {
        pthread_mutex_unlock(&api->keys_lock);
        return 0;
    }

    pthread_mutex_unlock(&api->keys_lock);

    agw_daemon_log("key %s revoked", r->param);

    if (agw_key_fetch(r, db, r->param, &key) == 0) {
        agw_http_json(r, 200, key);
    }

    return 0;

rollback:

    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&api->keys_lock);

    return 0;
}
