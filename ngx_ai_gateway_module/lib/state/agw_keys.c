/*
 * agw_keys: client key sets (static keys from nginx.conf, dynamic keys from
 * the daemon's snapshot), lookup by SHA-256, and the snapshot format.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_hash.h"
#include "agw_json_reader.h"
#include "agw_json_writer.h"
#include "agw_keys.h"
#include "agw_keys_int.h"


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

    const agw_crypt_key_t  *crypt_key;   /* opens the credentials */
    size_t                  unopened;    /* keys left inactive for it */
    char                    warning[400];
};


static size_t agw_keys_slot0(const unsigned char hash[32], size_t nslots);
static int agw_keys_grow_slots(agw_keyset_t *ks);
static void agw_key_free_models(agw_key_t *key);
static int agw_keys_cmp(const void *a, const void *b);
static int agw_keys_load_one(agw_keyset_t *ks, agw_jr_t *r, size_t i,
    char *err, size_t errlen);
static int agw_keys_open_credentials(agw_keyset_t *ks, agw_key_t *key);


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
        agw_errmsg(err, errlen, "key set is already finalized");
        return -1;
    }

    if (id == NULL || id[0] == '\0') {
        agw_errmsg(err, errlen, "key id is empty");
        return -1;
    }

    if (strlen(id) >= AGW_KEY_ID_MAX) {
        agw_errmsg(err, errlen, "key id \"%.16s...\" is longer than %d bytes",
                     id, AGW_KEY_ID_MAX - 1);
        return -1;
    }

    if (name == NULL) {
        name = "";
    }

    if (strlen(name) >= AGW_KEY_NAME_MAX) {
        agw_errmsg(err, errlen,
                     "key \"%s\": name is longer than %d bytes",
                     id, AGW_KEY_NAME_MAX - 1);
        return -1;
    }

    if (expires_at < 0) {
        agw_errmsg(err, errlen, "key \"%s\": negative expires_at", id);
        return -1;
    }

    for (i = 0; i < nmodels; i++) {
        if (models[i] == NULL || models[i][0] == '\0') {
            agw_errmsg(err, errlen, "key \"%s\": model %zu is empty", id, i);
            return -1;
        }
    }

    if (agw_keys_grow_slots(ks) != 0) {
        goto nomem;
    }

    j = agw_keys_slot0(hash, ks->nslots);
    while (ks->slots[j] != 0) {
        if (memcmp(ks->keys[ks->slots[j] - 1].hash, hash, 32) == 0) {
            agw_errmsg(err, errlen,
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

    agw_errmsg(err, errlen, "out of memory");
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


char *
agw_keys_dup(const char *s, size_t len)
{
    char  *d;

    d = malloc(len + 1);
    if (d == NULL) {
        return NULL;
    }

    memcpy(d, s, len);
    d[len] = '\0';

    return d;
}


int
agw_keyset_add_policy(agw_keyset_t *ks, const agw_key_policy_t *policy,
    char *err, size_t errlen)
{
    size_t                 i, j;
    agw_key_t             *key;
    agw_key_policy_t       p;
    agw_key_credential_t  *c;

    if (ks->finalized || ks->nkeys == 0) {
        agw_errmsg(err, errlen, "no key to give a policy to");
        return -1;
    }

    key = &ks->keys[ks->nkeys - 1];

    for (i = 0; i < policy->ncredentials; i++) {
        c = &policy->credentials[i];

        if (c->provider == NULL || c->provider[0] == '\0'
            || ((c->secret == NULL || c->secret_len == 0)
                && c->sealed == NULL))
        {
            agw_errmsg(err, errlen,
                         "key \"%s\": credential %zu needs a provider and "
                         "a secret", key->id, i);
            return -1;
        }

        for (j = 0; j < i; j++) {
            if (strcmp(policy->credentials[j].provider, c->provider) == 0) {
                agw_errmsg(err, errlen,
                             "key \"%s\": two credentials for provider "
                             "\"%s\"", key->id, c->provider);
                return -1;
            }
        }
    }

    p = *policy;
    p.system_prompt = NULL;
    p.default_model = NULL;
    p.credentials = NULL;
    p.ncredentials = 0;

    if (policy->system_prompt) {
        p.system_prompt = agw_keys_dup(policy->system_prompt,
                                       policy->system_prompt_len);
        if (p.system_prompt == NULL) {
            goto nomem;
        }
    }

    if (policy->default_model) {
        p.default_model = agw_keys_dup(policy->default_model,
                                       strlen(policy->default_model));
        if (p.default_model == NULL) {
            goto nomem;
        }
    }

    if (policy->ncredentials) {
        p.credentials = calloc(policy->ncredentials,
                               sizeof(agw_key_credential_t));
        if (p.credentials == NULL) {
            goto nomem;
        }

        for (i = 0; i < policy->ncredentials; i++) {
            c = &policy->credentials[i];

            p.credentials[i].provider = agw_keys_dup(c->provider,
                                                     strlen(c->provider));
            p.ncredentials = i + 1;

            if (p.credentials[i].provider == NULL) {
                goto nomem;
            }

            if (c->secret != NULL && c->secret_len != 0) {
                p.credentials[i].secret = agw_keys_dup(c->secret,
                                                       c->secret_len);
                if (p.credentials[i].secret == NULL) {
                    goto nomem;
                }
                p.credentials[i].secret_len = c->secret_len;
            }

            if (c->sealed != NULL) {
                p.credentials[i].sealed = agw_keys_dup(c->sealed,
                                                       strlen(c->sealed));
                if (p.credentials[i].sealed == NULL) {
                    goto nomem;
                }
            }
        }
    }

    agw_key_policy_free(&key->policy);
    key->policy = p;

    return 0;

nomem:

    agw_key_policy_free(&p);
    agw_errmsg(err, errlen, "out of memory");
    return -1;
}


void
agw_keyset_drop_last(agw_keyset_t *ks)
{
    size_t      j;
    agw_key_t  *key;

    if (ks->finalized || ks->nkeys == 0) {
        return;
    }

    key = &ks->keys[ks->nkeys - 1];

    /*
     * Its slot ends its probe chain (nothing was added after it), so
     * emptying it breaks no other key's chain.
     */
    j = agw_keys_slot0(key->hash, ks->nslots);
    while (ks->slots[j] != ks->nkeys) {
        j = (j + 1) & (ks->nslots - 1);
    }
    ks->slots[j] = 0;

    agw_key_free_models(key);
    agw_key_policy_free(&key->policy);
    ks->nkeys--;
}


const agw_key_credential_t *
agw_key_credential(const agw_key_t *key, const char *provider, size_t len)
{
    size_t  i;

    for (i = 0; i < key->policy.ncredentials; i++) {
        if (strlen(key->policy.credentials[i].provider) == len
            && memcmp(key->policy.credentials[i].provider, provider, len) == 0)
        {
            return &key->policy.credentials[i];
        }
    }

    return NULL;
}


/* Secrets are wiped, not only freed: freed memory is read by the next
 * owner of the block, and a core dump shows it. */
void
agw_key_policy_free(agw_key_policy_t *p)
{
    size_t                 i;
    agw_key_credential_t  *c;

    for (i = 0; i < p->ncredentials; i++) {
        c = &p->credentials[i];

        if (c->secret) {
            explicit_bzero(c->secret, c->secret_len);
        }

        free(c->secret);
        free(c->sealed);
        free(c->provider);
    }

    free(p->credentials);
    free(p->system_prompt);
    free(p->default_model);
    memset(p, 0, sizeof(agw_key_policy_t));
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
 * The next member of an object whose members are `known` (at most 32): 1
 * with *f its index, 0 at the object's end, -1 with a message.  Refuses
 * a member not in known, so a snapshot of a newer format is not
 * half-understood, and a member repeated.
 */
int
agw_keys_member(agw_jr_t *r, const char *const *known, uint32_t *seen,
    size_t *f, const char *where, char *err, size_t errlen)
{
    int        rc, n;
    char       name[64];
    size_t     i;
    agw_str_t  key;

    rc = agw_jr_member(r, &key);
    if (rc <= 0) {
        if (rc < 0) {
            agw_errmsg(err, errlen, "%s: bad JSON at byte %zu", where,
                         r->errpos);
        }

        return rc;
    }

    for (i = 0; known[i] != NULL; i++) {
        if (agw_str_eq(&key, known[i], strlen(known[i]))) {
            break;
        }
    }

    if (known[i] == NULL) {
        n = agw_str_decode(&key, name, sizeof(name) - 1);
        name[n < 0 ? 0 : n] = '\0';
        agw_errmsg(err, errlen, "%s: unknown field \"%s\"", where, name);
        return -1;
    }

    if (*seen & (1u << i)) {
        agw_errmsg(err, errlen, "%s: duplicate field \"%s\"", where,
                     known[i]);
        return -1;
    }

    *seen |= 1u << i;
    *f = i;

    return 1;
}


/* The first of known not seen: a message, -1; or 0. */
int
agw_keys_missing(const char *const *known, uint32_t seen, const char *where,
    char *err, size_t errlen)
{
    size_t  i;

    for (i = 0; known[i] != NULL; i++) {
        if (!(seen & (1u << i))) {
            agw_errmsg(err, errlen, "%s: \"%s\" is missing", where,
                         known[i]);
            return -1;
        }
    }

    return 0;
}


/* The message for a member of another type than the one it must have. */
int
agw_keys_type(const char *where, const char *name, const char *want,
    char *err, size_t errlen)
{
    agw_errmsg(err, errlen, "%s: \"%s\" is not %s", where, name, want);
    return -1;
}


/* The next value, a string, as a malloc'd C string in *s. */
int
agw_keys_string(agw_jr_t *r, char **s, const char *where, const char *name,
    char *err, size_t errlen)
{
    size_t     n;
    agw_str_t  v;

    if (agw_jr_string(r, &v) != 0) {
        return agw_keys_type(where, name, "a string", err, errlen);
    }

    free(*s);               /* (a member is never repeated: no-op) */

    *s = malloc((size_t) v.len + 1);
    if (*s == NULL) {
        agw_errmsg(err, errlen, "out of memory");
        return -1;
    }

    n = agw_str_unescape(&v, *s);
    (*s)[n] = '\0';

    return 0;
}


/* One element of "keys"; i is its index, for messages. */
static int
agw_keys_load_one(agw_keyset_t *ks, agw_jr_t *r, size_t i, char *err,
    size_t errlen)
{
    int             rc, active;
    char            where[32], reason[200], what[32];
    agw_key_policy_t  policy;
    char           *id, *name, *hex, **models, **more;
    size_t          f, j, n, cap;
    int64_t         expires;
    uint32_t        seen;
    unsigned char   hash[32];

    static const char *const  known[] = {
        "id", "name", "hash", "models", "expires_at", "active", "policy",
        NULL
    };

    snprintf(where, sizeof(where), "keys[%zu]", i);

    if (agw_jr_object(r) != 0) {
        agw_errmsg(err, errlen, "%s: not an object", where);
        return -1;
    }

    id = NULL;
    name = NULL;
    hex = NULL;
    models = NULL;
    n = 0;
    cap = 0;
    expires = 0;
    active = 0;
    seen = 0;
    rc = -1;
    memset(&policy, 0, sizeof(agw_key_policy_t));

    while ((rc = agw_keys_member(r, known, &seen, &f, where, err, errlen))
           == 1)
    {
        rc = -1;

        switch (f) {

        case 0:
            if (agw_keys_string(r, &id, where, "id", err, errlen) != 0) {
                goto done;
            }
            break;

        case 1:
            if (agw_keys_string(r, &name, where, "name", err, errlen) != 0) {
                goto done;
            }
            break;

        case 2:
            if (agw_keys_string(r, &hex, where, "hash", err, errlen) != 0) {
                goto done;
            }
            break;

        case 3:
            if (agw_jr_array(r) != 0) {
                agw_keys_type(where, "models", "an array", err, errlen);
                goto done;
            }

            while (agw_jr_element(r) == 1) {
                if (n == cap) {
                    cap = cap ? 2 * cap : 4;
                    more = realloc(models, cap * sizeof(char *));
                    if (more == NULL) {
                        agw_errmsg(err, errlen, "out of memory");
                        goto done;
                    }
                    models = more;
                }

                models[n] = NULL;
                snprintf(what, sizeof(what), "models[%zu]", n);

                if (agw_jr_peek(r) != AGW_JR_STRING) {
                    agw_errmsg(err, errlen, "%s: %s is not a string",
                                 where, what);
                    goto done;
                }

                n++;

                if (agw_keys_string(r, &models[n - 1], where, what, err,
                                    errlen)
                    != 0)
                {
                    goto done;
                }
            }
            break;

        case 4:
            if (agw_jr_int(r, &expires) != 0) {
                agw_keys_type(where, "expires_at", "an integer", err, errlen);
                goto done;
            }
            break;

        case 5:
            if (agw_jr_bool(r, &active) != 0) {
                agw_keys_type(where, "active", "a boolean", err, errlen);
                goto done;
            }
            break;

        default:
            if (agw_key_policy_read(r, &policy, where, err, errlen) != 0) {
                goto done;
            }
        }
    }

    if (rc < 0 || agw_keys_missing(known, seen, where, err, errlen) != 0) {
        rc = -1;
        goto done;
    }

    rc = -1;

    if (strlen(hex) != 64 || agw_unhex(hex, 64, hash, 32) != 0) {
        agw_errmsg(err, errlen, "%s: \"hash\" is not 64 hex digits", where);
        goto done;
    }

    reason[0] = '\0';

    if (agw_keyset_add(ks, hash, id, name, (const char *const *) models, n,
                       expires, active, reason, sizeof(reason))
        != 0)
    {
        agw_errmsg(err, errlen, "%s: %s", where, reason);
        goto done;
    }

    if (agw_keyset_add_policy(ks, &policy, reason, sizeof(reason)) != 0) {
        agw_errmsg(err, errlen, "%s: %s", where, reason);
        goto done;
    }

    if (agw_keys_open_credentials(ks, &ks->keys[ks->nkeys - 1]) != 0) {
        agw_errmsg(err, errlen, "out of memory");
        goto done;
    }

    rc = 0;

done:

    agw_key_policy_free(&policy);

    for (j = 0; j < n; j++) {
        free(models[j]);
    }

    free(models);
    free(id);
    free(name);
    free(hex);

    return rc;
}


void
agw_keyset_set_crypt_key(agw_keyset_t *ks, const agw_crypt_key_t *k)
{
    ks->crypt_key = k;
}


const char *
agw_keyset_warning(const agw_keyset_t *ks, size_t *n)
{
    if (n != NULL) {
        *n = ks->unopened;
    }

    return ks->unopened ? ks->warning : NULL;
}


/*
 * Opens the key's sealed credentials, each bound to the key's id and its
 * provider.  One that cannot be opened leaves the key inactive (fails
 * closed: the key must not fall back to the operator's provider key) and
 * noted for agw_keyset_warning().  0, or -1 out of memory.
 */
static int
agw_keys_open_credentials(agw_keyset_t *ks, agw_key_t *key)
{
    int                    rc;
    char                  *ctx, why[160];
    size_t                 i, ctxlen;
    agw_key_credential_t  *c;

    for (i = 0; i < key->policy.ncredentials; i++) {
        c = &key->policy.credentials[i];

        if (c->sealed == NULL || c->secret != NULL) {
            continue;
        }

        ctxlen = strlen(key->id) + 1 + strlen(c->provider);
        ctx = malloc(ctxlen + 1);
        if (ctx == NULL) {
            return -1;
        }

        snprintf(ctx, ctxlen + 1, "%s/%s", key->id, c->provider);

        rc = 0;

        if (ks->crypt_key == NULL) {
            snprintf(why, sizeof(why), "no credentials key was read");
            rc = -1;

        } else {
            c->secret = agw_crypt_open(ks->crypt_key, ctx, ctxlen, c->sealed,
                                       strlen(c->sealed), &c->secret_len,
                                       why, sizeof(why));
            rc = c->secret == NULL ? -1 : 0;
        }

        free(ctx);

        if (rc != 0) {
            if (ks->unopened++ == 0) {
                snprintf(ks->warning, sizeof(ks->warning),
                         "key \"%.39s\": its credential for provider \"%.64s\" "
                         "cannot be opened (%s): the key is disabled",
                         key->id, c->provider, why);
            }

            key->active = 0;
        }
    }

    return 0;
}


int
agw_keyset_load_snapshot(agw_keyset_t *ks, const char *json, size_t len,
    char *err, size_t errlen)
{
    int        rc;
    size_t     f, i, pos;
    int64_t    gen;
    agw_jr_t   r;
    uint32_t   seen;

    static const char *const  known[] = { "generation", "keys", NULL };

    /* validated whole first: a snapshot half read is not loaded */
    if (agw_json_valid(json, len, &pos) != 0) {
        agw_errmsg(err, errlen, "bad JSON at byte %zu", pos);
        return -1;
    }

    agw_jr_init(&r, json, len);

    if (agw_jr_object(&r) != 0) {
        agw_errmsg(err, errlen, "snapshot: not a JSON object");
        return -1;
    }

    gen = 0;
    seen = 0;

    while ((rc = agw_keys_member(&r, known, &seen, &f, "snapshot", err,
                                 errlen))
           == 1)
    {
        if (f == 0) {
            if (agw_jr_int(&r, &gen) != 0) {
                return agw_keys_type("snapshot", "generation", "an integer",
                                     err, errlen);
            }

            if (gen < 0) {
                agw_errmsg(err, errlen, "snapshot: negative generation");
                return -1;
            }

            continue;
        }

        if (agw_jr_array(&r) != 0) {
            return agw_keys_type("snapshot", "keys", "an array", err, errlen);
        }

        for (i = 0; agw_jr_element(&r) == 1; i++) {
            if (agw_keys_load_one(ks, &r, i, err, errlen) != 0) {
                return -1;
            }
        }
    }

    if (rc < 0 || agw_keys_missing(known, seen, "snapshot", err, errlen) != 0)
    {
        return -1;
    }

    if (agw_keyset_finalize(ks) != 0) {
        agw_errmsg(err, errlen, "key set is already finalized");
        return -1;
    }

    ks->generation = (uint64_t) gen;

    return 0;
}


char *
agw_keyset_write_snapshot(const agw_keyset_t *ks, uint64_t generation,
    size_t *len)
{
    char              hex[AGW_SHA256_HEX_LEN + 1];
    size_t            i, j;
    agw_jw_t          w;
    agw_buf_t         out = AGW_BUF_INIT;
    const agw_key_t  *k;

    agw_jw_init(&w, &out);
    agw_jw_object(&w);
    agw_jw_key(&w, "generation");
    agw_jw_int(&w, (int64_t) generation);
    agw_jw_key(&w, "keys");
    agw_jw_array(&w);

    for (i = 0; i < ks->nkeys; i++) {
        k = &ks->keys[i];

        agw_hex(k->hash, 32, hex);

        agw_jw_object(&w);
        agw_jw_key(&w, "id");
        agw_jw_bytes(&w, k->id, strlen(k->id));
        agw_jw_key(&w, "name");
        agw_jw_bytes(&w, k->name, strlen(k->name));
        agw_jw_key(&w, "hash");
        agw_jw_bytes(&w, hex, strlen(hex));
        agw_jw_key(&w, "models");
        agw_jw_array(&w);

        for (j = 0; j < k->nmodels; j++) {
            agw_jw_bytes(&w, k->models[j], strlen(k->models[j]));
        }

        agw_jw_array_end(&w);
        agw_jw_key(&w, "expires_at");
        agw_jw_int(&w, k->expires_at);
        agw_jw_key(&w, "active");
        agw_jw_bool(&w, k->active);
        agw_jw_key(&w, "policy");

        if (agw_key_policy_write(&w, &k->policy) != 0) {
            agw_buf_free(&out);
            return NULL;
        }

        agw_jw_object_end(&w);
    }

    agw_jw_array_end(&w);
    agw_jw_object_end(&w);

    if (w.failed) {
        agw_buf_free(&out);
        return NULL;
    }

    if (len != NULL) {
        *len = out.len;
    }

    /* malloc'd and NUL-terminated: the caller frees it */
    return out.data;
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
        agw_key_policy_free(&ks->keys[i].policy);
    }

    free(ks->keys);
    free(ks->slots);
    free(ks);
}
