/*
 * agw_keys: client key sets (static keys from nginx.conf, dynamic keys from
 * the daemon's snapshot), lookup by SHA-256, and the snapshot format.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

#include <jansson.h>

#include "agw_hash.h"
#include "agw_keys.h"


/*
 * Keys live in one array, sorted by hash at finalize.  While the set is
 * being filled, an open-addressing table of indexes (hashes are uniformly
 * random, so their first bytes are a perfect hash) finds duplicates in O(1),
 * so loading a snapshot of many keys stays linear.
 */
struct agw_keyset_s {
    agw_key_t  *keys;
    size_t      nkeys;
    size_t      cap;
    size_t     *slots;          /* index + 1; 0 is empty */
    size_t      nslots;         /* power of two */
    uint64_t    generation;
    int         finalized;
};


static void agw_keys_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static size_t agw_keys_slot0(const unsigned char hash[32], size_t nslots);
static int agw_keys_grow_slots(agw_keyset_t *ks);
static void agw_key_free_models(agw_key_t *key);
static int agw_keys_cmp(const void *a, const void *b);
static int agw_keys_known_fields(json_t *obj, const char *const *known,
    const char *where, char *err, size_t errlen);
static json_t *agw_keys_field(json_t *obj, const char *name, json_type type,
    const char *where, char *err, size_t errlen);
static int agw_keys_load_one(agw_keyset_t *ks, json_t *item, size_t i,
    char *err, size_t errlen);


static void
agw_keys_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list  ap;

    if (err == NULL || errlen == 0) {
        return;
    }

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}


agw_keyset_t *
agw_keyset_new(void)
{
    return calloc(1, sizeof(agw_keyset_t));
}


static size_t
agw_keys_slot0(const unsigned char hash[32], size_t nslots)
{
    size_t  h;

    memcpy(&h, hash, sizeof(h));

    return h & (nslots - 1);
}


/* Keeps the table at most half full; rebuilt from the key array. */
static int
agw_keys_grow_slots(agw_keyset_t *ks)
{
    size_t   n, i, j, *slots;

    if (ks->nslots != 0 && (ks->nkeys + 1) * 2 <= ks->nslots) {
        return 0;
    }

    n = ks->nslots ? ks->nslots * 2 : 64;

    slots = calloc(n, sizeof(size_t));
    if (slots == NULL) {
        return -1;
    }

    for (i = 0; i < ks->nkeys; i++) {
        j = agw_keys_slot0(ks->keys[i].hash, n);
        while (slots[j] != 0) {
            j = (j + 1) & (n - 1);
        }
        slots[j] = i + 1;
    }

    free(ks->slots);
    ks->slots = slots;
    ks->nslots = n;

    return 0;
}


