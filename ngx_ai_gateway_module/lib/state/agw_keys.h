/*
 * agw_keys: client key sets, shared by the nginx module (static keys from
 * nginx.conf and dynamic keys from the daemon's snapshot) and the admin
 * daemon (which writes that snapshot).
 *
 * Keys are known only by the SHA-256 of their secret: a key set never holds
 * a secret.  A set is filled with agw_keyset_add(), sorted once with
 * agw_keyset_finalize(), then looked up read-only by any number of threads.
 *
 * Snapshot file (the daemon writes it, the module reads it when the
 * generation in the shared state moved):
 *
 *   {"generation":N,
 *    "keys":[{"id":"...","name":"...","hash":"<64 hex>","models":["..."],
 *             "expires_at":0,"active":true,"policy":{...}}]}
 *
 *   policy: {"limits":{"requests_per_minute":0,"requests_per_hour":0,
 *              "requests_per_day":0,"tokens_per_minute":0,
 *              "input_tokens_per_day":0,"output_tokens_per_day":0,
 *              "concurrent":0,"budget_day":0,"budget_month":0,
 *              "budget_total":0},          (budgets in micro-USD)
 *            "max_output_tokens":0,"max_output":"clamp"|"refuse",
 *            "budget_stream":"end"|"finish",
 *            "system_prompt":null|"...","default_model":null|"...",
 *            "credentials":[{"provider":"...","sealed":"v1...."}]}
 *
 * A credential is sealed (agw_crypt.h), bound to the key's id and the
 * provider; the loader opens it with the key given by
 * agw_keyset_set_crypt_key().  A key one of whose credentials cannot be
 * opened (no master key, another one, a blob not authentic) is loaded
 * inactive, so that its requests never go out on the operator's own
 * provider account instead, and agw_keyset_warning() says why.
 *
 * Every field is required (a dropped "active" must not re-enable a revoked
 * key); "models" empty means every model, an entry ending in '*' matches
 * by prefix; "expires_at" is unix seconds, 0 for never.  Unknown fields
 * are refused, so that a snapshot of a newer format is not half-understood.
 */

#ifndef AGW_KEYS_H
#define AGW_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "agw_crypt.h"
#include "agw_limits.h"

#define AGW_KEY_ID_MAX    40    /* including the NUL */
#define AGW_KEY_NAME_MAX  64    /* including the NUL */

/*
 * A key's own account at a provider (it brings its own credentials): its
 * requests to that provider carry this secret instead of the provider's.
 * The secret is in clear here, in memory only: the daemon keeps it
 * encrypted at rest and in the snapshot.
 */
typedef struct {
    char           *provider;          /* NUL-terminated provider name */
    char           *secret;            /* wiped before it is freed; NULL
                                          in the daemon, which publishes
                                          the sealed form only */
    size_t          secret_len;
    char           *sealed;            /* agw_crypt_seal()'s, or NULL (a
                                          static key's: never written) */
} agw_key_credential_t;

/* What a key is held to besides its models (docs/governance.md). */
typedef struct {
    agw_limits_conf_t      limits;
    uint64_t               max_output_tokens;   /* per request, 0: none */
    unsigned               max_output_refuse:1; /* refuse a request asking
                                                   more, instead of clamping */
    unsigned               budget_finish:1;     /* a stream crossing a budget
                                                   finishes; 0: it is ended
                                                   with the dialect's error */
    char                  *system_prompt;       /* NULL: none */
    size_t                 system_prompt_len;
    char                  *default_model;       /* NULL: none */
    agw_key_credential_t  *credentials;
    size_t                 ncredentials;
} agw_key_policy_t;

typedef struct {
    unsigned char   hash[32];
    char            id[AGW_KEY_ID_MAX];
    char            name[AGW_KEY_NAME_MAX];
    char          **models;            /* NUL-terminated strings */
    size_t          nmodels;           /* 0: every model */
    int64_t         expires_at;        /* unix seconds, 0: never */
    unsigned        active:1;
    agw_key_policy_t  policy;          /* all zero: no limits, no policy */
} agw_key_t;

typedef struct agw_keyset_s  agw_keyset_t;

/* NULL on allocation failure. */
agw_keyset_t *agw_keyset_new(void);

/*
 * Copies everything it is given.  Returns 0, or -1 with a message in err
 * (duplicate hash, id or name too long, empty id, out of memory).
 * Adding after agw_keyset_finalize() is an error.
 */