int
agw_keyset_add(agw_keyset_t *ks, const unsigned char hash[32],
    const char *id, const char *name, const char *const *models,
    size_t nmodels, int64_t expires_at, int active, char *err, size_t errlen)
{
    size_t      i, j, len, cap;
    agw_key_t  *key, *keys;

    if (ks->finalized) {
        agw_keys_err(err, errlen, "key set is already finalized");
        return -1;
    }

    if (id == NULL || id[0] == '\0') {
        agw_keys_err(err, errlen, "key id is empty");
        return -1;
    }

    if (strlen(id) >= AGW_KEY_ID_MAX) {
        agw_keys_err(err, errlen, "key id \"%.16s...\" is longer than %d bytes",
                     id, AGW_KEY_ID_MAX - 1);
        return -1;
    }

    if (name == NULL) {
        name = "";
    }

    if (strlen(name) >= AGW_KEY_NAME_MAX) {
        agw_keys_err(err, errlen,
                     "key \"%s\": name is longer than %d bytes",
                     id, AGW_KEY_NAME_MAX - 1);
        return -1;
    }

    if (expires_at < 0) {
        agw_keys_err(err, errlen, "key \"%s\": negative expires_at", id);
        return -1;
    }

    for (i = 0; i < nmodels; i++) {
        if (models[i] == NULL || models[i][0] == '\0') {
            agw_keys_err(err, errlen, "key \"%s\": model %zu is empty", id, i);
            return -1;
        }
    }

    if (agw_keys_grow_slots(ks) != 0) {
        goto nomem;
    }

    j = agw_keys_slot0(hash, ks->nslots);
    while (ks->slots[j] != 0) {
        if (memcmp(ks->keys[ks->slots[j] - 1].hash, hash, 32) == 0) {
            agw_keys_err(err, errlen,
                         "key \"%s\" has the same hash as key \"%s\"",
                         id, ks->keys[ks->slots[j] - 1].id);
            return -1;
        }
        j = (j + 1) & (ks->nslots - 1);
    }

    if (ks->nkeys == ks->cap) {
        cap = ks->cap ? ks->cap * 2 : 16;
        keys = realloc(ks->keys, cap * sizeof(agw_key_t));
        if (keys == NULL) {
            goto nomem;
        }
        ks->keys = keys;
        ks->cap = cap;
    }

    key = &ks->keys[ks->nkeys];
    memset(key, 0, sizeof(agw_key_t));

    memcpy(key->hash, hash, 32);
    memcpy(key->id, id, strlen(id) + 1);
    memcpy(key->name, name, strlen(name) + 1);
    key->expires_at = expires_at;
    key->active = active ? 1 : 0;

    if (nmodels) {
        key->models = calloc(nmodels, sizeof(char *));
        if (key->models == NULL) {
            goto nomem;
        }

        for (i = 0; i < nmodels; i++) {
            len = strlen(models[i]);
            key->models[i] = malloc(len + 1);
            if (key->models[i] == NULL) {
                key->nmodels = i;
                agw_key_free_models(key);
                goto nomem;
            }
            memcpy(key->models[i], models[i], len + 1);
        }

        key->nmodels = nmodels;
    }

    ks->slots[j] = ks->nkeys + 1;
    ks->nkeys++;

    return 0;

nomem:

    agw_keys_err(err, errlen, "out of memory");
    return -1;
}


static void
agw_key_free_models(agw_key_t *key)
{
    size_t  i;

    for (i = 0; i < key->nmodels; i++) {
        free(key->models[i]);
    }

    free(key->models);
    key->models = NULL;
    key->nmodels = 0;
}


static int
agw_keys_cmp(const void *a, const void *b)
{
    return memcmp(((const agw_key_t *) a)->hash,
                  ((const agw_key_t *) b)->hash, 32);
}


int
agw_keyset_finalize(agw_keyset_t *ks)
{
    if (ks->finalized) {
        return -1;
    }

    if (ks->nkeys > 1) {
        qsort(ks->keys, ks->nkeys, sizeof(agw_key_t), agw_keys_cmp);
    }

    /* the duplicate table indexes the unsorted order: no use any more */
    free(ks->slots);
    ks->slots = NULL;
    ks->nslots = 0;
    ks->finalized = 1;

    return 0;
}


/*
 * memcmp steers the search: what it leaks is how a guess's SHA-256 orders
 * against stored hashes, which says nothing about any secret.  The final
 * equality is constant-time anyway, as the contract promises.
 */
const agw_key_t *
agw_keyset_find(const agw_keyset_t *ks, const unsigned char hash[32])
{
    size_t  lo, hi, mid;
    int     c;

    if (ks == NULL || !ks->finalized || ks->nkeys == 0) {
        return NULL;
    }

    lo = 0;
    hi = ks->nkeys;

    while (hi - lo > 1) {
        mid = lo + (hi - lo) / 2;
        c = memcmp(hash, ks->keys[mid].hash, 32);
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid;
        }
    }

    if (agw_ct_equal(hash, ks->keys[lo].hash, 32)) {
        return &ks->keys[lo];
    }

    return NULL;
}


size_t
agw_keyset_count(const agw_keyset_t *ks)
{
    return ks->nkeys;
}


const agw_key_t *
agw_keyset_at(const agw_keyset_t *ks, size_t i)
{
    return i < ks->nkeys ? &ks->keys[i] : NULL;
}


uint64_t
agw_keyset_generation(const agw_keyset_t *ks)
{
    return ks->generation;
}


int
agw_key_usable(const agw_key_t *key, int64_t now)
{
    if (!key->active) {
        return 0;
    }

    return key->expires_at == 0 || now < key->expires_at;
}