int agw_keyset_add(agw_keyset_t *ks, const unsigned char hash[32],
    const char *id, const char *name, const char *const *models,
    size_t nmodels, int64_t expires_at, int active, char *err, size_t errlen);

/*
 * Gives the key added last its policy: copies every string and credential
 * (policy itself stays the caller's).  Returns 0, or -1 with a message in
 * err (no key yet, already finalized, a credential without a provider or
 * secret or twice for one provider, out of memory).
 */
int agw_keyset_add_policy(agw_keyset_t *ks, const agw_key_policy_t *policy,
    char *err, size_t errlen);

/*
 * The limits by name, in the snapshot's (and the API's) order: a NULL-
 * ended list; those from AGW_KEY_LIMIT_BUDGETS on are money (micro-USD).
 */
extern const char *const  agw_key_limit_names[];
#define AGW_KEY_LIMIT_BUDGETS  7

int64_t agw_key_limit_get(const agw_limits_conf_t *l, size_t i);
void agw_key_limit_set(agw_limits_conf_t *l, size_t i, int64_t v);

/* Frees what a policy holds (secrets wiped) and zeroes it. */
void agw_key_policy_free(agw_key_policy_t *p);

/*
 * A policy object (the snapshot's "policy", format above; the daemon
 * keeps it so in SQLite) into *p, all zero before: every member
 * required, none unknown, credentials sealed and not opened.  0, or -1
 * with a message naming the member (then agw_key_policy_free(p)).
 */
int agw_key_policy_parse(agw_key_policy_t *p, const char *json, size_t len,
    char *err, size_t errlen);

/*
 * The policy object as JSON: malloc'd, NUL-terminated, its length in
 * *len if not NULL.  NULL when out of memory, or when a credential has
 * no sealed form (a secret is never written in clear).
 */
char *agw_key_policy_json(const agw_key_policy_t *p, size_t *len);

/*
 * The master key a snapshot's credentials are opened with; the caller
 * keeps it alive until agw_keyset_load_snapshot() returns.  None: every
 * key with a credential is loaded inactive.
 */
void agw_keyset_set_crypt_key(agw_keyset_t *ks, const agw_crypt_key_t *k);

/*
 * After a load: the first key left inactive because a credential of it
 * could not be opened, and why (the number of such keys in *n), or NULL.
 */
const char *agw_keyset_warning(const agw_keyset_t *ks, size_t *n);

/*
 * Takes back the key added last (one whose policy could not be given:
 * a key must never go without its limits).  Not after finalize.
 */
void agw_keyset_drop_last(agw_keyset_t *ks);

/* The key's own credential for a provider (len bytes), or NULL. */
const agw_key_credential_t *agw_key_credential(const agw_key_t *key,
    const char *provider, size_t len);

/* Sorts by hash for lookup.  0, or -1 (already finalized). */
int agw_keyset_finalize(agw_keyset_t *ks);

/* Binary search; the final comparison is constant-time.  NULL: unknown. */
const agw_key_t *agw_keyset_find(const agw_keyset_t *ks,
    const unsigned char hash[32]);

size_t agw_keyset_count(const agw_keyset_t *ks);
const agw_key_t *agw_keyset_at(const agw_keyset_t *ks, size_t i);

/* 1 if the key is active and not expired at `now` (unix seconds). */
int agw_key_usable(const agw_key_t *key, int64_t now);

/* 1 if the key may use `model` (len bytes, not NUL-terminated). */
int agw_key_allows_model(const agw_key_t *key, const char *model, size_t len);

/*
 * Parses a snapshot (format above) into an empty, unfinalized set, then
 * finalizes it.  The module trusts the generation in the shared state, not
 * the one in the file (agw_keyset_generation() returns the latter, for
 * logs and tests).  Returns 0, or -1 with a message in err naming the
 * offending key index and field; the set must then be freed, not used.
 */
int agw_keyset_load_snapshot(agw_keyset_t *ks, const char *json, size_t len,
    char *err, size_t errlen);

/* The "generation" of the loaded snapshot; 0 for a set built by hand. */
uint64_t agw_keyset_generation(const agw_keyset_t *ks);

/*
 * The snapshot JSON of every key in ks, with `generation`: a malloc'd,
 * NUL-terminated string (free() it), its length in *len if len is not NULL.
 * NULL on allocation failure.
 */
char *agw_keyset_write_snapshot(const agw_keyset_t *ks, uint64_t generation,
    size_t *len);

void agw_keyset_free(agw_keyset_t *ks);

#endif /* AGW_KEYS_H */