int
agw_key_allows_model(const agw_key_t *key, const char *model, size_t len)
{
    size_t       i, mlen;
    const char  *m;

    if (key->nmodels == 0) {
        return 1;
    }

    for (i = 0; i < key->nmodels; i++) {
        m = key->models[i];
        mlen = strlen(m);

        if (m[mlen - 1] == '*') {
            if (len >= mlen - 1 && memcmp(model, m, mlen - 1) == 0) {
                return 1;
            }
            continue;
        }

        if (mlen == len && memcmp(model, m, len) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * Refuses members of obj not in `known` (NULL-terminated), so a snapshot of
 * a newer format is not half-understood.  jansson's own strict unpacking
 * does this too, but its messages do not name the field.
 */
static int
agw_keys_known_fields(json_t *obj, const char *const *known,
    const char *where, char *err, size_t errlen)
{
    size_t       i;
    json_t      *v;
    const char  *name;

    json_object_foreach(obj, name, v) {
        for (i = 0; known[i] != NULL; i++) {
            if (strcmp(name, known[i]) == 0) {
                break;
            }
        }

        if (known[i] == NULL) {
            agw_keys_err(err, errlen, "%s: unknown field \"%s\"", where, name);
            return -1;
        }
    }

    return 0;
}


/* The member `name` of obj, of JSON type `type`, or NULL with a message. */
static json_t *
agw_keys_field(json_t *obj, const char *name, json_type type,
    const char *where, char *err, size_t errlen)
{
    json_t      *v;
    const char  *want;

    v = json_object_get(obj, name);

    if (v == NULL) {
        agw_keys_err(err, errlen, "%s: \"%s\" is missing", where, name);
        return NULL;
    }

    if (json_typeof(v) == type
        || (type == JSON_TRUE && json_is_boolean(v)))
    {
        return v;
    }

    switch (type) {
    case JSON_STRING:  want = "a string"; break;
    case JSON_INTEGER: want = "an integer"; break;
    case JSON_ARRAY:   want = "an array"; break;
    case JSON_OBJECT:  want = "an object"; break;
    default:           want = "a boolean"; break;
    }

    agw_keys_err(err, errlen, "%s: \"%s\" is not %s", where, name, want);

    return NULL;
}


/* One element of "keys"; i is its index, for messages. */
static int
agw_keys_load_one(agw_keyset_t *ks, json_t *item, size_t i, char *err,
    size_t errlen)
{
    int            rc;
    char           where[32], reason[200];
    size_t         j, n;
    json_t        *id, *name, *hex, *models, *expires, *active, *m;
    const char   **list;
    unsigned char  hash[32];

    static const char *const  known[] = {
        "id", "name", "hash", "models", "expires_at", "active", NULL
    };

    snprintf(where, sizeof(where), "keys[%zu]", i);

    if (!json_is_object(item)) {
        agw_keys_err(err, errlen, "%s: not an object", where);
        return -1;
    }

    if (agw_keys_known_fields(item, known, where, err, errlen) != 0
        || (id = agw_keys_field(item, "id", JSON_STRING, where, err, errlen))
           == NULL
        || (name = agw_keys_field(item, "name", JSON_STRING, where, err,
                                  errlen)) == NULL
        || (hex = agw_keys_field(item, "hash", JSON_STRING, where, err,
                                 errlen)) == NULL
        || (models = agw_keys_field(item, "models", JSON_ARRAY, where, err,
                                    errlen)) == NULL
        || (expires = agw_keys_field(item, "expires_at", JSON_INTEGER, where,
                                     err, errlen)) == NULL
        || (active = agw_keys_field(item, "active", JSON_TRUE, where, err,
                                    errlen)) == NULL)
    {
        return -1;
    }

    if (json_string_length(hex) != 64
        || agw_unhex(json_string_value(hex), 64, hash, 32) != 0)
    {
        agw_keys_err(err, errlen, "%s: \"hash\" is not 64 hex digits", where);
        return -1;
    }

    n = json_array_size(models);
    list = NULL;

    if (n) {
        list = calloc(n, sizeof(char *));
        if (list == NULL) {
            agw_keys_err(err, errlen, "out of memory");
            return -1;
        }
    }

    json_array_foreach(models, j, m) {
        if (!json_is_string(m)) {
            agw_keys_err(err, errlen, "%s: models[%zu] is not a string",
                         where, j);
            free(list);
            return -1;
        }
        list[j] = json_string_value(m);
    }

    reason[0] = '\0';
    rc = agw_keyset_add(ks, hash, json_string_value(id),
                        json_string_value(name), list, n,
                        json_integer_value(expires), json_is_true(active),
                        reason, sizeof(reason));
    free(list);

    if (rc != 0) {
        agw_keys_err(err, errlen, "%s: %s", where, reason);
        return -1;
    }

    return 0;
}


int
agw_keyset_load_snapshot(agw_keyset_t *ks, const char *json, size_t len,
    char *err, size_t errlen)
{
    size_t         i;
    json_t        *root, *keys, *gen, *item;
    json_error_t   jerr;

    static const char *const  known[] = { "generation", "keys", NULL };

    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        agw_keys_err(err, errlen, "bad JSON at line %d column %d: %s",
                     jerr.line, jerr.column, jerr.text);
        return -1;
    }

    if (!json_is_object(root)) {
        agw_keys_err(err, errlen, "snapshot: not a JSON object");
        goto failed;
    }

    if (agw_keys_known_fields(root, known, "snapshot", err, errlen) != 0
        || (gen = agw_keys_field(root, "generation", JSON_INTEGER, "snapshot",
                                 err, errlen)) == NULL
        || (keys = agw_keys_field(root, "keys", JSON_ARRAY, "snapshot",
                                  err, errlen)) == NULL)
    {
        goto failed;
    }

    if (json_integer_value(gen) < 0) {
        agw_keys_err(err, errlen, "snapshot: negative generation");
        goto failed;
    }

    json_array_foreach(keys, i, item) {
        if (agw_keys_load_one(ks, item, i, err, errlen) != 0) {
            goto failed;
        }
    }

    if (agw_keyset_finalize(ks) != 0) {
        agw_keys_err(err, errlen, "key set is already finalized");
        goto failed;
    }

    ks->generation = (uint64_t) json_integer_value(gen);
    json_decref(root);

    return 0;

failed:

    json_decref(root);
    return -1;
}


char *
agw_keyset_write_snapshot(const agw_keyset_t *ks, uint64_t generation,
    size_t *len)
{
    char              hex[AGW_SHA256_HEX_LEN + 1], *out;
    size_t            i, j;
    json_t           *root, *keys, *item, *models;
    const agw_key_t  *k;

    root = NULL;
    out = NULL;

    keys = json_array();
    if (keys == NULL) {
        return NULL;
    }

    for (i = 0; i < ks->nkeys; i++) {
        k = &ks->keys[i];

        models = json_array();
        if (models == NULL) {
            goto done;
        }

        for (j = 0; j < k->nmodels; j++) {
            if (json_array_append_new(models, json_string(k->models[j])) != 0) {
                json_decref(models);
                goto done;
            }
        }

        agw_hex(k->hash, 32, hex);

        item = json_pack("{s:s, s:s, s:s, s:o, s:I, s:b}",
                         "id", k->id, "name", k->name, "hash", hex,
                         "models", models, "expires_at",
                         (json_int_t) k->expires_at, "active", k->active);
        if (item == NULL || json_array_append_new(keys, item) != 0) {
            goto done;
        }
    }

    root = json_pack("{s:I, s:o}", "generation", (json_int_t) generation,
                     "keys", keys);
    keys = NULL;                    /* stolen by "o", even on failure */
    if (root == NULL) {
        goto done;
    }

    out = json_dumps(root, JSON_COMPACT);
    if (out != NULL && len != NULL) {
        *len = strlen(out);
    }

done:

    json_decref(keys);
    json_decref(root);

    return out;
}


void
agw_keyset_free(agw_keyset_t *ks)
{
    size_t  i;

    if (ks == NULL) {
        return;
    }

    for (i = 0; i < ks->nkeys; i++) {
        agw_key_free_models(&ks->keys[i]);
    }

    free(ks->keys);
    free(ks->slots);
    free(ks);
}
